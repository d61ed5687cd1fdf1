"""Stage 1: read everything under content/ (and the assets) into plain data with source positions.

Nothing here judges the content beyond what is needed to read it: a file that cannot be read or
parsed yields a ContentError, the rest is left to validation. The journal (below) keeps each text
file's record between builds, with what validation's checks of that file alone made of it (the
caller passes those checks in: validate.JOURNAL), so a rebuild reads only the files that changed.
"""

from __future__ import annotations

import errno
import functools
import itertools
import logging
import marshal
import operator
import os
import re
import stat
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from .chars import char_name, hidden_char, same_file_name
from .errors import ContentError, ContentErrors, os_reason
from .frozen import frozen_dataclass, made
from .imageclean import IMAGE_HINT, SVG_HINT, SvgProblem, strip_metadata
from .memo import Codec, Memo, Space
from .schema import slug_for
from .tree import MAX_TEXT_BYTES, ReadAhead, State, Walk, content_digest, file_stat, read_file, settled
from .yamlsrc import YamlDoc, parse_yaml

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10_000_000
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg")
_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$")
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # used with fullmatch: "$" would accept a trailing newline
# An image name is published as part of a URL: only what needs no encoding there (no space, #, ?, %).
_URL_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Photo formats that browsers do not show, with how to get a JPEG from them.
_CONVERTIBLE = {
    ".heic": "een iPhone-foto (HEIC)",
    ".heif": "een iPhone-foto (HEIF)",
    ".tif": "een TIFF-bestand",
    ".tiff": "een TIFF-bestand",
    ".bmp": "een BMP-bestand",
}


@frozen_dataclass
class MarkdownSource:
    """A Markdown file: its front matter and its body, with the body's first line number."""

    front: YamlDoc
    body: str
    body_line: int


@frozen_dataclass
class GeneratedText:
    """A file under content/geo/ (made by `python build.py geo`) as read: its text and its path as
    shown, or the ContentError that says why it could not be read (register.py and geometry.py
    parse it; the pipeline decides when a problem with it stops the build)."""

    shown: str
    text: str = ""
    problem: ContentError | None = None


@frozen_dataclass
class RawContent:
    content_dir: Path
    site: YamlDoc
    igs: tuple[tuple[str, YamlDoc], ...]
    articles: tuple[tuple[str, MarkdownSource], ...]
    pages: tuple[tuple[str, MarkdownSource], ...]
    images: tuple[tuple[str, bytes], ...]  # (path relative to content/, bytes)
    errors: tuple[ContentError, ...] = field(default=())
    register: GeneratedText | None = None  # content/geo/municipalities.json
    topology: GeneratedText | None = None  # content/geo/topology.json
    checked: Mapping[str, Any] = field(default_factory=dict)
    """What the journal's per-file checks made of each file, by its path as shown (validate.py
    checks the files that are not in it itself)."""
    versions: Mapping[str, bytes] = field(default_factory=dict)
    """A digest of each parsed text file's bytes, by its path as shown: what the model derives from
    one file alone is the same while its version is (the model keys its pages by it)."""
    stories: tuple[StoredStory, ...] = ()
    """The stories taken from the journal as they are (StoredStory), besides `articles`: neither their
    checks nor their versions are in `checked` and `versions`."""

    def display_path(self, rel: str) -> str:
        return display_path(self.content_dir / rel)


def display_path(path: Path) -> str:
    """A path as editors see it: relative to the working directory when it lies below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def _unreadable(path: Path, exc: OSError, what: str = "het bestand") -> ContentError:
    return ContentError(f"kan {what} niet lezen: {os_reason(exc)}", display_path(path))


def read_text(path: Path, errors: list[ContentError]) -> str | None:
    """Read a UTF-8 text file (BOM and CRLF accepted); problems become content errors."""
    try:
        data, size = read_file(path, MAX_TEXT_BYTES)
    except OSError as exc:
        errors.append(_unreadable(path, exc))
        return None
    return decode_text(data, size, display_path(path), errors)


def decode_text(data: bytes | None, size: int, shown: str, errors: list[ContentError]) -> str | None:
    """The text of a file read by read_file (None: too large), or None and the errors that say why not."""
    if data is None:
        errors.append(
            ContentError(
                f"het bestand is te groot ({size:,} bytes; hoogstens {MAX_TEXT_BYTES:,})".replace(",", "."),
                shown,
                hint="splits de tekst op of verwijder geplakte afbeeldingen of opmaak",
            )
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        errors.append(
            ContentError(
                f"het bestand is niet in UTF-8 opgeslagen (ongeldige byte 0x{data[exc.start]:02x})",
                shown,
                line,
                col,
                "sla het bestand opnieuw op met codering UTF-8",
            )
        )
        return None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        errors.append(ContentError("het bestand bevat een nul-teken (binair bestand?)", shown, line, 1))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Reparse:
    """The source of a journal record read back from the disk, where only the record's head is kept
    (what every build needs of every file): parsed again from the file when something first asks for
    it (an error pointing into the file, a story body the cache lacks), once the file is found to
    hold the very bytes the record was made of. A file changed since is an error, never a mix.
    `file` is None until load_content finds the record's file (_bound)."""

    def __init__(self, file: ContentFile | None, content: bytes) -> None:
        self.file, self.content = file, content

    @functools.cached_property
    def source(self) -> YamlDoc | MarkdownSource:
        file = self.file
        assert file is not None  # bound before anything reads it
        try:
            data, size = read_file(Path(file.path), MAX_TEXT_BYTES)
        except OSError as exc:
            raise ContentErrors([_unreadable(Path(file.path), exc)]) from exc
        errors: list[ContentError] = []
        text = None
        if data is not None and content_digest(data) == self.content:
            text = decode_text(data, size, file.shown, errors)
        if text is None:
            raise ContentErrors([ContentError(CHANGED_DURING_BUILD, file.shown, hint="bouw de site opnieuw")])
        if file.folder in MARKDOWN_FOLDERS:
            source = parse_markdown_source(text, file.shown)[0]
        else:
            source = parse_yaml(text, file.shown)[0]
        assert source is not None  # the record holds a source: the same bytes give it again
        return source


CHANGED_DURING_BUILD = "het bestand is gewijzigd terwijl de site gebouwd werd"


