"""What a browser asks for when it opens the dashboard, replayed through a LocalGateway."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import brotli

from tools.apigateway import GatewayResponse, LocalGateway

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd"
# Dash Pages' components in the frame of every page: its dcc.Location and the page's container.
PAGES_LOCATION = "_pages_location"
PAGES_CONTENT = "_pages_content"
# The birthday callback, as the renderer posts it when a date is picked.
AGE_CALLBACK = {
    "output": "age.children",
    "outputs": {"id": "age", "property": "children"},
    "inputs": [{"id": "birthday", "property": "date", "value": "2000-01-01"}],
    "state": [],
    "changedPropIds": ["birthday.date"],
}
# The async chunks dash-core-components loads for the components on this page, and plotly.js. The
# chunks' URLs carry the fingerprint built into the dcc bundle (ASYNC_FINGERPRINT); plotly.js's has
# none (the renderer asks for it by name).
ASYNC_CHUNKS = (
    "_dash-component-suites/dash/dcc/async-graph.js",
    "_dash-component-suites/dash/dcc/async-dropdown.js",
    "_dash-component-suites/dash/dcc/async-slider.js",
    "_dash-component-suites/dash/dcc/async-datepicker.js",
)
PLOTLY_JS = "_dash-component-suites/plotly/package_data/plotly.min.js"
ASYNC_SCRIPTS = (*ASYNC_CHUNKS, PLOTLY_JS)
# dcc's webpack loader inserts this into a chunk's file name: async-graph.v4_4_1m1784647828.js.
ASYNC_FINGERPRINT = re.compile(rb'\.splice\(1,\s*0,\s*"(v[\w-]+m[0-9a-fA-F]+)"\)')


def decoded_body(response: GatewayResponse) -> bytes:
    encoding = (response.header("Content-Encoding") or "").lower()
    decoders = {"": bytes, "gzip": gzip.decompress, "br": brotli.decompress, "zstd": zstd.decompress}
    return decoders[encoding](response.body)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.icons: list[str] = []
        self._in_config = False
        self.config_json = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"] or "")
        if tag == "script" and a.get("id") == "_dash-config":
            self._in_config = True
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        if tag == "link" and a.get("rel") == "icon":
            self.icons.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_json += data


@dataclass
class Page:
    config: dict[str, Any]  # Dash's _dash-config: requests_pathname_prefix and the rest
    scripts: list[str]
    stylesheets: list[str]
    icons: list[str]


def parse_page(html: bytes) -> Page:
    parser = _PageParser()
    parser.feed(html.decode("utf-8"))
    return Page(json.loads(parser.config_json), parser.scripts, parser.stylesheets, parser.icons)


def get(gateway: LocalGateway, url: str, accept: str = "*/*", accept_encoding: str | None = None) -> GatewayResponse:
    headers = [("Accept", accept)]
    if accept_encoding:
        headers.append(("Accept-Encoding", accept_encoding))
    return gateway.request("GET", url, headers)


def post_json(gateway: LocalGateway, url: str, payload: Any, accept_encoding: str | None = None) -> GatewayResponse:
    headers = [("Accept", "application/json"), ("Content-Type", "application/json")]
    if accept_encoding:
        headers.append(("Accept-Encoding", accept_encoding))
    return gateway.request("POST", url, headers, json.dumps(payload).encode())


def component_values(layout: Any) -> dict[tuple[str, str], Any]:
    """(id, property) -> value for every component with an id in a _dash-layout tree."""
    values: dict[tuple[str, str], Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            props = node["props"]
            if "id" in props:
                values.update({(props["id"], k): v for k, v in props.items()})
            walk(props.get("children"))

    walk(layout)
    return values


def _outputs(output: str) -> list[dict[str, str]]:
    """Dash's output spec: "id.prop", or "..a.x...b.y.." for several outputs."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]


