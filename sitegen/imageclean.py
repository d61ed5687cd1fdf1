"""What of an image in content/images/ may be published.

Photos carry their camera's metadata: GPS position, camera and serial number, the date, the
editor's name, thumbnails of the uncropped picture, comments. `strip_metadata` removes all of it
from JPEG, PNG, WebP and GIF without re-encoding (the pixels stay byte for byte), keeping only what
the picture needs to look right: colour profiles and, as the only EXIF field, the orientation.
Bytes after the end of the image (e.g. the video of a "motion photo") are dropped too. The result
depends on the input bytes only, so builds stay byte-identical.

SVG is a document that can run script in the site's origin when opened directly, so `svg_problem`
refuses scripts, event handlers, external references and foreignObject; `strip_metadata` removes
<metadata>, comments and the editor's own elements and attributes (Inkscape and Sodipodi: file
paths, names).
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote
from xml.parsers import expat

ORIENTATION = 0x0112

# --- JPEG


_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn: no length
# Segments a decoder needs; APP0 (JFIF), APP2 (ICC profile) and APP14 (Adobe colour transform) are
# judged by their content below. Everything else (EXIF, XMP, IPTC, comments, maker notes) goes.
_JPEG_KEEP = {0xC4, 0xCC, 0xDB, 0xDD, 0xDC, *range(0xC0, 0xC4), *range(0xC5, 0xCC), *range(0xCD, 0xD0)}


def _jpeg_segment_kept(marker: int, payload: bytes) -> bool:
    if marker in _JPEG_KEEP:
        return True
    if marker == 0xE0:  # JFIF, unless it carries a thumbnail
        return payload.startswith(b"JFIF\0") and len(payload) >= 14 and payload[12:14] == b"\0\0"
    if marker == 0xE2:
        return payload.startswith(b"ICC_PROFILE\0")
    if marker == 0xEE:
        return payload.startswith(b"Adobe")
    return False


def _strip_jpeg(data: bytes, orientation: int) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("is geen geldig JPEG-bestand")
    out = [b"\xff\xd8"]
    if orientation != 1:
        exif = _orientation_exif(orientation)
        out.append(b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
    pos = 2
    end = len(data)
    while True:
        # Entropy-coded data (after a start of scan) runs until a marker that is not 0xFF00 or RSTn.
        if pos >= end:
            raise ValueError("is onvolledig (het einde van het JPEG-bestand ontbreekt)")
        if data[pos] != 0xFF:
            raise ValueError("is beschadigd (onverwachte bytes tussen de JPEG-blokken)")
        while pos < end and data[pos] == 0xFF:
            pos += 1  # fill bytes
        if pos >= end:
            raise ValueError("is onvolledig (het einde van het JPEG-bestand ontbreekt)")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            out.append(b"\xff\xd9")
            return b"".join(out)  # anything after the end of the image is dropped
        if marker in _JPEG_STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        if pos + 2 > end:
            raise ValueError("is onvolledig (een JPEG-blok is afgebroken)")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2:
            raise ValueError("is beschadigd (een JPEG-blok heeft een verkeerde lengte)")
        if pos + length > end:
            raise ValueError("is onvolledig (het bestand houdt op midden in een JPEG-blok)")
        segment = data[pos - 2 : pos + length]
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == 0xDA:  # start of scan: copy the header and the coded data after it
            scan_end = _scan_end(data, pos)
            out.append(segment + data[pos:scan_end])
            pos = scan_end
        elif _jpeg_segment_kept(marker, payload):
            out.append(segment)


def _scan_end(data: bytes, pos: int) -> int:
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise ValueError("is onvolledig (het einde van het JPEG-bestand ontbreekt)")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos = found + 1
            continue
        return found


# --- PNG

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Image data, transparency, colour and animation; text (tEXt, zTXt, iTXt: XMP), eXIf, tIME and
# private chunks go.
_PNG_KEEP = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP",
    b"mDCV", b"cLLI", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import zlib

    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _strip_png(data: bytes, orientation: int) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError("is geen geldig PNG-bestand")
    out = [_PNG_SIGNATURE]
    pos = len(_PNG_SIGNATURE)
    while True:
        if pos + 8 > len(data):
            raise ValueError("is onvolledig (het einde van het PNG-bestand ontbreekt)")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk_end = pos + 12 + length
        if chunk_end > len(data):
            raise ValueError("is onvolledig (het bestand houdt op midden in een PNG-blok)")
        if kind in _PNG_KEEP:
            out.append(data[pos:chunk_end])
        if kind == b"IHDR" and orientation != 1:
            out.append(_png_chunk(b"eXIf", _orientation_exif(orientation).removeprefix(b"Exif\0\0")))
        pos = chunk_end
        if kind == b"IEND":
            return b"".join(out)


# --- WebP


def _strip_webp(data: bytes, orientation: int) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("is geen geldig WebP-bestand")
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end > len(data):
        raise ValueError("is onvolledig (het einde van het WebP-bestand ontbreekt)")
    chunks = []
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise ValueError("is beschadigd (een WebP-blok is afgebroken)")
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        chunk_end = pos + 8 + size + (size & 1)
        if pos + 8 + size > end:
            raise ValueError("is onvolledig (het bestand houdt op midden in een WebP-blok)")
        if kind not in (b"EXIF", b"XMP "):
            chunks.append([kind, data[pos + 8 : pos + 8 + size]])
        pos = chunk_end
    extended = next((chunk for chunk in chunks if chunk[0] == b"VP8X" and chunk[1]), None)
    if extended is not None:  # the simple formats (no VP8X) cannot carry metadata at all
        flags = extended[1][0] & ~0x0C  # no EXIF (0x08) and no XMP (0x04) any more
        if orientation != 1:
            flags |= 0x08
            chunks.append([b"EXIF", _orientation_exif(orientation).removeprefix(b"Exif\0\0")])
        extended[1] = bytes((flags,)) + extended[1][1:]
    body = b"".join(
        kind + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) & 1 else b"")
        for kind, payload in chunks
    )
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


# --- GIF

_GIF_APPLICATIONS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")  # animation loops; XMP and others go


def _gif_sub_blocks(data: bytes, pos: int) -> int:
    """The position after the sub-blocks that start at `pos`."""
    while True:
        if pos >= len(data):
            raise ValueError("is onvolledig (het einde van het GIF-bestand ontbreekt)")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _strip_gif(data: bytes, orientation: int) -> bytes:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise ValueError("is geen geldig GIF-bestand")
    pos = 13
    if data[10] & 0x80:
        pos += 3 * 2 ** ((data[10] & 0x07) + 1)
    out = [data[:pos]]
    while True:
        if pos >= len(data):
            raise ValueError("is onvolledig (het einde van het GIF-bestand ontbreekt)")
        block = data[pos]
        if block == 0x3B:
            out.append(b"\x3b")
            return b"".join(out)
        if block == 0x21 and pos + 2 <= len(data):
            label = data[pos + 1]
            end = _gif_sub_blocks(data, pos + 2)
            application = data[pos + 3 : pos + 14] if label == 0xFF else b""
            if label in (0xF9, 0x01) or application in _GIF_APPLICATIONS:
                out.append(data[pos:end])
            pos = end
        elif block == 0x2C and pos + 10 <= len(data):
            start = pos
            packed = data[pos + 9]
            pos += 10
            if packed & 0x80:
                pos += 3 * 2 ** ((packed & 0x07) + 1)
            end = _gif_sub_blocks(data, pos + 1)
            out.append(data[start:end])
            pos = end
        else:
            raise ValueError("is beschadigd (onverwachte bytes tussen de GIF-blokken)")


# --- shared


def _orientation_exif(orientation: int) -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return exif.tobytes()


def _orientation(data: bytes) -> int:
    """The EXIF orientation (1 when there is none or it cannot be read)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about damaged EXIF
            with Image.open(io.BytesIO(data)) as image:
                value = image.getexif().get(ORIENTATION, 1)
    except Exception:  # damaged EXIF of any kind: no known orientation
        return 1
    return value if isinstance(value, int) and 2 <= value <= 8 else 1


