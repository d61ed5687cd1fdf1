"""The map page, the finder and the locator maps.

What any content must give is checked on the shipped site; which IGS a municipality belongs to is
checked on the sample site with IGS'en made up for these tests (REGIONS), so that an editor who moves
a municipality to another IGS never turns these tests red.
"""

from __future__ import annotations

import html as html_lib
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from markupsafe import escape

from sitegen.geometry import load_topology
from sitegen.mapview import PALETTE, _adjacency, igs_units
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.register import load_register
from sitegen.weight import MAP_BUDGET, measure


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("site") / "output"
    assert build.main(["build", "--output", str(out)]) == 0
    return out


# Made-up IGS'en on real geography (the sample site's register is a copy of the official one): a
# village (Kemmel in Heuvelland), municipalities merged away in 2019 (Kruishoutem into Kruisem) and
# 2025 (Moerbeke into Lokeren, Wachtebeke into Lochristi, Borsbeek into Antwerpen: the sample's own
# IGS 'noord'), a name that is also a village elsewhere (Moerbeke in Geraardsbergen), and two IGS'en
# that border each other (Moerbeke and Wachtebeke are neighbours).
REGIONS = {
    "heuvelzone": ("Heuvelzone", "West-Vlaanderen", ["Heuvelland", "Mesen"]),
    "leieland": ("Leieland", "Oost-Vlaanderen", ["Kruisem", "Deinze"]),
    "waasregio": ("Waasregio", "Oost-Vlaanderen", ["Lokeren", "Moerbeke", "Sint-Niklaas"]),
    "denderstreek": ("Denderstreek", "Oost-Vlaanderen", ["Geraardsbergen", "Lierde"]),
    "kanaalzone": ("Kanaalzone", "Oost-Vlaanderen", ["Wachtebeke", "Zelzate"]),
}


def add_regions(content: Path) -> None:
    for slug, (name, province, members) in REGIONS.items():
        lines = [f"name: {name}", f"province: {province}", "municipalities:", *(f"  - {m}" for m in members)]
        lines.append('summary: "Een IGS dat de tests verzinnen."')
        (content / "igs" / f"{slug}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def regions_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample site's content with REGIONS added (tests/golden/ stays as it is)."""
    content = tmp_path_factory.mktemp("regions") / "content"
    shutil.copytree(SAMPLE / "content", content)
    add_regions(content)
    return content


@pytest.fixture(scope="module")
def regions_built(regions_content: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import build

    out = tmp_path_factory.mktemp("regions-site") / "output"
    assert build.main(["build", "--no-cache", "--content", str(regions_content), "--output", str(out)]) == 0
    return out


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _visible_rows(html: str, word: str) -> dict[str, str]:
    """The finder rows whose visible text (tags and attributes stripped) contains `word`: {name: answer}."""
    rows = {}
    for match in re.finditer(r'<tr id="g-\d{5}"[^>]*>(.*?)</tr>', html, re.DOTALL):
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", _text(match.group(1))):
            name = re.search(r'<th scope="row"><a [^>]*>([^<]+)</a>', match.group(1)).group(1)
            rows[name] = _text(re.search(r"<td>(.*?)</td>", match.group(1), re.DOTALL).group(1))
    return rows


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Kemmel", {"Heuvelland": "Heuvelzone"}),
        ("Kruishoutem", {"Kruisem": "Leieland"}),
        (
            "Deurne",
            {
                "Antwerpen": "Antwerpen: geen IGS Borsbeek: Cultuurregio Noord",
                "Diest": "onbekend (ledenlijst onvolledig)",
            },
        ),
        ("Moerbeke", {"Lokeren": "Waasregio", "Geraardsbergen": "Denderstreek"}),
        ("8956", {"Heuvelland": "Heuvelzone"}),
        ("Borsbeek", {"Antwerpen": "Antwerpen: geen IGS Borsbeek: Cultuurregio Noord"}),
        # A merged municipality whose parts answer differently says so per part.
        ("Zaffelare", {"Lochristi": "Lochristi: geen IGS Wachtebeke: Kanaalzone"}),
    ],
)
def test_finder_answers_without_javascript(regions_built: Path, word: str, expected: dict[str, str]) -> None:
    """Browser find (Ctrl+F) on the page without JavaScript lands on the right rows and their IGS."""
    assert _visible_rows((regions_built / "gemeenten/index.html").read_text(), word) == expected


