"""One country's page, /country/<slug>: its life expectancy and GDP per capita over the years."""

from __future__ import annotations

import dash
from dash import dcc, html

import data

TITLE = "Serverless Dash"
NOT_FOUND_TITLE = f"Page not found · {TITLE}"


def _country(slug: object) -> data.Country | None:
    # A query parameter of the same name (?slug=a&slug=b) can replace the path's: a list.
    return data.countries().get(slug) if isinstance(slug, str) else None


def title(slug: str | None = None) -> str:
    found = _country(slug)
    return f"{found.name} · {TITLE}" if found else NOT_FOUND_TITLE


def layout(slug: str | None = None, **_query: str) -> html.Main:
    """One country's page, /country/<slug>; an unknown slug gets the not-found page."""
    found = _country(slug)
    if found is None:
        return html.Main(
            html.Section(
                [
                    html.H2("Page not found", className="card-title"),
                    html.P(f"There is no country {slug!r}.", id="not-found"),
                    dcc.Link("All countries", href=dash.get_relative_path("/countries")),
                ],
                className="card",
            ),
            className="page",
        )
    rows = data.country_rows(found.name)
    latest = rows[-1]
    slugs = list(data.countries())
    position = slugs.index(found.slug)
    previous, following = slugs[position - 1], slugs[(position + 1) % len(slugs)]
    return html.Main(
        [
            html.Section(
                [
                    html.H2(found.name, id="country-name", className="country-name"),
                    html.P(
                        [
                            dcc.Link(
                                found.continent,
                                href=dash.get_relative_path(f"/countries#continent-{found.continent.lower()}"),
                            ),
                            (
                                f" · in {latest.year}: life expectancy {latest.life_expectancy:.1f} years, "
                                f"{latest.population:,} people, GDP per capita ${latest.gdp_per_capita:,.0f}"
                            ),
                        ],
                        className="country-facts",
                    ),
                    html.Nav(
                        [
                            dcc.Link(
                                f"← {data.countries()[previous].name}",
                                href=dash.get_relative_path(f"/country/{previous}"),
                                id="previous-country",
                            ),
                            dcc.Link(
                                "All countries",
                                href=dash.get_relative_path("/countries"),
                            ),
                            dcc.Link(
                                f"{data.countries()[following].name} →",
                                href=dash.get_relative_path(f"/country/{following}"),
                                id="next-country",
                            ),
                        ],
                        className="country-nav",
                    ),
                ],
                className="card",
            ),
            html.Div(
                [
                    _history_card("Life expectancy (years)", rows, "life_expectancy"),
                    _history_card("GDP per capita (US$)", rows, "gdp_per_capita"),
                ],
                className="grid",
            ),
        ],
        className="page",
    )


def _history_card(title: str, rows: list[data.Row], field: str) -> html.Section:
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [r.year for r in rows],
                "y": [getattr(r, field) for r in rows],
                "line": {"color": "#2e86ab", "width": 3},
                "hovertemplate": "%{x}: %{y:,.1f}<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "height": 320,
            "xaxis": {"title": {"text": "Year"}},
        },
    }
    return html.Section(
        [
            html.H2(title, className="card-title"),
            dcc.Graph(figure=figure, config={"displaylogo": False}),
        ],
        className="card",
    )


dash.register_page(
    __name__,
    path_template="/country/<slug>",
    name="Country",
    title=title,
    # For the tests (tests/test_app.py opens every page): what to fill the path template with.
    example_values={"slug": ["sweden", "korea-rep", "no-such-country"]},
)
