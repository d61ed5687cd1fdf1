"""The browser editor at /admin/: Sveltia CMS served from the site itself, configured from schema.py.

The CMS comes from the npm package pinned in admin/package.json + package-lock.json, installed by
`npm ci --ignore-scripts` in admin/ (CI does; a machine with only Python does not, and then the build
leaves /admin/ out and says so). Nothing is fetched when the page loads:

- the CMS's configuration (`admin/config.yml`) is generated at build time from the same field
  descriptions that `check` validates against (sitegen/schema.py) and from the municipality register,
  so the form can never offer what `check` refuses;
- the bundle would fetch its Dutch strings, its three fonts and a "newer version?" notice from CDNs;
  the build rewrites those three addresses to files beside it and asserts how many it rewrote, so a
  release that moves them fails loudly here instead of quietly calling other hosts.

The only other hosts the editor then talks to are GitHub's API (sign-in with a token, reading and
writing the repository) and GitHub's status page.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import html
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import yaml

from .admin_package import PACKAGE, AdminPackage
from .deps import digest
from .files import Versioned
from .jsonschema import _PATTERNS, describe
from .load import CHANGED_DURING_BUILD
from .memo import FILES, TEXT, Memo, Space
from .parallel import Forked
from .register import Register
from .schema import ARTICLE_FRONT_MATTER, ARTICLE_TYPES, IGS_FILE, PAGE_FRONT_MATTER, SITE_FILE, Field
from .tree import entry_state, file_stat, settled

logger = logging.getLogger(__name__)

LOCALE = "nl"
OUT_DIR = "admin"

# The fonts the bundle's stylesheet asks for, by (font family folder, file) -> the npm package with
# that file in files/<family>-<file>.woff2.
FONT_PACKAGES = {
    "source-sans-3": "@fontsource-variable/source-sans-3",
    "noto-mono": "@fontsource/noto-mono",
    "material-symbols-outlined": "@fontsource-variable/material-symbols-outlined",
}
_FONT_URL = re.compile(r"url\(https://[^/)\s]+/fontsource/fonts/([a-z0-9-]+)(?::vf)?@[0-9.]+/([a-z0-9-]+)\.woff2\)")
# The bundle names its own CDN address once, as `<var>=`https://…/@sveltia/cms``. The address is
# searched for first and the name then read back from it: a pattern that starts with `\w+` is tried
# at each of the bundle's two million characters (~0.05 s).
_CDN_ADDRESS = re.compile(r"=`https://[^`/]+/@sveltia/cms`")
_NAME_BEFORE = re.compile(r"\w+\Z")

ARTICLE_TYPE_OPTION_LABELS = {
    "interview": "Interview (BE/LICHT)",
    "spotlight": "Project in de kijker (GE/SPOT)",
    "news": "Nieuws",
}

# Short Dutch labels for the form; the long description from schema.py is shown under each field.
LABELS = {
    "name": "Naam",
    "province": "Provincie",
    "aliases": "Andere namen",
    "alias": "Andere naam",
    "municipalities": "Gemeenten",
    "members_complete": "Ledenlijst volledig",
    "members_note": "Uitleg bij de ledenlijst",
    "summary": "Samenvatting",
    "description": "Tekst van de pagina",
    "website": "Website",
    "email": "E-mailadres",
    "phone": "Telefoon",
    "address": "Adres",
    "street": "Straat en nummer",
    "postcode": "Postcode",
    "city": "Gemeente",
    "coordinator": "Coördinator",
    "role": "Functie",
    "photo": "Foto",
    "photo_alt": "Beschrijving van de foto",
    "recognition": "Erkenning",
    "from": "Van",
    "until": "Tot en met",
    "projects": "Projecten",
    "title": "Titel",
    "url": "Link",
    "color": "Kleur op de kaart",
    "sources": "Bronnen",
    "source": "Bron",
    "type": "Soort verhaal",
    "date": "Datum",
    "igs": "IGS",
    "person": "Persoon",
    "image": "Afbeelding",
    "src": "Bestand",
    "alt": "Beschrijving (alternatieve tekst)",
    "tags": "Trefwoorden",
    "tag": "Trefwoord",
    "draft": "Concept (nog niet publiceren)",
    "nav": "Plaats in het menu",
    "body": "Tekst",
    "project": "Project",
    "municipality": "Gemeente",
    "tagline": "Ondertitel",
    "base_url": "Adres van de site",
    "as_of": "Stand van",
    "organisation": "Organisatie",
    "newsletter": "Nieuwsbrief",
    "endpoint": "Adres van het inschrijfformulier",
    "unavailable": "Bericht zonder formulier",
    "lists": "Nieuwsbrieven",
    "list": "Nieuwsbrief",
    "id": "Technische naam",
    "label": "Label",
    "consultants": "Consulenten",
    "consultant": "Consulent",
    "home": "Startpagina",
    "intro": "Inleiding",
    "blocks": "Blokken",
    "block": "Blok",
    "kind": "Soort blok",
    "map": "Kaart",
    "tiles": "Achtergrondkaart",
    "attribution": "Bronvermelding",
    "active_until": "Werking gestopt op",
    "updated": "Laatst bijgewerkt",
    "host_page": "Pagina bij een gemeente of organisatie",
    "host": "Info via",
    "focus": "Aanspreekpunt voor",
    "privacy": "Privacyzin",
}

# One form per kind of content file: (collection name, label, singular label, description, folder,
# extension, schema field, has a Markdown body, may editors delete files).
COLLECTIONS: tuple[tuple[str, str, str, str, str, str, Field, bool, bool], ...] = (
    (
        "igs",
        "IGS'en",
        "IGS",
        "Eén bestand per intergemeentelijk samenwerkingsverband (IGS) voor cultuur.",
        "content/igs",
        "yaml",
        IGS_FILE,
        False,
        False,  # other files link to an IGS: removing one is a job for a pull request by hand
    ),
    (
        "verhalen",
        "Verhalen",
        "verhaal",
        "Interviews (BE/LICHT), projecten in de kijker (GE/SPOT) en nieuws.",
        "content/articles",
        "md",
        ARTICLE_FRONT_MATTER,
        True,
        True,
    ),
    (
        "paginas",
        "Pagina's",
        "pagina",
        "Losse pagina's, zoals Over ons en Contact.",
        "content/pages",
        "md",
        PAGE_FRONT_MATTER,
        True,
        True,
    ),
)


# Strings the package's nl.json lacks (it falls back to English) on the path an editor takes:
# signing in, photos, saving while someone else edits, the review workflow. Our own Dutch.
NL_SUPPLEMENT: dict[str, Any] = {
    "select_item": "{$name} selecteren",
    "sign_in_using_access_token_workflow_note": (
        "Omdat elke wijziging een pull request wordt, moet het token ook pull requests mogen lezen en schrijven."
    ),
    "file_unavailable": "Niet beschikbaar",
    "file_unavailable_description": "Dit bestand kon niet geladen worden. Misschien is het verplaatst of verwijderd.",
    "replace_file": "Bestand vervangen",
    "replace_image": "Afbeelding vervangen",
    "remove_file": "Bestand verwijderen",
    "remove_image": "Afbeelding verwijderen",
    "show_errors": "Fouten tonen",
    "list_item_options": "Opties voor dit onderdeel",
    "entry_sidebar": {
        "slug": {
            "title": "Bestandsnaam",
            "generated_on_save": "De bestandsnaam wordt bij het opslaan gemaakt uit de titel.",
            "unavailable": "Dit item heeft geen bestandsnaam.",
        }
    },
    "save_conflict": {
        "title": "Iemand anders heeft dit item gewijzigd",
        "modified_by": "{$name} heeft dit item gewijzigd op {$date}, nadat jij het opende.",
        "modified": "Dit item is in de repository gewijzigd nadat jij het opende.",
        "deleted": "Dit item is uit de repository verwijderd nadat jij het opende.",
        "overwrite_warning": "Als je nu opslaat, gaan hun wijzigingen verloren.",
        "recreate_warning": "Als je nu opslaat, wordt het item opnieuw aangemaakt.",
        "save_anyway": "Toch opslaan",
        "branch_moved": "Iemand anders heeft de repository bijgewerkt terwijl je opsloeg. Probeer het opnieuw.",
    },
    "remote_change": {
        "reload_entry": "Item opnieuw laden",
        "confirm_reloading_entry": "Wil je het item opnieuw laden? Wat je nog niet opsloeg, gaat verloren.",
    },
    "status": {"deploying": "Wordt gepubliceerd"},
    "workflow": {"deploying_deletion": "Verwijdering"},
}


def _supplemented(strings: dict[str, Any], supplement: dict[str, Any], english: dict[str, Any]) -> dict[str, Any]:
    """`strings` with the supplement's entries that it lacks and that the English strings still have."""
    result = dict(strings)
    for key, value in supplement.items():
        if key not in english:
            continue  # a later release dropped the string
        if isinstance(value, dict) and isinstance(english[key], dict):
            result[key] = _supplemented(result.get(key) or {}, value, english[key])
        elif key not in result:
            result[key] = value
    return result


