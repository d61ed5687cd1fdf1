"""Watching: which files changed, and one call per burst of saves.

Two sources of changes, one rule for what they report (`is_ignored`):
- the operating system's file events (inotify, FSEvents, ReadDirectoryChangesW) through
  `watchfiles`: a save is known within a few milliseconds and an idle server does no work at all;
- where that cannot run (the package missing, a file system without events, the system's limit of
  watches reached), a polling scan with the one tree scanner (sitegen/tree.py), spaced so that it
  uses at most about a quarter of a core whatever the size of the tree (one scan of 10,000
  articles costs about 35 ms).
Either source hands over a burst of changes (a `git checkout`: many files at once) once the
folders have been quiet for a moment, a save (a few paths) as soon as it is written (SAVE_PATHS);
the Watcher calls `on_change` once per burst, in its own
thread, and `on_idle` once when the editor has paused after a rebuild (it is told whether a save
is waiting meanwhile).
"""

from __future__ import annotations

import functools
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..tree import State, is_folder, tree_state

logger = logging.getLogger(__name__)

SAVE_QUIET_MS = 5
"""OS events: what arrives without a pause this long is handed over as one lot (a save is a few
events within a millisecond). watchfiles looks every this many milliseconds, so a save is seen
within one to two of these: the wait between the save and the start of its rebuild."""
SAVE_PATHS = 3
"""A lot of at most this many paths is a save: rebuilt at once. A larger one is a `git checkout` or
a copy under way: its rebuild waits until the folders have been quiet for EVENT_QUIET_MS."""
EVENT_QUIET_MS = 20
"""A burst of many changes ends when no new change came for this long (a `git checkout` writes file
after file without pausing this long)."""
POLL_SECONDS = 0.025  # the shortest pause between two scans of the polling source
POLL_SHARE = 3  # ... which waits at least this many times as long as its last scan took
QUIET_SECONDS = 0.05  # polling: a burst ends when the folders were quiet for this long
IDLE_SECONDS = 0.5  # deferred work (the search index) waits until the editor has paused this long
_WAKE_SECONDS = 0.1  # how often the watcher looks whether it was stopped

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


def is_watched(path: str, roots: Iterable[Path]) -> bool:
    """Whether an OS event on `path` is a change the build can see: below a root, and no part of the
    path ignored (a file in a hidden folder neither). A new folder counts: the files copied into it
    before its own watch was set up give no event."""
    for root in roots:
        rel = os.path.relpath(path, root)
        if rel != os.curdir and not rel.startswith(os.pardir):
            return not any(is_ignored(part) for part in Path(rel).parts)
    return False


Bursts = Callable[[set[str]], None]


class Stop:
    """When a source must stop; its first question also says that the source is watching (watchfiles
    asks it between its waits, once its watches are set up)."""

    def __init__(self, stopped: threading.Event) -> None:
        self.stopped = stopped
        self.watching = threading.Event()

    def is_set(self) -> bool:
        self.watching.set()
        return self.stopped.is_set()


def watch_events(roots: list[Path], stop: Stop, burst: Bursts) -> None:
    """Hand each burst of OS file events to `burst` until `stop` is set; raises ImportError or OSError
    (or watchfiles' own error) when the events cannot be had."""
    import watchfiles

    def wanted(change: watchfiles.Change, path: str) -> bool:
        return is_watched(path, roots)

    # No timeout: watchfiles drops what it gathered when a wait times out, so the wait only ends
    # with changes or when stopped.
    for changes in watchfiles.watch(
        *roots, watch_filter=wanted, step=SAVE_QUIET_MS, stop_event=stop, rust_timeout=0, raise_interrupt=False
    ):
        burst({path for _, path in changes})


