import dash
from dash import html

dash.register_page(__name__, path="/broken-page")


def layout(**kwargs):
    rows = []
    return html.Div(f"The first row: {rows[0]}")
