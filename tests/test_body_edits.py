"""The preview after an edit of story bodies alone: the last build's page jobs and keys are kept but for
the edited stories' own pages (sitegen.model.changed_bodies, pages.page_jobs, deps.page_keys), with
the bytes of a cold build; any other edit is keyed in full."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE
from test_incremental import _sample_project

from sitegen.model import Article, Site, changed_bodies
from sitegen.pipeline import BuildOptions, build_files, load_and_validate


@pytest.fixture(scope="module")
def site() -> Site:
    return load_and_validate(BuildOptions(SAMPLE / "content", ROOT / "templates", ROOT / "assets"))


def test_only_a_body_edit_is_a_body_edit(site: Site) -> None:
    story = site.articles[0]
    rewritten = dataclasses.replace(story, body=site.articles[1].body, version=b"another")
    stories = (rewritten, *site.articles[1:])
    assert changed_bodies(site, site) == {}
    assert changed_bodies(site, dataclasses.replace(site, articles=stories)) == {id(story): rewritten}
    # Anything else of a story, a story more or less, or anything else of the site: no body edit.
    for field in dataclasses.fields(Article):
        if field.name not in ("body", "version"):
            other = dataclasses.replace(rewritten, **{field.name: object()})
            assert changed_bodies(site, dataclasses.replace(site, articles=(other, *site.articles[1:]))) is None
    assert changed_bodies(site, dataclasses.replace(site, articles=site.articles[1:])) is None
    for field in dataclasses.fields(Site):
        if field.name != "articles":
            other_site = dataclasses.replace(site, articles=stories, **{field.name: object()})
            assert changed_bodies(site, other_site) is None, field.name


def test_no_template_but_the_story_page_shows_a_story_body() -> None:
    """What changed_bodies relies on: a story's body shows on its own page only (a home block's body and
    an editor's page's body are no stories')."""
    for path in sorted((ROOT / "templates").iterdir()):
        readers = set(re.findall(r"\b(\w+)\.body\b", path.read_text(encoding="utf-8")))
        allowed = {"article"} if path.name == "article.html" else set()
        assert readers <= allowed | {"block", "page"}, (path.name, readers)


def test_a_body_edit_keeps_every_other_job_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import deps
    from sitegen.memo import Memo
    from sitegen.pipeline import complete_files, render_files
    from sitegen.stores import MemoryStore

    content, _, _ = _sample_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"), include_unpublished=True)
    memo = Memo(MemoryStore())
    keyed: list[str] = []
    full = deps._page_keys

    def counted(site, jobs, *args):  # type: ignore[no-untyped-def]
        keyed.extend(job.out_path for job in jobs)
        return full(site, jobs, *args)

    monkeypatch.setattr(deps, "_page_keys", counted)

    def build() -> tuple[list, dict[str, bytes], list[str]]:  # type: ignore[type-arg]
        keyed.clear()
        rendered = render_files(options, memo)
        keyed_now = list(keyed)
        files = complete_files(options, rendered, memo)
        memo.finish(success=True)
        assert_cold(dict(files.items()))
        return rendered.jobs, rendered.keys, keyed_now

    def assert_cold(files: dict[str, bytes]) -> None:
        cold = build_files(options, Memo())[1]
        site, fresh = ({k: v for k, v in out.items() if not k.startswith("pagefind/")} for out in (files, cold))
        assert site.keys() == fresh.keys()
        assert [k for k in fresh if site[k] != fresh[k]] == []

    jobs, keys, _ = build()
    story = content / "articles" / "project-x.md"
    edits = [
        (lambda text: text.rstrip("\n") + "\n\nEen nieuwe alinea.\n", True),
        (lambda text: text.replace("title: Project X in de kijker", "title: Project X anders"), False),
        (lambda text: text.rstrip("\n") + "\n\nNog een alinea.\n", True),
    ]
    for edit, body_only in edits:
        story.write_text(edit(story.read_text(encoding="utf-8")), encoding="utf-8")
        new_jobs, new_keys, keyed_now = build()
        new = [job.out_path for job in new_jobs if not any(job is old for old in jobs)]
        if body_only:
            assert new == ["verhalen/project-x/index.html"]
            # Every other page keeps its key (the map page's is made again once: a cold build keys it
            # before its script's name is known, see render.py).
            assert set(keyed_now) - {"kaart/index.html"} == set(new)
            assert {path for path in keys if new_keys[path] != keys[path]} == set(new)
        else:
            assert len(new) > 1 and len(keyed_now) > 1
        jobs, keys = new_jobs, new_keys


def test_the_answer_is_kept_by_the_site_it_was_asked_for(site: Site) -> None:
    """changed_bodies keeps its last answer with the newer site (page jobs and page keys both ask),
    for that very pair only: asked about another earlier site, it compares again; the earlier site
    is not kept alive by it, and the site still pickles (a weak reference does not)."""
    import gc
    import pickle
    import weakref

    story = site.articles[0]
    rewritten = dataclasses.replace(story, body=site.articles[1].body, version=b"another")
    now = dataclasses.replace(site, articles=(rewritten, *site.articles[1:]))
    assert changed_bodies(site, now) == {id(story): rewritten}
    other = dataclasses.replace(site, title="Een andere titel")
    assert changed_bodies(other, now) is None, "another earlier site: compared again"
    assert changed_bodies(site, now) == {id(story): rewritten}
    earlier = dataclasses.replace(site)
    changed_bodies(earlier, now)
    gone = weakref.ref(earlier)
    del earlier
    gc.collect()
    assert gone() is None, "the answer does not keep the earlier site alive"
    assert pickle.loads(pickle.dumps(now)) == now
