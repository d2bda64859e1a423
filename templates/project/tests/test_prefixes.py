"""One function, every URL shape at once: one cached Dash app per prefix, each with its callbacks."""

from __future__ import annotations

import json

import pytest
from page_load import AGE_CALLBACK, decoded_body, get, parse_page, post_json

import handler
from adapter import apps, doors
from tools.apigateway import LocalGateway


@pytest.fixture(params=["execute-api", "custom-domain"])
def any_gateway(request: pytest.FixtureRequest, gateway: LocalGateway, domain_gateway: LocalGateway) -> LocalGateway:
    return gateway if request.param == "execute-api" else domain_gateway


def test_page_prefix_is_the_url_prefix(any_gateway: LocalGateway) -> None:
    page = get(any_gateway, any_gateway.prefix, "text/html")

    assert page.status == 200
    assert parse_page(decoded_body(page)).config["requests_pathname_prefix"] == any_gateway.prefix


def test_layout_and_dependencies_answer(any_gateway: LocalGateway) -> None:
    layout = get(any_gateway, any_gateway.prefix + "_dash-layout", "application/json")
    dependencies = get(any_gateway, any_gateway.prefix + "_dash-dependencies", "application/json")

    assert layout.status == 200
    assert json.loads(decoded_body(layout))["props"]["children"]
    assert dependencies.status == 200
    outputs = {d["output"] for d in json.loads(decoded_body(dependencies))}
    assert "age.children" in outputs
    assert any("scatter.figure" in o for o in outputs)


def test_callbacks_answer_on_two_prefixes_in_one_process(gateway: LocalGateway, config) -> None:
    """Dash hands globally registered callbacks to the first app only; every app must have them."""
    other = LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path="second-prefix")
    assert gateway.prefix != other.prefix

    for gw in (gateway, other):
        response = post_json(gw, gw.prefix + "_dash-update-component", AGE_CALLBACK)
        assert response.status == 200, gw.prefix
        assert "days young" in decoded_body(response).decode()
        dependencies = json.loads(decoded_body(get(gw, gw.prefix + "_dash-dependencies")))
        outputs = [d["output"] for d in dependencies]
        # age, charts, chart click -> country page, and Dash Pages' router and title: all five.
        assert len(outputs) == 5, gw.prefix
        assert {"age.children", "navigate.pathname", "_pages_dummy.children"} <= set(outputs), gw.prefix
    assert {gateway.prefix, other.prefix} <= set(apps.cached_prefixes())


def test_one_app_per_prefix_built_once(gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real_create_app = apps.create_app

    def counting_create_app(prefix: str):
        built.append(prefix)
        return real_create_app(prefix)

    monkeypatch.setattr(apps, "create_app", counting_create_app)
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())

    for _ in range(3):
        assert get(gateway, gateway.prefix).status == 200
        assert post_json(gateway, gateway.prefix + "_dash-update-component", AGE_CALLBACK).status == 200

    assert built == [gateway.prefix]


def test_the_cache_is_bounded(config, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apps, "_apps", type(apps._apps)())
    for n in range(apps.MAX_CACHED_APPS + 2):
        gw = LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path=f"p{n}")
        assert get(gw, gw.prefix).status == 200

    assert len(apps.cached_prefixes()) == apps.MAX_CACHED_APPS
    assert "/p0/" not in apps.cached_prefixes()  # least recently used goes first


@pytest.mark.parametrize(
    ("route_path", "client_path", "expected"),
    [
        ("/", "/Prod/", "/Prod/"),
        ("/", "/Prod", "/Prod/"),
        ("/assets/style.css", "/Prod/assets/style.css", "/Prod/"),
        ("/_dash-layout", "/_dash-layout", "/"),
        ("/a%20b", "/reports/a b", "/reports/"),
        ("/x", "/Prod/y", None),  # inconsistent: no guess
        ("/x", "/<script>/x", None),  # not a stage or base path
    ],
)
def test_prefix_is_what_the_client_path_has_before_the_route(route_path, client_path, expected) -> None:
    assert doors._prefix_before(client_path, route_path) == expected
