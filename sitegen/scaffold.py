"""`python build.py new …`: start a content file with every field of the model, explained in Dutch.

The text is generated from schema.py, like the JSON Schemas. Required fields are left empty, so
`check` names exactly what is still to be filled in; optional fields are commented out ('# ') with
their description above them, so removing the '# ' is all it takes to use one.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

from .errors import did_you_mean, printable
from .jsonschema import describe
from .load import display_path
from .pages import reserved_slugs
from .schema import ARTICLE_FRONT_MATTER, ARTICLE_TYPES, IGS_FILE, PAGE_FRONT_MATTER, SLUG_PATTERN, Field, slug_for

KINDS = ("igs", "article", "page")
WIDTH = 100
_SLUG = re.compile(SLUG_PATTERN.removeprefix("^").removesuffix("$"))  # fullmatch: no trailing newline

_FILL_IN = (
    "Vul de velden zonder hekje vooraan in: die zijn verplicht. Een veld met een hekje vooraan is optioneel: "
    "haal het hekje en de spatie erna weg om het te gebruiken. Kijk het bestand daarna na met: "
    "python build.py check"
)

_BODIES = {
    "interview": (
        "Schrijf hier het interview, in Markdown. Begin met een korte inleiding over de persoon en het IGS. "
        "Zet daarna elke vraag als tussentitel met twee hekjes, en het antwoord eronder:",
        "## Wat maakt jullie regio bijzonder?",
        "Het antwoord …",
    ),
    "spotlight": (
        "Schrijf hier de tekst over het project, in Markdown. Vertel wat het project is, voor wie, en wat het "
        "oplevert. Tussentitels schrijf je met twee hekjes:",
        "## Ruimte om te groeien",
        "Een link naar een IGS-pagina: [CO7](/igs/co7/).",
    ),
    "news": (
        "Schrijf hier het nieuwsbericht, in Markdown. Het belangrijkste eerst: wat, wie, wanneer. "
        "Tussentitels schrijf je met twee hekjes:",
        "## Wat verandert er?",
        "Een link naar een ander verhaal: [lees meer](/verhalen/naam-van-het-verhaal/).",
    ),
    "page": (
        "Schrijf hier de tekst van de pagina, in Markdown. Tussentitels schrijf je met twee hekjes:",
        "## Een tussentitel",
        "Een link naar een andere pagina: [contact](/contact/).",
    ),
}


class ScaffoldError(Exception):
    """A `new` command that cannot be carried out; `exit_code` is 1 (file exists) or 2 (usage)."""

    def __init__(self, message: str, hint: str = "", exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


def _comment(text: str, indent: str) -> list[str]:
    # Room for the '# ' of the comment and of up to two commented-out blocks around it.
    return [f"{indent}# {line}" for line in textwrap.wrap(text, WIDTH - len(indent) - 6)]


def _commented(lines: list[str], indent: str) -> list[str]:
    """Put '# ' before a block at `indent`: removing that '# ' from each line brings it back."""
    return [f"{indent}# {line[len(indent) :]}" for line in lines]


def _field_block(field: Field, indent: str, prefill: dict[str, str]) -> tuple[list[str], list[str]]:
    """(description comment lines, the field's own lines, uncommented) for one field."""
    description = _comment(describe(field), indent)
    if field.name in prefill:
        return description, [f"{indent}{field.name}: {prefill[field.name]}"]
    if field.kind == "map":
        return description, [f"{indent}{field.name}:", *_map_lines(field, indent + "  ")]
    if field.kind == "list" and field.items is not None:
        item_indent = indent + "  "
        if field.items.kind == "map":
            item: list[str] = []
            for i, sub in enumerate(field.items.fields):
                item += _comment(describe(sub), item_indent + ("" if i == 0 else "  "))
                item.append(f"{item_indent}{'- ' if i == 0 else '  '}{sub.name}:")
        elif field.required:
            examples = field.example if isinstance(field.example, list | tuple) else ["…"]
            item = [f"{item_indent}- {example}" for example in examples]
        else:
            item = [f"{item_indent}-"]
        # A required list shows a commented example; an optional one is commented out as a whole.
        return description, [f"{indent}{field.name}:", *(_commented(item, item_indent) if field.required else item)]
    value = ""
    if field.kind == "bool":
        value = " false" if field.default else " true"  # the value one would switch to
    return description, [f"{indent}{field.name}:{value}"]


def _map_lines(spec: Field, indent: str, prefill: dict[str, str] | None = None) -> list[str]:
    """The fields of a map: required ones open, optional ones commented out."""
    lines: list[str] = []
    for field in spec.fields:
        description, body = _field_block(field, indent, prefill or {})
        if not field.required and field.name not in (prefill or {}):
            body = _commented(body, indent)
        lines += [*description, *body]
    return lines


def scaffold_text(
    kind: str,
    slug: str,
    *,
    article_type: str | None = None,
    igs: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> str:
    """The complete text of a new content file of `kind` ('igs', 'article' or 'page')."""
    today = today or dt.date.today()
    if kind == "igs":
        lines = [
            "# yaml-language-server: $schema=../../schemas/igs.schema.json",
            *_comment(f"IGS '{slug}'. {IGS_FILE.description}", ""),
            *_comment(_FILL_IN, ""),
            "",
        ]
        lines += _fields(IGS_FILE, {})
        return "\n".join(lines) + "\n"
    if kind == "article":
        if article_type not in ARTICLE_TYPES:
            raise ValueError(f"unknown article type {article_type!r}")
        prefill = {"type": article_type}
        if igs:
            prefill["igs"] = igs[0] if len(igs) == 1 else "[" + ", ".join(igs) + "]"
        header = _comment(f"Nieuw verhaal '{slug}' ({article_type}). {_FILL_IN}", "")
        date_hint = (
            f"De datum van vandaag is {today.isoformat()}. Met een datum in de toekomst verschijnt het verhaal pas "
            "op die dag (bij de eerstvolgende build)."
        )
        front = _fields(ARTICLE_FRONT_MATTER, prefill, extra={"date": date_hint})
        body = _BODIES[article_type]
    elif kind == "page":
        header = _comment(f"Nieuwe pagina '{slug}'. {_FILL_IN}", "")
        front = _fields(PAGE_FRONT_MATTER, {})
        body = _BODIES["page"]
    else:
        raise ValueError(f"unknown kind {kind!r}")
    intro, heading, example = body
    body_lines = [
        "<!--",
        *textwrap.wrap(intro, WIDTH),
        "",
        heading,
        "",
        example,
        "",
        *textwrap.wrap(
            "Gebruik geen kop met één hekje (# ): de titel komt uit 'title'. Vervang dit hele commentaarblok door "
            "je tekst: zolang er alleen commentaar staat, meldt check dat de tekst ontbreekt.",
            WIDTH,
        ),
        "-->",
    ]
    return "\n".join(["---", *header, "", *front, "---", *body_lines]) + "\n"


def _fields(spec: Field, prefill: dict[str, str], extra: dict[str, str] | None = None) -> list[str]:
    """Top-level fields, separated by blank lines; `extra` adds a comment line to a field."""
    lines: list[str] = []
    for field in spec.fields:
        description, body = _field_block(field, "", prefill)
        if extra and field.name in extra:
            description += _comment(extra[field.name], "")
        if not field.required and field.name not in prefill:
            body = _commented(body, "")
        lines += [*description, *body, ""]
    return lines[:-1]


def target_path(kind: str, slug: str, content_dir: Path) -> Path:
    folder, suffix = {"igs": ("igs", ".yaml"), "article": ("articles", ".md"), "page": ("pages", ".md")}[kind]
    return content_dir / folder / f"{slug}{suffix}"


def create(
    kind: str,
    slug: str,
    content_dir: Path,
    *,
    article_type: str | None = None,
    igs: tuple[str, ...] = (),
    today: dt.date | None = None,
) -> Path:
    """Write the new file and return its path; raises ScaffoldError without writing anything."""
    if not _SLUG.fullmatch(slug):
        raise ScaffoldError(
            f"ongeldige naam '{printable(slug, newlines=False)}': gebruik alleen kleine letters a-z, cijfers en '-'",
            f"bv. {slug_for(slug)}",
        )
    if kind == "page" and slug in reserved_slugs():
        raise ScaffoldError(
            f"de naam '{slug}' is voorbehouden voor een vaste pagina van de site", f"kies bv. {slug}-info"
        )
    if kind == "article" and article_type is None:
        raise ScaffoldError(
            "een nieuw verhaal heeft een soort nodig", "voeg --type interview, --type spotlight of --type news toe"
        )
    if kind != "article" and (article_type or igs):
        raise ScaffoldError("--type en --igs horen alleen bij 'new article'")
    known = sorted(p.stem for p in (content_dir / "igs").glob("*.yaml"))
    for ref in igs:
        if ref not in known:
            hint = did_you_mean(ref, known) or "de slug is de bestandsnaam in content/igs/ zonder .yaml"
            raise ScaffoldError(f"onbekend IGS '{ref}'", hint)
    path = target_path(kind, slug, content_dir)
    if path.exists():
        raise ScaffoldError(
            f"{display_path(path)} bestaat al; er is niets overschreven",
            "kies een andere naam, of open en bewerk het bestaande bestand",
            exit_code=1,
        )
    text = scaffold_text(kind, slug, article_type=article_type, igs=igs, today=today)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as handle:  # 'x': never overwrite, even in a race
        handle.write(text)
    return path


def required_names(kind: str) -> tuple[str, ...]:
    """The top-level required fields the editor has to fill in (type is filled in by `new article`)."""
    spec = {"igs": IGS_FILE, "article": ARTICLE_FRONT_MATTER, "page": PAGE_FRONT_MATTER}[kind]
    return tuple(f.name for f in spec.fields if f.required and not (kind == "article" and f.name == "type"))
