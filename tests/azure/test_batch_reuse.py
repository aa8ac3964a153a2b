"""`simulate azure --batch` parses each distinct setting once and reuses it (issue 24): the reuse must never
confuse two different settings, and a value the reuse cannot key (a YAML request's date) is still read, with
the same clear error a fresh parse gives, never a crash."""

from __future__ import annotations

import datetime

import pytest

from checker.azure.batch import decide_case
from checker.azure.timeparse import format_ticks, parse_ticks
from checker.core.errors import InputError

from .helpers import CONTAINER, OTHER_CONTAINER, assign, case


def test_settings_that_differ_are_decided_apart() -> None:
    reader_here = case(id="a", role_assignments=[assign("Storage Blob Data Reader", CONTAINER)])
    reader_elsewhere = case(id="b", role_assignments=[assign("Storage Blob Data Reader", OTHER_CONTAINER)])
    for _ in range(2):  # the second round reads both settings from the cache
        assert decide_case(reader_here, explain=False)["decision"] == "allow"
        assert decide_case(reader_elsewhere, explain=False)["decision"] == "implicit_deny"


def test_a_setting_value_that_cannot_be_keyed_gets_the_parsers_error() -> None:
    """A YAML request file can hold an unquoted date where a name belongs: the field is named, as for any
    other wrong type (the JSON-text key used to raise TypeError here)."""
    bad = case(id="c", management_groups={datetime.date(2026, 1, 1): "root"})
    with pytest.raises(InputError):
        decide_case(bad, explain=False)


def test_a_time_before_the_year_1000_reads_back_as_itself() -> None:
    """Azure's DateTime format is yyyy-mm-ddThh:mm:ss.fffffffZ ("Azure role assignment condition format and
    syntax", DateTime comparison operators): four year digits, which strftime's %Y dropped before 1000."""
    ticks = parse_ticks("0005-01-02T03:04:05.1234567Z")
    assert format_ticks(ticks) == "0005-01-02T03:04:05.1234567Z"
    assert parse_ticks(format_ticks(ticks)) == ticks