def test_finder_lists_every_municipality(built: Path) -> None:
    html = (built / "gemeenten/index.html").read_text()
    register = load_register(ROOT / "content", ROOT)
    assert len(re.findall(r'<tr id="g-\d{5}">', html)) == len(register.municipalities)
    assert f"Alle {len(register.municipalities)} Vlaamse gemeenten" in html
    # Every row's name links to the map at its municipality, and that anchor exists there.
    kaart = (built / "kaart/index.html").read_text()
    for nis in re.findall(r'<tr id="g-(\d{5})">', html):
        assert f'<tr id="g-{nis}"><th scope="row"><a href="/kaart/#g-{nis}">' in html and f'id="g-{nis}"' in kaart, nis
    # No unknown municipality is ever called "geen IGS" while a list in its province is open.
    assert "benader" not in html


def test_finder_index_holds_what_the_rows_show(built: Path) -> None:
    """The filter's index (fetched on first use) has one entry per row, in page order, and every
    name or postcode it finds a row by is also in that row's text (Ctrl+F finds it without JS)."""
    html = (built / "gemeenten/index.html").read_text()
    (index_url,) = re.findall(r'data-index="([^"]+)"', html)
    index = json.loads((built / index_url.lstrip("/")).read_text(encoding="utf-8"))
    rows = dict(re.findall(r'<tr id="(g-\d{5})">(.*?)</tr>', html, re.DOTALL))
    assert [entry[0] for entry in index["rows"]] == list(rows)
    for anchor, name, answers, parts, terms in index["rows"]:
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", rows[anchor]))
        assert name in text and all(answer.split(" (")[0] in text for answer in answers)
        assert len(parts) in (0, len(answers))
        for kind, term, part in terms:
            assert kind in "gvdp" and -1 <= part < len(answers) and term in text, (anchor, term)
    assert "data-terms" not in html  # each name once in the page


def test_map_page_loads_nothing_from_other_hosts(built: Path) -> None:
    html = (built / "kaart/index.html").read_text()
    for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", html):
        assert "//" not in tag.split("href=")[-1].split("src=")[-1] or 'rel="canonical"' in tag or "og:" in tag, tag
    script = next((built / "assets").glob("kaart.*.js")).read_text()
    assert "http://" not in script and "https://" not in script
    assert "$(" not in script  # no jQuery
    assert not re.search(r"[0-9a-f]{32}", script), "random Folium ids must be replaced"
    assert "L.map(\n" in script or "L.map(" in script
    assert (built / "assets/leaflet/images/layers.png").is_file()


def test_map_page_within_budget(built: Path) -> None:
    weights = {w.page: w for w in measure(built)}
    assert weights["kaart/index.html"].total <= MAP_BUDGET


def test_every_igs_with_members_is_on_the_map(built: Path) -> None:
    script = next((built / "assets").glob("kaart.*.js")).read_text()
    site = load_and_validate(BuildOptions(ROOT / "content", ROOT / "templates", ROOT / "assets"))
    data = json.loads(script.split("= ", 1)[1].split(";\n", 1)[0])
    coloured = {unit[4] for unit in data["units"].values()}
    for igs in site.igs:
        if igs.members:
            assert igs.slug in data["areas"] and igs.slug in coloured, igs.slug
    kaart = (built / "kaart/index.html").read_text()
    pending = [igs.name for igs in site.igs if not igs.members]  # an invariant, not today's content
    if pending:
        assert all(name in kaart.split("Nog niet op de kaart")[1] for name in pending)
    else:
        assert "Nog niet op de kaart" not in kaart
    assert "benader" not in kaart  # official borders, no approximation
    for source in load_register(ROOT / "content", ROOT).sources:  # the register's own sources, credited
        assert str(escape(source.name)) in kaart, source.name


@pytest.fixture(params=["shipped", "regions"])
def any_content(request: pytest.FixtureRequest) -> Path:
    """The shipped content, and the sample site with REGIONS (where two IGS'en surely border)."""
    return ROOT / "content" if request.param == "shipped" else request.getfixturevalue("regions_content")


