"""``StoreIndex``: the questions of ``query.Index``, asked of a query store's sealed records instead of a loaded forum.

A question about one person, talk or theme reads only the records it needs (a
person's record lists what they said, an organisation's who works there, a
theme's tally what carries it); a list reads its rows as they are printed, in
order, a batch at a time, so a view of the first 20 reads about 20 and
``--limit 0`` keeps memory flat; only an export, shell completion and a
reference that resolves to nothing exactly read the whole forum. Every record
is checked (``records.py``) and decoded into the model's strict types, and the
records it names must be there too; anything missing or damaged raises
``StoreDamaged``, and the command is answered afresh from the file
(``commands.answer``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import model
from ..names import normalise
from ..query import Contribution, Index, Questions, ThemeTally
from . import shapes
from .records import COLUMNS, Row, StoreDamaged, Table

if TYPE_CHECKING:
    import sqlite3

    from ..search import SearchEngine

T = TypeVar("T")
V = TypeVar("V")


def only_row(connection: sqlite3.Connection, kind: str, seal: bytes) -> Row:
    """The one record of a kind that has one (the store's identity, contents, frame), checked."""
    rows = connection.execute(f"SELECT {COLUMNS} FROM store_records WHERE kind = ? AND key = ?", (kind, shapes.ONLY)).fetchall()
    if len(rows) != 1:
        raise StoreDamaged(f"the store has no {kind} record")
    row = Row(kind, rows[0], seal)
    if row.seq != 0 or row.next is not None:
        raise StoreDamaged(f"the store's {kind} record is out of place")
    return row


def read_only(connection: sqlite3.Connection, kind: str, decode: type[T], seal: bytes = b"") -> T:
    """The one record of a kind that has one, decoded (``seal``: the store's; none for its identity record)."""
    return shapes.decode(only_row(connection, kind, seal).body, decode)


class _FrameWithSessions:
    """The frame as ``ForumIndex.frame`` offers it, each part read when first asked for: the stored frame, the stage
    (the opening and panel, once the people, organisations and themes they name are proven there), and the sessions.
    A congress's catalogue gives a forum's id, facts and source, which the congress reads of every forum, without the
    frame; and the congress's themes, which most of its forums share, are kept once (``shared_themes``)."""

    def __init__(
        self,
        read: Callable[[], shapes.Frame],
        stage: Callable[[], shapes.Stage],
        verify: Callable[[shapes.Stage], None],
        sessions: Callable[[], list[model.Session]],
        header: shapes.CatalogueEntry | None,
        shared_themes: Callable[[], list[model.Theme]] | None,
    ) -> None:
        self._read = read
        self._read_stage = stage
        self._verify = verify
        self._read_sessions = sessions
        self._header = header
        self._shared_themes = shared_themes

    @cached_property
    def _frame(self) -> shapes.Frame:
        return self._read()

    @cached_property
    def _stage(self) -> shapes.Stage:
        """The opening and panel, checked: what they name is there."""
        stage = self._read_stage()
        self._verify(stage)
        return stage

    @property
    def id(self) -> str | None:
        return self._header.id if self._header is not None else self._frame.id

    @property
    def source(self) -> model.Source:
        return self._header.source if self._header is not None else self._frame.source

    @property
    def forum(self) -> model.ForumInfo:
        return self._header.forum if self._header is not None else self._frame.forum

    @property
    def shares_themes(self) -> bool:
        """Its themes are its frame's, then the congress's it does not define (a congress's forum, most often)."""
        return self._header is not None and self._header.shares_themes and self._shared_themes is not None

    @property
    def own_themes(self) -> list[model.Theme]:
        return self._header.themes if self._header is not None else self._frame.themes

    @cached_property
    def themes(self) -> list[model.Theme]:
        if self.shares_themes:
            assert self._shared_themes is not None
            return shapes.with_shared(self.own_themes, self._shared_themes())
        return self.own_themes

    @property
    def glossary(self) -> list[model.GlossaryEntry]:
        return self._frame.glossary

    @property
    def opening(self) -> model.Speech | None:
        return self._stage.opening

    @property
    def panel(self) -> model.Panel | None:
        return self._stage.panel

    @cached_property
    def sessions(self) -> list[model.Session]:
        return self._read_sessions()


class StoreIndex(Questions):
    """The questions of ``query.Index``, answered from a store's records; ``forum`` is read whole only when a view needs it.

    Made without reading anything: its contents and frame are read (and checked) when first asked for, so a congress
    of many forums opens without reading each. A congress's forum reads its records under kinds of its own
    (``prefix``), through a connection its congress shares (``shared``)."""

    stored = True

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        seal: bytes,
        prefix: str = "",
        header: shapes.CatalogueEntry | None = None,
        shared: Shared | None = None,
    ) -> None:
        self.connection = connection
        self.path = path
        self.seal = seal
        self.prefix = prefix
        self.shared = shared
        self._position: dict[str, int] = {}  # contribution id -> its place in the article, for those read
        self._frame = _FrameWithSessions(
            lambda: read_only(connection, prefix + shapes.FRAME, shapes.Frame, seal),
            lambda: read_only(connection, prefix + shapes.STAGE, shapes.Stage, seal),
            self._verify_stage,
            lambda: [session for _, session in self.sessions_table.stream()],
            header,
            shared.themes if shared is not None else None,
        )

    @cached_property
    def contents(self) -> shapes.Contents:
        return read_only(self.connection, self.prefix + shapes.CONTENTS, shapes.Contents, self.seal)

    @cached_property
    def _themes(self) -> _Known:
        return _Known({theme.id: theme for theme in self._frame.themes})  # the frame's, with the congress's it shares

    def check(self) -> StoreIndex:
        """Read the contents, frame and stage now, and check what the stage names (a forum's own store, opened for one
        forum: then damage there is found before anything is answered)."""
        _ = (self.contents, self._frame.themes, self._frame.panel)
        return self

    def _verify_stage(self, frame: shapes.Stage) -> None:
        for item in ([frame.opening] if frame.opening else []) + (
            frame.panel.remarks + ([frame.panel.closing] if frame.panel.closing else []) if frame.panel else []
        ):
            self._verify(item)
        self._verify_people([frame.panel.moderator, *frame.panel.panelists] if frame.panel else [])

    def table(self, kind: str, decode: Callable[[Row], T]) -> Table[T]:
        contents = self.contents
        return Table(self.connection, self.prefix + kind, contents.counts.get(kind, 0), contents.first.get(kind), decode, self.seal)

    def close(self) -> None:
        if self.shared is None:
            self.connection.close()
        else:
            self.shared.release()

    def search_engine(self) -> SearchEngine:
        from .ranking import StoreEngine

        return StoreEngine(self)

    @property
    def frame(self) -> _FrameWithSessions:
        return self._frame

    # -- the records, each checked as it is read: a store says nothing the file could not ---------------------

    @cached_property
    def people_table(self) -> Table[shapes.Person]:
        return self.table(shapes.PERSON, self._person)

    @cached_property
    def organisations_table(self) -> Table[shapes.Organisation]:
        return self.table(shapes.ORGANISATION, self._organisation)

    @cached_property
    def sessions_table(self) -> Table[model.Session]:
        return self.table(shapes.SESSION, self._session)

    @cached_property
    def contribution_by_id(self) -> Table[Contribution]:
        return self.table(shapes.CONTRIBUTION, self._contribution)

    @cached_property
    def _tallies(self) -> Mapping[str, ThemeTally]:
        if shapes.TALLIES not in self.contents.counts:
            return self.table(shapes.TALLY, self._tally)
        bundle = read_only(self.connection, self.prefix + shapes.TALLIES, shapes.Tallies, self.seal)
        if len(bundle.themes) != len(bundle.tallies) or set(bundle.themes) != set(self.themes):
            raise StoreDamaged("the store's tallies are not one for each theme")
        return _Tallies(dict(zip(bundle.themes, bundle.tallies)), self._tally_of)

    def _person(self, row: Row) -> shapes.Person:
        record = shapes.decode(row.body, shapes.Person)
        self._in_key(row, record.person.slug)
        self.organisations_table.hold({a.organisation for a in record.person.affiliations})
        return record

    def _organisation(self, row: Row) -> shapes.Organisation:
        record = shapes.decode(row.body, shapes.Organisation)
        self._in_key(row, record.organisation.id)
        return record

    def _session(self, row: Row) -> model.Session:
        session = shapes.decode(row.body, model.Session)
        self._in_key(row, session.id)
        self._verify_people([session.moderator])
        return session

    def _contribution(self, row: Row) -> Contribution:
        record = shapes.decode(row.body, shapes.Contribution)
        if record.kind not in shapes.ITEM_TYPES:
            raise StoreDamaged(f"a contribution of unknown kind {record.kind!r}")
        contribution = Contribution(record.kind, shapes.decode(record.item, shapes.ITEM_TYPES[record.kind]), record.part_of)
        self._in_key(row, contribution.id)
        self._verify(contribution.item)
        self._position[contribution.id] = row.seq
        return contribution

    def _tally(self, row: Row) -> ThemeTally:
        return self._tally_of(shapes.decode(row.body, shapes.Tally))

    def _tally_of(self, record: shapes.Tally) -> ThemeTally:
        tally = _unproven_tally(record)
        self.people_table.hold(set(tally.speakers))
        self._verify_people(tally.uncertain)
        return tally

    @staticmethod
    def _in_key(row: Row, key: str) -> None:
        if row.key != key:
            raise StoreDamaged(f"the record under {row.key!r} holds {key!r}")

    def _verify(self, item: model.Speech | model.Talk | model.Remark) -> None:
        """A contribution's speaker, organisations and themes must exist, as the loader made sure they did."""
        self._verify_people([item.speaker])
        self.organisations_table.hold(set(item.organisations))
        for point in item.key_points:
            for theme_id in point.themes:
                self._themes[theme_id]

    def _verify_people(self, refs: Iterable[model.PersonRef]) -> None:
        self.people_table.hold({slug for ref in refs for slug in (ref.candidates if isinstance(ref, model.UncertainPerson) else [ref])})

    def prove_people(self, refs: Iterable[model.PersonRef]) -> None:
        """Raise ``StoreDamaged`` unless every person ``refs`` names is here: what a record read for many forums at
        once (``Shared.theme_tallies``) says of this one is checked for just what is shown of it."""
        self._verify_people(refs)

    # -- the whole forum, and its parts as mappings ------------------------------------------------------------

    @cached_property
    def people(self) -> _Field[model.Person]:
        return _Field(self.people_table, lambda record: record.person)

    @cached_property
    def roles(self) -> _Field[tuple[list[str], list[str]]]:
        return _Field(self.people_table, lambda record: (record.roles, record.possible_roles))

    @cached_property
    def organisations(self) -> _Field[model.Organisation]:
        return _Field(self.organisations_table, lambda record: record.organisation)

    @cached_property
    def contributions(self) -> list[Contribution]:
        return [contribution for _, contribution in self.contribution_by_id.stream()]

    @cached_property
    def forum(self) -> model.Forum:
        """The whole forum, as the file gave it: for the views and exports that show everything."""
        frame = self.frame
        talks = [c.item for c in self.contributions if isinstance(c.item, model.Talk)]  # the items of kind "talk"
        organisations = [record.organisation for _, record in self.organisations_table.stream()]
        fields = {name: getattr(frame, name) for name in shapes.Frame.__struct_fields__ + shapes.Stage.__struct_fields__}
        return model.Forum(**fields, sessions=frame.sessions, people=self.all_people(), organisations=organisations, talks=talks)

    @cached_property
    def article_order(self) -> list[str]:
        return list(self.people_in_article_order())

    @cached_property
    def article_rank(self) -> Mapping[str, int]:
        """Each person's place in the article's order, read from their record's checked header when asked for: a
        view sorts a few columns by it, and reading every person for that would cost a whole-forum read."""
        return _Ranks(self.people_table)

    def all_people(self) -> list[model.Person]:
        return [record.person for _, record in self.people_table.stream()]

    def linked_people(self) -> list[tuple[str, list[str]]]:
        """As the contents record lists them (the people they name in the store)."""
        found = self.contents.linked
        self.people_table.hold({slug for slug, _ in found})
        return found

    @cached_property
    def uncertain_appearances(self) -> list[tuple[model.UncertainPerson, str]]:
        """As the contents record lists them (worked out once, at build time), their candidates in the store."""
        found = self.contents.uncertain
        self._verify_people([ref for ref, _ in found])
        return found

    @property
    def themes(self) -> dict[str, model.Theme]:
        return self._themes

    @cached_property
    def theme_names(self) -> dict[str, str]:
        """As ``Questions.theme_names`` works them out; a congress's themes' names normalised once for all its forums."""
        frame = self._frame
        shared = self.shared if frame.shares_themes else None
        own = frame.own_themes if shared is not None else frame.themes
        names: dict[str, str] = {}
        for theme in own:
            for name in (theme.id, theme.label, *theme.aliases):
                names.setdefault(normalise(name), theme.id)
        if shared is not None:
            own_ids = {theme.id for theme in own}
            for name, theme_id in shared.theme_names():
                if theme_id not in own_ids:
                    names.setdefault(name, theme_id)
        return names

    # -- questions about one thing ------------------------------------------------------------------------------

    def session(self, session_id: str) -> model.Session:
        return self.sessions_table[session_id]

    def sessions_moderated_by(self, slug: str) -> list[model.Session]:
        return [self.sessions_table[session_id] for session_id in self.people_table[slug].moderates]

    def contributions_of(self, slug: str) -> list[Contribution]:
        return self._each_contribution(self.people_table[slug].said)

    def stated_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        ids = []
        for slug in dict.fromkeys(slugs):
            record = self.people_table[slug]
            possible = set(record.possible)
            ids += [contribution_id for contribution_id in record.said if contribution_id not in possible]
        return self._in_article_order(ids)

    def possible_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        return self._in_article_order(
            [contribution_id for slug in dict.fromkeys(slugs) for contribution_id in self.people_table[slug].possible]
        )

    def mentioning(self, organisation_id: str) -> list[Contribution]:
        return self._each_contribution(self.organisations_table[organisation_id].mentioned_by)

    def affiliated_with(self, organisation_id: str) -> list[tuple[model.Person, str]]:
        people = self.people
        return [(people[slug], position) for slug, position in self.organisations_table[organisation_id].affiliated]

    def theme_tally(self, theme_id: str) -> ThemeTally:
        return self._tallies[theme_id]

    def contributions_on(self, theme_id: str) -> Iterator[Contribution]:
        for contribution in self._streamed_contributions(self._tallies[theme_id].contributions):
            if theme_id not in contribution.themes:  # the tally says so, and the contribution's record does not
                raise StoreDamaged(f"the store lists {contribution.id!r} on {theme_id!r}, which it does not carry")
            yield contribution

    def count_on(self, theme_id: str) -> int:
        return len(self._tallies[theme_id].contributions)

    def sessions_hold_talks(self) -> bool:
        return self.contents.sessions_hold_talks

    # -- lists, streamed: a view that shows the first N reads N records ----------------------------------------

    def count(self, what: str) -> int:
        if what == "talks":
            return self.contents.counts.get(shapes.CONTRIBUTION, 0) - self._frame_contributions()
        if what == "contributions":  # every kind: read off the contents, without the frame's opening and panel
            return self.contents.counts.get(shapes.CONTRIBUTION, 0)
        if what == "agenda items":
            return self.contents.agenda_items
        kind = {"people": shapes.PERSON, "organisations": shapes.ORGANISATION, "sessions": shapes.SESSION}[what]
        return self.contents.counts.get(kind, 0)

    def _frame_contributions(self) -> int:
        """The contributions the frame holds: the opening, the panel's remarks and closing words (all but the talks)."""
        frame = self.frame
        return (1 if frame.opening else 0) + (len(frame.panel.remarks) + (1 if frame.panel.closing else 0) if frame.panel else 0)

    def people_in_article_order(self) -> Iterator[str]:
        return (slug for slug, _ in self.people_table.stream("rank"))

    def organisations_in_order(self) -> Iterator[model.Organisation]:
        return (record.organisation for _, record in self.organisations_table.stream())

    def sessions_in_order(self) -> Iterator[model.Session]:
        return (session for _, session in self.sessions_table.stream())

    def talks_in_order(self) -> Iterator[Contribution]:
        return (contribution for _, contribution in self.contribution_by_id.stream() if contribution.kind == "talk")

    # -- contributions by id -----------------------------------------------------------------------------------

    def _streamed_contributions(self, ids: list[str]) -> Iterator[Contribution]:
        return self.contribution_by_id.each(ids)

    def _each_contribution(self, ids: list[str]) -> list[Contribution]:
        return list(self.contribution_by_id.each(ids))

    def _in_article_order(self, ids: list[str]) -> list[Contribution]:
        found = {contribution.id: contribution for contribution in self.contribution_by_id.each(list(dict.fromkeys(ids)))}
        position = self._position
        return sorted(found.values(), key=lambda contribution: position[contribution.id])


