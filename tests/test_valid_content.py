"""Valid content never turns CI red: what `check` accepts, the rest of CI accepts.

The tests of the shipped site (test_build, test_publishing, test_search) also run over a copy of
the shipped content with an editor's typical pull request added (tests/editor_changes.py). Here:
image names that would break a URL are refused by `check` itself, and the HTML validator that CI
runs accepts the edited site.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from browser_support import node_modules
from PIL import Image

from sitegen.errors import LINKS_NOT_CHECKED
from sitegen.load import url_safe_name

ARTICLE = """---
title: Met een foto
type: news
date: 2024-01-05
summary: "Een verhaal met een foto."
image:
  src: "images/{name}"
  alt: "Een foto"
---
Tekst.
"""
HINT_TAIL = "en pas het pad aan waar je het gebruikt; gebruik alleen letters zonder accent, cijfers, '-', '_' en '.'"


@pytest.mark.parametrize(
    ("name", "named", "suggestion"),
    [
        ("open dag.jpg", "spatie", "open-dag.jpg"),
        ("affiche#2.png", "'#'", "affiche-2.png"),
        ("wat?.png", "'?'", "wat.png"),
        ("100%.png", "'%'", "100.png"),
        ("Café Zomer.JPG", "spatie, 'é'", "cafe-zomer.jpg"),
    ],
)
def test_check_refuses_image_names_that_break_a_url(
    run_cli, content: Path, name: str, named: str, suggestion: str
) -> None:
    (content / "images").mkdir(exist_ok=True)
    Image.new("RGB", (40, 30), (10, 90, 60)).save(content / "images" / name, format="PNG")
    (content / "articles" / "met-foto.md").write_text(ARTICLE.format(name=name), encoding="utf-8")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    assert err.splitlines() == [
        f"content/images/{name}: deze bestandsnaam past niet in een webadres (bevat {named})",
        f"    hint: hernoem het bestand naar images/{suggestion} {HINT_TAIL}",
        LINKS_NOT_CHECKED,
        "Build mislukt: 1 fout gevonden. Er is niets gepubliceerd of gewijzigd in de uitvoermap.",
    ], "one error, at the file; the article that uses it gets no second one"


def test_url_safe_names_are_left_alone_and_others_made_readable() -> None:
    assert url_safe_name("Atelier_Open-dag.2026.jpg") == "atelier_open-dag.2026.jpg"
    assert url_safe_name("Één foto (2).jpeg") == "een-foto-2.jpeg"
    assert url_safe_name("###.png") == "afbeelding.png"


def test_heic_photo_is_explained(run_cli, content: Path) -> None:
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "IMG_0042.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == "content/images/IMG_0042.HEIC: een iPhone-foto (HEIC) kan een browser niet tonen"
    assert lines[1].startswith("    hint: bewaar de foto als JPEG (IMG_0042.jpg): op een iPhone via Instellingen")


def _vnu() -> list[str]:
    jar = node_modules() / "vnu-jar" / "build" / "dist" / "vnu.jar"
    java = shutil.which("java")
    if not java or not jar.is_file():
        pytest.skip("needs java and vnu-jar (run the shared tools' setup)")
    return [java, "-jar", str(jar)]


@pytest.mark.browser
def test_the_html_validator_accepts_what_check_accepts(run_cli, edited_content: Path, tmp_path: Path) -> None:
    """CI validates every page with the Nu Html Checker: an editor's valid pull request passes it."""
    vnu = _vnu()
    code, _, err = run_cli("check", "--content", str(edited_content))
    assert code == 0, err
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(edited_content), "--output", str(out))
    assert code == 0, err
    result = subprocess.run(
        [*vnu, "--errors-only", "--skip-non-html", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, JAVA_TOOL_OPTIONS=""),
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("written", "dialled"),
    [
        ("050 12 34 56", "tel:+3250123456"),
        ("050/12.34.56", "tel:+3250123456"),
        ("(050) 12 34 56", "tel:+3250123456"),
        ("+32 (0)50 12 34 56", "tel:+3250123456"),
        ("+32 50 12 34 56", "tel:+3250123456"),
        ("0032 50 12 34 56", "tel:+3250123456"),
        ("050123456", "tel:+3250123456"),  # YAML reads it as a number (octal): the build as written
        ("0470 12 34 56", "tel:+32470123456"),
        ("+31 20 123 45 67", "tel:+31201234567"),
    ],
)
def test_a_phone_number_as_people_write_it_dials_that_number(
    run_cli, content: Path, tmp_path: Path, written: str, dialled: str
) -> None:
    """The link used to be the text without spaces: 'tel:+32(0)50…' dials a wrong number."""
    igs = content / "igs" / "noord.yaml"
    igs.write_text(igs.read_text(encoding="utf-8") + f"phone: {written}\n", encoding="utf-8")
    code, _, err = run_cli("build", "--content", "content", "--output", str(tmp_path / "site"), "--no-cache")
    assert code == 0, err
    page = (tmp_path / "site" / "igs" / "noord" / "index.html").read_text(encoding="utf-8")
    assert f'<a href="{dialled}">{written}</a>' in page


def test_comments_and_email_autolinks_are_not_mistakes(run_cli, content: Path) -> None:
    """What the page never shows (a heading kept in a comment, as `build.py new` writes one) and an
    e-mail address in <…> (a link) pass `check`; the same heading outside the comment does not."""
    story = (
        "---\ntitle: Een verhaal\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n---\n## Wat\n\n"
        "<!--\n#### Oude tussentitel\n# Nog een\n-->\n\nMail <form@west.example> of <video@west.example>.\n"
    )
    (content / "articles" / "verhaal.md").write_text(story, encoding="utf-8")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    (content / "articles" / "verhaal.md").write_text(story.replace("<!--\n", "").replace("-->\n", ""))
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    assert "content/articles/verhaal.md:9:1: deze kop slaat een niveau over: '####' na '##'" in err.splitlines()
