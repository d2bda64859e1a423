"""`make serve` over real HTTP: tools/serve.py on a free port on 127.0.0.1."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from page_load import AGE_CALLBACK, parse_page

from dashboard import ASSETS_DIR
from tools.apigateway import READINGS
from tools.stack_config import PROJECT_DIR

URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*")


def start_serve(*args: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.serve", "--host", "127.0.0.1", "--port", "0", *args],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        match = URL.search(line)
        if match:
            return process, match.group(0)
    process.kill()
    raise AssertionError(f"tools/serve.py printed no URL (exit {process.wait()})")


SHAPES = {"stage": (), "custom-domain": ("--custom-domain", "--base-path", "reports"), "cdn": ("--cdn",)}


@pytest.fixture(params=list(SHAPES))
def served(request: pytest.FixtureRequest, config) -> Iterator[tuple[str, str]]:
    """The URL `make serve` (or serve-domain, serve-cdn) prints, and the prefix it must have."""
    process, url = start_serve(*SHAPES[request.param])
    expected = {
        "stage": config.stage_prefix,
        "custom-domain": "/reports/",
        "cdn": config.cdn.viewer_prefix if config.cdn else "/",
    }
    try:
        yield url, expected[request.param]
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def test_page_favicon_and_callback_over_http(served: tuple[str, str]) -> None:
    served, expected_prefix = served
    prefix = re.sub(r"^http://[^/]+", "", served)
    origin = served[: -len(prefix)]
    assert prefix == expected_prefix

    status, _, html = fetch(served, headers={"Accept": "text/html"})
    page = parse_page(html)
    assert status == 200
    assert page.config["requests_pathname_prefix"] == prefix

    status, _, icon = fetch(origin + page.icons[0], headers={"Accept": "image/avif,image/*,*/*;q=0.8"})
    assert status == 200
    assert icon == (ASSETS_DIR / "favicon.ico").read_bytes()

    status, _, answer = fetch(
        served + "_dash-update-component", json.dumps(AGE_CALLBACK).encode(), {"Content-Type": "application/json"}
    )
    assert status == 200
    assert "days young" in json.loads(answer)["response"]["age"]["children"]


def test_paths_outside_the_stage_are_refused_like_api_gateway(config) -> None:
    process, url = start_serve()
    try:
        origin = re.match(r"http://[^/]+", url).group(0)
        if config.stage_prefix == "/":  # an HTTP API's $default stage answers every path
            assert fetch(origin + "/not-a-stage/")[0] == 200
        else:
            with pytest.raises(urllib.error.HTTPError) as refused:
                fetch(origin + "/not-the-stage/")
            assert refused.value.code == 403
    finally:
        process.terminate()
        process.wait(timeout=10)


def refused_serve(*args: str) -> subprocess.CompletedProcess:
    """tools/serve.py with flags it must refuse: its exit status and message."""
    return subprocess.run(
        [sys.executable, "-m", "tools.serve", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60
    )


def test_base_path_needs_custom_domain() -> None:
    result = refused_serve("--base-path", "reports")
    assert result.returncode == 2
    assert "--base-path needs --custom-domain" in result.stderr


def test_serve_cdn_answers_a_second_visitor_from_the_edge_and_redirects_http() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.serve", "--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--cdn"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        urls = [m.group(0) for line in (process.stdout.readline() for _ in range(3)) for m in [URL.search(line)] if m]
        https_url, http_url = urls
        page = parse_page(fetch(https_url, headers={"Accept": "text/html"})[2])
        script = re.match(r"http://[^/]+", https_url).group(0) + page.scripts[-1]
        first, second = (fetch(script)[1].get("X-Cache") for _ in range(2))
        assert (first, second) == ("Miss from cloudfront", "Hit from cloudfront")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: object) -> None:
                return None

        with pytest.raises(urllib.error.HTTPError) as redirected:
            urllib.request.build_opener(NoRedirect).open(http_url, timeout=60)
        assert redirected.value.code == 301
        assert redirected.value.headers["Location"] == https_url
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)
    assert "edge cache hit, function not called" in log
    assert "-> function (uncached" in log


@pytest.mark.parametrize("reading", READINGS)
def test_serve_domain_under_each_reading(reading: str, config) -> None:
    """`make serve-domain READING=...`: an HTTP API's custom domain with rawPath as each report has
    it, and the dashboard works; a REST API has one documented shape and refuses the flag."""
    if config.api == "rest" and reading != "key":
        result = refused_serve("--custom-domain", "--reading", reading)
        assert result.returncode == 2
        assert "--reading is for HTTP APIs" in result.stderr
        return
    process, url = start_serve("--custom-domain", "--base-path", "board", "--reading", reading)
    try:
        origin, prefix = re.match(r"(http://[^/]+)(/.*)", url).groups()
        assert prefix == "/board/"
        status, _, html = fetch(url, headers={"Accept": "text/html"})
        page = parse_page(html)
        assert status == 200
        assert page.config["requests_pathname_prefix"] == "/board/"
        status, _, icon = fetch(origin + page.icons[0], headers={"Accept": "image/avif,image/*,*/*;q=0.8"})
        assert icon == (ASSETS_DIR / "favicon.ico").read_bytes()
        status, _, answer = fetch(
            url + "_dash-update-component", json.dumps(AGE_CALLBACK).encode(), {"Content-Type": "application/json"}
        )
        assert "days young" in json.loads(answer)["response"]["age"]["children"]
    finally:
        process.terminate()
        process.wait(timeout=10)
