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


def submission(base: Path, target: Path, **files: str) -> Path:
    """A copy of the folder `base` with some files replaced (name with '.' written as '_': trust_json)."""
    import shutil

    shutil.copytree(base, target)
    for key, text in files.items():
        write(target / key.replace("_json", ".json").replace("_yaml", ".yaml"), text)
    return target


def policy(*statements: dict[str, object]) -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def prover_available() -> bool:
    try:
        from checker.aws.analyze import within  # noqa: F401
    except ImportError:
        return False
    return True


def linter_available() -> bool:
    try:
        from checker.aws.analyze import lint  # noqa: F401
    except ImportError:
        return False
    return True
