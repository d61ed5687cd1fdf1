"""Build-time geometry: reading the topology, dissolving units, the locator SVG, names to units."""

from __future__ import annotations

import itertools
import json
import math
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.geo.crossings import crossings
from sitegen.geo.generate import TopoUnit, build_topology
from sitegen.geometry import (
    _pole,
    _simplify,
    area_km2,
    dissolve,
    dissolve_geojson,
    label_point,
    load_topology,
    locator_svg,
    topology_from_data,
    units_for_name,
)
from sitegen.register import load_register

FIXTURES = Path(__file__).parent / "fixtures" / "geo"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def grid():
    """Four unit squares a (SW), b (SE), c (NW), d (NE), hand-written TopoJSON without transform."""
    return topology_from_data(json.loads((FIXTURES / "grid.topojson").read_text(encoding="utf-8")))


def square(x: int, y: int) -> tuple[tuple[tuple[tuple[float, float], ...], ...], ...]:
    """The polygons of a unit that is one square (a single polygon with one ring)."""
    return ((((x, y), (x + 1, y), (x + 1, y + 1), (x, y + 1), (x, y)),),)


def test_grid_fixture_loads(grid) -> None:
    assert grid.unit_ids() == ("a", "b", "c", "d")
    assert grid.bbox == (0, 0, 2, 2)
    d = grid.unit("d")
    assert d is not None and d.name == "D" and d.nis == "10004"


def test_dissolve_whole_grid_into_one_square(grid) -> None:
    result = dissolve(grid, {"all": ["a", "b", "c", "d"]})
    assert result == {
        "all": [[[(0, 0), (1, 0), (2, 0), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1), (0, 0)]]],
    }


def test_dissolve_into_two_groups(grid) -> None:
    result = dissolve(grid, {"south": ["b", "a"], "north": ["c", "d"]})
    assert list(result) == ["north", "south"]
    assert result["south"] == [[[(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1), (0, 0)]]]
    assert result["north"] == [[[(0, 1), (1, 1), (2, 1), (2, 2), (1, 2), (0, 2), (0, 1)]]]


def test_diagonal_units_touching_at_a_point_stay_two_polygons(grid) -> None:
    result = dissolve(grid, {"diagonal": ["d", "a"]})
    assert result["diagonal"] == [
        [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]],
        [[(1, 1), (2, 1), (2, 2), (1, 2), (1, 1)]],
    ]


def test_disjoint_parts_give_two_polygons_largest_first() -> None:
    units = [
        TopoUnit("w", "W", "1", square(0, 0)),
        TopoUnit("m", "M", "2", square(1, 0)),
        TopoUnit("e1", "E1", "3", square(2, 0)),
        TopoUnit("e2", "E2", "3", square(3, 0)),
    ]
    topology = topology_from_data(build_topology(units, quantum=1, tolerance=0))
    result = dissolve(topology, {"g": ["w", "e1", "e2"]})
    assert result["g"] == [
        [[(2, 0), (3, 0), (4, 0), (4, 1), (3, 1), (2, 1), (2, 0)]],
        [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]],
    ]


def test_ring_of_units_around_a_gap_keeps_the_hole() -> None:
    units = [
        TopoUnit(f"u{x}{y}", f"U{x}{y}", "1", square(x, y)) for x in range(3) for y in range(3) if (x, y) != (1, 1)
    ]
    units.append(TopoUnit("centre", "Centre", "2", square(1, 1)))
    topology = topology_from_data(build_topology(units, quantum=1, tolerance=0))
    ring_ids = [u for u in topology.unit_ids() if u != "centre"]
    (polygon,) = dissolve(topology, {"ring": ring_ids})["ring"]
    shell, hole = polygon
    assert shell[0] == (0, 0) and len(shell) == 13
    assert hole == [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]  # clockwise
    everything = dissolve(topology, {"all": topology.unit_ids()})["all"]
    assert len(everything) == 1 and len(everything[0]) == 1


def test_dissolve_unknown_unit_raises(grid) -> None:
    with pytest.raises(KeyError):
        dissolve(grid, {"x": ["a", "zz"]})


def test_dissolve_geojson(grid) -> None:
    collection = dissolve_geojson(grid, {"s": ["a", "b"], "empty": []}, {"s": {"name": "Zuid"}})
    assert collection["type"] == "FeatureCollection"
    (feature,) = collection["features"]
    assert feature["id"] == "s"
    assert feature["properties"] == {"name": "Zuid"}
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["geometry"]["coordinates"][0][0][:3] == [[0, 0], [1, 0], [2, 0]]
    json.dumps(collection)


