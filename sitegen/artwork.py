"""Generated pictures, so that no page needs a stock photo.

- Card pictures: a small SVG of Flanders with one IGS's area in its map colour (or Flanders alone),
  for the story and IGS cards that have no photo of their own.
- Social cards: a 1200 × 630 PNG per page for `og:image` (title, kicker, the IGS's area or Flanders,
  the site's name), drawn with Pillow in a font from the pinned `font-rhd` package (Red Hat Display,
  SIL Open Font License) with Pillow's basic layout engine and compressed with the pinned `isal`
  (ISA-L), so the bytes depend only on the input, the pinned versions and the processor's family
  (ISA-L's deflate: see _drawing), never on the machine's fonts or clock.

Both start from the locator SVGs of the map stage (an outline path and, for an IGS, an area path in
the same view box); nothing here reads content files.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import isal
from isal import isal_zlib

from .deps import digest
from .frozen import frozen_dataclass
from .memo import BYTES, Space

# Pillow is imported where a card is drawn, not with this module: most rebuilds draw none (a story's
# text edited) and need only the cards' keys, which do not import Pillow's drawing modules.
if TYPE_CHECKING:
    from PIL import Image, ImageFont

SOCIAL_CARDS: Space[bytes] = Space("social-cards", BYTES, held=False)
"""The PNG of each social card, under social_card_key of its arguments."""

CARD_WIDTH, CARD_HEIGHT = 1200, 630
BRAND = "#0b5563"
BRAND_DEEP = "#073c46"
AMBER = "#f3b23c"
BERRY = "#a3144a"
LAND_LIGHT = "#d3e2e5"
LAND_DARK = "#2a3b40"
LAND_ON_CARD = "#1d5a66"

_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')
_PATH = re.compile(r'<path d="([^"]*)"')
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@frozen_dataclass
class Shapes:
    """Flanders and (optionally) one area, as SVG path data in a `width` × `height` view box."""

    width: float
    height: float
    outline: str
    area: str = ""

    def rings(self, path: str) -> list[list[tuple[float, float]]]:
        """The closed rings of an "M x y x y … Z" path (the only commands the locators use)."""
        rings = []
        for part in path.split("M")[1:]:
            numbers = [float(n) for n in _NUMBER.findall(part.split("Z")[0])]
            points = list(zip(numbers[0::2], numbers[1::2], strict=False))
            if len(points) >= 3:
                rings.append(points)
        return rings


def shapes_from_locator(svg: str) -> Shapes | None:
    """The outline and area of a locator SVG (sitegen.geometry.locator_svg); None if it has neither."""
    box = _VIEWBOX.search(svg)
    paths = _PATH.findall(svg)
    if box is None or not paths:
        return None
    return Shapes(float(box[1]), float(box[2]), paths[0], paths[1] if len(paths) > 1 else "")


def card_svg(shapes: Shapes, colour: str | None) -> str:
    """A card picture, 2:1: an IGS's area in `colour`, zoomed in on, amid the rest of Flanders in a
    quiet tone; or all of Flanders. Follows the dark scheme (an SVG in an <img> sees the page's)."""
    whole = (-0.05 * shapes.width, (shapes.height - 0.55 * shapes.width) / 2, 1.1 * shapes.width, 0.55 * shapes.width)
    box = _zoom_box(shapes) if shapes.area else whole
    view = " ".join(_number(round(v, 1)) for v in box)
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view}" width="{CARD_PICTURE_SIZE[0]}" '
        f'height="{CARD_PICTURE_SIZE[1]}" preserveAspectRatio="xMidYMid meet">',
        f"<style>.l{{fill:{LAND_LIGHT};stroke:#8fa7ae}}"
        f"@media (prefers-color-scheme:dark){{.l{{fill:{LAND_DARK};stroke:#5d7279}}}}</style>",
        f'<path class="l" d="{shapes.outline}" stroke-width="1" vector-effect="non-scaling-stroke" '
        'stroke-linejoin="round" fill-rule="evenodd"/>',
    ]
    if shapes.area:
        fill = colour or BERRY
        lines.append(
            f'<path d="{shapes.area}" fill="{fill}" stroke="#1c2326" stroke-opacity="0.5" stroke-width="1" '
            'vector-effect="non-scaling-stroke" stroke-linejoin="round" fill-rule="evenodd"/>'
        )
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


CARD_PICTURE_SIZE = (240, 120)


def _zoom_box(shapes: Shapes) -> tuple[float, float, float, float]:
    """A 2:1 view box around the area with a margin, never smaller than a third of Flanders' width."""
    points = [p for ring in shapes.rings(shapes.area) for p in ring]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    width = max((max(xs) - min(xs)) * 1.8, (max(ys) - min(ys)) * 1.8 * 2, shapes.width / 3)
    height = width / 2
    return cx - width / 2, cy - height / 2, width, height


