"""The preview folder: a rebuild writes what changed, found in memory; the folder is walked only when idle."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from ..write import safe_join, sync_folder, with_marker, write_file_atomic


class PreviewFolder:
    """The folder the server serves, and what this server last wrote into it.

    `update(files)` compares a build with what was written last, in memory (the memo hands back the
    very same bytes objects for what did not change, so that is mostly an identity test): only the
    files that differ are written (each atomically: a reader sees the old file or the new one) and
    only the files that are gone are removed, without walking or reading the folder, so an edit at
    10,000 articles costs the few files it changed. `check()` walks the folder and repairs what
    something else did to it (a deleted file, a stray one): on the first build, after a failed
    write, and when the editor pauses (the watcher's idle call), never between a save and the reload.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.checked = False  # the folder was compared with `written` by a walk and nothing failed since

    def update(self, files: Mapping[str, bytes]) -> list[str]:
        """Make the folder hold `files` (plus the output marker); returns the changed paths."""
        self.files = with_marker(files)
        if not self.checked:
            return self.check()
        self.checked = False  # until every change below is made
        changed = [rel for rel in self.written.keys() - self.files.keys()]
        for rel in changed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(safe_join(self.root, rel))
            del self.written[rel]
        for rel in changed:
            self._remove_empty_parents(rel)
        for rel, data in self.files.items():
            old = self.written.get(rel)
            if old is data or old == data:
                continue
            target = safe_join(self.root, rel)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomic(target, data)
            self.written[rel] = data
            changed.append(rel)
        self.checked = True
        return sorted(changed)

    def check(self) -> list[str]:
        """Walk the folder and make it hold exactly the last files given; returns the changed paths."""
        self.checked = False
        changed = sync_folder(self.files, self.root, self.written)
        self.checked = True
        return changed

    def _remove_empty_parents(self, rel: str) -> None:
        parent = safe_join(self.root, rel).parent
        while parent != self.root:
            try:
                parent.rmdir()  # only succeeds for a folder left empty
            except OSError:
                return
            parent = parent.parent
