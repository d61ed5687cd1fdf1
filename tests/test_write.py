"""The persistent output (sitegen/write.py): a rebuild writes only what changed and reads nothing
it wrote before; the manifest is trusted only as far as each file's stat agrees with it, so a
missing or damaged manifest, a tampered output and a deleted spare all end in exactly the new site.
Kills at every step are in test_crash.py."""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen import write

SITE = {"index.html": b"<p>start</p>", "a/b.html": b"bbb", "a/c.html": b"ccc", "img/kaart.png": b"\x89PNG kaart"}
EDITED = {**SITE, "a/b.html": b"bbb, bewerkt"}


def _published(files: dict[str, bytes]) -> dict[str, bytes]:
    return write.with_marker(files)


def _inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


class _DiskLog:
    """Which files of the output and its build state (named relative to their parent) are opened
    for reading, and which are opened for writing by name (the manifest is written through a
    temporary file, os.open by tempfile); a file opened only to be flushed (write._fsync, on threads
    of its own) is listed as flushed, not read."""

    def __init__(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.parent, self.read, self.written, self.flushed = str(out.parent), [], [], []
        self.roots = tuple(str(path) + os.sep for path in (out, write.state_dir(out)))
        real_open, real_os_open, real_fsync = io.open, os.open, write._fsync
        flushing = threading.local()

        def logged_fsync(path: str) -> None:
            self._note(self.flushed, path)
            flushing.now = True
            try:
                real_fsync(path)
            finally:
                flushing.now = False

        def logged_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, Path)):
                self._note(self.written if any(c in mode for c in "wax+") else self.read, file)
            return real_open(file, mode, *args, **kwargs)

        def logged_os_open(path, flags, *args, **kwargs):
            if (
                flags & (os.O_WRONLY | os.O_RDWR) == 0
                and not os.path.isdir(path)
                and not getattr(flushing, "now", False)
            ):
                self._note(self.read, path)
            return real_os_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", logged_open)
        monkeypatch.setattr(io, "open", logged_open)
        monkeypatch.setattr(os, "open", logged_os_open)
        monkeypatch.setattr(write, "_fsync", logged_fsync)

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
    assert set(log.written) <= set(log.flushed)  # each made durable before the swap
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
    assert write.write_site(again, out).written == 1
    assert log.written == [f".site.build-state/{write.SPARE}/a/b.html"]
    assert log.read == [f".site.build-state/{write.MANIFEST}"]
    assert tree_bytes(out) == _published(again)
    identity = os.stat(out).st_ino
    assert write.write_site(again, out).written == 0  # the no-op: nothing written, nothing swapped
    assert os.stat(out).st_ino == identity
    assert write.write_site(EDITED, out).written == 0  # back to the spare's generation: a swap, no write
    assert os.stat(out).st_ino != identity
    assert tree_bytes(out) == _published(EDITED)


@pytest.mark.parametrize("whole", [False, True], ids=["each-entry", "whole-file-system"])
@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "renames"])
def test_the_swap_waits_for_the_flush(
    whole: bool, exchange: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new tree is flushed before the swap, also where the whole file system is flushed on
    another thread while the manifest is made; and the manifest names the new output's tree (its
    folder key taken before the swap), so the next rebuild trusts its records."""
    out = tmp_path / "site"
    for files in (SITE, EDITED):
        write.write_site(files, out)
    if whole:
        monkeypatch.setattr(write, "_FSYNC_AT_MOST", 0)
    events: list[str] = []
    real_flush, real_swap = write._flush, write._swap

    def slow_flush(root: Path, entries=None) -> None:
        time.sleep(0.2)  # longer than making the manifest of four files
        real_flush(root, entries)
        events.append("flushed")

    def swap(spare: Path, output_dir: Path) -> None:
        events.append("swap")
        real_swap(spare, output_dir)

    monkeypatch.setattr(write, "_flush", slow_flush)
    monkeypatch.setattr(write, "_swap", swap)
    if not exchange:
        monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    again = {**EDITED, "a/b.html": b"bbb, opnieuw bewerkt"}
    assert write.write_site(again, out).written == 1
    assert events == ["flushed", "swap"]
    assert tree_bytes(out) == _published(again)
    trees = write._read_manifest(write.state_dir(out) / write.MANIFEST)
    output = trees[write._tree_key(out)]
    assert output.base is not None and output.records.keys() == _published(again).keys()
    log = _DiskLog(out, monkeypatch)
    assert write.write_site({**again, "a/c.html": b"ccc, bewerkt"}, out).written == 1
    assert log.written == [f".site.build-state/{write.SPARE}/a/c.html"]  # every other record trusted


def test_a_small_rebuild_flushes_what_it_wrote_and_the_folders_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file written anew and each folder whose entries changed is fsync-ed before the swap (not
    the whole file system); a rebuild that writes many files flushes the file system at once."""
    out = tmp_path / "site"
    for files in (SITE, EDITED):
        write.write_site(files, out)
    synced: list[str] = []
    monkeypatch.setattr(write, "_fsync", synced.append)
    real = write.libc()
    renameat2 = getattr(real, "renameat2", None)

    def whole_file_system(fd: int) -> int:
        pytest.fail("the whole file system flushed")

    monkeypatch.setattr(write, "libc", lambda: SimpleNamespace(renameat2=renameat2, syncfs=whole_file_system))
    again = {**EDITED, "a/b.html": b"bbb, opnieuw bewerkt", "x/y/z.html": b"zzz"}
    del again["a/c.html"]
    write.write_site(again, out)
    spare = str(write.state_dir(out) / write.SPARE)
    made = {f"{spare}/a/b.html", f"{spare}/x/y/z.html"}
    assert set(synced) == {*made, spare, f"{spare}/a", f"{spare}/x", f"{spare}/x/y"}  # x made in the root
    assert tree_bytes(out) == _published(again)

    def failing(path: str) -> None:
        raise OSError(errno.EIO, "Input/output error", path)

    monkeypatch.setattr(write, "_fsync", failing)
    with pytest.raises(OSError):
        write.write_site(EDITED, out)
    assert tree_bytes(out) == _published(again)  # never swapped: the previous site stays

    monkeypatch.setattr(write, "_fsync", synced.append)
    synced.clear()
    flushed: list[int] = []
    monkeypatch.setattr(write, "_FSYNC_AT_MOST", 2)
    monkeypatch.setattr(
        write, "libc", lambda: SimpleNamespace(renameat2=renameat2, syncfs=lambda fd: flushed.append(fd) or 0)
    )
    write.write_site({**again, "a/b.html": b"b", "a/c.html": b"c"}, out)
    assert not synced and len(flushed) == 1


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


