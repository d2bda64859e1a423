"""One public door per stack (src/serverless_dash/doors.py, DESIGN: doors).

The function serves the one prefix template.yaml gives it (DASH_PUBLIC_PREFIX), through the custom
domain when the stack has one, else through API Gateway's own URL. Through that door a whole page load
works under every reading of rawPath; any other door (the execute-api URL of a stack with a domain, a
base path mapped by hand, another stage) gets a short 404 naming the public URL.

The path below the prefix is read right whatever the door: the recorded events of every door are
replayed through doors.which_door / doors.enter alone (no app needed), with the domain they were
recorded on configured.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import logging

import pytest
from conftest import FIXTURE_APP, GREET_CALLBACK, GREETING, ORIGIN_SECRET_VARIABLE, handler, refused
from door_events import (
    READINGS,
    RECORDED,
    RECORDED_SHAPES,
    at_public_door,
    below,
    reading_case,
    route_path_of,
)
from page_load import decoded_body, get, parse_page

from serverless_dash import doors
from tools.apigateway import EXECUTE_API_HOST, LocalGateway
from tools.stack_config import StackConfig, stack_config

CONFIG = stack_config()
FAVICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
# This stack's own door in each payload format's recorded shape; an HTTP API behind a domain under
# every reading of rawPath.
OWN_READINGS = READINGS if CONFIG.domain and CONFIG.api == "http" else ("key",)
OWN_DOOR_PAGES = {
    f"{recorded.name}@public-{reading}": at_public_door(recorded.page(), CONFIG, reading)
    for recorded in RECORDED
    if recorded.name in ("rest-execute-api", "http-named-stage")
    for reading in (OWN_READINGS if recorded.name.startswith("http") else ("key",))
}


def body_of(response: dict) -> bytes:
    body = response["body"] or ""
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


# --- through the public door: a whole page load ---------------------------------------------------


@pytest.mark.parametrize("page_event", OWN_DOOR_PAGES.values(), ids=OWN_DOOR_PAGES)
def test_a_page_load_through_the_public_door(page_event: dict) -> None:
    prefix = CONFIG.public_prefix
    page = handler.lambda_handler(below(page_event, "/", accept="text/html"), None)
    assert page["statusCode"] == 200, page["body"]
    parsed = parse_page(body_of(page))
    assert parsed.config["requests_pathname_prefix"] == prefix
    assert parsed.scripts and all(src.startswith(prefix + "_dash-component-suites/") for src in parsed.scripts)
    assert parsed.icons and parsed.icons[0].startswith(prefix), parsed.icons

    layout = handler.lambda_handler(below(page_event, "/_dash-layout", accept="application/json"), None)
    dependencies = handler.lambda_handler(below(page_event, "/_dash-dependencies", accept="application/json"), None)
    callback = handler.lambda_handler(
        below(page_event, "/_dash-update-component", "POST", accept="application/json", body=GREET_CALLBACK), None
    )
    favicon = handler.lambda_handler(below(page_event, parsed.icons[0][len(prefix) - 1 :], accept=FAVICON_ACCEPT), None)

    assert layout["statusCode"] == 200 and json.loads(body_of(layout))["props"]["children"]
    assert "greeting.children" in {d["output"] for d in json.loads(body_of(dependencies))}
    assert json.loads(body_of(callback))["response"]["greeting"]["children"] == GREETING
    assert favicon["statusCode"] == 200 and favicon["isBase64Encoded"] is True
    assert body_of(favicon) == (FIXTURE_APP / "assets" / "favicon.ico").read_bytes()


def test_the_gateway_at_the_public_door_serves_the_public_prefix(gateway: LocalGateway, config: StackConfig) -> None:
    page = get(gateway, gateway.prefix, "text/html")

    assert page.status == 200
    assert parse_page(decoded_body(page)).config["requests_pathname_prefix"] == config.public_prefix
    assert config.public_prefix == handler.PREFIX


# --- every other door: refused ---------------------------------------------------------------------


def other_doors(config: StackConfig) -> dict[str, dict]:
    """Page events of the doors this stack does not have, each for the prefix itself."""
    recorded = RECORDED[0].page() if config.api == "rest" else RECORDED[4].page()
    api = dataclasses.replace(config, cdn=None)  # API Gateway's own doors, never through CloudFront
    events = {}
    # Another stage of the same API, on its execute-api URL.
    events["another stage"] = at_public_door(recorded, dataclasses.replace(api, stage="Other", domain=None))
    # A base path mapped by hand, on the stack's domain (or, without one, on another domain).
    by_hand = dataclasses.replace(api, domain=config.domain or "other.example.org", base_path="by-hand")
    events["a base path mapped by hand"] = at_public_door(recorded, by_hand)
    if config.domain or config.cdn:
        # The execute-api URL, which template.yaml disables under a domain (behind CloudFront, only
        # requests with the distribution's secret are let in).
        events["the execute-api URL"] = at_public_door(recorded, dataclasses.replace(api, domain=None, base_path=None))
    return events


OTHER_DOORS = other_doors(CONFIG)


@pytest.mark.parametrize("door", OTHER_DOORS)
@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/assets/style.css"])
def test_every_other_door_is_refused_naming_the_public_url(
    door: str, path: str, config: StackConfig, caplog: pytest.LogCaptureFixture
) -> None:
    event = below(OTHER_DOORS[door], path, accept="text/html")

    response = handler.lambda_handler(event, None)

    status, body = refused(config)
    assert (response["statusCode"], response["body"]) == (status, body)
    assert len(response["body"]) < 200
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    assert any(r.levelno == logging.WARNING and f"refused {status}" in r.getMessage() for r in caplog.records)


def test_the_refusal_names_the_domain_under_a_domain(config: StackConfig) -> None:
    expected = f"https://{config.domain}{config.public_prefix}" if config.domain else config.public_prefix
    assert doors.public_url(config.public_prefix) == expected
    if config.domain or config.cdn:
        assert "the execute-api URL" in OTHER_DOORS


def test_the_gateway_of_another_stage_is_refused(config: StackConfig) -> None:
    """make serve's other doors: a path outside the prefix goes to the function as another stage."""
    if config.public_prefix == "/":  # every path is inside the prefix: another stage's URL
        other = LocalGateway(dataclasses.replace(config, stage="Other"), handler.lambda_handler)
    else:
        other = LocalGateway.for_stack(config, handler.lambda_handler, outside_prefix="function")
    response = get(other, "/Other/", "text/html")

    assert (response.status, response.body.decode()) == refused(config)


