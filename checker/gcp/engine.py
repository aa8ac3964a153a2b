"""The GCP engine's face for grading (checker.core.engine.Engine).

Learner files (by the logical name lab.yaml gives them):
- a name containing "binding" (e.g. `iam_bindings`, iam-bindings.json): a list of
  {"resource": FULL_RESOURCE_NAME, "role", "members", optional "condition"};
- a name containing "custom_role" (custom-roles.json): a list of {"name": "projects/P/roles/ID", "includedPermissions"};
- a name containing "deny": {"FULL_RESOURCE_NAME": [deny policies]} as in the batch case;
- a name containing "workload_identity": a list of pool providers {name, issuer, allowed_audiences,
  attribute_mapping, attribute_condition} (checker/gcp/federation.py; the Terraform reader writes it);
- a name containing "boundar" (principal-access-boundaries.json): {principal: [principal access boundary
  policies]}, the form of the setting below, joined to it;
- a name containing "template" (job-bindings-template.json): per-job bindings whose `{{team}}` and
  `{{job}}` placeholders the platform fills for each entry of the setting's `jobs` (positions kept);
- other files are kept as data (e.g. a job definition read by `answer` checks).

The lab's `setting` supplies the rest: `hierarchy` ({child: parent} full names), `groups` ({principal:
[groups]}), `principal_attributes` ({principal: {attribute.NAME: value}}), `allow_policies` and
`deny_policies` (as in a batch case), `custom_roles` ({name: {includedPermissions}}),
`principal_access_boundary_policies` ({principal: [policies]}), `request_time` and `jobs` (the jobs a
platform runs: [{principal, and the values that fill its templates, e.g. team, job}]).

`reaches` and `confined` answer the `isolation` and `confined` checks (checker.gcp.analyze.isolation and
the `within` prover on one principal's bindings).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.core.decision import Decision, DecisionKind
from checker.core.engine import Submission, WithinResult, WithinStatus
from checker.core.errors import InputError
from checker.core.findings import Counterexample, Finding
from checker.core.source import LoadedDocument
from checker.core.templates import fill_template
from checker.gcp.evaluate import decide
from checker.gcp.federation import Provider, exchange
from checker.gcp.hierarchy import Hierarchy, parse_hierarchy, service_account_resource
from checker.gcp.location import Loc, shown
from checker.gcp.members import Principal, parse_principal
from checker.gcp.model import Binding, CustomRole, DenyRule, PabPolicy, PolicySet
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import (
    expect_list,
    expect_object,
    parse_allow_policy,
    parse_bindings,
    parse_custom_roles_list,
    parse_custom_roles_map,
    parse_deny_policies,
    parse_pab_policies,
)
from checker.gcp.request import REQUEST_FIELDS, parse_request
from checker.gcp.services import derived_type, is_storage_object

SETTING_FIELDS = {
    "hierarchy",
    "groups",
    "principal_attributes",
    "allow_policies",
    "deny_policies",
    "custom_roles",
    "principal_access_boundary_policies",
    "request_time",
    "identity",
    "focus",
    "jobs",
}
# setting `focus: identity`: `within` questions are about the requests of the setting's identity only (a lab whose
# one configuration holds an identity per pipeline stage); without it, every binding of the submission is judged.
FOCUS_VALUES = ("identity",)
BINDING_FIELDS = {"resource", "role", "members", "condition"}


@dataclass(frozen=True)
class GcpModel:
    bindings: tuple[Binding, ...]  # the learner's
    setting_bindings: tuple[Binding, ...]  # the lab's own allow policies
    deny_rules: tuple[DenyRule, ...]
    custom_roles: Mapping[str, CustomRole]
    hierarchy: Hierarchy
    groups: Mapping[str, list[Any]] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    boundaries: Mapping[str, tuple[PabPolicy, ...]] = field(default_factory=dict)
    request_time: Any = None
    documents: Mapping[str, LoadedDocument] = field(default_factory=dict)
    providers: tuple[Provider, ...] = ()  # workload identity pool providers of the submission
    jobs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # principal -> template values

    policy_sets: dict[str, PolicySet] = field(default_factory=dict, compare=False, repr=False)

    def policy_set(self, principal: str) -> PolicySet:
        """The policies that bear on this principal's requests, built once (role lookups are cached inside)."""
        found = self.policy_sets.get(principal)
        if found is None:
            found = PolicySet(
                self.bindings + self.setting_bindings,
                self.deny_rules,
                self.boundaries.get(principal, ()),
                self.custom_roles,
            )
            self.policy_sets[principal] = found
        return found


