"""The rendered site handed from stage to stage: each file with a version, its bytes read when needed.

A rebuild after one edit of a large site keeps tens of thousands of pages and social cards as they
were. Their bytes are in the build cache, and unsealing them all (hundreds of megabytes) cost more
than the rest of the rebuild, although hardly anything looks at them. So render hands the site on
as `SiteFiles`, a mapping of out_path -> bytes in which a page or card the cache holds is only a
reference to its memo entry, read on first `files[name]` (or in bulk by `load`), and in which every
file has a *version*: equal versions mean equal bytes (a page's render key, a card's key, a digest
of the bytes for the rest). The write stage skips files whose version it wrote before
(`write_site(files, output, versions=files.versions())`).

The stages that derive something small from every page (its social-card title, its search marker,
its Content-Security-Policy) ask `facts(files, kind, names, derive)`: the fact of a version is
derived once from the bytes and remembered in the memo with the versions of the last build, so an
unchanged page is never read. A fact is plain hashable data; a lost or damaged list only costs reading
the pages again. A plain dict works everywhere a `SiteFiles` does (facts are then derived directly).

In a build with a disk cache, the bytes a `SiteFiles` is given (or reads from the memo) wait in a
spool on disk (sitegen/spool.py), not in memory, and are read back each time a stage asks: a cold
build of a large site makes hundreds of megabytes of pages and cards, which no object then holds
all at once. `snapshot(files, names)` hands some of them to a forked child without the mapping.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import marshal
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

from .memo import BYTES, Codec, Memo, Space
from .spool import Spool

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Where a version comes from, so that versions of different kinds never meet.
PAGE, CARD, BYTES_DIGEST = b"p", b"c", b"d"
# Rendered pages by their dependency key (sitegen/deps.py): a page's version is PAGE + its key.
PAGES: Space[bytes] = Space("pages", BYTES, held=False)


def bytes_version(data: bytes) -> bytes:
    """The version of a file that has no key: a digest of its bytes."""
    return BYTES_DIGEST + hashlib.sha256(data).digest()[:16]


Remembered = tuple[Space[bytes], bytes, Callable[[str], bytes]]
"""Where the memo holds a file's bytes (space, key), and how to make them, from the file's name,
should the entry prove unreadable."""


class Versioned(dict[str, bytes]):
    """Files a stage hands on with the versions of those it knows one for (`SiteFiles.update`
    keeps them; as a plain dict it is just the files), and files the memo holds (`remembered`: not
    in the dict, so only for a caller that hands them to a `SiteFiles`, which reads them when needed)."""

    def __init__(self, files: Mapping[str, bytes] | None = None, versions: Mapping[str, bytes] | None = None) -> None:
        super().__init__(files or {})
        self.versions: dict[str, bytes] = dict(versions or {})
        self.remembered: dict[str, Remembered] = {}


Held = bytes | tuple[int, int]
"""A file's bytes, or where they are in the spool (at, size)."""


