"""Map geometry at build time: read the topology, dissolve units into regions, draw a locator SVG.

`content/geo/topology.json` (made by `python build.py geo`, see sitegen/geo/generate.py) is a TopoJSON
topology whose object 'units' holds the pre-2025 Flemish municipalities. Neighbouring units share
arcs, so the area of a group of units is found without a geometry library: keep the arcs that only
one unit of the group uses and stitch them into rings. Standard library only.

Coordinates are (lon, lat) in degrees. Shells run counter-clockwise, holes clockwise (as in
GeoJSON, RFC 7946); every ring is closed and starts at its smallest (lon, lat) point.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any, TypeVar

from sitegen.deps import digest
from sitegen.errors import ContentError
from sitegen.frozen import frozen_dataclass
from sitegen.load import TOPOLOGY_REL_PATH, TOPOLOGY_WHAT, read_generated_text
from sitegen.memo import Memo, Space
from sitegen.parallel import Forked, can_fork
from sitegen.register import Register, parse_generated_json

logger = logging.getLogger(__name__)


Point = tuple[float, float]
P = TypeVar("P", tuple[float, float], tuple[int, int])
Ring = list[Point]
PolygonRings = list[Ring]
MultiPolygon = list[PolygonRings]


@frozen_dataclass
class MapUnit:
    """A map unit (a pre-2025 municipality); its rings are lists of arc references."""

    id: str
    name: str
    nis: str
    """NIS code of the municipality it belongs to since 2025."""
    polygons: tuple[tuple[tuple[int, ...], ...], ...]
    """Per polygon, per ring, the arc references (~i: arc i reversed)."""


@frozen_dataclass
class Topology:
    units: tuple[MapUnit, ...]
    """Sorted by id."""
    arcs: tuple[tuple[Point, ...], ...]
    """Absolute (lon, lat) points per arc."""
    bbox: tuple[float, float, float, float]
    """min lon, min lat, max lon, max lat."""
    source_digest: bytes = field(default=b"", repr=False, compare=False)
    """A digest of the file it was read from (see `digest`)."""
    _index: dict[str, MapUnit] = field(default_factory=dict, init=False, repr=False, compare=False)
    _outline: list[MultiPolygon] = field(default_factory=list, init=False, repr=False, compare=False)
    _outline_paths: dict[tuple[int, float], str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {u.id: u for u in self.units})

    @property
    def digest(self) -> bytes:
        """Stands for the whole topology in memo keys: the source file's digest, or the contents'."""
        if not self.source_digest:
            object.__setattr__(self, "source_digest", digest(self.units, self.arcs, self.bbox))
        return self.source_digest

    def unit(self, unit_id: str) -> MapUnit | None:
        return self._index.get(unit_id)

    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.units)

    def outline(self) -> MultiPolygon:
        """The area of all units (Flanders), computed once."""
        if not self._outline:
            self._outline.append(_dissolve_one(self, self.unit_ids()))
        return self._outline[0]


# ---------------------------------------------------------------------------------------------
# Loading


# In memory only: decoding a stored topology would cost what parsing its JSON costs.
TOPOLOGY: Space[Topology] = Space("topology")


def load_topology(content_dir: Path, display_root: Path, memo: Memo | None = None) -> Topology:
    """Read content/geo/topology.json; problems raise ContentError with the path from display_root."""
    text, shown = read_generated_text(content_dir / TOPOLOGY_REL_PATH, display_root, TOPOLOGY_WHAT)
    return topology_from_text(text, shown, memo or Memo())


def topology_from_text(text: str, shown: str, memo: Memo, ahead: Forked[Topology | None] | None = None) -> Topology:
    """The topology in the text of its file (as load.py read it); malformed, a ContentError. `ahead`:
    a child that parsed the file already (parse_ahead), taken where it read the same text."""

    def parsed() -> Topology:
        made = ahead.result() if ahead is not None else None
        if made is not None and made.source_digest == _text_digest(text):
            return made
        return topology_from_data(parse_generated_json(text, shown, TOPOLOGY_WHAT), shown, text)

    return memo.remembered(TOPOLOGY, digest(text, shown), parsed)


def parse_ahead(content_dir: Path) -> Forked[Topology | None] | None:
    """A child that reads and parses the topology file and draws the outline every locator and the
    overview start with (_outline_path), on the other core while this one loads the content: a cold
    build's map data would do it there next (some 60 ms; taking the result over costs 3). None where
    no child can be forked."""
    return Forked(functools.partial(_parsed_ahead, content_dir)) if can_fork() else None


def _parsed_ahead(content_dir: Path) -> Topology | None:
    """In parse_ahead's child: the topology as topology_from_text makes it, outlines drawn; None where
    the file has a problem (the build reports it as it parses the file itself)."""
    try:
        text, shown = read_generated_text(content_dir / TOPOLOGY_REL_PATH, Path.cwd(), TOPOLOGY_WHAT)
        topology = topology_from_data(parse_generated_json(text, shown, TOPOLOGY_WHAT), shown, text)
    except ContentError:
        return None
    for width, tolerance_px in (LOCATOR_FRAME, OVERVIEW_FRAME):
        _outline_path(topology, width, tolerance_px)
    return topology


def _text_digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest()


class _UnparsedTopology(Topology):
    """The topology in the text of its file, parsed when something first asks for more than its
    digest: a rebuild whose map data is remembered (keyed by the digest) never parses it."""

    def __init__(self, text: str, shown: str, memo: Memo, ahead: Forked[Topology | None] | None) -> None:
        object.__setattr__(self, "source_digest", _text_digest(text))
        object.__setattr__(self, "_parse", lambda: topology_from_text(text, shown, memo, ahead))

    @functools.cached_property
    def _parsed(self) -> Topology:
        return self._parse()  # type: ignore[attr-defined,no-any-return]

    def __reduce__(self) -> tuple[Callable[[Topology], Topology], tuple[Topology]]:
        """Pickled (for another process: parallel.Standby) as the topology it stands for, parsed."""
        return _as_it_is, (self._parsed,)

    units = property(lambda self: self._parsed.units)  # type: ignore[assignment]
    arcs = property(lambda self: self._parsed.arcs)  # type: ignore[assignment]
    bbox = property(lambda self: self._parsed.bbox)  # type: ignore[assignment]
    _index = property(lambda self: self._parsed._index)  # type: ignore[assignment]
    _outline = property(lambda self: self._parsed._outline)  # type: ignore[assignment]
    _outline_paths = property(lambda self: self._parsed._outline_paths)  # type: ignore[assignment]


def _as_it_is(topology: Topology) -> Topology:
    return topology


def unparsed_topology(text: str, shown: str, memo: Memo, ahead: Forked[Topology | None] | None = None) -> Topology:
    """`topology_from_text`, parsed on first use (its ContentError is raised then, by whatever uses it)."""
    return _UnparsedTopology(text, shown, memo, ahead)


def topology_from_data(data: object, shown: str = "<topology>", text: str = "") -> Topology:
    """A Topology from parsed TopoJSON (object 'units'), quantised or not."""
    if not isinstance(data, dict) or data.get("type") != "Topology":
        raise ContentError("kaartgeometrie is geen TopoJSON-topologie (type 'Topology')", shown)
    try:
        geometries = data["objects"]["units"]["geometries"]
        raw_arcs = data["arcs"]
    except (KeyError, TypeError) as e:
        raise ContentError(f"kaartgeometrie mist {e}", shown, hint="verwacht objects.units en arcs.") from e
    arcs = tuple(_decode_arcs(raw_arcs, data.get("transform")))
    units = []
    for raw in geometries:
        kind = raw.get("type")
        if kind == "Polygon":
            polygons = [raw["arcs"]]
        elif kind == "MultiPolygon":
            polygons = raw["arcs"]
        else:
            raise ContentError(f"kaarteenheid {raw.get('id')!r} is geen (Multi)Polygon", shown)
        for polygon in polygons:
            for ring in polygon:
                for ref in ring:
                    if not -len(arcs) <= ref < len(arcs):
                        raise ContentError(f"kaarteenheid {raw.get('id')!r} verwijst naar onbekende boog {ref}", shown)
        properties = raw.get("properties") or {}
        unit_id = str(raw.get("id", ""))
        units.append(
            MapUnit(
                id=unit_id,
                name=str(properties.get("name", unit_id)),
                nis=str(properties.get("nis", unit_id)),
                polygons=tuple(tuple(tuple(int(r) for r in ring) for ring in polygon) for polygon in polygons),
            )
        )
    points = [p for arc in arcs for p in arc]
    if not points:
        raise ContentError("kaartgeometrie bevat geen bogen", shown)
    bbox = (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )
    source = _text_digest(text) if text else b""
    return Topology(tuple(sorted(units, key=lambda u: u.id)), arcs, bbox, source)


def _decode_arcs(raw_arcs: Sequence[Sequence[Sequence[float]]], transform: object) -> Iterable[tuple[Point, ...]]:
    if not isinstance(transform, dict):
        for arc in raw_arcs:
            yield tuple((float(p[0]), float(p[1])) for p in arc)
        return
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    for arc in raw_arcs:
        x = y = 0
        decoded = []
        for dx, dy, *_ in arc:
            x += int(dx)
            y += int(dy)
            decoded.append((round(x * sx + tx, 7), round(y * sy + ty, 7)))
        yield tuple(decoded)


# ---------------------------------------------------------------------------------------------
# Dissolve


def dissolve(topology: Topology, groups: Mapping[str, Iterable[str]]) -> dict[str, MultiPolygon]:
    """Per group key, the MultiPolygon covered by its units (unknown unit ids raise KeyError).

    Arcs used by exactly one unit of the group form its boundary; arcs between two units of the
    group vanish. Polygons come largest first; holes sorted by their first point.
    """
    return {key: _dissolve_one(topology, unit_ids) for key, unit_ids in sorted(groups.items())}


def _dissolve_one(topology: Topology, unit_ids: Iterable[str]) -> MultiPolygon:
    index = topology._index
    wanted = sorted(set(unit_ids))
    missing = [u for u in wanted if u not in index]
    if missing:
        raise KeyError(f"onbekende kaarteenheid: {', '.join(missing)}")
    uses: dict[int, int] = {}
    refs: list[int] = []
    for unit_id in wanted:
        for polygon in index[unit_id].polygons:
            for ring in polygon:
                for ref in ring:
                    arc = ref if ref >= 0 else ~ref
                    uses[arc] = uses.get(arc, 0) + 1
                    refs.append(ref)
    edges = [_directed(topology, ref) for ref in refs if uses[ref if ref >= 0 else ~ref] == 1]
    rings = _stitch(edges)
    return _assemble(rings)


def _directed(topology: Topology, ref: int) -> tuple[Point, ...]:
    return topology.arcs[ref] if ref >= 0 else tuple(reversed(topology.arcs[~ref]))


def _stitch(edges: Sequence[tuple[Point, ...]]) -> list[Ring]:
    """Chain directed arcs into closed rings, keeping the area on the left at pinch points."""
    starts: dict[Point, list[int]] = {}
    for i, edge in enumerate(edges):
        starts.setdefault(edge[0], []).append(i)
    used = [False] * len(edges)
    rings: list[Ring] = []
    for first in range(len(edges)):
        if used[first]:
            continue
        used[first] = True
        ring = list(edges[first])
        origin = ring[0]
        while True:
            end = ring[-1]
            candidates = [i for i in starts.get(end, []) if not used[i]]
            closing = end == origin
            if not candidates:
                break
            if closing or len(candidates) > 1:
                back = _previous_distinct(ring)
                options = [(i, edges[i]) for i in candidates]
                if closing:
                    options.append((-1, edges[first]))
                chosen = min(options, key=lambda o: (_turn(back, end, _next_distinct(o[1])), o[0]))[0]
                if chosen == -1:
                    break
            else:
                chosen = candidates[0]
            used[chosen] = True
            ring.extend(edges[chosen][1:])
        rings.append(ring)
    return rings


def _previous_distinct(ring: Sequence[Point]) -> Point:
    end = ring[-1]
    for point in reversed(ring[:-1]):
        if point != end:
            return point
    return end


def _next_distinct(edge: Sequence[Point]) -> Point:
    for point in edge[1:]:
        if point != edge[0]:
            return point
    return edge[0]


def _turn(back: Point, at: Point, ahead: Point) -> float:
    """Clockwise angle from the way back to the way ahead (smaller: a sharper left turn)."""
    angle_back = math.atan2(back[1] - at[1], back[0] - at[0])
    angle_ahead = math.atan2(ahead[1] - at[1], ahead[0] - at[0])
    turn = (angle_back - angle_ahead) % (2 * math.pi)
    return turn if turn > 1e-12 else 2 * math.pi


def _signed_area(ring: Sequence[Point]) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _normalised(ring: Sequence[Point]) -> Ring:
    """Closed, without repeated points, starting at the smallest point."""
    points: Ring = []
    for point in ring:
        if not points or points[-1] != point:
            points.append(point)
    while len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if not points:
        return []
    start = points.index(min(points))
    points = points[start:] + points[:start]
    return [*points, points[0]]


def _contains(ring: Sequence[Point], point: Point) -> bool | None:
    """Ray casting: True inside, False outside, None on the boundary."""
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (x0, y0) == point:
            return None
        if min(y0, y1) <= y <= max(y0, y1) and min(x0, x1) <= x <= max(x0, x1):
            cross = (x1 - x0) * (y - y0) - (y1 - y0) * (x - x0)
            if cross == 0:
                return None
        if (y0 > y) != (y1 > y):
            x_at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
            if x < x_at:
                inside = not inside
    return inside


def _assemble(raw_rings: Iterable[Ring]) -> MultiPolygon:
    shells: list[Ring] = []
    holes: list[Ring] = []
    for raw in raw_rings:
        ring = _normalised(raw)
        if len(ring) < 4:
            continue
        area = _signed_area(ring)
        if area > 0:
            shells.append(ring)
        elif area < 0:
            holes.append(ring)
    shells.sort(key=lambda r: (-_signed_area(r), r[0]))
    polygons: list[PolygonRings] = [[shell] for shell in shells]
    by_size = sorted(range(len(shells)), key=lambda i: (_signed_area(shells[i]), i))
    for hole in sorted(holes, key=lambda r: r[0]):
        owner = None
        for i in by_size:
            verdicts = (_contains(shells[i], p) for p in hole[:-1])
            verdict = next((v for v in verdicts if v is not None), None)
            if verdict:
                owner = i
                break
        if owner is None:
            # Only slivers of a few metres (simplification artefacts) end up here.
            logger.debug("Hole at %s lies in no shell; dropped", hole[0])
            continue
        polygons[owner].append(hole)
    return polygons


def to_geojson_geometry(multipolygon: MultiPolygon, decimals: int = 5) -> dict[str, Any]:
    """A GeoJSON MultiPolygon geometry dict (coordinates as [lon, lat] lists)."""
    return {
        "type": "MultiPolygon",
        "coordinates": [
            [[[round(x, decimals), round(y, decimals)] for x, y in ring] for ring in polygon]
            for polygon in multipolygon
        ],
    }


def dissolve_geojson(
    topology: Topology,
    groups: Mapping[str, Iterable[str]],
    properties: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    decimals: int = 5,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with one feature per group (id = group key), ready for json.dumps.

    `properties` adds per group key a properties dict. Groups whose area is empty are left out.
    """
    properties = properties or {}
    features = []
    for key, multipolygon in dissolve(topology, groups).items():
        if not multipolygon:
            continue
        features.append(
            {
                "type": "Feature",
                "id": key,
                "properties": dict(properties.get(key, {})),
                "geometry": to_geojson_geometry(multipolygon, decimals),
            }
        )
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------
# Label points and areas


