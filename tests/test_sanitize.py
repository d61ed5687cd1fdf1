# ruff: noqa: E501  (a table of attack strings reads best one per line)
"""Markdown and YAML text are untrusted HTML: each attack with the exact output it gets.

Markdown goes through nh3 with an allowlist (sitegen/markup.py); YAML text fields go through
Jinja's autoescape. Policy for URLs: http, https, mailto and tel only, so every data: URL is
refused, images included (the CSP allows no other image source than the site itself anyway).
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import nh3
import pytest
from conftest import SAMPLE

from sitegen import markup
from sitegen.markup import render_markdown

ATTACKS = [
    ("script", "<script>alert(1)</script>", ""),
    ("script-inline", "Tekst <script>alert(1)</script> verder.", "<p>Tekst  verder.</p>"),
    ("img-onerror", '<img src="/images/x.png" onerror="alert(1)">', '<p><img alt="" src="/images/x.png"></p>'),
    ("javascript-link", "[klik](javascript:alert(1))", '<p><a rel="noopener">klik</a></p>'),
    ("mixed-case-javascript", "[klik](JaVaScRiPt:alert(1))", '<p><a rel="noopener">klik</a></p>'),
    ("entity-colon", '<a href="javascript&#58;alert(1)">klik</a>', '<p><a rel="noopener">klik</a></p>'),
    ("tab-in-scheme", '<a href="java&#9;script:alert(1)">klik</a>', '<p><a rel="noopener">klik</a></p>'),
    ("leading-space-scheme", '<a href=" javascript:alert(1)">klik</a>', '<p><a rel="noopener">klik</a></p>'),
    ("vbscript", '<a href="vbscript:msgbox(1)">klik</a>', '<p><a rel="noopener">klik</a></p>'),
    ("data-html-link", "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", '<p><a rel="noopener">klik</a></p>'),
    ("data-image", "![pixel](data:image/png;base64,iVBORw0KGgo=)", "<p></p>"),
    ("remote-image", '<img src="https://evil.example/pixel.png" alt="pixel">', "<p></p>"),
    ("iframe", '<iframe src="https://evil.example/"></iframe>', ""),
    ("style-element", "<style>body{display:none}</style>", ""),
    ("style-attribute", '<p style="position:fixed" class="x" id="y">tekst</p>', "<p>tekst</p>"),
    ("svg-onload", '<svg onload="alert(1)"><circle r="1"/></svg>', "<p></p>"),
    ("math-xlink", '<math><mi xlink:href="javascript:alert(1)">x</mi></math>', ""),
    ("object-embed", '<object data="x.swf"></object><embed src="x.swf">', "\n<p></p>"),
    ("base", '<base href="https://evil.example/">', "<p></p>"),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=https://evil.example/">', "<p></p>"),
    ("comment", "<!-- <script>alert(1)</script> -->", ""),
    ("form", '<form action="https://evil.example/"><input name="wachtwoord"><button>Stuur</button></form>', "Stuur"),
    ("protocol-relative", '<a href="//evil.example/">klik</a>', '<p><a href="https://evil.example/" rel="noopener">klik</a></p>'),
    ("backslash-host", '<a href="/\\evil.example/">klik</a>', '<p><a href="https://evil.example/" rel="noopener">klik</a></p>'),
    ("tab-host", '<a href="/&#9;/evil.example/">klik</a>', '<p><a href="https://evil.example/" rel="noopener">klik</a></p>'),
    (
        "title-injection",
        '[klik](https://voorbeeld.example/ "a\\" onmouseover=\\"alert(1)")',
        '<p><a href="https://voorbeeld.example/" title="a\\&quot; onmouseover=\\&quot;alert(1)" rel="noopener">klik</a></p>',
    ),
    ("target-blank", '<a href="https://voorbeeld.example/" target="_blank">x</a>', '<p><a href="https://voorbeeld.example/" rel="noopener">x</a></p>'),
    ("srcset", '<img src="/images/a.png" alt="a" srcset="https://evil.example/x.png 2x">', '<p><img src="/images/a.png" alt="a"></p>'),
    ("noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', '&lt;p title="<img alt="" src="x">"&gt;'),
    ("jinja", "{{ 7*7 }} en {% raw %} {# x #}", "<p>{{ 7*7 }} en {% raw %} {# x #}</p>"),
    (
        "allowed-links",
        "[a](https://voorbeeld.example/) [b](mailto:info@voorbeeld.be) [c](tel:+3250123456)",
        '<p><a href="https://voorbeeld.example/" rel="noopener">a</a> <a href="mailto:info@voorbeeld.be" rel="noopener">b</a> '
        '<a href="tel:+3250123456" rel="noopener">c</a></p>',
    ),
]  # fmt: skip


@pytest.mark.parametrize(("markdown", "expected"), [a[1:] for a in ATTACKS], ids=[a[0] for a in ATTACKS])
def test_markdown_attack_output(markdown: str, expected: str) -> None:
    assert render_markdown(markdown, "/").html == expected


def test_links_get_the_base_path_and_are_recorded() -> None:
    rendered = render_markdown("[a](/igs/) ![b](images/b.png) [c](//andere.example/x)", "/repo/")
    assert rendered.html == (
        '<p><a href="/repo/igs/" rel="noopener">a</a> <img alt="b" src="/repo/images/b.png"> '
        '<a href="https://andere.example/x" rel="noopener">c</a></p>'
    )
    assert rendered.links == ("/repo/igs/", "/repo/images/b.png", "https://andere.example/x")


def test_the_sanitizers_are_made_once_per_thread_and_hold_no_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each thread makes its two nh3 sanitizers (with and without the URL filter) once; every document
    still gets its own base path and its own list of links."""
    made: list[object] = []
    real = nh3.Cleaner

    def counted(**options: object) -> nh3.Cleaner:
        made.append(options.get("attribute_filter"))
        return real(**options)

    monkeypatch.setattr(markup.nh3, "Cleaner", counted)

    def render_all() -> list[tuple[str, tuple[str, ...]]]:
        monkeypatch.delattr(markup._local, "sanitizers", raising=False)
        documents = [("[a](/igs/)", "/repo/"), ("*geen link*", "/"), ("![b](images/b.png)", "/"), ("[c](/c/)", "/x/")]
        return [(r.html, r.links) for r in (render_markdown(text, base) for text, base in documents)]

    assert render_all() == [
        ('<p><a href="/repo/igs/" rel="noopener">a</a></p>', ("/repo/igs/",)),
        ("<p><em>geen link</em></p>", ()),
        ('<p><img alt="b" src="/images/b.png"></p>', ("/images/b.png",)),
        ('<p><a href="/x/c/" rel="noopener">c</a></p>', ("/x/c/",)),
    ]
    assert len(made) == 2 and made.count(None) == 1
    other = threading.Thread(target=render_all)
    other.start()
    other.join()
    assert len(made) == 4  # the other thread's own pair


SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site with HTML and Jinja syntax in YAML text fields and in a body."""
    import build

    root = tmp_path_factory.mktemp("xss")
    content = root / "content"
    shutil.copytree(SAMPLE / "content", content)
    (content / "articles" / "aanval.md").write_text(
        "---\n"
        f"title: '{SCRIPT} {{{{ 7*7 }}}} \"quote\" & co'\n"
        "type: news\n"
        "date: 2021-05-04\n"
        "summary: '<img src=x onerror=alert(1)> {% if true %}ja{% endif %}'\n"
        "tags: ['<b>vet</b>']\n"
        "---\n"
        "Tekst {{ site.title }} met <script>alert(2)</script> en [link](javascript:alert(3)).\n",
        encoding="utf-8",
    )
    igs = content / "igs" / "zuid.yaml"
    igs.write_text(
        igs.read_text().replace("name: Zuid", 'name: "Zuid</title><script>alert(4)</script>"'), encoding="utf-8"
    )
    assert build.main(["build", "--content", str(content), "--output", str(root / "site")]) == 0
    return root / "site"


def test_yaml_text_is_escaped_in_the_page(hostile_site: Path) -> None:
    html = (hostile_site / "verhalen/aanval/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} &#34;quote&#34; &amp; co</h1>" in html
    assert (
        "<title>&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} &#34;quote&#34; &amp; co · Voorbeeldsite</title>"
        in html
    )
    assert 'content="&lt;img src=x onerror=alert(1)&gt; {% if true %}ja{% endif %}"' in html
    assert "&lt;b&gt;vet&lt;/b&gt;" in html
    assert '<p>Tekst {{ site.title }} met  en <a rel="noopener">link</a>.</p>' in html
    assert "alert(2)" not in html and "javascript:" not in html
    data_block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert data_block is not None
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in data_block.group(1)  # tojson escapes < >
    rest = html.replace(data_block.group(0), "")
    assert "<script" not in rest.replace('<script src="', "").replace('<script type="module" src="', "")


def test_yaml_text_is_escaped_everywhere(hostile_site: Path) -> None:
    for path in sorted(hostile_site.rglob("*")):
        if path.suffix in (".html", ".xml"):
            text = path.read_text(encoding="utf-8")
            assert "<script>alert" not in text, path
            assert "onerror=alert(1)>" not in text, path
    igs = (hostile_site / "igs/zuid/index.html").read_text(encoding="utf-8")
    assert "Zuid&lt;/title&gt;&lt;script&gt;alert(4)&lt;/script&gt;</h1>" in igs
    feed = (hostile_site / "feed.xml").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in feed
