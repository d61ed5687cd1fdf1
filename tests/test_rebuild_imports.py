"""What a rebuild after one story's text was edited imports: nothing it does not use. Each build runs
in a process of its own (as the CLI does), which reports the watched modules it ended up holding."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE

# A build that draws nothing new and forks no pool imports none of these: Pagefind's Python service
# (it loads asyncio and ssl) and its binary's package (it loads platform; the binary is found
# without either), multiprocessing (only a pool uses it) and Pillow's drawing modules (only a social
# card drawn uses them; its key does not), nor zipfile (importlib.resources' readers import it).
NOT_FOR_A_REBUILD = (
    *("asyncio", "ssl", "pagefind.service", "pagefind_bin", "platform"),
    *("multiprocessing", "PIL.Image", "PIL.ImageFont", "zipfile"),
)
PAGEFIND_PACKAGES = ("pagefind_bin", "pagefind_bin_extended", "platform")

_BUILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import build
code = build.main(sys.argv[3:])
print(json.dumps([code, sorted(name for name in json.loads(sys.argv[2]) if name in sys.modules)]))
"""


def _build_imports(content: Path, tmp_path: Path, watched: tuple[str, ...]) -> list[str]:
    argv = ["build", "--content", str(content), "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    done = subprocess.run(
        [sys.executable, "-c", _BUILD, str(ROOT), json.dumps(watched), *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    code, found = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0
    return found


def test_a_rebuild_after_a_story_edit_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    # A cold build draws the cards (the first ones in this process, as every small pmap does).
    assert {"PIL.Image", "PIL.ImageFont"} <= set(_build_imports(content, tmp_path, NOT_FOR_A_REBUILD))
    story = content / "articles" / "project-x.md"
    story.write_text(story.read_text(encoding="utf-8").rstrip("\n") + "\n\nBewerkt.\n", encoding="utf-8")
    assert _build_imports(content, tmp_path, (*NOT_FOR_A_REBUILD, "sitegen.search")) == ["sitegen.search"]


_AHEAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import build
from sitegen import fingerprint, write
fingerprint.RACY_WINDOW_NS = 0  # the no-op check trusts a stat at once: nothing is edited while a build runs
started = []  # for each look-ahead started: whether the stages were imported by then

class Ahead(write.Lookahead):
    def __init__(self, output):
        started.append("sitegen.pipeline" in sys.modules)
        super().__init__(output)

build.Lookahead = Ahead
print(json.dumps([build.main(sys.argv[2:]), started]))
"""


def test_the_look_ahead_starts_before_the_stages_are_imported(tmp_path: Path) -> None:
    """The write stage's look at the spare (write.Lookahead) runs on the other core while this one
    imports the stages, where it is otherwise idle; a no-op build starts none."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    argv = ["build", "--content", str(content), "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]

    def started() -> list[bool]:
        done = subprocess.run(
            [sys.executable, "-c", _AHEAD, str(ROOT), *argv], capture_output=True, text=True, check=False, cwd=tmp_path
        )
        code, found = json.loads(done.stdout.strip().splitlines()[-1])
        assert code == 0, done.stderr
        return found

    assert started() == [False]  # a cold build: no spare to look at yet, the same moment
    story = content / "articles" / "project-x.md"
    story.write_text(story.read_text(encoding="utf-8").rstrip("\n") + "\n\nBewerkt.\n", encoding="utf-8")
    assert started() == [False]
    assert started() == []  # nothing changed since


def test_a_rebuild_that_indexes_a_delta_does_not_import_pagefinds_package(tmp_path: Path) -> None:
    """A rebuild of a site large enough for a delta bundle runs Pagefind in this process (a cold
    build runs it in a forked child): the binary is found beside its package, which is not imported."""
    content = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", content)
    for i in range(40):  # a shard of more than 1 / search.DELTA_SHARE pages: its edits go to the delta
        (content / "articles" / f"bericht-{i:02d}.md").write_text(
            f"---\ntitle: Bericht {i}\ntype: news\ndate: 2021-05-04\nsummary: Een bericht.\n---\nTekst {i}.\n",
            encoding="utf-8",
        )
    _build_imports(content, tmp_path, PAGEFIND_PACKAGES)
    story = content / "articles" / "bericht-07.md"
    story.write_text(story.read_text(encoding="utf-8") + "\nBewerkt.\n", encoding="utf-8")
    assert _build_imports(content, tmp_path, (*PAGEFIND_PACKAGES, "sitegen.search")) == ["sitegen.search"]
    assert (tmp_path / "out" / "pagefind" / "deel-delta").is_dir()


_DRAW_MAP = """
import hashlib, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from sitegen import mapview
from sitegen.geometry import load_topology
from sitegen.pipeline import BuildOptions, load_and_validate
from sitegen.register import load_register

root, content = Path(sys.argv[1]), Path(sys.argv[2])
site = load_and_validate(BuildOptions(content, root / "templates", root / "assets"))
register, topology = load_register(content, root), load_topology(content, root)
units = mapview.igs_units(site, register, topology)
if sys.argv[3] == "child":
    mapview._import_folium()  # as the child that draws the map does first (mapview.draw_ahead)
else:
    import numpy, requests  # noqa: F401 (Folium with what it imports)
script = mapview.map_script(site, register, topology, units, mapview.assign_colours(site, units, topology))
imported = sorted(name for name in ("numpy.linalg", "urllib3", "http.client", "xyzservices.lib") if name in sys.modules)
imported += ["branca.colormap"] if "_schemes" in vars(sys.modules["branca.colormap"]) else []
import folium, jinja2  # noqa: E401, E402
unused = type(folium.raster_layers.TileLayer._template).__name__  # (the map has no tile layer of Folium's)
jinja_as_it_was = isinstance(jinja2.Template("{{ 6 * 7 }}"), jinja2.Template)
import requests  # noqa: E402 (after the drawing: the first read imports the real module)
reads = requests.get.__module__
scale = type(folium.LinearColormap(["#000000", "#ffffff"])).__module__  # made: the real one
drawn = hashlib.sha256(script.encode()).hexdigest()
kinds = [type(sys.modules[name]).__name__ for name in ("requests", "branca.colormap")]
print(json.dumps([drawn, imported, unused, jinja_as_it_was, reads, scale, kinds]))
"""


def _draw_map(how: str) -> list[object]:
    done = subprocess.run(
        [sys.executable, "-c", _DRAW_MAP, str(ROOT), str(SAMPLE / "content"), how],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_map_is_drawn_without_importing_requests_or_numpy() -> None:
    """Folium imports `requests` (and urllib3 with it) for GeoJSON given as an address, which the map
    never is, numpy to ask whether a value is an array, which none is, urllib.request (http.client)
    for a script branca would embed, xyzservices for tile providers by name and branca's colour
    scales, none of which the map has: the child that draws the map imports none of them, compiles
    only the templates of Folium's that the map renders, and draws the same script."""
    drawn, imported, unused, jinja_as_it_was, reads, scale, kinds = _draw_map("child")
    assert (imported, unused, jinja_as_it_was) == ([], "_CompiledOnUse", True)
    # A stand-in gives way to the real module: a read of it, or a class of it made.
    assert (reads, scale, kinds) == ("requests.api", "branca.colormap", ["module", "module"])
    real = ["http.client", "numpy.linalg", "urllib3", "xyzservices.lib", "branca.colormap"]
    assert _draw_map("with both")[:3] == [drawn, real, "Template"]
