"""Bytes that wait on disk instead of in memory: one unnamed file, appended to and read by position.

A cold build of a large site makes hundreds of megabytes of pages and social cards long before the
write stage takes them (at 300x10,000 they were half of the build's peak memory). A `SiteFiles`
(sitegen/files.py) of a build with a disk cache puts them in a spool in the cache's folder as they
are made and reads each back whenever a stage asks (from the system's page cache, as a rule), so no
object holds them all. The file has no name (O_TMPFILE where the system has it, else it is unlinked
at once), so nothing is left behind however the build ends, and a forked child reads it through the
descriptor it inherits (pread: no shared file position).
"""

from __future__ import annotations

import errno
import os
import tempfile
import threading
import weakref
from pathlib import Path


class Spool:
    """An unnamed file in `folder`: `add(data)` appends, `read(at, size)` reads it back."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (open as long as the spool is)
        weakref.finalize(self, file.close)
        self._fd = file.fileno()
        self._end = 0
        self._lock = threading.Lock()  # the search index adds its bundle in a thread

    def add(self, data: bytes) -> tuple[int, int]:
        """Append `data`; returns where to read it back. OSError when the disk refuses."""
        with self._lock:
            at, view = self._end, memoryview(data)
            done = 0
            while done < len(view):
                done += os.pwrite(self._fd, view[done:], at + done)
            self._end += done
        return at, done

    def read(self, at: int, size: int) -> bytes:
        data = os.pread(self._fd, size, at)
        if len(data) != size:  # a regular file reads short only past its end
            raise OSError(errno.EIO, "the spool lost bytes it was given")
        return data