def test_locator_svg_is_well_formed_accessible_and_deterministic(grid) -> None:
    svg = locator_svg(grid, ["d"], width=100, title="Regio <NO>")
    assert svg == locator_svg(grid, ["d"], width=100, title="Regio <NO>")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100"
    assert root.find(f"{SVG}title").text == "Regio <NO>"
    base, highlight = root.findall(f"{SVG}path")
    assert base.get("d").startswith("M2 98 ")
    assert highlight.get("d") == "M50 50 98 50 98 2 50 2Z"
    assert highlight.get("fill") != base.get("fill")
    assert len(ET.fromstring(locator_svg(grid, [], width=100)).findall(f"{SVG}path")) == 1


def test_load_topology_reports_bad_json(tmp_path: Path) -> None:
    (tmp_path / "content" / "geo").mkdir(parents=True)
    (tmp_path / "content" / "geo" / "topology.json").write_text('{"type": "Topology",\n"arcs": [}\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_topology(tmp_path / "content", tmp_path)
    assert caught.value.path == "content/geo/topology.json"
    assert caught.value.line == 2


def test_load_topology_rejects_bad_arc_reference(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "grid.topojson").read_text(encoding="utf-8"))
    data["objects"]["units"]["geometries"][0]["arcs"] = [[0, 1, 99]]
    with pytest.raises(ContentError, match="onbekende boog 99"):
        topology_from_data(data, "content/geo/topology.json")


@pytest.fixture
def real(tmp_path: Path):
    """The committed register and map: checked for what any correct register gives."""
    root = Path(__file__).parent.parent
    return load_register(root / "content", root), load_topology(root / "content", root)


@pytest.fixture
def official():
    """The sample site's copy of the official register and map: checked for named municipalities."""
    root = Path(__file__).parent.parent
    content = root / "tests" / "sample_site" / "content"
    return load_register(content, root), load_topology(content, root)


def test_units_for_name_on_the_official_register(official) -> None:
    register, topology = official
    assert len(topology.units) == 300
    # units are the municipalities of 2019-2024, by their own NIS code
    assert units_for_name(register, topology, "Lokeren") == ("46014",)
    assert units_for_name(register, topology, "moerbeke") == ("44045",)
    assert units_for_name(register, topology, "Lochristi") == ("44034",)
    assert units_for_name(register, topology, "Lochristi", current=True) == ("44034", "44073")
    assert units_for_name(register, topology, "Wachtebeke", current=True) == ("44073",)
    assert units_for_name(register, topology, "Pajottegem") == ("23023", "23024", "23032")
    assert units_for_name(register, topology, "Sint Niklaas") == ("46021",)
    assert units_for_name(register, topology, "Atlantis") == ()


def test_committed_topology_is_seamless(real) -> None:
    _register, topology = real
    uses: dict[int, int] = {}
    for unit in topology.units:
        assert unit.polygons, unit.id
        for polygon in unit.polygons:
            for ring in polygon:
                for ref in ring:
                    arc = ref if ref >= 0 else ~ref
                    uses[arc] = uses.get(arc, 0) + 1
    assert set(uses.values()) <= {1, 2}
    assert len(uses) == len(topology.arcs)
    flanders = dissolve(topology, {"all": topology.unit_ids()})["all"]
    main = flanders[0]
    # the outline of Flanders with two holes: Brussels (162.5 km²) and the Dutch exclave near Zondereigen
    assert len(main) == 3
    assert sorted(round(area_km2([[hole]])) for hole in main[1:]) == [0, 163]
    assert 2.5 < main[0][0][0] < 2.6  # starts at the western tip (De Panne)


def test_every_committed_polygon_is_valid(real) -> None:
    """No ring crosses itself or another ring of its unit, and no arc crosses another: the units
    are valid polygons that tile Flanders without overlaps."""
    _register, topology = real
    assert crossings(topology.arcs) == set()
    for unit in topology.units:
        (polygons,) = dissolve(topology, {unit.id: [unit.id]}).values()
        rings = [ring for polygon in polygons for ring in polygon]
        assert crossings(rings) == set(), unit.name
        for polygon in polygons:
            assert all(len(ring) >= 4 and ring[0] == ring[-1] for ring in polygon), unit.name


def test_committed_units_cover_flanders(real) -> None:
    """The 300 municipalities of 2019-2024 add up to Flanders' official 13,625 km² (within 0.5 %)."""
    _register, topology = real
    total = sum(area_km2(polygons) for polygons in dissolve(topology, {u.id: [u.id] for u in topology.units}).values())
    assert total == pytest.approx(13625, rel=0.005)


def test_each_2025_municipality_is_the_union_of_its_parts(real) -> None:
    """Dissolving a municipality's units of 2019-2024 gives its official 2025 area within 1 %."""
    register, topology = real
    parts: dict[str, list[str]] = {}
    for unit in topology.units:
        parts.setdefault(unit.nis, []).append(unit.id)
    assert set(parts) == {m.nis for m in register.municipalities}
    for municipality in register.municipalities:
        area = area_km2(dissolve(topology, {"m": parts[municipality.nis]})["m"])
        assert area == pytest.approx(municipality.area_km2, rel=0.01), municipality.name


