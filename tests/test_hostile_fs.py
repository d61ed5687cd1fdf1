"""A hostile file system: output folders a build must not replace, odd files in content/, a full
disk, signals during the write, and a build cache planted by someone else.

Every case ends in a Dutch message naming the path, exit 1 or 2, no Python traceback, the previous
output byte for byte as it was and nothing left behind. The output-folder cases run against a
throwaway copy of the project (build.ROOT points there), never against this repository.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

import build
from sitegen import write

MARKER = write.OUTPUT_MARKER


def snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry below root, links and folders included, without following links."""
    found: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path).encode())
            elif path.is_dir():
                found[rel] = ("dir", b"")
            elif path.is_file():
                found[rel] = ("file", path.read_bytes())
            else:
                found[rel] = ("other", b"")
    return found


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's layout with build.ROOT pointing at it; the working directory."""
    root = tmp_path / "project"
    shutil.copytree(SAMPLE / "content", root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "assets", root / "assets")
    for rel, text in {
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/objects/ab/cdef": "blob",
        "sitegen/__init__.py": "",
        "tests/test_x.py": "",
        "docs/editors.md": "# Handleiding\n",
        ".cache/build/0123456789abcdef/last-build": "x",
        "README.md": "# Project\n",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    monkeypatch.setattr(build, "ROOT", root)
    monkeypatch.chdir(root)
    return root


# --- item 2: output folders a build must not replace ------------------------------------------------

REFUSED_OUTPUTS = [
    (".git", "de uitvoermap .git is .git, een map die het project leest of bewaart"),
    (".git/objects", "de uitvoermap .git/objects ligt in .git"),
    ("content", "de uitvoermap content is content"),
    ("content/igs", "de uitvoermap content/igs ligt in content"),
    ("content/nieuw", "de uitvoermap content/nieuw ligt in content"),
    ("templates", "de uitvoermap templates is templates"),
    ("sitegen", "de uitvoermap sitegen is sitegen"),
    ("tests/site", "de uitvoermap tests/site ligt in tests"),
    ("docs", "de uitvoermap docs is docs"),
    (".cache", "de uitvoermap .cache bevat .cache/build"),
    (".cache/build/0123456789abcdef", "ligt in .cache/build"),
    (".", "de uitvoermap . bevat "),
    ("README.md", "README.md is een bestand, geen map"),
    ("README.md/site", "README.md is een bestand, geen map"),
]


@pytest.mark.parametrize(("output", "message"), REFUSED_OUTPUTS, ids=[o for o, _ in REFUSED_OUTPUTS])
@pytest.mark.parametrize("command", ["build", "serve"])
def test_output_folders_the_project_needs_are_refused(
    project: Path, run_cli, command: str, output: str, message: str
) -> None:
    before = snapshot(project)
    code, out, err = run_cli(command, "--output", output)
    assert code == 2, err
    assert message in err
    assert err.startswith(f"build.py{' serve' if command == 'serve' else ''}: ")
    assert "Traceback" not in err and out == ""
    assert snapshot(project) == before


def test_output_inside_a_given_content_folder_is_refused(project: Path, run_cli, tmp_path: Path) -> None:
    content = tmp_path / "elders" / "inhoud"
    shutil.copytree(SAMPLE / "content", content)
    before = snapshot(tmp_path / "elders")
    code, _, err = run_cli("build", "--content", str(content), "--output", str(content / "site"))
    assert code == 2
    assert f"ligt in {content}" in err
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "elders"))
    assert code == 2
    assert f"bevat {content}" in err
    assert snapshot(tmp_path / "elders") == before


def test_links_files_and_foreign_folders_are_refused(project: Path, run_cli, tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    assert run_cli("build", "--output", str(earlier))[0] == 0
    link = tmp_path / "link"
    link.symlink_to(earlier, target_is_directory=True)
    file = tmp_path / "bestand.txt"
    file.write_text("bewaar mij")
    foreign = tmp_path / "foto's"
    (foreign / "2025").mkdir(parents=True)
    (foreign / "2025" / "zomer.jpg").write_bytes(b"\xff\xd8 foto")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    before = snapshot(tmp_path)
    cases = [
        (link, "is een symbolische koppeling"),
        (file, "is een bestand, geen map"),
        (fifo, "is een bestand, geen map"),
        (foreign, f"bestaat al en is geen eerdere uitvoer van build.py (het bestand {MARKER} ontbreekt)"),
    ]
    for output, message in cases:
        for command in ("build", "serve"):
            code, _, err = run_cli(command, "--output", str(output))
            assert code == 2, err
            assert str(output) in err and message in err
    assert snapshot(tmp_path) == before


def test_normal_outputs_still_build(project: Path, run_cli, tmp_path: Path) -> None:
    new = tmp_path / "nieuw" / "site"
    code, _, err = run_cli("build", "--output", str(new))
    assert code == 0, err
    assert (new / MARKER).is_file() and (new / "index.html").is_file()
    code, _, err = run_cli("build", "--no-cache", "--output", str(new))  # an earlier output is replaced
    assert code == 0, err
    empty = tmp_path / "leeg"  # as CI's mktemp -d makes it
    empty.mkdir()
    code, _, err = run_cli("build", "--output", str(empty))
    assert code == 0, err
    assert tree_bytes(empty) == tree_bytes(new)
    # The default output/ is the project's own (git-ignored, generated) and may predate the marker.
    (project / "output" / "igs").mkdir(parents=True)
    (project / "output" / "igs" / "oud.html").write_text("oude build")
    code, _, err = run_cli("build")
    assert code == 0, err
    assert tree_bytes(project / "output") == tree_bytes(new)


def test_the_preview_writes_the_marker(project: Path) -> None:
    from sitegen.pipeline import BuildOptions
    from sitegen.serve import Preview, PreviewState

    options = BuildOptions(project / "content", project / "templates", project / "assets", include_unpublished=True)
    preview = Preview(options, PreviewState(project / ".cache" / "preview", 8000), lambda: None)
    assert preview.rebuild()
    assert (project / ".cache" / "preview" / MARKER).is_file()