def _loc(value: Any, label: str) -> tuple[Any, Loc]:
    if isinstance(value, LoadedDocument):
        return value.data, Loc(document=value)
    return value, Loc(label=label)


def parse_bindings_file(
    value: Any, loc: Loc, custom_roles: Mapping[str, CustomRole], hierarchy: Hierarchy
) -> list[Binding]:
    """iam-bindings.json: a list of {resource, role, members, condition}; {"bindings": [...]} is accepted too."""
    if isinstance(value, dict) and "bindings" in value:
        loc = loc.child("bindings")
        value = value["bindings"]
    bindings: list[Binding] = []
    for index, entry in enumerate(expect_list(value, loc, "the bindings file")):
        item_loc = loc.child(index)
        data = expect_object(entry, item_loc, BINDING_FIELDS, ("resource", "role", "members"), "a binding")
        attached = parse_resource_name(data["resource"], item_loc.child("resource"))
        if is_storage_object(attached):
            raise item_loc.child("resource").error(
                "Cloud Storage objects have no IAM policy of their own",
                "bind the role on the bucket and narrow it with a condition on resource.name",
            )
        single = {key: data[key] for key in ("role", "members", "condition") if key in data}
        # Reuse the allow-policy binding parser on a one-binding list, keeping this file's pointers.
        parsed = parse_bindings(
            [single], attached, _Shifted(item_loc), custom_roles, hierarchy.chain(attached)
        )
        bindings.extend(Binding(b.attached, index, b.role, b.members, b.condition, b.where) for b in parsed)
    return bindings


class _Shifted(Loc):
    """A Loc whose child(0) is itself, so a one-item list parser reports the file's own pointers."""

    def __init__(self, inner: Loc) -> None:
        super().__init__(inner.pointer, inner.document, inner.label)

    def child(self, key: str | int) -> Loc:
        if key == 0:
            return Loc(self.pointer, self.document, self.label)
        return super().child(key)


