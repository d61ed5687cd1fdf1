"""Responsive images: coordinator photos and article images resized at build time with Pillow.

Every raster image that a content file uses becomes a few widths in WebP plus a JPEG (or, for
images with transparency, PNG) fallback, never wider than the original. The bytes are
deterministic: metadata (EXIF, ICC, comments) is dropped after applying the EXIF orientation, and
quality settings are fixed. SVG is published as imageclean left it. Results are {out_path: bytes}
for the render stage; nothing is written here.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from markupsafe import Markup, escape

from .errors import ContentError
from .frozen import frozen_dataclass

logger = logging.getLogger(__name__)

WIDTHS = (480, 960, 1440)
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 80
JPEG_QUALITY = 82
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@frozen_dataclass
class Variant:
    out_path: str  # relative to output/
    width: int
    height: int


@frozen_dataclass
class Picture:
    """One source image and its resized variants; `fallback_type` is the <img> format."""

    src: str  # relative to content/, e.g. images/foto.jpg
    width: int
    height: int
    webp: tuple[Variant, ...] = ()
    fallback: tuple[Variant, ...] = ()
    fallback_type: str = ""

    @property
    def is_svg(self) -> bool:
        return not self.fallback


@frozen_dataclass
class ImageUse:
    """Where a content file uses an image: for error messages."""

    src: str  # relative to content/
    used_by: str  # display path of the content file
    line: int = 0


def target_widths(width: int) -> tuple[int, ...]:
    """The widths to make for an image `width` pixels wide: never wider than the original."""
    if width > WIDTHS[-1]:
        return WIDTHS
    return (*(w for w in WIDTHS if w < width), width)


def _variant_path(src: str, width: int, suffix: str) -> str:
    pure = PurePosixPath(src)
    return (pure.parent / f"{pure.stem}-{width}w{suffix}").as_posix()


def _encode(image: object, fmt: str) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if fmt == "WEBP":
        options = {"quality": WEBP_QUALITY, "method": 4}
    elif fmt == "JPEG":
        options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": True}
    elif fmt == "PNG":
        options = {"optimize": True}
    image.save(buffer, fmt, **options)  # type: ignore[attr-defined]
    return buffer.getvalue()


def process_image(src: str, data: bytes) -> tuple[Picture, dict[str, bytes]]:
    """Resize one image; raises ValueError with a Dutch message for images we cannot use."""
    if src.lower().endswith(".svg"):
        return Picture(src, 0, 0), {}
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"is te groot ({width}×{height} pixels; hoogstens {MAX_PIXELS // 1_000_000} megapixel)"
                )
            opened.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ValueError("is geen JPEG-, PNG-, WebP- of GIF-bestand dat gelezen kan worden") from exc
        raise ValueError(f"is te groot (hoogstens {MAX_PIXELS // 1_000_000} megapixel)") from exc
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"kan niet gelezen worden: het bestand is beschadigd ({exc})") from exc
    image = ImageOps.exif_transpose(opened)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.info = {}  # no EXIF, ICC or comments in the output
    fallback_fmt, fallback_suffix = ("PNG", ".png") if has_alpha else ("JPEG", ".jpg")
    files: dict[str, bytes] = {}
    webp: list[Variant] = []
    fallback: list[Variant] = []
    for w in target_widths(image.width):
        h = max(1, round(image.height * w / image.width))
        resized = image if w == image.width else image.resize((w, h), Image.Resampling.LANCZOS)
        for fmt, suffix, into in (("WEBP", ".webp", webp), (fallback_fmt, fallback_suffix, fallback)):
            out = _variant_path(src, w, suffix)
            files[out] = _encode(resized, fmt)
            into.append(Variant(out, w, h))
    picture = Picture(src, image.width, image.height, tuple(webp), tuple(fallback), f"image/{fallback_fmt.lower()}")
    return picture, files


def process_images(
    images: Iterable[tuple[str, bytes]], uses: Iterable[ImageUse]
) -> tuple[dict[str, Picture], dict[str, bytes], list[ContentError]]:
    """Resize every image that content uses; errors name the content file that uses the image."""
    data = dict(images)
    by_src: dict[str, list[ImageUse]] = {}
    for use in uses:
        by_src.setdefault(use.src, []).append(use)
    pictures: dict[str, Picture] = {}
    files: dict[str, bytes] = {}
    errors: list[ContentError] = []
    for src in sorted(by_src):
        if src not in data:
            continue  # validate reports unknown images
        try:
            picture, made = process_image(src, data[src])
        except ValueError as exc:
            hint = "sla de foto op als JPEG, PNG of WebP van hoogstens 4000 pixels breed"
            errors += [ContentError(f"afbeelding {src} {exc}", u.used_by, u.line, hint=hint) for u in by_src[src]]
            continue
        pictures[src] = picture
        files.update(made)
    logger.info("Resized %d images into %d files", len(pictures), len(files))
    return pictures, files, errors


def find_line(path: str, needle: str) -> int:
    """The first line of the content file `path` that mentions `needle` (0 if none)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0


def picture_html(picture: Picture, href: str, alt: str, sizes: str, *, lazy: bool = True, cls: str = "") -> Markup:
    """<picture> with WebP and fallback srcsets, explicit width/height and lazy/async loading.

    `href` maps an output path (relative to output/) to the URL the page links to.
    """
    extra = Markup(' loading="lazy"') if lazy else Markup("")
    klass = Markup(' class="{}"').format(cls) if cls else Markup("")
    if picture.is_svg:
        return Markup('<img src="{}" alt="{}"{}{} decoding="async">').format(href(picture.src), alt, klass, extra)

    def srcset(variants: tuple[Variant, ...]) -> str:
        return ", ".join(f"{href(v.out_path)} {v.width}w" for v in variants)

    largest = picture.fallback[-1]
    default = next((v for v in picture.fallback if v.width >= 960), largest)
    return Markup(
        '<picture><source type="image/webp" srcset="{webp}" sizes="{sizes}">'
        '<img src="{src}" srcset="{fallback}" sizes="{sizes}" width="{w}" height="{h}" alt="{alt}"{klass}{extra}'
        ' decoding="async"></picture>'
    ).format(
        webp=srcset(picture.webp),
        fallback=srcset(picture.fallback),
        sizes=sizes,
        src=href(default.out_path),
        w=largest.width,
        h=largest.height,
        alt=escape(alt),
        klass=klass,
        extra=extra,
    )
