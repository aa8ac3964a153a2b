"""The files `iamlab lint` reads, turned into findings: each file through its reader (checker.iac), each
policy through the AWS linter and the Rego guardrails, each workflow through the workflow findings.

A file that cannot be read or parsed is reported with its location and the others are still linted.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.findings import Finding


def lint_sources(args: argparse.Namespace) -> tuple[list[Finding], list[InputError]]:
    from checker.iac.detect import Kind, kind_of, workflows_in
    from checker.iac.rego import Guardrails

    guardrails = Guardrails(args.rules) if getattr(args, "rules", None) else None
    variables = option_pairs(getattr(args, "var", []), "--var")
    references = option_pairs(getattr(args, "ref", []), "--ref")
    findings: list[Finding] = []
    errors: list[InputError] = []
    terraform: dict[Path, list[Path]] = defaultdict(list)
    others: list[tuple[Kind, Path]] = []
    for raw in args.files:
        path = Path(raw)
        try:
            if path.is_dir():
                found = workflows_in(path)
                others.extend((Kind.WORKFLOW, w) for w in found)
                if any(path.glob("*.tf")):
                    terraform[path].append(path)
                elif not found:
                    raise InputError("this folder has no .tf files and no .github/workflows", Where(raw))
                continue
            if not path.exists():
                raise InputError("file not found", Where(raw))
            kind = kind_of(path)
            if kind is Kind.TERRAFORM:
                terraform[path.parent].append(path)
            else:
                others.append((kind, path))
        except InputError as exc:
            errors.append(exc)
    for _folder, paths in terraform.items():
        _guarded(errors, lambda paths=paths: findings.extend(
            _iac_findings(_read_terraform(paths, args, variables, references), args, guardrails)))
    for kind, path in others:
        if kind is Kind.CLOUDFORMATION:
            _guarded(errors, lambda path=path: findings.extend(
                _iac_findings(_read_template(path, args, variables, references), args, guardrails)))
        elif kind is Kind.WORKFLOW:
            _guarded(errors, lambda path=path: findings.extend(_workflow_findings(path)))
        else:
            _guarded(errors, lambda path=path: findings.extend(_policy_findings(path, args, guardrails)))
    return findings, errors


def _guarded(errors: list[InputError], work: Any) -> None:
    try:
        work()
    except InputError as exc:
        errors.append(exc)


def option_pairs(items: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"{option} takes NAME=VALUE, not {item!r}")
        pairs[name] = value
    return pairs


def _read_terraform(paths: list[Path], args: argparse.Namespace, variables: dict[str, str],
                    references: dict[str, str]) -> Any:
    from checker.iac.terraform import Setting, read_terraform

    setting = Setting(variables=variables, references=references, account=args.account,
                      region=getattr(args, "region", None),
                      azure_subscription=getattr(args, "azure_subscription", None),
                      gcp_project_number=getattr(args, "gcp_project_number", None))
    return read_terraform(list(paths), setting)


def _read_template(path: Path, args: argparse.Namespace, variables: dict[str, str],
                   references: dict[str, str]) -> Any:
    from checker.iac.cloudformation import Setting, read_cloudformation

    setting = Setting(parameters=variables, references=references, account=args.account,
                      region=getattr(args, "region", None))
    return read_cloudformation(path, setting)


def _iac_findings(model: Any, args: argparse.Namespace, guardrails: Any) -> list[Finding]:
    from checker.aws.analyze import lint
    from checker.aws.policy import PolicyKind, parse_policy
    from checker.iac.rego import PolicyInput

    found: list[Finding] = _other_cloud_findings(model, guardrails)
    if guardrails is not None and model.clouds.gcp_bindings:
        # The GCP bindings of the configuration, as one list (lab 02's GCP guardrails read input.policy so).
        document = model.clouds.document("gcp_bindings", "terraform")
        found.extend(guardrails.check(PolicyInput("gcp", "bindings", "GCP bindings", document, document.locate("/0"))))
    for policy in model.policies:
        parsed = parse_policy(policy.document, name=policy.name, kind=PolicyKind(policy.kind))
        found.extend(lint(parsed, account=args.account))
        if guardrails is not None:
            found.extend(guardrails.check(PolicyInput(policy.cloud, policy.kind, policy.name, policy.document,
                                                      policy.where, policy.attached_to, policy.arn)))
    return found


def _other_cloud_findings(model: Any, guardrails: Any = None) -> list[Finding]:
    """Azure and GCP resources of a Terraform configuration, linted by their engines (AZ..., GCP... codes);
    the Azure resources also go to the guardrails, as one `azure-rbac` input (checker/iac/rego.py)."""
    clouds = model.clouds
    found: list[Finding] = []
    if clouds.azure_role_assignments or clouds.azure_custom_roles:
        from checker.azure.engine import ENGINE as AZURE

        files = {"role_assignments": clouds.document("azure_role_assignments", "terraform"),
                 "custom_roles": clouds.document("azure_custom_roles", "terraform")}
        found.extend(AZURE.findings(AZURE.load_submission(files, {})))
    if guardrails is not None and (clouds.azure_role_assignments or clouds.azure_custom_roles
                                   or clouds.azure_federated_credentials):
        from checker.iac.rego import AZURE_KIND, PolicyInput

        document = _azure_resources(clouds)
        found.extend(guardrails.check(PolicyInput("azure", AZURE_KIND, "azure resources", document,
                                                  document.locate(""))))
    if clouds.gcp_bindings or clouds.gcp_custom_roles:
        from checker.gcp.engine import ENGINE as GCP

        files = {"iam_bindings": clouds.document("gcp_bindings", "terraform"),
                 "custom_roles": clouds.document("gcp_custom_roles", "terraform")}
        found.extend(GCP.findings(GCP.load_submission(files, {})))
    return found


def _azure_resources(clouds: Any) -> Any:
    """One document {role_assignments, custom_roles, federated_credentials} keeping each entry's .tf position."""
    from checker.core.source import LoadedDocument

    data: dict[str, Any] = {}
    positions: dict[str, Any] = {}
    for key, name in (("role_assignments", "azure_role_assignments"), ("custom_roles", "azure_custom_roles"),
                      ("federated_credentials", "azure_federated_credentials")):
        part = clouds.document(name, "terraform")
        data[key] = [{k: v for k, v in entry.items() if k != "identity"} if key == "federated_credentials" else entry
                     for entry in part.data]
        positions.update({f"/{key}{pointer}": at for pointer, at in part.positions.items()})
    first = next(iter(positions.values()), None)
    return LoadedDocument(first.file if first is not None else "terraform", data, positions)


def _workflow_findings(path: Path) -> list[Finding]:
    from checker.iac.findings import check
    from checker.iac.workflows import read_workflow

    return check(read_workflow(path))


def _policy_findings(path: Path, args: argparse.Namespace, guardrails: Any) -> list[Finding]:
    from checker.aws.analyze import lint
    from checker.aws.policy import PolicyKind, parse_policy
    from checker.cli.lint import guess_kind
    from checker.core.source import load_document
    from checker.iac.rego import PolicyInput

    document = load_document(path)
    kind = PolicyKind(args.kind) if args.kind != "auto" else guess_kind(document.data)
    policy = parse_policy(document, name=str(path), kind=kind)
    found = lint(policy, account=args.account)
    if guardrails is not None:
        found.extend(guardrails.check(PolicyInput("aws", kind.value, str(path), document, document.locate(""))))
    return found
