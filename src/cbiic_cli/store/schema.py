"""A store's SQL: its one table, opening a store read-only and on a budget, and refusing one of another shape.

The store trusts nothing it reads: it is opened read-only, without following a
symlink, only if it is a regular file of this user's no larger than its forum
could make it; its schema must be exactly the one a build makes (a view,
trigger or altered table could make any read cost anything); every query runs
on a budget of steps and seconds, and no value may be longer than the store
file. What the rows say is checked by ``records.py``.
"""

from __future__ import annotations

import functools
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache
from .records import StoreDamaged, digest

if TYPE_CHECKING:
    import sqlite3

# PRAGMA application_id: "cbst"; PRAGMA user_version: the records' layout. A store of another is not read.
APPLICATION_ID = 0x63627374
SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE store_records (
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    rank        INTEGER,
    next        TEXT,
    body        BLOB NOT NULL,
    body_digest BLOB NOT NULL,
    digest      BLOB NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX store_records_seq ON store_records(kind, seq);
CREATE INDEX store_records_rank ON store_records(kind, rank) WHERE rank IS NOT NULL;
"""
# A store holds the forum's records once and a search index of its words; one much larger than its file could
# make it was not written by us, and is not read.
SIZE_FACTOR = 6
SIZE_SLACK = 4 * 1024 * 1024


def connect_read_only(path: Path, file_size: int) -> sqlite3.Connection | None:
    return _connect_read_only(path, file_size * SIZE_FACTOR + SIZE_SLACK)


def _connect_read_only(path: Path, limit: int) -> sqlite3.Connection | None:
    """A read-only connection to the store at ``path``, if it is a regular file (not a symlink) of at most ``limit`` bytes."""
    import sqlite3

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not wait for a writer
    except OSError:
        return None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or not cache.owned_by_us(info) or info.st_size > limit:
            return None
        # Open the very file checked above, not whatever the name points at by now (Linux); elsewhere the name.
        proc = f"/proc/self/fd/{descriptor}"
        target = proc if os.path.exists(proc) else str(path)
        from urllib.parse import quote

        # immutable: a store is never changed in place (a new one replaces it by rename), so no locks are needed.
        connection = sqlite3.connect(f"file:{quote(target)}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        connection.execute("PRAGMA query_only = ON")
        budget(connection, info.st_size)
        return connection
    except (OSError, sqlite3.Error):
        return None
    finally:
        os.close(descriptor)  # SQLite has its own descriptor by now


# SQLite calls the progress handler every BUDGET_STEP virtual-machine instructions. No query of ours reads a store
# more than a few times over, so a statement gets a fixed allowance plus a share per byte of the store, and the
# connection (one command's answer) many statements' worth: what exceeds either is a store that is not ours
# (an endless view), and the interrupted query's sqlite3.Error is damage, answered from the file.
BUDGET_STEP = 1000
STATEMENT_STEPS = 50_000_000
STATEMENT_STEPS_PER_BYTE = 200
CONNECTION_STATEMENTS = 64
# Steps are not time: one instruction of a function can take as long as its arguments are large. So the connection
# also has a budget of seconds that SQLite spends running (a few, and more for a larger store: legitimately, a
# whole-forum view reads it at far more than BUSY_BYTES_PER_SECOND), and no value, stored or computed, may be
# longer than the store file itself (none of ours is: SQLite stores values as they are). A pause between two calls
# of the progress handler longer than BUSY_GAP is not counted: that is Python making rows from a cursor, or a
# reader not reading its pipe, not SQLite (whose BUDGET_STEP instructions take microseconds).
BUSY_SECONDS = 3.0
BUSY_BYTES_PER_SECOND = 4 * 1024 * 1024
BUSY_GAP = 0.05
LENGTH_FLOOR = 1024 * 1024


def budget(connection: sqlite3.Connection, size: int) -> None:
    """Interrupt any statement on ``connection`` that runs past its allowance, and the connection past its own, in steps
    or in seconds; and refuse any value longer than the store (``size`` bytes) could hold."""
    import sqlite3

    per_statement = (STATEMENT_STEPS + STATEMENT_STEPS_PER_BYTE * size) // BUDGET_STEP
    per_connection = per_statement * CONNECTION_STATEMENTS
    seconds = BUSY_SECONDS + size / BUSY_BYTES_PER_SECOND
    spent = [0, 0]  # calls in this statement, calls on this connection
    busy = [0.0, time.monotonic()]  # seconds SQLite has run on this connection, when it was last seen running
    clock = time.monotonic

    def started(statement: str) -> None:  # every statement SQLite begins: the allowance starts afresh
        spent[0] = 0
        busy[1] = clock()

    def step() -> int:
        spent[0] += 1
        spent[1] += 1
        now = clock()
        if now - busy[1] < BUSY_GAP:
            busy[0] += now - busy[1]
        busy[1] = now
        return int(spent[0] > per_statement or spent[1] > per_connection or busy[0] > seconds)

    connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(size, LENGTH_FLOOR))
    connection.set_trace_callback(started)
    connection.set_progress_handler(step, BUDGET_STEP)


# What a build's schema (sqlite_master's type, name, table and SQL of each entry, in order) digests to, with the
# SQLite this was written with: a store whose schema is anything else holds something the build did not make (a
# view or trigger in a table's place, a table of another shape, one more table), and reading it could run code of
# its making, so it is damage. Another SQLite may word its FTS5 tables otherwise: then the build's schema is made
# in memory (a few milliseconds) and compared. tests/test_store_budget.py says when this is out of date.
SCHEMA_DIGEST = bytes.fromhex("c2af47de92d3f8496d97f5ba2bac1e40f246dc4b06fd0fdb7f8dd647b228ab77")


def schema_digest(connection: sqlite3.Connection) -> bytes:
    # As bytes: a damaged schema need not be UTF-8, and reading it as text would fail before it could be compared.
    sql = "SELECT CAST(type AS BLOB), CAST(name AS BLOB), CAST(tbl_name AS BLOB), CAST(sql AS BLOB) FROM main.sqlite_master ORDER BY rowid"
    return digest(repr(connection.execute(sql).fetchall()).encode())


@functools.lru_cache(maxsize=1)
def built_schema_digest() -> bytes:
    """The digest of the schema a build makes, made as ``create_schema`` makes it, in memory."""
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        create_schema(connection)
        return schema_digest(connection)
    finally:
        connection.close()


def create_schema(connection: sqlite3.Connection) -> None:
    connection.executescript(SCHEMA)
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def check_schema(connection: sqlite3.Connection) -> None:
    """Before anything else is read: until then, a table may be a view of any cost."""
    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if application_id != APPLICATION_ID or version != SCHEMA_VERSION:
        raise StoreDamaged("not a store of this version")
    found = schema_digest(connection)
    if found != SCHEMA_DIGEST and found != built_schema_digest():
        raise StoreDamaged("the store holds a schema its build does not make")
