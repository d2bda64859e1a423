"""serverless_dash.secrets against moto's server mode (a real HTTP endpoint speaking the SSM and
Secrets Manager APIs; boto3 is not patched): read once per container, kept, asked again when told,
and the IAM resource template.yaml grants matches the ARN AWS gives that secret and no other."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from serverless_dash import secrets
from tools.stack_config import load_template
from tools.stack_values import Stack

REGION = "us-east-1"


# moto's server in a process of its own, started when this module is collected: importing its SSM
# service takes a second, which it spends beside the tests that run before these. It prints its
# port once it listens; it stops when this module's tests are done, or when pytest ends and its
# standard input closes.
_SERVER = """
import sys
import moto.secretsmanager.models, moto.ssm.models
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""
_moto = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def aws_endpoint() -> Iterator[str]:
    assert _moto.stdout is not None and _moto.stdin is not None
    port = _moto.stdout.readline().strip()
    assert port.isdigit(), f"moto's server did not start (exit {_moto.poll()})"
    yield f"http://127.0.0.1:{port}"
    _moto.terminate()
    _moto.wait(timeout=10)


@pytest.fixture
def aws(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """boto3 everywhere in this test talks to the moto server, with throwaway credentials."""
    for name, value in {
        "AWS_ENDPOINT_URL": aws_endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    secrets.clear_cache()
    yield {"ssm": boto3.client("ssm"), "secretsmanager": boto3.client("secretsmanager")}
    secrets.clear_cache()


def use(monkeypatch: pytest.MonkeyPatch, name: str, store: str) -> None:
    monkeypatch.setenv(secrets.NAME_VARIABLE, name)
    monkeypatch.setenv(secrets.STORE_VARIABLE, store)


def test_an_ssm_securestring_is_read_once_and_kept(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    aws["ssm"].put_parameter(Name="/sales-dash/db-password", Value="first", Type="SecureString", Overwrite=True)
    use(monkeypatch, "/sales-dash/db-password", "ssm")

    assert secrets.app_secret() == "first"
    aws["ssm"].put_parameter(Name="/sales-dash/db-password", Value="rotated", Type="SecureString", Overwrite=True)
    assert secrets.app_secret() == "first", "the second call is answered from the container's cache"
    assert secrets.app_secret(refresh=True) == "rotated"


def test_the_cache_expires_after_its_max_age(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    aws["ssm"].put_parameter(Name="/sales-dash/token", Value="old", Type="SecureString", Overwrite=True)
    use(monkeypatch, "/sales-dash/token", "ssm")
    monkeypatch.setenv(secrets.MAX_AGE_VARIABLE, "0")

    assert secrets.app_secret() == "old"
    aws["ssm"].put_parameter(Name="/sales-dash/token", Value="new", Type="SecureString", Overwrite=True)
    assert secrets.app_secret() == "new"


def test_a_secrets_manager_secret(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    aws["secretsmanager"].create_secret(Name="sales-dash/api-key", SecretString="s3cr3t")
    use(monkeypatch, "sales-dash/api-key", "secretsmanager")

    assert secrets.app_secret() == "s3cr3t"


def test_no_secret_named_says_which_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.NAME_VARIABLE, raising=False)

    with pytest.raises(secrets.SecretNotConfigured, match="SecretName"):
        secrets.app_secret()


def test_an_ssm_name_without_a_leading_slash_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, "sales-dash/db-password", "ssm")

    with pytest.raises(ValueError, match="start with /"):
        secrets.app_secret()


def granted(**given: str) -> str:
    template = load_template()
    policy = Stack(template, given, Region=REGION).resolve(template["Resources"]["DashSecretReadPolicy"]["Properties"])
    return policy["PolicyDocument"]["Statement"][0]["Resource"]


def test_the_granted_resource_is_the_parameters_arn(aws: dict[str, Any]) -> None:
    aws["ssm"].put_parameter(Name="/sales-dash/granted", Value="v", Type="SecureString", Overwrite=True)
    arn = aws["ssm"].get_parameter(Name="/sales-dash/granted")["Parameter"]["ARN"]

    assert granted(SecretName="/sales-dash/granted") == arn


def test_the_granted_resource_matches_the_secrets_arn_and_no_other(aws: dict[str, Any]) -> None:
    client = aws["secretsmanager"]
    arns = {
        name: client.create_secret(Name=name, SecretString="v")["ARN"]
        for name in ("team/key", "team/key-old", "team/keys")
    }
    pattern = granted(SecretName="team/key", SecretStore="secretsmanager")

    assert [name for name, arn in arns.items() if fnmatch.fnmatchcase(arn, pattern)] == ["team/key"]
