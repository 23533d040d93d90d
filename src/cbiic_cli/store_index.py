"""``StoreIndex``: the questions ``ForumIndex`` answers, asked of a query store (``store.py``) instead of a loaded forum.

A question about one person, talk or theme reads only the records it needs; a
list reads its rows as they are printed, in order, a batch at a time, so a view
of the first 20 reads about 20 and ``--limit 0`` keeps memory flat; only an
export, shell completion and a reference that resolves to nothing exactly read
the whole forum. Every record
is checked against its checksum and decoded into the model's strict types;
anything missing or damaged raises ``StoreDamaged``, and the command is answered
afresh from the file (``commands.answer``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from . import model
from .query import Contribution, ForumIndex, Item, ThemeTally, appearances
from .store_records import StoreDamaged, check_record

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")
V = TypeVar("V")
# A person's record: the person, the roles the article states and those it leaves uncertain between namesakes.
PersonRecord = tuple[model.Person, list[str], list[str]]

ITEM_TYPES: dict[str, type[Item]] = {
    "opening": model.Speech,
    "talk": model.Talk,
    "panel-remark": model.Remark,
    "panel-closing": model.Speech,
}


class Frame(model._Strict, frozen=True, kw_only=True):
    """The forum's small parts: everything but its people, organisations, sessions and talks (which grow with it)."""

    source: model.Source
    forum: model.ForumInfo
    themes: list[model.Theme] = []
    glossary: list[model.GlossaryEntry] = []
    opening: model.Speech | None = None
    panel: model.Panel | None = None


class _FrameWithSessions:
    """The frame as ``ForumIndex.frame`` offers it: the stored frame, and the sessions read when first asked for."""

    def __init__(self, frame: Frame, sessions: Callable[[], list[model.Session]]) -> None:
        self._frame = frame
        self._sessions = sessions

    @property
    def source(self) -> model.Source:
        return self._frame.source

    @property
    def forum(self) -> model.ForumInfo:
        return self._frame.forum

    @property
    def themes(self) -> list[model.Theme]:
        return self._frame.themes

    @property
    def glossary(self) -> list[model.GlossaryEntry]:
        return self._frame.glossary

    @property
    def opening(self) -> model.Speech | None:
        return self._frame.opening

    @property
    def panel(self) -> model.Panel | None:
        return self._frame.panel

    @cached_property
    def sessions(self) -> list[model.Session]:
        return self._sessions()


# Records kept once read. A list streamed from the store passes through this many at a time, so memory stays
# flat however long the list; a record asked for again after that is read again.
RECORDS_KEPT = 4096


