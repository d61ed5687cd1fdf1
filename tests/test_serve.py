"""`build.py serve` against a real server on a free port, with real HTTP requests.

One server runs for the whole module, on a copy of the shipped content/, templates/ and assets/;
each test leaves that copy valid again. Rebuilds are counted by their log lines ("Herbouwd in …",
"Herbouwen mislukt in …"). Timings are printed (pytest -s), never asserted.

The error page answers HTTP 500 on every URL (see sitegen/preview/http.py, ERROR_STATUS).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.errors import ContentError
from sitegen.pipeline import BuildOptions, build_files
from sitegen.preview.builder import PreviewBuilder
from sitegen.preview.errorpage import error_page
from sitegen.preview.watch import changed_paths, scan
from sitegen.write import sync_folder

ROOT = Path(__file__).resolve().parent.parent
REBUILD = re.compile(r"^Herbouw(d in|en mislukt in) (\d+) ms")
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/")
SITE_DIRS = ("content", "templates", "assets")
# A new article, written here: the tests do not depend on which articles the content has today.
NEW_ARTICLE = (
    "---\ntitle: Concept in voorbeeld\ntype: news\ndate: 2024-01-01\nsummary: Nog niet klaar.\ndraft: true\n---\n"
    "Tekst van het concept.\n"
)


def summary_edit(text: str, words: str) -> tuple[str, str]:
    """(old, new) that put `words` in front of a file's summary, quoted or not."""
    quoted = re.search(r"^summary: ([\"'])", text, re.MULTILINE)
    old = f"summary: {quoted.group(1)}" if quoted else "summary: "
    return old, f"{old}{words} "


def content_files(site: Path, folder: str) -> list[Path]:
    """The content files of one folder (igs, articles, pages), sorted: tests pick by position, not name."""
    return sorted((site / "content" / folder).glob("*.*"))


class Server:
    def __init__(self, site: Path):
        self.site = site
        self.preview = site / "preview"
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-u", str(ROOT / "build.py"), "serve", "--port", "0",
             *(f"--{name}={site / name}" for name in SITE_DIRS), f"--output={self.preview}"],
            cwd=site,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        match = self.wait_for(URL, 0, timeout=90)
        self.port = int(match.group(1))

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: re.Pattern[str], start: int, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if match := pattern.search(line):
                    return match
            assert self.proc.poll() is None, "server died:\n" + "\n".join(self.lines)
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern.pattern!r}; output:\n" + "\n".join(self.lines))

    def rebuilds(self, start: int) -> list[str]:
        return [line for line in self.lines[start:] if REBUILD.search(line)]

    def change(self, action, timeout: float = 30) -> str:  # type: ignore[no-untyped-def]
        """Run `action` (which edits the site) and wait for the one rebuild it causes."""
        start = len(self.lines)
        saved = time.monotonic()
        action()
        self.wait_for(REBUILD, start, timeout)
        line = self.rebuilds(start)[0]
        print(f"{line}  [save → log line: {(time.monotonic() - saved) * 1000:.0f} ms]")
        return line

    def get(self, path: str, method: str = "GET") -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path)  # sent as is: no normalisation of '..'
            response = connection.getresponse()
            return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = tmp_path_factory.mktemp("site")
    for name in SITE_DIRS:
        shutil.copytree(ROOT / name, site / name)
    running = Server(site)
    yield running
    running.proc.terminate()
    running.proc.wait(timeout=10)
    running.reader.join(timeout=10)
    assert running.proc.stdout is not None
    running.proc.stdout.close()


def rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_serves_pages_with_livereload_and_preview_banner(server: Server) -> None:
    assert any("127.0.0.1" in line for line in server.lines)  # never 0.0.0.0 unless --host says so
    status, body, headers = server.get("/")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert f'<script src="/livereload.js?port={server.port}"></script></head>'.encode() in body
    assert b'class="preview-banner"' in body
    slug = content_files(server.site, "igs")[0].stem
    assert server.get(f"/igs/{slug}/")[0] == 200
    status, _, headers = server.get(f"/igs/{slug}")
    assert (status, headers["location"]) == (302, f"/igs/{slug}/")
    status, body, _ = server.get("/livereload.js")
    assert status == 200 and b"LiveReload" in body
    assert server.get("/", method="HEAD")[0] == 200
    assert (server.preview / "index.html").is_file()
    assert not (ROOT / "output" / ".cache").exists()


