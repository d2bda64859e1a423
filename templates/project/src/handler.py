"""AWS Lambda entry point: API Gateway (REST or HTTP API) in front of the Dash app.

Dash writes its URL prefix into the page when an app is built, so the prefix the browser sees has
to be known first. It depends on how the request arrived, and one function serves them all at once:

    REST, execute-api URL       /Prod/...    stage in requestContext.path, not in event.path
    REST, custom domain root    /...         no prefix
    REST, base-path mapping     /reports/... base path in requestContext.path AND in event.path
    HTTP API, $default stage    /...         no prefix
    HTTP API, named stage       /dev/...     stage in rawPath
    HTTP API, domain + mapping  /reports/... mapping key in rawPath

The route API Gateway matched tells the two parts apart: `/{proxy+}` puts the path below the
prefix in pathParameters.proxy (the route `/` has none), so the prefix is whatever the client's path
has in front of it. One Dash app is built per prefix and cached for the life of the container.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from apig_wsgi import DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES, make_lambda_handler
from dash import Dash

from dashboard import HSTS, SECURITY_HEADERS, create_app, request_ids

logger = logging.getLogger("handler")
logger.setLevel(logging.INFO)

# Lambda refuses a synchronous response whose JSON is larger than this.
LAMBDA_RESPONSE_LIMIT = 6_291_456
# A body shorter than this cannot reach the limit even if every character became a \uXXXX escape.
_CHECK_SIZE_ABOVE = (LAMBDA_RESPONSE_LIMIT - 65_536) // 6

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

# A prefix is "/" or "/segment/.../": stage names and base paths only use these characters,
# and none is "." or ".." (a path trick, never a stage or base path).
_PREFIX = re.compile(r"^/(?:(?!\.\.?/)[A-Za-z0-9._~$-]+/){0,4}$")
MAX_CACHED_APPS = 8

WsgiHandler = Callable[[dict[str, Any], Any], dict[str, Any]]
_apps: OrderedDict[str, tuple[Dash, WsgiHandler]] = OrderedDict()
_apps_lock = threading.Lock()  # Lambda is one request at a time; tools/serve.py is not


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not is_http_event(event):
        return ignore(event)
    ids = request_ids(context, event.get("requestContext"))
    https = _header(event, "x-forwarded-proto") == "https"
    try:
        event = complete_event(event)
        prefix, event = split_prefix(event)
        event = limit_gzip_to_binary_requests(event)
        response = handler_for(prefix)(event, context)
        return enforce_size_limit(response, https=https)
    except UnservableEvent as error:
        level = logging.ERROR if error.status >= 500 else logging.WARNING
        logger.log(level, "refused %s (%s): %s", error.status, ids, error)
        return plain_response(error.status, error.answer, https=https)
    except Exception:
        logger.exception("request failed (%s)", ids)
        return plain_response(500, "Internal Server Error", https=https)


def is_http_event(event: Any) -> bool:
    """REST (payload 1.0, httpMethod), HTTP API and function URLs (requestContext.http), ALB."""
    if not isinstance(event, dict):
        return False
    context = event.get("requestContext")
    return "httpMethod" in event or (isinstance(context, dict) and "http" in context)


def ignore(event: Any) -> dict[str, Any]:
    """Warm-up pings, EventBridge schedules and test invocations: nothing to serve."""
    source = (event.get("source") or event.get("detail-type")) if isinstance(event, dict) else None
    logger.info("not an API Gateway request, nothing to do (source: %s)", source or "unknown")
    return {**plain_response(200, "ok"), "ignored": True}


# --- events -------------------------------------------------------------------------------------


class UnservableEvent(Exception):
    """An HTTP event the function cannot serve: answered with `status` (4xx: a warning in the log,
    5xx: an error)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        # A client may learn what was wrong with its request, never what went wrong inside.
        self.answer = f"{HTTPStatus(status).phrase}: {reason}" if status < 500 else HTTPStatus(status).phrase


# The fields each payload format version may carry as an object (or null).
_OBJECT_FIELDS = ("headers", "queryStringParameters", "pathParameters")
_OBJECT_FIELDS_BY_VERSION = {
    "1.0": (*_OBJECT_FIELDS, "requestContext", "multiValueHeaders", "multiValueQueryStringParameters"),
    "2.0": _OBJECT_FIELDS,
}


