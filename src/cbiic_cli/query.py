"""Questions asked of a loaded forum, answered as plain rows (dicts and lists).

Nothing here prints or knows about formats: every function returns values a
renderer can turn into a table, JSON, CSV or Markdown, and raises ``NotFound``
or ``Ambiguous`` (with suggestions) when a reference does not resolve.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from . import model
from .errors import Ambiguous, NotFound
from .names import normalise

ROLE_ORDER = ("opening", "session moderator", "speaker", "panel moderator", "panelist", "closing")
KIND_LABEL = {"opening": "opening speech", "talk": "talk", "remark": "panel remark", "closing": "closing words"}


class Contribution:
    """Anything someone said at the forum, with where it sits in the agenda."""

    # A plain class rather than a dataclass: @dataclass costs start-up time on every run.
    __slots__ = ("kind", "item", "session")

    def __init__(self, kind: str, item: Any, session: str | None = None) -> None:
        self.kind = kind  # opening | talk | remark | closing
        self.item = item  # model.Speech | model.Talk | model.Remark
        self.session = session

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def themes(self) -> list[str]:
        return item_themes(self.item)

    @property
    def heading(self) -> str:
        title = getattr(self.item, "title", None)
        if title:
            return title
        topic = getattr(self.item, "topic", None)
        if topic:
            return topic
        return KIND_LABEL[self.kind].capitalize()


class View:
    """What a command answers: list items for every format, plus an optional whole document.

    ``items`` is what list formats (JSON arrays, CSV rows, Markdown tables) print;
    ``document`` replaces ``items`` in JSON for commands that answer with one object;
    ``columns`` names the item keys that tabular formats show, with their headers.
    """

    __slots__ = ("kind", "items", "columns", "document", "extra")

    def __init__(
        self,
        kind: str,
        items: list[dict[str, Any]],
        columns: list[tuple[str, str]],
        document: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.items = items
        self.columns = columns
        self.document = document
        self.extra = extra if extra is not None else {}


class ForumIndex:
    """Lookup tables over one forum, built lazily so each command pays only for what it uses."""

    def __init__(self, forum: model.Forum) -> None:
        self.forum = forum

    @cached_property
    def people(self) -> dict[str, model.Person]:
        return {person.slug: person for person in self.forum.people}

    @cached_property
    def organisations(self) -> dict[str, model.Organisation]:
        return {organisation.id: organisation for organisation in self.forum.organisations}

    @cached_property
    def themes(self) -> dict[str, model.Theme]:
        return {theme.id: theme for theme in self.forum.themes}

    @cached_property
    def contributions(self) -> list[Contribution]:
        session_of = {talk: session.id for session in self.forum.sessions for talk in session.talks}
        found: list[Contribution] = []
        if self.forum.opening:
            found.append(Contribution("opening", self.forum.opening))
        found.extend(Contribution("talk", talk, session_of.get(talk.id)) for talk in self.forum.talks)
        if self.forum.panel:
            found.extend(Contribution("remark", remark) for remark in self.forum.panel.remarks)
            if self.forum.panel.closing:
                found.append(Contribution("closing", self.forum.panel.closing))
        return found

    @cached_property
    def contribution_by_id(self) -> dict[str, Contribution]:
        return {contribution.id: contribution for contribution in self.contributions}

    @cached_property
    def roles(self) -> dict[str, tuple[list[str], list[str]]]:
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
    def appearances(self) -> list[tuple[model.PersonRef, str]]:
        """Everyone the agenda names, with the role it names them in, in agenda order."""
        forum = self.forum
        found: list[tuple[model.PersonRef, str]] = []
        if forum.opening:
            found.append((forum.opening.speaker, "opening"))
        found += [(session.moderator, "session moderator") for session in forum.sessions]
        found += [(talk.speaker, "speaker") for talk in forum.talks]
        if forum.panel:
            found.append((forum.panel.moderator, "panel moderator"))
            found += [(slug, "panelist") for slug in forum.panel.panelists]
            found += [(remark.speaker, "panelist") for remark in forum.panel.remarks]
            if forum.panel.closing:
                found.append((forum.panel.closing.speaker, "closing"))
        return found

    @cached_property
    def agenda_order(self) -> list[str]:
        """People in the order the agenda first names them for certain, then anyone never on it."""
        named = [ref for ref, _ in self.appearances if isinstance(ref, str)]
        return list(dict.fromkeys(named + [person.slug for person in self.forum.people]))

    @cached_property
    def theme_names(self) -> dict[str, str]:
        """Every normalised theme id, label and alias -> theme id."""
        names: dict[str, str] = {}
        for theme in self.forum.themes:
            for name in (theme.id, theme.label, *theme.aliases):
                names.setdefault(normalise(name), theme.id)
        return names

    # -- rows ------------------------------------------------------------

    def affiliation_lines(self, person: model.Person) -> list[str]:
        return [f"{a.position}, {self.organisations[a.organisation].name}" for a in person.affiliations]

    def person_row(self, slug: str) -> dict[str, Any]:
        person = self.people[slug]
        roles, possible = self.roles[slug]
        return {
            "slug": person.slug,
            "name": person.name,
            "honorific": person.honorific,
            "affiliations": self.affiliation_lines(person),
            "roles": roles,
            "possible_roles": possible,
        }

    def speaker_fields(self, ref: model.PersonRef) -> dict[str, Any]:
        """The person fields of a contribution row; for an uncertain speaker, the candidates instead."""
        if isinstance(ref, model.UncertainPerson):
            return {
                "slug": None,
                "name": ref.as_written,
                "honorific": None,
                "affiliations": [],
                "roles": [],
                "possible_roles": [],
                "speaker_candidates": list(ref.candidates),
                "attribution_note": ref.note.text,
            }
        return {**self.person_row(ref), "speaker_candidates": [], "attribution_note": None}

    def contribution_row(self, contribution: Contribution) -> dict[str, Any]:
        item = contribution.item
        return {
            "id": item.id,
            "kind": contribution.kind,
            "heading": contribution.heading,
            "title": getattr(item, "title", None),
            "topic": getattr(item, "topic", None),
            "session": contribution.session,
            **self.speaker_fields(item.speaker),
            "gist": gist(item.summary),
            "summary": item.summary,
            "key_points": [point.text for point in item.key_points],
            "themes": item_themes(item),
            "organisations": [self.organisations[o].name for o in item.organisations],
            "source_paragraphs": list(item.source_paragraphs),
        }

    def says_about(self, contribution: Contribution, slug: str) -> str | None:
        """'stated' if the article names this person as the speaker, 'uncertain' if only possibly."""
        speaker = contribution.item.speaker
        if isinstance(speaker, model.UncertainPerson):
            return "uncertain" if slug in speaker.candidates else None
        return "stated" if speaker == slug else None


def item_themes(item: Any) -> list[str]:
    """An item's themes: those of its key points, in the order they first appear."""
    return list(dict.fromkeys(theme for point in item.key_points for theme in point.themes))


