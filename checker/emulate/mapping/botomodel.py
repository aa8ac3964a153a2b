"""botocore's service models: the source of truth for operation names, protocols and HTTP bindings."""

from __future__ import annotations

import json
import marshal
import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, overload
from urllib.parse import quote

import botocore.loaders
from botocore.exceptions import DataNotFoundError
from botocore.model import OperationModel, ServiceModel

_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")


@cache
def _models_loader() -> botocore.loaders.Loader:
    return QuickLoader()


@cache
def service_model(service: str) -> ServiceModel:
    """The service's model exactly as published (the gateway reads request URIs and shapes from it).

    It has a loader of its own: clients adjust the models they load (botocore strips `/{Bucket}` from
    S3's request URIs on first use), so the clients' loader is never the one behind this. It is what
    a botocore session's `get_service_model` gives, without making a session (registering its event
    handlers costs tens of milliseconds, and none of them listens to a model being loaded).
    """
    return ServiceModel(_models_loader().load_service_model(service, "service-2"), service_name=service)


class ServiceNames(Sequence[str]):
    """The services a loader knows, for the one question botocore asks of them: is this name known?

    Listing every service walks all of botocore's service folders (thousands of stat calls, 20-50 ms
    per loader and per model type); whether one name is known only needs that name's folder, with the
    same answer. Iterating or indexing lists them all, as the plain loader would.
    """

    def __init__(self, loader: botocore.loaders.Loader, type_name: str, listed: Callable[[str], list[str]]):
        self._loader = loader
        self._type_name = type_name
        self._listed = listed
        self._names: list[str] | None = None

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
            return False  # not a single folder name, so never a listed service (and no path is walked)
        try:
            return bool(self._loader.list_api_versions(name, self._type_name))
        except DataNotFoundError:
            return False

    def _all(self) -> list[str]:
        if self._names is None:
            self._names = self._listed(self._type_name)
        return self._names

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


# A service model file as parsed once in this process, by path (marshal bytes): each loader reads its own
# copy of the same model (the clients', moto's, the published one), and a copy from these bytes costs a
# third of decompressing and parsing the file again. Only models are kept: other files are read once.
_PARSED_MODELS: dict[str, bytes] = {}
_MODEL_FILES = ("service-2.json", "service-2.json.gz")


class PlainJSONFiles(botocore.loaders.JSONFileLoader):
    """botocore's model files read into plain dicts rather than OrderedDicts: the same keys in the same
    order (dicts keep insertion order) and equal values, parsed in half the time by the C decoder (the
    models are most of a live check's set-up). Should botocore rename the method, its own runs.

    Every read returns a new object, as botocore's own loader does (clients change the model they were
    given: S3's request URIs), so no loader ever sees another's changes; a service model read again is
    copied from its first parse (marshal keeps every JSON value exactly: order, floats, big integers)."""

    def _load_file(self, full_path: str, open_method: Callable[..., Any]) -> Any:
        if not os.path.isfile(full_path):
            return None
        kept = _PARSED_MODELS.get(full_path)
        if kept is not None:
            return marshal.loads(kept)
        with open_method(full_path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
        if full_path.endswith(_MODEL_FILES):
            _PARSED_MODELS[full_path] = marshal.dumps(data)
        return data


class QuickLoader(botocore.loaders.Loader):
    """botocore's loader, but a model load asks only whether its service is known (see ServiceNames),
    and files are read into plain dicts (PlainJSONFiles)."""

    FILE_LOADER_CLASS = PlainJSONFiles

    def list_available_services(self, type_name: str) -> Any:  # a ServiceNames where botocore says list
        return ServiceNames(self, type_name, super().list_available_services)


@cache
def client_loader() -> botocore.loaders.Loader:
    """The one loader of every emulator client in this process.

    Parsing botocore's JSON (service models, endpoints) is most of a client's cost; a session with a
    loader of its own parses it all again, so the admin and the enforced clients share this one.
    """
    return QuickLoader()


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
