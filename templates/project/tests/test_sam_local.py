"""`make sam-local`: a whole page load through SAM CLI's own `sam local start-api` emulation.

tools/sam_local.py runs the Flask service and route provider of the pinned aws-sam-cli on
template.yaml, with the function called in its own process (AWS_SAM_LOCAL=true and the rest of the
environment SAM resolves) instead of in a Docker container. SAM's emulation differs from API Gateway:
no stage and no base path in any path, a REST requestContext.path that is the route pattern
(`/{proxy+}`), and BinaryMediaTypes matched literally (`image/*` does not cover `image/x-icon`).
The platform serves the app at / there, and every response must reach the browser as the app sent
it: the page, scripts, stylesheets, the favicon as bytes, the layout and a callback. The tool runs
in a process of its own, serving the fixture app (the shell's DASH_APP wins, as under sam local).
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import CONFIG, FIXTURE_APP, GREET_CALLBACK, GREETING, app, subprocess_environment
from page_load import BROWSER_ACCEPT_ENCODING, decoded_body, parse_page
from test_serve import Background

from serverless_dash import responses
from tools.apigateway import GatewayResponse
from tools.sam_local import InProcessRuntime
from tools.stack_config import APP_VARIABLE

# The wildcard list users write; SAM local matches it literally, so it decodes none of the
# favicon's types (image/x-icon, image/vnd.microsoft.icon) by that rule.
WILDCARD_TYPES = ("image/*", "font/woff2", "application/octet-stream")
# Chromium's Accept headers.
PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
ICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
CSS_ACCEPT = "text/css,*/*;q=0.1"
SIGNS_IN = CONFIG.environment.get("DASH_AUTH", "none") != "none"


def sam_environment() -> dict[str, str]:
    """The fixture app's process environment without template.yaml's other variables: SAM lets the
    shell's value of a variable the template declares win, and the function gets the template's."""
    env = subprocess_environment()
    for name in CONFIG.environment:
        if name != APP_VARIABLE:
            env.pop(name, None)
    return env


def sam_local(env_vars: dict[str, Any] | None = None) -> Background:
    """`make sam-local` (tools/sam_local.py), with SAM's --env-vars, in the background."""
    args = []
    if env_vars is not None:
        path = _DIRECTORY / f"env-{len(list(_DIRECTORY.iterdir()))}.json"
        path.write_text(json.dumps(env_vars), encoding="utf-8")
        args += ["--env-vars", str(path)]
    return Background("tools.sam_local", *args, env=sam_environment())


_DIRECTORY = Path(tempfile.mkdtemp(prefix="test-sam-local-"))  # --env-vars files
atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)


# SAM CLI's rule for decoding a base64 body, for every case of the parametrised test below, worked
# out in a process of its own: SAM CLI's local modules take seconds to import.
SAM_RULE = """
import json, sys
from samcli.local.apigw.local_apigw_service import LocalApigwService
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
answers = []
for accept, content_type, binary_types in json.load(sys.stdin):
    request = EnvironBuilder(headers={"Accept": accept} if accept else {}).get_request()
    answers.append(bool(LocalApigwService._should_base64_decode_body(
        binary_types, request, Headers({"Content-Type": content_type}), True)))
print(json.dumps(answers))
"""
ACCEPTS = [PAGE_ACCEPT, ICON_ACCEPT, CSS_ACCEPT, "*/*", "application/json", None]
CONTENT_TYPES = ["image/vnd.microsoft.icon", "text/html; charset=utf-8", "font/woff2"]
BINARY_TYPE_LISTS = [["*/*"], list(WILDCARD_TYPES), ["image/vnd.microsoft.icon"], ["image/png"]]
RULE_CASES = [(a, c, b) for a in ACCEPTS for c in CONTENT_TYPES for b in BINARY_TYPE_LISTS]


class SamRule:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SAM_RULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(RULE_CASES))
        self.process.stdin.close()
        self._answers: list[bool] | None = None

    def decodes(self, case: tuple[Any, ...]) -> bool:
        if self._answers is None:
            assert self.process.stdout is not None
            self._answers = json.loads(self.process.stdout.read())
            assert self.process.wait(timeout=60) == 0
        return self._answers[RULE_CASES.index(case)]


# With sign-in, the stack's user pool does not exist locally: turned off the way
# `sam local start-api --env-vars` would (test_sign_in_fails_closed_under_sam_local covers it on).
_NO_SIGN_IN = {"DashFunction": {"DASH_AUTH": "none"}} if SIGNS_IN else None
SERVERS = {"template": sam_local(_NO_SIGN_IN)}
if SIGNS_IN:
    SERVERS["sign-in"] = sam_local()
