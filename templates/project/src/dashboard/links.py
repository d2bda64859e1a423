"""Paths inside the dashboard, as the browser must ask for them at the door it came through.

One container serves several doors (`/Prod/`, the custom domain's root, a base path `/reports/`),
one Dash app per door. Dash Pages keeps a single, global page registry and computes its
`relative_path` entries, `dash.get_relative_path` and `dash.get_app()` (outside a layout call) from
the app built last, so in a warm container they point into another door's prefix. Never use them
for a link; use `href` here, which asks the app answering the current request:

    dcc.Link("Sweden", href=href("/country/sweden"))   # "/Prod/country/sweden" at the /Prod/ door

Callbacks registered with `register_callbacks(app)` have their app at hand: `app.get_relative_path`.
"""

from __future__ import annotations

from collections.abc import Mapping

from dash import Dash
from flask import current_app, redirect
from werkzeug.wrappers import Response


def current_dash_app() -> Dash:
    """The Dash app answering the current request (page layouts run inside it)."""
    # create_app sets dash_app on its Flask server (dashboard.DashboardServer).
    app = getattr(current_app, "dash_app", None)
    if app is None:
        raise RuntimeError("href() is called while a dashboard app answers a request (page layouts, callbacks)")
    return app


def href(path: str) -> str:
    """`path` ("/", "/countries", "/country/sweden") under the current request's door prefix."""
    return current_dash_app().get_relative_path(path)


def add_redirects(app: Dash, redirects: Mapping[str, str]) -> None:
    """Permanent redirects, old path -> new path, both below the door prefix, on this app only.

    Dash Pages' `redirect_from` registers its rule under the prefix (`/Prod/old`, which the Flask
    server never sees: the adapter strips the prefix), on the app built last, and prefixes the
    target twice; so the dashboard registers its own.
    """
    for old, new in redirects.items():
        target = app.get_relative_path(new)

        def to_target(target: str = target) -> Response:
            return redirect(target, code=301)

        app.server.add_url_rule(old, endpoint=f"redirect:{old}", view_func=to_target)
