"""One function per command: the rows (and optional document) that command answers with.

Every view says only what the article says: things are listed in the order the
article reports them (it gives no full running order), a curator's topic is never a
title, and a person the article leaves uncertain is shown with every candidate.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import Any

from . import caveats, model
from .errors import NotFound
from .names import normalise
from .query import (
    LISTED_AT_MOST,
    ROLE_AS_NOUN,
    Contribution,
    Index,
    ThemeTally,
    View,
    listed,
    quoted,
    resolve_person,
    resolve_ref,
    resolve_theme,
)
from .rows import PERSON_KEYS, contribution_keys, contribution_row, person_row, speaker_fields
from .vocabulary import ROLE_FILTERS as ROLE_FILTERS_BY_NAME

# The --role filters, as the roles rows write them (vocabulary.ROLE_FILTERS).
ROLE_FILTERS = {name: tuple(role.value for role in roles) for name, roles in ROLE_FILTERS_BY_NAME.items()}


class Quoter:
    """Adds the article's cited lines to rows, when the user supplied the article with --source."""

    def __init__(self, article: Any | None) -> None:
        self.article = article

    def keys(self, keys: list[str]) -> list[str]:
        return keys + ["quotes"] if self.article else keys

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.article:
            row["quotes"] = self.article.quotes(row.get("source_paragraphs") or [])
        return row


NO_QUOTES = Quoter(None)


# -- people ----------------------------------------------------------------------


def speakers(
    index: Index,
    org: str | None = None,
    role: str | None = None,
    theme: str | None = None,
    limit: int | None = None,
    possible: bool = False,
) -> View:
    """Everyone, or those the filters keep, in the article's order; the first ``limit`` of them (None: all).

    A role keeps the people the article states in it; ``possible`` adds those it names only as possible holders
    (the two Ma Juns for the panel's moderator), each row then saying which it is in ``attribution``.
    """
    wanted: list[str] = []
    notices: list[str] = []
    attribution: dict[str, str] = {}
    theme_only_possibly: set[str] = set()
    slugs: Iterable[str] = index.people_in_article_order()
    if org:
        wanted.append(f"affiliated with an organisation matching {quoted(org)}")
        text = normalise(org)
        organisations = index.organisations
        slugs = [
            slug
            for slug in slugs
            if any(text in normalise(organisations[a.organisation].name) or text in a.organisation for a in index.people[slug].affiliations)
        ]
    if theme:
        theme_id = resolve_theme(index, theme)
        wanted.append(f"whose contributions touch {theme_id}")
        on_theme: set[str] = set()
        unidentified: list[model.UncertainPerson] = []
        for contribution in index.contributions_on(theme_id):
            speaker = contribution.item.speaker
            if isinstance(speaker, model.UncertainPerson):
                unidentified.append(speaker)
            else:
                on_theme.add(speaker)
        # With --possible, a role's candidates are listed as possible; so are the people who may have touched the theme
        # through a contribution the article does not attribute (the closing words), each of them, never one.
        possibly_on_theme = {slug for ref in unidentified for slug in ref.candidates} - on_theme if role and possible else set()
        theme_only_possibly = possibly_on_theme
        slugs = [slug for slug in slugs if slug in on_theme or slug in possibly_on_theme]
        # Someone the article does not identify is not listed as any candidate: that would be a guess.
        distinct = _distinct_uncertain(unidentified)
        notices += [
            f"also touching {theme_id}: {ref['as_written']}, whom the article does not identify (possibly {listed(ref['candidates'], ' or ')}); see `cbiic theme {theme_id}`"
            for ref in distinct[:LISTED_AT_MOST]
        ]
        if len(distinct) > LISTED_AT_MOST:
            notices.append(
                f"also touching {theme_id}: {len(distinct) - LISTED_AT_MOST:,} more people the article does not identify; see `cbiic theme {theme_id}`"
            )
    if role:  # last: its counts and its notice are of the people every other filter kept
        roles = ROLE_FILTERS[role]
        people = list(slugs)
        in_role = {slug for slug in people if any(r in roles for r in index.roles[slug][0])}
        attribution = {slug: "stated" for slug in people if slug in in_role and slug not in theme_only_possibly}
        maybe = [slug for slug in people if slug not in attribution and (slug in in_role or any(r in roles for r in index.roles[slug][1]))]
        named = ", ".join(f"{index.people[slug].name} ({slug})" for slug in maybe[:LISTED_AT_MOST])
        wanted.append(f"stated by the article to be in the role {role}" + (" or named as possibly in it" if possible else ""))
        what = f"in the role {role}" + (f" with a contribution touching {theme_id}" if theme_only_possibly else "")
        if maybe and possible:
            attribution.update({slug: "possible" for slug in maybe})
            notices.append(f"possibly {what}, as the article does not say which person it means: {named}; rows say attribution: possible")
        elif maybe:
            notices.append(
                f"also possibly in the role {role}, as the article does not say which person it means: {named}; add --possible to list them"
            )
        slugs = [slug for slug in people if slug in attribution]
    total = len(slugs) if isinstance(slugs, list) else index.count("people")
    if role:
        rows = ({**person_row(index, slug), "attribution": attribution[slug]} for slug in _first(slugs, limit))
        view = View("speakers", rows, PERSON_KEYS + ["attribution"])
        view.extra["attribution"] = {kind: sum(1 for value in attribution.values() if value == kind) for kind in ("stated", "possible")}
        if possible:
            view.required_keys = ["attribution"]
    else:
        view = View("speakers", (person_row(index, slug) for slug in _first(slugs, limit)), PERSON_KEYS)
    view.notices += notices
    if not total and wanted:
        view.notices.append(f"no one {' and '.join(wanted)}; run `cbiic speakers` to list everyone")
    _say_limited(view, total, limit, "people")
    return view


