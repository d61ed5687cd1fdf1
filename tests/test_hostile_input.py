"""Hostile input, second round (issue 11 items 4, 5, 7, 8): Markdown that would take hours to
render, a preview server reachable through DNS rebinding, values that slip through validation,
and names that collide or hide what they are.

Error cases run like those of test_hostile.py: the build must exit 1 with the exact
`path:line:col: message` line, within a time bound, and leave the previous output as it was.
"""

from __future__ import annotations

import http.client
import io
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes
from test_hostile import (
    Case,
    Setup,
    _check_article,
    article,
    assert_builds_alone,
    assert_reported,
    igs,
    previous_output,
    write,
)
from test_serve import Server

from sitegen.markup import MAX_NESTING, markdown_problems, render_markdown
from sitegen.preview.http import host_name, is_allowed_host, is_allowed_origin

__all__ = ["previous_output"]  # the fixture, shared with test_hostile.py

BODY_LINE = 7  # article(): the body starts on the line after the closing '---'


def nested_list(levels: int) -> str:
    return "".join("    " * i + "- punt\n" for i in range(levels))


CASES = [
    # --- item 4: Markdown whose rendering time grows with the square of its size
    Case(
        "markdown-stray-brackets",
        write("articles/haakjes.md", article("Haakjes", "Inleiding.\n\n" + "[" * 20_000 + "\n")),
        f"content/articles/haakjes.md:{BODY_LINE + 2}:1: te veel haakjes '[', '(' of '<' zonder sluitend haakje",
        seconds=10,  # before: 217 s
    ),
    Case(
        "markdown-twelve-kilobytes",
        write("articles/tekst.md", article("Tekst", "Goed.\n\nNog goed.\n\nHier [a " + "[a " * 4000 + "\n")),
        f"content/articles/tekst.md:{BODY_LINE + 4}:6: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-angle-brackets",
        write("pages/hoeken.md", article("Hoeken", "<a " * 20_000 + "\n").replace("type: news\n", "")),
        "content/pages/hoeken.md:6:1: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-links-without-end",
        write("articles/links.md", article("Links", "[a](" * 10_000 + "\n")),
        f"content/articles/links.md:{BODY_LINE}:4: te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-brackets-in-yaml-field",
        write("igs/haakjes.yaml", igs("Haakjes", "description: |\n  " + "[`" * 10_000 + "\n")),
        "content/igs/haakjes.yaml:7:1: 'description': te veel haakjes",
        seconds=10,
    ),
    Case(
        "markdown-deep-list",
        write("articles/diep.md", article("Diep", "Lijst:\n\n" + nested_list(300))),
        f"content/articles/diep.md:{BODY_LINE + 2 + MAX_NESTING}:1: de tekst is te diep genest",
        seconds=10,  # before: a RecursionError traceback
    ),
    Case(
        "markdown-deep-quote",
        write("articles/citaat.md", article("Citaat", ">" * 5000 + " diep\n")),
        f"content/articles/citaat.md:{BODY_LINE}:1: de tekst is te diep genest",
        seconds=10,
    ),
    Case(
        "markdown-many-links-and-escaped-brackets",
        write(
            "articles/veel-links.md",
            article(
                "Veel links",
                "".join(f"- [Bron {i}](https://bron.example/{i}/) (zie ook [hier](/igs/noord/))\n" for i in range(2000))
                + "\n"
                + "\\[ " * 20_000
                + "\n\nEen vergelijking: a < b, en [een losse] haak.\n",
            ),
        ),
        check=_check_article("veel-links", "Bron 1999</a>", "[ [ [", "a &lt; b"),
        seconds=60,
    ),
]


def project_link(url: str) -> Setup:
    """An IGS with one project whose 'url' (line 8, column 10) is `url`, written as a YAML string."""
    return write("igs/regio.yaml", igs("Regio", f"projects:\n  - title: Klik\n    url: {url}\n"))


def site_yaml(old: str, new: str) -> Setup:
    def setup(content: Path) -> None:
        path = content / "site.yaml"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return setup


