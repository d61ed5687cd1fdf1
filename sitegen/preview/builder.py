"""The preview's build: the pipeline of `build`, in memory, with a memo kept for the life of the server."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from ..memo import Memo
from ..options import BuildOptions
from ..pipeline import build_files
from ..search import index_pages
from ..stores import MemoryStore


class DeferredSearch:
    """The preview's search index (an external indexer, slower than the rest of a rebuild together)
    is deferred: the first build indexes at once; a later build serves the previous index and
    `refresh()` brings it up to date right after the browser has reloaded."""

    def __init__(self) -> None:
        self.bundle: dict[str, bytes] | None = None
        self.key = b""
        self.pending: tuple[bytes, dict[str, bytes]] | None = None

    def __call__(self, files: Mapping[str, bytes], memo: Memo) -> dict[str, bytes]:
        digest = hashlib.blake2b(digest_size=20)
        for rel in sorted(files):
            if rel.endswith(".html"):
                digest.update(rel.encode() + b"\0" + len(files[rel]).to_bytes(8, "big") + files[rel])
        key = digest.digest()
        if self.bundle is None:
            self.bundle, self.key = index_pages(files, memo=memo), key
        self.pending = (key, dict(files)) if key != self.key else None
        return dict(self.bundle)

    def refresh(self, memo: Memo) -> tuple[set[str], dict[str, bytes]] | None:
        """Run a deferred indexing: (the stale index's paths, the fresh index), or None."""
        if self.pending is None or self.bundle is None:
            return None
        (key, files), self.pending = self.pending, None
        stale = set(self.bundle)
        self.bundle, self.key = index_pages(files, memo=memo), key
        return stale, dict(self.bundle)


class PreviewBuilder:
    """Builds the site in memory, again and again: the pipeline of `build`, with a memo kept in
    memory for the life of the server (tests/test_serve.py checks it against fresh builds)."""

    def __init__(self, options: BuildOptions):
        self.options = options
        self.memo = Memo(MemoryStore())
        self.search = DeferredSearch()

    def build(self) -> dict[str, bytes]:
        try:
            _, files = build_files(self.options, self.memo, self.search)
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
