"""Building a store: every record of a loaded forum, sealed, written under a lock, and put in place by rename.

One build per store at a time: a build writes to a temporary file named after
the store and holds a lock on it (``flock``) while it does; a second build of the
same data finds the lock taken and stands aside (its command has answered from
the file already), and leaves nothing behind. A build that was killed leaves its
temporary file unlocked: the next build of that store writes over it, and
pruning removes it. In the background a build runs at the lowest priority, so
that a query started meanwhile is not kept waiting by it.
"""

from __future__ import annotations

import os
import time
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from .. import model, search
from . import cache, location, schema, shapes
from .location import CongressIdentity, Identity, identity_of
from .records import COLUMNS, digest, seal, store_seal

if TYPE_CHECKING:
    import sqlite3

    from ..query import Index

RACY_SECONDS = 2.0


class _Abandoned(Exception):
    """The file changed while its store was being built."""


def build(identity: Identity, data: bytes, index: Index, settle: bool = False, together: int = 1) -> None:
    """Write the store for the file ``identity`` names, whose bytes were ``data``; any failure just means no store.

    ``settle`` (in the background, where waiting costs nobody anything): a file changed within
    RACY_SECONDS of the build is looked at again once that time has passed. If it is as it was,
    in identity and in bytes, any later change will show in stat, and the store need not hash the
    file on every use; if it changed, the store is not installed.

    ``together``: how many stores are used together (a congress's forums), which pruning keeps beside the others.
    """

    def records(racy: list[tuple[Identity, bytes]]) -> dict[str, list[Unsealed]]:
        found = _forum_records(index)
        stamp = shapes.Identity(location.code_fingerprint(), identity.blob(), digest(data), bool(racy))
        found[shapes.IDENTITY] = [(shapes.ONLY, 0, None, _encode(stamp))]
        return found

    _build(identity, [(identity, data)], records, settle, together)


def build_congress(
    identity: CongressIdentity, data: list[bytes], indexes: list[Index], info: model.Congress | None, settle: bool = False
) -> None:
    """Write a congress's one store: every forum's records, each forum's under kinds of its own (``shapes.forum_kind``),
    a catalogue of the forums, congress.yaml (``info``) and its themes once, and the identity of every file (``data``:
    the bytes read of each of ``identity.files``; ``indexes``: each forum's, as ``identity.forums`` lists them). As
    ``build`` does, otherwise."""
    shared = info.themes if info is not None else []

    def records(racy: list[tuple[Identity, bytes]]) -> dict[str, list[Unsealed]]:
        found: dict[str, list[Unsealed]] = {}
        entries = []
        for number, ((file, _), index) in enumerate(zip(identity.forums, indexes, strict=True)):
            frame = index.frame
            own = _own_themes(frame.themes, shared)
            for kind, rows in _forum_records(index, bundled=True).items():
                found[shapes.forum_kind(number, kind)] = rows
            themes = own if own is not None else frame.themes
            entries.append(shapes.CatalogueEntry(os.fsencode(file), frame.id, frame.forum, frame.source, own is not None, themes))
        found[shapes.CONGRESS_TALLY] = _congress_tallies(indexes)
        found[shapes.CATALOGUE] = [(shapes.ONLY, 0, None, _encode(shapes.Catalogue(entries)))]
        found[shapes.SHARED_THEMES] = [(shapes.ONLY, 0, None, _encode(shared))]
        found[shapes.CONGRESS] = [(shapes.ONLY, 0, None, _encode(shapes.CongressFile(info)))]
        stamp = shapes.CongressIdentity(location.code_fingerprint(), identity.blob(), [(os.fsencode(i.path), digest(d)) for i, d in racy])
        found[shapes.IDENTITY] = [(shapes.ONLY, 0, None, _encode(stamp))]
        return found

    _build(identity, list(zip(identity.files, data, strict=True)), records, settle, 1)


def _congress_tallies(indexes: list[Index]) -> list[Unsealed]:
    """A record for each theme any forum knows: its tally in each forum that knows it."""
    knowing: dict[str, list[int]] = {}
    for number, index in enumerate(indexes):
        for theme_id in index.themes:
            knowing.setdefault(theme_id, []).append(number)
    return [
        (
            theme_id,
            seq,
            None,
            _encode(shapes.CongressTally(forums, [shapes.Tally(*indexes[n].theme_tally(theme_id).as_tuple()) for n in forums])),
        )
        for seq, (theme_id, forums) in enumerate(sorted(knowing.items()))
    ]


def _own_themes(themes: list[model.Theme], shared: list[model.Theme]) -> list[model.Theme] | None:
    """The fewest of the forum's themes, the congress's it ends with left out, such that ``shapes.with_shared`` gives them all back;
    None if no such split gives back exactly ``themes``."""
    for cut in range(len(themes) + 1):
        own = themes[:cut]
        if shapes.with_shared(own, shared) == themes:
            return own
    return None


