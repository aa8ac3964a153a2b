"""The clients' loader answers exactly as botocore's own, only without listing every service first."""

from __future__ import annotations

import json

import botocore.loaders
import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from checker.emulate.mapping.botomodel import QuickLoader, service_model


@pytest.mark.parametrize("type_name", ["service-2", "paginators-1", "endpoint-rule-set-1"])
def test_known_services_are_the_same_as_botocore_lists(type_name: str) -> None:
    listed = botocore.loaders.Loader().list_available_services(type_name)
    names = QuickLoader().list_available_services(type_name)
    for name in [*listed, "no-such-service", "", "../s3", "s3/2006-03-01"]:
        assert (name in names) == (name in listed), name
    assert list(names) == listed and len(names) == len(listed) and names[0] == listed[0]


def test_models_load_the_same_and_unknown_services_fail_the_same() -> None:
    plain, quick = botocore.loaders.Loader(), QuickLoader()
    assert quick.load_service_model("s3", "service-2") == plain.load_service_model("s3", "service-2")
    with pytest.raises(UnknownServiceError, match="Valid service names are: .*s3"):
        quick.load_service_model("no-such-service", "service-2")


def _same_in_order(left: object, right: object) -> bool:
    """Equal, with every mapping's keys in the same order (what a model's readers iterate)."""
    if isinstance(left, dict) and isinstance(right, dict):
        return list(left) == list(right) and all(_same_in_order(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same_in_order(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


@pytest.mark.parametrize(
    ("service", "type_name"),
    [("s3", "service-2"), ("sagemaker", "service-2"), ("iam", "paginators-1"), ("s3", "endpoint-rule-set-1")],
)
def test_plain_dict_models_hold_the_same_data_in_the_same_order(service: str, type_name: str) -> None:
    """botocore reads its JSON into OrderedDicts (twice the parse time); QuickLoader's plain dicts must
    hold exactly the same keys, values and order, extras (s3's sdk-extras) merged the same way."""
    plain = botocore.loaders.Loader().load_service_model(service, type_name)
    quick = QuickLoader().load_service_model(service, type_name)
    assert type(quick) is dict and type(plain) is not dict  # the faster reading is really in use
    assert _same_in_order(json.loads(json.dumps(quick)), json.loads(json.dumps(plain)))
    assert quick == plain


def test_published_models_are_botocores_without_a_session() -> None:
    for service in ("s3", "iam", "sts"):
        model = service_model(service)
        published = botocore.session.get_session().get_service_model(service)
        assert model.operation_names == published.operation_names
        assert model.metadata == published.metadata
        for name in model.operation_names:
            assert model.operation_model(name).http == published.operation_model(name).http, (service, name)


def test_a_model_read_again_is_a_new_copy_equal_to_the_first_parse() -> None:
    """A service model read by a second loader is copied from the first parse (marshal): it must hold
    the same data in the same order, and be a separate object, so that a change one reader makes (a
    client strips S3's `/{Bucket}` from request URIs) never reaches another (an answer shared wrongly)."""
    first = QuickLoader().load_service_model("sagemaker", "service-2")
    first["operations"]["CreateTrainingJob"]["http"]["requestUri"] = "/changed-by-one-reader"
    first["metadata"]["changed"] = True
    again = QuickLoader().load_service_model("sagemaker", "service-2")
    published = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    assert again is not first and again["operations"] is not first["operations"]
    assert again["operations"]["CreateTrainingJob"]["http"]["requestUri"] == "/"
    assert "changed" not in again["metadata"]
    assert _same_in_order(again, json.loads(json.dumps(published))) and again == published


def test_different_files_never_share_a_copy() -> None:
    """The copies are kept by the file's whole path: another service or API version is its own file."""
    loader = QuickLoader()
    for _ in range(2):  # the second round reads every one from the copies
        s3 = loader.load_service_model("s3", "service-2")
        iam = QuickLoader().load_service_model("iam", "service-2")
        assert s3["metadata"]["serviceId"] == "S3" and iam["metadata"]["serviceId"] == "IAM"
        loader = QuickLoader()
