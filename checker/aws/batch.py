"""The fixed batch format of `iamlab simulate aws --batch`: one JSON case in, one decision out.

Fields (all optional except `principal` and `action`): `id`, `principal` (an ARN, account id, service
principal or `*`), `action`, `resource` (default `*`), `resource_account`, `context` (condition keys),
`identity_policies` (a list), `resource_policy` (the trust policy for sts:AssumeRole* and sts:TagSession),
`permissions_boundary`, `session_policy`, `scps` and `rcps` (levels from the root to the account, each a
list of policies), `restrict_public_buckets`. Labels are accepted and ignored: `name`, `comment`,
`description`, `expected`, `note`. Any other field is an error.

`session_policy` is the session policy passed when the session was created. For a federated user session
(`arn:aws:sts::ACCOUNT:federated-user/NAME`, from GetFederationToken) it says which policy was passed to
GetFederationToken: null or absent means none was, and such a session has no permissions from the IAM
user's policies ("if you do not pass a policy with the GetFederationToken API call, the resulting temporary
security credentials have no permissions"); only a resource-based policy naming the session can grant it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, parse_batch_policy
from checker.aws.request import Request
from checker.aws.services.sts import is_trust_action
from checker.core.errors import InputError
from checker.core.source import colon_weight
from checker.core.suggest import did_you_mean
from checker.core.valuekey import packed_key

CASE_FIELDS = (
    "id",
    "principal",
    "action",
    "resource",
    "resource_account",
    "context",
    "identity_policies",
    "resource_policy",
    "permissions_boundary",
    "session_policy",
    "scps",
    "rcps",
    "restrict_public_buckets",
)
IGNORED_FIELDS = ("comment", "description", "expected", "name", "note")  # labels: read by people, not here

_CACHE_SIZE = 2048
# Parsed policies by content, kind and the field that names them (an SCP repeated at every level of
# thousands of cases is one entry per place, each already carrying its name), each with its content's
# `colon_weight` (the batch proves a line free of duplicate keys with it: checker/core/source.py).
# Identity policies are kept apart from the other kinds: a batch whose identity policies rarely repeat (each
# case's copy with Sids of its own) would otherwise push out the resource policies, boundaries and session
# policies that do.
_parsed: OrderedDict[tuple[bytes, str, str], tuple[Policy, int]] = OrderedDict()
_parsed_identity: OrderedDict[tuple[bytes, str, str], tuple[Policy, int]] = OrderedDict()


def _policy(raw: Any, field: str, kind: PolicyKind) -> Policy:
    """Parse a policy from a case, reusing the parse when the same document appears again."""
    return weighed_policy(raw, field, kind)[0]


def weighed_policy(raw: Any, field: str, kind: PolicyKind, measured: bool = True) -> tuple[Policy, int]:
    """The parsed policy and the `colon_weight` of its content. Without `measured` (a line too short for its
    policies to reach the batch's size limit) a policy decided for this case only is not measured."""
    if not isinstance(raw, dict):
        raise InputError(f"{field} must be a policy object, not {type(raw).__name__}")
    identity = kind is PolicyKind.IDENTITY
    if identity and not _identity_reuse.worth_asking():
        # not kept: decided for this case only
        return parse_batch_policy(raw, field, kind, SIZE_LIMIT, decided_once=True, measured=measured)
    content = packed_key(raw)
    if content is None:
        return _parse(raw, field, kind)
    key = (content, kind, field)  # the kind hashes as its str value (reading .value costs more)
    parsed = _parsed_identity if identity else _parsed
    cached = parsed.get(key)
    if identity:
        _identity_reuse.answered(cached is not None)
    if cached is not None:
        parsed.move_to_end(key)
        return cached
    entry = parsed[key] = _parse(raw, field, kind)
    if len(parsed) > _CACHE_SIZE:
        parsed.popitem(last=False)
    return entry


class _ReuseRate:
    """Whether looking a document up is worth its key: a batch whose identity policies never repeat (each
    case's copy with Sids of its own) paid for a key and an entry per policy and found nothing. After
    `_PROBE` lookups with fewer than one in `_WORTH` found, the next `_REST` documents are parsed without
    asking; then it probes again. Only time depends on it: a found document is the one the parser returns."""

    def __init__(self) -> None:
        self.asked = self.found = self.resting = 0

    def worth_asking(self) -> bool:
        if self.resting:
            self.resting -= 1
            return False
        return True

    def answered(self, found: bool) -> None:
        self.asked += 1
        self.found += found
        if self.asked == _PROBE:
            if self.found * _WORTH < self.asked:
                self.resting = _REST
            self.asked = self.found = 0


_PROBE, _WORTH, _REST = 64, 8, 2048
_identity_reuse = _ReuseRate()


def _parse(raw: dict[str, Any], field: str, kind: PolicyKind) -> tuple[Policy, int]:
    # The document came from JSON text: its statements may be reused from other cases.
    return parse_batch_policy(raw, field, kind, size_limit=SIZE_LIMIT)


# A batch reads a policy whatever AWS's quota for its kind, up to this many characters of compact JSON.
SIZE_LIMIT = 10**7


# Whole SCP and RCP hierarchies by content and field: an organization's levels repeat in case after case,
# and one key for all of them costs less than one per policy. Only hierarchies read without an error are kept,
# each with its content's `colon_weight`.
_parsed_levels: OrderedDict[tuple[bytes, str], tuple[tuple[tuple[Policy, ...], ...], int]] = OrderedDict()
_LEVEL_ENTRIES = 1024
_NO_LEVELS: tuple[tuple[tuple[Policy, ...], ...], int] = ((), 0)


def weighed_levels(raw: Any, field: str, kind: PolicyKind) -> tuple[tuple[tuple[Policy, ...], ...], int]:
    """The levels of policies (root first) and the `colon_weight` of `raw`."""
    if raw is None:
        return _NO_LEVELS
    if not isinstance(raw, list):
        raise InputError(f"{field} must be a list of levels (root, OUs, account), each a list of policies")
    if not raw:
        return _NO_LEVELS
    content = packed_key(raw)
    key = (content, field) if content is not None else None
    if key is not None:
        found = _parsed_levels.get(key)
        if found is not None:
            _parsed_levels.move_to_end(key)
            return found
    levels = []
    for index, level in enumerate(raw):
        if isinstance(level, dict):
            level = [level]  # a level given as a single policy
        if not isinstance(level, list):
            raise InputError(f"{field}[{index}] must be a list of policies")
        levels.append(tuple(_policy(p, f"{field}[{index}][{j}]", kind) for j, p in enumerate(level)))
    parsed = (tuple(levels), colon_weight(raw))
    if key is not None:
        _parsed_levels[key] = parsed
        if len(_parsed_levels) > _LEVEL_ENTRIES:
            _parsed_levels.popitem(last=False)
    return parsed


_KNOWN_FIELDS = frozenset(CASE_FIELDS + IGNORED_FIELDS)
_IDENTITY_NAMES = tuple(f"identity_policies[{i}]" for i in range(16))


def _identity_name(index: int) -> str:
    return _IDENTITY_NAMES[index] if index < len(_IDENTITY_NAMES) else f"identity_policies[{index}]"


def _context_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _string(case: dict[str, Any], field: str, required: bool = True) -> str | None:
    value = case.get(field)
    if value is None:
        if required:
            raise InputError(f"the case has no {field!r}")
        return None
    if not isinstance(value, str):
        raise InputError(f"{field} must be a string")
    return value


def case_to_request(case: dict[str, Any]) -> tuple[Request, PolicySet]:
    request, policies, _weight = weighed_case(case)
    return request, policies


def weighed_case(case: dict[str, Any]) -> tuple[Request, PolicySet, int]:
    """The request, its policies and the case's `colon_weight` (what proves its line had no duplicate key)."""
    if not case.keys() <= _KNOWN_FIELDS:
        key = next(k for k in case if k not in _KNOWN_FIELDS)
        guess = did_you_mean(key, CASE_FIELDS)
        raise InputError(f"unknown field {key!r}" + (f"; did you mean {guess!r}?" if guess else ""))
    principal = _string(case, "principal")
    action = _string(case, "action")
    resource = _string(case, "resource", required=False)
    assert principal is not None and action is not None
    # Field names hold no colon: each member of the case weighs 1 plus its value's weight. Policies and
    # hierarchies bring theirs from the cache; the strings, the context and the other fields are counted here.
    weight = len(case) + principal.count(":") + action.count(":")
    if resource:
        weight += resource.count(":")
    for field in case.keys() - _COUNTED_FIELDS:  # the id, labels, restrict_public_buckets: any JSON value
        value = case[field]
        weight += value.count(":") if type(value) is str else colon_weight(value)
    context, context_weight = weighed_context(case.get("context"))
    identity, identity_weight = weighed_identity_policies(case.get("identity_policies"))
    resource_policy, resource_weight = weighed_resource_policy(case.get("resource_policy"), action)
    boundary, boundary_weight = weighed_optional_policy(
        case.get("permissions_boundary"), "permissions_boundary", PolicyKind.BOUNDARY
    )
    session, session_weight = weighed_optional_policy(case.get("session_policy"), "session_policy", PolicyKind.SESSION)
    scps, scps_weight = weighed_levels(case.get("scps"), "scps", PolicyKind.SCP)
    rcps, rcps_weight = weighed_levels(case.get("rcps"), "rcps", PolicyKind.RCP)
    weight += (
        context_weight + identity_weight + resource_weight + boundary_weight + session_weight + scps_weight
        + rcps_weight
    )
    policies = policy_set(
        identity, resource_policy, boundary, session, scps, rcps, bool(case.get("restrict_public_buckets", False))
    )
    account = _string(case, "resource_account", required=False)  # (checked last, as it always was)
    if account:
        weight += account.count(":")
    return request(principal, action, resource, account, context), policies, weight


# The parts of a case, each with its `colon_weight`; each raises InputError as `weighed_case` words it. A
# batch line decided from its text (checker/aws/batch_lines.py) reads its parts with these same functions.

def weighed_context(raw: Any) -> tuple[dict[str, Any], int]:
    """The `context` field (absent, null or empty: no keys)."""
    context = raw or {}
    if not isinstance(context, dict):
        raise InputError("context must be an object of condition keys")
    weight = len(context)
    for key, value in context.items():
        # (plain loops: a generator per key cost a batch more than the check is worth)
        weight += key.count(":")
        if type(value) is str:
            weight += value.count(":")
        elif isinstance(value, dict) or (isinstance(value, list) and not all(_context_scalar(v) for v in value)):
            raise InputError(f"context key {key!r} must be a string, number, boolean or a list of those")
        elif type(value) is list:
            weight += colon_weight(value)
    return context, weight


def weighed_identity_policies(raw: Any, measured: bool = True) -> tuple[list[Policy], int]:
    """The `identity_policies` field (absent, null or empty: none); `measured` as for `weighed_policy`."""
    items = raw or []
    if not isinstance(items, list):
        raise InputError("identity_policies must be a list of policies")
    identity = []
    weight = 0
    for index, item in enumerate(items):
        policy, policy_weight = weighed_policy(item, _identity_name(index), PolicyKind.IDENTITY, measured)
        identity.append(policy)
        weight += policy_weight
    return identity, weight


def weighed_resource_policy(raw: Any, action: str) -> tuple[Policy | None, int]:
    """The `resource_policy` field: read as the role's trust policy for every action authorized against one."""
    if raw is None:
        return None, 0
    return weighed_policy(raw, "resource_policy", resource_policy_kind(action))


def resource_policy_kind(action: str) -> PolicyKind:
    return PolicyKind.TRUST if is_trust_action(action.lower()) else PolicyKind.RESOURCE


def weighed_optional_policy(raw: Any, field: str, kind: PolicyKind) -> tuple[Policy | None, int]:
    """`permissions_boundary` or `session_policy`: null or absent is none."""
    if raw is None:
        return None, 0
    return weighed_policy(raw, field, kind)


def policy_set(
    identity: list[Policy], resource: Policy | None, boundary: Policy | None, session: Policy | None,
    scps: tuple[tuple[Policy, ...], ...], rcps: tuple[tuple[Policy, ...], ...], restrict_public_buckets: bool,
) -> PolicySet:
    # Built as Policy is (checker/aws/policy.py): every field, without the frozen dataclass's __init__, which
    # sets each through object.__setattr__ (a batch builds one per case).
    policies = object.__new__(PolicySet)
    policies.__dict__.update(
        identity=identity,
        resource=resource,
        boundary=boundary,
        session=session,
        scps=scps,
        rcps=rcps,
        restrict_public_buckets=restrict_public_buckets,
    )
    return policies


def request(principal: str, action: str, resource: str | None, account: str | None, context: dict[str, Any]) -> Request:
    """The request of a case (an empty or absent resource is `*`), built as `policy_set` builds its policies."""
    built = object.__new__(Request)
    built.__dict__.update(
        principal=principal, action=action, resource=resource or "*", resource_account=account, context=context
    )
    return built


# The fields `weighed_case` weighs one by one (the policies with their parse); the others are weighed whole.
_COUNTED_FIELDS = frozenset(
    ("principal", "action", "resource", "resource_account", "context", "identity_policies", "resource_policy",
     "permissions_boundary", "session_policy", "scps", "rcps")
)


def decide_case(case: dict[str, Any], explain: bool) -> dict[str, Any]:
    return decide_weighed_case(case, explain)[0]


def decide_weighed_case(case: dict[str, Any], explain: bool) -> tuple[dict[str, Any], int]:
    """`decide_case`, and the case's `colon_weight`: with it `simulate` proves that the line it decoded without
    the duplicate-key hook had no duplicate key (checker/core/source.py, `json_data_unproved`)."""
    built, policies, weight = weighed_case(case)
    return answer(built, policies, case.get("id"), explain), weight


def answer(built: Request, policies: PolicySet, case_id: Any, explain: bool) -> dict[str, Any]:
    """A case's answer line: its id and the decision, with the reasons and warnings when asked."""
    decision = evaluate(built, policies, explain=explain)
    result: dict[str, Any] = {"id": case_id, "decision": decision.kind.value}
    if explain:
        result["explain"] = decision.to_json()
        warnings = request_warnings(built, policies)
        if warnings:
            result["explain"]["warnings"] = warnings
    return result


def request_warnings(request: Request, policies: PolicySet) -> list[str]:
    """Catalog warnings a learner should see next to a decision: typos silently change the answer."""
    from checker.aws import catalog
    from checker.aws.analyze.findings import catalog_findings

    warnings = []
    if ":" in request.action and catalog.action_info(request.action) is None:
        guess = catalog.suggest_action(request.action)
        warnings.append(
            f"the request's action {request.action!r} is not in the catalog"
            + (f"; did you mean {guess!r}?" if guess else "")
        )
    if request.principal.startswith("arn:") and ":federated-user/" in request.principal and policies.session is None:
        warnings.append(
            "the caller is a federated user session (GetFederationToken) and session_policy is empty: no policy "
            "was passed, so the IAM user's policies grant this session nothing"
        )
    for policy in policies.all_policies():
        for finding in catalog_findings(policy):
            where = finding.where.pointer if finding.where else ""
            warnings.append(f"{policy.name} {where}: {finding.message}" + (f" ({finding.hint})" if finding.hint else ""))
    return warnings


def line_decider() -> Callable[[str, bool], dict[str, Any] | None]:
    """`simulate`'s reader of a batch line from its text (checker/aws/batch_lines.py): the answer, or None when
    the line must be decoded and decided as `decide_case` is given it."""
    from checker.aws.batch_lines import decide_line

    return decide_line
