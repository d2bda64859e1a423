"""The CloudFront door (--cdn): the stack's one public door. Through the distribution the app works at
the public prefix, with Dash's scripts and assets from the edge; a request that bypasses it (the
execute-api URL, a mapping added by hand, a forged or missing secret) is refused, and so is a
distribution that names another prefix than the one the app was built at.

The distribution is template.yaml's (tools/cloudfront.py), in front of the platform's handler with
the tests' fixture app (conftest.py).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from conftest import GREET_CALLBACK, GREETING
from page_load import BROWSER_ACCEPT_ENCODING, decoded_body, get, load_page, parse_page

from serverless_dash import cdn, handler
from serverless_dash.events import UnservableEvent
from tools.apigateway import LocalGateway
from tools.cloudfront import LocalCloudFront, distribution_for, function_environment
from tools.stack_config import StackConfig, load_template

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
JSON_POST = [("Accept", "application/json"), ("Content-Type", "application/json")]
# What Secrets Manager generates for the stack (64 letters and digits), as a test stand-in.
ORIGIN_SECRET = "TestOriginSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"  # noqa: S105 - a test value
# A second visitor's page load reaches the function only for these (DESIGN.md section 6: <= 5).
DYNAMIC = re.compile(r"^/(?:[A-Za-z0-9._-]+/)?(_dash-layout|_dash-dependencies|_dash-update-component)?$")


@pytest.fixture
def cloudfront(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> LocalCloudFront:
    """template.yaml's distribution in front of the API, as deployed: the function knows the origin
    secret (DASH_ORIGIN_SECRET, resolved from Secrets Manager) and CloudFront sends it."""
    for name, value in function_environment(ORIGIN_SECRET).items():
        monkeypatch.setenv(name, value)
    return distribution_for(config, ORIGIN_SECRET, handler.lambda_handler)


def with_viewer_prefix(cloudfront: LocalCloudFront, prefix: str) -> LocalCloudFront:
    """The same distribution (same secret) telling the function another viewer prefix: a second
    distribution or behaviour pointed at this stack by hand."""
    headers = {**cloudfront.cdn.origin_headers, "X-Dash-Viewer-Prefix": prefix}
    cdn_config = dataclasses.replace(cloudfront.cdn, origin_headers=headers)
    return dataclasses.replace(cloudfront, cdn=cdn_config, origin_requests=[], _cache={})


def recording(cloudfront: LocalCloudFront) -> list[dict]:
    """The events the function gets from the distribution, from now on."""
    seen: list[dict] = []
    wrapped = cloudfront.origin.lambda_handler
    cloudfront.origin.lambda_handler = lambda event, context: seen.append(event) or wrapped(event, context)
    return seen


def with_header(event: dict, name: str, value: str) -> dict:
    """`event` with the header `name` (any case) set to `value`, in both header fields."""
    event = json.loads(json.dumps(event))
    for field in ("headers", "multiValueHeaders"):
        if isinstance(event.get(field), dict):
            kept = {k: v for k, v in event[field].items() if k.lower() != name.lower()}
            event[field] = {**kept, name: [value] if field == "multiValueHeaders" else value}
    return event


def test_the_distribution_is_the_public_door(config: StackConfig, cloudfront: LocalCloudFront) -> None:
    assert config.door == "cloudfront"
    assert cloudfront.prefix == config.public_prefix == config.environment["DASH_PUBLIC_PREFIX"]
    assert config.public_prefix == handler.PREFIX


def test_the_page_has_the_public_prefix_and_never_the_stage(cloudfront: LocalCloudFront, config: StackConfig) -> None:
    response = get(cloudfront, cloudfront.prefix, HTML, BROWSER_ACCEPT_ENCODING)
    html = decoded_body(response)
    page = parse_page(html)

    assert response.status == 200
    assert page.config["requests_pathname_prefix"] == cloudfront.prefix
    assert all(src.startswith(cloudfront.prefix) for src in page.scripts + page.stylesheets + page.icons)
    if config.stage_prefix not in ("/", cloudfront.prefix):
        assert config.stage_prefix.encode() not in html


def test_the_whole_page_loads_through_the_distribution(cloudfront: LocalCloudFront) -> None:
    responses = load_page(cloudfront, BROWSER_ACCEPT_ENCODING)

    assert {url: r.status for url, r in responses.items() if r.status != 200} == {}
    plotly = next(r for url, r in responses.items() if url.endswith("plotly.min.js"))
    assert plotly.header("Content-Encoding") in ("br", "gzip", "zstd")
    assert b"plotly" in decoded_body(plotly)[:2000].lower()


def test_a_callback_answers_through_the_distribution_every_time(cloudfront: LocalCloudFront) -> None:
    body = json.dumps(GREET_CALLBACK).encode()
    for _ in range(2):
        response = cloudfront.request("POST", cloudfront.prefix + "_dash-update-component", JSON_POST, body)
        assert response.status == 200
        assert json.loads(decoded_body(response))["response"]["greeting"]["children"] == GREETING
    assert [r.reason for r in cloudfront.origin_requests] == ["uncached", "uncached"]


def test_a_second_visitor_reaches_the_function_only_for_the_dynamic_requests(cloudfront: LocalCloudFront) -> None:
    load_page(cloudfront, BROWSER_ACCEPT_ENCODING)  # the first visitor fills the edge cache
    cloudfront.origin_requests.clear()
    responses = load_page(cloudfront, BROWSER_ACCEPT_ENCODING)  # a new browser: nothing cached in it

    reached = [r.path for r in cloudfront.origin_requests]
    assert all(DYNAMIC.match(path) for path in reached), reached
    assert len(reached) <= 5, reached
    hits = [url for url, r in responses.items() if r.header("X-Cache") == "Hit from cloudfront"]
    assert any("_dash-component-suites" in url for url in hits)
    assert any("/assets/" in url for url in hits)
    assert {url: r.status for url, r in responses.items() if r.status != 200} == {}


def test_the_cached_behaviour_never_varies_on_cookies_and_the_other_forwards_them(
    cloudfront: LocalCloudFront,
) -> None:
    page = parse_page(decoded_body(get(cloudfront, cloudfront.prefix, HTML, BROWSER_ACCEPT_ENCODING)))
    script = next(src for src in page.scripts if "_dash-component-suites" in src)
    get_with_cookie = lambda url, cookie: cloudfront.request("GET", url, [("Accept", "*/*"), ("Cookie", cookie)])  # noqa: E731
    get_with_cookie(script, "session=alice")
    cloudfront.origin_requests.clear()

    assert get_with_cookie(script, "session=bob").header("X-Cache") == "Hit from cloudfront"
    assert cloudfront.origin_requests == []

    seen = recording(cloudfront)
    get_with_cookie(cloudfront.prefix + "_dash-layout", "session=bob")
    get_with_cookie(cloudfront.prefix + "_dash-layout", "session=bob")
    assert len(seen) == 2, "the uncached behaviour must reach the function every time"
    cookies = (
        seen[0].get("cookies")
        or seen[0]["multiValueHeaders"].get("Cookie")
        or seen[0]["multiValueHeaders"].get("cookie")
    )
    assert "session=bob" in "; ".join(cookies)


def test_plain_http_is_redirected_to_https(cloudfront: LocalCloudFront) -> None:
    cloudfront.origin_requests.clear()
    response = cloudfront.request("GET", cloudfront.prefix + "_dash-layout?x=1", [("Accept", "*/*")], scheme="http")

    assert response.status == 301
    assert response.header("Location") == f"https://{cloudfront.host}{cloudfront.prefix}_dash-layout?x=1"
    assert cloudfront.origin_requests == []


# --- the origin lock ----------------------------------------------------------------------------

BYPASS_PATHS = ("", "_dash-layout", "assets/favicon.ico", "_dash-component-suites/dash/deps/polyfill@7.12.1.min.js")


@pytest.mark.parametrize("bypass", ["execute-api", "mapping added by hand"])
def test_requests_that_bypass_the_distribution_are_refused(
    cloudfront: LocalCloudFront, config: StackConfig, bypass: str
) -> None:
    # The API's own URL (what CloudFront calls), and a custom-domain mapping someone added to the API.
    door = LocalGateway(config, handler.lambda_handler, custom_domain=bypass != "execute-api")
    for path in BYPASS_PATHS:
        response = get(door, door.prefix + path, HTML)
        assert response.status == 403, path
        assert b"CloudFront" in response.body
        assert b"_dash-renderer" not in response.body

    callback = door.request(
        "POST", door.prefix + "_dash-update-component", JSON_POST, json.dumps(GREET_CALLBACK).encode()
    )
    assert callback.status == 403
    assert GREETING.encode() not in callback.body

    forged = [("Accept", HTML), ("X-Dash-Viewer-Prefix", "/"), ("X-Dash-Origin-Secret", ORIGIN_SECRET[:-1] + "x")]
    assert door.request("GET", door.prefix, forged).status == 403
    assert door.request("GET", door.prefix, [("Accept", HTML), ("X-Dash-Origin-Secret", "")]).status == 403


def test_a_viewer_prefix_other_than_the_public_one_is_refused(cloudfront: LocalCloudFront) -> None:
    """The app is built once, at the public prefix: a distribution that says another would get
    pages whose links point elsewhere, so it gets a short refusal naming the public prefix."""
    other = "/elsewhere/" if cloudfront.prefix != "/elsewhere/" else "/"
    elsewhere = with_viewer_prefix(cloudfront, other)
    for path in ("", "_dash-layout", "assets/style.css"):
        response = get(elsewhere, other + path, HTML)
        assert response.status == 404, path
        assert response.body == f"Not Found: this dashboard is served at {cloudfront.prefix}".encode()
    assert get(with_viewer_prefix(cloudfront, "/../"), "/../", HTML).status == 500  # never a prefix
    assert get(cloudfront, cloudfront.prefix, HTML).status == 200


def test_a_path_outside_the_public_prefix_is_refused(cloudfront: LocalCloudFront) -> None:
    seen = recording(cloudfront)
    answered = get(cloudfront, cloudfront.prefix + "_dash-layout", "application/json")
    assert answered.status == 200
    # The event CloudFront sends for /elsewhere/_dash-layout, from a distribution serving /reports/.
    event = with_header(seen[0], "X-Dash-Viewer-Prefix", "/reports/")
    path_key = "rawPath" if event.get("version") == "2.0" else "path"
    event[path_key] = event[path_key].replace(f"{cloudfront.prefix}_dash-layout", "/elsewhere/_dash-layout")

    with pytest.raises(UnservableEvent, match="the dashboard is under /reports/") as refused:
        cdn.enter(event, "/reports/")
    assert refused.value.status == 404
    if cloudfront.prefix != "/":  # under a base path, through the distribution itself
        response = get(cloudfront, "/elsewhere/_dash-layout", "application/json")
        assert response.status == 404
        assert response.body == f"Not Found: the dashboard is under {cloudfront.prefix}".encode()


def test_a_viewer_cannot_forge_the_door_headers(cloudfront: LocalCloudFront) -> None:
    """CloudFront replaces a viewer's header of the same name with the origin's own."""
    forged = [("Accept", HTML), ("X-Dash-Viewer-Prefix", "/evil/"), ("X-Dash-Origin-Secret", "guess")]
    response = cloudfront.request("GET", cloudfront.prefix, forged)

    assert response.status == 200
    assert parse_page(decoded_body(response)).config["requests_pathname_prefix"] == cloudfront.prefix


def test_the_app_never_sees_the_secret(cloudfront: LocalCloudFront) -> None:
    seen = recording(cloudfront)
    response = cloudfront.request("GET", cloudfront.prefix + "_dash-layout", [("Accept", "application/json")])

    assert response.status == 200
    assert ORIGIN_SECRET in json.dumps(seen[0]), "CloudFront sends it to API Gateway"
    assert ORIGIN_SECRET.encode() not in decoded_body(response)
    door, event = cdn.enter(seen[0], cloudfront.prefix)
    assert (door.name, door.prefix, door.path) == ("cloudfront", cloudfront.prefix, "/_dash-layout")
    assert ORIGIN_SECRET not in json.dumps(event), "the app gets the event without it"


@pytest.mark.parametrize(
    "value", ["", "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:1:secret:x}}", "short"]
)
def test_an_unusable_secret_closes_the_origin(
    cloudfront: LocalCloudFront, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DASH_ORIGIN_SECRET", value)
    shown_that = dataclasses.replace(cloudfront, secret=value)

    assert get(shown_that, cloudfront.prefix, HTML).status == 403
    assert get(cloudfront, cloudfront.prefix, HTML).status == 403


def test_the_previous_secret_is_accepted_while_a_rotation_spreads(
    cloudfront: LocalCloudFront, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_edge = dataclasses.replace(cloudfront, secret="OldSecret" * 8)
    assert get(old_edge, cloudfront.prefix, HTML).status == 403

    monkeypatch.setenv("DASH_ORIGIN_SECRET_PREVIOUS", "OldSecret" * 8)
    assert get(old_edge, cloudfront.prefix, HTML).status == 200
    assert get(cloudfront, cloudfront.prefix, HTML).status == 200


def test_sam_local_has_no_cloudfront(cloudfront: LocalCloudFront, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sam local start-api` has no distribution: the door steps aside (doors.py serves at /)."""
    seen = recording(cloudfront)
    cloudfront.request("GET", cloudfront.prefix + "_dash-layout", [("Accept", "application/json")])
    without_secret = json.loads(json.dumps(seen[0]).replace(ORIGIN_SECRET, ""))
    with pytest.raises(UnservableEvent, match="CloudFront"):
        cdn.enter(without_secret, cloudfront.prefix)

    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    assert cdn.origin_secrets() is None
    assert cdn.enter(without_secret, cloudfront.prefix) is None


