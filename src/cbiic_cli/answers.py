"""One function per command: the rows (and optional document) that command answers with."""

from __future__ import annotations

from typing import Any

from . import model
from .errors import NotFound
from .names import normalise
from .query import KIND_LABEL, ForumIndex, View, gist, resolve_person, resolve_ref, resolve_theme

PERSON_COLUMNS = [("slug", "Slug"), ("name", "Name"), ("roles", "Roles"), ("affiliations", "Affiliation")]
CONTRIBUTION_COLUMNS = [
    ("id", "Id"),
    ("kind", "Kind"),
    ("heading", "Title / topic"),
    ("slug", "Slug"),
    ("name", "Speaker"),
    ("affiliations", "Affiliation"),
    ("summary", "Summary"),
    ("key_points", "Key points"),
    ("themes", "Themes"),
    ("source_paragraphs", "Source ¶"),
]


def speakers(index: ForumIndex, org: str | None = None) -> View:
    slugs = index.agenda_order
    if org:
        wanted = org.casefold()
        organisations = index.organisations
        slugs = [
            slug
            for slug in slugs
            if any(wanted in organisations[a.organisation].name.casefold() for a in index.people[slug].affiliations)
        ]
    rows = [index.person_row(slug) for slug in slugs]
    view = View("speakers", rows, PERSON_COLUMNS + [("possible_roles", "Possible roles")])
    if not rows:
        view.extra["empty_notice"] = f"no one is affiliated with an organisation matching {org!r}; run `cbiic orgs` to list them"
        view.extra["keys"] = list(index.person_row(index.forum.people[0].slug))
    return view


def speaker(index: ForumIndex, ref: str) -> View:
    slug = resolve_person(index, ref)
    person = index.people[slug]
    contributions = _person_contributions(index, slug)
    moderated = _moderated(index, slug)
    document = {
        **index.person_row(slug),
        "note": person.note.text if person.note else None,
        "source_paragraphs": list(person.source_paragraphs),
        "moderated": moderated,
        "contributions": contributions,
    }
    return View("speaker", contributions, CONTRIBUTION_COLUMNS + [("attribution", "Attribution")], document=document)


def _person_contributions(index: ForumIndex, slug: str) -> list[dict[str, Any]]:
    rows = []
    for contribution in index.contributions:
        attribution = index.says_about(contribution, slug)
        if attribution:
            rows.append({**index.contribution_row(contribution), "attribution": attribution})
    return rows


def _moderated(index: ForumIndex, slug: str) -> list[dict[str, Any]]:
    """Sessions and the panel this person moderated, certainly or possibly."""
    found = []
    moderated: list[tuple[str, str, model.PersonRef]] = [(s.id, s.name, s.moderator) for s in index.forum.sessions]
    if index.forum.panel:
        panel = index.forum.panel
        moderated.append((panel.id, panel.title, panel.moderator))
    for item_id, name, ref in moderated:
        if ref == slug:
            found.append({"id": item_id, "name": name, "attribution": "stated"})
        elif isinstance(ref, model.UncertainPerson) and slug in ref.candidates:
            found.append({"id": item_id, "name": name, "attribution": "uncertain", "attribution_note": ref.note.text})
    return found


def talk(index: ForumIndex, ref: str) -> View:
    what, key = resolve_ref(index, ref)
    if what == "person":
        rows = _person_contributions(index, key)
        if not rows:
            person = index.people[key]
            raise NotFound(f"{person.name} ({key}) has no talk, speech or remark in this forum; try `cbiic speaker {key}`")
    elif what == "panel":
        rows = [index.contribution_row(c) for c in index.contributions if c.kind in ("remark", "closing")]
        panel = index.forum.panel
        header = {
            "title": panel.title,
            "moderator": index.speaker_fields(panel.moderator),
            "panelists": [index.person_row(slug) for slug in panel.panelists],
        }
        return View("talk", rows, CONTRIBUTION_COLUMNS, extra={"panel": header})
    else:
        rows = [index.contribution_row(index.contribution_by_id[key])]
    return View("talk", rows, CONTRIBUTION_COLUMNS)


def theme(index: ForumIndex, name: str) -> View:
    theme_id = resolve_theme(index, name)
    the_theme = index.themes[theme_id]
    names_the_theme = _theme_pattern(the_theme)
    rows = [
        {**index.contribution_row(c), "gist": theme_gist(c, names_the_theme)}
        for c in index.contributions
        if theme_id in c.themes
    ]
    columns = [("kind", "Kind"), ("id", "Id"), ("name", "Speaker"), ("slug", "Slug"), ("affiliations", "Affiliation"), ("gist", "Gist")]
    return View("theme", rows, columns, extra={"theme": {"id": the_theme.id, "label": the_theme.label, "description": the_theme.description}})


