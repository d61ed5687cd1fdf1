"""The stories of a tag page, looked up in one index of the site instead of a scan per page."""

from __future__ import annotations

from types import SimpleNamespace

from sitegen.pages import stories_by_tag, tag_slug


def test_stories_by_tag_is_the_scan_per_tag_in_the_same_order() -> None:
    tags = [("Jong talent", "erfgoed"), ("jong-talent", "Jong Talent"), (), ("Erfgoed",), ("Café",), ("cafe", "!!")]
    site = SimpleNamespace(articles=[SimpleNamespace(name=f"a{n}", tags=t) for n, t in enumerate(tags)])
    index = stories_by_tag(site)  # type: ignore[arg-type]
    for tag in {t for a in site.articles for t in a.tags} | {"onbekend"}:
        slug = tag_slug(tag)
        scanned = [a for a in site.articles if any(tag_slug(t) == slug for t in a.tags)]
        assert index.get(slug, []) == scanned
    assert [a.name for a in index["jong-talent"]] == ["a0", "a1"]  # two spellings, listed once
    assert [a.name for a in index["cafe"]] == ["a4", "a5"]
