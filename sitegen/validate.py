"""Stage 2: check loaded content against the schema and across files; collect every problem.

`validate_content` returns normalised plain data (defaults filled in, dates parsed, slugs as
tuples) for the model stage, together with all errors found, so an editor sees them all at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import itertools
import marshal
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .chars import NONCHARACTERS, TEXT_FORMAT_CHARS, char_name, hidden_char, is_noncharacter, scripts, skeleton
from .dates import PartialDate, meant_date, parse_partial
from .errors import ContentError, did_you_mean
from .frozen import frozen_dataclass
from .jsonschema import describe
from .load import (
    Journal,
    MarkdownSource,
    RawContent,
    StoredStory,
    errors_from_plain,
    errors_to_plain,
    journal_codec,
)
from .markup import heading_one_lines, markdown_mistakes, markdown_problems, skipped_headings
from .memo import Memo, Space, json_codec
from .pages import reserved_slugs, tag_slug
from .schema import (
    ARTICLE_FRONT_MATTER,
    IGS_FILE,
    PAGE_FRONT_MATTER,
    PHONE_PATTERN,
    SITE_FILE,
    SLUG_PATTERN,
    Field,
    slug_for,
)
from .urls import BASE_URL_HINT, UNSAFE_URL_CHAR, base_url_problem
from .yamlsrc import (
    CURLY_QUOTES,
    CURLY_QUOTES_HINT,
    NO_SPACE_AFTER_COLON,
    NO_SPACE_AFTER_DASH,
    KeyPath,
    YamlDoc,
    is_date,
)

if TYPE_CHECKING:
    from .register import Unit

# Patterns are used with fullmatch: '$' alone would also accept a trailing newline.
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME_TEXT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([Tt]|\s+)\d{1,2}:\d{2}")
_PARTIAL_DATE_TEXT = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_PHONE = re.compile(PHONE_PATTERN)
# No '?', '&', '%', '#' or '/': they would add headers or a body to the mailto: link.
_EMAIL = re.compile(r"[\w.+'-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,}")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_SLUG = re.compile(SLUG_PATTERN.removeprefix("^").removesuffix("$"))
_BARE_ADDRESS = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[/?#]\S*)?", re.IGNORECASE)
_PLAIN_INT = re.compile(r"0|[1-9][0-9]*")
MAX_LIST_ITEMS = 500  # far above any real list; tens of thousands would take minutes to check
MAX_ERRORS_PER_FILE = 20
_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
# In a body only what garbles or reorders text (bidi overrides: "Trojan Source"); zero-width spaces are harmless there.
_BODY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROLS = dict.fromkeys(map(ord, "\t\n\r"))  # the controls _BODY_CONTROL lets pass
_TYPE_NAMES = {
    "map": "een blok met velden",
    "list": "een lijst (regels die met '- ' beginnen)",
    "text": "een tekst",
    "markdown": "een tekst",
}


# Notes that belong in an editor's to-do list, not on a page for visitors.
RESEARCH_NOTES = ("vonden we", "eerlijk is eerlijk", "niet bekend op deze site", "nog niet gevonden")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MIN_SENTENCE = 25  # shorter sentences ("Lees meer.") may well repeat


class _Invalid:
    """Marker for a value that failed validation (its error is already recorded)."""

    def __reduce__(self) -> str:
        return "INVALID"  # the one marker again where a worker's results are unpickled (parallel.pmap)


INVALID = _Invalid()


@frozen_dataclass
class ValidContent:
    site: dict[str, Any]
    igs: tuple[tuple[str, str, dict[str, Any]], ...]  # (slug, display path, data)
    articles: tuple[tuple[str, str, dict[str, Any], MarkdownSource], ...]  # + the file (its body is read when asked)
    pages: tuple[tuple[str, str, dict[str, Any], MarkdownSource], ...]
    versions: Mapping[str, bytes] = field(default_factory=dict)
    """A digest of each file's bytes by its display path (RawContent.versions)."""
    stories: tuple[StoredStory, ...] = ()
    """The stories taken from the journal as they are (RawContent.stories), besides `articles`: their
    data as the journal keeps it (restored_data), their versions in `content`, not in `versions`."""


_NAME_SPACING = re.compile(r"[\s\-‐–]+")


@functools.lru_cache(maxsize=1 << 14)  # every IGS member and its register names, on every build that checks them
def normalise_name(name: str) -> str:
    """Compare names without case, accents, hyphens or extra spaces."""
    return _NAME_SPACING.sub(" ", _without_accents(name)).strip().casefold()


def _without_accents(text: str) -> str:
    if text.isascii():  # ASCII has no accents to drop, and NFKD leaves it as it is
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _folded(text: str) -> str:
    """`text` without accents, case folded: normalise_name but for spaces and hyphens."""
    return _without_accents(text).casefold()


