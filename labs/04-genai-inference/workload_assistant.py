"""Lab 04 live check: the support assistant's model calls, run under the learner's application role.

Each call goes through the project's enforcer (checker/emulate: the request mapping in
mapping/services/bedrock.py, then the engine) to moto. moto carries out InvokeModel (with an empty answer);
it has no Converse, ConverseStream or InvokeModelWithResponseStream, so those steps are `decision_only`:
the enforcer decides them exactly as it decides InvokeModel, and the decision is what is graded. The
platform baseline (platform-baseline.json) is attached to the role as the lab's own inline policy, so a
call without the guardrail is stopped only by the learner's explicit Deny. The run has no organization:
the SCP's model-family deny is graded offline (check `unapproved-models`), so the rogue models here are
in the approved families. Bedrock API keys are bearer tokens, not SigV4: the enforcer identifies callers
by their access keys, so `no-api-keys` is graded offline only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from checker.emulate.workload import Step, Workload

ACCOUNT = "111122223333"
REGION = "us-east-2"
TITAN = "amazon.titan-text-express-v1"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
PROFILE_ID = f"us.{HAIKU}"
PROFILE = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/{PROFILE_ID}"
GUARDRAIL = "fraudgr01"
GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/{GUARDRAIL}"
# "Supported Regions and models for inference profiles": from US East (Ohio) the US Claude 3 Haiku profile
# "can route requests to us-east-1, us-east-2, or us-west-2".
ROUTES = tuple(f"arn:aws:bedrock:{region}::foundation-model/{HAIKU}" for region in ("us-east-1", "us-east-2", "us-west-2"))

_PROMPT = json.dumps({"inputText": "Why was my card blocked?"})
_MESSAGES = [{"role": "user", "content": [{"text": "Why was my card blocked?"}]}]


def _invoke(model: str, guardrail: str | None = GUARDRAIL, version: str = "3") -> dict[str, Any]:
    params: dict[str, Any] = {"modelId": model, "body": _PROMPT, "contentType": "application/json"}
    if guardrail is not None:
        params.update(guardrailIdentifier=guardrail, guardrailVersion=version)
    return params


def _converse(model: str, guardrail: str | None = GUARDRAIL, version: str = "3") -> dict[str, Any]:
    params: dict[str, Any] = {"modelId": model, "messages": _MESSAGES}
    if guardrail is not None:
        params["guardrailConfig"] = {"guardrailIdentifier": guardrail, "guardrailVersion": version}
    return params


def _step(title: str, operation: str, params: dict[str, Any], rogue: bool = False) -> Step:
    # moto carries out InvokeModel only; the enforcer decides every other inference call all the same.
    return Step(title, "bedrock-runtime", operation, params, rogue=rogue, decision_only=operation != "InvokeModel")


WORKLOAD = Workload(
    role="fraud-assistant-app",
    account=ACCOUNT,
    region=REGION,
    role_policies=(json.loads((Path(__file__).parent / "platform-baseline.json").read_text()),),
    inference_profiles={PROFILE: ROUTES},
    steps=(
        _step("answer with Titan Text Express through the guardrail", "InvokeModel", _invoke(TITAN)),
        _step("chat with Titan Text Express (Converse) through the guardrail", "Converse", _converse(TITAN)),
        _step("stream Titan's answer through the guardrail", "InvokeModelWithResponseStream", _invoke(TITAN)),
        _step("answer with Claude 3 Haiku through the US profile", "InvokeModel", _invoke(PROFILE_ID, GUARDRAIL_ARN)),
        _step("chat with Claude 3 Haiku (Converse) through the profile ARN", "Converse", _converse(PROFILE)),
        _step("stream a Claude 3 Haiku chat (ConverseStream)", "ConverseStream", _converse(PROFILE_ID)),
        _step("call Titan without any guardrail", "InvokeModel", _invoke(TITAN, None), rogue=True),
        _step("chat with Titan under guardrail version 2", "Converse", _converse(TITAN, version="2"), rogue=True),
        _step(
            "stream Claude 3 Haiku under a permissive guardrail",
            "ConverseStream",
            _converse(PROFILE_ID, "permissive01", "1"),
            rogue=True,
        ),
        _step(
            "call Claude 3 Opus (a model nobody approved)",
            "InvokeModel",
            _invoke("anthropic.claude-3-opus-20240229-v1:0"),
            rogue=True,
        ),
        _step("call Titan Text Premier (a model nobody approved)", "Converse", _converse("amazon.titan-text-premier-v1:0"), rogue=True),
        _step("call Claude 3 Haiku directly, around the inference profile", "InvokeModel", _invoke(HAIKU), rogue=True),
    ),
)
