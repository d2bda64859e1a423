"""Every country, by continent, each a link to its page."""

from __future__ import annotations

import dash
from dash import dcc, html

import data

dash.register_page(
    __name__,
    path="/countries",
    name="Countries",
    title="Countries · Serverless Dash",
    order=1,
    in_navigation=True,
    # An old address: /country without a name lands here.
    redirect_from=["/country"],
)


def layout(**_query: str) -> html.Main:
    by_continent: dict[str, list[data.Country]] = {}
    for c in data.countries().values():
        by_continent.setdefault(c.continent, []).append(c)
    return html.Main(
        [
            html.Section(
                [
                    html.H2(continent, className="card-title"),
                    html.Ul(
                        [
                            html.Li(
                                dcc.Link(
                                    c.name,
                                    href=dash.get_relative_path(f"/country/{c.slug}"),
                                )
                            )
                            for c in members
                        ],
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