def _number(value: float) -> str:
    return f"{value:g}"


FONT_WEIGHTS = ("Bold", "Medium")


@functools.cache
def _font_file(weight: str) -> bytes:
    # Beside the package's module, as importlib.resources finds it too; its reader imports zipfile
    # (9 ms of every build, which hashes the fonts into the cards' key: _drawing).
    import font_rhd

    return (Path(font_rhd.__file__).parent / "files" / f"RedHatDisplay-{weight}.ttf").read_bytes()


@functools.cache
def _font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(io.BytesIO(_font_file(weight)), size, layout_engine=ImageFont.Layout.BASIC)


def _wrap(text: str, size: int, width: int) -> list[tuple[str, int]]:
    """The words of `text` in lines no longer than `width` where they can be (a longer word is a line
    of its own), each with its _units. A line grows by the units of a space and the next word and
    the kerning of the pairs around the space: the same sum _units makes of the longer line."""
    lines: list[tuple[str, int]] = []
    space = _advance(" ", size)
    for word in text.split():
        units = _units(word, size)
        if lines:
            line, line_units = lines[-1]
            longer = line_units + _kerning(line[-1] + " ", size) + space + _kerning(" " + word[0], size) + units
            if longer <= width * 64:  # _length(longer line) <= width, without the division
                lines[-1] = (f"{line} {word}", longer)
                continue
        lines.append((word, units))
    return lines


def _fit_title(title: str, width: int, max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size (76 down to 40 px) at which the title fits in `max_lines`; else cut with '…'."""
    for size in range(76, 39, -4):
        wrapped = _wrap(title, size, width)
        if len(wrapped) <= max_lines and all(units <= width * 64 for _, units in wrapped):
            return _font("Bold", size), [line for line, _ in wrapped]
    lines = [line for line, _ in _wrap(title, size, width)][:max_lines]
    while lines and _length(lines[-1] + "…", size) > width:
        cut = lines[-1].rsplit(" ", 1)
        lines[-1] = cut[0] if len(cut) > 1 else lines[-1][:-1]
    lines[-1] = lines[-1] + "…"
    return _font("Bold", size), lines


# Titles are written from glyphs drawn once per size instead of rasterising every glyph of every title
# (four fifths of a card's drawing). Byte for byte what `ImageDraw.text` in the bold font draws, because
# Pillow's basic layout does it the same way: each character's glyph at its pen position (in 1/64 px,
# kerned by pair) rounded to a whole pixel, the glyphs of a line blended over each other into a line
# mask and that mask over the image, both "over" with the rounding of a paste with a mask
# (tests/test_social_cards.py compares the two on every size and on hostile text). On rows still
# blank, the line's glyphs go onto the image directly (_write_line): the same pixels, with less work.


@functools.cache
def _advance(char: str, size: int) -> int:
    """A character's advance in 1/64 px."""
    return round(_font("Bold", size).getlength(char) * 64)


@functools.cache
def _kerning(pair: str, size: int) -> int:
    """What Pillow adds to the first character's advance when the second follows it (1/64 px)."""
    return round(_font("Bold", size).getlength(pair) * 64) - _advance(pair[0], size) - _advance(pair[1], size)


def _length(text: str, size: int) -> float:
    """`_font("Bold", size).getlength(text)`."""
    return _units(text, size) / 64


def _units(text: str, size: int) -> int:
    """The advance of `text` in 1/64 px: its characters' advances and its pairs' kerning."""
    return sum(_steps(text, size)) + _advance(text[-1], size) if text else 0


def _steps(text: str, size: int) -> list[int]:
    """Each character's step from the pen of the one before it (1/64 px, the first's 0): that one's
    advance and the kerning of the pair."""
    sizes = itertools.repeat(size)
    kerned = map(operator.add, map(_advance, text[:-1], sizes), map(_kerning, map(operator.add, text, text[1:]), sizes))
    return [0, *kerned] if text else []


@functools.lru_cache(maxsize=4096)
def _glyph(char: str, size: int) -> tuple[Any, int, int, int, int] | None:
    """A character drawn alone (Pillow's core image: pasted without the Python wrapper, some forty
    times a card), where its picture starts from the pen (left, top), and its width and height;
    None if blank."""
    from PIL import Image, ImageDraw

    font = _font("Bold", size)
    left, top, right, bottom = font.getbbox(char)
    if right <= left or bottom <= top:
        return None
    image = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255)
    return (image.im, left, top, image.width, image.height) if image.getbbox() else None


