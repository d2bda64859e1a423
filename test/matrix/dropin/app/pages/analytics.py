import dash
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

dash.register_page(__name__, name="Analytics")

SERIES = {
    "Birds": [3, 5, 4, 8, 12, 9],
    "Bees": [40, 52, 61, 58, 70, 66],
    "Butterflies": [7, 6, 11, 13, 10, 15],
}

layout = html.Div(
    [
        html.H2("Analytics"),
        dcc.Dropdown(list(SERIES), "Birds", id="series", clearable=False),
        dcc.Graph(id="counts"),
        html.P(id="total"),
        dcc.Link("A report", href=dash.get_relative_path("/report/2024-spring")),
    ]
)


@callback(Output("counts", "figure"), Output("total", "children"), Input("series", "value"))
def show(series):
    counts = SERIES[series]
    figure = go.Figure(go.Bar(x=list(range(1, len(counts) + 1)), y=counts, name=series))
    figure.update_layout(title=f"{series} counted per week", xaxis_title="Week", yaxis_title="Count")
    return figure, f"{sum(counts)} {series.lower()} in all"
