"""`make dev`: your Dash app on Dash's debug server at /, hot reload on, no AWS involved.

    PYTHONPATH=src python -m tools.dev [--port 8050] [--host 127.0.0.1] [--no-reload]

The app template.yaml names (DASH_APP, src/app.py's `app`), loaded as the function loads it
(serverless_dash.loader) but for the debug server: at /, with Dash's dev tools and its callback
checks on. With sign-in in the project (--auth cognito), sign-in is on when DASH_AUTH_ISSUER names a
provider (tools/local_sign_in.py); it says which on start.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os

from tools.stack_config import APP_VARIABLE, PREFIX_VARIABLE, stack_config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.dev", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument(
        "--no-reload", action="store_true", help="no hot reload: one process, which a change does not restart"
    )
    args = parser.parse_args(argv)
    config = stack_config()
    os.environ.pop("AWS_SAM_LOCAL", None)
    os.environ[PREFIX_VARIABLE] = "/"  # the debug server's own URL, http://127.0.0.1:8050/
    os.environ.setdefault(APP_VARIABLE, config.app)

    from serverless_dash import loader

    auth = loader.optional("auth")
    if auth is not None and importlib.util.find_spec("tools.local_sign_in"):
        os.environ.setdefault("DASH_AUTH", config.environment.get("DASH_AUTH") or "none")
        print(importlib.import_module("tools.local_sign_in").configure(), flush=True)

    if loader.optional("background") is not None:
        # Background callbacks: jobs in threads, their state in this process's memory (make serve
        # and the tests use moto's DynamoDB server instead; make dev has one process).
        os.environ.setdefault("DASH_JOBS_TABLE", "memory")
        os.environ.setdefault("DASH_JOBS_WORKER", "thread")
        os.environ.pop("DASH_JOBS_SECRET", None)
        print("Background callbacks: jobs in threads of this process, their state in its memory", flush=True)

    app = loader.load(debug=True)
    if auth is not None and auth.enabled():
        app.server.wsgi_app = auth.protect(app, "/", app.server.wsgi_app)  # type: ignore[method-assign]
    app.run(host=args.host, port=args.port, debug=True, use_reloader=not args.no_reload)


if __name__ == "__main__":
    main()