def complete_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event with every field apig-wsgi reads, or UnservableEvent.

    API Gateway's test console, `sam local generate-event` and hand-written events leave optional
    fields null or out; apig-wsgi reads some of them unguarded. ALB events have no version; without
    one, an event with requestContext.http and no httpMethod can only be an HTTP API's (2.0).
    """
    version = event.get("version") or ("1.0" if "httpMethod" in event else "2.0")
    if version not in _OBJECT_FIELDS_BY_VERSION:
        raise UnservableEvent(500, f"unsupported payload format version {version!r}")
    for name in _OBJECT_FIELDS_BY_VERSION[version]:
        if not isinstance(event.get(name) or {}, dict):
            raise UnservableEvent(400, f"malformed event: {name} is not an object")
    event = {**event, "body": _checked_body(event)}
    if version == "1.0":
        if not _is_text(event.get("httpMethod")):
            raise UnservableEvent(400, "malformed event: no httpMethod")
        # apig-wsgi reads only the multi-value field when its key is there, even when it is null.
        for multi_value in ("multiValueHeaders", "multiValueQueryStringParameters"):
            if not event.get(multi_value):
                event.pop(multi_value, None)
        return {**event, "path": _text_or(event.get("path"), "/")}

    http = event["requestContext"]["http"]
    if not isinstance(http, dict) or not _is_text(http.get("method")):
        raise UnservableEvent(400, "malformed event: no requestContext.http.method")
    http = {
        **http,
        "path": _text_or(http.get("path"), "/"),
        "protocol": _text_or(http.get("protocol"), "HTTP/1.1"),
        "sourceIp": _text_or(http.get("sourceIp"), ""),
    }
    cookies = event.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise UnservableEvent(400, "malformed event: cookies is not a list of strings")
    return {
        **event,
        "version": version,
        "rawPath": _text_or(event.get("rawPath"), http["path"]),
        "rawQueryString": _text_or(event.get("rawQueryString"), ""),
        "headers": event.get("headers") or {},
        "cookies": cookies,
        "requestContext": {**event["requestContext"], "http": http},
    }


def _checked_body(event: dict[str, Any]) -> str | None:
    """The body as apig-wsgi will decode it: base64 when isBase64Encoded, else UTF-8 text."""
    body = event.get("body")
    if body is None:
        return None
    if not isinstance(body, str):
        raise UnservableEvent(400, "malformed event: body is not a string")
    try:
        if event.get("isBase64Encoded"):
            base64.b64decode(body, validate=True)
        else:
            body.encode()
    except binascii.Error:
        raise UnservableEvent(400, "body is not valid base64") from None
    except UnicodeEncodeError:
        raise UnservableEvent(400, "body is not valid UTF-8 text") from None
    return body


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _text_or(value: Any, default: str) -> str:
    return value if _is_text(value) else default


# --- prefix -------------------------------------------------------------------------------------


def split_prefix(event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The prefix the browser sees, and the event with that prefix taken out of its path."""
    context = event.get("requestContext") or {}
    stage = context.get("stage") or ""
    if event.get("version") == "2.0":
        seen = event.get("rawPath") or "/"
        prefix = _prefix_before(seen, _route_path((event.get("routeKey") or "").partition(" ")[2], event))
        if prefix is None:
            prefix = _stage_prefix(seen, stage)
        return prefix, {**event, "rawPath": _below(seen, prefix)}

    path = event.get("path") or "/"
    seen = context.get("path") or path  # what the client asked for
    prefix = _prefix_before(seen, _route_path(event.get("resource") or "", event))
    if prefix is None:
        prefix = _stage_prefix(seen, stage) if seen != path else "/"
    if seen == path and prefix != "/":  # base-path mapping: API Gateway left it in event.path
        event = {**event, "path": _below(path, prefix)}
    return prefix, event


def _route_path(route: str, event: dict[str, Any]) -> str | None:
    """The path below the prefix, rebuilt from the matched route ("/{proxy+}" or "/")."""
    proxy = (event.get("pathParameters") or {}).get("proxy")
    if route.endswith("/{proxy+}") and proxy is not None:
        return route[: -len("{proxy+}")] + proxy.lstrip("/")
    if route.startswith("/") and "{" not in route:
        return route
    return None  # e.g. the HTTP API "$default" route: no route information


