"""The rebuild loop: build, sync the preview folder or show the errors, reload the browsers."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

from ..errors import ContentError, ContentErrors, summary_line
from ..options import BuildOptions
from .builder import PreviewBuilder
from .errorpage import error_page
from .folder import PreviewFolder
from .http import PreviewState

logger = logging.getLogger(__name__)


class Preview:
    """The rebuild loop: build, sync the folder or show the errors, reload the browsers."""

    def __init__(self, options: BuildOptions, state: PreviewState, notify: Callable[[], None]):
        self.builder = PreviewBuilder(options)
        self.state = state
        self.notify = notify
        self.folder = PreviewFolder(state.root)
        self.files: Mapping[str, bytes] = {}  # the last good build
        self.completed: Collection[str] = ()  # the files its completion added (search index, header policy)
        self.frozen = False  # the heap of the first good build is out of the collector's sight
        self.put_off = False  # a rebuild turned the collector off until the editor pauses

    def rebuild(self, changed: set[str] | None = None) -> bool:
        """Build, show the new pages (the browsers reload), then complete the build: the social
        cards, the link check, the search index (deferred further, see builder.py) and the header
        policy come after the reload. A broken link found then shows the error page as any other content error, and the
        folder gets the last good build back."""
        started = time.perf_counter()
        if self.frozen:
            # A rebuild's garbage is collected when the editor pauses (idle), not between the save and
            # the reload: at 10,000 articles the collector stopped a rebuild three to four times.
            self._collect()  # what an earlier rebuild left, when the editor did not pause since
            self.put_off = gc.isenabled()
            gc.disable()
        try:
            rendered = self.builder.render(changed)
        except Exception as exc:
            return self._failed(exc, changed, started)
        # The reload: the new pages, beside the last good build's search index and header policy.
        updated = self.folder.update(rendered.files, keep=self.completed)
        recovered = self.state.error_page is not None
        self.state.error_page = None
        if updated or recovered:
            self.notify()
        reloaded = time.perf_counter()
        latency = self._latency(changed)
        shown = set(rendered.files)  # completing adds to the same files
        try:
            files = self.builder.complete(rendered)
        except Exception as exc:
            if self.files:
                self.folder.update(self.files)  # the last good build, while the errors show
            return self._failed(exc, changed, started)
        added = set(files).difference(shown)
        updated += self.folder.update_part(files, added)
        self.files, self.completed = files, added
        done = time.perf_counter()
        verb = "Gebouwd" if changed is None else "Herbouwd"
        noun = "bestand" if len(updated) == 1 else "bestanden"
        print(
            f"{verb} in {(reloaded - started) * 1000:.0f} ms ({len(updated)} {noun} gewijzigd{latency}; "
            f"deelafbeeldingen, links en headers daarna in {(done - reloaded) * 1000:.0f} ms)",
            flush=True,
        )
        if not self.frozen:
            # The first good build's heap (the memo: every record, page and card) lives as long as
            # the server. Frozen, no later collection walks it again: at 10,000 articles a full
            # collection of it takes longer than a whole rebuild should.
            gc.collect()
            gc.freeze()
            self.frozen = True
        return True

    def _failed(self, exc: Exception, changed: set[str] | None, started: float) -> bool:
        """Show the errors of a failed build (content errors, or a bug in a stage: the preview stays up)."""
        if isinstance(exc, ContentErrors):
            errors = list(exc.errors)
        else:
            traceback.print_exception(exc)
            errors = [ContentError(f"interne fout van de generator: {type(exc).__name__}: {exc}", "build.py")]
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

    def idle(self, saved: Callable[[], bool] = lambda: False) -> None:
        """What waits until the editor pauses (the watcher's idle call): the search index, then a walk
        of the folder that repairs what something else did to it. A step is left for the next pause
        when `saved()` says a save is waiting (at 10,000 articles the walk takes a second)."""
        self._collect()
        if self.state.error_page is None:  # the error page shows; the next good build indexes anew
            if not saved():
                self.refresh_search()
            if not saved():
                self.folder.check_due()

    def refresh_search(self) -> None:
        """Bring a deferred search index up to date."""
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
        updated = self.folder.update_part(files, fresh, stale)
        self.files, self.completed = files, (set(self.completed) - stale) | fresh.keys()
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("Search index refreshed in %.0f ms (%d files)", elapsed, len(updated))

    def _collect(self) -> None:
        """The collection a rebuild put off (the collector is off from a rebuild's start until then)."""
        if self.put_off:
            self.put_off = False
            gc.enable()
            gc.collect(1)

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
