"""What a search over a built site's Pagefind index can find, read from the bundle files.

Two builds whose `searchable()` is equal give the same results for every query and filter: the same
pages, each with the same words at the same positions and weights, the same excerpt text, meta data
and filter values. Only the ranking statistics of each bundle (its page count, average page length)
are left out: they belong to how the pages are split into bundles, not to what is found.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from sitegen.search import _MAGIC, BUNDLE_DIR, SHARDS_FILE, _cbor_decode


def _decoded(path: Path) -> Any:
    raw = gzip.decompress(path.read_bytes())
    assert raw.startswith(_MAGIC), path
    value, end = _cbor_decode(raw, len(_MAGIC))
    assert end == len(raw), path
    return value


def searchable(site: Path) -> dict[str, dict[str, Any]]:
    """{url: {"fragment", "words", "filters"}} over every bundle the search page merges, without the
    pages it hides; a url found twice is an error."""
    root = site / BUNDLE_DIR
    listing = json.loads((root / SHARDS_FILE).read_text(encoding="utf-8"))
    hidden = set(listing["hidden"])
    found: dict[str, dict[str, Any]] = {}
    for folder in [root, *(root / name for name in listing["bundles"])]:
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        for info in entry["languages"].values():
            _, pages, chunks, filter_files, _, meta_fields, *_ = _decoded(folder / f"pagefind.{info['hash']}.pf_meta")
            ids = [page_id for page_id, _ in pages]
            words: dict[str, dict[str, Any]] = {page_id: {} for page_id in ids}
            for *_, chunk in chunks:
                for word, postings, *_ in _decoded(folder / "index" / f"{chunk}.pf_index")[0]:
                    number = 0
                    for step, locations, meta_locations, *rest in postings:
                        number += step  # page numbers as steps from the previous one
                        # In the meta data, a negative number -(i + 1) names the bundle's i-th field.
                        named = [meta_fields[-1 - x] if x < 0 else x for x in meta_locations]
                        words[ids[number]][word] = [locations, named, *rest]
            filters: dict[str, dict[str, list[str]]] = {page_id: {} for page_id in ids}
            for _, filter_hash in filter_files:
                name, values = _decoded(folder / "filter" / f"{filter_hash}.pf_filter")
                for value, numbers in values:
                    for number in numbers:
                        filters[ids[number]].setdefault(name, []).append(value)
            for page_id in ids:
                if page_id in hidden:
                    continue
                raw = gzip.decompress((folder / "fragment" / f"{page_id}.pf_fragment").read_bytes())
                fragment = json.loads(raw[len(_MAGIC) :])
                assert fragment["url"] not in found, f"{fragment['url']} is found twice"
                found[fragment["url"]] = {"fragment": fragment, "words": words[page_id], "filters": filters[page_id]}
    return found