def watch_polling(roots: list[Path], stop: Stop, burst: Bursts) -> None:
    """Scan the roots again and again until `stop` is set; hand each burst of changes to `burst`."""
    previous = scan(roots)
    stop.is_set()  # the first look is taken: what changes from now on is seen
    pending: set[str] = set()
    last_change = 0.0
    pause = POLL_SECONDS
    while not stop.stopped.wait(pause):
        started = time.perf_counter()
        current = scan(roots)
        pause = max(POLL_SECONDS, POLL_SHARE * (time.perf_counter() - started))
        changed = changed_paths(previous, current)
        previous = current
        if changed:
            pending |= changed
            last_change = time.monotonic()
        elif pending and time.monotonic() - last_change >= QUIET_SECONDS:
            burst(pending)
            pending = set()


class Watcher(threading.Thread):
    """Calls `on_change(paths)` once per burst of changes below the roots, in this thread (the bursts
    that arrive during a rebuild are merged into the next one), and `on_idle(saved)` once after a
    rebuild when nothing changed for IDLE_SECONDS (`saved()`: whether a save is waiting meanwhile).
    The changes come from a second thread: the OS events, or the polling scan where those cannot be
    had."""

    def __init__(
        self,
        roots: list[Path],
        on_change: Callable[[set[str]], None],
        on_idle: Callable[[Callable[[], bool]], None] = lambda saved: None,
        *,
        events: bool = True,
    ):
        super().__init__(name="preview-watcher", daemon=True)
        self.roots = roots
        self.on_change = on_change
        self.on_idle = on_idle
        self.stopped = threading.Event()
        self.stop = Stop(self.stopped)
        self.polling = not events  # the changes come from the polling scan
        self.bursts: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self.source = threading.Thread(target=self._watch, name="preview-changes", daemon=True)

    def start(self, since: Snapshot | None = None) -> None:
        """Start watching; returns once a save is no longer missed. With `since` (a `scan()` of the
        roots), what changed since that scan is the first burst."""
        self.source.start()
        while not self.stop.watching.wait(_WAKE_SECONDS) and self.source.is_alive():
            pass
        if since is not None and (changed := changed_paths(since, scan(self.roots))):
            self.bursts.put(changed)
        super().start()

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        self.source.join(timeout)

    def _watch(self) -> None:
        if not self.polling:
            try:
                watch_events(self.roots, self.stop, self.bursts.put)
                return
            except Exception as exc:  # no events to be had here: the polling scan takes over
                logger.debug("no file events", exc_info=True)
                print(
                    f"Let op: het systeem meldt geen gewijzigde bestanden ({type(exc).__name__}: {exc}); "
                    "de mappen worden nu geregeld nagekeken.",
                    flush=True,
                )
                self.polling = True
                if self.stop.watching.is_set():  # the events stopped: what changed meanwhile is unknown
                    self.bursts.put({str(root) for root in self.roots})
        watch_polling(self.roots, self.stop, self.bursts.put)

    def run(self) -> None:
        idle_due = False
        while not self.stopped.is_set():
            try:
                burst = self.bursts.get(timeout=IDLE_SECONDS if idle_due else _WAKE_SECONDS)
            except queue.Empty:
                if idle_due:
                    idle_due = False
                    self._call(functools.partial(self.on_idle, self._saved), "deferred work failed")
                continue
            while not self.bursts.empty():  # the saves made during the last rebuild: one rebuild for all
                burst |= self.bursts.get()
            if len(burst) > SAVE_PATHS:
                burst |= self._rest_of_burst()
            idle_due = True
            self._call(functools.partial(self.on_change, burst), "rebuild failed")

    def _rest_of_burst(self) -> set[str]:
        """What else changes until the folders have been quiet for EVENT_QUIET_MS (the rest of a
        checkout under way)."""
        rest: set[str] = set()
        while not self.stopped.is_set():
            try:
                rest |= self.bursts.get(timeout=EVENT_QUIET_MS / 1000)
            except queue.Empty:
                break
        return rest

    def _saved(self) -> bool:
        return not self.bursts.empty()

    @staticmethod
    def _call(action: Callable[[], object], failure: str) -> None:
        try:
            action()
        except Exception:  # the watcher must survive anything a rebuild throws
            logger.exception(failure)
