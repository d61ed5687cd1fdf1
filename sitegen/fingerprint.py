"""The no-op rebuild: `build` skips a build whose inputs and output are exactly as the last
successful build left them.

The fingerprint is every entry below the input folders by file metadata (sitegen/tree.py: folders and links
included, and the error for what cannot be read), the options that shape the output, the engine
version, the date (scheduled articles appear on their date) and the working folder; plus the state
of the output (sitegen.write.output_state: every entry, each file's stat). It is kept sealed
(sitegen.stores.seal) in `last-build` beside the build cache.

The output is walked only when the inputs are unchanged (the one case where it can decide
anything), and never after a build: the write stage hands over the state it left the output in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from .deps import digest
from .frozen import frozen_dataclass
from .stores import seal, unseal
from .tree import RACY_WINDOW_NS, State, newest_change, tree_state
from .write import output_state, write_file_atomic

STAMP = "last-build"


@frozen_dataclass
class Fingerprint:
    """Everything a build reads, by file metadata, plus everything it wrote."""

    inputs: bytes
    racy: bool  # an input changed too recently to trust its mtime
    states: Mapping[str, State] = field(default_factory=dict, compare=False, repr=False)
    """Each entry's state as the walk found it, by path: the build's load takes the stats of the
    content files from here instead of asking for each again (sitegen.load.load_content)."""

    @classmethod
    def of_inputs(cls, roots: Iterable[Path], settings: Any, engine: str) -> Fingerprint:
        entries = tree_state(roots)
        newest = newest_change(entries)
        today = dt.date.today()  # scheduled articles appear on their date
        key = digest(entries, settings, engine, today, os.getcwd())
        return cls(key, time.time() - newest < RACY_WINDOW_NS / 1e9, dict(entries))


def is_up_to_date(folder: Path, inputs: Fingerprint, output_dir: Path) -> bool:
    try:
        stored = unseal((folder / STAMP).read_bytes())
    except OSError:
        return False
    if inputs.racy or stored is None or not stored.startswith(inputs.inputs):
        return False  # decided without walking the output
    return stored == inputs.inputs + output_state(output_dir)


def remember_build(folder: Path, inputs: Fingerprint, output: bytes) -> None:
    """Record a successful build, with `output` the state it left the output in (Written.state);
    never when an input may still change within the same mtime."""
    path = folder / STAMP
    if inputs.racy:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    folder.mkdir(parents=True, exist_ok=True)
    write_file_atomic(path, seal(inputs.inputs + output), mode=0o600)
