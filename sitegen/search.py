"""Search index: Pagefind run over the rendered pages, in memory terms: {out_path: bytes} in, out.

Pagefind only reads finished HTML, so it runs after render and the link check, but before the
write stage: the pages that carry `data-pagefind-body` are copied into a scratch folder (never the
output folder), the Pagefind binary from the `pagefind[bin]` package indexes them, and the bundle
comes back as `pagefind/...` entries of the same mapping. The write stage then swaps the site and
its index into place together, so output/ never holds an index of another build.

Why the binary and not `pagefind.PagefindIndex`: the Python API polls its service every 0.1 s per
message, which made indexing 32 pages take 3.3 s; the binary does the same work in 0.2 s.
Only the files the search page needs are kept (no Pagefind UI bundles, no playground).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import gzip
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import weakref
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from itertools import repeat
from pathlib import Path

from .errors import ContentError, ContentErrors
from .files import PAGE, PAGES, SiteFiles, Versioned, bytes_version, fact_space, facts, load, snapshot
from .frozen import frozen_dataclass
from .memo import BYTES, FILES, Codec, Memo, Space
from .parallel import Forked, can_fork
from .urls import page_url
from .write import check_rel

logger = logging.getLogger(__name__)

LANGUAGE = "nl"  # the site is nl-BE; Pagefind's Dutch stemmer is "nl"
BUNDLE_DIR = "pagefind"
BODY_MARKER = b"data-pagefind-body"
SHARD_PAGES = 1000  # pages per index shard; below this a site has one bundle
SHARD_PREFIX = "deel-"
SHARDS_FILE = "shards.json"
DELTA_DIR = f"{SHARD_PREFIX}delta"
# A shard is indexed again in full once this share of its pages changed since it last was; below
# that its edits go to the delta bundle. Shards of fewer than 1 / DELTA_SHARE pages are always
# indexed in full: a delta would cost as much.
DELTA_SHARE = 0.05
# Per page version (sitegen/files.py): a digest of its indexed part (_digest) if it is marked for the index, else None.
MARKED = fact_space("search")
# What pagefind.js loads: itself, its worker, the entry file, the language's meta, wasm and chunks.
_KEEP = re.compile(
    r"^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[a-z-]+_[0-9a-f]+\.pf_meta"
    r"|wasm\.nl\.pagefind|(index|fragment|filter)/[^/]+)$"
)


def pagefind_binary() -> Path | None:
    """The Pagefind executable: PAGEFIND_BINARY_PATH, the binary of the pagefind_bin_extended or
    pagefind_bin package, or one on PATH (where pagefind.service.get_executable looks, in its order;
    not imported: that module loads asyncio and ssl, a fortieth of a one-story rebuild's time)."""
    named = os.environ.get("PAGEFIND_BINARY_PATH")
    if named is not None:
        return Path(named)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        # The binary beside the package's __init__, where its get_executable looks, found without
        # importing the package (it imports platform for that: some milliseconds of a rebuild).
        for folder in spec.submodule_search_locations or ():
            for name in ("pagefind_extended", "pagefind"):
                for suffix in ("", ".exe") if os.name == "nt" else ("",):
                    if os.path.isfile(os.path.join(folder, name + suffix)):
                        return Path(folder, name + suffix)
        found: Path = importlib.import_module(package).get_executable()  # a layout not known here
        return found
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None


def _scratch_root() -> str | None:
    """A memory-backed folder for the scratch copy where there is one (writing thousands of small
    files to disk cost a third of the indexing time); else the system's temp folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


_SCRATCH_PREFIX = "igs-search-"


def _remove_stale_scratch(root: str | None) -> None:
    """Scratch folders of killed builds (their process is gone): they would hold memory."""
    folder = Path(root or tempfile.gettempdir())
    for path in folder.glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = path.name[len(_SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue  # alive, under another user


def _fail(message: str, hint: str) -> ContentErrors:
    return ContentErrors([ContentError(f"zoekindex: {message}", "pyproject.toml", hint=hint)])


def index_pages(
    files: Mapping[str, bytes], language: str = LANGUAGE, memo: Memo | None = None, *, lazy: bool = False
) -> Versioned:
    """Index the pages marked with data-pagefind-body; returns the bundle as {out_path: bytes}, with
    the versions of the files of the shards (sitegen/files.py: the write stage skips them unread).

    Pagefind cannot update an index, so a big site is split into shards of about SHARD_PAGES pages
    (by a stable hash of the page path): two shards index at once, and each indexer holds a fraction
    of the pages in memory. The first shard is the main bundle; `pagefind/shards.json` lists the
    others, which the search page merges (Pagefind's mergeIndex).

    With a memo that keeps shards between builds (SHARDS), a shard whose pages changed only a little since
    it was last indexed in full is not indexed again: its changed and new pages go to one small delta
    bundle (`deel-delta/`), and shards.json lists the Pagefind ids of its stale pages, which the
    search page drops from the results. What is indexed is exactly what a full index holds (every
    page, word, position, filter and excerpt text: tests/test_search.py, tests/test_incremental.py).
    As between shards, each bundle ranks with its own statistics, and answers a word it lacks with
    its longest indexed prefix of it. Raises ContentErrors when Pagefind is missing or fails
    (nothing has been written then).

    The files of a shard not indexed again are read from the memo (SEARCH_FILES); with `lazy`, not
    even that: they are handed on as references (`Versioned.remembered`, for a `SiteFiles`), read
    only by a stage that needs their bytes, which the write stage does not for a file its output
    holds already.
    """
    memo = memo or Memo()
    plans = _plans(files, language, memo)
    if not plans:
        return Versioned()
    delta, hidden = _delta(plans)
    fresh = _indexed_ahead(files, plans, _delta_key(delta, language) if delta else None)
    ahead = fresh.pop(_DELTA, None)  # the delta bundle of exactly these pages, where it was started ahead
    while True:
        todo = [p for p in plans if p.base is None and p.key not in fresh]
        load(files, [rel for plan in todo for rel in plan.pages])  # in one go, not page by page
        more, delta_bundle = _index(todo, delta, language, memo, ahead)
        fresh.update(more)
        clashing = _clashing(plans, delta_bundle)
        if not clashing:
            break
        # A stale page's id is also a live page's (a page changed outside what Pagefind keeps of it,
        # or a hash collision): the search page could not tell them apart, so those shards are
        # indexed in full.
        plans = [replace(plan, base=None) if plan.key in clashing else plan for plan in plans]
        delta, hidden = _delta(plans)
        ahead = None  # (made of other pages)
    result = Versioned()
    for number, plan in enumerate(plans):
        prefix = BUNDLE_DIR if number == 0 else f"{BUNDLE_DIR}/{SHARD_PREFIX}{number}"
        shard = plan.base
        if shard is None:
            bundle = fresh[plan.key]
            ids = _page_ids(bundle, plan.pages)
            result.update(_placed(bundle, prefix))
            if ids is not None:
                shard = _kept(plan, ids, bundle, files, memo)
                result.versions.update(_placed(shard.versions, prefix))
            continue
        # A shard's files are versioned once, when it is indexed in full: the same versions now.
        again = _Reindexed(plan, language, memo, prefix)
        versions = list(shard.versions.values())
        memo.known(SEARCH_FILES, versions, vouched=set(versions))
        if lazy:  # in C: some 11,000 files at 300x10,000
            placed = _placed(shard.versions, prefix)
            where = zip(repeat(SEARCH_FILES), placed.values(), repeat(again.placed))
            result.remembered.update(zip(placed, where, strict=True))
        else:
            calls = [(version, name) for name, version in shard.versions.items()]
            found = memo.remembered_all(SEARCH_FILES, calls, again.file)
            result.update(_placed(dict(zip(shard.versions, found, strict=True)), prefix))
        result.versions.update(_placed(shard.versions, prefix))
    others = [f"{SHARD_PREFIX}{number}/" for number in range(1, len(plans))]
    if delta:
        result.update(_placed(delta_bundle, f"{BUNDLE_DIR}/{DELTA_DIR}"))
        others.append(f"{DELTA_DIR}/")
    listing = {"bundles": others, "hidden": sorted(hidden)}
    result[f"{BUNDLE_DIR}/{SHARDS_FILE}"] = json.dumps(listing).encode("utf-8")
    return result


def _kept(
    plan: _Plan, ids: dict[str, str], bundle: dict[str, bytes], files: Mapping[str, bytes], memo: Memo
) -> ShardIndex:
    """Keep a shard just indexed in full for the next builds: what it was made of, and each of its
    files under its version (only those the memo does not hold already: an edit changes a few)."""
    versions = {name: bytes_version(data) for name, data in bundle.items()}
    # A page's version where it is known without digesting the page (the pages of a `SiteFiles`).
    pages = {rel: files.version(rel) if isinstance(files, SiteFiles) else b"" for rel in plan.digests}
    shard = ShardIndex(plan.digests, ids, versions, pages)
    memo.keep(SHARDS, plan.key, shard)
    held = memo.known(SEARCH_FILES, list(versions.values()))
    for name, data in bundle.items():
        if versions[name] not in held:
            memo.keep(SEARCH_FILES, versions[name], data)
    return shard


def _plans(files: Mapping[str, bytes], language: str, memo: Memo) -> list[_Plan]:
    """The shards of the pages marked for the index, each planned against what the memo kept of it;
    made once for the same pages of a `SiteFiles` (by start_index, then taken by index_pages)."""
    html_pages = [rel for rel in files if rel.endswith(".html")]  # in the files' order (_shards sorts)
    made = None
    if isinstance(files, SiteFiles):  # equal versions, equal pages
        made = (language, id(memo), files.versions_of(html_pages))  # in C: some 13,500 pages
        last = _PLANNED.get(id(files))
        if last is not None and last[0]() is files and last[1] == made:  # (not holding `files`)
            return [replace(plan, pages=_Pages(files, plan.digests)) for plan in last[2]]
    marked = {rel: found for rel, found in facts(files, MARKED, html_pages, _marked_digest).items() if found}
    count = -(-len(marked) // SHARD_PAGES)
    keys = [
        hashlib.blake2b(f"{language}\0{count}\0{bucket}".encode(), digest_size=16).digest() for bucket in range(count)
    ]
    bases = memo.recalled_all(SHARDS, keys)  # one query
    plans = [
        _plan(keys[bucket], _Pages(files, shard), bases.get(keys[bucket]), memo)
        for bucket, shard in _shards(marked, count, [bases.get(key) for key in keys])
    ]
    if made is not None:
        key = id(files)
        if key not in _PLANNED:
            weakref.finalize(files, _PLANNED.pop, key, None)
        _PLANNED[key] = (weakref.ref(files), made, [replace(plan, pages={}) for plan in plans])
    return plans


_PLANNED: dict[int, tuple[Callable[[], object], tuple[str, int, list[bytes]], list[_Plan]]] = {}
"""id(files) -> (a weak reference to files, what its plans were made from, the plans)."""


# Indexing ahead. Pagefind needs only the pages, which render has done long before the link check
# (the social cards come between them). So render starts the shards that will be indexed in full, and
# the delta bundle where the memo does not hold it, in a forked child (`start_index`), on whatever
# core is free, and index_pages takes their bundles.
# The child leaves each bundle in a folder named after this process (so that no build takes it for
# a killed build's leftovers while this one runs): a bundle is as large as its pages, and a pipe
# would hold it twice in memory at the moment this process holds the most.
_AHEAD: dict[
    int,
    tuple[
        Callable[[], object],
        dict[bytes, dict[str, bytes] | bytes],
        Forked[dict[bytes, tuple[str, list[str]]]] | _Pagefind,
    ],
] = {}
"""id(files) -> (a weak reference to files, the digests of the shards started and the delta's key
(under _DELTA), the child indexing them)."""
_DELTA = b"delta"  # the delta bundle among the shards started ahead (a shard's key is a 16-byte digest)
_BUNDLE_FILE = "bundle"  # what the child leaves of a bundle in its folder: memo.FILES' encoding of it


def start_index(files: Mapping[str, bytes], language: str = LANGUAGE, memo: Memo | None = None) -> None:
    """Start indexing, in a forked child, the shards of `files` that index_pages(files) will index in
    full; it takes their bundles if their pages are still the same then. Nothing starts where
    nothing can be forked (the preview, whose threads run), and the child is ended if nobody takes
    its work (a broken link, or `files` is let go)."""
    if not can_fork() or not hasattr(files, "__weakref__"):
        return
    memo = memo or Memo()
    plans = _plans(files, language, memo)
    full = [plan for plan in plans if plan.base is None]
    delta, _ = _delta(plans)
    delta_key = _delta_key(delta, language) if delta else None
    if delta_key is not None and memo.known(DELTAS, [delta_key]):
        delta_key = None  # remembered: nothing to index
    if not full and delta_key is None:
        return
    # The bytes (read here: the child may not ask the memo), not `files`: it may be let go. A snapshot
    # holds no bytes that wait in the spool: the child reads them from there.
    shards: list[tuple[bytes, Mapping[str, bytes]]] = [(plan.key, snapshot(files, plan.pages)) for plan in full]
    started: dict[bytes, dict[str, bytes] | bytes] = {plan.key: plan.digests for plan in full}
    if delta_key is not None:  # (a rebuild after an edit: its pages' Pagefind run off this core's path)
        shards.append((_DELTA, delta))
        started[_DELTA] = delta_key
    # The delta alone: Pagefind started from here, without forking this process (see _Pagefind).
    job = Forked(functools.partial(_index_ahead, shards, language, os.getpid())) if full else _Pagefind(delta, language)
    key = id(files)
    _AHEAD[key] = (weakref.ref(files), started, job)
    weakref.finalize(files, _AHEAD.pop, key, None)


def _index_ahead(
    shards: list[tuple[bytes, Mapping[str, bytes]]], language: str, owner: int
) -> dict[bytes, tuple[str, list[str]]]:
    """Index these shards (two at a time) into folders of their own: {key: (folder, bundle's names)}.
    A bundle is left as one file (_BUNDLE_FILE), its names in their order sent through the pipe: a
    file each cost this child and the taker a few system calls for every one of some 1,100 a shard."""

    def index(shard: tuple[bytes, Mapping[str, bytes]]) -> tuple[str, list[str]]:
        bundle = _run_pagefind(shard[1], language)
        folder = tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{owner}-", dir=_scratch_root())
        Path(folder, _BUNDLE_FILE).write_bytes(FILES.encode(bundle))
        return folder, list(bundle)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {key: found for (key, _), found in zip(shards, pool.map(index, shards), strict=True)}


def _indexed_ahead(
    files: Mapping[str, bytes], plans: list[_Plan], delta_key: bytes | None
) -> dict[bytes, dict[str, bytes]]:
    """{key: bundle} of the shards start_index indexed, if these plans index the same pages in full,
    and under _DELTA the delta bundle it indexed, if `delta_key` (_delta_key) is the one it started."""
    ahead = _AHEAD.pop(id(files), None)
    if ahead is None or ahead[0]() is not files:
        return {}
    _, started, job = ahead
    planned: dict[bytes, dict[str, bytes] | bytes] = {plan.key: plan.digests for plan in plans if plan.base is None}
    if delta_key is not None:
        planned[_DELTA] = delta_key
    same = {key for key, digests in started.items() if planned.get(key) == digests}  # the others changed since
    if not same:
        job.close()
        return {}
    if isinstance(job, _Pagefind):  # the delta alone
        return {_DELTA: job.result()}
    bundles = {}
    for key, (folder, names) in job.result().items():
        try:
            if key in same:
                bundles[key] = _taken(folder, names)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return bundles


def _taken(folder: str, names: list[str]) -> dict[str, bytes]:
    """The bundle _index_ahead left in `folder`, its files in the order of `names`."""
    left = FILES.decode(Path(folder, _BUNDLE_FILE).read_bytes())
    return {name: left[name] for name in names}


@frozen_dataclass
class ShardIndex:
    """A shard as it was last indexed in full: a digest of each page (of its indexed part: _digest),
    its Pagefind id, the version of each file of the bundle (the files are kept in SEARCH_FILES under
    it), and the version each page had then (sitegen/files.py: a page's render key), by which its
    bytes can be found again."""

    digests: dict[str, bytes]
    ids: dict[str, str]
    versions: dict[str, bytes]
    pages: dict[str, bytes]


def _encode_shard(shard: ShardIndex) -> bytes:
    names = list(shard.digests)
    files = list(shard.versions)
    return FILES.encode({
        "pages": "\n".join(names).encode(),
        "digests": b"".join(shard.digests[rel] for rel in names),
        "ids": "\n".join(shard.ids[rel] for rel in names).encode(),
        "page-versions": json.dumps([shard.pages[rel].hex() for rel in names]).encode(),
        "files": "\n".join(files).encode(),
        "versions": json.dumps([shard.versions[name].hex() for name in files]).encode(),
    })  # fmt: skip


def _decode_shard(data: bytes) -> ShardIndex:
    parts = FILES.decode(data)
    names = parts["pages"].decode().split("\n")
    files = parts["files"].decode().split("\n")
    digests, ids = parts["digests"], parts["ids"].decode().split("\n")
    page_versions = json.loads(parts["page-versions"])
    versions = json.loads(parts["versions"])
    size = len(digests) // len(names)
    if len(digests) != size * len(names) or not (len(ids) == len(page_versions) == len(names)):
        raise ValueError("a shard whose pages and digests differ")
    if len(versions) != len(files):
        raise ValueError("a shard whose files and versions differ")
    return ShardIndex(
        {rel: digests[at * size : (at + 1) * size] for at, rel in enumerate(names)},
        dict(zip(names, ids, strict=True)),
        {name: bytes.fromhex(version) for name, version in zip(files, versions, strict=True)},
        {rel: bytes.fromhex(version) for rel, version in zip(names, page_versions, strict=True)},
    )


# Each shard as it was last indexed in full, by its place (language, number of shards, bucket): the
# next build decides from its page digests what still holds.
SHARDS: Space[ShardIndex] = Space("search-shards", Codec(_encode_shard, _decode_shard))
# The files of the shards as last indexed in full, each by its version (held as pages are: read
# only when a stage needs the bytes; sitegen/files.py).
SEARCH_FILES: Space[bytes] = Space("search-files", BYTES, held=False)
# The delta bundle, by its pages.
DELTAS: Space[dict[str, bytes]] = Space("search-delta", FILES)


class _Reindexed:
    """A shard's bundle as it was last indexed in full, made again, for a file of it that the memo
    lost after the write stage was told its version: indexed again from the pages it was made of
    (those unchanged since from the site, the others from the memo, which keeps them for as long as
    the shard stands: see _plan), which gives the same bytes. Raises OSError where that is not so
    (the cache damaged twice over): the build then stops before its output is touched."""

    def __init__(self, plan: _Plan, language: str, memo: Memo, prefix: str) -> None:
        self.plan, self.language, self.memo, self.prefix = plan, language, memo, prefix
        self.bundle: dict[str, bytes] | None = None
        self.lock = threading.Lock()

    def file(self, name: str) -> bytes:
        with self.lock:
            if self.bundle is None:
                self.bundle = self._again()
        return self.bundle[name]

    def placed(self, name: str) -> bytes:
        """The file of the bundle placed (_placed) under `prefix` as `name`."""
        return self.file(BUNDLE_DIR + name[len(self.prefix) :])

    def _again(self) -> dict[str, bytes]:
        base, pages = self.plan.base, self.plan.pages
        assert base is not None
        logger.warning("Search index: a shard's files are unreadable in the build cache; indexing it again")
        made: dict[str, bytes] = {}
        for rel, version in base.pages.items():
            if self.plan.digests.get(rel) == base.digests[rel]:
                made[rel] = pages.files[rel]
                continue
            old = self.memo.recalled(PAGES, version[len(PAGE) :]) if version.startswith(PAGE) else None
            if old is None or _digest(old) != base.digests[rel]:
                raise _lost(f"de pagina {rel} zoals ze geïndexeerd werd is er niet meer")
            made[rel] = old
        bundle = _run_pagefind(made, self.language)
        if {name: bytes_version(data) for name, data in bundle.items()} != base.versions:
            raise _lost("een nieuwe indexering gaf een andere index")
        return bundle


def _lost(why: str) -> OSError:
    """What stops the build (as an unreadable file does, before the output is touched)."""
    reason = f"onleesbaar ({why}); verwijder de buildcache (.cache/build) en bouw opnieuw"
    return OSError(errno.EBADMSG, reason, "de zoekindex in de buildcache")


@frozen_dataclass
class _Plan:
    key: bytes
    pages: Mapping[str, bytes]
    digests: dict[str, bytes]
    base: ShardIndex | None  # None: index the shard in full
    stale: frozenset[str] = frozenset()  # pages of the base that changed or left


def _marked_digest(page: bytes) -> str | None:
    """What the index needs to know of a page: whether it is marked for it, and if so a digest."""
    return _digest(page).hex() if BODY_MARKER in page else None


# The element the templates mark for the index: <main>, which also carries the page's filters and
# meta (every data-pagefind-* attribute is on or inside it). Attribute values never hold a '>' (the
# templates escape it), and Markdown cannot add a <main> (the sanitizer drops it).
_BODY_START = re.compile(rb"<main\b[^>]*\s" + BODY_MARKER + rb"(?=[\s=/>])")
_BODY_END = b"</main>"
_BODY_WRAP = b'<head><meta charset="utf-8"></head><body>', b"</body></html>"


def indexed_part(page: bytes) -> bytes:
    """What Pagefind is given of a marked page: the page up to its <head>, then only the marked
    <main> element. Pagefind indexes nothing outside that element, so the bundle is the same
    (tests/test_search.py) for a third less to write and parse. A page marked otherwise (another
    element, more than one <main>) is given whole."""
    head = page.find(b"<head")
    found = _BODY_START.search(page)
    if head < 0 or found is None or page.count(b"<main") != 1:
        return page
    end = page.rfind(_BODY_END)
    if end < found.end():
        return page
    return page[:head] + _BODY_WRAP[0] + page[found.start() : end + len(_BODY_END)] + _BODY_WRAP[1]


def _digest(page: bytes) -> bytes:
    """A page as the index sees it: a digest of what Pagefind is given of it (indexed_part), so a
    change outside that part (a template's head, header or footer: every page) keeps its shard."""
    return hashlib.blake2b(indexed_part(page), digest_size=16).digest()


class _Pages(Mapping[str, bytes]):
    """The pages of one shard, read from the site's files only when Pagefind gets to index them."""

    def __init__(self, files: Mapping[str, bytes], digests: dict[str, bytes]) -> None:
        self.files = files
        self.digests = digests

    def __getitem__(self, rel: str) -> bytes:
        if rel not in self.digests:
            raise KeyError(rel)
        return self.files[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self.digests)

    def __len__(self) -> int:
        return len(self.digests)


def _plan(key: bytes, pages: _Pages, base: ShardIndex | None, memo: Memo) -> _Plan:
    """The plan of a shard (its key: language, number of shards, bucket) against what the memo kept of it."""
    digests = pages.digests
    if base is None:
        return _Plan(key, pages, digests, None)
    changed = {rel for rel, digest in digests.items() if base.digests.get(rel) != digest}
    stale = frozenset(changed | (base.digests.keys() - digests.keys()))
    if len(stale) > int(len(base.digests) * DELTA_SHARE):
        return _Plan(key, pages, digests, None)
    # The pages the shard was indexed from that changed since stay in the memo while it stands, so
    # that it can be indexed again exactly should a disk store lose a file of it (_Reindexed); where
    # one is gone, it is indexed in full now. (A store in memory loses nothing it holds.)
    if memo.store is not None and not memo.store.in_memory:
        versions = [base.pages[rel] for rel in stale if rel in base.pages]
        keys = [version[len(PAGE) :] for version in versions if version.startswith(PAGE)]
        if len(keys) < len(versions) or (keys and len(memo.known(PAGES, keys)) < len(keys)):
            return _Plan(key, pages, digests, None)
    return _Plan(key, pages, digests, base, stale)


def _delta_key(delta: Mapping[str, bytes], language: str) -> bytes:
    """The delta bundle's key in DELTAS: its pages, as they are."""
    key = hashlib.blake2b(language.encode(), digest_size=20)
    for rel in sorted(delta):
        key.update(b"\0" + rel.encode() + b"\0" + len(delta[rel]).to_bytes(8, "big") + delta[rel])
    return key.digest()


def _index(
    plans: list[_Plan],
    delta: dict[str, bytes],
    language: str,
    memo: Memo,
    ahead: dict[str, bytes] | None = None,
) -> tuple[dict[bytes, dict[str, bytes]], dict[str, bytes]]:
    """Index the shards planned in full ({key: bundle}) and the delta, two at a time (`ahead`: the
    delta's bundle, indexed ahead from the same pages)."""
    full = [plan for plan in plans if plan.base is None]

    def delta_bundle() -> dict[str, bytes]:
        return ahead if ahead is not None else index_shard(delta, language)

    with ThreadPoolExecutor(max_workers=2) as pool:
        delta_job = pool.submit(memo.remembered, DELTAS, _delta_key(delta, language), delta_bundle) if delta else None
        bundles = list(pool.map(lambda plan: _run_pagefind(plan.pages, language), full))
        return {plan.key: bundle for plan, bundle in zip(full, bundles, strict=True)}, (
            delta_job.result() if delta_job else {}
        )


def _delta(plans: list[_Plan]) -> tuple[dict[str, bytes], set[str]]:
    """The pages for the delta bundle, and the ids of the base pages they replace or remove."""
    delta: dict[str, bytes] = {}
    hidden: set[str] = set()
    for plan in plans:
        if plan.base is not None:
            delta.update((rel, plan.pages[rel]) for rel in sorted(plan.stale) if rel in plan.pages)
            hidden.update(plan.base.ids[rel] for rel in plan.stale if rel in plan.base.ids)
    return delta, hidden


def _clashing(plans: list[_Plan], delta_bundle: dict[str, bytes]) -> set[bytes]:
    """The shards one of whose hidden ids is also the id of a page that stays in the index."""
    live = set(_fragments(delta_bundle))
    for plan in plans:
        if plan.base is not None:
            live.update(page_id for rel, page_id in plan.base.ids.items() if rel not in plan.stale)
    return {
        plan.key
        for plan in plans
        if plan.base is not None and any(plan.base.ids.get(rel) in live for rel in plan.stale)
    }


def _fragments(bundle: Mapping[str, bytes]) -> dict[str, bytes]:
    """{page id: fragment file} of a bundle (a fragment: url, content, filters, meta of one page)."""
    return {
        name.rsplit("/", 1)[1][: -len(".pf_fragment")]: data
        for name, data in bundle.items()
        if name.startswith(f"{BUNDLE_DIR}/fragment/") and name.endswith(".pf_fragment")
    }


# A fragment is gzip'd JSON whose first member Pagefind writes is the URL: read from the start of it
# alone, which is a fiftieth of the fragment to inflate (some 10,000 fragments in a cold build).
_URL_HEAD = 512  # bytes of a fragment inflated to find its URL (a longer URL: the fragment is read whole)


def _fragment_url(fragment: bytes) -> str:
    head = zlib.decompressobj(wbits=31).decompress(fragment, _URL_HEAD)  # wbits 31: a gzip stream
    first = _MAGIC + b'{"url":"'
    if head.startswith(first):
        text = head.decode("utf-8", errors="ignore")  # (a character cut off at the end of the head)
        with contextlib.suppress(ValueError):  # the URL runs past the head
            url, end = json.decoder.scanstring(text, len(first))
            if text[end : end + 1] in (",", "}"):
                return url
    return str(json.loads(gzip.decompress(fragment)[len(_MAGIC) :])["url"])


def _page_ids(bundle: Mapping[str, bytes], pages: Mapping[str, bytes]) -> dict[str, str] | None:
    """{output path: page id}, or None when the bundle does not hold exactly these pages."""
    by_url = {_fragment_url(fragment): page_id for page_id, fragment in _fragments(bundle).items()}
    ids = {rel: by_url.get(page_url(rel)) for rel in pages}  # Pagefind's URLs are the site's
    if len(by_url) != len(pages) or None in ids.values():
        return None
    return {rel: page_id for rel, page_id in ids.items() if page_id is not None}


def _placed(bundle: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    return {prefix + name[len(BUNDLE_DIR) :]: data for name, data in bundle.items()}


def _shards(pages: Mapping[str, str], count: int, bases: list[ShardIndex | None]) -> list[tuple[int, dict[str, bytes]]]:
    """The non-empty buckets of `count` as (bucket, {page: digest}), from {page: digest in hex}: a
    page goes by a stable hash of its path (a page the kept shard of a bucket holds is in that bucket:
    its hash is not taken again)."""
    shards: list[dict[str, bytes]] = [{} for _ in range(count)]
    placed = {rel: bucket for bucket, base in enumerate(bases) if base is not None for rel in base.digests}
    for rel in sorted(pages):
        number = placed.get(rel)
        if number is None:
            number = int.from_bytes(hashlib.blake2b(rel.encode("utf-8"), digest_size=8).digest(), "big") % count
        shards[number][rel] = bytes.fromhex(pages[rel])
    return [(bucket, shard) for bucket, shard in enumerate(shards) if shard]


def index_shard(pages: Mapping[str, bytes], language: str = LANGUAGE) -> dict[str, bytes]:
    """One Pagefind bundle for `pages` (the delta bundle: remembered by its pages, see _index)."""
    return _run_pagefind(pages, language)


def _run_pagefind(pages: Mapping[str, bytes], language: str) -> dict[str, bytes]:
    """One Pagefind bundle for `pages` (all marked for the index), named pagefind/…"""
    return _Pagefind(pages, language).result()


class _Pagefind:
    """A Pagefind run over `pages`, started at once in a process of its own; `result()` waits for
    its bundle. start_index runs the delta alone so: a forked child would copy this process's page
    tables (some 400 MB at 300x10,000) and make it copy every page it then writes, 30-60 ms of its
    CPU in a one-article rebuild there, where writing the delta's few pages here costs a few. Ended (the
    process killed, the scratch copy removed) on `close()` or when it goes."""

    def __init__(self, pages: Mapping[str, bytes], language: str) -> None:
        binary = pagefind_binary()
        if binary is None:
            raise _fail(
                "Pagefind is niet geïnstalleerd",
                'installeer de afhankelijkheden opnieuw: pip install -c constraints.txt -e ".[test]"',
            )
        root = _scratch_root()
        _remove_stale_scratch(root)
        self._scratch = tempfile.mkdtemp(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-", dir=root)
        self._count = len(pages)
        self._running: list[subprocess.Popen[str]] = []  # (a list: the finalizer may not hold self)
        self._end = weakref.finalize(self, _end_pagefind, self._running, self._scratch)
        site_dir, self._bundle_dir = os.path.join(self._scratch, "site"), os.path.join(self._scratch, "bundle")
        try:
            _write_site(pages, site_dir)
        except BaseException:
            self.close()
            raise
        command = [str(binary), "--site", site_dir, "--output-path", self._bundle_dir]
        command += ["--force-language", language, "--silent"]
        try:
            self._running.append(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        except OSError as exc:
            self.close()
            raise self._not_started(exc) from exc

    @staticmethod
    def _not_started(exc: Exception) -> ContentErrors:
        return _fail(f"Pagefind kon niet starten ({exc})", "kijk of het pakket pagefind[bin] goed geïnstalleerd is")

    def result(self) -> dict[str, bytes]:
        process = self._running[0]
        try:
            stdout, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise self._not_started(exc) from exc
        try:
            if process.returncode != 0:
                detail = (stderr or stdout).strip().splitlines()[-1:] or ["geen uitvoer"]
                raise _fail(f"Pagefind faalde met code {process.returncode}: {detail[0]}", "voer de build uit met -v")
            bundle = {
                f"{BUNDLE_DIR}/{name}": _read(path)
                for name, path in _files_under(self._bundle_dir)
                if _KEEP.match(name)
            }
        finally:
            self.close()
        logger.info("Indexed %d pages for search (%d files)", self._count, len(bundle))
        return canonical_bundle(bundle)

    def close(self) -> None:
        self._end()


def _write_site(pages: Mapping[str, bytes], site_dir: str) -> None:
    """The indexed part of each page, as a file below site_dir (Pagefind's input)."""
    folders: set[str] = set()
    for rel in sorted(pages):  # (os's calls: some 1,000 pages a shard, each in a folder of its own)
        check_rel(rel)
        folder, _, name = rel.rpartition("/")
        if folder not in folders:
            os.makedirs(os.path.join(site_dir, *folder.split("/")), exist_ok=True)
            folders.add(folder)
        with open(os.path.join(site_dir, *folder.split("/"), name), "wb") as target:
            target.write(indexed_part(pages[rel]))


def _end_pagefind(running: list[subprocess.Popen[str]], scratch: str) -> None:
    """End a Pagefind run nobody waits for any more (killed where it still runs), and remove its
    scratch copy."""
    for process in running:
        if process.returncode is None:  # result() did not wait for it
            process.kill()
            process.communicate()  # reaped, its pipes closed
    shutil.rmtree(scratch, ignore_errors=True)


def _files_under(root: str) -> list[tuple[str, str]]:
    """(name below `root` with '/' between its parts, path) of each file below `root`, in the order
    of their paths."""
    found = []
    folders = [(root, "")]
    while folders:
        folder, prefix = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                elif entry.is_file():
                    found.append((prefix + entry.name, entry.path))
    return sorted(found, key=lambda item: item[0].split("/"))


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


# Pagefind 1.5 writes its filter values and its list of filters in hash-map order, which changes from
# run to run; everything else it writes is stable. The filter files and the meta file are gzip'd
# CBOR after a "pagefind_dcd" marker: decode them, sort, encode them again and name them after their
# content, so that two builds of the same content give the same bytes.
_MAGIC = b"pagefind_dcd"
CborValue = int | str | list["CborValue"]


def _cbor_decode(data: bytes, pos: int = 0) -> tuple[CborValue, int]:
    major, info = data[pos] >> 5, data[pos] & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    else:
        raise ValueError(f"unsupported CBOR item {data[pos - 1]:#x}")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major == 3:
        return data[pos : pos + arg].decode("utf-8"), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _cbor_decode(data, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"unsupported CBOR major type {major}")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("CBOR argument too large")


def _cbor_encode(value: CborValue) -> bytes:
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    return _cbor_head(4, len(value)) + b"".join(_cbor_encode(item) for item in value)


def _read_dcd(data: bytes) -> CborValue:
    raw = gzip.decompress(data)
    if not raw.startswith(_MAGIC):
        raise ValueError("not a Pagefind data file")
    value, end = _cbor_decode(raw, len(_MAGIC))
    if end != len(raw) or _cbor_encode(value) != raw[len(_MAGIC) :]:
        raise ValueError("Pagefind data file does not round-trip")
    return value


def _write_dcd(value: CborValue) -> tuple[bytes, str]:
    raw = _MAGIC + _cbor_encode(value)
    return gzip.compress(raw, compresslevel=9, mtime=0), hashlib.sha256(raw).hexdigest()


def canonical_bundle(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """The same bundle with filter values and filters in sorted order, files named after their content."""
    entry_name = f"{BUNDLE_DIR}/pagefind-entry.json"
    entry = json.loads(bundle[entry_name])
    result = dict(bundle)
    for language, info in sorted(entry["languages"].items()):
        meta_name = f"{BUNDLE_DIR}/pagefind.{info['hash']}.pf_meta"
        meta = _read_dcd(result.pop(meta_name))
        assert isinstance(meta, list) and isinstance(meta[3], list)
        renamed = []
        for name, file_hash in meta[3]:  # type: ignore[misc]
            filter_data = _read_dcd(result.pop(f"{BUNDLE_DIR}/filter/{file_hash}.pf_filter"))
            assert isinstance(filter_data, list) and isinstance(filter_data[1], list)
            filter_data[1].sort(key=lambda pair: pair[0])  # type: ignore[index]
            data, digest = _write_dcd(filter_data)
            new_hash = f"{language}_{digest[:7]}"
            result[f"{BUNDLE_DIR}/filter/{new_hash}.pf_filter"] = data
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed)
        data, digest = _write_dcd(meta)
        info["hash"] = f"{language}_{digest[:10]}"
        result[f"{BUNDLE_DIR}/pagefind.{info['hash']}.pf_meta"] = data
    result[entry_name] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return result
