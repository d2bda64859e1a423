"""Scripts and assets compressed once at build time (tools/build_function.py), served by the function
as stored (src/serverless_dash/precompressed.py) for the encoding the client accepts, with the app's
own headers.

The serving tests wrap a bare Flask app that serves a built assets folder at /assets/ as Dash does
(one Dash app per process: the fixture app's), through apig-wsgi and a local API Gateway.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import shutil
from pathlib import Path
from types import SimpleNamespace

import brotli
import pytest
from apig_wsgi import make_lambda_handler
from conftest import FIXTURE_APP, app
from flask import Flask

from serverless_dash.precompressed import StoredEncodings, accepted_encodings, serve_stored_encodings
from tools import build_function
from tools.apigateway import LocalGateway
from tools.stack_config import StackConfig

STYLE = ("/* a stylesheet big enough to be worth compressing */\n" + ".card { margin: 0 }\n" * 300).encode()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return build_function.precompress_cache_dir()


def build_assets(folder: Path) -> Path:
    """An assets folder as `sam build` leaves it: style.css with its stored .br and .gz."""
    folder.mkdir()
    (folder / "style.css").write_bytes(STYLE)
    (folder / "tiny.css").write_bytes(b"a{}")
    build_function.precompress(folder)
    return folder


@pytest.fixture
def fresh_build(tmp_path: Path, cache: Path) -> Path:
    return build_assets(tmp_path / "assets")


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        return build_assets(tmp_path_factory.mktemp("built") / "assets")


@pytest.fixture
def built_assets(tmp_path: Path, built_once: Path) -> Path:
    """A copy of the built folder (a test may change its files): one build for the module."""
    return Path(shutil.copytree(built_once, tmp_path / "assets"))


def test_the_build_stores_brotli_and_gzip_beside_each_file(fresh_build: Path, cache: Path) -> None:
    built_assets = fresh_build
    assert brotli.decompress((built_assets / "style.css.br").read_bytes()) == STYLE
    assert gzip.decompress((built_assets / "style.css.gz").read_bytes()) == STYLE
    assert not (built_assets / "tiny.css.br").exists(), "below 1,000 bytes compression gains nothing"
    # Brotli at quality 11, not flask-compress's per-request 4.
    assert len((built_assets / "style.css.br").read_bytes()) <= len(brotli.compress(STYLE, quality=4))
    assert sorted(p.suffix for p in cache.iterdir()) == [".br", ".gz"]


def test_a_second_build_takes_the_stored_copies_from_the_cache(fresh_build: Path, cache: Path) -> None:
    built_assets = fresh_build
    for entry in cache.iterdir():  # if the build compressed again it would write these anew
        entry.write_bytes(brotli.compress(STYLE) if entry.suffix == ".br" else gzip.compress(STYLE))
    (built_assets / "style.css.br").unlink()
    build_function.precompress(built_assets)

    assert (built_assets / "style.css.br").read_bytes() == (cache / next(cache.glob("*.br")).name).read_bytes()


def server_with_assets(folder: Path) -> Flask:
    """A WSGI app serving `folder` at /assets/ (conditional requests, ETag), with the stored encodings."""
    server = Flask(__name__, static_folder=str(folder), static_url_path="/assets")
    serve_stored_encodings(
        SimpleNamespace(server=server, config=SimpleNamespace(assets_folder=str(folder), assets_url_path="assets"))
    )
    return server


@pytest.fixture
def asset_gateway(built_assets: Path, config: StackConfig) -> LocalGateway:
    # apig-wsgi straight on the app, no door to take a prefix out of the path: a REST event on the
    # execute-api URL, whose path has no stage in it.
    config = dataclasses.replace(config, api="rest", binary_media_types=("*/*",), domain=None, base_path=None)
    return LocalGateway(config, make_lambda_handler(server_with_assets(built_assets), binary_support=True))


@pytest.mark.parametrize(
    ("accept_encoding", "served"),
    [
        ("gzip, deflate, br, zstd", "br"),  # Chromium
        ("gzip, deflate, br", "br"),  # Safari, Firefox
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("zstd", None),  # nothing stored for it: the app answers as before
        ("identity", None),
    ],
)
def test_the_stored_encoding_the_client_accepts_is_served(
    asset_gateway: LocalGateway, built_assets: Path, accept_encoding: str, served: str | None
) -> None:
    url = asset_gateway.prefix + "assets/style.css"
    response = asset_gateway.request("GET", url, {"Accept": "text/css", "Accept-Encoding": accept_encoding})
    plain = asset_gateway.request("GET", url, {"Accept": "text/css"})

    assert response.status == 200
    if served is None:
        assert response.header("Content-Encoding") is None
        assert response.body == STYLE
        return
    suffix = ".br" if served == "br" else ".gz"
    assert response.header("Content-Encoding") == served
    assert response.body == (built_assets / f"style.css{suffix}").read_bytes()
    assert response.header("Content-Length") == str(len(response.body))
    assert "Accept-Encoding" in (response.header("Vary") or "")
    same = ("Content-Type", "Cache-Control", "ETag", "Last-Modified")
    assert {h: response.header(h) for h in same} == {h: plain.header(h) for h in same}
    assert response.lambda_response["isBase64Encoded"] is True
    assert base64.b64decode(response.lambda_response["body"]) == response.body


def test_head_and_missing_files_keep_their_answers(asset_gateway: LocalGateway) -> None:
    headers = {"Accept": "text/css", "Accept-Encoding": "br"}
    head = asset_gateway.request("HEAD", asset_gateway.prefix + "assets/style.css", headers)
    missing = asset_gateway.request("GET", asset_gateway.prefix + "assets/nope.css", headers)

    assert (head.status, head.header("Content-Encoding"), head.body) == (200, "br", b"")
    assert missing.status == 404 and missing.header("Content-Encoding") != "br"


def test_urls_map_to_the_files_dash_serves_and_nothing_outside() -> None:
    """The fixture app's own: the platform installed it there."""
    import plotly

    stored = app.server.wsgi_app
    assert isinstance(stored, StoredEncodings)
    plotly_js = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    suites = "/_dash-component-suites/plotly/package_data/"

    assert stored._source(suites + "plotly.min.js") == plotly_js
    assert stored._source(suites + "plotly.v6_0_0m1700000000.min.js") == plotly_js
    assert stored._source("/_dash-component-suites/plotly/../../../etc/passwd") is None
    assert stored._source("/_dash-component-suites/not_imported/x.js") is None
    assert stored._source(suites + "plotly.min.js\x00.png") is None
    assert stored._source("/assets/../handler.py") is None
    assert stored._source("/assets/style.css") == (FIXTURE_APP / "assets" / "style.css").resolve()


def test_accepted_encodings_read_q_values() -> None:
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings(None) == set()


def test_a_later_request_gets_the_kept_answer_and_conditional_ones_reach_the_app(
    asset_gateway: LocalGateway, built_assets: Path
) -> None:
    url = asset_gateway.prefix + "assets/style.css"
    first = asset_gateway.request("GET", url, {"Accept": "text/css", "Accept-Encoding": "br"})
    (built_assets / "style.css").write_bytes(b"changed")  # a file never changes in a container
    (built_assets / "style.css.br").write_bytes(b"changed")
    again = asset_gateway.request("GET", url, {"Accept": "text/css", "Accept-Encoding": "br"})

    assert (again.status, again.headers, again.body) == (first.status, first.headers, first.body)
    etag = {"Accept": "text/css", "Accept-Encoding": "br", "If-None-Match": first.header("ETag") or ""}
    assert asset_gateway.request("GET", url, etag).body != first.body, "a conditional request reaches the app"
