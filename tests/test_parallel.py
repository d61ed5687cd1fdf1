"""Work on the second core (sitegen.parallel): the same results as in process, wherever they are computed."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
import random
import shutil
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen import parallel
from sitegen.parallel import MIN_ITEMS, Forked, Standby, pmap, pmap_each

needs_fork = pytest.mark.skipif(
    parallel.workers() < 2 or "fork" not in multiprocessing.get_all_start_methods(), reason="needs two cores and fork"
)


def _slow(x: int) -> tuple[int, int]:
    time.sleep(0.01)
    return os.getpid(), x * x


@needs_fork
def test_slow_items_are_split_with_one_child_in_order() -> None:
    """A few slow items: once the items done say the rest is worth it, a child takes half of the rest."""
    results = pmap(_slow, list(range(20)))
    assert [value for _, value in results] == [x * x for x in range(20)]
    pids = [pid for pid, _ in results]
    assert pids[0] == os.getpid()  # the first items tell how slow they are, in process
    assert len(set(pids)) == 2 and pids[-1] != os.getpid()  # the end of the list was done in a child
    assert pids == sorted(pids, key=lambda pid: pid != os.getpid())  # one contiguous part each


def _block(n: int) -> bytes:
    """32 KB made with some work (as a page or a card is): the caller keeps up with the workers."""
    return random.Random(n).randbytes(32 << 10)


@needs_fork
def test_pmap_each_hands_over_results_as_the_workers_send_them() -> None:
    """A cold build's pages and cards come back from the pool a chunk at a time: a caller that passes
    each one on holds a few chunks of them at most, never all."""
    count = 6400  # 200 MB of results
    tracemalloc.start()
    try:
        firsts = [block[:4] for block in pmap_each(_block, range(count))]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert firsts == [_block(n)[:4] for n in range(count)]
    assert peak < 100 << 20, peak  # a list of them all would be more than 200 MB


def _pid(_: int) -> int:
    return os.getpid()


@needs_fork
def test_pmap_each_has_ended_its_workers_when_it_hands_over_the_last_result() -> None:
    """A caller may stop asking after the last result (and the generator is then closed): by then
    every worker has exited on its own, so that the pool is never ended with SIGTERM (which once
    left a build waiting forever for a worker)."""
    results = pmap_each(_pid, range(MIN_ITEMS * 2))
    pids = [next(results) for _ in range(MIN_ITEMS * 2)]
    assert os.getpid() not in pids
    assert multiprocessing.active_children() == [] and threading.active_count() == 1
    results.close()


def test_quick_items_stay_in_process() -> None:
    results = pmap(lambda x: (os.getpid(), -x), list(range(200)))
    assert results == [(os.getpid(), -x) for x in range(200)]


def test_only_a_process_that_builds_once_freezes_what_a_paused_stage_leaves(monkeypatch) -> None:
    monkeypatch.setattr(parallel, "_state", {})
    enabled = gc.isenabled()
    gc.enable()  # (an earlier test's preview may have paused the collector, and frozen its heap)
    gc.unfreeze()
    try:
        with parallel.collector_paused():
            kept = [[object()] for _ in range(10)]
        assert gc.get_freeze_count() == 0 and gc.isenabled()  # a library caller, the preview
        parallel.freeze_after_stages()
        with parallel.collector_paused():
            kept += [[object()] for _ in range(10)]
        assert gc.get_freeze_count() >= len(kept) and gc.isenabled()
    finally:
        gc.unfreeze()
        if not enabled:
            gc.disable()


def _weighed(weight: int) -> tuple[int, int]:
    time.sleep(0.003 * weight)
    return os.getpid(), weight


@needs_fork
def test_slow_items_are_split_by_their_weights() -> None:
    """Heavy items first (the first social card of each background draws it): halved by weight, the
    child takes more items than half of them. The first item alone makes it worth a split: the rest
    weighs 5 x 10 + 14 = 64, of which this process takes three heavy ones (30) and the child the rest."""
    weights = [10] * 6 + [1] * 14
    results = list(pmap_each(_weighed, weights, weights=[float(w) for w in weights]))
    assert [weight for _, weight in results] == weights
    pids = [pid for pid, _ in results]
    assert pids == [os.getpid()] * 4 + [pids[-1]] * 16 and pids[-1] != os.getpid()


def test_items_are_halved_by_weight_and_by_count_without() -> None:
    assert parallel._half([1.0] * 5) == 2 and parallel._half([1.0] * 4) == 2  # as len(rest) // 2
    assert parallel._half([10.0, 10.0, 10.0, 1.0, 1.0, 1.0]) == 1
    assert parallel._half([1.0, 1.0, 1.0, 1.0, 10.0]) == 4  # up to half of the weight, one left at least
    assert parallel._half([100.0, 1.0]) == 1  # one each at least


def test_nothing_is_forked_while_other_threads_run() -> None:
    """serve runs builds beside its server threads: forking a threaded process may deadlock."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert {pid for pid, _ in pmap(_slow, list(range(12)))} == {os.getpid()}
        other = Forked(os.getpid)
        assert not other.in_child and other.result() == os.getpid()
    finally:
        stop.set()
        thread.join()


