"""Small helpers for the grading tests."""

from __future__ import annotations

from pathlib import Path

import yaml


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edit_lab(lab_dir: Path, change: object) -> None:
    """Load lab.yaml, let `change(data)` modify it, and write it back (comments are not kept)."""
    path = lab_dir / "lab.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
