"""Stage 4: render the model to {out_path: bytes} in memory, through Jinja templates.

Nothing is written here; the write stage gets the complete mapping or nothing. The mapping is a
`SiteFiles` (sitegen/files.py): the pages and cards the cache holds are read only when needed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html as html_lib
import itertools
import logging
import marshal
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import CodeType
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, TemplateError
from markupsafe import Markup

from .artwork import (
    CARD_PICTURE_SIZE,
    SOCIAL_CARDS,
    Artwork,
    Shapes,
    draw_backgrounds,
    drawing_order,
    drawing_weights,
    make_artwork,
    social_card,
    social_card_key,
    social_cards_key,
)
from .deps import digest, page_keys, template_inputs
from .errors import ContentError
from .files import CARD, PAGE, PAGES, FactList, SiteFiles, fact_space, facts, listed_space, taken_over
from .frozen import frozen_dataclass
from .images import ImageUse, find_line, picture_html, process_images
from .load import display_path
from .mapview import MapData, leaflet_files
from .memo import BYTES, TEXT, Codec, Memo, Space
from .model import ARTICLE_TYPE_LABELS, ARTICLE_TYPE_PLURALS, Site, read_bodies
from .pages import (
    FEED_STORIES,
    PARTIALS,
    PageJob,
    job_context,
    job_out_path,
    page_jobs,
    page_links,
    shown_stories,
    story_lists,
    story_page_url,
    story_type_url,
    tag_url,
)
from .parallel import Forked, pmap
from .search import start_index
from .templating import compiled_code, taken_ahead, template_environment

logger = logging.getLogger(__name__)

FINGERPRINTED = (".css", ".js", ".json")
# The keys of the pages of the last build (Memo.known_listed).
PAGE_LIST: Space[bytes] = Space("page-list", BYTES)
# Compiled templates by their source: the code Python compiles of the source Jinja writes for them
# (as Environment._compile does), which the build cache keeps in marshal's form, as Jinja's own
# bytecode cache does (sealed as every entry; the engine version names the Python that reads it, and
# Jinja). Reading it costs a fortieth of compiling that source, which every rebuild paid for each
# template its pages use (some 27 ms after a title edit), and far less than compiling the template.
# The preview's store in memory holds the code objects themselves.
TEMPLATE_CODE: Space[CodeType] = Space("template-code", Codec(marshal.dumps, marshal.loads))
# The last build's card pictures with the locators and colours they were drawn from (in memory only:
# the preview's rebuilds draw them again only when an IGS's place on the map or its colour changed).
LAST_ARTWORK: Space[tuple[dict[str, str], dict[str, str], Artwork]] = Space("artwork")
_LAST_BUILD = b"last build"


@frozen_dataclass
class Assets:
    """Asset files with their output paths; CSS and JS carry a content hash in their name."""

    files: dict[str, bytes]  # out_path -> bytes
    names: dict[str, str]  # source name (relative to assets/) -> out_path

    def out_path(self, name: str) -> str:
        return self.names[name]

    def with_files(self, extra: dict[str, bytes]) -> Assets:
        """A copy with generated or vendored files added under the same naming rules."""
        files, names = dict(self.files), dict(self.names)
        for rel in sorted(extra):
            out = _asset_out_path(rel, extra[rel])
            files[out] = extra[rel]
            names[rel] = out
        return Assets(files, names)


def _asset_out_path(rel: str, data: bytes) -> str:
    suffix = Path(rel).suffix
    if suffix in FINGERPRINTED:
        digest = hashlib.sha256(data).hexdigest()[:10]
        return f"assets/{rel[: -len(suffix)]}.{digest}{suffix}"
    return f"assets/{rel}"


def load_assets(assets_dir: Path) -> Assets:
    files = {
        path.relative_to(assets_dir).as_posix(): path.read_bytes()
        for path in sorted(p for p in assets_dir.rglob("*") if p.is_file())
    }
    return Assets({}, {}).with_files(files)


class _RememberingLoader(FileSystemLoader):
    """Templates from `templates_dir`, compiled once per source text for as long as the memo keeps them."""

    def __init__(self, templates_dir: Path, memo: Memo) -> None:
        super().__init__(str(templates_dir))
        self.memo = memo
        self.ahead = taken_ahead(templates_dir, memo)  # what compile_ahead's child compiled, if it was started

    def keep_compiled(self, environment: Environment) -> None:
        """Keep what the cache holds for every template, not only for those this build loads (the
        next build may render other pages)."""
        keys = []
        for name in self.list_templates():
            with contextlib.suppress(OSError, UnicodeDecodeError, TemplateError):  # reported if a page uses it
                keys.append(self._key(environment, name)[0])
        self.memo.known(TEMPLATE_CODE, keys)

    def _key(self, environment: Environment, name: str) -> tuple[bytes, str, str, Any]:
        source, filename, uptodate = self.get_source(environment, name)
        return digest(name, filename, source), source, filename, uptodate

    def load(self, environment: Environment, name: str, globals: Any = None) -> Template:
        key, source, filename, uptodate = self._key(environment, name)

        def compiled() -> CodeType:
            ahead = self.ahead().get(name)
            if ahead is not None and ahead[:2] == (filename, source):
                return marshal.loads(ahead[2])  # type: ignore[no-any-return]
            return compiled_code(environment, source, name, filename)

        code = self.memo.remembered(TEMPLATE_CODE, key, compiled)
        # `globals` is what environment.make_globals made for this template (as Jinja's loaders use it).
        return environment.template_class.from_code(environment, code, globals, uptodate)


def make_environment(
    templates_dir: Path, site: Site, assets: Assets, geo: MapData, memo: Memo | None = None
) -> Environment:
    loader = _RememberingLoader(templates_dir, memo or Memo())
    env = template_environment(loader)
    loader.keep_compiled(env)

    def href(url: str) -> str:
        return site.base_path + url.lstrip("/")

    def absolute(url: str) -> str:
        return site.base_url + url.lstrip("/")

    places: dict[tuple[Any, ...], Markup] = {}

    def by_place(make: Any, url: str, urls: Sequence[str]) -> Markup:
        """The macro `make(url)`, made once for all the pages whose URL is equal to, and lies under,
        the same of `urls` (the menu, which marks where the page is and reads its URL no other way)."""
        key = (make.name, *map(url.__eq__, urls), *map(url.startswith, urls))
        found = places.get(key)
        if found is None:
            found = places[key] = make(url)
        return found

    env.globals.update(
        site=site,
        geo=geo,
        href=href,
        absolute=absolute,
        by_place=by_place,
        asset=_asset_url(href, assets),
        type_labels=ARTICLE_TYPE_LABELS,
        type_plurals=ARTICLE_TYPE_PLURALS,
        feed_stories=FEED_STORIES,
    )
    # What the story lists show (pages.SITE_FUNCTIONS), worked out once per site: its pages' keys
    # digest the same.
    lists = story_lists(site)
    env.globals.update(
        story_type_url=story_type_url,
        tag_url=tag_url,
        story_list=lists.shown,
        page_links=page_links,
        story_page_url=story_page_url,
        story_filters=lambda: lists.filters,
        story_card=lambda article, heading: _macro(env, "_macros.html", "article_card")(article, heading),
        feed_entry=lambda article: _macro(env, "_feed.xml", "feed_entry")(article),
    )
    return env


def _macro(env: Environment, template: str, name: str) -> Callable[..., Markup]:
    return getattr(env.get_template(template).module, name)  # type: ignore[no-any-return]


# What each story shows on the story lists (its card: articles.html's story_card(article, "h2")) and
# in the feed (its entry: feed.xml's feed_entry(article)), by a digest of what it shows, one entry
# each: a rebuild reads those of the stories on the pages it renders, and an edit makes one again.
STORY_CARDS: Space[str] = Space("story-cards", TEXT)
FEED_ENTRIES: Space[str] = Space("feed-entries", TEXT)
STORY_LIST_HEADING = "h2"


def _prepare_story_parts(
    env: Environment,
    site: Site,
    memo: Memo,
    jobs: Sequence[PageJob],
    ground: bytes,
    summaries: Mapping[int, bytes],
    pictures: Any,
) -> None:
    """Make the parts many pages show of a story once, before those `jobs` are rendered: the story
    lists' cards and the feed's entries of the stories they show, remembered by what each shows: the
    story's summary (SUMMARY_FIELDS, digested by the page keys) and, on a card, its picture and the
    base path, in an entry the base URL, under `ground` (the templates and the map pictures a card may
    show). The parts of every story stay in the store (Memo.hold): after a rebuild that shows a few,
    a story added, which moves every story on the lists, makes its own card alone, not ten thousand."""
    articles = site.articles
    templates = {job.template for job in jobs}

    def prepared(
        space: Space[str], shown: Sequence[Any], keys: Mapping[int, bytes], make: Callable[[Any], str]
    ) -> dict[int, Markup] | None:
        memo.hold(space, keys.values())
        try:
            made = memo.remembered_all(space, [(keys[id(a)], a) for a in shown], make)
        except TemplateError:  # reported with the page that shows it, as the template's other errors
            return None
        return {id(a): Markup(part) for a, part in zip(shown, made, strict=True)}

    def macro(template: str, name: str) -> Callable[..., Markup] | None:
        try:
            return _macro(env, template, name)
        except TemplateError:  # reported with the pages that use the template
            return None

    def keys(part: bytes, stories: Sequence[Any], picture: bool) -> dict[int, bytes]:
        # In C but for the stories with a picture: every story's key is made (Memo.hold). A key is the
        # digest of what all parts share followed by the story's summary digest (and its picture's),
        # not a digest of those again: some 10,000 digests fewer on a rebuild that shows a list.
        shared = digest(ground, part)
        made = list(map(operator.add, itertools.repeat(shared), map(summaries.__getitem__, map(id, stories))))
        if picture:
            for at in itertools.compress(range(len(stories)), map(operator.attrgetter("image"), stories)):
                made[at] += digest(pictures.get(stories[at].image.src))
        return dict(zip(map(id, stories), made, strict=True))

    card = macro("_macros.html", "article_card") if "articles.html" in templates else None
    if card is not None:
        shown = {id(a): a for job in jobs if job.template == "articles.html" for a in shown_stories(site, job.context)}
        every = keys(digest("card", site.base_path), articles, picture=True)  # "card": its links
        cards = prepared(STORY_CARDS, list(shown.values()), every, lambda a: str(card(a, STORY_LIST_HEADING)))
        if cards is not None:

            def story_card(article: Any, heading: str) -> Markup:
                found = cards.get(id(article)) if heading == STORY_LIST_HEADING else None
                return found if found is not None else card(article, heading)

            env.globals["story_card"] = story_card
    entry = macro("_feed.xml", "feed_entry") if "feed.xml" in templates else None
    if entry is not None:
        in_feed = articles[:FEED_STORIES]
        every = keys(digest("entry", site.base_url), in_feed, picture=False)  # "entry": its absolute URLs
        entries = prepared(FEED_ENTRIES, in_feed, every, lambda a: str(entry(a)))
        if entries is not None:
            env.globals["feed_entry"] = lambda article: entries.get(id(article)) or entry(article)


def _asset_url(href: Callable[[str], str], assets: Assets) -> Callable[[str], str]:
    """The template function `asset(name)`: the URL of an asset's fingerprinted file."""
    return lambda name: href(assets.out_path(name))