@needs_fork
def test_forked_computes_in_a_child_and_hands_back_the_value() -> None:
    with Forked(lambda: (os.getpid(), "kaart" * 1000, {"a": [1.5, None]})) as child:
        assert child.in_child
        pid, text, data = child.result()
    assert pid != os.getpid() and text == "kaart" * 1000 and data == {"a": [1.5, None]}


@needs_fork
def test_a_failing_child_raises_the_error_here() -> None:
    """The child's exception cannot travel; the work is done again in process and raises with its traceback."""
    calls = []

    def fail() -> None:
        calls.append(os.getpid())
        raise ValueError("kapot")

    with Forked(fail) as child, pytest.raises(ValueError, match="kapot"):
        child.result()
    assert calls == [os.getpid()]  # the child's call appended to its own copy of the list


@needs_fork
def test_a_result_cut_off_in_sending_is_made_again_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A child killed while it sends its result (the OOM killer, a kill of the process group) leaves a
    pickle cut short: the value is made again in process, not an UnpicklingError for the build."""
    import pickle

    whole = pickle.dumps
    monkeypatch.setattr(pickle, "dumps", lambda value, protocol: whole(value, protocol=protocol)[:-7])
    with Forked(lambda: (os.getpid(), "kaart" * 1000)) as child:
        assert child.in_child
        pid, text = child.result()
    assert pid == os.getpid() and text == "kaart" * 1000


def _sleeping_child(tmp_path: Path) -> tuple[Forked, int]:
    """A child that says its pid and then sleeps for a minute."""
    said = tmp_path / "pid"

    def sleep() -> None:
        said.write_text(str(os.getpid()))
        time.sleep(60)

    child = Forked(sleep)
    for _ in range(1000):
        if said.is_file() and said.read_text():
            return child, int(said.read_text())
        time.sleep(0.01)
    raise AssertionError("the child never started")


def _gone(pid: int) -> bool:
    """Ended and reaped (a zombie would still take signals)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@needs_fork
