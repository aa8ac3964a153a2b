"""Crashes the reader fuzzers found, each kept as a regression test (issue 13, section 5)."""

from __future__ import annotations

import re

import pytest

from checker.emulate.wire.sigv4 import SignatureProblem
from tests.soundness.readers import read_sigv4_request, seeds


def test_a_signature_with_non_ascii_characters_is_a_bad_signature() -> None:
    # atheris: hmac.compare_digest raised TypeError ("comparing strings with non-ASCII characters is not
    # supported") on a Signature= value with a non-ASCII character, a crash instead of a refusal.
    signed = seeds("sigv4-request")[0]
    assert read_sigv4_request(signed) is not None  # the untouched request verifies and is identified
    tampered = re.sub(rb"Signature=([0-9a-f]{4})", "Signature=\u00e9\u00e9".encode(), signed)
    with pytest.raises(SignatureProblem, match="does not match"):
        read_sigv4_request(tampered)