def test_neighbouring_igs_have_different_colours(any_content: Path) -> None:
    site = load_and_validate(BuildOptions(any_content, ROOT / "templates", ROOT / "assets"))
    register = load_register(any_content, ROOT)
    topology = load_topology(any_content, ROOT)
    units = igs_units(site, register, topology)
    from sitegen.mapview import assign_colours

    colours = assign_colours(site, units, topology)
    assert set(colours.values()) <= set(PALETTE)
    owner = {u: slug for slug, ids in units.items() for u in ids}
    borders = 0
    for unit, neighbours in _adjacency(topology).items():
        for other in neighbours:
            a, b = owner.get(unit), owner.get(other)
            if a and b and a != b:
                assert colours[a] != colours[b], (a, b)
                borders += 1
    assert borders > 0, "no two IGS'en border each other: the test proves nothing"


def test_igs_page_has_locator_and_links(regions_built: Path) -> None:
    html = (regions_built / "igs/waasregio/index.html").read_text()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    assert 'href="/kaart/"' in html and 'href="/gemeenten/"' in html
    # A merged member links to the finder's row of the municipality it is part of now.
    assert (
        '<a href="/gemeenten/#g-46029">Moerbeke</a> <span class="hint">(sinds 2025 deel van Lokeren)</span>'
    ) in html


def test_unknown_municipality_gets_did_you_mean(run_cli, content: Path) -> None:
    igs = content / "igs" / "noord.yaml"
    igs.write_text(igs.read_text().replace("  - Olen\n", "  - Olen\n  - Herenthoudt\n"))
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    lines = err.splitlines()
    assert "content/igs/noord.yaml:7:5: onbekende gemeente 'Herenthoudt'" in lines
    assert "    hint: bedoelde je 'Herenthout', 'Herent' of 'Meerhout'?" in lines


def test_former_name_is_accepted_and_mapped(run_cli, content: Path) -> None:
    code, _, err = run_cli("check", "--content", "content")
    assert code == 0, err
    site = load_and_validate(BuildOptions(content, ROOT / "templates", ROOT / "assets"))
    members = {m.name: m for m in site.igs_by_slug("noord").members}
    assert members["Borsbeek"].current_name == "Antwerpen"
    assert members["Borsbeek"].merged
    assert members["Olen"].current_name == "Olen" and not members["Olen"].merged


def test_municipality_in_two_igs_is_an_error(run_cli, content: Path) -> None:
    """The file that comes first keeps the municipality; the error is on the other file's line."""
    add_regions(content)
    igs = content / "igs" / "kanaalzone.yaml"
    text = igs.read_text().replace("  - Zelzate\n", "  - Zelzate\n  - Olen\n")
    igs.write_text(text.replace("province: Oost-Vlaanderen", "province: [Oost-Vlaanderen, Antwerpen]"))
    code, _, err = run_cli("check", "--content", "content")
    assert code == 1
    lines = err.splitlines()
    assert (
        "content/igs/noord.yaml:6:5: 'Olen' hoort al bij het IGS 'kanaalzone' (content/igs/kanaalzone.yaml:6)" in lines
    )
    assert lines[-1].startswith("Build mislukt: 1 fout gevonden")