def label_point(polygon: Sequence[Sequence[Point]], precision: float = 0.002) -> Point:
    """The point of a polygon (shell, then holes) farthest from its edges: where a label fits best.

    Cells of a square grid are split while they may still hold a better point (the pole of
    inaccessibility); distances are measured with longitude scaled by cos(latitude), so in
    roughly equal units. Deterministic: ties keep the first cell found.
    """
    shell = polygon[0]
    squeeze = math.cos(math.radians(sum(p[1] for p in shell) / len(shell)))
    xs = [p[0] * squeeze for p in shell]
    ys = [p[1] for p in shell]
    size = max(max(xs) - min(xs), max(ys) - min(ys))
    if size == 0:
        return shell[0]
    # Details far below the precision cannot move the answer much; dropping them makes it fast.
    rings = [_simplify([(x * squeeze, y) for x, y in ring], max(precision / 2, size / 150)) for ring in polygon]
    # Per edge, what the distance and the crossing test need of its ends alone, worked out once.
    edges = [
        (x0, y0, y1, x1 - x0, y1 - y0, (x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0))
        for ring in rings
        for (x0, y0), (x1, y1) in itertools.pairwise(ring)
    ]
    hypot = math.hypot

    def distance(x: float, y: float) -> float:
        """The signed distance to the nearest edge (negative outside): the point's distance to
        its projection onto each edge clamped to the edge (written out: a call per edge cost more
        than the arithmetic), and the crossings of a ray to the right."""
        inside = False
        nearest = math.inf
        for x0, y0, y1, dx, dy, squared in edges:
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * dx / dy:
                inside = not inside
            if dx or dy:
                t = ((x - x0) * dx + (y - y0) * dy) / squared
                t = 0.0 if t < 0.0 else 1.0 if t > 1.0 else t
                found = hypot(x - (x0 + t * dx), y - (y0 + t * dy))
            else:
                found = hypot(x - x0, y - y0)
            if found < nearest:
                nearest = found
        return nearest if inside else -nearest

    best_x, best_y = _pole(xs, ys, size, precision, distance)
    return (best_x / squeeze, best_y)


