"""What kind of file a path is: Terraform, a CloudFormation template, a GitHub Actions workflow or a policy.

Decided from the name and a look at the text (never by trying parsers in turn): `.tf` and folders holding
`.tf` files are Terraform; a YAML file under `.github/workflows/`, or one with top-level `on:` and `jobs:`, is
a workflow; a JSON or YAML document with `AWSTemplateFormatVersion` or a top-level `Resources` is a template;
anything else is a bare policy document.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from checker.core.errors import InputError, Where
from checker.core.source import read_regular_file

_TOP_LEVEL = {
    "template_yaml": re.compile(r"^(AWSTemplateFormatVersion|Resources)\s*:", re.MULTILINE),
    "template_json": re.compile(r'"(AWSTemplateFormatVersion|Resources)"\s*:'),
    "jobs": re.compile(r"^jobs\s*:", re.MULTILINE),
    "on": re.compile(r"^(on|\"on\"|'on')\s*:", re.MULTILINE),
}
_SNIFF_BYTES = 64 * 1024


class Kind(StrEnum):
    TERRAFORM = "terraform"
    CLOUDFORMATION = "cloudformation"
    WORKFLOW = "workflow"
    POLICY = "policy"


def kind_of(path: Path) -> Kind:
    if path.is_dir():
        if any(path.glob("*.tf")):
            return Kind.TERRAFORM
        raise InputError("this folder has no .tf files", Where(str(path)),
                         "name the .tf folder, a template, a workflow or a policy file")
    if path.suffix in (".tf", ".tfvars"):
        return Kind.TERRAFORM
    head = read_regular_file(path, _SNIFF_BYTES, prefix=True).decode("utf-8", errors="replace")
    if path.suffix in (".yml", ".yaml"):
        if ".github/workflows" in path.as_posix() or (_TOP_LEVEL["jobs"].search(head) and _TOP_LEVEL["on"].search(head)):
            return Kind.WORKFLOW
        if _TOP_LEVEL["template_yaml"].search(head):
            return Kind.CLOUDFORMATION
        return Kind.POLICY
    if _TOP_LEVEL["template_json"].search(head) and '"Statement"' not in head[:200]:
        return Kind.CLOUDFORMATION
    return Kind.POLICY


def workflows_in(folder: Path) -> list[Path]:
    """The workflow files of a repository folder (`.github/workflows/*.yml|yaml`)."""
    base = folder / ".github" / "workflows"
    return sorted(p for p in base.glob("*") if p.suffix in (".yml", ".yaml")) if base.is_dir() else []