def gist(summary: str) -> str:
    """The first sentence of a summary: the one line a list has room for."""
    match = re.match(r"(.+?[.!?])(\s|$)", " ".join(summary.split()))
    return match.group(1) if match else " ".join(summary.split())


# -- resolving references ----------------------------------------------------

def _suggest(ref: str, pool: list[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(ref, pool, n=3, cutoff=0.6)


def resolve_ref(index: ForumIndex, ref: str) -> tuple[str, str]:
    """Resolve a talk id or person slug (exact, then name, then unique prefix) to ('talk'|'person', key)."""
    pool: dict[str, str] = {slug: "person" for slug in index.people}
    pool.update({cid: "talk" for cid in index.contribution_by_id})
    if index.forum.panel:
        pool[index.forum.panel.id] = "panel"
    return _resolve_among(index, ref, pool, "talk or person", "run `cbiic speakers` or `cbiic agenda` to see valid refs.")


def _describe(index: ForumIndex, key: str, what: str) -> str:
    if what == "person":
        person = index.people[key]
        where = "; ".join(index.affiliation_lines(person)) or "no affiliation given"
        return f"{key} ({person.name}, {where})"
    if what == "panel":
        return f"{key} (panel: {index.forum.panel.title})"
    contribution = index.contribution_by_id[key]
    if contribution.kind == "talk":
        return f"{key} (talk: {contribution.heading})"
    speaker = contribution.item.speaker
    who = speaker.as_written if isinstance(speaker, model.UncertainPerson) else index.people[speaker].name
    return f"{key} ({KIND_LABEL[contribution.kind]} by {who})"


def resolve_person(index: ForumIndex, ref: str) -> str:
    pool = {slug: "person" for slug in index.people}
    return _resolve_among(index, ref, pool, "person", "run `cbiic speakers` to list everyone.")[1]


def _resolve_among(index: ForumIndex, ref: str, pool: dict[str, str], noun: str, fallback: str) -> tuple[str, str]:
    wanted = normalise(ref)
    if wanted in pool:
        return pool[wanted], wanted
    by_name = [person.slug for person in index.forum.people if normalise(person.name) == wanted and person.slug in pool]
    candidates = by_name or ([key for key in pool if key.startswith(wanted)] if wanted else [])
    people = [key for key in candidates if pool[key] == "person"]
    if len(people) == 1 and all(pool[key] == "person" or (pool[key] == "talk" and index.says_about(index.contribution_by_id[key], people[0])) for key in candidates):
        # `zheng` matches Zheng Limin and his talk: the person's view already holds the talk.
        candidates = people
    if len(candidates) == 1:
        return pool[candidates[0]], candidates[0]
    if candidates:
        listed = "; ".join(_describe(index, key, pool[key]) for key in candidates)
        raise Ambiguous(f"{ref!r} matches {len(candidates)} entries: {listed}. Give one of these ids in full.")
    hint = _suggest(wanted, list(pool))
    advice = f"did you mean {' or '.join(hint)}?" if hint else fallback
    raise NotFound(f"no {noun} {ref!r}; {advice}")


def resolve_theme(index: ForumIndex, name: str) -> str:
    wanted = normalise(name)
    names = index.theme_names
    if wanted in names:
        return names[wanted]
    prefixed = sorted({theme for alias, theme in names.items() if alias.startswith(wanted)}) if wanted else []
    if len(prefixed) == 1:
        return prefixed[0]
    known = ", ".join(index.themes)
    if prefixed:
        raise Ambiguous(f"theme {name!r} could be {' or '.join(prefixed)}; known themes: {known}")
    hint = _suggest(wanted, list(names))
    advice = f"did you mean {' or '.join(dict.fromkeys(names[h] for h in hint))}? " if hint else ""
    raise NotFound(f"no theme {name!r}; {advice}known themes: {known}")
