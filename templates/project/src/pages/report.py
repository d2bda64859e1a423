"""A report that takes a few seconds: a Dash background callback, with a progress bar and a cancel
button, written as Dash's documentation writes one (background=True, progress, running, cancel).

On Lambda it runs in the worker function, longer than the API's 29 s if it must (up to 15 minutes);
`make dev` and `make serve` run it in a thread. Nothing here knows about that (README.md, "Long
callbacks"). Delete this page if you need none: the rest of the app does not use it.
"""

from __future__ import annotations

import time

import dash
from dash import Input, Output, State, callback, dcc, html

import data

dash.register_page(
    __name__,
    path="/report",
    name="Report",
    title="Report · Serverless Dash",
    order=2,
    in_navigation=True,
)

# Seconds of "work" per continent: a stand-in for a slow query, a model run or an export.
STEP_SECONDS = 0.6


def layout(**_query: str) -> html.Main:
    return html.Main(
        html.Section(
            [
                html.H2("Life expectancy by continent, first and last year", className="card-title"),
                html.P(
                    "Built in the background, a continent at a time: the page stays responsive, "
                    "and the work may take longer than a request may.",
                    className="muted",
                ),
                html.Div(
                    [
                        dcc.Dropdown(
                            id="report-weighting",
                            options=[
                                {"label": "Weighted by population", "value": "population"},
                                {"label": "Each country counts once", "value": "country"},
                            ],
                            value="population",
                            clearable=False,
                            style={"minWidth": "260px"},
                        ),
                        html.Button("Build the report", id="report-run", n_clicks=0),
                        html.Button("Cancel", id="report-cancel", n_clicks=0, disabled=True),
                    ],
                    className="report-controls",
                ),
                html.Progress(id="report-progress", value="0", max="1"),
                html.P(id="report-status", className="muted"),
                html.Div(id="report-table"),
            ],
            className="card",
        ),
        className="page",
    )


@callback(
    Output("report-table", "children"),
    # Also the last word of the status line: the final progress and the result may arrive in one
    # answer, and then the renderer shows the result without that progress.
    Output("report-status", "children", allow_duplicate=True),
    Input("report-run", "n_clicks"),
    State("report-weighting", "value"),
    background=True,
    progress=[
        Output("report-progress", "value"),
        Output("report-progress", "max"),
        Output("report-status", "children"),
    ],
    running=[
        (Output("report-run", "disabled"), True, False),
        (Output("report-cancel", "disabled"), False, True),
    ],
    cancel=[Input("report-cancel", "n_clicks")],
    prevent_initial_call=True,
)
def build_report(set_progress, n_clicks, weighting):
    continents = data.continents()
    first, last = data.years()[0], data.years()[-1]
    rows = []
    for done, continent in enumerate(continents):
        set_progress((str(done), str(len(continents)), f"{continent}…"))
        time.sleep(STEP_SECONDS)
        figures = []
        for year in (first, last):
            selection = data.rows_for(year=year, continent=continent)
            if weighting == "population":
                figures.append(data.weighted_life_expectancy(selection))
            else:
                figures.append(sum(r.life_expectancy for r in selection) / len(selection))
        rows.append(html.Tr([html.Td(continent), *(html.Td(f"{f:.1f}") for f in figures)]))
    set_progress((str(len(continents)), str(len(continents)), "Done."))
    table = html.Table(
        [html.Thead(html.Tr([html.Th("Continent"), html.Th(str(first)), html.Th(str(last))])), html.Tbody(rows)],
        className="report",
    )
    return table, "Done."
