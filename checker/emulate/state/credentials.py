"""Access keys and what they stand for: an IAM user, an assumed-role session, or the account root.

Keys become known three ways: the root keys the labs use (`test`/`test`, as LocalStack documents),
credentials seen in CreateAccessKey / AssumeRole / GetSessionToken answers that pass through the
enforcer, and, for moto running in this process, moto's own key store (`MotoKeySource`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

ROOT_ACCESS_KEYS = ("test", "testing")  # LocalStack's and moto's documented dummy credentials
ANONYMOUS = "anonymous"  # the principal of an unsigned request (the engine's anonymous caller)


@dataclass(frozen=True)
class Credential:
    access_key_id: str
    secret_access_key: str
    principal_arn: str  # user ARN, assumed-role session ARN, or arn:aws:iam::ACCOUNT:root
    account: str
    session_token: str | None = None
    expiration: datetime | None = None
    role_arn: str | None = None  # for sessions: the role behind them
    session_policy: Mapping[str, Any] | None = None  # inline session policy (AssumeRole Policy)
    session_policy_arns: tuple[str, ...] = ()  # managed session policies (AssumeRole PolicyArns)
    session_tags: Mapping[str, str] = field(default_factory=dict)
    issued_at: datetime | None = None

    @property
    def is_root(self) -> bool:
        return self.principal_arn.endswith(":root")

    @property
    def is_anonymous(self) -> bool:
        return self.principal_arn == ANONYMOUS

    @property
    def is_session(self) -> bool:
        return ":assumed-role/" in self.principal_arn

    def expired(self, now: datetime) -> bool:
        return self.expiration is not None and now >= self.expiration


class KeySource(Protocol):
    def find(self, access_key_id: str) -> Credential | None: ...


class CredentialStore:
    """Thread-safe lookup of access keys; observed credentials win over every other source."""

    def __init__(
        self, account: str, root_keys: Mapping[str, str] | None = None, sources: tuple[KeySource, ...] = ()
    ):
        self.account = account
        keys = dict(root_keys) if root_keys is not None else {key: "test" for key in ROOT_ACCESS_KEYS}
        self._root = {key: secret for key, secret in keys.items()}
        self._known: dict[str, Credential] = {}
        self._sources = sources
        self._lock = threading.Lock()

    def find(self, access_key_id: str) -> Credential | None:
        with self._lock:
            known = self._known.get(access_key_id)
        if known is not None:
            return known
        if access_key_id in self._root:
            return Credential(
                access_key_id, self._root[access_key_id], f"arn:aws:iam::{self.account}:root", self.account
            )
        for source in self._sources:
            found = source.find(access_key_id)
            if found is not None:
                self.remember(found)  # a key's holder does not change; DeleteAccessKey forgets it
                return found
        return None

    def remember(self, credential: Credential) -> None:
        with self._lock:
            self._known[credential.access_key_id] = credential

    def forget(self, access_key_id: str) -> None:
        with self._lock:
            self._known.pop(access_key_id, None)

    def observe(
        self,
        caller: Credential,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        result: Any,
        user_arn: Callable[[str], str] | None = None,
    ) -> None:
        """Learn credentials from a successful call's parsed result (keys and sessions minted by it).

        `user_arn` turns a user name into its ARN (with its path) from the backend's state.
        """
        if not isinstance(result, Mapping):
            return
        if service == "iam" and operation == "CreateAccessKey":
            key = result.get("AccessKey") or {}
            user = str(key.get("UserName") or params.get("UserName") or "")
            arn = user_arn(user) if user and user_arn else _user_arn_for(caller, user)
            self.remember(Credential(str(key["AccessKeyId"]), str(key["SecretAccessKey"]), arn, self.account))
        elif service == "iam" and operation == "DeleteAccessKey":
            self.forget(str(params.get("AccessKeyId")))
        elif service == "sts" and operation in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            self.remember(session_from_assume_role(params, result))
        elif service == "sts" and operation == "GetSessionToken":
            creds = result.get("Credentials") or {}
            self.remember(
                Credential(
                    str(creds["AccessKeyId"]),
                    str(creds["SecretAccessKey"]),
                    caller.principal_arn,
                    caller.account,
                    session_token=str(creds.get("SessionToken")),
                    expiration=_as_datetime(creds.get("Expiration")),
                    issued_at=datetime.now(UTC),
                )
            )


def _user_arn_for(caller: Credential, user_name: str) -> str:
    if user_name:
        return f"arn:aws:iam::{caller.account}:user/{user_name}"
    return caller.principal_arn


def session_from_assume_role(params: Mapping[str, Any], result: Mapping[str, Any]) -> Credential:
    """The session an AssumeRole call created, with its session policy and session tags."""
    creds = result.get("Credentials") or {}
    user = result.get("AssumedRoleUser") or {}
    role_arn = str(params.get("RoleArn"))
    account = role_arn.split(":")[4]
    policy_text = params.get("Policy")
    policy = json.loads(policy_text) if isinstance(policy_text, str) and policy_text else None
    arns = tuple(str(item.get("arn")) for item in params.get("PolicyArns") or [] if isinstance(item, Mapping))
    tags = {str(t["Key"]): str(t["Value"]) for t in params.get("Tags") or [] if isinstance(t, Mapping)}
    session_arn = str(
        user.get("Arn")
        or f"arn:aws:sts::{account}:assumed-role/{role_arn.rsplit('/', 1)[-1]}/{params.get('RoleSessionName')}"
    )
    return Credential(
        str(creds["AccessKeyId"]),
        str(creds["SecretAccessKey"]),
        session_arn,
        account,
        session_token=str(creds.get("SessionToken")) if creds.get("SessionToken") else None,
        expiration=_as_datetime(creds.get("Expiration")),
        role_arn=role_arn,
        session_policy=policy,
        session_policy_arns=arns,
        session_tags=tags,
        issued_at=datetime.now(UTC),
    )


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


class MotoKeySource:
    """Keys held by moto running in this process: users' access keys and assumed-role sessions."""

    def __init__(self, iam_path: Callable[[str, str], str | None] | None = None) -> None:
        self._iam_path = iam_path

    def find(self, access_key_id: str) -> Credential | None:
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        for account_id, partitions in list(iam_backends.items()):
            backend = partitions["aws"]
            key = backend.access_keys.get(access_key_id)
            if key is None:
                continue
            if getattr(key, "role_arn", None):
                for session in list(sts_backends[account_id]["aws"].assumed_roles):
                    if session.access_key_id == access_key_id:
                        return _moto_session(session)
                return None
            user = backend.users.get(key.user_name) if key.user_name else None
            if user is None or key.status != "Active":
                return None
            return Credential(access_key_id, key.secret_access_key, user.arn, account_id)
        for sts_partitions in list(sts_backends.values()):
            for session in list(sts_partitions["aws"].assumed_roles):
                if session.access_key_id == access_key_id:
                    return _moto_session(session)
        return None


def _moto_session(session: Any) -> Credential:
    policy = json.loads(session.policy) if session.policy else None
    expiration = session.expiration if session.expiration.tzinfo else session.expiration.replace(tzinfo=UTC)
    return Credential(
        session.access_key_id,
        session.secret_access_key,
        session.arn,
        session.arn.split(":")[4],
        session_token=session.session_token,
        expiration=expiration,
        role_arn=session.role_arn,
        session_policy=policy,
    )
