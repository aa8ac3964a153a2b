"""One request through Azure Resource Manager's two gates: RBAC (who), then Azure Policy (what).

RBAC decides whether the caller may call the operation at all (checker.azure.evaluate). A create or
update it allows is then evaluated by the Azure Policy assignments at the target's scope or above: a
matching `deny` policy refuses it, whoever the caller is ("Azure Policy definitions deny effect": the
request fails with a 403 RequestDisallowedByPolicy). Only a request that carries its `payload` (the
resource body: location, tags, ...) is evaluated by policies: a read has no payload to judge.
"""

from __future__ import annotations

from checker.azure.evaluate import decide
from checker.azure.model import AzureModel
from checker.azure.policy import blocking
from checker.azure.request import Request
from checker.core.decision import Decision, DecisionKind, Reason


def decide_with_policies(model: AzureModel, request: Request) -> Decision:
    decision = decide(model, request)
    if not decision.allowed or request.payload is None or not model.policies:
        return decision
    policy = blocking(model.policies, model.groups, request.scope, request.payload)
    if policy is None:
        return decision
    detail = (f"the Azure Policy assignment {policy.name!r} at {policy.scope.raw} denies this payload "
              f"({_payload_text(request)}): RequestDisallowedByPolicy, whatever role the caller holds")
    reasons = (*decision.reasons, Reason(f"policy assignment {policy.name}", None, "deny", detail))
    return Decision(DecisionKind.EXPLICIT_DENY, f"Azure Policy {policy.name!r} denies {request.action}", reasons)


def _payload_text(request: Request) -> str:
    assert request.payload is not None
    return ", ".join(f"{key} = {value!r}" for key, value in sorted(request.payload.items()))
