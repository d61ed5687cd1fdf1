"""The benchmark's content generator keeps producing content our generator builds (Hugo is skipped)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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

    assert run.main(["--sizes", "2x6:1", "--work", str(tmp_path), "--no-hugo"]) == 0
    rows = {line[11:26].strip(): line[26:].split() for line in capsys.readouterr().out.splitlines()[2:]}
    for step in (*run.STEPS, "peak memory", "+ search", "+ link check", "+ map", "article: search"):
        assert rows.get(step), f"no figure for {step}"
    assert float(rows["no-op"][0]) < float(rows["cold"][0])


def test_the_default_work_folder_is_one_the_build_may_write_into() -> None:
    """bench/run.py builds into its work folder; the build refuses outputs inside project folders."""
    read = {"content": ROOT / "content", "templates": ROOT / "templates", "assets": ROOT / "assets"}
    args = argparse.Namespace(**read, cache=None)
    rules = build.output_rules(args, ROOT / "output")
    check_output_dir(WORK / "300x1000" / "out-ours", rules)  # raises OutputPathError when refused