class AdminError(Exception):
    """The installed CMS package is not what this module knows how to serve (a build error)."""


# ---- configuration -------------------------------------------------------------------------------


def _label(field: Field) -> str:
    return LABELS.get(field.name) or field.description.split(".")[0][:60]


def _hint(field: Field) -> str:
    """The field's Dutch description from schema.py, worded for a form instead of a YAML file."""
    if field.kind == "slugs":
        return "Kies uit de lijst; je kunt er meer dan één kiezen."
    if field.kind == "image":
        return "Kies een foto of laad er een op (JPEG, PNG, WebP of GIF); ze komt in content/images/."
    text = describe(field)
    if field.kind == "bool":
        text = text.replace("Zet op true", "Vink aan").replace("Zet op false", "Vink uit")
    return text


def _municipality_options(register: Register) -> list[dict[str, str]]:
    """Every name `check` accepts: the current municipalities and the names merged into them in 2025."""
    options = [{"label": m.name, "value": m.name} for m in register.municipalities]
    for municipality in register.municipalities:
        for former in municipality.former:
            if not register.is_current(former):
                options.append({"label": f"{former} (sinds 2025 deel van {municipality.name})", "value": former})
    return sorted(options, key=lambda option: option["value"].casefold())


def _enum_options(field: Field) -> list[Any]:
    if field.choices == ARTICLE_TYPES:
        return [{"label": ARTICLE_TYPE_OPTION_LABELS.get(c, c), "value": c} for c in field.choices]
    return list(field.choices)


