"""Headers on every answer: security headers, HSTS over https, and how long a file may be cached.

Dash links each asset with `?m=<modification time>`, and `sam deploy` zips every file with the same
one (1980-01-01): a changed style.css would keep its URL, and a browser or CloudFront its old copy.
So the page's asset links carry a hash of the file's contents instead (`?m=<hash>`): a changed asset
gets a new URL, and an asset asked for with its current hash may be kept for a year.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from dash import Dash

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "frame-ancestors 'self'",
}
HSTS = "max-age=31536000; includeSubDomains"
# What a browser or CloudFront may keep a content-addressed file for.
IMMUTABLE = "public, max-age=31536000, immutable"
# Files whose URL does not change with their content (plotly.min.js, which the renderer asks for by
# name; an asset without its hash): kept this long, then revalidated (ETag).
UNVERSIONED_FILE = "public, max-age=600"
_SUITES = "/_dash-component-suites/"
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def asset_hashes(folder: Path) -> dict[str, str]:
    """Each asset's path below the folder -> a short hash of its contents."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def install(app: Dash) -> None:
    """Add the headers to every answer of `app`, and content hashes to its page's asset links."""
    hashes = asset_hashes(Path(app.config.assets_folder))
    if hashes:
        # In the page: <prefix><assets_url_path>/style.css?m=315532800.0 (Dash's own hook for its page).
        asset_link = re.compile(re.escape(app.get_asset_url("")) + r'([^"?\s]+)\?m=[0-9.]+')

        def hashed_link(match: re.Match[str]) -> str:
            digest = hashes.get(match.group(1))
            return f"{match.group(0).partition('?')[0]}?m={digest}" if digest else match.group(0)

        interpolate_index = app.interpolate_index

        def with_hashed_links(**kwargs: Any) -> str:
            return asset_link.sub(hashed_link, interpolate_index(**kwargs))

        app.interpolate_index = with_hashed_links  # type: ignore[method-assign]
    assets_route = "/" + app.config.assets_url_path.strip("/") + "/"
    app.server.wsgi_app = HeadersMiddleware(app.server.wsgi_app, hashes, assets_route)  # type: ignore[method-assign]


class HeadersMiddleware:
    """WSGI middleware: the security headers (HSTS over https) on every answer, unless the app set
    its own, and the Cache-Control of Dash's files and the assets. A few list operations per
    request, where a Flask after_request hook cost ten times as much."""

    def __init__(self, wsgi_app: WsgiApp, hashes: dict[str, str], assets_route: str) -> None:
        self.wsgi_app = wsgi_app
        self.hashes = hashes
        self.assets_route = assets_route
        self.headers = list(SECURITY_HEADERS.items())
        self.https_headers = [*self.headers, ("Strict-Transport-Security", HSTS)]

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or ""
        added = self.https_headers if environ.get("wsgi.url_scheme") == "https" else self.headers

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = headers + [(name, value) for name, value in added if name.lower() not in present]
            if status.startswith("200"):
                cache_control = self._cache_control(path, environ, "cache-control" in present)
                if cache_control is not None:
                    headers = [(k, v) for k, v in headers if k.lower() != "cache-control"]
                    headers.append(("Cache-Control", cache_control))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)

    def _cache_control(self, path: str, environ: dict[str, Any], has_one: bool) -> str | None:
        if path.startswith(self.assets_route):
            current = self.hashes.get(path[len(self.assets_route) :])
            shown = parse_qs(environ.get("QUERY_STRING") or "").get("m", [None])[0]
            return IMMUTABLE if current is not None and shown == current else UNVERSIONED_FILE
        if path.startswith(_SUITES) and not has_one:
            return UNVERSIONED_FILE
        return None
