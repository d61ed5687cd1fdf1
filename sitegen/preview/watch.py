"""Watching: which files changed, and one call per burst of saves."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..tree import State, is_folder, tree_state

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.025
QUIET_SECONDS = 0.1
IDLE_SECONDS = 0.5  # deferred work (the search index) waits until the editor has paused this long

Snapshot = dict[str, State]


def is_ignored(name: str) -> bool:
    """Editor droppings and hidden files never trigger a rebuild (the loaders skip them too)."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def scan(roots: Iterable[Path]) -> Snapshot:
    """The state of every file and link below the roots (sitegen.tree), editor droppings left out;
    folders are left out too, so that a swap file coming and going changes nothing."""
    return {path: state for path, state in tree_state(roots, skip=is_ignored) if not is_folder(state)}


def changed_paths(before: Snapshot, after: Snapshot) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class Watcher(threading.Thread):
    """Polls the roots and calls `on_change(paths)` once per burst, in this thread; `on_idle()`
    once after a rebuild when nothing changed for IDLE_SECONDS."""

    def __init__(
        self, roots: list[Path], on_change: Callable[[set[str]], None], on_idle: Callable[[], None] = lambda: None
    ):
        super().__init__(name="preview-watcher", daemon=True)
        self.roots = roots
        self.on_change = on_change
        self.on_idle = on_idle
        self.stopped = threading.Event()

    def run(self) -> None:
        previous = scan(self.roots)
        pending: set[str] = set()
        last_change = 0.0
        idle_due = False
        while not self.stopped.wait(POLL_SECONDS):
            current = scan(self.roots)
            changed = changed_paths(previous, current)
            previous = current
            if changed:
                pending |= changed
                last_change = time.monotonic()
            elif pending and time.monotonic() - last_change >= QUIET_SECONDS:
                burst, pending, idle_due = pending, set(), True
                try:
                    self.on_change(burst)
                except Exception:  # the watcher must survive anything a rebuild throws
                    logger.exception("rebuild failed")
            elif idle_due and not pending and time.monotonic() - last_change >= IDLE_SECONDS:
                idle_due = False
                try:
                    self.on_idle()
                except Exception:
                    logger.exception("deferred work failed")
