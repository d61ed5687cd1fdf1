"""The table of page kinds (sitegen/pages.py) is the one list of pages the stages read."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, SAMPLE

from sitegen import pages
from sitegen.urls import out_path_of, page_url


def test_page_url_and_out_path_of_are_inverse() -> None:
    cases = {
        "index.html": "/",
        "igs/noord/index.html": "/igs/noord/",
        "404.html": "/404.html",
        "feed.xml": "/feed.xml",
        "verhalen/trefwoord/jong-talent/index.html": "/verhalen/trefwoord/jong-talent/",
    }
    for out_path, url in cases.items():
        assert page_url(out_path) == url
        assert out_path_of(url) == out_path
    assert page_url("verhalen/fooindex.html") == "/verhalen/fooindex.html"  # only a whole segment


def test_every_page_follows_its_kinds_url_rule() -> None:
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    jobs = pages.page_jobs(site)
    assert len({job.out_path for job in jobs}) == len(jobs)
    for job in jobs:
        assert (ROOT / "templates" / job.template).is_file(), job.kind.name
        rule = re.escape(job.kind.url).replace(r"\{", "{").replace(r"\}", "}")
        assert re.fullmatch(re.sub(r"{\w+}", r"[a-z0-9-]+", rule), job.context["url"]), (job.kind.name, job.out_path)
        assert job.out_path == out_path_of(job.context["url"])
    by_kind = {kind.name: [job for job in jobs if job.kind is kind] for kind in pages.KINDS}
    # The model's items carry the URLs of the table's rules.
    assert [job.context["igs"].url for job in by_kind["igs"]] == [job.context["url"] for job in by_kind["igs"]]
    assert {job.out_path for job in by_kind["article"]} == {a.out_path for a in site.articles}
    assert {job.out_path for job in by_kind["page"]} == {p.out_path for p in site.pages}
    assert not any(by_kind[name] == [] for name in ("home", "stories-by-type", "stories-by-tag", "sitemap"))
    sitemap = by_kind["sitemap"][0].context["sitemap_entries"]
    assert [url for url, _ in sitemap] == sorted(job.context["url"] for job in jobs if job.context["url"][-1] == "/")


def test_the_context_of_a_page_keyed_by_its_items_version_follows_from_the_item() -> None:
    """sitegen.deps keeps the key of such a page by its item's version and its kind's shared inputs
    alone: the rest of its context must be made of the item (its URL and date)."""
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))
    jobs = [job for job in pages.page_jobs(site) if job.kind.shared is not None]
    assert {job.kind.name for job in jobs} == {"article", "page"}
    for job in jobs:
        item = job.context[job.kind.item]
        assert item.version, job.out_path
        assert job.context == {"url": item.url, job.kind.item: item, "updated": item.updated}, job.out_path
        assert job.out_path == item.out_path


def test_keyed_templates_read_only_their_declared_inputs() -> None:
    """sitegen.deps keys the pages of a kind by what the table says its template reads; a template that
    starts reading another field of the site or the map data must be declared there, or go stale.
    (Moved here from test_incremental.py with the declarations, which moved from deps to pages.)"""
    from sitegen.deps import ASSET_CALL

    templates = ROOT / "templates"
    reading = pages.templates_reading()
    for name, reads in sorted(reading.items()):
        text = (templates / name).read_text(encoding="utf-8")
        for included in re.findall(r'{%-?\s*(?:extends|include|import|from)\s+"([^"]+)"', text):
            assert included in reading, f"{name} uses {included}, which sitegen.pages does not know"
        site_names = set(re.findall(r"\bsite\.(\w+)", text))
        assert site_names <= set(pages.CHROME_FIELDS) | reads.site, (name, site_names)
        geo_names = set(re.findall(r"\bgeo\.(\w+)", text))
        assert geo_names <= reads.geo, (name, geo_names)
        assert not re.search(r"\b(?:site|geo)\s*[\[|]", text), f"{name} reads site or geo as a whole"
        # The story lists read the stories through template functions their keys digest the results of.
        called = {function for function in pages.SITE_FUNCTIONS if re.search(rf"\b{function}\(", text)}
        assert called <= reads.calls, (name, called)
        if name in ("articles.html", "feed.xml", "_feed.xml", "_macros.html", "igs.html"):
            shown = set(re.findall(r"\b(?:a|article)\.(\w+)", text))
            assert shown <= {*pages.SUMMARY_FIELDS, "type_label"}, (name, shown)
        calls = re.findall(r"\basset\(", text)
        assert len(calls) == len(ASSET_CALL.findall(text)), f"{name} names an asset by a variable"
    # The assets a page's templates name key its pages (sitegen.deps): each kind declares every
    # template its own template uses besides the layout and the macros.
    for kind in pages.KINDS:
        if kind.reads is not None:
            own = (kind.template, *kind.includes)
            for name in own:
                text = (templates / name).read_text(encoding="utf-8")
                used = re.findall(r'{%-?\s*(?:extends|include|import|from)\s+"([^"]+)"', text)
                assert set(used) <= {*own, *pages.PARTIALS}, (kind.name, name, used)


def test_reserved_slugs_come_from_the_url_rules() -> None:
    assert pages.reserved_slugs() == {
        "igs", "verhalen", "kaart", "gemeenten", "zoeken", "404", "feed", "sitemap", "robots",
        "assets", "images", "voorbeeld",
    }  # fmt: skip


# --- a new page type is one table entry and one template --------------------------------------------

AGENDA = """{% extends "_base.html" %}
{% block title %}Agenda{% endblock %}
{% block description %}Wat er te doen is.{% endblock %}
{% block content %}
<div class="wrap">
  <h1>Agenda van {{ site.title }}</h1>
  {{ shown.body | html }}
  <p><a href="{{ href('/nergens/') }}">Meer</a></p>
