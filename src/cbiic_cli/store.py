"""The query store: the forum as an indexed SQLite database, built once per file, queried for just what a command needs.

A store is the database ``cbiic export sqlite`` writes (the same schema, from
``export.ddl``; who said what and which themes it carries are found in its
tables) plus tables of its own, prefixed ``store_``: each person, organisation
and contribution as a checksummed msgpack record (so a view shows exactly the
values the loader validated), with the roles and article order the views use,
and a search index of the terms ``search.py`` matches, folded its way (the
export's FTS5 table folds words as SQLite does, not as cbiic search does), so
that BM25 is computed by SQLite. The YAML stays the source of truth; a store
is derived and disposable.

Stores live in the cache directory (``cache.cache_dir``), one per forum file,
named by a hash of this package's version, the stat of the modules that shape
a store, the file's real path and its identity (device, inode, size,
modification and change times in nanoseconds). Inside, the store records that
identity and a hash of the file's bytes. A store is used only if all of it
matches. If the file had changed within ``RACY_SECONDS`` of being looked at
(when one timestamp tick could hide a second edit of the same size), a
background build waits that window out and checks the file again before it
trusts stat; a store built in the foreground compares the file's bytes on
every use instead.

The store trusts nothing it reads: it is opened read-only, without following a
symlink, only if it is a regular file no larger than its forum could make it;
its schema must be exactly the one a build makes (a view, trigger or altered
table could make any read cost anything); every query runs on a budget of
steps and seconds, and no value may be longer than the store file; every record is checked against its checksum and decoded into the model's
strict types; a reference to a record that is not there, or any SQLite error,
is ``StoreDamaged``, and the command is answered afresh from the file. Pruning
deletes only files this module names and writes.
"""

from __future__ import annotations

import functools
import os
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__, cache
from .store_records import RECORD_DIGEST_BYTES as RECORD_DIGEST_BYTES  # re-exported: tests forge records with it
from .store_records import StoreDamaged, record
from .store_records import digest as _digest

if TYPE_CHECKING:
    import sqlite3

    from .query import ForumIndex
    from .store_index import StoreIndex

STORE_FORMAT = b"cbiic-store-1"
SUFFIX = cache.SUFFIX
RACY_SECONDS = 2.0
# A store holds the forum several times over (records, the export's tables, the search index); one much larger
# than its file could make it was not written by us, and is not read.
SIZE_FACTOR = 16
SIZE_SLACK = 4 * 1024 * 1024

STORE_SCHEMA = """
CREATE TABLE store_identity (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE store_records (
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    rank   INTEGER,
    body   BLOB NOT NULL,
    digest BLOB NOT NULL,
    UNIQUE (kind, key)
);
CREATE INDEX store_records_seq ON store_records(kind, seq);
CREATE INDEX store_records_rank ON store_records(kind, rank);
CREATE TABLE store_search_documents (seq INTEGER PRIMARY KEY, length INTEGER NOT NULL, body BLOB NOT NULL, digest BLOB NOT NULL);
-- Per term and document, the BM25 weighted count of the words that answer to the term: in people's words,
-- and in our classification (theme labels and aliases), which a quoted phrase does not search.
CREATE TABLE store_search_terms (
    term       TEXT NOT NULL,
    document   INTEGER NOT NULL,
    words      REAL NOT NULL,
    classified REAL NOT NULL,
    PRIMARY KEY (term, document)
) WITHOUT ROWID;
CREATE TABLE store_search_themes (theme TEXT NOT NULL, document INTEGER NOT NULL, PRIMARY KEY (theme, document)) WITHOUT ROWID;
"""


# -- where a store is, and whether it belongs to this file ------------------------


class Identity:
    """A forum file as the store knows it: its real path and what stat says about it, taken before it is read."""

    __slots__ = ("changed", "fields", "path", "taken")

    def __init__(self, path: str, info: os.stat_result, taken: float) -> None:
        self.path = path
        self.fields = stat_fields(info)
        self.changed = max(self.fields[3], self.fields[4]) / 1e9
        self.taken = taken  # when stat was asked: an edit hidden in the same timestamp tick can only come after it

    def same_as(self, other: Identity) -> bool:
        return self.path == other.path and self.fields == other.fields


