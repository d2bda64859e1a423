"""Hostile and odd events thrown straight at the Lambda handler.

API Gateway sends well-formed events, but a function can also be invoked from the console, the CLI,
a test harness or a misconfigured integration, and a client controls the method, path, query,
headers and body. Whatever arrives, the answer is a response API Gateway accepts (status, headers,
body, isBase64Encoded), with a short body and never a traceback, or the logged no-op of a non-HTTP
event. Errors are logged with the ids of the request.

The events come through the stack's public door (REST and HTTP API shapes, moved onto it from the
recorded ones); an event that does not show that door is refused with the short 404, except where
the public door is the bare execute-api URL at "/" (an HTTP API's $default stage without a domain),
which is what such an event looks like.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import CONFIG, greet_callback, handler, load_event
from door_events import at_public_door, below
from page_load import decoded_body

from serverless_dash import doors
from tools.apigateway import GatewayResponse

REST_PAGE = at_public_door(load_event("rest-execute-api.json"), CONFIG)  # the public door, REST shape
HTTP_PAGE = at_public_door(load_event("http-named-stage.json"), CONFIG)  # the public door, HTTP API shape
LAMBDA_CONTEXT = SimpleNamespace(aws_request_id="5d1c3a38-hostile-lambda-request")
TRACEBACK_MARKERS = ("Traceback", 'File "', "__debugger__", "Werkzeug Debugger", "dash.exceptions")
SHORT = 512  # bytes: an error page, never a stack
BINARY = bytes(range(256))
NOT_UTF8 = b"\xff\xfe\xc3\x28 caf\xe9"
DROP = object()  # a field left out of the event


def rest(method: str = "GET", to: str = "/", content: bytes | str | None = None, **fields: Any) -> dict[str, Any]:
    """A REST API event (payload 1.0) for <public prefix><to>, then `fields`; bytes content goes as base64."""
    event = below(REST_PAGE, to, method, accept=None)
    _set_body(event, content)
    return _with(event, fields)


def http(method: str = "GET", to: str = "/", content: bytes | str | None = None, **fields: Any) -> dict[str, Any]:
    """An HTTP API event (payload 2.0) for <public prefix><to>, then `fields`; bytes content goes as base64."""
    event = below(HTTP_PAGE, to, method, accept=None)
    for name in ("queryStringParameters", "body"):
        if event.get(name) is None:
            event.pop(name, None)
    _set_body(event, content)
    return _with(event, fields)


def alb(**fields: Any) -> dict[str, Any]:
    """An Application Load Balancer target event: no version, requestContext.elb."""
    event = {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:tg/x/1"}},
        "httpMethod": "GET",
        "path": "/",
        "queryStringParameters": {},
        "headers": {"accept": "text/html", "host": "dash.example.com", "x-forwarded-proto": "https"},
        "body": "",
        "isBase64Encoded": False,
    }
    return _with(event, fields)


def _set_body(event: dict[str, Any], content: bytes | str | None) -> None:
    if isinstance(content, bytes):
        event.update(body=base64.b64encode(content).decode(), isBase64Encoded=True)
    elif content is not None:
        event.update(body=content, isBase64Encoded=False)
    if content is not None:  # what the dashboard posts
        with_headers(event, Content_Type="application/json")


def _with(event: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    for name, value in fields.items():
        if value is DROP:
            event.pop(name, None)
        else:
            event[name] = value
    return event


def callback_body(**changes: Any) -> str:
    return json.dumps({**greet_callback(), **changes})


def with_headers(event: dict[str, Any], **headers: str) -> dict[str, Any]:
    for key in ("headers", "multiValueHeaders"):
        if event.get(key) is not None:
            values = headers if key == "headers" else {k: [v] for k, v in headers.items()}
            event[key].update({k.replace("_", "-"): v for k, v in values.items()})
    return event


def rest_context(**changes: Any) -> dict[str, Any]:
    return {**REST_PAGE["requestContext"], **changes}


def http_context(**http_changes: Any) -> dict[str, Any]:
    context = copy.deepcopy(HTTP_PAGE["requestContext"])
    context["http"] = _with(context["http"], http_changes)
    return context


@dataclass(frozen=True)
class Expect:
    status: int
    logged: int | None = None  # the level of the log record that must name the request
    ignored: bool = False  # a non-HTTP event: the documented no-op
    https: bool = True  # X-Forwarded-Proto: https, so HSTS in the response


SERVED, NOT_FOUND = Expect(200), Expect(404)
BAD_REQUEST = Expect(400)  # Flask's answer to a body it cannot read: an HTTP error, not a fault to log
REFUSED = Expect(400, logging.WARNING)  # the handler's answer to an event it cannot serve
IGNORED = Expect(200, ignored=True, https=False)  # not a request: no scheme
SERVED_NO_HEADERS = Expect(200, https=False)
LOGGED_500 = Expect(500, logging.ERROR)
TRAVERSAL = "/assets/%2e%2e/%2e%2e/handler.py"
# Behind CloudFront the door is the origin secret (a header): an event without headers, or from
# elsewhere (ALB), is refused; one with them is let in whatever its paths say (cdn.py).
CDN = CONFIG.cdn is not None
# An event that does not show the public door: refused, unless that door is the bare execute-api
# URL at "/" (no stage, no domain), which is all such an event shows.
OPEN_ROOT = CDN or (not CONFIG.domain and CONFIG.public_prefix == "/")
OFF_DOOR = SERVED if OPEN_ROOT else Expect(404, logging.WARNING)
# A REST event the custom domain's reading cannot place (no route, or a path that is not the route's):
# through the execute-api URL the stage still shows the prefix; under a domain it is refused.
NEEDS_THE_ROUTE = Expect(404, logging.WARNING) if CONFIG.domain and not CDN else SERVED
NO_HEADERS = Expect(403, logging.WARNING, https=False) if CDN else SERVED_NO_HEADERS
# CloudFront's door reads the viewer's path from the event's path alone: one outside its base path
# is refused there.
OUTSIDE_THE_BASE_PATH = Expect(404, logging.WARNING) if CDN and CONFIG.public_prefix != "/" else SERVED
RAW_PATH_OFF = OUTSIDE_THE_BASE_PATH if CDN else OFF_DOOR
ELSEWHERE = Expect(403, logging.WARNING) if CDN else OFF_DOOR  # not from API Gateway

HOSTILE_EVENTS = [
    # requestContext
    pytest.param(rest(requestContext=DROP), OFF_DOOR, id="rest-no-requestContext"),
    pytest.param(rest(requestContext=None), OFF_DOOR, id="rest-requestContext-null"),
    pytest.param(rest(requestContext="Prod"), REFUSED, id="rest-requestContext-a-string"),
    pytest.param(http(requestContext=DROP), IGNORED, id="http-no-requestContext"),
    pytest.param(http(requestContext={"stage": "dev"}), IGNORED, id="http-requestContext-without-http"),
    pytest.param(http(requestContext={"http": None}), REFUSED, id="http-requestContext.http-null"),
    pytest.param(http(requestContext=http_context(sourceIp=DROP, protocol=DROP)), SERVED, id="http-no-source-ip"),
    # headers
    pytest.param(rest(headers=None, multiValueHeaders=None), NO_HEADERS, id="rest-headers-null"),
    pytest.param(rest(headers=DROP, multiValueHeaders=DROP), NO_HEADERS, id="rest-no-headers"),
    pytest.param(rest(multiValueHeaders=None), SERVED, id="rest-multiValueHeaders-null"),
    pytest.param(
        rest(headers=["Accept: */*"], multiValueHeaders=None),
        Expect(400, logging.WARNING, https=False),
        id="rest-headers-a-list",
    ),
    pytest.param(http(headers=None), NO_HEADERS, id="http-headers-null"),
    pytest.param(http(headers=DROP), NO_HEADERS, id="http-no-headers"),
    pytest.param(with_headers(rest(), User_Agent="x" * 100_000), SERVED, id="rest-100KB-header"),
    pytest.param(with_headers(http(), cookie="a=" + "b" * 100_000), SERVED, id="http-100KB-cookie-header"),
    pytest.param(with_headers(rest(), Accept_Encoding="gzip;q=abc, *;q=-1, br"), SERVED, id="rest-odd-accept-encoding"),
    # query strings
    pytest.param(rest(multiValueQueryStringParameters=None), SERVED, id="rest-multiValueQuery-null"),
    pytest.param(
        rest(queryStringParameters={"a": "1"}, multiValueQueryStringParameters=None),
        SERVED,
        id="rest-only-single-query",
    ),
    pytest.param(rest(multiValueQueryStringParameters=DROP), SERVED, id="rest-no-multiValueQuery"),
    pytest.param(http(queryStringParameters=None, rawQueryString=DROP), SERVED, id="http-no-rawQueryString"),
    pytest.param(
        rest(queryStringParameters={"q": "x" * 100_000}, multiValueQueryStringParameters={"q": ["x" * 100_000]}),
        SERVED,
        id="rest-100KB-query",
    ),
    pytest.param(http(rawQueryString="q=" + "%41" * 35_000), SERVED, id="http-100KB-query"),
    pytest.param(http(rawQueryString="a=%zz&%ff=1&&=&b"), SERVED, id="http-broken-query-encoding"),
    # bodies
    pytest.param(rest("POST", "/_dash-update-component", BINARY), BAD_REQUEST, id="rest-binary-body"),
    pytest.param(http("POST", "/_dash-update-component", BINARY), BAD_REQUEST, id="http-binary-body"),
    pytest.param(rest("POST", "/_dash-update-component", NOT_UTF8), BAD_REQUEST, id="rest-non-utf8-body"),
    pytest.param(http("POST", "/_dash-update-component", NOT_UTF8), BAD_REQUEST, id="http-non-utf8-body"),
    pytest.param(rest("POST", "/", BINARY), Expect(405), id="rest-binary-body-to-the-page"),
    pytest.param(rest("POST", "/_dash-update-component", "abc", isBase64Encoded=True), REFUSED, id="rest-bad-base64"),
    pytest.param(http("POST", "/_dash-update-component", "abc", isBase64Encoded=True), REFUSED, id="http-bad-base64"),
    pytest.param(rest("POST", "/_dash-update-component", "@@@@", isBase64Encoded=True), REFUSED, id="rest-base64-junk"),
    pytest.param(
        rest("POST", "/_dash-update-component", callback_body(), isBase64Encoded=DROP), SERVED, id="rest-no-isBase64"
    ),
    pytest.param(
        http("POST", "/_dash-update-component", callback_body(), isBase64Encoded=DROP), SERVED, id="http-no-isBase64"
    ),
    pytest.param(rest("POST", "/_dash-update-component", "{\udcff}"), REFUSED, id="rest-lone-surrogate-body"),
    pytest.param(rest("POST", "/_dash-update-component", body={"a": 1}), REFUSED, id="rest-body-a-dict"),
    # paths
    pytest.param(rest(path=None), OUTSIDE_THE_BASE_PATH, id="rest-path-null"),
    pytest.param(rest("GET", TRAVERSAL), NOT_FOUND, id="rest-%2e%2e-path"),
    pytest.param(http("GET", TRAVERSAL), NOT_FOUND, id="http-%2e%2e-path"),
    pytest.param(rest("GET", "/assets/../../src/handler.py"), NOT_FOUND, id="rest-dot-dot-segments"),
    pytest.param(http("GET", "/assets/../../../../etc/passwd"), NOT_FOUND, id="http-dot-dot-segments"),
    pytest.param(rest("GET", "/assets/style.css%00.png"), NOT_FOUND, id="rest-%00-path"),
    pytest.param(http("GET", "/assets/%00"), NOT_FOUND, id="http-%00-path"),
    pytest.param(rest("GET", "/assets/%ff%fe.css"), NOT_FOUND, id="rest-%ff-path"),
    pytest.param(rest("GET", "/_dash-component-suites/dash/../../../etc/passwd"), NOT_FOUND, id="rest-suites-escape"),
    pytest.param(http("GET", "/_dash-component-suites/no-such-package/x.js"), NOT_FOUND, id="http-unknown-suite"),
    pytest.param(rest("GET", "//_dash-layout"), NEEDS_THE_ROUTE, id="rest-double-slash"),
    pytest.param(http("GET", "/assets//style.css"), SERVED, id="http-double-slash"),
    pytest.param(
        rest(requestContext=rest_context(path="/../x"), resource="/{proxy+}", pathParameters={"proxy": "x"}),
        OFF_DOOR,
        id="rest-dot-dot-prefix",
    ),
    pytest.param(
        rest("GET", "/_dash-layout", pathParameters=None), NEEDS_THE_ROUTE, id="rest-proxy-route-without-pathParameters"
    ),
    pytest.param(
        rest("GET", "/_dash-layout", requestContext=rest_context(path="/elsewhere/y")),
        OFF_DOOR,
        id="rest-path-off-prefix",
    ),
    pytest.param(http(routeKey=None, rawPath="/outside/any/prefix"), RAW_PATH_OFF, id="http-path-off-prefix"),
    # methods
    pytest.param(rest("HEAD"), SERVED, id="rest-HEAD"),
    pytest.param(http("HEAD", "/assets/favicon.ico"), SERVED, id="http-HEAD-favicon"),
    pytest.param(rest("OPTIONS", "/_dash-update-component"), SERVED, id="rest-OPTIONS"),
    pytest.param(http("OPTIONS"), SERVED, id="http-OPTIONS"),
    pytest.param(rest("BREW"), Expect(405), id="rest-unknown-method"),
    pytest.param(http("PROPFIND", "/_dash-layout"), Expect(405), id="http-unknown-method"),
    pytest.param(rest("get"), SERVED, id="rest-lowercase-method"),
    pytest.param(rest(httpMethod=None), REFUSED, id="rest-method-null"),
    pytest.param(http(requestContext=http_context(method=DROP)), REFUSED, id="http-no-method"),
    # payload formats and other sources
    pytest.param(rest(version="3.0"), LOGGED_500, id="rest-version-3.0"),
    pytest.param(http(version="3.0"), LOGGED_500, id="http-version-3.0"),
    pytest.param(http("GET", "/_dash-layout", version=DROP), SERVED, id="http-no-version"),
    pytest.param(alb(), ELSEWHERE, id="alb"),
    pytest.param(
        alb(multiValueHeaders={"accept": ["text/html"], "x-forwarded-proto": ["https"]}, headers=DROP),
        ELSEWHERE,
        id="alb-multi-value-headers",
    ),
    pytest.param(http(cookies=["session=1", "a=b; c=d", "=", ""]), SERVED, id="http-cookies-list"),
    pytest.param(http(cookies=None), SERVED, id="http-cookies-null"),
    pytest.param(http(cookies="a=b"), REFUSED, id="http-cookies-a-string"),
    # callbacks
    pytest.param(rest("POST", "/_dash-update-component", "{not json"), BAD_REQUEST, id="rest-callback-broken-json"),
    pytest.param(http("POST", "/_dash-update-component", "{not json"), BAD_REQUEST, id="http-callback-broken-json"),
    pytest.param(rest("POST", "/_dash-update-component", "[]"), LOGGED_500, id="rest-callback-a-list"),
    pytest.param(
        rest("POST", "/_dash-update-component", callback_body(output="nope.children")),
        LOGGED_500,
        id="rest-callback-unknown-output",
    ),
    pytest.param(
        http("POST", "/_dash-update-component", callback_body(inputs="not a list")),
        LOGGED_500,
        id="http-callback-inputs-not-a-list",
    ),
    pytest.param(
        rest("POST", "/_dash-update-component", callback_body(padding="x" * 5_000_000)),
        SERVED,
        id="rest-callback-5MB-body",
    ),
    pytest.param(
        http("POST", "/_dash-update-component", ("[" * 100_000).encode()), LOGGED_500, id="http-callback-deep-json"
    ),
]


def response_headers(response: dict[str, Any]) -> dict[str, str]:
    """The response's headers, lower-cased, from `headers` (str) or `multiValueHeaders` (lists of str)."""
    headers: dict[str, str] = {}
    for name, value in (response.get("headers") or {}).items():
        assert isinstance(name, str) and isinstance(value, str), (name, value)
        headers[name.lower()] = value
    for name, values in (response.get("multiValueHeaders") or {}).items():
        assert isinstance(name, str) and isinstance(values, list), (name, values)
        assert values and all(isinstance(v, str) for v in values), (name, values)
        headers[name.lower()] = values[-1]
    return headers


