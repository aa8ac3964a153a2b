"""Policies from the audit trail: generate the least privilege observed calls need, find unused grants.

`generate_policy` works like IAM Access Analyzer's policy generation, offline: it keeps each action
the principal performed with the exact resources it touched, and merges actions that share the same
resources into one statement. `unused_grants` works like IAM's last-accessed data and Recommender:
it replays the observed calls against a policy and reports statements, actions and resources that
no call used.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws import Policy, PolicyKind, PolicySet, Request, evaluate, parse_policy
from checker.emulate.audit import AuditRecord


def principal_matches(record_principal: str, wanted: str) -> bool:
    """A role ARN also covers its sessions (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION)."""
    if record_principal == wanted:
        return True
    role = re.fullmatch(r"arn:(aws[\w-]*):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)", wanted)
    if role is None:
        return False
    partition, account, name = role.groups()
    return record_principal.startswith(f"arn:{partition}:sts::{account}:assumed-role/{name}/")


def _selected(
    records: Iterable[AuditRecord], principal: str | None, include_denied: bool
) -> list[AuditRecord]:
    chosen = []
    for record in records:
        if principal is not None and not principal_matches(record.principal, principal):
            continue
        if record.action == "unknown" or ":" not in record.action:
            continue  # calls the gateway could not map name no action to grant
        if record.decision == "allow" or (include_denied and record.decision.endswith("deny")):
            chosen.append(record)
    return chosen


def _sid(actions: list[str], index: int) -> str:
    services = sorted({a.split(":", 1)[0] for a in actions})
    words = "".join(s.capitalize() for s in services)
    return f"{re.sub(r'[^A-Za-z0-9]', '', words)}{index}"


# Condition keys whose observed values narrow a grant the way a careful author would: listing to the
# prefixes listed, metrics to their namespace, PassRole to the service the role was passed to.
NARROWING_KEYS = ("s3:prefix", "cloudwatch:namespace", "iam:PassedToService")
_S3_OBJECT = re.compile(r"^(arn:aws[\w-]*:s3:::[^/]+)/(.+)$")


def generate_policy(
    records: Iterable[AuditRecord], principal: str | None, include_denied: bool = False
) -> dict[str, Any]:
    """The policy the observed calls need: each action on the resources it touched (S3 object keys grouped
    into their shortest folders, `fraud/v3/*`), with the narrowing conditions the calls carried."""
    by_action: dict[str, list[AuditRecord]] = defaultdict(list)
    for record in _selected(records, principal, include_denied):
        by_action[record.action].append(record)
    # Actions with the same resources and the same conditions share a statement.
    grouped: dict[tuple[tuple[str, ...], str], list[str]] = defaultdict(list)
    conditions: dict[str, dict[str, Any]] = {}
    for action, observed in sorted(by_action.items()):
        resources = {record.resource for record in observed}
        # An action used on "*" needs "*"; other resources add nothing to it.
        key = ("*",) if "*" in resources else tuple(sorted(object_prefixes(resources)))
        condition = narrowing_condition(observed)
        text = json.dumps(condition, sort_keys=True)
        conditions[text] = condition
        grouped[(key, text)].append(action)
    statements = []
    ordered = sorted(grouped.items(), key=lambda item: sorted(item[1]))
    for index, ((resource_list, condition_text), actions) in enumerate(ordered, start=1):
        statement: dict[str, Any] = {
            "Sid": _sid(actions, index),
            "Effect": "Allow",
            "Action": sorted(actions) if len(actions) > 1 else actions[0],
            "Resource": list(resource_list) if len(resource_list) > 1 else resource_list[0],
        }
        if conditions[condition_text]:
            statement["Condition"] = conditions[condition_text]
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def object_prefixes(resources: Iterable[str]) -> set[str]:
    """S3 object ARNs grouped by folder: `bucket/fraud/v3/a.csv` and `bucket/fraud/v3/b/c.csv` become
    `bucket/fraud/v3/*`, the shortest folder (ending in a slash) that holds each observed key. A key with
    no folder, or holding a policy wildcard character, stays exact; other ARNs are kept as they are."""
    kept: set[str] = set()
    folders: dict[str, set[str]] = defaultdict(set)
    for resource in resources:
        match = _S3_OBJECT.match(resource)
        key = match.group(2) if match else ""
        if match is None or "/" not in key or "*" in key or "?" in key or "$" in key:
            kept.add(resource)
            continue
        folders[match.group(1)].add(key[: key.rindex("/") + 1])
    for bucket, found in folders.items():
        kept.update(f"{bucket}/{folder}*" for folder in _shortest(found))
    return kept


def _shortest(prefixes: set[str]) -> set[str]:
    """Drop each prefix that another one in the set already covers (`a/b/` under `a/`)."""
    return {p for p in prefixes if not any(p != other and p.startswith(other) for other in prefixes)}


def narrowing_condition(observed: list[AuditRecord]) -> dict[str, Any]:
    """The conditions every observed call of one action satisfied, for the keys in NARROWING_KEYS.

    A key narrows only when every call carried it with a value: one call without it (a listing of the
    whole bucket) means the grant cannot be narrowed by it without denying that call.
    """
    condition: dict[str, dict[str, Any]] = {}
    for name in NARROWING_KEYS:
        values: set[str] = set()
        for record in observed:
            value = _context_value(record, name)
            if not value:
                values = set()
                break
            values.update(value)
        if not values:
            continue
        if name == "s3:prefix" and all(v.endswith("/") and not set(v) & set("*?$") for v in values):
            patterns = sorted(f"{prefix}*" for prefix in _shortest(values))  # a folder and what lies below
            condition.setdefault("StringLike", {})[name] = patterns[0] if len(patterns) == 1 else patterns
        else:
            exact = sorted(values)
            condition.setdefault("StringEquals", {})[name] = exact[0] if len(exact) == 1 else exact
    return condition


def _context_value(record: AuditRecord, name: str) -> list[str]:
    """The call's non-empty text values of one condition key (keys compare case-insensitively)."""
    for key, value in record.context.items():
        if key.lower() == name.lower():
            items = value if isinstance(value, list | tuple) else [value]
            texts = [item for item in items if isinstance(item, str)]
            return texts if texts and len(texts) == len(items) and all(texts) else []
    return []


