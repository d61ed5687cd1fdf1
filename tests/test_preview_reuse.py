"""What the preview's rebuilds take over from the last build in memory (a `MemoryStore` memo kept for
the life of the server): each reuse is checked against an edit that must end it."""

from __future__ import annotations

import datetime as dt
import operator
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, SAMPLE
from test_serve import summary_edit

from sitegen import load, pipeline, render, tree
from sitegen.artwork import make_artwork
from sitegen.errors import ContentErrors
from sitegen.memo import Memo
from sitegen.options import BuildOptions
from sitegen.stores import MemoryStore

TODAY = dt.date(2024, 6, 1)


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


def test_igs_objects_are_taken_over_until_their_file_the_day_or_the_register_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model hands an IGS of the last build back as the same object while it is made of the same
    file, base path, site date and register; each of those changed makes it anew, as a build without
    memo makes it."""
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    memo = Memo(MemoryStore())
    real = pipeline.build_model

    def build(resolve: Any = None, **options: Any) -> dict[str, Any]:
        def build_model(valid: Any, **kwargs: Any) -> Any:
            if resolve is not None:
                kwargs["resolve_member"] = resolve
            return real(valid, **kwargs)

        monkeypatch.setattr(pipeline, "build_model", build_model)
        settings = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets", **{"today": TODAY, **options})
        site = pipeline.load_and_validate(settings, memo)
        memo.finish(success=True)
        assert site.igs == pipeline.load_and_validate(settings, Memo()).igs  # as a build without memo
        return {igs.slug: igs for igs in site.igs}

    first = build()
    assert all(igs is first[slug] for slug, igs in build().items())

    path = Path("content/igs/noord.yaml")
    old, new = summary_edit(path.read_text(encoding="utf-8"), "Bewerkt.")
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    edited = build()
    assert edited["noord"] is not first["noord"] and edited["zuid"] is first["zuid"]

    earlier = build(today=dt.date(2023, 1, 1))  # before zuid's active_until: not ended then
    assert not earlier["zuid"].has_ended and first["zuid"].has_ended
    assert earlier["noord"] is edited["noord"]

    def elsewhere(name: str) -> tuple[str, str]:
        return (f"{name} (elders)", "99999")

    other = build(resolve=elsewhere, today=dt.date(2023, 1, 1))  # another register
    assert all(other[slug] is not igs for slug, igs in earlier.items())
    assert any(member.nis == "99999" for igs in other.values() for member in igs.members)

    moved = build(resolve=elsewhere, today=dt.date(2023, 1, 1), base_url="https://elders.example/sub/")
    assert all(moved[slug] is not igs for slug, igs in other.items())


def test_clean_stories_are_taken_over_until_the_igs_they_may_name_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation hands a story whose own checks found nothing back as the last build's front matter
    while the IGS'en a story may name are the same; an IGS gone (or back) checks every story's
    references again, and a story with a problem is never taken over: each build reports what a
    build without memo reports."""
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    memo = Memo(MemoryStore())
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets", today=TODAY, include_unpublished=True)

    def outcome(with_memo: Memo) -> list[str]:
        try:
            pipeline.load_and_validate(options, with_memo)
        except ContentErrors as exc:
            return sorted(error.render(tmp_path) for error in exc.errors)
        finally:
            with_memo.finish(success=True)
        return []

    def build() -> list[str]:
        found = outcome(memo)
        assert found == outcome(Memo())
        return found

    assert build() == build() == []
    igs = Path("content/igs/noord.yaml")
    igs.rename(igs.with_name("elders.yaml"))  # every story naming noord: an unknown IGS
    broken = build()
    assert any("interview-noord.md" in line for line in broken) and any("project-x.md" in line for line in broken)
    assert build() == broken  # nothing changed: the same errors again
    igs.with_name("elders.yaml").rename(igs)
    assert build() == []
    story = Path("content/articles/project-x.md")
    story.write_text(story.read_text(encoding="utf-8").replace("igs: [noord]", "igs: [nergens]"), encoding="utf-8")
    wrong = build()
    assert len(wrong) == 1 and "project-x.md" in wrong[0]
    assert build() == wrong


