"""One Dash app per URL prefix, built on first use and cached for the life of the container.

Dash bakes the prefix into an app when it is built, so each door's prefix needs its own app; a
bounded LRU keeps a container that is reached through many prefixes from growing without end.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from apig_wsgi import DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES, make_lambda_handler
from dash import Dash

from dashboard import create_app

from . import auth
from .precompressed import serve_stored_encodings

logger = logging.getLogger("handler")

# apig-wsgi base64-encodes every content type it does not know as text. Without /etc/mime.types
# (the Lambda runtime images) Python maps .js to application/javascript, which would turn the
# 4.8 MB plotly.min.js into 6.4 MB of base64: over the limit. These are text too.
TEXT_CONTENT_TYPES = (
    *DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES,
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/xml",
    "application/manifest+json",
)

MAX_CACHED_APPS = 8

WsgiHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
_apps: OrderedDict[str, tuple[Dash, WsgiHandler]] = OrderedDict()
_apps_lock = threading.Lock()  # Lambda is one request at a time; tools/serve.py is not


def app_for(prefix: str) -> Dash:
    """The Dash app for `prefix`, built on first use."""
    return _entry_for(prefix)[0]


def handler_for(prefix: str) -> WsgiHandler:
    """The apig-wsgi handler around the app for `prefix`."""
    return _entry_for(prefix)[1]


def _entry_for(prefix: str) -> tuple[Dash, WsgiHandler]:
    with _apps_lock:
        entry = _apps.get(prefix)
        if entry is None:
            logger.info("building the Dash app for prefix %s", prefix)
            app = create_app(prefix)
            serve_stored_encodings(app)
            # With sign-in on, only a verified session reaches the app (adapter/auth.py).
            wsgi_app = auth.protect(app, prefix) if auth.enabled() else app.server
            entry = (app, to_lambda_handler(wsgi_app))
            _apps[prefix] = entry
            if len(_apps) > MAX_CACHED_APPS:
                _apps.popitem(last=False)
        else:
            _apps.move_to_end(prefix)
        return entry


def to_lambda_handler(wsgi_app: Any) -> WsgiHandler:
    """apig-wsgi around a WSGI app: binary bodies base64-encoded, JavaScript and XML kept as text."""
    return make_lambda_handler(wsgi_app, binary_support=True, non_binary_content_type_prefixes=TEXT_CONTENT_TYPES)


def cached_prefixes() -> list[str]:
    return list(_apps)
