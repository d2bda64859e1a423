"""Binary bodies reach the browser as bytes; text stays text (problem 4 of the design)."""

from __future__ import annotations

import base64

import pytest
from conftest import FIXTURE_APP, SAMPLE_ROUTE, SAMPLES, handler, load_event
from door_events import at_public_door, below, set_header
from page_load import decoded_body, get, parse_page

from serverless_dash import responses
from tools.apigateway import GatewayResponse, LocalGateway, gateway_response

ASSETS_DIR = FIXTURE_APP / "assets"
FAVICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


def test_favicon_arrives_byte_for_byte(gateway: LocalGateway) -> None:
    page = parse_page(decoded_body(get(gateway, gateway.prefix, "text/html")))
    (icon_url,) = page.icons
    assert icon_url.startswith(gateway.prefix)

    response = get(gateway, icon_url, FAVICON_ACCEPT)  # no Accept-Encoding: the bare icon

    assert response.status == 200
    assert response.header("Content-Type") in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.lambda_response["isBase64Encoded"] is True
    assert response.body == (ASSETS_DIR / "favicon.ico").read_bytes()


@pytest.mark.parametrize("media_type", SAMPLES)
def test_binary_types_are_base64_encoded_and_arrive_as_bytes(gateway: LocalGateway, media_type) -> None:
    """An app's own Flask route (conftest adds them to the fixture app) answering each type."""
    response = get(gateway, f"{gateway.prefix}{SAMPLE_ROUTE}{media_type}", media_type)

    assert response.status == 200
    assert response.lambda_response["isBase64Encoded"] is True
    assert base64.b64decode(response.lambda_response["body"]) == SAMPLES[media_type]
    assert response.header("Content-Type").startswith(media_type)
    assert response.body == SAMPLES[media_type]


@pytest.mark.usefixtures("no_system_mime_types")
def test_javascript_stays_text_without_system_mime_types(gateway: LocalGateway) -> None:
    """Python 3.11's built-in table says application/javascript; apig-wsgi would base64 it."""
    page = parse_page(decoded_body(get(gateway, gateway.prefix, "text/html")))
    script = next(s for s in page.scripts if "dash_core_components." in s)

    response = get(gateway, script)

    assert response.header("Content-Type").startswith("application/javascript")
    assert response.lambda_response["isBase64Encoded"] is False
    assert response.body.startswith(b"/*") or b"function" in response.body[:2000]


def test_compressed_responses_are_binary(binary_gateway: LocalGateway) -> None:
    response = get(binary_gateway, binary_gateway.prefix, "text/html", accept_encoding="gzip")

    assert response.header("Content-Encoding") == "gzip"
    assert response.lambda_response["isBase64Encoded"] is True
    assert parse_page(decoded_body(response)).config["requests_pathname_prefix"] == binary_gateway.prefix


def test_without_a_binary_accept_type_responses_stay_uncompressed_text(config, monkeypatch) -> None:
    """REST API whose BinaryMediaTypes do not match a script's Accept (*/*): API Gateway would pass
    a base64 body through as text, so the handler must not compress it. (A REST event at the public
    door, whatever this stack's API: the handler decides by the event's payload format.)"""
    narrow = ["image/*", "font/woff2"]
    monkeypatch.setenv("DASH_BINARY_MEDIA_TYPES", ",".join(narrow))
    page_event = at_public_door(load_event("rest-execute-api.json"), config)

    def rest_get(path: str, accept: str) -> GatewayResponse:
        event = below(page_event, path, accept=accept)
        set_header(event, "Accept-Encoding", "gzip")
        return gateway_response(handler.lambda_handler(event, None), accept, api="rest", binary_media_types=narrow)

    page = rest_get("/", "text/html")
    assert page.header("Content-Encoding") is None  # text/html is not a binary type: not compressed
    parsed = parse_page(page.body)
    below_prefix = len(config.public_prefix) - 1
    script = rest_get(parsed.scripts[0][below_prefix:], "*/*")
    icon = rest_get(parsed.icons[0][below_prefix:], FAVICON_ACCEPT)

    assert script.status == 200
    assert script.header("Content-Encoding") is None
    assert script.lambda_response["isBase64Encoded"] is False
    assert icon.status == 200
    assert decoded_body(icon) == (ASSETS_DIR / "favicon.ico").read_bytes()  # image/* matches the Accept


@pytest.mark.parametrize(
    ("accept", "types", "expected"),
    [
        ("text/html,*/*", ["*/*"], True),
        (None, ["*/*"], True),
        ("image/avif,image/webp,*/*;q=0.8", ["image/*"], True),
        ("*/*", ["image/*"], False),  # only the first Accept type counts
        ("text/css,*/*;q=0.1", ["image/png", "font/woff2"], False),
        ("Font/WOFF2", ["font/woff2"], True),
        (None, ["image/*"], False),
    ],
)
def test_api_gateway_decodes_by_the_first_accept_type(accept, types, expected) -> None:
    assert responses.accepts_binary(accept, types) is expected
