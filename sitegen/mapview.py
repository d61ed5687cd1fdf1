""" "Vind jouw IGS": which map units belong to which IGS, the Folium map, the finder rows and
the locator SVGs of the IGS pages.

Folium is used at build time only. Its page template pulls jQuery, Bootstrap and Font Awesome
from CDNs and writes inline scripts with random ids, so we keep only the map script it writes,
give its elements stable ids and ship it as an external file next to a self-hosted Leaflet.

Folium (branca) renders the script it has already filled in as a Jinja template a second time, so
any text handed to Folium is template source: `{{ ... }}` in it would run. Folium therefore gets
geometry, slugs and colours only (`_inert` refuses anything else); every text that reaches the map
(names, members, links, the tiles settings) travels in `map_text`, a JSON object we serialise
ourselves and put in front of Folium's script, where kaart-interactie.js reads it.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import logging
import re
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from .deps import digest
from .finder import (
    NONE,
    UNKNOWN,
    Answer,
    FinderPart,
    FinderRow,
    Term,
    finder_index,
    finder_rows,
    igs_units,
    igs_villages,
    legend_entries,
    unit_answers,
)
from .frozen import frozen_dataclass
from .geometry import (
    OverviewArea,
    Topology,
    dissolve,
    label_point,
    locator_svg,
    overview_svg,
    simplified,
)
from .memo import BYTES, TEXT, Memo, Space, json_codec
from .model import Igs, Site
from .parallel import Forked, Standby
from .register import Register

logger = logging.getLogger(__name__)

# Paul Tol's "muted" scheme: told apart with the common colour-vision deficiencies; neighbouring
# IGS'en never share a colour (greedy colouring over the adjacency of their areas).
PALETTE = ("#cc6677", "#332288", "#ddcc77", "#117733", "#88ccee", "#882255", "#44aa99", "#999933", "#aa4499")
NO_IGS_COLOUR = "#d9d9d9"
UNKNOWN_COLOUR = "#fbfbfb"
STATE_COLOURS = {NONE: NO_IGS_COLOUR, UNKNOWN: UNKNOWN_COLOUR}
LABEL_PRECISION = 0.005
"""How close (degrees, about 350-550 m) an IGS label's place must come to the best one."""
DISPLAY_TOLERANCE = 0.0015
"""Extra simplification of the borders on the interactive map, in degrees (about 100-170 m)."""
# Leaflet and every file its stylesheet names (leaflet.css points at the layer and marker images).
LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)
_FOLIUM_SCRIPT = re.compile(r"</body>\s*<script>(.*)</script>\s*</html>\s*$", re.DOTALL)
_LAYER_DATA = re.compile(r"^(\s*)(geo_json_\d+_add\(.*\);)$", re.MULTILINE)
_RANDOM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
# What Folium may see: nothing a Jinja template could read as syntax.
_INERT_TEXT = re.compile(r"[A-Za-z0-9 #._-]*")
MAP_TEXT_VARIABLE = "igsKaart"  # the global kaart-interactie.js reads (keep the two in step)


@frozen_dataclass
class MapData:
    colours: Mapping[str, str]
    locators: Mapping[str, str]
    finder_rows: tuple[FinderRow, ...]
    unknown: tuple[str, ...]  # current municipalities that an incomplete member list might hold
    overview: str  # the home page's small SVG map: every IGS area a link to its page
    villages: Mapping[str, tuple[str, ...]]  # per IGS slug, the villages (deelgemeenten) of its members
    numbers: Mapping[str, int]  # the number of each IGS on the map, as the legend repeats it
    legend: Mapping[str, tuple[tuple[str, str], ...]]  # per IGS slug, "none", "unknown": (unit name, anchor)
    pending: tuple[Igs, ...]  # IGS'en without known members: not on the map
    drawn_script: Callable[[], str] = field(repr=False, compare=False)
    """Gives the map's JavaScript, written by Folium; a call, since it may still be drawn on another core."""
    leaflet_version: str
    sources: tuple[tuple[str, str, str], ...]  # (name, url, licence)
    script_ready: Callable[[], bool] = field(default=lambda: True, repr=False, compare=False)
    """Whether asking for the script would not wait for another core."""
    version: bytes = field(default=b"", repr=False, compare=False)
    """Equal versions, equal map data: a digest of what it is made from and of the IGS'en's versions
    (build_map_data); b"" when unknown (an IGS of unknown version)."""

    @property
    def script(self) -> str:
        """The map's JavaScript (waits for it where it is still being drawn: ask as late as possible)."""
        return self.drawn_script()

    @functools.cached_property
    def finder_index(self) -> str:
        """The finder's search index (finder.finder_index), made once for this map data (the
        preview's rebuilds share one while the IGS'en stay as they were: build_map_data)."""
        return finder_index(self.finder_rows)


