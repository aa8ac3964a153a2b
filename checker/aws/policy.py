"""The AWS policy model and its parser (grammar: IAM User Guide, "Grammar of the IAM JSON policy language").

Parsing turns a learner's JSON into frozen objects once; evaluation then reuses them for every request.
Grammar errors raise InputError with the JSON pointer, line and column of the offending element.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from json.encoder import encode_basestring
from typing import Any

from checker.aws.conditions import Operator, lookup_operator, operator_names
from checker.aws.variables import Token, Variable, VariableSyntaxError, tokenize
from checker.aws.wildcard import Glob, compile_glob, compile_pieces
from checker.core.compact_json import compact_colons, compact_writer
from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, colon_weight, parse_json, pointer_join
from checker.core.suggest import did_you_mean
from checker.core.valuekey import canonical_key, packed_key

VERSION_CURRENT = "2012-10-17"
VERSION_OLD = "2008-10-17"

POLICY_ELEMENTS = ("Version", "Id", "Statement")
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
# As sets, to check a whole object's keys in one step; the tuples give the order of messages.
_POLICY_ELEMENT_SET = frozenset(POLICY_ELEMENTS)
_STATEMENT_ELEMENT_SET = frozenset(STATEMENT_ELEMENTS)


class PolicyKind(StrEnum):
    IDENTITY = "identity"  # managed or inline identity-based policy
    RESOURCE = "resource"  # bucket policy, key policy, ...
    TRUST = "trust"  # role trust policy (the resource policy for sts:AssumeRole*)
    BOUNDARY = "boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"


# AWS quotas, counted without whitespace (IAM and AWS STS quotas; Organizations quotas).
SIZE_LIMITS: dict[PolicyKind, tuple[int, str]] = {
    PolicyKind.IDENTITY: (6144, "a customer managed policy"),
    PolicyKind.BOUNDARY: (6144, "a managed policy used as a permissions boundary"),
    PolicyKind.TRUST: (2048, "a role trust policy (default quota)"),
    PolicyKind.SESSION: (2048, "a session policy"),
    PolicyKind.SCP: (5120, "a service control policy"),
    PolicyKind.RCP: (5120, "a resource control policy"),
    PolicyKind.RESOURCE: (20480, "an S3 bucket policy"),
}
INLINE_ROLE_LIMIT = 10240

# Policy kinds whose statements name a Principal (identity-based policies and SCPs never do).
KINDS_WITH_PRINCIPAL = (PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP)


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}  # Effect(text), without the enum's call


@dataclass(frozen=True)
class ActionPattern:
    """An Action/NotAction value and its compiled glob."""

    text: str
    glob: Glob  # compiled lowercase: action names are case-insensitive

    def matches(self, action_lower: str) -> bool:
        return self.glob.matches(action_lower)


@dataclass(frozen=True)
class ResourcePattern:
    """A Resource value. `fields` holds the six ARN fields as token tuples, or None for `*`/non-ARN text."""

    text: str
    universal: bool
    fields: tuple[tuple[Token, ...], ...] | None
    whole: tuple[Token, ...]  # the value as one pattern, used when the request resource is not an ARN
    compiled: tuple[Glob, ...] | None  # precompiled fields when there are no variables
    head: str | None = None  # "arn:aws:s3::" when the first five fields are plain text (fast path)
    tail: Glob | None = None  # the resource field, compiled, alongside `head`


@dataclass(frozen=True)
class PrincipalSpec:
    """The Principal or NotPrincipal element: `*`, or lists per principal type."""

    wildcard: bool
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConditionClause:
    """One key under one operator: `"StringLike": {"s3:prefix": ["a/*", "b/*"]}`."""

    operator_text: str
    operator: Operator
    set_operator: str | None  # "ForAllValues", "ForAnyValue" or None
    if_exists: bool
    key: str
    key_lower: str
    values: tuple[tuple[Token, ...], ...]
    raw_values: tuple[str, ...]
    pointer: str
    prepared: tuple[Any, ...] | None  # operator-prepared values when no variable is present


@dataclass(frozen=True)
class Statement:
    """One parsed statement: its place in the policy, Sid, Effect, and each element as read."""

    index: int
    sid: str | None
    effect: Effect
    principal: PrincipalSpec | None
    not_principal: PrincipalSpec | None
    actions: tuple[ActionPattern, ...] | None
    not_actions: tuple[ActionPattern, ...] | None
    resources: tuple[ResourcePattern, ...] | None
    not_resources: tuple[ResourcePattern, ...] | None
    conditions: tuple[ConditionClause, ...]
    pointer: str

    @property
    def label(self) -> str:
        return f"{self.index} ({self.sid})" if self.sid else str(self.index)

    def admits_action(self, action_lower: str) -> bool:
        """True when Action lists the action, or NotAction does not."""
        # (plain loops: a generator per call cost a batch more than the matching)
        actions = self.actions
        if actions is not None:
            for pattern in actions:  # noqa: SIM110 (any() with a generator is the slower form here)
                if pattern.glob.matches(action_lower):
                    return True
            return False
        if self.not_actions is not None:
            for pattern in self.not_actions:
                if pattern.glob.matches(action_lower):
                    return False
        return True


@dataclass(frozen=True)
class Policy:
    """A parsed policy document of one kind, with its statements and its size as AWS counts it."""

    name: str
    kind: PolicyKind
    version: str
    id: str | None
    statements: tuple[Statement, ...]
    document: LoadedDocument
    # Its compact JSON length; None for a batch's policy that could not reach the batch's limit and was not
    # measured (`parse_batch_policy(measured=False)`).
    size: int | None = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    # Statements whose Action / NotAction admit an action, by lowercased action name. Requests repeat their
    # actions far more than their resources, so this turns most action matching into one dict lookup. Not an
    # __init__ argument: a copy made with dataclasses.replace (other statements) starts with its own, empty.
    _by_action: dict[str, tuple[Statement, ...]] = field(default_factory=dict, init=False, compare=False, repr=False)
    # The evaluator's outcome of this policy by lowercased action, for actions whose admitting statements
    # apply to every request (no Condition, a "*" Resource); False for the others (checker/aws/evaluate.py).
    # None for a policy decided once (a batch's identity policy that is not kept): an outcome names its
    # policy, so keeping one would tie the policy to itself in a cycle that only the garbage collector frees.
    _fixed_outcomes: dict[str, Any] | None = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def variables_enabled(self) -> bool:
        return self.version == VERSION_CURRENT

    def statements_for(self, action_lower: str) -> tuple[Statement, ...]:
        found = self._by_action.get(action_lower)
        if found is None:
            found = tuple([s for s in self.statements if s.admits_action(action_lower)])
            if len(self._by_action) >= 512:
                self._by_action.clear()
            self._by_action[action_lower] = found
        return found


def parse_policy(
    source: LoadedDocument | Mapping[str, Any] | str,
    *,
    name: str = "policy",
    kind: PolicyKind = PolicyKind.IDENTITY,
    size_limit: int | None = None,
    compact_size: int | None = None,
    reuse_statements: bool = False,
) -> Policy:
    """Parse a policy document; raise InputError naming the element, line and column when it is invalid.

    `compact_size` is the length of the document's whitespace-free JSON when the caller already has it.
    `reuse_statements` reuses a statement parsed before from the same content at the same place (a batch).
    """
    if isinstance(source, LoadedDocument):
        document = source
    elif isinstance(source, str):
        document = parse_json(source, name)
    else:
        if reuse_statements and compact_size is None and type(source) is dict:
            reused = _reassembled(source, name, kind, size_limit)
            if reused is not None:
                return reused[0]
        document = LoadedDocument(name, source, {})
    return _Parser(document, name, kind, size_limit, reuse_statements).parse(compact_size)


def parse_batch_policy(
    data: dict[str, Any], name: str, kind: PolicyKind, size_limit: int | None, decided_once: bool = False,
    measured: bool = True,
) -> tuple[Policy, int]:
    """`parse_policy(data, reuse_statements=True)` for a batch, and the `colon_weight` of `data` (with which the
    batch proves its line had no duplicate key: checker/core/source.py), added up from its statements' when
    they were parsed before. A policy `decided_once` keeps no outcomes (Policy._fixed_outcomes). Without
    `measured` its size is not added up (Policy.size is None): for a caller that knows the policy's compact JSON
    cannot reach `size_limit` (its JSON text is shorter than `size_limit / MAX_EXPANSION`)."""
    reused = _reassembled(data, name, kind, size_limit, measured)
    if reused is not None:
        if decided_once:
            reused[0].__dict__["_fixed_outcomes"] = None  # (a new object: nothing else holds it yet)
        return reused
    parser = _Parser(LoadedDocument(name, data, {}), name, kind, size_limit, True)
    policy = parser.parse()
    if decided_once:
        policy.__dict__["_fixed_outcomes"] = None
    if parser.statement_sizes is None:  # a statement was parsed without being kept: weigh the whole document
        return policy, colon_weight(data)
    # As `_reassembled` adds it up: the policy's members, its Id's colons (both Versions are colon-free dates).
    return policy, len(data) + (policy.id.count(":") if policy.id is not None else 0) + parser.statements_weight


def _reassembled(
    data: dict[str, Any], name: str, kind: PolicyKind, size_limit: int | None, measured: bool = True
) -> tuple[Policy, int] | None:
    """The policy built from statements parsed before, and its `colon_weight`; None when any part needs the
    parser.

    A batch repeats statements in policies of their own (each case's copy with its own Sids), and the
    parser's generality cost a batch more than deciding. The document is built here by the rules
    `_Parser.parse` applies to it: the same Version default, Id, Sid and size checks; its statements are taken
    from `_statements`, and one not seen before is parsed and kept there (`_Parser.keep_statement`). Whatever
    those rules or that parse refuse goes to the parser, which reads the document from the start and words the
    error where it finds it first.
    """
    if not data.keys() <= _POLICY_ELEMENT_SET:
        return None
    version = data.get("Version")
    if version is None:
        version = VERSION_OLD  # as the parser reads a policy without Version
    elif version != VERSION_CURRENT and version != VERSION_OLD:
        return None
    policy_id = data.get("Id")
    if policy_id is not None and type(policy_id) is not str:
        return None
    raw = data.get("Statement")
    if type(raw) is list:
        items: list[Any] = raw
        listed = True
    elif type(raw) is dict:
        items = [raw]
        listed = False
    else:
        return None
    statements: list[Statement] = []
    size = 0
    # Members of the policy and of each statement, plus colons in strings (core/source.py, colon_weight); both
    # Versions read here are colon-free dates.
    weight = len(data) + (policy_id.count(":") if policy_id is not None else 0)
    named: list[str] = []
    for index, item in enumerate(items):
        if type(item) is not dict:
            return None
        sid = item.get("Sid")
        rest = item
        if "Sid" in item:
            if type(sid) is not str:
                return None  # a Sid that is no string (or null) is the parser's to judge
            rest = item.copy()
            del rest["Sid"]
        text = packed_key(rest)
        if text is None:
            return None
        pointer = (_STATEMENT_POINTERS[index] if index < 64 else _statement_pointer(index)) if listed else "/Statement"
        key = (kind, version, pointer, text)
        entry = _statements.get(key)
        if entry is None:
            # A statement not seen before is parsed and kept here, as the parser would; anything it refuses
            # sends the whole policy to the parser, which words the error where its reading finds it first.
            if len(text) > _STATEMENT_TEXT_LENGTH or not item.keys() <= _STATEMENT_ELEMENT_SET:
                return None
            try:
                entry = _statement_parser(kind, version).keep_statement(key, index, pointer, rest, measured)
            except InputError:
                return None  # (the message is the parser's to word, from the document's start)
        found, statement_size, statement_weight = entry
        if measured:
            if statement_size is None:  # kept unmeasured before
                entry = _statements[key] = _measured(found, statement_weight, rest)
                statement_size = entry[1]
            size += statement_size if sid is None else statement_size + _SID_MEMBER + len(encode_basestring(sid))
        if sid is None:
            statements.append(found)
            weight += statement_weight
        else:
            statements.append(_with_sid(found, sid))
            weight += statement_weight + 1 + sid.count(":")
            named.append(sid)
    if len(named) > 1 and len(set(named)) < len(named) and kind in _UNIQUE_SID_KINDS:
        return None
    policy_size: int | None = None
    if measured:
        policy_size = _assembled_length(data, size, len(statements), listed)
        limit = size_limit if size_limit is not None else SIZE_LIMITS[kind][0]
        if policy_size > limit:
            return None
    policy = object.__new__(Policy)  # the frozen dataclass's __init__ sets the same fields, several times slower
    policy.__dict__.update(
        name=name, kind=kind, version=version, id=policy_id, statements=tuple(statements),
        document=LoadedDocument(name, data, {}), size=policy_size, warnings=(), _by_action={}, _fixed_outcomes={},
    )
    return policy, weight


# How much longer than its JSON text the compact JSON of the same value can be: a string's characters are
# written as short as JSON allows (never longer than they were written), an integer as its digits, and a
# number written short may come back long: "1e15" is 1000000000000000.0, 4.5 times as long, the most
# (tests/aws/test_policy_sizes.py). A policy whose text is shorter than a limit divided by this cannot reach it.
MAX_EXPANSION = 5


def _measured(statement: Statement, weight: int, rest: dict[str, Any]) -> tuple[Statement, int, int]:
    """A statement kept unmeasured (`rest`, its content without the Sid), with the length of its compact JSON."""
    return statement, len(_compact_decoded(rest)), weight


@cache
def _statement_parser(kind: PolicyKind, version: str) -> _Parser:
    """A parser for `_reassembled`'s new statements of one kind and Version. Parsing a statement reads nothing
    else of the parser (it keeps no state), and an error it raises is never shown: the document then goes to a
    parser of its own, which words it. (One parser per policy cost a batch 2.5 µs per policy.)"""
    parser = _Parser(LoadedDocument("", {}, {}), "", kind, None, True)
    parser.version = version
    return parser


# Statements already parsed, by all their parse depends on: the policy kind, its Version, the statement's
# place and its content without the Sid (a batch gives each case's copy of a policy Sids of its own), as
# core/valuekey.py's `packed_key` spells decoded JSON (unlike JSON text, it tells 1 from "1" and 1.0 from 1;
# a value it cannot spell is parsed afresh). Each is kept with the length of its compact JSON without
# the Sid, from which the policy's size is added up (writing every policy out as JSON cost a batch more than
# parsing it), and its `colon_weight`. Statements are frozen; invalid ones raise and are never kept.
_STATEMENT_ENTRIES = 4096
# Policy kinds whose Sids must be unique within the policy.
_UNIQUE_SID_KINDS = (PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SESSION)
# len('"Sid":') plus the comma before the member: what a Sid adds to a statement's compact JSON besides its value.
_SID_MEMBER = 7
_STATEMENT_TEXT_LENGTH = 4096
_statements: OrderedDict[tuple[str, str, str, bytes], tuple[Statement, int | None, int]] = OrderedDict()


class _Parser:
    def __init__(
        self,
        document: LoadedDocument,
        name: str,
        kind: PolicyKind,
        size_limit: int | None,
        reuse_statements: bool = False,
    ) -> None:
        self.document = document
        self.name = name
        self.kind = kind
        self.size_limit = size_limit
        self.version = VERSION_CURRENT
        self.reuse_statements = reuse_statements
        # With reuse, the compact JSON length of each statement in turn (kept with the reused statement), so
        # that the policy's size is added up rather than written out; None once a statement was not reused.
        self.statement_sizes: list[int] | None = [] if reuse_statements else None
        # With reuse, the statements' `colon_weight` added up (valid while statement_sizes is not None).
        self.statements_weight = 0

    def error(self, pointer: str, message: str, hint: str | None = None) -> InputError:
        where = self.document.locate(pointer)
        if not self.document.positions:
            where = Where(self.name, None, None, pointer or "/")
        return InputError(message, where, hint)

    def parse(self, compact_size: int | None = None) -> Policy:
        data = self.document.data
        if not isinstance(data, dict):
            raise self.error("", "a policy must be a JSON object with a Statement element")
        if not data.keys() <= _POLICY_ELEMENT_SET:
            key = next(k for k in data if k not in _POLICY_ELEMENT_SET)
            raise self.error(
                pointer_join("", key),
                f"unknown policy element {key!r}",
                _hint_for(key, POLICY_ELEMENTS + STATEMENT_ELEMENTS, "a policy has Version, Id and Statement"),
            )
        version = data.get("Version")
        if version is None:
            # AWS treats a policy without Version as 2008-10-17, where ${...} is literal text.
            version = VERSION_OLD
        elif version not in (VERSION_CURRENT, VERSION_OLD):
            raise self.error(
                "/Version",
                f"Version must be \"{VERSION_CURRENT}\" (or the legacy \"{VERSION_OLD}\"), not {version!r}",
                "the Version is a fixed date naming the policy language, not today's date",
            )
        self.version = version
        policy_id = data.get("Id")
        if policy_id is not None and not isinstance(policy_id, str):
            raise self.error("/Id", "Id must be a string")
        if "Statement" not in data:
            raise self.error("", "the policy has no Statement element", "add \"Statement\": [ ... ]")
        raw = data["Statement"]
        if isinstance(raw, dict):
            items: list[tuple[str, Any]] = [("/Statement", raw)]
        elif isinstance(raw, list):
            items = [(_statement_pointer(i), s) for i, s in enumerate(raw)]
        else:
            raise self.error("/Statement", "Statement must be an object or a list of objects")
        statements = tuple([self.statement(i, pointer, s) for i, (pointer, s) in enumerate(items)])
        sids = [s.sid for s in statements if s.sid]
        duplicates = {sid for sid in sids if sids.count(sid) > 1} if len(set(sids)) < len(sids) else None
        if duplicates and self.kind in _UNIQUE_SID_KINDS:
            sid = sorted(duplicates)[0]
            pointer = next(s.pointer for s in statements if s.sid == sid)
            raise self.error(pointer + "/Sid", f"Sid {sid!r} is used by more than one statement", "Sids must be unique")
        if compact_size is not None:
            size = compact_size
        elif self.statement_sizes is not None:
            size = _assembled_length(data, sum(self.statement_sizes), len(self.statement_sizes), isinstance(raw, list))
        else:
            size = len(compact_json(data))
        self.check_size(size)
        policy = object.__new__(Policy)  # as Statement above: the same fields, without the frozen __init__
        policy.__dict__.update(
            name=self.name, kind=self.kind, version=version, id=policy_id, statements=statements,
            document=self.document, size=size, warnings=(), _by_action={}, _fixed_outcomes={},
        )
        return policy

    def check_size(self, size: int) -> None:
        if self.size_limit is not None:
            limit, what = self.size_limit, "this policy"
        else:
            limit, what = SIZE_LIMITS[self.kind]
        if size > limit:
            raise self.error(
                "",
                f"the policy is {size:,} characters without whitespace; AWS accepts at most {limit:,} for {what}",
                "split it, or use wildcards that still name only what the workload needs",
            )

    def statement(self, index: int, pointer: str, raw: Any) -> Statement:
        if not isinstance(raw, dict):
            raise self.error(pointer, "each statement must be a JSON object")
        if not raw.keys() <= _STATEMENT_ELEMENT_SET:
            key = next(k for k in raw if k not in _STATEMENT_ELEMENT_SET)
            raise self.error(
                pointer_join(pointer, key),
                f"unknown statement element {key!r}",
                _hint_for(key, STATEMENT_ELEMENTS, "elements are case-sensitive"),
            )
        sid = raw.get("Sid")
        if sid is not None and not isinstance(sid, str):
            raise self.error(pointer + "/Sid", "Sid must be a string")
        if not self.reuse_statements:
            return self.statement_body(index, pointer, raw, sid)
        rest = raw
        if "Sid" in raw:
            rest = dict(raw)
            del rest["Sid"]
        text = packed_key(rest)  # (as `_reassembled` keys them: only a batch reuses statements)
        if text is None or len(text) > _STATEMENT_TEXT_LENGTH:
            self.statement_sizes = None
            return self.statement_body(index, pointer, raw, sid)
        key = (self.kind, self.version, pointer, text)  # the pointer holds the index; kind is its str value
        entry = _statements.get(key)
        if entry is None:
            entry = self.keep_statement(key, index, pointer, rest)
        found, size, weight = entry
        if size is None:  # kept unmeasured before
            entry = _statements[key] = _measured(found, weight, rest)
            size = entry[1]
        if self.statement_sizes is not None:
            self.statement_sizes.append(size if rest is raw else size + 1 + _member_length("Sid", raw["Sid"]))
            # (a "Sid": null member weighs 1 too)
            self.statements_weight += weight if rest is raw else weight + 1 + (sid.count(":") if sid else 0)
        return found if sid is None else _with_sid(found, sid)

    def keep_statement(
        self, key: tuple[str, str, str, bytes], index: int, pointer: str, rest: dict[str, Any], measured: bool = True
    ) -> tuple[Statement, int | None, int]:
        """Parse a statement without its Sid (`rest`) and keep it in `_statements` under `key`, with the length of
        its compact JSON (None unless `measured`: measured when a later use needs it) and its `colon_weight`
        (compact JSON escapes no colon: its colons are that weight)."""
        statement = self.statement_body(index, pointer, rest, None)
        if measured:
            compact = _compact_decoded(rest)
            entry: tuple[Statement, int | None, int] = (statement, len(compact), compact.count(":"))
        else:
            entry = (statement, None, compact_colons(rest))
        _statements[key] = entry
        if len(_statements) > _STATEMENT_ENTRIES:
            _statements.popitem(last=False)
        return entry

    def statement_body(self, index: int, pointer: str, raw: dict[str, Any], sid: str | None) -> Statement:
        if "Effect" not in raw:
            raise self.error(pointer, "the statement has no Effect", 'add "Effect": "Allow" or "Effect": "Deny"')
        effect_text = raw["Effect"]
        if effect_text not in ("Allow", "Deny"):
            raise self.error(
                pointer + "/Effect", f'Effect must be "Allow" or "Deny" (case-sensitive), not {effect_text!r}'
            )
        effect = _EFFECTS[effect_text]
        actions = self.pair(raw, pointer, "Action", "NotAction", self.actions)
        resources = self.pair(raw, pointer, "Resource", "NotResource", self.resources, required=False)
        principals = self.pair(raw, pointer, "Principal", "NotPrincipal", self.principal, required=False)
        if principals[0] is None and principals[1] is None and self.kind in (PolicyKind.RESOURCE, PolicyKind.TRUST):
            raise self.error(
                pointer,
                "a resource-based or trust policy statement needs a Principal",
                "name who the statement applies to, for example {\"Service\": \"sagemaker.amazonaws.com\"}",
            )
        if (principals[0] is not None or principals[1] is not None) and self.kind not in KINDS_WITH_PRINCIPAL:
            element = "Principal" if principals[0] is not None else "NotPrincipal"
            raise self.error(
                pointer_join(pointer, element),
                f"{element} is not allowed in {self.kind.value} policies",
                "identity-based policies apply to the identity they are attached to; remove the element",
            )
        if resources[0] is None and resources[1] is None and self.kind != PolicyKind.TRUST:
            raise self.error(pointer, "the statement has no Resource or NotResource", 'use "Resource": "..."')
        conditions = self.conditions(raw.get("Condition"), pointer + "/Condition") if "Condition" in raw else ()
        # The frozen dataclass's __init__ sets each field through object.__setattr__, several times slower
        # than filling its __dict__ (the same fields, all of them): a batch builds thousands of statements.
        statement = object.__new__(Statement)
        statement.__dict__.update(
            index=index,
            sid=sid,
            effect=effect,
            principal=principals[0],
            not_principal=principals[1],
            actions=actions[0],
            not_actions=actions[1],
            resources=resources[0],
            not_resources=resources[1],
            conditions=conditions,
            pointer=pointer,
        )
        return statement

    def pair(
        self, raw: dict[str, Any], pointer: str, name: str, not_name: str, parse: Any, required: bool = True
    ) -> tuple[Any, Any]:
        if name in raw and not_name in raw:
            raise self.error(
                pointer_join(pointer, not_name),
                f"a statement cannot have both {name} and {not_name}",
                f"keep one of them; {not_name} means 'everything except'",
            )
        # (element names hold no "~" or "/": joined as pointer_join would, without its escaping)
        if name in raw:
            return parse(raw[name], pointer + "/" + name), None
        if not_name in raw:
            return None, parse(raw[not_name], pointer + "/" + not_name)
        if required:
            raise self.error(pointer, f"the statement has no {name} or {not_name}", f'add "{name}": [...]')
        return None, None

    def string_list(self, value: Any, pointer: str, element: str) -> list[tuple[str, str]]:
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and not value:
            raise self.error(pointer, f"{element} must not be an empty list")
        result = []
        for i, item in enumerate(values):
            item_pointer = pointer_join(pointer, i) if isinstance(value, list) else pointer
            if not isinstance(item, str):
                raise self.error(item_pointer, f"each {element} value must be a string, not {_json_type(item)}")
            result.append((item_pointer, item))
        return result

    def actions(self, value: Any, pointer: str) -> tuple[ActionPattern, ...]:
        key = _element_key(value)
        found: tuple[ActionPattern, ...] | None = _elements.get(("Action", key)) if key is not None else None
        if found is None:
            found = _remember_element(("Action", key), self.parse_actions(value, pointer))
        return found

    def parse_actions(self, value: Any, pointer: str) -> tuple[ActionPattern, ...]:
        patterns = []
        for item_pointer, text in self.string_list(value, pointer, "Action"):
            if text != "*":
                service, colon, name = text.partition(":")
                if not colon or not service or not name:
                    raise self.error(
                        item_pointer,
                        f"action {text!r} has no service prefix",
                        "write actions as service:Action, for example s3:GetObject",
                    )
                if not all(c.isalnum() or c in "-_" for c in service) or ":" in name:
                    raise self.error(item_pointer, f"action {text!r} is not of the form service:Action")
            patterns.append(_action_pattern(text) if len(text) <= _CACHED_TEXT_LENGTH else _new_action(text))
        return tuple(patterns)

    def resources(self, value: Any, pointer: str) -> tuple[ResourcePattern, ...]:
        key = _element_key(value)
        place = ("Resource", self.version, key)  # policy variables are read in Version 2012-10-17 only
        found: tuple[ResourcePattern, ...] | None = _elements.get(place) if key is not None else None
        if found is None:
            found = _remember_element(place, self.parse_resources(value, pointer))
        return found

    def parse_resources(self, value: Any, pointer: str) -> tuple[ResourcePattern, ...]:
        patterns = []
        variables = self.version == VERSION_CURRENT
        for item_pointer, text in self.string_list(value, pointer, "Resource"):
            try:
                patterns.append(compile_resource(text, variables))
            except VariableSyntaxError as exc:
                raise self.error(item_pointer, f"bad policy variable in {text!r}: {exc}") from None
            except ValueError as exc:
                raise self.error(item_pointer, str(exc), "a resource is \"*\" or an ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE") from None
        return tuple(patterns)

    def principal(self, value: Any, pointer: str) -> PrincipalSpec:
        if value == "*":
            return PrincipalSpec(wildcard=True)
        if not isinstance(value, dict) or not value:
            raise self.error(
                pointer,
                'Principal must be "*" or an object such as {"AWS": "arn:aws:iam::111122223333:root"}',
            )
        lists: dict[str, tuple[str, ...]] = {}
        wildcard = False
        for key, raw in value.items():
            if key not in PRINCIPAL_TYPES:
                raise self.error(
                    pointer_join(pointer, key),
                    f"unknown principal type {key!r}",
                    _hint_for(key, PRINCIPAL_TYPES, "principal types are AWS, Service, Federated, CanonicalUser"),
                )
            items = self.string_list(raw, pointer_join(pointer, key), f"Principal {key}")
            for item_pointer, text in items:
                if key == "AWS" and text == "*":
                    wildcard = True
                elif "*" in text or "?" in text:
                    raise self.error(
                        item_pointer,
                        f"wildcards are not allowed in principal {text!r}",
                        'use "*" alone for everyone, or a condition such as aws:PrincipalArn with ArnLike',
                    )
                elif key == "AWS" and not _valid_aws_principal(text):
                    raise self.error(
                        item_pointer,
                        f"{text!r} is not an AWS principal",
                        "use a 12-digit account id, an account root ARN, or a role, user or session ARN",
                    )
            lists[key] = tuple(t for _p, t in items)
        return PrincipalSpec(
            wildcard=wildcard,
            aws=lists.get("AWS", ()),
            service=lists.get("Service", ()),
            federated=lists.get("Federated", ()),
            canonical_user=lists.get("CanonicalUser", ()),
        )

    def conditions(self, value: Any, pointer: str) -> tuple[ConditionClause, ...]:
        # Each clause keeps its pointer, so the place is part of the key, with the Version (variables).
        text = canonical_key(value)
        place: tuple[Any, ...] | None = ("Condition", self.version, pointer, text) if text is not None else None
        found: tuple[ConditionClause, ...] | None = _elements.get(place) if place is not None else None
        if found is None:
            found = _remember_element(place, self.parse_conditions(value, pointer))
        return found

    def parse_conditions(self, value: Any, pointer: str) -> tuple[ConditionClause, ...]:
        if not isinstance(value, dict):
            raise self.error(pointer, "Condition must be an object: {\"Operator\": {\"key\": \"value\"}}")
        clauses = []
        for op_text, block in value.items():
            op_pointer = pointer_join(pointer, op_text)
            set_operator, base = _split_set_operator(op_text)
            if_exists = base.endswith("IfExists") and base != "IfExists"
            name = base[: -len("IfExists")] if if_exists else base
            operator = lookup_operator(name)
            if operator is None or (if_exists and name == "Null"):
                raise self.error(
                    op_pointer,
                    f"unknown condition operator {op_text!r}",
                    _hint_for(name, operator_names(), "operator names are case-sensitive"),
                )
            if not isinstance(block, dict) or not block:
                raise self.error(op_pointer, f"{op_text} must map condition keys to values")
            for key, raw_values in block.items():
                key_pointer = pointer_join(op_pointer, key)
                clauses.append(self.clause(op_text, operator, set_operator, if_exists, key, raw_values, key_pointer))
        return tuple(clauses)

    def clause(
        self,
        op_text: str,
        operator: Operator,
        set_operator: str | None,
        if_exists: bool,
        key: str,
        raw_values: Any,
        pointer: str,
    ) -> ConditionClause:
        if not key:
            raise self.error(pointer, "a condition key must not be empty")
        values = raw_values if isinstance(raw_values, list) else [raw_values]
        if isinstance(raw_values, list) and not raw_values:
            raise self.error(pointer, f"condition key {key!r} has an empty list of values")
        texts = []
        for i, item in enumerate(values):
            if type(item) is str:
                texts.append(item)
            elif isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, (int, float, str)):
                texts.append(str(item))
            else:
                item_pointer = pointer_join(pointer, i) if isinstance(raw_values, list) else pointer
                raise self.error(item_pointer, f"condition values must be strings, numbers or booleans, not {_json_type(item)}")
        variables = self.version == VERSION_CURRENT and operator.variables
        wildcards = operator.wildcards
        tokens = []
        with_variable = False  # (without variables read, no value holds one)
        for text in texts:
            try:
                value_tokens = _tokens(text, variables, wildcards)
            except VariableSyntaxError as exc:
                raise self.error(pointer, f"bad policy variable in {text!r}: {exc}") from None
            tokens.append(value_tokens)
            if variables and not with_variable:
                with_variable = _has_var(value_tokens)
        prepared: tuple[Any, ...] | None = None
        if not with_variable:  # values are prepared once, unless a variable is filled from each request
            try:
                prepared = tuple(
                    [_prepared(operator, value_tokens, text) for value_tokens, text in zip(tokens, texts, strict=True)]
                )
            except ValueError as exc:
                raise self.error(pointer, f"{op_text}: {exc}", operator.value_hint) from None
        clause = object.__new__(ConditionClause)  # as statements are built: every field, without the frozen __init__
        clause.__dict__.update(
            operator_text=op_text,
            operator=operator,
            set_operator=set_operator,
            if_exists=if_exists,
            key=key,
            key_lower=key.lower(),
            values=tuple(tokens),
            raw_values=tuple(texts),
            pointer=pointer,
            prepared=prepared,
        )
        return clause


# A statement's Action, Resource and Condition values, parsed, by what their parse depends on: the element, its
# value (a string, the tuple of a list of strings, or a Condition block as canonical_key spells it), the Version
# where variables matter and the place where the parse keeps pointers. A batch's new statements mostly combine
# values seen before. Only values parsed without an error are kept; bounded like the caches below.
_elements: dict[tuple[Any, ...], Any] = {}


def _element_key(value: Any) -> Any:
    """A string, or a list of strings as a tuple (kept apart from a string by its type); None for anything else,
    which the parser reads (and words the error for) every time."""
    if type(value) is str:
        return value
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    return None


def _remember_element(place: tuple[Any, ...] | None, parsed: Any) -> Any:
    if place is not None and place[-1] is not None:
        if len(_elements) >= _CACHE_ENTRIES:
            _elements.clear()
        _elements[place] = parsed
    return parsed


# A batch repeats the same few texts thousands of times (in one, 26,000 Resource strings had 22 distinct
# values and 25,000 Action strings 32), and every compiled form is frozen, so each short text is compiled
# once per process. Longer texts are compiled afresh: the caches stay small whatever the input.
_CACHED_TEXT_LENGTH = 256
_CACHE_ENTRIES = 4096


@lru_cache(maxsize=_CACHE_ENTRIES)
def _action_pattern(text: str) -> ActionPattern:
    return _new_action(text)


def _new_action(text: str) -> ActionPattern:
    return ActionPattern(text, compile_glob(text, lowercase=True))


@lru_cache(maxsize=_CACHE_ENTRIES)
def _cached_tokens(text: str, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    return tokenize(text, variables=variables, wildcards=wildcards)


def _tokens(text: str, variables: bool, wildcards: bool) -> tuple[Token, ...]:
    if len(text) > _CACHED_TEXT_LENGTH:
        return tokenize(text, variables=variables, wildcards=wildcards)
    return _cached_tokens(text, variables, wildcards)


@lru_cache(maxsize=_CACHE_ENTRIES)
def _cached_prepared(operator: Operator, tokens: tuple[Token, ...]) -> Any:
    return operator.prepare(list(tokens))


def _prepared(operator: Operator, tokens: tuple[Token, ...], text: str) -> Any:
    """The operator's comparable form of a value (`tokens` of its `text`); a ValueError (invalid value) is
    raised, never cached."""
    if len(text) > _CACHED_TEXT_LENGTH:
        return operator.prepare(list(tokens))
    return _cached_prepared(operator, tokens)


def compile_resource(text: str, variables: bool) -> ResourcePattern:
    """Compile a Resource/NotResource value (or a resource ARN pattern used by analysis)."""
    if len(text) > _CACHED_TEXT_LENGTH:
        return _compile_resource(text, variables)
    return _cached_resource(text, variables)


@lru_cache(maxsize=_CACHE_ENTRIES)
def _cached_resource(text: str, variables: bool) -> ResourcePattern:
    return _compile_resource(text, variables)


def _compile_resource(text: str, variables: bool) -> ResourcePattern:
    whole = tokenize(text, variables=variables, wildcards=True)
    if text == "*":
        return ResourcePattern(text, True, None, whole, None)
    if not text.startswith("arn:") and not text.startswith("${"):
        raise ValueError(f"resource {text!r} is not an ARN")
    parts = text.split(":", 5)
    if len(parts) != 6:
        if text.startswith("${"):
            return ResourcePattern(text, False, None, whole, None)  # a variable holding a whole ARN
        raise ValueError(
            f"resource {text!r} is not a complete ARN: it has {len(parts)} of the 6 colon-separated fields"
        )
    # (the fields' texts repeat from ARN to ARN: "arn", "aws", "s3", "", an account, a region)
    fields = tuple([_tokens(part, variables, True) for part in parts])
    compiled = None
    head = tail = None
    if not any([_has_var(f) for f in fields]):
        compiled = tuple([compile_pieces(f) for f in fields])
        if all([glob.exact is not None for glob in compiled[:5]]):
            head = ":".join([glob.exact for glob in compiled[:5] if glob.exact is not None])
            tail = compiled[5]
    # Built as statements are (the frozen dataclass's __init__ sets each field through object.__setattr__): a
    # batch compiles every Resource it has not seen.
    pattern = object.__new__(ResourcePattern)
    pattern.__dict__.update(
        text=text, universal=False, fields=fields, whole=whole, compiled=compiled, head=head, tail=tail
    )
    return pattern


_STATEMENT_POINTERS = tuple(pointer_join("/Statement", i) for i in range(64))


def _statement_pointer(index: int) -> str:
    return _STATEMENT_POINTERS[index] if index < len(_STATEMENT_POINTERS) else pointer_join("/Statement", index)


def _with_sid(statement: Statement, sid: str) -> Statement:
    """The statement with its own Sid: a copy of its fields with the Sid changed (dataclasses.replace, or even
    the frozen class's own __init__, costs a batch several times more; every field is still set)."""
    copy = object.__new__(Statement)
    fields = copy.__dict__
    fields.update(statement.__dict__)
    fields["sid"] = sid
    return copy


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact_json(data: Any) -> str:
    """The document as AWS counts its size: JSON without whitespace."""
    return _COMPACT.encode(data)


# `compact_json` of data decoded from JSON text (a batch's statements): an encoder made once.
_compact_decoded = compact_writer(ascii_only=False)


def _member_length(key: str, value: Any) -> int:
    """The length of `"key":value` in compact JSON."""
    return len(encode_basestring(key)) + 1 + _value_length(value)


def _value_length(value: Any) -> int:
    if isinstance(value, str):
        return len(encode_basestring(value))
    return 4 if value is None else len(compact_json(value))


def _assembled_length(data: dict[str, Any], statements_size: int, count: int, listed: bool) -> int:
    """len(compact_json(data)) from the compact lengths of its `count` statements (`statements_size` together):
    an object is its members joined by commas inside braces, a list its items. `data` is a policy whose
    elements were read: Statement, and Version and Id each absent, null or a string."""
    size = 1 + len(data) + _STATEMENT_MEMBER + statements_size + max(count - 1, 0) + (2 if listed else 0)
    if "Version" in data:
        version = data["Version"]
        size += _VERSION_MEMBER + (4 if version is None else len(encode_basestring(version)))
    if "Id" in data:
        policy_id = data["Id"]
        size += _ID_MEMBER + (4 if policy_id is None else len(encode_basestring(policy_id)))
    return size


_STATEMENT_MEMBER = len('"Statement":')
_VERSION_MEMBER = len('"Version":')
_ID_MEMBER = len('"Id":')


def _has_var(tokens: tuple[Token, ...]) -> bool:
    for token in tokens:  # noqa: SIM110 (a loop: any() with a generator costs a new statement more)
        if type(token) is Variable:
            return True
    return False


def _split_set_operator(text: str) -> tuple[str | None, str]:
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if text.startswith(prefix):
            return prefix[:-1], text[len(prefix) :]
    return None, text


def _valid_aws_principal(text: str) -> bool:
    if len(text) == 12 and text.isdigit():
        return True
    if text.startswith("arn:"):
        return len(text.split(":", 5)) == 6
    # Canonical-looking unique ids (AROA..., AIDA...) are accepted by AWS after a principal is deleted.
    return text[:4] in ("AROA", "AIDA", "AGPA") and text.isalnum()


def _hint_for(word: str, choices: tuple[str, ...] | list[str], fallback: str) -> str:
    guess = did_you_mean(word, choices)
    return f"did you mean {guess!r}?" if guess else fallback


def _json_type(value: Any) -> str:
    return {dict: "an object", list: "a list", type(None): "null"}.get(type(value), type(value).__name__)
