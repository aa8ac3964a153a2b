"""Whole-process time of `iamlab simulate aws --batch` against the reference evaluator on the same cases.

What a user waits for: start the process, read a JSON-lines file, decide every case, write the answers.
Cases come from the differential test's generator, reshaped like real simulator batches: 2-3 identity
policies per case (the extra ones drawn from other cases, with Sids of their own so no two cases share a
document), several SCP levels, condition blocks, cross-account resource policies. The same file (after the
differential test's documented rewrites) goes to @cloud-copilot/iam-simulate under node, whose driver also
reads stdin and writes one line per case. Ours runs twice: `--jobs 1` (one process) and as a user runs it
(automatic jobs: a batch this size is split over every usable core in forked workers). Each runs `--runs`
times, the commands in rounds (one run of each per round, so that a machine whose speed drifts slows them alike);
the median wall and CPU times are printed (CPU of the command and of every worker it reaped), and the ratio
theirs/ours, of the medians and, by round, the median of each round's ratio. Target: >= 10x.

Each command is started from a small launcher (a Python process), so that this process's memory is not counted.
The wall time is the command's own: from just before the launcher starts it to its end (what a user running the
command waits for, and what the target compares); the time including the launcher's own start-up is printed
next to it (until 2026-12 the figures were those, which added the same ~30 ms to either command: 0.04x of a
ratio near 10x).

Peak memory:
- `largest`: the largest peak RSS of one process of the command's tree (wait4's ru_maxrss, exact);
- `tree`: the command's own peak RSS plus each worker's (VmHWM, read every 10 ms while each runs, in one more
  run than the timed ones, so a growth in a process's last 10 ms is missed): what the brief asked for, an upper estimate of the memory the tree
  held at once, since peaks need not coincide and pages a worker shares with its parent (copy-on-write after
  fork) count in both;
- `tree PSS`: the largest sum of the tree's proportional set sizes (a shared page counts 1/n in each of its n
  processes) seen in those 10 ms samples: the memory the tree really held, as sampled.

    python bench/bench_batch.py [--cases 5000] [--runs 3] [--no-reference]

A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_aws import DIFFERENTIAL, _load  # noqa: E402

SCP_ROOT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCP_REGIONS = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"],
                   "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}],
}


def shaped(cases: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Each case with 2-3 identity policies and an organization of 2-3 SCP levels."""
    rng = Random(seed)
    pool = [p for c in cases for p in c.get("identity_policies") or [] if isinstance(p.get("Statement"), list)]
    out = []
    for number, case in enumerate(cases):
        identity = list(case.get("identity_policies") or [])
        while len(identity) < rng.randint(2, 3):
            extra = json.loads(json.dumps(rng.choice(pool)))
            for index, statement in enumerate(extra["Statement"]):
                statement["Sid"] = f"Case{number}Extra{len(identity)}S{index}"
            identity.append(extra)
        scps = case.get("scps") or [[SCP_ROOT], [SCP_ROOT, SCP_REGIONS]]
        if len(scps) < 3 and rng.random() < 0.5:
            scps = [*scps, [SCP_ROOT]]
        out.append(dict(case, identity_policies=identity, scps=scps))
    return out


