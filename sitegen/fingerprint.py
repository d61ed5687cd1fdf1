"""The no-op rebuild: `build` skips a build whose inputs and output are exactly as the last
successful build left them.

The fingerprint is every entry below the input folders by file metadata (folders and links
included, and the error for what cannot be read), the options that shape the output, the engine
version, the date (scheduled articles appear on their date) and the working folder; plus every
entry of the output. It is kept sealed (sitegen.stores.seal) in `last-build` beside the build cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .deps import digest
from .stores import seal, unseal
from .write import write_file_atomic

RACY_SECONDS = 2.0  # files changed this recently may change again within the same mtime tick
STAMP = "last-build"


def _tree_state(roots: Iterable[Path]) -> tuple[list[tuple[str, tuple[int, ...]]], float]:
    """The state of every entry below the roots (folders and links included, and the error for
    what cannot be read), and the newest mtime: whatever a fresh build would trip over (an empty
    folder, a dangling link, a loop, a FIFO, a file made unreadable) changes it."""
    entries: list[tuple[str, tuple[int, ...]]] = []
    newest = 0.0

    def failed(exc: OSError) -> None:
        entries.append((str(exc.filename), (-1, exc.errno or 0)))

    for root in roots:
        entries.append((str(root), _entry_state(str(root))))
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                path = os.path.join(dirpath, name)
                state = _entry_state(path)
                entries.append((path, state))
                if len(state) == 6:
                    newest = max(newest, state[4] / 1e9)
    return entries, newest


def _entry_state(path: str) -> tuple[int, ...]:
    """(mode, inode) of the entry itself, then (mode, size, mtime_ns, inode) of what it points to,
    or the error that following it gives."""
    try:
        link = os.lstat(path)
    except OSError as exc:
        return (-1, exc.errno or 0)
    try:
        info = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except OSError as exc:
        return (link.st_mode, link.st_ino, -1, exc.errno or 0)
    return (link.st_mode, link.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino)


@dataclass(frozen=True)
class Fingerprint:
    """Everything a build reads, by file metadata, plus everything it wrote."""

    inputs: bytes
    racy: bool  # an input changed too recently to trust its mtime

    @classmethod
    def of_inputs(cls, roots: Iterable[Path], settings: Any, engine: str) -> Fingerprint:
        entries, newest = _tree_state(roots)
        today = dt.date.today()  # scheduled articles appear on their date
        key = digest(entries, settings, engine, today, os.getcwd())
        return cls(key, time.time() - newest < RACY_SECONDS)

    @staticmethod
    def of_output(output_dir: Path) -> bytes:
        return digest(_tree_state([output_dir])[0])


def is_up_to_date(folder: Path, inputs: Fingerprint, output_dir: Path) -> bool:
    try:
        stored = unseal((folder / STAMP).read_bytes())
    except OSError:
        return False
    return not inputs.racy and stored == inputs.inputs + Fingerprint.of_output(output_dir)


def remember_build(folder: Path, inputs: Fingerprint, output_dir: Path) -> None:
    """Record a successful build; never when an input may still change within the same mtime."""
    path = folder / STAMP
    if inputs.racy:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    folder.mkdir(parents=True, exist_ok=True)
    write_file_atomic(path, seal(inputs.inputs + Fingerprint.of_output(output_dir)), mode=0o600)
