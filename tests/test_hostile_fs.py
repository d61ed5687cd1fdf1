"""A hostile file system: output folders a build must not replace, odd files in content/, a full
disk, signals during the write, and a build cache planted by someone else.

Every case ends in a Dutch message naming the path, exit 1 or 2, no Python traceback, the previous
output byte for byte as it was and nothing left behind. The output-folder cases run against a
throwaway copy of the project (build.ROOT points there), never against this repository.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
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
    from sitegen.preview.http import PreviewState
    from sitegen.preview.loop import Preview

    options = BuildOptions(project / "content", project / "templates", project / "assets", include_unpublished=True)
    preview = Preview(options, PreviewState(project / ".cache" / "preview", 8000), lambda: None)
    assert preview.rebuild()
    assert (project / ".cache" / "preview" / MARKER).is_file()


# --- item 9: odd files, missing folders, a full disk, signals -----------------------------------------


def _build_process(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """build.py as its own process: a build that would block forever fails the test instead."""
    command = [sys.executable, str(ROOT / "build.py"), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def _fifo(rel: str):
    def setup(content: Path) -> None:
        target = content / rel
        if target.exists():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(target)

    return setup


def _link(rel: str, target: str):
    def setup(content: Path) -> None:
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).symlink_to(target)

    return setup


def _replace_with_file(rel: str):
    def setup(content: Path) -> None:
        shutil.rmtree(content / rel)
        (content / rel).write_text("geen map\n")

    return setup


ODD_FILES = [
    ("fifo-igs", _fifo("igs/pijp.yaml"), "content/igs/pijp.yaml: kan het bestand niet lezen: het is geen gewoon"),
    ("fifo-site", _fifo("site.yaml"), "content/site.yaml: kan het bestand niet lezen: het is geen gewoon bestand"),
    ("fifo-image", _fifo("images/pijp.png"), "content/images/pijp.png: kan de afbeelding niet lezen: het is geen"),
    (
        "fifo-register",
        _fifo("geo/municipalities.json"),
        "content/geo/municipalities.json: gemeenteregister niet gevonden of onleesbaar (het is geen gewoon bestand",
    ),
    ("loop-igs", _link("igs/lus.yaml", "lus.yaml"), "content/igs/lus.yaml: deze snelkoppeling maakt een lus"),
    (
        "loop-of-two",
        lambda c: (_link("articles/a.md", "b.md")(c), _link("articles/b.md", "a.md")(c)),
        "content/articles/a.md: deze snelkoppeling maakt een lus",
    ),
    ("loop-image", _link("images/lus.png", "lus.png"), "content/images/lus.png: deze snelkoppeling maakt een lus"),
    ("dangling-igs", _link("igs/weg.yaml", "nergens.yaml"), "content/igs/weg.yaml: deze snelkoppeling is stuk"),
    ("dangling-image", _link("images/weg.png", "nergens.png"), "content/images/weg.png: deze snelkoppeling is stuk"),
    ("pages-is-a-file", _replace_with_file("pages"), "content/pages: hier hoort een map"),
    ("pages-loop", lambda c: (shutil.rmtree(c / "pages"), (c / "pages").symlink_to("pages")), "content/pages: kan de"),
]


@pytest.mark.parametrize(("setup", "error"), [c[1:] for c in ODD_FILES], ids=[c[0] for c in ODD_FILES])
def test_odd_files_in_content_are_reported(setup, error: str, tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    out = tmp_path / "site"
    assert _build_process(tmp_path, "--no-cache", "--content", "content", "--output", "site").returncode == 0
    before = tree_bytes(out)
    setup(content)
    result = _build_process(tmp_path, "--no-cache", "--content", "content", "--output", "site")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert any(line.startswith(error) for line in result.stderr.splitlines()), result.stderr
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "content", "site"]


def test_unreadable_files_and_folders_are_reported(run_cli, content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions do not stop root (CI), so the system's refusal is simulated where it happens."""
    real_open, real_iterdir, real_scandir = os.open, Path.iterdir, os.scandir

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).endswith("noord.yaml"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    def refusing_iterdir(self: Path):
        if self.name == "articles":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_iterdir(self)

    def refusing_scandir(path="."):
        if Path(path).name == "articles":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "open", refusing_open)
    monkeypatch.setattr(Path, "iterdir", refusing_iterdir)
    monkeypatch.setattr(os, "scandir", refusing_scandir)
    code, _, err = run_cli("build", "--no-cache", "--content", "content", "--output", "site")
    monkeypatch.undo()
    assert code == 1
    lines = err.splitlines()
    assert (
        "content/igs/noord.yaml: kan het bestand niet lezen: geen toegang (leesrechten of schrijfrechten ontbreken)"
        in lines
    )
    assert "content/articles: kan de map niet lezen: geen toegang (leesrechten of schrijfrechten ontbreken)" in lines
    assert not (content.parent / "site").exists()


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_missing_content_folder(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.chdir(tmp_path)
    output = ["--output", "site"] if command == "build" else []
    code, _, err = run_cli(command, "--content", "bestaat-niet", *output)
    assert code == 2
    assert err == "build.py: de inhoudsmap bestaat-niet bestaat niet of is geen map\n"
    assert sorted(os.listdir(tmp_path)) == []


def test_disk_full_while_writing(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--no-cache", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    before = tree_bytes(out)
    real_write_new = write._write_new  # how the write stage creates each file

    def full(path: str, data: bytes) -> None:
        if write.STATE_SUFFIX in path:
            raise OSError(errno.ENOSPC, "No space left on device", path)
        real_write_new(path, data)

    monkeypatch.setattr(write, "_write_new", full)
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    (content / "pages" / "contact.md").write_text((content / "pages" / "contact.md").read_text() + "\nNieuw.\n")
    code, _, err = run_cli("build", "--no-cache", "--content", str(content), "--output", str(out))
    assert code == 1
    assert err.startswith("build.py: kan niet lezen of schrijven: ")
    assert f"/.site{write.STATE_SUFFIX}/{write.SPARE}/" in err
    assert f": de schijf is vol; er is niets gewijzigd in {out}\n" in err
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "content", "site"]


def test_disk_full_for_the_cache_only_costs_speed(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from sitegen import stores

    def full(*args: object) -> None:
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite reports ENOSPC
        raise exc

    monkeypatch.setattr(stores, "_commit", full)
    out = tmp_path / "site"
    args = ("build", "--content", str(SAMPLE / "content"), "--output", str(out), "--cache", str(tmp_path / "c"))
    code, _, err = run_cli(*args)
    assert code == 0
    assert "build.py: de buildcache is niet bewaard (kan niet lezen of schrijven: " in err
    assert "de schijf is vol" in err
    assert (out / "index.html").is_file()


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site of some hundred pages (a write of some hundred milliseconds), built once."""
    root = tmp_path_factory.mktemp("signals")
    content = root / "content"
    shutil.copytree(SAMPLE / "content", content)
    for i in range(250):
        (content / "articles" / f"bericht-{i:04d}.md").write_text(
            f"---\ntitle: Bericht {i}\ntype: news\ndate: 2021-05-04\nsummary: Een bericht.\n---\nTekst {i}.\n"
        )
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "assets", root / "assets")
    return root


# The build signals itself as it writes the 40th file of its spare tree (of some 400): a signal from
# a test that polls for the spare tree lands after the write when the machine is busy.
_SIGNAL_IN_WRITE = """
import os, sys
sys.path.insert(0, sys.argv[1])
import sitegen.write as w
signum, write_new, written = int(sys.argv[2]), w._write_new, []
def counted(path, data):
    write_new(path, data)
    written.append(path)
    if len(written) == 40:
        os.kill(os.getpid(), signum)
w._write_new = counted
sys.argv = [os.path.join(sys.argv[1], "build.py"), *sys.argv[3:]]
import build
build.cli()
"""


def _signalled_build(root: Path, out: Path, sig: signal.Signals) -> tuple[int, str]:
    """A build that gets `sig` while it fills the spare tree."""
    command = [sys.executable, "-c", _SIGNAL_IN_WRITE, str(ROOT), str(int(sig)), "--no-cache"]
    command += ["--content", str(root / "content"), "--templates", str(root / "templates")]
    command += ["--assets", str(root / "assets"), "--output", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return result.returncode, result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_signals_during_the_write_leave_no_leftovers(big_site: Path, tmp_path: Path, sig: signal.Signals) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / MARKER).write_bytes(write.MARKER_TEXT)
    (out / "index.html").write_text("de vorige site")
    before = tree_bytes(out)
    code, err = _signalled_build(big_site, out, sig)
    assert code == 1, err
    assert "Traceback" not in err
    name = "Ctrl+C" if sig == signal.SIGINT else sig.name
    assert err.startswith(f"build.py: onderbroken ({name}); ")
    assert str(out) in err
    assert "er is niets gewijzigd" in err
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]  # nothing else left


def _age(root: Path) -> None:
    """Date every entry back an hour, so the no-op check trusts what it recorded."""
    old = time.time() - 3600
    for path in [root, *root.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda c: (c / "igs" / "weg.yaml").symlink_to("nergens.yaml"),
            "content/igs/weg.yaml: deze snelkoppeling is stuk",
        ),
        (lambda c: (c / "igs" / "leeg").mkdir(), "content/igs/leeg: onverwachte map"),
        (
            lambda c: (c / "igs" / "lus.yaml").symlink_to("lus.yaml"),
            "content/igs/lus.yaml: deze snelkoppeling maakt een lus",
        ),
        (lambda c: os.mkfifo(c / "igs" / "pijp.yaml"), "content/igs/pijp.yaml: kan het bestand niet lezen"),
    ],
    ids=["dangling-link", "empty-folder", "link-loop", "fifo"],
)
def test_no_op_check_never_hides_a_failing_build(
    run_cli, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change, error: str
) -> None:
    from sitegen import fingerprint

    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)  # _age cannot set the copy's new ctimes back
    args = ("build", "--content", "content", "--output", "site", "--cache", str(tmp_path / "cache"))
    _age(content)
    assert run_cli(*args)[0] == 0
    code, out, _ = run_cli(*args)
    assert code == 0 and out.startswith("Niets gewijzigd")  # the no-op check is in use
    change(content)
    _age(content)
    code, out, err = run_cli(*args)
    assert code == 1, out
    assert any(line.startswith(error) for line in err.splitlines()), err


# --- item 10: the build cache is never trusted blindly ----------------------------------------------


class _Payload:
    """Unpickling this runs a command (here: it creates the file `pwned`)."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))


def _cache_files(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file())


def test_a_planted_cache_file_runs_nothing(run_cli, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import pickle
    import sqlite3

    from sitegen import stores
    from sitegen.stores import FOREIGN

    engine = stores.engine_version()
    cache, out, pwned = tmp_path / "cache", tmp_path / "site", tmp_path / "pwned"
    args = ("build", "--content", str(SAMPLE / "content"), "--output", str(out), "--cache", str(cache))
    assert run_cli(*args)[0] == 0
    fresh = tree_bytes(out)
    files = _cache_files(cache)
    assert [p.name for p in files] == ["last-build", "memo.sqlite"]
    table = files[1]
    clean = table.read_bytes()
    for path in files:  # every cache file replaced by one that runs code when unpickled
        path.write_bytes(pickle.dumps((engine, {b"k": _Payload(pwned)}), protocol=5))
    shutil.rmtree(out)
    code, stdout, err = run_cli(*args)
    assert code == 0, err
    assert not pwned.exists()
    assert FOREIGN in caplog.text
    assert tree_bytes(out) == fresh  # built cold, correctly
    code, stdout, _ = run_cli(*args)  # and the cache it wrote is used again
    assert code == 0 and stdout.startswith("Niets gewijzigd")

    # Our own table, with every row forged: a page that is not ours, a pickle, under every key.
    table.write_bytes(clean)
    caplog.clear()
    with contextlib.closing(sqlite3.connect(table)) as db, db:
        db.execute("UPDATE entries SET value = ?", (b"\0" * 32 + pickle.dumps(_Payload(pwned)),))
    shutil.rmtree(out)
    code, stdout, err = run_cli(*args)
    assert code == 0, err
    assert not pwned.exists()
    assert FOREIGN in caplog.text
    assert tree_bytes(out) == fresh

    # Values of other SQL types than the BLOBs the store writes: text, numbers.
    table.write_bytes(clean)
    caplog.clear()
    with contextlib.closing(sqlite3.connect(table)) as db, db:
        db.execute("UPDATE entries SET value = CASE WHEN rowid % 2 THEN 'tekst' ELSE 42 END")
    shutil.rmtree(out)
    code, stdout, err = run_cli(*args)
    assert code == 0, err
    assert FOREIGN in caplog.text
    assert tree_bytes(out) == fresh


def test_a_sealed_row_is_only_ever_read_as_data(tmp_path: Path) -> None:
    """A second wall, should the key ever leak: a value is decoded by its space's codec (JSON, text,
    bytes), never unpickled; what does not decode is dropped and computed again."""
    import pickle

    from sitegen.markup import RenderedMarkdown
    from sitegen.memo import Memo
    from sitegen.model import MARKDOWN
    from sitegen.stores import DiskStore

    pwned = tmp_path / "pwned"
    store = DiskStore(tmp_path / "cache")
    store.put(MARKDOWN, b"k", RenderedMarkdown("<p>oud</p>", (), ()))
    store.finish(None)
    with contextlib.closing(store._connection()) as db, db:  # rewrite the payload, keep a valid seal
        payload = pickle.dumps(_Payload(pwned))
        db.execute("UPDATE entries SET value = ?", (store._seal(MARKDOWN.name, b"k", payload) + payload,))
    store = DiskStore(tmp_path / "cache")
    memo = Memo(store)
    fresh = RenderedMarkdown("<p>vers</p>", (), ())
    assert memo.remembered(MARKDOWN, b"k", lambda: fresh) == fresh
    assert memo.misses("markdown") == 1
    assert not pwned.exists()


def test_the_key_is_private_and_outside_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import stores as cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    key = cache.cache_key()
    path = cache.key_path()
    assert path.is_relative_to(tmp_path / "xdg") and not path.resolve().is_relative_to(ROOT)
    assert len(key) == 32 and os.stat(path).st_mode & 0o777 == 0o600
    assert cache.unseal(cache.seal(b"gegevens")) == b"gegevens"
    os.chmod(path, 0o644)  # readable (and so replaceable) by others: not trusted
    cache._load_key.cache_clear()
    with pytest.raises(OSError):
        cache.cache_key()
    cache._load_key.cache_clear()


def test_without_a_usable_key_the_build_runs_without_cache(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen import stores as cache

    (tmp_path / "xdg").write_text("geen map")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    cache._load_key.cache_clear()
    out = tmp_path / "site"
    code, _, err = run_cli(
        "build", "--content", str(SAMPLE / "content"), "--output", str(out), "--cache", str(tmp_path / "c")
    )
    cache._load_key.cache_clear()
    assert code == 0, err
    assert err.startswith("build.py: de buildcache wordt niet gebruikt: geen bruikbare sleutel in ")
    assert (out / "index.html").is_file() and not (tmp_path / "c").exists()


def test_the_preview_survives_a_fifo(content: Path, tmp_path: Path) -> None:
    """A FIFO once stopped the preview's rebuilds for good: the watcher thread blocked reading it."""
    import threading

    from sitegen.pipeline import BuildOptions
    from sitegen.preview.http import PreviewState
    from sitegen.preview.loop import Preview

    options = BuildOptions(content, ROOT / "templates", ROOT / "assets", include_unpublished=True)
    state = PreviewState(tmp_path / "preview", 8000)
    preview = Preview(options, state, lambda: None)
    assert preview.rebuild()
    os.mkfifo(content / "igs" / "pijp.yaml")
    results: list[bool] = []
    worker = threading.Thread(target=lambda: results.append(preview.rebuild({"igs/pijp.yaml"})), daemon=True)
    worker.start()
    worker.join(60)
    assert results == [False]  # an error page, not a hang
    assert state.error_page is not None and b"content/igs/pijp.yaml" in state.error_page
    (content / "igs" / "pijp.yaml").unlink()
    assert preview.rebuild({"igs/pijp.yaml"})
    assert state.error_page is None