def _first(items: Iterable[Any], limit: int | None) -> Iterator[Any]:
    """The first ``limit`` items, taken as they come (None: all of them; a limit past any list's length: all of them)."""
    return islice(items, min(limit, sys.maxsize)) if limit else iter(items)


def _say_limited(view: View, total: int, limit: int | None, noun: str) -> None:
    """Record the whole answer's size; when only the first rows are shown, say so on stderr, in every format."""
    view.extra["total"] = total
    _say_left_out(view, [caveats.first_of(limit, total, noun)])


def _say_left_out(view: View, parts: list[str | None], inner: list[str | None] | None = None) -> None:
    """Say what a view leaves out, and that --limit 0 shows it all: on stderr, in every format, each part that is not
    None; in ``extra["left_out"]``, which the table and Markdown print in their text, only ``parts`` (the rows and
    columns they show), not ``inner`` (lists inside rows that only JSON, CSV and the like print whole)."""
    shown = caveats.left_out(parts)
    if shown:
        view.extra["left_out"] = shown
    everything = caveats.left_out(parts + (inner or []))
    if everything:
        view.notices.append(everything)


def speaker(index: Index, ref: str, quoter: Quoter = NO_QUOTES) -> View:
    slug = resolve_person(index, ref)
    person = index.people[slug]
    contributions = [quoter.add(row) for row in _person_contributions(index, slug)]
    moderated = _moderated(index, slug)
    document = {
        **person_row(index, slug),
        "note": person.note.text if person.note else None,
        "note_lines": list(person.note.source_paragraphs) if person.note else [],
        "source_paragraphs": list(person.source_paragraphs),
        # Apart: a script reading "moderated" must not take a session or panel the article leaves uncertain as stated.
        "moderated": [m for m in moderated if m["attribution"] == "stated"],
        "possibly_moderated": [m for m in moderated if m["attribution"] != "stated"],
        "order": caveats.ORDER_NOTE,  # of the contributions
        "contributions": contributions,
    }
    view = View("speaker", contributions, quoter.keys(contribution_keys() + ["attribution"]), document=document)
    for moderated in document["possibly_moderated"]:
        what = "the panel" if moderated["kind"] == "panel" else moderated["name"]
        view.row_notices.append(
            f"the article does not say whether {person.name} ({slug}) moderated {what}; "
            "these rows hold only contributions: -f json or the table shows it"
        )
    _say_uncertain_rows(view, index, slug)
    if len(contributions) > 1:
        view.row_notices.append(f"contributions are listed {caveats.ORDER_NOTE}")
    if len(view.row_notices) > 1:  # one line for what the rows leave uncertain, however many things it is
        view.row_notices = ["; ".join(view.row_notices)]
    return view


