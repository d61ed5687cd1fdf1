"""Crash safety: a build killed at any moment leaves the previous site, complete, or the new one.

Real `build.py` processes are killed with SIGKILL at random moments (a fixed seed, so CI sees the
same moments): some anywhere in the build, some while the temporary folder is being written. After
each kill the output folder must be byte for byte the previous site or the new one, and the next
run must remove whatever the killed one left behind. The fallback without an atomic exchange
(two renames) is tested the same way and by staging the state between its two renames.
"""

from __future__ import annotations

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

ARTICLES = 250  # a build of about a second, with some hundred milliseconds of writing
FALLBACK = (
    "import sys; sys.path.insert(0, sys.argv[1]); import sitegen.write as w; "
    "w._exchange = lambda a, b: False; import build; sys.exit(build.main(sys.argv[2:]))"
)


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


def _command(content: Path, out: Path, *, fallback: bool) -> list[str]:
    # Templates and assets are copied beside the content, so that every build of a test renders
    # the same site even while someone edits the working tree.
    theme = content.parent
    args = ["build", "--content", str(content), "--output", str(out)]
    args += ["--templates", str(theme / "templates"), "--assets", str(theme / "assets")]
    if fallback:
        return [sys.executable, "-c", FALLBACK, str(ROOT), *args]
    return [sys.executable, str(ROOT / "build.py"), *args]


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f"{out.name}.output-"))


def _run(content: Path, out: Path, *, fallback: bool = False) -> float:
    started = time.perf_counter()
    result = subprocess.run(_command(content, out, fallback=fallback), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return time.perf_counter() - started


def _kill(content: Path, out: Path, *, fallback: bool, delay: float, after_temp: bool) -> None:
    """Start a build and SIGKILL it `delay` seconds after the start or after its temp folder appears."""
    process = subprocess.Popen(
        _command(content, out, fallback=fallback), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        if after_temp:
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if any(".output-tmp-" in name for name in _leftovers(out)):
                    break
                time.sleep(0.002)
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
    moments = [(rng.uniform(0.05, 0.8 * seconds), False)]
    moments += [(rng.uniform(0, 0.2), True) for _ in range(2)]
    seen, left_behind = [], []
    for delay, after_temp in moments:
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(root / "old", out)  # each kill hits a build that replaces the old site
        _kill(new, out, fallback=fallback, delay=delay, after_temp=after_temp)
        if not out.exists():
            # Killed between the two renames of the fallback: the next run restores the old site first.
            assert fallback
            write.clean_leftovers(out)
        state = tree_bytes(out)
        assert state in (old_site, new_site), f"half-written output after a kill at {delay:.3f} s"
        seen.append("new" if state == new_site else "old")
        left_behind += _leftovers(out)
    assert "old" in seen  # at least one kill landed before the swap
    assert left_behind  # at least one kill left a temporary folder …
    shutil.rmtree(out)
    shutil.copytree(root / "old", out)
    _run(new, out, fallback=fallback)
    assert tree_bytes(out) == new_site
    assert _leftovers(out) == []  # … and the next run removed it
    shutil.rmtree(out)


def test_two_rename_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    out = tmp_path / "site"
    write.write_site({"index.html": b"een", "a/b.html": b"b"}, out)
    write.write_site({"index.html": b"twee", "c.html": b"c"}, out)
    assert tree_bytes(out) == {"index.html": b"twee", "c.html": b"c", write.OUTPUT_MARKER: write.MARKER_TEXT}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


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
    (half / "index.html").write_bytes(b"nieu")  # a temp folder cut off mid-write
    write.clean_leftovers(out)
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_next_build_after_a_kill_between_renames(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    built = tree_bytes(out)
    out.rename(tmp_path / f"site{write.OLD_PREFIX}4242")
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    assert tree_bytes(out) == built
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


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
    what a cold build's finds."""
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
        assert tree_bytes(out) in (old_site, new_site), f"half-written output after a kill at {delay:.3f} s"
    run(out)
    assert tree_bytes(out) == new_site
    result = subprocess.run(
        [*_command(content, tmp_path / "cold", fallback=False), "--no-cache"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert searchable(out) == searchable(tmp_path / "cold")
