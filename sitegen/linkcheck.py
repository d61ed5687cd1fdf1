"""Internal link checker, run on every build between render and write.

Each `href`/`src` of a rendered HTML page that stays on the site (root-relative, relative, or
absolute under the base URL) must point to a rendered file (a folder means its `index.html`), and
each `#anchor` must be an `id` in the target page. The URLs in the sitemap and the feed are
checked the same way. The check works by difference (`LinkIndex`, kept by the memo from one build
to the next): only new and changed pages are parsed, and only they, the pages with a broken link
and the pages linking to a file or anchor that disappeared are checked.

A broken link becomes a ContentError naming the file an editor or developer has to fix: the
Markdown or YAML file the link was written in, with its line, or else the template that produced it.

External links are never fetched during a build; `external_links` and `fetch_status` serve the
optional `python build.py check --external`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import posixpath
import re
import sys
import xml.etree.ElementTree as ET
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from .deps import digest
from .errors import ContentError, did_you_mean
from .files import load
from .frozen import frozen_dataclass
from .load import display_path
from .markup import RenderedMarkdown
from .memo import FILES, Codec, Memo, Space
from .model import Site, Withheld
from .pages import PageJob
from .parallel import pmap
from .templating import date_nl
from .urls import browser_url, out_path_of, page_url

logger = logging.getLogger(__name__)

LINK_ATTRIBUTES = ("href", "src")
META_URL_PROPERTIES = frozenset({"og:url", "og:image", "twitter:image"})
NON_HTTP_SCHEMES = frozenset({"mailto", "tel", "data", "javascript"})
ALWAYS_PRESENT_ANCHORS = frozenset({"", "top"})  # HTML scrolls to the top for both
# A root-relative path a browser takes as it is (LinkResolver.plain_path); not '//host/'.
_PLAIN_PATH = re.compile(r"/(?!/)[A-Za-z0-9._~/-]*")
# What an editor means by a relative link that names no file of the site: an e-mail address, or
# another site without its https:// (the endings are those of sites this one links to, not of files).
_EMAIL_LINK = re.compile(r"[^/\s@:]+@[^/\s@]+\.[A-Za-z]{2,}")
_HOST_LINK = re.compile(
    r"(?:www\.[^/\s]+|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:be|nl|com|org|net|eu|info|vlaanderen|brussels))(?:[/?#].*)?",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # as urlsplit reads one where nothing precedes it
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass(frozen=True, slots=True)
class ParsedPage:
    ids: frozenset[str] = frozenset()
    links: tuple[str, ...] = ()  # each URL once, in the order of its first appearance

    def __reduce__(self) -> tuple[type[ParsedPage], tuple[frozenset[str], tuple[str, ...]]]:
        # Pickled as its two fields (pmap's workers send back every page): the state methods of a
        # slotted dataclass walk its fields for every object.
        return ParsedPage, (self.ids, self.links)


# Every element that can hold an anchor or a URL, in document order (each element once).
_LINKING_ELEMENTS = ":is([id], [href], [src], a[name], meta)"


def parse_page(html: str | bytes) -> ParsedPage:
    """The ids and URLs of one page (UTF-8 bytes spare lexbor encoding a str), read by lexbor (a C
    HTML5 parser, about ten times faster than html.parser); <template> contents are not part of the
    page, as in a browser. A URL is kept once (the parser copies an element closed out of order,
    `<a href=x><p>..</a>`, attributes and all, after it), as one string per process for an equal
    value: a site's pages repeat most of their links (the menu, the footer), and a cold build holds
    every page's links at once."""
    ids: list[str] = []
    links: list[str] = []
    # Some sixty elements a page: each one's attributes made into a dict once and looked up by name
    # (an attribute without a value is None, as one that is not there).
    for element in LexborHTMLParser(html).css(_LINKING_ELEMENTS):
        values = element.attributes
        if (value := values.get("id")) is not None:
            ids.append(value)
        if (value := values.get("href")) is not None:
            links.append(value)
        if (value := values.get("src")) is not None:
            links.append(value)
        if "name" in values or "property" in values:  # an old-style anchor, or a meta element's URL
            tag = element.tag
            if tag == "a" and (value := values.get("name")) is not None:
                ids.append(value)
            elif tag == "meta":
                named = values.get("property")
                if (named if named is not None else values.get("name")) in META_URL_PROPERTIES:
                    content = values.get("content")
                    links.append(content if content is not None else "")
    return ParsedPage(frozenset(ids), tuple(dict.fromkeys(map(sys.intern, links))))


