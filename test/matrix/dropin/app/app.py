import dash
from dash import Dash, dcc, html

app = Dash(__name__, use_pages=True)

app.layout = html.Div(
    [
        html.Img(src=dash.get_asset_url("logo.svg"), id="logo", alt="Field notes"),
        html.H1("Field notes"),
        html.Div(
            [
                html.Div(dcc.Link(f"{page['name']} - {page['path']}", href=page["relative_path"]))
                for page in dash.page_registry.values()
                if page["module"] != "pages.not_found_404"
            ],
            id="nav",
        ),
        dash.page_container,
    ]
)

if __name__ == "__main__":
    app.run(debug=True)
