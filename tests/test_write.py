"""The persistent output (sitegen/write.py): a rebuild writes only what changed and reads nothing
it wrote before; the manifest is trusted only as far as each file's stat agrees with it, so a
missing or damaged manifest, a tampered output and a deleted spare all end in exactly the new site.
Kills at every step are in test_crash.py."""

from __future__ import annotations

import builtins
import io
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, tree_bytes

from sitegen import write

SITE = {"index.html": b"<p>start</p>", "a/b.html": b"bbb", "a/c.html": b"ccc", "img/kaart.png": b"\x89PNG kaart"}
EDITED = {**SITE, "a/b.html": b"bbb, bewerkt"}


def _published(files: dict[str, bytes]) -> dict[str, bytes]:
    return write.with_marker(files)


def _inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


class _DiskLog:
    """Which files of the output and its build state (named relative to their parent) are opened
    for reading, and which are written with Path.write_bytes."""

    def __init__(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parent, self.read, self.written = str(out.parent), [], []
        self.roots = tuple(str(path) + os.sep for path in (out, write.state_dir(out)))
        real_open, real_os_open, real_write_bytes = io.open, os.open, Path.write_bytes

        def logged_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, Path)) and not any(c in mode for c in "wax+"):
                self._note(self.read, file)
            return real_open(file, mode, *args, **kwargs)

        def logged_os_open(path, flags, *args, **kwargs):
            if flags & (os.O_WRONLY | os.O_RDWR) == 0 and not os.path.isdir(path):
                self._note(self.read, path)
            return real_os_open(path, flags, *args, **kwargs)

        def logged_write_bytes(path: Path, data: bytes) -> int:
            self._note(self.written, path)
            return real_write_bytes(path, data)

        monkeypatch.setattr(builtins, "open", logged_open)
        monkeypatch.setattr(io, "open", logged_open)
        monkeypatch.setattr(os, "open", logged_os_open)
        monkeypatch.setattr(Path, "write_bytes", logged_write_bytes)

    def _note(self, log: list[str], path: object) -> None:
        text = os.fspath(path)
        if isinstance(text, str) and text.startswith(self.roots):
            log.append(os.path.relpath(text, self.parent))


