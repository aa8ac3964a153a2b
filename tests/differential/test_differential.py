"""Differential test: our AWS evaluator against @cloud-copilot/iam-simulate on a few thousand cases.

Both evaluators decide the same generated cases (tests/differential/generate.py). Every disagreement
fails the test and prints the case, except the few deliberate differences listed in KNOWN_DIFFERENCES:
there, after reading AWS's documentation, we decided the reference evaluator is wrong, and the test
asserts that our engine gives the decision the AWS doc page prescribes instead. Each one is explained
in docs/aws-differences.md.

The reference runs in one node process for all cases. It needs node and `npm ci --prefix
tests/differential` (the Makefile's `unit` target runs it when package-lock.json changes). Without
node the test is skipped; with node but without the package it fails, so CI cannot silently skip it.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from checker.aws.batch import decide_case
from checker.cli.simulate import run_batch
from checker.core.errors import InputError

from .generate import FAMILIES, GeneratedCase, generate
from .reference import DRIVER, HERE, installed_version, node_executable, run_reference

CASE_COUNT = int(os.environ.get("IAMLAB_DIFF_COUNT", "3000"))
SEED = int(os.environ.get("IAMLAB_DIFF_SEED", "20240501"))
SHOW = 5  # disagreements printed in full per family


@dataclass(frozen=True)
class KnownDifference:
    """A deliberate difference: where `applies`, the reference is wrong by the named AWS doc page.

    Our engine must then give AWS's documented answer, which is computed from the reference's answers on
    the case and on `rewrite(case)` (a form of the case the reference decides correctly) by `expected`.
    """

    name: str
    doc: str
    applies: Callable[[GeneratedCase], bool]
    rewrite: Callable[[dict[str, Any]], dict[str, Any]]
    expected: Callable[[str, str], str]  # (reference on the case, reference on the rewrite) -> decision


def _is_session(principal: str) -> bool:
    """A role session or a federated user session (GetFederationToken): both are limited by a session policy."""
    return ":assumed-role/" in principal or ":federated-user/" in principal


def _names_session_directly(generated: GeneratedCase) -> bool:
    case = generated.case
    policy = case.get("resource_policy") or {}
    statements = policy.get("Statement", [])
    return (
        _is_session(case["principal"])
        and case.get("session_policy") is not None
        and any(
            s.get("Effect") == "Allow" and s.get("Principal") == {"AWS": case["principal"]}
            for s in (statements if isinstance(statements, list) else [statements])
        )
    )


def _denies_only(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    denies = [s for s in statements if s.get("Effect") == "Deny"]
    return dict(document, Statement=denies) if denies else None


def _resource_path_only(case: dict[str, Any]) -> dict[str, Any]:
    """The case with every Allow taken out of the identity and session policies.

    Their Denies stay, moved into identity policies: an explicit deny counts wherever it is, while a
    session policy that is present but allows nothing would (wrongly, here) limit the grant.
    """
    sources = [*(case.get("identity_policies") or []), case.get("session_policy")]
    identity = [d for d in (_denies_only(p) for p in sources) if d]
    return dict(case, session_policy=None, identity_policies=identity)


def _session_exception(original: str, resource_path: str) -> str:
    if "explicit_deny" in (original, resource_path):
        return "explicit_deny"
    return "allow" if "allow" in (original, resource_path) else "implicit_deny"


def _statements_of(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    statements = (document or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


NAMING_OPERATORS = {"arnequals", "arnlike", "stringequals", "stringlike", "stringequalsignorecase"}


def _names_by_principal_arn(statement: dict[str, Any]) -> bool:
    """A condition that names its principals with aws:PrincipalArn (a positive string or ARN operator)."""
    condition = statement.get("Condition") or {}
    return any(
        operator.lower().removesuffix("ifexists") in NAMING_OPERATORS
        and any(key.lower() == "aws:principalarn" for key in block)
        for operator, block in condition.items()
    )


def _is_star(statement: dict[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"})


def _is_wildcard_allow(statement: dict[str, Any]) -> bool:
    """A bare `*` grant (not one narrowed by aws:PrincipalArn, which the docs treat on its own)."""
    return _is_star(statement) and not _names_by_principal_arn(statement)


def _limited_caller_granted(case: dict[str, Any], grants: Callable[[dict[str, Any]], bool]) -> bool:
    """Same-account caller limited by a boundary or session policy; a resource-policy statement `grants`."""
    caller_account = case["principal"].split(":")[4] if case["principal"].startswith("arn:") else None
    limited = case.get("permissions_boundary") is not None or case.get("session_policy") is not None
    return (
        limited
        and caller_account == case.get("resource_account")
        and any(grants(s) for s in _statements_of(case.get("resource_policy")))
    )


def _principal_arn_grant_under_limits(generated: GeneratedCase) -> bool:
    """A `*` grant narrowed by aws:PrincipalArn, for a caller with a boundary or session policy."""
    return _limited_caller_granted(generated.case, lambda s: _is_star(s) and _names_by_principal_arn(s))


def _is_root(generated: GeneratedCase) -> bool:
    principal = generated.case["principal"]
    return principal.startswith("arn:aws:iam::") and principal.endswith(":root")


ROOT_FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def _root_as_allow_all(case: dict[str, Any]) -> dict[str, Any]:
    """The root user's full access spelled as an identity policy that allows everything."""
    return dict(case, identity_policies=[*(case.get("identity_policies") or []), ROOT_FULL_ACCESS])


