"""Principal access boundary (PAB) policies: which resources a principal is eligible to access.

Doc: "Principal access boundary policies" (https://cloud.google.com/iam/docs/principal-access-boundary-policies):
a principal bound to one or more PAB policies can use a blocked permission only on resources those
policies list (organizations, folders, projects, and everything below them). Which permissions a policy
blocks depends on its enforcement version (doc: "Permissions that principal access boundary policies
block", https://cloud.google.com/iam/docs/pab-blocked-permissions); a policy without a version, or with
`latest`, uses the default version. data/pab_enforcement.json holds every table of that page; "If a
principal access boundary policy doesn't block a permission, then principal access boundary policies
have no effect on whether principals can use the permission", so a permission no version lists is
never blocked (Dataflow's `jobs.snapshot`, for example, is an exception of version 1).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.gcp.location import Loc
from checker.gcp.permissions import parse_v2_pattern

DATA = Path(__file__).resolve().parent / "data" / "pab_enforcement.json"


@dataclass(frozen=True)
class _Version:
    blocks: tuple[Any, ...]
    excepts: tuple[Any, ...]


@dataclass(frozen=True)
class EnforcementTable:
    default_version: int
    latest_version: int
    versions: dict[int, _Version]

    def blocks(self, permission: str, version: int) -> bool:
        """Whether a policy at this enforcement version blocks the permission (own rows, minus own exceptions)."""
        for number in sorted(self.versions):
            if number > version:
                break
            table = self.versions[number]
            if any(p.matches(permission) for p in table.blocks) and not any(
                p.matches(permission) for p in table.excepts
            ):
                return True
        return False


def _pattern(text: str) -> Any:
    # The blocked-permissions page writes "FQDN/*" for a whole service; treat it as FQDN/*.*.
    return parse_v2_pattern(text, Loc(label="pab_enforcement.json"))


@functools.lru_cache(maxsize=1)
def enforcement_table() -> EnforcementTable:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    versions = {
        int(number): _Version(
            tuple(_pattern(p) for p in entry["blocks"]), tuple(_pattern(p) for p in entry.get("except", []))
        )
        for number, entry in data["versions"].items()
    }
    return EnforcementTable(int(data["default_version"]), int(data["latest_version"]), versions)
