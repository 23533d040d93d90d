"""A store's records, sealed so that nothing it answers from can change unseen, and ``StoreDamaged`` for one that did.

Everything a store holds is a record in one table: a kind, a key, its place in
the file's order (``seq``), for people their place in the article's (``rank``),
the next key of its kind in key order (``next``), and a body. Each record's
checksum covers all of them (the body through its own digest, so a key can be
checked without reading a body) and the store's seal (a digest of its identity
record: which file, in which version, by which code), so a record read under
another key, at another place, beside another neighbour or copied from another
store is damage. What is not there is proven too:

* a key looked up and not found is absent only if the record before it in key
  order names, as its next, a key after it (a deleted record breaks the chain);
* a list read in order numbers its records 0, 1, 2... and ends at the count the
  store's contents record gives (a deleted row leaves a gap or a short list).

So every answer rests on checked records, and damage of any kind (a flipped
byte, a deleted or edited row, a wrong index) raises ``StoreDamaged``; the
command is then answered afresh from the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .cache import blake2b

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")
RECORD_DIGEST_BYTES = 16
COLUMNS = "kind, key, seq, rank, next, body, body_digest, digest"
# The same, without the body (an empty one stands in): enough to check a key, its places and its neighbour.
HEADER_COLUMNS = "kind, key, seq, rank, next, x'', body_digest, digest"
# Rows fetched from a cursor at a time while a list streams: the first soon (a view shows 20 by default), then more.
FIRST_BATCH = 16
LAST_BATCH = 512


class StoreDamaged(Exception):
    """The store said something it cannot back up: a bad checksum, a missing record, a SQLite error."""


def digest(data: bytes, size: int = 32) -> bytes:
    return blake2b(data, digest_size=size).digest()


def _header(kind: str, key: str, seq: int, rank: int | None, following: str | None, body_digest: bytes, store_seal: bytes) -> bytes:
    # Each part with its length, so that no two headers run together into the same bytes.
    parts = [kind, key, str(seq), "" if rank is None else str(rank), "\0" if following is None else following]
    texts = (part.encode("utf-8", "surrogatepass") for part in parts)
    return b"".join(len(data).to_bytes(4, "big") + data for data in (*texts, body_digest, store_seal))


def store_seal(identity_body: bytes) -> bytes:
    """What ties every other record to its store: the digest of the store's identity record's body."""
    return digest(identity_body, RECORD_DIGEST_BYTES)


def seal(kind: str, key: str, seq: int, rank: int | None, following: str | None, body: bytes, store_seal: bytes) -> tuple[Any, ...]:
    """A row of the records table, as ``COLUMNS`` lists them (the identity record's ``store_seal`` is empty)."""
    body_digest = digest(body, RECORD_DIGEST_BYTES)
    checksum = digest(_header(kind, key, seq, rank, following, body_digest, store_seal), RECORD_DIGEST_BYTES)
    return kind, key, seq, rank, following, body, body_digest, checksum


class Row:
    """One record as read and checked: its key, places, next key, and body (checked when first asked for)."""

    __slots__ = ("_body", "_body_digest", "key", "next", "rank", "seq")

    def __init__(self, kind: str, row: tuple[Any, ...], store_seal: bytes) -> None:
        found_kind, key, seq, rank, following, body, body_digest, checksum = row
        # SQLite keeps any type in any column: a number where a key should be is damage, not a bug of ours.
        if not (
            found_kind == kind
            and type(key) is str
            and type(seq) is int
            and (rank is None or type(rank) is int)
            and (following is None or type(following) is str)
            and type(body) is bytes
            and type(body_digest) is bytes
            and type(checksum) is bytes
        ):
            raise StoreDamaged(f"a {kind} record is not what a build writes")
        if digest(_header(kind, key, seq, rank, following, body_digest, store_seal), RECORD_DIGEST_BYTES) != checksum:
            raise StoreDamaged(f"a {kind} record does not match its checksum")
        self.key, self.seq, self.rank, self.next = key, seq, rank, following
        self._body, self._body_digest = body, body_digest

    @property
    def body(self) -> bytes:
        if digest(self._body, RECORD_DIGEST_BYTES) != self._body_digest:
            raise StoreDamaged(f"the body of {self.key!r} does not match its checksum")
        return self._body


# A kind of at most this many records has every key read the first time any is held: one short query, and every
# later check is a set test (a congress asks each of its forums, each of a few dozen people).
EVERY_KEY_AT_MOST = 128
# Records kept once read. A list streamed from the store passes through this many at a time, so memory stays
# flat however long the list; a record asked for again after that is read again.
RECORDS_KEPT = 4096


class Table(Mapping[str, T]):
    """One kind of record: looked up by key (found, or proven absent), read by place, or streamed in order, each
    checked and decoded (``decode(row)``) as it is read."""

    def __init__(
        self, connection: sqlite3.Connection, kind: str, count: int, first: str | None, decode: Callable[[Row], T], store_seal: bytes
    ) -> None:
        self.connection = connection
        self.store_seal = store_seal
        self.kind = kind
        self.decode = decode
        self.count = count
        self.first = first
        self.seen: dict[str, T] = {}
        self.known: set[str] = set()  # keys proven held, by ``hold``
        self.every_key: set[str] | None = None  # every key of the kind, once a check of many keys has read them

    def _rows(self, where: str, parameters: tuple[Any, ...], columns: str = COLUMNS) -> list[Row]:
        sql = f"SELECT {columns} FROM store_records WHERE kind = ? AND {where}"
        return [Row(self.kind, row, self.store_seal) for row in self.connection.execute(sql, (self.kind, *parameters)).fetchall()]

    def _keep(self, key: str, record: T) -> T:
        if len(self.seen) >= RECORDS_KEPT:
            self.seen.clear()
        self.seen[key] = record
        return record

    def _record(self, row: Row) -> T:
        found = self.seen.get(row.key)
        return found if found is not None else self._keep(row.key, self.decode(row))

    def find(self, key: str) -> T | None:
        """The record under ``key``, or None if the store proves it holds none."""
        found = self.seen.get(key)
        if found is not None:
            return found
        row = self.locate(key)
        return None if row is None else self._record(row)

    def locate(self, key: str) -> Row | None:
        """The checked row under ``key`` (body not yet read), or None once the record before it shows there is none."""
        rows = self._rows("key <= ? ORDER BY key DESC LIMIT 1", (key,))
        if not rows:
            if self.first is not None and self.first <= key:
                raise StoreDamaged(f"the store lost the first {self.kind} record")
            return None
        row = rows[0]
        if row.key == key:
            return row
        if row.key > key or (row.next is not None and row.next <= key):
            raise StoreDamaged(f"the store lost a {self.kind} record near {key!r}")
        return None

    def __getitem__(self, key: str) -> T:
        """A record another record refers to: it must be there."""
        found = self.find(key)
        if found is None:
            raise StoreDamaged(f"the store refers to a {self.kind} {key!r} it does not hold")
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self.seen or key in self.known or self.locate(key) is not None)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[str]:
        """Every key in the file's order, each proven there by its record's header, no body read (a congress lists the
        ids of every forum to resolve a reference no forum holds as written)."""
        return self.keys_in_order()

    def keys_in_order(self, order: str = "seq") -> Iterator[str]:
        """Every key in the file's order (``seq``) or, for people, the article's (``rank``), checked as ``stream``
        checks them, without reading a body."""
        return (row.key for row in self._in_order(order, HEADER_COLUMNS))

    def at(self, place: int, order: str = "seq") -> tuple[str, T]:
        """The record at ``place`` in the file's order (``seq``) or, for people, the article's (``rank``)."""
        column = "rank" if order == "rank" else "seq"
        rows = self._rows(f"{column} = ?", (place,))
        if len(rows) != 1 or not 0 <= place < self.count or (rows[0].rank if column == "rank" else rows[0].seq) != place:
            raise StoreDamaged(f"the store lost the {self.kind} record at {place}")
        return rows[0].key, self._record(rows[0])

    def hold(self, keys: set[str]) -> None:
        """Every one of ``keys`` is a record here (references the loader checked): one query per 500, not one each;
        for many, or a kind of few records (a congress's forum), one for every key of the kind, once (each record is
        checked when it is read)."""
        if self.every_key is None:
            asked = keys - self.known - self.seen.keys()
            if len(asked) <= 500 and (self.count > EVERY_KEY_AT_MOST or not asked):
                if asked:
                    chunk = sorted(asked)
                    rows = self._rows(f"key IN ({', '.join('?' * len(chunk))})", tuple(chunk), HEADER_COLUMNS)
                    if {row.key for row in rows} != asked:
                        raise StoreDamaged(f"a record names a {self.kind} the store does not hold")
                    if len(self.known) < RECORDS_KEPT * 16:
                        self.known.update(asked)
                return
            every = [key for (key,) in self.connection.execute("SELECT key FROM store_records WHERE kind = ?", (self.kind,))]
            if len(every) != self.count:
                raise StoreDamaged(f"the store holds {len(every)} {self.kind} records of {self.count}")
            self.every_key = set(every)
        if not self.every_key.issuperset(keys):
            raise StoreDamaged(f"a record names a {self.kind} the store does not hold")

    def each(self, keys: list[str]) -> Iterator[T]:
        """The records under ``keys``, which must all be here, in that order: read a batch at a time as they are used."""
        size = FIRST_BATCH
        position = 0
        while position < len(keys):
            batch = keys[position : position + size]
            position += len(batch)
            wanted = sorted({key for key in batch if key not in self.seen})
            read: dict[str, Row] = {}
            if wanted:
                for row in self._rows(f"key IN ({', '.join('?' * len(wanted))})", tuple(wanted)):
                    read[row.key] = row
            for key in batch:
                found = self.seen.get(key)
                if found is None:
                    # Not read with the batch if it was kept then, and let go since: read alone.
                    alone = read.get(key) or self.locate(key)
                    if alone is None or alone.key != key:
                        raise StoreDamaged(f"the store refers to a {self.kind} {key!r} it does not hold")
                    found = self._record(alone)
                yield found
            size = min(size * 4, LAST_BATCH)

    def stream(self, order: str = "seq") -> Iterator[tuple[str, T]]:
        """Every (key, record) in the file's order (``seq``) or, for people, the article's (``rank``)."""
        return ((row.key, self._record(row)) for row in self._in_order(order, COLUMNS))

    def _in_order(self, order: str, columns: str) -> Iterator[Row]:
        """Every row of the kind in an order, read a batch at a time as they are used: numbered without a gap from 0
        to the count, so a lost record is seen where it was."""
        column = "rank" if order == "rank" else "seq"
        cursor = self.connection.execute(
            f"SELECT {columns} FROM store_records WHERE kind = ? AND {column} IS NOT NULL ORDER BY {column}", (self.kind,)
        )
        expected = 0
        size = FIRST_BATCH
        while batch := cursor.fetchmany(size):
            for raw in batch:
                row = Row(self.kind, raw, self.store_seal)
                if (row.rank if column == "rank" else row.seq) != expected:
                    raise StoreDamaged(f"the store lost the {self.kind} record at {expected}")
                expected += 1
                yield row
            size = min(size * 4, LAST_BATCH)
        if expected != self.count:
            raise StoreDamaged(f"the store holds {expected} {self.kind} records of {self.count}")

    def keys_from(self, start: str, stop: str) -> Iterator[str]:
        """The keys from ``start`` up to (not including) ``stop``, in key order, each proven next to the one before."""
        before = self._rows("key < ? ORDER BY key DESC LIMIT 1", (start,), HEADER_COLUMNS)
        expected = before[0].next if before else self.first
        if before and before[0].key >= start:
            raise StoreDamaged(f"the store's {self.kind} records are out of order")
        for raw in self.connection.execute(
            f"SELECT {HEADER_COLUMNS} FROM store_records WHERE kind = ? AND key >= ? ORDER BY key", (self.kind, start)
        ):
            row = Row(self.kind, raw, self.store_seal)
            if row.key != expected:
                raise StoreDamaged(f"the store lost a {self.kind} record near {start!r}")
            if row.key >= stop:
                return
            yield row.key
            expected = row.next
        if expected is not None:
            raise StoreDamaged(f"the store lost its last {self.kind} records")