def _write_line(
    coverage: Image.Image, at: tuple[int, int], line: str, size: int, blank_from: int | None = None
) -> int | None:
    """`ImageDraw.Draw(coverage).text(at, line, font=_font("Bold", size), fill=255)` on an "L" image.
    `blank_from`: a row from which down the image is known to be all 0 (None: not known). Returns
    such a row for after the line (the line's glyphs, and what was inked before, end above it)."""
    from PIL import Image

    placed = []
    pens = itertools.accumulate(_steps(line, size))  # each character's, in 1/64 px
    for pen, glyph in zip(pens, map(_glyph, line, itertools.repeat(size)), strict=True):
        if glyph is not None:
            core, left, top, width, height = glyph
            x = ((pen + 32) >> 6) + left  # the pen rounded to a pixel, as FreeType's
            placed.append((x, top, x + width, top + height, core))
    if not placed:
        return blank_from
    y0, y1 = min(place[1] for place in placed), max(place[3] for place in placed)
    below = None if blank_from is None else max(blank_from, at[1] + y1)
    if blank_from is not None and at[1] + y0 >= blank_from:
        # On blank rows, pasting 255 through the line's mask gives the mask itself, so the glyphs go
        # straight onto the image in the same order. A glyph clear of those before it (most of them)
        # is copied: the pixels under it are 0, and 255 pasted over 0 through a glyph is that glyph.
        pasted, right_most = coverage.im, -(1 << 30)
        for left, top, right, bottom, core in placed:
            box = (at[0] + left, at[1] + top, at[0] + right, at[1] + bottom)
            if left >= right_most:
                pasted.paste(core, box)
            else:
                pasted.paste(255, box, core)
            right_most = max(right_most, right)
        return below
    x0, x1 = min(place[0] for place in placed), max(place[2] for place in placed)
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    pasted = mask.im  # Image.paste(255, box, glyph) is this call after its checks
    for left, top, right, bottom, core in placed:
        pasted.paste(255, (left - x0, top - y0, right - x0, bottom - y0), core)
    coverage.paste(255, (at[0] + x0, at[1] + y0), mask)
    return below


def _mask(shapes: Shapes, path: str, size: tuple[int, int]) -> Image.Image:
    """An antialiased mask of a path's rings (even-odd, so holes such as Brussels stay open)."""
    return _path_mask(shapes.width, shapes.height, path, size)


@functools.lru_cache(maxsize=8)  # Flanders' outline is the same on every card
def _path_mask(width: float, height: float, path: str, size: tuple[int, int], scale: int = 4) -> Image.Image:
    from PIL import Image, ImageChops, ImageDraw

    big = (size[0] * scale, size[1] * scale)
    fx, fy = big[0] / width, big[1] / height
    mask = None
    for ring in Shapes(width, height, path).rings(path):
        layer = Image.new("1", big, 0)
        ImageDraw.Draw(layer).polygon([(x * fx, y * fy) for x, y in ring], fill=1)
        mask = layer if mask is None else ImageChops.logical_xor(mask, layer)  # xor with nothing: the layer
    result = Image.new("L", size, 0)
    drawn = mask.getbbox() if mask is not None else None
    if drawn is not None:
        # Only the scale × scale blocks the rings touch are brought down (an IGS's area is a small
        # part of Flanders): each pixel of a box reduction is the mean of its own block alone.
        left, top = drawn[0] // scale, drawn[1] // scale
        right, bottom = -(-drawn[2] // scale), -(-drawn[3] // scale)
        blocks = mask.crop((left * scale, top * scale, right * scale, bottom * scale))
        result.paste(blocks.convert("L").resize((right - left, bottom - top), Image.Resampling.BOX), (left, top))
    return result


MARGIN = 72
KICKER_AT = (MARGIN, 86)


def _map_box(shapes: Shapes) -> tuple[tuple[int, int], tuple[int, int]]:
    """Where a card's map goes: its top left corner and its size, above the bottom right corner."""
    box_w = 460
    box_h = round(box_w * shapes.height / shapes.width)
    return (CARD_WIDTH - 48 - box_w, CARD_HEIGHT - 44 - box_h), (box_w, box_h)


def _map_top(shapes: Shapes | None) -> int:
    """The first row of a card that its map can change (the card's height without a map)."""
    return CARD_HEIGHT if shapes is None else _map_box(shapes)[0][1]


_LOGO_TOP = CARD_HEIGHT - 112
_LOGO_DOTS = ((16, 18, "#ffffff"), (44, 18, AMBER), (30, 42, "#ffffff"))
_NAME_AT, _TAGLINE_AT = (MARGIN + 78, _LOGO_TOP - 2), (MARGIN + 80, _LOGO_TOP + 42)


def _base(site_name: str, tagline: str, shapes: Shapes | None, colour: str) -> Image.Image:
    """What all cards of one IGS (or of Flanders) share: the ground, the logo's circles, the map
    and the site's name. The kicker comes on top (_background_indexed)."""
    return _drawn_base(site_name, tagline, shapes, colour if shapes is not None else "")  # the map's colour


@functools.lru_cache(maxsize=4)
def _drawn_base(site_name: str, tagline: str, shapes: Shapes | None, colour: str) -> Image.Image:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (CARD_WIDTH, CARD_HEIGHT), BRAND_DEEP)
    draw = ImageDraw.Draw(image)
    for cx, cy, r, fill in ((1120, 70, 150, BRAND), (1185, 215, 95, BERRY)):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
    draw.rectangle((0, 0, CARD_WIDTH, 10), fill=AMBER)
    if shapes is not None:
        _draw_map(image, shapes, colour, _map_box(shapes)[0])
    for dx, dy, fill in _LOGO_DOTS:
        cx, cy = MARGIN + dx, _LOGO_TOP + dy
        draw.ellipse((cx - 15, cy - 15, cx + 15, cy + 15), fill=fill)
    draw.text(_NAME_AT, site_name, font=_font("Bold", 38), fill="#ffffff")
    draw.text(_TAGLINE_AT, tagline, font=_font("Medium", 22), fill=LAND_LIGHT)
    return image