def test_missing_page_gets_the_site_404_page(server: Server) -> None:
    status, body, _ = server.get("/bestaat-niet/")
    assert status == 404
    assert b"Pagina niet gevonden" in body and b"livereload.js" in body


@pytest.mark.parametrize(
    "path",
    [
        "/../content/site.yaml",
        "/%2e%2e/content/site.yaml",
        "/%2E%2E/content/site.yaml",
        "/..%2fcontent/site.yaml",
        "/%2e%2e%2fcontent%2fsite.yaml",
        "/igs/../../content/site.yaml",
        "/..%5ccontent%5csite.yaml",
        "//content/site.yaml",
        "/content/site.yaml%00.html",
        "ABSOLUTE",
    ],
)
def test_paths_outside_the_preview_folder_are_404(server: Server, path: str) -> None:
    if path == "ABSOLUTE":
        path = (server.site / "content" / "site.yaml").as_posix()
    status, body, _ = server.get(path)
    assert status == 404
    assert b"base_url" not in body and b"Pagina niet gevonden" in body


def test_symlinks_leading_outside_are_404(server: Server) -> None:
    (server.preview / "lek.yaml").symlink_to(server.site / "content" / "site.yaml")
    (server.preview / "lekmap").symlink_to(server.site / "content", target_is_directory=True)
    try:
        for path in ("/lek.yaml", "/lekmap/site.yaml", "/lekmap/"):
            status, body, _ = server.get(path)
            assert status == 404, path
            assert b"base_url" not in body
    finally:
        (server.preview / "lek.yaml").unlink()
        (server.preview / "lekmap").unlink()


def test_syntax_error_shows_error_page_then_recovers(server: Server) -> None:
    igs_file = content_files(server.site, "igs")[0]
    shown_path = f"content/igs/{igs_file.name}"
    good = igs_file.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    bad = "".join([*lines[:2], "tagline: [niet gesloten\n", *lines[2:]])
    line = server.change(lambda: rewrite(igs_file, bad))
    assert line.startswith("Herbouwen mislukt")
    # On the terminal: "content/igs/<name>.yaml:LINE:COL: message", the source line, the caret.
    shown = [row for row in server.lines if row.startswith(f"{shown_path}:")]
    assert shown
    location = re.match(rf"{re.escape(shown_path)}:\d+(:\d+)?", shown[-1])
    assert location is not None
    for path in ("/", f"/igs/{igs_file.stem}/", "/om-het-even/waar"):
        status, body, headers = server.get(path)
        assert status == 500, path
        text = body.decode()
        assert f"<code>{location.group(0)}</code>" in text
        assert '<span class="caret" aria-hidden="true">' in text
        assert '<html lang="nl-BE">' in text and "<h1>" in text
        assert f"/livereload.js?port={server.port}" in text
        assert headers["content-type"] == "text/html; charset=utf-8"
    assert server.proc.poll() is None

    line = server.change(lambda: rewrite(igs_file, good))
    assert line.startswith("Herbouwd in")
    status, body, _ = server.get(f"/igs/{igs_file.stem}/")
    assert status == 200 and b"niet gebouwd" not in body


def test_new_article_appears_and_deleted_article_is_gone(server: Server) -> None:
    new_file = server.site / "content" / "articles" / "concept-in-voorbeeld.md"
    server.change(lambda: rewrite(new_file, NEW_ARTICLE))
    status, body, _ = server.get("/verhalen/concept-in-voorbeeld/")
    assert status == 200 and b"Concept in voorbeeld" in body  # drafts are in the preview
    assert b"concept-in-voorbeeld" in server.get("/verhalen/")[1]

    server.change(new_file.unlink)
    status, body, _ = server.get("/verhalen/concept-in-voorbeeld/")
    assert status == 404 and b"Pagina niet gevonden" in body
    assert not (server.preview / "verhalen" / "concept-in-voorbeeld").exists()


