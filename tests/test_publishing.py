"""Publishing: the site works at a domain root and under a subpath, with valid sitemap, feed,
robots.txt, social meta and JSON-LD, stable asset names and byte-identical rebuilds."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen.register import load_register

SUBPATH_URL = "https://org.github.io/repo/"
ROOT_URL = "https://igs.example/"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# What may appear in a URL without encoding (RFC 3986), plus '%' for encoded characters.
URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Page(HTMLParser):
    """Every id, every href/src (with its tag), every <meta> and every JSON-LD block of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.meta: dict[str, str] = {}
        self.jsonld: list[dict] = []
        self._in_jsonld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        for attribute in ("href", "src"):
            if attribute in values:
                self.urls.append((tag, attribute, values[attribute]))
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta[values.get("property") or values["name"]] = values.get("content", "")
        self._in_jsonld = tag == "script" and values.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld.append(json.loads(data))

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = False


@pytest.fixture(scope="module", params=["shipped", "edited"])
def sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The shipped content, and a copy with an editor's typical changes (tests/editor_changes.py),
    each built at a domain root and under a subpath. Tests on it assert what holds for any valid
    content; what the sample content should give is tested on tests/sample_site.

    The visitors' site: the /admin/ editor is no page of it (tests/test_admin.py checks it).
    """
    import build

    content = ROOT / "content" if request.param == "shipped" else request.getfixturevalue("edited_content")
    built = {"content": content}
    for name, base_url in (("root", ROOT_URL), ("subpath", SUBPATH_URL)):
        out = tmp_path_factory.mktemp(name)
        argv = ["build", "--no-admin", "--content", str(content), "--output", str(out), "--base-url", base_url]
        assert build.main(argv) == 0
        built[name] = out
    return built


def _target(out: Path, base_path: str, path: str) -> Path:
    assert path.startswith(base_path), f"{path} lies outside {base_path}"
    rel = unquote(path[len(base_path) :])
    target = out / rel
    return target / "index.html" if rel == "" or rel.endswith("/") else target


@pytest.mark.parametrize(("name", "base_url"), [("root", ROOT_URL), ("subpath", SUBPATH_URL)])
def test_every_href_and_src_resolves(sites: dict[str, Path], name: str, base_url: str) -> None:
    out = sites[name]
    base_path = urlsplit(base_url).path
    pages = {p: Page(p.read_text()) for p in sorted(out.rglob("*.html"))}
    checked = 0
    for path, page in pages.items():
        rel = path.relative_to(out).as_posix()
        page_url = base_url + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel)
        for tag, attribute, value in page.urls:
            assert URL_CHARACTERS.fullmatch(value), f"{rel}: {tag} {attribute}={value!r} is not a valid URL as written"
            absolute = urljoin(page_url, value)
            parts = urlsplit(absolute)
            if parts.scheme in ("mailto", "tel") or not absolute.startswith(base_url):
                assert tag in ("a",) or attribute == "href", f"{rel}: external {tag} {attribute}={value}"
                continue
            if value.startswith("/"):
                assert value.startswith(base_path), f"{rel}: {value} misses the base path {base_path}"
            target = _target(out, base_path, parts.path)
            assert target.is_file(), f"{rel}: {tag} {attribute}={value} -> {target} does not exist"
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids
                assert unquote(parts.fragment) in ids, f"{rel}: {value}: no id {parts.fragment} in {target}"
            checked += 1
    # Not a vacuous pass: at least each page's canonical, stylesheet and favicon, and each finder row's map link.
    rows = len(load_register(sites["content"], ROOT).municipalities)
    assert checked >= 3 * len(pages) + rows, checked


@pytest.mark.parametrize(("name", "base_url"), [("root", ROOT_URL), ("subpath", SUBPATH_URL)])
def test_canonical_social_and_head_links_follow_the_base_url(sites: dict[str, Path], name: str, base_url: str) -> None:
    out = sites[name]
    base_path = urlsplit(base_url).path
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        page = Page(path.read_text())
        expected = base_url + (rel.removesuffix("index.html") if rel.endswith("index.html") else rel)
        links = {value for tag, _, value in page.urls if tag == "link"}
        assert expected in links, f"{rel}: canonical {expected} missing"
        assert page.meta["og:url"] == expected
        assert f"{base_path}feed.xml" in links
        assert f"{base_path}assets/favicon.svg" in links
        assert page.meta["twitter:card"] == "summary_large_image"
        assert page.meta["og:title"] and page.meta["og:description"]
        card = page.meta["og:image"]
        assert card.startswith(f"{base_url}assets/social/") and card.endswith(".png"), card
        assert (out / card.removeprefix(base_url)).is_file(), card


@pytest.mark.parametrize(("name", "base_url"), [("root", ROOT_URL), ("subpath", SUBPATH_URL)])
def test_sitemap_lists_every_page_under_the_base_url(sites: dict[str, Path], name: str, base_url: str) -> None:
    out = sites[name]
    root = ET.parse(out / "sitemap.xml").getroot()
    assert root.tag == f"{SITEMAP}urlset"
    locs = [url.findtext(f"{SITEMAP}loc") or "" for url in root.findall(f"{SITEMAP}url")]
    assert len(locs) == len(set(locs))
    for url in root.findall(f"{SITEMAP}url"):
        lastmod = url.findtext(f"{SITEMAP}lastmod")
        if lastmod is not None:
            dt.date.fromisoformat(lastmod)
    pages = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    assert {_target(out, base_url, loc).relative_to(out).as_posix() for loc in locs} == pages
    robots = (out / "robots.txt").read_text().splitlines()
    assert f"Sitemap: {base_url}sitemap.xml" in robots


@pytest.mark.parametrize(("name", "base_url"), [("root", ROOT_URL), ("subpath", SUBPATH_URL)])
def test_feed_follows_the_atom_rules(sites: dict[str, Path], name: str, base_url: str) -> None:
    """RFC 4287: one id, title and updated per feed and entry; authors; alternate links; RFC 3339 dates."""
    out = sites[name]
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    for element in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{element}")) == 1, element
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    self_links = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_links == [f"{base_url}feed.xml"]
    feed_has_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(list((out / "verhalen").glob("*/index.html"))) > 0
    ids = []
    for entry in entries:
        for element in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{element}")) == 1, element
        ids.append(entry.findtext(f"{ATOM}id"))
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert RFC3339.match(entry.findtext(f"{ATOM}published") or "")
        assert feed_has_author or entry.find(f"{ATOM}author") is not None
        alternates = [link.get("href") or "" for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(alternates) == 1
        assert _target(out, base_url, alternates[0]).is_file()
    assert len(ids) == len(set(ids))
    newest = max(entry.findtext(f"{ATOM}updated") or "" for entry in entries)
    assert feed.findtext(f"{ATOM}updated") == newest


def test_json_ld_on_every_page_follows_the_page(sites: dict[str, Path]) -> None:
    """Whatever the content: one graph at most per page, an Organization on the home page and on
    every IGS page, an Article on every article page with its own address and date."""
    out = sites["subpath"]
    home = Page((out / "index.html").read_text()).jsonld
    assert len(home) == 1
    assert any(node["@type"] == "Organization" for node in home[0]["@graph"])
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        blocks = Page(path.read_text()).jsonld
        assert len(blocks) <= 1, rel
        parts = rel.split("/")
        if len(parts) == 3 and parts[0] == "verhalen":
            article = blocks[0]
            assert article["@context"] == "https://schema.org" and article["@type"].endswith("Article"), rel
            assert article["url"] == f"{SUBPATH_URL}verhalen/{parts[1]}/"
            assert f'<time datetime="{article["datePublished"]}"' in path.read_text(), rel
            assert article["headline"] and article["description"] and article["author"]["name"], rel
        elif len(parts) == 3 and parts[0] == "igs":
            assert blocks[0]["@type"] == "Organization" and blocks[0]["name"], rel


def test_json_ld_of_the_sample_site(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli(
        "build", "--content", str(SAMPLE / "content"), "--output", str(out), "--base-url", SUBPATH_URL
    )
    assert code == 0, err
    home = Page((out / "index.html").read_text()).jsonld
    organisation = next(node for node in home[0]["@graph"] if node["@type"] == "Organization")
    assert organisation["name"] == "Voorbeeldorganisatie"
    article = Page((out / "verhalen/project-x/index.html").read_text()).jsonld[0]
    assert article["url"] == f"{SUBPATH_URL}verhalen/project-x/"
    assert article["datePublished"] == "2023-03"  # the month, as precise as the file says
    assert article["author"]["name"] == article["publisher"]["name"] == "Voorbeeldorganisatie"
    igs = Page((out / "igs/noord/index.html").read_text()).jsonld[0]
    assert igs["@type"] == "Organization"
    assert igs["name"] == "Cultuurregio Noord"
    assert "Herentals" in igs["areaServed"] and len(igs["areaServed"]) == 3


def test_json_ld_cannot_close_its_script_element() -> None:
    from sitegen.templating import jsonld

    text = str(jsonld({"name": "</script><script>alert(1)</script> & <!--", "empty": None, "list": ["", "x"]}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--", "list": ["x"]}


def _content_with_image(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    (content / "images").mkdir(exist_ok=True)
    from PIL import Image

    Image.new("RGB", (64, 48), (90, 40, 20)).save(content / "images" / "zaal.png")  # a real image: it is resized
    article = content / "articles" / "project-x.md"
    text = article.read_text()
    article.write_text(
        text.replace("tags: [jong talent]", 'tags: [jong talent]\nimage:\n  src: images/zaal.png\n  alt: "Een zaal"')
    )
    return content


def test_article_image_is_in_jsonld_and_its_card_and_keeps_its_name(run_cli, tmp_path: Path) -> None:
    content = _content_with_image(tmp_path)
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out), "--base-url", SUBPATH_URL)
    assert code == 0, err
    assert (out / "images/zaal.png").read_bytes() == (content / "images/zaal.png").read_bytes()
    page = Page((out / "verhalen/project-x/index.html").read_text())
    # og:image is the page's generated social card (tests/test_design.py); the photo is the article's image.
    assert page.meta["og:image"] == f"{SUBPATH_URL}assets/social/verhalen/project-x.png"
    assert page.jsonld[0]["image"] == f"{SUBPATH_URL}images/zaal.png"
    assert ("img", "src", "/repo/images/zaal-64w.jpg") in page.urls  # the resized fallback
    # The story's card in the list shows the photo instead of a generated map.
    listing = Page((out / "verhalen/index.html").read_text())
    assert ("img", "src", "/repo/images/zaal-64w.jpg") in listing.urls


def test_css_and_js_are_fingerprinted_images_and_favicon_are_not(sites: dict[str, Path]) -> None:
    out = sites["root"]
    for path in (out / "assets").rglob("*"):
        if path.suffix in (".css", ".js"):
            assert re.fullmatch(r".+\.[0-9a-f]{10}\.(css|js)", path.name), path.name
    assert (out / "assets/favicon.svg").read_bytes() == (ROOT / "assets/favicon.svg").read_bytes()
    styles = list((out / "assets").glob("style.*.css"))
    assert len(styles) == 1
    assert f'href="/assets/{styles[0].name}"' in (out / "index.html").read_text()


def test_fingerprint_changes_with_the_content(tmp_path: Path) -> None:
    from sitegen.render import load_assets

    assets = tmp_path / "assets"
    (assets / "img").mkdir(parents=True)
    (assets / "site.css").write_text("a{}")
    (assets / "img" / "logo.png").write_bytes(b"png")
    first = load_assets(assets)
    (assets / "site.css").write_text("a{color:red}")
    (assets / "img" / "logo.png").write_bytes(b"other png")
    second = load_assets(assets)
    assert first.out_path("site.css") != second.out_path("site.css")
    assert first.out_path("img/logo.png") == second.out_path("img/logo.png") == "assets/img/logo.png"


def test_subpath_builds_are_byte_identical_and_carry_no_build_time(sites: dict[str, Path], tmp_path: Path) -> None:
    import build

    again = tmp_path / "again"
    content = str(sites["content"])
    argv = ["build", "--no-admin", "--content", content, "--output", str(again), "--base-url", SUBPATH_URL]
    assert build.main(argv) == 0
    first = tree_bytes(sites["subpath"])
    assert first == tree_bytes(again)
    now = dt.datetime.now(dt.UTC)
    stamps = {now.strftime("%Y-%m-%dT%H"), now.strftime("%H:%M:%S"), now.strftime("%d/%m/%Y")}
    stamps |= {(now - dt.timedelta(minutes=1)).strftime("%H:%M"), now.strftime("%H:%M")}
    # A date without a time (the edited content has a story dated today) is written as midnight.
    stamps = {stamp for stamp in stamps if stamp not in now.strftime("%Y-%m-%dT00:00:00")}
    for name, data in first.items():
        for stamp in stamps:
            assert stamp.encode() not in data, f"{name} contains the build time {stamp}"
