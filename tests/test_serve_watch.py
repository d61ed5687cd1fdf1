"""The preview's watcher: OS file events (watchfiles) or the polling scan where those cannot be had,
one call per burst of saves, nothing missed, and no work at all while the editor does nothing."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitegen.preview import watch
from sitegen.preview.watch import Watcher, is_watched, scan

TIMEOUT = 20.0


class Calls:
    """What a Watcher called, in order: ('change', paths) or ('idle', None)."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[tuple[str, set[str] | None]] = queue.SimpleQueue()

    def change(self, paths: set[str]) -> None:
        self.queue.put(("change", paths))

    def idle(self, saved: Callable[[], bool]) -> None:
        assert not saved()
        self.queue.put(("idle", None))

    def next(self, timeout: float = TIMEOUT) -> tuple[str, set[str] | None]:
        return self.queue.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            self.queue.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def roots(tmp_path: Path) -> list[Path]:
    folders = [tmp_path / "content", tmp_path / "templates"]
    (folders[0] / "articles").mkdir(parents=True)
    folders[1].mkdir()
    (folders[0] / "articles" / "a.md").write_text("a")
    (folders[1] / "base.html").write_text("<p>")
    return folders


@contextlib.contextmanager
def running(roots: list[Path], calls: Calls, *, events: bool, since: dict | None = None) -> Iterator[Watcher]:
    watcher = Watcher(roots, calls.change, calls.idle, events=events)
    watcher.start(since=since)
    try:
        yield watcher
    finally:
        watcher.stopped.set()
        watcher.join(timeout=10)
        assert not watcher.is_alive() and not watcher.source.is_alive()


