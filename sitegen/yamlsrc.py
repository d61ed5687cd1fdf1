"""Safe YAML reading that keeps the line and column of every key and value.

PyYAML's `safe_load` forgets positions and silently keeps the last of two equal keys. We compose
the node tree with the safe loader and convert it ourselves, so that validation can point at the
exact place of a problem and duplicate keys, anchors and unknown tags become content errors.

The node tree comes from libyaml (`CSafeLoader`, 7-13 times faster; its nodes carry the same
marks) when PyYAML has it. Any file libyaml refuses, or that holds a character where the two
parsers are known to disagree (a tab, an unusual line break), is parsed again by the pure-Python
loader, so every syntax error keeps its Dutch message and position exactly as before, and
tests/test_yaml_native.py checks that both paths give the same data, positions and errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any

import yaml

from .errors import ContentError
from .frozen import frozen_dataclass

KeyPath = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

MAX_DEPTH = 32  # the deepest content field is 4 levels down
_OPENING_TOKENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSING_TOKENS = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
_FLOW_OPENING_TOKENS = (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
# libyaml, when this PyYAML was built with it. It accepts a tab after 'key:' where the pure-Python
# scanner refuses it (with the message editors know), it may count the rarer line breaks
# differently, it places the empty key of an explicit '?' elsewhere, and it resolves a bare '!'
# tag and reads directives ('%') its own way, and it takes '#' straight after a block scalar's '|' or
# '>' for a comment: files with any of those take the pure-Python path. A '?' is an explicit key only
# where a token may start (a line's start, after a blank, an indicator or a closing quote); the
# question mark of a sentence ('Wat is een IGS? Lees ...') is text to both parsers. Every branch
# starts with its character and looks behind it, so that the search skips ahead to those characters.
_NATIVE_LOADER: type | None = getattr(yaml, "CSafeLoader", None)
_NATIVE_UNSAFE = re.compile(
    r"[\t\x85\u2028\u2029]"
    r"|\?(?<![^\s\[\]{},:\"']\?)(?!\S)"  # '?' at a line's start or after a blank, an indicator or a quote
    r"|!(?<![^\s\[{,]!)"  # '!' likewise
    r"|%(?<![^\n]%)"  # '%' at a line's start
    r"|[|>][-+0-9]*#"
)

# PyYAML's English problem texts, in Dutch with a hint for the usual cause.
_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "found character '\\t' that cannot start any token",
        "tab-teken gevonden: YAML laat alleen spaties toe om in te springen",
        "vervang de tab door spaties",
    ),
    (
        "mapping values are not allowed here",
        "onverwachte dubbele punt",
        "staat er een ':' in een tekst? Zet de hele tekst dan tussen aanhalingstekens",
    ),
    (
        "could not find expected ':'",
        "een regel zonder 'sleutel: waarde'",
        "zet een ':' en een spatie na de veldnaam; hoort de regel bij de tekst erboven, "
        "zet die hele tekst dan tussen aanhalingstekens",
    ),
    (
        "did not find expected key",
        "deze regel springt niet goed in",
        "lijn de regel uit met de andere velden op hetzelfde niveau",
    ),
    (
        "did not find expected '-' indicator",
        "dit lijstelement springt niet goed in",
        "lijn alle '- ' van een lijst onder elkaar uit",
    ),
    (
        "found unexpected end of stream",
        "deze tekst tussen aanhalingstekens wordt nergens afgesloten",
        "zet hetzelfde aanhalingsteken (\" of ') ook aan het einde van de tekst",
    ),
    (
        "expected ',' or ']'",
        "deze lijst tussen [ en ] wordt niet (goed) afgesloten",
        "sluit de lijst met ] op dezelfde regel; "
        "zet een element met een komma, dubbele punt of vraagteken tussen aanhalingstekens",
    ),
    (
        "expected ',' or '}'",
        "dit blok tussen { en } wordt niet (goed) afgesloten",
        "sluit het blok met } op dezelfde regel, of schrijf de velden onder elkaar",
    ),
    (
        "expected <block end>, but found",
        "deze regel springt niet goed in",
        "lijn de regel uit met de andere velden of lijstelementen op hetzelfde niveau",
    ),
    (
        "found undefined alias",
        "verwijzing (*) naar een anker dat niet bestaat",
        "ankers (&) en verwijzingen (*) zijn hier niet nodig: schrijf de waarde voluit",
    ),
    (
        "expected a single document in the stream",
        "het bestand bevat meer dan één YAML-document (een tweede '---')",
        "verwijder de extra '---' regel",
    ),
    (
        "found unknown escape character",
        "ongeldige escape-code (\\) tussen dubbele aanhalingstekens",
        "gebruik enkele aanhalingstekens of schrijf de backslash dubbel (\\\\)",
    ),
    (
        "found unacceptable character",
        "het bestand bevat een teken dat YAML niet toelaat",
        "verwijder onzichtbare of besturingstekens (vaak meegeplakt uit Word of een e-mail)",
    ),
    (
        "that cannot start any token",
        "een waarde mag niet met dit teken beginnen",
        "zet de hele tekst tussen aanhalingstekens",
    ),
)
# Problems whose own mark is the end of the file: the place to show is where the construct began.
_USE_CONTEXT_MARK = ("found unexpected end of stream", "expected ',' or ']'", "expected ',' or '}'")
# A line without ':' (`website https://x.be`) is found only on the next line: its context mark is
# the start of the line that lacks it.
_NO_COLON = "could not find expected ':'"
_DASH_LINE = re.compile(r"^(\s*)-(?:\s|$)")
_COMMENT = re.compile(r"\s#.*$")
_MAPPING_VALUES = "mapping values are not allowed here"
# Field names are lower case (sitegen/schema.py): a line that starts with 'Het' or 'Doel:' is the next
# line of a text (that needs quotes), and keeps YAML's own, more general message.
_FIELD_LINE = re.compile(r"^(\s*)[a-z_][a-z0-9_]*:(?:\s|$)")
_FIELD_WITHOUT_COLON = re.compile(r"^(\s*(?:-\s+)?)([a-z_][a-z0-9_]*)[ \t]+(\S.*?)\s*$")
# 'color: #1b6e8a' is a key with an empty value and a comment: almost always a mistake.
_COMMENT_AS_VALUE = re.compile(r"\s*:\s+(#\S+)")


@frozen_dataclass
class YamlDoc:
    """Plain data from one YAML source plus the position of each key and value."""

    src_path: str
    data: Any
    value_pos: Mapping[KeyPath, Position] = field(default_factory=dict)
    key_pos: Mapping[KeyPath, Position] = field(default_factory=dict)
    raw_scalars: Mapping[KeyPath, str] = field(default_factory=dict)
    """The text of each plain scalar as written (and of each folded '>' one): a value without an entry
    is quoted, or a literal '|' block whose lines are the file's lines below its key."""

    @property
    def empty(self) -> bool:
        """Whether the document holds nothing (an empty file, or one that could not be parsed)."""
        return self.data is None

    def pos(self, path: KeyPath, *, key: bool = False) -> Position:
        """The position of `path`, or of its nearest ancestor that has one."""
        table = self.key_pos if key else self.value_pos
        probe = path
        while True:
            if probe in table:
                return table[probe]
            if key and probe in self.value_pos:
                return self.value_pos[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def error(self, path: KeyPath, message: str, hint: str = "", *, key: bool = False) -> ContentError:
        line, col = self.pos(path, key=key)
        return ContentError(message, self.src_path, line, col, hint)


def _translate(exc: yaml.MarkedYAMLError) -> tuple[str, str]:
    problem = exc.problem or exc.context or str(exc)
    said = f"{exc.context or ''} {exc.problem or ''}"
    for english, dutch, hint in _PROBLEMS:
        if english in said:
            return dutch, hint
    return f"YAML-syntaxfout: {problem}", "controleer inspringing, dubbele punten en aanhalingstekens"


class _Converter:
    def __init__(self, src_path: str, line_offset: int, lines: list[str]) -> None:
        self.src_path = src_path
        self.lines = lines
        self.line_offset = line_offset
        self.value_pos: dict[KeyPath, Position] = {}
        self.key_pos: dict[KeyPath, Position] = {}
        self.raw: dict[KeyPath, str] = {}
        self.errors: list[ContentError] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def position(self, node: yaml.Node) -> Position:
        mark = node.start_mark
        return (mark.line + 1 + self.line_offset, mark.column + 1)

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        line, col = self.position(node)
        self.errors.append(ContentError(message, self.src_path, line, col, hint))

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.value_pos[path] = self.position(node)
        if node.tag not in _STANDARD_TAGS:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!", 1)  # as the editor typed it
            self.fail(
                node,
                f"onbekende YAML-tag '{shown}'",
                "verwijder de tag (het woord dat met ! begint)",
            )
            if isinstance(node, yaml.ScalarNode):
                return node.value  # read on as plain text, so that only the tag is reported
        if isinstance(node, yaml.MappingNode):
            return self.convert_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self.convert_items(node, path)
        return self.convert_scalar(node, path)

    def convert_items(self, node: yaml.SequenceNode, path: KeyPath) -> list[Any]:
        result: list[Any] = []
        for item in node.value:
            pieces = self.dashes_in_text(item) if isinstance(item, yaml.ScalarNode) else None
            if pieces is None:
                result.append(self.convert(item, (*path, len(result))))
                continue
            for position, text in pieces:  # read as the editor meant it: no second report about them
                self.value_pos[(*path, len(result))] = position
                self.raw[(*path, len(result))] = text
                result.append(text)
        return result

    def dashes_in_text(self, node: yaml.ScalarNode) -> list[tuple[Position, str]] | None:
        """`- Brugge` followed by a line `   - Damme` that springs in further is one plain text to
        YAML ('Brugge - Damme'): reported on each such line; the elements as they were meant."""
        first, last = node.start_mark.line, min(node.end_mark.line, len(self.lines) - 1)
        if node.style or last <= first:
            return None
        pieces = [(self.position(node), _COMMENT.sub("", self.lines[first][node.start_mark.column :]))]
        for index in range(first + 1, last + 1):
            line = _COMMENT.sub("", self.lines[index])
            found = _DASH_LINE.match(line)
            if found is None:  # a text that goes on on the next line, as YAML allows
                pieces[-1] = (pieces[-1][0], f"{pieces[-1][1]} {line.strip()}")
                continue
            above = pieces[-1][1].strip()
            line_number = index + 1 + self.line_offset
            self.errors.append(
                ContentError(
                    "dit lijstelement springt verder in dan het element erboven",
                    self.src_path,
                    line_number,
                    len(found[1]) + 1,
                    "lijn alle '- ' van de lijst onder elkaar uit; "
                    f"nu leest YAML deze regel als een vervolg van '{above}'",
                )
            )
            pieces.append(((line_number, found.end() + 1), line[found.end() :]))
        if len(pieces) == 1:
            return None
        return [(position, text.strip()) for position, text in pieces]

    def convert_mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(key_node, "een sleutel moet een gewoon woord zijn", "bv. 'name:'")
                continue
            key = str(key_node.value)
            key_position = self.position(key_node)
            if key in first_seen:
                line, _ = first_seen[key]
                self.fail(
                    key_node,
                    f"het veld '{key}' staat twee keer in dit blok (ook op regel {line})",
                    "houd één van beide over; anders telt alleen de laatste en gaat de eerste stil verloren",
                )
                continue
            first_seen[key] = key_position
            self.key_pos[(*path, key)] = key_position
            self._check_comment_as_value(key_node, value_node, key)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _check_comment_as_value(self, key_node: yaml.Node, value_node: yaml.Node, key: str) -> None:
        if not (isinstance(value_node, yaml.ScalarNode) and value_node.tag == "tag:yaml.org,2002:null"):
            return
        if value_node.value or key_node.end_mark.line >= len(self.lines):
            return
        found = _COMMENT_AS_VALUE.match(self.lines[key_node.end_mark.line], key_node.end_mark.column)
        if found:
            line, _ = self.position(key_node)
            self.errors.append(
                ContentError(
                    f"'{key}' is leeg: alles vanaf # leest YAML als commentaar",
                    self.src_path,
                    line,
                    found.start(1) + 1,
                    f"zet de waarde tussen aanhalingstekens: {key}: '{found.group(1)}'",
                )
            )

    def convert_scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        # Plain scalars (style None, or '' from libyaml) may mean a number, a date, a boolean …; a folded
        # one ('>') is kept too, so that nothing reads its lines as the file's (YAML joined them).
        if not node.style or node.style == ">":
            self.raw[path] = node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError:
            if node.tag == "tag:yaml.org,2002:timestamp":
                return node.value  # e.g. 2025-02-30: validation reports it where a date is expected
            self.fail(node, f"ongeldige waarde '{node.value}'")
            return None
        except yaml.YAMLError as exc:
            self.fail(node, f"ongeldige waarde '{node.value}': {exc}")
            return None


def parse_yaml(text: str, src_path: str, line_offset: int = 0) -> tuple[YamlDoc, list[ContentError]]:
    """Parse YAML text; returns the document and every problem found (the data is None on a syntax error)."""
    # PyYAML checks for unprintable characters in the Loader's constructor, outside any mark.
    unprintable = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if unprintable:
        before = text[: unprintable.start()]
        line = before.count("\n") + 1 + line_offset
        col = unprintable.start() - (before.rfind("\n") + 1) + 1
        message = f"het bestand bevat een onzichtbaar besturingsteken (U+{ord(unprintable.group()):04X})"
        hint = "verwijder het teken: typ de regel opnieuw in plaats van ze te plakken"
        return YamlDoc(src_path, None), [ContentError(message, src_path, line, col, hint)]
    node = _native_node(text)
    if node is _REFUSED:
        node, errors = _positioned_node(text, src_path, line_offset)
        if errors:
            return YamlDoc(src_path, None), errors
    if node is None:
        return YamlDoc(src_path, None), []
    converter = _Converter(src_path, line_offset, text.split("\n"))
    data = converter.convert(node, ())
    doc = YamlDoc(src_path, data, converter.value_pos, converter.key_pos, converter.raw)
    return doc, converter.errors


_REFUSED = object()


def _refusal(token: yaml.Token, depth: int) -> tuple[str, str] | None:
    """Why a token is not accepted in content YAML (an anchor, an alias, too deep nesting), if so."""
    if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
        return (
            "ankers (&) en verwijzingen (*) worden niet ondersteund",
            "schrijf de waarde voluit op elke plaats waar je ze nodig hebt",
        )
    if depth > MAX_DEPTH:
        return (
            f"de gegevens zijn te diep genest (meer dan {MAX_DEPTH} niveaus)",
            "controleer de inspringing en de haakjes [ ] en { }",
        )
    return None


def _checked_tokens(text: str, loader: type) -> Any:
    """Scan `text`, yielding (token, refusal) until the first refused token.

    Anchors and aliases are refused before composing, which also defuses alias bombs. Deep
    nesting is refused while scanning: PyYAML's scanner slows down with the square of the depth
    and its composer recurses (a 100 kB file of '[' would take minutes, then overflow the stack).
    """
    depth = flow_depth = 0
    for token in yaml.scan(text, Loader=loader):
        if isinstance(token, _OPENING_TOKENS):
            depth += 1
            flow_depth += isinstance(token, _FLOW_OPENING_TOKENS)
        elif isinstance(token, _CLOSING_TOKENS):
            depth -= 1
            flow_depth -= not isinstance(token, yaml.BlockEndToken)
        refused = _refusal(token, depth)
        if refused:
            return token, refused
        if flow_depth and loader is not yaml.SafeLoader and _plain_with_question_mark(token):
            # libyaml keeps a '?' inside a plain scalar between [ ] or { }, where PyYAML ends the
            # scalar and reports an error: the positioned path decides, with its Dutch message.
            # (Outside them both read it as text.)
            return token, None
    return None, None


def _plain_with_question_mark(token: yaml.Token) -> bool:
    return isinstance(token, yaml.ScalarToken) and token.plain and "?" in token.value


# Where a collection may open (libyaml's rules): a block mapping at a ':' and a block sequence at a
# '-' followed by a blank or a line break (or the end), a flow collection at '[' or '{'.
_MAY_OPEN = re.compile(r"[:-](?=[ \t\r\n\x85\u2028\u2029]|\Z)|[\[{]")


def _needs_checked_tokens(text: str) -> bool:
    """Whether _checked_tokens could stop at a token of `text`: only where it holds an anchor's '&',
    an alias's '*' or a '?', or more places where a collection may open than MAX_DEPTH (the depth
    is at most their number)."""
    if "&" in text or "*" in text or "?" in text:
        return True
    return len(_MAY_OPEN.findall(text)) > MAX_DEPTH


def _native_node(text: str) -> Any:
    """The node tree composed by libyaml, None for an empty file, or _REFUSED for anything the
    positioned pure-Python path has to look at (every error is reported from there)."""
    if _NATIVE_LOADER is None or _NATIVE_UNSAFE.search(text):
        return _REFUSED
    loader = _NATIVE_LOADER(text)
    try:
        token = _checked_tokens(text, _NATIVE_LOADER)[0] if _needs_checked_tokens(text) else None
        return _REFUSED if token is not None else loader.get_single_node()
    except yaml.YAMLError:
        return _REFUSED
    finally:
        loader.dispose()


def _positioned_node(text: str, src_path: str, line_offset: int) -> tuple[Any, list[ContentError]]:
    """The pure-Python path: the node tree, or None and the problems that stop reading the file."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            token, refused = _checked_tokens(text, yaml.SafeLoader)
        except yaml.MarkedYAMLError:
            # The scan alone may stop at a later line than the parser would: a list element that
            # springs in too little is refused by the parser, but only a line further by the scanner.
            # Composing raises the first problem in reading order (nothing before it was refused).
            loader.get_single_node()
            raise
        if token is not None:
            mark = token.start_mark
            line, col = mark.line + 1 + line_offset, mark.column + 1
            message, hint = refused
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):  # or a text that starts with '&' or '*'
                found = _value_at(text.split("\n"), line - 1 - line_offset)
                if found is not None and len(found[0]) + 1 == col:  # the anchor starts the value
                    hint += f"; is het gewoon tekst, zet die dan tussen aanhalingstekens: {_quoted_line(*found)}"
            return None, [ContentError(message, src_path, line, col, hint)]
        return loader.get_single_node(), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        left_open = any(p in (exc.problem or "") for p in _USE_CONTEXT_MARK)
        if exc.context_mark is not None and (left_open or _NO_COLON in (exc.problem or "")):
            mark = exc.context_mark
        message, hint = _translate(exc)
        line = (mark.line + 1 + line_offset) if mark else 0
        col = (mark.column + 1) if mark else 0
        error = ContentError(message, src_path, line, col, hint)
        lines = text.split("\n")
        if _BLOCK_END in (exc.problem or ""):
            error = _text_after_quote(error, lines, line_offset) or error
        if not left_open:  # (a list or block left open keeps its message)
            error = _indicator_start(error, lines, line_offset) or error
        if _NO_COLON in (exc.problem or ""):
            error = _field_without_colon(error, lines, line_offset)
        if _MAPPING_VALUES in (exc.problem or ""):
            error = _field_springs_in(error, lines, line_offset) or error
        return None, [_likely_cause(error, lines, line_offset)]
    except yaml.YAMLError as exc:
        return None, [ContentError(f"YAML-fout: {exc}", src_path, 1, 1)]
    finally:
        loader.dispose()


_BLOCK_END = "expected <block end>, but found"


def _text_after_quote(error: ContentError, lines: list[str], line_offset: int) -> ContentError | None:
    """`title: "De "grote" dag"`: a quote inside the text ends it early, and YAML meets more text
    where the next field should start, which it reports as a wrongly indented line. Named at the
    quote that ended the text, with the fix for that kind of quote."""
    index = error.line - 1 - line_offset
    if not 0 <= index < len(lines):
        return None
    before = lines[index][: max(error.col - 1, 0)].rstrip()
    if before.endswith('"'):
        hint = (
            'zet alles wat bij de tekst hoort tussen de aanhalingstekens; staat er een " in de tekst zelf, '
            "zet de hele tekst dan tussen enkele aanhalingstekens ('…')"
        )
    elif before.endswith("'"):
        hint = (
            "zet alles wat bij de tekst hoort tussen de aanhalingstekens; staat er een apostrof in de tekst "
            "zelf (zoals in z'n), schrijf die dan dubbel (z''n) of zet de hele tekst tussen dubbele "
            'aanhalingstekens ("…")'
        )
    else:
        return None
    message = "deze tekst tussen aanhalingstekens stopt te vroeg: na het afsluitende aanhalingsteken staat nog tekst"
    return ContentError(message, error.path, error.line, len(before), hint)


def _field_without_colon(error: ContentError, lines: list[str], line_offset: int) -> ContentError:
    """`website https://x.be`: the line lacks the ':' after its field name; the hint shows the line
    as it should be (or it is the second line of a text that should have been quoted)."""
    index = error.line - 1 - line_offset
    found = _FIELD_WITHOUT_COLON.match(lines[index]) if 0 <= index < len(lines) else None
    if found is None or ": " in found[3]:
        return error
    lead, key, value = found.groups()
    hint = (
        f"schrijf '{key}: {value}' als '{key}' een veld is; hoort de regel bij de tekst erboven, "
        "zet die hele tekst dan tussen aanhalingstekens"
    )
    column = len(lead) + len(key) + 1
    return ContentError(f"na '{key}' ontbreekt een dubbele punt", error.path, error.line, column, hint)


def _field_springs_in(error: ContentError, lines: list[str], line_offset: int) -> ContentError | None:
    """`  name: Jan` then `   role: x`: a field that springs in further than the field above it
    continues that field's text to YAML, and the ':' after `role` is then 'not allowed here'."""
    index = error.line - 1 - line_offset
    here = _FIELD_LINE.match(lines[index]) if 0 <= index < len(lines) else None
    above = next((line for line in reversed(lines[:index]) if line.strip() and not line.lstrip().startswith("#")), "")
    found = _KEY_AND_VALUE.match(above)
    if here is None or found is None or found[2][0] in "\"'[{|>&*!":
        return None
    lead, value = found[1], found[2]
    if len(here[1]) <= len(lead) - len(lead.lstrip(" -")):  # the column of the key above
        return None
    above_key = lead.strip(" -:\t")
    key = lines[index].strip().split(":", 1)[0]
    return ContentError(
        f"'{key}' springt verder in dan '{above_key}' erboven",
        error.path,
        error.line,
        len(here[1]) + 1,
        f"lijn '{key}:' uit met '{above_key}:'; nu leest YAML de regel als een vervolg van de tekst "
        f"'{_COMMENT.sub('', value).strip()}'",
    )


# A value that starts with one of these is not text to YAML, whatever follows: what it reads instead.
_INDICATORS = {
    "[": "het begin van een lijst",
    "{": "het begin van een blok velden",
    "*": "een verwijzing naar een anker",
    "|": "het begin van een tekst over meerdere regels",
    ">": "het begin van een tekst over meerdere regels",
    "-": "een lijstelement",
    "?": "een sleutel",
}
_KEY_AND_VALUE = re.compile(r"^(\s*(?:-\s+)?[A-Za-z_][A-Za-z0-9_]*:\s+)(\S.*?)\s*$")
_QUOTED_IN_HINT = 60  # a longer value is not written out in the hint


def _indicator_start(error: ContentError, lines: list[str], line_offset: int) -> ContentError | None:
    """`title: [Nieuw] Festival` or `title: *Nieuw* festival`: a text that starts with a character
    YAML reads as syntax fails further along its line, with a message about that syntax. Named
    at the text's first character, with the line as it should be (the text between quotes)."""
    found = _value_at(lines, error.line - 1 - line_offset)
    if found is None:
        return None
    lead, value = found
    first = value[0]
    if first not in _INDICATORS or (first in "-?" and value[1:2] not in (" ", "")) or error.col <= len(lead):
        return None
    hint = f"zet de hele tekst tussen aanhalingstekens: {_quoted_line(lead, value)}"
    if first in "[{":  # or a list (a block) meant as one, with something after it
        kind, closing = ("lijst", "]") if first == "[" else ("blok", "}")
        hint = f"is het een tekst, {hint}; is het een {kind}, zet dan niets achter de '{closing}'"
    message = f"een tekst die met '{first}' begint, leest YAML als {_INDICATORS[first]}"
    return ContentError(message, error.path, error.line, len(lead) + 1, hint)


def _value_at(lines: list[str], index: int) -> tuple[str, str] | None:
    """(what comes before the value, the value) of line `index` when it is `key: value`."""
    found = _KEY_AND_VALUE.match(lines[index]) if 0 <= index < len(lines) else None
    return (found[1], found[2]) if found is not None else None


def _quoted_line(lead: str, value: str) -> str:
    """`key: "value"`, as a hint shows the line."""
    if len(value) > _QUOTED_IN_HINT:
        value = "…"
    return f"{lead.strip()} " + (f'"{value}"' if '"' not in value else "'" + value.replace("'", "''") + "'")


# What a word processor or a quick typist leaves behind, which YAML then misreads further down.
CURLY_QUOTES = re.compile("[\u201c\u201d\u201e\u2018\u2019\u201a\u00ab\u00bb]")
NO_SPACE_AFTER_COLON = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*):(?![\s/])(\S.*)$")
NO_SPACE_AFTER_DASH = re.compile(r"^(\s*)-(?![\s-])(\S.*)$")
# '– Ieper' or '• Ieper': a list element with a word processor's dash or bullet, which YAML reads as text;
# '-\u00a0Ieper' or 'name:\u00a0X': a non-breaking space where YAML needs an ordinary one.
WORD_PROCESSOR_DASH = re.compile(r"^( *)([\u2010-\u2015\u2212\u2022\u00b7])[ \u00a0]")
NON_BREAKING_SPACE = re.compile(r"^ *(?:-|[A-Za-z_][A-Za-z0-9_]*:)(\u00a0)")
# `description: |` (or `>`): the lines of its text follow, each indented further than the key.
BLOCK_TEXT_START = re.compile(r"^(\s*(?:-\s+)?)([A-Za-z_][A-Za-z0-9_]*):\s+([|>][-+1-9]*)\s*(?:#.*)?$")