CASES += [
    # --- item 7: URLs with control characters, backslashes, slugs with a newline, base URL, e-mail,
    # numbers YAML 1.1 reads in other bases, huge lists
    Case(
        "link-with-tab",
        project_link('"/\\t/evil.example/"'),
        "content/igs/regio.yaml:8:10: 'url' bevat een spatie, tab, regeleinde of besturingsteken",
    ),
    Case(
        "link-with-newline",
        project_link('"/\\n/evil.example/"'),
        "content/igs/regio.yaml:8:10: 'url' bevat een spatie, tab, regeleinde of besturingsteken",
    ),
    Case(
        "link-with-backslash",
        project_link("/\\evil.example/"),
        "content/igs/regio.yaml:8:10: 'url' is geen geldige link",
    ),
    Case(
        "website-with-newline",
        write("igs/regio.yaml", igs("Regio", 'website: "https://regio.example/\\nSet-Cookie: x"\n')),
        "content/igs/regio.yaml:6:10: 'website' bevat een spatie, tab, regeleinde of besturingsteken",
    ),
    Case(
        "slug-with-newline",
        write("pages/igs\n.md", article("Geen IGS").replace("type: news\n", "").replace("date: 2021-05-04\n", "")),
        "content/pages/igs\\n.md: ongeldige bestandsnaam 'igs\\n.md'",
    ),
    Case(
        "base-url-with-query",
        site_yaml("base_url: https://voorbeeld.example/", "base_url: https://voorbeeld.example/?ref=x"),
        "content/site.yaml:4:11: het basisadres mag geen '?' of '#' bevatten",
    ),
    Case(
        "base-url-with-fragment",
        site_yaml("base_url: https://voorbeeld.example/", "base_url: https://voorbeeld.example/#top"),
        "content/site.yaml:4:11: het basisadres mag geen '?' of '#' bevatten",
    ),
    Case(
        "base-url-with-newline",
        site_yaml("base_url: https://voorbeeld.example/", 'base_url: "https://voorbeeld.example/\\nDisallow: /"'),
        "content/site.yaml:4:11: 'base_url' bevat een spatie, tab, regeleinde of besturingsteken",
    ),
    Case(
        "base-url-with-user",
        site_yaml("base_url: https://voorbeeld.example/", "base_url: https://iemand@voorbeeld.example/"),
        "content/site.yaml:4:11: het basisadres mag geen gebruikersnaam",
    ),
    Case(
        "email-with-headers",
        write("igs/regio.yaml", igs("Regio", "email: info@regio.example?subject=Hallo&body=Klik%20hier\n")),
        "content/igs/regio.yaml:6:8: 'info@regio.example?subject=Hallo&body=Klik%20hier' is geen geldig e-mailadres",
    ),
    Case(
        "email-with-cc",
        write("igs/regio.yaml", igs("Regio", "email: info@regio.example&cc=iemand@elders.example\n")),
        "content/igs/regio.yaml:6:8: 'info@regio.example&cc=iemand@elders.example' is geen geldig e-mailadres",
    ),
    Case(
        "octal-number",
        write("pages/menu.md", "---\ntitle: Menu\nsummary: Kort.\nnav: 010\n---\nTekst.\n"),
        "content/pages/menu.md:4:6: 'nav' moet een gewoon geheel getal zijn, niet '010' (YAML leest dat als 8)",
    ),
    Case(
        "hex-number",
        write("pages/menu.md", "---\ntitle: Menu\nsummary: Kort.\nnav: 0x0F\n---\nTekst.\n"),
        "content/pages/menu.md:4:6: 'nav' moet een gewoon geheel getal zijn, niet '0x0F' (YAML leest dat als 15)",
    ),
    Case(
        "sexagesimal-number",
        write("pages/menu.md", "---\ntitle: Menu\nsummary: Kort.\nnav: 1:30\n---\nTekst.\n"),
        "content/pages/menu.md:4:6: 'nav' moet een gewoon geheel getal zijn, niet '1:30' (YAML leest dat als 90)",
    ),
    Case(
        "huge-list",
        write(
            "igs/lijst.yaml",
            "name: Lijst\nprovince: Limburg\nsummary: Kort.\nmunicipalities:\n"
            + "".join(f"  - Gemeente {i}\n" for i in range(20_000)),
        ),
        "content/igs/lijst.yaml:5:3: de lijst 'municipalities' is te lang: 20000 elementen, hoogstens 500",
        seconds=10,
    ),
]


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def images(*names: str) -> Setup:
    def setup(content: Path) -> None:
        (content / "images").mkdir(exist_ok=True)
        for name in names:
            (content / "images" / name).write_bytes(png())

    return setup


