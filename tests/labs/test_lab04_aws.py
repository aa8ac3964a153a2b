"""Lab 04, AWS: realistic wrong answers fail exactly the checks that name their mistake, and right answers
written differently still score full marks. The Bedrock rules behind each case are in docs/bedrock.md."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from checker.aws.evaluate import PolicySet, evaluate
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.aws.request import Request
from checker.core.decision import DecisionKind
from checker.grading.runner import grade
from checker.grading.spec import load_lab
from tests.labs.answers import Doc, failing, grade_changed, statement

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "labs" / "04-genai-inference"
SOLUTION = REPO / "solutions" / "04-genai-inference" / "aws"
STARTER = LAB / ".starter" / "aws"
Change = Callable[..., None]  # (permissions, agent trust, lambda permissions) -> None

GUARDRAIL = "arn:aws:bedrock:us-east-2:111122223333:guardrail/fraudgr01:3"
TITAN = "arn:aws:bedrock:us-east-2::foundation-model/amazon.titan-text-express-v1"
PROFILE = "arn:aws:bedrock:us-east-2:111122223333:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::111122223333:role/fraud-assistant-app"
CASES = "arn:aws:dynamodb:us-east-2:111122223333:table/fraud-cases"
AGENT = "arn:aws:bedrock:us-east-2:111122223333:agent/FRAUDAGNT1"


def submit(tmp_path: Path, change: Callable[..., None]) -> dict[str, Any]:
    """Copy the reference answer, apply one change, grade it; return {check id: result, "result": ...}."""
    names = ("permissions-policy.json", "agent-trust-policy.json", "lambda-permissions.json")
    return grade_changed(LAB, SOLUTION, names, change, tmp_path)


def drop(policy: Doc, sid: str) -> None:
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != sid]


# (name, change, checks that must fail, text the first failing check's counterexample must show or None)
WRONG: list[tuple[str, Change, set[str], str | None]] = [
    (
        # Bedrock, "Prerequisites for inference profiles": "When you specify an inference profile in the
        # Resource field in the first statement, you must also specify the foundation model in each Region
        # associated with it."
        "profile ARN without its underlying foundation models",
        lambda p, t, *_: drop(p, "ModelsTheProfileRoutesTo"),
        {"invokes-approved-models", "live-assistant"},
        None,
    ),
    (
        # Bedrock, "Supported Regions and models for inference profiles": from US East (Ohio) the US Claude 3
        # Haiku profile "can route requests to us-east-1, us-east-2, or us-west-2".
        "underlying model only in the source Region",
        lambda p, t, *_: statement(p, "ModelsTheProfileRoutesTo").update(
            Resource=f"arn:aws:bedrock:us-east-2::foundation-model/{HAIKU}"
        ),
        {"invokes-approved-models", "live-assistant"},
        None,
    ),
    (
        # IAM has no bedrock:Converse action; ConverseStream is authorized as InvokeModelWithResponseStream.
        "bedrock:InvokeModel only: streaming and ConverseStream break",
        lambda p, t, *_: [s.update(Action="bedrock:InvokeModel") for s in p["Statement"][:2]] and None,
        {"invokes-approved-models", "live-assistant"},
        None,
    ),
    (
        "underlying models reachable without the profile (no bedrock:InferenceProfileArn condition)",
        lambda p, t, *_: statement(p, "ModelsTheProfileRoutesTo")["Condition"]["StringEquals"].pop(
            "bedrock:InferenceProfileArn"
        )
        and None,
        {"least-privilege", "live-assistant", "unapproved-models"},
        HAIKU,
    ),
    (
        "every Anthropic model instead of the one approved",
        lambda p, t, *_: statement(p, "ModelsTheProfileRoutesTo").update(
            Resource="arn:aws:bedrock:*::foundation-model/anthropic.*"
        ),
        {"least-privilege", "unapproved-models"},
        "anthropic",
    ),
    (
        # Bedrock, "Enforce the use of specific guardrails": the explicit deny "keeps the user request from
        # calling the listed actions with any other GuardrailIdentifier ... no matter what other permissions
        # the user might have". The platform baseline is such another permission.
        "guardrail only as a condition on the Allow, no Deny",
        lambda p, t, *_: drop(p, "DenyInferenceWithoutTheTeamGuardrail"),
        {"guardrail-enforced", "live-assistant", "least-privilege"},
        "amazon.titan-text-express-v1",
    ),
    (
        # IAM, "Condition operators": a Null condition with false matches only when the key is present.
        "Deny only when a guardrail is given and differs (Null false)",
        lambda p, t, *_: statement(p, "DenyInferenceWithoutTheTeamGuardrail")["Condition"].update(
            Null={"bedrock:GuardrailIdentifier": "false"}
        ),
        {"guardrail-enforced", "live-assistant", "least-privilege"},
        "amazon.titan-text-express-v1",
    ),
    (
        "any version of the guardrail (StringNotLike ...:*)",
        lambda p, t, *_: statement(p, "DenyInferenceWithoutTheTeamGuardrail").update(
            Condition={"StringNotLike": {"bedrock:GuardrailIdentifier": GUARDRAIL.rsplit(":", 1)[0] + ":*"}}
        ),
        {"guardrail-enforced", "live-assistant", "least-privilege"},
        "fraudgr01",
    ),
    (
        "guardrail Deny on InvokeModel only: streaming escapes it",
        lambda p, t, *_: statement(p, "DenyInferenceWithoutTheTeamGuardrail").update(Action="bedrock:InvokeModel"),
        {"guardrail-enforced", "least-privilege"},
        "bedrock:InvokeModelWithResponseStream",
    ),
    (
        "bedrock:* kept next to the right statements",
        lambda p, t, *_: p["Statement"].append({"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}),
        {"least-privilege", "live-assistant", "unapproved-models", "no-model-access-management"},
        "bedrock:",
    ),
    (
        "API keys allowed (bedrock:CallWithBearerToken) instead of denied",
        lambda p, t, *_: statement(p, "DenyBedrockApiKeys").update(Effect="Allow"),
        {"no-api-keys", "least-privilege"},
        "bedrock:CallWithBearerToken",
    ),
    (
        "Marketplace subscriptions \"so model access works\"",
        lambda p, t, *_: p["Statement"].append(
            {"Effect": "Allow", "Action": ["aws-marketplace:Subscribe", "aws-marketplace:ViewSubscriptions"], "Resource": "*"}
        ),
        {"no-model-access-management", "least-privilege"},
        "aws-marketplace:",
    ),
    (
        "model access management (bedrock:PutFoundationModelEntitlement)",
        lambda p, t, *_: p["Statement"].append(
            {"Effect": "Allow", "Action": "bedrock:PutFoundationModelEntitlement", "Resource": "*"}
        ),
        {"no-model-access-management", "least-privilege"},
        "bedrock:PutFoundationModelEntitlement",
    ),
    (
        "agent trust with aws:SourceAccount only",
        lambda p, t, *_: t["Statement"][0]["Condition"].pop("ArnLike") and None,
        {"only-this-agent-assumes"},
        None,
    ),
    (
        "agent trust for every agent of the account (agent/*)",
        lambda p, t, *_: t["Statement"][0]["Condition"]["ArnLike"].update(
            {"aws:SourceArn": "arn:aws:bedrock:us-east-2:111122223333:agent/*"}
        ),
        {"only-this-agent-assumes"},
        None,
    ),
    (
        "agent trust without conditions",
        lambda p, t, *_: t["Statement"][0].pop("Condition") and None,
        {"only-this-agent-assumes"},
        None,
    ),
    (
        "agent trust also lets the account root in",
        lambda p, t, *_: t["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}
        ),
        {"only-this-agent-assumes"},
        None,
    ),
    (
        # IAM, "Condition operators": "...IfExists ... If the key is not present in the request context, the
        # condition evaluates to true": a caller that sends no aws:SourceArn passes the condition.
        "agent trust with StringEqualsIfExists on aws:SourceArn",
        lambda p, t, *_: t["Statement"][0].update(
            Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}, "StringEqualsIfExists": {"aws:SourceArn": AGENT}}
        ),
        {"only-this-agent-assumes"},
        None,
    ),
    (
        # A glob on the agent id also matches agent FRAUDAGNT10, FRAUDAGNT1X, ...
        "agent trust with ArnLike agent/FRAUDAGNT1*",
        lambda p, t, *_: t["Statement"][0]["Condition"]["ArnLike"].update({"aws:SourceArn": AGENT + "*"}),
        {"only-this-agent-assumes"},
        None,
    ),
    (
        "action-group Lambda with dynamodb:* on the case table",
        lambda p, t, lam: statement(lam, "LookUpACaseById").update(Action="dynamodb:*"),
        {"agent-lambda-least-privilege", "live-case-lookup"},
        "dynamodb:",
    ),
    (
        "action-group Lambda reads every table of the account (table/*)",
        lambda p, t, lam: statement(lam, "LookUpACaseById").update(
            Resource="arn:aws:dynamodb:us-east-2:111122223333:table/*"
        ),
        {"agent-lambda-least-privilege", "live-case-lookup"},
        "arn:aws:dynamodb:us-east-2:111122223333:table/",
    ),
    (
        # A Scan reads every customer's cases: the lookup never needs it.
        "action-group Lambda may Scan the case table",
        lambda p, t, lam: statement(lam, "LookUpACaseById").update(
            Action=["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
        ),
        {"agent-lambda-least-privilege", "live-case-lookup"},
        "dynamodb:Scan",
    ),
    (
        "action-group Lambda with the read-only managed policy's actions on every resource",
        lambda p, t, lam: lam.update(
            Statement=[
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem",
                               "dynamodb:Query", "dynamodb:Scan"],
                    "Resource": "*",
                }
            ]
        ),
        {"agent-lambda-least-privilege", "live-case-lookup"},
        "dynamodb:",
    ),
    (
        "action-group Lambda without the by-customer index",
        lambda p, t, lam: drop(lam, "ListACustomersCases"),
        {"agent-lambda-reads-cases", "live-case-lookup"},
        None,
    ),
    (
        # A table's indexes are their own resources: "arn:aws:dynamodb:region:account:table/name/index/name".
        "action-group Lambda's Query only on the table, not its index",
        lambda p, t, lam: statement(lam, "ListACustomersCases").update(Resource=CASES),
        {"agent-lambda-reads-cases", "live-case-lookup"},
        None,
    ),
    (
        "the case reads put on the application role instead of the Lambda's",
        lambda p, t, lam: p["Statement"].append(lam["Statement"].pop(0)),
        {"least-privilege", "live-case-lookup", "agent-lambda-reads-cases"},
        "dynamodb:",
    ),
]


@pytest.mark.parametrize(("change", "expected", "shows"), [w[1:] for w in WRONG], ids=[w[0] for w in WRONG])
def test_wrong_answer_fails_exactly_its_checks(
    tmp_path: Path, change: Change, expected: set[str], shows: str | None
) -> None:
    outcome = submit(tmp_path, change)
    assert failing(outcome) == expected
    assert not outcome["result"].passed
    if shows is not None:
        shown = [json.dumps(outcome[check].counterexample.__dict__) for check in expected if outcome[check].counterexample]
        assert any(shows in text for text in shown), shown


RIGHT: list[tuple[str, Change]] = [
    # IAM, "Condition operators": "...IfExists ... If the key is not present, the condition evaluates to
    # true", so a Deny with StringNotEqualsIfExists still denies requests without a guardrail.
    (
        "StringNotEqualsIfExists in the Deny",
        lambda p, t, *_: statement(p, "DenyInferenceWithoutTheTeamGuardrail").update(
            Condition={"StringNotEqualsIfExists": {"bedrock:GuardrailIdentifier": GUARDRAIL}}
        ),
    ),
    (
        "no guardrail condition on the Allows: the Deny does the work",
        lambda p, t, *_: [s.pop("Condition") for s in p["Statement"][:1]]
        and statement(p, "ModelsTheProfileRoutesTo")["Condition"]["StringEquals"].pop("bedrock:GuardrailIdentifier")
        and None,
    ),
    ("Titan left to the platform baseline", lambda p, t, *_: statement(p, "InvokeTheTwoApprovedModels").update(Resource=PROFILE)),
    (
        "one statement per action, no Sids, actions in another case",
        lambda p, t, *_: p.update(
            Statement=[
                {**{k: v for k, v in s.items() if k not in ("Sid", "Action")}, "Action": action.upper()}
                for s in copy.deepcopy(p["Statement"])
                for action in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
            ]
        ),
    ),
    # Bedrock, "Prerequisites for inference profiles" writes the actions as "bedrock:InvokeModel*"; in the
    # catalog that is exactly InvokeModel and InvokeModelWithResponseStream.
    (
        "bedrock:InvokeModel* as the AWS page writes it",
        lambda p, t, *_: [s.update(Action="bedrock:InvokeModel*") for s in p["Statement"][:3]] and None,
    ),
    (
        "API-key Deny also naming the bearer token types",
        lambda p, t, *_: statement(p, "DenyBedrockApiKeys").update(
            Condition={"StringLike": {"bedrock:BearerTokenType": "*"}}
        )
        and None,
    ),
    (
        "action-group Lambda also allowed BatchGetItem on the case table and Query on every index of it",
        lambda p, t, lam: statement(lam, "LookUpACaseById").update(
            Action=["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"]
        )
        or statement(lam, "ListACustomersCases").update(Resource=CASES + "/index/*"),
    ),
    (
        "action-group Lambda with an explicit Deny on writes and Scan",
        lambda p, t, lam: lam["Statement"].append(
            {"Effect": "Deny", "Action": ["dynamodb:Scan", "dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": "*"}
        ),
    ),
    (
        "agent trust with ArnEquals on the agent alone",
        lambda p, t, *_: t["Statement"][0].update(
            Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:bedrock:us-east-2:111122223333:agent/FRAUDAGNT1"}}
        ),
    ),
]


@pytest.mark.parametrize("change", [r[1] for r in RIGHT], ids=[r[0] for r in RIGHT])
def test_right_answer_written_differently_scores_full_marks(tmp_path: Path, change: Change) -> None:
    outcome = submit(tmp_path, change)
    result = outcome["result"]
    assert failing(outcome) == set(), {c.id: c.message for c in result.checks if not c.passed}
    assert result.score == result.max_score


def _decide(permissions: Path, action: str, resource: str, context: dict[str, str]) -> DecisionKind:
    """One request through the documented evaluation flow, with the lab's SCP and the platform baseline."""

    def load(path: Path, kind: PolicyKind) -> Policy:
        return parse_policy(json.loads(path.read_text()), name=path.name, kind=kind)

    policies = PolicySet(
        identity=(load(permissions, PolicyKind.IDENTITY), load(LAB / "platform-baseline.json", PolicyKind.IDENTITY)),
        scps=((load(LAB / "scp-approved-models.json", PolicyKind.SCP),),),
    )
    request = Request(principal=ROLE, action=action, resource=resource, context=context)
    return evaluate(request, policies).kind


