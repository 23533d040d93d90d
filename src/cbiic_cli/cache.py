"""A cache of validated forums, so a query never pays twice for YAML parsing and validation.

Entries live in ``$XDG_CACHE_HOME/cbiic`` (default ``~/.cache/cbiic``; a relative
XDG_CACHE_HOME is ignored, as the XDG spec says), named by a hash of the file's
bytes, this package's version and the schema source.

The cache trusts nothing it reads. An entry is opened without following a
symlink, only if it is a regular file no larger than its forum could make it,
and used only if its checksum matches and it decodes as a ``Forum`` (which
re-checks every type and constraint); the loader then runs the reference checks
on it before use. Anything else (missing, truncated, corrupt, forged, written by
another version, unreadable or unwritable directory) is a miss: a fresh load,
silently. Pruning deletes only files this module names and writes.
"""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path
from typing import Any

from . import __version__

try:  # blake2b without loading OpenSSL: `import hashlib` alone costs a couple of milliseconds at start-up
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b as _blake2b

MAGIC = b"cbiic-cache-1\n"
DIGEST_BYTES = 32
KEEP_ENTRIES = 16
NO_CACHE_VARIABLE = "CBIIC_NO_CACHE"
SUFFIX = ".msgpack"
# The only files pruning may touch: entries (the hex digest of their key) and
# temporary files an interrupted write left behind.
ENTRY_NAME = re.compile(r"[0-9a-f]{%d}\.msgpack" % (2 * DIGEST_BYTES))
TEMPORARY_PREFIX = ".tmp-cbiic-"
TEMPORARY_NAME = re.compile(re.escape(TEMPORARY_PREFIX) + r"[a-z0-9_]+\.msgpack")
STALE_TEMPORARY_SECONDS = 3600
# msgpack of a forum is smaller than its YAML (about 0.9x); an entry much larger
# than its source was not written by us, and is not read.
ENTRY_SIZE_FACTOR = 2
ENTRY_SIZE_SLACK = 64 * 1024


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


def _schema_fingerprint() -> bytes:
    """Changes whenever the types change, even without a version bump (a developer's checkout)."""
    model_source = Path(__file__).with_name("model.py")
    try:
        return model_source.read_bytes()
    except OSError:
        return b""


def entry_path(data: bytes) -> Path | None:
    import msgspec

    directory = cache_dir()
    if directory is None:
        return None
    digest = _blake2b(digest_size=DIGEST_BYTES)
    for part in (__version__.encode(), msgspec.__version__.encode(), _schema_fingerprint(), data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return directory / f"{digest.hexdigest()}{SUFFIX}"


def size_limit(source_bytes: int) -> int:
    """The largest entry a forum file of ``source_bytes`` can have."""
    return ENTRY_SIZE_FACTOR * source_bytes + ENTRY_SIZE_SLACK


def read(path: Path, limit: int) -> Any | None:
    """The cached Forum at ``path``, or None if there is no trustworthy entry of at most ``limit`` bytes.

    The Forum's types and constraints are checked on decode; its references are the caller's to check.
    """
    import msgspec

    from .model import Forum

    blob = _read_regular_file(path, limit)
    header = len(MAGIC) + DIGEST_BYTES
    if blob is None or len(blob) < header or not blob.startswith(MAGIC):
        return None
    payload = memoryview(blob)[header:]
    if _blake2b(payload, digest_size=DIGEST_BYTES).digest() != blob[len(MAGIC) : header]:
        return None
    try:
        return msgspec.msgpack.decode(payload, type=Forum)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError, RecursionError):
        return None


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """The file's bytes if it is a regular file (not a symlink, FIFO or device) of at most ``limit`` bytes."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks = []
        remaining = limit + 1  # the size may change between fstat and read: never read past the limit
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        blob = b"".join(chunks)
        return blob if len(blob) <= limit else None
    except OSError:
        return None
    finally:
        os.close(descriptor)


def write(path: Path, forum: Any) -> None:
    """Store ``forum`` atomically; any failure just means no cache this time."""
    import tempfile

    import msgspec

    payload = msgspec.msgpack.encode(forum)
    blob = MAGIC + _blake2b(payload, digest_size=DIGEST_BYTES).digest() + payload
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX, suffix=SUFFIX)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(path.parent)
    except OSError:
        pass


def discard(path: Path) -> None:
    """Remove an entry found untrustworthy, if it is still one of ours."""
    if ENTRY_NAME.fullmatch(path.name):
        try:
            path.unlink()
        except OSError:
            pass


def _prune(directory: Path) -> None:
    """Keep the cache small: only the most recently written entries survive.

    Only this module's own files are candidates: entries named by their digest and
    temporary files left by an interrupted write, as regular files (never a
    symlink's target) directly inside the cache directory. Anything else a user
    keeps there is left alone.
    """
    entries: list[tuple[float, str]] = []
    now = time.time()
    with os.scandir(directory) as listing:
        for item in listing:
            try:
                if not item.is_file(follow_symlinks=False):
                    continue
                modified = item.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if ENTRY_NAME.fullmatch(item.name):
                entries.append((modified, item.name))
            elif TEMPORARY_NAME.fullmatch(item.name) and now - modified > STALE_TEMPORARY_SECONDS:
                _unlink_quietly(directory / item.name)
    entries.sort(reverse=True)
    for _, name in entries[KEEP_ENTRIES:]:
        _unlink_quietly(directory / name)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
