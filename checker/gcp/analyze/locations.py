"""Where a granted permission can be used: the resources below a binding's attachment point.

A binding on a project grants `storage.objects.get` on every object of every bucket in the project,
known or not yet created; on a bucket it grants it on that bucket's objects only; a Resource Manager
permission applies to the project, folder or organization itself. Each `Location` describes one family
of such resources as z3 constraints over the resource name, with the chain of ancestors whose bindings
apply there (doc: "Resource hierarchy", https://cloud.google.com/iam/docs/resource-hierarchy-access-control).
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from checker.gcp.analyze.encode import NameShape, Undecidable
from checker.gcp.conditions.attributes import supplies_resource_attributes
from checker.gcp.hierarchy import Hierarchy
from checker.gcp.names import CRM, ResourceName
from checker.gcp.permissions import v2_name
from checker.gcp.services import STORAGE, bucket_of, checked_on, derived_type

FRESH_PROJECT = ResourceName(f"//{CRM}/projects/another-project", CRM, "projects/another-project")
BUCKETS = "projects/_/buckets/"
FRESH_BUCKET = "another-bucket"
BUCKET_NAME = z3.Plus(z3.Union(z3.Range("a", "z"), z3.Range("0", "9"), z3.Re("-"), z3.Re("_"), z3.Re(".")))
# Cloud Storage resources inside a bucket: (path segment, resource type or None when not documented).
STORAGE_CHILDREN = {
    "objects": "storage.googleapis.com/Object",
    "managedFolders": "storage.googleapis.com/ManagedFolder",
    "folders": None,
}


def _resource_words(permission: str) -> tuple[str, str]:
    """('datasets', 'dataset') for bigquery.datasets.get: the collection and one item's word."""
    parts = permission.split(".")
    collection = parts[1] if len(parts) == 3 else "resources"
    single = collection[:-3] + "y" if collection.endswith("ies") else collection.rstrip("s") or collection
    return collection, single