def initial_callbacks(layout: Any, dependencies: list[dict[str, Any]], added: Any = None) -> list[dict[str, Any]]:
    """The _dash-update-component bodies the renderer posts for components that appear: the
    server callbacks (not clientside, not prevent_initial_call) whose inputs are all in `layout`
    and, when `added` is given, one of whose inputs is in that newly added part."""
    values = component_values(layout)
    new_ids = {i for i, _ in component_values(added)} if added is not None else None
    bodies = []
    for dep in dependencies:
        if dep.get("prevent_initial_call") or dep.get("clientside_function"):
            continue
        if not all((i["id"], "id") in values for i in dep["inputs"]):
            continue
        if new_ids is not None and not any(i["id"] in new_ids for i in dep["inputs"]):
            continue
        outputs = _outputs(dep["output"])
        bodies.append(
            {
                "output": dep["output"],
                "outputs": outputs if len(outputs) > 1 else outputs[0],
                "inputs": [{**i, "value": values.get((i["id"], i["property"]))} for i in dep["inputs"]],
                "state": [{**s, "value": values.get((s["id"], s["property"]))} for s in dep["state"]],
                "changedPropIds": [],
            }
        )
    return bodies


def async_script_urls(prefix: str, scripts: dict[str, GatewayResponse]) -> list[str]:
    """The async chunks and plotly.js as the browser asks for them once the scripts ran."""
    dcc = next(r for url, r in scripts.items() if "/dash/dcc/dash_core_components" in url)
    found = ASYNC_FINGERPRINT.search(decoded_body(dcc))
    fingerprint = found.group(1).decode() if found else None

    def fingerprinted(chunk: str) -> str:
        if fingerprint is None:
            return chunk
        stem, _, extension = chunk.rpartition(".")
        return f"{stem}.{fingerprint}.{extension}"

    return [prefix + fingerprinted(c) for c in ASYNC_CHUNKS] + [prefix + PLOTLY_JS]


def routing_callback(dependencies: list[dict[str, Any]], pathname: str, search: str = "") -> dict[str, Any]:
    """The body Dash Pages' router gets when its dcc.Location reports the address (on load, on a
    dcc.Link click, on back and forward): it answers with the page's layout and title."""
    dep = next(d for d in dependencies if "_pages_content.children" in d["output"])
    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": [{**i, "value": {"pathname": pathname, "search": search}[i["property"]]} for i in dep["inputs"]],
        "state": [],
        "changedPropIds": [f"{PAGES_LOCATION}.pathname"],
    }


def routed_page(response: GatewayResponse) -> tuple[Any, str]:
    """The page layout and the title from the router's answer."""
    answer = json.loads(decoded_body(response))["response"]
    return answer[PAGES_CONTENT]["children"], answer["_pages_store"]["data"]["title"]


def load_page(gateway: LocalGateway, accept_encoding: str | None, path: str = "") -> dict[str, GatewayResponse]:
    """Every request of a first page load of `path` (below the prefix), by URL: the page, the
    scripts, stylesheets and favicon it names, the async chunks and plotly.js, the layout, the
    dependencies, the router's callback (the page itself) and the callbacks of the page's components."""
    prefix = gateway.prefix
    responses: dict[str, GatewayResponse] = {}
    page = get(gateway, prefix + path, "text/html,application/xhtml+xml,*/*;q=0.8", accept_encoding)
    responses[prefix + path] = page
    parsed = parse_page(decoded_body(page))
    for url in parsed.scripts:
        responses[url] = get(gateway, url, "*/*", accept_encoding)
    for url in async_script_urls(prefix, responses):
        responses[url] = get(gateway, url, "*/*", accept_encoding)
    for url in parsed.stylesheets:
        responses[url] = get(gateway, url, "text/css,*/*;q=0.1", accept_encoding)
    for url in parsed.icons:
        responses[url] = get(gateway, url, "image/avif,image/webp,image/png,image/*,*/*;q=0.8", accept_encoding)
    layout = get(gateway, prefix + "_dash-layout", "application/json", accept_encoding)
    dependencies = get(gateway, prefix + "_dash-dependencies", "application/json", accept_encoding)
    responses[prefix + "_dash-layout"] = layout
    responses[prefix + "_dash-dependencies"] = dependencies
    shell, deps = json.loads(decoded_body(layout)), json.loads(decoded_body(dependencies))
    url = prefix + "_dash-update-component"
    bodies = initial_callbacks(shell, deps)
    routed = post_json(gateway, url, routing_callback(deps, prefix + path), accept_encoding)
    responses[f"{url}#router"] = routed
    content, _title = routed_page(routed)
    bodies += initial_callbacks([shell, content], deps, added=content)
    for n, body in enumerate(bodies):
        responses[f"{url}#{n}"] = post_json(gateway, url, body, accept_encoding)
    return responses