# --- the path below the prefix, door by door (no app) ---------------------------------------------


@pytest.fixture
def api_gateway_doors(monkeypatch: pytest.MonkeyPatch) -> None:
    """API Gateway's doors alone, as in a stack without CloudFront (whose door is checked first)."""
    monkeypatch.delenv(ORIGIN_SECRET_VARIABLE, raising=False)


@pytest.mark.usefixtures("api_gateway_doors")
@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: r.name)
def test_each_recorded_door_is_read_with_its_prefix(recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    if recorded.door == "custom-domain":
        monkeypatch.setenv("DASH_CUSTOM_DOMAIN", recorded.domain)
        monkeypatch.setenv("DASH_BASE_PATH", recorded.prefix.strip("/"))
    else:
        monkeypatch.delenv("DASH_CUSTOM_DOMAIN", raising=False)
        monkeypatch.delenv("DASH_BASE_PATH", raising=False)

    for event in (recorded.page(), recorded.asset()):
        door, inside = doors.enter(event, recorded.prefix)

        assert (door.name, door.prefix, door.path) == (recorded.door, recorded.prefix, route_path_of(event))
        assert (inside.get("rawPath") or inside["path"]) == route_path_of(event)


@pytest.mark.usefixtures("api_gateway_doors")
@pytest.mark.parametrize("shape", RECORDED_SHAPES)
@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize("path", ["/", "/_dash-layout", "/assets/style.css", "/report/a%20b"])
def test_every_reading_of_raw_path_gives_the_configured_prefix(
    shape: str, reading: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, environment, prefix = reading_case(shape, reading)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    door, inside = doors.enter(below(page, path), prefix)

    assert (door.name, door.prefix, door.path) == ("custom-domain", prefix, path)
    assert inside["rawPath"] == path


def test_domain_names_are_not_case_sensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    page, _environment, _prefix = reading_case("http-domain-base-path", "none")
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "DASH.example.net.")
    monkeypatch.setenv("DASH_BASE_PATH", "board")

    assert doors.which_door(below(page, "/x")) == doors.Door("custom-domain", "/board/", "/x")


@pytest.mark.usefixtures("api_gateway_doors")
@pytest.mark.parametrize("reading", READINGS)
def test_a_domain_the_stack_does_not_know_gets_the_execute_api_rule_and_is_refused(
    reading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second domain mapped by hand: the prefix is what rawPath has before the route, never a crash."""
    page, environment, _prefix = reading_case("http-domain-base-path", reading)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    event = below(page, "/")
    event["requestContext"]["domainName"] = "other.example.org"

    door = doors.which_door(event)

    assert (door.name, door.prefix) == ("execute-api", event["rawPath"])
    with pytest.raises(doors.UnservableEvent) as refused:
        doors.enter(event, "/board/")
    assert refused.value.status == 404
    assert "https://dash.example.net/board/" in refused.value.answer


def test_a_mapping_the_stack_does_not_know_on_its_domain_gets_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    page, environment, _prefix = reading_case("http-domain-base-path", "key")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    page["rawPath"] = page["requestContext"]["http"]["path"] = "/by-hand/"

    door = doors.which_door(below(page, "/_dash-layout"))

    assert (door.name, door.prefix, door.path) == ("execute-api", "/by-hand/", "/_dash-layout")


def test_without_route_information_the_configured_domain_gets_the_execute_api_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An HTTP API "$default" route (not template.yaml's) says nothing about the path below the prefix."""
    page, environment, _prefix = reading_case("http-domain-base-path", "key")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    event = below(page, "/")
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"

    assert doors.which_door(event).name == "execute-api"


@pytest.mark.usefixtures("api_gateway_doors")
def test_the_execute_api_url_of_a_stack_with_a_domain_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "dash.example.com")
    monkeypatch.setenv("DASH_BASE_PATH", "")
    event = RECORDED[0].page()  # https://<id>.execute-api.../Prod/
    assert event["requestContext"]["domainName"].endswith(EXECUTE_API_HOST.partition(".")[2])

    with pytest.raises(doors.UnservableEvent) as refused:
        doors.enter(event, "/Prod/")  # even at the prefix: the stack's door is its domain
    assert refused.value.answer == "Not Found: this dashboard is served at https://dash.example.com/Prod/"


def sam_local_events() -> dict[str, dict]:
    """What `sam local start-api` sends: REST with requestContext.path the route pattern, HTTP with
    the domain "localhost"; neither has a stage or base path in any path."""
    rest = below(RECORDED[0].page(), "/_dash-layout")
    rest["requestContext"]["path"] = rest["resource"]
    rest["path"] = "/_dash-layout"
    http = below(RECORDED[3].page(), "/_dash-layout")
    http["requestContext"]["domainName"] = "localhost"
    return {"rest": rest, "http": http}


@pytest.mark.usefixtures("api_gateway_doors")
@pytest.mark.parametrize("api", ["rest", "http"])
def test_sam_local_is_let_in_at_the_root_whatever_the_public_prefix(api: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    monkeypatch.setenv("DASH_CUSTOM_DOMAIN", "dash.example.com")
    event = sam_local_events()[api]

    door, inside = doors.enter(copy.deepcopy(event), "/reports/")

    assert (door.name, door.prefix, door.path) == ("sam-local", "/", "/_dash-layout")
    assert (inside.get("rawPath") or inside["path"]) == "/_dash-layout"
    monkeypatch.delenv("AWS_SAM_LOCAL")
    assert doors.which_door(event).name != "sam-local"  # only under sam local


@pytest.mark.parametrize(
    ("route_path", "client_path", "expected"),
    [
        ("/", "/Prod/", "/Prod/"),
        ("/", "/Prod", "/Prod/"),
        ("/assets/style.css", "/Prod/assets/style.css", "/Prod/"),
        ("/_dash-layout", "/_dash-layout", "/"),
        ("/a%20b", "/reports/a b", "/reports/"),
        ("/x", "/Prod/y", None),  # inconsistent: no guess
        ("/x", "/<script>/x", None),  # not a stage or base path
    ],
)
def test_prefix_is_what_the_client_path_has_before_the_route(route_path, client_path, expected) -> None:
    assert doors._prefix_before(client_path, route_path) == expected


@pytest.mark.parametrize(
    ("client_path", "route_path", "stage"), [("/../x", "/x", "Prod"), ("/./x", "/x", "Prod"), ("/../x", "/y", "..")]
)
def test_dot_segments_are_never_a_prefix(client_path: str, route_path: str, stage: str) -> None:
    assert doors._prefix_before(client_path, route_path) is None
    assert doors._stage_prefix(client_path, stage) == "/"
