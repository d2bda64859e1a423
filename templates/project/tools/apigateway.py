"""A small model of API Gateway in front of the Lambda handler, for `make serve` and the tests.

It does what matters to a Dash app and no more:
- builds the event API Gateway would send (REST payload 1.0 or HTTP API payload 2.0) for one of the
  stack's doors: the execute-api URL (the stage in the URL) or the custom domain (no stage; the base
  path, if any), exactly where API Gateway puts them; for an HTTP API behind a custom domain, where
  reports disagree on what rawPath holds, in the reading you pick (READINGS);
- base64-encodes request bodies of the REST API's binary media types;
- refuses a Lambda response larger than 6,291,456 bytes of JSON with a 502, like Lambda does;
- decodes base64 response bodies when API Gateway would (REST: the request's first Accept type
  matches a binary media type; HTTP API: always), and passes them on as text when it would not.

The event builders (Request, rest_event, http_event, route_of) and the answer's conversion
(gateway_response) are plain functions, for any stand-in that calls the function the way API
Gateway does (tools/cloudfront.py's origin is this API's execute-api URL).
"""

from __future__ import annotations

import base64
import json
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.datastructures import Headers
from werkzeug.http import parse_options_header

from tools.stack_config import SRC, StackConfig

if str(SRC) not in sys.path:  # `python -m tools.serve` from the project root
    sys.path.insert(0, str(SRC))

from serverless_dash.responses import LAMBDA_RESPONSE_LIMIT, accepts_binary

LambdaHandler = Callable[[dict[str, Any], Any], Any]
HeaderList = list[tuple[str, str]]
EXECUTE_API_HOST = "abcdef1234.execute-api.us-east-1.amazonaws.com"
# A custom domain for a stand-in of a template that has none.
EXAMPLE_DOMAIN = "dash.example.com"
# What an HTTP API's rawPath holds behind a custom domain, as reported (src/serverless_dash/doors.py):
# "key": the API mapping key, like a named stage (https://dash.example.com/board/x -> /board/x);
# "none": neither key nor stage (/x); "stage": the stage name and never the key (/live/x).
READINGS = ("key", "none", "stage")
# A name, not a tuple in the except clause: ruff format for py314 would write that as
# `except TypeError, ValueError:`, which older Pythons cannot parse.
NOT_JSON = (TypeError, ValueError)


@dataclass(frozen=True)
class Request:
    """One HTTP request as a browser sends it to API Gateway: what every event is built from."""

    method: str
    query: str = ""  # the raw query string, without "?"
    headers: HeaderList = field(default_factory=list)  # in order, repeats kept
    body: bytes = b""
    scheme: str = "https"  # X-Forwarded-Proto
    source_ip: str = "127.0.0.1"

    @classmethod
    def of(
        cls,
        method: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        *,
        query: str = "",
        host: str | None = None,
        scheme: str = "https",
        source_ip: str = "127.0.0.1",
    ) -> Request:
        """A request with a Host header (`host`, unless the headers have one)."""
        header_list = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        if host and not any(k.lower() == "host" for k, _ in header_list):
            header_list.append(("Host", host))
        return cls(method, query, header_list, body, scheme, source_ip)

    def header(self, name: str) -> str | None:
        return Headers(self.headers).get(name)


def route_of(route_path: str) -> tuple[str, dict[str, str] | None]:
    """The route template.yaml's events match for a path below the prefix, and its path parameters:
    ("/", None) or ("/{proxy+}", {"proxy": "a/b"})."""
    if route_path == "/":
        return "/", None
    return "/{proxy+}", {"proxy": route_path.lstrip("/")}


def _request_id_and_time() -> tuple[str, int]:
    return str(uuid.uuid4()), int(datetime.now(UTC).timestamp() * 1000)


