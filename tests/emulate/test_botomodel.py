"""The clients' loader answers exactly as botocore's own, only without listing every service first."""

from __future__ import annotations

import botocore.loaders
import pytest
from botocore.exceptions import UnknownServiceError

from checker.emulate.mapping.botomodel import QuickLoader


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
