"""dev and prod (samconfig.toml): each its own stack, from the same template. The template's
parameter defaults are prod as the project was created; dev's overrides take the custom domain away
(one domain cannot belong to two stacks) and, with sign-in, let http://localhost sign in."""

from __future__ import annotations

import functools
import tomllib
from typing import Any

from samcli.cli.types import CfnParameterOverridesType

from tools.stack_config import PROJECT_DIR, load_template, stack_config
from tools.stack_values import Stack

ENVIRONMENTS = ("dev", "prod")


@functools.cache
def overrides(environment: str) -> dict[str, str]:
    """An environment's parameter_overrides, parsed by SAM CLI's own option type (as `sam deploy` does)."""
    samconfig = tomllib.loads((PROJECT_DIR / "samconfig.toml").read_text(encoding="utf-8"))
    line = samconfig[environment]["deploy"]["parameters"].get("parameter_overrides", "")
    return CfnParameterOverridesType().convert(line, None, None) if line else {}


@functools.cache
def template() -> dict[str, Any]:
    return load_template()


def stack(environment: str) -> Stack:
    return Stack(template(), overrides(environment))


def function_variables(environment: str) -> dict[str, Any]:
    return stack(environment).resolve(template()["Resources"]["DashFunction"]["Properties"]["Environment"]["Variables"])


def has_custom_domain() -> bool:
    return "DomainName" in template().get("Parameters", {})


def test_each_environment_is_its_own_stack() -> None:
    samconfig = tomllib.loads((PROJECT_DIR / "samconfig.toml").read_text(encoding="utf-8"))
    names = {env: samconfig[env]["global"]["parameters"]["stack_name"] for env in ENVIRONMENTS}

    assert len(set(names.values())) == 2
    assert all(name.endswith(f"-{env}") for env, name in names.items())


def test_every_override_names_a_parameter_of_the_template() -> None:
    for env in ENVIRONMENTS:
        assert set(overrides(env)) <= set(template()["Parameters"]), env


def test_prod_is_the_template_as_created() -> None:
    prod = stack("prod")

    assert function_variables("prod")["DASH_PUBLIC_PREFIX"] == stack_config().public_prefix
    if has_custom_domain():
        assert prod.conditions["HasCustomDomain"]


def test_the_custom_domain_is_prods_alone() -> None:
    if not has_custom_domain():
        assert not any(r.get("Condition") == "HasCustomDomain" for r in template()["Resources"].values())
        return
    dev, prod = stack("dev"), stack("prod")
    domain_resources = [name for name, r in template()["Resources"].items() if r.get("Condition") == "HasCustomDomain"]
    distribution = template()["Resources"].get("DashDistribution", {}).get("Properties", {}).get("DistributionConfig")
    if distribution is not None:
        # Behind CloudFront the domain is the distribution's alias (and its records, with a zone).
        assert prod.resolve(distribution).get("Aliases") == [prod.resolve({"Ref": "DomainName"})] != [""]
        assert "Aliases" not in dev.resolve(distribution)
    else:
        assert domain_resources, "the domain's resources depend on the DomainName parameter"
    assert all(prod.exists(name) for name in domain_resources)
    assert not any(dev.exists(name) for name in domain_resources)
    assert "DASH_CUSTOM_DOMAIN" not in function_variables("dev")


def test_each_stack_tells_the_function_its_own_prefix() -> None:
    dev_config = stack_config(parameters=overrides("dev"))
    prod_config = stack_config(parameters=overrides("prod"))

    assert function_variables("dev")["DASH_PUBLIC_PREFIX"] == dev_config.public_prefix
    assert function_variables("prod")["DASH_PUBLIC_PREFIX"] == prod_config.public_prefix
    if prod_config.door == "custom-domain":
        # dev is served at API Gateway's own URL, with the stage in it.
        assert dev_config.door == "execute-api"
        assert dev_config.public_prefix == dev_config.stage_prefix


def test_api_gateways_own_url_is_closed_exactly_where_the_domain_is_the_door() -> None:
    api = template()["Resources"]["DashApi"]["Properties"]
    for env in ENVIRONMENTS:
        closed = stack(env).resolve(api.get("DisableExecuteApiEndpoint", False))
        assert closed is (stack_config(parameters=overrides(env)).door == "custom-domain"), env
