"""Watching: which files changed, and one call per burst of saves.

Two sources of changes, one rule for what they report (`is_ignored`):
- the operating system's file events: on Linux inotify itself (sitegen/inotify.py), each folder
  watched and the thread blocked in poll() until an event or the stop comes, so that an idle
  server does no work at all and is never woken; elsewhere (FSEvents, ReadDirectoryChangesW)
  through `watchfiles`, which looks every SAVE_QUIET_MS; a save is known within a few milliseconds;
- where those cannot run (no inotify and no `watchfiles`, a file system without events, the
  system's limit of watches reached), a polling scan with the one tree scanner (sitegen/tree.py),
  spaced so that it uses at most about a quarter of a core whatever the size of the tree (one scan
  of 10,000 articles costs about 35 ms).
Either source hands over a burst of changes (a `git checkout`: many files at once) once the
folders have been quiet for a moment, a save (a few paths) as soon as it is written (SAVE_PATHS);
the Watcher calls `on_change` once per burst, in its own
thread, and `on_idle` once when the editor has paused after a rebuild (it is told whether a save
is waiting meanwhile); between those it waits without a timeout.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import queue
import select
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import inotify
from ..tree import State, is_folder, tree_state

logger = logging.getLogger(__name__)

SAVE_QUIET_MS = 5
"""OS events: what arrives without a pause this long is handed over as one lot (a save is a few
events within a millisecond): the wait between the save and the start of its rebuild (watchfiles
looks every this many milliseconds, so a save is seen there within one to two of these)."""
WRITE_WAIT_MS = 500
"""inotify: a lot with a file created or written that its writer has not closed yet (a save under way
on a busy machine) waits for a pause this long instead: it ends sooner when the file is closed."""
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
_WAKE_SECONDS = 0.1  # how often `start` looks whether the source died before it watched
_FOLDER_CHANGES = inotify.CHANGES | inotify.ONLYDIR  # a folder's own watch; a link to a folder is not followed

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


class Stopped(threading.Event):
    """The watcher's stop signal: setting it also wakes what waits for events without a timeout."""

    def __init__(self) -> None:
        super().__init__()
        self._wakers: list[Callable[[], object]] = []
        self._lock = threading.Lock()

    def on_set(self, wake: Callable[[], object]) -> None:
        """Call `wake` (quick, never blocking) when the event is set, at once if it is."""
        with self._lock:
            self._wakers.append(wake)
            if self.is_set():
                wake()

    def forget(self, wake: Callable[[], object]) -> None:
        """No longer call `wake` (once this returns, it is not running either)."""
        with self._lock:
            self._wakers.remove(wake)

    def set(self) -> None:
        with self._lock:
            super().set()
            for wake in self._wakers:
                wake()


class Stop:
    """When a source must stop; its first question also says that the source is watching (the
    sources ask it once their watches are set up; watchfiles also between its waits)."""

    def __init__(self, stopped: Stopped) -> None:
        self.stopped = stopped
        self.watching = threading.Event()

    def is_set(self) -> bool:
        self.watching.set()
        return self.stopped.is_set()


def watch_events(roots: list[Path], stop: Stop, burst: Bursts) -> None:
    """Hand each burst of OS file events to `burst` until `stop` is set: inotify where the system has
    it, else watchfiles; raises ImportError or OSError (or watchfiles' own error) when the events
    cannot be had."""
    try:
        watch = inotify.Watch()
    except OSError as exc:
        if exc.errno != errno.ENOSYS:
            raise
    else:
        try:
            watch_inotify(roots, stop, burst, watch)
        finally:
            watch.close()
        return
    watch_watchfiles(roots, stop, burst)


