"""The account snapshot: principals, their policies and trust policies, in one JSON (or YAML) file.

Format (documented in docs/analysis.md; the labs reuse it):

    {
      "account": "111122223333",
      "policies": {"DataScience": {...policy document...}},          # managed policies by name
      "groups": [{"name": "analysts", "attached": ["DataScience"], "inline": {"extra": {...}}}],
      "users": [{"name": "alice", "groups": ["analysts"], "attached": [], "inline": {}, "boundary": "Name"}],
      "roles": [{"name": "ml-train", "path": "/", "trust": {...}, "attached": [...], "inline": {...},
                 "tags": {"team": "risk"}}],
      "resources": {"lambda_functions": [{"name": "score", "role": "ml-train"}], ...}
    }

A user's or role's "tags" are in every request it makes as aws:PrincipalTag/<key> (policy variables on
them are resolved by the analysis). Groups may also list their "members" (user names); a user's "groups" and a group's "members" are merged.
The resource kinds are listed in snapshot_resources.py.

Every element is checked; an unknown field or a missing reference is an InputError at its line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checker.aws.analyze.snapshot_resources import BY_KEY, DEFAULT_REGION, Resource, ResourceKind, arn_of
from checker.aws.policy import Policy, PolicyKind, parse_policy
from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, pointer_join

TOP_FIELDS = ("account", "policies", "groups", "users", "roles", "resources", "description")
PRINCIPAL_FIELDS = {
    "groups": ("name", "path", "attached", "inline", "members"),
    "users": (
        "name",
        "path",
        "groups",
        "attached",
        "inline",
        "boundary",
        "access_keys",
        "login_profile",
        "tags",
    ),
    "roles": ("name", "path", "trust", "attached", "inline", "boundary", "instance_profile", "tags"),
}


@dataclass
class Principal:
    arn: str
    kind: str  # "user" or "role"
    name: str
    policies: list[Policy] = field(default_factory=list)  # its own and its groups'
    boundary: Policy | None = None
    trust: Policy | None = None
    attached_names: tuple[str, ...] = ()  # managed policies reaching it (directly or via groups)
    groups: tuple[str, ...] = ()
    access_keys: int = 0  # users: how many access keys it holds (AWS allows two)
    login_profile: bool = False  # users: has a console password
    instance_profile: bool = True  # roles: sits in an instance profile (unknown counts as yes)
    where: Where | None = None  # its entry in the snapshot file
    tags: Mapping[str, str] = field(default_factory=dict)  # in its requests as aws:PrincipalTag/<key>


@dataclass
class Snapshot:
    account: str
    principals: list[Principal]
    managed: dict[str, Policy]
    groups: dict[str, tuple[str, ...]]  # group name -> managed policy names attached to it
    group_policies: dict[str, list[Policy]] = field(default_factory=dict)  # attached and inline
    group_members: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group name -> user names
    resources: list[Resource] = field(default_factory=list)
    _by_arn: dict[str, Principal] = field(default_factory=dict, repr=False, compare=False)

    def by_arn(self, arn: str) -> Principal | None:
        if len(self._by_arn) != len(self.principals):
            self._by_arn = {p.arn: p for p in self.principals}
        return self._by_arn.get(arn)

    def role(self, name: str) -> Principal | None:
        return next((p for p in self.principals if p.kind == "role" and p.name == name), None)

    def group_arn(self, group: str) -> str:
        return f"arn:aws:iam::{self.account}:group/{group}"

    def policy_arn(self, name: str) -> str:
        """A managed policy's ARN; a policy named by its ARN (an AWS managed policy) keeps it."""
        return name if name.startswith("arn:") else f"arn:aws:iam::{self.account}:policy/{name}"

    def of_kind(self, key: str) -> list[Resource]:
        return [r for r in self.resources if r.kind.key == key]


