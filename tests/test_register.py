"""The municipality register reader: names, former names, postcodes, hints and bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.register import load_register, name_key

FIXTURES = Path(__file__).parent / "fixtures" / "geo"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "content" / "geo").mkdir(parents=True)
    shutil.copy(FIXTURES / "municipalities.json", tmp_path / "content" / "geo" / "municipalities.json")
    return tmp_path


def test_loads_sorted_by_name(project: Path) -> None:
    register = load_register(project / "content", project)
    assert [m.name for m in register.municipalities] == [
        "Bever",
        "Beveren-Kruibeke-Zwijndrecht",
        "Heusden-Zolder",
        "Lochristi",
        "Lokeren",
        "Sint-Niklaas",
    ]
    lokeren = register.resolve("Lokeren")
    assert lokeren is not None
    assert lokeren.postcodes == ("9160", "9180")
    assert lokeren.former == ("Moerbeke",)
    assert register.sources[0].licence == "CC BY 4.0"
    assert [(u.id, u.name, u.nis) for u in register.units] == [
        ("46014", "Lokeren", "46029"),
        ("44045", "Moerbeke", "46029"),
    ]
    assert register.units[0].villages == ("Daknam", "Eksaarde", "Lokeren")


def test_name_key_reads_st_as_sint_and_ignores_punctuation() -> None:
    assert name_key("St-Niklaas") == name_key("st. niklaas") == name_key("Sint Niklaas") == "sintniklaas"
    assert name_key("Stabroek") == "stabroek"  # a name that starts with "St" is left alone
    assert name_key("'s-Gravenwezel") == "sgravenwezel"


def test_resolve_ignores_case_accents_and_hyphens(project: Path) -> None:
    register = load_register(project / "content", project)
    for written in ("sint-niklaas", "Sint Niklaas", "SINT-NIKLAAS", "Sínt-Niklaas"):
        found = register.resolve(written)
        assert found is not None and found.nis == "46021", written
    assert name_key("Sint-Niklaas") == name_key("sint niklaas")
    assert register.resolve("Gent") is None


def test_former_names_resolve_to_the_current_municipality(project: Path) -> None:
    register = load_register(project / "content", project)
    moerbeke = register.resolve("Moerbeke")
    assert moerbeke is not None and moerbeke.name == "Lokeren"
    assert register.is_former("Moerbeke")
    assert not register.is_former("Lokeren")
    assert register.is_current("Lokeren")
    for old in ("Beveren", "kruibeke", "Zwijndrecht"):
        found = register.resolve(old)
        assert found is not None and found.nis == "46030"
        assert register.is_former(old)
    wachtebeke = register.resolve("Wachtebeke")
    assert wachtebeke is not None and wachtebeke.name == "Lochristi"


def test_by_postcode(project: Path) -> None:
    register = load_register(project / "content", project)
    assert [m.name for m in register.by_postcode("2070")] == ["Beveren-Kruibeke-Zwijndrecht"]
    assert [m.name for m in register.by_postcode(" 9185 ")] == ["Lochristi"]
    assert register.by_postcode("1000") == ()


def test_suggest_gives_a_dutch_hint_over_current_and_former_names(project: Path) -> None:
    register = load_register(project / "content", project)
    assert register.suggest("Moerbeek") == "bedoelde je 'Moerbeke'?"
    assert register.suggest("Lokern") == "bedoelde je 'Lokeren'?"
    assert register.suggest("Xyzzy") == ""


def test_malformed_file_raises_content_error_with_line(project: Path) -> None:
    target = project / "content" / "geo" / "municipalities.json"
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].replace('"name": "Lokeren",', '"name": "Lokeren"')  # drop a comma
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_register(project / "content", project)
    error = caught.value
    assert error.path == "content/geo/municipalities.json"
    assert error.line == 7
    assert error.col > 0
    assert "geen geldige JSON" in error.message
    assert str(error).startswith("content/geo/municipalities.json:7:")


def test_unknown_province_is_reported_on_its_line(project: Path) -> None:
    target = project / "content" / "geo" / "municipalities.json"
    text = target.read_text(encoding="utf-8").replace('"Limburg"', '"Limbourg"')
    target.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_register(project / "content", project)
    assert caught.value.line == 12
    assert "Limbourg" in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        load_register(tmp_path / "content", tmp_path)
    assert caught.value.path == "content/geo/municipalities.json"
    assert "python build.py geo" in caught.value.hint


def test_committed_register_is_complete() -> None:
    root = Path(__file__).parent.parent
    register = load_register(root / "content", root)
    assert len(register.municipalities) == 285
    assert {m.province for m in register.municipalities} == {
        "Antwerpen",
        "Limburg",
        "Oost-Vlaanderen",
        "Vlaams-Brabant",
        "West-Vlaanderen",
    }
    for m in register.municipalities:
        assert 50.6 < m.lat < 51.6 and 2.5 < m.lon < 6.0, m.name
        assert m.postcodes, m.name
    lokeren = register.resolve("Lokeren")
    assert lokeren is not None and lokeren.former == ("Moerbeke",)
    bkz = register.resolve("Zwijndrecht")
    assert bkz is not None and bkz.name == "Beveren-Kruibeke-Zwijndrecht"
    assert bkz.former == ("Beveren", "Kruibeke", "Zwijndrecht")
    assert register.resolve("Tielt-Winge") is not None and not register.is_former("Tielt-Winge")
    assert len(register.units) == 300
    assert len({u.nis for u in register.units}) == 285
    assert sum(len(u.villages) for u in register.units) >= 1100
    assert sum(m.area_km2 for m in register.municipalities) == pytest.approx(13625, rel=0.005)