NFC_CAFE, NFD_CAFE = "caf\u00e9.png", "cafe\u0301.png"

CASES += [
    # --- item 8: names that collide, hide characters or look like another
    Case(
        "image-names-differ-in-case",
        images("Foto.png", "foto.png"),
        "content/images/foto.png: 'images/foto.png' en 'images/Foto.png' verschillen alleen in hoofdletters",
    ),
    Case(
        "image-names-differ-in-normalisation",
        images(NFC_CAFE, NFD_CAFE),
        f"content/images/{NFC_CAFE}: 'images/{NFC_CAFE}' en 'images/{NFD_CAFE}' hebben dezelfde naam",
    ),
    Case(
        "image-name-bidi-override",
        images("foto\u202egnp.png"),
        "content/images/foto\\u202egnp.png: de bestandsnaam bevat een onzichtbaar of besturingsteken "
        "(U+202E RIGHT-TO-LEFT OVERRIDE)",
    ),
    Case(
        "image-name-terminal-escape",
        images("\x1b]0;gehackt\x07\x1b[2J.png"),
        "content/images/\\x1b]0;gehackt\\x07\\x1b[2J.png: de bestandsnaam bevat een onzichtbaar of besturingsteken "
        "(U+001B)",
    ),
    Case(
        "igs-file-name-bidi-override",
        write("igs/noord\u202elmay.yaml", igs("Regio")),
        "content/igs/noord\\u202elmay.yaml: ongeldige bestandsnaam 'noord\\u202elmay.yaml'",
    ),
    Case(
        "igs-name-soft-hyphen",
        write("igs/regio.yaml", igs("Re\u00adgio")),
        "content/igs/regio.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "igs-name-zero-width-joiner",
        write("igs/regio.yaml", igs("Re\u200dgio")),
        "content/igs/regio.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "igs-name-tag-character",
        write("igs/regio.yaml", igs("Regio\U000e0041")),
        "content/igs/regio.yaml:1:7: 'name' bevat onzichtbare besturingstekens",
    ),
    Case(
        "igs-same-name",
        write("igs/kopie.yaml", igs("Cultuurregio Noord")),
        "content/igs/noord.yaml:1:7: de naam 'Cultuurregio Noord' is (bijna) gelijk aan die van een ander IGS: "
        "'Cultuurregio Noord' (content/igs/kopie.yaml:1)",
    ),
    Case(
        "igs-same-name-case-accents-spaces",
        write("igs/kopie.yaml", igs("CULTUUR-RÉGIO  noord")),
        "content/igs/noord.yaml:1:7: de naam 'Cultuurregio Noord' is (bijna) gelijk aan die van een ander IGS",
    ),
    Case(
        "igs-homoglyph-name",
        write("igs/zzz.yaml", igs("Cultuurr\u0435gio N\u043e\u043erd")),
        "content/igs/zzz.yaml:1:7: de naam 'Cultuurr\u0435gio N\u043e\u043erd' mengt letters uit verschillende "
        "alfabetten (CYRILLIC, LATIN)",
    ),
    Case(
        "igs-homoglyph-name-collides",
        write("igs/zzz.yaml", igs("Cultuurr\u0435gio N\u043e\u043erd")),
        "content/igs/zzz.yaml:1:7: de naam 'Cultuurr\u0435gio N\u043e\u043erd' is (bijna) gelijk aan die van een ander "
        "IGS: 'Cultuurregio Noord' (content/igs/noord.yaml:1)",
    ),
    Case(
        "igs-digit-for-letter",
        lambda content: [write("igs/co7.yaml", igs("CO7"))(content), write("igs/zzz.yaml", igs("C07"))(content)],
        "content/igs/zzz.yaml:1:7: de naam 'C07' is (bijna) gelijk aan die van een ander IGS: 'CO7'",
    ),
    Case(
        "igs-alias-looks-like-other-igs",
        write("igs/zzz.yaml", igs("Regio", "aliases:\n  - Oude naam\n  - Cultuurr\u00e9gio NOORD\n")),
        "content/igs/zzz.yaml:8:5: de andere naam 'Cultuurr\u00e9gio NOORD' is (bijna) gelijk aan de naam van een "
        "ander IGS: 'Cultuurregio Noord' (content/igs/noord.yaml:1)",
    ),
    Case(
        "noncharacter-in-title",
        write("articles/teken.md", article("Titel \ufdd0")),
        "content/articles/teken.md:2:8: 'title' bevat een teken dat niet in een tekst hoort (U+FDD0 noncharacter)",
    ),
    Case(
        "noncharacter-in-body",
        write("articles/teken.md", article("Titel", "Tekst met \U0001fffe erin.\n")),
        f"content/articles/teken.md:{BODY_LINE}:11: de tekst bevat een teken dat niet in een tekst hoort "
        "(U+1FFFE noncharacter)",
    ),
    Case(
        "private-use-in-summary",
        write("igs/regio.yaml", igs("Regio").replace("Een testregio.", "Een \ue000 testregio.")),
        "content/igs/regio.yaml:5:10: 'summary' bevat een teken dat niet in een tekst hoort (U+E000)",
    ),
]

