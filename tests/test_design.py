"""The site's design promises: social cards, the story list's order and filters, tag pages, the
404 page's ways on, and (in Chromium) no horizontal scrolling and a menu that works without JavaScript."""

from __future__ import annotations

import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from PIL import Image

BASE = "https://igs.example/"


class _Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self.titles: list[str] = []
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name") or ""] = a.get("content") or ""
        if tag == "a":
            self.links.append((a.get("href") or "", a))
        if tag == "h2" and "card-title" in (a.get("class") or ""):
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self._in_title and data.strip():
            self.titles.append(data.strip())
            self._in_title = False


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("design") / "site"
    argv = ["--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out), "--base-url", BASE]
    assert build.main(["build", *argv]) == 0  # the visitors' pages; /admin/ has no social card
    return out


def _page(out: Path, rel: str) -> _Page:
    return _Page((out / rel).read_text(encoding="utf-8"))


def test_every_page_has_a_social_card_png_of_1200_by_630(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    cards = set()
    for path in pages:
        meta = _page(site, path.relative_to(site).as_posix()).meta
        url = meta["og:image"]
        assert url.startswith(f"{BASE}assets/social/") and url.endswith(".png"), (path, url)
        assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
        assert meta["og:image:alt"].startswith(meta["og:title"]), meta["og:image:alt"]
        assert meta["twitter:card"] == "summary_large_image"
        data = (site / url.removeprefix(BASE)).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG"
            assert image.size == (1200, 630)
        cards.add(data)
    assert len(cards) == len(pages)  # each page's card carries its own title


def test_social_card_is_deterministic_and_shows_its_input() -> None:
    from sitegen.artwork import Shapes, social_card

    shapes = Shapes(100, 50, "M10 10 90 10 90 40 10 40Z", "M20 20 40 20 40 35Z")
    args = ("Noord", "IGS · Antwerpen", "IGS Cultuur", "Een netwerk van OP/TIL", shapes, "#cc6677")
    first = social_card(*args)
    assert first == social_card(*args)
    assert first != social_card("Zuid", *args[1:])
    assert first != social_card(*args[:4], Shapes(100, 50, shapes.outline), "#cc6677")
    with Image.open(io.BytesIO(first)) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1200, 630)
        colours = {colour for _, colour in rgb.getcolors(maxcolors=256) or []}
    # The IGS's area in its colour (up to the rounding of the 64-colour palette).
    assert any(sum(abs(a - b) for a, b in zip(c, (0xCC, 0x66, 0x77), strict=True)) <= 24 for c in colours)
    # A title too long for three lines is cut, not drawn off the card.
    long_title = " ".join(["samenwerkingsverband"] * 30)
    with Image.open(io.BytesIO(social_card(long_title, *args[1:]))) as image:
        assert image.size == (1200, 630)


def test_shapes_are_read_from_a_locator_svg() -> None:
    from sitegen.artwork import shapes_from_locator

    svg = (
        '<svg viewBox="0 0 240 96" width="240"><title>x</title>'
        '<path d="M1 2 3 4 5 6Z M7 8 9 10 11 12Z" fill="#e3e3e3"/><path d="M1 1 2 2 3 1Z" fill="#b0124f"/></svg>'
    )
    shapes = shapes_from_locator(svg)
    assert shapes is not None
    assert (shapes.width, shapes.height) == (240, 96)
    assert shapes.rings(shapes.outline) == [[(1, 2), (3, 4), (5, 6)], [(7, 8), (9, 10), (11, 12)]]
    assert shapes.rings(shapes.area) == [[(1, 1), (2, 2), (3, 1)]]
    assert shapes_from_locator("<svg></svg>") is None


def test_story_list_is_newest_first_with_filters_that_need_no_script(site: Path) -> None:
    listing = _page(site, "verhalen/index.html")
    text = (site / "verhalen/index.html").read_text()
    dates = re.findall(r'<p class="card-kicker">.*?<time datetime="([^"]+)"', text)
    assert len(dates) == 2 and dates == sorted(dates, reverse=True)
    assert listing.titles[0] == "Project X in de kijker"  # 2023, before the 2020 interview
    hrefs = {href: attrs for href, attrs in listing.links}
    assert hrefs["/verhalen/"].get("aria-current") == "page"
    assert "/verhalen/soort/interview/" in hrefs and "/verhalen/soort/spotlight/" in hrefs
    assert "/verhalen/soort/news/" not in hrefs  # the only news item is not published yet
    assert "/igs/noord/#verhalen" in hrefs  # by IGS: the IGS page's own list of stories
    interviews = _page(site, "verhalen/soort/interview/index.html")
    assert interviews.titles == ["Drie vragen aan An"]
    assert dict(interviews.links)["/verhalen/soort/interview/"].get("aria-current") == "page"
    assert interviews.meta["og:title"] == "Interviews"


def test_tags_link_to_a_page_listing_their_stories(site: Path) -> None:
    article = _page(site, "verhalen/project-x/index.html")
    assert "/verhalen/trefwoord/jong-talent/" in dict(article.links)
    tag_page = _page(site, "verhalen/trefwoord/jong-talent/index.html")
    assert tag_page.titles == ["Project X in de kijker"]
    assert tag_page.meta["og:title"] == "Trefwoord: jong talent"
    sitemap = (site / "sitemap.xml").read_text()
    assert f"{BASE}verhalen/trefwoord/jong-talent/" in sitemap


def test_tag_slugs_fold_case_and_accents() -> None:
    from sitegen.pages import tag_slug, tag_url

    assert tag_slug("Jong talent") == "jong-talent"
    assert tag_slug("Café & Cultuur") == "cafe-cultuur"
    assert tag_url("?!") == ""  # no page for a tag without letters: it stays plain text


def test_404_page_offers_the_finder_and_the_main_sections(site: Path) -> None:
    text = (site / "404.html").read_text()
    form = re.search(
        r'<form class="finder-search" action="([^"]+)" method="get" role="search">(.*?)</form>', text, re.S
    )
    assert form is not None and form[1] == "/gemeenten/"
    assert 'name="q"' in form[2]
    hrefs = dict(_Page(text).links)
    for section in ("/", "/igs/", "/gemeenten/", "/kaart/", "/verhalen/", "/zoeken/"):
        assert section in hrefs, section


def test_cards_show_a_generated_map_when_there_is_no_photo(site: Path) -> None:
    listing = (site / "igs/index.html").read_text()
    pictures = re.findall(r'<div class="card-media card-media-map"><img src="([^"]+)" alt=""', listing)
    assert pictures[0] == "/assets/kaartjes/igs-noord.svg"
    assert pictures[-1] == "/assets/kaartjes/vlaanderen.svg"  # zuid is not on the map: Flanders
    for src in pictures:
        svg = (site / src.lstrip("/")).read_text()
        assert svg.startswith("<svg") and "prefers-color-scheme:dark" in svg


def test_a_story_card_on_an_igs_page_shows_that_igs(content: Path, run_cli) -> None:
    """A story about several IGS'en shows, on each one's page, that one (or Flanders where it has no
    area on the map), never another IGS; elsewhere its first IGS on the map."""
    story = content / "articles/project-x.md"
    story.write_text(story.read_text().replace("igs: [noord]", "igs: [zuid, noord]"))
    out = content.parent / "out"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-cache", "--no-admin")[0] == 0

    def picture(page: str) -> str:
        text = (out / page).read_text()
        card = text[text.index('<a href="/verhalen/project-x/">') :]
        found = re.search(r'<div class="card-media card-media-map"><img src="([^"]+)"', card)
        assert found is not None, page
        return found[1]

    assert picture("igs/noord/index.html") == "/assets/kaartjes/igs-noord.svg"
    assert picture("igs/zuid/index.html") == "/assets/kaartjes/vlaanderen.svg"  # zuid has no area
    assert picture("verhalen/index.html") == "/assets/kaartjes/igs-noord.svg"


def test_igs_page_puts_in_het_kort_under_the_title_and_links_members_to_the_finder(site: Path) -> None:
    text = (site / "igs/noord/index.html").read_text()
    title, facts, lead = text.index("<h1"), text.index('id="in-het-kort"'), text.index('<p class="lead"')
    assert title < facts < lead  # on every screen size, since phones show the page in this order
    facts_html = text[facts : text.index("</aside>", facts)]
    assert "<svg" in facts_html  # the locator map
    for label in ("Provincie", "Gemeenten", "Website", "Coördinator"):
        assert f"<dt>{label}</dt>" in facts_html, label
    members = re.findall(r'<li><a href="/gemeenten/#([^"]+)">([^<]+)</a>', text)
    assert len(members) >= 2
    finder = (site / "gemeenten/index.html").read_text()
    for anchor, name in members:
        row = re.search(rf'<(li|tr) id="{re.escape(anchor)}"[^>]*>(.*?)</\1>', finder, re.S)
        assert row is not None, anchor
        assert name in row[2]


@pytest.mark.browser
def test_no_horizontal_scroll_and_a_menu_without_javascript(site: Path) -> None:
    from browser_support import run_script, serve

    pages = ["", "igs/", "igs/noord/", "verhalen/", "verhalen/project-x/", "gemeenten/", "kaart/", "404.html"]
    with serve(site) as base:
        result = run_script("layout.cjs", base, *pages, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["overflow"] == []
    menu = report["menu"]
    assert menu["phoneRowLinks"] == 0 and menu["phoneLinksClosed"] == 0
    assert menu["phoneLinksOpen"] >= 6 and menu["phoneCurrent"] == "Verhalen"
    assert menu["phoneHeaderHeight"] < 80  # one line: the name and the menu button
    assert menu["wideRowLinks"] >= 6 and menu["wideMenuButtons"] == 0


def test_ci_lighthouse_covers_every_page_type(site: Path) -> None:
    """.ci/run judges one page of each kind the build renders to HTML: every template, and the story
    list in all three of its forms (all stories, one type, one tag)."""
    from sitegen.pages import page_jobs
    from sitegen.pipeline import BuildOptions, load_and_validate

    listed = subprocess.run(
        ["bash", str(ROOT / ".ci" / "lighthouse-pages"), str(site)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(listed) == len(set(listed)) and all((site / page).is_file() for page in listed)
    sample = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    template_of = {job.out_path: job.template for job in page_jobs(sample) if job.out_path.endswith(".html")}
    assert set(template_of.values()) == {template_of[page] for page in listed}
    stories = [page for page in listed if template_of[page] == "articles.html"]
    assert [page.split("/")[1] for page in stories] == ["index.html", "soort", "trefwoord"]


def test_social_cards_are_drawn_once_and_remembered_between_builds(tmp_path: Path, monkeypatch) -> None:
    """A build remembers the cards it drew (on disk, for the next process); the next build draws only
    the cards whose title changed, and its cards are byte for byte those of a build from scratch."""
    import shutil

    from sitegen.artwork import SOCIAL_CARDS
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore

    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    options = BuildOptions(content, ROOT / "templates", ROOT / "assets")

    def cards(files: dict[str, bytes]) -> dict[str, bytes]:
        return {name: data for name, data in files.items() if name.startswith("assets/social/")}

    memo = Memo(DiskStore(tmp_path / "cache"))
    first = cards(build_files(options, memo)[1])
    assert memo.hits(SOCIAL_CARDS.name) == 0 and memo.misses(SOCIAL_CARDS.name) == len(first) > 10
    memo.finish(success=True)

    page = content / "pages" / "contact.md"
    page.write_text(page.read_text(encoding="utf-8").replace("title: Contact", "title: Contact en adres"))
    memo = Memo(DiskStore(tmp_path / "cache"))  # the next build: a new process, only the file
    second = cards(build_files(options, memo)[1])
    assert memo.misses(SOCIAL_CARDS.name) == 1 and memo.hits(SOCIAL_CARDS.name) == len(first) - 1
    assert [name for name in first if first[name] != second[name]] == ["assets/social/contact.png"]
    assert second == cards(build_files(options, Memo())[1])