</div>
{% endblock %}
"""


def _agenda_pages(site: Any, earlier: Any) -> list[pages.Page]:
    contact = next(p for p in site.pages if p.slug == "contact")
    return [pages.Page({}, "content/site.yaml", {"shown": contact, "updated": contact.updated})]


AGENDA_KIND = pages.PageKind(
    "agenda",
    "/agenda/",
    "agenda.html",
    _agenda_pages,
    reads=pages.Reads(),
    key=lambda inputs, context: (context["shown"],),
    item="shown",
    markdown=lambda site, context, site_src: [(context["shown"].src_path, context["shown"].body)],
)


@pytest.fixture
def with_agenda(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The table with one more kind (before the sitemap) and a templates folder with its template;
    nothing else is changed. Returns the templates folder."""
    monkeypatch.setattr(pages, "KINDS", (*pages.KINDS[:-1], AGENDA_KIND, pages.KINDS[-1]))
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "agenda.html").write_text(AGENDA, encoding="utf-8")
    return templates


def _build(run_cli, content: Path, templates: Path, out: Path) -> tuple[int, str]:
    code, _, err = run_cli("build", "--content", str(content), "--templates", str(templates), "--output", str(out))
    return code, err


def test_a_page_kind_added_to_the_table_is_rendered_and_listed(run_cli, tmp_path: Path, with_agenda: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    contact = content / "pages" / "contact.md"
    contact.write_text(contact.read_text() + "\nZie de [IGS'en](/igs/).\n")
    (with_agenda / "agenda.html").write_text(AGENDA.replace("href('/nergens/')", "href('/kaart/')"))
    code, err = _build(run_cli, content, with_agenda, tmp_path / "out")
    assert code == 0, err
    page = (tmp_path / "out" / "agenda" / "index.html").read_text()
    assert "<h1>Agenda van Voorbeeldsite</h1>" in page
    assert "<p>Mail ons.</p>" in page
    assert "<loc>https://voorbeeld.example/agenda/</loc>" in (tmp_path / "out" / "sitemap.xml").read_text()
    assert (tmp_path / "out" / "assets" / "social" / "agenda.png").is_file()  # every HTML page gets a card


def test_a_page_kind_added_to_the_table_is_link_checked(
    run_cli, tmp_path: Path, with_agenda: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken link in the new template names the template; one in the Markdown the new page shows
    names the Markdown line, counted once with the page that file is (the table's `markdown`)."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    contact = content / "pages" / "contact.md"
    contact.write_text(contact.read_text() + "\nZie [dit](/weg/).\n")
    monkeypatch.chdir(tmp_path)
    code, err = _build(run_cli, content, with_agenda, tmp_path / "out")
    assert code == 1
    line = len(contact.read_text().splitlines())
    assert f"content/pages/contact.md:{line}:11: kapotte link '/weg/' (op /agenda/ en 1 andere pagina's)" in err
    template_line = next(n for n, text in enumerate(AGENDA.splitlines(), 1) if "/nergens/" in text)
    assert f"templates/agenda.html:{template_line}:" in err
    assert "kapotte link '/nergens/' (op /agenda/)" in err
    assert not (tmp_path / "out").exists()
    # Without its `markdown` entry the new page's copy of the link is not traced to the Markdown.
    unblamed = dataclasses.replace(AGENDA_KIND, markdown=None)
    monkeypatch.setattr(pages, "KINDS", tuple(unblamed if k is AGENDA_KIND else k for k in pages.KINDS))
    code, err = _build(run_cli, content, with_agenda, tmp_path / "out")
    assert code == 1
    assert f"content/pages/contact.md:{line}:11: kapotte link '/weg/' (op /contact/)" in err


def test_a_page_kind_added_to_the_table_reserves_its_slug(
    run_cli, tmp_path: Path, with_agenda: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    shutil.copy(content / "pages" / "contact.md", content / "pages" / "agenda.md")
    monkeypatch.chdir(tmp_path)
    code, err = _build(run_cli, content, with_agenda, tmp_path / "out")
    assert code == 1
    assert "content/pages/agenda.md: de naam 'agenda' is voorbehouden voor een vaste pagina van de site" in err
    assert "agenda" in pages.reserved_slugs()


def test_a_page_kind_added_to_the_table_is_dependency_keyed(with_agenda: Path) -> None:
    """The new page gets a key from what its entry declares: its shown page changes it, a story does not."""
    from sitegen.deps import page_keys, template_inputs
    from sitegen.pipeline import BuildOptions, load_and_validate

    site = load_and_validate(BuildOptions(SAMPLE / "content", with_agenda, ROOT / "assets"))
    templates, _ = template_inputs(with_agenda)
    assert "agenda.html" in pages.templates_reading()

    def key(site: Any) -> bytes:
        jobs = [job for job in pages.page_jobs(site) if job.kind is AGENDA_KIND]
        assert [job.out_path for job in jobs] == ["agenda/index.html"]
        geo = SimpleNamespace(sources=())
        keys = page_keys(site, jobs, templates=templates, asset_names={}, geo=geo, pictures={})
        return keys["agenda/index.html"]

    before = key(site)
    contact = next(p for p in site.pages if p.slug == "contact")
    retitled = dataclasses.replace(contact, title="Anders", version=b"")  # an edit gives another version
    other_pages = tuple(retitled if p is contact else p for p in site.pages)
    assert key(dataclasses.replace(site, pages=other_pages)) != before
    story = dataclasses.replace(site.articles[0], title="Ander verhaal")
    assert key(dataclasses.replace(site, articles=(story, *site.articles[1:]))) == before