def _say_uncertain_rows(view: View, index: Index, slug: str) -> None:
    """Rows the article only possibly attributes to this person keep their ``attribution`` whatever --fields asks,
    and stderr names them: a script counting someone's contributions must not count them as stated."""
    uncertain = [row for row in view.items if row.get("attribution") == "uncertain"]  # a person's rows are a list
    if not uncertain:
        return
    view.required_keys = ["attribution"]
    for row in uncertain:
        view.row_notices.append(
            f"{row['id']}: the article does not say this is {index.people[slug].name} ({slug})'s: it names its speaker "
            f"{quoted(row['name'])} without saying which person it means; its row says attribution: uncertain"
        )


def _person_contributions(index: Index, slug: str) -> list[dict[str, Any]]:
    return [{**contribution_row(index, c), "attribution": index.says_about(c, slug)} for c in index.contributions_of(slug)]


def _moderated(index: Index, slug: str) -> list[dict[str, Any]]:
    """Sessions and the panel this person moderated, as the article states it or only possibly."""
    found: list[dict[str, Any]] = []
    moderated: list[tuple[str, str, str, model.PersonRef]] = [
        ("session", s.id, s.name, s.moderator) for s in index.sessions_moderated_by(slug)
    ]
    if index.frame.panel:
        panel = index.frame.panel
        moderated.append(("panel", panel.id, panel.title, panel.moderator))
    for kind, item_id, name, ref in moderated:
        if ref == slug:
            found.append(
                {"kind": kind, "id": item_id, "name": name, "attribution": "stated", "attribution_note": None, "attribution_note_lines": []}
            )
        elif isinstance(ref, model.UncertainPerson) and slug in ref.candidates:
            found.append(
                {
                    "kind": kind,
                    "id": item_id,
                    "name": name,
                    "attribution": "uncertain",
                    "attribution_note": ref.note.text,
                    "attribution_note_lines": list(ref.note.source_paragraphs),
                }
            )
    return found


# -- contributions ---------------------------------------------------------------


def talk(index: Index, ref: str, quoter: Quoter = NO_QUOTES) -> View:
    what, key = resolve_ref(index, ref)
    if what == "panel":
        return panel(index, quoter)
    if what == "person":
        rows = [quoter.add(row) for row in _person_contributions(index, key)]
        if not rows:
            person = index.people[key]
            raise NotFound(f"{person.name} ({key}) has no talk, speech or remark in this forum; try `cbiic speaker {key}`")
        view = View("talk", rows, quoter.keys(contribution_keys() + ["attribution"]))
        _say_uncertain_rows(view, index, key)
        return view
    rows = [quoter.add(contribution_row(index, index.contribution_by_id[key]))]
    return View("talk", rows, quoter.keys(contribution_keys()))


def panel_document(index: Index, quoter: Quoter = NO_QUOTES) -> dict[str, Any] | None:
    """The panel itself: its title, moderator (with every candidate), panelists, remarks and closing words."""
    the_panel = index.frame.panel
    if the_panel is None:
        return None
    by_id = index.contribution_by_id
    return {
        "id": the_panel.id,
        "title": the_panel.title,
        "moderator": speaker_fields(index, the_panel.moderator),
        "panelists": [person_row(index, slug) for slug in the_panel.panelists],
        "remarks": [quoter.add(contribution_row(index, by_id[remark.id])) for remark in the_panel.remarks],
        "closing": quoter.add(contribution_row(index, by_id[the_panel.closing.id])) if the_panel.closing else None,
        "order": caveats.ORDER_NOTE,  # of the remarks: the article reports them one after another, not when each was said
        "source_paragraphs": list(the_panel.source_paragraphs),
    }


