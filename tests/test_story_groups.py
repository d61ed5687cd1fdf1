"""The story lists' groups kept in the build cache (pages.StoryLists.recall): a build takes the last
build's over only where they are this site's own, and a story whose tags, type or IGS'en changed
lands in the right groups."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, assert_grouped

from sitegen import pages
from sitegen.memo import Memo
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.stores import DiskStore, MemoryStore


@pytest.fixture(scope="module")
def site() -> pages.Site:
    return load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))


def _recalled(site: pages.Site, memo: Memo) -> pages.StoryLists:
    """The lists of `site` as a build makes them (recall before any group is asked), the build ended."""
    lists = pages.StoryLists(site)
    lists.recall(memo)
    for name in pages._GROUPS:
        getattr(lists, name)
    memo.finish(success=True)
    return lists


def _edited(site: pages.Site, at: int, **fields: object) -> pages.Site:
    """`site` with the story at `at` edited (a version of its own, as the model gives an edited file)."""
    story = site.articles[at]
    version = hashlib.blake2b(repr(sorted(fields.items())).encode(), digest_size=len(story.version)).digest()
    new = dataclasses.replace(story, version=version, **fields)
    return dataclasses.replace(site, articles=(*site.articles[:at], new, *site.articles[at + 1 :]))


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_a_retitled_story_keeps_the_groups_and_a_retagged_one_is_grouped_again(
    site: pages.Site, store: str, tmp_path: Path
) -> None:
    memo = Memo(MemoryStore() if store == "memory" else DiskStore(tmp_path / "cache"))
    at = next(at for at, story in enumerate(site.articles) if story.tags and story.igs)
    story = site.articles[at]
    assert_grouped(_recalled(site, memo))

    retitled = _edited(site, at, title="Een andere titel")
    lists = pages.StoryLists(retitled)
    lists.recall(memo)
    assert {"by_tag", "by_type", "by_igs", "tags"} <= vars(lists).keys()  # taken over, not grouped
    assert_grouped(lists)
    memo.finish(success=True)

    other_type = "news" if story.type != "news" else "interview"
    new_igs = next(i.slug for i in site.igs if i.slug not in story.igs)
    for changed, grouped, key in (
        (_edited(retitled, at, tags=(*story.tags, "Een heel nieuw trefwoord")), "by_tag", "een-heel-nieuw-trefwoord"),
        (_edited(retitled, at, type=other_type), "by_type", other_type),
        (_edited(retitled, at, igs=(*story.igs, new_igs)), "by_igs", new_igs),
    ):
        lists = _recalled(changed, memo)
        assert_grouped(lists)
        assert changed.articles[at] in getattr(lists, grouped)[key]
        assert_grouped(_recalled(retitled, memo))  # and back


def test_another_spelling_of_a_tag_changes_the_tags_in_use(site: pages.Site) -> None:
    """The tags in use take the first spelling of each slug: a story's tag spelled otherwise (the same
    slug, so the same tag pages) is no reason to keep the last build's labels."""
    memo = Memo(MemoryStore())
    at = next(at for at, story in enumerate(site.articles) if story.tags)
    tag = site.articles[at].tags[0]
    _recalled(site, memo)
    lists = _recalled(_edited(site, at, tags=(tag.upper(), *site.articles[at].tags[1:])), memo)
    assert_grouped(lists)
    assert lists.tags != pages.tags_in_use(site)  # the edit shows in the labels


def test_stories_moved_or_removed_are_grouped_again(site: pages.Site) -> None:
    memo = Memo(MemoryStore())
    _recalled(site, memo)
    for changed in (
        dataclasses.replace(site, articles=site.articles[1:]),
        dataclasses.replace(site, articles=(*site.articles[1:], site.articles[0])),
    ):
        assert_grouped(_recalled(changed, memo))
