"""A small model of the CloudFront distribution in template.yaml (--cdn), in front of a LocalGateway.

For `make serve` in a --cdn project (the distribution is the stack's one public door) and the tests.
It reads the distribution from template.yaml (behaviours, cache policies, origin path and headers)
and does what matters to the dashboard:
- answers a plain-HTTP request with a 301 to HTTPS (redirect-to-https);
- picks the behaviour by path pattern (cache behaviours in order, then the default "*");
- forwards to the API's execute-api URL (tools/apigateway.py builds the event API Gateway sends)
  with the origin path in front and the origin headers added (replacing a viewer's header of the
  same name), Host left out;
- keys the cache on what the cache policy names (path, the listed query strings, cookies when the
  policy says all, Accept-Encoding normalised to br or gzip), keeps a response for the TTL its
  Cache-Control gives within the policy's bounds, and answers later requests from the cache
  (X-Cache: Hit from cloudfront), without calling the function;
- compresses an uncompressed response at the edge when the behaviour says Compress.
Not modelled: edge locations (one cache), request collapsing, signed URLs, range requests.
"""

from __future__ import annotations

import fnmatch
import gzip
import importlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from tools.apigateway import GatewayResponse, LocalGateway
from tools.stack_config import HANDLER_MODULE, Behaviour, CdnConfig, StackConfig

DISTRIBUTION_HOST = "d111111abcdef8.cloudfront.net"
# What the function is told of the secret (template.yaml resolves it from Secrets Manager): the
# current one and, while a rotation spreads to the edge, the previous one.
SECRET_VARIABLE = "DASH_ORIGIN_SECRET"  # noqa: S105 - a variable name
PREVIOUS_SECRET_VARIABLE = "DASH_ORIGIN_SECRET_PREVIOUS"  # noqa: S105 - a variable name
# CloudFront compresses these at the edge (a selection of its list) when 1,000 B to 10 MB.
COMPRESSIBLE = re.compile(
    r"^(text/|application/(javascript|json|x-javascript|xml)|image/(svg\+xml|x-icon|vnd\.microsoft\.icon))"
)
_NEVER_FORWARDED = {"host", "connection", "content-length", "accept-encoding", "transfer-encoding"}


@dataclass
class OriginRequest:
    """One request CloudFront sent to the API: what a Lambda invocation costs."""

    method: str
    path: str
    behaviour: str
    reason: str  # "miss" (cacheable, not in the cache) or "uncached" (the behaviour never caches)


@dataclass
class _Entry:
    response: GatewayResponse
    stored_at: float
    ttl: float


