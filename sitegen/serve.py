"""`python build.py serve`: a live preview that rebuilds on every save and never dies.

- A polling watcher (portable, no extra dependency) scans content/, templates/ and assets/ every
  POLL_SECONDS; a burst of changes (a `git checkout`) ends in ONE rebuild once the folders have been
  quiet for QUIET_SECONDS.
- Rebuilds run in that watcher thread, never in the IOLoop, so a request flood or a slow client cannot
  hold them up. They re-run the whole pipeline in-process with a memo kept in memory (sitegen/memo.py),
  and write only the files whose bytes changed into the preview folder.
- Tornado serves the preview folder with the livereload protocol (the `livereload` package's
  websocket and script handlers). Only regular files below the preview folder are served; anything
  else is a 404 with the site's own 404 page.
- Requests must name the preview by a loopback name (localhost, 127.0.0.1, [::1]) or the --host
  given in their Host header, and the live-reload websocket must come from a page of the preview
  itself (Origin): a web page the editor visits cannot read drafts through DNS rebinding.
- A content or template error never stops the server: every URL then answers with an error page
  (HTTP 500) that lists each error with file:line:col, source line, caret and hint, and reloads itself
  on the next save. The preview folder keeps the last good build meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import ipaddress
import logging
import mimetypes
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import ContentError, ContentErrors, source_line, summary_line
from .load import display_path
from .memo import Memo
from .options import BuildOptions
from .pipeline import build_files
from .search import index_pages
from .stores import MemoryStore
from .tree import State, is_folder, tree_state
from .write import OutputPathError, OutputRules, check_output_dir, sync_folder, with_marker

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.025
QUIET_SECONDS = 0.1
IDLE_SECONDS = 0.5  # deferred work (the search index) waits until the editor has paused this long
ERROR_STATUS = 500  # the error page answers 500: the site cannot be built as it stands
LIVERELOAD_TAG = '<script src="/livereload.js?port={port}"></script>'

Snapshot = dict[str, State]


# --- watching -----------------------------------------------------------------------------------


def is_ignored(name: str) -> bool:
    """Editor droppings and hidden files never trigger a rebuild (the loaders skip them too)."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913"


def scan(roots: Iterable[Path]) -> Snapshot:
    """The state of every file and link below the roots (sitegen.tree), editor droppings left out;
    folders are left out too, so that a swap file coming and going changes nothing."""
    return {path: state for path, state in tree_state(roots, skip=is_ignored) if not is_folder(state)}


def changed_paths(before: Snapshot, after: Snapshot) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


class Watcher(threading.Thread):
    """Polls the roots and calls `on_change(paths)` once per burst, in this thread; `on_idle()`
    once after a rebuild when nothing changed for IDLE_SECONDS."""

    def __init__(
        self, roots: list[Path], on_change: Callable[[set[str]], None], on_idle: Callable[[], None] = lambda: None
    ):
        super().__init__(name="preview-watcher", daemon=True)
        self.roots = roots
        self.on_change = on_change
        self.on_idle = on_idle
        self.stopped = threading.Event()

    def run(self) -> None:
        previous = scan(self.roots)
        pending: set[str] = set()
        last_change = 0.0
        idle_due = False
        while not self.stopped.wait(POLL_SECONDS):
            current = scan(self.roots)
            changed = changed_paths(previous, current)
            previous = current
            if changed:
                pending |= changed
                last_change = time.monotonic()
            elif pending and time.monotonic() - last_change >= QUIET_SECONDS:
                burst, pending, idle_due = pending, set(), True
                try:
                    self.on_change(burst)
                except Exception:  # the watcher must survive anything a rebuild throws
                    logger.exception("rebuild failed")
            elif idle_due and not pending and time.monotonic() - last_change >= IDLE_SECONDS:
                idle_due = False
                try:
                    self.on_idle()
                except Exception:
                    logger.exception("deferred work failed")


# --- building -----------------------------------------------------------------------------------


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


# --- the error page -------------------------------------------------------------------------------

_ERROR_CSS = """
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c2326;background:#fff}
main{max-width:60rem;margin:0 auto;padding:2rem 1.25rem}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 .75rem;color:#8a1c1c}
.lead{font-size:1.1rem;margin:0 0 1.5rem}
ol{padding-left:1.5rem}
li{margin:0 0 1.5rem}
h2{font-size:1rem;margin:0 0 .25rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{background:#f3f4f4;border-left:4px solid #8a1c1c;padding:.75rem 1rem;overflow-x:auto;margin:.5rem 0}
.caret{color:#8a1c1c;font-weight:bold}
.hint{margin:.25rem 0 0}
.note{border-top:1px solid #ccd0d2;padding-top:1rem;color:#3d474b}
"""


