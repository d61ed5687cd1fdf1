"""The link check by difference (sitegen/linkcheck.py, LinkIndex) finds exactly what a full check
finds, after any sequence of edits, with either store; and a rebuild parses only the pages that changed."""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from sitegen import linkcheck, parallel
from sitegen.errors import ContentErrors
from sitegen.linkcheck import LinkResolver, find_broken_links, parse_pages
from sitegen.memo import Memo
from sitegen.pipeline import BuildOptions, build_files
from sitegen.stores import DiskStore, MemoryStore
from sitegen.urls import page_url

BASE_URL, BASE_PATH = "https://voorbeeld.example/", "/"  # the sample site's
SLOTS = 5  # extra pages, files and anchors come and go under a few names, so links to them break and heal


def _no_search(files: object, memo: object) -> dict[str, bytes]:
    return {}


@pytest.fixture(scope="module")
def sample_files() -> dict[str, bytes]:
    options = BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets")
    return build_files(options, Memo(), _no_search)[1]


# --- edits of the rendered files ----------------------------------------------------------------


def _pages(files: dict[str, bytes]) -> list[str]:
    return sorted(name for name in files if name.endswith(".html"))


def _insert(files: dict[str, bytes], page: str, html: str) -> None:
    data = files[page]
    at = data.rfind(b"</body>")
    at = len(data) if at < 0 else at
    files[page] = data[:at] + html.encode("utf-8") + data[at:]


def _link(files: dict[str, bytes], rng: random.Random, on: str) -> str:
    """A link (on page `on`) to something that exists, existed, or may come to exist; mostly one
    that works now, so that many pages have no broken link and must be found again when it breaks."""
    page = rng.choice(_pages(files))
    slot, anchor = rng.randrange(SLOTS), f"a{rng.randrange(SLOTS)}"
    ids = re.findall(r'id="([^"]+)"', files[page].decode("utf-8")) or ["x"]
    choices = [
        page_url(page),
        f"{page_url(page)}#{rng.choice(ids)}",
        f"{page_url(page)}#{anchor}",
        f"/extra/p{slot}/",
        f"/extra/p{slot}/#{anchor}",
        f"{BASE_URL}extra/p{slot}/#{anchor}",
        f"/extra/p{slot}",  # the file extra/pN, else the folder's index.html
        f"/extra/p{slot}#{anchor}",
        f"/extra/p{slot}.html#{anchor}",  # the page extra/pN.html, else the folder's index.html
        f"../p{slot}/",
        f"/extra/bestand-{slot}.pdf",
        f"#{anchor}",
    ]
    working = [value for value in choices if _works(files, on, value)]
    return rng.choice(working if working and rng.random() < 0.7 else choices)


def _works(files: dict[str, bytes], page: str, value: str) -> bool:
    target, fragment, _ = LinkResolver(files, BASE_URL, BASE_PATH).resolve(value, page)
    if target is None or fragment in ("", "top") or not target.endswith(".html"):
        return target is not None
    data = files.get(page, b"") if target == page else files[target]
    return f'id="{fragment}"'.encode() in data


