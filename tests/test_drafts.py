"""Drafts and scheduling: `draft: true` and a future date keep an article out of every output file;
`--drafts` (and `serve`) include them, marked, under a preview banner."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from sitegen.pipeline import BuildOptions, build_files

TODAY = dt.date(2024, 6, 1)
CONCEPT = "Concept over een project"
PLANNED = "Gepland interview met Noord"
SECRET = "Geheime pagina"


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("drafts") / "content"
    shutil.copytree(SAMPLE / "content", target)
    (target / "articles" / "concept.md").write_text(
        f"---\ntitle: {CONCEPT}\ntype: spotlight\ndate: 2024-05-01\nigs: noord\nsummary: Nog niet klaar.\n"
        "draft: true\n---\nTekst van het concept.\n",
        encoding="utf-8",
    )
    (target / "articles" / "gepland.md").write_text(
        f"---\ntitle: {PLANNED}\ntype: interview\ndate: 2024-06-02\nigs: [noord]\nsummary: Morgen online.\n---\n"
        "Tekst van het geplande interview.\n",
        encoding="utf-8",
    )
    (target / "pages" / "geheim.md").write_text(
        f"---\ntitle: {SECRET}\nsummary: Nog niet tonen.\nnav: 2\ndraft: true\n---\nTekst.\n", encoding="utf-8"
    )
    return target


def build(content: Path, *, today: dt.date, drafts: bool) -> dict[str, str]:
    options = BuildOptions(
        content_dir=content,
        templates_dir=ROOT / "templates",
        assets_dir=ROOT / "assets",
        include_unpublished=drafts,
        today=today,
    )
    _, files = build_files(options)
    return {name: data.decode("utf-8", "replace") for name, data in files.items() if not name.startswith("assets/")}


@pytest.fixture(scope="module")
def published(content: Path) -> dict[str, str]:
    return build(content, today=TODAY, drafts=False)


@pytest.fixture(scope="module")
def preview(content: Path) -> dict[str, str]:
    return build(content, today=TODAY, drafts=True)


def test_unpublished_articles_and_pages_are_in_no_output_file(published: dict[str, str]) -> None:
    assert "verhalen/concept/index.html" not in published
    assert "verhalen/gepland/index.html" not in published
    assert "geheim/index.html" not in published
    for name, text in published.items():
        for leaked in (CONCEPT, PLANNED, SECRET, "/verhalen/concept/", "/verhalen/gepland/", "/geheim/"):
            assert leaked not in text, f"{leaked!r} in {name}"


def test_published_lists_still_show_the_published_articles(published: dict[str, str]) -> None:
    assert "Project X in de kijker" in published["index.html"]
    assert "Project X in de kijker" in published["verhalen/index.html"]
    assert "Drie vragen aan An" in published["igs/noord/index.html"]
    assert "/verhalen/project-x/" in published["sitemap.xml"]
    assert "/verhalen/project-x/" in published["feed.xml"]
    assert "preview-banner" not in published["index.html"]


def test_an_article_appears_on_its_date(content: Path) -> None:
    on_the_day = build(content, today=dt.date(2024, 6, 2), drafts=False)
    assert "verhalen/gepland/index.html" in on_the_day
    assert PLANNED in on_the_day["verhalen/index.html"]
    assert PLANNED in on_the_day["igs/noord/index.html"]
    assert "/verhalen/gepland/" in on_the_day["sitemap.xml"]
    assert "/verhalen/gepland/" in on_the_day["feed.xml"]
    assert "Gepland:" not in on_the_day["verhalen/gepland/index.html"]
    assert "verhalen/concept/index.html" not in on_the_day  # a draft stays a draft, whatever its date


def test_preview_includes_them_everywhere(preview: dict[str, str]) -> None:
    for path in ("verhalen/concept/index.html", "verhalen/gepland/index.html", "geheim/index.html"):
        assert path in preview
    for listing in ("verhalen/index.html", "igs/noord/index.html", "feed.xml"):
        assert CONCEPT in preview[listing], listing
        assert PLANNED in preview[listing], listing
    for url in ("/verhalen/concept/", "/verhalen/gepland/", "/geheim/"):
        assert url in preview["sitemap.xml"]
    assert CONCEPT in preview["index.html"]  # the newest spotlight, on the home page


def test_preview_marks_what_is_not_published(preview: dict[str, str]) -> None:
    banner = "Voorbeeldweergave: ook concepten en verhalen met een datum in de toekomst zijn zichtbaar."
    for name, text in preview.items():
        if name.endswith(".html"):
            assert banner in text, name
    concept = preview["verhalen/concept/index.html"]
    assert (
        "Concept: dit verhaal wordt niet gepubliceerd zolang <code>draft: true</code> in het bestand staat." in concept
    )
    planned = preview["verhalen/gepland/index.html"]
    assert "Gepland: dit verhaal verschijnt pas op 2 juni 2024." in planned
    listing = preview["verhalen/index.html"]
    assert '<span class="tag tag-draft">concept</span>' in listing
    assert '<span class="tag tag-draft">gepland</span>' in listing
    assert "Concept:" not in preview["verhalen/project-x/index.html"]


def test_drafts_flag_on_the_command_line(run_cli, tmp_path: Path) -> None:
    """The sample site's article dated 2099 shows only with --drafts."""
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out), "--drafts")
    assert code == 0, err
    later = (out / "verhalen" / "later" / "index.html").read_text(encoding="utf-8")
    assert "Een verhaal voor later" in later
    assert "Gepland: dit verhaal verschijnt pas op 1 januari 2099." in later
    assert "/verhalen/later/" in (out / "sitemap.xml").read_text(encoding="utf-8")
    code, _, err = run_cli("build", "--content", str(SAMPLE / "content"), "--output", str(out))
    assert code == 0, err
    assert not (out / "verhalen" / "later").exists()
    assert "/verhalen/later/" not in (out / "sitemap.xml").read_text(encoding="utf-8")
