"""Run the independent evaluator (@cloud-copilot/iam-simulate under node) on batch cases.

Before a case goes to node it passes through `for_reference`, which applies rewrites that keep its
meaning under AWS's documented rules but steer around gaps of the reference evaluator (each is
described with its AWS doc page in docs/aws-differences.md):

- Version 2008-10-17 (or no Version): AWS treats `${...}` as literal text there, iam-simulate
  substitutes it anyway. The rewrite spells each `${` as `${$}{` under Version 2012-10-17, which
  AWS documents as the same literal text.
- GitHub's OIDC keys `token.actions.githubusercontent.com:sub` and `:aud` are missing from
  iam-simulate's catalog, so it silently drops them from the request. The rewrite renames them to
  `accounts.google.com:sub` and `:aud` (string keys it knows) in both the request and the policies.
- Epoch seconds in date conditions (`"1767225600"`): AWS accepts them as dates; iam-simulate reads
  them as milliseconds. The rewrite spells them as ISO 8601 (the same instant).
- The whole-range CIDR blocks `0.0.0.0/0` and `::/0` match nothing in iam-simulate. The rewrite
  spells each as its two halves (`0.0.0.0/1` + `128.0.0.0/1`, `::/1` + `8000::/1`), the same range.
  A bare address (`203.0.113.200`, a one-address range in AWS) breaks iam-simulate's NotIpAddress for
  IPv6 callers; the rewrite adds the explicit `/32` or `/128`.
- Policy variables with no value ("IAM policy elements: Variables and tags", "Policy variables with no
  value"): such a value is a null value, and "Inverted condition operators like StringNotEquals or
  StringNotLike do match against a null value"; iam-simulate makes a negated clause false instead. The
  rewrite spells the null value of a negated clause as a literal no request carries (which AWS decides
  the same way: nothing matches it). A null value beside literal values is the one case the guide leaves
  open: there the null value is removed, so both evaluators compare against the literals (our reading,
  see docs/aws-differences.md). A `NotResource` entry with a null value matches no resource, so it
  excludes nothing; iam-simulate makes the whole statement not apply. The rewrite spells the entry as an
  ARN no request names.
- RCPFullAWSAccess (`Allow`, `Principal: "*"`, `Action: "*"`) in an RCP level: iam-simulate adds it
  to every level itself and rejects a copy in the input ("Action cannot be * in a resource control
  policy"), so the rewrite leaves it out.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "simulate.mjs"
PACKAGE = HERE / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"

OIDC_KEY_RENAMES = {
    "token.actions.githubusercontent.com:sub": "accounts.google.com:sub",
    "token.actions.githubusercontent.com:aud": "accounts.google.com:aud",
}
POLICY_FIELDS = ("resource_policy", "permissions_boundary", "session_policy")
DATE_KEYS = {"aws:currenttime", "aws:tokenissuetime", "aws:epochtime"}


class ReferenceUnavailable(RuntimeError):
    """node or the npm package is missing; the message says how to install it."""


def node_executable() -> str | None:
    return shutil.which("node")


def installed_version() -> str:
    if not PACKAGE.exists():
        raise ReferenceUnavailable(
            "the npm package @cloud-copilot/iam-simulate is not installed; run "
            "`npm ci --prefix tests/differential` (or `make unit`, which does it when needed)"
        )
    version: str = json.loads(PACKAGE.read_text(encoding="utf-8"))["version"]
    return version


def _literal_variables(document: Any) -> Any:
    """A 2008-10-17 (or version-less) policy rewritten so `${` stays literal under 2012-10-17."""
    if not isinstance(document, dict) or document.get("Version") == "2012-10-17":
        return document
    text = json.dumps(document)
    if "${" not in text:
        return document
    rewritten = json.loads(text.replace("${", "${$}{"))
    rewritten["Version"] = "2012-10-17"
    return rewritten


def _rename_keys(document: Any) -> Any:
    text = json.dumps(document)
    for old, new in OIDC_KEY_RENAMES.items():
        text = text.replace(old, new)
    return json.loads(text)


def _iso(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


WHOLE_RANGES = {"0.0.0.0/0": ["0.0.0.0/1", "128.0.0.0/1"], "::/0": ["::/1", "8000::/1"]}


def _explicit_ranges(value: Any) -> Any:
    values = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in values:
        if isinstance(item, str) and "/" not in item and "${" not in item:
            item += "/128" if ":" in item else "/32"
        out.extend(WHOLE_RANGES.get(item, [item]))
    return out


VARIABLE = re.compile(r"\$\{([^}]+)\}")
NULL_STRING = "iamlab-null-value"  # no generated request carries this text
NULL_ARN = "arn:aws:iamlab:::null-value"  # nor names this ARN
NEGATED = ("stringnot", "arnnot")


def _is_null(value: Any, present: set[str]) -> bool:
    """A policy value naming a variable with no value: its key is absent and it has no default."""
    if not isinstance(value, str):
        return False
    return any(
        name not in ("*", "?", "$") and "," not in name and name.lower() not in present
        for name in VARIABLE.findall(value)
    )


def _null_values_spelled(block: dict[str, Any], operator: str, present: set[str]) -> None:
    """Null values of one operator block rewritten so iam-simulate decides them as AWS documents."""
    base = operator.lower().split(":")[-1]
    for key in list(block):
        values = block[key] if isinstance(block[key], list) else [block[key]]
        nulls = [_is_null(v, present) for v in values]
        if not any(nulls):
            continue
        if not all(nulls):  # the case the guide leaves open: compare against the literals
            block[key] = [v for v, null in zip(values, nulls, strict=True) if not null]
        elif base.startswith(NEGATED):  # "Inverted condition operators ... do match against a null value"
            block[key] = NULL_ARN if base.startswith("arn") else NULL_STRING


def _not_resources_spelled(statement: dict[str, Any], present: set[str]) -> None:
    entries = statement.get("NotResource")
    if entries is None:
        return
    listed = entries if isinstance(entries, list) else [entries]
    spelled = [NULL_ARN if _is_null(e, present) else e for e in listed]
    statement["NotResource"] = spelled if isinstance(entries, list) else spelled[0]


def _resolve_conditions(document: Any, present: set[str]) -> Any:
    """Null values spelled as AWS reads them, dates as ISO 8601, address ranges explicit."""
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), (list, dict)):
        return document
    document = json.loads(json.dumps(document))
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    variables = document.get("Version") == "2012-10-17"
    for statement in statements:
        if variables and isinstance(statement, dict):
            _not_resources_spelled(statement, present)
        condition = statement.get("Condition") if isinstance(statement, dict) else None
        if not isinstance(condition, dict):
            continue
        for operator in list(condition):
            block = condition[operator]
            if not isinstance(block, dict):
                continue
            if variables:
                _null_values_spelled(block, operator, present)
            base = operator.lower().split(":")[-1]
            for key in list(block):
                if base.startswith("date"):
                    block[key] = _iso(block[key])
                if base.startswith(("ipaddress", "notipaddress")):
                    block[key] = _explicit_ranges(block[key])
    return document


def _is_rcp_full_access(document: Any) -> bool:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    full = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}
    return isinstance(statements, list) and len(statements) == 1 and statements[0] == full


def _policy(document: Any, present: set[str]) -> Any:
    return _resolve_conditions(_literal_variables(document), present)


def for_reference(case: dict[str, Any]) -> dict[str, Any]:
    """The same case, rewritten only in ways AWS documents as equivalent (see the module docstring)."""
    out = dict(case)
    context = dict(out.get("context") or {})
    for key in list(context):
        if key.lower() in DATE_KEYS:
            context[key] = _iso(context[key])
    out["context"] = context
    # A list cannot fill a variable ("a multivalued key cannot be used as a variable"): only single values.
    present = {key.lower() for key, value in context.items() if not isinstance(value, list)}
    for field in POLICY_FIELDS:
        out[field] = _policy(out.get(field), present)
    out["identity_policies"] = [_policy(p, present) for p in out.get("identity_policies") or []]
    out["scps"] = [[_policy(p, present) for p in level] for level in out.get("scps") or []]
    out["rcps"] = [
        [_policy(p, present) for p in level if not _is_rcp_full_access(p)] for level in out.get("rcps") or []
    ]
    if any(key in json.dumps(out) for key in OIDC_KEY_RENAMES):
        out = _rename_keys(out)
    return out


def run_reference(
    cases: list[dict[str, Any]], *, repeat: int = 1, warmup: bool = False, timeout: float = 300.0
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Decide the cases in one node process; return its output lines and timing of its evaluation loop
    (`eval_seconds` wall clock, `cpu_seconds` process CPU time), after one untimed pass when `warmup`."""
    node = node_executable()
    if node is None:
        raise ReferenceUnavailable("node is not on PATH; install node 20 or newer")
    installed_version()
    payload = "".join(json.dumps(for_reference(c)) + "\n" for c in cases)
    completed = subprocess.run(
        [node, str(DRIVER), "--stats", "--repeat", str(repeat), *(["--warmup"] if warmup else [])],
        input=payload,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=HERE,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"simulate.mjs failed with exit code {completed.returncode}:\n{completed.stderr}")
    results = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    if len(results) != len(cases):
        raise RuntimeError(f"simulate.mjs answered {len(results)} lines for {len(cases)} cases")
    stats = json.loads(completed.stderr.strip().splitlines()[-1])
    return results, {"eval_seconds": float(stats["eval_seconds"]), "cpu_seconds": float(stats["cpu_seconds"])}
