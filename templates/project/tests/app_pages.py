"""Your app's pages as a browser opens them, at the stack's public door: for tests/test_app.py.

AppContainer runs the app in a process of its own (tools/app_container.py, like a Lambda container);
public_door puts the local stand-in of the stack's door in front of it (API Gateway at its stage or
custom domain, CloudFront with --cdn); open_page replays what the browser asks for when it opens one
page: the page, the layout, the dependencies, then every callback the renderer fires on load (Dash
Pages' router first, which calls the page's layout, then the page's own, chained as they answer).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import select
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from tools.apigateway import GatewayResponse, LocalGateway
from tools.stack_config import StackConfig

PROJECT_DIR = Path(__file__).resolve().parent.parent
# What Secrets Manager generates for the stack with --cdn, as a test stand-in.
ORIGIN_SECRET = "AppTestOriginSecret0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"  # noqa: S105 - a test value
# Longer than any request may take (API Gateway gives up after 29 s), short of a hung test run.
ANSWER_TIMEOUT_S = 60
PAGES_CONTENT = "_pages_content"
ROUTER_OUTPUT = f"{PAGES_CONTENT}.children"
LAYOUT = "_dash-layout"  # the app's layout (app.layout), the frame every page is drawn in
DEPENDENCIES = "_dash-dependencies"  # the app's callbacks
WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
NOT_LINKS = ("#", "mailto:", "tel:", "data:", "javascript:", "blob:")


class AppError(AssertionError):
    """The app could not answer (its import failed, or the container died)."""


class AppContainer:
    """The app named by DASH_APP, imported through serverless_dash.handler in its own process."""

    def __init__(self, config: StackConfig, environment: dict[str, str]) -> None:
        self.environment = environment
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DASH_") and k != "AWS_SAM_LOCAL"}
        env.update(environment)
        env["PYTHONUNBUFFERED"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tools.app_container"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            encoding="utf-8",
        )

    def log_position(self) -> int:
        return self._log.seek(0, os.SEEK_END)

    def logs(self, since: int = 0) -> str:
        """What the app printed and logged since `since` (a log_position)."""
        self._log.seek(since)
        return self._log.read().decode("utf-8", errors="replace")

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
            # One answer line per request, so nothing waits in the reader's buffer: select sees it.
            answered, _, _ = select.select([self._process.stdout], [], [], ANSWER_TIMEOUT_S)
            line = self._process.stdout.readline() if answered else None
        except OSError:
            line = ""
        if line is None:
            self._process.kill()
            raise AppError(f"the app gave no answer within {ANSWER_TIMEOUT_S} s (Lambda times out):\n{self.logs()}")
        if not line:
            raise AppError(f"the app's process ended (exit {self._process.poll()}):\n{self.logs()}")
        answer = json.loads(line)
        if "error" in answer:
            raise AppError(answer["error"])
        return answer

    def describe(self) -> dict[str, Any]:
        """The public prefix and every page in dash.page_registry (module, path, path_template, ...)."""
        return self.ask({"describe": True})

    def routes(self, paths: list[str]) -> dict[str, str | None]:
        """What answers each URL path: a page's module, a server route, or None (no page)."""
        return self.ask({"routes": paths})["routes"] if paths else {}

    def invoke(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """The handler's answer to one event: what Lambda would return to API Gateway."""
        return self.ask({"invoke": event})["response"]

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()


def stack_environment(config: StackConfig) -> dict[str, str]:
    """What template.yaml gives the function (DASH_APP, DASH_PUBLIC_PREFIX, the domain), and what
    only AWS knows, stood in for: the origin secret with --cdn. Sign-in stays off: tests/test_auth*
    test it; these tests test the app behind it."""
    env = config.string_environment()
    env["DASH_AUTH"] = "none"
    # Background callbacks: the session's local DynamoDB (tests/conftest.py), jobs in threads.
    env.update({k: v for k, v in os.environ.items() if k.startswith(("DASH_JOBS_", "AWS_"))})
    env.pop("DASH_JOBS_SECRET", None)
    if config.door == "cloudfront":
        from tools.cloudfront import function_environment

        env.update(function_environment(ORIGIN_SECRET))
    return env


def public_door(config: StackConfig, container: AppContainer) -> Any:
    """The stand-in for the stack's one public door, in front of the container: CloudFront with
    --cdn, else the custom domain when the stack has one, else API Gateway's own URL."""
    if config.door == "cloudfront":
        from tools.cloudfront import distribution_for

        return distribution_for(config, ORIGIN_SECRET, container.invoke)
    return LocalGateway.for_stack(config, container.invoke)


# --- a page load ---------------------------------------------------------------------------------


def body_of(response: GatewayResponse) -> bytes:
    encoding = (response.header("Content-Encoding") or "").lower()
    if encoding in ("", "identity"):
        return response.body
    if encoding == "gzip":
        return gzip.decompress(response.body)
    raise AssertionError(f"asked for no encoding but got {encoding!r}")


def get(door: Any, url: str, accept: str = "*/*") -> GatewayResponse:
    return door.request("GET", url, [("Accept", accept), ("Accept-Encoding", "gzip")])


def post_json(door: Any, url: str, payload: Any) -> GatewayResponse:
    headers = [("Accept", "application/json"), ("Content-Type", "application/json"), ("Accept-Encoding", "gzip")]
    return door.request("POST", url, headers, json.dumps(payload).encode())


def id_key(component_id: Any) -> str:
    """A component id as Dash writes it in dependencies and answers (dict ids as sorted JSON)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return str(component_id)


@dataclass
class PageState:
    """The components on the page, as the renderer knows them: (id, property) -> value, and every
    href a component has (a dcc.Link, an html.A, any link-like component)."""

    values: dict[tuple[str, str], Any] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)  # id key -> the id (a str or a dict)
    hrefs: list[str] = field(default_factory=list)
    location: dict[str, str] = field(default_factory=dict)  # what a dcc.Location reads from the address
    mounted: set[tuple[str, str]] = field(default_factory=set)  # props components set as they mount

    def add(self, tree: Any) -> set[str]:
        """Takes in a layout (part); returns the id keys it holds."""
        added: set[str] = set()
        stack = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, list | tuple):
                stack.extend(node)
            elif isinstance(node, dict) and "props" in node and "type" in node:
                props = node["props"] or {}
                if isinstance(props.get("href"), str):
                    self.hrefs.append(props["href"])
                if "id" in props:
                    key = id_key(props["id"])
                    self.ids[key] = props["id"]
                    added.add(key)
                    self.values.update({(key, name): value for name, value in props.items()})
                    if node.get("type") == "Location":  # it sets these from the address when it mounts
                        for name, value in self.location.items():
                            if (key, name) not in self.values:
                                self.values[(key, name)] = value
                                self.mounted.add((key, name))
                stack.extend(v for v in props.values() if isinstance(v, list | dict))
        return added


def _pattern(spec_id: str) -> dict[str, Any] | None:
    return json.loads(spec_id) if spec_id.startswith("{") else None


def _matches(pattern: dict[str, Any], component_id: Any, bound: dict[str, Any]) -> bool:
    if not isinstance(component_id, dict) or set(component_id) != set(pattern):
        return False
    for name, wanted in pattern.items():
        value = component_id[name]
        if wanted == ["MATCH"]:
            if name in bound and bound[name] != value:
                return False
        elif wanted == ["ALLSMALLER"]:
            if name in bound and not value < bound[name]:
                return False
        elif wanted != ["ALL"] and wanted != value:
            return False
    return True


def _bindings(dep: dict[str, Any], state: PageState) -> list[dict[str, Any]]:
    """One dict of MATCH values per call the renderer makes ([{}] when the callback has no MATCH)."""
    for spec in dep["inputs"]:
        pattern = _pattern(spec["id"])
        if pattern and ["MATCH"] in pattern.values():
            names = [n for n, v in pattern.items() if v == ["MATCH"]]
            found = [i for i in state.ids.values() if _matches(pattern, i, {})]
            return [dict(b) for b in {tuple((n, i[n]) for n in names) for i in found}]
    return [{}]


def _resolve(spec: dict[str, Any], state: PageState, bound: dict[str, Any], with_value: bool) -> Any:
    """One input/state/output spec as the renderer posts it: a single item, or a list for a
    wildcard (ALL, ALLSMALLER). None when a plain or MATCH component is not on the page."""
    pattern = _pattern(spec["id"])

    def item(component_id: Any) -> dict[str, Any]:
        out = {"id": component_id, "property": spec["property"]}
        if with_value:
            out["value"] = state.values.get((id_key(component_id), spec["property"]))
        return out

    if pattern is None:
        return item(spec["id"]) if spec["id"] in state.ids else None
    found = [i for i in state.ids.values() if _matches(pattern, i, bound)]
    if ["ALL"] in pattern.values() or ["ALLSMALLER"] in pattern.values():
        return [item(i) for i in found]
    return item(found[0]) if found else None


def _outputs(dep: dict[str, Any]) -> list[dict[str, Any]]:
    """The output specs of a dependency: "id.prop", or "..a.x...b.y.." for several."""
    output = dep["output"]
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


@dataclass
class Fired:
    output: str  # the callback's output, or LAYOUT / DEPENDENCIES for those requests
    status: int
    body: bytes


@dataclass
class PageLoad:
    url: str
    page: GatewayResponse
    fired: list[Fired]
    hrefs: list[str]


def _callback_body(dep: dict[str, Any], state: PageState, bound: dict[str, Any], changed: list[str]) -> dict | None:
    inputs = [_resolve(s, state, bound, True) for s in dep["inputs"]]
    if any(i is None or i == [] for i in inputs):
        return None
    outputs = [_resolve(s, state, bound, False) for s in _outputs(dep)]
    if any(o is None for o in outputs):
        return None
    return {
        "output": dep["output"],
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": [_resolve(s, state, bound, True) for s in dep.get("state", [])],
        "changedPropIds": changed,
    }


def _input_ids(dep: dict[str, Any]) -> set[tuple[str, str]]:
    return {(s["id"], s["property"]) for s in dep["inputs"]}


def _output_ids(dep: dict[str, Any]) -> set[tuple[str, str]]:
    return {(s["id"], s["property"]) for s in _outputs(dep)}


def open_page(door: Any, prefix: str, path: str) -> PageLoad:
    """Everything the renderer asks the server for when a browser opens prefix + path (path below
    the prefix, from "/"), callbacks included; stops at the first request that fails."""
    url = prefix + path.lstrip("/")
    page = get(door, url, "text/html,application/xhtml+xml,*/*;q=0.8")
    load = PageLoad(url, page, [], [])
    if page.status != 200:
        return load
    fetched = {}
    for name in (LAYOUT, DEPENDENCIES):
        response = get(door, prefix + name, "application/json")
        if response.status != 200:  # app.layout (a function) raised, or the app's callbacks are broken
            load.fired.append(Fired(name, response.status, body_of(response)))
            return load
        fetched[name] = json.loads(body_of(response))
    shell, dependencies = fetched[LAYOUT], fetched[DEPENDENCIES]
    state = PageState(location={"pathname": url, "search": "", "hash": "", "href": f"https://{door.host}{url}"})
    state.add(shell)
    # Server callbacks only (a clientside one runs in the browser). One with prevent_initial_call
    # fires only when an input changes: a dcc.Location's as it mounts (Dash Pages' router), or
    # another callback's output.
    pending = [n for n, dep in enumerate(dependencies) if not dep.get("clientside_function")]
    fired: set[tuple[int, str]] = set()
    changed: set[tuple[str, str]] = set(state.mounted)
    for _ in range(50):  # rounds: a callback's answer may add components whose callbacks fire next
        ready = []
        for n in pending:
            dep = dependencies[n]
            for bound in _bindings(dep, state):
                key = (n, json.dumps(bound, sort_keys=True))
                if key in fired or (dep.get("prevent_initial_call") and not _input_ids(dep) & changed):
                    continue
                body = _callback_body(dep, state, bound, sorted(f"{i}.{p}" for i, p in _input_ids(dep) & changed))
                if body is not None:
                    ready.append((key, dep, body))
        if not ready:
            break
        # The renderer holds a callback back while another that will fire writes one of its inputs.
        writes = [_output_ids(dep) for _, dep, _ in ready]
        first = [
            r
            for r, (_, dep, _) in enumerate(ready)
            if not any(_input_ids(dep) & w for k, w in enumerate(writes) if k != r)
        ] or range(len(ready))
        for r in first:
            key, dep, body = ready[r]
            fired.add(key)
            answer = post_json(door, prefix + "_dash-update-component", body)
            load.fired.append(Fired(dep["output"], answer.status, body_of(answer)))
            if answer.status not in (200, 204):
                load.hrefs = state.hrefs
                return load
            if answer.status == 200:
                for component, props in json.loads(body_of(answer)).get("response", {}).items():
                    for name, value in props.items():
                        state.values[(component, name)] = value
                        changed.add((component, name))
                        state.add(value)
    load.hrefs = state.hrefs
    return load


def filled_paths(page: dict[str, Any]) -> tuple[list[str], str | None]:
    """The paths to open for a page: its path, or its path template filled with each combination
    of the values it declares (register_page(..., example_values={"slug": ["a", "b"]})); else no
    path and the reason."""
    template = page.get("path_template")
    if not template:
        return [page["path"]], None
    variables = [part[1:-1] for part in template.split("/") if part.startswith("<") and part.endswith(">")]
    examples = page.get("example_values") or {}
    missing = [v for v in variables if v not in examples]
    if missing:
        declare = ", ".join(f'"{v}": ["..."]' for v in missing)
        return [], (
            f"page {page['module']} has the path template {template} and no example values for "
            f"{', '.join(missing)}: declare them in its register_page(..., example_values={{{declare}}}) "
            "and tests/test_app.py opens it"
        )
    choices = [examples[v] if isinstance(examples[v], list) else [examples[v]] for v in variables]
    paths = []
    for combination in itertools.product(*choices):
        path = template
        for variable, value in zip(variables, combination, strict=True):
            path = path.replace(f"<{variable}>", str(value))
        paths.append(path)
    return paths, None


def internal_links(hrefs: list[str], url: str) -> dict[str, str]:
    """The links to this site (no other site, no anchor, mailto or the like): href -> the URL path
    it opens from `url`."""
    links = {}
    for href in dict.fromkeys(hrefs):
        if not href or href.startswith(NOT_LINKS):
            continue
        parts = urlsplit(href)
        if not (parts.scheme or parts.netloc):
            links[href] = urljoin(url, parts.path)
    return links


def links_leaving(hrefs: list[str], url: str, prefix: str) -> list[str]:
    """The internal links that do not stay inside the prefix."""
    return [href for href, path in internal_links(hrefs, url).items() if not path.startswith(prefix)]