class _Records(Mapping[str, T]):
    """One kind of record by key, read and checked on demand; iterated in the file's order."""

    def __init__(self, connection: sqlite3.Connection, kind: str, decode: Callable[[bytes], T]) -> None:
        self.connection = connection
        self.kind = kind
        self.decode = decode
        self.seen: dict[str, T] = {}
        self.every_key: set[str] | None = None

    def __getitem__(self, key: str) -> T:
        if key not in self.seen:
            row = self.connection.execute("SELECT body, digest FROM store_records WHERE kind = ? AND key = ?", (self.kind, key)).fetchone()
            if row is None:
                raise StoreDamaged(f"the store refers to a {self.kind} {key!r} it does not hold")
            return self._keep(key, self.decode(check_record(*row)))
        return self.seen[key]

    def _keep(self, key: str, record: T) -> T:
        if len(self.seen) >= RECORDS_KEPT:
            self.seen.clear()
        self.seen[key] = record
        return record

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self.which_exist({key})

    def which_exist(self, keys: set[str]) -> set[str]:
        """Those of ``keys`` the store holds: from what was read already, else in one query per 500 keys."""
        if self.every_key is not None:  # it holds every key read so far too
            return keys & self.every_key
        known = {key for key in keys if key in self.seen}
        asked = sorted(keys - known)
        for start in range(0, len(asked), 500):  # SQLite allows a limited number of parameters
            chunk = asked[start : start + 500]
            sql = f"SELECT key FROM store_records WHERE kind = ? AND key IN ({', '.join('?' * len(chunk))})"
            known.update(key for (key,) in self.connection.execute(sql, (self.kind, *chunk)))
        return known

    def know_every_key(self) -> set[str]:
        """Before checking many references (a whole-forum view): one query for every key, then set lookups."""
        if self.every_key is None:
            self.every_key = set(chain.from_iterable(self.connection.execute("SELECT key FROM store_records WHERE kind = ?", (self.kind,))))
        return self.every_key

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_in_order())

    def __len__(self) -> int:
        count: int = self.connection.execute("SELECT count(*) FROM store_records WHERE kind = ?", (self.kind,)).fetchone()[0]
        return count

    def keys_in_order(self) -> list[str]:
        return [key for (key,) in self.connection.execute("SELECT key FROM store_records WHERE kind = ? ORDER BY seq", (self.kind,))]

    def stream(self, sql: str, parameters: tuple[str, ...] | dict[str, str] = ()) -> Iterator[str]:
        """The keys ``sql`` selects, in its order, each record read, checked, decoded and kept as its key is
        yielded (so looking it up right after is free) while nothing accumulates. Keys are selected first and
        records read a batch at a time: sorting keys is cheap, sorting records would read them all first."""
        keys = self.connection.execute(sql, parameters)
        size = 16  # the first rows soon (a view shows 20 by default), then batches worth a query each
        while batch := [key for (key,) in keys.fetchmany(size)]:
            wanted = [key for key in batch if key not in self.seen]
            read = dict.fromkeys(wanted)
            if wanted:
                query = f"SELECT key, body, digest FROM store_records WHERE kind = ? AND key IN ({', '.join('?' * len(wanted))})"
                for key, body, digest in self.connection.execute(query, (self.kind, *wanted)):
                    read[key] = (body, digest)
            for key in batch:
                if key not in self.seen:
                    found = read.get(key)
                    if found is None:  # not read with the batch (it was kept then, and has been let go since): read alone
                        self[key]
                    else:
                        self._keep(key, self.decode(check_record(*found)))
                yield key
            size = min(size * 4, 500)  # SQLite allows a limited number of parameters

    def stream_in_order(self, order: str = "seq") -> Iterator[str]:
        return self.stream(f"SELECT key FROM store_records WHERE kind = ? ORDER BY {'rank' if order == 'rank' else 'seq'}", (self.kind,))

    def all_in_order(self, order: str = "seq") -> list[tuple[str, T]]:
        """Every (key, record), read in one pass (a whole-forum view), in the file's order (``seq``) or the article's
        (``rank``, people): each checked and decoded as one read alone would be."""
        found = []
        sql = f"SELECT key, body, digest FROM store_records WHERE kind = ? ORDER BY {'rank' if order == 'rank' else 'seq'}"
        for key, body, digest in self.connection.execute(sql, (self.kind,)):
            if key not in self.seen:
                self.seen[key] = self.decode(check_record(body, digest))
            found.append((key, self.seen[key]))
        return found


