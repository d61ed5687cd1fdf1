"""The one error type of the generator: a content problem with file, line and column."""

from __future__ import annotations

import difflib
import errno
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from .frozen import frozen_dataclass

_INVISIBLE = r"\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
_UNPRINTABLE = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_UNPRINTABLE_BUT_LINES = re.compile(f"[\x00-\x09\x0b\x0c\x0e-\x1f{_INVISIBLE}]")


def printable(text: str, *, newlines: bool = True) -> str:
    """`text` safe for a terminal: control characters (escape sequences!) and invisible or
    reordering ones shown as \\x1b or \\u202e; line breaks (\\n, \\r) kept if `newlines`."""

    def escape(found: re.Match[str]) -> str:
        code = ord(found.group())
        named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(found.group())
        return named or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")

    text = (_UNPRINTABLE_BUT_LINES if newlines else _UNPRINTABLE).sub(escape, text)
    if any(unicodedata.category(c) in ("Cf", "Co", "Cn") for c in text):
        text = "".join(
            f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Co", "Cn") and ord(c) > 0xFF else c for c in text
        )
    return text


@frozen_dataclass
class ContentError(Exception):
    """A problem an editor can fix, pinned to a place in a source file.

    `path` is shown as given (relative to the project root); `line` and `col` are 1-based,
    0 means unknown. `hint` is an optional second sentence telling how to fix it.
    """

    message: str
    path: str
    line: int = 0
    col: int = 0
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"

    def __reduce__(self) -> tuple[type[ContentError], tuple[str, str, int, int, str]]:
        # An exception pickles through its args, which a frozen dataclass leaves empty: this way the
        # errors of files read in pmap's workers (sitegen/load.py) come back to the parent whole.
        return (type(self), (self.message, self.path, self.line, self.col, self.hint))

    @property
    def location(self) -> str:
        path = printable(self.path, newlines=False)
        if not self.line:
            return path
        if not self.col:
            return f"{path}:{self.line}"
        return f"{path}:{self.line}:{self.col}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.message)

    def render(self, root: Path | None = None) -> str:
        """The full report: location and message, the source line with a caret, the hint."""
        lines = [f"{self.location}: {printable(self.message, newlines=False)}"]
        if root is not None and self.line:
            source = source_line(root / self.path, self.line)
            if source is not None:
                shown = printable(source.expandtabs(1))
                lines.append(f"    {shown}")
                caret_at = max(self.col - 1, 0)
                lines.append("    " + " " * min(caret_at, len(shown)) + "^")
        if self.hint:
            lines.append(f"    hint: {printable(self.hint)}")
        return "\n".join(lines)


class ContentErrors(Exception):
    """Several content errors at once; raised by a stage that collected them all.

    `links_checked` is False when the errors stopped the build before the link check (which needs
    every page rendered): the report then says that broken links may still follow.
    """

    def __init__(self, errors: Iterable[ContentError], *, links_checked: bool = True):
        self.errors = sorted(set(errors), key=ContentError.sort_key)
        self.links_checked = links_checked
        super().__init__(f"{len(self.errors)} content error(s)")


def source_line(path: Path, line: int) -> str | None:
    """Line `line` (1-based) of the file, for showing under an error; None if there is none."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    if 0 < line <= len(lines):
        return lines[line - 1]
    return None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A Dutch 'bedoelde je …?' hint with the closest choices, or an empty string."""
    candidates = sorted(set(choices))
    lowered = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.6)
    if not matches:
        return ""
    names = [f"'{lowered[m]}'" for m in matches]
    if len(names) == 1:
        return f"bedoelde je {names[0]}?"
    return f"bedoelde je {', '.join(names[:-1])} of {names[-1]}?"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(error: ContentError) -> str:
    """The error as a GitHub Actions workflow command: shown on the line in a pull request's diff.

    One line whatever the text holds: GitHub's escaping turns newlines into %0A, so content can
    never start a workflow command of its own.
    """
    properties = [f"file={_escape_property(printable(error.path, newlines=False))}"]
    if error.line:
        properties.append(f"line={error.line}")
        if error.col:
            properties.append(f"col={error.col}")
    properties.append(f"title={_escape_property('Fout in de inhoud')}")
    text = printable(f"{error.message} — {error.hint}" if error.hint else error.message)
    return f"::error {','.join(properties)}::{_escape_data(text)}"


SUMMARY_LIMIT = 50  # the summary page stays short; the log has them all
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _markdown_text(text: str) -> str:
    """Plain text for a Markdown document: special characters escaped, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def step_summary(
    title: str, errors: Iterable[ContentError], outcome: Sequence[str] = (), *, links_checked: bool = True
) -> str:
    """A short Dutch Markdown report for the run's summary page on GitHub.

    Without errors it says `outcome` (what was checked: a sentence, then details as a list); with
    errors it lists the first SUMMARY_LIMIT of them, each with its place and hint (and, when the
    errors stopped the build before the link check, that the links are still to be checked).
    """
    found = list(errors)
    if not found:
        said = [_markdown_text(outcome[0])] if outcome else []
        said += [f"- {_markdown_text(line)}" for line in outcome[1:]]
        return "\n".join([f"### ✅ {title}: geen fouten", "", *said]) + "\n\n"
    noun = "fout" if len(found) == 1 else "fouten"
    lines = [
        f"### ❌ {title}: {len(found)} {noun}",
        "",
        "Verbeter deze plaatsen; bij een pull request staat elke fout ook bij de regel zelf, in het "
        "tabblad *Files changed*. Er is niets gepubliceerd.",
        "",
    ]
    for error in found[:SUMMARY_LIMIT]:
        where = error.location.replace("`", "'")
        line = f"- `{where}`: {_markdown_text(error.message)}"
        if error.hint:
            line += f" — *tip:* {_markdown_text(error.hint)}"
        lines.append(line)
    if len(found) > SUMMARY_LIMIT:
        lines.append(f"- … en nog {len(found) - SUMMARY_LIMIT} (alle fouten staan in het logboek van deze stap)")
    if not links_checked:
        lines += ["", LINKS_NOT_CHECKED]
    return "\n".join(lines) + "\n\n"


LINKS_NOT_CHECKED = (
    "De links zijn nog niet nagekeken: dat kan pas als deze fouten verbeterd zijn. Voer daarna de controle opnieuw uit."
)


def summary_line(count: int) -> str:
    """The one closing line after the list of errors."""
    noun = "fout" if count == 1 else "fouten"
    return f"Build mislukt: {count} {noun} gevonden. Er is niets gepubliceerd of gewijzigd in de uitvoermap."


_OS_REASONS = {
    errno.ENOENT: "bestaat niet",
    errno.EACCES: "geen toegang (leesrechten of schrijfrechten ontbreken)",
    errno.EPERM: "geen toegang (de bewerking is niet toegestaan)",
    errno.ELOOP: "de symbolische koppelingen vormen een lus",
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "de schijfruimte (quotum) is op",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EISDIR: "is een map, geen bestand",
    errno.ENAMETOOLONG: "de naam is te lang",
    errno.EIO: "lees- of schrijffout van het apparaat",
    errno.EMFILE: "te veel open bestanden",
    errno.ENXIO: "het is geen gewoon bestand (maar bijvoorbeeld een pipe of een apparaat)",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Dutch (the system's own words where we have none)."""
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or str(exc))