MAP_SCRIPT = "kaart.js"


def _with_map_script(env: Environment, assets: Assets, geo: MapData) -> Assets:
    """The assets with the map's script (which may still be drawn on another core: see sitegen.mapview,
    so asked for as late as possible), named by the environment's asset()."""
    assets = assets.with_files({MAP_SCRIPT: geo.script.encode("utf-8")})
    env.globals["asset"] = _asset_url(env.globals["href"], assets)
    return assets


def image_uses(site: Site) -> list[ImageUse]:
    """Every image a content file shows, with the file (and line) that names it."""
    found = [(a.image.src, a.src_path) for a in site.articles if a.image]
    found += [(i.coordinator.photo, i.src_path) for i in site.igs if i.coordinator and i.coordinator.photo]
    return [ImageUse(src, used_by, find_line(used_by, src)) for src, used_by in found]


def render_site(
    site: Site,
    templates_dir: Path,
    assets: Assets,
    geo: MapData,
    memo: Memo | None = None,
    keys_out: dict[str, bytes] | None = None,
    jobs: list[PageJob] | None = None,
    index_ahead: bool = False,
    later: list[Callable[[], None]] | None = None,
) -> SiteFiles:
    """Render every page; template errors become ContentErrors naming the template and line.
    `keys_out` receives the key of each keyed page (the link checker tells unchanged pages by it);
    `jobs` are `page_jobs(site)`, when the caller has them already; with `index_ahead`, the search
    index of the pages is started on another core before the social cards are drawn (`start_index`);
    with `later`, the social cards are not made now but appended to it as a step that adds them (the
    preview makes them after the browser has reloaded: no page shows them)."""
    memo = memo or Memo()
    _, leaflet = leaflet_files()
    # Leaflet's IE-only VML rule ("behavior") is invalid CSS for the W3C checker; no browser we serve uses it.
    leaflet = {name: data.replace(b"behavior: url(#default#VML);", b"") for name, data in leaflet.items()}
    assets = assets.with_files({f"leaflet/{name}": data for name, data in leaflet.items()})
    assets = assets.with_files({"gemeenten-index.json": geo.finder_index.encode("utf-8")})
    env = make_environment(templates_dir, site, assets, geo, memo)
    pictures, image_files, errors = process_images(site.images, image_uses(site))

    def picture(src: str, alt: str, sizes: str, lazy: bool = True, cls: str = "") -> Markup:
        if src not in pictures:  # the image failed; its error is already collected
            return Markup("")
        return picture_html(pictures[src], env.globals["href"], alt, sizes, lazy=lazy, cls=cls)

    env.globals["picture"] = picture
    art = _artwork(geo, memo)

    def card_picture(item: Any, igs_page: str | None = None) -> Markup:
        """The picture at the top of a story or IGS card: the story's photo, else its IGS on the map
        of Flanders (the one whose page shows the card, `igs_page`, if the story is about it; else
        its first), else Flanders. Decorative: the card's title says what it is."""
        image = getattr(item, "image", None)
        if image is not None and image.src in pictures:
            photo = picture(image.src, "", "(min-width: 40rem) 24rem, calc(100vw - 2.5rem)")
            return Markup('<div class="card-media">') + photo + Markup("</div>")
        slugs = getattr(item, "igs", None)
        slugs = (item.slug,) if slugs is None else slugs
        if igs_page in slugs:
            slugs = (igs_page,)
        slug = next((s for s in slugs if s in art.shapes), None)
        if art.flanders is None:
            return Markup("")
        src = env.globals["href"](art.picture_path(slug))
        return Markup(
            '<div class="card-media card-media-map"><img src="{}" alt="" width="{}" height="{}" loading="lazy"></div>'
        ).format(src, *CARD_PICTURE_SIZE)

    env.globals["card_picture"] = card_picture
    anchors = finder_anchors(geo)
    env.globals["finder_anchor"] = lambda member: anchors.get(member.nis or "")
    env.globals["social_image"] = social_image_path
    jobs = page_jobs(site) if jobs is None else jobs
    output = SiteFiles(memo)
    output.update(assets.files)
    for rel, data in site.images:
        output[rel] = data
    output.update(image_files)
    output.update(art.files)
    templates, assets_read = template_inputs(templates_dir)
    # The map's script keys the pages whose templates name it by its fingerprinted name. Where it is
    # still drawn on another core, those pages are keyed, and rendered, once it is there (below).
    naming = {template for template, names in assets_read.items() if MAP_SCRIPT in names}
    scripted = naming and (geo.script_ready() or not naming.isdisjoint(PARTIALS))
    if scripted:
        assets = _with_map_script(env, assets, geo)
    late = set() if scripted else {id(job) for job in jobs if not naming.isdisjoint((job.template, *job.kind.includes))}
    cards = (sorted((slug, shape.width, shape.height) for slug, shape in art.shapes.items()), art.flanders is None)
    summaries: dict[int, bytes] = {}
    keyed_by = functools.partial(
        page_keys, site, templates=templates, geo=geo, pictures=pictures, cards=cards, anchors=anchors
    )
    jobs_now = [job for job in jobs if id(job) not in late] if late else jobs
    keys = keyed_by(jobs_now, asset_names=_asset_names(assets, assets_read), memo=memo, summaries_out=summaries)
    if keys_out is not None:
        keys_out.update(keys)
    keyed: list[tuple[bytes, PageJob]] = []
    keyed_late: list[PageJob] = []
    unkeyed: list[PageJob] = []
    names = output.names()
    paths = list(map(job_out_path, jobs))
    if not late and names.isdisjoint(paths) and len(set(paths)) == len(paths):
        # No page waits for the map and no two share a path (a rebuild): the same split in C (some
        # 13,500 jobs at 300x10,000).
        output.reserve_all(paths)
        found = list(map(keys.get, paths))
        keyed = list(itertools.compress(zip(found, jobs, strict=True), found))
        unkeyed = list(itertools.compress(jobs, map(operator.not_, found)))
    else:
        for job in jobs:
            if job.out_path in names:
                errors.append(ContentError(f"twee bronnen schrijven naar dezelfde pagina {job.out_path}", job.src_path))
                continue
            output.reserve(job.out_path)  # keeps the order of the jobs
            key = keys.get(job.out_path)
            if id(job) in late:
                keyed_late.append(job)
            elif key is None:
                unkeyed.append(job)
            else:
                keyed.append((key, job))
    # A cold build of a large site renders on every core; the result is the same, in the same order.
    failed: dict[str, ContentError] = {}

    def render(job: PageJob) -> bytes:
        result = _render(env, job, templates_dir)
        if isinstance(result, ContentError):
            raise _Failed(result.message)
        return result

    def render_keyed(keyed: list[tuple[bytes, PageJob]], known: set[bytes]) -> None:
        # The pages the cache holds are read only by a stage that needs their bytes (see sitegen/files.py).
        held = [key in known for key, _ in keyed]
        keys, jobs_held = zip(*itertools.compress(keyed, held), strict=True) if any(held) else ((), ())
        names = list(map(job_out_path, jobs_held))
        again = _by_name(names, jobs_held, lambda job: _rendered(env, job, templates_dir))
        output.put_remembered_all(names, PAGES, keys, again, list(map(PAGE.__add__, keys)))
        todo = list(itertools.compress(keyed, map(operator.not_, held)))
        ground = digest(templates, cards)
        _prepare_story_parts(env, site, memo, [job for _, job in todo], ground, summaries, pictures)
        read_bodies(job.context for _, job in todo)  # the stories these pages show, in one go
        _load_templates(env, [job for _, job in todo])
        try:
            # Each page passed on as it comes (to the disk, in a build with a cache): none held here.
            for (key, job), page in zip(todo, memo.remembered_each(PAGES, todo, render), strict=True):
                output.put(job.out_path, page, PAGE + key)
        except _Failed:  # a template error: render again without remembering, to collect every error
            for _, job in todo:
                result = _render(env, job, templates_dir)
                if isinstance(result, ContentError):
                    failed[job.out_path] = result

    render_keyed(keyed, memo.known_listed(PAGES, [key for key, _ in keyed], PAGE_LIST))
    if not scripted:
        if not geo.script_ready():
            # While the map's script is still drawn on the other core, this one compiles the templates
            # of the pages still to come and draws the backgrounds of the social cards (pure work,
            # kept in Jinja's and artwork's caches; a template error is reported when its page is).
            _load_templates(env, unkeyed)
            styles = [_card_style(job, art, geo.colours) for job in jobs if job.out_path.endswith(".html")]
            draw_backgrounds(site.title, _card_tagline(site), styles, geo.script_ready)
        assets = _with_map_script(env, assets, geo)
    output[assets.out_path(MAP_SCRIPT)] = assets.files[assets.out_path(MAP_SCRIPT)]
    if keyed_late:
        # Their kinds keep no tables by version: no memo for page_keys, but a build's disk store, which
        # keeps their keys by the frame of the stories (deps._frame) as the next build, that keys them at once, will.
        kept_by_site = memo if memo.store is not None and not memo.lasting else None
        late_keys = keyed_by(keyed_late, asset_names=_asset_names(assets, assets_read), memo=kept_by_site)
        if keys_out is not None:
            keys_out.update(late_keys)
        late = [(late_keys[job.out_path], job) for job in keyed_late]
        listed = [key for key, _ in keyed + late]  # the list of the keyed pages names these too
        render_keyed(late, memo.known_listed(PAGES, listed, PAGE_LIST))
    _load_templates(env, unkeyed)
    for job, result in zip(unkeyed, pmap(lambda job: _render(env, job, templates_dir), unkeyed), strict=True):
        if isinstance(result, ContentError):
            failed[job.out_path] = result
        else:
            output[job.out_path] = result
    errors.extend(failed[job.out_path] for job in jobs if job.out_path in failed)
    if errors:
        from .errors import ContentErrors

        raise ContentErrors(errors)
    if index_ahead:
        start_index(output, memo=memo)
    page = functools.partial(_rendered, env, templates_dir=templates_dir)
    cards = functools.partial(social_cards, site, jobs, output, art, geo.colours, memo, page)
    if later is None:
        cards()
    else:
        later.append(cards)
    logger.info("Rendered %d files", len(output))
    return output


