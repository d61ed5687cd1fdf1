"""`python build.py` leaves without tearing the interpreter down, and loses nothing by it: everything
printed arrives, the exit code is main()'s, and what is registered to run at exit still runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE

# build.cli() as `python build.py` runs it, after registering what a library would register at exit.
SCRIPT = r"""
import atexit, sys, tempfile
sys.path.insert(0, sys.argv[1])
import build
left = tempfile.TemporaryDirectory()  # removed by its finalizer at exit
print(left.name, flush=True)
marker = sys.argv[2]
atexit.register(lambda: open(marker, "w").write("ran"))
sys.argv = ["build.py", *sys.argv[3:]]
build.cli()
"""


def _cli(tmp_path: Path, *args: str, before: str = "") -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "atexit-ran"
    command = [sys.executable, "-c", before + SCRIPT, str(ROOT), str(marker), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False), marker


def test_a_build_prints_everything_and_runs_what_is_registered_at_exit(tmp_path: Path) -> None:
    out = tmp_path / "site"
    args = ("-v", "build", "--no-cache", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out))
    done, marker = _cli(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    temporary, summary = done.stdout.splitlines()
    assert " pagina's en " in summary and f"in {out} (" in summary  # stdout is a pipe: block-buffered
    assert "INFO sitegen.write: Wrote " in done.stderr  # the log handler flushed
    assert marker.read_text() == "ran"
    assert not Path(temporary).exists()
    assert (out / "index.html").is_file()


def test_a_failed_build_exits_with_its_code_and_every_error(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "site.yaml").write_text("title: [\n", encoding="utf-8")
    done, marker = _cli(tmp_path, "build", "--no-cache", "--content", str(content), "--output", str(tmp_path / "o"))
    assert done.returncode == 1
    printed = done.stdout + done.stderr
    assert f"{content / 'site.yaml'}:2:1: YAML-syntaxfout" in printed
    assert "Build mislukt: 2 fouten gevonden." in printed
    assert marker.read_text() == "ran"
    assert not (tmp_path / "o").exists()


def test_a_python_without_the_packages_gets_the_setup_command_and_no_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    args = ("build", "--no-cache", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out))
    # As a Python where the link checker's parser was never installed: its import fails.
    done, marker = _cli(tmp_path, *args, before="import sys; sys.modules['selectolax'] = None\n")
    assert done.returncode == 1
    assert "de Python-module 'selectolax' ontbreekt" in done.stderr
    assert "pip install -c constraints.txt -e ." in done.stderr and "Traceback" not in done.stderr
    assert marker.read_text() == "ran"
    assert not out.exists()
