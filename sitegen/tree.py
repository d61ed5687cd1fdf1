"""The one file-tree scanner: the state of every entry below some folders, by metadata only.

Two readers: the no-op check (sitegen/fingerprint.py), which must notice whatever a fresh build
would trip over, and the preview's watcher (sitegen/preview/watch.py), which polls it for saves.
"""

from __future__ import annotations

import operator
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

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


def newest_change(entries: Iterable[tuple[str, State]]) -> float:
    """The newest mtime or ctime (seconds) among the entries that could be read."""
    return max((max(state[4], state[6]) / 1e9 for _, state in entries if len(state) == 7), default=0.0)


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