class _StoredDoc(YamlDoc):
    """A YamlDoc of a journal record read back from the disk: its data and tables come from the
    file (_Reparse) on first use. A build reads thousands of records, and only a file's errors (or
    its own checks, which run when it is read again) need them; the checks' results are kept
    decoded beside it (Record.checked). Made by _stored."""

    @functools.cached_property
    def _doc(self) -> YamlDoc:
        source = self._reparse.source  # type: ignore[attr-defined]
        return source.front if isinstance(source, MarkdownSource) else source  # type: ignore[no-any-return]

    @property
    def empty(self) -> bool:
        return self._empty  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, YamlDoc):
            return NotImplemented
        fields = ("src_path", "data", "value_pos", "key_pos", "raw_scalars")
        return all(getattr(self, name) == getattr(other, name) for name in fields)

    __hash__ = None  # type: ignore[assignment]  # its data is a dict, as in a YamlDoc

    def __reduce__(self) -> tuple[Any, ...]:
        return YamlDoc, (self.src_path, self.data, self.value_pos, self.key_pos, self.raw_scalars)

    data = property(lambda self: self._doc.data)  # type: ignore[assignment]
    value_pos = property(lambda self: self._doc.value_pos)  # type: ignore[assignment]
    key_pos = property(lambda self: self._doc.key_pos)  # type: ignore[assignment]
    raw_scalars = property(lambda self: self._doc.raw_scalars)  # type: ignore[assignment]


class _StoredMarkdown(MarkdownSource):
    """A MarkdownSource of a journal record read back from the disk: its body comes from the file
    (made by _stored)."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MarkdownSource):
            return NotImplemented
        return (self.front, self.body, self.body_line) == (other.front, other.body, other.body_line)

    __hash__ = None  # type: ignore[assignment]  # as its front's

    def __reduce__(self) -> tuple[Any, ...]:
        return MarkdownSource, (self.front, self.body, self.body_line)

    body = property(lambda self: self._reparse.source.body)  # type: ignore[assignment]


def errors_to_plain(errors: Iterable[ContentError]) -> list[list[Any]]:
    return [[e.message, e.path, e.line, e.col, e.hint] for e in errors]


def errors_from_plain(plain: list[list[Any]]) -> tuple[ContentError, ...]:
    return tuple(ContentError(*error) for error in plain)


# The generated files under content/geo/, and how errors name them.
REGISTER_REL_PATH = Path("geo") / "municipalities.json"
REGISTER_WHAT = "gemeenteregister"
TOPOLOGY_REL_PATH = Path("geo") / "topology.json"
TOPOLOGY_WHAT = "kaartgeometrie"
MAX_GENERATED_BYTES = 200_000_000  # official borders in full detail stay far below this
REGENERATE = "maak het bestand opnieuw aan met 'python build.py geo' in plaats van het met de hand te bewerken."


def read_generated_text(path: Path, display_root: Path, what: str) -> tuple[str, str]:
    """A generated file under content/geo/: (raw text, path as shown from display_root).

    A missing or unreadable file is a ContentError telling the editor to regenerate it.
    """
    shown = _shown_from(path, display_root)
    try:
        data, size = read_file(path, MAX_GENERATED_BYTES)
        if data is None:
            raise ContentError(f"{what} is te groot ({size // 1_000_000} MB)", shown, hint=REGENERATE)
        text = data.decode("utf-8")
    except OSError as e:
        raise ContentError(f"{what} niet gevonden of onleesbaar ({os_reason(e)})", shown, hint=REGENERATE) from e
    except UnicodeDecodeError as e:
        raise ContentError(f"{what} is niet in UTF-8 opgeslagen", shown, hint=REGENERATE) from e
    return text, shown


def _shown_from(path: Path, display_root: Path) -> str:
    try:
        return path.relative_to(display_root).as_posix()
    except ValueError:
        return path.as_posix()


def _generated(content_dir: Path, rel: Path, what: str) -> GeneratedText:
    try:
        text, shown = read_generated_text(content_dir / rel, Path.cwd(), what)
    except ContentError as exc:
        return GeneratedText(exc.path, problem=exc)
    return GeneratedText(shown, text)


def parse_markdown_source(text: str, shown: str) -> tuple[MarkdownSource | None, list[ContentError]]:
    """Split front matter and body; front-matter positions use the file's own line numbers."""
    lines = text.split("\n")
    if not lines or not _FRONT_MATTER_FENCE.match(lines[0]):
        return None, [
            ContentError(
                "het bestand begint niet met front matter (een regel '---')",
                shown,
                1,
                1,
                "begin met '---', dan de velden (title:, summary: …), dan weer '---' en daarna de tekst",
            )
        ]
    for index in range(1, len(lines)):
        if _FRONT_MATTER_FENCE.match(lines[index]):
            front_text = "\n".join(lines[1:index]) + "\n"
            doc, errors = parse_yaml(front_text, shown, line_offset=1)
            body = "\n".join(lines[index + 1 :])
            return MarkdownSource(doc, body, index + 2), errors
    return None, [
        ContentError(
            "de front matter wordt niet afgesloten met een regel '---'",
            shown,
            1,
            1,
            "zet een regel met enkel '---' tussen de velden en de tekst",
        )
    ]


def _listing(folder: Path, errors: list[ContentError]) -> list[os.DirEntry[str]] | None:
    """The entries of a content folder, sorted; None (and an error) when it is not a readable folder."""
    if not os.path.lexists(folder):
        return None
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=operator.attrgetter("name"))
    except OSError as exc:
        reason = "hier hoort een map" if exc.errno == errno.ENOTDIR else f"kan de map niet lezen: {os_reason(exc)}"
        errors.append(ContentError(reason, display_path(folder)))
        return None


def _points_outside(path: Path, root: Path) -> str:
    """Why a symbolic link may not be followed ('' when it may): outside content/ or a loop."""
    if not path.is_symlink():
        return ""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "deze snelkoppeling maakt een lus"
    except OSError as exc:
        return f"deze snelkoppeling is stuk: {os_reason(exc)}"
    return "" if target.is_relative_to(root) else "deze snelkoppeling wijst naar een bestand buiten content/"


class ContentFile(NamedTuple):
    """A text file of content/ to read: its folder ('site' for site.yaml), its slug, its path, the path
    as errors show it, and its stat as the journal knows it (size, mtime_ns, inode, ctime_ns; None
    when it could not be read)."""

    folder: str
    slug: str
    path: str
    shown: str
    stat: tuple[int, int, int, int] | None


