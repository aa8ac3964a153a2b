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
