"""The worker function's entry (template.yaml: Handler: serverless_dash.worker.lambda_handler).

The same code as the web function, invoked asynchronously by it with one job as the event: it
imports the user's app (which registers the background callbacks), then runs the job with the
recorded arguments and context (serverless_dash.background.run_job). Its timeout is its own (up to
15 minutes); the job's deadline in the table follows it.
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from typing import Any

from serverless_dash.background import LambdaManager, install, run_job

logging.getLogger().setLevel(logging.INFO)

_app: Any = None


def load_app() -> Any:
    """The user's app (DASH_APP, "module:attribute"), once per container, with the manager on it."""
    global _app
    if _app is None:
        module_name, _, attribute = os.environ.get("DASH_APP", "app:app").partition(":")
        app = getattr(importlib.import_module(module_name), attribute or "app")
        if not isinstance(app._background_manager, LambdaManager):
            install(app)
        _app = app
    return _app


def lambda_handler(event: dict, context: Any) -> dict:
    app = load_app()
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else 900
    with app.server.app_context():
        status = run_job(app._background_manager, event, time.time() + remaining)
    return {"job": event.get("job"), "status": status}
