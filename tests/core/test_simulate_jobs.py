"""`iamlab simulate CLOUD --batch FILE --jobs N` (issue 24): a batch decided in worker processes answers byte
for byte as one process does (the batch contract is fixed: one line per non-blank input line, in input order,
error texts naming the input's own line numbers, exit 0 only when every line was decided), for every cloud;
a worker that dies loses no line silently.

Each run is a real `iamlab` process: workers are forked copies of it, and pytest's own process is never forked.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from checker.core.forked_runs import LINES_PER_WORKER, can_fork, usable_cpus, worker_count
from tests.azure.helpers import BLOB_WRITE, CONTAINER, assign
from tests.azure.helpers import case as azure_case
from tests.gcp.helpers import BUCKET, SA, allow, grant
from tests.gcp.helpers import case as gcp_case

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not can_fork(), reason="batch workers are forked processes (Linux)")

AWS_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/*"}]}
AWS_DENY = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
AWS_BASE = {"principal": "arn:aws:iam::111122223333:role/ml-train", "action": "s3:GetObject",
            "identity_policies": [AWS_POLICY], "resource": "arn:aws:s3:::acme-ml-datasets/fraud/v3/a.csv"}


def aws_cases(number: int) -> tuple[dict[str, Any], ...]:
    """An allowed, an implicitly denied, an explicitly denied case, and one that raises InputError (an
    action without its service prefix)."""
    return (
        dict(AWS_BASE, id=f"a{number}"),
        dict(AWS_BASE, id=f"i{number}", resource=f"arn:aws:s3:::acme-ml-datasets/fraud/v30/{number}.csv"),
        dict(AWS_BASE, id=f"e{number}", identity_policies=[AWS_POLICY, AWS_DENY]),
        dict(AWS_BASE, id=f"x{number}", identity_policies=[
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}]),
    )


def azure_cases(number: int) -> tuple[dict[str, Any], ...]:
    reader = [assign("Storage Blob Data Reader", CONTAINER)]
    return (
        azure_case(id=f"a{number}", role_assignments=reader),
        azure_case(id=f"i{number}"),
        azure_case(id=f"w{number}", role_assignments=reader, action=BLOB_WRITE),
        azure_case(id=f"x{number}", scope="subscriptions/x"),  # InputError: a scope starts with '/'
    )


def gcp_cases(number: int) -> tuple[dict[str, Any], ...]:
    viewer = allow(BUCKET, grant("roles/storage.objectViewer", [SA]))
    return (
        gcp_case(id=f"a{number}", allow_policies=viewer),
        gcp_case(id=f"i{number}"),
        gcp_case(id=f"w{number}", allow_policies=viewer, permission="storage.objects.delete"),
        gcp_case(id=f"x{number}", permission="storage.objects"),  # InputError: not a permission
    )


CASES = {"aws": aws_cases, "azure": azure_cases, "gcp": gcp_cases}


def mixed_batch(cloud: str, rounds: int = 6) -> bytes:
    """Every kind of line in each round, so that every run of a 2- or 3-way split holds each kind: decided
    cases, a case the engine refuses (InputError), bad JSON, a duplicate key, a line that is not an object,
    a line that is not UTF-8, and blank lines (empty, spaces, a Unicode space)."""
    lines: list[bytes] = []
    for number in range(rounds):
        allowed, denied, other, refused = (json.dumps(case).encode() for case in CASES[cloud](number))
        lines += [allowed, denied, b"", other, refused, b'{"id": "bad", not json', b"   ",
                  denied[:-1] + b', "id": "again"}', b"[1, 2]", "\u3000".encode(), b"\xff\xfe not text", allowed]
    return b"\n".join(lines) + b"\n"


def simulate(cloud: str, batch: Path | None, *options: str, stdin: bytes | None = None,
             **popen: Any) -> subprocess.CompletedProcess[bytes]:
    where = str(batch) if batch is not None else "-"
    return subprocess.run([sys.executable, "-m", "checker.cli.main", "simulate", cloud, "--batch", where, *options],
                          input=stdin, capture_output=True, timeout=120, cwd=REPO, check=False, **popen)


def answers(done: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_workers_answer_byte_for_byte_as_one_process(cloud: str, tmp_path: Path) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(mixed_batch(cloud))
    alone = simulate(cloud, batch, "--jobs", "1")
    assert alone.returncode == 2 and alone.stderr == b""
    out = answers(alone)
    assert len(out) == 6 * 9  # one answer per non-blank line: 12 lines a round, 3 of them blank
    # The global line numbers are in the error texts of the last round (lines 61-72), decided by the last worker.
    assert out[-5]["error"].startswith(f"{batch} line 66:1:15: invalid JSON")
    assert f"{batch} line 68" in out[-4]["error"] and "'id'" in out[-4]["error"]
    assert out[-3] == {"id": None, "error": "each line must be a JSON object (one request case)"}
    assert out[-2]["error"].startswith(f"{batch} line 71: the line is not UTF-8 text")
    assert out[-6]["id"] == "x5" and out[-1]["decision"] == "allow"
    for jobs in ("2", "3"):
        split = simulate(cloud, batch, "--jobs", jobs)
        assert (split.returncode, split.stderr) == (2, b"")
        assert split.stdout == alone.stdout, f"--jobs {jobs}"


def test_explanations_too(tmp_path: Path) -> None:
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(mixed_batch("aws", rounds=3))
    alone = simulate("aws", batch, "--jobs", "1", "--explain")
    split = simulate("aws", batch, "--jobs", "3", "--explain")
    assert "explain" in answers(alone)[0] and split.stdout == alone.stdout


@pytest.mark.parametrize("bad_line", [0, 29], ids=["in-this-process", "in-the-last-worker"])
def test_exit_status_says_whether_every_line_was_decided(tmp_path: Path, bad_line: int) -> None:
    lines = [json.dumps(case) for number in range(10) for case in aws_cases(number)[:3]]
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert simulate("aws", batch, "--jobs", "3").returncode == 0
    lines[bad_line] = "{"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = simulate("aws", batch, "--jobs", "3")
    assert done.returncode == 2
    assert answers(done)[bad_line]["error"].startswith(f"{batch} line {bad_line + 1}:")


def test_standard_input(tmp_path: Path) -> None:
    batch = mixed_batch("gcp", rounds=2)
    alone = simulate("gcp", None, "--jobs", "1", stdin=batch)
    split = simulate("gcp", None, "--jobs", "2", stdin=batch)
    assert alone.returncode == split.returncode == 2
    assert "<stdin> line 23: the line is not UTF-8 text" in answers(alone)[-2]["error"]
    assert split.stdout == alone.stdout


def test_azure_workers_decide_with_the_imported_catalog(tmp_path: Path) -> None:
    """Azure's `batch_scope` pins the catalog (an imported one included) for the whole run: the workers,
    forked inside that scope, decide with it too."""
    env = dict(os.environ, IAMLAB_CATALOG_DIR=str(tmp_path / "catalog"))
    export = tmp_path / "roles.json"
    role = {"assignableScopes": ["/"], "description": "", "name": "aaaaaaaa-0000-4000-8000-000000000001",
            "id": "/providers/Microsoft.Authorization/roleDefinitions/aaaaaaaa-0000-4000-8000-000000000001",
            "permissions": [{"actions": [], "notActions": [], "notDataActions": [],
                             "dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]}],
            "roleName": "Imported Blob Reader", "roleType": "BuiltInRole",
            "type": "Microsoft.Authorization/roleDefinitions"}
    export.write_text(json.dumps([role]), encoding="utf-8")
    imported = subprocess.run([sys.executable, "-m", "checker.cli.main", "catalog", "import", "--cloud", "azure",
                               str(export)], capture_output=True, timeout=60, cwd=REPO, env=env, check=False)
    assert imported.returncode == 0, imported.stderr
    batch = tmp_path / "cases.jsonl"
    line = json.dumps(azure_case(role_assignments=[assign("Imported Blob Reader", CONTAINER)]))
    batch.write_text((line + "\n") * 9, encoding="utf-8")
    done = simulate("azure", batch, "--jobs", "3", env=env)
    assert done.returncode == 0 and answers(done) == [{"id": "t", "decision": "allow"}] * 9


def test_automatic_jobs_answer_as_one_process(tmp_path: Path) -> None:
    """The default splits a batch of 2 * LINES_PER_WORKER lines or more over the usable cores."""
    count = 2 * LINES_PER_WORKER + 1
    lines = [json.dumps(aws_cases(number)[number % 4]) for number in range(count)]
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    alone = simulate("aws", batch, "--jobs", "1")
    automatic = simulate("aws", batch)
    assert automatic.returncode == alone.returncode == 2
    assert automatic.stdout == alone.stdout and len(answers(automatic)) == count


def test_automatic_worker_count() -> None:
    assert worker_count(None, 2 * LINES_PER_WORKER - 1) == 1
    assert worker_count(None, 2 * LINES_PER_WORKER) == min(usable_cpus(), 2)
    assert worker_count(None, 100 * LINES_PER_WORKER) == usable_cpus()
    assert worker_count(3, 2) == 2  # never a worker without a line
    assert worker_count(1, 10**6) == 1


def lost_run_checks(done: subprocess.CompletedProcess[bytes], batch: Path, ending: str) -> None:
    """The batch of `failure_batch`, split in 3 (lines 1-20, 21-40, 41-60): the first run answered, each
    non-blank line of a lost run has an error line naming the worker's end, and stderr names the lines."""
    assert done.returncode == 2
    out = answers(done)
    assert len(out) == 57 and all("decision" in answer for answer in out[:19])
    why = f"the worker process deciding lines 41-60 {ending}"
    assert f"error: lines 41-60 of {batch} were not decided: {why}" in done.stderr.decode()
    assert out[-1] == {"id": None, "error": f"{batch} line 60: not decided: {why}"}