def rest_event(
    request: Request,
    *,
    path: str,
    client_path: str,
    route_path: str,
    stage: str,
    host: str,
    binary_media_types: Iterable[str],
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API's event (payload format 1.0).

    path         event.path: below the stage on the execute-api URL ("/x"); with the base path on a
                 custom domain ("/reports/x"), as API Gateway documents it
    client_path  requestContext.path, what the client asked for ("/Prod/x", "/reports/x")
    route_path   the path the matched route covers ("/x"): resource and pathParameters.proxy
    """
    resource, path_parameters = route_of(route_path)
    multi_headers: dict[str, list[str]] = {}
    for k, v in request.headers:
        multi_headers.setdefault(k, []).append(v)
    multi_headers.setdefault("X-Forwarded-Proto", [request.scheme])
    multi_headers.setdefault("X-Forwarded-For", [request.source_ip])
    multi_query: dict[str, list[str]] = {}
    for k, v in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(k, []).append(v)
    content_type, _ = parse_options_header(request.header("Content-Type"))
    binary = bool(request.body) and accepts_binary(content_type, list(binary_media_types))
    request_id, epoch = _request_id_and_time()
    body = request.body
    return {
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters,
        "stageVariables": stage_variables or None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": request.method,
            "path": client_path,
            "stage": stage,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "requestId": request_id,
            "requestTimeEpoch": epoch,
            "identity": {"sourceIp": request.source_ip},
            "protocol": "HTTP/1.1",
            "apiId": EXECUTE_API_HOST.split(".")[0],
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8")) if body else None,
        "isBase64Encoded": binary,
    }


def http_event(
    request: Request,
    *,
    raw_path: str,
    route_path: str,
    stage: str,
    host: str,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API's event (payload format 2.0).

    raw_path    rawPath: with the named stage on the execute-api URL ("/dev/x"), none for $default;
                behind a custom domain, as the reading has it
    route_path  the path the matched route covers ("/x"): routeKey and pathParameters.proxy
    """
    resource, path_parameters = route_of(route_path)
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for k, v in request.headers:
        name = k.lower()
        if name == "cookie":
            cookies.extend(c.strip() for c in v.split(";") if c.strip())
        else:
            joined[name] = f"{joined[name]},{v}" if name in joined else v
    joined.setdefault("x-forwarded-proto", request.scheme)
    joined.setdefault("x-forwarded-for", request.source_ip)
    route_key = f"ANY {resource}"
    request_id, epoch = _request_id_and_time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": request.query,
        "headers": joined,
        "requestContext": {
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "timeEpoch": epoch,
        },
        "isBase64Encoded": bool(request.body),
    }
    if cookies:
        event["cookies"] = cookies
    if stage_variables:
        event["stageVariables"] = stage_variables
    if request.query:
        event["queryStringParameters"] = dict(parse_qsl(request.query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = {"proxy": unquote(path_parameters["proxy"])}
    if request.body:
        event["body"] = base64.b64encode(request.body).decode()
    return event


@dataclass
class GatewayResponse:
    status: int
    headers: HeaderList
    body: bytes
    lambda_response_bytes: int = 0  # size of the function's JSON answer, base64 included
    lambda_response: dict[str, Any] = field(default_factory=dict, repr=False)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


def gateway_response(raw: Any, accept: str | None, *, api: str, binary_media_types: Iterable[str]) -> GatewayResponse:
    """What API Gateway makes of the function's answer `raw` to a request with this Accept header:
    502 for an answer Lambda or API Gateway refuses, else the status, headers and body (base64
    decoded when the API passes it as bytes)."""
    try:
        size = len(json.dumps(raw))
    except NOT_JSON:
        return _json_response(502, {"message": "Internal server error"}, reason="response is not JSON")
    if size > LAMBDA_RESPONSE_LIMIT:
        reason = f"Lambda response of {size} bytes exceeds the {LAMBDA_RESPONSE_LIMIT}-byte limit"
        return _json_response(502, {"message": "Internal server error"}, reason=reason, size=size)
    if not isinstance(raw, dict) or not isinstance(raw.get("statusCode"), int):
        return _json_response(502, {"message": "Internal server error"}, reason="no statusCode", size=size)

    headers: HeaderList = []
    for k, values in (raw.get("multiValueHeaders") or {}).items():
        headers.extend((k, str(v)) for v in values)
    named = {k.lower() for k, _ in headers}
    headers.extend((k, str(v)) for k, v in (raw.get("headers") or {}).items() if k.lower() not in named)
    headers.extend(("Set-Cookie", c) for c in raw.get("cookies") or ())

    body_text = raw.get("body") or ""
    decode = raw.get("isBase64Encoded") and (api == "http" or accepts_binary(accept, list(binary_media_types)))
    body = base64.b64decode(body_text) if decode else body_text.encode("utf-8")
    return GatewayResponse(raw["statusCode"], headers, body, size, raw)


class LocalGateway:
    """API Gateway for one stack: its execute-api URL, or its custom domain (`custom_domain`).

    A path outside the door's prefix is answered as `outside_prefix` says: "forbidden", API Gateway's
    own 403 for a stage or base path it does not have; or "function", the function called as through
    another door of the API (the path's first segment taken for a stage), so that it answers with
    its refusal, which names the public URL (`make serve`)."""

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
        outside_prefix: str = "forbidden",
    ) -> None:
        if reading not in READINGS:
            raise ValueError(f"reading must be one of {', '.join(READINGS)}, not {reading!r}")
        if reading != "key" and not (custom_domain and config.api == "http"):
            raise ValueError("a reading is for an HTTP API behind a custom domain")
        if outside_prefix not in ("forbidden", "function"):
            raise ValueError(f"outside_prefix must be 'forbidden' or 'function', not {outside_prefix!r}")
        self.config = config
        self.stage_variables = stage_variables or None  # the stage's Variables / StageVariables
        self.lambda_handler = lambda_handler
        self.custom_domain = custom_domain
        self.base_path = (base_path if base_path is not None else config.base_path or "").strip("/")
        self.reading = reading
        self.scheme = scheme
        self.outside_prefix = outside_prefix
        self.host = (config.domain or EXAMPLE_DOMAIN) if custom_domain else EXECUTE_API_HOST

    @classmethod
    def for_stack(cls, config: StackConfig, lambda_handler: LambdaHandler, **options: Any) -> LocalGateway:
        """The stack's own API Gateway door: its custom domain when it has one (its execute-api URL
        is disabled), else the execute-api URL."""
        return cls(
            config,
            lambda_handler,
            custom_domain=config.door == "custom-domain",
            **options,
        )

    @property
    def prefix(self) -> str:
        """The URL prefix a browser sees: "/Prod/", "/reports/" or "/"."""
        if self.custom_domain:
            return f"/{self.base_path}/" if self.base_path else "/"
        return self.config.stage_prefix

    def event(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        *,
        host: str | None = None,
        source_ip: str = "127.0.0.1",
    ) -> dict[str, Any] | None:
        """The event this door sends the function for `method target` (path and query, as in the
        HTTP request line); None for a path outside the prefix, which API Gateway answers itself."""
        path, _, query = target.partition("?")
        request = Request.of(
            method,
            headers,
            body,
            query=query,
            host=host or self.host,
            scheme=self.scheme,
            source_ip=source_ip,
        )
        prefix = self.prefix.rstrip("/")
        if prefix and not (path == prefix or path.startswith(prefix + "/")):
            return self._other_door_event(request, path) if self.outside_prefix == "function" else None
        below = path[len(prefix) :] or "/"
        stage = self.config.stage
        if self.config.api == "rest":
            # A base-path mapping stays in event.path; the execute-api stage does not.
            if self.custom_domain:
                return self._event(request, path, path, below, stage, self.host)
            return self._event(request, below, f"/{stage}{below}", below, stage, self.host)
        raw_path = {"key": path, "none": below, "stage": f"/{stage}{below}"}[self.reading]
        return self._event(request, raw_path, raw_path, below, stage, self.host)

    def _other_door_event(self, request: Request, path: str) -> dict[str, Any]:
        """A path outside the prefix, as the execute-api URL of a stage named by its first segment
        would bring it (another deployment of the API, or a door the stack does not have)."""
        stage, _, rest = path.lstrip("/").partition("/")
        below = "/" + rest
        return self._event(
            request,
            below if self.config.api == "rest" else path,
            path,
            below,
            stage,
            EXECUTE_API_HOST,
        )

    def _event(
        self,
        request: Request,
        path: str,
        client_path: str,
        route_path: str,
        stage: str,
        host: str,
    ) -> dict[str, Any]:
        """This API's event: REST (`path` is event.path) or HTTP (`client_path` is rawPath)."""
        if self.config.api == "rest":
            return rest_event(
                request,
                path=path,
                client_path=client_path,
                route_path=route_path,
                stage=stage or "$default",
                host=host,
                binary_media_types=self.config.binary_media_types,
                stage_variables=self.stage_variables,
            )
        return http_event(
            request,
            raw_path=client_path,
            route_path=route_path,
            stage=stage or "$default",
            host=host,
            stage_variables=self.stage_variables,
        )

    def request(
        self,
        method: str,
        target: str,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
        body: bytes = b"",
        *,
        host: str | None = None,
        source_ip: str = "127.0.0.1",
    ) -> GatewayResponse:
        """Send `method target` (path and query, as in the HTTP request line) through the API."""
        header_list = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        event = self.event(method, target, header_list, body, host=host, source_ip=source_ip)
        if event is None:
            # What API Gateway answers for a path outside the stage or base path.
            return _json_response(403, {"message": "Forbidden"})
        accept = Headers(header_list).get("Accept")
        raw = self.lambda_handler(event, None)
        return gateway_response(
            raw,
            accept,
            api=self.config.api,
            binary_media_types=self.config.binary_media_types,
        )


def _json_response(status: int, payload: dict[str, Any], *, reason: str = "", size: int = 0) -> GatewayResponse:
    if reason:
        print(f"gateway: {status}: {reason}", file=sys.stderr)
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", "InternalServerErrorException"),
    ]
    return GatewayResponse(
        status,
        headers if status == 502 else headers[:1],
        json.dumps(payload).encode(),
        size,
    )
