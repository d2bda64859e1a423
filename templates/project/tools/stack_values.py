"""A template's values for given parameters (the defaults: prod as the project was created): the
CloudFormation functions template.yaml and pipeline/bootstrap.yaml use (Ref, Fn::If, Fn::Sub,
Fn::Join, Fn::GetAtt and the condition functions), evaluated the way CloudFormation does, without
AWS. What cannot be known before a deploy (a resource's id or attribute) stays a ${Name} placeholder."""

from __future__ import annotations

import re
from typing import Any

PSEUDO = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "example-stack",
}
NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class Stack:
    """template (as tools.stack_config.load_template reads it) with parameters: the defaults, then `given`."""

    def __init__(
        self, template: dict[str, Any], given: dict[str, str] | None = None, *, placeholders: bool = True, **pseudo: str
    ) -> None:
        """placeholders=False keeps what names a resource (Ref, Fn::GetAtt, Fn::Sub) as it is written."""
        self.template = template
        self.placeholders = placeholders
        self.names = {**PSEUDO, **{f"AWS::{k}": v for k, v in pseudo.items()}}
        for name, spec in (template.get("Parameters") or {}).items():
            if "Default" in spec:
                self.names[name] = str(spec["Default"])
        for name, value in (given or {}).items():
            if name not in (template.get("Parameters") or {}):
                raise KeyError(f"the template has no parameter {name}")
            self.names[name] = value
        self.conditions = {name: self._condition(body) for name, body in (template.get("Conditions") or {}).items()}

    def exists(self, resource: str) -> bool:
        """The resource is created: it has no Condition, or its condition holds."""
        condition = self.template["Resources"][resource].get("Condition")
        return condition is None or self.conditions[condition]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.resolve(x) for x in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                if value == "AWS::NoValue":
                    return NO_VALUE
                if value in self.names:
                    return self.names[value]
                return f"${{{value}}}" if self.placeholders else node
            if key == "Fn::If":
                name, when_true, when_false = value
                return self.resolve(when_true if self.conditions[name] else when_false)
            if key == "Fn::Sub":
                text, extra = (value, {}) if isinstance(value, str) else value
                names = {**self.names, **{k: self.resolve(v) for k, v in extra.items()}}
                if not self.placeholders and any(m.group(1) not in names for m in _SUB.finditer(text)):
                    return node
                return _SUB.sub(lambda m: str(names.get(m.group(1), m.group(0))), text)
            if key == "Fn::Join":
                separator, parts = value
                return separator.join(str(p) for p in self.resolve(parts))
            if key == "Fn::GetAtt":
                target = value if isinstance(value, str) else ".".join(value)
                return f"${{{target}}}" if self.placeholders else node
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not NO_VALUE}

    def _condition(self, body: Any) -> bool:
        ((key, value),) = body.items()
        if key == "Fn::Equals":
            left, right = (self.resolve(v) for v in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self._condition(value[0])
        if key == "Fn::And":
            return all(self._condition(v) for v in value)
        if key == "Fn::Or":
            return any(self._condition(v) for v in value)
        if key == "Condition":
            return self._condition(self.template["Conditions"][value])
        raise ValueError(f"not a condition function: {key}")
