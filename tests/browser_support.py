"""What the browser tests share: finding Chromium, node and playwright-core, and serving a folder.

playwright-core is looked for in $SITE_CHECK_NODE_MODULES, else in the cache of the shared
site-check tools ($SITE_CHECK_CACHE, default ~/.cache/site-check-tools, then node/node_modules),
which `../shared/tools/setup` fills. Tests skip when any of the three is missing.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent / "browser"


def node_modules() -> Path:
    if os.environ.get("SITE_CHECK_NODE_MODULES"):
        return Path(os.environ["SITE_CHECK_NODE_MODULES"])
    cache = Path(os.environ.get("SITE_CHECK_CACHE") or Path.home() / ".cache" / "site-check-tools")
    return cache / "node" / "node_modules"


def run_script(script: str, *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    """Run tests/browser/<script> with node; skips the test when the browser tools are missing."""
    chromium = os.environ.get("CHROME_BIN") or shutil.which("chromium") or shutil.which("chromium-browser")
    node = shutil.which("node")
    modules = node_modules()
    if not chromium or not node or not (modules / "playwright-core").is_dir():
        pytest.skip("needs chromium, node and playwright-core (run the shared tools' setup)")
    env = dict(os.environ, SITE_CHECK_NODE_MODULES=str(modules), CHROME_BIN=chromium)
    return subprocess.run(
        [node, str(SCRIPTS / script), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 on a free port; yields the base URL (ending in '/')."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
