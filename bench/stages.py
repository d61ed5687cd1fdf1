#!/usr/bin/env python3
"""Where a cold build's CPU time goes, stage by stage, across every process the build starts.

    python bench/stages.py --content DIR [--work DIR]

Builds DIR's content once with an empty cache and output (in this process, as `build.py build`
does) and prints the CPU time (user + sys) of each stage, with the process that spent it:
  main   the build's own thread (a stage's time without the stages it calls);
  thread a thread of the build's process (the search index is taken beside the link check);
  pool   the workers of sitegen.parallel (each chunk of work timed in its worker);
  child  a forked child (the map's script, the search index started ahead);
  other  Pagefind, run by the search index child, and what else the children spent that the rows
         above do not count (a pool's own machinery: forking, sending results back).
Stages overlap in wall time (pools and the search index run beside the main thread), so only the
CPU column adds up: `total` is this process and all its children (os.times), as bench/run.py's CPU
column is. The wall column is each stage's own span.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (module, function, stage) of the main thread's stages, where the pipeline calls them.
MAIN_STAGES = (
    ("sitegen.pipeline", "load_content", "load: read and check the files"),
    ("sitegen.pipeline", "validate_content", "load: checks across files"),
    ("sitegen.pipeline", "build_model", "model"),
    ("sitegen.pipeline", "build_map_data", "map data"),
    ("sitegen.pipeline", "page_jobs", "page jobs"),
    ("sitegen.render", "page_keys", "page keys"),
    ("sitegen.pipeline", "render_site", "render: the rest"),
    ("sitegen.render", "start_index", "search: planned and started"),
    ("sitegen.render", "social_cards", "social cards: planned, kept"),
    ("sitegen.pipeline", "parse_pages", "link check: parse"),
    ("sitegen.pipeline", "check_links", "link check: judge"),
    ("sitegen.pipeline", "index_pages", "search: taken and kept"),
    ("sitegen.pipeline", "meta_policies", "header policy"),
    ("sitegen.pipeline", "headers_file", "header policy"),
    ("build", "write_site", "write"),
)
# What the workers of a pool compute, by the function's qualified name.
POOL_STAGES = {
    "_records.<locals>.read": "load: read and check the files",
    "_Bodies.render": "markdown",
    "render_site.<locals>.render": "pages (Jinja)",
    "social_cards.<locals>.<lambda>": "social cards: drawn",
    "parse_pages.<locals>.<lambda>": "link check: parse",
}
CHILD_STAGES = {
    "_map_data.<locals>.<lambda>": "map script",
    "_stand_by": "map script",  # a cold build: the child that imported Folium meanwhile (mapview.draw_ahead)
    "_index_ahead": "search: the index child (Python)",
}
ORDER = [stage for _, _, stage in MAIN_STAGES] + list(POOL_STAGES.values()) + list(CHILD_STAGES.values())


def _cpu() -> tuple[float, float]:
    """(this process's CPU, its waited-for children's CPU), seconds."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def _name(fn: Any) -> str:
    fn = getattr(fn, "func", fn)  # a functools.partial
    return getattr(fn, "__qualname__", repr(fn))


class Recorder:
    """Stage times from every process, as lines appended to one file (a line is one write)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stack: list[list[float]] = []  # the main thread's open stages: [CPU of the nested ones]
        self.main = threading.main_thread()

    def add(self, process: str, stage: str, cpu: float, wall: float) -> None:
        line = json.dumps([process, stage, cpu, wall]) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def timed(self, stage: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            in_main = threading.current_thread() is self.main
            started, wall = time.thread_time(), time.perf_counter()
            if in_main:
                self.stack.append([0.0])
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                nested = self.stack.pop()[0] if in_main else 0.0
                if in_main and self.stack:
                    self.stack[-1][0] += spent
                self.add("main" if in_main else "thread", stage, spent - nested, time.perf_counter() - wall)

        return run


_patched: dict[str, Any] = {}
"""While a build is measured: the recorder, and pmap's own chunk runner."""


def _timed_chunk(bounds: tuple[int, int]) -> list[Any]:
    """sitegen.parallel's chunk runner, timed in the worker (module level: a pool pickles it by name)."""
    import sitegen.parallel as parallel

    name = _name(parallel._state["job"][0])
    started, wall = _cpu()[0], time.perf_counter()
    try:
        return _patched["chunk"](bounds)
    finally:
        cpu = _cpu()[0] - started
        _patched["recorder"].add("pool", POOL_STAGES.get(name, name), cpu, time.perf_counter() - wall)


