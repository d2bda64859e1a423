"""Every response of a first page load fits Lambda's 6,291,456-byte limit (problem 5)."""

from __future__ import annotations

import json

import pytest
from conftest import OVERSIZE_ROUTE, public_gateway
from page_load import BROWSER_ACCEPT_ENCODING, decoded_body, get, load_page

from serverless_dash.responses import LAMBDA_RESPONSE_LIMIT
from tools.apigateway import GatewayResponse, LocalGateway

PLOTLY_JS = "_dash-component-suites/plotly/package_data/plotly.min.js"


def assert_page_load_fits(gateway: LocalGateway, accept_encoding: str | None) -> dict[str, GatewayResponse]:
    responses = load_page(gateway, accept_encoding)

    failed = {url: r.status for url, r in responses.items() if r.status != 200}
    assert not failed
    sizes = {url: r.lambda_response_bytes for url, r in responses.items()}
    assert max(sizes.values()) < LAMBDA_RESPONSE_LIMIT, sizes
    # the router (the chart page itself), then the chart page's one initial callback (the graph; the
    # greeting waits for a name)
    assert sum(1 for url in responses if "_dash-update-component" in url) == 2
    return responses


# gzip: below, where it matters (application/javascript is base64 to apig-wsgi); here the browser's
# own list (flask-compress picks one) and none.
@pytest.mark.parametrize("accept_encoding", [BROWSER_ACCEPT_ENCODING, None])
def test_full_page_load_fits(gateway: LocalGateway, accept_encoding: str | None) -> None:
    assert_page_load_fits(gateway, accept_encoding)


@pytest.mark.usefixtures("no_system_mime_types")
@pytest.mark.parametrize("accept_encoding", ["gzip", None])
def test_full_page_load_fits_without_system_mime_types(
    binary_gateway: LocalGateway, accept_encoding: str | None
) -> None:
    """application/javascript is base64 to apig-wsgi: plotly.min.js only fits gzipped (problem 5)."""
    responses = assert_page_load_fits(binary_gateway, accept_encoding)

    (plotly,) = [r for url, r in responses.items() if url.endswith(PLOTLY_JS)]
    assert len(decoded_body(plotly)) > LAMBDA_RESPONSE_LIMIT // 2  # the real 4.8 MB file
    if accept_encoding == "gzip":
        assert plotly.header("Content-Encoding") == "gzip"
        assert plotly.lambda_response["isBase64Encoded"] is True
        assert plotly.lambda_response_bytes < LAMBDA_RESPONSE_LIMIT // 2


def test_an_oversize_response_becomes_a_clear_500(gateway: LocalGateway, caplog: pytest.LogCaptureFixture) -> None:
    """Lambda would fail it with an opaque 502; the handler logs why and answers 500 instead."""
    response = get(gateway, gateway.prefix + OVERSIZE_ROUTE)

    assert response.status == 500
    assert response.lambda_response_bytes < 10_000
    assert "exceeds Lambda's 6291456-byte limit" in caplog.text
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Strict-Transport-Security").startswith("max-age=")


def test_the_gateway_refuses_oversize_lambda_responses_like_lambda(config) -> None:
    def oversize_handler(event, context):
        return {"statusCode": 200, "body": "x" * LAMBDA_RESPONSE_LIMIT}

    door = public_gateway(config, oversize_handler)
    response = door.request("GET", door.prefix)

    assert response.status == 502
    assert json.loads(response.body) == {"message": "Internal server error"}


def test_the_size_of_a_base64_response_is_counted_without_serialising_it() -> None:
    import base64
    import json
    import os

    from serverless_dash.responses import response_size

    response = {
        "statusCode": 200,
        "headers": {"Content-Type": "text/javascript", "Content-Encoding": "br"},
        "isBase64Encoded": True,
        "body": base64.b64encode(os.urandom(300_001)).decode(),
    }
    text = {**response, "isBase64Encoded": False, "body": 'say "é"\n' * 1000}

    assert response_size(response) == len(json.dumps(response))
    assert response_size(text) == len(json.dumps(text))