SAM_DECODES = SamRule()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Background]]:
    yield SERVERS
    for server in SERVERS.values():
        server.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to look at, not to follow (sign-in's points at the user pool)."""

    def redirect_request(self, *args: Any) -> None:
        return None


def get(url: str, accept: str, data: bytes | None = None) -> GatewayResponse:
    headers = {"Accept": accept, "Accept-Encoding": BROWSER_ACCEPT_ENCODING}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return GatewayResponse(response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return GatewayResponse(error.code, list(error.headers.items()), error.read())


def own_answer(path: str) -> bytes:
    """What the fixture app itself answers (no API Gateway, no compression)."""
    return app.server.test_client().get(path).data


def test_a_page_load_through_sam_local_start_api(servers: dict[str, Background]) -> None:
    """Under SAM's emulation, at /: the page, its scripts and stylesheets as the app sent them, the
    favicon as bytes, the layout and a callback. (BinaryMediaTypes SAM matches literally, such as
    image/*: test_the_handler_knows_when_sam_local_decodes, and this test in a project generated
    with them.)"""
    url = servers["template"].url
    assert urlsplit(url).path == "/"
    origin = url.rstrip("/")

    page = get(url, PAGE_ACCEPT)
    assert page.status == 200
    parsed = parse_page(decoded_body(page))
    assert parsed.config["requests_pathname_prefix"] == "/"  # no stage, no base path under sam local

    files = [(u, "*/*") for u in parsed.scripts] + [(u, CSS_ACCEPT) for u in parsed.stylesheets]
    files += [("/_dash-dependencies", "application/json")]
    for path, accept in files:
        response = get(origin + path, accept)
        assert response.status == 200, path
        assert decoded_body(response) == own_answer(path), f"{path}: {response.header('Content-Encoding')}"

    layout = get(origin + "/_dash-layout", "application/json")
    assert layout.status == 200
    assert json.loads(decoded_body(layout))["props"]  # its links are at /, the app's here at its prefix

    (icon_url,) = parsed.icons
    icon = get(origin + icon_url, ICON_ACCEPT)
    assert icon.status == 200
    assert decoded_body(icon) == (FIXTURE_APP / "assets" / "favicon.ico").read_bytes()  # bytes, not base64
    assert icon.header("Content-Type") in {"image/x-icon", "image/vnd.microsoft.icon", *CONFIG.binary_media_types}

    answer = get(origin + "/_dash-update-component", "application/json", json.dumps(GREET_CALLBACK).encode())
    assert answer.status == 200
    assert json.loads(decoded_body(answer))["response"]["greeting"]["children"] == GREETING


class Streams:
    def __init__(self) -> None:
        self.written = ""

    def write_str(self, text: str) -> None:
        self.written += text


def test_the_in_process_runtime_gives_the_function_its_environment_during_the_call_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What SAM resolved (AWS_SAM_LOCAL=true among it) is set while the handler runs, and not after;
    the handler is imported from the function's CodeUri, and its answer written back as JSON."""
    (tmp_path / "spy_function.py").write_text(
        "import os\n\ndef handler(event, context):\n"
        "    return {'event': event, 'sam_local': os.environ.get('AWS_SAM_LOCAL'),"
        " 'prefix': os.environ.get('DASH_PUBLIC_PREFIX'), 'request_id': bool(context.aws_request_id)}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    before = os.environ.get("DASH_PUBLIC_PREFIX")
    resolved = {"AWS_SAM_LOCAL": "true", "DASH_PUBLIC_PREFIX": "/"}
    function = SimpleNamespace(
        env_vars=SimpleNamespace(resolve=lambda: resolved),
        code_abs_path=str(tmp_path),
        handler="spy_function.handler",
        name="DashFunction",
        memory=1024,
    )
    runtime, stdout = InProcessRuntime(), Streams()

    runtime.invoke(function, json.dumps({"path": "/"}), stdout=stdout, stderr=Streams())

    assert json.loads(stdout.written) == {
        "event": {"path": "/"},
        "sam_local": "true",
        "prefix": "/",
        "request_id": True,
    }
    assert runtime.invocations == 1
    assert os.environ.get("AWS_SAM_LOCAL") is None
    assert os.environ.get("DASH_PUBLIC_PREFIX") == before


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("binary_types", BINARY_TYPE_LISTS)
def test_the_handler_knows_when_sam_local_decodes(accept, content_type, binary_types) -> None:
    """responses.sam_local_decodes says what SAM CLI's own rule does, for the same request and answer."""
    sam_decodes = SAM_DECODES.decodes((accept, content_type, binary_types))

    assert responses.sam_local_decodes(accept, content_type, binary_types) is sam_decodes


if SIGNS_IN and importlib.util.find_spec("serverless_dash.auth"):  # only a project with sign-in has it

    def test_sign_in_fails_closed_under_sam_local(servers: dict[str, Background]) -> None:
        """As template.yaml has it: a page is sent to the user pool's login and the rest is refused,
        since no session can be had locally."""
        url = servers["sign-in"].url
        page = get(url, PAGE_ACCEPT)
        layout = get(url + "_dash-layout", "application/json")

        assert page.status == 302
        assert "/oauth2/authorize?" in (page.header("Location") or "")
        assert layout.status == 401
