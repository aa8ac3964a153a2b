"""Lab 03 (multi-tenant platform) per cloud: a cold `iamlab check 03` and the isolation proof's time.

Target (issue 19): `iamlab check 03` from a cold start under 3 s on the course machine, for every cloud.
Run: `python bench/bench_lab03.py [--runs 3] [--against REV | --no-peer]` (prints figures; no assertions).

Each figure is a fresh process grading the reference solution (solutions/03-multi-tenant-platform/<cloud>):
  * cold check: the whole `iamlab check 03 --cloud <cloud>` process, with an empty cache folder each run
    (as after `rm -rf ~/.cache/iamlab`);
  * isolation proof: in a new process, the lab's `isolation` check alone (every team pair and principal),
    timed from after the imports, so the first proof's catalog loading is counted as a learner meets it.
The machine is shared: CPU seconds (user + system, the process and the workers it waited for) are the
trusted figure; wall seconds are printed alongside with the load average. On an idle machine a check's wall
time is about its CPU time, except AWS's, whose live checks run in a forked worker on the second core.

The peer, measured in the same run on the same machine: the same figures for another revision of this
repository (`--against`, default the last commit before the Azure proof was made faster), checked out
in a temporary git worktree and run with this interpreter. The ratio is peer CPU / this tree's CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAB = "03-multi-tenant-platform"
CLOUDS = ("aws", "gcp", "azure")
BEFORE = "8051300"  # main before the Azure isolation and confinement proofs were made faster (issue 19)


def _env(code: Path, cache: Path | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(code))
    if cache is not None:
        env["IAMLAB_CACHE_DIR"] = str(cache)
    return env


def _timed(argv: list[str], code: Path, cache: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the process and the children it waited for, and its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=code, capture_output=True, text=True, timeout=1800, env=_env(code, cache))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed (exit {done.returncode}) in {code}:\n{done.stderr[-2000:]}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stdout


def cold_check(code: Path, cloud: str, runs: int) -> tuple[list[float], list[float], str]:
    walls, cpus, score = [], [], ""
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-cache-") as temp:
        for run in range(runs):
            submission = code / "solutions" / LAB / cloud
            argv = [sys.executable, "-m", "checker.cli.main", "check", LAB, "--cloud", cloud, "--submission",
                    str(submission), "--format", "json", "--root", str(code)]
            wall, cpu, out = _timed(argv, code, Path(temp) / f"empty-{run}")  # a new folder: an empty cache
            result = json.loads(out)
            walls.append(wall)
            cpus.append(cpu)
            score = f"{result['score']}/{result['max_score']}"
    return walls, cpus, score


def isolation_proof(code: Path, cloud: str, runs: int) -> tuple[list[float], list[float], str]:
    walls, cpus, verdict = [], [], ""
    for _ in range(runs):
        argv = [sys.executable, str(Path(__file__).resolve()), "--isolation-worker", cloud, "--code", str(code)]
        _wall, _cpu, out = _timed(argv, code)
        figures = json.loads(out)
        walls.append(figures["wall"])
        cpus.append(figures["cpu"])
        verdict = figures["verdict"]
    return walls, cpus, verdict


def _isolation_worker(cloud: str, code: Path) -> None:
    """In a fresh process: grade the lab's isolation check alone and print its times as JSON."""
    sys.path.insert(0, str(code))
    import dataclasses

    from checker.grading.runner import grade
    from checker.grading.spec import load_lab

    lab = load_lab(code / "labs" / LAB)
    spec = lab.clouds[cloud]
    checks = tuple(c for c in spec.checks if c.kind == "isolation")
    lab = dataclasses.replace(lab, clouds={cloud: dataclasses.replace(spec, checks=checks, pass_mark=0)})
    cpu, wall = time.process_time(), time.perf_counter()
    result = grade(lab, cloud, code / "solutions" / LAB / cloud)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    verdict = ", ".join(f"{c.id} {'passed' if c.passed else 'FAILED'}" for c in result.checks)
    print(json.dumps({"cpu": cpu, "wall": wall, "verdict": verdict}))


def _worktree(revision: str, folder: Path) -> Path | None:
    done = subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), revision],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"peer {revision} skipped: {done.stderr.strip() or 'git worktree failed'}")
        return None
    return folder


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _line(label: str, walls: list[float], cpus: list[float], note: str) -> None:
    print(f"  {label:<26} CPU median {_median(cpus):6.2f} s (min {min(cpus):.2f}, max {max(cpus):.2f}), "
          f"wall median {_median(walls):6.2f} s  {note}")


def measure(code: Path, runs: int, label: str) -> dict[str, tuple[float, float]]:
    """Per cloud: (median CPU of the cold check, median CPU of the isolation proof)."""
    print(f"{label} ({code}):")
    figures: dict[str, tuple[float, float]] = {}
    for cloud in CLOUDS:
        walls, cpus, score = cold_check(code, cloud, runs)
        _line(f"check 03 --cloud {cloud}", walls, cpus, f"score {score}")
        proof_walls, proof_cpus, verdict = isolation_proof(code, cloud, runs)
        _line(f"  isolation proof ({cloud})", proof_walls, proof_cpus, verdict)
        figures[cloud] = (_median(cpus), _median(proof_cpus))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure (median shown)")
    parser.add_argument("--against", default=BEFORE, help="the peer revision measured in the same run")
    parser.add_argument("--no-peer", action="store_true", help="measure this tree only")
    parser.add_argument("--isolation-worker", choices=CLOUDS, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=REPO, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.isolation_worker:
        _isolation_worker(args.isolation_worker, args.code)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
          f"at the start; {args.runs} runs per figure")
    ours = measure(REPO, args.runs, "this tree")
    if not args.no_peer:
        with tempfile.TemporaryDirectory(prefix="iamlab-bench-peer-") as temp:
            peer_code = _worktree(args.against, Path(temp) / "peer")
            if peer_code is not None:
                try:
                    theirs = measure(peer_code, args.runs, f"peer {args.against}")
                finally:
                    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(peer_code)],
                                   capture_output=True)
                print(f"ratio peer {args.against} / this tree, CPU seconds:")
                for cloud in CLOUDS:
                    (check, proof), (peer_check, peer_proof) = ours[cloud], theirs[cloud]
                    print(f"  {cloud:<6} cold check {peer_check / check:5.1f}x   isolation proof {peer_proof / proof:5.1f}x")
    print(f"load average {os.getloadavg()[0]:.1f} at the end (2 CPUs shared: CPU seconds are the figure to trust)")


if __name__ == "__main__":
    main()