def _assert_builds_repair(out: Path) -> None:
    """The next builds publish exactly their files, as plain files, and leave nothing else beside `out`."""
    for files in (SITE, EDITED, SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)
        assert not (out / "a" / "b.html").is_symlink() and (out / "a" / "b.html").stat().st_mode & 0o777 == 0o644
    assert sorted(os.listdir(out.parent)) == [".site.build-state", "site"]


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_repaired_by_the_next_build(tamper, tmp_path: Path) -> None:
    out = tmp_path / "site"
    for files in (EDITED, SITE, SITE):
        write.write_site(files, out)
    tamper(out)
    _assert_builds_repair(out)


def _sections(path: Path) -> list[tuple[dict, dict[str, str]]]:
    """Each section of a manifest as (its header, its parts by name); the version line first."""
    text = path.read_bytes().decode("utf-8", "surrogatepass")
    first, _, rest = text.partition("\n")
    found: list[tuple[dict, dict[str, str]]] = [(json.loads(first), {})]
    while rest:
        head, _, rest = rest.partition("\n")
        header, parts = json.loads(head), {}
        for name in write._PARTS:
            if name in header:
                parts[name], rest = rest[: header[name]], rest[header[name] :]
        assert rest[:1] == "\n"
        found.append((header, parts))
        rest = rest[1:]
    return found


def _lines(path: Path) -> list[dict]:
    return [header for header, _ in _sections(path)]


def _rewritten(path: Path, change) -> None:
    """The manifest with change(header, parts) -> (header, parts) applied to each section (the
    sizes in the headers follow the parts)."""
    text = ""
    for header, parts in _sections(path):
        header, parts = change(header, parts)
        if not parts:
            text += json.dumps(header) + "\n"
            continue
        sizes = {name: len(parts[name]) for name in write._PARTS if name in parts}
        text += json.dumps({**header, **sizes}) + "\n" + "".join(parts[name] for name in sizes) + "\n"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))


def _header_size(header: dict, name: str, change) -> dict:
    """A section's header with the size of one of its parts changed (and the parts as they were)."""
    return {**header, name: change(header[name])} if name in header else header