# Spawns the measured command and reports its CPU seconds and peak memory (see the module docstring). A process
# forked from this one would count this process's memory (the generated cases) as its own peak until it executes
# the command, so the command is started from this small launcher instead. Its sampling of /proc every 10 ms
# takes a few percent of a core, which two busy workers on two cores would feel: the timed runs are not sampled,
# one more run is (argv[2] "sample" or "time").
_LAUNCHER = """
import os, sys, time
def kib(pid, path, field):
    try:
        with open(f"/proc/{pid}/{path}") as lines:
            return next((int(line.split()[1]) for line in lines if line.startswith(field)), 0)
    except OSError:
        return 0
def tree(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listed:
            children = [int(child) for child in listed.read().split()]
    except OSError:
        return [pid]
    return [pid] + [each for child in children for each in tree(child)]
started = time.perf_counter()
pid = os.posix_spawnp(sys.argv[3], sys.argv[3:], os.environ)
high, pss_peak = {}, 0
while sys.argv[2] == "sample" and os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
    pss = 0
    for each in tree(pid):
        high[each] = max(high.get(each, 0), kib(each, "status", "VmHWM:"))
        pss += kib(each, "smaps_rollup", "Pss:")
    pss_peak = max(pss_peak, pss)
    time.sleep(0.01)
_pid, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
own = high.pop(pid, 0)  # sampled; alone, its exact peak is ru_maxrss
tree_peak = (own if high else usage.ru_maxrss) + sum(high.values())
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {tree_peak} {pss_peak} {len(high)}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


class Run:
    """One run of a command: wall and CPU seconds, peak memory in MiB, its workers, its output lines. `wall` is
    the command's own, from its start to its end as the launcher saw them; `outer` adds the launcher's start-up
    (a Python interpreter: about 30 ms on this machine, for either command)."""

    def __init__(self, outer: float, report: str, lines: list[str]) -> None:
        wall, cpu, largest, tree, pss, workers = report.split()
        self.wall, self.outer, self.cpu, self.lines, self.workers = float(wall), outer, float(cpu), lines, int(workers)
        self.largest, self.tree, self.pss = int(largest) / 1024, int(tree) / 1024, int(pss) / 1024


def timed(command: list[str], stdin_path: Path, sample: bool = False) -> Run:
    with open(stdin_path, "rb") as stdin, tempfile.TemporaryFile() as stdout, \
            tempfile.NamedTemporaryFile(mode="r") as report:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", _LAUNCHER, report.name, "sample" if sample else "time", *command],
                       stdin=stdin, stdout=stdout,
                       stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
        wall = time.perf_counter() - started
        stdout.seek(0)
        return Run(wall, report.read(), stdout.read().decode().splitlines())


class Measured:
    """A command's runs, taken in rounds with the others' (see `measure_all`)."""

    def __init__(self, label: str, command: list[str], stdin_path: Path) -> None:
        self.label, self.command, self.stdin_path = label, command, stdin_path
        self.done: list[Run] = []

    def wall(self) -> float:
        return statistics.median(r.wall for r in self.done)

    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.done)

    def lines(self) -> list[str]:
        return self.done[-1].lines


def measure_all(commands: list[Measured], runs: int) -> None:
    """Each command warmed up once (file system cache, node's compile cache), then run `runs` times in rounds,
    one run of each command per round: a machine whose speed drifts over a minute (other tenants, memory
    daemons) slows every command alike, rather than whichever ran at the time. Then one sampled run each."""
    for each in commands:
        timed(each.command, each.stdin_path)
    for _ in range(runs):
        for each in commands:
            each.done.append(timed(each.command, each.stdin_path))
    for each in commands:
        sampled = timed(each.command, each.stdin_path, sample=True)
        outer = statistics.median(r.outer for r in each.done)
        workers = f", {sampled.workers} worker(s)" if sampled.workers else ""
        print(f"{each.label:<34} wall {each.wall():6.2f} s ({outer:.2f} with the launcher)   cpu {each.cpu():6.2f} s   "
              f"peak memory: largest {max(r.largest for r in [*each.done, sampled]):5.1f} MiB, tree "
              f"{sampled.tree:5.1f} MiB, tree PSS {sampled.pss:5.1f} MiB{workers}")


def round_ratio(theirs: Measured, ours: Measured) -> float:
    """The median over rounds of theirs/ours wall times, each round's two runs taken side by side."""
    return statistics.median(t.wall / o.wall for t, o in zip(theirs.done, ours.done, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--no-reference", action="store_true", help="skip the node evaluator")
    args = parser.parse_args(argv)

    generate = _load("generate")
    cases = shaped([g.case for g in generate.generate(args.cases, args.seed)], args.seed)
    policies = sum(len(c["identity_policies"]) + sum(len(level) for level in c["scps"]) for c in cases)
    print(f"{len(cases)} cases, {policies / len(cases):.1f} policies per case, load {os.getloadavg()[0]:.1f}, "
          f"median of {args.runs} runs after a warm-up")
    with tempfile.TemporaryDirectory() as folder:
        ours_input = Path(folder) / "ours.jsonl"
        ours_input.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
        # Byte-compiled as an installation leaves it (pip compiles at install): with PYTHONDONTWRITEBYTECODE set,
        # as on CI, the warm-up would not write them and every run would compile the checker from source.
        compileall.compile_dir(ROOT / "checker", quiet=1)
        iamlab = [sys.executable, "-m", "checker.cli.main", "simulate", "aws", "--batch", "-"]
        one = Measured("ours  simulate --batch --jobs 1", [*iamlab, "--jobs", "1"], ours_input)
        auto = Measured("ours  simulate --batch (automatic)", iamlab, ours_input)
        commands = [one, auto]
        theirs: Measured | None = None
        if not args.no_reference:
            reference = _load("reference")
            node = reference.node_executable()
            try:
                reference.installed_version()
                if node is None:
                    raise reference.ReferenceUnavailable("node is not on PATH")
            except reference.ReferenceUnavailable as exc:
                print(f"iam-simulate not run: {exc}")
            else:
                theirs_input = Path(folder) / "theirs.jsonl"
                theirs_input.write_text(
                    "".join(json.dumps(reference.for_reference(c)) + "\n" for c in cases), encoding="utf-8"
                )
                theirs = Measured("theirs iam-simulate (node)", [node, str(DIFFERENTIAL / "simulate.mjs")],
                                  theirs_input)
                commands.append(theirs)
        measure_all(commands, args.runs)
        if auto.lines() != one.lines():
            print("error: the automatic jobs did not answer as --jobs 1")
            return 1
        figures = {"ours_jobs1_wall_s": one.wall(), "ours_jobs1_cpu_s": one.cpu(),
                   "ours_wall_s": auto.wall(), "ours_cpu_s": auto.cpu(), "ours_per_s": len(cases) / auto.wall()}
        if theirs is not None:
            t_wall, t_cpu = theirs.wall(), theirs.cpu()
            print(f"ratio theirs/ours --jobs 1:    wall {t_wall / one.wall():.1f}x (by round {round_ratio(theirs, one):.1f}x), "
                  f"cpu {t_cpu / one.cpu():.1f}x")
            agree = sum(json.loads(a).get("decision") == json.loads(b).get("decision")
                        for a, b in zip(auto.lines(), theirs.lines(), strict=False))
            print(f"ratio theirs/ours (automatic): wall {t_wall / auto.wall():.1f}x (by round "
                  f"{round_ratio(theirs, auto):.1f}x), cpu {t_cpu / auto.cpu():.1f}x (target 10x); decisions agree on "
                  f"{agree} of {len(cases)} cases (informational: the added SCPs and policies reach families the "
                  "differential test keeps apart, e.g. root users and service principals)")
            figures.update({"theirs_wall_s": t_wall, "theirs_cpu_s": t_cpu,
                            "ratio_jobs1_wall": t_wall / one.wall(), "ratio_jobs1_cpu": t_cpu / one.cpu(),
                            "ratio_wall": t_wall / auto.wall(), "ratio_cpu": t_cpu / auto.cpu(),
                            "ratio_wall_by_round": round_ratio(theirs, auto)})
    print(f"load after the runs {os.getloadavg()[0]:.1f}")
    print(json.dumps({key: round(value, 2) for key, value in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