@pytest.mark.parametrize("events", [True, False], ids=["os-events", "polling"])
def test_each_burst_is_one_call_then_idle_once(
    roots: list[Path], events: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Quiet windows a busy test machine cannot break up by pausing this process between two writes.
    monkeypatch.setattr(watch, "SAVE_QUIET_MS", 150)
    monkeypatch.setattr(watch, "EVENT_QUIET_MS", 150)
    monkeypatch.setattr(watch, "QUIET_SECONDS", 0.3)
    calls = Calls()
    with running(roots, calls, events=events) as watcher:
        assert watcher.polling is not events  # watchfiles is installed: the OS tells about saves
        page = roots[0] / "articles" / "a.md"
        page.write_text("b")
        assert calls.next() == ("change", {str(page)})
        assert calls.next() == ("idle", None)  # once, when nothing changed for a moment
        assert calls.none_within(watch.IDLE_SECONDS * 2)
        # A git checkout: many files (new, changed, renamed over, removed) in one go, one call.
        names = [roots[0] / "articles" / f"n{i}.md" for i in range(20)]
        data = [f"{i}".encode() for i in range(20)]
        for name, text in zip(names, data, strict=True):
            name.write_bytes(text)
        (roots[0] / "articles" / "t.part").write_text("x")
        os.replace(roots[0] / "articles" / "t.part", roots[1] / "base.html")
        page.unlink()
        kind, paths = calls.next()
        assert kind == "change" and paths is not None
        assert {str(p) for p in [*names, page, roots[1] / "base.html"]} <= paths
        assert calls.next() == ("idle", None)


def test_a_save_is_handed_over_at_once_and_a_checkout_when_it_is_over(
    roots: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save (a few paths) starts its rebuild as soon as the events say it is written, without the
    quiet window that a checkout under way needs; many paths wait for that window, and what comes
    within it is the same burst."""
    monkeypatch.setattr(watch, "SAVE_QUIET_MS", 50)
    monkeypatch.setattr(watch, "EVENT_QUIET_MS", 2000)
    calls = Calls()
    with running(roots, calls, events=True):
        page = roots[0] / "articles" / "a.md"
        saved = time.monotonic()
        page.write_text("b")
        assert calls.next() == ("change", {str(page)})
        assert time.monotonic() - saved < 1.5  # not held for the quiet window of a checkout
        assert calls.next() == ("idle", None)
        first = [roots[0] / "articles" / f"n{i}.md" for i in range(10)]
        second = [roots[0] / "articles" / f"m{i}.md" for i in range(10)]
        for name in first:
            name.write_text("x")
        time.sleep(0.3)  # a pause within a checkout: longer than a save's, shorter than its quiet window
        for name in second:
            name.write_text("y")
        assert calls.next() == ("change", {str(p) for p in [*first, *second]})
        assert calls.next() == ("idle", None)


@pytest.mark.parametrize("events", [True, False], ids=["os-events", "polling"])
def test_editor_droppings_and_hidden_folders_are_no_change(roots: list[Path], events: bool) -> None:
    calls = Calls()
    with running(roots, calls, events=events):
        articles = roots[0] / "articles"
        (articles / ".a.md.swp").write_text("x")
        (articles / "a.md~").write_text("x")
        (articles / "4913").write_text("")
        (articles / "#a.md#").write_text("x")
        (roots[0] / ".git").mkdir()
        (roots[0] / ".git" / "HEAD").write_text("x")
        assert calls.none_within(0.5)
        (articles / "a.md").write_text("b")
        assert calls.next() == ("change", {str(articles / "a.md")})


@pytest.mark.parametrize("events", [True, False], ids=["os-events", "polling"])
def test_files_in_a_new_folder_are_seen(roots: list[Path], events: bool) -> None:
    calls = Calls()
    with running(roots, calls, events=events):
        images = roots[0] / "images" / "2026"
        images.mkdir(parents=True)  # files land in it before any watch on it can be set up
        (images / "foto.jpg").write_bytes(b"jpg")
        kind, paths = calls.next()
        assert kind == "change" and paths is not None
        # Polling sees the file; the OS events at least the new folder (the build then reads it all).
        assert {str(images / "foto.jpg")} <= paths if not events else bool(paths & {str(roots[0] / "images")})


def test_is_watched_follows_the_loaders_rules(roots: list[Path]) -> None:
    content = roots[0]
    assert is_watched(str(content / "articles" / "a.md"), roots)
    assert is_watched(str(roots[1] / "base.html"), roots)
    assert is_watched(str(content / "articles"), roots)  # a folder (a new one: its files)
    assert not is_watched(str(content), roots)
    assert not is_watched(str(content / ".git" / "index"), roots)
    assert not is_watched(str(content / "articles" / ".a.md.swp"), roots)
    assert not is_watched(str(content.parent / "elders.md"), roots)


def test_a_save_during_the_first_build_is_the_first_burst(roots: list[Path]) -> None:
    before = scan(roots)
    page = roots[0] / "articles" / "a.md"
    page.write_text("saved while the first build ran")
    calls = Calls()
    with running(roots, calls, events=True, since=before):
        assert calls.next() == ("change", {str(page)})


def test_without_os_events_the_polling_scan_takes_over(
    roots: list[Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_events(*args: object) -> None:
        raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watch, "watch_events", no_events)
    calls = Calls()
    with running(roots, calls, events=True) as watcher:
        assert watcher.polling
        assert "Let op: het systeem meldt geen gewijzigde bestanden" in capsys.readouterr().out
        page = roots[0] / "articles" / "a.md"
        page.write_text("c")
        assert calls.next() == ("change", {str(page)})


def test_events_that_stop_midway_give_a_rebuild_and_polling(roots: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def events_then_failure(folders: list[Path], stop: watch.Stop, burst: watch.Bursts) -> None:
        stop.is_set()  # watching
        time.sleep(0.2)
        raise RuntimeError("error in underlying watcher")

    monkeypatch.setattr(watch, "watch_events", events_then_failure)
    calls = Calls()
    with running(roots, calls, events=True) as watcher:
        # What changed while nobody watched is unknown: everything is looked at again.
        assert calls.next() == ("change", {str(root) for root in roots})
        assert watcher.polling


def test_an_idle_watcher_scans_nothing(roots: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    scans: list[float] = []
    original = watch.tree_state

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        scans.append(time.monotonic())
        return original(*args, **kwargs)

    monkeypatch.setattr(watch, "tree_state", counted)
    calls = Calls()
    with running(roots, calls, events=True):
        time.sleep(0.5)
        assert scans == []
        (roots[0] / "articles" / "a.md").write_text("d")
        assert calls.next()[0] == "change"
    assert scans == []


def _wakeups(thread: threading.Thread) -> int:
    """How often the thread has gone to sleep and been woken (Linux: its voluntary context switches)."""
    status = Path(f"/proc/self/task/{thread.native_id}/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts a thread's wakeups through /proc (Linux)")
def test_an_idle_watcher_is_never_woken(roots: list[Path]) -> None:
    """With inotify both threads block until something happens: no look every few milliseconds
    (watchfiles woke its thread 200 times a second) and no timed wait for the stop signal; the
    stop signal still ends them at once."""
    calls = Calls()
    with running(roots, calls, events=True) as watcher:
        page = roots[0] / "articles" / "a.md"
        page.write_text("e")
        assert calls.next() == ("change", {str(page)})
        assert calls.next() == ("idle", None)
        before = {thread.name: _wakeups(thread) for thread in (watcher, watcher.source)}
        time.sleep(1.0)
        after = {thread.name: _wakeups(thread) for thread in (watcher, watcher.source)}
        # A thread can be woken once by the scheduler or the interpreter's lock; a poll would be dozens.
        assert all(after[name] - before[name] <= 2 for name in before), (before, after)
        page.write_text("f")
        assert calls.next() == ("change", {str(page)})  # still watching
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 5  # `running` saw both threads end on the stop signal


def test_a_file_being_written_is_handed_over_once_it_is_closed(roots: list[Path]) -> None:
    """A writer paused between creating a file and writing it (a busy machine) does not get its file
    rebuilt half-written: the lot waits for the file to be closed."""
    calls = Calls()
    with running(roots, calls, events=True):
        page = roots[0] / "articles" / "nieuw.md"
        with page.open("w", encoding="utf-8") as handle:
            time.sleep(watch.SAVE_QUIET_MS * 20 / 1000)
            handle.write("---\ntitle: Nieuw\n")
            handle.flush()
            time.sleep(watch.SAVE_QUIET_MS * 20 / 1000)
            assert calls.none_within(0)
            handle.write("---\n")
        assert calls.next() == ("change", {str(page)})
        assert calls.next() == ("idle", None)
        os.link(page, roots[0] / "articles" / "link.md")  # no writer: handed over after WRITE_WAIT_MS
        assert calls.next() == ("change", {str(roots[0] / "articles" / "link.md")})


def test_a_folder_moved_out_of_the_roots_is_no_longer_watched(roots: list[Path]) -> None:
    """The watch of a folder moved away still reports events: they are not changes below the roots
    (nor a folder moved in and later out again, nor one removed and made again)."""
    calls = Calls()
    with running(roots, calls, events=True):
        images = roots[0] / "images"
        (images / "2026").mkdir(parents=True)
        assert calls.next()[0] == "change"
        assert calls.next() == ("idle", None)
        elsewhere = roots[0].parent / "elsewhere"
        os.rename(images, elsewhere)
        assert calls.next() == ("change", {str(images)})
        assert calls.next() == ("idle", None)
        (elsewhere / "2026" / "foto.jpg").write_bytes(b"jpg")
        (elsewhere / "x.jpg").write_bytes(b"jpg")
        assert calls.none_within(0.5)
        os.rename(elsewhere, images)  # back in: watched again, at its own place, with what it holds
        kind, paths = calls.next()
        assert kind == "change" and paths is not None and str(images / "2026" / "foto.jpg") in paths
        assert calls.next() == ("idle", None)
        (images / "2026" / "foto.jpg").write_bytes(b"jpeg")
        assert calls.next() == ("change", {str(images / "2026" / "foto.jpg")})


def test_the_polling_scan_spaces_itself_by_its_cost(roots: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A scan that takes 40 ms (a tree of 10,000 articles) is followed by a pause three times as long."""
    stamps: list[float] = []
    original = watch.tree_state

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        stamps.append(time.monotonic())
        time.sleep(0.04)
        return original(*args, **kwargs)

    monkeypatch.setattr(watch, "tree_state", slow)
    stop = watch.Stop(watch.Stopped())
    source = threading.Thread(target=watch.watch_polling, args=(roots, stop, lambda paths: None))
    source.start()
    time.sleep(1.0)
    stop.stopped.set()
    source.join(timeout=10)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) >= 3
    assert min(gaps[1:]) >= 0.04 + watch.POLL_SHARE * 0.04 * 0.9, gaps  # at most a quarter of a core


def test_the_idle_call_is_told_of_a_save_made_meanwhile(roots: list[Path]) -> None:
    """The deferred work asks between its steps whether a save is waiting, and leaves the rest for the
    next pause: the save is not held up by a walk of the preview folder."""
    page = roots[0] / "articles" / "a.md"
    told: list[bool] = []
    calls = Calls()

    def idle(saved: Callable[[], bool]) -> None:
        if told:  # the pause after the second rebuild
            return
        told.append(saved())
        page.write_text("saved during the deferred work")
        deadline = time.monotonic() + TIMEOUT
        while not saved() and time.monotonic() < deadline:
            time.sleep(0.01)
        told.append(saved())
        calls.idle(lambda: False)

    watcher = Watcher(roots, calls.change, idle)
    watcher.start()
    try:
        page.write_text("first")
        assert calls.next() == ("change", {str(page)})
        assert calls.next() == ("idle", None)
        assert told == [False, True]
        assert calls.next() == ("change", {str(page)})
    finally:
        watcher.stopped.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive() and not watcher.source.is_alive()
