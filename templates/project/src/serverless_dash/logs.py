"""Each log line of a request carries the request's ids, as JSON fields.

template.yaml gives the function Lambda's JSON log format (LoggingConfig: LogFormat JSON): the
runtime writes every log record as one JSON object, with the Lambda request id as `requestId`, and
every attribute of the record that is not one of `logging`'s own as a field of its own. While
`request_scope` is open, every record made by any logger (the handler's, Flask's, the app's) gets
the API Gateway request id as the attribute `apiGatewayRequestId`, and the Lambda request id as
`aws_request_id` (the attribute Lambda's JSON log format writes as `requestId`; the runtime sets it
too, so this matters only outside Lambda). In CloudWatch Logs Insights:

    fields @timestamp, level, message | filter apiGatewayRequestId = "..."

    with logs.request_scope(context, event):
        ...  # serve the request
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from typing import Any

API_GATEWAY_FIELD = "apiGatewayRequestId"
# Lambda's own name for its request id on a record; its JSON log format writes it as "requestId".
LAMBDA_FIELD = "aws_request_id"

_ids: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "serverless_dash_request_ids", default=None
)


def request_ids(context: Any, event: Any) -> tuple[str, str]:
    """(Lambda request id, API Gateway request id) of an invocation; "-" for one it lacks."""
    lambda_id = getattr(context, "aws_request_id", None)
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    api_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return (str(lambda_id) if lambda_id else "-", str(api_id) if api_id else "-")


@contextlib.contextmanager
def request_scope(context: Any, event: Any) -> Iterator[tuple[str, str]]:
    """While open, every log record carries this invocation's ids (see the module's doc)."""
    install()
    ids = request_ids(context, event)
    token = _ids.set(ids)
    try:
        yield ids
    finally:
        _ids.reset(token)


def install() -> None:
    """Wraps logging's record factory once per process, so that records made in a scope get the ids."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_adds_request_ids", False):
        logging.setLogRecordFactory(_with_request_ids(current))


def _with_request_ids(make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        ids = _ids.get()
        if ids is not None:
            lambda_id, api_id = ids
            if not getattr(record, LAMBDA_FIELD, None):
                setattr(record, LAMBDA_FIELD, lambda_id)
            setattr(record, API_GATEWAY_FIELD, api_id)
        return record

    factory._adds_request_ids = True  # type: ignore[attr-defined]
    return factory