@dataclass(frozen=True)
class Location:
    """A family of resources: z3 constraints on the name, the fixed type and service, and the ancestors."""

    description: str
    service: str
    resource_type: str | None  # None: the type is a free (non-empty) string when the service supplies it
    ancestors: tuple[ResourceName, ...]  # known ancestors, nearest first (bindings there apply)
    fixed: ResourceName | None  # a single known resource, or None when the name is a variable
    prefix: str  # for families: every name starts with this
    forbidden: tuple[str, ...] = ()  # names (and everything below them) of other known resources
    fresh_bucket: bool = False  # the name's bucket segment is a bucket the lab does not name
    child: str | None = None  # "objects", "managedFolders" or "folders" below a bucket
    home: str = "projects/another-project"  # the project a fresh resource of another service lives in

    @property
    def supplied(self) -> bool:
        return supplies_resource_attributes(self.service)

    def constraints(self, name: z3.ExprRef) -> z3.ExprRef:
        if self.fixed is not None:
            return name == z3.StringVal(self.fixed.relative)
        if not self.fresh_bucket:
            # name == prefix ++ suffix: the solver handles a concatenation with a constant head far faster
            # than PrefixOf plus a length bound (seconds versus milliseconds on the same question).
            suffix = z3.String("suffix")
            parts = [name == z3.Concat(z3.StringVal(self.prefix), suffix), z3.Length(suffix) > 0]
            for other in self.forbidden:
                parts.append(name != z3.StringVal(other))
                parts.append(z3.Not(z3.PrefixOf(z3.StringVal(other + "/"), name)))
            return z3.And(*parts)
        parts = []
        if self.fresh_bucket:
            bucket, rest = z3.String("bucket"), z3.String("rest")
            # Bucket names use lowercase letters, digits, '-', '_' and '.' (Cloud Storage "Bucket names");
            # as a regular language the solver handles it much faster than "contains no '/'".
            parts.append(z3.InRe(bucket, BUCKET_NAME))
            if self.child is not None:
                parts.append(
                    name
                    == z3.Concat(z3.StringVal(self.prefix), bucket, z3.StringVal(f"/{self.child}/"), rest)
                )
                parts.append(z3.Length(rest) > 0)
            else:
                parts.append(name == z3.Concat(z3.StringVal(self.prefix), bucket))
        if self.fresh_bucket:
            # Known buckets are excluded by their id: simpler for the solver than excluding name prefixes.
            bucket = z3.String("bucket")
            parts.extend(bucket != z3.StringVal(other.removeprefix(BUCKETS)) for other in self.forbidden)
            return z3.And(*parts)
        for other in self.forbidden:
            parts.append(name != z3.StringVal(other))
            parts.append(z3.Not(z3.PrefixOf(z3.StringVal(other + "/"), name)))
        return z3.And(*parts)

    def shape(self) -> NameShape | None:
        if not self.fresh_bucket:
            return None
        middle = f"/{self.child}/" if self.child is not None else None
        return NameShape(self.prefix, middle, z3.String("bucket"), z3.String("rest"))

    def allows_name(self, relative: str) -> bool:
        """The same constraints, checked on a concrete name (for the quick first attempt)."""
        if self.fixed is not None:
            return relative == self.fixed.relative
        if not relative.startswith(self.prefix) or len(relative) <= len(self.prefix):
            return False
        if self.fresh_bucket:
            bucket, _, rest = relative[len(self.prefix) :].partition("/")
            if (
                not bucket
                or (self.child is None and rest)
                or (self.child is not None and not rest.startswith(self.child + "/"))
            ):
                return False
        return not any(relative == o or relative.startswith(o + "/") for o in self.forbidden)

    def preferred_name(self, permission: str = "") -> str:
        """The plainest readable name of the family: names a learner recognises, never a bare placeholder."""
        if self.fixed is not None:
            return self.fixed.relative
        if self.fresh_bucket:
            return self.prefix + FRESH_BUCKET + (f"/{self.child}/train.csv" if self.child else "")
        if self.child is not None:
            return self.prefix + ("train.csv" if self.child == "objects" else "data/")
        collection, single = _resource_words(permission)
        if self.prefix:
            return self.prefix + f"{single}-1"
        if self.service == "iam.googleapis.com":
            project = self.home.removeprefix("projects/")
            return f"{self.home}/serviceAccounts/another-account@{project}.iam.gserviceaccount.com"
        return f"{self.home}/{collection}/{single}-1"

    def preferred_type(self, permission: str = "") -> str | None:
        if self.resource_type is not None or not self.supplied:
            return self.resource_type
        # The type a service names a resource of this permission by, e.g. bigquery.googleapis.com/Dataset.
        _collection, single = _resource_words(permission)
        return f"{self.service}/{single[:1].upper()}{single[1:]}"

    def resource(self, relative: str) -> ResourceName:
        if self.fixed is not None:
            return self.fixed
        return ResourceName(f"//{self.service}/{relative}", self.service, relative)

    def chain_for(self, resource: ResourceName) -> tuple[ResourceName, ...]:
        """The ancestors of a concrete resource of this family (a bucket's children list the bucket first)."""
        if self.child is not None:
            bucket = bucket_of(resource)
            if bucket is not None and (not self.ancestors or self.ancestors[0] != bucket):
                return (bucket, *self.ancestors)
        return self.ancestors


def permission_family(permission: str) -> tuple[str, str]:
    """(family, detail) deciding where a permission is used; detail is a storage child, container kind or FQDN."""
    fqdn = v2_name(permission).split("/", 1)[0]
    if "/" in permission:
        return "other", fqdn
    service, resource = permission.split(".")[:2]
    if service == "storage":
        # The same catalog the evaluator refuses misplaced requests with (services.checked_on).
        kind = checked_on(permission)
        if kind == "project":
            return "container", "project"
        if kind == "bucket":
            return "bucket", ""
        if kind in STORAGE_CHILDREN:
            return "bucket-child", kind
        return "unplaced", STORAGE
    if service == "resourcemanager":
        return "container", {"projects": "project", "folders": "folder", "organizations": "organization"}.get(
            resource, ""
        )
    return "other", fqdn


