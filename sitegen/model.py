"""Stage 3: the immutable content model, built from validated data.

Every page-producing object carries `src_path` (as shown to editors), `out_path` (relative to
output/) and `url` (root-relative, before the base path is prefixed).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
import os
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .dates import PartialDate
from .deps import digest, keyed_by_version
from .frozen import frozen_dataclass, made
from .imageclean import image_refs, published_images
from .load import MarkdownSource, StoredStory
from .markup import RenderedMarkdown, render_markdown
from .memo import BYTES, Codec, Memo, Space, json_codec
from .pages import kind, story_lists
from .schema import ARTICLE_TYPES, PROVINCES
from .urls import address_label, out_path_of
from .validate import ValidContent, partial_from_plain, restored_data

T = TypeVar("T")

ARTICLE_TYPE_LABELS = {"interview": "BE/LICHT-interview", "spotlight": "GE/SPOT", "news": "Nieuws"}
ARTICLE_TYPE_PLURALS = {"interview": "Interviews", "spotlight": "Projecten in de kijker", "news": "Nieuws"}


@frozen_dataclass
class Person:
    name: str
    role: str | None = None
    email: str | None = None
    photo: str | None = None  # path relative to content/
    photo_alt: str | None = None
    as_of: PartialDate | None = None  # when the source names this person in this role


@frozen_dataclass
class HostPage:
    """The page that informs about an IGS without a site of its own, e.g. on a municipality's site."""

    url: str
    host: str  # as it reads after "info via", e.g. "de gemeente Nieuwpoort"


@frozen_dataclass
class Image:
    src: str  # path relative to content/
    alt: str


@frozen_dataclass
class Address:
    street: str
    postcode: str
    city: str


@frozen_dataclass
class Period:
    start: dt.date
    end: dt.date


@frozen_dataclass
class Project:
    title: str
    summary: str | None
    url: str | None


@frozen_dataclass
class Member:
    """A member municipality as the IGS file names it, and where it lies now."""

    name: str
    current_name: str | None  # the municipality since 2025 (None when not in the register)
    nis: str | None

    @property
    def merged(self) -> bool:
        return self.current_name is not None and self.current_name != self.name


@keyed_by_version
@frozen_dataclass
class Igs:
    slug: str
    src_path: str
    out_path: str
    url: str
    name: str
    former_name: str | None  # the name of the 2019 list, where it differs: "(voorheen …)"
    provinces: tuple[str, ...]  # one or more; the first is where the breadcrumb puts it
    aliases: tuple[str, ...]
    members: tuple[Member, ...]
    members_complete: bool
    members_note: str | None
    summary: str
    description: RenderedMarkdown | None
    website: str | None
    host_page: HostPage | None  # only for an IGS without a website of its own
    email: str | None
    phone: str | None
    address: Address | None
    coordinator: Person | None
    recognition: Period | None
    active_until: PartialDate | None  # last day of its work, when it stops or has stopped
    has_ended: bool  # active_until lies before the build date
    projects: tuple[Project, ...]
    color: str | None
    sources: tuple[str, ...]
    updated: PartialDate  # "Laatst bijgewerkt" of its page
    version: bytes = b""
    """Equal versions, equal IGS'en (sitegen.deps.keyed_by_version): a digest of its file's bytes,
    its slug, the base path, its members as the register places them, whether it has ended and the
    site's date (b"": unknown). Not its `src_path`, which no page shows: it follows the folder the
    build runs from, and a build from another folder must find the same pages."""

    @property
    def provinces_label(self) -> str:
        """'Limburg' or 'Antwerpen, Vlaams-Brabant en Limburg'."""
        if len(self.provinces) == 1:
            return self.provinces[0]
        return ", ".join(self.provinces[:-1]) + " en " + self.provinces[-1]

    @property
    def until_label(self) -> str | None:
        """'tot eind 2025' for an IGS that stops or stopped; None for one that goes on."""
        return f"tot {self.active_until.until_nl()}" if self.active_until else None

    @property
    def display_name(self) -> str:
        """The name with its end where it has one: 'Ginter (tot eind 2025)'."""
        return f"{self.name} ({self.until_label})" if self.until_label else self.name

    @property
    def shown_aliases(self) -> tuple[str, ...]:
        """The aliases a reader learns something from: none that the name or another alias already
        holds, whatever its spaces, hyphens and case ("Dijk 92" beside Dijk92, "Pajottenland-
        Zennevallei" beside "Cultuurregio Pajottenland-Zennevallei"). The search (data-aliases on the
        title) and the JSON-LD keep every alias."""
        keys = [_letters(alias) for alias in self.aliases]
        name = _letters(self.name)
        return tuple(
            alias
            for index, (alias, key) in enumerate(zip(self.aliases, keys, strict=True))
            if key not in name
            and not any(key in other and (key != other or at < index) for at, other in enumerate(keys) if at != index)
        )

    @property
    def website_label(self) -> str | None:
        if not self.website:
            return None
        return address_label(self.website)


