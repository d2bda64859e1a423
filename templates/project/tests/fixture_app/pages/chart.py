"""The home page: a graph and the global callbacks that fill it and greet."""

import dash
from dash import Input, Output, callback, dcc, html

dash.register_page(__name__, path="/", name="Chart", redirect_from=["/old-chart"])

SERIES = {"squares": [n * n for n in range(10)], "cubes": [n**3 for n in range(10)]}


def layout(**_query):
    return html.Main(
        [
            html.H1("Chart", id="chart-title"),
            dcc.Dropdown(list(SERIES), "squares", id="series", clearable=False),
            dcc.Graph(id="graph"),
            dcc.Input(id="name", value="", type="text"),
            html.P(id="greeting"),
        ]
    )


@callback(Output("graph", "figure"), Input("series", "value"))
def draw(series):
    return {"data": [{"type": "scatter", "y": SERIES[series], "name": series}], "layout": {"title": series}}


@callback(Output("greeting", "children"), Input("name", "value"), prevent_initial_call=True)
def greet(name):
    if name == "raise":
        raise RuntimeError("secret detail <script>")
    return f"Hello, {name}!"
