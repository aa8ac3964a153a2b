"""Escalation paths as a Mermaid flowchart, so notebooks and docs can draw the graph."""

from __future__ import annotations

from collections.abc import Sequence

from checker.aws.analyze.escalation import Path


def to_mermaid(paths: Sequence[Path]) -> str:
    """One node per principal (or changed principal) reached, one edge per step, labelled with the
    technique's id and the actions it takes."""
    ids: dict[str, str] = {"admin": "admin"}

    def node(name: str) -> str:
        if name not in ids:
            ids[name] = f"p{len(ids)}"
        return ids[name]

    edges: list[str] = []
    for path in paths:
        for step in path.steps:
            if step.kind == "admin":
                edge = f"{node(step.actor)} -->|is admin| admin"
            else:
                label = f"{step.technique_id}: {' + '.join(step.actions)}"
                edge = f"{node(step.actor)} -->|{_escape(label)}| {node(step.target)}"
            if edge not in edges:
                edges.append(edge)
    lines = ["flowchart LR", '  admin(["admin-equivalent access"])']
    for name, ident in ids.items():
        if name != "admin":
            lines.append(f'  {ident}["{_escape(name.split(":", 5)[-1])}"]')
    lines.extend(f"  {e}" for e in edges)
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace('"', "'").replace("|", "/")