@keyed_by_version
@frozen_dataclass
class Article:
    slug: str
    src_path: str
    out_path: str
    url: str
    title: str
    type: str
    date: dt.date  # first day of `date_precision`'s period: sorting and scheduling
    date_precision: str  # year, month or day: how the date is shown
    igs: tuple[str, ...]
    summary: str
    person: Person | None
    image: Image | None
    tags: tuple[str, ...]
    draft: bool
    scheduled: bool  # dated in the future: only visible in previews
    body: RenderedMarkdown
    updated: PartialDate  # its own 'updated', else its date
    sources: tuple[str, ...]
    version: bytes = b""
    """Equal versions, equal articles (sitegen.deps.keyed_by_version): a digest of its file's bytes,
    its slug, the base path and whether it is scheduled, everything it is made of (b"": unknown) but
    its `src_path`, which no page shows (see Igs.version)."""

    @property
    def dated(self) -> PartialDate:
        return PartialDate(self.date, self.date_precision)

    @property
    def type_label(self) -> str:
        return ARTICLE_TYPE_LABELS[self.type]

    @property
    def is_unpublished(self) -> bool:
        return self.draft or self.scheduled


@keyed_by_version
@frozen_dataclass
class Page:
    slug: str
    src_path: str
    out_path: str
    url: str
    title: str
    summary: str
    nav: int | None
    footer: bool  # linked from the footer of every page
    draft: bool
    body: RenderedMarkdown
    updated: PartialDate
    sources: tuple[str, ...]
    version: bytes = b""
    """Equal versions, equal pages (sitegen.deps.keyed_by_version): a digest of its file's bytes, its
    slug, the base path and the date it shows (b"": unknown); not its `src_path` (see Igs.version)."""


@frozen_dataclass
class Withheld:
    """An article or page this build leaves out: a draft, or an article dated in the future."""

    src_path: str
    url: str
    title: str
    draft: bool
    date: dt.date | None  # an article's publication date; None for a page

    @property
    def is_article(self) -> bool:
        return self.date is not None


@frozen_dataclass
class HomeBlock:
    kind: str
    id: str
    label: str | None
    title: str
    body: RenderedMarkdown | None


@frozen_dataclass
class NewsletterList:
    id: str
    label: str
    description: str | None


@frozen_dataclass
class Newsletter:
    title: str
    intro: str | None
    endpoint: str | None
    unavailable: RenderedMarkdown
    privacy: RenderedMarkdown | None
    lists: tuple[NewsletterList, ...]


@frozen_dataclass
class Consultant:
    person: Person
    igs: tuple[str, ...]
    focus: str | None


@frozen_dataclass
class Organisation:
    name: str
    url: str | None
    description: str | None


@frozen_dataclass
class Tiles:
    url: str
    attribution: str


