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


class CongressIdentity:
    """A congress directory as its one store knows it: every forum file's identity, by name in the directory's
    order, and ``congress.yaml``'s (whose themes every forum may use). Adding, removing, renaming or editing any of
    them gives another identity, and so another store."""

    __slots__ = ("_blob", "congress", "directory", "forums")

    def __init__(self, directory: str, forums: list[tuple[str, Identity]], congress: Identity | None) -> None:
        self.directory = directory
        self.forums = forums
        self.congress = congress
        self._blob: bytes | None = None

    @property
    def files(self) -> list[Identity]:
        """Every file the store is built from: the forums', then ``congress.yaml``."""
        return [identity for _, identity in self.forums] + ([self.congress] if self.congress is not None else [])

    @property
    def size(self) -> int:
        return sum(identity.fields[2] for identity in self.files)

    def same_as(self, other: CongressIdentity) -> bool:
        mine, theirs = self.files, other.files
        return (
            self.directory == other.directory
            and [name for name, _ in self.forums] == [name for name, _ in other.forums]
            and (self.congress is None) == (other.congress is None)
            and len(mine) == len(theirs)
            and all(a.same_as(b) for a, b in zip(mine, theirs))
        )

    def blob(self) -> bytes:
        if self._blob is None:
            self._blob = self._made_blob()
        return self._blob

    def _made_blob(self) -> bytes:
        parts = [b"congress", self.directory.encode("utf-8", "surrogateescape")]
        parts += [name.encode("utf-8", "surrogateescape") + b"\0" + identity.blob() for name, identity in self.forums]
        parts.append(self.congress.blob() if self.congress is not None else b"")
        # Each part with its length, so that no two lists of files run together into the same bytes.
        return b"".join(len(part).to_bytes(4, "big") + part for part in parts)


def congress_identity_of(directory: str, files: list[str], congress: str | None) -> CongressIdentity | None:
    """The identity of a congress directory whose forum files are ``files`` (names in it) and whose ``congress.yaml``
    is at ``congress`` (None: it has none); None if any of them has no identity a store can key on."""
    forums = []
    for name in files:
        identity = identity_of(os.path.join(directory, name))
        if identity is None:
            return None
        forums.append((name, identity))
    shared = identity_of(congress) if congress is not None else None
    if congress is not None and shared is None:
        return None
    return CongressIdentity(os.path.realpath(directory), forums, shared)


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


def file_digest(identity: Identity | str) -> bytes | None:
    """A digest of the bytes the file holds now, or None if it cannot be read (then the loader says why)."""
    from ..load import ForumSource, read_bytes

    try:
        return digest(read_bytes(ForumSource(identity if isinstance(identity, str) else identity.path)))
    except Exception:
        return None


def store_name(identity: Identity | CongressIdentity) -> str:
    return digest(code_fingerprint() + identity.blob()).hex()


def store_path(directory: Path, identity: Identity | CongressIdentity) -> Path:
    return directory / f"{store_name(identity)}{SUFFIX}"


def temporary_path(directory: Path, identity: Identity | CongressIdentity) -> Path:
    """Where the one build of this store writes it: one name per store, which the build locks."""
    return directory / f"{cache.TEMPORARY_PREFIX}{store_name(identity)}{SUFFIX}"