def _xml_links(data: bytes) -> tuple[str, ...]:
    """The page URLs of a sitemap or Atom feed, each once."""
    root = ET.fromstring(data)
    links = [el.text or "" for el in root.iter(f"{SITEMAP}loc")]
    links += [el.get("href", "") for el in root.iter(f"{ATOM}link")]
    return tuple(dict.fromkeys(links))


@frozen_dataclass
class Broken:
    page: str  # out_path of the page the link is on
    link: str  # as it stands in the output, after base-path prefixing
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

    def plain_path(self, value: str) -> str | None:
        """The path of a link written as a plain root-relative path (or the base URL and one): no
        scheme, host, query, fragment, escape, space or backslash, as most links of a site are;
        `is_internal` and `follow` take it as it is instead of parsing it (the same answers: tests
        compare them without it)."""
        if value.startswith(self.base_url):
            value = self.base_path + value[len(self.base_url) :]
        return value if _PLAIN_PATH.fullmatch(value) else None

    def is_internal(self, value: str) -> bool:
        if self.plain_path(value) is not None:
            return True
        value = as_browser_reads(value)
        parts = urlsplit(value)
        if parts.scheme in ("http", "https") or value.startswith("//"):
            return value.startswith(self.base_url)
        return parts.scheme not in NON_HTTP_SCHEMES and not parts.scheme

    def resolve(self, value: str, page: str) -> tuple[str | None, str, str]:
        """(target out_path or None, fragment, reason when not found) for an internal link."""
        target, fragment, reason, _ = self.follow(value, page)
        return target, fragment, reason

    def follow(self, value: str, page: str) -> tuple[str | None, str, str, str]:
        """`resolve` and `rel`: the output path the link names before a folder becomes its
        index.html ('' for a link to the page itself or outside the site)."""
        plain = self.plain_path(value)
        if plain is not None:
            path, fragment = plain, ""
        else:
            value = as_browser_reads(value)
            if value.startswith(self.base_url):
                value = self.base_path + value[len(self.base_url) :]
            parts = urlsplit(value)
            fragment = unquote(parts.fragment)
            if not parts.path:
                return page, fragment, "", ""
            path = parts.path
            if not path.startswith("/"):
                path = posixpath.normpath(posixpath.join(posixpath.dirname(self.page_path(page)), path)) + (
                    "/" if path.endswith("/") else ""
                )
        if not path.startswith(self.base_path):
            reason = f"valt buiten de site: elke interne link begint met het basispad {self.base_path}"
            return None, fragment, reason, ""
        rel = out_path_of("/" + unquote(path[len(self.base_path) :]))
        if rel in self.files:
            return rel, fragment, "", rel
        if f"{rel}/index.html" in self.files:
            return f"{rel}/index.html", fragment, "", rel
        return None, fragment, "deze pagina of dit bestand bestaat niet", rel


def _checked_pages(files: Mapping[str, bytes]) -> list[str]:
    """The files whose links are checked, in the order their broken links are reported."""
    pages = sorted(name for name in files if name.endswith(".html"))
    return pages + [name for name in ("sitemap.xml", "feed.xml") if name in files]


def _read(name: str, data: bytes) -> ParsedPage:
    if name.endswith(".html"):
        return parse_page(data)
    return ParsedPage(links=_xml_links(data))


def _stamp(render_key: bytes | None) -> bytes:
    """What tells a page's bytes from another build's without reading them: its render key
    (sitegen/deps.py: the same key always renders the same bytes; a digest itself, of the stamp's
    size, so taken as it is), or NO_STAMP for a page render has none for."""
    if render_key is None:
        return NO_STAMP
    if len(render_key) == STAMP_SIZE:
        return render_key
    return hashlib.blake2b(render_key, digest_size=STAMP_SIZE, person=b"render-key").digest()


def _content(data: bytes) -> bytes:
    """A digest of a page's bytes: a page rendered again (its stamp changed) to the bytes it had is
    neither parsed nor checked again."""
    return hashlib.sha256(data).digest()[:STAMP_SIZE]


def _differing(pages: Sequence[str], stamps: bytes, before: bytes) -> list[str]:
    """The pages whose stamp differs between two builds that checked the same pages in the same
    order (`stamps` and `before` hold one stamp per page): a run of equal stamps is passed over with
    one comparison of its bytes, so a rebuild that changed a few of 12,000 pages looks at a few runs."""
    new, old = memoryview(stamps), memoryview(before)
    found: list[str] = []
    runs = [(0, len(pages))]
    while runs:
        start, end = runs.pop()
        if new[start * STAMP_SIZE : end * STAMP_SIZE] == old[start * STAMP_SIZE : end * STAMP_SIZE]:
            continue
        if end - start == 1:
            found.append(pages[start])
        else:
            middle = (start + end) // 2
            runs += [(middle, end), (start, middle)]
    return found


