"""How much harm one extra permission does, so the worst over-grant is shown first.

Order (issue 14 §6): privilege escalation, data write or delete, policy changes, data read, then read-only
metadata. The rank reads only the action's name (and, for AWS, the catalog's access level when the
caller supplies it); it orders what is shown and never changes a decision.
"""

from __future__ import annotations

import re
from enum import IntEnum


class Danger(IntEnum):
    ESCALATION = 0
    DATA_WRITE = 1
    POLICY_CHANGE = 2
    DATA_READ = 3
    METADATA = 4


# Acting as, or minting credentials for, another identity; changing who holds which role.
_ESCALATION = re.compile(
    r"(passrole|assumerole|createaccesskey|loginprofile|createpolicyversion|setdefaultpolicyversion"
    r"|updateassumerolepolicy|addusertogroup|attach(user|group|role)policy|put(user|group|role)policy"
    r"|serviceaccounts\.(actas|getaccesstoken|getopenidtoken|signblob|signjwt|implicitdelegation)"
    r"|serviceaccountkeys\.create|roleassignments/write|roledefinitions/write|elevateaccess"
    r"|/assign/action|/listkeys/|/regeneratekey/|/listaccountsas/|/listservicesas/|/generateuserdelegationkey/)",
    re.IGNORECASE,
)
_POLICY = re.compile(
    r"(setiampolicy|policy\.set|(bucket|key|resource|repository)policy|putbucketacl|putobjectacl"
    r"|microsoft\.authorization/.*/(write|delete)|\.policies\.(create|update|delete)|orgpolicy\.policy\.set)",
    re.IGNORECASE,
)
_WRITE_VERBS = re.compile(
    r"(^|[:./])(put|delete|create|update|write|patch|insert|upload|remove|restore|copy|move|add|run|start|stop"
    r"|invoke|send|publish|modify|attach|detach|terminate|destroy|import|deploy|use|set|tag|untag)",
    re.IGNORECASE,
)
# Reads that return the data itself rather than a description of the resource.
_DATA_READ = re.compile(
    r"(getobject|objects\.get$|versions\.access|getsecretvalue|decrypt|tables\.getdata|getdata"
    r"|blobs/read|messages/read|selectobjectcontent|getrecords|consume)",
    re.IGNORECASE,
)


def rank(action: str, access_level: str | None = None, data_action: bool | None = None) -> Danger:
    """The danger class of one action, permission or operation name."""
    if _ESCALATION.search(action):
        return Danger.ESCALATION
    if _POLICY.search(action) or access_level == "Permissions management":
        return Danger.POLICY_CHANGE
    tail = re.split(r"[:/]", action)[-1] if ":" in action else action.rsplit(".", 1)[-1]
    if "/" in action:  # Azure: the last segment is the verb, the one before it may be `action`
        parts = action.lower().rstrip("/").split("/")
        tail = parts[-2] if parts[-1] == "action" and len(parts) > 1 else parts[-1]
        if tail in ("write", "delete") or (parts[-1] == "action" and tail not in ("read",)):
            return Danger.DATA_WRITE
        if data_action or _DATA_READ.search(action):
            return Danger.DATA_READ
        return Danger.METADATA
    if access_level in ("Write", "Tagging") or _WRITE_VERBS.match(tail) or _WRITE_VERBS.search(":" + tail):
        return Danger.DATA_WRITE
    if _DATA_READ.search(action):
        return Danger.DATA_READ
    return Danger.METADATA
