"""Resource findings: Resource "*" where the actions support resource-level permissions, and Allow with
NotAction or NotResource."""

from __future__ import annotations

from checker.aws import catalog
from checker.aws.analyze.examples import arn_shape_items
from checker.aws.analyze.findings.base import display, element_pointers, finding, statement_actions
from checker.aws.analyze.globs import Unsupported, arn_pieces
from checker.aws.analyze.regions import Item, explore, items_of
from checker.aws.policy import Effect, Policy, PolicyKind, Statement
from checker.aws.services import s3 as s3_rules
from checker.aws.variables import has_variables
from checker.core.findings import Finding

# In a key policy, a bucket policy or a trust policy, "*" names the resource the policy is attached to.
RESOURCE_IS_ATTACHED = (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)


def check(policy: Policy) -> list[Finding]:
    found: list[Finding] = _public(policy) + _mismatches(policy)
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        if statement.not_actions is not None:
            found.append(
                finding(
                    "AWS-ALLOW-NOT-ACTION",
                    policy,
                    f"{statement.pointer}/NotAction",
                    f"statement {statement.label} allows every action except the ones listed, "
                    "including actions of every other service and actions AWS adds later",
                )
            )
        if statement.not_resources is not None:
            found.append(
                finding(
                    "AWS-ALLOW-NOT-RESOURCE",
                    policy,
                    f"{statement.pointer}/NotResource",
                    f"statement {statement.label} allows the actions on every resource except the ones listed",
                )
            )
        if policy.kind in RESOURCE_IS_ATTACHED or statement.resources is None:
            continue
        for pattern, pointer in zip(
            statement.resources, element_pointers(policy, statement, "Resource"), strict=False
        ):
            if not pattern.universal:
                continue
            scoped = [
                a for a in statement_actions(statement) if _has_resource_types(a) and not _narrowed(a, statement)
            ]
            if scoped:
                found.append(
                    finding("AWS-RESOURCE-STAR", policy, pointer, _resource_star_message(statement, scoped))
                )
    return found


def _resource_star_message(statement: Statement, actions: list[str]) -> str:
    """Say what would limit each action: the resource types it supports, or a condition key when its
    only resource type is optional (Resource "*" is then right for calls that name no such resource)."""
    parts = []
    for action in actions:
        info = catalog.action_info(action)
        if info is None:
            continue
        text = f"{info.service}:{info.name} can be limited to {', '.join(info.resource_types)} resources"
        keys = [key for key in info.condition_keys if not key.lower().startswith("aws:")]
        if _only_optional_type(action) and keys:
            text += f', or keep "*" and narrow it with a condition on {" or ".join(keys)}'
        parts.append(text)
    shown = "; ".join(parts[:3]) + (f"; and {len(parts) - 3} more action(s)" if len(parts) > 3 else "")
    return f'Resource "*" in statement {statement.label}, but {shown or display(actions) + " can be limited"}'


def _only_optional_type(action: str) -> bool:
    """The Service Authorization Reference lists exactly one resource type for the action and marks it
    optional ("If the resource type is optional (not indicated as required), then you can choose to use
    one of the optional resource types"): a call that names no such resource is authorized on "*"."""
    types = catalog.resource_types_of(action)
    return len(types) == 1 and not types[0][1]


def _narrowed(action: str, statement: Statement) -> bool:
    """Resource "*" is the right element when the action's only resource type is optional and the
    statement narrows the action with one of its own condition keys (cloudwatch:PutMetricData with
    cloudwatch:namespace). A clause narrows only when it must match a present key: not IfExists, not
    ForAllValues (both hold when the key is absent), not a negated operator, not Null."""
    info = catalog.action_info(action)
    if info is None or not _only_optional_type(action):
        return False
    own = {key.lower() for key in info.condition_keys if not key.lower().startswith("aws:")}
    return any(
        clause.key_lower in own
        and not clause.if_exists
        and clause.set_operator != "ForAllValues"
        and "not" not in clause.operator_text.lower()
        and clause.operator_text.lower() != "null"
        for clause in statement.conditions
    )


def _mismatches(policy: Policy) -> list[Finding]:
    """Actions named exactly whose resource type none of the statement's Resource patterns can match
    (s3:ListBucket on arn:aws:s3:::bucket/*): decided exactly with the automaton product."""
    if policy.kind in RESOURCE_IS_ATTACHED:
        return []
    found = []
    for statement in policy.statements:
        if statement.effect is not Effect.ALLOW or statement.actions is None or statement.resources is None:
            continue
        if any(p.universal for p in statement.resources):
            continue
        patterns = []
        for pattern in statement.resources:
            if has_variables(pattern.whole):
                break
            fields = pattern.fields
            pieces = (
                arn_pieces([list(f) for f in fields])
                if fields and fields[0] == ("arn",)
                else list(pattern.whole)
            )
            patterns.append(items_of(pieces))
        else:
            for action_pattern, pointer in zip(
                statement.actions, element_pointers(policy, statement, "Action"), strict=False
            ):
                text = action_pattern.text
                if "*" in text or "?" in text:
                    continue
                shapes = arn_shape_items(text)
                if shapes and not any(_overlap(p, shape) for p in patterns for shape in shapes):
                    info = catalog.action_info(text)
                    kinds = ", ".join(info.resource_types) if info else "its resource type"
                    found.append(
                        finding(
                            "AWS-RESOURCE-MISMATCH",
                            policy,
                            pointer,
                            f"{text} acts on {kinds}, and no Resource of statement {statement.label} can name one, "
                            "so this grant never applies",
                        )
                    )
    return found


def _overlap(pattern: tuple[Item, ...], shape: tuple[Item, ...]) -> bool:
    try:
        return (True, True) in explore([pattern, shape]).vectors
    except Unsupported:  # past the automaton's budget: no proof of a mismatch, so no finding
        return True


def _public(policy: Policy) -> list[Finding]:
    """A resource-based policy statement open to everyone (S3 User Guide, "The meaning of 'public'")."""
    if policy.kind is not PolicyKind.RESOURCE:
        return []
    found = []
    for statement in policy.statements:
        if s3_rules.statement_is_public(statement):
            element = "Principal" if statement.principal is not None else "NotPrincipal"
            found.append(
                finding(
                    "AWS-RESOURCE-PUBLIC",
                    policy,
                    f"{statement.pointer}/{element}",
                    f"statement {statement.label} grants {', '.join(p.text for p in statement.actions or ())} to "
                    "everyone, anonymous callers included, with no condition that narrows who",
                )
            )
    return found


def _has_resource_types(action: str) -> bool:
    info = catalog.action_info(action)
    return info is not None and bool(info.resource_types)
