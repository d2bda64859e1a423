"""`sam local start-api`: a whole page load through SAM CLI's own API Gateway emulation.

tools/sam_local.py runs the Flask service and route provider of the pinned aws-sam-cli on
template.yaml, with the function called in this process (AWS_SAM_LOCAL=true and the rest of the
environment SAM resolves) instead of in a Docker container. SAM's emulation differs from API Gateway:
no stage and no base path in any path, a REST requestContext.path that is the route pattern
(`/{proxy+}`), and BinaryMediaTypes matched literally (`image/*` does not cover `image/x-icon`).
Every response must still reach the browser as the app sent it: the page, scripts, stylesheets,
the favicon as bytes, the layout and the callbacks.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from page_load import ASYNC_SCRIPTS, BROWSER_ACCEPT_ENCODING, decoded_body, initial_callbacks, parse_page
from samcli.local.apigw.local_apigw_service import LocalApigwService
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder

import handler
from adapter import apps, responses
from dashboard import ASSETS_DIR
from tools.apigateway import GatewayResponse
from tools.sam_local import local_api
from tools.stack_config import PROJECT_DIR, StackConfig, load_template, stack_config

# The wildcard list users write; SAM local matches it literally, so it decodes none of the
# favicon's types (image/x-icon, image/vnd.microsoft.icon) by that rule.
WILDCARD_TYPES = ("image/*", "font/woff2", "application/octet-stream")
# Chromium's Accept headers.
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
CSS_ACCEPT = "text/css,*/*;q=0.1"


def binary_type_cases(config: StackConfig) -> list[tuple[str, ...] | None]:
    """template.yaml as it is (None) and, for a REST API, the wildcard list and */* as well."""
    if config.api != "rest":
        return [None]
    return [None, *(types for types in (WILDCARD_TYPES, ("*/*",)) if types != config.binary_media_types)]


@pytest.fixture(params=binary_type_cases(stack_config()), ids=lambda types: ",".join(types) if types else "template")
def sam_local(request: pytest.FixtureRequest, tmp_path: Path, config: StackConfig, monkeypatch: pytest.MonkeyPatch):
    """A Flask test client of SAM's local API Gateway for template.yaml (or a copy of it with other
    BinaryMediaTypes), and the in-process runtime it invokes."""
    template = PROJECT_DIR / "template.yaml"
    types = request.param
    if types is not None:
        document = load_template()
        resources = document["Resources"]
        resources["DashApi"]["Properties"]["BinaryMediaTypes"] = [t.replace("/", "~1") for t in types]
        function = resources["DashFunction"]["Properties"]
        function["Environment"]["Variables"]["DASH_BINARY_MEDIA_TYPES"] = ",".join(types)
        function["CodeUri"] = str(PROJECT_DIR / "src")
        template = tmp_path / "template.json"  # JSON is YAML too; SAM reads either
        template.write_text(json.dumps(document), encoding="utf-8")
    # SAM lets the shell's value of a declared variable win; the test's own environment must not.
    for name in config.environment:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())  # apps built under this environment
    # With sign-in on, the stack's user pool does not exist locally: turned off the way
    # `sam local start-api --env-vars` would (test_sign_in_fails_closed_under_sam_local covers it on).
    service = local_api(template, env_vars={"DashFunction": {"DASH_AUTH": "none"}} if signs_in(config) else None)
    return service._app.test_client(), service.lambda_runner.local_runtime, types or config.binary_media_types


def signs_in(config: StackConfig) -> bool:
    return config.environment.get("DASH_AUTH", "none") != "none"


def app_answer(path: str, method: str = "GET", body: dict | None = None) -> bytes:
    """What the Dash app itself answers (no API Gateway, no compression)."""
    client = apps.app_for("/").server.test_client()
    if method == "POST":
        return client.post(path, json=body).data
    return client.get(path).data


def decoded(response) -> bytes:
    """The body as the browser reads it (gzip, br, zstd decoded)."""
    return decoded_body(GatewayResponse(response.status_code, list(response.headers.items()), response.data))


