"""The link checker reads pages with lexbor (selectolax); it must find what html.parser found (each URL
once, in the order of its first appearance)."""

from __future__ import annotations

import dataclasses
import pickle
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.linkcheck import META_URL_PROPERTIES, ParsedPage, parse_page

GOLDEN = Path(__file__).resolve().parent / "golden"


class _Reference(HTMLParser):
    """The former html.parser reading, kept here as the reference."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value for name, value in attrs if value is not None}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.ids.add(values["name"])
        self.links += [values[name] for name in ("href", "src") if name in values]
        if tag == "meta" and values.get("property", values.get("name")) in META_URL_PROPERTIES:
            self.links.append(values.get("content", ""))

    handle_startendtag = handle_starttag


def reference(html: str) -> tuple[set[str], list[str]]:
    parser = _Reference()
    parser.feed(html)
    parser.close()
    return parser.ids, list(dict.fromkeys(parser.links))


def lexbor(html: str) -> tuple[set[str], list[str]]:
    page = parse_page(html)
    assert parse_page(html.encode("utf-8")) == page  # the bytes of a page read as its text
    return set(page.ids), list(page.links)


PAGES = sorted(GOLDEN.rglob("*.html"))
SNIPPETS = [
    '<a href="/a/?x=1&amp;y=2#s">a</a><A HREF=/b/ ID=Up>b</A>',
    "<p id=één>tekst<p id='twee'><img src=images/x.png alt>",
    '<meta name="twitter:image" content="/i.png"><meta property="og:url"><meta name="description" content="/x">',
    "<noscript><a href=/geen-js/>lijst</a></noscript><script>var a = '<a href=\"/nee/\">';</script>",
    '<svg viewBox="0 0 1 1"><a href="/svg/" id="s1"><rect/></a></svg><a name="oud"></a><a href>leeg</a>',
    "<table><tr><td><a href=/cel/ id=c>c</a></td></tr></table><!-- <a href=/commentaar/> -->",
    '<a href="/&eacute;t&#233;/" id="&lt;x&gt;">entiteiten</a><link rel="alternate" href="/feed.xml">',
    # Twice the same URL, and an anchor closed out of order, which the HTML5 parser copies after it.
    '<a href="/x/">x</a><p>en <a href="/x/">x</a><a href="/y/" id="y"><div>blok</a> <img src="/i.png">',
    '<meta property name="og:image" content="/kaart.png"><a property="og:url" name="a1" href="/">',
]


def test_golden_pages_exist() -> None:
    assert len(PAGES) >= 10


@pytest.mark.parametrize("path", PAGES, ids=[str(p.relative_to(GOLDEN)) for p in PAGES])
def test_same_ids_and_links_on_the_golden_site(path: Path) -> None:
    html = path.read_text(encoding="utf-8")
    ids, links = lexbor(html)
    assert (ids, links) == reference(html)
    assert links  # every page links somewhere: the comparison is not empty


@pytest.mark.parametrize("html", SNIPPETS, ids=range(len(SNIPPETS)))
def test_same_ids_and_links_on_unusual_markup(html: str) -> None:
    assert lexbor(html) == reference(html)


def test_a_parsed_page_comes_back_from_a_worker_whole() -> None:
    """ParsedPage pickles by its own __reduce__ (pmap's workers send back every page): every field
    survives the trip, and a link two pages share is still one string."""
    fields = dataclasses.fields(ParsedPage)
    made = {field.name: type(field.default)([sys.intern(f"/veld-{n}/#{field.name}")]) for n, field in enumerate(fields)}
    page = ParsedPage(**made)
    other = parse_page('<a href="/veld-1/#links">a</a>')
    pages = pickle.loads(pickle.dumps([page, other], protocol=pickle.HIGHEST_PROTOCOL))
    back = pages[0]
    assert type(back) is ParsedPage and back == page
    assert all(getattr(back, field.name) == getattr(page, field.name) for field in fields)
    assert pages[1].links[0] is back.links[0]