def cms_field(field: Field, register: Register) -> dict[str, Any]:
    """One field of the content model as a Sveltia/Decap field."""
    result: dict[str, Any] = {"name": field.name, "label": _label(field), "hint": _hint(field)}
    if not field.required:
        result["required"] = False
    kind = field.kind
    if kind == "map":
        result.update(widget="object", fields=[cms_field(f, register) for f in field.fields])
    elif kind == "list":
        assert field.items is not None
        result.update(_list_widget(field.items, register))
        if result["widget"] == "list":  # the add button says "Project toevoegen", not "Projecten …"
            result["label_singular"] = _label(field.items)
        if field.required:
            result["min"] = 1
    elif kind == "slugs":  # the IGS an article or a consultant is about, by its file name
        result.update(
            widget="relation",
            collection="igs",
            value_field="{{slug}}",
            search_fields=["name"],
            display_fields=["name"],
            multiple=True,
        )
    elif kind == "enum":
        result.update(widget="select", options=_enum_options(field))
    elif kind == "enums":  # one value or a list: the form always writes a list
        result.update(widget="select", multiple=True, options=_enum_options(field))
        if field.required:
            result["min"] = 1
    elif kind == "bool":
        result.update(widget="boolean", default=bool(field.default))
    elif kind == "int":
        result.update(widget="number", value_type="int", min=0, max=9999)
    elif kind == "date":
        result.update(widget="datetime", type="date", format="YYYY-MM-DD", time_format=False)
    elif kind == "partial_date":
        # A year or a month alone is allowed, so no date picker: it would turn "2020" into a day.
        result.update(widget="string", pattern=list(_PATTERNS[kind]))
    elif kind == "image":
        result.update(widget="image", choose_url=False, accept="image/jpeg,image/png,image/webp,image/gif")
    elif kind == "markdown":
        result.update(widget="markdown", buttons=_MARKDOWN_BUTTONS)
    elif kind == "color":
        result.update(widget="color", allowInput=True)
    else:  # text, url, link, email, slug
        result["widget"] = "string"
        if kind in _PATTERNS:
            result["pattern"] = list(_PATTERNS[kind])
        if field.max_length:
            result["maxlength"] = field.max_length
    return result