def _pole(
    xs: Sequence[float], ys: Sequence[float], size: float, precision: float, distance: Callable[[float, float], float]
) -> tuple[float, float]:
    """The grid search of label_point: cells are split, best first, while they may still hold a
    point farther from the edges (by `distance`) than the best found."""
    cell = size / 8
    queue: list[tuple[float, float, float, float, float]] = []
    best_x, best_y = sum(xs) / len(xs), sum(ys) / len(ys)
    best = distance(best_x, best_y)
    x = min(xs)
    while x < max(xs):
        y = min(ys)
        while y < max(ys):
            cx, cy = x + cell / 2, y + cell / 2
            d = distance(cx, cy)
            heapq.heappush(queue, (-(d + cell / 2 * math.sqrt(2)), cx, cy, cell / 2, d))
            y += cell
        x += cell
    while queue:
        potential, cx, cy, half, d = heapq.heappop(queue)
        if d > best:
            best, best_x, best_y = d, cx, cy
        if -potential - best <= precision:
            continue
        half /= 2
        for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            nx, ny = cx + dx * half, cy + dy * half
            nd = distance(nx, ny)
            heapq.heappush(queue, (-(nd + half * math.sqrt(2)), nx, ny, half, nd))
    return best_x, best_y


_WGS84_A = 6378137.0
_WGS84_E = math.sqrt(0.00669437999014)


