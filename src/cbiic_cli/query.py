"""Questions asked of a loaded forum, answered as plain rows (dicts and lists).

Nothing here prints or knows about formats: every function returns values a
renderer can turn into a table, JSON, CSV or Markdown, and raises ``NotFound``
or ``Ambiguous`` (with suggestions) when a reference does not resolve.

Rows say only what the article says. A talk's ``title`` is the article's and its
``topic`` is ours, never merged into one field; a speaker the article leaves
uncertain between namesakes is a row with ``slug`` null and the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from functools import cached_property
from typing import Any, Protocol

from . import model
from .errors import Ambiguous, NotFound
from .names import normalise, same_person_name, without_honorifics

# The vocabulary as rows write it (plain strings), in the model's order: see model.ContributionKind and model.Role.
ROLE_ORDER = model.values(model.Role)
KINDS = model.values(model.ContributionKind)
ROLE_AS_NOUN = {role.value: noun for role, noun in model.ROLE_NOUNS.items()}
KIND_LABEL = {kind.value: label for kind, label in model.CONTRIBUTION_LABELS.items()}
# How many candidates an error message lists before it says "and N more".
LISTED_AT_MOST = 5
QUOTED_AT_MOST = 80
# What a contribution holds: the opening speech or the panel's closing words, a talk, a panel remark.
Item = model.Speech | model.Talk | model.Remark


class Contribution:
    """Anything someone said at the forum, and the session or panel it is part of (when the article says)."""

    # A plain class rather than a dataclass: @dataclass costs start-up time on every run.
    __slots__ = ("item", "kind", "part_of")

    def __init__(self, kind: str, item: Item, part_of: str | None = None) -> None:
        self.kind = kind  # one of KINDS
        self.item = item
        self.part_of = part_of

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def themes(self) -> list[str]:
        return item_themes(self.item)

    @property
    def title(self) -> str | None:
        return getattr(self.item, "title", None)

    @property
    def topic(self) -> str | None:
        return getattr(self.item, "topic", None)


class View:
    """What a command answers.

    ``items`` are the rows every row format prints (CSV, TSV, JSON Lines, the
    table's rows); ``keys`` names every key an item has, in order, so a view with
    no items still has a CSV header and ``--fields`` can be checked; ``document``
    replaces ``items`` in JSON for commands that answer with one object;
    ``items`` may be an iterator (a long list made as it is printed), and then
    ``extra["total"]`` says how many the whole answer has; ``notices`` are lines for stderr (a filter that matched nothing, a corrected
    query); ``row_notices`` are lines for stderr when only the rows are printed
    (jsonl, csv, tsv, --fields): an uncertainty the document holds and no row
    does; ``required_keys`` are keys ``--fields`` cannot leave out (they are added, and
    stderr says so); ``extra`` carries what only the human layouts need.
    """

    __slots__ = ("document", "extra", "items", "keys", "kind", "notices", "required_keys", "row_notices")

    def __init__(
        self,
        kind: str,
        items: Iterable[dict[str, Any]],
        keys: list[str],
        document: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.items = items
        self.keys = keys
        self.document = document
        self.notices: list[str] = []
        self.row_notices: list[str] = []
        # Keys --fields cannot drop: a row's certainty (``attribution``) where some rows are only possible.
        self.required_keys: list[str] = []
        self.extra = extra if extra is not None else {}

    def materialise(self) -> list[dict[str, Any]]:
        """The items, and every list the document holds, as lists: for a layout made as a whole. Until then
        they may be iterators, made one by one as they are printed (a long list streams); a document may
        hold the items' own iterator."""
        items = self.items
        if not isinstance(items, list):
            items = list(items)
            self.replace_items(items)
        if self.document is not None:
            for key, value in self.document.items():
                if isinstance(value, Iterator):
                    self.document[key] = list(value)
        return items

    def replace_items(self, items: Iterable[dict[str, Any]]) -> None:
        """New items (the same rows, made another way), wherever the document holds the old ones too."""
        self.replace_part(lambda view: view.items, items)

    def replace_part(self, pick: Callable[[View], Any], new: Any) -> None:
        """Put ``new`` where ``pick(self)`` is: the items or a value of the document, and wherever else that value is."""
        old = pick(self)
        if self.document is not None:
            self.document = {key: new if value is old else value for key, value in self.document.items()}
        if self.items is old:
            self.items = new

    def streamed_parts(self) -> list[Callable[[View], Any]]:
        """How to find each part made as it is printed (an iterator), once each: the items, and values of the document."""
        found: list[Callable[[View], Any]] = []
        seen: list[Any] = []
        if isinstance(self.items, Iterator):
            found.append(lambda view: view.items)
            seen.append(self.items)
        for key, value in (self.document or {}).items():
            if isinstance(value, Iterator) and not any(value is other for other in seen):

                def part(view: View, key: str = key) -> Any:
                    return (view.document or {})[key]

                found.append(part)
                seen.append(value)
        return found

    @property
    def empty(self) -> bool:
        """No item at all, known without making them."""
        return self.extra["total"] == 0 if not isinstance(self.items, list) else not self.items


class ForumFrame(Protocol):
    """The forum's small parts, which ``ForumIndex.frame`` offers: a loaded ``model.Forum``, or a store's frame."""

    @property
    def id(self) -> str | None: ...
    @property
    def source(self) -> model.Source: ...
    @property
    def forum(self) -> model.ForumInfo: ...
    @property
    def themes(self) -> list[model.Theme]: ...
    @property
    def glossary(self) -> list[model.GlossaryEntry]: ...
    @property
    def opening(self) -> model.Speech | None: ...
    @property
    def sessions(self) -> list[model.Session]: ...
    @property
    def panel(self) -> model.Panel | None: ...


class Index(Protocol):
    """Every question the views, search and the store's build may ask of a forum.

    Two implementations: ``ForumIndex`` answers from a loaded forum, ``store.index.StoreIndex`` from a query store,
    reading only what each question needs. ``stored`` tells them apart where it matters (a store may turn out
    damaged, and then the file answers instead); nothing else asks which one it has.
    """

    stored: bool

    @property
    def forum(self) -> model.Forum: ...
    @property
    def frame(self) -> ForumFrame: ...
    @property
    def people(self) -> Mapping[str, model.Person]: ...
    @property
    def roles(self) -> Mapping[str, tuple[list[str], list[str]]]: ...
    @property
    def organisations(self) -> Mapping[str, model.Organisation]: ...
    @property
    def themes(self) -> dict[str, model.Theme]: ...
    @property
    def contributions(self) -> list[Contribution]: ...
    @property
    def contribution_by_id(self) -> Mapping[str, Contribution]: ...
    @property
    def article_order(self) -> list[str]: ...
    @property
    def article_rank(self) -> Mapping[str, int]: ...
    @property
    def theme_names(self) -> dict[str, str]: ...
    @property
    def uncertain_appearances(self) -> list[tuple[model.UncertainPerson, str]]: ...
    def all_people(self) -> list[model.Person]: ...
    def linked_people(self) -> list[tuple[str, list[str]]]: ...
    def search_engine(self) -> Any: ...
    def kind_of(self, key: str) -> str | None: ...
    def says_about(self, contribution: Contribution, slug: str) -> str | None: ...
    def contributions_of(self, slug: str) -> list[Contribution]: ...
    def contributions_on(self, theme_id: str) -> Iterable[Contribution]: ...
    def session(self, session_id: str) -> model.Session: ...
    def sessions_moderated_by(self, slug: str) -> list[model.Session]: ...
    def count(self, what: str) -> int: ...
    def people_in_article_order(self) -> Iterator[str]: ...
    def organisations_in_order(self) -> Iterator[model.Organisation]: ...
    def sessions_in_order(self) -> Iterator[model.Session]: ...
    def talks_in_order(self) -> Iterator[Contribution]: ...
    def count_on(self, theme_id: str) -> int: ...
    def sessions_hold_talks(self) -> bool: ...
    def affiliated_with(self, organisation_id: str) -> list[tuple[model.Person, str]]: ...
    def stated_contributions_of(self, slugs: list[str]) -> list[Contribution]: ...
    def possible_contributions_of(self, slugs: list[str]) -> list[Contribution]: ...
    def mentioning(self, organisation_id: str) -> list[Contribution]: ...
    def theme_tally(self, theme_id: str) -> ThemeTally: ...
    def close(self) -> None: ...


class Questions:
    """What both indexes work out the same way from their own answers: which kind an id is, who said a contribution,
    the themes' names, and the article's order of people as ranks."""

    @property
    def frame(self) -> ForumFrame:
        raise NotImplementedError

    @property
    def people(self) -> Mapping[str, model.Person]:
        raise NotImplementedError

    @property
    def contribution_by_id(self) -> Mapping[str, Contribution]:
        raise NotImplementedError

    @property
    def article_order(self) -> list[str]:
        raise NotImplementedError

    @cached_property
    def article_rank(self) -> Mapping[str, int]:
        """slug -> its place in the article's order of people."""
        return {slug: rank for rank, slug in enumerate(self.article_order)}

    @cached_property
    def theme_names(self) -> dict[str, str]:
        """Every normalised theme id, label and alias -> theme id."""
        names: dict[str, str] = {}
        for theme in self.frame.themes:
            for name in (theme.id, theme.label, *theme.aliases):
                names.setdefault(normalise(name), theme.id)
        return names

    def kind_of(self, key: str) -> str | None:
        """'panel', 'talk' or 'person' for an exact id (ids are unique across them), else None."""
        panel = self.frame.panel
        if panel and key == panel.id:
            return "panel"
        if key in self.contribution_by_id:
            return "talk"
        return "person" if key in self.people else None

    def says_about(self, contribution: Contribution, slug: str) -> str | None:
        """'stated' if the article names this person as the speaker, 'uncertain' if only possibly."""
        speaker = contribution.item.speaker
        if isinstance(speaker, model.UncertainPerson):
            return "uncertain" if slug in speaker.candidates else None
        return "stated" if speaker == slug else None

    def close(self) -> None:
        """Let go of what the index holds open (a store's connection)."""


class ForumIndex(Questions):
    """Lookup tables over one forum, built lazily so each command pays only for what it uses.

    ``forum`` is the whole forum; ``frame`` holds at least its small parts (facts,
    themes, glossary, opening, sessions, panel), which is all a question about one
    person, talk or theme needs. The query store (``store.StoreIndex``) answers the
    same questions from SQLite, reading only what each one needs.
    """

    stored = False  # answered from a query store (``store.StoreIndex``), which may turn out damaged

    def __init__(self, forum: model.Forum) -> None:
        self._forum = forum

    def search_engine(self) -> Any:
        """A search engine of the index's own (a store's ranks its search index), or None: match every document."""
        return None

    @property
    def forum(self) -> model.Forum:
        return self._forum

    @property
    def frame(self) -> ForumFrame:
        return self.forum

    @cached_property
    def people(self) -> Mapping[str, model.Person]:
        return {person.slug: person for person in self.forum.people}

    @cached_property
    def organisations(self) -> Mapping[str, model.Organisation]:
        return {organisation.id: organisation for organisation in self.forum.organisations}

    @cached_property
    def themes(self) -> dict[str, model.Theme]:
        return {theme.id: theme for theme in self.frame.themes}

    @cached_property
    def contributions(self) -> list[Contribution]:
        """Every contribution the article reports, in its order: opening, talks, the panel's remarks and closing."""
        session_of = {talk: session.id for session in self.forum.sessions for talk in session.talks}
        found: list[Contribution] = []
        if self.forum.opening:
            found.append(Contribution(model.ContributionKind.opening.value, self.forum.opening))
        found.extend(Contribution(model.ContributionKind.talk.value, talk, session_of.get(talk.id)) for talk in self.forum.talks)
        panel = self.forum.panel
        if panel:
            found.extend(Contribution(model.ContributionKind.panel_remark.value, remark, panel.id) for remark in panel.remarks)
            if panel.closing:
                found.append(Contribution(model.ContributionKind.panel_closing.value, panel.closing, panel.id))
        return found

    @cached_property
    def contribution_by_id(self) -> Mapping[str, Contribution]:
        return {contribution.id: contribution for contribution in self.contributions}

    @cached_property
    def appearances(self) -> list[tuple[model.PersonRef, str]]:
        """Everyone the article names in a role, with that role, in the order the article reports them."""
        return appearances(self.forum, [talk.speaker for talk in self.forum.talks])

    @cached_property
    def uncertain_appearances(self) -> list[tuple[model.UncertainPerson, str]]:
        """The appearances the article leaves uncertain between namesakes, with their roles, in the article's order."""
        return [(ref, role) for ref, role in self.appearances if isinstance(ref, model.UncertainPerson)]

    def all_people(self) -> list[model.Person]:
        """Everyone, in the file's order."""
        return list(self.forum.people)

    def linked_people(self) -> list[tuple[str, list[str]]]:
        """(slug, same_as) of everyone the curator links to a person in another forum, in the file's order."""
        return [(person.slug, list(person.same_as)) for person in self.forum.people if person.same_as]

    @cached_property
    def roles(self) -> Mapping[str, tuple[list[str], list[str]]]:
        """slug -> (roles the article states, roles it leaves uncertain between namesakes)."""
        certain: dict[str, set[str]] = {slug: set() for slug in self.people}
        possible: dict[str, set[str]] = {slug: set() for slug in self.people}
        for ref, role in self.appearances:
            if isinstance(ref, model.UncertainPerson):
                for slug in ref.candidates:
                    possible[slug].add(role)
            else:
                certain[ref].add(role)

        def ordered(roles: set[str]) -> list[str]:
            return [role for role in ROLE_ORDER if role in roles]

        return {slug: (ordered(certain[slug]), ordered(possible[slug] - certain[slug])) for slug in self.people}

    @cached_property
    def article_order(self) -> list[str]:
        """People in the order the article first names them in a stated role, then anyone else."""
        named = [ref for ref, _ in self.appearances if isinstance(ref, str)]
        return list(dict.fromkeys(named + [person.slug for person in self.forum.people]))

    @cached_property
    def affiliated(self) -> dict[str, list[tuple[model.Person, str]]]:
        """organisation id -> (person, position) for everyone affiliated with it: one pass over people."""
        found: dict[str, list[tuple[model.Person, str]]] = {}
        for person in self.forum.people:
            for affiliation in person.affiliations:
                found.setdefault(affiliation.organisation, []).append((person, affiliation.position))
        return found

    def contributions_of(self, slug: str) -> list[Contribution]:
        """What this person said or possibly said, in the article's order."""
        return [c for c in self.contributions if self.says_about(c, slug)]

    def contributions_on(self, theme_id: str) -> Iterable[Contribution]:
        """The contributions that carry this theme, in the article's order."""
        return [c for c in self.contributions if theme_id in c.themes]

    def session(self, session_id: str) -> model.Session:
        return next(session for session in self.frame.sessions if session.id == session_id)

    def sessions_moderated_by(self, slug: str) -> list[model.Session]:
        """The sessions whose moderator is this person, or possibly is, in the article's order."""
        return [
            s
            for s in self.frame.sessions
            if s.moderator == slug or (isinstance(s.moderator, model.UncertainPerson) and slug in s.moderator.candidates)
        ]

    # -- lists a piece at a time: a view shows the first N, and a store streams them from SQLite ---------

    def count(self, what: str) -> int:
        """How many people, organisations, sessions, talks, contributions (of every kind) or agenda items the forum has."""
        forum = self.forum
        if what == "agenda items":
            return agenda_size(forum, len(forum.sessions), len(forum.talks))
        lists: dict[str, Sized] = {
            "people": forum.people,
            "organisations": forum.organisations,
            "sessions": forum.sessions,
            "talks": forum.talks,
            "contributions": self.contributions,
        }
        return len(lists[what])

    def people_in_article_order(self) -> Iterator[str]:
        return iter(self.article_order)

    def organisations_in_order(self) -> Iterator[model.Organisation]:
        return iter(self.forum.organisations)

    def sessions_in_order(self) -> Iterator[model.Session]:
        return iter(self.frame.sessions)

    def talks_in_order(self) -> Iterator[Contribution]:
        return (contribution for contribution in self.contributions if contribution.kind == "talk")

    def count_on(self, theme_id: str) -> int:
        return sum(theme_id in contribution.themes for contribution in self.contributions)

    def sessions_hold_talks(self) -> bool:
        return any(session.talks for session in self.frame.sessions)

    def affiliated_with(self, organisation_id: str) -> list[tuple[model.Person, str]]:
        """(person, position) for everyone affiliated with the organisation, in the file's order."""
        return self.affiliated.get(organisation_id, [])

    def stated_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        """What these people are stated to have said (not what they possibly said), in the article's order."""
        said = [contribution for slug in dict.fromkeys(slugs) for contribution in self._stated_by.get(slug, [])]
        position = self._position
        return sorted(said, key=lambda contribution: position[contribution.id])

    def possible_contributions_of(self, slugs: list[str]) -> list[Contribution]:
        """What the article attributes to someone it does not identify who may be one of these people, in its order."""
        said = {contribution.id: contribution for slug in dict.fromkeys(slugs) for contribution in self._possibly_by.get(slug, [])}
        position = self._position
        return sorted(said.values(), key=lambda contribution: position[contribution.id])

    def mentioning(self, organisation_id: str) -> list[Contribution]:
        """The contributions that mention the organisation, in the article's order."""
        return self._mentioned.get(organisation_id, [])

    # One pass over every contribution for all organisations, not one per organisation.

    @cached_property
    def _stated_by(self) -> dict[str, list[Contribution]]:
        found: dict[str, list[Contribution]] = {}
        for contribution in self.contributions:
            if isinstance(contribution.item.speaker, str):
                found.setdefault(contribution.item.speaker, []).append(contribution)
        return found

    @cached_property
    def _possibly_by(self) -> dict[str, list[Contribution]]:
        found: dict[str, list[Contribution]] = {}
        for contribution in self.contributions:
            speaker = contribution.item.speaker
            if isinstance(speaker, model.UncertainPerson):
                for slug in dict.fromkeys(speaker.candidates):
                    found.setdefault(slug, []).append(contribution)
        return found

    @cached_property
    def _mentioned(self) -> dict[str, list[Contribution]]:
        found: dict[str, list[Contribution]] = {}
        for contribution in self.contributions:
            for organisation_id in dict.fromkeys(contribution.item.organisations):
                found.setdefault(organisation_id, []).append(contribution)
        return found

    @cached_property
    def _position(self) -> dict[str, int]:
        return {contribution.id: number for number, contribution in enumerate(self.contributions)}

    def theme_tally(self, theme_id: str) -> ThemeTally:
        return self._theme_tallies[theme_id]

    @cached_property
    def _theme_tallies(self) -> dict[str, ThemeTally]:
        tallies = {theme_id: ThemeTally() for theme_id in self.themes}
        for contribution in self.contributions:
            for theme_id in contribution.themes:
                tallies[theme_id].add(contribution.id, contribution.kind, contribution.item.speaker)
        for tally in tallies.values():
            tally.speakers = sorted(tally.speakers, key=self.article_rank.__getitem__)
        return tallies


def _an_index(index: ForumIndex) -> Index:
    """Never called: mypy checks here that a ForumIndex answers every question of the Index protocol."""
    return index


class ThemeTally:
    """What ``cbiic themes`` says of one theme: its contributions in the article's order, how many of each kind, who spoke."""

    __slots__ = ("contributions", "kinds", "speakers", "uncertain")

    def __init__(self) -> None:
        self.contributions: list[str] = []
        self.kinds: dict[str, int] = dict.fromkeys(KINDS, 0)
        # Distinct stated speakers: a dict while adding, then a list in the article's order.
        self.speakers: dict[str, None] | list[str] = {}
        self.uncertain: list[model.UncertainPerson] = []

    def as_tuple(self) -> tuple[list[str], list[int], list[str], list[model.UncertainPerson]]:
        """For the store: the counts in the order of ``KINDS``."""
        return self.contributions, [self.kinds[kind] for kind in KINDS], list(self.speakers), self.uncertain

    @classmethod
    def from_tuple(cls, stored: tuple[list[str], list[int], list[str], list[model.UncertainPerson]]) -> ThemeTally:
        tally = cls()
        tally.contributions, counts, tally.speakers, tally.uncertain = stored
        tally.kinds = dict(zip(KINDS, counts, strict=True))
        return tally

    def add(self, contribution_id: str, kind: str, speaker: model.PersonRef) -> None:
        self.contributions.append(contribution_id)
        self.kinds[kind] += 1
        if isinstance(speaker, model.UncertainPerson):
            self.uncertain.append(speaker)
        elif isinstance(self.speakers, dict):  # always, until ``_theme_tallies`` orders them
            self.speakers[speaker] = None


def appearances(frame: ForumFrame, talk_speakers: Sequence[model.PersonRef]) -> list[tuple[model.PersonRef, str]]:
    """The people named in a role, with the role, in the article's order: the frame's roles around the talks' speakers."""
    found: list[tuple[model.PersonRef, str]] = []
    if frame.opening:
        found.append((frame.opening.speaker, model.Role.opening.value))
    found += [(session.moderator, model.Role.session_moderator.value) for session in frame.sessions]
    found += [(speaker, model.Role.speaker.value) for speaker in talk_speakers]
    if frame.panel:
        found.append((frame.panel.moderator, model.Role.panel_moderator.value))
        found += [(slug, model.Role.panelist.value) for slug in frame.panel.panelists]
        found += [(remark.speaker, model.Role.panelist.value) for remark in frame.panel.remarks]
        if frame.panel.closing:
            found.append((frame.panel.closing.speaker, model.Role.panel_closing.value))
    return found


def item_themes(item: Item) -> list[str]:
    """An item's themes: those of its key points, in the order they first appear."""
    return list(dict.fromkeys(theme for point in item.key_points for theme in point.themes))


_ASCII_SPACE = re.compile(r"[ \t\r\n]+")


def one_line(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces; other characters (even Unicode spaces) kept as they are."""
    return _ASCII_SPACE.sub(" ", text).strip()


def agenda_size(frame: ForumFrame, sessions: int, talks: int) -> int:
    """How many items the agenda lists: the opening, each session and talk, and the panel with each panelist, remark
    and its closing words."""
    panel = frame.panel
    panel_size = 1 + len(panel.panelists) + len(panel.remarks) + (1 if panel.closing else 0) if panel else 0
    return (1 if frame.opening else 0) + sessions + talks + panel_size


def gist(summary: str) -> str:
    """The first sentence of a summary: the one line a list has room for."""
    flat = one_line(summary)
    match = re.match(r"(.+?(?<!\bDr)(?<!\bProf)[.!?][”\"’']?)(\s|$)", flat)
    return match.group(1) if match else flat


def quoted(text: str) -> str:
    """A user's input inside a message: repr-quoted, and cut short if it is long."""
    if len(text) <= QUOTED_AT_MOST:
        return repr(text)
    return repr(text[:QUOTED_AT_MOST]) + f"… ({len(text):,} characters)"


def listed(items: list[str], conjunction: str = "; ", total: int | None = None) -> str:
    """The first few items for a message, and how many more there are (``total`` when only the first were made)."""
    shown = items[:LISTED_AT_MOST]
    more = (len(items) if total is None else total) - len(shown)
    text = conjunction.join(shown)
    # "a; b; and 3 more", but "a or b, or 3 more": a word as conjunction is not doubled with "and".
    tail = f"{conjunction}and {more:,} more" if conjunction.strip() in (";", ",") else f", {conjunction.strip()} {more:,} more"
    return text + tail if more > 0 else text


# -- resolving references ----------------------------------------------------


def _suggest(ref: str, pool: list[str]) -> list[str]:
    import difflib

    # difflib is quadratic in the pool; beyond a few thousand keys a prefix window is enough for a hint.
    if len(pool) > 5000:
        pool = [key for key in pool if key[:2] == ref[:2]][:5000]
    return difflib.get_close_matches(ref, pool, n=3, cutoff=0.6)


def resolve_ref(index: Index, ref: str) -> tuple[str, str]:
    """Resolve a talk id or person slug (exact, then name, then unique prefix) to ('talk'|'person'|'panel', key)."""
    exact = ref.strip().casefold()
    kind = index.kind_of(exact)
    if kind is not None:  # the common case, answered without listing every id
        return kind, exact
    pool: dict[str, str] = {slug: "person" for slug in index.people}
    pool.update({cid: "talk" for cid in index.contribution_by_id})
    if index.frame.panel:
        pool[index.frame.panel.id] = "panel"
    return _resolve_among(index, ref, pool, "talk or person", "run `cbiic speakers` or `cbiic agenda` to see valid refs.")


def describe_person(index: Index, slug: str) -> str:
    person = index.people[slug]
    where = "; ".join(f"{a.position}, {index.organisations[a.organisation].name}" for a in person.affiliations) or "no affiliation given"
    return f"{slug} ({person.name}, {where})"


def _describe(index: Index, key: str, what: str) -> str:
    if what == "person":
        return describe_person(index, key)
    panel = index.frame.panel
    if what == "panel" and panel is not None:
        return f"{key} (panel: {panel.title})"
    contribution = index.contribution_by_id[key]
    if contribution.title:
        return f"{key} (talk: “{contribution.title}”)"
    speaker = contribution.item.speaker
    who = speaker.as_written if isinstance(speaker, model.UncertainPerson) else index.people[speaker].name
    return f"{key} ({KIND_LABEL[contribution.kind]} by {who})"


def resolve_person(index: Index, ref: str) -> str:
    exact = ref.strip().casefold()
    if exact in index.people:  # the common case, answered without listing everyone
        return exact
    pool = {slug: "person" for slug in index.people}
    return _resolve_among(index, ref, pool, "person", "run `cbiic speakers` to list everyone.")[1]


def _resolve_among(index: Index, ref: str, pool: dict[str, str], noun: str, fallback: str) -> tuple[str, str]:
    """Exact id, then the same id folded (case, punctuation, spelling), then a person's name, then a unique prefix."""
    exact = ref.strip().casefold()
    if exact in pool:
        return pool[exact], exact
    wanted = normalise(ref)
    _refuse_to_guess(index, ref, wanted)
    # A name as printed: "Professor Zheng Limin", "Dr. Xu Junfang", "Prof. Zheng", or given name first, "Limin Zheng".
    bare = without_honorifics(wanted)
    folded = {normalise(key): key for key in pool}
    for asked in dict.fromkeys((wanted, bare)):
        if asked in folded:
            return pool[folded[asked]], folded[asked]
    by_name = [person.slug for person in index.all_people() if person.slug in pool and same_person_name(normalise(person.name), wanted)]
    candidates = by_name or ([key for norm, key in folded.items() if norm.startswith(bare)] if bare else [])
    people = [key for key in candidates if pool[key] == "person"]
    if len(people) == 1 and all(
        pool[key] == "person" or (pool[key] == "talk" and index.says_about(index.contribution_by_id[key], people[0])) for key in candidates
    ):
        # `zheng` matches Zheng Limin and his talk: the person's view already holds the talk.
        candidates = people
    if len(candidates) == 1:
        return pool[candidates[0]], candidates[0]
    if candidates:
        shown = listed([_describe(index, key, pool[key]) for key in candidates[:LISTED_AT_MOST]], total=len(candidates))
        raise Ambiguous(f"{quoted(ref)} matches {len(candidates):,} entries: {shown}. Give one of these ids in full.", candidates)
    hint = _suggest(exact, list(pool))
    advice = f"did you mean {' or '.join(hint)}?" if hint else fallback
    raise NotFound(f"no {noun} {quoted(ref)}; {advice}")


def _refuse_to_guess(index: Index, ref: str, wanted: str) -> None:
    """A name the article uses without saying who it means ("Professor Ma Jun") gets the candidates, never one of them.

    The same words may also be how the article names one of the candidates elsewhere (line 4 calls the Harbin
    Ma Jun "Professor Ma Jun"): the message says so, since that does not settle who the unidentified one is.
    """
    uncertain = index.uncertain_appearances
    for appearance, _role in uncertain:
        if normalise(appearance.as_written) == wanted:
            roles = sorted({r for a, r in uncertain if normalise(a.as_written) == wanted}, key=ROLE_ORDER.index)
            candidates = " or ".join(describe_person(index, slug) for slug in appearance.candidates)
            written_for = [
                f"{person.slug} ({_lines(person.source_paragraphs)})"
                for person in index.all_people()
                if person.honorific and normalise(f"{person.honorific} {person.name}") == wanted
            ]
            also = (
                f" The article also uses these words for {' and '.join(written_for)}, which does not settle who the unidentified one is."
                if written_for
                else ""
            )
            raise Ambiguous(
                f"{quoted(ref)} is how the article names {' and '.join(ROLE_AS_NOUN.get(r, r) for r in roles)} without saying which person it means: "
                f"possibly {candidates}.{also} `cbiic talk panel` shows both; give a slug to see one person.",
                list(appearance.candidates),
            )


def _lines(paragraphs: list[int]) -> str:
    return f"line {paragraphs[0]}" if len(paragraphs) == 1 else f"lines {', '.join(map(str, paragraphs))}"


def resolve_theme(index: Index, name: str) -> str:
    """A theme by id, label or alias (exactly, up to case, punctuation and spelling), or by a unique prefix of an id or label."""
    wanted = normalise(name)
    names = index.theme_names
    if wanted in names:
        return names[wanted]
    # Prefixes of ids and labels only: 'tumour' must not find Immunotherapy through the alias "tumor immune microenvironment".
    heads = {normalise(key): theme.id for theme in index.frame.themes for key in (theme.id, theme.label)}
    prefixed = sorted({theme for head, theme in heads.items() if head.startswith(wanted)}) if wanted else []
    if len(prefixed) == 1:
        return prefixed[0]
    known = ", ".join(index.themes) if len(index.themes) <= 30 else listed(list(index.themes), ", ")
    if prefixed:
        raise Ambiguous(f"theme {quoted(name)} could be {listed(prefixed, ' or ')}; known themes: {known}", prefixed)
    hint = _suggest(wanted, list(names))
    advice = f"did you mean {' or '.join(dict.fromkeys(names[h] for h in hint))}? " if hint else ""
    raise NotFound(f"no theme {quoted(name)}; {advice}known themes: {known}")