def test_page_jobs_and_keys_are_taken_over_while_what_makes_them_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild keeps the last build's jobs of the story lists while the stories are the same objects
    and the site's date the same, the job of another kind not made of items where it comes out equal
    (the sitemap), and a page's key where its job is the last build's and the parts of its key are
    equal: each rebuild's jobs and keys are a build's without memo, and an edit of what they follow
    from makes them anew."""
    from sitegen.pages import StoryLists, _StoryPages

    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    memo = Memo(MemoryStore())
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets", today=TODAY, include_unpublished=True)

    made: list[str] = []  # the story lists made and the groups recalled, by the rebuilds with memo
    watching = [False]

    def watched(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            if watching[0]:
                made.append(name)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(_StoryPages, "__call__", watched("lists", _StoryPages.__call__))
    monkeypatch.setattr(StoryLists, "_follows", watched("groups", StoryLists._follows))

    def build() -> tuple[list[Any], Any, dict[str, bytes]]:
        watching[0] = True
        rendered = pipeline.render_files(options, memo, cards_later=True)
        watching[0] = False
        memo.finish(success=True)
        fresh = pipeline.render_files(options, Memo(), cards_later=True)
        assert [(j.kind.name, j.out_path, j.context) for j in rendered.jobs] == [
            (j.kind.name, j.out_path, j.context) for j in fresh.jobs
        ]
        assert rendered.keys == fresh.keys
        lists = [job for job in rendered.jobs if isinstance(job.kind.pages, _StoryPages)]
        sitemap = next(job for job in rendered.jobs if job.kind.name == "sitemap")
        assert lists
        return lists, sitemap, rendered.keys

    def edit(rel: str, old: str, new: str) -> None:
        path = Path("content") / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    first, sitemap, keys = build()
    edit("articles/project-x.md", "\n---\n", "\n---\nEen nieuwe eerste zin.\n\n")  # a body: the lists stay
    assert all(map(operator.is_, build()[0], first))
    made.clear()
    edit("igs/noord.yaml", *summary_edit(Path("content/igs/noord.yaml").read_text(encoding="utf-8"), "Bewerkt."))
    lists, same_sitemap, now = build()
    assert made == []  # no list made, no group recalled: the last build's, also after a body edit
    assert all(map(operator.is_, lists, first)) and same_sitemap is sitemap  # so are their keys
    assert {job.out_path: now[job.out_path] for job in lists} == {job.out_path: keys[job.out_path] for job in lists}
    # The first page of all stories lists the IGS'en by name (its filter): its key follows the name.
    edit("igs/noord.yaml", "name: Cultuurregio Noord", "name: Cultuurregio Hoog Noord")
    named, _, renamed = build()
    assert all(map(operator.is_, named, first))
    changed = [job.out_path for job in named if renamed[job.out_path] != now[job.out_path]]
    assert changed == ["verhalen/index.html"]
    edit("site.yaml", "updated: 2024-02-29", "updated: 2029-12-31")  # the site's date: the lists' dates
    dated, dated_sitemap, _ = build()
    assert dated[0] is not named[0] and dated[0].context != named[0].context  # (equal jobs are kept)
    assert dated_sitemap is not sitemap
    story = Path("content/articles/later.md")
    edit("articles/later.md", "title: Een verhaal", "title: Een ander verhaal")  # a story made anew
    edited, _, _ = build()  # its lists made anew: equal, so the last build's jobs (as build() checks)
    shutil.copy(story, story.with_name("nog-later.md"))  # another story: other lists, another sitemap
    more, more_sitemap, _ = build()
    assert len(more) > len(edited) or [j.context for j in more] != [j.context for j in edited]
    assert more_sitemap.context != dated_sitemap.context


def _story_edits(content: Path) -> list[Callable[[int], list[str]]]:
    """Edits of the sample content, each giving the paths it changed (relative to content/, as the
    preview's watcher tells them): of one story's body or of what other stories and pages follow
    (a title, a date, an IGS named, a story added, removed or renamed, an IGS gone and back, an IGS
    named as another), a story made invalid and valid again, files the load leaves out or reports."""

    def replace(rel: str, pattern: str, new: str) -> Callable[[int], list[str]]:
        def edit(n: int) -> list[str]:
            path = content / rel
            text = path.read_text(encoding="utf-8")
            assert re.search(pattern, text, flags=re.M), (rel, pattern)
            path.write_text(re.sub(pattern, new.format(n=n), text, count=1, flags=re.M), encoding="utf-8")
            return [rel]

        return edit

    def body(n: int) -> list[str]:
        path = content / "articles/interview-noord.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\nBewerking {n}.\n", encoding="utf-8")
        return ["articles/interview-noord.md"]

    def toggle(rel: str, text: str) -> Callable[[int], list[str]]:
        def edit(n: int) -> list[str]:
            path = content / rel
            if path.exists():
                path.unlink()
            else:
                path.write_text(text.format(n=n), encoding="utf-8")
            return [rel]

        return edit

    def move(old: str, new: str) -> Callable[[int], list[str]]:
        """A file renamed, and back (nothing when neither name is there)."""

        def edit(n: int) -> list[str]:
            for source, target in ((old, new), (new, old)):
                if (content / source).exists():
                    (content / source).rename(content / target)
                    break
            return [old, new]

        return edit

    story = (SAMPLE / "content/articles/project-x.md").read_text(encoding="utf-8")
    return [
        body,
        replace("articles/project-x.md", r"^title: .*$", "title: Project X {n}"),
        replace("articles/project-x.md", r"^date: .*$", "date: 2022-{n:02d}-15"),
        replace("articles/project-x.md", r"^igs: .*$", "igs: [zuid]"),
        replace("articles/project-x.md", r"^igs: .*$", "igs: [noord]"),
        replace("articles/project-x.md", r"^igs: .*$", "igs: [nergens]"),  # an unknown IGS
        replace("articles/interview-noord.md", r"^type: .*$", "type: onbekend"),  # an invalid value
        replace("articles/interview-noord.md", r"^type: .*$", "type: interview"),
        replace("articles/interview-noord.md", r"^summary: .*$", "summary: [niet afgesloten"),  # a YAML error
        replace("articles/interview-noord.md", r"^summary: .*$", 'summary: "An vertelt {n}."'),
        replace("articles/later.md", r"^date: .*$", "date: 20{n:02d}-01-01"),  # due, or in the future
        replace("igs/zuid.yaml", r"^name: .*$", "name: Cultuurregio Noord"),  # another IGS's name
        replace("igs/zuid.yaml", r"^name: .*$", "name: Zuid {n}"),
        toggle("articles/nieuw.md", story.replace("title: Project X in de kijker", "title: Nieuw {n}")),
        toggle("articles/kopie.md", story),  # the same title and date as project-x
        toggle("articles/notities.txt", "geen verhaal"),  # a stray file: reported
        toggle("articles/.verborgen.md", "---\n"),  # left out
        move("igs/noord.yaml", "igs/elders.yaml"),  # every story naming noord: an unknown IGS, then known again
        move("articles/kopie.md", "articles/kopie-twee.md"),
    ]


def test_rebuilds_told_what_changed_equal_builds_without_memo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview's rebuilds, told which paths changed, take over the last build's per-story parts
    (load's records and what it made of them, validation's fronts, the model's articles and their
    order) for the stories that did not change: after every edit, in a random order, the pages (or
    the errors, with file and line) are those of a build without memo, and a story no edit touched
    is the last build's object."""
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets", today=TODAY, include_unpublished=True)
    memo = Memo(MemoryStore())

    def outcome(with_memo: Memo, changed: list[str] | None) -> tuple[Any, Any]:
        try:
            rendered = pipeline.render_files(options, with_memo, changed=changed, cards_later=True)
        except ContentErrors as exc:
            with_memo.finish(success=False)
            return None, sorted(error.render(tmp_path) for error in exc.errors)
        with_memo.finish(success=True)
        return rendered.site, {name: rendered.files[name] for name in rendered.files}

    last, _ = outcome(memo, None)
    scans: list[Path] = []  # the content folders listed in full (a rebuild told what changed lists none)
    real_scan = load._scan
    monkeypatch.setattr(load, "_scan", lambda folder, *args: scans.append(folder) or real_scan(folder, *args))
    edits = _story_edits(Path("content"))
    rng = random.Random(17)
    history: list[str] = []
    for n, edit in enumerate(rng.sample(edits, len(edits)) * 3):
        changed = edit(n)
        history.append(" ".join(changed))
        site, found = outcome(memo, changed)
        assert not scans, history
        assert found == outcome(Memo(), None)[1], history
        scans.clear()
        if site is not None and last is not None and history[-1] == "articles/interview-noord.md":
            untouched = {a.slug: a for a in last.articles if a.slug != "interview-noord"}
            assert all(a is untouched[a.slug] for a in site.articles if a.slug in untouched), history
        last = site if site is not None else last
    # The journal kept every file's record meanwhile: a rebuild not told what changed reads none.
    reads: list[Any] = []
    real_read = load._read_record
    monkeypatch.setattr(
        load, "_read_record", lambda file, *args, **kwargs: reads.append(file) or real_read(file, *args, **kwargs)
    )
    monkeypatch.setattr(tree, "RACY_WINDOW_NS", 0)  # every record was taken after its file's last change
    found = outcome(memo, None)[1]
    assert reads == [] and len(scans) == 1
    assert found == outcome(Memo(), None)[1]
