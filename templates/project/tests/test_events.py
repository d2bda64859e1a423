"""Recorded API Gateway events (tests/events/, see README.md there) replayed through the handler."""

from __future__ import annotations

import base64

import pytest
from conftest import load_event
from page_load import parse_page

import handler
from dashboard import ASSETS_DIR

PAGE_EVENTS = {
    "rest-execute-api.json": "/Prod/",  # stage in requestContext.path only
    "rest-custom-domain.json": "/",  # custom domain, root mapping
    "rest-base-path.json": "/reports/",  # base path in requestContext.path AND event.path
    "http-default-stage.json": "/",
    "http-named-stage.json": "/dev/",  # stage in rawPath
    "http-custom-domain.json": "/reports/",  # API mapping key in rawPath, stage not
}
ASSET_EVENTS = [name.replace(".json", "-asset.json") for name in PAGE_EVENTS]
NON_HTTP_EVENTS = ["eventbridge-schedule.json", "warmer.json", "empty.json"]


@pytest.fixture(autouse=True)
def recorded_stack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """These events were recorded on stacks that did not tell the function a custom domain, so they
    replay with none: through a domain the stack does not know, the execute-api rule decides. (This
    project's own domain, if it has one, may be dash.example.com too; tests/test_doors.py replays
    events with the domain configured.)"""
    for name in ("DASH_CUSTOM_DOMAIN", "DASH_BASE_PATH"):
        monkeypatch.delenv(name, raising=False)


def body_bytes(response: dict) -> bytes:
    body = response["body"]
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


def without_compression(event: dict) -> dict:
    for key in ("headers", "multiValueHeaders"):
        if event.get(key):
            event[key] = {k: v for k, v in event[key].items() if k.lower() != "accept-encoding"}
    return event


@pytest.mark.parametrize(("event_file", "prefix"), PAGE_EVENTS.items())
def test_page_links_carry_the_prefix_the_browser_sees(event_file: str, prefix: str) -> None:
    response = handler.lambda_handler(without_compression(load_event(event_file)), None)

    assert response["statusCode"] == 200
    page = parse_page(body_bytes(response))
    assert page.config["requests_pathname_prefix"] == prefix
    assert page.scripts and all(src.startswith(prefix + "_dash-component-suites/") for src in page.scripts)
    assert page.stylesheets and all(href.startswith(prefix + "assets/") for href in page.stylesheets)


@pytest.mark.parametrize("event_file", ASSET_EVENTS)
def test_assets_are_found_below_every_prefix(event_file: str) -> None:
    response = handler.lambda_handler(without_compression(load_event(event_file)), None)

    assert response["statusCode"] == 200
    assert body_bytes(response) == (ASSETS_DIR / "style.css").read_bytes()


@pytest.mark.parametrize("event_file", NON_HTTP_EVENTS)
def test_non_http_events_are_a_quiet_no_op(event_file: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="handler")

    response = handler.lambda_handler(load_event(event_file), None)

    assert response["ignored"] is True
    assert "not an API Gateway request" in caplog.text


@pytest.mark.parametrize("event", [None, [], "ping", 42, {"version": "2.0"}, {"requestContext": {}}])
def test_events_of_any_shape_do_not_raise(event: object) -> None:
    assert handler.lambda_handler(event, None)["ignored"] is True
