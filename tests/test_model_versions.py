"""Versions of model objects (sitegen/model.py, deps.keyed_by_version): a story's or an IGS's version
changes whenever anything it is made of may, so that page keys digest the version instead of the
object with its rendered body, and equal versions always mean equal objects."""

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

from sitegen import pipeline
from sitegen.deps import digest, page_keys
from sitegen.markup import RenderedMarkdown
from sitegen.memo import Memo
from sitegen.model import Site
from sitegen.options import BuildOptions
from sitegen.pages import page_jobs

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
    geo = SimpleNamespace(sources=(), locators={}, villages={}, finder_rows=tuple(site.igs))
    keys = page_keys(site, page_jobs(site), templates=b"", asset_names={}, geo=geo, pictures={})
    assert sum(name.startswith("verhalen/") for name in keys) >= 3
    assert pickled, "the pages' own bodies and the site's texts are still digested as they are"
    versioned = {id(a.body) for a in site.articles} | {id(i.description) for i in site.igs if i.description}
    assert not versioned & set(pickled)