_STRIPPERS = {
    ".jpg": _strip_jpeg,
    ".jpeg": _strip_jpeg,
    ".png": _strip_png,
    ".webp": _strip_webp,
    ".gif": _strip_gif,
}


def strip_metadata(rel: str, data: bytes) -> bytes:
    """The bytes to publish for content image `rel`; ValueError (Dutch, without the file name)
    when the file cannot be read or, for SVG, is not safe to publish."""
    suffix = rel[rel.rfind(".") :].lower()
    if suffix == ".svg":
        return _clean_svg(data)
    strip = _STRIPPERS.get(suffix)
    if strip is None:
        return data
    orientation = _orientation(data) if suffix != ".gif" else 1
    return strip(data, orientation)


# --- SVG

_SVG_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_EDITOR_NAMESPACES = ("sodipodi", "inkscape", "sketch", "serif")  # drawing programs' own data
_URL_IN_CSS = re.compile(r"url\(\s*(['\"]?)\s*(?!#)[^)'\"\s]", re.IGNORECASE)
_RASTER_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
IMAGE_HINT = "open de afbeelding in een fotoprogramma en bewaar ze opnieuw als JPEG, PNG of WebP"
SVG_HINT = (
    "een SVG op de site mag geen scripts, gebeurtenissen (onload, onclick …), <foreignObject> of "
    "verwijzingen naar andere bestanden of sites bevatten: haal die eruit (of bewaar opnieuw als "
    "'gewone SVG') of sla de afbeelding op als PNG"
)