def _add_page(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    name = rng.choice(["extra/p{}/index.html", "extra/p{}.html/index.html", "extra/p{}.html"]).format(
        rng.randrange(SLOTS)
    )
    ids = "".join(f'<h2 id="a{k}">{k}</h2>' for k in rng.sample(range(SLOTS), rng.randrange(SLOTS)))
    links = "".join(f'<a class="e" href="{_link(files, rng, name)}">x</a>' for _ in range(rng.randrange(4)))
    files[name] = f"<!doctype html><html><body>{ids}{links}</body></html>".encode()
    return f"add {name}"


def _remove_page(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    extras = [name for name in _pages(files) if name.startswith("extra/")]
    name = rng.choice(extras if extras and rng.random() < 0.8 else _pages(files))
    del files[name]
    return f"remove {name}"


def _rename_page(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    name = rng.choice(_pages(files))
    new = f"extra/p{rng.randrange(SLOTS)}/index.html"
    files[new] = files.pop(name)
    return f"rename {name} -> {new}"


def _add_anchor(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    page = rng.choice(_pages(files))
    anchor = f"a{rng.randrange(SLOTS)}"
    _insert(files, page, f'<h2 id="{anchor}">kop</h2>')
    return f"anchor #{anchor} on {page}"


def _remove_anchor(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    page = rng.choice(_pages(files))
    ids = re.findall(r' id="([^"]+)"', files[page].decode("utf-8"))
    if not ids:
        return "nothing"
    anchor = rng.choice(ids)
    files[page] = files[page].replace(f' id="{anchor}"'.encode(), b"", 1)
    return f"no #{anchor} on {page}"


def _add_link(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    page = rng.choice(_pages(files))
    value = _link(files, rng, page)
    _insert(files, page, f'<a class="e" href="{value}">x</a>')
    return f"link {value} on {page}"


def _remove_link(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    page = rng.choice(_pages(files))
    added = re.findall(rb'<a class="e" href="[^"]*">x</a>', files[page])
    if not added:
        return "nothing"
    files[page] = files[page].replace(rng.choice(added), b"", 1)
    return f"unlink on {page}"


def _toggle_file(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    name = rng.choice([f"extra/p{rng.randrange(SLOTS)}", f"extra/bestand-{rng.randrange(SLOTS)}.pdf"])
    if files.pop(name, None) is None:
        files[name] = b"%PDF"
        return f"add file {name}"
    return f"remove file {name}"


def _sitemap_entry(files: dict[str, bytes], rng: random.Random, n: int) -> str:
    loc = f"<url><loc>{BASE_URL}extra/p{rng.randrange(SLOTS)}/</loc></url>".encode()
    files["sitemap.xml"] = files["sitemap.xml"].replace(b"</urlset>", loc + b"</urlset>")
    return "sitemap entry"


FILE_EDITS: list[Callable[[dict[str, bytes], random.Random, int], str]] = [
    _add_page, _add_page, _remove_page, _rename_page, _add_anchor, _remove_anchor, _add_link, _add_link,
    _remove_link, _remove_link, _toggle_file, _sitemap_entry, lambda files, rng, n: "nothing",
]  # fmt: skip


def _restore(original: dict[str, bytes]) -> Callable[[dict[str, bytes], random.Random, int], str]:
    """Puts one page or file of the sample back as it was: what another edit broke heals."""

    def restore(files: dict[str, bytes], rng: random.Random, n: int) -> str:
        changed = sorted(name for name, data in original.items() if files.get(name) != data)
        if not changed:
            return "nothing"
        name = rng.choice(changed)
        files[name] = original[name]
        return f"restore {name}"

    return restore


def _lose_part(memo: Memo, bucket: int) -> None:
    """Drops one part of the stored link terms, as a damaged cache would."""
    _lose(memo, linkcheck.LINK_TERMS[bucket].name)


def _lose(memo: Memo, space: str) -> None:
    if isinstance(memo.store, MemoryStore):
        memo.store.entries.pop(space, None)
    else:
        assert isinstance(memo.store, DiskStore)
        with sqlite3.connect(memo.store.path) as db:
            db.execute("DELETE FROM entries WHERE space = ?", (space,))


def _assert_whole(store: MemoryStore | DiskStore, key: bytes) -> None:
    """The stored index has every part it names, and each part holds exactly its bucket's pages."""
    memo = Memo(store)
    index = linkcheck.recalled_index(memo, key)
    assert index is not None
    for bucket, space in enumerate(linkcheck.LINK_TERMS):
        part = memo.recalled(space, index.parts[bucket])
        assert part is not None, f"part {bucket} is missing"
        assert part.pages == sorted(name for name in index.pages if linkcheck._bucket(name) == bucket)


@pytest.mark.parametrize(("seed", "losing"), [(1, False), (2, False), (3, True), (4, False), (5, True)])
def test_link_check_by_difference_equals_a_full_check(
    sample_files: dict[str, bytes], tmp_path: Path, seed: int, losing: bool
) -> None:
    """`losing`: now and then a part of the stored terms is lost between builds."""
    rng = random.Random(seed)
    files = dict(sample_files)
    memos = {"memory": Memo(MemoryStore()), "disk": Memo(DiskStore(tmp_path / "cache"))}
    edits = [*FILE_EDITS, _restore(sample_files), _restore(sample_files)]
    history: list[str] = []
    broken_builds = healed = partial_builds = 0
    last: list[linkcheck.Broken] = []
    for n in range(50):
        if n:
            history.append(rng.choice(edits)(files, rng, n))
        full = find_broken_links(dict(files), BASE_URL, BASE_PATH)
        # Render keys for some pages, as render gives them (a key always stands for the same bytes).
        keys = {name: hashlib.sha256(data).digest() for name, data in files.items() if rng.random() < 0.5}
        for name, memo in memos.items():
            if name == "disk":
                memo.store = DiskStore(tmp_path / "cache")  # a new process: nothing but the file
            read = parse_pages(files, memo, BASE_URL, BASE_PATH, keys)
            found = find_broken_links(files, BASE_URL, BASE_PATH, memo, read)
            assert found == full, f"{name} differs after: {'; '.join(history)}"
            if n:
                assert memo.hits("link-index") == 1, f"{name}: the last build's index was not used"
            partial_builds += len(read.fresh) < len(read.pages)
            memo.finish(success=not found)
            if losing and rng.random() < 0.3:
                _lose_part(memo, rng.randrange(linkcheck.BUCKETS))
            elif not losing:
                _assert_whole(memo.store if name == "memory" else DiskStore(tmp_path / "cache"), read.key)
        broken_builds += bool(full)
        healed += bool(set(last) - set(full))
        last = full
    assert broken_builds > 5 and healed > 3, "the edits both break and heal links"
    assert partial_builds > 40, "most builds parse only part of the pages"


# --- edits of the content, through the whole pipeline ---------------------------------------------

ARTICLES = "articles"


def _write_article(content: Path, slug: str, body: str) -> None:
    front = (content / ARTICLES / "project-x.md").read_text(encoding="utf-8").split("---\n")[1]
    front = front.replace("title: Project X in de kijker", f"title: Artikel {slug}")
    (content / ARTICLES / f"{slug}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def _content_edits(content: Path, rng: random.Random) -> list[Callable[[int], str]]:
    project = content / ARTICLES / "project-x.md"

    def add_article(n: int) -> str:
        slug = f"extra-{rng.randrange(3)}"
        heading = "\n## Tweede deel\n\nMeer.\n" if rng.random() < 0.5 else ""
        _write_article(content, slug, f"Tekst {n}.\n{heading}")
        return f"add {slug}"

    def remove_article(n: int) -> str:
        added = sorted((content / ARTICLES).glob("extra-*.md"))
        if not added:
            return add_article(n)
        path = rng.choice(added)
        path.unlink()
        return f"remove {path.name}"

    def rename_article(n: int) -> str:
        added = sorted((content / ARTICLES).glob("extra-*.md"))
        if not added:
            return add_article(n)
        path = rng.choice(added)
        new = content / ARTICLES / f"extra-{rng.randrange(3)}.md"
        path.rename(new)
        return f"rename {path.name} -> {new.name}"

    def add_link(n: int) -> str:
        target = rng.choice(["/verhalen/project-x/#ruimte", "/igs/noord/#nergens", "/igs/zuid/",
                             f"/verhalen/extra-{rng.randrange(3)}/", f"/verhalen/extra-{rng.randrange(3)}/#tweede-deel",
                             "/verhalen/interview-noord/"])  # fmt: skip
        path = rng.choice([project, content / ARTICLES / "interview-noord.md", content / "pages" / "contact.md"])
        path.write_text(path.read_text(encoding="utf-8") + f"\nZie [dit]({target}).\n", encoding="utf-8")
        return f"link {target} in {path.name}"

    def remove_links(n: int) -> str:
        path = rng.choice([project, content / ARTICLES / "interview-noord.md", content / "pages" / "contact.md"])
        path.write_text(re.sub(r"\nZie \[dit\]\([^)]*\)\.\n", "", path.read_text(encoding="utf-8")), encoding="utf-8")
        return f"unlink {path.name}"

    def toggle_heading(n: int) -> str:
        text = project.read_text(encoding="utf-8")
        if "## Ruimte" in text:
            project.write_text(text.replace("## Ruimte", "Ruimte", 1), encoding="utf-8")
            return "no heading"
        project.write_text(text.replace("\nRuimte\n", "\n## Ruimte\n", 1), encoding="utf-8")
        return "heading"

    return [add_article, remove_article, rename_article, add_link, add_link, remove_links, toggle_heading]


def _errors(options: BuildOptions, memo: Memo) -> list[object]:
    try:
        build_files(options, memo, _no_search)
    except ContentErrors as exc:
        return list(exc.errors)
    return []


def test_pipeline_reports_what_a_cold_build_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through render keys and both stores: the same Dutch errors, at the same file and line, as a
    build without a cache, after every edit; a broken link is reported on every build until fixed."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    rng = random.Random(7)
    edits = _content_edits(content, rng)
    memos = {"memory": Memo(MemoryStore()), "disk": Memo(DiskStore(tmp_path / "cache"))}
    history: list[str] = []
    failing = 0
    for n in range(16):
        if n:
            history.append(rng.choice(edits)(n))
        cold = _errors(options, Memo())
        failing += bool(cold)
        for name, memo in memos.items():
            if name == "disk":
                memo.store = DiskStore(tmp_path / "cache")
            for _ in range(1 + (n % 4 == 0)):  # sometimes twice: nothing changed, still reported
                assert _errors(options, memo) == cold, f"{name} differs after: {'; '.join(history)}"
                memo.finish(success=not cold)
    assert 3 <= failing <= 13, "the edits both break and heal links"


def test_one_article_edit_parses_only_the_pages_that_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content, templates = tmp_path / "content", tmp_path / "templates"
    shutil.copytree(SAMPLE / "content", content)
    shutil.copytree(ROOT / "templates", templates)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), templates, ROOT / "assets")
    parsed: list[str] = []
    original = linkcheck._read

    def counting(name: str, data: bytes) -> linkcheck.ParsedPage:
        parsed.append(name)
        return original(name, data)

    monkeypatch.setattr(linkcheck, "_read", counting)
    # All in this process, where the counter sees them: on a busy machine the parse would hand half
    # of what is left to a forked child (parallel._split_when_slow).
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    for store in (MemoryStore(), DiskStore(tmp_path / "cache")):
        memo = Memo(store)
        before = build_files(options, memo, _no_search)[1]
        memo.finish(success=True)
        checked = linkcheck._checked_pages(before)
        assert sorted(parsed) == sorted(checked)  # a first build parses every page
        parsed.clear()
        article = content / ARTICLES / "project-x.md"
        article.write_text(article.read_text(encoding="utf-8") + f"\nNog een zin ({type(store).__name__}).\n")
        after = build_files(options, memo, _no_search)[1]
        memo.finish(success=True)
        changed = [name for name in linkcheck._checked_pages(after) if before.get(name) != after[name]]
        assert "verhalen/project-x/index.html" in changed
        assert len(changed) < len(checked) / 2
        assert sorted(parsed) == sorted(changed)
        parsed.clear()
        # A new title: only the pages whose bytes changed are parsed (not the sitemap: it shows URLs
        # and dates, and is not rendered again).
        retitled = re.sub(r"^title: .*$", f"title: Project {type(store).__name__}", article.read_text(encoding="utf-8"),
                          count=1, flags=re.M)  # fmt: skip
        article.write_text(retitled, encoding="utf-8")
        again = build_files(options, memo, _no_search)[1]
        memo.finish(success=True)
        changed = [name for name in linkcheck._checked_pages(again) if after.get(name) != again[name]]
        assert {"verhalen/index.html", "feed.xml"} <= set(changed)
        assert again.version("sitemap.xml") == after.version("sitemap.xml") and "sitemap.xml" not in changed
        assert sorted(parsed) == sorted(changed)
        parsed.clear()
        # A comment in the layout renders every page again, to the same bytes: none is parsed.
        base = templates / "_base.html"
        base.write_text(f"{{# {type(store).__name__} #}}" + base.read_text(encoding="utf-8"), encoding="utf-8")
        unchanged = build_files(options, memo, _no_search)[1]
        memo.finish(success=True)
        assert unchanged.version("index.html") != again.version("index.html")
        assert dict(unchanged.items()) == dict(again.items()) and parsed == []


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_lost_part_of_the_index_means_a_full_check(
    sample_files: dict[str, bytes], tmp_path: Path, store: str
) -> None:
    """A part of the terms that a build needs and cannot read: every page is checked again, and the
    index is whole again afterwards."""
    files = dict(sample_files)
    memo = Memo(MemoryStore() if store == "memory" else DiskStore(tmp_path / "cache"))
    page = "verhalen/project-x/index.html"
    for n in range(3):
        if n == 2:  # a file disappears: every part is read, the last one is lost
            _lose_part(memo, linkcheck.BUCKETS - 1)
            del files["404.html"]
        _insert(files, page, f'<a href="/igs/noord/#nergens-{n}">x</a>')
        read = parse_pages(files, memo, BASE_URL, BASE_PATH)
        found = find_broken_links(files, BASE_URL, BASE_PATH, memo, read)
        assert found == find_broken_links(dict(files), BASE_URL, BASE_PATH)
        memo.finish(success=True)
        _assert_whole(memo.store, read.key)
        rewritten = [space for space in linkcheck.LINK_TERMS if memo.finished.get(space.name, (0, 0))[1]]
        assert len(rewritten) == linkcheck.BUCKETS if n != 1 else len(rewritten) <= 1


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_the_index_names_are_written_again_only_where_they_changed(
    sample_files: dict[str, bytes], tmp_path: Path, store: str
) -> None:
    """A page edited in place, its ids as they were, writes the index's head again but not its names
    (every file, every page and its ids: most of its bytes); a file added or an id added does, and
    names that are lost mean a full check."""
    files = dict(sample_files)
    memo = Memo(MemoryStore() if store == "memory" else DiskStore(tmp_path / "cache"))
    page = "verhalen/project-x/index.html"
    steps = {
        "first build": (lambda: None, 1),
        "text": (lambda: _insert(files, page, "<p>Bewerkt.</p>"), 0),
        "more text": (lambda: _insert(files, page, "<p>Nog eens.</p>"), 0),
        "a file": (lambda: (files.update({"extra.txt": b"x"}), _insert(files, page, "<p>En een bestand.</p>")), 1),
        "an id": (lambda: _insert(files, page, '<p id="nieuw">Anker.</p>'), 1),
        "lost names": (lambda: (_lose(memo, linkcheck.LINK_NAMES.name), _insert(files, page, "<p>Weer.</p>")), 1),
    }
    for name, (edit, names_written) in steps.items():
        edit()
        read = parse_pages(files, memo, BASE_URL, BASE_PATH)
        assert find_broken_links(files, BASE_URL, BASE_PATH, memo, read) == find_broken_links(
            dict(files), BASE_URL, BASE_PATH
        )
        assert (len(read.fresh) == len(read.pages)) == (name in ("first build", "lost names")), name
        memo.finish(success=True)
        assert memo.finished.get("link-index", (0, 0))[1] == 1, name
        assert memo.finished.get("link-names", (0, 0))[1] == names_written, name
        index = linkcheck.recalled_index(
            Memo(memo.store if store == "memory" else DiskStore(tmp_path / "cache")), read.key
        )
        assert index is not None and index.pages == read.pages and index.files == sorted(files), name


PAGE = "<!doctype html><html><body>{}</body></html>"
SITEMAP = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{}</loc></url></urlset>'
# (files before, files after): a page whose bytes stay the same has a link that works before and
# is broken after; each is one way a target can go away.
VANISHING = {
    "file": ({"p.html": '<img src="/i.png" alt="">', "i.png": ""}, {"i.png": None}),
    "page": ({"p.html": '<a href="/t/">t</a>', "t/index.html": ""}, {"t/index.html": None}),
    "relative": ({"d/p.html": '<a href="../t/">t</a>', "t/index.html": ""}, {"t/index.html": None}),
    "folder's index.html": ({"p.html": '<a href="/x">x</a>', "x/index.html": ""}, {"x/index.html": None}),
    "anchor": ({"p.html": '<a href="/t/#k">t</a>', "t/index.html": '<p id="k">'}, {"t/index.html": "<p>"}),
    "named anchor": ({"p.html": '<a href="/t/#k">t</a>', "t/index.html": '<a name="k"></a>'}, {"t/index.html": ""}),
    "file before a folder": (
        {"p.html": '<a href="/x#k">x</a>', "x": "", "x/index.html": "<p>"},
        {"x": None},  # the link now leads to x/index.html, which has no #k
    ),
    "page before a folder": (
        {"p.html": '<a href="/a.html#k">a</a>', "a.html/index.html": '<p id="k">'},
        {"a.html": "<p>"},  # a page appears where the link went to the folder's index.html
    ),
    "sitemap": ({"sitemap.xml": SITEMAP.format(f"{BASE_URL}t/"), "t/index.html": ""}, {"t/index.html": None}),
}


@pytest.mark.parametrize("case", VANISHING)
@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_target_that_goes_away_breaks_the_unchanged_page_linking_to_it(tmp_path: Path, case: str, store: str) -> None:
    before, change = VANISHING[case]
    files = {name: (text if name.endswith(".xml") else PAGE.format(text)).encode() for name, text in before.items()}
    memo = Memo(MemoryStore() if store == "memory" else DiskStore(tmp_path / "cache"))
    assert find_broken_links(files, BASE_URL, BASE_PATH, memo) == []
    memo.finish(success=True)
    for name, text in change.items():
        if text is None:
            del files[name]
        else:
            files[name] = PAGE.format(text).encode()
    read = parse_pages(files, memo, BASE_URL, BASE_PATH)
    linking = next(name for name in before if name not in change)
    assert linking not in read.fresh  # its bytes did not change: only the index can tell
    found = find_broken_links(files, BASE_URL, BASE_PATH, memo, read)
    assert found == find_broken_links(dict(files), BASE_URL, BASE_PATH)
    assert [b.page for b in found] == [linking]


@pytest.mark.parametrize("seed", range(6))
def test_the_changed_pages_found_in_runs_are_those_whose_stamp_differs(seed: int) -> None:
    """parse_pages compares the stamps of two builds that checked the same pages in runs: it finds
    exactly the pages a comparison of each page's stamp finds, wherever they are and however many."""
    rng = random.Random(seed)
    pages = [f"p{i:05d}.html" for i in range(rng.choice([1, 2, 7, 300, 12_000]))]
    before = [rng.randbytes(linkcheck.STAMP_SIZE) for _ in pages]
    now = list(before)
    for slot in rng.sample(range(len(pages)), rng.randint(0, min(len(pages), 40))):
        now[slot] = rng.randbytes(linkcheck.STAMP_SIZE)
    expected = [page for page, old, new in zip(pages, before, now, strict=True) if old != new]
    assert sorted(linkcheck._differing(pages, b"".join(now), b"".join(before))) == expected


def test_a_rebuild_with_the_files_of_the_last_reads_no_names_of_files_and_pages(tmp_path: Path, monkeypatch) -> None:
    """Where the files have the names of the last build's in the same order, the index's names of
    files and pages are neither decoded nor compared with this build's (they are the same); where a
    file came or went, or the same files came in another order, they are, and the check finds what a
    full one finds."""
    import functools

    decoded: list[int] = []
    real = linkcheck._Names.files_and_pages.func

    def counting(self: linkcheck._Names) -> tuple[list[str], list[str]]:
        decoded.append(len(self.lists))
        return real(self)

    counted = functools.cached_property(counting)
    counted.__set_name__(linkcheck._Names, "files_and_pages")
    monkeypatch.setattr(linkcheck._Names, "files_and_pages", counted)
    files = {
        "index.html": PAGE.format('<a href="/a/">a</a> <a href="/b.txt">b</a>').encode(),
        "a/index.html": PAGE.format('<p id="x">x</p>').encode(),
        "b.txt": b"b",
    }

    def check() -> list[str]:
        decoded.clear()
        memo = Memo(DiskStore(tmp_path / "cache"))
        broken = find_broken_links(files, BASE_URL, BASE_PATH, memo, parse_pages(files, memo, BASE_URL, BASE_PATH))
        memo.finish(success=True)
        assert broken == find_broken_links(dict(files), BASE_URL, BASE_PATH)
        return [b.page for b in broken]

    assert check() == [] and decoded == []  # (nothing kept yet)
    files["a/index.html"] = PAGE.format('<p id="x">x, en meer</p>').encode()  # edited in place
    assert check() == [] and decoded == []
    files = dict(reversed(files.items()))  # the same files, in another order
    assert check() == [] and decoded
    del files["b.txt"]
    assert check() == ["index.html"] and decoded
    files["b.txt"] = b"b"
    assert check() == [] and decoded
    assert check() == [] and decoded == []