@pytest.mark.browser
def test_finder_filters_as_you_type_in_chromium(regions_built: Path) -> None:
    from browser_support import run_script, serve

    queries = ["Kemmel", "Kruishoutem", "Deurne", "St-Niklaas", "8956", "Moerbeke", "Zaffelare", "xyzzy"]
    with serve(regions_built) as base:
        result = run_script("finder.cjs", base, *queries)
        home = run_script("finder.cjs", base, "--from-home", "Kemmel")
    assert result.returncode == 0, result.stderr
    seen = {entry["query"]: entry for entry in map(json.loads, result.stdout.splitlines())}
    for entry in seen.values():
        assert entry["problems"] == [], entry
    assert seen["Kemmel"]["visible"] == ["Kemmel → Heuvelland → Heuvelzone"]
    assert seen["Kemmel"]["status"] == "1 gemeente gevonden"
    assert seen["Kruishoutem"]["visible"] == ["Kruishoutem → Kruisem → Leieland"]
    assert seen["Deurne"]["visible"] == ["Deurne → Antwerpen → geen IGS", "Deurne → Diest → onbekend"]
    assert seen["St-Niklaas"]["visible"] == ["Sint-Niklaas → Waasregio"]
    assert seen["8956"]["visible"] == ["8956 → Heuvelland → Heuvelzone"]
    assert seen["Moerbeke"]["visible"] == [
        "Moerbeke → Geraardsbergen → Denderstreek",
        "Moerbeke → Lokeren → Waasregio",
    ]
    assert seen["Zaffelare"]["visible"] == ["Zaffelare → Lochristi → geen IGS"]
    assert seen["xyzzy"]["visible"] == [] and seen["xyzzy"]["status"] == "0 gemeenten gevonden"
    # The home page's field is a plain GET form to the finder, which filters on arrival.
    assert home.returncode == 0, home.stderr
    (arrived,) = map(json.loads, home.stdout.splitlines())
    assert arrived["url"] == "/gemeenten/?q=Kemmel" and arrived["field"] == "Kemmel"
    assert arrived["visible"] == ["Kemmel → Heuvelland → Heuvelzone"] and arrived["problems"] == []


@pytest.mark.browser
def test_site_search_finds_a_village(regions_built: Path) -> None:
    """Searching the site for a village finds its IGS's page (which names its members' villages) and the finder."""
    from browser_support import run_script, serve

    with serve(regions_built) as base:
        result = run_script("search.cjs", base, "Kemmel")
    assert result.returncode == 0, result.stderr
    _idle, kemmel = (json.loads(line) for line in result.stdout.splitlines())
    assert kemmel["problems"] == []
    hrefs = [r["href"] for r in kemmel["results"]]
    assert "/igs/heuvelzone/" in hrefs and "/gemeenten/" in hrefs


def test_every_file_a_shipped_stylesheet_names_exists(built: Path) -> None:
    """leaflet.css names its layer and marker images: they are shipped beside it."""
    for css in (built / "assets").rglob("*.css"):
        for target in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text(encoding="utf-8")):
            if target.startswith(("data:", "#")):
                continue
            assert (css.parent / target).is_file(), f"{css.name} names {target}"


def test_map_labels_and_deep_links_in_the_html(built: Path) -> None:
    """Every IGS on the map has a number the legend repeats and an anchor an IGS page links to."""
    kaart = (built / "kaart/index.html").read_text()
    script = next((built / "assets").glob("kaart.*.js")).read_text()
    data = json.loads(script.split("= ", 1)[1].split(";\n", 1)[0])
    numbers = sorted(area["number"] for area in data["areas"].values())
    assert numbers == list(range(1, len(numbers) + 1))
    for slug, area in data["areas"].items():
        assert f'<li id="{slug}">' in kaart
        assert f'<span class="map-label-number">{area["number"]}</span>' in kaart
        igs_page = (built / "igs" / slug / "index.html").read_text()
        assert f'href="/kaart/#{slug}"' in igs_page
    # Every municipality of 2019-2024 (the register's units) has its name and answer.
    assert sorted(data["units"]) == sorted(unit.id for unit in load_register(ROOT / "content", ROOT).units)


