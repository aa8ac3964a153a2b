"""GCP resources of a Terraform configuration, in the GCP engine's lab format (bindings on full resource names).

Read (google provider documentation): `google_{project,storage_bucket,service_account,
artifact_registry_repository}_iam_{member,binding,policy}` (policy via `data "google_iam_policy"` binding
blocks), `google_project_iam_custom_role` (role_id, project, permissions), `google_service_account`
(account_id, project: email ACCOUNT@PROJECT.iam.gserviceaccount.com), `google_iam_workload_identity_pool`
and `google_iam_workload_identity_pool_provider` (attribute_mapping, attribute_condition, oidc issuer_uri
and allowed_audiences; named projects/NUMBER/locations/global/workloadIdentityPools/POOL[/providers/ID]).
"""

from __future__ import annotations

from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import Position
from checker.iac.model import IacModel, WorkloadIdentityProvider
from checker.iac.terraform.config import Configuration, Located
from checker.iac.terraform.expressions import Positions

# resource type prefix -> (arguments naming the resource, full resource name template)
_TARGETS = {
    "google_project_iam": (("project",), "//cloudresourcemanager.googleapis.com/projects/{project}"),
    "google_storage_bucket_iam": (("bucket",), "//storage.googleapis.com/projects/_/buckets/{bucket}"),
    "google_service_account_iam": (("service_account_id",), "//iam.googleapis.com/{service_account_id}"),
    "google_artifact_registry_repository_iam": (
        ("project", "location", "repository"),
        "//artifactregistry.googleapis.com/projects/{project}/locations/{location}/repositories/{repository}",
    ),
}


def register(config: Configuration) -> None:
    computed = config.computed
    computed[("google_service_account", "email")] = _email
    computed[("google_service_account", "name")] = lambda c, b: f"projects/{_text(c, b, 'project')}/serviceAccounts/{_email(c, b)}"
    computed[("google_service_account", "id")] = computed[("google_service_account", "name")]
    computed[("google_service_account", "member")] = lambda c, b: f"serviceAccount:{_email(c, b)}"
    computed[("google_project_iam_custom_role", "name")] = _custom_role_name
    computed[("google_project_iam_custom_role", "id")] = _custom_role_name
    computed[("google_iam_workload_identity_pool", "name")] = _pool_name
    computed[("google_iam_workload_identity_pool_provider", "name")] = _provider_name
    computed[("data.google_project", "number")] = lambda c, b: _project_number(c, b)
    computed[("data.google_iam_policy", "policy_data")] = _policy_data


def read(config: Configuration, model: IacModel) -> None:
    for address, located in config.resources.items():
        kind = located.block.labels[0]
        target = next((prefix for prefix in _TARGETS
                       if kind in (f"{prefix}_member", f"{prefix}_binding", f"{prefix}_policy")), None)
        if target is not None:
            for entry, positions in _bindings(config, address, located, target, kind[len(target) + 1:]):
                model.clouds.add("gcp_bindings", entry, positions)
        elif kind == "google_project_iam_custom_role":
            permissions = config.argument(located, "permissions")
            if permissions is None or not isinstance(permissions[0], list):
                raise InputError(f"{address} needs permissions (a list)", located.block.where)
            at = _at(located.block.where, located.path)
            model.clouds.add("gcp_custom_roles", {"name": _custom_role_name(config, located),
                                                  "includedPermissions": permissions[0]},
                             {"": at, "/includedPermissions": _at(located.block.body.attributes["permissions"].where,
                                                                  located.path)})
        elif kind == "google_iam_workload_identity_pool_provider":
            model.clouds.workload_identity_providers.append(_provider(config, address, located))


