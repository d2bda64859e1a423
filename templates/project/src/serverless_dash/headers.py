"""Headers on every answer: security headers, HSTS over https, and how long a file may be cached.

Dash links each asset with `?m=<modification time>`, and `sam deploy` zips every file with the same
one (1980-01-01): a changed style.css would keep its URL, and a browser or CloudFront its old copy.
So the page's asset links carry a hash of the file's contents instead (`?m=<hash>`): a changed asset
gets a new URL, and an asset asked for with its current hash may be kept for a year.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from dash import Dash
from flask import Response, request

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
    server = app.server
    hashes = asset_hashes(Path(app.config.assets_folder))
    assets_route = "/" + app.config.assets_url_path.strip("/") + "/"
    # In the page: <prefix><assets_url_path>/style.css?m=315532800.0
    asset_link = re.compile(re.escape(app.get_asset_url("")) + r'([^"?\s]+)\?m=[0-9.]+')

    def hashed_link(match: re.Match[str]) -> str:
        digest = hashes.get(match.group(1))
        return f"{match.group(0).partition('?')[0]}?m={digest}" if digest else match.group(0)

    # Flask runs these in reverse order of registration: after Dash's compression was registered,
    # so the page is still uncompressed here.
    @server.after_request
    def add_headers(response: Response) -> Response:
        if response.status_code == 200:
            if request.path.startswith(assets_route):
                current = hashes.get(request.path[len(assets_route) :])
                fresh = current is not None and request.args.get("m") == current
                response.headers["Cache-Control"] = IMMUTABLE if fresh else UNVERSIONED_FILE
            elif request.path.startswith(_SUITES):
                response.headers.setdefault("Cache-Control", UNVERSIONED_FILE)
            elif response.mimetype == "text/html" and not response.direct_passthrough and hashes:
                page = response.get_data(as_text=True)
                response.set_data(asset_link.sub(hashed_link, page))
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # apig-wsgi sets the scheme from X-Forwarded-Proto, which API Gateway always sends.
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