def panel(index: Index, quoter: Quoter = NO_QUOTES) -> View:
    document = panel_document(index, quoter)
    assert document is not None  # resolve_ref only offers the panel when there is one
    rows = document["remarks"] + ([document["closing"]] if document["closing"] else [])
    view = View("panel", rows, quoter.keys(contribution_keys()), document=document)
    view.row_notices += _unidentified_moderator(document)
    return view


def _unidentified_moderator(panel: dict[str, Any] | None) -> list[str]:
    """For the rows of a view holding the panel: they hold its remarks, not who moderated it."""
    moderator = panel["moderator"] if panel else None
    if not moderator or moderator["slug"] is not None or not moderator["speaker_candidates"]:
        return []
    candidates = " or ".join(c["slug"] for c in moderator["speaker_candidates"])
    return [
        f"the article does not say who the panel's moderator, {moderator['name']}, is (possibly {candidates}); "
        "these rows hold only the contributions: -f json or the table shows the panel"
    ]


def theme(index: Index, name: str, quoter: Quoter = NO_QUOTES, limit: int | None = None) -> View:
    theme_id = resolve_theme(index, name)
    the_theme = index.themes[theme_id]
    taken_as = [] if normalise(name) in index.theme_names else [f"taking {quoted(name)} as the theme {theme_id} ({the_theme.label})"]
    rows = (
        quoter.add({**contribution_row(index, c), "gist": theme_gist(c, the_theme)})
        for c in _first(index.contributions_on(theme_id), limit)
    )
    extra = {"theme": {"id": the_theme.id, "label": the_theme.label, "description": the_theme.description}}
    view = View("theme", rows, quoter.keys(contribution_keys()), extra=extra)
    view.notices += taken_as
    _say_limited(view, index.count_on(theme_id), limit, "contributions")
    return view


def theme_gist(contribution: Contribution, theme: model.Theme) -> str:
    """The key point that carries the theme most directly: of those tagged with it, the first that names it (its
    id, label or an alias, as words), else the first. Li Ziming's point that genetic testing is crucial to "precision
    treatment" says more of precision medicine than his point on testing for EGFR, which is tagged with it too."""
    carrying = [point.text for point in contribution.item.key_points if theme.id in point.themes]
    names = [f"-{normalise(name)}-" for name in (theme.id, theme.label, *theme.aliases)]
    return next((text for text in carrying if any(name in f"-{normalise(text)}-" for name in names)), carrying[0])


THEME_KEYS = [
    "id",
    "label",
    "aliases",
    "description",
    "count",
    "talks",
    "panel_remarks",
    "panel_closing",
    "contributions",
    "speakers",
    "uncertain_speakers",
]


def themes(index: Index, limit: int | None = None) -> View:
    """Each theme with what it carries, and the columns of the theme-by-speaker matrix (``extra["matrix"]``).

    With a ``limit``, the first ``limit`` themes, each with its first ``limit`` contributions, speakers and names the
    article leaves unidentified, and the matrix's first ``limit`` columns: at scale a theme is touched by tens of
    thousands of people. Every tally is then read before the first row, since what is left out is said first.
    Without a limit, a row is made as it is printed (a theme lists thousands of ids).
    """
    every_theme = index.frame.themes
    shown = list(_first(every_theme, limit))
    view = View("themes", [], THEME_KEYS)
    view.extra["total"] = len(every_theme)
    # The matrix's columns are asked for only by the human layouts, with the rows they laid out (the whole view).
    if not limit:
        view.items = _theme_rows(index, shown, None)
        view.extra["matrix"] = lambda rows: _Matrix.of(rows).columns(index.article_rank)
        return view
    matrix = _Matrix(limit)
    view.items = list(_theme_rows(index, shown, limit, matrix))
    view.extra["matrix"] = lambda rows: matrix.columns(index.article_rank)
    # The table and Markdown show the themes and the matrix; of a theme's lists, only their count.
    _say_left_out(
        view,
        [caveats.first_of(limit, len(every_theme), "themes"), caveats.first_of(limit, matrix.total, "speakers in the matrix")],
        [_each_themes_first(limit, any(row["count"] > limit for row in view.items))],
    )
    return view