class SiteFiles(MutableMapping[str, bytes]):
    """out_path -> bytes, in the order files were added; a file the memo holds is read on first use."""

    def __init__(self, memo: Memo | None = None) -> None:
        self.memo = memo or Memo()
        self._data: dict[str, Held | None] = {}  # None: not read yet (see _lazy)
        self._scratch = self.memo.store.scratch if self.memo.store is not None else None  # for the spool
        self._spool: Spool | None = None  # made for the first file (see _held)
        self._lazy: dict[str, Remembered] = {}
        self._versions: dict[str, bytes] = {}
        self._lock = threading.Lock()  # the search index reads pages in a thread beside the link check
        self._ahead: list[str] = []  # see put_ahead
        self.loaded = 0
        """Files whose bytes were read from the memo (tests count them)."""

    # --- the mapping ---

    def __getitem__(self, name: str) -> bytes:
        data = self._data[name]
        if data is None:
            self.load([name])
            data = self._data[name]
            assert data is not None
        if isinstance(data, tuple):
            assert self._spool is not None
            return self._spool.read(*data)
        return data

    def __setitem__(self, name: str, data: bytes) -> None:
        self.put(name, data)

    def __delitem__(self, name: str) -> None:
        del self._data[name]
        self._lazy.pop(name, None)
        self._versions.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def names(self) -> KeysView[str]:
        """The files' names as they are now and later (`in` is answered in C, not by a method call)."""
        return self._data.keys()

    def items(self) -> Any:
        self.load(self._lazy)  # all at once: one query, not one per file
        return super().items()

    def values(self) -> Any:
        self.load(self._lazy)
        return super().values()

    def update(self, other: Any = (), /, **more: bytes) -> None:
        """As a mapping's update; the files of a `Versioned` keep their versions."""
        super().update(other, **more)
        if isinstance(other, Versioned):
            for name, version in other.versions.items():
                if name in other:
                    self._versions[name] = version
            # In C: a search index hands on some 11,000 files the memo holds.
            self._data.update(zip(other.remembered, itertools.repeat(None)))
            self._lazy.update(other.remembered)
            self._versions.update(zip(other.remembered, map(other.versions.__getitem__, other.remembered), strict=True))

    # --- adding files ---

    def put(self, name: str, data: bytes, version: bytes | None = None) -> None:
        """A file whose bytes are at hand; without a version, its version is a digest of them."""
        self._data[name] = self._held(data)
        self._lazy.pop(name, None)
        if version is None:
            self._versions.pop(name, None)
        else:
            self._versions[name] = version

    def reserve(self, name: str) -> None:
        """A file's place in the order, its bytes to be put later (an empty file until then)."""
        self._data[name] = b""
        self._lazy.pop(name, None)
        self._versions.pop(name, None)

    def reserve_all(self, names: Iterable[str]) -> None:
        """`reserve` of names the files do not have yet, in C (a rebuild's some 13,500 pages)."""
        self._data.update(zip(names, itertools.repeat(b"")))

    def put_remembered(
        self, name: str, space: Space[bytes], key: bytes, compute: Callable[[], bytes], version: bytes
    ) -> None:
        """A file the memo holds under `key` (`Memo.known`): read when first needed, and computed
        then if the entry turns out unreadable."""
        self.put_remembered_all([name], space, [key], lambda _: compute(), [version])

    def put_remembered_all(
        self,
        names: Sequence[str],
        space: Space[bytes],
        keys: Sequence[bytes],
        compute: Callable[[str], bytes],
        versions: Sequence[bytes],
    ) -> None:
        """`put_remembered` for many files of one space at once, `compute(name)` making a file's bytes
        should its entry prove unreadable: in C, not a call and a closure per file (a rebuild puts
        every page and card the cache holds, some 27,000 at 300x10,000)."""
        self._data.update(zip(names, itertools.repeat(None)))
        self._lazy.update(zip(names, zip(itertools.repeat(space), keys, itertools.repeat(compute)), strict=True))
        self._versions.update(zip(names, versions, strict=True))

    def put_ahead(
        self, name: str, space: Space[bytes], key: bytes, compute: Callable[[], bytes], version: bytes
    ) -> None:
        """A file made while the build goes on (on another core): `compute()` waits for it. Read, and
        remembered under `key`, when first needed, and by `settle` at the latest."""
        self.put_remembered(name, space, key, compute, version)
        self._ahead.append(name)

    def settle(self) -> None:
        """Read the files still made elsewhere (put_ahead), so that the memo keeps them before the
        build ends: a build that does not write them would otherwise read them after the memo's finish."""
        ahead, self._ahead = self._ahead, []
        self.load(ahead)

    # --- versions and bytes ---

    def version(self, name: str) -> bytes:
        found = self._versions.get(name)
        if found is None:
            found = self._versions[name] = bytes_version(self[name])
        return found

    def versions_of(self, names: Iterable[str]) -> list[bytes]:
        """`[self.version(name) for name in names]`, the known ones looked up in C."""
        found = list(map(self._versions.get, names))
        if None in found:
            found = [version or self.version(name) for name, version in zip(names, found, strict=True)]
        return found

    def versions(self) -> dict[str, bytes]:
        """The versions known without digesting anything (pages and cards: their keys); a file left
        out is one whose bytes are at hand, for the caller to digest as it would anyway."""
        return dict(self._versions)

    def is_loaded(self, name: str) -> bool:
        return self._data[name] is not None

    def load(self, names: Iterable[str]) -> None:
        """Read these files' bytes from the memo, one query per kind (computing any it lost)."""
        with self._lock:
            wanted: dict[str, list[tuple[bytes, str]]] = {}
            spaces: dict[str, Space[bytes]] = {}
            for name in names:
                lazy = self._lazy.get(name)
                if lazy is not None:
                    wanted.setdefault(lazy[0].name, []).append((lazy[1], name))
                    spaces[lazy[0].name] = lazy[0]
            for space_name, calls in wanted.items():
                values = self.memo.remembered_all(spaces[space_name], calls, self._compute)
                for (_, name), data in zip(calls, values, strict=True):
                    self._data[name] = self._held(data)
                    del self._lazy[name]
                self.loaded += len(calls)

    def _compute(self, name: str) -> bytes:
        return self._lazy[name][2](name)

    def _held(self, data: bytes) -> Held:
        """What this mapping keeps of `data`: its place in the spool, where the build has one."""
        if self._scratch is not None:
            try:
                if self._spool is None:
                    self._spool = Spool(self._scratch)
                return self._spool.add(data)
            except OSError as exc:  # the disk refuses: held in memory, as without a cache
                logger.warning("Holding the site's files in memory: cannot write to %s (%s)", self._scratch, exc)
                self._scratch = None
        return data

    def snapshot(self, names: Iterable[str]) -> Mapping[str, bytes]:
        """These files' bytes as they are now, in a mapping that holds neither this one nor the bytes
        that wait in the spool (a forked child reads them from there itself)."""
        names = list(names)
        self.load(names)
        held = {}
        for name in names:
            data = self._data[name]
            assert data is not None  # loaded
            held[name] = data
        return _Snapshot(self._spool, held)


