"""`iamlab simulate aws` (fixed interface): batch lines in, decisions out in order, exit 0 or 2."""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.cli.main import main
from checker.cli.simulate import run_batch

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}]}
BASE = {"principal": "arn:aws:iam::111122223333:role/ml-train", "action": "s3:GetObject", "identity_policies": [POLICY]}


def run(lines: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[dict[str, object]]]:
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    code = main(["simulate", "aws", "--batch", str(batch), *extra])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_batch_decides_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        dict(BASE, id="ok", resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a.csv"),
        dict(BASE, id="other", resource="arn:aws:s3:::acme-ml-datasets/fraud/v30/a.csv"),
        dict(BASE, id="deny", resource="arn:aws:s3:::x/y", identity_policies=[POLICY, {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}]),
    ]
    code, out = run([json.dumps(c) for c in cases], tmp_path, capsys)
    assert code == 0
    assert out == [
        {"id": "ok", "decision": "allow"},
        {"id": "other", "decision": "implicit_deny"},
        {"id": "deny", "decision": "explicit_deny"},
    ]


def test_batch_malformed_line_continues_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps(dict(BASE, id="g", resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a"))
    bad_policy = json.dumps(dict(BASE, id="b", identity_policies=[{"Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}]))
    code, out = run([good, "{not json", bad_policy, good], tmp_path, capsys)
    assert code == 2
    assert [o.get("decision") for o in out] == ["allow", None, None, "allow"]
    assert "line 2" in str(out[1]["error"])
    assert out[2]["id"] == "b" and "service prefix" in str(out[2]["error"])


def test_batch_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = dict(BASE, id="e", resource="arn:aws:s3:::acme-ml-datasets/fraud/v30/a.csv")
    code, out = run([json.dumps(case)], tmp_path, capsys, "--explain")
    assert code == 0
    explain = out[0]["explain"]
    assert isinstance(explain, dict)
    assert "Resource does not match" in json.dumps(explain)


def test_batch_from_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    case = dict(BASE, id="s", resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a")
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(case) + "\n"))
    assert main(["simulate", "aws", "--batch", "-"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": "s", "decision": "allow"}


def test_single_request_prints_readable_explanation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps(dict(BASE, resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a")))
    assert main(["simulate", "aws", str(request)]) == 0
    out = capsys.readouterr().out
    assert "decision: allow" in out and "identity_policies[0]" in out


def test_single_request_bad_json_names_line_and_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "request.json"
    request.write_text('{"principal": "x",\n "action": }')
    assert main(["simulate", "aws", str(request)]) == 2
    err = capsys.readouterr().err
    assert "request.json:2:12" in err


def test_batch_line_with_an_overlong_integer_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python refuses to convert decimal integers over 4,300 digits (sys.int_info.default_max_str_digits);
    before, the ValueError escaped and the whole batch stopped with a traceback."""
    good = json.dumps(dict(BASE, id="g", resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a"))
    huge = '{"id": "h", "context": {"aws:MultiFactorAuthAge": ' + "9" * 5000 + "}}"
    code, out = run([good, huge, good], tmp_path, capsys)
    assert code == 2
    assert [o.get("decision") for o in out] == ["allow", None, "allow"]
    assert "line 2:1:" in str(out[1]["error"]) and "5,000 digits" in str(out[1]["error"])


def test_batch_line_that_is_not_utf8_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = json.dumps(dict(BASE, id="g", resource="arn:aws:s3:::acme-ml-datasets/fraud/v3/a")).encode()
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(good + b"\n" + b'{"id": "caf\xe9"}\n' + good + b"\n")
    code = main(["simulate", "aws", "--batch", str(batch)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2
    assert [o.get("decision") for o in out] == ["allow", None, "allow"]
    assert f"{batch} line 2: the line is not UTF-8 text (byte 12 of the line)" in str(out[1]["error"])


def test_a_batch_loads_only_what_deciding_needs() -> None:
    """Issue 24: start-up is part of what a batch user waits for. Deciding JSON lines needs neither the YAML
    loader nor grading's engine face (federation, roles, the catalog) nor difflib, which only a misspelling
    needs; a fresh interpreter shows what one batch imported."""
    script = (
        "import io, json, sys\n"
        "from checker.cli.simulate import run_batch\n"
        f"line = json.dumps({BASE!r})\n"
        "out = io.StringIO()\n"
        "assert run_batch([line], 'aws', False, out) == 0, out.getvalue()\n"
        "print(json.dumps(sorted(m for m in ('yaml', 'checker.aws.engine', 'checker.aws.catalog', "
        "'checker.core.findings', 'difflib') if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_a_batch_leaves_the_garbage_collector_as_it_found_it() -> None:
    """run_batch freezes what start-up built and collects less often while it runs, then restores both."""
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    out = io.StringIO()
    assert run_batch([json.dumps(BASE)], "aws", False, out) == 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)


def test_the_command_line_imports_only_the_command_that_runs(tmp_path: Path) -> None:
    """Issue 24: `iamlab simulate` must not pay for importing every other command (the gateway, grading,
    the linter): the parser registers only the options of the command named, and still lists every command
    in the top-level help."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(BASE) + "\n", encoding="utf-8")
    script = (
        "import json, sys\n"
        "from checker.cli.main import main\n"
        f"assert main(['simulate', 'aws', '--batch', {str(batch)!r}]) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('checker.cli.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == ["checker.cli.main", "checker.cli.simulate"]
    listed = subprocess.run([sys.executable, "-m", "checker.cli.main", "--help"], capture_output=True, text=True)
    assert listed.returncode == 0
    assert all(name in listed.stdout for name in ("simulate", "grade-class", "gateway", "drift"))


def test_the_program_ends_a_batch_with_every_answer_written_and_its_exit_code(tmp_path: Path) -> None:
    """`iamlab` ends the process right after a simulate run (checker/cli/main.py `entry`: freeing a batch's
    caches one by one cost a fifth of the run); every answer line must still reach the reader, and the exit
    code must still say whether every line was decided."""
    batch = tmp_path / "batch.jsonl"
    lines = [json.dumps(dict(BASE, id=f"case-{i}")) for i in range(3000)] + ["{not json"]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "checker.cli.main", "simulate", "aws", "--batch", str(batch)],
                          capture_output=True, text=True)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 2
    assert [a["id"] for a in answers[:-1]] == [f"case-{i}" for i in range(3000)]
    assert "error" in answers[-1] and all("decision" in a for a in answers[:-1])


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(st.text(), st.integers(), st.none(), st.floats(allow_nan=False), st.booleans()),
    st.sampled_from(["allow", "explicit_deny", "implicit_deny"]),
)
def test_an_answer_line_put_together_directly_is_the_encoders_text(case_id: object, decision: str) -> None:
    """Issue 24: a decision whose id is a string is written without the encoder's call: the same characters,
    non-ASCII and control characters escaped as the encoder escapes them."""
    from checker.cli.simulate import _answer_line, _encode_answer

    for answer in ({"id": case_id, "decision": decision}, {"decision": decision, "id": case_id},
                   {"id": case_id, "decision": decision, "explain": {"summary": "s"}}, {"id": case_id, "error": "e"}):
        assert _answer_line(answer) == _encode_answer(answer) + "\n"
