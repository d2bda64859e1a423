from __future__ import annotations

import dataclasses
import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import handler
from tools.apigateway import LocalGateway
from tools.cloudfront import LocalCloudFront, distribution_for
from tools.stack_config import StackConfig, stack_config

if TYPE_CHECKING:
    from tools.local_aws import LocalAws

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def config() -> StackConfig:
    """The API as template.yaml defines it: stage, binary media types, domain."""
    return stack_config()


@pytest.fixture(autouse=True)
def function_environment(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment variables template.yaml gives the function, as Lambda would set them."""
    env = config.string_environment()
    # The dashboard's tests run with sign-in off (a stack with --auth cognito sets DASH_AUTH):
    # tests/test_auth.py turns it on, against a local OpenID Connect provider.
    env.pop("DASH_AUTH", None)
    monkeypatch.delenv("DASH_AUTH", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def gateway(config: StackConfig) -> LocalGateway:
    """API Gateway's own URL: https://<id>.execute-api.<region>.amazonaws.com/<stage>/"""
    return LocalGateway(config, handler.lambda_handler)


@pytest.fixture
def domain_gateway(config: StackConfig) -> LocalGateway:
    """The custom-domain URL: https://<domain>/ or https://<domain>/<base path>/ (a REST or HTTP
    API gets both shapes, whether or not this template has a domain)."""
    return LocalGateway(config, handler.lambda_handler, custom_domain=True)


@pytest.fixture
def binary_gateway(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> LocalGateway:
    """The execute-api URL of this API with BinaryMediaTypes */* (the default), under which API
    Gateway decodes every base64 body and the handler may compress every response."""
    monkeypatch.setenv("DASH_BINARY_MEDIA_TYPES", "*/*")
    return LocalGateway(dataclasses.replace(config, binary_media_types=("*/*",)), handler.lambda_handler)


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


# What Secrets Manager generates for the stack (64 letters and digits), as a test stand-in.
ORIGIN_SECRET = "TestOriginSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"  # noqa: S105 - a test value


@pytest.fixture
def cloudfront(config: StackConfig, monkeypatch: pytest.MonkeyPatch) -> LocalCloudFront:
    """The CloudFront distribution in front of this API, as deployed: the function knows the
    origin secret (DASH_ORIGIN_SECRET, resolved from Secrets Manager) and CloudFront sends it.
    Without --cdn, the distribution --cdn would add."""
    monkeypatch.setenv("DASH_ORIGIN_SECRET", ORIGIN_SECRET)
    monkeypatch.setenv("DASH_ORIGIN_SECRET_PREVIOUS", "")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    return distribution_for(config, ORIGIN_SECRET)


@pytest.fixture(scope="session")
def aws() -> Iterator[LocalAws]:
    """A real DynamoDB-compatible server for background callbacks: moto's server mode, a process
    of its own on a free port of 127.0.0.1, with the job table created as template.yaml has it."""
    from tools import local_aws  # only in a project with background callbacks

    server = local_aws.start()
    try:
        local_aws.create_table(server.endpoint)
        yield server
    finally:
        server.stop()


@pytest.fixture
def jobs_environment(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The function's environment for background callbacks, pointed at the local server (the
    store) and a local worker (jobs run in a thread of this process)."""
    env = aws.environment()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("DASH_JOBS_SECRET_ARN", "DASH_JOBS_WORKER_TIMEOUT", "DASH_JOBS_MAX_EVENT_AGE"):
        monkeypatch.delenv(name, raising=False)
    return env
