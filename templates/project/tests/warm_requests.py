"""Serve a stream of browser requests through the handler in this process; print what memory did.

`python tests/warm_requests.py REQUESTS WARM_UP`, from the project root with src/ and the project root
on PYTHONPATH and the function's environment set (tests/test_memory.py runs it). It prints one JSON
object: the resident memory after the warm-up and at the end, the status of every request, and the
prefixes an app was built for.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import resource
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from page_load import AGE_CALLBACK, BROWSER_ACCEPT_ENCODING, get, post_json

import handler
from adapter import apps
from tools.apigateway import GatewayResponse, LocalGateway
from tools.stack_config import stack_config


def resident_bytes() -> int:
    """The process's resident memory: current on Linux, the peak elsewhere (macOS has no /proc)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def browser_requests(gateway: LocalGateway) -> list[Callable[[], GatewayResponse]]:
    """What a browser asks one prefix for: the page, the layout, a callback and the favicon."""
    prefix = gateway.prefix
    return [
        lambda: get(gateway, prefix, "text/html", BROWSER_ACCEPT_ENCODING),
        lambda: get(gateway, prefix + "_dash-layout", "application/json", BROWSER_ACCEPT_ENCODING),
        lambda: post_json(gateway, prefix + "_dash-update-component", AGE_CALLBACK, BROWSER_ACCEPT_ENCODING),
        lambda: get(gateway, prefix + "assets/favicon.ico", "image/*"),
    ]


def serve(requests: int, warm_up: int) -> dict[str, Any]:
    """`requests` requests in turn over two prefixes: the execute-api URL and a custom-domain base path."""
    built: list[str] = []
    create_app = apps.create_app

    def counting_create_app(prefix: str):
        built.append(prefix)
        return create_app(prefix)

    apps.create_app = counting_create_app
    config = stack_config()
    gateways = [
        LocalGateway(config, handler.lambda_handler),
        LocalGateway(config, handler.lambda_handler, custom_domain=True, base_path="memory"),
    ]
    sends = itertools.cycle([send for gateway in gateways for send in browser_requests(gateway)])
    statuses: Counter[int] = Counter()

    for _ in range(warm_up):
        statuses[next(sends)().status] += 1
    gc.collect()
    after_warm_up = resident_bytes()
    for _ in range(requests - warm_up):
        statuses[next(sends)().status] += 1
    gc.collect()
    return {
        "prefixes": [gateway.prefix for gateway in gateways],
        "built": built,
        "statuses": {str(status): count for status, count in statuses.items()},
        "resident_after_warm_up": after_warm_up,
        "resident_at_end": resident_bytes(),
    }


if __name__ == "__main__":
    print(json.dumps(serve(int(sys.argv[1]), int(sys.argv[2]))))
