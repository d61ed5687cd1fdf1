"""The preview's build: the pipeline of `build`, in memory, with a memo kept for the life of the server."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from ..files import SiteFiles, load
from ..memo import Memo
from ..options import BuildOptions
from ..pipeline import Rendered, complete_files, render_files
from ..search import index_pages
from ..stores import MemoryStore


class DeferredSearch:
    """The preview's search index (an external indexer, slower than the rest of a rebuild together)
    is deferred: the first build indexes at once; a later build serves the previous index and
    `refresh()` brings it up to date right after the browser has reloaded. Which pages changed is
    also found then, not during the rebuild, by comparing them with those last indexed (mostly an
    identity test: the memo hands back the same bytes objects for what did not change)."""

    def __init__(self) -> None:
        self.bundle: dict[str, bytes] | None = None
        self.indexed: dict[str, bytes] = {}  # the pages of the current bundle
        self.pending: tuple[Mapping[str, bytes], list[str]] | None = None

    def __call__(self, files: Mapping[str, bytes], memo: Memo) -> dict[str, bytes]:
        if self.bundle is None:
            self.bundle, self.indexed = index_pages(files, memo=memo), _pages(files, _page_names(files))
        else:
            self.pending = (files, _page_names(files))  # the names now: the pipeline adds files later
        return dict(self.bundle)

    def refresh(self, memo: Memo) -> tuple[set[str], dict[str, bytes]] | None:
        """Run a deferred indexing: (the stale index's paths, the fresh index), or None."""
        if self.pending is None or self.bundle is None:
            return None
        (files, names), self.pending = self.pending, None
        pages = _pages(files, names)
        if pages.keys() == self.indexed.keys() and all(
            data is self.indexed[rel] or data == self.indexed[rel] for rel, data in pages.items()
        ):
            return None
        stale = set(self.bundle)
        self.bundle, self.indexed = index_pages(pages, memo=memo), pages
        return stale, dict(self.bundle)


def _page_names(files: Mapping[str, bytes]) -> list[str]:
    """What the search index is made of: the HTML pages (named without reading them)."""
    return [rel for rel in files if rel.endswith(".html")]


def _pages(files: Mapping[str, bytes], names: list[str]) -> dict[str, bytes]:
    load(files, names)  # at once, where the build left them unread in the memo
    return {rel: files[rel] for rel in names}


class PreviewBuilder:
    """Builds the site in memory, again and again: the pipeline of `build`, with a memo kept in
    memory for the life of the server (tests/test_serve.py checks it against fresh builds), in two
    steps so that the browser can reload in between: `render()` (every page) and `complete()`
    (the social cards, the link check, the search index and the header policy)."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.memo = Memo(MemoryStore())
        self.search = DeferredSearch()

    def build(self) -> SiteFiles:
        return self.complete(self.render())

    def render(self, changed: Collection[str] | None = None) -> Rendered:
        """Every page (`changed`: the paths the watcher saw change since the last build; None: unknown)."""
        try:
            # The social cards after the reload: no page shows them (complete() adds them first).
            return render_files(self.options, self.memo, changed=self._below_content(changed), cards_later=True)
        except BaseException:
            self.memo.finish(success=False)
            raise

    def _below_content(self, changed: Collection[str] | None) -> list[str] | None:
        """The changed paths below the content folder, relative to it (for load_content); None when one
        lies outside every watched folder (its place is then not known)."""
        if changed is None:
            return None
        content = self.options.content_dir.absolute()
        others = (self.options.templates_dir.absolute(), self.options.assets_dir.absolute())
        found = []
        for path in map(Path, changed):
            if path.is_relative_to(content):
                found.append(path.relative_to(content).as_posix())
            elif not any(path.is_relative_to(folder) for folder in others):
                return None
        return found

    def complete(self, rendered: Rendered) -> SiteFiles:
        try:
            files = complete_files(self.options, rendered, self.memo, self.search)
        except BaseException:
            self.memo.finish(success=False)
            raise
        self.memo.finish(success=True)
        return files

    def refresh_search(self) -> tuple[set[str], dict[str, bytes]] | None:
        try:
            return self.search.refresh(self.memo)
        finally:
            self.memo.finish(success=False)  # keeps the new shards; the next build evicts
