"""The municipality register: current Flemish municipalities, their former names and postcodes.

Reads `content/geo/municipalities.json`, which `python build.py geo` (sitegen/geo/generate.py) generates.
Standard library only: every build uses it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Protocol, TypeVar

from sitegen.deps import digest
from sitegen.errors import ContentError, did_you_mean
from sitegen.frozen import frozen_dataclass, made
from sitegen.load import REGENERATE, REGISTER_REL_PATH, REGISTER_WHAT, read_generated_text
from sitegen.memo import Memo, Space

logger = logging.getLogger(__name__)

_QUOTED = re.compile(r'"([^"\\]*)"')

PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen")


_SAINT = re.compile(r"(?<![^\W_])st\.?(?=[\s.\-])")


@functools.lru_cache(maxsize=1 << 16)  # the finder and the validator ask for the same few thousand names
def name_key(name: str) -> str:
    """A comparison key for a place name: case, accents, hyphens, spaces and apostrophes ignored,
    and "St-", "St." or "St " read as "Sint-".

    "Sint-Niklaas", "sint niklaas", "St-Niklaas" and "SINT-NIKLAAS" share one key.
    (assets/gemeenten.js computes the same key in the browser.)
    """
    if name.isascii():  # NFKD leaves ASCII as it is, and its letters and digits are [a-z0-9] once folded
        return _NOT_ASCII_ALNUM.sub("", _SAINT.sub("sint", name.casefold()))
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return "".join(ch for ch in _SAINT.sub("sint", letters) if ch.isalnum())


_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


@frozen_dataclass
class Municipality:
    """A municipality as it exists since 1 January 2025."""

    nis: str
    name: str
    province: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    former: tuple[str, ...]
    """Names of municipalities merged into this one on 2025-01-01 (other than its own name)."""
    area_km2: float = 0.0
    """Official area (0 when the register does not say)."""


class Unit(Protocol):
    """A municipality of 2019-2024, as the register (OldMunicipality) and the map (geometry.MapUnit) have it."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def nis(self) -> str: ...


U = TypeVar("U", bound=Unit)


@frozen_dataclass
class OldMunicipality:
    """A municipality as it existed from 1 January 2019 to 31 December 2024: a map unit."""

    id: str
    """Its own NIS code of 2019-2024 (the map unit's id)."""
    name: str
    nis: str
    """The NIS code of the municipality it belongs to since 2025."""
    villages: tuple[str, ...] = ()
    """Its deelgemeenten (villages and districts), its own name's part included."""
    merged_2019: tuple[str, ...] = ()
    """Names of municipalities merged into it on 2019-01-01 (other than its own name)."""


@frozen_dataclass
class Source:
    """Where part of the register comes from, for the attribution on the site."""

    name: str
    licence: str
    url: str = ""
    package: str = ""
    used_for: str = ""


