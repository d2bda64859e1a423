"""Dash's scripts and the app's assets, compressed once at build time instead of on every request.

`sam build` (tools/build_function.py) stores a brotli (quality 11) and a gzip copy beside every
script and stylesheet: plotly.min.js.br, plotly.min.js.gz. Compressing plotly.min.js again on
each request (flask-compress) took ~70 ms of a warm page load, at a lower quality (1.41 MB at
brotli 4, 1.11 MB at 11).

For a GET or HEAD of a component-suite file or an asset, the app still answers the request as
always, without Accept-Encoding (so its checks, status and headers stay exactly Dash's: 404 for an
unregistered file, the fingerprint's Cache-Control, the ETag), and when that answer is a 200 its
body is swapped for the stored bytes of the best encoding the client accepts. No stored copy (the
code not built, as under `make dev`), another status, or no acceptable encoding: the answer is
left as it is, and flask-compress does what it always did.

The files never change while a container lives, so the first such answer for a path (per scheme
and encoding) is kept with the stored bytes, and a later unconditional request gets it without the
app reading and hashing plotly.min.js (4.8 MB) again. Conditional and range requests always reach
the app, which answers them (304, 206) as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from dash import Dash
from dash.fingerprint import check_fingerprint
from werkzeug.http import parse_accept_header

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Preferred first: what the build stores, and the file suffix it uses.
STORED_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_SUITES = "/_dash-component-suites/"
# Requests whose answer depends on more than the path: never answered from the kept answers.
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
_CONDITIONAL += ("HTTP_RANGE",)


def serve_stored_encodings(app: Dash) -> None:
    """Wrap the app's WSGI entry so that built, stored encodings are served."""
    app.server.wsgi_app = StoredEncodings(app.server.wsgi_app, app)  # type: ignore[method-assign]


def accepted_encodings(accept_encoding: str | None) -> set[str]:
    """The codings the client names and accepts (a q-value of 0 refuses one), parsed by werkzeug."""
    return {coding.lower() for coding, quality in parse_accept_header(accept_encoding) if quality > 0}


class StoredEncodings:
    def __init__(self, wsgi_app: WsgiApp, app: Dash) -> None:
        self.wsgi_app = wsgi_app
        self.assets_folder = Path(app.config.assets_folder).resolve()
        self.assets_prefixes = (
            "/assets/",
            "/" + app.config.assets_url_path.strip("/") + "/",
        )
        # (path, scheme, encoding) -> the status, headers and stored bytes of the app's 200 answer
        self.answers: dict[tuple[str, str, str], tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        stored = self._stored(environ) if environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if stored is None:
            return self.wsgi_app(environ, start_response)
        encoding, path = stored
        key = (
            environ.get("PATH_INFO") or "",
            environ.get("wsgi.url_scheme") or "",
            encoding,
        )
        unconditional = not any(name in environ for name in _CONDITIONAL)
        if unconditional and key in self.answers:
            status, headers, data = self.answers[key]
            start_response(status, headers)
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else data]
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda data: None

        identity = {k: v for k, v in environ.items() if k != "HTTP_ACCEPT_ENCODING"}
        body = self.wsgi_app(identity, capture)
        if not captured["status"].startswith("200 "):
            start_response(captured["status"], captured["headers"])
            return body
        getattr(body, "close", lambda: None)()
        data = path.read_bytes()
        own = ("content-length", "content-encoding", "vary")
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in own]
        headers += [
            ("Content-Encoding", encoding),
            ("Content-Length", str(len(data))),
            ("Vary", "Accept-Encoding"),
        ]
        if unconditional:
            self.answers[key] = (captured["status"], headers, data)
        start_response(captured["status"], headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else data]

    def _stored(self, environ: dict[str, Any]) -> tuple[str, Path] | None:
        # The path first: most requests (the page, the layout, callbacks) name no file.
        source = self._source(environ.get("PATH_INFO") or "")
        if source is None:
            return None
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        for encoding, suffix in STORED_ENCODINGS:
            if accepted.quality(encoding) > 0:  # named, or "*"
                stored = source.with_name(source.name + suffix)
                if stored.is_file():
                    return encoding, stored
        return None

    def _source(self, path: str) -> Path | None:
        """The file a component-suite or asset URL names, if it lies where it should."""
        if path.startswith(_SUITES):
            package, _, rest = path[len(_SUITES) :].partition("/")
            module = sys.modules.get(package)
            if module is None or not getattr(module, "__file__", None) or not rest:
                return None
            root = Path(module.__file__).resolve().parent
            return _inside(root, check_fingerprint(rest)[0])
        for prefix in sorted(self.assets_prefixes, key=len, reverse=True):
            if path.startswith(prefix):
                return _inside(self.assets_folder, path[len(prefix) :])
        return None


# A name, not a tuple in the except clause: ruff format for py314 targets writes that as
# `except OSError, ValueError:`, which older Pythons cannot parse.
_NOT_A_FILE = (
    OSError,
    ValueError,
)  # a NUL byte or a name too long: not a file Dash serves either


def _inside(root: Path, relative: str) -> Path | None:
    try:
        candidate = (root / relative).resolve()
        return candidate if candidate.is_relative_to(root) and candidate.is_file() else None
    except _NOT_A_FILE:
        return None
