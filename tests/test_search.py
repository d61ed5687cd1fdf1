"""Search: the Pagefind index is part of the build, and the search page finds things in a browser."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import run_script, serve
from conftest import ROOT, SAMPLE, tree_bytes
from markupsafe import escape
from search_support import searchable

from sitegen import search
from sitegen.errors import ContentErrors
from sitegen.model import Site
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.urls import page_url
from sitegen.write import OutputPathError

PAGE = """<!DOCTYPE html><html lang="nl-BE"><head><meta charset="utf-8"><title>{title}</title></head>
<body><header>Kop</header><main data-pagefind-body data-pagefind-filter="type:IGS" data-pagefind-meta="type:IGS">
<h1 data-pagefind-filter="igs">{title}</h1><p data-pagefind-meta="summary">{text}</p></main></body></html>"""


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("search") / "site"
    assert build.main(["build", "--output", str(out)]) == 0
    return out


@pytest.fixture(scope="module", params=["shipped", "edited"])
def any_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Site]:
    """The shipped site and one with an editor's typical changes (a draft and a scheduled item among
    them), with the model of what each publishes."""
    import build

    if request.param == "shipped":
        content, out = ROOT / "content", request.getfixturevalue("built_site")
    else:
        content, out = request.getfixturevalue("edited_content"), tmp_path_factory.mktemp("edited") / "site"
        assert build.main(["build", "--content", str(content), "--output", str(out)]) == 0
    return out, load_and_validate(BuildOptions(content, ROOT / "templates", ROOT / "assets"))


def _published_pages(site: Site) -> set[str]:
    # ... and the finder (/gemeenten/): every municipality with its villages, former names and postcodes
    pages = {igs.url for igs in site.igs} | {a.url for a in site.articles} | {p.url for p in site.pages}
    return pages | {"/gemeenten/"}


def test_build_ships_a_dutch_index_of_the_content_pages(any_site: tuple[Path, Site]) -> None:
    built_site, site = any_site
    bundle = built_site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["nl"]
    # Published pages, not files: drafts and scheduled items are not on the site.
    assert entry["languages"]["nl"]["page_count"] == len(_published_pages(site))
    for name in ("pagefind.js", "pagefind-worker.js", "wasm.nl.pagefind"):
        assert (bundle / name).is_file(), name
    assert list(bundle.glob("filter/*.pf_filter")), "type and IGS filters are indexed"
    # Only what the search page loads: no UI bundles, no playground, no wasm for other languages.
    assert not list(bundle.glob("pagefind-*ui*")) and not (bundle / "playground").exists()
    assert not (bundle / "wasm.unknown.pagefind").exists()


def test_search_page_works_as_a_plain_form(built_site: Path) -> None:
    html = (built_site / "zoeken/index.html").read_text()
    assert '<form class="search-form" action="/zoeken/" method="get" role="search"' in html
    assert 'name="q"' in html and '<label for="zoekterm">' in html
    assert "<noscript>" in html and "werkt alleen met JavaScript" in html
    assert "pagefind.js" not in html, "Pagefind is loaded by the script, only when someone searches"
    assert "data-pagefind-body" not in html
    home = (built_site / "index.html").read_text()
    assert '<a href="/zoeken/">Zoeken</a>' in home


def test_only_content_pages_are_marked_for_the_index(any_site: tuple[Path, Site]) -> None:
    built_site, site = any_site
    marked = {
        "/" + p.relative_to(built_site).parent.as_posix() + "/"
        for p in built_site.rglob("*.html")
        if b"data-pagefind-body" in p.read_bytes()
    }
    assert marked == _published_pages(site)
    for article in site.articles:
        html = (built_site / article.out_path).read_text()
        assert f'data-pagefind-filter="type:{article.type_label}"' in html
        for slug in article.igs:
            igs = site.igs_by_slug(slug)
            assert f'<a href="{igs.url}" data-pagefind-filter="igs">{escape(igs.name)}</a>' in html


def test_index_pages_in_memory() -> None:
    files = {
        "a/index.html": PAGE.format(title="Kunstwerkplaats", text="Ateliers voor jonge makers").encode(),
        "b/index.html": b"<!DOCTYPE html><html><body><main>niet in de index</main></body></html>",
        "assets/x.css": b"body{}",
    }
    bundle = search.index_pages(files)
    assert "pagefind/pagefind.js" in bundle and "pagefind/wasm.nl.pagefind" in bundle
    entry = json.loads(bundle["pagefind/pagefind-entry.json"])
    assert entry["languages"]["nl"]["page_count"] == 1
    assert all(name.startswith("pagefind/") for name in bundle)
    assert search.index_pages(files) == bundle, "the index is byte-stable"
    assert search.index_pages({"b/index.html": files["b/index.html"]}) == {}


def test_pagefind_indexes_every_page_where_its_path_says(tmp_path: Path) -> None:
    """Each page goes to the scratch site at its path (the root's, a folder's, a folder in a folder),
    so the bundle's URLs are the pages'; a path that would climb out of the scratch folder is refused."""
    pages = {
        rel: PAGE.format(title=f"Pagina {n}", text="Ateliers").encode()
        for n, rel in enumerate(["index.html", "a/index.html", "a/b/index.html", "a-b/index.html", "a/c.html"])
    }
    assert search._page_ids(search.index_shard(pages), pages) is not None  # every page, at its URL
    with pytest.raises(OutputPathError):
        search.index_shard({"../buiten/index.html": pages["index.html"]})


def test_each_page_is_told_by_the_url_in_its_fragment() -> None:
    """A page's id is that of the fragment whose URL is the page's, read from the fragment's start
    (or from all of it, for a URL longer than that start)."""
    long = "/".join(["lang" * 60] * 3)  # a URL of some 730 bytes
    pages = {
        rel: PAGE.format(title="Pagina", text=rel).encode()
        for rel in ["index.html", "één/x.html", f"{long}/index.html"]
    }
    bundle = search.index_shard(pages)
    urls = {}
    for name, data in bundle.items():
        if name.startswith("pagefind/fragment/"):
            fragment = json.loads(gzip.decompress(data)[len(search._MAGIC) :])
            urls[fragment["url"]] = name.rsplit("/", 1)[1].removesuffix(".pf_fragment")
    assert len(urls) == 3 and any(len(url) > search._URL_HEAD for url in urls)
    assert search._page_ids(bundle, pages) == {rel: urls[page_url(rel)] for rel in pages}


def test_the_files_of_a_bundle_are_read_in_the_order_of_their_paths(tmp_path: Path) -> None:
    for name in ["a/b", "a-b", "a.b", "ab", "a/b.c/d", "a/b-c", "z", "\u00e9", "a/\u00e9/x"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(name.encode())
    (tmp_path / "leeg").mkdir()
    paths = [path for path in sorted(tmp_path.rglob("*")) if path.is_file()]
    found = search._files_under(str(tmp_path))
    assert found == [(path.relative_to(tmp_path).as_posix(), str(path)) for path in paths]


def test_pagefind_is_given_only_the_marked_element() -> None:
    page = PAGE.format(title="Kunstwerkplaats", text="Ateliers").encode()
    part = search.indexed_part(page)
    assert part.startswith(b'<!DOCTYPE html><html lang="nl-BE"><head><meta charset="utf-8"></head><body><main ')
    assert part.endswith(b"</main></body></html>") and b"Kop" not in part and b"<title>" not in part
    assert b'<h1 data-pagefind-filter="igs">Kunstwerkplaats</h1>' in part
    # The marker as text before the element, and an element closed by text that only looks like its end.
    text = page.replace(b"<header>Kop</header>", b"<p>data-pagefind-body &lt;/main&gt;</p>")
    assert search.indexed_part(text) == part
    # Marked on another element, marked twice, or not closed: given whole.
    for whole in (
        page.replace(b"<main data-pagefind-body", b"<main><article data-pagefind-body"),
        page.replace(b"<header>", b"<main data-pagefind-body>").replace(b"</header>", b"</main>"),
        page.replace(b"</main>", b""),
        page.replace(b"<main data-pagefind-body", b"<main data-pagefind-bodyx"),
    ):
        assert search.indexed_part(whole) == whole


def test_the_marked_element_gives_the_index_of_the_whole_page(sample_site: Path, monkeypatch) -> None:
    """Pagefind reads nothing outside the marked element: the bundle of the sample site's pages (all
    of its kinds of page) is the bundle of the pages given whole, byte for byte."""
    pages = {
        path.relative_to(sample_site).as_posix(): path.read_bytes() for path in sorted(sample_site.rglob("*.html"))
    }
    pages = {rel: page for rel, page in pages.items() if search.BODY_MARKER in page}
    assert all(len(search.indexed_part(page)) < len(page) - 2000 for page in pages.values())  # the chrome left out
    given: list[bytes] = []
    real = search.indexed_part
    monkeypatch.setattr(search, "indexed_part", lambda page: given.append(real(page)) or given[-1])
    bundle = search.index_shard(pages)
    assert len(given) == len(pages)
    monkeypatch.setattr(search, "indexed_part", lambda page: page)
    assert search.index_shard(pages) == bundle


def test_missing_pagefind_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)
    with pytest.raises(ContentErrors) as caught:
        search.index_pages({"a/index.html": PAGE.format(title="x", text="y").encode()})
    assert str(caught.value.errors[0]).startswith("pyproject.toml: zoekindex: Pagefind is niet geïnstalleerd")


def test_the_pagefind_binary_is_the_one_its_package_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found beside the installed package without importing it: the executable its own
    get_executable gives."""
    import importlib

    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        assert search.pagefind_binary() == module.get_executable()
        return
    pytest.skip("no pagefind_bin package installed")


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with its index: what the search finds is checked on content that stays put."""
    import build

    out = tmp_path_factory.mktemp("sample-search") / "site"
    assert build.main(["build", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out)]) == 0
    return out


@pytest.fixture
def served(sample_site: Path) -> Iterator[str]:
    with serve(sample_site) as base:
        yield base


@pytest.mark.browser
def test_search_finds_articles_igs_and_members_in_chromium(served: str) -> None:
    result = run_script(
        "search.cjs", served, "Project", "Borsbeek", "q=Noord&soort=GE/SPOT", "q=Noord&igs=Cultuurregio+Noord", "Noord"
    )
    assert result.returncode == 0, result.stderr
    idle, project, borsbeek, spotlights, noord, everything = (json.loads(line) for line in result.stdout.splitlines())
    assert not [url for url in idle["requests"] if "/pagefind/" in url], "Pagefind loads only when someone searches"
    for seen in (idle, project, borsbeek, spotlights, noord, everything):
        assert seen.get("problems") == [], seen
        assert seen.get("remote", []) == [], seen
    assert project["results"][0]["title"] == "Project X in de kijker"
    assert project["results"][0]["href"] == "/verhalen/project-x/"
    assert project["results"][0]["type"] == "GE/SPOT"
    assert "Project" in project["results"][0]["excerpt"] or "project" in project["results"][0]["excerpt"]
    assert "Cultuurregio Noord" in [r["title"] for r in borsbeek["results"]]
    # A window from the middle of a page's text says that text goes on around it.
    (member,) = [r for r in borsbeek["results"] if r["title"] == "Cultuurregio Noord"]
    assert member["excerpt"].startswith("… ") and member["excerpt"].endswith(" …"), member["excerpt"]
    assert borsbeek["status"].endswith("voor “Borsbeek”")
    # Filters: by type and by IGS.
    assert spotlights["results"] and {r["type"] for r in spotlights["results"]} == {"GE/SPOT"}
    noord_titles = {r["title"] for r in noord["results"]}
    assert "Cultuurregio Noord" in noord_titles
    assert noord_titles <= {"Cultuurregio Noord", "Project X in de kijker", "Drie vragen aan An"}
    assert len(everything["results"]) >= len(noord["results"])


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample site with an index in shards of at most 2 pages, as a big site gets it."""
    import build

    out = tmp_path_factory.mktemp("sharded") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_PAGES", 2)
        assert build.main(["build", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out)]) == 0
    yield out