def error_page(errors: list[ContentError], root: Path, port: int) -> bytes:
    """One accessible Dutch page listing every error; it reloads itself on the next save."""
    count = len(errors)
    noun = "fout" if count == 1 else "fouten"
    items = []
    for error in errors:
        parts = [f"<h2><code>{html.escape(error.location)}</code></h2>", f"<p>{html.escape(error.message)}</p>"]
        source = source_line(root / error.path, error.line) if error.line else None
        if source is not None:
            shown = source.expandtabs(1)
            caret = " " * min(max(error.col - 1, 0), len(shown)) + "^"
            label = f"Regel {error.line} van {error.path}"
            parts.append(
                f'<pre aria-label="{html.escape(label)}">{html.escape(shown)}\n'
                f'<span class="caret" aria-hidden="true">{caret}</span></pre>'
            )
        if error.hint:
            parts.append(f'<p class="hint"><strong>Tip:</strong> {html.escape(error.hint)}</p>')
        items.append("<li>" + "".join(parts) + "</li>")
    page = f"""<!DOCTYPE html>
<html lang="nl-BE">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{count} {noun} in de inhoud · Voorbeeldweergave</title>
<style>{_ERROR_CSS}</style>
{LIVERELOAD_TAG.format(port=port)}
</head>
<body>
<main>
<h1>De site kan niet gebouwd worden: {count} {noun}</h1>
<p class="lead">Verbeter {"de fout" if count == 1 else "de fouten"} hieronder en sla het bestand op.
Deze pagina laadt dan vanzelf opnieuw.</p>
<ol>
{chr(10).join(items)}
</ol>
<p class="note">Dit is de voorbeeldweergave van <code>python build.py serve</code>. Zolang er fouten zijn, toont
elk adres deze lijst. De gepubliceerde site verandert niet.</p>
</main>
</body>
</html>
"""
    return page.encode("utf-8")


# --- serving ---------------------------------------------------------------------------------------


def resolve_request(root: Path, raw_path: str) -> Path | str | None:
    """The file a request path names below root, a path to redirect to (folder without
    trailing slash), or None: for traversal, encoded or not, and anything outside root."""
    path = unquote(raw_path)
    if "\x00" in path or "\\" in path:
        return None
    parts = [part for part in path.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return None
    real_root = os.path.realpath(root)
    candidate = os.path.realpath(os.path.join(real_root, *parts))
    if candidate != real_root and not candidate.startswith(real_root + os.sep):
        return None
    if os.path.isdir(candidate):
        if not path.endswith("/"):
            return "/" + "".join(f"{part}/" for part in parts)
        candidate = os.path.realpath(os.path.join(candidate, "index.html"))
        if not candidate.startswith(real_root + os.sep):
            return None
    if not os.path.isfile(candidate):
        return None
    return Path(candidate)


_HOST_HEADER = re.compile(r"(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]/@\s]+))(?::(\d{1,5}))?")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})
FOREIGN_HOST = (
    b"Geweigerd: deze voorbeeldserver antwoordt alleen op localhost, 127.0.0.1 of [::1] "
    b"(en op het adres dat je met --host opgaf).\n"
)


def host_name(host: str) -> str | None:
    """The name in a Host header ('name', 'name:port', '[v6]:port'), lowercase; None if malformed."""
    found = _HOST_HEADER.fullmatch(host.strip())
    if found is None or (found.group(3) is not None and int(found.group(3)) > 65535):
        return None
    return (found.group(1) or found.group(2)).lower().rstrip(".")


def is_allowed_host(name: str | None, listen_host: str) -> bool:
    """Loopback names and the --host given. Listening on every address (0.0.0.0, ::) is a choice
    for the local network: then IP addresses are accepted too, which DNS rebinding cannot forge
    (a rebinding page carries the attacker's host name, never an address)."""
    if not name:
        return False
    listen = listen_host.strip("[]").lower().rstrip(".")
    if name in LOOPBACK_NAMES or name == listen:
        return True
    if listen in _WILDCARD_ADDRESSES:
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True
    return False


