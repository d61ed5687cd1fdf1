"""`serve()`: check the folder, bind the address, build once, then serve, watch and rebuild until Ctrl+C."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from ..load import display_path
from ..options import BuildOptions
from ..write import OutputPathError, OutputRules, check_output_dir
from .http import PreviewState, make_app, reload_browsers
from .loop import Preview
from .watch import Watcher, scan


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
    watcher = Watcher(watched, preview.rebuild, preview.idle)
    before = scan(watched)  # no thread runs during the first build (it forks workers)
    preview.rebuild()
    server = HTTPServer(make_app(state), idle_connection_timeout=60, body_timeout=30)
    server.add_sockets(sockets)
    watcher.start(since=before)  # a save made during the first build: a rebuild follows at once
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
