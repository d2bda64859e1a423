"""Recorded events (tests/events/), what door each came through, and the same events moved onto this
stack's one public door.

For an HTTP API behind a custom domain, reports disagree on what rawPath holds (tests/events/README.md):
"key" (the API mapping key, like a named stage), "none" (neither key nor stage) or "stage" (the stage
and never the key). tests/events/ has a page event for each reading of three URL shapes, each with the
domain it was recorded on; the doors' own tests replay them with that domain configured.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from conftest import load_event, origin_headers

from tools.apigateway import EXECUTE_API_HOST
from tools.stack_config import StackConfig

READINGS = ("key", "none", "stage")
RECORDED_DOMAIN = "dash.example.net"
# The recorded custom-domain page events: shape -> (stage, base path) they were recorded with.
RECORDED_SHAPES = {
    "http-domain-root-named-stage": ("live", ""),
    "http-domain-root-default-stage": ("$default", ""),
    "http-domain-base-path": ("live", "board"),
}


@dataclass(frozen=True)
class Recorded:
    """A recorded page event (tests/events/<name>.json, with <name>-asset.json beside it) and the
    door it came through: "execute-api" or "custom-domain" (its domain), at `prefix`."""

    name: str
    door: str
    prefix: str
    domain: str | None = None

    def page(self) -> dict[str, Any]:
        return load_event(f"{self.name}.json")

    def asset(self) -> dict[str, Any]:
        return load_event(f"{self.name}-asset.json")


RECORDED = [
    Recorded("rest-execute-api", "execute-api", "/Prod/"),  # stage in requestContext.path only
    Recorded("rest-custom-domain", "custom-domain", "/", "dash.example.com"),
    Recorded("rest-base-path", "custom-domain", "/reports/", "dash.example.com"),  # in both paths
    Recorded("http-default-stage", "execute-api", "/"),
    Recorded("http-named-stage", "execute-api", "/dev/"),  # stage in rawPath
    Recorded("http-custom-domain", "custom-domain", "/reports/", "dash.example.com"),  # key in rawPath
]


def is_public(recorded: Recorded, config: StackConfig) -> bool:
    """Whether this recorded door is let in by this stack: its prefix, through its custom domain when
    it has one (the execute-api URL is closed then)."""
    if config.cdn is not None:
        return False  # none was recorded with the distribution's secret
    if config.domain:
        return (
            recorded.door == "custom-domain"
            and recorded.domain == config.domain
            and recorded.prefix == config.public_prefix
        )
    # A stack without a domain knows none: any door is read by the execute-api rule (its prefix is
    # what the client asked for before the route), and a domain mapped at the stack's own prefix by
    # hand cannot be told from the execute-api URL; its links are right all the same.
    return recorded.prefix == config.public_prefix


def domain_prefix(base_path: str) -> str:
    return f"/{base_path}/" if base_path else "/"


def reading_root(reading: str, stage: str, base_path: str) -> str:
    """rawPath of a request for the prefix itself, under `reading`."""
    return {"key": domain_prefix(base_path), "none": "/", "stage": f"/{stage}/"}[reading]


def reading_case(shape: str, reading: str) -> tuple[dict[str, Any], dict[str, str], str]:
    """A recorded custom-domain page event, what its stack told the function, and its prefix."""
    _stage, base_path = RECORDED_SHAPES[shape]
    environment = {"DASH_CUSTOM_DOMAIN": RECORDED_DOMAIN, "DASH_BASE_PATH": base_path}
    return load_event(f"{shape}-{reading}.json"), environment, domain_prefix(base_path)


def route_path_of(event: dict[str, Any]) -> str:
    """The path below the prefix, from the matched route of a recorded event."""
    route = event["routeKey"].partition(" ")[2] if event.get("version") == "2.0" else event["resource"]
    return "/" + event["pathParameters"]["proxy"] if route.endswith("{proxy+}") else "/"


def at_public_door(event: dict[str, Any], config: StackConfig, reading: str = "key") -> dict[str, Any]:
    """A recorded event (either payload format) as it arrives through this stack's public door: the
    custom domain and its base path when template.yaml has a domain (an HTTP API's rawPath in
    `reading`), else API Gateway's own URL with the stage."""
    event = copy.deepcopy(event)
    below = route_path_of(event)
    context = event["requestContext"]
    stage = config.stage
    if config.cdn is not None:
        # CloudFront calls the execute-api URL: the viewer's path behind the stage, and its headers.
        viewer_path = config.cdn.viewer_prefix + below[1:]
        context.update(domainName=EXECUTE_API_HOST, domainPrefix=EXECUTE_API_HOST.split(".")[0], stage=stage)
        if event.get("version") == "2.0":
            event["rawPath"] = context["http"]["path"] = config.cdn.origin_path + viewer_path
        else:
            event["path"] = viewer_path
            context["path"] = config.cdn.origin_path + viewer_path
        set_header(event, "Host", EXECUTE_API_HOST)
        for name, value in origin_headers(config):
            set_header(event, name, value)
        return event
    host = config.domain or EXECUTE_API_HOST
    context.update(domainName=host, domainPrefix=host.split(".")[0], stage=stage)
    stage_prefix = "/" if stage == "$default" else f"/{stage}/"
    if event.get("version") == "2.0":
        root = reading_root(reading, stage, config.base_path or "") if config.domain else stage_prefix
        event["rawPath"] = context["http"]["path"] = root + below[1:]
    elif config.domain:
        event["path"] = context["path"] = domain_prefix(config.base_path or "") + below[1:]
    else:
        event["path"] = below
        context["path"] = stage_prefix + below[1:]
    set_header(event, "Host", host)
    return event


