"""`iamlab lint FILE...`: findings for AWS policies as text, JSON or SARIF 2.1.0.

A FILE may be a policy document, a Terraform file or folder (its `.tf` files and `terraform.tfvars`), a
CloudFormation template, or a GitHub Actions workflow (a folder's `.github/workflows/` are read too);
findings point into the file the policy was written in (docs/iac.md). `--rules DIR` also runs every `.rego`
guardrail in DIR against each policy.

Exit codes: 0 no finding at or above --fail-on; 1 some finding at or above it; 2 a file could not be
read or parsed (its error is printed with file:line:column; the other files are still linted).
The kind of a bare policy is guessed from the document (Principal + sts:AssumeRole* -> trust; Principal ->
resource; otherwise identity) unless --kind says it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from checker import __version__
from checker.core.errors import InputError
from checker.core.findings import Finding, Severity

FORMATS = ("text", "json", "sarif")
SEVERITIES = tuple(s.value for s in Severity)
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "security": "error", "warning": "warning", "suggestion": "note"}
# GitHub code scanning ranks security results by this property (0-10).
SECURITY_SEVERITY = {"error": "7.0", "security": "8.0", "warning": "5.0", "suggestion": "2.0"}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", metavar="FILE", nargs="+",
        help="policy documents, .tf files or folders, CloudFormation templates, GitHub Actions workflows",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="warning",
        help="exit 1 when a finding is at least this severe (default: warning)",
    )
    parser.add_argument(
        "--kind", choices=("auto", "identity", "resource", "trust", "boundary", "scp"), default="auto"
    )
    parser.add_argument(
        "--account", metavar="ID", help="the owner's account id (sharpens cross-account trust findings)"
    )
    parser.add_argument("--region", metavar="REGION", help="the AWS region Terraform/CloudFormation code refers to")
    parser.add_argument("--var", metavar="NAME=VALUE", action="append", default=[],
                        help="a Terraform variable or CloudFormation parameter value (repeatable)")
    parser.add_argument("--ref", metavar="NAME=VALUE", action="append", default=[],
                        help="a value the code refers to, e.g. aws_s3_bucket.data.arn=arn:aws:s3:::d (repeatable)")
    parser.add_argument("--azure-subscription", metavar="ID", help="the subscription Terraform's Azure ids are in")
    parser.add_argument("--gcp-project-number", metavar="N", help="the project number of workload identity pools")
    parser.add_argument("--rules", metavar="DIR", help="run every .rego guardrail in DIR (Rego v1) on each policy")


def run(args: argparse.Namespace) -> int:
    from checker.cli.lint_sources import lint_sources

    try:
        findings, errors = lint_sources(args)
    except InputError as exc:  # a bad --rules folder or option: nothing could be linted
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = bool(errors)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([f.to_json() for f in findings], indent=2))
    elif args.format == "sarif":
        print(json.dumps(to_sarif(findings), indent=2))
    elif failed and not findings:
        # "no findings" would read as a clean bill for files that were never linted.
        print(f"no findings in what could be read; {len(errors)} input(s) could not be linted (errors above)")
    else:
        print(to_text(findings))
    if failed:
        return 2
    threshold = Severity(args.fail_on)
    return 1 if any(f.severity.at_least(threshold) for f in findings) else 0


def guess_kind(data: Any) -> Any:
    from checker.aws.policy import PolicyKind

    statements = data.get("Statement") if isinstance(data, dict) else None
    items = statements if isinstance(statements, list) else [statements]
    with_principal = [s for s in items if isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s)]
    if not with_principal:
        return PolicyKind.IDENTITY
    actions: list[Any] = []
    for statement in with_principal:
        value = statement.get("Action", [])
        actions.extend(value if isinstance(value, list) else [value])
    if actions and all(
        isinstance(a, str)
        and a.lower().startswith("sts:assumerole")
        or a in ("sts:TagSession", "sts:SetSourceIdentity")
        for a in actions
    ):
        return PolicyKind.TRUST
    return PolicyKind.RESOURCE


def to_text(findings: list[Finding]) -> str:
    if not findings:
        return "no findings"
    lines = []
    for f in findings:
        where = str(f.where) if f.where else "-"
        lines.append(f"{where}: {f.severity.value} {f.code}: {f.message}")
        if f.hint:
            lines.append(f"  fix: {f.hint}")
        if f.doc:
            lines.append(f"  see: {f.doc}")
    counts = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    lines.append(", ".join(f"{n} {name}" for name, n in counts.items() if n))
    return "\n".join(lines)


def to_sarif(findings: list[Finding]) -> dict[str, Any]:
    """SARIF 2.1.0 (OASIS), in the shape GitHub code scanning reads: one rule per code, one result per finding."""
    from checker.aws.analyze.findings.codes import CODES
    from checker.iac.findings import CODES as WORKFLOW_CODES

    used = sorted({f.code for f in findings})
    rules = []
    for code in used:
        entry: Any = CODES.get(code) or WORKFLOW_CODES.get(code)
        severity = entry.severity.value if entry else next(f.severity.value for f in findings if f.code == code)
        rules.append(
            {
                "id": code,
                "name": code.title().replace("-", ""),
                "shortDescription": {"text": entry.title if entry else code},
                "fullDescription": {"text": entry.title if entry else code},
                "help": {"text": entry.hint if entry else code},
                "helpUri": entry.doc if entry else None,
                "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
                "properties": {
                    "tags": ["security", "iam", "aws"],
                    "security-severity": SECURITY_SEVERITY[severity],
                },
            }
        )
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": used.index(f.code),
            "level": SARIF_LEVEL[f.severity.value],
            "message": {"text": f.message + (f" Fix: {f.hint}" if f.hint else "")},
        }
        if f.where is not None:
            region: dict[str, int] = {}
            if f.where.line:
                region["startLine"] = f.where.line
                if f.where.column:
                    region["startColumn"] = f.where.column
            location: dict[str, Any] = {"artifactLocation": {"uri": f.where.file.replace("\\", "/")}}
            if region:
                location["region"] = region
            result["locations"] = [{"physicalLocation": location}]
            if f.where.pointer:
                result["properties"] = {"jsonPointer": f.where.pointer}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iamlab",
                        "version": __version__,
                        "informationUri": "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
