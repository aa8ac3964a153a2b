"""`document`: fields of a submitted file (a job definition, a pipeline spec) must hold given values.

Paths are JSON pointers in which `*` stands for every item of a list, so
`/InputDataConfig/*/DataSource/S3DataSource/S3Uri` checks the S3 URI of every input channel. Each
expectation is one case; failures name the learner's file, line and column.

    - id: job-definition
      kind: document
      file: training_job              # a logical file name from the cloud's `files`
      points: 2
      message: The training job must run as this role, read and write only the granted prefixes.
      expect:
        - {path: /RoleArn, equals: "arn:aws:iam::111122223333:role/fraud-training-role"}
        - {path: "/InputDataConfig/*/DataSource/S3DataSource/S3Uri", starts_with: ["s3://bucket/fraud/v3/"]}
        - {path: /EnableNetworkIsolation, equals: true, why: the job must have no network access}
        - {path: /properties/scope, one_of: ["/subscriptions/S", "/subscriptions/S/resourceGroups/rg"]}
        - {path: /properties/notScopes, empty: true}   # absent, or an empty list or object

`one_of` accepts any of several JSON values (a policy assigned at the resource group or its subscription);
`empty: true` passes when the path is missing or holds nothing, so an exclusion list cannot carve a hole.
`ignore_case: true` matches names along the path and compares texts without regard to case (Azure). Two
names of one object that differ only in case always fail the case: which one a service reads is unclear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from checker.core.source import LoadedDocument, pointer_join
from checker.grading.checks.base import Outcome, ParseContext, RunContext
from checker.grading.located import Node

KIND = "document"
FIELDS = frozenset({"file", "expect"})
EXPECTATION_FIELDS = frozenset(
    {"path", "equals", "starts_with", "at_most", "one_of", "empty", "why", "ignore_case"}
)


@dataclass(frozen=True)
class Expectation:
    path: str
    equals: Any
    starts_with: tuple[str, ...] | None
    why: str | None
    has_equals: bool
    at_most: float | None = None  # a number no greater than this (a JSON number, never a bool or text)
    one_of: tuple[Any, ...] | None = None  # any of these JSON values
    empty: bool = False  # absent, or an empty list or object
    ignore_case: bool = False  # names along the path and texts compared without regard to case (Azure)


@dataclass(frozen=True)
class DocumentBody:
    file: str
    expectations: tuple[Expectation, ...]
    node: Node


def parse(node: Node, where: ParseContext) -> DocumentBody:
    expectations = []
    for item in node.field("expect").items():
        item.mapping(EXPECTATION_FIELDS, {"path"})
        path = item.text("path")
        if not path.startswith("/"):
            raise item.field("path").error("a path is a JSON pointer and starts with '/', as in /RoleArn")
        starts: tuple[str, ...] | None = None
        if item.has("starts_with"):
            field = item.field("starts_with")
            values = field.value if isinstance(field.value, list) else [field.value]
            if not values or not all(isinstance(v, str) for v in values):
                raise field.error("starts_with takes a text or a list of texts")
            starts = tuple(values)
        at_most: float | None = None
        if item.has("at_most"):
            limit = item.field("at_most")
            if isinstance(limit.value, bool) or not isinstance(limit.value, (int, float)):
                raise limit.error("at_most takes a number")
            at_most = float(limit.value)
        one_of: tuple[Any, ...] | None = None
        if item.has("one_of"):
            choices = item.field("one_of")
            if not isinstance(choices.value, list) or not choices.value:
                raise choices.error("one_of takes a list of the accepted values")
            one_of = tuple(choices.value)
        empty = False
        if item.has("empty"):
            if item.value.get("empty") is not True:
                raise item.field("empty").error("empty takes true (leave it out otherwise)")
            empty = True
        if not item.has("equals") and starts is None and at_most is None and one_of is None and not empty:
            raise item.error("an expectation needs `equals`, `starts_with`, `at_most`, `one_of` or `empty`")
        ignore_case = False
        if item.has("ignore_case"):
            if not isinstance(item.value.get("ignore_case"), bool):
                raise item.field("ignore_case").error("ignore_case takes true or false")
            ignore_case = bool(item.value.get("ignore_case"))
        expectations.append(
            Expectation(
                path, item.value.get("equals"), starts, item.optional_text("why"), item.has("equals"), at_most,
                one_of, empty, ignore_case,
            )
        )
    if not expectations:
        raise node.field("expect").error("expect must list at least one expectation")
    return DocumentBody(node.text("file"), tuple(expectations), node)


def logical_files(body: DocumentBody) -> list[tuple[str, Node]]:
    return [(body.file, body.node.field("file"))]


class Ambiguous(Exception):
    """Two names of one object differ only in case: which one the service reads cannot be told apart."""


def _select(data: Any, path: str, ignore_case: bool = False) -> list[tuple[str, Any]] | None:
    """Every (pointer, value) the path reaches; None when a step is missing.

    Two names that differ only in case on the path are ambiguous (raised), and so is a name spelled in
    another case when case matters: a service that reads names without regard to case sees one property
    twice, one that does not ignores the misspelled one, and either way the file cannot mean what the
    check would read."""
    found: list[tuple[str, Any]] = [("", data)]
    for raw in path.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        following: list[tuple[str, Any]] = []
        for pointer, value in found:
            if token == "*" and isinstance(value, list):
                following.extend((pointer_join(pointer, i), item) for i, item in enumerate(value))
            elif isinstance(value, dict) and (name := _name(value, token, pointer, ignore_case)) is not None:
                following.append((pointer_join(pointer, name), value[name]))
            elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
                following.append((pointer_join(pointer, int(token)), value[int(token)]))
            else:
                return None
        found = following
    return found


def _name(value: dict[str, Any], token: str, pointer: str, ignore_case: bool) -> str | None:
    """The one name of `value` the path's `token` stands for, or None when there is none."""
    alike = [name for name in value if isinstance(name, str) and name.casefold() == token.casefold()]
    if len(alike) > 1:
        raise Ambiguous(f"{' and '.join(repr(n) for n in alike)} under {pointer or '/'} differ only in case; keep one")
    if not alike:
        return None
    if alike[0] != token and not ignore_case:
        raise Ambiguous(f"{alike[0]!r} under {pointer or '/'} must be written {token!r}: names are case-sensitive")
    return alike[0]


