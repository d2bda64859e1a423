"""The dashboard: a Dash Pages app, written as Dash's documentation writes one.

Its pages are the modules in pages/ (each calls dash.register_page), its styles and favicon are in
assets/. Replace all of it with your own app: nothing here knows about Lambda (README.md, "Bring
your own Dash app"). Run it on its own with `make dev`, or `python src/app.py`.
"""

import dash
from dash import Dash, dcc, html

app = Dash(__name__, use_pages=True, title="Serverless Dash", update_title=None)

app.layout = html.Div(
    [
        html.Header(
            html.Div(
                [
                    html.H1("Serverless Dash"),
                    html.P(
                        "A Dash dashboard on AWS Lambda and API Gateway. "
                        "Pick a continent and a year; click a country for its page."
                    ),
                    html.Nav(
                        [
                            dcc.Link(
                                page["name"],
                                href=page["relative_path"],
                                className="nav-link",
                            )
                            for page in dash.page_registry.values()
                            if page.get("in_navigation")
                        ],
                        className="nav",
                        **{"aria-label": "Pages"},
                    ),
                ],
                className="header-text",
            ),
            className="page-header",
        ),
        dash.page_container,
        html.Footer(
            [
                "Data: ",
                html.A(
                    "Gapminder",
                    href="https://www.gapminder.org/data/",
                    target="_blank",
                    rel="noopener",
                ),
                " (CC BY 4.0). Built with ",
                html.A(
                    "Dash",
                    href="https://dash.plotly.com",
                    target="_blank",
                    rel="noopener",
                ),
                ".",
            ],
            className="page-footer",
        ),
    ],
    className="app",
)

if __name__ == "__main__":
    app.run(debug=True)