def _prefix_before(seen: str, route_path: str | None) -> str | None:
    if route_path is None:
        return None
    seen, route_path = unquote(seen), unquote(route_path)
    if route_path == "/":
        before = seen
    elif seen.endswith(route_path):
        before = seen[: -len(route_path)]
    else:
        return None
    prefix = before.rstrip("/") + "/"
    if not _PREFIX.match(prefix):
        logger.warning("ignoring unexpected URL prefix %r", prefix)
        return None
    return prefix


def _stage_prefix(seen: str, stage: str) -> str:
    """Fallback without route information: a leading stage segment is the prefix."""
    prefix = f"/{stage}/"
    if stage and stage != "$default" and (seen + "/").startswith(prefix) and _PREFIX.match(prefix):
        return prefix
    return "/"


def _below(path: str, prefix: str) -> str:
    if prefix == "/" or not (path + "/").startswith(prefix):
        return path
    return "/" + path[len(prefix) :]


# --- apps ---------------------------------------------------------------------------------------


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
            entry = (app, to_lambda_handler(app.server))
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


# --- binary responses and size ------------------------------------------------------------------


def binary_media_types() -> list[str]:
    """The API's BinaryMediaTypes (REST only), from the environment the SAM template sets."""
    return [t.strip() for t in os.environ.get("DASH_BINARY_MEDIA_TYPES", "*/*").split(",") if t.strip()]


def accepts_binary(accept_header: str | None, binary_types: list[str]) -> bool:
    """Whether a REST API decodes a base64 response for this request.

    API Gateway looks only at the first media type of the request's Accept header.
    """
    if "*/*" in binary_types:
        return True
    first = (accept_header or "").split(",")[0].split(";")[0].strip().lower()
    return bool(first) and any(fnmatch.fnmatchcase(first, t.lower()) for t in binary_types)


def limit_gzip_to_binary_requests(event: dict[str, Any]) -> dict[str, Any]:
    """REST only: gzip makes a response binary, so only gzip when API Gateway will decode it."""
    if event.get("version") == "2.0":  # HTTP APIs always decode isBase64Encoded
        return event
    accept = _header(event, "accept")
    if accepts_binary(accept, binary_media_types()):
        return event
    event = dict(event)
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != "accept-encoding"}
    return event


def _header(event: dict[str, Any], name: str) -> str | None:
    """A request header, from an event of any shape (this also runs on events refused as malformed)."""
    headers, multi_value_headers = event.get("headers"), event.get("multiValueHeaders")
    for key, value in headers.items() if isinstance(headers, dict) else ():
        if str(key).lower() == name and isinstance(value, str):
            return value
    for key, values in multi_value_headers.items() if isinstance(multi_value_headers, dict) else ():
        if str(key).lower() == name and isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
    return None


def response_size(response: dict[str, Any]) -> int:
    """Bytes of the JSON Lambda sends back (ASCII-escaped: the largest it can be)."""
    return len(json.dumps(response))


def enforce_size_limit(response: dict[str, Any], *, https: bool = False) -> dict[str, Any]:
    """An oversize response fails in Lambda with an opaque 502; fail here with a clear log."""
    if len(response.get("body") or "") < _CHECK_SIZE_ABOVE:
        return response
    size = response_size(response)
    if size <= LAMBDA_RESPONSE_LIMIT:
        return response
    logger.error(
        "response of %d bytes exceeds Lambda's %d-byte limit (status %s, content type %s)",
        size,
        LAMBDA_RESPONSE_LIMIT,
        response.get("statusCode"),
        _response_content_type(response),
    )
    return plain_response(500, "Internal Server Error: response too large", https=https)


def _response_content_type(response: dict[str, Any]) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == "content-type":
            return value
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == "content-type":
            return values[-1]
    return None


def plain_response(status: int, text: str, *, https: bool = False) -> dict[str, Any]:
    """A response of the handler's own, with the headers the dashboard puts on every response."""
    security_headers = {**SECURITY_HEADERS, "Strict-Transport-Security": HSTS} if https else SECURITY_HEADERS
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/plain; charset=utf-8", **security_headers},
        "isBase64Encoded": False,
        "body": text,
    }