def _build(
    key: Identity | CongressIdentity,
    sources: list[tuple[Identity, bytes]],
    records: Callable[[list[tuple[Identity, bytes]]], dict[str, list[Unsealed]]],
    settle: bool,
    together: int,
) -> None:
    """Write the store ``key`` names from ``records(racy)``, where ``sources`` are the files it is built from and the
    bytes read of each, and ``racy`` those of them that may have changed unseen (whose bytes the store compares on
    every use)."""
    import sqlite3

    directory = cache.cache_dir()
    if directory is None or not all(_unchanged(identity) for identity, _ in sources):
        return  # changed while it was read: this store would describe neither version
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if cache.refusal(directory) is not None:
            return
        final = location.store_path(directory, key)
        temporary = location.temporary_path(directory, key)
        with _locked(temporary) as held:
            if not held:
                return  # another build of this store runs: it cleans up after itself
            if _ours(final):  # one has just put it in place: this file, made by trying the lock, goes
                cache.unlink_quietly(temporary)
                return
            try:
                # Racy: the file had changed within a timestamp tick of when it was looked at (and then read), so an
                # edit of the same size in that tick, before or after the read, would not show in stat.
                racy = [(identity, data) for identity, data in sources if identity.changed >= identity.taken - RACY_SECONDS]
                if racy and settle and not any(_from_the_future(identity) for identity, _ in racy):
                    if not _unchanged_after_settling(racy):
                        raise _Abandoned()
                    racy = []
                _fill(temporary, records(racy))
                os.replace(temporary, final)
            except BaseException:
                cache.unlink_quietly(temporary)
                raise
        cache.prune(directory, is_busy, together)
    except (OSError, sqlite3.Error, UnicodeError, _Abandoned):  # a name or text a store cannot hold: then no store
        pass


def _unchanged(identity: Identity) -> bool:
    now = identity_of(identity.path)
    return now is not None and identity.same_as(now)


def _ours(path: Path) -> bool:
    """A store in place: a regular file of this user's (anything else there is replaced by the build)."""
    import stat

    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and cache.owned_by_us(info)


@contextmanager
def _locked(path: Path) -> Iterator[bool]:
    """Whether this process holds the build lock of the store ``path`` is the temporary file of; it is created empty."""
    import fcntl

    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            # Still the file at that name (pruning may have removed an abandoned one between open and lock)?
            same = os.path.samestat(os.fstat(descriptor), os.lstat(path))
        except OSError:
            same = False
        if same:
            os.ftruncate(descriptor, 0)  # what a killed build left
        yield same
    finally:
        os.close(descriptor)  # and with it the lock


def is_busy(path: Path) -> bool:
    """Whether a build holds the lock on this temporary file (else it was left by one that was killed)."""
    import fcntl

    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return True  # gone already, or not ours to judge
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(descriptor)


def _from_the_future(identity: Identity) -> bool:
    """Dated later than when it was looked at (clock skew, an archive from elsewhere): no wait would settle it, so the
    store stays one that compares the file's bytes on every use."""
    return identity.changed > identity.taken + 1


def _unchanged_after_settling(racy: list[tuple[Identity, bytes]]) -> bool:
    """Wait until none of the files can change unseen any more, and see whether each is still what was read."""
    changed = max(identity.changed for identity, _ in racy)
    time.sleep(min(max(0.0, changed + RACY_SECONDS - time.time()), RACY_SECONDS + 1) + 0.01)
    return all(_unchanged(identity) and location.file_digest(identity) == digest(data) for identity, data in racy)


def _fill(path: Path, records: dict[str, list[Unsealed]]) -> None:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # No journal: a build that fails is thrown away whole, and a journal file would outlive a killed one.
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        schema.create_schema(connection)
        connection.execute("BEGIN")
        _write(connection, records)
        connection.execute("COMMIT")
    finally:
        connection.close()


# A record before it is sealed (its kind is where it is kept): key, seq (the file's order), rank (the article's,
# for people), body.
Unsealed = tuple[str, int, "int | None", bytes]


def _write(connection: sqlite3.Connection, records: dict[str, list[Unsealed]]) -> None:
    """Seal every record with its key's successor of the same kind and the store's seal (the identity record's
    digest; the identity record itself has none), and insert them."""
    marks = ", ".join("?" * len(COLUMNS.split(", ")))
    (identity,) = records[shapes.IDENTITY]
    sealed_by = store_seal(identity[3])
    for kind, rows in records.items():
        this_seal = b"" if kind == shapes.IDENTITY else sealed_by
        rows.sort(key=lambda row: row[0])
        following = [row[0] for row in rows[1:]] + [None]
        connection.executemany(
            f"INSERT INTO store_records ({COLUMNS}) VALUES ({marks})",
            (seal(kind, key, seq, rank, after, body, this_seal) for (key, seq, rank, body), after in zip(rows, following)),
        )


_encode = msgspec.msgpack.Encoder().encode


