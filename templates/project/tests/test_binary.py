"""Binary bodies reach the browser as bytes; text stays text (problem 4 of the design)."""

from __future__ import annotations

import base64
import dataclasses

import pytest
from page_load import decoded_body, get, parse_page

import handler
from adapter import apps, responses
from dashboard import ASSETS_DIR
from tools.apigateway import LocalGateway

FAVICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)),
    "image/svg+xml": b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "font/woff2": b"wOF2\x00\x01\x00\x00" + bytes(range(256)),
    "application/octet-stream": bytes(range(256)) * 4,
}


def test_favicon_arrives_byte_for_byte(gateway: LocalGateway) -> None:
    page = parse_page(decoded_body(get(gateway, gateway.prefix, "text/html")))
    (icon_url,) = page.icons
    assert icon_url.startswith(gateway.prefix)

    response = get(gateway, icon_url, FAVICON_ACCEPT)  # no Accept-Encoding: the bare icon

    assert response.status == 200
    assert response.header("Content-Type") in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.lambda_response["isBase64Encoded"] is True
    assert response.body == (ASSETS_DIR / "favicon.ico").read_bytes()


def test_favicon_is_a_real_multi_size_icon() -> None:
    icon = (ASSETS_DIR / "favicon.ico").read_bytes()
    reserved, kind, count = int.from_bytes(icon[0:2], "little"), int.from_bytes(icon[2:4], "little"), icon[4]
    sizes = {icon[6 + 16 * i] or 256 for i in range(count)}  # ICONDIRENTRY width, 0 means 256

    assert (reserved, kind) == (0, 1)
    assert {16, 32, 48} <= sizes


@pytest.fixture
def binary_app_gateway(config, monkeypatch: pytest.MonkeyPatch) -> LocalGateway:
    """A fresh app (own prefix) with a route that answers each sample type."""
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())
    gw = LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path="binary")
    app = apps.app_for(gw.prefix)

    def sample(kind: str, sub: str):
        return app.server.response_class(SAMPLES[f"{kind}/{sub}"], mimetype=f"{kind}/{sub}")

    app.server.add_url_rule("/sample/<kind>/<sub>", view_func=sample)
    return gw


@pytest.mark.parametrize("media_type", SAMPLES)
def test_binary_types_are_base64_encoded_and_arrive_as_bytes(binary_app_gateway: LocalGateway, media_type) -> None:
    response = get(binary_app_gateway, f"{binary_app_gateway.prefix}sample/{media_type}", media_type)

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
    a base64 body through as text, so the handler must not compress it."""
    narrow = ("image/*", "font/woff2")
    monkeypatch.setenv("DASH_BINARY_MEDIA_TYPES", ",".join(narrow))
    rest = dataclasses.replace(config, api="rest", stage="Prod", binary_media_types=narrow)
    gw = LocalGateway(rest, handler.lambda_handler)
    page = parse_page(decoded_body(get(gw, gw.prefix, "text/html", accept_encoding="gzip")))

    script = get(gw, page.scripts[0], "*/*", accept_encoding="gzip")
    icon = get(gw, page.icons[0], FAVICON_ACCEPT, accept_encoding="gzip")

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
