"""Compare the AWS linter's findings with parliament's and cloudsplaining's on the same policies.

Dev note: parliament is not a dependency of the checker; cloudsplaining is a dev dependency (the
escalation bench compares with it). Install parliament into the development virtualenv to run this:

    .venv/bin/pip install parliament
    .venv/bin/python scripts/compare_peers.py [FILES...]   # default: the trap corpus and the lab policies

For each policy it prints, per family of finding, which of the three tools reports it, and ends with a
Markdown table (the source of docs/peer-comparison.md). Families put each tool's own codes under one
name: parliament issue codes and cloudsplaining's risk categories are mapped below.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checker.aws.analyze import lint  # noqa: E402
from checker.aws.policy import parse_policy  # noqa: E402
from checker.cli.lint import guess_kind  # noqa: E402
from checker.core.errors import InputError  # noqa: E402
from checker.core.source import load_document  # noqa: E402

FAMILIES = {
    "AWS-UNKNOWN-ACTION": "unknown action",
    "AWS-ACTION-MATCHES-NOTHING": "unknown action",
    "AWS-WILDCARD-ACTION": "service wildcard",
    "AWS-WILDCARD-SERVICE": "service wildcard",
    "AWS-WILDCARD-PARTIAL": "partial action wildcard",
    "AWS-RESOURCE-STAR": "Resource * where resources are supported",
    "AWS-ALLOW-NOT-ACTION": "Allow with NotAction",
    "AWS-RESOURCE-PUBLIC": "public resource policy",
    "AWS-RESOURCE-MISMATCH": "resource does not fit the action",
    "AWS-ALLOW-NOT-RESOURCE": "Allow with NotResource",
    "AWS-PASSROLE-UNRESTRICTED": "iam:PassRole unrestricted",
    "AWS-PRIVESC-ACTION": "privilege escalation",
    "AWS-PRIVESC-COMBO": "privilege escalation",
    "AWS-DATA-EXFILTRATION": "data exfiltration",
    "AWS-RESOURCE-EXPOSURE": "resource exposure",
    "AWS-CREDENTIAL-EXPOSURE": "credentials exposure",
    "AWS-TRUST-PUBLIC": "trust open to everyone",
    "AWS-TRUST-CROSS-ACCOUNT": "cross-account trust without ExternalId/org",
    "AWS-TRUST-CONFUSED-DEPUTY": "service trust without SourceAccount/SourceArn",
    "AWS-TRUST-OIDC-NO-SUB": "OIDC trust sub missing or wildcard",
    "AWS-TRUST-OIDC-WILDCARD-SUB": "OIDC trust sub missing or wildcard",
    "AWS-UNKNOWN-CONDITION-KEY": "unknown condition key",
    "AWS-VARIABLE-OLD-VERSION": "variable under Version 2008-10-17",
    "AWS-REDUNDANT-STATEMENT": "redundant statement",
}
PARLIAMENT = {
    "UNKNOWN_ACTION": "unknown action",
    "UNKNOWN_PREFIX": "unknown action",
    "RESOURCE_STAR": "Resource * where resources are supported",
    "UNKNOWN_CONDITION_FOR_ACTION": "unknown condition key",
    "UNKNOWN_OPERATOR": "unknown condition operator",
    "MISMATCHED_TYPE": "condition type mismatch",
    "RESOURCE_MISMATCH": "resource does not fit the action",
    "PRIVILEGE_ESCALATION": "privilege escalation",
    "CREDENTIALS_EXPOSURE": "credentials exposure",
    "PERMISSIONS_MANAGEMENT_ACTIONS": "resource exposure",
    "NOTACTION": "Allow with NotAction",
}
CLOUDSPLAINING: dict[str, Callable[[Any], Any]] = {
    "privilege escalation": lambda d: d.allows_privilege_escalation,
    "data exfiltration": lambda d: d.allows_data_exfiltration_actions,
    "resource exposure": lambda d: d.permissions_management_without_constraints,
    "credentials exposure": lambda d: d.credentials_exposure,
    "service wildcard": lambda d: d.service_wildcard,
    "Allow with NotAction": lambda d: d.contains_statement_using_not_action,
    "infrastructure modification": lambda d: d.infrastructure_modification,
}


def ours(path: Path) -> set[str]:
    document = load_document(path)
    kind = guess_kind(document.data)
    policy = parse_policy(document, name=str(path), kind=kind)
    return {FAMILIES.get(f.code, f.code) for f in lint(policy)}


def parliament_families(text: str) -> set[str]:
    from parliament import analyze_policy_string

    try:
        analyzed = analyze_policy_string(text, include_community_auditors=True)
    except Exception as exc:  # parliament raises on what it cannot read; record it as a finding
        return {f"(parliament error: {type(exc).__name__})"}
    return {PARLIAMENT.get(f.issue, f.issue.lower().replace("_", " ")) for f in analyzed.findings}


def cloudsplaining_families(data: Any) -> set[str]:
    from cloudsplaining.scan.policy_document import PolicyDocument

    statements = data.get("Statement", [])
    if any(
        isinstance(s, dict) and "Principal" in s
        for s in (statements if isinstance(statements, list) else [statements])
    ):
        return set()  # cloudsplaining scans identity policies only
    try:
        document = PolicyDocument(data)
    except Exception as exc:
        return {f"(cloudsplaining error: {type(exc).__name__})"}
    found = set()
    for family, probe in CLOUDSPLAINING.items():
        try:
            if probe(document):
                found.add(family)
        except Exception:
            continue
    return found


def default_files() -> list[Path]:
    files = sorted((ROOT / "tests/aws_analysis/data/corpus").glob("*.json"))
    files += sorted(ROOT.glob("labs/*/.starter/aws/*.json")) + sorted(ROOT.glob("solutions/*/aws/*.json"))
    return [f for f in files if "training-job.json" not in f.name]


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or default_files()
    totals: dict[str, dict[str, int]] = {}
    for path in files:
        text = path.read_text()
        try:
            mine = ours(path)
        except InputError as exc:
            print(f"{path}: not a policy ({exc})")
            continue
        data = json.loads(text)
        theirs_p = parliament_families(text)
        theirs_c = cloudsplaining_families(data)
        print(f"\n{path.relative_to(ROOT) if path.is_absolute() else path}")
        for family in sorted(mine | theirs_p | theirs_c):
            marks = ["x" if family in s else "-" for s in (mine, theirs_p, theirs_c)]
            print(f"  {'  '.join(marks)}  {family}")
            row = totals.setdefault(family, {"iamlab": 0, "parliament": 0, "cloudsplaining": 0})
            for tool, hit in zip(("iamlab", "parliament", "cloudsplaining"), marks, strict=True):
                row[tool] += hit == "x"
    print("\n| family | iamlab | parliament | cloudsplaining |\n|---|---|---|---|")
    for family, row in sorted(totals.items()):
        print(f"| {family} | {row['iamlab']} | {row['parliament']} | {row['cloudsplaining']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
