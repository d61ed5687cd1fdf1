"""`python build.py serve`: the live preview, a thin server around the same build as `build`.

Each module one job:
- watch.py: the watcher of content/, templates/ and assets/: the operating system's file events,
  on Linux through inotify itself (a save is seen within milliseconds; an idle server blocks and is
  never woken), elsewhere through `watchfiles`, or where those cannot be had a polling scan with
  the one tree scanner (sitegen/tree.py), spaced by its own cost; a burst of changes (a `git
  checkout`) ends in ONE rebuild once the folders are quiet for a moment, and a save made during
  the first build or a rebuild is never missed.
- loop.py: the rebuild loop. Rebuilds run in the watcher's thread, never in the IOLoop, so a
  request flood or a slow client cannot hold them up. They run the build of the CLI
  (`pipeline.render_files`, then `pipeline.complete_files`) with a memo kept in memory
  (sitegen/memo.py, builder.py): the rendered pages are written (what changed) and the browsers
  reload before the social cards (a page only names its card for other sites), the link check and
  the header policy are made (a broken link then shows the error page, and the folder gets the
  last good build back; the last build's cards stay until the new ones are written); what waits
  until the editor pauses: the search
  index (builder.py), a walk of the folder (folder.py) and the garbage collection. The heap of the
  first build is frozen (gc.freeze): it lives as long as the server, and no collection walks it again.
- folder.py: the preview folder. A rebuild compares its files with what it wrote last, in memory,
  and writes (atomically) only the files that differ and removes only those that are gone.
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
