"""Crash safety: a build killed at any moment leaves the previous site, complete, or the new one.

Real `build.py` processes are killed with SIGKILL at random moments (a fixed seed, so CI sees the
same moments): some anywhere in the build, some (killing themselves as they write a chosen file of
the spare tree, so that a busy machine cannot move the moment) while the spare is being filled.
The write stage is also killed before every single change it makes to the disk (a forked
`write_site`; a file write is cut off halfway), from every starting state: spare and manifest in
place, manifest missing, damaged or believed only in part, spare deleted, output tampered with,
first build, no atomic exchange. After each kill the output folder must be byte for byte the
previous site or the new one, and the next builds must give exactly their sites. The fallback
without an atomic exchange (renames) is also tested by staging the states between its renames.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen import write
from sitegen.search import BUNDLE_DIR

ARTICLES = 250  # a build of about a second, with some hundred milliseconds of writing
# A build whose write stage may lack the atomic exchange (it then swaps by two renames) and may
# SIGKILL itself as it writes the Nth file of its spare tree: a kill from a test that polls for the
# spare lands after the swap when the machine is busy.
BUILD = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import sitegen.write as w
fallback, kill_at, write_new, written = sys.argv[2] == "1", int(sys.argv[3]), w._write_new, []
if fallback:
    w._exchange = lambda a, b: False
def counted(path, data):
    write_new(path, data)
    written.append(path)
    if len(written) == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
w._write_new = counted
import build
sys.exit(build.main(sys.argv[4:]))
"""


def _content(root: Path, word: str) -> Path:
    content = root / f"content-{word.lower()}"
    shutil.copytree(SAMPLE / "content", content)
    for i in range(ARTICLES):
        (content / "articles" / f"bericht-{i:04d}.md").write_text(
            f"---\ntitle: {word} bericht {i}\ntype: news\ndate: 2021-05-04\nsummary: Een {word.lower()} bericht.\n---\n"
            f"Tekst van bericht {i}.\n\n## Kop\n\nMeer tekst.\n",
            encoding="utf-8",
        )
    return content


def _command(content: Path, out: Path, *, fallback: bool, kill_at: int = 0) -> list[str]:
    # Templates and assets are copied beside the content, so that every build of a test renders
    # the same site even while someone edits the working tree.
    theme = content.parent
    args = ["build", "--content", str(content), "--output", str(out)]
    args += ["--templates", str(theme / "templates"), "--assets", str(theme / "assets")]
    if fallback or kill_at:
        return [sys.executable, "-c", BUILD, str(ROOT), str(int(fallback)), str(kill_at), *args]
    return [sys.executable, str(ROOT / "build.py"), *args]


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f"{out.name}.output-"))


def _run(content: Path, out: Path, *, fallback: bool = False) -> float:
    started = time.perf_counter()
    result = subprocess.run(_command(content, out, fallback=fallback), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return time.perf_counter() - started


def _kill(content: Path, out: Path, *, fallback: bool, delay: float = 0.0, kill_at: int = 0) -> None:
    """Start a build and SIGKILL it `delay` seconds after its start, or let it kill itself as it writes
    the `kill_at`th file of its spare tree."""
    command = _command(content, out, fallback=fallback, kill_at=kill_at)
    if kill_at:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == -signal.SIGKILL, result.stderr  # it did reach that file
        return
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(delay)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, float]]:
    """Content for a new site, the old site as built by an undisturbed run, and the build time."""
    root = tmp_path_factory.mktemp("crash")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "assets", root / "assets")
    old, new = _content(root, "Oud"), _content(root, "Nieuw")
    _run(old, root / "old")
    seconds = _run(new, root / "new")
    yield new, root, seconds
    shutil.rmtree(root, ignore_errors=True)  # thousands of files: do not leave them to pytest's cleanup


