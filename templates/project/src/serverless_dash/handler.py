"""AWS Lambda entry point (template.yaml: Handler: serverless_dash.handler.lambda_handler).

The app is imported once per container, at the stack's public prefix (loader). Each request is made
whole (events), checked to have come through the stack's public door (doors; cdn behind
CloudFront), answered by the app through apig-wsgi (with sign-in in front when the project has it),
and kept within what API Gateway and Lambda can pass on (responses).
"""

from __future__ import annotations

import logging
from typing import Any

from apig_wsgi import DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES, make_lambda_handler

from . import doors, events, loader, responses
from .logs import request_ids

logger = logging.getLogger("serverless_dash")

# apig-wsgi base64-encodes every content type it does not know as text. Without /etc/mime.types
# (the Lambda runtime images) Python maps .js to application/javascript, which would turn the
# 4.8 MB plotly.min.js into 6.4 MB of base64: over the limit. These are text too.
TEXT_CONTENT_TYPES = (
    *DEFAULT_NON_BINARY_CONTENT_TYPE_PREFIXES,
    "application/javascript",
    "application/x-javascript",
    "application/ecmascript",
    "application/xml",
    "application/manifest+json",
)

PREFIX = loader.public_prefix()
app = loader.load()
_auth = loader.optional("auth")
# With sign-in on, only a verified session reaches the app (auth.py).
_wsgi_app = _auth.protect(app, PREFIX) if _auth is not None and _auth.enabled() else app.server
_serve = make_lambda_handler(_wsgi_app, binary_support=True, non_binary_content_type_prefixes=TEXT_CONTENT_TYPES)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not events.is_http_event(event):
        # Warm-up pings, EventBridge schedules and test invocations: nothing to serve.
        logger.info(
            "not an API Gateway request, nothing to do (source: %s)",
            events.source_of(event),
        )
        return {**responses.plain_response(200, "ok"), "ignored": True}
    ids = request_ids(context, event.get("requestContext"))
    https = events.header(event, "x-forwarded-proto") == "https"
    try:
        event = events.complete_event(event)
        door, event = doors.enter(event, PREFIX)
        event = responses.limit_gzip_to_binary_requests(event, door)
        response = _serve(event, context)
        response = responses.as_the_door_passes_it(response, event, door)
        return responses.enforce_size_limit(response, https=https)
    except events.UnservableEvent as error:
        level = logging.ERROR if error.status >= 500 else logging.WARNING
        logger.log(level, "refused %s (%s): %s", error.status, ids, error)
        return responses.plain_response(error.status, error.answer, https=https)
    except Exception:
        logger.exception("request failed (%s)", ids)
        return responses.plain_response(500, "Internal Server Error", https=https)