def _federation_without_policy(generated: GeneratedCase) -> bool:
    case = generated.case
    return ":federated-user/" in case["principal"] and case.get("session_policy") is None


def _wildcard_grant_under_limits(generated: GeneratedCase) -> bool:
    """A bare "*" grant, for a caller with a boundary or session policy."""
    return _limited_caller_granted(generated.case, _is_wildcard_allow)


def _wildcard_grant_as_identity(case: dict[str, Any]) -> dict[str, Any]:
    """The "*" grant moved into an identity policy, where the boundary and session policy limit it."""
    statements = _statements_of(case.get("resource_policy"))
    moved = [{k: v for k, v in s.items() if k != "Principal"} for s in statements if _is_wildcard_allow(s)]
    kept = [s for s in statements if not _is_wildcard_allow(s)]
    resource_policy = dict(case["resource_policy"], Statement=kept) if kept else None
    identity = [*(case.get("identity_policies") or []), {"Version": "2012-10-17", "Statement": moved}]
    return dict(case, resource_policy=resource_policy, identity_policies=identity)


def _blocks_public_access(generated: GeneratedCase) -> bool:
    return generated.family == "s3_public" and bool(generated.case.get("restrict_public_buckets"))


def _public_block_is_implicit(original: str, _same: str) -> str:
    # The s3_public family has no Deny statements, so iam-simulate's explicit deny there comes from
    # Block Public Access alone; AWS describes it as ignoring the public grant, which leaves no allow.
    return "implicit_deny" if original == "explicit_deny" else original


def _rewritten_answer(_original: str, rewritten: str) -> str:
    """AWS's answer is the reference's answer on the rewritten case."""
    return rewritten


KNOWN_DIFFERENCES: list[KnownDifference] = [
    KnownDifference(
        name="a federated user session from GetFederationToken without a session policy has no permissions",
        # "In most cases if you do not pass a policy with the GetFederationToken API call, the resulting temporary
        # security credentials have no permissions. However, a resource-based policy can provide additional
        # permissions for the session." iam-simulate grants the IAM user's permissions.
        doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html",
        applies=_federation_without_policy,
        rewrite=_resource_path_only,  # only the resource-based policy (and every Deny) is left to decide
        expected=_rewritten_answer,
    ),
    KnownDifference(
        name="the account root user has full access in its own account",
        # "By default, all requests are implicitly denied with the exception of the AWS account root user, which
        # has full access". iam-simulate gives the root user no permissions of its own.
        doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html",
        applies=_is_root,
        rewrite=_root_as_allow_all,
        expected=_rewritten_answer,
    ),
    KnownDifference(
        name="boundaries and session policies do not limit an aws:PrincipalArn grant to Principal *",
        # "Permissions boundaries and session policies do not limit permissions granted using the aws:PrincipalArn
        # condition key with a wildcard(*) in the Principal element, unless the identity-based policies contain
        # an explicit deny". iam-simulate still limits it by the session policy.
        doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
        applies=_principal_arn_grant_under_limits,
        rewrite=_resource_path_only,
        expected=_session_exception,
    ),
    KnownDifference(
        name="a resource-based policy naming the session ARN is not limited by the session policy",
        doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session",
        applies=_names_session_directly,
        # Allowed when either the ordinary flow (which the reference follows) or the resource-policy grant
        # on its own allows; an explicit deny anywhere still wins.
        rewrite=_resource_path_only,
        expected=_session_exception,
    ),
    KnownDifference(
        name='Principal "*" does not name the caller, so the boundary and session policy still limit the grant',
        # "resource-based policies that grant permissions to an IAM user ARN ... are not limited by ... a
        # permissions boundary"; for sessions only "the ARN of the session" is exempt (policies_session).
        doc="https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html",
        applies=_wildcard_grant_under_limits,
        rewrite=_wildcard_grant_as_identity,
        expected=_rewritten_answer,
    ),
    KnownDifference(
        name="RestrictPublicBuckets makes S3 ignore a public grant: the request is implicitly denied",
        # "restricts access to a bucket with a public policy to only AWS service principals and
        # authorized users within the bucket owner's account": the public statement stops granting; it is
        # not a Deny statement. iam-simulate reports an explicit deny.
        doc="https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        applies=_blocks_public_access,
        rewrite=lambda case: case,
        expected=_public_block_is_implicit,
    ),
]


@dataclass(frozen=True)
class Outcome:
    generated: GeneratedCase
    ours: dict[str, Any]
    theirs: dict[str, Any]
    expected: str | None = None  # AWS's documented answer where a known difference applies

    def show(self) -> str:
        return (
            f"case {self.generated.case['id']} ({self.generated.family}): ours={self.ours} theirs={self.theirs}\n"
            f"{json.dumps(self.generated.case, indent=1)}"
        )


