"""Pages made of site-wide data (home, IGS list, search, 404, robots, sitemap) are keyed like the others:
kept while what they show is the same, rendered again (to the cold build's bytes) when it changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_incremental import _sample_project

KEPT = {
    "home": "index.html",
    "igs-list": "igs/index.html",
    "search": "zoeken/index.html",
    "404": "404.html",
    "robots": "robots.txt",
    "sitemap": "sitemap.xml",
    "map": "kaart/index.html",
}


def _replace(path: Path, pattern: str, replacement: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(pattern, replacement, text, count=1, flags=re.M)
    assert changed != text, pattern
    path.write_text(changed, encoding="utf-8")


def test_site_wide_pages_are_rendered_again_exactly_when_what_they_show_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen.files import PAGE
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore

    content, _, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    interview, spotlight = content / "articles" / "interview-noord.md", content / "articles" / "project-x.md"
    noord = content / "igs" / "noord.yaml"
    # (edit, the kinds of KEPT whose pages change with it)
    edits = [
        (lambda: spotlight.write_text(spotlight.read_text(encoding="utf-8") + "\nMeer tekst.\n"), set()),
        # The home page shows the latest interview's person, which no story list shows.
        (lambda: _replace(interview, r"^  role: .*$", "  role: coördinator van Noord en Zuid"), {"home"}),
        # Not the sitemap: it shows the pages' URLs and dates, not what the pages say.
        (lambda: _replace(interview, r"^summary: .*$", 'summary: "Een andere samenvatting."'), {"home"}),
        (lambda: _replace(interview, r"^title: .*$", "title: Vier vragen aan An"), {"home"}),
        # A story's date is its sitemap entry's (it has no `updated` of its own).
        (lambda: _replace(spotlight, r"^date: .*$", "date: 2023-05"), {"home", "sitemap"}),
        (lambda: _replace(noord, r"^summary: .*$", 'summary: "Een andere regio."'), {"igs-list"}),
        # The finder's index (an asset) holds the IGS'en's names: it keys only the page that names
        # it, not robots.txt nor the sitemap (nor any other page that shows no IGS's name).
        (lambda: _replace(noord, r"^name: .*$", "name: Cultuurregio Noorderkempen"), set(KEPT) - {"robots", "sitemap"}),
    ]  # fmt: skip

    def versions(memo: Memo) -> tuple[dict[str, bytes], dict[str, bytes]]:
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        cold = build_files(options, Memo())[1]
        assert dict(files.items()) == dict(cold.items())
        return {kind: files.version(name) for kind, name in KEPT.items()}, dict(files.items())

    before, _ = versions(Memo(DiskStore(tmp_path / "cache")))
    assert all(version.startswith(PAGE) for version in before.values()), "a page without a render key"
    for number, (edit, changed) in enumerate(edits):
        edit()
        memo = Memo(DiskStore(tmp_path / "cache"))  # a new process: nothing but the cache
        after, _ = versions(memo)
        assert {kind for kind in KEPT if after[kind] != before[kind]} == changed, number
        assert memo.finished["pages"][1] >= len(changed), number  # rendered, not found
        before = after


def test_the_keys_of_site_wide_pages_follow_the_igs_they_show() -> None:
    """Where no asset changes with them (the finder's index does, in a build), the IGS'en's names and
    cards key the pages that show them, and only those."""
    import dataclasses
    from types import SimpleNamespace

    from conftest import ROOT, SAMPLE

    from sitegen import pages
    from sitegen.deps import page_keys, template_inputs
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    templates, _ = template_inputs(ROOT / "templates")

    def keys(site: object) -> dict[str, bytes]:
        jobs = [job for job in pages.page_jobs(site) if job.out_path in KEPT.values()]
        geo = SimpleNamespace(sources=(), colours={}, overview="", pending=(), numbers={}, legend={})
        found = page_keys(site, jobs, templates=templates, asset_names={}, geo=geo, pictures={})
        return {kind: found[name] for kind, name in KEPT.items()}

    def changed(igs: tuple[object, ...]) -> set[str]:
        after = keys(dataclasses.replace(site, igs=igs))
        return {kind for kind in KEPT if after[kind] != before[kind]}

    before = keys(site)
    first, *others = site.igs
    renamed = dataclasses.replace(first, name="Anders", version=b"")  # an edit gives another version
    assert changed((renamed, *others)) == {"home", "igs-list", "search", "404", "map"}
    resummarised = dataclasses.replace(first, summary="Anders", version=b"")
    assert changed((resummarised, *others)) == {"igs-list"}
    assert changed(tuple(others)) == {"home", "igs-list", "search", "404", "sitemap", "map"}


def test_an_asset_keys_only_the_pages_whose_templates_name_it() -> None:
    """The finder's index changes with any IGS's name: its fingerprinted name keys the municipalities
    page (whose template names it), not every page; an asset the layout names keys every page."""
    from types import SimpleNamespace

    from conftest import ROOT, SAMPLE

    from sitegen import pages
    from sitegen.deps import page_keys, template_inputs
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    templates, named = template_inputs(ROOT / "templates")
    assert "gemeenten-index.json" in named["gemeenten.html"]
    assert "style.css" in named["_site.html"]  # the layout's parts made once per build
    jobs = [job for job in pages.page_jobs(site) if job.kind.reads is not None]
    geo = SimpleNamespace(
        sources=(), colours={}, overview="", locators={}, villages={}, finder_rows=(), pending=(), numbers={}, legend={}
    )

    def keys(renamed: dict[str, str]) -> dict[str, bytes]:
        asset_names = {
            template: {name: renamed.get(name, f"assets/{name}") for name in names} for template, names in named.items()
        }
        return page_keys(site, jobs, templates=templates, asset_names=asset_names, geo=geo, pictures={})

    before = keys({})
    index_renamed = keys({"gemeenten-index.json": "assets/gemeenten-index.0123abcd.json"})
    assert {path for path in before if index_renamed[path] != before[path]} == {"gemeenten/index.html"}
    style_renamed = keys({"style.css": "assets/style.0123abcd.css"})
    assert all(style_renamed[path] != before[path] for path in before)
    assert len(before) > 10


def test_the_pages_of_items_are_the_pages_their_kinds_url_rule_makes() -> None:
    """Stories, IGS'en and pages carry their URLs and output paths: their jobs are made from them,
    and are the jobs the kind's URL rule makes of its pages (sitegen.pages.PageKind.jobs)."""
    import dataclasses

    from conftest import ROOT, SAMPLE

    from sitegen import pages
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    fast = [kind for kind in pages.KINDS if isinstance(kind.pages, pages._Items)]
    assert {kind.name for kind in fast} == {"igs", "article", "page"}
    for kind in fast:
        by_rule = dataclasses.replace(kind, pages=lambda site, earlier, kind=kind: kind.pages(site, earlier))
        made = [job[1:] for job in kind.jobs(site, [])]
        assert made and made == [job[1:] for job in by_rule.jobs(site, [])]


def _story(content: Path, slug: str, front: str) -> None:
    (content / "articles" / f"{slug}.md").write_text(f"---\n{front}---\nTekst van {slug}.\n", encoding="utf-8")


@pytest.mark.parametrize("preview", [False, True], ids=["new process", "preview"])
def test_story_lists_are_rendered_again_exactly_when_what_they_list_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """A story list (all stories, per type, per tag), the feed and an IGS page are keyed by the cards
    of the stories they list and the filters they show: an edit of a story's summary renders again
    only the lists that show it, with the cold build's bytes; a filter that changes, every list. So
    in a new process (the build cache alone) and in the preview, which keeps what each page's cards
    showed by the very story objects (pages.KeyInputs.cards) and the stories of each tag and type
    (pages.StoryLists.take_over) from one build to the next."""
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    content, _, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    common = 'igs: [noord]\nsummary: "Een verhaal."\n'
    _story(content, "extra-a", f"title: Extra A\ntype: news\ndate: 2021-05\n{common}tags: [erfgoed, jong talent]\n")
    _story(content, "extra-b", f"title: Extra B\ntype: spotlight\ndate: 2022-01\n{common}tags: [erfgoed]\n")
    extra_a, extra_b = content / "articles" / "extra-a.md", content / "articles" / "extra-b.md"
    every = {"verhalen/index.html", "feed.xml", "igs/noord/index.html", "igs/zuid/index.html"} | {
        f"verhalen/{kind}/{name}/index.html"
        for kind, names in (("soort", ("interview", "spotlight", "news")), ("trefwoord", ("erfgoed", "jong-talent")))
        for name in names
    }  # fmt: skip
    lists = every - {"feed.xml", "igs/noord/index.html", "igs/zuid/index.html"}
    edits = [
        # A title: the lists that show the story, the feed, its IGS's page; not the other tag's nor type's.
        (lambda: _replace(extra_b, r"^title: .*$", "title: Extra B anders"),
         {"verhalen/index.html", "verhalen/soort/spotlight/index.html", "verhalen/trefwoord/erfgoed/index.html",
          "feed.xml", "igs/noord/index.html"}),
        # Its tags: only the pages of the tags it left and joined (no list shows a story's tags).
        (lambda: _replace(extra_b, r"^tags: .*$", "tags: [jong talent]"),
         {"verhalen/trefwoord/erfgoed/index.html", "verhalen/trefwoord/jong-talent/index.html"}),
        # A date moves it in every list it is on.
        (lambda: _replace(extra_a, r"^date: .*$", "date: 2023-06"),
         {"verhalen/index.html", "verhalen/soort/news/index.html", "verhalen/trefwoord/erfgoed/index.html",
          "verhalen/trefwoord/jong-talent/index.html", "feed.xml", "igs/noord/index.html"}),
        # The first story of zuid: the filter by IGS (on the first page of all stories) names zuid
        # now, and the lists that show the story its IGS (the feed's key digests the summaries, its
        # IGS'en among them).
        (lambda: _replace(extra_b, r"^igs: .*$", "igs: [zuid]"),
         {"verhalen/index.html", "verhalen/soort/spotlight/index.html", "verhalen/trefwoord/jong-talent/index.html",
          "feed.xml", "igs/noord/index.html", "igs/zuid/index.html"}),
        # The last news: its type's page goes and the filter by type loses it.
        (lambda: _replace(extra_a, r"^type: .*$", "type: interview"),
         lists | {"feed.xml", "igs/noord/index.html"}),
        # Its text alone: its own page, none of these.
        (lambda: _replace(extra_a, r"\Z", "Een nieuwe alinea.\n"), set()),
        # A summary: the lists that show it, the feed and its IGS's page again.
        (lambda: _replace(extra_a, r"^summary: .*$", 'summary: "Een ander verhaal."'),
         {"verhalen/index.html", "verhalen/soort/interview/index.html", "verhalen/trefwoord/erfgoed/index.html",
          "verhalen/trefwoord/jong-talent/index.html", "feed.xml", "igs/noord/index.html"}),
        # An IGS's summary: its own page; no list shows it.
        (lambda: _replace(content / "igs" / "zuid.yaml", r"^summary: \"", 'summary: "Bewerkt. '),
         {"igs/zuid/index.html"}),
        # An IGS renamed: the filter by IGS (on the first page of all stories) names it, and its own page.
        (lambda: _replace(content / "igs" / "zuid.yaml", r"^name: .*$", "name: Cultuurregio Zuiderkempen"),
         {"verhalen/index.html", "igs/zuid/index.html"}),
    ]  # fmt: skip

    def versions(memo: Memo) -> dict[str, bytes | None]:
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        cold = build_files(options, Memo())[1]
        assert dict(files.items()) == dict(cold.items())
        return {name: files.version(name) if name in files else None for name in every}

    kept = Memo(MemoryStore())

    def memo() -> Memo:
        return kept if preview else Memo(DiskStore(tmp_path / "cache"))  # a new process: nothing but the cache

    before = versions(memo())
    assert None not in before.values()
    for number, (edit, changed) in enumerate(edits):
        edit()
        after = versions(memo())
        assert {name for name in every if after[name] != before[name]} == changed, number
        before = after


@pytest.mark.parametrize("preview", [False, True], ids=["new process", "preview"])
def test_a_title_edit_renders_again_exactly_the_pages_of_the_lists_that_show_the_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """The story lists come in pages (STORIES_PER_PAGE stories each), each keyed by the stories it
    shows: a title edit renders again the pages that show the story (of all stories, its type's, its
    tag's), its own page and its IGS's, and the feed only where it is among the newest; not the
    other pages of those lists nor the sitemap (URLs and dates). With the cold build's bytes, in a new
    process and in the preview (which keeps each page's cards by the very stories it shows)."""
    from sitegen.memo import Memo
    from sitegen.pages import FEED_STORIES, STORIES_PER_PAGE
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    content, _, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    count = max(3 * STORIES_PER_PAGE, FEED_STORIES + STORIES_PER_PAGE)  # the oldest are not in the feed
    for n in range(count):  # n000 the oldest; two types and two tags, each list of several pages
        date = f"2024-{1 + n // 28:02}-{1 + n % 28:02}"
        front = f"title: Verhaal {n}\ntype: {('news', 'spotlight')[n % 2]}\ndate: {date}\n"
        tags = "[erfgoed]" if n % 3 else "[erfgoed, jong talent]"
        _story(content, f"n{n:03}", f'{front}igs: [noord]\nsummary: "Over {n}."\ntags: {tags}\n')

    def build(memo: Memo) -> dict[str, tuple[bytes, bytes]]:
        """Each page's version and bytes, the cold build's (the search index is another test's)."""
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        cold = build_files(options, Memo())[1]
        pages = [name for name in files if name.endswith((".html", ".xml"))]
        assert [files[name] for name in pages] == [cold[name] for name in pages]
        return {name: (files.version(name), files[name]) for name in pages}

    listing = re.compile(r"verhalen/((soort|trefwoord)/[a-z-]+/)?(pagina/\d+/)?index.html")

    def showing(pages: dict[str, tuple[bytes, bytes]], slug: str) -> set[str]:
        """The pages of the story lists that show the story."""
        link = f'href="/verhalen/{slug}/"'.encode()
        return {name for name, (_, page) in pages.items() if listing.fullmatch(name) and link in page}

    kept = Memo(MemoryStore())

    def memo() -> Memo:
        return kept if preview else Memo(DiskStore(tmp_path / "cache"))  # a new process: nothing but the cache

    before = build(memo())
    newest_first = [f"n{n:03}" for n in reversed(range(count))]
    for slug, in_feed in ((newest_first[STORIES_PER_PAGE + 5], True), (newest_first[-2], False)):
        story = content / "articles" / f"{slug}.md"
        _replace(story, r"^title: .*$", f"title: {slug} anders")
        after = build(memo())
        again = {name for name in after if after[name][0] != before[name][0]}
        lists = showing(after, slug)
        assert len(lists) == 3 + (int(slug[1:]) % 3 == 0), slug  # all, its type, erfgoed (jong talent)
        assert "verhalen/index.html" not in lists, slug  # on a later page of all stories
        feed = {"feed.xml"} if in_feed else set()
        assert again == lists | {f"verhalen/{slug}/index.html", "igs/noord/index.html"} | feed, slug
        assert {name for name in after if after[name][1] != before[name][1]} == again, slug
        before = after


def _parts_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The list the story cards' and the feed entries' macros are named in as they are called."""
    from sitegen import render

    made: list[str] = []
    macro = render._macro

    def counted(env: object, template: str, name: str) -> object:
        found = macro(env, template, name)  # type: ignore[arg-type]
        return lambda *args: made.append(name) or found(*args)

    monkeypatch.setattr(render, "_macro", counted)
    return made


@pytest.mark.parametrize("preview", [False, True], ids=["new process", "preview"])
def test_a_rebuild_that_shows_few_cards_keeps_those_of_every_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """A rebuild makes and reads the cards and feed entries of the stories on the pages it renders
    only, yet the cache keeps those of every story (Memo.hold): after a title edit that renders a few
    pages, a new story, which moves every story of every list to another place, makes its own card
    and entry alone; with the cold build's bytes. A card kept under a stale key (the title before the
    edit) would show the old title on every page of all stories."""
    import collections

    from sitegen.memo import Memo
    from sitegen.pages import FEED_STORIES, STORIES_PER_PAGE
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    content, _, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    count = FEED_STORIES + 2 * STORIES_PER_PAGE
    for n in range(count):  # n000 the oldest: not in the feed, on the last page of every list
        date = f"2024-{1 + n // 28:02}-{1 + n % 28:02}"
        front = f"title: Verhaal {n}\ntype: {('news', 'spotlight')[n % 2]}\ndate: {date}\n"
        _story(content, f"n{n:03}", f'{front}igs: [noord]\nsummary: "Over {n}."\ntags: [erfgoed]\n')
    made = _parts_made(monkeypatch)
    kept = Memo(MemoryStore())

    def build() -> collections.Counter[str]:
        memo = kept if preview else Memo(DiskStore(tmp_path / "cache"))  # a new process: nothing but the cache
        made.clear()
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        made_now = collections.Counter(made)
        cold = build_files(options, Memo())[1]
        pages = [name for name in files if name.endswith((".html", ".xml"))]  # the search index is another test's
        assert [files[name] for name in pages] == [cold[name] for name in pages]
        return made_now

    assert build()["article_card"] >= count  # cold
    _replace(content / "articles" / "n000.md", r"^title: .*$", "title: Het oudste verhaal")
    assert build() == {"article_card": 1}  # its card; not in the feed
    _story(
        content,
        "nieuw",
        'title: Nieuw\ntype: news\ndate: 2025-01-01\nigs: [noord]\nsummary: "Nieuw."\ntags: [erfgoed]\n',
    )
    assert build() == {"article_card": 1, "feed_entry": 1}


@pytest.mark.parametrize("preview", [False, True], ids=["new process", "preview"])
def test_story_cards_and_feed_entries_are_remembered_by_what_they_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preview: bool
) -> None:
    """The story lists take each story's card from the memo, keyed by its summary, its picture, the
    templates and the base URL, and the feed each story's entry, keyed by its summary, the templates
    and the base URL: an edit makes only the cards and entries it changes, with the cold build's bytes
    (in the preview too, where an image edit leaves the story the very same object)."""
    import collections
    import dataclasses
    import io

    from PIL import Image

    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    content, templates, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    kept = Memo(MemoryStore())

    def photo(width: int, height: int) -> None:
        buffer = io.BytesIO()
        Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "JPEG", quality=90)
        (content / "images").mkdir(exist_ok=True)
        (content / "images" / "foto.jpg").write_bytes(buffer.getvalue())

    photo(800, 400)
    project = content / "articles" / "project-x.md"
    _replace(project, r"^tags: (.*)$", r"tags: \1\nimage:\n  src: images/foto.jpg\n  alt: Een foto")
    # (edit, the cards and the entries made again, of the 2 stories shown; None: the feed is not rendered)
    edits = [
        (lambda: None, 0, 0),
        (lambda: _replace(project, r"^title: .*$", "title: Project X anders"), 1, 1),
        (lambda: photo(1200, 300), 1, None),  # the same image, other sizes: its card's picture
        (lambda: _replace(templates / "_macros.html", r"card-kicker", "card-kicker card-kop"), 2, 2),
        (lambda: None, 0, 2),  # another base URL (below): the feed's absolute URLs
        (lambda: None, 2, 2),  # and another base path: every link
    ]
    base_urls = {len(edits) - 2: "https://ander.example/", len(edits) - 1: "https://ander.example/onder/"}
    made = _parts_made(monkeypatch)
    for number, (edit, cards, entries) in enumerate(edits):
        edit()
        if number in base_urls:
            options = dataclasses.replace(options, base_url=base_urls[number])
        memo = kept if preview else Memo(DiskStore(tmp_path / "cache"))
        made.clear()
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        count = collections.Counter(made)
        cold = build_files(options, Memo())[1]
        assert files["verhalen/index.html"] == cold["verhalen/index.html"], number
        assert dict(files.items()) == dict(cold.items()), number
        if number:
            assert count["article_card"] == cards, number
            assert count["feed_entry"] == (entries or 0), number


@pytest.mark.parametrize(("template", "broken"), [("_macros.html", "{% if %}"), ("_feed.xml", "{{ a.nergens }}")])
def test_an_error_in_a_story_parts_template_is_reported_as_the_others_are(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, template: str, broken: str
) -> None:
    """The cards and the feed's entries are made before the pages that show them: a syntax error in
    their template, or one when a part is made, is reported in Dutch with the template and line."""
    _, templates, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = templates / template
    path.write_text(re.sub(r"(\{% macro [^%]*%\})", r"\1" + broken, path.read_text(encoding="utf-8"), count=1))
    code, _, err = run_cli("build", "--content", "content", "--templates", "templates", "--output", "out")
    assert code == 1, err
    assert f"templates/{template}:" in err and "sjabloonfout" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_the_stories_of_each_tag_type_and_igs_are_taken_over_where_they_follow() -> None:
    """The preview's rebuilds take the stories of each tag, type and IGS over from the last site's
    lists (pages.StoryLists.take_over): a story replaced by one of the same tags, type and IGS'en takes
    its place in its groups, the other groups are the last site's; otherwise they are grouped anew.
    Either way they are the groups of the site's own stories."""
    import dataclasses

    from conftest import ROOT, SAMPLE, assert_grouped

    from sitegen import pages
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    at = next(at for at, story in enumerate(site.articles) if story.tags and story.igs)
    story = site.articles[at]

    def replaced(**fields: object) -> pages.Site:
        new = dataclasses.replace(story, **fields)
        return dataclasses.replace(site, articles=(*site.articles[:at], new, *site.articles[at + 1 :]))

    def assert_own(lists: pages.StoryLists) -> None:
        assert_grouped(lists)
        by_igs = pages._grouped(lists.site.articles, pages._igs_of)
        assert all(list(lists.site.articles_for(i.slug)) == by_igs.get(i.slug, []) for i in lists.site.igs)

    last = pages.story_lists(site)
    assert last.by_tag and last.by_type and last.by_igs and last.tags
    retitled = pages.story_lists(replaced(title="Een andere titel"))
    assert_own(retitled)
    assert vars(retitled)["tags"] is last.tags
    for name, keys in pages._GROUPS.items():
        own = set(keys(story))
        assert all(
            getattr(retitled, name)[key] is group for key, group in getattr(last, name).items() if key not in own
        )
    other_type = "news" if story.type != "news" else "interview"
    for changed in (
        replaced(tags=("een heel nieuw trefwoord",)),
        replaced(type=other_type),
        replaced(igs=(*story.igs, "een-ander-igs")),
        dataclasses.replace(site, articles=site.articles[1:]),
    ):
        assert_own(pages.story_lists(changed))


