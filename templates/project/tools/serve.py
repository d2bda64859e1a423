"""`make serve`: the real Lambda handler behind a local stand-in for the stack's own door.

    python -m tools.serve [--port 3000] [--host 127.0.0.1] [--app module:attribute]
                          [--reading key|none|stage] [--http-port 3001]

Unlike `make dev`, every request goes through serverless_dash.handler.lambda_handler as the event
the stack's public door sends, built from template.yaml, at the prefix the stack serves
(DASH_PUBLIC_PREFIX): so what works here works when deployed. The door is the stack's one public
door, as template.yaml has it:
- API Gateway's own URL (no custom domain): the stage in the path (/Prod/), binary media types,
  the 6 MB response limit;
- the custom domain (--domain): no stage, the base path if any (/reports/); for an HTTP API,
  --reading picks what API Gateway writes into rawPath there (reports disagree): the mapping key
  ("key", the default), nothing ("none") or the stage ("stage"); the dashboard must work under each;
- CloudFront (--cdn, tools/cloudfront.py): each request is logged as an edge cache hit or as a call
  to the function. Locally there is no TLS: the --port listener stands for https://, and the
  --http-port one for http://, which answers with CloudFront's redirect to https.
A path outside the prefix reaches the function as through a door the stack does not have, and gets
its refusal (404, naming the public URL). `sam local start-api` serves at / instead: `make sam-local`.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import secrets
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from tools.apigateway import READINGS, GatewayResponse, LocalGateway
from tools.stack_config import APP_VARIABLE, HANDLER_MODULE, StackConfig, stack_config


class Front(Protocol):
    def request(self, method: str, target: str, headers: Any, body: bytes) -> GatewayResponse: ...


def optional_tool(name: str) -> Any | None:
    """tools/<name>.py, in a project generated with the feature that writes it (local_sign_in with
    --auth cognito, cloudfront with --cdn); else None."""
    qualified = f"tools.{name}"
    return importlib.import_module(qualified) if importlib.util.find_spec(qualified) else None


def function_environment(config: StackConfig, app: str | None = None) -> str:
    """Sets this process's environment as Lambda sets the function's (template.yaml's variables, as
    far as they are known without AWS; `app` instead of its DASH_APP), with sign-in on only against
    a provider you name (tools/local_sign_in.py); returns the line that says which."""
    os.environ.pop("AWS_SAM_LOCAL", None)  # that is `make sam-local`, served at /
    os.environ.update(config.string_environment())
    if app:
        os.environ[APP_VARIABLE] = app
    sign_in = optional_tool("local_sign_in")
    said = sign_in.configure() if sign_in is not None else "Sign-in: none (the project was generated without it)"
    jobs = optional_tool("local_aws")  # background callbacks: moto's DynamoDB, jobs in threads
    return f"{said}\n{jobs.configure()}" if jobs is not None else said


def lambda_handler() -> Callable[[dict[str, Any], Any], Any]:
    """The platform's entry, imported (and the app built, once) after the environment is set."""
    return importlib.import_module(HANDLER_MODULE).lambda_handler


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

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    return ThreadingHTTPServer((host, port), GatewayRequestHandler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument("--app", help="the Dash app to serve, as module:attribute (default: template.yaml's DASH_APP)")
    parser.add_argument(
        "--reading",
        choices=READINGS,
        help="HTTP API behind a custom domain only: what rawPath holds, the mapping key (default), "
        "nothing, or the stage",
    )
    parser.add_argument(
        "--http-port",
        type=int,
        help="CloudFront only: the plain-HTTP listener (default: --port + 1; free with --port 0)",
    )
    args = parser.parse_args(argv)
    config = stack_config()
    if args.reading is not None and not (config.door == "custom-domain" and config.api == "http"):
        parser.error(
            "--reading is for an HTTP API behind a custom domain (what API Gateway writes into rawPath "
            f"there); this stack's door is {config.door} ({config.api.upper()} API)"
        )
    if args.http_port is not None and config.door != "cloudfront":
        parser.error(f"--http-port is for CloudFront's plain-HTTP listener; this stack's door is {config.door}")
    if config.door == "cloudfront":
        # --port 0 picks a free port: then the plain-HTTP one is picked too (not port 1).
        http_port = args.http_port if args.http_port is not None else (args.port + 1 if args.port else 0)
        serve_cdn(config, args.host, args.port, http_port, args.app)
        return

    sign_in = function_environment(config, args.app)
    gateway = LocalGateway.for_stack(
        config, lambda_handler(), reading=args.reading or "key", scheme="http", outside_prefix="function"
    )
    server = make_server(gateway, args.host, args.port)
    host, port = server.server_address[:2]
    lines = [f"Serving the Lambda handler like API Gateway ({config.api.upper()} API) at"]
    lines.append(f"  http://{host}:{port}{gateway.prefix}")
    if gateway.custom_domain:
        reading = f", rawPath reading {gateway.reading!r}" if config.api == "http" else ""
        lines.append(f"  (as the custom domain https://{gateway.host}{gateway.prefix}{reading})")
    else:
        lines.append("  (as API Gateway's own URL, https://<api id>.execute-api.<region>.amazonaws.com)")
    lines.append(sign_in)
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


def serve_cdn(config: StackConfig, host: str, port: int, http_port: int, app: str | None = None) -> None:
    cloudfront_tool = optional_tool("cloudfront")
    if cloudfront_tool is None:
        raise SystemExit("template.yaml has a CloudFront distribution, but tools/cloudfront.py is missing")
    sign_in = function_environment(config, app)
    # As deployed: the function and the distribution know the same secret (here a fresh one).
    secret = secrets.token_urlsafe(48)
    os.environ.update(cloudfront_tool.function_environment(secret))
    # The viewers are browsers on plain-HTTP listeners standing for https:// (tools/cloudfront.py).
    cloudfront = cloudfront_tool.distribution_for(config, secret, local_listener=True)
    https_server = make_server(LoggedCloudFront(cloudfront), host, port)
    https_base = f"http://{host}:{https_server.server_address[1]}"
    http_server = make_server(LoggedCloudFront(cloudfront, scheme="http", https_base=https_base), host, http_port)
    print("Serving the Lambda handler behind CloudFront (template.yaml's distribution) at", flush=True)
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