def _theme_rows(index: Index, shown: list[model.Theme], limit: int | None, matrix: _Matrix | None = None) -> Iterator[dict[str, Any]]:
    """Each theme's row, made as it is printed, from its tally (read once). ``matrix`` is told of each tally as it is
    read."""
    for the_theme in shown:
        tally = index.theme_tally(the_theme.id)
        if matrix is not None:
            matrix.add(the_theme.id, tally.speakers, _distinct_uncertain(tally.uncertain))
        yield theme_row(the_theme, tally, limit)


def theme_row(the_theme: model.Theme, tally: ThemeTally, limit: int | None) -> dict[str, Any]:
    """What ``themes`` says of a theme in one forum, from its tally."""
    return {
        "id": the_theme.id,
        "label": the_theme.label,
        "aliases": list(the_theme.aliases),
        "description": the_theme.description,
        **theme_counts(tally),
        **theme_lists(tally, limit),
    }


def theme_counts(tally: ThemeTally) -> dict[str, int]:
    """A theme's counts in one forum: a congress adds up every forum's."""
    return {
        "count": len(tally.contributions),
        "talks": tally.kinds["talk"],
        "panel_remarks": tally.kinds["panel-remark"],
        "panel_closing": tally.kinds["panel-closing"],
    }


# A theme's lists in one forum, each in its order: its contributions, its speakers (the article's order) and the names
# it leaves unidentified. A congress shows the first forums' until it has the first so many of each.
THEME_LISTS: dict[str, Callable[[ThemeTally], Iterable[Any]]] = {
    "contributions": lambda tally: tally.contributions,
    "speakers": lambda tally: tally.speakers,
    "uncertain_speakers": lambda tally: _distinct_uncertain(tally.uncertain),
}


def theme_lists(tally: ThemeTally, limit: int | None) -> dict[str, list[Any]]:
    """The first ``limit`` of each of a theme's lists in one forum (``THEME_LISTS``)."""
    return {key: list(_first(listed_in(tally), limit)) for key, listed_in in THEME_LISTS.items()}


def _each_themes_first(limit: int, cut: bool) -> str | None:
    """What a theme's row holds when some theme has more contributions (and so perhaps speakers) than ``limit``."""
    return f"each theme's first {limit:,} contributions and speakers" if cut else None


