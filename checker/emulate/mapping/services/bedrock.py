"""Amazon Bedrock Runtime inference, per "Actions, resources, and condition keys for Amazon Bedrock" and the
Bedrock User Guide pages named below (docs/bedrock.md lists them all).

- IAM has no Converse action: "To deny all inference access to resources that you specify in the modelId
  field, you need to deny access to the bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream
  actions. Doing this also denies access to the resource through the Converse API actions (Converse and
  ConverseStream)" (API reference, InvokeModel). Converse is authorized as bedrock:InvokeModel, ConverseStream
  as bedrock:InvokeModelWithResponseStream.
- `modelId` is an id or an ARN: "If you use a base model, specify the model ID or its ARN. If you use an
  inference profile, specify the inference profile ID or its ARN" (API reference, InvokeModel). A base
  model's ARN has no account (`arn:aws:bedrock:REGION::foundation-model/ID`), a profile's has the caller's.
- A call through an inference profile is authorized on the profile and on the foundation model it routes
  to: "When you specify an inference profile in the Resource field in the first statement, you must also
  specify the foundation model in each Region associated with it" (User Guide, "Prerequisites for inference
  profiles"); the model check carries `bedrock:InferenceProfileArn`. Which Region Bedrock routes one call to
  is its choice, so the emulator checks the model in every Region the profile lists: a policy that misses
  one would fail some of the real calls. The models come from the backend (`inference_profile_models`, what
  GetInferenceProfile answers); an unknown profile is not mapped (fail closed).
- `bedrock:GuardrailIdentifier` is the guardrail's ARN with its numeric version, as "Enforce the use of
  specific guardrails in model inference requests" writes it (`...:guardrail/guardrail-id:1`), built from
  the request's `guardrailIdentifier` (an id or an ARN) and `guardrailVersion` (InvokeModel's headers,
  Converse's `guardrailConfig`). A request without a guardrail carries no key. The key's value for a
  DRAFT version, or an identifier without a version, is not documented, so such a request is not mapped.
- Bedrock API keys (`bedrock:CallWithBearerToken`) are not SigV4: the enforcer identifies callers by their
  access keys only, so a bearer-token call never reaches this mapping (lab 04 grades it offline).
"""

from __future__ import annotations

from typing import Any

from checker.emulate.mapping.call import ApiCall, AuthorizationCheck, UnmappedOperation
from checker.emulate.mapping.rules import Rule, custom, required

_PROFILE_TYPES = (":inference-profile/", ":application-inference-profile/")


def _fail(call: ApiCall, why: str) -> UnmappedOperation:
    return UnmappedOperation(call.service, call.operation, why)


def _profile_arn(call: ApiCall, model_id: str) -> str:
    return f"arn:{call.partition}:bedrock:{call.region}:{call.account}:inference-profile/{model_id}"


def model_resources(call: ApiCall) -> tuple[str, tuple[str, ...]]:
    """The ARN the call names, and when it is an inference profile the model ARNs it routes to."""
    model_id = required(call, "modelId")
    if model_id.startswith("arn:"):
        if not model_id.startswith(f"arn:{call.partition}:bedrock:"):
            raise _fail(call, f"modelId {model_id!r} is not a Bedrock ARN")
        if not any(kind in model_id for kind in _PROFILE_TYPES):
            return model_id, ()
        arn = model_id
    else:
        arn = _profile_arn(call, model_id)
        if call.lookups.inference_profile_models(arn) is None:
            if model_id.split(":", 1)[0].count(".") >= 2:  # geo.provider.model: a profile id, never a base model's
                raise _fail(call, f"modelId {model_id!r} names an inference profile the backend does not know")
            return f"arn:{call.partition}:bedrock:{call.region}::foundation-model/{model_id}", ()
    models = call.lookups.inference_profile_models(arn)
    if not models:
        raise _fail(call, f"the models of the inference profile {arn} are not known to the backend")
    return arn, models


def _guardrail_value(call: ApiCall, identifier: Any, version: Any) -> str | None:
    if identifier in (None, ""):
        return None
    text = str(identifier)
    if not text.startswith("arn:"):
        text = f"arn:{call.partition}:bedrock:{call.region}:{call.account}:guardrail/{text}"
    if version is None or not str(version).isdigit():
        raise _fail(
            call,
            f"the guardrail version {version!r} is not a number, and the value bedrock:GuardrailIdentifier takes "
            "for it is not documented",
        )
    return f"{text}:{version}"


def _invoke_guardrail(call: ApiCall) -> str | None:
    return _guardrail_value(call, call.params.get("guardrailIdentifier"), call.params.get("guardrailVersion"))


def _converse_guardrail(call: ApiCall) -> str | None:
    config = call.params.get("guardrailConfig")
    if not isinstance(config, dict):
        return None
    return _guardrail_value(call, config.get("guardrailIdentifier"), config.get("guardrailVersion"))


def _inference(action: str, guardrail: Any) -> Rule:
    def expand(call: ApiCall) -> list[AuthorizationCheck]:
        arn, models = model_resources(call)
        context: dict[str, Any] = {}
        value = guardrail(call)
        if value is not None:
            context["bedrock:GuardrailIdentifier"] = value
        checks = [AuthorizationCheck(action, arn, context)]
        through_profile = {**context, "bedrock:InferenceProfileArn": arn}
        checks += [AuthorizationCheck(action, model, through_profile) for model in models]
        return checks

    return custom(expand, note=f"authorized as {action} (through an inference profile: on the profile and on each model it routes to)")


RUNTIME_RULES: dict[str, Rule] = {
    "InvokeModel": _inference("bedrock:InvokeModel", _invoke_guardrail),
    "InvokeModelWithResponseStream": _inference("bedrock:InvokeModelWithResponseStream", _invoke_guardrail),
    "Converse": _inference("bedrock:InvokeModel", _converse_guardrail),
    "ConverseStream": _inference("bedrock:InvokeModelWithResponseStream", _converse_guardrail),
}
