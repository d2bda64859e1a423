"""Any address that is no page."""

import dash
from dash import dcc, html

dash.register_page(__name__, path="/404", name="Not found")


def layout(**_query):
    return html.Main(
        [html.P("There is no page here.", id="not-found"), dcc.Link("Home", href=dash.get_relative_path("/"))]
    )
