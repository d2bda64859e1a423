"""The Python half of `npm run bench`: measures a generated project, prints one JSON object.

    python bench/measure.py cold|warm|signin|page|artefact|artefact-pandas|serving|cdn --project DIR [--runs N]

Run with a Python that has the project's requirements-dev.txt installed (bench/run.ts uses the
shared venv). Progress goes to stderr; the figures go to stdout as JSON, for bench/run.ts.
Everything is measured against a baseline from the same run, so a busy machine slows both sides.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import importlib
import io
import json
import mimetypes
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

FUNCTION_ID = "DashFunction"
# The platform's Lambda entry (template.yaml: Handler: serverless_dash.handler.lambda_handler).
HANDLER_MODULE = "serverless_dash.handler"
# The generated README's "Add a dependency" example, as the matrix runs it (test/matrix/variants.ts).
PANDAS = "pandas"  # make lock picks the newest version with wheels for the runtime
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def median_ms(samples_ns: list[int]) -> float:
    return statistics.median(samples_ns) / 1e6


def use_project(project: Path) -> None:
    """Import the generated project's code (src/), tools and test helpers as its pytest does."""
    for sub in ("tests", ".", "src"):
        path = str(project / sub)
        if path not in sys.path:
            sys.path.insert(0, path)


def function_environment(project: Path) -> dict[str, str]:
    """The environment template.yaml gives the function (DASH_PUBLIC_PREFIX, DASH_APP, ...); with
    background callbacks, the local job table (moto's server, one for this bench process, as the
    project's tests and make serve use) where the stack has DynamoDB, and a stand-in for the
    signing secret the stack resolves on deploy."""
    use_project(project)
    from tools.stack_config import stack_config

    env = stack_config().string_environment()
    if (project / "tools" / "local_aws.py").is_file():
        from tools import local_aws

        # On deploy CloudFormation resolves the stack's secret into DASH_JOBS_SECRET: a stand-in.
        env |= local_aws.for_this_process() | {"DASH_JOBS_SECRET": "bench-stand-in-for-the-stack-secret"}
    return env


def app_spec(env: dict[str, str]) -> tuple[str, str]:
    """DASH_APP ("module:attribute", default app:app) as (module, attribute)."""
    module, _, attribute = (env.get("DASH_APP") or "app:app").partition(":")
    return module, attribute or "app"


def import_handler(project: Path, **overrides: str) -> Any:
    """The platform's Lambda entry, imported as Lambda does: the function's environment first (the
    app is imported once, at DASH_PUBLIC_PREFIX, when the module is), with `overrides`."""
    os.environ.update(function_environment(project) | overrides)
    return importlib.import_module(HANDLER_MODULE)


