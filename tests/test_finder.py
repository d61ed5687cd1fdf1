"""The finder's answers and matching on the official register (the sample site's copy), with IGS'en
made up for the test."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from sitegen.finder import (
    MEMBER,
    NONE,
    UNKNOWN,
    explain,
    finder_rows,
    igs_units,
    names_known,
    search_rows,
    unit_answers,
)
from sitegen.geometry import load_topology
from sitegen.register import load_register

ROOT = Path(__file__).parent.parent
SAMPLE_CONTENT = ROOT / "tests" / "sample_site" / "content"


def _igs(slug: str, name: str, province: str, members: list[str], complete: bool, until: str = "") -> SimpleNamespace:
    return SimpleNamespace(
        slug=slug,
        name=name,
        display_name=f"{name} ({until})" if until else name,
        provinces=(province,),
        members=tuple(SimpleNamespace(name=m) for m in members),
        members_complete=complete,
        url=f"/igs/{slug}/",
    )


def _site(*igs: SimpleNamespace) -> SimpleNamespace:
    by_slug = {i.slug: i for i in igs}
    return SimpleNamespace(igs=igs, igs_by_slug=by_slug.__getitem__)


@pytest.fixture(scope="module")
def geo():
    return load_register(SAMPLE_CONTENT, ROOT), load_topology(SAMPLE_CONTENT, ROOT)


@pytest.fixture(scope="module")
def rows(geo):
    register, topology = geo
    site = _site(
        _igs("heuvelzone", "Heuvelzone", "West-Vlaanderen", ["Heuvelland", "Ieper"], complete=True),
        _igs("kustregio", "Kustregio", "West-Vlaanderen", ["Brugge"], complete=True, until="tot eind 2025"),
        _igs("waas", "Waas", "Oost-Vlaanderen", ["Lokeren", "Moerbeke", "Wachtebeke", "Kruisem"], complete=False),
        _igs("zuid", "Zuid", "Antwerpen", ["Borsbeek", "Diest"], complete=True),
    )
    answers = unit_answers(site, register, topology, igs_units(site, register, topology))
    return finder_rows(register, topology, answers)


def _found(rows, query: str) -> list[str]:
    return [explain(row, term) for row, term in search_rows(rows, query)]


def test_every_municipality_has_one_row_with_its_parts(geo, rows) -> None:
    register, topology = geo
    assert sorted(r.nis for r in rows) == sorted(m.nis for m in register.municipalities)
    assert sorted(p.unit_id for r in rows for p in r.parts) == sorted(u.id for u in topology.units)
    assert len(rows) == 285 and len(topology.units) == 300  # Flanders since 2025, and its units of 2019-2024
    lochristi = next(r for r in rows if r.name == "Lochristi")
    assert [p.name for p in lochristi.parts] == ["Lochristi", "Wachtebeke"]
    assert "Zaffelare" in lochristi.villages and "Wachtebeke" not in lochristi.villages
    assert lochristi.former_names == (("Wachtebeke", "2025"),)
    assert next(r for r in rows if r.name == "Kruisem").former_names == (("Kruishoutem", "2019"), ("Zingem", "2019"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a village (deelgemeente)
        ("Kemmel", ["Kemmel → Heuvelland → Heuvelzone"]),
        ("kèmmel", ["Kemmel → Heuvelland → Heuvelzone"]),
        # an IGS that has stopped says until when
        ("Zeebrugge", ["Zeebrugge → Brugge → Kustregio (tot eind 2025)"]),
        # municipalities merged away in 2019 and 2025
        ("Kruishoutem", ["Kruishoutem → Kruisem → Waas"]),
        ("Meeuwen-Gruitrode", ["Meeuwen-Gruitrode → Oudsbergen → geen IGS"]),
        ("Borsbeek", ["Borsbeek → Antwerpen → Zuid"]),
        # a village in the part of a split municipality that is in an IGS, and one that is not
        ("Zaffelare", ["Zaffelare → Lochristi → onbekend"]),
        ("Wachtebeke", ["Wachtebeke → Lochristi → Waas"]),
        # spelling: St-/Sint-, case, hyphens and spaces
        ("St-Niklaas", ["Sint-Niklaas → onbekend"]),
        ("sint niklaas", ["Sint-Niklaas → onbekend"]),
        ("ST.-NIKLAAS", ["Sint-Niklaas → onbekend"]),
        # postcodes
        ("8956", ["8956 → Heuvelland → Heuvelzone"]),
        ("9185", ["9185 → Lochristi → Lochristi: onbekend; Wachtebeke: Waas"]),
    ],
)
def test_finder_matches_villages_old_names_spellings_and_postcodes(rows, query: str, expected: list[str]) -> None:
    assert _found(rows, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Deurne", ["Deurne → Antwerpen → geen IGS", "Deurne → Diest → Zuid"]),
        ("Moerbeke", ["Moerbeke → Geraardsbergen → onbekend", "Moerbeke → Lokeren → Waas"]),
        ("Ruisbroek", ["Ruisbroek → Puurs-Sint-Amands → geen IGS", "Ruisbroek → Sint-Pieters-Leeuw → geen IGS"]),
        ("Ramskapelle", ["Ramskapelle → Knokke-Heist → geen IGS", "Ramskapelle → Nieuwpoort → geen IGS"]),
    ],
)
def test_ambiguous_names_show_every_match(rows, query: str, expected: list[str]) -> None:
    assert _found(rows, query) == expected


def test_prefix_and_inner_matches_and_nothing_for_rubbish(rows) -> None:
    assert "Sint-Niklaas → onbekend" in _found(rows, "sint-n")
    assert all(" → " in line for line in _found(rows, "kapelle"))  # inner match from three characters
    assert _found(rows, "xyzzy") == [] and _found(rows, "  - ") == []
    # an exact match beats a prefix: "Lo" finds Lo (Lo-Reninge) before Lokeren's prefix
    found = dict((row.name, term.name) for row, term in search_rows(rows, "Lo"))
    assert found["Lo-Reninge"] == "Lo"


def test_three_states(geo, rows) -> None:
    by_name = {r.name: r for r in rows}
    assert by_name["Heuvelland"].answer.state == MEMBER and by_name["Heuvelland"].answer.text == "Heuvelzone"
    # West-Vlaanderen: Heuvelzone's list is complete and no other list there is open
    assert by_name["Poperinge"].answer.state == NONE and by_name["Poperinge"].answer.text == "geen IGS"
    # Oost-Vlaanderen: Waas's list is incomplete, so an unlisted municipality there is unknown, never "geen IGS"
    assert by_name["Gent"].answer.state == UNKNOWN and by_name["Gent"].answer.text == "onbekend"
    lochristi = by_name["Lochristi"]
    assert lochristi.is_split
    assert [(p.name, p.answer.state) for p in lochristi.parts] == [("Lochristi", UNKNOWN), ("Wachtebeke", MEMBER)]
    # once every list is complete, "unknown" becomes "none"
    register, topology = geo
    site = _site(_igs("waas", "Waas", "Oost-Vlaanderen", ["Lokeren"], complete=True))
    answers = unit_answers(site, register, topology, igs_units(site, register, topology))
    assert {a.state for a in answers.values()} == {MEMBER, NONE}


def test_the_finder_knows_every_village_old_name_and_postcode(geo, rows) -> None:
    register, _ = geo
    villages = {v for u in register.units for v in u.villages}
    postcodes = {p for m in register.municipalities for p in m.postcodes}
    assert len(villages) > 1000 and len(postcodes) > 400
    assert names_known(rows) >= len(villages) + len(postcodes)
    for name in sorted(villages | postcodes | {n for m in register.municipalities for n in m.former}):
        assert search_rows(rows, name), name


# --- the finder page's dependency key ---------------------------------------------------------------


def test_the_finder_page_reads_of_an_igs_only_what_its_key_holds() -> None:
    from sitegen.finder import SHOWN_IGS_FIELDS

    text = (ROOT / "templates" / "gemeenten.html").read_text(encoding="utf-8")
    read = set(re.findall(r"\bigs\.(\w+)", text))
    assert read and read <= set(SHOWN_IGS_FIELDS), read


def test_the_finder_page_is_rendered_again_only_when_what_it_shows_of_an_igs_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An IGS's summary is not on the finder page: its key stays (it digested every IGS whole, so every
    IGS edit rendered the 300 rows again); its name and end are: the key changes and the page is the
    cold build's."""
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.preview.builder import PreviewBuilder

    for name in ("content", "templates", "assets"):
        shutil.copytree(SAMPLE_CONTENT.parent / name if name == "content" else ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"), include_unpublished=True)
    builder = PreviewBuilder(options)
    finder = "gemeenten/index.html"
    igs = tmp_path / "content" / "igs" / "noord.yaml"

    def rebuilt(old: str, new: str) -> tuple[bytes, bytes]:
        igs.write_text(igs.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        rendered = builder.render()
        files = builder.complete(rendered)
        assert files[finder] == build_files(options)[1][finder]
        return rendered.keys[finder], files[finder]

    first = builder.render()
    key = first.keys[finder]
    builder.complete(first)
    assert rebuilt('summary: "', 'summary: "Anders. ')[0] == key
    renamed, page = rebuilt("name: Cultuurregio Noord", "name: Cultuurregio Noorderkempen")
    assert renamed != key and b"Cultuurregio Noorderkempen" in page
    ended, page = rebuilt("updated: 2024-05-01", "updated: 2024-05-01\nactive_until: 2025-12-31")
    assert ended != renamed and b"tot eind 2025" in page
