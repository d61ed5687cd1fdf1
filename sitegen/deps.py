"""Page-level dependencies: for each output page, a key that changes whenever its bytes may change.

A page whose key is unchanged since an earlier build is not rendered again; its bytes come from
the build cache (CLI) or the preview's memory (`serve`). The key of a page is a digest of exactly
the inputs its template reads:

- every template source (an edit to any template, including `_base.html` and the macros, re-renders
  every page: templates are few and rarely edited, and this way includes and imports need no graph);
- the site chrome `_base.html` shows on every page: title, tagline, summary, base URL, update date,
  organisation, newsletter, consultants, tiles, preview flag, the navigation pages, the map sources,
  and the fingerprinted names of the assets these templates name (not the map's script);
- per template, the model objects it reads:
  - `article.html`: the article, the names and URLs of the IGS it names, its picture;
  - `igs.html`: the IGS, what it shows of the articles it lists (`Site.articles_for`: SUMMARY_FIELDS,
    as cards), its locator map, its members' villages, its photo;
  - `page.html`: the page and the names of all IGS (the contact page names the consultants' IGS);
  - `articles.html` and `feed.xml`: what they show of every article (SUMMARY_FIELDS), not bodies;
  - `sitemap.xml`: its entries (URLs and dates), which are its context;
  - `gemeenten.html` (the finder): its rows, with the IGS of every municipality.

Pages of any other template (home, IGS list, map, 404, robots, search) read site-wide data
and are rendered on every build: a handful of pages. `templates_reading` below is
checked by tests/test_incremental.py against what the templates actually name, so a template that
starts to read something else fails a test instead of going stale.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Of `site`, what each keyed template (with _base.html and the macros) may read.
CHROME_FIELDS = ("title", "tagline", "summary", "base_url", "base_path", "updated", "organisation", "newsletter",
                 "consultants", "tiles", "preview", "nav_pages", "footer_pages")  # fmt: skip
TEMPLATES_READING: dict[str, frozenset[str]] = {
    "_base.html": frozenset(CHROME_FIELDS),
    "_macros.html": frozenset(),
    "article.html": frozenset({"igs_by_slug", "organisation"}),
    "igs.html": frozenset({"articles_for", "consultants_for"}),
    "page.html": frozenset({"consultants", "igs_by_slug"}),
    "articles.html": frozenset({"articles"}),
    "feed.xml": frozenset({"articles", "title", "summary", "organisation", "updated"}),
    "sitemap.xml": frozenset(),
    "gemeenten.html": frozenset(),
}
KEYED_TEMPLATES = frozenset(TEMPLATES_READING) - {"_base.html", "_macros.html"}
# What the story list, the feed and the article cards show of each article (type_label follows type).
# The cards also show the photo or the map of the story's IGS; the tag pages list by tags.
SUMMARY_FIELDS = ("url", "title", "summary", "date", "dated", "type", "draft", "scheduled", "updated", "image", "igs",
                  "tags")  # fmt: skip


def digest(*parts: Any) -> bytes:
    """A digest of values by content only: pickled without its memo, so that two equal values give
    the same digest whether or not they share objects (a cold build and a cached one do not)."""
    stream = _HashStream()
    pickler = pickle.Pickler(stream, protocol=5)
    pickler.fast = True  # no memo: a repeated string is written out again, not referenced
    pickler.dump(parts)
    return stream.hash.digest()


class _HashStream:
    def __init__(self) -> None:
        self.hash = hashlib.blake2b(digest_size=20)

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)


ASSET_CALL = re.compile(r"""\basset\(\s*(['"])([^'"]+)\1\s*\)""")


def template_inputs(templates_dir: Path) -> tuple[bytes, frozenset[str]]:
    """A digest of every template source, and the asset names the keyed templates (with the layout
    and macros) name: other assets (the map's script, say) do not key article pages."""
    h = hashlib.blake2b(digest_size=20)
    names: set[str] = set()
    for path in sorted(p for p in Path(templates_dir).rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(templates_dir).as_posix()
        h.update(rel.encode() + b"\0" + len(data).to_bytes(8, "little") + data)
        if rel in TEMPLATES_READING:
            names.update(match[1] for match in ASSET_CALL.findall(data.decode("utf-8", "replace")))
    return h.digest(), frozenset(names)


def page_keys(
    site: Any,
    jobs: Iterable[Any],
    *,
    templates: bytes,
    asset_names: Mapping[str, str],
    geo: Any,
    pictures: Mapping[str, Any],
    cards: Any = (),
    anchors: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """{out_path: key} for the pages whose template is keyed; other pages are always rendered.
    `cards` is what the card pictures of stories and IGS'en depend on (which IGS has a map, its size)."""
    chrome = digest(templates, sorted(asset_names.items()), [getattr(site, name) for name in CHROME_FIELDS],
                    geo.sources, cards)  # fmt: skip
    article_digests: dict[str, bytes] = {}

    def article_digest(article: Any) -> bytes:
        found = article_digests.get(article.out_path)
        if found is None:
            found = article_digests[article.out_path] = digest(article)
        return found

    keys: dict[str, bytes] = {}
    summaries: bytes | None = None
    for job in jobs:
        if job.template not in KEYED_TEMPLATES:
            continue
        context = job.context
        if job.template == "article.html":
            article = context["article"]
            named = [(slug, site.igs_by_slug(slug).name, site.igs_by_slug(slug).url) for slug in article.igs]
            picture = pictures.get(article.image.src) if article.image else None
            parts: tuple[Any, ...] = (article_digest(article), named, picture)
        elif job.template == "igs.html":
            igs = context["igs"]
            photo = igs.coordinator.photo if igs.coordinator else None
            related = [[getattr(a, name) for name in SUMMARY_FIELDS] for a in site.articles_for(igs.slug)]
            related += [pictures.get(a.image.src) for a in site.articles_for(igs.slug) if a.image]
            links = [(anchors or {}).get(m.nis or "") for m in igs.members]  # each member's row in the finder
            parts = (
                igs,
                related,
                geo.locators.get(igs.slug),
                geo.villages.get(igs.slug),
                pictures.get(photo) if photo else None,
                links,
            )
        elif job.template == "page.html":
            parts = (context["page"], [(i.slug, i.name) for i in site.igs])
        elif job.template in ("articles.html", "feed.xml"):
            if summaries is None:
                summaries = digest(
                    [[getattr(a, name) for name in SUMMARY_FIELDS] for a in site.articles],
                    [pictures.get(a.image.src) for a in site.articles if a.image],
                    [(i.slug, i.name, i.url) for i in site.igs],  # the story list's filter by IGS
                )
            parts = (summaries,)
        elif job.template == "gemeenten.html":
            parts = (geo.finder_rows,)
        else:  # sitemap.xml: its entries are in its context
            parts = ()
        others = {name: value for name, value in context.items() if name not in ("article", "igs", "page")}
        keys[job.out_path] = digest(chrome, job.out_path, job.template, sorted(others.items()), parts)
    return keys
