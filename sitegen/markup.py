"""Markdown to safe HTML: a fresh Markdown instance per document, then an allowlist sanitizer.

Editors' Markdown may contain pasted HTML; nh3 keeps only harmless tags, attributes and URL
schemes (http, https, mailto, tel: so no javascript:, vbscript: or data:, not even for images).
Root-relative links are prefixed with the site's base path so the site works under a subpath, and
every link is recorded for the link checker.

URLs are read the way browsers read them: tabs and newlines inside and control characters around
them are dropped, and a URL that starts with two slashes or backslashes (`//host`, `/\\host`) points
to another host, so it becomes an explicit https:// link. Images must come from the site itself
(the Content-Security-Policy would block any other): a remote image is removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
import nh3

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
_H1_LINE = re.compile(r"^#(?!#)\s")
_FENCE = re.compile(r"^(```|~~~)")
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
_URL_EDGE = "".join(chr(c) for c in range(0x21))  # browsers strip C0 controls and spaces around a URL
_URL_NOISE = re.compile(r"[\t\n\r]")  # … and tabs and newlines inside it
_OTHER_HOST = re.compile(r"^[/\\]{2}")  # '//host' and '/\\host' lead to another host
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    headings: tuple[tuple[int, str, str], ...]  # (level, id, text)
    links: tuple[str, ...]  # every href/src as written, after base-path prefixing


def heading_one_lines(body: str) -> list[int]:
    """0-based line numbers of level-1 headings ('# ') outside code blocks."""
    found, fenced = [], False
    for number, line in enumerate(body.split("\n")):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _H1_LINE.match(line):
            found.append(number)
    return found


def render_markdown(text: str, base_path: str) -> RenderedMarkdown:
    """Convert one document; `base_path` is the site's path prefix, e.g. '/' or '/repo/'."""
    converter = markdown.Markdown(extensions=["toc", "sane_lists", "tables"], output_format="html")
    raw_html = converter.convert(text)
    links: list[str] = []

    def rewrite(element: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            value = _URL_NOISE.sub("", value.strip(_URL_EDGE))
            if _OTHER_HOST.match(value):
                value = "https://" + value.lstrip("/\\")
            scheme = _SCHEME.match(value)
            if scheme and scheme.group()[:-1].lower() not in URL_SCHEMES:
                return None  # never undo the sanitizer's scheme check by the clean-up above
            if attribute == "src" and (scheme or value.startswith("\\")):
                return None  # a remote image
            if value.startswith("/"):
                value = base_path + value[1:]
            elif attribute == "src" and value.startswith("images/"):
                value = base_path + value
            links.append(value)
        return value

    safe_html = nh3.clean(
        raw_html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener",
        attribute_filter=rewrite,
        strip_comments=True,
    )
    # The sanitizer may drop an unsafe src; an <img> without src or alt is invalid HTML.
    safe_html = _IMG_WITHOUT_ALT.sub('<img alt=""', _IMG_WITHOUT_SRC.sub("", safe_html))
    headings = tuple(_flatten(converter.toc_tokens))  # type: ignore[attr-defined]
    return RenderedMarkdown(safe_html, headings, tuple(links))


def _flatten(tokens: list[dict]) -> list[tuple[int, str, str]]:
    result = []
    for token in tokens:
        result.append((token["level"], token["id"], token["name"]))
        result.extend(_flatten(token["children"]))
    return result
