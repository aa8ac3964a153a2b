"""AWS managed policies by ARN, from moto's copy of them (moto/iam/aws_managed_policies.py).

moto regenerates that file from the live `iam:ListPolicies`/`GetPolicyVersion` answers on each release
(`make aws_managed_policies`), so it is a maintained copy of every AWS managed policy's default version,
and moto is already a dependency. An ARN that is not in it is an error, never an empty policy.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from checker.core.errors import InputError, Where
from checker.core.source import LoadedDocument, Position
from checker.core.suggest import did_you_mean

# arn:PARTITION:iam::aws:policy/PATH/NAME - AWS managed policies live in the account named "aws".
_MANAGED_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):iam::aws:policy(/(?:[^/]+/)*)([^/]+)$")


@lru_cache(maxsize=1)
def _policies() -> dict[str, dict[str, Any]]:
    """ARN path+name ("/service-role/AmazonSageMakerFullAccess") -> moto's record; loaded on first use."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    records: dict[str, dict[str, Any]] = json.loads(aws_managed_policies_data)
    return {f"{record.get('Path', '/')}{name}": record for name, record in records.items()}


def is_managed_arn(arn: str) -> bool:
    return _MANAGED_ARN.match(arn) is not None


def managed_policy(arn: str, where: Where) -> LoadedDocument:
    """The default version of the AWS managed policy `arn`, every position at `where` (the attachment)."""
    match = _MANAGED_ARN.match(arn)
    if match is None:
        raise InputError(f"{arn!r} is not an AWS managed policy ARN", where,
                         "AWS managed policies look like arn:aws:iam::aws:policy/ReadOnlyAccess")
    key = f"{match.group(2)}{match.group(3)}"
    record = _policies().get(key)
    if record is None:
        names = [k.rsplit("/", 1)[-1] for k in _policies()]
        close = did_you_mean(match.group(3), names)
        suggestion = next((k for k in _policies() if k.endswith("/" + close)), None) if close else None
        hint = (f"did you mean arn:{match.group(1)}:iam::aws:policy{suggestion}?" if suggestion
                else "check the name and path in the IAM console's policy list (service-role/ policies have a path)")
        raise InputError(f"no AWS managed policy has the ARN {arn}", where, hint)
    at = Position(where.line or 1, where.column or 1, where.file)
    document = record["Document"]
    return LoadedDocument(where.file, document, _everywhere(document, at))


def _everywhere(value: Any, at: Position) -> dict[str, Position]:
    """Every pointer of a managed policy maps to the attachment that brought it in."""
    positions: dict[str, Position] = {"": at}
    statements = value.get("Statement") if isinstance(value, dict) else None
    if isinstance(statements, list):
        for index in range(len(statements)):
            positions[f"/Statement/{index}"] = at
    return positions
