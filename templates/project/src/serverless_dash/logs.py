"""The log: every line of a failed request names it by Lambda's and API Gateway's request ids."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from types import MethodType, TracebackType
from typing import Any

from flask import Flask, request

logger = logging.getLogger("serverless_dash")
logger.setLevel(logging.INFO)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


def request_ids(lambda_context: Any, request_context: Any) -> str:
    """How a log line names a request: Lambda's request id (the key of its CloudWatch lines) and
    API Gateway's (what the client got back as x-amzn-RequestId or apigw-requestid)."""
    lambda_id = getattr(lambda_context, "aws_request_id", None)
    api_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return f"request_id={lambda_id or '-'} apigw_request_id={api_id or '-'}"


def install(server: Flask) -> None:
    """An unhandled error in the app is logged with the ids of the request it broke (the client
    gets Flask's bare 500: tracebacks go to the log, never to the browser)."""
    server.config["PROPAGATE_EXCEPTIONS"] = False

    def log_exception(self: Flask, exc_info: ExcInfo) -> None:
        # apig-wsgi puts the Lambda context and API Gateway's requestContext in the WSGI environ.
        environ = request.environ
        ids = request_ids(environ.get("apig_wsgi.context"), environ.get("apig_wsgi.request_context"))
        logger.error("%s %s failed (%s)", request.method, request.path, ids, exc_info=exc_info)

    server.log_exception = MethodType(log_exception, server)  # type: ignore[method-assign]


# Every line of a request as JSON fields. template.yaml gives the function Lambda's JSON log format
# (LoggingConfig: LogFormat JSON): the runtime writes every log record as one JSON object, with the
# Lambda request id as `requestId`, and every attribute of the record that is not one of `logging`'s
# own as a field of its own. While `request_scope` is open (the handler opens it around each
# request), every record made by any logger (the handler's, Flask's, the app's) gets the API Gateway
# request id as the attribute `apiGatewayRequestId`, and the Lambda request id as `aws_request_id`
# (the attribute Lambda's JSON log format writes as `requestId`; the runtime sets it too, so this
# matters only outside Lambda). In CloudWatch Logs Insights:
#
#     fields @timestamp, level, message | filter apiGatewayRequestId = "..."

API_GATEWAY_FIELD = "apiGatewayRequestId"
# Lambda's own name for its request id on a record; its JSON log format writes it as "requestId".
LAMBDA_FIELD = "aws_request_id"

_ids: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "serverless_dash_request_ids", default=None
)


@contextlib.contextmanager
def request_scope(lambda_context: Any, event: Any) -> Iterator[None]:
    """While open, every log record carries this invocation's ids as attributes (see above)."""
    install_record_factory()
    lambda_id = getattr(lambda_context, "aws_request_id", None)
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    api_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    token = _ids.set((str(lambda_id or "-"), str(api_id or "-")))
    try:
        yield
    finally:
        _ids.reset(token)


def install_record_factory() -> None:
    """Wraps logging's record factory once per process, so that records made in a scope get the ids."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "_adds_request_ids", False):
        logging.setLogRecordFactory(_with_request_ids(current))


def _with_request_ids(
    make_record: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
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
