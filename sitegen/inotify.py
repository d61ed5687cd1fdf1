"""Whether anything changed in some files and folders since they were looked at: Linux's inotify.

The write stage looks at the spare tree ahead, while the build renders (sitegen/write.py,
`look_ahead`), and uses that look at the write stage only if nothing changed since. So every entry
is watched before it is looked at: a folder's watch reports an entry added, removed or renamed in
it, and a write or a new mode of an entry through that folder; a file's own watch reports a write,
a truncation, a new mode or link count through any path (the output shares most files of the spare
as hard links). A change after the watch was set is an event, whatever the clocks say.

Where inotify is missing (not Linux, no libc) or runs out of watches, `Watch()` or `add` raises
OSError and the caller looks at the tree when it needs it instead.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import struct
import sys

MODIFY, ATTRIB, CLOSE_WRITE = 0x2, 0x4, 0x8
MOVED_FROM, MOVED_TO, CREATE, DELETE, DELETE_SELF, MOVE_SELF = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
_DONT_FOLLOW = 0x02000000  # watch a symbolic link itself, never what it points to
ONLYDIR = 0x01000000  # add: only a folder (a file is refused as ENOTDIR)
OVERFLOW, IGNORED, ISDIR = 0x4000, 0x8000, 0x40000000  # an event: the queue overflowed; the watch is gone; a folder
CHANGES = (
    MODIFY | ATTRIB | CLOSE_WRITE | MOVED_FROM | MOVED_TO | CREATE | DELETE | DELETE_SELF | MOVE_SELF
) | _DONT_FOLLOW


_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then the name


@functools.cache
def libc() -> ctypes.CDLL | None:
    """The C library as this process has it loaded (dlopen(NULL)), or None where that cannot be had
    (Windows). Not ctypes.util.find_library: that imports subprocess and runs ldconfig (5-50 ms)."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except (OSError, TypeError):
        return None


class Watch:
    """An inotify instance: `add` paths before looking at them, then `changed()` says whether any
    event came since (the kernel queues an event before the call that made the change returns)."""

    def __init__(self) -> None:
        init = getattr(libc(), "inotify_init1", None)
        if init is None:
            raise OSError(errno.ENOSYS, "inotify is not available")
        self._add = libc().inotify_add_watch  # type: ignore[union-attr]
        self._add.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
        self.fd = init(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))

    def add(self, path: str, mask: int = CHANGES) -> int:
        """Watch `path` from now on; returns the watch's number, or -1 for an entry that is not there
        (any more): it needs no watch, the watch of its folder, set before, reports it when it comes
        back."""
        watch = self._add(self.fd, path.encode(_FS_ENCODING, _FS_ERRORS), mask)  # os.fsencode, inlined: hot
        if watch < 0:
            code = ctypes.get_errno()
            if code not in (errno.ENOENT, errno.ENOTDIR):
                raise OSError(code, os.strerror(code), path)  # out of watches (ENOSPC), memory, ...
        return watch

    def events(self) -> list[tuple[int, int, str]]:
        """The events queued so far, each (watch number, mask, name within a watched folder or "")."""
        found: list[tuple[int, int, str]] = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return found
            offset = 0
            while offset < len(data):
                watch, mask, _cookie, size = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size
                name = data[offset : offset + size].rstrip(b"\0")
                offset += size
                found.append((watch, mask, os.fsdecode(name)))

    def changed(self) -> bool:
        """Whether any watched entry changed since it was added (a full queue counts as a change)."""
        try:
            return bool(os.read(self.fd, 4096))
        except BlockingIOError:
            return False

    def close(self) -> None:
        os.close(self.fd)