def below(
    page_event: dict[str, Any],
    path: str,
    method: str = "GET",
    accept: str | None = "*/*",
    body: Any = None,
) -> dict[str, Any]:
    """The event of a request for `path` (and query) below the prefix, through the same door and reading as
    `page_event` (a request for the prefix itself). With `accept`, that Accept header and no
    Accept-Encoding (the bare bodies, to compare them); with None, the page event's own headers."""
    event = copy.deepcopy(page_event)
    path, _, query = path.partition("?")
    parameters = dict(parse_qsl(query, keep_blank_values=True)) or None
    route, proxy = ("/", None) if path == "/" else ("/{proxy+}", path[1:])
    text = None if body is None else body if isinstance(body, str) else json.dumps(body)
    if event.get("version") == "2.0":
        raw = event["rawPath"] + path[1:]
        event.update(routeKey=f"ANY {route}", rawPath=raw, rawQueryString=query, body=text, isBase64Encoded=False)
        event["queryStringParameters"] = parameters
        event["requestContext"].update(routeKey=f"ANY {route}")
        event["requestContext"]["http"].update(method=method, path=raw)
        if proxy is None:
            event.pop("pathParameters", None)
        else:
            event["pathParameters"] = {"proxy": proxy}
    else:
        context = event["requestContext"]
        event.update(
            resource=route,
            path=event["path"] + path[1:],
            httpMethod=method,
            pathParameters=proxy and {"proxy": proxy},
            queryStringParameters=parameters,
            multiValueQueryStringParameters=parameters and {k: [v] for k, v in parameters.items()},
            body=text,
            isBase64Encoded=False,
        )
        context.update(path=context["path"] + path[1:], resourcePath=route, httpMethod=method)
    if accept is not None:
        set_header(event, "Accept", accept)
        drop_header(event, "Accept-Encoding")
    if body is not None:
        set_header(event, "Content-Type", "application/json")
    return event


def set_header(event: dict[str, Any], name: str, value: str) -> None:
    drop_header(event, name)
    event["headers"][name] = value
    if event.get("multiValueHeaders"):
        event["multiValueHeaders"][name] = [value]


def drop_header(event: dict[str, Any], name: str) -> None:
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != name.lower()}
