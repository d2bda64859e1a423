"""Your app at the stack's public door: every page of it, with no edit when you add one.

The app DASH_APP names (template.yaml; src/app.py's `app` unless you changed it) runs through the real
Lambda entry point (serverless_dash.handler) in a process of its own, as in a Lambda container
(tools/app_container.py), behind the local stand-in of the stack's door at its public prefix
(/Prod/, the custom domain's base path, CloudFront's). Then, for every page in dash.page_registry:

- the page answers 200;
- everything the browser runs when it opens the page answers: Dash Pages' router (which calls the
  page's layout: a layout that raises fails here, naming the page), then the page's own callbacks
  that fire on load, in the order the renderer fires them;
- every link on it (dcc.Link, html.A, any component's href) stays inside the public prefix, and
  leads to a page of the app (or another route of its server, like assets/): not to the address of
  no page, which Dash Pages answers with its not-found page.

A page with a path template (path_template="/country/<slug>") is opened with the values it declares:
dash.register_page(__name__, path_template="/country/<slug>", example_values={"slug": ["sweden"]}).
Without them it is skipped, and the skip says what to declare.
"""

from __future__ import annotations

import atexit
import functools
from typing import Any

import pytest
from app_pages import (
    DEPENDENCIES,
    LAYOUT,
    ROUTER_OUTPUT,
    AppContainer,
    AppError,
    filled_paths,
    internal_links,
    links_leaving,
    open_page,
    public_door,
    stack_environment,
)

from tools.stack_config import stack_config

LINK_FIX = (
    "The stack serves the app at {prefix}: write a link inside the app as dash.get_relative_path('/path') "
    "(a page's: page['relative_path'] from dash.page_registry), never as a fixed '/path'."
)


@functools.cache
def _app() -> tuple[AppContainer, Any, dict[str, Any]]:
    """The container with the app, the public door in front of it, and what the app registered."""
    config = stack_config()
    container = AppContainer(config, stack_environment(config))
    atexit.register(container.close)
    door = public_door(config, container)
    try:
        described = container.describe()
    except AppError as error:
        described = {"error": str(error)}
    return container, door, described


def _cases() -> list[Any]:
    _, _, described = _app()
    if "error" in described:
        return [pytest.param({"error": described["error"]}, id="import")]
    pages = described["pages"] or [
        # An app without Dash Pages: its one page.
        {"module": "app", "path": "/", "path_template": None}
    ]
    cases = []
    for page in pages:
        paths, reason = filled_paths(page)
        if reason:
            cases.append(pytest.param({"page": page}, id=page["module"], marks=pytest.mark.skip(reason=reason)))
        for path in paths:
            case = {"page": page, "path": path}
            cases.append(pytest.param(case, id=f"{page['module']}:{path}"))
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        metafunc.parametrize("case", _cases())


def test_public_prefix() -> None:
    """The app is served at the prefix the stack's door has (DASH_PUBLIC_PREFIX in template.yaml)."""
    _, door, described = _app()
    if "error" in described:
        pytest.fail(described["error"], pytrace=False)
    assert described["prefix"] == door.prefix == stack_config().public_prefix, (
        f"the function serves the app at {described['prefix']}, the stack's door is at {door.prefix}: "
        "DASH_PUBLIC_PREFIX in template.yaml disagrees with the API (regenerate it, or fix it by hand)"
    )


def test_page(case: dict[str, Any]) -> None:
    """One page of the app, opened as a browser opens it at the public door."""
    if "error" in case:
        pytest.fail(case["error"], pytrace=False)
    container, door, described = _app()
    prefix = described["prefix"]
    page = case["page"]
    mark = container.log_position()

    def fail(message: str) -> None:
        logs = container.logs(mark).strip()
        pytest.fail(f"{message}\n--- what the app logged ---\n{logs}" if logs else message, pytrace=False)

    load = open_page(door, prefix, case["path"])
    where = f"page {page['module']} ({load.url})"
    if load.page.status != 200:
        fail(f"{where} answered {load.page.status}, not 200")
    for fired in load.fired:
        if fired.status in (200, 204):
            continue
        if fired.output in (LAYOUT, DEPENDENCIES):
            fail(f"{where}: the app's {fired.output} answered {fired.status} (app.layout, or the app's callbacks)")
        if ROUTER_OUTPUT in fired.output:
            fail(f"{where}: its layout raised (Dash Pages' router answered {fired.status})")
        fail(f"{where}: the callback for {fired.output} answered {fired.status} when the page loaded")
    leaving = links_leaving(load.hrefs, load.url, prefix)
    if leaving:
        fixes = "\n".join(f"  href={href!r}: href=dash.get_relative_path({href!r})" for href in leaving)
        fail(f"{where}: links leave the public prefix {prefix}:\n{fixes}\n{LINK_FIX.format(prefix=prefix)}")
    if described["pages"]:
        links = internal_links(load.hrefs, load.url)
        routes = container.routes(sorted(set(links.values())))
        nowhere = [f"  href={href!r} ({path})" for href, path in links.items() if routes[path] is None]
        if nowhere:
            lines = "\n".join(nowhere)
            fail(f"{where}: links lead to no page of the app (Dash Pages shows its not-found page there):\n{lines}")
