"""The Python half of `npm run bench`: measures a generated project, prints one JSON object.

    python bench/measure.py cold|warm|page|artefact|artefact-pandas|serving|cdn --project DIR [--runs N]

Run with a Python that has the project's requirements-dev.txt installed (bench/run.ts uses the
shared venv). Progress goes to stderr; the figures go to stdout as JSON, for bench/run.ts.
Everything is measured against a baseline from the same run, so a busy machine slows both sides.
"""

from __future__ import annotations

import argparse
import base64
import heapq
import io
import json
import mimetypes
import os
import platform
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
    """The environment template.yaml gives the function (as the project's tests set it)."""
    use_project(project)
    from tools.stack_config import stack_config

    return stack_config().string_environment()


def capture_events(project: Path) -> dict[str, Any]:
    """REST events for GET /<stage>/, GET _dash-layout and the charts callback, as API Gateway sends
    them, built by the project's own LocalGateway (the handler is swapped for a recorder)."""
    use_project(project)
    import handler
    from page_load import (
        BROWSER_ACCEPT_ENCODING,
        decoded_body,
        get,
        initial_callbacks,
        post_json,
        routed_page,
        routing_callback,
    )
    from tools.apigateway import LocalGateway
    from tools.stack_config import stack_config

    events: list[dict[str, Any]] = []

    def record(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        return handler.lambda_handler(event, context)

    gateway = LocalGateway(stack_config(), record)
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
    # The floor: import Dash and build the same app the handler builds, nothing else.
    "floor": """
from dashboard import create_app
create_app({prefix!r})
import time
print(200, time.process_time(), flush=True)
""",
    # The generated handler: import it, answer GET /<stage>/ from a REST event.
    "handler": """
import json
with open({event_file!r}) as f:
    event = json.load(f)
import handler
response = handler.lambda_handler(event, None)
import time
print(response["statusCode"], time.process_time(), flush=True)
""",
    # The blog-post way: build the Dash app inside the handler, on every request.
    "naive": """
import json
with open({event_file!r}) as f:
    event = json.load(f)
from apig_wsgi import make_lambda_handler
from dashboard import create_app
def lambda_handler(event, context):
    return make_lambda_handler(create_app({prefix!r}).server, binary_support=True)(event, context)
response = lambda_handler(event, None)
import time
print(response["statusCode"], time.process_time(), flush=True)
""",
}


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


