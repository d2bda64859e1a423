"""Security headers on every response; no traceback ever reaches a client."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import app, greet_callback, handler, public_gateway
from page_load import decoded_body, get, post_json

from tools.apigateway import LocalGateway


@pytest.mark.parametrize("path", ["", "assets/style.css", "_dash-layout", "no-such-page/x.js", "report/7"])
def test_security_headers_on_every_response(gateway: LocalGateway, path: str) -> None:
    response = get(gateway, gateway.prefix + path)

    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert response.header("X-Frame-Options") == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.header("Content-Security-Policy")
    assert response.header("Strict-Transport-Security").startswith("max-age=")


def test_no_hsts_over_plain_http(config) -> None:
    plain = public_gateway(config, scheme="http")

    response = get(plain, plain.prefix)

    assert response.status == 200
    assert response.header("Strict-Transport-Security") is None
    assert response.header("X-Content-Type-Options") == "nosniff"


def test_a_failing_callback_answers_a_bare_500(gateway: LocalGateway) -> None:
    broken = {**greet_callback(), "inputs": "not a list"}

    response = post_json(gateway, gateway.prefix + "_dash-update-component", broken)

    assert response.status == 500
    body = decoded_body(response).decode()
    assert "Traceback" not in body
    assert "not a list" not in body
    assert response.header("X-Content-Type-Options") == "nosniff"


def test_an_error_outside_flask_is_logged_not_raised(
    gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_serve(event: dict, context: Any) -> dict:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(handler, "_serve", broken_serve)

    response = get(gateway, gateway.prefix)

    assert response.status == 500
    assert b"secret detail" not in response.body
    assert "secret detail" in caplog.text
    assert response.header("X-Frame-Options") == "SAMEORIGIN"


def test_dash_debug_is_off_on_lambda(gateway: LocalGateway) -> None:
    assert get(gateway, gateway.prefix).status == 200

    assert app.server.debug is False
    assert app._dev_tools.ui is False
    assert app.server.config["PROPAGATE_EXCEPTIONS"] is False
