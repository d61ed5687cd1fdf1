"""Pure work spread over the cores of the machine.

`pmap(fn, items)` is `[fn(x) for x in items]`, computed in forked worker processes when there are
enough items to pay for a pool (a few thousand pages or documents), in order, so the result is
identical to the sequential one (`pmap_each` hands them over one at a time, as they arrive).
Children inherit the parent's memory (templates, the model), so only the items' results travel
back through pipes. Fewer items run in process, but when they turn
out slow (a few dozen social cards take a quarter of a second), the second half of what is left
goes to one forked child while this process does the first half.

`Forked(fn)` starts `fn()` in a forked child at once, so that it runs on another core while the
caller goes on; `result()` waits for it. `Standby(prepare)` forks before the work is known: the
child prepares (imports what the work needs) until `send(fn, *args)` hands it the call, pickled.

Where fork is missing (or we are a worker already, or other threads run: `serve`) everything simply
runs in process. A child that fails is not trusted: its work is done again in process, so an error
is raised here with its real traceback. What runs in a child must be pure: it must not touch the
memo's store or write files, and its result must pickle.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import pickle
import select
import signal
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")

MIN_ITEMS = 400  # below this, a pool of workers costs more than it saves
CHUNK_ITEMS = 200
"""The most items a worker computes before it sends their results back (see pmap_each)."""
SPLIT_AFTER = 0.02
"""Seconds of in-process work after which pmap looks whether a second process would pay."""
SPLIT_WORTH = 0.06
"""The work left (estimated from the items done) must be at least this many seconds to fork for it."""
_state: dict[str, Any] = {}


def workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    fn, items = _state["job"]
    return [fn(item) for item in items[bounds[0] : bounds[1]]]


def pmap(fn: Callable[[Any], Any], items: Sequence[Any], *, min_items: int = MIN_ITEMS) -> list[Any]:
    return list(pmap_each(fn, items, min_items=min_items))


def pmap_each(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    min_items: int = MIN_ITEMS,
    weights: Sequence[float] | None = None,
) -> Iterator[Any]:
    """`pmap` one result at a time, in order, as the workers hand them back: a caller that passes
    each result on (a cold build's pages and cards, to the disk) never holds them all. `weights`:
    how much work each item is, relative to the others, where that differs (see _split_when_slow)."""
    count = workers()
    if len(items) < min_items or not can_fork():
        yield from _split_when_slow(fn, items, weights)
        return
    # A few chunks per worker even out slow ones; no chunk is larger than CHUNK_ITEMS, so that what a
    # worker gathers and sends, and what waits here to be taken, stays a few megabytes.
    size = min(-(-len(items) // (count * 4)), CHUNK_ITEMS)
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _state["job"] = (fn, items)
    try:
        import multiprocessing  # here: a rebuild of a few files forks no pool, and the import costs 4 ms

        with _pool_class()(count, initializer=_mark_worker, context=multiprocessing.get_context("fork")) as pool:
            parts = pool.imap(_run_chunk, bounds, chunksize=1)
            pool.close()  # no tasks but these: each worker exits once they are done
            for number, part in enumerate(parts, start=1):
                if number == len(bounds):
                    # Every worker has exited before the last results are handed over, so that a caller
                    # who stops asking after the last one does not end the pool: the SIGTERM of its
                    # terminate() (on leaving the `with`) once left a build waiting forever for a worker.
                    pool.join()
                yield from part
    finally:
        _state.pop("job", None)


@functools.cache
def _pool_class() -> type:
    """multiprocessing's pool, whose worker handler (the thread that replaces exited workers and ends
    the pool) wakes for the workers' exits and the pool's own notices only. It also woke whenever
    results were waiting to be read, and so spun for as long as each result crossed the pipe (the
    result handler reads them): 2 CPU-s of a 300x10000 cold build's six pools, and the workers'
    writes slowed by it. Its notices come when the pool is closed or its last result is taken.
    Made on first use: a rebuild of a few files forks no pool and need not import multiprocessing."""
    import multiprocessing.pool

    class Pool(multiprocessing.pool.Pool):
        def _get_sentinels(self) -> list[Any]:
            return [self._change_notifier._reader]  # type: ignore[attr-defined]

    return Pool


def _split_when_slow(
    fn: Callable[[Any], Any], items: Sequence[Any], weights: Sequence[float] | None = None
) -> Iterator[Any]:
    """`[fn(x) for x in items]` in process, one at a time, until the items done say that what is left
    is worth a fork: then a forked child computes the second half of the rest while this process
    does the first. Halves by `weights` where given (the first social card of a background draws
    the background too: by count, one half would get most of them), else by count."""
    weights = weights or [1.0] * len(items)
    total = sum(weights)
    spent = 0.0  # in fn only: the caller may take its time with each result
    weighed = 0.0  # the weight of the items done
    for done, item in enumerate(items, start=1):
        started = time.perf_counter()
        result = fn(item)
        spent += time.perf_counter() - started
        yield result
        weighed += weights[done - 1]
        left = len(items) - done
        if left >= 2 and spent >= SPLIT_AFTER and spent / weighed * (total - weighed) >= SPLIT_WORTH and can_fork():
            rest = items[done:]
            half = _half(weights[done:])
            with Forked(functools.partial(_in_process, fn, rest[half:])) as second:
                yield from (fn(item) for item in rest[:half])
                yield from second.result()
            return


def _half(weights: Sequence[float]) -> int:
    """Where to cut items of these weights (at least two) in two: the most items from the start
    whose weight is at most half of all (one at least, and one left)."""
    target, weighed, count = sum(weights) / 2, 0.0, 0
    for weight in weights:
        if weighed + weight > target:
            break
        weighed += weight
        count += 1
    return min(max(count, 1), len(weights) - 1)


def _in_process(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(item) for item in items]


class Forked(Generic[T]):
    """`compute()`, started in a forked child when one can be forked (else run by `result()`).

    A child whose result nobody asks for (the caller failed first) is ended on `close()`, on leaving
    a `with` block, or when this object is collected."""

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute = compute
        self._end: weakref.finalize | None = None
        self._pipe = -1
        if can_fork():
            self._start()

    def _start(self) -> None:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit handlers
            os.close(read)
            _mark_worker()
            try:
                data = b"1" + pickle.dumps(self._compute(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # reported by the parent computing it again
                data = b"0"
            try:
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(data)
            finally:
                os._exit(0)
        os.close(write)
        self._pipe = read
        self._end = weakref.finalize(self, _end_child, pid, read)

    @property
    def in_child(self) -> bool:
        """Whether a child computes it (else `result()` computes it in process)."""
        return self._end is not None and self._end.alive

    def ready(self) -> bool:
        """Whether `result()` would not wait for the child (it has sent its result, or there is none)."""
        return not self.in_child or bool(select.select([self._pipe], [], [], 0)[0])

    def result(self) -> T:
        if not self.in_child:
            return self._compute()
        chunks = []
        while chunk := os.read(self._pipe, 1 << 20):  # until the child has sent everything and exited
            chunks.append(chunk)
        self.close()
        data = b"".join(chunks)
        if data[:1] == b"1":
            try:
                return pickle.loads(data[1:])  # our own child's result, never stored
            except (pickle.UnpicklingError, EOFError):  # cut off: the child was killed while it sent it
                pass  # made again in process below, as for a child that failed
        return self._compute()  # the child failed: the error (if any) is raised here, in full

    def close(self) -> None:
        if self._end is not None:
            self._end()

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class Standby(Forked[T]):
    """A forked child started before its work is known: it runs `prepare()` at once (an import that
    takes a while) and then waits for `send(fn, *args)`, the call it is to make (`fn` a module-level
    function, sent by name; the arguments pickled, through an unnamed temporary file, so that sending
    never waits for `prepare`). Then as Forked: `result()` waits for it, and makes the call in process
    where no child was forked, it failed or the call does not pickle; a child sent nothing is ended
    on `close()`, on leaving a `with` block or when this object is collected."""

    def __init__(self, prepare: Callable[[], object]) -> None:
        self._sent = False
        self._call: IO[bytes] | None = None
        self._told = -1  # our end of the pipe that tells the child the size of its call
        self._letting_go: weakref.finalize | None = None
        told = -1
        if can_fork():
            self._call = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _let_go, once sent or ended)
            told, self._told = os.pipe()
            self._letting_go = weakref.finalize(self, _let_go, self._call, self._told)
        super().__init__(functools.partial(_stand_by, prepare, self._call, told, self._told))
        if told >= 0:
            os.close(told)  # the child's end

    def send(self, fn: Callable[..., T], *args: Any) -> None:
        """Hand the child its call (once); result() makes it in process where it did not reach a child."""
        assert not self._sent, "a Standby makes one call"
        self._sent = True
        self._compute = functools.partial(fn, *args)
        if not self.in_child or self._call is None:
            return
        try:
            data = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # made in process by result(), which raises what it raises there
            self.close()
            return
        try:
            self._call.write(data)
            self._call.flush()
            os.write(self._told, len(data).to_bytes(8, "big"))
        except OSError:  # the child has gone (or the disk is full): made in process by result()
            self.close()
        self._let_go()

    def result(self) -> T:
        assert self._sent, "send() the call first"
        return super().result()

    def close(self) -> None:
        super().close()
        self._let_go()

    def _let_go(self) -> None:
        if self._letting_go is not None:
            self._letting_go()


def _stand_by(prepare: Callable[[], object], call: IO[bytes], told: int, telling: int) -> Any:
    """In the Standby's child: prepare, then wait for the call's size and make the call."""
    os.close(telling)  # the parent's end: a parent that ends without sending is then seen as such
    prepare()
    size = int.from_bytes(os.read(told, 8), "big")
    if not size:
        raise EOFError("no call was sent")
    fn, args = pickle.loads(os.pread(call.fileno(), size, 0))
    return fn(*args)


def _let_go(call: IO[bytes], telling: int) -> None:
    """Close our end of a Standby's call file and pipe (the child keeps its own)."""
    call.close()
    os.close(telling)


