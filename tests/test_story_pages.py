"""The story lists come in pages of STORIES_PER_PAGE stories (page 1 at the list's URL, page N at
.../pagina/N/) with a navigation that needs no script; the feed shows the newest FEED_STORIES."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import SAMPLE

from sitegen.pages import FEED_STORIES, STORIES_PER_PAGE, page_links


class _List(HTMLParser):
    """What a page of a story list shows: its title, heading and lead, its cards, its navigations."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.cards: list[str] = []  # the cards' links
        self.pages: list[tuple[str, str, dict[str, str | None]]] = []  # the page navigation's links
        self.navs: list[str] = []  # the aria-labels of the <nav>s
        self._nav: str | None = None
        self._card = False
        self._link: dict[str, str | None] | None = None
        self._link_text = ""
        self.feed(text)
        shown = ("<title>(.*?)</title>", "<h1>(.*?)</h1>", '<p class="lead">(.*?)</p>')
        self.title, self.h1, self.lead = (html.unescape(re.search(pattern, text, re.S)[1]) for pattern in shown)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "nav":
            self._nav = a.get("aria-label") or ""
            self.navs.append(self._nav)
        elif tag == "h2" and "card-title" in (a.get("class") or ""):
            self._card = True
        elif tag == "a":
            self._link, self._link_text = a, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav = None
        elif tag == "h2":
            self._card = False
        elif tag == "a" and self._link is not None:
            href = self._link.get("href") or ""
            if self._card:
                self.cards.append(href)
            elif self._nav and self._nav.startswith("Pagina's"):
                self.pages.append((" ".join(self._link_text.split()), href, self._link))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link_text += data


START = dt.date(2024, 6, 1)


def _story(content: Path, slug: str, day: int, kind: str = "news", tags: str = "erfgoed") -> None:
    date = START + dt.timedelta(days=day)  # a later day, a newer story (all newer than the sample's)
    front = (
        f'title: Verhaal {slug}\ntype: {kind}\ndate: {date}\nigs: [noord]\nsummary: "Over {slug}."\ntags: [{tags}]\n'
    )
    (content / "articles" / f"{slug}.md").write_text(f"---\n{front}---\nTekst.\n", encoding="utf-8")


