"""Page weight: what a visitor downloads for each page (gzip-compressed), against the budgets.

Budgets (issue "Visitors"): every page ≤ 100 KB in all and ≤ 20 KB of JavaScript; the map page,
with Leaflet and the geometry, ≤ 400 KB. The browser editor under admin/ is for signed-in editors,
not visitors: its weight is printed but has no budget.
"""

from __future__ import annotations

import argparse
import gzip
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .frozen import frozen_dataclass
from .urls import out_path_of

PAGE_BUDGET = 100_000
SCRIPT_BUDGET = 20_000
MAP_BUDGET = 400_000
MAP_PAGES = ("kaart/index.html",)
EDITOR_PREFIX = "admin/"


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (kind, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(("js", a["src"] or ""))
        elif tag == "link" and a.get("rel") in ("stylesheet", "icon") and a.get("href"):
            self.urls.append(("css" if a.get("rel") == "stylesheet" else "other", a["href"] or ""))
        elif tag == "img" and a.get("src") and a.get("loading") != "lazy":
            self.urls.append(("img", a["src"] or ""))
        # What a page's script fetches later: the map's scripts (kaart-laden.js), the finder's index.
        self.urls += [("js", url) for url in (a.get("data-map-scripts") or "").split()]
        if a.get("data-index"):
            self.urls.append(("other", a["data-index"] or ""))


@frozen_dataclass
class PageWeight:
    page: str
    html: int
    css: int
    js: int
    other: int

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.other

    @property
    def budget(self) -> int:
        return MAP_BUDGET if self.page in MAP_PAGES else PAGE_BUDGET

    @property
    def within_budget(self) -> bool:
        js_ok = self.page in MAP_PAGES or self.js <= SCRIPT_BUDGET
        return self.total <= self.budget and js_ok


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def _local_file(output: Path, base_path: str, url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith(base_path):
        return None
    path = output / out_path_of("/" + parts.path[len(base_path) :])
    return path if path.is_file() else None


def measure(output: Path, base_path: str = "/") -> list[PageWeight]:
    weights = []
    for page in sorted(output.rglob("*.html")):
        rel = page.relative_to(output).as_posix()
        data = page.read_bytes()
        parser = _Resources()
        parser.feed(data.decode("utf-8", "replace"))
        sizes = {"css": 0, "js": 0, "other": 0, "img": 0}
        for kind, url in dict.fromkeys(parser.urls):
            local = _local_file(output, base_path, urljoin(base_path + rel, url))
            if local is not None:
                sizes[kind] += gzipped_size(local.read_bytes())
        weights.append(PageWeight(rel, gzipped_size(data), sizes["css"], sizes["js"], sizes["other"] + sizes["img"]))
    return weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py weight", description="Print each page's weight (gzip).")
    parser.add_argument("--output", type=Path, default=Path("output"), help="built site (default: output/)")
    parser.add_argument("--base-path", default="/", help="path prefix of the site's URLs (default: /)")
    args = parser.parse_args(argv)
    weights = measure(args.output, args.base_path)
    print(f"{'page':48} {'html':>8} {'css':>8} {'js':>8} {'other':>8} {'total':>9}  budget")
    for w in weights:
        if w.page.startswith(EDITOR_PREFIX):
            print(f"{w.page:48} {w.html:8,} {w.css:8,} {w.js:8,} {w.other:8,} {w.total:9,}  editor, no budget")
            continue
        mark = "ok" if w.within_budget else "OVER"
        print(f"{w.page:48} {w.html:8,} {w.css:8,} {w.js:8,} {w.other:8,} {w.total:9,}  {mark} (≤ {w.budget:,})")
    over = [w for w in weights if not w.within_budget and not w.page.startswith(EDITOR_PREFIX)]
    print(f"{len(weights)} pages, {len(over)} over budget (gzip bytes; first visit, nothing cached)")
    return 1 if over else 0
