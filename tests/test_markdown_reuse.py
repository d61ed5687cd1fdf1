"""One Markdown instance is reused per thread: no state of one document may reach the next."""

from __future__ import annotations

import itertools
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import markup

DOCS = {
    "toc": "## Over ons\n\nTekst.\n\n## Over ons\n\n### Contact\n",
    "references": "Zie [de kaart][kaart] en [het nieuws].\n\n[kaart]: /kaart/\n[het nieuws]: /nieuws/ 'Nieuws'\n",
    "uses-references": "Een [kaart][kaart] zonder definitie en [het nieuws].\n\n## Over ons\n",
    "html": 'Voor <abbr title="intergemeentelijk">IGS</abbr> en <b>vet</b>.\n\n<div>blok</div>\n',
    "footnotes-and-abbr": "Tekst[^1] over IGS.\n\n[^1]: Een voetnoot.\n\n*[IGS]: intergemeentelijke samenwerking\n",
    "table": '| a | b |\n|---|---|\n| [x](/x/) | <img src="/images/y.png" alt="y"> |\n',
    "plain": "Geen links, geen koppen: alleen *tekst*.\n",
    "blocks": "# Kop\n\n> Een citaat\n\n***\n\n- - -\n\n___\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nTekst\n---\n",
    "toc-marker": "## Inhoud\n\n[TOC]\n\n## Over ons\n\n- [TOC]\n",
    # A definition whose ']:' is only whole once Python-Markdown removed its STX and ETX markers.
    "reference-behind-markers": (
        "Zie [de kaart] en ![kaart][].\n\n[de kaart]\x02: /kaart/\n[kaart]\x03: /images/k.png\n"
    ),
}


def fresh(text: str) -> markup.RenderedMarkdown:
    """Render in a new thread, which gets a new Markdown instance."""
    result: list[markup.RenderedMarkdown] = []
    thread = threading.Thread(target=lambda: result.append(markup.render_markdown(text, "/r/")))
    thread.start()
    thread.join()
    return result[0]


EXPECTED = {name: fresh(text) for name, text in DOCS.items()}


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(DOCS, 2)))
def test_reused_instance_renders_like_a_fresh_one(first: str, second: str) -> None:
    assert markup.render_markdown(DOCS[first], "/r/") == EXPECTED[first]
    assert markup.render_markdown(DOCS[second], "/r/") == EXPECTED[second]


def test_fresh_instances_really_differ_per_thread() -> None:
    # The comparison above is only meaningful if a new thread really builds a new instance.
    own = markup._converter()
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(markup._converter()))
    thread.start()
    thread.join()
    assert own is markup._converter() and other[0] is not own


def test_state_that_would_leak_is_visible_in_the_output() -> None:
    # Guard for the test itself: the documents do exercise toc ids and link references.
    assert 'id="over-ons_1"' in EXPECTED["toc"].html
    assert "/r/kaart/" in EXPECTED["references"].links
    assert "/r/kaart/" not in EXPECTED["uses-references"].links
    assert all(tag in EXPECTED["blocks"].html for tag in ("<blockquote>", "<hr>", "<table>"))
    assert EXPECTED["toc-marker"].html.count('href="#over-ons"') == 2  # the marker's table, twice
    assert EXPECTED["reference-behind-markers"].links == ("/r/kaart/", "/r/images/k.png")
    assert [level for level, _, _ in EXPECTED["toc"].headings] == [2, 2, 3]


def test_attribute_callback_left_out_only_where_it_changes_nothing() -> None:
    html = markup.render_markdown('<p><a HREF="/a/">a</a> <img SRC="/images/b.png" alt="b"></p>', "/r/")
    assert html.links == ("/r/a/", "/r/images/b.png")
    assert markup.render_markdown("*geen* link", "/r/").links == ()


def _with_every_pattern(text: str) -> markup.RenderedMarkdown:
    """The oracle: the same rendering with every inline pattern tried on every piece of text, every
    block processor on every block, and the toc's marker looked for in every document."""

    def every_pattern(converter, _text: str) -> None:
        converter.treeprocessors["inline"].inlinePatterns = converter.inlinePatterns
        converter.parser.blockprocessors = markup._local.blocks
        converter.treeprocessors["toc"].marker = "[TOC]"

    original = markup._only_what_can_match
    markup._only_what_can_match = every_pattern
    try:
        return markup.render_markdown(text, "/r/")
    finally:
        markup._only_what_can_match = original


def _corpus() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = [*(root / "content").rglob("*.md"), *(root / "tests" / "sample_site").rglob("*.md")]
    return [*DOCS.values(), *(path.read_text(encoding="utf-8") for path in sorted(files))]


def test_leaving_out_patterns_that_cannot_match_changes_nothing() -> None:
    """Inline patterns and block processors are left out for a document without their marks: the
    same HTML, headings and links as with every one of them, on the shipped and sample documents,
    in every order."""
    texts = _corpus()
    assert len(texts) > 20
    for text in texts:
        assert markup.render_markdown(text, "/r/") == _with_every_pattern(text)
    assert len(markup._local.chosen) > 1  # really different sets of patterns


MARKS_AND_TEXT = st.lists(
    st.sampled_from(["`", "\\", "[", "]", "(", ")", "!", "<", ">", "&", ";", "*", "_", "#", "-", "|", ":", "/", "@",
                     "a", "b", "1", " ", "  ", "\n", "\t", "\r", "\n\n", "é", "http://x.be", "<b>", "&amp;", "    ",
                     "\x02", "=", "[TOC]", "---", "***", "___", "> ", "| a |", "|-|"]),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(MARKS_AND_TEXT, min_size=1, max_size=6))
def test_leaving_out_patterns_that_cannot_match_changes_nothing_on_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert markup.render_markdown(text, "/r/") == _with_every_pattern(text)
