"""Where cbiic keeps its query stores, whether that place can be trusted, and keeping it small.

The directory is ``$XDG_CACHE_HOME/cbiic`` (default ``~/.cache/cbiic``; a relative
XDG_CACHE_HOME is ignored, as the XDG spec says). It is created private (0700),
and used only while it stays so, as ssh treats its own files: a directory of
another user's, one others may write to, or one inside a directory anybody may
rename things in (world-writable without the sticky bit) could hold a store
somebody else wrote, so then there is no cache, and stderr says why, once.
Pruning deletes only files this package names and writes there: stores named
by their key's hex digest, and temporary files of a build that is no longer
running. Anything else a user keeps there is left alone.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

try:  # blake2b without loading OpenSSL: `import hashlib` alone costs a couple of milliseconds at start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

KEEP_ENTRIES = 16
# A store is a few times the size of its forum file: beyond this many bytes in all, older stores go (the
# newest always stays, whatever its size).
KEEP_BYTES = 2 * 1024**3
NO_CACHE_VARIABLE = "CBIIC_NO_CACHE"
SUFFIX = ".sqlite"
DIGEST_NAME = r"[0-9a-f]{64}"
# The only files pruning may touch: stores (the hex digest of their key) and the temporary file a build of that
# key writes (one name per key: a build holds a lock on it, so a second build of the same data stands aside).
ENTRY_NAME = re.compile(DIGEST_NAME + re.escape(SUFFIX))
TEMPORARY_PREFIX = ".tmp-cbiic-"
TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + DIGEST_NAME + re.escape(SUFFIX))

__all__ = ["blake2b", "cache_dir", "disabled_by_environment", "prune", "refusal"]


def cache_dir() -> Path | None:
    """The cache directory, or None when no absolute location is known (then there is no cache)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # unset, empty or relative: the spec says to ignore it
        # An empty HOME is no home, though expanduser reads it as "/" (and the cache would land in /.cache).
        home = os.environ["HOME"] if "HOME" in os.environ else os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "cbiic"


def disabled_by_environment() -> bool:
    return os.environ.get(NO_CACHE_VARIABLE, "") not in ("", "0")


def refusal(directory: Path) -> str | None:
    """Why the cache directory cannot be trusted, or None if it can (or does not exist yet: it is made private).

    It must be a real directory (not a symlink) of this user's that nobody else may write to; and the directory
    holding it must not let others replace it (world-writable without the sticky bit, as /tmp has)."""
    try:
        info = os.lstat(directory)
    except OSError:  # not there, or not reachable: then nothing can be read from it or made in it either
        info = None
    if info is not None:
        if not stat.S_ISDIR(info.st_mode):
            return "it is not a directory"
        if info.st_uid != os.geteuid():
            return "it belongs to another user"
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return "others can write to it"
    try:
        parent = os.stat(directory.parent)
    except OSError:
        return None  # nothing there yet: making it will fail, and then there is no cache
    if parent.st_mode & stat.S_IWOTH and not parent.st_mode & stat.S_ISVTX:
        return f"anybody can replace it: {directory.parent} is world-writable without the sticky bit"
    return None


def owned_by_us(info: os.stat_result) -> bool:
    """A store file read from the cache must be this user's, as the directory is."""
    return info.st_uid == os.geteuid()


def prune(directory: Path, is_busy: Callable[[Path], bool], together: int = 1) -> None:
    """Keep the cache small: only the most recently written stores survive, at most KEEP_ENTRIES and KEEP_BYTES;
    ``together`` more when a store is one of that many used together (a congress's forums, one store each).

    Only this package's own files are candidates: stores named by their digest and the temporary files of builds
    that no longer run (``is_busy(path)`` says whether one does: its build holds a lock on it), as regular files
    (never a symlink's target) directly inside the cache directory.
    """
    entries: list[tuple[float, str, int]] = []
    with os.scandir(directory) as listing:
        for item in listing:
            try:
                if not item.is_file(follow_symlinks=False):
                    continue
                info = item.stat(follow_symlinks=False)
            except OSError:
                continue
            if ENTRY_NAME.fullmatch(item.name):
                entries.append((info.st_mtime, item.name, info.st_size))
            elif TEMPORARY_NAME.fullmatch(item.name) and not is_busy(directory / item.name):
                unlink_quietly(directory / item.name)
    entries.sort(reverse=True)
    kept = 0
    for number, (_, name, size) in enumerate(entries):
        kept += size
        if number >= KEEP_ENTRIES + together - 1 or (number and kept > KEEP_BYTES):
            unlink_quietly(directory / name)


def unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
