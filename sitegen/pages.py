"""Every kind of page the site has, in one table: a new page type is one entry here and one template.

For each kind the table says:
- its URL rule (a pattern such as '/igs/{slug}/'; the output path follows from it, see urls.py);
  the first segment of a fixed rule is kept free of editors' page names (validate);
- its template, and the pages it has on a given site with their context (render);
- what its template reads of the model beyond the site chrome, and how that makes the page's
  dependency key, or `reads=None` for a page rendered on every build, and which of its pages show
  given stories (`shows`: keyed again when only what those stories show changed) (deps);
- which Markdown documents are rendered on its pages, so that a broken link is blamed on the line
  that wrote it (linkcheck).

Consumers read `KINDS` when they run (not when they are imported), so a test can extend the table.
Outside the package, CI's Lighthouse run picks one page per type by hand (.ci/lighthouse-pages);
tests/test_design.py fails until a new template is listed there.
This module stays below the model in the import graph: the model takes its URL rules from here.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .dates import PartialDate
from .frozen import frozen_dataclass
from .memo import Codec, Memo, Space, pieces
from .schema import ARTICLE_TYPES
from .urls import out_path_of

if TYPE_CHECKING:
    from .markup import RenderedMarkdown
    from .model import Site


@frozen_dataclass
class Reads:
    """What a template may read of `site` and of the map data `geo` (tests/test_pages.py checks the
    templates against it)."""

    site: frozenset[str] = frozenset()
    geo: frozenset[str] = frozenset()
    calls: frozenset[str] = frozenset()
    """The template functions of SITE_FUNCTIONS it calls."""

    def __or__(self, other: Reads) -> Reads:
        return Reads(self.site | other.site, self.geo | other.geo, self.calls | other.calls)


# The site chrome `_base.html` shows on every page; it keys every keyed page.
CHROME_FIELDS = ("title", "tagline", "summary", "base_url", "base_path", "updated", "organisation", "newsletter",
                 "consultants", "tiles", "preview", "nav_pages", "footer_pages")  # fmt: skip
# What the story lists, the feed and the story cards show of each story (type_label follows type).
# The cards also show the photo or the map of the story's IGS. Not its tags: which stories a tag's
# page lists keys that page (StoryLists), and no list shows a story's tags.
SUMMARY_FIELDS = ("url", "title", "summary", "date", "dated", "type", "draft", "scheduled", "updated", "image", "igs")
# What of a story only the pages that show it (as a card, a feed entry: PageKind.shows) read: not its
# place in the site (which lists have it where, its page's URL and dates, its IGS'en), which the
# others follow (sitegen/deps.py: an edit of a story's title keys again the few pages that show it).
STORY_DISPLAY = ("title", "summary", "image")
# The story lists show this many stories a page (page 1 at the list's URL, page N at .../pagina/N/):
# a list of 10,000 stories on one page weighed 6 MB, and was rendered again on any story's edit.
STORIES_PER_PAGE = 24
# The feed shows the newest stories only: a reader polls it for what is new.
FEED_STORIES = 50
# A story card's part of a page key where the story has no picture (KeyInputs.card_parts): of the
# size of a digest (sitegen/deps.py: DIGEST_SIZE), all zeros: not a digest of any picture.
NO_PICTURE = bytes(20)
# Template functions that read the site (sitegen/render.py): a template calls them only where its
# kinds declare them (`Reads.calls`), since a kind's key digests what they give (StoryLists).
SITE_FUNCTIONS = ("story_list", "story_filters")
# The layout (with the parts of it made once per build) and the macros every keyed template uses.
PARTIALS: dict[str, Reads] = {
    "_base.html": Reads(site=frozenset(CHROME_FIELDS), geo=frozenset({"sources"})),
    "_macros.html": Reads(),
    "_site.html": Reads(site=frozenset(CHROME_FIELDS), geo=frozenset({"sources"})),
}
# Top-level folders that are not pages but must not be taken by one either: the assets, the
# content images and the pull request previews (.github/workflows/site.yml).
OTHER_FOLDERS = frozenset({"assets", "images", "voorbeeld"})


class Page(NamedTuple):
    """One page of a kind: the values of its URL rule, its source (for errors), its context."""

    values: Mapping[str, str]
    src_path: str
    context: dict[str, Any]


@dataclass
class KeyInputs:
    """What page keys are made of besides the chrome; `shared` digests a part many pages share once."""

    site: Any
    geo: Any
    pictures: Mapping[str, Any]
    anchors: Mapping[str, str]
    digest: Callable[..., bytes]
    summaries: Mapping[bytes, bytes] = field(default_factory=dict)
    """The summary digests an earlier build made, by story version (equal versions, equal stories)."""
    summarised: dict[bytes, bytes] = field(default_factory=dict)
    """The summary digests of this build, by story version (to be remembered for the next)."""
    shown_before: Mapping[str, tuple[Sequence[Any], bytes]] = field(default_factory=dict)
    """What the story cards of each page showed in an earlier build with the same pictures (see `cards`)."""
    shown: dict[str, tuple[Sequence[Any], bytes]] = field(default_factory=dict)
    """What they show in this build, by page URL (to be kept for the next)."""
    _shared: dict[str, bytes] = field(default_factory=dict)
    _summaries: dict[int, bytes] = field(default_factory=dict)  # by id(): the site holds every article
    _cards: dict[int, bytes] = field(default_factory=dict)  # card_parts, by id()

    def shared(self, name: str, compute: Callable[[], Any]) -> bytes:
        if name not in self._shared:
            self._shared[name] = self.digest(compute())
        return self._shared[name]

    def summary(self, article: Any) -> bytes:
        """A digest of what the story lists and cards show of `article` (SUMMARY_FIELDS), made once
        per story version: the lists and every IGS page with its stories key by it."""
        found = self._summaries.get(id(article))
        if found is None:
            version = article.version
            found = self.summaries.get(version) if version else None
            if found is None:
                found = self.digest([getattr(article, name) for name in SUMMARY_FIELDS])
            self._summaries[id(article)] = found
            if version:
                self.summarised[version] = found
        return found

    def cards(self, url: str, stories: Sequence[Any]) -> bytes:
        """A digest of what the story cards of `stories` on the page `url` show (card_parts), kept
        for the next build: where that page's cards of the earlier build were of the very same story
        objects (the preview's model hands the unchanged stories back as they were), its digest, with
        no summary asked. A preview's rebuild after an IGS edit keys some 2,000 story lists; an edit
        of a story, only the lists that show it."""
        before = self.shown_before.get(url)
        if before is not None and _same_items(before[0], stories):
            found = before[1]
        else:
            found = hashlib.blake2b(self.card_parts(stories), digest_size=len(NO_PICTURE)).digest()
        self.shown[url] = (stories, found)
        return found

    def card_parts(self, stories: Sequence[Any]) -> bytes:
        """What the story cards of `stories` show, joined: of each its summary (SUMMARY_FIELDS) and a
        digest of its picture (NO_PICTURE without one), parts of one size, made once per story (a
        story is on some four pages of lists: all stories, its type's, its tags')."""
        by_id = self._cards
        found = list(map(by_id.get, map(id, stories)))
        if None in found:  # in C but for the stories with a picture
            found = list(map(operator.add, self.summaries_of(stories), itertools.repeat(NO_PICTURE)))
            images = list(map(operator.attrgetter("image"), stories))
            for at in itertools.compress(range(len(images)), images):
                found[at] = found[at][: -len(NO_PICTURE)] + self.digest(self.pictures.get(images[at].src))
            by_id.update(zip(map(id, stories), found, strict=True))
        return b"".join(found)

    def summaries_of(self, articles: Sequence[Any]) -> list[bytes]:
        """`[self.summary(a) for a in articles]`, looked up in bulk: the story lists ask for every story."""
        by_id = self._summaries
        found = list(map(by_id.get, map(id, articles)))
        if None not in found:
            return found
        versions = list(map(operator.attrgetter("version"), articles))
        found = list(map(self.summaries.get, versions))  # b"" (unknown) is never a key
        if None in found:  # a new story (or one of unknown version): digested by `summary`
            found = [summary or self.summary(a) for a, summary in zip(articles, found, strict=True)]
        by_id.update(zip(map(id, articles), found, strict=True))
        self.summarised.update(zip(versions, found, strict=True))
        self.summarised.pop(b"", None)
        return found


Blame = list[tuple[str, "RenderedMarkdown"]]


@frozen_dataclass
class PageKind:
    name: str
    url: str
    """The URL rule: root-relative, '{name}' filled from a page's values."""
    template: str
    pages: Callable[[Site, Sequence[PageJob]], Iterable[Page]]
    """The pages of this kind on a site (given the pages of the kinds before it in the table)."""
    reads: Reads | None = None
    """What the template reads beyond the chrome; None: the page is rendered on every build."""
    key: Callable[[KeyInputs, Mapping[str, Any]], tuple[Any, ...]] = lambda inputs, context: ()
    """The parts of a page's dependency key that `reads` stands for (with its context)."""
    item: str | None = None
    """The context name of the model object the page shows (or of the sitemap's entries): it keys
    through `key`, not as context."""
    shared: Callable[[KeyInputs], Any] | None = None
    """What `key` reads besides the item (by its version), the same for every page of the kind (the
    names of all IGS'en, say). With it, a page whose item has a version the last build keyed keeps
    that key while this and the chrome are the same (sitegen/deps.py): the rest of such a page's
    context follows from its item (tests/test_pages.py)."""
    markdown: Callable[[Site, Mapping[str, Any], str], Blame] | None = None
    """(source, document) of each Markdown document on a page; gets site.yaml as editors see it."""
    includes: tuple[str, ...] = ()
    """The templates its template includes besides the layout and the macros: they read within `reads`."""
    shows: Callable[[Site, Sequence[Any]], Iterable[str]] | None = None
    """The URLs of its pages whose keys read more of any of these stories than their place in the site
    (STORY_DISPLAY: they show them as cards, as feed entries): where the stories differ from the last
    build's in no more than that, only those pages are keyed again (sitegen/deps.py). None: all its
    pages are (tests/test_page_keys.py checks the declarations against the pages' keys and bytes)."""

    def url_for(self, **values: str) -> str:
        return self.url.format(**values)

    def jobs(self, site: Site, earlier: Sequence[PageJob], last: Mapping[int, PageJob] | None = None) -> list[PageJob]:
        """The jobs of this kind's pages; `last`: the last build's jobs of an item kind by the id() of
        their item (see page_jobs)."""
        pages = self.pages
        if not isinstance(pages, _Items):
            return self._jobs(pages(site, earlier))
        items = getattr(site, pages.attribute)
        if not last:
            return pages.jobs(self, items)
        # The job of an item that is the very object of a job of the last build (the model hands the
        # unchanged stories back as they were, sitegen/model.py) is that job: it follows from its kind
        # and item alone. Only the others are made.
        name = pages.name
        found = [job if (job := last.get(id(item))) and job.kind is self and job.context[name] is item else None
                 for item in items]  # fmt: skip
        made = iter(pages.jobs(self, [item for item, job in zip(items, found, strict=True) if job is None]))
        return [job if job is not None else next(made) for job in found]

    def _jobs(self, pages: Iterable[Page]) -> list[PageJob]:
        url_for = self.url.format  # some 12,000 pages a build: no call but the needed ones
        return [
            PageJob(self, out_path_of(url), page.src_path, {"url": url, **page.context})
            for page in pages
            for url in (url_for(**page.values),)
        ]


class PageJob(NamedTuple):
    """One output file: its kind, the source file it renders (for errors) and its context (a tuple:
    some 12,000 are made on every build)."""

    kind: PageKind
    out_path: str
    src_path: str
    context: dict[str, Any]

    @property
    def template(self) -> str:
        return self.kind.template


job_out_path: Callable[[PageJob], str] = operator.attrgetter("out_path")
"""PageJob.out_path, read in C (over some 12,000 jobs on every build)."""
job_context: Callable[[PageJob], dict[str, Any]] = operator.attrgetter("context")
"""PageJob.context, read in C."""


# --- the pages of each kind ---------------------------------------------------------------------
# `updated` is a page's "Laatst bijgewerkt" (and sitemap) date: its own file's, or for a page made
# of many files the newest of theirs, never the clock.


def _igs_updated(site: Site) -> dt.date:
    return max([site.updated, *(i.updated for i in site.igs)])


def _one(src_path: str, updated: Callable[[Site], dt.date] | None = None) -> Callable[..., list[Page]]:
    def pages(site: Site, earlier: Sequence[PageJob]) -> list[Page]:
        return [Page({}, src_path, {"updated": updated(site)} if updated else {})]

    return pages


# How PartialDates compare (dataclass order), in C: max() of a page's dates of some 24 stories.
_DATE_ORDER = operator.attrgetter("start", "precision")


@frozen_dataclass
class _StoryPages:
    """The pages of the story lists of one sort (StoryLists.lists: all stories, per type, per tag):
    their first pages, or (`later`) the others, STORIES_PER_PAGE stories a page. They follow from the
    site's stories and its date alone (page_jobs keeps them while those are the same)."""

    which: str
    later: bool

    def __call__(self, site: Site, earlier: Sequence[PageJob]) -> list[Page]:
        which, later = self.which, self.later
        found = []
        list_url = kind(_FIRST_PAGES[which]).url.format  # the rule looked up once: some 3,000 pages
        for values, context, stories in story_lists(site).lists(which):
            count, first_url = page_count(len(stories)), list_url(**values)
            for number in range(2, count + 1) if later else [1]:
                page = {**context, "list_url": first_url, "page_number": number, "page_count": count,
                        "story_count": len(stories), "igs_filter": which == "all" and number == 1}  # fmt: skip
                if which == "all":  # "Laatst bijgewerkt": the newest of the stories it shows
                    shown = story_page(stories, number)
                    dates = [site.updated, *(a.updated for a in shown if not a.is_unpublished)]
                    page["updated"] = max(dates, key=_DATE_ORDER)
                found.append(Page({**values, "page": str(number)}, "content/articles", page))
        return found


@frozen_dataclass
class _Items:
    """The pages of the items of `site.<attribute>` (IGS'en, stories, pages), one each, the item in
    the context as `name`: a page follows from its item alone. An item carries its URL and output
    path, made by its kind's rule (the model takes the rules from here)."""

    attribute: str
    name: str

    def __call__(self, site: Site, earlier: Sequence[PageJob]) -> list[Page]:
        return [self.page(x) for x in getattr(site, self.attribute)]

    def page(self, item: Any) -> Page:
        return Page({"slug": item.slug}, item.src_path, {self.name: item, "updated": item.updated})

    def jobs(self, kind: PageKind, items: Iterable[Any]) -> list[PageJob]:
        """The jobs `PageKind._jobs` makes of these items' pages, without a call per item (some 10,000
        stories a build)."""
        name = self.name
        return [PageJob(kind, x.out_path, x.src_path, {"url": x.url, name: x, "updated": x.updated}) for x in items]


def _sitemap(site: Site, earlier: Sequence[PageJob]) -> list[Page]:
    """Every page before it in the table that is a folder (not a file such as the feed or 404.html)."""
    contexts = [job.context for job in earlier]
    entries = sorted((context["url"], context.get("updated")) for context in contexts if context["url"][-1] == "/")
    return [Page({}, "content", {"sitemap_entries": entries})]


# --- what keys each kind ------------------------------------------------------------------------


def _same_items(before: Sequence[Any], now: Sequence[Any]) -> bool:
    """Whether two sequences hold the very same objects in the same order (compared in C)."""
    return before is now or (len(before) == len(now) and all(map(operator.is_, before, now)))


def _story_list_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The cards of the stories a page of a story list shows, in their order, and its filters (what
    articles.html shows through story_list and story_filters: StoryLists; the page's number, the
    number of pages and of stories are in its context): an edit of a story renders again the pages
    that show it, not every tag's nor every page of its lists. The filter by IGS is on one page."""
    lists = story_lists(inputs.site)
    types = inputs.shared("story-types", lambda: lists.filters[0])
    shown = inputs.cards(context["url"], shown_stories(inputs.site, context))
    return (shown, types, lists.filters[1] if context["igs_filter"] else None)


def _story_pages_showing(which: str, later: bool) -> Callable[[Site, Sequence[Any]], list[str]]:
    """PageKind.shows of the pages of the story lists of one sort (their first pages, or the others):
    the page of each list that has the story, by its place in that list."""

    def showing(site: Site, stories: Sequence[Any]) -> list[str]:
        lists, found = story_lists(site), []
        list_url = kind(_FIRST_PAGES[which]).url.format
        for story in stories:
            for values, listed in lists.having(which, story):
                number = operator.indexOf(map(id, listed), id(story)) // STORIES_PER_PAGE + 1  # in C
                if (number > 1) == later:
                    found.append(story_page_url(list_url(**values), number))
        return found

    return showing


def _feed_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the feed shows of the newest FEED_STORIES stories (SUMMARY_FIELDS), not their bodies: an
    edit of an older story leaves it alone."""
    return (inputs.summaries_of(inputs.site.articles[:FEED_STORIES]),)


def _feed_showing(site: Site, stories: Sequence[Any]) -> list[str]:
    newest = set(map(id, site.articles[:FEED_STORIES]))
    return [url_of("feed")] if not newest.isdisjoint(map(id, stories)) else []


def _igs_showing(site: Site, stories: Sequence[Any]) -> list[str]:
    """The pages of the IGS'en the stories name (each shows its stories as cards)."""
    return [url_of("igs", slug=slug) for story in stories for slug in story.igs]


def _igs_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The IGS, what it shows of its stories (as cards), its locator map, its members' villages and
    their rows in the finder, its photo."""
    igs, pictures = context["igs"], inputs.pictures
    photo = igs.coordinator.photo if igs.coordinator else None
    return (
        igs,
        inputs.cards(context["url"], inputs.site.articles_for(igs.slug)),
        inputs.geo.locators.get(igs.slug),
        inputs.geo.villages.get(igs.slug),
        pictures.get(photo) if photo else None,
        [inputs.anchors.get(m.nis or "") for m in igs.members],
    )


def _article_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The story, the names and URLs of the IGS it names, its picture."""
    article, site = context["article"], inputs.site
    named = [(slug, site.igs_by_slug(slug).name, site.igs_by_slug(slug).url) for slug in article.igs]
    return (article, named, inputs.pictures.get(article.image.src) if article.image else None)


def _article_shared(inputs: KeyInputs) -> Any:
    """What _article_key reads besides the story: the names and URLs of all IGS, all pictures."""
    return [(i.slug, i.name, i.url) for i in inputs.site.igs], sorted(inputs.pictures.items())


def _page_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The page and the names of all IGS (the contact page names the consultants' IGS)."""
    return (context["page"], _page_shared(inputs))


def _page_shared(inputs: KeyInputs) -> Any:
    return [(i.slug, i.name) for i in inputs.site.igs]


def _finder_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    from .finder import shown_rows  # here: finder imports the model, which imports this module

    return (shown_rows(inputs.geo.finder_rows),)


def _sitemap_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """What it shows: each entry's URL and date (as written), not what else the pages show (a story's
    title). Dates as text: some 12,000 entries at 300x10000, where pickling a date costs more."""
    return ([(url, updated.iso() if isinstance(updated, PartialDate) else updated)
             for url, updated in context["sitemap_entries"]],)  # fmt: skip


def _home_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The home page's own texts, the IGS'en's chips, the overview map and the colours, and the
    latest story of each kind a block shows (as a card, or the interview's person) with its picture."""
    site, pictures = inputs.site, inputs.pictures
    latest = [site.latest(block.kind) for block in site.home_blocks]
    shown = [(inputs.summary(a), a.person, pictures.get(a.image.src) if a.image else None) for a in latest if a]
    chips = [(i.slug, i.url, i.name, i.former_name, i.until_label) for i in site.igs]
    return (site.home_title, site.home_intro, site.home_blocks, site.sources, chips, inputs.geo.colours,
            inputs.geo.overview, shown)  # fmt: skip


def _home_showing(site: Site, stories: Sequence[Any]) -> list[str]:
    """The home page where it shows one of them: the latest story of a kind a block shows."""
    latest = {id(site.latest(block.kind)) for block in site.home_blocks}
    return [url_of("home")] if not latest.isdisjoint(map(id, stories)) else []


def _no_stories(site: Site, stories: Sequence[Any]) -> list[str]:
    """PageKind.shows of a kind whose keys read nothing of a story but its place (the sitemap: URLs and
    dates) or nothing of the stories at all."""
    return []


def _map_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The legend: of each IGS its name, URL, provinces and end, whether its member list is complete,
    its number, colour and municipalities; the IGS'en not on the map. (The map itself is its script,
    an asset: its fingerprinted name keys the page, see render.py.)"""
    geo = inputs.geo
    shown = [(i.slug, i.name, i.url, i.provinces, i.until_label, i.members_complete) for i in inputs.site.igs]
    return (shown, [i.slug for i in geo.pending], sorted(geo.colours.items()), sorted(geo.numbers.items()),
            sorted(geo.legend.items()))  # fmt: skip


def _igs_list_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """Every IGS as a card (the card picture is its map: the chrome's `cards`)."""
    return (inputs.site.igs,)


def _igs_names_key(inputs: KeyInputs, context: Mapping[str, Any]) -> tuple[Any, ...]:
    """The search page's filter by IGS lists their names; the 404 page counts them."""
    return ([i.name for i in inputs.site.igs],)


# --- which Markdown is on each kind's pages -----------------------------------------------------


def _home_markdown(site: Site, context: Mapping[str, Any], site_src: str) -> Blame:
    docs = [site.home_intro, *(block.body for block in site.home_blocks)]
    return [(site_src, doc) for doc in docs if doc is not None]


def _igs_markdown(site: Site, context: Mapping[str, Any], site_src: str) -> Blame:
    igs = context["igs"]
    return [(igs.src_path, igs.description)] if igs.description is not None else []


def _body(name: str) -> Callable[[Site, Mapping[str, Any], str], Blame]:
    def markdown(site: Site, context: Mapping[str, Any], site_src: str) -> Blame:
        return [(context[name].src_path, context[name].body)]

    return markdown


_STORY_LIST = Reads(calls=frozenset({"story_list", "story_filters"}))
# The kind of the first page of each sort of story list (StoryLists.lists).
_FIRST_PAGES = {"all": "stories", "type": "stories-by-type", "tag": "stories-by-tag"}
# Page 2 and on of a story list, below its first page's URL.
LATER_PAGES = "pagina/{page}/"


def _story_kinds(name: str, url: str, which: str) -> tuple[PageKind, PageKind]:
    """The kinds of the first and of the further pages of the story lists of one sort."""

    def kind(name: str, url: str, later: bool) -> PageKind:
        return PageKind(name, url, "articles.html", _StoryPages(which, later), reads=_STORY_LIST, key=_story_list_key,
                        shows=_story_pages_showing(which, later))  # fmt: skip

    return kind(name, url, later=False), kind(f"{name}-page", url + LATER_PAGES, later=True)


_IGS_NAMES = Reads(site=frozenset({"igs"}))
_HOME = Reads(site=frozenset({"home_title", "home_intro", "home_blocks", "sources", "igs", "latest"}),
              geo=frozenset({"colours", "overview"}))  # fmt: skip

KINDS: tuple[PageKind, ...] = (
    PageKind(
        "home",
        "/",
        "home.html",
        _one("content/site.yaml", lambda site: site.updated),
        reads=_HOME,
        key=_home_key,
        markdown=_home_markdown,
        shows=_home_showing,
        includes=("_home_finder.html", "_finder_links.html", "_newsletter.html"),
    ),
    PageKind(
        "igs-list",
        "/igs/",
        "igs_list.html",
        _one("content/igs", _igs_updated),
        reads=Reads(site=frozenset({"igs", "igs_by_province"})),
        key=_igs_list_key,
        shows=_no_stories,
    ),
    *_story_kinds("stories", "/verhalen/", "all"),
    PageKind(
        "404",
        "/404.html",
        "404.html",
        _one("templates/404.html"),
        reads=_IGS_NAMES,
        key=_igs_names_key,
        shows=_no_stories,
    ),
    PageKind(
        "feed",
        "/feed.xml",
        "feed.xml",
        _one("content/articles"),
        reads=Reads(site=frozenset({"articles", "title", "summary", "organisation", "updated"})),
        key=_feed_key,
        includes=("_feed.xml",),
        shows=_feed_showing,
    ),
    PageKind("robots", "/robots.txt", "robots.txt", _one("content/site.yaml"), reads=Reads(), shows=_no_stories),
    PageKind(
        "map",
        "/kaart/",
        "kaart.html",
        _one("content/geo", _igs_updated),
        reads=Reads(site=frozenset({"igs"}), geo=frozenset({"pending", "colours", "numbers", "legend", "sources"})),
        key=_map_key,
        shows=_no_stories,
    ),
    PageKind(
        "finder",
        "/gemeenten/",
        "gemeenten.html",
        _one("content/geo", _igs_updated),
        reads=Reads(geo=frozenset({"finder_rows", "unknown"})),  # geo.unknown follows from the rows
        key=_finder_key,
        shows=_no_stories,
    ),
    PageKind(
        "search",
        "/zoeken/",
        "zoeken.html",
        _one("templates/zoeken.html"),
        reads=_IGS_NAMES,
        key=_igs_names_key,
        shows=_no_stories,
    ),
    *_story_kinds("stories-by-type", "/verhalen/soort/{type}/", "type"),
    *_story_kinds("stories-by-tag", "/verhalen/trefwoord/{tag}/", "tag"),
    PageKind(
        "igs",
        "/igs/{slug}/",
        "igs.html",
        _Items("igs", "igs"),
        # geo.villages follows from the finder rows and the IGS members
        reads=Reads(site=frozenset({"articles_for", "consultants_for"}), geo=frozenset({"locators", "villages"})),
        key=_igs_key,
        item="igs",
        markdown=_igs_markdown,
        shows=_igs_showing,
    ),
    PageKind(
        "article",
        "/verhalen/{slug}/",
        "article.html",
        _Items("articles", "article"),
        reads=Reads(site=frozenset({"igs_by_slug", "organisation"})),
        key=_article_key,
        item="article",
        shared=_article_shared,
        markdown=_body("article"),
    ),
    PageKind(
        "page",
        "/{slug}/",
        "page.html",
        _Items("pages", "page"),
        reads=Reads(site=frozenset({"consultants", "igs_by_slug"})),
        key=_page_key,
        item="page",
        shared=_page_shared,
        markdown=_body("page"),
    ),
    # Last: it lists the pages before it.
    PageKind(
        "sitemap",
        "/sitemap.xml",
        "sitemap.xml",
        _sitemap,
        reads=Reads(),
        key=_sitemap_key,
        item="sitemap_entries",
        shows=_no_stories,
    ),
)


# --- what the other stages ask of the table -----------------------------------------------------


_KINDS_BY_NAME = {page_kind.name: page_kind for page_kind in KINDS}


def kind(name: str) -> PageKind:
    return _KINDS_BY_NAME[name]


def url_of(name: str, **values: str) -> str:
    """The URL of a page of the kind `name`, e.g. url_of('igs', slug='noord') == '/igs/noord/'."""
    return kind(name).url_for(**values)


LAST_JOBS: Space[dict[str, dict[int, PageJob]]] = Space("page-jobs")
"""The jobs of the item kinds' pages of the last build, per kind by the id() of their item (in memory
only: the preview's rebuilds make jobs only for the items the model made anew)."""
_LAST_BUILD = b"last build"


LAST_SITE_JOBS: Space[tuple[Site, list[PageJob]]] = Space("site-jobs")
"""The last build's site and every one of its jobs (in memory only): where a rebuild's site differs
from it in nothing but some stories' bodies, its jobs are those jobs, the stories' own made anew."""


def page_jobs(site: Site, memo: Memo | None = None) -> list[PageJob]:
    """Every page of the site, kind by kind in the order of the table (with `memo`, the jobs of items
    that are the last build's objects are its jobs: PageKind.jobs; after an edit of story bodies
    alone, every job but the stories' own is the last build's)."""
    if memo is None:
        return _page_jobs(site, None)
    story_lists(site).recall(memo)
    before = memo.recalled(LAST_SITE_JOBS, _LAST_BUILD)
    jobs = _jobs_since(*before, site) if before is not None else None
    if jobs is None:
        jobs = _page_jobs(site, memo)
    elif (by_kind := memo.recalled(LAST_PAGE_JOBS, _LAST_BUILD)) is not None:
        # The last build's story lists are this site's (no list shows a body): kept for its stories.
        memo.keep(LAST_PAGE_JOBS, _LAST_BUILD, (site.articles, site.updated, by_kind[2]))
    memo.keep(LAST_SITE_JOBS, _LAST_BUILD, (site, jobs))
    return jobs


def _jobs_since(last: Site, last_jobs: list[PageJob], site: Site) -> list[PageJob] | None:
    """The jobs of `site` from those of `last`, where it differs from `last` in stories' bodies alone."""
    from .model import changed_bodies  # here: the model imports this module

    changed = changed_bodies(last, site)
    if changed is None:
        return None
    story = kind("article")
    items = story.pages
    assert isinstance(items, _Items)
    return [
        items.jobs(story, [new])[0]
        if job.kind is story and (new := changed.get(id(job.context[items.name]))) is not None
        else job
        for job in last_jobs
    ]


LAST_PAGE_JOBS: Space[tuple[Sequence[Any], PartialDate, dict[str, list[PageJob]]]] = Space("page-jobs-by-kind")
"""The last build's stories, its site's date and the jobs of each kind not made of items (in memory
only): a preview's rebuild keeps the story lists' while those are the same (see _StoryPages), and
another kind's where its jobs come out equal (a job of the last build keeps its key: deps.page_keys)."""


def _page_jobs(site: Site, memo: Memo | None) -> list[PageJob]:
    lasting = memo is not None and memo.lasting
    last = memo.recalled(LAST_JOBS, _LAST_BUILD) if lasting else None
    before = memo.recalled(LAST_PAGE_JOBS, _LAST_BUILD) if lasting else None
    same_stories = before is not None and before[1] == site.updated and _same_items(before[0], site.articles)
    jobs: list[PageJob] = []
    kept: dict[str, dict[int, PageJob]] = {}
    kept_other: dict[str, list[PageJob]] = {}
    for page_kind in KINDS:
        made_before = before[2].get(page_kind.name) if before is not None else None
        if same_stories and made_before is not None and isinstance(page_kind.pages, _StoryPages):
            made = made_before  # some 3,000 pages at 300x10000, none of them made again
        else:
            made = page_kind.jobs(site, jobs, last.get(page_kind.name) if last else None)
            if made_before is not None and made == made_before:
                made = made_before  # the sitemap of 13,500 pages, compared in C: mostly the same objects
        if lasting and isinstance(page_kind.pages, _Items):
            name = page_kind.pages.name
            items = map(operator.itemgetter(name), map(job_context, made))  # in C: some 10,000 stories
            kept[page_kind.name] = dict(zip(map(id, items), made, strict=True))
        elif lasting:
            kept_other[page_kind.name] = made
        jobs += made
    if lasting:
        memo.keep(LAST_JOBS, _LAST_BUILD, kept)  # the jobs hold their items: no id is taken again meanwhile
        memo.keep(LAST_PAGE_JOBS, _LAST_BUILD, (site.articles, site.updated, kept_other))
    return jobs


def templates_reading() -> dict[str, Reads]:
    """What each keyed template (and the partials they use) may read; templates shared by several
    kinds read what any of them declares."""
    found = dict(PARTIALS)
    for page_kind in KINDS:
        if page_kind.reads is not None:
            for name in (page_kind.template, *page_kind.includes):
                found[name] = found.get(name, Reads()) | page_kind.reads
    return found


def reserved_slugs() -> frozenset[str]:
    """Names an editor's page cannot take: the first segment of every fixed URL rule ('kaart' for
    '/kaart/', 'feed' for '/feed.xml') and the other top-level folders."""
    firsts = (page_kind.url.split("/")[1] for page_kind in KINDS)
    return frozenset(first.split(".")[0] for first in firsts if first and "{" not in first) | OTHER_FOLDERS


# --- URL rules of the story lists, also used by the templates ----------------------------------


def story_type_url(article_type: str) -> str:
    return url_of("stories-by-type", type=article_type)


@functools.lru_cache(maxsize=1 << 16)  # asked for every tag of every story on each build
def tag_slug(tag: str) -> str:
    """'Jong talent' -> 'jong-talent'; accents folded, anything else but letters and digits a dash."""
    folded = unicodedata.normalize("NFKD", tag.casefold()).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def tag_url(tag: str) -> str:
    """The URL of a tag's page (from the tag or its slug); '' for a tag with no letter or digit."""
    slug = tag_slug(tag)
    return url_of("stories-by-tag", tag=slug) if slug else ""


def tags_in_use(site: Site) -> list[tuple[str, str]]:
    """(slug, label) of every tag on a shown story; spellings of one slug share the first label."""
    found: dict[str, str] = {}
    for tag in sorted(set(itertools.chain.from_iterable([a.tags for a in site.articles]))):
        slug = tag_slug(tag)
        if slug:
            found.setdefault(slug, tag)
    return sorted(found.items())


# --- what the story lists show, for their template and their keys -------------------------------


def page_count(stories: int) -> int:
    """The number of pages of a story list of `stories` stories: one at least ("Er zijn nog geen verhalen.")."""
    return max(1, -(-stories // STORIES_PER_PAGE))


def story_page(stories: Sequence[Any], number: int) -> Sequence[Any]:
    """The stories of page `number` (from 1) of a story list."""
    return stories[(number - 1) * STORIES_PER_PAGE : number * STORIES_PER_PAGE]


def page_links(number: int, count: int) -> list[int | None]:
    """The page numbers a story list's page links to, in order, None for a gap ('…'): the first and
    the last, the page itself and its neighbours; a gap of one page is that page."""
    shown = sorted({1, count, *range(max(1, number - 1), min(count, number + 1) + 1)})
    found: list[int | None] = []
    last = 0
    for page in shown:
        if page - last == 2:
            found.append(page - 1)
        elif page - last > 2:
            found.append(None)
        found.append(page)
        last = page
    return found


def shown_stories(site: Site, context: Mapping[str, Any]) -> Sequence[Any]:
    """The stories the page of a story list with this context shows (its template's story_list)."""
    return story_lists(site).shown(context.get("filter_type"), context.get("tag"), context["page_number"])


def story_page_url(list_url: str, number: int) -> str:
    """The URL of page `number` of the story list at `list_url` (its first page's)."""
    return list_url if number == 1 else list_url + LATER_PAGES.format(page=number)


def _tag_slugs(article: Any) -> Iterable[str]:
    return dict.fromkeys(map(tag_slug, article.tags))


def _type_of(article: Any) -> Iterable[str]:
    return (article.type,)


def _igs_of(article: Any) -> Iterable[str]:
    return dict.fromkeys(article.igs)


# How StoryLists groups the stories: by tag slug, by type, by IGS slug (what each story is grouped under).
_GROUPS: dict[str, Callable[[Any], Iterable[str]]] = {"by_tag": _tag_slugs, "by_type": _type_of, "by_igs": _igs_of}


def _grouped(articles: Iterable[Any], keys: Callable[[Any], Iterable[str]]) -> dict[str, list[Any]]:
    """Key -> the stories grouped under it, in the order of `articles`: one pass over the stories,
    where a scan per tag page cost tags × stories (2,000 × 10,000 at 300x10000)."""
    found: dict[str, list[Any]] = {}
    for article in articles:
        for key in keys(article):
            found.setdefault(key, []).append(article)
    return found


def stories_by_tag(site: Site) -> dict[str, list[Any]]:
    """Tag slug -> the stories with that tag, in the order of `site.articles` (newest first)."""
    return _grouped(site.articles, _tag_slugs)


def story_filters(site: Site) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The links of the story list's filters: (url, label) per story type in use, and per IGS with
    stories (its page lists them under #verhalen); none while there are no stories."""
    from .model import ARTICLE_TYPE_PLURALS  # here: the model imports this module

    if not site.articles:
        return [], []
    used_types = {a.type for a in site.articles}
    types = [("/verhalen/", "Alle verhalen")]
    types += [(story_type_url(t), plural) for t, plural in ARTICLE_TYPE_PLURALS.items() if t in used_types]
    igs = [(f"{i.url}#verhalen", i.name) for i in site.igs if site.articles_for(i.slug)]
    return types, igs


class StoryLists:
    """The stories each story list shows, newest first, and the links of its filters, worked out once
    per site: what articles.html shows (the template functions story_list and story_filters) is
    what keys its pages (_story_list_key)."""

    def __init__(self, site: Site) -> None:
        self.site = site

    @functools.cached_property
    def by_tag(self) -> dict[str, list[Any]]:
        return _grouped(self.site.articles, _tag_slugs)

    @functools.cached_property
    def by_type(self) -> dict[str, list[Any]]:
        return _grouped(self.site.articles, _type_of)

    @functools.cached_property
    def by_igs(self) -> dict[str, list[Any]]:
        """IGS slug -> the stories that name it (Site.articles_for)."""
        return _grouped(self.site.articles, _igs_of)

    def listed(self, filter_type: str | None = None, tag: str | None = None) -> Sequence[Any]:
        """The stories of the list of a type, else of a tag (by its label), else every story."""
        if filter_type:
            return self.by_type.get(filter_type, [])
        if tag:
            return self.by_tag.get(tag_slug(tag), [])
        return self.site.articles

    def shown(self, filter_type: str | None, tag: str | None, number: int) -> Sequence[Any]:
        """The stories page `number` of that list shows (the template function story_list)."""
        return story_page(self.listed(filter_type, tag), number)

    def lists(self, which: str) -> list[tuple[dict[str, str], dict[str, str], Sequence[Any]]]:
        """The story lists of one sort, with their URL values, their context and their stories: the
        list of all stories ("all"), one per story type in use ("type"), one per tag in use ("tag")."""
        if which == "all":
            return [({}, {}, self.site.articles)]
        if which == "type":
            return [({"type": t}, {"filter_type": t}, self.by_type[t]) for t in ARTICLE_TYPES if t in self.by_type]
        return self.tag_lists

    def having(self, which: str, story: Any) -> list[tuple[dict[str, str], Sequence[Any]]]:
        """The URL values and the stories of each list of one sort (as `lists`) that has `story`."""
        if which == "all":
            return [({}, self.site.articles)]
        if which == "type":
            return [({"type": story.type}, self.by_type[story.type])]
        return [({"tag": slug}, self.by_tag[slug]) for slug in _tag_slugs(story) if slug]

    @functools.cached_property
    def tag_lists(self) -> list[tuple[dict[str, str], dict[str, str], Sequence[Any]]]:
        """lists("tag"), asked for the first pages and for the later ones (some 2,000 tags)."""
        return [({"tag": slug}, {"tag": label}, self.by_tag[slug]) for slug, label in self.tags]

    @functools.cached_property
    def tags(self) -> list[tuple[str, str]]:
        """tags_in_use: (slug, label) of every tag in use."""
        return tags_in_use(self.site)

    @functools.cached_property
    def filters(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        return story_filters(self.site)

    def take_over(self, last: StoryLists) -> None:
        """Take the stories of each tag, type and IGS over from the lists of the last site where they
        follow from them: where this site's stories are the last site's in the same places, some of
        them replaced by stories of the same tags, type and IGS'en (a preview's rebuild after an edit
        of anything but the stories, or of a story's text or title), the groups are the same but for
        the replaced stories, each in the place of the one it replaces, and the tags in use are the same."""
        before, now = last.site.articles, self.site.articles
        if len(before) != len(now):
            return
        places = list(itertools.compress(range(len(now)), map(operator.is_not, before, now)))
        if any(list(keys(before[at])) != list(keys(now[at])) for at in places for keys in _GROUPS.values()):
            return
        replaced = {id(before[at]): now[at] for at in places}
        found = vars(last)
        if "tags" in found:  # every story's tags as before: the same tags in use
            vars(self)["tags"] = found["tags"]
        for name, keys in _GROUPS.items():
            if name in found:
                touched = {key for at in places for key in keys(now[at])}
                vars(self)[name] = {
                    key: [replaced.get(id(story), story) for story in group] if key in touched else group
                    for key, group in found[name].items()
                }

    def recall(self, memo: Memo) -> None:
        """Take the groups and the tags in use over from the last build's (STORY_GROUPS, kept in the
        build cache as the stories' places) where they follow from them: the same number of stories,
        each with the version of the story in its place then, but for a few whose tags, type and
        IGS'en are the ones that story had. Else group them now and keep them for the next build. A
        build of a process of its own (`build.py build`) then does not group 10,000 stories again."""
        if memo.store is None or (memo.lasting and all(name in vars(self) for name in (*_GROUPS, "tags"))):
            return  # the preview's rebuild: every group taken over from the last site's lists (take_over)
        stories = self.site.articles
        versions = list(map(operator.attrgetter("version"), stories))
        if not stories or not all(versions) or len(set(map(len, versions))) != 1:
            return  # a story of unknown version: nothing to compare
        joined = b"".join(versions)
        last = memo.recalled(STORY_GROUPS, _LAST_GROUPS)
        if last is not None and self._follows(last, versions, joined):
            # Not kept again: the next build finds the same few stories edited (or more: then they are grouped).
            made = vars(self)
            spans = {name: found for name, found in last.spans().items() if name in _GROUPS}
            shown = max(end for found in spans.values() for _, _, end in found)  # the stories by spelling come last
            placed = list(map(stories.__getitem__, last.positions[:shown]))
            for name, found in spans.items():
                if name not in made:
                    made[name] = {key: placed[start:end] for key, start, end in found}
            made.setdefault("tags", [tuple(pair) for pair in last.tags])
            return
        at = {id(story): place for place, story in enumerate(stories)}
        groups = {name: getattr(self, name) for name in _GROUPS} | {_RAW_TAGS: _grouped(stories, _raw_tags)}
        counts = {name: [(key, len(group)) for key, group in found.items()] for name, found in groups.items()}
        lists = itertools.chain.from_iterable(found.values() for found in groups.values())
        positions = array.array("I", map(at.__getitem__, map(id, itertools.chain.from_iterable(lists))))
        memo.keep(STORY_GROUPS, _LAST_GROUPS, _StoryGroups(joined, counts, self.tags, positions))

    def _follows(self, last: _StoryGroups, versions: list[bytes], joined: bytes) -> bool:
        """Whether the groups of `last` are this site's: see recall."""
        if last.versions == joined:
            return True
        size = len(versions[0])
        if len(last.versions) != len(joined):
            return False
        olds = pieces(last.versions, size)
        changed = list(itertools.compress(range(len(versions)), map(operator.ne, olds, versions)))
        if len(changed) > _CHANGED_STORIES:
            return False
        spans = last.spans()
        for place in changed:
            story = self.site.articles[place]
            now = {"by_type": {story.type}, "by_igs": set(story.igs), _RAW_TAGS: set(story.tags)}
            for name, keys in now.items():
                if {key for key, start, end in spans[name] if last.holds(place, start, end)} != keys:
                    return False
        return True


def _raw_tags(article: Any) -> Collection[str]:
    return dict.fromkeys(article.tags)


_RAW_TAGS = "raw_tags"  # the stories by tag as spelled: what the tags in use follow from
_CHANGED_STORIES = 8  # more stories edited since they were grouped: grouped again (each is looked up in every group)


@frozen_dataclass
class _StoryGroups:
    """The groups of a build's story lists as places in its list of stories: per grouping ("by_tag",
    ..., and the stories by tag as spelled), (key, count) in the order of `positions`; with the
    stories' versions (one size each, joined) and the tags in use."""

    versions: bytes
    counts: dict[str, list[tuple[str, int]]]
    tags: list[tuple[str, str]]
    positions: array.array[int]

    def spans(self) -> dict[str, list[tuple[str, int, int]]]:
        """Per grouping, (key, start, end) of each group's stories in `positions`."""
        found, end = {}, 0
        for name, counts in self.counts.items():
            found[name] = [(key, end, end := end + count) for key, count in counts]
        return found

    def holds(self, place: int, start: int, end: int) -> bool:
        """Whether the group at start:end of `positions` (ascending) has the story at `place`."""
        at = bisect.bisect_left(self.positions, place, start, end)
        return at < end and self.positions[at] == place


def _encode_groups(groups: _StoryGroups) -> bytes:
    head = json.dumps([groups.counts, groups.tags], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    size = len(head).to_bytes(4, "little") + len(groups.versions).to_bytes(4, "little")
    return size + head + groups.versions + groups.positions.tobytes()


def _decode_groups(data: bytes) -> _StoryGroups:
    head_size, versions_size = int.from_bytes(data[:4], "little"), int.from_bytes(data[4:8], "little")
    counts, tags = json.loads(data[8 : 8 + head_size])
    positions = array.array("I")
    positions.frombytes(data[8 + head_size + versions_size :])
    return _StoryGroups(data[8 + head_size : 8 + head_size + versions_size], counts, tags, positions)


STORY_GROUPS: Space[_StoryGroups] = Space("story-groups", Codec(_encode_groups, _decode_groups))
"""The last build's groups of stories (StoryLists.recall)."""
_LAST_GROUPS = b"last build"


_LAST_LISTS: list[StoryLists] = []


def story_lists(site: Site) -> StoryLists:
    """The StoryLists of `site`, the same for its pages' keys and its pages (and forked workers); what
    follows from the last site's lists is taken over (StoryLists.take_over: the preview's rebuilds)."""
    if not _LAST_LISTS or _LAST_LISTS[0].site is not site:
        lists = StoryLists(site)
        if _LAST_LISTS:
            lists.take_over(_LAST_LISTS[0])
        _LAST_LISTS[:] = [lists]
    return _LAST_LISTS[0]
