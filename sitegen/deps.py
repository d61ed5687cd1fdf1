"""Page-level dependencies: for each output page, a key that changes whenever its bytes may change.

A page whose key is unchanged since an earlier build is not rendered again; its bytes come from
the build cache (CLI) or the preview's memory (`serve`). The key of a page is a digest of exactly
the inputs its template reads:

- every template source (an edit to any template, including `_base.html` and the macros, re-renders
  every page: templates are few and rarely edited, and this way includes and imports need no graph);
- the site chrome `_base.html` shows on every page (`pages.CHROME_FIELDS`, the map sources and the
  fingerprinted names of the assets the layout and the macros name);
- the fingerprinted names of the assets the page's own template and its includes name (so the
  finder's index, which changes with an IGS's name, keys the municipalities page only);
- what the page's kind declares in the table of page kinds (`sitegen/pages.py`: `reads` and `key`),
  with the page's own context.

A page of a kind with `reads=None` (the map, whose script is drawn on another core while render goes
on) is rendered on every build. tests/test_pages.py checks the declarations
against what the templates actually name, so a template that starts to read something else fails a
test instead of going stale.
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import itertools
import operator
import pickle
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from .files import FactList, listed_space, taken_over
from .memo import BYTES, Codec, Memo, Space, pieces
from .pages import CHROME_FIELDS, PARTIALS, STORY_DISPLAY, KeyInputs, PageJob, Reads, job_out_path, templates_reading
from .parallel import collector_paused

DIGEST_SIZE = 20  # of `digest` and of the model's versions


def digest(*parts: Any) -> bytes:
    """A digest of values by content only: pickled without its memo, so that two equal values give
    the same digest whether or not they share objects (a cold build and a cached one do not). A model
    object of a class marked `keyed_by_version` stands in by its `version` when it has one: equal
    versions mean equal objects, and a story pickled with its body costs more than its digest."""
    stream = _HashStream()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.fast = True  # no memo: a repeated string is written out again, not referenced
    # Through the dispatch table, not persistent_id: that is a Python call for every object pickled
    # (40 a page key), this one only for the versioned objects.
    pickler.dispatch_table = _BY_VERSION  # type: ignore[assignment]
    pickler.dump(parts)
    return stream.hash.digest()


T = TypeVar("T")


class _Version:
    """What a versioned object is pickled as in a digest (never unpickled)."""


def _by_version(obj: Any) -> Any:
    if obj.version:
        return _Version, (type(obj).__name__, obj.version)
    return obj.__reduce_ex__(5)


_BY_VERSION: dict[type, Any] = dict(copyreg.dispatch_table)  # as a pickler without its own table


def keyed_by_version(cls: type[T]) -> type[T]:
    """Mark a model class whose objects carry a `version` (bytes; b"" when unknown) that changes
    whenever any of their fields may: `digest` takes the version for the object."""
    _BY_VERSION[cls] = _by_version
    return cls


class _HashStream:
    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=DIGEST_SIZE)

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)


ASSET_CALL = re.compile(r"""\basset\(\s*(['"])([^'"]+)\1\s*\)""")


def template_inputs(templates_dir: Path) -> tuple[bytes, dict[str, frozenset[str]]]:
    """A digest of every template source, and the asset names each keyed template (the layout and
    macros among them) names: an asset keys only the pages whose templates name it (the finder's
    index, which changes with an IGS's name, not every page; the map's script not article pages)."""
    h = hashlib.blake2b(digest_size=20)
    names: dict[str, frozenset[str]] = {}
    keyed = templates_reading()
    for path in sorted(p for p in Path(templates_dir).rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(templates_dir).as_posix()
        h.update(rel.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
        if rel in keyed:
            names[rel] = frozenset(match[1] for match in ASSET_CALL.findall(data.decode("utf-8", "replace")))
    return h.digest(), names


_KEY, _VALUE = operator.itemgetter(slice(DIGEST_SIZE)), operator.itemgetter(slice(DIGEST_SIZE, None))


def _digest_pairs(value_size: int) -> Codec[dict[bytes, bytes]]:
    """{digest: value} with every value `value_size` bytes long: each key and value one after the
    other, read back by slicing."""

    # In C, not pair by pair: a table of every page (some 13,500 pairs at 300x10,000) is read on every build.
    def encode(pairs: Mapping[bytes, bytes]) -> bytes:
        if set(map(len, pairs)) - {DIGEST_SIZE} or set(map(len, pairs.values())) - {value_size}:
            raise ValueError(f"a key not {DIGEST_SIZE} or a value not {value_size} bytes long")
        return b"".join(itertools.chain.from_iterable(pairs.items()))

    def decode(data: bytes) -> dict[bytes, bytes]:
        if len(data) % (DIGEST_SIZE + value_size):
            raise ValueError("truncated")
        pairs = pieces(data, DIGEST_SIZE + value_size)
        return dict(zip(map(_KEY, pairs), map(_VALUE, pairs), strict=True))

    return Codec(encode, decode)


DIGEST_PAIRS = _digest_pairs(DIGEST_SIZE)
"""{digest: digest}, for tables of keys by version."""
TABLE_BUCKETS = 32


class Table(dict[bytes, bytes]):
    """A table as `recalled_table` gives it; `complete`: the store held every bucket of it."""

    complete = False


def recalled_table(memo: Memo, space: Space[dict[bytes, bytes]], name: bytes = b"") -> Table:
    """The {digest: digest} table the last build kept in `space` under `name` (see kept_table)."""
    table = Table()
    found = memo.recalled_all(space, _bucket_keys(name))  # one query
    for part in found.values():
        table.update(part)
    table.complete = len(found) == TABLE_BUCKETS
    return table


def kept_table(
    memo: Memo, space: Space[dict[bytes, bytes]], table: Mapping[bytes, bytes], last: Table, name: bytes = b""
) -> None:
    """Keep `table` under `name` for the next build, where `recalled_table` gave `last`, in buckets
    by the last byte of each key: an edit writes again the bucket or two it changed, not a table of
    every page (some 500 KB at 300x10,000, sealed and written on every rebuild). Every bucket is
    kept, empty or not, so that the store holds as many entries whatever the edits."""
    if last.complete:
        # The buckets an edit touched, by the keys whose value is new (found in C, not by sorting every
        # pair in Python, nor by a set of every pair), and, where the table lost any, the keys it lost.
        changed = list(itertools.compress(table, map(operator.ne, map(last.get, table), table.values())))
        if len(table) - len(changed) != len(last):  # a key of the last table is not in this one
            changed += last.keys() - table.keys()
        touched = {key[-1] % TABLE_BUCKETS for key in changed}
        if not touched:
            return
    else:
        touched = set(range(TABLE_BUCKETS))
    now: dict[int, dict[bytes, bytes]] = {bucket: {} for bucket in touched}
    for key, value in table.items():
        part = now.get(key[-1] % TABLE_BUCKETS)
        if part is not None:
            part[key] = value
    keys = _bucket_keys(name)
    for bucket, part in sorted(now.items()):
        memo.keep(space, keys[bucket], part)


def _bucket_keys(name: bytes) -> list[bytes]:
    return [name + b" %d" % bucket for bucket in range(TABLE_BUCKETS)]


SUMMARIES: Space[dict[bytes, bytes]] = Space("story-summaries", DIGEST_PAIRS)
"""The summary digest of every story (pages.KeyInputs.summary) by its version (a table: see
kept_table): a rebuild digests only the stories that changed."""
KEYS_BY_VERSION: Space[dict[bytes, bytes]] = Space("page-keys-by-version", DIGEST_PAIRS)
"""The key of every page of a kind that declares `shared` (pages.PageKind) by its item's version, in
a table per kind named by a digest of the kind's shared inputs with the chrome (see kept_table): a
rebuild makes the keys of the pages whose item or shared inputs changed, and looks the others up."""


def _table_keys(versions: list[bytes]) -> list[bytes]:
    """Versions as the keys of a table by version, which are digests (b"": unknown, never a key)."""
    if set(map(len, versions)) - {DIGEST_SIZE}:
        return [hashlib.blake2b(v, digest_size=DIGEST_SIZE).digest() if v else b"" for v in versions]
    return versions


def _versions(jobs: list[PageJob], item: str) -> list[bytes]:
    """The version of each job's item (b"" where it has none), in C where every item has one."""
    items = list(map(operator.itemgetter(item), map(operator.attrgetter("context"), jobs)))
    try:
        return list(map(operator.attrgetter("version"), items))
    except AttributeError:
        return [getattr(found, "version", b"") for found in items]


class _Sources(NamedTuple):
    """What page keys read besides the site and the jobs (see `page_keys`)."""

    templates: bytes
    pictures: Mapping[str, Any]
    cards: Any
    anchors: Mapping[str, str]
    geo: Any
    asset_names: Mapping[str, Mapping[str, str]]


STORY_PARTS: Space[FactList] = listed_space("story-parts")
"""Two digests of each story, joined, by its version (see files.taken_over): of its place in the site,
every field but its body and what only the pages that show it read (pages.STORY_DISPLAY), then of those."""
STORY_SHOWN: Space[bytes] = Space("story-display", BYTES)
"""What each story shows (the second digest of STORY_PARTS), in the order of the stories, under the
frame they were shown in (`_Frame`): the last build's, for the stories whose display changed since."""
KIND_KEYS: Space[bytes] = Space("kind-page-keys", BYTES)
"""The keys of the pages of a kind without a table by version (pages.PageKind.shared), in their
order, under a digest of the frame, the kind and its chrome (the templates, the assets its template
names), after a digest of their paths and one of what the stories showed when they were made."""


class _Frame(NamedTuple):
    """What the pages of the kinds without a table by version are keyed by, for a build's disk store."""

    name: bytes
    """A digest of the site but what its stories show beyond their place (pages.STORY_DISPLAY) and
    their bodies, which only their own pages show, with the other sources of page keys."""
    shown: bytes
    """A digest of what each story shows, in the order of the stories."""
    last: bytes | None
    """The same of the last build with this frame (None: there was none)."""
    changed: list[Any]
    """The stories whose display is not that of the last build."""


def _frame(site: Any, sources: _Sources, memo: Memo) -> _Frame | None:
    """The frame of this build's stories (each story's two digests made once per version), or None
    where a story's or the map data's version is unknown. A story's body only its own page shows
    (tests/test_pages.py; the preview's rebuilds take the same rule: sitegen.model.changed_bodies)."""
    from .model import _SITE_BUT_STORIES  # here: the model imports this module

    stories = site.articles
    versions = list(map(operator.attrgetter("version"), stories))
    geo = sources.geo
    if not (getattr(geo, "version", b"") and all(versions)):
        return None
    # By the difference of the versions (in C): a rebuild after an edit digests the stories it changed.
    parts, todo, keep = taken_over(memo, STORY_PARTS, b"", versions)
    if todo:
        place, display = _story_fields()
        for i in todo:
            parts[i] = digest(place(stories[i])) + digest(display(stories[i]))
    keep(parts)
    places = b"".join(map(operator.itemgetter(slice(DIGEST_SIZE)), parts))
    shown = b"".join(map(operator.itemgetter(slice(DIGEST_SIZE, None)), parts))
    # Not the images' bytes: a page shows an image as it was processed (`pictures`). Nor what each
    # kind's chrome digests (the templates, the assets they name).
    site_shown = [getattr(site, name) for name in _SITE_BUT_STORIES if name != "images"]
    name = digest(places, site_shown, sorted(sources.pictures.items()), sorted(sources.anchors.items()), geo.version)
    last_shown = memo.recalled(STORY_SHOWN, name)
    if last_shown == shown:
        return _Frame(name, digest(shown), digest(shown), [])
    memo.keep(STORY_SHOWN, name, shown)
    if last_shown is None or len(last_shown) != len(shown):
        return _Frame(name, digest(shown), None, list(stories))
    before, now = pieces(last_shown, DIGEST_SIZE), pieces(shown, DIGEST_SIZE)
    changed = itertools.compress(stories, map(operator.ne, before, now))  # in C
    return _Frame(name, digest(shown), digest(last_shown), list(changed))


@functools.cache
def _story_fields() -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """Getters of a story's place (every field but its body, its version and pages.STORY_DISPLAY) and
    of its display."""
    from .model import Article  # here: the model imports this module

    others = [f.name for f in fields(Article) if f.name not in ("body", "version", *STORY_DISPLAY)]
    return operator.attrgetter(*others), operator.attrgetter(*STORY_DISPLAY)


def _kind_keys(
    memo: Memo, frame: _Frame, kept_as: bytes, site: Any, group: list[PageJob], key_of: Callable[[PageJob], bytes]
) -> list[bytes]:
    """The keys of the pages of a kind without a table by version, in their order: those the last build
    made under `kept_as` (the frame, the kind, its chrome) for the same pages, but of the pages that
    show a story whose display has changed since (pages.PageKind.shows); else all made anew."""
    paths = digest("\0".join(map(operator.attrgetter("out_path"), group)))
    found = memo.recalled(KIND_KEYS, kept_as)
    keys: list[bytes | None] = [None] * len(group)
    if found is not None and found[:DIGEST_SIZE] == paths and len(found) == (len(group) + 2) * DIGEST_SIZE:
        made_for, kept = found[DIGEST_SIZE : 2 * DIGEST_SIZE], pieces(found[2 * DIGEST_SIZE :], DIGEST_SIZE)
        if made_for == frame.shown:
            return kept
        shows = group[0].kind.shows
        if shows is not None and made_for == frame.last:
            again = set(shows(site, frame.changed))
            keys = [None if job.context["url"] in again else key for job, key in zip(group, kept, strict=True)]
    made = [key if key is not None else key_of(job) for job, key in zip(group, keys, strict=True)]
    memo.keep(KIND_KEYS, kept_as, paths + frame.shown + b"".join(made))
    return made


LAST_CARDS: Space[tuple[Mapping[str, Any], dict[str, tuple[Any, bytes]]]] = Space("last-story-cards")
"""The pictures of the last build's page keys and what the story cards of each page showed, by its
URL (in memory only: pages.KeyInputs.cards)."""
LAST_KEYS: Space[tuple[Any, _Sources, list[PageJob], dict[int, bytes]]] = Space("last-page-keys")
"""The last build's site, the other inputs of its page keys, its jobs and their keys by id() (in memory
only): see `page_keys`."""
LAST_PARTS: Space[dict[int, tuple[PageJob, bytes, Any, bytes]]] = Space("last-key-parts")
"""The last build's jobs of the kinds without a table by version, by id(): each with the ground and the
parts (PageKind.key) its key was made of, and that key (in memory only: `_page_keys`)."""
_LAST_BUILD = b"last build"
_CHROME_ONLY = Reads()  # a kind's `reads` where its template reads nothing beyond the chrome


def page_keys(
    site: Any,
    jobs: Iterable[PageJob],
    *,
    templates: bytes,
    asset_names: Mapping[str, Mapping[str, str]],
    geo: Any,
    pictures: Mapping[str, Any],
    cards: Any = (),
    anchors: Mapping[str, str] | None = None,
    memo: Memo | None = None,
    summaries_out: dict[int, bytes] | None = None,
) -> dict[str, bytes]:
    """{out_path: key} for the pages of keyed kinds; other pages are always rendered.
    `asset_names` are the fingerprinted names of the assets each template names, by template;
    `cards` is what the card pictures of stories and IGS'en depend on (which IGS has a map, its size);
    `summaries_out` receives the summary digest of every story (pages.KeyInputs.summary) by its id().
    Where the site differs from the last build's in nothing but some stories' bodies (the preview:
    sitegen.model.changed_bodies) and every other input is the same, a job of the last build (the
    very object: sitegen.pages.page_jobs keeps them) keeps its key; only the others are keyed."""
    from .model import changed_bodies  # here: the model imports this module

    jobs = list(jobs)
    sources = _Sources(templates, pictures, cards, anchors or {}, geo, asset_names)
    last = memo.recalled(LAST_KEYS, _LAST_BUILD) if memo is not None else None
    if last is not None and _same_sources(last[1], sources) and changed_bodies(last[0], site) is not None:
        # The templates whose assets were renamed (the map's script, named after a cold build's keys).
        before = last[1].asset_names
        renamed = {name for name in asset_names.keys() | before.keys() if asset_names.get(name) != before.get(name)}
        kept = last[3]
        if renamed:
            new = [job for job in jobs
                   if id(job) not in kept or not renamed.isdisjoint((job.template, *job.kind.includes))]  # fmt: skip
        else:  # every rebuild but the first: the jobs not kept, found in C (some 12,000 jobs)
            new = list(itertools.compress(jobs, map(operator.not_, map(kept.__contains__, map(id, jobs)))))
        if renamed.isdisjoint(PARTIALS) and 2 * len(new) <= len(jobs):  # else keyed in full: it costs less
            # In a memo of their own: the tables of the last build stay as they are.
            fresh = _page_keys(site, new, sources, Memo())
            # In C (some 12,000 jobs): each job's key, the kept one's or the new one's (none: not keyed).
            ids = list(map(id, jobs))
            found = dict(zip(ids, map(kept.get, ids), strict=True))
            found.update(zip(map(id, new), map(fresh.get, map(job_out_path, new)), strict=True))
            made = list(map(found.get, ids))
            keyed = list(map(bool, made))
            keys = dict(itertools.compress(zip(map(job_out_path, jobs), made, strict=True), keyed))
            by_job = dict(itertools.compress(zip(ids, made, strict=True), keyed))
            memo.keep(LAST_KEYS, _LAST_BUILD, (site, sources, jobs, by_job))  # the jobs held: no id is taken again
            if summaries_out is not None:  # by the tables of the last build that made them
                found = KeyInputs(site, geo, pictures, sources.anchors, digest, recalled_table(memo, SUMMARIES))
                summaries_out.update(zip(map(id, site.articles), found.summaries_of(site.articles), strict=True))
            return keys
    keys = _page_keys(site, jobs, sources, memo or Memo(), summaries_out)
    if memo is not None and memo.lasting:
        _keep_last(memo, site, sources, jobs, keys)
    return keys


def _same_sources(last: _Sources, now: _Sources) -> bool:
    """Whether the sources of page keys but the asset names are those of the last build (the map data
    compared by value where the preview made it again: Folium's script is not compared, its name is
    among the asset names)."""
    return last[:4] == now[:4] and (last.geo is now.geo or last.geo == now.geo)


def _keep_last(memo: Memo, site: Any, sources: _Sources, jobs: list[PageJob], keys: dict[str, bytes]) -> None:
    made = list(map(keys.get, map(job_out_path, jobs)))  # in C: some 12,000 jobs
    by_job = dict(itertools.compress(zip(map(id, jobs), made, strict=True), map(bool, made)))
    memo.keep(LAST_KEYS, _LAST_BUILD, (site, sources, jobs, by_job))  # the jobs held: no id is taken again


def _page_keys(
    site: Any, jobs: list[PageJob], sources: _Sources, memo: Memo, summaries_out: dict[int, bytes] | None = None
) -> dict[str, bytes]:
    templates, pictures, cards, anchors, geo, asset_names = sources

    def assets_named(templates: Iterable[str]) -> list[list[tuple[str, str]]]:
        return [sorted(asset_names.get(name, {}).items()) for name in templates]

    chrome = digest(templates, assets_named(sorted(PARTIALS)), [getattr(site, name) for name in CHROME_FIELDS],
                    geo.sources, cards)  # fmt: skip
    summaries = recalled_table(memo, SUMMARIES)
    last_cards = memo.recalled(LAST_CARDS, _LAST_BUILD)
    shown = last_cards[1] if last_cards and (last_cards[0] is pictures or last_cards[0] == pictures) else {}
    inputs = KeyInputs(site, geo, pictures, anchors, digest, summaries, shown_before=shown)
    tables: dict[str, tuple[bytes, Table, dict[bytes, bytes]]] = {}  # per kind: name, last, now
    keys: dict[str, bytes] = {}
    # A build's disk store: the keys of the pages of the kinds without a table by version, by the
    # frame of the stories (the preview has its own way: `page_keys`).
    frame = _frame(site, sources, memo) if memo.store is not None and not memo.lasting else None
    # The preview: what keyed each page of the last build, by the id() of its job (see key_of).
    parts_before = memo.recalled(LAST_PARTS, _LAST_BUILD) if memo.lasting else None
    parts_now: dict[int, tuple[PageJob, bytes, Any, bytes]] = {}

    def key_of(job: PageJob, ground: bytes) -> bytes:
        kind = job.kind
        # The last build's very job (the preview keeps the jobs of what did not change: pages.page_jobs)
        # under the same ground keeps its key where its parts (PageKind.key) are equal: its context is
        # not pickled again (some 3,000 story lists).
        before = parts_before.get(id(job)) if parts_before else None
        if before is not None and (before[0] is not job or before[1] != ground):
            before = None
        if before is not None and kind.reads == _CHROME_ONLY:
            # Of a kind that reads nothing but the chrome (in `ground`), the parts follow from the
            # context alone: not made again (the sitemap's 13,500 entries).
            parts_now[id(job)] = before
            return before[3]
        parts = kind.key(inputs, job.context)
        if before is not None and before[2] == parts:
            key = before[3]
        else:
            others = {name: value for name, value in job.context.items() if name != kind.item}
            key = digest(ground, job.out_path, sorted(others.items()), parts)
        if memo.lasting:
            parts_now[id(job)] = (job, ground, parts, key)
        return key

    with collector_paused():
        for _, grouped in itertools.groupby(jobs, operator.attrgetter("kind.name")):  # the pages of a kind
            group = list(grouped)
            kind = group[0].kind
            if kind.reads is None:
                continue
            kind_chrome = digest(chrome, kind.template, assets_named((kind.template, *kind.includes)))
            if not (kind.shared and kind.item):
                if frame is None:
                    keys.update((job.out_path, key_of(job, kind_chrome)) for job in group)
                else:
                    kept_as = digest(frame.name, kind.name, kind_chrome)
                    made = _kind_keys(memo, frame, kept_as, site, group, functools.partial(key_of, ground=kind_chrome))
                    keys.update(zip(map(operator.attrgetter("out_path"), group), made, strict=True))
                continue
            table = tables.get(kind.name)
            if table is None:
                ground = digest(kind_chrome, kind.name, kind.shared(inputs))
                table = tables[kind.name] = (ground, recalled_table(memo, KEYS_BY_VERSION, ground), {})
            _, last, now = table
            # In bulk: some 10,000 stories, nearly all of whose keys the last build made.
            versions = _table_keys(_versions(group, kind.item))
            found = list(map(last.get, versions))  # b"" is never a key
            if None in found:
                found = [key or key_of(job, kind_chrome) for job, key in zip(group, found, strict=True)]
            keys.update(zip(map(operator.attrgetter("out_path"), group), found, strict=True))
            now.update(zip(versions, found, strict=True))
            now.pop(b"", None)
    if summaries_out is not None or memo.store is not None:  # every story's, kept for the next build
        summarised = inputs.summaries_of(site.articles)
        if summaries_out is not None:
            summaries_out.update(zip(map(id, site.articles), summarised, strict=True))
    kept_table(memo, SUMMARIES, inputs.summarised, summaries)
    memo.keep(LAST_CARDS, _LAST_BUILD, (pictures, inputs.shown))
    if memo.lasting:
        memo.keep(LAST_PARTS, _LAST_BUILD, parts_now)  # the jobs held: no id is taken again
    for ground, last, now in tables.values():
        kept_table(memo, KEYS_BY_VERSION, now, last, ground)
    return keys
