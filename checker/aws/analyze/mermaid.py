"""Escalation paths as a Mermaid flowchart, so notebooks and docs can draw the graph."""

from __future__ import annotations

from collections.abc import Sequence

from checker.aws.analyze.escalation import Path

LABELS = {
    "assume": "assume role",
    "pass-role": "pass role to compute",
    "credentials": "create credentials",
    "trust-rewrite": "rewrite trust",
    "policy-write": "policy write",
    "admin": "is admin",
}


def to_mermaid(paths: Sequence[Path]) -> str:
    ids: dict[str, str] = {"admin": "admin"}

    def node(arn: str) -> str:
        if arn not in ids:
            ids[arn] = f"p{len(ids)}"
        return ids[arn]

    edges: list[str] = []
    for path in paths:
        for step in path.steps:
            if step.kind == "admin":
                edge = f"{node(step.actor)} -->|{LABELS['admin']}| admin"
            elif step.kind == "policy-write":
                edge = f"{node(step.actor)} -->|{_label(step.actions)}| admin"
            else:
                edge = (
                    f"{node(step.actor)} -->|{_label(step.actions) or LABELS[step.kind]}| {node(step.target)}"
                )
            if edge not in edges:
                edges.append(edge)
    lines = ["flowchart LR", '  admin(["admin-equivalent access"])']
    for arn, ident in ids.items():
        if arn != "admin":
            lines.append(f'  {ident}["{_escape(arn.split(":", 5)[-1])}"]')
    lines.extend(f"  {e}" for e in edges)
    return "\n".join(lines) + "\n"


def _label(actions: tuple[str, ...]) -> str:
    return _escape(" + ".join(actions))


def _escape(text: str) -> str:
    return text.replace('"', "'").replace("|", "/")
