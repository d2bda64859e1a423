"""Custom domains get the prefix the stack configured, under every reading of rawPath, in one warm
process that also serves the execute-api URL (src/adapter/doors.py, DESIGN: doors).

The cases come from tests/events/ (each reading of three HTTP API custom-domain shapes, with the
domain they were recorded for) and from template.yaml (the same shapes on this project's own domain,
stage and base path, with the environment template.yaml gives the function).
"""

from __future__ import annotations

import base64
import json

import pytest
from door_events import READINGS, DoorCase, below, recorded_cases, template_cases
from page_load import AGE_CALLBACK, decoded_body, get, parse_page, post_json

import handler
from adapter import apps, doors
from dashboard import ASSETS_DIR
from tools.apigateway import LocalGateway
from tools.stack_config import StackConfig, stack_config

CASES = template_cases(stack_config()) + recorded_cases()
FAVICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def body_of(response: dict) -> bytes:
    body = response["body"] or ""
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


@pytest.fixture
def told(monkeypatch: pytest.MonkeyPatch, function_environment: dict[str, str]):
    """Sets what the stack tells the function for a case (template cases: template.yaml's own)."""

    def tell(case: DoorCase) -> None:
        for name, value in case.environment.items():
            monkeypatch.setenv(name, value)

    return tell


def page_load(case: DoorCase) -> dict[str, dict]:
    """Page, layout, dependencies, a callback and the favicon, through the case's door."""
    page = handler.lambda_handler(below(case.page_event, "/", accept="text/html"), None)
    answers = {"page": page}
    icons = parse_page(body_of(page)).icons if page["statusCode"] == 200 else []
    requests = {
        "layout": below(case.page_event, "/_dash-layout", accept="application/json"),
        "dependencies": below(case.page_event, "/_dash-dependencies", accept="application/json"),
        "callback": below(
            case.page_event, "/_dash-update-component", "POST", accept="application/json", body=AGE_CALLBACK
        ),
    }
    if icons and icons[0].startswith(case.prefix):
        requests["favicon"] = below(case.page_event, icons[0][len(case.prefix) - 1 :], accept=FAVICON_ACCEPT)
    answers.update({name: handler.lambda_handler(event, None) for name, event in requests.items()})
    answers["icons"] = icons
    return answers


def assert_page_load_works(case: DoorCase, answers: dict) -> None:
    assert answers["page"]["statusCode"] == 200
    page = parse_page(body_of(answers["page"]))
    assert page.config["requests_pathname_prefix"] == case.prefix
    assert page.scripts and all(src.startswith(case.prefix + "_dash-component-suites/") for src in page.scripts)
    assert answers["icons"] and answers["icons"][0].startswith(case.prefix), answers["icons"]

    assert answers["layout"]["statusCode"] == 200
    assert json.loads(body_of(answers["layout"]))["props"]["children"]
    assert answers["dependencies"]["statusCode"] == 200
    assert "age.children" in {d["output"] for d in json.loads(body_of(answers["dependencies"]))}
    assert answers["callback"]["statusCode"] == 200
    assert "days young" in json.loads(body_of(answers["callback"]))["response"]["age"]["children"]
    assert answers["favicon"]["statusCode"] == 200
    assert answers["favicon"]["isBase64Encoded"] is True
    assert body_of(answers["favicon"]) == (ASSETS_DIR / "favicon.ico").read_bytes()