def test_locator_for_flanders_stays_small(official) -> None:
    register, topology = official
    ids = units_for_name(register, topology, "Lochristi", current=True)
    svg = locator_svg(topology, ids, title="Kanaalzone")
    assert len(svg.encode("utf-8")) < 6000
    assert svg == locator_svg(topology, ids, title="Kanaalzone")
    ET.fromstring(svg)


def _plain_label_point(polygon, precision):
    """label_point as first written (one helper call per edge): the oracle for the faster one."""

    def segment_distance(x, y, x0, y0, x1, y1):
        dx, dy = x1 - x0, y1 - y0
        if dx or dy:
            t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy)))
            x0, y0 = x0 + t * dx, y0 + t * dy
        return math.hypot(x - x0, y - y0)

    shell = polygon[0]
    squeeze = math.cos(math.radians(sum(p[1] for p in shell) / len(shell)))
    xs, ys = [p[0] * squeeze for p in shell], [p[1] for p in shell]
    size = max(max(xs) - min(xs), max(ys) - min(ys))
    rings = [_simplify([(x * squeeze, y) for x, y in ring], max(precision / 2, size / 150)) for ring in polygon]

    def distance(x, y):
        inside, nearest = False, math.inf
        for ring in rings:
            for (x0, y0), (x1, y1) in itertools.pairwise(ring):
                if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
                nearest = min(nearest, segment_distance(x, y, x0, y0, x1, y1))
        return nearest if inside else -nearest

    best_x, best_y = _pole(xs, ys, size, precision, distance)
    return (best_x / squeeze, best_y)


def test_label_points_are_the_plain_computations_numbers(official) -> None:
    """The label point's distances are written out over precomputed edges for speed: the very same
    floats as the plain computation, on every municipality of the official map (holes included)
    and on random star-shaped polygons with a hole and degenerate (repeated-point) edges."""
    _register, topology = official
    parts: dict[str, list[str]] = {}
    for unit in topology.units:
        parts.setdefault(unit.nis, []).append(unit.id)
    polygons = [dissolve(topology, {"m": ids})["m"][0] for ids in parts.values()]
    polygons.append(topology.outline()[0])
    rng = random.Random(17)
    for _ in range(40):
        cx, cy = rng.uniform(2.5, 5.9), rng.uniform(50.6, 51.5)
        count = rng.randint(3, 60)
        shell = []
        for i in range(count):
            angle, radius = 2 * math.pi * i / count, rng.uniform(0.05, 0.3)
            shell += [(cx + radius * math.cos(angle), cy + radius * math.sin(angle))] * rng.choice((1, 1, 2))
        hole = [(cx + 0.01 * math.cos(a / 4), cy - 0.01 * math.sin(a / 4)) for a in range(25)]
        polygons.append([[*shell, shell[0]], [*hole, hole[0]]])
    assert len(polygons) > 300
    for polygon in polygons:
        for precision in (0.002, 0.005):
            assert label_point(polygon, precision) == _plain_label_point(polygon, precision)


def test_the_outline_drawn_once_serves_every_frame(official) -> None:
    """Locators share the outline's path data per topology and frame; another frame or another
    topology never gets a path drawn for a different one."""
    register, topology = official
    ids = units_for_name(register, topology, "Gent", current=True)
    small = locator_svg(topology, ids, width=100)
    large = locator_svg(topology, ids, width=240, tolerance_px=0.3)
    root = Path(__file__).parent.parent / "tests" / "sample_site" / "content"
    fresh = load_topology(root, root)
    assert large == locator_svg(fresh, ids, width=240, tolerance_px=0.3)
    assert small == locator_svg(load_topology(root, root), ids, width=100)
    assert small != large
    grid = topology_from_data(json.loads((FIXTURES / "grid.topojson").read_text(encoding="utf-8")))
    assert "M" in locator_svg(grid, ["a"], width=100) and locator_svg(grid, ["a"], width=100) not in (small, large)


@pytest.mark.parametrize(
    "text",
    ["Cultuur & Erfgoed", "a < b > c", 'Zo "gezegd"', "Pieter's", '\'t "Stad"', "regel\nnog\r\tén", "&amp;", ""],
)
def test_svg_text_and_attributes_are_escaped_as_the_standard_library_does(text: str) -> None:
    # The SVGs write them with helpers of their own (xml.sax.saxutils imports urllib.request); the
    # bytes must stay those the standard library's helpers wrote.
    from xml.sax.saxutils import escape, quoteattr

    from sitegen.geometry import _attribute, _text

    assert _text(text) == escape(text)
    assert _attribute(text) == quoteattr(text)
