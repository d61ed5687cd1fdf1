"""The preview's rebuild in process: what it writes, what it defers until the editor pauses, and that
the folder it serves is, after any sequence of edits, the folder a cold build with drafts gives."""

from __future__ import annotations

import gc
import os
import random
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from conftest import tree_bytes
from search_support import searchable
from test_incremental import _edits, _sample_project

from sitegen import pipeline, render
from sitegen.files import SiteFiles
from sitegen.headers import HEADERS_PATH
from sitegen.memo import Memo, Space
from sitegen.pipeline import BuildOptions, build_files
from sitegen.preview import folder as folder_module
from sitegen.preview.builder import DeferredSearch
from sitegen.preview.folder import PreviewFolder
from sitegen.preview.http import PreviewState
from sitegen.preview.loop import Preview
from sitegen.search import BUNDLE_DIR
from sitegen.stores import MemoryStore
from sitegen.write import OUTPUT_MARKER, with_marker

# The preview's options, relative to a sample project the test has made its working folder.
PREVIEW_OPTIONS = BuildOptions(Path("content"), Path("templates"), Path("assets"), "http://127.0.0.1:8000/", True)


def _sample_preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[Path, Path, Path], PreviewState]:
    """The sample project in the working folder (content, templates, assets) and a preview state for it."""
    project = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    return project, PreviewState(tmp_path / "preview", 8000)


def test_update_writes_only_what_changed_without_walking_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "preview"
    folder = PreviewFolder(root)
    page, other = b"<p>a</p>", b"<p>b</p>"
    assert folder.update({"a.html": page, "b/index.html": other, "c/d/e.css": b"e"}) == [
        OUTPUT_MARKER, "a.html", "b/index.html", "c/d/e.css"
    ]  # fmt: skip
    before = {rel: os.stat(root / rel).st_mtime_ns for rel in ("a.html", "b/index.html")}
    (root / "stray.txt").write_text("x")  # left for check(): update() never walks the folder
    with monkeypatch.context() as patched:
        patched.setattr(folder_module, "sync_folder", lambda *a: pytest.fail("walked"))
        patched.setattr(os, "walk", lambda *a, **k: pytest.fail("walked"))
        # The same bytes as new objects, a changed file, one gone (its folders with it), a folder
        # where a file was and a file where a folder was.
        changed = folder.update({"a.html": page[:1] + page[1:], "b/index.html": b"B", "a": b"file", "c": b"now a file"})
        assert changed == ["a", "b/index.html", "c", "c/d/e.css"]
        changed = folder.update({"a.html": page, "b/index.html": b"B", "a/index.html": b"folder", "c": b"now a file"})
        assert changed == ["a", "a/index.html"]
    assert os.stat(root / "a.html").st_mtime_ns == before["a.html"]
    assert os.stat(root / "b/index.html").st_mtime_ns != before["b/index.html"]
    assert tree_bytes(root) == {
        OUTPUT_MARKER: with_marker({})[OUTPUT_MARKER], "a.html": page, "b/index.html": b"B",
        "a/index.html": b"folder", "c": b"now a file", "stray.txt": b"x",
    }  # fmt: skip
    assert not list(root.glob("**/.*.tmp"))
    # When the editor pauses, a walk repairs what something else did to the folder (once a minute).
    (root / "a.html").unlink()
    folder.check_due()
    assert (root / "stray.txt").exists()  # the first update walked a moment ago
    folder.walked -= folder_module.WALK_SECONDS
    folder.check_due()
    assert folder.check() == []
    assert tree_bytes(root) == with_marker(
        {"a.html": page, "b/index.html": b"B", "a/index.html": b"folder", "c": b"now a file"}
    )