# No heading level one: the title is the page's only <h1> (check refuses '# ' in a body).
_MARKDOWN_BUTTONS = [
    "bold",
    "italic",
    "link",
    "heading-two",
    "heading-three",
    "quote",
    "bulleted-list",
    "numbered-list",
]


def _list_widget(items: Field, register: Register) -> dict[str, Any]:
    if items.name == "municipality":
        return {"widget": "select", "multiple": True, "options": _municipality_options(register)}
    if items.kind == "enum":
        return {"widget": "select", "multiple": True, "options": _enum_options(items)}
    if items.kind == "map":
        widget = {"widget": "list", "fields": [cms_field(f, register) for f in items.fields]}
        first = next((f for f in items.fields if f.required and f.kind == "text"), None)
        if first is not None:
            widget["summary"] = "{{fields." + first.name + "}}"
        return widget
    item = cms_field(items, register)
    item.pop("required", None)
    return {"widget": "list", "field": item}


def _collection(
    name: str, label: str, singular: str, description: str, folder: str, extension: str, spec: Field, body: bool
) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "label_singular": singular,
        "description": description,
        "folder": folder,
        "extension": extension,
        "format": "yaml-frontmatter" if body else "yaml",
        "identifier_field": "name" if spec is IGS_FILE else "title",
        "create": True,
        # The file name is the page's address: chosen once, when the file is created.
        "slug": {"template": "{{slug}}", "editable": ["create"]},
    }


def cms_config(
    register: Register, repo: str | None, branch: str | None = None, logo: str | None = None
) -> dict[str, Any]:
    """The whole CMS configuration: backend, media, and one form per kind of content file.

    `logo` is the root-relative address of the site's icon, shown instead of the CMS's own.
    """
    backend: dict[str, Any] = {"name": "github", "repo": repo or "eigenaar/repository"}
    if branch:
        backend["branch"] = branch
    # A fine-grained token needs no server of ours; GitHub's OAuth would need a relay we do not run.
    backend["auth_methods"] = ["token"]
    collections = []
    for name, label, singular, description, folder, extension, spec, body, delete in COLLECTIONS:
        collection = _collection(name, label, singular, description, folder, extension, spec, body)
        collection["delete"] = delete
        fields = [cms_field(f, register) for f in spec.fields]
        if body:
            fields.append({"name": "body", "label": LABELS["body"], "widget": "markdown", "buttons": _MARKDOWN_BUTTONS})
        collection["fields"] = fields
        collections.append(collection)
    collections.append(
        {
            "name": "instellingen",
            "label": "Instellingen",
            "description": "De instellingen van de site en de teksten van de startpagina.",
            "files": [
                {
                    "name": "site",
                    "label": "Site en startpagina",
                    "file": "content/site.yaml",
                    "format": "yaml",
                    "fields": [cms_field(f, register) for f in SITE_FILE.fields],
                }
            ],
        }
    )
    config: dict[str, Any] = {"app_title": "Beheer van de site"}
    if logo:
        config["logo"] = {"src": logo}
    return config | {
        "backend": backend,
        # Every change becomes a pull request, which CI checks before anything is published.
        "publish_mode": "editorial_workflow",
        "media_folder": "content/images",
        "public_folder": "/images",
        "media_libraries": {
            # File names become lowercase a-z, 0-9 and '-': safe in a URL, as check demands.
            "default": {"config": {"slugify_filename": True, "max_file_size": 5_000_000}},
            "stock_assets": False,
        },
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        # An empty optional field is left out of the file instead of written as ''.
        "output": {"omit_empty_optional_fields": True},
        "show_preview_links": False,
        "collections": collections,
    }


# libyaml's emitter writes the same text as PyYAML's own, about 6x faster (~0.1 s of a cold build).
_DUMPER: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def config_text(config: dict[str, Any]) -> str:
    header = "# Gemaakt door build.py uit sitegen/schema.py; niet met de hand bewerken.\n"
    return header + yaml.dump(config, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=120)


# config.yml by what it reads: the register (a choice per municipality), the repository, the logo.
CONFIG: Space[str] = Space("admin-config", TEXT)


def remembered_config_text(register: Register, repo: str | None, logo: str | None, memo: Memo) -> str:
    """`config_text(cms_config(register, repo, logo=logo))`, dumped once per register and settings."""
    return memo.remembered(
        CONFIG, digest(register.digest, repo, logo), lambda: config_text(cms_config(register, repo, logo=logo))
    )


