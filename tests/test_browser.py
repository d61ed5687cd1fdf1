"""Every page of the built site in headless Chromium: no CSP violation, no console error.

The shipped content is built, served on 127.0.0.1 and every HTML page is loaded by
tests/browser/check_pages.cjs (playwright-core). Skipped when Chromium, node or playwright-core
is missing. playwright-core is looked for in $SITE_CHECK_NODE_MODULES, else in the cache of the
shared site-check tools ($SITE_CHECK_CACHE, default ~/.cache/site-check-tools, then node/node_modules).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser_support import run_script, serve
from conftest import ROOT
from test_contrast import contrast

from sitegen.pipeline import BuildOptions, load_and_validate

pytestmark = pytest.mark.browser
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self' https:"
)


@pytest.fixture(scope="module")
def served_site(tmp_path_factory: pytest.TempPathFactory):
    import build

    out = tmp_path_factory.mktemp("browser") / "site"
    assert build.main(["build", "--output", str(out)]) == 0
    with serve(out) as base:
        yield out, base


def _pages(out: Path) -> list[str]:
    """The visitors' pages; the /admin/ editor (the CMS's own application) is tested in test_admin.py."""
    pages = []
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        if rel.startswith("admin/"):
            continue
        pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages


def test_every_page_has_the_csp(served_site) -> None:
    out, _ = served_site
    for path in sorted(out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        head = html.split("</head>")[0]
        assert '<meta http-equiv="Content-Security-Policy"' in head, path
        assert "'unsafe-inline'" not in head.split("script-src")[1].split(";")[0], path
        assert " style=" not in html, path  # inline style attributes would need 'unsafe-inline'
        assert "frame-ancestors" not in head, path  # ignored in a meta tag
    home = (out / "index.html").read_text(encoding="utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in home


def test_every_page_loads_without_csp_violation_or_console_error(served_site) -> None:
    out, base = served_site
    pages = _pages(out)
    # Not a vacuous pass: every page of the model and the pages every site has are among them.
    site = load_and_validate(BuildOptions(ROOT / "content", ROOT / "templates", ROOT / "assets"))
    expected = {"", "404.html", "igs/", "verhalen/", "kaart/", "gemeenten/", "zoeken/"}
    expected |= {item.url.removeprefix("/") for item in (*site.igs, *site.articles, *site.pages)}
    assert expected <= set(pages), sorted(expected - set(pages))
    result = run_script("check_pages.cjs", base, *pages, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert sorted(report) == sorted(pages)
    problems = []
    for page, entry in sorted(report.items()):
        if entry["status"] != 200:
            problems.append(f"{page}: HTTP {entry['status']}")
        for kind in ("csp", "errors", "console", "thirdParty"):
            problems += [f"{page}: {kind}: {item}" for item in entry[kind]]
    assert problems == []


def _keyboard(base: str, mode: str):
    result = run_script("keyboard.cjs", base, mode)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_map_tooltips_and_popups_close_with_escape_and_tab_leaves_a_popup_in_place(served_site) -> None:
    """WCAG 1.4.13 and 2.4.3: Escape dismisses what hover and focus show; a pop-up does not trap the place."""
    _, base = served_site
    seen = _keyboard(base, "map")
    assert seen["problems"] == []
    _, second, third = seen["areas"]
    assert seen["focused"]["tooltips"] == [second]
    assert seen["focusedEscape"] == {"focus": second, "tooltips": [], "popups": [], "closeName": None}
    opened = seen["opened"]
    assert len(opened["popups"]) == 1 and opened["focus"] != second
    assert opened["closeName"] == "Sluiten"  # Leaflet's own name for it is English
    for step in ("popupEscape", "popupShiftTab"):
        assert seen[step]["popups"] == [] and seen[step]["focus"] == second, step
    # A Tab past the pop-up's last link closes it and goes on to the next municipality (not the first).
    assert seen["popupTabOut"]["popups"] == [] and seen["popupTabOut"]["focus"] == third
    assert len(seen["hovered"]["tooltips"]) >= 1
    assert seen["hoveredEscape"]["tooltips"] == []


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(part) for part in re.findall(r"[\d.]+", css)[:3])


def _over(fill: str, opacity: float, background: str) -> str:
    """FILL at OPACITY over BACKGROUND (CSS rgb() colours), as #rrggbb."""
    mixed = (opacity * f + (1 - opacity) * b for f, b in zip(_rgb(fill), _rgb(background), strict=True))
    return "#" + "".join(f"{round(channel):02x}" for channel in mixed)


def test_focused_municipality_stands_out_on_every_igs_colour(served_site) -> None:
    """WCAG 1.4.11 and 2.4.7: the ring has 3:1 against the area inside it, and the focused area
    against its neighbours of the same colour, by its ring or by its own (paled) fill."""
    _, base = served_site
    seen = _keyboard(base, "map")
    background = seen["mapBackground"]
    assert len(seen["rings"]) >= 10  # every IGS colour and 'geen IGS'
    for fill, opacity, stroke, width in seen["rings"]:
        inner = _over(fill, float(opacity), background)
        neighbour = _over(fill, 0.9, background)  # the areas' fillOpacity (assets/kaart-interactie.js)
        ring = _over(stroke, 1, background)
        assert float(width.removesuffix("px")) >= 3, fill
        assert contrast(ring, inner) >= 3, (fill, ring, inner)
        assert max(contrast(ring, neighbour), contrast(inner, neighbour)) >= 3, (fill, ring, inner)


def test_finder_field_does_not_cover_the_link_that_has_focus(served_site) -> None:
    """WCAG 1.4.10 and 2.4.7: the sticky search box hid focused rows at 400 % zoom and going back up."""
    _, base = served_site
    for run in _keyboard(base, "finder"):
        assert run["covered"] == [], run


def test_buttons_and_current_links_stay_visible_with_forced_colours(served_site) -> None:
    """High-contrast themes remove backgrounds and shadows: buttons keep a border, the current link a line."""
    _, base = served_site
    seen = _keyboard(base, "forced")
    assert seen["buttons"] and all(button["border"] == "2px solid" for button in seen["buttons"]), seen["buttons"]
    assert {link["text"] for link in seen["current"]} == {"Verhalen", "Alle verhalen"}
    assert all(link["line"] == "underline" and link["thickness"] == "3px" for link in seen["current"]), seen


def test_skip_links_move_focus_to_their_target(served_site) -> None:
    """WCAG 2.4.1: after "Naar de inhoud" and the map's "Sla de kaart over", focus is on the target."""
    _, base = served_site
    for link, focused in _keyboard(base, "skip").items():
        assert focused == ("inhoud" if link.startswith("over/") else "legende"), link
