"""The CloudFront door (template.yaml with --cdn): the distribution is the only way in.

CloudFront reaches the API through its execute-api URL (the stage is the origin path) and adds two
headers to every request it forwards:

    X-Dash-Origin-Secret   the secret the stack generated (Secrets Manager), which the function
                           also gets as DASH_ORIGIN_SECRET: a request without it did not come
                           through the distribution and is answered 403
    X-Dash-Viewer-Prefix   the URL prefix the viewer sees ("/", or "/<base path>/"), trusted only
                           together with the secret
    X-Dash-Viewer-Host     with sign-in: the host name the viewer used (a CloudFront function adds
                           it; API Gateway gets its own as Host), which becomes the request's Host
                           so that sign-in's callback URL is the viewer's

CloudFront replaces a viewer's header of the same name, so neither can be forged through the
distribution. The stage the origin path adds is taken out of the path, and never reaches the page.

Without DASH_ORIGIN_SECRET (no distribution in the stack) this door is closed and the others apply
(adapter/doors.py); under `sam local` (AWS_SAM_LOCAL=true, no CloudFront there) too. It is
checked before them: no other door may let in a request that did not come through CloudFront.
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

ORIGIN_SECRET_HEADER = "x-dash-origin-secret"
VIEWER_PREFIX_HEADER = "x-dash-viewer-prefix"
VIEWER_HOST_HEADER = "x-dash-viewer-host"
_HOST = re.compile(
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)
SECRET_VARIABLE = "DASH_ORIGIN_SECRET"
PREVIOUS_SECRET_VARIABLE = "DASH_ORIGIN_SECRET_PREVIOUS"
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
    secrets = [
        s for s in (current, os.environ.get(PREVIOUS_SECRET_VARIABLE, "")) if _usable(s)
    ]
    if not _usable(current):
        logger.error(
            "%s is empty or unresolved: every request is refused", SECRET_VARIABLE
        )
    return secrets


def _usable(secret: str) -> bool:
    return len(secret) >= 16 and not secret.startswith("{{resolve:")


def enter(event: dict[str, Any]) -> tuple[Door, dict[str, Any]] | None:
    """Through the distribution: the door (the viewer's prefix, the path below it) and the event as
    the app sees it. None when the stack has no distribution (the other doors apply);
    UnservableEvent(403) for a request that bypassed it, whatever door it tried."""
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
        raise UnservableEvent(
            500, f"CloudFront sent an invalid viewer prefix {prefix!r}"
        )
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
        others = {
            k: v
            for k, v in event["multiValueHeaders"].items()
            if str(k).lower() != "host"
        }
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
            event[key] = {
                k: v
                for k, v in event[key].items()
                if str(k).lower() not in door_headers
            }
    return event
