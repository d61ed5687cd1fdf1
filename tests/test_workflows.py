"""The GitHub Actions workflow: linted with actionlint, and its publishing contract checked as data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"


def _actionlint() -> str | None:
    beside_python = Path(sys.executable).parent / "actionlint"
    return str(beside_python) if beside_python.is_file() else shutil.which("actionlint")


def _load() -> dict[Any, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job["steps"]


def _uses(job: dict[str, Any]) -> list[str]:
    return [step["uses"].split("@")[0] for step in _steps(job) if "uses" in step]


def _runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in _steps(job))


def test_actionlint_accepts_the_workflows() -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint is not installed (pip install -c constraints.txt -e '.[test]')")
    workflows = sorted(str(p) for p in WORKFLOW.parent.glob("*.y*ml"))
    result = subprocess.run([binary, *workflows], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    """The lint step is real: an unknown key and a bad expression are reported."""
    binary = _actionlint()
    if binary is None:
        pytest.skip("actionlint is not installed")
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n"
        "    steps:\n      - run: echo ${{ github.nonsense( }}\n"
    )
    result = subprocess.run(
        [binary, str(broken)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "stepz" in result.stdout


def test_pull_requests_are_checked_and_main_is_deployed() -> None:
    workflow = _load()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    build = workflow["jobs"]["build"]
    assert _uses(build)[:2] == ["actions/checkout", "actions/setup-python"]
    setup_python = next(s for s in _steps(build) if s.get("uses", "").startswith("actions/setup-python"))
    assert setup_python["with"]["python-version"] == "${{ env.PYTHON_VERSION }}"
    assert workflow["env"]["PYTHON_VERSION"] == "3.11"
    assert setup_python["with"]["cache"] == "pip"
    assert set(setup_python["with"]["cache-dependency-path"].split()) == {"pyproject.toml", "constraints.txt"}
    runs = _runs(build)
    for command in (
        'pip install -c constraints.txt -e ".[test]"',
        "python build.py check",
        "python -m pytest",
        'python build.py build --base-url "$BASE_URL"',
        "vnu.jar",
    ):
        assert command in runs, command
    assert runs.index("build.py check") < runs.index("pytest") < runs.index("--base-url") < runs.index("vnu.jar")
    assert "actions/configure-pages" in _uses(build)
    build_step = next(s for s in _steps(build) if "--base-url" in s.get("run", ""))
    assert "steps.pages.outputs.base_url" in build_step["env"]["BASE_URL"]
    upload = next(s for s in _steps(build) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "output"
    assert "pull_request" in upload["if"]


def test_deploy_job_has_pages_permissions_environment_and_no_races() -> None:
    workflow = _load()
    assert workflow["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert _uses(deploy) == ["actions/deploy-pages"]


def test_every_action_is_pinned_to_a_major_version() -> None:
    workflow = _load()
    for name, job in workflow["jobs"].items():
        for step in _steps(job):
            if "uses" in step:
                _, _, version = step["uses"].partition("@")
                assert version.startswith("v") and version[1:].isdigit(), f"{name}: {step['uses']}"


def test_check_is_the_first_step_after_the_install_with_a_dutch_name() -> None:
    build = _load()["jobs"]["build"]
    runs = [step for step in _steps(build) if "run" in step]
    assert "pip install" in runs[0]["run"]
    check = runs[1]
    assert check["run"] == "python build.py check"
    assert check["name"].startswith("Inhoud controleren")
