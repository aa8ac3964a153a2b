"""Lab files written as infrastructure code: a `.tf` file or folder, or a CloudFormation template, named in
lab.yaml's `files:` is read with checker.iac and handed to the engine as the documents it already knows.

AWS: the role the lab's `identity` names (or the only role) gives `trust`, `boundary` and `permissions`,
`permissions 2`, ... (its inline and attached policies). Azure: `role_assignments` and `custom_roles`.
GCP: `iam_bindings` and `custom_roles`. Every document keeps its positions in the `.tf`/template file, so
checks' messages name the line the learner wrote. The readers' setting comes from the lab: the parameters
`account`, `region`, `azure_subscription`, `gcp_project_number`, and the cloud setting's `iac:` mapping
(`variables`, `references`; `gcp_project_number` for a lab whose parameters serve other clouds; for Azure
also `azure_subscription` and `azure_identities`, the ids Azure assigns each user-assigned identity, by its
name), which is taken out before the engine sees the setting. Azure also gets `managed_identities` (each
identity's resource id with its principal and client ids), so checks can name an identity by its resource id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, Position, load_document
from checker.iac.detect import Kind, kind_of
from checker.iac.model import IacModel

SETTING_KEY = "iac"


def load_files(
    files: Mapping[str, Path], cloud: str, setting: dict[str, Any], parameters: Mapping[str, Any],
    identity: str | None, models: dict[str, IacModel] | None = None,
) -> dict[str, LoadedDocument]:
    """The engine's documents for the lab's files; `setting`'s `iac` entry is removed (the readers use it).

    `models`: the files read so far in this grading run, by reader input. A lab with one role per stage
    sees the same roles.tf from each stage's identity; it is parsed once, each identity taking its role.
    """
    options = setting.pop(SETTING_KEY, None) or {}
    if not isinstance(options, Mapping):
        raise InputError("setting iac must be a mapping with variables and references")
    loaded: dict[str, LoadedDocument] = {}
    for name, path in files.items():
        kind = kind_of(path) if path.exists() else Kind.POLICY
        if kind in (Kind.POLICY, Kind.WORKFLOW):
            loaded[name] = load_document(path)
            continue
        model = _read_once(models, kind, path, options, parameters, identity)
        for derived, document in _documents(cloud, model, identity, path).items():
            if derived in loaded or derived in files:
                raise InputError(f"the lab names a file {derived!r} and {path} also defines it", Where(str(path)))
            loaded[derived] = document
    return loaded


def _read_once(models: dict[str, IacModel] | None, kind: Kind, path: Path, options: Mapping[str, Any],
               parameters: Mapping[str, Any], identity: str | None) -> IacModel:
    if models is None:
        return _read(kind, path, options, parameters, identity)
    account = parameters.get("account") or _account_of(identity)  # the only input that depends on the identity
    key = json.dumps([kind.value, str(path), options, account], sort_keys=True, default=str)
    if key not in models:
        models[key] = _read(kind, path, options, parameters, identity)
    return models[key]


def _read(kind: Kind, path: Path, options: Mapping[str, Any], parameters: Mapping[str, Any],
          identity: str | None) -> IacModel:
    account = parameters.get("account") or _account_of(identity)
    variables = dict(options.get("variables") or {})
    references = dict(options.get("references") or {})
    if kind is Kind.CLOUDFORMATION:
        from checker.iac.cloudformation import Setting as TemplateSetting
        from checker.iac.cloudformation import read_cloudformation

        return read_cloudformation(path, TemplateSetting(parameters=variables, references=references,
                                                         account=account, region=parameters.get("region")))
    from checker.iac.terraform import Setting, read_terraform

    return read_terraform([path], Setting(
        variables=variables, references=references, account=account, region=parameters.get("region"),
        azure_subscription=parameters.get("azure_subscription") or options.get("azure_subscription"),
        azure_identities=dict(options.get("azure_identities") or {}),  # a lab knows every id it uses
        gcp_project_number=_project_number(options, parameters),
    ))


def _project_number(options: Mapping[str, Any], parameters: Mapping[str, Any]) -> str | None:
    number = options.get("gcp_project_number", parameters.get("gcp_project_number"))
    return str(number) if number is not None else None


def _documents(cloud: str, model: IacModel, identity: str | None, path: Path) -> dict[str, LoadedDocument]:
    if cloud == "azure":
        azure = {"role_assignments": model.clouds.document("azure_role_assignments", str(path)),
                 "custom_roles": model.clouds.document("azure_custom_roles", str(path))}
        if model.clouds.azure_managed_identities:
            azure["managed_identities"] = model.clouds.document("azure_managed_identities", str(path))
        credentials = _credentials_of(model, identity, path)
        if credentials is not None:
            azure["federated_credentials"] = credentials
        return azure
    if cloud == "gcp":
        gcp = {"iam_bindings": model.clouds.document("gcp_bindings", str(path)),
               "custom_roles": model.clouds.document("gcp_custom_roles", str(path))}
        providers = _providers_of(model, path)
        if providers is not None:
            gcp["workload_identity_providers"] = providers
        return gcp
    roles = [r for r in model.roles if identity is not None and r.arn == identity] or model.roles
    if len(roles) != 1:
        names = ", ".join(r.address for r in model.roles) or "none"
        raise InputError(f"{path} must define the lab's role (found: {names})", Where(str(path)),
                         f"define one aws_iam_role for the lab's identity {identity}")
    role = roles[0]
    documents: dict[str, LoadedDocument] = {}
    if role.trust is not None:
        documents["trust"] = role.trust.document
    if role.boundary is not None:
        documents["boundary"] = role.boundary.document
    for index, policy in enumerate(role.policies, start=1):
        documents["permissions" if index == 1 else f"permissions {index}"] = policy.document
    return documents


def _providers_of(model: IacModel, path: Path) -> LoadedDocument | None:
    """The pool providers with a known name (the project number given), each located at its resource block."""
    found = [p for p in model.clouds.workload_identity_providers if p.name is not None]
    if not found:
        return None
    data = [{"name": p.name, "issuer": p.issuer, "allowed_audiences": list(p.allowed_audiences),
             "attribute_mapping": dict(p.attribute_mapping), "attribute_condition": p.attribute_condition}
            for p in found]
    positions = {f"/{i}": Position(p.where.line or 1, p.where.column or 1, p.where.file or str(path))
                 for i, p in enumerate(found)}
    return LoadedDocument(str(path), data, positions)


def _credentials_of(model: IacModel, identity: str | None, path: Path) -> LoadedDocument | None:
    """The lab identity's federated credentials (all of them when the identity is not a resource id)."""
    entries = model.clouds.azure_federated_credentials
    if not entries:
        return None
    document = model.clouds.document("azure_federated_credentials", str(path))
    keep = [i for i, e in enumerate(entries) if identity is None or "/" not in identity
            or str(e["identity"]).lower() == identity.lower()]
    data = [{k: v for k, v in entries[i].items() if k != "identity"} for i in keep]
    positions = {}
    for new, old in enumerate(keep):
        for pointer, position in document.positions.items():
            if pointer == f"/{old}" or pointer.startswith(f"/{old}/"):
                positions[f"/{new}" + pointer[len(f"/{old}"):]] = position
    return LoadedDocument(str(path), data, positions)


def _account_of(identity: str | None) -> str | None:
    parts = (identity or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4].isdigit() else None
