"""Your Dash app in a process of its own, as a Lambda container holds it: for tests/test_app.py.

Dash keeps one page registry and one set of global callbacks per process, and the pytest process
holds the platform's fixture app (tests/fixture_app/): so the app named by DASH_APP is imported here,
through the real entry point (serverless_dash.handler), with the stack's environment, in src/ as on
Lambda (/var/task). Run as `python -m tools.app_container` from the project root.

It reads one JSON request a line on stdin and answers one JSON line on stdout; whatever the app
prints or logs goes to stderr (the caller keeps it, to show with a failure).

    {"describe": true}       -> {"prefix": "/Prod/", "pages": [...]}     every page in dash.page_registry
    {"invoke": <event>}      -> {"response": <the handler's answer>}
    {"routes": [<url path>]} -> {"routes": {<url path>: <what answers it>}}  a page's module, a
                                server route, or null: no page (Dash Pages shows its not-found page)
    on any error             -> {"error": "<traceback>"}
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parent.parent / "src"
# Fields of a page in dash.page_registry the tests read (the layout and callables stay here).
PAGE_FIELDS = ("module", "path", "path_template", "name", "example_values")


def _describe(handler: Any) -> dict[str, Any]:
    import dash

    pages = [{field: page.get(field) for field in PAGE_FIELDS} for page in dash.page_registry.values()]
    return {"prefix": handler.PREFIX, "pages": pages}


def _routes(handler: Any, paths: list[str]) -> dict[str, str | None]:
    """What answers each path (inside the prefix) a link points to: the page Dash Pages' router
    shows for it (its own matching), another route of the app's server (assets, a Flask route), or
    None when only the catch-all page answers it with "not found"."""
    from dash._pages import _path_to_page  # the router's own matching (Dash has no public one)
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    app = handler.app
    urls = app.server.url_map.bind("localhost")
    answers: dict[str, str | None] = {}
    for path in paths:
        below = app.strip_relative_path(path) or ""
        page, _ = _path_to_page(below)
        if page:
            answers[path] = page["module"]
            continue
        try:
            rule, _ = urls.match("/" + below, method="GET", return_rule=True)
        except RequestRedirect:
            answers[path] = "a server route"
            continue
        except HTTPException:
            answers[path] = None
            continue
        answers[path] = None if rule.rule.endswith("<path:path>") else f"the server route {rule.rule}"
    return answers


def main() -> None:
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    # The app's prints (and anything else writing to fd 1) must not mix with the answers.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    os.chdir(SRC)
    sys.path.insert(0, str(SRC))
    try:
        import serverless_dash.handler as handler
    except BaseException:  # noqa: BLE001 - the app's import error is the answer to every request
        handler = None
        import_error = f"importing the app ({os.environ.get('DASH_APP', 'app:app')}) failed:\n{traceback.format_exc()}"
        print(import_error, file=sys.stderr, flush=True)
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if handler is None:
                answer: dict[str, Any] = {"error": import_error}
            elif "describe" in request:
                answer = _describe(handler)
            elif "routes" in request:
                answer = {"routes": _routes(handler, request["routes"])}
            else:
                answer = {"response": handler.lambda_handler(request["invoke"], None)}
        except Exception:  # noqa: BLE001 - reported to the test, which fails with it
            answer = {"error": traceback.format_exc()}
        sys.stderr.flush()
        answers.write(json.dumps(answer, default=repr) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