def stat_fields(info: os.stat_result) -> list[int]:
    """What identifies a file's version without reading it. Its timestamps are only as fine as the file system's."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]


def identity_of(location: str) -> Identity | None:
    """The file's identity, or None when it has none a store can key on (standard input, not a regular file)."""
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
    return Identity(path, info, taken)


@functools.lru_cache(maxsize=1)
def _format_fingerprint() -> bytes:
    """Changes whenever the store's meaning could: this version, msgspec's, and the modules that shape what it holds.

    The modules by size and modification time (an edit in a checkout changes them), not by content:
    reading and hashing them cost more than the rest of a query by id.
    """
    import msgspec

    parts = [STORE_FORMAT, __version__.encode(), msgspec.__version__.encode()]
    for name in ("model.py", "query.py", "store.py", "store_records.py", "store_index.py", "search.py", "words.py"):
        try:
            info = Path(__file__).with_name(name).stat()
            parts.append(f"{name} {info.st_size} {info.st_mtime_ns}".encode())
        except OSError:
            parts.append(name.encode())
    return _digest(b"\0".join(parts))


def store_path(identity: Identity) -> Path | None:
    directory = cache.cache_dir()
    if directory is None:
        return None
    key = _format_fingerprint() + repr((identity.path, identity.fields)).encode("utf-8", "surrogateescape")
    return directory / f"{_digest(key).hex()}{SUFFIX}"


# -- opening -----------------------------------------------------------------------


