"""The worker function's entry (template.yaml: Handler: serverless_dash.worker.lambda_handler).

The same code as the web function, invoked asynchronously by it with one job as the event: it
imports the user's app as the web function does (serverless_dash.loader: DASH_APP at
DASH_PUBLIC_PREFIX; that registers the background callbacks), then runs the job with the
recorded arguments and context (serverless_dash.background.run_job). Its timeout is its own (up to
15 minutes); the job's deadline in the table follows it.
"""

from __future__ import annotations

import time
from typing import Any

from . import loader
from .background import LambdaManager, install, run_job

_app: Any = None


def load_app() -> Any:
    """The user's app (DASH_APP), once per container, as the web function loads it (its public
    prefix, what Lambda needs, the background manager: serverless_dash.loader)."""
    global _app
    if _app is None:
        app = loader.load()
        if not isinstance(app._background_manager, LambdaManager):  # pragma: no cover - loader installs it
            install(app)
        _app = app
    return _app


def lambda_handler(event: dict, context: Any) -> dict:
    app = load_app()
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 900
    with app.server.app_context():
        status = run_job(app._background_manager, event, time.time() + remaining)
    return {"job": event.get("job"), "status": status}