def test_update_compares_unread_pages_by_version_without_reading_them(tmp_path: Path) -> None:
    memo = Memo(MemoryStore())
    space: Space[bytes] = Space("test-pages")

    def build(pages: dict[str, tuple[bytes, bytes | None]], rendered: str = "") -> SiteFiles:
        """A build's files: a page with a key is left unread in the memo, as render leaves it (but
        the page `rendered`, rendered afresh with its key as version)."""
        files = SiteFiles(memo)
        for rel, (data, key) in pages.items():
            if key is None:
                files.put(rel, data)
            elif rel == rendered:
                memo.remembered(space, key, lambda data=data: data)
                files.put(rel, data, b"p" + key)
            else:
                memo.remembered(space, key, lambda data=data: data)
                files.put_remembered(rel, space, key, lambda: pytest.fail("recomputed"), b"p" + key)
        files.put("style.css", b"css")
        return files

    root = tmp_path / "preview"
    folder = PreviewFolder(root)
    folder.update(build({"a.html": (b"A1", b"k1"), "b.html": (b"B1", b"m1")}))
    unchanged = build({"a.html": (b"A1", b"k1"), "b.html": (b"B1", b"m1")})
    assert folder.update(unchanged) == [] and unchanged.loaded == 0  # not one page read
    edited = build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")})
    assert folder.update(edited) == ["a.html"] and edited.loaded == 1
    # Rendered afresh with the version the folder holds: not written again; an edit: written.
    assert folder.update(build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")}, rendered="a.html")) == []
    assert folder.update(build({"a.html": (b"A4", b"k4"), "b.html": (b"B1", b"m1")}, rendered="a.html")) == ["a.html"]
    unchanged = build({"a.html": (b"A4", b"k4"), "b.html": (b"B1", b"m1")})
    assert folder.update(unchanged) == [] and unchanged.loaded == 0  # its version was kept
    edited = build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")})
    assert folder.update(edited) == ["a.html"] and edited.loaded == 1
    # Rendered afresh (bytes at hand, no version) and then back to an earlier version: the folder
    # holds the fresh bytes meanwhile, so the earlier version must be written again.
    assert folder.update(build({"a.html": (b"A3", None), "b.html": (b"B1", b"m1")})) == ["a.html"]
    assert folder.update(build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")})) == ["a.html"]
    assert tree_bytes(root) == with_marker({"a.html": b"A2", "b.html": b"B1", "style.css": b"css"})
    # The same bytes given as a plain dict (the search refresh does that) keep their versions.
    assert folder.update({"a.html": b"A2", "b.html": b"B1", "style.css": b"css"}) == []
    unchanged = build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")})
    assert folder.update(unchanged) == [] and unchanged.loaded == 0
    (root / "b.html").unlink()
    assert folder.check() == ["b.html"]
    again = build({"a.html": (b"A2", b"k2"), "b.html": (b"B1", b"m1")})
    assert folder.update(again) == [] and again.loaded == 0


def test_a_failed_write_makes_the_next_update_walk_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "preview"
    folder = PreviewFolder(root)
    folder.update({"a.html": b"a", "b.html": b"b"})

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(folder_module, "write_file_atomic", full_disk)
        with pytest.raises(OSError):
            folder.update({"a.html": b"A", "b.html": b"b"})
    (root / "b.html").unlink()  # what only a walk can see
    assert folder.update({"a.html": b"A", "b.html": b"b"}) == ["a.html", "b.html"]
    assert tree_bytes(root) == with_marker({"a.html": b"A", "b.html": b"b"})


class _Unread(Mapping[str, bytes]):
    """Pages whose bytes may not be read."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __getitem__(self, name: str) -> bytes:
        raise AssertionError(f"{name} was read during the rebuild")

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def test_deferred_search_reads_no_page_before_the_reload(monkeypatch: pytest.MonkeyPatch) -> None:
    indexed: list[dict[str, bytes]] = []

    def index(files: Mapping[str, bytes], memo: Memo) -> dict[str, bytes]:
        indexed.append(dict(files))
        return {f"{BUNDLE_DIR}/index-{len(indexed)}": b"x"}

    monkeypatch.setattr("sitegen.preview.builder.index_pages", index)
    search, memo = DeferredSearch(), Memo()
    assert search({"a.html": b"a", "b.css": b"b"}, memo) == {f"{BUNDLE_DIR}/index-1": b"x"}
    assert search(_Unread(["a.html", "b.css"]), memo) == {f"{BUNDLE_DIR}/index-1": b"x"}
    search({"a.html": b"a", "b.css": b"changed"}, memo)  # no page changed: nothing to index
    assert search.refresh(memo) is None
    search({"a.html": b"A", "b.css": b"b"}, memo)
    assert search.refresh(memo) == ({f"{BUNDLE_DIR}/index-1"}, {f"{BUNDLE_DIR}/index-2": b"x"})
    assert indexed == [{"a.html": b"a", "b.css": b"b"}, {"a.html": b"A"}]
    assert search.refresh(memo) is None


@pytest.fixture
def unfreeze() -> Iterator[None]:
    callbacks, enabled = list(gc.callbacks), gc.isenabled()
    gc.enable()
    yield
    gc.callbacks[:] = callbacks
    (gc.enable if enabled else gc.disable)()
    gc.unfreeze()  # the preview freezes the heap of its first build; the test process lives on


def test_preview_after_edits_is_a_cold_build_with_drafts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unfreeze: None
) -> None:
    """A random sequence of every kind of edit, a content error among them: after each reload the
    preview folder holds the bytes of a cold build with drafts (the search index once the editor
    has paused), written without walking the folder; the error page keeps the last good build."""
    (content, templates, assets), state = _sample_preview(tmp_path, monkeypatch)
    options = PREVIEW_OPTIONS
    reloads: list[int] = []
    preview = Preview(options, state, lambda: reloads.append(1))
    assert preview.rebuild()
    assert gc.get_freeze_count() > 0  # the first build's heap is out of the collector's sight
    collections: list[int] = []
    gc.callbacks.append(lambda phase, info: collections.append(info["generation"]) if phase == "start" else None)
    rng = random.Random(17)
    edits = _edits(content, templates, assets, rng)
    igs = sorted((content / "igs").glob("*.yaml"))[0]
    history: list[str] = []
    for n, edit in enumerate([*rng.sample(edits, 9), "error", *rng.sample(edits, 3)]):
        if edit == "error":
            good = igs.read_text(encoding="utf-8")
            igs.write_text(good.replace("\n", "\ntagline: [niet gesloten\n", 1), encoding="utf-8")
            before = tree_bytes(state.root)
            assert not preview.rebuild({str(igs)})
            assert state.error_page is not None and "Regel" in state.error_page.decode()
            preview.idle()
            assert tree_bytes(state.root) == before  # the last good build stays while the errors show
            igs.write_text(good, encoding="utf-8")
            history.append("error, fixed")
            touched = {str(igs)}
        else:
            before = _files_now(tmp_path)
            history.append(edit(n))
            touched = _changed_since(before, tmp_path)  # what the watcher's file events name
        collections.clear()
        with monkeypatch.context() as patched:
            patched.setattr(folder_module, "sync_folder", lambda *a: pytest.fail("walked before the reload"))
            assert preview.rebuild(touched), history
        assert collections == [] and not gc.isenabled()  # no collection between the save and the reload
        assert state.error_page is None
        cold = with_marker(build_files(options, Memo())[1])
        served = tree_bytes(state.root)
        differs = f"differs after: {', '.join(history)}"
        site, fresh = (
            {k: v for k, v in files.items() if not k.startswith(f"{BUNDLE_DIR}/")} for files in (served, cold)
        )
        assert site.keys() == fresh.keys(), differs
        assert [k for k in fresh if site[k] != fresh[k]] == [], differs
        preview.idle()  # the editor pauses: the search index catches up, the garbage is collected
        assert gc.isenabled() and collections
        assert searchable(state.root) == _searchable(cold, tmp_path / "cold"), differs
        assert {k for k in tree_bytes(state.root) if k.startswith(f"{BUNDLE_DIR}/")} == {
            k for k in preview.files if k.startswith(f"{BUNDLE_DIR}/")
        }


def _files_now(project: Path) -> dict[str, tuple[object, ...]]:
    """Every file of the project's content, templates and assets: its bytes and its stat."""
    found: dict[str, tuple[object, ...]] = {}
    for root in ("content", "templates", "assets"):
        for path in (project / root).rglob("*"):
            if path.is_file():
                info = path.stat()
                found[str(path)] = (path.read_bytes(), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    return found


def _changed_since(before: dict[str, tuple[object, ...]], project: Path) -> set[str]:
    """The paths an edit wrote, created or removed since `before`: those its file events name."""
    now = _files_now(project)
    return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}


def _searchable(files: Mapping[str, bytes], folder: Path) -> object:
    for rel, data in files.items():
        if rel.startswith(f"{BUNDLE_DIR}/"):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    result = searchable(folder)
    for path in sorted(folder.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    return result


def _slug_page(tmp_path: Path, article: Path) -> str:
    """The output path of an article's page (its slug is its file name)."""
    return f"verhalen/{article.stem}/index.html"


def test_the_browser_reloads_before_the_link_check_and_the_header_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unfreeze: None
) -> None:
    """What the browser needs comes first: at the reload the folder holds the new pages; the social
    cards (which no page shows), the link check and the header policy come after it (the search
    index when the editor pauses), and the rebuild leaves the folder as a cold build with drafts
    leaves its output, having read no card it did not write."""
    (content, _, _), state = _sample_preview(tmp_path, monkeypatch)
    options = PREVIEW_OPTIONS
    order: list[str] = []
    at_reload: list[dict[str, bytes]] = []

    def reload() -> None:
        order.append("reload")
        at_reload.append(tree_bytes(state.root))

    preview = Preview(options, state, reload)
    assert preview.rebuild()
    first = tree_bytes(state.root)
    for module, name, step in (
        (render, "social_cards", "social cards"),
        (pipeline, "check_links", "link check"),
        (pipeline, "headers_file", "header policy"),
    ):
        original = getattr(module, name)

        def traced(*args, original=original, step=step):  # type: ignore[no-untyped-def]
            order.append(step)
            return original(*args)

        monkeypatch.setattr(module, name, traced)
    order.clear()
    article = sorted((content / "articles").glob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    article.write_text(text.replace(title, "title: Een nieuwe titel", 1) + "\nEen nieuwe slotzin.\n", encoding="utf-8")
    assert preview.rebuild({str(article)})
    assert order == ["reload", "social cards", "link check", "header policy"]
    cold = with_marker(build_files(options, Memo())[1])
    page = _slug_page(tmp_path, article)
    card = f"assets/social/{page.removesuffix('/index.html')}.png"
    assert b"Een nieuwe slotzin." in cold[page] and b"Een nieuwe titel" in cold[page]
    assert at_reload[-1][page] == cold[page]
    assert at_reload[-1][HEADERS_PATH]  # the last build's policy, until the new one is written
    assert at_reload[-1][card] == first[card] != cold[card]  # the last build's card, until the new one is made
    served = tree_bytes(state.root)
    assert {k: v for k, v in served.items() if not k.startswith(f"{BUNDLE_DIR}/")} == {
        k: v for k, v in cold.items() if not k.startswith(f"{BUNDLE_DIR}/")
    }
    # The cards made after the reload were compared by their versions: only the new one was read.
    files = preview.files
    assert isinstance(files, SiteFiles)
    cards = [rel for rel in files if rel.startswith("assets/social/")]
    assert len(cards) > 10 and [rel for rel in cards if files.is_loaded(rel)] == [card]


def test_a_broken_link_found_after_the_reload_shows_the_errors_and_the_last_good_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unfreeze: None
) -> None:
    (content, _, _), state = _sample_preview(tmp_path, monkeypatch)
    options = PREVIEW_OPTIONS
    reloads: list[bytes | None] = []
    preview = Preview(options, state, lambda: reloads.append(state.error_page))
    assert preview.rebuild()
    good_folder = tree_bytes(state.root)
    article = sorted((content / "articles").glob("*.md"))[0]
    good = article.read_text(encoding="utf-8")
    article.write_text(good + "\nZie [de kalender](/bestaat-niet/).\n", encoding="utf-8")
    reloads.clear()
    assert not preview.rebuild({str(article)})
    # The new page was shown, then the link check found the broken link: the browser reloads again.
    assert len(reloads) == 2 and reloads[0] is None and reloads[1] is not None
    assert state.error_page is not None and "kapotte link &#x27;/bestaat-niet/&#x27;" in state.error_page.decode()
    assert tree_bytes(state.root) == good_folder  # the last good build, while the errors show
    article.write_text(good, encoding="utf-8")
    assert preview.rebuild({str(article)})
    assert state.error_page is None
    assert tree_bytes(state.root) == good_folder


def test_the_deferred_work_waits_for_the_next_pause_when_a_save_is_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unfreeze: None
) -> None:
    (content, _, _), state = _sample_preview(tmp_path, monkeypatch)
    preview = Preview(PREVIEW_OPTIONS, state, lambda: None)
    assert preview.rebuild()
    article = sorted((content / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nNog een zin.\n", encoding="utf-8")
    assert preview.rebuild({str(article)})
    assert preview.builder.search.pending is not None  # the search index waits for a pause
    preview.folder.walked -= folder_module.WALK_SECONDS
    walked = preview.folder.walked
    preview.idle(lambda: True)  # a save is waiting: nothing is done now
    assert preview.builder.search.pending is not None and preview.folder.walked == walked
    preview.idle(lambda: False)
    assert preview.builder.search.pending is None and preview.folder.walked > walked


def test_a_rebuild_makes_page_jobs_only_for_the_items_the_model_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview keeps the last build's page jobs: a story the model hands back as it was keeps its
    job; an edited story (a new object) gets a new one holding it; the jobs are those made afresh."""
    from sitegen.pages import page_jobs
    from sitegen.preview.builder import PreviewBuilder

    (content, _, _), _ = _sample_preview(tmp_path, monkeypatch)
    builder = PreviewBuilder(PREVIEW_OPTIONS)
    first = builder.render()
    builder.complete(first)
    article = sorted((content / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8").rstrip("\n") + "\n\nEen nieuwe zin.\n", encoding="utf-8")
    second = builder.render([str(article.absolute())])
    builder.complete(second)
    last = {job.out_path: job for job in first.jobs}
    stories = [job for job in second.jobs if job.kind.name == "article"]
    edited = [job for job in stories if job.src_path.endswith(article.name)]
    assert len(stories) > 2 and len(edited) == 1
    for job in stories:
        story = job.context["article"]
        assert any(story is shown for shown in second.site.articles)
        assert (job is last[job.out_path]) == (job not in edited)
    assert "Een nieuwe zin." in edited[0].context["article"].body.html
    fresh = page_jobs(second.site)
    assert [(j.kind, j.out_path, j.src_path, j.context) for j in second.jobs] == [
        (j.kind, j.out_path, j.src_path, j.context) for j in fresh
    ]