def _authalic_q(lat: float) -> float:
    s = math.sin(math.radians(lat))
    e = _WGS84_E
    return (1 - e * e) * (s / (1 - e * e * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e))


def area_km2(multipolygon: MultiPolygon) -> float:
    """Area on the WGS84 ellipsoid, in km², through the cylindrical equal-area projection.

    Shells count positive and holes negative whatever their orientation.
    """
    qp = _authalic_q(90)
    total = 0.0
    for polygon in multipolygon:
        for index, ring in enumerate(polygon):
            projected = [(math.radians(x), _authalic_q(y) / qp) for x, y in ring]
            area = abs(_signed_area(projected))
            total += area if index == 0 else -area
    return total * _WGS84_A**2 * qp / 2 / 1e6


# ---------------------------------------------------------------------------------------------
# Names to units


def units_for_name(register: Register, topology: Topology, name: str, *, current: bool = False) -> tuple[str, ...]:
    """The ids of the map units a municipality name stands for (Register.units_for); empty when the
    name is unknown."""
    return tuple(unit.id for unit in register.units_for(name, topology.units, current=current))


# ---------------------------------------------------------------------------------------------
# Locator SVG


LOCATOR_FRAME = (240, 0.6)
"""A locator's width and the tolerance its outlines are simplified to, in px."""
OVERVIEW_FRAME = (320, 0.7)
"""The overview map's, likewise."""


