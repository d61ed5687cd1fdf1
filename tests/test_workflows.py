"""The GitHub Actions workflow: linted with actionlint, and its publishing contract checked as data."""

from __future__ import annotations

import os
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


def _step(job: dict[str, Any], needle: str) -> dict[str, Any]:
    return next(step for step in _steps(job) if needle in step.get("run", "") or needle in step.get("uses", ""))


def test_a_daily_scheduled_build_publishes_what_became_due() -> None:
    workflow = _load()
    triggers = workflow.get("on", workflow.get(True))
    (schedule,) = triggers["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*"), "once a day"
    # "Today" is the Belgian date, whatever the runner's clock says.
    assert workflow["env"]["TZ"] == "Europe/Brussels"
    # A scheduled run is not a pull request and runs on main: it uploads and deploys.
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    for condition in (_step(build, "actions/upload-pages-artifact")["if"], deploy["if"]):
        assert condition == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"


def test_every_pull_request_gets_a_preview_with_drafts_as_artifact_and_link() -> None:
    workflow = _load()
    triggers = workflow.get("on", workflow.get(True))
    assert set(triggers["pull_request"]["types"]) >= {"opened", "synchronize", "reopened", "closed"}
    preview = workflow["jobs"]["preview"]
    assert "pull_request" in preview["if"] and "closed" in preview["if"]
    build = _step(preview, "build.py build")
    assert "--drafts" in build["run"] and '--base-url "$url"' in build["run"]
    assert 'url="${SITE_URL%/}/voorbeeld/pr-$PR_NUMBER/"' in build["run"]
    artifact = _step(preview, "actions/upload-artifact")
    assert artifact["with"]["path"] == "voorbeeld/pr-${{ github.event.pull_request.number }}"
    # Published and linked only from branches of this repository: a fork's token cannot write.
    assert preview["env"]["PUBLISH"] == "${{ github.event.pull_request.head.repo.full_name == github.repository }}"
    publish, comment = _step(preview, "previews.sh put"), _step(preview, "previews.sh comment")
    assert publish["if"] == comment["if"] == "env.PUBLISH == 'true'"
    assert 'gh workflow run site.yml --ref "$DEFAULT_BRANCH"' in publish["run"]
    assert preview["permissions"] == {
        "contents": "write",
        "pages": "read",
        "actions": "write",
        "pull-requests": "write",
    }
    # Only the token every run gets: no secrets to set up.
    assert "secrets." not in WORKFLOW.read_text(encoding="utf-8")
    # Main's deployment carries the previews, after the HTML check of main's own pages.
    main_build = workflow["jobs"]["build"]
    names = [step.get("name", step.get("uses", "")) for step in _steps(main_build)]
    added = names.index("Add the previews of open pull requests")
    assert names.index("Validate the HTML (Nu Html Checker)") < added < names.index("Upload the site for Pages")
    assert "output/voorbeeld" in _step(main_build, "PREVIEW_BRANCH")["run"]
    failed = _step(preview, "previews.sh failed")
    assert failed["if"] == "failure() && env.PUBLISH == 'true'"
    assert "actions/runs/${{ github.run_id }}" in failed["env"]["RUN_URL"]
    removal = workflow["jobs"]["remove-preview"]
    assert "closed" in removal["if"] and "previews.sh remove" in _runs(removal)


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def _previews(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    script = ROOT / ".github" / "scripts" / "previews.sh"
    return subprocess.run(
        ["bash", str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_preview_script_keeps_one_folder_per_pull_request(tmp_path: Path) -> None:
    """Against a real (local) origin: put, replace and remove previews in the previews branch."""
    origin, clone = tmp_path / "origin.git", tmp_path / "clone"
    _git("init", "-q", "--bare", str(origin), cwd=tmp_path)
    _git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    site = tmp_path / "site"
    (site / "verhalen").mkdir(parents=True)
    (site / "index.html").write_text("eerste versie")
    (site / "verhalen" / "index.html").write_text("verhalen")
    assert _previews("put", "7", str(site), cwd=clone).returncode == 0
    (site / "index.html").write_text("tweede versie")
    assert _previews("put", "8", str(site), cwd=clone).returncode == 0
    assert _previews("put", "7", str(site), cwd=clone).returncode == 0
    files = _git("ls-tree", "-r", "--name-only", "voorbeelden", cwd=origin).split()
    assert files == ["README.md", "pr-7/index.html", "pr-7/verhalen/index.html", "pr-8/index.html",
                     "pr-8/verhalen/index.html"]  # fmt: skip
    assert _git("show", "voorbeelden:pr-7/index.html", cwd=origin) == "tweede versie"
    assert _previews("remove", "7", cwd=clone).returncode == 0
    assert _previews("remove", "7", cwd=clone).returncode == 3, "nothing to remove: no deployment needed"
    assert _git("ls-tree", "--name-only", "voorbeelden", cwd=origin).split() == ["README.md", "pr-8"]
    assert _git("rev-list", "--count", "voorbeelden", cwd=origin).strip() == "1", "no history of old previews"
    assert _git("status", "--porcelain", cwd=clone) == "", "the checkout is left as it was"
    assert _previews("put", "x; rm -rf /", str(site), cwd=clone).returncode == 2


def test_preview_script_posts_the_link_once_and_then_updates_it(tmp_path: Path) -> None:
    """The link is one comment on the pull request, updated on every new commit (gh faked here)."""
    bin_dir, log = tmp_path / "bin", tmp_path / "gh.log"
    bin_dir.mkdir()
    fake = bin_dir / "gh"
    fake.write_text(
        "#!/usr/bin/env bash\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        'if [ "$2" != "--method" ] && [ -f "$(dirname "$0")/existing" ]; then cat "$(dirname "$0")/existing"; fi\n'
    )
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", GITHUB_REPOSITORY="org/site")
    _git("init", "-q", str(tmp_path / "repo"), cwd=tmp_path)
    url = "https://org.github.io/site/voorbeeld/pr-12/"
    assert _previews("comment", "12", url, cwd=tmp_path / "repo", env=env).returncode == 0
    (bin_dir / "existing").write_text("4242\n")
    assert _previews("comment", "12", url, cwd=tmp_path / "repo", env=env).returncode == 0
    calls = log.read_text().splitlines()
    assert calls[0].startswith("api repos/org/site/issues/12/comments --paginate --jq")
    assert calls[1].startswith(
        "api --method POST repos/org/site/issues/12/comments -f body=<!-- voorbeeld-van-de-site -->"
    )
    assert f"**Voorbeeld van deze wijziging:** {url}" in log.read_text()
    methods = [line.split()[2] for line in calls if line.startswith("api --method")]
    assert methods == ["POST", "PATCH"]
    assert "api --method PATCH repos/org/site/issues/comments/4242 -f body=<!-- voorbeeld-van-de-site -->" in calls
    # A build that failed says so in the same comment, with the way to the errors.
    run = "https://github.com/org/site/actions/runs/7"
    assert _previews("failed", "12", run, cwd=tmp_path / "repo", env=env).returncode == 0
    text = log.read_text()
    assert text.count("api --method PATCH repos/org/site/issues/comments/4242") == 2
    assert "**Geen voorbeeld:** met deze wijziging kon de site niet gebouwd worden." in text
    assert f"[samenvatting van de controle]({run})" in text


def test_the_build_cache_and_search_shards_are_kept_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """CI restores the build cache (the search shards are in it) before the build and saves it after,
    with the key that seals it, keyed by the engine (code and pinned libraries)."""
    from sitegen.stores import key_path

    build = _load()["jobs"]["build"]
    names = [step.get("name", "") for step in _steps(build)]
    restore, build_step = _step(build, "actions/cache/restore"), _step(build, "build.py build --base-url")
    save = _step(build, "actions/cache/save")
    assert names.index("Tests") < names.index(restore["name"]) < names.index(build_step["name"])
    assert names.index(build_step["name"]) < names.index(save["name"])
    # The folders cached are the ones the build uses: its --cache folder and its key folder.
    env = build_step["env"]
    assert '--cache "$BUILD_CACHE"' in build_step["run"]
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    key_folder = key_path().parent.relative_to("/xdg").as_posix()
    paths = restore["with"]["path"].splitlines()
    assert paths == [env["BUILD_CACHE"], f"{env['XDG_CACHE_HOME']}/{key_folder}"]
    assert all(path.startswith("${{ runner.temp }}/") for path in paths), "the key never lies in the checkout"
    assert save["with"]["path"].splitlines() == paths
    # Keyed by the engine; each run saves a new entry and restores the newest of its engine.
    engine = "${{ hashFiles('sitegen/**', 'pyproject.toml', 'constraints.txt') }}"
    key, prefix = restore["with"]["key"], restore["with"]["restore-keys"]
    assert engine in prefix and key.startswith(prefix) and "${{ github.run_id }}" in key[len(prefix) :]
    assert save["with"]["key"] == "${{ steps.build-cache.outputs.cache-primary-key }}"
    assert restore["id"] == "build-cache"