STAMP_SIZE = 20
NO_STAMP = bytes(STAMP_SIZE)
"""The stamp of a page without a render key."""
_ORDER = "little"  # the index's numbers on disk, whatever the machine
BUCKETS = 64  # the terms of the pages are kept in this many parts, each read only when needed


def _numbers(data: bytes) -> array[int]:
    numbers = array("I")
    if numbers.itemsize != 4 or len(data) % 4:
        raise ValueError("not a list of 32-bit numbers")
    numbers.frombytes(data)
    if sys.byteorder != _ORDER:
        numbers.byteswap()
    return numbers


def _number_bytes(numbers: array[int]) -> bytes:
    if sys.byteorder == _ORDER:
        return numbers.tobytes()
    swapped = array("I", numbers)
    swapped.byteswap()
    return swapped.tobytes()


def _bucket(page: str) -> int:
    return zlib.crc32(page.encode("utf-8")) % BUCKETS


@frozen_dataclass
class LinkIndex:
    """What the link check of one build found out, for the next build to start from.

    For each checked page: its stamp, the digest of its bytes (a page whose stamp changed is new or
    changed only when they differ), the ids it provides, and (in `Terms`, one part per bucket of
    pages, read only when needed) the terms its links depend on: the output path a link names
    (whether that file, or that folder's index.html, exists decides where it leads) and
    `target\0fragment` for a link to an anchor on another page. A page whose stamp is unchanged,
    none of whose terms disappeared (or now leads elsewhere: `_changes`) and that had no broken link
    has no broken link now either: a link to something that did not exist was broken. Pages with a
    broken link are checked on every build (their hints name the pages that exist now).
    """

    file_list: Callable[[], list[str]]  # every output file, sorted (`files`), read when first asked
    pages: list[str]  # the checked pages, in report order
    stamps: bytes  # STAMP_SIZE bytes per page
    contents: bytes  # per page, the digest of its bytes (_content), STAMP_SIZE bytes each
    ids_at: array[int]  # offsets into `ids`, one more than pages
    ids: bytes  # per page, its ids as a JSON list
    broken: list[str]  # pages with a broken link
    parts: list[bytes]  # the key of each bucket's Terms
    names: bytes  # the key of its files, pages and ids in LINK_NAMES (_names_key)
    listing: bytes  # a digest of the names of the files in their build's order (_listing)

    @property
    def files(self) -> list[str]:
        """Every output file, sorted: which files appeared or disappeared."""
        return self.file_list()

    @functools.cached_property
    def slots(self) -> dict[str, int]:
        return {name: slot for slot, name in enumerate(self.pages)}

    def stamp(self, name: str) -> bytes | None:
        slot = self.slots.get(name)
        return None if slot is None else self.stamps[slot * STAMP_SIZE : (slot + 1) * STAMP_SIZE]

    def content(self, name: str) -> bytes | None:
        """The digest of the page's bytes (None for a page it does not hold)."""
        slot = self.slots.get(name)
        return None if slot is None else self.contents[slot * STAMP_SIZE : (slot + 1) * STAMP_SIZE]

    def ids_of(self, name: str) -> set[str]:
        return set(json.loads(_stored_ids(self, name)))


# The index is kept in two entries: its head (the stamps and digests of the pages, the broken pages,
# the keys of the terms' parts and of its names, the digest of the files' names in their order),
# which a rebuild writes anew, and its names (every file, every page and its ids, nine tenths of its
# bytes at 300x10,000), kept by their digest and written only where they changed: a page edited in
# place changes none of them. A rebuild whose files have the names of the last build's, in the same
# order (the head's digest says so), does not decode the names of its files and pages (some 38,000
# and 13,500 at 300x10,000), nor compare them: they are this build's.


@frozen_dataclass
class _Head:
    names: bytes
    stamps: bytes
    contents: bytes
    broken: list[str]
    parts: list[bytes]
    listing: bytes