ERROR_CASES = [case for case in CASES if case.error]
SITE_CASES = [case for case in CASES if not case.error]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.id for case in ERROR_CASES])
def test_hostile_input_is_reported(
    case: Case, run_cli, previous_output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_reported(case, run_cli, previous_output, tmp_path)


@pytest.mark.parametrize("case", SITE_CASES, ids=[case.id for case in SITE_CASES])
def test_hostile_input_builds_a_correct_site(case: Case, tmp_path: Path) -> None:
    assert_builds_alone(case, tmp_path)


def _largest_accepted(unit: str) -> str:
    """`unit` repeated as often as the pre-check allows."""
    low, high = 1, 1_000_000 // len(unit)
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (low, middle - 1) if markdown_problems(unit * middle) else (middle, high)
    return unit * low


@pytest.mark.parametrize(
    "unit",
    ["[", "[a ", "<a ", "[[a]", "[`", "[a](", "[a " * 100 + "\n\n"],
    ids=["brackets", "words", "angles", "nested", "code", "unclosed-links", "paragraphs"],
)
def test_markdown_within_the_budget_renders_quickly(unit: str) -> None:
    """The largest inputs the pre-check lets through still render in about a second at most."""
    text = _largest_accepted(unit)
    assert len(text) > 1000
    started = time.perf_counter()
    render_markdown(text, "/")
    assert time.perf_counter() - started < 10  # a quadratic blow-up would take minutes


def test_markdown_precheck_is_linear() -> None:
    started = time.perf_counter()
    assert markdown_problems("[a " * 300_000)  # 900 kB, near the largest file allowed
    assert time.perf_counter() - started < 5


# --- item 5: the preview server answers only to its own names (DNS rebinding) -------------------


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`build.py serve` on 127.0.0.1 (a free port) over the sample site, which has a future-dated
    article: the preview shows it, the published site does not."""
    site = tmp_path_factory.mktemp("preview-site")
    shutil.copytree(SAMPLE / "content", site / "content")
    for name in ("templates", "assets"):
        shutil.copytree(ROOT / name, site / name)
    running = Server(site)
    yield running
    running.proc.terminate()
    running.proc.wait(timeout=10)
    running.reader.join(timeout=10)
    assert running.proc.stdout is not None
    running.proc.stdout.close()


def _request(port: int, path: str, host: str | None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _websocket_status(port: int, host: str, origin: str | None) -> int:
    """The status line of a websocket handshake on /livereload."""
    lines = [
        "GET /livereload HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = connection.makefile("rb").readline().decode()
    return int(status_line.split()[1])


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "127.0.0.1", "LocalHost"])
def test_preview_answers_its_own_names(preview: Server, host: str) -> None:
    status, body = _request(preview.port, "/verhalen/later/", host.format(port=preview.port))
    assert status == 200
    assert b"<h1>" in body


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",
        "evil.example",
        "localhost.evil.example:{port}",
        "127.0.0.1.nip.io:{port}",
        "10.0.0.1:{port}",
        "[::ffff:7f00:1]x",
        "",
        None,
    ],
)
@pytest.mark.parametrize("path", ["/verhalen/later/", "/", "/livereload.js", "/bestaat-niet/"])
def test_preview_refuses_other_host_names(preview: Server, host: str | None, path: str) -> None:
    """A page at http://evil.example:PORT/ whose name was rebound to 127.0.0.1 gets nothing."""
    status, body = _request(preview.port, path, host.format(port=preview.port) if host is not None else None)
    if host is None:
        assert status == 400  # Tornado refuses an HTTP/1.1 request without Host itself
    else:
        assert status == 403
        assert body.decode().startswith("Geweigerd:")
    assert b"<" not in body


def test_livereload_socket_checks_origin(preview: Server) -> None:
    own = f"127.0.0.1:{preview.port}"
    assert _websocket_status(preview.port, own, f"http://{own}") == 101
    assert _websocket_status(preview.port, f"localhost:{preview.port}", f"http://localhost:{preview.port}") == 101
    for origin in (
        "http://evil.example",
        f"http://evil.example:{preview.port}",
        "http://127.0.0.1:1",
        "null",
        "file://",
        f"https://127.0.0.1.evil.example:{preview.port}",
        None,
    ):
        assert _websocket_status(preview.port, own, origin) == 403, origin
    assert _websocket_status(preview.port, f"evil.example:{preview.port}", f"http://evil.example:{preview.port}") == 403


def test_host_rules() -> None:
    assert host_name("LOCALHOST.:8000") == "localhost"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("a b") is None
    assert host_name("user@evil.example") is None
    assert host_name("localhost:99999") is None
    assert is_allowed_host("vm.local", "vm.local")  # the --host given
    assert not is_allowed_host("192.168.1.5", "127.0.0.1")
    assert is_allowed_host("192.168.1.5", "0.0.0.0")  # all addresses: the local network, by address only
    assert not is_allowed_host("evil.example", "0.0.0.0")
    assert is_allowed_origin("http://[::1]:8000", "127.0.0.1", 8000)
    assert not is_allowed_origin("http://localhost:8000/path", "127.0.0.1", 8000)


# --- item 7: the CLI, the link checker, the scaffolds, the error cap -------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        "https://voorbeeld.example/\nDisallow: /",
        "https://voorbeeld.example/?x=1",
        "https://voorbeeld.example/#top",
        "//voorbeeld.example/",
        "voorbeeld.example",
        "ftp://voorbeeld.example/",
        "javascript:alert(1)//",
        "https:///pad/",
        "https://iemand@voorbeeld.example/",
        "https://voorbeeld.example:poort/",
        "https://voorbeeld .example/",
    ],
)
def test_bad_base_url_option_is_a_usage_error(
    base_url: str, run_cli, previous_output: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    shutil.copytree(previous_output, out)
    before = tree_bytes(out)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", "site", "--base-url", base_url)
    assert code == 2
    assert "--base-url: het basisadres" in err
    assert tree_bytes(out) == before
    code, _, err = run_cli("check", "--content", str(SAMPLE / "content"), "--base-url", base_url)
    assert code == 2


def test_base_url_rules_accept_real_addresses() -> None:
    from sitegen.urls import base_url_problem

    for good in ("https://igs-cultuur.be/", "https://org.github.io/repo", "http://127.0.0.1:8000/", "https://[::1]:8/"):
        assert base_url_problem(good) is None, good


def test_link_checker_reads_links_as_a_browser_does() -> None:
    from sitegen.linkcheck import LinkResolver

    resolver = LinkResolver({"index.html": b""}, "https://voorbeeld.example/", "/")
    for sneaky in (
        "/\t/evil.example/",
        "/\n/evil.example/",
        "/\\evil.example/",
        " //evil.example/",
        "\\\\evil.example/",
    ):
        assert not resolver.is_internal(sneaky), sneaky
    assert resolver.is_internal("/") and resolver.resolve("/", "index.html")[0] == "index.html"


@pytest.mark.parametrize("slug", ["igs\n", "nieuw\n", "a\tb", "x\x1b[31m"])
def test_new_refuses_names_with_control_characters(slug: str, content: Path, run_cli) -> None:
    before = sorted(p.name for p in (content / "pages").iterdir())
    code, _, err = run_cli("new", "page", slug, "--content", "content")
    assert code == 2
    assert "ongeldige naam" in err
    assert "\x1b" not in err and "\n'" not in err  # shown escaped
    assert sorted(p.name for p in (content / "pages").iterdir()) == before


def test_errors_are_capped_per_file(content: Path, run_cli) -> None:
    """400 unknown municipalities: 20 errors, then one line with the count of the rest; the other
    files' errors still show."""
    (content / "igs" / "veel.yaml").write_text(
        "name: Veel\nprovince: Limburg\nsummary: Kort.\nmunicipalities:\n"
        + "".join(f"  - Onbestaand {i}\n" for i in range(400)),
        encoding="utf-8",
    )
    (content / "igs" / "ander.yaml").write_text(igs("Ander", "website: ftp://x\n"), encoding="utf-8")
    started = time.perf_counter()
    code, _, err = run_cli("check", "--content", "content")
    elapsed = time.perf_counter() - started
    assert code == 1
    many = [line for line in err.splitlines() if line.startswith("content/igs/veel.yaml:")]
    assert len(many) == 21
    assert many[-1] == "content/igs/veel.yaml:25:5: … en 380 andere fouten in dit bestand (de eerste op deze plaats)"
    assert any(line.startswith("content/igs/ander.yaml:6:10: 'website'") for line in err.splitlines())
    assert elapsed < 60, f"took {elapsed:.1f} s"


# --- item 8: nothing from a file name reaches the terminal raw -------------------------------------


def test_terminal_escapes_in_names_are_printed_escaped(content: Path, run_cli) -> None:
    (content / "images").mkdir()
    (content / "images" / "\x1b]0;gehackt\x07\x1b[2J\u202e.png").write_bytes(png())
    (content / "igs" / "\x1b[31mrood.yaml").write_text(igs("Rood"), encoding="utf-8")
    code, out, err = run_cli("check", "--content", "content")
    assert code == 1
    for raw in ("\x1b", "\x07", "\u202e"):
        assert raw not in err and raw not in out
    assert "content/igs/\\x1b[31mrood.yaml: ongeldige bestandsnaam" in err


def test_skeleton_sees_through_lookalikes() -> None:
    from sitegen.chars import skeleton

    same = [
        "Cultuurregio Noord",
        "CULTUURREGIO NOORD",
        "Cultuur-regio Noord",
        "Cultuurrégio Noord",
        "Cultuurr\u0435gio Noord",  # Cyrillic е
        "\uff23ultuurregio Noord",  # fullwidth C
        "Cultuurregio N00rd",
        "Cultuurregio\u00a0Noord",
    ]
    assert {skeleton(name) for name in same} == {"cultuurregionoord"}
    assert skeleton("Cultuurregio Zuid") != skeleton("Cultuurregio Noord")
