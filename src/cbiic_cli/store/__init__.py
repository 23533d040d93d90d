"""The query store: the forum's records in SQLite, built once per file, read for just what a command needs.

A store holds each person, organisation, session, contribution and theme tally
once, as a sealed record (``records.py``: key, places and body under one
checksum, every absence provable), with the lookups the views make, and a
search index of the terms ``search.py`` matches (``ranking.py`` ranks by it).
The YAML stays the source of truth; a store is derived and disposable.

Stores live in the cache directory (``cache.py``), one per forum file, named by
a digest of the code that built it and of the file's real path and identity
(``location.py``). Inside, the store records that identity and a hash of the
file's bytes; it is used only if all of it matches. If the file had changed
within ``build.RACY_SECONDS`` of being looked at (when one timestamp tick could
hide a second edit of the same size), a background build waits that window out
and checks the file again before it trusts stat; a store built in the
foreground compares the file's bytes on every use instead.

This module is on every query's path: it imports nothing heavy until a store
is opened or built.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import cache
from .location import CongressIdentity, Identity, congress_identity_of, identity_of
from .records import StoreDamaged

if TYPE_CHECKING:
    import sqlite3

    from ..query import Index
    from .index import StoreIndex

__all__ = [
    "CongressIdentity",
    "Identity",
    "StoreDamaged",
    "build_after_answering",
    "build_congress_after_answering",
    "congress_identity_of",
    "discard",
    "identity_of",
    "is_damage",
    "open_congress",
    "open_index",
    "usable_cache_dir",
]

_refusal_said = False


def usable_cache_dir() -> Path | None:
    """The cache directory if it can be trusted; else None, and stderr says why (once per process)."""
    global _refusal_said
    directory = cache.cache_dir()
    if directory is None:
        return None
    reason = cache.refusal(directory)
    if reason is None:
        return directory
    if not _refusal_said:
        _refusal_said = True
        from .. import process

        process.say(
            f"not using the query cache {process.printable(str(directory))}: {reason}; answering from the file "
            "(make it yours and private with chmod 700, or set XDG_CACHE_HOME to a directory of your own)"
        )
    return None


def open_index(location: str, context: bytes = b"") -> StoreIndex | None:
    """A ``StoreIndex`` over the store built from the file at ``location`` (in ``context``: see ``identity_of``), or None
    (then the file is loaded)."""
    identity = identity_of(location, context)
    if identity is None:
        return None

    def trusted(connection: sqlite3.Connection, path: Path, identity_body: bytes) -> StoreIndex | None:
        from . import location as places
        from . import shapes
        from .index import StoreIndex
        from .records import store_seal

        stored = shapes.decode(identity_body, shapes.Identity)
        if (
            stored.format != places.code_fingerprint()
            or stored.file != identity.blob()
            or (stored.racy and not _same_bytes(identity.path, stored.content))
        ):
            return None
        return StoreIndex(connection, path, store_seal(identity_body)).check()

    return _opened(identity, trusted)


def open_congress(directory: str, files: list[str], congress: str | None) -> tuple[list[StoreIndex], Any] | None:
    """An index per forum file of the congress directory (``files``, in that order; ``congress``: its congress.yaml,
    or None), all over the one store built from exactly these files in these versions, and congress.yaml as the
    loader validated it (``model.Congress``, or None); or None (then the files are loaded). Opening reads the store's
    identity, catalogue and congress.yaml, nothing of any forum."""
    identity = congress_identity_of(directory, files, congress)
    if identity is None:
        return None

    def trusted(connection: sqlite3.Connection, path: Path, identity_body: bytes) -> tuple[list[StoreIndex], Any] | None:
        from . import location as places
        from . import shapes
        from .index import congress_indexes, read_only
        from .records import store_seal

        stored = shapes.decode(identity_body, shapes.CongressIdentity)
        if (
            stored.format != places.code_fingerprint()
            or stored.congress != identity.blob()
            or not all(_same_bytes(os.fsdecode(racy), content) for racy, content in stored.racy)
        ):
            return None
        seal = store_seal(identity_body)
        info = read_only(connection, shapes.CONGRESS, shapes.CongressFile, seal).congress
        return congress_indexes(connection, path, seal, files), info

    return _opened(identity, trusted)


T = TypeVar("T")


def _opened(identity: Identity | CongressIdentity, trusted: Callable[[sqlite3.Connection, Path, bytes], T | None]) -> T | None:
    """The store of ``identity``, opened read-only, its schema checked, given to ``trusted(connection, path, identity
    record's body)``, which says whether it is the store of these files by this code (None: it is not). A store found
    damaged is deleted; None then too."""
    from ..load import max_bytes

    if any(file.fields[2] > max_bytes() for file in (identity.files if isinstance(identity, CongressIdentity) else [identity])):
        return None  # the loader says why, as it would without a store
    directory = usable_cache_dir()
    if directory is None:
        return None
    from . import location as places
    from . import schema

    path = places.store_path(directory, identity)
    connection = schema.connect_read_only(path, identity.fields[2] if isinstance(identity, Identity) else identity.size)
    if connection is None:
        return None
    import sqlite3

    try:
        schema.check_schema(connection)
        from . import shapes
        from .index import only_row

        found = trusted(connection, path, only_row(connection, shapes.IDENTITY, b"").body)
        if found is None:
            connection.close()
        return found
    except (sqlite3.Error, StoreDamaged, UnicodeDecodeError):  # text SQLite cannot give back as UTF-8 is damage too
        connection.close()
        discard(path)
        return None


def _same_bytes(path: str, content: bytes) -> bool:
    """Built within a timestamp tick of the file's last change: a same-size rewrite may not show in stat, so compare bytes."""
    from .location import file_digest

    return file_digest(path) == content


def build_after_answering(identity: Identity, data: bytes, index: Index, together: int = 1) -> None:
    """Build the store once the answer is out (in the background, when cbiic runs as its own process), else now.
    ``together``: how many stores are used together, this one among them (a congress's forums)."""
    from .. import process
    from .build import build

    settle = process.deferring()  # only where nobody waits for it
    process.after_answering(lambda: build(identity, data, index, settle=settle, together=together))


def build_congress_after_answering(identity: CongressIdentity, data: list[bytes], indexes: list[Index], info: Any) -> None:
    """Build a congress's one store once the answer is out, as ``build_after_answering`` does a forum's: ``data``, the
    bytes read of each of ``identity.files``; ``indexes``, each forum's, in the order of ``identity.forums``;
    ``info``, congress.yaml as loaded (``model.Congress``), or None."""
    from .. import process
    from .build import build_congress

    settle = process.deferring()
    process.after_answering(lambda: build_congress(identity, data, indexes, info, settle=settle))


def discard(path: Path) -> None:
    """Remove a store found untrustworthy, if it is still one of ours."""
    if cache.ENTRY_NAME.fullmatch(path.name):
        cache.unlink_quietly(path)


def is_damage(error: BaseException) -> bool:
    """Whether an error while answering came from a damaged store (then the file is loaded afresh)."""
    import sys

    sqlite3 = sys.modules.get("sqlite3")
    return isinstance(error, (StoreDamaged, UnicodeDecodeError)) or (sqlite3 is not None and isinstance(error, sqlite3.Error))
