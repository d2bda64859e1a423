"""The fixture app: `app = Dash(__name__, use_pages=True)` and a frame around the pages."""

import dash
from dash import Dash, dcc, html

app = Dash(__name__, use_pages=True, title="Fixture", update_title=None)

app.layout = html.Div(
    [
        html.Nav(
            [dcc.Link(page["name"], href=page["relative_path"]) for page in dash.page_registry.values()],
            id="nav",
        ),
        dash.page_container,
    ]
)
