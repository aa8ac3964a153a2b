"""Lab 03's escalation analysis, cold, for this tree and a peer revision (`bench_escalation.py --lab03`).

What the `no-escalation-path` check of lab 03 computes on the AWS reference solution: the platform account
(labs/03-multi-tenant-platform/platform/account.json) holding the solution's team-boundary.json and
team-admin-policy.json, searched from each team's admin, a role the admin created and a per-job session
(the filled job-session-policy.json with the session tags team and job), beyond the team boundary.

Each figure is a fresh process with an empty cache folder (as after `rm -rf ~/.cache/iamlab`): its CPU
seconds from interpreter start (imports, catalogs and the action index included) and the prover questions
asked (inclusion.Question.differences calls). The peer (default: main before this analysis was made cheap)
is checked out in a temporary git worktree and run with this interpreter on this tree's lab files; a peer
without role sessions in the analysis searches from the four roles only, which it says.
The machine is shared: CPU seconds are the figure, and the ratio is taken within one run.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LAB = REPO / "labs" / "03-multi-tenant-platform"
SOLUTION = REPO / "solutions" / "03-multi-tenant-platform" / "aws"
BEFORE = "1a3daf4"  # main before the escalation questions were pruned, layered and lab 03 got its gate
ACCOUNT = "111122223333"
ROLES = [
    f"arn:aws:iam::{ACCOUNT}:role/teams/{team}/{team}-{kind}"
    for team in ("risk", "growth")
    for kind in ("admin", "training")
]
SESSIONS = {f"arn:aws:sts::{ACCOUNT}:assumed-role/{team}-job-runner/train-001": team for team in ("risk", "growth")}


def worker(code: Path) -> None:
    """In a fresh process: the analysis with `code`'s checker on this tree's files; figures as JSON."""
    sys.path.insert(0, str(code))
    import inspect

    from checker.aws.analyze import escalation_paths, inclusion, load_snapshot
    from checker.aws.policy import PolicyKind, parse_policy
    from checker.core.source import parse_json

    calls = [0]
    differences = inclusion.Question.differences

    def counted(self: Any, limit: int) -> Any:
        calls[0] += 1
        return differences(self, limit)

    inclusion.Question.differences = counted  # type: ignore[method-assign]
    started = time.process_time()
    data = json.loads((LAB / "platform" / "account.json").read_text())
    data["policies"]["team-boundary"] = json.loads((SOLUTION / "team-boundary.json").read_text())
    data["policies"]["team-admin"] = json.loads((SOLUTION / "team-admin-policy.json").read_text())
    snapshot = load_snapshot(parse_json(json.dumps(data, indent=1), "account.json"))
    kwargs: dict[str, Any] = {}
    starts = list(ROLES)
    if "sessions" in inspect.signature(escalation_paths).parameters:
        from checker.aws.analyze.escalation import Session

        template = (SOLUTION / "job-session-policy.json").read_text()
        sessions = {}
        for arn, team in SESSIONS.items():
            filled = template.replace("{{team}}", team).replace("{{job}}", "train-001")
            policy = parse_policy(json.loads(filled), name="job-session-policy.json", kind=PolicyKind.SESSION)
            sessions[arn] = Session("train-001", policy, {"team": team, "job": "train-001"})
        kwargs["sessions"] = sessions
        starts += list(SESSIONS)
    paths = escalation_paths(snapshot, starts=starts, beyond="boundary", **kwargs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "cpu": usage.ru_utime + usage.ru_stime,
        "analysis_cpu": time.process_time() - started,
        "questions": calls[0],
        "paths": len(paths),
        "starts": len(starts),
    }))


def _run(code: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-cache-") as cache:
        env = dict(os.environ, PYTHONPATH=str(code), IAMLAB_CACHE_DIR=cache)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(code)],
            capture_output=True, text=True, timeout=3600, env=env, cwd=code,
        )
    if done.returncode != 0:
        raise SystemExit(f"the analysis failed in {code}:\n{done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _show(label: str, figures: dict[str, Any]) -> None:
    print(
        f"  {label:<34} {figures['cpu']:7.2f} CPU s cold ({figures['analysis_cpu']:.2f} in the analysis), "
        f"{figures['questions']:5d} prover questions, {figures['starts']} starts, {figures['paths']} paths"
    )


def measure(against: str | None, runs: int = 1) -> None:
    print("lab 03 escalation analysis on the AWS reference solution (fresh process, empty cache):")
    mine = [_run(REPO) for _ in range(runs)]
    best = min(mine, key=lambda f: f["cpu"])
    _show("this tree", best)
    if against is None:
        return
    with tempfile.TemporaryDirectory(prefix="iamlab-bench-peer-") as temp:
        folder = Path(temp) / "peer"
        added = subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), against],
            capture_output=True, text=True,
        )
        if added.returncode != 0:
            print(f"  peer {against} skipped: {added.stderr.strip() or 'git worktree failed'}")
            return
        try:
            peer = min((_run(folder) for _ in range(runs)), key=lambda f: f["cpu"])
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False)
    _show(f"before ({against})", peer)
    if peer["starts"] != best["starts"]:
        print(f"  (the peer has no role sessions in its analysis: {peer['starts']} starts of {best['starts']})")
    print(f"  ratio before/after: {peer['cpu'] / best['cpu']:.1f}x CPU, "
          f"{peer['questions'] / max(best['questions'], 1):.1f}x prover questions")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(Path(sys.argv[2]))