@frozen_dataclass
class Register:
    municipalities: tuple[Municipality, ...]
    """Sorted by name."""
    sources: tuple[Source, ...]
    units: tuple[OldMunicipality, ...] = ()
    """The municipalities of 2019-2024, sorted by name (empty in registers without them)."""
    source_digest: bytes = field(default=b"", repr=False, compare=False)
    """A digest of the file it was read from (see `digest`)."""
    _by_key: dict[str, Municipality] = field(default_factory=dict, init=False, repr=False, compare=False)
    _former_keys: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)
    _by_postcode: dict[str, tuple[Municipality, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_key: dict[str, Municipality] = {}
        former_keys: set[str] = set()
        by_postcode: dict[str, list[Municipality]] = {}
        for municipality in self.municipalities:
            by_key[name_key(municipality.name)] = municipality
            for postcode in municipality.postcodes:
                by_postcode.setdefault(postcode, []).append(municipality)
        for municipality in self.municipalities:
            for former in municipality.former:
                key = name_key(former)
                if key not in by_key:
                    by_key[key] = municipality
                    former_keys.add(key)
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_former_keys", frozenset(former_keys))
        object.__setattr__(self, "_by_postcode", {code: tuple(found) for code, found in by_postcode.items()})

    @property
    def digest(self) -> bytes:
        """Stands for the whole register in memo keys: the source file's digest, or the contents'."""
        if not self.source_digest:
            object.__setattr__(self, "source_digest", digest(self.municipalities, self.sources, self.units))
        return self.source_digest

    def resolve(self, name: str) -> Municipality | None:
        """The current municipality for a current or former name, or None."""
        return self._by_key.get(name_key(name))

    def member(self, name: str) -> tuple[str, str] | None:
        """(current name, NIS code) of the municipality an IGS member's name stands for, or None (the
        model's lookup: bound to this register, it equals the same lookup of the next build while the
        register is the same object)."""
        municipality = self.resolve(name)
        return (municipality.name, municipality.nis) if municipality is not None else None

    def units_for(self, name: str, units: Iterable[U], *, current: bool = False) -> tuple[U, ...]:
        """The units of `units` (municipalities of 2019-2024) that a municipality name stands for, by
        id; empty when the name is unknown.

        Names are read as editors of the 2020-2025 member lists write them: a name that was a
        municipality before 2025 means that old municipality ("Lokeren" -> old Lokeren, "Moerbeke"
        -> old Moerbeke). A name that exists only since 2025 ("Pajottegem") means all its parts.
        With `current=True` a current name means the whole 2025 municipality ("Lochristi" -> old
        Lochristi and Wachtebeke); a former name still means only its own unit.
        """
        municipality = self.resolve(name)
        if municipality is None:
            return ()
        found = sorted((u for u in units if u.nis == municipality.nis), key=lambda u: u.id)
        if self.is_former(name) or not current:
            key = name_key(name)
            own = tuple(u for u in found if name_key(u.name) == key)
            if own:
                return own
        return tuple(found)

    def is_former(self, name: str) -> bool:
        """True for a name that no longer is a municipality (e.g. "Moerbeke"), False otherwise."""
        return name_key(name) in self._former_keys

    def is_current(self, name: str) -> bool:
        """True for the name of a municipality that exists today (e.g. "Lokeren")."""
        key = name_key(name)
        return key in self._by_key and key not in self._former_keys

    def names(self) -> tuple[str, ...]:
        """All current and former names, sorted."""
        former = (name for m in self.municipalities for name in m.former)
        return tuple(sorted({m.name for m in self.municipalities} | set(former)))

    def suggest(self, name: str) -> str:
        """A Dutch did-you-mean hint for an unknown name, or an empty string."""
        return did_you_mean(name, self.names())

    def by_postcode(self, postcode: str) -> tuple[Municipality, ...]:
        """The municipalities a postcode covers (usually one), sorted by name."""
        return self._by_postcode.get(postcode.strip(), ())


def parse_generated_json(text: str, shown: str, what: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ContentError(f"{what} is geen geldige JSON: {e.msg}", shown, e.lineno, e.colno, hint=REGENERATE) from e


# In memory only: decoding a stored register would cost what parsing its JSON costs.
REGISTER: Space[Register] = Space("register")


def load_register(content_dir: Path, display_root: Path, memo: Memo | None = None) -> Register:
    """Read the register; a malformed file raises ContentError with the path shown from display_root."""
    text, shown = read_generated_text(content_dir / REGISTER_REL_PATH, display_root, REGISTER_WHAT)
    return register_from_text(text, shown, memo or Memo())


def register_from_text(text: str, shown: str, memo: Memo) -> Register:
    """The register in the text of its file (as load.py read it); malformed, a ContentError."""
    return memo.remembered(
        REGISTER,
        digest(text, shown),
        lambda: register_from_data(parse_generated_json(text, shown, REGISTER_WHAT), shown, text),
    )


def register_from_data(data: object, shown: str, text: str = "") -> Register:
    """Build a Register from parsed JSON; `text` (the raw file) lets errors point at a line."""
    if not isinstance(data, dict) or not isinstance(data.get("municipalities"), list):
        raise ContentError("gemeenteregister mist de lijst 'municipalities'", shown, 1, 1)
    municipalities = []
    for index, raw in enumerate(data["municipalities"]):
        municipalities.append(_municipality(raw, index, shown, text))
    units = []
    for index, raw in enumerate(data.get("units", [])):
        try:
            units.append(
                OldMunicipality(
                    id=str(raw["id"]),
                    name=str(raw["name"]),
                    nis=str(raw["nis"]),
                    villages=tuple(str(v) for v in raw.get("villages", [])),
                    merged_2019=tuple(str(v) for v in raw.get("merged_2019", [])),
                )
            )
        except (KeyError, TypeError, AttributeError) as e:
            raise ContentError(
                f"gemeente van 2019-2024 nr. {index + 1} is onvolledig ({e})",
                shown,
                _line_of(text, str(raw.get("id", "")) if isinstance(raw, dict) else ""),
            ) from e
    sources = []
    for raw in data.get("sources", []):
        if not isinstance(raw, dict) or "name" not in raw or "licence" not in raw:
            raise ContentError("bron zonder 'name' of 'licence' in gemeenteregister", shown)
        sources.append(
            Source(
                name=str(raw["name"]),
                licence=str(raw["licence"]),
                url=str(raw.get("url", "")),
                package=str(raw.get("package", "")),
                used_for=str(raw.get("used_for", "")),
            )
        )
    municipalities.sort(key=lambda m: (name_key(m.name), m.nis))
    units.sort(key=lambda u: (name_key(u.name), u.id))
    logger.debug("Loaded %d municipalities from %s", len(municipalities), shown)
    source = hashlib.blake2b(text.encode("utf-8"), digest_size=20).digest() if text else b""
    return Register(tuple(municipalities), tuple(sources), tuple(units), source)


def _municipality(raw: object, index: int, shown: str, text: str) -> Municipality:
    if not isinstance(raw, dict):
        raise ContentError(f"gemeente nr. {index + 1} is geen object", shown)

    def line() -> int:  # only for an error: finding it scans the whole file once
        return _line_of(text, str(raw.get("nis", "")))

    try:
        # Without Municipality's __init__ (nine fields set one by one): 2,400 municipalities at 300x10,000.
        municipality = made(
            Municipality,
            {
                "nis": str(raw["nis"]),
                "name": str(raw["name"]),
                "province": str(raw["province"]),
                "postcodes": tuple(sorted(map(str, raw.get("postcodes", [])))),
                "lat": float(raw["lat"]),
                "lon": float(raw["lon"]),
                "former": tuple(map(str, raw.get("former", []))),
                "area_km2": float(raw.get("area_km2", 0)),
            },
        )
    except KeyError as e:
        raise ContentError(f"gemeente nr. {index + 1} mist het veld {e}", shown, line()) from e
    except (TypeError, ValueError) as e:
        raise ContentError(f"gemeente nr. {index + 1} heeft een ongeldige waarde ({e})", shown, line()) from e
    if municipality.province not in PROVINCES:
        raise ContentError(
            f"onbekende provincie '{municipality.province}' bij {municipality.name}",
            shown,
            line(),
            hint=f"verwacht een van {', '.join(PROVINCES)}.",
        )
    return municipality


def _line_of(text: str, nis: str) -> int:
    """The 1-based line of the first record naming `nis`, or 0 when unknown."""
    if not text or not nis:
        return 0
    return _quoted_lines(text).get(nis, 0)


@functools.lru_cache(maxsize=2)
def _quoted_lines(text: str) -> dict[str, int]:
    """Every quoted string of the file with the 1-based line it first occurs on (one pass, not one per record)."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _QUOTED.finditer(line):
            found.setdefault(match.group(1), number)
    return found
