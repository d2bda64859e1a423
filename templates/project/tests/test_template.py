"""template.yaml and the code agree: the handler it names exists, and it tells the handler the API's
binary media types."""

from __future__ import annotations

import importlib

from tools.stack_config import PROJECT_DIR, StackConfig, load_template
from tools.template_graph import cycles, dependencies, transformed_template


def test_the_function_runs_this_handler() -> None:
    props = load_template()["Resources"]["DashFunction"]["Properties"]
    module, function = props["Handler"].split(".")

    assert (PROJECT_DIR / props["CodeUri"] / f"{module}.py").is_file()
    assert callable(getattr(importlib.import_module(module), function))


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


def test_no_resource_needs_itself_after_the_transform() -> None:
    """CloudFormation refuses a circle (function -> distribution -> API -> function) only on deploy."""
    graph = dependencies(transformed_template())

    assert "DashFunction" in graph and any("DashApi" in name for name in graph)
    assert cycles(graph) == []


def test_the_cycle_check_finds_a_circle() -> None:
    """The check above can fail: the function naming the distribution that names the API is one."""
    template = transformed_template()
    function = template["Resources"]["DashFunction"]["Properties"]
    # The API itself (its id), not another API Gateway resource such as a custom domain name, which
    # needs nothing of the function.
    assert template["Resources"]["DashApi"]["Type"] in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")
    function["Environment"] = {"Variables": {"URL": {"Fn::Sub": "https://${DashApi}.example/"}}}

    assert any("DashFunction" in circle for circle in cycles(dependencies(template)))
