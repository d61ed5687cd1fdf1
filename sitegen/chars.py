"""Characters that hide what a text or a name is: invisible, reordering, not meant for text, or
letters from another alphabet that look like Latin ones.

Used for file names (load), text fields and IGS names (validate). A name is compared by its
`skeleton`, so 'Leiedal', 'LEIEDAL', 'Lеiedal' (Cyrillic е) and 'Leïedal' count as the same.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Allowed in running text (not in names): soft hyphen (hyphenation), zero-width (non-)joiner (emoji, scripts).
TEXT_FORMAT_CHARS = frozenset({"\u00ad", "\u200c", "\u200d"})
# Not 'Cn' (unassigned) as a whole: emoji newer than Python's Unicode tables are assigned elsewhere.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_PLANE_ENDS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
NONCHARACTERS = re.compile(f"[\ufdd0-\ufdef{_PLANE_ENDS}]")

# Letters that look like Latin ones (Unicode's confusables for Cyrillic and Greek, the common part),
# plus digits that pass for letters in names such as 'CO7'.
_LOOKALIKES = str.maketrans(
    "АВЕЅІЈКМНОРСТХУаеіјоурсхѕԁһԛԝӏɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧορικνυχ01",
    "ABESIJKMHOPCTXYaeijoypcxsdhqwlgABEZHIKMNOPTYXopikvuxol",
)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.,'’`´]+")


def is_noncharacter(char: str) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane: never to be exchanged as text."""
    return NONCHARACTERS.fullmatch(char) is not None


@functools.lru_cache(maxsize=1 << 12)  # asked for every IGS name on every build that checks the IGS'en
def scripts(text: str) -> frozenset[str]:
    """The alphabets (LATIN, CYRILLIC, GREEK …) of the letters in `text`."""
    return frozenset(unicodedata.name(c, "?").split()[0] for c in text if c.isalpha())


def hidden_char(text: str, allowed: frozenset[str] = frozenset(), *, keep: str = "") -> str | None:
    """The first control, format (bidi overrides, zero-width …), private-use or noncharacter
    code point in `text`, or None. `keep` lists controls that are fine (e.g. newline)."""
    # A printable character is none of them (noncharacters are unassigned: not printable either).
    if text.isprintable() or text.translate(_fine(allowed, keep)).isprintable():
        return None  # the usual case (a text of several lines too), without a loop in Python
    for char in text:
        if char in allowed or char in keep:
            continue
        if is_noncharacter(char) or unicodedata.category(char) in _HIDDEN_CATEGORIES:
            return char
    return None


@functools.cache
def _fine(allowed: frozenset[str], keep: str) -> dict[int, None]:
    """A str.translate table that takes out the characters hidden_char lets pass."""
    return dict.fromkeys(map(ord, allowed | set(keep)))


def char_name(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE', for a message."""
    name = unicodedata.name(char, "")
    if is_noncharacter(char):
        name = "noncharacter"
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


@functools.lru_cache(maxsize=1 << 12)  # asked for every IGS name and alias on every build that checks them
def skeleton(name: str) -> str:
    """What a name looks like: compatibility forms folded (NFKC), lookalike letters mapped to Latin,
    case and accents dropped, spaces, hyphens and punctuation ignored."""
    text = unicodedata.normalize("NFKC", name).translate(_LOOKALIKES).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = "".join(c for c in text if unicodedata.category(c) not in _HIDDEN_CATEGORIES | {"Cn"})
    return _SEPARATORS.sub("", text)


def same_file_name(name: str) -> str:
    """The key under which case-insensitive or normalising file systems (macOS, Windows, many
    web hosts) see a file name."""
    return unicodedata.normalize("NFC", name).casefold()