def is_allowed_origin(origin: str | None, listen_host: str, port: int) -> bool:
    """A websocket may only be opened by a page of this preview (scheme, allowed host, port)."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/") or origin_port != port:
        return False
    return is_allowed_host(host_name(parts.netloc.rsplit("@", 1)[-1]), listen_host)


@dataclass
class PreviewState:
    root: Path
    port: int
    error_page: bytes | None = None
    host: str = "127.0.0.1"  # the --host the server listens on

    def accepts(self, host_header: str) -> bool:
        return is_allowed_host(host_name(host_header), self.host)

    def inject(self, body: bytes) -> bytes:
        tag = LIVERELOAD_TAG.format(port=self.port).encode()
        head_end = body.find(b"</head>")
        return body[:head_end] + tag + body[head_end:] if head_end >= 0 else body + tag


def make_app(state: PreviewState) -> Any:
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from tornado import web

    def refuse_foreign_host(handler: web.RequestHandler, *, need_origin: bool = False) -> None:
        headers = handler.request.headers
        # Tornado checks a websocket's Origin only when there is one: browsers always send it.
        if not state.accepts(headers.get("Host", "")) or (need_origin and "Origin" not in headers):
            logger.warning("Refused a request for host %r", headers.get("Host", ""))
            handler.set_status(403)
            handler.set_header("Content-Type", "text/plain; charset=utf-8")
            handler.finish(FOREIGN_HOST)

    class ReloadSocket(LiveReloadHandler):
        def prepare(self) -> None:
            refuse_foreign_host(self, need_origin=True)

        def check_origin(self, origin: str) -> bool:
            return is_allowed_origin(origin, state.host, state.port)

    class ReloadScript(LiveReloadJSHandler):
        def prepare(self) -> None:
            refuse_foreign_host(self)

    class PreviewHandler(web.RequestHandler):
        def set_default_headers(self) -> None:
            self.set_header("Cache-Control", "no-store")
            self.set_header("X-Content-Type-Options", "nosniff")

        def prepare(self) -> None:
            refuse_foreign_host(self)

        def get(self, *_: str) -> None:
            self._respond(include_body=True)

        def head(self, *_: str) -> None:
            self._respond(include_body=False)

        def _respond(self, *, include_body: bool) -> None:
            if state.error_page is not None:
                self._send(ERROR_STATUS, "text/html; charset=utf-8", state.error_page, include_body)
                return
            target = resolve_request(state.root, self.request.path)
            if isinstance(target, str):
                self.redirect(target + (f"?{self.request.query}" if self.request.query else ""), permanent=False)
                return
            if target is not None:
                with contextlib.suppress(OSError):
                    self._send_file(200, target, include_body)
                    return
            missing = state.root / "404.html"
            if missing.is_file() and not missing.is_symlink():
                self._send_file(404, missing, include_body)
            else:
                self._send(404, "text/plain; charset=utf-8", b"Pagina niet gevonden\n", include_body)

        def _send_file(self, status: int, path: Path, include_body: bool) -> None:
            body = path.read_bytes()
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if kind == "text/html":
                body = state.inject(body)
            if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
                kind += "; charset=utf-8"
            self._send(status, kind, body, include_body)

        def _send(self, status: int, kind: str, body: bytes, include_body: bool) -> None:
            self.set_status(status)
            self.set_header("Content-Type", kind)
            self.set_header("Content-Length", str(len(body)))
            if include_body:
                self.write(body)
            self.finish()

    return web.Application(
        [
            (r"/livereload", ReloadSocket),
            (r"/livereload\.js", ReloadScript),
            (r"/.*", PreviewHandler),
        ],
        log_function=lambda handler: logger.debug(
            "%d %s %s", handler.get_status(), handler.request.method, handler.request.uri
        ),
        websocket_ping_interval=20,
    )


def reload_browsers() -> int:
    """Tell every connected page to reload itself (runs on the IOLoop)."""
    from livereload.handlers import LiveReloadHandler
    from tornado.websocket import WebSocketClosedError

    message = {"command": "reload", "path": "/", "liveCSS": False, "liveImg": False}
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except WebSocketClosedError:
            LiveReloadHandler.waiters.discard(waiter)
    return len(LiveReloadHandler.waiters)


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


def serve(
    options: BuildOptions, output: Path, *, host: str, port: int, rules: OutputRules, publish_dir: Path | None = None
) -> int:
    """Build with `options` into `output` and serve it until Ctrl+C, rebuilding on every save.
    Exit 2 for an unusable preview folder or address."""
    from tornado import netutil
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    shown_output = output
    output = output.absolute()
    watched = [options.content_dir.absolute(), options.templates_dir.absolute(), options.assets_dir.absolute()]
    try:
        check_output_dir(output, replace(rules, protected=(*rules.protected, *watched)))
        if publish_dir is not None and output.resolve() == publish_dir.resolve():
            raise OutputPathError(
                f"{shown_output} is de gepubliceerde site en de voorbeeldweergave bevat concepten; kies een andere map"
            )
    except OutputPathError as exc:
        print(f"build.py serve: {exc}", file=sys.stderr)
        return 2
    try:
        sockets = netutil.bind_sockets(port, address=host)
    except OSError as exc:
        print(f"build.py serve: kan niet luisteren op {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 2
    port = sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    options = replace(options, base_url=url)  # only the server knows its address (port 0: a free one)
    loop = IOLoop.current()
    state = PreviewState(output, port, host=host)
    preview = Preview(options, state, lambda: loop.add_callback(reload_browsers))
    preview.rebuild()
    server = HTTPServer(make_app(state), idle_connection_timeout=60, body_timeout=30)
    server.add_sockets(sockets)
    watcher = Watcher(watched, preview.rebuild, preview.refresh_search)
    watcher.start()
    print(f"Voorbeeld (met concepten) op {url} — map {display_path(output)}; stoppen met Ctrl+C", flush=True)
    try:
        loop.start()
    except KeyboardInterrupt:
        print("Gestopt.")
    finally:
        watcher.stopped.set()
        server.stop()
        watcher.join(timeout=30)  # a rebuild under way finishes its write: no temporary file is left
    return 0
