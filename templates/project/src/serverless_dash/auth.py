"""Sign-in (`--auth cognito`): only people with a valid session from the user pool see the dashboard.

API Gateway's Cognito and JWT authorizers want an Authorization header, which a page navigation never
sends, so the sign-in happens here, in front of the Dash app (a WSGI middleware that
serverless_dash.handler puts around it when DASH_AUTH is on, at the stack's public prefix):

    signed out, a page          302 to the provider's login, with state, nonce and a PKCE challenge
    signed out, anything else   401 (dash-renderer's requests): _auth/session.js offers to sign in again
    <prefix>_auth/callback      the code exchanged for tokens; the ID token verified (signature against
                                the JWKS, issuer, audience, expiry, token_use, nonce); cookies set
    every other request         the session cookie's ID token verified; refreshed once expired
    <prefix>_auth/sign-out      cookies cleared, then the provider's logout ends its session too

Cookies are HttpOnly, SameSite=Lax, Secure over HTTPS and scoped to the stack's public prefix
(DASH_PUBLIC_PREFIX: the one door people open, whose callback URL the app client lists). The ID
token is the session: it is signed by the provider, so no secret of ours is needed. Authlib does
OAuth 2.0 (authorization URL, PKCE, code exchange, refresh) and joserfc the JWT checks; nothing of
the protocol or the cryptography is ours.

It fails closed: a token that cannot be verified is refused, and when the provider's keys or token
endpoint cannot be reached the request is refused (503), never let through.

Configuration (template.yaml sets these for the stack's Cognito user pool; point them at another
OpenID Connect provider to run sign-in locally, see README.md "Who can open it"):

    DASH_AUTH                          "cognito": sign-in on; unset or "none": off
    DASH_AUTH_ISSUER                   the ID token's iss
    DASH_AUTH_JWKS_URI                 the provider's signing keys
    DASH_AUTH_AUTHORIZATION_ENDPOINT   the login page
    DASH_AUTH_TOKEN_ENDPOINT           code and refresh token exchange
    DASH_AUTH_END_SESSION_ENDPOINT     logout
    DASH_AUTH_CLIENT_ID                the app client; on AWS it comes from the stage variable authClientId
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from werkzeug.http import dump_cookie
from werkzeug.wrappers import Request, Response

from .headers import HSTS, SECURITY_HEADERS

logger = logging.getLogger("serverless_dash")

SESSION_COOKIE = "dash_session"  # the ID token
REFRESH_COOKIE = "dash_refresh"  # the refresh token
SIGN_IN_COOKIE = "dash_sign_in"  # state, nonce and PKCE verifier between the redirect and the callback
ROUTES = "/_auth/"
SCOPE = "openid email"
PUBLIC_CLIENT = "none"  # the app client has no secret (PKCE instead): nothing to authenticate it with
ALGORITHMS = ["RS256"]  # Cognito signs ID tokens with RS256; nothing else is accepted
REFRESH_TOKEN_SECONDS = 30 * 24 * 3600  # the app client's RefreshTokenValidity (template.yaml)
SIGN_IN_SECONDS = 600  # time to finish signing in
HTTP_TIMEOUT_SECONDS = 5
JWKS_REFETCH_SECONDS = 300  # an unknown key id refetches the keys (rotation), at most this often
CLOCK_LEEWAY_SECONDS = 5
MAX_VERIFIED_TOKENS = 256

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def mode() -> str:
    return os.environ.get("DASH_AUTH", "none") or "none"


def enabled() -> bool:
    """Whether requests must be signed in. Any value but "none" counts: an unknown one refuses all."""
    return mode() != "none"


class Refused(Exception):
    """A token, code or cookie that does not prove a session."""


class Expired(Refused):
    """A valid token past its expiry: the refresh token may get a new one."""


class Unavailable(Exception):
    """The provider could not be reached, or sign-in is not configured: refuse (503)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    jwks_uri: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str
    client_id: str | None  # None: from the stage variable authClientId


_provider: Provider | None = None


def provider_from_environment() -> Provider:
    """The provider the environment names, read once per container (a Lambda's never changes)."""
    global _provider
    if _provider is None:
        _provider = _read_provider()
    return _provider


