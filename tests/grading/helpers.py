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


def grade_lab01_changed(tmp_path: Path, cloud: str, changes: dict[str, object]) -> tuple[object, Path]:
    """Lab 01's reference answer for `cloud` with each JSON file passed through its change, graded.

    `changes` maps a file name to a function that edits the parsed document in place (or returns a new one).
    Returns the LabResult and the folder graded."""
    import json
    import shutil

    from checker.grading.runner import grade
    from checker.grading.spec import load_lab

    repo = Path(__file__).resolve().parents[2]
    folder = tmp_path / cloud
    shutil.copytree(repo / "solutions" / "01-training-job" / cloud, folder)
    for name, change in changes.items():
        data = json.loads((folder / name).read_text())
        replaced = change(data)  # type: ignore[operator]
        (folder / name).write_text(json.dumps(data if replaced is None else replaced, indent=2))
    return grade(load_lab(repo / "labs" / "01-training-job"), cloud, folder), folder