# ---- files ---------------------------------------------------------------------------------------


def _rewrite_bundle(bundle: str, version: str) -> tuple[str, dict[str, str]]:
    """The bundle with its CDN addresses pointed at files beside it; also {out name: (package, file)}."""
    fonts: dict[str, str] = {}

    def local_font(match: re.Match[str]) -> str:
        family, file = match.group(1), match.group(2)
        if family not in FONT_PACKAGES:
            raise AdminError(f"{PACKAGE} {version} asks for an unknown font '{family}'")
        name = f"{family}-{file}.woff2"
        fonts[name] = FONT_PACKAGES[family]
        return f"url(fonts/{name})"

    bundle, count = _FONT_URL.subn(local_font, bundle)
    if count != len(FONT_PACKAGES):
        raise AdminError(f"{PACKAGE} {version}: expected {len(FONT_PACKAGES)} font addresses, found {count}")
    address = _CDN_ADDRESS.search(bundle)
    name = address and _NAME_BEFORE.search(bundle, max(0, address.start() - 200), address.start())
    if not name:
        raise AdminError(f"{PACKAGE} {version}: its own CDN address was not found")
    var = name.group()
    rewrites = (
        # Dutch (and other) UI strings: `${base}@${version}/locales` -> ./locales
        (re.compile(rf"`\$\{{{var}\}}@\$\{{\w+\}}/locales`"), "`./locales`"),
        # "Is there a newer version?": answered by version.json, with the pinned version.
        (re.compile(rf"`\$\{{{var}\}}/package\.json`"), "`./version.json`"),
        # Its viewport forbids zooming (WCAG 1.4.4): editors may enlarge the page as on any other.
        (re.compile(r"`initial-scale=1`,`maximum-scale=1`,"), "`initial-scale=1`,"),
    )
    for pattern, replacement in rewrites:
        bundle, count = pattern.subn(replacement, bundle)
        if count != 1:
            raise AdminError(f"{PACKAGE} {version}: '{pattern.pattern}' matched {count} times, expected 1")
    return bundle, fonts


# Dutch unless the editor chose another language in the CMS's own settings.
_DEFAULT_LOCALE = (
    "try{var k='sveltia-cms.prefs',p=JSON.parse(localStorage.getItem(k)||'{}')||{};"
    "if(!p.locale){p.locale='" + LOCALE + "';localStorage.setItem(k,JSON.stringify(p))}}catch(e){}\n"
)

# Sveltia talks to GitHub's API and status page; everything else is served from this folder.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self'; "
    "img-src 'self' data: blob: https://avatars.githubusercontent.com; media-src 'self' blob:; "
    "connect-src 'self' blob: data: https://api.github.com https://www.githubstatus.com; "
    "worker-src 'self' blob:; frame-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'none'"
)


def _index_html(script: str, site_title: str) -> str:
    title = html.escape(f"Beheer – {site_title}")
    return f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP)}">
