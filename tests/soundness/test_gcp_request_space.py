"""The GCP evaluator and prover agree on which (permission, resource, type) requests exist (issue 13, 4).

Both read one catalog, checker.gcp.services.checked_on: "IAM permissions for XML requests"
(https://cloud.google.com/storage/docs/access-control/iam-xml) requires storage.multipartUploads.create
on an object ("POST object uploads") and storage.objects.get on an object ("GET object"); "IAM permissions
for JSON methods" lists storage.buckets.list with the project. A request naming any other kind of resource
is refused by the evaluator with a clear error, and the prover considers exactly the allowed places, so a
PROVED result can never be contradicted by a request the evaluator decides.
"""

from __future__ import annotations

from typing import Any

import pytest

from checker.core.decision import DecisionKind
from checker.core.engine import WithinStatus
from checker.core.errors import InputError
from checker.gcp.analyze.within import within
from checker.gcp.evaluate import decide
from checker.gcp.hierarchy import parse_hierarchy
from checker.gcp.location import Loc
from checker.gcp.model import Binding, PolicySet
from checker.gcp.names import parse_resource_name
from checker.gcp.parse import parse_bindings
from checker.gcp.request import parse_request
from tests.gcp.helpers import BUCKET, FOLDER, ORG, PROJECT, SA

HIERARCHY = parse_hierarchy({BUCKET: PROJECT, PROJECT: FOLDER, FOLDER: ORG}, Loc())
NOTHING: list[Binding] = []


def _bindings(where: str, role: str, condition: str) -> list[Binding]:
    item = {"role": role, "members": [SA], "condition": {"title": "c", "expression": condition}}
    return parse_bindings([item], parse_resource_name(where, Loc()), Loc(), {})


def _decide(bindings: list[Binding], **request: Any) -> DecisionKind:
    case = {"principal": SA, "request_time": "2026-01-01T12:00:00Z", **request}
    return decide(PolicySet(tuple(bindings)), parse_request(case, Loc())).kind


def _counterexamples_recheck(bindings: list[Binding]) -> None:
    result = within(bindings, NOTHING, {}, HIERARCHY)
    assert result.status is WithinStatus.COUNTEREXAMPLE, result
    for example in result.counterexamples:
        shown = {"principal": example.principal, "permission": example.action, "resource": example.resource}
        assert _decide(bindings, **shown, **example.context) is DecisionKind.ALLOW, example


def test_multipart_upload_on_a_bucket_is_refused_and_proved_as_an_object_permission() -> None:
    # Before: the evaluator allowed storage.multipartUploads.create on the bucket (type Bucket) while the
    # prover never considered that request and proved the binding grants nothing.
    granted = _bindings(BUCKET, "roles/storage.objectCreator", 'resource.type == "storage.googleapis.com/Bucket"')
    with pytest.raises(InputError, match="checked on an object"):
        _decide(granted, permission="storage.multipartUploads.create", resource=BUCKET)
    upload = {
        "permission": "storage.multipartUploads.create",
        "resource": BUCKET + "/objects/model.tar.gz",
        "ancestors": [BUCKET, PROJECT, FOLDER, ORG],
    }
    assert _decide(granted, **upload) is not DecisionKind.ALLOW
    assert within(granted, NOTHING, {}, HIERARCHY).status is WithinStatus.PROVED
    # On objects the same permission is granted, and the prover finds it.
    on_objects = _bindings(BUCKET, "roles/storage.objectCreator", 'resource.type == "storage.googleapis.com/Object"')
    assert _decide(on_objects, **upload) is DecisionKind.ALLOW
    _counterexamples_recheck(on_objects)


def test_object_permission_named_on_the_project_is_refused() -> None:
    # Before: storage.objects.get on the project itself (type Project) was allowed by a project binding with
    # resource.type != Object, while the prover, which only considers objects, proved nothing was granted.
    granted = _bindings(PROJECT, "roles/storage.objectViewer", 'resource.type != "storage.googleapis.com/Object"')
    with pytest.raises(InputError, match="checked on an object"):
        _decide(granted, permission="storage.objects.get", resource=PROJECT)
    with pytest.raises(InputError, match="contradicts"):
        _decide(
            granted,
            permission="storage.objects.get",
            resource=BUCKET + "/objects/a.csv",
            resource_type="storage.googleapis.com/Bucket",
        )
    # storage.objects.list is checked on the bucket, which the condition lets through: found and re-checked.
    _counterexamples_recheck(granted)


def test_bucket_listing_is_checked_on_the_project() -> None:
    granted = _bindings(
        PROJECT, "roles/storage.admin", 'resource.type == "cloudresourcemanager.googleapis.com/Project"'
    )
    with pytest.raises(InputError, match="checked on a project"):
        _decide(granted, permission="storage.buckets.list", resource=BUCKET)
    listing = {"permission": "storage.buckets.list", "resource": PROJECT, "ancestors": [FOLDER, ORG]}
    assert _decide(granted, **listing) is DecisionKind.ALLOW
    _counterexamples_recheck(granted)


def test_another_service_is_checked_on_its_own_resources_or_a_container() -> None:
    # Found by the prover fuzz: roles/viewer on the project allowed automl.columnSpecs.list on a storage
    # object (a request that does not exist), while the prover, which considers automl resources only,
    # proved nothing outside the envelope was granted; and a list permission asked on the project itself
    # (where such permissions are checked) was never considered by the prover.
    granted = _bindings(PROJECT, "roles/viewer", 'resource.type == "cloudresourcemanager.googleapis.com/Project"')
    with pytest.raises(InputError, match="checked on automl.googleapis.com resources or on a project"):
        _decide(granted, permission="automl.columnSpecs.list", resource=BUCKET + "/objects/m.tar.gz")
    on_project = {"permission": "compute.instances.list", "resource": PROJECT, "ancestors": [FOLDER, ORG]}
    assert _decide(granted, **on_project) is DecisionKind.ALLOW
    _counterexamples_recheck(granted)
