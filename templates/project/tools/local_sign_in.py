"""Sign-in for `make dev` and `make serve`: on only when you point it at an OpenID Connect provider.

The deployed stack signs people in with its Cognito user pool (template.yaml sets DASH_AUTH and the
pool's endpoints). Here there is no pool: sign-in is off and says so, unless DASH_AUTH_ISSUER (and
DASH_AUTH_CLIENT_ID) name a provider, e.g. a local one; its other endpoints are read from its
discovery document (/.well-known/openid-configuration) unless set too.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

import requests

# Discovery document field → the variable src/serverless_dash/auth.py reads.
ENDPOINTS = {
    "jwks_uri": "DASH_AUTH_JWKS_URI",
    "authorization_endpoint": "DASH_AUTH_AUTHORIZATION_ENDPOINT",
    "token_endpoint": "DASH_AUTH_TOKEN_ENDPOINT",
    "end_session_endpoint": "DASH_AUTH_END_SESSION_ENDPOINT",
}


def configure(environ: MutableMapping[str, str] | None = None) -> str:
    """Sets sign-in on or off in `environ` (default: this process's) and says which, in one line."""
    env = os.environ if environ is None else environ
    if env.get("DASH_AUTH", "none") in ("", "none"):
        return "Sign-in: off (template.yaml has none: anyone who can reach the dashboard can open it)"
    issuer = env.get("DASH_AUTH_ISSUER", "")
    if not issuer:
        env["DASH_AUTH"] = "none"
        return (
            "Sign-in: OFF here. The deployed stack signs people in with Cognito; to sign in here too, set "
            "DASH_AUTH_ISSUER and DASH_AUTH_CLIENT_ID to an OpenID Connect provider (README.md, 'Who can open it')"
        )
    if not env.get("DASH_AUTH_CLIENT_ID"):
        raise SystemExit("DASH_AUTH_ISSUER is set: set DASH_AUTH_CLIENT_ID too (the provider's client for this app)")
    missing = [name for name in ENDPOINTS.values() if not env.get(name)]
    if missing:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=10)
            response.raise_for_status()
            discovered = response.json()
        except (OSError, ValueError) as error:
            raise SystemExit(f"could not read the provider's discovery document {url}: {error}") from None
        for field, name in ENDPOINTS.items():
            if not env.get(name) and discovered.get(field):
                env[name] = discovered[field]
        still_missing = [name for name in ENDPOINTS.values() if not env.get(name)]
        if still_missing:
            raise SystemExit(f"{url} does not give {', '.join(still_missing)}: set them yourself")
    return f"Sign-in: ON, with {issuer} as the provider (client {env['DASH_AUTH_CLIENT_ID']})"
