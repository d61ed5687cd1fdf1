"""One Markdown instance is reused per thread: no state of one document may reach the next."""

from __future__ import annotations

import itertools
import threading

import pytest

from sitegen import markup

DOCS = {
    "toc": "## Over ons\n\nTekst.\n\n## Over ons\n\n### Contact\n",
    "references": "Zie [de kaart][kaart] en [het nieuws].\n\n[kaart]: /kaart/\n[het nieuws]: /nieuws/ 'Nieuws'\n",
    "uses-references": "Een [kaart][kaart] zonder definitie en [het nieuws].\n\n## Over ons\n",
    "html": 'Voor <abbr title="intergemeentelijk">IGS</abbr> en <b>vet</b>.\n\n<div>blok</div>\n',
    "footnotes-and-abbr": "Tekst[^1] over IGS.\n\n[^1]: Een voetnoot.\n\n*[IGS]: intergemeentelijke samenwerking\n",
    "table": '| a | b |\n|---|---|\n| [x](/x/) | <img src="/images/y.png" alt="y"> |\n',
    "plain": "Geen links, geen koppen: alleen *tekst*.\n",
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
    assert [level for level, _, _ in EXPECTED["toc"].headings] == [2, 2, 3]


def test_attribute_callback_left_out_only_where_it_changes_nothing() -> None:
    html = markup.render_markdown('<p><a HREF="/a/">a</a> <img SRC="/images/b.png" alt="b"></p>', "/r/")
    assert html.links == ("/r/a/", "/r/images/b.png")
    assert markup.render_markdown("*geen* link", "/r/").links == ()
