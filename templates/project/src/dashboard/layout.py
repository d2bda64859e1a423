"""The frame every page shares (header, navigation, footer) and the overview page.

The other pages are in pages.py. Every link comes from `href` (links.py): it starts with the prefix
of the door the browser came through.
"""

from __future__ import annotations

from datetime import date

import dash
from dash import dcc, html

from . import data
from .links import href

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


NAVIGATION = (("Overview", "/"), ("Countries", "/countries"))


def build_layout() -> html.Div:
    """The frame around every page; Dash Pages renders the page for the URL into page_container.

    Called for each page load (Dash calls a layout function), inside the request, so `href` knows
    the door."""
    return html.Div(
        [
            html.Header(
                [
                    html.Div(
                        [
                            html.H1("Serverless Dash"),
                            html.P(
                                "A Dash dashboard on AWS Lambda and API Gateway. "
                                "Pick a continent and a year; click a country for its page."
                            ),
                            html.Nav(
                                [dcc.Link(label, href=href(path), className="nav-link") for label, path in NAVIGATION],
                                className="nav",
                                **{"aria-label": "Pages"},
                            ),
                        ],
                        className="header-text",
                    ),
                ],
                className="page-header",
            ),
            dash.page_container,
            html.Footer(
                [
                    "Data: ",
                    html.A(
                        "Gapminder",
                        href="https://www.gapminder.org/data/",
                        target="_blank",
                        rel="noopener",
                    ),
                    " (CC BY 4.0). Built with ",
                    html.A(
                        "Dash",
                        href="https://dash.plotly.com",
                        target="_blank",
                        rel="noopener",
                    ),
                    ".",
                ],
                className="page-footer",
            ),
        ],
        className="app",
    )


def overview(**_query: str) -> html.Main:
    """The overview page, "/". Query parameters arrive as keyword arguments; none are used."""
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
