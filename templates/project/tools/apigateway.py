"""A small model of API Gateway in front of the Lambda handler, for `make serve` and the tests.

It does what matters to a Dash app and no more:
- builds the event API Gateway would send (REST payload 1.0 or HTTP API payload 2.0), with the
  stage in the URL on the execute-api host, or no stage (and an optional base path) on a custom
  domain, exactly where API Gateway puts them; for an HTTP API behind a custom domain, where
  reports disagree on what rawPath holds, in the reading you pick (READINGS);
- base64-encodes request bodies of the REST API's binary media types;
- refuses a Lambda response larger than 6,291,456 bytes of JSON with a 502, like Lambda does;
- decodes base64 response bodies when API Gateway would (REST: the request's first Accept type
  matches a binary media type; HTTP API: always), and passes them on as text when it would not.
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from tools.stack_config import StackConfig

SRC = Path(__file__).resolve().parent.parent / "src"
if str(SRC) not in sys.path:  # `python -m tools.serve` from the project root
    sys.path.insert(0, str(SRC))

from adapter.responses import LAMBDA_RESPONSE_LIMIT, accepts_binary  # noqa: E402

LambdaHandler = Callable[[dict[str, Any], Any], Any]
EXECUTE_API_HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"
# What an HTTP API's rawPath holds behind a custom domain, as reported (src/adapter/doors.py):
# "key": the API mapping key, like a named stage (https://dash.example.com/board/x -> /board/x);
# "none": neither key nor stage (/x); "stage": the stage name and never the key (/live/x).
READINGS = ("key", "none", "stage")
# A name, not a tuple in the except clause: ruff format for py314 would write that as
# `except TypeError, ValueError:`, which older Pythons cannot parse.
NOT_JSON = (TypeError, ValueError)


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    lambda_response_bytes: int = 0  # size of the function's JSON answer, base64 included
    lambda_response: dict[str, Any] = field(default_factory=dict, repr=False)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


class LocalGateway:
    """API Gateway for one stack: the execute-api URL shape, or the custom-domain one."""

    def __init__(
        self,
        config: StackConfig,
        lambda_handler: LambdaHandler,
        *,
        custom_domain: bool = False,
        base_path: str | None = None,
        reading: str = "key",
        scheme: str = "https",
        stage_variables: dict[str, str] | None = None,
    ) -> None:
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {', '.join(READINGS)}, not {reading!r}")
        if reading != "key" and not (custom_domain and config.api == "http"):
            raise ValueError("a reading is for an HTTP API behind a custom domain")
        self.config = config
        self.stage_variables = stage_variables or None  # the stage's Variables / StageVariables
        self.lambda_handler = lambda_handler
        self.custom_domain = custom_domain
        self.base_path = (base_path if base_path is not None else config.base_path or "").strip("/")
        self.reading = reading
        self.scheme = scheme
        self.host = (config.domain or "dash.example.com") if custom_domain else EXECUTE_API_HOST

    @property
    def prefix(self) -> str:
        """The URL prefix a browser sees: "/Prod/", "/reports/" or "/"."""
        if self.custom_domain:
            return f"/{self.base_path}/" if self.base_path else "/"
        return self.config.stage_prefix

    def domain_environment(self) -> dict[str, str]:
        """What a stack with this custom domain tells the function (template.yaml's
        DASH_CUSTOM_DOMAIN and DASH_BASE_PATH)."""
        if not self.custom_domain:
            return {}
        return {"DASH_CUSTOM_DOMAIN": self.host, "DASH_BASE_PATH": self.base_path}

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | dict[str, str] = (),
        body: bytes = b"",
        *,
        host: str | None = None,
        source_ip: str = "127.0.0.1",
    ) -> GatewayResponse:
        """Send `method target` (path and query, as in the HTTP request line) through the API."""
        path, _, query = target.partition("?")
        header_list = list(headers.items()) if isinstance(headers, dict) else list(headers)
        if not any(k.lower() == "host" for k, _ in header_list):
            header_list.append(("Host", host or self.host))
        prefix = self.prefix.rstrip("/")
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            # What API Gateway answers for a path outside the stage or base path.
            return _json_response(403, {"message": "Forbidden"})
        below = path[len(prefix) :] or "/"
        event_builder = self._rest_event if self.config.api == "rest" else self._http_event
        event = event_builder(method, path, below, query, header_list, body, source_ip)
        raw = self.lambda_handler(event, None)
        return self._to_http(raw, header_list)

    # --- events ---------------------------------------------------------------------------------

    def _route(self, below: str) -> tuple[str, dict[str, str] | None]:
        if below == "/":
            return "/", None
        return "/{proxy+}", {"proxy": below[1:]}

    def _rest_event(self, method, path, below, query, headers, body, source_ip) -> dict[str, Any]:
        resource, path_parameters = self._route(below)
        multi_headers: dict[str, list[str]] = {}
        for k, v in headers:
            multi_headers.setdefault(k, []).append(v)
        multi_headers.setdefault("X-Forwarded-Proto", [self.scheme])
        multi_headers.setdefault("X-Forwarded-For", [source_ip])
        multi_query: dict[str, list[str]] = {}
        for k, v in parse_qsl(query, keep_blank_values=True):
            multi_query.setdefault(k, []).append(v)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        binary = bool(body) and accepts_binary(content_type, list(self.config.binary_media_types))
        seen_path = path if self.custom_domain else f"/{self.config.stage}{below}"
        return {
            "resource": resource,
            # A base-path mapping stays in event.path; the execute-api stage does not.
            "path": path if self.custom_domain else below,
            "httpMethod": method,
            "headers": {k: v[-1] for k, v in multi_headers.items()},
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": path_parameters,
            "stageVariables": self.stage_variables,
            "requestContext": {
                "resourcePath": resource,
                "httpMethod": method,
                "path": seen_path,
                "stage": self.config.stage,
                "domainName": self.host,
                "domainPrefix": self.host.split(".")[0],
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(datetime.now(UTC).timestamp() * 1000),
                "identity": {"sourceIp": source_ip},
                "protocol": "HTTP/1.1",
                "apiId": EXECUTE_API_HOST.split(".")[0],
            },
            "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8")) if body else None,
            "isBase64Encoded": binary,
        }

    def _http_event(self, method, path, below, query, headers, body, source_ip) -> dict[str, Any]:
        resource, path_parameters = self._route(below)
        joined: dict[str, str] = {}
        cookies: list[str] = []
        for k, v in headers:
            if k.lower() == "cookie":
                cookies.extend(c.strip() for c in v.split(";") if c.strip())
            else:
                joined[k.lower()] = f"{joined[k.lower()]},{v}" if k.lower() in joined else v
        joined.setdefault("x-forwarded-proto", self.scheme)
        joined.setdefault("x-forwarded-for", source_ip)
        route_key = f"ANY {resource}"
        if self.reading == "none":
            path = below
        elif self.reading == "stage":
            path = f"/{self.config.stage}{below}"
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": path,  # named stage or mapping key included (or as the reading has it)
            "rawQueryString": query,
            "headers": joined,
            "requestContext": {
                "domainName": self.host,
                "domainPrefix": self.host.split(".")[0],
                "http": {
                    "method": method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": source_ip,
                    "userAgent": joined.get("user-agent", ""),
                },
                "requestId": str(uuid.uuid4()),
                "routeKey": route_key,
                "stage": self.config.stage,
                "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
            },
            "isBase64Encoded": bool(body),
        }
        if cookies:
            event["cookies"] = cookies
        if self.stage_variables:
            event["stageVariables"] = self.stage_variables
        if query:
            event["queryStringParameters"] = {k: v for k, v in parse_qsl(query, keep_blank_values=True)}
        if path_parameters:
            event["pathParameters"] = {"proxy": unquote(path_parameters["proxy"])}
        if body:
            event["body"] = base64.b64encode(body).decode()
        return event

    # --- responses ------------------------------------------------------------------------------

    def _to_http(self, raw: Any, request_headers: list[tuple[str, str]]) -> GatewayResponse:
        try:
            size = len(json.dumps(raw))
        except NOT_JSON:
            return _json_response(502, {"message": "Internal server error"}, reason="response is not JSON")
        if size > LAMBDA_RESPONSE_LIMIT:
            reason = f"Lambda response of {size} bytes exceeds the {LAMBDA_RESPONSE_LIMIT}-byte limit"
            return _json_response(502, {"message": "Internal server error"}, reason=reason, size=size)
        if not isinstance(raw, dict) or not isinstance(raw.get("statusCode"), int):
            return _json_response(502, {"message": "Internal server error"}, reason="no statusCode", size=size)

        headers: list[tuple[str, str]] = []
        for k, values in (raw.get("multiValueHeaders") or {}).items():
            headers.extend((k, str(v)) for v in values)
        named = {k.lower() for k, _ in headers}
        headers.extend((k, str(v)) for k, v in (raw.get("headers") or {}).items() if k.lower() not in named)
        headers.extend(("Set-Cookie", c) for c in raw.get("cookies") or ())

        body_text = raw.get("body") or ""
        accept = next((v for k, v in request_headers if k.lower() == "accept"), None)
        decode = raw.get("isBase64Encoded") and (
            self.config.api == "http" or accepts_binary(accept, list(self.config.binary_media_types))
        )
        body = base64.b64decode(body_text) if decode else body_text.encode("utf-8")
        return GatewayResponse(raw["statusCode"], headers, body, size, raw)


def _json_response(status: int, payload: dict[str, Any], *, reason: str = "", size: int = 0) -> GatewayResponse:
    if reason:
        print(f"gateway: {status}: {reason}", file=sys.stderr)
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalServerErrorException")]
    return GatewayResponse(status, headers if status == 502 else headers[:1], json.dumps(payload).encode(), size)
