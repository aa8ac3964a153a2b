"""Rego guardrails: every `.rego` file of a folder run against each policy with regopy (rego-cpp, Rego v1).

Each module's `deny` rule is queried once per policy with this input document (docs/iac.md shows it whole):

    {"cloud": "aws", "kind": "identity|trust|boundary|resource", "name": "...", "file": "infra/main.tf",
     "line": 12, "column": 3, "attached_to": "arn:aws:iam::...:role/x" or null, "arn": "..." or null,
     "policy": {...the policy JSON...},
     "statements": [{"index": 0, "sid": "ReadData" or null, "file": "...", "line": 14, "column": 5}, ...]}

For Azure (`iamlab lint` of a Terraform folder's Azure resources, or a lab's Azure corpus), one input per
configuration: `"cloud": "azure"`, `"kind": "azure-rbac"`, and `policy` holding the lists
`role_assignments`, `custom_roles` and `federated_credentials` in the Azure engine's lab format (`statements`
is empty; point at an entry with `"pointer": "/role_assignments/0"`).

`deny` must be a set (`deny contains msg if { ... }`). A member that is text becomes a finding at the
policy; an object `{"msg": text, "statement": index}` (optionally `"pointer"`, a JSON pointer into the policy,
and `"severity"`) becomes a finding at that statement or element.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.findings import Finding, Severity
from checker.core.source import LoadedDocument, pointer_join, read_text_file

MAX_RULE_BYTES = 1024 * 1024
AZURE_KIND = "azure-rbac"  # the Azure resources of one configuration, {role_assignments, custom_roles, ...}
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][A-Za-z0-9_.]*)", re.MULTILINE)
_ERROR_OFFSET = re.compile(r"\(error \d+:(?P<file>[^|]*)\|(?P<offset>\d+)\|\d+")
_ERROR_MESSAGE = re.compile(r"\(errormsg \d+:(?P<message>[^)]*)\)")


@dataclass(frozen=True)
class PolicyInput:
    """A policy as the guardrails see it."""

    cloud: str
    kind: str
    name: str
    document: LoadedDocument
    where: Where
    attached_to: str | None = None
    arn: str | None = None

    def to_input(self) -> dict[str, Any]:
        statements = []
        raw = self.document.data.get("Statement") if isinstance(self.document.data, dict) else None
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        for index, statement in enumerate(items):
            pointer = pointer_join("/Statement", index) if isinstance(raw, list) else "/Statement"
            at = self.document.locate(pointer)
            statements.append({
                "index": index,
                "sid": statement.get("Sid") if isinstance(statement, dict) else None,
                "file": at.file, "line": at.line, "column": at.column,
            })
        return {
            "cloud": self.cloud, "kind": self.kind, "name": self.name,
            "file": self.where.file, "line": self.where.line, "column": self.where.column,
            "attached_to": self.attached_to, "arn": self.arn,
            "policy": self.document.data, "statements": statements,
        }


@dataclass(frozen=True)
class Rule:
    path: str
    package: str


class Guardrails:
    """The `.rego` modules of one folder, compiled once and queried per policy."""

    def __init__(self, folder: str | Path) -> None:
        from regopy import Interpreter, RegoError

        root = Path(folder)
        if not root.is_dir():
            raise InputError("--rules must name a folder of .rego files", Where(str(folder)))
        files = sorted(root.glob("*.rego"))
        if not files:
            raise InputError("the rules folder has no .rego files", Where(str(folder)))
        self.interpreter = Interpreter()
        self.rules: list[Rule] = []
        self.sources: dict[str, str] = {}
        for file in files:
            text = _read(file)
            match = _PACKAGE.search(text)
            if match is None:
                raise InputError("a Rego module starts with `package NAME`", Where(str(file), 1, 1))
            self.sources[file.name] = text
            rule = Rule(str(file), match.group(1))
            try:
                self.interpreter.add_module(file.name, text)
            except RegoError as exc:
                raise self._rego_error(exc, rule) from None
            self.rules.append(rule)

    def check(self, policy: PolicyInput) -> list[Finding]:
        from regopy import RegoError

        try:
            self.interpreter.set_input(policy.to_input())
        except (RegoError, TypeError, ValueError) as exc:
            raise InputError(f"the policy cannot be handed to Rego: {exc}", policy.where) from None
        found: list[Finding] = []
        for rule in self.rules:
            try:
                output = self.interpreter.query(f"data.{rule.package}.deny")
            except RegoError as exc:
                raise self._rego_error(exc, rule) from None
            found.extend(self._findings(rule, output, policy))
        return found

    def _findings(self, rule: Rule, output: Any, policy: PolicyInput) -> list[Finding]:
        text = str(output)
        if text.startswith("Errors:") or text.lstrip().startswith("Error"):
            raise self._error_text(text, rule)
        data = json.loads(text) if text.strip() else {}
        expressions = data.get("expressions") or []
        if not expressions or expressions[0] is None:
            return []  # the module defines no deny for this input
        denied = expressions[0]
        if isinstance(denied, dict) and not denied:
            return []
        if not isinstance(denied, list):
            raise InputError(
                f"data.{rule.package}.deny must be a set of messages, not {type(denied).__name__}",
                Where(rule.path),
                "write the rule as `deny contains msg if { ... }` (Rego v1)",
            )
        code = f"REGO-{rule.package}"
        out = []
        for item in denied:
            message, pointer, severity = _message(item, rule)
            where = policy.document.locate(pointer) if pointer is not None else policy.where
            out.append(Finding(code, severity, message, where, f"guardrail {Path(rule.path).name}", None))
        return out

    def _rego_error(self, exc: Exception, rule: Rule) -> InputError:
        return self._error_text(str(exc), rule)

    def _error_text(self, text: str, rule: Rule) -> InputError:
        message = _ERROR_MESSAGE.search(text)
        located = _ERROR_OFFSET.search(text)
        detail = message.group("message") if message else text.strip().splitlines()[0]
        if located and located.group("file") in self.sources:
            source = self.sources[located.group("file")]
            offset = int(located.group("offset"))
            line = source.count("\n", 0, offset) + 1
            column = offset - (source.rfind("\n", 0, offset) + 1) + 1
            path = str(Path(rule.path).parent / located.group("file"))
            return InputError(f"invalid Rego: {detail}", Where(path, line, column))
        header = re.search(r"-- ([^:\s]+):(\d+):(\d+)", text)
        if header and header.group(1) in self.sources:
            path = str(Path(rule.path).parent / header.group(1))
            first = next((ln for ln in text.splitlines() if ln.strip() and not ln.startswith("Errors")), detail)
            return InputError(f"invalid Rego: {first.strip()}", Where(path, int(header.group(2)), int(header.group(3))))
        return InputError(f"invalid Rego: {detail}", Where(rule.path))


def _message(item: Any, rule: Rule) -> tuple[str, str | None, Severity]:
    if isinstance(item, str):
        return item, None, Severity.ERROR
    if isinstance(item, dict) and isinstance(item.get("msg"), str):
        pointer = item.get("pointer")
        statement = item.get("statement")
        if pointer is None and isinstance(statement, int):
            pointer = pointer_join("/Statement", statement)
        try:
            severity = Severity(item.get("severity", "error"))
        except ValueError:
            raise InputError(f"severity must be one of {', '.join(s.value for s in Severity)}", Where(rule.path)) from None
        return item["msg"], pointer if isinstance(pointer, str) else None, severity
    raise InputError(
        f"a deny message must be text or {{\"msg\": ..., \"statement\": ...}}, not {item!r}", Where(rule.path)
    )


def _read(file: Path) -> str:
    return read_text_file(file, MAX_RULE_BYTES, "Rego file")
