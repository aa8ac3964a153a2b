"""Principals (who asks) and members (who a binding or rule names), and whether they match.

Allow policies name members in the v1 form (`user:`, `serviceAccount:`, `group:`, `domain:`, `allUsers`,
`allAuthenticatedUsers`, `principal://` and `principalSet://` for workload/workforce identity federation,
`projectOwner:` and friends on buckets); doc: "Principal identifiers" (https://cloud.google.com/iam/docs/principal-identifiers).
Deny and principal access boundary policies use only the v2 identifiers (`principal://goog/subject/...`,
`principalSet://goog/group/...`, `principalSet://goog/public:all`, ...); doc: DenyRule reference
(https://cloud.google.com/iam/docs/reference/rest/v2/policies#DenyRule). `deleted:` members never match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from checker.gcp.location import Loc, shown

_GKE_WORKLOAD = re.compile(r"^[a-z][a-z0-9.-]*\.svc\.id\.goog\[[^/\]\s]+/[^/\]\s]+\]$")
MAX_EMAIL = 320
_POOL = re.compile(
    r"^(?P<pool>iam\.googleapis\.com/(?:projects/[^/]+/locations/global/workloadIdentityPools|"
    r"locations/global/workforcePools)/[^/]+)/(?P<rest>.+)$"
)
GOOG_SUBJECT = "principal://goog/subject/"
GOOG_SERVICE_ACCOUNT = "principal://iam.googleapis.com/projects/-/serviceAccounts/"
GOOG_GROUP = "principalSet://goog/group/"
GOOG_PUBLIC = "principalSet://goog/public:all"
GOOG_CUSTOMER = "principalSet://goog/cloudIdentityCustomerId/"
CONVENIENCE_ROLES = {
    "projectOwner": "roles/owner",
    "projectEditor": "roles/editor",
    "projectViewer": "roles/viewer",
}


class PrincipalKind(StrEnum):
    USER = "user"
    SERVICE_ACCOUNT = "serviceAccount"
    FEDERATED = "federated"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Principal:
    """The identity making a request, with its (transitive) groups and federated attributes."""

    text: str
    kind: PrincipalKind
    key: str  # lower-case email for users and service accounts; the full identifier for federated ones
    pool: str | None = None  # the workload/workforce pool a federated identity belongs to
    groups: frozenset[str] = frozenset()  # canonical group keys: "group:EMAIL" or a federated group set
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    customer_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.kind is not PrincipalKind.ANONYMOUS


class MemberKind(StrEnum):
    USER = "user"
    SERVICE_ACCOUNT = "serviceAccount"
    GROUP = "group"
    DOMAIN = "domain"
    ALL_USERS = "allUsers"
    ALL_AUTHENTICATED = "allAuthenticatedUsers"
    FEDERATED_SUBJECT = "federatedSubject"
    FEDERATED_GROUP = "federatedGroup"
    FEDERATED_ATTRIBUTE = "federatedAttribute"
    FEDERATED_POOL = "federatedPool"
    CUSTOMER = "customer"
    CONVENIENCE = "convenience"
    DELETED = "deleted"


@dataclass(frozen=True)
class Member:
    text: str
    kind: MemberKind
    value: str = ""  # email, domain, group key, pool, customer id or project
    attribute: str = ""  # for FEDERATED_ATTRIBUTE: "attribute.NAME"; for CONVENIENCE: the basic role

    @property
    def is_public(self) -> bool:
        return self.kind in (MemberKind.ALL_USERS, MemberKind.ALL_AUTHENTICATED)

    def matches(self, principal: Principal) -> bool:
        """Whether this member names the principal. CONVENIENCE members are resolved by the evaluator."""
        kind = self.kind
        if kind is MemberKind.USER:
            return principal.kind is PrincipalKind.USER and principal.key == self.value
        if kind is MemberKind.SERVICE_ACCOUNT:
            return principal.kind is PrincipalKind.SERVICE_ACCOUNT and principal.key == self.value
        if kind is MemberKind.GROUP or kind is MemberKind.FEDERATED_GROUP:
            return self.value in principal.groups
        if kind is MemberKind.DOMAIN:
            return principal.kind is PrincipalKind.USER and principal.key.rsplit("@", 1)[-1] == self.value
        if kind is MemberKind.ALL_USERS:
            return True
        if kind is MemberKind.ALL_AUTHENTICATED:
            return principal.authenticated
        if kind is MemberKind.FEDERATED_SUBJECT:
            return principal.kind is PrincipalKind.FEDERATED and principal.key == self.value
        if kind is MemberKind.FEDERATED_POOL:
            return principal.pool == self.value
        if kind is MemberKind.FEDERATED_ATTRIBUTE:
            pool, _, wanted = self.value.partition("\n")
            return principal.pool == pool and wanted in principal.attributes.get(self.attribute, ())
        if kind is MemberKind.CUSTOMER:
            return principal.customer_id is not None and principal.customer_id == self.value
        return False  # DELETED never matches; CONVENIENCE is handled by the evaluator

    def __str__(self) -> str:
        return self.text


def _is_email(text: str) -> bool:
    # Plain string checks: a regex here backtracks badly on long hostile input.
    if len(text) > MAX_EMAIL or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    bad = set(" \t\r\n:/")
    return bool(local) and "." in domain.strip(".") and not (bad & set(text))


def _email(text: str, loc: Loc, form: str) -> str:
    if not _is_email(text):
        raise loc.error(
            f"{shown(form)} needs an email address, got {shown(text)}", "for example user:alice@example.com"
        )
    return text.lower()


def _federated(text: str, loc: Loc) -> Member:
    """principal:// or principalSet:// identifiers of workload and workforce identity pools."""
    scheme, _, path = text.partition("://")
    match = _POOL.match(path)
    if match is None:
        raise loc.error(
            f"{shown(text)} is not a principal identifier this checker knows",
            "see https://cloud.google.com/iam/docs/principal-identifiers for the accepted forms",
        )
    pool, rest = match.group("pool"), match.group("rest")
    if scheme == "principal":
        if not rest.startswith("subject/") or len(rest) == len("subject/"):
            raise loc.error(f"{shown(text)}: a single federated identity is .../subject/SUBJECT")
        return Member(text, MemberKind.FEDERATED_SUBJECT, text)
    if rest == "*":
        return Member(text, MemberKind.FEDERATED_POOL, pool)
    if rest.startswith("group/") and len(rest) > len("group/"):
        return Member(text, MemberKind.FEDERATED_GROUP, text)
    if rest.startswith("attribute."):
        name, slash, value = rest.partition("/")
        if slash and value and len(name) > len("attribute."):
            return Member(text, MemberKind.FEDERATED_ATTRIBUTE, f"{pool}\n{value}", name)
    raise loc.error(
        f"{shown(text)} is not a principal set this checker knows",
        "a pool's principal set ends in /*, /group/GROUP or /attribute.NAME/VALUE",
    )


