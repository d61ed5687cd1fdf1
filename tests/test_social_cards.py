"""Social cards drawn in layers and on every core are the cards of the plain drawing, byte for byte."""

from __future__ import annotations

import functools
import io
import itertools
import os
import random
import zlib

import pytest
from PIL import Image, ImageChops, ImageDraw

from sitegen import artwork
from sitegen.artwork import Shapes, drawing_order, drawing_weights, social_card
from sitegen.parallel import pmap, workers

NOORD = Shapes(100, 50, "M10 10 90 10 90 40 10 40Z", "M20 20 40 20 40 35Z")
ZUID = Shapes(100, 50, "M10 10 90 10 90 40 10 40Z", "M60 20 80 20 80 35Z M65 25 70 25 70 30Z")
FLANDERS = Shapes(100, 50, "M10 10 90 10 90 40 10 40Z")
# A map as tall as it is wide: its box reaches up past the title's rows, and the title is written over it.
TALL = Shapes(100, 100, "M10 10 90 10 90 90 10 90Z", "M5 5 60 5 60 60Z")
SITE = ("IGS Cultuur", "Een netwerk van OP/TIL")
# The last kicker runs into the logo's circles: its patch has more than the plain ground under it.
KICKERS = ("", "Interview", "IGS · Antwerpen", "IGS · " + ", ".join(["Oost-Vlaanderen", "Vlaams-Brabant"] * 3))


def _plain_background(shapes: Shapes | None, colour: str, kicker: str) -> Image.Image:
    """The background as one drawing: the kicker on the whole base, the whole image mapped to the palette."""
    image = artwork._base(*SITE, shapes, colour).copy()
    if kicker:
        artwork._draw_kicker(image, kicker, artwork.KICKER_AT)
    return artwork._indexed(image, colour)


@pytest.mark.parametrize("kicker", KICKERS)
@pytest.mark.parametrize(("shapes", "colour"), [(NOORD, "#cc6677"), (ZUID, "#44aa99"), (FLANDERS, "#f3b23c")])
def test_layered_background_is_the_plain_drawing(shapes: Shapes, colour: str, kicker: str) -> None:
    layered = artwork._background_indexed(*SITE, shapes, colour, kicker)
    plain = _plain_background(shapes, colour, kicker)
    assert layered.tobytes() == plain.tobytes() and layered.getpalette() == plain.getpalette()
    if kicker:  # the kicker is really there
        assert layered.tobytes() != artwork._base_indexed(*SITE, shapes, colour).tobytes()


def test_a_base_without_a_map_is_one_drawing_for_every_colour() -> None:
    """The colour is the map's: without a map, the bases of all colours are one picture, drawn once."""
    artwork._drawn_base.cache_clear()
    bases = [artwork._base(*SITE, None, colour) for colour in ("#cc6677", "#44aa99", "#f3b23c")]
    assert bases[0] is bases[1] is bases[2] and artwork._drawn_base.cache_info().misses == 1
    assert artwork._base(*SITE, NOORD, "#cc6677").tobytes() != artwork._base(*SITE, NOORD, "#44aa99").tobytes()


