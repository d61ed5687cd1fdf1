"""The preview folder: a rebuild writes what changed, found in memory; the folder is walked only when idle."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

from ..files import SiteFiles, load
from ..write import safe_join, sync_folder, with_marker, write_file_atomic

WALK_SECONDS = 60.0


class PreviewFolder:
    """The folder the server serves, and what this server last wrote into it.

    `update(files)` compares a build with what was written last, in memory, without walking or
    reading the folder: a file the build left unread in the memo (a page or social card that did
    not change) is compared by its version (equal version, equal bytes: sitegen/files.py), so its
    bytes are not even fetched; any other file by its bytes (mostly an identity test: the memo
    hands back the same bytes objects). Only the files that differ are written (each atomically: a
    reader sees the old file or the new one), and only the files that are gone are removed, so an
    edit at 10,000 articles costs the few files it changed. `check()` walks the folder and repairs
    what something else did to it (a deleted file, a stray one): on the first build, after a failed
    write, and when the editor pauses (the watcher's idle call) once every WALK_SECONDS (at 10,000
    articles a walk takes about a second, and a save during it waits), never between a save and
    the reload.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, bytes] = {}
        self.versions: dict[str, bytes] = {}  # of the files written, where a build gave one unread
        self.files: Mapping[str, bytes] = {}
        self.checked = False  # the folder was compared with `written` by a walk and nothing failed since
        self.walked = 0.0  # time.monotonic() of the last walk

    def update(self, files: Mapping[str, bytes]) -> list[str]:
        """Make the folder hold `files` (plus the output marker); returns the changed paths."""
        self.files = files
        if not self.checked:
            return self.check()
        self.checked = False  # until every change below is made
        unread = _unread_versions(files)
        same = {rel for rel, version in unread.items() if self.versions.get(rel) == version}
        load(files, [rel for rel in unread if rel not in same])  # at once: one memo query per kind
        wanted = with_marker({}).keys() | files.keys()
        changed = list(self.written.keys() - wanted)
        for rel in changed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(safe_join(self.root, rel))
            del self.written[rel]
            self.versions.pop(rel, None)
        for rel in changed:
            self._remove_empty_parents(rel)
        for rel, data in with_marker({}).items():
            changed += self._write(rel, data)
        for rel in files:
            if rel in same:
                continue
            written = self._write(rel, files[rel])
            changed += written
            # The version of what the folder holds: the build's, where it gave one unread; a file
            # written from bytes alone has none (the same bytes keep the one they had).
            if rel in unread:
                self.versions[rel] = unread[rel]
            elif written:
                self.versions.pop(rel, None)
        self.checked = True
        return sorted(changed)

    def check(self) -> list[str]:
        """Walk the folder and make it hold exactly the last files given; returns the changed paths."""
        self.checked = False
        self.walked = time.monotonic()
        plain = dict(self.files.items())  # a SiteFiles reads what it left unread at once
        # Every file's version (a digest of the bytes where the build gave none): what this walk writes.
        self.versions = self.files.versions() if isinstance(self.files, SiteFiles) else {}
        changed = sync_folder(with_marker(plain), self.root, self.written)
        self.checked = True
        return changed

    def check_due(self) -> None:
        """Walk the folder if the last walk is WALK_SECONDS old (the watcher's idle call)."""
        if time.monotonic() - self.walked >= WALK_SECONDS:
            self.check()

    def _write(self, rel: str, data: bytes) -> list[str]:
        old = self.written.get(rel)
        if old is data or old == data:
            return []
        target = safe_join(self.root, rel)
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_file_atomic(target, data)
        self.written[rel] = data
        return [rel]

    def _remove_empty_parents(self, rel: str) -> None:
        parent = safe_join(self.root, rel).parent
        while parent != self.root:
            try:
                parent.rmdir()  # only succeeds for a folder left empty
            except OSError:
                return
            parent = parent.parent


def _unread_versions(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The versions of the files a build left unread in the memo (known without reading them)."""
    if not isinstance(files, SiteFiles):
        return {}
    return {rel: files.version(rel) for rel in files if not files.is_loaded(rel)}
