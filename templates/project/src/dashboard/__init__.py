"""The Dash app factory.

`create_app(prefix)` builds one complete app for one URL prefix: Dash writes the prefix into every
link of the page when the app is built and cannot change it afterwards, so the Lambda handler keeps
one app per prefix (see adapter/apps.py).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from types import TracebackType
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Blueprint, Flask, Response, request
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
# What a browser or CloudFront may keep a content-addressed file for.
IMMUTABLE = "public, max-age=31536000, immutable"
# Dash's component files without a fingerprint in their URL (plotly.min.js, which the renderer asks
# for by name) change only with a deploy: kept this long, then revalidated (ETag).
UNVERSIONED_COMPONENT_FILE = "public, max-age=600"


@functools.cache
def assets_fingerprint(folder: Path = ASSETS_DIR) -> str:
    """A hash of every file in the assets folder, names and contents.

    Dash's `?m=` on asset URLs is the file's modification time, and `sam deploy` zips every file
    with the same one (1980-01-01): a changed style.css would keep its URL, and a cache its old
    copy. The page links to assets/<this hash>/ instead, so a changed asset has a new URL and the
    old one may be cached for good (README.md, "CloudFront").
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


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
        # Content-addressed links (assets_fingerprint); /assets/<file> is served too (_harden).
        assets_url_path=f"assets/{assets_fingerprint()}",
        # gzip when the client accepts it: plotly.min.js drops from 4.8 MB to about 1.5 MB,
        # well inside Lambda's 6 MB response limit even after base64.
        compress=True,
        serve_locally=True,
        title=TITLE,
        update_title=None,
        # Dash Pages, with the pages registered in code (pages.py) rather than found in a folder.
        use_pages=True,
        pages_folder="",
        # Dash Pages sends every page's whole layout (the overview's figures included, ~38,000
        # components) inside each page's HTML for the renderer to check callbacks against: 20 ms of
        # JSON per page load. That check helps while developing (make dev, debug=True), not on Lambda.
        suppress_callback_exceptions=not debug,
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

    # The unversioned URL, for links written by hand (revalidated, never cached for long).
    server.register_blueprint(Blueprint("assets", __name__, static_folder=ASSETS_DIR, static_url_path="/assets"))
    fingerprinted = f"/assets/{assets_fingerprint()}/"

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        if response.status_code == 200 and request.path.startswith(fingerprinted):
            response.headers["Cache-Control"] = IMMUTABLE
        elif response.status_code == 200 and request.path.startswith("/_dash-component-suites/"):
            response.headers.setdefault("Cache-Control", UNVERSIONED_COMPONENT_FILE)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # apig-wsgi sets the scheme from X-Forwarded-Proto, which API Gateway always sends.
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
