# ruff: noqa: E501  (the cases are exact one-line reports and file texts)
"""The weak messages found when editors tried the tools: each now names the real mistake, on the
line that is wrong, and `check` and the JSON Schemas (what VS Code shows while typing) agree."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT
from PIL import Image

from sitegen.errors import LINKS_NOT_CHECKED

WEST = "name: West\nprovince: West-Vlaanderen\nmunicipalities: [Brugge, Damme]\nsummary: Twee gemeenten.\n"
ARTICLE = "---\ntitle: Nieuws\ntype: news\ndate: 2024-01-05\nsummary: Kort.\n{extra}---\nTekst.\n"


def _check(run_cli, content: Path, rel: str, text: str) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    path = content / rel
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("check", "--content", "content")
    return code, err.splitlines()


@pytest.mark.parametrize(
    ("rel", "text", "report"),
    [
        pytest.param(
            "igs/west.yaml",
            WEST.replace("summary: Twee gemeenten.", "summary: \u201cTwee gemeenten: samen.\u201d"),
            [
                "content/igs/west.yaml:4:10: gekrulde aanhalingstekens (\u201c) uit een tekstverwerker: YAML kent alleen rechte",
                "    summary: \u201cTwee gemeenten: samen.\u201d",
                "             ^",
                "    hint: vervang ze door rechte aanhalingstekens: \"…\" of '…' (Word en veel e-mailprogramma's maken ze vanzelf krom)",
            ],
            id="curly-quotes-break-the-yaml",
        ),
        pytest.param(
            "articles/nieuws.md",
            ARTICLE.replace("date: 2024-01-05", "date: \u201c2024-01-05\u201d").format(extra=""),
            [
                "content/articles/nieuws.md:4:7: 'date' moet een datum zijn, niet '\u201c2024-01-05\u201d': de waarde staat tussen gekrulde aanhalingstekens (\u201c…\u201d)",
                "    date: \u201c2024-01-05\u201d",
                "          ^",
                "    hint: vervang ze door rechte aanhalingstekens: \"…\" of '…' (Word en veel e-mailprogramma's maken ze vanzelf krom)",
            ],
            id="curly-quotes-around-a-value",
        ),
        pytest.param(
            "igs/west.yaml",
            WEST.replace("name: West", "name:West"),
            [
                "content/igs/west.yaml:1:6: na 'name:' ontbreekt een spatie",
                "    name:West",
                "         ^",
                "    hint: schrijf 'name: West' (YAML leest 'name:West' als één woord)",
            ],
            id="name-colon-without-space",
        ),
        pytest.param(
            "igs/west.yaml",
            WEST + "coordinator:\n  name:Jan\n",
            [
                "content/igs/west.yaml:6:3: na 'name:' ontbreekt een spatie",
                "      name:Jan",
                "      ^",
                "    hint: schrijf 'name: Jan'",
            ],
            id="nested-name-colon-without-space",
        ),
        pytest.param(
            "pages/info.md",
            "---\ntitle:Info\n---\nTekst.\n",
            [
                "content/pages/info.md:2:1: na 'title:' ontbreekt een spatie",
                "    title:Info",
                "    ^",
                "    hint: schrijf 'title: Info'",
            ],
            id="only-line-colon-without-space",
        ),
        pytest.param(
            "igs/west.yaml",
            WEST.replace("municipalities: [Brugge, Damme]", "municipalities:\n  - Brugge\n  -Damme"),
            [
                "content/igs/west.yaml:5:4: na '-' ontbreekt een spatie",
                "      -Damme",
                "       ^",
                "    hint: schrijf '- Damme': een lijstelement begint met een streepje en een spatie",
            ],
            id="dash-without-space",
        ),
        pytest.param(
            "igs/west.yaml",
            WEST.replace("municipalities: [Brugge, Damme]", "municipalities:\n  -Brugge\n  - Damme"),
            [
                "content/igs/west.yaml:4:3: na '-' ontbreekt een spatie",
                "      -Brugge",
                "      ^",
                "    hint: schrijf '- Brugge': een lijstelement begint met een streepje en een spatie",
            ],
            id="first-dash-without-space",
        ),
        pytest.param(
            "igs/west.yaml",
            WEST.replace("[Brugge, Damme]", "[brugge, Sint Katelijne Waver]").replace(
                "West-Vlaanderen", "[West-Vlaanderen, Antwerpen]"
            ),
            [
                "content/igs/west.yaml:3:18: 'brugge' staat anders geschreven in het gemeenteregister",
                "    municipalities: [brugge, Sint Katelijne Waver]",
                "                     ^",
                "    hint: bedoelde je 'Brugge'? Schrijf de naam zoals in het gemeenteregister",
                "content/igs/west.yaml:3:26: 'Sint Katelijne Waver' staat anders geschreven in het gemeenteregister",
                "    municipalities: [brugge, Sint Katelijne Waver]",
                "                             ^",
                "    hint: bedoelde je 'Sint-Katelijne-Waver'? Schrijf de naam zoals in het gemeenteregister",
            ],
            id="municipality-spelling",
        ),
        pytest.param(
            "articles/nieuws.md",
            ARTICLE.replace("date: 2024-01-05", "date: 2024-01-05 14:30").format(extra=""),
            [
                "content/articles/nieuws.md:4:7: 'date' is een datum zonder uur: schrijf alleen 2024-01-05",
                "    date: 2024-01-05 14:30",
                "          ^",
                "    hint: de site toont geen uur: een verhaal verschijnt vanaf het begin van die dag (Belgische tijd)",
            ],
            id="date-with-a-time",
        ),
        pytest.param(
            "articles/nieuws.md",
            ARTICLE.replace("date: 2024-01-05", 'date: "2024-01-05T09:00"').format(extra=""),
            [
                "content/articles/nieuws.md:4:7: 'date' is een datum zonder uur: schrijf alleen 2024-01-05",
                '    date: "2024-01-05T09:00"',
                "          ^",
                "    hint: de site toont geen uur: een verhaal verschijnt vanaf het begin van die dag (Belgische tijd)",
            ],
            id="quoted-date-with-a-time",
        ),
        pytest.param(
            "articles/nieuws.md",
            ARTICLE.format(extra="draft: yes\n"),
            [
                "content/articles/nieuws.md:6:8: 'draft' moet true of false zijn, niet 'yes'",
                "    draft: yes",
                "           ^",
                "    hint: schrijf true (ja)",
            ],
            id="yes-for-true",
        ),
    ],
)
def test_the_real_mistake_is_named_on_its_line(run_cli, content: Path, rel: str, text: str, report: list[str]) -> None:
    code, lines = _check(run_cli, content, rel, text)
    assert code == 1
    assert lines[:-2] == report
    assert lines[-2] == LINKS_NOT_CHECKED
    assert lines[-1].startswith("Build mislukt:")


def test_no_cascade_from_an_igs_file_that_failed_to_parse(run_cli, content: Path) -> None:
    """Articles and site.yaml refer to 'noord'; its syntax error is the only report."""
    noord = content / "igs" / "noord.yaml"
    noord.write_text(noord.read_text(encoding="utf-8").replace("province: Antwerpen", "province: [Antwerpen"))
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    assert "onbekend IGS" not in err
    assert err.splitlines()[0].startswith("content/igs/noord.yaml:")
    assert err.splitlines()[-1].startswith("Build mislukt: 1 fout gevonden")


@pytest.mark.parametrize("name", ["Noord.yaml", "noord .yaml"])
def test_no_cascade_from_an_igs_file_with_a_wrong_name(run_cli, content: Path, name: str) -> None:
    """The stories that name it 'noord' are right: only the file name is reported (with the new
    name), not every 'igs: [noord]' with 'did you mean Noord?'."""
    (content / "igs" / "noord.yaml").rename(content / "igs" / name)
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    assert "onbekend IGS" not in err
    assert (
        err.splitlines()[0]
        == f"content/igs/{name}: ongeldige bestandsnaam '{name}': gebruik alleen kleine letters a-z, cijfers en '-'"
    )
    assert err.splitlines()[-1].startswith("Build mislukt: 1 fout gevonden")


@pytest.mark.parametrize(
    ("rel", "meant"),
    [
        ("igs/noord.yaml.txt", "noord.yaml"),
        ("igs/noord.YAML", "noord.yaml"),
        ("igs/noord.yml", "noord.yaml"),
        ("articles/project-x.md.txt", "project-x.md"),
    ],
)
def test_a_file_saved_with_another_extension_is_named_as_meant(run_cli, content: Path, rel: str, meant: str) -> None:
    """Notepad's 'noord.yaml.txt' is to be renamed noord.yaml (not noord.yaml.yaml), and the stories
    that name the IGS 'noord' are not reported as well."""
    (content / rel).parent.joinpath(meant).rename(content / rel)
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    lines = err.splitlines()
    suffix = meant[meant.index(".") :]
    assert lines[:2] == [
        f"content/{rel}: onverwacht bestand: bestanden in deze map eindigen op '{suffix}'",
        f"    hint: hernoem het naar {meant} of verplaats het",
    ]
    assert lines[-1].startswith("Build mislukt: 1 fout gevonden")


def test_no_cascade_from_an_igs_file_that_could_not_be_read(run_cli, content: Path) -> None:
    (content / "igs" / "noord.yaml").write_bytes(b"name: Noord\xff\n")
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    assert "onbekend IGS" not in err
    assert "niet in UTF-8 opgeslagen" in err


# --- the JSON Schemas and `check` agree ---


class _Yaml12Loader(yaml.SafeLoader):
    """YAML as the editors' tools read it (YAML 1.2 core schema): `yes` and `no` are text, and
    there is no date type."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in ("bool", "timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _schema_errors(schema: str, text: str) -> list[str]:
    if text.startswith("---\n"):
        text = text.split("---\n")[1]
    data = yaml.load(text, Loader=_Yaml12Loader)
    validator = jsonschema.Draft7Validator(
        json.loads((ROOT / "schemas" / schema).read_text(encoding="utf-8")),
        format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


COORDINATOR = WEST + "coordinator:\n  name: Jan Peeters\n  photo: images/jan.jpg\n"
AGREEMENT = [
    # (id, file, text, what check says or None when both accept)
    ("photo-without-alt", "igs/west.yaml", COORDINATOR, "een foto heeft een beschrijving nodig (photo_alt)"),
    ("photo-with-alt", "igs/west.yaml", COORDINATOR + "  photo_alt: Jan aan zijn bureau\n", None),
    (
        "photo-name-with-space",
        "igs/west.yaml",
        COORDINATOR.replace("images/jan.jpg", "'images/jan peeters.jpg'") + "  photo_alt: Jan\n",
        "deze bestandsnaam past niet in een webadres",
    ),
    (
        "photo-with-empty-alt",
        "igs/west.yaml",
        COORDINATOR + "  photo_alt: ''\n",
        "een foto heeft een beschrijving nodig",
    ),
    (
        "municipality-twice",
        "igs/west.yaml",
        WEST.replace("Damme]", "Damme, Brugge]"),
        "'Brugge' staat twee keer in de lijst",
    ),
    (
        "unquoted-postcode",
        "igs/west.yaml",
        WEST + "address:\n  street: Markt 1\n  postcode: 8000\n  city: Brugge\n",
        None,
    ),
    (
        "yes",
        "igs/west.yaml",
        WEST + "members_complete: yes\n",
        "'members_complete' moet true of false zijn, niet 'yes'",
    ),
    ("true", "igs/west.yaml", WEST + "members_complete: true\n", None),
    ("mailto", "igs/west.yaml", WEST + "email: mailto:info@west.be\n", None),
    ("phone", "igs/west.yaml", WEST + "phone: +32 (0)50 12.34.56\n", None),
    ("phone-without-spaces", "igs/west.yaml", WEST + "phone: 0470123456\n", None),
    ("phone-too-short", "igs/west.yaml", WEST + "phone: 050 12 34 5\n", "is geen volledig telefoonnummer"),
    ("phone-with-hours", "igs/west.yaml", WEST + "phone: 050 12 34 56 (ma-vr)\n", "mag alleen het telefoonnummer"),
    ("http", "igs/west.yaml", WEST + "website: http://west.be\n", "moet een beveiligd adres zijn"),
    (
        "province",
        "igs/west.yaml",
        WEST.replace("West-Vlaanderen", "West Vlaanderen"),
        "ongeldige waarde 'West Vlaanderen'",
    ),
    ("number-as-title", "articles/nieuws.md", ARTICLE.replace("title: Nieuws", "title: 2024"), None),
    (
        "date-with-time",
        "articles/nieuws.md",
        ARTICLE.replace("date: 2024-01-05", "date: 2024-01-05 10:00"),
        "is een datum zonder uur",
    ),
    ("draft-no", "articles/nieuws.md", ARTICLE.replace("{extra}", "draft: no\n"), "'draft' moet true of false zijn"),
    (
        "slug-capitals",
        "articles/nieuws.md",
        ARTICLE.replace("{extra}", "igs: Noord\n"),
        "is geen geldige naam voor 'igs'",
    ),
    (
        "quoted-nav",
        "pages/info.md",
        "---\ntitle: Info\nsummary: Kort.\nnav: '3'\n---\nTekst.\n",
        "'nav' moet een geheel getal zijn",
    ),
]


@pytest.mark.parametrize(("rel", "text", "said"), [pytest.param(*case[1:], id=case[0]) for case in AGREEMENT])
def test_json_schema_and_check_agree(run_cli, content: Path, rel: str, text: str, said: str | None) -> None:
    (content / "images").mkdir(exist_ok=True)
    for name in ("jan.jpg", "jan peeters.jpg"):
        if name in text:
            Image.new("RGB", (40, 40), (60, 60, 60)).save(content / "images" / name)
    text = text.replace("{extra}", "")
    schema = {"igs": "igs.schema.json", "articles": "article.schema.json", "pages": "page.schema.json"}[
        rel.split("/")[0]
    ]
    schema_errors = _schema_errors(schema, text)
    code, lines = _check(run_cli, content, rel, text)
    if said is None:
        assert (code, schema_errors) == (0, []), lines
    else:
        assert code == 1 and any(said in line for line in lines), lines
        assert schema_errors, "the schema accepts what check refuses"


def test_schema_messages_are_dutch() -> None:
    """Every message the YAML extension can take from the schemas (type, choice and pattern) is Dutch."""
    texts = [json.loads(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "schemas").glob("*.json"))]
    found: list[tuple[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "type" in node and "errorMessage" not in node and node != {"type": "null"}:
                found.append(("no errorMessage", node))
            if "pattern" in node and "patternErrorMessage" not in node:
                found.append(("no patternErrorMessage", node))
            for key, value in node.items():
                if key not in ("if",):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in texts:
        for value in schema["properties"].values():
            walk(value)
    assert found == []
    igs = texts[1]["properties"]
    assert igs["members_complete"]["errorMessage"] == "Schrijf true (ja) of false (nee)."
    assert igs["municipalities"]["uniqueItems"] is True