class GcpEngine:
    cloud = "gcp"

    def load_submission(self, files: Mapping[str, LoadedDocument], setting: Mapping[str, Any]) -> Submission:
        for key in setting:
            if key not in SETTING_FIELDS:
                raise InputError(
                    f"unknown GCP setting {shown(key)}",
                    None,
                    "known settings: " + ", ".join(sorted(SETTING_FIELDS)),
                )
        hierarchy_value, hierarchy_loc = _loc(setting.get("hierarchy"), "setting hierarchy")
        hierarchy = parse_hierarchy(hierarchy_value, hierarchy_loc)
        roles_value, roles_loc = _loc(setting.get("custom_roles"), "setting custom_roles")
        custom_roles: dict[str, CustomRole] = parse_custom_roles_map(roles_value, roles_loc)
        for name, document in files.items():
            if "custom_role" in name.lower():
                custom_roles.update(parse_custom_roles_list(document.data, Loc(document=document)))
        bindings: list[Binding] = []
        deny_rules: list[DenyRule] = []
        providers: list[Provider] = []
        jobs = _jobs(setting.get("jobs"))
        pab_files: list[LoadedDocument] = []
        for name, document in files.items():
            lowered = name.lower()
            if "workload_identity" in lowered:
                providers.extend(_providers(document))
            elif "template" in lowered:
                for values in jobs.values():
                    filled = fill_template(document, values)
                    bindings.extend(
                        parse_bindings_file(filled.data, Loc(document=filled), custom_roles, hierarchy)
                    )
            elif "binding" in lowered:
                bindings.extend(
                    parse_bindings_file(document.data, Loc(document=document), custom_roles, hierarchy)
                )
            elif "deny" in lowered:
                deny_rules.extend(_deny_map(document.data, Loc(document=document)))
            elif "boundar" in lowered:
                pab_files.append(document)
        allow_value, allow_loc = _loc(setting.get("allow_policies"), "setting allow_policies")
        setting_bindings: list[Binding] = []
        for attached_text, policy in (allow_value or {}).items():
            attached = parse_resource_name(attached_text, allow_loc.child(attached_text))
            setting_bindings.extend(
                parse_allow_policy(
                    policy, attached, allow_loc.child(attached_text), custom_roles, hierarchy.chain(attached)
                )
            )
        deny_value, deny_loc = _loc(setting.get("deny_policies"), "setting deny_policies")
        deny_rules.extend(_deny_map(deny_value, deny_loc))
        pab_value, pab_loc = _loc(
            setting.get("principal_access_boundary_policies"), "setting principal_access_boundary_policies"
        )
        boundaries: dict[str, tuple[PabPolicy, ...]] = {}
        for value, loc in [(pab_value, pab_loc), *((d.data, Loc(document=d)) for d in pab_files)]:
            if value is not None and not isinstance(value, dict):
                raise loc.error("principal access boundaries are given as {principal: [policies]}")
            for principal, policies in (value or {}).items():
                parsed = parse_pab_policies(policies, loc.child(str(principal)))
                boundaries[str(principal)] = boundaries.get(str(principal), ()) + parsed
        model = GcpModel(
            tuple(bindings),
            tuple(setting_bindings),
            tuple(deny_rules),
            custom_roles,
            hierarchy,
            dict(setting.get("groups") or {}),
            dict(setting.get("principal_attributes") or {}),
            boundaries,
            setting.get("request_time"),
            dict(files),
            tuple(providers),
            jobs,
        )
        return Submission("gcp", files, setting, model)

    def decide(self, submission: Submission, request: Mapping[str, Any]) -> Decision:
        model: GcpModel = submission.model
        data = dict(request)
        context = data.pop("context", None) or {}
        if not isinstance(context, Mapping):
            raise InputError(
                "context must be a mapping (request_time, resource_type, groups, resource_tags, ...)"
            )
        data.update(context)
        token = data.pop("token", None)
        if token is not None:
            accepted = _exchange(model, data, token)
            if isinstance(accepted, Decision):
                return accepted
        if "action" in data:
            data.setdefault("permission", data.pop("action"))
        data.pop("resource_account", None)
        # Trust checks name the identity itself; a service account's resource is its IAM resource name.
        if isinstance(data.get("resource"), str):
            data["resource"] = service_account_resource(data["resource"]) or data["resource"]
        for key in data:
            if key not in REQUEST_FIELDS:
                raise InputError(
                    f"unknown request field {shown(key)}",
                    None,
                    "fields: " + ", ".join(sorted(REQUEST_FIELDS)),
                )
        principal = data.get("principal")
        if isinstance(principal, str):
            data.setdefault("groups", model.groups.get(principal))
            data.setdefault("principal_attributes", model.attributes.get(principal))
        data.setdefault("request_time", model.request_time)
        if "ancestors" not in data and isinstance(data.get("resource"), str):
            resource = parse_resource_name(data["resource"], Loc(label="request").child("resource"))
            data["ancestors"] = [a.full for a in model.hierarchy.ancestors(resource)]
        parsed = parse_request(data, Loc(label="request"))
        return decide(model.policy_set(parsed.principal.text), parsed)

    def within(self, submission: Submission, envelope: Any) -> WithinResult:
        model: GcpModel = submission.model
        value, loc = _loc(envelope, "envelope")
        value, loc, permissions = _envelope_permissions(value, loc)
        envelope_bindings = parse_bindings_file(value, loc, model.custom_roles, model.hierarchy)
        from checker.gcp import question
        from checker.gcp.analyze.within import within  # z3 is loaded only when a proof is asked for

        bindings: list[Binding] = list(model.bindings)
        custom_roles = dict(model.custom_roles)
        focus = submission.setting.get("focus")
        if focus is not None:
            identity = submission.setting.get("identity")
            if focus not in FOCUS_VALUES or not isinstance(identity, str):
                raise InputError(f"setting focus must be one of {', '.join(FOCUS_VALUES)} with the lab's identity set")
            bindings = question.of_identity(bindings, identity, model.groups)
        if permissions is not None:
            bindings, custom_roles = question.to_permissions(bindings, permissions, custom_roles)
        result = within(bindings, envelope_bindings, custom_roles, model.hierarchy)
        return self._judged(submission, result, (*bindings, *envelope_bindings))

    def _judged(
        self, submission: Submission, result: WithinResult, bindings: tuple[Binding, ...]
    ) -> WithinResult:
        """The allow-only proof's counterexamples that the whole setting (deny, boundaries) still allows."""
        model: GcpModel = submission.model
        reads_time = any(
            b.condition is not None and "request.time" in b.condition.compiled.uses for b in bindings
        )
        plain = [_plain(example, model, reads_time) for example in result.counterexamples]
        # The proof compares allow bindings; a request the setting's deny or boundary policies refuse is no
        # counterexample to show, since the evaluator would not decide it as shown.
        examples = tuple(e for e in plain if self.decide(submission, _as_request(e)).allowed)
        if plain and not examples:
            return WithinResult(
                WithinStatus.UNKNOWN,
                reason="every request found beyond the envelope is refused by the setting's deny or boundary "
                "policies, which the proof does not subtract",
            )
        return WithinResult(result.status, examples, result.reason)

    def reaches(self, submission: Submission, principal: str, accesses: Any) -> WithinResult:
        """Can the principal use any permission on a resource the accesses describe? (the isolation check)"""
        from checker.gcp.analyze.isolation import parse_access, reaches

        model: GcpModel = submission.model
        loc = Loc(label="isolation check")
        if not isinstance(accesses, list):
            raise loc.error("the accesses of an isolation check are a list")
        parsed = [parse_access(a, loc.child("resources").child(i)) for i, a in enumerate(accesses)]
        who = self._principal(model, principal)
        result = reaches(model.policy_set(who.text), model.hierarchy, who, parsed)
        return self._shown(result, model)

    def confined(self, submission: Submission, principal: str, envelope: Any) -> WithinResult:
        """Everything the principal may do stays inside the envelope bindings, filled with its job's values."""
        from checker.gcp.analyze.confine import envelope_goal
        from checker.gcp.analyze.isolation import search

        model: GcpModel = submission.model
        who = self._principal(model, principal)
        document = envelope if isinstance(envelope, LoadedDocument) else LoadedDocument("envelope", envelope, {})
        filled = fill_template(document, model.jobs.get(who.text, {}))
        bindings = parse_bindings_file(filled.data, Loc(document=filled), model.custom_roles, model.hierarchy)
        goal = envelope_goal(bindings, who, dict(model.custom_roles))
        return self._shown(search(model.policy_set(who.text), model.hierarchy, who, goal), model)

    def _principal(self, model: GcpModel, text: str) -> Principal:
        return parse_principal(
            text, model.groups.get(text), model.attributes.get(text), Loc(label="principal")
        )

    def _shown(self, result: WithinResult, model: GcpModel) -> WithinResult:
        reads_time = any(
            b.condition is not None and "request.time" in b.condition.compiled.uses
            for b in (*model.bindings, *model.setting_bindings)
        )
        examples = tuple(_plain(e, model, reads_time) for e in result.counterexamples)
        return WithinResult(result.status, examples, result.reason)

    def trust_within(self, submission: Submission, identity: str, may_assume: Any) -> WithinResult:
        """Every member holding an act-as or token-minting permission on the account (checker.gcp.actors)."""
        from checker.gcp.actors import actors_within

        model: GcpModel = submission.model
        bindings = model.bindings + model.setting_bindings
        policies = model.policy_set("")
        return actors_within(
            bindings, policies, model.hierarchy, identity, may_assume, lambda r: self.decide(submission, r),
            model.providers,
        )

    def findings(self, submission: Submission) -> list[Finding]:
        model: GcpModel = submission.model
        from checker.gcp.analyze.findings import lint  # z3 is loaded only when findings are asked for

        return lint(model.bindings, model.custom_roles, model.hierarchy)