class _Matrix:
    """The columns of the theme-by-speaker matrix: each person who touched a theme, in the order the article first
    names them, then each name it uses without saying who it means (a column of its own, never a candidate's), in
    the order met; each with the ids of the themes it touches. With a ``limit``, the first ``limit`` columns, and
    how many there are in all."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.people: dict[str, list[str]] = {}
        self.unidentified: dict[tuple[str, ...], dict[str, Any]] = {}
        self.everyone: set[str] = set()  # with a limit, every person and name counted, columns or not
        self.every_name: set[tuple[str, ...]] = set()

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> _Matrix:
        matrix = cls()
        for row in rows:
            matrix.add(row["id"], row["speakers"], row["uncertain_speakers"])
        return matrix

    def add(self, theme_id: str, speakers: Collection[str], unidentified: list[dict[str, Any]]) -> None:
        """A theme's speakers, in the article's order, and the names it leaves unidentified, in the order met."""
        if self.limit:
            self.everyone.update(speakers)
        # A person among the first ``limit`` columns is among the first ``limit`` speakers of every theme they touch.
        for slug in _first(speakers, self.limit):
            self.people.setdefault(slug, []).append(theme_id)
        for name in unidentified:
            key = (name["as_written"], *name["candidates"])
            self.every_name.add(key)
            # Names take columns in the order first met, so a later theme never displaces one.
            column = self.unidentified.get(key)
            if column is None and not (self.limit and len(self.unidentified) >= self.limit):
                column = self.unidentified[key] = {"slug": None, **name, "themes": []}
            if column is not None:
                column["themes"].append(theme_id)

    @property
    def total(self) -> int:
        return len(self.everyone) + len(self.every_name)

    def columns(self, rank: Mapping[str, int]) -> list[dict[str, Any]]:
        people = sorted(self.people, key=lambda slug: (slug not in rank, rank.get(slug, 0)))
        columns = [{"slug": slug, "themes": self.people[slug]} for slug in people] + list(self.unidentified.values())
        return columns[: self.limit] if self.limit else columns


def _distinct_uncertain(refs: list[model.UncertainPerson]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for ref in refs:
        seen.setdefault((ref.as_written, tuple(ref.candidates)), {"as_written": ref.as_written, "candidates": list(ref.candidates)})
    return list(seen.values())


# -- the forum as a whole --------------------------------------------------------

AGENDA_KEYS = ["kind", "id", "title", "topic", "name", "part_of", "person", "person_slug", "person_candidates", "source_paragraphs"]


def agenda(index: Index, limit: int | None = None) -> View:
    """Opening, sessions with their moderators, talks, the panel: in the order the article reports them.

    ``person`` is the speaker, or for a session or the panel its moderator, with
    every candidate when the article does not say which namesake it means. Only
    the first ``limit`` items are made (None: all), as they are printed.
    """
    frame = index.frame

    def item(
        kind: str,
        item_id: str,
        ref: model.PersonRef,
        part_of: str | None,
        lines: Any,
        title: str | None = None,
        topic: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        person = speaker_fields(index, ref)
        return {
            "kind": kind,
            "id": item_id,
            "title": title,
            "topic": topic,
            "name": name,
            "part_of": part_of,
            "person": person,
            # Flat copies for CSV and --fields, where the nested person is one line of text.
            "person_slug": person["slug"],
            "person_candidates": [candidate["slug"] for candidate in person["speaker_candidates"]],
            "source_paragraphs": list(lines),
        }

    def panel_items() -> Iterator[dict[str, Any]]:
        the_panel = frame.panel
        if the_panel is None:
            return
        yield item("panel", the_panel.id, the_panel.moderator, None, the_panel.source_paragraphs, title=the_panel.title)
        for slug in the_panel.panelists:
            # The panel's lines, not the person's: those hold what else they did (Xue Junli's session, line 5).
            yield item("panelist", slug, slug, the_panel.id, the_panel.source_paragraphs)
        for remark in the_panel.remarks:
            yield item("panel-remark", remark.id, remark.speaker, the_panel.id, remark.source_paragraphs)
        if the_panel.closing:
            yield item("panel-closing", the_panel.closing.id, the_panel.closing.speaker, the_panel.id, the_panel.closing.source_paragraphs)

    def items() -> Iterator[dict[str, Any]]:  # nothing read until the first item is asked for: a congress asks few forums
        opening = frame.opening
        if opening:
            yield item("opening", opening.id, opening.speaker, None, opening.source_paragraphs)
        for s in index.sessions_in_order():
            yield item("session", s.id, s.moderator, None, s.source_paragraphs, name=s.name)
        for c in index.talks_in_order():
            yield item("talk", c.id, c.item.speaker, c.part_of, c.item.source_paragraphs, title=c.title, topic=c.topic)
        yield from panel_items()

    total = index.count("agenda items")
    rows = _first(items(), limit)
    sessions = session_note(index)
    document = {"order": caveats.ORDER_NOTE, "session_note": sessions, "items": rows}
    view = View("agenda", rows, AGENDA_KEYS, document=document)
    # What the JSON document says of the whole list, and no row can: said on stderr, on one line, when only rows are printed.
    view.row_notices.append(" ".join(filter(None, [f"Items are listed {caveats.ORDER_NOTE}.", sessions])))
    _say_limited(view, total, limit, "agenda items")
    return view


def session_note(index: Index) -> str | None:
    """Said whenever there are sessions but the data (rightly, for this article) places no talk in one."""
    if index.count("sessions") and not index.sessions_hold_talks():
        return caveats.SESSION_NOTE
    return None


def forum_facts(frame: Any) -> dict[str, Any]:
    info = frame.forum
    organisers = info.organisers
    return {
        "name": info.name,
        "conference": info.conference,
        "date": info.date.isoformat(),
        "city": info.city,
        "participants": info.participants,
        "organisers": organisers.as_written,
        "organisers_note": organisers.note.text if organisers.note else None,
        "organisers_note_lines": list(organisers.note.source_paragraphs) if organisers.note else [],
        "aims": list(info.aims),
        "source_paragraphs": list(info.source_paragraphs),
        "source": {"title": frame.source.title, "published": frame.source.published, "file": frame.source.file},
    }


def counts(index: Index) -> dict[str, int]:
    """The forum's size, counted one way everywhere: the panel's closing words are not a panel remark."""
    frame = index.frame
    panel = frame.panel
    return {
        "people": index.count("people"),
        "organisations": index.count("organisations"),
        "talks": index.count("talks"),
        "panel_remarks": len(panel.remarks) if panel else 0,
        "panel_closing": 1 if panel and panel.closing else 0,
        "opening": 1 if frame.opening else 0,
        "themes": len(frame.themes),
    }


def summary(index: Index, limit: int | None = None) -> View:
    """The forum's facts, sessions, contributions and themes; of the sessions, talks and themes, the first ``limit``
    (None: all), each theme's row as ``themes`` makes it with that limit."""
    frame = index.frame
    opening = contribution_row(index, index.contribution_by_id[frame.opening.id]) if frame.opening else None
    panel = panel_document(index)

    def talks() -> Iterator[dict[str, Any]]:
        # Made as they are printed, once for the rows and once for the document: only one of them is printed.
        return (contribution_row(index, c) for c in _first(index.talks_in_order(), limit))

    rows = chain(
        [opening] if opening else [], talks(), panel["remarks"] + ([panel["closing"]] if panel["closing"] else []) if panel else []
    )
    tally = counts(index)
    sessions = (
        {
            "id": s.id,
            "name": s.name,
            "moderator": speaker_fields(index, s.moderator),
            # Only where the article says which talks a session held; an empty list would say it held none.
            **({"talks": list(s.talks)} if s.talks else {}),
            "source_paragraphs": list(s.source_paragraphs),
        }
        for s in _first(index.sessions_in_order(), limit)
    )
    shown_themes = list(_first(frame.themes, limit))
    document = {
        **forum_facts(frame),
        "counts": tally,
        "order": caveats.ORDER_NOTE,
        "sessions": sessions,
        "session_note": session_note(index),
        "opening": opening,
        "talks": talks(),
        "panel": panel,
        "themes": _theme_rows(index, shown_themes, limit),  # read only if printed: row formats print contributions
    }
    view = View("summary", rows, contribution_keys(), document=document)
    # What the document says of the rows' order and the sessions, and no row can: one line when only rows are printed.
    said = [f"Contributions are listed {caveats.ORDER_NOTE}.", document["session_note"]]
    said += [notice[:1].upper() + notice[1:] + "." for notice in _unidentified_moderator(panel)]
    view.row_notices.append(" ".join(filter(None, said)))
    view.extra["total"] = tally["opening"] + tally["talks"] + tally["panel_remarks"] + tally["panel_closing"]
    # The table and Markdown show the sessions, talks and themes; of a theme, its count (Markdown: and its first contributions).
    _say_left_out(
        view,
        [
            caveats.first_of(limit, index.count("sessions"), "sessions"),
            caveats.first_of(limit, tally["talks"], "talks"),
            caveats.first_of(limit, len(frame.themes), "themes"),
        ],
        # A theme holds more than ``limit`` contributions only if the forum does; then the store counts each theme's.
        [
            _each_themes_first(limit, any(index.count_on(the_theme.id) > limit for the_theme in shown_themes))
            if limit and limit < view.extra["total"]
            else None
        ],
    )
    return view