def assert_well_formed(event: dict[str, Any], response: dict[str, Any], *, https: bool = True) -> bytes:
    """A response API Gateway accepts, with the security headers (HSTS too when the request came over
    HTTPS, as API Gateway's always do); returns the body a client reads."""
    json.dumps(response)  # Lambda serialises it
    allowed = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
    if "httpMethod" not in event:  # payload 2.0: Set-Cookie headers go in a list of their own
        allowed.add("cookies")
    assert set(response) <= allowed, set(response) - allowed  # REST rejects any other key with a 502
    assert type(response["statusCode"]) is int and 200 <= response["statusCode"] < 600
    assert isinstance(response["body"], str)
    assert isinstance(response["isBase64Encoded"], bool)
    headers = response_headers(response)
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    assert headers.get("x-frame-options") == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in headers.get("content-security-policy", "")
    if https:
        assert headers.get("strict-transport-security", "").startswith("max-age=")

    raw = base64.b64decode(response["body"]) if response["isBase64Encoded"] else response["body"].encode()
    body = decoded_body(GatewayResponse(response["statusCode"], list(headers.items()), raw)) if raw else b""
    for marker in TRACEBACK_MARKERS:
        assert marker.encode() not in body, marker
    if response["statusCode"] >= 400:
        assert len(body) < SHORT, body[:200]
    return body


