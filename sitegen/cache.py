"""The persistent build cache under .cache/build/ (git-ignored): pure steps remembered across builds.

Every remembered step is a pure function of its arguments, and every entry is keyed by a hash of
those arguments (the text itself, not a file name or a date), so a cached build cannot differ from
a fresh one; the whole cache is keyed by an engine version (our code and the versions of the
libraries that shape the output), so an upgrade starts afresh. Remembered:

- YAML parsing (with positions) of every content file, keyed by its text;
- Markdown → sanitized HTML of every document, keyed by text and base path;
- the link checker's parse of every rendered page, keyed by the page;
- the municipality register and the topology, keyed by their files' bytes;
- the map data (Folium's script, locators, finder), keyed by what mapview reads: the IGS, the
  tiles, the base path, the register and the topology; within it Folium's script (by what the map
  shows of each IGS) and each locator map (by its municipalities), so a summary edit redoes neither;
- the search index: each shard as last indexed in full (sitegen.search decides what still holds),
  and the delta bundle of the pages changed since, keyed by those pages;
- every rendered page of a keyed template, by its dependency key (sitegen/deps.py);
- the link checker's result per page, by the page, the names of all files and all anchors.

Each kind of entry lives in its own pickle file, read only when that step first runs, and written
back (atomically) only when it changed; entries a successful build did not use are dropped. A
file that cannot be read is discarded with a warning, never an error.

`Fingerprint` lets `build` skip a build whose inputs and output are exactly as the last successful
build left them (a no-op rebuild).

Trust. The cache folder lies inside the checkout, and whoever can put files into the checkout
without running code of their own can plant files there: a pull request that force-adds files
under `.cache/` (git-ignored, yet committed files are checked out), an unpacked archive, a shared
folder. Unpickling such a file would run their code in CI, and even a data-only file would poison
the published pages (a rendered page is an entry). So every cache file is sealed with an HMAC whose
key is random per checkout and kept outside it, in the user's cache folder (`cache_key()`, mode
0600), where checkout contents never land: a file without a valid seal is discarded unread, and the
build runs cold. Someone who can write the key can also write our code, so we guard against no
more. As a second wall, a sealed file is unpickled with `_DataUnpickler`, which builds only plain
data (our dataclasses, enums and named tuples, dates, Markup) and never calls anything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import hmac
import importlib
import io
import logging
import os
import pickle
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .write import write_file_atomic

logger = logging.getLogger(__name__)

FORMAT = 2
PAGE_SHARDS = 16
_LIBRARIES = ("markdown", "nh3", "PyYAML", "Jinja2", "MarkupSafe", "folium", "branca", "pagefind", "pagefind-bin",
              "XStatic-Leaflet", "pillow", "selectolax")  # fmt: skip
_RACY_SECONDS = 2.0  # files changed this recently may change again within the same mtime tick


def _digest(*parts: Any) -> bytes:
    from .deps import digest  # by content, not by which objects happen to be shared

    return digest(*parts)


def engine_version() -> str:
    """Our code and the versions of the libraries that shape the output."""
    h = hashlib.blake2b(str(FORMAT).encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-".encode())
    return h.hexdigest()


@dataclass
class _Space:
    entries: dict[bytes, Any]
    used: set[bytes] = field(default_factory=set)
    changed: bool = False


class BuildCache:
    """Remembered results of pure steps, one pickle file per kind, under `folder`."""

    def __init__(self, folder: Path, engine: str | None = None) -> None:
        self.folder = folder
        self.engine = engine or engine_version()
        self.spaces: dict[str, _Space] = {}
        self.hits = 0
        self.misses = 0
        self._origins: dict[int, tuple[Any, bytes]] = {}  # id(register/topology) -> (object, key)

    # --- storage ---

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}.pickle"

    def _space(self, name: str) -> _Space:
        space = self.spaces.get(name)
        if space is None:
            space = _Space(self._read(name))
            self.spaces[name] = space
        return space

    def _read(self, name: str) -> dict[bytes, Any]:
        path = self._path(name)
        try:
            payload = unseal(path.read_bytes())
            if payload is None:
                logger.warning("Discarding build cache %s: not written by this checkout's builds", path)
                return {}
            engine, entries = _DataUnpickler(io.BytesIO(payload)).load()
        except FileNotFoundError:
            return {}
        except Exception as exc:  # a damaged or foreign file: start afresh, never fail the build
            logger.warning("Discarding unreadable build cache %s (%s)", path, exc)
            return {}
        if engine != self.engine or not isinstance(entries, dict):
            return {}
        return entries

    def save(self, *, evict: bool) -> None:
        """Write back the kinds that changed; `evict` drops entries this build did not use."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for name, space in self.spaces.items():
            if evict and len(space.used) != len(space.entries):
                space.entries = {k: v for k, v in space.entries.items() if k in space.used}
                space.changed = True
            if space.changed:
                _atomic_pickle(self._path(name), (self.engine, space.entries))
                space.changed = False
            space.used = set()

    def remembered(self, name: str, key: bytes, compute: Callable[[], Any]) -> Any:
        space = self._space(name)
        space.used.add(key)
        if key in space.entries:
            self.hits += 1
            return space.entries[key]
        self.misses += 1
        value = compute()
        space.entries[key] = value
        space.changed = True
        return value

    # --- the wrapped steps ---

    def _wrap_by_args(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def cached(*args: Any, **kwargs: Any) -> Any:
            return self.remembered(name, _digest(args, sorted(kwargs.items())), lambda: original(*args, **kwargs))

        def known(*args: Any) -> bool:
            return _digest(args, []) in self._space(name).entries

        def seed(value: Any, *args: Any) -> None:
            """A result computed in a worker process (sitegen.parallel.cached_pmap)."""
            self.remembered(name, _digest(args, []), lambda: value)

        cached.known = known  # type: ignore[attr-defined]
        cached.seed = seed  # type: ignore[attr-defined]
        return cached

    def _wrap_yaml(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def parse_yaml(*args: Any, **kwargs: Any) -> Any:
            key = _digest(args, sorted(kwargs.items()))
            doc, errors = self.remembered("yaml", key, lambda: _as_tuple(original(*args, **kwargs)))
            return doc, list(errors)

        return parse_yaml

    def _wrap_geo_file(self, name: str, rel: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def load(content_dir: Path, display_root: Path) -> Any:
            from .load import read_file
            from .register import MAX_GENERATED_BYTES

            try:
                data = read_file(Path(content_dir) / rel, MAX_GENERATED_BYTES)[0]
            except OSError:
                data = None
            if data is None:
                return original(content_dir, display_root)  # let the original report it
            key = _digest(data, str(Path(content_dir)), str(display_root))
            value = self.remembered(name, key, lambda: original(content_dir, display_root))
            self._origins[id(value)] = (value, key)
            return value

        return load

    def _wrap_map(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def build_map_data(site: Any, register: Any, topology: Any, **kwargs: Any) -> Any:
            origins = [self._origins.get(id(x)) for x in (register, topology)]
            if any(o is None or o[0] is not x for o, x in zip(origins, (register, topology), strict=True)):
                return original(site, register, topology, **kwargs)
            # mapview reads only these fields of the site (as serve.StageCaches also assumes).
            key = _digest(site.igs, site.tiles, site.base_path, [o[1] for o in origins if o], sorted(kwargs.items()))
            return self.remembered("map", key, lambda: original(site, register, topology, **kwargs))

        return build_map_data

    def _topology_key(self, topology: Any) -> bytes | None:
        origin = self._origins.get(id(topology))
        return origin[1] if origin is not None and origin[0] is topology else None

    def _wrap_map_script(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """Folium's map script reads, of each IGS, only what goes on the map (as in serve.StageCaches):
        an edited summary or contact does not redo it. Keep this key in step with mapview.map_script."""

        def map_script(site: Any, register: Any, topology: Any, units: Any, colours: Any) -> Any:
            places = [self._topology_key(register), self._topology_key(topology)]
            if None in places:
                return original(site, register, topology, units, colours)
            shown = [
                (i.slug, i.display_name, i.url, [m.name for m in i.members], i.members_complete, i.provinces)
                for i in site.igs
            ]
            key = _digest(shown, site.tiles, site.base_path, places, sorted(units.items()), sorted(colours.items()))
            return self.remembered("map-script", key, lambda: original(site, register, topology, units, colours))

        return map_script

    def _wrap_units(self, original: Callable[..., Any]) -> Callable[..., Any]:
        """The map units of each IGS follow from its member names only (mapview.igs_units)."""

        def igs_units(site: Any, register: Any, topology: Any) -> Any:
            places = [self._topology_key(register), self._topology_key(topology)]
            if None in places:
                return original(site, register, topology)
            key = _digest([(i.slug, [m.name for m in i.members]) for i in site.igs], places)
            return dict(self.remembered("map-units", key, lambda: original(site, register, topology)))

        return igs_units

    def _wrap_locator(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def locator_svg(topology: Any, *args: Any, **kwargs: Any) -> Any:
            place = self._topology_key(topology)
            if place is None:
                return original(topology, *args, **kwargs)
            key = _digest(place, args, sorted(kwargs.items()))
            return self.remembered("locators", key, lambda: original(topology, *args, **kwargs))

        return locator_svg

    def _wrap_search(self, original: Callable[..., Any]) -> Callable[..., Any]:
        # The delta bundle by its pages: a rebuild with no new change reuses it.
        def index_shard(files: Any, *args: Any, **kwargs: Any) -> Any:
            h = hashlib.blake2b(pickle.dumps((args, sorted(kwargs.items()))), digest_size=20)
            for rel in sorted(files):
                if rel.endswith(".html"):
                    h.update(rel.encode() + b"\0" + len(files[rel]).to_bytes(8, "little") + files[rel])
            return dict(self.remembered("search", h.digest(), lambda: original(files, *args, **kwargs)))

        return index_shard

    def _known(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def known(key: bytes) -> Any:
            space = self._space(name)
            found = space.entries.get(key)
            if found is not None:
                space.used.add(key)
            return found

        return known

    def _keep(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def keep(key: bytes, value: Any) -> None:
            space = self._space(name)
            space.used.add(key)
            space.entries[key] = value
            space.changed = True

        return keep

    def _page_space(self, key: bytes) -> _Space:
        """Rendered pages by dependency key (sitegen.deps), in PAGE_SHARDS files: an edit rewrites
        only the shards of the pages it changed."""
        return self._space(f"pages-{key[0] % PAGE_SHARDS:02d}")

    def _known_page(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def known_page(key: bytes) -> bytes | None:
            space = self._page_space(key)
            found = space.entries.get(key)
            if found is not None:
                space.used.add(key)
                self.hits += 1
            return found

        return known_page

    def _keep_page(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def keep_page(key: bytes, data: bytes) -> None:
            space = self._page_space(key)
            space.used.add(key)
            space.entries[key] = data
            space.changed = True
            self.misses += 1

        return keep_page

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Put the remembered steps in place of the pipeline's own for the duration of one build."""
        from .geometry import TOPOLOGY_REL_PATH
        from .register import REGISTER_REL_PATH

        wrappers: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
            "sitegen.load:parse_yaml": self._wrap_yaml,
            "sitegen.model:render_markdown": lambda f: self._wrap_by_args("markdown", f),
            "sitegen.linkcheck:parse_page": lambda f: self._wrap_by_args("links", f),
            "sitegen.pipeline:load_register": lambda f: self._wrap_geo_file("register", str(REGISTER_REL_PATH), f),
            "sitegen.pipeline:load_topology": lambda f: self._wrap_geo_file("topology", str(TOPOLOGY_REL_PATH), f),
            "sitegen.pipeline:build_map_data": self._wrap_map,
            "sitegen.mapview:map_script": self._wrap_map_script,
            "sitegen.mapview:locator_svg": self._wrap_locator,
            "sitegen.mapview:igs_units": self._wrap_units,
            "sitegen.search:index_shard": self._wrap_search,
            "sitegen.search:known_shard": lambda f: self._known("search-shards", f),
            "sitegen.search:keep_shard": lambda f: self._keep("search-shards", f),
            "sitegen.render:known_page": self._known_page,
            "sitegen.linkcheck:known_check": lambda f: self._known("link-checks", f),
            "sitegen.linkcheck:keep_check": lambda f: self._keep("link-checks", f),
            "sitegen.render:keep_page": self._keep_page,
        }
        saved: list[tuple[Any, str, Any]] = []
        try:
            for target, wrap in wrappers.items():
                module_name, name = target.split(":")
                module = importlib.import_module(module_name)
                original = getattr(module, name, None)
                if original is None:
                    continue  # the pipeline no longer has this step
                saved.append((module, name, original))
                setattr(module, name, wrap(original))
            yield
        finally:
            for module, name, original in reversed(saved):
                setattr(module, name, original)
            self._origins.clear()


def _as_tuple(result: tuple[Any, list[Any]]) -> tuple[Any, tuple[Any, ...]]:
    doc, errors = result
    return doc, tuple(errors)


def _atomic_pickle(path: Path, value: Any) -> None:
    write_file_atomic(path, seal(pickle.dumps(value, protocol=5)), mode=0o600)


# --- authenticity ----------------------------------------------------------------------------------

_SEAL_MAGIC = b"igs-cache-v1\n"
_CHECKOUT = Path(__file__).resolve().parent.parent


class CacheKeyError(OSError):
    """No trustworthy key: the persistent cache is not used."""


def key_path() -> Path:
    """This checkout's key, in the user's cache folder: never inside the checkout, where planted
    files could land."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = hashlib.blake2b(str(_CHECKOUT).encode(), digest_size=8).hexdigest()
    return base / "igs-site" / "cache-keys" / f"{name}.key"


@functools.cache
def _load_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(secrets.token_bytes(32))
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(stream.fileno())
        key = stream.read()
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o077):
        raise CacheKeyError(f"{path} is not private to this user (owner or mode)")
    if len(key) != 32:
        raise CacheKeyError(f"{path} is not a cache key")
    return key


def cache_key() -> bytes:
    """The key that seals this checkout's cache files; CacheKeyError (an OSError) when unusable."""
    return _load_key(key_path())


def seal(payload: bytes) -> bytes:
    return _SEAL_MAGIC + hmac.digest(cache_key(), payload, "sha256") + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of a file this checkout's builds sealed, else None."""
    if not data.startswith(_SEAL_MAGIC):
        return None
    mac, payload = data[len(_SEAL_MAGIC) : len(_SEAL_MAGIC) + 32], data[len(_SEAL_MAGIC) + 32 :]
    return payload if hmac.compare_digest(mac, hmac.digest(cache_key(), payload, "sha256")) else None


_DATA_CLASSES = {("datetime", "date"), ("datetime", "datetime"), ("markupsafe", "Markup")}


class _DataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: it resolves no function and no class but our own data classes."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _DATA_CLASSES:
            return super().find_class(module, name)
        if module.startswith("sitegen.") and "." not in name:
            found = getattr(importlib.import_module(module), name, None)
            if isinstance(found, type) and (
                dataclasses.is_dataclass(found) or issubclass(found, enum.Enum) or hasattr(found, "_fields")
            ):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


KEEP_SITES = 8
_CACHE_NAME = re.compile(r"[0-9a-f]{16}")


def cache_folder(root: Path, content_dir: Path) -> Path:
    """One cache folder per content folder, so two sites do not evict each other's entries.

    Only the KEEP_SITES most recently used folders are kept (tests build many throwaway sites).
    """
    name = hashlib.blake2b(str(content_dir.resolve()).encode(), digest_size=8).hexdigest()
    folder = root / name
    with contextlib.suppress(OSError):
        # Only folders named like ours are evicted: `--cache` may point at a folder with other things.
        ours = (p for p in root.iterdir() if _CACHE_NAME.fullmatch(p.name) and p.name != name and not p.is_symlink())
        others = sorted((p for p in ours if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for old in others[: max(0, len(others) - KEEP_SITES + 1)]:
            shutil.rmtree(old, ignore_errors=True)
    if folder.is_dir():
        os.utime(folder)
    return folder


# --- no-op detection -------------------------------------------------------------------------------


def _tree_state(roots: Iterable[Path]) -> tuple[list[tuple[str, tuple[int, ...]]], float]:
    """The state of every entry below the roots (folders and links included, and the error for
    what cannot be read), and the newest mtime: whatever a fresh build would trip over (an empty
    folder, a dangling link, a loop, a FIFO, a file made unreadable) changes it."""
    entries: list[tuple[str, tuple[int, ...]]] = []
    newest = 0.0

    def failed(exc: OSError) -> None:
        entries.append((str(exc.filename), (-1, exc.errno or 0)))

    for root in roots:
        entries.append((str(root), _entry_state(str(root))))
        for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
            dirnames.sort()
            for name in sorted(dirnames + filenames):
                path = os.path.join(dirpath, name)
                state = _entry_state(path)
                entries.append((path, state))
                if len(state) == 6:
                    newest = max(newest, state[4] / 1e9)
    return entries, newest


def _entry_state(path: str) -> tuple[int, ...]:
    """(mode, inode) of the entry itself, then (mode, size, mtime_ns, inode) of what it points to,
    or the error that following it gives."""
    try:
        link = os.lstat(path)
    except OSError as exc:
        return (-1, exc.errno or 0)
    try:
        info = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except OSError as exc:
        return (link.st_mode, link.st_ino, -1, exc.errno or 0)
    return (link.st_mode, link.st_ino, info.st_mode, info.st_size, info.st_mtime_ns, info.st_ino)


@dataclass(frozen=True)
class Fingerprint:
    """Everything a build reads, by file metadata, plus everything it wrote."""

    inputs: bytes
    racy: bool  # an input changed too recently to trust its mtime

    @classmethod
    def of_inputs(cls, roots: Iterable[Path], settings: Any, engine: str) -> Fingerprint:
        entries, newest = _tree_state(roots)
        today = dt.date.today()  # scheduled articles appear on their date
        key = _digest(entries, settings, engine, today, os.getcwd())
        return cls(key, time.time() - newest < _RACY_SECONDS)

    @staticmethod
    def of_output(output_dir: Path) -> bytes:
        return _digest(_tree_state([output_dir])[0])


def is_up_to_date(folder: Path, inputs: Fingerprint, output_dir: Path) -> bool:
    try:
        stored = unseal((folder / "last-build").read_bytes())
    except OSError:
        return False
    return not inputs.racy and stored == inputs.inputs + Fingerprint.of_output(output_dir)


def remember_build(folder: Path, inputs: Fingerprint, output_dir: Path) -> None:
    """Record a successful build; never when an input may still change within the same mtime."""
    path = folder / "last-build"
    if inputs.racy:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    folder.mkdir(parents=True, exist_ok=True)
    write_file_atomic(path, seal(inputs.inputs + Fingerprint.of_output(output_dir)), mode=0o600)
