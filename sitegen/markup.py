"""Markdown to safe HTML: one reused Markdown instance per thread, then an allowlist sanitizer.

Building a `markdown.Markdown` costs about a fifth of converting a typical article, so each
process (and thread) keeps one and calls `reset()` before every document; reset clears the
stashed HTML, the link references and the toc extension's state, so nothing of one document
reaches the next (tests/test_markdown_reuse.py renders documents in both orders against fresh
instances).

Editors' Markdown may contain pasted HTML; nh3 keeps only harmless tags, attributes and URL
schemes (http, https, mailto, tel: so no javascript:, vbscript: or data:, not even for images).
Root-relative links are prefixed with the site's base path so the site works under a subpath, and
every link is recorded for the link checker.

URLs are read the way browsers read them: tabs and newlines inside and control characters around
them are dropped, and a URL that starts with two slashes or backslashes (`//host`, `/\\host`) points
to another host, so it becomes an explicit https:// link. Images must come from the site itself
(the Content-Security-Policy would block any other): a remote image is removed.

Python-Markdown's inline parser scans from every '[' (and '<') to its closing bracket, to the end
of the paragraph when there is none, so stray brackets make it quadratic (8,000 took 19 s), and it
recurses once per level of nesting (a few hundred nested list levels overflow the stack).
`markdown_problems` bounds both before any rendering: a document whose estimated scan work or
nesting exceeds a fixed budget is refused, deterministically, with the place to fix.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from collections.abc import Iterator

import markdown
import nh3
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension, TocTreeprocessor

from .frozen import frozen_dataclass
from .urls import browser_url, leads_to_other_host

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt", "em",
        "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
        "ol", "p", "pre", "q", "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
}  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_TAGS = set(ALLOWED_TAGS)
_ATTRIBUTES = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
_SCHEMES = set(URL_SCHEMES)
_H1_LINE = re.compile(r"^#(?!#)\s")
_HEADING_LINE = re.compile(r"^(#{1,6})(?:\s|$)")
_FENCE = re.compile(r"^(```|~~~)")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

MAX_NESTING = 32  # lists, quotes and indentation together; real texts use a handful
MAX_SCAN = 1_000_000  # characters the inline parser may scan for closing brackets per document (< 1 s)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BRACKET_TOKEN = re.compile(r"\\.|[\[\]()<>]", re.DOTALL)
_LINE_PREFIX = re.compile(r"(?:[ \t]|>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))*")
_HAS_URL_ATTRIBUTE = re.compile(r"href|src", re.IGNORECASE)
_local = threading.local()


@frozen_dataclass
class RenderedMarkdown:
    html: str
    headings: tuple[tuple[int, str, str], ...]  # (level, id, text)
    links: tuple[str, ...]  # every href/src as written, after base-path prefixing


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _without_comments(text: str) -> str:
    """`text` with its HTML comments blanked (their line breaks kept): the page never shows them."""
    if "<!--" not in text:
        return text
    return _HTML_COMMENT.sub(lambda comment: re.sub(r"[^\n]", " ", comment.group()), text)


def _lines_outside_code_blocks(text: str) -> Iterator[tuple[int, str]]:
    """(0-based number, line) of each line of `text` outside fenced code blocks and their fences."""
    fenced = False
    for number, line in enumerate(text.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            yield number, line


def heading_one_lines(body: str) -> list[int]:
    """0-based line numbers of level-1 headings ('# ') outside code blocks."""
    return [number for number, line in _lines_outside_code_blocks(_without_comments(body)) if _H1_LINE.match(line)]


@frozen_dataclass
class MarkdownProblem:
    """Why a document is refused before rendering; `line` and `col` are 0-based within the text."""

    line: int
    col: int
    message: str
    hint: str


def skipped_headings(text: str) -> list[MarkdownProblem]:
    """The headings more than one level below the heading above them ('####' right after '##'),
    the page's title being the only level one: a screen reader's list of headings has a gap there."""
    found: list[MarkdownProblem] = []
    above = 1
    for number, line in _lines_outside_code_blocks(_without_comments(text)):
        heading = _HEADING_LINE.match(line)
        if heading is None:
            continue
        level = len(heading[1])
        if level > above + 1:
            after = "de titel" if above == 1 else f"'{'#' * above}'"
            found.append(
                MarkdownProblem(
                    number,
                    0,
                    f"deze kop slaat een niveau over: '{'#' * level}' na {after}",
                    f"schrijf '{'#' * (above + 1)} ': een tussentitel staat hoogstens één niveau dieper dan de kop "
                    "erboven (wie een schermlezer gebruikt, springt langs die niveaus door de tekst)",
                )
            )
        above = level
    return found


def _scan_work(chunk: str) -> tuple[int, int, int]:
    """(estimated characters scanned, offset and cost of the costliest opener) for one paragraph.

    Each '[' costs the distance to its matching ']' (nesting counted, as the parser does), each
    '(' right after ']' the distance to its ')', each '<' the distance to the next '>'; an opener
    that is never closed costs the rest of the paragraph. Backslash-escaped brackets cost nothing.
    """
    total, worst_at, worst = 0, -1, 0
    squares: list[int] = []
    parens: list[int] = []
    angles: list[int] = []
    previous = ""

    def close(start: int, end: int) -> None:
        nonlocal total, worst_at, worst
        total += end - start
        if end - start > worst:
            worst_at, worst = start, end - start

    for token in _BRACKET_TOKEN.finditer(chunk):
        char, at = token.group(), token.start()
        if char == "[":
            squares.append(at)
        elif char == "]" and squares:
            close(squares.pop(), at)
        elif char == "(" and (previous == "]" or parens):
            parens.append(at)
        elif char == ")" and parens:
            close(parens.pop(), at)
        elif char == "<":
            angles.append(at)
        elif char == ">":
            for start in angles:
                close(start, at)
            angles.clear()
        previous = char if token.end() == at + 1 else ""
    for start in sorted(squares + parens + angles):
        close(start, len(chunk))
    return total, worst_at, worst


# Links and images a reader cannot use: an image without a description (a screen reader has nothing
# to read out, WCAG 1.1.1), a link without text (nothing to click or to name it, 2.4.4) or without
# an address. Looked for in the text as written, outside code: (pattern, what may not come right
# before it, column of the problem in the match, message, hint). Each pattern starts with a literal,
# so that a text without one is passed over in C (a lookbehind in front made it ten times slower).
_UNUSABLE = (
    (
        re.compile(r"!\[[ \t]*\]"),
        "\\",
        0,
        "een afbeelding zonder beschrijving",
        "schrijf tussen de [ ] wat er op de afbeelding te zien is, bv. ![Affiche van het zomerfestival]"
        "(/images/affiche.jpg): wie de afbeelding niet ziet, leest of hoort die beschrijving",
    ),
    (
        re.compile(r"\[[ \t]*\]\("),
        "\\!",
        0,
        "een link zonder tekst",
        "schrijf tussen de [ ] waar de link naartoe leidt, bv. [het project](/verhalen/project-x/)",
    ),
    (
        re.compile(r"\]\([ \t]*(?:<[ \t]*>)?[ \t]*\)"),
        "\\",
        1,  # at its '('
        "een link zonder adres",
        "zet tussen de ( ) waar de link naartoe gaat, bv. [het project](/verhalen/project-x/)",
    ),
)
_CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")
# HTML the sanitizer drops with all it shows: pasted, it would vanish from the page without a word.
# (A script or a style shows nothing to begin with: the sanitizer removes it quietly.)
# (Followed by what may follow a tag's name: `<form@west.be>` is an e-mail address, which Markdown links.)
_DROPPED_HTML = re.compile(
    r"<(iframe|object|embed|video|audio|source|form|input|button|select|textarea|canvas|svg|math)(?=[\s/>]|$)",
    re.IGNORECASE,
)
_EMBED_HINT = (
    "een video, kaart, formulier of ander stuk van een andere site kan je niet insluiten: "
    "zet er een link naar, bv. [Bekijk de video](https://www.youtube.com/watch?v=…)"
)


def markdown_mistakes(text: str) -> list[MarkdownProblem]:
    """The images without a description, the links without text or address and the HTML that
    would not be shown (an embedded video, a script) in `text`."""
    html = _DROPPED_HTML.search(text) is not None
    if not html and not any(pattern.search(text) for pattern, *_ in _UNUSABLE):  # most texts: a few passes in C
        return []
    if html:  # a comment is never shown: what it holds is not a mistake
        text = _without_comments(text)
    found = []
    for number, line in _lines_outside_code_blocks(text):
        line = _CODE_SPAN.sub(lambda span: " " * len(span.group()), line) if "`" in line else line
        found += [
            MarkdownProblem(
                number,
                match.start(),
                f"deze HTML verschijnt niet op de site: <{match[1].lower()}>",
                _EMBED_HINT,
            )
            for match in (_DROPPED_HTML.finditer(line) if html else ())
            if not (match.start() and line[match.start() - 1] == "\\")
        ]
        for pattern, not_after, shift, message, hint in _UNUSABLE:
            found += [
                MarkdownProblem(number, match.start() + shift, message, hint)
                for match in pattern.finditer(line)
                if not (match.start() and line[match.start() - 1] in not_after)
            ]
    return sorted(found, key=lambda problem: (problem.line, problem.col))


def markdown_problems(text: str) -> list[MarkdownProblem]:
    """What would make rendering `text` take too long or overflow the stack (see the module doc)."""
    problems = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        prefix = _LINE_PREFIX.match(line).group().expandtabs(4)  # type: ignore[union-attr]
        depth = prefix.count(">") + len(re.findall(r"[-*+]|\d+[.)]", prefix)) + prefix.count(" ") // 4
        if depth > MAX_NESTING:
            problems.append(
                MarkdownProblem(
                    number,
                    0,
                    f"de tekst is te diep genest (meer dan {MAX_NESTING} niveaus lijsten, citaten of inspringing)",
                    "gebruik minder inspringing en minder '>' of lijsttekens vooraan de regel",
                )
            )
            break
    total, worst_at, worst = 0, -1, 0
    start = 0
    # Each opener costs at most the length of the text: a text with few of them cannot go over.
    openers = text.count("[") + text.count("(") + text.count("<")
    for separator in [*_BLANK_LINE.finditer(text), None] if openers * len(text) > MAX_SCAN else ():
        end = separator.start() if separator else len(text)
        cost, at, cost_at = _scan_work(text[start:end])
        total += cost
        if cost_at > worst:
            worst_at, worst = start + at, cost_at
        start = separator.end() if separator else end
    if total > MAX_SCAN:
        before = text[:worst_at]
        problems.append(
            MarkdownProblem(
                before.count("\n"),
                worst_at - (before.rfind("\n") + 1),
                "te veel haakjes '[', '(' of '<' zonder sluitend haakje: de opmaak van deze tekst zou te lang duren",
                "sluit elk '[' met ']' en elk '<' met '>', of schrijf een los haakje als \\[ of \\<",
            )
        )
    return problems


def render_markdown(text: str, base_path: str) -> RenderedMarkdown:
    """Convert one document; `base_path` is the site's path prefix, e.g. '/' or '/repo/'."""
    converter = _converter()
    _only_what_can_match(converter, text)
    raw_html = converter.reset().convert(text)
    links: list[str] = []
    plain, rewriting, rewriter = _sanitizers()
    # Without an href or src the filter would return every value unchanged: the sanitizer without it
    # does not call back into Python for every attribute.
    if _HAS_URL_ATTRIBUTE.search(raw_html):
        rewriter.base_path, rewriter.links = base_path, links
        safe_html = rewriting.clean(raw_html)
    else:
        safe_html = plain.clean(raw_html)
    # The sanitizer may drop an unsafe src; an <img> without src or alt is invalid HTML.
    safe_html = _IMG_WITHOUT_ALT.sub('<img alt=""', _IMG_WITHOUT_SRC.sub("", safe_html))
    headings = tuple(_flatten(converter.toc_tokens))  # type: ignore[attr-defined]
    return RenderedMarkdown(safe_html, headings, tuple(links))