def _end_child(pid: int, pipe: int) -> None:
    """Close our end of the child's pipe, end the child (when it has not exited yet) and reap it."""
    os.close(pipe)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _mark_worker() -> None:
    """In a forked child: no further forks, and no garbage collection over what the parent made.
    A collection writes to every object it visits, so each page of the parent's heap it reached
    would be copied for the child (a third of the map script's time in its child)."""
    _state["worker"] = True
    gc.freeze()


def can_fork() -> bool:
    return (
        workers() >= 2
        and not _state.get("worker")
        and threading.active_count() == 1  # forking a threaded process (serve) may deadlock
        and hasattr(os, "fork")  # where multiprocessing offers the "fork" start method
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a stage builds a large graph of objects that live on (the
    journal's records, the model, the page jobs: tens of thousands at 300x10000). Each collection
    would visit all of them again, each time the graph grew by a quarter, for hardly any garbage:
    reference counting frees the rest, and a collection after the stage finds any cycle left; in a
    process that builds once (`freeze_after_stages`), what the stage leaves is frozen instead."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _state.get("freeze"):
            gc.freeze()
        gc.enable()


def freeze_after_stages() -> None:
    """For a process that builds once and exits (the CLI): every object alive when a stage of
    `collector_paused` ends is moved out of the collector's reach (gc.freeze), rather than walked
    by the next collections, which find hardly any garbage in it: a one-story rebuild at
    300x10,000 spent 60 ms in five such collections, which freed 167 objects. Reference counting
    still frees what dies; a cycle that is garbage by then stays until the process exits."""
    _state["freeze"] = True
