"""The resource hierarchy a lab sets up: organization > folders > projects > resources.

Allow and deny policies are inherited down this tree (doc: "Resource hierarchy",
https://cloud.google.com/resource-manager/docs/cloud-platform-resource-hierarchy). A lab's setting
gives each resource's parent; a Cloud Storage object's parent is always its bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from checker.gcp.location import Loc
from checker.gcp.names import CRM, ResourceName, parse_resource_name
from checker.gcp.services import bucket_of, is_storage_object

MAX_DEPTH = 64
IAM = "iam.googleapis.com"


def service_account_project(name: ResourceName) -> ResourceName | None:
    """A service account belongs to its project (//iam.googleapis.com/projects/P/serviceAccounts/EMAIL)."""
    parts = name.relative.split("/")
    if len(parts) == 4 and parts[0] == "projects" and parts[2] == "serviceAccounts" and parts[1] != "-":
        return ResourceName(f"//{CRM}/projects/{parts[1]}", CRM, f"projects/{parts[1]}")
    return None


def named_project(name: ResourceName) -> ResourceName | None:
    """The project a service's resource names: //aiplatform.googleapis.com/projects/P/locations/L/... is in P.

    A resource that lives in a project carries the project in its full resource name ("Full resource
    names", https://cloud.google.com/iam/docs/full-resource-names); `projects/_` (Cloud Storage buckets)
    and `projects/-` name no project. The setting's hierarchy, when it names a parent, wins.
    """
    parts = name.relative.split("/")
    if name.service == CRM or len(parts) < 3 or parts[0] != "projects" or parts[1] in ("_", "-", ""):
        return None
    return ResourceName(f"//{CRM}/projects/{parts[1]}", CRM, f"projects/{parts[1]}")


def service_account_resource(member: str) -> str | None:
    """serviceAccount:NAME@PROJECT.iam.gserviceaccount.com as the service account's full resource name."""
    if not member.startswith("serviceAccount:"):
        return None
    email = member.removeprefix("serviceAccount:")
    project = email.partition("@")[2].removesuffix(".iam.gserviceaccount.com")
    if not project or project == email.partition("@")[2]:
        project = "-"
    return f"//{IAM}/projects/{project}/serviceAccounts/{email}"


@dataclass(frozen=True)
class Hierarchy:
    parents: Mapping[ResourceName, ResourceName] = field(default_factory=dict)

    def parent(self, name: ResourceName) -> ResourceName | None:
        if is_storage_object(name):
            return bucket_of(name)
        given = self.parents.get(name)
        if given is None and name.service == IAM:
            parts = name.relative.split("/")
            if len(parts) > 4 and parts[2] == "serviceAccounts":  # a key is below its service account
                account = "/".join(parts[:4])
                return ResourceName(f"//{IAM}/{account}", IAM, account)
            return service_account_project(name) or named_project(name)
        if given is None:
            return named_project(name)
        return given

    cache: dict[ResourceName, tuple[ResourceName, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def ancestors(self, name: ResourceName) -> tuple[ResourceName, ...]:
        cached = self.cache.get(name)
        if cached is not None:
            return cached
        if len(self.cache) > 50_000:
            self.cache.clear()  # bound the memory a long batch can use
        self.cache[name] = result = self._walk(name)
        return result

    def _walk(self, name: ResourceName) -> tuple[ResourceName, ...]:
        found: list[ResourceName] = []
        current = self.parent(name)
        while current is not None and current not in found and len(found) < MAX_DEPTH:
            found.append(current)
            current = self.parent(current)
        return tuple(found)

    def chain(self, name: ResourceName) -> tuple[ResourceName, ...]:
        return (name, *self.ancestors(name))

    def known(self) -> set[ResourceName]:
        return set(self.parents) | set(self.parents.values())

    def below(self, top: ResourceName) -> list[ResourceName]:
        """Known resources whose ancestors include `top` (not `top` itself), in a stable order."""
        return sorted((n for n in self.known() if top in self.ancestors(n)), key=lambda n: n.full)


def parse_hierarchy(value: object, loc: Loc) -> Hierarchy:
    """Setting form: {"//child full name": "//parent full name", ...}."""
    if value is None:
        return Hierarchy()
    if not isinstance(value, dict):
        raise loc.error(
            'hierarchy must map each resource to its parent, e.g. {"//…/projects/p": "//…/folders/1"}'
        )
    parents: dict[ResourceName, ResourceName] = {}
    for child_text, parent_text in value.items():
        child = parse_resource_name(child_text, loc.child(child_text))
        parents[child] = parse_resource_name(parent_text, loc.child(child_text))
    hierarchy = Hierarchy(parents)
    for child in parents:
        seen = {child}
        current = hierarchy.parent(child)
        while current is not None:
            if current in seen:
                raise loc.child(child.full).error(f"the hierarchy has a cycle through {current.full}")
            seen.add(current)
            current = hierarchy.parent(current)
    return hierarchy
