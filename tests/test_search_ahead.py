"""The search index started ahead (render starts it on another core before the social cards):
index_pages takes its bundles only while the pages are the same, and the result is the index of
the pages as they are; nothing of the child is left behind."""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path

import pytest
from conftest import SAMPLE

from sitegen import search
from sitegen.files import SiteFiles
from sitegen.parallel import workers

pytestmark = pytest.mark.skipif(workers() < 2, reason="needs two cores to fork")

PAGE = """<!DOCTYPE html><html lang="nl-BE"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main data-pagefind-body data-pagefind-filter="type:IGS"><h1>{title}</h1><p>{text}</p></main></body></html>"""


def _files(count: int, word: str = "atelier") -> SiteFiles:
    files = SiteFiles()
    for n in range(count):
        files[f"p{n}/index.html"] = PAGE.format(title=f"Pagina {n}", text=f"{word} nummer {n}").encode()
    files["assets/x.css"] = b"body{}"
    return files


def _scratch() -> set[str]:
    root = Path(search._scratch_root() or tempfile.gettempdir())
    return {path.name for path in root.glob(f"{search._SCRATCH_PREFIX}{os.getpid()}-*")}


@pytest.fixture
def indexed_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of pages Pagefind indexed in this process (a forked child counts in its own copy)."""
    counted: list[int] = []
    run = search._run_pagefind

    def counting(pages, language):  # type: ignore[no-untyped-def]
        counted.append(len(pages))
        return run(pages, language)

    monkeypatch.setattr(search, "_run_pagefind", counting)
    monkeypatch.setattr(search, "SHARD_PAGES", 3)  # several shards, indexed two at a time
    return counted


def test_shards_indexed_ahead_are_taken_and_are_the_index(indexed_here: list[int]) -> None:
    before = _scratch()
    files = _files(7)
    search.start_index(files)
    assert indexed_here == []  # the child indexes, not this process
    bundle = search.index_pages(files)
    assert indexed_here == []  # taken from the child
    assert bundle == search.index_pages(dict(files))  # the index of these pages, byte for byte
    assert sum(indexed_here) == 7
    assert _scratch() == before  # the child's bundles are read and removed


def test_a_bundle_comes_from_the_child_as_it_was_made(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child leaves each bundle as one file and sends its names through the pipe: what is taken
    is the bundle, its files in the order Pagefind's were read (not the file's sorted order)."""
    made = {"pagefind/z.js": b"z", "pagefind/fragment/\u00e9\u00e9n.pf_fragment": b"\0" * 70_000, "pagefind/a": b""}
    made["pagefind/index/nl_1.pf_index"] = bytes(range(256))
    monkeypatch.setattr(search, "_run_pagefind", lambda pages, language: dict(made))
    before = _scratch()
    found = search._index_ahead([(b"k", {}), (b"l", {})], "nl", os.getpid())
    try:
        for folder, names in found.values():
            assert list(search._taken(folder, names).items()) == list(made.items())
    finally:
        for folder, _ in found.values():
            shutil.rmtree(folder)
    assert _scratch() == before


def test_pages_changed_after_the_start_are_indexed_again(indexed_here: list[int]) -> None:
    files = _files(7)
    search.start_index(files)
    files["p3/index.html"] = PAGE.format(title="Pagina 3", text="gewijzigd").encode()
    bundle = search.index_pages(files)
    assert 0 < sum(indexed_here) < 7  # only the shard of the changed page is indexed here
    again = len(indexed_here)
    assert bundle == search.index_pages(dict(files))  # the index of the pages as they are now
    assert sum(indexed_here[again:]) == 7


def _edited(files: SiteFiles) -> SiteFiles:
    edited = SiteFiles(files.memo)
    edited.update({name: files[name] for name in files})
    edited["p3/index.html"] = PAGE.format(title="Pagina 3", text="gewijzigd").encode()
    return edited


