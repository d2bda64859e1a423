"""The CloudFront door (--cdn), replayed at every variant: through the distribution the dashboard
works under the viewer's prefix, with Dash's scripts and assets from the edge; a request that
bypasses it (the execute-api URL, a forged or missing secret) is refused.

Without --cdn the template has no distribution; the tests then put the one --cdn would add in
front of this API (tools/cloudfront.py), so the door's code is proven at every variant too.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from conftest import ORIGIN_SECRET
from page_load import BROWSER_ACCEPT_ENCODING, decoded_body, get, load_page, parse_page

import handler
from tools.apigateway import LocalGateway
from tools.cloudfront import LocalCloudFront
from tools.stack_config import StackConfig, load_template

HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
# A second visitor's page load reaches the function only for these (DESIGN.md section 6: <= 5).
DYNAMIC = re.compile(r"^/(?:[A-Za-z0-9._-]+/)?(_dash-layout|_dash-dependencies|_dash-update-component)?$")


def with_prefix(cloudfront: LocalCloudFront, prefix: str) -> LocalCloudFront:
    """The same distribution serving the dashboard under a base path (--domain --base-path --cdn)."""
    headers = {**cloudfront.cdn.origin_headers, "X-Dash-Viewer-Prefix": prefix}
    old, new = cloudfront.prefix.lstrip("/"), prefix.lstrip("/")
    behaviours = tuple(
        b if b.path_pattern == "*" else dataclasses.replace(b, path_pattern=new + b.path_pattern[len(old) :])
        for b in cloudfront.cdn.behaviours
    )
    cdn = dataclasses.replace(cloudfront.cdn, origin_headers=headers, behaviours=behaviours)
    return dataclasses.replace(cloudfront, cdn=cdn, origin_requests=[], _cache={})


def test_the_page_has_the_viewers_prefix_and_never_the_stage(cloudfront: LocalCloudFront, config: StackConfig) -> None:
    response = get(cloudfront, cloudfront.prefix, HTML, BROWSER_ACCEPT_ENCODING)
    html = decoded_body(response)
    page = parse_page(html)

    assert response.status == 200
    assert page.config["requests_pathname_prefix"] == cloudfront.prefix
    assert all(src.startswith(cloudfront.prefix) for src in page.scripts + page.stylesheets + page.icons)
    if config.stage_prefix != "/" and cloudfront.prefix != config.stage_prefix:
        assert config.stage_prefix.encode() not in html


def test_a_base_path_is_served_under_cloudfront(cloudfront: LocalCloudFront) -> None:
    under = with_prefix(cloudfront, "/reports/")
    responses = load_page(under, BROWSER_ACCEPT_ENCODING)

    assert {url: r.status for url, r in responses.items() if r.status != 200} == {}
    assert parse_page(decoded_body(responses["/reports/"])).config["requests_pathname_prefix"] == "/reports/"
    assert get(under, "/elsewhere/", HTML).status == 404


def test_the_whole_page_loads_through_the_distribution(cloudfront: LocalCloudFront) -> None:
    responses = load_page(cloudfront, BROWSER_ACCEPT_ENCODING)

    assert {url: r.status for url, r in responses.items() if r.status != 200} == {}
    plotly = next(r for url, r in responses.items() if url.endswith("plotly.min.js"))
    assert plotly.header("Content-Encoding") in ("br", "gzip", "zstd")
    assert b"plotly" in decoded_body(plotly)[:2000].lower()


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
    cloudfront: LocalCloudFront, config: StackConfig
) -> None:
    script = next(src for src in load_page_scripts(cloudfront) if "_dash-component-suites" in src)
    get_with_cookie = lambda url, cookie: cloudfront.request("GET", url, [("Accept", "*/*"), ("Cookie", cookie)])  # noqa: E731
    get_with_cookie(script, "session=alice")
    cloudfront.origin_requests.clear()

    assert get_with_cookie(script, "session=bob").header("X-Cache") == "Hit from cloudfront"
    assert cloudfront.origin_requests == []

    seen: list[dict] = []

    def recording(event: dict, context: object) -> dict:
        seen.append(event)
        return handler.lambda_handler(event, context)

    cloudfront.origin.lambda_handler = recording
    get_with_cookie(cloudfront.prefix + "_dash-layout", "session=bob")
    get_with_cookie(cloudfront.prefix + "_dash-layout", "session=bob")
    assert len(seen) == 2, "the uncached behaviour must reach the function every time"
    cookies = (
        seen[0].get("cookies")
        or seen[0]["multiValueHeaders"].get("Cookie")
        or seen[0]["multiValueHeaders"].get("cookie")
    )
    assert "session=bob" in "; ".join(cookies)


def load_page_scripts(cloudfront: LocalCloudFront) -> list[str]:
    return parse_page(decoded_body(get(cloudfront, cloudfront.prefix, HTML, BROWSER_ACCEPT_ENCODING))).scripts


def test_plain_http_is_redirected_to_https(cloudfront: LocalCloudFront) -> None:
    cloudfront.origin_requests.clear()
    response = cloudfront.request("GET", cloudfront.prefix + "_dash-layout?x=1", [("Accept", "*/*")], scheme="http")

    assert response.status == 301
    assert response.header("Location") == f"https://{cloudfront.host}{cloudfront.prefix}_dash-layout?x=1"
    assert cloudfront.origin_requests == []


@pytest.mark.parametrize("door", ["execute-api", "custom-domain"])
def test_requests_that_bypass_the_distribution_are_refused(
    cloudfront: LocalCloudFront, gateway: LocalGateway, domain_gateway: LocalGateway, door: str
) -> None:
    bypass = gateway if door == "execute-api" else domain_gateway
    for path in ("", "_dash-layout", "assets/favicon.ico", "_dash-component-suites/dash/deps/polyfill@7.12.1.min.js"):
        response = get(bypass, bypass.prefix + path, HTML)
        assert response.status == 403, path
        assert b"CloudFront" in response.body

    forged = [("Accept", HTML), ("X-Dash-Viewer-Prefix", "/"), ("X-Dash-Origin-Secret", ORIGIN_SECRET[:-1] + "x")]
    assert bypass.request("GET", bypass.prefix, forged).status == 403
    assert bypass.request("GET", bypass.prefix, [("Accept", HTML), ("X-Dash-Origin-Secret", "")]).status == 403


def test_a_viewer_cannot_forge_the_door_headers(cloudfront: LocalCloudFront) -> None:
    """CloudFront replaces a viewer's header of the same name with the origin's own."""
    forged = [("Accept", HTML), ("X-Dash-Viewer-Prefix", "/evil/"), ("X-Dash-Origin-Secret", "guess")]
    response = cloudfront.request("GET", cloudfront.prefix, forged)

    assert response.status == 200
    assert parse_page(decoded_body(response)).config["requests_pathname_prefix"] == cloudfront.prefix


def test_the_function_never_sees_the_secret(cloudfront: LocalCloudFront) -> None:
    seen: list[dict] = []
    wrapped = cloudfront.origin.lambda_handler
    cloudfront.origin.lambda_handler = lambda event, context: seen.append(event) or wrapped(event, context)
    response = cloudfront.request("GET", cloudfront.prefix + "_dash-layout", [("Accept", "application/json")])

    assert response.status == 200
    assert ORIGIN_SECRET in json.dumps(seen[0]), "CloudFront sends it to API Gateway"
    assert ORIGIN_SECRET.encode() not in decoded_body(response)
    from adapter import cdn

    _, event = cdn.enter(seen[0])
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


def test_sam_local_has_no_cloudfront_and_serves_the_execute_api_door(
    cloudfront: LocalCloudFront, gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    response = get(gateway, gateway.prefix, HTML)

    assert response.status == 200
    assert parse_page(decoded_body(response)).config["requests_pathname_prefix"] == gateway.prefix


def test_without_a_distribution_the_prefix_header_means_nothing(
    gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DASH_ORIGIN_SECRET", raising=False)
    forged = [("Accept", HTML), ("X-Dash-Viewer-Prefix", "/evil/"), ("X-Dash-Origin-Secret", "anything")]
    response = gateway.request("GET", gateway.prefix, forged)

    assert response.status == 200
    assert parse_page(decoded_body(response)).config["requests_pathname_prefix"] == gateway.prefix


# --- template.yaml ------------------------------------------------------------------------------


def test_the_template_gives_the_function_the_secret_the_distribution_sends(config: StackConfig) -> None:
    environment = (load_template()["Resources"]["DashFunction"]["Properties"].get("Environment") or {}).get(
        "Variables"
    ) or {}
    if config.cdn is None:
        assert "DASH_ORIGIN_SECRET" not in environment
        return
    assert environment["DASH_ORIGIN_SECRET"] == config.cdn.origin_headers["X-Dash-Origin-Secret"]
    assert "{{resolve:secretsmanager:${DashOriginSecret}" in environment["DASH_ORIGIN_SECRET"]["Fn::Sub"]


def test_the_distribution_caches_only_dashs_files_and_forwards_accept_encoding(config: StackConfig) -> None:
    resources = load_template()["Resources"].values()
    if config.cdn is None:  # no --cdn: nothing of CloudFront's is deployed
        assert not [
            r["Type"] for r in resources if r["Type"].startswith(("AWS::CloudFront::", "AWS::SecretsManager::"))
        ]
        return
    cdn = config.cdn
    prefix = cdn.viewer_prefix.lstrip("/")
    cached = {b.path_pattern for b in cdn.behaviours if b.policy.max_ttl > 1}
    default = cdn.behaviours[-1]

    assert cached == {prefix + "_dash-component-suites/*", prefix + "assets/*"}
    assert all(b.redirect_to_https and b.compress for b in cdn.behaviours)
    assert all(
        not b.policy.cookies and b.policy.query_strings == ("m",) for b in cdn.behaviours if b.path_pattern in cached
    )
    assert default.path_pattern == "*" and default.forward_all_viewer_headers
    assert default.policy.accept_encoding and default.policy.default_ttl == 0 and default.policy.max_ttl <= 1
    assert cdn.origin_path == config.stage_prefix.rstrip("/")
    assert cdn.http_version == "http2and3"


def test_the_app_sees_the_host_the_viewer_used_and_no_other(cloudfront: LocalCloudFront) -> None:
    """A CloudFront function copies the viewer's Host into X-Dash-Viewer-Host (API Gateway gets its
    own host name as Host), replacing what a viewer sent: the app sees the viewer's host (sign-in
    builds its callback URL from it), and a value that is no host name is ignored."""
    from adapter import cdn

    seen: list[dict] = []
    wrapped = cloudfront.origin.lambda_handler
    cloudfront.origin.lambda_handler = lambda event, context: seen.append(event) or wrapped(event, context)
    forged = [("Accept", "application/json"), ("X-Dash-Viewer-Host", "evil.example.com")]
    cloudfront.request("GET", cloudfront.prefix + "_dash-layout", forged)
    (event,) = seen
    _, seen_by_app = cdn.enter(event)
    headers = {k.lower(): v for k, v in seen_by_app["headers"].items()}

    assert headers["host"] == cloudfront.host
    assert "x-dash-viewer-host" not in headers
    bad = {**event, "headers": {**event["headers"], "X-Dash-Viewer-Host": "evil.example/x"}}
    bad.pop("multiValueHeaders", None)
    headers = {k.lower(): v for k, v in cdn.enter(bad)[1]["headers"].items()}
    assert headers["host"] != "evil.example/x"


def test_with_sign_in_the_distribution_tells_the_viewer_host_and_sends_cookies_uncached(config: StackConfig) -> None:
    resources = load_template()["Resources"]
    if config.cdn is None or "DashUserPoolClient" not in resources:
        assert "DashStaticOriginRequestPolicy" not in resources
        return
    assert config.cdn.behaviours[-1].viewer_host
    static = [b for b in config.cdn.behaviours if b.path_pattern != "*"]
    assert all(b.forward_cookies and not b.policy.cookies for b in static)
    callbacks = resources["DashUserPoolClient"]["Properties"]["CallbackURLs"]
    assert any("${DashDistribution.DomainName}" in str(url) for url in callbacks)
    assert not any("execute-api" in str(url) for url in callbacks), "the API's own URL answers 403 behind CloudFront"
