"""A point-in-time copy of an account's IAM entities, read with GetAccountAuthorizationDetails."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Document = Mapping[str, Any]


@dataclass(frozen=True)
class Entity:
    """A user, role or group: its inline and attached policies, boundary and tags."""

    kind: str  # "user", "role", "group"
    name: str
    arn: str
    path: str
    unique_id: str
    inline: tuple[tuple[str, Document], ...] = ()
    attached: tuple[str, ...] = ()
    boundary_arn: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()  # users only
    trust_policy: Document | None = None  # roles only


@dataclass(frozen=True)
class IamSnapshot:
    users: Mapping[str, Entity]
    roles: Mapping[str, Entity]
    groups: Mapping[str, Entity]
    managed: Mapping[str, Document]  # customer managed policy ARN -> default version document

    def path_of(self, kind: str, name: str) -> str | None:
        table = {"user": self.users, "role": self.roles, "group": self.groups}.get(kind)
        if table is not None:
            entity = table.get(name)
            return entity.path if entity else None
        if kind == "policy":
            for arn in self.managed:
                if arn.rsplit("/", 1)[-1] == name:
                    return (
                        "/" + arn.split(":policy/", 1)[1].rsplit("/", 1)[0] + "/"
                        if arn.count("/") > 1
                        else "/"
                    )
        return None


def _tags(items: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or [] if isinstance(t, Mapping)}


def _inline(items: Any) -> tuple[tuple[str, Document], ...]:
    return tuple((str(p["PolicyName"]), p["PolicyDocument"]) for p in items or [])


def _attached(items: Any) -> tuple[str, ...]:
    return tuple(str(p["PolicyArn"]) for p in items or [])


def _boundary(detail: Mapping[str, Any]) -> str | None:
    boundary = detail.get("PermissionsBoundary") or {}
    arn = boundary.get("PermissionsBoundaryArn")
    return str(arn) if arn else None


def snapshot_from_details(pages: list[Mapping[str, Any]]) -> IamSnapshot:
    """Build a snapshot from the pages of GetAccountAuthorizationDetails (documents already decoded)."""
    users: dict[str, Entity] = {}
    roles: dict[str, Entity] = {}
    groups: dict[str, Entity] = {}
    managed: dict[str, Document] = {}
    for page in pages:
        for detail in page.get("UserDetailList", []):
            users[detail["UserName"]] = Entity(
                "user",
                detail["UserName"],
                detail["Arn"],
                detail.get("Path", "/"),
                detail.get("UserId", ""),
                _inline(detail.get("UserPolicyList")),
                _attached(detail.get("AttachedManagedPolicies")),
                _boundary(detail),
                _tags(detail.get("Tags")),
                tuple(detail.get("GroupList", [])),
            )
        for detail in page.get("RoleDetailList", []):
            roles[detail["RoleName"]] = Entity(
                "role",
                detail["RoleName"],
                detail["Arn"],
                detail.get("Path", "/"),
                detail.get("RoleId", ""),
                _inline(detail.get("RolePolicyList")),
                _attached(detail.get("AttachedManagedPolicies")),
                _boundary(detail),
                _tags(detail.get("Tags")),
                trust_policy=detail.get("AssumeRolePolicyDocument"),
            )
        for detail in page.get("GroupDetailList", []):
            groups[detail["GroupName"]] = Entity(
                "group",
                detail["GroupName"],
                detail["Arn"],
                detail.get("Path", "/"),
                detail.get("GroupId", ""),
                _inline(detail.get("GroupPolicyList")),
                _attached(detail.get("AttachedManagedPolicies")),
            )
        for policy in page.get("Policies", []):
            for version in policy.get("PolicyVersionList", []):
                if version.get("IsDefaultVersion"):
                    managed[policy["Arn"]] = version["Document"]
    return IamSnapshot(users, roles, groups, managed)