def test_template_cases_cover_every_reading_of_an_http_custom_domain(config: StackConfig) -> None:
    """This project's own domain is among the cases whenever template.yaml has one."""
    own = [case for case in CASES if case.id.startswith("template-")]
    if not config.domain:
        assert own == []
    elif config.api == "http":
        assert len(own) == len(READINGS)
        assert {case.page_event["requestContext"]["domainName"] for case in own} == {config.domain}
        assert {case.prefix for case in own} == {config.domain_prefix}
    else:
        assert [case.prefix for case in own] == [config.domain_prefix]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_page_load_through_a_custom_domain_alongside_execute_api(case: DoorCase, told, gateway: LocalGateway) -> None:
    told(case)

    answers = page_load(case)
    # The execute-api URL in the same warm process, between this door's requests and after them.
    execute_api_page = get(gateway, gateway.prefix, "text/html")
    execute_api_callback = post_json(gateway, gateway.prefix + "_dash-update-component", AGE_CALLBACK)
    assert_page_load_works(case, page_load(case))

    assert_page_load_works(case, answers)
    assert parse_page(decoded_body(execute_api_page)).config["requests_pathname_prefix"] == gateway.prefix
    assert "days young" in decoded_body(execute_api_callback).decode()
    assert doors.which_door(case.page_event).name == "custom-domain"


def test_every_reading_builds_one_app_per_prefix(told, gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """All readings of one door give one prefix, so one app; none builds an app for a stage or a
    key the browser never sees."""
    built: list[str] = []
    real_create_app = apps.create_app
    monkeypatch.setattr(apps, "create_app", lambda prefix: built.append(prefix) or real_create_app(prefix))
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())

    for case in CASES:
        with monkeypatch.context() as m:
            for name, value in case.environment.items():
                m.setenv(name, value)
            assert_page_load_works(case, page_load(case))
        assert get(gateway, gateway.prefix, "text/html").status == 200

    assert sorted(built) == sorted({case.prefix for case in CASES} | {gateway.prefix})


@pytest.mark.parametrize("reading", READINGS)
def test_a_domain_the_stack_does_not_know_gets_the_execute_api_rule(
    reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second domain mapped by hand: the prefix is what rawPath has before the route, never a crash."""
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "dash.example.net")
    monkeypatch.setenv("DASH_BASE_PATH", "board")
    event = below(load_recorded("http-domain-base-path", reading), "/", accept="text/html")
    event["requestContext"]["domainName"] = "other.example.org"
    expected = event["rawPath"]  # the route is "/": all of rawPath is in front of it

    response = handler.lambda_handler(event, None)

    assert doors.which_door(event).name == "execute-api"
    assert response["statusCode"] == 200
    assert parse_page(body_of(response)).config["requests_pathname_prefix"] == expected


def test_a_mapping_the_stack_does_not_know_on_its_domain_gets_the_execute_api_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A second base path mapped by hand on the stack's domain, in the key reading: its own prefix."""
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "dash.example.net")
    monkeypatch.setenv("DASH_BASE_PATH", "board")
    page = load_recorded("http-domain-base-path", "key")
    page["rawPath"] = page["requestContext"]["http"]["path"] = "/by-hand/"

    door = doors.which_door(below(page, "/_dash-layout"))
    answer = handler.lambda_handler(below(page, "/_dash-layout", accept="application/json"), None)

    assert (door.name, door.prefix, door.path) == ("execute-api", "/by-hand/", "/_dash-layout")
    assert answer["statusCode"] == 200


@pytest.mark.parametrize("reading", READINGS)
def test_the_path_below_the_prefix_comes_from_the_route(reading: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "DASH.example.net")  # domain names are not case-sensitive
    monkeypatch.setenv("DASH_BASE_PATH", "board")
    event = below(load_recorded("http-domain-base-path", reading), "/assets/style.css")

    door, inside = doors.enter(event)

    assert (door.name, door.prefix, door.path) == ("custom-domain", "/board/", "/assets/style.css")
    assert inside["rawPath"] == "/assets/style.css"


def test_without_route_information_the_configured_domain_gets_the_execute_api_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An HTTP API "$default" route (not template.yaml's) says nothing about the path below the prefix."""
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "dash.example.net")
    monkeypatch.setenv("DASH_BASE_PATH", "board")
    event = below(load_recorded("http-domain-base-path", "key"), "/")
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"

    assert doors.which_door(event).name == "execute-api"
    assert handler.lambda_handler(event, None)["statusCode"] == 200


def load_recorded(shape: str, reading: str) -> dict:
    return next(case.page_event for case in recorded_cases() if case.id == f"{shape}-{reading}.json")