@pytest.mark.browser
def test_map_is_readable_and_deep_links_zoom_in_chromium(built: Path, regions_built: Path) -> None:
    """The shipped map, wide and on a phone; deep links on the sample site with REGIONS."""
    from browser_support import run_script, serve

    with serve(built) as base:
        wide = run_script("map_view.cjs", base, "1280", "800", "")
        phone = run_script("map_view.cjs", base, "375", "740", "")
    with serve(regions_built) as base:
        deep = run_script("map_view.cjs", base, "1280", "800", "heuvelzone", "g-33039")
    for result in (wide, phone, deep):
        assert result.returncode == 0, result.stderr
    (plain,) = (json.loads(line) for line in wide.stdout.splitlines())
    (small,) = (json.loads(line) for line in phone.stdout.splitlines())
    zone, heuvelland = (json.loads(line) for line in deep.stdout.splitlines())
    for seen in (plain, small, zone, heuvelland):
        assert seen["problems"] == [], seen
        # A keyboard user can skip the map's Tab stops: the link shows when focused and leads to the legend.
        skip = seen["skip"]
        assert skip["text"] == "Sla de kaart over" and skip["width"] > 40 and skip["height"] > 20, skip
        assert skip["next"], "after the skip link, Tab goes into the legend"
        # Keyboard focus on a municipality: name and IGS as tooltip and accessible name, a styled outline.
        focused = seen["focused"]
        assert focused["role"] == "button" and ": " in focused["label"] and focused["outline"] == "none"
        assert focused["stroke"] == "rgb(28, 35, 38)" and focused["strokeWidth"] == "4px"
        # The pop-up never hides the whole map.
        popup = seen["popup"]
        assert popup["height"] < popup["mapHeight"] / 2 and popup["width"] < popup["mapWidth"]
    # Wide: every IGS label on the map with its name, none over another.
    assert plain["namesShown"] and plain["labels"] and all(label["inside"] for label in plain["labels"])
    for seen in (plain, small):
        for first, second in itertools.combinations(seen["labels"], 2):
            (l1, t1, r1, b1), (l2, t2, r2, b2) = first["box"], second["box"]
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (first["text"], second["text"])
    # A phone: the map fills the width, is about as high (Flanders with room around it to zoom in) and
    # leaves room above or below it to scroll the page past it; labels show numbers.
    assert small["map"]["width"] == small["viewport"][0]
    assert small["viewport"][0] * 0.8 <= small["map"]["height"] <= 0.6 * small["viewport"][1]
    assert not small["namesShown"] and all(label["inside"] for label in small["labels"])
    # Deep links: #heuvelzone zooms to that IGS, #g-33039 to Heuvelland and says what it is.
    (label,) = [label for label in zone["labels"] if label["text"].endswith(" Heuvelzone")]
    assert label["inside"] and all(0.3 < c < 0.7 for c in label["centre"])
    assert not all(other["inside"] for other in zone["labels"]), "zoomed in: the IGS'en far away are out of view"
    assert heuvelland["tooltip"] == "Heuvelland: Heuvelzone"


def test_home_page_asks_the_question_first(built: Path) -> None:
    """A plain GET form to the finder (works without JavaScript) and a small map whose areas are links."""
    home = (built / "index.html").read_text()
    form = re.search(
        r'<form class="home-finder-form" action="([^"]+)" method="get" role="search">(.*?)</form>', home, re.S
    )
    assert form and form.group(1) == "/gemeenten/" and 'name="q"' in form.group(2)
    assert home.index('id="vind-gemeente"') < home.index('class="lead"')  # before the introduction
    finder = (built / "gemeenten/index.html").read_text()
    assert 'name="q"' in finder  # the finder reads ?q= and filters on arrival (see the Chromium test)


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [("375", "667"), ("1280", "720")])
def test_home_finder_is_in_the_first_screen(built: Path, width: str, height: str) -> None:
    from browser_support import run_script, serve

    with serve(built) as base:
        result = run_script("home.cjs", base, width, height)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["problems"] == []
    assert seen["field"]["bottom"] <= seen["viewport"][1] and seen["button"]["bottom"] <= seen["viewport"][1]
    links = seen["mapLinks"]
    assert links and all(link["href"].startswith("/igs/") and link["name"] for link in links)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("width", "height", "side_by_side"), [("375", "667", False), ("768", "1024", True), ("1280", "720", True)]
)
def test_finder_keeps_its_field_in_view_and_lays_out_rows(
    built: Path, width: str, height: str, side_by_side: bool
) -> None:
    from browser_support import run_script, serve

    with serve(built) as base:
        result = run_script("finder_layout.cjs", base, width, height)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["problems"] == []
    field = seen["fieldAfterScroll"]
    assert field["top"] >= 0 and field["bottom"] <= seen["viewport"][1] / 3  # sticky at the top
    assert seen["sideBySide"] is side_by_side  # a table on wide screens, stacked on a phone
    assert seen["backToTop"] == "#inhoud"
    assert seen["overflowing"] == []  # no letter's rows spill out of its box before it is laid out
