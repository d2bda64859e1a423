"""The stack deploys in some order: after SAM's transform, no resource depends on itself through
others (CloudFormation would refuse the stack at deploy time; cfn-lint and sam validate do not look)."""

from __future__ import annotations

import copy

from tools.stack_config import load_template
from tools.stack_graph import dependencies, find_cycle, transformed


def test_the_transformed_stack_has_no_circular_dependency() -> None:
    graph = dependencies(transformed(load_template()))

    assert find_cycle(graph) is None
    # The transform's own edges are in the graph: the API's definition names the function.
    assert "DashFunction" in graph["DashApi"]


def test_a_circular_dependency_is_found() -> None:
    # The mistake the check is for: the function told something that needs the API, which needs it.
    template = copy.deepcopy(load_template())
    function = template["Resources"]["DashFunction"]["Properties"]
    function.setdefault("Environment", {}).setdefault("Variables", {})["DASH_API_ID"] = {"Ref": "DashApi"}

    cycle = find_cycle(dependencies(transformed(template)))

    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert {"DashFunction", "DashApi"} <= set(cycle)


def test_sub_getatt_and_depends_on_are_edges() -> None:
    template = {
        "Resources": {
            "A": {"Type": "X", "Properties": {"P": {"Fn::Sub": "${B.Arn}/${AWS::Region}/${!C}"}}},
            "B": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["C", "Arn"]}}},
            "C": {"Type": "X", "DependsOn": "D"},
            "D": {"Type": "X", "Properties": {"P": {"Fn::Sub": ["${x}", {"x": {"Ref": "A"}}]}}},
        }
    }

    graph = dependencies(template)

    assert graph == {"A": {"B"}, "B": {"C"}, "C": {"D"}, "D": {"A"}}
    assert find_cycle(graph) == ["A", "B", "C", "D", "A"]