def parse_allow_member(text: object, loc: Loc) -> Member:
    """A member of an allow-policy binding (v1 identifiers)."""
    if not isinstance(text, str) or not text:
        raise loc.error(f"a member must be a non-empty string, got {shown(text)}")
    if text.startswith("deleted:"):
        return Member(text, MemberKind.DELETED)
    if text == "allUsers":
        return Member(text, MemberKind.ALL_USERS)
    if text == "allAuthenticatedUsers":
        return Member(text, MemberKind.ALL_AUTHENTICATED)
    if text.startswith(("principal://", "principalSet://")):
        if text.startswith(("principal://goog/", "principalSet://goog/")):
            raise loc.error(
                f"{shown(text)} is a deny-policy identifier; allow policies use the v1 form",
                "write user:EMAIL, group:EMAIL or allUsers in allow policies",
            )
        return _federated(text, loc)
    prefix, colon, rest = text.partition(":")
    if not colon:
        raise loc.error(
            f"{shown(text)} is not a member: it needs a type prefix",
            "write user:EMAIL, serviceAccount:EMAIL, group:EMAIL, domain:DOMAIN, allUsers or allAuthenticatedUsers",
        )
    if prefix == "user":
        return Member(text, MemberKind.USER, _email(rest, loc, "user:"))
    if prefix == "serviceAccount":
        if _GKE_WORKLOAD.match(rest):
            # GKE Workload Identity: a Kubernetes service account, PROJECT_ID.svc.id.goog[NAMESPACE/KSA].
            return Member(text, MemberKind.SERVICE_ACCOUNT, rest)
        return Member(text, MemberKind.SERVICE_ACCOUNT, _email(rest, loc, "serviceAccount:"))
    if prefix == "group":
        return Member(text, MemberKind.GROUP, "group:" + _email(rest, loc, "group:"))
    if prefix == "domain":
        if not rest or "@" in rest or "." not in rest:
            raise loc.error(f"{shown(text)}: domain: takes a domain name such as example.com")
        return Member(text, MemberKind.DOMAIN, rest.lower())
    if prefix in CONVENIENCE_ROLES:
        if not rest:
            raise loc.error(f"{shown(text)}: {prefix}: takes a project id")
        return Member(text, MemberKind.CONVENIENCE, rest, CONVENIENCE_ROLES[prefix])
    raise loc.error(
        f"unknown member type {shown(prefix)} in {shown(text)}",
        "write user:, serviceAccount:, group:, domain:, allUsers, allAuthenticatedUsers, principal:// or principalSet://",
    )


