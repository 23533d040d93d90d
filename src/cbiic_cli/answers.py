"""One function per command: the rows (and optional document) that command answers with.

Every view says only what the article says: things are listed in the order the
article reports them (it gives no running order), a curator's topic is never a
title, and a person the article leaves uncertain is shown with every candidate.
"""

from __future__ import annotations

from typing import Any

from . import model
from .errors import NotFound
from .names import normalise
from .query import (
    CONTRIBUTION_KEYS,
    LISTED_AT_MOST,
    KIND_LABEL,
    PERSON_KEYS,
    Contribution,
    ForumIndex,
    View,
    listed,
    quoted,
    resolve_person,
    resolve_ref,
    resolve_theme,
)

ORDER_NOTE = "in the order the article reports them; the article gives no running order"
SESSION_NOTE = "The article names each session's moderator but does not say which talks belonged to which session."
ROLE_FILTERS = {
    "opening": ("opening",),
    "moderator": ("session moderator", "panel moderator"),
    "speaker": ("speaker",),
    "panelist": ("panelist",),
    "closing": ("panel closing",),
}


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

def speakers(index: ForumIndex, org: str | None = None, role: str | None = None, theme: str | None = None) -> View:
    slugs = index.article_order
    wanted: list[str] = []
    notices: list[str] = []
    if org:
        wanted.append(f"affiliated with an organisation matching {quoted(org)}")
        text = normalise(org)
        organisations = index.organisations
        slugs = [
            slug
            for slug in slugs
            if any(text in normalise(organisations[a.organisation].name) or text in a.organisation for a in index.people[slug].affiliations)
        ]
    if role:
        wanted.append(f"in the role {role}")
        roles = ROLE_FILTERS[role]
        slugs = [slug for slug in slugs if any(r in roles for r in index.roles[slug][0] + index.roles[slug][1])]
    if theme:
        theme_id = resolve_theme(index, theme)
        wanted.append(f"who spoke on {theme_id}")
        on_theme: set[str] = set()
        unidentified: list[model.UncertainPerson] = []
        for contribution in index.contributions_on(theme_id):
            speaker = contribution.item.speaker
            if isinstance(speaker, model.UncertainPerson):
                unidentified.append(speaker)
            else:
                on_theme.add(speaker)
        slugs = [slug for slug in slugs if slug in on_theme]
        # Someone the article does not identify is not listed as any candidate: that would be a guess.
        distinct = _distinct_uncertain(unidentified)
        notices = [
            f"also on {theme_id}: {ref['as_written']}, whom the article does not identify (possibly {listed(ref['candidates'], ' or ')}); see `cbiic theme {theme_id}`"
            for ref in distinct[:LISTED_AT_MOST]
        ]
        if len(distinct) > LISTED_AT_MOST:
            notices.append(f"also on {theme_id}: {len(distinct) - LISTED_AT_MOST:,} more people the article does not identify; see `cbiic theme {theme_id}`")
    rows = [index.person_row(slug) for slug in slugs]
    view = View("speakers", rows, PERSON_KEYS)
    if theme:
        view.notices += notices
    if not rows and wanted:
        view.notices.append(f"no one {' and '.join(wanted)}; run `cbiic speakers` to list everyone")
    return view


def speaker(index: ForumIndex, ref: str, quoter: Quoter = NO_QUOTES) -> View:
    slug = resolve_person(index, ref)
    person = index.people[slug]
    contributions = [quoter.add(row) for row in _person_contributions(index, slug)]
    document = {
        **index.person_row(slug),
        "note": person.note.text if person.note else None,
        "note_lines": list(person.note.source_paragraphs) if person.note else [],
        "source_paragraphs": list(person.source_paragraphs),
        "moderated": _moderated(index, slug),
        "contributions": contributions,
    }
    view = View("speaker", contributions, quoter.keys(CONTRIBUTION_KEYS + ["attribution"]), document=document)
    for moderated in document["moderated"]:
        if moderated["attribution"] == "uncertain":
            what = "the panel" if moderated["kind"] == "panel" else moderated["name"]
            view.row_notices.append(
                f"the article does not say whether {person.name} ({slug}) moderated {what}; "
                "these rows hold only contributions: -f json or the table shows it"
            )
    return view