class Shared:
    """A congress store's one connection, which each of its forums' indexes uses (closed when the last lets go), and
    the congress's themes, read once for all of them."""

    def __init__(self, connection: sqlite3.Connection, seal: bytes, users: int) -> None:
        self.connection = connection
        self.seal = seal
        self.users = users
        self._themes: list[model.Theme] | None = None
        self._names: list[tuple[str, str]] | None = None
        self.forums: list[StoreIndex] = []  # in the catalogue's order: the ``n``th is forum number ``n``

    @cached_property
    def _tallies(self) -> Table[list[tuple[StoreIndex, ThemeTally]]]:
        known = {theme.id for forum in self.forums for theme in forum.frame.themes}
        return Table(self.connection, shapes.CONGRESS_TALLY, len(known), min(known, default=None), self._theme_tallies, self.seal)

    def theme_tallies(self, theme_id: str) -> list[tuple[StoreIndex, ThemeTally]]:
        """The theme's tally in each forum that knows it (``forums``' order), in one read. Its counts and ids stand on
        the record's seal; the people it names are not yet proven there (``StoreIndex.prove_people``, for those shown)."""
        return self._tallies[theme_id]

    def _theme_tallies(self, row: Row) -> list[tuple[StoreIndex, ThemeTally]]:
        record = shapes.decode(row.body, shapes.CongressTally)
        knowing = [number for number, forum in enumerate(self.forums) if row.key in forum.themes]
        if record.forums != knowing or len(record.tallies) != len(knowing):
            raise StoreDamaged(f"the store's tally of {row.key!r} is not one for each forum that knows it")
        return [(self.forums[number], _unproven_tally(tally)) for number, tally in zip(record.forums, record.tallies)]

    def themes(self) -> list[model.Theme]:
        if self._themes is None:
            self._themes = read_only(self.connection, shapes.SHARED_THEMES, list[model.Theme], self.seal)
        return self._themes

    def theme_names(self) -> list[tuple[str, str]]:
        """(normalised name, theme id) for each id, label and alias of the congress's themes, in their order."""
        if self._names is None:
            self._names = [(normalise(name), theme.id) for theme in self.themes() for name in (theme.id, theme.label, *theme.aliases)]
        return self._names

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.connection.close()


