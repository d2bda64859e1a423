"""Your Dash app, loaded once per container and served at the stack's one public prefix.

The stack knows the URL people open (template.yaml computes it: `/<stage>/` on API Gateway's own URL,
the custom domain's base path or `/`, CloudFront's) and tells the function as DASH_PUBLIC_PREFIX.
Dash writes its prefix into the page when the app is built and reads DASH_REQUESTS_PATHNAME_PREFIX
for it, so that variable is set before your app is imported; its routes stay at `/` (the handler
takes the prefix off each path). Under `sam local start-api` (AWS_SAM_LOCAL=true) the prefix is `/`.

DASH_APP names the app as `module:attribute` (default `app:app`, src/app.py's `app`). After importing
it, the platform sets what Lambda needs on it, none of which belongs in your code: compression, no
Dash Pages validation layout (it put every page's layout into each page's HTML), security and cache
headers, content hashes on asset links, the stored encodings of `sam build`, error logs with request
ids, and the optional parts the project was generated with (sign-in, background callbacks).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import os
import re
from pathlib import Path
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException, InvalidConfig
from flask import redirect
from werkzeug.exceptions import NotFound

from . import headers, logs
from .precompressed import serve_stored_encodings

logger = logging.getLogger("serverless_dash")

PREFIX_VARIABLE = "DASH_PUBLIC_PREFIX"
APP_VARIABLE = "DASH_APP"
DEFAULT_APP = "app:app"
# "/" or "/segment/.../": stage names and base paths use only these characters, never "." or "..".
PREFIX = re.compile(r"^/(?:(?!\.\.?/)[A-Za-z0-9._~$-]+/){0,4}$")


class AppConfigurationError(RuntimeError):
    """The app cannot be served as configured: raised at import, so `make test` and the log say why."""


def public_prefix() -> str:
    """The URL prefix people open the dashboard at: "/Prod/", "/reports/" or "/"."""
    if os.environ.get("AWS_SAM_LOCAL") == "true":
        return "/"
    prefix = os.environ.get(PREFIX_VARIABLE) or "/"
    if not PREFIX.match(prefix):
        raise AppConfigurationError(f"{PREFIX_VARIABLE}={prefix!r} is not a URL prefix like /Prod/ or /")
    return prefix


def optional(name: str) -> Any | None:
    """A platform module the project was generated with (sign-in, CloudFront, background jobs), or None."""
    qualified = f"{__package__}.{name}"
    return importlib.import_module(qualified) if importlib.util.find_spec(qualified) else None


def load(*, debug: bool = False) -> Dash:
    """Import the app named by DASH_APP at the public prefix, prepared for Lambda (or, with `debug`,
    for Dash's debug server: `make dev`)."""
    prefix = public_prefix()
    spec = os.environ.get(APP_VARIABLE) or DEFAULT_APP
    module_name, _, attribute = spec.partition(":")
    os.environ["DASH_REQUESTS_PATHNAME_PREFIX"] = prefix
    os.environ.setdefault("DASH_COMPRESS", "true")
    try:
        module = importlib.import_module(module_name)
    except InvalidConfig as error:
        raise AppConfigurationError(
            f"{module_name} builds its Dash app with {_own_prefix_settings(error)}, but the stack "
            f"serves it at {prefix!r} ({PREFIX_VARIABLE}, from template.yaml). Delete "
            "url_base_pathname, routes_pathname_prefix and requests_pathname_prefix from its Dash(...) "
            f"call{_line_of_setting(module_name)}: the platform gives Dash the prefix."
        ) from error
    app = getattr(module, attribute or "app", None)
    if not isinstance(app, Dash):
        raise AppConfigurationError(f"{APP_VARIABLE}={spec!r}: {module_name}.{attribute or 'app'} is not a Dash app")
    check_prefix(app, prefix, module_name)
    prepare(app, debug=debug)
    return app


def _own_prefix_settings(error: InvalidConfig) -> str:
    """The prefix settings the app gave Dash, from the frame where Dash refused them (Dash's
    message names the settings but not their values)."""
    traceback = error.__traceback__
    own: dict[str, Any] = {}
    while traceback is not None:
        frame = traceback.tb_frame
        if frame.f_code.co_name == "pathname_configs":
            own = {name: frame.f_locals.get(name) for name in ("url_base_pathname", "routes_pathname_prefix")}
        traceback = traceback.tb_next
    shown = [f"{name}={value!r}" for name, value in own.items() if value is not None]
    return " and ".join(shown) or "a URL prefix of its own"


_PREFIX_SETTINGS = (
    "url_base_pathname",
    "routes_pathname_prefix",
    "requests_pathname_prefix",
)


def _line_of_setting(module_name: str) -> str:
    """ " (src/app.py, line 11)": where the module sets a prefix of its own, if its source says."""
    spec = importlib.util.find_spec(module_name)
    origin = spec.origin if spec is not None else None
    try:
        lines = Path(origin).read_text(encoding="utf-8").splitlines() if origin else []
    except OSError:
        return ""
    for number, line in enumerate(lines, start=1):
        if any(setting in line for setting in _PREFIX_SETTINGS):
            return f" ({os.path.relpath(origin)}, line {number})"
    return ""


def check_prefix(app: Dash, prefix: str, where: str) -> None:
    """An app that fixes its own prefix against the stack's would write links nobody can open."""
    requests_prefix = app.config.requests_pathname_prefix
    routes_prefix = app.config.routes_pathname_prefix
    if requests_prefix != prefix or routes_prefix != "/":
        raise AppConfigurationError(
            f"{where} builds its Dash app with requests_pathname_prefix={requests_prefix!r} and "
            f"routes_pathname_prefix={routes_prefix!r}, but the stack serves it at {prefix!r} "
            f"({PREFIX_VARIABLE}, from template.yaml). Delete url_base_pathname, routes_pathname_prefix "
            f"and requests_pathname_prefix from its Dash(...) call{_line_of_setting(where)}: the platform "
            "gives Dash the prefix."
        )


def _redirects_below_prefix(app: Dash) -> None:
    """Dash Pages' `redirect_from`, where Flask sees it. Dash registers each old path with the prefix
    in front (`/Prod/old`), but the handler hands Flask the path below the prefix, and Dash puts the
    prefix twice in front of the target: so the platform adds the rule Flask can match."""
    prefix = app.config.requests_pathname_prefix
    if prefix == "/" or not app.use_pages:
        return  # Dash's own rules are right
    server = app.server
    # Dash keeps no record of redirect_from (the registry's entry is None): its rules are the ones
    # it added under the requests prefix, each named by its own path, answering with a redirect.
    dash_rules = [
        rule
        for rule in server.url_map.iter_rules()
        if rule.rule.startswith(prefix) and rule.endpoint == rule.rule and "<" not in rule.rule
    ]
    doubled = prefix + prefix[1:]
    for rule in dash_rules:
        with server.test_request_context(rule.rule):
            answer = server.make_response(server.view_functions[rule.endpoint]())
        target = answer.location
        if answer.status_code not in (301, 302, 307, 308) or not target:
            continue
        if target.startswith(doubled):
            target = target[len(prefix) - 1 :]
        old = rule.rule[len(prefix) - 1 :]
        server.add_url_rule(
            old,
            endpoint=f"serverless_dash.redirect:{old}",
            view_func=functools.partial(redirect, target, 301),
        )


def prepare(app: Dash, *, debug: bool = False) -> None:
    """What Lambda needs of any Dash app, set after the app was built."""
    server = app.server
    server.debug = debug
    if not debug:
        # Dash Pages would send every page's whole layout inside each page's HTML for the renderer to
        # check callbacks against (20 ms of JSON per page load with the example): a check for make dev.
        app.config.suppress_callback_exceptions = True
    if not app.config.compress:
        # plotly.min.js is 4.8 MB: uncompressed, it does not fit Lambda's 6 MB response as base64.
        logger.info("compressing responses: Lambda's 6 MB limit needs it (the app was built with compress=False)")
        app.backend.enable_compression()

    @server.errorhandler(DependencyException)
    def unknown_component_file(error: DependencyException) -> NotFound:
        # Dash raises this for a _dash-component-suites path it never registered: a typo, an old
        # page or a scanner, not a fault of the app. Answer like any other unknown file.
        return NotFound()

    _redirects_below_prefix(app)
    headers.install(app)
    logs.install(server)
    serve_stored_encodings(app)
    for name in ("background",):  # parts the project was generated with
        part = optional(name)
        if part is not None:
            part.install(app)