DAMAGE = {
    "missing": lambda path: path.unlink(),
    "empty": lambda path: path.write_bytes(b""),
    "truncated": lambda path: path.write_bytes(path.read_bytes()[:-40]),
    "not-json": lambda path: path.write_bytes(b"\x00\xff kapot"),
    "other-version": lambda path: _rewritten(
        path, lambda line, parts: ({**line, "version": 99} if "version" in line else line, parts)
    ),
    "list": lambda path: path.write_text("[]"),
    "no-trees": lambda path: _rewritten(path, lambda line, parts: (line, parts) if "version" in line else ([], {})),
    "odd-records": lambda path: _rewritten(
        path,
        lambda line, parts: (
            line,
            {**parts, "records": "index.html\0" + parts["records"]} if "records" in parts else parts,
        ),
    ),
    "sizes-too-short": lambda path: path.write_bytes(
        "".join(
            json.dumps(_header_size(line, "records", lambda size: size - 1)) + "\n" + "".join(parts.values()) + "\n"
            if parts
            else json.dumps(line) + "\n"
            for line, parts in _sections(path)
        ).encode()
    ),
    "sizes-past-the-end": lambda path: path.write_bytes(
        "".join(
            json.dumps(_header_size(line, "folders", lambda size: size + 10**6)) + "\n" + "".join(parts.values()) + "\n"
            if parts
            else json.dumps(line) + "\n"
            for line, parts in _sections(path)
        ).encode()
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
    assert write._read_manifest(manifest) == {}, "nothing of a damaged manifest is believed"
    assert write.write_site(SITE, out).written == 0, "the output is read and found up to date (the old no-op)"
    assert tree_bytes(out) == _published(SITE)
    for files in (EDITED, SITE, EDITED):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)
    assert _lines(manifest)[0] == {"version": write.MANIFEST_VERSION}
    assert [sorted(line) for line in _lines(manifest)] == [  # the header, the base, the output's tree, the spare's
        ["version"],
        ["base", "records"],
        ["folders", "gone", "records", "tree"],
        ["folders", "gone", "records", "tree"],
    ]


# Names no build of the shipped site makes, but a site may: the manifest holds each exactly.
ODD_NAMES = {
    "a/met\nnieuwe regel.html": b"nl",
    "é/ü ñ.html": b"accent",
    "a/tab\tin.html": b"tab",
    'a/{"tree":"x","records":3}.html': b"json",
    "z/\udcff.html": b"surrogate",  # a name os.fsdecode gives for a byte that is not UTF-8
}


def test_the_manifest_holds_any_name_a_build_writes(tmp_path: Path) -> None:
    """Names with a newline, a tab, accents, JSON and an undecodable byte: the manifest records each
    as it is, so the next build finds the output up to date and its state is the no-op check's."""
    out = tmp_path / "site"
    site = {**SITE, **ODD_NAMES}
    for files in (site, {**site, "a/b.html": b"anders"}, site):
        result = write.write_site(files, out, versions=_versions(files))
        assert tree_bytes(out) == _published(files)
    trees = write._read_manifest(write.state_dir(out) / write.MANIFEST)
    output = trees[write._tree_key(out)]
    assert output.records.keys() == _published(site).keys()
    assert write.output_state(out) == result.state
    assert write.write_site(site, out, versions=_versions(site)).written == 0


def test_a_name_with_a_nul_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    """The manifest separates its strings by NUL: a name holding one is refused like a name that
    climbs out of the output, before the output or its build state is touched."""
    out = tmp_path / "site"
    write.write_site(SITE, out)
    before = tree_bytes(tmp_path)
    with pytest.raises(write.OutputPathError, match="NUL"):
        write.write_site({**SITE, "a/b\0c.html": b"nul"}, out)
    assert tree_bytes(tmp_path) == before


def test_a_manifest_cut_off_anywhere_is_refused_or_holds_whole_sections(tmp_path: Path) -> None:
    """Every prefix of a manifest (a write cut off by a full disk, a copy broken off) is either
    refused as a whole or, cut right after a section, gives exactly the trees of the sections it
    holds: never a tree with part of its records."""
    out = tmp_path / "site"
    for files in (SITE, {**EDITED, **ODD_NAMES}, SITE):
        write.write_site(files, out)
    path = write.state_dir(out) / write.MANIFEST
    data = path.read_bytes()
    whole = write._parse_manifest(data)
    assert len(whole) == 2  # the output's tree and the spare's
    ends, at = set(), 0
    for header, parts in _sections(path):
        separators = (",", ":") if parts else None  # the version line is written with spaces
        text = json.dumps(header, separators=separators) + "\n" + "".join(parts.values()) + ("\n" if parts else "")
        at += len(text.encode("utf-8", "surrogatepass"))
        ends.add(at)
    assert max(ends) == len(data)
    for size in range(len(data)):
        try:
            trees = write._parse_manifest(data[:size])
        except (ValueError, TypeError):
            assert size not in ends, f"a manifest cut right after a section, at byte {size}, was refused"
            continue
        assert size in ends, f"a manifest cut off at byte {size} of {len(data)} was believed"
        for key, tree in trees.items():
            assert tree.records == whole[key].records
            assert tree.folders in ({}, whole[key].folders)


def test_a_manifest_that_cannot_be_saved_costs_only_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write.write_site(SITE, out)

    def full(path: Path, data: bytes, *, mode: int = 0o644) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(write, "write_file_atomic", full)
    assert write.write_site(EDITED, out).written == 1
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


class _Lazy(Mapping[str, bytes]):
    """Files whose bytes are fetched on `[]`, as a build's may be: notes which were fetched."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.fetched = files, []

    def __getitem__(self, rel: str) -> bytes:
        self.fetched.append(rel)
        return self.files[rel]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def _versions(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: hashlib.blake2b(data, digest_size=20).digest() for rel, data in files.items()}


def test_a_file_whose_version_is_unchanged_is_neither_fetched_nor_digested(tmp_path: Path) -> None:
    out = tmp_path / "site"
    for files in (SITE, EDITED):
        write.write_site(files, out, versions=_versions(files))
    again = {**EDITED, "a/b.html": b"bbb, opnieuw bewerkt", "nieuw.html": b"nieuw"}
    lazy = _Lazy(again)
    result = write.write_site(lazy, out, versions=_versions(again))
    assert sorted(lazy.fetched) == ["a/b.html", "a/b.html", "nieuw.html", "nieuw.html"]  # digested, written
    assert (result.written, tree_bytes(out)) == (2, _published(again))
    lazy = _Lazy(again)
    assert write.write_site(lazy, out, versions=_versions(again)).written == 0
    assert lazy.fetched == []  # the no-op, decided by versions, stats and nothing else
    # Without versions every file is digested again (the bytes are all fetched), as before.
    lazy = _Lazy(again)
    assert write.write_site(lazy, out).written == 0
    assert sorted(lazy.fetched) == sorted(again)


def test_an_equal_version_is_trusted_for_equal_bytes(tmp_path: Path) -> None:
    """The contract: an equal version means equal bytes, so the write stage does not look."""
    out = tmp_path / "site"
    write.write_site(SITE, out, versions=_versions(SITE))
    write.write_site(EDITED, out, versions=_versions(EDITED))
    broken = {**EDITED, "a/c.html": b"other bytes behind the same version"}
    assert write.write_site(broken, out, versions=_versions(EDITED)).written == 0
    assert tree_bytes(out) == _published(EDITED)
    assert write.write_site(broken, out, versions=_versions(broken)).written == 1
    assert tree_bytes(out) == _published(broken)


def test_a_new_version_of_the_same_bytes_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page whose key changed but whose bytes did not is digested once, then skipped again."""
    out = tmp_path / "site"
    for files in (SITE, EDITED):
        write.write_site(files, out, versions=_versions(files))
    renamed = {rel: b"new:" + version for rel, version in _versions(EDITED).items()}
    lazy = _Lazy(EDITED)
    assert write.write_site(lazy, out, versions=renamed).written == 0
    assert sorted(lazy.fetched) == sorted(EDITED)
    lazy = _Lazy(EDITED)
    assert write.write_site(lazy, out, versions=renamed).written == 0
    assert lazy.fetched == []


class _Calls:
    """The system calls of the write stage that look at files: stat, lstat, open of a file, and
    the stat of a folder entry (os.scandir's entries are wrapped)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts = {"stat": 0, "entry-stat": 0, "open": 0, "scandir": 0}
        real_lstat, real_stat, real_open, real_scandir = os.lstat, os.stat, builtins.open, os.scandir
        counts = self.counts

        def counted(name, real):
            def run(*args, **kwargs):
                counts[name] += 1
                return real(*args, **kwargs)

            return run

        class Entry:
            def __init__(self, entry: os.DirEntry) -> None:
                self.entry, self.name, self.path = entry, entry.name, entry.path

            def is_dir(self, **kwargs) -> bool:
                return self.entry.is_dir(**kwargs)

            def is_file(self, **kwargs) -> bool:
                return self.entry.is_file(**kwargs)

            def stat(self, **kwargs) -> os.stat_result:
                counts["entry-stat"] += 1
                return self.entry.stat(**kwargs)

        @contextlib.contextmanager
        def scandir(path):
            counts["scandir"] += 1
            with real_scandir(path) as entries:
                yield (Entry(entry) for entry in entries)

        monkeypatch.setattr(os, "lstat", counted("stat", real_lstat))
        monkeypatch.setattr(os, "stat", counted("stat", real_stat))
        monkeypatch.setattr(builtins, "open", counted("open", real_open))
        monkeypatch.setattr(os, "scandir", scandir)


def _site_of(size: int) -> dict[str, bytes]:
    return {f"verhalen/v{i:04d}/index.html": f"<p>{i}</p>".encode() for i in range(size)} | {"index.html": b"start"}


@pytest.mark.parametrize("lazy", [False, True], ids=["digested", "versions"])
def test_a_one_file_rebuild_costs_one_stat_per_file_and_nothing_that_grows_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lazy: bool
) -> None:
    """The one walk of the spare stats each file once (it is the only way to see a file edited in
    place) and each folder once (its record for the next build); every other stat, open and link is
    about the files that changed, whatever the size. (Here every folder changed within the racy
    window, so each is listed: see test_vouched_folders_are_not_listed for settled ones.)"""
    counts = {}
    for size in (20, 400):
        out = tmp_path / str(size) / "site"
        site = _site_of(size)
        write.write_site(site, out, versions=_versions(site) if lazy else None)  # the first build
        for round_ in range(2):
            site = {**site, "verhalen/v0003/index.html": f"<p>bewerkt {round_}</p>".encode()}
            calls = _Calls(monkeypatch) if round_ == 1 else None
            assert write.write_site(site, out, versions=_versions(site) if lazy else None).written == 1
            monkeypatch.undo()
        assert tree_bytes(out) == _published(site)
        files, folders = size + 2, size + 1  # the pages, the home page and the marker; the folders
        counts[size] = calls.counts
        assert calls.counts["entry-stat"] == files - 1  # one walk, one stat per file that may stay
        assert calls.counts["scandir"] == folders + 1
    small, large = counts[20], counts[400]
    assert large["stat"] - small["stat"] == 400 - 20  # one per folder
    assert small["open"] == large["open"] <= 2  # the manifest, the one file written
    assert small["stat"] - 20 < 25


REFUSED = ["", ".", "..", "/etc/x", "../buiten.html", "a/../../x", "a//b.html", "a/./b.html", "a/", "./a.html", "a/.."]
ACCEPTED = ["...", "a/..b/c.html", ".well-known/x.txt", "a b/c d.html", "a/b/c/d/e/f.html"]


@pytest.mark.parametrize("name", REFUSED + ACCEPTED)
def test_write_site_refuses_exactly_the_paths_check_rel_refuses(name: str, tmp_path: Path) -> None:
    """The write stage checks each folder once instead of each path: the same rules (safe_join's)."""
    out = tmp_path / "site"
    write.write_site(SITE, out)
    before = tree_bytes(tmp_path)
    files = {**SITE, "a/x/y.html": b"y", name: b"x"}
    if name in REFUSED:
        with pytest.raises(write.OutputPathError):
            write.check_rel(name)
        with pytest.raises(write.OutputPathError):
            write.write_site(files, out)
        assert tree_bytes(tmp_path) == before  # refused before anything is touched
    else:
        write.check_rel(name)
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)


def test_a_path_that_is_both_a_file_and_a_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    with pytest.raises(write.OutputPathError):
        write.write_site({"a": b"a", "a/b.html": b"b"}, out)
    assert not out.exists()


OUTPUT_TAMPERING = {name: TAMPERING[name] for name in TAMPERING if not name.startswith("spare")}


@pytest.mark.parametrize("tamper", OUTPUT_TAMPERING.values(), ids=OUTPUT_TAMPERING.keys())
def test_the_state_a_build_leaves_is_the_state_the_no_op_check_sees(tamper, tmp_path: Path) -> None:
    """Written.state (computed from the manifest, no walk) equals output_state (a walk) until
    anything in the output changes."""
    out = tmp_path / "site"
    for files in (SITE, EDITED, EDITED, SITE):
        result = write.write_site(files, out, versions=_versions(files))
        assert write.output_state(out) == result.state
    tamper(out)
    assert write.output_state(out) != result.state
    result = write.write_site(SITE, out)
    assert write.output_state(out) == result.state and tree_bytes(out) == _published(SITE)


def test_a_damaged_manifest_is_never_an_up_to_date_output(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write.write_site(SITE, out)
    manifest = write.state_dir(out) / write.MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:-40])
    assert write.output_state(out) == b""
    again = write.write_site(SITE, out)  # read, found as it was, recorded again
    assert again.written == 0 and again.state
    assert write.output_state(out) == again.state