@frozen_dataclass
class Site:
    title: str
    tagline: str | None
    summary: str
    base_url: str  # always ends with '/'
    base_path: str  # path part of base_url, e.g. '/' or '/repo/'
    updated: PartialDate  # the home page's "Laatst bijgewerkt", and of files without their own
    organisation: Organisation
    newsletter: Newsletter
    consultants: tuple[Consultant, ...]
    home_title: str
    home_intro: RenderedMarkdown | None
    home_blocks: tuple[HomeBlock, ...]
    tiles: Tiles | None
    sources: tuple[str, ...]  # of site.yaml's facts, shown on the home page
    igs: tuple[Igs, ...]  # sorted by name
    articles: tuple[Article, ...]  # newest first
    pages: tuple[Page, ...]  # sorted by nav position, then title
    images: tuple[tuple[str, bytes], ...]
    preview: bool  # built for `serve`/`--drafts`: unpublished articles included and marked
    withheld: tuple[Withheld, ...] = ()  # drafts and scheduled items left out (none in a preview)

    def igs_by_slug(self, slug: str) -> Igs:
        return self._igs_index[slug]

    def articles_for(self, igs_slug: str) -> Sequence[Article]:
        """The IGS's stories, newest first (the order of `articles`), grouped once (and kept by the
        preview from one build to the next where they follow: pages.StoryLists)."""
        return story_lists(self).by_igs.get(igs_slug, ())

    @functools.cached_property
    def _igs_index(self) -> dict[str, Igs]:
        return {i.slug: i for i in self.igs}

    def consultants_for(self, igs_slug: str) -> tuple[Consultant, ...]:
        return tuple(c for c in self.consultants if igs_slug in c.igs)

    @functools.cached_property
    def igs_by_province(self) -> tuple[tuple[str, tuple[Igs, ...]], ...]:
        """(province, its IGS'en by name) in the order of PROVINCES; an IGS in three provinces is in all three."""
        return tuple(
            (province, found)
            for province in PROVINCES
            if (found := tuple(i for i in self.igs if province in i.provinces))
        )

    def latest(self, article_type: str) -> Article | None:
        return self._latest.get(article_type)

    @functools.cached_property
    def _latest(self) -> dict[str, Article]:
        """The newest story of each type: found in one pass, where a home block of another kind (the
        finder, the newsletter) looked through every story for one of its kind on each call."""
        found: dict[str, Article] = {}
        for article in self.articles:
            found.setdefault(article.type, article)
            if len(found) == len(ARTICLE_TYPES):
                break
        return found

    @property
    def nav_pages(self) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.nav is not None)

    @property
    def footer_pages(self) -> tuple[Page, ...]:
        return tuple(p for p in self.pages if p.footer)

    def __getstate__(self) -> dict[str, Any]:
        # Without what changed_bodies keeps (a weak reference, which does not pickle).
        return {name: value for name, value in self.__dict__.items() if name != _CHANGED_BODIES}


STORED_STORY_FIELDS = (
    "title",
    "type",
    "date",
    "updated",
    "igs",
    "summary",
    "person",
    "image",
    "tags",
    "draft",
    "sources",
)
"""The order in which build_model takes the values of a stored story's data (validate.FIELDS)."""
_CHANGED_BODIES = "_changed_bodies"  # where changed_bodies keeps its answer in the site's __dict__
_SITE_BUT_STORIES = tuple(f.name for f in fields(Site) if f.name != "articles")
_STORY_BUT_BODY = attrgetter(*(f.name for f in fields(Article) if f.name not in ("body", "version")))


def changed_bodies(last: Site, site: Site) -> dict[int, Article] | None:
    """Where `site` differs from `last` in nothing but the bodies of some stories: those stories of
    `site`, by the id() of the story of `last` in the same place; else None. Such an edit shows on
    the stories' own pages only (no other template reads a story's body: tests/test_pages.py), so
    the preview keeps the rest of its last build's page jobs and keys (sitegen/pages.py, deps.py).
    Every other field is compared by value (the model makes the IGS'en anew on every build).
    The answer is kept by `site` (page jobs and page keys both ask), with a weak reference to `last`:
    a site never keeps the one before it alive."""
    kept = site.__dict__.get(_CHANGED_BODIES)
    if kept is not None and kept[0]() is last:
        return kept[1]  # type: ignore[no-any-return]
    found: dict[int, Article] | None = {}
    if len(last.articles) != len(site.articles):
        found = None
    else:
        for before, now in zip(last.articles, site.articles, strict=True):
            if before is not now:
                if _STORY_BUT_BODY(before) != _STORY_BUT_BODY(now):
                    found = None
                    break
                found[id(before)] = now  # type: ignore[index]
    if found is not None and any(getattr(last, name) != getattr(site, name) for name in _SITE_BUT_STORIES):
        found = None
    site.__dict__[_CHANGED_BODIES] = (weakref.ref(last), found)
    return found


def _person(data: dict[str, Any] | None) -> Person | None:
    if not data:
        return None
    return Person(
        data["name"], data.get("role"), data.get("email"), data.get("photo"), data.get("photo_alt"), data.get("as_of")
    )


def _letters(text: str) -> str:
    """The letters and digits of a name, in one case: 'Dijk 92' and 'Dijk92' give the same."""
    return "".join(char for char in text.casefold() if char.isalnum())


def _distinct_aliases(name: str, aliases: tuple[str, ...]) -> tuple[str, ...]:
    """Aliases without the name itself and without spellings that differ only in case."""
    seen = {name.casefold()}
    result = []
    for alias in aliases:
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            result.append(alias)
    return tuple(result)


