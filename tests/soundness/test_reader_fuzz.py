"""Property-based fuzzing of every reader: a result or a clear error, never another exception, in time.

Inputs are the labs' own files and signed requests with random edits (hostile tokens spliced in, parts
cut out), random JSON documents and random text (readers.py lists the readers and their clear errors).
The short run is part of `make test`; `make fuzz-readers` runs long and also runs the coverage-guided
targets (atheris_readers.py). The number of inputs tried per reader is printed.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.soundness import budget
from tests.soundness.readers import CLEAR_ERRORS, READERS, TIME_BOUND, seeds

HOSTILE = [
    '"', "{", "}", "[", "]", ",", ":", "\\", "1e400", "9" * 5000, "-0", "NaN", "\u0000", "\ud800", "*", "?", "${",
    "${aws:username}", "}", "\r\n", "\n", "\t", "&a [", "*a", "<<: *a", "!!python/object:os.system", "---",
    "%TAG", "~", "null", "true", "[" * 200, "{" * 200, "Authorization: AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request",
    "X-Amz-Date: 20261128T100000Z", "?X-Amz-Algorithm=AWS4-HMAC-SHA256", "%zz", "%00", "/../", "//", ";", "=",
    "arn:aws:s3:::", "@Resource[", "ActionMatches{'", "resource.name.startsWith(", "{{", "}}", "\ufeff",
]
TRIED: Counter[str] = Counter()


def _edited(reader: str) -> st.SearchStrategy[bytes]:
    """A seed with a few random edits: hostile tokens inserted, ranges deleted or replaced."""

    @st.composite
    def build(draw: Any) -> bytes:
        text = draw(st.sampled_from(seeds(reader))).decode("utf-8", errors="replace")
        for _ in range(draw(st.integers(1, 4))):
            position = draw(st.integers(0, len(text)))
            kind = draw(st.integers(0, 2))
            if kind == 0:
                text = text[:position] + draw(st.sampled_from(HOSTILE) | st.text(max_size=8)) + text[position:]
            elif kind == 1:
                text = text[:position] + text[position + draw(st.integers(1, 40)) :]
            else:
                token = draw(st.sampled_from(HOSTILE))
                text = text[:position] + token + text[position + len(token) :]
        return text.encode("utf-8", errors="surrogatepass")

    return build()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from(HOSTILE),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def _inputs(reader: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _edited(reader),
        _edited(reader),
        JSON.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=300),
    )


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    yield
    print("\ninputs tried per reader (hypothesis): " + ", ".join(f"{k} {v}" for k, v in sorted(TRIED.items())))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_reader_gives_a_result_or_a_clear_error_in_time(reader: str) -> None:
    read, clear = READERS[reader], CLEAR_ERRORS[reader]

    @settings(
        max_examples=budget.count(short=60, long=20_000),
        deadline=None,
        derandomize=not budget.LONG,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_inputs(reader))
    def check(data: bytes) -> None:
        TRIED[reader] += 1
        started = time.process_time()  # CPU time: a hang shows, a busy machine does not
        with contextlib.suppress(clear):
            read(data)
        elapsed = time.process_time() - started
        assert elapsed < TIME_BOUND, f"{reader} took {elapsed:.1f}s on {data[:200]!r}"

    check()
