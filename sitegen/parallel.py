"""Pure work spread over the cores of the machine, for cold builds of large sites.

`pmap(fn, items)` is `[fn(x) for x in items]`, computed in forked worker processes when there are
enough items to pay for the forks (a few thousand pages or documents), in order, so the result is
identical to the sequential one. Children inherit the parent's memory (templates, the model), so
only the items' results travel back through pipes. Where fork is missing (or the work is small, or
we are a worker already, or other threads run: `serve`) it simply runs sequentially.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

MIN_ITEMS = 400  # below this, forking costs more than it saves
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
    count = workers()
    if len(items) < min_items or not can_fork(MIN_ITEMS):
        return [fn(item) for item in items]
    chunks = count * 4  # a few chunks per worker evens out slow ones
    size = -(-len(items) // chunks)
    bounds = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _state["job"] = (fn, items)
    try:
        with multiprocessing.get_context("fork").Pool(count, initializer=_mark_worker) as pool:
            parts = pool.map(_run_chunk, bounds, chunksize=1)
            # Let the workers finish and exit on their own: the SIGTERM of the pool's terminate() (on
            # leaving the `with`) once left a build waiting forever for an idle worker on a busy machine.
            pool.close()
            pool.join()
    finally:
        _state.pop("job", None)
    return [result for part in parts for result in part]


def _mark_worker() -> None:
    _state["worker"] = True


def can_fork(count: int) -> bool:
    return (
        count >= MIN_ITEMS
        and workers() >= 2
        and not _state.get("worker")
        and threading.active_count() == 1  # forking a threaded process (serve) may deadlock
        and "fork" in multiprocessing.get_all_start_methods()
    )
