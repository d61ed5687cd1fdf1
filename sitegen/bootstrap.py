"""`python3 build.py` run by a Python without the generator's packages: install them into the
project's own virtual environment (.venv/, as the README's command does) and run the same command
there. Standard library only: this runs exactly when the packages are missing.

An editor who clones the repository and types `python3 build.py` gets a site, not an ImportError;
a checkout that pulled a new dependency gets it installed. Where installing is not possible (no
network, a read-only checkout, SITEGEN_NO_INSTALL set) the caller prints the manual command."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

NO_INSTALL = "SITEGEN_NO_INSTALL"  # set: never install, only say how (tests, locked-down machines)
VENV = "SITEGEN_VENV"  # where the environment goes (default: .venv/ beside build.py)
_RERUN = "SITEGEN_RERUN"  # set in the re-run: a second miss there must not install again
_PIP_TIMEOUT = 900  # seconds; a slow mirror, not a hung one


def venv_dir(root: Path) -> Path:
    named = os.environ.get(VENV)
    return Path(named) if named else root / ".venv"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def may_install() -> bool:
    """Whether this process may install: not told otherwise, and not itself the re-run."""
    return not os.environ.get(NO_INSTALL) and not os.environ.get(_RERUN)


def install_and_rerun(root: Path, module: str, argv: list[str]) -> int | None:
    """Make sure `venv_dir(root)` has the generator's packages, then run build.py with `argv` there
    and give its exit code. None, after saying why, where that could not be done (the caller then
    prints the manual command)."""
    venv = venv_dir(root)
    python = venv_python(venv)
    shown = os.path.relpath(venv) if venv.is_absolute() and _below_cwd(venv) else str(venv)
    if not _can_import(python, module):
        print(
            f"build.py: de Python-module '{module}' ontbreekt in deze Python. De pakketten van de generator "
            f"worden nu eenmalig in {shown}/ geïnstalleerd (dat duurt een minuut of twee)…",
            file=sys.stderr,
            flush=True,
        )
        if not _install(root, venv, python):
            return None
        if not _can_import(python, module):
            print(f"build.py: na de installatie ontbreekt '{module}' nog altijd in {shown}/.", file=sys.stderr)
            return None
    print(f"build.py: de bouw loopt verder met de Python van {shown}/.", file=sys.stderr, flush=True)
    env = {**os.environ, _RERUN: "1"}
    return subprocess.call([str(python), str(root / "build.py"), *argv], env=env)


def _below_cwd(path: Path) -> bool:
    return path.is_relative_to(Path.cwd())


def _can_import(python: Path, module: str) -> bool:
    if not python.is_file():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import importlib, sys; importlib.import_module(sys.argv[1])", module],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


def _install(root: Path, venv: Path, python: Path) -> bool:
    steps = [[str(python), "-m", "pip", "install", "-q", "-c", "constraints.txt", "-e", "."]]
    if not python.is_file():
        steps.insert(0, [sys.executable, "-m", "venv", str(venv)])
    for step in steps:
        logger.info("Running %s", " ".join(step))
        try:
            done = subprocess.run(step, cwd=root, capture_output=True, text=True, timeout=_PIP_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"build.py: installeren lukte niet ({exc}).", file=sys.stderr)
            return False
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            print(f"build.py: installeren lukte niet; de laatste regels:\n{tail}", file=sys.stderr)
            return False
    return True
