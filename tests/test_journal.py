"""The input journal (sitegen/load.py, validate.JOURNAL): a warm build opens, parses and checks only the
content files whose stat changed, trusts a stat only outside the racy-mtime window, and reports a
file's errors on every build until it is fixed."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE
from PIL import Image

from sitegen import load, parallel, validate
from sitegen.dates import PartialDate
from sitegen.errors import ContentErrors
from sitegen.memo import Memo
from sitegen.options import BuildOptions
from sitegen.pipeline import load_and_validate
from sitegen.stores import DiskStore, MemoryStore

ARTICLE = Path("content/articles/project-x.md")
HOUR_NS = 3600 * 10**9


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=["memory", "disk"])
def build(request: pytest.FixtureRequest, project: Path) -> Callable[[], Any]:
    """Load and validate the copy, as `serve` (one MemoryStore) or `build` (a new DiskStore each time)."""
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    memo = Memo(MemoryStore() if request.param == "memory" else None)

    def run() -> Any:
        if request.param == "disk":
            memo.store = DiskStore(project / "cache")  # each CLI build is a new process
        try:
            site = load_and_validate(options, memo)
        except ContentErrors:
            memo.finish(success=False)
            raise
        memo.finish(success=True)
        return site

    return run


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """The content text files opened (by path relative to the project), and the Markdown and YAML
    parses and wording checks run, counted."""
    counts: Counter[str] = Counter()
    real_read, real_yaml, real_markdown = load.read_file, load.parse_yaml, load.parse_markdown_source
    real_wording = validate._check_wording

    def read_file(path: Path, limit: int) -> tuple[bytes | None, int]:
        if path.suffix in (".md", ".yaml"):
            counts[Path(os.path.relpath(path)).as_posix()] += 1
        return real_read(path, limit)

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(load, "read_file", read_file)
    monkeypatch.setattr(load, "parse_yaml", counted("parse yaml", real_yaml))
    monkeypatch.setattr(load, "parse_markdown_source", counted("parse markdown", real_markdown))
    monkeypatch.setattr(validate, "_check_wording", counted("check wording", real_wording))
    # Counted in this process only: on a loaded machine the reads are slow enough for parallel.pmap to
    # fork a child for the second half of them (by wall time), whose counts would be lost.
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    return counts


def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample was copied a moment ago: inside the racy window every file would be read again
    (and found unchanged). With a window of zero, a file is settled once a build started after it."""
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)


def _article_title(site: Any, slug: str = "project-x") -> str:
    return next(article.title for article in site.articles if article.slug == slug)


def test_a_warm_build_opens_and_checks_only_the_changed_file(
    build: Callable[[], Any], opened: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled(monkeypatch)
    first = build()
    texts = {path.as_posix() for path in Path("content").rglob("*") if path.suffix in (".md", ".yaml")}
    markdown = {name for name in texts if name.endswith(".md")}
    assert {name for name in opened if name.startswith("content/")} == texts and len(markdown) >= 3
    assert opened["parse markdown"] == len(markdown) and opened["check wording"] >= len(markdown)

    opened.clear()
    assert _article_title(build()) == _article_title(first)
    assert opened == Counter(), "an unchanged site is neither opened nor parsed nor checked"

    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("Over het project.", "Over het project!"))
    opened.clear()
    build()
    assert opened == Counter({"content/articles/project-x.md": 1, "parse markdown": 1, "parse yaml": 1,
                              "check wording": 1})  # fmt: skip