def test_big_sites_get_an_index_in_shards(sharded_site: Path, sample_site: Path) -> None:
    def page_count(bundle: Path) -> int:
        return json.loads((bundle / "pagefind-entry.json").read_text())["languages"]["nl"]["page_count"]

    shards = json.loads((sharded_site / "pagefind/shards.json").read_text())["bundles"]
    indexed = page_count(sample_site / "pagefind")
    assert 1 <= len(shards) < -(-indexed // 2), "more than one bundle, never more than the pages need"
    counts = [page_count(sharded_site / "pagefind" / shard) for shard in shards]
    assert page_count(sharded_site / "pagefind") + sum(counts) == indexed, "every page in exactly one shard"
    assert json.loads((sample_site / "pagefind/shards.json").read_text()) == {"bundles": [], "hidden": []}


@pytest.mark.browser
def test_search_over_shards_finds_articles_and_members(sharded_site: Path) -> None:
    with serve(sharded_site) as base:
        result = run_script("search.cjs", base, "Project", "Borsbeek")
    assert result.returncode == 0, result.stderr
    _, project, borsbeek = (json.loads(line) for line in result.stdout.splitlines())
    assert project["problems"] == [] and borsbeek["problems"] == []
    assert project["results"][0]["href"] == "/verhalen/project-x/"
    assert "Cultuurregio Noord" in [r["title"] for r in borsbeek["results"]]


def _add_article(content: Path, slug: str, title: str) -> None:
    text = (content / "articles" / "project-x.md").read_text(encoding="utf-8")
    (content / "articles" / f"{slug}.md").write_text(text.replace("Project X in de kijker", title), encoding="utf-8")


def _edit_sample(content: Path) -> None:
    """An edited article (with a word no other page has), a new one and one removed (the farewell
    story that the first build had)."""
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8").rstrip("\n") + "\n\nEen zonnewijzer.\n", encoding="utf-8")
    _add_article(content, "project-y", "Project Y")
    (content / "articles" / "afscheid.md").unlink()


def _not_search(site: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in tree_bytes(site).items() if not rel.startswith("pagefind/")}


@pytest.fixture(scope="module")
def delta_sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    """The edited sample site built with a delta bundle over the first build's index, the same
    content built cold, and the first build's main bundle."""
    import build

    root = tmp_path_factory.mktemp("delta")
    content, warm, cold, cache = root / "content", root / "warm", root / "cold", root / "cache"
    shutil.copytree(SAMPLE / "content", content)
    _add_article(content, "afscheid", "Een afscheidsverhaal")
    common = ["build", "--content", str(content)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "DELTA_SHARE", 1.0)  # the sample's one shard is small: force the delta
        assert build.main([*common, "--output", str(warm), "--cache", str(cache)]) == 0
        first = tree_bytes(warm / "pagefind")
        _edit_sample(content)
        assert build.main([*common, "--output", str(warm), "--cache", str(cache)]) == 0
    assert build.main([*common, "--output", str(cold), "--no-cache"]) == 0
    return warm, cold, first


def test_edits_go_to_a_delta_bundle_that_finds_what_a_full_index_finds(delta_sites) -> None:
    warm, cold, first = delta_sites
    listing = json.loads((warm / "pagefind" / search.SHARDS_FILE).read_text())
    assert listing["bundles"] == ["deel-delta/"]
    # The edited article's old version and the removed page are hidden, not indexed again.
    assert len(listing["hidden"]) >= 2
    # The shard itself was not indexed again: its bundle is the first build's, byte for byte.
    shard = {rel: data for rel, data in tree_bytes(warm / "pagefind").items() if not rel.startswith("deel-")}
    assert {rel: data for rel, data in first.items() if rel != search.SHARDS_FILE} == {
        rel: data for rel, data in shard.items() if rel != search.SHARDS_FILE
    }
    delta = json.loads((warm / "pagefind/deel-delta/pagefind-entry.json").read_text())
    assert delta["languages"]["nl"]["page_count"] < 6, "only the changed and new pages are in the delta"
    found = searchable(warm)
    assert found == searchable(cold)
    assert "/verhalen/afscheid/" not in found and "zonnewijzer" in found["/verhalen/project-y/"]["words"]
    assert json.loads((cold / "pagefind" / search.SHARDS_FILE).read_text()) == {"bundles": [], "hidden": []}
    assert _not_search(warm) == _not_search(cold)


def test_a_shard_changed_beyond_the_delta_share_is_indexed_again(tmp_path: Path, run_cli) -> None:
    """After many edits the shard is indexed in full again: the output is then the cold build's."""
    content, warm, cold, cache = tmp_path / "content", tmp_path / "warm", tmp_path / "cold", tmp_path / "cache"
    shutil.copytree(SAMPLE / "content", content)
    _add_article(content, "afscheid", "Een afscheidsverhaal")
    common = ["build", "--content", str(content)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "DELTA_SHARE", 0.5)
        assert run_cli(*common, "--output", str(warm), "--cache", str(cache))[0] == 0
        article = content / "articles" / "project-x.md"
        article.write_text(article.read_text(encoding="utf-8") + "\nMeer.\n", encoding="utf-8")
        assert run_cli(*common, "--output", str(warm), "--cache", str(cache))[0] == 0
        assert json.loads((warm / "pagefind" / search.SHARDS_FILE).read_text())["bundles"] == ["deel-delta/"]
        _edit_sample(content)  # with the first edit, more than half of the shard's pages
        assert run_cli(*common, "--output", str(warm), "--cache", str(cache))[0] == 0
    assert run_cli(*common, "--output", str(cold), "--no-cache")[0] == 0
    assert tree_bytes(warm) == tree_bytes(cold)


def _shown(seen: dict) -> set[tuple[str, str, str]]:
    return {(r["href"], r["title"], r["type"]) for r in seen["results"]}


@pytest.mark.browser
def test_search_with_a_delta_bundle_shows_what_a_cold_build_shows(delta_sites) -> None:
    warm, cold, _ = delta_sites
    # Words that the shard and the delta both hold. Pagefind answers a word a bundle lacks with that
    # bundle's longest indexed prefix of it (so "zonnewijzer", only in the delta, also finds "zon"
    # in the shard); between shards of a big site that holds as well, cold or not.
    queries = ("Project", "Noord", "Borsbeek", "kijker", "q=Project&soort=GE/SPOT", "zonnewijzer")
    seen = []
    for site in (warm, cold):
        with serve(site) as base:
            result = run_script("search.cjs", base, *queries)
        assert result.returncode == 0, result.stderr
        seen.append([json.loads(line) for line in result.stdout.splitlines()][1:])
    for incremental, full in zip(seen[0][:-1], seen[1][:-1], strict=True):
        assert incremental["problems"] == [] and full["problems"] == []
        assert incremental["status"] == full["status"]
        # The same pages. Pagefind ranks, and picks the excerpt's window, with each bundle's own
        # statistics (page count, length, word frequencies), for shards as for the delta: the order
        # and the excerpts' windows may differ, never which pages are found.
        assert _shown(incremental) == _shown(full)
    project = seen[0][0]
    assert {"/verhalen/project-x/", "/verhalen/project-y/"} <= {r["href"] for r in project["results"]}
    new_word = [r["href"] for r in seen[0][-1]["results"]]
    assert set(new_word[:2]) == {"/verhalen/project-x/", "/verhalen/project-y/"}, "the delta's new word"


def _rows(cache: Path, sql: str, *args: object) -> int:
    """Run `sql` on every build cache table below `cache`; the number of rows it touched."""
    import sqlite3

    touched = 0
    for path in cache.rglob("memo.sqlite"):
        with sqlite3.connect(path) as db:
            touched += db.execute(sql, args).rowcount
    return touched


def _damage(cache: Path, space: str) -> int:
    """Make every entry of a memo space unreadable (its seal no longer matches): as a planted or
    damaged row, which the store only finds out about when it reads it."""
    unsealed = "CAST(zeroblob(32) || substr(value, 33) AS BLOB)"
    return _rows(cache, f"UPDATE entries SET value = {unsealed} WHERE space = ?", space)


@pytest.fixture
def delta_project(tmp_path: Path, run_cli) -> tuple[list[str], Path, Path, Path]:
    """The sample built twice with a cache, the second time with an edited article in the delta
    bundle over the first build's shard: (common arguments, content, output, cache)."""
    content, warm, cache = tmp_path / "content", tmp_path / "warm", tmp_path / "cache"
    shutil.copytree(SAMPLE / "content", content)
    common = ["build", "--content", str(content), "--cache", str(cache)]
    assert run_cli(*common, "--output", str(warm))[0] == 0
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8").rstrip("\n") + "\n\nEen zonnewijzer.\n", encoding="utf-8")
    assert run_cli(*common, "--output", str(warm))[0] == 0
    assert json.loads((warm / "pagefind" / search.SHARDS_FILE).read_text())["bundles"] == ["deel-delta/"]
    return common, content, warm, cache


@pytest.fixture
def forced_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "DELTA_SHARE", 1.0)  # the sample's one shard is small: force the delta