def _person_contributions(index: ForumIndex, slug: str) -> list[dict[str, Any]]:
    return [{**index.contribution_row(c), "attribution": index.says_about(c, slug)} for c in index.contributions_of(slug)]


def _moderated(index: ForumIndex, slug: str) -> list[dict[str, Any]]:
    """Sessions and the panel this person moderated, as the article states it or only possibly."""
    found = []
    moderated: list[tuple[str, str, str, model.PersonRef]] = [("session", s.id, s.name, s.moderator) for s in index.sessions_moderated_by(slug)]
    if index.frame.panel:
        panel = index.frame.panel
        moderated.append(("panel", panel.id, panel.title, panel.moderator))
    for kind, item_id, name, ref in moderated:
        if ref == slug:
            found.append({"kind": kind, "id": item_id, "name": name, "attribution": "stated", "attribution_note": None})
        elif isinstance(ref, model.UncertainPerson) and slug in ref.candidates:
            found.append({"kind": kind, "id": item_id, "name": name, "attribution": "uncertain", "attribution_note": ref.note.text})
    return found


# -- contributions ---------------------------------------------------------------

def talk(index: ForumIndex, ref: str, quoter: Quoter = NO_QUOTES) -> View:
    what, key = resolve_ref(index, ref)
    if what == "panel":
        return panel(index, quoter)
    if what == "person":
        rows = [quoter.add(row) for row in _person_contributions(index, key)]
        if not rows:
            person = index.people[key]
            raise NotFound(f"{person.name} ({key}) has no talk, speech or remark in this forum; try `cbiic speaker {key}`")
        return View("talk", rows, quoter.keys(CONTRIBUTION_KEYS + ["attribution"]))
    rows = [quoter.add(index.contribution_row(index.contribution_by_id[key]))]
    return View("talk", rows, quoter.keys(CONTRIBUTION_KEYS))


def panel_document(index: ForumIndex, quoter: Quoter = NO_QUOTES) -> dict[str, Any] | None:
    """The panel itself: its title, moderator (with every candidate), panelists, remarks and closing words."""
    the_panel = index.frame.panel
    if the_panel is None:
        return None
    by_id = index.contribution_by_id
    return {
        "id": the_panel.id,
        "title": the_panel.title,
        "moderator": index.speaker_fields(the_panel.moderator),
        "panelists": [index.person_row(slug) for slug in the_panel.panelists],
        "remarks": [quoter.add(index.contribution_row(by_id[remark.id])) for remark in the_panel.remarks],
        "closing": quoter.add(index.contribution_row(by_id[the_panel.closing.id])) if the_panel.closing else None,
        "source_paragraphs": list(the_panel.source_paragraphs),
    }


def panel(index: ForumIndex, quoter: Quoter = NO_QUOTES) -> View:
    document = panel_document(index, quoter)
    assert document is not None  # resolve_ref only offers the panel when there is one
    rows = document["remarks"] + ([document["closing"]] if document["closing"] else [])
    view = View("panel", rows, quoter.keys(CONTRIBUTION_KEYS), document=document)
    moderator = document["moderator"]
    if moderator["slug"] is None and moderator["speaker_candidates"]:
        candidates = " or ".join(c["slug"] for c in moderator["speaker_candidates"])
        view.row_notices.append(
            f"the article does not say who the panel's moderator, {moderator['name']}, is (possibly {candidates}); "
            "these rows hold only the remarks and closing words: -f json or the table shows the panel"
        )
    return view


def theme(index: ForumIndex, name: str, quoter: Quoter = NO_QUOTES) -> View:
    theme_id = resolve_theme(index, name)
    the_theme = index.themes[theme_id]
    taken_as = [] if normalise(name) in index.theme_names else [f"taking {quoted(name)} as the theme {theme_id} ({the_theme.label})"]
    rows = [quoter.add({**index.contribution_row(c), "gist": theme_gist(c, theme_id)}) for c in index.contributions_on(theme_id)]
    extra = {"theme": {"id": the_theme.id, "label": the_theme.label, "description": the_theme.description}}
    view = View("theme", rows, quoter.keys(CONTRIBUTION_KEYS), extra=extra)
    view.notices += taken_as
    return view


def theme_gist(contribution: Contribution, theme_id: str) -> str:
    """The key point that carries the theme: the sentence that is the evidence for it."""
    return next(p.text for p in contribution.item.key_points if theme_id in p.themes)


