"""A local OpenID Connect provider for the sign-in tests: a freshly generated RSA key, its JWKS and a
token endpoint on 127.0.0.1, issuing ID tokens shaped like Cognito's (RS256, kid, aud = client id,
token_use "id", nonce). The tests play the login page themselves: they read state, nonce and the PKCE
challenge from the redirect and ask for a code. Keys and tokens are made with joserfc; PKCE is
checked with Authlib's own S256 transform.
"""

from __future__ import annotations

import functools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "local-dashboard-client"


@functools.cache
def new_key(kid: str, holder: str = "provider") -> RSAKey:
    """A 2048-bit RSA key (made once per test session: generating one takes ~0.1 s)."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    subject: str


@dataclass
class LocalProvider:
    """Serves /jwks.json and /token; `base` is its URL once started."""

    key: RSAKey = field(default_factory=lambda: new_key("local-key-1"))
    client_id: str = CLIENT_ID
    id_token_seconds: int = 3600
    base: str = ""
    jwks_available: bool = True
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return self.base

    def environment(self) -> dict[str, str]:
        """What template.yaml gives the function for Cognito, pointing here instead."""
        return {
            "DASH_AUTH": "cognito",
            "DASH_AUTH_ISSUER": self.issuer,
            "DASH_AUTH_JWKS_URI": f"{self.base}/jwks.json",
            "DASH_AUTH_AUTHORIZATION_ENDPOINT": f"{self.base}/authorize",
            "DASH_AUTH_TOKEN_ENDPOINT": f"{self.base}/token",
            "DASH_AUTH_END_SESSION_ENDPOINT": f"{self.base}/logout",
            "DASH_AUTH_CLIENT_ID": self.client_id,
        }

    def discovery(self) -> dict[str, Any]:
        env = self.environment()
        return {
            "issuer": self.issuer,
            "jwks_uri": env["DASH_AUTH_JWKS_URI"],
            "authorization_endpoint": env["DASH_AUTH_AUTHORIZATION_ENDPOINT"],
            "token_endpoint": env["DASH_AUTH_TOKEN_ENDPOINT"],
            "end_session_endpoint": env["DASH_AUTH_END_SESSION_ENDPOINT"],
        }

    def id_token(self, key: RSAKey | None = None, **overrides: Any) -> str:
        """An ID token as Cognito issues it; `overrides` change or (with None) drop claims."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": "0f1e2d3c-person",
            "email": "person@example.com",
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + self.id_token_seconds,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        signing_key = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signing_key.kid}, claims, signing_key)

    def issue_code(self, authorize_query: dict[str, str], subject: str = "0f1e2d3c-person") -> str:
        """What the login page does once the person signed in: a one-time code for this request."""
        assert authorize_query["response_type"] == "code"
        assert authorize_query["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = Grant(
            client_id=authorize_query["client_id"],
            redirect_uri=authorize_query["redirect_uri"],
            code_challenge=authorize_query["code_challenge"],
            nonce=authorize_query["nonce"],
            subject=subject,
        )
        return code

    # The token endpoint, as Cognito's answers it.

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
            if grant is None or grant.client_id != form.get("client_id"):
                return 400, {"error": "invalid_grant"}
            if grant.redirect_uri != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant"}
            if create_s256_code_challenge(form.get("code_verifier", "")) != grant.code_challenge:
                return 400, {"error": "invalid_grant"}
            refresh_token = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh_token] = grant.subject
            return 200, {
                "id_token": self.id_token(sub=grant.subject, nonce=grant.nonce),
                "access_token": secrets.token_urlsafe(16),
                "refresh_token": refresh_token,
                "token_type": "Bearer",
                "expires_in": self.id_token_seconds,
            }
        if form.get("grant_type") == "refresh_token":
            subject = self.refresh_tokens.get(form.get("refresh_token", ""))
            if subject is None or form.get("client_id") != self.client_id:
                return 400, {"error": "invalid_grant"}
            # Cognito answers a refresh with new ID and access tokens, and no new refresh token.
            return 200, {
                "id_token": self.id_token(sub=subject),
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": self.id_token_seconds,
            }
        return 400, {"error": "unsupported_grant_type"}

    def start(self) -> ThreadingHTTPServer:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif self.path == "/jwks.json" and provider.jwks_available:
                    keys = {"keys": [provider.key.as_dict(private=False)]}
                    self._send(200, keys)
                else:
                    self._send(503 if self.path == "/jwks.json" else 404, {"error": "unavailable"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                if self.path == "/token":
                    self._send(*provider.token(form))
                else:
                    self._send(404, {"error": "not found"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        # A short poll: shutdown() waits for it.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server