def normalise_base_url(base_url: str) -> tuple[str, str]:
    """('https://x.be/repo/', '/repo/') from any spelling of the base URL."""
    base = base_url.strip()
    if not base.endswith("/"):
        base += "/"
    path = urlsplit(base).path or "/"
    return base, path


def _version(content: bytes | None, *made_with: object) -> bytes:
    """The version of a model object made from one file's bytes (`content`, their digest) and
    `made_with`; b"" when the file's bytes are unknown."""
    return _version_of(*made_with)(content)


def _made_with(*made_with: object) -> bytes:
    """What a version adds to the file's digest (_version_of)."""
    return repr(made_with).encode("utf-8")


def _version_of(*made_with: object) -> Callable[[bytes | None], bytes]:
    """`_version` with `made_with` given once, for the objects of many files."""
    text = _made_with(*made_with)
    return lambda content: hashlib.blake2b(content + text, digest_size=20).digest() if content else b""


def _encode_markdown(doc: RenderedMarkdown) -> bytes:
    outline = json.dumps([doc.headings, doc.links], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(outline).to_bytes(4, "big") + outline + doc.html.encode("utf-8")


def _decode_markdown(data: bytes) -> RenderedMarkdown:
    size = int.from_bytes(data[:4], "big")
    headings, links = json.loads(data[4 : 4 + size])
    return RenderedMarkdown(data[4 + size :].decode("utf-8"), tuple(tuple(h) for h in headings), tuple(links))


MARKDOWN: Space[RenderedMarkdown] = Space("markdown", Codec(_encode_markdown, _decode_markdown))
"""Rendered Markdown by its text and the base path: the headings and links as JSON, then the HTML as
UTF-8 (every story's body is read on every build: its HTML needs no unescaping)."""
STORY_KEYS: Space[bytes] = Space("story-body-keys", BYTES)
"""The MARKDOWN keys of the stories the last build showed (Memo.known_listed)."""
_LAST_BUILD = b"last build"
_MadeArticles = tuple[
    "_Bodies",
    tuple[dt.date, bool],
    tuple[object, ...],
    dict[int, Article | None],
    list[Article | None],
    tuple[Article, ...],
]
LAST_ARTICLES: Space[_MadeArticles] = Space("model-articles")
"""The articles of the last build: the story bodies they read from, the day and whether unpublished
stories were shown, the stories' fronts (valid.articles, then valid.stories: held, so that no id is
taken again meanwhile), the article made of each by the front's id and in their order (None: not
shown), and the articles newest first (in memory only: the preview's rebuilds make only the articles
of changed files anew)."""
_NO_ARTICLES: _MadeArticles = (None, None, (), {}, [], ())  # type: ignore[assignment]
_BODY_KEY: Callable[[Article], bytes] = attrgetter("body._key")
_SORT_KEY = attrgetter("date", "slug")
_FEW = 16  # articles changed in place that are put in the last build's order rather than sorted again


def _newest_first(
    made_all: list[Article | None], last_all: list[Article | None], last_sorted: tuple[Article, ...]
) -> tuple[Article, ...] | None:
    """The articles newest first, from the last build's order where they are its articles but a few,
    each with the date and slug of the one it replaces in the same place (so in the same place of the
    order: slugs are unique); None when a sort is needed."""
    if len(made_all) != len(last_all):
        return None
    changed = list(itertools.compress(range(len(made_all)), map(operator.is_not, made_all, last_all)))
    if len(changed) > _FEW:
        return None
    order = list(last_sorted)
    for index in changed:
        before, now = last_all[index], made_all[index]
        if before is None or now is None or _SORT_KEY(before) != _SORT_KEY(now):
            return None
        order[list(map(operator.is_, order, itertools.repeat(before))).index(True)] = now
    return tuple(order)


_MadeIgs = tuple[dict[str, Any], bytes | None, str, Igs]
LAST_IGS: Space[tuple[tuple[object, ...], dict[int, _MadeIgs]]] = Space("model-igs")
"""The IGS'en of the last build by the id of the checked data each was made from (held), with what else
they were made of (the base path, the site's date, the register's lookup: equal while the register
is the same object): in memory only, so that the preview's rebuilds make only the IGS of a changed
file anew (with its members looked up again)."""
BODY_IMAGES: Space[list[str]] = Space("body-images", json_codec(list, list))
"""The images a story's or page's body names, by the body's key (needed when a story is unpublished)."""


class _StoryBody(RenderedMarkdown):
    """A story's rendered body, asked from the memo (or rendered) when something first reads it: a
    rebuild renders a few story pages, and reading every body's HTML back from the cache cost more
    than the rest of the model. `read_bodies` asks for many at once (the pages about to be rendered).
    Its Markdown text is read (from the file, sitegen/load.py) only when the memo lacks the result."""

    def __init__(self, source: MarkdownSource, key: bytes, bodies: _Bodies) -> None:
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_bodies", bodies)
        object.__setattr__(self, "_value", None)

    def _read(self) -> RenderedMarkdown:
        if self._value is None:
            self._bodies.read([self])
        return self._value  # type: ignore[return-value]

    html = property(lambda self: self._read().html)  # type: ignore[assignment]
    headings = property(lambda self: self._read().headings)  # type: ignore[assignment]
    links = property(lambda self: self._read().links)  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        return self._read() == other if isinstance(other, RenderedMarkdown) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._read())

    def __reduce__(self) -> tuple[Any, ...]:
        value = self._read()
        return RenderedMarkdown, (value.html, value.headings, value.links)