def test_only_the_preview_keeps_the_last_builds_jobs_and_keys_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last build's jobs and page keys by their very objects serve the next build of the same
    process only (the preview's rebuilds: sitegen/pages.py, sitegen/deps.py): its store in memory
    keeps them, a build's disk store (one build a process) is not given them to keep (Memo.lasting);
    either way the pages are the cold build's."""
    from sitegen.deps import LAST_KEYS
    from sitegen.memo import Memo
    from sitegen.pages import _LAST_BUILD, LAST_JOBS
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    cold = build_files(options, Memo())[1]
    for store, lasting in ((DiskStore(tmp_path / "cache"), False), (MemoryStore(), True)):
        memo = Memo(store)
        files = build_files(options, memo)[1]
        assert memo.lasting == lasting
        assert (memo.recalled(LAST_JOBS, _LAST_BUILD) is not None) == lasting
        assert (memo.recalled(LAST_KEYS, _LAST_BUILD) is not None) == lasting
        pages = [name for name in files if name.endswith((".html", ".xml"))]
        assert [files[name] for name in pages] == [cold[name] for name in pages]


def test_a_new_process_takes_the_keys_of_the_pages_without_a_table_by_the_frame_of_the_stories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build with the disk cache takes the keys of the pages of the kinds without a table by version
    (the story lists, the IGS pages, the home page, the feed, the sitemap, ...) from the last build
    where the site is the same but for its stories' bodies, which no such page shows, and what its
    stories show (pages.STORY_DISPLAY: a title, a summary), where it keys again only the pages that show
    those stories; an edit of anything else a story has (its tags), of an IGS, of a template or of the
    base URL keys them all again. Either way the pages are the cold build's."""
    import dataclasses

    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore

    content, templates, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    story = content / "articles" / "project-x.md"
    # (edit, the keys taken from the last build: "all", "some" (the others made again) or "none")
    edits = [
        (lambda: _replace(story, r"\Z", "\nMeer tekst.\n"), "all"),
        (lambda: _replace(story, r"^summary: .*$", 'summary: "Een andere samenvatting."'), "some"),
        (lambda: _replace(story, r"\Z", "\nNog meer tekst.\n"), "all"),
        (lambda: _replace(story, r"^title: .*$", "title: Een andere titel"), "some"),
        (lambda: _replace(story, r"^tags: .*$", "tags: [erfgoed]"), "none"),
        (lambda: _replace(content / "igs" / "noord.yaml", r"^summary: \"", 'summary: "Bewerkt. '), "none"),
        (lambda: _replace(templates / "articles.html", r"card-grid", "card-grid kaarten"), "none"),
        (lambda: None, "all"),
        (lambda: None, "none"),  # another base URL (below)
    ]
    # (A cold build keys the pages whose template names the map's script once it is drawn, on the
    # other core: without the cache. The build after it keeps those too.)
    for number, (edit, taken) in enumerate([(lambda: None, None), (lambda: None, None), *edits]):
        edit()
        if number == len(edits) + 1:
            options = dataclasses.replace(options, base_url="https://ander.example/")
        memo = Memo(DiskStore(tmp_path / "cache"))  # a new process: nothing but the cache
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        hits, misses = memo.finished["kind-page-keys"]
        if taken is not None:
            found = {(True, False): "all", (True, True): "some", (False, True): "none"}.get((hits > 0, misses > 0))
            assert found == taken, (number, hits, misses)
        cold = build_files(options, Memo())[1]
        pages = [name for name in files if name.endswith((".html", ".xml"))]  # the search index is another test's
        assert [files[name] for name in pages] == [cold[name] for name in pages], number


def _many_stories(content: Path) -> int:
    """Stories enough for several pages of every list and the feed; each title unique on the site."""
    from sitegen.pages import FEED_STORIES, STORIES_PER_PAGE

    count = FEED_STORIES + 2 * STORIES_PER_PAGE
    for n in range(count):  # n000 the oldest
        date = f"2024-{1 + n // 28:02}-{1 + n % 28:02}"
        front = f"title: Titel {n:03} apart\ntype: {('news', 'spotlight')[n % 2]}\ndate: {date}\n"
        igs = "[noord, zuid]" if n % 4 == 0 else "[noord]"
        tags = "[erfgoed]" if n % 3 else "[erfgoed, jong talent]"
        _story(content, f"n{n:03}", f'{front}igs: {igs}\nsummary: "Over {n}."\ntags: {tags}\n')
    return count


def test_the_pages_a_kind_says_show_a_story_are_the_pages_that_show_its_title(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PageKind.shows names, of the pages of its kind, those that show a story's title (its cards, its
    feed entry, the home page's latest story): the pages a title edit keys again, where the site is
    otherwise the same (sitegen/deps.py). The sitemap and the pages of the IGS'en's names show none;
    every kind without a table by version declares it."""
    from sitegen import pages
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files

    content, _, _ = _sample_project(tmp_path)
    _many_stories(content)
    monkeypatch.chdir(tmp_path)
    site, files = build_files(BuildOptions(Path("content"), Path("templates"), Path("assets")), Memo())
    declaring = [kind for kind in pages.KINDS if kind.shows is not None]
    assert {kind.name for kind in pages.KINDS if kind.reads is not None and not kind.shared} == {
        kind.name for kind in declaring
    }
    jobs = [job for job in pages.page_jobs(site) if job.kind.shows is not None]
    shown_somewhere = set()
    for story in site.articles:
        title = story.title.encode()  # no character in it that HTML or XML escapes
        showing = {job.context["url"] for job in jobs if title in files[job.out_path]}
        declared = {url for kind in declaring for url in kind.shows(site, [story])}
        # The home page keys the latest story of each kind by all the lists show of it (its interview
        # block shows the person instead of the title).
        assert showing <= declared and declared - showing <= {"/"}, story.slug
        shown_somewhere |= {job.kind.name for job in jobs if job.context["url"] in showing}
    assert shown_somewhere == {"home", "feed", "igs"} | {
        f"stories{sort}{page}" for sort in ("", "-by-type", "-by-tag") for page in ("", "-page")
    }


def test_keys_taken_by_the_frame_of_the_stories_are_the_keys_made_anew(tmp_path: Path) -> None:
    """With the disk store, the keys of the pages of the kinds without a table by version are the last
    build's where the site is the same but for what some stories show (a title, a summary), but those
    of the pages that show them (PageKind.shows): always the keys made anew without a cache. Also
    after a chain of such edits, and after a build with other templates (whose keys were kept under
    another chrome, with nothing dropped: it failed) in between."""
    import dataclasses
    import datetime as dt
    import hashlib
    import shutil
    from types import SimpleNamespace

    from conftest import ROOT

    from sitegen import pages
    from sitegen.dates import PartialDate
    from sitegen.deps import page_keys, template_inputs
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, load_and_validate
    from sitegen.stores import DiskStore

    content, _, _ = _sample_project(tmp_path)
    _many_stories(content)
    site = load_and_validate(BuildOptions(content, ROOT / "templates", ROOT / "assets"))
    templates, _ = template_inputs(ROOT / "templates")
    geo = SimpleNamespace(
        version=b"geo", sources=(), colours={}, overview="", locators={}, villages={}, finder_rows=(), pending=(),
        numbers={}, legend={},
    )  # fmt: skip

    def keys(site: pages.Site, memo: Memo | None, templates: bytes = templates) -> dict[str, bytes]:
        jobs = [job for job in pages.page_jobs(site) if job.kind.reads is not None]
        return page_keys(site, jobs, templates=templates, asset_names={}, geo=geo, pictures={}, memo=memo)

    def edited(site: pages.Site, **changes: dict[str, object]) -> pages.Site:
        """The site with the stories of these slugs changed (each with a version of its own)."""
        articles = []
        for story in site.articles:
            fields = changes.get(story.slug.replace("-", "_"))
            if fields:
                version = hashlib.blake2b(story.version + repr(fields).encode(), digest_size=20).digest()
                story = dataclasses.replace(story, **fields, version=version)
            articles.append(story)
        return dataclasses.replace(site, articles=tuple(articles))

    def cache(name: str) -> Path:
        shutil.copytree(tmp_path / "base", tmp_path / name)
        return tmp_path / name

    memo = Memo(DiskStore(tmp_path / "base"))
    assert keys(site, memo) == keys(site, None)
    memo.finish(success=True)
    others: list[dict[str, object]] = [  # what else a story has: its place (every page of these keyed again)
        {"tags": ("erfgoed", "nieuw")}, {"type": "interview"}, {"igs": ("zuid",)},
        {"date": dt.date(2020, 2, 2)}, {"updated": PartialDate(dt.date(2025, 3, 3), "day")},
    ]  # fmt: skip
    for number, story in enumerate(site.articles):
        edits: list[dict[str, object]] = [{"title": f"{story.title} anders"}, {"summary": "Anders."}]
        for at, fields in enumerate(edits + (others if number % 25 == 0 else [])):
            variant = edited(site, **{story.slug.replace("-", "_"): fields})
            memo = Memo(DiskStore(cache(f"{story.slug}-{at}")))
            assert keys(variant, memo) == keys(variant, None), (story.slug, fields)
            assert (memo.hits("kind-page-keys") > 0) == (at < len(edits))  # taken where only the display changed
    two = edited(site, n000={"title": "Anders"}, n097={"summary": "Anders."})
    memo = Memo(DiskStore(cache("chain")))
    assert keys(two, memo) == keys(two, None)
    memo.finish(success=True)
    three = edited(two, n050={"title": "Ook anders"}, n000={"title": "Weer anders"})
    memo = Memo(DiskStore(tmp_path / "chain"))
    assert keys(three, memo) == keys(three, None)
    assert memo.hits("kind-page-keys") > 0
    other_templates = hashlib.blake2b(b"other templates", digest_size=20).digest()
    memo = Memo(DiskStore(cache("failed")))
    assert keys(two, memo, other_templates) == keys(two, None, other_templates)
    memo.finish(success=False)
    memo = Memo(DiskStore(tmp_path / "failed"))
    assert keys(two, memo) == keys(two, None)