def _stat_key(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


TEXT_FOLDERS = (("igs", ".yaml"), ("articles", ".md"), ("pages", ".md"))
Outcome = ContentFile | ContentError


def _looked_at(name: str) -> bool:
    """Whether load_content looks at an entry of a text folder (not a hidden file nor an editor backup)."""
    return not name.startswith(".") and not name.endswith("~")


def _outcome(
    folder: str,
    suffix: str,
    entry: os.DirEntry[str] | _PathEntry,
    folder_shown: str,
    root: Path,
    states: Mapping[str, State] | None = None,
) -> tuple[Outcome | None, bool]:
    """What one entry of a text folder is: a file to read, an error (a stray, a bad name, a link that
    points outside content/) or None (hidden files, editor backups); and whether the file events of
    its own path tell all its changes (not a link, nor a file with a second name elsewhere).
    `states`: see load_content (a file's state there stands for its stat; not told, as its number
    of names is not known)."""
    name = entry.name
    if not _looked_at(name):
        return None, True
    shown = name if folder_shown == "." else f"{folder_shown}/{name}"  # display_path, without its cost
    linked = entry.is_symlink()
    problem = _points_outside(Path(entry.path), root) if linked else ""
    if problem:
        return ContentError(problem, shown), False
    if entry.is_dir():
        return ContentError("onverwachte map: hier horen alleen bestanden", shown), not linked
    if not name.endswith(suffix):
        # 'co7.yaml.txt' (an editor that added its own extension) is meant as co7.yaml, not co7.yaml.yaml
        meant = name[: name.lower().find(suffix + ".")] if suffix + "." in name.lower() else Path(name).stem
        return ContentError(
            f"onverwacht bestand: bestanden in deze map eindigen op '{suffix}'",
            shown,
            hint=f"hernoem het naar {meant.lower()}{suffix} of verplaats het",
        ), not linked
    slug = name[: -len(suffix)]
    if not _SLUG.fullmatch(slug):
        return ContentError(
            f"ongeldige bestandsnaam '{name}': gebruik alleen kleine letters a-z, cijfers en '-'",
            shown,
            hint=f"hernoem het bestand naar {slug_for(slug)}{suffix}",
        ), not linked
    state = states.get(entry.path) if states is not None and not linked else None
    walked = file_stat(state) if state is not None else None
    if walked is not None:  # without ContentFile's __new__, a Python function: some 10,000 files
        return tuple.__new__(ContentFile, (folder, slug, entry.path, shown, walked)), False
    try:
        info = entry.stat()
    except OSError:
        return ContentFile(folder, slug, entry.path, shown, None), False  # reading it will say why
    return ContentFile(folder, slug, entry.path, shown, _stat_key(info)), not linked and info.st_nlink == 1


class _PathEntry:
    """One path of a text folder looked at again, with the parts of os.DirEntry that _outcome asks."""

    def __init__(self, folder: str, name: str) -> None:
        self.name, self.path = name, os.path.join(folder, name)

    def is_symlink(self) -> bool:
        return os.path.islink(self.path)

    def is_dir(self) -> bool:
        return os.path.isdir(self.path)

    def stat(self) -> os.stat_result:
        return os.stat(self.path)


def _content_files(
    folder: str,
    suffix: str,
    content_dir: Path,
    errors: list[ContentError],
    found: dict[str, Outcome],
    states: Mapping[str, State] | None = None,
) -> bool:
    """The entries of one content folder into `found` (by name, in name order), its errors (strays,
    bad names) into `errors`; whether file events tell every change of it (_outcome: a folder that
    cannot be listed neither, a missing one does: creating it is an event of its own)."""
    before = len(errors)
    listing = _listing(content_dir / folder, errors)
    if listing is None:
        return len(errors) == before
    trusted = True
    root = content_dir.resolve()
    folder_shown = display_path(content_dir / folder)
    cut, new, shown_in = -len(suffix), tuple.__new__, "" if folder_shown == "." else f"{folder_shown}/"
    walked = _walked_files(folder, suffix, listing, states, shown_in) if states is not None and listing else None
    if walked is not None:
        found.update(walked)
        return False  # as below: a file whose stat the walk took
    for entry in listing:
        name = entry.name
        # _outcome's most common case written out (some 10,000 files): a file with a slug's name, not a
        # link, whose stat the walk took (`trusted` is False then: see _outcome).
        state = states.get(entry.path) if states is not None and name.endswith(suffix) else None
        if state is not None and len(state) == 7 and stat.S_ISREG(state[2]) and not entry.is_symlink():
            slug = name[:cut]
            if _SLUG.fullmatch(slug):
                found[name] = new(ContentFile, (folder, slug, entry.path, shown_in + name, state[3:]))
                trusted = False
                continue
        outcome, told = _outcome(folder, suffix, entry, folder_shown, root, states)
        trusted = trusted and told
        if outcome is not None:
            found[entry.name] = outcome
            if isinstance(outcome, ContentError):
                errors.append(outcome)
    return trusted


# A folder's slugs joined by "/" (no name holds one), each followed by it: _SLUG for all at once.
_SLUGS = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*/)*")


def _walked_files(
    folder: str, suffix: str, listing: list[os.DirEntry[str]], states: Mapping[str, State], shown_in: str
) -> dict[str, ContentFile] | None:
    """The files of a folder by name, when every entry is the common case of _content_files (a file
    with a slug's name, not a link, whose stat the walk took), found for all at once in C (some 10,000
    stories: a tenth of the time of the loop); else None (each entry is then looked at on its own)."""
    names = list(map(operator.attrgetter("name"), listing))
    if not all(map(str.endswith, names, itertools.repeat(suffix))):
        return None
    cut = -len(suffix)
    slugs = [name[:cut] for name in names]
    if not _SLUGS.fullmatch("/".join(slugs) + "/"):
        return None
    paths = list(map(operator.attrgetter("path"), listing))
    walked = list(map(states.get, paths))
    if None in walked or not all(map(operator.eq, map(len, walked), itertools.repeat(7))):
        return None
    if not all(map(stat.S_ISREG, map(operator.itemgetter(2), walked))) or any(map(os.DirEntry.is_symlink, listing)):
        return None
    stats = map(operator.itemgetter(slice(3, None)), walked)  # file_stat's (size, mtime_ns, inode, ctime_ns)
    rows = zip(itertools.repeat(folder, len(names)), slugs, paths, map(shown_in.__add__, names), stats, strict=True)
    return dict(zip(names, map(tuple.__new__, itertools.repeat(ContentFile), rows), strict=True))


