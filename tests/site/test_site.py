"""The course site: generated pages carry each lab's checks and the CLI's commands, and a broken link fails
the strict build (mkdocs `--strict` turns the link validation warnings of mkdocs.yml into errors)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import build_site  # noqa: E402


def _mkdocs(config: Path) -> subprocess.CompletedProcess[str]:
    mkdocs = Path(sys.executable).parent / "mkdocs"
    if not mkdocs.exists():
        pytest.skip("mkdocs is not installed (make install installs it)")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [str(mkdocs), "build", "--strict", "-f", str(config)], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    build_site.build(folder / "docs")
    return folder


def test_each_lab_page_lists_its_checks_points_and_clouds(site: Path) -> None:
    page = (site / "docs" / "labs" / "01-training-job.md").read_text()
    assert "# Lab 01" in page and "## Grading (from lab.yaml)" in page
    for cloud in ("aws", "azure", "gcp"):
        assert f"### {cloud}" in page
    assert "| check | kind | points | required |" in page and "| yes |" in page


def test_the_command_reference_is_the_cli_help(site: Path) -> None:
    page = (site / "docs" / "commands.md").read_text()
    assert "## iamlab grade-class" in page and "--collect ARTIFACTS_DIR" in page and "--checks DIR" in page


def test_a_broken_link_fails_the_strict_build(site: Path) -> None:
    config = site / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text().replace("docs_dir: build/site-docs", f"docs_dir: {site / 'docs'}")
    config.write_text(text.replace("site_dir: build/site", f"site_dir: {site / 'out'}"))
    assert _mkdocs(config).returncode == 0
    broken = site / "broken"
    shutil.copytree(site / "docs", broken)
    (broken / "concepts.md").write_text((broken / "concepts.md").read_text() + "\nSee [the missing page](nowhere.md).\n")
    config.write_text(config.read_text().replace(f"docs_dir: {site / 'docs'}", f"docs_dir: {broken}"))
    failed = _mkdocs(config)
    assert failed.returncode != 0 and "nowhere.md" in failed.stdout + failed.stderr


LAB_FOLDERS = sorted(path for path in (ROOT / "labs").iterdir() if (path / "lab.yaml").is_file())


@pytest.mark.parametrize("folder", LAB_FOLDERS, ids=[path.name for path in LAB_FOLDERS])
def test_every_lab_has_a_page_with_each_clouds_checks_points_gates_and_pass_mark(site: Path, folder: Path) -> None:
    from checker.grading.spec import load_lab

    lab = load_lab(folder)
    assert f"| [{lab.id}]({lab.id}.md) | {lab.level} | {', '.join(lab.clouds)} |" in (site / "docs" / "labs" / "index.md").read_text()
    page = (site / "docs" / "labs" / f"{lab.id}.md").read_text()
    assert f"**Clouds:** {', '.join(lab.clouds)}" in page
    for cloud, spec in lab.clouds.items():
        section = page[page.index(f"\n### {cloud}\n") :]
        assert f"Pass mark: {spec.pass_mark} of {spec.max_score} points" in section, cloud
        for check in spec.checks:
            row = f"| `{check.id}` | {check.kind} | {check.points} | {'yes' if check.gate else ''} |"
            assert row in section, (cloud, row)


def test_the_navigation_lists_every_reference_page_and_index() -> None:
    """docs/*.md are copied under reference/; a page missing from mkdocs.yml's nav is only an INFO line in a
    strict build, so this keeps the nav from going stale as docs are added."""
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f": reference/{page.name}\n" in nav, page.name
    for index in ("labs/index.md", "interviews/index.md", "reference/ci/README.md"):
        assert f": {index}\n" in nav, index