@pytest.mark.parametrize("changed_after_start", [False, True])
def test_a_delta_indexed_ahead_is_taken_only_for_its_pages(
    indexed_here: list[int], monkeypatch: pytest.MonkeyPatch, changed_after_start: bool
) -> None:
    """After an edit, the delta bundle (its changed pages) is indexed ahead too, where the memo lacks
    it, and taken only while its pages are the same: the index is the one made without it."""
    from sitegen.memo import Memo
    from sitegen.stores import MemoryStore

    monkeypatch.setattr(search, "DELTA_SHARE", 1.0)  # every edit goes to the delta
    before = _scratch()
    built = []
    for ahead in (True, False):  # two memos that saw the same first build
        memo = Memo(MemoryStore())
        files = _files(7)
        search.index_pages(files, memo=memo)
        memo.finish(success=True)
        edited = _edited(files)
        if ahead:
            search.start_index(edited, memo=memo)
            if changed_after_start:
                edited["p3/index.html"] = PAGE.format(title="Pagina 3", text="weer anders").encode()
        elif changed_after_start:
            edited["p3/index.html"] = PAGE.format(title="Pagina 3", text="weer anders").encode()
        indexed_here.clear()
        built.append(search.index_pages(edited, memo=memo))
        if ahead:
            assert indexed_here == ([1] if changed_after_start else [])  # else taken from the child
    assert indexed_here == [1]  # the delta, indexed here without the child
    assert json.loads(built[0]["pagefind/shards.json"])["bundles"][-1] == f"{search.DELTA_DIR}/"
    assert built[0] == built[1]
    assert _scratch() == before


def test_a_delta_alone_is_indexed_ahead_by_pagefind_without_a_fork(
    indexed_here: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where only the delta is to be indexed (an edit whose shard is kept), Pagefind is started from
    this process instead of a forked copy of it; its bundle is taken, and a run nobody takes is
    ended: the process gone, its scratch copy removed."""
    from sitegen.memo import Memo
    from sitegen.stores import MemoryStore

    monkeypatch.setattr(search, "DELTA_SHARE", 1.0)  # every edit goes to the delta
    monkeypatch.setattr(search, "Forked", lambda *args: pytest.fail("forked for the delta alone"))
    before = _scratch()
    memo = Memo(MemoryStore())
    files = _files(7)
    search.index_pages(files, memo=memo)
    memo.finish(success=True)
    indexed_here.clear()
    for taken in (True, False):
        edited = _edited(files)
        edited["p4/index.html"] = PAGE.format(title="Pagina 4", text=f"bewerkt {taken}").encode()  # a new delta
        search.start_index(edited, memo=memo)
        ((_, _, job),) = search._AHEAD.values()
        assert isinstance(job, search._Pagefind)
        if taken:
            shards = json.loads(search.index_pages(edited, memo=memo)["pagefind/shards.json"])
            assert shards["bundles"][-1] == f"{search.DELTA_DIR}/"
            assert indexed_here == []  # the delta came from the run started ahead
            continue
        process = job._running[0]
        del edited, job  # a broken link: the build stops before the index is asked for
        gc.collect()
        assert not search._AHEAD and process.returncode is not None
    assert _scratch() == before


def test_nothing_starts_where_nothing_can_be_forked(indexed_here: list[int], monkeypatch) -> None:
    monkeypatch.setattr(search, "can_fork", lambda: False)
    files = _files(4)
    search.start_index(files)
    assert not search._AHEAD
    search.index_pages(files)
    assert sum(indexed_here) == 4


def test_an_index_nobody_takes_is_ended(indexed_here: list[int]) -> None:
    files = _files(7)
    search.start_index(files)
    ((_, _, job),) = search._AHEAD.values()
    assert job.in_child and job._end is not None
    pid = job._end.peek()[2][0]
    gone = weakref.ref(job)
    del files, job  # a broken link: the build stops before the index is asked for
    gc.collect()
    assert not search._AHEAD and gone() is None
    with pytest.raises(ProcessLookupError):  # ended and reaped
        os.kill(pid, 0)


def test_a_build_indexes_ahead_and_gives_the_golden_index(run_cli, tmp_path: Path) -> None:
    """The sample site built with the index ahead holds the index a build without it gives."""
    outs = []
    for ahead in (True, False):
        out = tmp_path / f"site-{ahead}"
        with pytest.MonkeyPatch.context() as patch:
            if not ahead:
                patch.setattr(search, "can_fork", lambda: False)
            args = ("build", "--no-cache", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out))
            code, _, err = run_cli(*args)
        assert code == 0, err
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "pagefind").rglob("*")
                     if p.is_file()})  # fmt: skip
    assert outs[0] == outs[1] and outs[0]
