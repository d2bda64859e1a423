"""Recorded API Gateway events (tests/events/, see README.md there) replayed through the handler.

Each was recorded at one door (tests/door_events.py says which). The one that is this stack's public
door is served; the others are refused with the short 404 naming the public URL. Each is also moved
onto this stack's own public door, where its page and its asset are served.
"""

from __future__ import annotations

import base64
import dataclasses

import pytest
from conftest import FIXTURE_APP, handler, load_event, refused
from door_events import RECORDED, Recorded, at_public_door, drop_header, is_public
from page_load import parse_page

from tools.stack_config import StackConfig, stack_config

CONFIG = stack_config()
NON_HTTP_EVENTS = ["eventbridge-schedule.json", "warmer.json", "empty.json"]
STYLE = (FIXTURE_APP / "assets" / "style.css").read_bytes()


def body_bytes(response: dict) -> bytes:
    body = response["body"]
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


def without_compression(event: dict) -> dict:
    drop_header(event, "Accept-Encoding")
    return event


def assert_page_at(response: dict, prefix: str) -> None:
    assert response["statusCode"] == 200, response["body"][:200]
    page = parse_page(body_bytes(response))
    assert page.config["requests_pathname_prefix"] == prefix
    assert page.scripts and all(src.startswith(prefix + "_dash-component-suites/") for src in page.scripts)
    assert page.stylesheets and all(href.startswith(prefix + "assets/") for href in page.stylesheets)


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.name)
def test_a_recorded_door_is_served_only_if_it_is_the_public_one(recorded: Recorded, config: StackConfig) -> None:
    page = handler.lambda_handler(without_compression(recorded.page()), None)
    asset = handler.lambda_handler(without_compression(recorded.asset()), None)

    if is_public(recorded, config):
        assert_page_at(page, recorded.prefix)
        assert (asset["statusCode"], body_bytes(asset)) == (200, STYLE)
    else:
        assert (page["statusCode"], page["body"]) == refused(config)
        assert (asset["statusCode"], asset["body"]) == refused(config)


def test_the_recorded_doors_include_the_public_one_of_some_stacks() -> None:
    """The default stack (REST, Prod) and --domain dash.example.com --base-path reports are among them."""
    default = dataclasses.replace(
        CONFIG,
        api="rest",
        stage="Prod",
        domain=None,
        base_path=None,
        cdn=None,
        environment={"DASH_PUBLIC_PREFIX": "/Prod/"},
    )
    reports = dataclasses.replace(
        default, domain="dash.example.com", base_path="reports", environment={"DASH_PUBLIC_PREFIX": "/reports/"}
    )

    assert [r.name for r in RECORDED if is_public(r, default)] == ["rest-execute-api"]
    assert [r.name for r in RECORDED if is_public(r, reports)] == ["rest-base-path", "http-custom-domain"]


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.name)
def test_each_recorded_shape_moved_onto_the_public_door_is_served(recorded: Recorded, config: StackConfig) -> None:
    page = handler.lambda_handler(without_compression(at_public_door(recorded.page(), config)), None)
    asset = handler.lambda_handler(without_compression(at_public_door(recorded.asset(), config)), None)

    assert_page_at(page, config.public_prefix)
    assert asset["statusCode"] == 200
    assert body_bytes(asset) == STYLE


@pytest.mark.parametrize("event_file", NON_HTTP_EVENTS)
def test_non_http_events_are_a_quiet_no_op(event_file: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="serverless_dash")

    response = handler.lambda_handler(load_event(event_file), None)

    assert response["ignored"] is True
    assert "not an API Gateway request" in caplog.text


@pytest.mark.parametrize("event", [None, [], "ping", 42, {"version": "2.0"}, {"requestContext": {}}])
def test_events_of_any_shape_do_not_raise(event: object) -> None:
    assert handler.lambda_handler(event, None)["ignored"] is True


def test_every_recorded_event_is_in_the_table() -> None:
    names = {p.stem for p in (FIXTURE_APP.parent / "events").glob("*.json")}
    table = {r.name for r in RECORDED} | {f"{r.name}-asset" for r in RECORDED}
    assert table <= names
    assert CONFIG.public_prefix == handler.PREFIX
