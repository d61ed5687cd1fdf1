"""Hostile content against the map and the published files (issue 11, items 1, 3 and 6).

Content arrives by pull request: whatever an editor writes must reach the visitor as the literal
text, never as template source, HTML or script, and nothing private may be published with it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import re
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes
from PIL import Image

from sitegen.geometry import load_topology
from sitegen.mapview import build_map_data
from sitegen.model import Site, Tiles
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.register import load_register

# Jinja syntax of every kind (evaluated, looping, broken, undefined, running code), then what
# breaks out of HTML, a JavaScript string or a script element, and a line separator.
HOSTILE_TEXTS = {
    "expression": "{{ 7*7 }}",
    "loop": "{% for x in 'ab' %}[{{ x }}]{% endfor %}",
    "stray-tag": "half {% open",
    "undefined": "{{ samen }}",
    "comment": "{# weg #}",
    "code": "{{ cycler.__init__.__globals__.os.mkdir(cycler.__name__) }}",
    "markup": '<img src=x onerror="alert(1)"> "q" \'s\' </script><script>alert(2)</script>',
    "separators": "a\u2028b\u2029c\\d",
}

_JS_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def js_strings(script: str) -> set[str]:
    """Every double-quoted string literal in a script, decoded (the map script writes JSON strings)."""
    return {json.loads(literal) for literal in _JS_STRING.findall(script)}


def sample_map_inputs() -> tuple[Site, object, object]:
    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    register = load_register(SAMPLE / "content", SAMPLE)
    topology = load_topology(SAMPLE / "content", SAMPLE)
    return site, register, topology


def hostile_site(site: Site, text: str) -> tuple[Site, dict[str, str]]:
    """`site` with `text` in every field that reaches the map; returns the expected literals by field."""
    expected = {
        "name": f"naam {text}",
        "member": f"lid {text}",
        "tiles_url": f"https://tegels.example/{{z}}/{{x}}/{{y}}.png?{text}",
        "attribution": f"bron {text}",
        "base_path": f"/pad {text}/",
    }
    first, *rest = site.igs
    member = dataclasses.replace(first.members[0], name=expected["member"])
    first = dataclasses.replace(first, name=expected["name"], members=(member, *first.members[1:]))
    return (
        dataclasses.replace(
            site,
            igs=(first, *rest),
            tiles=Tiles(expected["tiles_url"], expected["attribution"]),
            base_path=expected["base_path"],
        ),
        expected,
    )


@pytest.mark.parametrize("kind", sorted(HOSTILE_TEXTS))
def test_map_script_carries_content_as_literal_data(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 1: no field that reaches the map is ever rendered as a Jinja template."""
    monkeypatch.chdir(tmp_path)
    site, register, topology = sample_map_inputs()
    site, expected = hostile_site(site, HOSTILE_TEXTS[kind])
    script = build_map_data(site, register, topology).script
    strings = js_strings(script)
    for field, literal in expected.items():
        if field == "base_path":
            assert any(s.startswith(literal) for s in strings), field
        else:
            assert literal in strings, field
    assert not (tmp_path / "Cycler").exists()
    # Raw line separators end a string literal in older JavaScript engines.
    assert "\u2028" not in script and "\u2029" not in script and "</script" not in script.lower()