def _read_provider() -> Provider:
    names = (
        "ISSUER",
        "JWKS_URI",
        "AUTHORIZATION_ENDPOINT",
        "TOKEN_ENDPOINT",
        "END_SESSION_ENDPOINT",
    )
    values = {name: os.environ.get(f"DASH_AUTH_{name}", "") for name in names}
    missing = [f"DASH_AUTH_{name}" for name, value in values.items() if not value]
    if mode() != "cognito" or missing:
        raise Unavailable(f"sign-in is {mode()!r} but not configured (missing: {', '.join(missing) or '-'})")
    return Provider(
        issuer=values["ISSUER"],
        jwks_uri=values["JWKS_URI"],
        authorization_endpoint=values["AUTHORIZATION_ENDPOINT"],
        token_endpoint=values["TOKEN_ENDPOINT"],
        end_session_endpoint=values["END_SESSION_ENDPOINT"],
        client_id=os.environ.get("DASH_AUTH_CLIENT_ID") or None,
    )


class Verifier:
    """Checks ID tokens against the provider's JWKS, fetched once per container and cached; a token
    seen before (the same bytes) is not verified again, but its expiry is still checked each time."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self._keys: Any = None
        self._keys_fetched = 0.0
        self._verified: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def claims(self, token: str, client_id: str, nonce: str | None = None) -> dict[str, Any]:
        cache_key = (token, client_id, nonce or "")
        with self._lock:
            claims = self._verified.get(cache_key)
            if claims is not None:
                self._verified.move_to_end(cache_key)
        if claims is None:
            claims = self._verify(token, client_id, nonce)
            with self._lock:
                self._verified[cache_key] = claims
                if len(self._verified) > MAX_VERIFIED_TOKENS:
                    self._verified.popitem(last=False)
        if claims["exp"] + CLOCK_LEEWAY_SECONDS < time.time():
            raise Expired("the ID token has expired")
        return claims

    def _verify(self, token: str, client_id: str, nonce: str | None) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError

        try:
            try:
                decoded = jwt.decode(token, self._key_set(), algorithms=ALGORITHMS)
            except InvalidKeyIdError:
                # A key the cached set does not have: the provider may have rotated its keys.
                decoded = jwt.decode(token, self._key_set(refetch=True), algorithms=ALGORITHMS)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.provider.issuer},
                "aud": {"essential": True, "value": client_id},
                "sub": {"essential": True},
                "exp": {"essential": True},
                "iat": {"essential": True},
                # Cognito's marker of an ID token (an access token has "access").
                "token_use": {"essential": True, "value": "id"},
            }
            if nonce is not None:
                options["nonce"] = {"essential": True, "value": nonce}
            jwt.JWTClaimsRegistry(leeway=CLOCK_LEEWAY_SECONDS, **options).validate(decoded.claims)
        except ExpiredTokenError as error:
            raise Expired(str(error)) from None
        except (JoseError, ValueError, TypeError) as error:
            raise Refused(f"ID token refused: {error}") from None
        return decoded.claims

    def _key_set(self, *, refetch: bool = False) -> Any:
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        with self._lock:
            now = time.monotonic()
            if self._keys is not None and not (refetch and now - self._keys_fetched > JWKS_REFETCH_SECONDS):
                return self._keys
            try:
                response = _http().get(self.provider.jwks_uri, timeout=HTTP_TIMEOUT_SECONDS)
                response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
            except (
                OSError,
                ValueError,
                JoseError,
            ) as error:  # requests' errors are OSErrors
                raise Unavailable(
                    f"could not fetch the provider's keys from {self.provider.jwks_uri}: {error}"
                ) from None
            self._keys, self._keys_fetched = keys, now
            return keys


_http_session: Any = None


def _http() -> Any:
    """One connection pool per container, for the keys and the token endpoint."""
    global _http_session
    if _http_session is None:
        import requests

        _http_session = requests.Session()
    return _http_session


_verifiers: dict[Provider, Verifier] = {}


def _verifier(provider: Provider) -> Verifier:
    verifier = _verifiers.get(provider)
    if verifier is None:
        verifier = _verifiers.setdefault(provider, Verifier(provider))
    return verifier


def reset() -> None:
    """Forget the provider, its cached keys and verified tokens (tests; a container never needs it)."""
    global _provider
    _provider = None
    _verifiers.clear()


def protect(app: Any, prefix: str, wsgi_app: WsgiApp | None = None) -> WsgiApp:
    """The Dash app's WSGI app (or `wsgi_app`) behind sign-in, at the public prefix `prefix`."""
    # The page loads _auth/session.js first: it says "signed out" when a request answers 401.
    app.config.external_scripts = [
        *app.config.external_scripts,
        f"{prefix}_auth/session.js",
    ]
    return SignIn(wsgi_app or app.server, prefix)


