"""Shared fixtures: the project root on sys.path and a helper to run the CLI in-process."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).resolve().parent / "sample_site"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def assert_grouped(lists: Any) -> None:
    """The groups and tags in use of a pages.StoryLists are those of its site's stories, grouped afresh."""
    from sitegen import pages

    for name, keys in pages._GROUPS.items():
        fresh = pages._grouped(lists.site.articles, keys)
        assert {k: list(map(id, group)) for k, group in getattr(lists, name).items()} == {
            k: list(map(id, group)) for k, group in fresh.items()
        }, name
    assert list(lists.tags) == pages.tags_in_use(lists.site)


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below `root` with its bytes, keyed by POSIX relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """Run build.main(argv); returns (exit code, stdout, stderr)."""
    import build

    def run(*argv: str) -> tuple[int, str, str]:
        code = build.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the sample site's content/ in the working directory (tests may override)."""
    target = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", target)
    monkeypatch.chdir(tmp_path)
    return target


@pytest.fixture(scope="session")
def edited_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped content/ with what an editor's pull request adds (tests/editor_changes.py)."""
    from editor_changes import add_editor_changes

    target = tmp_path_factory.mktemp("edited") / "content"
    shutil.copytree(ROOT / "content", target)
    add_editor_changes(target)
    return target
