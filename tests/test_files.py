"""Files handed along with a version, their bytes read lazily (sitegen/files.py): a rebuild reads
from the cache only the pages and cards a stage really needs, and gives a cold build's bytes."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen.files import SiteFiles, bytes_version, fact_space, facts, snapshot
from sitegen.memo import BYTES, Memo, Space
from sitegen.parallel import Forked, workers
from sitegen.stores import DiskStore, MemoryStore

LARGE: Space[bytes] = Space("large", BYTES)


class _ReadCountingStore(DiskStore):
    """A disk store that counts the values it reads back, per space."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "engine-counting")
        self.read: dict[str, int] = {}

    def get_many(self, space, keys):
        found = super().get_many(space, keys)
        if found:
            self.read[space.name] = self.read.get(space.name, 0) + len(found)
        return found


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the sample site; calling the result builds it with a new disk store (a new process)
    and gives (files, store)."""
    from sitegen.pipeline import BuildOptions, build_files

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # the copied files settle at once
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> tuple[SiteFiles, _ReadCountingStore]:
        store = _ReadCountingStore(tmp_path / "cache")
        memo = Memo(store)
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        return files, store

    build.cold = lambda: dict(build_files(options, Memo())[1].items())  # type: ignore[attr-defined]
    return build


def _rows(folder: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(folder / DiskStore.FILE)) as db, db:
        db.execute(sql)


def test_a_one_article_rebuild_reads_no_unchanged_page_or_card(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    """Render, the social cards, the link check, the search index and `_headers` look at a page only
    through its version: after one article's body changed, no page and no card is read back from the
    cache (each one there would be unsealed and decoded), and the rebuild is a cold build's bytes."""
    # The edit goes to the search delta, as on a large site (the sample's one shard is small enough
    # to be indexed again in full, which reads its pages).
    monkeypatch.setattr("sitegen.search.DELTA_SHARE", 1.0)
    files, store = sample()
    pages = sum(1 for name in files if name.endswith(".html"))
    cards = sum(1 for name in files if name.startswith("assets/social/"))
    assert pages > 10 and cards > 10
    files, store = sample()  # nothing changed
    assert store.read.get("pages", 0) == store.read.get("social-cards", 0) == 0, store.read
    assert files.loaded == 0
    article = sorted(Path("content/articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe laatste zin.\n", encoding="utf-8")
    files, store = sample()
    assert store.read.get("pages", 0) == store.read.get("social-cards", 0) == 0, store.read
    assert files.loaded == 0
    lazy = [name for name in files if not files.is_loaded(name)]
    assert len(lazy) >= pages + cards - 8  # all but the few pages the edit renders again
    site = {name: data for name, data in files.items() if not name.startswith("pagefind/")}
    assert site == {name: data for name, data in sample.cold().items() if not name.startswith("pagefind/")}
    assert files.loaded == len(lazy)  # read in one go when the write stage asks for everything


def test_damaged_page_and_card_entries_are_rendered_again(sample) -> None:
    """An entry found but unreadable when its bytes are needed (a bad seal) is computed then: never
    wrong bytes, never a failed build."""
    sample()
    _rows(Path("cache"), "UPDATE entries SET value = zeroblob(40) WHERE space IN ('pages', 'social-cards')")
    files, _ = sample()
    assert not all(files.is_loaded(name) for name in files)
    assert dict(files.items()) == sample.cold()


def test_lost_fact_tables_are_derived_again(sample) -> None:
    """The facts each page version told the social cards, the search index and `_headers` are derived
    from the bytes again when their table is missing or damaged."""
    sample()
    _rows(Path("cache"), "UPDATE entries SET value = zeroblob(40) WHERE space = 'facts-csp'")
    _rows(Path("cache"), "DELETE FROM entries WHERE space IN ('facts-og-title', 'facts-search')")
    files, store = sample()
    assert store.read.get("pages", 0) > 8  # every page (with a key) read again, to derive its facts
    assert dict(files.items()) == sample.cold()
    files, store = sample()
    assert store.read.get("pages", 0) == 0  # and remembered again


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_site_files_read_remembered_bytes_once_and_in_one_go(store: str, tmp_path: Path) -> None:
    def memo() -> Memo:
        return Memo(MemoryStore() if store == "memory" else DiskStore(tmp_path, "e"))

    first = memo()
    for n in range(3):
        first.remembered(LARGE, bytes([n]), lambda n=n: b"x" * n)
    if store == "disk":
        first.finish(success=True)
        memo_now = memo()
    else:
        first.finish(success=True)
        memo_now = first
    queries: list[int] = []
    real = memo_now.store.get_many

    def counted(space, keys):
        queries.append(len(keys))
        return real(space, keys)

    memo_now.store.get_many = counted  # type: ignore[method-assign]
    known = memo_now.known(LARGE, [bytes([n]) for n in range(4)])
    assert known == {bytes([0]), bytes([1]), bytes([2])}
    files = SiteFiles(memo_now)
    files["plain"] = b"at hand"
    computed: list[int] = []
    for n in range(3):
        files.put_remembered(f"f{n}", LARGE, bytes([n]), lambda n=n: computed.append(n) or b"?", b"v%d" % n)
    assert queries == [] and list(files) == ["plain", "f0", "f1", "f2"]
    assert files.version("plain") == bytes_version(b"at hand") and files.version("f1") == b"v1"
    assert files["f1"] == b"x" and queries == [1]
    assert dict(files.items()) == {"plain": b"at hand", "f0": b"", "f1": b"x", "f2": b"xx"}
    assert queries == [1, 2] and computed == [] and files.loaded == 3
    assert (memo_now.hits("large"), memo_now.misses("large")) == (3, 0)  # each counted once


def test_files_put_remembered_together_keep_their_places_and_are_made_by_name_when_lost() -> None:
    """put_remembered_all: each file in the place it was reserved (or after the others), with its own
    version, read from the memo; an entry the memo lost made by `compute` of that file's name."""
    memo = Memo(MemoryStore())
    memo.remembered(LARGE, b"k0", lambda: b"kept 0")
    memo.remembered(LARGE, b"k2", lambda: b"kept 2")
    files = SiteFiles(memo)
    files.reserve("b")
    files["plain"] = b"at hand"
    asked: list[str] = []

    def compute(name: str) -> bytes:
        asked.append(name)
        return f"made for {name}".encode()

    files.put_remembered_all(["a", "b", "c"], LARGE, [b"k0", b"k1", b"k2"], compute, [b"v0", b"v1", b"v2"])
    assert list(files) == ["b", "plain", "a", "c"]
    assert files.versions_of(["a", "b", "c", "plain"]) == [b"v0", b"v1", b"v2", bytes_version(b"at hand")]
    assert dict(files.items()) == {"b": b"made for b", "plain": b"at hand", "a": b"kept 0", "c": b"kept 2"}
    assert asked == ["b"]


def test_facts_are_derived_once_per_version() -> None:
    space = fact_space("test-length")
    memo = Memo(MemoryStore())
    derived: list[bytes] = []

    def length(data: bytes) -> int:
        derived.append(data)
        return len(data)

    files = SiteFiles(memo)
    files.put("a", b"one", b"v1")
    files.put("b", b"three", b"v3")
    assert facts(files, space, ["a", "b"], length) == {"a": 3, "b": 5}
    memo.finish(success=True)
    again = SiteFiles(memo)
    again.put_remembered("a", LARGE, b"k", lambda: b"never read", b"v1")  # the same version as before
    again.put("b", b"four", b"v4")
    assert facts(again, space, ["a", "b"], length) == {"a": 3, "b": 4}
    assert derived == [b"one", b"three", b"four"] and not again.is_loaded("a")
    assert facts({"a": b"xy"}, space, ["a"], length) == {"a": 2}  # a plain mapping: derived directly


def test_facts_are_taken_over_by_place_and_by_version(monkeypatch) -> None:
    """Each file keeps its fact where its version is the same at its place (two files that swapped
    versions are derived again); where files came or went, or many places changed, by version."""
    space = fact_space("test-places")
    memo = Memo(MemoryStore())
    derived: list[bytes] = []

    def upper(data: bytes) -> str:
        derived.append(data)
        return data.decode().upper()

    def build(pages: dict[str, tuple[bytes, bytes]]) -> list[bytes]:
        files = SiteFiles(memo)
        for name, (data, version) in pages.items():
            files.put_remembered(name, LARGE, version, lambda data=data: data, version)  # read only if derived
        derived.clear()
        assert facts(files, space, list(pages), upper) == {
            name: data.decode().upper() for name, (data, _) in pages.items()
        }
        memo.finish(success=True)
        return list(derived)

    pages = {f"p{n}": (b"page %d" % n, b"v%d" % n) for n in range(6)}
    assert len(build(pages)) == 6
    pages["p2"], pages["p4"] = (b"page 4", b"v4"), (b"page 2", b"v2")  # swapped
    pages["p5"] = (b"page 5 edited", b"v5 edited")
    assert build(pages) == [b"page 4", b"page 2", b"page 5 edited"]
    del pages["p0"]  # a file gone, and one come: by version
    pages["p6"] = (b"page 6", b"v6")
    pages["p7"] = (b"page 7", b"v7")
    assert build(pages) == [b"page 6", b"page 7"]
    monkeypatch.setattr("sitegen.files.BY_VERSION_FROM", 3)
    pages = dict(reversed(pages.items()))  # as many files, all at other places: by version
    assert build(pages) == []
    pages["p1"], pages["p3"] = (b"page 1 edited", b"v1 edited"), (b"page 3 edited", b"v3 edited")
    assert build(pages) == [b"page 3 edited", b"page 1 edited"]  # two places: by place
    assert build(pages) == []


def test_a_fact_list_keeps_each_distinct_fact_once_and_comes_back_as_it_was() -> None:
    """The disk form of a fact list writes a fact shared by many pages (their policy) once: `facts`
    hands equal facts on as one object."""
    policy = "default-src 'self'; img-src 'self' data:"
    space = fact_space("test-shared")
    store = MemoryStore()
    files = SiteFiles(Memo(store))
    for n in range(500):
        files.put(f"p{n}", b"<p>", b"v%d" % n)
    files.put("other", b"<q>", b"w")
    derive = {b"<p>": lambda: " ".join(policy.split(" ")), b"<q>": lambda: None}  # a new text each
    facts(files, space, [*(f"p{n}" for n in range(500)), "other"], lambda data: derive[data]())
    codec = space.codec
    assert codec is not None
    (listed,) = store.entries[space.name].values()
    data = codec.encode(listed)
    assert codec.decode(data) == listed
    assert data.count(policy.encode()) == 1 and len(data) < 16 * 510  # (a version and a reference each)
    for damaged in (marshal.dumps(([b"v"], [])), marshal.dumps([[], []]), marshal.dumps(([], [], [])), data[:-1]):
        with pytest.raises((ValueError, EOFError)):
            codec.decode(damaged)


def test_a_one_article_cli_rebuild_reads_no_unchanged_page_or_card(run_cli, tmp_path: Path, monkeypatch) -> None:
    """The whole CLI build, write stage included (write_site gets the versions): after one article's
    body changed, no unchanged page or card is read from the cache, and the output is a cold build's."""
    monkeypatch.setattr("sitegen.search.DELTA_SHARE", 1.0)  # as on a large site: the edit goes to the delta
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # the copied files settle at once
    content, out, cold = tmp_path / "content", tmp_path / "out", tmp_path / "cold"
    shutil.copytree(SAMPLE / "content", content)
    reads: dict[str, int] = {}
    real = DiskStore.get_many

    def counting(self, space, keys):
        found = real(self, space, keys)
        reads[space.name] = reads.get(space.name, 0) + len(found)
        return found

    monkeypatch.setattr(DiskStore, "get_many", counting)
    common = ["--content", str(content), "--cache", str(tmp_path / "cache"), "--no-admin"]
    assert run_cli("build", *common, "--output", str(out))[0] == 0
    article = sorted((content / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe laatste zin.\n", encoding="utf-8")
    reads.clear()
    assert run_cli("build", *common, "--output", str(out))[0] == 0
    assert reads.get("pages", 0) == reads.get("social-cards", 0) == 0, reads
    assert reads.get("journal", 0) >= 1  # the cache was used
    assert run_cli("build", "--content", str(content), "--no-cache", "--no-admin", "--output", str(cold))[0] == 0
    site, fresh = ({k: v for k, v in tree_bytes(d).items() if not k.startswith("pagefind/")} for d in (out, cold))
    assert site == fresh


# --- what a cold build holds in memory ---------------------------------------------------------------


def test_the_disk_store_holds_no_copy_of_what_it_is_given_to_keep(tmp_path: Path) -> None:
    """The store writes each entry as it is given (a cold build's pages and cards: hundreds of
    megabytes), keeping no copy until the build ends."""

    values = [os.urandom(1 << 20) for _ in range(16)]
    store = DiskStore(tmp_path, "e")
    tracemalloc.start()
    try:
        for n, value in enumerate(values):
            store.put(LARGE, bytes([n]), value)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < (1 << 20), held  # the seals and the bookkeeping, not 16 MB of copies
    store.finish(None)
    assert DiskStore(tmp_path, "e").get_many(LARGE, [bytes([3]), bytes([15])]) == {
        bytes([3]): values[3],
        bytes([15]): values[15],
    }


def test_parsed_pages_share_their_equal_links() -> None:
    """A site's pages repeat most of their links (the menu, the footer, the IGS lists): parsed for the
    link check they share one string per value, as every page of a cold build is held at once, and a
    page keeps each of its links once."""
    from sitegen.linkcheck import parse_page

    page = '<a href="/a/">a</a><a href="/b/" id="x">b</a><meta property="og:url" content="/a/">'
    first, second = parse_page(page), parse_page(page.encode("utf-8"))
    assert first == second and first.links == ("/a/", "/b/")
    assert all(a is b for a, b in zip(first.links, second.links, strict=True))


def test_the_files_of_search_shards_carry_their_versions(sample, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard's files are versioned once, when it is indexed in full, and keep those versions while
    it stands (the write stage then skips them without digesting some 60 MB at 300x10,000); the
    delta bundle and the list of shards, small and made on every build, are digested."""
    monkeypatch.setattr("sitegen.search.DELTA_SHARE", 1.0)
    first, _ = sample()
    article = sorted(Path("content/articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe laatste zin.\n", encoding="utf-8")
    files, _ = sample()
    bundle = [name for name in files if name.startswith("pagefind/")]
    versioned = {name for name in bundle if name in files.versions()}
    delta = {name for name in bundle if name.startswith("pagefind/deel-delta/")}
    assert delta and versioned == set(bundle) - delta - {"pagefind/shards.json"}
    assert all(files.versions()[name] == bytes_version(files[name]) for name in versioned)
    assert all(first.versions()[name] == files.versions()[name] for name in versioned)


UNHELD: Space[bytes] = Space("unheld", BYTES, held=False)


def _made(n: int) -> bytes:
    """A megabyte that is made anew on each call (so that tracemalloc sees who keeps it)."""
    return random.Random(n).randbytes(1 << 20)


def test_values_the_memo_does_not_hold_go_to_the_disk_as_they_come(tmp_path: Path, monkeypatch) -> None:
    """A space that is not held (pages, cards) is kept by the disk store as each value comes, and
    neither the memo nor the store keeps a copy: asked again, a value is read from the disk."""
    monkeypatch.setattr("sitegen.parallel.can_fork", lambda: False)  # all in this process, to be measured
    memo = Memo(DiskStore(tmp_path, "e"))
    calls = [(bytes([n]), n) for n in range(16)]
    tracemalloc.start()
    try:
        digests = [hashlib.sha256(value).digest() for value in memo.remembered_each(UNHELD, calls, _made)]
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < (1 << 20) and peak < 4 << 20, (held, peak)  # of the 16 MB made, one or two at a time
    assert digests == [hashlib.sha256(_made(n)).digest() for n in range(16)]
    assert memo.known(UNHELD, [key for key, _ in calls]) == {key for key, _ in calls}
    assert memo.remembered(UNHELD, bytes([3]), lambda: b"never computed again") == _made(3)
    assert (memo.hits("unheld"), memo.misses("unheld")) == (0, 16)
    memo.finish(success=True)
    assert Memo(DiskStore(tmp_path, "e")).remembered(UNHELD, bytes([15]), lambda: b"lost") == _made(15)


def test_a_killed_build_leaves_the_disk_store_as_it_was(tmp_path: Path) -> None:
    """The store writes each value as it comes, in one transaction: a build that never finishes
    (killed) leaves the table exactly as the last finished build left it."""
    memo = Memo(DiskStore(tmp_path, "e"))
    memo.remembered(LARGE, b"old", lambda: b"kept")
    memo.finish(success=True)
    code = (
        "import os, sys\n"
        "from sitegen.memo import BYTES, Memo, Space\n"
        "from sitegen.stores import DiskStore\n"
        "memo = Memo(DiskStore(__import__('pathlib').Path(sys.argv[1]), 'e'))\n"
        "for n in range(64):\n"
        "    memo.remembered(Space('large', BYTES), bytes([n]), lambda: os.urandom(1 << 20))\n"
        "os.kill(os.getpid(), 9)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, check=False)
    assert result.returncode == -9
    store = DiskStore(tmp_path, "e")
    assert store.has_many(LARGE, [bytes([n]) for n in range(64)] + [b"old"]) == {b"old"}
    assert store.get_many(LARGE, [b"old"]) == {b"old": b"kept"}


def test_site_files_of_a_build_with_a_disk_cache_wait_on_disk(tmp_path: Path) -> None:
    """With a disk store, the bytes a SiteFiles is given wait in a nameless file beside the cache,
    read back whenever asked (a snapshot of some of them, in a forked child too)."""
    files = SiteFiles(Memo(DiskStore(tmp_path / "cache", "e")))
    tracemalloc.start()
    try:
        for n in range(16):
            files.put(f"p{n}.html", _made(n), b"v%d" % n)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < (1 << 20) and peak < 3 << 20, (held, peak)
    assert list(files) == [f"p{n}.html" for n in range(16)]
    assert files["p3.html"] == _made(3) and files.version("p3.html") == b"v3"
    files["p3.html"] = b"anders"
    assert files["p3.html"] == b"anders"
    shot = snapshot(files, ["p3.html", "p9.html"])
    with Forked(lambda: (os.getpid(), {name: hashlib.sha256(data).digest() for name, data in shot.items()})) as child:
        pid, digests = child.result()
    assert digests == {"p3.html": hashlib.sha256(b"anders").digest(), "p9.html": hashlib.sha256(_made(9)).digest()}
    assert pid != os.getpid() or workers() < 2
    assert [path.name for path in (tmp_path / "cache").iterdir()] == []  # the spool has no name


def test_a_cold_build_with_a_disk_cache_holds_no_page_or_card(tmp_path: Path, monkeypatch) -> None:
    """Every page and social card of a cold build waits on disk until the write stage: after the
    whole pipeline, the build holds less memory than one that keeps them all (the preview's memory
    store) by more than their size (the other files wait on disk too)."""
    from sitegen.pipeline import BuildOptions, build_files

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    build_files(options, Memo())  # imports and the drawing caches, outside what is measured

    def held(memo: Memo) -> tuple[int, int]:
        gc.collect()
        tracemalloc.start()
        try:
            files = build_files(options, memo)[1]
            gc.collect()
            now, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        made = [name for name in files if name.endswith(".html") or name.startswith("assets/social/")]
        return now, sum(len(files[name]) for name in made)

    in_memory, size = held(Memo(MemoryStore()))
    on_disk, same = held(Memo(DiskStore(tmp_path / "cache")))
    assert size == same and size > 300_000  # enough pages and cards to tell the stores apart
    assert in_memory - on_disk > size, (in_memory, on_disk, size)