def failure_batch(tmp_path: Path, lines_per_run: int) -> Path:
    """3 runs of `lines_per_run` lines of AWS cases; each run has one blank line (no answer when lost)."""
    cases = [json.dumps(aws_cases(number)[number % 3]) for number in range(3 * lines_per_run)]
    for blank in range(0, len(cases), lines_per_run):
        cases[blank + 1] = ""
    batch = tmp_path / "cases.jsonl"
    batch.write_text("\n".join(cases) + "\n", encoding="utf-8")
    return batch


def test_a_failing_worker_loses_no_line_silently(tmp_path: Path) -> None:
    """A worker whose answers cannot be written (here: a file size limit of 256 bytes, which the answers
    written to standard output, a pipe, are not subject to) fails: its lines get error lines, exit 2."""
    batch = failure_batch(tmp_path, 20)

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))

    done = simulate("aws", batch, "--jobs", "3", preexec_fn=limit_file_size)
    lost_run_checks(done, batch, "failed (what failed is said on stderr)")
    assert "error: the worker deciding lines 41-60 failed: OSError: [Errno 27] File too large" in done.stderr.decode()


def test_a_killed_worker_loses_no_line_silently(tmp_path: Path) -> None:
    """A worker killed while it decides (as the out-of-memory killer would) loses its whole run, loudly."""
    batch = failure_batch(tmp_path, 3000)  # about half a second of deciding per run: time to find and kill it
    command = [sys.executable, "-m", "checker.cli.main", "simulate", "aws", "--batch", str(batch), "--jobs", "3"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO) as iamlab:
        children = Path(f"/proc/{iamlab.pid}/task/{iamlab.pid}/children")
        deadline = time.monotonic() + 60
        workers: list[str] = []
        while len(workers) < 2 and time.monotonic() < deadline and iamlab.poll() is None:
            workers = children.read_text().split()
        assert len(workers) == 2, "the two workers were not seen"
        for worker in workers:
            os.kill(int(worker), signal.SIGKILL)
        stdout, stderr = iamlab.communicate(timeout=120)
    done = subprocess.CompletedProcess(command, iamlab.returncode, stdout, stderr)
    out = answers(done)
    assert done.returncode == 2 and len(out) == 3 * 2999 and all("decision" in answer for answer in out[:2999])
    for first, last in ((3001, 6000), (6001, 9000)):
        why = f"the worker process deciding lines {first}-{last} was killed by signal 9 (SIGKILL) before it finished"
        assert f"error: lines {first}-{last} of {batch} were not decided: {why}" in stderr.decode()
        blank_lines_so_far = last // 3000
        assert out[last - blank_lines_so_far - 1] == {"id": None, "error": f"{batch} line {last}: not decided: {why}"}