def _artwork(geo: MapData, memo: Memo) -> Artwork:
    """The card pictures of the map data: the last build's while its locators and colours are equal."""
    locators, colours = dict(geo.locators), dict(geo.colours)
    last = memo.recalled(LAST_ARTWORK, _LAST_BUILD)
    if last is not None and last[0] == locators and last[1] == colours:
        return last[2]
    art = make_artwork(locators, colours)
    memo.keep(LAST_ARTWORK, _LAST_BUILD, (locators, colours, art))
    return art


def _asset_names(assets: Assets, named: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """The fingerprinted names of the assets each template names, by template (page_keys)."""
    return {
        template: {name: assets.names[name] for name in sorted(names) if name in assets.names}
        for template, names in named.items()
    }


def _load_templates(env: Environment, jobs: list[PageJob]) -> None:
    """Compile the templates of these pages in this process, not in the workers that may render them,
    so that the memo keeps what was compiled (a template error is reported with its page): with the
    layout, the macros and the templates they include, which a page loads only as it renders (a
    worker compiling them would write to the memo's store, the parent's open database)."""
    used = {name for job in jobs for name in (job.template, *job.kind.includes)}
    for name in sorted(used | PARTIALS.keys() if jobs else used):
        with contextlib.suppress(TemplateError):
            env.get_template(name)


_URL = operator.itemgetter("url")  # a page context's URL, read in C


def _by_name(names: Sequence[str], jobs: Sequence[PageJob], make: Callable[[PageJob], bytes]) -> Callable[[str], bytes]:
    """`make` of the job of the file named names[i] (jobs[i]), the jobs looked up by name only once
    one is asked for (a file the memo lost: rarely, if ever)."""
    by_name: dict[str, PageJob] = {}

    def made(name: str) -> bytes:
        if not by_name:
            by_name.update(zip(names, jobs, strict=True))
        return make(by_name[name])

    return made


def _rendered(env: Environment, job: PageJob, templates_dir: Path) -> bytes:
    """A page the cache was thought to hold, rendered after all (its entry proved unreadable, or a
    social card of it did, whose title it holds)."""
    result = _render(env, job, templates_dir)
    if isinstance(result, ContentError):
        from .errors import ContentErrors

        raise ContentErrors([result])
    return result


def finder_anchors(geo: MapData) -> dict[str, str]:
    """NIS code -> the id of that municipality's row in the finder (/gemeenten/)."""
    return {row.nis: row.anchor for row in geo.finder_rows}


def social_image_path(url: str) -> str:
    """Where the social card of the page at `url` is written: assets/social/<page>.png."""
    return social_image_paths([url])[0]


def social_image_paths(urls: Iterable[str]) -> list[str]:
    """social_image_path of each URL, the text cut in C (the cards of every page, on every build)."""
    names = map(str.removesuffix, map(str.strip, urls, itertools.repeat("/")), itertools.repeat(".html"))
    return [f"assets/social/{name or 'index'}.png" for name in names]


# On the page's bytes: a UTF-8 sequence never holds a '"' byte, so only the title is decoded.
_OG_TITLE = re.compile(rb'<meta property="og:title" content="([^"]*)">')
# The og:title of each version of a page without a render key (sitegen/files.py): not read again.
OG_TITLES = fact_space("og-title")


def social_cards(
    site: Site,
    jobs: list[PageJob],
    output: SiteFiles,
    art: Artwork,
    colours: Any,
    memo: Memo,
    page: Callable[[PageJob], bytes],
) -> None:
    """Add a social card for every HTML page, titled as its og:title says (so the template decides);
    a card drawn by an earlier build from the same title, shape and font is taken from the memo
    (and read only when a later stage needs its bytes). `page(job)` renders a page again (for the
    title of a card the memo proves to have lost: the page itself is not at hand then)."""
    tagline = _card_tagline(site)
    html_pages = [job for job in jobs if job.out_path.endswith(".html")]

    def arguments(job: PageJob, title: str) -> tuple[str, str, str, str, Shapes | None, str]:
        kicker, shapes, colour = _card_style(job, art, colours)
        return title, kicker, site.title, tagline, shapes, colour

    # A card's key is made of the key of everything but its title and kicker, digested once per
    # shape and colour (a shape is the map of Flanders: thousands of cards share a few hundred).
    common: dict[tuple[int, str], bytes] = {}

    def key(title: str, kicker: str, site_name: str, tagline: str, shapes: Any, colour: str) -> bytes:
        shared = common.get((id(shapes), colour))
        if shared is None:
            shared = common[id(shapes), colour] = social_card_key("", "", site_name, tagline, shapes, colour)
        text = title.encode("utf-8")
        return hashlib.blake2b(shared + len(text).to_bytes(4, "big") + text + kicker.encode("utf-8")).digest()[:20]

    # The card of a page whose version is its render key follows from that key (its title, and the
    # story or IGS that chooses its kicker and shape, are among what the key digests) and from what
    # every card is drawn with: a rebuild takes such a card's key over from the last build's where
    # the page's version is the same (files.taken_over: by the difference of the versions, in C), and
    # reads the titles only of the other pages.
    ground = social_cards_key(site.title, tagline, art.shapes, art.flanders, colours)
    names = list(map(job_out_path, html_pages))
    versions = output.versions_of(names)
    planned, todo, keep = taken_over(memo, CARD_PLANS, ground, versions)
    keyed_at = list(map(bytes.startswith, versions, itertools.repeat(PAGE)))
    # A page without a render key (rendered on every build) is planned on every build: its version is
    # a digest of its bytes, which does not stand for the story or IGS that chooses its card's kicker.
    todo = sorted({*todo, *itertools.compress(range(len(names)), map(operator.not_, keyed_at))})
    # Their titles: of a page without a render key through the facts of its version; of a page with
    # one, from its bytes, which this build made (or lost).
    unkeyed = [names[i] for i in todo if not keyed_at[i]]
    keyed = [names[i] for i in todo if keyed_at[i]]
    titles = facts(output, OG_TITLES, unkeyed, _og_title)
    output.load(keyed)  # in one go
    titles.update((name, _og_title(output[name])) for name in keyed)
    for i in todo:
        title = titles[names[i]]
        planned[i] = None if title is None else key(*arguments(html_pages[i], title))  # no title, no card
    keep(planned)
    titled = list(itertools.compress(range(len(planned)), map(operator.is_not, planned, itertools.repeat(None))))
    card_jobs: list[PageJob] = list(map(html_pages.__getitem__, titled))
    card_keys: list[bytes] = list(map(planned.__getitem__, titled))
    paths = social_image_paths(map(_URL, map(job_context, card_jobs)))
    # The cards of the last build are in the store (it kept what it used): only new keys are looked up.
    known = memo.known_listed(SOCIAL_CARDS, card_keys, CARD_KEYS)
    missing = list(itertools.compress(range(len(card_keys)), map(operator.not_, map(known.__contains__, card_keys))))
    output.load([card_jobs[i].out_path for i in missing if card_jobs[i].out_path not in titles])  # in one go

    def title_of(job: PageJob, read: Callable[[PageJob], bytes]) -> str:
        title = titles.get(job.out_path)
        if title is None:  # a planned card: its page is the one its key made, which had a title
            title = _og_title(read(job))
            assert title is not None
        return title

    def card(job: PageJob) -> bytes:
        return social_card(*arguments(job, title_of(job, page)))

    versions = list(map(CARD.__add__, card_keys))

    output.put_remembered_all(paths, SOCIAL_CARDS, card_keys, _by_name(paths, card_jobs, card), versions)
    drawing = {i: arguments(card_jobs[i], title_of(card_jobs[i], lambda job: output[job.out_path])) for i in missing}
    if not missing:
        return
    if len(missing) <= CARDS_AHEAD:
        # A rebuild's few new cards are drawn on the other core while this one goes on (the link
        # check, the search index, the header policy; Pillow's import and the cards' backgrounds are
        # most of their work), and read, and remembered, only by the write stage.
        ahead = functools.cache(Forked(functools.partial(_drawn, [drawing[i] for i in missing])).result)
        for n, i in enumerate(missing):
            output.put_ahead(paths[i], SOCIAL_CARDS, card_keys[i], functools.partial(_nth, ahead, n), versions[i])
        return
    todo = [missing[i] for i in drawing_order([drawing[i] for i in missing])]
    for i in missing:
        output.put(paths[i], b"", versions[i])  # its place in the order of the files; drawn below
    # Each card passed on as it is drawn (to the disk, in a build with a cache): none held here.
    asked = [(card_keys[i], drawing[i]) for i in todo]
    weights = drawing_weights([drawing[i] for i in todo])  # split between two processes by work
    drawn_each = memo.remembered_each(SOCIAL_CARDS, asked, lambda args: social_card(*args), weights)
    for i, drawn in zip(todo, drawn_each, strict=True):
        output.put(paths[i], drawn, versions[i])


CARDS_AHEAD = 8
"""Up to this many cards to draw are drawn in one forked child (more: on every core, as they come)."""


def _drawn(calls: list[tuple[str, str, str, str, Shapes | None, str]]) -> list[bytes]:
    return [social_card(*arguments) for arguments in calls]


def _nth(drawn: Callable[[], list[bytes]], n: int) -> bytes:
    return drawn()[n]


# The key of the social card of each HTML page (None: it has no title) by the page's version, under
# what all cards are drawn with (artwork.social_cards_key): see files.taken_over.
CARD_PLANS: Space[FactList] = listed_space("social-card-plans")
# The keys of the cards of the last build (Memo.known_listed).
CARD_KEYS: Space[bytes] = Space("social-card-keys", BYTES)


def _card_tagline(site: Site) -> str:
    return f"Een netwerk van {site.organisation.name}"


def _card_style(job: PageJob, art: Artwork, colours: Any) -> tuple[str, Shapes | None, str]:
    """What a page's social card shows besides its title: the kicker, the map shapes and their colour."""
    igs, article = job.context.get("igs"), job.context.get("article")
    slugs = (igs.slug,) if igs is not None else article.igs if article is not None else ()
    slug = next((s for s in slugs if s in art.shapes), None)
    kicker = f"IGS · {igs.provinces_label}" if igs is not None else article.type_label if article is not None else ""
    shapes = art.shapes[slug] if slug else art.flanders
    colour = colours.get(slug, "#f3b23c") if slug else "#f3b23c"
    return kicker, shapes, colour


def _og_title(page: bytes) -> str | None:
    found = _OG_TITLE.search(page)
    return None if found is None else html_lib.unescape(found[1].decode("utf-8"))


def _render(env: Environment, job: PageJob, templates_dir: Path) -> bytes | ContentError:
    try:
        return env.get_template(job.template).render(job.context).encode("utf-8")
    except TemplateError as exc:
        return _template_error(exc, templates_dir, job)


class _Failed(Exception):
    """A template error while rendering a remembered page (never remembered; reported afterwards)."""


def _template_error(exc: TemplateError, templates_dir: Path, job: PageJob) -> ContentError:
    filename = getattr(exc, "filename", None)
    lineno = getattr(exc, "lineno", None) or 0
    if filename is None:
        # Runtime errors carry the template position only in the traceback.
        import traceback

        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.startswith(str(templates_dir)):
                filename, lineno = frame.filename, frame.lineno or 0
                break
    shown = display_path(Path(filename)) if filename else f"templates/{job.template}"
    return ContentError(f"sjabloonfout bij het maken van {job.out_path}: {exc.message or exc}", shown, lineno)