def _svg_frame(topology: Topology, width: int, tolerance_px: float) -> tuple[int, Callable[[MultiPolygon], str]]:
    """The height of a `width`-wide SVG of the topology and a function giving a MultiPolygon's path data.

    Equirectangular projection, x scaled by cos(mid latitude); outlines simplified to
    `tolerance_px` and rounded to 0.1 px.
    """
    min_lon, min_lat, max_lon, max_lat = topology.bbox
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    pad = 2.0
    scale = (width - 2 * pad) / ((max_lon - min_lon) * squeeze or 1.0)
    height = math.ceil((max_lat - min_lat) * scale + 2 * pad)

    def project(point: Point) -> tuple[float, float]:
        return (
            round(pad + (point[0] - min_lon) * squeeze * scale, 1),
            round(pad + (max_lat - point[1]) * scale, 1),
        )

    def path_data(multipolygon: MultiPolygon) -> str:
        parts = []
        for polygon in multipolygon:
            for ring in polygon:
                projected = _simplify([project(p) for p in ring], tolerance_px)
                if len(projected) < 4:
                    continue
                coords = " ".join(f"{_num(x)} {_num(y)}" for x, y in projected[:-1])
                parts.append(f"M{coords}Z")
        return "".join(parts)

    return height, path_data


def _outline_path(topology: Topology, width: int, tolerance_px: float) -> str:
    """The path data of the whole topology's outline in that frame, drawn once per topology and
    frame: every locator starts with it."""
    frame = (width, tolerance_px)
    if frame not in topology._outline_paths:
        topology._outline_paths[frame] = _svg_frame(topology, width, tolerance_px)[1](topology.outline())
    return topology._outline_paths[frame]