def congress_indexes(connection: sqlite3.Connection, path: Path, seal: bytes, files: list[str]) -> list[StoreIndex]:
    """One index per forum of a congress's store, in the order of ``files`` (the directory's forum files, which the
    store's catalogue must list, in that order); each reads nothing until asked."""
    catalogue = read_only(connection, shapes.CATALOGUE, shapes.Catalogue, seal)
    if [entry.file for entry in catalogue.forums] != [os.fsencode(file) for file in files]:
        raise StoreDamaged("the store's catalogue lists other forum files than the directory holds")
    shared = Shared(connection, seal, len(files))
    shared.forums = [
        StoreIndex(connection, path, seal, shapes.forum_kind(number, ""), entry, shared) for number, entry in enumerate(catalogue.forums)
    ]
    return list(shared.forums)


def _an_index(index: StoreIndex) -> Index:
    """Never called: mypy checks here that a StoreIndex answers every question of the Index protocol."""
    return index


class _Ranks(Mapping[str, int]):
    """slug -> rank, each read (and checked) on demand."""

    def __init__(self, table: Table[Any]) -> None:
        self.table = table
        self.found: dict[str, int | None] = {}

    def _rank(self, slug: str) -> int | None:
        if slug not in self.found:
            row = self.table.locate(slug)
            self.found[slug] = None if row is None else row.rank
        return self.found[slug]

    def __getitem__(self, slug: str) -> int:
        rank = self._rank(slug)
        if rank is None:
            raise KeyError(slug)
        return rank

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and self._rank(slug) is not None

    def __iter__(self) -> Iterator[str]:
        return self.table.keys_in_order("rank")

    def __len__(self) -> int:
        return len(self.table)