def test_the_app_sees_the_host_the_viewer_used_and_no_other(cloudfront: LocalCloudFront) -> None:
    """A CloudFront function copies the viewer's Host into X-Dash-Viewer-Host (API Gateway gets its
    own host name as Host), replacing what a viewer sent: the app sees the viewer's host (sign-in
    builds its callback URL from it), and a value that is no host name is ignored."""
    assert cloudfront.cdn.behaviours[-1].viewer_host
    seen = recording(cloudfront)
    forged = [("Accept", "application/json"), ("X-Dash-Viewer-Host", "evil.example.com")]
    cloudfront.request("GET", cloudfront.prefix + "_dash-layout", forged)
    (event,) = seen
    _, seen_by_app = cdn.enter(event, cloudfront.prefix)
    headers = {k.lower(): v for k, v in seen_by_app["headers"].items()}

    assert headers["host"] == cloudfront.host
    assert "x-dash-viewer-host" not in headers
    bad = {**event, "headers": {**event["headers"], "X-Dash-Viewer-Host": "evil.example/x"}}
    bad.pop("multiValueHeaders", None)
    headers = {k.lower(): v for k, v in cdn.enter(bad, cloudfront.prefix)[1]["headers"].items()}
    assert headers["host"] != "evil.example/x"


# --- template.yaml ------------------------------------------------------------------------------


