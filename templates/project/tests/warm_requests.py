"""A stream of browser requests through the handler of a warm container, and the memory it keeps.

tests/test_memory.py runs a short stream in the pytest process; for a longer one, from the project
root: `python tests/warm_requests.py REQUESTS WARM_UP` (prints one JSON object).

Memory is measured with tracemalloc: the Python memory allocated during the measured requests and
still held after them. Unlike the resident size, it does not depend on what the allocator keeps or
returns, so a few hundred requests show a leak of a few hundred bytes each.
"""

from __future__ import annotations

import gc
import itertools
import json
import sys
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # the project's paths, as pytest sets them (pyproject.toml), and tests/
    TESTS = Path(__file__).resolve().parent
    sys.path[:0] = [str(TESTS.parent / "src"), str(TESTS.parent), str(TESTS)]

from conftest import CONFIG, greet_callback, public_gateway
from page_load import BROWSER_ACCEPT_ENCODING, get, post_json

from tools.apigateway import GatewayResponse, LocalGateway


def browser_requests(gateway: LocalGateway, n: int) -> list[Callable[[], GatewayResponse]]:
    """What a browser asks the public door for: the page, the layout, a callback and two assets.
    Each request differs from the last of its kind (the name typed, the asset's query string), so a
    cache keyed by the request would grow."""
    prefix = gateway.prefix
    return [
        lambda: get(gateway, prefix, "text/html", BROWSER_ACCEPT_ENCODING),
        lambda: get(gateway, prefix + "_dash-layout", "application/json", BROWSER_ACCEPT_ENCODING),
        lambda: post_json(gateway, prefix + "_dash-update-component", greet_callback(f"visitor {n}")),
        lambda: get(gateway, prefix + "assets/favicon.ico", "image/*"),
        lambda: get(gateway, f"{prefix}assets/style.css?m={n}", "text/css", BROWSER_ACCEPT_ENCODING),
    ]


def serve(gateway: LocalGateway, requests: int, warm_up: int) -> dict[str, Any]:
    """`warm_up` requests, then `requests` more measured: their statuses and the memory they kept."""
    sends = (send for n in itertools.count() for send in browser_requests(gateway, n))
    statuses: Counter[int] = Counter()
    for send in itertools.islice(sends, warm_up):
        statuses[send().status] += 1
    gc.collect()
    tracemalloc.start()
    try:
        for send in itertools.islice(sends, requests):
            statuses[send().status] += 1
        gc.collect()
        kept, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "prefix": gateway.prefix,
        "statuses": {str(status): count for status, count in statuses.items()},
        "kept_bytes": kept,
    }


if __name__ == "__main__":
    print(json.dumps(serve(public_gateway(CONFIG), int(sys.argv[1]), int(sys.argv[2]))))
