"""The one error type of the generator: a content problem with file, line and column."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
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

    @property
    def location(self) -> str:
        if not self.line:
            return self.path
        if not self.col:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.message)

    def render(self, root: Path | None = None) -> str:
        """The full report: location and message, the source line with a caret, the hint."""
        lines = [str(self)]
        if root is not None and self.line:
            source = _source_line(root / self.path, self.line)
            if source is not None:
                shown = source.expandtabs(1)
                lines.append(f"    {shown}")
                caret_at = max(self.col - 1, 0)
                lines.append("    " + " " * min(caret_at, len(shown)) + "^")
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)


class ContentErrors(Exception):
    """Several content errors at once; raised by a stage that collected them all."""

    def __init__(self, errors: Iterable[ContentError]):
        self.errors = sorted(set(errors), key=ContentError.sort_key)
        super().__init__(f"{len(self.errors)} content error(s)")


def _source_line(path: Path, line: int) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    lines = text.splitlines()
    if 0 < line <= len(lines):
        return lines[line - 1].rstrip("\r\n")
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


def summary_line(count: int) -> str:
    """The one closing line after the list of errors."""
    noun = "fout" if count == 1 else "fouten"
    return f"Build mislukt: {count} {noun} gevonden. Er is niets gepubliceerd of gewijzigd in de uitvoermap."
