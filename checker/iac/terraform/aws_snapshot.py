"""The AWS IAM a Terraform configuration declares, as an account snapshot (docs/analysis.md's format).

What `iamlab drift` compares with an account. Every value keeps its place: the snapshot's positions point
into the `.tf` line (or the JSON file a `file()` read), so the snapshot loader's errors and drift's
"missing" differences name the line that declares them.

Read, with the arguments the AWS provider documents: `aws_iam_role` (name, path, assume_role_policy,
permissions_boundary, tags, inline_policy blocks, managed_policy_arns), `aws_iam_user` (name, path,
permissions_boundary, tags), `aws_iam_group` (name, path), `aws_iam_policy` (name, policy),
`aws_iam_role_policy` / `aws_iam_user_policy` / `aws_iam_group_policy` (name, the owner, policy),
`aws_iam_role_policy_attachment` / `aws_iam_user_policy_attachment` / `aws_iam_group_policy_attachment`
(the owner, policy_arn), `aws_iam_policy_attachment` (users, roles, groups, policy_arn),
`aws_iam_user_group_membership` (user, groups), `aws_iam_group_membership` (group, users), and the
unaliased `provider "aws"`'s `default_tags` ("tags with matching keys will overwrite those defined at the
provider-level", AWS provider, aws_iam_role). Policies are JSON text however written (`jsonencode`,
heredocs, `file()`, `data.aws_iam_policy_document`); references between resources are resolved by the
configuration (`aws_iam_policy.x.arn` is the ARN IAM derives). Whatever cannot be known before apply (a
name left to `name_prefix`, a variable without a value, a data source's computed attribute) and any other
`aws_iam_*` resource that changes what a snapshot holds is an InputError at its line, never left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, Position, pointer_join
from checker.iac.managed import is_managed_arn, managed_policy
from checker.iac.model import BOUNDARY, IDENTITY, TRUST
from checker.iac.terraform import aws
from checker.iac.terraform.config import Configuration, Located, Setting, load_configuration

# Owner kinds of the policy resources: resource type -> (snapshot list, the argument naming the owner).
INLINE = {"aws_iam_role_policy": ("roles", "role"), "aws_iam_user_policy": ("users", "user"),
          "aws_iam_group_policy": ("groups", "group")}
ATTACHMENTS = {"aws_iam_role_policy_attachment": ("roles", "role"),
               "aws_iam_user_policy_attachment": ("users", "user"),
               "aws_iam_group_policy_attachment": ("groups", "group")}
ENTITIES = {"aws_iam_role": "roles", "aws_iam_user": "users", "aws_iam_group": "groups"}
MEMBERSHIPS = ("aws_iam_user_group_membership", "aws_iam_group_membership")
# IAM resources that hold nothing an account snapshot has (credentials, providers, account settings), and
# the `*_exclusive` ones, which only remove policies the configuration does not declare: drift reports
# every such policy anyway.
NOT_COMPARED = frozenset({
    "aws_iam_openid_connect_provider", "aws_iam_saml_provider", "aws_iam_instance_profile",
    "aws_iam_access_key", "aws_iam_user_login_profile", "aws_iam_account_password_policy",
    "aws_iam_account_alias", "aws_iam_server_certificate", "aws_iam_signing_certificate",
    "aws_iam_user_ssh_key", "aws_iam_virtual_mfa_device", "aws_iam_service_specific_credential",
    "aws_iam_security_token_service_preferences", "aws_iam_role_policies_exclusive",
    "aws_iam_role_policy_attachments_exclusive", "aws_iam_user_policies_exclusive",
    "aws_iam_user_policy_attachments_exclusive", "aws_iam_group_policies_exclusive",
    "aws_iam_group_policy_attachments_exclusive",
})
READ = frozenset({*INLINE, *ATTACHMENTS, *ENTITIES, *MEMBERSHIPS, "aws_iam_policy", "aws_iam_policy_attachment"})


def declared_snapshot(paths: list[str | Path], setting: Setting) -> LoadedDocument:
    """The account snapshot the `.tf` files or folders declare; `setting.account` names the account."""
    config = load_configuration(list(paths), setting)
    aws.register(config)
    builder = _Builder(config, str(paths[0]))
    try:
        builder.read()
    except RecursionError:
        raise InputError("an expression is nested too deeply to be a policy", Where(str(paths[0]))) from None
    return LoadedDocument(str(paths[0]), builder.data, builder.positions)


@dataclass
class _Builder:
    config: Configuration
    path: str
    data: dict[str, Any] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    _index: dict[str, dict[str, int]] = field(default_factory=dict)  # list -> entity name -> index
    _policy_arns: dict[str, str] = field(default_factory=dict)  # customer managed policy ARN -> name
    _pointers: dict[int, str] = field(default_factory=dict)  # id of an entity's entry -> its pointer
    _default_tags: dict[str, str] = field(default_factory=dict)
    _aliased_default_tags: Where | None = None  # an aliased aws provider's default_tags, if any

    def read(self) -> None:
        account = self.config.require(self.config.setting.account, "the AWS account id", Where(self.path))
        self.data.update(account=str(account), policies={}, groups=[], users=[], roles=[])
        resources = [(a, r) for a, r in self.config.resources.items() if r.block.type == "resource"]
        for address, located in resources:
            kind = located.block.labels[0]
            if kind.startswith("aws_iam_") and kind not in READ and kind not in NOT_COMPARED:
                raise InputError(
                    f"{address}: drift cannot compare {kind} with an account",
                    located.block.where,
                    "compare the account without it (move it to another folder), or write the snapshot by hand",
                )
        self._default_tags = self._provider_tags()
        for address, located in resources:
            if located.block.labels[0] == "aws_iam_policy":
                self._managed(address, located)
        for kind in ("aws_iam_group", "aws_iam_user", "aws_iam_role"):
            for address, located in resources:
                if located.block.labels[0] == kind:
                    self._entity(ENTITIES[kind], address, located)
        for address, located in resources:
            kind = located.block.labels[0]
            if kind in INLINE:
                owner = self._owner(located, *INLINE[kind])
                self._inline(owner, located, located.block.body, address)
            elif kind in ATTACHMENTS:
                owner = self._owner(located, *ATTACHMENTS[kind])
                self._attach(owner, *self._text(located, "policy_arn"))
            elif kind == "aws_iam_policy_attachment":
                arn, where = self._text(located, "policy_arn")
                for listed, single in (("users", "user"), ("roles", "role"), ("groups", "group")):
                    for name in self._names(located, listed):
                        self._attach(self._entry(listed, single, name, located, listed), arn, where)
            elif kind == "aws_iam_user_group_membership":
                user, _where = self._text(located, "user")
                self._entry("users", "user", user, located, "user")  # the user must be declared
                for group in self._names(located, "groups"):
                    self._member(user, group, located, "groups")
            elif kind == "aws_iam_group_membership":
                group, _where = self._text(located, "group")
                for user in self._names(located, "users"):
                    self._member(user, group, located, "users")

    # -- entities ------------------------------------------------------------------------------------
    def _entity(self, listed: str, address: str, located: Located) -> None:
        name = self._name(address, located)
        table = self._index.setdefault(listed, {})
        if name in table:
            raise InputError(f"{address}: another resource already declares {listed[:-1]} {name!r}",
                             located.block.where, "IAM names are unique in an account")
        pointer = pointer_join(f"/{listed}", len(self.data[listed]))
        entry: dict[str, Any] = {"name": name, "path": self._optional(located, "path") or "/",
                                 "attached": [], "inline": {}}
        self._at(pointer, located.block.where)
        self.data[listed].append(entry)
        self._pointers[id(entry)] = pointer
        table[name] = len(self.data[listed]) - 1
        if listed == "groups":
            return
        entry["tags"] = self._tags(located, pointer)
        if "permissions_boundary" in located.block.body.attributes:
            arn, where = self._text(located, "permissions_boundary")
            entry["boundary"] = self._policy_name(arn, where, BOUNDARY)
            self._at(pointer_join(pointer, "boundary"), where)
        if listed == "users":
            entry["groups"] = []
            return
        trust = aws._policy_at(self.config, located, "assume_role_policy", f"{address} (assume_role_policy)", TRUST)
        entry["trust"] = self._document(pointer_join(pointer, "trust"), trust.document)
        for block in located.block.body.blocks_of("inline_policy"):
            if "policy" in block.body.attributes:  # an empty block means "no inline policies"
                self._inline(entry, located, block.body, f"{address} inline_policy")
        if "managed_policy_arns" in located.block.body.attributes:
            where = located.block.body.attributes["managed_policy_arns"].where
            for arn in self._names(located, "managed_policy_arns"):
                self._attach(entry, arn, where)

    def _owner(self, located: Located, listed: str, argument: str) -> dict[str, Any]:
        name, _where = self._text(located, argument)
        return self._entry(listed, argument, name, located, argument)

    def _entry(self, listed: str, single: str, name: str, located: Located, argument: str) -> dict[str, Any]:
        index = self._index.get(listed, {}).get(name)
        if index is None:
            raise InputError(
                f"the {single} {name!r} is not an aws_iam_{single} defined in these files, so drift cannot "
                "compare what is attached to it",
                self._where_of(located, argument),
                f"refer to a {single} this configuration defines (aws_iam_{single}.NAME.name)",
            )
        entry: dict[str, Any] = self.data[listed][index]
        return entry

    def _member(self, user: str, group: str, located: Located, argument: str) -> None:
        self._entry("groups", "group", group, located, argument)
        entry = self._entry("users", "user", user, located, argument)
        if group not in entry["groups"]:
            entry["groups"].append(group)

    # -- policies ------------------------------------------------------------------------------------
    def _managed(self, address: str, located: Located) -> None:
        name = self._name(address, located)
        if name in self.data["policies"]:
            raise InputError(f"{address}: another aws_iam_policy is already named {name!r}", located.block.where)
        policy = aws._policy_at(self.config, located, "policy", f"{address} (policy)", IDENTITY)
        self.data["policies"][name] = self._document(pointer_join("/policies", name), policy.document)
        self._policy_arns[aws._arn(self.config, located, "policy")] = name

    def _inline(self, owner: dict[str, Any], located: Located, body: Any, label: str) -> None:
        found = self.config.argument(located, "name", body)
        if found is None or not isinstance(found[0], str):
            raise InputError(f"{label} has no name, so it cannot be compared with the account's",
                             body.attributes["policy"].where if "policy" in body.attributes else located.block.where,
                             "give the inline policy a name (name_prefix makes the provider invent one)")
        name = found[0]
        if name in owner["inline"]:
            raise InputError(f"{label}: {owner['name']} already has an inline policy named {name!r}",
                             located.block.where)
        found = self.config.argument(located, "policy", body)
        if found is None:
            raise InputError(f"{label} needs policy", located.block.where)
        policy = aws._as_policy(found[0], body.attributes["policy"].where, label, IDENTITY)
        pointer = pointer_join(pointer_join(self._pointers[id(owner)], "inline"), name)
        owner["inline"][name] = self._document(pointer, policy.document)

    def _attach(self, owner: dict[str, Any], arn: str, where: Where) -> None:
        name = self._policy_name(arn, where, IDENTITY)
        if name not in owner["attached"]:
            owner["attached"].append(name)

    def _policy_name(self, arn: str, where: Where, kind: str) -> str:
        """The snapshot's name for a policy ARN: a policy of these files by name, an AWS managed one by ARN."""
        if arn in self._policy_arns:
            return self._policy_arns[arn]
        if is_managed_arn(arn):
            if arn not in self.data["policies"]:
                self.data["policies"][arn] = self._document(pointer_join("/policies", arn), managed_policy(arn, where))
            return arn
        raise InputError(
            f"the policy {arn} is neither an AWS managed policy nor an aws_iam_policy defined in these files",
            where,
            "refer to the policy as aws_iam_policy.NAME.arn, or check the managed policy's name",
        )

    def _document(self, pointer: str, document: LoadedDocument) -> Any:
        for inner, position in document.positions.items():
            self.positions[pointer + inner] = Position(position.line, position.column, position.file or document.path)
        return document.data

    # -- arguments -----------------------------------------------------------------------------------
    def _provider_tags(self) -> dict[str, str]:
        """The default aws provider's default_tags; an aliased provider's are refused where they apply."""
        tags: dict[str, str] = {}
        for located in self.config.blocks:
            block = located.block
            if block.type != "provider" or block.labels != ("aws",):
                continue
            aliased = "alias" in block.body.attributes
            for default in block.body.blocks_of("default_tags"):
                found = self.config.argument(located, "tags", default.body)
                if found is None:
                    continue
                if aliased:
                    self._aliased_default_tags = default.where
                else:
                    tags.update(self._tag_map(found[0], default.body.attributes["tags"].where))
        return tags

    def _tags(self, located: Located, pointer: str) -> dict[str, str]:
        if "provider" in located.block.body.attributes and self._aliased_default_tags is not None:
            raise InputError(
                "this resource uses an aliased aws provider with default_tags, which drift does not read",
                located.block.body.attributes["provider"].where,
                "write the tags on the resource itself",
            )
        tags = dict(self._default_tags)
        found = self.config.argument(located, "tags")
        if found is not None and found[0] is not None:
            where = located.block.body.attributes["tags"].where
            tags.update(self._tag_map(found[0], where))
            self._at(pointer_join(pointer, "tags"), where)
        return tags

    @staticmethod
    def _tag_map(value: Any, where: Where) -> dict[str, str]:
        if not isinstance(value, dict):
            raise InputError("tags must be a map of tag keys to values", where)
        tags: dict[str, str] = {}
        for key, item in value.items():
            if isinstance(item, bool):  # Terraform converts a map(string)'s bools and numbers to strings
                tags[str(key)] = "true" if item else "false"
            elif isinstance(item, str | int | float):
                tags[str(key)] = str(item)
            else:
                raise InputError(f"the tag {key!r} must be a string, not {item!r}", where)
        return tags

    def _name(self, address: str, located: Located) -> str:
        name = self._optional(located, "name")
        if name is None:
            raise InputError(
                f"{address} has no name, so it cannot be matched with the account's",
                located.block.where,
                "give it a name (name_prefix makes the provider invent one at apply time)",
            )
        return name

    def _optional(self, located: Located, name: str) -> str | None:
        return aws._optional_text(self.config, located, name)

    def _text(self, located: Located, name: str) -> tuple[str, Where]:
        return aws._required_text(self.config, located, name)

    def _names(self, located: Located, name: str) -> list[str]:
        found = self.config.argument(located, name)
        if found is None:
            return []
        if not isinstance(found[0], list) or not all(isinstance(v, str) for v in found[0]):
            raise InputError(f"{name} must be a list of names", self._where_of(located, name))
        return list(found[0])

    @staticmethod
    def _where_of(located: Located, argument: str) -> Where:
        attribute = located.block.body.attributes.get(argument)
        return attribute.where if attribute is not None else located.block.where

    def _at(self, pointer: str, where: Where) -> None:
        self.positions[pointer] = Position(where.line or 1, where.column or 1, where.file)