def _site_outcome(content_dir: Path) -> tuple[Outcome, bool]:
    """content/site.yaml as a file to read, or the error that it is missing (and `told`, as _outcome)."""
    site_path = content_dir / "site.yaml"
    shown = display_path(site_path)
    if not os.path.lexists(site_path):
        return ContentError("site.yaml ontbreekt", shown), True
    try:
        info = os.stat(site_path)
    except OSError:
        return ContentFile("site", "", str(site_path), shown, None), False
    return ContentFile("site", "", str(site_path), shown, _stat_key(info)), (
        not os.path.islink(site_path) and info.st_nlink == 1
    )


@dataclass
class _Parts:
    """What a load made of its text files' records, each file's part under its path as shown: kept
    with its listing (LISTING), so that a rebuild told which paths changed (the preview's file events)
    makes again only the parts of the files it looked at again and takes the others' as they are
    (copies of these dicts, in C: some 10,000 files)."""

    site: YamlDoc | None = None
    sources: dict[str, dict[str, tuple[str, Any]]] = field(default_factory=lambda: {f: {} for f, _ in TEXT_FOLDERS})
    """Per text folder, (slug, source) of each file with a source, in the folder's name order."""
    stories: dict[str, StoredStory] = field(default_factory=dict)
    """The stories taken from the journal as they are, in name order."""
    versions: dict[str, bytes] = field(default_factory=dict)
    checked: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, tuple[ContentError, ...]] = field(default_factory=dict)
    """Of each file whose reading found a problem."""

    def add(self, files: Iterable[ContentFile], records: Iterable[Loaded]) -> None:
        """The parts of these files (new to it, or looked at again: their parts replace those there)."""
        for file, record in zip(files, records, strict=True):
            shown = file.shown
            if type(record) is StoredStory:
                self.stories[shown] = record
                continue
            if record.errors:
                self.errors[shown] = record.errors
            if record.source is None:
                continue
            self.versions[shown] = record.content
            if record.checked is not None:
                self.checked[shown] = record.checked
            if file.folder == "site":
                self.site = record.source  # type: ignore[assignment]
            else:
                self.sources[file.folder][shown] = (file.slug, record.source)

    def updated(self, gone: Iterable[ContentFile], files: list[ContentFile], records: list[Loaded]) -> _Parts:
        """A copy with the parts of `gone` (the files of the paths looked at again, as the last load
        found them) replaced by those of `files` (the files of those paths now), in name order."""
        now = _Parts(
            self.site,
            {folder: dict(sources) for folder, sources in self.sources.items()},
            dict(self.stories),
            dict(self.versions),
            dict(self.checked),
            dict(self.errors),
        )
        ordered = [now.stories, *now.sources.values()]
        looked = [file.shown for file in files]
        for file in [*gone, *files]:
            for found in (now.versions, now.checked, now.errors):
                found.pop(file.shown, None)
            if file.folder == "site":
                now.site = None
        for shown in {file.shown for file in gone}.difference(looked):
            for found in ordered:
                found.pop(shown, None)
        unsorted: list[dict[str, Any]] = []
        for file, record in zip(files, records, strict=True):
            home: dict[str, Any] | None = now.stories if type(record) is StoredStory else None
            if home is None and record.source is not None and file.folder != "site":  # type: ignore[union-attr]
                home = now.sources[file.folder]
            for found in ordered:
                if found is not home:
                    found.pop(file.shown, None)
            if home is not None and file.shown not in home:
                unsorted.append(home)  # a new path: put in its place below
        now.add(files, records)
        for found in unsorted:
            items = sorted(found.items(), key=operator.itemgetter(0))
            found.clear()
            found.update(items)
        return now


@frozen_dataclass
class _Listing:
    """The text files of content/ as a load found them, and what it made of their records: kept in
    memory (LISTING), so that a rebuild told which paths changed (the preview's file events) looks
    again at those entries alone and takes what was made of the other files as it is."""

    site: Outcome
    folders: dict[str, dict[str, Outcome]]
    """Per text folder, each entry's outcome by name, in name order."""
    trusted: bool
    """Every folder could be listed and file events tell every change (no links, no second names)."""
    parts: _Parts | None = None
    """What the load made of the files' records."""

    def _outcomes(self) -> tuple[list[Outcome], list[bool]]:
        outcomes = [self.site, *itertools.chain.from_iterable(map(dict.values, self.folders.values()))]
        return outcomes, list(map(operator.is_, map(type, outcomes), itertools.repeat(ContentFile)))

    def files(self) -> list[ContentFile]:
        outcomes, files = self._outcomes()
        return list(itertools.compress(outcomes, files))  # type: ignore[arg-type]

    def errors(self) -> list[ContentError]:
        outcomes, files = self._outcomes()
        return list(itertools.compress(outcomes, map(operator.not_, files)))  # type: ignore[arg-type]


LISTING: Space[_Listing] = Space("content-listing")
"""The last load's _Listing of a content folder, in memory only (a CLI build has no file events)."""


def _scan(content_dir: Path, errors: list[ContentError], states: Mapping[str, State] | None = None) -> _Listing:
    """Every entry of the text folders, looked at now (with `states`, see load_content, a file's
    stat taken from there); their errors into `errors`, in name order."""
    site, trusted = _site_outcome(content_dir)
    if isinstance(site, ContentError):
        errors.append(site)
    folders: dict[str, dict[str, Outcome]] = {}
    for folder, suffix in TEXT_FOLDERS:
        folders[folder] = {}
        trusted = _content_files(folder, suffix, content_dir, errors, folders[folder], states) and trusted
    return _Listing(site, folders, trusted)


def _places(changed: Iterable[str]) -> dict[str, set[str]] | None:
    """The entries of the text folders that changed paths (relative to content/, '/' between their
    parts) may have changed, by folder ('site' for site.yaml); None when a whole folder may have."""
    places: dict[str, set[str]] = {}
    for rel in changed:
        parts = rel.split("/")
        if parts == ["site.yaml"]:
            places["site"] = set()
        elif parts[0] in ("", ".", "..") or (parts[0] in places_folders and len(parts) == 1):
            return None  # content/ itself, or a text folder as a whole
        elif parts[0] in places_folders:
            places.setdefault(parts[0], set()).add(parts[1])
        # images/ and geo/ are read on every build; nothing else at the top is read at all
    return places


places_folders = {folder for folder, _ in TEXT_FOLDERS}


def _names(folder: Path) -> set[str] | None:
    """The names in a text folder, without a stat of any (hidden files and editor backups among them:
    the caller leaves those out); None when it cannot be listed (then every file is looked at)."""
    if not os.path.lexists(folder):
        return set()
    try:
        return set(os.listdir(folder))  # in C: some 10,000 names
    except OSError:
        return None


