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
def course(tmp_path: Path) -> Path:
    """A writable copy of the fixture course (tests edit files and write progress)."""
    target = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, target)
    return target


@pytest.fixture
def lab_dir(course: Path) -> Path:
    return course / "labs" / FIXTURE_LAB


@pytest.fixture
def solution_dir(course: Path) -> Path:
    return course / "solutions" / FIXTURE_LAB / "aws"


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

