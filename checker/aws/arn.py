"""Amazon Resource Names: split into components and match patterns component by component.

AWS compares ARNs field by field (partition, service, region, account, resource); a wildcard in one of
the first five fields stays inside that field, while the resource part may contain `/` and `:` and a
wildcard there spans both. (IAM User Guide, "IAM JSON policy elements: Resource" and "Amazon Resource
Names (ARNs)".)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn | None:
    """Split an ARN into its six fields, or return None when it is not an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def split_arn_pattern(text: str) -> list[str] | None:
    """Split a pattern the same way; the resource field keeps any further colons."""
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    return parts