def leaflet_files() -> tuple[str, dict[str, bytes]]:
    """Leaflet's version and its files, from the xstatic-leaflet package."""
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR)
    return leaflet.VERSION, {name: (base / name).read_bytes() for name in LEAFLET_FILES}


def _adjacency(topology: Topology) -> dict[str, set[str]]:
    """Units that share an arc."""
    users: dict[int, set[str]] = {}
    for unit in topology.units:
        for polygon in unit.polygons:
            for ring in polygon:
                for ref in ring:
                    users.setdefault(ref if ref >= 0 else ~ref, set()).add(unit.id)
    neighbours: dict[str, set[str]] = {u.id: set() for u in topology.units}
    for ids in users.values():
        for a in ids:
            neighbours[a] |= ids - {a}
    return neighbours


def assign_colours(site: Site, units: Mapping[str, tuple[str, ...]], topology: Topology) -> dict[str, str]:
    """An explicit `color` wins; the others get the least used palette colour no neighbour has."""
    unit_owner = {u: slug for slug, ids in units.items() for u in ids}
    neighbours = _adjacency(topology)
    touching: dict[str, set[str]] = {igs.slug: set() for igs in site.igs}
    for slug, ids in units.items():
        for unit in ids:
            touching[slug] |= {unit_owner[n] for n in neighbours.get(unit, ()) if n in unit_owner} - {slug}
    colours = {igs.slug: igs.color for igs in site.igs if igs.color}
    # Most-constrained first, then by slug, so the result is stable.
    for slug in sorted(touching, key=lambda s: (-len(touching[s]), s)):
        if slug in colours:
            continue
        taken = {colours[n] for n in touching[slug] if n in colours}
        free = [c for c in PALETTE if c not in taken] or list(PALETTE)
        used = list(colours.values())
        colours[slug] = min(free, key=lambda c: (used.count(c), PALETTE.index(c)))
    return dict(sorted(colours.items()))


def _stable_ids(script: str) -> str:
    """Replace Folium's random element ids by their order of appearance."""
    numbers: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), str(len(numbers) + 1))

    return _RANDOM_ID.sub(number, script)