def _draw_map(image: Image.Image, shapes: Shapes, colour: str, at: tuple[int, int]) -> None:
    _draw_land(image, shapes, bool(shapes.area), at)
    if shapes.area:
        _draw_area(image, shapes, colour, at)


def _draw_land(image: Image.Image, shapes: Shapes, with_area: bool, at: tuple[int, int]) -> None:
    """Flanders, in the land's colour under an area, else in amber."""
    image.paste(LAND_ON_CARD if with_area else AMBER, at, _mask(shapes, shapes.outline, _map_box(shapes)[1]))


def _draw_area(image: Image.Image, shapes: Shapes, colour: str, at: tuple[int, int]) -> None:
    """The area in its colour, pasted over its mask's box alone (an area is a small part of the map,
    and a pixel the mask leaves at 0 keeps its value in a paste): the same pixels for less work."""
    mask = _mask(shapes, shapes.area, _map_box(shapes)[1])
    box = mask.getbbox()
    if box is not None:
        image.paste(colour, (at[0] + box[0], at[1] + box[1], at[0] + box[2], at[1] + box[3]), mask.crop(box))


@functools.lru_cache(maxsize=4)
def _land_patch(site_name: str, tagline: str, flanders: Shapes, with_area: bool) -> Image.Image:
    """The base without a map under the map's box, Flanders drawn on it: where the map of every IGS
    (with_area) starts, drawn once for all of them (the base and the outline are the same for all)."""
    (left, top), (width, height) = _map_box(flanders)
    patch = _base(site_name, tagline, None, "").crop((left, top, left + width, top + height))
    _draw_land(patch, flanders, with_area, (0, 0))
    return patch


@functools.lru_cache(maxsize=8)
def _drawn_over_map(site_name: str, tagline: str, box: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    """Whether _base draws anything after the map (the logo, the site's name) into the map's box."""
    from PIL import Image, ImageDraw

    (left, top), (width, height) = box
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    boxes = [draw.textbbox(_NAME_AT, site_name, font=_font("Bold", 38))]
    boxes.append(draw.textbbox(_TAGLINE_AT, tagline, font=_font("Medium", 22)))
    boxes.extend(
        (MARGIN + dx - 15, _LOGO_TOP + dy - 15, MARGIN + dx + 16, _LOGO_TOP + dy + 16) for dx, dy, _ in _LOGO_DOTS
    )
    return any(x0 < left + width and x1 > left and y0 < top + height and y1 > top for x0, y0, x1, y1 in boxes)


def _draw_kicker(image: Image.Image, kicker: str, at: tuple[int, int]) -> None:
    from PIL import ImageDraw

    ImageDraw.Draw(image).text(at, kicker.upper(), font=_font("Bold", 28), fill=AMBER)


@functools.lru_cache(maxsize=32)
def _palette(colour: str) -> Image.Image:
    """A fixed palette: every colour of the card and eight blends of each over its ground, which is
    all that antialiasing makes. Mapping to it is far quicker than choosing a palette per card."""
    from PIL import Image

    def rgb(value: str) -> tuple[int, int, int]:
        return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]

    pairs = [(BRAND_DEEP, fg) for fg in ("#ffffff", AMBER, BRAND, BERRY, LAND_ON_CARD, LAND_LIGHT, colour)]
    pairs.append((LAND_ON_CARD, colour))
    colours: list[tuple[int, int, int]] = []
    for ground, fg in pairs:
        a, b = rgb(ground), rgb(fg)
        for step in range(9):
            mixed = tuple(round(x + (y - x) * step / 8) for x, y in zip(a, b, strict=True))
            if mixed not in colours:
                colours.append(mixed)  # type: ignore[arg-type]
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for colour_ in colours for c in colour_])
    return palette


