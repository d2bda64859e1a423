"""`make dev`: the dashboard on Dash's debug server, hot reload on, no AWS involved.

    PYTHONPATH=src python -m tools.dev [--port 8050] [--host 127.0.0.1]

Like `python -m dashboard`, plus sign-in when template.yaml has it and DASH_AUTH_ISSUER names a
provider (tools/local_sign_in.py); it says which on start.
"""

from __future__ import annotations

import argparse
import os

from tools.local_sign_in import configure
from tools.stack_config import stack_config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.dev", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    args = parser.parse_args(argv)
    os.environ.setdefault("DASH_AUTH", stack_config().environment.get("DASH_AUTH") or "none")
    print(configure(), flush=True)

    from adapter import auth
    from dashboard import create_app

    app = create_app(debug=True)
    if auth.enabled():
        app.server.wsgi_app = auth.protect(app, "/", app.server.wsgi_app)
    app.run(host=args.host, port=args.port, debug=True)


if __name__ == "__main__":
    main()
