"""Every log line of a request carries its Lambda and API Gateway request ids as fields (Lambda's
JSON log format writes a record's own attributes as JSON fields; `aws_request_id` as requestId)."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import greet_callback, handler, public_gateway
from page_load import post_json

from serverless_dash import logs
from tools.stack_config import StackConfig

LAMBDA_ID = "6f1c1f0e-0d0b-4b2a-9c55-3d1e5b7a9c01"


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The JSON fields Lambda's JSON log format adds for a record's own attributes."""
    return json.loads(
        json.dumps({k: v for k, v in vars(record).items() if k in (logs.LAMBDA_FIELD, logs.API_GATEWAY_FIELD)})
    )


def test_a_failed_requests_log_lines_carry_both_ids(config: StackConfig, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[dict[str, Any]] = []

    def invoke(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        seen.append(event)
        return handler.lambda_handler(event, SimpleNamespace(aws_request_id=LAMBDA_ID))

    door = public_gateway(config, invoke)
    broken = {**greet_callback(), "inputs": "not a list"}
    with caplog.at_level(logging.INFO):
        response = post_json(door, door.prefix + "_dash-update-component", broken)

    assert response.status == 500
    api_id = seen[-1]["requestContext"]["requestId"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the failure is logged"
    for record in caplog.records:
        assert fields(record) == {"aws_request_id": LAMBDA_ID, "apiGatewayRequestId": api_id}, record.getMessage()


def test_lines_outside_a_request_carry_no_ids(caplog: pytest.LogCaptureFixture) -> None:
    logs.install_record_factory()
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything").info("between requests")

    assert not hasattr(caplog.records[-1], logs.API_GATEWAY_FIELD)


def test_each_request_gets_its_own_ids(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        for n in (1, 2):
            with logs.request_scope(
                SimpleNamespace(aws_request_id=f"lambda-{n}"), {"requestContext": {"requestId": f"api-{n}"}}
            ):
                logging.getLogger("app").warning("inside %d", n)

    assert [fields(r) for r in caplog.records[-2:]] == [
        {"aws_request_id": "lambda-1", "apiGatewayRequestId": "api-1"},
        {"aws_request_id": "lambda-2", "apiGatewayRequestId": "api-2"},
    ]


def test_the_record_factory_is_wrapped_once() -> None:
    logs.install_record_factory()
    factory = logging.getLogRecordFactory()
    logs.install_record_factory()

    assert logging.getLogRecordFactory() is factory
