"""A line of `iamlab simulate aws --batch` decided from its text, its repeated parts read once per batch.

A batch repeats its organization's SCP levels, its resource policies, boundaries and contexts in case after
case. msgspec reads a line's scalar fields and leaves each of those parts as its raw JSON text (`msgspec.Raw`,
checked for syntax but not decoded); a part is decoded and read (by checker/aws/batch.py's own functions)
the first time its text is seen, then found by its text. The scalars and the identity policies (each case's
own, in a batch that copies them with Sids of their own) are decoded with the line, by msgspec, which reads
JSON in half the time of the standard library's decoder.

msgspec refuses everything the standard library's decoder refuses (and more: lone surrogates, numbers out of
float range, over-long integers of either sign; tests/aws/test_batch_lines.py holds it to that), and it
keeps the last of two equal keys as the standard library does. So a line is decided here exactly as
`decide_weighed_case` would decide its decoded case, once the same colon count proves it had no duplicate key
(checker/core/source.py, `json_data_unproved`): the text's colons against the members and string colons of
what was read, a part's weight kept with it. Whatever is refused, raises InputError, has a value of an
unusual shape or fails the count returns None: `simulate` then reads the line as every line once was, so
that its answer, an error above all, is word for word what it always was.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import msgspec

from checker.aws import batch
from checker.aws.policy import MAX_EXPANSION, Policy, PolicyKind
from checker.core.errors import InputError
from checker.core.source import MAX_DOCUMENT_BYTES

_UNSET: Any = msgspec.UNSET


class _Case(msgspec.Struct, forbid_unknown_fields=True):
    """The fields of a case (checker/aws/batch.py, CASE_FIELDS and IGNORED_FIELDS): scalars and identity policies
    decoded, the other policies, the hierarchies and the context left as raw JSON text. Absent is UNSET; null
    is None (or b"null")."""

    id: Any = _UNSET
    principal: Any = _UNSET
    action: Any = _UNSET
    resource: Any = _UNSET
    resource_account: Any = _UNSET
    restrict_public_buckets: Any = _UNSET
    context: msgspec.Raw = _UNSET
    identity_policies: Any = _UNSET  # (decoded with the line: a batch gives each case policies of its own)
    resource_policy: msgspec.Raw = _UNSET
    permissions_boundary: msgspec.Raw = _UNSET
    session_policy: msgspec.Raw = _UNSET
    scps: msgspec.Raw = _UNSET
    rcps: msgspec.Raw = _UNSET
    comment: Any = _UNSET
    description: Any = _UNSET
    expected: Any = _UNSET
    name: Any = _UNSET
    note: Any = _UNSET


_CASE = msgspec.json.Decoder(_Case)
_VALUE = msgspec.json.Decoder()
_REFUSED = (msgspec.MsgspecError, ValueError, RecursionError)  # (UnicodeEncodeError is a ValueError)

# Parts already read, by their text and what else their reading depends on, each with its `colon_weight`.
_PART_ENTRIES = 1024
_parts: OrderedDict[tuple[bytes, Any, str], tuple[Any, int]] = OrderedDict()


class _Refused(Exception):
    """A value this module leaves to the exact path (one msgspec refuses, or a label or id that is an object or
    a list): the line goes there."""


def decide_line(line: str, explain: bool) -> dict[str, Any] | None:
    """The answer for one batch line, or None when the line must be read by the exact path."""
    if len(line) > MAX_DOCUMENT_BYTES:
        return None
    if "\\" in line and ("\\u003a" in line or "\\u003A" in line):
        return None  # an escaped colon counts in the data but not in the text
    try:
        case = _CASE.decode(line)
    except _REFUSED:
        return None
    try:
        # A line this short cannot hold a policy that reaches the batch's size limit: those read for this case
        # only are not measured.
        return _decide(case, line.count(":"), explain, len(line) * MAX_EXPANSION >= batch.SIZE_LIMIT)
    except (_Refused, InputError, RecursionError):
        return None


def _decide(case: _Case, colons: int, explain: bool, measured: bool) -> dict[str, Any] | None:
    principal, action = case.principal, case.action
    if type(principal) is not str or type(action) is not str:
        return None
    # Each member present weighs 1 (field names hold no colon) plus its value's weight.
    weight = 2 + principal.count(":") + action.count(":")
    resource = _optional_string(case.resource)
    if case.resource is not _UNSET:
        weight += 1 + (resource.count(":") if resource else 0)
    account = _optional_string(case.resource_account)
    if case.resource_account is not _UNSET:
        weight += 1 + (account.count(":") if account else 0)
    for value in (case.id, case.restrict_public_buckets, case.comment, case.description, case.expected, case.name,
                  case.note):
        if value is not _UNSET:
            weight += 1 + _scalar_weight(value)
    context, part_weight = _part(case.context, None, "context", _context)
    weight += part_weight
    identity, part_weight = _identity(case.identity_policies, measured)
    weight += part_weight
    kind = batch.resource_policy_kind(action)
    resource_policy, part_weight = _part(case.resource_policy, kind, "resource_policy", _policy)
    weight += part_weight
    boundary, part_weight = _part(case.permissions_boundary, PolicyKind.BOUNDARY, "permissions_boundary", _policy)
    weight += part_weight
    session, part_weight = _part(case.session_policy, PolicyKind.SESSION, "session_policy", _policy)
    weight += part_weight
    scps, part_weight = _part(case.scps, PolicyKind.SCP, "scps", _levels)
    weight += part_weight
    rcps, part_weight = _part(case.rcps, PolicyKind.RCP, "rcps", _levels)
    weight += part_weight
    if weight != colons:
        return None  # a duplicate key somewhere: the exact path words the error
    restrict = case.restrict_public_buckets
    policies = batch.policy_set(
        identity, resource_policy, boundary, session, scps or (), rcps or (),
        False if restrict is _UNSET else bool(restrict),
    )
    built = batch.request(principal, action, resource, account, context or {})
    return batch.answer(built, policies, None if case.id is _UNSET else case.id, explain)


def _optional_string(value: Any) -> str | None:
    """`resource` or `resource_account`: a string, or absent or null (None); another value is refused."""
    if value is _UNSET or value is None:
        return None
    if type(value) is not str:
        raise _Refused
    return value


def _scalar_weight(value: Any) -> int:
    """The colons of a scalar field's value; an object or a list is left to the exact path."""
    if type(value) is str:
        return value.count(":")
    if isinstance(value, (dict, list)):
        raise _Refused
    return 0


