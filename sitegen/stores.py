"""Where the memo (sitegen/memo.py) keeps its values: in memory for `serve`, on disk for `build`.

`MemoryStore` keeps values as they are, for the life of one `serve` process.

`DiskStore` keeps them across builds in one SQLite table under .cache/build/<site>/ (git-ignored):
one row per entry (space, key, sealed value), read one key at a time when a step asks for it, so
a small rebuild reads only what it uses and never decodes entries nothing asks for, and written as
soon as a step computes it, in one transaction that the end of the build commits (so a cold build
holds no copy of its pages for the store, and a killed build changes nothing). Values are
plain bytes from each space's `Codec` (JSON, UTF-8 text, raw bytes): nothing on disk is ever
unpickled, and the one thing run is the Python source Jinja writes for our own templates
(sitegen/render.py), only under a valid seal (below). The table is bound to an engine version
(our code and the versions of the libraries that shape the output): an upgrade starts afresh. A
file or row that cannot be read is discarded with a warning, never an error: the cache only saves
time.

Trust. The cache folder lies inside the checkout, and whoever can put files into the checkout
without running code of their own can plant files there: a pull request that force-adds files
under `.cache/` (git-ignored, yet committed files are checked out), an unpacked archive, a shared
folder. A planted row could poison the published pages (a rendered page is an entry) or, as a
compiled template, run code. So every value is sealed with an HMAC
over the engine, space, key and value, under a key that is random per checkout and kept outside
it, in the user's cache folder (`cache_key()`, mode 0600), where checkout contents never land: a
row without a valid seal is ignored and recomputed, and a file that is not our table is replaced.
Someone who can write the key can also write our code, so we guard against no more.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
import shutil
import sqlite3
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .memo import Space

logger = logging.getLogger(__name__)

T = TypeVar("T")

FORMAT = 3
_LIBRARIES = ("markdown", "nh3", "PyYAML", "Jinja2", "MarkupSafe", "folium", "branca", "pagefind", "pagefind-bin",
              "XStatic-Leaflet", "pillow", "selectolax")  # fmt: skip
FOREIGN = "not written by this checkout's builds"


@functools.cache
def engine_version() -> str:
    """Our code, the Python that runs it (whose marshal format the journal is kept in: sitegen/load.py)
    and the versions of the libraries that shape the output. Read once per process: the code that
    runs is the code this process loaded, and a file of it edited while the process lives (by hand,
    or a checkout) must not make its own cache another engine's halfway through (the next process
    sees the edit)."""
    h = hashlib.blake2b(f"{FORMAT} {sys.version}".encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    versions = installed_versions(_LIBRARIES)
    for name in _LIBRARIES:
        h.update(f"{name}={versions[name] or '-'}".encode())
    return h.hexdigest()


def installed_versions(names: Iterable[str]) -> dict[str, str | None]:
    """Each distribution's version as importlib.metadata.version gives it (None: not installed), read
    from the metadata of the first distribution of that name on sys.path, without importing
    importlib.metadata (with email, zipfile and csv: some 10 ms of every build's start). What this
    plain look does not find (an egg, a zip on the path) is asked of importlib.metadata after all."""
    wanted = {_normalized(name): name for name in names}
    found: dict[str, str | None] = {}
    for entry in sys.path:
        folder = entry or "."
        try:
            listing = os.listdir(folder)
        except OSError:
            continue
        for item in listing:
            stem, _, kind = item.rpartition(".")
            name = wanted.get(_normalized(stem.partition("-")[0])) if kind in ("dist-info", "egg-info") else None
            if name is not None and name not in found:
                info = os.path.join(folder, item)
                found[name] = _version_in(os.path.join(info, "METADATA" if kind == "dist-info" else "PKG-INFO"))
    missing = [name for name in wanted.values() if found.get(name) is None]
    if missing:
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = None
    return found


def _normalized(name: str) -> str:
    """A distribution's name as the packaging standards compare it."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _version_in(path: str) -> str | None:
    """The Version field of a metadata file's header (None when unreadable or missing)."""
    try:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                if not line.strip():
                    break
                if line.startswith("Version:"):
                    return line[len("Version:") :].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


class MemoryStore:
    """Values as they are, in memory (the preview server's memo)."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[bytes, Any]] = {}
        self.scratch: Path | None = None  # the preview holds its pages in memory anyway
        self.in_memory = True

    def get_many(self, space: Space[T], keys: Sequence[bytes]) -> dict[bytes, T]:
        entries = self.entries.get(space.name, {})
        return {key: entries[key] for key in keys if key in entries}

    def has_many(self, space: Space[T], keys: Collection[bytes]) -> set[bytes]:
        return self.entries.get(space.name, {}).keys() & keys  # in C: a rebuild asks some 10,000 keys

    def put(self, space: Space[T], key: bytes, value: T) -> None:
        self.entries.setdefault(space.name, {})[key] = value

    def finish(self, used: Mapping[str, set[bytes]] | None, unlisted: Mapping[str, set[bytes]] | None = None) -> None:
        for name, keys in (used or {}).items():
            entries = self.entries.get(name, {})
            for key in entries.keys() - keys:
                del entries[key]


_SCHEMA = (
    "CREATE TABLE entries (space TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, PRIMARY KEY (space, key))",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_STREAMED = 1 << 16
"""Payloads from this size on are sealed in a stream: 5-6 times quicker for a search shard's bundle."""
_BATCH = 500  # keys per query (SQLite allows some thousands of parameters)


class DiskStore:
    """Sealed entries in `folder/memo.sqlite`, read lazily per key; see the module's docstring."""

    FILE = "memo.sqlite"

    def __init__(self, folder: Path, engine: str | None = None) -> None:
        self.folder = folder
        self.engine = engine or engine_version()
        self.path = folder / self.FILE
        self.scratch: Path | None = folder
        self.in_memory = False
        self._db: sqlite3.Connection | None = None
        # Each entry put is written at once, in one transaction that `finish` commits: a cold build
        # holds none of its pages and cards for the store (a killed build leaves the table as it was).
        self._refused: OSError | None = None  # the disk refused a row: nothing more is written
        self._memory = MemoryStore()  # spaces without a codec live for this process only
        self._warned = False

    # --- reading ---

    def get_many(self, space: Space[T], keys: Sequence[bytes]) -> dict[bytes, T]:
        if space.codec is None:
            return self._memory.get_many(space, keys)
        payloads: dict[bytes, bytes] = {}
        for key, sealed in self._select("key, value", space.name, keys):
            # A value this store did not write may be of any SQL type: unsealed as nothing, it fails the seal.
            payload = self._unseal(space.name, key, sealed if isinstance(sealed, bytes) else b"")
            if payload is not None:
                payloads[key] = payload
        found: dict[bytes, T] = {}
        for key, payload in payloads.items():
            try:
                found[key] = space.codec.decode(payload)
            except Exception as exc:  # a row of an older format: recompute it
                logger.warning("Discarding an unreadable %s entry of the build cache (%s)", space.name, exc)
        return found

    def has_many(self, space: Space[T], keys: Collection[bytes]) -> set[bytes]:
        """The keys with a row (its seal is checked only when the value is read)."""
        if space.codec is None:
            return self._memory.has_many(space, keys)
        return {bytes(row[0]) for row in self._select("key", space.name, sorted(keys))}

    def _select(self, columns: str, name: str, keys: Sequence[bytes]) -> list[tuple[Any, ...]]:
        """The rows of these keys (a few hundred per query); none when the file is missing or unreadable."""
        db = self._connection() if keys else None
        rows: list[tuple[Any, ...]] = []
        if db is None:
            return rows
        try:
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT {columns} FROM entries WHERE space = ? AND key IN ({marks})"
                rows += db.execute(query, (name, *batch)).fetchall()
        except sqlite3.Error as exc:
            logger.warning("Build cache %s unreadable, building without it (%s)", self.path, exc)
            self._close()
        return rows

    def _unseal(self, name: str, key: bytes, sealed: bytes) -> bytes | None:
        payload = sealed[32:]
        if hmac.compare_digest(sealed[:32], self._seal(name, key, payload)):
            return payload
        if not self._warned:
            logger.warning("Discarding build cache entries in %s: %s", self.path, FOREIGN)
            self._warned = True
        return None

    @functools.cached_property
    def _key(self) -> bytes:
        # Read once per store: finding the key's path hashes the checkout's path, and a large
        # build seals tens of thousands of entries.
        return cache_key()

    def _seal(self, name: str, key: bytes, payload: bytes) -> bytes:
        head = f"{self.engine}\0{name}\0".encode() + len(key).to_bytes(4, "big") + key
        if len(payload) < _STREAMED:
            return hmac.digest(self._key, head + payload, "sha256")
        mac = hmac.new(self._key, head, "sha256")  # the same MAC, without a copy of a large payload
        mac.update(payload)
        return mac.digest()

    # --- writing ---

    def put(self, space: Space[T], key: bytes, value: T) -> None:
        if space.codec is None:
            self._memory.put(space, key, value)
            return
        if self._refused is not None:
            return
        payload = space.codec.encode(value)
        try:
            db = self._connection(create=True)
            assert db is not None
            db.execute(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                (space.name, key, self._seal(space.name, key, payload) + payload),
            )
        except (sqlite3.Error, OSError) as exc:  # reported by `finish`: the cache only saves time
            self._refused = self._os_error(exc)
            self._close()  # and what this build wrote is rolled back

    def finish(self, used: Mapping[str, set[bytes]] | None, unlisted: Mapping[str, set[bytes]] | None = None) -> None:
        """Keep what this build computed and, after a successful build, drop the entries of the
        spaces it asked that it did not use (`unlisted`: keys where those are likely, see Store.finish).
        Raises OSError when the disk refuses."""
        self._memory.finish(used)
        refused, self._refused = self._refused, None
        if refused is not None:
            raise refused
        if not (self._db is not None and self._db.in_transaction) and not used:
            return
        try:
            db = self._connection(create=True)
            if db is not None:
                _commit(db, used or {}, unlisted or {})
        except sqlite3.Error as exc:
            raise self._os_error(exc) from exc
        finally:
            self._close()

    def _os_error(self, exc: sqlite3.Error | OSError) -> OSError:
        if isinstance(exc, OSError):
            return exc
        code = errno.ENOSPC if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL else errno.EIO
        return OSError(code, str(exc), str(self.path))

    # --- the file ---

    def _connection(self, *, create: bool = False) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        if not create and not self.path.is_file():
            return None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:  # not a database, or not our table: start afresh
            logger.warning("Discarding build cache %s: %s (%s)", self.path, FOREIGN, exc)
            self._close()
            with contextlib.suppress(OSError):
                self.path.unlink()
            if not create:
                return None
            self._db = self._open()
        return self._db

    def _open(self) -> sqlite3.Connection:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.path.is_symlink() or (self.path.exists() and not self.path.is_file()):
            raise sqlite3.DatabaseError("not a regular file")
        # One transaction per build (sqlite3 opens it before the first write); reads need none.
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            # A planted file is untrusted input to SQLite: no schema code, checked cells, no mmap. No
            # fsync either: a killed build still rolls back (its journal is in the OS's cache), and
            # what a power cut could leave is a cache like any damaged one (rows that fail their seal
            # or a file SQLite refuses: recomputed, or built without), while the commit's two or
            # three fsyncs were 30-40 ms of every rebuild's wall time on a busy disk.
            for pragma in ("trusted_schema = OFF", "cell_size_check = ON", "mmap_size = 0", "synchronous = OFF"):
                db.execute(f"PRAGMA {pragma}")
            if not _schema(db):
                with db:
                    for sql in _SCHEMA:
                        db.execute(sql)
                    db.execute("INSERT INTO meta VALUES ('engine', ?)", (self.engine,))
            elif _schema(db) != _expected_schema():
                raise sqlite3.DatabaseError("not our table (unexpected schema)")
            engine = db.execute("SELECT value FROM meta WHERE name = 'engine'").fetchone()
            if engine is None or engine[0] != self.engine:
                with db:  # another engine's entries: never valid for this one
                    db.execute("DELETE FROM entries")
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('engine', ?)", (self.engine,))
        except BaseException:
            db.close()
            raise
        return db

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _schema(db: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Every table, index, view and trigger of the file, as SQLite recorded them."""
    return db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()


@functools.cache
def _expected_schema() -> list[tuple[Any, ...]]:
    db = sqlite3.connect(":memory:")
    for sql in _SCHEMA:
        db.execute(sql)
    found = _schema(db)
    db.close()
    return found


def _commit(db: sqlite3.Connection, used: Mapping[str, set[bytes]], unlisted: Mapping[str, set[bytes]]) -> None:
    """The build's transaction: the rows it wrote stay, the unused rows of the spaces a successful
    build asked go."""
    with db:
        for name, keys in sorted(used.items()):
            # Rows the build did not use are there only if the space holds more rows than it used
            # (counted on the key's index): the usual rebuild reads no space's keys. (Were a used key
            # missing, a stale row could stay a build longer: it is still the value of its key.)
            rows = db.execute("SELECT count(*) FROM entries WHERE space = ?", (name,)).fetchone()[0]
            if rows <= len(keys):
                continue
            # Those the memo names go by their keys: an edit leaves one stale row in a space of some
            # 10,000 (its story's old body, its page's old bytes), found without reading every key.
            named = [(name, key) for key in unlisted.get(name, ()) if key not in keys]
            if named:
                before = db.total_changes
                db.executemany("DELETE FROM entries WHERE space = ? AND key = ?", named)
                rows -= db.total_changes - before
                if rows <= len(keys):
                    continue
            stale = [
                (name, row[0])
                for row in db.execute("SELECT key FROM entries WHERE space = ?", (name,))
                if row[0] not in keys
            ]
            db.executemany("DELETE FROM entries WHERE space = ? AND key = ?", stale)


# --- the key that seals the cache ------------------------------------------------------------------

_CHECKOUT = Path(__file__).resolve().parent.parent


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


class CacheKeyError(OSError):
    """No trustworthy key: the persistent cache is not used."""


def cache_key() -> bytes:
    """The key that seals this checkout's cache; CacheKeyError (an OSError) when unusable."""
    return _load_key(key_path())


_SEAL_MAGIC = b"igs-cache-v1\n"


def seal(payload: bytes) -> bytes:
    """A file's bytes sealed with this checkout's key (for files outside the table)."""
    return _SEAL_MAGIC + hmac.digest(cache_key(), payload, "sha256") + payload


def unseal(data: bytes) -> bytes | None:
    """The payload of a file this checkout's builds sealed, else None."""
    if not data.startswith(_SEAL_MAGIC):
        return None
    mac, payload = data[len(_SEAL_MAGIC) : len(_SEAL_MAGIC) + 32], data[len(_SEAL_MAGIC) + 32 :]
    return payload if hmac.compare_digest(mac, hmac.digest(cache_key(), payload, "sha256")) else None


# --- one cache folder per site ---------------------------------------------------------------------

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