class _Bodies:
    """The story bodies of one build: their Markdown with the base path, asked from the memo together."""

    def __init__(self, memo: Memo, base_path: str) -> None:
        self.memo, self.base_path = memo, base_path
        self.owner = os.getpid()  # a forked child or pool worker must not use the parent's store

    def render(self, source: MarkdownSource) -> RenderedMarkdown:
        return render_markdown(source.body, self.base_path)

    def read(self, bodies: Iterable[_StoryBody]) -> None:
        pending = list({id(body): body for body in bodies if body._value is None}.values())
        calls = list({body._key: body._source for body in pending}.items())
        if os.getpid() != self.owner:
            # In a worker or forked child (sitegen.parallel) the memo's store is the parent's: render here.
            rendered = [self.render(source) for _, source in calls]
        else:
            rendered = self.memo.remembered_all(MARKDOWN, calls, self.render)
        found = {key: value for (key, _), value in zip(calls, rendered, strict=True)}
        for body in pending:
            object.__setattr__(body, "_value", found[body._key])


class _StoredBody(_StoryBody):
    """The body of a story taken from the journal as it is (sitegen.load.StoredStory): its source is
    made (and its file read) only when the memo lacks the rendered body."""

    @functools.cached_property
    def _source(self) -> MarkdownSource:  # type: ignore[override]
        return self._story.source()  # type: ignore[attr-defined, no-any-return]


def read_bodies(contexts: Iterable[Mapping[str, Any]]) -> None:
    """Ask the memo at once for the story bodies that pages with these contexts show (before they are
    rendered, on every core: the memo is asked in this process only)."""
    found: dict[int, list[_StoryBody]] = {}
    for context in contexts:
        for value in context.values():
            body = getattr(value, "body", None) if isinstance(value, Article) else None
            if isinstance(body, _StoryBody) and body._value is None:
                found.setdefault(id(body._bodies), []).append(body)
    for bodies in found.values():
        bodies[0]._bodies.read(bodies)