def instrument(recorder: Recorder) -> Callable[[], None]:
    """Time the stages where they are called; returns what puts every function back."""
    import importlib

    import sitegen.parallel as parallel

    undo: list[tuple[Any, str, Any]] = []

    def patch(target: Any, name: str, replacement: Any) -> None:
        undo.append((target, name, getattr(target, name)))
        setattr(target, name, replacement)

    for module, name, stage in MAIN_STAGES:
        target = importlib.import_module(module)
        patch(target, name, recorder.timed(stage, getattr(target, name)))
    _patched.update(recorder=recorder, chunk=parallel._run_chunk)
    patch(parallel, "_run_chunk", _timed_chunk)
    start = parallel.Forked._start

    def forked(self: Any) -> None:
        compute = self._compute
        name = _name(compute)
        if name == "_in_process":  # the second half of a list that was slow in process (pmap)
            name = _name(compute.args[0])
        stage = CHILD_STAGES.get(name) or POOL_STAGES.get(name, name)

        def measured() -> Any:
            (cpu, children), wall = _cpu(), time.perf_counter()
            try:
                return compute()
            finally:
                now, now_children = _cpu()
                recorder.add("child", stage, now - cpu, time.perf_counter() - wall)
                if now_children > children:
                    recorder.add("other", "search: Pagefind", now_children - children, 0.0)

        self._compute = measured
        try:
            start(self)
        finally:
            self._compute = compute

    patch(parallel.Forked, "_start", forked)

    def restore() -> None:
        for target, name, original in reversed(undo):
            setattr(target, name, original)
        _patched.clear()

    return restore


def table(rows: list[list[Any]], total: float, main: float, wall: float) -> list[str]:
    spent: dict[tuple[str, str], list[float]] = {}
    for process, stage, cpu, seconds in rows:
        entry = spent.setdefault((stage, process), [0.0, 0.0])
        entry[0] += cpu
        entry[1] += seconds
    counted = sum(cpu for cpu, _ in spent.values())
    listed = sum(cpu for (_, process), (cpu, _) in spent.items() if process == "main")
    spent["main thread: the rest (imports, wiring)", "main"] = [max(main - listed, 0.0), 0.0]
    spent["pools' machinery, other programs", "other"] = [max(total - counted - (main - listed), 0.0), 0.0]

    def place(key: tuple[str, str]) -> tuple[int, str, str]:
        return (ORDER.index(key[0]) if key[0] in ORDER else len(ORDER), key[1], key[0])

    lines = [f"{'stage':40} {'process':8} {'CPU s':>8} {'share':>6} {'wall s':>8}"]
    for key in sorted(spent, key=place):
        cpu, seconds = spent[key]
        lines.append(f"{key[0]:40} {key[1]:8} {cpu:8.2f} {cpu / total:6.1%} {seconds:8.2f}")
    lines.append(f"{'total':40} {'':8} {total:8.2f} {1:6.1%} {wall:8.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, required=True, help="a content folder (bench/gen_content.py)")
    parser.add_argument("--work", type=Path, help="where the output and cache go (default: a temporary folder)")
    args = parser.parse_args(argv)
    from sitegen.write import state_dir

    work = args.work or Path(tempfile.mkdtemp(prefix="stages-", dir=ROOT))
    work.mkdir(parents=True, exist_ok=True)
    # A cold build: no output, no cache, no build state. An earlier run's are moved aside and removed
    # after the build, not before it: a disk that has just freed many files can be slower to create
    # new ones (see run.py's main).
    earlier = work / f".earlier-{os.getpid()}"
    for path in (work / "out", state_dir(work / "out"), work / "cache"):
        if os.path.lexists(path):
            earlier.mkdir(exist_ok=True)
            path.rename(earlier / path.name)
    log = work / "stages.jsonl"
    log.unlink(missing_ok=True)
    restore = instrument(Recorder(log))
    try:
        import build

        build.collect_as_a_command()  # as `python build.py` runs (the default settings collect far more often)
        command = ["build", "--content", str(args.content), "--output", str(work / "out")]
        command += ["--cache", str(work / "cache")]
        (cpu, children), wall, thread = _cpu(), time.perf_counter(), time.thread_time()
        code = build.main(command)
        main_thread = time.thread_time() - thread
        now, now_children = _cpu()
    finally:
        restore()
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    total = (now - cpu) + (now_children - children)
    print("\n".join(table(rows, total, main_thread, time.perf_counter() - wall)))
    shutil.rmtree(earlier, ignore_errors=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