def _forum_records(index: Index, bundled: bool = False) -> dict[str, list[Unsealed]]:
    """Every record of one forum but the store's identity: its kinds as a forum's own store files them; ``bundled``
    (a congress's forum), every theme's tally in one record, and its themes left to the congress's catalogue."""
    encode = _encode
    forum = index.forum
    contributions = index.contributions
    records: dict[str, list[Unsealed]] = {}

    def add(kind: str, key: str, seq: int, body: Any, rank: int | None = None) -> None:
        records.setdefault(kind, []).append((key, seq, rank, encode(body)))

    frame = shapes.Frame(**{name: getattr(forum, name) for name in shapes.Frame.__struct_fields__})
    if bundled:
        frame = msgspec.structs.replace(frame, themes=[])
    add(shapes.STAGE, shapes.ONLY, 0, shapes.Stage(opening=forum.opening, panel=forum.panel))
    add(shapes.FRAME, shapes.ONLY, 0, frame)
    said: dict[str, list[str]] = {}
    possibly: dict[str, list[str]] = {}
    for contribution in contributions:
        for slug in _speakers(contribution.item.speaker):
            said.setdefault(slug, []).append(contribution.id)
            if isinstance(contribution.item.speaker, model.UncertainPerson):
                possibly.setdefault(slug, []).append(contribution.id)
    moderates: dict[str, list[str]] = {}
    for session in forum.sessions:
        for slug in _speakers(session.moderator):
            moderates.setdefault(slug, []).append(session.id)
    rank = index.article_rank
    for seq, person in enumerate(forum.people):
        roles, possible_roles = index.roles[person.slug]
        slug = person.slug
        body = shapes.Person(person, roles, possible_roles, said.get(slug, []), possibly.get(slug, []), moderates.get(slug, []))
        add(shapes.PERSON, slug, seq, body, rank[slug])
    for seq, organisation in enumerate(forum.organisations):
        affiliated = [(person.slug, position) for person, position in index.affiliated_with(organisation.id)]
        mentioned_by = [contribution.id for contribution in index.mentioning(organisation.id)]
        add(shapes.ORGANISATION, organisation.id, seq, shapes.Organisation(organisation, affiliated, mentioned_by))
    for seq, session in enumerate(forum.sessions):
        add(shapes.SESSION, session.id, seq, session)
    for seq, contribution in enumerate(contributions):
        add(shapes.CONTRIBUTION, contribution.id, seq, (contribution.kind, contribution.part_of, contribution.item))
    if bundled:
        tallies = [shapes.Tally(*index.theme_tally(theme.id).as_tuple()) for theme in forum.themes]
        add(shapes.TALLIES, shapes.ONLY, 0, shapes.Tallies([theme.id for theme in forum.themes], tallies))
    else:
        for seq, theme in enumerate(forum.themes):
            add(shapes.TALLY, theme.id, seq, index.theme_tally(theme.id).as_tuple())
    documents, total_length = _search_index(index, add)
    counts = {kind: len(rows) for kind, rows in records.items()}
    first = {kind: min(row[0] for row in rows) for kind, rows in records.items()}
    contents = shapes.Contents(
        counts,
        first,
        documents,
        total_length,
        index.uncertain_appearances,
        index.sessions_hold_talks(),
        index.linked_people(),
        index.count("agenda items"),
    )
    add(shapes.CONTENTS, shapes.ONLY, 0, contents)
    return records


def _speakers(ref: model.PersonRef) -> list[str]:
    return [ref] if isinstance(ref, str) else list(dict.fromkeys(ref.candidates))


def _search_index(index: Index, add: Any) -> tuple[int, int]:
    """Each term's postings, each theme's documents and every document's length, as ``search.documents`` numbers
    them; returns how many documents there are and their total length."""
    terms: dict[str, tuple[array[int], array[int], array[int], array[int]]] = {}
    lengths = array("I")
    on_theme: dict[str, array[int]] = {}
    forms: dict[str, frozenset[str]] = {}
    for number, doc in enumerate(search.documents(index)):
        lengths.append(search.document_length(doc))
        for term, (words, classified) in search.doubled_weights(doc, forms).items():
            postings = terms.get(term)
            if postings is None:
                postings = terms[term] = (array("I"), array("I"), array("I"), array("I"))
            if words:
                postings[0].append(number)
                postings[1].append(words)
            if classified:
                postings[2].append(number)
                postings[3].append(classified)
        for theme_id in dict.fromkeys(doc.themes):
            on_theme.setdefault(theme_id, array("I")).append(number)
    for seq, (term, postings) in enumerate(sorted(terms.items())):
        add(shapes.TERM, term, seq, shapes.Postings(*(part.tobytes() for part in postings)))
    for seq, (theme_id, documents) in enumerate(sorted(on_theme.items())):
        add(shapes.THEME_DOCUMENTS, theme_id, seq, documents.tobytes())
    add(shapes.LENGTHS, shapes.ONLY, 0, lengths.tobytes())
    return len(lengths), sum(lengths)
