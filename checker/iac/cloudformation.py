"""CloudFormation templates (JSON, or YAML with short-form tags) read through cfn-lint's template decoder.

cfn-lint's decoder turns `!Sub`, `!Ref`, `!GetAtt a.b` and the other short forms into their `Fn::` objects
and keeps a start mark on every node, so each policy statement keeps its template line and column.
Intrinsic functions are resolved as the CloudFormation User Guide's "Intrinsic function reference" says:
`Ref` (parameters with the given value or their `Default`, pseudo parameters, resources), `Fn::Sub`
(both forms), `Fn::GetAtt`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::If` with the
template's `Conditions` (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`, `Condition`) and `AWS::NoValue`.
A value that cannot be known before deployment (an attribute CloudFormation computes, an `Fn::ImportValue`)
is an error naming it, unless the caller's `references` give it ("Bucket.Arn", or "Bucket" for `Ref`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

from checker.core.errors import InputError, Where
from checker.core.source import MAX_DOCUMENT_BYTES, LoadedDocument, Position, pointer_join, read_text_file
from checker.iac.managed import is_managed_arn, managed_policy
from checker.iac.model import BOUNDARY, IDENTITY, TRUST, AwsRole, IacModel, IacPolicy, OidcProvider

MAX_DEPTH = 60  # nested intrinsics deeper than this are not a policy
_NO_VALUE = object()  # AWS::NoValue: the property is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Setting:
    parameters: Mapping[str, Any] = field(default_factory=dict)
    references: Mapping[str, Any] = field(default_factory=dict)
    account: str | None = None
    region: str | None = None
    partition: str = "aws"
    stack_name: str = "stack"


def read_cloudformation(path: str | Path, setting: Setting | None = None) -> IacModel:
    """Read one template into roles, located policies and OIDC providers."""
    template = _Template(str(path), _decode(Path(path)), setting or Setting())
    model = IacModel()
    template.read(model)
    return model


def _decode(path: Path) -> Any:
    name = str(path)
    text = read_text_file(path, MAX_DOCUMENT_BYTES)
    try:
        template, matches = decode_str(text)
    except RecursionError:
        raise InputError("invalid template: nesting is too deep", Where(name)) from None
    if matches:
        first = matches[0]
        raise InputError(f"invalid template: {first.message}", Where(name, first.linenumber, first.columnnumber))
    if not isinstance(template, dict):
        raise InputError("a CloudFormation template is an object with a Resources section", Where(name, 1, 1))
    return template


def _mark(node: Any, path: str) -> Position:
    mark = getattr(node, "start_mark", None)
    if mark is None:
        return Position(1, 1, path)
    return Position(mark.line + 1, mark.column + 1, path)


class _Template:
    def __init__(self, path: str, template: dict[str, Any], setting: Setting) -> None:
        self.path = path
        self.template = template
        self.setting = setting
        self.resources: dict[str, Any] = template.get("Resources") or {}
        if not isinstance(self.resources, dict) or not self.resources:
            raise InputError("the template has no Resources", self.where(template))
        self.parameters: dict[str, Any] = self._section(template, "Parameters")
        self.mappings: dict[str, Any] = self._section(template, "Mappings")
        self.conditions: dict[str, Any] = self._section(template, "Conditions")
        self._condition_values: dict[str, bool] = {}
        self._evaluating: list[str] = []

    def _section(self, template: dict[str, Any], name: str) -> dict[str, Any]:
        """A top-level section that must map names to values (a YAML slip can make it a string)."""
        section = template.get(name) or {}
        if not isinstance(section, dict):
            found = "a list" if isinstance(section, list) else "text" if isinstance(section, str) else "a value"
            raise InputError(f"{name} must map names to values, but it is {found} (is a colon missing?)",
                             self.where(section))
        return section

    def where(self, node: Any) -> Where:
        position = _mark(node, self.path)
        return Where(self.path, position.line, position.column)

    # -- reading resources ---------------------------------------------------------------------------------
    def read(self, model: IacModel) -> None:
        roles: dict[str, dict[str, Any]] = {}
        attachments: list[tuple[str, IacPolicy]] = []
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict):
                raise InputError(f"resource {logical_id} must be an object", self.where(resource))
            if "Condition" in resource and not self.condition(str(resource["Condition"]), resource):
                continue  # a resource whose condition is false is not created
            kind = resource.get("Type")
            properties = resource.get("Properties") or {}
            if kind == "AWS::IAM::Role":
                roles[logical_id] = self._role(logical_id, resource, properties)
            elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
                policy = self._policy(logical_id, properties, "PolicyDocument", IDENTITY, f"{logical_id} ({kind})")
                if kind == "AWS::IAM::ManagedPolicy":
                    policy = IacPolicy(policy.cloud, policy.kind, policy.name, policy.document, policy.where, None,
                                       self._managed_policy_arn(logical_id, properties))
                targets = properties.get("Roles") or []
                if kind == "AWS::IAM::RolePolicy":
                    targets = [properties.get("RoleName")]
                if not isinstance(targets, list):
                    raise InputError("Roles must be a list", self.where(targets))
                if not targets:
                    model.policies.append(policy)
                for index, target in enumerate(targets):
                    attachments.append((self._role_target(target, roles, pointer_join("/Roles", index)), policy))
            elif kind == "AWS::IAM::OIDCProvider":
                model.oidc_providers.append(self._provider(logical_id, resource, properties))
        for role_id, policy in attachments:
            roles[role_id]["policies"].append(policy)
        for logical_id, parts in roles.items():
            target = parts["arn"] or logical_id
            made = AwsRole(
                address=logical_id,
                name=parts["name"],
                arn=parts["arn"],
                where=parts["where"],
                trust=_attached(parts["trust"], target),
                policies=tuple(_attached(p, target) for p in parts["policies"]),
                boundary=_attached(parts["boundary"], target) if parts["boundary"] else None,
            )
            model.roles.append(made)
            model.policies.extend([made.trust] if made.trust else [])
            model.policies.extend(made.policies)
            model.policies.extend([made.boundary] if made.boundary else [])

    def _role(self, logical_id: str, resource: Any, properties: Any) -> dict[str, Any]:
        name = self._optional_text(properties, "RoleName")
        path = self._optional_text(properties, "Path") or "/"
        arn = None
        if name is not None and self.setting.account:
            arn = f"arn:{self.setting.partition}:iam::{self.setting.account}:role{path}{name}"
        policies: list[IacPolicy] = []
        inline = self.resolve(properties.get("Policies"), properties) if "Policies" in properties else []
        for index, item in enumerate(inline or []):
            raw = properties["Policies"][index] if isinstance(properties["Policies"], list) else item
            if not isinstance(item, dict):
                raise InputError("each entry of Policies is {PolicyName, PolicyDocument}", self.where(raw))
            label = item.get("PolicyName", index)
            policies.append(self._policy(logical_id, raw, "PolicyDocument", IDENTITY, f"{logical_id} Policies {label!r}"))
        for arn_value, node in self._list(properties, "ManagedPolicyArns"):
            policies.append(self._by_arn(arn_value, node, f"{logical_id} (ManagedPolicyArns)", IDENTITY))
        boundary = None
        if "PermissionsBoundary" in properties:
            value = self.resolve(properties["PermissionsBoundary"], properties)
            boundary = self._by_arn(value, properties["PermissionsBoundary"], f"{logical_id} (PermissionsBoundary)",
                                    BOUNDARY)
        trust = self._policy(logical_id, properties, "AssumeRolePolicyDocument", TRUST,
                             f"{logical_id} (AssumeRolePolicyDocument)")
        return {"name": name, "arn": arn, "where": self.where(resource), "trust": trust, "policies": policies,
                "boundary": boundary}

    def _provider(self, logical_id: str, resource: Any, properties: Any) -> OidcProvider:
        url = self._optional_text(properties, "Url")
        if url is None:
            raise InputError(f"{logical_id} needs Url", self.where(resource))
        host = url.removeprefix("https://").rstrip("/")
        arn = f"arn:{self.setting.partition}:iam::{self.setting.account}:oidc-provider/{host}" if self.setting.account else None
        clients = tuple(str(value) for value, _node in self._list(properties, "ClientIdList"))
        return OidcProvider(logical_id, host, arn, clients, self.where(resource))

    def _managed_policy_arn(self, logical_id: str, properties: Any) -> str | None:
        name = self._optional_text(properties, "ManagedPolicyName")
        if name is None or not self.setting.account:
            return None
        path = self._optional_text(properties, "Path") or "/"
        return f"arn:{self.setting.partition}:iam::{self.setting.account}:policy{path}{name}"

    def _role_target(self, target: Any, roles: dict[str, dict[str, Any]], pointer: str) -> str:
        # Roles lists role names; `!Ref Role` of a role in this template is its name.
        if isinstance(target, dict) and set(target) == {"Ref"} and target["Ref"] in roles:
            return str(target["Ref"])
        value = self.resolve(target, target)
        for logical_id, parts in roles.items():
            if parts["name"] is not None and parts["name"] == value:
                return logical_id
        raise InputError(f"the role {value!r} is not an AWS::IAM::Role in this template", self.where(target),
                         "name the role with !Ref RoleLogicalId")

    def _by_arn(self, arn: Any, node: Any, name: str, kind: str) -> IacPolicy:
        where = self.where(node)
        if not isinstance(arn, str):
            raise InputError(f"a policy ARN must be text, not {arn!r}", where)
        for logical_id, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") == "AWS::IAM::ManagedPolicy":
                properties = resource.get("Properties") or {}
                if self._managed_policy_arn(logical_id, properties) == arn:
                    policy = self._policy(logical_id, properties, "PolicyDocument", kind, name)
                    return IacPolicy("aws", kind, name, policy.document, where, None, arn)
        if is_managed_arn(arn):
            return IacPolicy("aws", kind, name, managed_policy(arn, where), where, None, arn)
        raise InputError(f"the policy {arn} is neither an AWS managed policy nor an AWS::IAM::ManagedPolicy here",
                         where, "refer to a managed policy of this template with !Ref")

    def _policy(self, logical_id: str, properties: Any, key: str, kind: str, name: str) -> IacPolicy:
        if not isinstance(properties, dict) or key not in properties:
            holder = properties if hasattr(properties, "start_mark") else self.resources.get(logical_id)
            raise InputError(f"{logical_id} needs {key}", self.where(holder))
        node = properties[key]
        positions: dict[str, Position] = {}
        value = self.resolve(node, properties, "", positions)
        if isinstance(value, str):
            # A policy given as JSON text (allowed by CloudFormation): every position is the property.
            from checker.core.source import parse_json

            try:
                parsed = parse_json(value, self.path)
            except InputError as exc:
                raise InputError(f"{key} is not valid JSON: {exc.message}", self.where(node)) from None
            value, positions = parsed.data, dict.fromkeys(parsed.positions, _mark(node, self.path))
        return IacPolicy("aws", kind, name, LoadedDocument(self.path, value, positions), self.where(node))

    def _optional_text(self, properties: Any, key: str) -> str | None:
        if not isinstance(properties, dict) or key not in properties:
            return None
        value = self.resolve(properties[key], properties)
        if value is _NO_VALUE:
            return None
        if not isinstance(value, str):
            raise InputError(f"{key} must be text, not {value!r}", self.where(properties[key]))
        return value

    def _list(self, properties: Any, key: str) -> list[tuple[Any, Any]]:
        if not isinstance(properties, dict) or key not in properties:
            return []
        value = self.resolve(properties[key], properties)
        raw = properties[key]
        if not isinstance(value, list):
            raise InputError(f"{key} must be a list", self.where(raw))
        nodes = raw if isinstance(raw, list) and len(raw) == len(value) else [raw] * len(value)
        return list(zip(value, nodes, strict=True))

    # -- intrinsic functions ---------------------------------------------------------------------------------
    def resolve(self, node: Any, parent: Any, pointer: str = "", positions: dict[str, Position] | None = None,
                depth: int = 0) -> Any:
        """The value of a template node with intrinsics resolved; records positions by JSON pointer."""
        if depth > MAX_DEPTH:
            raise InputError(f"intrinsic functions nested deeper than {MAX_DEPTH}", self.where(node))
        at = _mark(node, self.path) if hasattr(node, "start_mark") else _mark(parent, self.path)
        if positions is not None:
            positions.setdefault(pointer, at)
        if isinstance(node, dict):
            if len(node) == 1:
                key = next(iter(node))
                if key == "Ref" or key.startswith("Fn::"):
                    return self._intrinsic(key, node[key], node, depth)
            result: dict[str, Any] = {}
            for key, value in node.items():
                child = pointer_join(pointer, str(key))
                if positions is not None:
                    positions[child] = _mark(key, self.path) if hasattr(key, "start_mark") else at
                resolved = self.resolve(value, node, child, positions, depth + 1)
                if resolved is not _NO_VALUE:
                    result[str(key)] = resolved
            return result
        if isinstance(node, list):
            items: list[Any] = []
            for value in node:
                resolved = self.resolve(value, node, pointer_join(pointer, len(items)), positions, depth + 1)
                if resolved is not _NO_VALUE:
                    items.append(resolved)
            return items
        if isinstance(node, str):
            return str(node)
        return node

    def _intrinsic(self, name: str, argument: Any, node: Any, depth: int) -> Any:
        where = self.where(node)

        def value(item: Any) -> Any:
            return self.resolve(item, node, depth=depth + 1)

        if name == "Ref":
            return self._ref(str(argument), where)
        if name == "Fn::GetAtt":
            parts = argument.split(".", 1) if isinstance(argument, str) else [value(a) for a in argument]
            if len(parts) != 2:
                raise InputError("Fn::GetAtt takes [LogicalId, Attribute]", where)
            return self._get_att(str(parts[0]), str(parts[1]), where)
        if name == "Fn::Sub":
            return self._sub(argument, node, depth, where)
        if name == "Fn::Join":
            if not isinstance(argument, list) or len(argument) != 2:
                raise InputError("Fn::Join takes [delimiter, [values]]", where)
            items = value(argument[1])
            if not isinstance(items, list):
                raise InputError("Fn::Join's second argument must be a list", where)
            return str(value(argument[0])).join(_text(i, where) for i in items)
        if name == "Fn::Select":
            if not isinstance(argument, list) or len(argument) != 2:
                raise InputError("Fn::Select takes [index, [values]]", where)
            index, items = value(argument[0]), value(argument[1])
            try:
                return items[int(index)]
            except (ValueError, TypeError, IndexError):
                raise InputError(f"Fn::Select: index {index!r} is not in the list {items!r}", where) from None
        if name == "Fn::Split":
            if not isinstance(argument, list) or len(argument) != 2:
                raise InputError("Fn::Split takes [delimiter, text]", where)
            return _text(value(argument[1]), where).split(_text(value(argument[0]), where))
        if name == "Fn::FindInMap":
            if not isinstance(argument, list) or len(argument) not in (3, 4):
                raise InputError("Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]", where)
            keys = [_text(value(a), where) for a in argument[:3]]
            try:
                return value(self.mappings[keys[0]][keys[1]][keys[2]])
            except (KeyError, TypeError):
                raise InputError(f"Fn::FindInMap: Mappings has no {'/'.join(keys)}", where) from None
        if name == "Fn::If":
            if not isinstance(argument, list) or len(argument) != 3:
                raise InputError("Fn::If takes [ConditionName, value if true, value if false]", where)
            chosen = argument[1] if self.condition(str(argument[0]), node) else argument[2]
            return self.resolve(chosen, node, depth=depth + 1)
        if name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self._condition_function(name, argument, node, depth)
        raise InputError(f"{name} cannot be resolved before deployment by the checker", where,
                         "write the value out for the lab")

    def _ref(self, name: str, where: Where) -> Any:
        pseudo = {
            "AWS::AccountId": self.setting.account,
            "AWS::Region": self.setting.region,
            "AWS::Partition": self.setting.partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if self.setting.partition == "aws-cn" else "amazonaws.com",
            "AWS::StackName": self.setting.stack_name,
        }
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in pseudo:
            if pseudo[name] is None:
                raise InputError(f"{name} is not known: the lab's parameters do not give it", where)
            return pseudo[name]
        if name in self.setting.references:
            return self.setting.references[name]
        if name in self.parameters:
            if name in self.setting.parameters:
                return self.setting.parameters[name]
            declared = self.parameters[name]
            if isinstance(declared, dict) and "Default" in declared:
                default = declared["Default"]
                if isinstance(declared.get("Type"), str) and declared["Type"].startswith("CommaDelimitedList"):
                    return [part.strip() for part in str(default).split(",")]
                return str(default) if not isinstance(default, list) else default
            raise InputError(f"the parameter {name} has no Default and no value is given", where,
                             f"give {name} a Default for the lab")
        resource = self.resources.get(name)
        if isinstance(resource, dict):
            properties = resource.get("Properties") or {}
            kind = resource.get("Type")
            # Ref returns the physical name for these types (CloudFormation resource reference, "Return values").
            named = {"AWS::IAM::Role": "RoleName", "AWS::S3::Bucket": "BucketName", "AWS::IAM::User": "UserName"}
            if kind in named and named[kind] in properties:
                return self.resolve(properties[named[kind]], properties)
            if kind == "AWS::IAM::ManagedPolicy":
                arn = self._managed_policy_arn(name, properties)
                if arn:
                    return arn
            if kind == "AWS::IAM::OIDCProvider":
                return self._get_att(name, "Arn", where)
            raise InputError(f"Ref {name}: CloudFormation generates this {kind} name at deployment", where,
                             f"give {name} an explicit name property, or use a value the lab provides")
        raise InputError(f"Ref {name}: no parameter, pseudo parameter or resource has this name", where)

    def _get_att(self, logical_id: str, attribute: str, where: Where) -> Any:
        key = f"{logical_id}.{attribute}"
        if key in self.setting.references:
            return self.setting.references[key]
        resource = self.resources.get(logical_id)
        if not isinstance(resource, dict):
            raise InputError(f"Fn::GetAtt {key}: the template has no resource {logical_id}", where)
        kind, properties = resource.get("Type"), resource.get("Properties") or {}
        account, partition = self.setting.account, self.setting.partition
        if attribute == "Arn" and account:
            if kind == "AWS::IAM::Role" and "RoleName" in properties:
                path = self._optional_text(properties, "Path") or "/"
                return f"arn:{partition}:iam::{account}:role{path}{self._optional_text(properties, 'RoleName')}"
            if kind == "AWS::IAM::OIDCProvider" and "Url" in properties:
                host = str(self._optional_text(properties, "Url")).removeprefix("https://").rstrip("/")
                return f"arn:{partition}:iam::{account}:oidc-provider/{host}"
        if attribute == "Arn" and kind == "AWS::S3::Bucket" and "BucketName" in properties:
            return f"arn:{partition}:s3:::{self._optional_text(properties, 'BucketName')}"
        raise InputError(f"Fn::GetAtt {key} is computed at deployment and the lab does not give it", where,
                         "name the resource explicitly, or use a value the lab's parameters provide")

    def _sub(self, argument: Any, node: Any, depth: int, where: Where) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise InputError("Fn::Sub takes a string, or [string, {Name: value}]", where)
            text = argument[0]
            variables = {k: self.resolve(v, node, depth=depth + 1) for k, v in argument[1].items()}
        else:
            text = argument
        if not isinstance(text, str):
            raise InputError("Fn::Sub's template must be text", where)

        def fill(match: re.Match[str]) -> str:
            inner = match.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"  # ${!Literal} writes ${Literal}
            if inner in variables:
                return _text(variables[inner], where)
            if "." in inner and not inner.startswith("AWS::"):
                logical_id, attribute = inner.split(".", 1)
                return _text(self._get_att(logical_id, attribute, where), where)
            return _text(self._ref(inner, where), where)

        return _SUB_VARIABLE.sub(fill, text)

    def condition(self, name: str, node: Any) -> bool:
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self.conditions:
            raise InputError(f"the condition {name} is not defined in Conditions", self.where(node))
        if name in self._evaluating:
            raise InputError(f"the condition {name} refers to itself", self.where(node))
        self._evaluating.append(name)
        try:
            value = self.resolve(self.conditions[name], self.conditions)
        finally:
            self._evaluating.pop()
        if not isinstance(value, bool):
            raise InputError(f"the condition {name} must be a condition function", self.where(self.conditions[name]))
        self._condition_values[name] = value
        return value

    def _condition_function(self, name: str, argument: Any, node: Any, depth: int) -> bool:
        where = self.where(node)
        if not isinstance(argument, list):
            raise InputError(f"{name} takes a list", where)

        def operand(item: Any) -> Any:
            if isinstance(item, dict) and set(item) == {"Condition"}:
                return self.condition(str(item["Condition"]), item)
            return self.resolve(item, node, depth=depth + 1)

        values = [operand(a) for a in argument]
        if name == "Fn::Equals":
            if len(values) != 2:
                raise InputError("Fn::Equals takes two values", where)
            return bool(values[0] == values[1])
        if not all(isinstance(v, bool) for v in values):
            raise InputError(f"{name} takes conditions", where)
        if name == "Fn::Not":
            if len(values) != 1:
                raise InputError("Fn::Not takes one condition", where)
            return not values[0]
        return all(values) if name == "Fn::And" else any(values)


def _attached(policy: IacPolicy, target: str) -> IacPolicy:
    return IacPolicy(policy.cloud, policy.kind, policy.name, policy.document, policy.where, target, policy.arn)


def _text(value: Any, where: Where) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InputError(f"expected text here, not {value!r}", where)
