"""Sign-in (src/serverless_dash/auth.py) through the real handler at the stack's one public door (the
execute-api URL, the custom domain, or CloudFront with --cdn), against a local OpenID Connect
provider with a freshly generated key (local_provider.py), in front of the tests' fixture app.

Every route refuses every request without a valid session, leaking nothing of the app; a valid
session passes; the provider's keys out of reach refuse too (fails closed).
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from apig_wsgi import make_lambda_handler
from conftest import CONFIG, FIXTURE_APP_SPEC, greet_callback, subprocess_environment
from local_provider import LocalProvider, new_key
from page_load import decoded_body, parse_page, routed_page, routing_callback

from serverless_dash import auth, handler
from tools.apigateway import GatewayResponse, LocalGateway
from tools.local_sign_in import configure
from tools.stack_config import PROJECT_DIR, StackConfig

PAGE_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Every kind of route the app has, below the prefix: (method, path, Accept, body).
ROUTES = [
    ("GET", "", PAGE_ACCEPT, None),
    ("GET", "report/q3?tab=2", PAGE_ACCEPT, None),
    ("GET", "_dash-layout", "application/json", None),
    ("GET", "_dash-dependencies", "application/json", None),
    ("POST", "_dash-update-component", "application/json", json.dumps(greet_callback("Alice")).encode()),
    ("GET", "_dash-component-suites/dash/dcc/async-graph.js", "*/*", None),
    ("GET", "assets/style.css", "text/css,*/*;q=0.1", None),
    ("GET", "_favicon.ico", "image/avif,image/webp,*/*;q=0.8", None),
    ("GET", "_reload-hash", "*/*", None),
]
ROUTE_IDS = [f"{m} /{p.split('?')[0] or '(page)'}" for m, p, _, _ in ROUTES]
# What only the app's answers hold: none may appear in a refusal.
APP_MARKERS = (b"_dash-renderer", b"DashRenderer", b"react", b"plotly", b"Fixture", b"squares", b"Hello")


class Door(Protocol):
    """The stack's public door: a LocalGateway, or with --cdn a LocalCloudFront."""

    prefix: str
    host: str

    def request(self, method: str, target: str, headers: Any = (), body: bytes = b"") -> GatewayResponse: ...


class Browser:
    """Keeps cookies as a browser does: by name and path, sent below their path, dropped at Max-Age=0."""

    def __init__(self, door: Door) -> None:
        self.door = door
        self.jar: dict[tuple[str, str], str] = {}
        self.set_cookies: list[SimpleCookie] = []

    def request(self, method: str, target: str, accept: str = "*/*", body: bytes | None = None) -> GatewayResponse:
        path = target.split("?")[0]
        cookies = [f"{name}={value}" for (name, where), value in self.jar.items() if path.startswith(where)]
        headers = [("Accept", accept)]
        if cookies:
            headers.append(("Cookie", "; ".join(cookies)))
        if body is not None:
            headers.append(("Content-Type", "application/json"))
        response = self.door.request(method, target, headers, body or b"")
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                cookie = SimpleCookie()
                cookie.load(value)
                self.set_cookies.append(cookie)
                for morsel in cookie.values():
                    key = (morsel.key, morsel["path"])
                    if morsel["max-age"] == "0":
                        self.jar.pop(key, None)
                    else:
                        self.jar[key] = morsel.value
        return response

    def cookie(self, name: str) -> str | None:
        return next((v for (n, _), v in self.jar.items() if n == name), None)

    def set_cookie(self, name: str, value: str, path: str) -> None:
        self.jar[(name, path)] = value


