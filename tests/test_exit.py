"""`python build.py` leaves without tearing the interpreter down, and loses nothing by it: everything
printed arrives, the exit code is main()'s, and what is registered to run at exit still runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
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


def _cli(
    tmp_path: Path, *args: str, before: str = "", env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "atexit-ran"
    command = [sys.executable, "-c", before + SCRIPT, str(ROOT), str(marker), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, env=env), marker


# As a Python where the link checker's parser was never installed: its import fails.
WITHOUT_SELECTOLAX = "import sys; sys.modules['selectolax'] = None\n"


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


def _site_args(out: Path) -> tuple[str, ...]:
    return ("build", "--no-cache", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out))


def test_a_python_without_the_packages_told_not_to_install_gets_the_setup_command_and_no_output(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    env = {**os.environ, "SITEGEN_NO_INSTALL": "1"}
    done, marker = _cli(tmp_path, *_site_args(out), before=WITHOUT_SELECTOLAX, env=env)
    assert done.returncode == 1
    assert "de Python-module 'selectolax' ontbreekt" in done.stderr
    assert "pip install -c constraints.txt -e ." in done.stderr and "Traceback" not in done.stderr
    assert "geïnstalleerd" not in done.stderr
    assert marker.read_text() == "ran"
    assert not out.exists()


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="needs the tests to run in a virtual environment")
def test_a_python_without_the_packages_runs_the_build_again_in_the_environment_that_has_them(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    env = {**os.environ, "SITEGEN_VENV": sys.prefix}  # this test's environment has every package
    env.pop("SITEGEN_NO_INSTALL", None)
    done, _ = _cli(tmp_path, *_site_args(out), before=WITHOUT_SELECTOLAX, env=env)
    assert done.returncode == 0, done.stderr
    assert "de bouw loopt verder met de Python van" in done.stderr
    assert "eenmalig" not in done.stderr  # nothing installed: the environment had the module
    assert (out / "index.html").is_file() and (out / "kaart" / "index.html").is_file()


def test_a_failed_install_says_why_gives_the_setup_command_and_writes_no_output(tmp_path: Path) -> None:
    out, venv = tmp_path / "site", tmp_path / "venv"
    # A fresh environment (made for real), whose pip finds no package index: the install fails.
    env = {**os.environ, "SITEGEN_VENV": str(venv), "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)}
    env.pop("SITEGEN_NO_INSTALL", None)
    done, marker = _cli(tmp_path, *_site_args(out), before=WITHOUT_SELECTOLAX, env=env)
    assert done.returncode == 1
    assert "worden nu eenmalig in" in done.stderr
    assert "installeren lukte niet" in done.stderr
    assert "pip install -c constraints.txt -e ." in done.stderr and "Traceback" not in done.stderr
    assert (venv / "bin" / "python").exists() or (venv / "Scripts" / "python.exe").exists()
    assert marker.read_text() == "ran"
    assert not out.exists()


def test_the_rerun_never_installs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import bootstrap

    monkeypatch.delenv("SITEGEN_NO_INSTALL", raising=False)
    monkeypatch.delenv("SITEGEN_RERUN", raising=False)
    assert bootstrap.may_install()
    monkeypatch.setenv("SITEGEN_RERUN", "1")
    assert not bootstrap.may_install()
    monkeypatch.delenv("SITEGEN_RERUN")
    monkeypatch.setenv("SITEGEN_NO_INSTALL", "1")
    assert not bootstrap.may_install()
