"""Stage 5: the only stage that touches the output folder.

The complete site is written into a fresh temporary folder beside the output folder and then
swapped into place, so a failed or killed build leaves the previous output exactly as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".output-tmp-"
OLD_PREFIX = ".output-old-"
_RENAME_EXCHANGE = 2


class OutputPathError(ValueError):
    """An output path that would leave the output folder; a bug, never content."""


def safe_join(root: Path, rel: str) -> Path:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or rel != pure.as_posix():
        raise OutputPathError(f"refusing to write outside the output folder: {rel!r}")
    return root.joinpath(*pure.parts)


def check_output_dir(output_dir: Path, protected: list[Path]) -> None:
    """Refuse an output folder that is, or contains, a folder we must never delete."""
    out = output_dir.resolve()
    for path in protected:
        p = path.resolve()
        if out == p or p.is_relative_to(out):
            raise OutputPathError(f"the output folder {output_dir} would contain {path}; choose another folder")
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise OutputPathError(f"refusing to use {output_dir} as output folder")


@contextlib.contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder's parent, so two builds never share a temp folder.

    The lock is on the folder itself (flock on a directory), so no lock file is left behind.
    """
    try:
        import fcntl
    except ImportError:  # not on POSIX: builds are not serialised
        yield
        return
    parent = output_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("Waiting for another build in %s to finish", parent)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean_leftovers(output_dir: Path) -> None:
    """Remove temporary folders of earlier builds that were killed; restore a lost output."""
    parent = output_dir.parent
    if not parent.is_dir():
        return
    prefix = f"{output_dir.name}{TEMP_PREFIX}"
    old_prefix = f"{output_dir.name}{OLD_PREFIX}"
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith(old_prefix) and not output_dir.exists():
            # A build died between two renames (only without an atomic exchange): keep the old site.
            entry.rename(output_dir)
            logger.warning("Restored %s from an interrupted build", output_dir)
        elif entry.name.startswith((prefix, old_prefix)) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
            logger.info("Removed leftover %s", entry)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def write_site(files: Mapping[str, bytes], output_dir: Path) -> int:
    """Build the new tree beside `output_dir`, then put it in place of `output_dir` in one step.

    A file whose bytes equal those in the current output is hard-linked from there (cheap, and the
    old tree is never modified: files are only ever created anew); the others are written and
    flushed. When nothing differs at all, the output is left alone. Returns the number of files
    written (0: nothing changed).
    """
    output_dir = output_dir.absolute()
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output_dir)
    unchanged = _unchanged_files(files, output_dir)
    if len(unchanged) == len(files) and _file_count(output_dir) == len(files):
        logger.info("Output %s is up to date", output_dir)
        return 0
    temp = Path(tempfile.mkdtemp(prefix=f"{output_dir.name}{TEMP_PREFIX}", dir=output_dir.parent))
    written = 0
    try:
        made: set[str] = set()
        for rel in sorted(files):
            target = safe_join(temp, rel)
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            if rel in unchanged:
                os.link(safe_join(output_dir, rel), target)
            else:
                target.write_bytes(files[rel])
                written += 1
        os.chmod(temp, 0o755)
        _flush(temp)
        if output_dir.exists():
            if not _exchange(temp, output_dir):
                old = output_dir.parent / f"{output_dir.name}{OLD_PREFIX}{os.getpid()}"
                output_dir.rename(old)
                temp.rename(output_dir)
                temp = old
        else:
            temp.rename(output_dir)
            return written
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    logger.info("Wrote %d of %d files to %s", written, len(files), output_dir)
    return written


def _unchanged_files(files: Mapping[str, bytes], output_dir: Path) -> set[str]:
    """The output paths whose current file (a regular file, not a link) has exactly these bytes."""
    same = set()
    if not output_dir.is_dir():
        return same
    for rel, data in files.items():
        path = safe_join(output_dir, rel)
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and info.st_size == len(data) and path.read_bytes() == data:
                same.add(rel)
        except OSError:
            continue
    return same


def _file_count(root: Path) -> int:
    """Files and links below root (a stray extra file in the output means: rewrite it)."""
    return sum(len(names) + sum(os.path.islink(os.path.join(d, n)) for n in dirs) for d, dirs, names in os.walk(root))


def _flush(root: Path) -> None:
    """Make the new tree durable before the swap, so a power cut cannot leave empty pages behind.

    One syncfs() of the output's file system costs about as much as a single fsync, where an
    fsync per file cost 2–3 ms each (7 s for 2,700 files); os.sync() where syncfs is missing.
    Hard-linked files were made durable by the build that wrote them.
    """
    libc_name = ctypes.util.find_library("c")
    syncfs = getattr(ctypes.CDLL(libc_name, use_errno=True), "syncfs", None) if libc_name else None
    if syncfs is None:
        os.sync()
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)
