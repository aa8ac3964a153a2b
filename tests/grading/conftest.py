"""Shared fixtures: a private copy of the fixture course per test, and the CLI run in-process."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from checker.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_COURSE = FIXTURES / "course"
FIXTURE_LAB = "01-fixture-train"


@pytest.fixture
def full_course(tmp_path: Path) -> Path:
    """A writable copy of the fixture course (tests edit files and write progress)."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


@pytest.fixture
def course(full_course: Path) -> Path:
    """The fixture course without its `within` check.

    Proving a wide-open starter policy costs the prover seconds per run; tests about the CLI, reports and
    other kinds do not need it, and the suite must stay fast. `within` is tested with `full_course`.
    """
    lab_yaml = full_course / "labs" / FIXTURE_LAB / "lab.yaml"
    text = lab_yaml.read_text(encoding="utf-8")
    start = text.index("      - id: least-privilege\n")
    end = text.index("      - id: only-sagemaker-assumes\n")
    text = text[:start] + text[end:]
    lab_yaml.write_text(text.replace("    pass_mark: 9\n", "    pass_mark: 6\n"), encoding="utf-8")
    return full_course


@pytest.fixture
def full_lab_dir(full_course: Path) -> Path:
    return full_course / "labs" / FIXTURE_LAB


@pytest.fixture
def lab_dir(course: Path) -> Path:
    return course / "labs" / FIXTURE_LAB


@pytest.fixture
def solution_dir(full_course: Path) -> Path:
    return full_course / "solutions" / FIXTURE_LAB / "aws"


@pytest.fixture
def iamlab(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `iamlab ARGS` in this process; returns (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run