def watch_inotify(roots: list[Path], stop: Stop, burst: Bursts, watch: inotify.Watch) -> None:
    """The inotify source: a watch on every folder below the roots, set before the folder is listed
    (a folder made later is watched, then listed, and what it holds reported: its files may have
    come before its watch). The thread blocks in poll() on the events and on a pipe the stop signal
    writes to; raises OSError where a watch cannot be added (out of watches) or a root goes away
    (what is watched then is not known: the polling scan takes over)."""
    folders: dict[int, str] = {}  # watch number -> the folder's path

    def watch_tree(folder: str) -> set[str]:
        """Watch `folder` and every folder below it; returns it and every entry found in them."""
        number = watch.add(folder, _FOLDER_CHANGES)
        if number < 0:  # gone again, or no folder (a link to one)
            return {folder}
        folders[number] = folder
        found = {folder}
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not is_ignored(entry.name):
                        found |= watch_tree(entry.path) if entry.is_dir(follow_symlinks=False) else {entry.path}
        except OSError:  # gone meanwhile, or unreadable: the build says so
            pass
        return found

    def forget(folder: str) -> None:
        """A folder moved away or removed: its watches no longer say where their events come from."""
        below = folder + os.sep
        for number, path in list(folders.items()):
            if path == folder or path.startswith(below):
                del folders[number]

    for root in roots:
        watch_tree(str(root))
    stop.is_set()  # every folder is watched: what changes from now on is seen
    woken, wake = os.pipe()
    stop.stopped.on_set(wakeup := functools.partial(os.write, wake, b"."))
    try:
        poller = select.poll()
        poller.register(watch.fd, select.POLLIN)
        poller.register(woken, select.POLLIN)
        shown = {str(root) for root in roots}
        pending: set[str] = set()
        writing: set[str] = set()  # files created or written and not closed since
        while not stop.stopped.is_set():
            if not poller.poll((WRITE_WAIT_MS if writing else SAVE_QUIET_MS) if pending else None):
                burst(pending)  # quiet for long enough: a lot is over
                pending, writing = set(), set()
                continue
            for number, mask, name in watch.events():
                if mask & inotify.OVERFLOW:  # events were lost: every file may have changed
                    pending |= shown
                    continue
                folder = folders.get(number)
                if folder is None:  # a folder moved away or removed, still reporting
                    continue
                if mask & inotify.IGNORED:
                    del folders[number]
                    continue
                if not name:  # the folder's own watch
                    if mask & (inotify.DELETE_SELF | inotify.MOVE_SELF) and folder in shown:
                        raise OSError(errno.ENOENT, "a watched folder went away", folder)
                    continue
                path = os.path.join(folder, name)
                if not is_watched(path, roots):
                    continue
                if mask & inotify.ISDIR and mask & (inotify.MOVED_FROM | inotify.DELETE):
                    forget(path)
                if mask & inotify.ISDIR and mask & (inotify.CREATE | inotify.MOVED_TO):
                    pending |= {found for found in watch_tree(path) if is_watched(found, roots)}
                    continue
                pending.add(path)
                if mask & (inotify.CREATE | inotify.MODIFY) and not mask & inotify.ISDIR:
                    writing.add(path)
                elif mask & (inotify.CLOSE_WRITE | inotify.DELETE | inotify.MOVED_FROM):
                    writing.discard(path)
    finally:
        stop.stopped.forget(wakeup)  # before its pipe is closed (the number may be reused)
        os.close(woken)
        os.close(wake)


def watch_watchfiles(roots: list[Path], stop: Stop, burst: Bursts) -> None:
    """The watchfiles source (where there is no inotify): it wakes every SAVE_QUIET_MS to ask `stop`."""
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
        self.stopped = Stopped()
        self.stop = Stop(self.stopped)
        self.polling = not events  # the changes come from the polling scan
        self.bursts: queue.SimpleQueue[set[str]] = queue.SimpleQueue()
        self.stopped.on_set(functools.partial(self.bursts.put, set()))  # wakes `run`
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
                # Without a timeout while nothing is due: an idle watcher is never woken.
                burst = self.bursts.get(timeout=IDLE_SECONDS if idle_due else None)
            except queue.Empty:
                idle_due = False
                self._call(functools.partial(self.on_idle, self._saved), "deferred work failed")
                continue
            if self.stopped.is_set():
                break
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
