"""IpAddress and NotIpAddress with IPv4 and IPv6 CIDR blocks (IAM User Guide, IP address condition operators)."""

from __future__ import annotations

import ipaddress
from typing import Any

from checker.aws.conditions.operator import Operator, request_text, text_of
from checker.aws.wildcard import Piece

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _prepare(pieces: list[Piece]) -> Network:
    text = text_of(pieces).strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or CIDR block") from None


def _test(request: Any, policy: Network) -> bool:
    try:
        address = ipaddress.ip_address(request_text(request).strip())
    except ValueError:
        return False
    return address.version == policy.version and address in policy


HINT = "use an address or CIDR block such as 203.0.113.0/24 or 2001:db8::/32"
OPERATORS = [
    Operator("IpAddress", False, False, False, _prepare, _test, HINT),
    Operator("NotIpAddress", True, False, False, _prepare, _test, HINT),
]