def build_model(
    valid: ValidContent,
    *,
    images: tuple[tuple[str, bytes], ...],
    resolve_member: Callable[[str], tuple[str, str] | None],
    today: dt.date,
    include_unpublished: bool,
    base_url: str | None = None,
    memo: Memo | None = None,
) -> Site:
    """Turn validated data into the frozen site model.

    `resolve_member` maps a member name to (current municipality name, NIS code) or None.
    Unpublished articles (drafts, future dates) are left out unless `include_unpublished`.
    """
    data = valid.site
    base, base_path = normalise_base_url(base_url or data["base_url"])
    site_updated = PartialDate(data["updated"])

    memo = memo or Memo()

    url_of = {name: kind(name).url.format for name in ("igs", "article", "page")}  # asked once per build

    # Every Markdown text but the stories' at once: one question to the memo, and a cold build of a
    # large site renders them on every core. A story's body is read when shown (_StoryBody).
    newsletter, home = data["newsletter"], data["home"]
    # The IGS'en of the last build (the preview's rebuilds) made of the same data and the same frame,
    # which have not ended since.
    frame = (base_path, site_updated, resolve_member)
    last_frame, last_igs = memo.recalled(LAST_IGS, _LAST_BUILD) or ((), {})
    igs_taken: dict[int, _MadeIgs] = {}
    for _, src_path, item in valid.igs if last_frame == frame else ():
        was = last_igs.get(id(item))
        if was is not None and was[0] is item and was[1] is valid.versions.get(src_path) and was[2] is src_path:
            active_until = item.get("active_until")
            if was[3].has_ended == (active_until is not None and active_until.end < today):
                igs_taken[id(item)] = was
    texts = [newsletter.get("privacy"), home.get("intro"), *(b.get("body") for b in home["blocks"])]
    texts += [item.get("description") for _, _, item in valid.igs if id(item) not in igs_taken]
    wanted = list(dict.fromkeys([newsletter["unavailable"], *(text for text in texts if text)]))
    calls = [(digest(text, base_path), (text, base_path)) for text in wanted]
    rendered = dict(zip(wanted, memo.remembered_all(MARKDOWN, calls, lambda args: render_markdown(*args)), strict=True))

    def md(text: str | None) -> RenderedMarkdown | None:
        return rendered[text] if text else None

    stories = valid.articles + valid.pages  # and the stored ones, asked for only with an image (shown_images)
    # The articles of the last build (the preview's rebuilds; a CLI build keeps none): a story whose
    # front matter validation handed back as the last build's object (the same file's record:
    # sitegen/validate.py) is the same article again while the base path and its scheduling are the
    # same and it is still shown. Looked up by the front's id, in C: only the other stories pass
    # through the loop below (one for a body edit; all of them in a CLI build).
    everything = (*valid.articles, *valid.stories)
    showing = (today, include_unpublished)
    last = memo.recalled(LAST_ARTICLES, _LAST_BUILD) or _NO_ARTICLES
    bodies, last_showing, _, last_made, last_all, last_sorted = last
    if bodies is None or bodies.memo is not memo or bodies.base_path != base_path or bodies.owner != os.getpid():
        bodies, last_made = _Bodies(memo, base_path), {}
    made_all: list[Article | None] = (
        list(map(last_made.get, map(id, everything))) if last_made else [None] * len(everything)
    )
    if last_made and last_showing != showing:  # another day or choice (rare): each article checks its own
        made_all = [
            None
            if article is None
            or article.scheduled != (article.date > today)
            or (not include_unpublished and (article.draft or article.scheduled))
            else article
            for article in made_all
        ]
    todo = list(itertools.compress(range(len(everything)), map(operator.not_, made_all)))
    # The body of a story or page is rendered from its file's bytes alone: keyed by their digest, not
    # its text (which, for a file not read in this build, is read only when the memo lacks the result).
    body_version = _version_of("body", base_path)

    def body_key(src_path: str, source: MarkdownSource) -> bytes:
        version = valid.versions.get(src_path) or stored_versions.get(src_path)
        return body_version(version) or digest(source.body, base_path)

    body_keys: dict[str, bytes] = {}  # of the stories and pages the model renders or looks into
    # One pass over the stories not taken over (10,000 in a CLI build of a large site): which are shown,
    # and of each shown one its version (its file's bytes, slug, the base path and whether it is
    # scheduled), its body's key and its object. What _version_of and body_key do, written out: some
    # 10 µs an article were a third calls.
    unpublished: list[tuple[str, str, dict[str, Any], MarkdownSource]] = []
    article_text = {scheduled: _made_with("articles", base_path, scheduled) for scheduled in (False, True)}
    body_text = _made_with("body", base_path)
    blake2b, version_of, article_url = hashlib.blake2b, valid.versions.get, url_of["article"]
    stored_versions: dict[str, bytes] = {}  # of the stories taken from the journal that are not shown
    # A story's address and output file around its slug (a slug holds no NUL): some 10,000 stories.
    url_around = article_url(slug="\0").split("\0")
    out_around = out_path_of(article_url(slug="\0")).split("\0")
    for index in todo:
        story = everything[index]
        stored = type(story) is StoredStory
        if stored:  # its data as the journal keeps it: the values of STORED_STORY_FIELDS
            slug, file, content, _, values = story  # type: ignore[misc]
            title, kind_, dated, updated, refs, summary, person, image, tags, draft, sources = values
            src_path, date = file.shown, partial_from_plain(dated)
            updated = partial_from_plain((updated, "day")) if updated else date
        else:
            slug, src_path, item, source = story
            content, date, draft = version_of(src_path), item["date"], item["draft"]
            title, kind_, refs, summary = item["title"], item["type"], item["igs"], item["summary"]
            person, image, tags, sources = item["person"], item["image"], item["tags"], item["sources"]
            updated = PartialDate(item["updated"]) if item["updated"] else date
        scheduled = date.start > today
        if not include_unpublished and (draft or scheduled):
            if stored:
                stored_versions[src_path] = content
                story = (slug, src_path, restored_data("articles", values), story.source())  # type: ignore[union-attr]
            unpublished.append(story)  # type: ignore[arg-type]
            continue
        version = (
            blake2b(content + slug.encode("utf-8") + article_text[scheduled], digest_size=20).digest()
            if content
            else b""
        )
        if stored:
            key = blake2b(content + body_text, digest_size=20).digest()
            body = made(_StoredBody, {"_story": story, "_key": key, "_bodies": bodies, "_value": None})
        else:
            key = blake2b(content + body_text, digest_size=20).digest() if content else digest(source.body, base_path)
            body = made(_StoryBody, {"_source": source, "_key": key, "_bodies": bodies, "_value": None})
        made_all[index] = made(
            Article,
            {
                "slug": slug,
                "src_path": src_path,
                "out_path": out_around[0] + slug + out_around[1],
                "url": url_around[0] + slug + url_around[1],
                "title": title,
                "type": kind_,
                "date": date.start,
                "date_precision": date.precision,
                "igs": tuple(refs or ()),
                "summary": summary,
                "person": _person(person) if person else None,
                "image": Image(image["src"], image["alt"]) if image else None,
                "tags": tuple(tags or ()),
                "draft": draft,
                "scheduled": scheduled,
                "body": body,
                "updated": updated,
                "sources": tuple(sources or ()),
                "version": version,
            },
        )
    articles: list[Article] = list(filter(None, made_all))
    story_keys = list(map(_BODY_KEY, articles))  # the body key of each of `articles`
    newest_first = _newest_first(made_all, last_all, last_sorted) if last_made else None
    if newest_first is None:
        newest_first = tuple(sorted(articles, key=_SORT_KEY, reverse=True))
    if memo.lasting and (todo or last_showing != showing):
        made_by_front = dict(zip(map(id, everything), made_all, strict=True))  # held: `everything` is kept too
        memo.keep(LAST_ARTICLES, _LAST_BUILD, (bodies, showing, everything, made_by_front, made_all, newest_first))
    withheld_articles = len(unpublished)
    unpublished += [story for story in valid.pages if not include_unpublished and story[2]["draft"]]  # undated
    hidden = {src_path for _, src_path, _, _ in unpublished}
    for _, src_path, _, source in (*unpublished[:withheld_articles], *valid.pages):
        body_keys[src_path] = body_key(src_path, source)
    # Kept in the cache for the builds that show them; those of the last build are there (it kept what
    # it used): only new keys are asked of the store.
    memo.known_listed(MARKDOWN, story_keys, STORY_KEYS)
    shown_pages = [(body_keys[src_path], source) for _, src_path, _, source in valid.pages if src_path not in hidden]
    page_bodies = memo.remembered_all(MARKDOWN, shown_pages, bodies.render)
    page_body = {key: body for (key, _), body in zip(shown_pages, page_bodies, strict=True)}

    igs_list = []
    igs_made: dict[int, _MadeIgs] = {}
    for slug, src_path, item in valid.igs:
        was = igs_taken.get(id(item))
        if was is not None:
            igs_list.append(was[3])
            igs_made[id(item)] = was
            continue
        members = []
        for name in item["municipalities"]:
            resolved = resolve_member(name)
            members.append(Member(name, *(resolved or (None, None))))
        address = item.get("address")
        recognition = item.get("recognition")
        host_page = item.get("host_page")
        active_until = item.get("active_until")
        has_ended = active_until is not None and active_until.end < today
        updated = PartialDate(item["updated"]) if item.get("updated") else site_updated
        sorted_members = tuple(sorted(members, key=lambda m: m.name))
        # Each member as plain values (a dataclass's repr is a slow one): 300 IGS'en of 8 a build.
        members_made = tuple((m.name, m.current_name, m.nis) for m in sorted_members)
        made_with = ("igs", slug, base_path, members_made, has_ended, updated)
        igs_list.append(
            Igs(
                slug=slug,
                src_path=src_path,
                out_path=out_path_of(url := url_of["igs"](slug=slug)),
                url=url,
                name=item["name"],
                former_name=item.get("former_name"),
                provinces=item["province"],
                aliases=_distinct_aliases(item["name"], item["aliases"] or ()),
                members=sorted_members,
                members_complete=item["members_complete"],
                members_note=item.get("members_note"),
                summary=item["summary"],
                description=md(item.get("description")),
                website=item.get("website"),
                host_page=HostPage(host_page["url"], host_page["host"]) if host_page else None,
                email=item.get("email"),
                phone=item.get("phone"),
                address=Address(**address) if address else None,
                coordinator=_person(item.get("coordinator")),
                recognition=Period(recognition["from"], recognition["until"]) if recognition else None,
                active_until=active_until,
                has_ended=has_ended,
                projects=tuple(Project(p["title"], p.get("summary"), p.get("url")) for p in item["projects"] or ()),
                color=item.get("color"),
                sources=tuple(item["sources"] or ()),
                updated=updated,
                version=_version(valid.versions.get(src_path), *made_with),
            )
        )
        igs_made[id(item)] = (item, valid.versions.get(src_path), src_path, igs_list[-1])
    if last_frame != frame or igs_made.keys() != last_igs.keys():
        memo.keep(LAST_IGS, _LAST_BUILD, (frame, igs_made))

    withheld = tuple(
        Withheld(src_path, url_of["article" if n < withheld_articles else "page"](slug=slug), item["title"],
                 item["draft"], item.get("date"))
        for n, (slug, src_path, item, _) in enumerate(unpublished)
    )  # fmt: skip

    def body_images(chosen: Iterable[tuple[str, str, dict[str, Any], MarkdownSource]]) -> set[str]:
        """The images the bodies of these stories name: remembered by their version (a body not
        read in this build comes from its file, sitegen/load.py)."""
        calls = [(body_keys[src_path], source) for _, src_path, _, source in chosen]
        found = memo.remembered_all(BODY_IMAGES, calls, lambda source: sorted(image_refs([source.body])))
        return set().union(*found)

    def shown_images() -> set[str]:
        """The images every shown file names (asked only when an image is added or removed)."""
        body_keys.update(zip(map(attrgetter("src_path"), articles), story_keys, strict=True))
        shown = [story for story in stories if story[1] not in hidden]
        shown += [
            (story.slug, story.file.shown, restored_data("articles", story.data), story.source())
            for story in valid.stories
            if story.file.shown not in hidden
        ]
        return image_refs([data, *(item for _, _, item in valid.igs), *(s[2] for s in shown)]) | body_images(shown)

    images = published_images(
        images, image_refs(item for _, _, item, _ in unpublished) | body_images(unpublished), shown_images
    )
    pages = []
    for slug, src_path, item, _ in valid.pages:
        if src_path in hidden:
            continue
        pages.append(
            Page(
                slug=slug,
                src_path=src_path,
                out_path=out_path_of(url := url_of["page"](slug=slug)),
                url=url,
                title=item["title"],
                summary=item["summary"],
                nav=item.get("nav"),
                footer=item["footer"],
                draft=item["draft"],
                body=page_body[body_keys[src_path]],
                updated=(updated := PartialDate(item["updated"]) if item.get("updated") else site_updated),
                sources=tuple(item["sources"] or ()),
                version=_version(valid.versions.get(src_path), "pages", slug, base_path, updated),
            )
        )

    map_settings = data.get("map") or {}
    tiles = map_settings.get("tiles")
    return Site(
        title=data["title"],
        tagline=data.get("tagline"),
        summary=data["summary"],
        base_url=base,
        base_path=base_path,
        updated=site_updated,
        organisation=Organisation(**data["organisation"]),
        newsletter=Newsletter(
            title=newsletter["title"],
            intro=newsletter.get("intro"),
            endpoint=newsletter.get("endpoint"),
            unavailable=rendered[newsletter["unavailable"]],
            privacy=md(newsletter.get("privacy")),
            lists=tuple(NewsletterList(x["id"], x["label"], x.get("description")) for x in newsletter["lists"]),
        ),
        consultants=tuple(
            Consultant(_person(c), tuple(c.get("igs") or ()), c.get("focus"))
            for c in data["consultants"] or ()  # type: ignore[arg-type]
        ),
        home_title=home["title"],
        home_intro=md(home.get("intro")),
        home_blocks=tuple(
            HomeBlock(b["kind"], b["id"], b.get("label"), b["title"], md(b.get("body"))) for b in home["blocks"]
        ),
        tiles=Tiles(tiles["url"], tiles["attribution"]) if tiles else None,
        sources=tuple(data["sources"] or ()),
        igs=tuple(sorted(igs_list, key=lambda i: (i.name.casefold(), i.slug))),
        articles=newest_first,
        pages=tuple(sorted(pages, key=lambda p: (p.nav if p.nav is not None else 10_000, p.title, p.slug))),
        images=images,
        preview=include_unpublished,
        withheld=withheld,
    )