THEME_KEYS = ["id", "label", "aliases", "description", "count", "talks", "panel_remarks", "panel_closing", "contributions", "speakers", "uncertain_speakers"]


def themes(index: ForumIndex) -> View:
    on_theme: dict[str, list[Contribution]] = {theme_id: [] for theme_id in index.themes}
    for contribution in index.contributions:
        for theme_id in contribution.themes:
            on_theme[theme_id].append(contribution)
    rows = []
    for the_theme in index.forum.themes:
        found = on_theme[the_theme.id]
        stated = [c.item.speaker for c in found if isinstance(c.item.speaker, str)]
        uncertain = [c.item.speaker for c in found if isinstance(c.item.speaker, model.UncertainPerson)]
        rows.append(
            {
                "id": the_theme.id,
                "label": the_theme.label,
                "aliases": list(the_theme.aliases),
                "description": the_theme.description,
                "count": len(found),
                "talks": sum(c.kind == "talk" for c in found),
                "panel_remarks": sum(c.kind == "panel-remark" for c in found),
                "panel_closing": sum(c.kind == "panel-closing" for c in found),
                "contributions": [c.id for c in found],
                "speakers": sorted(set(stated), key=index.article_rank.__getitem__),
                "uncertain_speakers": _distinct_uncertain(uncertain),
            }
        )
    return View("themes", rows, THEME_KEYS, extra={"article_order": index.article_order})


def _distinct_uncertain(refs: list[model.UncertainPerson]) -> list[dict[str, Any]]:
    seen: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for ref in refs:
        seen.setdefault((ref.as_written, tuple(ref.candidates)), {"as_written": ref.as_written, "candidates": list(ref.candidates)})
    return list(seen.values())


# -- the forum as a whole --------------------------------------------------------

AGENDA_KEYS = ["kind", "id", "title", "topic", "name", "part_of", "person", "person_slug", "person_candidates", "source_paragraphs"]


def agenda(index: ForumIndex) -> View:
    """Opening, sessions with their moderators, talks, the panel: in the order the article reports them.

    ``person`` is the speaker, or for a session or the panel its moderator, with
    every candidate when the article does not say which namesake it means.
    """
    forum = index.forum
    rows: list[dict[str, Any]] = []

    def add(kind: str, item_id: str, ref: model.PersonRef, part_of: str | None, lines: Any, title: str | None = None, topic: str | None = None, name: str | None = None) -> None:
        person = index.speaker_fields(ref)
        rows.append(
            {
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
        )

    if forum.opening:
        add("opening", forum.opening.id, forum.opening.speaker, None, forum.opening.source_paragraphs)
    for session in forum.sessions:
        add("session", session.id, session.moderator, None, session.source_paragraphs, name=session.name)
    for contribution in index.contributions:
        if contribution.kind == "talk":
            item = contribution.item
            add("talk", item.id, item.speaker, contribution.part_of, item.source_paragraphs, title=contribution.title, topic=contribution.topic)
    if forum.panel:
        the_panel = forum.panel
        add("panel", the_panel.id, the_panel.moderator, None, the_panel.source_paragraphs, title=the_panel.title)
        for slug in the_panel.panelists:
            add("panelist", slug, slug, the_panel.id, index.people[slug].source_paragraphs)
        for remark in the_panel.remarks:
            add("panel-remark", remark.id, remark.speaker, the_panel.id, remark.source_paragraphs)
        if the_panel.closing:
            add("panel-closing", the_panel.closing.id, the_panel.closing.speaker, the_panel.id, the_panel.closing.source_paragraphs)
    document = {"order": ORDER_NOTE, "session_note": session_note(forum), "items": rows}
    return View("agenda", rows, AGENDA_KEYS, document=document)


def session_note(forum: model.Forum) -> str | None:
    """Said whenever there are sessions but the data (rightly, for this article) places no talk in one."""
    if forum.sessions and not any(session.talks for session in forum.sessions):
        return SESSION_NOTE
    return None


def forum_facts(forum: model.Forum) -> dict[str, Any]:
    info = forum.forum
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
        "source": {"title": forum.source.title, "published": forum.source.published, "file": forum.source.file},
    }


