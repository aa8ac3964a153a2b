"""Turn a satisfying solver model into a telling request: a real-looking ARN and the fewest context keys.

Preferences are tried one at a time on top of the question (push, check, keep or pop), so a preference
never changes the answer, only which witness is shown:
1. each key absent or single-valued, and as few keys present as possible;
2. whole numbers and dates between 1970 and 2100;
3. readable text (lowercase words, digits, ARN punctuation);
4. a resource in the ARN format the catalog lists for the action.
Then the resource is compared with hand-filled versions of the policy's own patterns (`*` filled with
`example`, or with `-prod` / `0/example` right after a name, which exposes a missing slash), and the most
telling one that the evaluator confirms is kept.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from fractions import Fraction
from functools import cache
from typing import Any

import z3

from checker.aws import catalog
from checker.aws.analyze.globs import literal, readable_text
from checker.aws.analyze.keys import KeyModel, Slot
from checker.aws.analyze.symbolic import RequestSpace
from checker.aws.policy import Effect, Policy
from checker.aws.variables import Variable
from checker.aws.wildcard import QUESTION, STAR
from checker.core.findings import Counterexample
from checker.core.solver_budget import set_budget

STEP_TIMEOUT_MS = 1500
READABLE_TIMEOUT_MS = 600
LATEST_DATE = 4102444800  # 2100-01-01


class _Steps:
    """Preferences added one by one; the last satisfying model is kept (a timeout just skips a step)."""

    def __init__(self, solver: z3.Solver, model: z3.ModelRef) -> None:
        self.solver = solver
        self.model = model

    def attempt(self, *constraints: z3.BoolRef) -> bool:
        solver = self.solver
        solver.push()
        solver.add(*constraints)
        if solver.check() == z3.sat:
            self.model = solver.model()
            return True
        solver.pop()
        return False


def prefer(
    solver: z3.Solver, space: RequestSpace, optional_keys: Sequence[KeyModel], model: z3.ModelRef
) -> z3.ModelRef:
    """Apply the preferences in order, starting from a satisfying model, and return the final model."""
    steps = _Steps(solver, model)
    set_budget(solver, STEP_TIMEOUT_MS)
    singles = [z3.Not(k.slots[1].used) for k in optional_keys if len(k.slots) > 1]
    if singles:
        steps.attempt(*singles)
    if optional_keys:
        present = z3.Sum(*[z3.If(k.present, 1, 0) for k in optional_keys])
        for most in range(len(optional_keys) + 1):
            if steps.attempt(present <= most):
                break
    numbers = [
        (slot, key.family) for key in space.keys.values() for slot in key.slots if slot.number is not None
    ]
    if numbers:
        wanted = []
        for slot, family in numbers:
            assert slot.number is not None
            wanted.append(z3.IsInt(slot.number))
            if family == "date":
                wanted.append(z3.And(slot.number >= 0, slot.number < LATEST_DATE))
        steps.attempt(*wanted)
    texts = [slot.text for key in space.keys.values() for slot in key.slots if slot.text is not None]
    if texts:
        steps.attempt(*[z3.InRe(t, readable_text()) for t in texts])
    return steps.model


READABLE = re.compile(r"[a-z0-9_/.:*-]*")


def readable_resource(solver: z3.Solver, space: RequestSpace, model: z3.ModelRef) -> z3.ModelRef:
    """One more (short) step when no hand-filled resource worked: ask for a readable resource string."""
    steps = _Steps(solver, model)
    if space.resource_domain is not None:
        return model  # region witnesses are already built from readable characters
    set_budget(solver, READABLE_TIMEOUT_MS)
    steps.attempt(z3.Or(space.resource == literal("*"), z3.InRe(space.resource, readable_text())))
    return steps.model


def representative(space: RequestSpace, class_id: int, preferred: frozenset[str]) -> str:
    return space.classes.classes[class_id].representative(preferred)


_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def arn_format_patterns(action: str) -> list[list[object]]:
    """The catalog's ARN formats for the action's resource types, as glob pieces."""
    info = catalog.action_info(action)
    if info is None:
        return []
    if not info.resource_types:
        return [["*"]]
    patterns = []
    for resource_type in info.resource_types:
        for arn in catalog.resource_arn_formats(info.service, resource_type):
            pieces: list[object] = []
            position = 0
            for match in _PLACEHOLDER.finditer(arn):
                pieces.append(arn[position : match.start()])
                pieces.append("aws" if match.group(1) == "Partition" else STAR)
                position = match.end()
            pieces.append(arn[position:])
            patterns.append(pieces)
    return patterns


EXAMPLE_VALUES = {"Partition": "aws", "Region": "us-east-1", "Account": "111122223333"}


def arn_format_examples(action: str, names: Mapping[str, str] | None = None) -> list[str]:
    """The catalog's ARN formats for the action filled with readable values, shortest first.

    `names` gives values the lab itself uses (its role, its buckets) by placeholder; any other placeholder
    becomes a readable name built from its own words (`${DatasetName}` -> `dataset-1`), never a bare
    `example` a learner cannot place."""
    info = catalog.action_info(action)
    if info is None:
        return []
    if not info.resource_types:
        return ["*"]
    known = {**EXAMPLE_VALUES, **(names or {})}
    arns = [arn for t in info.resource_types for arn in catalog.resource_arn_formats(info.service, t)]
    filled = [_PLACEHOLDER.sub(lambda m: known.get(m.group(1), readable_placeholder(m.group(1))), arn) for arn in arns]
    return sorted(dict.fromkeys(filled), key=len)


def readable_placeholder(placeholder: str) -> str:
    """`DatasetName` -> `dataset-1`, `RoleNameWithPath` -> `role-1`, `ObjectName` -> `data/train.csv`."""
    if placeholder in ("ObjectName", "Key", "ObjectKey"):
        return "data/train.csv"
    stem = re.sub(r"(NameWithPath|Name|Id|Arn|Identifier)$", "", placeholder) or placeholder
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", stem).lower()
    return f"{words}-1"


def lab_names(policies: Sequence[Policy], principal: str | None) -> dict[str, str]:
    """Placeholder values the inputs themselves use: the caller's role and the first bucket named."""
    names: dict[str, str] = {}
    if principal:
        match = re.match(r"arn:aws[\w-]*:(?:iam|sts)::\d{12}:(?:role|assumed-role)/([^/]+)", principal)
        if match:
            names["RoleNameWithPath"] = names["RoleName"] = match.group(1)
    for policy in policies:
        for statement in policy.statements:
            for pattern in statement.resources or ():
                bucket = re.match(r"arn:aws[\w-]*:s3:::([a-z0-9][a-z0-9.-]{2,62})(?:/|$)", pattern.text)
                if bucket and "BucketName" not in names:
                    names["BucketName"] = bucket.group(1)
    return names