def _bindings(config: Configuration, address: str, located: Located, target: str,
              form: str) -> list[tuple[dict[str, Any], Positions]]:
    arguments, template = _TARGETS[target]
    values = {name: _text(config, located, name) for name in arguments}
    if target == "google_service_account_iam" and not values["service_account_id"].startswith("projects/"):
        raise InputError("service_account_id must be projects/PROJECT/serviceAccounts/EMAIL "
                         "(google_service_account.NAME.name)", located.block.body.attributes["service_account_id"].where)
    resource = template.format(**values)
    at = _at(located.block.where, located.path)
    if form == "policy":
        found = config.argument(located, "policy_data")
        if found is None or not isinstance(found[0], dict):
            raise InputError(f"{address} needs policy_data = data.google_iam_policy.NAME.policy_data", located.block.where)
        out = []
        for index, binding in enumerate(found[0].get("bindings", [])):
            inner = {k[len(f"/bindings/{index}"):]: v for k, v in found[1].items() if k.startswith(f"/bindings/{index}")}
            out.append(({"resource": resource, **binding}, inner or {"": at}))
        return out
    if form not in ("member", "binding"):
        raise InputError(f"{located.block.labels[0]} is not an IAM resource the checker reads", located.block.where)
    role = _text(config, located, "role")
    positions: Positions = {"": at, "/role": _at(located.block.body.attributes["role"].where, located.path)}
    if form == "member":
        members = [_text(config, located, "member")]
        positions["/members"] = _at(located.block.body.attributes["member"].where, located.path)
    else:
        found = config.argument(located, "members")
        if found is None or not isinstance(found[0], list):
            raise InputError(f"{address} needs members (a list)", located.block.where)
        members = found[0]
        positions["/members"] = _at(located.block.body.attributes["members"].where, located.path)
    entry: dict[str, Any] = {"resource": resource, "role": role, "members": members}
    conditions = located.block.body.blocks_of("condition")
    if conditions:
        entry["condition"] = _condition(config, located, conditions[0].body)
        positions["/condition"] = _at(conditions[0].where, located.path)
    return [(entry, positions)]


def _condition(config: Configuration, located: Located, body: Any) -> dict[str, Any]:
    condition: dict[str, Any] = {}
    for argument in ("title", "description", "expression"):
        found = config.argument(located, argument, body)
        if found is not None:
            condition[argument] = found[0]
    return condition


def _policy_data(config: Configuration, located: Located) -> dict[str, Any]:
    """data "google_iam_policy": its binding blocks as an allow policy (role, members, condition)."""
    bindings = []
    for block in located.block.body.blocks_of("binding"):
        role = config.argument(located, "role", block.body)
        members = config.argument(located, "members", block.body)
        if role is None or members is None:
            raise InputError("a binding block needs role and members", block.where)
        binding: dict[str, Any] = {"role": role[0], "members": members[0]}
        conditions = block.body.blocks_of("condition")
        if conditions:
            binding["condition"] = _condition(config, located, conditions[0].body)
        bindings.append(binding)
    return {"bindings": bindings}


def _provider(config: Configuration, address: str, located: Located) -> WorkloadIdentityProvider:
    oidc = located.block.body.blocks_of("oidc")
    if not oidc:
        raise InputError(f"{address}: only OIDC providers (an oidc block) are read by the checker", located.block.where)
    issuer = config.argument(located, "issuer_uri", oidc[0].body)
    if issuer is None or not isinstance(issuer[0], str):
        raise InputError(f"{address} needs oidc.issuer_uri", oidc[0].where)
    audiences = config.argument(located, "allowed_audiences", oidc[0].body)
    mapping = config.argument(located, "attribute_mapping")
    if mapping is None or not isinstance(mapping[0], dict):
        raise InputError(f"{address} needs attribute_mapping with google.subject", located.block.where)
    condition = config.argument(located, "attribute_condition")
    name = _provider_name(config, located) if config.setting.gcp_project_number else None
    return WorkloadIdentityProvider(
        address=address,
        name=name,
        pool=name.rsplit("/providers/", 1)[0] if name else None,
        issuer=issuer[0],
        allowed_audiences=tuple(str(a) for a in audiences[0]) if audiences and isinstance(audiences[0], list) else (),
        attribute_mapping={str(k): str(v) for k, v in mapping[0].items()},
        attribute_condition=str(condition[0]) if condition and condition[0] is not None else None,
        where=located.block.where,
    )


def _email(config: Configuration, located: Located) -> str:
    return f"{_text(config, located, 'account_id')}@{_text(config, located, 'project')}.iam.gserviceaccount.com"


def _custom_role_name(config: Configuration, located: Located) -> str:
    return f"projects/{_text(config, located, 'project')}/roles/{_text(config, located, 'role_id')}"


def _pool_name(config: Configuration, located: Located) -> str:
    pool = _text(config, located, "workload_identity_pool_id")
    return f"projects/{_project_number(config, located)}/locations/global/workloadIdentityPools/{pool}"


def _provider_name(config: Configuration, located: Located) -> str:
    provider = _text(config, located, "workload_identity_pool_provider_id")
    return f"{_pool_name(config, located)}/providers/{provider}"


def _project_number(config: Configuration, located: Located) -> str:
    return str(config.require(config.setting.gcp_project_number, "the GCP project number", located.block.where))


def _text(config: Configuration, located: Located, name: str) -> str:
    found = config.argument(located, name)
    if found is None or not isinstance(found[0], str):
        raise InputError(f"{'.'.join(located.block.labels)} needs {name} (text)", located.block.where)
    return found[0]


def _at(where: Where, path: str) -> Position:
    return Position(where.line or 1, where.column or 1, where.file or path)