class SignIn:
    """WSGI middleware: lets a request through to `app` only with a verified session."""

    def __init__(self, app: WsgiApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.routes: dict[str, Callable[[Request, Provider, str], Response]] = {
            "callback": self._callback,
            "sign-in": self._sign_in_route,
            "sign-out": self._sign_out,
        }

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        https = request.scheme == "https"
        try:
            response = self._public(request)
            if response is None:
                provider = provider_from_environment()
                client_id = provider.client_id or _stage_variable(environ, "authClientId")
                if not client_id:
                    raise Unavailable(
                        "no app client id: neither DASH_AUTH_CLIENT_ID nor the stage variable authClientId"
                    )
                response, set_cookies = self._handle(request, provider, client_id)
                if response is None:  # signed in
                    return self.app(environ, _adding_headers(start_response, set_cookies))
        except Unavailable as error:
            logger.error("sign-in refused the request: %s", error)
            response = _page(
                503,
                "Sign-in is unavailable",
                "Please try again in a minute.",
                self.prefix,
            )
        _secure(response, https)
        return response(environ, start_response)

    def _public(self, request: Request) -> Response | None:
        """What needs no session: the signed-out page and the script that offers to sign in again."""
        if request.path == ROUTES + "session.js":
            return Response(
                _SESSION_JS,
                mimetype="text/javascript",
                headers={"Cache-Control": "no-cache"},
            )
        if request.path == ROUTES + "signed-out":
            return _page(200, "You are signed out", "", self.prefix)
        return None

    def _handle(self, request: Request, provider: Provider, client_id: str) -> tuple[Response | None, list[str]]:
        if request.path.startswith(ROUTES):
            route = self.routes.get(request.path[len(ROUTES) :])
            if route is None or request.method not in ("GET", "HEAD"):
                return _page(404, "Not found", "", self.prefix), []
            return route(request, provider, client_id), []
        verifier = _verifier(provider)
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            try:
                request.environ["dash_auth.claims"] = verifier.claims(token, client_id)
                return None, []
            except Refused as error:
                logger.info("session cookie refused: %s", error)
        refresh_token = request.cookies.get(REFRESH_COOKIE)
        if refresh_token:
            try:
                claims, id_token = self._refresh(refresh_token, provider, client_id, verifier)
                request.environ["dash_auth.claims"] = claims
                return None, [self._cookie(request, SESSION_COOKIE, id_token, _seconds_left(claims))]
            except Refused as error:
                logger.info("refresh refused: %s", error)
        return self._signed_out(request, provider, client_id), []

    def _signed_out(self, request: Request, provider: Provider, client_id: str) -> Response:
        wants_page = "text/html" in (request.headers.get("Accept") or "") and not request.path.startswith("/_dash-")
        if request.method in ("GET", "HEAD") and wants_page:
            query = request.query_string.decode("latin-1")
            return_to = self.prefix + request.path.lstrip("/") + (f"?{query}" if query else "")
            response = self._start_sign_in(request, provider, client_id, return_to)
        else:
            sign_in = f"{self.prefix}_auth/sign-in"
            body = {
                "error": "signed_out",
                "message": "You are signed out. Sign in again.",
                "sign_in": sign_in,
            }
            response = Response(json.dumps(body), status=401, mimetype="application/json")
            response.headers["X-Dash-Sign-In"] = sign_in
        self._clear_session(request, response)
        return response

    # Routes

    def _sign_in_route(self, request: Request, provider: Provider, client_id: str) -> Response:
        return self._start_sign_in(request, provider, client_id, request.args.get("return_to") or self.prefix)

    def _start_sign_in(self, request: Request, provider: Provider, client_id: str, return_to: str) -> Response:
        from authlib.common.security import generate_token
        from authlib.integrations.requests_client import OAuth2Session

        state, nonce, code_verifier = (
            generate_token(32),
            generate_token(32),
            generate_token(64),
        )
        client = OAuth2Session(
            client_id,
            scope=SCOPE,
            redirect_uri=self._url(request, "_auth/callback"),
            code_challenge_method="S256",
        )
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint,
            state=state,
            nonce=nonce,
            code_verifier=code_verifier,
        )
        transaction = {
            "state": state,
            "nonce": nonce,
            "verifier": code_verifier,
            "return_to": self._safe(return_to),
        }
        response = _redirect(url)
        value = base64.urlsafe_b64encode(json.dumps(transaction).encode()).decode()
        response.headers.add(
            "Set-Cookie",
            self._cookie(request, SIGN_IN_COOKIE, value, SIGN_IN_SECONDS, ROUTES),
        )
        return response

    def _callback(self, request: Request, provider: Provider, client_id: str) -> Response:
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.requests_client import OAuth2Session

        transaction = _read_transaction(request.cookies.get(SIGN_IN_COOKIE))
        state, code = request.args.get("state", ""), request.args.get("code", "")
        problem = None
        if transaction is None:
            problem = "no sign-in in progress in this browser (or it took over 10 minutes)"
        elif request.args.get("error"):
            problem = f"the provider refused: {request.args.get('error')}"
        elif not state or not _same(state, transaction["state"]):
            problem = "the state does not match this browser's sign-in"
        elif not code:
            problem = "no code"
        response: Response
        if problem is None:
            assert transaction is not None
            client = OAuth2Session(
                client_id,
                redirect_uri=self._url(request, "_auth/callback"),
                token_endpoint_auth_method=PUBLIC_CLIENT,
            )
            try:
                tokens = client.fetch_token(
                    provider.token_endpoint,
                    code=code,
                    code_verifier=transaction["verifier"],
                    timeout=HTTP_TIMEOUT_SECONDS,
                )
                claims = _verifier(provider).claims(str(tokens.get("id_token") or ""), client_id, transaction["nonce"])
            except OAuthError as error:  # e.g. invalid_grant: a code used twice, or not ours
                problem = f"the code was refused: {error.error}"
            except Refused as error:
                problem = str(error)
            except OSError as error:  # requests' connection errors and timeouts
                raise Unavailable(f"could not reach the token endpoint: {error}") from None
        if problem is not None:
            logger.warning("sign-in callback refused: %s", problem)
            response = _page(400, "Sign-in failed", "", self.prefix)
            self._clear_session(request, response)
        else:
            response = _redirect(self._safe(transaction["return_to"]))
            response.headers.add(
                "Set-Cookie",
                self._cookie(request, SESSION_COOKIE, tokens["id_token"], _seconds_left(claims)),
            )
            if tokens.get("refresh_token"):
                refresh = self._cookie(
                    request,
                    REFRESH_COOKIE,
                    tokens["refresh_token"],
                    REFRESH_TOKEN_SECONDS,
                )
                response.headers.add("Set-Cookie", refresh)
        response.headers.add("Set-Cookie", self._cookie(request, SIGN_IN_COOKIE, "", 0, ROUTES))
        return response

    def _sign_out(self, request: Request, provider: Provider, client_id: str) -> Response:
        signed_out = self._url(request, "_auth/signed-out")
        # Cognito's logout takes logout_uri; OpenID Connect RP-initiated logout post_logout_redirect_uri.
        query = urlencode(
            {
                "client_id": client_id,
                "logout_uri": signed_out,
                "post_logout_redirect_uri": signed_out,
            }
        )
        response = _redirect(f"{provider.end_session_endpoint}?{query}")
        self._clear_session(request, response, always=True)
        return response

    def _refresh(
        self, refresh_token: str, provider: Provider, client_id: str, verifier: Verifier
    ) -> tuple[dict[str, Any], str]:
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.requests_client import OAuth2Session

        client = OAuth2Session(client_id, token_endpoint_auth_method=PUBLIC_CLIENT)
        try:
            tokens = client.refresh_token(
                provider.token_endpoint,
                refresh_token=refresh_token,
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except OAuthError as error:
            raise Refused(f"the refresh token was refused: {error.error}") from None
        except OSError as error:
            raise Unavailable(f"could not reach the token endpoint: {error}") from None
        id_token = str(tokens.get("id_token") or "")
        return verifier.claims(id_token, client_id), id_token

    # Helpers

    def _url(self, request: Request, below_prefix: str) -> str:
        """An absolute URL at the public door: what the provider redirects to must be one the client lists."""
        return f"{request.scheme}://{request.host}{self.prefix}{below_prefix}"

    def _safe(self, return_to: str) -> str:
        """`return_to` if it is a path inside the public prefix, else the prefix: no open redirect."""
        if not isinstance(return_to, str) or "\\" in return_to or any(ord(c) < 0x21 for c in return_to):
            return self.prefix
        parts = urlsplit(return_to)
        path = unquote(parts.path)
        segments = path.split("/")
        if parts.scheme or parts.netloc or not path.startswith(self.prefix) or path.startswith("//"):
            return self.prefix
        if "." in segments or ".." in segments or "\\" in path:
            return self.prefix
        return return_to

    def _cookie(self, request: Request, name: str, value: str, max_age: int, below: str = "/") -> str:
        return dump_cookie(
            name,
            value,
            max_age=max_age,
            path=self.prefix + below.lstrip("/"),
            secure=request.scheme == "https",
            httponly=True,
            samesite="Lax",
        )

    def _clear_session(self, request: Request, response: Response, *, always: bool = False) -> None:
        for name in (SESSION_COOKIE, REFRESH_COOKIE):
            if always or name in request.cookies:
                response.headers.add("Set-Cookie", self._cookie(request, name, "", 0))


def _stage_variable(environ: Environ, name: str) -> str | None:
    event = environ.get("apig_wsgi.full_event") or {}
    value = (event.get("stageVariables") or {}).get(name)
    return value if isinstance(value, str) and value else None


def _read_transaction(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        transaction = json.loads(base64.urlsafe_b64decode(value.encode()))
    except ValueError:  # bad base64 (binascii.Error) is a ValueError too
        return None
    keys = ("state", "nonce", "verifier", "return_to")
    if not isinstance(transaction, dict) or not all(isinstance(transaction.get(k), str) for k in keys):
        return None
    return transaction


def _same(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _seconds_left(claims: dict[str, Any]) -> int:
    return max(0, int(claims["exp"] - time.time()))


def _redirect(location: str) -> Response:
    return Response("", status=302, headers={"Location": location})


def _secure(response: Response, https: bool) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")


def _adding_headers(start_response: StartResponse, set_cookies: list[str]) -> StartResponse:
    if not set_cookies:
        return start_response

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        extra = [("Set-Cookie", cookie) for cookie in set_cookies]
        return (
            start_response(status, [*headers, *extra], exc_info)
            if exc_info
            else start_response(status, [*headers, *extra])
        )

    return start


_PAGE_TEXT = {
    200: "You can close this tab, or sign in again.",
    400: "The sign-in could not be completed. Sign in again.",
    404: "",
    503: "",
}


def _page(status: int, title: str, text: str, prefix: str) -> Response:
    """A small page of our own: no data, a way back in."""
    text = text or _PAGE_TEXT.get(status, "")
    link = f'<p><a href="{html.escape(prefix)}_auth/sign-in">Sign in</a></p>' if status != 404 else ""
    body = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{link}</body></html>"
    )
    return Response(body, status=status, mimetype="text/html")


# Loaded by every page: dash-renderer's requests answer 401 once the session is gone (signed out in
# another tab, refresh token expired). Instead of a dashboard that silently stops updating, say so
# and offer to sign in again, back to this page. Also the sign-out link.
_SESSION_JS = """(function () {
  "use strict";
  var shown = false;
  var original = window.fetch;
  function signInUrl(base) {
    return base + "?return_to=" + encodeURIComponent(location.pathname + location.search);
  }
  function signedOut(base) {
    if (shown) return;
    shown = true;
    var box = document.createElement("div");
    box.id = "dash-auth-signed-out";
    box.setAttribute("role", "alertdialog");
    box.style.cssText = "position:fixed;inset:0;z-index:99999;display:flex;align-items:center;" +
      "justify-content:center;background:rgba(255,255,255,.92);font:16px system-ui,sans-serif";
    var link = document.createElement("a");
    link.href = signInUrl(base);
    link.textContent = "Sign in again";
    var text = document.createElement("p");
    text.textContent = "You are signed out. ";
    text.appendChild(link);
    box.appendChild(text);
    document.body.appendChild(box);
  }
  window.fetch = function () {
    return original.apply(this, arguments).then(function (response) {
      var base = response.status === 401 && response.headers.get("X-Dash-Sign-In");
      if (base) signedOut(base);
      return response;
    });
  };
  // The prefix this script was loaded from (…/_auth/session.js) is the public prefix.
  var src = (document.currentScript && document.currentScript.getAttribute("src")) || "/_auth/session.js";
  var prefix = src.replace(/_auth\\/session\\.js$/, "");
  function addSignOut() {
    var link = document.createElement("a");
    link.id = "dash-auth-sign-out";
    link.href = prefix + "_auth/sign-out";
    link.textContent = "Sign out";
    link.style.cssText = "position:fixed;top:8px;right:12px;z-index:9999;font:13px system-ui,sans-serif";
    document.body.appendChild(link);
  }
  if (document.body) addSignOut();
  else document.addEventListener("DOMContentLoaded", addSignOut);
})();
"""