def test_a_page_load_through_sam_local_start_api(sam_local) -> None:
    client, runtime, binary_types = sam_local
    headers = {"Accept-Encoding": BROWSER_ACCEPT_ENCODING}

    page = client.get("/", headers={**headers, "Accept": PAGE_ACCEPT})
    assert page.status_code == 200
    parsed = parse_page(decoded(page))
    assert parsed.config["requests_pathname_prefix"] == "/"  # no stage, no base path under sam local
    own = parse_page(app_answer("/"))  # the page differs per request in a token (end_id) only
    assert (parsed.scripts, parsed.stylesheets, parsed.icons) == (own.scripts, own.stylesheets, own.icons)

    gets = [(url, "*/*") for url in parsed.scripts + ["/" + s for s in ASYNC_SCRIPTS]]
    gets += [(url, CSS_ACCEPT) for url in parsed.stylesheets]
    gets += [("/_dash-layout", "application/json"), ("/_dash-dependencies", "application/json")]
    for url, accept in gets:
        response = client.get(url, headers={**headers, "Accept": accept})
        assert response.status_code == 200, url
        assert decoded(response) == app_answer(url), f"{url}: {response.headers.get('Content-Encoding')}"

    (icon_url,) = parsed.icons
    icon = client.get(icon_url, headers={**headers, "Accept": ICON_ACCEPT})
    assert icon.status_code == 200
    assert decoded(icon) == (ASSETS_DIR / "favicon.ico").read_bytes()  # bytes, not base64 text
    assert icon.headers["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon", *binary_types}

    layout = json.loads(app_answer("/_dash-layout"))
    dependencies = json.loads(app_answer("/_dash-dependencies"))
    for body in initial_callbacks(layout, dependencies):
        answer = client.post("/_dash-update-component", json=body, headers={**headers, "Accept": "application/json"})
        assert answer.status_code == 200, body["output"]
        assert json.loads(decoded(answer)) == json.loads(app_answer("/_dash-update-component", "POST", body))
    assert runtime.invocations == 1 + len(gets) + 1 + len(initial_callbacks(layout, dependencies))


def test_sam_local_runs_the_function_with_the_environment_sam_resolves(
    sam_local, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_SAM_LOCAL=true and template.yaml's variables during the call, and not after it."""
    client, _, _ = sam_local
    seen: dict[str, str | None] = {}
    real_handler = handler.lambda_handler

    def spy(event, context):
        seen.update(sam_local=os.environ.get("AWS_SAM_LOCAL"), domain=os.environ.get("DASH_CUSTOM_DOMAIN"))
        return real_handler(event, context)

    monkeypatch.setattr(handler, "lambda_handler", spy)
    assert client.get("/_dash-layout", headers={"Accept": "application/json"}).status_code == 200

    assert seen == {"sam_local": "true", "domain": stack_config().domain}
    assert os.environ.get("AWS_SAM_LOCAL") is None


@pytest.mark.parametrize("accept", [PAGE_ACCEPT, ICON_ACCEPT, CSS_ACCEPT, "*/*", "application/json", None])
@pytest.mark.parametrize("content_type", ["image/vnd.microsoft.icon", "text/html; charset=utf-8", "font/woff2"])
@pytest.mark.parametrize("binary_types", [["*/*"], list(WILDCARD_TYPES), ["image/vnd.microsoft.icon"], ["image/png"]])
def test_the_handler_knows_when_sam_local_decodes(accept, content_type, binary_types) -> None:
    """responses.sam_local_decodes says what SAM CLI's own rule does, for the same request and answer."""
    request = EnvironBuilder(headers={"Accept": accept} if accept else {}).get_request()
    sam_decodes = LocalApigwService._should_base64_decode_body(
        binary_types, request, Headers({"Content-Type": content_type}), True
    )

    assert responses.sam_local_decodes(accept, content_type, binary_types) is bool(sam_decodes)


def test_sign_in_fails_closed_under_sam_local(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """As template.yaml has it: with sign-in, a page is sent to the user pool's login and the rest is
    refused, since no session can be had locally; without, the dashboard answers."""
    for name in config.environment:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())
    client = local_api()._app.test_client()

    page = client.get("/", headers={"Accept": PAGE_ACCEPT})
    layout = client.get("/_dash-layout", headers={"Accept": "application/json"})

    if signs_in(config):
        assert page.status_code == 302
        assert "/oauth2/authorize?" in page.headers["Location"]
        assert layout.status_code == 401
    else:
        assert (page.status_code, layout.status_code) == (200, 200)
