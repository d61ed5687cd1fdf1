"""The one file-tree scanner: the state of every entry below some folders, by metadata only.

Two readers: the no-op check (sitegen/fingerprint.py), which must notice whatever a fresh build
would trip over, and the preview's watcher (sitegen/preview/watch.py), which polls it for saves.
"""

from __future__ import annotations

import errno
import hashlib
import operator
import os
import stat
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

State = tuple[int, ...]

RACY_WINDOW_NS = 3_000_000_000
"""The racy-mtime rule (as git's), for the no-op check and the input journal alike: a file whose mtime
or ctime lies less than this before the moment it was looked at may have changed again after that
moment within the same timestamp (coarse kernel clocks, file systems with 1-2 s timestamps), leaving
its stat as it was, so its stat alone is not trusted. (A change after that moment gets a timestamp of
at least the moment minus a tick, so a stat older than the window cannot be repeated by one.)"""


def tree_state(roots: Iterable[Path], skip: Callable[[str], bool] | None = None) -> list[tuple[str, State]]:
    """(path, state) of each root and every entry below it, folders and links included, in a
    stable order, and the error for what cannot be read: an empty folder, a dangling link, a
    loop, a FIFO, a file made unreadable all show. Names for which `skip` is true are left out
    (a skipped folder with everything in it)."""
    entries: list[tuple[str, State]] = []

    def failed(exc: OSError) -> None:
        entries.append((str(exc.filename), (-1, exc.errno or 0)))

    for root in roots:
        entries.append((str(root), entry_state(str(root))))
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
            if skip is not None:
                dirnames[:] = [name for name in dirnames if not skip(name)]
                filenames = [name for name in filenames if not skip(name)]
            dirnames.sort()
            prefix = os.path.join(dirpath, "")  # what os.path.join puts before each name
            paths = list(map(prefix.__add__, sorted(dirnames + filenames)))
            entries += zip(paths, _states(paths), strict=True)
    return entries


# entry_state of an entry that is no link: its lstat's fields (the entry's and what it points to alike).
_PLAIN_STATE = operator.attrgetter("st_mode", "st_ino", "st_mode", "st_size", "st_mtime_ns", "st_ino", "st_ctime_ns")


def _states(paths: list[str]) -> list[State]:
    """entry_state of each path, in C (some 10,000 stories in a folder) where lstat reads every one
    and none is a link; else one by one."""
    try:
        found = list(map(_PLAIN_STATE, map(os.lstat, paths)))
    except OSError:
        return list(map(entry_state, paths))
    if any(map(stat.S_ISLNK, map(operator.itemgetter(0), found))):
        return list(map(entry_state, paths))
    return found


def entry_state(path: str) -> State:
    """(mode, inode) of the entry itself, then (mode, size, mtime_ns, inode, ctime_ns) of what it
    points to, or the error that following it gives. The ctime tells a write whose size and mtime
    were put back as they were (an archive unpacked, `touch -r`, a sync that keeps times)."""
    try:
        link = os.lstat(path)
    except OSError as exc:
        return (-1, exc.errno or 0)
    try:
        info = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except OSError as exc:
        return (link.st_mode, link.st_ino, -1, exc.errno or 0)
    return (link.st_mode, link.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


class NotARegularFile(OSError):
    """A FIFO, socket or device where a file belongs: reading it could block forever."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ENXIO, "geen gewoon bestand (een pipe, socket of apparaat)", str(path))


MAX_TEXT_BYTES = 1_000_000
"""The largest text file of content/ a build reads (a larger one is reported: sitegen.load)."""


def read_file(path: Path, limit: int) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file, or (None, size) when it is larger than `limit`.

    Opened without blocking and checked after opening, so a FIFO or a device put in place of a
    file (even between a check and the read) is an OSError, never a build that hangs.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(path)
        if info.st_size > limit:
            return None, info.st_size
        data = stream.read(limit + 1)
    return (data, len(data)) if len(data) <= limit else (None, len(data))


class ReadAhead:
    """The bytes of the files of a walk whose stat was too recent to trust (the racy-mtime rule), each
    read right after the walk took its stat. A build that reads such a file takes its bytes from here
    (`take`), so that what it built from is what `digests` names: the no-op check vouches for these
    files by their bytes (sitegen/fingerprint.py), where the build took every one of them."""

    def __init__(self, found: Mapping[str, tuple[bytes, int, int]] | None = None) -> None:
        self._found = dict(found or {})  # path -> (bytes, size, the time they were read)
        self._taken: set[str] = set()

    def take(self, path: str) -> tuple[bytes, int, int] | None:
        """The file's (bytes, size, time they were read), if read ahead; it counts as taken."""
        found = self._found.get(path)
        if found is not None:
            self._taken.add(path)
        return found

    def peek(self, path: str) -> bytes | None:
        """The file's bytes, if read ahead, without taking them."""
        found = self._found.get(path)
        return None if found is None else found[0]

    def all_taken(self) -> bool:
        return self._taken == self._found.keys()

    def digests(self) -> dict[str, str]:
        """Each file's path and the digest of its bytes (content_digest, in hex), in path order."""
        return {path: content_digest(self._found[path][0]).hex() for path in sorted(self._found)}


def content_digest(data: bytes) -> bytes:
    """The digest of a text file's bytes: its version in the load's journal (Record.content), and
    what the no-op stamp keeps of a racy file."""
    return hashlib.blake2b(data, digest_size=20).digest()


def read_ahead(entries: Iterable[tuple[str, State]], since_ns: int, at_most: int) -> ReadAhead | None:
    """The bytes of the regular files among the entries that changed at `since_ns` or later (racy), or
    None where one cannot stand for itself by its bytes: a racy link or anything but a file or folder,
    a file that cannot be read or is larger than MAX_TEXT_BYTES, or more than `at_most` files. A racy
    folder needs nothing: its entries are walked, so a change to it shows as a change among them."""
    found: dict[str, tuple[bytes, int, int]] = {}
    for path, state in entries:
        if len(state) != 7 or max(state[4], state[6]) < since_ns or stat.S_ISDIR(state[0]):
            continue
        if not stat.S_ISREG(state[0]) or len(found) == at_most:
            return None
        taken_ns = time.time_ns()
        try:
            data, size = read_file(Path(path), MAX_TEXT_BYTES)
        except OSError:
            return None
        if data is None:
            return None
        found[path] = (data, size, taken_ns)
    return ReadAhead(found)


class Walk(NamedTuple):
    """What one walk of the input folders found: each entry's state by path (tree_state), and the
    bytes of its racy files (ReadAhead)."""

    states: Mapping[str, State]
    ahead: ReadAhead


def file_stat(state: State) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, inode, ctime_ns) of a regular file's state (as sitegen.load's journal keys a
    file), None for any other entry or an error."""
    if len(state) != 7 or not stat.S_ISREG(state[2]):
        return None
    return state[3], state[4], state[5], state[6]


def settled(stat: tuple[int, int, int, int], taken_ns: int) -> bool:
    """Whether a file of this stat (file_stat), read at `taken_ns`, may be trusted on an unchanged
    stat alone: its last change came long enough before the read (the racy-mtime rule)."""
    _, mtime_ns, _, ctime_ns = stat
    return max(mtime_ns, ctime_ns) < taken_ns - RACY_WINDOW_NS


def is_folder(state: State) -> bool:
    return state[0] != -1 and stat.S_ISDIR(state[0])