def test_the_template_gives_the_function_the_secret_the_distribution_sends(config: StackConfig) -> None:
    environment = load_template()["Resources"]["DashFunction"]["Properties"]["Environment"]["Variables"]

    assert config.cdn is not None
    assert environment["DASH_ORIGIN_SECRET"] == config.cdn.origin_headers["X-Dash-Origin-Secret"]
    assert "{{resolve:secretsmanager:${DashOriginSecret}" in environment["DASH_ORIGIN_SECRET"]["Fn::Sub"]
    # The viewer prefix CloudFront tells is the prefix the app is built at.
    assert config.cdn.viewer_prefix == environment["DASH_PUBLIC_PREFIX"]


def test_the_distribution_caches_only_dashs_files_and_forwards_accept_encoding(config: StackConfig) -> None:
    cdn_config = config.cdn
    assert cdn_config is not None
    prefix = cdn_config.viewer_prefix.lstrip("/")
    cached = {b.path_pattern for b in cdn_config.behaviours if b.policy.max_ttl > 1}
    default = cdn_config.behaviours[-1]

    assert cached == {prefix + "_dash-component-suites/*", prefix + "assets/*"}
    assert all(b.redirect_to_https and b.compress for b in cdn_config.behaviours)
    assert all(
        not b.policy.cookies and b.policy.query_strings == ("m",)
        for b in cdn_config.behaviours
        if b.path_pattern in cached
    )
    assert default.path_pattern == "*" and default.forward_all_viewer_headers
    assert default.policy.accept_encoding and default.policy.default_ttl == 0 and default.policy.max_ttl <= 1
    assert cdn_config.origin_path == config.stage_prefix.rstrip("/")
    assert cdn_config.http_version == "http2and3"


def test_with_sign_in_the_distribution_tells_the_viewer_host_and_sends_cookies_uncached(config: StackConfig) -> None:
    resources = load_template()["Resources"]
    assert config.cdn is not None
    static = [b for b in config.cdn.behaviours if b.path_pattern != "*"]
    if "DashUserPoolClient" not in resources:
        assert "DashStaticOriginRequestPolicy" not in resources
        assert not any(b.forward_cookies for b in static)
        return
    assert config.cdn.behaviours[-1].viewer_host
    assert all(b.forward_cookies and not b.policy.cookies for b in static)
    callbacks = resources["DashUserPoolClient"]["Properties"]["CallbackURLs"]
    assert any("${DashDistribution.DomainName}" in str(url) for url in callbacks)
    assert not any("execute-api" in str(url) for url in callbacks), "the API's own URL answers 403 behind CloudFront"


def test_distribution_for_needs_a_distribution(config: StackConfig) -> None:
    with pytest.raises(ValueError, match="no CloudFront distribution"):
        distribution_for(dataclasses.replace(config, cdn=None), ORIGIN_SECRET, handler.lambda_handler)
