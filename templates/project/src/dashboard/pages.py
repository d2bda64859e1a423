"""The dashboard's pages (Dash Pages): the overview, the country list, one page per country, and
the page for an address that is none of these.

`register_pages` runs once per app (create_app). Dash keeps the registry global, which is fine for
what it holds here: paths below the prefix ("/country/<slug>"), layouts and titles, the same for
every door. What differs per door, the prefix, comes from the request: every link is `href(...)`.
A layout gets the path variables and the query parameters as keyword arguments.
"""

from __future__ import annotations

import contextvars

import dash
from dash import dcc, html

from . import data
from .layout import overview
from .links import href

TITLE = "Serverless Dash"
NOT_FOUND_TITLE = f"Page not found · {TITLE}"
# Old or guessed addresses, old -> new, both below the door's prefix (links.add_redirects).
REDIRECTS = {"/country": "/countries", "/country/": "/countries"}


# dash.register_page reads a context variable that Dash sets when it is imported, in the importing
# thread's context only: called from another thread (tools/serve.py builds each door's app in the
# thread of its first request) it raises LookupError. So it runs in a copy of this module's import
# context, where Dash had just been imported.
_IMPORT_CONTEXT = contextvars.copy_context()


def register_pages() -> None:
    _IMPORT_CONTEXT.copy().run(_register_pages)


def _register_pages() -> None:
    dash.register_page("dashboard.pages.overview", path="/", name="Overview", title=TITLE, layout=overview)
    dash.register_page(
        "dashboard.pages.countries",
        path="/countries",
        name="Countries",
        title=f"Countries · {TITLE}",
        layout=countries,
    )
    dash.register_page(
        "dashboard.pages.country",
        path_template="/country/<slug>",
        name="Country",
        title=country_title,
        layout=country,
    )
    # Dash shows the page whose module name ends in "not_found_404" for any other address.
    dash.register_page(
        "dashboard.pages.not_found_404", path="/404", name="Not found", title=NOT_FOUND_TITLE, layout=not_found
    )


def countries(**_query: str) -> html.Main:
    """Every country, by continent, each a link to its page."""
    by_continent: dict[str, list[data.Country]] = {}
    for c in data.countries().values():
        by_continent.setdefault(c.continent, []).append(c)
    return html.Main(
        [
            html.Section(
                [
                    html.H2(continent, className="card-title"),
                    html.Ul(
                        [html.Li(dcc.Link(c.name, href=href(f"/country/{c.slug}"))) for c in members],
                        className="country-list",
                    ),
                ],
                className="card",
                id=f"continent-{continent.lower()}",
            )
            for continent, members in sorted(by_continent.items())
        ],
        className="page",
    )


def _country(slug: object) -> data.Country | None:
    # A query parameter of the same name (?slug=a&slug=b) can replace the path's: a list.
    return data.countries().get(slug) if isinstance(slug, str) else None


def country_title(slug: str | None = None) -> str:
    found = _country(slug)
    return f"{found.name} · {TITLE}" if found else NOT_FOUND_TITLE


def country(slug: str | None = None, **_query: str) -> html.Main:
    """One country's page, /country/<slug>; an unknown slug gets the not-found page."""
    found = _country(slug)
    if found is None:
        return not_found()
    rows = data.country_rows(found.name)
    latest = rows[-1]
    slugs = list(data.countries())
    position = slugs.index(found.slug)
    previous, following = slugs[position - 1], slugs[(position + 1) % len(slugs)]
    return html.Main(
        [
            html.Section(
                [
                    html.H2(found.name, id="country-name", className="country-name"),
                    html.P(
                        [
                            dcc.Link(found.continent, href=href(f"/countries#continent-{found.continent.lower()}")),
                            f" · in {latest.year}: life expectancy {latest.life_expectancy:.1f} years, "
                            f"{latest.population:,} people, GDP per capita ${latest.gdp_per_capita:,.0f}",
                        ],
                        className="country-facts",
                    ),
                    html.Nav(
                        [
                            dcc.Link(
                                f"← {data.countries()[previous].name}",
                                href=href(f"/country/{previous}"),
                                id="previous-country",
                            ),
                            dcc.Link("All countries", href=href("/countries")),
                            dcc.Link(
                                f"{data.countries()[following].name} →",
                                href=href(f"/country/{following}"),
                                id="next-country",
                            ),
                        ],
                        className="country-nav",
                    ),
                ],
                className="card",
            ),
            html.Div(
                [
                    _history_card("Life expectancy (years)", rows, "life_expectancy"),
                    _history_card("GDP per capita (US$)", rows, "gdp_per_capita"),
                ],
                className="grid",
            ),
        ],
        className="page",
    )


def _history_card(title: str, rows: list[data.Row], field: str) -> html.Section:
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [r.year for r in rows],
                "y": [getattr(r, field) for r in rows],
                "line": {"color": "#2e86ab", "width": 3},
                "hovertemplate": "%{x}: %{y:,.1f}<extra></extra>",
            }
        ],
        "layout": {
            "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "height": 320,
            "xaxis": {"title": {"text": "Year"}},
        },
    }
    return html.Section(
        [html.H2(title, className="card-title"), dcc.Graph(figure=figure, config={"displaylogo": False})],
        className="card",
    )


def not_found(**_query: str) -> html.Main:
    return html.Main(
        html.Section(
            [
                html.H2("Page not found", className="card-title"),
                html.P("There is no page at this address.", id="not-found"),
                dcc.Link("Back to the overview", href=href("/")),
            ],
            className="card",
        ),
        className="page",
    )
