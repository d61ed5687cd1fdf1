"""Versions of model objects (sitegen/model.py, deps.keyed_by_version): a story's or an IGS's version
changes whenever anything it is made of may, so that page keys digest the version instead of the
object with its rendered body, and equal versions always mean equal objects. And story bodies,
read from the cache only for the pages a build renders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT, SAMPLE
from PIL import Image

from sitegen import model, pipeline
from sitegen.deps import digest, page_keys
from sitegen.markup import RenderedMarkdown
from sitegen.memo import Memo
from sitegen.model import Site
from sitegen.options import BuildOptions
from sitegen.pages import page_jobs
from sitegen.stores import DiskStore

TODAY = dt.date(2024, 6, 1)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SAMPLE / "content", tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _site(resolve: Callable[[str], Any] | None = None, **options: Any) -> Site:
    """The sample's model (with its unpublished stories); `resolve` replaces the register's lookup."""
    real = pipeline.build_model

    def build_model(valid: Any, **kwargs: Any) -> Site:
        if resolve is not None:
            kwargs["resolve_member"] = resolve
        return real(valid, **kwargs)

    settings = {"today": TODAY, "include_unpublished": True, **options}
    pipeline.build_model = build_model  # type: ignore[assignment]
    try:
        return pipeline.load_and_validate(BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets",
                                                       **settings), Memo())  # fmt: skip
    finally:
        pipeline.build_model = real  # type: ignore[assignment]


def _versions(site: Site) -> dict[str, bytes]:
    return {item.src_path: item.version for item in (*site.articles, *site.igs)}


def _changed(before: Site, after: Site) -> set[str]:
    old, new = _versions(before), _versions(after)
    assert old.keys() == new.keys()
    return {name for name in old if old[name] != new[name]}


def test_versions_follow_what_each_object_is_made_of(project: Path) -> None:
    plain = _site()
    versions = _versions(plain)
    assert len(versions) == 5 and all(versions.values())
    assert _versions(_site()) == versions, "the same content gives the same versions"
    variants = {
        "base url": _site(base_url="https://elders.example/sub/"),
        "before zuid ended": _site(today=dt.date(2023, 6, 1)),
        "later is due": _site(today=dt.date(2099, 6, 1)),
        "no municipality known": _site(resolve=lambda name: None),
    }
    assert _changed(plain, variants["base url"]) == set(versions), "bodies and links follow the base path"
    assert _changed(plain, variants["before zuid ended"]) == {"content/igs/zuid.yaml"}
    assert _changed(plain, variants["later is due"]) == {"content/articles/later.md"}
    assert _changed(plain, variants["no municipality known"]) == {"content/igs/noord.yaml"}

    site_yaml = Path("content/site.yaml")  # zuid has no 'updated' of its own: its page shows the site's
    site_yaml.write_text(site_yaml.read_text(encoding="utf-8").replace("updated: 2024-02-29", "updated: 2024-03-01"))
    variants["site updated"] = _site()
    assert _changed(plain, variants["site updated"]) == {"content/igs/zuid.yaml"}
    article = Path("content/articles/project-x.md")
    article.write_text(article.read_text(encoding="utf-8").replace("Over het project.", "Over het project!"))
    variants["body"] = _site()
    assert _changed(variants["site updated"], variants["body"]) == {"content/articles/project-x.md"}

    # Over every variant: one version, one object.
    seen: dict[bytes, Any] = {}
    for site in (plain, *variants.values()):
        for item in (*site.articles, *site.igs):
            assert seen.setdefault(item.version, item) == item


def test_articles_of_the_same_bytes_under_other_names_have_other_versions(project: Path) -> None:
    """An article's version covers its name (the slug: its URL) as well as its bytes: a copy of a
    file under another name is another article, which no page key may take for the first."""
    shutil.copy("content/articles/project-x.md", "content/articles/project-y.md")
    site = _site()
    first, copy = (next(a for a in site.articles if a.slug == slug) for slug in ("project-x", "project-y"))
    assert first.url != copy.url and first.version and copy.version
    assert first.version != copy.version
    assert dataclasses.replace(copy, version=first.version, slug=first.slug, src_path=first.src_path,
                               out_path=first.out_path, url=first.url) == first  # fmt: skip


def test_a_versioned_object_is_digested_by_its_version(project: Path) -> None:
    site = _site()
    other_body = RenderedMarkdown("<p>Anders.</p>", (), ())
    article = next(a for a in site.articles if a.slug == "project-x")
    igs = next(i for i in site.igs if i.description is not None)
    for item, field in ((article, "body"), (igs, "description")):
        changed = dataclasses.replace(item, **{field: other_body})
        assert digest(item) == digest(changed), "the version stands for the object"
        unknown = dataclasses.replace(item, version=b"")
        assert digest(unknown) != digest(dataclasses.replace(changed, version=b"")), "without one, its fields"
        assert digest(item) != digest(unknown)


def test_page_keys_never_pickle_a_story_body_or_an_igs_description(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site()
    pickled: list[int] = []
    real = object.__reduce_ex__

    def reduce_ex(self: RenderedMarkdown, protocol: Any) -> Any:
        pickled.append(id(self))
        return real(self, protocol)

    monkeypatch.setattr(RenderedMarkdown, "__reduce_ex__", reduce_ex, raising=False)
    geo = SimpleNamespace(
        sources=(), colours={}, overview="", locators={}, villages={}, finder_rows=(), pending=(), numbers={}, legend={}
    )
    keys = page_keys(site, page_jobs(site), templates=b"", asset_names={}, geo=geo, pictures={})
    assert sum(name.startswith("verhalen/") for name in keys) >= 3
    assert pickled, "the pages' own bodies and the site's texts are still digested as they are"
    versioned = {id(a.body) for a in site.articles} | {id(i.description) for i in site.igs if i.description}
    assert not versioned & set(pickled)


def test_story_summaries_are_digested_once_per_version(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The story lists and IGS pages key by a digest of what they show of each story: a rebuild digests
    only the stories whose version changed, and the keys are those made without a memo."""
    from sitegen import deps
    from sitegen.pages import SUMMARY_FIELDS
    from sitegen.stores import MemoryStore

    summarised: list[Any] = []
    real = deps.digest

    def counted(*parts: Any) -> bytes:
        if len(parts) == 1 and isinstance(parts[0], list) and len(parts[0]) == len(SUMMARY_FIELDS):
            summarised.append(parts[0][1])  # the title
        return real(*parts)

    monkeypatch.setattr(deps, "digest", counted)
    geo = SimpleNamespace(
        sources=(), colours={}, overview="", locators={}, villages={}, finder_rows=(), pending=(), numbers={}, legend={}
    )
    store = MemoryStore()

    def keys(site: Site, memo: Memo | None) -> dict[str, bytes]:
        summarised.clear()
        found = page_keys(site, page_jobs(site), templates=b"", asset_names={}, geo=geo, pictures={}, memo=memo)
        if memo is not None:
            memo.finish(success=True)
        return found

    site = _site()
    cold = keys(site, None)
    assert len(summarised) == len(site.articles) >= 3
    assert keys(site, Memo(store)) == cold and len(summarised) == len(site.articles)
    assert keys(site, Memo(store)) == cold and summarised == [], "no story changed"
    article = Path("content/articles/project-x.md")
    article.write_text(article.read_text(encoding="utf-8").replace("title: Project X", "title: Project Y"))
    edited = _site()
    warm = keys(edited, Memo(store))
    assert summarised == ["Project Y in de kijker"], "only the edited story"
    assert warm == keys(edited, None) and warm != cold


