"""botocore's service models: the source of truth for operation names, protocols and HTTP bindings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import quote

import botocore.loaders
import botocore.session
from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


@cache
def _models_session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def service_model(service: str) -> ServiceModel:
    """The service's model exactly as published (the gateway reads request URIs and shapes from it).

    It has a loader of its own: clients adjust the models they load (botocore strips `/{Bucket}` from
    S3's request URIs on first use), so the clients' loader is never the one behind this.
    """
    return _models_session().get_service_model(service)


@cache
def client_loader() -> botocore.loaders.Loader:
    """The one loader of every emulator client in this process.

    Parsing botocore's JSON (service models, endpoints) is most of a client's cost; a session with a
    loader of its own parses it all again, so the admin and the enforced clients share this one.
    """
    return botocore.loaders.create_loader()


@cache
def service_summary(service: str) -> ServiceModel:
    """The model from the clients' loader, for operation names and metadata only.

    Clients never change those, and the live check's clients have parsed the model already.
    """
    return ServiceModel(client_loader().load_service_model(service, "service-2"), service)


@cache
def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def operation_names(service: str) -> list[str]:
    return list(service_summary(service).operation_names)


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
