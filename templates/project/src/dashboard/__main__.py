"""`make dev`: the dashboard on Dash's debug server, hot reload on, no AWS involved.

Run from the project root: PYTHONPATH=src python -m dashboard [--port 8050]
"""

from __future__ import annotations

import argparse

from . import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8050)
    args = parser.parse_args()
    create_app(debug=True).run(host=args.host, port=args.port, debug=True)


if __name__ == "__main__":
    main()