def locator_svg(
    topology: Topology,
    highlight_unit_ids: Iterable[str],
    *,
    width: int = LOCATOR_FRAME[0],
    title: str = "",
    highlight_colour: str = "#b0124f",
    base_colour: str = "#e3e3e3",
    outline_colour: str = "#8c8c8c",
    tolerance_px: float = LOCATOR_FRAME[1],
) -> str:
    """A small inline SVG of Flanders with the highlighted units' area in a strong colour.

    Unknown unit ids raise KeyError.
    """

    height, path_data = _svg_frame(topology, width, tolerance_px)
    highlight = sorted(set(highlight_unit_ids))
    label = title or "Ligging in Vlaanderen"
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label={_attribute(label)} class="locator">',
        f"<title>{_text(label)}</title>",
        f'<path d="{_outline_path(topology, width, tolerance_px)}" fill="{base_colour}" stroke="{outline_colour}" '
        'stroke-width="0.8" stroke-linejoin="round" fill-rule="evenodd"/>',
    ]
    if highlight:
        area = _dissolve_one(topology, highlight)
        lines.append(
            f'<path d="{path_data(area)}" fill="{highlight_colour}" stroke="{highlight_colour}" '
            'stroke-width="0.6" stroke-linejoin="round" fill-rule="evenodd"/>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


def _text(value: str) -> str:
    """XML character data, as xml.sax.saxutils.escape writes it (not imported: it imports urllib.request,
    a sixtieth of a cold build of the shipped site)."""
    return value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _attribute(value: str) -> str:
    """An XML attribute value with its quotes, as xml.sax.saxutils.quoteattr writes it: in double
    quotes, or in single quotes where it holds a double quote and no single one."""
    value = _text(value).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace('"', "&quot;") + '"'


@frozen_dataclass
class OverviewArea:
    """An area of the overview map: its units, colour, and the page it links to."""

    unit_ids: tuple[str, ...]
    colour: str
    label: str
    url: str


def overview_svg(
    topology: Topology,
    areas: Sequence[OverviewArea],
    *,
    width: int = OVERVIEW_FRAME[0],
    title: str = "Kaart van Vlaanderen met de IGS'en",
    base_colour: str = "#e3e3e3",
    outline_colour: str = "#767676",
    tolerance_px: float = OVERVIEW_FRAME[1],
) -> str:
    """A small inline SVG of Flanders where every area is a link (with its label as accessible name)."""

    height, path_data = _svg_frame(topology, width, tolerance_px)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" class="overview" aria-label={_attribute(title)}>',
        f"<title>{_text(title)}</title>",
        f'<path d="{_outline_path(topology, width, tolerance_px)}" fill="{base_colour}" stroke="{outline_colour}" '
        'stroke-width="0.8" stroke-linejoin="round" fill-rule="evenodd"/>',
    ]
    for area in areas:
        shape = path_data(_dissolve_one(topology, area.unit_ids))
        lines.append(
            f"<a href={_attribute(area.url)} aria-label={_attribute(area.label)}><title>{_text(area.label)}</title>"
            f'<path d="{shape}" fill="{area.colour}" stroke="#ffffff" stroke-width="0.8" '
            'stroke-linejoin="round" fill-rule="evenodd"/></a>'
        )
    lines.append("</svg>")
    return "\n".join(lines)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _simplify(points: Sequence[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker on a closed ring, split at its farthest point so it keeps its area."""
    deduped: list[tuple[float, float]] = []
    for point in points:
        if not deduped or deduped[-1] != point:
            deduped.append(point)
    if len(deduped) < 5:
        return deduped
    start = deduped[0]
    far = max(
        range(1, len(deduped) - 1),
        key=lambda i: (deduped[i][0] - start[0]) ** 2 + (deduped[i][1] - start[1]) ** 2,
    )
    first = douglas_peucker(deduped[: far + 1], tolerance)
    second = douglas_peucker(deduped[far:], tolerance)
    return first + second[1:]


def douglas_peucker(points: Sequence[P], tolerance: float) -> list[P]:
    """Douglas-Peucker line simplification with fixed end points (iterative)."""
    if len(points) <= 2 or tolerance <= 0:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        worst, worst_at = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            distance = math.hypot(px - x0, py - y0) if length == 0 else abs(dy * (px - x0) - dx * (py - y0)) / length
            if distance > worst:
                worst, worst_at = distance, i
        if worst > tolerance:
            keep[worst_at] = True
            stack.extend(((first, worst_at), (worst_at, last)))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def simplified(topology: Topology, tolerance: float, share: float = 0.1) -> Topology:
    """The topology with every arc simplified once more (for display), neighbours still seamless.

    Around a unit, an arc's tolerance is at most `share` of the unit's smaller bbox side, so that
    small municipalities keep their shape.
    """
    sizes: dict[int, float] = {}
    for unit in topology.units:
        refs = [ref if ref >= 0 else ~ref for polygon in unit.polygons for ring in polygon for ref in ring]
        points = [p for ref in refs for p in topology.arcs[ref]]
        side = min(
            max(p[0] for p in points) - min(p[0] for p in points), max(p[1] for p in points) - min(p[1] for p in points)
        )
        for ref in refs:
            sizes[ref] = min(sizes.get(ref, math.inf), side)
    arcs = tuple(
        tuple(_simplify_open(arc, min(tolerance, share * sizes.get(index, math.inf))))
        for index, arc in enumerate(topology.arcs)
    )
    return Topology(topology.units, arcs, topology.bbox)


def _simplify_open(arc: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker for an arc; a closed arc (a ring of its own) is split so it keeps an area."""
    if arc[0] != arc[-1] or len(arc) < 5:
        return douglas_peucker(arc, tolerance)
    return _simplify(arc, tolerance)