def _rescan(
    last: _Listing, places: dict[str, set[str]], content_dir: Path
) -> tuple[_Listing, set[ContentFile], list[ContentFile]] | None:
    """`last` with the entries in `places` looked at again (without records: the caller adds them);
    the files of those entries now (read again, or asked of the journal: an event may come with an
    unchanged stat) and the files they were. The names in each text folder are listed (not stat'ed)
    too: a name that came or went without an event of its own (the watcher leaves out names such as
    'notes.tmp', which a build reports) is looked at as well. None: a folder could not be listed."""
    site, trusted = _site_outcome(content_dir) if "site" in places else (last.site, True)
    looked: list[Outcome] = [site] if "site" in places else []
    was: list[Outcome] = [last.site] if "site" in places else []
    folders = dict(last.folders)
    root = content_dir.resolve()
    for folder, suffix in TEXT_FOLDERS:
        names = _names(content_dir / folder)
        if names is None:
            return None
        places[folder] = places.get(folder, set()) | set(filter(_looked_at, names ^ folders[folder].keys()))
        if not places[folder]:
            continue
        found, added = dict(folders[folder]), False
        folder_path = str(content_dir / folder)  # as os.scandir names its entries
        folder_shown = display_path(content_dir / folder)
        for name in places[folder]:
            entry = _PathEntry(folder_path, name)
            outcome: Outcome | None = None
            if os.path.lexists(entry.path):
                outcome, told = _outcome(folder, suffix, entry, folder_shown, root)
                trusted = trusted and told
            before = found.get(name)
            if before is not None:
                was.append(before)
            if outcome is None:
                found.pop(name, None)
            else:
                added = added or before is None
                found[name] = outcome  # in its place, when it was there
                looked.append(outcome)
        folders[folder] = dict(sorted(found.items())) if added else found
    fresh = {file for file in looked if isinstance(file, ContentFile)}
    return (
        _Listing(site, folders, trusted),
        fresh,
        [file for file in was if isinstance(file, ContentFile)],
    )


def _image_candidates(folder: Path, errors: list[ContentError]) -> list[Path]:
    """Everything below content/images/ but the folders; linked folders are listed, never walked."""
    if _listing(folder, errors) is None:
        return []
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        errors.append(_unreadable(Path(exc.filename or folder), exc, "de map"))

    for dirpath, dirnames, filenames in os.walk(folder, onerror=unreadable):
        found.extend(Path(dirpath, name) for name in filenames)
        found.extend(Path(dirpath, name) for name in dirnames if os.path.islink(os.path.join(dirpath, name)))
    return sorted(found)


def _load_images(content_dir: Path, errors: list[ContentError]) -> list[tuple[str, bytes]]:
    root = content_dir.resolve()
    folder = content_dir / "images"
    images: list[tuple[str, bytes]] = []
    for path in _image_candidates(folder, errors):
        rel = path.relative_to(content_dir).as_posix()
        shown = display_path(path)
        problem = _points_outside(path, root)
        if problem:
            errors.append(ContentError(problem, shown))
            continue
        if path.is_dir():
            continue  # a link to a folder inside content/: its files are read where they are
        if path.name.startswith("."):
            continue
        if hidden := hidden_char(rel):
            errors.append(
                ContentError(
                    f"de bestandsnaam bevat een onzichtbaar of besturingsteken ({char_name(hidden)})",
                    shown,
                    hint="hernoem het bestand met gewone letters, cijfers en '-'",
                )
            )
            continue
        suffix = path.suffix.lower()
        if suffix in _CONVERTIBLE:
            errors.append(
                ContentError(
                    f"{_CONVERTIBLE[suffix]} kan een browser niet tonen",
                    shown,
                    hint=f"bewaar de foto als JPEG ({path.stem}.jpg): op een iPhone via Instellingen > Camera > "
                    "Formaten > 'Meest compatibel', of open ze op de computer (Foto's, Voorvertoning, Paint) "
                    "en kies 'Exporteer als' / 'Opslaan als' JPEG",
                )
            )
            continue
        if suffix not in IMAGE_SUFFIXES:
            errors.append(
                ContentError(
                    f"onbekend afbeeldingsformaat '{path.suffix}'",
                    shown,
                    hint="gebruik .jpg, .png, .webp, .gif of .svg",
                )
            )
            continue
        try:
            data, size = read_file(path, MAX_IMAGE_BYTES)
        except OSError as exc:
            errors.append(_unreadable(path, exc, "de afbeelding"))
            continue
        if data is None:
            errors.append(
                ContentError(
                    f"de afbeelding is te groot ({size // 1_000_000} MB; hoogstens 10 MB)",
                    shown,
                    hint="verklein ze eerst (een breedte van 2000 pixels is ruim genoeg)",
                )
            )
            continue
        bad_name = _image_name_problem(path.relative_to(folder), shown)
        if bad_name:
            errors.append(bad_name)
            images.append((rel, b""))  # still listed: the page that uses it gets no second error
            continue
        try:
            data = strip_metadata(rel, data)
        except SvgProblem as exc:
            errors.append(ContentError(f"dit SVG-bestand {exc}", shown, exc.line, hint=SVG_HINT))
            continue
        except ValueError as exc:
            errors.append(ContentError(f"deze afbeelding {exc}", shown, hint=IMAGE_HINT))
            continue
        images.append((rel, data))
    _check_same_names(content_dir, [rel for rel, _ in images], errors)
    return images


def _image_name_problem(rel: Path, shown: str) -> ContentError | None:
    """A name that would break the image's address on the site (space, #, ?, %, accents …)."""
    if all(_URL_SAFE_NAME.fullmatch(part) for part in rel.parts):
        return None
    found = sorted({c for c in "".join(rel.parts) if not re.fullmatch(r"[A-Za-z0-9._-]", c)})
    named = ", ".join("spatie" if c.isspace() else f"'{c}'" for c in found) or "een punt, '-' of '_' vooraan"
    suggestion = "/".join(url_safe_name(part) for part in rel.parts)
    return ContentError(
        f"deze bestandsnaam past niet in een webadres (bevat {named})",
        shown,
        hint=f"hernoem het bestand naar images/{suggestion} en pas het pad aan waar je het gebruikt; "
        "gebruik alleen letters zonder accent, cijfers, '-', '_' en '.'",
    )


