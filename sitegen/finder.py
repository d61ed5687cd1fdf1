""" "Vind jouw IGS": the answer for every municipality and every name a visitor may type.

Each municipality of 2025 is one finder row. Its parts are the municipalities of 2019-2024 (the
units IGS member lists name); each part has one of three answers:

- member: an IGS lists it (with the end of that IGS's activity where there is one: "Ginter (tot eind 2025)");
- none: no IGS lists it, and every member list that could hold it is complete;
- unknown: no IGS lists it, but an incomplete list in its province might.

A row knows every name it can be found by: its own name, its villages (deelgemeenten), the
names merged into it in 2019 and 2025, and its postcodes. `search_rows` is the reference for
the matching that assets/gemeenten.js does in the browser: same keys, same order of preference.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Mapping, Sequence

from .frozen import frozen_dataclass
from .geometry import MapUnit, Topology
from .model import Igs, Site
from .register import Register, name_key

logger = logging.getLogger(__name__)

MEMBER, NONE, UNKNOWN = "member", "none", "unknown"
# What a term is, as the filter explains a match ("Kemmel → Heuvelland → CO7"); order = preference.
TERM_KINDS = ("gemeente", "vroegere gemeente", "deelgemeente", "postcode")


@frozen_dataclass
class Answer:
    """Which IGS a part of a municipality belongs to, or why that is not known."""

    state: str
    """MEMBER, NONE or UNKNOWN."""
    igs: Igs | None = None

    @property
    def text(self) -> str:
        """The answer in words: "CO7", "Ginter (tot eind 2025)", "geen IGS", "onbekend"."""
        if self.igs is not None:
            return self.igs.display_name
        return "geen IGS" if self.state == NONE else "onbekend"


@frozen_dataclass
class FinderPart:
    """A municipality of 2019-2024 inside a current one, with its answer."""

    unit_id: str
    name: str
    answer: Answer
    villages: tuple[str, ...]
    """Its deelgemeenten other than the one that carries its own name."""
    merged_2019: tuple[str, ...]
    """Municipalities merged into it on 2019-01-01."""


@frozen_dataclass
class Term:
    """A name or postcode a row is found by."""

    kind: str
    """One of TERM_KINDS."""
    name: str
    part: int
    """Index of the part it lies in, -1 for the whole municipality."""

    @property
    def key(self) -> str:
        return _term_key(self.name)


@frozen_dataclass
class FinderRow:
    """One municipality of 2025 in the finder."""

    anchor: str
    nis: str
    name: str
    province: str
    postcodes: tuple[str, ...]
    former: tuple[str, ...]
    """Municipalities merged into it on 2025-01-01 (other than its own name)."""
    parts: tuple[FinderPart, ...]
    terms: tuple[Term, ...]

    @property
    def is_split(self) -> bool:
        """True when its parts do not all have the same answer."""
        return len({(p.answer.state, p.answer.igs.slug if p.answer.igs else None) for p in self.parts}) > 1

    @property
    def answer(self) -> Answer:
        """The answer of the whole municipality (the first part's when it is not split)."""
        return self.parts[0].answer

    @property
    def villages(self) -> tuple[str, ...]:
        """Its deelgemeenten other than those named after it or after a former municipality, sorted."""
        former = {name_key(n) for n, _ in self.former_names} | {name_key(self.name)}
        names = {v for p in self.parts for v in p.villages if name_key(v) not in former}
        return tuple(sorted(names, key=name_key))

    @property
    def former_names(self) -> tuple[tuple[str, str], ...]:
        """(name, year of the merger) of the municipalities merged into it in 2019 and 2025, sorted."""
        names = [(n, "2025") for n in self.former] + [(n, "2019") for p in self.parts for n in p.merged_2019]
        return tuple(sorted(names, key=lambda item: name_key(item[0])))

    def answer_for(self, term: Term) -> str:
        """The answer that belongs to a term: its part's, or every part's for the whole municipality."""
        if term.part >= 0 or not self.is_split:
            return self.parts[max(term.part, 0)].answer.text
        return "; ".join(f"{p.name}: {p.answer.text}" for p in self.parts)


SHOWN_IGS_FIELDS = ("url", "name", "until_label")
"""What the finder page (templates/gemeenten.html) shows of the IGS of an answer."""


def shown_rows(rows: Iterable[FinderRow]) -> list[tuple[object, ...]]:
    """What the finder page shows of the rows (its dependency key): every field of each row and its
    parts (the terms follow from them), with the IGS of an answer as SHOWN_IGS_FIELDS, not as the
    whole IGS, so that an edit of an IGS's other fields (its summary, say) leaves the page as it was."""
    return [
        (row.anchor, row.nis, row.name, row.province, row.postcodes, row.former,
         [(p.unit_id, p.name, p.villages, p.merged_2019, p.answer.state, _shown_igs(p.answer.igs)) for p in row.parts])
        for row in rows
    ]  # fmt: skip


def _shown_igs(igs: Igs | None) -> tuple[object, ...] | None:
    return None if igs is None else tuple(getattr(igs, name) for name in SHOWN_IGS_FIELDS)


def igs_units(site: Site, register: Register, topology: Topology) -> dict[str, tuple[str, ...]]:
    """The map units of each IGS, from its member names as written in its file."""
    from .geometry import units_for_name

    result = {}
    for igs in site.igs:
        units: set[str] = set()
        for member in igs.members:
            units.update(units_for_name(register, topology, member.name))
        result[igs.slug] = tuple(sorted(units))
    return result


def unit_answers(
    site: Site, register: Register, topology: Topology, units: Mapping[str, Sequence[str]]
) -> dict[str, Answer]:
    """The answer for every map unit.

    A unit in no IGS is "none" only when no incomplete member list lies in its province;
    otherwise that list might hold it and the answer is "unknown".
    """
    owner = {unit: site.igs_by_slug(slug) for slug, ids in units.items() for unit in ids}
    province_of = {m.nis: m.province for m in register.municipalities}
    open_provinces = {p for igs in site.igs if not igs.members_complete for p in igs.provinces}
    answers = {}
    for unit in topology.units:
        igs = owner.get(unit.id)
        if igs is not None:
            answers[unit.id] = Answer(MEMBER, igs)
        elif province_of.get(unit.nis) in open_provinces:
            answers[unit.id] = Answer(UNKNOWN)
        else:
            answers[unit.id] = Answer(NONE)
    return answers


def finder_rows(register: Register, topology: Topology, answers: Mapping[str, Answer]) -> tuple[FinderRow, ...]:
    """A row per municipality of 2025, sorted by name, with every term it is found by."""
    olds = {u.id: u for u in register.units}
    units_of: dict[str, list[MapUnit]] = {}  # one pass over the units, not one per municipality
    for unit in topology.units:
        units_of.setdefault(unit.nis, []).append(unit)
    rows = []
    for municipality in register.municipalities:
        map_units = sorted(units_of.get(municipality.nis, ()), key=lambda u: name_key(u.name))
        parts = []
        for unit in map_units:
            old = olds.get(unit.id)
            villages = tuple(v for v in (old.villages if old else ()) if name_key(v) != name_key(unit.name))
            parts.append(FinderPart(unit.id, unit.name, answers[unit.id], villages, old.merged_2019 if old else ()))
        if not parts:
            logger.warning("No map unit for %s (%s)", municipality.name, municipality.nis)
            continue
        terms = [Term("gemeente", municipality.name, -1)]
        for index, part in enumerate(parts):
            if name_key(part.name) != name_key(municipality.name):
                terms.append(Term("vroegere gemeente", part.name, index))
            terms += [Term("vroegere gemeente", name, index) for name in part.merged_2019]
            terms += [Term("deelgemeente", name, index) for name in part.villages]
        terms += [Term("postcode", code, -1) for code in municipality.postcodes]
        rows.append(
            FinderRow(
                anchor=f"g-{municipality.nis}",
                nis=municipality.nis,
                name=municipality.name,
                province=municipality.province,
                postcodes=municipality.postcodes,
                former=municipality.former,
                parts=tuple(parts),
                terms=_distinct(terms),
            )
        )
    return tuple(sorted(rows, key=lambda r: (name_key(r.name), r.nis)))


@functools.lru_cache(maxsize=8192)
def _term_key(name: str) -> str:
    return name_key(name)


def _distinct(terms: Iterable[Term]) -> tuple[Term, ...]:
    """Terms without repeats of the same name (the first, most telling kind wins)."""
    seen: set[str] = set()
    kept = []
    for term in terms:
        key = name_key(term.name)
        if key not in seen:
            seen.add(key)
            kept.append(term)
    return tuple(kept)


def names_known(rows: Iterable[FinderRow]) -> int:
    """How many distinct names and postcodes the finder knows."""
    return len({name_key(t.name) for row in rows for t in row.terms})


def search_rows(rows: Sequence[FinderRow], query: str) -> list[tuple[FinderRow, Term]]:
    """The rows a query finds, each with the term that matched best, in list order.

    A term matches when its key starts with the query's key, or, from three characters on,
    contains it. Per row the best term is an exact match before a prefix before an inner
    match, then by kind (TERM_KINDS).
    """
    key = name_key(query)
    if not key:
        return []
    found = []
    for row in rows:
        best: tuple[int, int, Term] | None = None
        for term in row.terms:
            term_key = term.key
            if term_key == key:
                rank = 0
            elif term_key.startswith(key):
                rank = 1
            elif len(key) >= 3 and key in term_key:
                rank = 2
            else:
                continue
            candidate = (rank, TERM_KINDS.index(term.kind), term)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        if best is not None:
            found.append((row, best[2]))
    return found


def explain(row: FinderRow, term: Term) -> str:
    """Why a row matched, as the filter says it: "Kemmel → Heuvelland → CO7"."""
    if term.kind == "gemeente":
        return f"{row.name} → {row.answer_for(term)}"
    return f"{term.name} → {row.name} → {row.answer_for(term)}"


def finder_index(rows: Iterable[FinderRow]) -> str:
    """The search index assets/gemeenten.js fetches: per row (in list order) its anchor, name,
    the answer of each part, the part names of a split row (else []) and its terms as
    [kind initial, name, part]. The page shows the same facts as text; this keeps them out of it."""
    entries = [
        [
            row.anchor,
            row.name,
            [p.answer.text for p in row.parts],
            [p.name for p in row.parts] if row.is_split else [],
            [[t.kind[0], t.name, t.part] for t in row.terms],
        ]
        for row in rows
    ]
    return json.dumps({"rows": entries}, ensure_ascii=False, separators=(",", ":"))


def legend_entries(rows: Iterable[FinderRow]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per IGS slug (or "none" / "unknown"), its municipalities of 2019-2024 as (name, anchor).

    The anchor ("g-<nis>", the finder row's) goes to the first part of each municipality, so a
    link to the map at a municipality also works without JavaScript; other entries have "".
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        for index, part in enumerate(row.parts):
            key = part.answer.igs.slug if part.answer.igs else part.answer.state
            found.setdefault(key, []).append((part.name, row.anchor if index == 0 else ""))
    return {key: tuple(sorted(entries, key=lambda e: name_key(e[0]))) for key, entries in sorted(found.items())}


def igs_villages(rows: Iterable[FinderRow], units: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Per IGS slug, the villages of its member units (for the IGS page and the site search), sorted."""
    by_unit = {part.unit_id: part.villages for row in rows for part in row.parts}
    return {
        slug: tuple(sorted({v for unit in ids for v in by_unit.get(unit, ())}, key=name_key))
        for slug, ids in sorted(units.items())
    }