def _as_request(example: Counterexample) -> dict[str, Any]:
    return {
        "principal": example.principal,
        "action": example.action,
        "resource": example.resource,
        "context": example.context,
    }


def _plain(example: Counterexample, model: GcpModel, reads_time: bool) -> Counterexample:
    """Drop context the lab's setting already implies, so a learner reads only what matters.

    ENGINE.decide fills ancestors from the hierarchy and the type from the name, so the request decides
    the same with or without them.
    """
    context = dict(example.context)
    resource = parse_resource_name(example.resource, Loc(label="counterexample"))
    if context.get("ancestors") == [a.full for a in model.hierarchy.ancestors(resource)]:
        context.pop("ancestors")
    if context.get("resource_type") == derived_type(resource):
        context.pop("resource_type", None)
    if not reads_time:
        context.pop("request_time", None)
    return Counterexample(example.action, example.resource, context, example.principal)


_PROVIDER_FIELDS = ("name", "issuer", "allowed_audiences", "attribute_mapping", "attribute_condition")


def _providers(document: LoadedDocument) -> list[Provider]:
    """Pool providers as the Terraform reader writes them (iac_files), each located in the .tf file."""
    loc = Loc(document=document)
    found = []
    for index, entry in enumerate(expect_list(document.data, loc, "the workload identity providers")):
        data = expect_object(entry, loc.child(index), set(_PROVIDER_FIELDS), ("name", "issuer", "attribute_mapping"),
                             "a workload identity pool provider")
        found.append(Provider(str(data["name"]), str(data["issuer"]), tuple(data.get("allowed_audiences") or ()),
                              dict(data["attribute_mapping"]), data.get("attribute_condition"),
                              document.locate(f"/{index}")))
    return found


