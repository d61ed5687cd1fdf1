"""The internal link checker: broken links and anchors fail the build, named at their source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, tree_bytes

from sitegen.linkcheck import LinkResolver, find_broken_links, parse_page

ARTICLE = "content/articles/project-x.md"


def _content_copy(tmp_path: Path) -> Path:
    """The sample site's content: tests never depend on what the shipped content holds today."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    return content


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def test_planted_broken_link_and_anchor_name_the_markdown_line(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    before = tree_bytes(out)
    content = _content_copy(tmp_path)
    article = content / "articles" / "project-x.md"
    article.write_text(
        article.read_text() + "\nZie [x](/igs/bestaat-niet/) voor meer.\n\nEn ook [y](/igs/noord/#nergens).\n"
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(
        "build", "--content", str(content), "--output", str(out), "--base-url", "https://o.example/r/"
    )
    assert code == 1
    link_line = _line_of(article, "[x](/igs/bestaat-niet/)")
    anchor_line = _line_of(article, "[y](/igs/noord/#nergens)")
    lines = err.splitlines()
    assert (
        f"{ARTICLE}:{link_line}:9: kapotte link '/r/igs/bestaat-niet/' (op /r/verhalen/project-x/): "
        "deze pagina of dit bestand bestaat niet"
    ) in lines
    assert (
        f"{ARTICLE}:{anchor_line}:12: kapotte link '/r/igs/noord/#nergens' (op /r/verhalen/project-x/): "
        "het anker #nergens bestaat niet op die pagina"
    ) in lines
    assert lines[-1].startswith("Build mislukt: 2 fouten")
    assert tree_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.build-state", "content", "site"]


def test_check_command_reports_broken_links_too(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _content_copy(tmp_path)
    page = content / "pages" / "contact.md"
    page.write_text(page.read_text() + "\nLees [dit](/verhalen/bestaat-niet/).\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 1
    assert f"content/pages/contact.md:{_line_of(page, 'bestaat-niet')}:" in err
    assert list(tmp_path.iterdir()) == [content]


def test_broken_link_in_yaml_names_the_yaml_line(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    igs = content / "igs" / "noord.yaml"
    igs.write_text(igs.read_text().replace("url: /verhalen/project-x/", "url: /verhalen/weg/"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "site"))
    assert code == 1
    line = _line_of(igs, "url: /verhalen/weg/")
    assert f"content/igs/noord.yaml:{line}:10: kapotte link '/verhalen/weg/' (op /igs/noord/)" in err


def test_broken_link_in_a_template_names_the_template(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    page = templates / "404.html"
    page.write_text(page.read_text().replace("href('/verhalen/')", "href('/verhaaltjes/')"))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(
        "build", "--content", str(SAMPLE / "content"), "--templates", str(templates), "--output", str(tmp_path / "o")
    )
    assert code == 1
    line = _line_of(page, "/verhaaltjes/")
    assert f"templates/404.html:{line}:" in err
    assert "kapotte link '/verhaaltjes/' (op /404.html)" in err


def test_a_link_in_the_base_template_is_reported_once(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    base = templates / "_site.html"  # the parts of the base layout made once per build
    base.write_text(base.read_text().replace("href('/feed.xml')", "href('/feed.atom')", 1))
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(
        "build", "--content", str(SAMPLE / "content"), "--templates", str(templates), "--output", str(tmp_path / "o")
    )
    assert code == 1
    errors = [line for line in err.splitlines() if "kapotte link" in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"templates/_site.html:{_line_of(base, '/feed.atom')}:")
    assert "andere pagina's" in errors[0]


FILES = {
    "index.html": b'<h1 id="top-titel">x</h1><a href="igs/">a</a><a href="#top-titel">b</a><a href="/r/igs/x/#m">c</a>',
    "igs/index.html": b'<a href="../">up</a><a href="x/">x</a><a href="../nergens/">weg</a><img src="/r/a.png">',
    "igs/x/index.html": b'<p id="m">m</p><a href="https://o.example/r/igs/#n">abs</a><a href="/elders/">out</a>',
    "a.png": b"",
}


def test_resolver_handles_relative_absolute_and_outside_links() -> None:
    broken = find_broken_links(FILES, "https://o.example/r/", "/r/")
    found = sorted((b.page, b.link, b.reason.split(":")[0]) for b in broken)
    assert found == [
        ("igs/index.html", "../nergens/", "deze pagina of dit bestand bestaat niet"),
        ("igs/x/index.html", "/elders/", "valt buiten de site"),
        ("igs/x/index.html", "https://o.example/r/igs/#n", "het anker #n bestaat niet op die pagina"),
    ]


def test_resolver_ignores_external_and_non_http_links() -> None:
    resolver = LinkResolver(FILES, "https://o.example/r/", "/r/")
    for value in ("https://elders.example/", "//cdn.example/x.js", "mailto:a@b.be", "tel:+3211", "data:,x"):
        assert not resolver.is_internal(value), value
    assert resolver.is_internal("https://o.example/r/igs/")
    assert resolver.resolve("igs", "index.html") == ("igs/index.html", "", "")


def test_parser_collects_ids_links_and_meta_urls() -> None:
    page = parse_page(
        '<meta property="og:url" content="https://o.example/">\n<a name="oud"></a>'
        '<section id="s"><img src="i.png" alt=""></section>'
    )
    assert page.ids == {"oud", "s"}
    assert page.links == ("https://o.example/", "i.png")


def test_plain_paths_are_resolved_as_the_full_parse_resolves_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """LinkResolver takes a link written as a plain path as it is (most links of a site): for every
    link, plain or not, it answers what the parse of every link answers."""
    import itertools
    import random

    files = {name: b"" for name in ("index.html", "a/index.html", "a/b.pdf", "a/b", "onder/c/index.html", "x.y")}
    starts = ["", "/", "//", "/onder/", "https://voorbeeld.example/", "http://voorbeeld.example/",
              "https://voorbeeld.example//", "https://voorbeeld.example", "\\", "/\\", " /", "./", "../", "#",
              "?"]  # fmt: skip
    parts = ["a", "a/", "b", "b.pdf", "c/", "x.y", "..", ".", "", "/", "~z", "-_", "%41", "a b", "a\tb", "#top",
             "?q=1", ":", "onder/", "é", "\\"]  # fmt: skip
    rng = random.Random(5)
    values = {start + "".join(rng.choice(parts) for _ in range(rng.randrange(4))) for start in starts * 60}
    values |= {start + part for start, part in itertools.product(starts, parts)}
    for base_url, base_path in (("https://voorbeeld.example/", "/"), ("https://voorbeeld.example/onder/", "/onder/")):
        resolver = LinkResolver(files, base_url, base_path)
        answers = {v: (resolver.is_internal(v), resolver.follow(v, "a/index.html")) for v in sorted(values)}
        plain = sum(resolver.plain_path(v) is not None for v in values)
        with monkeypatch.context() as patched:
            patched.setattr(LinkResolver, "plain_path", lambda self, value: None)
            parsed = {v: (resolver.is_internal(v), resolver.follow(v, "a/index.html")) for v in sorted(values)}
        assert answers == parsed
        assert 20 < plain < len(values) / 2, "plain and other links both"


def test_a_link_that_leads_to_the_same_place_from_every_page_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A link from the root or with a scheme (another site, mailto:) is judged once per build, a
    relative one once per page that has it; each page's broken links are found either way."""
    from sitegen import linkcheck

    page = b'<a href="https://elders.example/x">e</a><a href="mailto:a@b.be">m</a><a href="/r/nergens/">n</a>'
    page += b'<a href="sub/">s</a><a href="https://o.example/r/">h</a>'
    files = {"index.html": page, "a/index.html": page, "b/index.html": page}
    judged: list[str] = []
    original = linkcheck._Checker._judge

    def counting(self: linkcheck._Checker, value: str, on: str) -> object:
        judged.append(value)
        return original(self, value, on)

    monkeypatch.setattr(linkcheck._Checker, "_judge", counting)
    broken = find_broken_links(files, "https://o.example/r/", "/r/")
    once = ["https://elders.example/x", "mailto:a@b.be", "/r/nergens/", "https://o.example/r/"]
    assert sorted(judged) == sorted([*once, "sub/", "sub/", "sub/"])
    assert sorted((b.page, b.link) for b in broken) == sorted(
        (name, link) for name in files for link in ("/r/nergens/", "sub/")
    )