def _theme_pattern(the_theme: model.Theme) -> Any:
    """Matches any of the theme's names as a whole word (or its plural), any case."""
    import re

    names = {the_theme.id.replace("-", " "), the_theme.label, *the_theme.aliases}
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")s?\b", re.IGNORECASE)


def theme_gist(contribution: Any, pattern: Any) -> str:
    """The first key point or summary sentence that names the theme; else the summary's first sentence."""
    import re

    item = contribution.item
    sentences = [*(p.text for p in item.key_points), *re.split(r"(?<=[.!?])\s+", " ".join(item.summary.split()))]
    return next((sentence for sentence in sentences if pattern.search(sentence)), gist(item.summary))


def themes(index: ForumIndex) -> View:
    rows = []
    for the_theme in index.forum.themes:
        on_theme = [c for c in index.contributions if the_theme.id in c.themes]
        speakers_here = list(dict.fromkeys(_speaker_keys(c.item.speaker) for c in on_theme))
        rows.append(
            {
                "id": the_theme.id,
                "label": the_theme.label,
                "count": len(on_theme),
                "talks": sum(c.kind == "talk" for c in on_theme),
                "remarks": sum(c.kind != "talk" for c in on_theme),
                "aliases": list(the_theme.aliases),
                "description": the_theme.description,
                "speakers": speakers_here,
            }
        )
    columns = [("id", "Theme"), ("label", "Label"), ("count", "Count"), ("aliases", "Aliases"), ("speakers", "Speakers")]
    names = {slug: person.name for slug, person in index.people.items()}
    for contribution in index.contributions:
        speaker_ref = contribution.item.speaker
        if isinstance(speaker_ref, model.UncertainPerson):
            names[_speaker_keys(speaker_ref)] = speaker_ref.as_written
    return View("themes", rows, columns, extra={"speaker_order": index.agenda_order, "speaker_names": names})


def _speaker_keys(ref: model.PersonRef) -> str:
    """A slug, or 'a|b' for an uncertain speaker, so a matrix column is never a guess."""
    return "|".join(ref.candidates) if isinstance(ref, model.UncertainPerson) else ref


def agenda(index: ForumIndex) -> View:
    forum = index.forum
    rows: list[dict[str, Any]] = []

    def add(kind: str, item_id: str, label: str, ref: model.PersonRef | None, parent: str | None) -> None:
        person = index.speaker_fields(ref) if ref is not None else {}
        rows.append(
            {
                "position": len(rows) + 1,
                "kind": kind,
                "id": item_id,
                "label": label,
                "parent": parent,
                "slug": person.get("slug"),
                "name": person.get("name"),
                "speaker_candidates": person.get("speaker_candidates", []),
                "affiliations": person.get("affiliations", []),
            }
        )

    by_id = index.contribution_by_id
    in_session = {talk for session in forum.sessions for talk in session.talks}
    if forum.opening:
        add("opening", forum.opening.id, by_id[forum.opening.id].heading, forum.opening.speaker, None)
    for session in forum.sessions:
        add("session", session.id, session.name, session.moderator, None)
        for talk_id in session.talks:
            add("talk", talk_id, by_id[talk_id].heading, by_id[talk_id].item.speaker, session.id)
    for talk_item in forum.talks:
        if talk_item.id not in in_session:
            add("talk", talk_item.id, by_id[talk_item.id].heading, talk_item.speaker, None)
    if forum.panel:
        panel = forum.panel
        add("panel", panel.id, panel.title, panel.moderator, None)
        for slug in panel.panelists:
            add("panelist", slug, "Panelist", slug, panel.id)
        for remark in panel.remarks:
            add("remark", remark.id, KIND_LABEL["remark"].capitalize(), remark.speaker, panel.id)
        if panel.closing:
            add("closing", panel.closing.id, KIND_LABEL["closing"].capitalize(), panel.closing.speaker, panel.id)
    columns = [("position", "#"), ("kind", "Kind"), ("id", "Id"), ("label", "Title / topic"), ("name", "Who"), ("slug", "Slug"), ("parent", "Part of")]
    view = View("agenda", rows, columns)
    if forum.sessions and forum.talks and not in_session:
        view.extra["note"] = "The source does not say which talks belonged to which session, so talks are listed on their own."
    return view


