"""The Azure engine's face to grading (checker.core.engine.Engine).

Submission files, in the lab's format:
- "role_assignments": a list of {"role": built-in role name, GUID or custom role id, "principalId",
  "scope", optional "condition", "conditionVersion", and "start"/"end" for an eligible assignment};
- "custom_roles" (optional): a list of role definitions (`az role definition list` or `create` shape);
- "federated_credentials" (optional): the managed identity's federated identity credentials, a list of
  {name, issuer, subject, audiences} (read by `trust` checks, checker.azure.actors);
- "policy_assignment" (optional): an Azure Policy assignment (the REST shape, `properties.policyDefinitionId`,
  `scope`, `parameters`, ...). Azure Policy governs resource properties, not who may call an operation, so the
  engine decides nothing with it: `document` checks read its fields (lab 04: key access disabled by policy);
- "managed_identities" (optional): user-assigned identities {id, principalId, ...} (checker.azure.identities),
  so that a lab's requests, envelopes and `identity` may name an identity by its resource id;
- names containing "workflow": a CI workflow, kept as data (read by `workflow` checks).
The lab's setting may give "management_groups" (child id -> parent group) and "deny_assignments".
Requests use the batch-case fields (principal, groups, action, data_action, scope, attributes,
sub_operation, request_time); the grading shape (resource, context) is accepted too. A request with a
`token` (OIDC claims) asks whether Entra exchanges it for the identity named by `resource`
(checker.azure.federation.decide_token).

When the setting's `identity` is a managed identity the submission lists, `within` proves what that
identity's principal can do: one file may hold every stage's assignments, and only its own are its
permissions (identities.focused).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker.azure.actors import FederatedCredential, actors_within, parse_credentials
from checker.azure.analysis import findings as lint
from checker.azure.analysis import within as prove_within
from checker.azure.analysis.isolation import access_model
from checker.azure.analysis.within import MAX_COUNTEREXAMPLES
from checker.azure.analysis.within import reaches as prove_reaches
from checker.azure.catalog import role_finder
from checker.azure.duties import holds as duty_held
from checker.azure.federation import TOKEN_EXCHANGE, decide_token
from checker.azure.guarded import decide_with_policies
from checker.azure.identities import NONE as NO_IDENTITIES
from checker.azure.identities import ManagedIdentities, focused, named_by_resource_id, parse_identities
from checker.azure.model import AzureModel, RoleAssignment, RoleDefinition
from checker.azure.parse import (
    Fields,
    Locate,
    field_locator,
    parse_assignments,
    parse_deny_assignments,
    parse_management_groups,
    parse_role_definitions,
)
from checker.azure.policy import parse_policy_assignments
from checker.azure.principals import PlatformPrincipal, as_principal, find_principal, parse_principals
from checker.azure.request import REQUEST_FIELDS, parse_request
from checker.azure.scopes import ManagementGroups
from checker.core.decision import Decision
from checker.core.engine import Submission, WithinResult
from checker.core.errors import InputError, Where
from checker.core.findings import Finding
from checker.core.source import LoadedDocument
from checker.core.templates import fill_template

GRADING_ALIASES = {"resource": "scope"}
CONTEXT_FIELDS = ("groups", "data_action", "sub_operation", "request_time", "payload")
SUBMISSION_FILES = ("role_assignments", "custom_roles", "federated_credentials", "policy_assignments",
                    "policy_assignment", "managed_identities")


def _located(value: Any, label: str) -> tuple[Any, Locate]:
    if isinstance(value, LoadedDocument):
        return value.data, value.locate
    return value, field_locator(label)


class AzureEngine:
    cloud = "azure"

    def load_submission(self, files: Mapping[str, LoadedDocument], setting: Mapping[str, Any]) -> Submission:
        if "role_assignments" not in files:
            raise InputError("the Azure submission needs a file named 'role_assignments' (role-assignments.json)")
        unknown = sorted(name for name in set(files) - set(SUBMISSION_FILES)
                         if "template" not in name and "workflow" not in name.lower())
        if unknown:
            raise InputError(f"unknown Azure submission file(s): {', '.join(unknown)}",
                             hint="the Azure engine reads 'role_assignments' and optional 'custom_roles', "
                                  "'federated_credentials', 'managed_identities', 'policy_assignments' "
                                  "(evaluated), 'policy_assignment' (one assignment kept as data for document "
                                  "checks), role-assignment templates (a name containing 'template', filled by "
                                  "a setting principal) and CI workflows (a name containing 'workflow', kept "
                                  "as data)")
        model = self.build_model(files["role_assignments"], files.get("custom_roles"), setting, files=files)
        _credentials(files)  # refused here, with its place, when malformed
        _identities(files)
        return Submission(self.cloud, files, setting, model)

    def build_model(self, assignments: Any, custom_roles: Any, setting: Mapping[str, Any],
                    extra_roles: tuple[RoleDefinition, ...] = (),
                    files: Mapping[str, Any] | None = None) -> AzureModel:
        roles_data, roles_locate = _located(custom_roles, "custom roles")
        roles = parse_role_definitions(roles_data, "", roles_locate) if roles_data is not None else []
        groups = self._groups(setting)
        find = role_finder([*roles, *extra_roles])
        data, locate = _located(assignments, "role assignments")
        parsed = parse_assignments(data, "", locate, find, groups)
        deny_data, deny_locate = _located(setting.get("deny_assignments"), "setting deny_assignments")
        denies = parse_deny_assignments(deny_data, "", deny_locate)

        def template_assignments(document: LoadedDocument) -> list[RoleAssignment]:
            return parse_assignments(document.data, "", document.locate, find, groups)

        principals_data, principals_locate = _located(setting.get("principals"), "setting principals")
        principals = parse_principals(principals_data, principals_locate, files or {}, template_assignments)
        policy_data, policy_locate = _located((files or {}).get("policy_assignments"), "policy assignments")
        policies = parse_policy_assignments(policy_data, policy_locate)
        created = tuple(a for p in principals for a in p.assignments)
        return AzureModel((*parsed, *created), tuple(denies), groups, tuple(roles), principals, policies)

    def _groups(self, setting: Mapping[str, Any]) -> ManagementGroups:
        data, locate = _located(setting.get("management_groups"), "setting management_groups")
        return parse_management_groups(data, "", locate)

    def decide(self, submission: Submission, request: Mapping[str, Any]) -> Decision:
        if "token" in request:
            return _decide_token(submission, request)
        model = _model(submission)
        fields = dict(request)
        if isinstance(fields.get("principal"), str):
            fields["principal"] = _identities(submission.files).principal(fields["principal"])
        return decide_with_policies(model, parse_request(_request_fields(fields, model.principals)))

    def holds(self, submission: Submission, operations: Sequence[str]) -> WithinResult | None:
        """Whether the setting's identity can make a request of `operations` (a `separation` duty), answered
        without a search when that is exact (checker.azure.duties); None: ask `within` instead."""
        identity = submission.setting.get("identity")
        if not isinstance(identity, str):
            return None
        return duty_held(_model(submission), _identities(submission.files).principal(identity), operations)

    def within(self, submission: Submission, envelope: Any) -> WithinResult:
        model = _model(submission)
        identities = _identities(submission.files)
        identity = submission.setting.get("identity")
        if isinstance(identity, str) and identities.knows(identity):
            model = focused(model, identities.principal(identity))
        return self._within(model, envelope, None, identities=identities)

    def _within(self, model: AzureModel, envelope: Any, principal: PlatformPrincipal | None,
                limit: int = MAX_COUNTEREXAMPLES, identities: ManagedIdentities = NO_IDENTITIES) -> WithinResult:
        data, locate = _located(envelope, "envelope")
        if isinstance(data, list):
            data = {"role_assignments": data}
        if not isinstance(data, dict):
            raise InputError("an Azure envelope is a list of role assignments, or an object with "
                             "'role_assignments' and optional 'custom_roles' and 'deny_assignments'", locate(""))
        fields = Fields(data, "", locate, "the envelope", ("role_assignments", "custom_roles", "deny_assignments"))
        roles = parse_role_definitions(fields.get("custom_roles"), fields.at("custom_roles"), locate)
        assignments = parse_assignments(named_by_resource_id(fields.get("role_assignments"), identities),
                                        fields.at("role_assignments"), locate,
                                        role_finder([*roles, *model.roles]), model.groups)
        denies = parse_deny_assignments(fields.get("deny_assignments"), fields.at("deny_assignments"), locate)
        envelope_model = AzureModel(tuple(assignments), tuple(denies), model.groups, tuple(roles))
        return prove_within(model, envelope_model, model.groups, principal=principal, limit=limit)

    def findings(self, submission: Submission) -> list[Finding]:
        return lint(_model(submission))

    def reaches(self, submission: Submission, principal: str, accesses: Any) -> WithinResult:
        """Proved when the platform principal (its groups and attributes fixed) can perform none of the
        accesses (the other team's scopes, prefixes and tags), over every operation and attribute."""
        model = _model(submission)
        who = _platform_principal(model, principal)
        each = [access_model(who, accesses, model, only=index)
                for index in range(len(accesses) if isinstance(accesses, list) else 1)]
        return prove_reaches(model, each, who, model.groups)

    def confined(self, submission: Submission, principal: str, envelope: Any) -> WithinResult:
        """Proved when everything the platform principal may do, its envelope allows. The envelope's
        `{{...}}` placeholders are filled like the principal's template (`fill` and `{{principal}}`)."""
        model = _model(submission)
        who = _platform_principal(model, principal)
        document = envelope if isinstance(envelope, LoadedDocument) else LoadedDocument("envelope", envelope, {})
        filled = fill_template(document, {**dict(who.fill), "principal": who.id})
        return self._within(model, filled, who, limit=1)  # the check shows one request per principal

    def trust_within(self, submission: Submission, identity: str, may_assume: Any) -> WithinResult:
        """Who can act as the managed identity: assignments reaching it, its federated credentials."""
        return actors_within(_model(submission), _credentials(submission.files), identity, may_assume)


def _platform_principal(model: AzureModel, reference: str) -> PlatformPrincipal:
    found = find_principal(model.principals, reference)
    if found is None:
        raise InputError(f"no entry of the setting's `principals` is {reference!r}",
                         hint="isolation and confined checks name a platform principal by name or object id")
    return found


def _credentials(files: Mapping[str, Any]) -> tuple[FederatedCredential, ...]:
    document = files.get("federated_credentials")
    if document is None:
        return ()
    data, locate = _located(document, "federated credentials")
    return parse_credentials(data, locate)


def _identities(files: Mapping[str, Any]) -> ManagedIdentities:
    document = files.get("managed_identities")
    if document is None:
        return NO_IDENTITIES
    data, locate = _located(document, "managed identities")
    return parse_identities(data, locate)


def _decide_token(submission: Submission, request: Mapping[str, Any]) -> Decision:
    """A `token` request: may the token be exchanged for the identity the request's resource names?"""
    claims, identity, action = request.get("token"), request.get("resource"), request.get("action")
    if not isinstance(claims, Mapping):
        raise InputError("'token' must be an object of OIDC claims (iss, sub, aud, ...)",
                         Where("<input>", pointer="/token"))
    if action != TOKEN_EXCHANGE:
        raise InputError(f"a request with a token asks for {TOKEN_EXCHANGE!r}, not {action!r}",
                         Where("<input>", pointer="/action"), f"write action: {TOKEN_EXCHANGE}")
    focus = submission.setting.get("identity")
    if not isinstance(identity, str) or not isinstance(focus, str) or identity.lower() != focus.lower():
        raise InputError(f"the federated credentials loaded are those of {focus!r}, not of {identity!r}",
                         Where("<input>", pointer="/resource"),
                         "give the check `identity:` the identity whose credentials the token is presented to")
    return decide_token(identity, _credentials(submission.files), claims)


def _model(submission: Submission) -> AzureModel:
    if not isinstance(submission.model, AzureModel):
        raise InputError("this submission was not loaded by the Azure engine")
    return submission.model


def _request_fields(request: Mapping[str, Any], principals: tuple[PlatformPrincipal, ...] = ()) -> Fields:
    """The batch-case request fields, also accepting grading's `resource` and `context`."""
    data: dict[str, Any] = {}
    context: Any = None
    for key, value in request.items():
        if key == "context":
            context = value
        elif key != "resource_account":
            data[GRADING_ALIASES.get(key, key)] = value
    if context is not None:
        if not isinstance(context, Mapping):
            raise InputError("'context' must be an object", Where("<input>", pointer="/context"))
        attributes = data.get("attributes")
        attributes = dict(attributes) if isinstance(attributes, Mapping) else {}
        for name, item in context.items():
            if name in CONTEXT_FIELDS:
                data[name] = item
            else:
                attributes[name] = item
        data["attributes"] = attributes
    as_principal(principals, data)
    return Fields(data, "", field_locator("<input>"), "a request", REQUEST_FIELDS)


ENGINE = AzureEngine()
