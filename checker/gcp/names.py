"""Full resource names and the resource hierarchy.

A full resource name is `//SERVICE/RELATIVE_NAME`, e.g.
`//storage.googleapis.com/projects/_/buckets/b/objects/o` (doc: "Full resource names",
https://cloud.google.com/iam/docs/full-resource-names). IAM Conditions see `resource.name` as the
relative part, without the `//service/` prefix (doc: "Resource attributes for IAM Conditions").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from checker.gcp.location import Loc, shown

_FULL_NAME = re.compile(r"^//(?P<service>[a-z0-9][a-z0-9.-]*\.[a-z]{2,})/(?P<relative>\S+)$")
CRM = "cloudresourcemanager.googleapis.com"


@dataclass(frozen=True, eq=False)
class ResourceName:
    full: str
    service: str  # e.g. "storage.googleapis.com"
    relative: str  # what `resource.name` holds in a condition

    # Identity is the full name; hashing only it keeps set and dict lookups cheap in the evaluator.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResourceName) and other.full == self.full

    def __hash__(self) -> int:
        return hash(self.full)

    @property
    def kind(self) -> str:
        """'organization', 'folder', 'project' for Resource Manager containers, else 'resource'."""
        if self.service == CRM:
            head = self.relative.split("/", 1)[0]
            return {"organizations": "organization", "folders": "folder", "projects": "project"}.get(
                head, "resource"
            )
        return "resource"

    @property
    def is_container(self) -> bool:
        return self.kind in ("organization", "folder", "project")

    def __str__(self) -> str:
        return self.full


def parse_resource_name(text: object, loc: Loc) -> ResourceName:
    """Parse a full resource name or raise InputError naming where it came from."""
    if isinstance(text, str):
        known = _parsed(text)
        if known is not None:
            return known
    match = _FULL_NAME.match(text) if isinstance(text, str) else None
    # A trailing '/' is allowed: Cloud Storage object and managed folder names may end with one.
    if match is None or "//" in match.group("relative"):
        raise loc.error(
            f"{shown(text)} is not a full resource name",
            "write //SERVICE/PATH, for example //cloudresourcemanager.googleapis.com/projects/my-project "
            "or //storage.googleapis.com/projects/_/buckets/my-bucket",
        )
    assert isinstance(text, str)
    return ResourceName(text, match.group("service"), match.group("relative"))


@functools.lru_cache(maxsize=16_384)
def _parsed(text: str) -> ResourceName | None:
    match = _FULL_NAME.match(text)
    if match is None or "//" in match.group("relative"):
        return None
    return ResourceName(text, match.group("service"), match.group("relative"))


def project_of(chain: tuple[ResourceName, ...]) -> str | None:
    """The project id or number of the first project in a resource chain, if any."""
    for name in chain:
        if name.kind == "project":
            return name.relative.split("/", 1)[1]
    return None
