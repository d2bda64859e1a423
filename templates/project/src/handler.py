"""AWS Lambda entry point: API Gateway (REST or HTTP API) in front of the Dash app.

Each request goes through the Lambda adapter (src/adapter/): the event is made whole (events), the
door it came through gives the URL prefix the browser sees (cdn, doors), the Dash app built for that
prefix answers it (apps), and the answer is kept within what API Gateway and Lambda can pass on
(responses). Your dashboard is src/dashboard/; nothing here needs changing for it.
"""

from __future__ import annotations

import logging
from typing import Any

from adapter import apps, cdn, doors, events, responses
from dashboard import request_ids
from serverless_dash import logs

logger = logging.getLogger("handler")
logger.setLevel(logging.INFO)


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    if not events.is_http_event(event):
        # Warm-up pings, EventBridge schedules and test invocations: nothing to serve.
        logger.info("not an API Gateway request, nothing to do (source: %s)", events.source_of(event))
        return {**responses.plain_response(200, "ok"), "ignored": True}
    # Every log line of this request, by any logger, carries its Lambda and API Gateway request ids
    # as JSON fields (serverless_dash/logs.py).
    with logs.request_scope(context, event):
        return _serve(event, context)


def _serve(event: Any, context: Any) -> dict[str, Any]:
    ids = request_ids(context, event.get("requestContext"))
    https = events.header(event, "x-forwarded-proto") == "https"
    try:
        event = events.complete_event(event)
        # Behind CloudFront its door is the only one (adapter/cdn.py); else the others (adapter/doors.py).
        door, event = cdn.enter(event) or doors.enter(event)
        event = responses.limit_gzip_to_binary_requests(event, door)
        response = apps.handler_for(door.prefix)(event, context)
        response = responses.as_the_door_passes_it(response, event, door)
        return responses.enforce_size_limit(response, https=https)
    except events.UnservableEvent as error:
        level = logging.ERROR if error.status >= 500 else logging.WARNING
        logger.log(level, "refused %s (%s): %s", error.status, ids, error)
        return responses.plain_response(error.status, error.answer, https=https)
    except Exception:
        logger.exception("request failed (%s)", ids)
        return responses.plain_response(500, "Internal Server Error", https=https)