def cold_starts(commands: dict[str, tuple[list[str], Path]], env: dict[str, str], runs: int) -> dict[str, Any]:
    """`runs` fresh processes per command, in turns with a rotating start (after one untimed round
    for the page cache), so every command sees the same noise. Medians, in ms."""
    for command, cwd in commands.values():
        time_fresh_process(command, cwd, env)
    wall: dict[str, list[int]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    for run in range(runs):
        for name in order[run % len(order) :] + order[: run % len(order)]:
            elapsed, cpu_seconds = time_fresh_process(*commands[name], env)
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


def measure_cold(project: Path, runs: int) -> dict[str, Any]:
    events = capture_events(project)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | function_environment(project)
    with tempfile.TemporaryDirectory() as tmp:
        event_file = Path(tmp) / "event.json"
        event_file.write_text(json.dumps(events["index"]))
        commands = {
            name: (
                [sys.executable, "-c", program.format(prefix=events["prefix"], event_file=str(event_file))],
                project / "src",
            )
            for name, program in COLD_PROGRAMS.items()
        }
        figures = cold_starts(commands, env, runs)
    floor = figures["floor"]["median_ms"]
    return {
        "runs": runs,
        "python": sys.version.split()[0],
        **figures,
        "handler_ratio": figures["handler"]["median_ms"] / floor,
        "naive_ratio": figures["naive"]["median_ms"] / floor,
    }


# --- warm latency -------------------------------------------------------------------------------


def event_to_werkzeug(event: dict[str, Any]) -> dict[str, Any]:
    """The same request for werkzeug's test client: path below the prefix (the Flask routes sit at
    "/"), the same headers (Host and X-Forwarded-Proto make it https, as behind API Gateway)."""
    headers = {k: v[-1] for k, v in event["multiValueHeaders"].items()}
    body = event["body"] or ""
    return {
        "path": event["path"],
        "method": event["httpMethod"],
        "headers": headers,
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


def measure_warm(project: Path, runs: int) -> dict[str, Any]:
    os.environ.update(function_environment(project))
    events = capture_events(project)  # also builds the handler's app for the prefix
    import handler
    from dashboard import create_app
    from werkzeug.test import Client

    bare_app = create_app(events["prefix"]).server  # the same factory, the same prefix
    client = Client(bare_app)
    kinds = {"index": runs, "layout": runs, "callback": max(runs // 3, 30)}
    results: dict[str, Any] = {}
    for kind, count in kinds.items():
        event = events[kind]
        request = event_to_werkzeug(event)

        def through_handler(event: dict[str, Any] = event) -> None:
            response = handler.lambda_handler(event, None)
            assert response["statusCode"] == 200, response["statusCode"]

        def through_test_client(request: dict[str, Any] = request) -> None:
            response = client.open(**request)
            response.get_data()
            assert response.status_code == 200, response.status_code

        samples = alternate([through_handler, through_test_client, direct_wsgi_call(bare_app, request)], count)
        handler_ms, client_ms, direct_ms = (median_ms(s) for s in samples)
        results[kind] = {
            "requests": count,
            "handler_ms": handler_ms,
            "bare_ms": client_ms,
            "ratio": handler_ms / client_ms,
            "direct_wsgi_ms": direct_ms,
            "ratio_to_direct_wsgi": handler_ms / direct_ms,
        }
        log(f"warm {kind}: handler {handler_ms:.2f} ms, test client {client_ms:.2f} ms, direct {direct_ms:.2f} ms")

    # The naive handler pays for a whole new app on every request.
    from apig_wsgi import make_lambda_handler

    def naive() -> None:
        response = make_lambda_handler(create_app(events["prefix"]).server, binary_support=True)(events["index"], None)
        assert response["statusCode"] == 200

    (naive_samples,) = alternate([naive], max(runs // 10, 15))
    naive_ms = median_ms(naive_samples)
    results["naive_index"] = {
        "requests": len(naive_samples),
        "naive_ms": naive_ms,
        "ratio_to_handler": naive_ms / results["index"]["handler_ms"],
    }
    results["accept_encoding"] = events["index"]["headers"]["Accept-Encoding"]
    return results


def measure_signin(project: Path, runs: int) -> dict[str, Any]:
    """Warm page, layout and charts callback through handler.lambda_handler with sign-in on (a valid
    session cookie, checked against the project's local OpenID Connect provider) and off, the same
    events with the same Cookie header both ways, in turns."""
    from collections import OrderedDict

    os.environ.update({**function_environment(project), "DASH_AUTH": "none"})  # events captured signed out
    events = capture_events(project)
    import handler
    from adapter import apps
    from local_provider import LocalProvider

    provider = LocalProvider()
    server = provider.start()
    cookie = f"dash_session={provider.id_token()}"
    caches: dict[str, OrderedDict] = {"off": OrderedDict(), "on": OrderedDict()}
    environments = {"off": {"DASH_AUTH": "none"}, "on": provider.environment()}

    def with_cookie(event: dict[str, Any]) -> dict[str, Any]:
        headers = {**event["headers"], "Cookie": cookie}
        multi = {**event["multiValueHeaders"], "Cookie": [cookie]}
        return {**event, "headers": headers, "multiValueHeaders": multi}

    def call(mode: str, event: dict[str, Any]) -> Callable[[], None]:
        def run() -> None:
            apps._apps = caches[mode]  # the app built with (on) or without (off) sign-in
            response = handler.lambda_handler(event, None)
            assert response["statusCode"] == 200, (mode, response["statusCode"], response.get("body", "")[:200])

        return run

    results: dict[str, Any] = {}
    try:
        for mode in ("off", "on"):  # build each app once, with its environment
            os.environ.update(environments[mode])
            call(mode, with_cookie(events["index"]))()
        os.environ.update(environments["on"])  # auth.py reads its settings per request
        kinds = {"index": runs, "layout": runs, "callback": max(runs // 3, 30)}
        for kind, count in kinds.items():
            event = with_cookie(events[kind])
            off, on = alternate([call("off", event), call("on", event)], count)
            off_ms, on_ms = median_ms(off), median_ms(on)
            results[kind] = {"requests": count, "without_ms": off_ms, "with_ms": on_ms, "ratio": on_ms / off_ms}
            log(f"sign-in {kind}: with {on_ms:.3f} ms, without {off_ms:.3f} ms ({on_ms / off_ms:.3f}x)")
    finally:
        server.shutdown()
    return results


def alternate(functions: list[Callable[[], None]], count: int) -> list[list[int]]:
    """Times each function `count` times, in turns with a rotating start (after a few untimed
    rounds), so every one sees the same noise. Nanoseconds per call, per function."""
    for _ in range(5):
        for fn in functions:
            fn()
    samples: list[list[int]] = [[] for _ in functions]
    for n in range(count):
        for i in range(len(functions)):
            k = (n + i) % len(functions)
            started = time.perf_counter_ns()
            functions[k]()
            samples[k].append(time.perf_counter_ns() - started)
    return samples


# --- page weight --------------------------------------------------------------------------------


def without_system_mime_types() -> str:
    """Python's built-in MIME table only, as on the Lambda runtime images (no /etc/mime.types)."""
    mimetypes.knownfiles = []
    mimetypes.init()
    return mimetypes.guess_type("plotly.min.js")[0] or ""


def measure_page(project: Path) -> dict[str, Any]:
    js_type = without_system_mime_types()  # before the project's modules import anything
    os.environ.update(function_environment(project))
    import handler
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
    os.environ.update(function_environment(project))
    import dash
    import handler
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
    return {"stored_encodings": stored.is_file(), "prefix": config.stage_prefix, "loads": loads}


def measure_cdn(project: Path) -> dict[str, Any]:
    """A --cdn project: the Lambda invocations of a first and of a second visitor's first page load
    (a new browser, nothing in its own cache) through the distribution of template.yaml."""
    os.environ.update(function_environment(project))
    os.environ["DASH_ORIGIN_SECRET"] = "BenchOriginSecret" * 4
    from page_load import BROWSER_ACCEPT_ENCODING, load_page
    from tools.cloudfront import distribution_for
    from tools.stack_config import stack_config

    config = stack_config()
    if config.cdn is None:
        raise SystemExit(f"{project} has no CloudFront distribution (generate it with --cdn)")
    cloudfront = distribution_for(config, os.environ["DASH_ORIGIN_SECRET"])
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


def measure_artefact(project: Path, runs: int) -> dict[str, Any]:
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
            "removed": removed,
            "left_unpruned": len(left),
            "left_unpruned_examples": sorted(left)[:10],
            "sam_build_seconds": round(build_seconds, 1),
        }
        if platform.machine() == target.machine and bytecode:
            without_bytecode = Path(tmp) / "without-bytecode"
            shutil.copytree(built, without_bytecode, ignore=shutil.ignore_patterns("__pycache__"))
            result["cold_start"] = artefact_cold_start(
                {"bytecode": built, "no_bytecode": without_bytecode}, project, runs
            )
        return result


def measure_artefact_with(project: Path, requirement: str, runs: int) -> dict[str, Any]:
    """The README's "Add a dependency" step on a copy of the project: `requirement` into
    src/requirements.in, `make lock`, `sam build`; the artefact's size with bytecode, and its cold
    start with the package imported at module level (dashboard/data.py) and without."""
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
            data_py = imported / "dashboard" / "data.py"
            future = "from __future__ import annotations\n"
            source = data_py.read_text(encoding="utf-8").replace(future, f"{future}\nimport {name}  # noqa: F401\n", 1)
            assert f"import {name}" in source, "dashboard/data.py has no __future__ import to put the import after"
            data_py.write_text(source, encoding="utf-8")
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(data_py)], check=True)
            result["cold_start"] = artefact_cold_start({"not_imported": built, "imported": imported}, copy, runs)
        return result


def artefact_cold_start(artefacts: dict[str, Path], project: Path, runs: int) -> dict[str, Any]:
    """The handler's cold start run from sam build artefacts as Lambda runs them: the artefact alone
    on the path (-S: no site-packages) and no bytecode written (Lambda's /var/task is read-only)."""
    events = capture_events(project)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env |= function_environment(project) | {"PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        event_file = Path(tmp) / "event.json"
        event_file.write_text(json.dumps(events["index"]))
        command = [sys.executable, "-S", "-c", COLD_PROGRAMS["handler"].format(event_file=str(event_file))]
        return {"runs": runs, **cold_starts({name: (command, d) for name, d in artefacts.items()}, env, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what",
        choices=["cold", "warm", "page", "artefact", "artefact-pandas", "serving", "cdn", "visitors", "signin"],
    )
    parser.add_argument("--project", type=Path, required=True, help="a generated project")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--serving", type=Path, help="visitors: the serving results, as JSON")
    parser.add_argument("--cold-start-ms", type=float, help="visitors: the measured cold start")
    parser.add_argument("--rate", type=float, default=10.0, help="visitors: the stage's requests per second")
    parser.add_argument("--bursts", default="50", help="visitors: comma-separated burst limits to model")
    args = parser.parse_args()
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
    if args.what == "cold":
        result = measure_cold(project, args.runs)
    elif args.what == "warm":
        result = measure_warm(project, args.runs)
    elif args.what == "page":
        result = measure_page(project)
    elif args.what == "artefact":
        result = measure_artefact(project, args.runs)
    else:
        result = measure_artefact_with(project, PANDAS, args.runs)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
