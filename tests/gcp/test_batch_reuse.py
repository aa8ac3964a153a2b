"""`simulate gcp --batch` parses each distinct set of policies once (issue 24, keyed by core/valuekey.py):
different policies are never confused, and a value the key cannot hold (a YAML request's date) is still read
by the parser, which names the field, never a crash."""

from __future__ import annotations

import datetime

import pytest

from checker.core.errors import InputError
from checker.gcp.batch import decide_case
from tests.gcp.helpers import BUCKET, FOLDER, GROUP, ORG, PROJECT, SA, allow, case, grant


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


def _in_turn(cases: list[dict[str, object]]) -> list[str]:
    """Each case decided, then all again in reverse order: the second pass reads every memo the first filled."""
    first = [decide_case(c, False)["decision"] for c in cases]
    second = [decide_case(c, False)["decision"] for c in reversed(cases)]
    assert first == second[::-1], "a case was decided differently once the others had been read"
    return first


def test_requesters_that_differ_only_in_their_groups_are_read_apart() -> None:
    """A role bound to a Google group reaches the group's members (IAM overview, principal type "Google group";
    a case lists its requester's groups in `groups`), and no one else: the same principal text with and without
    the group is two requesters (issue 24 memo)."""
    granted = allow(PROJECT, grant("roles/storage.objectViewer", [GROUP]))
    member = case(allow_policies=granted)
    outsider = case(allow_policies=granted, groups=[])
    other_group = case(allow_policies=granted, groups=["group:ml-ops@acme.example"])
    assert _in_turn([member, outsider, other_group]) == ["allow", "implicit_deny", "implicit_deny"]


def test_resource_chains_that_differ_only_in_an_ancestor_are_read_apart() -> None:
    """"The effective allow policy for a resource is the union of the allow policy set at that resource and the
    allow policy inherited from its parent" (Using resource hierarchy for access control): a grant on the
    project reaches the object only when the project is one of its ancestors."""
    granted = allow(PROJECT, grant("roles/storage.objectViewer", [SA]))
    inside = case(allow_policies=granted)
    elsewhere = case(allow_policies=granted, ancestors=[BUCKET, FOLDER, ORG])
    assert _in_turn([inside, elsewhere]) == ["allow", "implicit_deny"]


def test_requests_that_differ_only_in_their_time_are_read_apart() -> None:
    """A condition on request.time grants only while it holds (IAM Conditions, "Date/time attributes")."""
    until = grant("roles/storage.objectViewer", [SA], 'request.time < timestamp("2027-01-01T00:00:00Z")')
    before = case(allow_policies=allow(PROJECT, until))
    after = case(allow_policies=allow(PROJECT, until), request_time="2027-01-01T00:00:01Z")
    assert _in_turn([before, after]) == ["allow", "implicit_deny"]