def _inert(value: object) -> object:
    """`value` unchanged if Folium's second Jinja rendering cannot read anything in it as syntax."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _inert(key)
            _inert(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _inert(item)
    elif isinstance(value, str) and not _INERT_TEXT.fullmatch(value):
        raise ValueError(f"text must not reach Folium (put it in map_text): {value!r}")
    return value


def map_text(
    site: Site,
    units: Mapping[str, tuple[str, ...]],
    rows: Sequence[FinderRow],
    numbers: Mapping[str, int],
    labels: Mapping[str, tuple[float, float]],
) -> dict[str, object]:
    """Everything the map shows as text; kaart-interactie.js inserts it as text.

    `areas`: per IGS slug its name (with the end of its activity), page, members, number and label
    point (lat, lon); `units`: per map unit [its name, its municipality since 2025, the finder
    anchor of that municipality, the answer in words, the IGS slug or ""].
    """
    areas = {
        igs.slug: {
            "name": igs.display_name,
            "url": site.base_path + igs.url.lstrip("/"),
            "members": [m.name for m in igs.members],
            "complete": igs.members_complete,
            "number": numbers[igs.slug],
            "label": [round(labels[igs.slug][1], 4), round(labels[igs.slug][0], 4)],
        }
        for igs in site.igs
        if units.get(igs.slug)
    }
    unit_text = {
        part.unit_id: [
            part.name,
            row.name,
            row.anchor,
            part.answer.text,
            part.answer.igs.slug if part.answer.igs else "",
        ]
        for row in rows
        for part in row.parts
    }
    tiles = {"url": site.tiles.url, "attribution": site.tiles.attribution} if site.tiles else None
    return {
        "areas": areas,
        "units": dict(sorted(unit_text.items())),
        "finder": site.base_path + "gemeenten/",
        "tiles": tiles,
    }


def script_json(value: object) -> str:
    """JSON that is also a safe JavaScript literal anywhere: ASCII only (no raw U+2028/U+2029),
    and '<', '>', '&' escaped so that it can never close a script element or open a comment."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def map_script(
    site: Site, register: Register, topology: Topology, units: Mapping[str, tuple[str, ...]], colours: Mapping[str, str]
) -> str:
    """The Folium map as a standalone script (the page supplies <div id="map_1">), preceded by the
    map's texts as data.

    Folium draws the map and the borders between IGS areas; kaart-interactie.js draws the 300
    municipalities of 2019-2024 below them from `shapes` in the data (each one hoverable, focusable
    and tappable, filled with its IGS's colour) and a label per IGS.
    """
    folium = _folium()
    rows = finder_rows(register, topology, unit_answers(site, register, topology, units))
    numbers = igs_numbers(site, units)
    min_lon, min_lat, max_lon, max_lat = topology.bbox
    fmap = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2],
        zoom_start=8,
        min_zoom=6,
        max_zoom=13,
        tiles=None,  # the tiles settings are text: kaart-interactie.js adds the layer from map_text
        zoom_control=False,  # added with Dutch button titles by kaart-interactie.js
        control_scale=False,
        max_bounds=True,
        min_lat=min_lat - 1,
        max_lat=max_lat + 1,
        min_lon=min_lon - 2,
        max_lon=max_lon + 2,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    shown = simplified(topology, DISPLAY_TOLERANCE)
    owner = {unit: slug for slug, ids in units.items() for unit in ids}
    state = {part.unit_id: part.answer.state for row in rows for part in row.parts}
    fills = {
        unit.id: colours[owner[unit.id]] if unit.id in owner else STATE_COLOURS[state.get(unit.id, UNKNOWN)]
        for unit in topology.units
    }
    # The borders between IGS areas (and between an IGS and the rest), once each, on top.
    users: dict[int, set[str]] = {}
    for unit in topology.units:
        for polygon in unit.polygons:
            for ring in polygon:
                for ref in ring:
                    users.setdefault(ref if ref >= 0 else ~ref, set()).add(owner.get(unit.id, ""))
    between = [index for index, owners in sorted(users.items()) if len(owners) > 1]
    borders = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "MultiLineString",
            "coordinates": [[[round(x, 4), round(y, 4)] for x, y in shown.arcs[index]] for index in between],
        },
    }
    folium.GeoJson(
        _inert(borders),
        name="igs-grenzen",
        style_function=lambda _: {"fill": False, "color": "#1c2326", "weight": 1.6, "opacity": 0.9},
        interactive=False,
    ).add_to(fmap)
    fmap.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    html = fmap.get_root().render()
    match = _FOLIUM_SCRIPT.search(html)
    if match is None:
        raise RuntimeError("unexpected Folium output: map script not found")
    script = _stable_ids(match.group(1))
    script = re.sub(r"[ \t]+\n", "\n", script).strip() + "\n"
    # Drawing each layer in its own task keeps the main thread responsive on slow phones.
    # The layer data is numbers, ids and GeoJSON keys only (see _inert): no space in it is needed.
    script = _LAYER_DATA.sub(
        lambda m: f"{m.group(1)}setTimeout(function () {{ {m.group(2).replace(', ', ',').replace(': ', ':')} }}, 0);",
        script,
    )
    if "$(" in script or "jQuery" in script:
        raise RuntimeError("the Folium map script needs jQuery; keep popups out of Folium")
    labels = {slug: _label(topology, ids) for slug, ids in units.items() if ids}
    text = map_text(site, units, rows, numbers, labels)
    text["shapes"] = shapes_data(shown, fills)
    return f"var {MAP_TEXT_VARIABLE} = {script_json(text)};\n{script}"