class _Snapshot(Mapping[str, bytes]):
    def __init__(self, spool: Spool | None, held: dict[str, Held]) -> None:
        self._spool = spool
        self._held = held

    def __getitem__(self, name: str) -> bytes:
        data = self._held[name]
        if isinstance(data, tuple):
            assert self._spool is not None
            return self._spool.read(*data)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._held)

    def __len__(self) -> int:
        return len(self._held)


def load(files: Mapping[str, bytes], names: Iterable[str]) -> None:
    """Read these files' bytes at once where `files` reads them lazily (a no-op for a dict)."""
    if isinstance(files, SiteFiles):
        files.load(names)


def snapshot(files: Mapping[str, bytes], names: Iterable[str]) -> Mapping[str, bytes]:
    """{name: files[name]} for `names`, without holding `files` (nor, for a SiteFiles, bytes it spooled)."""
    if isinstance(files, SiteFiles):
        return files.snapshot(names)
    return {name: files[name] for name in names}


def version_of(files: Mapping[str, bytes], name: str) -> bytes:
    return files.version(name) if isinstance(files, SiteFiles) else bytes_version(files[name])


FactList = tuple[list[bytes], list[Any]]
"""What was last found of each of some files (facts, card keys), by their versions: the versions and
the values, one each in the same order (see `taken_over`)."""
_LAST_BUILD = b"last build"
_MISSING = object()
BY_VERSION_FROM = 32
"""From this many changed places on (or where files came or went), `taken_over` looks the values up
by version too (a dict of every version: a rebuild that changed a few pages makes none)."""


def listed_space(name: str) -> Space[FactList]:
    """A memo space of lists of values by the versions of files (see `taken_over`)."""
    return Space(name, Codec(_encode_list, _decode_list))


def fact_space(name: str) -> Space[FactList]:
    """The memo space of one kind of fact (declared by the module that derives it)."""
    return listed_space(f"facts-{name}")


def _encode_list(listed: FactList) -> bytes:
    """A list in marshal's form, which writes an object held many times once (`taken_over` keeps
    equal values as one object: the 13,500 pages at 300x10,000 share a few policies)."""
    return marshal.dumps(listed)


def _decode_list(data: bytes) -> FactList:
    listed = marshal.loads(data)
    if not (
        isinstance(listed, tuple)
        and len(listed) == 2
        and isinstance(listed[0], list)
        and isinstance(listed[1], list)
        and len(listed[0]) == len(listed[1])
    ):
        raise ValueError("not a list of values by version")
    return listed


def taken_over(
    memo: Memo, space: Space[FactList], key: bytes, versions: list[bytes]
) -> tuple[list[Any], list[int], Callable[[list[Any]], None]]:
    """What the last build kept under `key` for files of these versions, each a value that follows
    from a file's version alone, taken over by the difference of the versions (in C): by place (a
    rebuild that changed a few of 13,500 pages looks at those few, not at each page's version in
    Python), and by version where many places changed or files came or went. Gives the values (unset
    where not taken over), the places of those to find again, and `keep`, which keeps the values
    once found (plain hashable data: text, bytes, numbers, None, tuples)."""
    last = memo.recalled(space, key)
    found: list[Any] = [_MISSING] * len(versions)
    todo: list[int] = list(range(len(versions)))
    by_place = last is not None and len(last[0]) == len(versions)
    if by_place:
        assert last is not None
        found = list(last[1])
        todo = list(itertools.compress(todo, map(operator.ne, versions, last[0])))
    if last is not None and (not by_place or len(todo) >= BY_VERSION_FROM):
        by_version = dict(zip(*last, strict=True))
        taken = list(map(by_version.get, map(versions.__getitem__, todo), itertools.repeat(_MISSING)))
        for i, value in zip(todo, taken, strict=True):
            found[i] = value
        todo = list(itertools.compress(todo, map(operator.is_, taken, itertools.repeat(_MISSING))))

    def keep(values: list[Any]) -> None:
        if last is None or last[0] != versions or last[1] != values:
            shared: dict[Any, Any] = {}  # equal values as one object (see _encode_list)
            memo.keep(space, key, (versions, list(map(shared.setdefault, values, values))))

    return found, todo, keep


def facts(
    files: Mapping[str, bytes], space: Space[FactList], names: Iterable[str], derive: Callable[[bytes], T]
) -> dict[str, T]:
    """{name: derive(files[name])} for `names`, reading only the files whose version the last build
    did not derive this kind of fact from (`taken_over`; `derive` returns plain hashable data)."""
    names = list(names)
    if not isinstance(files, SiteFiles):
        return {name: derive(files[name]) for name in names}
    found, todo, keep = taken_over(files.memo, space, _LAST_BUILD, files.versions_of(names))
    files.load([names[i] for i in todo])
    for i in todo:
        found[i] = derive(files[names[i]])
    keep(found)
    return dict(zip(names, found, strict=True))