def test_a_shard_not_indexed_again_is_handed_on_unread(forced_delta, delta_project, tmp_path: Path) -> None:
    """A rebuild hands the write stage the files of a shard it does not index again as references to
    the memo: none is read while the output holds them."""
    from sitegen.files import SiteFiles
    from sitegen.memo import Memo
    from sitegen.stores import DiskStore

    _, _, warm, cache = delta_project
    folder = next(cache.rglob("memo.sqlite")).parent
    files = SiteFiles(Memo(DiskStore(folder)))
    files.update({"a.html": b"x"})
    bundle = search.index_pages(_site_pages(warm), memo=files.memo, lazy=True)
    assert bundle.remembered, "the shard's files are references"
    assert all(name.startswith("pagefind/") and not name.startswith("pagefind/deel-") for name in bundle.remembered)
    files.update(bundle)
    assert not any(files.is_loaded(name) for name in bundle.remembered)
    assert {name: files[name] for name in bundle.remembered} == {
        name: (warm / name).read_bytes() for name in bundle.remembered
    }, "read when asked, as the last build wrote them"


def _site_pages(site: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in tree_bytes(site).items() if rel.endswith(".html")}


def test_a_shard_unreadable_after_the_writer_was_told_is_indexed_again_exactly(
    forced_delta, delta_project, run_cli
) -> None:
    """The files of a shard kept from an earlier build prove unreadable only when the write stage,
    which was told their versions, needs their bytes (no output or spare holds them): the shard is
    indexed again from the pages it was made of (the edited page as it was then, which the memo
    keeps while the shard stands), and that gives exactly the files the versions stand for."""
    common, _, warm, cache = delta_project
    before = tree_bytes(warm)
    assert _damage(cache, "search-files") > 0
    shutil.rmtree(warm)
    shutil.rmtree(warm.parent / f".{warm.name}.build-state")
    code, _, err = run_cli(*common, "--output", str(warm))
    assert code == 0, err
    assert tree_bytes(warm) == before


