"""The Dash app factory.

`create_app(prefix)` builds one complete app for one URL prefix: Dash writes the prefix into every
link of the page when the app is built and cannot change it afterwards, so the Lambda handler keeps
one app per prefix (see adapter/apps.py).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Flask, Response, request
from werkzeug.exceptions import NotFound

from .callbacks import register_callbacks
from .layout import build_layout
from .links import add_redirects
from .pages import REDIRECTS, TITLE, register_pages

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}
HSTS = "max-age=31536000; includeSubDomains"


def request_ids(lambda_context: Any, request_context: Any) -> str:
    """How a log line names a request: Lambda's request id (the key of its CloudWatch lines) and
    API Gateway's (what the client got back as x-amzn-RequestId or apigw-requestid)."""
    lambda_id = getattr(lambda_context, "aws_request_id", None)
    api_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return f"request_id={lambda_id or '-'} apigw_request_id={api_id or '-'}"


class DashboardServer(Flask):
    """Flask, logging an unhandled error with the ids of the request it broke, and knowing its Dash
    app (links.href asks it for the door's prefix)."""

    dash_app: Dash | None = None

    def log_exception(self, exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None]) -> None:
        # apig-wsgi puts the Lambda context and API Gateway's requestContext in the WSGI environ.
        environ = request.environ
        ids = request_ids(environ.get("apig_wsgi.context"), environ.get("apig_wsgi.request_context"))
        self.logger.error("%s %s failed (%s)", request.method, request.path, ids, exc_info=exc_info)


def create_app(requests_pathname_prefix: str = "/", *, debug: bool = False) -> Dash:
    """A Dash app whose page links start with `requests_pathname_prefix` (e.g. "/Prod/").

    Its Flask routes stay at "/": the handler strips the prefix from the path before the request
    reaches Flask wherever API Gateway leaves it in. Every page (pages.py) answers at every path
    below the prefix: "/Prod/country/sweden" loads that page directly.
    """
    app = Dash(
        __name__,
        server=DashboardServer(__name__),
        requests_pathname_prefix=requests_pathname_prefix,
        routes_pathname_prefix="/",
        assets_folder=str(ASSETS_DIR),
        # gzip when the client accepts it: plotly.min.js drops from 4.8 MB to about 1.5 MB,
        # well inside Lambda's 6 MB response limit even after base64.
        compress=True,
        serve_locally=True,
        title=TITLE,
        update_title=None,
        # Dash Pages, with the pages registered in code (pages.py) rather than found in a folder.
        use_pages=True,
        pages_folder="",
    )
    app.server.dash_app = app
    register_pages()
    with app.server.app_context():  # Dash calls the layout once now to check it; href asks this app
        app.layout = build_layout
    register_callbacks(app)
    add_redirects(app, REDIRECTS)
    _harden(app.server, debug=debug)
    return app


def _harden(server: Flask, *, debug: bool) -> None:
    # Without debug Flask answers an unhandled error with a bare "500 Internal Server Error" page:
    # tracebacks go to the log (CloudWatch), never to the client.
    server.debug = debug
    server.config["PROPAGATE_EXCEPTIONS"] = False

    @server.errorhandler(DependencyException)
    def unknown_component_file(error: DependencyException) -> NotFound:
        # Dash raises this for a _dash-component-suites path it never registered: a typo, an old
        # page or a scanner, not a fault of the app. Answer like any other unknown file.
        return NotFound()

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # apig-wsgi sets the scheme from X-Forwarded-Proto, which API Gateway always sends.
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
