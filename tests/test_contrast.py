"""Colour contrast (WCAG 2.1 AA) of the stylesheet's colour pairs, in the light and the dark scheme.

axe-core checks what the browser renders in the light scheme; this test also covers the dark scheme
(prefers-color-scheme: dark) and states that are hard to reach in a scan (focus ring, skip link).
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

CSS = (ROOT / "assets/style.css").read_text(encoding="utf-8")


def _variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;", block))


def _scheme(dark: bool) -> dict[str, str]:
    light = _variables(re.search(r":root\s*\{(.*?)\}", CSS, re.S)[1])
    if not dark:
        return light
    block = re.search(r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{(.*?)\}", CSS, re.S)
    return {**light, **_variables(block[1])}


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# (foreground, background, minimum): text 4.5:1, focus ring and borders of inputs 3:1 (WCAG 1.4.11).
TEXT_PAIRS = [
    (fg, bg, 4.5)
    for fg in ("text", "muted", "link", "brand", "brand-strong", "berry", "amber-text")
    for bg in ("bg", "bg-soft", "bg-accent")
] + [("text", "notice", 4.5), ("muted", "notice", 4.5), ("on-hero", "hero", 4.5), ("on-hero-muted", "hero", 4.5),
     ("focus", "bg", 3.0), ("focus", "bg-soft", 3.0), ("muted", "bg", 3.0)]  # fmt: skip


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize(("fg", "bg", "minimum"), TEXT_PAIRS)
def test_colour_pairs_meet_aa(dark: bool, fg: str, bg: str, minimum: float) -> None:
    colours = _scheme(dark)
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= minimum, f"--{fg} {colours[fg]} on --{bg} {colours[bg]}: {ratio:.2f} < {minimum}"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_skip_link_and_button_text_are_readable(dark: bool) -> None:
    colours = _scheme(dark)
    skip = re.search(r"\.skip-link \{(.*?)\}", CSS, re.S)[1]
    fg = re.search(r"(?<![-\w])color:\s*var\(--([a-z-]+)\)", skip)[1]
    bg = re.search(r"background:\s*var\(--([a-z-]+)\)", skip)[1]
    assert contrast(colours[fg], colours[bg]) >= 4.5
    button_text = "#0b1b1f" if dark else "#ffffff"  # .button colour per scheme
    assert contrast(button_text, colours["brand"]) >= 4.5
    assert contrast(button_text, colours["brand-strong"]) >= 4.5  # hover


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
