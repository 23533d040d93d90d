"""Where cbiic keeps what it derives from a forum file (the query stores, ``store.py``), and keeping it small.

The directory is ``$XDG_CACHE_HOME/cbiic`` (default ``~/.cache/cbiic``; a relative
XDG_CACHE_HOME is ignored, as the XDG spec says). It is created private (0700).
Pruning deletes only files this package names and writes there: stores named
by their key's hex digest, and temporary files an interrupted build left
behind. Anything else a user keeps there is left alone.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

try:  # blake2b without loading OpenSSL: `import hashlib` alone costs a couple of milliseconds at start-up
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

KEEP_ENTRIES = 16
# A store is several times the size of its forum file: beyond this many bytes in all, older stores go (the
# newest always stays, whatever its size).
KEEP_BYTES = 2 * 1024**3
NO_CACHE_VARIABLE = "CBIIC_NO_CACHE"
SUFFIX = ".sqlite"
# The only files pruning may touch: stores (the hex digest of their key) and
# temporary files an interrupted build left behind.
ENTRY_NAME = re.compile(r"[0-9a-f]{64}" + re.escape(SUFFIX))
TEMPORARY_PREFIX = ".tmp-cbiic-"
TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"[a-z0-9_]+" + re.escape(SUFFIX))
STALE_TEMPORARY_SECONDS = 3600

__all__ = ["blake2b", "cache_dir", "disabled_by_environment", "prune"]


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


def prune(directory: Path) -> None:
    """Keep the cache small: only the most recently written stores survive, at most KEEP_ENTRIES and KEEP_BYTES.

    Only this package's own files are candidates: stores named by their digest and
    temporary files left by an interrupted build, as regular files (never a
    symlink's target) directly inside the cache directory.
    """
    entries: list[tuple[float, str, int]] = []
    now = time.time()
    with os.scandir(directory) as listing:
        for item in listing:
            try:
                if not item.is_file(follow_symlinks=False):
                    continue
                info = item.stat(follow_symlinks=False)
            except OSError:
                continue
            modified = info.st_mtime
            if ENTRY_NAME.fullmatch(item.name):
                entries.append((modified, item.name, info.st_size))
            elif TEMPORARY_NAME.fullmatch(item.name) and now - modified > STALE_TEMPORARY_SECONDS:
                _unlink_quietly(directory / item.name)
    entries.sort(reverse=True)
    kept = 0
    for number, (_, name, size) in enumerate(entries):
        kept += size
        if number >= KEEP_ENTRIES or (number and kept > KEEP_BYTES):
            _unlink_quietly(directory / name)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