<title>{title}</title>
<link href="config.yml" type="application/yaml" rel="cms-config-url">
</head>
<body>
<noscript><p>De beheeromgeving werkt alleen met JavaScript. Zonder JavaScript pas je de inhoud aan in
de map <code>content/</code> op GitHub; zie de handleiding voor redacteurs.</p></noscript>
<script src="{html.escape(script)}"></script>
</body>
</html>
"""


def _locale_json(package: AdminPackage) -> bytes:
    strings = json.loads(package.read(PACKAGE, f"locales/{LOCALE}.json"))
    english = json.loads(package.read(PACKAGE, "locales/en-US.json"))
    return json.dumps(_supplemented(strings, NL_SUPPLEMENT, english), ensure_ascii=False).encode("utf-8")


# The CMS's script as served, with its file name and the fonts it names, by the bundle's bytes
# (rewriting its addresses scans megabytes of JavaScript).
SCRIPT: Space[dict[str, bytes]] = Space("admin-script", FILES)
BUNDLE = "dist/sveltia-cms.js"
# The served script's version (sitegen/files.py): its key in SCRIPT, which its bytes follow from, so
# the write stage neither reads nor digests the 2 MB script it wrote before.
SCRIPT_VERSION = b"a"


def _script_name(script: bytes) -> str:
    return f"sveltia-cms.{hashlib.sha256(script).hexdigest()[:10]}.js"


def _served_script(package: AdminPackage, memo: Memo) -> tuple[bytes, str, dict[str, str], bytes]:
    """The bundle with its addresses rewritten and the default locale in front, its file name,
    {font file: package}, and its key in SCRIPT."""
    key = _script_key(package)
    ahead = _AHEAD.pop(key, None)
    rewrite = ahead.result if ahead is not None else functools.partial(_rewritten, package, key)
    served = memo.remembered(SCRIPT, key, rewrite)
    if ahead is not None:
        ahead.close()  # where the memo had it after all
    script = served["script"]
    name = served["name"].decode("utf-8") if "name" in served else _script_name(script)  # (an older entry)
    return script, name, json.loads(served["fonts"]), key


def _rewritten(package: AdminPackage, key: bytes) -> dict[str, bytes]:
    """The script as served, from the bundle whose key is `key` (OSError: it changed since)."""
    bundle = package.read(PACKAGE, BUNDLE)
    if digest(bundle, package.version) != key:
        raise OSError(errno.EAGAIN, CHANGED_DURING_BUILD, str(package.node_modules / PACKAGE / BUNDLE))
    rewritten, fonts = _rewrite_bundle(bundle.decode("utf-8"), package.version)
    script = (_DEFAULT_LOCALE + rewritten).encode("utf-8")
    return {"script": script, "name": _script_name(script).encode("utf-8"), "fonts": json.dumps(fonts).encode("utf-8")}


_KEYS: dict[tuple[Any, ...], bytes] = {}
"""The bundle's key in SCRIPT by its file's stat (see _script_key)."""


def _script_key(package: AdminPackage) -> bytes:
    """The bundle's key in SCRIPT: a digest of its bytes and version, read and made once per build
    (rewrite_ahead asks first, admin_files again), and again whenever its file's stat changes or
    was too recent to tell a later change by (the racy-mtime rule, sitegen/tree.py)."""
    path = package.node_modules / PACKAGE / BUNDLE
    before = time.time_ns()
    stat = file_stat(entry_state(str(path)))
    known = (str(path), package.version, stat)
    key = _KEYS.get(known) if stat is not None else None
    if key is None:
        key = digest(path.read_bytes(), package.version)
        _KEYS.clear()
        if stat is not None and settled(stat, before):
            _KEYS[known] = key
    return key


_AHEAD: dict[bytes, Forked[dict[str, bytes]]] = {}
"""The script being rewritten on the other core (rewrite_ahead), by its key in SCRIPT."""


def rewrite_ahead(package: AdminPackage, memo: Memo) -> Callable[[], None]:
    """Where the memo does not hold the script as served, start rewriting it in a forked child now
    (a cold build, before it loads the stages: the second core has nothing else to do then), for
    admin_files to take at the end of the build. Returns what ends that child where the build did not
    take its script (a failed build): the child holds this process's open files, its locks among them."""
    key = _script_key(package)
    if key not in _AHEAD and memo.recalled(SCRIPT, key) is None:
        _AHEAD[key] = Forked(functools.partial(_rewritten, package, key))
    return functools.partial(_let_go_ahead, key)


def _let_go_ahead(key: bytes) -> None:
    ahead = _AHEAD.pop(key, None)
    if ahead is not None:
        ahead.close()


def admin_files(package: AdminPackage, config: str, site_title: str, memo: Memo | None = None) -> Versioned:
    """{out_path: bytes} of everything under /admin/ (`config`: the text of config.yml), the
    script's version with it (sitegen/files.py)."""
    script, script_name, fonts, key = _served_script(package, memo or Memo())
    files = {
        f"{OUT_DIR}/index.html": _index_html(script_name, site_title).encode("utf-8"),
        f"{OUT_DIR}/config.yml": config.encode("utf-8"),
        f"{OUT_DIR}/{script_name}": script,
        f"{OUT_DIR}/version.json": json.dumps({"version": package.version}).encode("utf-8"),
        f"{OUT_DIR}/locales/{LOCALE}.json": _locale_json(package),
    }
    for name, font_package in sorted(fonts.items()):
        files[f"{OUT_DIR}/fonts/{name}"] = package.read(font_package, f"files/{name}")
    return Versioned(files, {f"{OUT_DIR}/{script_name}": SCRIPT_VERSION + key})