class StoreIndex(ForumIndex):
    """A ``ForumIndex`` whose lookups are SQLite queries on a store; ``forum`` is read whole only when a view needs it."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:  # no super().__init__: ``forum`` is built on demand
        self.connection = connection
        self.path = path
        self._person_decoder = msgspec.msgpack.Decoder(tuple[model.Person, list[str], list[str]])
        row = connection.execute("SELECT body, digest FROM store_records WHERE kind = 'frame' AND key = 'forum'").fetchone()
        if row is None:
            raise StoreDamaged("the store has no frame")
        frame = _decode(check_record(*row), Frame)
        self._frame = _FrameWithSessions(frame, lambda: [session for _, session in self._session_records.all_in_order()])
        for contribution in ([frame.opening] if frame.opening else []) + (
            frame.panel.remarks + ([frame.panel.closing] if frame.panel.closing else []) if frame.panel else []
        ):
            self._verify(contribution)
        self._verify_people([frame.panel.moderator, *frame.panel.panelists] if frame.panel else [])

    @property
    def frame(self) -> _FrameWithSessions:
        return self._frame

    @cached_property
    def _session_records(self) -> _Records[model.Session]:
        return _Records(self.connection, "session", self._session)

    def _session(self, body: bytes) -> model.Session:
        session = _decode(body, model.Session)
        self._verify_people([session.moderator])
        return session

    def session(self, session_id: str) -> model.Session:
        return self._session_records[session_id]

    def sessions_moderated_by(self, slug: str) -> list[model.Session]:
        """From the export's tables: the sessions whose moderator is this person, or possibly is."""
        sql = """SELECT seq, id FROM sessions WHERE moderator_slug = :key
                 UNION SELECT s.seq, s.id FROM uncertain_reference_candidates AS u
                   JOIN sessions AS s ON s.moderator_reference_id = u.reference_id WHERE u.person_slug = :key
                 ORDER BY seq"""
        return [self._session_records[session_id] for _, session_id in self.connection.execute(sql, {"key": slug})]

    # -- every record's references are checked as it is read: a store says nothing the file could not ----------

    def _verify(self, item: Item) -> None:
        """A contribution's speaker, organisations and themes must exist, as the loader made sure they did."""
        self._verify_people([item.speaker])
        _verify_held(self.organisations, set(item.organisations), "an organisation")
        for point in item.key_points:
            for theme_id in point.themes:
                self.themes[theme_id]

    def _verify_people(self, refs: Sequence[model.PersonRef]) -> None:
        slugs = {slug for ref in refs for slug in (ref.candidates if isinstance(ref, model.UncertainPerson) else [ref])}
        _verify_held(self._people, slugs, "a person")

    def _person(self, body: bytes) -> PersonRecord:
        record = _decode_with(self._person_decoder, body)
        _verify_held(self.organisations, {a.organisation for a in record[0].affiliations}, "an organisation")
        return record

    def _contribution(self, body: bytes) -> Contribution:
        contribution = _contribution(body)
        self._verify(contribution.item)
        return contribution

    @cached_property
    def _people(self) -> _Records[PersonRecord]:
        return _Records(self.connection, "person", self._person)

    @cached_property
    def people(self) -> _People:
        return _People(self._people)

    @cached_property
    def roles(self) -> _Roles:
        return _Roles(self._people)

    @cached_property
    def organisations(self) -> _Records[model.Organisation]:
        return _Records(self.connection, "organisation", lambda body: _decode(body, model.Organisation))

    @cached_property
    def contribution_by_id(self) -> _Records[Contribution]:
        return _Records(self.connection, "contribution", self._contribution)

    @cached_property
    def contributions(self) -> list[Contribution]:
        self._people.know_every_key()
        self.organisations.know_every_key()
        return [contribution for _, contribution in self.contribution_by_id.all_in_order()]

    @cached_property
    def forum(self) -> model.Forum:
        """The whole forum, as the file gave it: for the views and exports that show everything."""
        frame = self.frame
        talks = [c.item for c in self.contributions if isinstance(c.item, model.Talk)]  # the items of kind "talk"
        people = self.all_people()
        organisations = [organisation for _, organisation in self.organisations.all_in_order()]
        fields = {name: getattr(frame, name) for name in Frame.__struct_fields__}
        return model.Forum(**fields, sessions=frame.sessions, people=people, organisations=organisations, talks=talks)

    @cached_property
    def article_order(self) -> list[str]:
        return [key for (key,) in self.connection.execute("SELECT key FROM store_records WHERE kind = 'person' ORDER BY rank")]

    def all_people(self) -> list[model.Person]:
        return [record[0] for _, record in self._people.all_in_order()]

    @cached_property
    def uncertain_appearances(self) -> list[tuple[model.UncertainPerson, str]]:
        """Read from the frame and from the talks whose speaker the export records as uncertain, not from every talk."""
        talks = "SELECT seq, id FROM contributions WHERE kind = 'talk' AND speaker_reference_id IS NOT NULL ORDER BY seq"
        found = appearances(self.frame, [talk.item.speaker for talk in self._contributions_where(talks, "")])
        return [(ref, role) for ref, role in found if isinstance(ref, model.UncertainPerson)]

    @cached_property
    def themes(self) -> dict[str, model.Theme]:
        return _Known({theme.id: theme for theme in self.frame.themes})

    # -- questions about one thing ----------------------------------------------

    # Who said what and what carries which theme: the export's own tables (seq is the article's order).

    def contributions_of(self, slug: str) -> list[Contribution]:
        return self._contributions_where(
            """SELECT seq, id FROM contributions WHERE speaker_slug = :key
               UNION SELECT c.seq, c.id FROM uncertain_reference_candidates AS u
                 JOIN contributions AS c ON c.speaker_reference_id = u.reference_id WHERE u.person_slug = :key
               ORDER BY seq""",
            slug,
        )

    # -- lists, streamed: a view that shows the first N reads N records ------------------------------------

    def count(self, what: str) -> int:
        kind = {"people": "person", "organisations": "organisation", "sessions": "session", "talks": "contribution"}[what]
        found: int = self.connection.execute("SELECT count(*) FROM store_records WHERE kind = ?", (kind,)).fetchone()[0]
        if what == "talks":  # every contribution but the frame's: the opening, the panel's remarks and closing words
            frame = self.frame
            found -= (1 if frame.opening else 0) + (len(frame.panel.remarks) + (1 if frame.panel.closing else 0) if frame.panel else 0)
        return found

    def people_in_article_order(self) -> Iterator[str]:
        return self._people.stream_in_order("rank")

    def organisations_in_order(self) -> Iterator[model.Organisation]:
        organisations = self.organisations
        return (organisations[key] for key in organisations.stream_in_order())

    def sessions_in_order(self) -> Iterator[model.Session]:
        sessions = self._session_records
        return (sessions[key] for key in sessions.stream_in_order())

    def talks_in_order(self) -> Iterator[Contribution]:
        # From the checked records, as the whole forum's list was before it streamed, not from the export's tables.
        every = self._contributions_streamed("SELECT key FROM store_records WHERE kind = 'contribution' ORDER BY seq", {})
        return (contribution for contribution in every if contribution.kind == "talk")

    def contributions_on(self, theme_id: str) -> Iterator[Contribution]:
        listed = self._contributions_streamed(
            "SELECT c.id FROM contribution_themes AS t JOIN contributions AS c ON c.id = t.contribution_id WHERE t.theme_id = :key ORDER BY c.seq",
            {"key": theme_id},
        )
        for contribution in listed:
            if theme_id not in contribution.themes:  # the export's table says so, and the checked record does not
                raise StoreDamaged(f"the store lists {contribution.id!r} on {theme_id!r}, which it does not carry")
            yield contribution

    def count_on(self, theme_id: str) -> int:
        count: int = self.connection.execute("SELECT count(*) FROM contribution_themes WHERE theme_id = ?", (theme_id,)).fetchone()[0]
        return count

    def sessions_hold_talks(self) -> bool:
        held: int = self.connection.execute("SELECT EXISTS (SELECT 1 FROM session_talks)").fetchone()[0]
        return held == 1

    def affiliated_with(self, organisation_id: str) -> list[tuple[model.Person, str]]:
        sql = """SELECT a.person_slug, a.position FROM affiliations AS a JOIN people AS p ON p.slug = a.person_slug
                 WHERE a.organisation_id = ? ORDER BY p.seq, a.seq"""
        people = self.people
        return [(people[slug], position) for slug, position in self.connection.execute(sql, (organisation_id,))]

    def stated_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        found: list[tuple[int, str]] = []
        for start in range(0, len(slugs), 500):  # SQLite allows a limited number of parameters
            chunk = slugs[start : start + 500]
            found += self.connection.execute(
                f"SELECT seq, id FROM contributions WHERE speaker_slug IN ({', '.join('?' * len(chunk))})", chunk
            ).fetchall()
        by_id = self.contribution_by_id
        return [by_id[contribution_id] for _, contribution_id in sorted(found)]

    def possible_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        found: set[tuple[int, str]] = set()
        for start in range(0, len(slugs), 500):  # SQLite allows a limited number of parameters
            chunk = slugs[start : start + 500]
            found.update(
                self.connection.execute(
                    f"""SELECT c.seq, c.id FROM uncertain_reference_candidates AS u
                        JOIN contributions AS c ON c.speaker_reference_id = u.reference_id
                        WHERE u.person_slug IN ({", ".join("?" * len(chunk))})""",
                    chunk,
                ).fetchall()
            )
        by_id = self.contribution_by_id
        return [by_id[contribution_id] for _, contribution_id in sorted(found)]

    def mentioning(self, organisation_id: str) -> list[Contribution]:
        return self._contributions_where(
            "SELECT c.seq, c.id FROM organisation_mentions AS m JOIN contributions AS c ON c.id = m.contribution_id WHERE m.organisation_id = :key ORDER BY c.seq",
            organisation_id,
        )

    def theme_tally(self, theme_id: str) -> ThemeTally:
        """Read afresh each time, not kept: at scale a tally lists thousands of ids, and a view prints each once."""
        row = self.connection.execute("SELECT body, digest FROM store_records WHERE kind = 'tally' AND key = ?", (theme_id,)).fetchone()
        if row is None:
            raise StoreDamaged(f"the store holds no tally of the theme {theme_id!r}")
        return self._tally(check_record(*row))

    def _tally(self, body: bytes) -> ThemeTally:
        try:
            tally = ThemeTally.from_tuple(_decode(body, tuple[list[str], list[int], list[str], list[model.UncertainPerson]]))
        except ValueError:  # not one count per kind
            raise StoreDamaged("a theme's tally does not count every kind of contribution") from None
        # The people it names are in the store (one query for every key, then a lookup each), as for every record.
        # Its contribution ids are only printed, never followed: their checksum vouches for them, and checking
        # each against every contribution would cost a whole-forum view more than the rest of it.
        if not self._people.know_every_key().issuperset(tally.speakers):
            raise StoreDamaged("a theme's tally names a person the store does not hold")
        self._verify_people(tally.uncertain)
        return tally

    def _contributions_streamed(self, sql: str, parameters: dict[str, str]) -> Iterator[Contribution]:
        by_id = self.contribution_by_id
        return (by_id[key] for key in by_id.stream(sql, parameters))

    def _contributions_where(self, sql: str, key: str) -> list[Contribution]:
        by_id = self.contribution_by_id
        return [by_id[contribution_id] for _, contribution_id in self.connection.execute(sql, {"key": key})]


