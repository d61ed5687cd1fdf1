"""The checks of running text look line by line only where the whole text says there is something to
find (a cold build checks 10,000 articles): what they report is what the line-by-line look reports."""

from __future__ import annotations

import pytest

from sitegen import chars, validate
from sitegen.chars import TEXT_FORMAT_CHARS, hidden_char

SUMMARY = "Een project in de kijker van de regio. Samen met de bibliotheken van Noord."


def _wording(summary: str, body: str) -> list[tuple[int, int, str]]:
    errors: list[validate.ContentError] = []
    validate._check_wording(summary, body, "content/articles/x.md", 5, "de tekst", errors)
    return [(error.line, error.col, error.message) for error in errors]


def test_a_text_without_the_words_of_a_lead_sentence_is_not_split_into_sentences(monkeypatch) -> None:
    split: list[str] = []
    real = validate._sentences
    monkeypatch.setattr(validate, "_sentences", lambda text: split.append(text) or real(text))
    assert _wording(SUMMARY, "Iets heel anders over de regio.\nNog een regel over musea en archieven.") == []
    assert split == [SUMMARY]
    # All the words of a lead sentence, but not as a sentence: looked for, and not found.
    assert _wording(SUMMARY, "De kijker van een project in de regio.\nAnders.") == []
    assert len(split) > 2


@pytest.mark.parametrize(
    ("line", "col"),
    [
        ("EEN PROJECT IN DE KIJKER VAN DE REGIO.", 1),
        ("Eerst dit. Een  project in\tde kíjker van-de regio. En meer.", 1),  # not as written: column 1
        ("Zo: een project in de kijker ‐ – van de Regio!", 1),
        ("Samen met de bibliotheken van Noord.", 1),
    ],
)
def test_a_repeated_lead_sentence_is_found_in_any_case_accent_and_spacing(line: str, col: int) -> None:
    body = f"Een eerste regel.\n\n{line}\nSlot."
    found = _wording(SUMMARY, body)
    if line.startswith("Zo: "):  # "Zo: een project …" is one sentence, longer than the lead one
        assert found == []
        return
    assert [(number, column) for number, column, _ in found] == [(7, col)]
    assert found[0][2] == "deze zin staat al in de samenvatting (summary): de tekst herhaalt hem"


def test_research_notes_are_found_in_any_case_on_their_line() -> None:
    assert _wording("", "Een tekst.\nZonder notities.") == []
    found = _wording("", "Een tekst.\nHet adres VONDEN We nog niet.")
    assert [(line, col) for line, col, _ in found] == [(6, 11)]


def test_hidden_characters_of_a_text_of_several_lines(monkeypatch) -> None:
    looked: list[str] = []
    category = chars.unicodedata.category
    monkeypatch.setattr(chars.unicodedata, "category", lambda char: looked.append(char) or category(char))
    keep = "\t\n\r"
    assert hidden_char("Een tekst\nover\tregels,\r\nzacht\u00adafgebroken.", TEXT_FORMAT_CHARS, keep=keep) is None
    assert looked == []  # no character looked at one by one
    assert hidden_char("Een regel\nmet \u202eomgekeerd", TEXT_FORMAT_CHARS, keep=keep) == "\u202e"
    assert hidden_char("Een regel\nmet een\u00a0harde spatie", TEXT_FORMAT_CHARS, keep=keep) is None
    assert hidden_char("Twee\nregels", TEXT_FORMAT_CHARS) == "\n"  # a newline only where it is kept
    assert hidden_char("Een regel\nmet \ufdd0", TEXT_FORMAT_CHARS, keep=keep) == "\ufdd0"


def test_what_the_body_checks_look_for_is_never_printable() -> None:
    """The premise of looking line by line only at a text that is not printable as a whole."""
    noncharacters = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
        chr(p * 0x10000 + e) for p in range(17) for e in (0xFFFE, 0xFFFF)
    ]
    assert all(chars.NONCHARACTERS.fullmatch(c) and not c.isprintable() for c in noncharacters)
    controls = [chr(c) for c in range(0x3000) if validate._BODY_CONTROL.match(chr(c))]
    assert len(controls) == 39 and not any(c.isprintable() for c in controls)


class _Counted:
    def __init__(self, pattern, calls: list[str]) -> None:
        self.pattern, self.calls = pattern, calls

    def search(self, text: str):
        self.calls.append(text)
        return self.pattern.search(text)


def test_a_body_is_looked_at_line_by_line_only_where_it_hides_something(monkeypatch) -> None:
    from sitegen.load import parse_markdown_source

    searched: list[str] = []
    monkeypatch.setattr(validate, "_BODY_CONTROL", _Counted(validate._BODY_CONTROL, searched))
    front = '---\ntitle: "Een verhaal"\ntype: news\ndate: 2024-05-01\nsummary: "Kort."\n---\n'

    def found(body: str) -> list[tuple[int, int]]:
        source, _ = parse_markdown_source(front + body, "content/articles/x.md")
        return [(e.line, e.col) for e in validate.check_file("articles", source).errors if "onzichtbare" in e.message]

    assert found("Een tekst\tmet een tab.\r\nEn een tweede regel.\n") == [] and searched == []
    assert found("Een tekst.\n\nMet een \u202eomkering op regel 9.\n") == [(9, 9)]
    assert len(searched) > 1  # line by line


def test_a_text_with_few_brackets_is_not_scanned_for_them(monkeypatch) -> None:
    from sitegen import markup

    scanned: list[str] = []
    real = markup._scan_work
    monkeypatch.setattr(markup, "_scan_work", lambda chunk: scanned.append(chunk) or real(chunk))
    text = "Een [link](/igs/noord/) en <https://example.org>.\n\n" * 40
    assert markup.markdown_problems(text) == [] and scanned == []
    # 8,000 brackets that never close: scanned, and refused where the costliest one opens.
    refused = markup.markdown_problems("Een tekst.\n\n" + "[" * 8000)
    assert scanned and [(p.line, p.col) for p in refused] == [(2, 0)]
