"""The learner commands end to end: exit codes, the fixed JSON shape, reports, list/hint/progress/reset."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from tests.grading.helpers import write

Run = Callable[..., tuple[int, str, str]]


def test_reference_passes_with_exit_0_and_fixed_json(iamlab: Run, course: Path, solution_dir: Path, lab_dir: Path) -> None:
    code, out, err = iamlab("check", "01", "--root", str(course), "--submission", str(solution_dir), "--format", "json")
    data = json.loads(out)
    assert list(data) == ["lab", "cloud", "score", "max_score", "passed", "checks"]
    assert data["lab"] == "01-fixture-train" and data["cloud"] == "aws" and data["max_score"] == 8
    for check in data["checks"]:
        assert list(check) == ["id", "kind", "passed", "points", "max_points", "message", "counterexample"]
        assert isinstance(check["points"], int) and isinstance(check["message"], str)
    assert code == 0 and data["passed"] is True and data["score"] == 8
    assert data["score"] == sum(check["points"] for check in data["checks"])


def test_starter_fails_with_exit_1_and_a_counterexample(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("check", "01-fixture-train", "--root", str(course), "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["passed"] is False
    denies = next(check for check in data["checks"] if check["id"] == "no-destructive-actions")
    assert denies["counterexample"] == {
        "action": "s3:DeleteObject",
        "resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv",
        "context": {},
        "principal": "arn:aws:iam::111122223333:role/ml-train",
    }
    passing = next(check for check in data["checks"] if check["passed"])
    assert passing["counterexample"] is None


def test_invalid_json_exits_2_naming_file_line_and_column(iamlab: Run, course: Path, lab_dir: Path) -> None:
    write(lab_dir / "aws" / "permissions.json", '{\n  "Version": "2012-10-17"\n  "Statement": []\n}\n')
    code, out, err = iamlab("check", "01", "--root", str(course), "--format", "json")
    assert code == 2 and out == ""
    assert "permissions.json:3:3" in err and "invalid JSON" in err


def test_missing_file_exits_2(iamlab: Run, course: Path, lab_dir: Path) -> None:
    (lab_dir / "aws" / "trust.json").unlink()
    code, _, err = iamlab("check", "01", "--root", str(course))
    assert code == 2 and "trust.json" in err and "file not found" in err


@pytest.mark.parametrize(
    "argv",
    [
        ("check",),
        ("check", "99"),
        ("check", "01", "--cloud", "gcp"),
        ("check", "01", "--format", "pdf"),
        ("check", "01", "--submission", "/nonexistent/folder"),
    ],
)
def test_usage_errors_exit_2(iamlab: Run, course: Path, argv: tuple[str, ...]) -> None:
    code, _, err = iamlab(*argv, "--root", str(course))
    assert code == 2 and err


def test_text_report_shows_checks_counterexample_fix_and_hint_pointer(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("check", "01", "--root", str(course))
    assert code == 1
    assert "no-destructive-actions" in out and "0/2" in out
    assert "request: s3:DeleteObject on arn:aws:s3:::acme-ml-datasets/fraud/v3/train.csv" in out
    assert "how to fix:" in out and "iamlab hint 01" in out
    assert "Not passed yet" in out


def test_junit_report_reads_like_ci_reads_it(iamlab: Run, course: Path, tmp_path: Path) -> None:
    target = tmp_path / "result.xml"
    code, out, _ = iamlab("check", "01", "--root", str(course), "--format", "junit", "--output", str(target))
    assert code == 1 and out == ""
    xml = JUnitXml.fromfile(str(target))
    suites = list(xml)
    assert len(suites) == 1 and suites[0].name == "iamlab.01-fixture-train.aws"
    cases = list(suites[0])
    assert len(cases) == 6 and suites[0].tests == 6
    failed = [case for case in cases if not case.is_passed]
    assert suites[0].failures == len(failed) and failed
    failure = next(result for result in failed[0].result if isinstance(result, Failure))
    assert failure.message and failure.type in {"allows", "denies", "within", "trust", "findings", "answer"}
    properties = {prop.name: prop.value for prop in suites[0].properties()}
    assert properties["passed"] == "false" and properties["max_score"] == "8"


def test_markdown_and_html_reports(iamlab: Run, course: Path) -> None:
    code, markdown, _ = iamlab("check", "01", "--root", str(course), "--format", "markdown")
    assert code == 1 and "| check | kind | result | points | details |" in markdown and "❌" in markdown
    code, html, _ = iamlab("check", "01", "--root", str(course), "--format", "html")
    assert code == 1 and html.startswith("<!DOCTYPE html>") and "<table" in html


def test_result_renders_as_html_in_jupyter(course: Path) -> None:
    from checker.grading.catalog import find_course
    from checker.grading.runner import grade

    result = grade(find_course(explicit=str(course)).load("01"))
    html = result._repr_html_()
    assert "<table" in html and "no-destructive-actions" in html and "&lt;" not in result.lab


def test_progress_is_recorded_and_listed(iamlab: Run, course: Path, solution_dir: Path) -> None:
    iamlab("check", "01", "--root", str(course))
    code, out, _ = iamlab("progress", "--root", str(course), "--format", "json")
    assert code == 0
    row = json.loads(out)["progress"][0]
    assert row["lab"] == "01-fixture-train" and row["attempts"] == 1 and row["passed"] is False
    assert row["best_score"] > 0 and row["hints_total"] == 3
    # Grading another folder does not count as the learner's attempt.
    iamlab("check", "01", "--root", str(course), "--submission", str(solution_dir))
    _, out, _ = iamlab("progress", "--root", str(course), "--format", "json")
    assert json.loads(out)["progress"][0]["attempts"] == 1
    code, out, _ = iamlab("list", "--root", str(course), "--format", "json")
    lab = json.loads(out)["labs"][0]
    assert code == 0 and lab["level"] == "beginner" and lab["clouds"] == ["aws"] and "/8" in lab["status"]["aws"]


def test_hint_reveals_one_more_each_time(iamlab: Run, course: Path) -> None:
    code, out, _ = iamlab("hint", "01", "--root", str(course))
    assert code == 0 and "hint 1 of 3" in out and "hint 2" not in out
    _, out, _ = iamlab("hint", "01", "--root", str(course))
    assert "hint 2 of 3" in out and "hints used for 01-fixture-train (aws): 2 of 3" in out
    _, out, _ = iamlab("check", "01", "--root", str(course))
    assert "hint: Give s3:GetObject only on the dataset prefix" not in out  # that check passes for the starter
    assert "hint: Replace \"s3:*\" with the exact actions" not in out  # hint 3 is not revealed yet
    _, out, _ = iamlab("progress", "--root", str(course), "--format", "json")
    assert json.loads(out)["progress"][0]["hints_used"] == 2


def test_revealed_hint_appears_in_the_report(iamlab: Run, course: Path) -> None:
    for _ in range(3):
        iamlab("hint", "01", "--root", str(course))
    _, out, _ = iamlab("check", "01", "--root", str(course))
    assert 'hint: Replace "s3:*" with the exact actions' in out


def test_reset_restores_the_starter(iamlab: Run, course: Path, lab_dir: Path) -> None:
    write(lab_dir / "aws" / "permissions.json", "{}")
    code, out, _ = iamlab("reset", "01", "--yes", "--root", str(course))
    assert code == 0 and "permissions.json" in out
    assert (lab_dir / "aws" / "permissions.json").read_text() == (lab_dir / ".starter/aws/permissions.json").read_text()
    code, out, _ = iamlab("reset", "01", "--root", str(course))
    assert code == 0 and "nothing to do" in out


def test_damaged_progress_does_not_stop_grading(iamlab: Run, course: Path) -> None:
    write(course / ".iamlab-progress.json", "{broken")
    code, _, err = iamlab("check", "01", "--root", str(course))
    assert code == 1 and "progress not saved" in err
    assert (course / ".iamlab-progress.json").read_text() == "{broken"
    code, _, err = iamlab("progress", "--root", str(course))
    assert code == 2 and ".iamlab-progress.json:1:2" in err


def test_invalid_lab_yaml_is_listed_not_fatal(iamlab: Run, course: Path) -> None:
    broken = course / "labs" / "02-broken"
    write(broken / "lab.yaml", "id: 02-broken\ntitle: x\nlevel: beginner\nclouds: {aws: {files: {}, checks: []}}\nextra: 1\n")
    code, out, _ = iamlab("list", "--root", str(course), "--format", "json")
    rows = json.loads(out)["labs"]
    assert code == 2 and rows[0]["lab"] == "01-fixture-train" and "lab.yaml:5:1" in rows[1]["error"]


def test_the_installed_command_runs_as_a_process(course: Path) -> None:
    iamlab = shutil.which("iamlab", path=str(Path(sys.executable).parent))
    assert iamlab is not None
    done = subprocess.run(
        [iamlab, "check", "01", "--format", "json"], cwd=course / "labs", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and json.loads(done.stdout)["lab"] == "01-fixture-train"


def test_junit_stays_valid_with_control_characters_from_a_learner(tmp_path: Path) -> None:
    # XML 1.0 cannot carry most C0 control characters (https://www.w3.org/TR/xml/#charsets); a learner's
    # answer list is quoted as written, so the renderer must replace them.
    from checker.grading.reports import render
    from checker.grading.result import CheckResult, LabResult

    text = "your answer includes s3:\x01Get\x1b[31m, which should not be there"
    check = CheckResult("q", "answer", "q", False, 0, 1, text, None, False, None, None, (text,), ())
    target = write(tmp_path / "result.xml", render(LabResult("01-x", "t", "aws", 0, 1, 1, False, (check,)), "junit"))
    case = next(iter(next(iter(JUnitXml.fromfile(str(target))))))
    assert not case.is_passed and "s3:\ufffdGet\ufffd[31m" in case.result[0].message


def test_invalid_lab_yaml_exits_2_with_its_line(iamlab: Run, course: Path, lab_dir: Path) -> None:
    text = (lab_dir / "lab.yaml").read_text().replace("        points: 2\n", "        points: two\n", 1)
    write(lab_dir / "lab.yaml", text)
    code, out, err = iamlab("check", "01", "--root", str(course), "--format", "json")
    line = text.splitlines().index("        points: two") + 1
    assert code == 2 and out == "" and f"lab.yaml:{line}:" in err and "whole number" in err


def test_lab_given_as_a_folder_path(iamlab: Run, course: Path, lab_dir: Path) -> None:
    code, out, _ = iamlab("check", str(lab_dir), "--root", str(course), "--format", "json")
    assert code == 1 and json.loads(out)["lab"] == "01-fixture-train"


def test_check_refuses_a_fifo_instead_of_hanging(course: Path, solution_dir: Path, tmp_path: Path) -> None:
    """`iamlab check` on a submission whose policy is a FIFO: before, it waited forever for a writer."""
    submission = tmp_path / "mine"
    shutil.copytree(solution_dir, submission)
    (submission / "permissions.json").unlink()
    os.mkfifo(submission / "permissions.json")
    done = subprocess.run(
        [sys.executable, "-m", "checker.cli.main", "check", "01", "--root", str(course), "--submission", str(submission)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "permissions.json: this is a FIFO (named pipe), not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


class _Terminal(io.StringIO):
    """Standard input as a terminal where the learner types `answer`."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer", ["n\n", "\n"])