@pytest.mark.parametrize(("options", "message"), [
    (["--batch", "-", "--jobs", "0"], "error: --jobs must be 1 or more"),
    (["request.json", "--jobs", "2"], "error: --jobs applies to --batch only"),
])
def test_wrong_jobs_are_refused(options: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "checker.cli.main", "simulate", "aws", *options], input=b"",
                          capture_output=True, timeout=60, cwd=REPO, check=False)
    assert done.returncode == 2 and done.stderr.decode().startswith(message)


# `iamlab simulate` with the input's chunk made small (argv[1] lines, argv[2] characters), in a process of its own.
CHUNKED = ("import sys\nimport checker.core.forked_runs as runs\n"
           "runs.CHUNK_LINES, runs.CHUNK_SIZE = int(sys.argv[1]), int(sys.argv[2])\n"
           "from checker.cli.main import main\nraise SystemExit(main(sys.argv[3:]))")


def chunked(lines: int, size: int, cloud: str, batch: Path, *options: str,
            **popen: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", CHUNKED, str(lines), str(size), "simulate", cloud, "--batch",
                           str(batch), *options], capture_output=True, timeout=120, cwd=REPO, check=False, **popen)


@pytest.mark.parametrize(("lines", "size"), [(7, 10**9), (10**9, 900)], ids=["by-lines", "by-size"])
def test_a_batch_read_chunk_by_chunk_answers_as_one_process(tmp_path: Path, lines: int, size: int) -> None:
    """A batch is held in memory a chunk at a time (a batch of gigabytes must not be read whole to be split);
    across chunk boundaries the answers, their order and the line numbers in error texts are the input's."""
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(mixed_batch("aws"))
    alone = simulate("aws", batch, "--jobs", "1")
    for jobs in (["--jobs", "2"], ["--jobs", "3"], []):
        done = chunked(lines, size, "aws", batch, *jobs)
        assert (done.returncode, done.stderr) == (2, b""), jobs
        assert done.stdout == alone.stdout, jobs