def run(body: DocumentBody, context: RunContext) -> Outcome:
    document: LoadedDocument | None = context.submission.files.get(body.file)
    outcome = Outcome(total_cases=len(body.expectations))
    if document is None:
        raise body.node.field("file").error(f"no submission file is named {body.file!r} under this cloud's `files`")
    for expectation in body.expectations:
        problem = _judge(expectation, document)
        if problem is None:
            outcome.passed_notes.append(f"{expectation.path} in {document.path} is right")
        else:
            why = f" ({expectation.why})" if expectation.why else ""
            outcome.failed.append(problem + why)
    return outcome


def json_equal(left: Any, right: Any) -> bool:
    """Equal as JSON values: the same JSON type and the same value.

    Python's `==` says `1 == True` and `1.0 == True`, but JSON's `true` is not the number 1 (RFC 8259,
    section 3: true, false and null are literal names, distinct from numbers), so a job definition with
    `"EnableNetworkIsolation": 1` does not ask for network isolation the way `true` does."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, (int, float)) or isinstance(right, (int, float)):
        return isinstance(left, (int, float)) and isinstance(right, (int, float)) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and bool(left == right)


def _judge(expectation: Expectation, document: LoadedDocument) -> str | None:
    try:
        selected = _select(document.data, expectation.path, expectation.ignore_case)
    except Ambiguous as exc:
        return f"{document.path}: {exc}"
    if not selected:
        return None if expectation.empty else f"{document.path} has no {expectation.path}: add it"
    for pointer, value in selected:
        problem = _judge_value(expectation, value, f"at {document.locate(pointer)}")
        if problem is not None:
            return problem
    return None


def _judge_value(expectation: Expectation, value: Any, where: str) -> str | None:
    fold = _folded if expectation.ignore_case else _same
    if expectation.empty and value not in ([], {}, None):
        return f"{expectation.path} {where} is {json.dumps(value)}; it must be empty or left out"
    if expectation.one_of is not None and not any(json_equal(fold(value), fold(choice)) for choice in expectation.one_of):
        accepted = " or ".join(json.dumps(choice) for choice in expectation.one_of)
        return f"{expectation.path} {where} is {json.dumps(value)}; it must be {accepted}"
    if expectation.has_equals and _json_type(value) != _json_type(expectation.equals):
        return (
            f"{expectation.path} {where} is {_json_type(value)} {json.dumps(value)}, but a JSON "
            f"{_json_type(expectation.equals)} is expected: write {json.dumps(expectation.equals)}"
            + (" without quotes" if isinstance(value, str) else "")
        )
    if expectation.has_equals and not json_equal(fold(value), fold(expectation.equals)):
        return f"{expectation.path} {where} is {json.dumps(value)}, which is not what this lab needs"
    if expectation.starts_with is not None and (
        not isinstance(value, str) or not any(fold(value).startswith(fold(p)) for p in expectation.starts_with)
    ):
        allowed = " or ".join(expectation.starts_with)
        return f"{expectation.path} {where} is {json.dumps(value)}; it must lie under {allowed}"
    if expectation.at_most is not None and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value > expectation.at_most
    ):
        return f"{expectation.path} {where} is {json.dumps(value)}; it must be a number no greater than {expectation.at_most:g}"
    return None


def _same(value: Any) -> Any:
    return value


def _folded(value: Any) -> Any:
    """Text compared without regard to case (Azure resource ids and names: "Resource and resource group names
    are case-insensitive unless specifically noted"); any other JSON value as it is."""
    return value.casefold() if isinstance(value, str) else value


def _json_type(value: Any) -> str:
    """The JSON type name a learner sees in their file ("true" in quotes is text, not a boolean)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"