class _SvgRefused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class SvgProblem(ValueError):
    """An SVG that may not be published; `line` is where the problem is (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].lower()


def _prefix(name: str) -> str:
    return name.split(":", 1)[0].lower() if ":" in name else ""


def _check_reference(value: str, line: int) -> None:
    value = value.strip()
    if value.startswith("#") or _RASTER_DATA.fullmatch(value):
        return
    shown = value if len(value) <= 60 else value[:57] + "…"
    raise _SvgRefused(f"verwijst naar '{shown}' (alleen verwijzingen binnen het bestand zijn toegelaten)", line)


def _check_css(text: str, line: int) -> None:
    if "@import" in text.lower() or _URL_IN_CSS.search(text) or "expression(" in text.lower():
        raise _SvgRefused("bevat CSS die een ander bestand laadt (url(…) of @import)", line)


def _clean_svg(data: bytes) -> bytes:
    """`data` without metadata; raises SvgProblem when the SVG is unsafe or not well-formed."""
    if b"\0" in data:  # UTF-16 or binary: the byte positions below assume an ASCII-compatible text
        raise SvgProblem("is niet als UTF-8-tekst bewaard", 1)
    parser = expat.ParserCreate()
    cuts: list[tuple[int, int]] = []  # byte ranges to remove
    open_tags: list[tuple[str, int]] = []  # (name, start byte of a removed element)
    styles: list[list[str]] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        local = _local(name)
        if local in _SVG_FORBIDDEN_ELEMENTS:
            raise _SvgRefused(f"bevat een <{name}>-element", line)
        for attribute, value in attributes.items():
            attr = _local(attribute)
            if attr.startswith("on"):
                raise _SvgRefused(f"bevat een gebeurtenis ({attribute}=…) die een script start", line)
            if attr in ("href", "src") or attribute.lower() == "xlink:href":
                _check_reference(value, line)
            elif attr == "style" or "url(" in value.lower():
                _check_css(value, line)
            if local in ("set", "animate") and attr == "attributename" and _local(value) in ("href", "src"):
                raise _SvgRefused(f"verandert een verwijzing met <{name}>", line)
        removed = local == "metadata" or _prefix(name) in _EDITOR_NAMESPACES
        open_tags.append((name, parser.CurrentByteIndex if removed else -1))
        if local == "style":
            styles.append([])

    def end(name: str) -> None:
        tag, removed_from = open_tags.pop()
        if removed_from >= 0 and not any(start_byte >= 0 for _, start_byte in open_tags):
            stop = parser.CurrentByteIndex
            # An empty element (<x/>) ends where it starts; otherwise cut through the end tag.
            cuts.append((removed_from, _after(b">", stop)))
        if _local(tag) == "style":
            _check_css("".join(styles.pop()), parser.CurrentLineNumber)

    def text(value: str) -> None:
        if styles:
            styles[-1].append(value)

    def _after(token: bytes, start: int) -> int:
        found = data.find(token, start)
        if found < 0:
            raise _SvgRefused("is onvolledig (het bestand houdt midden in een element op)", parser.CurrentLineNumber)
        return found + len(token)

    def comment(_: str) -> None:
        if not any(start_byte >= 0 for _, start_byte in open_tags):
            begin = parser.CurrentByteIndex
            cuts.append((begin, _after(b"-->", begin)))

    def doctype(*_: object) -> None:
        raise _SvgRefused(
            "bevat een DOCTYPE (die kan andere bestanden laden of eindeloos groeien)", parser.CurrentLineNumber
        )

    def instruction(target: str, _: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise _SvgRefused("laadt een stylesheet (<?xml-stylesheet?>)", parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    parser.CommentHandler = comment
    try:
        parser.Parse(data, True)
    except _SvgRefused as exc:
        raise SvgProblem(str(exc), exc.line) from None
    except expat.ExpatError as exc:
        raise SvgProblem(f"is geen geldig SVG-bestand ({expat.errors.messages[exc.code]})", exc.lineno) from None
    kept = []
    pos = 0
    for start_byte, stop in sorted(cuts):
        kept.append(data[pos:start_byte])
        pos = stop
    kept.append(data[pos:])
    return _strip_editor_attributes(b"".join(kept))


# Attributes such as inkscape:export-filename="/home/name/…" or sodipodi:docname (the namespace
# declarations stay: they are fixed addresses and keep the document well-formed).
_EDITOR_ATTRIBUTE = re.compile(
    rb"""\s(?:%s):[\w.-]+\s*=\s*(?:"[^"]*"|'[^']*')""" % b"|".join(p.encode() for p in _EDITOR_NAMESPACES)
)


def _strip_editor_attributes(data: bytes) -> bytes:
    return _EDITOR_ATTRIBUTE.sub(b"", data)


# --- images of unpublished pages

_IMAGE_REF = re.compile(r"images/[^\s()\[\]<>\"'`|{}\\^?#]+")


def image_refs(values: Iterable[object]) -> set[str]:
    """Every content path images/… that a string in `values` (nested dicts, lists) mentions."""
    found: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            found.update(unquote(m.rstrip(".,;:!")) for m in _IMAGE_REF.findall(value))
        elif isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return found


def published_images(
    images: tuple[tuple[str, bytes], ...], unpublished: set[str], published: Callable[[], set[str]]
) -> tuple[tuple[str, bytes], ...]:
    """`images` without those that only unpublished items (drafts, future dates) mention (`unpublished`:
    the paths they name, image_refs; `published()`: those the published items name): a photo for a
    coming article is not on the site before the article is. Images nothing mentions stay."""
    if not unpublished:  # the usual case: no published text needs reading
        return images
    withheld = unpublished - published()
    return tuple((rel, data) for rel, data in images if rel not in withheld)
