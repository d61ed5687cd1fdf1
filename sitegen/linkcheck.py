"""Internal link checker, run on every build between render and write.

Every rendered HTML page is parsed; each `href`/`src` that stays on the site (root-relative,
relative, or absolute under the base URL) must point to a rendered file (a folder means its
`index.html`), and each `#anchor` must be an `id` in the target page. The URLs in the sitemap and
the feed are checked the same way. A broken link becomes a ContentError naming the file an editor
or developer has to fix: the Markdown or YAML file the link was written in, with its line, or
else the template that produced it.

External links are never fetched during a build; `external_links` and `fetch_status` serve the
optional `python build.py check --external`.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from .deps import digest
from .errors import ContentError, did_you_mean
from .load import display_path
from .markup import RenderedMarkdown
from .memo import Memo, Space, json_codec
from .model import Site, Withheld
from .pages import PageJob
from .render import date_nl
from .urls import browser_url, out_path_of, page_url

logger = logging.getLogger(__name__)

LINK_ATTRIBUTES = ("href", "src")
META_URL_PROPERTIES = frozenset({"og:url", "og:image", "twitter:image"})
NON_HTTP_SCHEMES = frozenset({"mailto", "tel", "data", "javascript"})
ALWAYS_PRESENT_ANCHORS = frozenset({"", "top"})  # HTML scrolls to the top for both
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True)
class Link:
    value: str  # as it stands in the output, after base-path prefixing


@dataclass
class ParsedPage:
    ids: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)


# Every element that can hold an anchor or a URL, in document order (each element once).
_LINKING_ELEMENTS = ":is([id], [href], [src], a[name], meta)"


def parse_page(html: str) -> ParsedPage:
    """The ids and URLs of one page, read by lexbor (a C HTML5 parser, about ten times faster than
    html.parser); <template> contents are not part of the page, as in a browser."""
    page = ParsedPage()
    for element in LexborHTMLParser(html).css(_LINKING_ELEMENTS):
        values = {name: value for name, value in element.attributes.items() if value is not None}
        if "id" in values:
            page.ids.add(values["id"])
        tag = element.tag
        if tag == "a" and "name" in values:
            page.ids.add(values["name"])
        page.links.extend(Link(values[name]) for name in LINK_ATTRIBUTES if name in values)
        if tag == "meta" and values.get("property", values.get("name")) in META_URL_PROPERTIES:
            page.links.append(Link(values.get("content", "")))
    return page


def _xml_links(data: bytes) -> list[Link]:
    """The page URLs of a sitemap or Atom feed."""
    root = ET.fromstring(data)
    links = [Link(el.text or "") for el in root.iter(f"{SITEMAP}loc")]
    links += [Link(el.get("href", "")) for el in root.iter(f"{ATOM}link")]
    return links


@dataclass(frozen=True)
class Broken:
    page: str  # out_path of the page the link is on
    link: Link
    reason: str
    hint: str = ""


def as_browser_reads(value: str) -> str:
    """A link as the browser follows it: a tab inside or a backslash for a slash still leads to
    //host/, another site."""
    return browser_url(value).replace("\\", "/")


class LinkResolver:
    """Maps a link on a page to (out_path, fragment) inside the rendered site."""

    def __init__(self, files: Mapping[str, bytes], base_url: str, base_path: str) -> None:
        self.files = files
        self.base_url = base_url
        self.base_path = base_path

    def page_path(self, out_path: str) -> str:
        """The public path of an output file, e.g. '/repo/igs/co7/' for igs/co7/index.html."""
        return self.base_path + page_url(out_path)[1:]

    def is_internal(self, value: str) -> bool:
        value = as_browser_reads(value)
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") or value.startswith("//"):
            return value.startswith(self.base_url)
        return parts.scheme not in NON_HTTP_SCHEMES and not parts.scheme

    def resolve(self, value: str, page: str) -> tuple[str | None, str, str]:
        """(target out_path or None, fragment, reason when not found) for an internal link."""
        value = as_browser_reads(value)
        if value.startswith(self.base_url):
            value = self.base_path + value[len(self.base_url) :]
        parts = urlsplit(value)
        fragment = unquote(parts.fragment)
        if not parts.path:
            return page, fragment, ""
        path = parts.path
        if not path.startswith("/"):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(self.page_path(page)), path)) + (
                "/" if path.endswith("/") else ""
            )
        if not path.startswith(self.base_path):
            return None, fragment, f"valt buiten de site: elke interne link begint met het basispad {self.base_path}"
        rel = out_path_of("/" + unquote(path[len(self.base_path) :]))
        if rel in self.files:
            return rel, fragment, ""
        if f"{rel}/index.html" in self.files:
            return f"{rel}/index.html", fragment, ""
        return None, fragment, "deze pagina of dit bestand bestaat niet"