@pytest.mark.parametrize(("event", "expected"), HOSTILE_EVENTS)
def test_hostile_event(event: dict[str, Any], expected: Expect, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    response = handler.lambda_handler(copy.deepcopy(event), LAMBDA_CONTEXT)

    if expected.ignored:
        assert response.pop("ignored") is True
        assert "not an API Gateway request" in caplog.text
    assert_well_formed(event, response, https=expected.https)
    assert response["statusCode"] == expected.status
    if expected.logged is not None:
        named = [r for r in caplog.records if LAMBDA_CONTEXT.aws_request_id in r.getMessage()]
        assert [r.levelno for r in named] == [expected.logged], caplog.text
    else:
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def test_enough_hostile_events() -> None:
    assert len(HOSTILE_EVENTS) >= 40
    assert len({p.id for p in HOSTILE_EVENTS}) == len(HOSTILE_EVENTS)


@pytest.mark.parametrize("event", [rest("GET", TRAVERSAL), http("GET", "/assets/../../src/handler.py")])
def test_no_file_outside_the_assets_is_served(event: dict[str, Any]) -> None:
    body = assert_well_formed(event, handler.lambda_handler(event, None))

    assert b"lambda_handler" not in body


def test_a_refusal_tells_the_client_what_was_wrong_with_its_request() -> None:
    response = handler.lambda_handler(rest("POST", "/_dash-update-component", "abc", isBase64Encoded=True), None)

    assert response["body"] == "Bad Request: body is not valid base64"


def test_an_unsupported_version_says_nothing_inside_to_the_client(caplog: pytest.LogCaptureFixture) -> None:
    response = handler.lambda_handler(rest(version="3.0"), None)

    assert response["body"] == "Internal Server Error"
    assert "unsupported payload format version '3.0'" in caplog.text


def test_a_raising_callback_answers_a_generic_500(caplog: pytest.LogCaptureFixture) -> None:
    """Dash tracebacks never reach a client: they go to the log, with the request's ids."""
    event = http("POST", "/_dash-update-component", json.dumps(greet_callback("raise")))

    response = handler.lambda_handler(event, LAMBDA_CONTEXT)

    body = assert_well_formed(event, response)
    assert response["statusCode"] == 500
    assert b"Internal Server Error" in body
    assert b"secret" not in body
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage() == (
        "POST /_dash-update-component failed "
        f"(request_id={LAMBDA_CONTEXT.aws_request_id} apigw_request_id={event['requestContext']['requestId']})"
    )
    assert record.exc_info and "secret detail" in str(record.exc_info[1])  # the traceback stays in the log


def test_an_error_in_the_handler_is_logged_with_the_request_ids(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_serve(event: dict, context: Any) -> dict:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(handler, "_serve", broken_serve)
    event = rest()

    response = handler.lambda_handler(event, LAMBDA_CONTEXT)

    assert_well_formed(event, response)
    assert (response["statusCode"], response["body"]) == (500, "Internal Server Error")
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage() == (
        f"request failed (request_id={LAMBDA_CONTEXT.aws_request_id} "
        f"apigw_request_id={event['requestContext']['requestId']})"
    )
    assert record.exc_info


@pytest.mark.parametrize(
    ("event", "content_type"),
    [
        (rest("GET", "/assets/favicon.ico"), "image/"),
        (http("GET", "/assets/favicon.ico"), "image/"),
    ],
    ids=["rest-favicon", "http-favicon"],
)
def test_binary_responses_carry_the_security_headers(event: dict[str, Any], content_type: str) -> None:
    response = handler.lambda_handler(event, None)

    assert_well_formed(event, response)
    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert content_type in response_headers(response)["content-type"]


@pytest.mark.parametrize(
    ("client_path", "route_path", "stage"), [("/../x", "/x", "Prod"), ("/./x", "/x", "Prod"), ("/../x", "/y", "..")]
)
def test_dot_segments_are_never_a_prefix(client_path: str, route_path: str, stage: str) -> None:
    assert doors._prefix_before(client_path, route_path) is None
    assert doors._stage_prefix(client_path, stage) == "/"