def test_a_burst_of_30_changed_files_gives_one_rebuild(server: Server) -> None:
    files = [*content_files(server.site, "igs"), *content_files(server.site, "pages")]
    files += sorted((server.site / "templates").glob("*"))
    files = [f for f in files if f.is_file()][:30]
    assert len(files) == 30
    data = [path.read_bytes() for path in files]
    start = len(server.lines)
    for path, new in zip(files, data, strict=True):  # what a git checkout does: new bytes (here the same) and times
        path.write_bytes(new)
    server.wait_for(REBUILD, start)
    time.sleep(1.0)  # room for a second (wrong) rebuild to show up
    assert len(server.rebuilds(start)) == 1, server.lines[start:]


def test_request_flood_and_slow_client_do_not_stop_a_rebuild(server: Server) -> None:
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finishes its request
    igs_file = content_files(server.site, "igs")[-1]
    good = igs_file.read_text(encoding="utf-8")
    stop = threading.Event()

    def hammer(_: int) -> int:
        done = 0
        while not stop.is_set() and done < 25:
            assert server.get("/")[0] == 200
            done += 1
        return done

    try:
        with ThreadPoolExecutor(max_workers=200) as pool:
            results = [pool.submit(hammer, i) for i in range(200)]
            time.sleep(0.3)
            edited = good.replace(*summary_edit(good, "Overspoeld maar herbouwd."), 1)
            line = server.change(lambda: rewrite(igs_file, edited), timeout=30)
            stop.set()
            total = sum(r.result() for r in results)
        assert line.startswith("Herbouwd in")
        assert total >= 200
        assert b"Overspoeld maar herbouwd." in server.get(f"/igs/{igs_file.stem}/")[1]
    finally:
        slow.close()
        server.change(lambda: rewrite(igs_file, good))


# --- in-process parts ------------------------------------------------------------------------------


def test_cached_rebuilds_equal_a_fresh_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SITE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"), "http://127.0.0.1:8000/", True)
    builder = PreviewBuilder(options)
    builder.build()
    article, igs = content_files(tmp_path, "articles")[0], content_files(tmp_path, "igs")[0]
    edits = [
        (f"content/igs/{igs.name}", *summary_edit(igs.read_text(encoding="utf-8"), "Nieuw.")),
        (f"content/articles/{article.name}", "\n---\n", "\n---\nEen nieuwe eerste zin.\n\n"),
        ("assets/style.css", "body", "body "),
    ]
    for rel, old, new in edits:
        path = tmp_path / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        cached = builder.build()
        assert sum(hits for hits, _ in builder.memo.finished.values()) > 0  # the memo was used, not bypassed
        fresh = build_files(options)[1]
        # Pagefind's index differs between any two builds; the preview refreshes it after a reload.
        cached, fresh = ({k: v for k, v in files.items() if not k.startswith("pagefind/")} for files in (cached, fresh))
        assert cached.keys() == fresh.keys()
        assert [k for k in fresh if cached[k] != fresh[k]] == [], rel