_V1_TO_V2_HINT = {
    "user": "principal://goog/subject/{}",
    "serviceAccount": "principal://iam.googleapis.com/projects/-/serviceAccounts/{}",
    "group": "principalSet://goog/group/{}",
}


def parse_v2_principal(text: object, loc: Loc, *, exception: bool = False) -> Member:
    """A principal in a deny rule or a principal access boundary binding (v2 identifiers)."""
    if not isinstance(text, str) or not text:
        raise loc.error(f"a principal must be a non-empty string, got {shown(text)}")
    if text.startswith("deleted:"):
        return Member(text, MemberKind.DELETED)
    if text == GOOG_PUBLIC:
        if exception:
            raise loc.error(
                "principalSet://goog/public:all cannot be an exception principal",
                "the DenyRule reference excludes it from exceptionPrincipals; list the principals to exempt",
            )
        return Member(text, MemberKind.ALL_USERS)
    if text.startswith(GOOG_SUBJECT):
        return Member(text, MemberKind.USER, _email(text[len(GOOG_SUBJECT) :], loc, GOOG_SUBJECT))
    if text.startswith(GOOG_SERVICE_ACCOUNT):
        email = _email(text[len(GOOG_SERVICE_ACCOUNT) :], loc, GOOG_SERVICE_ACCOUNT)
        return Member(text, MemberKind.SERVICE_ACCOUNT, email)
    if text.startswith(GOOG_GROUP):
        return Member(text, MemberKind.GROUP, "group:" + _email(text[len(GOOG_GROUP) :], loc, GOOG_GROUP))
    if text.startswith(GOOG_CUSTOMER) and len(text) > len(GOOG_CUSTOMER):
        return Member(text, MemberKind.CUSTOMER, text[len(GOOG_CUSTOMER) :])
    if text.startswith(("principal://iam.googleapis.com/", "principalSet://iam.googleapis.com/")):
        return _federated(text, loc)
    prefix, colon, rest = text.partition(":")
    if colon and prefix in _V1_TO_V2_HINT:
        raise loc.error(
            f"{shown(text)} uses the allow-policy form; deny rules need the v2 principal identifier",
            f"write {_V1_TO_V2_HINT[prefix].format(rest)}",
        )
    if text in ("allUsers", "allAuthenticatedUsers"):
        raise loc.error(f"{shown(text)} is an allow-policy member", f"write {GOOG_PUBLIC} for everyone")
    raise loc.error(
        f"{shown(text)} is not a v2 principal identifier",
        "see https://cloud.google.com/iam/docs/principal-identifiers",
    )