def _decide_ours(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return decide_case(case, False)
    except InputError as exc:
        return {"id": case.get("id"), "error": str(exc)}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    if node_executable() is None:
        pytest.skip("node is not installed; the differential test needs node 20+")
    installed_version()  # raises with install instructions when node is present but the package is not
    generated = generate(CASE_COUNT, SEED)
    extra: list[dict[str, Any]] = []
    for g in generated:
        known = _known(g)
        if known is not None:
            extra.append(dict(known.rewrite(g.case), id=f"{g.case['id']}/rewritten"))
    answers, _seconds = run_reference([g.case for g in generated] + extra)
    rewritten = {a["id"]: a for a in answers[len(generated):]}
    results = []
    for g, theirs in zip(generated, answers[: len(generated)], strict=True):
        known = _known(g)
        expected = None
        if known is not None:
            expected = known.expected(theirs.get("decision", "error"),
                                      rewritten[f"{g.case['id']}/rewritten"].get("decision", "error"))
        results.append(Outcome(g, _decide_ours(g.case), theirs, expected))
    return results


def _known(generated: GeneratedCase) -> KnownDifference | None:
    return next((k for k in KNOWN_DIFFERENCES if k.applies(generated)), None)


def test_reference_decides_every_generated_case(outcomes: list[Outcome]) -> None:
    errors = [o for o in outcomes if "error" in o.theirs]
    assert not errors, "the generator made a case iam-simulate rejects:\n" + "\n".join(
        o.show() for o in errors[:SHOW]
    )


def test_our_engine_decides_every_generated_case(outcomes: list[Outcome]) -> None:
    errors = [o for o in outcomes if "error" in o.ours]
    assert not errors, "our engine rejected a valid case:\n" + "\n".join(o.show() for o in errors[:SHOW])


@pytest.mark.parametrize("family", [name for name, _, _ in FAMILIES])
def test_engines_agree(outcomes: list[Outcome], family: str) -> None:
    disagreements = [
        o
        for o in outcomes
        if o.generated.family == family
        and _known(o.generated) is None
        and "error" not in o.ours
        and "error" not in o.theirs
        and o.ours["decision"] != o.theirs["decision"]
    ]
    total = sum(1 for o in outcomes if o.generated.family == family)
    assert not disagreements, (
        f"{len(disagreements)} of {total} '{family}' cases disagree with iam-simulate; decide who is right "
        "from the AWS docs (docs/aws-differences.md lists the deliberate differences):\n"
        + "\n".join(o.show() for o in disagreements[:SHOW])
    )


def test_known_differences_follow_the_aws_docs(outcomes: list[Outcome]) -> None:
    wrong: list[str] = []
    applied = 0
    for outcome in outcomes:
        known = _known(outcome.generated)
        if known is None:
            continue
        applied += 1
        if outcome.ours.get("decision") != outcome.expected:
            wrong.append(f"[{known.name}; {known.doc}] expected {outcome.expected}\n{outcome.show()}")
    assert applied > 0, "no generated case exercises the known differences; the generator changed"
    assert not wrong, "\n".join(wrong[:SHOW])


def test_every_family_reaches_both_allow_and_deny(outcomes: list[Outcome]) -> None:
    """A family whose cases all decide the same way would compare nothing of interest."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for outcome in outcomes:
        seen[outcome.generated.family][outcome.ours.get("decision", "error")] += 1
    always_allowed = {"caller_identity"}  # sts:GetCallerIdentity is documented to need no permission
    for family, decisions in seen.items():
        if family in always_allowed:
            assert set(decisions) == {"allow"}, (family, decisions)
            continue
        assert decisions["allow"] > 0, (family, decisions)
        assert decisions["implicit_deny"] + decisions["explicit_deny"] > 0, (family, decisions)


def test_generator_is_reproducible() -> None:
    first = [g.case for g in generate(50, 7)]
    assert first == [g.case for g in generate(50, 7)]
    assert first != [g.case for g in generate(50, 8)]


def test_driver_reports_bad_lines_and_keeps_going() -> None:
    node = node_executable()
    if node is None:
        pytest.skip("node is not installed")
    installed_version()
    good = generate(1, 3)[0].case
    unknown_action = dict(good, id="bad-action", action="s3:NoSuchAction")
    lines = ["{not json", json.dumps(unknown_action), json.dumps(good)]
    completed = subprocess.run(
        [node, str(DRIVER)], input="\n".join(lines) + "\n", capture_output=True, text=True, cwd=HERE,
        timeout=60, check=True,
    )
    answers = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [sorted(a) for a in answers] == [["error", "id"], ["error", "id"], ["decision", "id"]]
    assert answers[1]["id"] == "bad-action"
    assert answers[2]["decision"] in {"allow", "explicit_deny", "implicit_deny"}


def test_cli_batch_gives_the_same_decisions_as_decide_case() -> None:
    """`iamlab simulate aws --batch` is the interface other tools call; it must agree with the API."""
    cases = [g.case for g in generate(200, 11)]
    out = io.StringIO()
    code = run_batch((json.dumps(c) for c in cases), "aws", False, out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0
    assert answers == [_decide_ours(c) for c in cases]