class _Checker:
    def __init__(self, doc: YamlDoc, errors: list[ContentError], images: frozenset[str] | None) -> None:
        """`images` None: the images a file names are collected in `image_refs` (for `find_image`)."""
        self.doc = doc
        self.errors = errors
        self.images = images
        self.image_refs: list[tuple[KeyPath, str, str]] = []

    def fail(self, path: KeyPath, message: str, hint: str = "", *, key: bool = False) -> _Invalid:
        raw = self.doc.raw_scalars.get(path)
        if not key and raw and CURLY_QUOTES.match(raw) and CURLY_QUOTES.search(raw[-1]):
            message += f": de waarde staat tussen gekrulde aanhalingstekens ({raw[0]}…{raw[-1]})"
            hint = CURLY_QUOTES_HINT
        self.errors.append(self.doc.error(path, message, hint, key=key))
        return INVALID

    def check(self, spec: Field, value: Any, path: KeyPath) -> Any:
        kind = spec.kind
        if value is None:
            return None
        handler: Callable[[Field, Any, KeyPath], Any] = getattr(self, f"check_{kind}")
        return handler(spec, value, path)

    def check_map(self, spec: Field, value: Any, path: KeyPath) -> Any:
        label = f"'{path[-1]}'" if path and isinstance(path[-1], str) else "dit"
        colon = NO_SPACE_AFTER_COLON.match(value) if isinstance(value, str) else None
        if colon:  # 'name:Jan' is one word to YAML
            _, key, rest = colon.groups()
            return self.fail(path, f"na '{key}:' ontbreekt een spatie", f"schrijf '{key}: {rest}'")
        if not isinstance(value, dict) and not path:
            return self.fail(
                path,
                "dit moet een reeks velden zijn, elk als 'naam: waarde' op een eigen regel",
                "bv. title: Mijn titel",
            )
        if not isinstance(value, dict):
            return self.fail(
                path, f"{label} moet {_TYPE_NAMES['map']} zijn", "zet de velden op een nieuwe regel, ingesprongen"
            )
        known = {f.name for f in spec.fields}
        misspelt: set[str] = set()  # missing fields an unknown key probably meant
        for key in value:
            if key not in known:
                hint = did_you_mean(key, known) or "toegelaten velden: " + ", ".join(sorted(known))
                self.fail((*path, key), f"onbekend veld '{key}'", hint, key=True)
                misspelt.update(difflib.get_close_matches(key, sorted(known - set(value)), n=1, cutoff=0.6))
        result: dict[str, Any] = {}
        for field_spec in spec.fields:
            raw = value.get(field_spec.name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if field_spec.name in misspelt:
                    result[field_spec.name] = INVALID  # already reported as 'bedoelde je …?'
                elif field_spec.required:
                    where = (*path, field_spec.name) if field_spec.name in value else path
                    self.fail(
                        where,
                        f"verplicht veld '{field_spec.name}' ontbreekt"
                        if field_spec.name not in value
                        else f"verplicht veld '{field_spec.name}' is leeg",
                        describe(replace(field_spec, required=False)),
                        key=field_spec.name in value,
                    )
                    result[field_spec.name] = INVALID
                else:
                    result[field_spec.name] = field_spec.default
                continue
            result[field_spec.name] = self.check(field_spec, raw, (*path, field_spec.name))
        return result

    def check_list(self, spec: Field, value: Any, path: KeyPath) -> Any:
        dash = NO_SPACE_AFTER_DASH.match(value) if isinstance(value, str) else None
        if dash:
            first = dash.group(2).split(" -")[0]
            return self.fail(
                path,
                "na '-' ontbreekt een spatie",
                f"schrijf '- {first}': een lijstelement begint met een streepje en een spatie",
            )
        if not isinstance(value, list):
            return self.fail(
                path,
                f"'{spec.name}' moet {_TYPE_NAMES['list']} zijn",
                f"bv.\n      {spec.name}:\n        - …",
            )
        assert spec.items is not None
        if len(value) > MAX_LIST_ITEMS:
            return self.fail(
                path,
                f"de lijst '{spec.name}' is te lang: {len(value)} elementen, hoogstens {MAX_LIST_ITEMS}",
                "controleer of het bestand niet per vergissing (meermaals) geplakte tekst bevat",
            )
        items = [self.check(spec.items, item, (*path, i)) for i, item in enumerate(value)]
        for i, item in enumerate(items):
            if item is None:
                self.fail((*path, i), f"leeg element in de lijst '{spec.name}'", "verwijder de lege regel '- '")
        return tuple(items)

    def _as_text(self, spec: Field, value: Any, path: KeyPath) -> str | _Invalid:
        if isinstance(value, str):
            return value
        if not isinstance(value, dict | list) and path in self.doc.raw_scalars:
            return self.doc.raw_scalars[path]  # e.g. a title that YAML would read as a number or a date
        if isinstance(value, dt.date):
            return value.isoformat()
        return self.fail(path, f"'{spec.name}' moet een tekst zijn", "schrijf de waarde als gewone tekst op één regel")

    def check_text(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        text = " ".join(text.split())
        if hidden := hidden_char(text, TEXT_FORMAT_CHARS):
            return self.fail(
                path, _hidden_message(f"'{spec.name}'", hidden), "typ de tekst opnieuw in plaats van te plakken"
            )
        if spec.max_length and len(text) > spec.max_length:
            return self.fail(
                path,
                f"'{spec.name}' is te lang: {len(text)} tekens, hoogstens {spec.max_length}",
                "maak de tekst korter",
            )
        return text

    def check_markdown(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        if hidden := hidden_char(text, TEXT_FORMAT_CHARS, keep="\t\n\r"):
            return self.fail(
                path, _hidden_message(f"'{spec.name}'", hidden), "typ de tekst opnieuw in plaats van te plakken"
            )
        problems = [(p.line, p.message, p.hint) for p in [*markdown_problems(text), *markdown_mistakes(text)]]
        # (the sanitizer would drop the heading and leave its text loose)
        heading = "een kop met één # in de tekst", "gebruik ## voor tussentitels: de pagina heeft al een titel"
        problems += [(number, *heading) for number in heading_one_lines(text)]
        if not problems:
            return text.strip() + "\n"
        # A text after 'description: |' keeps its lines (and ends with one line break): each problem is
        # reported on its own line of the file, below the key (at its start: the indentation is the
        # editor's). Any other text, at the key.
        block = self.doc.raw_scalars.get(path) is None and text.endswith("\n")
        key_line = self.doc.pos(path)[0]
        for number, message, hint in problems:
            error = self.doc.error(path, f"'{spec.name}': {message}", hint)
            if block:
                error = ContentError(error.message, error.path, key_line + 1 + number, 1, hint)
            self.errors.append(error)
        return INVALID

    def check_enum(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        if text in spec.choices:
            return text
        hint = did_you_mean(text, spec.choices)
        allowed = "toegelaten: " + ", ".join(spec.choices)
        return self.fail(
            path, f"ongeldige waarde '{text}' voor '{spec.name}'", f"{hint} ({allowed})" if hint else allowed
        )

    def check_enums(self, spec: Field, value: Any, path: KeyPath) -> Any:
        if isinstance(value, list) and not value:
            return self.fail(
                path, f"'{spec.name}' is een lege lijst", f"kies minstens één van: {', '.join(spec.choices)}"
            )
        values = value if isinstance(value, list) else [value]
        result: list[str] = []
        for i, item in enumerate(values):
            item_path = (*path, i) if isinstance(value, list) else path
            checked = self.check_enum(spec, item, item_path)
            if isinstance(checked, _Invalid):
                return checked
            if checked in result:
                return self.fail(item_path, f"'{checked}' staat twee keer in '{spec.name}'", "verwijder één van beide")
            result.append(checked)
        return tuple(result)

    def check_bool(self, spec: Field, value: Any, path: KeyPath) -> Any:
        written = self.doc.raw_scalars.get(path, "")
        if isinstance(value, bool) and written.lower() in ("true", "false"):
            return value
        if isinstance(value, bool):  # yes/no/on/off: YAML 1.1 only, editors' tools read them as text
            return self.fail(
                path,
                f"'{spec.name}' moet true of false zijn, niet '{written}'",
                f"schrijf {str(value).lower()} ({'ja' if value else 'nee'})",
            )
        return self.fail(path, f"'{spec.name}' moet true of false zijn", "schrijf true (ja) of false (nee)")

    def check_int(self, spec: Field, value: Any, path: KeyPath) -> Any:
        raw = self.doc.raw_scalars.get(path)
        if isinstance(value, int) and not isinstance(value, bool) and raw is not None and not _PLAIN_INT.fullmatch(raw):
            # YAML 1.1 reads 010 as 8, 0x0F as 15 and 1:30 as 90: never what an editor meant.
            return self.fail(
                path,
                f"'{spec.name}' moet een gewoon geheel getal zijn, niet '{raw}' (YAML leest dat als {value})",
                "schrijf enkel cijfers, zonder 0 vooraan, bv. 3",
            )
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000:
            return value
        return self.fail(path, f"'{spec.name}' moet een geheel getal zijn", "bv. 3")

    def _date_with_time(self, spec: Field, value: Any, path: KeyPath) -> _Invalid:
        day = str(self.doc.raw_scalars.get(path, value))[:10]
        return self.fail(
            path,
            f"'{spec.name}' is een datum zonder uur: schrijf alleen {day}",
            "de site toont geen uur: een verhaal verschijnt vanaf het begin van die dag (Belgische tijd)",
        )

    def check_date(self, spec: Field, value: Any, path: KeyPath) -> Any:
        if isinstance(value, dt.datetime) or _DATE_TIME_TEXT.match(str(value)):
            return self._date_with_time(spec, value, path)
        if is_date(value):
            return value
        if isinstance(value, str) and _DATE_TEXT.fullmatch(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                return self.fail(path, f"de datum '{value}' bestaat niet", "gebruik JJJJ-MM-DD, bv. 2024-02-29")
        shown = self.doc.raw_scalars.get(path, value)
        meant = meant_date(str(shown))
        hint = f"schrijf {meant} (JJJJ-MM-DD)" if meant else "gebruik JJJJ-MM-DD, bv. 2024-02-29"
        return self.fail(path, f"'{spec.name}' moet een datum zijn, niet '{shown}'", hint)

    def check_partial_date(self, spec: Field, value: Any, path: KeyPath) -> Any:
        """A year, a month or a day: as precise as the editor writes it."""
        if isinstance(value, dt.datetime) or _DATE_TIME_TEXT.match(str(value)):
            return self._date_with_time(spec, value, path)
        if is_date(value):
            return PartialDate(value)
        text = self.doc.raw_scalars.get(path, value) if isinstance(value, int) else value
        hint = "gebruik JJJJ-MM-DD, bv. 2024-02-29 (of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is)"
        if isinstance(text, int | str) and _PARTIAL_DATE_TEXT.fullmatch(str(text).strip()):
            try:
                return parse_partial(str(text).strip())
            except ValueError:
                return self.fail(path, f"de datum '{text}' bestaat niet", hint)
        shown = self.doc.raw_scalars.get(path, value)
        meant = meant_date(str(shown), partial=True)
        if meant:
            hint = f"schrijf {meant} (JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is)"
        return self.fail(path, f"'{spec.name}' moet een datum zijn, niet '{shown}'", hint)

    def check_url(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        text = text.strip()
        if UNSAFE_URL_CHAR.search(text):
            return self._unsafe_url(spec, text, path)
        parts = urlsplit(text)
        if parts.scheme == "http" and parts.netloc:
            return self.fail(
                path, f"'{spec.name}' moet een beveiligd adres zijn (https://)", f"schrijf https://{text[7:]}"
            )
        if parts.scheme != "https" or not parts.netloc or " " in text or "." not in parts.netloc:
            # 'www.voorbeeld.be/pad': an address without its scheme, which the hint writes out.
            bare = not parts.scheme and not text.startswith("/") and _BARE_ADDRESS.fullmatch(text)
            return self.fail(
                path,
                f"'{spec.name}' is geen geldig webadres: '{text}'",
                f"een volledig adres begint met https://: schrijf https://{text}"
                if bare
                else "een volledig adres begint met https://, bv. https://www.voorbeeld.be",
            )
        return text

    def _unsafe_url(self, spec: Field, text: str, path: KeyPath) -> _Invalid:
        shown = text.encode("unicode_escape").decode("ascii")
        return self.fail(
            path,
            f"'{spec.name}' bevat een spatie, tab, regeleinde of besturingsteken: '{shown}'",
            "schrijf het adres op één regel zonder spaties (een spatie in een adres schrijf je als %20)",
        )

    def check_link(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, str) and UNSAFE_URL_CHAR.search(text.strip()):
            return self._unsafe_url(spec, text.strip(), path)
        if isinstance(text, str) and text.startswith("/") and not text.startswith("//") and "\\" not in text:
            return text
        if isinstance(text, str) and not text.strip().startswith(("http://", "https://")):
            return self.fail(
                path,
                f"'{spec.name}' is geen geldige link: '{text}'",
                "begin met https:// voor een andere site, of met / voor een pagina van deze site, bv. /verhalen/naam/",
            )
        return self.check_url(spec, value, path)

    def check_email(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        text = text.strip().removeprefix("mailto:")
        if _EMAIL.fullmatch(text):
            return text
        hint = "bv. info@voorbeeld.be"
        if re.search(r"[?&%#/\s]", text):
            hint = "schrijf alleen het adres, zonder ?, &, %, #, / of spaties, " + hint
        return self.fail(path, f"'{text}' is geen geldig e-mailadres", hint)

    def check_phone(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        text = " ".join(text.split())
        if _PHONE.fullmatch(text):
            return text
        if re.search(r"[^\d\s+./()-]", text):
            return self.fail(
                path,
                f"'{spec.name}' mag alleen het telefoonnummer bevatten: '{text}'",
                "schrijf alleen cijfers, bv. 050 12 34 56; openingsuren of een naam horen in de tekst van de pagina",
            )
        return self.fail(
            path,
            f"'{text}' is geen volledig telefoonnummer",
            "een Belgisch nummer begint met 0 en telt 9 cijfers (bv. 050 12 34 56) of 10 voor een gsm "
            "(bv. 0470 12 34 56); een nummer uit het buitenland begint met +, bv. +31 20 123 45 67",
        )

    def check_color(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, str) and _COLOR.fullmatch(text.strip()):
            return text.strip().lower()
        return self.fail(
            path,
            f"'{spec.name}' moet een kleur zijn als #rrggbb",
            "bv. '#1b6e8a' (met aanhalingstekens: # begint anders een commentaar)",
        )

    def check_slug(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, str) and _SLUG.fullmatch(text):
            return text
        meant = slug_for(text) if isinstance(text, str) else "mijn-naam"
        return self.fail(
            path,
            f"'{value}' is geen geldige naam voor '{spec.name}'",
            f"gebruik alleen kleine letters a-z, cijfers en '-', bv. {meant}",
        )

    def check_slugs(self, spec: Field, value: Any, path: KeyPath) -> Any:
        values = value if isinstance(value, list) else [value]
        result = []
        for i, item in enumerate(values):
            item_path = (*path, i) if isinstance(value, list) else path
            checked = self.check_slug(spec, item, item_path)
            if isinstance(checked, _Invalid):
                return checked
            result.append(checked)
        return tuple(result)

    def check_image(self, spec: Field, value: Any, path: KeyPath) -> Any:
        text = self._as_text(spec, value, path)
        if isinstance(text, _Invalid):
            return text
        rel = text.strip().lstrip("/")
        if rel.startswith("content/"):
            rel = rel[len("content/") :]
        if ".." in rel.split("/") or not rel.startswith("images/"):
            return self.fail(path, f"afbeelding '{text}' moet in content/images/ staan", "bv. images/foto.jpg")
        if self.images is None:
            self.image_refs.append((path, text, rel))
            return rel
        return self.find_image(path, text, rel)

    def find_image(self, path: KeyPath, text: str, rel: str) -> Any:
        assert self.images is not None
        if rel not in self.images:
            hint = did_you_mean(rel, self.images) or "zet het bestand in content/images/ of verbeter de naam"
            return self.fail(path, f"afbeelding '{text}' bestaat niet", hint)
        return rel


Front = tuple[str, str, dict[str, Any], MarkdownSource]
"""A Markdown file's slug, path as shown, checked front matter and source (ValidContent)."""
_LastFronts = tuple[frozenset[str], tuple[tuple[str, MarkdownSource], ...], dict[int, Front | None]]
LAST_FRONTS: Space[_LastFronts] = Space("valid-fronts")
"""The stories of the last build: the IGS'en a story could name then, the stories as loaded (held, so
that no id is taken again meanwhile) and the front of each whose checks found nothing (no error, no
image, every value valid, no unknown IGS; else None) by the id of its source. In memory only: the
preview's rebuilds check again only what changed; a source is the same object while its file's
record is (load.py), and a record is of one file (its folder and slug)."""
_LAST_BUILD = b"last build"
_SOURCE: Callable[[tuple[str, MarkdownSource]], MarkdownSource] = operator.itemgetter(1)


def _front(
    kind: str,
    folder: str,
    items: tuple[tuple[str, MarkdownSource], ...],
    errors: list[ContentError],
    checked: Callable[[str, MarkdownSource, YamlDoc], FileCheck],
    last: Mapping[int, Front | None] | None = None,
) -> tuple[list[Front | None], dict[int, bool]]:
    """The checked front matter of each file (None: left out, its error reported), with `last` (the
    clean ones of an earlier build by the id of their source) those taken as they were, found in C;
    and of each of the others its index and whether its checks found nothing."""
    found: list[Front | None] = list(map(last.get, map(id, map(_SOURCE, items)))) if last else [None] * len(items)
    fresh: dict[int, bool] = {}
    for index in itertools.compress(range(len(items)), map(operator.not_, found)):
        slug, source = items[index]
        doc = source.front
        if doc.empty:
            if not any(e.path == doc.src_path for e in errors):  # else a YAML error says why
                errors.append(
                    ContentError(
                        f"de front matter van {kind} is leeg", doc.src_path, 1, 1, "vul minstens title, summary … in"
                    )
                )
            continue
        check = checked(folder, source, doc)
        if isinstance(check.data, dict):
            found[index] = (slug, doc.src_path, check.data, source)
            fresh[index] = not (check.errors or check.images or not check.complete)
    return found, fresh


def _check_front(kind: str, spec: Field, source: MarkdownSource, checker: _Checker) -> Any:
    """The front matter and the body of one Markdown file."""
    doc, errors = source.front, checker.errors
    data = checker.check_map(spec, doc.data, ())
    if not isinstance(data, dict):
        return data
    if not _HTML_COMMENT.sub("", source.body).strip():
        errors.append(
            ContentError(
                f"{kind} heeft geen tekst onder de front matter",
                doc.src_path,
                source.body_line,
                1,
                "schrijf de tekst onder de tweede '---' regel (commentaar tussen <!-- en --> telt niet mee)",
            )
        )
    for number in heading_one_lines(source.body):
        errors.append(
            ContentError(
                "een kop met één # in de tekst",
                doc.src_path,
                source.body_line + number,
                1,
                "gebruik ## voor tussentitels; de titel komt uit 'title'",
            )
        )
    for problem in skipped_headings(source.body):
        errors.append(ContentError(problem.message, doc.src_path, source.body_line + problem.line, 1, problem.hint))
    _check_tags_distinct(doc, data.get("tags"), errors)
    # Every character either pattern matches is unprintable, and neither matches a line end or a tab.
    hidden = not source.body.translate(_LINE_CONTROLS).isprintable() and (
        _BODY_CONTROL.search(source.body) or NONCHARACTERS.search(source.body)
    )
    for number, line in enumerate(source.body.split("\n") if hidden else ()):
        found = _BODY_CONTROL.search(line) or NONCHARACTERS.search(line)
        if found:
            errors.append(
                ContentError(
                    _hidden_message("de tekst", found.group()),
                    doc.src_path,
                    source.body_line + number,
                    found.start() + 1,
                    "typ dit stuk opnieuw in plaats van het te plakken",
                )
            )
    for problem in [*markdown_problems(source.body), *markdown_mistakes(source.body)]:
        line, col = source.body_line + problem.line, problem.col + 1
        errors.append(ContentError(problem.message, doc.src_path, line, col, problem.hint))
    _check_wording(data.get("summary"), source.body, doc.src_path, source.body_line, "de tekst", errors)
    return data


def _check_tags_distinct(doc: YamlDoc, tags: Any, errors: list[ContentError]) -> None:
    """'ateliers' and 'Ateliers' are one tag page: the story would list it twice."""
    if not isinstance(tags, tuple):
        return
    seen: dict[str, int] = {}
    for i, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag_slug(tag):
            continue
        first = seen.setdefault(tag_slug(tag), i)
        if first != i:
            errors.append(
                doc.error(
                    ("tags", i),
                    f"het trefwoord '{tag}' staat al in de lijst, als '{tags[first]}'",
                    "verwijder één van beide: hoofdletters, accenten, spaties en streepjes tellen niet mee, "
                    "dus ze delen één trefwoordpagina",
                )
            )


def _check_igs_file(doc: YamlDoc, checker: _Checker) -> Any:
    """One IGS file on its own (what it says about its municipalities is checked against the register
    and the other IGS'en on every build: _check_igs, _check_membership_overlap)."""
    data = checker.check_map(IGS_FILE, doc.data, ())
    if isinstance(data, dict):
        errors = checker.errors
        description = data.get("description")
        if isinstance(description, str):
            line = doc.pos(("description",))[0] + (1 if doc.raw_scalars.get(("description",)) is None else 0)
            _check_wording(data.get("summary"), description, doc.src_path, line, "'description'", errors, True)
            # Lines of the text as written (the checked one is stripped); those of a literal '|' block
            # are the file's, from the line below the key; any other text is reported at its key.
            written = doc.data.get("description")
            literal = ("description",) not in doc.raw_scalars and isinstance(written, str) and written.endswith("\n")
            for problem in skipped_headings(written if literal else description):
                message = f"'description': {problem.message}"
                where = line + problem.line if literal else doc.pos(("description",))[0]
                errors.append(ContentError(message, doc.src_path, where, 1, problem.hint))
        for name in ("summary", "members_note"):
            if isinstance(data.get(name), str):
                _check_notes(data[name], doc.src_path, doc.pos((name,))[0], errors)
    return data


@frozen_dataclass
class FileCheck:
    """What the checks of one file on its own made of it, kept with the file in the journal: its
    normalised data (for an IGS or a Markdown file None when it is left out: not a mapping), its
    errors, and the images it names (where, as written, path below content/), which are looked up
    in the build's content/images/ on every build."""

    data: Any
    errors: tuple[ContentError, ...] = ()
    images: tuple[tuple[KeyPath, str, str], ...] = ()
    complete: bool = True
    """False when a value in `data` is INVALID (its error is among `errors`)."""


_FRONT = {"articles": ("dit verhaal", ARTICLE_FRONT_MATTER), "pages": ("deze pagina", PAGE_FRONT_MATTER)}


def check_file(folder: str, source: YamlDoc | MarkdownSource) -> FileCheck:
    """The checks of one content file that need no other file: run only when the file is read."""
    doc = source.front if isinstance(source, MarkdownSource) else source
    if doc.data is None:
        return FileCheck(None)  # validate_content says why
    errors: list[ContentError] = []
    checker = _Checker(doc, errors, None)
    if isinstance(source, MarkdownSource):
        data = _check_front(*_FRONT[folder], source, checker)
    elif folder == "igs":
        data = _check_igs_file(doc, checker)
    else:
        data = checker.check_map(SITE_FILE, doc.data, ())
    if folder != "site" and not isinstance(data, dict):
        data = None
    return FileCheck(data, tuple(errors), tuple(checker.image_refs), not _has_invalid(data))


# FileCheck data as JSON: tuples, dates, partial dates and the INVALID marker tagged as one-key
# objects (content has no NUL), turned back by one object hook while the JSON is parsed.
_TUPLE, _PARTIAL, _INVALID_TAG = "\x00tuple", "\x00partial", "\x00invalid"
_DATE, _DATETIME = "\x00date", "\x00datetime"


def _data_to_plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _data_to_plain(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return {_TUPLE: [_data_to_plain(item) for item in value]}
    if isinstance(value, list):
        return [_data_to_plain(item) for item in value]
    if isinstance(value, PartialDate):
        return {_PARTIAL: [_data_to_plain(value.start), value.precision]}
    if isinstance(value, _Invalid):
        return {_INVALID_TAG: 0}
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return {_DATETIME: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE: value.isoformat()}
    return value


_UNTAG: dict[str, Callable[[Any], Any]] = {
    _TUPLE: tuple,
    _PARTIAL: lambda inner: PartialDate(*inner),
    _INVALID_TAG: lambda inner: INVALID,
    _DATE: dt.date.fromisoformat,
    _DATETIME: dt.datetime.fromisoformat,
}


def _untagged(value: Any) -> Any:
    """A value as _data_to_plain gave it, back: each tag turned back innermost first."""
    if type(value) is dict:
        if len(value) == 1:
            ((name, inner),) = value.items()
            if name in _UNTAG:
                return _UNTAG[name](_untagged(inner))
        return {key: _untagged(item) for key, item in value.items()}
    if type(value) is list:
        return [_untagged(item) for item in value]
    return value


def _typed_plain(value: Any) -> Any:
    """Checked data as marshal keeps it, where the schema tells the types: dates as ISO text,
    partial dates as (text, precision); ValueError for what only the tagged form can hold."""
    kind = type(value)
    if kind is dict:
        return {key: _typed_plain(item) for key, item in value.items()}
    if kind is tuple:
        return tuple(_typed_plain(item) for item in value)
    if kind is PartialDate:
        return (value.start.isoformat(), value.precision)
    if kind is dt.date:
        return value.isoformat()
    if value is None or kind in (str, int, bool):
        return value
    raise ValueError(f"not typed by the schema: {kind.__name__}")


@functools.lru_cache(maxsize=1 << 14)  # one object per date (a frozen one): 10,000 stories share a few thousand
def partial_from_plain(plain: tuple[str, str]) -> PartialDate:
    """A partial date as _typed_plain keeps it, back."""
    return PartialDate(dt.date.fromisoformat(plain[0]), plain[1])


def _restorer(spec: Field) -> Callable[[Any], Any] | None:
    """What turns a value of `spec` as _typed_plain gave it back (dicts in place); None: nothing to do.
    Only the fields that hold dates are visited: an article has three."""
    if spec.kind == "date":
        return dt.date.fromisoformat
    if spec.kind == "partial_date":
        return partial_from_plain
    if spec.kind == "list" and spec.items is not None:
        inner = _restorer(spec.items)
        if inner is None:
            return None
        return lambda items: tuple(None if item is None else inner(item) for item in items)
    if spec.kind == "map":
        parts = tuple((field.name, found) for field in spec.fields if (found := _restorer(field)) is not None)

        def restore(value: dict[str, Any]) -> dict[str, Any]:
            value = dict(value)  # a copy: a journal row read back is written again as it is (load.py)
            for name, part in parts:
                item = value.get(name)
                if item is not None:
                    value[name] = part(item)
            return value

        return restore if parts else None
    return None


_SPECS = {"site": SITE_FILE, "igs": IGS_FILE, "articles": ARTICLE_FRONT_MATTER, "pages": PAGE_FRONT_MATTER}
_RESTORE = {folder: _restorer(spec) or (lambda value: value) for folder, spec in _SPECS.items()}
FIELDS = {folder: tuple(field.name for field in spec.fields) for folder, spec in _SPECS.items()}
"""The fields of a file's checked data (check_map makes every one, in this order), as the journal
keeps their values: a tuple, which marshal reads back in a third less time than a dict."""


def restored_data(folder: str, values: tuple[Any, ...]) -> dict[str, Any]:
    """The checked data of a file of `folder` as the journal keeps it (Journal.clean_data), back."""
    return _RESTORE[folder](dict(zip(FIELDS[folder], values, strict=True)))  # type: ignore[no-any-return]


def _check_to_plain(folder: str, check: FileCheck) -> tuple[Any, ...]:
    """A FileCheck as the journal keeps it: its data typed by the schema of `folder` when that gives
    exactly this data back (read with a few conversions), else with every type tagged (_data_to_plain:
    data that does not fit the schema, such as a file with an invalid value)."""
    data, typed = None, True
    if check.data is not None:
        try:
            plain = _typed_plain(check.data)
            typed = type(plain) is dict and tuple(plain) == FIELDS[folder]
            data = tuple(plain.values()) if typed else None
            typed = typed and restored_data(folder, marshal.loads(marshal.dumps(data))) == check.data
        except ValueError:
            typed = False
        if not typed:
            data = _data_to_plain(check.data)
    return (typed, data, errors_to_plain(check.errors), check.images, check.complete)


def _check_from_plain(folder: str, plain: tuple[Any, ...]) -> FileCheck:
    typed, data, errors, images, complete = plain
    if data is not None:
        data = restored_data(folder, data) if typed else _untagged(data)
    return FileCheck(data, errors_from_plain(errors) if errors else (), images, complete)


def _moved(check: FileCheck, how: Callable[[ContentError], ContentError]) -> FileCheck:
    return replace(check, errors=tuple(how(error) for error in check.errors))


def _clean_data(plain: tuple[Any, ...]) -> Any:
    """The data of a FileCheck as _check_to_plain gave it, as kept (typed by the schema: restored by
    stored_stories), when the file's own checks found no error, no image and no invalid value; else None."""
    typed, data, errors, images, complete = plain
    return data if typed and complete and not errors and not images else None


JOURNAL = Journal(Space("journal", journal_codec(_check_to_plain)), check_file, _moved, _check_from_plain, _clean_data)
"""The content files as load_content keeps them between builds, with what check_file made of each."""


def _has_invalid(value: Any) -> bool:
    if isinstance(value, _Invalid):
        return True
    if isinstance(value, dict):
        return any(_has_invalid(v) for v in value.values())
    if isinstance(value, tuple | list):
        return any(_has_invalid(v) for v in value)
    return False


IGS_CHECKS: Space[list[ContentError]] = Space("igs-checks", json_codec(errors_to_plain, errors_from_plain))
"""The errors of the checks of the IGS files against the register and each other (members, overlap,
lookalike names), by the IGS files' versions and paths and the register (`igs_checks_key`): a
rebuild that changed no IGS file and not the register runs none of them."""


def igs_checks_key(raw: RawContent, igs: list[tuple[str, str, dict[str, Any]]], register: bytes | None) -> bytes | None:
    """What the IGS checks read: each IGS file (its bytes, slug and path as shown, which its errors
    name) and the register (None: none could be read); None when a file's bytes are not known."""
    files = [(slug, src_path, raw.versions.get(src_path)) for slug, src_path, _ in igs]
    if not all(version for _, _, version in files):
        return None
    return hashlib.blake2b(repr(("igs-checks", register, files)).encode("utf-8"), digest_size=20).digest()


def validate_content(
    raw: RawContent,
    resolve_municipality: Callable[[str], object | None] | None,
    suggest_municipality: Callable[[str], str],
    *,
    register: bytes | None = None,
    units_of: Callable[[str], Sequence[Unit]] | None = None,
    memo: Memo | None = None,
) -> tuple[ValidContent | None, list[ContentError]]:
    """Check every file and every cross-reference; returns the data only when there is no error.
    `register` stands for the register `resolve_municipality`, `suggest_municipality` and `units_of`
    (the municipalities of 2019-2024 a member name stands for) look in (Register.digest), so that
    `memo` may give the IGS checks' errors of an earlier build."""
    errors: list[ContentError] = list(raw.errors)
    images = frozenset(path for path, _ in raw.images)
    complete = True  # no INVALID in any file's data

    journal = raw.checked

    def checked(folder: str, source: YamlDoc | MarkdownSource, doc: YamlDoc) -> FileCheck:
        """The file's own checks (from the journal, or run now), with its images looked up (`doc`:
        the source's document)."""
        nonlocal complete
        found = journal.get(doc.src_path) or check_file(folder, source)
        if found.errors or found.images or not found.complete:  # most of 10,000 stories: none of them
            complete = complete and found.complete
            errors.extend(found.errors)
            for where, text, rel in found.images:
                _Checker(doc, errors, images).find_image(where, text, rel)
        return found

    site: Any = INVALID
    if raw.site.empty:
        if not any(e.path == raw.site.src_path for e in errors):
            errors.append(ContentError("site.yaml is leeg", raw.site.src_path, 1, 1))
    else:
        site = checked("site", raw.site, raw.site).data

    igs: list[tuple[str, str, dict[str, Any]]] = []
    for slug, doc in raw.igs:
        if doc.empty:
            if not any(e.path == doc.src_path for e in errors):
                errors.append(
                    ContentError(
                        "dit IGS-bestand is leeg",
                        doc.src_path,
                        1,
                        1,
                        "vul minstens name, province, municipalities en summary in",
                    )
                )
            continue
        data = checked("igs", doc, doc).data
        if isinstance(data, dict):
            igs.append((slug, doc.src_path, data))

    def igs_checks() -> list[ContentError]:
        found: list[ContentError] = []
        docs = dict(raw.igs)
        for slug, _, data in igs:
            _check_igs(slug, docs[slug], data, found, resolve_municipality, suggest_municipality, units_of)
        _check_membership_overlap(raw, igs, found, units_of)
        _check_igs_names(raw, igs, found)
        return found

    key = igs_checks_key(raw, igs, register) if resolve_municipality is None or register is not None else None
    memo = memo or Memo()
    errors += igs_checks() if key is None else memo.remembered(IGS_CHECKS, key, igs_checks)

    igs_slugs = {slug for slug, _, _ in igs}
    # An IGS file that could not be read or parsed has its own error: references to it are not unknown.
    unreadable = {slug for slug, doc in raw.igs if doc.empty}
    # Nor are the names a file with a wrong name ('CO7.yaml', 'co 7.yaml') is meant to have: its error says
    # how to rename it, and the stories that name it as 'co7' are right.
    stems = {PurePosixPath(e.path).name.split(".")[0] for e in errors if PurePosixPath(e.path).parent.name == "igs"}
    unreadable |= stems | {slug_for(stem) for stem in stems} | {slug_for(stem).replace("-", "") for stem in stems}
    known = frozenset(igs_slugs | unreadable)
    # The clean stories of the last build (the preview's rebuilds) are taken as they were; while the IGS'en
    # they may name are the same, the references they made then are not looked at again.
    last_known, _, last_clean = (memo.recalled(LAST_FRONTS, _LAST_BUILD) if memo.lasting else None) or (None, (), {})
    fronts, fresh = _front("dit verhaal", "articles", raw.articles, errors, checked, last_clean)
    pages = list(filter(None, _front("deze pagina", "pages", raw.pages, errors, checked)[0]))
    for index in fresh if known == last_known else itertools.compress(range(len(fronts)), fronts):
        _, _, data, source = fronts[index]  # type: ignore[misc]
        refs = data.get("igs")
        if isinstance(refs, tuple) and not known.issuperset(refs):  # the one test most articles need
            _check_igs_refs(source.front, ("igs",), refs, known, errors)
            fresh[index] = False
    articles = list(filter(None, fronts))
    if memo.lasting and (fresh or known != last_known):
        clean = dict(zip(map(id, map(_SOURCE, raw.articles)), fronts, strict=True))
        clean.update((id(raw.articles[index][1]), None) for index, ok in fresh.items() if not ok)
        memo.keep(LAST_FRONTS, _LAST_BUILD, (known, raw.articles, clean))
    stored_stories(raw.stories, known, errors)
    for slug, src_path, _, _ in pages:
        if slug in reserved_slugs():
            errors.append(
                ContentError(
                    f"de naam '{slug}' is voorbehouden voor een vaste pagina van de site",
                    src_path,
                    hint=f"hernoem het bestand, bv. naar {slug}-info.md",
                )
            )
    if isinstance(site, dict):
        _check_site(raw.site, site, igs_slugs | unreadable, errors)

    errors = cap_per_file(errors)
    if errors or isinstance(site, _Invalid):
        return None, errors
    if not complete:
        return None, errors
    valid = ValidContent(site, tuple(igs), tuple(articles), tuple(pages), raw.versions, raw.stories)
    return valid, errors


def stored_stories(stories: tuple[StoredStory, ...], known: set[str], errors: list[ContentError]) -> None:
    """The one check across files of the stories taken from the journal (RawContent.stories): each
    IGS they name exists (`known`); an unknown one is reported at its place in the file, read again
    for it. (Their data, as the journal keeps it, is restored by the model: restored_data.)"""
    for story in stories:
        refs = story.data[_STORY_IGS]
        if refs is not None and not known.issuperset(refs):
            _check_igs_refs(story.source().front, ("igs",), refs, known, errors)


_STORY_IGS = FIELDS["articles"].index("igs")


def _check_igs(
    slug: str,
    doc: YamlDoc,
    data: Mapping[str, Any],
    errors: list[ContentError],
    resolve: Callable[[str], object | None] | None,
    suggest: Callable[[str], str],
    units_of: Callable[[str], Sequence[Unit]] | None,
) -> None:
    members = data.get("municipalities")
    if isinstance(members, tuple):
        seen: dict[str, int] = {}  # a name (or one municipality of 2019-2024 it stands for) -> its index
        for i, name in enumerate(members):
            if not isinstance(name, str):
                continue
            keys = _member_keys(name, units_of)
            first = next((seen[key] for key in keys if key in seen), None)
            if first is not None:
                first_line = doc.pos(("municipalities", first))[0]
                same = normalise_name(members[first]) == normalise_name(name)
                errors.append(
                    doc.error(
                        ("municipalities", i),
                        f"'{name}' staat twee keer in de lijst (ook op regel {first_line})"
                        if same
                        else f"'{name}' en '{members[first]}' (regel {first_line}) zijn deels dezelfde gemeente",
                        "verwijder één van beide" if same else _merged_hint(name, members[first], units_of),
                    )
                )
                continue
            seen.update(dict.fromkeys(keys, i))
            found = resolve(name) if resolve is not None else None
            if resolve is not None and found is None:
                hint = suggest(name) or "controleer de spelling; de gemeentezoeker op de site toont alle namen"
                errors.append(doc.error(("municipalities", i), f"onbekende gemeente '{name}'", hint))
            _check_member_province(doc, i, name, getattr(found, "province", None), data.get("province"), errors)
            spelled = _register_spelling(name, found)
            if spelled and spelled != name:
                errors.append(
                    doc.error(
                        ("municipalities", i),
                        f"'{name}' staat anders geschreven in het gemeenteregister",
                        f"bedoelde je '{spelled}'? Schrijf de naam zoals in het gemeenteregister",
                    )
                )
        if data.get("members_complete") is not False and len(members) < 2:
            errors.append(
                doc.error(
                    ("municipalities",),
                    "een IGS telt minstens twee gemeenten",
                    "vul de lijst aan, of zet 'members_complete: false' als de ledenlijst niet bekend is",
                )
            )
    coordinator = data.get("coordinator")
    if isinstance(coordinator, dict) and coordinator.get("photo") and not coordinator.get("photo_alt"):
        errors.append(
            doc.error(
                ("coordinator", "photo"),
                "een foto heeft een beschrijving nodig (photo_alt)",
                "beschrijf in een zin wie of wat er op de foto staat",
            )
        )
    recognition = data.get("recognition")
    if isinstance(recognition, dict):
        start, end = recognition.get("from"), recognition.get("until")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start > end:
            errors.append(doc.error(("recognition", "until"), "de einddatum ligt vóór de begindatum"))


def _check_member_province(
    doc: YamlDoc, index: int, name: str, province: str | None, provinces: Any, errors: list[ContentError]
) -> None:
    """A member lies in one of the IGS's provinces (as the register has them today: Zwijndrecht is in
    Oost-Vlaanderen since 2025): another one is most often another municipality picked by mistake."""
    listed = (provinces,) if isinstance(provinces, str) else provinces
    if not province or not isinstance(listed, tuple) or not listed or province in listed:
        return
    shown = " of ".join(p for p in listed if isinstance(p, str))
    errors.append(
        doc.error(
            ("municipalities", index),
            f"'{name}' ligt in {province}, niet in {shown}",
            f"kies de juiste gemeente, of zet ook {province} bij 'province', bv. "
            f"province: [{', '.join([*listed, province])}]",
        )
    )


def _member_keys(name: str, units_of: Callable[[str], Sequence[Unit]] | None) -> tuple[str, ...]:
    """What a member name claims: the municipalities of 2019-2024 it stands for ('Kruibeke'; all three
    for 'Beveren-Kruibeke-Zwijndrecht'), or the name itself where the register does not know it."""
    units = units_of(name) if units_of is not None else ()
    return tuple(f"unit:{unit.id}" for unit in units) or (f"name:{normalise_name(name)}",)


def _merged_hint(name: str, other: str, units_of: Callable[[str], Sequence[Unit]] | None) -> str:
    """Which municipalities of 2019-2024 the wider of two overlapping names stands for."""
    parts = {n: sorted(unit.name for unit in units_of(n)) for n in (name, other)} if units_of is not None else {}
    wider = max((name, other), key=lambda n: len(parts.get(n, ())))
    named = parts.get(wider, [])
    if len(named) < 2:
        return "noem elke gemeente één keer, met haar naam van vóór 2025"
    listed = ", ".join(named[:-1]) + f" en {named[-1]}"
    return f"'{wider}' is sinds 2025 {listed} samen: noem elk van hen één keer, of alleen '{wider}'"


def _register_spelling(name: str, municipality: object | None) -> str | None:
    """The register's own spelling of `name` (the municipality's name or a former one), if it has one."""
    names = (getattr(municipality, "name", None), *getattr(municipality, "former", ()))
    return next((n for n in names if isinstance(n, str) and normalise_name(n) == normalise_name(name)), None)


def _hidden_message(subject: str, char: str) -> str:
    if is_noncharacter(char) or unicodedata.category(char) == "Co":
        return f"{subject} bevat een teken dat niet in een tekst hoort ({char_name(char)})"
    return f"{subject} bevat onzichtbare besturingstekens"  # message pinned in tests/test_errors.py


def _check_igs_names(raw: RawContent, igs: list[tuple[str, str, dict[str, Any]]], errors: list[ContentError]) -> None:
    """An IGS name says which IGS a page is: no invisible characters at all, one alphabet, and no
    two IGS'en whose names look the same (case, accents, lookalike letters from another alphabet)."""
    docs = dict(raw.igs)
    seen: dict[str, tuple[str, YamlDoc]] = {}  # skeleton -> (name, its file)
    owner: dict[str, str] = {}  # skeleton -> slug
    for slug, _, data in igs:
        name = data.get("name")
        if not isinstance(name, str):
            continue
        doc = docs[slug]
        if hidden := hidden_char(name):
            errors.append(
                doc.error(("name",), _hidden_message("'name'", hidden), "typ de naam opnieuw in plaats van te plakken")
            )
            continue
        alphabets = scripts(name)
        if len(alphabets) > 1:
            errors.append(
                doc.error(
                    ("name",),
                    f"de naam '{name}' mengt letters uit verschillende alfabetten ({', '.join(sorted(alphabets))})",
                    "typ de naam opnieuw met een gewoon toetsenbord: letters uit een ander alfabet lijken soms "
                    "precies op Latijnse (bv. een Cyrillische а)",
                )
            )
        key = skeleton(name)
        if key in seen:
            other_name, other_place = _named_at(*seen[key])
            errors.append(
                doc.error(
                    ("name",),
                    f"de naam '{name}' is (bijna) gelijk aan die van een ander IGS: '{other_name}' ({other_place})",
                    "elk IGS heeft een eigen naam; hoofdletters, accenten, spaties en letters die op elkaar lijken "
                    "tellen niet als verschil",
                )
            )
        else:
            seen[key] = (name, doc)
            owner[key] = slug
    # An alias that looks like another IGS's name would make the finder and search show the wrong IGS.
    for slug, _, data in igs:
        aliases = data.get("aliases")
        for i, alias in enumerate(aliases if isinstance(aliases, tuple) else ()):
            key = skeleton(alias) if isinstance(alias, str) else ""
            if key in seen and owner[key] != slug:
                other_name, other_place = _named_at(*seen[key])
                errors.append(
                    docs[slug].error(
                        ("aliases", i),
                        f"de andere naam '{alias}' is (bijna) gelijk aan de naam van een ander IGS: "
                        f"'{other_name}' ({other_place})",
                        "een andere naam mag niet naar een ander IGS lijken te verwijzen",
                    )
                )


def _named_at(name: str, doc: YamlDoc) -> tuple[str, str]:
    """An IGS name and its 'path:line' (looked up only for an error: most records are never decoded)."""
    return name, f"{doc.src_path}:{doc.pos(('name',))[0]}"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if len(s.strip()) >= _MIN_SENTENCE]


def _check_notes(text: str, src_path: str, first_line: int, errors: list[ContentError], indented: bool = False) -> None:
    """Research notes ('vonden we nog niet') are for editors, not visitors. In an indented YAML block the
    column is unknown, so the error points at the line."""
    folded = text.casefold()  # casefold() goes character by character: a note in a line is in the whole
    if not any(note in folded for note in RESEARCH_NOTES):
        return
    for number, line in enumerate(text.split("\n")):
        lowered = line.casefold()
        for note in RESEARCH_NOTES:
            column = lowered.find(note)
            if column != -1:
                errors.append(
                    ContentError(
                        f"'{note}' is een notitie voor redacteurs, geen tekst voor bezoekers",
                        src_path,
                        first_line + number,
                        1 if indented else column + 1,
                        "laat wat niet bekend is weg, of zeg het neutraal, bv. 'Nog geen eigen website; info via de "
                        "gemeente Nieuwpoort'",
                    )
                )


def _check_wording(
    summary: Any,
    body: str,
    src_path: str,
    body_line: int,
    where: str,
    errors: list[ContentError],
    indented: bool = False,
) -> None:
    """No research notes in the text, and no sentence of the summary (the page's lead) repeated in it."""
    _check_notes(body, src_path, body_line, errors, indented)
    if not isinstance(summary, str):
        return
    lead = {normalise_name(s) for s in _sentences(summary)}
    if not lead:
        return  # a summary without a sentence long enough to count: nothing to look for
    # Each word of a sentence normalised (normalise_name: accents dropped and case folded character
    # by character, runs of spaces and hyphens made one space) is a word of the text so folded: where
    # no lead sentence has all its words in it, no line needs to be split into sentences.
    folded = _folded(body)
    if not any(all(word in folded for word in sentence.split(" ")) for sentence in lead):
        return
    for number, line in enumerate(body.split("\n")):
        for sentence in _sentences(line):
            if normalise_name(sentence) in lead:
                errors.append(
                    ContentError(
                        f"deze zin staat al in de samenvatting (summary): {where} herhaalt hem",
                        src_path,
                        body_line + number,
                        line.find(sentence) + 1 if sentence in line and not indented else 1,
                        f"de samenvatting staat bovenaan de pagina; schrap of herschrijf: '{sentence[:60]}'",
                    )
                )


def _check_membership_overlap(
    raw: RawContent,
    igs: list[tuple[str, str, dict[str, Any]]],
    errors: list[ContentError],
    units_of: Callable[[str], Sequence[Unit]] | None,
) -> None:
    docs = dict(raw.igs)
    owner: dict[str, tuple[str, int]] = {}  # _member_keys key -> (IGS slug, index in its list)
    for slug, _, data in igs:
        members = data.get("municipalities")
        if not isinstance(members, tuple):
            continue
        for i, name in enumerate(members):
            if not isinstance(name, str):
                continue
            keys = _member_keys(name, units_of)
            taken = next((owner[key] for key in keys if key in owner and owner[key][0] != slug), None)
            if taken is None:
                for key in keys:
                    owner.setdefault(key, (slug, i))
                continue
            other_slug, other_index = taken
            other = docs[other_slug]  # its place is looked up only here: most records are never decoded
            other_path = f"{other.src_path}:{other.pos(('municipalities', other_index))[0]}"
            other_name = other.data["municipalities"][other_index]
            what = "" if normalise_name(other_name) == normalise_name(name) else f", als '{other_name}'"
            errors.append(
                docs[slug].error(
                    ("municipalities", i),
                    f"'{name}' hoort al bij het IGS '{other_slug}'{what} ({other_path})",
                    "een gemeente hoort bij hoogstens één IGS: schrap ze in één van beide bestanden",
                )
            )


def _check_igs_refs(doc: YamlDoc, path: KeyPath, value: Any, slugs: set[str], errors: list[ContentError]) -> None:
    if not isinstance(value, tuple):
        return
    for i, ref in enumerate(value):
        if isinstance(ref, str) and ref not in slugs:
            where = (*path, i) if isinstance(doc.data, dict) and isinstance(_get(doc.data, path), list) else path
            # (only names an 'igs:' may hold: not 'CO7' of a file still to be renamed)
            hint = did_you_mean(ref, [slug for slug in slugs if _SLUG.fullmatch(slug)])
            hint = hint or "de slug is de bestandsnaam in content/igs/ zonder .yaml"
            errors.append(doc.error(where, f"onbekend IGS '{ref}'", hint))


def _get(data: Any, path: KeyPath) -> Any:
    for key in path:
        data = data[key] if isinstance(data, dict | list) else None
    return data


def _check_unique_ids(
    doc: YamlDoc, path: KeyPath, items: Any, label: str, hint: str, errors: list[ContentError]
) -> None:
    """Every item of a list of mappings has its own 'id'."""
    if not isinstance(items, tuple):
        return
    seen: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] in seen:
                errors.append(doc.error((*path, i, "id"), f"{label} '{item['id']}' komt twee keer voor", hint))
            seen.add(item["id"])


def _check_site(doc: YamlDoc, site: Mapping[str, Any], igs_slugs: set[str], errors: list[ContentError]) -> None:
    base_url = site.get("base_url")
    problem = base_url_problem(base_url) if isinstance(base_url, str) else None
    if problem:
        errors.append(doc.error(("base_url",), problem, BASE_URL_HINT))
    home = site.get("home")
    if isinstance(home, dict):
        _check_unique_ids(
            doc, ("home", "blocks"), home.get("blocks"), "het blok-id", "elk blok heeft een eigen id", errors
        )
    newsletter = site.get("newsletter")
    if isinstance(newsletter, dict):
        _check_unique_ids(doc, ("newsletter", "lists"), newsletter.get("lists"), "de nieuwsbrief-id", "", errors)
        if newsletter.get("endpoint") and not newsletter.get("privacy"):
            errors.append(
                doc.error(
                    ("newsletter", "endpoint"),
                    "een inschrijfformulier heeft een privacyzin nodig (newsletter.privacy)",
                    "zeg in één zin wat er bewaard wordt, door wie, met een link naar meer uitleg",
                )
            )
    consultants = site.get("consultants")
    if isinstance(consultants, tuple):
        for i, consultant in enumerate(consultants):
            if isinstance(consultant, dict):
                _check_igs_refs(doc, ("consultants", i, "igs"), consultant.get("igs"), igs_slugs, errors)


def cap_per_file(errors: list[ContentError], limit: int = MAX_ERRORS_PER_FILE) -> list[ContentError]:
    """At most `limit` errors per file, then one line saying how many more there are: a pasted
    list of thousands of wrong entries must not bury the other files' errors."""
    by_file: dict[str, list[ContentError]] = {}
    for error in errors:
        by_file.setdefault(error.path, []).append(error)
    result = []
    for path, found in by_file.items():
        found = sorted(set(found), key=ContentError.sort_key)
        result.extend(found[:limit])
        if len(found) > limit:
            first_left = found[limit]
            more = len(found) - limit
            result.append(
                ContentError(
                    f"… en {more} andere {'fout' if more == 1 else 'fouten'} in dit bestand (de eerste op deze plaats)",
                    path,
                    first_left.line,
                    first_left.col,
                    "verbeter eerst de fouten hierboven; vaak verdwijnen de andere dan vanzelf",
                )
            )
    return result