def _verify_held(records: _Records[Any], keys: set[str], what: str) -> None:
    missing = keys - records.which_exist(keys) if keys else set()
    if missing:
        raise StoreDamaged(f"a record names {what} {min(missing)!r} the store does not hold")


class _Known(dict[str, model.Theme]):
    """A dict of the frame's themes: a record naming a theme the frame does not hold is damage, not a bug."""

    def __missing__(self, key: str) -> model.Theme:
        raise StoreDamaged(f"the store refers to a theme {key!r} it does not hold")


class _PersonField(Mapping[str, V]):
    """A view of one part of each person's record (the person, or their roles)."""

    def __init__(self, records: _Records[PersonRecord]) -> None:
        self.records = records

    def __contains__(self, key: object) -> bool:
        return key in self.records

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class _People(_PersonField[model.Person]):
    def __getitem__(self, key: str) -> model.Person:
        return self.records[key][0]


class _Roles(_PersonField[tuple[list[str], list[str]]]):
    def __getitem__(self, key: str) -> tuple[list[str], list[str]]:
        _, certain, possible = self.records[key]
        return certain, possible


def _decode(body: bytes, kind: type[T]) -> T:
    try:
        return msgspec.msgpack.decode(body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError, RecursionError) as error:
        raise StoreDamaged(f"a record does not decode: {error}") from None


def _decode_with(decoder: msgspec.msgpack.Decoder[T], body: bytes) -> T:
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError, RecursionError) as error:
        raise StoreDamaged(f"a record does not decode: {error}") from None


def _contribution(body: bytes) -> Contribution:
    kind, part_of, raw = _decode(body, tuple[str, str | None, msgspec.Raw])
    if kind not in ITEM_TYPES:
        raise StoreDamaged(f"a contribution of unknown kind {kind!r}")
    return Contribution(kind, _decode(raw, ITEM_TYPES[kind]), part_of)