def test_build_publishes_jinja_in_a_name_literally(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 1, end to end: `build` with Jinja in an IGS name and in the tiles settings."""
    noord = content / "igs" / "noord.yaml"
    name = "Noord {{ 7*7 }} {% for x in 'ab' %}{{ x }}{% endfor %} {{ samen }} {% half"
    noord.write_text(noord.read_text().replace("name: Cultuurregio Noord", f"name: {json.dumps(name)}"))
    code_payload = "{{ cycler.__init__.__globals__.os.mkdir(cycler.__name__) }}"
    attribution = f"Tegels {code_payload} {{{{ 6*7 }}}}"
    site_yaml = content / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text()
        + "map:\n  tiles:\n"
        + f"    url: https://tegels.example/{{z}}/{{x}}/{{y}}.png\n    attribution: {json.dumps(attribution)}\n"
    )
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    assert not (tmp_path / "Cycler").exists()
    script = next((out / "assets").glob("kaart.*.js")).read_text(encoding="utf-8")
    strings = js_strings(script)
    assert name in strings and attribution in strings
    assert "Noord 49" not in script and "Tegels None 42" not in script
    kaart = (out / "kaart" / "index.html").read_text(encoding="utf-8")
    assert "Noord {{ 7*7 }}" in kaart  # the legend, escaped by the page template


@pytest.mark.browser
def test_map_tooltip_popup_and_attribution_show_names_as_text(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 3a: an IGS name or tiles attribution with markup shows as text and creates no element."""
    from browser_support import run_script, serve

    name = '<img src=x onerror="window.__injected=1">Noord</span><b>vet</b>'
    noord = content / "igs" / "noord.yaml"
    noord.write_text(noord.read_text().replace("name: Cultuurregio Noord", f"name: {json.dumps(name)}"))
    attribution = '<img src=x onerror="window.__injected=2"> Tegels &copy; <a href="javascript:alert(1)">x</a>'
    site_yaml = content / "site.yaml"
    site_yaml.write_text(
        site_yaml.read_text()
        + "map:\n  tiles:\n"
        + f"    url: https://tegels.example/{{z}}/{{x}}/{{y}}.png\n    attribution: {json.dumps(attribution)}\n"
    )
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    with serve(out) as base:
        result = run_script("map_text.cjs", base, "Noord")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == [] and report["injected"] is False
    # every municipality of the hostile IGS shows "<municipality>: <IGS name>", the name as written
    assert report["areas"]
    for hostile in report["areas"]:
        assert hostile["tooltip"].endswith(f": {name}") and name in hostile["popup"]
        assert hostile["label"] == hostile["tooltip"]
    (label,) = [label for label in report["labels"] if "Noord" in label["text"]]
    assert label["text"].endswith(name) and label["elements"] == 0
    assert all(a["tooltipElements"] == 0 and a["popupElements"] == 0 for a in report["areas"])
    assert attribution in report["attribution"] and report["attributionImages"] == 0


# --- item 3b: SVG that could run script in the site's origin

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">\n'


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("<script>alert(1)</script>\n", 2, "bevat een <script>-element"),
        ('<rect width="5" height="5"\n  onload="alert(1)"/>\n', 2, "bevat een gebeurtenis (onload=…)"),
        ('<g><svg:script xmlns:svg="http://www.w3.org/2000/svg">x</svg:script></g>\n', 2, "bevat een <svg:script>"),
        ("<foreignObject><p>hoi</p></foreignObject>\n", 2, "bevat een <foreignObject>-element"),
        ('<a href="javascript:alert(1)"><rect width="5" height="5"/></a>\n', 2, "verwijst naar 'javascript:alert(1)'"),
        ('<image xlink:href="https://spion.example/p.png" width="5" height="5"/>\n', 2, "verwijst naar 'https://"),
        ('<use href="andere.svg#x"/>\n', 2, "verwijst naar 'andere.svg#x'"),
        ('<style>@import "https://spion.example/a.css";</style>\n', 2, "bevat CSS die een ander bestand laadt"),
        ('<rect style="fill: url(https://spion.example/)" width="5" height="5"/>\n', 2, "bevat CSS die een ander"),
        ('<set attributeName="href" to="javascript:alert(1)"/>\n', 2, "verandert een verwijzing met <set>"),
        ("<rect width='5' height='5'>\n", 3, "is geen geldig SVG-bestand"),
    ],
)
def test_unsafe_svg_is_refused_with_its_place(run_cli, content: Path, body: str, line: int, message: str) -> None:
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "logo.svg").write_text(
        SVG_OPEN + body + ("</svg>\n" if "<rect width='5'" not in body else "")
    )
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 1
    assert f"content/images/logo.svg:{line}: dit SVG-bestand {message}" in err, err
    assert "hint: een SVG op de site mag geen scripts" in err