def _whole_drawing(title: str, kicker: str, shapes: Shapes | None, colour: str) -> Image.Image:
    """The card as one image: the title's palette indices pasted on a copy of the whole background."""
    image = _plain_background(shapes, colour, kicker)
    font, lines = artwork._fit_title(title, artwork.TITLE_WIDTH, 3)
    line_height = round(font.size * 1.12)
    coverage = Image.new("L", (artwork.TITLE_WIDTH + 40, line_height * len(lines) + font.size // 2), 0)
    for number, line in enumerate(lines):
        ImageDraw.Draw(coverage).text((0, number * line_height), line, font=font, fill=255)
    indices = coverage.point([round(c * 8 / 255) for c in range(256)])
    top = artwork.TITLE_TOP + (58 if kicker else 0)
    inked = indices.point(lambda index: 255 if index else 0)
    image.paste(Image.frombytes("P", coverage.size, indices.tobytes()), (artwork.MARGIN, top), inked)
    return image


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of each chunk, after checking the signature and every chunk's CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(png):
        length = int.from_bytes(png[at : at + 4], "big")
        kind, data = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert int.from_bytes(png[at + 8 + length : at + 12 + length], "big") == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        at += 12 + length
    return chunks


@pytest.mark.parametrize("kicker", KICKERS[:3])
@pytest.mark.parametrize(
    "title", ["Noord", "Een lange titel over samenwerking tussen gemeenten en hun bibliotheken, musea en archieven", ""]
)
def test_a_card_written_in_bands_is_the_whole_drawing(title: str, kicker: str) -> None:
    """The card's PNG, whose rows above and below the title come compressed from a cache (shared with
    the cards of other maps or kickers where their rows are the same), is a valid PNG (CRCs, zlib
    checksum) of exactly the pixels and palette of the card drawn as one image."""
    assert artwork._map_top(TALL) < artwork.TITLE_TOP + 58 < artwork._map_top(NOORD)
    for shapes, colour in [(NOORD, "#cc6677"), (None, "#f3b23c"), (TALL, "#cc6677"), (ZUID, "#cc6677")]:
        png = social_card(title, kicker, *SITE, shapes, colour)
        chunks = _chunks(png)
        assert [kind for kind, _ in chunks] == [b"IHDR", b"PLTE", b"IDAT", b"IEND"]
        rows = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))  # checks Adler-32
        width = artwork.CARD_WIDTH + 1
        assert len(rows) == width * artwork.CARD_HEIGHT and not rows[::width].strip(b"\0")  # filter: none
        card, whole = Image.open(io.BytesIO(png)), _whole_drawing(title, kicker, shapes, colour)
        assert card.mode == "P" and card.size == (artwork.CARD_WIDTH, artwork.CARD_HEIGHT)
        assert card.tobytes() == whole.tobytes()
        assert card.getpalette() == whole.getpalette()


def test_compressed_bands_join_into_one_stream() -> None:
    """Bands deflated on their own, joined with their Adler-32 checksums combined, are the zlib
    stream of all their bytes, whatever their lengths (the checksum's sums wrap at 65521)."""
    pick = random.Random(7)
    for _ in range(40):
        bands = [bytes(pick.choice(b"\0\1\377") for _ in range(pick.randint(1, 70_000))) for _ in range(3)]
        parts = [artwork._deflate(band, last=n == 2) for n, band in enumerate(bands)]
        joined = functools.reduce(artwork._joined, parts)
        assert joined.adler == zlib.adler32(b"".join(bands)) and joined.length == sum(map(len, bands))
        assert zlib.decompress(b"\x78\x01" + joined.data + joined.adler.to_bytes(4, "big")) == b"".join(bands)


