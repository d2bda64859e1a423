"""The stack's resources after SAM's transform, and what each one needs first.

CloudFormation refuses a template whose resources need each other in a circle (the function's
environment names the distribution, the distribution the API, the API the function...), but only
when it deploys: cfn-lint and `sam validate` do not look. This transforms template.yaml with the
SAM CLI's own translator (as `sam validate` and CloudFormation do) and follows every Ref, GetAtt,
Sub and DependsOn between resources, so a test can prove there is no circle before a deploy.

    python -m tools.template_graph   # prints each resource and what it needs
"""

from __future__ import annotations

import copy
import os
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse

from tools.stack_config import TEMPLATE, load_template

_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def transformed_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """template.yaml as CloudFormation sees it after the AWS::Serverless transform (no AWS call)."""
    return transformed(load_template(path))


def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """A SAM template (as load_template reads it) after the transform, e.g. one a test changed."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # any region; the translator wants one
    import boto3
    from samcli.lib.translate.sam_template_validator import SamTemplateValidator
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader

    # The loader asks IAM only for a managed policy named in a template, and this one names none.
    loader = ManagedPolicyLoader(boto3.client("iam", region_name=os.environ["AWS_DEFAULT_REGION"]))
    validator = SamTemplateValidator(copy.deepcopy(template), loader, region=os.environ["AWS_DEFAULT_REGION"])
    return yaml_parse(validator.get_translated_template_if_valid())


def dependencies(template: dict[str, Any]) -> dict[str, set[str]]:
    """Resource -> the resources it names (Ref, Fn::GetAtt, Fn::Sub, DependsOn)."""
    resources = template.get("Resources") or {}
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        found: set[str] = set()
        _collect(resource.get("Properties"), found)
        depends_on = resource.get("DependsOn") or []
        found.update([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[name] = {n for n in found if n in resources and n != name}
    return graph


def _collect(node: Any, found: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "Ref" and isinstance(value, str):
            found.add(value)
        elif key == "Fn::GetAtt":
            target = value[0] if isinstance(value, list) else str(value).split(".")[0]
            found.add(target)
        elif key == "Fn::Sub":
            text, names = (value[0], value[1]) if isinstance(value, list) else (value, {})
            found.update(n for n in _SUB_NAME.findall(text) if n not in names)
            _collect(names, found)
        else:
            _collect(value, found)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """A circle of resources that need each other, as [A, B, ..., A] (graphlib finds one; fix it and
    run again for the next), or [] for a deployable template."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        circle = list(reversed(error.args[1]))  # graphlib lists it against the arrows
        return [circle]
    return []


def main() -> None:
    graph = dependencies(transformed_template())
    for name in sorted(graph):
        print(f"{name} needs {', '.join(sorted(graph[name])) or 'nothing'}")
    for circle in cycles(graph):
        print("CIRCULAR: " + " -> ".join(circle))


if __name__ == "__main__":
    main()
