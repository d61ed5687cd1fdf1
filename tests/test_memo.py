"""The memo (sitegen/memo.py) and its stores (sitegen/stores.py): what a rebuild redoes, and a disk
store that reads only what a build asks for."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import sqlite3
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE

from sitegen import stores
from sitegen.memo import BYTES, TEXT, Codec, Memo, Space, json_codec
from sitegen.stores import FOREIGN, DiskStore, MemoryStore

NUMBERS: Space[int] = Space("numbers", json_codec(int, int))


def test_remembered_counts_hits_and_misses_per_space() -> None:
    memo = Memo(MemoryStore())
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    assert [memo.remembered(NUMBERS, bytes([n]), lambda n=n: square(n)) for n in (2, 3, 2)] == [4, 9, 4]
    assert calls == [2, 3]  # asked twice in one build, computed once
    assert (memo.hits("numbers"), memo.misses("numbers")) == (0, 2)
    memo.finish(success=True)
    assert memo.finished == {"numbers": (0, 2)}
    assert memo.remembered_all(NUMBERS, [(bytes([n]), n) for n in (3, 4)], square) == [9, 16]
    assert calls == [2, 3, 4]
    assert (memo.hits("numbers"), memo.misses("numbers")) == (1, 1)


def test_a_successful_build_evicts_what_it_did_not_use_in_the_spaces_it_asked() -> None:
    other: Space[str] = Space("other", TEXT)
    store = MemoryStore()
    memo = Memo(store)
    memo.remembered(NUMBERS, b"a", lambda: 1)
    memo.remembered(NUMBERS, b"b", lambda: 2)
    memo.remembered(other, b"x", lambda: "x")
    memo.finish(success=True)
    memo.remembered(NUMBERS, b"a", lambda: 1)
    memo.finish(success=False)  # a failed build keeps everything
    assert set(store.entries["numbers"]) == {b"a", b"b"}
    memo.remembered(NUMBERS, b"a", lambda: 1)
    memo.finish(success=True)
    assert set(store.entries["numbers"]) == {b"a"}
    assert set(store.entries["other"]) == {b"x"}  # not asked by that build: kept whole


def test_known_listed_finds_the_same_keys_in_memory_without_a_list_and_on_disk_with_one(tmp_path: Path) -> None:
    """Pages: the keys of the last build are listed for a disk store (asking it for thousands costs
    more than one list); a memory store answers for every key at once and keeps no list. Either way
    exactly the remembered keys are known, after an eviction too."""
    pages: Space[bytes] = Space("listed-pages", BYTES, held=False)
    listing: Space[bytes] = Space("listed-pages-list", BYTES)
    keys = [bytes([n]) * 20 for n in range(5)]

    def build(memo: Memo, asked: list[bytes]) -> set[bytes]:
        """A build asks which pages are known and renders the others (as render_site does)."""
        known = memo.known_listed(pages, asked, listing)
        for key in asked:
            if key not in known:
                memo.remembered(pages, key, lambda key=key: key)
        memo.finish(success=True)
        return known

    for store in (MemoryStore(), DiskStore(tmp_path / "cache")):
        memo = Memo(store)
        assert build(memo, keys[:3]) == set()
        assert build(memo, keys) == set(keys[:3])
        assert build(memo, keys[1:]) == set(keys[1:])  # the first key is not asked: evicted
        assert build(memo, keys) == set(keys[1:])
        assert (memo.recalled(listing, b"last build") is None) == store.in_memory


def test_without_a_store_nothing_is_kept_between_builds() -> None:
    memo = Memo()
    memo.remembered(NUMBERS, b"a", lambda: 1)
    memo.finish(success=True)
    assert memo.remembered(NUMBERS, b"a", lambda: 5) == 5


def test_the_disk_store_decodes_only_the_entries_a_build_asks_for(tmp_path: Path) -> None:
    decoded: list[bytes] = []

    def decode(data: bytes) -> str:
        decoded.append(data)
        return data.decode()

    counted: Space[str] = Space("counted", Codec(str.encode, decode))
    memo = Memo(DiskStore(tmp_path, "engine-1"))
    memo.remembered_all(counted, [(str(n).encode(), n) for n in range(10_000)], str)
    memo.finish(success=True)
    assert decoded == []
    memo = Memo(DiskStore(tmp_path, "engine-1"))  # the next build, a new process
    assert memo.remembered(counted, b"1234", lambda: "?") == "1234"
    assert decoded == [b"1234"]
    assert (memo.hits("counted"), memo.misses("counted")) == (1, 0)


def _traced_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL statements of every connection opened from now on, as SQLite runs them."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = connect(*args, **kwargs)
        db.set_trace_callback(statements.append)
        return db

    monkeypatch.setattr(sqlite3, "connect", traced)
    return statements


def test_the_disk_store_lists_a_spaces_keys_only_when_a_build_left_some_unused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A successful build evicts the rows it did not use; where it used every row of a space (the
    usual rebuild), the count of the space's rows says so and its keys are not read."""
    connect = sqlite3.connect  # untraced: the test's own look at the table
    statements = _traced_statements(monkeypatch)

    def build(*keys: bytes) -> set[bytes]:
        statements.clear()
        memo = Memo(DiskStore(tmp_path, "engine-1"))
        for key in keys:
            memo.remembered(NUMBERS, key, lambda: 1)
        memo.finish(success=True)
        db = connect(tmp_path / DiskStore.FILE)
        rows = {row[0] for row in db.execute("SELECT key FROM entries WHERE space = 'numbers'")}
        db.close()
        return rows

    def listed() -> bool:
        return any(statement.startswith("SELECT key FROM entries WHERE space") for statement in statements)

    assert build(b"a", b"b", b"c") == {b"a", b"b", b"c"}
    assert build(b"a", b"b", b"c") == {b"a", b"b", b"c"} and not listed()
    assert build(b"a", b"d") == {b"a", b"d"} and listed()  # b and c evicted
    assert build(b"a", b"d") == {b"a", b"d"} and not listed()