@functools.lru_cache(maxsize=32)
def _palette_bytes(colour: str) -> bytes:
    """The PNG's PLTE: the palette's colours, three bytes each."""
    return bytes(_palette(colour).getpalette() or [])


def _indexed(image: Image.Image, colour: str) -> Image.Image:
    from PIL import Image

    return image.quantize(palette=_palette(colour), dither=Image.Dither.NONE)


@functools.lru_cache(maxsize=4)
def _base_indexed(site_name: str, tagline: str, shapes: Shapes | None, colour: str) -> Image.Image:
    """_base in palette indices. With a map, where nothing drawn after it reaches into its box: the
    base without a map, with the map drawn on a copy of its box alone and only that box mapped to
    the palette again (drawing and mapping work pixel by pixel), for a fraction of the work."""
    if shapes is None:
        return _ground_indexed(site_name, tagline, colour)
    if _drawn_over_map(site_name, tagline, _map_box(shapes)):
        return _indexed(_base(site_name, tagline, shapes, colour), colour)
    left, top = _map_box(shapes)[0]
    patch = _land_patch(site_name, tagline, Shapes(shapes.width, shapes.height, shapes.outline), bool(shapes.area))
    patch = patch.copy()
    if shapes.area:
        _draw_area(patch, shapes, colour, (0, 0))
    image = _base_indexed(site_name, tagline, None, colour).copy()
    image.paste(_indexed(patch, colour), (left, top))
    return image


@functools.cache
def _kicker_box(kicker: str) -> tuple[int, int, int, int]:
    """The patch of a card that its kicker is drawn on: the text's box and two pixels around it."""
    from PIL import Image, ImageDraw

    left, top, right, bottom = ImageDraw.Draw(Image.new("RGB", (1, 1))).textbbox(
        KICKER_AT, kicker.upper(), font=_font("Bold", 28)
    )
    return max(left - 2, 0), max(top - 2, 0), min(right + 2, CARD_WIDTH), min(bottom + 2, CARD_HEIGHT)


@functools.lru_cache(maxsize=32)
def _background_indexed(site_name: str, tagline: str, shapes: Shapes | None, colour: str, kicker: str) -> Image.Image:
    """The card without its title, in palette indices: the IGS's base with the kicker on top. The
    kicker is drawn on a copy of the base's patch under it and only that patch is mapped to the
    palette again: drawing and mapping work pixel by pixel, so this is the full drawing's image,
    for a tenth of the work (a site has a few kickers per IGS, and one base)."""
    image = _base_indexed(site_name, tagline, shapes, colour).copy()
    if kicker:
        # The base's colour is the map's (_base): without a map, one patch serves every colour.
        patch = _kicker_patch(site_name, tagline, shapes, colour if shapes is not None else "", kicker)
        image.paste(_indexed(patch, colour), _kicker_box(kicker)[:2])
    return image


def _ground_indexed(site_name: str, tagline: str, colour: str) -> Image.Image:
    """The base without a map in palette indices: the ground's index, and mapped to the palette only
    the boxes of the base's rows that hold more than the ground (a sixth of the card; mapping works
    pixel by pixel, each pixel by its colour alone). The base is the same for every colour."""
    from PIL import Image

    image = _indexed(Image.new("RGB", (1, 1), BRAND_DEEP), colour).resize((CARD_WIDTH, CARD_HEIGHT))
    base = _base(site_name, tagline, None, colour)
    for box in _inked_boxes(site_name, tagline):
        image.paste(_indexed(base.crop(box), colour), box[:2])
    return image


@functools.lru_cache(maxsize=2)
def _inked_boxes(site_name: str, tagline: str) -> list[tuple[int, int, int, int]]:
    """Per band of 32 rows of the base without a map, the box of its pixels other than the ground."""
    from PIL import Image, ImageChops

    base = _base(site_name, tagline, None, "")
    inked = ImageChops.difference(base, Image.new("RGB", base.size, BRAND_DEEP))
    boxes = []
    for top in range(0, CARD_HEIGHT, 32):
        box = inked.crop((0, top, CARD_WIDTH, min(top + 32, CARD_HEIGHT))).getbbox()
        if box is not None:
            boxes.append((box[0], top + box[1], box[2], top + box[3]))
    return boxes


