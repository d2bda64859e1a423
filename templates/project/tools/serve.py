"""`make serve`: the real Lambda handler behind a local stand-in for API Gateway.

    python -m tools.serve [--port 3000] [--host 127.0.0.1]
                          [--custom-domain [--base-path reports] [--reading key|none|stage]]
    python -m tools.serve --cdn [--port 3000] [--http-port 3001]

Unlike `make dev`, every request goes through handler.lambda_handler as an API Gateway event built
from template.yaml (stage prefix, binary media types, the 6 MB response limit), so what works here
works behind API Gateway. `sam local start-api` does the same with Docker; this needs none.

With --custom-domain the function is told the domain and base path it serves (DASH_CUSTOM_DOMAIN,
DASH_BASE_PATH), as the stack tells it when template.yaml has that domain. --reading picks what an
HTTP API writes into rawPath behind a custom domain (reports disagree): the mapping key ("key"),
nothing ("none") or the stage ("stage"); the dashboard must work under each.

With --cdn the CloudFront distribution of template.yaml (or, without --cdn in the template, the one
--cdn would add) stands in front (tools/cloudfront.py): each request is logged as an edge cache hit
or as a call to the function, so a second visitor's page load shows which requests reach Lambda.
Locally there is no TLS: the --port listener stands for https://, and the --http-port one for
http://, which answers with CloudFront's redirect to https (here: to the --port listener).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from tools.apigateway import READINGS, GatewayResponse, LocalGateway
from tools.local_sign_in import configure
from tools.stack_config import stack_config


class Front(Protocol):
    def request(self, method: str, target: str, headers: Any, body: bytes) -> GatewayResponse: ...


class LoggedCloudFront:
    """The local CloudFront, telling on stderr what each request cost: an edge hit or a function call."""

    def __init__(self, cloudfront: Any, *, scheme: str = "https", https_base: str = "") -> None:
        self.cloudfront = cloudfront
        self.scheme = scheme
        self.https_base = https_base
        self.lock = threading.Lock()  # one cache, one log

    def request(self, method: str, target: str, headers: Any, body: bytes) -> GatewayResponse:
        with self.lock:
            calls = len(self.cloudfront.origin_requests)
            response = self.cloudfront.request(method, target, headers, body, scheme=self.scheme)
            called = self.cloudfront.origin_requests[calls:]
        if response.status == 301 and self.https_base:
            # No TLS locally: send the browser to the listener that stands for https://.
            response.headers = [(k, v) for k, v in response.headers if k.lower() != "location"]
            response.headers.append(("Location", self.https_base + target))
            what = "redirect to https"
        elif called:
            what = f"-> function ({called[0].reason}, behaviour {called[0].behaviour})"
        else:
            what = "edge cache hit, function not called"
        print(f"cloudfront: {method} {target.split('?')[0]} {response.status}: {what}", file=sys.stderr, flush=True)
        return response


def make_server(gateway: Front, host: str, port: int) -> ThreadingHTTPServer:
    class GatewayRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            response = gateway.request(self.command, self.path, list(self.headers.items()), body)
            self.send_response(response.status)
            for name, value in response.headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format: str, *args) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return ThreadingHTTPServer((host, port), GatewayRequestHandler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument(
        "--custom-domain",
        action="store_true",
        help="serve the custom-domain URL shape: no stage in the path",
    )
    parser.add_argument(
        "--base-path",
        help="with --custom-domain: the base-path mapping (default: the one in template.yaml, if any)",
    )
    parser.add_argument(
        "--reading",
        choices=READINGS,
        help="with --custom-domain, HTTP API only: what rawPath holds, the mapping key (default), "
        "nothing, or the stage",
    )
    parser.add_argument(
        "--cdn",
        action="store_true",
        help="CloudFront in front: the distribution of template.yaml, or the one --cdn would add",
    )
    parser.add_argument(
        "--http-port", type=int, help="with --cdn: the plain-HTTP listener (default: --port + 1; free with --port 0)"
    )
    args = parser.parse_args(argv)
    if args.base_path is not None and not args.custom_domain:
        parser.error("--base-path needs --custom-domain (the execute-api URL has a stage, not a base path)")
    if args.reading is not None and not args.custom_domain:
        parser.error("--reading needs --custom-domain (it is what a custom domain writes into rawPath)")
    if args.cdn and args.custom_domain:
        parser.error("--cdn and --custom-domain are two different doors: pick one")
    if args.cdn:
        # --port 0 picks a free port: then the plain-HTTP one is picked too (not port 1).
        http_port = args.http_port if args.http_port is not None else (args.port + 1 if args.port else 0)
        serve_cdn(args.host, args.port, http_port)
        return

    config = stack_config()
    if args.reading not in (None, "key") and config.api != "http":
        parser.error("--reading is for HTTP APIs: a REST API's custom domain keeps the base path in the path")
    # Like `sam local`: the function sees the environment variables template.yaml gives it.
    os.environ.update(config.string_environment())
    sign_in = configure()  # on only against a provider you name (tools/local_sign_in.py)
    from handler import lambda_handler  # after the environment is set, as on Lambda

    gateway = LocalGateway(
        config,
        lambda_handler,
        custom_domain=args.custom_domain,
        base_path=args.base_path,
        reading=args.reading or "key",
        scheme="http",
    )
    if args.custom_domain:
        # As the stack tells the function about its domain (template.yaml, DashFunction.Environment).
        os.environ.update(gateway.domain_environment())
    server = make_server(gateway, args.host, args.port)
    host, port = server.server_address[:2]
    lines = [f"Serving the Lambda handler like API Gateway ({config.api.upper()} API) at"]
    lines.append(f"  http://{host}:{port}{gateway.prefix}")
    if args.custom_domain:
        reading = f", rawPath reading {gateway.reading!r}" if config.api == "http" else ""
        lines.append(f"  (as the custom domain {gateway.host}{reading})")
    lines.append(str(sign_in))
    serve_until_interrupted(server, lines)


def serve_until_interrupted(server: Any, lines: list[str]) -> None:
    """Print `lines` (the URL among them: the tests and make targets read it), then serve until Ctrl-C."""
    for line in lines:
        print(line, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def serve_cdn(host: str, port: int, http_port: int) -> None:
    config = stack_config()
    os.environ.update(config.string_environment())
    # As deployed: the function and the distribution know the same secret (here a fresh one).
    secret = secrets.token_urlsafe(48)
    os.environ["DASH_ORIGIN_SECRET"] = secret
    if config.cdn is None and config.api == "rest":  # the binary media types --cdn keeps (cloudfront.py)
        os.environ["DASH_BINARY_MEDIA_TYPES"] = "*/*"
    sign_in = configure()  # as for `make serve`
    from tools.cloudfront import distribution_for

    cloudfront = distribution_for(config, secret)
    https_server = make_server(LoggedCloudFront(cloudfront), host, port)
    https_base = f"http://{host}:{https_server.server_address[1]}"
    http_server = make_server(LoggedCloudFront(cloudfront, scheme="http", https_base=https_base), host, http_port)
    where = "template.yaml's distribution" if config.cdn else "the distribution --cdn would add"
    print(f"Serving the Lambda handler behind CloudFront ({where}) at", flush=True)
    print(f"  {https_base}{cloudfront.prefix}   (stands for https://)", flush=True)
    print(f"  http://{host}:{http_server.server_address[1]}{cloudfront.prefix}   (http://: redirected)", flush=True)
    print("Open it in two browser windows (the second private): the second page load calls the", flush=True)
    print("function only for the page, its layout, dependencies and callbacks.", flush=True)
    print(sign_in, flush=True)
    threading.Thread(target=http_server.serve_forever, daemon=True).start()
    try:
        https_server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        http_server.shutdown()
        http_server.server_close()
        https_server.server_close()


if __name__ == "__main__":
    main()
