"""Scheduled items and drafts: `check` says what is not published yet and when it will be, and a link
to such an item says why it does not work yet instead of "bestaat niet"."""

from __future__ import annotations

from pathlib import Path

import pytest

DRAFT = "---\ntitle: Nog niet af\ntype: news\ndate: 2024-01-01\nsummary: Een concept.\ndraft: true\n---\nTekst.\n"
DRAFT_PAGE = "---\ntitle: Verborgen\nsummary: Een conceptpagina.\ndraft: true\n---\nTekst.\n"


def test_check_reports_drafts_and_scheduled_items_with_their_dates(run_cli, content: Path) -> None:
    (content / "articles" / "nog-niet-af.md").write_text(DRAFT, encoding="utf-8")
    (content / "pages" / "verborgen.md").write_text(DRAFT_PAGE, encoding="utf-8")
    code, out, err = run_cli("check", "--content", "content")
    assert code == 0, err
    assert out.splitlines() == [
        "Geen fouten: 2 IGS'en, 4 verhalen (waarvan 1 gepland voor 1 januari 2099 en 1 concept), "
        "2 pagina's (waarvan 1 concept).",
        "  gepland voor 1 januari 2099: content/articles/later.md (/verhalen/later/)",
        "  concept (draft: true): content/articles/nog-niet-af.md",
        "  concept (draft: true): content/pages/verborgen.md",
    ]
    # The same report with --drafts, where they are built as a preview.
    code, drafts_out, _ = run_cli("check", "--content", "content", "--drafts")
    assert (code, drafts_out) == (0, out)


def test_check_counts_several_scheduled_items(run_cli, content: Path) -> None:
    later = (content / "articles" / "later.md").read_text(encoding="utf-8")
    (content / "articles" / "nog-later.md").write_text(later.replace("2099-01-01", "2099-03-15"), encoding="utf-8")
    code, out, _ = run_cli("check", "--content", "content")
    assert code == 0
    assert out.splitlines()[0] == (
        "Geen fouten: 2 IGS'en, 4 verhalen (waarvan 2 gepland, het eerste voor 1 januari 2099), 1 pagina."
    )


@pytest.mark.parametrize(
    ("target", "report", "hint"),
    [
        (
            "/verhalen/later/",
            "'Een verhaal voor later' is gepland voor 1 januari 2099 en staat pas vanaf dan op de site",
            "voeg de link pas toe als het verschenen is, of plan het verhaal met de link op 1 januari 2099 of later",
        ),
        (
            "/verhalen/nog-niet-af",
            "'Nog niet af' is een concept (content/articles/nog-niet-af.md heeft draft: true) en staat nog niet "
            "op de site",
            "publiceer het eerst (haal 'draft: true' weg), of voeg de link pas toe als het gepubliceerd is",
        ),
        (
            "https://igs.example/verborgen/",
            "'Verborgen' is een concept (content/pages/verborgen.md heeft draft: true) en staat nog niet op de site",
            "publiceer het eerst (haal 'draft: true' weg), of voeg de link pas toe als het gepubliceerd is",
        ),
    ],
)
def test_a_link_to_an_unpublished_item_says_why(run_cli, content: Path, target: str, report: str, hint: str) -> None:
    (content / "articles" / "nog-niet-af.md").write_text(DRAFT, encoding="utf-8")
    (content / "pages" / "verborgen.md").write_text(DRAFT_PAGE, encoding="utf-8")
    contact = content / "pages" / "contact.md"
    contact.write_text(contact.read_text(encoding="utf-8") + f"\nZie [dit]({target}).\n", encoding="utf-8")
    line = len(contact.read_text(encoding="utf-8").splitlines())
    code, _, err = run_cli("check", "--content", "content", "--base-url", "https://igs.example/")
    assert code == 1
    lines = err.splitlines()
    assert f"content/pages/contact.md:{line}:11: kapotte link '{target}' (op /contact/): {report}" in lines
    assert f"    hint: {hint}" in lines
    assert "bestaat niet" not in err


def test_pull_request_preview_shows_drafts_and_scheduled_items_with_banners(
    run_cli, edited_content: Path, tmp_path: Path
) -> None:
    """What the workflow's preview job runs: an editor's pull request, drafts and scheduled items
    included and marked, under the preview's own address, kept out of search engines."""
    out = tmp_path / "voorbeeld" / "pr-12"
    base = "https://org.github.io/site/voorbeeld/pr-12/"
    code, _, err = run_cli("build", "--drafts", "--no-cache", "--content", str(edited_content), "--output", str(out),
                           "--base-url", base)  # fmt: skip
    assert code == 0, err
    scheduled = (out / "verhalen/oproep-voorjaar/index.html").read_text(encoding="utf-8")
    assert "Gepland: dit verhaal verschijnt pas op " in scheduled
    draft = (out / "verhalen/nog-niet-af/index.html").read_text(encoding="utf-8")
    assert "Concept: dit verhaal wordt niet gepubliceerd zolang <code>draft: true</code>" in draft
    assert (out / "verhalen/open-atelierdag/index.html").is_file() and (out / "vrijwilligers/index.html").is_file()
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if page.relative_to(out).parts[0] == "admin":  # the editor's own app (when installed): never indexed
            assert '<meta name="robots" content="noindex' in html, page
            continue
        assert '<meta name="robots" content="noindex">' in html, page
        assert "Voorbeeldweergave" in html, page
        assert f'<link rel="canonical" href="{base}' in html, page


def test_a_draft_page_has_its_banner_in_the_preview(run_cli, content: Path, tmp_path: Path) -> None:
    (content / "pages" / "verborgen.md").write_text(DRAFT_PAGE, encoding="utf-8")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--drafts", "--no-cache", "--content", "content", "--output", str(out))
    assert code == 0, err
    page = (out / "verborgen/index.html").read_text(encoding="utf-8")
    assert "Concept: deze pagina wordt niet gepubliceerd zolang <code>draft: true</code> in het bestand staat." in page
    assert "Concept:" not in (out / "contact/index.html").read_text(encoding="utf-8")
    code, _, _ = run_cli("build", "--no-cache", "--content", "content", "--output", str(out))
    assert code == 0 and '<meta name="robots"' not in (out / "index.html").read_text(encoding="utf-8")
