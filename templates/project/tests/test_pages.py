"""Dash Pages at every door at once: every page, every link, in one process serving several prefixes.

Dash keeps one global page registry and answers `dash.get_relative_path` with the app built last, so
with one app per prefix the first door's pages would link into the last door's prefix. These tests
ask for every page at every door in turn, in one process, and check every link against its door.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import dash
import pytest
from page_load import decoded_body, get, parse_page, post_json, routed_page, routing_callback
from plotly.utils import PlotlyJSONEncoder

import handler
from adapter import apps
from dashboard import create_app, data, pages
from tools.apigateway import LocalGateway

COUNTRY = "sweden"
# (path below the prefix, the title the page gets, an id only that page has)
PAGES = [
    ("", pages.TITLE, "scatter"),
    ("countries", f"Countries · {pages.TITLE}", "continent-europe"),
    (f"country/{COUNTRY}", f"Sweden · {pages.TITLE}", "country-name"),
    ("country/korea-rep", f"Korea, Rep. · {pages.TITLE}", "country-name"),
    ("no/such/page", pages.NOT_FOUND_TITLE, "not-found"),
    ("country/atlantis", pages.NOT_FOUND_TITLE, "not-found"),
    ("country/sweden/more", pages.NOT_FOUND_TITLE, "not-found"),
]


@pytest.fixture
def doors(gateway: LocalGateway, domain_gateway: LocalGateway, config) -> list[LocalGateway]:
    """The execute-api URL, the custom domain, and one more base path: at least two prefixes."""
    other = LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path="second-prefix")
    unique = {gw.prefix: gw for gw in (gateway, domain_gateway, other)}
    assert len(unique) >= 2
    return list(unique.values())


_deps: dict[int, list[dict[str, Any]]] = {}


def _dependencies(gw: LocalGateway) -> list[dict[str, Any]]:
    if id(gw) not in _deps:
        _deps[id(gw)] = json.loads(decoded_body(get(gw, gw.prefix + "_dash-dependencies", "application/json")))
    return _deps[id(gw)]


def _route(gw: LocalGateway, pathname: str, search: str = "") -> tuple[Any, str]:
    """What Dash Pages' router answers for `pathname`: the page's layout and its title."""
    response = post_json(
        gw, gw.prefix + "_dash-update-component", routing_callback(_dependencies(gw), pathname, search)
    )
    assert response.status == 200, (pathname, decoded_body(response)[:300])
    return routed_page(response)


def _ids(tree: Any) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            if isinstance(node["props"].get("id"), str):
                found.add(node["props"]["id"])
            walk(node["props"].get("children"))

    walk(tree)
    return found


def _links(tree: Any) -> list[str]:
    """Every href in a layout tree (dcc.Link and html.A)."""
    hrefs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict) and "props" in node:
            if "href" in node["props"]:
                hrefs.append(node["props"]["href"])
            walk(node["props"].get("children"))

    walk(tree)
    return hrefs


def _check_links(gw: LocalGateway, tree: Any) -> int:
    """Every link inside the site starts with this door's prefix and opens a page that exists."""
    internal = [h for h in _links(tree) if not h.startswith("https://")]
    for link in internal:
        assert link.startswith(gw.prefix), f"{link} leaves the door {gw.prefix}"
    for link in sorted(set(internal)):
        pathname = link.split("#")[0]
        _, title = _route(gw, pathname)
        assert title != pages.NOT_FOUND_TITLE, f"{link} at {gw.prefix} leads nowhere"
    return len(internal)


@pytest.mark.parametrize(("path", "title", "marker"), PAGES)
def test_every_page_at_every_door_in_turn(doors: list[LocalGateway], path: str, title: str, marker: str) -> None:
    # Both orders, so neither door is the app built last every time.
    for gw in [*doors, *reversed(doors)]:
        page = get(gw, gw.prefix + path, "text/html")
        assert page.status == 200, gw.prefix + path
        parsed = parse_page(decoded_body(page))
        assert parsed.config["requests_pathname_prefix"] == gw.prefix
        # The page's title in the HTML's meta tags (Dash's own title for an address it has no page for).
        meta_title = pages.TITLE if path == "no/such/page" else title
        assert f'<meta property="og:title" content="{meta_title}">' in decoded_body(page).decode()

        content, got_title = _route(gw, gw.prefix + path)
        assert got_title == title, gw.prefix + path
        assert marker in _ids(content), gw.prefix + path
        _check_links(gw, content)