def contributions(index: Index, limit: int | None = None) -> View:
    """Every contribution in the article's order (opening, talks, the panel's remarks and closing words), the first
    ``limit`` of them made as they are printed: what a congress's summary lists, forum by forum."""

    def rows() -> Iterator[dict[str, Any]]:  # nothing read until the first row is asked for: a congress asks few forums
        for contribution in _first(index.contributions, limit):
            yield contribution_row(index, contribution)

    view = View("contributions", rows(), contribution_keys())
    view.extra["total"] = index.count("contributions")
    return view


ORG_KEYS = [
    "id",
    "name",
    "kind",
    "people",
    "people_names",
    "people_positions",
    "contributions",
    "possible_contributions",
    "mentioned_in",
    "note",
    "note_lines",
    "source_paragraphs",
]


def orgs(index: Index, text: str | None = None, kind: str | None = None, limit: int | None = None) -> View:
    wanted = normalise(text) if text else ""
    found: Iterable[model.Organisation] = index.organisations_in_order()
    if wanted or kind:
        found = [
            organisation
            for organisation in found
            if not (wanted and wanted not in normalise(organisation.name) and wanted not in organisation.id)
            and not (kind and organisation.kind.value != kind)
        ]
    total = len(found) if isinstance(found, list) else index.count("organisations")
    view = View("orgs", (_organisation_row(index, organisation) for organisation in _first(found, limit)), ORG_KEYS)
    if not total:
        what = " and ".join(filter(None, [f"matches {quoted(text)}" if text else "", f"is of kind {kind}" if kind else ""]))
        view.notices.append(f"no organisation {what}; run `cbiic orgs` to list them all")
    _say_limited(view, total, limit, "organisations")
    return view