def test_the_guardrail_is_enforced_by_an_explicit_deny_with_and_without_the_key() -> None:
    """Bedrock, "Enforce the use of specific guardrails": the explicit deny holds "no matter what other
    permissions the user might have". IAM, "Condition operators": a negated operator without IfExists
    matches when the key is absent, so the Deny also covers requests that carry no guardrail."""
    solution = SOLUTION / "permissions-policy.json"
    for resource in (TITAN, PROFILE):
        assert _decide(solution, "bedrock:InvokeModel", resource, {"bedrock:GuardrailIdentifier": GUARDRAIL}) is DecisionKind.ALLOW
        assert _decide(solution, "bedrock:InvokeModel", resource, {}) is DecisionKind.EXPLICIT_DENY
        other = {"bedrock:GuardrailIdentifier": GUARDRAIL.replace(":3", ":2")}
        assert _decide(solution, "bedrock:InvokeModel", resource, other) is DecisionKind.EXPLICIT_DENY


def test_the_scp_denies_unapproved_families_even_under_bedrock_star() -> None:
    """AWS Organizations, "Service control policies": an SCP's explicit deny applies to every principal in
    the account, whatever its identity policies allow. The starter grants bedrock:* and still cannot
    call Meta's models, while an approved family stays open to it (the learner's job to narrow)."""
    starter = STARTER / "permissions-policy.json"
    llama = "arn:aws:bedrock:us-east-2::foundation-model/meta.llama3-70b-instruct-v1:0"
    context = {"bedrock:GuardrailIdentifier": GUARDRAIL}
    assert _decide(starter, "bedrock:InvokeModel", llama, context) is DecisionKind.EXPLICIT_DENY
    opus = "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-3-opus-20240229-v1:0"
    assert _decide(starter, "bedrock:InvokeModel", opus, context) is DecisionKind.ALLOW


def test_the_starter_does_not_pass() -> None:
    result = grade(load_lab(LAB), "aws", STARTER)
    assert not result.passed
    assert {c.id for c in result.checks if not c.passed} == {
        "least-privilege",
        "guardrail-enforced",
        "no-api-keys",
        "no-model-access-management",
        "unapproved-models",
        "only-this-agent-assumes",
        "agent-lambda-least-privilege",
        "live-assistant",
        "live-case-lookup",
    }
