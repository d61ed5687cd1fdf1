"""Search index: Pagefind run over the rendered pages, in memory terms: {out_path: bytes} in, out.

Pagefind only reads finished HTML, so it runs after render and the link check, but before the
write stage: the pages that carry `data-pagefind-body` are copied into a scratch folder (never the
output folder), the Pagefind binary from the `pagefind[bin]` package indexes them, and the bundle
comes back as `pagefind/...` entries of the same mapping. The write stage then swaps the site and
its index into place together, so output/ never holds an index of another build.

Why the binary and not `pagefind.PagefindIndex`: the Python API polls its service every 0.1 s per
message, which made indexing 32 pages take 3.3 s; the binary does the same work in 0.2 s.
Only the files the search page needs are kept (no Pagefind UI bundles, no playground).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import ContentError, ContentErrors
from .write import safe_join

logger = logging.getLogger(__name__)

LANGUAGE = "nl"  # the site is nl-BE; Pagefind's Dutch stemmer is "nl"
BUNDLE_DIR = "pagefind"
BODY_MARKER = b"data-pagefind-body"
SHARD_PAGES = 1000  # pages per index shard; below this a site has one bundle
SHARD_PREFIX = "deel-"
SHARDS_FILE = "shards.json"
# What pagefind.js loads: itself, its worker, the entry file, the language's meta, wasm and chunks.
_KEEP = re.compile(
    r"^(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|pagefind\.[a-z-]+_[0-9a-f]+\.pf_meta"
    r"|wasm\.nl\.pagefind|(index|fragment|filter)/[^/]+)$"
)


def pagefind_binary() -> Path | None:
    """The Pagefind executable (PAGEFIND_BINARY_PATH, the pagefind_bin package, or PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        return None
    return get_executable()


def _scratch_root() -> str | None:
    """A memory-backed folder for the scratch copy where there is one (writing thousands of small
    files to disk cost a third of the indexing time); else the system's temp folder."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


_SCRATCH_PREFIX = "igs-search-"


def _remove_stale_scratch(root: str | None) -> None:
    """Scratch folders of killed builds (their process is gone): they would hold memory."""
    folder = Path(root or tempfile.gettempdir())
    for path in folder.glob(f"{_SCRATCH_PREFIX}*-*"):
        pid = path.name[len(_SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue  # alive, under another user


def _fail(message: str, hint: str) -> ContentErrors:
    return ContentErrors([ContentError(f"zoekindex: {message}", "pyproject.toml", hint=hint)])


def index_pages(files: Mapping[str, bytes], language: str = LANGUAGE) -> dict[str, bytes]:
    """Index the pages marked with data-pagefind-body; returns the bundle as {out_path: bytes}.

    Pagefind cannot update an index, so a big site is split into shards of about SHARD_PAGES pages
    (by a stable hash of the page path): an edit re-indexes one shard, two shards index at once,
    and each indexer holds a fraction of the pages in memory. The first shard is the main bundle;
    `pagefind/shards.json` lists the others, which the search page merges (Pagefind's mergeIndex).
    Raises ContentErrors when Pagefind is missing or fails (nothing has been written then).
    """
    pages = {rel: data for rel, data in files.items() if rel.endswith(".html") and BODY_MARKER in data}
    if not pages:
        return {}
    shards = _shards(pages)
    with ThreadPoolExecutor(max_workers=2) as pool:
        bundles = list(pool.map(lambda shard: index_shard(shard, language), shards))
    result: dict[str, bytes] = {}
    for number, bundle in enumerate(bundles):
        prefix = BUNDLE_DIR if number == 0 else f"{BUNDLE_DIR}/{SHARD_PREFIX}{number}"
        result.update({prefix + name[len(BUNDLE_DIR) :]: data for name, data in bundle.items()})
    others = [f"{SHARD_PREFIX}{number}/" for number in range(1, len(bundles))]
    result[f"{BUNDLE_DIR}/{SHARDS_FILE}"] = json.dumps(others).encode("utf-8")
    return result


def _shards(pages: Mapping[str, bytes]) -> list[dict[str, bytes]]:
    count = -(-len(pages) // SHARD_PAGES)
    shards: list[dict[str, bytes]] = [{} for _ in range(count)]
    for rel in sorted(pages):
        number = int.from_bytes(hashlib.blake2b(rel.encode("utf-8"), digest_size=8).digest(), "big") % count
        shards[number][rel] = pages[rel]
    return [shard for shard in shards if shard]


def index_shard(pages: Mapping[str, bytes], language: str = LANGUAGE) -> dict[str, bytes]:
    """One Pagefind bundle for `pages` (all marked for the index), named pagefind/…"""
    binary = pagefind_binary()
    if binary is None:
        raise _fail(
            "Pagefind is niet geïnstalleerd",
            'installeer de afhankelijkheden opnieuw: pip install -c constraints.txt -e ".[test]"',
        )
    root = _scratch_root()
    _remove_stale_scratch(root)
    with tempfile.TemporaryDirectory(prefix=f"{_SCRATCH_PREFIX}{os.getpid()}-", dir=root) as scratch:
        site_dir, bundle_dir = Path(scratch) / "site", Path(scratch) / "bundle"
        for rel in sorted(pages):
            target = safe_join(site_dir, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pages[rel])
        command = [str(binary), "--site", str(site_dir), "--output-path", str(bundle_dir)]
        command += ["--force-language", language, "--silent"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise _fail(
                f"Pagefind kon niet starten ({exc})", "kijk of het pakket pagefind[bin] goed geïnstalleerd is"
            ) from exc
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["geen uitvoer"]
            raise _fail(f"Pagefind faalde met code {result.returncode}: {detail[0]}", "voer de build uit met -v")
        bundle = {
            f"{BUNDLE_DIR}/{path.relative_to(bundle_dir).as_posix()}": path.read_bytes()
            for path in sorted(bundle_dir.rglob("*"))
            if path.is_file() and _KEEP.match(path.relative_to(bundle_dir).as_posix())
        }
    logger.info("Indexed %d pages for search (%d files)", len(pages), len(bundle))
    return canonical_bundle(bundle)


# Pagefind 1.5 writes its filter values and its list of filters in hash-map order, which changes from
# run to run; everything else it writes is stable. The filter files and the meta file are gzip'd
# CBOR after a "pagefind_dcd" marker: decode them, sort, encode them again and name them after their
# content, so that two builds of the same content give the same bytes.
_MAGIC = b"pagefind_dcd"
CborValue = int | str | list["CborValue"]


def _cbor_decode(data: bytes, pos: int = 0) -> tuple[CborValue, int]:
    major, info = data[pos] >> 5, data[pos] & 0x1F
    pos += 1
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        arg, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    else:
        raise ValueError(f"unsupported CBOR item {data[pos - 1]:#x}")
    if major == 0:
        return arg, pos
    if major == 3:
        return data[pos : pos + arg].decode("utf-8"), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = _cbor_decode(data, pos)
            items.append(item)
        return items, pos
    raise ValueError(f"unsupported CBOR major type {major}")


def _cbor_head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("CBOR argument too large")


def _cbor_encode(value: CborValue) -> bytes:
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    return _cbor_head(4, len(value)) + b"".join(_cbor_encode(item) for item in value)


def _read_dcd(data: bytes) -> CborValue:
    raw = gzip.decompress(data)
    if not raw.startswith(_MAGIC):
        raise ValueError("not a Pagefind data file")
    value, end = _cbor_decode(raw, len(_MAGIC))
    if end != len(raw) or _cbor_encode(value) != raw[len(_MAGIC) :]:
        raise ValueError("Pagefind data file does not round-trip")
    return value


def _write_dcd(value: CborValue) -> tuple[bytes, str]:
    raw = _MAGIC + _cbor_encode(value)
    return gzip.compress(raw, compresslevel=9, mtime=0), hashlib.sha256(raw).hexdigest()


def canonical_bundle(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """The same bundle with filter values and filters in sorted order, files named after their content."""
    entry_name = f"{BUNDLE_DIR}/pagefind-entry.json"
    entry = json.loads(bundle[entry_name])
    result = dict(bundle)
    for language, info in sorted(entry["languages"].items()):
        meta_name = f"{BUNDLE_DIR}/pagefind.{info['hash']}.pf_meta"
        meta = _read_dcd(result.pop(meta_name))
        assert isinstance(meta, list) and isinstance(meta[3], list)
        renamed = []
        for name, file_hash in meta[3]:  # type: ignore[misc]
            filter_data = _read_dcd(result.pop(f"{BUNDLE_DIR}/filter/{file_hash}.pf_filter"))
            assert isinstance(filter_data, list) and isinstance(filter_data[1], list)
            filter_data[1].sort(key=lambda pair: pair[0])  # type: ignore[index]
            data, digest = _write_dcd(filter_data)
            new_hash = f"{language}_{digest[:7]}"
            result[f"{BUNDLE_DIR}/filter/{new_hash}.pf_filter"] = data
            renamed.append([name, new_hash])
        meta[3] = sorted(renamed)
        data, digest = _write_dcd(meta)
        info["hash"] = f"{language}_{digest[:10]}"
        result[f"{BUNDLE_DIR}/pagefind.{info['hash']}.pf_meta"] = data
    result[entry_name] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return result