def _organisation_row(index: Index, organisation: model.Organisation) -> dict[str, Any]:
    people = index.affiliated_with(organisation.id)
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind.value,
        # Parallel lists, as for a person's positions and organisations: the nth name holds the nth position.
        "people": [person.slug for person, _ in people],
        "people_names": [person.name for person, _ in people],
        "people_positions": [position for _, position in people],
        "contributions": [c.id for c in index.stated_contributions_of([person.slug for person, _ in people])],
        # What the article attributes to a name that may be one of its people ("Professor Ma Jun"): never stated.
        "possible_contributions": [c.id for c in index.possible_contributions_of([person.slug for person, _ in people])],
        "mentioned_in": [c.id for c in index.mentioning(organisation.id)],
        "note": organisation.note.text if organisation.note else None,
        "note_lines": list(organisation.note.source_paragraphs) if organisation.note else [],
        "source_paragraphs": list(organisation.source_paragraphs),
    }


def search(index: Index, words: list[str], theme_name: str | None = None, limit: int | None = None, quoter: Quoter = NO_QUOTES) -> View:
    from . import search as full_text

    theme_id = resolve_theme(index, theme_name) if theme_name else None
    results = full_text.search(index, words, theme_id, limit, quoter.article)
    view = View("search", (quoter.add(hit) for hit in results.hits), quoter.keys(full_text.hit_keys(quoter.article)))
    view.extra["scores"] = results.scores  # every hit's, shown or not: a congress ranks its forums' hits together by them
    query = " ".join(words)
    scope = f" on theme {theme_id}" if theme_id else ""
    if results.corrected:
        view.extra["corrected"] = results.corrected  # a congress counts these hits only when no forum matched as asked
        view.notices.append(f"no matches for {quoted(query)}{scope}; showing results for {quoted(results.corrected)}")
    elif not results.total:
        view.notices.append(f"no matches for {quoted(query)}{scope}")
    view.notices += _unidentified_in(index, query)
    _say_limited(view, results.total, limit, "hits")
    return view


def _unidentified_in(index: Index, query: str) -> list[str]:
    """A query that holds a name the article uses without saying who it means ("Professor Ma Jun") finds the person
    the same words name elsewhere, and not the other candidate: say who else it may be."""
    wanted = f"-{normalise(query)}-"
    roles: dict[str, list[str]] = {}
    candidates: dict[str, list[str]] = {}
    for appearance, role in index.uncertain_appearances:
        if f"-{normalise(appearance.as_written)}-" in wanted:
            roles.setdefault(appearance.as_written, []).append(ROLE_AS_NOUN.get(role, role))
            candidates.setdefault(appearance.as_written, list(appearance.candidates))
    return [
        f"{quoted(as_written)} is also how the article names {' and '.join(dict.fromkeys(roles[as_written]))} without saying "
        f"which person it means: possibly {' or '.join(candidates[as_written])}; see `cbiic talk panel`"
        for as_written in roles
    ]