CAUSE_WINDOW = 3  # lines above the error that may hold its cause (not further: a text may contain 'x:y')
CURLY_QUOTES_HINT = (
    "vervang ze door rechte aanhalingstekens: \"…\" of '…' (Word en veel e-mailprogramma's maken ze vanzelf krom)"
)


def _likely_cause(error: ContentError, lines: list[str], line_offset: int) -> ContentError:
    """A syntax error often shows a line or two after its cause: name the cause, on its own line.

    `name:Jan` (no space after the colon) and `-Nijlen` (no space after the dash) are plain text
    to YAML, so the error surfaces on the next line; curly quotes pasted from a word processor are
    not quotes to YAML at all.
    """
    last = min(error.line - line_offset, len(lines)) if error.line else len(lines)
    for index in range(last - 1, max(last - 1 - CAUSE_WINDOW, -1), -1):
        line = lines[index]
        number = index + 1 + line_offset
        block = BLOCK_TEXT_START.match(line)
        below = lines[index + 1] if index + 1 < len(lines) else ""
        if block and below.strip() and len(below) - len(below.lstrip(" ")) <= len(block[1]):
            indent, key = len(block[1]), block[2]
            return ContentError(
                f"de tekst onder '{block[2]}: {block[3]}' springt niet in",
                error.path,
                number + 1,
                1,
                f"begin elke regel van die tekst met {indent + 2} spaties, zodat hij verder inspringt dan '{key}:'",
            )
        colon = NO_SPACE_AFTER_COLON.match(line)
        if colon:
            indent, key, value = colon.groups()
            return ContentError(
                f"na '{key}:' ontbreekt een spatie",
                error.path,
                number,
                len(indent) + len(key) + 2,
                f"schrijf '{key}: {value}' (YAML leest '{key}:{value}' als één woord)",
            )
        own_line = index == last - 1  # (in a text above, such a dash or space is just text)
        word_dash = WORD_PROCESSOR_DASH.match(line) if own_line else None
        if word_dash:
            return ContentError(
                f"deze regel begint met '{word_dash[2]}' in plaats van een gewoon streepje '-'",
                error.path,
                number,
                len(word_dash[1]) + 1,
                "typ het streepje opnieuw als '-' gevolgd door een spatie (een tekstverwerker maakt er vaak "
                "een lang streepje of een bolletje van)",
            )
        nbsp = NON_BREAKING_SPACE.match(line) if own_line else None
        if nbsp:
            return ContentError(
                "hier staat een vaste spatie (uit een tekstverwerker) in plaats van een gewone spatie",
                error.path,
                number,
                nbsp.start(1) + 1,
                "typ de spatie opnieuw",
            )
        dash = NO_SPACE_AFTER_DASH.match(line)
        if dash:
            indent, value = dash.groups()
            return ContentError(
                "na '-' ontbreekt een spatie",
                error.path,
                number,
                len(indent) + 2,
                f"schrijf '- {value}': een lijstelement begint met een streepje en een spatie",
            )
    curly = CURLY_QUOTES.search(lines[last - 1]) if 0 < last <= len(lines) else None
    if curly:
        return ContentError(
            f"gekrulde aanhalingstekens ({curly.group()}) uit een tekstverwerker: YAML kent alleen rechte",
            error.path,
            error.line,
            curly.start() + 1,
            CURLY_QUOTES_HINT,
        )
    return error


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
