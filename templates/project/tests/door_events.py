"""Custom-domain events under each reading of rawPath, and the requests of a page load made from them.

For an HTTP API behind a custom domain, reports disagree on what rawPath holds (tests/events/README.md):
"key" (the API mapping key, like a named stage), "none" (neither key nor stage) or "stage" (the stage
and never the key). tests/events/ has a page event for each reading of three URL shapes; the cases
here are those, each with the domain it was recorded on, plus the same shapes moved onto this
project's own domain, stage and base path as template.yaml has them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from conftest import load_event

from tools.stack_config import StackConfig

READINGS = ("key", "none", "stage")
RECORDED_DOMAIN = "dash.example.net"
# The recorded page events: shape -> (stage, base path) they were recorded with.
RECORDED_SHAPES = {
    "http-domain-root-named-stage": ("live", ""),
    "http-domain-root-default-stage": ("$default", ""),
    "http-domain-base-path": ("live", "board"),
}


@dataclass(frozen=True)
class DoorCase:
    id: str
    page_event: dict[str, Any]  # GET of the prefix itself (the route "/")
    prefix: str  # the prefix the browser sees
    # What the stack tells the function; empty: template.yaml's own variables (already set).
    environment: dict[str, str] = field(default_factory=dict)


def domain_prefix(base_path: str) -> str:
    return f"/{base_path}/" if base_path else "/"


def reading_root(reading: str, stage: str, base_path: str) -> str:
    """rawPath of a request for the prefix itself, under `reading`."""
    return {"key": domain_prefix(base_path), "none": "/", "stage": f"/{stage}/"}[reading]


def recorded_cases() -> list[DoorCase]:
    """Every recorded custom-domain event, with the environment of the stack it was recorded for."""
    cases = []
    for shape, (_stage, base_path) in RECORDED_SHAPES.items():
        for reading in READINGS:
            name = f"{shape}-{reading}.json"
            environment = {"DASH_CUSTOM_DOMAIN": RECORDED_DOMAIN, "DASH_BASE_PATH": base_path}
            cases.append(DoorCase(name, load_event(name), domain_prefix(base_path), environment))
    return cases


def template_cases(config: StackConfig) -> list[DoorCase]:
    """The recorded shape of this project's API and domain, moved onto its domain, stage and base
    path; the function's environment is template.yaml's. None when template.yaml has no domain."""
    if not config.domain:
        return []
    base_path = config.base_path or ""
    if config.api == "rest":
        event = load_event("rest-base-path.json" if base_path else "rest-custom-domain.json")
        context = event["requestContext"]
        context.update(domainName=config.domain, domainPrefix=config.domain.split(".")[0], stage=config.stage)
        event["path"] = context["path"] = domain_prefix(base_path)
        _set_header(event, "Host", config.domain)
        return [DoorCase(f"template-rest-{config.domain}{domain_prefix(base_path)}", event, domain_prefix(base_path))]

    if base_path:
        shape = "http-domain-base-path"
    elif config.stage == "$default":
        shape = "http-domain-root-default-stage"
    else:
        shape = "http-domain-root-named-stage"
    cases = []
    for reading in READINGS:
        event = load_event(f"{shape}-{reading}.json")
        root = reading_root(reading, config.stage, base_path)
        event["rawPath"] = root
        context = event["requestContext"]
        context.update(domainName=config.domain, domainPrefix=config.domain.split(".")[0], stage=config.stage)
        context["http"]["path"] = root
        _set_header(event, "host", config.domain)
        cases.append(DoorCase(f"template-{reading}-{config.domain}{root}", event, domain_prefix(base_path)))
    return cases


def below(
    page_event: dict[str, Any],
    path: str,
    method: str = "GET",
    accept: str = "*/*",
    body: Any = None,
) -> dict[str, Any]:
    """The event of a request for `path` (and query) below the prefix, through the same door and reading as
    `page_event` (a request for the prefix itself)."""
    event = copy.deepcopy(page_event)
    path, _, query = path.partition("?")
    parameters = dict(parse_qsl(query, keep_blank_values=True)) or None
    route, proxy = ("/", None) if path == "/" else ("/{proxy+}", path[1:])
    text = None if body is None else json.dumps(body)
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
    _set_header(event, "Accept", accept)
    _drop_header(event, "Accept-Encoding")  # the bare bodies, to compare them
    if body is not None:
        _set_header(event, "Content-Type", "application/json")
    return event


def _set_header(event: dict[str, Any], name: str, value: str) -> None:
    _drop_header(event, name)
    event["headers"][name] = value
    if event.get("multiValueHeaders"):
        event["multiValueHeaders"][name] = [value]


def _drop_header(event: dict[str, Any], name: str) -> None:
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != name.lower()}
