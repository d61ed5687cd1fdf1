"""`python build.py serve`: the live preview, a thin server around the same build as `build`.

Each module one job:
- watch.py: a polling watcher (portable, no extra dependency) scans content/, templates/ and assets/
  every POLL_SECONDS with the one tree scanner (sitegen/tree.py); a burst of changes (a `git
  checkout`) ends in ONE rebuild once the folders have been quiet for QUIET_SECONDS.
- rebuild.py: the rebuild loop. Rebuilds run in the watcher's thread, never in the IOLoop, so a
  request flood or a slow client cannot hold them up. They run `pipeline.build_files`, the build of
  the CLI, with a memo kept in memory (sitegen/memo.py), and let sitegen/write.py sync the preview
  folder in place (only the files whose bytes changed are written).
- http.py: Tornado serves the preview folder with the livereload protocol (the `livereload`
  package's websocket and script handlers). Only regular files below the preview folder are served;
  anything else is a 404 with the site's own 404 page. Requests must name the preview by a loopback
  name (localhost, 127.0.0.1, [::1]) or the --host given in their Host header, and the live-reload
  websocket must come from a page of the preview itself (Origin): a web page the editor visits
  cannot read drafts through DNS rebinding.
- errorpage.py: a content or template error never stops the server: every URL then answers with an
  error page (HTTP 500) that lists each error with file:line:col, source line, caret and hint, and
  reloads itself on the next save. The preview folder keeps the last good build meanwhile.
- server.py: `serve()` wires them: check the folder, bind the address, build once, serve and watch.

No build stage imports this package (tests/test_imports.py).
"""