def test_the_first_rebuild_takes_the_map_data_of_the_first_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map data the first build made (its script drawn on another core) is the first rebuild's
    while no IGS changed, not made again from what the memo keeps of it, with a fresh build's bytes."""
    from sitegen import pipeline

    for name in SITE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    made = []
    build_map_data = pipeline.build_map_data

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(build_map_data(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(pipeline, "build_map_data", counted)
    options = BuildOptions(Path("content"), Path("templates"), Path("assets"), "http://127.0.0.1:8000/", True)
    builder = PreviewBuilder(options)
    builder.build()
    article = content_files(tmp_path, "articles")[0]
    article.write_text(article.read_text(encoding="utf-8") + "\nEen nieuwe alinea.\n", encoding="utf-8")
    cached = builder.build()
    assert len(made) == 2 and made[1] is made[0]
    fresh = build_files(options)[1]
    cached, fresh = ({k: v for k, v in files.items() if not k.startswith("pagefind/")} for files in (cached, fresh))
    assert cached.keys() == fresh.keys()
    assert [k for k in fresh if cached[k] != fresh[k]] == []


def test_sync_folder_writes_only_changes_and_removes_strays(tmp_path: Path) -> None:
    root = tmp_path / "preview"
    outside = tmp_path / "geheim"
    outside.mkdir()
    (outside / "x.txt").write_text("geheim")
    known: dict[str, bytes] = {}
    assert sync_folder({"a.html": b"a", "b/index.html": b"b"}, root, known) == ["a.html", "b/index.html"]
    before = os.stat(root / "a.html").st_mtime_ns
    (root / "stray.txt").write_text("x")
    (root / "b" / "link").symlink_to(outside, target_is_directory=True)
    changed = sync_folder({"a.html": b"a", "b/index.html": b"B", "c.css": b"c"}, root, known)
    assert changed == ["b/index.html", "b/link", "c.css", "stray.txt"]
    assert os.stat(root / "a.html").st_mtime_ns == before
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["a.html", "b", "b/index.html", "c.css"]
    assert (outside / "x.txt").read_text() == "geheim"
    assert sync_folder({"c.css": b"c"}, root, known) == ["a.html", "b/index.html"]
    assert not (root / "b").exists()


def test_the_watcher_sees_saves_and_links_but_not_editor_droppings(tmp_path: Path) -> None:
    articles = tmp_path / "content" / "articles"
    articles.mkdir(parents=True)
    page = articles / "a.md"
    page.write_text("a")
    before = scan([tmp_path / "content"])
    assert list(before) == [str(page)]  # files only: a folder's mtime moves with every swap file
    (articles / ".a.md.swp").write_text("x")
    (articles / "a.md~").write_text("x")
    (articles / "4913").write_text("")
    (tmp_path / "content" / ".git").mkdir()
    (tmp_path / "content" / ".git" / "HEAD").write_text("x")
    assert changed_paths(before, scan([tmp_path / "content"])) == set()
    (articles / "a.md.tmp").write_text("a")
    os.replace(articles / "a.md.tmp", page)  # save by rename: same bytes, new inode
    after = scan([tmp_path / "content"])
    assert changed_paths(before, after) == {str(page)}
    (articles / "b.md").symlink_to(tmp_path / "elders.md")  # dangling: the build will say so
    assert changed_paths(after, scan([tmp_path / "content"])) == {str(articles / "b.md")}


def test_error_page_is_valid_accessible_dutch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "x.yaml").write_text("naam: <b>\n\tprovincie: West\n", encoding="utf-8")
    errors = [
        ContentError("onbekend veld 'naam'", "content/x.yaml", 1, 1, "bedoelde je 'name'?"),
        ContentError("tab <niet> toegestaan", "content/x.yaml", 2, 2),
        ContentError("zonder plaats", "content/y.yaml"),
    ]
    page = error_page(errors, tmp_path, 8123).decode()

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.seen: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.seen.append(tag)
            if tag not in ("meta", "br", "link", "!doctype"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack.pop() == tag

    checker = Checker()
    checker.feed(page)
    assert checker.stack == []
    assert checker.seen.count("h1") == 1 and checker.seen.count("li") == 3 and "main" in checker.seen
    assert '<html lang="nl-BE">' in page and "3 fouten" in page
    assert "<code>content/x.yaml:1:1</code>" in page and "naam: &lt;b&gt;" in page
    assert "tab &lt;niet&gt; toegestaan" in page and "<b>" not in page
    assert '\n<span class="caret" aria-hidden="true"> ^</span>' in page  # tab shown as one space
    assert "<strong>Tip:</strong> bedoelde je &#x27;name&#x27;?" in page
    assert '<script src="/livereload.js?port=8123"></script>' in page