def slot_value(model: z3.ModelRef, space: RequestSpace, key: KeyModel, slot: Slot) -> Any:
    family = key.family
    if slot.text is not None or slot.region is not None:
        return space.slot_text(model, key, slot)
    if slot.number is not None and slot.valid is not None:
        if not z3.is_true(model.eval(slot.valid, model_completion=True)):
            return "not-a-number"
        value = model.eval(slot.number, model_completion=True)
        fraction = Fraction(value.as_fraction()) if z3.is_rational_value(value) else Fraction(str(value))
        if family == "date":
            if fraction.denominator == 1 and 0 <= fraction < LATEST_DATE:
                return datetime.fromtimestamp(int(fraction), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            return str(float(fraction))
        return int(fraction) if fraction.denominator == 1 else float(fraction)
    if slot.ip_version is not None and slot.ip_address is not None:
        version = model.eval(slot.ip_version, model_completion=True).as_long()
        address = model.eval(slot.ip_address, model_completion=True).as_long()
        if version == 4:
            return str(ipaddress.IPv4Address(address))
        if version == 6:
            return str(ipaddress.IPv6Address(address))
        return "not-an-address"
    return "example"


def context_of(
    model: z3.ModelRef, space: RequestSpace, keys: Sequence[KeyModel], names: dict[str, str]
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for key in keys:
        values = [
            slot_value(model, space, key, slot)
            for slot in key.slots
            if z3.is_true(model.eval(slot.used, model_completion=True))
        ]
        if not values:
            continue
        context[names.get(key.name, key.name)] = values[0] if len(values) == 1 else values
    return context


def resource_candidates(
    policies: Sequence[Policy], action: str, context: dict[str, Any], principal: str | None = None
) -> list[str]:
    """Readable resources built from the policy's own Allow patterns and the catalog's ARN formats."""
    lowered = {k.lower(): v for k, v in context.items()}
    candidates: list[str] = []
    for policy in policies:
        for statement in policy.statements:
            if statement.effect is not Effect.ALLOW or statement.resources is None:
                continue
            for pattern in statement.resources:
                if pattern.universal:
                    continue
                for filled in _fills(pattern.whole, lowered):
                    candidates.append(filled)
    shapes = arn_shapes(action)
    # Resources of the action's own kind first (an object ARN for s3:GetObject, a bucket for DeleteBucket);
    # the policy's own patterns before the catalog's formats, which show less of what the policy got wrong.
    # A resource of another service (an S3 object for iam:PassRole) only when nothing else fits.
    service = action.split(":", 1)[0].lower()

    def order(candidate: str) -> int:
        if any(shape.fullmatch(candidate) for shape in shapes):
            return 0
        same = candidate.startswith("arn:") and candidate.split(":")[2:3] == [service]
        return 1 if same else 3

    catalog_formats = arn_format_examples(action, lab_names(policies, principal))
    ranked = [(order(c), c) for c in dict.fromkeys(candidates)] + [(2, c) for c in catalog_formats]
    return list(dict.fromkeys(c for _, c in sorted(ranked, key=lambda item: item[0])))


SEGMENT_ONLY = frozenset({"BucketName", "Partition", "Region", "Account"})  # never hold a slash


def arn_shape_items(action: str) -> list[tuple[tuple[str, frozenset[str]], ...]]:
    """The action's ARN formats as automaton items (regions.py), with the same placeholder rule as
    arn_shapes."""
    info = catalog.action_info(action)
    if info is None or not info.resource_types:
        return []
    result = []
    for resource_type in info.resource_types:
        for arn in catalog.resource_arn_formats(info.service, resource_type):
            parts = _PLACEHOLDER.split(arn)
            items: list[tuple[str, frozenset[str]]] = []
            for index, part in enumerate(parts):
                if index % 2 == 0:
                    items.extend(("lit", frozenset({c})) for c in part)
                else:
                    excluded = frozenset("/:") if part in SEGMENT_ONLY else frozenset()
                    items.extend([("any", excluded), ("star", excluded)])
            result.append(tuple(items))
    return result


def fits(action: str, resource: str) -> bool:
    """The resource has the shape of one of the action's resource types ("*" for actions without any)."""
    return any(shape.fullmatch(resource) for shape in arn_shapes(action))


@cache
def arn_shapes(action: str) -> tuple[re.Pattern[str], ...]:
    """The catalog's ARN formats as regular expressions. A bucket name, partition, region or account is
    one segment (no / or :); any other placeholder may hold slashes (object keys, role paths, log groups)."""
    info = catalog.action_info(action)
    if info is None or not info.resource_types:
        return (re.compile(re.escape("*")),)
    shapes: list[re.Pattern[str]] = []
    for resource_type in info.resource_types:
        for arn in catalog.resource_arn_formats(info.service, resource_type):
            parts = _PLACEHOLDER.split(arn)  # text, name, text, name, ..., text
            regex = []
            for index, part in enumerate(parts):
                if index % 2 == 0:
                    regex.append(re.escape(part))
                else:
                    regex.append("[^/:]+" if part in SEGMENT_ONLY else ".+")
            shapes.append(re.compile("".join(regex)))
    return tuple(shapes)


def _fills(tokens: tuple[object, ...], context: dict[str, Any]) -> list[str]:
    """The pattern with each wildcard filled by telling words; variables take the context's value."""
    results = []
    for style in ("telling", "plain"):
        out: list[str] = []
        ok = True
        for token in tokens:
            if isinstance(token, Variable):
                value = context.get(token.key, token.default)
                if not isinstance(value, str):
                    ok = False
                    break
                out.append(value)
            elif token is STAR:
                out.append(_star_filler("".join(out), style))
            elif token is QUESTION:
                out.append("x")
            else:
                assert isinstance(token, str)
                out.append(token)
        if ok:
            results.append("".join(out))
    return results


def _star_filler(before: str, style: str) -> str:
    field = before.count(":") if before.startswith("arn:") else -1
    if field == 3:
        return "us-west-2"  # any region
    if field == 4:
        return "444455556666"  # another account: a wildcard account is a cross-account grant
    last = before[-1:] if before else ""
    if style == "plain" or not last or last in "/:":
        if before.startswith("arn:aws:s3:::") and "/" in before:
            return "train.csv"  # an object under the granted prefix
        return "prod-1" if last else "example"
    if last in "-_.":
        return "prod"
    if last.isdigit():
        return "0/example"  # fraud/v3* also matches fraud/v30/...
    return "-prod"  # bucket* also matches bucket-prod


def telling_resource(current: str, candidates: Sequence[str], confirm: Callable[[str], bool]) -> str:
    for candidate in candidates:
        if candidate == current or confirm(candidate):
            return candidate
    return current


def build_counterexample(
    model: z3.ModelRef,
    space: RequestSpace,
    shown_keys: Sequence[KeyModel],
    key_names: dict[str, str],
    preferred_actions: frozenset[str],
    principal: str | None,
) -> tuple[int, Counterexample]:
    class_id = model.eval(space.action, model_completion=True).as_long()
    action = representative(space, class_id, preferred_actions)
    resource = space.resource_text(model)
    context = context_of(model, space, shown_keys, key_names)
    return class_id, Counterexample(action, resource, context, principal)
