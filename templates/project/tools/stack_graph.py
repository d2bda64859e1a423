"""The stack's dependency graph as CloudFormation sees it: after SAM's transform, every Ref, GetAtt,
Sub and DependsOn between resources.

CloudFormation refuses a stack whose resources depend on each other in a circle, but only when it
is deployed: cfn-lint and `sam validate` do not look for one, and SAM's transform adds edges the
template never wrote (an API event makes the API's definition name the function). A cycle is
easy to make, e.g. sign-in: the function needs the app client's id, the client needs the API's
URL, and the API needs the function. tests/test_template.py checks there is none.

    python -m tools.stack_graph [template.yaml]    prints the graph, exits 1 on a cycle
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from tools.stack_config import TEMPLATE, load_template

# What the transform needs to know about the account; any values will do for the graph.
_PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "graph",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/graph/00000000-0000-0000-0000-000000000000",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::NotificationARNs": [],
}
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def transformed(template: dict[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM's transform makes of `template` (as on deploy), offline: a
    session with a region and no credentials, and no AWS managed policy to look up in IAM."""
    template = copy.deepcopy(template)
    for resource in (template.get("Resources") or {}).values():
        # `sam deploy` uploads the code first: the transform wants its S3 location, not a directory.
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://bucket/code.zip"
    session = boto3.session.Session(region_name=_PSEUDO_PARAMETERS["AWS::Region"])
    translator = Translator(None, Parser(), boto_session=session)
    return translator.translate(template, parameter_values=dict(_PSEUDO_PARAMETERS), get_managed_policy_map=dict)


def dependencies(cfn_template: dict[str, Any]) -> dict[str, set[str]]:
    """For each resource, the resources it names: Ref, Fn::GetAtt, ${...} in Fn::Sub, DependsOn."""
    resources = cfn_template.get("Resources") or {}
    graph: dict[str, set[str]] = {}
    for name, resource in resources.items():
        found: set[str] = set()
        _collect(resource.get("Properties"), found)
        _collect(resource.get("Metadata"), set())  # metadata creates no dependency
        depends_on = resource.get("DependsOn") or []
        found.update([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[name] = {target for target in found if target in resources}
    return graph


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                target = inner[0] if isinstance(inner, list) else str(inner).split(".", 1)[0]
                found.add(target)
            elif key == "Fn::Sub":
                text, variables = (inner[0], inner[1]) if isinstance(inner, list) else (inner, {})
                own = set(variables) if isinstance(variables, dict) else set()
                for match in _SUB_NAME.finditer(str(text)):
                    name = match.group(1).split(".", 1)[0]
                    if name not in own:
                        found.add(name)
                _collect(variables, found)
            else:
                _collect(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _collect(inner, found)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A circle of dependencies as [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else TEMPLATE
    graph = dependencies(transformed(load_template(path)))
    for name in sorted(graph):
        print(f"{name} -> {', '.join(sorted(graph[name])) or '(nothing)'}")
    cycle = find_cycle(graph)
    if cycle:
        print(f"circular dependency: {' -> '.join(cycle)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