@dataclass
class StatementUse:
    label: str
    calls: int = 0
    actions_used: set[str] = field(default_factory=set)
    unused_action_patterns: list[str] = field(default_factory=list)
    unused_resource_patterns: list[str] = field(default_factory=list)
    wildcard_actions: dict[str, set[str]] = field(default_factory=dict)  # pattern -> actions it served

    def to_json(self) -> dict[str, Any]:
        return {
            "statement": self.label,
            "calls": self.calls,
            "actions_used": sorted(self.actions_used),
            "unused_actions": self.unused_action_patterns,
            "unused_resources": self.unused_resource_patterns,
            "wildcards": {pattern: sorted(used) for pattern, used in self.wildcard_actions.items()},
        }


@dataclass
class UnusedReport:
    policy: str
    calls_replayed: int
    statements: list[StatementUse]

    @property
    def has_unused(self) -> bool:
        return any(
            use.calls == 0 or use.unused_action_patterns or use.unused_resource_patterns
            for use in self.statements
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "calls_replayed": self.calls_replayed,
            "statements": [use.to_json() for use in self.statements],
        }


def _applying_statements(policy: Policy, record: AuditRecord) -> set[str]:
    request = Request(
        principal=record.principal, action=record.action, resource=record.resource, context=record.context
    )
    decision = evaluate(request, PolicySet(identity=[policy]), explain=True)
    return {str(reason.statement) for reason in decision.reasons if reason.effect.lower() == "allow"}


def _resource_used(pattern_text: str, records: list[AuditRecord]) -> bool:
    probe = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": pattern_text}],
        },
        name="resource probe",
        kind=PolicyKind.IDENTITY,
    )
    for record in records:
        request = Request(
            principal=record.principal, action=record.action, resource=record.resource, context=record.context
        )
        if evaluate(request, PolicySet(identity=[probe])).allowed:
            return True
    return False


def unused_grants(
    records: Iterable[AuditRecord], document: Mapping[str, Any] | Any, name: str, principal: str | None = None
) -> UnusedReport:
    """Which Allow statements, action patterns and resource patterns of a policy no observed call used."""
    policy = (
        document
        if isinstance(document, Policy)
        else parse_policy(document, name=name, kind=PolicyKind.IDENTITY)
    )
    observed = _selected(records, principal, include_denied=True)
    uses = {str(statement.label): StatementUse(str(statement.label)) for statement in policy.statements}
    served: dict[str, list[AuditRecord]] = defaultdict(list)
    for record in observed:
        for label in _applying_statements(policy, record):
            uses[label].calls += 1
            uses[label].actions_used.add(record.action)
            served[label].append(record)
    for statement in policy.statements:
        if statement.effect.value != "Allow":
            continue
        use = uses[str(statement.label)]
        for pattern in statement.actions or ():
            matched = {a for a in use.actions_used if pattern.matches(a.lower())}
            if not matched:
                use.unused_action_patterns.append(pattern.text)
            elif "*" in pattern.text or "?" in pattern.text:
                use.wildcard_actions[pattern.text] = matched
        for resource in statement.resources or ():
            if not _resource_used(resource.text, served[str(statement.label)]):
                use.unused_resource_patterns.append(resource.text)
    allow_uses = [uses[str(s.label)] for s in policy.statements if s.effect.value == "Allow"]
    return UnusedReport(name, len(observed), allow_uses)
