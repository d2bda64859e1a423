"""The CloudFront door (template.yaml with --cdn): the distribution is the only way in.

CloudFront reaches the API through its execute-api URL (the stage is the origin path) and adds two
headers to every request it forwards:

    X-Dash-Origin-Secret   the secret the stack generated (Secrets Manager), which the function
                           also gets as DASH_ORIGIN_SECRET: a request without it did not come
                           through the distribution and is answered 403
    X-Dash-Viewer-Prefix   the URL prefix the viewer sees ("/", or "/<base path>/"), trusted only
                           together with the secret, and only when it is the stack's public prefix
                           (DASH_PUBLIC_PREFIX, the one the app was built at); any other is refused
    X-Dash-Viewer-Host     with sign-in: the host name the viewer used (a CloudFront function adds
                           it; API Gateway gets its own as Host), which becomes the request's Host
                           so that sign-in's callback URL is the viewer's

CloudFront replaces a viewer's header of the same name, so none can be forged through the
distribution. The stage the origin path adds is taken out of the path, and never reaches the page.

With a distribution in the stack (DASH_ORIGIN_SECRET set), this is the stack's one public door: it is
checked before every other (doors.enter), and a request without the secret is refused whichever way it
came. Without DASH_ORIGIN_SECRET (no distribution) the other doors apply (doors.py); under `sam local`
(AWS_SAM_LOCAL=true, no CloudFront there) too.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from typing import Any

from .doors import Door
from .events import UnservableEvent, header

logger = logging.getLogger("serverless_dash")

ORIGIN_SECRET_HEADER = "x-dash-origin-secret"  # noqa: S105 - a header name
VIEWER_PREFIX_HEADER = "x-dash-viewer-prefix"
VIEWER_HOST_HEADER = "x-dash-viewer-host"
# A host name, with a port only from a local stand-in (`make serve`: CloudFront's viewers have none).
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+(:[0-9]{1,5})?$")
SECRET_VARIABLE = "DASH_ORIGIN_SECRET"  # noqa: S105 - a variable name
PREVIOUS_SECRET_VARIABLE = "DASH_ORIGIN_SECRET_PREVIOUS"  # noqa: S105 - accepted too while a rotation spreads
# "/" or "/segment/": a base path is one segment of these characters (src/options.ts).
_VIEWER_PREFIX = re.compile(r"^/(?:(?!\.\.?/)[A-Za-z0-9._-]{1,64}/)?$")


def origin_secrets() -> list[str] | None:
    """The secrets a request must carry, or None when the stack has no distribution.

    A variable that is set but empty, or still the unresolved dynamic reference, closes the origin
    entirely (fail closed): nothing matches it.
    """
    current = os.environ.get(SECRET_VARIABLE)
    if current is None or os.environ.get("AWS_SAM_LOCAL") == "true":
        return None
    secrets = [s for s in (current, os.environ.get(PREVIOUS_SECRET_VARIABLE, "")) if _usable(s)]
    if not _usable(current):
        logger.error("%s is empty or unresolved: every request is refused", SECRET_VARIABLE)
    return secrets


def _usable(secret: str) -> bool:
    return len(secret) >= 16 and not secret.startswith("{{resolve:")


def enter(event: dict[str, Any], public_prefix: str | None = None) -> tuple[Door, dict[str, Any]] | None:
    """Through the distribution: the door (the viewer's prefix, the path below it) and the event as
    the app sees it. None when the stack has no distribution (the other doors apply);
    UnservableEvent(403) for a request that bypassed it, whatever door it tried; 404 for a viewer
    prefix that is not `public_prefix` (default: DASH_PUBLIC_PREFIX), the one the app was built at."""
    secrets = origin_secrets()
    if secrets is None:
        return None
    shown = header(event, ORIGIN_SECRET_HEADER) or ""
    # compare_digest on every secret: the time taken says nothing about which one nearly matched.
    matches = [hmac.compare_digest(shown.encode(), s.encode()) for s in secrets]
    if not any(matches):
        raise UnservableEvent(403, "use the dashboard's CloudFront URL")
    prefix = header(event, VIEWER_PREFIX_HEADER) or "/"
    if not _VIEWER_PREFIX.match(prefix):
        raise UnservableEvent(500, f"CloudFront sent an invalid viewer prefix {prefix!r}")
    if public_prefix is None:
        from .loader import public_prefix as configured

        public_prefix = configured()
    if prefix != public_prefix:
        # Another distribution or behaviour with the stack's secret: its pages would link elsewhere.
        raise UnservableEvent(404, f"this dashboard is served at {public_prefix}")
    path = _viewer_path(event)
    if not (path + "/").startswith(prefix):
        raise UnservableEvent(404, f"the dashboard is under {prefix}")
    below = "/" + path[len(prefix) :] if prefix != "/" else path
    viewer_host = (header(event, VIEWER_HOST_HEADER) or "").lower()
    event = _without_door_headers(event)
    if _HOST.match(viewer_host):
        event = _with_host(event, viewer_host)
    return Door("cloudfront", prefix, below), _with_path(event, below)


def _with_host(event: dict[str, Any], host: str) -> dict[str, Any]:
    event = dict(event)
    if isinstance(event.get("headers"), dict):
        event["headers"] = {
            **{k: v for k, v in event["headers"].items() if str(k).lower() != "host"},
            "Host": host,
        }
    if isinstance(event.get("multiValueHeaders"), dict):
        others = {k: v for k, v in event["multiValueHeaders"].items() if str(k).lower() != "host"}
        event["multiValueHeaders"] = {**others, "Host": [host]}
    return event


def _viewer_path(event: dict[str, Any]) -> str:
    """The path the viewer asked for. CloudFront always calls the execute-api URL: a REST API
    leaves the stage out of event.path; an HTTP API's named stage leads rawPath."""
    if event.get("version") == "2.0":
        path = event.get("rawPath") or "/"
        stage = (event.get("requestContext") or {}).get("stage") or "$default"
        if stage != "$default" and (path + "/").startswith(f"/{stage}/"):
            path = path[len(stage) + 1 :] or "/"
        return path
    return event.get("path") or "/"


def _with_path(event: dict[str, Any], below: str) -> dict[str, Any]:
    key = "rawPath" if event.get("version") == "2.0" else "path"
    return {**event, key: below}


def _without_door_headers(event: dict[str, Any]) -> dict[str, Any]:
    """The app never sees the secret (nor the prefix header: the prefix is its construction)."""
    door_headers = (ORIGIN_SECRET_HEADER, VIEWER_PREFIX_HEADER, VIEWER_HOST_HEADER)
    event = dict(event)
    for key in ("headers", "multiValueHeaders"):
        if isinstance(event.get(key), dict):
            event[key] = {k: v for k, v in event[key].items() if str(k).lower() not in door_headers}
    return event
