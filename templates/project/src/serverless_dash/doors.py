"""Doors: the ways a browser reaches the function. The stack has one public door, and only it is let in.

    REST, execute-api URL       /Prod/...    stage in requestContext.path, not in event.path
    HTTP API, $default stage    /...         no prefix
    HTTP API, named stage       /dev/...     stage in rawPath
    custom domain (root)        /...         told by the stack: DASH_CUSTOM_DOMAIN
    custom domain, base path    /reports/... told by the stack: DASH_CUSTOM_DOMAIN, DASH_BASE_PATH
    CloudFront                  / or /base/  the only way in when the stack has one (cdn.py)
    sam local start-api         /...         no stage and no base path in any path

The public door is the one template.yaml gives the prefix of (DASH_PUBLIC_PREFIX): the custom domain
when the stack has one (its execute-api URL is disabled), else API Gateway's own URL; behind
CloudFront, the distribution. A request that arrives another way (a mapping added by hand, the
execute-api URL of a stack with a domain) gets a short 404 naming the public prefix, never a page
whose links point elsewhere. Under `sam local` every request is let in at `/`.

Through the custom domain the path below the prefix comes from the route API Gateway matched
(`/{proxy+}` puts it in pathParameters.proxy; the route `/` has none), never from leading segments of
the client's path. For an HTTP API behind a custom domain, reports disagree on what rawPath holds
(the mapping key like a named stage; neither key nor stage; or the stage and never the key), and
nothing short of a deployed stack settles it, so all three are accepted. On the execute-api URL the
prefix is what the client asked for minus the matched route (documented, and what recorded events
show).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from .events import UnservableEvent

logger = logging.getLogger("serverless_dash")

# A prefix is "/" or "/segment/.../": stage names and base paths only use these characters,
# and none is "." or ".." (a path trick, never a stage or base path).
_PREFIX = re.compile(r"^/(?:(?!\.\.?/)[A-Za-z0-9._~$-]+/){0,4}$")

# What template.yaml tells the function about its custom domain (unset: none).
CUSTOM_DOMAIN_VARIABLE = "DASH_CUSTOM_DOMAIN"
BASE_PATH_VARIABLE = "DASH_BASE_PATH"


@dataclass(frozen=True)
class Door:
    """How one request arrived.

    name    which door: "execute-api", "custom-domain", "sam-local" (and whatever DOORS adds)
    prefix  the URL prefix the browser sees there: "/", "/Prod/", "/reports/"
    path    the path below the prefix, as the Dash app routes it ("/", "/_dash-layout"); in the
            event's own encoding (apig-wsgi percent-decodes it)
    """

    name: str
    prefix: str
    path: str


def enter(event: dict[str, Any], public_prefix: str) -> tuple[Door, dict[str, Any]]:
    """The door a request came through, and the event as the app sees it: with the door's prefix
    taken out of its path. UnservableEvent(404) when it is not the stack's public door."""
    cdn = _cdn()
    entered = cdn.enter(event, public_prefix) if cdn is not None else None  # behind CloudFront, the only door
    if entered is not None:
        return entered
    door = which_door(event)
    if os.environ.get("AWS_SAM_LOCAL") != "true" and not is_public(door, public_prefix):
        where = public_url(public_prefix)
        raise UnservableEvent(404, f"this dashboard is served at {where}")
    if event.get("version") == "2.0":
        return door, {**event, "rawPath": door.path}
    return door, {**event, "path": door.path}


@functools.cache
def _cdn() -> Any:
    """The CloudFront door (cdn.py), in a project generated with --cdn; else None."""
    name = f"{__package__}.cdn"
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def is_public(door: Door, public_prefix: str) -> bool:
    """The stack's public door: its prefix, through the custom domain when the stack has one."""
    has_domain = bool(os.environ.get(CUSTOM_DOMAIN_VARIABLE, "").strip())
    return door.prefix == public_prefix and (door.name == "custom-domain") == has_domain


def public_url(public_prefix: str) -> str:
    """Where the dashboard is, for a refusal: https://<domain><prefix>, or the prefix alone."""
    domain = os.environ.get(CUSTOM_DOMAIN_VARIABLE, "").strip().rstrip(".").lower()
    return f"https://{domain}{public_prefix}" if domain else public_prefix


def which_door(event: dict[str, Any]) -> Door:
    """The first door in DOORS that recognises the event, else the execute-api rule."""
    for door in DOORS:
        found = door(event)
        if found is not None:
            return found
    return execute_api_door(event)


# --- the doors ----------------------------------------------------------------------------------