def parse_principal(
    text: object,
    groups: object,
    attributes: object,
    loc: Loc,
    customer_id: object = None,
) -> Principal:
    """The requester of a case: a v1 or v2 identifier, its groups and (federated) attributes."""
    groups_loc, attributes_loc = loc.child("groups"), loc.child("principal_attributes")
    principal_loc = loc.child("principal")
    if not isinstance(text, str) or not text:
        raise principal_loc.error(f"the principal must be a non-empty string, got {shown(text)}")
    kind: PrincipalKind
    pool: str | None = None
    if text in ("allUsers", "anonymous"):
        kind, key = PrincipalKind.ANONYMOUS, ""
    elif text.startswith("principal://iam.googleapis.com/") and not text.startswith(GOOG_SERVICE_ACCOUNT):
        member = _federated(text, principal_loc)
        kind, key = PrincipalKind.FEDERATED, member.value
        match = _POOL.match(text.partition("://")[2])
        pool = match.group("pool") if match else None
    else:
        member = (
            parse_v2_principal(text, principal_loc)
            if text.startswith("principal://")
            else parse_allow_member(text, principal_loc)
        )
        if member.kind is MemberKind.USER:
            kind = PrincipalKind.USER
        elif member.kind is MemberKind.SERVICE_ACCOUNT:
            kind = PrincipalKind.SERVICE_ACCOUNT
        else:
            raise principal_loc.error(
                f"{shown(text)} cannot make a request: the principal must be one identity",
                "write user:EMAIL, serviceAccount:EMAIL, a federated principal://..., or allUsers for anonymous",
            )
        key = member.value
    group_keys: set[str] = set()
    if groups is not None:
        if not isinstance(groups, list):
            raise groups_loc.error(
                "groups must be a list of group:EMAIL (or federated principalSet://.../group/G)"
            )
        for index, group in enumerate(groups):
            item_loc = groups_loc.child(index)
            if isinstance(group, str) and group.startswith("principalSet://iam.googleapis.com/"):
                parsed = _federated(group, item_loc)
            elif isinstance(group, str) and group.startswith("principalSet://"):
                parsed = parse_v2_principal(group, item_loc)
            else:
                parsed = parse_allow_member(group, item_loc)
            if parsed.kind not in (MemberKind.GROUP, MemberKind.FEDERATED_GROUP):
                raise item_loc.error(f"{shown(group)} is not a group", "write group:EMAIL")
            group_keys.add(parsed.value)
    attrs: dict[str, tuple[str, ...]] = {}
    if attributes is not None:
        if not isinstance(attributes, dict):
            raise attributes_loc.error(
                'principal_attributes must be an object such as {"attribute.repository": "o/r"}'
            )
        for name, value in attributes.items():
            if (
                not isinstance(name, str)
                or not name.startswith("attribute.")
                or len(name) <= len("attribute.")
            ):
                raise attributes_loc.child(str(name)).error(
                    f"attribute names are written attribute.NAME as in the pool's attribute mapping, got {shown(name)}"
                )
            values = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) for v in values):
                raise attributes_loc.child(name).error(
                    "attribute values must be strings (or a list of strings)"
                )
            attrs[name] = tuple(values)
    if customer_id is not None and not isinstance(customer_id, str):
        raise loc.child("customer_id").error("customer_id must be a string such as C01abc23")
    return Principal(text, kind, key, pool, frozenset(group_keys), attrs, customer_id)
