"""Security headers on every response; no traceback ever reaches a client."""

from __future__ import annotations

import pytest
from page_load import decoded_body, get, post_json

import handler
from adapter import apps
from tools.apigateway import LocalGateway


@pytest.mark.parametrize("path", ["", "assets/style.css", "_dash-layout", "no-such-page/x.js"])
def test_security_headers_on_every_response(gateway: LocalGateway, path: str) -> None:
    response = get(gateway, gateway.prefix + path)

    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Referrer-Policy") == "strict-origin-when-cross-origin"
    assert response.header("X-Frame-Options") == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.header("Content-Security-Policy")
    assert response.header("Strict-Transport-Security").startswith("max-age=")


def test_no_hsts_over_plain_http(config) -> None:
    plain = LocalGateway(config, handler.lambda_handler, scheme="http")

    response = get(plain, plain.prefix)

    assert response.status == 200
    assert response.header("Strict-Transport-Security") is None
    assert response.header("X-Content-Type-Options") == "nosniff"


def test_a_failing_callback_answers_a_bare_500(gateway: LocalGateway, caplog: pytest.LogCaptureFixture) -> None:
    broken = {"output": "age.children", "outputs": {"id": "age", "property": "children"}, "inputs": "not a list"}

    response = post_json(gateway, gateway.prefix + "_dash-update-component", broken)

    assert response.status == 500
    body = decoded_body(response).decode()
    assert "Traceback" not in body
    assert "not a list" not in body
    assert response.header("X-Content-Type-Options") == "nosniff"


def test_an_error_outside_flask_is_logged_not_raised(gateway, monkeypatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken_app(prefix: str):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(apps, "_apps", type(apps._apps)())
    monkeypatch.setattr(apps, "create_app", broken_app)

    response = get(gateway, gateway.prefix)

    assert response.status == 500
    assert b"secret detail" not in response.body
    assert "secret detail" in caplog.text
    assert response.header("X-Frame-Options") == "SAMEORIGIN"


def test_dash_debug_is_off_on_lambda(gateway: LocalGateway) -> None:
    get(gateway, gateway.prefix)
    app = apps.app_for(gateway.prefix)

    assert app.server.debug is False
    assert app._dev_tools.ui is False