def recording_gateway(handler: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The project's LocalGateway at the stack's public door, in front of `handler`, and the list of
    the events it sends (each appended before the handler answers it)."""
    from tools.apigateway import LocalGateway
    from tools.stack_config import stack_config

    events: list[dict[str, Any]] = []

    def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return handler.lambda_handler(event, context)

    config = stack_config()
    return LocalGateway(config, record, custom_domain=config.door == "custom-domain"), events


def capture_events(project: Path, **overrides: str) -> dict[str, Any]:
    """REST events for GET /<prefix>/, GET _dash-layout and the charts callback, as API Gateway sends
    them through the stack's public door, built by the project's own LocalGateway (the handler is
    wrapped by a recorder). Imports the handler in this process (its environment with `overrides`)."""
    handler = import_handler(project, **overrides)
    from page_load import (
        BROWSER_ACCEPT_ENCODING,
        decoded_body,
        get,
        initial_callbacks,
        post_json,
        routed_page,
        routing_callback,
    )

    gateway, events = recording_gateway(handler)
    prefix = gateway.prefix
    get(gateway, prefix, "text/html,application/xhtml+xml,*/*;q=0.8", BROWSER_ACCEPT_ENCODING)
    layout = get(gateway, prefix + "_dash-layout", "application/json", BROWSER_ACCEPT_ENCODING)
    dependencies = get(gateway, prefix + "_dash-dependencies", "application/json", BROWSER_ACCEPT_ENCODING)
    shell, deps = json.loads(decoded_body(layout)), json.loads(decoded_body(dependencies))
    # Dash Pages: the router's callback answers with the overview page, whose callbacks follow.
    routed = post_json(
        gateway, prefix + "_dash-update-component", routing_callback(deps, prefix), BROWSER_ACCEPT_ENCODING
    )
    content, _title = routed_page(routed)
    bodies = initial_callbacks([shell, content], deps, added=content)
    charts = max(bodies, key=lambda b: b["output"].count("..."))  # the one with the most outputs: the charts
    post_json(gateway, prefix + "_dash-update-component", charts, BROWSER_ACCEPT_ENCODING)
    index, layout_event, _, _router, callback_event = events
    return {"index": index, "layout": layout_event, "callback": callback_event, "prefix": prefix}


# --- cold start ---------------------------------------------------------------------------------

# Each program runs in a fresh interpreter with the code directory as its working directory (as
# /var/task on Lambda) and prints one line when done: a status and the CPU seconds used so far. The
# parent times start -> that line; the CPU time says how much of it was work rather than waiting.
COLD_PROGRAMS = {
    # The floor: import Dash and build the same app, as Dash alone would at this prefix (the process
    # has DASH_REQUESTS_PATHNAME_PREFIX): import the module DASH_APP names, nothing else.
    "floor": """
import importlib
app = getattr(importlib.import_module({module!r}), {attribute!r})
import time
print(200, time.process_time(), flush=True)
""",
    # The platform: import its Lambda entry (which imports the app), answer GET /<prefix>/.
    "handler": """
import json
with open({event_file!r}) as f:
    event = json.load(f)
import importlib
handler = importlib.import_module({handler_module!r})
response = handler.lambda_handler(event, None)
import time
print(response["statusCode"], time.process_time(), flush=True)
""",
    # The ten-line handler: the app at the prefix handed to apig-wsgi, nothing else of the platform.
    "ten_line": """
import json
with open({event_file!r}) as f:
    event = json.load(f)
import importlib
from apig_wsgi import make_lambda_handler
app = getattr(importlib.import_module({module!r}), {attribute!r})
lambda_handler = make_lambda_handler(app.server, binary_support=True)
response = lambda_handler(event, None)
import time
print(response["statusCode"], time.process_time(), flush=True)
""",
}


def cold_program(name: str, event_file: Path, env: dict[str, str], handler_module: str = HANDLER_MODULE) -> str:
    module, attribute = app_spec(env)
    return COLD_PROGRAMS[name].format(
        event_file=str(event_file), module=module, attribute=attribute, handler_module=handler_module
    )


def time_fresh_process(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, float]:
    """Nanoseconds from starting `command` to its line of output, and the CPU seconds it reports."""
    started = time.perf_counter_ns()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    line = child.stdout.readline().split()
    elapsed = time.perf_counter_ns() - started
    if child.wait() != 0 or len(line) != 2 or line[0] != "200":
        raise SystemExit(f"cold-start program failed (exit {child.returncode}, output {line}): {command}")
    return elapsed, float(line[1])


Command = tuple[list[str], Path] | tuple[list[str], Path, dict[str, str]]


def cold_starts(commands: dict[str, Command], env: dict[str, str], runs: int) -> dict[str, Any]:
    """`runs` fresh processes per command (a command: arguments, working directory and, if not `env`,
    its environment), in turns with a rotating start (after one untimed round for the page cache),
    so every command sees the same noise. Medians, in ms."""
    commands = {name: (c[0], c[1], c[2] if len(c) == 3 else env) for name, c in commands.items()}
    for command, cwd, command_env in commands.values():
        time_fresh_process(command, cwd, command_env)
    wall: dict[str, list[int]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    for run in range(runs):
        for name in order[run % len(order) :] + order[: run % len(order)]:
            elapsed, cpu_seconds = time_fresh_process(*commands[name])
            wall[name].append(elapsed)
            cpu[name].append(cpu_seconds)
        log(f"cold starts {run + 1}/{runs}")
    return {
        name: {
            "median_ms": median_ms(wall[name]),
            "cpu_median_ms": statistics.median(cpu[name]) * 1e3,
            "runs_ms": [round(x / 1e6, 1) for x in wall[name]],
        }
        for name in commands
    }


# What the platform sets on any app for Lambda (serverless_dash/loader.py), as Dash's own variables:
# compression (Lambda's 6 MB response limit needs it) and no Dash Pages validation layout in the
# page. The bare app gets them too, so both sides send the same page, layout and callback answers.
DASH_SETTINGS = {"DASH_COMPRESS": "true", "DASH_SUPPRESS_CALLBACK_EXCEPTIONS": "true"}


def process_environment(project: Path, prefix: str, *, dash_settings: bool = True) -> dict[str, str]:
    """A child's environment: the function's variables, and for the programs that build the app
    without the platform, its prefix as Dash reads it (DASH_REQUESTS_PATHNAME_PREFIX; the platform
    sets it itself, to the same) and DASH_SETTINGS (unless `dash_settings` is False: Dash's defaults)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", *DASH_SETTINGS)}
    env |= function_environment(project) | {"DASH_REQUESTS_PATHNAME_PREFIX": prefix}
    return env | DASH_SETTINGS if dash_settings else env


def measure_cold(project: Path, runs: int) -> dict[str, Any]:
    events = capture_events(project)
    env = process_environment(project, events["prefix"])
    with tempfile.TemporaryDirectory() as tmp:
        event_file = Path(tmp) / "event.json"
        event_file.write_text(json.dumps(events["index"]))
        commands = {
            name: ([sys.executable, "-c", cold_program(name, event_file, env)], project / "src")
            for name in COLD_PROGRAMS
        }
        figures = cold_starts(commands, env, runs)
    floor = figures["floor"]["median_ms"]
    return {
        "runs": runs,
        "python": sys.version.split()[0],
        "prefix": events["prefix"],
        **figures,
        "handler_ratio": figures["handler"]["median_ms"] / floor,
        "handler_cpu_ratio": figures["handler"]["cpu_median_ms"] / figures["floor"]["cpu_median_ms"],
        "ten_line_ratio": figures["ten_line"]["median_ms"] / floor,
    }


# --- warm latency -------------------------------------------------------------------------------
#
# Dash keeps one page registry and one set of global callbacks per process, so the platform's app
# and the bare app cannot live side by side in one process: each lives in a worker process of its
# own (`measure.py worker`), which times one request per line it is sent and answers with the
# nanoseconds. The parent sends the requests in turns, so both sides see the same noise.


def event_to_werkzeug(event: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The same request for a WSGI app: path below the prefix (Dash's routes sit at "/"), the same
    headers (Host and X-Forwarded-Proto make it https, as behind API Gateway)."""
    headers = {k: v[-1] for k, v in event["multiValueHeaders"].items()}
    body = event["body"] or ""
    path = event["path"]
    if path.startswith(prefix):  # a custom domain's base path stays in a REST event's path
        path = "/" + path[len(prefix) :]
    return {
        "path": path,
        "method": event["httpMethod"],
        "headers": headers,
        "query_string": event.get("queryStringParameters") or None,
        "data": base64.b64decode(body) if event["isBase64Encoded"] else body.encode(),
        "base_url": f"https://{headers['Host']}/",
    }


def direct_wsgi_call(app: Any, request: dict[str, Any]) -> Callable[[], None]:
    """The request as a prebuilt WSGI environ, handed straight to the app: no client at all."""
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(**request)
    environ = builder.get_environ()
    builder.close()

    def call() -> None:
        statuses: list[str] = []
        result = app({**environ, "wsgi.input": io.BytesIO(request["data"])}, lambda s, h, e=None: statuses.append(s))
        try:
            b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        assert statuses[0].startswith("200"), statuses[0]

    return call


def worker(role: str, events_file: Path) -> None:
    """A measuring process: `handler` imports the platform's Lambda entry (the function's environment
    is this process's); `bare` imports the app named by DASH_APP as Dash alone builds it (the process
    has DASH_REQUESTS_PATHNAME_PREFIX). Reads "<way> <kind>" lines, runs that request once, answers
    with the nanoseconds it took ("ready" first; "error ..." on a failure)."""
    events = json.loads(events_file.read_text())
    prefix = events["prefix"]
    ways: dict[str, Callable[[dict[str, Any]], Callable[[], None]]] = {}
    if role == "handler":
        handler = importlib.import_module(HANDLER_MODULE)

        def through_handler(event: dict[str, Any]) -> Callable[[], None]:
            def call() -> None:
                response = handler.lambda_handler(event, None)
                assert response["statusCode"] == 200, (response["statusCode"], str(response.get("body"))[:200])

            return call

        ways["handler"] = through_handler
        signed_out = {
            kind: {
                **event,
                "headers": {k: v for k, v in event["headers"].items() if k.lower() != "cookie"},
                "multiValueHeaders": {k: v for k, v in event["multiValueHeaders"].items() if k.lower() != "cookie"},
            }
            for kind, event in events.items()
            if kind != "prefix"
        }
        # The platform's app as the handler holds it (its headers and logs installed), called bare.
        ways["prepared"] = lambda event: direct_wsgi_call(handler.app.server, event_to_werkzeug(event, prefix))
    else:
        from apig_wsgi import make_lambda_handler
        from werkzeug.test import Client

        module, attribute = app_spec(dict(os.environ))
        app = getattr(importlib.import_module(module), attribute)
        client = Client(app.server)
        ten_line = make_lambda_handler(app.server, binary_support=True)

        def through_client(event: dict[str, Any]) -> Callable[[], None]:
            request = event_to_werkzeug(event, prefix)

            def call() -> None:
                response = client.open(**request)
                response.get_data()
                assert response.status_code == 200, response.status_code

            return call

        def through_ten_line(event: dict[str, Any]) -> Callable[[], None]:
            def call() -> None:
                assert ten_line(event, None)["statusCode"] == 200

            return call

        ways["direct"] = lambda event: direct_wsgi_call(app.server, event_to_werkzeug(event, prefix))
        ways["client"] = through_client
        ways["ten_line"] = through_ten_line
    calls = {(way, kind): make(events[kind]) for way, make in ways.items() for kind in ("index", "layout", "callback")}
    print("ready", flush=True)
    for line in sys.stdin:
        way, kind = line.split()
        if way == "status_without_cookie":  # the status code, not a time: is sign-in on here?
            print(handler.lambda_handler(signed_out[kind], None)["statusCode"], flush=True)
            continue
        try:
            call = calls[way, kind]
            started = time.perf_counter_ns()
            call()
            print(time.perf_counter_ns() - started, flush=True)
        except Exception as error:  # noqa: BLE001 - reported to the parent, which stops
            print(f"error {way} {kind}: {error!r}", flush=True)


class Worker:
    """A `measure.py worker` process, and a function per (way, kind) that times one request in it."""

    def __init__(self, role: str, events_file: Path, cwd: Path, env: dict[str, str], name: str = "") -> None:
        self.role = name or role
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "worker", role, "--events", str(events_file)],
            cwd=cwd,
            env={**env, "PYTHONPATH": str(cwd)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def _expect(self, word: str) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line or line.startswith("error") or (word and line != word):
            raise SystemExit(f"bench worker ({self.role}) failed: {line or 'it exited'}")
        return line

    def timer(self, way: str, kind: str) -> Callable[[], int]:
        def run() -> int:
            assert self.process.stdin is not None
            self.process.stdin.write(f"{way} {kind}\n")
            self.process.stdin.flush()
            return int(self._expect(""))

        return run

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def alternate(functions: list[Callable[[], int]], count: int) -> list[list[int]]:
    """Runs each timer `count` times, in turns with a rotating start (after a few untimed rounds),
    so every one sees the same noise. Nanoseconds per call, per function."""
    for _ in range(5):
        for fn in functions:
            fn()
    samples: list[list[int]] = [[] for _ in functions]
    for n in range(count):
        for i in range(len(functions)):
            k = (n + i) % len(functions)
            samples[k].append(functions[k]())
    return samples


def write_events(project: Path, folder: Path, **environment: str) -> tuple[Path, str]:
    """The captured events, as a file for the workers; and the prefix."""
    events = capture_events(project, **environment)
    path = folder / "events.json"
    path.write_text(json.dumps(events))
    return path, events["prefix"]


def measure_warm(project: Path, runs: int) -> dict[str, Any]:
    """Warm page, layout and charts callback: through the platform's handler (its own process)
    against the same app as Dash alone builds it (another process): a direct WSGI call with a
    prebuilt environ, werkzeug's test client, and the ten-line apig-wsgi handler."""
    kinds = {"index": runs, "layout": runs, "callback": max(runs // 3, 30)}
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        events_file, prefix = write_events(project, Path(tmp))
        env = process_environment(project, prefix)
        platform_side = Worker("handler", events_file, project / "src", env)
        bare_side = Worker("bare", events_file, project / "src", env)
        # The same app with Dash's defaults (compressed, as the handler's): the page as Dash sends
        # it when nobody turns off Dash Pages' validation layout.
        defaults = process_environment(project, prefix, dash_settings=False) | {"DASH_COMPRESS": "true"}
        dash_defaults = Worker("bare", events_file, project / "src", defaults)
        try:
            index_samples = alternate(
                [platform_side.timer("handler", "index"), dash_defaults.timer("direct", "index")], max(runs // 10, 30)
            )
            results["dash_defaults_index"] = {
                "requests": len(index_samples[0]),
                "handler_ms": median_ms(index_samples[0]),
                "direct_wsgi_ms": median_ms(index_samples[1]),
            }
            log(f"warm index, Dash's defaults (validation layout in the page): {median_ms(index_samples[1]):.2f} ms")
            for kind, count in kinds.items():
                ways = [
                    platform_side.timer("handler", kind),
                    bare_side.timer("direct", kind),
                    bare_side.timer("client", kind),
                    bare_side.timer("ten_line", kind),
                    platform_side.timer("prepared", kind),
                ]
                handler_ms, direct_ms, client_ms, ten_line_ms, prepared_ms = (
                    median_ms(s) for s in alternate(ways, count)
                )
                results[kind] = {
                    "requests": count,
                    "handler_ms": handler_ms,
                    "direct_wsgi_ms": direct_ms,
                    "ratio_to_direct_wsgi": handler_ms / direct_ms,
                    "bare_ms": client_ms,
                    "ratio": handler_ms / client_ms,
                    "ten_line_ms": ten_line_ms,
                    "ratio_to_ten_line": handler_ms / ten_line_ms,
                    "prepared_direct_wsgi_ms": prepared_ms,
                }
                log(
                    f"warm {kind}: handler {handler_ms:.2f} ms, bare app direct {direct_ms:.2f} ms, "
                    f"test client {client_ms:.2f} ms, ten-line handler {ten_line_ms:.2f} ms, "
                    f"platform's app direct {prepared_ms:.2f} ms"
                )
        finally:
            platform_side.close()
            bare_side.close()
            dash_defaults.close()
        results["accept_encoding"] = json.loads(events_file.read_text())["index"]["headers"]["Accept-Encoding"]
    return results


def measure_signin(project: Path, runs: int) -> dict[str, Any]:
    """A --auth cognito project: warm page, layout and charts callback through the handler with
    sign-in on (a valid session cookie, checked against the project's local OpenID Connect provider)
    and off (DASH_AUTH=none), each in a process of its own (the handler reads DASH_AUTH once, at
    import), the same events with the same Cookie header both ways, in turns."""
    use_project(project)
    from local_provider import LocalProvider

    provider = LocalProvider()
    server = provider.start()
    cookie = f"dash_session={provider.id_token()}"
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        events_file, prefix = write_events(project, Path(tmp), DASH_AUTH="none")  # captured signed out
        events = json.loads(events_file.read_text())
        for kind in ("index", "layout", "callback"):
            event = events[kind]
            event["headers"] = {**event["headers"], "Cookie": cookie}
            event["multiValueHeaders"] = {**event["multiValueHeaders"], "Cookie": [cookie]}
        events_file.write_text(json.dumps(events))
        env = process_environment(project, prefix)
        off = Worker("handler", events_file, project / "src", env | {"DASH_AUTH": "none"}, "sign-in off")
        on = Worker("handler", events_file, project / "src", env | provider.environment(), "sign-in on")
        try:
            statuses = {side.role: side.timer("status_without_cookie", "index")() for side in (off, on)}
            if statuses != {"sign-in off": 200, "sign-in on": 302}:
                raise SystemExit(f"GET {prefix} without the session cookie: expected 200 off, 302 on; got {statuses}")
            kinds = {"index": runs, "layout": runs, "callback": max(runs // 3, 30)}
            for kind, count in kinds.items():
                off_samples, on_samples = alternate([off.timer("handler", kind), on.timer("handler", kind)], count)
                off_ms, on_ms = median_ms(off_samples), median_ms(on_samples)
                results[kind] = {"requests": count, "without_ms": off_ms, "with_ms": on_ms, "ratio": on_ms / off_ms}
                log(f"sign-in {kind}: with {on_ms:.3f} ms, without {off_ms:.3f} ms ({on_ms / off_ms:.3f}x)")
        finally:
            off.close()
            on.close()
            server.shutdown()
    return results


# --- page weight --------------------------------------------------------------------------------


def without_system_mime_types() -> str:
    """Python's built-in MIME table only, as on the Lambda runtime images (no /etc/mime.types)."""
    mimetypes.knownfiles = []
    mimetypes.init()
    return mimetypes.guess_type("plotly.min.js")[0] or ""


def measure_page(project: Path) -> dict[str, Any]:
    js_type = without_system_mime_types()  # before the project's modules import anything
    handler = import_handler(project)
    from page_load import BROWSER_ACCEPT_ENCODING, load_page
    from tools.apigateway import LocalGateway
    from tools.stack_config import stack_config

    config = stack_config()
    loads = {}
    for name, accept_encoding in (("browser", BROWSER_ACCEPT_ENCODING), ("gzip", "gzip, deflate"), ("none", None)):
        responses = load_page(LocalGateway(config, handler.lambda_handler), accept_encoding)
        rows = [
            {
                "url": url,
                "status": r.status,
                "content_type": r.header("Content-Type"),
                "content_encoding": r.header("Content-Encoding"),
                "wire_bytes": len(r.body),
                "lambda_response_bytes": r.lambda_response_bytes,
                "base64": bool(r.lambda_response.get("isBase64Encoded")),
            }
            for url, r in responses.items()
        ]
        failed = [row for row in rows if row["status"] != 200]
        if failed:
            raise SystemExit(f"page load ({name}) had failed requests: {failed}")
        largest = max(rows, key=lambda row: row["lambda_response_bytes"])
        loads[name] = {
            "accept_encoding": accept_encoding,
            "invocations": len(rows),
            "wire_bytes": sum(row["wire_bytes"] for row in rows),
            "largest_response_bytes": largest["lambda_response_bytes"],
            "largest_response_url": largest["url"],
            "requests": rows,
        }
        log(f"page load ({name}): {len(rows)} invocations, {loads[name]['wire_bytes']:,} bytes")
    return {"js_mime_type": js_type, "api": config.api, "loads": loads}


# --- the serving path (issue 11) ----------------------------------------------------------------

# Accept-Encoding of each browser family, and gzip only (older clients, some proxies).
ACCEPT_ENCODINGS = {
    "Chromium": "gzip, deflate, br, zstd",
    "Safari": "gzip, deflate, br",
    "gzip only": "gzip, deflate",
}


def page_stage(url: str, prefix: str) -> int:
    """When a browser asks for `url` in a first page load: 0 the page; 1 what the page names;
    2 layout and dependencies (once the renderer ran); 3 async chunks, plotly.js and callbacks."""
    below = url[len(prefix) :]
    if below == "":
        return 0
    if below.startswith(("_dash-layout", "_dash-dependencies")):
        return 2
    if below.startswith("_dash-update-component") or "/async-" in below or below.endswith("plotly.min.js"):
        return 3
    return 1


def timed_handler(handler: Callable[..., Any], spent: list[float]) -> Callable[..., Any]:
    def timed(event: dict[str, Any], context: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return handler(event, context)
        finally:
            spent.append((time.perf_counter_ns() - started) / 1e6)

    return timed


def measure_serving(project: Path, runs: int) -> dict[str, Any]:
    """A first page load per Accept-Encoding: bytes on the wire, and the handler's time over the
    whole load once warm (median of `runs` loads). With PYTHONPATH set to a sam build artefact,
    Dash and Plotly come from it, with the copies compressed at build time."""
    import dash

    handler = import_handler(project)
    from page_load import load_page
    from tools.apigateway import LocalGateway
    from tools.stack_config import stack_config

    config = stack_config()
    stored = Path(dash.__file__).resolve().parent.parent / "plotly" / "package_data" / "plotly.min.js.br"
    loads: dict[str, Any] = {}
    for name, accept_encoding in ACCEPT_ENCODINGS.items():
        spent: list[float] = []
        gateway = LocalGateway(config, timed_handler(handler.lambda_handler, spent))
        load_page(gateway, accept_encoding)  # warm: the app is built, files are in the page cache
        totals, per_request = [], {}
        for _ in range(runs):
            spent.clear()
            responses = load_page(gateway, accept_encoding)
            totals.append(sum(spent))
            for url, ms in zip(responses, spent, strict=True):
                per_request.setdefault(url, []).append(ms)
        failed = {url: r.status for url, r in responses.items() if r.status != 200}
        if failed:
            raise SystemExit(f"page load ({name}) had failed requests: {failed}")
        loads[name] = {
            "accept_encoding": accept_encoding,
            "invocations": len(responses),
            "wire_bytes": sum(len(r.body) for r in responses.values()),
            "handler_ms": statistics.median(totals),
            "requests": [
                {
                    "url": url,
                    "stage": page_stage(url, gateway.prefix),
                    "handler_ms": statistics.median(per_request[url]),
                    "content_encoding": r.header("Content-Encoding"),
                    "wire_bytes": len(r.body),
                }
                for url, r in responses.items()
            ],
        }
        log(f"serving ({name}): {loads[name]['wire_bytes']:,} bytes, handler {loads[name]['handler_ms']:.1f} ms")
    return {"stored_encodings": stored.is_file(), "prefix": gateway.prefix, "loads": loads}


def measure_cdn(project: Path) -> dict[str, Any]:
    """A --cdn project: the Lambda invocations of a first and of a second visitor's first page load
    (a new browser, nothing in its own cache) through the distribution of template.yaml."""
    secret = "BenchOriginSecret" * 4
    os.environ.update(function_environment(project))
    from page_load import BROWSER_ACCEPT_ENCODING, load_page
    from tools.cloudfront import distribution_for
    from tools.cloudfront import function_environment as origin_secret_environment
    from tools.stack_config import stack_config

    os.environ.update(origin_secret_environment(secret))  # what the deployed function knows of it
    config = stack_config()
    if config.cdn is None:
        raise SystemExit(f"{project} has no CloudFront distribution (generate it with --cdn)")
    cloudfront = distribution_for(config, secret)  # imports the platform's handler
    visits = []
    for _ in range(2):
        cloudfront.origin_requests.clear()
        responses = load_page(cloudfront, BROWSER_ACCEPT_ENCODING)
        failed = {url: r.status for url, r in responses.items() if r.status != 200}
        if failed:
            raise SystemExit(f"page load through CloudFront had failed requests: {failed}")
        visits.append(
            {
                "requests": len(responses),
                "invocations": len(cloudfront.origin_requests),
                "reached": [f"{r.method} {r.path} ({r.reason})" for r in cloudfront.origin_requests],
            }
        )
        log(f"cdn visit: {len(responses)} requests, {len(cloudfront.origin_requests)} reached the function")
    return {"first_visit": visits[0], "second_visit": visits[1]}


# --- visitors in the same second: API Gateway's token bucket and Lambda's containers ------------


def _cacheable(url: str, prefix: str) -> bool:
    below = url[len(prefix) :]
    return below.startswith(("_dash-component-suites/", "assets/"))


def simulate_visitors(
    visitors: int,
    requests: list[dict[str, Any]],
    prefix: str,
    *,
    rate: float,
    burst: float,
    cold_start_ms: float,
    cdn: bool,
    rtt_ms: float = 30.0,
    concurrency_limit: int = 1000,
) -> dict[str, Any]:
    """`visitors` new browsers opening the dashboard, spread evenly over one second.

    Each runs the page load's stages in order (a stage's requests at once, the next when they are
    all answered). A request reaching API Gateway takes a token from its bucket (`burst` tokens,
    refilled at `rate` per second) or gets a 429; an admitted one runs in a free warm container, or
    starts a new one (a cold start) when none is free. With `cdn`, Dash's scripts and assets come
    from one edge cache that starts empty: the first request for a file goes to the origin, the
    ones arriving while it is fetched wait for it (CloudFront collapses them), later ones are hits.
    """
    stages: dict[int, list[dict[str, Any]]] = {}
    for r in requests:
        stages.setdefault(r["stage"], []).append(r)
    order = sorted(stages)
    tokens, last = burst, 0.0
    busy_until: list[float] = []  # one entry per container
    edge: dict[str, float] = {}  # url -> when its origin fetch is answered
    throttled, cold_starts, peak = 0, 0, 0
    pending: list[tuple[float, int, int]] = [(i / visitors, i, 0) for i in range(visitors)]
    heapq.heapify(pending)
    finished: list[float] = []
    while pending:
        t, visitor, stage_index = heapq.heappop(pending)
        stage_done = t
        for r in stages[order[stage_index]]:
            arrive = t + rtt_ms / 2000
            if cdn and _cacheable(r["url"], prefix) and r["url"] in edge:
                stage_done = max(stage_done, max(edge[r["url"]], arrive) + rtt_ms / 2000)
                continue
            tokens = min(burst, tokens + (arrive - last) * rate)
            last = max(last, arrive)
            if tokens < 1:
                throttled += 1
                stage_done = max(stage_done, arrive + rtt_ms / 2000)
                if cdn and _cacheable(r["url"], prefix):
                    edge.pop(r["url"], None)
                continue
            tokens -= 1
            free = [i for i, until in enumerate(busy_until) if until <= arrive]
            duration = r["handler_ms"] / 1000
            if free:
                busy_until[free[0]] = arrive + duration
            elif len(busy_until) < concurrency_limit:
                cold_starts += 1
                duration += cold_start_ms / 1000
                busy_until.append(arrive + duration)
            else:
                throttled += 1
                continue
            peak = max(peak, sum(1 for until in busy_until if until > arrive))
            answered = arrive + duration + rtt_ms / 2000
            if cdn and _cacheable(r["url"], prefix):
                edge[r["url"]] = arrive + duration
            stage_done = max(stage_done, answered)
        if stage_index + 1 < len(order):
            heapq.heappush(pending, (stage_done, visitor, stage_index + 1))
        else:
            finished.append(stage_done - visitor / visitors)
    return {
        "visitors": visitors,
        "throttled": throttled,
        "cold_starts": cold_starts,
        "peak_concurrency": peak,
        "slowest_page_load_s": round(max(finished), 2),
    }


def visitors_without_429(requests: list[dict[str, Any]], prefix: str, **model: Any) -> dict[str, Any]:
    """The most visitors in the same second of whom none gets a 429, and the model's run for them."""
    best: dict[str, Any] = {"visitors": 0}
    for n in range(1, 301):
        run = simulate_visitors(n, requests, prefix, **model)
        if run["throttled"]:
            return {**best, "first_throttled": run}
        best = run
    return best


def measure_visitors(serving_file: Path, cold_start_ms: float, rate: float, bursts: list[float]) -> dict[str, Any]:
    """The model over a measured page load (bench/run.ts passes the serving results)."""
    serving = json.loads(serving_file.read_text())
    results: dict[str, Any] = {}
    for label, data in serving.items():
        load = data["loads"]["Chromium"]
        for burst in bursts:
            for cdn in (False, True):
                key = f"{label}, burst {int(burst)}, {'with' if cdn else 'without'} CloudFront"
                results[key] = visitors_without_429(
                    load["requests"], data["prefix"], rate=rate, burst=burst, cold_start_ms=cold_start_ms, cdn=cdn
                )
                log(f"visitors ({key}): {results[key]['visitors']}")
    return results


# --- artefact size ------------------------------------------------------------------------------


def tree_size(root: Path) -> dict[str, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return {"bytes": sum(p.stat().st_size for p in files), "files": len(files)}


def sam_build(project: Path, env: dict[str, str], tmp: Path) -> tuple[Path, dict[str, int], int, int, float]:
    """`sam build` in `project`: the built function, its size, its bytecode, its zipped size, seconds."""
    log("sam build")
    started = time.perf_counter()
    subprocess.run(["sam", "build"], cwd=project, env=env, check=True, stdout=sys.stderr)
    build_seconds = time.perf_counter() - started
    built = project / ".aws-sam" / "build" / FUNCTION_ID
    bytecode = sum(p.stat().st_size for p in built.rglob("__pycache__/*.pyc"))
    zipped = Path(shutil.make_archive(str(tmp / "function"), "zip", built)).stat().st_size
    return built, tree_size(built), bytecode, zipped, build_seconds


def stored_encodings(built: Path) -> dict[str, int]:
    """The copies `sam build` compressed beside scripts and stylesheets (issue 11: .br and .gz)."""
    copies = [p for p in built.rglob("*") if p.suffix in (".br", ".gz") and p.with_suffix("").is_file()]
    return {"files": len(copies), "bytes": sum(p.stat().st_size for p in copies)}


def measure_artefact(project: Path, runs: int, before_project: Path | None = None) -> dict[str, Any]:
    use_project(project)
    from tools import build_function

    target = build_function.target_of(project / "template.yaml", FUNCTION_ID)
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "SAM_CLI_DISABLE_VERSION_CHECK": "1"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as tmp:
        unpruned = Path(tmp) / "unpruned"
        log(f"pip install -r src/requirements.txt -t <dir> for {target.runtime}/{target.architecture}, unpruned")
        build_function.install(project / "src", unpruned, target, prune_and_compile=False)
        before = tree_size(unpruned)

        shutil.rmtree(project / ".aws-sam", ignore_errors=True)
        built, after, bytecode, zipped, build_seconds = sam_build(project, env, Path(tmp))

        kept = {p.relative_to(built) for p in built.rglob("*") if p.is_file()}
        removed: dict[str, dict[str, int]] = {}
        removed_without_a_rule = []
        for path in sorted(p for p in unpruned.rglob("*") if p.is_file()):
            rel = path.relative_to(unpruned)
            if rel in kept:
                continue
            category = build_function.prune_category(rel)
            if category is None:
                removed_without_a_rule.append(str(rel))
                continue
            entry = removed.setdefault(category, {"files": 0, "bytes": 0})
            entry["files"] += 1
            entry["bytes"] += path.stat().st_size
        if removed_without_a_rule:
            raise SystemExit(f"sam build left out files no prune rule names: {removed_without_a_rule[:10]}")

        # Everything a prune rule names must be gone, except the bytecode compiled for the runtime.
        left = [str(p) for p in kept if build_function.prune_category(p) not in (None, "stale bytecode")]

        result: dict[str, Any] = {
            "runtime": target.runtime,
            "architecture": target.architecture,
            "before": before,
            "after": after,
            "after_bytecode_bytes": bytecode,
            "after_zipped_bytes": zipped,
            "after_stored_encodings": stored_encodings(built),
            "removed": removed,
            "left_unpruned": len(left),
            "left_unpruned_examples": sorted(left)[:10],
            "sam_build_seconds": round(build_seconds, 1),
        }
        if platform.machine() == target.machine and bytecode:
            without_bytecode = Path(tmp) / "without-bytecode"
            shutil.copytree(built, without_bytecode, ignore=shutil.ignore_patterns("__pycache__"))
            result["cold_start"] = artefact_cold_start(
                {"bytecode": built, "no_bytecode": without_bytecode}, project, runs, before_project
            )
        return result


def measure_artefact_with(project: Path, requirement: str, runs: int) -> dict[str, Any]:
    """The README's "Add a dependency" step on a copy of the project: `requirement` into
    src/requirements.in, `make lock`, `sam build`; the artefact's size with bytecode, and its cold
    start with the package imported at module level (data.py, the example's data module) and without."""
    name = requirement.split("==")[0]
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "SAM_CLI_DISABLE_VERSION_CHECK": "1"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".aws-sam", "__pycache__"))
        pins_before = set((copy / "src" / "requirements.txt").read_text().splitlines())
        with (copy / "src" / "requirements.in").open("a", encoding="utf-8") as f:
            f.write(f"{requirement}\n")
        log(f"make lock with {requirement}")
        subprocess.run(["make", "lock", f"PYTHON={sys.executable}"], cwd=copy, env=env, check=True, stdout=sys.stderr)
        added = sorted(
            line
            for line in set((copy / "src" / "requirements.txt").read_text().splitlines()) - pins_before
            if "==" in line
        )
        built, after, bytecode, zipped, build_seconds = sam_build(copy, env, Path(tmp))
        largest = sorted(
            (
                (entry.name, tree_size(entry)["bytes"] if entry.is_dir() else entry.stat().st_size)
                for entry in built.iterdir()
            ),
            key=lambda item: -item[1],
        )[:6]
        result: dict[str, Any] = {
            "requirement": requirement,
            "pins_added": added,
            "after": after,
            "after_bytecode_bytes": bytecode,
            "after_zipped_bytes": zipped,
            "largest": dict(largest),
            "limit_bytes": LAMBDA_UNZIPPED_LIMIT,
            "sam_build_seconds": round(build_seconds, 1),
        }
        use_project(copy)
        from tools import build_function

        target = build_function.target_of(copy / "template.yaml", FUNCTION_ID)
        if platform.machine() == target.machine and bytecode:
            imported = Path(tmp) / "imported"
            shutil.copytree(built, imported)
            data_py = imported / "data.py"
            future = "from __future__ import annotations\n"
            source = data_py.read_text(encoding="utf-8").replace(future, f"{future}\nimport {name}  # noqa: F401\n", 1)
            assert f"import {name}" in source, "data.py has no __future__ import to put the import after"
            data_py.write_text(source, encoding="utf-8")
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(data_py)], check=True)
            result["cold_start"] = artefact_cold_start({"not_imported": built, "imported": imported}, copy, runs)
        return result


def lambda_environment(function_env: dict[str, str]) -> dict[str, str]:
    """A process environment as Lambda gives the function: this one's, without the project's path
    or any DASH_ variable, plus the function's variables; no bytecode written (/var/task is read-only)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("DASH_")}
    return env | function_env | {"PYTHONDONTWRITEBYTECODE": "1"}


def project_function_environment(project: Path) -> dict[str, str]:
    """The function's environment of another generated project (another version of the tools: read
    in a process of its own)."""
    program = (
        "import json, sys; sys.path[:0] = ['.', 'src']; from tools.stack_config import stack_config; "
        "print(json.dumps(stack_config().string_environment()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [sys.executable, "-c", program], cwd=project, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def artefact_cold_start(
    artefacts: dict[str, Path], project: Path, runs: int, before: Path | None = None
) -> dict[str, Any]:
    """The handler's cold start run from sam build artefacts as Lambda runs them: the artefact alone
    on the path (-S: no site-packages) and no bytecode written (Lambda's /var/task is read-only).
    With `before` (a project generated and built at the commit before issue 15), its artefact too, in
    turns with the others: its entry was the top-level `handler` module."""
    events = capture_events(project)
    env = lambda_environment(function_environment(project))
    with tempfile.TemporaryDirectory() as tmp:
        event_file = Path(tmp) / "event.json"
        event_file.write_text(json.dumps(events["index"]))
        command = [sys.executable, "-S", "-c", cold_program("handler", event_file, env)]
        commands: dict[str, Command] = {name: (command, d) for name, d in artefacts.items()}
        if before is not None:
            old = lambda_environment(project_function_environment(before))
            old_command = [sys.executable, "-S", "-c", cold_program("handler", event_file, old, "handler")]
            commands["before_issue_15"] = (old_command, before / ".aws-sam" / "build" / FUNCTION_ID, old)
        return {"runs": runs, **cold_starts(commands, env, runs)}


# --- background callbacks (issue 17) -------------------------------------------------------------


def measure_jobs(project: Path, runs: int) -> dict[str, Any]:
    """The request that starts a background job (the example's Report page: a job record written to
    the table, the worker started; locally a thread stands for the asynchronous Lambda invoke, the
    table is moto's server) against a plain warm callback (the overview's charts), both through
    handler.lambda_handler in this process, in turns. And what a container's first request pays for
    the signing secret: the job table's reads counted from the import to the first page."""
    handler = import_handler(project)
    from page_load import BROWSER_ACCEPT_ENCODING, _outputs, decoded_body, get, post_json
    from serverless_dash import background

    manager = background.installed_manager(handler.app)
    reads = {"n": 0}
    for name in ("get", "take"):
        original = getattr(manager.store, name)

        def counted(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            reads["n"] += 1
            return _original(*args, **kwargs)

        setattr(manager.store, name, counted)

    gateway, captured = recording_gateway(handler)
    prefix = gateway.prefix
    page = decoded_body(get(gateway, prefix + "report", "text/html", BROWSER_ACCEPT_ENCODING)).decode()
    first_page_reads = reads["n"]
    end_id = json.loads(
        re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page, re.DOTALL).group(1)
    )["end_id"]
    dependencies = json.loads(decoded_body(get(gateway, prefix + "_dash-dependencies", "application/json")))
    dep = next(d for d in dependencies if "report-table.children" in d["output"])
    outputs = _outputs(dep["output"])
    start_body = {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [{**i, "value": 1} for i in dep["inputs"]],
        "state": [{**s, "value": "population"} for s in dep["state"]],
        "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
    }
    url = f"{prefix}_dash-update-component?endId={end_id}"
    started = post_json(gateway, url, start_body, BROWSER_ACCEPT_ENCODING)
    answer = json.loads(decoded_body(started))
    if started.status != 200 or not {"cacheKey", "job"} <= set(answer):
        raise SystemExit(f"the job did not start: {started.status} {answer}")
    start_event = captured[-1]
    events = capture_events(project)  # the handler is imported already: the same process and app
    callback_event = events["callback"]
    # The job itself runs ~3 s in a thread: cancel each one right after it started, so the threads
    # and the table stay small; the start is what is timed.
    jobs: list[str] = []

    def timed(event: dict[str, Any]) -> Callable[[], int]:
        def call() -> int:
            begin = time.perf_counter_ns()
            response = handler.lambda_handler(event, None)
            spent = time.perf_counter_ns() - begin
            if response["statusCode"] != 200:
                raise SystemExit(f"{event.get('path')}: {response['statusCode']}")
            if event is start_event:
                body = response["body"]
                jobs.append(
                    json.loads(base64.b64decode(body) if response.get("isBase64Encoded") else body).get("job", "")
                )
            return spent

        return call

    count = max(runs // 6, 40)
    plain, start = alternate([timed(callback_event), timed(start_event)], count)
    for job in jobs:  # the handle Dash signed: "<job>~<signature>"
        manager.terminate_job(job.rpartition("~")[0])
    return {
        "requests": count,
        "plain_callback_ms": median_ms(plain),
        "job_start_ms": median_ms(start),
        "difference_ms": median_ms(start) - median_ms(plain),
        "ratio": median_ms(start) / median_ms(plain),
        "first_page_store_reads": first_page_reads,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        choices=[
            "cold",
            "warm",
            "page",
            "artefact",
            "artefact-pandas",
            "serving",
            "cdn",
            "visitors",
            "signin",
            "worker",
            "jobs",
        ],
    )
    parser.add_argument("role", nargs="?", choices=["handler", "bare"], help="worker: which side it measures")
    parser.add_argument("--project", type=Path, help="a generated project")
    parser.add_argument("--events", type=Path, help="worker: the captured events, as JSON")
    parser.add_argument(
        "--before", type=Path, help="artefact: a project generated and built (sam build) at the commit before issue 15"
    )
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--serving", type=Path, help="visitors: the serving results, as JSON")
    parser.add_argument("--cold-start-ms", type=float, help="visitors: the measured cold start")
    parser.add_argument("--rate", type=float, default=10.0, help="visitors: the stage's requests per second")
    parser.add_argument("--bursts", default="50", help="visitors: comma-separated burst limits to model")
    args = parser.parse_args()
    if args.what == "worker":
        worker(args.role, args.events)
        return
    if args.project is None:
        parser.error("--project is required")
    project = args.project.resolve()
    if args.what == "visitors":
        bursts = [float(b) for b in args.bursts.split(",")]
        json.dump(measure_visitors(args.serving, args.cold_start_ms, args.rate, bursts), sys.stdout)
        return
    if args.what == "serving":
        json.dump(measure_serving(project, args.runs), sys.stdout)
        return
    if args.what == "cdn":
        json.dump(measure_cdn(project), sys.stdout)
        return
    if args.what == "signin":
        json.dump(measure_signin(project, args.runs), sys.stdout)
        return
    if args.what == "jobs":
        json.dump(measure_jobs(project, args.runs), sys.stdout)
        return
    if args.what == "cold":
        result = measure_cold(project, args.runs)
    elif args.what == "warm":
        result = measure_warm(project, args.runs)
    elif args.what == "page":
        result = measure_page(project)
    elif args.what == "artefact":
        result = measure_artefact(project, args.runs, args.before.resolve() if args.before else None)
    else:
        result = measure_artefact_with(project, PANDAS, args.runs)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