def test_svg_with_doctype_entities_is_refused(run_cli, content: Path) -> None:
    (content / "images").mkdir(exist_ok=True)
    laughs = '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    (content / "images" / "bom.svg").write_text(laughs + SVG_OPEN + "<text>&b;</text></svg>\n")
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 1
    assert "content/images/bom.svg:1: dit SVG-bestand bevat een DOCTYPE" in err


def test_safe_svg_is_published_without_editor_metadata(run_cli, content: Path, tmp_path: Path) -> None:
    (content / "images").mkdir(exist_ok=True)
    drawing = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'
        ' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"'
        ' xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" viewBox="0 0 10 10"'
        ' sodipodi:docname="logo-jan.svg" inkscape:export-filename="/home/jan.peeters/logo.png">\n'
        "<!-- Gemaakt door Jan Peeters op zijn laptop -->\n"
        "<metadata><rdf:RDF><rdf:Description>Jan Peeters</rdf:Description></rdf:RDF></metadata>\n"
        '<sodipodi:namedview inkscape:window-width="1920"><inkscape:page/></sodipodi:namedview>\n'
        '<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>\n'
        '<rect width="5" height="5" style="fill:url(#g)"/><use href="#g"/>\n'
        "</svg>\n"
    )
    (content / "images" / "logo.svg").write_text(drawing)
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    published = (out / "images" / "logo.svg").read_text()
    for private in ("Jan Peeters", "jan.peeters", "logo-jan", "namedview", "window-width", "<metadata"):
        assert private not in published
    assert '<rect width="5" height="5" style="fill:url(#g)"/><use href="#g"/>' in published
    from xml.dom import minidom

    minidom.parseString(published.encode())  # still well-formed


# --- item 6: image metadata and images of unpublished items

SECRETS = (b"GeheimeCamera", b"SN-998877", b"Jan Peeters", b"geheim commentaar", b"IPTCGEHEIM", b"MOTIONVIDEO")


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "GeheimeCamera"  # Make
    exif[0xA431] = "SN-998877"  # BodySerialNumber
    if orientation != 1:
        exif[0x0112] = orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (50.0, 51.0, 12.34), 3: "E", 4: (4.0, 21.0, 1.5)})
    return exif


XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>Jan Peeters</dc:creator></x:xmpmeta>'


def _picture(mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, (64, 48), (200, 80, 40) if mode == "RGB" else 3)
    image.paste((20, 90, 160) if mode == "RGB" else 7, (0, 0, 32, 16))
    return image


def hostile_jpeg(orientation: int = 6) -> bytes:
    buffer = io.BytesIO()
    _picture().save(buffer, "JPEG", quality=90, exif=_exif(orientation), xmp=XMP, comment=b"geheim commentaar")
    data = buffer.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0dIPTCGEHEIM..."
    app13 = b"\xff\xed" + len(iptc + b"xx").to_bytes(2, "big") + iptc
    return data[:2] + app13 + data[2:] + b"MOTIONVIDEO" * 10  # a "motion photo" after the end


def hostile_png() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jan Peeters")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Comment", "geheim commentaar IPTCGEHEIM", zip=True)
    buffer = io.BytesIO()
    _picture().save(buffer, "PNG", pnginfo=info, exif=_exif())
    return buffer.getvalue() + b"MOTIONVIDEO"


def hostile_webp() -> bytes:
    buffer = io.BytesIO()
    _picture().save(buffer, "WEBP", lossless=True, exif=_exif(), xmp=XMP)
    return buffer.getvalue()


def hostile_gif() -> bytes:
    buffer = io.BytesIO()
    _picture("P").save(buffer, "GIF", comment=b"geheim commentaar")
    data = buffer.getvalue()
    xmp_block = b"\x21\xff\x0bXMP DataXMP" + bytes((len(XMP[:200]),)) + XMP[:200] + b"\x00"
    at = data.index(b"\x2c")  # before the first image
    return data[:at] + xmp_block + data[at:-1] + b"\x3bMOTIONVIDEO"


HOSTILE_IMAGES = {
    "images/gps.jpg": hostile_jpeg,
    "images/tekst.png": hostile_png,
    "images/camera.webp": hostile_webp,
    "images/reactie.gif": hostile_gif,
}


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA").tobytes()


