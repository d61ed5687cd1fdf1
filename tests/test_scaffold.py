"""`python build.py new …`: a file with every field, that fails `check` on exactly the required
fields until they are filled in, and passes once they are."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import ROOT

from sitegen.scaffold import scaffold_text
from sitegen.schema import ARTICLE_FRONT_MATTER, IGS_FILE, PAGE_FRONT_MATTER, Field

SUMMARY_LINE = "Build mislukt"


def check_errors(run_cli) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    """Exit code and the 'path:line:col: message' lines of `check`."""
    code, _, err = run_cli("check", "--content", "content")
    return code, [line for line in err.splitlines() if line.startswith("content/")]


def fill(path: Path, *replacements: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def uncomment(path: Path, first: str, count: int) -> None:
    """Remove '# ' from `count` lines starting at the line `first`, as an editor would."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = lines.index(first)
    for i in range(start, start + count):
        assert lines[i].startswith("# "), lines[i]
        lines[i] = lines[i][2:]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_new_igs_fails_on_exactly_the_required_fields_then_passes(run_cli, content: Path) -> None:
    code, out, err = run_cli("new", "igs", "west", "--content", "content")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Aangemaakt: content/igs/west.yaml",
        "Vul de verplichte velden in (name, province, municipalities, summary) en kijk het na met: "
        "python build.py check",
    ]
    path = content / "igs" / "west.yaml"
    code, errors = check_errors(run_cli)
    assert code == 1
    assert errors == [
        "content/igs/west.yaml:9:1: verplicht veld 'name' is leeg",
        "content/igs/west.yaml:13:1: verplicht veld 'province' is leeg",
        "content/igs/west.yaml:21:1: verplicht veld 'municipalities' is leeg",
        "content/igs/west.yaml:33:1: verplicht veld 'summary' is leeg",
    ]
    fill(
        path,
        ("\nname:\n", "\nname: Cultuurregio West\n"),
        ("province:\n", "province: Antwerpen\n"),
        ("  # - Gemeente A\n  # - Gemeente B\n", "  - Grobbendonk\n  - Lier\n"),
        ("\nsummary:\n", "\nsummary: Twee gemeenten werken samen.\n"),
    )
    # Optional fields come in by removing '# ', the block of a map included.
    uncomment(path, "# address:", 7)
    fill(
        path,
        ("  street:\n", "  street: Markt 1\n"),
        ("  postcode:\n", "  postcode: 2500\n"),
        ("  city:\n", "  city: Lier\n"),
        ("# website:\n", "website: https://west.example/\n"),
    )
    code, errors = check_errors(run_cli)
    assert (code, errors) == (0, [])


def test_new_article_prefills_type_and_igs(run_cli, content: Path) -> None:
    code, out, err = run_cli(
        "new", "article", "drie-vragen", "--type", "interview", "--igs", "noord", "--content", "content"
    )
    assert (code, err) == (0, "")
    assert "(title, date, summary)" in out
    path = content / "articles" / "drie-vragen.md"
    text = path.read_text(encoding="utf-8")
    assert "\ntype: interview\n" in text
    assert "\nigs: noord\n" in text
    code, errors = check_errors(run_cli)
    assert code == 1
    messages = [line.split(": ", 1)[1] for line in errors]
    assert messages == [
        "verplicht veld 'title' is leeg",
        "verplicht veld 'date' is leeg",
        "verplicht veld 'summary' is leeg",
        "dit verhaal heeft geen tekst onder de front matter",
    ]
    text = path.read_text(encoding="utf-8")
    body_start = text.index("\n---\n") + len("\n---\n")
    path.write_text(text[:body_start] + "Een inleiding.\n\n## Een vraag?\n\nEen antwoord.\n", encoding="utf-8")
    fill(
        path,
        ("\ntitle:\n", "\ntitle: Drie vragen aan Jan\n"),
        ("\ndate:\n", "\ndate: 2024-05-01\n"),
        ("\nsummary:\n", "\nsummary: Jan vertelt.\n"),
    )
    uncomment(path, "# person:", 5)
    fill(path, ("  name:\n", "  name: Jan Voorbeeld\n"))
    code, errors = check_errors(run_cli)
    assert (code, errors) == (0, [])


def test_new_article_with_several_igs(run_cli, content: Path) -> None:
    code, _, err = run_cli(
        "new", "article", "samen", "--type", "news", "--igs", "noord", "--igs", "zuid", "--content", "content"
    )
    assert code == 0, err


