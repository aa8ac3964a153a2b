"""`simulate gcp --batch` parses each distinct set of policies once (issue 24, keyed by core/valuekey.py):
different policies are never confused, and a value the key cannot hold (a YAML request's date) is still read
by the parser, which names the field, never a crash."""

from __future__ import annotations

import datetime

import pytest

from checker.core.errors import InputError
from checker.gcp.batch import decide_case
from tests.gcp.helpers import PROJECT, SA, allow, case, grant


def test_policies_that_differ_are_decided_apart() -> None:
    viewer = case(allow_policies=allow(PROJECT, grant("roles/storage.objectViewer", [SA])))
    nobody = case(allow_policies=allow(PROJECT, grant("roles/storage.objectViewer", ["user:other@example.com"])))
    first = [decide_case(viewer, False)["decision"], decide_case(nobody, False)["decision"]]
    assert first[0] != first[1]
    assert [decide_case(viewer, False)["decision"], decide_case(nobody, False)["decision"]] == first


def test_a_policy_value_that_cannot_be_keyed_gets_the_parsers_error() -> None:
    """The JSON-text key raised TypeError on a date: now the parser reads it and names the field."""
    dated = case(allow_policies=allow(PROJECT, grant("roles/storage.objectViewer", [SA])))
    dated["allow_policies"][PROJECT]["bindings"][0]["members"] = [datetime.date(2026, 1, 1)]
    with pytest.raises(InputError):
        decide_case(dated, False)