def test_reset_asks_before_overwriting_edited_files(
    iamlab: Run, course: Path, lab_dir: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    write(lab_dir / "aws" / "permissions.json", '{"mine": true}')
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    code, out, _ = iamlab("reset", "01", "--root", str(course))
    assert code == 1 and "overwrite your edited permissions.json" in out and "nothing changed" in out
    assert (lab_dir / "aws" / "permissions.json").read_text() == '{"mine": true}'
    assert not (course / ".iamlab-backups").exists()


def test_reset_without_a_terminal_needs_yes(iamlab: Run, course: Path, lab_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(lab_dir / "aws" / "permissions.json", '{"mine": true}')
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = iamlab("reset", "01", "--root", str(course))
    assert code == 2 and "would overwrite your edited permissions.json" in err and "--yes" in err
    assert (lab_dir / "aws" / "permissions.json").read_text() == '{"mine": true}'


def test_reset_keeps_a_timestamped_backup_ignored_by_git(
    iamlab: Run, course: Path, lab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(lab_dir / "aws" / "permissions.json", '{"mine": true}')
    (lab_dir / "aws" / "trust.json").unlink()  # deleted: restored, nothing to back up
    monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
    code, out, _ = iamlab("reset", "01", "--root", str(course))
    assert code == 0 and "restored" in out
    (saved,) = (course / ".iamlab-backups" / "01-fixture-train" / "aws").iterdir()
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z", saved.name) and str(saved) in out
    assert sorted(path.name for path in saved.iterdir()) == ["permissions.json"]
    assert (saved / "permissions.json").read_text() == '{"mine": true}'
    assert (lab_dir / "aws" / "trust.json").is_file()
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text().split()
    assert ".iamlab-backups/" in ignored


def test_a_command_imports_only_its_own_module_and_every_command_is_still_listed() -> None:
    """`iamlab check` registers only check's options (a cold check forks its live worker sooner); the
    help still lists every command, and each command still parses its own options."""
    script = (
        "import sys\n"
        "from checker.cli.main import COMMANDS, build_parser, named_command\n"
        "parser = build_parser(only=named_command(['check', '01']))\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('checker.cli.') and m != 'checker.cli.main')\n"
        "print(loaded)\n"
        "print(all(name in parser.format_help() for name, _, _ in COMMANDS))\n"
        "print(parser.parse_args(['check', '01', '--cloud', 'aws']).cloud)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == ["['checker.cli.check', 'checker.cli.options']", "True", "aws"]
    from checker.cli.main import build_parser, named_command

    assert named_command(["--version"]) is None and named_command([]) is None and named_command(["chek"]) is None
    args = build_parser(only=named_command(["simulate", "aws", "x.json"])).parse_args(["simulate", "aws", "x.json"])
    assert args._module == "simulate"


def test_a_run_makes_only_its_own_parser_and_every_listing_still_names_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 24: `iamlab simulate ...` does not make the other commands' parsers (a few milliseconds of a
    batch's start-up); the list of commands, printed by `iamlab -h` with or without a command after it, still
    names every one."""
    from checker.cli.main import COMMANDS, build_parser, main

    alone = build_parser(only="simulate", list_others=False)
    assert "simulate" in alone.format_help() and "grade-class" not in alone.format_help()
    for words in (["-h"], ["-h", "simulate"], ["--help", "check", "01"]):
        with pytest.raises(SystemExit):
            main(words)
        listing = capsys.readouterr().out
        assert all(name in listing for name, _module, _help in COMMANDS), words
