"""botocore's service models: the source of truth for operation names, protocols and HTTP bindings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

import botocore.session
from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(service: str) -> ServiceModel:
    return _session().get_service_model(service)


@cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def operation_names(service: str) -> list[str]:
    return list(service_model(service).operation_names)


def fill_request_uri(operation: OperationModel, params: Mapping[str, Any]) -> str:
    """The HTTP path of a REST call, with its {labels} filled from the API parameters."""
    uri = str(operation.http["requestUri"]).split("?", 1)[0]
    labels: dict[str, str] = {}
    shape = operation.input_shape
    if shape is not None:
        for member_name, member in shape.members.items():
            if member.serialization.get("location") == "uri":
                labels[member.serialization.get("name", member_name)] = member_name

    def replace(match: re.Match[str]) -> str:
        label, greedy = match.group(1), match.group(2)
        value = params.get(labels.get(label, label))
        if value is None:
            raise KeyError(label)
        return quote(str(value), safe="/~" if greedy else "~")

    return _LABEL.sub(replace, uri)
