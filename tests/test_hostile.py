"""Hostile and careless content: every case ends in a clear error or in a correct, safe site.

Each case drops one or more files into a copy of the sample site (files from tests/hostile/, or
bytes made here when they cannot live in a text file) and runs `build.py` on it. An error case
must exit 1 with the exact `path:line:col: message` line, leave the previous output byte for
byte as it was, and leave no temporary folder behind. A site case must build and the result is
checked. A Python exception from the build fails the test, so "no traceback" is part of every case.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

HOSTILE = Path(__file__).resolve().parent / "hostile"

IGS_FIELDS = "province: Limburg\nmunicipalities: []\nmembers_complete: false\nsummary: Een testregio.\n"
ARTICLE_FIELDS = "type: news\ndate: 2021-05-04\nsummary: Een kort verhaal.\n"


def igs(name: str = "Regio", extra: str = "") -> str:
    return f"name: {name}\n{IGS_FIELDS}{extra}"


def article(title: str = "Een verhaal", body: str = "Tekst.\n", extra: str = "") -> str:
    return f"---\ntitle: {title}\n{ARTICLE_FIELDS}{extra}---\n{body}"


Setup = Callable[[Path], None]  # gets the content folder of the copy


def corpus(*names: str) -> Setup:
    """Copy tests/hostile/<name> to content/<name>."""

    def setup(content: Path) -> None:
        for name in names:
            shutil.copyfile(HOSTILE / name, content / name)

    return setup


def write(name: str, data: bytes | str) -> Setup:
    def setup(content: Path) -> None:
        target = content / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)

    return setup


def symlink(name: str, target: str) -> Setup:
    """content/<name> -> <target>; a relative target is taken from the test's temporary folder."""

    def setup(content: Path) -> None:
        outside = content.parent / "buiten"
        outside.mkdir(exist_ok=True)
        (outside / "geheim.yaml").write_text(igs("Geheim"))
        (outside / "foto.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).symlink_to(content.parent / target)

    return setup


def many_articles(count: int) -> Setup:
    def setup(content: Path) -> None:
        for i in range(count):
            (content / "articles" / f"bericht-{i:04d}.md").write_text(
                article(f"Bericht {i}", f"Tekst van bericht {i} met een [link](/igs/noord/).\n")
            )

    return setup


@dataclass(frozen=True)
class Case:
    id: str
    setup: Setup
    error: str = ""  # 'path:line:col: words' a reported line must start with; empty: the site must build
    check: Callable[[Path], None] | None = None  # for a site case: gets the output folder
    seconds: float = 30.0  # the build must end within this time (generous: CI machines vary)
    alone: bool = False  # a site case that gets a build of its own (the others share one build)


def page(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def _check_igs_page(slug: str, *expected: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        html = page(out, f"igs/{slug}/index.html")
        for text in expected:
            assert text in html
        assert "\r" not in html

    return check


def _check_article(slug: str, *expected: str, absent: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        html = page(out, f"verhalen/{slug}/index.html")
        for text in expected:
            assert text in html
        for text in absent:
            assert text not in html

    return check


def _check_no_page(rel: str) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        assert not (out / rel).exists()
        assert "verborgen" not in page(out, "verhalen/index.html")

    return check


BIG_BODY = "".join(
    f"Alinea {i} met wat tekst, een **woord** en een [link](https://andere.example/{i}).\n\n" for i in range(4000)
)

CASES = [
    # --- YAML that tries to construct objects or run code
    Case(
        "python-object-apply", corpus("igs/python-apply.yaml"), "content/igs/python-apply.yaml:1:7: onbekende YAML-tag"
    ),
    Case("python-name", corpus("igs/python-name.yaml"), "content/igs/python-name.yaml:6:14: onbekende YAML-tag"),
    Case("tag-directive", corpus("igs/tag-directive.yaml"), "content/igs/tag-directive.yaml:3:7: onbekende YAML-tag"),
    Case("binary-tag", corpus("igs/binary-tag.yaml"), "content/igs/binary-tag.yaml:1:7: onbekende YAML-tag"),
    Case("local-tag", corpus("igs/local-tag.yaml"), "content/igs/local-tag.yaml:2:11: onbekende YAML-tag '!Ref'"),
    # --- anchors, aliases, merge keys, duplicate keys, tabs, documents
    Case(
        "billion-laughs",
        corpus("igs/billion-laughs.yaml"),
        "content/igs/billion-laughs.yaml:2:4: ankers (&) en verwijzingen (*) worden niet ondersteund",
        seconds=10,  # a real bomb never ends; the bound only has to tell the two apart
    ),
    Case(
        "anchor-alias",
        corpus("igs/anchor-alias.yaml"),
        "content/igs/anchor-alias.yaml:5:10: ankers (&) en verwijzingen (*) worden niet ondersteund",
    ),
    Case(
        "merge-key",
        corpus("igs/merge-key.yaml"),
        "content/igs/merge-key.yaml:2:1: een sleutel moet een gewoon woord zijn",
    ),
    Case(
        "duplicate-key",
        corpus("igs/duplicate-key.yaml"),
        "content/igs/duplicate-key.yaml:6:1: het veld 'name' staat twee keer in dit blok (ook op regel 1)",
    ),
    Case(
        "tab-indent",
        corpus("igs/tab-indent.yaml"),
        "content/igs/tab-indent.yaml:7:1: tab-teken gevonden: YAML laat alleen spaties toe om in te springen",
    ),
    Case(
        "several-documents",
        corpus("igs/several-documents.yaml"),
        "content/igs/several-documents.yaml:6:1: het bestand bevat meer dan één YAML-document (een tweede '---')",
    ),
    Case(
        "complex-key",
        corpus("igs/complex-key.yaml"),
        "content/igs/complex-key.yaml:6:3: een sleutel moet een gewoon woord zijn",
    ),
    Case("top-level-list", corpus("igs/top-level-list.yaml"), "content/igs/top-level-list.yaml:1:1: dit moet"),
    Case("top-level-string", corpus("igs/top-level-string.yaml"), "content/igs/top-level-string.yaml:1:1: dit moet"),
    Case(
        "deep-flow-nesting",
        write("igs/diep.yaml", "name: " + "[" * 100_000 + "\n"),
        "content/igs/diep.yaml:1:38: de gegevens zijn te diep genest (meer dan 32 niveaus)",
        seconds=10,  # a real bomb never ends; the bound only has to tell the two apart
    ),
    Case(
        "deep-block-nesting",
        write("igs/diep.yaml", "name:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 200))),
        "content/igs/diep.yaml:33:65: de gegevens zijn te diep genest (meer dan 32 niveaus)",
        seconds=10,  # a real bomb never ends; the bound only has to tell the two apart
    ),
    Case(
        "deep-nesting-front-matter",
        corpus("articles/deep-nesting.md"),
        "content/articles/deep-nesting.md:6:38: de gegevens zijn te diep genest (meer dan 32 niveaus)",
    ),
    # --- empty and odd files
    Case("empty-yaml", write("igs/leeg.yaml", b""), "content/igs/leeg.yaml:1:1: dit IGS-bestand is leeg"),
    Case(
        "whitespace-yaml", write("igs/leeg.yaml", b"  \n\n   \n"), "content/igs/leeg.yaml:1:1: dit IGS-bestand is leeg"
    ),
    Case("comment-only", corpus("igs/comment-only.yaml"), "content/igs/comment-only.yaml:1:1: dit IGS-bestand is leeg"),
    Case("empty-site-yaml", write("site.yaml", b""), "content/site.yaml:1:1: site.yaml is leeg"),
    # --- encodings and line endings
    Case(
        "latin-1",
        write("igs/latin.yaml", igs("Régio").encode("latin-1")),
        "content/igs/latin.yaml:1:8: het bestand is niet in UTF-8 opgeslagen (ongeldige byte 0xe9)",
    ),
    Case(
        "utf-16",
        write("igs/utf16.yaml", igs().encode("utf-16")),
        "content/igs/utf16.yaml:1:1: het bestand is niet in UTF-8 opgeslagen (ongeldige byte 0xff)",
    ),
    Case(
        "nul-byte",
        write("igs/nul.yaml", igs("Re\x00gio")),
        "content/igs/nul.yaml:1:1: het bestand bevat een nul-teken (binair bestand?)",
    ),
    Case(
        "bom-yaml",
        write("igs/bom.yaml", "\ufeff" + igs("Regio met BOM")),
        check=_check_igs_page("bom", ">Regio met BOM</h1>"),
    ),
    Case(
        "crlf-yaml",
        write(
            "igs/crlf.yaml",
            igs("Regio CRLF", "description: |\n  Eerste regel\n  tweede regel.\n").replace("\n", "\r\n"),
        ),
        check=_check_igs_page("crlf", ">Regio CRLF</h1>", "<p>Eerste regel\ntweede regel.</p>"),
    ),
    Case(
        "lone-cr-yaml",
        write(
            "igs/cr.yaml", igs("Regio CR", "description: |\n  Eerste regel\n\n  Tweede alinea.\n").replace("\n", "\r")
        ),
        check=_check_igs_page("cr", ">Regio CR</h1>", "<p>Eerste regel</p>\n<p>Tweede alinea.</p>"),
    ),
    Case(
        "bom-before-fence",
        write("articles/bom.md", "\ufeff" + article("Verhaal met BOM")),
        check=_check_article("bom", "<h1>Verhaal met BOM</h1>"),
    ),
    Case(
        "crlf-markdown",
        write("articles/crlf.md", article("Verhaal CRLF", "Een\r\nalinea.\r\n\r\n## Kop\r\n").replace("\n", "\r\n")),
        check=_check_article("crlf", "<h1>Verhaal CRLF</h1>", '<h2 id="kop">Kop</h2>', absent=("\r",)),
    ),
    # --- YAML 1.1 surprises read as the text the editor wrote
    Case("norway", corpus("igs/norway.yaml"), check=_check_igs_page("norway", ">no</h1>")),
    Case("number-name", corpus("igs/number-name.yaml"), check=_check_igs_page("number-name", ">1.10</h1>")),
    # --- invisible and control characters
    Case(
        "control-char",
        corpus("igs/control-char.yaml"),
        "content/igs/control-char.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "zero-width-space",
        corpus("igs/zero-width.yaml"),
        "content/igs/zero-width.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "raw-bell-byte",
        write("igs/bel.yaml", igs("Re\x07gio")),
        "content/igs/bel.yaml:1:9: het bestand bevat een onzichtbaar besturingsteken (U+0007)",
    ),
    Case(
        "terminal-escape-in-front-matter",
        write("articles/escape.md", article("Titel \x1b[31mrood")),
        "content/articles/escape.md:2:14: het bestand bevat een onzichtbaar besturingsteken (U+001B)",
    ),
    Case(
        "bidi-override",
        corpus("igs/bidi-override.yaml"),
        "content/igs/bidi-override.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "bidi-isolate",
        corpus("articles/bidi-isolate.md"),
        "content/articles/bidi-isolate.md:2:8: 'title' bevat onzichtbare besturingstekens",
    ),
    Case(
        "right-to-left-mark",
        write("igs/rlm.yaml", igs("Regio\u200f")),
        "content/igs/rlm.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "bidi-in-body",
        corpus("articles/bidi-in-body.md"),
        "content/articles/bidi-in-body.md:8:12: de tekst bevat onzichtbare besturingstekens",
    ),
    # --- front matter oddities
    Case(
        "no-closing-fence",
        corpus("articles/no-closing-fence.md"),
        "content/articles/no-closing-fence.md:1:1: de front matter wordt niet afgesloten met een regel '---'",
    ),
    Case(
        "rule-in-body",
        corpus("articles/rule-in-body.md"),
        check=_check_article(
            "rule-in-body", "<p>Boven de lijn.</p>\n<hr>\n<p>title: dit is gewone tekst</p>", "Onder de lijn."
        ),
    ),
    Case(
        "front-matter-list",
        corpus("articles/front-matter-list.md"),
        "content/articles/front-matter-list.md:2:1: dit moet",
    ),
    Case(
        "front-matter-string",
        corpus("articles/front-matter-string.md"),
        "content/articles/front-matter-string.md:2:1: dit moet",
    ),
    Case(
        "leading-blank-line",
        corpus("articles/leading-blank-line.md"),
        "content/articles/leading-blank-line.md:1:1: het bestand begint niet met front matter (een regel '---')",
    ),
    Case(
        "empty-front-matter",
        corpus("articles/empty-front-matter.md"),
        "content/articles/empty-front-matter.md:1:1: de front matter van dit verhaal is leeg",
    ),
    Case(
        "no-body",
        corpus("articles/no-body.md"),
        "content/articles/no-body.md:7:1: dit verhaal heeft geen tekst onder de front matter",
    ),
    Case(
        "empty-markdown",
        corpus("articles/empty.md"),
        "content/articles/empty.md:1:1: het bestand begint niet met front matter (een regel '---')",
    ),
    Case(
        "fence-trailing-spaces",
        corpus("articles/fence-trailing-spaces.md"),
        check=_check_article("fence-trailing-spaces", "<h1>Spaties na de lijn</h1>"),
    ),
    # --- dates that do not exist
    Case(
        "feb-29-2023",
        corpus("articles/feb-29-2023.md"),
        "content/articles/feb-29-2023.md:4:7: de datum '2023-02-29' bestaat niet",
    ),
    Case(
        "month-13",
        corpus("articles/month-13.md"),
        "content/articles/month-13.md:4:7: de datum '2023-13-01' bestaat niet",
    ),
    Case(
        "datetime",
        corpus("articles/datetime.md"),
        "content/articles/datetime.md:4:7: 'date' is een datum zonder uur: schrijf alleen 2023-03-01",
    ),
    Case("huge-int", corpus("pages/huge-nav.md"), "content/pages/huge-nav.md:4:6: 'nav' moet een geheel getal zijn"),
    Case("nan", corpus("pages/nan-nav.md"), "content/pages/nan-nav.md:4:6: 'nav' moet een geheel getal zijn"),
    # --- paths that try to leave content/
    Case(
        "image-traversal",
        corpus("articles/image-traversal.md"),
        "content/articles/image-traversal.md:7:8: afbeelding '../../etc/passwd' moet in content/images/ staan",
    ),
    Case(
        "image-absolute",
        corpus("articles/image-absolute.md"),
        "content/articles/image-absolute.md:7:8: afbeelding '/etc/passwd' moet in content/images/ staan",
    ),
    Case(
        "image-dotdot-inside",
        corpus("articles/image-dotdot-inside.md"),
        "content/articles/image-dotdot-inside.md:7:8: afbeelding 'images/../../../etc/passwd' moet in",
    ),
    Case(
        "image-remote",
        corpus("articles/image-remote.md"),
        "content/articles/image-remote.md:7:8: afbeelding 'https://evil.example/pixel.png' moet in",
    ),
    Case(
        "photo-traversal",
        corpus("igs/photo-traversal.yaml"),
        "content/igs/photo-traversal.yaml:8:10: afbeelding '../../etc/passwd' moet in content/images/ staan",
    ),
    Case(
        "symlinked-igs",
        symlink("igs/geheim.yaml", "buiten/geheim.yaml"),
        "content/igs/geheim.yaml: deze snelkoppeling wijst naar een bestand buiten content/",
    ),
    Case(
        "symlinked-image",
        symlink("images/foto.jpg", "buiten/foto.jpg"),
        "content/images/foto.jpg: deze snelkoppeling wijst naar een bestand buiten content/",
    ),
    Case(
        "symlinked-image-folder",
        symlink("images/buiten", "buiten"),
        "content/images/buiten: deze snelkoppeling wijst naar een bestand buiten content/",
    ),
    # --- links with dangerous schemes in YAML fields
    Case(
        "javascript-url",
        corpus("igs/javascript-url.yaml"),
        "content/igs/javascript-url.yaml:8:10: 'url' is geen geldige link",
    ),
    Case(
        "protocol-relative-url",
        corpus("igs/protocol-relative-url.yaml"),
        "content/igs/protocol-relative-url.yaml:8:10: 'url' is geen geldige link",
    ),
    Case("data-url", corpus("igs/data-url.yaml"), "content/igs/data-url.yaml:6:10: 'website' is geen geldig webadres"),
    # --- names that are not slugs
    Case(
        "uppercase-name",
        write("igs/Noord2.yaml", igs()),
        "content/igs/Noord2.yaml: ongeldige bestandsnaam 'Noord2.yaml'",
    ),
    Case(
        "space-in-name",
        write("articles/mijn verhaal.md", article()),
        "content/articles/mijn verhaal.md: ongeldige bestandsnaam 'mijn verhaal.md'",
    ),
    Case(
        "unicode-name",
        write("igs/café.yaml", igs()),
        "content/igs/café.yaml: ongeldige bestandsnaam 'café.yaml'",
    ),
    Case(
        "dotdot-name",
        write("articles/a..b.md", article()),
        "content/articles/a..b.md: ongeldige bestandsnaam 'a..b.md'",
    ),
    Case(
        "wrong-suffix",
        write("igs/regio.yml", igs()),
        "content/igs/regio.yml: onverwacht bestand: bestanden in deze map eindigen op '.yaml'",
    ),
    Case(
        "folder-in-igs",
        write("igs/map/regio.yaml", igs()),
        "content/igs/map: onverwachte map: hier horen alleen bestanden",
    ),
    Case(
        "hidden-file-ignored",
        write("articles/.verborgen.md", article("verborgen")),
        check=_check_no_page("verhalen/.verborgen"),
    ),
    # --- output paths that collide with the site's own pages
    Case(
        "page-named-igs",
        corpus("pages/igs.md"),
        "content/pages/igs.md: de naam 'igs' is voorbehouden voor een vaste pagina van de site",
    ),
    Case(
        "page-named-verhalen",
        corpus("pages/verhalen.md"),
        "content/pages/verhalen.md: de naam 'verhalen' is voorbehouden voor een vaste pagina van de site",
    ),
    Case(
        "page-named-kaart",
        corpus("pages/kaart.md"),
        "content/pages/kaart.md: de naam 'kaart' is voorbehouden voor een vaste pagina van de site",
    ),
    Case(
        "page-named-404",
        corpus("pages/404.md"),
        "content/pages/404.md: de naam '404' is voorbehouden voor een vaste pagina van de site",
    ),
    Case(
        "page-named-assets",
        corpus("pages/assets.md"),
        "content/pages/assets.md: de naam 'assets' is voorbehouden voor een vaste pagina van de site",
    ),
    # --- size: huge files, long lines, many files
    Case(
        "five-megabytes",
        write("igs/groot.yaml", igs("Groot", "description: " + "x" * 5_000_000 + "\n")),
        "content/igs/groot.yaml: het bestand is te groot",
        seconds=10,  # a real bomb never ends; the bound only has to tell the two apart
    ),
    Case(
        "big-image",
        lambda c: os.truncate(_touch(c / "images/groot.jpg"), 11_000_000),
        "content/images/groot.jpg: de afbeelding is te groot (11 MB; hoogstens 10 MB)",
    ),
    Case(
        "long-line",
        write("igs/lang.yaml", igs("Lang", "description: " + "woord " * 60_000 + "\n")),
        check=_check_igs_page("lang", "woord woord"),
        seconds=45,
        alone=True,
    ),
    Case(
        "big-article",
        write("articles/groot.md", article("Groot verhaal", BIG_BODY)),
        check=_check_article("groot", "Alinea 3999 met wat tekst"),
        seconds=60,
        alone=True,
    ),
]


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


@pytest.fixture(scope="module")
def previous_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site as built before each case: what an error must leave untouched."""
    out = tmp_path_factory.mktemp("previous") / "site"
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--content", str(SAMPLE / "content"), "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)
    used = {p.relative_to(HOSTILE).as_posix() for p in HOSTILE.rglob("*") if p.is_file()}
    assert len(used) >= 40


def _build(content: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--content", "content", "--output", out.name],
        cwd=content.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the sample site with the files of every site case that is not `alone` added."""
    root = tmp_path_factory.mktemp("shared")
    content = root / "content"
    shutil.copytree(SAMPLE / "content", content)
    for case in CASES:
        if not case.error and not case.alone:
            case.setup(content)
    result = _build(content, root / "site")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return root / "site"


ERROR_CASES = [case for case in CASES if case.error]
SITE_CASES = [case for case in CASES if not case.error]


def assert_reported(case: Case, run_cli, previous_output: Path, tmp_path: Path) -> None:
    """The sample site with `case` added fails to build with the case's line, within its time
    bound, and leaves the previous output byte for byte as it was. Runs in `tmp_path` (the caller
    has changed to it), as an editor's `build.py build` would."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    case.setup(content)
    out = tmp_path / "site"
    shutil.copytree(previous_output, out)
    before = tree_bytes(out)
    started = time.perf_counter()
    code, _, err = run_cli("build", "--content", "content", "--output", "site")
    elapsed = time.perf_counter() - started
    assert elapsed < case.seconds, f"took {elapsed:.1f} s"
    assert code == 1, err
    location, _, words = case.error.partition(": ")
    reported = [line for line in err.splitlines() if line.startswith(f"{location}: ")]
    assert any(words in line for line in reported), err
    assert err.splitlines()[-1].startswith("Build mislukt:")
    assert tree_bytes(out) == before


def assert_builds_alone(case: Case, tmp_path: Path) -> None:
    """The sample site with only `case` added builds, within the case's time bound, and passes its check."""
    assert case.check is not None
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    case.setup(content)
    started = time.perf_counter()
    result = _build(content, tmp_path / "site")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < case.seconds, f"took {elapsed:.1f} s"
    case.check(tmp_path / "site")


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_hostile_content_is_reported(
    case: Case, run_cli, previous_output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_reported(case, run_cli, previous_output, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"content", "site"} | ({"buiten"} & {p.name for p in tmp_path.iterdir()})
    )
    assert not (tmp_path / "pwned.txt").exists()


@pytest.mark.parametrize("case", SITE_CASES, ids=[case.id for case in SITE_CASES])
def test_hostile_content_builds_a_correct_site(case: Case, shared_site: Path, tmp_path: Path) -> None:
    assert case.check is not None
    if case.alone:
        assert_builds_alone(case, tmp_path)
    else:
        case.check(shared_site)


@pytest.mark.parametrize("name", ["igs/python-apply.yaml", "igs/billion-laughs.yaml"])
def test_real_process_reports_without_traceback(name: str, tmp_path: Path) -> None:
    """The same as a separate process: exit 1, a Dutch report, no Python traceback."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    corpus(name)(content)
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "check", "--content", "content"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"content/{name}:")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "pwned.txt").exists()


def _cpu_seconds() -> float:
    """Processor time of this process and its finished children (pmap's workers), not wall time:
    it hardly changes with the load of a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def test_two_thousand_articles_build(tmp_path: Path) -> None:
    """Many files: every stage but the write (which test_crash.py covers with as many files), and
    work that grows in proportion to the number of articles. How fast is bench/'s question; here
    four times the articles may cost at most twice four times the processor time (a stage that
    compares every article with every other costs sixteen times as much)."""
    from sitegen.model import Site
    from sitegen.pipeline import BuildOptions, build_files

    def build(count: int) -> tuple[float, Site, dict[str, bytes]]:
        content = tmp_path / f"content-{count}"
        shutil.copytree(SAMPLE / "content", content)
        many_articles(count)(content)
        started, wall = _cpu_seconds(), time.perf_counter()
        site, files = build_files(BuildOptions(content, ROOT / "templates", ROOT / "assets"))
        assert time.perf_counter() - wall < 600  # a hang, not a slow machine
        shutil.rmtree(content)
        return _cpu_seconds() - started, site, files

    small, _, _ = build(500)
    large, site, files = build(2000)
    assert large < 8 * small, f"500 articles: {small:.1f} s of processor time, 2000: {large:.1f} s"
    assert len(site.articles) == 2002  # the future-dated sample article is left out
    pages = [name for name in files if name.startswith("verhalen/bericht-")]
    assert len(pages) == 2000
    assert "Bericht 1999" in files["verhalen/index.html"].decode()
    assert b"Tekst van bericht 1234 met een" in files["verhalen/bericht-1234/index.html"]
