"""Service-specific facts about where a permission is checked and what type a resource has.

Cloud Storage checks bucket-level permissions on the bucket, not on an object: listing objects needs
`storage.objects.list` on the bucket, so in a condition `resource.name` is the bucket's name
(doc: "IAM permissions for Cloud Storage", https://cloud.google.com/storage/docs/access-control/iam-permissions,
and the Cloud Storage notes in "Resource attributes for IAM Conditions"). Objects have no IAM policy of
their own (doc: "Overview of access control", https://cloud.google.com/storage/docs/access-control).
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.gcp.names import CRM, ResourceName

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


def object_permission_on_bucket(permission: str, resource: ResourceName) -> bool:
    """An object permission (other than listing) asked on a bucket: Cloud Storage checks it on an object."""
    return (
        resource.service == STORAGE
        and permission.startswith("storage.objects.")
        and permission not in BUCKET_LEVEL
        and bucket_of(resource) == resource
    )


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