def test_an_article_rebuild_writes_only_what_changed_and_reads_nothing(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    out = tmp_path / "site"
    article = content / "articles" / "project-x.md"

    def build(edit: str) -> None:
        article.write_text(article.read_text(encoding="utf-8") + f"\n{edit}\n", encoding="utf-8")
        code, _, err = run_cli("build", "--no-cache", "--content", str(content), "--output", str(out))
        assert code == 0, err

    build("Een eerste zin.")
    build("Een tweede zin.")  # the first build with a spare: it starts as links to the output
    before, inodes = tree_bytes(out), _inodes(out)
    log = _DiskLog(out, monkeypatch)
    build("Een derde zin.")
    monkeypatch.undo()
    after = tree_bytes(out)
    changed = sorted(rel for rel, data in after.items() if before.get(rel) != data)
    assert "verhalen/project-x/index.html" in changed and len(changed) < len(after) / 4
    assert sorted(rel.removeprefix(f".site.build-state/{write.SPARE}/") for rel in log.written) == changed
    assert log.read == [f".site.build-state/{write.MANIFEST}"]  # no page, no image: only the manifest
    assert {rel: ino for rel, ino in _inodes(out).items() if rel not in changed} == {
        rel: ino for rel, ino in inodes.items() if rel not in changed and rel in after
    }
    assert all(_inodes(out)[rel] != inodes.get(rel) for rel in changed)


def test_steady_rebuilds_write_only_the_changed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    for files in (SITE, EDITED):
        write.write_site(files, out)
    again = {**EDITED, "a/b.html": b"bbb, opnieuw bewerkt"}
    log = _DiskLog(out, monkeypatch)
    assert write.write_site(again, out) == 1
    assert log.written == [f".site.build-state/{write.SPARE}/a/b.html"]
    assert log.read == [f".site.build-state/{write.MANIFEST}"]
    assert tree_bytes(out) == _published(again)
    identity = os.stat(out).st_ino
    assert write.write_site(again, out) == 0  # the no-op: nothing written, nothing swapped
    assert os.stat(out).st_ino == identity
    assert write.write_site(EDITED, out) == 0  # back to the spare's generation: a swap, no write
    assert os.stat(out).st_ino != identity
    assert tree_bytes(out) == _published(EDITED)


def test_the_spare_is_build_state_beside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write.write_site(SITE, out)
    write.write_site(EDITED, out)
    state = tmp_path / ".site.build-state"
    assert write.state_dir(out) == state
    assert sorted(os.listdir(state)) == [write.MANIFEST, write.SPARE]
    assert tree_bytes(state / write.SPARE) == _published(SITE)  # the generation before
    assert tree_bytes(out) == _published(EDITED)


def _edit_in_place(path: Path) -> None:
    with open(path, "r+b") as stream:
        stream.write(b"X")


TAMPERING = {
    "edited-in-place": lambda out: _edit_in_place(out / "a" / "b.html"),
    "replaced": lambda out: (out / "a" / "c.html").unlink() or (out / "a" / "c.html").write_bytes(b"ccc"),
    "deleted": lambda out: (out / "index.html").unlink(),
    "stray-file": lambda out: (out / "a" / "los.html").write_bytes(b"los"),
    "stray-folder": lambda out: (out / "extra" / "diep").mkdir(parents=True),
    "link": lambda out: (out / "a" / "b.html").unlink() or (out / "a" / "b.html").symlink_to("/etc/hostname"),
    "folder-for-a-file": lambda out: shutil.rmtree(out / "img") or (out / "img").write_bytes(b"img"),
    "mode": lambda out: (out / "a" / "b.html").chmod(0o600),
    "spare-edited": lambda out: (write.state_dir(out) / write.SPARE / "a" / "c.html").write_bytes(b"CCC"),
    "spare-deleted": lambda out: shutil.rmtree(write.state_dir(out) / write.SPARE),
    "spare-is-a-link": lambda out: (
        shutil.rmtree(write.state_dir(out) / write.SPARE) or (write.state_dir(out) / write.SPARE).symlink_to(out)
    ),
}


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_repaired_by_the_next_build(tamper, tmp_path: Path) -> None:
    out = tmp_path / "site"
    for files in (EDITED, SITE, SITE):
        write.write_site(files, out)
    tamper(out)
    for files in (SITE, EDITED, SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)
        assert not (out / "a" / "b.html").is_symlink() and (out / "a" / "b.html").stat().st_mode & 0o777 == 0o644
    assert sorted(os.listdir(tmp_path)) == [".site.build-state", "site"]


DAMAGE = {
    "missing": lambda path: path.unlink(),
    "empty": lambda path: path.write_bytes(b""),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[:-40]),
    "not-json": lambda path: path.write_bytes(b"\x00\xff kapot"),
    "other-version": lambda path: path.write_text(json.dumps({**json.loads(path.read_text()), "version": 99})),
    "list": lambda path: path.write_text("[]"),
    "odd-records": lambda path: path.write_text(
        json.dumps(
            {
                "version": 1,
                "trees": {k: {"index.html": 5, "a/b.html": []} for k in json.loads(path.read_text())["trees"]},
            }
        )
    ),
    "a-folder": lambda path: path.unlink() or path.mkdir(),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_missing_or_damaged_manifest_is_distrusted(damage, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "site"
    for files in (EDITED, SITE):
        write.write_site(files, out)
    manifest = write.state_dir(out) / write.MANIFEST
    damage(manifest)
    caplog.set_level(logging.WARNING, "sitegen.write")
    assert write.write_site(SITE, out) == 0, "the output is read and found up to date (the old no-op)"
    assert tree_bytes(out) == _published(SITE)
    for files in (EDITED, SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)
    assert json.loads(manifest.read_text())["version"] == write.MANIFEST_VERSION


def test_a_manifest_that_cannot_be_saved_costs_only_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write.write_site(SITE, out)

    def full(path: Path, data: bytes, *, mode: int = 0o644) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(write, "write_file_atomic", full)
    assert write.write_site(EDITED, out) == 1
    monkeypatch.undo()
    assert tree_bytes(out) == _published(EDITED)
    for files in (SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)


@pytest.mark.parametrize("kind", ["foreign-file", "link", "file"])
def test_a_state_folder_that_is_not_ours_is_refused(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write.write_site(SITE, out)
    state = write.state_dir(out)
    shutil.rmtree(state)
    elsewhere = tmp_path / "bewaar"
    elsewhere.mkdir()
    (elsewhere / "foto.jpg").write_bytes(b"foto")
    if kind == "foreign-file":
        state.mkdir()
        (state / "foto.jpg").write_bytes(b"foto")
    elif kind == "link":
        state.symlink_to(elsewhere)
    else:
        state.write_bytes(b"iets")
    with pytest.raises(write.OutputPathError) as refused:
        write.check_output_dir(out, write.OutputRules(protected=()))
    assert ".site.build-state" in str(refused.value)
    with pytest.raises(write.OutputPathError):
        write.write_site(EDITED, out)
    assert tree_bytes(out) == _published(SITE)
    assert tree_bytes(elsewhere) == {"foto.jpg": b"foto"}


def test_without_hard_links_the_files_are_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system without hard links (FAT, some network shares): the spare gets copies."""
    import errno

    def refuse(source: object, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    out = tmp_path / "site"
    write.write_site(SITE, out)
    monkeypatch.setattr(os, "link", refuse)
    for files in (EDITED, SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)
