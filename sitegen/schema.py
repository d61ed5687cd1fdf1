"""The content model as data: one description of every field, used by validation,
by the JSON Schemas for editors' tools and by the `new` scaffolds.

Descriptions are Dutch because editors read them (in error hints and in their editor).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .frozen import frozen_dataclass

PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant", "West-Vlaanderen")
ARTICLE_TYPES = ("interview", "spotlight", "news")
HOME_BLOCK_KINDS = ("text", "igs_list", "finder", "spotlight", "interview", "news", "newsletter")
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A Belgian number with its 0 in front (9 or 10 digits), or an international one after + or 00; with
# spaces, '.', '/', '-' and brackets between the digits as people write them ('+32 (0)50 12 34 56').
PHONE_PATTERN = r"^\s*(\(?0([ \.\/\(\)\-]*[0-9]){8,9}|(\+|00)([ \.\/\(\)\-]*[0-9]){8,15})\s*$"


def slug_for(text: str) -> str:
    """The slug an editor most likely means by `text`: 'Café Noord' -> 'cafe-noord' (what a hint offers)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "naam"


@frozen_dataclass
class Field:
    """One field of a content file.

    kind is one of: text (one line), markdown, enum, enums (one choice or a list of them), bool, int,
    date (JJJJ-MM-DD), partial_date (JJJJ, JJJJ-MM or JJJJ-MM-DD: as precise as the source), url,
    link (https URL or a root-relative site path), email, phone, color, slug, slugs (one slug or a
    list), image, list, map.
    """

    name: str
    kind: str
    description: str
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    items: Field | None = None
    fields: tuple[Field, ...] = ()
    default: Any = None
    example: Any = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


def _map(name: str, description: str, *fields: Field, required: bool = False) -> Field:
    return Field(name, "map", description, required=required, fields=fields)


def _list(
    name: str,
    description: str,
    items: Field,
    *,
    required: bool = False,
    default: Any = None,
    example: Any = None,
) -> Field:
    return Field(name, "list", description, required=required, items=items, default=default, example=example)


SUMMARY = Field(
    "summary",
    "text",
    "Korte samenvatting in gewone tekst (geen Markdown), hoogstens 300 tekens. Verschijnt op kaartjes, "
    "in zoekresultaten en als beschrijving voor zoekmachines.",
    required=True,
    max_length=300,
    example="Vul hier een samenvatting van één of twee zinnen in.",
)

IMAGE = _map(
    "image",
    "Een afbeelding met alternatieve tekst.",
    Field("src", "image", "Pad van de afbeelding in content/images/, bv. images/foto.jpg.", required=True),
    Field(
        "alt",
        "text",
        "Beschrijving van wat er op de afbeelding staat, voor wie ze niet kan zien.",
        required=True,
        max_length=250,
    ),
)

PERSON_FIELDS = (
    Field("name", "text", "Volledige naam.", required=True, max_length=120, example="Voornaam Achternaam"),
    Field("role", "text", "Functie, bv. 'coördinator'.", max_length=160),
)

SOURCES = Field(
    "sources",
    "list",
    "Bronnen van de feiten in dit bestand (https-links). Ze staan onderaan de pagina, onder 'Bronnen'.",
    items=Field("source", "url", "Een bron."),
    default=(),
)

UPDATED = Field(
    "updated",
    "date",
    "'Laatst bijgewerkt': de datum (JJJJ-MM-DD) waarop de inhoud van dit bestand het laatst nagekeken of "
    "aangepast is. Verschijnt onderaan de pagina. Leeg = de datum uit site.yaml.",
)

