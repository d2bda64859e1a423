"""The log: every line of a failed request names it by Lambda's and API Gateway's request ids."""

from __future__ import annotations

import logging
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