def test_a_shard_whose_old_pages_are_gone_is_indexed_in_full(forced_delta, delta_project, run_cli, tmp_path) -> None:
    """Where the memo no longer holds a page as the kept shard indexed it, the shard could not be
    made again should its files prove unreadable: it is indexed in full (as a cold build does)."""
    import sqlite3

    common, content, warm, cache = delta_project
    (path,) = cache.rglob("memo.sqlite")
    with sqlite3.connect(path) as db:
        (sealed,) = db.execute("SELECT value FROM entries WHERE space = 'search-shards'").fetchone()
        shard = search._decode_shard(sealed[32:])
        old = shard.pages["verhalen/project-x/index.html"]
        assert db.execute("DELETE FROM entries WHERE space = 'pages' AND key = ?", (old[1:],)).rowcount == 1
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nNog een zin.\n", encoding="utf-8")
    assert run_cli(*common, "--output", str(warm))[0] == 0
    cold = tmp_path / "cold"
    assert run_cli("build", "--content", str(content), "--no-cache", "--output", str(cold))[0] == 0
    assert tree_bytes(warm) == tree_bytes(cold)


def test_a_shard_that_cannot_be_made_again_stops_the_build_before_the_output(
    forced_delta, delta_project, run_cli
) -> None:
    """Both the shard's files and the page it indexed unreadable (the cache damaged twice over): the
    build stops with a message before the output is touched."""
    common, _, warm, cache = delta_project
    before = tree_bytes(warm)
    assert _damage(cache, "search-files") > 0 and _damage(cache, "pages") > 0
    state = warm.parent / f".{warm.name}.build-state"
    shutil.rmtree(state)
    for path in warm.joinpath("pagefind").iterdir():  # the output no longer vouches for these
        if path.is_file():
            path.write_bytes(b"")
    damaged = tree_bytes(warm)
    code, _, err = run_cli(*common, "--output", str(warm))
    assert code == 1 and "de zoekindex in de buildcache: onleesbaar" in err, err
    assert tree_bytes(warm) == damaged != before