def _unproven_tally(record: shapes.Tally) -> ThemeTally:
    """The tally a record holds, the people it names not yet proven there."""
    try:
        return ThemeTally.from_tuple((record.contributions, record.counts, record.speakers, record.uncertain))
    except ValueError:  # not one count per kind
        raise StoreDamaged("a theme's tally does not count every kind of contribution") from None


class _Tallies(Mapping[str, ThemeTally]):
    """A congress's forum's tallies, read in one record, each checked when first asked for: a theme without one is
    damage, as a lost tally record is."""

    def __init__(self, records: dict[str, shapes.Tally], check: Callable[[shapes.Tally], ThemeTally]) -> None:
        self.records = records
        self.check = check
        self.checked: dict[str, ThemeTally] = {}

    def __getitem__(self, key: str) -> ThemeTally:
        found = self.checked.get(key)
        if found is None:
            record = self.records.get(key)
            if record is None:
                raise StoreDamaged(f"the store refers to a tally {key!r} it does not hold")
            found = self.checked[key] = self.check(record)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


class _Known(dict[str, model.Theme]):
    """A dict of the frame's themes: a record naming a theme the frame does not hold is damage, not a bug."""

    def __missing__(self, key: str) -> model.Theme:
        raise StoreDamaged(f"the store refers to a theme {key!r} it does not hold")


class _Field(Mapping[str, V]):
    """A view of one part of each record of a table (a person, or their roles)."""

    def __init__(self, table: Table[Any], part: Callable[[Any], V]) -> None:
        self.table = table
        self.part = part

    def __getitem__(self, key: str) -> V:
        return self.part(self.table[key])

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def __iter__(self) -> Iterator[str]:
        return iter(self.table)

    def __len__(self) -> int:
        return len(self.table)
