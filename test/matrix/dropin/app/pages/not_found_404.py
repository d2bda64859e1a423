import dash
from dash import dcc, html

dash.register_page(__name__)

layout = html.Div(
    [
        html.H2("This page does not exist"),
        dcc.Link("Go home", href=dash.get_relative_path("/")),
    ]
)
