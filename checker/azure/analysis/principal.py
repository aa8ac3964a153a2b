"""Fix who makes the request: one platform principal, with its groups and its principal attributes.

Questions about one principal (isolation, confinement) leave every request attribute free except the
principal's own: the identities it acts as are exactly its object id and its groups, and each
`@Principal[...]` attribute a condition reads has the principal's value, or no value when Microsoft Entra
holds none for it (a custom security attribute that is not assigned is absent, so a condition comparing it
cannot be evaluated and does not grant).
"""

from __future__ import annotations

from typing import Any

import z3

from checker.azure.analysis.symbolic import Encoder, Shape, Unsupported, _constant
from checker.azure.conditions.evaluate import convert
from checker.azure.principals import PlatformPrincipal

PRINCIPAL_SOURCE = "@principal["


def principal_constraints(encoder: Encoder, principal: PlatformPrincipal, shape: Shape) -> Any:
    parts = [encoder.member[i] == (i in principal.identities) for i in encoder.ids]
    values = principal.attribute_map()
    for key in encoder.usage:
        if not key.startswith(PRINCIPAL_SOURCE):
            continue
        attribute = encoder.attribute(key, shape)
        if key not in values:
            parts.append(z3.Not(attribute.exists))
            continue
        converted = convert(values[key], attribute.family)
        if converted is None:
            raise Unsupported(f"{principal.name}'s {key} = {values[key]!r} does not fit {attribute.family.value}")
        parts.extend([attribute.exists, attribute.ok, attribute.values[0] == _constant(converted, attribute.family)])
        if attribute.count is not None:
            parts.append(attribute.count == 1)
    return z3.And(parts) if parts else z3.BoolVal(True)


def as_made_by(request: dict[str, Any], principal: PlatformPrincipal) -> None:
    """The concrete request names the principal itself, its groups and its attributes."""
    request["principal"] = principal.id
    request["groups"] = sorted(principal.groups)
    attributes = request.setdefault("attributes", {})
    for key in list(attributes):
        if key.lower().startswith(PRINCIPAL_SOURCE):
            del attributes[key]
    for key, value in principal.attributes:
        source, _, rest = key[1:].partition("[")
        attributes[f"@{source.capitalize()}[{rest}"] = value
