"""End-to-end behaviour of `python build.py`: golden output, determinism, nothing lost."""

from __future__ import annotations

import difflib
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes
from PIL import Image

GOLDEN = Path(__file__).resolve().parent / "golden"
# The social cards' deflate bytes depend on the processor family (isal; README), their pixels do not.
CARDS = "assets/social/"


def _card_pixels(png: bytes) -> tuple[str, tuple[int, int], bytes, list[int] | None]:
    with Image.open(io.BytesIO(png)) as image:
        return image.mode, image.size, image.tobytes(), image.getpalette()


def _build_sample(run_cli, out: Path) -> None:
    # Without /admin/: the golden output must not depend on whether the CMS is installed (test_admin.py).
    code, _, err = run_cli("build", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err


def test_sample_site_matches_golden(run_cli, tmp_path: Path) -> None:
    """Regenerate with: UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_build.py"""
    out = tmp_path / "site"
    _build_sample(run_cli, out)
    built = tree_bytes(out)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    golden = tree_bytes(GOLDEN)
    assert sorted(built) == sorted(golden), "the set of output files changed"
    for name in sorted(built):
        if name.startswith(CARDS) and name.endswith(".png"):
            assert _card_pixels(built[name]) == _card_pixels(golden[name]), f"{name}: the card's pixels changed"
        elif built[name] != golden[name]:
            diff = difflib.unified_diff(
                golden[name].decode("utf-8", "replace").splitlines(),
                built[name].decode("utf-8", "replace").splitlines(),
                f"golden/{name}",
                f"built/{name}",
                lineterm="",
            )
            pytest.fail(f"{name} differs from the golden file:\n" + "\n".join(list(diff)[:80]))


def test_sample_site_pages(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "site"
    _build_sample(run_cli, out)
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert pages == {
        "index.html",
        "404.html",
        "igs/index.html",
        "igs/noord/index.html",
        "igs/zuid/index.html",
        "verhalen/index.html",
        "verhalen/interview-noord/index.html",
        "verhalen/project-x/index.html",
        "verhalen/soort/interview/index.html",
        "verhalen/soort/spotlight/index.html",
        "verhalen/trefwoord/jong-talent/index.html",
        "contact/index.html",
        "kaart/index.html",
        "gemeenten/index.html",
        "zoeken/index.html",
    }
    # The future-dated article is not published anywhere.
    for name, data in tree_bytes(out).items():
        assert b"Een verhaal voor later" not in data, name
    zuid = (out / "igs/zuid/index.html").read_text()
    assert "De ledenlijst is niet bekend." in zuid
    home = (out / "index.html").read_text()
    assert home.count("<h1") == 1
    assert 'lang="nl-BE"' in home
    assert 'action="https://formulier.example/inschrijven"' in home


def test_two_builds_are_byte_identical(run_cli, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    code, _, err = run_cli("build", "--output", str(first))
    assert code == 0, err
    code, _, err = run_cli("build", "--output", str(second))
    assert code == 0, err
    assert tree_bytes(first) == tree_bytes(second)


@pytest.fixture(params=["shipped", "edited"])
def valid_content(request: pytest.FixtureRequest) -> Path:
    """The shipped content, and a copy with an editor's typical changes: both must build."""
    return ROOT / "content" if request.param == "shipped" else request.getfixturevalue("edited_content")


def test_shipped_content_builds(run_cli, tmp_path: Path, valid_content: Path) -> None:
    """Every IGS file, published article and page gets its page; drafts and scheduled items do not."""
    from sitegen.pipeline import BuildOptions, load_and_validate

    out = tmp_path / "site"
    code, stdout, err = run_cli("build", "--content", str(valid_content), "--output", str(out))
    assert code == 0, err
    site = load_and_validate(BuildOptions(valid_content, ROOT / "templates", ROOT / "assets"))
    igs_pages = {p.parent.name for p in (out / "igs").glob("*/index.html")}
    assert igs_pages == {p.stem for p in (valid_content / "igs").glob("*.yaml")}
    articles = {p.parent.name for p in (out / "verhalen").glob("*/index.html")}
    assert articles == {a.slug for a in site.articles}
    assert not any(a.is_unpublished for a in site.articles)
    for page in site.pages:
        assert (out / page.out_path).is_file(), page.slug
    assert f"{len(list(out.rglob('*.html')))} pagina's" in stdout


@pytest.mark.parametrize(
    "option", [("--base-url", "https://elders.example/igs/"), ("--drafts",)], ids=["base-url", "drafts"]
)
def test_an_option_that_shapes_the_output_is_never_a_no_op(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: tuple[str, ...]
) -> None:
    """The no-op check keys on the BuildOptions that build.py makes once for the build itself."""
    from sitegen import fingerprint

    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)  # the copy's ctimes are new (they cannot be set back)
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    old = time.time() - 3600  # so the no-op check trusts the mtimes it records
    for path in [content, *content.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    args = ("build", "--no-admin", "--content", str(content), "--output", str(tmp_path / "site"))
    args += ("--cache", str(tmp_path / "cache"))
    assert run_cli(*args)[0] == 0
    code, out, _ = run_cli(*args)
    assert code == 0 and out.startswith("Niets gewijzigd")
    code, out, err = run_cli(*args, *option)
    assert code == 0, err
    assert "Niets gewijzigd" not in out
    code, out, _ = run_cli(*args, *option)
    assert code == 0 and out.startswith("Niets gewijzigd")


SHORT_WINDOW_NS = 300_000_000  # a racy window the copied files leave behind within the test


def _aged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, tuple[str, ...]]:
    """A copy of the sample content dated an hour back and settled (its ctimes, which cannot be set
    back, outside a short racy window), and the arguments of a cached build of it."""
    from sitegen import fingerprint

    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    old = time.time() - 3600
    for path in [content, *content.rglob("*")]:
        os.utime(path, (old, old), follow_symlinks=False)
    monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", SHORT_WINDOW_NS)
    time.sleep(2 * SHORT_WINDOW_NS / 1e9)
    args = ("build", "--no-admin", "--content", str(content), "--output", str(tmp_path / "site"))
    return content, (*args, "--cache", str(tmp_path / "cache"))


def test_the_build_after_an_edit_is_remembered(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited file is racy for the build right after the edit (its stat may not show a second edit
    yet): that build vouches for it by its bytes, so the next build with nothing changed is a no-op."""
    content, args = _aged_copy(tmp_path, monkeypatch)
    assert run_cli(*args)[0] == 0
    assert run_cli(*args)[1].startswith("Niets gewijzigd")
    article = sorted((content / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen zin die er net bij kwam.\n", encoding="utf-8")
    code, out, err = run_cli(*args)
    assert code == 0 and "Niets gewijzigd" not in out, err
    code, out, _ = run_cli(*args)
    assert code == 0 and out.startswith("Niets gewijzigd")


def test_a_racy_edit_its_stat_hides_is_built(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system whose ctime does not move (or an edit in the same clock tick), an edit that
    keeps the size and sets the mtime back leaves the whole stat as it was: the remembered build's
    digest of the racy file's bytes tells it, and the next build shows the new text."""
    from sitegen import tree

    content, args = _aged_copy(tmp_path, monkeypatch)
    assert run_cli(*args)[0] == 0
    plain = tree._PLAIN_STATE
    monkeypatch.setattr(tree, "_PLAIN_STATE", lambda info: (*plain(info)[:6], 0))  # a ctime that never moves
    article = sorted((content / "articles").glob("*.md"))[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nProject X.\n", encoding="utf-8")
    assert run_cli(*args)[0] == 0
    written = article.stat().st_mtime_ns
    article.write_text(article.read_text(encoding="utf-8").replace("Project X.", "Project Y."), encoding="utf-8")
    os.utime(article, ns=(written, written))
    code, out, err = run_cli(*args)
    assert code == 0 and "Niets gewijzigd" not in out, err
    shown = [page.read_text(encoding="utf-8") for page in (tmp_path / "site").rglob("*.html")]
    assert any("Project Y." in text for text in shown) and not any("Project X." in text for text in shown)
    code, out, _ = run_cli(*args)
    assert code == 0 and out.startswith("Niets gewijzigd")


def test_a_racy_file_the_build_reads_itself_is_not_vouched_for(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template is read by the render stage, not from the walk's bytes: a build right after a
    template edit is not remembered, so the next one builds again (and once the edit has settled,
    a build is remembered again)."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    _, args = _aged_copy(tmp_path, monkeypatch)
    args = (*args, "--templates", str(templates))
    assert run_cli(*args)[0] == 0
    base = templates / "_base.html"
    base.write_text(base.read_text(encoding="utf-8") + "\n{# bewerkt #}\n", encoding="utf-8")
    assert run_cli(*args)[0] == 0
    code, out, err = run_cli(*args)
    assert code == 0 and "Niets gewijzigd" not in out, err
    time.sleep(2 * SHORT_WINDOW_NS / 1e9)
    assert run_cli(*args)[0] == 0
    assert run_cli(*args)[1].startswith("Niets gewijzigd")


def test_check_writes_nothing(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, valid_content: Path) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("check", "--content", str(valid_content))
    assert code == 0, err
    assert "Geen fouten" in out
    assert list(tmp_path.iterdir()) == []


def _broken_copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    igs = content / "igs" / "noord.yaml"
    igs.write_text(igs.read_text().replace("province: Antwerpen", "province: Antwerp"))
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text().replace("igs: [noord]", "igs: [nord]"))
    return content


def test_errors_are_all_reported_with_file_and_line(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _broken_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 1
    lines = err.splitlines()
    assert "content/articles/project-x.md:5:7: onbekend IGS 'nord'" in lines
    assert "content/igs/noord.yaml:2:11: ongeldige waarde 'Antwerp' voor 'province'" in lines
    assert lines[-1].startswith("Build mislukt: 2 fouten")


def test_failed_build_leaves_output_untouched(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    _build_sample(run_cli, out)
    before = tree_bytes(out)
    content = _broken_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 1
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "content", "site"]


def test_interrupted_write_leaves_output_untouched(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash in the middle of writing (here: the disk 'fills up') keeps the old site."""
    from sitegen import write

    out = tmp_path / "site"
    _build_sample(run_cli, out)
    before = tree_bytes(out)
    calls = {"n": 0}
    real_write_new = write._write_new  # how the write stage creates each file

    def failing_write_new(path: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        real_write_new(path, data)

    monkeypatch.setattr(write, "_write_new", failing_write_new)
    with pytest.raises(OSError):
        write.write_site({f"page{i}.html": b"x" for i in range(10)}, out)
    monkeypatch.undo()
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]


def test_usage_errors_exit_2(run_cli) -> None:
    code, _, err = run_cli("build", "--no-such-option")
    assert code == 2
    assert err.splitlines()[0].startswith("gebruik: build.py")
    assert err.splitlines()[-1] == "build.py: fout: onbekend: --no-such-option"


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["serve"], ["new"], ["schemas"]])
def test_help_is_in_dutch(run_cli, command: list[str]) -> None:
    """Editors read the help of check, serve and new: argparse's own words too are Dutch."""
    code, out, _ = run_cli(*command, "--help")
    assert code == 0
    assert out.startswith("gebruik: build.py")
    assert "toon deze hulp" in out
    english = ("usage", "options:", "positional arguments", "show this help", "default:", "folder")
    assert [word for word in english if word in out] == []


def test_output_folder_may_not_contain_content(run_cli, tmp_path: Path) -> None:
    code, _, err = run_cli("build", "--output", str(ROOT))
    assert code == 2
    assert "uitvoermap" in err


def test_lost_output_is_restored_even_when_the_next_build_fails(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed between its two renames left only '<name>.output-old-*': restore it first."""
    from sitegen.write import OLD_PREFIX

    out = tmp_path / "site"
    _build_sample(run_cli, out)
    before = tree_bytes(out)
    out.rename(tmp_path / f"site{OLD_PREFIX}4242")
    content = _broken_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 1
    assert tree_bytes(out) == before


def test_concurrent_builds_are_serialised(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "site"
    command = [
        sys.executable,
        str(ROOT / "build.py"),
        "--no-cache",
        "--content",
        str(SAMPLE / "content"),
        "--output",
        str(out),
    ]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for build in builds:
        _, err = build.communicate(timeout=120)
        assert build.returncode == 0, err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "site"]
    assert (out / "index.html").is_file()
