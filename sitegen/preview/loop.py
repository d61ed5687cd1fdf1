"""The rebuild loop: build, sync the preview folder or show the errors, reload the browsers."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from ..errors import ContentError, ContentErrors, summary_line
from ..options import BuildOptions
from ..write import sync_folder, with_marker
from .builder import PreviewBuilder
from .errorpage import error_page
from .http import PreviewState

logger = logging.getLogger(__name__)


class Preview:
    """The rebuild loop: build, sync the folder or show the errors, reload the browsers."""

    def __init__(self, options: BuildOptions, state: PreviewState, notify: Callable[[], None]):
        self.builder = PreviewBuilder(options)
        self.state = state
        self.notify = notify
        self.written: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}  # the last good build

    def rebuild(self, changed: set[str] | None = None) -> bool:
        started = time.perf_counter()
        errors: list[ContentError] = []
        try:
            files = self.builder.build()
        except ContentErrors as exc:
            errors = list(exc.errors)
        except Exception as exc:  # a bug in a stage must not take the preview down
            traceback.print_exc()
            errors = [ContentError(f"interne fout van de generator: {type(exc).__name__}: {exc}", "build.py")]
        verb = "Gebouwd" if changed is None else "Herbouwd"
        if errors:
            was_ok = self.state.error_page is None
            self.state.error_page = error_page(errors, Path.cwd(), self.state.port)
            for error in errors:
                print(error.render(Path.cwd()), file=sys.stderr)
            print(summary_line(len(errors)), file=sys.stderr, flush=True)
            elapsed = (time.perf_counter() - started) * 1000
            verb = "Bouwen" if changed is None else "Herbouwen"
            print(f"{verb} mislukt in {elapsed:.0f} ms: de browser toont de fouten{self._latency(changed)}", flush=True)
            if was_ok or changed:
                self.notify()
            return False
        updated = sync_folder(with_marker(files), self.state.root, self.written)
        recovered = self.state.error_page is not None
        self.state.error_page = None
        elapsed = (time.perf_counter() - started) * 1000
        noun = "bestand" if len(updated) == 1 else "bestanden"
        print(f"{verb} in {elapsed:.0f} ms ({len(updated)} {noun} gewijzigd{self._latency(changed)})", flush=True)
        if updated or recovered:
            self.notify()
        self.files = files
        return True

    def refresh_search(self) -> None:
        """Bring a deferred search index up to date (the watcher calls this when the editor pauses)."""
        files = self.files
        started = time.perf_counter()
        try:
            refreshed = self.builder.refresh_search()
        except ContentErrors as exc:
            for error in exc.errors:
                print(error.render(Path.cwd()), file=sys.stderr, flush=True)
            return
        if refreshed is None:
            return
        stale, fresh = refreshed
        files = {rel: data for rel, data in files.items() if rel not in stale} | fresh
        updated = sync_folder(with_marker(files), self.state.root, self.written)
        self.files = files
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("Search index refreshed in %.0f ms (%d files)", elapsed, len(updated))

    @staticmethod
    def _latency(changed: set[str] | None) -> str:
        """Time since the newest save in the burst: what the editor waits for, minus the reload."""
        if not changed:
            return ""
        mtimes = []
        for path in changed:
            with contextlib.suppress(OSError):
                mtimes.append(os.stat(path).st_mtime)
        if not mtimes:
            return ""
        return f", {(time.time() - max(mtimes)) * 1000:.0f} ms na het opslaan"
