import dash
from dash import Input, Output, callback, dcc, html

dash.register_page(__name__, path="/", name="Home")

layout = html.Div(
    [
        html.H2("Welcome"),
        html.Label("Your name", htmlFor="name"),
        dcc.Input(id="name", value="world", type="text"),
        html.P(id="greeting"),
        html.A("See the numbers", href=dash.get_relative_path("/analytics"), id="to-analytics"),
    ]
)


@callback(Output("greeting", "children"), Input("name", "value"))
def greet(name):
    return f"Hello, {name}!"
