"""The rough edges a first-time learner hit on lab 01 (issue 15 section 2), each as the learner meets it:
the real lab in a private copy of the course, the `iamlab` command run in-process."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.grading.helpers import write

Run = Callable[..., tuple[int, str, str]]
REPO = Path(__file__).resolve().parents[2]
LAB = "01-training-job"


@pytest.fixture
def real_course(tmp_path: Path) -> Path:
    """A copy of the course with the real lab 01 and its reference solutions."""
    root = tmp_path / "course"
    shutil.copytree(REPO / "labs" / LAB, root / "labs" / LAB)
    shutil.copytree(REPO / "solutions" / LAB, root / "solutions" / LAB)
    return root


def test_the_stuck_line_and_hint_follow_the_cloud_just_checked(iamlab: Run, real_course: Path) -> None:
    code, out, _ = iamlab("check", "01", "--cloud", "azure", "--root", str(real_course))
    assert code == 1 and "`iamlab hint 01 --cloud azure` reveals a hint" in " ".join(out.split())
    code, out, _ = iamlab("hint", "01", "--root", str(real_course))  # no --cloud: the cloud just checked
    assert code == 0 and "hints used for 01-training-job (azure): 1 of 3" in out
    progress = json.loads((real_course / ".iamlab-progress.json").read_text())["labs"][LAB]
    assert progress["azure"]["hints_used"] == 1 and progress.get("aws", {}).get("hints_used", 0) == 0
    iamlab("check", "01", "--cloud", "gcp", "--root", str(real_course))
    _, out, _ = iamlab("hint", "01", "--root", str(real_course))
    assert "hints used for 01-training-job (gcp): 1 of 3" in out


def test_hint_without_any_check_uses_the_first_cloud(iamlab: Run, real_course: Path) -> None:
    _, out, _ = iamlab("hint", "01", "--root", str(real_course))
    assert "hints used for 01-training-job (aws): 1 of 6" in out


@pytest.mark.parametrize("name", ["01", "1", "01-training-job", "training-job"])
def test_check_finds_the_lab_by_number_id_or_name(iamlab: Run, real_course: Path, name: str) -> None:
    code, out, err = iamlab("check", name, "--format", "json", "--root", str(real_course))
    assert code == 1 and json.loads(out)["lab"] == LAB, err


def test_a_passed_lab_says_what_to_do_next(iamlab: Run, real_course: Path) -> None:
    for name in ("permissions-policy.json", "trust-policy.json", "training-job.json"):
        shutil.copyfile(real_course / "solutions" / LAB / "aws" / name, real_course / "labs" / LAB / "aws" / name)
    code, out, _ = iamlab("check", "01", "--root", str(real_course))
    assert code == 0 and "that was the last lab; `iamlab list` shows where you stand" in " ".join(out.split())
    second = real_course / "labs" / "02-next-step"
    shutil.copytree(real_course / "labs" / LAB, second)
    write(second / "lab.yaml", (second / "lab.yaml").read_text().replace(f"id: {LAB}", "id: 02-next-step"))
    code, out, _ = iamlab("check", "01", "--root", str(real_course))
    assert code == 0 and "next: `iamlab check 02` (02-next-step)" in " ".join(out.split())


def test_a_failed_lab_does_not_point_at_the_next_one(iamlab: Run, real_course: Path) -> None:
    _, out, _ = iamlab("check", "01", "--root", str(real_course))
    assert "next:" not in out and "last lab" not in out


@pytest.mark.parametrize("columns", ["30", "50", "80"])
def test_list_never_cuts_a_title(real_course: Path, columns: str) -> None:
    env = {**os.environ, "COLUMNS": columns, "IAMLAB_ROOT": str(real_course)}
    out = subprocess.run(
        [sys.executable, "-m", "checker.cli.main", "list"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "…" not in out
    assert "Secure a single ML training job" in " ".join(out.split())
    wide = subprocess.run(
        [sys.executable, "-m", "checker.cli.main", "list", "--wide"], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "…" not in wide and "│ Secure a single ML training job │" in wide


def test_watch_redraws_the_terminal_with_a_timestamp(real_course: Path) -> None:
    """In a real (pseudo-)terminal each round clears the screen and its scrollback and says when it graded."""
    env = {**os.environ, "COLUMNS": "120", "LINES": "40", "TERM": "xterm", "IAMLAB_ROOT": str(real_course)}
    env.pop("NO_COLOR", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: iamlab in the terminal
        # Ctrl-C must reach it even when this test runs in the background (a shell starts background jobs
        # with SIGINT ignored, and exec keeps an ignored signal ignored): the test stops it with SIGINT.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.execve(sys.executable, [sys.executable, "-m", "checker.cli.main", "check", "01", "--watch"], env)
    screen = b""
    try:
        screen = _read_until(fd, screen, lambda text: text.count(b"watching for changes") >= 1)
        policy = real_course / "labs" / LAB / "aws" / "permissions-policy.json"
        policy.write_text(policy.read_text() + " ")
        screen = _read_until(fd, screen, lambda text: text.count(b"watching for changes") >= 2)
    finally:
        os.kill(pid, 2)
        os.waitpid(pid, 0)
        os.close(fd)
    rounds = screen.split(b"\x1b[H\x1b[2J\x1b[3J")
    assert len(rounds) == 3, screen[-2000:]  # before the first clear, and two redrawn rounds
    for text in rounds[1:]:
        assert re.search(rb"iamlab check 01 --watch: graded at \d\d:\d\d:\d\d", text)
        assert text.count(b"Not passed yet") == 1


def _read_until(fd: int, screen: bytes, done: Callable[[bytes], bool], timeout: float = 60) -> bytes:
    deadline = time.monotonic() + timeout
    while not done(screen):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; screen so far:\n{screen[-3000:]!r}")
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                screen += os.read(fd, 65536)
            except OSError:
                break
    return screen


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ('"true"', 'is text "true", but a JSON boolean is expected: write true without quotes'),
        ("1", "is number 1, but a JSON boolean is expected: write true"),
        ("false", "is false, which is not what this lab needs"),
    ],
)
def test_a_value_of_the_wrong_json_type_says_which_type_is_expected(
    iamlab: Run, real_course: Path, written: str, said: str
) -> None:
    submission = real_course / "mine"
    shutil.copytree(real_course / "solutions" / LAB / "aws", submission)
    job = submission / "training-job.json"
    job.write_text(job.read_text().replace('"EnableNetworkIsolation": true', f'"EnableNetworkIsolation": {written}'))
    code, out, _ = iamlab("check", "01", "--submission", str(submission), "--format", "json", "--root", str(real_course))
    check = next(check for check in json.loads(out)["checks"] if check["id"] == "job-definition")
    assert code == 1 and not check["passed"]
    assert said in check["message"] and "training-job.json:24:" in check["message"]


@pytest.mark.parametrize("cloud", ["azure", "gcp"])
def test_an_optional_file_may_be_absent(iamlab: Run, real_course: Path, cloud: str) -> None:
    """The README: "`azure/role-assignments.json` and optional `azure/custom-roles.json`" (same for GCP)."""
    (real_course / "labs" / LAB / cloud / "custom-roles.json").unlink()
    code, out, err = iamlab("check", "01", "--cloud", cloud, "--format", "json", "--root", str(real_course))
    assert code == 1 and json.loads(out)["cloud"] == cloud, err
    if cloud == "gcp":  # the reference solution defines no custom role, so it passes without the file
        submission = real_course / "mine"
        shutil.copytree(real_course / "solutions" / LAB / cloud, submission)
        (submission / "custom-roles.json").unlink()
        code, out, err = iamlab("check", "01", "--cloud", cloud, "--submission", str(submission), "--root", str(real_course))
        assert code == 0, out + err


def test_a_required_file_may_not_be_absent(iamlab: Run, real_course: Path) -> None:
    (real_course / "labs" / LAB / "azure" / "role-assignments.json").unlink()
    code, _, err = iamlab("check", "01", "--cloud", "azure", "--root", str(real_course))
    assert code == 2 and "role-assignments.json" in err


def test_an_optional_file_that_is_a_broken_link_is_still_an_error(iamlab: Run, real_course: Path) -> None:
    path = real_course / "labs" / LAB / "gcp" / "custom-roles.json"
    path.unlink()
    path.symlink_to(real_course / "nowhere.json")
    code, _, err = iamlab("check", "01", "--cloud", "gcp", "--root", str(real_course))
    assert code == 2 and "custom-roles.json" in err


def test_a_wrong_optional_flag_is_a_lab_yaml_error_with_its_line(real_course: Path) -> None:
    from checker.core.errors import InputError
    from checker.grading.spec import load_lab

    lab_yaml = real_course / "labs" / LAB / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text().replace("optional: true}  # the README", "optinal: true}  # the README", 1))
    with pytest.raises(InputError) as info:
        load_lab(real_course / "labs" / LAB)
    line = next(n for n, text in enumerate(lab_yaml.read_text().splitlines(), 1) if "optinal" in text)
    assert "unknown field 'optinal'" in info.value.message and f"lab.yaml:{line}:" in str(info.value)