def with_managed(snapshot: Snapshot, contents: Mapping[str, Policy]) -> Snapshot:
    """The snapshot with these managed policies' contents replaced (a lab's platform with the learner's
    boundary and admin policy): every principal and group that attaches one, or is bounded by one, then
    holds the new content."""
    swap = {id(snapshot.managed[name]): policy for name, policy in contents.items()}

    def new(policy: Policy) -> Policy:
        return swap.get(id(policy), policy)

    principals = [
        dataclasses.replace(
            p, policies=[new(q) for q in p.policies], boundary=None if p.boundary is None else new(p.boundary)
        )
        for p in snapshot.principals
    ]
    return dataclasses.replace(
        snapshot,
        principals=principals,
        managed={name: new(policy) for name, policy in snapshot.managed.items()},
        group_policies={g: [new(q) for q in qs] for g, qs in snapshot.group_policies.items()},
        _by_arn={},
    )


def load_snapshot(document: LoadedDocument) -> Snapshot:
    return _Loader(document).load()


class _Loader:
    def __init__(self, document: LoadedDocument) -> None:
        self.document = document

    def error(self, pointer: str, message: str, hint: str | None = None) -> InputError:
        return InputError(message, self.document.locate(pointer), hint)

    def mapping(self, value: Any, pointer: str, allowed: tuple[str, ...], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(pointer, f"{what} must be an object")
        for key in value:
            if key not in allowed:
                raise self.error(
                    pointer_join(pointer, key),
                    f"unknown field {key!r} in {what}",
                    f"allowed: {', '.join(allowed)}",
                )
        return value

    def policy(self, value: Any, pointer: str, name: str, kind: PolicyKind) -> Policy:
        return parse_policy(self.document.sub(pointer, value), name=name, kind=kind)

    def load(self) -> Snapshot:
        data = self.mapping(self.document.data, "", TOP_FIELDS, "the snapshot")
        account = data.get("account")
        if not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
            raise self.error(
                "/account", "account must be a 12-digit account id in quotes", 'for example "111122223333"'
            )
        managed_raw = data.get("policies", {})
        if not isinstance(managed_raw, dict):
            raise self.error("/policies", "policies must map policy names to policy documents")
        managed = {
            name: self.policy(
                doc, pointer_join("/policies", name), f"managed policy {name}", PolicyKind.IDENTITY
            )
            for name, doc in managed_raw.items()
        }
        group_policies: dict[str, list[Policy]] = {}
        group_attached: dict[str, tuple[str, ...]] = {}
        for index, raw in enumerate(self.items(data, "groups")):
            pointer = pointer_join("/groups", index)
            entry = self.mapping(raw, pointer, PRINCIPAL_FIELDS["groups"], "a group")
            name = self.name(entry, pointer)
            attached = self.attached(entry, pointer, managed)
            group_attached[name] = attached
            group_policies[name] = [managed[n] for n in attached] + self.inline(
                entry, pointer, f"group {name}"
            )
        members: dict[str, list[str]] = {name: [] for name in group_attached}
        for index, raw in enumerate(self.items(data, "groups")):
            pointer = pointer_join(pointer_join("/groups", index), "members")
            listed = raw.get("members", [])
            if not isinstance(listed, list) or not all(isinstance(m, str) for m in listed):
                raise self.error(pointer, "members must be a list of user names")
            members[raw["name"]].extend(listed)
        user_names = {u.get("name") for u in self.items(data, "users") if isinstance(u, dict)}
        for group, names in members.items():
            for name in names:
                if name not in user_names:
                    raise self.error("/groups", f"group {group} lists member {name!r}, which is not a user")
        principals = []
        for kind in ("users", "roles"):
            for index, raw in enumerate(self.items(data, kind)):
                pointer = pointer_join(f"/{kind}", index)
                principals.append(
                    self.principal(
                        kind, raw, pointer, account, managed, group_policies, group_attached, members
                    )
                )
        arns = [p.arn for p in principals]
        duplicate = next((a for a in arns if arns.count(a) > 1), None)
        if duplicate:
            raise self.error("", f"{duplicate} is listed twice", "each user and role must appear once")
        resources = self.resources(data, account, {p.name for p in principals if p.kind == "role"})
        for principal in principals:
            for group in principal.groups:
                if principal.name not in members[group]:
                    members[group].append(principal.name)
        return Snapshot(
            account,
            principals,
            managed,
            group_attached,
            group_policies,
            {g: tuple(m) for g, m in members.items()},
            resources,
        )

    def resources(self, data: Mapping[str, Any], account: str, roles: set[str]) -> list[Resource]:
        raw = data.get("resources", {})
        if not isinstance(raw, dict):
            raise self.error("/resources", "resources must be an object of resource lists")
        found: list[Resource] = []
        for key, entries in raw.items():
            pointer = pointer_join("/resources", key)
            kind = BY_KEY.get(key)
            if kind is None:
                raise self.error(pointer, f"unknown resource kind {key!r}", f"known: {', '.join(BY_KEY)}")
            if not isinstance(entries, list):
                raise self.error(pointer, f"{key} must be a list")
            for index, entry in enumerate(entries):
                found.append(self.resource(kind, entry, pointer_join(pointer, index), account, roles))
        arns = [r.arn for r in found]
        duplicate = next((a for a in arns if arns.count(a) > 1), None)
        if duplicate:
            raise self.error("/resources", f"{duplicate} is listed twice")
        return found

    def resource(self, kind: ResourceKind, raw: Any, pointer: str, account: str, roles: set[str]) -> Resource:
        entry = self.mapping(raw, pointer, kind.fields, f"a {kind.key} entry")
        for name in dict.fromkeys(kind.ids.values()):
            value = entry.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                value = entry[name] = str(value)
            if not isinstance(value, str) or not value or any(c in value for c in ":/*? "):
                raise self.error(
                    pointer_join(pointer, name),
                    f"{name} must be a plain identifier (no ':', '/', '*' or spaces)",
                )
        region = entry.get("region", DEFAULT_REGION)
        if not isinstance(region, str) or not region.replace("-", "").isalnum():
            raise self.error(
                pointer_join(pointer, "region"), "region must be a region name such as us-east-1"
            )
        for name in kind.flags:
            if name in entry and not isinstance(entry[name], bool):
                raise self.error(pointer_join(pointer, name), f"{name} must be true or false")
        for name in kind.texts:
            if name in entry and not isinstance(entry[name], str):
                raise self.error(pointer_join(pointer, name), f"{name} must be a string")
        for name in kind.lists:
            value = entry.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise self.error(pointer_join(pointer, name), f"{name} must be a list of strings")
        role_arns: dict[str, str] = {}
        for name in kind.roles:
            if name not in entry:
                continue
            role = entry[name]
            if not isinstance(role, str) or role not in roles:
                raise self.error(
                    pointer_join(pointer, name),
                    f"{name} must name a role of the snapshot; {role!r} is not one",
                    'add the role under "roles" or fix the name',
                )
            role_arns[name] = role
        arn = arn_of(kind, entry, account, region)
        label = "/".join(str(entry[n]) for n in dict.fromkeys(kind.ids.values()))
        return Resource(kind, arn, label, role_arns, dict(entry))

    def items(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise self.error(f"/{key}", f"{key} must be a list")
        return value

    def name(self, entry: Mapping[str, Any], pointer: str) -> str:
        name = entry.get("name")
        if not isinstance(name, str) or not name or "/" in name or ":" in name:
            raise self.error(pointer_join(pointer, "name"), "name must be a plain IAM name such as ml-train")
        return name

    def attached(
        self, entry: Mapping[str, Any], pointer: str, managed: Mapping[str, Policy]
    ) -> tuple[str, ...]:
        names = entry.get("attached", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.error(pointer_join(pointer, "attached"), "attached must be a list of policy names")
        for i, name in enumerate(names):
            if name not in managed:
                raise self.error(
                    pointer_join(pointer_join(pointer, "attached"), i),
                    f"no managed policy named {name!r} in policies",
                    'add it under "policies" or fix the name',
                )
        return tuple(names)

    def inline(self, entry: Mapping[str, Any], pointer: str, owner: str) -> list[Policy]:
        inline = entry.get("inline", {})
        if not isinstance(inline, dict):
            raise self.error(
                pointer_join(pointer, "inline"), "inline must map policy names to policy documents"
            )
        base = pointer_join(pointer, "inline")
        return [
            self.policy(
                doc, pointer_join(base, name), f"inline policy {name} of {owner}", PolicyKind.IDENTITY
            )
            for name, doc in inline.items()
        ]

    def principal(
        self,
        kind: str,
        raw: Any,
        pointer: str,
        account: str,
        managed: Mapping[str, Policy],
        group_policies: Mapping[str, list[Policy]],
        group_attached: Mapping[str, tuple[str, ...]],
        members: Mapping[str, list[str]],
    ) -> Principal:
        entry = self.mapping(raw, pointer, PRINCIPAL_FIELDS[kind], f"a {kind[:-1]}")
        name = self.name(entry, pointer)
        path = entry.get("path", "/")
        if not isinstance(path, str) or not path.startswith("/") or not path.endswith("/"):
            raise self.error(
                pointer_join(pointer, "path"), "path must start and end with '/'", 'use "/" when unsure'
            )
        singular = kind[:-1]
        arn = f"arn:aws:iam::{account}:{singular}{path}{name}"
        attached = self.attached(entry, pointer, managed)
        policies = [managed[n] for n in attached] + self.inline(entry, pointer, f"{singular} {name}")
        groups: tuple[str, ...] = ()
        if kind == "users":
            raw_groups = entry.get("groups", [])
            if not isinstance(raw_groups, list) or not all(isinstance(g, str) for g in raw_groups):
                raise self.error(pointer_join(pointer, "groups"), "groups must be a list of group names")
            for i, group in enumerate(raw_groups):
                if group not in group_policies:
                    raise self.error(
                        pointer_join(pointer_join(pointer, "groups"), i), f"no group named {group!r}"
                    )
                policies.extend(group_policies[group])
                attached += group_attached[group]
            groups = tuple(raw_groups) + tuple(
                g for g, names in members.items() if name in names and g not in raw_groups
            )
            for group in groups[len(raw_groups) :]:
                policies.extend(group_policies[group])
                attached += group_attached[group]
        boundary = None
        if "boundary" in entry:
            boundary_name = entry["boundary"]
            if boundary_name not in managed:
                raise self.error(
                    pointer_join(pointer, "boundary"), f"no managed policy named {boundary_name!r}"
                )
            boundary = managed[boundary_name]
        trust = None
        if kind == "roles":
            if "trust" not in entry:
                raise self.error(pointer, f"role {name} has no trust policy", 'add "trust": {...}')
            trust = self.policy(
                entry["trust"],
                pointer_join(pointer, "trust"),
                f"trust policy of role {name}",
                PolicyKind.TRUST,
            )
        keys = entry.get("access_keys", 0)
        if not isinstance(keys, int) or isinstance(keys, bool) or not 0 <= keys <= 2:
            raise self.error(pointer_join(pointer, "access_keys"), "access_keys must be 0, 1 or 2")
        flags = {}
        for flag in ("login_profile", "instance_profile"):
            if flag in entry and not isinstance(entry[flag], bool):
                raise self.error(pointer_join(pointer, flag), f"{flag} must be true or false")
            flags[flag] = entry.get(flag, flag == "instance_profile")
        tags = entry.get("tags", {})
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise self.error(pointer_join(pointer, "tags"), "tags must map tag keys to string values")
        return Principal(
            arn,
            singular,
            name,
            policies,
            boundary,
            trust,
            attached,
            groups,
            keys,
            flags["login_profile"],
            flags["instance_profile"],
            self.document.locate(pointer),
            dict(tags),
        )