# A part's reader: its decoded value (None for null), what else it depends on, and its field name.
_Reader = Callable[[Any, Any, str], tuple[Any, int]]


def _part(raw: Any, depends: Any, field: str, read: _Reader) -> tuple[Any, int]:
    """A part and the weight of its member (1, and its value's), found by its text or read now; absent is
    (None, 0)."""
    if raw is _UNSET:
        return None, 0
    text = bytes(raw)
    key = (text, depends, field)
    found = _parts.get(key)
    if found is not None:
        _parts.move_to_end(key)
    else:
        value, weight = read(_decoded(text), depends, field)
        found = _parts[key] = (value, weight + 1)
        if len(_parts) > _PART_ENTRIES:
            _parts.popitem(last=False)
    return found


def _decoded(text: bytes) -> Any:
    """A part's value. A line nested deeper than MAX_NESTING is an error of the exact path's (and only there
    is it worded): no part read here may nest deeper than a few levels (a policy's Condition values, the
    deepest, are five below the case), and each reader raises InputError on a value of any other shape, so
    such a line always goes there (tests/aws/test_batch_lines.py holds both paths to the same answers)."""
    try:
        return _VALUE.decode(text)
    except _REFUSED:
        raise _Refused from None


def _context(value: Any, _depends: Any, _field: str) -> tuple[Any, int]:
    return batch.weighed_context(value)


def _policy(value: Any, kind: PolicyKind, field: str) -> tuple[Policy | None, int]:
    return batch.weighed_optional_policy(value, field, kind)


def _levels(value: Any, kind: PolicyKind, field: str) -> tuple[Any, int]:
    return batch.weighed_levels(value, field, kind)


def _identity(value: Any, measured: bool) -> tuple[list[Policy], int]:
    """The identity policies, read by batch.py, and the weight of their member."""
    if value is _UNSET:
        return [], 0
    identity, weight = batch.weighed_identity_policies(value, measured)
    return identity, weight + 1