# Python-Markdown tries every inline pattern on every piece of text (half of its time on a typical
# story). Each pattern below needs one of its marks in the text to match, so it is left out for a
# document without any of them: the text it sees comes from the document alone, after tabs are
# expanded and line ends normalised (so a tab or carriage return keeps the line break pattern).
# A reference pattern only makes a link to a reference the document defines ('[id]: url'), and
# leaves the text as it was otherwise (so the other patterns see the same text): without a ']:' it is
# left out too (removing the markers STX and ETX, as Python-Markdown does first, could make one).
_NEEDS = {
    "backtick": ("`",),
    "escape": ("\\",),
    "reference": ("]:",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("]:",),
    "short_reference": ("]:",),
    "short_image_ref": ("]:",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n", "\t", "\r"),
    "html": ("<",),
    "entity": ("&",),
    "em_strong": ("*", "_"),
}
# Likewise the block processors whose test (tried on every block) needs one of these marks: a
# quote's '>', a reference's ']:', a table's '|', a heading's '#', a rule's three '*', '-' or '_'.
# A block is the document's text, less what the block parser took off the start of its lines.
_BLOCK_NEEDS = {
    "quote": (">",),
    "reference": ("]:",),
    "table": ("|",),
    "hashheader": ("#",),
    "hr": ("*", "-", "_"),
}
# The toc extension puts its table of contents in place of a paragraph that is only this marker.
_TOC_MARKER = "[TOC]"
_MARKS = frozenset(
    [_TOC_MARKER, *(mark for needs in (_NEEDS, _BLOCK_NEEDS) for marks in needs.values() for mark in marks)]
)


def _only_what_can_match(converter: markdown.Markdown, text: str) -> None:
    """Give the converter's inline processor and block parser only the patterns and processors that
    can match in `text`, and its toc treeprocessor the marker only where `text` holds it."""
    if "\x02" in text or "\x03" in text:
        text = text.replace("\x02", "").replace("\x03", "")
    found = frozenset(mark for mark in _MARKS if mark in text)
    chosen = _local.chosen.get(found)
    if chosen is None:
        inline, blocks = converter.inlinePatterns, _local.blocks
        chosen = _local.chosen[found] = (_needed(inline, _NEEDS, found), _needed(blocks, _BLOCK_NEEDS, found))
    converter.treeprocessors["inline"].inlinePatterns, converter.parser.blockprocessors = chosen
    converter.treeprocessors["toc"].marker = _TOC_MARKER if _TOC_MARKER in found else ""  # type: ignore[attr-defined]


def _needed(
    registry: markdown.util.Registry, needs: dict[str, tuple[str, ...]], found: frozenset[str]
) -> markdown.util.Registry:
    """The items of `registry` that need no mark or one of those `found`, in its order."""
    chosen: markdown.util.Registry = markdown.util.Registry()
    for item in registry._priority:
        if item.name not in needs or any(mark in found for mark in needs[item.name]):
            chosen.register(registry[item.name], item.name, item.priority)
    return chosen


class _Toc(TocTreeprocessor):
    """The toc extension's treeprocessor, which builds the table of contents (a tree, prettified,
    serialized and post-processed) only for a document with the marker: only the headings' ids and
    tokens are read here, and the table itself only where the marker is replaced by it."""

    def build_toc_div(self, toc_list: list) -> etree.Element:
        return super().build_toc_div(toc_list) if self.marker else etree.Element("div")


class _TocExtension(TocExtension):
    TreeProcessorClass = _Toc


class _UrlRewriter:
    """The sanitizer's attribute filter: an href or src as the site serves it (`base_path` in front of
    a root-relative one), each kept in `links`, which the caller sets per document."""

    def __init__(self) -> None:
        self.base_path = "/"
        self.links: list[str] = []

    def __call__(self, element: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            value = browser_url(value)
            if leads_to_other_host(value):
                value = "https://" + value.lstrip("/\\")
            scheme = _SCHEME.match(value)
            if scheme and scheme.group()[:-1].lower() not in URL_SCHEMES:
                return None  # never undo the sanitizer's scheme check by the clean-up above
            if attribute == "src" and (scheme or value.startswith("\\")):
                return None  # a remote image
            if value.startswith("/"):
                value = self.base_path + value[1:]
            elif attribute == "src" and value.startswith("images/"):
                value = self.base_path + value
            self.links.append(value)
        return value


def _sanitizers() -> tuple[nh3.Cleaner, nh3.Cleaner, _UrlRewriter]:
    """This thread's sanitizers, without and with the URL filter (whose per-document state is the
    third), made once: nh3.clean builds its allowlists anew on every call (a tenth of its time)."""
    made = getattr(_local, "sanitizers", None)
    if made is None:
        rewriter = _UrlRewriter()
        allowed = {"tags": _TAGS, "attributes": _ATTRIBUTES, "url_schemes": _SCHEMES, "link_rel": "noopener"}
        plain = nh3.Cleaner(**allowed, strip_comments=True)
        rewriting = nh3.Cleaner(**allowed, attribute_filter=rewriter, strip_comments=True)
        made = _local.sanitizers = (plain, rewriting, rewriter)
    return made  # type: ignore[no-any-return]


def _converter() -> markdown.Markdown:
    """This thread's Markdown instance (created on first use; callers reset it per document)."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        # The extensions as objects, not names: a name is looked up among the entry points of every
        # installed distribution (importlib.metadata, some 10 ms of a small rebuild).
        extensions = [_TocExtension(), SaneListExtension(), TableExtension()]
        converter = markdown.Markdown(extensions=extensions, output_format="html")
        _local.converter = converter
        _local.blocks = converter.parser.blockprocessors  # all of them: _only_what_can_match chooses
        _local.chosen = {}
    return converter


def _flatten(tokens: list[dict]) -> list[tuple[int, str, str]]:
    result = []
    for token in tokens:
        result.append((token["level"], token["id"], token["name"]))
        result.extend(_flatten(token["children"]))
    return result
