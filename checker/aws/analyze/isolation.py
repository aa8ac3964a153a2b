"""Tenant isolation: can one principal perform any action on any of another tenant's resources?

The principal's permissions are the intersection AWS computes: its identity policies, its permissions
boundary, its session policy, and every SCP level each must allow (one layer each). The other tenant's
resources are a list of accesses (action, resource pattern, optional condition: by prefix, by name, by
`aws:ResourceTag/team`). The question "is there a request every layer allows that is one of those
accesses?" is asked of the prover over all actions and every context; the answer is a proof, a
counterexample (principal, action, resource, context) confirmed by the evaluator, or "unknown" naming the
construct that stopped the proof (never a pass).

The caller's own keys are fixed (aws:PrincipalArn, aws:PrincipalAccount, its principal tags); every
other key, including tags of the resource and of the request, is free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from checker.aws.analyze.compare import everything_except
from checker.aws.analyze.inclusion import PRINCIPAL_KEYS, CallerSetting, Question
from checker.aws.analyze.keys import single_valued_keys
from checker.aws.analyze.recheck import caller_account, delegation, principal_context
from checker.aws.analyze.substitute import substitute
from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy
from checker.aws.request import Request
from checker.core.engine import WithinResult
from checker.core.errors import InputError
from checker.core.findings import Counterexample

ISOLATION_TIMEOUT_MS = 20_000


def reaches(
    policies: PolicySet,
    principal: str,
    tags: Mapping[str, str],
    accesses: Sequence[Mapping[str, Any]],
    *,
    limit: int = 1,
) -> WithinResult:
    """PROVED when no request of `principal` reaching one of `accesses` is allowed by every layer of
    `policies`; else a confirmed COUNTEREXAMPLE or UNKNOWN with the reason."""
    return confined(policies, principal, tags, everything_except(accesses), limit=limit)


def confined(
    policies: PolicySet,
    principal: str,
    tags: Mapping[str, str],
    envelope: Policy,
    *,
    limit: int = 1,
) -> WithinResult:
    """PROVED when everything `principal` may do (every layer of `policies` allows it) the identity-style
    `envelope` allows too; policy variables on the caller's tags are resolved in both."""
    account = caller_account(principal)
    tag_values = {f"aws:principaltag/{key.lower()}": value for key, value in tags.items()}
    target = substitute(envelope, tag_values)
    layers = _layers(policies)
    # Known principal tags are the caller's own: put them in the policies as AWS resolves the variables.
    filled = [[substitute(policy, tag_values) for policy in layer] for layer in layers]
    fixed = {**principal_context(principal), **tag_values}
    tag_context = {f"aws:PrincipalTag/{key}": value for key, value in tags.items()}
    checked = replace(policies, resource=delegation(account))

    def confirm(example: Counterexample) -> bool:
        context = {**dict(example.context), **tag_context}
        request = Request(principal, example.action, example.resource, account, context)
        try:
            inside = evaluate(request, checked).allowed
            outside = evaluate(request, PolicySet(identity=[envelope], resource=delegation(account))).allowed
        except InputError:
            return False
        return inside and not outside

    caller = CallerSetting(
        fixed=fixed,
        absent=tuple(k for k in PRINCIPAL_KEYS if k not in fixed),
        confirm=confirm,
        single_valued=single_valued_keys([p for layer in filled for p in layer] + [target]),
    )
    # A lab grades several of these proofs; "unknown" fails the check, so give the solver room under load.
    question = Question([], [target], principal, ISOLATION_TIMEOUT_MS, caller=caller, layers=filled)
    result = question.differences(limit).as_within()
    examples = tuple(
        Counterexample(e.action, e.resource, {**tag_context, **dict(e.context)}, principal)
        for e in result.counterexamples
    )
    return WithinResult(result.status, examples, result.reason)


def _layers(policies: PolicySet) -> list[list[Policy]]:
    layers: list[list[Policy]] = [list(policies.identity)]
    layers += [[p] for p in (policies.boundary, policies.session) if p is not None]
    layers += [list(level) for level in policies.scps]
    return layers
