"""Which store belongs to which forum file: the file's identity, the code's fingerprint, and the store's name."""

from __future__ import annotations

import functools
import os
import stat
import sys
import time
from pathlib import Path

from .. import __version__
from . import cache
from .records import digest

STORE_FORMAT = b"cbiic-store-2"
SUFFIX = cache.SUFFIX
PACKAGE = Path(__file__).resolve().parent.parent


class Identity:
    """A forum file as the store knows it: its real path and what stat says about it, taken before it is read."""

    __slots__ = ("changed", "context", "fields", "path", "taken")

    def __init__(self, path: str, info: os.stat_result, taken: float, context: bytes = b"") -> None:
        self.path = path
        # What else the forum's records depend on: a congress's congress.yaml (its themes), by identity.
        self.context = context
        self.fields = stat_fields(info)
        self.changed = max(self.fields[3], self.fields[4]) / 1e9
        self.taken = taken  # when stat was asked: an edit hidden in the same timestamp tick can only come after it

    def same_as(self, other: Identity) -> bool:
        """The same file in the same version (the context is the caller's to compare: the build cannot derive it)."""
        return self.path == other.path and self.fields == other.fields

    def blob(self) -> bytes:
        mine = repr((self.path, self.fields)).encode("utf-8", "surrogateescape")
        return mine + b"\0" + self.context if self.context else mine


def stat_fields(info: os.stat_result) -> list[int]:
    """What identifies a file's version without reading it. Its timestamps are only as fine as the file system's."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def identity_of(location: str, context: bytes = b"") -> Identity | None:
    """The file's identity, or None when it has none a store can key on (standard input, not a regular file).
    ``context``: what else its store depends on (a congress's ``congress.yaml``, by identity)."""
    if location == "-":
        return None
    try:
        taken = time.time()
        as_typed = os.stat(location)  # the path as the loader opens it: "forum.yaml/" is no file, whatever realpath says
        path = os.path.realpath(location)
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if (as_typed.st_dev, as_typed.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(info.st_mode):
        return None
    return Identity(path, info, taken, context)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """Changes whenever what a store holds could: this version, msgspec's, the byte order, and every file of this
    package, found by walking it (so a module added later is covered without being listed), by inode, size and
    modification and change times: an edit, an upgrade or a reinstall changes them (the change time cannot be set
    back, as the modification time can), and stat costs far less than reading."""
    import msgspec

    parts = [STORE_FORMAT, __version__.encode(), msgspec.__version__.encode(), sys.byteorder.encode()]
    for directory, subdirectories, files in os.walk(PACKAGE):
        subdirectories[:] = sorted(name for name in subdirectories if name != "__pycache__")
        for name in sorted(files):
            path = os.path.join(directory, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            relative = os.path.relpath(path, PACKAGE)
            parts.append(
                f"{relative} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}".encode("utf-8", "surrogateescape")
            )
    return digest(b"\0".join(parts))


def file_digest(identity: Identity) -> bytes | None:
    """A digest of the bytes the file holds now, or None if it cannot be read (then the loader says why)."""
    from ..load import ForumSource, read_bytes

    try:
        return digest(read_bytes(ForumSource(identity.path)))
    except Exception:
        return None


def store_name(identity: Identity) -> str:
    return digest(code_fingerprint() + identity.blob()).hex()


def store_path(directory: Path, identity: Identity) -> Path:
    return directory / f"{store_name(identity)}{SUFFIX}"


def temporary_path(directory: Path, identity: Identity) -> Path:
    """Where the one build of this store writes it: one name per store, which the build locks."""
    return directory / f"{cache.TEMPORARY_PREFIX}{store_name(identity)}{SUFFIX}"
