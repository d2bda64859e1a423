"""The overview, "/": every country's wealth and health in a year, by continent."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from dash import Input, Output, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

import data

dash.register_page(__name__, path="/", name="Overview", order=0, in_navigation=True)

ALL_CONTINENTS = "All"
NO_BIRTHDAY = "Pick your birthday to find out."


def _card(title: str, *children, class_name: str = "") -> html.Section:
    return html.Section(
        [html.H2(title, className="card-title"), *children],
        className=f"card {class_name}".strip(),
    )


def _kpi(label: str, kpi_id: str) -> html.Div:
    return html.Div(
        [
            html.Span(label, className="kpi-label"),
            html.Span(id=kpi_id, className="kpi-value"),
        ],
        className="card kpi",
    )


def layout(**_query: str) -> html.Main:
    """Query parameters arrive as keyword arguments; none are used."""
    years = data.years()
    return html.Main(
        [
            # A click on a chart sets its pathname: the country's page. It sits in this page, beside
            # the charts, so that the click callback's prevent_initial_call holds when the page appears.
            dcc.Location(id="navigate", refresh="callback-nav"),
            html.Section(
                [
                    html.Div(
                        [
                            html.Label("Continent", htmlFor="continent"),
                            dcc.Dropdown(
                                id="continent",
                                options=[ALL_CONTINENTS, *data.continents()],
                                value=ALL_CONTINENTS,
                                clearable=False,
                            ),
                        ],
                        className="control control-continent",
                    ),
                    html.Div(
                        [
                            html.Label("Year", htmlFor="year"),
                            dcc.Slider(
                                id="year",
                                min=years[0],
                                max=years[-1],
                                step=None,
                                marks={y: str(y) for y in years},
                                value=years[-1],
                            ),
                        ],
                        className="control control-year",
                    ),
                ],
                className="controls card",
            ),
            html.Section(
                [
                    _kpi("Countries", "kpi-countries"),
                    _kpi("People", "kpi-population"),
                    _kpi("Life expectancy", "kpi-life"),
                ],
                className="kpis",
            ),
            html.Div(
                [
                    _card(
                        "Wealth and health",
                        dcc.Graph(id="scatter", config={"displaylogo": False}),
                        class_name="wide",
                    ),
                    _card(
                        "Life expectancy over time",
                        dcc.Graph(id="trend", config={"displaylogo": False}),
                    ),
                    _card(
                        "Longest lives",
                        dcc.Graph(id="ranking", config={"displaylogo": False}),
                    ),
                ],
                className="grid",
            ),
            _card(
                "How young are you?",
                html.Div(
                    [
                        html.Div(
                            dcc.DatePickerSingle(
                                id="birthday",
                                max_date_allowed=date.today(),
                                initial_visible_month=date(2000, 1, 1),
                                placeholder="Your birthday",
                                display_format="YYYY-MM-DD",
                            ),
                            className="birthday-picker",
                        ),
                        # Rendered with the page: its callback runs only when a date is picked, which
                        # saves every visitor a request (and a Lambda invocation) on load.
                        html.P(NO_BIRTHDAY, id="age", className="age"),
                    ],
                    className="birthday",
                ),
            ),
        ],
        className="page",
    )


CONTINENT_COLOURS = {
    "Africa": "#e4572e",
    "Americas": "#2e86ab",
    "Asia": "#f3a712",
    "Europe": "#6a4c93",
    "Oceania": "#29a373",
}
MUTED = "#d5dae1"
FONT = {
    "family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "color": "#1f2933",
}


def _figure_layout(**extra) -> dict:
    return {
        "font": FONT,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }


def age_message(birthday: str | None, today: date | None = None) -> str:
    if not birthday:
        return NO_BIRTHDAY
    born = date.fromisoformat(birthday[:10])
    days = ((today or date.today()) - born).days
    if days < 0:
        return "That day has not come yet."
    return f"You're {days:,} days young!"


def scatter_figure(year: int, continent: str) -> dict:
    """GDP per capita against life expectancy, one bubble per country, area ~ population."""
    traces = []
    for name in data.continents():
        selection = data.rows_for(year=year, continent=name)
        highlighted = continent in (ALL_CONTINENTS, name)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": [r.gdp_per_capita for r in selection],
                "y": [r.life_expectancy for r in selection],
                "text": [r.country for r in selection],
                # [population, slug]: the slug names the country's page when the bubble is clicked.
                "customdata": [[r.population, data.slug_of(r.country)] for r in selection],
                "hovertemplate": "<b>%{text}</b><br>GDP per capita $%{x:,.0f}"
                "<br>Life expectancy %{y:.1f} years<br>Population %{customdata[0]:,}<extra></extra>",
                "marker": {
                    "size": [r.population for r in selection],
                    "sizemode": "area",
                    "sizeref": 2.0 * 1.3e9 / 60**2,
                    "sizemin": 3,
                    "color": CONTINENT_COLOURS[name] if highlighted else MUTED,
                    "opacity": 0.85 if highlighted else 0.5,
                    "line": {"width": 0.5, "color": "#ffffff"},
                },
            }
        )
    return {
        "data": traces,
        "layout": _figure_layout(
            xaxis={
                "title": {"text": "GDP per capita (US$, log scale)"},
                "type": "log",
                "range": [2.3, 5.1],
            },
            yaxis={"title": {"text": "Life expectancy (years)"}, "range": [20, 90]},
            height=440,
        ),
    }


def trend_figure(continent: str) -> dict:
    """Population-weighted life expectancy per continent over the years."""
    years = data.years()
    traces = []
    for name in data.continents():
        highlighted = continent in (ALL_CONTINENTS, name)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": list(years),
                "y": [
                    round(
                        data.weighted_life_expectancy(data.rows_for(year=y, continent=name)),
                        2,
                    )
                    for y in years
                ],
                "line": {
                    "color": CONTINENT_COLOURS[name] if highlighted else MUTED,
                    "width": 3 if highlighted else 1.5,
                },
                "marker": {"size": 5},
                "hovertemplate": f"<b>{name}</b> %{{x}}: %{{y:.1f}} years<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": _figure_layout(
            xaxis={"title": {"text": "Year"}},
            yaxis={"title": {"text": "Life expectancy (years)"}},
            height=360,
        ),
    }


def ranking_figure(year: int, continent: str, count: int = 10) -> dict:
    """The countries with the longest life expectancy in the selection."""
    selection = data.rows_for(year=year, continent=None if continent == ALL_CONTINENTS else continent)
    top = sorted(selection, key=lambda r: r.life_expectancy, reverse=True)[:count]
    top.reverse()  # plotly draws horizontal bars bottom-up
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": [r.life_expectancy for r in top],
                "y": [r.country for r in top],
                "customdata": [data.slug_of(r.country) for r in top],
                "marker": {"color": [CONTINENT_COLOURS[r.continent] for r in top]},
                "hovertemplate": "<b>%{y}</b>: %{x:.1f} years<extra></extra>",
            }
        ],
        "layout": _figure_layout(
            xaxis={"title": {"text": f"Life expectancy in {year} (years)"}},
            yaxis={"automargin": True},
            margin={"l": 8, "r": 16, "t": 16, "b": 48},
            height=360,
            showlegend=False,
        ),
    }


def kpis(year: int, continent: str) -> tuple[str, str, str]:
    selection = data.rows_for(year=year, continent=None if continent == ALL_CONTINENTS else continent)
    people = sum(r.population for r in selection)
    return (
        f"{len(selection)}",
        f"{people / 1e9:.2f} bn" if people >= 1e9 else f"{people / 1e6:.0f} m",
        f"{data.weighted_life_expectancy(selection):.1f} years",
    )


def clicked_country(click_data: Any) -> str | None:
    """The slug of the country a click on the scatter or the ranking chart landed on, if any.

    Click data comes from the browser: only a slug of a known country is returned."""
    points = click_data.get("points") if isinstance(click_data, dict) else None
    point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
    custom = point.get("customdata")
    slug = custom[-1] if isinstance(custom, list) and custom else custom
    return slug if isinstance(slug, str) and slug in data.countries() else None


@callback(Output("age", "children"), Input("birthday", "date"), prevent_initial_call=True)
def update_age(birthday: str | None) -> str:
    return age_message(birthday)


@callback(
    Output("scatter", "figure"),
    Output("trend", "figure"),
    Output("ranking", "figure"),
    Output("kpi-countries", "children"),
    Output("kpi-population", "children"),
    Output("kpi-life", "children"),
    Input("continent", "value"),
    Input("year", "value"),
)
def update_charts(continent: str, year: int):
    # Inputs come from the browser: refuse values the controls cannot produce.
    if continent not in (ALL_CONTINENTS, *data.continents()) or year not in data.years():
        raise PreventUpdate
    return (
        scatter_figure(year, continent),
        trend_figure(continent),
        ranking_figure(year, continent),
        *kpis(year, continent),
    )


@callback(
    Output("navigate", "pathname"),
    Input("scatter", "clickData"),
    Input("ranking", "clickData"),
    prevent_initial_call=True,
)
def open_country(scatter_click: Any, ranking_click: Any) -> str:
    # Whichever chart was clicked last; its point names the country.
    slug = clicked_country(scatter_click if ctx.triggered_id == "scatter" else ranking_click)
    if slug is None:
        raise PreventUpdate
    return dash.get_relative_path(f"/country/{slug}")
