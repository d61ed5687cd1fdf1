"""The preview folder: a rebuild writes what changed, found in memory; the folder is walked only when idle."""

from __future__ import annotations

import contextlib
import itertools
import operator
import os
import shutil
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..files import SiteFiles, load
from ..write import safe_join, sync_folder, with_marker, write_file_atomic

WALK_SECONDS = 60.0
_NONE = itertools.repeat(None)  # endless: compared with each version


class PreviewFolder:
    """The folder the server serves, and what this server last wrote into it.

    `update(files)` compares a build with what was written last, in memory, without walking or
    reading the folder: a file with a version (a page or social card; one that did not change is
    left unread in the memo) is compared by its version (equal version, equal bytes:
    sitegen/files.py), so an unchanged one's bytes are not even fetched; any other file by its
    bytes (mostly an identity test: the memo hands back the same bytes objects). Only the files
    that differ are written (each atomically: a reader sees the old file or the new one), and only
    the files that are gone are removed, so an edit at 10,000 articles costs the few files it
    changed. `check()` walks the folder and repairs what something else did to it (a deleted file,
    a stray one): on the first build, after a failed write, and when the editor pauses (the
    watcher's idle call) once every WALK_SECONDS (at 10,000 articles a walk takes about a second,
    and a save during it waits), never between a save and the reload.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, bytes] = {}
        self.versions: dict[str, bytes] = {}  # of the files written, where the build gave one
        self.files: Mapping[str, bytes] = {}
        self.kept: set[str] = set()  # files of an earlier build the last update left in place
        self.checked = False  # the folder was compared with `written` by a walk and nothing failed since
        self.walked = 0.0  # time.monotonic() of the last walk

    def update(self, files: Mapping[str, bytes], keep: Iterable[str] = ()) -> list[str]:
        """Make the folder hold `files` (plus the output marker); returns the changed paths. A file
        the folder holds under a name in `keep` that `files` lacks stays as it is (what a build adds
        after the reload: the last build's search index and header policy stay until then)."""
        self.files = files
        # Found by set operations: a SiteFiles' `in` is a Python call, and `keep` holds the search
        # index's thousands of files.
        self.kept = (self.written.keys() & keep).difference(files)
        if not self.checked:
            return self.check()
        self.checked = False  # until every change below is made
        # In C, against the names as they are (some 57,000 at 300x10,000), not a set made of them.
        names = files.names() if isinstance(files, SiteFiles) else files.keys()
        changed = self._remove((self.written.keys() - names).difference(with_marker({}), self.kept))
        for rel, data in with_marker({}).items():
            changed += self._write(rel, data)
        changed += self._write_all(files, files)
        self.checked = True
        return sorted(changed)

    def update_part(self, files: Mapping[str, bytes], names: Iterable[str], gone: Iterable[str] = ()) -> list[str]:
        """Make the folder hold `files` where, since the last update, only the files `names` may have
        changed and the files `gone` (and what that update kept) may have gone: the files a build
        adds after the reload, or a fresh search index. Returns the changed paths."""
        gone = self.kept.union(gone).difference(files)
        self.files, self.kept = files, set()
        if not self.checked:
            return self.check()
        self.checked = False
        changed = self._remove(gone.intersection(self.written))
        changed += self._write_all(files, names)
        self.checked = True
        return sorted(changed)

    def _write_all(self, files: Mapping[str, bytes], names: Iterable[str]) -> list[str]:
        """Write those of `names` whose bytes differ from what the folder holds: a file whose version
        is the one the folder holds is passed over unread (equal versions, equal bytes)."""
        versions = files.versions() if isinstance(files, SiteFiles) else {}
        # Two lookups a name, in C (a set of every (name, version) pair, hashed as new tuples, cost ten
        # times as much at 36,000 files; a loop in Python, most of a rebuild's update at 57,000).
        names = list(names)
        given = list(map(versions.get, names))
        differ = map(operator.ne, given, map(self.versions.get, names))
        todo = list(itertools.compress(names, map(operator.or_, map(operator.is_, given, _NONE), differ)))
        load(files, [rel for rel in todo if rel in versions])  # at once: one memo query per kind
        changed = []
        for rel in todo:
            written = self._write(rel, files[rel])
            changed += written
            # The version of what the folder holds: the build's, where it gave one; a file written
            # from bytes alone has none (the same bytes keep the one they had).
            if rel in versions:
                self.versions[rel] = versions[rel]
            elif written:
                self.versions.pop(rel, None)
        return changed

    def check(self) -> list[str]:
        """Walk the folder and make it hold exactly the last files given; returns the changed paths."""
        self.checked = False
        self.walked = time.monotonic()
        plain = dict(self.files.items())  # a SiteFiles reads what it left unread at once
        plain.update((rel, self.written[rel]) for rel in self.kept if rel in self.written)
        # Every file's version (a digest of the bytes where the build gave none): what this walk writes.
        self.versions = self.files.versions() if isinstance(self.files, SiteFiles) else {}
        changed = sync_folder(with_marker(plain), self.root, self.written)
        self.checked = True
        return changed

    def check_due(self) -> None:
        """Walk the folder if the last walk is WALK_SECONDS old (the watcher's idle call)."""
        if time.monotonic() - self.walked >= WALK_SECONDS:
            self.check()

    def _remove(self, names: Iterable[str]) -> list[str]:
        removed = sorted(names)
        for rel in removed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(safe_join(self.root, rel))
            del self.written[rel]
            self.versions.pop(rel, None)
        for rel in removed:
            self._remove_empty_parents(rel)
        return removed

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
