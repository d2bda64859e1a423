"""What template.yaml says about the stack, read back for the tests and the local stand-ins.

The SAM template is the one source of truth for the stage, the binary media types, the custom
domain, the CloudFront distribution and the function's environment (DASH_PUBLIC_PREFIX, the one URL
prefix the stack serves, and DASH_APP, the app): the tests and `make serve` read them here instead of
repeating them. The template is read with SAM CLI's own YAML loader, which knows CloudFormation's
short tags (!Ref, !Sub, !GetAtt ... become {"Ref": ...}, {"Fn::Sub": ...}).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_DIR / "template.yaml"
SRC = PROJECT_DIR / "src"
# What the function is told (template.yaml, DashFunction.Environment; src/serverless_dash/loader.py).
PREFIX_VARIABLE = "DASH_PUBLIC_PREFIX"
APP_VARIABLE = "DASH_APP"
# The platform's Lambda entry (template.yaml: Handler), imported once the environment is set.
HANDLER_MODULE = "serverless_dash.handler"


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """A CloudFormation / SAM template (YAML or JSON) as SAM CLI reads it."""
    return yaml_parse(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class CachePolicy:
    """What a CloudFront cache policy keys on and how long it keeps a response."""

    min_ttl: int
    default_ttl: int
    max_ttl: int
    query_strings: tuple[str, ...] | None  # None: all of them
    cookies: bool  # every cookie in the key (and forwarded), or none
    accept_encoding: bool  # gzip and br normalised into the key (and forwarded)


@dataclass(frozen=True)
class Behaviour:
    path_pattern: str  # "*" for the default behaviour
    policy: CachePolicy
    forward_all_viewer_headers: bool  # the managed AllViewerExceptHostHeader origin request policy
    redirect_to_https: bool
    compress: bool
    forward_cookies: bool = False  # an origin request policy sends the cookies (not in the cache key)
    viewer_host: bool = False  # a viewer-request function adds X-Dash-Viewer-Host (with sign-in)


@dataclass(frozen=True)
class CdnConfig:
    """The CloudFront distribution in front of the API (template.yaml with --cdn)."""

    aliases: tuple[str, ...]
    origin_path: str  # "/Prod", or "" for an HTTP API's $default stage
    origin_headers: dict[str, Any]  # name -> value (the secret's is a dynamic reference)
    behaviours: tuple[Behaviour, ...]  # in CloudFront's order: the cache behaviours, then "*"
    http_version: str

    @property
    def viewer_prefix(self) -> str:
        return str(self.origin_headers.get("X-Dash-Viewer-Prefix", "/"))


ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@dataclass(frozen=True)
class StackConfig:
    api: str  # "rest" or "http"
    stage: str  # "$default" (HTTP only) puts no stage in the URL
    binary_media_types: tuple[str, ...]  # REST only; HTTP APIs pass any body through
    domain: str | None
    base_path: str | None
    environment: dict[str, Any]  # the function's environment variables (literals resolved)
    cdn: CdnConfig | None = None  # the CloudFront distribution, if the stack has one

    def string_environment(self) -> dict[str, str]:
        """The variables a local run can set: those whose value is known without AWS."""
        return {k: str(v) for k, v in self.environment.items() if isinstance(v, (str, int, float))}

    @property
    def stage_prefix(self) -> str:
        return "/" if self.stage == "$default" else f"/{self.stage}/"

    @property
    def domain_prefix(self) -> str:
        return f"/{self.base_path}/" if self.base_path else "/"

    @property
    def public_prefix(self) -> str:
        """The one URL prefix the stack serves (DASH_PUBLIC_PREFIX): "/Prod/", "/reports/" or "/"."""
        prefix = self.environment.get(PREFIX_VARIABLE)
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise ValueError(f"template.yaml: DashFunction needs {PREFIX_VARIABLE} (the stack's URL prefix)")
        return prefix

    @property
    def app(self) -> str:
        """The Dash app the function serves, as module:attribute (DASH_APP; default app:app)."""
        return str(self.environment.get(APP_VARIABLE) or "app:app")

    @property
    def door(self) -> str:
        """The stack's one public door: "cloudfront" (--cdn), "custom-domain" (--domain, no CloudFront;
        the execute-api URL is disabled) or "execute-api" (API Gateway's own URL)."""
        if self.cdn is not None:
            return "cloudfront"
        return "custom-domain" if self.domain else "execute-api"


def stack_config(path: Path = TEMPLATE) -> StackConfig:
    resources = load_template(path)["Resources"]
    distribution = next((r for r in resources.values() if r["Type"] == "AWS::CloudFront::Distribution"), None)
    api = resources["DashApi"]
    props = api["Properties"]
    is_rest = api["Type"] == "AWS::Serverless::Api"
    domain = props.get("Domain") or {}
    base_paths = [str(p).strip("/") for p in domain.get("BasePath") or [] if str(p).strip("/")]
    function_env = resources["DashFunction"]["Properties"].get("Environment") or {}
    return StackConfig(
        api="rest" if is_rest else "http",
        stage=str(props.get("StageName", "$default")),
        # CloudFormation's BinaryMediaTypes write "/" as "~1".
        binary_media_types=tuple(t.replace("~1", "/") for t in props.get("BinaryMediaTypes") or ())
        if is_rest
        else ("*/*",),
        domain=domain.get("DomainName"),
        base_path=base_paths[0] if base_paths else None,
        environment={k: _resolve(v) for k, v in (function_env.get("Variables") or {}).items()},
        cdn=_cdn_config(distribution["Properties"]["DistributionConfig"], resources) if distribution else None,
    )


def _cdn_config(config: dict[str, Any], resources: dict[str, Any]) -> CdnConfig:
    (origin,) = config["Origins"]

    def behaviour(b: dict[str, Any], pattern: str) -> Behaviour:
        policy_id = b["CachePolicyId"]["Ref"]
        request_policy = b.get("OriginRequestPolicyId")
        own = (
            resources[request_policy["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
            if isinstance(request_policy, dict)
            else {}
        )
        return Behaviour(
            path_pattern=pattern,
            policy=_cache_policy(resources[policy_id]["Properties"]["CachePolicyConfig"]),
            forward_all_viewer_headers=request_policy == ALL_VIEWER_EXCEPT_HOST_HEADER,
            redirect_to_https=b["ViewerProtocolPolicy"] == "redirect-to-https",
            compress=bool(b.get("Compress")),
            forward_cookies=(own.get("CookiesConfig") or {}).get("CookieBehavior") == "all",
            viewer_host=bool(b.get("FunctionAssociations")),
        )

    behaviours = [behaviour(b, b["PathPattern"]) for b in config.get("CacheBehaviors") or []]
    return CdnConfig(
        aliases=tuple(config.get("Aliases") or ()),
        origin_path=origin.get("OriginPath", ""),
        origin_headers={h["HeaderName"]: h["HeaderValue"] for h in origin.get("OriginCustomHeaders") or []},
        behaviours=(*behaviours, behaviour(config["DefaultCacheBehavior"], "*")),
        http_version=config.get("HttpVersion", "http2"),
    )


def _cache_policy(config: dict[str, Any]) -> CachePolicy:
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    query = key["QueryStringsConfig"]
    return CachePolicy(
        min_ttl=int(config["MinTTL"]),
        default_ttl=int(config["DefaultTTL"]),
        max_ttl=int(config["MaxTTL"]),
        query_strings=None if query["QueryStringBehavior"] == "all" else tuple(query.get("QueryStrings") or ()),
        cookies=key["CookiesConfig"]["CookieBehavior"] == "all",
        accept_encoding=bool(key.get("EnableAcceptEncodingGzip")),
    )


def _resolve(value: Any) -> Any:
    """The value of a literal or of !Join over literals; other intrinsics stay as they are."""
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        if all(isinstance(p, (str, int, float)) for p in parts):
            return separator.join(str(p) for p in parts)
    return value