def start_serve(provider: LocalProvider) -> subprocess.Popen:
    """`make serve` of this stack with the fixture app, sign-in pointed at `provider` (only its issuer
    and client: the endpoints come from its discovery document)."""
    env = subprocess_environment(
        DASH_AUTH="none",  # what template.yaml says wins
        DASH_AUTH_ISSUER=provider.issuer,
        DASH_AUTH_CLIENT_ID=provider.client_id,
    )
    flags = ["--app", FIXTURE_APP_SPEC, *(["--http-port", "0"] if CONFIG.door == "cloudfront" else [])]
    return subprocess.Popen(
        [sys.executable, "-m", "tools.serve", "--host", "127.0.0.1", "--port", "0", *flags],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


# Started when pytest collects this module: the provider, and `make serve` pointed at it, which
# imports Dash and the app (seconds) while the tests before it run.
PROVIDER = LocalProvider()
PROVIDER_SERVER = PROVIDER.start()
SERVE = start_serve(PROVIDER)


def stop_serving() -> None:
    if SERVE.poll() is None:
        SERVE.terminate()
        SERVE.wait(timeout=10)


atexit.register(stop_serving)  # also when no test of this module ran


@pytest.fixture(scope="module")
def provider_server() -> Iterator[LocalProvider]:
    try:
        yield PROVIDER
    finally:
        stop_serving()
        PROVIDER_SERVER.shutdown()
        PROVIDER_SERVER.server_close()


@pytest.fixture
def provider(provider_server: LocalProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalProvider]:
    """The local provider, with no codes, refresh tokens or requests of earlier tests, and the
    function's sign-in settings pointing at it (as template.yaml points them at the user pool)."""
    local = provider_server
    local.codes.clear()
    local.refresh_tokens.clear()
    local.token_requests.clear()
    local.jwks_available = True
    for name, value in local.environment().items():
        monkeypatch.setenv(name, value)
    auth.reset()
    try:
        yield local
    finally:
        auth.reset()


@pytest.fixture
def signed_in_function(provider: LocalProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    """The function as a stack with --auth cognito runs it. serverless_dash.handler puts sign-in in
    front of the app when it is imported with DASH_AUTH on; this process imported it with sign-in off
    (conftest.py), so the same wrapping is put in here, for this test only (the fixture app stays
    shared). test_make_serve_signs_in_against_a_provider_it_is_pointed_at imports it with sign-in on."""
    app = handler.app
    # auth.protect adds _auth/session.js to the page's scripts: undone after the test.
    monkeypatch.setitem(app.config, "external_scripts", app.config.external_scripts)
    protected = auth.protect(app, handler.PREFIX)
    serve = make_lambda_handler(
        protected, binary_support=True, non_binary_content_type_prefixes=handler.TEXT_CONTENT_TYPES
    )
    monkeypatch.setattr(handler, "_serve", serve)


def public_door(config: StackConfig, monkeypatch: pytest.MonkeyPatch, **options: Any) -> Door:
    """The stack's one public door: CloudFront (--cdn, the function knowing its origin secret), the
    custom domain, or the execute-api URL. `options` go to the API Gateway it calls."""
    if config.door == "cloudfront":
        from tools.cloudfront import LocalCloudFront, distribution_for, function_environment

        secret = secrets.token_urlsafe(48)  # as Secrets Manager generates it for the stack
        for name, value in function_environment(secret).items():
            monkeypatch.setenv(name, value)
        cloudfront: LocalCloudFront = distribution_for(config, secret, handler.lambda_handler)
        for name, value in options.items():
            setattr(cloudfront.origin, name, value)
        return cloudfront
    return LocalGateway.for_stack(config, handler.lambda_handler, **options)


@pytest.fixture
def door(config: StackConfig, signed_in_function: None, monkeypatch: pytest.MonkeyPatch) -> Door:
    door = public_door(config, monkeypatch)
    assert door.prefix == config.public_prefix == handler.PREFIX
    return door


def location(response: GatewayResponse) -> str:
    return response.header("Location") or ""


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def start_sign_in(browser: Browser, target: str | None = None) -> dict[str, str]:
    """A signed-out page load: the redirect to the login page, as its query."""
    response = browser.request("GET", target or browser.door.prefix, PAGE_ACCEPT)
    assert response.status == 302
    return query_of(location(response))


def sign_in(browser: Browser, provider: LocalProvider, target: str | None = None) -> GatewayResponse:
    """Signs in as the login page would, and returns the callback's answer."""
    authorize = start_sign_in(browser, target)
    code = provider.issue_code(authorize)
    callback = urlsplit(authorize["redirect_uri"]).path
    return browser.request("GET", f"{callback}?code={code}&state={quote(authorize['state'])}", PAGE_ACCEPT)


def assert_refused(response: GatewayResponse, prefix: str, provider: LocalProvider) -> None:
    """Refused, with nothing of the dashboard: a page goes to the login, anything else gets 401."""
    assert response.status in (302, 401), response.status
    if response.status == 302:
        assert location(response).startswith(f"{provider.base}/authorize?")
    else:
        assert json.loads(response.body)["sign_in"] == f"{prefix}_auth/sign-in"
        assert response.header("X-Dash-Sign-In") == f"{prefix}_auth/sign-in"
    body = decoded_body(response)
    for marker in APP_MARKERS:
        assert marker not in body
    assert response.header("Cache-Control") == "no-store"


def request_route(browser: Browser, route: tuple) -> GatewayResponse:
    method, below, accept, body = route
    return browser.request(method, browser.door.prefix + below, accept, body)


# Signed out


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_refuses_a_request_without_a_cookie(door: Door, provider: LocalProvider, route) -> None:
    response = request_route(Browser(door), route)

    assert_refused(response, door.prefix, provider)
    assert response.status == (302 if route[2] == PAGE_ACCEPT else 401)


def test_a_signed_out_page_load_goes_to_the_login_with_state_nonce_and_pkce(
    door: Door, provider: LocalProvider
) -> None:
    browser = Browser(door)
    query = start_sign_in(browser)

    assert query["client_id"] == provider.client_id
    assert query["response_type"] == "code"
    assert "openid" in query["scope"].split()
    assert query["redirect_uri"] == f"https://{door.host}{door.prefix}_auth/callback"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256
    # The state, nonce and verifier wait in a cookie only the callback gets.
    cookie = browser.set_cookies[-1][auth.SIGN_IN_COOKIE]
    assert cookie["path"] == f"{door.prefix}_auth/"
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    # A second sign-in gets fresh values.
    assert start_sign_in(Browser(door))["state"] != query["state"]


# Signed in


def test_a_valid_session_passes_everywhere(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    callback = sign_in(browser, provider)

    assert callback.status == 302
    assert location(callback) == door.prefix
    session = next(c[auth.SESSION_COOKIE] for c in browser.set_cookies if auth.SESSION_COOKIE in c)
    assert session["path"] == door.prefix
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    assert browser.cookie(auth.REFRESH_COOKIE)
    assert browser.cookie(auth.SIGN_IN_COOKIE) is None  # used once

    page = browser.request("GET", door.prefix, PAGE_ACCEPT)
    assert page.status == 200
    assert f'src="{door.prefix}_auth/session.js"'.encode() in decoded_body(page)
    for route in ROUTES[2:]:
        response = request_route(browser, route)
        assert response.status == 200, (route, response.status, response.body[:200])
    answer = request_route(browser, ROUTES[4])
    assert json.loads(decoded_body(answer))["response"]["greeting"]["children"] == "Hello, Alice!"


def test_the_session_script_says_signed_out_on_401(door: Door, provider: LocalProvider) -> None:
    script = Browser(door).request("GET", f"{door.prefix}_auth/session.js")

    assert script.status == 200
    assert script.header("Content-Type").startswith("text/javascript")
    assert b"X-Dash-Sign-In" in script.body and b"Sign in again" in script.body


# Forged, foreign and broken tokens


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def forgeries(provider_server: LocalProvider) -> dict[str, str]:
    """The forged tokens, signed once for the module (RSA signing is most of what these tests cost)."""
    return forged_tokens(provider_server)


def forged_tokens(provider: LocalProvider) -> dict[str, str]:
    other_pool = new_key("other-pool-key")
    impostor = new_key(provider.key.kid, "impostor")  # same key id, another key
    valid = provider.id_token()
    header, payload, signature = valid.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    public_pem = provider.key.as_pem(private=False)
    hs_header = _b64(json.dumps({"alg": "HS256", "kid": provider.key.kid}).encode())
    hs_input = f"{hs_header}.{payload}".encode()
    tampered_claims = {**claims, "sub": "someone-else"}
    return {
        "forged signature": provider.id_token(key=impostor),
        "expired": provider.id_token(exp=claims["iat"] - 60, iat=claims["iat"] - 3700),
        "wrong issuer": provider.id_token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
        "wrong audience": provider.id_token(aud="another-client"),
        "another pool": provider.id_token(
            key=other_pool, iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"
        ),
        "access token": provider.id_token(token_use="access"),  # noqa: S106 - a claim, not a password
        "no token_use": provider.id_token(token_use=None),
        "alg none": f"{_b64(json.dumps({'alg': 'none'}).encode())}.{payload}.",
        "HS256 with the public key": f"{hs_header}.{payload}.{_b64(hmac.digest(public_pem, hs_input, hashlib.sha256))}",
        "tampered claims": f"{header}.{_b64(json.dumps(tampered_claims).encode())}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}",
        "not a token": "not.a.token",
        "empty": "",
    }


FORGERIES = [
    "forged signature",
    "expired",
    "wrong issuer",
    "wrong audience",
    "another pool",
    "access token",
    "no token_use",
    "alg none",
    "HS256 with the public key",
    "tampered claims",
    "tampered signature",
    "not a token",
    "empty",
]


@pytest.mark.parametrize("forgery", FORGERIES)
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_refuses_a_bad_session_cookie(
    door: Door, provider: LocalProvider, forgeries: dict[str, str], forgery: str, route
) -> None:
    browser = Browser(door)
    browser.set_cookie(auth.SESSION_COOKIE, forgeries[forgery], door.prefix)

    response = request_route(browser, route)

    assert_refused(response, door.prefix, provider)
    if forgery != "empty":  # the refused cookie is cleared
        assert browser.cookie(auth.SESSION_COOKIE) is None


def test_a_tampered_copy_of_a_verified_token_is_refused(door: Door, provider: LocalProvider) -> None:
    # Verified tokens are remembered by their exact bytes: a changed copy is verified afresh.
    browser = Browser(door)
    sign_in(browser, provider)
    token = browser.cookie(auth.SESSION_COOKIE)
    assert request_route(browser, ROUTES[2]).status == 200
    browser.jar.pop((auth.REFRESH_COOKIE, door.prefix))  # else the refresh token makes a new session
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other = f"{header}.{_b64(json.dumps({**claims, 'email': 'boss@example.com'}).encode())}.{signature}"
    browser.set_cookie(auth.SESSION_COOKIE, other, door.prefix)

    assert_refused(request_route(browser, ROUTES[2]), door.prefix, provider)


# The callback


def test_a_state_mismatch_is_refused(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    authorize = start_sign_in(browser)
    code = provider.issue_code(authorize)
    response = browser.request("GET", f"{door.prefix}_auth/callback?code={code}&state=forged-state", PAGE_ACCEPT)

    assert response.status == 400
    assert browser.cookie(auth.SESSION_COOKIE) is None
    assert code in provider.codes  # refused before the code was even spent


def test_a_nonce_mismatch_is_refused(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    authorize = start_sign_in(browser)
    code = provider.issue_code({**authorize, "nonce": "a-nonce-from-another-sign-in"})
    response = browser.request("GET", f"{door.prefix}_auth/callback?code={code}&state={authorize['state']}")

    assert response.status == 400
    assert browser.cookie(auth.SESSION_COOKIE) is None


def test_a_replayed_code_is_refused(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    authorize = start_sign_in(browser)
    transaction = browser.cookie(auth.SIGN_IN_COOKIE)
    code = provider.issue_code(authorize)
    callback = f"{door.prefix}_auth/callback?code={code}&state={authorize['state']}"
    assert browser.request("GET", callback).status == 302

    # The same browser: its sign-in cookie is gone. An attacker with a copy of it: the code is spent.
    again = browser.request("GET", callback)
    thief = Browser(door)
    thief.set_cookie(auth.SIGN_IN_COOKIE, transaction, f"{door.prefix}_auth/")
    stolen = thief.request("GET", callback)

    for response in (again, stolen):
        assert response.status == 400
    assert thief.cookie(auth.SESSION_COOKIE) is None
    assert [r["grant_type"] for r in provider.token_requests] == ["authorization_code", "authorization_code"]


def test_a_callback_without_a_sign_in_in_progress_or_with_an_error_is_refused(
    door: Door, provider: LocalProvider
) -> None:
    assert Browser(door).request("GET", f"{door.prefix}_auth/callback?code=x&state=y").status == 400
    browser = Browser(door)
    authorize = start_sign_in(browser)
    denied = browser.request("GET", f"{door.prefix}_auth/callback?error=access_denied&state={authorize['state']}")
    assert denied.status == 400
    assert provider.token_requests == []


@pytest.mark.parametrize(
    "return_to",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "\t//evil.example/",
        "https:evil.example",
        "{prefix}../../outside",
        "{prefix}%2e%2e/%2e%2e/outside",
        "/elsewhere/",
    ],
)
def test_return_urls_off_site_or_outside_the_prefix_go_to_the_prefix(
    door: Door, provider: LocalProvider, return_to: str
) -> None:
    return_to = return_to.format(prefix=door.prefix)
    if door.prefix == "/" and return_to == "/elsewhere/":
        return_to = "//elsewhere/"  # at the root every path is inside: take another off-site one
    browser = Browser(door)
    response = browser.request("GET", f"{door.prefix}_auth/sign-in?return_to={quote(return_to)}", PAGE_ACCEPT)
    authorize = query_of(location(response))
    code = provider.issue_code(authorize)

    callback = browser.request("GET", f"{door.prefix}_auth/callback?code={code}&state={authorize['state']}")

    assert callback.status == 302
    assert location(callback) == door.prefix


def test_a_return_url_inside_the_prefix_is_kept(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    target = f"{door.prefix}reports/q3?year=2024"
    response = browser.request("GET", f"{door.prefix}_auth/sign-in?return_to={quote(target)}")
    authorize = query_of(location(response))
    code = provider.issue_code(authorize)

    assert (
        location(browser.request("GET", f"{door.prefix}_auth/callback?code={code}&state={authorize['state']}"))
        == target
    )


# Refresh, sign-out, failures


def test_an_expired_token_is_refreshed_with_the_refresh_token(
    door: Door, provider: LocalProvider, forgeries: dict[str, str]
) -> None:
    browser = Browser(door)
    sign_in(browser, provider)
    expired = forgeries["expired"]
    browser.set_cookie(auth.SESSION_COOKIE, expired, door.prefix)

    response = request_route(browser, ROUTES[2])

    assert response.status == 200
    assert provider.token_requests[-1]["grant_type"] == "refresh_token"
    assert browser.cookie(auth.SESSION_COOKIE) not in (None, expired)
    assert request_route(browser, ROUTES[2]).status == 200


def test_a_refused_refresh_token_signs_out(door: Door, provider: LocalProvider, forgeries: dict[str, str]) -> None:
    browser = Browser(door)
    browser.set_cookie(auth.SESSION_COOKIE, forgeries["expired"], door.prefix)
    browser.set_cookie(auth.REFRESH_COOKIE, "revoked-or-forged", door.prefix)

    assert_refused(request_route(browser, ROUTES[2]), door.prefix, provider)
    assert browser.cookie(auth.REFRESH_COOKIE) is None


def test_sign_out_clears_the_cookies_and_ends_the_provider_session(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    sign_in(browser, provider)

    response = browser.request("GET", f"{door.prefix}_auth/sign-out", PAGE_ACCEPT)

    assert response.status == 302
    logout = location(response)
    assert logout.startswith(f"{provider.base}/logout?")
    signed_out = f"https://{door.host}{door.prefix}_auth/signed-out"
    assert query_of(logout) == {
        "client_id": provider.client_id,
        "logout_uri": signed_out,
        "post_logout_redirect_uri": signed_out,
    }
    assert browser.cookie(auth.SESSION_COOKIE) is None and browser.cookie(auth.REFRESH_COOKIE) is None
    assert_refused(request_route(browser, ROUTES[2]), door.prefix, provider)
    page = browser.request("GET", f"{door.prefix}_auth/signed-out", PAGE_ACCEPT)
    assert page.status == 200 and b"signed out" in page.body


def test_the_provider_keys_out_of_reach_refuse(door: Door, provider: LocalProvider) -> None:
    provider.jwks_available = False
    browser = Browser(door)
    browser.set_cookie(auth.SESSION_COOKIE, provider.id_token(), door.prefix)

    for route in ROUTES:
        response = request_route(browser, route)
        assert response.status == 503
        for marker in APP_MARKERS:
            assert marker not in decoded_body(response)


def test_sign_in_on_but_not_configured_refuses_everything(door: Door, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASH_AUTH_ISSUER")
    for route in ROUTES:
        assert request_route(Browser(door), route).status == 503


def test_the_client_id_comes_from_the_stage_variable_on_aws(
    config: StackConfig, provider: LocalProvider, signed_in_function: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # template.yaml passes the client id as the stage variable authClientId (no circular dependency).
    monkeypatch.delenv("DASH_AUTH_CLIENT_ID")
    without = public_door(config, monkeypatch)
    assert request_route(Browser(without), ROUTES[0]).status == 503

    door = public_door(config, monkeypatch, stage_variables={"authClientId": provider.client_id})
    browser = Browser(door)
    assert start_sign_in(browser)["client_id"] == provider.client_id
    sign_in(browser, provider)
    assert request_route(browser, ROUTES[2]).status == 200


def test_the_keys_are_fetched_once_per_container(door: Door, provider: LocalProvider) -> None:
    browser = Browser(door)
    sign_in(browser, provider)
    provider.jwks_available = False  # cached: the session keeps working
    for _ in range(3):
        assert request_route(browser, ROUTES[2]).status == 200


# make dev and make serve


def test_local_runs_say_whether_sign_in_is_on(provider: LocalProvider) -> None:
    assert configure({}).startswith("Sign-in: off (template.yaml has none")
    env = {"DASH_AUTH": "cognito"}
    assert configure(env).startswith("Sign-in: OFF here. The deployed stack signs people in with Cognito")
    assert env["DASH_AUTH"] == "none"

    env = {"DASH_AUTH": "cognito", "DASH_AUTH_ISSUER": provider.issuer, "DASH_AUTH_CLIENT_ID": provider.client_id}
    assert configure(env) == f"Sign-in: ON, with {provider.issuer} as the provider (client {provider.client_id})"
    assert env == provider.environment()  # the endpoints, from the provider's discovery document
    with pytest.raises(SystemExit, match="set DASH_AUTH_CLIENT_ID too"):
        configure({"DASH_AUTH": "cognito", "DASH_AUTH_ISSUER": provider.issuer})


def test_make_serve_signs_in_against_a_provider_it_is_pointed_at(config: StackConfig, provider: LocalProvider) -> None:
    """`make serve` imports the platform with sign-in on, as Lambda does with template.yaml's
    DASH_AUTH: the handler itself puts sign-in in front of the app, at the public prefix."""
    said: list[str] = []
    assert SERVE.stdout is not None
    for line in SERVE.stdout:  # the URL, then the line that says whether sign-in is on
        said.append(line)
        if line.startswith("Sign-in:"):
            break
    url = next((w for line in said for w in line.split() if w.startswith("http://127.0.0.1:")), None)
    assert url, f"tools/serve.py printed no URL (exit {SERVE.poll()}): {said}"
    request = urllib.request.Request(url, headers={"Accept": PAGE_ACCEPT})
    try:
        status, where = urllib.request.build_opener(NoRedirect).open(request, timeout=60).status, ""
    except urllib.error.HTTPError as error:
        status, where = error.code, error.headers.get("Location", "")

    assert url.endswith(config.public_prefix)
    assert any(line.startswith(f"Sign-in: ON, with {provider.issuer}") for line in said), said
    assert status == 302 and where.startswith(f"{provider.base}/authorize?")
    # Back to the page the browser opened: this listener, at the public prefix.
    assert query_of(where)["redirect_uri"] == f"{url}_auth/callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_deep_link_to_a_page_survives_the_sign_in(door: Door, provider: LocalProvider) -> None:
    """With sign-in on, a signed-out deep link comes back to its page after the login, and routes."""
    browser = Browser(door)
    target = f"{door.prefix}report/q3"
    assert location(sign_in(browser, provider, f"{target}?tab=2")) == f"{target}?tab=2"

    page = browser.request("GET", f"{target}?tab=2", PAGE_ACCEPT)
    assert page.status == 200
    assert parse_page(decoded_body(page)).config["requests_pathname_prefix"] == door.prefix
    deps = json.loads(decoded_body(browser.request("GET", door.prefix + "_dash-dependencies", "application/json")))
    body = json.dumps(routing_callback(deps, target, "?tab=2")).encode()
    routed = browser.request("POST", door.prefix + "_dash-update-component", "application/json", body)
    assert routed.status == 200
    content, _title = routed_page(routed)
    assert "Report q3" in json.dumps(content)  # the report page, its path template filled in