@pytest.mark.parametrize("fallback", [False, True], ids=["exchange", "two-renames"])
def test_killed_builds_leave_a_complete_site(two_sites, tmp_path: Path, fallback: bool) -> None:
    new, root, seconds = two_sites
    old_site, new_site = tree_bytes(root / "old"), tree_bytes(root / "new")
    assert old_site != new_site
    out = tmp_path / "site"
    rng = random.Random(8 + fallback)
    moments = [(rng.uniform(0.05, 0.8 * seconds), 0)]
    moments += [(0.0, rng.randint(1, ARTICLES // 2)) for _ in range(2)]  # of some 400 files
    seen, spares_left = [], 0
    for delay, kill_at in moments:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(write.state_dir(out), ignore_errors=True)
        shutil.copytree(root / "old", out)  # each kill hits a build that replaces the old site
        _kill(new, out, fallback=fallback, delay=delay, kill_at=kill_at)
        if not out.exists():
            # Killed between the renames of the fallback: the next run restores the old site first.
            assert fallback
            write.clean_leftovers(out)
        state = tree_bytes(out)
        assert state in (old_site, new_site), f"half-written output after a kill at {delay:.3f} s"
        seen.append("new" if state == new_site else "old")
        spares_left += state == old_site and (write.state_dir(out) / write.SPARE).is_dir()
    assert "old" in seen  # at least one kill landed before the swap …
    assert spares_left  # … while the spare was being filled: the next run must finish it
    _run(new, out, fallback=fallback)
    assert tree_bytes(out) == new_site
    assert _leftovers(out) == []
    shutil.rmtree(out)


def _processes_of(content: Path) -> list[int]:
    """The processes whose command line names `content`: a build and whatever it forked."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            if str(content).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to find the build's children")
def test_killed_builds_that_looked_ahead_leave_a_complete_site_and_no_process(two_sites, tmp_path: Path) -> None:
    """Builds that find a spare and a manifest, so that a forked child looks at the spare while they
    render (sitegen/write.py, Lookahead), killed at random moments from their start to their end:
    the output is the old site or the new one, no process of the killed build is left a few seconds
    later (the child notices its build is gone, and never writes), and the next build gives exactly
    the new site."""
    new, root, seconds = two_sites
    old_site, new_site = tree_bytes(root / "old"), tree_bytes(root / "new")
    out = tmp_path / "site"
    rng = random.Random(29)
    for delay in sorted(rng.uniform(0.05, seconds) for _ in range(3)):
        _run(root / "content-oud", out)  # the old site, the spare holding the site before it
        assert tree_bytes(out) == old_site and (write.state_dir(out) / write.MANIFEST).is_file()
        _kill(new, out, fallback=False, delay=delay)
        assert tree_bytes(out) in (old_site, new_site), f"half-written output after a kill at {delay:.3f} s"
        deadline = time.monotonic() + 10
        while _processes_of(new) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _processes_of(new) == [], f"a process of the build killed at {delay:.3f} s is still there"
        _run(new, out)
        assert tree_bytes(out) == new_site
        assert _leftovers(out) == []


def test_two_rename_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    write.write_site({"index.html": b"een", "a/b.html": b"b"}, out)
    write.write_site({"index.html": b"twee", "c.html": b"c"}, out)
    assert tree_bytes(out) == {"index.html": b"twee", "c.html": b"c", write.OUTPUT_MARKER: write.MARKER_TEXT}
    write.write_site({"index.html": b"drie", "c.html": b"c"}, out)
    assert tree_bytes(out) == {"index.html": b"drie", "c.html": b"c", write.OUTPUT_MARKER: write.MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]


def test_exchange_is_used_where_the_system_has_it(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not write._exchange(a, b):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_killed_between_the_two_renames_restores_the_old_site(tmp_path: Path) -> None:
    """State of the fallback after `output → old` and before `temp → output`: no output at all."""
    out = tmp_path / "site"
    write.write_site({"index.html": b"oud", "igs/index.html": b"lijst"}, out)
    before = tree_bytes(out)
    out.rename(tmp_path / f"site{write.OLD_PREFIX}4242")
    half = tmp_path / f"site{write.TEMP_PREFIX}abc123"
    half.mkdir()
    (half / "index.html").write_bytes(b"nieu")  # a temp folder of an earlier version, cut off mid-write
    write.clean_leftovers(out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]


def test_next_build_after_a_kill_between_renames(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    built = tree_bytes(out)
    out.rename(tmp_path / f"site{write.OLD_PREFIX}4242")
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    assert tree_bytes(out) == built
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]


def test_output_paths_never_leave_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(write.OutputPathError):
        write.write_site({"../buiten.html": b"x"}, tmp_path / "site")
    with pytest.raises(write.OutputPathError):
        write.write_site({"/etc/x": b"x"}, tmp_path / "site")
    assert not (tmp_path / "buiten.html").exists()
    assert sorted(os.listdir(tmp_path)) == []  # no output and no temporary folder left


def test_killed_builds_with_a_search_delta_leave_a_complete_site(tmp_path: Path) -> None:
    """An article edit whose pages go to the search delta bundle (sitegen/search.py), killed at
    random moments: the output is the old site or the new one, and the next build's index finds
    what a cold build's finds.

    The bytes of a search bundle depend on the cache's history (which shards were last indexed in
    full, and which pages went to the delta since), not only on the content: a build that finds the
    cache emptied (another engine version, as when the code is edited while this test runs, or an
    unreadable cache) indexes every shard in full, a complete and correct index in other bytes. A
    killed build cannot change that history: the cache is saved only after the output is swapped
    (build.py). So the next build's site is the new site byte for byte outside pagefind/, and its
    index finds exactly what the new site's and a cold build's find."""
    from search_support import searchable

    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    content, cache, out = _content(tmp_path, "Oud"), tmp_path / "cache", tmp_path / "site"

    def command(target: Path) -> list[str]:
        return [*_command(content, target, fallback=False), "--cache", str(cache)]

    def run(target: Path) -> None:
        result = subprocess.run(command(target), capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

    run(tmp_path / "old")
    article = content / "articles" / "bericht-0007.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nEen zonnewijzer.\n", encoding="utf-8")
    started = time.perf_counter()
    run(tmp_path / "new")  # the same cache: the delta the killed builds make too
    seconds = time.perf_counter() - started
    assert (tmp_path / "new" / "pagefind" / "deel-delta").is_dir(), "the edit went to the delta"
    old_site, new_site = tree_bytes(tmp_path / "old"), tree_bytes(tmp_path / "new")
    rng = random.Random(17)
    for delay in sorted(rng.uniform(0.05, 0.9 * seconds) for _ in range(3)):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(tmp_path / "old", out)
        process = subprocess.Popen(command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(delay)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        state = tree_bytes(out)
        if state != old_site:  # the new site, its index complete
            assert _outside_search(state) == _outside_search(new_site), f"half-written output after {delay:.3f} s"
            assert searchable(out) == searchable(tmp_path / "new")
    run(out)
    assert _outside_search(tree_bytes(out)) == _outside_search(new_site)
    result = subprocess.run(
        [*_command(content, tmp_path / "cold", fallback=False), "--no-cache"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert searchable(out) == searchable(tmp_path / "new") == searchable(tmp_path / "cold")


def _outside_search(site: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in site.items() if not name.startswith(f"{BUNDLE_DIR}/")}


# --- the write stage killed before each of its changes to the disk --------------------------------

KILLED, FAILED = 77, 78
SITES = [
    {"index.html": b"nul", "a/b.html": b"b0", "a/c.html": b"c", "weg/x.html": b"x", "d.html": b"d"},
    {"index.html": b"een", "a/b.html": b"b0", "a/c.html": b"c", "d.html": b"d", "n/m/nieuw.html": b"nieuw"},
    # a changed page, a folder that returns, a file that becomes a folder, an unchanged one
    {"index.html": b"twee", "a/b.html": b"b2", "a/c/index.html": b"c", "weg/x.html": b"x2", "d.html": b"d"},
    {"index.html": b"drie", "a/b.html": b"b2", "n/m/nieuw.html": b"nieuw", "d.html": b"d3"},
]


def _published(files: dict[str, bytes]) -> dict[str, bytes]:
    return write.with_marker(files)


SETTLE = 0.0  # seconds a start waits after each build: see test_write_killed_with_vouched_folders
AHEAD = False  # builds with versions, the killed one with the look: see test_write_killed_with_the_look_taken_ahead


def _steady(out: Path) -> None:
    """The usual start: the output holds SITES[1], the spare SITES[0], the manifest both (settled:
    after two rounds, so that the folders of both trees were looked at after they settled)."""
    for site in SITES[:2] * (2 if SETTLE else 1):
        write.write_site(site, out, versions=_versions(site) if AHEAD else None)
        time.sleep(SETTLE)


def _without_manifest(out: Path) -> None:
    _steady(out)
    (write.state_dir(out) / write.MANIFEST).unlink()


def _damaged_manifest(out: Path) -> None:
    _steady(out)
    manifest = write.state_dir(out) / write.MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:150])


def _manifest_in_part(out: Path) -> None:
    """The manifest cut off right after the output's section (a copy broken off, a disk that filled):
    believed in the whole sections it holds (the base and how the output's tree differs from it),
    not in the rest (the spare's section)."""
    _steady(out)
    manifest = write.state_dir(out) / write.MANIFEST
    text = manifest.read_text(encoding="utf-8")
    cut = text.index("\n") + 1  # after the version line
    for _ in range(2):  # the base, then the output's section
        header = text.index("\n", cut) + 1
        cut = header + sum(json.loads(text[cut:header]).get(name, 0) for name in write._PARTS) + 1
    manifest.write_text(text[:cut], encoding="utf-8")
    trees = write._read_manifest(manifest)
    assert list(trees) == [write._tree_key(out)] and trees[write._tree_key(out)].records


def _without_spare(out: Path) -> None:
    _steady(out)
    shutil.rmtree(write.state_dir(out) / write.SPARE)


def _tampered(out: Path) -> None:
    """Edited in place (so in the spare too, where the trees share the file), deleted, added."""
    _steady(out)
    with open(out / "d.html", "r+b") as page:
        page.write(b"X")
    (out / "index.html").unlink()
    (out / "a" / "extra.html").write_bytes(b"extra")


def _first_build(out: Path) -> None:
    """No output and no build state at all."""


STARTS = [_steady, _without_manifest, _damaged_manifest, _manifest_in_part, _without_spare, _tampered, _first_build]


def _write_killed_at(step: int | None, out: Path, *, exchange: bool, ahead: bool = False) -> tuple[int, int, bool]:
    """Fork a `write_site(SITES[2])` that dies (os._exit, no clean-up) right before its `step`-th
    change to the disk; a file write is cut off halfway. Returns the exit code and, when not
    killed, the number of changes it made and whether it handled only the files that may differ
    (write._suspects). With `ahead`, the write stage is given its files' versions and the look at
    the spare taken ahead (write.Lookahead), as a CLI rebuild is."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(reader)
        done = 0

        def guarded(change, *, cut=False):
            def run(*args, **kwargs):
                nonlocal done
                if done == step:
                    if cut:  # _write_new(path, data): half of the data reaches the disk
                        with open(args[0], "wb") as stream:
                            stream.write(args[1][: len(args[1]) // 2])
                    os._exit(KILLED)
                done += 1
                return change(*args, **kwargs)

            return run

        for name in ("unlink", "rmdir", "mkdir", "link", "rename", "replace", "chmod"):
            setattr(os, name, guarded(getattr(os, name)))
        write._write_new = guarded(write._write_new, cut=True)
        write.tempfile.mkstemp = guarded(write.tempfile.mkstemp)
        write._flush = guarded(write._flush)
        write._exchange = guarded(write._exchange if exchange else lambda a, b: False)
        suspects, real_suspects = [], write._suspects
        write._suspects = lambda *args: suspects.append(real_suspects(*args)) or suspects[-1]
        try:
            if ahead:
                look = write.Lookahead(out)
                write.write_site(SITES[2], out, versions=_versions(SITES[2]), ahead=look)
            else:
                write.write_site(SITES[2], out)
        except BaseException:
            os._exit(FAILED)
        os.write(writer, f"{done} {int(bool(suspects) and suspects[-1] is not None)}".encode())
        os._exit(0)
    os.close(writer)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(reader, "rb") as stream:
        made, _, few = stream.read().decode().partition(" ")
    return os.waitstatus_to_exitcode(status), int(made or -1), few == "1"


def _versions(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: hashlib.blake2b(data, digest_size=20).digest() for rel, data in files.items()}


@pytest.mark.parametrize("start", STARTS, ids=[s.__name__.lstrip("_") for s in STARTS])
def test_write_killed_with_the_look_taken_ahead(start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same kills in a write stage that takes the look at the spare and is given its files'
    versions (its starts built with versions too), as in a CLI rebuild: from the steady start, it
    handles one by one only the files that may differ (write._suspects)."""
    monkeypatch.setattr(sys.modules[__name__], "AHEAD", True)
    test_write_killed_before_each_change(start, True, tmp_path, monkeypatch)


@pytest.mark.parametrize("start", STARTS, ids=[s.__name__.lstrip("_") for s in STARTS])
def test_write_killed_with_vouched_folders(start, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same kills where the folders of the starting trees have settled (a racy window of 50 ms,
    and the starts wait longer after each build), so that the killed build and the next ones take
    the listing of an unchanged folder from the manifest instead of listing it."""
    monkeypatch.setattr(write, "RACY_WINDOW_NS", 50_000_000)
    monkeypatch.setattr(sys.modules[__name__], "SETTLE", 0.06)
    test_write_killed_before_each_change(start, True, tmp_path, monkeypatch)


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "renames"])
@pytest.mark.parametrize("start", STARTS, ids=[s.__name__.lstrip("_") for s in STARTS])
def test_write_killed_before_each_change(
    start, exchange: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if exchange and not write._exchange(tmp_path, tmp_path):
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available here")
    # Flushing to the disk guards against power cuts, not kills: a step of its own here, never run.
    monkeypatch.setattr(write, "_flush", lambda root, entries=None: None)
    start(tmp_path / "count" / "site")
    code, changes, few = _write_killed_at(None, tmp_path / "count" / "site", exchange=exchange, ahead=AHEAD)
    assert code == 0 and changes > 3
    # The usual rebuild (the output tampered with too: the look tells) has the records of both trees.
    assert few == (AHEAD and start in (_steady, _tampered))
    new = _published(SITES[2])
    seen = set()
    for step in range(changes):
        out = tmp_path / f"step-{step}" / "site"
        start(out)
        before = tree_bytes(out)
        assert _write_killed_at(step, out, exchange=exchange, ahead=AHEAD)[0] == KILLED
        write.clean_leftovers(out)  # what the next build does first
        state = tree_bytes(out)
        assert state in (before, new), f"a mix of two sites after a kill before change {step}"
        seen.add("new" if state == new else "old")
        # The next builds give exactly their sites, whatever the killed one left in the build state.
        for site in (SITES[2], SITES[3], SITES[1]):
            look = write.Lookahead(out) if AHEAD else None
            write.write_site(site, out, versions=_versions(site) if AHEAD else None, ahead=look)
            assert tree_bytes(out) == _published(site), f"wrong site after a kill before change {step}"
        assert write.write_site(SITES[1], out).written == 0
        assert sorted(p.name for p in out.parent.iterdir()) == [".site.build-state", "site"]
        assert sorted(os.listdir(write.state_dir(out))) == [write.MANIFEST, write.SPARE]
    assert seen == {"old", "new"}
