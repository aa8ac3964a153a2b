"""Build the course site's sources: the hand-written pages in docs/site/, the docs/ pages, one page per lab
(and interview scenario) generated from its README and lab.yaml, and the command reference from the CLI.

`make site` runs this and then `mkdocs build --strict` (mkdocs.yml reads build/site-docs), so a broken link
fails the build. Run: python scripts/build_site.py [OUT_DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from checker.cli.main import COMMANDS, build_parser  # noqa: E402
from checker.grading.spec import LabSpec, load_lab  # noqa: E402

# A relative link in a lab README points into the repository (aws/permissions.json), not at a site page.
_REPO_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://|#|mailto:)([^)]+)\)")


def build(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "docs" / "site", out)
    reference = out / "reference"
    reference.mkdir(exist_ok=True)
    for page in sorted((ROOT / "docs").glob("*.md")):
        shutil.copy(page, reference / page.name)
    shutil.copytree(ROOT / "docs" / "examples", reference / "examples")
    shutil.copytree(ROOT / "docs" / "ci", reference / "ci")
    labs = [load_lab(folder) for folder in sorted((ROOT / "labs").iterdir()) if (folder / "lab.yaml").is_file()]
    (out / "labs").mkdir(exist_ok=True)
    for lab in labs:
        (out / "labs" / f"{lab.id}.md").write_text(lab_page(lab), encoding="utf-8")
    (out / "labs" / "index.md").write_text(labs_index(labs), encoding="utf-8")
    interviews = ROOT / "interviews"
    if interviews.is_dir():
        (out / "interviews").mkdir()
        names = []
        for folder in sorted(path for path in interviews.iterdir() if (path / "README.md").is_file()):
            text = _plain_links((folder / "README.md").read_text(encoding="utf-8"))
            (out / "interviews" / f"{folder.name}.md").write_text(text, encoding="utf-8")
            names.append(folder.name)
        index = "# Interview scenarios\n\n" + "".join(f"- [{name}]({name}.md)\n" for name in names)
        (out / "interviews" / "index.md").write_text(index, encoding="utf-8")
    (out / "commands.md").write_text(command_reference(), encoding="utf-8")


def _plain_links(text: str) -> str:
    """Links into the repository become code (the file's path); links between pages stay links."""
    return _REPO_LINK.sub(lambda match: f"{match.group(1)} (`{match.group(2)}`)", text)


def lab_page(lab: LabSpec) -> str:
    readme = lab.folder / "README.md"
    body = _plain_links(readme.read_text(encoding="utf-8")) if readme.is_file() else f"# {lab.id}: {lab.title}\n"
    lines = [body.rstrip(), "", "## Grading (from lab.yaml)", ""]
    lines.append(f"**Level:** {lab.level} · **Clouds:** {', '.join(lab.clouds)}")
    for cloud, spec in lab.clouds.items():
        lines += [
            "",
            f"### {cloud}",
            "",
            f"Files: {', '.join(f'`{path}`' for path in spec.submission_paths)}. "
            f"Pass mark: {spec.pass_mark} of {spec.max_score} points; required checks must pass.",
            "",
            "| check | kind | points | required | what it asks |",
            "| --- | --- | --- | --- | --- |",
        ]
        for check in spec.checks:
            title = check.title.replace("|", "\\|")
            lines.append(f"| `{check.id}` | {check.kind} | {check.points} | {'yes' if check.gate else ''} | {title} |")
    lines += ["", f"Grade it with `iamlab check {lab.number} --cloud CLOUD`; hints: `iamlab hint {lab.number}`.", ""]
    return "\n".join(lines)


def labs_index(labs: list[LabSpec]) -> str:
    lines = ["# Labs", "", "| lab | level | clouds | summary |", "| --- | --- | --- | --- |"]
    for lab in labs:
        lines.append(f"| [{lab.id}]({lab.id}.md) | {lab.level} | {', '.join(lab.clouds)} | {lab.summary} |")
    return "\n".join(lines) + "\n"


def command_reference() -> str:
    """Every `iamlab` command's --help, as the CLI itself prints it (so the page cannot drift)."""
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal; the page must not depend on it
    parser = build_parser()
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    lines = ["# Command reference", "", "Generated from the CLI (`iamlab COMMAND --help`).", ""]
    for name, _module, help_text in COMMANDS:
        lines += [f"## iamlab {name}", "", help_text[0].upper() + help_text[1:] + ".", "", "```text"]
        lines.append(subparsers.choices[name].format_help().rstrip())
        lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "site-docs")
