"""HTTP: the preview folder over Tornado with live reload, for this machine (or --host) only."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import mimetypes
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

ERROR_STATUS = 500  # the error page answers 500: the site cannot be built as it stands
LIVERELOAD_TAG = '<script src="/livereload.js?port={port}"></script>'


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