def counts(forum: model.Forum) -> dict[str, int]:
    """The forum's size, counted one way everywhere: the panel's closing words are not a panel remark."""
    panel = forum.panel
    return {
        "people": len(forum.people),
        "organisations": len(forum.organisations),
        "talks": len(forum.talks),
        "panel_remarks": len(panel.remarks) if panel else 0,
        "panel_closing": 1 if panel and panel.closing else 0,
        "opening": 1 if forum.opening else 0,
        "themes": len(forum.themes),
    }


def summary(index: ForumIndex) -> View:
    forum = index.forum
    rows = [index.contribution_row(c) for c in index.contributions]
    by_kind: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KIND_LABEL}
    for row in rows:
        by_kind[row["kind"]].append(row)
    document = {
        **forum_facts(forum),
        "counts": counts(forum),
        "order": ORDER_NOTE,
        "sessions": [
            {"id": s.id, "name": s.name, "moderator": index.speaker_fields(s.moderator), "talks": list(s.talks), "source_paragraphs": list(s.source_paragraphs)}
            for s in forum.sessions
        ],
        "session_note": session_note(forum),
        "opening": by_kind["opening"][0] if by_kind["opening"] else None,
        "talks": by_kind["talk"],
        "panel": panel_document(index),
        "themes": themes(index).items,
    }
    return View("summary", rows, CONTRIBUTION_KEYS, document=document)


ORG_KEYS = ["id", "name", "kind", "people", "people_names", "people_positions", "contributions", "mentioned_in", "note", "note_lines", "source_paragraphs"]


def orgs(index: ForumIndex, text: str | None = None, kind: str | None = None) -> View:
    wanted = normalise(text) if text else ""
    mentioned: dict[str, list[Contribution]] = {}
    by_speaker: dict[str, list[Contribution]] = {}
    for contribution in index.contributions:
        for organisation_id in contribution.item.organisations:
            mentioned.setdefault(organisation_id, []).append(contribution)
        if isinstance(contribution.item.speaker, str):
            by_speaker.setdefault(contribution.item.speaker, []).append(contribution)
    position = {c.id: number for number, c in enumerate(index.contributions)}
    rows = []
    for organisation in index.forum.organisations:
        if wanted and wanted not in normalise(organisation.name) and wanted not in organisation.id:
            continue
        if kind and organisation.kind.value != kind:
            continue
        people = index.affiliated.get(organisation.id, [])
        said = {c.id: c for person, _ in people for c in by_speaker.get(person.slug, [])}
        rows.append(
            {
                "id": organisation.id,
                "name": organisation.name,
                "kind": organisation.kind.value,
                # Parallel lists, as for a person's positions and organisations: the nth name holds the nth position.
                "people": [person.slug for person, _ in people],
                "people_names": [person.name for person, _ in people],
                "people_positions": [position for _, position in people],
                "contributions": [c.id for c in sorted(said.values(), key=lambda c: position[c.id])],
                "mentioned_in": [c.id for c in mentioned.get(organisation.id, [])],
                "note": organisation.note.text if organisation.note else None,
                "note_lines": list(organisation.note.source_paragraphs) if organisation.note else [],
                "source_paragraphs": list(organisation.source_paragraphs),
            }
        )
    view = View("orgs", rows, ORG_KEYS)
    if not rows:
        what = " and ".join(filter(None, [f"matches {quoted(text)}" if text else "", f"is of kind {kind}" if kind else ""]))
        view.notices.append(f"no organisation {what}; run `cbiic orgs` to list them all")
    return view



def search(index: ForumIndex, words: list[str], theme_name: str | None = None, limit: int | None = None, quoter: Quoter = NO_QUOTES) -> View:
    from . import search as full_text

    theme_id = resolve_theme(index, theme_name) if theme_name else None
    results = full_text.search(index, words, theme_id, limit)
    hits = [quoter.add(hit) for hit in results.hits]
    view = View("search", hits, quoter.keys(full_text.HIT_KEYS), extra={"total": results.total})
    query = " ".join(words)
    scope = f" on theme {theme_id}" if theme_id else ""
    if results.corrected:
        view.notices.append(f"no matches for {quoted(query)}{scope}; showing results for {quoted(results.corrected)}")
    elif not hits:
        view.notices.append(f"no matches for {quoted(query)}{scope}")
    if len(hits) < results.total:
        # Said on stderr in every format: a script reading rows must know it did not get them all.
        view.notices.append(f"{len(hits):,} of {results.total:,} hits; --limit 0 for all")
    return view
