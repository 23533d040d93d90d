"""A query store's records: each body kept with its checksum, and ``StoreDamaged`` for one that does not match.

The lowest part of the store: ``store.py`` writes records, ``store_index.py`` and
``search.py`` read them back, and all three raise ``StoreDamaged`` when the store
says something it cannot back up (then the command is answered afresh from the file).
"""

from __future__ import annotations

from . import cache

RECORD_DIGEST_BYTES = 16


class StoreDamaged(Exception):
    """The store said something it cannot back up: a bad checksum, a missing record, a SQLite error."""


def digest(data: bytes, size: int = 32) -> bytes:
    return cache.blake2b(data, digest_size=size).digest()


def record(body: bytes) -> tuple[bytes, bytes]:
    """A record's body and its checksum, as the store keeps them."""
    return body, digest(body, RECORD_DIGEST_BYTES)


def check_record(body: bytes, checksum: bytes) -> bytes:
    """The body, if it matches its checksum; else ``StoreDamaged``."""
    # SQLite keeps any type in any column: a number where a body should be is damage, not a bug of ours.
    if not isinstance(body, bytes) or not isinstance(checksum, bytes) or digest(body, RECORD_DIGEST_BYTES) != checksum:
        raise StoreDamaged("a record does not match its checksum")
    return body
