"""The app at the stack's one public prefix (src/serverless_dash/loader.py).

The platform imports the app named by DASH_APP once, with Dash's prefix set from DASH_PUBLIC_PREFIX,
and then sets what Lambda needs on it: no Dash Pages validation layout, compression, content hashes on
asset links, redirect_from below the prefix. An app that fixes a prefix of its own, or a DASH_APP that
names no Dash app, is stopped at import with a message that says what to change.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURE_APP, GREET_CALLBACK, GREETING, app, handler, subprocess_environment
from page_load import decoded_body, get, parse_page, post_json, routed_page, routing_callback

from serverless_dash import headers, loader
from tools.apigateway import LocalGateway
from tools.stack_config import PROJECT_DIR, StackConfig


def test_the_app_is_served_at_the_public_prefix(gateway: LocalGateway, config: StackConfig) -> None:
    page = get(gateway, gateway.prefix, "text/html")
    layout = get(gateway, gateway.prefix + "_dash-layout", "application/json")
    dependencies = get(gateway, gateway.prefix + "_dash-dependencies", "application/json")

    assert page.status == 200
    assert parse_page(decoded_body(page)).config["requests_pathname_prefix"] == config.public_prefix
    assert layout.status == 200 and json.loads(decoded_body(layout))["props"]["children"]
    outputs = {d["output"] for d in json.loads(decoded_body(dependencies))}
    assert {"greeting.children", "graph.figure"} <= outputs
    assert app.config.requests_pathname_prefix == config.public_prefix
    assert app.config.routes_pathname_prefix == "/"  # the handler takes the prefix off each path


def test_global_callbacks_answer(gateway: LocalGateway) -> None:
    response = post_json(gateway, gateway.prefix + "_dash-update-component", GREET_CALLBACK)

    assert response.status == 200
    assert json.loads(decoded_body(response))["response"]["greeting"]["children"] == GREETING


def test_the_app_is_built_once_per_container(gateway: LocalGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    def load_again(**_options: object) -> None:
        raise AssertionError("the app was imported again")

    monkeypatch.setattr(loader, "load", load_again)

    for _ in range(3):
        assert get(gateway, gateway.prefix).status == 200
        assert post_json(gateway, gateway.prefix + "_dash-update-component", GREET_CALLBACK).status == 200
    assert handler.app is app


def test_a_page_with_a_path_template_is_routed_below_the_prefix(gateway: LocalGateway) -> None:
    dependencies = json.loads(decoded_body(get(gateway, gateway.prefix + "_dash-dependencies")))
    page = get(gateway, gateway.prefix + "report/7", "text/html")
    routed = post_json(
        gateway, gateway.prefix + "_dash-update-component", routing_callback(dependencies, gateway.prefix + "report/7")
    )

    assert page.status == 200
    content, _title = routed_page(routed)
    assert "Report 7" in json.dumps(content)


def test_no_validation_layout_in_production(gateway: LocalGateway) -> None:
    """Dash Pages would put every page's layout into each page's HTML (20 ms per page load measured)."""
    html = decoded_body(get(gateway, gateway.prefix, "text/html")).decode()

    assert "validation_layout" not in parse_page(html.encode()).config
    assert "report-title" not in html and "not-found" not in html  # the other pages' layouts
    assert app.config.suppress_callback_exceptions is True


def test_asset_links_carry_content_hashes_and_a_current_one_is_kept_a_year(gateway: LocalGateway) -> None:
    style = (FIXTURE_APP / "assets" / "style.css").read_bytes()
    digest = hashlib.sha256(style).hexdigest()[:16]
    page = parse_page(decoded_body(get(gateway, gateway.prefix, "text/html")))

    (link,) = [href for href in page.stylesheets if "style.css" in href]
    assert link == f"{gateway.prefix}assets/style.css?m={digest}"
    fresh = get(gateway, link, "text/css")
    stale = get(gateway, f"{gateway.prefix}assets/style.css?m=315532800.0", "text/css")
    bare = get(gateway, f"{gateway.prefix}assets/style.css", "text/css")

    assert (fresh.status, decoded_body(fresh)) == (200, style)
    assert fresh.header("Cache-Control") == headers.IMMUTABLE
    assert stale.header("Cache-Control") == bare.header("Cache-Control") == headers.UNVERSIONED_FILE


def test_redirect_from_lands_below_the_prefix(gateway: LocalGateway, config: StackConfig) -> None:
    response = get(gateway, gateway.prefix + "old-chart", "text/html")

    assert response.status == 301
    assert response.header("Location") == config.public_prefix


def test_responses_are_compressed(binary_gateway: LocalGateway) -> None:
    page = get(binary_gateway, binary_gateway.prefix, "text/html", accept_encoding="gzip")
    layout = get(binary_gateway, binary_gateway.prefix + "_dash-layout", "application/json", accept_encoding="br")

    assert page.header("Content-Encoding") == "gzip"
    assert layout.header("Content-Encoding") == "br"
    assert parse_page(decoded_body(page)).config["requests_pathname_prefix"] == binary_gateway.prefix


# --- apps the platform stops at import: one process for them, apart from the fixture app -----------

HEADER = "from dash import Dash, html\n\n"
FOOTER = "\napp.layout = html.P()\n"
BROKEN_APPS = {
    "own_base.py": HEADER + 'app = Dash(__name__, url_base_pathname="/dash/")\napp.layout = html.P()\n',
    "own_requests_prefix.py": HEADER
    + 'app = Dash(__name__, requests_pathname_prefix="/board/")\napp.layout = html.P()\n',
    "not_dash.py": "from flask import Flask\n\napp = Flask(__name__)\n",
    "uncompressed.py": HEADER + "app = Dash(__name__, compress=False)\napp.layout = html.P('x' * 600)\n",
}
# Loads each DASH_APP given in turn with the platform's loader; prints what happened to each.
LOAD_EACH = """
import json, os, sys
from serverless_dash import loader
results = {}
for spec in sys.argv[1:]:
    os.environ["DASH_APP"] = spec
    try:
        app = loader.load()
    except loader.AppConfigurationError as error:
        results[spec] = {"error": str(error)}
        continue
    answer = app.server.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    results[spec] = {"status": answer.status_code, "encoding": answer.headers.get("Content-Encoding")}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("apps")
    for name, source in BROKEN_APPS.items():
        (folder / name).write_text(source, encoding="utf-8")
    specs = ["own_base:app", "own_requests_prefix:app", "not_dash:app", "uncompressed:missing", "uncompressed:app"]
    env = subprocess_environment()
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env["PYTHONPATH"]])
    result = subprocess.run(
        [sys.executable, "-c", LOAD_EACH, *specs],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("spec", "own"),
    [("own_base:app", "url_base_pathname='/dash/'"), ("own_requests_prefix:app", "requests_pathname_prefix='/board/'")],
)
def test_an_app_with_a_prefix_of_its_own_is_stopped_naming_both(
    loaded: dict[str, dict], spec: str, own: str, config: StackConfig
) -> None:
    message = loaded[spec]["error"]

    assert own in message
    assert f"the stack serves it at {config.public_prefix!r}" in message
    assert f"{spec.partition(':')[0]}.py, line 3" in message  # the line to delete


def test_dash_app_naming_no_dash_app_is_stopped(loaded: dict[str, dict]) -> None:
    assert loaded["not_dash:app"]["error"] == "DASH_APP='not_dash:app': not_dash.app is not a Dash app"
    assert "uncompressed.missing is not a Dash app" in loaded["uncompressed:missing"]["error"]


def test_an_app_built_without_compression_is_compressed(loaded: dict[str, dict]) -> None:
    assert loaded["uncompressed:app"] == {"status": 200, "encoding": "gzip"}


def test_the_fixture_app_is_the_one_served() -> None:
    assert Path(app.config.assets_folder) == FIXTURE_APP / "assets"
