"""API Gateway events: recognised, completed with what apig-wsgi reads, or refused.

REST APIs send payload format 1.0 (httpMethod, path, multiValueHeaders), HTTP APIs 2.0
(requestContext.http, rawPath, cookies). Anything else (warm-up pings, EventBridge schedules) is not
an HTTP request and is answered without touching the app.
"""

from __future__ import annotations

import base64
import binascii
import logging
from http import HTTPStatus
from typing import Any

logger = logging.getLogger("serverless_dash")


def is_http_event(event: Any) -> bool:
    """REST (payload 1.0, httpMethod), HTTP API and function URLs (requestContext.http), ALB."""
    if not isinstance(event, dict):
        return False
    context = event.get("requestContext")
    return "httpMethod" in event or (isinstance(context, dict) and "http" in context)


def source_of(event: Any) -> str:
    """What sent a non-HTTP event, for the log."""
    source = (event.get("source") or event.get("detail-type")) if isinstance(event, dict) else None
    return source or "unknown"


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
    "1.0": (
        *_OBJECT_FIELDS,
        "requestContext",
        "multiValueHeaders",
        "multiValueQueryStringParameters",
    ),
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


def header(event: dict[str, Any], name: str) -> str | None:
    """A request header, from an event of any shape (this also runs on events refused as malformed)."""
    headers, multi_value_headers = event.get("headers"), event.get("multiValueHeaders")
    for key, value in headers.items() if isinstance(headers, dict) else ():
        if str(key).lower() == name and isinstance(value, str):
            return value
    for key, values in multi_value_headers.items() if isinstance(multi_value_headers, dict) else ():
        if str(key).lower() == name and isinstance(values, list) and values and isinstance(values[0], str):
            return values[0]
    return None
