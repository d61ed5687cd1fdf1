"""Stage 1: read everything under content/ (and the assets) into plain data with source positions.

Nothing here judges the content beyond what is needed to read it: a file that cannot be read or
parsed yields a ContentError, the rest is left to validation.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chars import char_name, hidden_char, same_file_name
from .deps import digest
from .errors import ContentError, ContentErrors, os_reason
from .imageclean import IMAGE_HINT, SVG_HINT, SvgProblem, strip_metadata
from .memo import Memo, Space, frozen_pairs, json_codec
from .yamlsrc import YamlDoc, parse_yaml

logger = logging.getLogger(__name__)

MAX_TEXT_BYTES = 1_000_000
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


@dataclass(frozen=True)
class MarkdownSource:
    """A Markdown file: its front matter and its body, with the body's first line number."""

    front: YamlDoc
    body: str
    body_line: int


@dataclass(frozen=True)
class GeneratedText:
    """A file under content/geo/ (made by `python build.py geo`) as read: its text and its path as
    shown, or the ContentError that says why it could not be read (register.py and geometry.py
    parse it; the pipeline decides when a problem with it stops the build)."""

    shown: str
    text: str = ""
    problem: ContentError | None = None


@dataclass(frozen=True)
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

    def display_path(self, rel: str) -> str:
        return display_path(self.content_dir / rel)


def display_path(path: Path) -> str:
    """A path as editors see it: relative to the working directory when it lies below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


class NotARegularFile(OSError):
    """A FIFO, socket or device where a file belongs: reading it could block forever."""

    def __init__(self, path: Path) -> None:
        super().__init__(errno.ENXIO, "geen gewoon bestand (een pipe, socket of apparaat)", str(path))


def read_file(path: Path, limit: int) -> tuple[bytes | None, int]:
    """(bytes, size) of a regular file, or (None, size) when it is larger than `limit`.

    Opened without blocking and checked after opening, so a FIFO or a device put in place of a
    file (even between a check and the read) is an OSError, never a build that hangs.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(path)
        if info.st_size > limit:
            return None, info.st_size
        data = stream.read(limit + 1)
    return (data, len(data)) if len(data) <= limit else (None, len(data))


def _unreadable(path: Path, exc: OSError, what: str = "het bestand") -> ContentError:
    return ContentError(f"kan {what} niet lezen: {os_reason(exc)}", display_path(path))


def read_text(path: Path, errors: list[ContentError]) -> str | None:
    """Read a UTF-8 text file (BOM and CRLF accepted); problems become content errors."""
    shown = display_path(path)
    try:
        data, size = read_file(path, MAX_TEXT_BYTES)
    except OSError as exc:
        errors.append(_unreadable(path, exc))
        return None
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


def _yaml_to_plain(parsed: tuple[YamlDoc, tuple[ContentError, ...]]) -> list[Any]:
    doc, errors = parsed
    tables = [
        [[list(path), value] for path, value in table.items()]
        for table in (doc.value_pos, doc.key_pos, doc.raw_scalars)
    ]
    return [doc.src_path, doc.data, *tables, [[e.message, e.path, e.line, e.col, e.hint] for e in errors]]


def _yaml_from_plain(plain: list[Any]) -> tuple[YamlDoc, tuple[ContentError, ...]]:
    src_path, data, value_pos, key_pos, raw, errors = plain
    positions = [{path: tuple(pos) for path, pos in frozen_pairs(table).items()} for table in (value_pos, key_pos)]
    doc = YamlDoc(src_path, data, *positions, frozen_pairs(raw))
    return doc, tuple(ContentError(*error) for error in errors)


YAML: Space[tuple[YamlDoc, tuple[ContentError, ...]]] = Space("yaml", json_codec(_yaml_to_plain, _yaml_from_plain))


def read_yaml(memo: Memo, text: str, shown: str, line_offset: int = 0) -> tuple[YamlDoc, list[ContentError]]:
    """parse_yaml, remembered by the text itself."""

    def parse() -> tuple[YamlDoc, tuple[ContentError, ...]]:
        doc, errors = parse_yaml(text, shown, line_offset)
        return doc, tuple(errors)

    doc, errors = memo.remembered(YAML, digest(text, shown, line_offset), parse)
    return doc, list(errors)


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


