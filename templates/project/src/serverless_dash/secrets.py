"""The app's secret (a database password, an API key), read once per container and kept.

template.yaml's parameters SecretName and SecretStore name it, an SSM SecureString parameter
(SecretStore=ssm, a name starting with /) or a Secrets Manager secret (SecretStore=secretsmanager);
the function may read exactly that one, and is told its name (DASH_SECRET_NAME, DASH_SECRET_STORE).

    from serverless_dash.secrets import app_secret

    password = app_secret()  # the first call in a container asks AWS; later calls do not

The value is kept for DASH_SECRET_MAX_AGE seconds (default 900), so a rotated secret reaches every
container within 15 minutes; `app_secret(refresh=True)` asks again at once (after the database
refused the old password, say). Call it where the value is needed, not at import: `make dev` and
the tests import the app without AWS. boto3 is the AWS SDK the Lambda runtime already has (no bytes
added to the function); outside Lambda it comes with the dev tools.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

NAME_VARIABLE = "DASH_SECRET_NAME"
STORE_VARIABLE = "DASH_SECRET_STORE"
MAX_AGE_VARIABLE = "DASH_SECRET_MAX_AGE"
DEFAULT_MAX_AGE = 900.0

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[float, str]] = {}  # (store, name) -> (read at, value)
_clients: dict[str, Any] = {}


class SecretNotConfigured(LookupError):
    """No secret is named: the stack's SecretName parameter is empty."""


def app_secret(*, refresh: bool = False) -> str:
    """The value of the secret the stack names, from this container's cache when it is fresh."""
    name = os.environ.get(NAME_VARIABLE, "")
    store = os.environ.get(STORE_VARIABLE, "ssm") or "ssm"
    if not name:
        raise SecretNotConfigured(
            f"no secret is named: deploy with the SecretName parameter set ({NAME_VARIABLE} is empty)"
        )
    if store not in ("ssm", "secretsmanager"):
        raise ValueError(f"{STORE_VARIABLE} must be ssm or secretsmanager, not {store!r}")
    if store == "ssm" and not name.startswith("/"):
        raise ValueError(f"an SSM parameter name must start with / (the role may read exactly that ARN): {name!r}")
    max_age = float(os.environ.get(MAX_AGE_VARIABLE) or DEFAULT_MAX_AGE)
    key = (store, name)
    with _lock:
        cached = _cache.get(key)
        if cached and not refresh and time.monotonic() - cached[0] < max_age:
            return cached[1]
        value = _read(store, name)
        _cache[key] = (time.monotonic(), value)
        return value


def clear_cache() -> None:
    """Forget every value read (and the clients): the next call asks AWS again."""
    with _lock:
        _cache.clear()
        _clients.clear()


def _client(service: str) -> Any:
    if service not in _clients:
        import boto3  # in the Lambda runtime; imported on first use, not on every cold start

        _clients[service] = boto3.client(service)
    return _clients[service]


def _read(store: str, name: str) -> str:
    if store == "ssm":
        return str(_client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    answer = _client("secretsmanager").get_secret_value(SecretId=name)
    if "SecretString" not in answer:
        raise ValueError(f"secret {name!r} holds binary data; store it as a string")
    return str(answer["SecretString"])