@dataclass
class LocalCloudFront:
    cdn: CdnConfig
    origin: LocalGateway  # the execute-api URL shape
    secret: str  # the value of the dynamic reference in the origin headers, as deployed
    host: str = DISTRIBUTION_HOST  # the viewer's host name when a request has no Host header
    origin_scheme: str = "https"  # X-Forwarded-Proto at the origin: "http" for a local listener
    clock: Any = time.monotonic
    origin_requests: list[OriginRequest] = field(default_factory=list, repr=False)
    _cache: dict[tuple, _Entry] = field(default_factory=dict, repr=False)

    @property
    def prefix(self) -> str:
        """The URL prefix a viewer sees: "/" or "/<base path>/"."""
        return self.cdn.viewer_prefix

    def origin_headers(self) -> list[tuple[str, str]]:
        return [
            (name, self.secret if "{{resolve:" in str(value) else str(value))
            for name, value in self.cdn.origin_headers.items()
        ]

    def behaviour_for(self, path: str) -> Behaviour:
        for behaviour in self.cdn.behaviours:
            if fnmatch.fnmatchcase(path.lstrip("/"), behaviour.path_pattern.lstrip("/")):
                return behaviour
        raise AssertionError("the default behaviour matches every path")

    def request(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]] | dict[str, str] = (),
        body: bytes = b"",
        *,
        scheme: str = "https",
    ) -> GatewayResponse:
        """A viewer's request for `target` (path and query) on the distribution."""
        path, _, query = target.partition("?")
        viewer_headers = list(headers.items()) if isinstance(headers, dict) else list(headers)
        behaviour = self.behaviour_for(path)
        if scheme != "https" and behaviour.redirect_to_https:
            location = f"https://{self.host}{target}"
            return GatewayResponse(301, [("Location", location), ("X-Cache", "Redirect from cloudfront")], b"")

        encoding = (
            _normalised_encoding(_header(viewer_headers, "accept-encoding"))
            if behaviour.policy.accept_encoding
            else None
        )
        cacheable = method in ("GET", "HEAD") and behaviour.policy.max_ttl > 0
        key = self._cache_key(behaviour, path, query, viewer_headers, encoding)
        entry = self._cache.get(key) if cacheable else None
        if entry and self.clock() - entry.stored_at < entry.ttl:
            age = int(self.clock() - entry.stored_at)
            hit = entry.response
            return GatewayResponse(
                hit.status, [*hit.headers, ("Age", str(age)), ("X-Cache", "Hit from cloudfront")], hit.body
            )

        forwarded = self._forwarded_headers(behaviour, viewer_headers, encoding)
        origin_query = (
            query if behaviour.policy.query_strings is None else _kept_query(query, behaviour.policy.query_strings)
        )
        origin_target = self.cdn.origin_path + path + (f"?{origin_query}" if origin_query else "")
        reason = "miss" if cacheable and behaviour.policy.max_ttl > 1 else "uncached"
        self.origin_requests.append(OriginRequest(method, path, behaviour.path_pattern, reason))
        response = self.origin.request(method, origin_target, forwarded, body)
        if behaviour.compress:
            response = _compressed_at_edge(response, _header(viewer_headers, "accept-encoding"))
        ttl = _ttl(response, behaviour) if cacheable and response.status in (200, 301, 404) else 0
        if ttl > 0:
            self._cache[key] = _Entry(response, self.clock(), ttl)
        return GatewayResponse(
            response.status,
            [*response.headers, ("X-Cache", "Miss from cloudfront")],
            response.body,
            response.lambda_response_bytes,
            response.lambda_response,
        )

    def _cache_key(
        self, behaviour: Behaviour, path: str, query: str, headers: list[tuple[str, str]], encoding: str | None
    ) -> tuple:
        policy = behaviour.policy
        kept = query if policy.query_strings is None else _kept_query(query, policy.query_strings)
        cookies = _header(headers, "cookie") if policy.cookies else None
        return (behaviour.path_pattern, path, kept, cookies, encoding)

    def _forwarded_headers(
        self, behaviour: Behaviour, viewer: list[tuple[str, str]], encoding: str | None
    ) -> list[tuple[str, str]]:
        own = self.origin_headers()
        own_names = {name.lower() for name, _ in own}
        forwarded: list[tuple[str, str]] = []
        if behaviour.forward_all_viewer_headers:
            forwarded = [(k, v) for k, v in viewer if k.lower() not in _NEVER_FORWARDED | own_names]
        elif behaviour.policy.cookies or behaviour.forward_cookies:
            forwarded = [(k, v) for k, v in viewer if k.lower() == "cookie"]
        if behaviour.viewer_host:  # the viewer-request function (template.yaml: DashViewerHost)
            forwarded = [(k, v) for k, v in forwarded if k.lower() != "x-dash-viewer-host"]
            forwarded.append(("X-Dash-Viewer-Host", _header(viewer, "host") or self.host))
        if encoding:
            forwarded.append(("Accept-Encoding", encoding))
        # API Gateway tells the function the scheme it was called with: always https from CloudFront
        # (`make serve`'s local listener, which stands for https:// without TLS, says http instead).
        forwarded += [("X-Forwarded-Proto", self.origin_scheme), ("Via", "2.0 local.cloudfront.net (CloudFront)"), *own]
        return forwarded


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def _accepted(accept_encoding: str | None) -> set[str]:
    accepted = set()
    for part in (accept_encoding or "").split(","):
        coding, _, params = part.strip().partition(";")
        q = re.search(r"q\s*=\s*([0-9.]+)", params)
        if coding and not (q and float(q.group(1)) == 0):
            accepted.add(coding.strip().lower())
    return accepted


