"""JSON Schemas for editors' tools, generated from the one content model in schema.py.

`python build.py schemas` writes them to schemas/; a test regenerates them in memory and compares,
so the committed files never drift from the model. Draft-07, the dialect the YAML language server
(VS Code's YAML extension) supports best. `patternErrorMessage` is that server's extension for a
Dutch message instead of "String does not match the pattern"; other validators ignore it.

The schemas check one file at a time: cross-file rules (an IGS slug that must exist, a municipality
in at most one IGS, an image that must exist) stay with `python build.py check`.
"""

from __future__ import annotations

import json
from typing import Any

from .schema import ARTICLE_FRONT_MATTER, IGS_FILE, PAGE_FRONT_MATTER, PHONE_PATTERN, SITE_FILE, SLUG_PATTERN, Field

DIALECT = "http://json-schema.org/draft-07/schema#"

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
HTTPS_PATTERN = r"^https://[^\s/.]+(\.[^\s/.]+)+(/\S*)?$"
LINK_PATTERN = r"^(https://[^\s/.]+(\.[^\s/.]+)+(/\S*)?|/([^/\s]\S*)?)$"
EMAIL_PATTERN = r"^(mailto:)?[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
# Names as `check` accepts them in content/images/: nothing that needs encoding in a URL.
IMAGE_PATTERN = r"^/?(content/)?images/([A-Za-z0-9][A-Za-z0-9._-]*/)*[A-Za-z0-9][A-Za-z0-9._-]*$"
NOT_BLANK_PATTERN = r"\S"

# Lists in which `check` refuses a name written twice.
NO_DUPLICATES = frozenset({"municipalities"})
# A map with a photo needs its description, as `check` says (an empty photo counts as none).
PHOTO_NEEDS_ALT: dict[str, Any] = {
    "if": {"properties": {"photo": {"type": "string", "pattern": NOT_BLANK_PATTERN}}, "required": ["photo"]},
    "then": {
        "required": ["photo_alt"],
        "properties": {
            "photo_alt": {
                "type": ["string", "number", "boolean"],
                "pattern": NOT_BLANK_PATTERN,
                "patternErrorMessage": "Een foto heeft een beschrijving nodig (photo_alt).",
                "errorMessage": "Een foto heeft een beschrijving nodig (photo_alt).",
            }
        },
    },
}
# kind -> Dutch message when a value has the wrong type (or is not one of the choices).
_TYPE_MESSAGES = {
    "map": "'{name}' is een blok met velden, elk op een eigen regel en ingesprongen.",
    "list": "'{name}' is een lijst: elke waarde op een eigen regel die met '- ' begint.",
    "bool": "Schrijf true (ja) of false (nee).",
    "int": "Een geheel getal, bv. 3.",
    "enum": "Kies één van de toegelaten waarden (zie de beschrijving).",
    "enums": "Kies één of meer van de toegelaten waarden (zie de beschrijving).",
    "slugs": "Een naam met kleine letters a-z, cijfers en '-', of een lijst van zulke namen.",
    "partial_date": "Een datum: JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is.",
    "text": "'{name}' is een tekst.",
}

# (schema file name, field, title shown by editors' tools, files it applies to)
SCHEMA_FILES: tuple[tuple[str, Field, str, str], ...] = (
    ("igs.schema.json", IGS_FILE, "IGS-bestand", "content/igs/*.yaml"),
    ("article.schema.json", ARTICLE_FRONT_MATTER, "Front matter van een verhaal", "content/articles/*.md"),
    ("page.schema.json", PAGE_FRONT_MATTER, "Front matter van een pagina", "content/pages/*.md"),
    ("site.schema.json", SITE_FILE, "Instellingen van de site", "content/site.yaml"),
)

# kind -> (pattern, Dutch message shown by the YAML extension when it does not match)
_PATTERNS: dict[str, tuple[str, str]] = {
    "date": (DATE_PATTERN, "Schrijf een datum als JJJJ-MM-DD, bv. 2024-02-29."),
    "partial_date": (
        PARTIAL_DATE_PATTERN,
        "Schrijf een datum als JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of het jaar bekend is.",
    ),
    "url": (HTTPS_PATTERN, "Een volledig webadres dat met https:// begint, bv. https://www.voorbeeld.be."),
    "link": (LINK_PATTERN, "Een webadres met https:// of een pad op deze site dat met / begint, bv. /igs/co7/."),
    "email": (EMAIL_PATTERN, "Een e-mailadres, bv. info@voorbeeld.be."),
    "phone": (PHONE_PATTERN, "Alleen het nummer, met de 0 of +32 vooraan, bv. 050 12 34 56 of +32 50 12 34 56."),
    "color": (COLOR_PATTERN, "Een kleur als #rrggbb tussen aanhalingstekens, bv. '#1b6e8a'."),
    "slug": (SLUG_PATTERN, "Alleen kleine letters a-z, cijfers en '-', bv. mijn-naam."),
    "image": (
        IMAGE_PATTERN,
        "Een afbeelding in content/images/, bv. images/foto.jpg; in de naam alleen letters zonder accent, "
        "cijfers, '-', '_' en '.' (geen spaties).",
    ),
}


