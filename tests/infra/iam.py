"""A small IAM policy evaluator for the infra tests: resolves a template's intrinsic functions to
concrete ARNs for one made-up account, then decides whether a principal's policies (identity
policies, optional permissions boundary) allow an action on a resource in a request context.

Modelled: Allow/Deny, Action/NotAction, Resource/NotResource with ``*``/``?`` wildcards (actions
case-insensitive), explicit deny wins, a boundary must also allow, and the condition operators
the templates use (String*, Arn*, Bool, with ``IfExists`` and missing keys as IAM treats them).
Not modelled: SCPs, session policies, resource-based policies of other services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from tests.infra.cfn import as_list

PARTITION, REGION, ACCOUNT = "aws", "eu-west-3", "111122223333"


def generated_name(stack: str, logical_id: str) -> str:
    return f"{stack}-{logical_id}-GENERATED1"


@dataclass
class Resolver:
    """Resolves ``Ref``/``Fn::Sub``/``Fn::GetAtt``/``Fn::If``/``Fn::Select``/``Fn::Split`` of one
    template deployed as ``stack`` with ``parameters`` and ``conditions`` (name -> bool)."""

    template: dict[str, Any]
    stack: str
    parameters: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)

    def param(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": PARTITION,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": self.stack,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Parameters", {}):
            return str(self.template["Parameters"][name].get("Default", ""))
        return self.ref(name)

    def ref(self, logical_id: str) -> str:
        resource = self.template["Resources"][logical_id]
        kind, props = resource["Type"], resource.get("Properties", {})
        name = generated_name(self.stack, logical_id)
        path = self.resolve(props.get("Path", "/"))
        if kind == "AWS::IAM::ManagedPolicy":
            return f"arn:{PARTITION}:iam::{ACCOUNT}:policy{path}{name}"
        if kind == "AWS::DynamoDB::Table" and "TableName" in props:
            return self.resolve(props["TableName"])
        if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::S3::Bucket"):
            return name.lower() if kind == "AWS::S3::Bucket" else name
        return name

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self.template["Resources"][logical_id]
        kind, props = resource["Type"], resource.get("Properties", {})
        path = self.resolve(props.get("Path", "/"))
        name = self.ref(logical_id)
        arns = {
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role{path}{name}",
            "AWS::IAM::User": f"arn:{PARTITION}:iam::{ACCOUNT}:user{path}{name}",
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::ECR::Repository": f"arn:{PARTITION}:ecr:{REGION}:{ACCOUNT}:repository/{name}",
            "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/{name}",
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
            "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}",
            "AWS::KinesisFirehose::DeliveryStream": (
                f"arn:{PARTITION}:firehose:{REGION}:{ACCOUNT}:deliverystream/{name}"
            ),
        }
        assert attribute == "Arn", (logical_id, attribute)
        return arns[kind]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            out = [self.resolve(n) for n in node]
            return [n for n in out if n is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return _NO_VALUE if value == "AWS::NoValue" else self.param(value)
            if key == "Fn::GetAtt":
                logical_id, attribute = value if isinstance(value, list) else value.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, extra = (value, {}) if isinstance(value, str) else value
                extra = {k: self.resolve(v) for k, v in extra.items()}
                return re.sub(r"\$\{([^}!]+)\}", lambda m: self._sub(m.group(1), extra), text)
            if key == "Fn::If":
                name, yes, no = value
                return self.resolve(yes if self.conditions[name] else no)
            if key == "Fn::Select":
                index, items = value
                return self.resolve(items)[int(index)]
            if key == "Fn::Split":
                separator, text = value
                return self.resolve(text).split(separator)
        out = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v is not _NO_VALUE}

    def _sub(self, name: str, extra: dict[str, Any]) -> str:
        if name in extra:
            return extra[name]
        if "." in name:
            logical_id, attribute = name.split(".", 1)
            return self.get_att(logical_id, attribute)
        return self.param(name)


_NO_VALUE = object()


def _matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, Any]) -> bool:
    expected = [str(e).lower() if isinstance(e, bool) else str(e) for e in as_list(expected)]
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if key not in context:
        # a missing key fails a positive test, passes a negated one (and any ...IfExists)
        return if_exists or "Not" in operator
    values = [str(v) for v in as_list(context[key])]
    tests = {
        "StringEquals": lambda e, v: e == v,
        "StringLike": lambda e, v: _matches(e, v),
        "ArnEquals": lambda e, v: e == v,
        "ArnLike": lambda e, v: _matches(e, v),
        "Bool": lambda e, v: e.lower() == v.lower(),
    }
    negated = operator.replace("Not", "", 1) if "Not" in operator else None
    test = tests[negated or operator]
    hit = any(test(e, v) for e in expected for v in values)
    return not hit if negated else hit


def _conditions_hold(conditions: dict[str, Any], context: dict[str, Any]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, pairs in conditions.items()
        for key, expected in pairs.items()
    )


def _statement_applies(statement: dict, action: str, resource: str, context: dict) -> bool:
    if "Action" in statement:
        if not any(_matches(a, action, ignore_case=True) for a in as_list(statement["Action"])):
            return False
    elif any(_matches(a, action, ignore_case=True) for a in as_list(statement["NotAction"])):
        return False
    if "Resource" in statement:
        if not any(_matches(r, resource) for r in as_list(statement["Resource"])):
            return False
    elif any(_matches(r, resource) for r in as_list(statement["NotResource"])):
        return False
    return _conditions_hold(statement.get("Condition", {}), context)


@dataclass
class Principal:
    name: str
    policies: list[dict[str, Any]]  # resolved policy documents
    boundary: dict[str, Any] | None = None


def decide(documents: list[dict], action: str, resource: str, context: dict) -> str:
    """'deny', 'allow' or 'implicit' for the union of ``documents``."""
    verdict = "implicit"
    for document in documents:
        for statement in as_list(document["Statement"]):
            if _statement_applies(statement, action, resource, context):
                if statement["Effect"] == "Deny":
                    return "deny"
                verdict = "allow"
    return verdict


def allowed(principal: Principal, action: str, resource: str, context: dict) -> bool:
    if decide(principal.policies, action, resource, context) != "allow":
        return False
    if principal.boundary is not None:
        return decide([principal.boundary], action, resource, context) == "allow"
    return True


def role_policies(resolved_role: dict[str, Any], managed: dict[str, dict]) -> list[dict]:
    """The identity policy documents of a resolved ``AWS::IAM::Role``/``User`` resource."""
    props = resolved_role["Properties"]
    documents = [p["PolicyDocument"] for p in props.get("Policies", [])]
    documents += [managed[arn] for arn in props.get("ManagedPolicyArns", [])]
    return documents
