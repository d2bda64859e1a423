"""Responses: binary bodies as API Gateway passes them, Lambda's size limit, and plain answers."""

from __future__ import annotations

import fnmatch
import json
import logging
import os
from typing import Any

from dashboard import HSTS, SECURITY_HEADERS

from .events import header

logger = logging.getLogger("handler")

# Lambda refuses a synchronous response whose JSON is larger than this.
LAMBDA_RESPONSE_LIMIT = 6_291_456
# A body shorter than this cannot reach the limit even if every character became a \uXXXX escape.
_CHECK_SIZE_ABOVE = (LAMBDA_RESPONSE_LIMIT - 65_536) // 6


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
    accept = header(event, "accept")
    if accepts_binary(accept, binary_media_types()):
        return event
    event = dict(event)
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != "accept-encoding"}
    return event


def response_size(response: dict[str, Any]) -> int:
    """Bytes of the JSON Lambda sends back (ASCII-escaped: the largest it can be)."""
    body = response.get("body")
    if response.get("isBase64Encoded") and isinstance(body, str) and body.isascii():
        # apig-wsgi's base64 needs no escaping in JSON, so it adds its own length (its quotes are
        # counted with the empty body's). Serialising 1.5 MB of plotly.min.js to count it took ~5 ms.
        return len(json.dumps({**response, "body": ""})) + len(body)
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