def _build(run_cli, tmp_path: Path, news: int) -> Path:
    """The sample site with `news` published news stories more (the sample's only news is not
    published yet), newest last: built, link check and all."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    for n in range(news):
        _story(content, f"n{n:03}", n)
    out = tmp_path / "out"
    code, _, err = run_cli("build", "--no-admin", "--content", str(content), "--output", str(out))
    assert code == 0, err
    return out


def _list(out: Path, url: str) -> _List:
    return _List((out / url.strip("/") / "index.html").read_text(encoding="utf-8"))


def test_a_list_of_exactly_one_page_has_no_second_page_nor_navigation(run_cli, tmp_path: Path) -> None:
    out = _build(run_cli, tmp_path, STORIES_PER_PAGE)
    news = _list(out, "/verhalen/soort/news/")
    assert news.cards == [f"/verhalen/n{n:03}/" for n in reversed(range(STORIES_PER_PAGE))]  # newest first
    assert news.pages == [] and "Pagina's van Nieuws" not in news.navs
    assert not (out / "verhalen/soort/news/pagina").exists()
    assert news.h1 == "Nieuws" and news.title.startswith("Nieuws ·")
    assert news.lead == f"{STORIES_PER_PAGE} verhalen, het nieuwste eerst."
    # The list of all stories has the sample's two more: a second page of two.
    assert _list(out, "/verhalen/pagina/2/").cards == ["/verhalen/project-x/", "/verhalen/interview-noord/"]


def test_one_story_more_makes_a_second_page_with_a_navigation_that_links_both(run_cli, tmp_path: Path) -> None:
    out = _build(run_cli, tmp_path, STORIES_PER_PAGE + 1)
    first, second = _list(out, "/verhalen/soort/news/"), _list(out, "/verhalen/soort/news/pagina/2/")
    assert first.cards == [f"/verhalen/n{n:03}/" for n in reversed(range(1, STORIES_PER_PAGE + 1))]
    assert second.cards == ["/verhalen/n000/"]  # the oldest
    assert not (out / "verhalen/soort/news/pagina/3").exists() and not (out / "verhalen/soort/news/pagina/1").exists()
    # Both say how many stories the list has; the second page says which page it is.
    for page in (first, second):
        assert page.lead == f"{STORIES_PER_PAGE + 1} verhalen, het nieuwste eerst."
        assert "Kruimelpad" in page.navs and "Verhalen filteren" in page.navs
    assert second.h1 == "Nieuws, pagina 2 van 2"
    assert second.title.startswith("Nieuws, pagina 2 van 2 ·")
    assert first.h1 == "Nieuws"
    shown = [(text, href, attrs.get("aria-current"), attrs.get("rel")) for text, href, attrs in first.pages]
    assert shown == [
        ("Pagina 1", "/verhalen/soort/news/", "page", None),
        ("Pagina 2", "/verhalen/soort/news/pagina/2/", None, None),
        ("Volgende pagina", "/verhalen/soort/news/pagina/2/", None, "next"),
    ]
    shown = [(text, href, attrs.get("aria-current"), attrs.get("rel")) for text, href, attrs in second.pages]
    assert shown == [
        ("Vorige pagina", "/verhalen/soort/news/", None, "prev"),
        ("Pagina 1", "/verhalen/soort/news/", None, None),
        ("Pagina 2", "/verhalen/soort/news/pagina/2/", "page", None),
    ]
    # The type filter marks the list's own type on each of its pages (a page of it, not the page).
    html = (out / "verhalen/soort/news/pagina/2/index.html").read_text(encoding="utf-8")
    assert '<a href="/verhalen/soort/news/" aria-current="true">Nieuws</a>' in html
    # Every page of every list is in the sitemap (the build's link check found each link).
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    later = sorted(p.parent.relative_to(out).as_posix() for p in out.glob("verhalen/**/pagina/*/index.html"))
    assert later == ["verhalen/pagina/2", "verhalen/soort/news/pagina/2", "verhalen/trefwoord/erfgoed/pagina/2"]
    assert all(f"/{folder}/</loc>" in sitemap for folder in later)


def test_the_filter_by_igs_is_only_on_the_first_page_of_all_stories(run_cli, tmp_path: Path) -> None:
    out = _build(run_cli, tmp_path, STORIES_PER_PAGE + 1)
    pages = sorted(out.glob("verhalen/index.html")) + sorted(out.glob("verhalen/*/**/index.html"))
    lists = [page for page in pages if "Verhalen filteren" in page.read_text(encoding="utf-8")]
    assert len(lists) == 2 + 2 + 1 + 1 + 2 + 1  # all, news, spotlight, interview, erfgoed, jong talent
    with_igs = [page.relative_to(out).as_posix() for page in lists if "Per IGS" in page.read_text(encoding="utf-8")]
    assert with_igs == ["verhalen/index.html"]
    assert 'href="/igs/noord/#verhalen"' in (out / "verhalen/index.html").read_text(encoding="utf-8")


def test_the_feed_shows_the_newest_stories_only(run_cli, tmp_path: Path) -> None:
    out = _build(run_cli, tmp_path, FEED_STORIES + 3)
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    ids = re.findall(r"<id>https://[^<]*/verhalen/([^/<]+)/</id>", feed)
    assert ids == [f"n{n:03}" for n in reversed(range(3, FEED_STORIES + 3))]  # newest first
    published = re.findall(r"<published>([^<]+)</published>", feed)
    assert published == sorted(published, reverse=True)
    newest = (START + dt.timedelta(days=FEED_STORIES + 2)).isoformat()
    assert re.search(r"</author>", feed) and f"<updated>{newest}T00:00:00Z</updated>\n  <author>" in feed


def test_a_site_without_stories_has_the_first_page_of_its_list(run_cli, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    for story in (content / "articles").glob("*.md"):
        story.unlink()
    noord = content / "igs" / "noord.yaml"  # it links to two stories
    noord.write_text(re.sub(r"/verhalen/[a-z-]+/", "/kaart/", noord.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("build", "--no-admin", "--content", str(content), "--output", str(out))
    assert code == 0, err
    page = (out / "verhalen/index.html").read_text(encoding="utf-8")
    assert "<p>Er zijn nog geen verhalen.</p>" in page and "Pagina's" not in page
    assert not (out / "verhalen/pagina").exists()


@pytest.mark.parametrize(
    ("number", "count", "shown"),
    [
        (1, 1, [1]),
        (1, 2, [1, 2]),
        (3, 5, [1, 2, 3, 4, 5]),  # a gap of one page is that page
        (1, 417, [1, 2, None, 417]),
        (5, 417, [1, None, 4, 5, 6, None, 417]),
        (417, 417, [1, None, 416, 417]),
        (4, 7, [1, 2, 3, 4, 5, 6, 7]),
        (4, 8, [1, 2, 3, 4, 5, None, 8]),
    ],
)
def test_the_navigation_of_many_pages_is_compact(number: int, count: int, shown: list[int | None]) -> None:
    assert page_links(number, count) == shown
