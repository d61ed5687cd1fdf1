"""Builds with the persistent cache give exactly the bytes of a clean cold build, after any edits."""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes


def _edit_article(content: Path, rng: random.Random, n: int) -> str:
    path = rng.choice(sorted((content / "articles").glob("*.md")))
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\nBewerking {n}.\n", encoding="utf-8")
    return f"edit {path.name}"


def _add_article(content: Path, rng: random.Random, n: int) -> str:
    source = (content / "articles" / "project-x.md").read_text(encoding="utf-8")
    text = source.replace("title: Project X in de kijker", f"title: Nieuw verhaal {n}")
    text = text.replace("date: 2023-03-01", f"date: 2023-04-{n % 28 + 1:02d}")
    (content / "articles" / f"nieuw-{n}.md").write_text(text, encoding="utf-8")
    return f"add nieuw-{n}.md"


def _delete_article(content: Path, rng: random.Random, n: int) -> str:
    added = sorted((content / "articles").glob("nieuw-*.md"))
    if not added:
        return _add_article(content, rng, n)
    path = rng.choice(added)
    path.unlink()
    return f"delete {path.name}"


def _edit_igs(content: Path, rng: random.Random, n: int) -> str:
    path = rng.choice(sorted((content / "igs").glob("*.yaml")))
    text = re.sub(r'^summary: "', f'summary: "Bewerking {n}. ', path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return f"edit {path.name}"


def _rename_igs(content: Path, rng: random.Random, n: int) -> str:
    """Articles show the names of their IGS: renaming one must re-render those articles."""
    path = rng.choice(sorted((content / "igs").glob("*.yaml")))
    text = re.sub(r"^name: (.*?)( \d+)?$", rf"name: \1 {n}", path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return f"rename {path.name}"


def _recolour_igs(content: Path, rng: random.Random, n: int) -> str:
    """An IGS's colour is on its map, its card pictures and the social cards of its pages and stories,
    none of whose page keys it changes."""
    path = rng.choice(sorted((content / "igs").glob("*.yaml")))
    text = re.sub(r"^color: .*\n", "", path.read_text(encoding="utf-8"), flags=re.M)
    path.write_text(text.rstrip("\n") + f"\ncolor: '#{rng.choice(['1f6f8b', '7a3b69', '2e7d32'])}'\n", encoding="utf-8")
    return f"recolour {path.name}"


def _move_article(content: Path, rng: random.Random, n: int) -> str:
    """An article moved to another IGS leaves one IGS page's list and joins the other's."""
    path = content / "articles" / "project-x.md"
    text = path.read_text(encoding="utf-8")
    target = rng.choice(["[noord]", "[zuid]", "[noord, zuid]"])
    path.write_text(re.sub(r"^igs: .*$", f"igs: {target}", text, count=1, flags=re.M), encoding="utf-8")
    return f"project-x igs {target}"


def _redate_article(content: Path, rng: random.Random, n: int) -> str:
    """A new date changes the order of lists, the latest of a type, the feed and the sitemap."""
    path = rng.choice(sorted((content / "articles").glob("*.md")))
    text = re.sub(r"^date: .*$", f"date: 2022-{n % 12 + 1:02d}-15", path.read_text(encoding="utf-8"), count=1,
                  flags=re.M)  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return f"redate {path.name}"


def _toggle_member(content: Path, rng: random.Random, n: int) -> str:
    """Membership changes the locator map on the IGS page, the map and the finder."""
    path = content / "igs" / "noord.yaml"
    text = path.read_text(encoding="utf-8")
    if "  - Borsbeek\n" in text:
        text = text.replace("  - Borsbeek\n", "", 1)
    else:
        text = text.replace("  - Olen\n", "  - Olen\n  - Borsbeek\n", 1)
    path.write_text(text, encoding="utf-8")
    return "toggle Borsbeek"


def _retitle_page(content: Path, rng: random.Random, n: int) -> str:
    """Navigation pages appear on every page."""
    path = content / "pages" / "contact.md"
    text = re.sub(r"^title: .*$", f"title: Contact {n}", path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return "retitle contact.md"


def _edit_template(templates: Path, rng: random.Random, n: int) -> str:
    path = templates / rng.choice(["article.html", "igs.html", "_base.html"])
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n{{# bewerking {n} #}}x{n}\n", encoding="utf-8")
    return f"edit template {path.name}"


def _edit_asset(assets: Path, rng: random.Random, n: int) -> str:
    path = assets / "style.css"
    path.write_text(path.read_text(encoding="utf-8") + f"\n.bewerking-{n} {{ color: red; }}\n", encoding="utf-8")
    return "edit style.css"


def _edit_site(content: Path, rng: random.Random, n: int) -> str:
    path = content / "site.yaml"
    text = re.sub(r"^title: .*$", f"title: Voorbeeldsite {n}", path.read_text(encoding="utf-8"), count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return "edit site.yaml"


def _touch(content: Path, rng: random.Random, n: int) -> str:
    """A new mtime and ctime, the same bytes: the journal reads the file again and finds nothing new."""
    path = rng.choice(sorted(content.glob("*/*.md")) + sorted((content / "igs").glob("*.yaml")))
    os.utime(path)
    return f"touch {path.name}"


def _other_year(text: str) -> str:
    """The article's date in another year: bytes of the same size that move it in every list."""
    year = re.search(r"^date: (\d{4})", text, flags=re.M)
    assert year is not None
    return text[: year.start(1)] + ("2019" if year[1] != "2019" else "2018") + text[year.end(1) :]


def _same_size_edit(content: Path, rng: random.Random, n: int) -> str:
    """Same size, mtime set back: only the ctime (and inside the racy window the bytes) tell."""
    path = rng.choice(sorted((content / "articles").glob("*.md")))
    before = path.stat()
    path.write_text(_other_year(path.read_text(encoding="utf-8")), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return f"same-size edit {path.name}"


def _recreate_same_stat(content: Path, rng: random.Random, n: int) -> str:
    """Deleted and written anew with other bytes of the same size and the old mtime (the inode is often
    reused too)."""
    path = rng.choice(sorted((content / "articles").glob("*.md")))
    before, text = path.stat(), path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(_other_year(text), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    return f"recreate {path.name}"


def _rename_article(content: Path, rng: random.Random, n: int) -> str:
    """The same file under another name: the same stat but for the path (and the ctime)."""
    added = sorted((content / "articles").glob("nieuw-*.md"))
    if not added:
        return _add_article(content, rng, n)
    path = rng.choice(added)
    path.rename(path.with_name(f"nieuw-{n}.md"))
    return f"rename {path.name} to nieuw-{n}.md"


def _sample_project(folder: Path) -> tuple[Path, Path, Path]:
    """A copy of the sample site's content with the project's templates and assets, to edit freely."""
    content, templates, assets = folder / "content", folder / "templates", folder / "assets"
    shutil.copytree(SAMPLE / "content", content)
    shutil.copytree(ROOT / "templates", templates)
    shutil.copytree(ROOT / "assets", assets)
    return content, templates, assets


def test_cached_builds_equal_cold_builds(run_cli, tmp_path: Path) -> None:
    content, templates, assets = _sample_project(tmp_path)
    cache, warm, cold = tmp_path / "cache", tmp_path / "warm", tmp_path / "cold"
    common = ["--content", str(content), "--templates", str(templates), "--assets", str(assets)]
    rng = random.Random(5)
    edits = _edits(content, templates, assets, rng)
    code, _, err = run_cli("build", *common, "--output", str(warm), "--cache", str(cache))
    assert code == 0, err
    history = []
    for n in range(14):
        history.append(rng.choice(edits)(n))
        _build_warm_and_cold(run_cli, common, cache, warm, cold)
        assert tree_bytes(warm) == tree_bytes(cold), f"differs after: {', '.join(history)}"
    assert any(cache.rglob("memo.sqlite")), "the cache was not used"


def test_edits_that_leave_every_story_as_it_was_give_the_cold_build(run_cli, tmp_path: Path) -> None:
    """What the stories' pages show besides the story itself (the names of the IGS'en, a template, the
    site's title) and what their social cards show (an IGS's colour) change no story's version: the
    page keys and card plans kept by version must not outlive them."""
    content, templates, assets = _sample_project(tmp_path)
    cache, warm, cold = tmp_path / "cache", tmp_path / "warm", tmp_path / "cold"
    common = ["--content", str(content), "--templates", str(templates), "--assets", str(assets)]
    rng = random.Random(3)
    edits = [_recolour_igs, _rename_igs, _recolour_igs, _edit_site, _rename_igs]
    code, _, err = run_cli("build", *common, "--output", str(warm), "--cache", str(cache))
    assert code == 0, err
    history = []
    for n, edit in enumerate(edits):
        history.append(edit(content, rng, n))
        if n == 2:
            history.append(_edit_template(templates, rng, n))
        _build_warm_and_cold(run_cli, common, cache, warm, cold)
        assert tree_bytes(warm) == tree_bytes(cold), f"differs after: {', '.join(history)}"


def _build_warm_and_cold(run_cli, common: list[str], cache: Path, warm: Path, cold: Path) -> None:
    """A build into `warm` with the cache, and a cold one into a fresh `cold` without it."""
    code, _, err = run_cli("build", *common, "--output", str(warm), "--cache", str(cache))
    assert code == 0, err
    shutil.rmtree(cold, ignore_errors=True)
    code, _, err = run_cli("build", *common, "--output", str(cold), "--no-cache")
    assert code == 0, err


def _edits(content: Path, templates: Path, assets: Path, rng: random.Random) -> list[Callable[[int], str]]:
    return [
        lambda n: _edit_article(content, rng, n),
        lambda n: _add_article(content, rng, n),
        lambda n: _delete_article(content, rng, n),
        lambda n: _edit_igs(content, rng, n),
        lambda n: _edit_template(templates, rng, n),
        lambda n: _edit_asset(assets, rng, n),
        lambda n: _edit_site(content, rng, n),
        lambda n: _rename_igs(content, rng, n),
        lambda n: _move_article(content, rng, n),
        lambda n: _redate_article(content, rng, n),
        lambda n: _toggle_member(content, rng, n),
        lambda n: _retitle_page(content, rng, n),
        lambda n: _touch(content, rng, n),
        lambda n: _same_size_edit(content, rng, n),
        lambda n: _recreate_same_stat(content, rng, n),
        lambda n: _rename_article(content, rng, n),
        lambda n: "nothing",
    ]


def test_both_stores_equal_cold_builds_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind of edit, in process, through the memo with either store: the bytes of a cold build."""
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore, MemoryStore

    content, templates, assets = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"))
    rng = random.Random(16)
    edits = _edits(content, templates, assets, rng)
    memos = {"memory": Memo(MemoryStore()), "disk": Memo(DiskStore(tmp_path / "cache"))}
    for memo in memos.values():
        build_files(options, memo)
        memo.finish(success=True)
    history = []
    for n, edit in enumerate(rng.sample(edits, len(edits)) * 2):  # every kind, twice, in a random order
        history.append(edit(n))
        cold = build_files(options, Memo())[1]
        for name, memo in memos.items():
            if name == "disk":
                memo.store = DiskStore(tmp_path / "cache")  # a new process: nothing but the file
            cached = build_files(options, memo)[1]
            assert sum(map(memo.hits, memo.spaces())) > 0, f"{name}: the memo was not used"
            memo.finish(success=True)
            differs = f"{name} differs after: {', '.join(history)}"
            site, fresh = ({k: v for k, v in out.items() if not k.startswith("pagefind/")} for out in (cached, cold))
            assert site.keys() == fresh.keys(), differs
            assert [k for k in fresh if site[k] != fresh[k]] == [], differs
            # The search index may hold edits in its delta bundle: it must find exactly what the cold one finds.
            assert _searchable(cached, tmp_path / name) == _searchable(cold, tmp_path / "cold"), differs


def test_a_build_from_another_folder_renders_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache's keys hold no path as shown (relative to the working folder): the same content built
    from another folder reads no content file again (its journal keeps the records under the paths
    shown from there), renders no page or Markdown again, and gives the same bytes."""
    from sitegen import load
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore

    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # the files were copied a moment ago
    _sample_project(tmp_path)
    (tmp_path / "elders").mkdir()
    read: list[str] = []
    real_read = load.read_file
    monkeypatch.setattr(load, "read_file", lambda path, limit: read.append(str(path)) or real_read(path, limit))
    built = []
    for folder, root in ((tmp_path, Path(".")), (tmp_path / "elders", Path(".."))):
        monkeypatch.chdir(folder)
        read.clear()
        memo = Memo(DiskStore(tmp_path / "cache"))  # each CLI build is a new process
        built.append(build_files(BuildOptions(root / "content", root / "templates", root / "assets"), memo)[1])
        memo.finish(success=True)
    assert not [path for path in read if path.endswith((".md", ".yaml"))]
    assert {name: memo.finished[name][1] for name in ("markdown", "pages")} == dict.fromkeys(("markdown", "pages"), 0)
    assert dict(built[0].items()) == dict(built[1].items())


def _searchable(files: dict[str, bytes], folder: Path) -> object:
    from search_support import searchable

    shutil.rmtree(folder, ignore_errors=True)
    for rel, data in files.items():
        if rel.startswith("pagefind/"):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    return searchable(folder)


def test_delta_search_bundle_indexes_what_a_cold_build_indexes(run_cli, tmp_path: Path, monkeypatch) -> None:
    """Edits that go to the search delta (forced on the sample's small shard): every other file is the
    cold build's, and the index holds the same pages, words, positions and filters
    (tests/search_support.py); the delta grows over the builds and is never indexed into the shard."""
    from search_support import searchable

    from sitegen import search

    monkeypatch.setattr(search, "DELTA_SHARE", 1.0)
    content, templates, assets = _sample_project(tmp_path)
    cache, warm, cold = tmp_path / "cache", tmp_path / "warm", tmp_path / "cold"
    common = ["--content", str(content), "--templates", str(templates), "--assets", str(assets)]
    rng = random.Random(11)
    edits = _edits(content, templates, assets, rng)
    code, _, err = run_cli("build", *common, "--output", str(warm), "--cache", str(cache))
    assert code == 0, err
    history, deltas = [], 0
    for n in range(8):
        history.append(rng.choice(edits)(n))
        _build_warm_and_cold(run_cli, common, cache, warm, cold)
        outside = {rel: data for rel, data in tree_bytes(warm).items() if not rel.startswith("pagefind/")}
        assert outside == {rel: data for rel, data in tree_bytes(cold).items() if not rel.startswith("pagefind/")}
        assert searchable(warm) == searchable(cold), f"search differs after: {', '.join(history)}"
        deltas += (warm / "pagefind" / search.DELTA_DIR).is_dir()
    assert deltas >= 4, "the edits went to the delta"


def test_damaged_cache_is_discarded(run_cli, tmp_path: Path) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    args = ["build", "--content", str(SAMPLE / "content"), "--output", str(out), "--cache", str(cache)]
    code, _, err = run_cli(*args)
    assert code == 0, err
    before = tree_bytes(out)
    tables = list(cache.rglob("memo.sqlite"))
    assert tables
    for table in tables:
        table.write_bytes(b"SQLite format 3\x00 damaged")
    for stamp in cache.rglob("last-build"):
        stamp.unlink()
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert tree_bytes(out) == before


def test_parallel_render_gives_the_sequential_bytes(run_cli, tmp_path: Path, monkeypatch) -> None:
    """Cold builds of large sites render on every core (sitegen.parallel); forced here on the sample."""
    from sitegen import parallel

    if parallel.workers() < 2 or "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs two cores and fork")
    common = ["build", "--content", str(SAMPLE / "content"), "--no-cache"]
    code, _, err = run_cli(*common, "--output", str(tmp_path / "sequential"))
    assert code == 0, err
    calls = []
    original = parallel.pmap_each

    def forced(fn, items, *, min_items=parallel.MIN_ITEMS, weights=None):
        calls.append(len(items))
        return original(fn, items, min_items=1, weights=weights)

    # What the memo computes (the pages, their Markdown, the cards) and the pages without a key.
    monkeypatch.setattr("sitegen.parallel.pmap_each", forced)
    code, _, err = run_cli(*common, "--output", str(tmp_path / "parallel"))
    assert code == 0, err
    assert calls and max(calls) > 5
    assert tree_bytes(tmp_path / "parallel") == tree_bytes(tmp_path / "sequential")


def test_pmap_keeps_order_and_falls_back_when_small() -> None:
    from sitegen.parallel import pmap

    items = list(range(50))
    assert pmap(lambda x: x * x, items, min_items=1) == [x * x for x in items]
    assert pmap(lambda x: -x, items) == [-x for x in items]


def test_scratch_of_killed_builds_is_removed(tmp_path: Path) -> None:
    """The search scratch copy lives in memory (/dev/shm): a killed build's copy must not stay there."""
    import os
    import subprocess
    import sys

    from sitegen.search import _remove_stale_scratch

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"igs-search-{dead.stdout.strip()}-x1"
    own = tmp_path / f"igs-search-{os.getpid()}-x2"
    for folder in (stale, own):
        (folder / "site").mkdir(parents=True)
    _remove_stale_scratch(str(tmp_path))
    assert not stale.exists()
    assert own.exists()


def test_a_same_size_edit_with_its_old_mtime_is_no_no_op(run_cli, tmp_path: Path, monkeypatch) -> None:
    """After a settled build, a write that keeps the size and puts the mtime back is told by its
    ctime alone: the next build is not skipped as a no-op and equals a cold build."""
    from sitegen import fingerprint

    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)  # the copied files settle at once
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)
    content, templates, assets = _sample_project(tmp_path)
    cache, warm, cold = tmp_path / "cache", tmp_path / "warm", tmp_path / "cold"
    common = ["--content", str(content), "--templates", str(templates), "--assets", str(assets)]
    for _ in range(2):  # the second build is the no-op that the stamp allows
        code, _, err = run_cli("build", *common, "--output", str(warm), "--cache", str(cache))
        assert code == 0, err
    assert (cache / fingerprint.STAMP).exists() or list(cache.rglob(fingerprint.STAMP)), "a no-op is possible"
    edited = _same_size_edit(content, random.Random(3), 0)
    _build_warm_and_cold(run_cli, common, cache, warm, cold)
    outside = {rel: data for rel, data in tree_bytes(warm).items() if not rel.startswith("pagefind/")}
    assert outside == {rel: data for rel, data in tree_bytes(cold).items() if not rel.startswith("pagefind/")}, edited
