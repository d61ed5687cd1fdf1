"""The content model for facts of late 2026, on tests/sample_site: an IGS in more than one province,
dates as precise as their source, a "Laatst bijgewerkt" date per page, an IGS that stopped, the
newsletter's two states."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import SAMPLE
from search_support import searchable

from sitegen.dates import PartialDate, parse_partial


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("facts") / "site"
    # The visitors' pages only: /admin/ (when the CMS is installed) has no site footer.
    assert build.main(["build", "--no-admin", "--content", str(SAMPLE / "content"), "--output", str(out)]) == 0
    return out


def _page(site_dir: Path, rel: str) -> str:
    return (site_dir / rel).read_text(encoding="utf-8")


def _section(html: str, heading: str) -> str:
    """The province section whose <h2> is `heading`, up to the next section."""
    start = html.index(f">{heading}</h2>")
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


# --- more than one province ---------------------------------------------------------------


def test_an_igs_in_two_provinces_is_listed_under_each(site_dir: Path) -> None:
    overview = _page(site_dir, "igs/index.html")
    headings = re.findall(r'<h2 id="provincie-\d+">([^<]+)</h2>', overview)
    assert headings == ["Antwerpen", "Limburg", "Vlaams-Brabant"]  # the order of the model's provinces
    assert 'href="/igs/zuid/"' in _section(overview, "Limburg")
    assert 'href="/igs/zuid/"' in _section(overview, "Vlaams-Brabant")
    assert 'href="/igs/zuid/"' not in _section(overview, "Antwerpen")
    assert 'href="/igs/noord/"' in _section(overview, "Antwerpen")


def test_the_igs_page_names_every_province(site_dir: Path) -> None:
    page = _page(site_dir, "igs/zuid/index.html")
    assert "<dt>Provincies</dt><dd>Limburg en Vlaams-Brabant</dd>" in page
    assert "<dt>Provincie</dt><dd>Antwerpen</dd>" in _page(site_dir, "igs/noord/index.html")


def _check(run_cli, content: Path) -> tuple[int, list[str]]:
    code, _, err = run_cli("check", "--content", str(content))
    return code, err.splitlines()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[Limburg, Limburg]", "content/igs/zuid.yaml:2:21: 'Limburg' staat twee keer in 'province'"),
        ("[Limburg, Brabant]", "content/igs/zuid.yaml:2:21: ongeldige waarde 'Brabant' voor 'province'"),
        ("[]", "content/igs/zuid.yaml:2:11: 'province' is een lege lijst"),
    ],
)
def test_a_wrong_province_list_is_reported_on_its_line(run_cli, content: Path, value: str, message: str) -> None:
    path = content / "igs" / "zuid.yaml"
    path.write_text(path.read_text().replace("province: [Limburg, Vlaams-Brabant]", f"province: {value}"))
    code, lines = _check(run_cli, content)
    assert code == 1
    assert lines[0] == message


def test_one_province_as_plain_text_stays_valid(run_cli, content: Path) -> None:
    path = content / "igs" / "zuid.yaml"
    path.write_text(path.read_text().replace("province: [Limburg, Vlaams-Brabant]", "province: Limburg"))
    assert _check(run_cli, content)[0] == 0


# --- date precision -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso", "shown"),
    [
        ("2020", "2020", "2020"),
        ("2022-04", "2022-04", "april 2022"),
        ("2024-02-29", "2024-02-29", "29 februari 2024"),
    ],
)
def test_a_date_is_shown_as_precisely_as_it_is_written(text: str, iso: str, shown: str) -> None:
    value = parse_partial(text)
    assert (value.iso(), value.nl()) == (iso, shown)


def test_partial_dates_sort_by_their_first_day_and_know_their_last() -> None:
    year, month, day = parse_partial("2020"), parse_partial("2020-02"), parse_partial("2020-01-15")
    assert sorted([month, day, year]) == [year, day, month]
    assert (year.end, month.end, day.end) == (dt.date(2020, 12, 31), dt.date(2020, 2, 29), dt.date(2020, 1, 15))
    assert PartialDate(dt.date(2025, 12, 31)).until_nl() == "eind 2025"
    assert year.until_nl() == "eind 2020"
    assert month.until_nl() == "februari 2020"


def test_articles_show_their_dates_at_their_precision_and_still_sort(site_dir: Path) -> None:
    interview = _page(site_dir, "verhalen/interview-noord/index.html")  # date: 2020
    assert '<time datetime="2020">2020</time>' in interview
    assert '"datePublished":"2020"' in interview
    spotlight = _page(site_dir, "verhalen/project-x/index.html")  # date: 2023-03
    assert '<time datetime="2023-03">maart 2023</time>' in spotlight
    stories = _page(site_dir, "verhalen/index.html")
    assert "15 juni" not in stories and "1 maart" not in stories
    # Newest first (the feed keeps the model's order): March 2023 before 2020, which sorts as its 1 January.
    feed = _page(site_dir, "feed.xml")
    assert feed.index("/verhalen/project-x/") < feed.index("/verhalen/interview-noord/")
    assert "<published>2020-01-01T00:00:00Z</published>" in feed


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2023-13", "content/articles/project-x.md:4:7: de datum '2023-13' bestaat niet"),
        ("23-03", "content/articles/project-x.md:4:7: 'date' moet een datum zijn, niet '23-03'"),
        ("maart 2023", "content/articles/project-x.md:4:7: 'date' moet een datum zijn, niet 'maart 2023'"),
    ],
)
def test_a_wrong_partial_date_is_reported(run_cli, content: Path, value: str, message: str) -> None:
    path = content / "articles" / "project-x.md"
    path.write_text(path.read_text().replace("date: 2023-03", f"date: {value}"))
    code, lines = _check(run_cli, content)
    assert code == 1
    assert lines[0] == message


def test_a_future_year_is_scheduled_not_published(run_cli, content: Path, tmp_path: Path) -> None:
    path = content / "articles" / "later.md"
    path.write_text(path.read_text().replace("date: 2099-01-01", "date: 2099"))
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    assert not (tmp_path / "out" / "verhalen" / "later").exists()


# --- "Laatst bijgewerkt" per page ---------------------------------------------------------


def _updated(html: str) -> str | None:
    found = re.search(r'Laatst bijgewerkt: <time datetime="([^"]+)">', html)
    return found[1] if found else None


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("index.html", "2024-02-29"),  # site.yaml's updated
        ("contact/index.html", "2024-04-02"),  # the page's own
        ("igs/noord/index.html", "2024-05-01"),  # the IGS file's own
        ("igs/zuid/index.html", "2024-02-29"),  # none of its own: site.yaml's
        ("verhalen/interview-noord/index.html", "2024-03-15"),  # its own updated, not its date
        ("verhalen/project-x/index.html", "2023-03"),  # none: its date, as precise as that
        ("igs/index.html", "2024-05-01"),  # the newest of the IGS files it lists
        ("verhalen/index.html", "2024-03-15"),  # the newest of the stories it lists
    ],
)
def test_every_page_shows_the_update_date_of_its_content(site_dir: Path, rel: str, expected: str) -> None:
    assert _updated(_page(site_dir, rel)) == expected
    assert "Stand van" not in _page(site_dir, rel)


def test_the_sitemap_carries_the_same_dates(site_dir: Path) -> None:
    sitemap = _page(site_dir, "sitemap.xml")
    assert "<loc>https://voorbeeld.example/contact/</loc><lastmod>2024-04-02</lastmod>" in sitemap
    assert "<loc>https://voorbeeld.example/verhalen/project-x/</loc><lastmod>2023-03</lastmod>" in sitemap


def test_editing_updated_changes_the_page_and_nothing_reads_the_clock(run_cli, content: Path, tmp_path: Path) -> None:
    path = content / "pages" / "contact.md"
    path.write_text(path.read_text().replace("updated: 2024-04-02", "updated: 2025-01-31"))
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    assert _updated((tmp_path / "out" / "contact" / "index.html").read_text()) == "2025-01-31"


# --- an IGS that stopped; contacts; the newsletter ----------------------------------------


def test_an_igs_past_its_end_is_marked_as_ended(site_dir: Path) -> None:
    page = _page(site_dir, "igs/zuid/index.html")
    assert "Zuid is gestopt: de werking liep tot eind 2023." in page
    # Said under the title, before "In het kort" (which a phone shows above the text).
    assert page.index("<h1") < page.index("Zuid is gestopt") < page.index('id="in-het-kort"')
    assert (
        '<dt>Status</dt><dd><span class="status status-ended">Gestopt</span> op '
        '<time datetime="2023-12-31">31 december 2023</time></dd>'
    ) in page
    assert "tot eind 2023" in _page(site_dir, "igs/index.html")


def test_an_igs_that_will_stop_is_not_yet_marked_as_ended(run_cli, content: Path, tmp_path: Path) -> None:
    path = content / "igs" / "zuid.yaml"
    path.write_text(path.read_text().replace("active_until: 2023-12-31", "active_until: 2099-06"))
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    page = (tmp_path / "out" / "igs" / "zuid" / "index.html").read_text()
    assert "Zuid stopt: de werking loopt tot juni 2099." in page
    assert "gestopt" not in page.lower()


def test_host_page_and_consultant_show_how_to_reach_an_igs(run_cli, content: Path, tmp_path: Path) -> None:
    igs = content / "igs" / "zuid.yaml"
    igs.write_text(igs.read_text() + "host_page:\n  url: https://gemeente.example/zuid\n  host: de gemeente Zuid\n")
    site = content / "site.yaml"
    site.write_text(
        site.read_text()
        + "consultants:\n  - name: Eva Voorbeeld\n    role: consulent\n    email: eva@organisatie.example\n"
        "    igs: [zuid]\n    focus: regiovorming\n"
    )
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    page = (tmp_path / "out" / "igs" / "zuid" / "index.html").read_text()
    assert (
        'Geen eigen website; <a href="https://gemeente.example/zuid" rel="noopener">info via de gemeente Zuid</a>'
        in page
    )
    assert "Eva Voorbeeld" in page and 'href="mailto:eva@organisatie.example"' in page
    contact = (tmp_path / "out" / "contact" / "index.html").read_text()
    assert "regiovorming" in contact and "Consulent voor: Zuid" in contact


def test_newsletter_form_carries_a_privacy_notice_and_a_box_per_list(site_dir: Path) -> None:
    home = _page(site_dir, "index.html")
    assert home.count('type="checkbox"') == 2
    assert '<div class="hint privacy"><p>We bewaren alleen je e-mailadres' in home


def test_newsletter_without_endpoint_shows_the_link_instead(run_cli, content: Path, tmp_path: Path) -> None:
    site = content / "site.yaml"
    text = site.read_text().replace("  endpoint: https://formulier.example/inschrijven\n", "")
    text = text.replace(
        "unavailable: Inschrijven kan nog niet.",
        "unavailable: 'Inschrijven doe je op [onze site](https://org.example/).'",
    )
    site.write_text(text)
    code, _, err = run_cli("build", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    home = (tmp_path / "out" / "index.html").read_text()
    assert "<form" not in home.split('id="nieuwsbrief"')[1]
    assert '<a href="https://org.example/" rel="noopener">onze site</a>' in home


def test_a_form_without_privacy_notice_is_an_error(run_cli, content: Path) -> None:
    site = content / "site.yaml"
    site.write_text("\n".join(line for line in site.read_text().splitlines() if "privacy:" not in line) + "\n")
    code, lines = _check(run_cli, content)
    assert code == 1
    assert lines[0] == (
        "content/site.yaml:11:13: een inschrijfformulier heeft een privacyzin nodig (newsletter.privacy)"
    )


# --- footer pages, sources, former names, words for visitors ------------------------------


def test_a_footer_page_is_linked_from_every_page(site_dir: Path) -> None:
    pages = sorted(site_dir.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        html = path.read_text(encoding="utf-8")
        footer = html[html.index('<footer class="site-footer">') :]
        assert '<a href="/contact/"' in footer, path


def test_sources_are_listed_on_the_page_that_states_the_facts(site_dir: Path) -> None:
    page = _page(site_dir, "contact/index.html")
    assert "<summary>Bronnen van deze gegevens</summary>" in page
    assert '<a href="https://bron.example/contact" rel="noopener">' in page


def test_the_home_list_shows_current_names_with_former_ones_and_ends(site_dir: Path) -> None:
    home = _page(site_dir, "index.html")
    # Each chip starts with a dot in the IGS's map colour (an inline SVG), then the name.
    assert re.search(r'<a href="/igs/noord/"><svg [^>]*>.*?</svg>Cultuurregio Noord \(voorheen Noordnet\)</a>', home)
    assert re.search(r'<a href="/igs/zuid/"><svg [^>]*>.*?</svg>Zuid \(tot eind 2023\)</a>', home)


@pytest.mark.parametrize(
    ("rel", "old", "new", "message"),
    [
        (
            "pages/contact.md",
            "Mail ons.",
            "Mail ons. Een adres vonden we nog niet.",
            "content/pages/contact.md:10:21: 'vonden we' is een notitie voor redacteurs, geen tekst voor bezoekers",
        ),
        (
            "igs/zuid.yaml",
            "members_note: De ledenlijst is niet bekend.",
            "members_note: Eerlijk is eerlijk, de lijst ontbreekt.",
            "content/igs/zuid.yaml:5:1: 'eerlijk is eerlijk' is een notitie voor redacteurs, geen tekst voor bezoekers",
        ),
        (
            "articles/project-x.md",
            "Over het project.",
            "Over het project. Een project in de kijker van de regio.",
            "content/articles/project-x.md:9:19: deze zin staat al in de samenvatting (summary): de tekst herhaalt hem",
        ),
    ],
)
def test_research_notes_and_repeated_lead_sentences_are_reported(
    run_cli, content: Path, rel: str, old: str, new: str, message: str
) -> None:
    path = content / rel
    if rel == "articles/project-x.md":  # a summary sentence long enough to count
        path.write_text(
            path.read_text().replace('"Een project in de kijker."', '"Een project in de kijker van de regio."')
        )
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    code, lines = _check(run_cli, content)
    assert code == 1
    assert lines[0] == message


# --- what an IGS page shows of its names and its coordinator --------------------------------


def test_an_igs_page_shows_only_the_aliases_that_tell_something(content: Path, run_cli, tmp_path: Path) -> None:
    """An alias the name or a longer alias already holds (other spaces, hyphens or case) is not shown;
    the page's metadata keeps every alias. A role that only repeats its label is not shown either."""
    noord = content / "igs/noord.yaml"
    aliases = "aliases: [Noord, Cultuur-regio noord, Kunstregio Noorderkempen, Noorder Kempen, Oude Naam]"
    noord.write_text(noord.read_text().replace("aliases: [Noord]", aliases))
    code, _, err = run_cli("build", "--no-admin", "--content", str(content), "--output", str(tmp_path / "out"))
    assert code == 0, err
    page = (tmp_path / "out/igs/noord/index.html").read_text()
    assert '<p class="aliases">Ook bekend als Kunstregio Noorderkempen, Oude Naam</p>' in page
    (metadata,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert '"Noorder Kempen"' in metadata and '"Cultuur-regio noord"' in metadata
    words = searchable(tmp_path / "out")["/igs/noord/"]["words"]
    assert "kemp" in words  # "Noorder Kempen", not shown, is found by the search (stemmed)
    facts = page[page.index('id="in-het-kort"') : page.index("</aside>")]
    assert "<dt>Coördinator</dt><dd>An Voorbeeld</dd>" in facts  # its role is "coördinator"