IGS_FILE = _map(
    "igs",
    "Eén intergemeentelijk samenwerkingsverband (IGS) voor cultuur. De bestandsnaam is de slug.",
    Field("name", "text", "Officiële naam van het IGS.", required=True, max_length=120, example="Naam van het IGS"),
    Field(
        "province",
        "enums",
        "Provincie van het IGS; ligt het in meer provincies, geef dan een lijst: [Antwerpen, Limburg].",
        required=True,
        choices=PROVINCES,
        example="West-Vlaanderen",
    ),
    _list(
        "aliases",
        "Andere namen waaronder het IGS bekend is (vroegere namen, afkortingen).",
        Field("alias", "text", "Een andere naam.", max_length=120),
        default=(),
    ),
    _list(
        "municipalities",
        "De deelnemende gemeenten, met de namen van de periode (ook gemeenten die in 2025 fuseerden). "
        "Elke gemeente hoort bij hoogstens één IGS.",
        Field("municipality", "text", "Naam van een gemeente uit het gemeenteregister.", max_length=80),
        required=True,
        example=["Gemeente A", "Gemeente B"],
    ),
    Field(
        "members_complete",
        "bool",
        "Zet op false als de ledenlijst niet (volledig) bekend is; de pagina meldt dat dan.",
        default=True,
    ),
    Field("members_note", "text", "Uitleg bij een onvolledige ledenlijst, getoond op de pagina.", max_length=400),
    SUMMARY,
    Field("description", "markdown", "De tekst van de IGS-pagina, in Markdown."),
    Field("website", "url", "Eigen website van het IGS (https://…)."),
    _map(
        "host_page",
        "Heeft het IGS geen eigen website, maar wel een pagina op de site van een gemeente of organisatie? "
        "Vul die hier in; de site toont ze als 'info via …'.",
        Field("url", "url", "Adres van die pagina (https://…).", required=True),
        Field(
            "host",
            "text",
            "Wie de pagina publiceert, zoals het na 'info via' leest, bv. 'de gemeente Nieuwpoort'.",
            required=True,
            max_length=80,
        ),
    ),
    Field("email", "email", "Algemeen e-mailadres."),
    Field("phone", "phone", "Telefoonnummer, bv. 050 12 34 56 of +32 50 12 34 56.", max_length=40),
    _map(
        "address",
        "Postadres.",
        Field("street", "text", "Straat en nummer.", required=True, max_length=120),
        Field("postcode", "text", "Postcode (4 cijfers).", required=True, max_length=4),
        Field("city", "text", "Gemeente.", required=True, max_length=80),
    ),
    _map(
        "coordinator",
        "De coördinator van het IGS.",
        *PERSON_FIELDS,
        Field("email", "email", "E-mailadres van de coördinator."),
        Field(
            "as_of",
            "partial_date",
            "Stand van: wanneer de bron de persoon zo noemt, bv. 2024-02 (ook JJJJ of JJJJ-MM-DD).",
        ),
        Field("photo", "image", "Foto in content/images/, bv. images/naam.jpg."),
        Field("photo_alt", "text", "Beschrijving van de foto (verplicht als er een foto is).", max_length=250),
    ),
    _map(
        "recognition",
        "De periode waarin het IGS erkend is voor zijn regierol.",
        Field("from", "date", "Begindatum (JJJJ-MM-DD).", required=True),
        Field("until", "date", "Einddatum (JJJJ-MM-DD).", required=True),
    ),
    Field(
        "active_until",
        "partial_date",
        "Alleen als het IGS stopt of gestopt is: de laatste dag van de werking (JJJJ-MM-DD, of JJJJ-MM of JJJJ "
        "als de bron niet preciezer is). Na die datum toont de site het IGS als gestopt, bv. 'tot eind 2025'.",
    ),
    _list(
        "projects",
        "Opvallende projecten van het IGS.",
        _map(
            "project",
            "Een project.",
            Field("title", "text", "Naam van het project.", required=True, max_length=120),
            Field("summary", "text", "Eén of twee zinnen over het project.", max_length=300),
            Field("url", "link", "Link naar meer informatie: https://… of een pagina van deze site (/verhalen/…/)."),
        ),
        default=(),
    ),
    Field("color", "color", "Kleur op de kaart als #rrggbb; leeg laten geeft een automatische kleur."),
    Field(
        "former_name",
        "text",
        "Vroegere naam, zoals in de lijst van 2019: de startpagina toont dan 'Naam (voorheen …)'.",
        max_length=120,
    ),
    UPDATED,
    SOURCES,
)

ARTICLE_FRONT_MATTER = _map(
    "article",
    "De gegevens bovenaan een verhaal (tussen de twee '---' regels).",
    Field("title", "text", "Titel van het verhaal.", required=True, max_length=160, example="Titel van het verhaal"),
    Field(
        "type",
        "enum",
        "Soort verhaal: interview (BE/LICHT, vragen aan een coördinator), spotlight (GE/SPOT, een project) "
        "of news (nieuws).",
        required=True,
        choices=ARTICLE_TYPES,
    ),
    Field(
        "date",
        "partial_date",
        "Datum van het verhaal, zo precies als de bron: JJJJ-MM-DD, of JJJJ-MM of JJJJ als alleen de maand of "
        "het jaar bekend is (de site toont het dan ook zo). Een datum in de toekomst betekent: nog niet publiceren.",
        required=True,
    ),
    UPDATED,
    Field("igs", "slugs", "Het IGS (of een lijst van IGS'en) waarover het verhaal gaat: de slug, bv. co7."),
    SUMMARY,
    _map("person", "Voor een interview: de persoon die aan het woord is.", *PERSON_FIELDS),
    IMAGE,
    _list("tags", "Trefwoorden.", Field("tag", "text", "Een trefwoord.", max_length=40), default=()),
    Field("draft", "bool", "Zet op true om het verhaal (nog) niet te publiceren.", default=False),
    SOURCES,
)

PAGE_FRONT_MATTER = _map(
    "page",
    "De gegevens bovenaan een losse pagina.",
    Field("title", "text", "Titel van de pagina.", required=True, max_length=160, example="Titel van de pagina"),
    SUMMARY,
    Field("nav", "int", "Plaats in het hoofdmenu (1, 2, 3 …); leeg laten = niet in het menu."),
    Field(
        "footer",
        "bool",
        "Zet op true voor een link naar deze pagina onderaan elke pagina, bv. de toegankelijkheidsverklaring.",
        default=False,
    ),
    UPDATED,
    Field("draft", "bool", "Zet op true om de pagina (nog) niet te publiceren.", default=False),
    SOURCES,
)

