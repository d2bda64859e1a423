"""The second process of tests/test_background.py: the same app and the same store as the test
process, none of its memory. It polls one job as the browser does (the renderer's POST with the
signed handles) until the result, printing each answer as a JSON line.

    echo '{"endId": ..., "cacheKey": ..., "job": ..., "body": {...}}' | python tests/background_poll.py

It is started before the job and reads the handles from stdin, so that its imports (a second or
so) overlap the job instead of outlasting it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(ROOT / "tests")]

from background_app import app  # noqa: E402

from serverless_dash.background import install  # noqa: E402


def main() -> None:
    install(app)
    handles = json.loads(sys.stdin.read())
    client = app.server.test_client()
    query = {k: handles[k] for k in ("endId", "cacheKey", "job")}
    end = time.monotonic() + 20
    while time.monotonic() < end:
        answer = client.post("/_dash-update-component", json=handles["body"], query_string=query)
        body = answer.get_json(silent=True)
        print(json.dumps({"status": answer.status_code, "body": body}), flush=True)
        if answer.status_code != 200 or "response" in (body or {}):
            return
        time.sleep(handles.get("interval", 0.05))
    sys.exit("no result within 20 s")


if __name__ == "__main__":
    main()