def parse_markdown_source(
    text: str, shown: str, memo: Memo | None = None
) -> tuple[MarkdownSource | None, list[ContentError]]:
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
            doc, errors = read_yaml(memo or Memo(), front_text, shown, line_offset=1)
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


def _listing(folder: Path, errors: list[ContentError]) -> list[Path] | None:
    """The entries of a content folder, sorted; None (and an error) when it is not a readable folder."""
    if not os.path.lexists(folder):
        return None
    try:
        return sorted(folder.iterdir())
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


def _content_files(folder: Path, suffix: str, content_dir: Path, errors: list[ContentError]) -> list[tuple[str, Path]]:
    """The (slug, path) pairs in one content folder, sorted; strays and bad names are errors."""
    listing = _listing(folder, errors)
    if listing is None:
        return []
    found: list[tuple[str, Path]] = []
    root = content_dir.resolve()
    for path in listing:
        name = path.name
        if name.startswith(".") or name.endswith("~"):
            continue  # editor backups and hidden files
        shown = display_path(path)
        problem = _points_outside(path, root)
        if problem:
            errors.append(ContentError(problem, shown))
            continue
        if path.is_dir():
            errors.append(ContentError("onverwachte map: hier horen alleen bestanden", shown))
            continue
        if not name.endswith(suffix):
            errors.append(
                ContentError(
                    f"onverwacht bestand: bestanden in deze map eindigen op '{suffix}'",
                    shown,
                    hint=f"hernoem het naar {path.stem.lower()}{suffix} of verplaats het",
                )
            )
            continue
        slug = name[: -len(suffix)]
        if not _SLUG.fullmatch(slug):
            suggestion = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-") or "naam"
            errors.append(
                ContentError(
                    f"ongeldige bestandsnaam '{name}': gebruik alleen kleine letters a-z, cijfers en '-'",
                    shown,
                    hint=f"hernoem het bestand naar {suggestion}{suffix}",
                )
            )
            continue
        found.append((slug, path))
    return found


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


def load_content(content_dir: Path, memo: Memo) -> RawContent:
    """Read site.yaml, igs/*.yaml, articles/*.md, pages/*.md, images/ and the generated geo/ files
    from `content_dir`."""
    errors: list[ContentError] = []
    if not content_dir.is_dir():
        raise ContentErrors([ContentError("de inhoudsmap bestaat niet of is geen map", display_path(content_dir))])

    site_path = content_dir / "site.yaml"
    site_doc = YamlDoc(display_path(site_path), None)
    if not os.path.lexists(site_path):
        errors.append(ContentError("site.yaml ontbreekt", display_path(site_path)))
    else:
        text = read_text(site_path, errors)
        if text is not None:
            site_doc, found = read_yaml(memo, text, display_path(site_path))
            errors.extend(found)

    igs: list[tuple[str, YamlDoc]] = []
    for slug, path in _content_files(content_dir / "igs", ".yaml", content_dir, errors):
        text = read_text(path, errors)
        if text is None:
            continue
        doc, found = read_yaml(memo, text, display_path(path))
        errors.extend(found)
        igs.append((slug, doc))

    def markdown_folder(name: str) -> list[tuple[str, MarkdownSource]]:
        sources = []
        for slug, path in _content_files(content_dir / name, ".md", content_dir, errors):
            text = read_text(path, errors)
            if text is None:
                continue
            source, found = parse_markdown_source(text, display_path(path), memo)
            errors.extend(found)
            if source is not None:
                sources.append((slug, source))
        return sources

    articles = markdown_folder("articles")
    pages = markdown_folder("pages")
    images = _load_images(content_dir, errors)
    register = _generated(content_dir, REGISTER_REL_PATH, REGISTER_WHAT)
    topology = _generated(content_dir, TOPOLOGY_REL_PATH, TOPOLOGY_WHAT)
    logger.info("Loaded %d IGS, %d articles, %d pages, %d images", len(igs), len(articles), len(pages), len(images))
    return RawContent(
        content_dir=content_dir,
        site=site_doc,
        igs=tuple(igs),
        articles=tuple(articles),
        pages=tuple(pages),
        images=tuple(images),
        errors=tuple(errors),
        register=register,
        topology=topology,
    )
