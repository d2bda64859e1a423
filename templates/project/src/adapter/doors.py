"""Doors: the ways a browser reaches the function, and the URL prefix it sees through each.

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
has in front of it.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote

logger = logging.getLogger("handler")

# A prefix is "/" or "/segment/.../": stage names and base paths only use these characters,
# and none is "." or ".." (a path trick, never a stage or base path).
_PREFIX = re.compile(r"^/(?:(?!\.\.?/)[A-Za-z0-9._~$-]+/){0,4}$")


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