def test_a_touched_file_is_read_again_and_found_unchanged(
    build: Callable[[], Any], opened: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled(monkeypatch)
    build()
    os.utime(ARTICLE)  # a new mtime, the same bytes
    opened.clear()
    build()
    assert opened["content/articles/project-x.md"] == 1 and opened["parse markdown"] == 1
    opened.clear()
    build()
    assert opened == Counter()


@pytest.fixture
def ctime_never_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system whose ctime does not move (or an edit in the same clock tick as the last one): then
    an edit that keeps the size and sets the mtime back leaves the whole stat as the journal knew it."""
    real = load._stat_key

    def stat_key(info: os.stat_result) -> tuple[int, int, int, int]:
        size, mtime_ns, inode, _ = real(info)
        return (size, mtime_ns, inode, 0)

    monkeypatch.setattr(load, "_stat_key", stat_key)


def _same_size_edit(path: Path, old: str, new: str, mtime_ns: int) -> None:
    assert len(old.encode()) == len(new.encode())
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_an_edit_inside_the_racy_window_is_seen_though_the_stat_is_the_same(
    build: Callable[[], Any], ctime_never_moves: None
) -> None:
    os.utime(ARTICLE)  # now: inside the window of the build that reads it
    written = ARTICLE.stat().st_mtime_ns
    assert _article_title(build()) == "Project X in de kijker"
    before = os.stat(ARTICLE)
    _same_size_edit(ARTICLE, "Project X", "Project Y", written)
    after = os.stat(ARTICLE)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert _article_title(build()) == "Project Y in de kijker"
    # Still racy (the build above started inside the window too): a second such edit is seen as well.
    _same_size_edit(ARTICLE, "Project Y", "Project Z", written)
    assert _article_title(build()) == "Project Z in de kijker"


def test_outside_the_racy_window_the_stat_is_trusted(build: Callable[[], Any], ctime_never_moves: None) -> None:
    """The counterpart of the test above, showing what the racy rule is for: the same edit to a file whose
    mtime lies long before the build is, by design, not looked for (with a ctime that moves, it is)."""
    old = time.time_ns() - HOUR_NS
    os.utime(ARTICLE, ns=(old, old))
    assert _article_title(build()) == "Project X in de kijker"
    _same_size_edit(ARTICLE, "Project X", "Project Y", old)
    assert _article_title(build()) == "Project X in de kijker"


def test_a_deleted_and_recreated_file_with_the_same_stat_is_seen(build: Callable[[], Any]) -> None:
    """Size and mtime kept, and often the inode too: the ctime of the new file (and inside the window the
    bytes) give it away."""
    written = ARTICLE.stat().st_mtime_ns
    assert _article_title(build()) == "Project X in de kijker"
    text = ARTICLE.read_text(encoding="utf-8")
    ARTICLE.unlink()
    ARTICLE.write_text(text.replace("Project X", "Project Q"), encoding="utf-8")
    os.utime(ARTICLE, ns=(written, written))
    assert _article_title(build()) == "Project Q in de kijker"


def _errors(build: Callable[[], Any]) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        build()
    return [error.render(Path.cwd()) for error in caught.value.errors]


def test_a_file_with_errors_is_reported_on_every_build_until_fixed(
    build: Callable[[], Any], opened: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settled(monkeypatch)
    text = ARTICLE.read_text(encoding="utf-8")
    ARTICLE.write_text(text.replace("type: spotlight", "type: spotlite\nkleur: rood"), encoding="utf-8")
    reported = _errors(build)
    assert any("ongeldige waarde 'spotlite' voor 'type'" in error for error in reported)
    assert any("onbekend veld 'kleur'" in error for error in reported)
    for _ in range(2):
        opened.clear()
        assert _errors(build) == reported  # the same bytes, every time
        assert opened == Counter(), "the errors come from the journal, not from reading the file again"
    ARTICLE.write_text(text, encoding="utf-8")
    assert _article_title(build()) == "Project X in de kijker"


def test_errors_from_the_journal_equal_those_of_a_cold_check(build: Callable[[], Any], project: Path) -> None:
    """Errors of every kind of file (YAML syntax, schema, wording, a missing image) from a warm build are
    the cold build's, byte for byte."""
    igs = Path("content/igs/noord.yaml")
    igs.write_text(igs.read_text(encoding="utf-8").replace("province: Antwerpen", "province: Antwerpn"))
    ARTICLE.write_text(
        ARTICLE.read_text(encoding="utf-8").replace(
            "tags: [jong talent]", "tags: [jong talent]\nimage:\n  src: images/foto.jpg\n  alt: Een foto"
        )
        + "\nEen project in de kijker.\n"
    )
    page = next(Path("content/pages").glob("*.md"))
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "title: [", 1))
    cold = _errors(lambda: load_and_validate(BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")))
    assert len(cold) >= 4
    assert _errors(build) == cold
    assert _errors(build) == cold


def test_a_missing_image_is_looked_up_on_every_build(build: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Which images exist is no part of a file's record: adding the image fixes the article unchanged."""
    _settled(monkeypatch)
    ARTICLE.write_text(
        ARTICLE.read_text(encoding="utf-8").replace(
            "tags: [jong talent]", "tags: [jong talent]\nimage:\n  src: images/foto.jpg\n  alt: Een foto"
        )
    )
    assert any("afbeelding 'images/foto.jpg' bestaat niet" in error for error in _errors(build))
    Path("content/images").mkdir()
    Image.new("RGB", (40, 30), (60, 90, 120)).save("content/images/foto.jpg")
    site = build()
    assert next(a for a in site.articles if a.slug == "project-x").image is not None
    Path("content/images/foto.jpg").unlink()
    assert any("afbeelding 'images/foto.jpg' bestaat niet" in error for error in _errors(build))


def _records(space_name: str, store: MemoryStore) -> Iterator[tuple[bytes, Any]]:
    for bucket in store.entries.get(space_name, {}).values():
        yield from bucket.items()


def _content_files() -> dict[str, load.ContentFile]:
    """The project's content text files as load_content lists them, by their path as shown."""
    files = load._scan(Path("content"), []).files()
    return {file.shown: file for file in files}


def test_the_igs_checks_run_again_only_when_an_igs_file_or_the_register_changed(
    build: Callable[[], Any], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks of the IGS files against the register and each other (members, overlap, lookalike
    names) are remembered by those files and the register: a rebuild that changed neither runs none,
    and after a change of an IGS file, of the folder it is shown from or of the register, the errors
    are those of a build without the cache."""
    _settled(monkeypatch)
    checked: Counter[str] = Counter()
    real = validate._check_igs

    def check_igs(slug: str, *args: Any) -> None:
        checked[slug] += 1
        real(slug, *args)

    monkeypatch.setattr(validate, "_check_igs", check_igs)
    build()
    assert checked == {"noord": 1, "zuid": 1}
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("Project X", "Project Y"), encoding="utf-8")
    build()
    assert checked == {"noord": 1, "zuid": 1}, "no IGS file changed"

    noord = Path("content/igs/noord.yaml")
    noord.write_text(noord.read_text(encoding="utf-8").replace("  - Olen\n", "  - Olen\n  - Nergenshuizen\n"))
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def cold() -> list[str]:
        with pytest.raises(ContentErrors) as caught:
            load_and_validate(options, Memo())
        return [error.render(Path.cwd()) for error in caught.value.errors]

    expected = cold()
    assert any("onbekende gemeente 'Nergenshuizen'" in error for error in expected)
    checked.clear()
    assert _errors(build) == expected
    assert _errors(build) == expected
    assert checked == {"noord": 1, "zuid": 1}, "checked once more, then remembered"
    (project / "elders").mkdir()
    monkeypatch.chdir(project / "elders")
    options = BuildOptions(Path("../content"), ROOT / "templates", ROOT / "assets")
    monkeypatch.setattr(validate, "_check_igs", real)
    shown = (project / "content").as_posix()  # display_path: outside the working folder, absolute
    for memo in (Memo(MemoryStore()), Memo(DiskStore(project / "cache"))):
        for _ in range(2):
            with pytest.raises(ContentErrors) as caught:
                load_and_validate(options, memo)
            memo.finish(success=False)
            assert [error.render(Path.cwd()) for error in caught.value.errors] == cold()
            assert any(error.path == f"{shown}/igs/noord.yaml" for error in caught.value.errors)

    raw = load.load_content(Path("../content"), Memo(), validate.JOURNAL)
    memo = Memo(MemoryStore())

    def unknown(register: bytes, name: str) -> list[str]:
        """The unknown municipalities a register that knows every name but `name` finds."""
        _, found = validate.validate_content(raw, lambda found: None if found == name else found, lambda _: "",
                                             register=register, memo=memo)  # fmt: skip
        return [error.message for error in found if error.message.startswith("onbekende gemeente")]

    assert unknown(b"a" * 20, "Nergenshuizen") == ["onbekende gemeente 'Nergenshuizen'"]
    assert unknown(b"b" * 20, "Herentals") == ["onbekende gemeente 'Herentals'"], "another register"


def test_records_round_trip_through_the_disk_codec(project: Path) -> None:
    """Every record of the sample (with dates, partial dates, tuples and errors) comes back from its
    disk form as it was: the head as it was encoded, the source parsed again from the file."""
    store = MemoryStore()
    text = ARTICLE.read_text(encoding="utf-8")
    ARTICLE.write_text(text.replace("type: spotlight", "type: spotlite"), encoding="utf-8")
    with pytest.raises(ContentErrors):
        load_and_validate(BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets"), Memo(store))
    codec = validate.JOURNAL.space.codec
    assert codec is not None
    records = dict(_records(validate.JOURNAL.space.name, store))
    assert len(records) >= 5 and any(record.checked.errors for record in records.values())
    files = _content_files()
    for key, row in codec.decode(codec.encode(records)).items():
        decoded = validate.JOURNAL.record_of(row)
        doc = decoded.source.front if isinstance(decoded.source, load.MarkdownSource) else decoded.source
        assert isinstance(doc, load._StoredDoc) and doc._reparse.file is None  # read when bound, if asked
        assert load._bound(files[doc.src_path], decoded, validate.JOURNAL) == records[key]


def test_checked_data_the_schema_does_not_describe_comes_back_as_it_was() -> None:
    """The journal keeps a file's checked data typed by its folder's schema (dates as text, turned back
    in the few fields that hold dates) only when that gives the very data back: other data (a date
    where the schema has a partial date, a date with a time, text where it has a date, an invalid
    value) is kept with every type tagged, and each comes back as it was."""
    codec = validate.JOURNAL.space.codec
    assert codec is not None
    day = dt.date(2024, 1, 2)
    shapes = [
        {"title": "T", "date": PartialDate(day, "month"), "tags": ("a", "b"), "updated": day,
         "person": {"name": "X", "as_of": PartialDate(day, "year")}, "draft": False, "nav": 3},
        {"title": "T", "date": day},
        {"title": "T", "date": dt.datetime(2024, 1, 2, 3, 4)},
        {"title": "T", "date": "2024-01-02"},
        {"title": validate.INVALID, "date": PartialDate(day, "day")},
        None,
    ]  # fmt: skip
    for data in shapes:
        check = validate.FileCheck(data, (), ((("image", "src"), "images/a.jpg", "images/a.jpg"),), True)
        record = load.Record(b"x" * 20, 1, None, (), check, (1, 2, 3, 4))
        back = validate.JOURNAL.record_of(codec.decode(codec.encode({"articles/a": record}))["articles/a"])
        assert back == record
        if data is not None:
            assert [type(value) for value in back.checked.data.values()] == [type(value) for value in data.values()]


def test_an_invalid_value_read_in_a_worker_process_is_the_one_marker_again(project: Path) -> None:
    """A file read in a worker process (parallel.pmap, which a slow cold build forks) comes back
    pickled: an invalid value in its checked data is the one INVALID marker again, so that its record
    equals one read in process (a load told of changes was once found unequal to a fresh one)."""
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlight", "type: x"), encoding="utf-8")
    source, _ = load.parse_markdown_source(ARTICLE.read_text(encoding="utf-8"), "content/articles/project-x.md")
    assert source is not None
    check = validate.check_file("articles", source)
    assert check.data["type"] is validate.INVALID and not check.complete
    back = pickle.loads(pickle.dumps(check))
    assert back == check and back.data["type"] is validate.INVALID


def test_a_record_made_from_another_folder_is_shown_from_this_one(project: Path, monkeypatch) -> None:
    """The journal is keyed by each file's place in content/, not by its path as shown (relative to
    the working folder): a build from another folder reads no file again, and shows every error of a
    stored record under the path it shows, as a build without the cache does."""
    _settled(monkeypatch)
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlight", "type: spotlite"))
    (project / "elders").mkdir()

    def build(content: Path) -> tuple[list[str], Memo]:
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        options = BuildOptions(content, ROOT / "templates", ROOT / "assets")
        with pytest.raises(ContentErrors) as found:
            load_and_validate(options, memo)
        memo.finish(success=False)
        return [str(error) for error in found.value.errors], memo

    here, _ = build(Path("content"))
    assert any(error.startswith("content/articles/project-x.md:") for error in here)
    monkeypatch.chdir(project / "elders")
    there, memo = build(Path("../content"))
    assert memo.misses(validate.JOURNAL.space.name) == 0, "no file read again"
    shown = (project / "content").as_posix()  # display_path: outside the working folder, absolute
    assert there == [error.replace("content/", f"{shown}/", 1) for error in here]
    with pytest.raises(ContentErrors) as cold:
        load_and_validate(BuildOptions(Path("../content"), ROOT / "templates", ROOT / "assets"), Memo())
    assert there == [str(error) for error in cold.value.errors]


def test_a_record_kept_in_memory_is_shown_from_another_folder_too(project: Path, monkeypatch) -> None:
    """The preview's memory keeps records as read, with the paths of that build: from another working
    folder their files are read again, so that every error and source names the path this build shows."""
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlight", "type: spotlite"))
    (project / "elders").mkdir()
    memo = Memo(MemoryStore())

    def errors(content: Path, memo: Memo) -> list[str]:
        with pytest.raises(ContentErrors) as found:
            load_and_validate(BuildOptions(content, ROOT / "templates", ROOT / "assets"), memo)
        memo.finish(success=False)
        return [str(error) for error in found.value.errors]

    here = errors(Path("content"), memo)
    assert any(error.startswith("content/articles/project-x.md:") for error in here)
    monkeypatch.chdir(project / "elders")
    there = errors(Path("../content"), memo)
    assert there == errors(Path("../content"), Memo()) != here
    raw = load.load_content(Path("../content"), memo, validate.JOURNAL)
    shown = (project / "content").as_posix()
    assert {source.front.src_path for _, source in raw.articles} == {
        f"{shown}/articles/{name}.md" for name in ("interview-noord", "later", "project-x")
    }


def test_the_cli_reports_the_same_errors_on_every_cached_build(run_cli, project: Path) -> None:
    """What an editor reads: every `build` with the cache prints the errors of a build without it."""
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("date: 2023-03", "date: 2023-13"))
    common = ["build", "--content", "content", "--output", "site"]
    cold = run_cli(*common, "--no-cache")
    assert cold[0] == 1 and "content/articles/project-x.md:4" in cold[2]
    for _ in range(3):
        assert run_cli(*common, "--cache", "cache") == cold
    assert any(Path("cache").rglob("memo.sqlite"))


def test_a_failed_read_is_never_trusted(build: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A read that failed for a passing reason (the stat does not change when it passes) is tried again."""
    import errno

    _settled(monkeypatch)
    real_read = load.read_file

    def refusing(path: Path, limit: int) -> tuple[bytes | None, int]:
        if path.name == ARTICLE.name:
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real_read(path, limit)

    monkeypatch.setattr(load, "read_file", refusing)
    assert any("project-x.md: kan het bestand niet lezen" in error for error in _errors(build))
    monkeypatch.setattr(load, "read_file", real_read)
    assert _article_title(build()) == "Project X in de kijker"


def test_records_read_in_worker_processes_equal_those_read_in_process(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold build of a large site reads, parses and checks its files on every core (memo.remembered_all):
    the records come back through pickling, errors (a YAML error, a schema error, INVALID values, partial
    dates) included. Forced here on the sample."""
    import multiprocessing

    from sitegen import parallel

    if parallel.workers() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs two cores and fork")
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    valid = load_and_validate(options)
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlight", "type: spotlite"))
    page = next(Path("content/pages").glob("*.md"))
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "title: [", 1))
    sequential = _errors(lambda: load_and_validate(options))
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlite", "type: spotlight"))
    page.write_text(page.read_text(encoding="utf-8").replace("title: [", "title:", 1))

    calls: list[int] = []
    original = parallel.pmap

    def forced(fn: Callable[[Any], Any], items: Any, *, min_items: int = parallel.MIN_ITEMS) -> list[Any]:
        calls.append(len(items))
        return original(fn, items, min_items=1)

    monkeypatch.setattr(parallel, "pmap", forced)
    assert load_and_validate(options) == valid
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("type: spotlight", "type: spotlite"))
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "title: [", 1))
    assert _errors(lambda: load_and_validate(options)) == sequential
    assert calls and calls[0] >= 5


def test_a_warm_build_decodes_no_source_document_an_error_does_not_need(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record read back from the disk keeps no YAML document (data, positions, raw text): the
    checks' results beside it are all a build needs of an unchanged file. Only an error that points
    into an unchanged file parses that file again, and says what a cold build says."""
    _settled(monkeypatch)
    decoded: Counter[str] = Counter()
    real = load.parse_yaml  # every file's parse, Markdown front matter included

    def counted(text: str, shown: str, *args: Any, **kwargs: Any) -> Any:
        decoded[shown] += 1
        return real(text, shown, *args, **kwargs)

    monkeypatch.setattr(load, "parse_yaml", counted)
    # Every file parsed in this process, where it is counted: on a loaded machine the cold build's
    # parses were slow enough for parallel.pmap to fork some of them away.
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> list[str]:
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        try:
            load_and_validate(options, memo)
        except ContentErrors as errors:
            memo.finish(success=False)
            return [error.render(Path.cwd()) for error in errors.errors]
        memo.finish(success=True)
        return []

    assert build() == [] and len(decoded) >= 5  # cold: every file parsed
    decoded.clear()
    assert build() == [] and decoded == Counter(), "no unchanged document is parsed again"
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("Over het project.", "Over het project!"))
    assert build() == [] and decoded == Counter({ARTICLE.as_posix(): 1}), "only the changed file"
    decoded.clear()

    zuid = Path("content/igs/zuid.yaml")
    zuid.write_text(zuid.read_text(encoding="utf-8").replace("name: Zuid", "name: Cultuurregio Noord"))
    errors = build()
    assert any("content/igs/noord.yaml:1" in error for error in errors), errors
    assert decoded == Counter({"content/igs/zuid.yaml": 1, "content/igs/noord.yaml": 1}), (
        "the changed file, and the file the error points into"
    )
    with pytest.raises(ContentErrors) as cold:
        load_and_validate(options, Memo())
    assert errors == [error.render(Path.cwd()) for error in cold.value.errors]


def test_a_build_asks_the_journal_for_its_buckets_not_for_each_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The records are kept in a few dozen buckets: a build asks the store for all of them at once
    (not one key per file), and an edit writes only the bucket of the edited file again. Meanwhile
    the cyclic garbage collector pauses (it would visit every record again and again) and resumes."""
    import gc

    from sitegen import pipeline

    _settled(monkeypatch)
    # The preview's tests may leave the collector off (it is off from a rebuild until the editor pauses).
    request.addfinalizer(gc.enable if gc.isenabled() else gc.disable)
    gc.enable()
    asked: list[int] = []
    real_get_many, real_model = DiskStore.get_many, pipeline.build_model
    collecting: list[bool] = []

    def get_many(self: DiskStore, space: Any, keys: Any) -> Any:
        if space.name == validate.JOURNAL.space.name:
            asked.append(len(keys))
        return real_get_many(self, space, keys)

    def build_model(*args: Any, **kwargs: Any) -> Any:
        collecting.append(gc.isenabled())
        return real_model(*args, **kwargs)

    monkeypatch.setattr(DiskStore, "get_many", get_many)
    monkeypatch.setattr(pipeline, "build_model", build_model)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> Memo:
        asked.clear()
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        load_and_validate(options, memo)
        memo.finish(success=True)
        return memo

    build()
    memo = build()
    assert asked == [load.JOURNAL_BUCKETS]
    assert memo.finished[validate.JOURNAL.space.name][1] == 0, "nothing written again"
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("Over het project.", "Over het project!"))
    assert build().finished[validate.JOURNAL.space.name][1] == 1, "one bucket written again"
    assert collecting and not any(collecting) and gc.isenabled()


def _loaded(raw: load.RawContent) -> tuple[Any, ...]:
    """What a load found, to compare with another load: errors, files with their paths, versions, checks."""
    stories = [
        (slug, source.front.src_path, source.front.data, source.body) for slug, source in raw.articles + raw.pages
    ]
    igs = [(slug, doc.src_path, doc.data) for slug, doc in raw.igs]
    return [str(e) for e in raw.errors], raw.site.data, igs, stories, dict(raw.versions), dict(raw.checked)


def test_told_changes_look_again_at_those_paths_alone(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Told which paths changed (the preview's file events), a load looks at those entries alone and
    keeps the other files' records: after edits, additions, renames, deletions, strays, bad names,
    folders and invalid content it finds what a load without the memo finds. A link or a second name
    (whose changes another path's events would tell) and a text folder changed as a whole make it look
    at every file again."""
    memo = Memo(MemoryStore())
    content = Path("content")
    looked: list[str] = []
    real = load._outcome
    monkeypatch.setattr(load, "_outcome", lambda *args: looked.append(args[2].name) or real(*args))

    def step(changed: set[str] | None, edit: Callable[[], object] = lambda: None) -> list[str]:
        edit()
        looked.clear()
        raw = load.load_content(content, memo, validate.JOURNAL, changed)
        memo.finish(success=True)
        seen = sorted(looked)
        assert _loaded(raw) == _loaded(load.load_content(content, Memo(), validate.JOURNAL))
        return seen

    def every() -> int:
        return sum(
            len(os.listdir(content / name)) for name in ("igs", "articles", "pages") if (content / name).is_dir()
        )

    assert len(step(None)) == every() == 6
    article = content / "articles" / "project-x.md"
    text = article.read_text(encoding="utf-8")
    assert step({"articles/project-x.md"}, lambda: article.write_text(text.replace("Project X", "Project Y"))) == [
        "project-x.md"
    ]
    assert step({"articles/project-x.md"}, lambda: article.write_text(text.replace("type: spotlight", "type: x"))) == [
        "project-x.md"
    ], "an invalid file"
    assert step({"articles/notes.txt"}, lambda: (content / "articles" / "notes.txt").write_text("x")) == ["notes.txt"]
    assert step({"articles/Nieuw Verhaal.md"}, lambda: (content / "articles" / "Nieuw Verhaal.md").write_text(text))
    assert step({"articles/nieuw.md"}, lambda: (content / "articles" / "nieuw.md").write_text(text)) == ["nieuw.md"]
    renamed = {"articles/nieuw.md", "articles/anders.md"}
    assert step(renamed, lambda: (content / "articles" / "nieuw.md").rename(content / "articles" / "anders.md")) == [
        "anders.md"
    ]
    assert step({"articles/anders.md"}, (content / "articles" / "anders.md").unlink) == []
    assert step({"articles/map", "articles/map/x.md"}, lambda: (content / "articles" / "map").mkdir()) == ["map"]
    site = content / "site.yaml"
    assert step({"site.yaml"}, lambda: site.write_text(site.read_text(encoding="utf-8") + "\n# ja\n")) == []
    assert step({"images/a.png", "geo/other.json"}) == [], "read on every build"
    assert step(set(), lambda: (content / "igs" / "notities.tmp").write_text("x")) == ["notities.tmp"], "no event"
    assert step(set(), (content / "igs" / "notities.tmp").unlink) == [], "gone without an event"
    assert step({"articles/project-x.md"}, lambda: article.write_text(text)) == ["project-x.md"]
    assert len(step({"pages"}, lambda: shutil.rmtree(content / "pages"))) == every(), "a folder as a whole"

    os.link(article, content / "articles" / "tweede.md")
    assert step({"articles/tweede.md"}) == ["tweede.md"]
    assert len(step({"igs/noord.yaml"})) == every(), "a second name: every file again"
    (content / "articles" / "tweede.md").unlink()
    step({"articles/tweede.md"})
    assert step({"igs/noord.yaml"}) == ["noord.yaml"]
    (content / "articles" / "link.md").symlink_to(article.resolve())
    step({"articles/link.md"})
    assert len(step({"igs/noord.yaml"})) == every(), "a link: every file again"


def test_the_stats_of_the_no_op_checks_walk_stand_for_the_files(
    project: Path, opened: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build takes each content file's stat from the walk that looked for changes (tree_state) instead
    of asking again: taken before the file is read, it is the stat the record stands for, so a file
    edited between the walk and its read shows its new bytes and is read again by the next build. A path
    the walk found to be something else than a regular file (a folder then, an error) is asked again."""
    from sitegen.tree import ReadAhead, Walk, tree_state

    _settled(monkeypatch)
    content = Path("content")

    def load_now(states: dict[str, Any] | None = None) -> load.RawContent:
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        walked = dict(tree_state([content])) if states is None else states
        raw = load.load_content(content, memo, validate.JOURNAL, None, Walk(walked, ReadAhead()))
        memo.finish(success=True)
        return raw

    def title(raw: load.RawContent) -> str:
        return next(source.front.data["title"] for slug, source in raw.articles if slug == "project-x")

    load_now()
    opened.clear()
    load_now()
    assert opened == Counter(), "the walk's stats are the journal's stats: nothing is read again"

    text = ARTICLE.read_text(encoding="utf-8")
    ARTICLE.write_text(text.replace("title: Project X in de kijker", "title: Project X, anders"))
    walked = dict(tree_state([content]))  # the walk sees the first edit; the second comes before the read
    ARTICLE.write_text(text.replace("title: Project X in de kijker", "title: Project X, nog eens anders"))
    opened.clear()
    assert title(load_now(walked)) == "Project X, nog eens anders", "the bytes read after the walk"
    assert opened["content/articles/project-x.md"] == 1
    opened.clear()
    assert title(load_now()) == "Project X, nog eens anders", "its record stands for the walk's stat"
    assert opened["content/articles/project-x.md"] == 1, "read again: the file's stat is not the walk's"
    opened.clear()
    load_now()
    assert opened == Counter()

    real = {file.path: file.stat for file in load._scan(content, []).files()}
    folder_state = walked[str(content / "articles")]
    misleading = {**walked, str(ARTICLE): folder_state, str(content / "igs" / "noord.yaml"): (-1, 2)}
    assert {file.path: file.stat for file in load._scan(content, [], misleading).files()} == real


def test_a_cli_build_with_the_cache_takes_the_stats_of_its_no_op_check(
    run_cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`build` hands the walk of its no-op check to the load (the test above: what that is worth)."""
    from sitegen import pipeline

    given: list[Any] = []
    real = pipeline.load_content
    monkeypatch.setattr(pipeline, "load_content", lambda *args: given.append(args[4]) or real(*args))
    assert run_cli("build", "--content", "content", "--output", "site", "--cache", "cache")[0] == 0
    files = load._scan(Path("content"), []).files()
    assert len(given) == 1 and len(files) == 7  # site.yaml, 2 IGS, 4 stories
    assert all(given[0].states[file.path][3:] == file.stat for file in files)


def test_a_racy_file_is_built_from_the_bytes_the_walk_read(project: Path, opened: Counter[str]) -> None:
    """The no-op check's walk reads a racy file right after its stat (tree.read_ahead): the load takes
    those bytes instead of opening the file again, so the build is made of what the walk's digest of
    them names (sitegen/fingerprint.py), even where the file changed in between."""
    from sitegen.tree import ReadAhead, Walk, tree_state

    content = Path("content")
    walked = dict(tree_state([content]))
    read = ARTICLE.read_text(encoding="utf-8").replace("title: Project X in de kijker", "title: Zoals gelezen")
    data = read.encode("utf-8")
    ahead = ReadAhead({str(ARTICLE): (data, len(data), time.time_ns())})
    assert not ahead.all_taken()
    raw = load.load_content(content, Memo(DiskStore(project / "cache")), validate.JOURNAL, None, Walk(walked, ahead))
    title = next(source.front.data["title"] for slug, source in raw.articles if slug == "project-x")
    assert title == "Zoals gelezen"
    assert opened[ARTICLE.as_posix()] == 0 and opened["content/igs/noord.yaml"] == 1
    assert ahead.all_taken()


def test_the_walk_reads_ahead_only_what_its_bytes_can_vouch_for(tmp_path: Path) -> None:
    """read_ahead: the racy regular files' bytes; a racy folder needs none (its entries are walked);
    a racy link, a file too large to read or more files than allowed make the walk's stats unfit
    to be remembered (None)."""
    from sitegen.tree import MAX_TEXT_BYTES, content_digest, read_ahead, tree_state

    root = tmp_path / "in"
    (root / "map").mkdir(parents=True)
    (root / "map" / "a.md").write_bytes(b"eerste")
    (root / "b.yaml").write_bytes(b"tweede")
    old = time.time() - 3600
    os.utime(root / "b.yaml", (old, old))
    since = os.stat(root / "map" / "a.md").st_ctime_ns  # a.md and the folders are racy; b.yaml's ctime too
    ahead = read_ahead(tree_state([root]), since, 8)
    assert ahead is not None
    assert ahead.digests() == {
        str(root / "b.yaml"): content_digest(b"tweede").hex(),
        str(root / "map" / "a.md"): content_digest(b"eerste").hex(),
    }
    assert read_ahead(tree_state([root]), since, 1) is None
    assert read_ahead(tree_state([root]), time.time_ns() + 10**9, 0).digests() == {}  # nothing racy
    (root / "link.md").symlink_to(root / "b.yaml")
    assert read_ahead(tree_state([root]), since, 8) is None
    (root / "link.md").unlink()
    (root / "groot.md").write_bytes(b"x" * (MAX_TEXT_BYTES + 1))
    assert read_ahead(tree_state([root]), since, 8) is None


def test_a_deleted_file_leaves_its_bucket_and_only_that_bucket_is_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build writes again only the buckets of what changed: a deleted file's record leaves the one
    bucket that held it, the other buckets are not written, and a file added back is in it again."""
    _settled(monkeypatch)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    written: list[bytes] = []
    real_put = DiskStore.put

    def put(self: DiskStore, space: Any, key: bytes, value: Any) -> None:
        if space.name == validate.JOURNAL.space.name:
            written.append(key)
        real_put(self, space, key, value)

    monkeypatch.setattr(DiskStore, "put", put)

    def build() -> dict[str, Any]:
        written.clear()
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        load_and_validate(options, memo)
        memo.finish(success=True)
        store = DiskStore(project / "cache")
        return dict(store.get_many(validate.JOURNAL.space, load._BUCKETS))

    build()
    held = build()
    assert written == []
    place = "articles/project-x"
    bucket = load._bucket_key(place)
    assert place in held[bucket]
    text = ARTICLE.read_text(encoding="utf-8")
    ARTICLE.unlink()
    after = build()
    assert written == [bucket]
    assert place not in after[bucket] and after[bucket].keys() == held[bucket].keys() - {place}
    assert {name: records.keys() for name, records in after.items() if name != bucket} == {
        name: records.keys() for name, records in held.items() if name != bucket
    }
    ARTICLE.write_text(text, encoding="utf-8")
    assert place in build()[bucket] and written == [bucket]


def _stored_stories(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stories each load takes from their journal rows as they are (load.StoredStory), by slug."""
    taken: list[str] = []
    real = load._stored_story

    def stored_story(file: load.ContentFile, row: tuple[Any, ...], journal: load.Journal) -> Any:
        story = real(file, row, journal)
        if story is not None:
            taken.append(story.slug)
        return story

    monkeypatch.setattr(load, "_stored_story", stored_story)
    return taken


def _cold_site() -> Any:
    return load_and_validate(BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets"), Memo())


def test_a_cli_build_takes_settled_stories_from_their_rows_and_makes_the_same_site(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm CLI build makes no record of a settled story without problems: it is made from its journal
    row (its stat, path, digest and checked data) into the very site a build without the cache makes,
    the story dated in the future left out as before; an edited story is read again."""
    _settled(monkeypatch)
    taken = _stored_stories(monkeypatch)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> Any:
        """A build compared with one without the cache (the bodies read before the build ends)."""
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        site, cold = load_and_validate(options, memo), _cold_site()
        assert site == cold
        assert [(a.slug, a.version, a.body.html) for a in site.articles] == [
            (a.slug, a.version, a.body.html) for a in cold.articles
        ]
        memo.finish(success=True)
        return site

    build()
    assert taken == []
    site = build()
    assert sorted(taken) == ["interview-noord", "later", "project-x"]
    assert [w.url for w in site.withheld] == ["/verhalen/later/"]
    taken.clear()
    ARTICLE.write_text(ARTICLE.read_text(encoding="utf-8").replace("Project X", "Project Y"), encoding="utf-8")
    assert _article_title(build()) == "Project Y in de kijker"
    assert sorted(taken) == ["interview-noord", "later"]
    taken.clear()
    build()
    assert sorted(taken) == ["interview-noord", "later", "project-x"]


def test_a_same_stat_edit_of_a_stored_story_inside_the_racy_window_is_seen(
    project: Path, monkeypatch: pytest.MonkeyPatch, ctime_never_moves: None
) -> None:
    """A story's row is taken as it is only when its stat lies outside the racy window of the build that
    wrote it: an edit that keeps size, mtime, inode and ctime, made inside it, is read (the row is stale)."""
    taken = _stored_stories(monkeypatch)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> Any:
        memo = Memo(DiskStore(project / "cache"))
        site = load_and_validate(options, memo)
        memo.finish(success=True)
        return site

    old = time.time_ns() - HOUR_NS
    for path in Path("content").rglob("*.*"):
        os.utime(path, ns=(old, old))
    os.utime(ARTICLE)  # now: inside the window of the builds that read it
    written = ARTICLE.stat().st_mtime_ns
    build()
    assert _article_title(build()) == "Project X in de kijker"
    assert "project-x" not in taken and "interview-noord" in taken, "only the settled stories are taken"
    before = os.stat(ARTICLE)
    _same_size_edit(ARTICLE, "Project X", "Project Y", written)
    after = os.stat(ARTICLE)
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert _article_title(build()) == "Project Y in de kijker"


@pytest.mark.parametrize("change", ["removed", "renamed"])
def test_a_stored_story_naming_an_igs_gone_since_gets_its_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The one check of a story across files runs on every build, for the stories taken from their rows
    too: the IGS it names removed (or renamed) since, each unchanged story that names it is reported on
    its own line, as a build without the cache reports it."""
    _settled(monkeypatch)
    taken = _stored_stories(monkeypatch)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def build() -> Any:
        memo = Memo(DiskStore(project / "cache"))
        try:
            return load_and_validate(options, memo)
        finally:
            memo.finish(success=False)

    build()
    build()
    assert "project-x" in taken
    igs = Path("content/igs/noord.yaml")
    if change == "removed":
        igs.unlink()
    else:
        igs.rename(igs.with_name("noordrand.yaml"))
    taken.clear()
    cold = _errors(_cold_site)
    warm = _errors(build)
    assert warm == cold and "project-x" in taken
    assert any("content/articles/project-x.md:5" in error and "onbekend IGS 'noord'" in error for error in warm)
    assert any("content/articles/interview-noord.md:6" in error and "onbekend IGS 'noord'" in error for error in warm)


def test_the_model_takes_a_stored_storys_values_in_the_order_the_journal_keeps_them() -> None:
    """A story's checked data is kept as the values of its schema's fields, in their order; the model
    unpacks them by position (model.STORED_STORY_FIELDS): a field added or moved in the schema must be
    added or moved there too."""
    from sitegen import model

    assert validate.FIELDS["articles"] == model.STORED_STORY_FIELDS


def test_a_walked_folder_is_listed_at_once_as_each_entry_would_be(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text folder whose every entry is a file with a slug's name that the walk found (tree_state) is
    listed for all at once (load._walked_files); any other entry (a stray, a hidden file, an editor's
    backup, a bad name, a folder, a link) has the whole folder looked at entry by entry, with the very
    files and errors a listing that stats each entry finds."""
    from sitegen.tree import tree_state

    content = Path("content")
    outcomes: list[str] = []
    real = load._outcome
    monkeypatch.setattr(load, "_outcome", lambda folder, *args: outcomes.append(folder) or real(folder, *args))

    def both() -> tuple[list[Any], set[str]]:
        """The files the walked listing finds (the same as a listing that stats each entry finds) and
        the folders it looked at entry by entry."""
        walked: list[Any] = []
        asked: list[Any] = []
        outcomes.clear()
        files = load._scan(content, walked, dict(tree_state([content]))).files()
        looked = set(outcomes)
        assert [(file.path, file.stat) for file in files] == [
            (file.path, file.stat) for file in load._scan(content, asked).files()
        ]
        assert walked == asked
        return files, looked

    files, looked = both()
    assert "articles" not in looked, "every story at once"
    slugs = [file.slug for file in files if file.folder == "articles"]
    articles = content / "articles"
    for name in [".verborgen.md", "kopie.md~", "notities.txt", "Hoofdletters.md", "map.md"]:
        (articles / name).mkdir() if name == "map.md" else (articles / name).write_text("x", encoding="utf-8")
        files, looked = both()
        assert [file.slug for file in files if file.folder == "articles"] == slugs, name
        assert "articles" in looked, name
        shutil.rmtree(articles / name) if name == "map.md" else (articles / name).unlink()
    (articles / "link.md").symlink_to(ARTICLE.resolve())
    files, looked = both()
    assert "link" in {file.slug for file in files} and "articles" in looked


def test_a_record_moved_to_this_folders_paths_is_kept_so(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A record read back under another path as shown (a build from another working folder) is kept
    under the path this build shows: the next build from this folder takes its story as it is, where
    every later build used to bind each record to the new path again (a fifth of a rebuild's load)."""
    _settled(monkeypatch)
    taken = _stored_stories(monkeypatch)
    (project / "elders").mkdir()

    def build(content: Path) -> None:
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        load_and_validate(BuildOptions(content, ROOT / "templates", ROOT / "assets"), memo)
        memo.finish(success=True)

    build(Path("content"))
    build(Path("content"))
    assert sorted(taken) == ["interview-noord", "later", "project-x"]
    monkeypatch.chdir(project / "elders")
    taken.clear()
    build(Path("../content"))
    assert taken == [], "shown under another path: bound to this one"
    build(Path("../content"))
    assert sorted(taken) == ["interview-noord", "later", "project-x"]