@frozen_dataclass
class _Names:
    lists: bytes  # the files and the pages, as JSON (decoded by `files_and_pages` when asked)
    ids_at: array[int]
    ids: bytes

    @staticmethod
    def of(files: list[str], pages: list[str], ids_at: array[int], ids: bytes) -> _Names:
        return _Names(
            json.dumps([files, pages], ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ids_at, ids
        )

    @functools.cached_property
    def files_and_pages(self) -> tuple[list[str], list[str]]:
        """Raises ValueError where they do not agree with the ids."""
        files, pages = json.loads(self.lists)
        if len(self.ids_at) != len(pages) + 1:
            raise ValueError("inconsistent link index names")
        return files, pages


def _listing(files: Mapping[str, bytes]) -> bytes:
    """A digest of the files' names in their order (no output path holds NUL: write.check_rel)."""
    return hashlib.blake2b("\0".join(files).encode("utf-8"), digest_size=20, person=b"link-listing").digest()


def _names_key(files: list[str], pages: list[str], ids_at: array[int], ids: bytes) -> bytes:
    """The key of an index's names: a digest of them (no output path holds NUL: write.check_rel)."""
    found = hashlib.blake2b(digest_size=20, person=b"link-names")
    for part in ("\0".join(files).encode("utf-8"), "\0".join(pages).encode("utf-8"), _number_bytes(ids_at), ids):
        found.update(len(part).to_bytes(8, "big") + part)
    return found.digest()


def _encode_head(head: _Head) -> bytes:
    plain = {"names": head.names.hex(), "broken": head.broken, "parts": [key.hex() for key in head.parts],
             "listing": head.listing.hex()}  # fmt: skip
    text = json.dumps(plain, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return FILES.encode({"head": text, "stamps": head.stamps, "contents": head.contents})


def _decode_head(data: bytes) -> _Head:
    parts = FILES.decode(data)
    head = json.loads(parts["head"])
    found = _Head(bytes.fromhex(head["names"]), parts["stamps"], parts["contents"], head["broken"],
                  [bytes.fromhex(key) for key in head["parts"]], bytes.fromhex(head["listing"]))  # fmt: skip
    if len(found.parts) != BUCKETS:
        raise ValueError("link index of another bucket count")
    return found


def _encode_names(names: _Names) -> bytes:
    return FILES.encode({"head": names.lists, "ids-at": _number_bytes(names.ids_at), "ids": names.ids})


def _decode_names(data: bytes) -> _Names:
    parts = FILES.decode(data)
    names = _Names(parts["head"], _numbers(parts["ids-at"]), parts["ids"])
    if not names.ids_at or names.ids_at[-1] != len(names.ids):
        raise ValueError("inconsistent link index names")
    return names


def recalled_index(
    memo: Memo, key: bytes, listing: bytes | None = None, pages: list[str] | None = None
) -> LinkIndex | None:
    """The link index kept under `key`; None where its head or its names are missing or do not agree.
    Where its files had these names in this order (`listing`, see _listing), its pages are `pages`
    (this build's, which follow from them) and its files are read only when asked."""
    head = memo.recalled(LINK_INDEX, key)
    names = memo.recalled(LINK_NAMES, head.names) if head is not None else None
    if head is None or names is None:
        return None
    if listing == head.listing and pages is not None and len(names.ids_at) == len(pages) + 1:
        file_list = _files_of(names)
    else:
        try:
            files, pages = names.files_and_pages
        except ValueError:
            return None
        file_list = _given(files)
    size = len(pages) * STAMP_SIZE
    if len(head.stamps) != size or len(head.contents) != size:
        return None
    return LinkIndex(file_list, pages, head.stamps, head.contents, names.ids_at, names.ids, head.broken,
                     head.parts, head.names, head.listing)  # fmt: skip


def _files_of(names: _Names) -> Callable[[], list[str]]:
    return lambda: names.files_and_pages[0]


def _given(files: list[str]) -> Callable[[], list[str]]:
    return lambda: files


def _keep_index(memo: Memo, key: bytes, index: LinkIndex, before: LinkIndex | None) -> None:
    if before is None or index.names != before.names:
        memo.keep(LINK_NAMES, index.names, _Names.of(index.files, index.pages, index.ids_at, index.ids))
    memo.keep(LINK_INDEX, key, _Head(index.names, index.stamps, index.contents, index.broken, index.parts,
                                     index.listing))  # fmt: skip


@frozen_dataclass
class Terms:
    """The terms the links of one bucket's pages depend on (see LinkIndex), numbered."""

    pages: list[str]
    terms: list[str]
    at: array[int]  # offsets into `numbers`, one more than pages
    numbers: array[int]

    @staticmethod
    def of(pages: Mapping[str, set[str]]) -> Terms:
        terms: dict[str, int] = {}
        at, numbers = array("I", [0]), array("I")
        for name in sorted(pages):
            numbers.extend(sorted(terms.setdefault(term, len(terms)) for term in pages[name]))
            at.append(len(numbers))
        return Terms(sorted(pages), list(terms), at, numbers)

    @functools.cached_property
    def slots(self) -> dict[str, int]:
        return {name: slot for slot, name in enumerate(self.pages)}

    def terms_of(self, name: str) -> set[str]:
        slot = self.slots[name]
        return {self.terms[n] for n in self.numbers[self.at[slot] : self.at[slot + 1]]}

    def by_page(self) -> dict[str, set[str]]:
        return {
            name: {self.terms[n] for n in self.numbers[self.at[i] : self.at[i + 1]]}
            for i, name in enumerate(self.pages)
        }

    def dependents(self, changed: set[str]) -> set[str]:
        """The pages with a link that depends on one of `changed`."""
        wanted = {number for number, term in enumerate(self.terms) if term in changed}
        if not wanted:
            return set()
        return {
            name
            for i, name in enumerate(self.pages)
            if not wanted.isdisjoint(self.numbers[self.at[i] : self.at[i + 1]])
        }


def _encode_terms(part: Terms) -> bytes:
    head = json.dumps([part.pages, part.terms], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return FILES.encode({"head": head, "at": _number_bytes(part.at), "numbers": _number_bytes(part.numbers)})


def _decode_terms(data: bytes) -> Terms:
    parts = FILES.decode(data)
    pages, terms = json.loads(parts["head"])
    part = Terms(pages, terms, _numbers(parts["at"]), _numbers(parts["numbers"]))
    if (
        len(part.at) != len(pages) + 1
        or part.at[-1] != len(part.numbers)
        or max(part.numbers, default=-1) >= len(terms)
    ):
        raise ValueError("inconsistent link terms")
    return part


# The link index of the last build (one entry per base URL and base path), and its terms: one space
# per bucket, so that a build reads and replaces only the buckets of the pages it checked.
LINK_INDEX: Space[_Head] = Space("link-index", Codec(_encode_head, _decode_head))
LINK_NAMES: Space[_Names] = Space("link-names", Codec(_encode_names, _decode_names))
LINK_TERMS: tuple[Space[Terms], ...] = tuple(
    Space(f"link-terms-{bucket:02d}", Codec(_encode_terms, _decode_terms)) for bucket in range(BUCKETS)
)


@frozen_dataclass
class PagesRead:
    """This build's pages against the link index of the last one, the new and changed ones parsed."""

    key: bytes  # of the link index
    pages: list[str]  # the checked pages, in report order
    stamps: bytes  # STAMP_SIZE bytes per page, as LinkIndex.stamps
    contents: bytes  # as LinkIndex.contents
    fresh: dict[str, ParsedPage]  # the pages parsed in this build: new or changed since `before`
    before: LinkIndex | None
    listing: bytes  # of this build's files (_listing)

    @property
    def same_files(self) -> bool:
        """Whether the files have the names of those of `before`, in the same order."""
        return self.before is not None and self.before.listing == self.listing


def parse_pages(
    files: Mapping[str, bytes],
    memo: Memo,
    base_url: str,
    base_path: str,
    render_keys: Mapping[str, bytes] | None = None,
) -> PagesRead:
    """Parse the pages that are new or changed since the last build's link index (on every core
    when there are many). `render_keys` ({out_path: key}, from render) spare reading the bytes of
    the pages whose key is the last build's; those of the pages rendered again, and of the pages
    without a key, are read and digested, and only those whose bytes changed are parsed."""
    render_keys = render_keys or {}
    pages = _checked_pages(files)
    stamps = [_stamp(render_keys.get(name)) for name in pages]
    joined = b"".join(stamps)
    key = digest("link-index", base_url, base_path)
    listing = _listing(files)
    before = recalled_index(memo, key, listing, pages)
    if before is None:  # every page is parsed, and digested where its bytes are read (on every core)
        load(files, pages)  # in one go, not page by page
        read = pmap(lambda name: _read_digested(name, files[name]), pages)
        contents = b"".join(content for _, content in read)
        fresh = {name: page for name, (page, _) in zip(pages, read, strict=True)}
        return PagesRead(key, pages, joined, contents, fresh, None, listing)
    if before.pages == pages:  # the usual rebuild: compared in runs
        again = set(_differing(pages, joined, before.stamps))
    else:
        again = {name for name, stamp in zip(pages, stamps, strict=True) if before.stamp(name) != stamp}
    suspects = [name for name, stamp in zip(pages, stamps, strict=True) if stamp == NO_STAMP or name in again]
    load(files, suspects)
    made = {name: _content(files[name]) for name in suspects}
    todo = [name for name in suspects if before.content(name) != made[name]]
    parsed = pmap(lambda name: _read(name, files[name]), todo)
    fresh = dict(zip(todo, parsed, strict=True))
    return PagesRead(key, pages, joined, _contents(pages, before, made), fresh, before, listing)


def _read_digested(name: str, data: bytes) -> tuple[ParsedPage, bytes]:
    return _read(name, data), _content(data)


def _contents(pages: list[str], before: LinkIndex, made: Mapping[str, bytes]) -> bytes:
    """The content digests of `pages`: those `made` now, the others' (whose stamps are the same) the
    last build's."""
    if before.pages != pages:
        return b"".join(made.get(name) or before.content(name) or b"" for name in pages)
    contents = bytearray(before.contents)
    for name, found in made.items():
        slot = before.slots[name]
        contents[slot * STAMP_SIZE : (slot + 1) * STAMP_SIZE] = found
    return bytes(contents)


def find_broken_links(
    files: Mapping[str, bytes],
    base_url: str,
    base_path: str,
    memo: Memo | None = None,
    read: PagesRead | None = None,
) -> list[Broken]:
    """Every broken internal link, in page order. Only the pages that changed, that had a broken
    link, or one of whose links depends on a file or anchor that disappeared since the last build's
    link index are checked: every other page still has no broken link."""
    memo = memo or Memo()
    read = read or parse_pages(files, memo, base_url, base_path)
    before = _Before(read, memo)
    todo = set(read.pages)
    if before.index is not None:
        todo = set(read.fresh) | (set(before.index.broken) & todo)
        changed = _changes(files, read)
        if changed:
            todo |= before.dependents(changed)
        before.load({_bucket(name) for name in [*todo, *before.gone]})
        if before.index is None:  # a part of the index is missing: everything is checked
            todo = set(read.pages)
    checker = _Checker(LinkResolver(files, base_url, base_path), read)
    load(files, sorted(todo.difference(read.fresh)))  # the pages checked again, parsed again below
    found: list[Broken] = []
    checked: dict[str, set[str]] = {}
    for name in read.pages:
        if name in todo:
            links = read.fresh[name].links if name in read.fresh else None
            if links is None:  # a page checked again for its targets: parsed again
                links = _read(name, files[name]).links
            broken, checked[name] = checker.check(name, links)
            found.extend(broken)
    broken_pages = list(dict.fromkeys(b.page for b in found))
    parts = before.updated(checked)
    index = before.index
    if (
        index is None
        or parts != index.parts
        or read.pages != index.pages
        or broken_pages != index.broken
        or read.fresh
        or read.stamps != index.stamps
        or read.contents != index.contents
    ):
        _keep_index(memo, read.key, _next_index(files, read, broken_pages, parts), read.before)
    return found


class _Before:
    """The last build's link index, and the parts of its terms this build reads and replaces."""

    def __init__(self, read: PagesRead, memo: Memo) -> None:
        self.read = read
        self.memo = memo
        self.index = read.before
        same = self.index is None or read.same_files  # (the same files: the same pages)
        self.gone = set() if same else set(self.index.pages).difference(read.pages)
        self._parts: dict[int, Terms] = {}

    def load(self, buckets: Iterable[int]) -> None:
        """Read these parts of the terms; a part that is missing leaves no index at all."""
        for bucket in sorted(set(buckets) - self._parts.keys()):
            if self.index is None:
                return
            found = self.memo.recalled(LINK_TERMS[bucket], self.index.parts[bucket])
            if found is None:
                self.index = None
                self._parts.clear()
            else:
                self._parts[bucket] = found

    def dependents(self, changed: set[str]) -> set[str]:
        self.load(range(BUCKETS))
        return {name for part in self._parts.values() for name in part.dependents(changed)}

    def updated(self, checked: Mapping[str, set[str]]) -> list[bytes]:
        """The keys of the terms after this build's checks (the loaded parts are those of the checked
        and the removed pages); a part whose pages and terms are unchanged is kept as it is."""
        checked_in: dict[int, list[str]] = {}
        for name in checked:
            checked_in.setdefault(_bucket(name), []).append(name)
        gone_in = {_bucket(name) for name in self.gone}
        if self.index is None:
            keys, buckets = [b""] * BUCKETS, range(BUCKETS)
        else:
            keys, buckets = list(self.index.parts), sorted(checked_in.keys() | gone_in)
        for bucket in buckets:
            part = self._parts.get(bucket)
            names = checked_in.get(bucket, [])
            if (
                part is not None
                and bucket not in gone_in
                and all(name in part.slots and part.terms_of(name) == checked[name] for name in names)
            ):
                continue
            new = part.by_page() if part is not None else {}
            for name in self.gone:
                new.pop(name, None)
            new.update((name, checked[name]) for name in names)
            keys[bucket] = digest(self.read.key, bucket, sorted((name, sorted(terms)) for name, terms in new.items()))
            self.memo.keep(LINK_TERMS[bucket], keys[bucket], Terms.of(new))
        return keys


def _changes(files: Mapping[str, bytes], read: PagesRead) -> set[str]:
    """The terms whose disappearance can break a link that worked: a file that disappeared (and, for a
    folder's index.html, the folder), a file that now takes the place of a folder's index.html, and
    an anchor gone from a changed page. A link to something that did not exist was broken: its
    page is checked anyway."""
    assert read.before is not None
    changes: set[str] = set()
    if not read.same_files:
        old, now = set(read.before.files), set(files)  # (a SiteFiles' keys() compares in Python)
        for name in old - now:
            changes.add(name)
            if name.endswith("/index.html"):
                changes.add(name[: -len("/index.html")])
        changes.update(name for name in now - old if f"{name}/index.html" in now)
    for name, page in read.fresh.items():
        if name in read.before.slots:
            changes.update(f"{name}\0{anchor}" for anchor in read.before.ids_of(name) - page.ids)
    return changes


def _ids_part(page: ParsedPage) -> bytes:
    return json.dumps(sorted(page.ids), ensure_ascii=False).encode("utf-8")


def _stored_ids(index: LinkIndex, name: str) -> bytes:
    slot = index.slots[name]
    return index.ids[index.ids_at[slot] : index.ids_at[slot + 1]]


def _next_index(files: Mapping[str, bytes], read: PagesRead, broken: list[str], parts: list[bytes]) -> LinkIndex:
    """The link index of this build: the ids of the pages parsed now, the others copied (all of
    them at once when no page came or went and no parsed page's ids changed)."""
    before = read.before
    stamps, contents = read.stamps, read.contents
    # The same files as the last index's (the usual rebuild): its sorted list, not a new sort (nor,
    # where their names came in the same order, a look at its list).
    same_files = before is not None and (
        read.same_files or (len(before.files) == len(files) and set(files).issuperset(before.files))
    )
    file_list = before.file_list if before is not None and same_files else _given(sorted(files))
    if (
        before is not None
        and read.pages == before.pages
        and all(_ids_part(page) == _stored_ids(before, name) for name, page in read.fresh.items())
    ):
        if file_list is before.file_list:
            same = before.names
        else:
            same = _names_key(file_list(), before.pages, before.ids_at, before.ids)
        return LinkIndex(file_list, before.pages, stamps, contents, before.ids_at, before.ids, broken, parts, same,
                         read.listing)  # fmt: skip
    ids_parts, ids_at, size = [], array("I", [0]), 0
    for name in read.pages:
        if name in read.fresh:
            part = _ids_part(read.fresh[name])
        else:
            assert before is not None
            part = _stored_ids(before, name)
        ids_parts.append(part)
        size += len(part)
        ids_at.append(size)
    pages, ids = list(read.pages), b"".join(ids_parts)
    names = _names_key(file_list(), pages, ids_at, ids)
    return LinkIndex(file_list, pages, stamps, contents, ids_at, ids, broken, parts, names, read.listing)


_Verdict = tuple[tuple[str, ...], str, str]
"""The terms a link depends on (see LinkIndex), and why it is broken with a hint ('' when it is not)."""


def _meant_elsewhere(value: str) -> str:
    """The hint for `info@west.be` or `www.west.be` written as a link: the address it lacks in front."""
    if _EMAIL_LINK.fullmatch(value):
        return f"een e-mailadres? schrijf mailto:{value}"
    if _HOST_LINK.fullmatch(value):
        return f"een andere site? schrijf het volledige adres: https://{value}"
    return ""


# A link to a content file as an editor's own folder shows it, and the page that file makes.
_SOURCE_FILE = re.compile(r"(?:^|/)(pages|articles|igs)/([a-z0-9]+(?:-[a-z0-9]+)*)\.(?:md|yaml)$")
_SOURCE_URLS = {"pages": "/{}/", "articles": "/verhalen/{}/", "igs": "/igs/{}/"}
_IMAGE_PATH = re.compile(r"(?:^|/)images/([^/]+\.(?:jpe?g|png|webp|gif|svg))$", re.IGNORECASE)


class _Checker:
    """Checks pages against this build's files and anchors. Most links of a site do not depend on
    the page they are on (root-relative or absolute ones): each of those is judged once per build."""

    def __init__(self, resolver: LinkResolver, read: PagesRead) -> None:
        self.resolver = resolver
        self.read = read
        self._ids = {name: page.ids for name, page in read.fresh.items()}
        self._existing: list[str] = []
        self._verdicts: dict[str | tuple[str, str], _Verdict | None] = {}

    def check(self, page: str, links: Iterable[str]) -> tuple[list[Broken], set[str]]:
        """The broken links of a page, and the terms its links depend on."""
        broken: list[Broken] = []
        terms: set[str] = set()
        base_url = self.resolver.base_url
        for value in links:
            # A link with a path from the root or a scheme (another site, mailto:) leads to the same
            # place from every page: judged once; a relative one once per page.
            own = value.startswith("/") or (base_url and value.startswith(base_url)) or _SCHEME.match(value)
            key = value if own else (value, page)
            if key not in self._verdicts:
                self._verdicts[key] = self._judge(value, page)
            verdict = self._verdicts[key]
            if verdict is not None:
                terms.update(verdict[0])
                if verdict[1]:
                    broken.append(Broken(page, value, verdict[1], verdict[2]))
        return broken, terms

    def _judge(self, value: str, page: str) -> _Verdict | None:
        if not self.resolver.is_internal(value):
            return None
        target, fragment, reason, rel = self.resolver.follow(value, page)
        terms = (rel,) if rel else ()
        if target is None:
            hint = _meant_elsewhere(value) or self._meant_page(value, page)
            return terms, reason, hint or did_you_mean(urlsplit(value).path, self._existing_pages())
        if fragment in ALWAYS_PRESENT_ANCHORS or not target.endswith(".html"):
            return terms, "", ""
        ids = self._ids_of(target)
        if fragment not in ids:
            return terms, f"het anker #{fragment} bestaat niet op die pagina", did_you_mean(fragment, ids)
        # A link without a path (rel '') goes to an anchor of its own page, which changes only with the page.
        return ((rel, f"{target}\0{fragment}") if rel else ()), "", ""

    def _meant_page(self, value: str, page: str) -> str:
        """The hint for a link to a content file ('../pages/over.md') or to a missing image."""
        path = urlsplit(value).path
        source = _SOURCE_FILE.search(path)
        if source is not None:
            url = _SOURCE_URLS[source[1]].format(source[2])
            if self.resolver.follow(url, page)[0] is not None:
                return f"een link naar een pagina van deze site gebruikt haar adres, niet haar bestand: schrijf {url}"
        image = _IMAGE_PATH.search(path)
        if image is not None and not path.startswith(("/images/", "images/")):  # '../images/foto.jpg'
            return f"schrijf /images/{image[1]}: het adres van een afbeelding van de site begint met /images/"
        if image is not None:
            return "zet de afbeelding in content/images/ of verbeter de naam (hoofdletters tellen mee)"
        return ""

    def _ids_of(self, name: str) -> set[str]:
        if name not in self._ids:
            assert self.read.before is not None  # without an index, every page is fresh
            self._ids[name] = self.read.before.ids_of(name)
        return self._ids[name]

    def _existing_pages(self) -> list[str]:
        if not self._existing:
            pages = (name for name in self.read.pages if name.endswith(".html"))
            self._existing.extend(sorted(self.resolver.page_path(name) for name in pages))
        return self._existing


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
    value = broken.link
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
    read: PagesRead | None = None,
) -> list[ContentError]:
    """Every broken internal link or anchor as a ContentError at the place it was written.

    `site_src` is site.yaml as shown to editors. A link written once in a template breaks on
    many pages: it is reported once, naming the first page and how many others have it.
    """
    found_broken = find_broken_links(files, site.base_url, site.base_path, memo, read)
    # Where each page's links were written is looked up only when one is broken.
    by_page = {job.out_path: job for job in jobs} if found_broken else {}
    markdown = markdown_by_page(site, by_page.values(), site_src)
    grouped: dict[tuple[str, int, int, str, str, str], list[Broken]] = {}
    for broken in found_broken:
        where = attribute(broken, site=site, jobs=by_page, markdown=markdown, templates_dir=templates_dir)
        withheld = _withheld_target(broken.link, site)
        reason, hint = _withheld_reason(withheld) if withheld else (broken.reason, broken.hint)
        grouped.setdefault((*where, broken.link, reason, hint), []).append(broken)
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
        for link in parse_page(data).links:
            if urlsplit(link).scheme in ("http", "https") and not resolver.is_internal(link):
                found.setdefault(link.split("#", 1)[0], []).append(name)
    return found


def fetch_status(url: str, timeout: float = 8.0) -> str:
    """'' when the URL answers with a success status, else a short Dutch reason (HEAD, then GET)."""
    import urllib.error  # only `check --external` fetches: not imported by every build (18 ms)
    import urllib.request

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