def _normalised_encoding(accept_encoding: str | None) -> str | None:
    """What CloudFront sends the origin with gzip and br normalisation on: "br,gzip", "gzip" or none."""
    accepted = _accepted(accept_encoding)
    if "br" in accepted:
        return "br,gzip" if "gzip" in accepted else "br"
    return "gzip" if "gzip" in accepted else None


def _kept_query(query: str, names: tuple[str, ...]) -> str:
    return urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in names])


def _ttl(response: GatewayResponse, behaviour: Behaviour) -> float:
    """CloudFront's TTL: Cache-Control's s-maxage or max-age within the policy's bounds; the
    default TTL without one; nothing for no-store, no-cache or private (with a minimum TTL of 0)."""
    policy = behaviour.policy
    directives = {
        d.strip().split("=")[0].lower(): d.strip()
        for d in (response.header("Cache-Control") or "").split(",")
        if d.strip()
    }
    if policy.min_ttl == 0 and directives.keys() & {"no-store", "no-cache", "private"}:
        return 0
    for name in ("s-maxage", "max-age"):
        if name in directives:
            seconds = int(directives[name].split("=", 1)[1])
            return max(policy.min_ttl, min(policy.max_ttl, seconds))
    return policy.default_ttl


def _compressed_at_edge(response: GatewayResponse, accept_encoding: str | None) -> GatewayResponse:
    """Gzip at the edge (brotli too on CloudFront; gzip is enough to model the rule)."""
    content_type = response.header("Content-Type") or ""
    if (
        response.header("Content-Encoding")
        or "gzip" not in _accepted(accept_encoding)
        or not COMPRESSIBLE.match(content_type)
        or not 1000 <= len(response.body) <= 10_000_000
    ):
        return response
    headers = [(k, v) for k, v in response.headers if k.lower() != "content-length"]
    headers.append(("Content-Encoding", "gzip"))
    return GatewayResponse(
        response.status, headers, gzip.compress(response.body), response.lambda_response_bytes, response.lambda_response
    )


def function_environment(secret: str, previous: str = "") -> dict[str, str]:
    """What the deployed function knows of the origin secret: its environment beside template.yaml's
    literal variables (the secret's own is a Secrets Manager reference, resolved on deploy)."""
    return {SECRET_VARIABLE: secret, PREVIOUS_SECRET_VARIABLE: previous}


def distribution_for(
    config: StackConfig,
    secret: str,
    lambda_handler: Callable[[dict[str, Any], Any], Any] | None = None,
    *,
    local_listener: bool = False,
) -> LocalCloudFront:
    """The template's distribution in front of its API's execute-api URL, sending `secret` as the
    origin header (give the function the same: function_environment). `lambda_handler` defaults to
    the platform's (serverless_dash.handler), imported once the environment is set, as on Lambda.

    `local_listener`: the viewers are browsers on a plain-HTTP listener standing for https:// (`make
    serve`): the function is told http and the viewer's own Host (with its port), so that what it
    builds from them (sign-in's callback URL) is one the browser can open."""
    if config.cdn is None:
        raise ValueError("template.yaml has no CloudFront distribution (a project generated without --cdn)")
    origin = LocalGateway(config, lambda_handler or _platform_handler())
    cdn = config.cdn
    return LocalCloudFront(
        cdn,
        origin,
        secret,
        host=cdn.aliases[0] if cdn.aliases else DISTRIBUTION_HOST,
        origin_scheme="http" if local_listener else "https",
    )


def _platform_handler() -> Callable[[dict[str, Any], Any], Any]:
    return importlib.import_module(HANDLER_MODULE).lambda_handler