def shapes_data(topology: Topology, fills: Mapping[str, str], quantum: float = 1e-4) -> dict[str, object]:
    """The municipalities as a small topology for kaart-interactie.js: shared arcs, delta-encoded on a
    `quantum` grid (degrees), and per unit [id, fill colour, polygons of rings of arc references].

    A tenth of the bytes of a GeoJSON layer, where every shared border is written twice.
    """
    min_lon, min_lat = topology.bbox[0], topology.bbox[1]
    arcs = []
    for arc in topology.arcs:
        previous = (0, 0)
        encoded = []
        for lon, lat in arc:
            point = (round((lon - min_lon) / quantum), round((lat - min_lat) / quantum))
            encoded.append([point[0] - previous[0], point[1] - previous[1]])
            previous = point
        arcs.append(encoded)
    return {
        "scale": quantum,
        "translate": [min_lon, min_lat],
        "arcs": arcs,
        "units": [
            [u.id, fills[u.id], [[list(ring) for ring in polygon] for polygon in u.polygons]] for u in topology.units
        ],
    }


def igs_numbers(site: Site, units: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """The number of each IGS on the map (in the order of the site), for labels the legend repeats."""
    return {slug: n for n, slug in enumerate((i.slug for i in site.igs if units[i.slug]), start=1)}


def _label(topology: Topology, unit_ids: Sequence[str]) -> tuple[float, float]:
    """Where an area's label goes: the pole of inaccessibility of its largest polygon."""
    largest = dissolve(topology, {"area": unit_ids})["area"][0]
    return label_point(largest, precision=LABEL_PRECISION)


def _plain_map_data(geo: MapData) -> dict[str, Any]:
    """The map data as JSON-able data: an IGS by its slug (the key holds the whole IGS)."""
    rows = [
        [row.anchor, row.nis, row.name, row.province, row.postcodes, row.former,
         [[p.unit_id, p.name, p.answer.state, p.answer.igs.slug if p.answer.igs else None, p.villages, p.merged_2019]
          for p in row.parts],
         [[term.kind, term.name, term.part] for term in row.terms]]
        for row in geo.finder_rows
    ]  # fmt: skip
    return {
        "colours": geo.colours, "locators": geo.locators, "finder_rows": rows, "unknown": geo.unknown,
        "overview": geo.overview, "villages": geo.villages, "numbers": geo.numbers, "legend": geo.legend,
        "pending": [igs.slug for igs in geo.pending], "script": geo.script,
        "leaflet_version": geo.leaflet_version, "sources": geo.sources, "finder_index": geo.finder_index,
    }  # fmt: skip


def _map_data_from_plain(plain: Mapping[str, Any], site: Site, version: bytes = b"") -> MapData:
    """The map data back from `_plain_map_data`, with the IGS objects of `site` (and `version`)."""

    def answer(state: str, slug: str | None) -> Answer:
        return Answer(state, site.igs_by_slug(slug) if slug is not None else None)

    rows = tuple(
        FinderRow(anchor, nis, name, province, tuple(postcodes), tuple(former),
                  tuple(FinderPart(unit_id, part_name, answer(state, slug), tuple(villages), tuple(merged))
                        for unit_id, part_name, state, slug, villages, merged in parts),
                  tuple(Term(kind, term, part) for kind, term, part in terms))
        for anchor, nis, name, province, postcodes, former, parts, terms in plain["finder_rows"]
    )  # fmt: skip
    geo = MapData(
        colours=dict(plain["colours"]),
        locators=dict(plain["locators"]),
        finder_rows=rows,
        unknown=tuple(plain["unknown"]),
        overview=plain["overview"],
        villages={slug: tuple(names) for slug, names in plain["villages"].items()},
        numbers=dict(plain["numbers"]),
        legend={key: tuple(tuple(entry) for entry in entries) for key, entries in plain["legend"].items()},
        pending=tuple(site.igs_by_slug(slug) for slug in plain["pending"]),
        drawn_script=functools.partial(str, plain["script"]),
        leaflet_version=plain["leaflet_version"],
        sources=tuple(tuple(source) for source in plain["sources"]),
        version=version,
    )
    if isinstance(plain.get("finder_index"), str):  # made from these rows when the map data was kept
        geo.__dict__["finder_index"] = plain["finder_index"]  # (the cached_property's place)
    return geo


# The map data by everything it reads (`_map_inputs`); stored as plain data, in which an IGS is its
# slug (the current site's IGS comes back in its place), with the finder's index made from its rows
# (some 10 ms a build to make again at 300x10,000). Its costly parts are also remembered on
# their own, by what each reads, so that an IGS edit redoes only what the edit touches.
MAP_DATA: Space[dict[str, Any]] = Space("map-data", json_codec(lambda plain: plain, lambda plain: plain))
MAP_UNITS: Space[dict[str, tuple[str, ...]]] = Space(
    "map-units", json_codec(dict, lambda plain: {slug: tuple(ids) for slug, ids in plain.items()})
)
MAP_SCRIPT: Space[str] = Space("map-script", TEXT)
MAP_DATA_MADE: Space[MapData] = Space("map-data-made")
"""The map data made from MAP_DATA for the IGS objects of a site, by its key and their versions
(equal versions, equal IGS'en): kept in memory only, so that the preview's rebuilds share one (and
its finder index) while no IGS changed."""
LOCATORS: Space[str] = Space("locators", TEXT)


def _map_inputs(site: Site) -> tuple[Any, ...]:
    """What `_map_data` reads of the site: of each IGS, in the site's order, what the map, the finder
    and the legend show of it (not its texts: an IGS summary edit leaves the map data); the tiles and
    the base path. A field `_map_data` starts to read must be added here."""
    igs = [(i.slug, i.name, i.display_name, i.url, [m.name for m in i.members], i.members_complete, i.provinces,
            i.color) for i in site.igs]  # fmt: skip
    return igs, site.tiles, site.base_path


# Whether a build with this store has drawn the map's script (one entry, under the key b""): where
# none has, the next build will, and imports Folium on another core from its start (draw_ahead).
DRAWN: Space[bytes] = Space("map-script-drawn", BYTES)


# Modules Folium imports but never reads for this map: `requests` fetches GeoJSON given as an
# address, which the map never is. With what it imports (urllib3, charset_normalizer, http.cookiejar)
# it was a third of importing Folium in the child that draws the map.
_UNREAD_BY_FOLIUM = ("requests",)


class _ImportedOnUse(types.ModuleType):
    """Stands in for a module not imported yet: the first attribute read imports the real module,
    which takes its place in sys.modules, and is answered from it (as is every later read)."""

    def __getattr__(self, name: str) -> Any:
        if name == "__path__":  # asked by `from ... import` of it: answered as a module, not a package
            raise AttributeError(name)
        return getattr(_imported(self.__name__), name)


def _imported(name: str) -> types.ModuleType:
    """The real module, imported in place of its stand-in where that is still in sys.modules."""
    if isinstance(sys.modules.get(name), _ImportedOnUse):
        del sys.modules[name]
    return importlib.import_module(name)


def _standing_in(module: str, names: Sequence[str]) -> _ImportedOnUse:
    """A stand-in for `module` that has `names` (what an importer takes from it as it is imported),
    each a class of which nothing is an instance: made (called), it is the real one made (called)."""

    def made(name: str) -> type:
        def new(cls: type, *args: Any, **kwargs: Any) -> Any:
            return getattr(_imported(module), name)(*args, **kwargs)

        return type(name, (), {"__new__": new})

    stand_in = _ImportedOnUse(module)
    for name in names:
        setattr(stand_in, name, made(name))
    return stand_in


# What else Folium imports and never reads for this map, with the names it takes from each as it is
# imported: `urllib.request` (with http.client, email and ssl) fetches a script that branca embeds,
# and the map embeds none; `xyzservices` names tile providers, and the map's tiles are added by
# kaart-interactie.js; `branca.colormap` draws colour scales, none here, and made some 70 of them as
# it was imported. Two thirds of what importing Folium in the child that draws the map was left.
_UNREAD_IN_THE_CHILD = {
    "urllib.request": ("urlopen",),
    "xyzservices": ("TileProvider",),
    "branca.colormap": ("ColorMap", "LinearColormap", "StepColormap"),
}


def _folium() -> types.ModuleType:
    """Folium, imported without the modules it does not read for this map (_UNREAD_BY_FOLIUM)."""
    for name in _UNREAD_BY_FOLIUM:
        sys.modules.setdefault(name, _ImportedOnUse(name))
    import folium

    return folium


class _CompiledOnUse:
    """A Jinja template that Folium made at import, compiled where it is first used."""

    __slots__ = ("_compile", "_compiled")

    def __init__(self, compile_it: Callable[[], Any]) -> None:
        self._compile = compile_it
        self._compiled: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._compiled is None:
            self._compiled = self._compile()
        return getattr(self._compiled, name)


def _import_folium() -> None:
    """What the child that draws the map does first (draw_ahead); it draws the map and exits.

    Folium reads numpy, at import and as it draws, only to ask whether a value is an array
    (`isinstance(x, np.ndarray)`, an annotation), and the map is drawn from lists: numpy stands in
    unimported (a tenth of a second), its ndarray a class of which nothing is an instance; any other
    read of it imports the real numpy (_ImportedOnUse). And Folium's modules make a Jinja template for
    every kind of map element as they are imported, some 45, of which the map renders 8: while they
    are imported, a template is made as a _CompiledOnUse (Jinja's Template.__new__ only for them).
    The modules of _UNREAD_IN_THE_CHILD stand in unimported as numpy does."""
    if "numpy" not in sys.modules:
        numpy = _ImportedOnUse("numpy")
        numpy.ndarray = type("ndarray", (), {})  # type: ignore[attr-defined]
        sys.modules["numpy"] = numpy
    for module, names in _UNREAD_IN_THE_CHILD.items():
        sys.modules.setdefault(module, _standing_in(module, names))
    import jinja2

    made_now = jinja2.Template.__dict__["__new__"]  # a staticmethod, put back as it was
    jinja2.Template.__new__ = lambda cls, *args, **kwargs: _CompiledOnUse(  # type: ignore[method-assign]
        functools.partial(made_now.__func__, cls, *args, **kwargs)
    )
    try:
        _folium()
    finally:
        jinja2.Template.__new__ = made_now  # type: ignore[method-assign]


def draw_ahead(memo: Memo) -> Standby[str] | None:
    """Where no build with this memo's store has drawn the map's script yet (a first build, `check`),
    a child that imports Folium now, on the other core, while this one loads the content: importing
    it takes longer than drawing the map (a fifth of a cold build of the shipped site). Hand it to
    build_map_data, which sends it the drawing (or ends it, where the script is remembered after all)."""
    if memo.recalled(DRAWN, b"") is not None:
        return None
    return Standby(_import_folium)


def _map_site(site: Site) -> Site:
    """The site as map_script reads it (its IGS'en, tiles and base path), without its stories, pages
    and images: what a Standby child is sent."""
    return dataclasses.replace(site, articles=(), pages=(), images=())


def build_map_data(
    site: Site, register: Register, topology: Topology, memo: Memo | None = None, ahead: Standby[str] | None = None
) -> MapData:
    """Everything the pages show of the map; it reads, of the site, the IGS, the tiles and the base path.

    Where the map's script is not remembered, it is drawn on another core while this one goes on
    (by `ahead`, where given: see draw_ahead); the map data is remembered once the script is asked for."""
    memo = memo or Memo()
    key = digest(_map_inputs(site), register.digest, topology.digest)
    versions = [igs.version for igs in site.igs]
    made = digest(key, versions) if all(versions) else None
    plain = memo.recalled(MAP_DATA, key)
    if plain is not None:
        if ahead is not None:
            ahead.close()
        if made is None:
            return _map_data_from_plain(plain, site)
        return memo.remembered(MAP_DATA_MADE, made, lambda: _map_data_from_plain(plain, site, made))

    def done(geo: MapData) -> None:
        memo.keep(MAP_DATA, key, _plain_map_data(geo))
        if made is not None:  # the map data made here is the preview's next rebuild's too
            memo.keep(MAP_DATA_MADE, made, geo)

    return _map_data(site, register, topology, memo, done, made or b"", ahead)


def _map_data(
    site: Site,
    register: Register,
    topology: Topology,
    memo: Memo,
    done: Callable[[MapData], None],
    version: bytes,
    ahead: Standby[str] | None,
) -> MapData:
    places = (register.digest, topology.digest)
    members = [(i.slug, [m.name for m in i.members]) for i in site.igs]
    units = memo.remembered(MAP_UNITS, digest(members, places), lambda: igs_units(site, register, topology))
    colours = assign_colours(site, units, topology)
    # Folium's script reads, of each IGS, only what goes on the map: a summary edit leaves it.
    shown = [(i.slug, i.display_name, i.url, [m.name for m in i.members], i.members_complete, i.provinces)
             for i in site.igs]  # fmt: skip
    script_key = digest(shown, site.tiles, site.base_path, places, sorted(units.items()), sorted(colours.items()))
    known = memo.recalled(MAP_SCRIPT, script_key)
    if known is not None:
        if ahead is not None:
            ahead.close()
        geo = _rest_of_map_data(site, register, topology, memo, units, colours, functools.partial(str, known))
        geo = dataclasses.replace(geo, version=version)
        done(geo)
        return geo
    drawing: Forked[str]
    if ahead is not None:
        ahead.send(map_script, _map_site(site), register, topology, units, colours)
        drawing = ahead
    else:
        drawing = Forked(lambda: map_script(site, register, topology, units, colours))
    drawn: list[str] = []

    def script() -> str:
        if not drawn:
            drawn.append(drawing.result())
            memo.keep(MAP_SCRIPT, script_key, drawn[0])
            memo.keep(DRAWN, b"", b"")
            done(geo)
        return drawn[0]

    geo = dataclasses.replace(
        _rest_of_map_data(site, register, topology, memo, units, colours, script),
        script_ready=lambda: bool(drawn) or drawing.ready(),
        version=version,
    )
    return geo


def _rest_of_map_data(
    site: Site,
    register: Register,
    topology: Topology,
    memo: Memo,
    units: Mapping[str, tuple[str, ...]],
    colours: Mapping[str, str],
    script: Callable[[], str],
) -> MapData:
    rows = finder_rows(register, topology, unit_answers(site, register, topology, units))
    calls = [
        (igs.slug, (units[igs.slug], f"Ligging van {igs.name} in Vlaanderen")) for igs in site.igs if units[igs.slug]
    ]
    svgs = memo.remembered_all(
        LOCATORS,
        [(digest(topology.digest, args), args) for _, args in calls],
        lambda args: locator_svg(topology, args[0], title=args[1]),
    )
    locators = {slug: svg for (slug, _), svg in zip(calls, svgs, strict=True)}
    version, _ = leaflet_files()
    return MapData(
        colours=colours,
        locators=locators,
        finder_rows=rows,
        unknown=tuple(r.name for r in rows if any(p.answer.state == UNKNOWN for p in r.parts)),
        overview=overview_svg(
            topology,
            [
                OverviewArea(units[i.slug], colours[i.slug], i.name, site.base_path + i.url.lstrip("/"))
                for i in site.igs
                if units[i.slug]
            ],
        ),
        villages=igs_villages(rows, units),
        numbers=igs_numbers(site, units),
        legend=legend_entries(rows),
        pending=tuple(i for i in site.igs if not units[i.slug]),
        drawn_script=script,
        leaflet_version=version,
        sources=tuple((s.name, s.url, s.licence) for s in register.sources),
    )
