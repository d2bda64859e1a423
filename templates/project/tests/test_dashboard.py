"""The dashboard's own logic: the birthday message, the charts and the dataset."""

from __future__ import annotations

from datetime import date

from dashboard import callbacks, data
from dashboard.layout import ALL_CONTINENTS


def test_age_in_days() -> None:
    assert callbacks.age_message("2000-01-01", today=date(2000, 1, 31)) == "You're 30 days young!"
    assert callbacks.age_message("1990-05-17T00:00:00", today=date(2024, 5, 17)) == "You're 12,419 days young!"
    assert callbacks.age_message(None) == "Pick your birthday to find out."
    assert callbacks.age_message("2999-01-01") == "That day has not come yet."


def test_dataset() -> None:
    assert len(data.rows()) == 1704
    assert data.continents() == ("Africa", "Americas", "Asia", "Europe", "Oceania")
    assert data.years()[0] == 1952 and data.years()[-1] == 2007
    assert len(data.rows_for(year=2007)) == 142


def test_scatter_highlights_the_chosen_continent() -> None:
    figure = callbacks.scatter_figure(2007, "Europe")
    colours = {t["name"]: t["marker"]["color"] for t in figure["data"]}

    assert colours["Europe"] == callbacks.CONTINENT_COLOURS["Europe"]
    assert colours["Asia"] == callbacks.MUTED
    assert sum(len(t["x"]) for t in figure["data"]) == 142


def test_ranking_is_the_top_ten_of_the_selection() -> None:
    bars = callbacks.ranking_figure(1952, "Africa")["data"][0]

    assert len(bars["y"]) == 10
    assert bars["x"] == sorted(bars["x"])  # drawn bottom-up: longest last
    africa = {r.country for r in data.rows_for(continent="Africa")}
    assert set(bars["y"]) <= africa


def test_kpis_follow_the_selection() -> None:
    assert callbacks.kpis(2007, ALL_CONTINENTS)[0] == "142"
    countries, people, life = callbacks.kpis(2007, "Oceania")
    assert countries == "2"
    assert people.endswith(" m")
    assert life.endswith(" years")


def test_a_chart_click_names_a_known_country_or_none() -> None:
    assert callbacks.clicked_country({"points": [{"customdata": [9_031_088, "sweden"]}]}) == "sweden"
    assert callbacks.clicked_country({"points": [{"customdata": "korea-rep"}]}) == "korea-rep"
    for hostile in (None, {}, {"points": []}, {"points": [{"customdata": ["//evil.example"]}]}, {"points": "x"}):
        assert callbacks.clicked_country(hostile) is None
    ranking = callbacks.ranking_figure(2007, ALL_CONTINENTS)["data"][0]
    assert [data.countries()[slug].name for slug in ranking["customdata"]] == ranking["y"]


def test_country_slugs() -> None:
    assert len(data.countries()) == 142
    assert data.slug_of("Korea, Dem. Rep.") == "korea-dem-rep"
    assert data.countries()["cote-d-ivoire"].name == "Cote d'Ivoire"
    assert [r.year for r in data.country_rows("Sweden")] == list(data.years())


def test_refreshed_every_keeps_a_value_for_its_period() -> None:
    now = [100.0]
    loads: list[float] = []

    @data.refreshed_every(60, clock=lambda: now[0])
    def load() -> float:
        loads.append(now[0])
        return now[0]

    assert load() == 100.0
    now[0] = 159.0
    assert load() == 100.0  # within the period: kept
    now[0] = 160.0
    assert load() == 160.0  # the period is over: loaded again
    assert loads == [100.0, 160.0]
