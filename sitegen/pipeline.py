"""The stages wired together: load → validate → model → render (`render_files`), then what is made from
all pages at once (`complete_files`: link check, search index, editor, header policy) → write, by the caller."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .errors import ContentError, ContentErrors
from .files import SiteFiles
from .frozen import frozen_dataclass
from .geometry import parse_ahead, unparsed_topology
from .headers import HEADERS_PATH, headers_file, meta_policies
from .linkcheck import check_links, parse_pages
from .load import GeneratedText, display_path, load_content
from .mapview import build_map_data, draw_ahead
from .memo import Memo
from .model import Site, build_model
from .options import BuildOptions
from .pages import PageJob
from .parallel import collector_paused
from .register import Register, register_from_text
from .render import load_assets, page_jobs, render_site
from .search import BUNDLE_DIR, index_pages
from .tree import Walk
from .validate import JOURNAL, validate_content

logger = logging.getLogger(__name__)
T = TypeVar("T")


Indexer = Callable[[Mapping[str, bytes], Memo], dict[str, bytes]]
"""Makes the search index of the rendered files (`index_now`; the preview defers it)."""


def index_now(files: Mapping[str, bytes], memo: Memo) -> dict[str, bytes]:
    return index_pages(files, memo=memo, lazy=True)


def load_and_validate(options: BuildOptions, memo: Memo | None = None) -> Site:
    """Everything up to the model; raises ContentErrors with every problem found."""
    return _load_site(options, memo or Memo())[0]


def _load_site(
    options: BuildOptions,
    memo: Memo,
    changed: Collection[str] | None = None,
    walk: Walk | None = None,
) -> tuple[Site, Register, GeneratedText | None]:
    """The model, the register and the (unparsed) topology: everything comes from load_content
    (`changed`: the paths below the content folder that may have changed; `walk`: the entries
    below it as this build's walk found them; see load_content)."""
    with collector_paused():
        return _load_model(options, memo, changed, walk)


def _load_model(
    options: BuildOptions, memo: Memo, changed: Collection[str] | None, walk: Walk | None = None
) -> tuple[Site, Register, GeneratedText | None]:
    raw = load_content(options.content_dir, memo, JOURNAL, changed, walk)
    try:
        register: Register | ContentError = _parsed(raw.register, register_from_text, memo)
    except ContentError as exc:
        register = exc
    errors: list[ContentError] = []
    if isinstance(register, ContentError):
        errors.append(register)
        valid, found = validate_content(raw, None, lambda name: "", memo=memo)
    else:
        valid, found = validate_content(
            raw,
            register.resolve,
            register.suggest,
            register=register.digest,
            units_of=functools.partial(register.units_for, units=register.units),
            memo=memo,
        )
    errors.extend(found)
    if errors or valid is None:
        raise ContentErrors(errors)

    assert isinstance(register, Register)
    site = build_model(
        valid,
        images=raw.images,
        resolve_member=register.member,
        today=options.today or dt.date.today(),
        include_unpublished=options.include_unpublished,
        base_url=options.base_url,
        memo=memo,
    )
    return site, register, raw.topology


def _parsed(file: GeneratedText | None, parse: Callable[[str, str, Memo], T], memo: Memo) -> T:
    """A generated content/geo/ file as load_content read it, parsed; raises its ContentError."""
    assert file is not None  # load_content reads every generated file
    if file.problem is not None:
        raise file.problem
    return parse(file.text, file.shown, memo)


@frozen_dataclass
class Rendered:
    """The site up to render: the model and every page, card and asset. What is made from all pages
    at once comes after (`complete_files`): the preview shows these files before it."""

    site: Site
    register: Register
    files: SiteFiles
    jobs: list[PageJob]
    keys: dict[str, bytes]  # the render key of each page that has one
    later: tuple[Callable[[], None], ...] = ()
    """What render left for `complete_files` to add first (with `cards_later`: the social cards)."""


def build_files(
    options: BuildOptions,
    memo: Memo | None = None,
    index: Indexer = index_now,
    walk: Walk | None = None,
) -> tuple[Site, SiteFiles]:
    """The whole site, each file with its version; every step asks `memo` for what an earlier build
    already computed, and the bytes of a page or card the cache holds are read only when needed.
    `walk`: the input entries as the no-op check's walk found them (see load_content)."""
    memo = memo or Memo()
    try:
        rendered = render_files(options, memo, index_ahead=index is index_now, walk=walk)
    except ContentErrors as errors:  # the links are checked on the rendered pages: not this time
        raise ContentErrors(errors.errors, links_checked=False) from errors
    return rendered.site, complete_files(options, rendered, memo, index)


def render_files(
    options: BuildOptions,
    memo: Memo,
    *,
    index_ahead: bool = False,
    changed: Collection[str] | None = None,
    cards_later: bool = False,
    walk: Walk | None = None,
) -> Rendered:
    """load → validate → model → render: every page, card and asset of the site (with `index_ahead`,
    the search index of the pages is started on another core meanwhile: `render_site`; `changed`:
    the paths below the content folder that may have changed since the last build, see load_content;
    with `cards_later`, the social cards are made by `complete_files`, see Rendered.later)."""
    ahead = draw_ahead(memo)  # Folium imported on the other core while this one loads, where it will be needed
    # There too, where the map is drawn for the first time: the topology parsed, its outlines drawn.
    parsing = parse_ahead(options.content_dir) if ahead is not None else None
    try:
        site, register, topology_file = _load_site(options, memo, changed, walk)
        # Parsed where the map data is not remembered (a malformed file never is: its digest is new).
        topology = _parsed(topology_file, functools.partial(unparsed_topology, ahead=parsing), memo)
        geo = build_map_data(site, register, topology, memo, ahead)
    except BaseException as exc:
        if ahead is not None:
            ahead.close()  # nothing to draw: ended now
        if isinstance(exc, ContentError):
            raise ContentErrors([exc]) from exc
        raise
    finally:
        if parsing is not None:
            parsing.close()  # taken by the map data, or not needed: its digest was remembered
    keys: dict[str, bytes] = {}
    with collector_paused():
        jobs = page_jobs(site, memo)
    assets = load_assets(options.assets_dir)
    later: list[Callable[[], None]] | None = [] if cards_later else None
    files = render_site(
        site, options.templates_dir, assets, geo, memo, keys, jobs, index_ahead=index_ahead, later=later
    )
    if any(map(str.startswith, files, itertools.repeat(f"{BUNDLE_DIR}/"))):  # in C: some 30,000 files
        raise ContentErrors([ContentError(f"de map {BUNDLE_DIR}/ is voorbehouden voor de zoekindex", "content")])
    return Rendered(site, register, files, jobs, keys, tuple(later or ()))


def complete_files(options: BuildOptions, rendered: Rendered, memo: Memo, index: Indexer = index_now) -> SiteFiles:
    """What is made from all pages at once, added to the rendered files: the link check (raises
    ContentErrors for a broken link), the search index, the editor, the header policy."""
    site, files = rendered.site, rendered.files
    for step in rendered.later:  # the files a cold build adds at the end of render, in the same order
        step()
    # The pages the link checker has not parsed yet are parsed on every core first (no thread runs yet).
    pages = parse_pages(files, memo, site.base_url, site.base_path, rendered.keys)
    # The indexer is a separate single-threaded process: it runs on the second core while this one
    # checks the links. Broken links are reported before any indexing failure, as before.
    with ThreadPoolExecutor(max_workers=1) as pool:
        search = pool.submit(index, files, memo)
        site_src = display_path(options.content_dir / "site.yaml")
        broken = check_links(site, files, rendered.jobs, options.templates_dir, site_src, memo, pages)
        del pages  # every page's links and ids (a cold build's largest part after the bytes): done with
        if broken:
            raise ContentErrors(broken)
        policies = meta_policies(files)  # the rendered pages' part of the header policy, while the index is made
        bundle = search.result()
    files.update(bundle)
    made_after = list(bundle)  # files the header policy reads as they are now
    if options.admin is not None:
        from .admin import admin_files, remembered_config_text  # imported only for a build with the editor

        # After the link check and the search index: the editor is not a page of the site.
        icon = "assets/favicon.svg"
        logo = site.base_path + icon if icon in files else None
        config = remembered_config_text(rendered.register, options.admin_repo, logo, memo)
        editor = admin_files(options.admin, config, site.title, memo)
        files.update(editor)
        made_after += editor
    # Last: the header policy covers every page's own policy, the editor's included.
    files[HEADERS_PATH] = headers_file(files, site.base_path, policies, made_after)
    files.settle()  # the cards drawn on another core meanwhile: the memo keeps them now
    return files