def test_the_disk_store_drops_the_rows_the_last_build_listed_by_their_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit leaves one row of a listed space unused (a story's old body, a page's old bytes): it
    goes by its key, without reading the space's keys; a listed key this build used otherwise stays,
    and a row the list does not name is still found by reading the keys."""
    pages: Space[bytes] = Space("listed-pages", BYTES, held=False)
    listing: Space[bytes] = Space("listed-pages-list", BYTES)
    keys = [bytes([n]) * 20 for n in range(6)]
    connect = sqlite3.connect  # untraced: the test's own look at the table
    statements = _traced_statements(monkeypatch)

    def build(asked: list[bytes], also: tuple[bytes, ...] = ()) -> tuple[set[bytes], bool]:
        """(the rows left, whether the space's keys were read)"""
        statements.clear()
        memo = Memo(DiskStore(tmp_path, "engine-1"))
        known = memo.known_listed(pages, asked, listing)
        for key in [*asked, *also]:
            if key not in known:
                memo.remembered(pages, key, lambda key=key: key)
        memo.finish(success=True)
        with contextlib.closing(connect(tmp_path / DiskStore.FILE)) as db:
            rows = {row[0] for row in db.execute("SELECT key FROM entries WHERE space = 'listed-pages'")}
        return rows, "SELECT key FROM entries WHERE space = 'listed-pages'" in statements

    assert build(keys[:3]) == (set(keys[:3]), False)
    assert build([keys[0], keys[1], keys[3]]) == ({keys[0], keys[1], keys[3]}, False)  # keys[2] by its key
    # keys[3] by its key; keys[0], not asked of the list but used all the same, stays
    assert build([keys[1], keys[4]], also=(keys[0],)) == ({keys[0], keys[1], keys[4]}, False)
    memo = Memo(DiskStore(tmp_path, "engine-1"))  # a row no list names (a failed build's, say)
    memo.remembered(pages, keys[5], lambda: keys[5])
    memo.finish(success=False)
    assert build([keys[1], keys[4]]) == ({keys[1], keys[4]}, True)  # keys[0] and [5] found by reading the keys


def test_known_listed_looks_only_at_the_places_where_the_list_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a build asks as many keys as the last one, in places mostly the same, only the keys at
    the places that changed are looked at (Memo.known_listed by the difference of the lists): a new
    key is asked of the store, known only where it holds it, and the old key of a changed place is
    dropped by its key unless the list still holds it elsewhere; the same keys in another order
    leave the list as it was. Each build finds exactly what `known` finds asking the store for every key."""
    pages: Space[bytes] = Space("listed-pages", BYTES, held=False)
    listing: Space[bytes] = Space("listed-pages-list", BYTES)
    keys = [bytes([n]) * 20 for n in range(40)]
    new = [bytes([100 + n]) * 20 for n in range(4)]
    connect = sqlite3.connect  # untraced: the test's own look at the table
    statements = _traced_statements(monkeypatch)

    def build(asked: list[bytes]) -> tuple[set[bytes], set[bytes], bool]:
        """(the keys known, the rows left, whether the list was written anew)"""
        held = _keys(tmp_path, connect) if asked is not keys else set()
        statements.clear()
        store = _CountingStore(tmp_path)
        memo = Memo(store)
        known = memo.known_listed(pages, asked, listing)
        assert known == held.intersection(asked)  # what asking the store for every key finds
        for key in asked:
            if key not in known:
                memo.remembered(pages, key, lambda key=key: key)
        memo.finish(success=True)
        assert "SELECT key FROM entries WHERE space = 'listed-pages'" not in statements  # stale rows by key
        return known, _keys(tmp_path, connect), listing.name in store.written

    assert build(keys) == (set(), set(keys), True)
    asked = [*keys]
    asked[3] = new[0]  # a new page
    assert build(asked) == (set(asked) - {new[0]}, set(asked), True)
    failed = Memo(DiskStore(tmp_path, "engine-counting"))  # a row the list does not name: a failed build's
    failed.remembered(pages, new[1], lambda: new[1])
    failed.finish(success=False)
    asked[5] = new[1]
    assert build(asked) == (set(asked), set(asked), True)
    asked[0], asked[1] = asked[1], asked[0]  # the same keys elsewhere
    assert build(asked) == (set(asked), set(asked), False)
    asked[10], asked[11], asked[7] = new[2], asked[10], asked[8]  # a key moved, one twice, one gone
    assert build(asked) == (set(asked) - {new[2]}, set(asked), True)
    assert keys[10] in asked and keys[7] not in asked and keys[11] not in asked


def _keys(folder: Path, connect: Any) -> set[bytes]:
    """The keys of the rows of the space 'listed-pages'."""
    with contextlib.closing(connect(folder / DiskStore.FILE)) as db:
        return {row[0] for row in db.execute("SELECT key FROM entries WHERE space = 'listed-pages'")}


def test_a_memo_leaves_what_a_build_held_where_it_is_told_instead_of_freeing_it() -> None:
    """A process that ends without freeing its objects (build.py's cli) gives its memo a list: at
    the end of a build, the values it read and computed go there, not freed one by one; without
    one they are let go. Either way the next build starts afresh."""

    class Value:
        pass

    values: Space[Value] = Space("held-values")  # in memory only
    for spent in (None, []):
        memo = Memo(spent=spent)
        value = memo.remembered(values, b"k", Value)
        alive = weakref.ref(value)
        del value
        memo.finish(success=True)
        assert (alive() is not None) == (spent is not None)
        assert memo.remembered(values, b"k", Value) is not alive()


def test_a_cli_build_leaves_its_memos_values_for_the_exit(
    run_cli, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build.py's cli ends with os._exit: a build there leaves what its memo held (the journal's
    rows among it) in build._LEFT_FOR_EXIT, where nothing frees it."""
    import build

    left: list[Any] = []
    monkeypatch.setattr(build, "_LEFT_FOR_EXIT", left)
    args = ("build", "--no-admin", "--content", str(content), "--output", str(tmp_path / "site"))
    assert run_cli(*args, "--cache", str(tmp_path / "cache"))[0] == 0
    assert len(left) == 1 and "journal" in left[0][1]  # (used, seen, known, unlisted)


def test_installed_versions_are_importlib_metadatas() -> None:
    from importlib import metadata

    names = [*stores._LIBRARIES, "pytest", "no-such-distribution-here"]
    expected = {}
    for name in names:
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected[name] = None
    assert stores.installed_versions(names) == expected
    assert expected["pytest"] is not None and expected["no-such-distribution-here"] is None


def test_the_engine_version_and_markdown_need_no_importlib_metadata() -> None:
    """importlib.metadata (with email, zipfile and csv) is no part of a build's start: some 10 ms."""
    script = (
        "import sys; from sitegen.stores import engine_version; from sitegen.markup import render_markdown; "
        "engine_version(); render_markdown('# Titel\\n\\n| a |\\n|---|\\n| b |\\n', '/'); "
        "print('importlib.metadata' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_engine_version_is_read_once_a_process(tmp_path: Path) -> None:
    """Code edited while a build (or a test) runs does not make its own cache another engine's
    halfway through, which emptied it without a word; the next process sees the edit."""
    shutil.copytree(ROOT / "sitegen", tmp_path / "sitegen", ignore=shutil.ignore_patterns("__pycache__"))
    script = (
        "import pathlib, sys; from sitegen.stores import engine_version; first = engine_version(); "
        "edited = pathlib.Path('sitegen/options.py'); edited.write_text(edited.read_text() + '# edited\\n'); "
        "print(first, engine_version())"
    )

    def run() -> list[str]:
        done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout.split()

    first, again = run()
    assert first == again
    assert run()[0] != first  # the next process digests the edited code


def test_the_disk_store_keeps_data_only_and_starts_afresh_for_another_engine(tmp_path: Path) -> None:
    memo = Memo(DiskStore(tmp_path, "engine-1"))
    memo.remembered(NUMBERS, b"a", lambda: 1)
    memo.finish(success=True)
    assert (tmp_path / DiskStore.FILE).read_bytes().startswith(b"SQLite format 3\0")
    memo = Memo(DiskStore(tmp_path, "engine-1"))
    assert memo.remembered(NUMBERS, b"a", lambda: 2) == 1
    memo = Memo(DiskStore(tmp_path, "engine-2"))
    assert memo.remembered(NUMBERS, b"a", lambda: 2) == 2


def test_a_large_entry_is_sealed_as_a_small_one(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Large payloads are sealed in a stream (sitegen.stores._STREAMED): kept, read back, and a changed
    byte is caught as in any entry."""
    import sqlite3

    large = Space("large", BYTES)
    data = bytes(range(256)) * 4096  # 1 MB
    memo = Memo(DiskStore(tmp_path, "e"))
    memo.remembered(large, b"k", lambda: data)
    memo.finish(success=True)
    assert Memo(DiskStore(tmp_path, "e")).remembered(large, b"k", lambda: b"") == data
    with contextlib.closing(sqlite3.connect(tmp_path / DiskStore.FILE)) as db, db:
        (sealed,) = db.execute("SELECT value FROM entries WHERE space = 'large'").fetchone()
        db.execute("UPDATE entries SET value = ? WHERE space = 'large'", (sealed[:-1] + b"!",))
    assert Memo(DiskStore(tmp_path, "e")).remembered(large, b"k", lambda: b"anew") == b"anew"
    assert FOREIGN in caplog.text


def test_a_damaged_or_foreign_table_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    (tmp_path / DiskStore.FILE).write_bytes(b"niet eens een database")
    memo = Memo(DiskStore(tmp_path, "e"))
    assert memo.remembered(NUMBERS, b"a", lambda: 3) == 3
    memo.finish(success=True)
    assert FOREIGN in caplog.text
    assert Memo(DiskStore(tmp_path, "e")).remembered(NUMBERS, b"a", lambda: 4) == 3
    # A database with a trigger of its own is not our table either.
    with sqlite3.connect(tmp_path / DiskStore.FILE) as db:
        db.execute("CREATE TRIGGER t AFTER INSERT ON entries BEGIN DELETE FROM meta; END")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert Memo(DiskStore(tmp_path, "e")).remembered(NUMBERS, b"a", lambda: 5) == 5
    assert "unexpected schema" in caplog.text


def test_the_json_codec_brings_back_dates_and_bytes_and_leaves_text_alone() -> None:
    import datetime as dt

    codec = json_codec(lambda value: value, lambda plain: plain)
    tagged = {"d": dt.date(2024, 2, 29), "t": [dt.datetime(2024, 2, 29, 12, 5)], "b": b"\x00\xff"}
    assert codec.decode(codec.encode(tagged)) == tagged
    # Text that spells a tag's escape, or looks like a tag without its NUL, stays text.
    texts = {"escape": "\\u0000date", "key": {"date": "2024-02-29"}, "nested": [{"\\u0000bytes": "AA=="}]}
    assert codec.decode(codec.encode(texts)) == texts
    assert codec.decode(codec.encode({**texts, **tagged})) == {**texts, **tagged}


# --- what a rebuild redoes (as Hugo's rebuild tests pin their render counts) ------------------------

MAP_SPACES = ("map-units", "map-script", "locators")


@pytest.fixture(params=["memory", "disk"])
def rebuild(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the sample site built once; calling the result rebuilds it and gives the memo."""
    from sitegen.pipeline import BuildOptions, build_files

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    memo = Memo(MemoryStore() if request.param == "memory" else DiskStore(tmp_path / "cache"))

    def build() -> Memo:
        if request.param == "disk":
            memo.store = DiskStore(tmp_path / "cache")  # each CLI build is a new process
        build_files(options, memo)
        memo.finish(success=True)
        return memo

    build()
    return build


def _edit(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    edited = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert edited != text
    path.write_text(edited, encoding="utf-8")


def test_an_igs_summary_edit_redoes_nothing_of_the_map(rebuild, monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample was copied just before the first build: without this, the racy-mtime rule would have
    # every file read again (and found unchanged) instead of trusting its stat.
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)
    _edit(Path("content/igs/noord.yaml"), r'^summary: "', 'summary: "Bewerkt. ')
    memo = rebuild()
    misses = {name: misses for name, (_, misses) in memo.finished.items()}
    assert {name: misses.get(name, 0) for name in MAP_SPACES} == dict.fromkeys(MAP_SPACES, 0)
    assert memo.finished["map-data"] == (1, 0)  # the map data reads no IGS text: taken whole
    assert misses["journal"] == 1
    assert misses.get("markdown", 0) == 0


def test_one_article_body_edit_renders_one_markdown_document(rebuild, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # as above: trust the copied files' stat
    path = sorted(Path("content/articles").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nEen nieuwe laatste zin.\n", encoding="utf-8")
    memo = rebuild()
    misses = {name: misses for name, (_, misses) in memo.finished.items()}
    assert misses["markdown"] == 1
    assert misses["journal"] == 1  # only the edited file is read again
    assert misses["pages"] == 1  # the article's own page; lists show summaries, not bodies
    assert {name: misses.get(name, 0) for name in MAP_SPACES} == dict.fromkeys(MAP_SPACES, 0)


def test_a_member_edit_redoes_the_map_but_not_the_text(rebuild) -> None:
    _edit(Path("content/igs/noord.yaml"), r"^  - Borsbeek\n", "")
    memo = rebuild()
    misses = {name: misses for name, (_, misses) in memo.finished.items()}
    assert misses["map-units"] == 1 and misses["map-script"] == 1 and misses["map-data"] == 1
    assert misses.get("markdown", 0) == 0


def test_the_map_data_of_unchanged_igs_objects_is_made_once_and_holds_this_builds_igs(
    rebuild, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map data made for a site's IGS objects is kept in memory (the preview's rebuilds share it
    and its finder index while no IGS changed); an IGS edit that leaves the map as it was gets map
    data that holds the edited IGS, as a build from scratch does."""
    from sitegen import mapview

    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # trust the copied files' stat
    made: list[tuple[object, mapview.MapData]] = []
    original = mapview.build_map_data

    def recorded(site, *args, **kwargs):  # type: ignore[no-untyped-def]
        geo = original(site, *args, **kwargs)
        made.append((site, geo))
        return geo

    monkeypatch.setattr("sitegen.pipeline.build_map_data", recorded)
    in_memory = rebuild().store.in_memory
    path = sorted(Path("content/articles").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nEen zin.\n", encoding="utf-8")
    memo = rebuild()
    assert memo.finished["map-data-made"] == ((1, 0) if in_memory else (0, 1))  # a CLI build makes it once
    assert (made[-1][1] is made[-2][1]) == in_memory
    _edit(Path("content/igs/noord.yaml"), r'^summary: "', 'summary: "Bewerkt. ')
    memo = rebuild()
    assert memo.finished["map-data"] == (1, 0) and memo.finished["map-data-made"] == (0, 1)
    site, geo = made[-1]
    noord = site.igs_by_slug("noord")  # type: ignore[attr-defined]
    assert noord.summary.startswith("Bewerkt.")
    answers = [part.answer.igs for row in geo.finder_rows for part in row.parts if part.answer.igs is not None]
    assert noord in answers and all(igs is site.igs_by_slug(igs.slug) for igs in answers)  # type: ignore[attr-defined]


def test_no_stage_imports_a_store() -> None:
    """Stages know the memo only: which store keeps its values is the commands' choice (build.py, serve)."""
    from test_imports import build_side, imports_of

    allowed = {"sitegen.stores", "sitegen.fingerprint"}  # the store itself, and the no-op check beside it
    for name, path in build_side().items():
        if name not in allowed:
            assert not any(m == "sitegen.stores" or m.startswith("sitegen.stores.") for m in imports_of(name, path)), (
                name
            )


# --- what a rebuild writes, and what the disk store keeps -------------------------------------------


class _CountingStore(DiskStore):
    """A disk store that counts the entries it is given to write (each one sealed once)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, "engine-counting")
        self.written: dict[str, int] = {}

    def put(self, space, key, value) -> None:
        if space.codec is not None:
            self.written[space.name] = self.written.get(space.name, 0) + 1
        super().put(space, key, value)


def _rows(folder: Path) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(folder / DiskStore.FILE)) as db:
        return dict(db.execute("SELECT space, count(*) FROM entries GROUP BY space").fetchall())


def _sample_builder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from sitegen.pipeline import BuildOptions, build_files

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    # The files were all just written: the input journal would re-read (and keep again) every one
    # of them for its first seconds (the racy-mtime rule, tests/test_journal.py). Here they settle at once.
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> _CountingStore:
        store = _CountingStore(tmp_path / "cache")  # each CLI build is a new process
        memo = Memo(store)
        build_files(options, memo)
        memo.finish(success=True)
        return store

    return build


def test_a_rebuild_writes_only_the_entries_an_edit_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything a rebuild reads from the disk store is only read (its seal checked): the entries it
    writes are the ones the edit changed, whatever the size of the site."""
    build = _sample_builder(tmp_path, monkeypatch)
    first = build()
    assert first.written["pages"] > 5 and sum(first.written.values()) > 30  # a cold build writes everything
    assert build().written == {}  # nothing changed: nothing written
    article = sorted(Path("content/articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe laatste zin.\n", encoding="utf-8")
    written = build().written
    # The bucket of the file's journal record, its Markdown and its page; the other stages' records of
    # that one page (the link index, its search shard or delta), the tables by story version (summary
    # digests, body keys, page keys) and the lists of the last build's pages and cards: one entry each
    # at most; the lists of what each page version told its social card, the search index and the
    # header policy, of the card keys and of the stories but their bodies (one entry each:
    # sitegen/files.py, taken_over), and the tables by story version (summary digests, page keys: in
    # buckets by key, sitegen/deps.py): the bucket the old version left and the new one's.
    assert written["journal"] == 1 and written["markdown"] == 1 and written["pages"] == 1
    # The sample's one search shard is small, so indexed again in full: of its files (each kept by
    # its version), only those whose bytes changed (the edited page's, the index and meta that list it).
    assert 0 < written.pop("search-files") < first.written["search-files"] / 2
    tables = ("story-summaries", "story-parts", "page-keys-by-version", "social-card-plans")
    facts = {name: count for name, count in written.items() if name.startswith("facts-") or name in tables}
    assert max(facts.values()) <= 2 and max(count for name, count in written.items() if name not in facts) == 1
    assert sum(written.values()) <= 20, written


def test_the_disk_store_does_not_grow_across_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten builds, alternating no change and an edit of one article: every space keeps one entry per
    thing the site has (an edited article's old entries are dropped), so the file does not grow."""
    build = _sample_builder(tmp_path, monkeypatch)
    build()
    rows = _rows(tmp_path / "cache")
    article = sorted(Path("content/articles").glob("*.md"))[0]
    text = article.read_text(encoding="utf-8")
    for n in range(10):
        if n % 2:
            article.write_text(f"{text}\nBewerking {n}.\n", encoding="utf-8")
        build()
        assert _rows(tmp_path / "cache") == rows, f"build {n}"


def _never(*args: object) -> None:
    raise AssertionError("made again")


def test_the_map_data_comes_back_from_the_disk_store_as_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map data is kept on disk as plain data (an IGS by its slug): what a later build reads back
    is equal to what a cold build computes, in the same order (pages list these in order), and
    comes with the finder's index made from its rows (not made again)."""
    from dataclasses import fields

    from sitegen.geometry import topology_from_text
    from sitegen.mapview import build_map_data
    from sitegen.options import BuildOptions
    from sitegen.pipeline import _load_site, _parsed

    site, register, topology_file = _load_site(
        BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"), Memo()
    )
    topology = _parsed(topology_file, topology_from_text, Memo())
    cold = build_map_data(site, register, topology, Memo())
    memo = Memo(DiskStore(tmp_path, "e"))
    # The map's script may still be drawn on another core: the map data is kept once render asks for it.
    assert build_map_data(site, register, topology, memo).script == cold.script
    memo.finish(success=True)
    memo = Memo(DiskStore(tmp_path, "e"))
    index = cold.finder_index
    monkeypatch.setattr("sitegen.mapview.finder_index", _never)  # the finder's index is kept with it
    stored = build_map_data(site, register, topology, memo)
    assert (memo.hits("map-data"), memo.misses("map-data")) == (1, 0)
    assert stored == cold and stored.script == cold.script and stored.finder_index == index
    for field in fields(cold):
        value, again = getattr(cold, field.name), getattr(stored, field.name)
        if isinstance(value, dict):
            assert list(again.items()) == list(value.items()), field.name
    assert any(part.answer.igs for row in stored.finder_rows for part in row.parts)
    assert all(part.answer.igs in site.igs for row in stored.finder_rows for part in row.parts if part.answer.igs)


def test_a_build_whose_map_data_is_remembered_never_parses_the_topology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map data is keyed by the topology file's digest: a rebuild that finds it parses nothing of
    the file; a changed file is parsed again, and a malformed one is the error a build without the
    cache reports."""
    from sitegen import geometry
    from sitegen.errors import ContentErrors
    from sitegen.options import BuildOptions
    from sitegen.pipeline import build_files

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    parsed: list[str] = []
    real = geometry.topology_from_data
    monkeypatch.setattr(geometry, "topology_from_data", lambda *args: parsed.append(args[1]) or real(*args))
    # Parsed in this process, where it is counted: a first build's child parses it otherwise (parse_ahead).
    monkeypatch.setattr("sitegen.pipeline.parse_ahead", lambda content_dir: None)

    def build(memo: Memo) -> dict[str, bytes]:
        parsed.clear()
        _, files = build_files(options, memo)
        memo.finish(success=True)
        return dict(files.items())

    cold = build(Memo())
    assert parsed == ["content/geo/topology.json"]
    assert build(Memo(DiskStore(tmp_path / "cache", "e"))) == cold and len(parsed) == 1
    assert build(Memo(DiskStore(tmp_path / "cache", "e"))) == cold and parsed == [], "remembered: not parsed"
    topology = Path("content/geo/topology.json")
    topology.write_text(topology.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build(Memo(DiskStore(tmp_path / "cache", "e"))) == cold and len(parsed) == 1, "a new digest"
    topology.write_text("{" + topology.read_text(encoding="utf-8"), encoding="utf-8")
    errors = []
    for memo in (Memo(DiskStore(tmp_path / "cache", "e")), Memo()):
        with pytest.raises(ContentErrors) as found:
            build_files(options, memo)
        errors.append([str(error) for error in found.value.errors])
    assert errors[0] == errors[1] and errors[0][0].startswith("content/geo/topology.json:")

    topology.write_text(topology.read_text(encoding="utf-8")[1:], encoding="utf-8")
    memo = Memo(MemoryStore())  # the preview's: a rebuild that needs the map again finds the topology parsed
    cold = build(memo)
    assert len(parsed) == 1 and build(memo) == cold and parsed == []
    igs = Path("content/igs/noord.yaml")
    igs.write_text(igs.read_text(encoding="utf-8").replace("  - Borsbeek\n", "", 1), encoding="utf-8")
    assert build(memo) != cold and parsed == [], "the map drawn again from the topology kept in memory"


def test_a_successful_build_drops_exactly_the_entries_it_did_not_use(tmp_path: Path) -> None:
    """Whether read, only known (Memo.known, which reads no value) or written: the used entries stay,
    the others go."""
    space: Space[str] = Space("texts", TEXT)
    memo = Memo(DiskStore(tmp_path, "e"))
    for key in (b"a", b"b", b"c", b"d"):
        memo.remembered(space, key, lambda key=key: key.decode())
    memo.finish(success=True)
    memo = Memo(DiskStore(tmp_path, "e"))
    assert memo.known(space, [b"a", b"x"]) == {b"a"}
    assert memo.remembered(space, b"b", lambda: "recomputed") == "b"
    memo.remembered(space, b"e", lambda: "e")
    memo.finish(success=True)
    memo = Memo(DiskStore(tmp_path, "e"))  # used everything there is: nothing to drop
    assert memo.known(space, [b"a", b"b", b"c", b"d", b"e"]) == {b"a", b"b", b"e"}
    memo.finish(success=True)
    assert _rows(tmp_path) == {"texts": 3}


def test_a_new_process_compiles_no_unchanged_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build cache keeps the code Python compiles of the source Jinja writes for each template
    (sealed as every entry): a new process compiles neither the template nor that source, and an
    edited template is compiled from its new source."""
    import builtins
    import shutil

    import jinja2

    import sitegen.templating
    from sitegen.pipeline import BuildOptions, build_files

    generated: list[str] = []
    real = jinja2.Environment.compile

    def counted(self: Any, source: Any, name: Any = None, filename: Any = None, raw: bool = False, **kw: Any) -> Any:
        generated.append(name)
        return real(self, source, name, filename, raw, **kw)

    compiled: list[str] = []  # the files of the Python sources compiled for templates

    def compiling(source: Any, filename: Any, *args: Any, **kw: Any) -> Any:
        compiled.append(Path(filename).name)
        return builtins.compile(source, filename, *args, **kw)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    monkeypatch.setattr(sitegen.templating, "compile", compiling, raising=False)  # the templating module's calls
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), ROOT / "assets")

    def build() -> dict[str, bytes]:
        generated.clear()
        compiled.clear()
        memo = Memo(DiskStore(tmp_path / "cache", "engine"))  # each CLI build is a new process
        files = dict(build_files(options, memo)[1].items())
        memo.finish(success=True)
        return files

    first = build()
    assert "article.html" in generated and "_base.html" in generated
    assert sorted(compiled) == sorted(generated)
    assert build() == first and generated == [] and compiled == []
    layout = Path("templates/article.html")
    layout.write_text(layout.read_text(encoding="utf-8").replace("</article>", "</article><!-- nieuw -->", 1))
    edited = build()
    assert generated == compiled == ["article.html"]
    story = next(name for name in edited if name.startswith("verhalen/project-x/"))
    assert b"<!-- nieuw -->" in edited[story] and b"<!-- nieuw -->" not in first[story]