SITE_FILE = _map(
    "site",
    "Instellingen van de hele site en de teksten van de startpagina.",
    Field("title", "text", "Naam van de site.", required=True, max_length=80),
    Field("tagline", "text", "Ondertitel van de site.", max_length=160),
    SUMMARY,
    Field(
        "base_url",
        "url",
        "Het adres waarop de site gepubliceerd wordt, bv. https://www.voorbeeld.be/ of https://org.github.io/repo/.",
        required=True,
    ),
    Field(
        "updated",
        "date",
        "'Laatst bijgewerkt' van de startpagina (JJJJ-MM-DD), en van elke pagina waarvan het bestand zelf "
        "geen 'updated' heeft.",
        required=True,
    ),
    _map(
        "organisation",
        "De organisatie achter het lerende netwerk.",
        Field("name", "text", "Naam.", required=True, max_length=80),
        Field("url", "url", "Website."),
        Field("description", "text", "Eén zin over de organisatie.", max_length=300),
        required=True,
    ),
    _map(
        "newsletter",
        "Inschrijven op de nieuwsbrieven.",
        Field("title", "text", "Titel van het inschrijfblok.", required=True, max_length=120),
        Field("intro", "text", "Korte uitnodiging.", max_length=300),
        Field(
            "endpoint",
            "url",
            "Adres (https) waar het inschrijfformulier naartoe gestuurd wordt. Leeg = "
            "het formulier wordt niet getoond, wel een bericht.",
        ),
        Field(
            "unavailable",
            "markdown",
            "Bericht dat verschijnt zolang er geen adres (endpoint) is ingesteld, in Markdown: zeg waar men zich "
            "wel kan inschrijven, met een link.",
            required=True,
        ),
        Field(
            "privacy",
            "markdown",
            "Privacyzin onder het formulier, in Markdown: wat er bewaard wordt, door wie, en een link naar meer "
            "uitleg. Verplicht zodra er een endpoint is.",
        ),
        _list(
            "lists",
            "De nieuwsbrieven waarop men kan inschrijven.",
            _map(
                "list",
                "Eén nieuwsbrief.",
                Field("id", "slug", "Technische naam, gebruikt in het formulier.", required=True),
                Field("label", "text", "Naam van de nieuwsbrief.", required=True, max_length=80),
                Field("description", "text", "Waarover de nieuwsbrief gaat.", max_length=200),
            ),
            required=True,
        ),
        required=True,
    ),
    _list(
        "consultants",
        "Consulenten van de organisatie, voor de contactpagina.",
        _map(
            "consultant",
            "Eén consulent.",
            *PERSON_FIELDS,
            Field("email", "email", "E-mailadres (zoals de organisatie het zelf publiceert)."),
            Field("igs", "slugs", "De IGS'en die deze consulent opvolgt; hun pagina's tonen de consulent."),
            Field(
                "focus", "text", "Waarvoor je nog bij deze consulent terechtkunt, bv. 'regiovorming'.", max_length=200
            ),
        ),
        default=(),
    ),
    _map(
        "home",
        "De startpagina.",
        Field("title", "text", "De grote titel bovenaan.", required=True, max_length=120),
        Field("intro", "markdown", "De inleiding onder de titel."),
        _list(
            "blocks",
            "De blokken van de startpagina, in volgorde.",
            _map(
                "block",
                "Eén blok.",
                Field(
                    "kind",
                    "enum",
                    "Soort blok: text (titel en tekst), igs_list (de lijst van IGS'en), finder (Vind jouw IGS), "
                    "spotlight (het nieuwste GE/SPOT-verhaal), interview (het nieuwste BE/LICHT-interview), "
                    "news (het nieuwste nieuws) of newsletter (inschrijven op de nieuwsbrief).",
                    required=True,
                    choices=HOME_BLOCK_KINDS,
                ),
                Field("id", "slug", "Anker van het blok (voor links naar #id).", required=True),
                Field("label", "text", "Klein label boven de titel, bv. GE/SPOT.", max_length=40),
                Field("title", "text", "Titel van het blok.", required=True, max_length=120),
                Field("body", "markdown", "Tekst van het blok, in Markdown."),
            ),
            required=True,
        ),
        required=True,
    ),
    _map(
        "map",
        "Instellingen van de kaart. (De gemeentegrenzen maakt 'python build.py geo' uit de bestanden van Statbel.)",
        _map(
            "tiles",
            "Een achtergrondkaart van een externe tegelserver (standaard uit: de site laadt dan niets van "
            "andere servers).",
            Field("url", "url", "Sjabloon-adres van de tegels, met {z}/{x}/{y}.", required=True),
            Field("attribution", "text", "Verplichte bronvermelding van de tegels.", required=True, max_length=300),
        ),
    ),
    SOURCES,
)
