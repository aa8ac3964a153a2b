"""Read IAM state from a backend through its own API, as an administrator, and keep it cached.

The same reader serves moto in-process, moto server and LocalStack: IAM entities come from
GetAccountAuthorizationDetails, resource policies from the owning service (bucket policy, key
policy, Lambda function policy, ECR repository policy), SCPs from Organizations when the backend
offers it. Cached answers are dropped when the enforcer sees a call that changes them.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from checker.emulate.state.snapshot import Document, Entity, IamSnapshot, snapshot_from_details

ClientFactory = Callable[[str], Any]  # service name -> boto3 client with administrator credentials

# Calls that change what the reader caches. Reads (Get/List/Describe/Head) never do.
_STATE_SERVICES = {"iam", "organizations"}
_POLICY_WORDS = ("Policy", "Permission", "Bucket", "Key", "Alias", "Repository", "Function")
_READ_PREFIXES = ("Get", "List", "Describe", "Head", "BatchGet", "Lookup")


def changes_state(service: str, operation: str) -> bool:
    if operation.startswith(_READ_PREFIXES):
        return False
    if service in _STATE_SERVICES:
        return True
    if service in ("s3", "kms", "lambda", "ecr"):
        return any(word in operation for word in _POLICY_WORDS)
    return service == "dynamodb" and operation in ("CreateTable", "DeleteTable")  # a name's key schema


class BackendState:
    """Cached IAM state of one account on one backend; also answers the mapping's Lookups."""

    def __init__(self, clients: ClientFactory, account: str, region: str, ttl_seconds: float = 30.0) -> None:
        self._clients = clients
        self.account = account
        self.region = region
        self._ttl = ttl_seconds
        self._lock = threading.RLock()
        self._snapshot: IamSnapshot | None = None
        self._snapshot_at = 0.0
        self._aws_managed: dict[str, Document | None] = {}
        self._resource_policies: dict[str, Document | None] = {}
        self._scps: dict[str, list[list[tuple[str, Document]]]] = {}
        self._org: dict[str, Any] | None = None
        self._org_read = False
        self._aliases: dict[str, str] | None = None
        self._inference_profiles: dict[str, tuple[str, ...]] = {}
        self._partition_keys: dict[str, str] = {}
        self._client_cache: dict[str, Any] = {}

    # -- plumbing
    def client(self, service: str) -> Any:
        with self._lock:
            found = self._client_cache.get(service)
            if found is None:
                found = self._clients(service)
                self._client_cache[service] = found
            return found

    def invalidate(self) -> None:
        with self._lock:
            self._snapshot = None
            self._resource_policies.clear()
            self._scps.clear()
            self._org_read = False
            self._org = None
            self._aliases = None
            self._partition_keys.clear()

    def note_call(self, service: str, operation: str) -> None:
        """Tell the reader a call succeeded; drop cached state the call may have changed."""
        if changes_state(service, operation):
            self.invalidate()

    # -- IAM entities
    def snapshot(self) -> IamSnapshot:
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._snapshot_at < self._ttl:
                return self._snapshot
            iam = self.client("iam")
            pages = list(
                iam.get_paginator("get_account_authorization_details").paginate(
                    Filter=["User", "Role", "Group", "LocalManagedPolicy"]
                )
            )
            snapshot = snapshot_from_details(pages)
            snapshot = self._fill_user_boundaries(snapshot)
            self._snapshot, self._snapshot_at = snapshot, time.monotonic()
            return snapshot

    def _fill_user_boundaries(self, snapshot: IamSnapshot) -> IamSnapshot:
        """Some backends (moto) leave users' boundaries out of the account details; GetUser has them."""
        users = dict(snapshot.users)
        for name, user in users.items():
            if user.boundary_arn is None:
                try:
                    detail = self.client("iam").get_user(UserName=name)["User"]
                except (ClientError, BotoCoreError):
                    continue
                boundary = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
                if boundary:
                    users[name] = Entity(**{**user.__dict__, "boundary_arn": boundary})
        return IamSnapshot(users, snapshot.roles, snapshot.groups, snapshot.managed)

    def managed_policy(self, arn: str) -> Document | None:
        snapshot = self.snapshot()
        if arn in snapshot.managed:
            return snapshot.managed[arn]
        with self._lock:
            if arn in self._aws_managed:
                return self._aws_managed[arn]
        document: Document | None = None
        try:
            iam = self.client("iam")
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = _as_document(
                iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            )
        except (ClientError, BotoCoreError):
            document = None
        with self._lock:
            if ":iam::aws:" in arn:  # AWS managed policies do not change during a lab
                self._aws_managed[arn] = document
        return document

    def user(self, name: str) -> Entity | None:
        return self.snapshot().users.get(name)

    def role(self, name: str) -> Entity | None:
        return self.snapshot().roles.get(name)

    def user_arn(self, name: str) -> str:
        user = self.user(name)
        return user.arn if user else f"arn:aws:iam::{self.account}:user/{name}"

    # -- resource policies
    def resource_policy(self, action: str, resource: str) -> Document | None:
        """The resource-based policy that governs `resource` for `action`, or None."""
        service = resource.split(":")[2] if resource.startswith("arn:") else ""
        if service == "iam" and ":role/" in resource and action.lower().startswith("sts:"):
            role = self.role(resource.rsplit("/", 1)[-1])
            return role.trust_policy if role else None
        key = self._resource_key(service, resource)
        if key is None:
            return None
        with self._lock:
            if key in self._resource_policies:
                return self._resource_policies[key]
        document = self._fetch_resource_policy(service, key)
        with self._lock:
            self._resource_policies[key] = document
        return document

    @staticmethod
    def _resource_key(service: str, resource: str) -> str | None:
        if service == "s3":
            bucket = resource.split(":::", 1)[1].split("/", 1)[0] if ":::" in resource else ""
            return f"s3:{bucket}" if bucket and "*" not in bucket else None
        if service == "kms" and ":key/" in resource:
            return f"kms:{resource}"
        if service == "lambda" and ":function:" in resource:
            return f"lambda:{resource}"
        if service == "ecr" and ":repository/" in resource and not resource.endswith("/*"):
            return f"ecr:{resource}"
        return None

    def _fetch_resource_policy(self, service: str, key: str) -> Document | None:
        target = key.split(":", 1)[1]
        try:
            if service == "s3":
                text = self.client("s3").get_bucket_policy(Bucket=target)["Policy"]
            elif service == "kms":
                text = self.client("kms").get_key_policy(KeyId=target, PolicyName="default")["Policy"]
            elif service == "lambda":
                text = self.client("lambda").get_policy(FunctionName=target)["Policy"]
            elif service == "ecr":
                parts = target.split(":")
                repository = target.split(":repository/", 1)[1]
                text = self.client("ecr").get_repository_policy(
                    registryId=parts[4], repositoryName=repository
                )["policyText"]
            else:
                return None
        except (ClientError, BotoCoreError):
            return None  # no policy, no such resource, or the backend lacks the service
        return _as_document(text)

    def note_no_bucket_policy(self, bucket: str) -> None:
        """The bucket is known to have no policy (just created): no need to ask the backend.

        A call that changes a bucket's policy drops this like any cached answer (`note_call`).
        """
        with self._lock:
            self._resource_policies[f"s3:{bucket}"] = None

    # -- Organizations
    def note_no_organization(self) -> None:
        """The backend is known to have no organization (a freshly started emulator): no need to ask.

        A call that changes Organizations state drops this like any cached answer (`note_call`).
        """
        with self._lock:
            self._org, self._org_read = None, True

    def organization(self) -> dict[str, Any] | None:
        with self._lock:
            if self._org_read:
                return self._org
        org: dict[str, Any] | None
        try:
            org = dict(self.client("organizations").describe_organization()["Organization"])
        except (ClientError, BotoCoreError):
            org = None
        with self._lock:
            self._org, self._org_read = org, True
        return org

    def service_control_policies(self, account: str) -> list[list[tuple[str, Document]]]:
        """SCPs by level, root first, then each OU, then the account. None apply to the management account."""
        org = self.organization()
        if org is None or org.get("MasterAccountId") == account:
            return []
        with self._lock:
            if account in self._scps:
                return self._scps[account]
        levels: list[list[tuple[str, Document]]] = []
        try:
            organizations = self.client("organizations")
            chain = [account]
            current = account
            while True:
                parents = organizations.list_parents(ChildId=current)["Parents"]
                if not parents:
                    break
                current = parents[0]["Id"]
                chain.append(current)
                if parents[0]["Type"] == "ROOT":
                    break
            for target in reversed(chain):
                level: list[tuple[str, Document]] = []
                listed = organizations.list_policies_for_target(
                    TargetId=target, Filter="SERVICE_CONTROL_POLICY"
                )
                for summary in listed["Policies"]:
                    content = organizations.describe_policy(PolicyId=summary["Id"])["Policy"]["Content"]
                    level.append((f"SCP {summary['Name']} on {target}", _as_document(content)))
                levels.append(level)
        except (ClientError, BotoCoreError):
            levels = []  # the account is not in the organization: no SCPs apply
        with self._lock:
            self._scps[account] = levels
        return levels

    # -- Lookups for the mapping
    def iam_path(self, kind: str, name: str) -> str | None:
        return self.snapshot().path_of(kind, name)

    def iam_boundary(self, kind: str, name: str) -> str | None:
        table = {"user": self.snapshot().users, "role": self.snapshot().roles}.get(kind, {})
        entity = table.get(name)
        return entity.boundary_arn if entity is not None else None

    def note_inference_profile(self, profile_arn: str, model_arns: tuple[str, ...]) -> None:
        """What GetInferenceProfile answers for a profile, told by the run that seeds it: moto implements
        no inference profiles, and the mapping needs the models a profile call is also authorized on."""
        with self._lock:
            self._inference_profiles[profile_arn] = tuple(model_arns)

    def inference_profile_models(self, profile_arn: str) -> tuple[str, ...] | None:
        with self._lock:
            return self._inference_profiles.get(profile_arn)

    def dynamodb_partition_key(self, table_arn: str) -> str | None:
        """The name of the table's partition (HASH) key, from DescribeTable; None for a table of another
        account or Region than this reader's, or one the backend does not know."""
        parts = table_arn.split(":", 5)
        if len(parts) < 6 or parts[3] != self.region or parts[4] != self.account or not parts[5].startswith("table/"):
            return None
        name = parts[5][len("table/"):].split("/", 1)[0]
        with self._lock:
            if name in self._partition_keys:
                return self._partition_keys[name]
        try:
            table = self.client("dynamodb").describe_table(TableName=name)["Table"]
        except (ClientError, BotoCoreError):
            return None
        key = next((str(k["AttributeName"]) for k in table.get("KeySchema", []) if k.get("KeyType") == "HASH"), None)
        if key is not None:
            with self._lock:
                self._partition_keys[name] = key
        return key

    def kms_key_id(self, key_ref: str, region: str, account: str) -> str | None:
        alias = key_ref.split(":", 5)[5] if key_ref.startswith("arn:") else key_ref
        with self._lock:
            aliases = self._aliases
        if aliases is None or alias not in aliases:
            aliases = {}
            try:
                for page in self.client("kms").get_paginator("list_aliases").paginate():
                    for item in page["Aliases"]:
                        if item.get("TargetKeyId"):
                            aliases[item["AliasName"]] = item["TargetKeyId"]
            except (ClientError, BotoCoreError):
                return None
            with self._lock:
                self._aliases = aliases
        return aliases.get(alias)

    def kms_key_of_ciphertext(self, blob: bytes) -> str | None:
        """moto writes the key id as the ciphertext's first 36 bytes; other formats stay unknown."""
        try:
            key_id = str(uuid.UUID(blob[:36].decode("ascii")))
        except (ValueError, UnicodeDecodeError):
            return None
        try:
            self.client("kms").describe_key(KeyId=key_id)
        except (ClientError, BotoCoreError):
            return None
        return key_id

    def organizations_arn(self, entity_id: str) -> str | None:
        org = self.organization()
        if org is None:
            return None
        if entity_id == "organization":
            return str(org["Arn"])
        organizations = self.client("organizations")
        try:
            if entity_id.startswith("p-"):
                return str(
                    organizations.describe_policy(PolicyId=entity_id)["Policy"]["PolicySummary"]["Arn"]
                )
            if entity_id.startswith("r-"):
                for root in organizations.list_roots()["Roots"]:
                    if root["Id"] == entity_id:
                        return str(root["Arn"])
                return None
            if entity_id.startswith("ou-"):
                return str(
                    organizations.describe_organizational_unit(OrganizationalUnitId=entity_id)[
                        "OrganizationalUnit"
                    ]["Arn"]
                )
            if entity_id.isdigit():
                return str(organizations.describe_account(AccountId=entity_id)["Account"]["Arn"])
        except (ClientError, BotoCoreError):
            return None
        return None


def _as_document(value: Any) -> Document:
    if isinstance(value, Mapping):
        return value
    return dict(json.loads(value))
