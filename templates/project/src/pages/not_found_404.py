"""Any address that is no page: Dash Pages shows the module named not_found_404."""

from __future__ import annotations

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Not found", title="Page not found · Serverless Dash")


def layout(**_query: str) -> html.Main:
    return html.Main(
        html.Section(
            [
                html.H2("Page not found", className="card-title"),
                html.P("There is no page at this address.", id="not-found"),
                dcc.Link("Back to the overview", href=dash.get_relative_path("/")),
            ],
            className="card",
        ),
        className="page",
    )
