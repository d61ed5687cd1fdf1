"""Safe YAML reading that keeps the line and column of every key and value.

PyYAML's `safe_load` forgets positions and silently keeps the last of two equal keys. We compose
the node tree with the safe loader and convert it ourselves, so that validation can point at the
exact place of a problem and duplicate keys, anchors and unknown tags become content errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ContentError

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
        "controleer of de vorige regel een ':' mist of dat een tekst over meerdere regels "
        "tussen aanhalingstekens moet",
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
        "het bestand eindigt midden in een tekst",
        "sluit de aanhalingstekens die je geopend hebt",
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
)


@dataclass(frozen=True)
class YamlDoc:
    """Plain data from one YAML source plus the position of each key and value."""

    src_path: str
    data: Any
    value_pos: Mapping[KeyPath, Position] = field(default_factory=dict)
    key_pos: Mapping[KeyPath, Position] = field(default_factory=dict)
    raw_scalars: Mapping[KeyPath, str] = field(default_factory=dict)

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
    def __init__(self, src_path: str, line_offset: int) -> None:
        self.src_path = src_path
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
            self.fail(
                node,
                f"onbekende YAML-tag '{node.tag}'",
                "verwijder de tag (het woord dat met ! begint)",
            )
            return None
        if isinstance(node, yaml.MappingNode):
            return self.convert_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.convert_scalar(node, path)

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
            result[key] = self.convert(value_node, (*path, key))
        return result

    def convert_scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        if node.style is None:  # plain scalars may mean a number, a date, a boolean …
            self.raw[path] = node.value
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError:
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.fail(node, f"de datum '{node.value}' bestaat niet", "gebruik JJJJ-MM-DD, bv. 2024-02-29")
            else:
                self.fail(node, f"ongeldige waarde '{node.value}'")
            return None
        except yaml.YAMLError as exc:
            self.fail(node, f"ongeldige waarde '{node.value}': {exc}")
            return None


def parse_yaml(text: str, src_path: str, line_offset: int = 0) -> tuple[YamlDoc, list[ContentError]]:
    """Parse YAML text; returns the document and every problem found (the data is None on a syntax error)."""
    loader = yaml.SafeLoader(text)
    try:
        # Anchors and aliases are refused before composing, which also defuses alias bombs.
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                mark = token.start_mark
                return YamlDoc(src_path, None), [
                    ContentError(
                        "ankers (&) en verwijzingen (*) worden niet ondersteund",
                        src_path,
                        mark.line + 1 + line_offset,
                        mark.column + 1,
                        "schrijf de waarde voluit op elke plaats waar je ze nodig hebt",
                    )
                ]
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message, hint = _translate(exc)
        line = (mark.line + 1 + line_offset) if mark else 0
        col = (mark.column + 1) if mark else 0
        return YamlDoc(src_path, None), [ContentError(message, src_path, line, col, hint)]
    except yaml.YAMLError as exc:
        return YamlDoc(src_path, None), [ContentError(f"YAML-fout: {exc}", src_path, 1, 1)]
    finally:
        loader.dispose()
    if node is None:
        return YamlDoc(src_path, None), []
    converter = _Converter(src_path, line_offset)
    data = converter.convert(node, ())
    doc = YamlDoc(src_path, data, converter.value_pos, converter.key_pos, converter.raw)
    return doc, converter.errors


def is_date(value: Any) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