def test_published_images_carry_no_metadata_and_look_the_same(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 6: GPS, camera, XMP, IPTC, comments and trailing data are gone from every published image."""
    images = content / "images"
    images.mkdir(exist_ok=True)
    originals = {rel: make() for rel, make in HOSTILE_IMAGES.items()}
    for rel, data in originals.items():
        (content / rel).write_bytes(data)
        assert any(secret in data for secret in SECRETS), rel  # the test images do carry them
    article = content / "articles" / "project-x.md"  # one used as an article image (resized), the rest unused
    article.write_text(article.read_text().replace("tags:", "image:\n  src: images/gps.jpg\n  alt: Een foto\ntags:"))
    runs = []
    for run in ("een", "twee"):
        out = tmp_path / run
        code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
        assert code == 0, err
        runs.append(tree_bytes(out))
    assert runs[0] == runs[1], "byte-identical builds"
    published = {rel: data for rel, data in runs[0].items() if rel.startswith("images/")}
    assert set(HOSTILE_IMAGES) <= set(published)
    for rel, data in published.items():
        for secret in SECRETS:
            assert secret not in data, (rel, secret)
        assert b"GPS" not in data and b"xmpmeta" not in data, rel
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            assert not exif.get_ifd(0x8825), rel
            assert set(exif) <= {0x0112}, (rel, dict(exif))
    for rel, data in originals.items():
        assert _pixels(published[rel]) == _pixels(data), rel  # not re-encoded
    with Image.open(io.BytesIO(published["images/gps.jpg"])) as image:
        assert image.getexif()[0x0112] == 6  # still shown upright


def test_images_of_unpublished_items_wait_for_their_page(run_cli, content: Path, tmp_path: Path) -> None:
    """Item 6: an image that only a draft or a future-dated item uses is published with it, not before."""
    images = content / "images"
    images.mkdir(exist_ok=True)
    for name in ("concept.jpg", "later.png", "gedeeld.jpg", "los.jpg"):
        (images / name).write_bytes(hostile_jpeg(1) if name.endswith(".jpg") else hostile_png())
    (content / "articles" / "concept.md").write_text(
        "---\ntitle: Een concept\ntype: news\ndate: 2021-05-04\nsummary: Nog niet af.\ndraft: true\n"
        "image:\n  src: images/concept.jpg\n  alt: Een foto\n---\nZie ook ![gedeeld](/images/gedeeld.jpg).\n"
    )
    later = content / "articles" / "later.md"  # dated 2099
    later.write_text(later.read_text() + "\n![Later](/images/later.png)\n")
    project = content / "articles" / "project-x.md"
    project.write_text(project.read_text() + "\n![Gedeeld](../../images/gedeeld.jpg)\n")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    assert not (out / "images" / "concept.jpg").exists() and not (out / "images" / "later.png").exists()
    assert not any(p.name.startswith(("concept-", "later-")) for p in (out / "images").iterdir())
    assert (out / "images" / "gedeeld.jpg").is_file() and (out / "images" / "los.jpg").is_file()
    preview = tmp_path / "voorbeeld"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(preview), "--drafts")
    assert code == 0, err
    assert (preview / "images" / "concept.jpg").is_file() and (preview / "images" / "later.png").is_file()


def test_unreadable_image_is_named_where_it_lies(run_cli, content: Path) -> None:
    """Item 6: an image whose metadata cannot be found for certain is refused, not published as it is."""
    (content / "images").mkdir(exist_ok=True)
    (content / "images" / "half.jpg").write_bytes(hostile_jpeg()[:300])
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 1
    assert "content/images/half.jpg: deze afbeelding is onvolledig" in err
    assert "hint: open de afbeelding in een fotoprogramma" in err


def drawing_with_metadata() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!-- Jan -->\n<svg xmlns="http://www.w3.org/2000/svg" '
        b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1.2"><metadata id="m"/>'
        b'<rect width="1" height="1" style="fill:url(#a)"/><g><metadata>a<!-- b --></metadata></g>'
        b"<style>rect{fill:red}</style></svg>\n"
    )


@pytest.mark.parametrize("rel", [*sorted(HOSTILE_IMAGES), "images/tekening.svg"])
def test_stripping_damaged_files_gives_a_clear_answer(rel: str) -> None:
    """Every truncation and many damaged bytes of each kind: cleaned bytes or a ValueError, nothing else."""
    from sitegen.imageclean import strip_metadata

    data = HOSTILE_IMAGES.get(rel, drawing_with_metadata)()
    damaged = [data[:cut] for cut in range(0, len(data), max(1, len(data) // 400))]
    damaged += [data[:i] + bytes((data[i] ^ 0xA5,)) + data[i + 1 :] for i in range(0, len(data), 7)]
    for sample in damaged:
        try:
            cleaned = strip_metadata(rel, sample)
        except ValueError:
            continue
        assert b"MOTIONVIDEO" not in cleaned


# --- item 3c: the HTTP headers the site should get


def read_headers_file(data: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """`_headers` as Netlify and Cloudflare read it: a path pattern, then indented 'Name: value' lines."""
    rules: list[tuple[str, list[tuple[str, str]]]] = []
    for line in data.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), line
            rules.append((line.strip(), []))
        else:
            name, value = line.strip().split(": ", 1)
            rules[-1][1].append((name, value))
    return rules


def headers_for(rules: list[tuple[str, list[tuple[str, str]]]], path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern, headers in rules:
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path):
            found.update(headers)
    return found


def csp_sources(policy: str, directive: str) -> set[str] | None:
    from sitegen.headers import effective, parse_csp

    sources = effective(parse_csp(policy), directive)
    return None if sources is None else set(sources)


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("headers") / "site"
    assert build.main(["build", "--content", str(SAMPLE / "content"), "--output", str(out)]) == 0
    return out


def test_headers_file_gives_every_file_a_policy_no_page_conflicts_with(sample_build: Path) -> None:
    """Item 3c: `_headers` sends CSP, nosniff and Referrer-Policy for every file; no page's own policy
    allows something the header policy blocks (browsers enforce both)."""
    rules = read_headers_file((sample_build / "_headers").read_text(encoding="utf-8"))
    files = [p.relative_to(sample_build).as_posix() for p in sorted(sample_build.rglob("*")) if p.is_file()]
    pages = 0
    for rel in files:
        headers = headers_for(rules, "/" + rel)
        assert headers.get("X-Content-Type-Options") == "nosniff", rel
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", rel
        policy = headers["Content-Security-Policy"]
        script = csp_sources(policy, "script-src")
        assert script is not None and script <= {"'self'", "'wasm-unsafe-eval'"}, rel  # no inline script, no eval
        assert csp_sources(policy, "object-src") == {"'none'"} and csp_sources(policy, "base-uri") == {"'self'"}
        assert csp_sources(policy, "frame-ancestors") == {"'self'"}
        if not rel.endswith(".html"):
            continue
        meta = re.search(
            r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', (sample_build / rel).read_text()
        )
        if meta is None:
            continue  # the header policy alone protects it
        pages += 1
        page_policy = meta.group(1).replace("&#39;", "'").replace("&#x27;", "'")
        for directive in re.findall(r"(?:^|;\s*)([a-z-]+)", page_policy):
            allowed_by_page = csp_sources(page_policy, directive)
            allowed_by_header = csp_sources(policy, directive)
            if allowed_by_header is not None and allowed_by_page is not None:
                assert allowed_by_page - {"'none'"} <= allowed_by_header, (rel, directive)
    assert pages >= 10


def test_header_policy_parses_each_distinct_page_policy_once() -> None:
    """Thousands of pages share a few policies: the union over the distinct ones, in the order of
    their first page, is the union over every page."""
    from sitegen.headers import page_policies, parse_csp, site_policy

    policies = [
        "default-src 'self'; img-src 'self' data:",
        "default-src 'self'; connect-src 'self' https://api.github.com",
        "script-src 'self'; default-src 'none'",
    ]
    rng = random.Random(3)
    chosen = {f"p{n:03d}/index.html": rng.choice(policies) for n in range(200)}
    files = {
        rel: f'<meta http-equiv="Content-Security-Policy" content="{policy}"></head><p>x</p>'.encode()
        for rel, policy in chosen.items()
    }
    every = [parse_csp(chosen[rel]) for rel in sorted(chosen)]
    assert len(page_policies(files)) == len(policies)
    assert list(site_policy(page_policies(files)).items()) == list(site_policy(every).items())


def test_header_policy_is_the_union_of_the_page_policies() -> None:
    """Item 3c: a page with wider needs (an editor's app) widens the header only where it needs to."""
    from sitegen.headers import headers_file

    site = b"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; form-action 'self' https:\">"
    app = (
        b"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; style-src 'self' "
        b"'unsafe-inline'; connect-src 'self' https://api.github.com; form-action 'none'\"></head>"
    )
    text = headers_file({"a/index.html": site, "admin/index.html": app, "x.svg": b"<svg/>"}, "/repo/").decode()
    rules = read_headers_file(text)
    assert [pattern for pattern, _ in rules] == ["/repo/*"]
    policy = headers_for(rules, "/repo/x.svg")["Content-Security-Policy"]
    assert csp_sources(policy, "style-src") == {"'self'", "'unsafe-inline'"}
    assert csp_sources(policy, "connect-src") == {"'self'", "https://api.github.com"}
    assert csp_sources(policy, "script-src") == {"'self'"}
    assert csp_sources(policy, "form-action") == {"'self'", "https:"}


def test_header_policy_reads_the_pages_made_after_the_known_policies() -> None:
    """The pipeline hands headers_file the policies read before the search index and the editor
    were added: a page among those made after them is read, the others are taken as known."""
    from sitegen.headers import headers_file, meta_policies

    site = b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'">'
    app = b'<meta http-equiv="Content-Security-Policy" content="default-src \'self\'; connect-src https://api.github.com">'
    files = {"a/index.html": site, "x.svg": b"<svg/>"}
    known = meta_policies(files)
    later = {"pagefind/pagefind.js": b"", "admin/index.html": app}
    files.update(later)
    with_editor = headers_file(files, "/", known, list(later))
    assert with_editor == headers_file(files, "/")
    assert b"https://api.github.com" in with_editor
    del files["admin/index.html"]
    assert headers_file(files, "/", known, ["pagefind/pagefind.js"]) == headers_file(files, "/")


@pytest.mark.browser
def test_script_in_a_file_opened_directly_is_blocked_by_the_headers(sample_build: Path, tmp_path: Path) -> None:
    """Item 3c in Chromium: an SVG with a script (as if one slipped through) opened directly runs it
    without the headers and not with them."""
    import contextlib
    import functools
    import http.server
    import shutil
    import threading

    from browser_support import run_script

    site = tmp_path / "site"
    shutil.copytree(sample_build, site)
    (site / "images").mkdir(exist_ok=True)
    (site / "images" / "slipped.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>document.documentElement.setAttribute("data-ran", "ja")'
        "</script></svg>\n"
    )
    rules = read_headers_file((site / "_headers").read_text(encoding="utf-8"))

    class Handler(http.server.SimpleHTTPRequestHandler):
        with_headers = True

        def end_headers(self) -> None:
            if self.with_headers:
                for name, value in headers_for(rules, self.path.split("?")[0]).items():
                    self.send_header(name, value)
            super().end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    @contextlib.contextmanager
    def serve(with_headers: bool):
        handler = functools.partial(type("H", (Handler,), {"with_headers": with_headers}), directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()

    reports = {}
    for with_headers in (False, True):
        with serve(with_headers) as base:
            result = run_script("open_file.cjs", base + "images/slipped.svg")
        assert result.returncode == 0, result.stderr
        reports[with_headers] = json.loads(result.stdout)
    assert reports[False]["status"] == 200 and reports[False]["ran"] is True  # the test can see a script run
    assert reports[True]["status"] == 200 and reports[True]["ran"] is False
    assert reports[True]["violations"], "the browser reports the blocked script"
