"""template.yaml and the code agree: the handler and the app it names exist, the prefix it gives the
function is its one public door's, and it tells the handler the API's binary media types."""

from __future__ import annotations

import copy
import importlib
import importlib.util
from pathlib import Path

import pytest

from tools.stack_config import PROJECT_DIR, StackConfig, load_template
from tools.template_graph import cycles, dependencies, transformed_template


def test_the_function_runs_this_handler() -> None:
    props = load_template()["Resources"]["DashFunction"]["Properties"]
    module, _, function = props["Handler"].rpartition(".")

    assert (PROJECT_DIR / props["CodeUri"] / f"{module.replace('.', '/')}.py").is_file()
    assert callable(getattr(importlib.import_module(module), function))


def test_the_app_it_names_is_in_the_functions_code(config: StackConfig) -> None:
    """DASH_APP (module:attribute) names a module of src/, the function's CodeUri."""
    module, _, attribute = config.app.partition(":")
    spec = importlib.util.find_spec(module)

    assert attribute.isidentifier(), config.app
    assert spec is not None and spec.origin is not None, f"DASH_APP={config.app}: no module {module}"
    assert (PROJECT_DIR / "src").resolve() in Path(spec.origin).resolve().parents


def test_the_prefix_is_the_public_doors(config: StackConfig) -> None:
    """DASH_PUBLIC_PREFIX is what a browser sees at the stack's one door: CloudFront's prefix with
    --cdn, else the custom domain's base path (or /), else API Gateway's stage (or / for $default)."""
    expected = {
        "cloudfront": config.cdn.viewer_prefix if config.cdn else None,
        "custom-domain": config.domain_prefix,
        "execute-api": config.stage_prefix,
    }[config.door]

    assert config.public_prefix == expected


def test_execute_api_is_closed_behind_a_custom_domain(config: StackConfig) -> None:
    """With a custom domain and no CloudFront, API Gateway's own URL is disabled: one door."""
    props = load_template()["Resources"]["DashApi"]["Properties"]

    assert bool(props.get("DisableExecuteApiEndpoint")) is (config.door == "custom-domain")


def test_the_handler_knows_the_binary_media_types(config: StackConfig) -> None:
    if config.api == "http":  # HTTP APIs decode every base64 body
        assert config.binary_media_types == ("*/*",)
        return
    told = config.environment.get("DASH_BINARY_MEDIA_TYPES")

    assert told is not None, "DashFunction needs DASH_BINARY_MEDIA_TYPES (the API's BinaryMediaTypes)"
    assert tuple(told.split(",")) == config.binary_media_types


def test_the_stage_is_a_url_segment_unless_default(config: StackConfig) -> None:
    if config.stage == "$default":
        assert config.api == "http"
        assert config.stage_prefix == "/"
    else:
        assert config.stage_prefix == f"/{config.stage}/"


@pytest.fixture(scope="module")
def transformed() -> dict:
    """template.yaml after SAM's transform (a second of SAM's translator: once for this module)."""
    return transformed_template()


def test_no_resource_needs_itself_after_the_transform(transformed: dict) -> None:
    """CloudFormation refuses a circle (function -> distribution -> API -> function) only on deploy."""
    graph = dependencies(transformed)

    assert "DashFunction" in graph and any("DashApi" in name for name in graph)
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_circle(transformed: dict) -> None:
    """The check above can fail: the function naming the distribution that names the API is one."""
    template = copy.deepcopy(transformed)
    function = template["Resources"]["DashFunction"]["Properties"]
    # The API itself (its id), not another API Gateway resource such as a custom domain name, which
    # needs nothing of the function.
    assert template["Resources"]["DashApi"]["Type"] in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
    function["Environment"] = {"Variables": {"URL": {"Fn::Sub": "https://${DashApi}.example/"}}}

    (circle,) = cycles(dependencies(template))
    assert "DashFunction" in circle and circle[0] == circle[-1]
