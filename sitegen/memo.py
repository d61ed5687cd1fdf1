"""Remembered results of pure steps: one `Memo`, asked explicitly by the step that owns the data.

    value = memo.remembered(SPACE, key, lambda: compute())

- A *space* is declared once, at module level, by the module whose step it remembers:
  `SPACE = Space("markdown", codec)`. The `Codec` says how a value becomes bytes and back for the
  disk store (plain data only, never pickle); a space without a codec is kept in memory only
  (compiled templates, parsed geometry), so `build` recomputes it and `serve` keeps it.
- The *key* (bytes) is built by the function that reads the inputs, as a digest of everything the
  result depends on (`sitegen.deps.digest`): the text itself, never a file name, a date or an
  object's identity. So a remembered result cannot differ from a fresh one.
- `remembered_all(space, calls, compute)` does the same for many calls at once: the store is asked
  for all keys together and the misses are computed on every core (`sitegen.parallel.pmap`).
- `known(space, keys)` tells which keys are remembered without reading their values, for large
  values a later stage may not need at all (rendered pages and cards: sitegen/files.py);
  `known_listed(space, keys, listing)` asks the store only for keys the last build did not list.
- `hold(space, keys)` counts keys as used without reading them: a successful build keeps their
  entries (the cards of every story, where a rebuild reads only those of the pages it renders).
- `recalled(space, key)` (`recalled_all(space, keys)`) / `keep(space, key, value)` are for state a
  step carries from one build to the next under a stable key, where the step itself decides what
  still holds (the search shards, the journal's buckets, the story summaries by version).
- Hits and misses are counted per space (`memo.hits(name)`, `memo.misses(name)`; a miss is a key
  computed in this build), so tests can pin how much a rebuild redoes.
- `memo.finish(success=...)` ends a build: the store keeps what was computed, and after a
  successful build drops the entries of every space the build asked that it did not use.

The memo knows nothing about which command runs. Its store does the keeping: `MemoryStore`
(`serve`: values as they are, for the life of the process) or `DiskStore` (`build`: one sealed
SQLite table under .cache/build/, read one key at a time); both are in `sitegen/stores.py`, which
no stage imports. `Memo()` without a store remembers nothing (`check`, `--no-cache`, tests).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from .frozen import frozen_dataclass

T = TypeVar("T")
A = TypeVar("A")


@frozen_dataclass
class Codec(Generic[T]):
    """How the values of a space are kept on disk: plain bytes, never code."""

    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


@frozen_dataclass
class Space(Generic[T]):
    """A named set of remembered values of one kind, declared by the module that computes them."""

    name: str
    codec: Codec[T] | None = None
    """None: kept in memory only (the disk store never writes it)."""
    held: bool = True
    """False: once the store has a value, the memo does not hold it too, and reads it from the store
    when asked again (rendered pages and social cards: hundreds of megabytes in a cold build of a
    large site, which the disk store writes as they come)."""


class Store(Protocol):
    """Where a memo keeps its values (sitegen/stores.py)."""

    scratch: Path | None
    """A folder on disk for what a build makes and needs only until it ends (sitegen/spool.py); None:
    such things are held in memory."""
    in_memory: bool
    """Whether its values are in this process, so that `has_many` costs no more than a list of keys:
    `Memo.known_listed` then keeps no list."""

    def get_many(self, space: Space[T], keys: Sequence[bytes]) -> dict[bytes, T]:
        """The values known for these keys (missing keys are left out)."""
        ...

    def has_many(self, space: Space[T], keys: Collection[bytes]) -> set[bytes]:
        """The keys it holds a value for, without reading the values (which may still prove unreadable)."""
        ...

    def put(self, space: Space[T], key: bytes, value: T) -> None: ...

    def finish(self, used: Mapping[str, set[bytes]] | None, unlisted: Mapping[str, set[bytes]] | None = None) -> None:
        """Keep what was put; with `used` (a successful build), drop the other entries of those spaces.
        `unlisted`: per space, keys the last build used that this one may not have (Memo.known_listed),
        where the unused entries are likely to be."""
        ...


LISTED_SIZE = 20  # the size of the keys `Memo.known_listed` lists (a digest's: sitegen.deps.digest)
_LISTED = b"last build"


def pieces(joined: bytes, size: int) -> list[bytes]:
    """`joined` cut into pieces of `size` bytes, in order (in C: some 10,000 digests at a time)."""
    ends = range(size, len(joined) + size, size)
    return list(map(joined.__getitem__, map(slice, range(0, len(joined), size), ends)))


def changed_places(before: bytes, now: bytes, size: int, at_most: int) -> list[int] | None:
    """The places of the pieces of `size` bytes in which two joined lists of one length differ, in
    order; None where more than `at_most` do. Found in C, on the two lists' XOR as a number, a place
    at a time from its lowest set bit up (an edit changes a few places of some 13,500), not by
    cutting both lists into pieces."""
    differ = int.from_bytes(before, "big") ^ int.from_bytes(now, "big")
    count, bits = len(now) // size, 8 * size
    places: list[int] = []
    passed = 0  # the places from the end the number no longer holds
    while differ:
        if len(places) == at_most:
            return None
        lowest = ((differ & -differ).bit_length() - 1) // bits
        places.append(count - 1 - passed - lowest)
        differ >>= (lowest + 1) * bits
        passed += lowest + 1
    return places[::-1]


_BY_PLACE_AT_MOST = 64
"""`Memo.known_listed` by the difference of the lists where at most this many places changed."""


def _listed_in(joined: bytes, key: bytes) -> bool:
    """Whether `key` is one of the keys `joined` lists (LISTED_SIZE bytes each, one after the other)."""
    at = joined.find(key)
    while at >= 0 and at % LISTED_SIZE:
        at = joined.find(key, at + 1)
    return at >= 0


class Memo:
    """The one memo of a build: counts, remembers what each build used, and asks its store."""

    def __init__(self, store: Store | None = None, spent: list[Any] | None = None) -> None:
        self.store = store
        self._spent = spent
        """Where `finish` leaves what a build held (the values it read and computed), for a process
        that ends without freeing its objects (build.py's cli: one build, then os._exit): freeing
        them one by one after each build changes nothing (some 20 ms of a rebuild at 300x10,000,
        the journal's rows among them)."""
        self._used: dict[str, set[bytes]] = {}
        self._hits: dict[str, int] = {}
        self._misses: dict[str, int] = {}
        self._seen: dict[str, dict[bytes, Any]] = {}  # what this build read or computed: asked twice, read once
        self._known: dict[str, set[bytes]] = {}  # found by `known` (counted as hits then, not again)
        self._unlisted: dict[str, set[bytes]] = {}  # listed by the last build, not asked by `known_listed`
        self.finished: dict[str, tuple[int, int]] = {}
        """(hits, misses) per space of the last build that finished."""
        self._lock = threading.Lock()  # the search index is built in a thread beside the link check

    def remembered(self, space: Space[T], key: bytes, compute: Callable[[], T]) -> T:
        """The value remembered under `key`, or `compute()` (then remembered)."""
        found = self._lookup(space, [key])
        if key in found:
            return found[key]
        value = compute()
        self._keep(space, key, value)
        return value

    def remembered_all(self, space: Space[T], calls: Sequence[tuple[bytes, A]], compute: Callable[[A], T]) -> list[T]:
        """`[remembered(space, key, lambda: compute(args)) for key, args in calls]`, with the misses
        computed on every core when there are many (a cold build of a large site)."""
        return list(self.remembered_each(space, calls, compute))

    def remembered_each(
        self,
        space: Space[T],
        calls: Sequence[tuple[bytes, A]],
        compute: Callable[[A], T],
        weights: Sequence[float] | None = None,
    ) -> Iterator[T]:
        """`remembered_all` one value at a time, in order: each miss is kept as it arrives from the
        cores, so that a caller passing the values on never holds them all. `weights`: the work of
        each call relative to the others, where it differs (sitegen.parallel.pmap_each)."""
        from .parallel import pmap_each  # imported here: a no-op build loads no stage

        found = self._lookup(space, [key for key, _ in calls])
        todo = {key: args for key, args in calls if key not in found}
        later = Counter(key for key, _ in calls if key in todo)  # a key asked twice is computed once
        if weights is not None:
            weight: dict[bytes, float] = {}
            for (key, _), each in zip(calls, weights, strict=True):
                weight.setdefault(key, each)
            weights = [weight[key] for key in todo]
        computed = pmap_each(compute, list(todo.values()), weights=weights)  # in the order of their first call
        for key, _ in calls:
            if key not in found:
                value = next(computed)
                self._keep(space, key, value)
                found[key] = value
            value = found[key]
            if key in later:
                later[key] -= 1
                if not later[key]:
                    del found[key]  # computed here and asked no more: not held
            yield value
        next(computed, None)  # runs pmap_each to its end (every miss is computed by now)

    def recalled(self, space: Space[T], key: bytes) -> T | None:
        """The value kept under `key` by an earlier build, if any (the caller decides whether it holds)."""
        return self._lookup(space, [key]).get(key)

    def recalled_all(self, space: Space[T], keys: Sequence[bytes]) -> dict[bytes, T]:
        """`recalled` for many keys at once: {key: value} of those kept."""
        return self._lookup(space, keys)

    def keep(self, space: Space[T], key: bytes, value: T) -> None:
        """Keep `value` under `key` for the next build (replacing what was kept)."""
        self._keep(space, key, value)

    @property
    def lasting(self) -> bool:
        """Whether what a build keeps in a space without a codec reaches the next build: the preview's
        store in memory serves every build of its process; a build's disk store ends with the build
        (`build` runs one a process), so what only a next build would read is not worth making."""
        return self.store is not None and self.store.in_memory

    def hold(self, space: Space[T], keys: Iterable[bytes]) -> None:
        """Count `keys` as used by this build without asking the store for them: a successful build
        keeps their entries where it has them (it drops the others of a space it asked)."""
        with self._lock:
            self._used.setdefault(space.name, set()).update(keys)

    def known(
        self,
        space: Space[T],
        keys: Sequence[bytes],
        vouched: AbstractSet[bytes] = frozenset(),
        *,
        unsure: AbstractSet[bytes] | None = None,
    ) -> set[bytes]:
        """The keys whose values are remembered, found without reading the values (a large value is
        then read only by whoever needs it, through `remembered`/`remembered_all`, which compute it
        should the entry prove unreadable). They count as hits and as used by this build.
        `vouched` are keys the caller knows the store holds (an earlier build used them): taken as
        remembered without asking the store (a wrong one costs computing it when it is read);
        `unsure`, where given instead, are the only keys not vouched for.
        In set operations (in C): the pages, cards and story bodies ask some 10,000 keys a build."""
        with self._lock:
            seen = self._seen.setdefault(space.name, {})
            known = self._known.setdefault(space.name, set())
            asked_for = set(keys)
            wanted = asked_for  # the keys this build has not found yet (the first ask: every key)
            if known or seen:
                wanted = asked_for - known
                wanted.difference_update(seen.keys())
            self._used.setdefault(space.name, set()).update(wanted)
            if self.store is None:
                return asked_for - wanted
            asked = wanted - vouched if unsure is None else wanted & unsure
            missing = asked - self.store.has_many(space, asked) if asked else set()
            self._hits[space.name] = self._hits.get(space.name, 0) + len(wanted) - len(missing)
            known.update(wanted)
            if not missing:
                return asked_for
            known.difference_update(missing)
            return asked_for - missing

    def known_listed(self, space: Space[T], keys: Sequence[bytes], listing: Space[bytes]) -> set[bytes]:
        """`known(space, keys)` for a step that asks many keys on every build (pages, cards, story
        bodies): the keys the last build asked (LISTED_SIZE bytes long), which the store holds since
        that build used them, are listed in one entry of `listing` and vouched for, so only new keys
        are asked of the store; the list is then replaced by these keys. A store in memory (the
        preview's) answers for every key at once, without a list.

        By the difference of the lists (in C) where the keys are as many as the last build's and
        few places changed (an edit: its page's key, its card's, its body's): the keys elsewhere are
        the last build's there, so vouched for and still listed; only those of the changed places
        are looked at (some 13,500 keys a space at 300x10,000, where sets of both lists cost 15-20 ms)."""
        if self.store is None or self.store.in_memory:
            return self.known(space, keys)
        last = self.recalled(listing, _LISTED) or b""
        unsized: set[bytes] = set()  # never listed (nor vouched for)
        if not all(map(LISTED_SIZE.__eq__, map(len, keys))):
            unsized = {key for key in keys if len(key) != LISTED_SIZE}
        listed = [key for key in keys if key not in unsized] if unsized else keys
        joined = b"".join(listed)
        places = changed_places(last, joined, LISTED_SIZE, _BY_PLACE_AT_MOST) if len(last) == len(joined) else None
        if places is None:  # a list of another length, or much changed
            vouched = set(pieces(last, LISTED_SIZE))
            found = self.known(space, keys, vouched)
            now = set(listed)
            gone, added = vouched - now, now - vouched
        else:
            fresh = set(map(listed.__getitem__, places))
            found = self.known(space, keys, unsure=unsized | fresh)
            before = {last[at * LISTED_SIZE : (at + 1) * LISTED_SIZE] for at in places}
            gone = {key for key in before - fresh if not _listed_in(joined, key)}
            added = {key for key in fresh - before if not _listed_in(last, key)}
        if gone or added:  # (the same keys in another order: the list stands)
            self.keep(listing, _LISTED, joined)
            with self._lock:  # where the store finds the entries this build may not use (an edit's old key)
                self._unlisted.setdefault(space.name, set()).update(gone)
        return found

    def _lookup(self, space: Space[T], keys: Sequence[bytes]) -> dict[bytes, T]:
        with self._lock:
            seen = self._seen.setdefault(space.name, {})
            found = {key: seen[key] for key in keys if key in seen}
            wanted = [key for key in dict.fromkeys(keys) if key not in found]
            if wanted:
                self._used.setdefault(space.name, set()).update(wanted)
                stored = self.store.get_many(space, wanted) if self.store is not None else {}
                known = self._known.setdefault(space.name, set())
                self._hits[space.name] = self._hits.get(space.name, 0) + sum(key not in known for key in stored)
                if self._holds(space):
                    seen.update(stored)
                else:
                    known.update(stored)
                found.update(stored)
        return found

    def _keep(self, space: Space[T], key: bytes, value: T) -> None:
        with self._lock:
            self._misses[space.name] = self._misses.get(space.name, 0) + 1
            self._used.setdefault(space.name, set()).add(key)
            if self._holds(space):
                self._seen.setdefault(space.name, {})[key] = value
            else:
                self._known.setdefault(space.name, set()).add(key)
            if self.store is not None:
                self.store.put(space, key, value)

    def _holds(self, space: Space[Any]) -> bool:
        """Whether this build holds the values of `space` it read or computed (see Space.held)."""
        return space.held or self.store is None

    def hits(self, name: str) -> int:
        """Keys of this space found remembered in this build."""
        return self._hits.get(name, 0)

    def misses(self, name: str) -> int:
        """Keys of this space computed in this build."""
        return self._misses.get(name, 0)

    def spaces(self) -> list[str]:
        """The spaces this build asked."""
        return sorted(self._used)

    def finish(self, *, success: bool) -> None:
        """End of a build: let the store keep what it learnt (and forget what a successful build did
        not use); the counts move to `finished` and start again."""
        self.finished = {name: (self.hits(name), self.misses(name)) for name in self.spaces()}
        if self._spent is not None:
            self._spent.append((self._used, self._seen, self._known, self._unlisted))
        used, self._used, self._hits, self._misses, self._seen = self._used, {}, {}, {}, {}
        unlisted, self._known, self._unlisted = self._unlisted, {}, {}
        if self.store is not None:
            self.store.finish(used if success else None, unlisted)


# --- codecs ----------------------------------------------------------------------------------------

BYTES: Codec[bytes] = Codec(bytes, bytes)
TEXT: Codec[str] = Codec(lambda text: text.encode("utf-8"), lambda data: data.decode("utf-8"))


def _encode_files(files: Mapping[str, bytes]) -> bytes:
    parts = []
    for name in sorted(files):
        encoded = name.encode("utf-8")
        parts += [len(encoded).to_bytes(4, "big"), encoded, len(files[name]).to_bytes(8, "big"), files[name]]
    return b"".join(parts)


def _decode_files(data: bytes) -> dict[str, bytes]:
    files, at = {}, 0
    while at < len(data):
        size = int.from_bytes(data[at : at + 4], "big")
        name = data[at + 4 : at + 4 + size].decode("utf-8")
        at += 4 + size
        size = int.from_bytes(data[at : at + 8], "big")
        files[name] = data[at + 8 : at + 8 + size]
        at += 8 + size
    if at != len(data):
        raise ValueError("truncated")
    return files


FILES: Codec[dict[str, bytes]] = Codec(_encode_files, _decode_files)
"""{path: bytes}, each path and file with its length in front."""

# Tagged values inside the JSON of json_codec. Content text can never hold NUL (the loaders refuse
# it), so a one-key object with a NUL-prefixed key is never a mapping of the content.
_DATE, _DATETIME, _BYTES = "\x00date", "\x00datetime", "\x00bytes"
_TAG_MARK = b"\\u0000"


def json_codec(to_plain: Callable[[T], Any], from_plain: Callable[[Any], T]) -> Codec[T]:
    """A codec through JSON. `to_plain` turns a value into dicts (str keys), lists, str, numbers,
    bools, None, dates, datetimes and bytes; `from_plain` turns that back into the value (tuples
    come back as lists: `from_plain` makes them tuples where the type wants them)."""

    def encode(value: T) -> bytes:
        # Plain JSON data is written by json's encoder (in C) as it is; it asks `_tagged` for the rest.
        plain = to_plain(value)
        return json.dumps(plain, ensure_ascii=False, separators=(",", ":"), default=_tagged).encode("utf-8")

    def decode(data: bytes) -> T:
        # A tag's key holds NUL, which JSON writes as \u0000: without one, no object needs looking at.
        return from_plain(json.loads(data, object_hook=_untag) if _TAG_MARK in data else json.loads(data))

    return Codec(encode, decode)


def _tagged(value: Any) -> Any:
    """What JSON cannot hold, as a tagged one-key object (json.dumps's `default`)."""
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return {_DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    if isinstance(value, bytes):
        return {_BYTES: base64.b64encode(value).decode("ascii")}
    raise TypeError(f"not plain data: {type(value).__name__}")


def _untag(found: dict[str, Any]) -> Any:
    if len(found) == 1:
        ((name, text),) = found.items()
        if name == _DATE:
            return dt.date.fromisoformat(text)
        if name == _DATETIME:
            return dt.datetime.fromisoformat(text)
        if name == _BYTES:
            return base64.b64decode(text)
    return found
