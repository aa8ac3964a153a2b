"""`separation`: duties that must stay apart are never held by one identity (separation of duties).

A duty is a set of actions (publish an image: ecr:PutImage...). An identity holds a duty when it is allowed
at least one of them on some resource under some context. That is decided by the prover, not sampled: the
identity holds none of the duty's actions exactly when everything it is allowed lies within "every action
but these" (`within.prove`), and otherwise the prover's counterexample is a request of the duty the
identity can make. For each identity and each pair in `apart`, the check is one case that fails when the
identity holds both duties, naming one request of each. An engine that can answer "can this identity make
a request of these operations" exactly without a search offers `holds` (Azure), and the prover is asked
only when it declines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.core.engine import WithinResult, WithinStatus
from checker.core.findings import Counterexample
from checker.grading.checks.base import Outcome, ParseContext, RunContext, describe_context
from checker.grading.checks.within import prove
from checker.grading.located import Node

KIND = "separation"
FIELDS = frozenset({"identities", "duties", "apart"})


@dataclass(frozen=True)
class SeparationBody:
    identities: tuple[str, ...]
    duties: dict[str, tuple[str, ...]]  # duty name -> its actions
    apart: tuple[tuple[str, str], ...]


def parse(node: Node, where: ParseContext) -> SeparationBody:
    if node.has("identities"):
        identities = tuple(_texts(node.field("identities"), "identities"))
    elif where.identity is not None:
        identities = (where.identity,)
    else:
        raise node.error("a separation check needs `identities`: the identities whose duties are compared")
    duties: dict[str, tuple[str, ...]] = {}
    for name, actions in node.field("duties").entries():
        listed = tuple(_texts(actions, f"duty {name!r}"))
        if not listed:
            raise actions.error(f"duty {name!r} lists no actions")
        duties[name] = listed
    pairs: list[tuple[str, str]] = []
    for pair in node.field("apart").items():
        names = _texts(pair, "each entry of apart")
        if len(names) != 2 or names[0] == names[1]:
            raise pair.error("each entry of apart names two different duties: [duty, duty]")
        for name in names:
            if name not in duties:
                raise pair.error(f"apart names duty {name!r}, which `duties` does not define", f"duties: {', '.join(duties)}")
        pairs.append((names[0], names[1]))
    if not pairs:
        raise node.field("apart").error("apart must list at least one pair of duties")
    return SeparationBody(identities, duties, tuple(pairs))


def _texts(node: Node, what: str) -> list[str]:
    node.expect(list)
    values = [item.value for item in node.items()]
    if not all(isinstance(value, str) and value for value in values):
        raise node.error(f"{what} must be a list of non-empty text")
    return [str(value) for value in values]


def run(body: SeparationBody, context: RunContext) -> Outcome:
    outcome = Outcome(total_cases=len(body.identities) * len(body.apart))
    for identity in body.identities:
        focused = context.about(identity)
        held = {name: _holds(focused, actions, identity) for name, actions in body.duties.items()}
        failures = [_both(identity, first, held[first], second, held[second]) for first, second in body.apart]
        for failure, example in (f for f in failures if f is not None):
            outcome.failed.append(failure)
            outcome.counterexample = outcome.counterexample or example
        if not any(failures):
            outcome.passed_notes.append(f"{identity} holds no two duties that must stay apart")
    return outcome


def _both(identity: str, first: str, one: Held, second: str, other: Held) -> tuple[str, Counterexample | None] | None:
    """The failure when the identity holds both duties (or one of them cannot be decided), else None."""
    if one is None or other is None:
        return None
    if isinstance(one, str) or isinstance(other, str):
        reason = one if isinstance(one, str) else other
        return (
            f"the checker could not decide whether {identity} can both {first} and {second} ({reason}), so this "
            "check cannot pass; write the policy with plain actions and resources",
            None,
        )
    return f"{identity} can both {first} ({_words(one)}) and {second} ({_words(other)})", other


# A duty an identity holds: a request of it the identity can make; None when proved it can make none; or why
# the prover could not decide.
Held = Counterexample | str | None


def _holds(context: RunContext, actions: tuple[str, ...], identity: str) -> Held:
    # An engine may answer exactly without a search (Azure: named operations, checker/azure/duties.py).
    direct = getattr(context.engine, "holds", None)
    found: WithinResult | None = direct(context.submission, actions) if direct is not None else None
    result = found if found is not None else prove(context, _everything_but(context.cloud, actions, identity))
    if result.status is WithinStatus.PROVED:
        return None
    if result.status is WithinStatus.UNKNOWN or not result.counterexamples:
        return result.reason or "a construct could not be decided"
    return result.counterexamples[0]


def _everything_but(cloud: str, actions: tuple[str, ...], identity: str) -> Any:
    """The envelope "every action except the duty's" in the cloud's own terms."""
    if cloud == "aws":
        return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": list(actions), "Resource": "*"}]}
    if cloud == "gcp":
        # A GCP role cannot say "every permission but these"; the question is asked about the duty's permissions
        # alone with nothing allowed (checker/gcp/question.py): its counterexample is a request of the duty.
        return {"permissions": list(actions), "bindings": []}
    if cloud == "azure":
        # A role with every operation but the duty's, assigned to the identity at the root scope "/". `*` in
        # Actions never grants a data action, so DataActions says `*` too; a duty operation listed on the
        # other plane's side removes nothing there (control and data operations never share a name).
        everything_but = {"actions": ["*"], "notActions": list(actions),
                          "dataActions": ["*"], "notDataActions": list(actions)}
        role = {"name": "every-operation-but-the-duty", "roleName": "every operation but the duty",
                "permissions": [everything_but], "assignableScopes": ["/"]}
        return {"custom_roles": [role],
                "role_assignments": [{"role": "every-operation-but-the-duty", "principalId": identity, "scope": "/"}]}
    raise NotImplementedError(f"separation checks for {cloud} are not written yet")


def _words(example: Counterexample) -> str:
    return f"{example.action} on {example.resource}{describe_context(example.context)}"