def test_new_page_then_filled_in_passes(run_cli, content: Path) -> None:
    code, _, err = run_cli("new", "page", "vacatures", "--content", "content")
    assert (code, err) == (0, "")
    path = content / "pages" / "vacatures.md"
    code, errors = check_errors(run_cli)
    assert [line.split(": ", 1)[1] for line in errors] == [
        "verplicht veld 'title' is leeg",
        "verplicht veld 'summary' is leeg",
        "deze pagina heeft geen tekst onder de front matter",
    ]
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("title:\n", "title: Vacatures\n").replace("summary:\n", "summary: Werk bij ons.\n")
        + "Geen vacatures.\n"
    )
    code, errors = check_errors(run_cli)
    assert (code, errors) == (0, [])


def test_refuses_to_overwrite(run_cli, content: Path) -> None:
    before = (content / "igs" / "noord.yaml").read_bytes()
    code, out, err = run_cli("new", "igs", "noord", "--content", "content")
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "build.py new: content/igs/noord.yaml bestaat al; er is niets overschreven",
        "    hint: kies een andere naam, of open en bewerk het bestaande bestand",
    ]
    assert (content / "igs" / "noord.yaml").read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "message", "hint"),
    [
        (
            ("igs", "West Vlaanderen"),
            "ongeldige naam 'West Vlaanderen': gebruik alleen kleine letters a-z, cijfers en '-'",
            "bv. west-vlaanderen",
        ),
        (("page", "kaart"), "de naam 'kaart' is voorbehouden voor een vaste pagina van de site", "kies bv. kaart-info"),
        (
            ("article", "x"),
            "een nieuw verhaal heeft een soort nodig",
            "voeg --type interview, --type spotlight of --type news toe",
        ),
        (("article", "x", "--type", "news", "--igs", "nord"), "onbekend IGS 'nord'", "bedoelde je 'noord'?"),
        (("igs", "x", "--type", "news"), "--type en --igs horen alleen bij 'new article'", None),
    ],
)
def test_bad_arguments_exit_2_with_a_hint(run_cli, content: Path, argv, message: str, hint: str | None) -> None:  # type: ignore[no-untyped-def]
    before = sorted(p.relative_to(content).as_posix() for p in content.rglob("*"))
    code, out, err = run_cli("new", *argv, "--content", "content")
    assert (code, out) == (2, "")
    expected = [f"build.py new: {message}"] + ([f"    hint: {hint}"] if hint else [])
    assert err.splitlines() == expected
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*")) == before


def test_unknown_type_is_a_usage_error(run_cli, content: Path) -> None:
    code, _, err = run_cli("new", "article", "x", "--type", "column")
    assert code == 2
    assert (
        err.splitlines()[-1]
        == "build.py new: fout: --type: ongeldige keuze 'column' (kies uit 'interview', 'spotlight', 'news')"
    )


def _all_fields(spec: Field) -> list[Field]:
    found = []
    for field in spec.fields:
        found.append(field)
        if field.kind == "map":
            found += _all_fields(field)
        elif field.items is not None and field.items.kind == "map":
            found += _all_fields(field.items)
    return found


@pytest.mark.parametrize(
    ("kind", "spec", "options"),
    [
        ("igs", IGS_FILE, {}),
        ("article", ARTICLE_FRONT_MATTER, {"article_type": "spotlight"}),
        ("page", PAGE_FRONT_MATTER, {}),
    ],
)
def test_every_field_of_the_model_is_in_the_scaffold_with_its_description(
    kind: str, spec: Field, options: dict
) -> None:  # type: ignore[type-arg]
    text = scaffold_text(kind, "x", today=dt.date(2025, 3, 1), **options)
    flat = re.sub(r"\s*\n\s*#\s*", " ", text)  # descriptions are wrapped over comment lines
    for field in _all_fields(spec):
        assert re.search(rf"^[\s#-]*{field.name}:", text, re.MULTILINE), field.name
        assert field.description.split(". ")[0] in flat, field.name
    assert all(len(line) <= 100 for line in text.splitlines())


def test_igs_scaffold_points_vscode_at_the_schema() -> None:
    first = scaffold_text("igs", "x").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/igs.schema.json"
    relative = first.split("$schema=", 1)[1]
    assert (ROOT / "content" / "igs" / relative).resolve() == (ROOT / "schemas" / "igs.schema.json")
    assert (ROOT / "schemas" / "igs.schema.json").is_file()


def test_article_scaffold_mentions_today_for_the_date() -> None:
    text = scaffold_text("article", "x", article_type="news", today=dt.date(2025, 3, 1))
    assert "De datum van vandaag is 2025-03-01." in text
