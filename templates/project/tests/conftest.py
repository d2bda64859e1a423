"""The platform tests' shared setup: one function, as Lambda runs it, for the whole session.

Before anything imports the platform, the process gets the environment template.yaml gives the
function (tools/stack_config.py: DASH_PUBLIC_PREFIX and the rest), with DASH_APP naming the platform
tests' own app (tests/fixture_app/, never the example in src/). The platform then imports that app
once, at the stack's public prefix, exactly as a Lambda container does: Dash keeps one page registry
and one set of global callbacks per process, so every test in this process shares that one app and
goes through the stack's one public door. The user's app is tested in a process of its own
(tests/test_app.py).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import mimetypes
import os
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Response

from tools.apigateway import GatewayResponse, LocalGateway
from tools.stack_config import APP_VARIABLE, HANDLER_MODULE, StackConfig, stack_config

if TYPE_CHECKING:
    from tools.local_aws import LocalAws

TESTS = Path(__file__).resolve().parent
EVENTS = TESTS / "events"
FIXTURE_APP = TESTS / "fixture_app"
# The fixture app, importable with tests/ on sys.path (as here, and in a subprocess's PYTHONPATH).
FIXTURE_APP_SPEC = "fixture_app.app:app"
# Variables of the stack's environment a test run never takes from template.yaml: sign-in is off
# (tests/test_auth.py turns it on against a local provider), and the app is the fixture app.
NOT_FROM_TEMPLATE = ("DASH_AUTH",)

CONFIG = stack_config()

# Background callbacks (a project generated with them): moto's DynamoDB server, one for the session,
# started while the platform imports the app (the manager's table and worker are named now; the
# server's address is needed from the first request on, when the signing secret is read from the
# table); jobs run in threads of the process that starts them.
JOBS_ENVIRONMENT: dict[str, str] = {}
_jobs_server: Future[dict[str, str]] | None = None
# The session starts processes from threads while others import (moto's server here, the tools'
# servers at collection). With vfork, which CPython uses by default, a child's exec can read memory
# another thread is changing: a CI run failed here with OSError: [Errno 14] Bad address. The
# subprocess module documents this switch for that case.
subprocess._USE_VFORK = False  # type: ignore[attr-defined]
if importlib.util.find_spec("tools.local_aws"):
    _local_aws = importlib.import_module("tools.local_aws")
    JOBS_ENVIRONMENT.update({"DASH_JOBS_TABLE": _local_aws.TABLE, "DASH_JOBS_WORKER": "thread"})
    _jobs_server = ThreadPoolExecutor(1).submit(_local_aws.for_this_process)


# What Secrets Manager generates for a stack with CloudFront (64 letters and digits), as a test
# stand-in: the value of the function's DASH_ORIGIN_SECRET, which CloudFront sends as a header.
ORIGIN_SECRET = "TestOriginSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"  # noqa: S105 - a test value
ORIGIN_SECRET_VARIABLE = "DASH_ORIGIN_SECRET"  # noqa: S105 - a variable name


def fixture_app_environment(config: StackConfig = CONFIG) -> dict[str, str]:
    """The variables template.yaml gives the function, as Lambda sets them, for the fixture app
    (with CloudFront, the origin secret as resolved on deploy)."""
    env = {k: v for k, v in config.string_environment().items() if k not in NOT_FROM_TEMPLATE}
    env[APP_VARIABLE] = FIXTURE_APP_SPEC
    env.update(JOBS_ENVIRONMENT)
    if config.cdn is not None:
        env[ORIGIN_SECRET_VARIABLE] = ORIGIN_SECRET
        env[f"{ORIGIN_SECRET_VARIABLE}_PREVIOUS"] = ""
    return env


def origin_headers(config: StackConfig = CONFIG) -> list[tuple[str, str]]:
    """What CloudFront adds to every request it sends the API (template.yaml's origin custom headers:
    the secret, the viewer's prefix); none without CloudFront."""
    if config.cdn is None:
        return []
    return [
        (name, ORIGIN_SECRET if "{{resolve:" in str(value) else str(value))
        for name, value in config.cdn.origin_headers.items()
    ]


def subprocess_environment(**changes: str) -> dict[str, str]:
    """The environment of a child Python that imports the platform as this process did: the
    function's variables, src/, the project root and tests/ on its path, plus `changes`."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_FROM_TEMPLATE and k != "AWS_SAM_LOCAL"}
    env.update(fixture_app_environment())
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS.parent / "src"), str(TESTS.parent), str(TESTS)])
    env.update(changes)
    return env


# Once per session, before any test module imports the platform.
for _name in (*NOT_FROM_TEMPLATE, "AWS_SAM_LOCAL"):
    os.environ.pop(_name, None)
os.environ.update(fixture_app_environment())
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))
handler = importlib.import_module(HANDLER_MODULE)
if _jobs_server is not None:
    JOBS_ENVIRONMENT.update(_jobs_server.result())
    os.environ.update(JOBS_ENVIRONMENT)
app = handler.app

# Answers of known types and sizes, for the binary and size-limit tests: Flask routes on the app's
# server, as an app may add its own (added before the first request, as Flask requires).
SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)),
    "image/svg+xml": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "font/woff2": b"wOF2\x00\x01\x00\x00" + bytes(range(256)),
    "application/octet-stream": bytes(range(256)) * 4,
}
SAMPLE_ROUTE = "_platform-test/sample/"
OVERSIZE_ROUTE = "_platform-test/oversize"
OVERSIZE = 6_291_456  # characters of text: over Lambda's limit once in JSON


def _sample(kind: str, sub: str) -> Response:
    return Response(SAMPLES[f"{kind}/{sub}"], mimetype=f"{kind}/{sub}")


app.server.add_url_rule(f"/{SAMPLE_ROUTE}<kind>/<sub>", view_func=_sample)
app.server.add_url_rule(f"/{OVERSIZE_ROUTE}", view_func=lambda: "x" * OVERSIZE)


# The fixture app's greeting (tests/fixture_app/pages/chart.py), as the renderer posts it when the
# name is typed; the name "raise" makes the callback raise.
def greet_callback(name: str = "Lambda") -> dict:
    return {
        "output": "greeting.children",
        "outputs": {"id": "greeting", "property": "children"},
        "inputs": [{"id": "name", "property": "value", "value": name}],
        "state": [],
        "changedPropIds": ["name.value"],
    }


GREET_CALLBACK = greet_callback()
GREETING = "Hello, Lambda!"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def config() -> StackConfig:
    """The stack as template.yaml defines it: API, stage, binary media types, domain, prefix."""
    return CONFIG


@pytest.fixture(autouse=True)
def function_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Each test starts from the function's environment (a test's own changes are undone after it)."""
    env = fixture_app_environment()
    for name in (*NOT_FROM_TEMPLATE, "AWS_SAM_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


class CloudFrontOrigin:
    """The public door of a stack with CloudFront, as the function sees it: the requests the
    distribution sends the API's execute-api URL (its origin path in front, every viewer header
    forwarded, the secret and the viewer's prefix added), without the edge's cache and compression
    (tests/test_cdn.py tests those). Requests and prefixes are the viewer's, as with a LocalGateway."""

    def __init__(self, config: StackConfig, lambda_handler: Any, **options: Any) -> None:
        assert config.cdn is not None
        self.config = config
        self.origin = LocalGateway(config, lambda_handler, **options)
        self.prefix = config.cdn.viewer_prefix

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | dict[str, str] = (),
        body: bytes = b"",
        **options: Any,
    ) -> GatewayResponse:
        header_list = list(headers.items()) if isinstance(headers, dict) else list(headers)
        assert self.config.cdn is not None
        return self.origin.request(
            method, self.config.cdn.origin_path + target, [*header_list, *origin_headers(self.config)], body, **options
        )


def public_gateway(config: StackConfig, lambda_handler: Any = None, **options: Any) -> LocalGateway:
    """The stack's public door: CloudFront's requests when template.yaml has a distribution, else
    API Gateway at its custom domain (and base path) when it has one, else at the execute-api URL
    (/<stage>/, or / for $default)."""
    lambda_handler = lambda_handler or handler.lambda_handler
    if config.cdn is not None:
        return CloudFrontOrigin(config, lambda_handler, **options)  # type: ignore[return-value]
    return LocalGateway(config, lambda_handler, custom_domain=bool(config.domain), **options)


@pytest.fixture
def gateway(config: StackConfig) -> LocalGateway:
    """The stack's public door, through a local API Gateway."""
    door = public_gateway(config)
    assert door.prefix == config.public_prefix, (door.prefix, config.public_prefix)
    return door


@pytest.fixture
def binary_gateway(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> LocalGateway:
    """The public door of this API with BinaryMediaTypes */* (the default), under which API Gateway
    decodes every base64 body and the handler may compress every response."""
    monkeypatch.setenv("DASH_BINARY_MEDIA_TYPES", "*/*")
    return public_gateway(dataclasses.replace(config, binary_media_types=("*/*",)))


def refused(config: StackConfig) -> tuple[int, str]:
    """The short answer to a request through a door that is not the stack's public one: with
    CloudFront, to any request without its secret (403); else 404, naming the public URL."""
    if config.cdn is not None:
        return 403, "Forbidden: use the dashboard's CloudFront URL"
    where = f"https://{config.domain}{config.public_prefix}" if config.domain else config.public_prefix
    return 404, f"Not Found: this dashboard is served at {where}"


def refusal(config: StackConfig) -> str:
    """The body of that answer."""
    return refused(config)[1]


@pytest.fixture
def no_system_mime_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's built-in MIME table only, as on the Lambda runtime images (no /etc/mime.types),
    with .js as application/javascript: Python 3.11's built-in type, which apig-wsgi does not
    know as text."""
    for name in ("knownfiles", "_db", "inited", "types_map", "common_types", "suffix_map", "encodings_map"):
        monkeypatch.setattr(mimetypes, name, getattr(mimetypes, name))
    monkeypatch.setattr(mimetypes, "knownfiles", [])
    monkeypatch.setattr(mimetypes, "_db", None)
    mimetypes.init()
    mimetypes.add_type("application/javascript", ".js")


@pytest.fixture(scope="session")
def aws() -> LocalAws:
    """A real DynamoDB-compatible server for background callbacks: moto's server mode, a process
    of its own on a free port of 127.0.0.1, with the job table created as template.yaml has it."""
    from tools import local_aws  # only in a project with background callbacks

    local_aws.for_this_process()
    assert local_aws._this_process is not None
    return local_aws._this_process


@pytest.fixture
def jobs_environment(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The function's environment for background callbacks, pointed at the local server (the
    store) and a local worker (jobs run in a thread of this process)."""
    env = aws.environment()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("DASH_JOBS_SECRET", "DASH_JOBS_WORKER_TIMEOUT", "DASH_JOBS_MAX_EVENT_AGE"):
        monkeypatch.delenv(name, raising=False)
    return env