def test_a_lost_run_in_a_later_chunk_names_its_own_lines(tmp_path: Path) -> None:
    """The failing worker of `test_a_failing_worker_loses_no_line_silently`, with the batch read in two chunks
    of 30 lines: the second chunk's last run is lines 51-60, and is named so."""
    batch = failure_batch(tmp_path, 20)

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (256, 256))

    done = chunked(30, 10**9, "aws", batch, "--jobs", "3", preexec_fn=limit_file_size)
    assert done.returncode == 2
    why = "the worker process deciding lines 51-60 failed (what failed is said on stderr)"
    assert f"error: lines 51-60 of {batch} were not decided: {why}" in done.stderr.decode()
    assert "error: the worker deciding lines 51-60 failed: OSError" in done.stderr.decode()
    out = answers(done)
    assert len(out) == 57 and out[-1] == {"id": None, "error": f"{batch} line 60: not decided: {why}"}
    assert all("decision" in answer for answer in out[:9])  # lines 1-10 (one blank), decided in this process


# `iamlab simulate` in a process where memfd_create fails, as a sandbox may make it fail.
WITHOUT_MEMFD = ("import os, sys\n"
                 "def refused(*args, **kwargs):\n    raise PermissionError(1, 'memfd_create refused')\n"
                 "os.memfd_create = refused\n"
                 "from checker.cli.main import main\nraise SystemExit(main(sys.argv[1:]))")


def test_workers_write_to_a_temporary_file_where_no_memory_file_is_to_be_had(tmp_path: Path) -> None:
    """Workers write their answers to an anonymous memory file (memfd); where creating one fails, to a
    temporary file, with the same answers."""
    batch = tmp_path / "cases.jsonl"
    batch.write_bytes(mixed_batch("aws"))
    alone = simulate("aws", batch, "--jobs", "1")
    done = subprocess.run([sys.executable, "-c", WITHOUT_MEMFD, "simulate", "aws", "--batch", str(batch), "--jobs", "3"],
                          capture_output=True, timeout=120, cwd=REPO, check=False)
    assert (done.returncode, done.stderr) == (2, b"")
    assert done.stdout == alone.stdout