# The ids and links of each page, by the page's bytes.
PARSED_PAGES: Space[ParsedPage] = Space(
    "links",
    json_codec(
        lambda page: [sorted(page.ids), [link.value for link in page.links]],
        lambda plain: ParsedPage(set(plain[0]), [Link(value) for value in plain[1]]),
    ),
)
# The broken links of each page, by the page, the names of all files and the anchors of all pages.
LINK_CHECKS: Space[list[Broken]] = Space(
    "link-checks",
    json_codec(
        lambda found: [[b.page, b.link.value, b.reason, b.hint] for b in found],
        lambda plain: [Broken(page, Link(value), reason, hint) for page, value, reason, hint in plain],
    ),
)


def _page_digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=20).digest()


def parse_pages(files: Mapping[str, bytes], memo: Memo) -> dict[str, ParsedPage]:
    """Every HTML page parsed (on every core when many are new); unchanged pages are remembered."""
    names = [name for name in sorted(files) if name.endswith(".html")]
    calls = [(_page_digest(files[name]), files[name]) for name in names]
    parsed = memo.remembered_all(PARSED_PAGES, calls, lambda data: parse_page(data.decode("utf-8")))
    return dict(zip(names, parsed, strict=True))


def find_broken_links(
    files: Mapping[str, bytes], base_url: str, base_path: str, memo: Memo | None = None
) -> list[Broken]:
    """Every broken internal link. The result for one page follows from the page itself, the names
    of all files and the anchors of all pages: with those unchanged, a page is not checked again."""
    memo = memo or Memo()
    resolver = LinkResolver(files, base_url, base_path)
    parsed = parse_pages(files, memo)
    links_by_page = {name: page.links for name, page in parsed.items()}
    for name in ("sitemap.xml", "feed.xml"):
        if name in files:
            links_by_page[name] = _xml_links(files[name])
    site_key = digest(base_url, base_path, sorted(files), [(name, sorted(page.ids)) for name, page in parsed.items()])
    existing_pages: list[str] = []

    def check(page: str) -> list[Broken]:
        if not existing_pages:
            existing_pages.extend(sorted(resolver.page_path(name) for name in parsed))
        return _check_page(resolver, parsed, existing_pages, page, links_by_page[page])

    calls = [(digest(site_key, page, _page_digest(files[page])), page) for page in links_by_page]
    return [broken for found in memo.remembered_all(LINK_CHECKS, calls, check) for broken in found]


def _check_page(
    resolver: LinkResolver, parsed: Mapping[str, ParsedPage], existing_pages: list[str], page: str, links: list[Link]
) -> list[Broken]:
    broken: list[Broken] = []
    for link in links:
        if not resolver.is_internal(link.value):
            continue
        target, fragment, reason = resolver.resolve(link.value, page)
        if target is None:
            path = urlsplit(link.value).path
            broken.append(Broken(page, link, reason, did_you_mean(path, existing_pages)))
        elif fragment not in ALWAYS_PRESENT_ANCHORS and target in parsed and fragment not in parsed[target].ids:
            hint = did_you_mean(fragment, parsed[target].ids)
            broken.append(Broken(page, link, f"het anker #{fragment} bestaat niet op die pagina", hint))
    return broken


# --- attribution: from a broken link in the output back to the file that has to change ---


def markdown_by_page(
    site: Site, jobs: Iterable[PageJob], site_src: str
) -> dict[str, list[tuple[str, RenderedMarkdown]]]:
    """For each output page, the Markdown documents rendered on it with their source file (as its
    kind in sitegen/pages.py says)."""
    return {job.out_path: job.kind.markdown(site, job.context, site_src) for job in jobs if job.kind.markdown}


def _written_forms(value: str, base_url: str, base_path: str) -> list[str]:
    """How a link may have been written in a source file, most specific first."""
    forms = [value]
    if value.startswith(base_url):
        forms.append("/" + value[len(base_url) :])
    elif value.startswith(base_path) and base_path != "/":
        forms.append("/" + value[len(base_path) :])
    forms += [form[1:] for form in forms if form.startswith("/images/")]
    return list(dict.fromkeys(forms))


