"""Cold `iamlab check` (figures, not pass/fail tests): labs 01, 02 and 03 on each cloud, from an empty cache.

Run: `python bench/bench_cold.py [--runs N] [--baseline origin/main]`.

Targets (issues 24, 18 and 19): `iamlab check 01` median under 1.0 s; `iamlab check 02 --cloud aws` under 2 s;
`iamlab check 03 --cloud aws` under 3 s.
Each figure is a whole `iamlab check LAB --cloud CLOUD` process grading the lab's reference solution
(`--submission solutions/LAB/CLOUD`, which records no progress), as a learner waits for it: wall clock
from start to exit, with a new empty cache folder every run (`IAMLAB_CACHE_DIR`: the AWS action index is
rebuilt, as on the first run after installing). Bytecode is compiled first, as a learner's second run
finds it (with PYTHONDONTWRITEBYTECODE set, every run would otherwise compile the package again).

The machine is shared, so each line also gives the CPU seconds of the check and every process it waited
for (its forked live worker), the 1-minute load average during the series, and ratios against peers
measured in the same series, run for run in turn with the check: `python -c "import botocore.session"`
(the interpreter and the AWS SDK's start-up, a floor no Python AWS tool goes under), and with
`--baseline REF` the same check run by another revision of the code (checked out in a temporary git
worktree, run with this virtual environment) - the ratio a change is judged by.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABS = {"01": "01-training-job", "02": "02-mlops-pipeline", "03": "03-multi-tenant-platform"}
TARGETS = {("01", None): 1.0, ("02", "aws"): 2.0, ("03", "aws"): 3.0}  # seconds of median wall clock (None: every cloud)
PEER = [sys.executable, "-c", "import botocore.session"]


@dataclass
class Series:
    """One command's runs: wall and CPU seconds, and the load average when each began."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.loads.append(os.getloadavg()[0])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        self.walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode not in (0, 1):  # 1 is a lab that does not pass: still a full grading
            raise SystemExit(f"{' '.join(argv)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def describe(self) -> str:
        return (
            f"median {self.median:.2f} s, min {min(self.walls):.2f} s wall; "
            f"CPU median {statistics.median(self.cpus):.2f} s, min {min(self.cpus):.2f} s"
        )


def check_argv(tree: Path, lab: str, cloud: str) -> list[str]:
    folder = tree / "solutions" / LABS[lab] / cloud
    return [
        sys.executable, "-m", "checker.cli.main", "check", lab, "--cloud", cloud,
        "--submission", str(folder), "--format", "json", "--root", str(tree),
    ]


def compile_bytecode(tree: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "checker"], cwd=tree, env=env, check=True,
                   capture_output=True)


@contextmanager
def worktree(ref: str | None) -> Iterator[Path | None]:
    """`ref` checked out in a temporary git worktree (removed afterwards), or None without a baseline."""
    if ref is None:
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="iamlab-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(folder), ref], cwd=REPO, check=True)
    try:
        compile_bytecode(folder)
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def measure(lab: str, cloud: str, runs: int, baseline: Path | None, caches: Path) -> None:
    check, peer, before = Series(), Series(), Series()
    for run in range(runs):
        env = dict(os.environ, IAMLAB_CACHE_DIR=str(caches / f"{lab}-{cloud}-{run}"))  # an empty cache
        peer.add(PEER, REPO, env)
        if baseline is not None:
            before.add(check_argv(baseline, lab, cloud), baseline, dict(env, IAMLAB_CACHE_DIR=env["IAMLAB_CACHE_DIR"] + "-b"))
        check.add(check_argv(REPO, lab, cloud), REPO, env)
    target = TARGETS.get((lab, cloud), TARGETS.get((lab, None)))
    wanted = f" (target median < {target:.1f} s)" if target is not None else ""
    print(f"check {lab} --cloud {cloud}, cold, {runs} runs: {check.describe()}{wanted}")
    print(f"    load average (1 min) median {statistics.median(check.loads):.1f} on {os.cpu_count()} cores")
    print(
        f"    peer `python -c 'import botocore.session'`: {peer.describe()}; "
        f"check / peer: {check.median / peer.median:.1f}x wall, "
        f"{statistics.median(check.cpus) / statistics.median(peer.cpus):.1f}x CPU"
    )
    if baseline is not None:
        print(
            f"    baseline: {before.describe()}; now / baseline: {check.median / before.median:.2f} wall, "
            f"{statistics.median(check.cpus) / statistics.median(before.cpus):.2f} CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--labs", nargs="*", default=sorted(LABS), choices=sorted(LABS))
    parser.add_argument("--clouds", nargs="*", default=["aws", "azure", "gcp"])
    parser.add_argument("--baseline", metavar="REF", help="also time this git revision's code (e.g. origin/main)")
    args = parser.parse_args()
    compile_bytecode(REPO)
    with worktree(args.baseline) as baseline, tempfile.TemporaryDirectory(prefix="iamlab-cold-") as caches:
        for lab in args.labs:
            for cloud in args.clouds:
                measure(lab, cloud, args.runs, baseline, Path(caches))


if __name__ == "__main__":
    main()