def test_a_band_compressed_otherwise_once_is_written_as_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A compression that comes out as other valid bytes now and then (as ISA-L's did once under load)
    leaves no trace: wherever the odd one falls, the card is the one drawn without it."""
    args = ("Een lange titel over samenwerking tussen gemeenten", "Interview", *SITE, NOORD, "#cc6677")
    artwork._deflated_rows.cache_clear()
    usual = artwork.social_card(*args)
    compressed = artwork._compressed

    def now_and_then_otherwise(odd: set[int], raw: bytes, last: bool) -> bytes:
        if next(calls) not in odd:
            return compressed(raw, last)
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # valid, but other bytes
        return packer.compress(raw) + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)

    for odd in ({0}, {1}, {2}, {0, 3}, {1, 4, 6}):
        calls = itertools.count()
        artwork._deflated_rows.cache_clear()
        monkeypatch.setattr(artwork, "_compressed", functools.partial(now_and_then_otherwise, odd))
        assert artwork.social_card(*args) == usual, odd
        assert next(calls) > max(odd) + 1, "the odd compression was made and left"
    artwork._deflated_rows.cache_clear()


def _calls() -> list[tuple[str, str, str, str, Shapes | None, str]]:
    titles = ["Noord", "Een lange titel over samenwerking tussen gemeenten en hun bibliotheken", "Zuid"]
    places = [(NOORD, "#cc6677"), (ZUID, "#44aa99"), (FLANDERS, "#f3b23c"), (None, "#f3b23c")]
    return [(t, k, *SITE, s, c) for t in titles for k in KICKERS[:3] for s, c in places]


def test_drawing_order_groups_cards_of_one_base_and_kicker() -> None:
    calls = _calls()
    order = drawing_order(calls)
    assert sorted(order) == list(range(len(calls)))
    groups = [(calls[i][4], calls[i][5], calls[i][1]) for i in order]
    runs = [group for n, group in enumerate(groups) if n == 0 or groups[n - 1] != group]
    assert len(runs) == len(set(groups))  # each base and kicker in one run


def test_drawing_weights_count_each_background_and_kicker_where_it_is_first_drawn() -> None:
    calls = [_calls()[i] for i in drawing_order(_calls())]
    weights = drawing_weights(calls)
    assert len(weights) == len(calls)
    for n, (call, weight) in enumerate(zip(calls, weights, strict=True)):
        before = calls[n - 1] if n else None
        if before is None or (before[4], before[5]) != (call[4], call[5]):
            assert weight == 10.0  # a base (map and colour) drawn
        else:
            assert weight == (1.0 if before[1] == call[1] else 3.0)  # a kicker written, or only the title


@pytest.mark.skipif(workers() < 2, reason="needs two cores to fork workers")
def test_cards_drawn_in_workers_are_those_drawn_in_process() -> None:
    calls = _calls()
    in_process = [social_card(*args) for args in reversed(calls)][::-1]  # other order, other cache state
    for cache in (artwork._drawn_base, artwork._base_indexed, artwork._background_indexed, artwork._background_rows):
        cache.cache_clear()
    artwork._deflated_rows.cache_clear()
    drawn = pmap(lambda args: (os.getpid(), social_card(*args)), calls, min_items=2)
    assert os.getpid() not in {pid for pid, _ in drawn}  # really drawn in forked workers
    assert [card for _, card in drawn] == in_process
    assert len(set(in_process)) == len(calls)


# Kerning pairs, letters reaching above the ascender or left of the pen, punctuation, a combining
# accent, characters the font lacks (drawn as its empty box), spaces alone, nothing at all.
TITLE_LINES = [
    "AVATAR Tevoren Wat Yoga “Quote” ‘x’ — 1/2 € 100%",
    "Ångström Éénmaal ÇÀÉÎÕÜ jij fjord ĳs ﬁ",
    "e\u0301e\u0301n café's… ;:!? (haakjes) [en] {meer} <tag> & §",
    "中 😀 \ufffd \t tab",
    "   ",
    "",
]


@pytest.mark.parametrize("size", range(76, 39, -4))
def test_title_lines_are_written_as_pillow_draws_them(size: int) -> None:
    pick = random.Random(size)
    alphabet = [chr(c) for c in [*range(32, 127), *range(0xA0, 0x250)]]
    lines = TITLE_LINES + ["".join(pick.choice(alphabet) for _ in range(pick.randint(1, 40))) for _ in range(40)]
    font = artwork._font("Bold", size)
    for line in lines:
        ours, pillows = Image.new("L", (1300, 3 * size), 0), Image.new("L", (1300, 3 * size), 0)
        for y in (0, round(size * 1.12)):  # two lines, the second over the first's descenders
            artwork._write_line(ours, (0, y), line, size)
            ImageDraw.Draw(pillows).text((0, y), line, font=font, fill=255)
        assert ours.tobytes() == pillows.tobytes(), line
        assert artwork._length(line, size) == font.getlength(line)


@pytest.mark.parametrize("size", range(76, 39, -12))
def test_title_lines_written_on_blank_rows_are_pillows_too(size: int) -> None:
    """As social_card writes them: told from which row down the image is still blank, a line goes
    straight onto the image (its glyphs copied where they are clear of each other, blended where
    kerning or a wide glyph makes them overlap); a line over the ink of one before it goes through
    its own mask as before. Either way the pixels are Pillow's, and the blank row comes after both."""
    pick = random.Random(size)
    alphabet = [chr(c) for c in [*range(32, 127), *range(0xA0, 0x250)]]
    lines = TITLE_LINES + ["".join(pick.choice(alphabet) for _ in range(pick.randint(1, 40))) for _ in range(40)]
    font = artwork._font("Bold", size)
    step = round(size * 1.12)
    for line in lines:
        ours, pillows = Image.new("L", (1300, 4 * size), 0), Image.new("L", (1300, 4 * size), 0)
        blank: int | None = 0
        for y in (0, step, step + size // 3):  # the third line over the second's ink
            blank = artwork._write_line(ours, (0, y), line, size, blank)
            ImageDraw.Draw(pillows).text((0, y), line, font=font, fill=255)
            assert ours.tobytes() == pillows.tobytes(), (line, y)
            inked = pillows.getbbox()
            assert blank is not None and (inked is None or inked[3] <= blank), (line, y)


@pytest.mark.parametrize("size", [76, 52, 40])
def test_titles_wrap_as_the_lengths_of_their_whole_lines_say(size: int) -> None:
    """_wrap grows a line's length word by word: each line is the one that measuring every longer
    line whole would give, with that line's whole length."""
    pick = random.Random(size)
    words = [*" ".join(TITLE_LINES).split(), "AV", "To", "Wa", "“Yoga”", "fjord.", "l’été", "—", "x" * 40]

    def measured(text: str, width: int) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and artwork._length(f"{lines[-1]} {word}", size) <= width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines

    for _ in range(200):
        title = " ".join(pick.choice(words) for _ in range(pick.randint(1, 25)))
        width = pick.choice([artwork.TITLE_WIDTH, 300, 120])
        wrapped = artwork._wrap(title, size, width)
        assert [line for line, _ in wrapped] == measured(title, width), title
        assert all(units == artwork._units(line, size) for line, units in wrapped), title


@pytest.mark.parametrize(
    "path",
    [
        ZUID.area,  # a ring with a hole in it
        ZUID.outline,
        "M0 0 100 0 100 50 0 50Z",  # to every edge
        "M99.3 49.1 100 49.4 99.6 50Z M0.2 0.1 3.3 0.4 0.9 2.7Z",  # two specks in opposite corners
        "M10 10 20 10Z",  # no ring of three points: nothing
    ],
)
@pytest.mark.parametrize("size", [(460, 230), (301, 97), (7, 3)])
def test_a_path_mask_is_the_whole_supersampled_drawing_brought_down(path: str, size: tuple[int, int]) -> None:
    """Only the blocks the rings touch are reduced: the mask is that of reducing the whole drawing."""
    big = (size[0] * 4, size[1] * 4)
    fx, fy = big[0] / 100, big[1] / 50
    whole = Image.new("1", big, 0)
    for ring in Shapes(100, 50, path).rings(path):
        layer = Image.new("1", big, 0)
        ImageDraw.Draw(layer).polygon([(x * fx, y * fy) for x, y in ring], fill=1)
        whole = ImageChops.logical_xor(whole, layer)
    expected = whole.convert("L").resize(size, Image.Resampling.BOX)
    mask = artwork._path_mask.__wrapped__(100, 50, path, size)
    assert mask.mode == "L" and mask.size == size and mask.tobytes() == expected.tobytes()


def test_backgrounds_drawn_ahead_are_the_cards_backgrounds() -> None:
    """While the map's script is drawn on the other core, render draws the backgrounds of the cards to
    come into the cache: for each style, its kicker without the map, neither and its map without the
    kicker, once each, in drawing order, at most as many as the cache keeps, and only until it is told
    to stop; the cards drawn afterwards are the cards drawn without it."""
    calls = _calls()
    cold = [social_card(*args) for args in calls]
    artwork._background_rows.cache_clear()
    artwork._deflated_rows.cache_clear()
    styles = [(kicker, shapes, colour) for _, kicker, _, _, shapes, colour in calls]
    # Three colours (Flanders and no map share one), each with three kickers (one of them none) and one map.
    assert artwork.draw_backgrounds(*SITE, styles, lambda: False) == 12
    assert artwork._background_rows.cache_info().currsize == 12
    assert [social_card(*args) for args in calls] == cold
    assert artwork._background_rows.cache_info().misses == 12  # no card drew its background again
    artwork._background_rows.cache_clear()
    stops = iter([False, False, True])
    assert artwork.draw_backgrounds(*SITE, styles, lambda: next(stops)) == 2
    many = [(f"Soort {n}", FLANDERS, "#f3b23c") for n in range(artwork.BACKGROUNDS_KEPT + 5)]
    assert artwork.draw_backgrounds(*SITE, many, lambda: False) == artwork.BACKGROUNDS_KEPT


@pytest.mark.parametrize("site_name", [SITE[0], "Een heel lange naam van een netwerk van IGS'en"])
def test_a_base_with_its_map_drawn_alone_is_the_whole_drawing(site_name: str) -> None:
    """A base's map is drawn on the base without a map, in the map's box alone, where nothing drawn
    after the map in the whole drawing (the logo, the site's name) reaches into that box; a name
    that does is drawn as a whole (over the map), and both are the whole drawing's pixels."""
    artwork._base_indexed.cache_clear()
    assert artwork._drawn_over_map(site_name, SITE[1], artwork._map_box(TALL)) is (site_name != SITE[0])
    for shapes, colour in [(NOORD, "#cc6677"), (TALL, "#44aa99"), (FLANDERS, "#f3b23c")]:
        whole = artwork._indexed(artwork._base(site_name, SITE[1], shapes, colour), colour)
        assert artwork._base_indexed(site_name, SITE[1], shapes, colour).tobytes() == whole.tobytes()


def test_a_rebuild_plans_the_cards_of_changed_pages_only(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The card of a page keyed by its render key is looked up by that key while what every card is
    drawn with stays: a rebuild works out the cards of changed and unkeyed pages only, and a new colour
    of an IGS plans every card again; the cards are a cold build's."""
    import re
    import shutil
    from pathlib import Path

    from conftest import ROOT, SAMPLE

    from sitegen import render
    from sitegen.memo import Memo
    from sitegen.pages import page_jobs
    from sitegen.pipeline import BuildOptions, build_files, load_and_validate
    from sitegen.stores import MemoryStore

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)
    planned: list[str] = []
    real = render._card_style

    def card_style(job, art, colours):
        planned.append(job.out_path)
        return real(job, art, colours)

    monkeypatch.setattr(render, "_card_style", card_style)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")
    memo = Memo(MemoryStore())

    def build(memo: Memo) -> dict[str, bytes]:
        planned.clear()
        files = dict(build_files(options, memo)[1].items())
        memo.finish(success=True)
        return files

    first = build(memo)
    cards = [name for name in first if name.startswith("assets/social/")]
    assert len(set(planned)) >= len(cards) > 5
    assert build(memo) == first
    unkeyed = {job.out_path for job in page_jobs(load_and_validate(options)) if job.kind.reads is None}
    assert set(planned) <= unkeyed, "only the pages without a render key (since the map's, none)"
    story = Path("content/articles/project-x.md")
    story.write_text(re.sub(r"^title: .*$", "title: Een andere titel", story.read_text(encoding="utf-8"), flags=re.M))
    retitled = build(memo)
    again = set(planned) - unkeyed
    assert "verhalen/project-x/index.html" in again and len(again) < len(cards) / 2, sorted(again)
    assert retitled == build(Memo())
    assert [name for name in cards if retitled[name] != first[name]], "the title is on its card"
    igs = Path("content/igs/noord.yaml")
    igs.write_text(re.sub(r"^color: .*\n", "", igs.read_text(encoding="utf-8"), flags=re.M) + "color: '#7a3b69'\n")
    recoloured = build(memo)
    assert len(set(planned)) >= len(cards), "every card is planned again"
    assert recoloured == build(Memo())
    assert [name for name in cards if recoloured[name] != first[name]], "the colour is on some cards"


def test_a_card_planned_by_its_page_key_and_lost_is_drawn_again_with_its_pages_title(run_cli, tmp_path) -> None:
    """A rebuild plans the card of an unchanged page by the page's key, without reading the page's
    title. When that card proves unreadable only once the write stage needs its bytes (no output
    holds it), the page is rendered again for its title and the card drawn: the site is a cold build's."""
    import shutil
    import sqlite3

    from conftest import SAMPLE, tree_bytes

    content, out, cache, cold = tmp_path / "content", tmp_path / "out", tmp_path / "cache", tmp_path / "cold"
    shutil.copytree(SAMPLE / "content", content)
    common = ["build", "--content", str(content), "--cache", str(cache)]
    assert run_cli(*common, "--output", str(out))[0] == 0
    article = content / "articles" / "project-x.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe zin.\n", encoding="utf-8")
    assert run_cli(*common, "--output", str(out))[0] == 0  # the other pages' cards planned by their keys
    (path,) = cache.rglob("memo.sqlite")
    with sqlite3.connect(path) as db:
        unsealed = "CAST(zeroblob(32) || substr(value, 33) AS BLOB)"
        assert db.execute(f"UPDATE entries SET value = {unsealed} WHERE space = 'social-cards'").rowcount > 5
    shutil.rmtree(out)
    shutil.rmtree(tmp_path / ".out.build-state")
    code, _, err = run_cli(*common, "--output", str(out))
    assert code == 0, err
    assert run_cli("build", "--content", str(content), "--no-cache", "--output", str(cold))[0] == 0
    assert tree_bytes(out) == tree_bytes(cold)


def test_the_cards_keys_name_the_compressors_version(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("Noord", "Interview", *SITE, NOORD, "#cc6677")
    key = artwork.social_card_key(*args)
    with monkeypatch.context() as patch:
        patch.setattr(artwork, "_drawing", functools.cache(artwork._drawing.__wrapped__))
        patch.setattr(artwork.isal, "__version__", artwork.isal.__version__ + ".other")
        assert artwork.social_card_key(*args) != key
    assert artwork.social_card_key(*args) == key


def test_cards_compressed_otherwise_are_not_taken_from_the_memo(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cards compressed to other bytes by the same isal (as on another kind of processor: here another
    level) have other keys: a rebuild with the last build's memo draws every card again instead of
    mixing in the other compressor's, and its cards are those of a cold build; the pixels are the same."""
    import shutil
    from pathlib import Path

    from conftest import ROOT, SAMPLE

    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import MemoryStore

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets")

    def cards(memo: Memo) -> dict[str, bytes]:
        files = build_files(options, memo)[1]
        memo.finish(success=True)
        return {name: data for name, data in files.items() if name.startswith("assets/social/")}

    memo = Memo(MemoryStore())
    before = cards(memo)
    with monkeypatch.context() as patch:
        patch.setattr(artwork, "_drawing", functools.cache(artwork._drawing.__wrapped__))
        patch.setattr(artwork, "DEFLATE_LEVEL", 0)
        artwork._deflated_rows.cache_clear()
        after, cold = cards(memo), cards(Memo())
    artwork._deflated_rows.cache_clear()
    assert len(before) > 5 and after == cold and sorted(after) == sorted(before)
    assert all(after[name] != before[name] for name in before), "every card drawn again"
    for name in before:
        old, new = Image.open(io.BytesIO(before[name])), Image.open(io.BytesIO(after[name]))
        assert new.tobytes() == old.tobytes() and new.getpalette() == old.getpalette()


def test_a_rebuilds_few_new_cards_drawn_on_the_other_core_are_a_cold_builds(tmp_path, monkeypatch) -> None:
    """Two titles edited: their two cards are drawn in one forked child while the build goes on, each
    put in its own page's place, remembered once the write stage reads them; the cards are a cold
    build's, and the next build draws none."""
    import re
    import shutil

    from conftest import ROOT, SAMPLE

    from sitegen import render
    from sitegen.memo import Memo
    from sitegen.pipeline import BuildOptions, build_files
    from sitegen.stores import DiskStore

    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    options = BuildOptions(content, ROOT / "templates", ROOT / "assets")

    def cards(memo: Memo) -> dict[str, bytes]:
        files = build_files(options, memo)[1]
        found = {name: data for name, data in files.items() if name.startswith("assets/social/")}
        memo.finish(success=True)
        return found

    first = cards(Memo(DiskStore(tmp_path / "cache")))
    for path in (content / "articles" / "project-x.md", content / "pages" / "contact.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^title: (.*)$", r"title: \1 (bewerkt)", text, count=1, flags=re.M), encoding="utf-8")
    forked: list[int] = []

    class Counted(render.Forked):  # type: ignore[misc]
        def __init__(self, compute) -> None:
            forked.append(len(compute.args[0]))
            super().__init__(compute)

    monkeypatch.setattr(render, "Forked", Counted)
    memo = Memo(DiskStore(tmp_path / "cache"))
    second = cards(memo)
    assert forked == [2] and memo.finished["social-cards"][1] == 2
    changed = sorted(name for name in first if first[name] != second[name])
    assert changed == ["assets/social/contact.png", "assets/social/verhalen/project-x.png"], changed
    assert second == cards(Memo())
    memo = Memo(DiskStore(tmp_path / "cache"))
    assert cards(memo) == second and forked == [2] and memo.finished["social-cards"][1] == 0
