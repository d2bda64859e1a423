"""Responses: binary bodies as API Gateway passes them, Lambda's size limit, and plain answers."""

from __future__ import annotations

import fnmatch
import json
import logging
import os
from typing import Any

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .doors import Door
from .events import header
from .headers import HSTS, SECURITY_HEADERS

logger = logging.getLogger("serverless_dash")

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


def sam_local_decodes(accept_header: str | None, content_type: str | None, binary_types: list[str]) -> bool:
    """Whether `sam local start-api` decodes a base64 REST response (aws-sam-cli 1.170,
    LocalApigwService._should_base64_decode_body): the response's Content-Type, as the request's
    Accept header best matches it (werkzeug, as SAM's Flask reads it), must be literally one of the
    BinaryMediaTypes, or */* must be one. No wildcards: image/* does not cover image/x-icon."""
    best = _accepted(accept_header).best_match([content_type]) if content_type else None
    return best is not None and (best in binary_types or "*/*" in binary_types)


def _accepted(accept_header: str | None) -> MIMEAccept:
    return parse_accept_header(accept_header, MIMEAccept)


def limit_gzip_to_binary_requests(event: dict[str, Any], door: Door) -> dict[str, Any]:
    """REST only: gzip makes a response binary, so only gzip when API Gateway will decode it."""
    if event.get("version") == "2.0":  # HTTP APIs always decode isBase64Encoded
        return event
    accept = header(event, "accept")
    if door.name == "sam-local":
        # SAM decodes a compressed text/html or application/json only under */* (no type lists
        # those literally), and only for a request whose Accept header names the response's type.
        if accept and "*/*" in binary_media_types():
            return event
    elif accepts_binary(accept, binary_media_types()):
        return event
    event = dict(event)
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != "accept-encoding"}
    return event


def as_the_door_passes_it(response: dict[str, Any], event: dict[str, Any], door: Door) -> dict[str, Any]:
    """The response, so that what the door does with it leaves the bytes intact.

    `sam local start-api` decodes a REST response only when its Content-Type is literally one of the
    BinaryMediaTypes (sam_local_decodes), so with `image/*` the favicon would reach the browser as
    base64 text. There, and only there, a binary response is labelled with the binary media type
    that SAM matches for the request (`image/*`, `application/octet-stream`, ...): the browser gets
    the bytes. API Gateway itself matches wildcards and needs none of this.
    """
    if door.name != "sam-local" or event.get("version") == "2.0" or not response.get("isBase64Encoded"):
        return response
    accept, types = header(event, "accept"), binary_media_types()
    content_type = _response_content_type(response)
    if sam_local_decodes(accept, content_type, types):
        return response
    # A type covering the response's own (API Gateway's wildcard rule) first, then the others.
    offers = sorted(
        (t for t in types if _valid_offer(t)),
        key=lambda t: not fnmatch.fnmatchcase(content_type or "", t),
    )
    label = _accepted(accept).best_match(offers)
    if label is None:
        logger.warning(
            "sam local will pass this %s response as base64 text: no binary media type fits",
            content_type,
        )
        return response
    return _with_content_type(response, label)


def _valid_offer(media_type: str) -> bool:
    """werkzeug refuses to match a server type like "*/png"."""
    kind, _, subtype = media_type.partition("/")
    return bool(subtype) and (kind != "*" or subtype == "*")


def _with_content_type(response: dict[str, Any], content_type: str) -> dict[str, Any]:
    response = dict(response)
    for key in ("headers", "multiValueHeaders"):
        if response.get(key):
            fields = {k: v for k, v in response[key].items() if k.lower() != "content-type"}
            fields["Content-Type"] = [content_type] if key == "multiValueHeaders" else content_type
            response[key] = fields
    return response


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
