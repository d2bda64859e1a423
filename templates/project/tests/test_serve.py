"""`make serve` over real HTTP: tools/serve.py on a free port on 127.0.0.1, serving the platform
tests' fixture app (--app) through the stand-in for the stack's own door, at the stack's prefix.
And `make dev` (tools/dev.py): the app named by DASH_APP on Dash's debug server, at /."""

from __future__ import annotations

import atexit
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import CONFIG, FIXTURE_APP, FIXTURE_APP_SPEC, GREET_CALLBACK, GREETING, refusal, subprocess_environment
from page_load import parse_page

from tools import serve
from tools.apigateway import READINGS
from tools.stack_config import PROJECT_DIR, StackConfig

URL = re.compile(r"http://127\.0\.0\.1:\d+/\S*")
ICON_ACCEPT = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"


class Background:
    """`python -m <tool> --host 127.0.0.1 --port 0 <args>` in a process of its own, started when pytest
    collects the module that needs it: it imports Dash and the app (seconds) while the tests before
    it run. Stopped by the module's `servers` fixture, or when pytest exits."""

    def __init__(self, tool: str, *args: str, env: dict[str, str] | None = None, port: int = 0) -> None:
        # Its stderr: a file, which never fills up as a pipe does; closed by stop().
        self.log = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", tool, "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=PROJECT_DIR,
            env=env or subprocess_environment(),
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.tool = tool
        self._url: str | None = None
        atexit.register(self.stop)

    @property
    def url(self) -> str:
        """The URL the tool prints once it serves (the first: CloudFront's https:// one)."""
        if self._url is None:
            assert self.process.stdout is not None
            self._url = next((m.group(0) for line in self.process.stdout if (m := URL.search(line))), None)
            if self._url is None:
                self.log.seek(0)
                log = self.log.read().decode(errors="replace")[-3000:]
                raise AssertionError(f"{self.tool} printed no URL (exit {self.process.wait(timeout=10)}):\n{log}")
            wait_for_listener(self._url)
        return self._url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


def door_flags(config: StackConfig) -> tuple[str, ...]:
    flags = ("--app", FIXTURE_APP_SPEC)
    return (*flags, "--http-port", "0") if config.door == "cloudfront" else flags


# Only an HTTP API behind a custom domain has readings of rawPath to choose from (`make serve READING=`).
HAS_READINGS = CONFIG.door == "custom-domain" and CONFIG.api == "http"


def wait_for_listener(url: str, seconds: float = 30) -> None:
    """Until something accepts connections at the URL's port (Dash prints its URL, then listens)."""
    deadline = time.monotonic() + seconds
    port = urlsplit(url).port
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def free_port() -> int:
    """A port nothing listens on now (for a server that cannot be given port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SERVERS = {
    None: Background("tools.serve", *door_flags(CONFIG)),
    # The first reading, the mapping key, is `make serve`'s own (None).
    **{r: Background("tools.serve", *door_flags(CONFIG), "--reading", r) for r in READINGS[1:] if HAS_READINGS},
    # Dash prints the port it was given, so this one gets a free one (and no reloader: one process).
    "dev": Background("tools.dev", "--no-reload", port=free_port()),
}


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str | None, Background]]:
    yield SERVERS
    for server in SERVERS.values():
        server.stop()


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


def check_page_favicon_and_callback(url: str, prefix: str) -> None:
    """The page at the prefix, with Dash's links under it; the favicon as bytes; a callback."""
    origin = url[: -len(prefix)]
    status, _, html = fetch(url, headers={"Accept": "text/html"})
    page = parse_page(html)
    assert status == 200
    assert page.config["requests_pathname_prefix"] == prefix

    status, _, icon = fetch(origin + page.icons[0], headers={"Accept": ICON_ACCEPT})
    assert status == 200
    assert icon == (FIXTURE_APP / "assets" / "favicon.ico").read_bytes()

    body = json.dumps(GREET_CALLBACK).encode()
    status, _, answer = fetch(url + "_dash-update-component", body, {"Content-Type": "application/json"})
    assert status == 200
    assert json.loads(answer)["response"]["greeting"]["children"] == GREETING


def test_make_serve_serves_the_stacks_prefix_through_its_door(
    servers: dict[str | None, Background], config: StackConfig
) -> None:
    """The prefix template.yaml gives the function, through the stand-in for the stack's one door;
    a path outside it gets the function's refusal, naming the public URL."""
    url = servers[None].url
    origin, prefix = re.match(r"(http://[^/]+)(/.*)", url).groups()
    assert prefix == config.public_prefix
    check_page_favicon_and_callback(url, prefix)

    if prefix != "/" and config.door != "cloudfront":  # at "/" every path is inside the prefix
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(origin + "/not-the-prefix/", headers={"Accept": "text/html"})
        assert refused.value.code == 404
        assert refused.value.read().decode() == refusal(config)


def test_make_dev_serves_the_app_on_dashs_debug_server_at_the_root(servers: dict[str | None, Background]) -> None:
    """The app DASH_APP names (here the fixture app), at / whatever the stack's prefix, with Dash's
    dev tools on, its callbacks answering."""
    url = servers["dev"].url
    status, _, html = fetch(url, headers={"Accept": "text/html"})
    page = parse_page(html)
    assert status == 200
    assert page.config["requests_pathname_prefix"] == "/"
    assert page.config["ui"] is True  # Dash's dev tools: debug=True
    assert b"<title>Fixture</title>" in html

    body = json.dumps(GREET_CALLBACK).encode()
    status, _, answer = fetch(url + "_dash-update-component", body, {"Content-Type": "application/json"})
    assert json.loads(answer)["response"]["greeting"]["children"] == GREETING


def test_no_flag_for_a_door_the_stack_does_not_have(config: StackConfig, capsys: pytest.CaptureFixture[str]) -> None:
    """--reading is for an HTTP API's custom domain, --http-port for CloudFront: refused elsewhere,
    before anything is served."""
    flag, value = ("--http-port", "3001") if config.door != "cloudfront" else ("--reading", "none")
    with pytest.raises(SystemExit) as refused:
        serve.main([flag, value])

    assert refused.value.code == 2
    message = capsys.readouterr().err
    assert f"{flag} is for" in message
    assert f"this stack's door is {config.door}" in message


if HAS_READINGS:  # a stack without that door has no such flag to test

    @pytest.mark.parametrize("reading", READINGS)
    def test_make_serve_under_each_rawpath_reading(
        reading: str, servers: dict[str | None, Background], config: StackConfig
    ) -> None:
        """`make serve READING=...`: what an HTTP API writes into rawPath behind a custom domain, as
        each report has it (the mapping key, nothing, the stage): the dashboard works under each."""
        url = servers[None if reading == READINGS[0] else reading].url
        assert url.endswith(config.public_prefix)
        check_page_favicon_and_callback(url, config.public_prefix)