def describe(field: Field) -> str:
    """The Dutch description of a field, with 'Verplicht.', the length limit and the choices."""
    parts = [field.description]
    if field.required:
        parts.append("Verplicht.")
    if field.max_length and f"{field.max_length} tekens" not in field.description:
        parts.append(f"Hoogstens {field.max_length} tekens.")
    if field.choices:
        parts.append("Kies uit: " + ", ".join(field.choices) + ".")
    return " ".join(parts)


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


# Kinds whose value YAML may read as a number, which the build reads as written: a bare year
# (date: 2020), and a phone number without spaces (YAML 1.2 tools read 0470123456 as a number).
_ALSO_A_NUMBER = {"partial_date": (1000, 9999), "phone": (10_000_000, 999_999_999_999_999)}


def _value_schema(field: Field) -> dict[str, Any]:
    """The schema of a present, non-empty value of `field`."""
    kind = field.kind
    if kind == "map":
        schema = {
            "type": "object",
            "properties": {f.name: schema_for(f) for f in field.fields},
            "required": [f.name for f in field.fields if f.required],
            "additionalProperties": False,
        }
        names = {f.name for f in field.fields}
        if {"photo", "photo_alt"} <= names:
            schema.update(PHOTO_NEEDS_ALT)
        return schema
    if kind == "list":
        assert field.items is not None
        item = _with_messages(_value_schema(field.items), field.items)
        item["description"] = describe(field.items)
        schema = {"type": "array", "items": item}
        if field.name in NO_DUPLICATES:
            schema["uniqueItems"] = True
        return schema
    if kind == "slugs":
        slug = _value_schema(Field(field.name, "slug", field.description))
        return {"anyOf": [slug, {"type": "array", "items": slug, "minItems": 1}]}
    if kind == "bool":
        return {"type": "boolean"}
    if kind == "int":
        return {"type": "integer", "minimum": 0, "maximum": 9999}
    if kind == "enum":
        return {"type": "string", "enum": list(field.choices)}
    if kind == "enums":
        one = {"type": "string", "enum": list(field.choices)}
        return {"anyOf": [one, {"type": "array", "items": one, "minItems": 1, "uniqueItems": True}]}
    if kind in _ALSO_A_NUMBER:
        pattern, message = _PATTERNS[kind]
        text: dict[str, Any] = {"type": "string", "pattern": pattern, "patternErrorMessage": message}
        if field.max_length:
            text["maxLength"] = field.max_length
        low, high = _ALSO_A_NUMBER[kind]
        return {"anyOf": [text, {"type": "integer", "minimum": low, "maximum": high}]}
    schema: dict[str, Any] = {"type": "string"}
    if kind in ("text", "markdown"):
        # YAML reads e.g. a postcode 8500 as a number or a title 'true' as a boolean; the build
        # takes them as the text they are.
        schema["type"] = ["string", "number", "boolean"]
    if kind == "date":
        schema["format"] = "date"
    elif kind == "email":
        schema["format"] = "email"
    if kind in _PATTERNS:
        schema["pattern"], schema["patternErrorMessage"] = _PATTERNS[kind]
    if field.max_length:
        schema["maxLength"] = field.max_length
    if field.required and kind in ("text", "markdown"):
        schema["pattern"] = NOT_BLANK_PATTERN
        schema["patternErrorMessage"] = f"'{field.name}' is verplicht en mag niet leeg zijn."
    return schema


def _with_messages(schema: dict[str, Any], field: Field) -> dict[str, Any]:
    """Dutch messages for the YAML extension: `errorMessage` replaces its English "Incorrect type"
    (and "Value is not accepted") wherever a type is checked; patterns keep their own message."""
    if "type" in schema or "enum" in schema:
        if field.kind in _PATTERNS:
            schema["errorMessage"] = _PATTERNS[field.kind][1]
        else:
            schema["errorMessage"] = _TYPE_MESSAGES.get(field.kind, _TYPE_MESSAGES["text"]).format(name=field.name)
    for branch in schema.get("anyOf", ()):
        _with_messages(branch, field)
    return schema


def schema_for(field: Field) -> dict[str, Any]:
    """The JSON Schema (draft-07) of one field of the content model, with Dutch descriptions.

    An optional field may be left empty (`website:`), as the build treats that as absent; a
    required one may not.
    """
    schema = _with_messages(_value_schema(field), field)
    if not field.required:
        if "anyOf" in schema:
            schema["anyOf"].append({"type": "null"})
        elif "enum" in schema:
            schema["type"] = [schema["type"], "null"]
            schema["enum"].append(None)
        else:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            schema["type"] = [*types, "null"]
    result: dict[str, Any] = {"description": describe(field)}
    if field.default is not None and field.default != ():
        result["default"] = _json_value(field.default)
    if field.example is not None:
        result["examples"] = [_json_value(field.example)]
    result.update(schema)
    return result


def document_schema(field: Field, title: str) -> dict[str, Any]:
    """A whole-file schema: the dialect, a title, then the field's schema."""
    schema = {"$schema": DIALECT, "title": title, **schema_for(field)}
    schema["type"] = "object"  # the file itself is never empty
    return schema


def schema_texts() -> dict[str, str]:
    """{file name in schemas/: JSON text}, exactly as committed."""
    return {
        name: json.dumps(document_schema(field, title), ensure_ascii=False, indent=2) + "\n"
        for name, field, title, _ in SCHEMA_FILES
    }