def forum_facts(forum: model.Forum) -> dict[str, Any]:
    info = forum.forum
    return {
        "name": info.name,
        "conference": info.conference,
        "date": info.date.isoformat(),
        "city": info.city,
        "participants": info.participants,
        "organisers": info.organisers.as_written,
        "organisers_note": info.organisers.note.text if info.organisers.note else None,
        "aims": list(info.aims),
        "source": {"title": forum.source.title, "published": forum.source.published, "file": forum.source.file},
    }


def summary(index: ForumIndex) -> View:
    rows = [index.contribution_row(c) for c in index.contributions]
    forum = index.forum
    document = {
        **forum_facts(forum),
        "counts": {
            "people": len(forum.people),
            "organisations": len(forum.organisations),
            "talks": len(forum.talks),
            "panel_remarks": len(forum.panel.remarks) if forum.panel else 0,
            "themes": len(forum.themes),
        },
        "sessions": (the_agenda := agenda(index)).items,
        "agenda_note": the_agenda.extra.get("note"),
        "panel": {"id": forum.panel.id, "title": forum.panel.title, "moderator": index.speaker_fields(forum.panel.moderator)} if forum.panel else None,
        "contributions": rows,
        "themes": themes(index).items,
    }
    columns = [("id", "Id"), ("kind", "Kind"), ("name", "Speaker"), ("heading", "Title / topic"), ("gist", "Gist")]
    return View("summary", rows, columns, document=document)


def orgs(index: ForumIndex, text: str | None = None) -> View:
    wanted = normalise(text) if text else ""
    rows = []
    for organisation in index.forum.organisations:
        if wanted and wanted not in normalise(organisation.name) and wanted not in organisation.id:
            continue
        people = [
            {"slug": person.slug, "name": person.name, "position": affiliation.position}
            for person in index.forum.people
            for affiliation in person.affiliations
            if affiliation.organisation == organisation.id
        ]
        slugs = {p["slug"] for p in people}
        said = [
            {"id": c.id, "kind": c.kind, "heading": c.heading, "gist": gist(c.item.summary), "slug": c.item.speaker if isinstance(c.item.speaker, str) else None}
            for c in index.contributions
            if (isinstance(c.item.speaker, str) and c.item.speaker in slugs) or organisation.id in c.item.organisations
        ]
        rows.append(
            {
                "id": organisation.id,
                "name": organisation.name,
                "kind": organisation.kind.value,
                "people": people,
                "slugs": sorted(slugs, key=index.agenda_order.index),
                "contributions": said,
                "note": organisation.note.text if organisation.note else None,
            }
        )
    columns = [("name", "Organisation"), ("kind", "Kind"), ("people", "People"), ("contributions", "Contributions")]
    view = View("orgs", rows, columns)
    if not rows:
        view.extra["empty_notice"] = f"no organisation matches {text!r}; run `cbiic orgs` to list them all"
        view.extra["keys"] = ORG_KEYS
    return view


ORG_KEYS = ["id", "name", "kind", "people", "slugs", "contributions", "note"]


def search(index: ForumIndex, words: list[str], theme_name: str | None = None, limit: int | None = None) -> View:
    from . import search as full_text

    theme_id = resolve_theme(index, theme_name) if theme_name else None
    hits = full_text.search(index, words, theme_id, limit)
    columns = [("rank", "#"), ("name", "Who"), ("kind", "Kind"), ("id", "Id"), ("field", "Field"), ("snippet", "Snippet")]
    view = View("search", hits, columns)
    if not hits:
        view.extra["keys"] = full_text.HIT_KEYS
        query = " ".join(words)
        scope = f" on theme {theme_id}" if theme_id else ""
        view.extra["empty_notice"] = f"no matches for {query!r}{scope}" + _near_matches(index, words)
    return view


def _near_matches(index: ForumIndex, words: list[str]) -> str:
    """Vocabulary words close to the ones asked for, to rescue a typo."""
    import difflib
    import re

    vocabulary: set[str] = set()
    for contribution in index.contributions:
        item = contribution.item
        for text in (contribution.heading, item.summary, *(p.text for p in item.key_points)):
            vocabulary.update(word.casefold() for word in re.findall(r"[^\W_]{3,}", text))
    near = []
    for word in words:
        near += difflib.get_close_matches(word.casefold(), sorted(vocabulary), n=2, cutoff=0.75)
    near = list(dict.fromkeys(w for w in near if w not in (x.casefold() for x in words)))
    return f"; did you mean {' or '.join(near)}?" if near else ""