def test_a_child_nobody_asks_is_ended_and_reaped(tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(RuntimeError), _sleeping_child(tmp_path)[0] as child:
        pid = int((tmp_path / "pid").read_text())
        raise RuntimeError("the caller fails first")
    assert _gone(pid) and not child.in_child
    assert time.perf_counter() - started < 30


@needs_fork
def test_a_forgotten_child_is_ended_when_collected(tmp_path: Path) -> None:
    child, pid = _sleeping_child(tmp_path)
    del child
    gc.collect()
    assert _gone(pid)


@needs_fork
def test_overlapped_build_gives_the_in_process_bytes(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A cold build draws the map's script in a child beside the rest of the map data, and splits its
    social cards with a child; the same site as a build that forks nothing, on the sample and the
    shipped content."""
    forks = []
    original = Forked._start

    def counted(self: Forked) -> None:
        forks.append(1)
        original(self)

    for name, content in (("sample", SAMPLE / "content"), ("shipped", ROOT / "content")):
        common = ["build", "--no-admin", "--content", str(content), "--no-cache"]
        monkeypatch.setattr(parallel, "can_fork", lambda: False)
        code, _, err = run_cli(*common, "--output", str(tmp_path / f"{name}-in-process"))
        assert code == 0, err
        monkeypatch.undo()
        monkeypatch.setattr(Forked, "_start", counted)
        monkeypatch.setattr(parallel, "SPLIT_AFTER", 0.0)  # split the cards however quick they are
        monkeypatch.setattr(parallel, "SPLIT_WORTH", 0.0)
        forks.clear()
        code, _, err = run_cli(*common, "--output", str(tmp_path / f"{name}-overlapped"))
        assert code == 0, err
        monkeypatch.undo()
        assert len(forks) >= 2, name  # the map script and (at least) the social cards
        assert tree_bytes(tmp_path / f"{name}-overlapped") == tree_bytes(tmp_path / f"{name}-in-process"), name


@needs_fork
def test_ready_says_whether_the_result_would_wait(tmp_path: Path) -> None:
    go = tmp_path / "go"

    def wait_for_go() -> str:
        while not go.exists():
            time.sleep(0.01)
        return "klaar"

    with Forked(wait_for_go) as child:
        assert not child.ready()
        go.touch()
        for _ in range(1000):
            if child.ready():
                break
            time.sleep(0.01)
        assert child.ready() and child.result() == "klaar"
    with _no_fork():
        assert Forked(lambda: 1).ready()  # computed in process: nothing to wait for


@contextlib.contextmanager
def _no_fork():
    original = parallel.can_fork
    parallel.can_fork = lambda: False
    try:
        yield
    finally:
        parallel.can_fork = original


@needs_fork
def test_the_pools_worker_handler_does_not_wake_for_each_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool's worker handler looks after the workers (and ends the pool) when a worker exits or
    the pool tells it to, not whenever results wait to be read: it used to spin while each result
    crossed the pipe, hundreds of times for these 100 MB."""
    wakes: list[int] = []
    maintain = multiprocessing.pool.Pool._maintain_pool  # type: ignore[attr-defined]

    def counted(*args: object) -> None:
        wakes.append(1)
        maintain(*args)

    # The handler thread runs multiprocessing's own class's method (Pool._handle_workers by name).
    monkeypatch.setattr(multiprocessing.pool.Pool, "_maintain_pool", staticmethod(counted))
    results = pmap(lambda n: bytes([n % 256]) * (1 << 20), list(range(100)), min_items=2)
    assert [block[0] for block in results] == [n % 256 for n in range(100)]
    assert 1 <= len(wakes) < 20, len(wakes)


def _prepared_and_called(go: str, data: bytes) -> tuple[int, bool, int]:
    """What a Standby's call sees: its process, whether `go` was there (see below), its argument's size."""
    return os.getpid(), Path(go).exists(), len(data)


@needs_fork
def test_a_standby_child_prepares_then_makes_the_call_it_is_sent(tmp_path: Path) -> None:
    """The child starts preparing at once; the call, sent while it still prepares, does not wait for
    it (sent through a file, not a pipe that holds 64 KiB): preparing here waits for `go`, made only
    once send() has returned with megabytes sent, and gives up after a minute."""
    go = tmp_path / "go"

    def prepare() -> None:
        for _ in range(6000):
            if go.exists():
                return
            time.sleep(0.01)

    with Standby(prepare) as child:
        assert child.in_child
        child.send(_prepared_and_called, str(go), b"x" * 5_000_000)
        go.touch()
        pid, seen, size = child.result()
    assert pid != os.getpid() and seen and size == 5_000_000


@needs_fork
def test_a_standby_call_that_cannot_travel_is_made_in_process() -> None:
    """A call that does not pickle (a local function) is made by result(), in process."""
    with Standby(lambda: None) as child:
        child.send(lambda value: (os.getpid(), value * 2), 21)
        assert not child.in_child
        assert child.result() == (os.getpid(), 42)


def test_a_standby_without_fork_makes_the_call_in_process() -> None:
    with _no_fork(), Standby(lambda: None) as child:
        assert not child.in_child
        child.send(_prepared_and_called, "no such file", b"ab")
        assert child.result() == (os.getpid(), False, 2)


@needs_fork
def test_a_standby_whose_child_has_gone_makes_the_call_in_process() -> None:
    with Standby(lambda: os._exit(0)) as child:
        for _ in range(1000):
            if child.ready():  # its pipe says the child has exited
                break
            time.sleep(0.01)
        child.send(_prepared_and_called, "no such file", b"abc")
        assert not child.in_child
        assert child.result() == (os.getpid(), False, 3)


@needs_fork
def test_a_standby_child_sent_nothing_is_ended_and_reaped(tmp_path: Path) -> None:
    said = tmp_path / "pid"

    def prepare() -> None:
        said.write_text(str(os.getpid()))

    child = Standby(prepare)
    for _ in range(1000):
        if said.is_file() and said.read_text():
            break
        time.sleep(0.01)
    pid = int(said.read_text())
    child.close()
    assert _gone(pid) and not child.in_child


def _noting(started: list[bool], start: Callable[..., Any]) -> Callable[..., Any]:
    """`start` (which starts a child, or gives None where it starts none), noting in `started` whether it did."""

    def noted(*args: Any) -> Any:
        ahead = start(*args)
        started.append(ahead is not None)
        return ahead

    return noted


def _sample_build(tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the sample content and the command that builds it (without a cache option)."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    return content, ["build", "--no-admin", "--content", str(content), "--output", str(tmp_path / "out")]


@needs_fork
def test_folium_is_imported_ahead_where_no_build_has_drawn_the_map(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A build whose cache has never held the map's script (the first, or one without a cache) has
    Folium imported by a Standby child from its start and sends it the drawing; a later build does
    not, even where it draws the map again (it forks for the drawing, as before)."""
    from sitegen import mapview

    started: list[bool] = []  # per build: whether a Standby was started
    sent: list[bool] = []  # per drawing sent to one: whether a child took it

    class Recorded(Standby):
        def send(self, fn, *args):  # type: ignore[no-untyped-def]
            super().send(fn, *args)
            sent.append(self.in_child)

    monkeypatch.setattr(mapview, "Standby", Recorded)
    monkeypatch.setattr("sitegen.pipeline.draw_ahead", _noting(started, mapview.draw_ahead))
    content, common = _sample_build(tmp_path)
    assert run_cli(*common, "--cache", str(tmp_path / "cache"))[0] == 0
    assert started == [True] and sent == [True]
    igs = content / "igs" / "noord.yaml"
    text = igs.read_text(encoding="utf-8")
    assert "  - Borsbeek\n" in text
    igs.write_text(text.replace("  - Borsbeek\n", "", 1), encoding="utf-8")  # a member less: the map changes
    assert run_cli(*common, "--cache", str(tmp_path / "cache"))[0] == 0
    assert started == [True, False] and sent == [True]
    assert run_cli(*common, "--no-cache")[0] == 0
    assert started == [True, False, True] and sent == [True, True]


@needs_fork
def test_the_topology_is_parsed_ahead_where_no_build_has_drawn_the_map(run_cli, tmp_path: Path, monkeypatch) -> None:
    """A first build has the topology parsed (and its outlines drawn) by a child started as it loads
    the content, and takes it: this process parses nothing. A later build that draws the map again
    starts no such child and parses the topology itself."""
    from sitegen import geometry

    here = os.getpid()
    parsed_here: list[str] = []
    real = geometry.topology_from_data

    def counted(*args):  # type: ignore[no-untyped-def]
        if os.getpid() == here:
            parsed_here.append(args[1])
        return real(*args)

    started: list[bool] = []
    monkeypatch.setattr(geometry, "topology_from_data", counted)
    monkeypatch.setattr("sitegen.pipeline.parse_ahead", _noting(started, geometry.parse_ahead))
    content, common = _sample_build(tmp_path)
    assert run_cli(*common, "--cache", str(tmp_path / "cache"))[0] == 0
    assert started == [True] and parsed_here == []
    first = tree_bytes(tmp_path / "out")
    igs = content / "igs" / "noord.yaml"
    text = igs.read_text(encoding="utf-8")
    igs.write_text(text.replace("  - Borsbeek\n", "", 1), encoding="utf-8")  # a member less: the map changes
    assert run_cli(*common, "--cache", str(tmp_path / "cache"))[0] == 0
    assert started == [True] and len(parsed_here) == 1
    igs.write_text(text, encoding="utf-8")
    assert run_cli(*common, "--no-cache")[0] == 0
    assert started == [True, True] and len(parsed_here) == 1
    assert tree_bytes(tmp_path / "out") == first


def test_a_topology_parsed_ahead_is_taken_only_for_the_text_the_build_read() -> None:
    """The child read the file on its own: where the build read other text (the file changed in
    between), the build parses its own."""
    from sitegen.geometry import topology_from_text
    from sitegen.memo import Memo

    text = (SAMPLE / "content" / "geo" / "topology.json").read_text(encoding="utf-8")
    ahead = Forked(lambda: topology_from_text(text, "ahead", Memo()))
    taken = topology_from_text(text, "t", Memo(), ahead)
    assert taken == topology_from_text(text, "t", Memo())
    changed = text.replace("]]", "], [0, 0]]", 1)
    assert changed != text
    ahead = Forked(lambda: topology_from_text(text, "ahead", Memo()))
    own = topology_from_text(changed, "t", Memo(), ahead)
    assert own == topology_from_text(changed, "t", Memo()) and own != taken