def locations(
    permission: str, attached: ResourceName, hierarchy: Hierarchy, known: set[ResourceName]
) -> list[Location]:
    """Every family of resources below (or at) `attached` on which `permission` can be used."""
    family, detail = permission_family(permission)
    chain = hierarchy.chain(attached)
    if family == "bucket":
        return _storage(None, attached, chain, hierarchy, known)
    if family == "bucket-child":
        return _storage(detail, attached, chain, hierarchy, known)
    if family == "container":
        return _containers(detail, attached, chain, hierarchy)
    if family == "unplaced":
        raise Undecidable(f"{permission} (where Cloud Storage checks it is not modelled)")
    # Any other service checks a permission on its own resources or, for list and create permissions, on
    # a project, folder or organization (the evaluator refuses any other place: services.misplaced).
    return _other(detail, attached, chain, known) + _containers("", attached, chain, hierarchy)


def _fresh_ancestors(attached: ResourceName, chain: tuple[ResourceName, ...]) -> tuple[ResourceName, ...]:
    return chain if attached.kind == "project" else (FRESH_PROJECT, *chain)


def _storage(
    child: str | None,
    attached: ResourceName,
    chain: tuple[ResourceName, ...],
    hierarchy: Hierarchy,
    known: set[ResourceName],
) -> list[Location]:
    if attached.service == STORAGE:
        if bucket_of(attached) != attached:
            raise Undecidable(
                f"a binding on {attached.full} (only bucket-level bindings are analysed for Cloud Storage)"
            )
        return [_bucket_location(attached, chain, child)]
    if not attached.is_container:
        return []
    found = [
        _bucket_location(b, hierarchy.chain(b), child)
        for b in hierarchy.below(attached)
        if b.service == STORAGE and bucket_of(b) == b
    ]
    known_buckets = tuple(sorted(b.relative for b in known if b.service == STORAGE and bucket_of(b) == b))
    found.append(
        Location(
            f"a bucket in {attached.full} that the lab does not name",
            STORAGE,
            STORAGE_CHILDREN.get(child or "", "storage.googleapis.com/Bucket")
            if child
            else "storage.googleapis.com/Bucket",
            _fresh_ancestors(attached, chain),
            None,
            BUCKETS,
            known_buckets,
            fresh_bucket=True,
            child=child,
        )
    )
    return found


def _bucket_location(bucket: ResourceName, chain: tuple[ResourceName, ...], child: str | None) -> Location:
    if child is not None:
        return Location(
            f"{child} in {bucket.full}",
            STORAGE,
            STORAGE_CHILDREN[child],
            chain,
            None,
            f"{bucket.relative}/{child}/",
            child=child,
        )
    return Location(bucket.full, STORAGE, "storage.googleapis.com/Bucket", chain[1:], bucket, bucket.relative)


def _containers(
    kind: str, attached: ResourceName, chain: tuple[ResourceName, ...], hierarchy: Hierarchy
) -> list[Location]:
    if not attached.is_container:
        return []
    found = []
    for container in (attached, *hierarchy.below(attached)):
        if container.is_container and (not kind or container.kind == kind):
            found.append(
                Location(
                    container.full,
                    CRM,
                    derived_type(container),
                    hierarchy.ancestors(container),
                    container,
                    container.relative,
                )
            )
    if attached.kind in ("organization", "folder") and kind in ("project", ""):
        known_projects = tuple(sorted(c.relative for c in hierarchy.known() if c.kind == "project"))
        found.append(
            Location(
                f"a project in {attached.full} that the lab does not name",
                CRM,
                "cloudresourcemanager.googleapis.com/Project",
                chain,
                None,
                "projects/",
                (*known_projects, FRESH_PROJECT.relative),
            )
        )
    return found


def _other(
    service: str, attached: ResourceName, chain: tuple[ResourceName, ...], known: set[ResourceName]
) -> list[Location]:
    forbidden = tuple(sorted(k.relative for k in known if k.service == service and k != attached))
    if attached.is_container:
        home = attached.relative if attached.kind == "project" else FRESH_PROJECT.relative
        return [
            Location(
                f"a {service} resource in {attached.full}",
                service,
                None,
                _fresh_ancestors(attached, chain),
                None,
                "",
                forbidden,
                home=home,
            )
        ]
    if attached.service == service and service != STORAGE:
        return [
            Location(attached.full, service, None, chain[1:], attached, attached.relative),
            Location(
                f"resources below {attached.full}",
                service,
                None,
                chain,
                None,
                attached.relative + "/",
                forbidden,
            ),
        ]
    return []
