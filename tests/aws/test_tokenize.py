"""Policy values split into text, wildcards and variables: the quick split (values without `${`) must give
exactly what the character-by-character reading gives, for any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.aws.variables import Variable, VariableSyntaxError, _scan, tokenize
from checker.aws.wildcard import QUESTION, STAR

# The characters the two readings treat specially, and a few others around them.
TEXT = st.text(alphabet=st.sampled_from("ab*?${}:/,' \u00e9"), max_size=16)


def _read(read: object, text: str, variables: bool, wildcards: bool) -> object:
    try:
        return read(text, variables, wildcards)  # type: ignore[operator]
    except VariableSyntaxError as exc:
        return ("refused", str(exc))


@settings(max_examples=3000, deadline=None)
@given(TEXT, st.booleans(), st.booleans())
def test_the_quick_split_reads_every_value_as_the_full_reading(text: str, variables: bool, wildcards: bool) -> None:
    def quick(t: str, v: bool, w: bool) -> object:
        return tokenize(t, variables=v, wildcards=w)

    assert _read(quick, text, variables, wildcards) == _read(_scan, text, variables, wildcards)


@pytest.mark.parametrize(
    ("text", "variables", "wildcards", "tokens"),
    [
        ("", True, True, ()),
        ("arn:aws:s3:::b/k", True, True, ("arn:aws:s3:::b/k",)),
        ("arn:aws:s3:::b/*", True, True, ("arn:aws:s3:::b/", STAR)),
        ("a?*b", True, True, ("a", QUESTION, STAR, "b")),
        ("a?*b", True, False, ("a?*b",)),  # StringEquals: `*` and `?` are ordinary characters
        # Version 2008-10-17: "${...}" is literal text (IAM User Guide, "IAM policy elements: Variables and tags")
        ("b/${aws:username}/*", False, True, ("b/${aws:username}/", STAR)),
        ("b/${aws:username}/*", True, True, ("b/", Variable("aws:username", None), "/", STAR)),
        ("${*}x", True, True, ("*x",)),  # "${*}" is a literal star, not a wildcard
    ],
)
def test_values_as_the_user_guide_reads_them(text: str, variables: bool, wildcards: bool, tokens: tuple[object, ...]) -> None:
    assert tokenize(text, variables=variables, wildcards=wildcards) == tokens
