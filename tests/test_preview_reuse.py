"""What the preview's rebuilds take over from the last build in memory (a `MemoryStore` memo kept for
the life of the server): each reuse is checked against an edit that must end it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, SAMPLE

from sitegen import pipeline, render
from sitegen.artwork import make_artwork
from sitegen.memo import Memo
from sitegen.options import BuildOptions
from sitegen.stores import MemoryStore


@pytest.fixture(scope="module")
def geo() -> Any:
    """The sample site's map data, as render gets it."""
    made: list[Any] = []
    real = pipeline.build_map_data

    def kept(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    pipeline.build_map_data = kept  # type: ignore[assignment]
    try:
        pipeline.render_files(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"), Memo())
    finally:
        pipeline.build_map_data = real  # type: ignore[assignment]
    return made[0]


def test_card_pictures_are_drawn_again_only_for_other_locators_or_colours(geo: Any) -> None:
    memo = Memo(MemoryStore())
    first = render._artwork(geo, memo)
    memo.finish(success=True)
    assert first == make_artwork(dict(geo.locators), dict(geo.colours))
    same = SimpleNamespace(locators=dict(geo.locators), colours=dict(geo.colours))  # equal, not the same objects
    assert render._artwork(same, memo) is first
    memo.finish(success=True)
    slug = sorted(geo.colours)[0]
    for changed in (
        SimpleNamespace(locators=geo.locators, colours={**geo.colours, slug: "#000000"}),
        SimpleNamespace(locators={name: geo.locators[name] for name in sorted(geo.locators)[1:]}, colours=geo.colours),
    ):
        art = render._artwork(changed, memo)
        memo.finish(success=True)
        assert art != first and art == make_artwork(dict(changed.locators), dict(changed.colours))