def url_safe_name(name: str) -> str:
    """A readable URL-safe form of a file name: accents dropped, other characters become '-'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem, dot, suffix = plain.rpartition(".")
    if not dot:
        stem, suffix = plain, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._").lower() or "afbeelding"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def _check_same_names(content_dir: Path, rels: list[str], errors: list[ContentError]) -> None:
    """Two files whose names differ only in case or Unicode normalisation are one file on macOS,
    Windows and many web hosts: one of them would silently replace the other."""
    first: dict[str, str] = {}
    for rel in rels:
        key = same_file_name(rel)
        if key in first:
            other = first[key]
            if unicodedata.normalize("NFC", rel) == unicodedata.normalize("NFC", other):
                how = "hebben dezelfde naam, met accenten die anders gecodeerd zijn (é als één teken of als e + ´)"
            else:
                how = "verschillen alleen in hoofdletters (of in hoe accenten gecodeerd zijn)"
            errors.append(
                ContentError(
                    f"'{rel}' en '{other}' {how}: op veel computers en webservers is dat hetzelfde bestand",
                    display_path(content_dir / rel),
                    hint=f"hernoem één van beide (of verwijder {display_path(content_dir / other)} als het "
                    "een dubbel is)",
                )
            )
        else:
            first[key] = rel


# --- the journal: content files remembered between builds by their stat ----------------------------

MARKDOWN_FOLDERS = ("articles", "pages")


class Record(NamedTuple):
    """One content file as the journal keeps it: what reading, parsing and the per-file checks made of
    it (a named tuple: a build makes two of each of 10,000 files, a tenth of the cost of a dataclass)."""

    content: bytes
    """Digest of the bytes read (b"" when they were not read: a failed read, a file too large; such a
    record is never trusted on its stat)."""
    taken_ns: int
    """The clock just before the file was opened."""
    source: YamlDoc | MarkdownSource | None
    """(As the disk codec gives it back, a _StoredDoc or _StoredMarkdown: load_content binds it to its
    file, _bound.)"""
    errors: tuple[ContentError, ...]
    """What reading and parsing found (the checks' own errors are in `checked`)."""
    checked: Any = None
    """What Journal.check made of `source` (None: no source, or read without a journal)."""
    stat: tuple[int, int, int, int] | None = None
    """The file's stat when it was listed (ContentFile.stat): the record stands for the file while
    its stat is the same."""


@frozen_dataclass
class Journal:
    """How load_content remembers content files between builds (validate.JOURNAL): the memo space of
    the records, and the per-file checks run on a file whenever it is read again. The records are
    kept in JOURNAL_BUCKETS buckets by the file's place in content/ (each bucket one entry of the
    space: {place: record}, each record with the stat it stands for): a build asks for a few dozen
    entries, not one per file, and an edit writes one bucket again."""

    space: Space[dict[str, Record | tuple[Any, ...]]]
    """(From the disk, each bucket's records come as the rows journal_codec wrote: record_of.)"""
    check: Callable[[str, YamlDoc | MarkdownSource], Any]
    """(folder, source) -> what validation made of one file alone, kept in its record."""
    moved: Callable[[Any, Callable[[ContentError], ContentError]], Any]
    """(checked, how) -> `checked` with `how` applied to its errors: a record read with the file shown
    under another path (a build from another folder) is shown under the new one."""
    checked_from_plain: Callable[[str, Any], Any]
    """(folder, plain) -> `checked` as journal_codec's `checked_to_plain` gave it, back."""
    clean_data: Callable[[Any], Any]
    """(plain) -> the data in `checked` as journal_codec keeps it, when the checks found no problem
    and it may be taken as it is (StoredStory); else None."""

    def record_of(self, row: Record | tuple[Any, ...]) -> Record:
        """The record of a row of a bucket read back from the disk (journal_codec), its source not
        yet bound to its file (_bound); a record as it was kept (the preview's memory) as it is."""
        if isinstance(row, Record):
            return row
        place, stat_key, content, taken_ns, shape, errors, checked = row
        return tuple.__new__(  # a Record without its __new__, a Python function
            Record,
            (
                content,
                taken_ns,
                None if shape is None else _stored(shape, _Reparse(None, content)),  # bound later
                errors_from_plain(errors) if errors else (),
                None if checked is None else self.checked_from_plain(place.partition("/")[0], checked),
                stat_key,
            ),
        )


def journal_codec(checked_to_plain: Callable[[str, Any], Any]) -> Codec[dict[str, Record | tuple[Any, ...]]]:
    """The disk form of a bucket of records, with `checked_to_plain` ((folder, checked) -> plain data;
    Journal.checked_from_plain turns it back): of each record only what the cross-file checks and the
    model need of every file on every build. The source itself is not kept: the file holds it
    (_Reparse, checked by its digest).

    Written with `marshal`, which holds only tuples, lists, dicts, text, numbers, bytes and None
    and reads them back at C speed (a 300x10,000 site's 64 buckets: 0.02 s, JSON 0.05 s before any
    object of its own). Read back, a bucket holds each record as the row written (Journal.record_of
    makes the record when a build asks for it; a settled story without problems never becomes one:
    _StoredStory), and a row read back is written again as it is. Like every entry of the build
    cache it is sealed, and it is read back only by the build that wrote it (the engine version names
    the Python version, whose marshal format it is); anything but the rows written is refused."""

    def row(place: str, record: Record | tuple[Any, ...]) -> tuple[Any, ...]:
        if not isinstance(record, Record):
            return record  # a row as read back
        source = record.source
        shape: tuple[str, bool, int | None] | None = None
        if source is not None:
            doc = source.front if isinstance(source, MarkdownSource) else source
            shape = (doc.src_path, doc.empty, source.body_line if isinstance(source, MarkdownSource) else None)
        folder = place.partition("/")[0]
        checked = None if record.checked is None else checked_to_plain(folder, record.checked)
        return (place, record.stat, record.content, record.taken_ns, shape, errors_to_plain(record.errors), checked)

    def encode(bucket: dict[str, Record | tuple[Any, ...]]) -> bytes:
        return marshal.dumps([row(place, record) for place, record in sorted(bucket.items())])

    def decode(data: bytes) -> dict[str, Record | tuple[Any, ...]]:
        rows = marshal.loads(data)
        if not isinstance(rows, list) or not all(type(row) is tuple and len(row) == _ROW_SIZE for row in rows):
            raise ValueError("not a bucket of journal records")
        return {row[0]: row for row in rows}

    return Codec(encode, decode)


_ROW_SIZE = 7  # (place, stat, content, taken_ns, shape, errors, checked): journal_codec's rows


def _stored(shape: tuple[str, bool, int | None], reparse: _Reparse) -> YamlDoc | MarkdownSource:
    """The source of a record read back from the disk, by its shape (its path as shown when it was
    read, whether its document is empty and, for Markdown, the body's first line): its data, tables
    and body come from its file through `reparse` when first asked for."""
    shown, empty, body_line = shape
    doc = made(_StoredDoc, {"src_path": shown, "_empty": empty, "_reparse": reparse})
    if body_line is None:
        return doc
    return made(_StoredMarkdown, {"front": doc, "body_line": body_line, "_reparse": reparse})


def _bound(file: ContentFile, record: Record, journal: Journal) -> Record | None:
    """A record read back from the disk with its source bound to the file, and its errors shown under
    the file's path as this build shows it; None when that cannot be done (an error that names the
    old path in its text, a record kept as read under another path): the file is then read again."""
    source = record.source
    doc = source.front if isinstance(source, MarkdownSource) else source
    if not isinstance(doc, _StoredDoc) or doc._reparse.file is not None:  # type: ignore[attr-defined]
        # As it was read (the preview's memory), or nothing parsed: its paths are those of that build.
        if (doc is None or doc.src_path == file.shown) and all(error.path == file.shown for error in record.errors):
            return record
        return None
    if doc.src_path == file.shown:
        doc._reparse.file = file  # type: ignore[attr-defined]  # the record as decoded: no copy of 10,000
        return record
    old, new = doc.src_path, file.shown
    names_old = False

    def moved(error: ContentError) -> ContentError:
        nonlocal names_old
        names_old = names_old or old in error.message or old in error.hint
        return replace(error, path=new) if error.path == old else error

    errors = tuple(moved(error) for error in record.errors)
    checked = None if record.checked is None else journal.moved(record.checked, moved)
    if names_old:
        return None
    body_line = source.body_line if isinstance(source, MarkdownSource) else None
    bound = _stored((file.shown, doc.empty, body_line), _Reparse(file, record.content))
    return Record(record.content, record.taken_ns, bound, errors, checked, record.stat)


def _read_record(
    file: ContentFile,
    check: Callable[[str, YamlDoc | MarkdownSource], Any] | None,
    earlier: Record | None = None,
    ahead: tuple[bytes, int, int] | None = None,
) -> Record:
    """Read, parse and check one file; `earlier` (a racy record) is kept when the bytes are the same.
    With `ahead` (ReadAhead.take: its bytes, their size and when they were read), it is not read again."""
    if ahead is not None:
        data, size, taken_ns = ahead
    else:
        taken_ns = time.time_ns()
        try:
            data, size = read_file(Path(file.path), MAX_TEXT_BYTES)
        except OSError as exc:
            return Record(b"", taken_ns, None, (_unreadable(Path(file.path), exc),), stat=file.stat)
    content = b"" if data is None else content_digest(data)
    if earlier is not None and content and content == earlier.content:
        return earlier._replace(taken_ns=taken_ns, stat=file.stat)
    errors: list[ContentError] = []
    text = decode_text(data, size, file.shown, errors)
    source: YamlDoc | MarkdownSource | None = None
    if text is not None:
        if file.folder in MARKDOWN_FOLDERS:
            source, found = parse_markdown_source(text, file.shown)
        else:
            source, found = parse_yaml(text, file.shown)
        errors.extend(found)
    checked = check(file.folder, source) if check is not None and source is not None else None
    return Record(content, taken_ns, source, tuple(errors), checked, file.stat)


def _is_settled(file: ContentFile, record: Record) -> bool:
    """Whether the record may be trusted on the file's unchanged stat alone (the racy-mtime rule: a racy
    file is read again and compared by content, until it is read long enough after its last change)."""
    return file.stat is not None and bool(record.content) and settled(file.stat, record.taken_ns)


def _place(file: ContentFile) -> str:
    # Its place in content/, not its path as shown: a build from another folder finds the same records.
    return f"{file.folder}/{file.slug}"


JOURNAL_BUCKETS = 64


_BUCKETS = [b"bucket-%02d" % n for n in range(JOURNAL_BUCKETS)]


def _bucket_key(place: str) -> bytes:
    """The journal entry that holds the record of the file at `place` (_place): by its place only,
    so that an edit replaces its record in the same bucket."""
    return _BUCKETS[zlib.crc32(place.encode()) % JOURNAL_BUCKETS]


class StoredStory(NamedTuple):
    """A story (content/articles/) taken from its journal row as it is: its stat is the row's and
    settled (_is_settled), it is shown under the row's path, and reading it and its own checks found
    no problem, no image and no invalid value. Nothing of it is made but what the model needs
    (validate.stored_stories restores its data): a rebuild's 10,000 stories, of which one changed.
    Its source is read from the file only when something asks for it (`source`)."""

    slug: str
    file: ContentFile
    content: bytes
    """The digest of the file's bytes (Record.content): its version."""
    body_line: int
    data: Any
    """Its checked data as the journal keeps it (Journal.clean_data)."""

    def source(self) -> MarkdownSource:
        """Its source, parsed from the file when first asked, once the file holds the same bytes
        (as a record's read back: _Reparse). A new object on each call: callers keep it."""
        return _stored((self.file.shown, False, self.body_line), _Reparse(self.file, self.content))  # type: ignore[return-value]


def _stored_story(file: ContentFile, row: tuple[Any, ...], journal: Journal) -> StoredStory | None:
    """The story a journal row read back from the disk stands for, when it may be taken as it is
    (StoredStory), else None (the row becomes a record: Journal.record_of)."""
    _, stat_key, content, taken_ns, shape, errors, checked = row
    if errors or not content or shape is None or shape[0] != file.shown or shape[1] or checked is None:
        return None
    if not settled(stat_key, taken_ns):  # _is_settled, with the stats equal
        return None
    data = journal.clean_data(checked)
    if data is None:
        return None
    return tuple.__new__(StoredStory, (file.slug, file, content, shape[2], data))


Loaded = Record | StoredStory


def _records(
    files: list[ContentFile],
    memo: Memo,
    journal: Journal | None,
    gone: list[ContentFile] | None = None,
    ahead: ReadAhead | None = None,
) -> list[Loaded]:
    """A record of every file: from the journal when its stat is unchanged (and not racy), else read;
    a story whose row may be taken as it is comes as a StoredStory instead.
    With `gone` (the files looked at again, as the last load found them: _rescan), `files` are the
    files of those paths now (the others keep what the last load made of them: _Parts), and only the
    buckets of those files change. A file `ahead` holds is taken from there instead of read."""
    from .parallel import pmap  # imported here, as in memo.remembered_all

    check = journal.check if journal is not None else None
    take = (ahead or ReadAhead()).take

    def read(item: tuple[ContentFile, tuple[bytes, int, int] | None]) -> Record:
        return _read_record(item[0], check, ahead=item[1])

    if journal is None:
        return [read((file, take(file.path))) for file in files]
    if gone is None:
        stored = memo.recalled_all(journal.space, _BUCKETS)
    else:  # only the buckets of the paths looked at again are read (and may change); the others stay
        memo.hold(journal.space, _BUCKETS)
        stored = memo.recalled_all(journal.space, sorted({_bucket_key(_place(file)) for file in [*files, *gone]}))
    kept: dict[str, Record | tuple[Any, ...]] = {}  # the records of those buckets (or their rows), by place
    for bucket in stored.values():
        kept.update(bucket)
    records: list[Loaded | None] = []
    asked: list[tuple[int, str]] = []  # (index, place) of the files asked of the journal
    changed: set[str] = set()  # the places whose records are new (their buckets are kept again)
    for file in files:
        place = f"{file.folder}/{file.slug}"  # _place, written out: some 10,000 files
        asked.append((len(records), place))
        row = kept.get(place)
        record: Record | None = None
        if type(row) is tuple:  # a row read back from the disk
            if row[1] == file.stat:
                story = _stored_story(file, row, journal) if file.folder == "articles" else None
                if story is not None:
                    records.append(story)
                    continue
                record = journal.record_of(row)
        elif row is not None and row.stat == file.stat:
            record = row
        if record is not None:
            bound = _bound(file, record, journal)
            if bound is not None and bound is not record:
                changed.add(place)  # kept as shown now: the next build from here takes it as it is
            record = bound
            if record is not None and not _is_settled(file, record):
                record = _read_record(file, check, earlier=record, ahead=take(file.path))
                changed.add(place)
        if record is None:
            changed.add(place)
        records.append(record)
    todo = [index for index, record in enumerate(records) if record is None]
    reads = [(files[index], take(files[index].path)) for index in todo]  # taken here, not in a worker
    for index, record in zip(todo, pmap(read, reads), strict=True):
        records[index] = record
    # A story taken as it is stays in the journal as the row it was read as.
    listed: dict[str, Record | tuple[Any, ...]] = {
        place: kept[place] if type(records[index]) is StoredStory else records[index]  # type: ignore[misc]
        for index, place in asked
    }
    if gone is None:  # every file was asked: the journal's other records are of files gone since
        dropped = kept.keys() - listed.keys()
        touched = changed | dropped
    else:  # only the files looked at again were asked
        dropped = {_place(file) for file in gone} - listed.keys()
        touched = listed.keys() | dropped
    # Only the buckets of what changed are made again (by its bucket key: _bucket_key), not all 64.
    by_bucket: dict[bytes, list[str]] = {}
    for place in touched:
        by_bucket.setdefault(_bucket_key(place), []).append(place)
    for name, places in sorted(by_bucket.items()):
        before = stored.get(name, {})
        # With this build's records (a record bound to another path: _bound) of the files listed.
        bucket = {place: listed.get(place, record) for place, record in before.items() if place not in dropped}
        bucket.update((place, listed[place]) for place in places if place in listed)
        if not changed.isdisjoint(places) or bucket.keys() != before.keys():
            memo.keep(journal.space, name, bucket)  # an emptied bucket too: it holds no stale record
    return records  # type: ignore[return-value]


def load_content(
    content_dir: Path,
    memo: Memo,
    journal: Journal | None = None,
    changed: Iterable[str] | None = None,
    walk: Walk | None = None,
) -> RawContent:
    """Read site.yaml, igs/*.yaml, articles/*.md, pages/*.md, images/ and the generated geo/ files
    from `content_dir`. With a journal, a text file whose stat is unchanged since an earlier build
    is not read again: its record (with what the per-file checks made of it) comes from the memo.
    `changed`: the paths below content_dir (relative to it, '/' between parts) that may have changed
    since the last load of this folder with this memo, as file events tell them (the preview); None
    when that is not known. Given, only the text files of those paths are looked at again.
    `walk`: the entries below content_dir as sitegen.tree.tree_state found them earlier in this
    build (the no-op check's walk), by path: a regular file's stat is taken from there instead of
    asked again. Taken before its file is read, as a stat of its own would be, it is as sound: a
    record stands for the stat taken before its bytes were read (and the racy-mtime rule holds).
    A racy file's bytes, read by the walk right after its stat, are taken from there too."""
    errors: list[ContentError] = []
    if not content_dir.is_dir():
        raise ContentErrors([ContentError("de inhoudsmap bestaat niet of is geen map", display_path(content_dir))])

    place = f"{os.path.abspath(content_dir)}\0{os.getcwd()}".encode()  # what the shown paths follow
    last = memo.recalled(LISTING, place) if journal is not None and changed is not None else None
    places = _places(changed) if last is not None and last.trusted and changed is not None else None
    rescanned = _rescan(last, places, content_dir) if last is not None and places is not None else None
    if rescanned is not None:
        assert last is not None and last.parts is not None  # kept with its parts
        listing, fresh, gone = rescanned
        errors += listing.errors()
        files = sorted(fresh, key=operator.attrgetter("shown"))
        parts = last.parts.updated(gone, files, _records(files, memo, journal, gone))
    else:
        listing = _scan(content_dir, errors, walk.states if walk is not None else None)
        files = listing.files()
        parts = _Parts()
        parts.add(files, _records(files, memo, journal, ahead=walk.ahead if walk is not None else None))
    if journal is not None:
        memo.keep(LISTING, place, replace(listing, parts=parts))
    errors.extend(itertools.chain.from_iterable(parts.errors.values()))

    images = _load_images(content_dir, errors)
    register = _generated(content_dir, REGISTER_REL_PATH, REGISTER_WHAT)
    topology = _generated(content_dir, TOPOLOGY_REL_PATH, TOPOLOGY_WHAT)
    igs, articles, pages = (tuple(parts.sources[folder].values()) for folder, _ in TEXT_FOLDERS)
    shown = len(articles) + len(parts.stories)
    logger.info("Loaded %d IGS, %d articles, %d pages, %d images", len(igs), shown, len(pages), len(images))
    return RawContent(
        content_dir=content_dir,
        site=YamlDoc(display_path(content_dir / "site.yaml"), None) if parts.site is None else parts.site,
        igs=igs,
        articles=articles,
        pages=pages,
        images=tuple(images),
        errors=tuple(errors),
        register=register,
        topology=topology,
        checked=parts.checked,
        versions=parts.versions,
        stories=tuple(parts.stories.values()),
    )
