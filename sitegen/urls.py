"""URLs the way browsers read them, and the rules for the site's own base URL.

Kept free of heavy imports: `build.py` checks `--base-url` with it before loading any stage.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_URL_EDGE = "".join(chr(c) for c in range(0x21))  # browsers strip C0 controls and spaces around a URL
_URL_NOISE = re.compile(r"[\t\n\r]")  # … and drop tabs and newlines inside it
_OTHER_HOST = re.compile(r"[/\\]{2}")  # '//host' and '/\host' lead to another host
# Whitespace (also Unicode spaces), C0/C1 controls and DEL: never part of an address an editor means.
UNSAFE_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def browser_url(value: str) -> str:
    """`value` as a browser resolves it: edges stripped, tabs and newlines inside removed."""
    return _URL_NOISE.sub("", value.strip(_URL_EDGE))


def leads_to_other_host(value: str) -> bool:
    """'//host/…' and '/\\host/…' (after browser_url) are another site, not a path of this one."""
    return _OTHER_HOST.match(value) is not None


def base_url_problem(text: str) -> str | None:
    """Why `text` cannot be the site's base URL (Dutch), or None. It starts every absolute
    address the site writes (canonical, feed, sitemap, robots.txt), so it must be one plain
    http(s) address with a host: no query, fragment, user, whitespace or control characters."""
    if UNSAFE_URL_CHAR.search(text):
        return "het basisadres bevat een spatie, regeleinde of besturingsteken"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "het basisadres is geen geldig webadres"
    if parts.scheme not in ("http", "https") or not parts.hostname or "\\" in text:
        return "het basisadres moet een volledig adres zijn dat met https:// begint, met een domeinnaam"
    if parts.query or parts.fragment or "?" in text or "#" in text:
        return "het basisadres mag geen '?' of '#' bevatten"
    if "@" in parts.netloc:
        return "het basisadres mag geen gebruikersnaam ('…@') bevatten"
    return None


def tel_uri(phone: str) -> str:
    """The tel: link of a phone number as `check` accepts it (schema.PHONE_PATTERN), in the
    international form a phone dials from anywhere: '050 12 34 56' and '+32 (0)50 12.34.56' both
    give 'tel:+3250123456'."""
    digits = re.sub(r"\D", "", phone.replace("(0)", ""))
    if phone.lstrip().startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    else:
        international = "32" + digits.removeprefix("0")
    if international.startswith("320"):  # '+32 050 …': the 0 of the Belgian number is not dialled after +32
        international = "32" + international[3:]
    return f"tel:+{international}"


def address_label(url: str) -> str:
    """An address as a reader scans it: the host without a leading 'www.' and the path without the
    scheme and a closing '/' ('zuidwest.be/word-vrijwilliger')."""
    parts = urlsplit(url)
    return parts.netloc.removeprefix("www.") + parts.path.rstrip("/")


SOURCE_LABEL_LENGTH = 60


def source_label(url: str) -> str:
    """A source's address_label, with its query and fragment, and with the folders between the host
    and the last part left out ('…') where the whole would be longer than SOURCE_LABEL_LENGTH. The
    link itself keeps the full address."""
    parts = urlsplit(url)
    label = address_label(url)
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if len(label + rest) > SOURCE_LABEL_LENGTH and label.count("/") > 1:
        label = f"{label.split('/', 1)[0]}/…/{label.rsplit('/', 1)[1]}"
    return label + rest or url


BASE_URL_HINT = "bv. https://www.voorbeeld.be/ of https://org.github.io/repo/"


def page_url(out_path: str) -> str:
    """The root-relative URL of an output file: 'igs/noord/index.html' -> '/igs/noord/',
    'index.html' -> '/', '404.html' -> '/404.html' (a folder is served by its index.html)."""
    if out_path == "index.html" or out_path.endswith("/index.html"):
        out_path = out_path[: -len("index.html")]
    return "/" + out_path


def out_path_of(url: str) -> str:
    """The output file of a root-relative URL, the inverse of page_url: '/igs/noord/' ->
    'igs/noord/index.html', '/feed.xml' -> 'feed.xml'."""
    path = url.removeprefix("/")
    return path + "index.html" if path == "" or path.endswith("/") else path