def sam_local_door(event: dict[str, Any]) -> Door | None:
    """`sam local start-api` (AWS_SAM_LOCAL=true): no stage and no base path in any path.

    Recognised by what SAM CLI's emulation writes and API Gateway never does: for a REST API,
    requestContext.path is the route pattern itself (`/{proxy+}`); for an HTTP API,
    requestContext.domainName is "localhost". A recorded event replayed with `sam local invoke`
    has neither, and keeps the prefix it was recorded with.
    """
    if os.environ.get("AWS_SAM_LOCAL") != "true":
        return None
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        if context.get("domainName") != "localhost":
            return None
        return Door("sam-local", "/", event.get("rawPath") or "/")
    resource = event.get("resource") or ""
    if "{" not in resource or context.get("path") != resource:
        return None
    return Door("sam-local", "/", event.get("path") or "/")


def custom_domain_door(event: dict[str, Any]) -> Door | None:
    """The stack's custom domain (DASH_CUSTOM_DOMAIN), with its base path (DASH_BASE_PATH) if any.

    One rule for REST and HTTP APIs: the prefix is the configured one, and the path below it comes
    from the matched route. The client's path is only checked to fit one of the three readings
    (configured prefix, nothing, or the stage in front of the route's path); a path that fits none
    came through a mapping the stack does not know (added by hand) and gets the execute-api rule.
    A REST API reports the base path in both path fields (documented), which is the first reading.
    """
    configured = os.environ.get(CUSTOM_DOMAIN_VARIABLE, "").strip().rstrip(".").lower()
    context = event.get("requestContext") or {}
    domain = context.get("domainName")
    if not configured or not isinstance(domain, str) or domain.rstrip(".").lower() != configured:
        return None
    base_path = os.environ.get(BASE_PATH_VARIABLE, "").strip("/")
    prefix = f"/{base_path}/" if base_path else "/"
    if not _PREFIX.match(prefix):
        logger.warning("ignoring %s=%r: not a base path", BASE_PATH_VARIABLE, base_path)
        return None
    route_path = _route_path(event)
    if route_path is None:  # no route information (a route other than template.yaml's)
        return None
    stage = context.get("stage") or ""
    readings = [prefix, "/", f"/{stage}/"] if stage else [prefix, "/"]  # key, none, stage
    if event.get("version") == "2.0":
        for reading in readings:
            below = _below_reading(event.get("rawPath") or "/", reading, route_path)
            if below is not None:
                return Door("custom-domain", prefix, below)
        return None
    # A REST API has the base path in both path fields (documented): only the first reading. A
    # request at the domain's root is then a mapping the stack does not have (added by hand).
    path = event.get("path") or "/"
    seen = context.get("path") or path  # what the client asked for
    if _below_reading(seen, prefix, route_path) is None:
        return None
    below = _below_reading(path, prefix, route_path)
    return Door("custom-domain", prefix, route_path if below is None else below)


def execute_api_door(event: dict[str, Any]) -> Door:
    """API Gateway's own URL, and any door the stack does not know: the prefix is what the client
    asked for minus the matched route (documented, and what the recorded events show)."""
    context = event.get("requestContext") or {}
    stage = context.get("stage") or ""
    if event.get("version") == "2.0":
        seen = event.get("rawPath") or "/"
        prefix = _prefix_before(seen, _route_path(event))
        if prefix is None:
            prefix = _stage_prefix(seen, stage)
        return Door("execute-api", prefix, _below(seen, prefix))

    path = event.get("path") or "/"
    seen = context.get("path") or path  # what the client asked for
    prefix = _prefix_before(seen, _route_path(event))
    if prefix is None:
        prefix = _stage_prefix(seen, stage) if seen != path else "/"
    if seen == path and prefix != "/":  # base-path mapping: API Gateway left it in event.path
        path = _below(path, prefix)
    return Door("execute-api", prefix, path)


# Tried in order; the execute-api rule answers when none does. A door that must win over another
# (one told by an origin header, say) goes in front of it.
DOORS: list[Callable[[dict[str, Any]], Door | None]] = [
    sam_local_door,
    custom_domain_door,
]


# --- paths --------------------------------------------------------------------------------------


def _route_path(event: dict[str, Any]) -> str | None:
    """The path below the prefix, rebuilt from the matched route ("/{proxy+}" or "/")."""
    if event.get("version") == "2.0":
        route = (event.get("routeKey") or "").partition(" ")[2]
    else:
        route = event.get("resource") or ""
    proxy = (event.get("pathParameters") or {}).get("proxy")
    if route.endswith("/{proxy+}") and isinstance(proxy, str):
        return route[: -len("{proxy+}")] + proxy.lstrip("/")
    if route.startswith("/") and "{" not in route:
        return route
    return None  # e.g. the HTTP API "$default" route: no route information


def _below_reading(seen: str, reading: str, route_path: str) -> str | None:
    """`seen` without the prefix `reading`, if what is left is the route's path; else None."""
    if reading == "/":
        below = seen
    elif (seen + "/").startswith(reading):
        below = "/" + seen[len(reading) :]
    else:
        return None
    return below if unquote(below) == unquote(route_path) else None


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