def test_a_cached_build_walks_the_output_only_to_decide_a_no_op(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The no-op check walks the output only when the inputs are unchanged (the one case where that
    decides anything), and a tampered output is never taken for up to date."""
    from sitegen import fingerprint

    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)  # the copy's ctimes are new (they cannot be set back)
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    old = time.time() - 3600  # so that the no-op check trusts the inputs' mtimes
    for path in [content, *content.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    out = tmp_path / "site"
    args = ("build", "--no-admin", "--content", str(content), "--output", str(out), "--cache", str(tmp_path / "c"))
    assert run_cli(*args)[0] == 0
    walks = []
    monkeypatch.setattr(fingerprint, "output_state", lambda root: walks.append(root) or write.output_state(root))
    code, stdout, _ = run_cli(*args)
    assert code == 0 and stdout.startswith("Niets gewijzigd") and len(walks) == 1
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nEen zin.\n", encoding="utf-8")
    os.utime(article, (old + 60, old + 60))
    code, stdout, err = run_cli(*args)
    assert code == 0 and "Niets gewijzigd" not in stdout and len(walks) == 1, err
    built = tree_bytes(out)
    code, stdout, _ = run_cli(*args)
    assert code == 0 and stdout.startswith("Niets gewijzigd") and len(walks) == 2
    (out / "index.html").write_bytes(b"<p>vervangen</p>")
    code, stdout, err = run_cli(*args)
    assert code == 0 and "Niets gewijzigd" not in stdout, err
    assert tree_bytes(out) == built


# --- folders whose listing the manifest vouches for -------------------------------------------------

SETTLE = 0.06  # longer than the racy window below: folders this old at a build's look are vouched for


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A racy window of 50 ms (longer than a tick of the kernel's file clock) instead of 3 s, so that
    a test can let the folders settle and the next builds vouch for them instead of listing them."""
    monkeypatch.setattr(write, "RACY_WINDOW_NS", 50_000_000)


def _settled(out: Path, sites: list[dict[str, bytes]]) -> None:
    for files in sites:
        write.write_site(files, out)
        time.sleep(SETTLE)


@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_repaired_where_folders_are_vouched_for(trusting, tamper, tmp_path: Path) -> None:
    """As test_tampering_is_repaired_by_the_next_build, with every folder of both trees vouched
    for: an entry added, removed or renamed sets its folder's ctime (listed again), an edit in
    place or a new mode its file's stat."""
    out = tmp_path / "site"
    _settled(out, [EDITED, SITE] * 3)
    trees = write._read_manifest(write.state_dir(out) / write.MANIFEST)
    assert len(trees) == 2 and all(tree.folders for tree in trees.values())
    assert all(record != write.UNSURE for tree in trees.values() for record in tree.folders.values())
    tamper(out)
    _assert_builds_repair(out)


def test_a_folder_changed_within_the_racy_window_is_not_vouched_for(tmp_path: Path) -> None:
    """A folder changed within the racy window before a build looked at it is listed by the next
    build (a change right after the look could leave the same ctime), as is one the build changed."""
    out = tmp_path / "site"
    for files in (SITE, EDITED, SITE, EDITED):
        write.write_site(files, out)
    trees = write._read_manifest(write.state_dir(out) / write.MANIFEST)
    assert all(record == write.UNSURE for tree in trees.values() for record in tree.folders.values())


def test_vouched_folders_are_not_listed(trusting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-file rebuild lists only the folders whose entries changed (and the top folder, which
    every swap changes): every other folder costs one stat, every file that may stay one stat, and
    nothing else grows with the site."""
    counts = {}
    for size in (20, 400):
        out = tmp_path / str(size) / "site"
        site = _site_of(size)
        _settled(out, [site])
        for round_ in range(3):
            site = {**site, "verhalen/v0003/index.html": f"<p>bewerkt {round_}</p>".encode()}
            calls = _Calls(monkeypatch) if round_ == 2 else None
            assert write.write_site(site, out).written == 1
            monkeypatch.undo()
            monkeypatch.setattr(write, "RACY_WINDOW_NS", 50_000_000)
            time.sleep(SETTLE)
        assert tree_bytes(out) == _published(site)
        counts[size] = calls.counts
    small, large = counts[20], counts[400]
    assert small["scandir"] == large["scandir"] == 2  # the top folder and verhalen/v0003
    assert small["open"] == large["open"] <= 2
    grown = large["stat"] + large["entry-stat"] - small["stat"] - small["entry-stat"]
    assert grown == 2 * (400 - 20)  # a stat per folder and per file more


def test_the_write_stage_sets_off_no_garbage_collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write stage makes no reference cycles, and its allocations (some 100,000 at 300x10,000)
    would set off a full collection over everything a build holds: the collector rests while it
    looks at the trees and writes, and is as it was afterwards."""
    import gc

    seen: list[bool] = []
    for step in ("_digests", "_survey", "_write_manifest", "_make_twice"):
        real = getattr(write, step)
        monkeypatch.setattr(write, step, lambda *args, real=real: seen.append(gc.isenabled()) or real(*args))
    was_enabled = gc.isenabled()  # (another test may have left it off)
    gc.enable()
    try:
        for site in (SITE, EDITED):
            write.write_site(site, tmp_path / "site")
            assert gc.isenabled()
        gc.disable()
        write.write_site(SITE, tmp_path / "site")
        assert not gc.isenabled()  # left off when it was off
    finally:
        if was_enabled:
            gc.enable()
    assert len(seen) > 4 and not any(seen)
    assert tree_bytes(tmp_path / "site") == _published(SITE)


# --- the look at the spare, taken ahead while the build renders --------------------------------------


def _inotify_works() -> bool:
    from sitegen.inotify import Watch

    try:
        Watch().close()
    except OSError:
        return False
    return write.can_fork()


needs_lookahead = pytest.mark.skipif(not _inotify_works(), reason="no fork or no inotify: the write stage looks itself")


class _Ahead:
    """A Lookahead whose child has looked (the test may change things only after that), and the
    trees the write stage then surveyed itself."""

    def __init__(self, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        reader, writer = os.pipe()
        real, test, self.surveyed = write._survey, os.getpid(), []

        def survey(root: str, *args, **kwargs):
            found = real(root, *args, **kwargs)
            if os.getpid() != test:
                os.write(writer, b"L")  # in the child: the look is done
            else:
                self.surveyed.append(os.path.basename(root))
            return found

        monkeypatch.setattr(write, "_survey", survey)
        self.ahead = write.Lookahead(out)
        os.close(writer)
        with os.fdopen(reader, "rb") as stream:
            assert stream.read(1) == b"L", "the child did not look"


# The sites a build goes through: a changed page, a page gone with its folder, a file that becomes a
# folder and back, a folder that returns, an unchanged page (test_crash.SITES, each with the one before).
AHEAD_SITES = [
    {"index.html": b"nul", "a/b.html": b"b0", "a/c.html": b"c", "weg/x.html": b"x", "d.html": b"d"},
    {"index.html": b"een", "a/b.html": b"b0", "a/c.html": b"c", "d.html": b"d", "n/m/nieuw.html": b"nieuw"},
    {"index.html": b"twee", "a/b.html": b"b2", "a/c/index.html": b"c", "weg/x.html": b"x2", "d.html": b"d"},
    {"index.html": b"drie", "a/b.html": b"b2", "n/m/nieuw.html": b"nieuw", "d.html": b"d3"},
    {"index.html": b"drie", "a/b.html": b"b2", "a/c.html": b"c", "d.html": b"d3", "n/m/nieuw.html": b"nieuw"},
]


@needs_lookahead
@pytest.mark.parametrize("settled", [False, True], ids=["listed", "vouched-folders"])
def test_the_look_taken_ahead_is_the_write_stages_survey(settled: bool, tmp_path: Path, monkeypatch) -> None:
    """Whatever the next site keeps, drops, moves or adds, a build that took the look at the spare
    ahead gives exactly its site, as a build that looks at the write stage does, and does not look
    at the spare again."""
    if settled:
        monkeypatch.setattr(write, "RACY_WINDOW_NS", 50_000_000)
    out = tmp_path / "site"
    sites = AHEAD_SITES * 2
    for files in sites[:2]:
        write.write_site(files, out)
        time.sleep(SETTLE if settled else 0)
    for files in sites[2:] + sites[-2::-1]:
        look = _Ahead(out, monkeypatch)
        result = write.write_site(files, out, versions=_versions(files), ahead=look.ahead)
        monkeypatch.undo()
        assert tree_bytes(out) == _published(files)
        assert write.output_state(out) == result.state
        assert write.SPARE not in look.surveyed
        time.sleep(SETTLE if settled else 0)
    assert write.write_site(files, out).written == 0  # and the manifest they left is as a survey's


def _spare(out: Path) -> Path:
    return write.state_dir(out) / write.SPARE


# Changes made after the child looked and before the write stage: each would leave a wrong output if
# the write stage trusted the look (the spare holds the generation the build wants, all of it kept).
AFTER_THE_LOOK = {
    "spare-file-edited": lambda out: _edit_in_place(_spare(out) / "a" / "c.html"),
    "shared-file-edited-through-the-output": lambda out: _edit_in_place(out / "d.html"),
    "spare-file-deleted": lambda out: (_spare(out) / "a" / "c.html").unlink(),
    "spare-file-replaced": lambda out: (
        (_spare(out) / "a" / "c.html").unlink() or (_spare(out) / "a" / "c.html").write_bytes(b"C")
    ),
    "spare-file-made-a-link": lambda out: (
        (_spare(out) / "d.html").unlink() or (_spare(out) / "d.html").symlink_to("/etc/hostname")
    ),
    "spare-file-mode": lambda out: (_spare(out) / "d.html").chmod(0o600),
    "stray-file": lambda out: (_spare(out) / "a" / "los.html").write_bytes(b"los"),
    "stray-folder": lambda out: (_spare(out) / "a" / "extra").mkdir() or (_spare(out) / "a" / "extra" / "x").touch(),
    "folder-emptied": lambda out: shutil.rmtree(_spare(out) / "n"),
    "spare-replaced": lambda out: shutil.rmtree(_spare(out)) or shutil.copytree(out, _spare(out)),
    "manifest-damaged": lambda out: (write.state_dir(out) / write.MANIFEST).write_bytes(b"{}"),
}


@needs_lookahead
@pytest.mark.parametrize("settled", [False, True], ids=["listed", "vouched-folders"])
@pytest.mark.parametrize("change", AFTER_THE_LOOK.values(), ids=AFTER_THE_LOOK.keys())
def test_a_change_after_the_look_is_seen_by_the_write_stage(change, settled: bool, tmp_path: Path, monkeypatch) -> None:
    """The child watches what it looks at, so a change between its look and the write stage voids
    the look: the write stage looks itself and this very build gives exactly its site."""
    if settled:
        monkeypatch.setattr(write, "RACY_WINDOW_NS", 50_000_000)
    out = tmp_path / "site"
    wanted, other = AHEAD_SITES[4], {**AHEAD_SITES[4], "index.html": b"vier"}
    for files in (wanted, other) * 2:  # the spare holds `wanted`, the output `other`
        write.write_site(files, out)
        time.sleep(SETTLE if settled else 0)
    look = _Ahead(out, monkeypatch)
    change(out)
    write.write_site(wanted, out, ahead=look.ahead)
    monkeypatch.undo()
    assert tree_bytes(out) == _published(wanted)
    assert not (out / "d.html").is_symlink() and (out / "d.html").stat().st_mode & 0o777 == 0o644
    assert write.SPARE in look.surveyed
    for files in (other, wanted, other):
        write.write_site(files, out)
        assert tree_bytes(out) == _published(files)


@needs_lookahead
def test_a_cli_rebuild_looks_at_the_spare_while_it_renders(run_cli, tmp_path: Path, monkeypatch) -> None:
    """`build` starts the look at the spare before it loads the content, and its write stage takes
    it instead of looking again: the site is the one a build from nothing gives."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    out, article = tmp_path / "site", content / "articles" / "project-x.md"
    args = ("build", "--no-cache", "--no-admin", "--content", str(content))
    looked, real = [], write._survey
    for edit in ("Een eerste zin.", "Een tweede zin.", "Een derde zin."):
        article.write_text(article.read_text(encoding="utf-8") + f"\n{edit}\n", encoding="utf-8")
        looked.clear()
        code, _, err = run_cli(*args, "--output", str(out))
        assert code == 0, err
        monkeypatch.setattr(write, "_survey", lambda root, *a, **k: looked.append(os.getpid()) or real(root, *a, **k))
    assert looked == []  # the spare: looked at in the child (whose calls are not seen here); nothing else
    assert run_cli(*args, "--output", str(tmp_path / "fresh"))[0] == 0
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")


class _Suspected:
    """The paths write_site handles one by one (`_suspects`; None where it handles every file)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[set[str] | None] = []
        real = write._suspects

        def suspects(*args, **kwargs):
            found = real(*args, **kwargs)
            self.seen.append(None if found is None else set(found))
            return found

        monkeypatch.setattr(write, "_suspects", suspects)


@needs_lookahead
def test_a_rebuild_with_the_look_handles_only_the_files_that_may_differ(tmp_path: Path, monkeypatch) -> None:
    """With the look at the spare, the manifest's output tree in full and the spare's told apart
    from it, a rebuild handles one by one only the files whose version is not the output's record
    (and those without a version), those no longer wanted, and those whose spare records differ from
    the output's (the files the build before changed): every other file is kept as it is."""
    out = tmp_path / "site"
    sites = [SITE, EDITED, {**EDITED, "index.html": b"<p>nieuw begin</p>", "x/nieuw.html": b"nieuw"}]
    without_c = {rel: data for rel, data in sites[2].items() if rel != "a/c.html"}
    for files in sites[:2]:
        write.write_site(files, out, versions=_versions(files))
    for files, expected in (
        # index.html and x/nieuw.html: another version; a/b.html: the spare holds SITE's
        (sites[2], {"index.html", "x/nieuw.html", "a/b.html"}),
        # a/c.html: gone; index.html and x/nieuw.html: the spare (EDITED) differs there
        (without_c, {"a/c.html", "index.html", "x/nieuw.html"}),
    ):
        suspected = _Suspected(monkeypatch)
        look = _Ahead(out, monkeypatch)
        result = write.write_site(files, out, versions=_versions(files), ahead=look.ahead)
        monkeypatch.undo()
        assert suspected.seen == [expected | {write.OUTPUT_MARKER}]  # the marker has no version
        assert tree_bytes(out) == _published(files)
        assert write.output_state(out) == result.state


@needs_lookahead
@pytest.mark.parametrize("tamper", TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_before_the_look_is_repaired_by_the_next_build(tamper, tmp_path: Path, monkeypatch) -> None:
    """A change to the output or the spare between two builds is seen by the look taken ahead (a
    file of the spare changed or gone, a stray), and the rebuild that takes the look gives exactly
    its site; so do the builds after it."""
    out = tmp_path / "site"
    for files in (EDITED, SITE, SITE):
        write.write_site(files, out, versions=_versions(files))
    tamper(out)
    for files in (EDITED, SITE, EDITED):
        spare = _spare(out)
        look = _Ahead(out, monkeypatch) if spare.is_dir() and not spare.is_symlink() else None  # else none is taken
        write.write_site(files, out, versions=_versions(files), ahead=look.ahead if look else None)
        monkeypatch.undo()
        assert tree_bytes(out) == _published(files)
        assert not (out / "a" / "b.html").is_symlink() and (out / "a" / "b.html").stat().st_mode & 0o777 == 0o644
    assert sorted(os.listdir(out.parent)) == [".site.build-state", "site"]


@pytest.mark.parametrize("with_memo", [False, True], ids=["fresh", "remembered"])
def test_the_header_policy_reads_a_page_made_after_the_rendered_ones(with_memo: bool, tmp_path: Path) -> None:
    """complete_files reads the rendered pages' policies while the search index is made; a page the
    index (or the editor) then adds or replaces counts as it is at the end, as a policy made from
    the finished files says."""
    from sitegen.files import SiteFiles
    from sitegen.headers import HEADERS_PATH, headers_file
    from sitegen.memo import Memo
    from sitegen.options import BuildOptions
    from sitegen.pipeline import build_files
    from sitegen.stores import DiskStore

    options = BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets")
    source = "https://zoek.voorbeeld.be"
    replaced = (
        f'<!doctype html><html lang="nl"><head><meta http-equiv="Content-Security-Policy" content="default-src '
        f"'self'; script-src 'self' {source}\"><title>x</title></head><body></body></html>"
    ).encode()

    def index(files: Mapping[str, bytes], memo: Memo) -> dict[str, bytes]:
        return {"index.html": replaced, "zoeken-extra/index.html": replaced.replace(b"'self' https", b"'self' wss:")}

    for _ in range(2 if with_memo else 1):  # the second build with the policies remembered by version
        memo = Memo(DiskStore(tmp_path / "cache", "test")) if with_memo else Memo()
        _, files = build_files(options, memo, index=index)
        if with_memo:
            memo.finish(success=True)
    headers = files[HEADERS_PATH]
    assert source.encode() in headers and b"wss:" in headers
    finished = dict(files.items()) if isinstance(files, SiteFiles) else dict(files)
    del finished[HEADERS_PATH]
    assert headers == headers_file(finished, "/")


def test_a_forked_child_left_running_does_not_keep_the_output_lock(tmp_path: Path) -> None:
    """A child forked while the lock is held (the build's helpers) inherits its file; once the build
    leaves the lock, the next build must get it at once even though that child still runs."""
    import fcntl

    out = tmp_path / "site"
    ready_read, ready_write = os.pipe()
    hold_read, hold_write = os.pipe()
    with write.output_lock(out):
        child = os.fork()
        if child == 0:  # pragma: no cover (the child)
            os.write(ready_write, b"x")
            os.read(hold_read, 1)  # holds its copy of the lock's file until told to go
            os._exit(0)
    try:
        assert os.read(ready_read, 1) == b"x"
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError while the child holds it
        finally:
            os.close(fd)
    finally:
        os.write(hold_write, b"x")
        os.waitpid(child, 0)
        for end in (ready_read, ready_write, hold_read, hold_write):
            os.close(end)