@functools.lru_cache(maxsize=16)
def _kicker_patch(site_name: str, tagline: str, shapes: Shapes | None, colour: str, kicker: str) -> Image.Image:
    """The base's patch under the kicker with the kicker drawn on it, in RGB."""
    box = _kicker_box(kicker)
    patch = _base(site_name, tagline, shapes, colour).crop(box)
    _draw_kicker(patch, kicker, (KICKER_AT[0] - box[0], KICKER_AT[1] - box[1]))
    return patch


TITLE_TOP, TITLE_WIDTH = 86, 890  # the title stays left of the logo's circles, on the plain ground
_COVERAGE_INDEX = [round(c * 8 / 255) for c in range(256)]  # white over the ground: indices 0-8
_INKED = [0] + [255] * 255

Style = tuple[str, str, Shapes | None, str, str]
"""A card's background: site name, tagline, shapes, colour and kicker (_background_indexed)."""


def social_card(title: str, kicker: str, site_name: str, tagline: str, shapes: Shapes | None, colour: str) -> bytes:
    """The PNG bytes of one page's social card (1200 × 630): the background of its IGS or story type,
    with the title written in palette indices (white over the ground: indices 0-8). Only the rows
    the title inks are compressed for each card; the rows above and below them come compressed
    from a cache shared by every card they look the same on (_background_part)."""
    from PIL import Image

    style = (site_name, tagline, shapes, colour, kicker)
    font, lines = _fit_title(title, TITLE_WIDTH, 3)
    line_height = round(font.size * 1.12)
    coverage = Image.new("L", (TITLE_WIDTH + 40, line_height * len(lines) + font.size // 2), 0)
    blank_from: int | None = 0
    for number, line in enumerate(lines):
        blank_from = _write_line(coverage, (0, number * line_height), line, font.size, blank_from)
    inked = coverage.getbbox()  # only the title's box is mapped and pasted: around it the coverage is 0
    if inked is None:
        return _png(_palette_bytes(colour), _background_part(style, 0, CARD_HEIGHT))
    top = TITLE_TOP + (58 if kicker else 0) + inked[1]
    bottom = min(TITLE_TOP + (58 if kicker else 0) + inked[3], CARD_HEIGHT)
    band = _background_rows(_reduced(style, top, bottom)).crop((0, top, CARD_WIDTH + 1, bottom))
    # Through Pillow's core image, as _write_line: Image.point converts its table on every call.
    indices = coverage.crop(inked).im.point(_COVERAGE_INDEX, None)
    left = MARGIN + 1 + inked[0]
    band.im.paste(indices, (left, 0, left + inked[2] - inked[0], inked[3] - inked[1]), indices.point(_INKED, None))
    parts = [*_background_part(style, 0, top), _deflate(band.tobytes(), last=bottom == CARD_HEIGHT)]
    return _png(_palette_bytes(colour), [*parts, *_background_part(style, bottom, CARD_HEIGHT)])


def _reduced(style: Style, top: int, bottom: int) -> Style:
    """The simplest background whose rows top to bottom are those of `style`: without its map when
    they are above it, without its kicker when they are below it (each is drawn on its own rows
    only, and the palette is the same: the colour stays)."""
    site_name, tagline, shapes, colour, kicker = style
    if bottom <= _map_top(shapes):
        shapes = None
    if kicker and top >= _kicker_box(kicker)[3]:
        kicker = ""
    return site_name, tagline, shapes, colour, kicker


def _background_part(style: Style, top: int, bottom: int) -> list[_Deflated]:
    """Rows top to bottom of a background, compressed, in two where the map's rows begin: the rows
    above the map are those of every IGS with that colour, and the map's of every card of the IGS."""
    split = _map_top(style[2])
    bounds = [top, split, bottom] if top < split < bottom else [top, bottom]
    return [_deflated_rows(_reduced(style, a, b), a, b) for a, b in itertools.pairwise(bounds) if a < b]


# ---- PNG writing ---------------------------------------------------------------------------------
# A card is bands of rows, and all but the title's are the same for many cards. The image data of a
# PNG is one zlib stream; each band is deflated on its own and ends on a byte boundary (a sync
# flush), so compressed bands join into one valid stream, and their Adler-32 checksums join by
# arithmetic (_joined). Pillow's writer would compress all 630 rows per card.


@frozen_dataclass
class _Deflated:
    data: bytes
    adler: int
    length: int


_ADLER_BASE = 65521
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


BACKGROUNDS_KEPT = 16


@functools.lru_cache(maxsize=BACKGROUNDS_KEPT)  # cards come in drawing_order: those of one background together
def _background_rows(style: Style) -> Image.Image:
    """The background as PNG image data: a column of filter types, 0 (none), left of its palette
    indices, so that the bytes of a crop of whole rows are that band's image data. In mode "L" (the
    same bytes), so that a title's indices, also "L", are pasted as they are."""
    from PIL import Image

    rows = Image.new("L", (CARD_WIDTH + 1, CARD_HEIGHT), 0)
    rows.im.paste(_background_indexed(*style).im, (1, 0, CARD_WIDTH + 1, CARD_HEIGHT))  # the indices, as they are
    return rows


# ISA-L's level 1: a fifth of the CPU of zlib's quickest (run-length) deflate of the same rows, for
# cards some 10 % larger (only link previews fetch them); level 0 is no quicker and a quarter larger
# again. Its levels 0 to 2 write the same bytes on every x86-64 with SSE4.2, whichever vector
# instructions it has (level 3 does not).
DEFLATE_LEVEL = 1


def _compressed(raw: bytes, last: bool) -> bytes:
    # Raw deflate: the PNG writes the zlib frame.
    packer = isal_zlib.compressobj(DEFLATE_LEVEL, isal_zlib.DEFLATED, -isal_zlib.MAX_WBITS)
    return packer.compress(raw) + packer.flush(isal_zlib.Z_FINISH if last else isal_zlib.Z_SYNC_FLUSH)


def _deflate(raw: bytes, last: bool) -> _Deflated:
    """The rows compressed, as the same bytes every time. Once, in a cold build on a heavily loaded
    machine, ISA-L wrote other (valid) bytes for the same rows: one match not taken. Half a million
    compressions of those rows, in threads and under load, never did so again. Cards are promised byte
    for byte, so a band's bytes count once two compressions in a row agree (the second costs about a
    tenth of a card's drawing)."""
    data = _compressed(raw, last)
    while (again := _compressed(raw, last)) != data:
        data = again
    return _Deflated(data, isal_zlib.adler32(raw), len(raw))


@functools.lru_cache(maxsize=1024)
def _deflated_rows(style: Style, top: int, bottom: int) -> _Deflated:
    """Rows top to bottom of a background, compressed; the band that reaches the card's foot ends the stream."""
    band = _background_rows(style).crop((0, top, CARD_WIDTH + 1, bottom))
    return _deflate(band.tobytes(), last=bottom == CARD_HEIGHT)


def _joined(first: _Deflated, second: _Deflated) -> _Deflated:
    """The two as one stream. Adler-32 is (B << 16) | A with A = 1 + the bytes' sum and B = the sum of
    A after each byte (mod 65521); going on over `second` from `first`'s A adds its length times that A."""
    a1, b1, a2, b2 = first.adler & 0xFFFF, first.adler >> 16, second.adler & 0xFFFF, second.adler >> 16
    a = (a1 + a2 - 1) % _ADLER_BASE
    b = (b1 + second.length * a1 + b2 - second.length) % _ADLER_BASE
    return _Deflated(first.data + second.data, (b << 16) | a, first.length + second.length)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + kind + data + isal_zlib.crc32(data, isal_zlib.crc32(kind)).to_bytes(4, "big")


def _png(palette: bytes, parts: Sequence[_Deflated]) -> bytes:
    """An 8-bit palette PNG of CARD_WIDTH × CARD_HEIGHT from its compressed bands (the last one final)."""
    stream = functools.reduce(_joined, parts)
    header = CARD_WIDTH.to_bytes(4, "big") + CARD_HEIGHT.to_bytes(4, "big") + bytes((8, 3, 0, 0, 0))
    idat = b"\x78\x01" + stream.data + stream.adler.to_bytes(4, "big")  # zlib frame: deflate, fastest level
    chunks = (_chunk(b"IHDR", header), _chunk(b"PLTE", palette), _chunk(b"IDAT", idat), _chunk(b"IEND", b""))
    return _PNG_SIGNATURE + b"".join(chunks)


def draw_backgrounds(
    site_name: str, tagline: str, styles: Sequence[tuple[str, Shapes | None, str]], enough: Callable[[], bool]
) -> int:
    """Draw the backgrounds of cards to come, (kicker, shapes, colour) each, into the cache that
    social_card reads, until `enough()` says to stop: work for a core that would otherwise wait.
    A card's rows come from up to three backgrounds (_reduced): its kicker without the map, neither,
    and its map without the kicker. Only as many as the cache keeps, in the order the cards are
    drawn; returns how many were drawn."""
    drawn = 0
    wanted = dict.fromkeys((colour, hash(shapes), kicker, shapes) for kicker, shapes, colour in styles)
    layers = dict.fromkeys(
        layer
        for colour, _, kicker, shapes in sorted(wanted, key=lambda style: style[:3])
        for layer in ((None, colour, kicker), (None, colour, ""), (shapes, colour, ""))
    )
    for shapes, colour, kicker in list(layers)[:BACKGROUNDS_KEPT]:
        if enough():
            break
        _background_rows((site_name, tagline, shapes, colour, kicker))
        drawn += 1
    return drawn


def drawing_order(calls: Sequence[tuple[str, str, str, str, Shapes | None, str]]) -> list[int]:
    """The positions of `calls` (social_card's arguments) in the order that draws them quickest: the
    cards of one base and kicker one after another, so that the caches above keep what they share
    (a worker of sitegen.parallel draws a contiguous slice). Only the speed depends on this order."""
    return sorted(range(len(calls)), key=lambda i: (calls[i][5], hash(calls[i][4]), calls[i][1]))


def drawing_weights(calls: Sequence[tuple[str, str, str, str, Shapes | None, str]]) -> list[float]:
    """How much work each card of `calls` (in drawing_order) is, relative to the others, so that the
    cards are split between two processes by work, not by count: the first card of a background
    also draws it (a map, a colour: ten times a card's own title), and of a kicker writes that."""
    weights: list[float] = []
    last: tuple[str, str, str, int, str] | None = None
    for _, kicker, site_name, tagline, shapes, colour in calls:
        style = (site_name, tagline, colour, id(shapes), kicker)
        if last is None or style[:4] != last[:4]:
            weights.append(10.0)
        else:
            weights.append(1.0 if kicker == last[4] else 3.0)
        last = style
    return weights


_NINE = bytes(value % 9 for value in range(256))


@functools.cache
def _drawing() -> bytes:
    """What every card's bytes depend on besides its arguments: the drawing code (this module, which
    also writes the PNG), the font files, Pillow (rasteriser) and ISA-L (PNG compression). One version
    of ISA-L compresses alike on every x86-64 with SSE4.2, otherwise on older ones and otherwise on ARM:
    its bytes for a fixed run of pseudo-random values below nine tell these apart, so that a cache taken to
    another kind of processor draws its cards again instead of mixing two compressors' cards."""
    import PIL  # the package alone: its version, without the drawing modules

    fonts = [_font_file(weight) for weight in FONT_WEIGHTS]
    probe = _deflate(hashlib.shake_128(b"social cards").digest(8192).translate(_NINE), last=True).data
    return digest(Path(__file__).read_bytes(), fonts, PIL.__version__, isal.__version__, isal.ISAL_VERSION, probe)


def social_card_key(title: str, kicker: str, site_name: str, tagline: str, shapes: Shapes | None, colour: str) -> bytes:
    """The memo key of a social card: everything social_card draws it from."""
    return digest(_drawing(), title, kicker, site_name, tagline, shapes, colour)


def social_cards_key(
    site_name: str, tagline: str, shapes: Mapping[str, Shapes], flanders: Shapes | None, colours: Mapping[str, str]
) -> bytes:
    """What every social card of a site is drawn with besides its title and kicker: the drawing, the
    site's name, every shape and colour a card may take."""
    return digest(_drawing(), site_name, tagline, sorted(shapes.items()), flanders, sorted(colours.items()))


CARD_PICTURE_DIR = "assets/kaartjes"


@frozen_dataclass
class Artwork:
    """The shapes of every IGS on the map and of Flanders, and the card pictures made from them."""

    shapes: dict[str, Shapes]  # IGS slug -> its area in Flanders
    flanders: Shapes | None
    files: dict[str, bytes]  # out_path -> SVG bytes, under CARD_PICTURE_DIR

    @staticmethod
    def picture_path(slug: str | None) -> str:
        return f"{CARD_PICTURE_DIR}/igs-{slug}.svg" if slug else f"{CARD_PICTURE_DIR}/vlaanderen.svg"


def make_artwork(locators: dict[str, str], colours: dict[str, str]) -> Artwork:
    shapes = {slug: found for slug in sorted(locators) if (found := shapes_from_locator(locators[slug])) is not None}
    flanders = next((Shapes(s.width, s.height, s.outline) for s in shapes.values()), None)
    files = {Artwork.picture_path(slug): card_svg(shape, colours.get(slug)).encode() for slug, shape in shapes.items()}
    if flanders is not None:
        files[Artwork.picture_path(None)] = card_svg(flanders, None).encode()
    return Artwork(shapes, flanders, files)
