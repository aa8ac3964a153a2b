"""Service-specific facts about where a permission is checked and what type a resource has.

Cloud Storage checks bucket-level permissions on the bucket, not on an object: listing objects needs
`storage.objects.list` on the bucket, so in a condition `resource.name` is the bucket's name
(doc: "IAM permissions for Cloud Storage", https://cloud.google.com/storage/docs/access-control/iam-permissions,
and the Cloud Storage notes in "Resource attributes for IAM Conditions"). Objects have no IAM policy of
their own (doc: "Overview of access control", https://cloud.google.com/storage/docs/access-control).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from checker.gcp.names import CRM, ResourceName
from checker.gcp.permissions import v2_name

STORAGE = "storage.googleapis.com"
# Permissions Cloud Storage checks on the bucket even when the request names an object.
BUCKET_LEVEL = frozenset(
    {
        "storage.objects.list",
        "storage.multipartUploads.list",
        "storage.managedFolders.list",
        "storage.folders.list",
    }
)


@dataclass(frozen=True)
class Target:
    name: ResourceName
    resource_type: str | None
    note: str | None  # why the target differs from the requested resource


def is_storage_object(name: ResourceName) -> bool:
    return name.service == STORAGE and "/objects/" in name.relative


def bucket_of(name: ResourceName) -> ResourceName | None:
    if name.service != STORAGE or not name.relative.startswith("projects/_/buckets/"):
        return None
    parts = name.relative.split("/")
    if len(parts) < 4 or not parts[3]:
        return None
    relative = "/".join(parts[:4])
    return ResourceName(f"//{STORAGE}/{relative}", STORAGE, relative)


def derived_type(name: ResourceName) -> str | None:
    """The resource type for names whose type follows from their shape; None when it does not."""
    if name.service == CRM:
        return {
            "organization": "cloudresourcemanager.googleapis.com/Organization",
            "folder": "cloudresourcemanager.googleapis.com/Folder",
            "project": "cloudresourcemanager.googleapis.com/Project",
        }.get(name.kind)
    if name.service == STORAGE:
        parts = name.relative.split("/")
        if len(parts) == 4 and parts[2] == "buckets":
            return "storage.googleapis.com/Bucket"
        if len(parts) >= 6 and parts[4] == "objects":
            return "storage.googleapis.com/Object"
        if len(parts) >= 6 and parts[4] == "managedFolders":
            return "storage.googleapis.com/ManagedFolder"
    return None


# The resource types whose resources this checker knows by the shape of their names (derived_type).
KNOWN_TYPES = (
    "storage.googleapis.com/Bucket",
    "storage.googleapis.com/Object",
    "storage.googleapis.com/ManagedFolder",
    "cloudresourcemanager.googleapis.com/Project",
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Organization",
)
# Checked on the project that will hold (or holds) the buckets: "IAM permissions for JSON methods"
# (https://cloud.google.com/storage/docs/access-control/iam-json) lists buckets.insert and buckets.list
# with the project, not a bucket, as the resource.
PROJECT_LEVEL = frozenset({"storage.buckets.create", "storage.buckets.list"})
STORAGE_CHILD_SEGMENTS = ("objects", "managedFolders", "folders")


def checked_on(permission: str) -> str | None:
    """Where Cloud Storage checks a storage permission: "project", "bucket", or the segment of the bucket's
    children ("objects", "managedFolders", "folders"); None when the checker does not pin it down.

    "IAM permissions for XML requests" (https://cloud.google.com/storage/docs/access-control/iam-xml):
    storage.multipartUploads.create, .abort and .listParts are required on an object ("POST object
    uploads", "DELETE object uploadId", "GET object uploadId"), storage.multipartUploads.list on the bucket
    ("GET bucket uploads"). The evaluator refuses a request that names another kind of resource, and the
    prover (analyze/locations.py) considers exactly these places, so both agree on which requests exist.
    """
    if not permission.startswith("storage."):
        return None
    if permission in PROJECT_LEVEL:
        return "project"
    segment = permission.split(".")[1]
    if permission in BUCKET_LEVEL or segment == "buckets":
        return "bucket"
    if segment == "multipartUploads":
        return "objects"
    if segment in STORAGE_CHILD_SEGMENTS:
        return segment
    return None


# Both answers depend only on the permission's and the resource's text and the type given (a ResourceName is
# its full name), and requests repeat them: each combination is worked out once.
@functools.lru_cache(maxsize=4096)
def misplaced(permission: str, resource: ResourceName, resource_type: str | None) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) when the request names a resource the permission is never checked on,
    or gives a resource type its name contradicts; None when the request is well placed."""
    kind = checked_on(permission)
    bucket = bucket_of(resource)
    if kind == "project" and not (resource.service == CRM and resource.kind == "project"):
        return (
            f"{permission} is checked on a project, but the request names {resource.full}",
            "name the project, e.g. //cloudresourcemanager.googleapis.com/projects/my-project",
        )
    if kind == "bucket" and bucket is None:
        return (
            f"{permission} is checked on a bucket, but the request names {resource.full}",
            "name the bucket, e.g. //storage.googleapis.com/projects/_/buckets/my-bucket",
        )
    if kind in STORAGE_CHILD_SEGMENTS:
        parts = resource.relative.split("/")
        if bucket is None or len(parts) < 6 or parts[4] != kind or not parts[5]:
            one = {"objects": "an object", "managedFolders": "a managed folder", "folders": "a folder"}[kind]
            example = "path/to/file.csv" if kind == "objects" else "path/"
            base = bucket.full if bucket is not None else "//storage.googleapis.com/projects/_/buckets/my-bucket"
            return (
                f"{permission} is checked on {one}, but the request names {resource.full}",
                f"name {one}, e.g. {base}/{kind}/{example} (in conditions resource.name is then its name)",
            )
    home = v2_name(permission).split("/", 1)[0]
    if kind is None and resource.service not in (home, CRM):
        # A service checks its permissions on its own resources, or on a project, folder or organization
        # (list and create permissions); the prover (analyze/locations.py) considers exactly those places.
        return (
            f"{permission} is checked on {home} resources or on a project, folder or organization, but the "
            f"request names {resource.full}",
            f"name a {home} resource or the project, e.g. //cloudresourcemanager.googleapis.com/projects/my-project",
        )
    derived = derived_type(resource)
    if resource_type is not None and effective_target(permission, resource, None).name == resource:
        if derived is not None and resource_type != derived:
            return (
                f"resource_type {resource_type} contradicts {resource.full}, which is a {derived}",
                f'drop resource_type or write "{derived}"',
            )
        if derived is None and resource_type in KNOWN_TYPES:
            return (
                f"resource_type {resource_type} is the type of another kind of resource than {resource.full}",
                "drop resource_type or give the resource's own type",
            )
    return None


@functools.lru_cache(maxsize=4096)
def effective_target(permission: str, resource: ResourceName, resource_type: str | None) -> Target:
    if resource.service == STORAGE and (
        permission in BUCKET_LEVEL or permission.startswith("storage.buckets.")
    ):
        bucket = bucket_of(resource)
        if bucket is not None and bucket != resource:
            return Target(
                bucket,
                "storage.googleapis.com/Bucket",
                f"Cloud Storage checks {permission} on the bucket {bucket.full}, not on {resource.full}",
            )
    return Target(resource, resource_type or derived_type(resource), None)