def test_the_frame_links_within_each_door(doors: list[LocalGateway]) -> None:
    for gw in [*doors, *reversed(doors)]:
        frame = json.loads(decoded_body(get(gw, gw.prefix + "_dash-layout", "application/json")))
        assert _check_links(gw, frame) == 2  # Overview, Countries
        assert {"_pages_location", "_pages_content"} <= _ids(frame)


def test_every_country_link_of_the_list_at_every_door(doors: list[LocalGateway]) -> None:
    for gw in doors:
        content, _ = _route(gw, gw.prefix + "countries")
        links = _links(content)
        assert sorted(links) == sorted(gw.prefix + f"country/{slug}" for slug in data.countries())


def test_a_chart_click_opens_the_country_within_the_door(doors: list[LocalGateway]) -> None:
    """Clicking a bubble sets the navigation dcc.Location's pathname: this door's country page."""
    for gw in [*doors, *reversed(doors)]:
        dep = next(d for d in _dependencies(gw) if d["output"] == "navigate.pathname")
        click = {"points": [{"customdata": [10_000_000, COUNTRY], "text": "Sweden"}]}
        body = {
            "output": dep["output"],
            "outputs": {"id": "navigate", "property": "pathname"},
            "inputs": [
                {"id": "scatter", "property": "clickData", "value": click},
                {"id": "ranking", "property": "clickData", "value": None},
            ],
            "state": [],
            "changedPropIds": ["scatter.clickData"],
        }
        response = post_json(gw, gw.prefix + "_dash-update-component", body)
        assert response.status == 200
        pathname = json.loads(decoded_body(response))["response"]["navigate"]["pathname"]
        assert pathname == gw.prefix + f"country/{COUNTRY}"
        assert _route(gw, pathname)[1] == f"Sweden · {pages.TITLE}"

        # A click on a point that names no known country goes nowhere.
        body["inputs"][0]["value"] = {"points": [{"customdata": [1, "../../elsewhere"]}]}
        assert post_json(gw, gw.prefix + "_dash-update-component", body).status == 204


def test_redirects_stay_within_the_door(doors: list[LocalGateway]) -> None:
    for gw in [*doors, *reversed(doors)]:
        for old, new in pages.REDIRECTS.items():
            response = get(gw, gw.prefix + old.lstrip("/"), "text/html")
            assert response.status == 301, gw.prefix + old
            assert response.header("Location") == gw.prefix + new.lstrip("/")


def test_query_parameters_reach_no_page_as_an_error(gateway: LocalGateway) -> None:
    """Dash Pages passes query parameters to the layout as keyword arguments."""
    for path in ("", "countries", f"country/{COUNTRY}", "nowhere"):
        _, title = _route(gateway, gateway.prefix + path, "?slug=norway&slug=x&a-b=1&year=")
        assert title


def test_dash_pages_paths_follow_the_app_built_last() -> None:
    """The wall this dashboard steps around (dash 4.4.1): the page registry is global, and its
    relative_path entries and dash.get_relative_path belong to whichever app was built last. If this
    fails, Dash changed how Pages computes paths: re-check dashboard/links.py and these tests."""
    create_app("/first/")
    create_app("/last/")
    assert dash.page_registry["dashboard.pages.countries"]["relative_path"] == "/last/countries"
    assert dash.get_relative_path("/countries") == "/last/countries"
    # What the dashboard uses instead: the app of the request (links.href), right for each app.
    first = create_app("/first/")
    create_app("/last/")
    with first.server.test_request_context("/countries"):
        tree = json.loads(json.dumps(pages.countries(), cls=PlotlyJSONEncoder))
    assert _links(tree) and all(link.startswith("/first/country/") for link in _links(tree))


def test_apps_of_other_doors_keep_their_pages_router(doors: list[LocalGateway]) -> None:
    """The router is a callback of each app, so every cached app routes (DESIGN 2.3)."""
    for gw in doors:
        outputs = [d["output"] for d in _dependencies(gw)]
        assert any("_pages_content.children" in o for o in outputs), gw.prefix
    assert {gw.prefix for gw in doors} <= set(apps.cached_prefixes())


def test_an_app_built_in_another_thread_has_its_pages(config) -> None:
    """tools/serve.py (threads) builds a door's app in the thread of its first request; Dash's
    register_page fails outside the thread that imported Dash unless pages.py steps around it."""
    built: list[Any] = []
    worker = threading.Thread(target=lambda: built.append(create_app("/threaded/")))
    worker.start()
    worker.join()
    assert built, "create_app failed in a thread"
    with built[0].server.test_request_context("/"):
        assert built[0].get_relative_path("/countries") == "/threaded/countries"
    gw = LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path="threaded")
    assert _route(gw, gw.prefix + f"country/{COUNTRY}")[1] == f"Sweden · {pages.TITLE}"
