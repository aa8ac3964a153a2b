"""Run the independent evaluator (@cloud-copilot/iam-simulate under node) on batch cases.

Before a case goes to node it passes through `for_reference`, which applies rewrites that keep its
meaning under AWS's documented rules but steer around two gaps of the reference evaluator (each is
described with its AWS doc page in docs/aws-differences.md):

- Version 2008-10-17 (or no Version): AWS treats `${...}` as literal text there, iam-simulate
  substitutes it anyway. The rewrite spells each `${` as `${$}{` under Version 2012-10-17, which
  AWS documents as the same literal text.
- GitHub's OIDC keys `token.actions.githubusercontent.com:sub` and `:aud` are missing from
  iam-simulate's catalog, so it silently drops them from the request. The rewrite renames them to
  `accounts.google.com:sub` and `:aud` (string keys it knows) in both the request and the policies.
"""

from __future__ import annotations

import json
import shutil
import subprocess
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


def for_reference(case: dict[str, Any]) -> dict[str, Any]:
    """The same case, rewritten only in ways AWS documents as equivalent (see the module docstring)."""
    out = dict(case)
    for field in POLICY_FIELDS:
        out[field] = _literal_variables(out.get(field))
    out["identity_policies"] = [_literal_variables(p) for p in out.get("identity_policies") or []]
    out["scps"] = [[_literal_variables(p) for p in level] for level in out.get("scps") or []]
    out["rcps"] = [[_literal_variables(p) for p in level] for level in out.get("rcps") or []]
    if any(key in json.dumps(out) for key in OIDC_KEY_RENAMES):
        out = _rename_keys(out)
    return out


def run_reference(
    cases: list[dict[str, Any]], *, repeat: int = 1, timeout: float = 300.0
) -> tuple[list[dict[str, Any]], float]:
    """Decide the cases in one node process; return its output lines and its evaluation-loop seconds."""
    node = node_executable()
    if node is None:
        raise ReferenceUnavailable("node is not on PATH; install node 20 or newer")
    installed_version()
    payload = "".join(json.dumps(for_reference(c)) + "\n" for c in cases)
    completed = subprocess.run(
        [node, str(DRIVER), "--stats", "--repeat", str(repeat)],
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
    return results, float(stats["eval_seconds"])