def test_a_rebuild_reads_only_the_story_bodies_it_shows(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A story's rendered body is read from the cache when its page is rendered, not for the model:
    how many bodies a rebuild reads does not grow with the number of stories; and the bodies it does
    not read stay in the cache for the builds that need them."""
    monkeypatch.setattr("sitegen.tree.RACY_WINDOW_NS", 0)  # the copied files are settled at once
    options = BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets", today=TODAY)
    read: list[bytes] = []
    real = DiskStore.get_many

    def get_many(store: DiskStore, space: Any, keys: Any) -> Any:
        if space.name == "markdown":
            read.extend(keys)
        return real(store, space, keys)

    monkeypatch.setattr(DiskStore, "get_many", get_many)

    def build() -> tuple[int, int, Any]:
        read.clear()
        memo = Memo(DiskStore(project / "cache"))  # each CLI build is a new process
        _, files = pipeline.build_files(options, memo)
        memo.finish(success=True)
        return len(read), memo.finished["markdown"][1], files

    build()
    unchanged = build()[:2]
    story = Path("content/articles/project-x.md")
    text = story.read_text(encoding="utf-8")
    for n in range(5):
        extra = text.replace("Project X", f"Project {n}").replace("Over het project.", f"Over project {n}.")
        (story.parent / f"extra-{n}.md").write_text(extra, encoding="utf-8")
    build()
    assert build()[:2] == unchanged, "a rebuild reads no story body it does not show"

    story.write_text(text.replace("Over het project.", "Over het project, bewerkt."), encoding="utf-8")
    *counts, files = build()
    assert counts == [unchanged[0] + 1, 1], "the edited story's body: asked once, rendered"
    assert b"Over het project, bewerkt." in files["verhalen/project-x/index.html"]
    # A change every story page shows: their bodies come from the cache, none is rendered again.
    templates = project / "templates"
    shutil.copytree(ROOT / "templates", templates)
    base = templates / "_base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<head>", "<head>\n<!-- bewerkt -->", 1))
    options = BuildOptions(Path("content"), templates, ROOT / "assets", today=TODAY)
    *counts, files = build()
    assert counts[1] == 0, "every story page rendered again, no body rendered again"
    assert counts[0] >= unchanged[0] + 7
    assert b"Over project 0." in files["verhalen/extra-0/index.html"]


def test_a_rebuild_in_memory_makes_only_the_articles_of_changed_files_anew(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's memo hands an unchanged article of the last build back as the same object; an
    edit, the date that makes a scheduled article due, another base URL, another working folder (the
    path errors show) or a deleted file never gets the old one: each build equals a build without memo."""
    from sitegen.stores import MemoryStore

    memo = Memo(MemoryStore())

    def build(**options: Any) -> Site:
        settings = {"today": TODAY, "include_unpublished": True, **options}
        site = pipeline.load_and_validate(BuildOptions(Path("content"), ROOT / "templates", ROOT / "assets",
                                                       **settings), memo)  # fmt: skip
        memo.finish(success=True)
        assert site.articles == _site(**options).articles
        assert [a.src_path for a in site.articles] == [a.src_path for a in _site(**options).articles]
        return site

    def by_slug(site: Site) -> dict[str, Any]:
        return {article.slug: article for article in site.articles}

    first = by_slug(build())
    again = by_slug(build())
    assert all(again[slug] is first[slug] for slug in first), "nothing changed: the same objects"
    published = by_slug(build(include_unpublished=False))  # the scheduled one left out, the rest kept
    assert "later" in first and "later" not in published
    assert all(published[slug] is first[slug] for slug in published)
    first = by_slug(build())

    article = Path("content/articles/project-x.md")
    article.write_text(article.read_text(encoding="utf-8").replace("Over het project.", "Over het project!"))
    edited = by_slug(build())
    assert edited["project-x"] is not first["project-x"] and "project!" in edited["project-x"].body.html
    assert all(edited[slug] is first[slug] for slug in first if slug != "project-x")

    due = by_slug(build(today=dt.date(2099, 6, 1)))
    assert due["later"] is not edited["later"] and not due["later"].scheduled and edited["later"].scheduled
    assert due["project-x"] is edited["project-x"]

    moved = by_slug(build(base_url="https://elders.example/sub/"))
    assert all(moved[slug] is not edited[slug] for slug in edited), "bodies and links follow the base path"
    assert "/sub/" in moved["project-x"].body.html or moved["project-x"].body == edited["project-x"].body

    article.unlink()
    assert "project-x" not in by_slug(build())

    monkeypatch.chdir(project / "content")  # the same files, shown under other paths
    elsewhere = pipeline.load_and_validate(
        BuildOptions(Path("."), ROOT / "templates", ROOT / "assets", today=TODAY, include_unpublished=True), memo
    )
    assert {a.src_path for a in elsewhere.articles} == {"articles/interview-noord.md", "articles/later.md"}


def test_page_keys_kept_by_version_are_the_keys_made_afresh(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages of a kind that declares `shared` inputs (stories, pages) keep the last build's key by
    their item's version while the chrome and those inputs are the same: a rebuild makes the keys of
    changed items only, and every key is the one made without a memo, whatever changed: a story, a
    name the stories show (an IGS renamed), a template, a picture."""
    from sitegen import pages
    from sitegen.images import Picture
    from sitegen.model import Image
    from sitegen.stores import MemoryStore

    made: list[str] = []

    def counting(kind: pages.PageKind) -> pages.PageKind:
        def key(inputs: Any, context: Any) -> Any:
            made.append(context["url"])
            return kind.key(inputs, context)

        return dataclasses.replace(kind, key=key) if kind.shared else kind

    monkeypatch.setattr(pages, "KINDS", tuple(counting(kind) for kind in pages.KINDS))
    geo = SimpleNamespace(
        sources=(), colours={}, overview="", locators={}, villages={}, finder_rows=(), pending=(), numbers={}, legend={}
    )
    store = MemoryStore()

    def keys(site: Site, memo: Memo | None, templates: bytes = b"", pictures: Any = None) -> dict[str, bytes]:
        made.clear()
        found = page_keys(site, page_jobs(site), templates=templates, asset_names={}, geo=geo,
                          pictures=pictures or {}, memo=memo)  # fmt: skip
        if memo is not None:
            memo.finish(success=True)
        return found

    def rebuilt(site: Site, **inputs: Any) -> dict[str, bytes]:
        """The keys with the memo, checked against those made afresh."""
        warm = keys(site, Memo(store), **inputs)
        remade = list(made)
        assert warm == keys(site, None, **inputs)
        made[:] = remade
        return warm

    site = _site()
    items = sorted([a.url for a in site.articles] + [p.url for p in site.pages])
    first = rebuilt(site)
    assert sorted(made) == items
    assert rebuilt(site) == first and made == [], "nothing changed"
    article = Path("content/articles/project-x.md")
    article.write_text(article.read_text(encoding="utf-8").replace("title: Project X", "title: Project Y"))
    edited = rebuilt(site := _site())
    assert made == ["/verhalen/project-x/"] and edited != first
    igs = Path("content/igs/noord.yaml")
    igs.write_text(igs.read_text(encoding="utf-8").replace("name: Cultuurregio", "name: Cultuurgebied", 1))
    renamed = rebuilt(site := _site())
    assert sorted(made) == items, "every story and page shows the names of the IGS'en"
    showing = [a.out_path for a in site.articles if "noord" in a.igs]
    assert showing and all(renamed[out] != edited[out] for out in showing)
    assert rebuilt(site, templates=b"another layout") != renamed and sorted(made) == items
    # A picture is not part of its story's version: a new picture keys the story's page anew.
    photo = Image("images/foto.jpg", "Een foto")
    story = dataclasses.replace(site.articles[0], image=photo, version=b"with a photo".ljust(20))
    site = dataclasses.replace(site, articles=(story, *site.articles[1:]))
    small, large = ({"images/foto.jpg": Picture("images/foto.jpg", width, width)} for width in (100, 200))
    assert rebuilt(site, pictures=small)[story.out_path] != rebuilt(site, pictures=large)[story.out_path]
    assert made, "the pictures changed"


def test_articles_made_without_their_init_are_the_dataclass_objects(project: Path) -> None:
    """build_model makes its articles without Article.__init__ (model._made): each has every field,
    nothing else, and equals the article the dataclass makes of the same fields (with a person, an
    image, tags, its own date of update, a draft and a scheduled one among them)."""
    (project / "content" / "images").mkdir(exist_ok=True)
    Image.new("RGB", (8, 8)).save(project / "content" / "images" / "foto.png")
    article = project / "content" / "articles" / "project-x.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("tags:", "image:\n  src: images/foto.png\n  alt: Een foto\ntags:", 1))
    interview = project / "content" / "articles" / "interview-noord.md"
    interview.write_text(interview.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1))
    articles = _site().articles
    names = [field.name for field in dataclasses.fields(model.Article)]
    assert any(a.person for a in articles) and any(a.image for a in articles) and any(a.tags for a in articles)
    assert any(a.draft for a in articles) and any(a.scheduled for a in articles)
    for story in articles:
        assert list(vars(story)) == names
        made = model.Article(**{name: getattr(story, name) for name in names})
        assert made == story and repr(made) == repr(story)
        with pytest.raises(dataclasses.FrozenInstanceError):
            story.title = "anders"  # type: ignore[misc]