def locate(path: Path, forms: Sequence[str], *, quoted: bool = False) -> tuple[int, int] | None:
    """(line, column) of the first occurrence of one of `forms` in a text file, 1-based."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for form in forms:
        if quoted:
            pattern = re.compile(r"""(?<=['"])""" + re.escape(form) + r"""(?=['"])""")
        else:
            pattern = re.compile(r"(?<![\w/.#%-])" + re.escape(form) + r"(?![\w/.#%-])")
        for number, line in enumerate(lines, start=1):
            match = pattern.search(line)
            if match:
                return number, match.start() + 1
    return None


def _template_files(templates_dir: Path) -> list[Path]:
    return sorted(p for p in templates_dir.rglob("*") if p.is_file())


def attribute(
    broken: Broken,
    *,
    site: Site,
    jobs: Mapping[str, PageJob],
    markdown: Mapping[str, Sequence[tuple[str, RenderedMarkdown]]],
    templates_dir: Path,
) -> tuple[str, int, int]:
    """(source file as shown, line, column) of the place where a broken link was written."""
    value = broken.link.value
    forms = _written_forms(value, site.base_url, site.base_path)
    for src_path, doc in markdown.get(broken.page, ()):
        if value in doc.links:
            line, col = locate(Path(src_path), forms) or (0, 0)
            return src_path, line, col
    job = jobs.get(broken.page)
    if job is not None and Path(job.src_path).is_file():
        found = locate(Path(job.src_path), forms)
        if found:
            return job.src_path, *found
    for template in _template_files(templates_dir):
        found = locate(template, forms, quoted=True)
        if found:
            return display_path(template), *found
    template = job.template if job is not None else broken.page
    return display_path(templates_dir / template), 0, 0


def check_links(
    site: Site,
    files: Mapping[str, bytes],
    jobs: Iterable[PageJob],
    templates_dir: Path,
    site_src: str = "content/site.yaml",
    memo: Memo | None = None,
) -> list[ContentError]:
    """Every broken internal link or anchor as a ContentError at the place it was written.

    `site_src` is site.yaml as shown to editors. A link written once in a template breaks on
    many pages: it is reported once, naming the first page and how many others have it.
    """
    by_page = {job.out_path: job for job in jobs}
    markdown = markdown_by_page(site, by_page.values(), site_src)
    grouped: dict[tuple[str, int, int, str, str, str], list[Broken]] = {}
    for broken in find_broken_links(files, site.base_url, site.base_path, memo):
        where = attribute(broken, site=site, jobs=by_page, markdown=markdown, templates_dir=templates_dir)
        withheld = _withheld_target(broken.link.value, site)
        reason, hint = _withheld_reason(withheld) if withheld else (broken.reason, broken.hint)
        grouped.setdefault((*where, broken.link.value, reason, hint), []).append(broken)
    errors = []
    for (path, line, col, value, reason, hint), found in grouped.items():
        pages = sorted({LinkResolver(files, site.base_url, site.base_path).page_path(b.page) for b in found})
        on = pages[0] + (f" en {len(pages) - 1} andere pagina's" if len(pages) > 1 else "")
        errors.append(ContentError(f"kapotte link '{value}' (op {on}): {reason}", path, line, col, hint))
    logger.info("Checked links: %d broken", len(errors))
    return errors


def _withheld_target(value: str, site: Site) -> Withheld | None:
    """The draft or scheduled item a link points to, if that is why it is missing."""
    if value.startswith(site.base_url):
        value = site.base_path + value[len(site.base_url) :]
    path = unquote(urlsplit(value).path)
    if not path.startswith(site.base_path):
        return None
    url = page_url(path[len(site.base_path) :])
    url += "" if url.endswith("/") else "/"
    return next((item for item in site.withheld if item.url == url), None)


def _withheld_reason(item: Withheld) -> tuple[str, str]:
    if item.draft:
        return (
            f"'{item.title}' is een concept ({item.src_path} heeft draft: true) en staat nog niet op de site",
            "publiceer het eerst (haal 'draft: true' weg), of voeg de link pas toe als het gepubliceerd is",
        )
    assert item.date is not None
    return (
        f"'{item.title}' is gepland voor {date_nl(item.date)} en staat pas vanaf dan op de site",
        f"voeg de link pas toe als het verschenen is, of plan het verhaal met de link op {date_nl(item.date)} of later",
    )


# --- external links: only on request, never in a build or a test ---


def external_links(files: Mapping[str, bytes], base_url: str, base_path: str) -> dict[str, list[str]]:
    """{external http(s) URL: [out_path of every page linking to it]}."""
    resolver = LinkResolver(files, base_url, base_path)
    found: dict[str, list[str]] = {}
    for name, data in sorted(files.items()):
        if not name.endswith(".html"):
            continue
        for link in parse_page(data.decode("utf-8")).links:
            if urlsplit(link.value).scheme in ("http", "https") and not resolver.is_internal(link.value):
                found.setdefault(link.value.split("#", 1)[0], []).append(name)
    return found


def fetch_status(url: str, timeout: float = 8.0) -> str:
    """'' when the URL answers with a success status, else a short Dutch reason (HEAD, then GET)."""
    headers = {"User-Agent": "igs-site-linkcheck/1.0"}
    reason = ""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if response.status < 400:
                    return ""
                reason = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = f"niet bereikbaar ({getattr(exc, 'reason', exc)})"
    return reason


def check_external(files: Mapping[str, bytes], base_url: str, base_path: str, workers: int = 4) -> dict[str, str]:
    """{URL: reason} for every external link that does not answer; fetched a few at a time."""
    links = sorted(external_links(files, base_url, base_path))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reasons = list(pool.map(fetch_status, links))
    return {url: reason for url, reason in zip(links, reasons, strict=True) if reason}
