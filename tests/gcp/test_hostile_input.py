"""Hostile input: huge or deeply nested values give a short, clear InputError, never a traceback or a hang."""

from __future__ import annotations

from typing import Any

import pytest

from checker.core.errors import InputError
from checker.gcp.batch import decide_case
from tests.gcp.helpers import BUCKET, SA, allow, case, grant

HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    (
        # Python refuses to convert decimal integers over 4,300 digits; before, a ValueError escaped.
        "integer-over-the-digit-limit",
        {
            "allow_policies": allow(
                BUCKET, grant("roles/storage.objectViewer", [SA], 'request.time.getHours("UTC") < ' + "9" * 5_000)
            )
        },
        "line 1 column 32 of the expression: this integer has 5,000 digits",
    ),
    (
        "email-many-dots",
        {
            "allow_policies": allow(
                BUCKET, grant("roles/storage.objectViewer", ["user:a@" + "b." * 25_000 + "@"])
            )
        },
        "needs an email",
    ),
    (
        "email-huge",
        {
            "allow_policies": allow(
                BUCKET, grant("roles/storage.objectViewer", ["user:a@" + "b" * 50_000 + ".com"])
            )
        },
        "needs an email",
    ),
    (
        "deep-brackets",
        {
            "allow_policies": allow(
                BUCKET, grant("roles/storage.objectViewer", [SA], "(" * 6_000 + "true" + ")" * 6_000)
            )
        },
        "brackets deep",
    ),
    (
        "many-nots",
        {"allow_policies": allow(BUCKET, grant("roles/storage.objectViewer", [SA], "!" * 5_000 + "true"))},
        "nested too deeply",
    ),
    (
        "long-expression",
        {
            "allow_policies": allow(
                BUCKET, grant("roles/storage.objectViewer", [SA], " || ".join(["true"] * 5_000))
            )
        },
        "characters",
    ),
    ("huge-permission", {"permission": "a." + "b" * 100_000}, "not a permission name"),
    ("huge-resource", {"resource": "//" + "a." * 30_000 + "/x"}, "not a full resource name"),
    (
        "huge-role",
        {"allow_policies": allow(BUCKET, grant("roles/" + "x" * 100_000, [SA]))},
        "does not know the role",
    ),
    (
        "too-many-members",
        {"allow_policies": allow(BUCKET, grant("roles/storage.objectViewer", [SA] * 20_000))},
        "more than",
    ),
]


@pytest.mark.parametrize(("overrides", "fragment"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_input(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        decide_case(case(**overrides), explain=False)
    message = str(caught.value)
    assert fragment in message
    assert len(message) < 1_000, "a hostile value must be shortened in the message"