def open_index(location: str) -> StoreIndex | None:
    """A ``StoreIndex`` over the store built from the file at ``location``, or None (then the file is loaded)."""
    identity = identity_of(location)
    if identity is None:
        return None
    from .load import max_bytes

    if identity.fields[2] > max_bytes():
        return None  # the loader says why, as it would without a store
    path = store_path(identity)
    if path is None:
        return None
    connection = _connect_read_only(path, identity.fields[2] * SIZE_FACTOR + SIZE_SLACK)
    if connection is None:
        return None
    import sqlite3

    try:
        if not _belongs_to(connection, identity):
            connection.close()
            return None
        from .store_index import StoreIndex

        return StoreIndex(connection, path)
    except (sqlite3.Error, StoreDamaged):
        connection.close()
        discard(path)
        return None


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
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        # Open the very file checked above, not whatever the name points at by now (Linux); elsewhere the name.
        proc = f"/proc/self/fd/{descriptor}"
        target = proc if os.path.exists(proc) else str(path)
        from urllib.parse import quote

        # immutable: a store is never changed in place (a new one replaces it by rename), so no locks are needed.
        connection = sqlite3.connect(f"file:{quote(target)}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        connection.execute("PRAGMA query_only = ON")
        _budget(connection, info.st_size)
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


def _budget(connection: sqlite3.Connection, size: int) -> None:
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
SCHEMA_DIGEST = bytes.fromhex("f914ca94b577411ff5ae29ec3949f933928804dc611dffb917d9e23e3cebb8b4")


def _schema_digest(connection: sqlite3.Connection) -> bytes:
    rows = connection.execute("SELECT type, name, tbl_name, sql FROM main.sqlite_master ORDER BY rowid").fetchall()
    return _digest(repr(rows).encode("utf-8", "surrogateescape"))


@functools.lru_cache(maxsize=1)
def built_schema_digest() -> bytes:
    """The digest of the schema ``_fill`` makes, made as it makes it, in memory."""
    import sqlite3

    connection = sqlite3.connect(":memory:")
    try:
        _create_schema(connection)
        return _schema_digest(connection)
    finally:
        connection.close()


def _create_schema(connection: sqlite3.Connection) -> None:
    from .export import ddl

    ddl.create_schema(connection)
    connection.executescript(STORE_SCHEMA)


def _check_schema(connection: sqlite3.Connection) -> None:
    found = _schema_digest(connection)
    if found != SCHEMA_DIGEST and found != built_schema_digest():
        raise StoreDamaged("the store holds a schema its build does not make")


def _belongs_to(connection: sqlite3.Connection, identity: Identity) -> bool:
    from .export import ddl

    application_id = connection.execute("PRAGMA application_id").fetchone()[0]
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if application_id != ddl.APPLICATION_ID or version != ddl.SCHEMA_VERSION:
        return False
    _check_schema(connection)  # before anything else is read: until then, a table may be a view of any cost
    stored = dict(connection.execute("SELECT name, value FROM store_identity").fetchall())
    if stored.get("format") != _format_fingerprint() or stored.get("file") != _identity_blob(identity):
        return False
    if stored.get("racy") == b"\x00":
        return True
    # Built within a timestamp tick of the file's last change: a same-size rewrite may not show in stat, so compare bytes.
    from .load import ForumSource, read_bytes

    try:
        data = read_bytes(ForumSource(identity.path))
    except Exception:  # unreadable now: the loader reports it
        return False
    return stored.get("content") == _digest(data)


def _identity_blob(identity: Identity) -> bytes:
    return repr((identity.path, identity.fields)).encode("utf-8", "surrogateescape")


# -- building ----------------------------------------------------------------------


def build(identity: Identity, data: bytes, index: ForumIndex, settle: bool = False) -> None:
    """Write the store for the file ``identity`` names, whose bytes were ``data``; any failure just means no store.

    ``settle`` (in the background, where waiting costs nobody anything): a file changed within
    RACY_SECONDS of the build is looked at again once that time has passed. If it is as it was,
    in identity and in bytes, any later change will show in stat, and the store need not hash the
    file on every use; if it changed, the store is not installed.
    """
    import sqlite3
    import tempfile

    path = store_path(identity)
    now = identity_of(identity.path)
    if path is None or now is None or not identity.same_as(now):
        return  # changed while it was read: this store would describe neither version
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=cache.TEMPORARY_PREFIX, suffix=SUFFIX)
        os.close(handle)
        try:
            # Racy: the file had changed within a timestamp tick of when it was looked at (and then read), so an
            # edit of the same size in that tick, before or after the read, would not show in stat.
            racy = identity.changed >= identity.taken - RACY_SECONDS
            _fill(Path(temporary), identity, data, index, racy=racy)
            if racy and settle and not _from_the_future(identity):
                if not _unchanged_after_settling(identity, data):
                    raise _Abandoned()
                with sqlite3.connect(temporary) as connection:
                    connection.execute("UPDATE store_identity SET value = ? WHERE name = 'racy'", (b"\x00",))
                connection.close()
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        cache.prune(path.parent)
    except (OSError, sqlite3.Error, _Abandoned):
        pass


class _Abandoned(Exception):
    """The file changed while its store was being built."""


def _from_the_future(identity: Identity) -> bool:
    """Dated later than when it was looked at (clock skew, an archive from elsewhere): no wait would settle it, so the
    store stays one that compares the file's bytes on every use."""
    return identity.changed > identity.taken + 1


def _unchanged_after_settling(identity: Identity, data: bytes) -> bool:
    time.sleep(min(max(0.0, identity.changed + RACY_SECONDS - time.time()), RACY_SECONDS + 1) + 0.01)
    now = identity_of(identity.path)
    if now is None or not identity.same_as(now):
        return False
    from .load import ForumSource, read_bytes

    try:
        return _digest(read_bytes(ForumSource(identity.path))) == _digest(data)
    except Exception:  # unreadable now: no store
        return False