def test_a_store_in_memory_keeps_the_delta_of_its_shard(monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview indexes the pages as a plain mapping, with a store in memory that loses nothing it
    holds: an edit goes to the delta bundle there too, over the shard as it was indexed in full."""
    from sitegen.memo import Memo
    from sitegen.stores import MemoryStore

    monkeypatch.setattr(search, "DELTA_SHARE", 1.0)  # a small shard: force the delta
    memo = Memo(MemoryStore())
    pages = {f"p{n}/index.html": PAGE.format(title=f"Pagina {n}", text=f"tekst {n}").encode() for n in range(4)}
    first = search.index_pages(pages, memo=memo)
    memo.finish(success=True)
    pages["p1/index.html"] = PAGE.format(title="Pagina 1", text="gewijzigd").encode()
    again = search.index_pages(pages, memo=memo)
    memo.finish(success=True)
    assert json.loads(again["pagefind/shards.json"])["bundles"] == ["deel-delta/"]
    assert again["pagefind/pagefind-entry.json"] == first["pagefind/pagefind-entry.json"], "the shard as it was"


def test_a_shard_whose_pages_changed_only_outside_the_indexed_part_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A template edit outside the marked element (the head, the header: every page) leaves each
    page's indexed part as it was: no shard is indexed again, and the index is a cold build's. An
    edit inside it, or in what comes before <head>, is indexed again (no delta: the share is 0)."""
    from sitegen.memo import Memo
    from sitegen.stores import MemoryStore

    monkeypatch.setattr(search, "DELTA_SHARE", 0.0)
    runs: list[int] = []
    real = search._run_pagefind
    monkeypatch.setattr(
        search, "_run_pagefind", lambda pages, language: runs.append(len(pages)) or real(pages, language)
    )
    memo = Memo(MemoryStore())

    def pages(edit: Callable[[str], str]) -> dict[str, bytes]:
        texts = {f"p{n}/index.html": PAGE.format(title=f"Pagina {n}", text=f"tekst {n}") for n in range(3)}
        return {rel: edit(text).encode() for rel, text in texts.items()}

    search.index_pages(pages(lambda text: text), memo=memo)
    memo.finish(success=True)
    assert runs == [3]
    outside = pages(lambda text: text.replace("<head>", "<head><!-- bewerking -->").replace("Kop", "Nieuwe kop"))
    again = search.index_pages(outside, memo=memo)
    memo.finish(success=True)
    assert runs == [3], "not indexed again"
    runs.clear()
    assert again == search.index_pages(outside), "the index of a cold build"
    for edit in (lambda text: text.replace("</h1>", "</h1><p>Nieuw</p>"), lambda text: text.replace("nl-BE", "nl")):
        runs.clear()
        changed = pages(edit)
        assert search.index_pages(changed, memo=memo) == search.index_pages(changed)
        memo.finish(success=True)
        assert runs == [3, 3], "indexed again, as a cold build does"
