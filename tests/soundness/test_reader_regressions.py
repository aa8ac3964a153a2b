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


@pytest.mark.parametrize("section", ["Conditions", "Parameters", "Mappings"])
def test_a_template_section_written_as_text_is_a_located_error(section: str) -> None:
    # hypothesis: "Conditions:\n  IsProd !Equals [...]" (a missing colon) makes the section a string, and
    # reading a condition from it raised TypeError ("string indices must be integers").
    from checker.core.errors import InputError
    from tests.soundness.readers import read_cloudformation_file

    template = (
        f"{section}:\n  IsProd !Equals [a, b]\n"
        "Resources:\n  R:\n    Type: AWS::IAM::ManagedPolicy\n    Condition: IsProd\n    Properties:\n"
        "      PolicyDocument: {Version: '2012-10-17', Statement: []}\n"
    ).encode()
    with pytest.raises(InputError, match=f"{section} must map names to values") as raised:
        read_cloudformation_file(template)
    where = raised.value.where
    assert where is not None and where.line == 2 and "it is text" in str(raised.value)
