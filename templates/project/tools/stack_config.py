"""What template.yaml says about the API, read back for the tests and the local gateway.

The SAM template is the one source of truth for the stage, the binary media types and the custom
domain: the tests and `make serve` read them here instead of repeating them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_DIR / "template.yaml"


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that accepts CloudFormation's short tags (!Ref, !Sub, !GetAtt, !If, ...)."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=CloudFormationLoader)  # noqa: S506 - SafeLoader subclass


@dataclass(frozen=True)
class StackConfig:
    api: str  # "rest" or "http"
    stage: str  # "$default" (HTTP only) puts no stage in the URL
    binary_media_types: tuple[str, ...]  # REST only; HTTP APIs pass any body through
    domain: str | None
    base_path: str | None
    environment: dict[str, Any]  # the function's environment variables (literals resolved)

    def string_environment(self) -> dict[str, str]:
        """The variables a local run can set: those whose value is known without AWS."""
        return {k: str(v) for k, v in self.environment.items() if isinstance(v, (str, int, float))}

    @property
    def stage_prefix(self) -> str:
        return "/" if self.stage == "$default" else f"/{self.stage}/"

    @property
    def domain_prefix(self) -> str:
        return f"/{self.base_path}/" if self.base_path else "/"


def stack_config(path: Path = TEMPLATE) -> StackConfig:
    resources = load_template(path)["Resources"]
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
    )


def _resolve(value: Any) -> Any:
    """The value of a literal or of !Join over literals; other intrinsics stay as they are."""
    if isinstance(value, dict) and list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        if all(isinstance(p, (str, int, float)) for p in parts):
            return separator.join(str(p) for p in parts)
    return value
