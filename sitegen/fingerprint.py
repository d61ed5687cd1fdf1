"""The no-op rebuild: `build` skips a build whose inputs and output are exactly as the last
successful build left them.

The fingerprint is every entry below the input folders by file metadata (sitegen/tree.py: folders and links
included, and the error for what cannot be read), the options that shape the output, the engine
version, the date (scheduled articles appear on their date) and the working folder; plus the state
of the output (sitegen.write.output_state: every entry, each file's stat). It is kept sealed
(sitegen.stores.seal) in `last-build` beside the build cache.

A file changed within the racy window of the walk (sitegen/tree.py) could change again without its
stat showing it, so its stat alone does not vouch for it: the walk reads its bytes right after its
stat, the build takes them from there (sitegen.load), and the stamp keeps their digest, which the
next check compares with the file's bytes then. So the build right after an edit is remembered, and
the next one, with nothing changed, is a no-op. A build is not remembered where a racy entry is not
a file or folder, a racy file could not be read ahead, or the build read one by other means.

The output is walked only when the inputs are unchanged (the one case where it can decide
anything), and never after a build: the write stage hands over the state it left the output in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from .deps import digest
from .frozen import frozen_dataclass
from .stores import seal, unseal
from .tree import MAX_TEXT_BYTES, RACY_WINDOW_NS, ReadAhead, Walk, content_digest, read_ahead, read_file, tree_state
from .write import output_state, write_file_atomic

READ_AHEAD_AT_MOST = 64
"""The most racy files the walk reads ahead; with more (a checkout, a pull) the build is not remembered."""
STAMP = "last-build"


@frozen_dataclass
class Fingerprint:
    """Everything a build reads, by file metadata, plus everything it wrote."""

    inputs: bytes
    racy: bool  # an input changed too recently to trust its stat, and its bytes cannot stand for it
    walk: Walk = field(default_factory=lambda: Walk({}, ReadAhead()), compare=False, repr=False)
    """Each entry's state as the walk found it, by path, and the bytes of its racy files: the build's
    load takes the stats of the content files from here instead of asking for each again, and those
    bytes (sitegen.load.load_content)."""

    @classmethod
    def of_inputs(cls, roots: Iterable[Path], settings: Any, engine: str) -> Fingerprint:
        entries = tree_state(roots)
        ahead = read_ahead(entries, time.time_ns() - RACY_WINDOW_NS, READ_AHEAD_AT_MOST)
        today = dt.date.today()  # scheduled articles appear on their date
        key = digest(entries, settings, engine, today, os.getcwd())
        return cls(key, ahead is None, Walk(dict(entries), ahead or ReadAhead()))


def is_up_to_date(folder: Path, inputs: Fingerprint, output_dir: Path) -> bool:
    try:
        stored = unseal((folder / STAMP).read_bytes())
    except OSError:
        return False
    if inputs.racy or stored is None or not stored.startswith(inputs.inputs):
        return False  # decided without walking the output
    vouched, _, output = stored[len(inputs.inputs) :].partition(b"\n")
    try:
        digests = json.loads(vouched)
    except ValueError:
        return False
    if not isinstance(digests, dict):
        return False
    if not all(_holds(path, expected, inputs.walk.ahead) for path, expected in digests.items()):
        return False  # a racy file's bytes changed, its stat not
    return output == output_state(output_dir)


def _holds(path: str, expected: object, ahead: ReadAhead) -> bool:
    """Whether the file holds the bytes of that digest (read ahead by this walk, or now)."""
    data = ahead.peek(path)
    if data is None:
        try:
            data, _ = read_file(Path(path), MAX_TEXT_BYTES)
        except OSError:
            return False
    return data is not None and content_digest(data).hex() == expected


def remember_build(folder: Path, inputs: Fingerprint, output: bytes) -> None:
    """Record a successful build, with `output` the state it left the output in (Written.state),
    and the digests of the racy files it built from; never where an input may still change within
    the same mtime without its bytes telling (see above)."""
    path = folder / STAMP
    ahead = inputs.walk.ahead
    if inputs.racy or not ahead.all_taken():
        with contextlib.suppress(OSError):
            path.unlink()
        return
    folder.mkdir(parents=True, exist_ok=True)
    vouched = json.dumps(ahead.digests(), sort_keys=True).encode()
    write_file_atomic(path, seal(inputs.inputs + vouched + b"\n" + output), mode=0o600)