def _fill(path: Path, identity: Identity, data: bytes, index: ForumIndex, racy: bool) -> None:
    import sqlite3

    from .export import sqlite as export

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        export.fill(connection, index.forum)
        connection.executescript(STORE_SCHEMA)
        connection.execute("BEGIN")
        rows = [
            ("format", _format_fingerprint()),
            ("file", _identity_blob(identity)),
            ("content", _digest(data)),
            ("racy", b"\x01" if racy else b"\x00"),
        ]
        connection.executemany("INSERT INTO store_identity VALUES (?, ?)", rows)
        _fill_records(connection, index)
        _fill_search(connection, index)
        connection.execute("COMMIT")
    finally:
        connection.close()


def _fill_records(connection: sqlite3.Connection, index: ForumIndex) -> None:
    import msgspec

    from .store_index import Frame

    encode = msgspec.msgpack.Encoder().encode
    forum = index.forum
    frame = Frame(**{name: getattr(forum, name) for name in Frame.__struct_fields__})
    rows: list[tuple[Any, ...]] = [("frame", "forum", 0, None, *record(encode(frame)))]
    rank = index.article_rank
    roles = index.roles
    rows += [("person", p.slug, seq, rank[p.slug], *record(encode((p, *roles[p.slug])))) for seq, p in enumerate(forum.people)]
    rows += [("organisation", o.id, seq, None, *record(encode(o))) for seq, o in enumerate(forum.organisations)]
    rows += [("session", s.id, seq, None, *record(encode(s))) for seq, s in enumerate(forum.sessions)]
    rows += [("contribution", c.id, seq, None, *record(encode((c.kind, c.part_of, c.item)))) for seq, c in enumerate(index.contributions)]
    # What `cbiic themes` (and the summary) says of each theme, counted once here rather than over every talk per query.
    tallies = [(theme.id, index.theme_tally(theme.id)) for theme in forum.themes]
    rows += [("tally", theme_id, seq, None, *record(encode(tally.as_tuple()))) for seq, (theme_id, tally) in enumerate(tallies)]
    connection.executemany("INSERT INTO store_records VALUES (?, ?, ?, ?, ?, ?)", rows)


def _fill_search(connection: sqlite3.Connection, index: ForumIndex) -> None:
    import msgspec

    from . import search

    encode = msgspec.msgpack.Encoder().encode
    documents = []
    terms = []
    themes = []
    for seq, doc in enumerate(search.documents(index)):
        documents.append((seq, search.document_length(doc), *record(encode((doc.kind, doc.key, doc.fields, doc.themes)))))
        terms += [(term, seq, words, classified) for term, (words, classified) in search.weighted_terms(doc).items()]
        themes += [(theme_id, seq) for theme_id in doc.themes]
    connection.executemany("INSERT INTO store_search_documents VALUES (?, ?, ?, ?)", documents)
    # BM25 needs the number of documents and their total length on every search: counted once, here.
    totals = [("search_documents", len(documents)), ("search_length", sum(length for _, length, _, _ in documents))]
    connection.executemany("INSERT INTO store_identity VALUES (?, ?)", totals)
    terms.sort()  # in primary-key order: each insert appends to the B-tree
    connection.executemany("INSERT INTO store_search_terms VALUES (?, ?, ?, ?)", terms)
    connection.executemany("INSERT OR IGNORE INTO store_search_themes VALUES (?, ?)", themes)


def build_after_answering(identity: Identity, data: bytes, index: ForumIndex) -> None:
    """Build the store once the answer is out (in the background, when cbiic runs as its own process), else now."""
    from . import process

    settle = process.deferring()  # only where nobody waits for it
    process.after_answering(lambda: build(identity, data, index, settle=settle))


def discard(path: Path) -> None:
    """Remove a store found untrustworthy, if it is still one of ours."""
    if cache.ENTRY_NAME.fullmatch(path.name):
        try:
            path.unlink()
        except OSError:
            pass


def is_damage(error: BaseException) -> bool:
    """Whether an error while answering came from a damaged store (then the file is loaded afresh)."""
    import sys

    sqlite3 = sys.modules.get("sqlite3")
    return isinstance(error, StoreDamaged) or (sqlite3 is not None and isinstance(error, sqlite3.Error))