def _exchange(model: GcpModel, data: dict[str, Any], token: Any) -> Decision | None:
    """A request made with a federated token: STS exchanges it with the provider `principal` names (or any
    provider of the submission), and the request is then made by the principal it becomes, with its attributes."""
    if not isinstance(token, Mapping):
        raise InputError("token must be a mapping of the token's claims")
    named = data.get("principal")
    providers = [p for p in model.providers if named in (p.name, f"//iam.googleapis.com/{p.name}")] or list(model.providers)
    if not providers:
        raise InputError("a request with a token needs a workload identity pool provider in the submission")
    reasons = []
    for provider in providers:
        result = exchange(provider, token)
        if result.accepted and result.principal is not None:
            data["principal"] = result.principal
            data["principal_attributes"] = {k: list(v) for k, v in result.attributes.items()}
            data["groups"] = list(result.groups)
            return None
        reasons.append(f"{provider.name}: {result.reason}")
    return Decision(DecisionKind.IMPLICIT_DENY, "Security Token Service rejects the token: " + "; ".join(reasons))


def _envelope_permissions(value: Any, loc: Loc) -> tuple[Any, Loc, frozenset[str] | None]:
    """An envelope {"permissions": [...], "bindings": [...]} asks about those permissions only (question.py)."""
    if not isinstance(value, dict) or "permissions" not in value:
        return value, loc, None
    listed = value["permissions"]
    if not isinstance(listed, list) or not listed or not all(isinstance(p, str) and p for p in listed):
        raise loc.child("permissions").error("permissions must be a non-empty list of permission names")
    extra = set(value) - {"permissions", "bindings"}
    if extra:
        raise loc.error(f"an envelope has permissions and bindings, not {', '.join(sorted(map(str, extra)))}")
    return {"bindings": value.get("bindings") or []}, loc, frozenset(listed)


def _jobs(value: Any) -> dict[str, dict[str, str]]:
    """The setting's jobs: [{principal, team, job, ...}] -> {principal: {team, job, ...}}."""
    loc = Loc(label="setting jobs")
    jobs: dict[str, dict[str, str]] = {}
    for index, entry in enumerate(expect_list(value or [], loc, "jobs")):
        if (
            not isinstance(entry, dict)
            or not all(isinstance(v, str) for v in entry.values())
            or "principal" not in entry
        ):
            raise loc.child(index).error(
                "a job is {principal: MEMBER, and the values its templates use, e.g. team, job}"
            )
        values = {k: v for k, v in entry.items() if k != "principal"}
        jobs[entry["principal"]] = values
    return jobs


def _deny_map(value: Any, loc: Loc) -> list[DenyRule]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise loc.error("deny policies are given as {FULL_RESOURCE_NAME: [deny policies]}")
    rules: list[DenyRule] = []
    for attached_text, policies in value.items():
        attached = parse_resource_name(attached_text, loc.child(attached_text))
        rules.extend(parse_deny_policies(policies, attached, loc.child(attached_text)))
    return rules


ENGINE = GcpEngine()
