"""``cbiic export html``: one self-contained HTML report, rendered by Jinja2 with autoescaping.

Everything the template shows is prepared here as plain strings, lists and
dicts; the template decides only layout. Every string from the data reaches the
page through Jinja2's autoescaping, so a name such as ``<script>`` shows as
those characters. The page's own CSS and script are inlined and allowed by
hash in a Content-Security-Policy, so the file makes no network request and
runs nothing that someone slipped into the data.
"""

from __future__ import annotations

import base64
import hashlib
import re
from itertools import islice
from pathlib import Path
from typing import Any

from .. import caveats, model
from ..escape import clean
from .common import (
    CONGRESS_NOTES,
    OPENING,
    PANEL_CLOSING,
    PANEL_REMARK,
    TALK,
    Congress,
    contributions,
    generator_version,
    same_people,
    starts_like,
    write_atomically,
)

TEMPLATES = Path(__file__).parent / "templates"
GENERATOR_META = b'<meta name="generator" content="cbiic'
# How our report begins: the generator tag among the first tags of the head, not anywhere in a comment.
OURS = re.compile(rb"<!DOCTYPE html>\s*<html[^>]*>\s*<head>\s*(?:<meta [^<>]*>\s*)*" + re.escape(GENERATOR_META))
KIND_LABELS = {kind.value: label[0].upper() + label[1:] for kind, label in model.CONTRIBUTION_LABELS.items()}
HEAT_LEVELS = 4


def write_html(forum: Any, path: str, *, force: bool = False, limit: int | None = None) -> None:
    """A forum's report, or a ``Congress``'s. ``limit``: each theme map's first themes and columns (None: all of them)."""
    text = render(forum, limit)
    write_atomically(
        path,
        lambda temporary: temporary.write_text(text, encoding="utf-8"),
        is_ours=lambda existing: starts_like(existing, OURS),
        force=force,
        what="an HTML report",
    )


def _literal(value: Any) -> Any:
    """Data text with its control and bidi characters as visible escapes, as in every other format.

    Escaping makes markup inert, but a raw RLO would still reorder the page's text and a raw
    ESC or NUL would travel on to whoever copies it. Our own inlined files are Markup and pass.
    """
    import markupsafe

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return clean(value)
    return value


def render(forum: Any, limit: int | None = None) -> str:
    """The page: a forum's (report.html.j2), or a congress's (congress.html.j2), whose own style follows the forum's."""
    import jinja2
    import markupsafe

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every {{ value }} is HTML-escaped, in text and in attributes alike
        undefined=jinja2.StrictUndefined,
        finalize=_literal,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    congress = isinstance(forum, Congress)
    style = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    if congress:
        style += (TEMPLATES / "congress.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    template, context = ("congress.html.j2", congress_report(forum, limit)) if congress else ("report.html.j2", report(forum, limit))
    return environment.get_template(template).render(
        r=context,
        caveats=caveats,
        generator=generator_version(),
        # Our own files, not data: marked safe so they are inlined verbatim, and hashed for the CSP.
        style=markupsafe.Markup(style),
        script=markupsafe.Markup(script),
        style_hash=_csp_hash(style),
        script_hash=_csp_hash(script),
    )


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def article_lines(lines: list[int]) -> str:
    """'article line 11' or 'article lines 4, 6 and 15': citations are line numbers of the article."""
    unique = sorted(set(lines))
    if len(unique) == 1:
        return f"article line {unique[0]}"
    return f"article lines {', '.join(map(str, unique[:-1]))} and {unique[-1]}"


def report(forum: Any, limit: int | None = None, also: dict[str, list[dict[str, str]]] | None = None) -> dict[str, Any]:
    """The template's context: plain values only, every string still unescaped (Jinja2 escapes on output).
    The theme map shows its first ``limit`` themes and columns (None: all of them). ``also``: each person's same person
    in other forums of a congress, by slug."""
    from ..query import item_themes

    organisations = {organisation.id: organisation for organisation in forum.organisations}
    themes = {theme.id: theme for theme in forum.themes}
    people: dict[str, dict[str, Any]] = {}
    for person in forum.people:
        people[person.slug] = {
            "slug": person.slug,
            "name": person.name,
            "honorific": person.honorific,
            "affiliations": [f"{a.position}, {organisations[a.organisation].name}" for a in person.affiliations],
            "note": _note(person.note),
            "lines": article_lines(person.source_paragraphs),
            "also": (also or {}).get(person.slug, []),
        }

    def speaker(ref: Any) -> dict[str, Any]:
        if isinstance(ref, str):
            return {"uncertain": False, **people[ref]}
        return {
            "uncertain": True,
            "as_written": ref.as_written,
            "candidates": [people[slug] for slug in ref.candidates],
            "note": _note(ref.note),
        }

    items = []
    for kind, item, _panel in contributions(forum):
        theme_ids = item_themes(item)
        items.append(
            {
                "id": item.id,
                "kind": kind,
                "kind_label": KIND_LABELS[kind],
                "title": getattr(item, "title", None),
                "topic": getattr(item, "topic", None),
                "details": [{"label": d.label, "value": getattr(item, d.field)} for d in model.details() if getattr(item, d.field, None)],
                "speaker": speaker(item.speaker),
                "speaker_key": _speaker_key(item.speaker),
                "summary": item.summary,
                "key_points": [{"text": point.text, "themes": [themes[t].label for t in point.themes]} for point in item.key_points],
                "themes": [{"id": t, "label": themes[t].label} for t in theme_ids],
                "theme_ids": theme_ids,
                "organisations_mentioned": [organisations[o].name for o in dict.fromkeys(item.organisations)],
                "lines": article_lines(item.source_paragraphs),
            }
        )

    panel = forum.panel
    info, source = forum.forum, forum.source
    return {
        "forum": {
            "name": info.name,
            "conference": info.conference,
            "city": info.city,
            "date": info.date.isoformat(),
            "date_text": f"{info.date.day} {info.date:%B %Y}",
            "participants": info.participants,
            "organisers": info.organisers.as_written,
            "organisers_note": _note(info.organisers.note),
            "aims": info.aims,
            "lines": article_lines(info.source_paragraphs),
        },
        "source": {"title": source.title, "published": source.published, "file": source.file},
        "heatmap": _heatmap(forum, items, people, limit),
        "sessions": [
            {"name": s.name, "moderator": speaker(s.moderator), "lines": article_lines(s.source_paragraphs)} for s in forum.sessions
        ],
        "sessions_list_talks": any(s.talks for s in forum.sessions),
        "panel": None
        if panel is None
        else {
            "title": panel.title,
            "moderator": speaker(panel.moderator),
            "panelists": [people[slug] for slug in panel.panelists],
            "lines": article_lines(panel.source_paragraphs),
        },
        "opening": [c for c in items if c["kind"] == OPENING],
        "talks": [c for c in items if c["kind"] == TALK],
        "panel_items": [c for c in items if c["kind"] in (PANEL_REMARK, PANEL_CLOSING)],
        "count": len(items),
        "items": items,
        "people": list(people.values()),
        "organisations": _organisations(forum, people, items),
        "themes": [{"id": t.id, "label": t.label, "description": t.description, "aliases": t.aliases} for t in forum.themes],
        "glossary": [
            {
                "term": g.term,
                "expansions": g.expansions,
                "note": g.note,
                "lines": article_lines(g.source_paragraphs) if g.source_paragraphs else None,
            }
            for g in forum.glossary
        ],
    }


def _note(note: Any) -> dict[str, str] | None:
    return None if note is None else {"text": note.text, "lines": article_lines(note.source_paragraphs)}


def _speaker_key(ref: Any) -> str:
    """One heatmap column per person, and one per distinct uncertain reference (never merged into a candidate)."""
    return ref if isinstance(ref, str) else "?" + "|".join([ref.as_written, *ref.candidates])


def contribution_label(item: dict[str, Any]) -> str:
    if item["title"]:
        return f"“{item['title']}”"
    if item["topic"]:
        return f"Topic (our words): {item['topic']}"
    # Whose it is, so that a list of labels ("Mentioned in: …") says who spoke, as the article does.
    speaker = item["speaker"]
    who = speaker["as_written"] if speaker["uncertain"] else speaker["name"]
    return f"{item['kind_label']} by {who}"


def _heatmap(forum: Any, items: list[dict[str, Any]], people: dict[str, dict[str, Any]], limit: int | None = None) -> dict[str, Any]:
    """Themes x people: each cell counts that person's contributions touching that theme, and lists them.

    With a ``limit``, the first ``limit`` themes and columns, as the views show them: at scale the map would have
    tens of thousands of columns. ``left_out`` says how many there are, and how to see them all."""
    columns: dict[str, dict[str, Any]] = {slug: {"speaker": {"uncertain": False, **person}} for slug, person in people.items()}
    for item in items:
        if item["speaker"]["uncertain"] and item["speaker_key"] not in columns:
            columns[item["speaker_key"]] = {"speaker": item["speaker"]}
    shown_columns = list(islice(columns, limit))
    shown_themes = forum.themes[:limit]
    wanted, on = set(shown_columns), {theme.id for theme in shown_themes}
    cells: dict[tuple[str, str], list[dict[str, str]]] = {}
    for item in items:
        if item["speaker_key"] in wanted:
            for theme in item["theme_ids"]:
                if theme in on:
                    cells.setdefault((theme, item["speaker_key"]), []).append({"id": item["id"], "label": contribution_label(item)})
    rows, most = _grid(shown_themes, shown_columns, cells)
    left_out = caveats.left_out(
        [caveats.first_of(limit, len(forum.themes), "themes"), caveats.first_of(limit, len(columns), "people in the map")]
    )
    return {
        "columns": [columns[key] for key in shown_columns],
        "rows": rows,
        "levels": HEAT_LEVELS,
        "most": most,
        "left_out": left_out,
    }


def _grid(themes: list[Any], keys: list[str], cells: dict[tuple[str, str], list[dict[str, str]]]) -> tuple[list[dict[str, Any]], int]:
    """A map's rows, one per theme, each with a cell per column ``key``: its entries (``cells`` by theme id and key),
    their count, and how dark to shade it; and the largest count, which sets the scale."""
    most = max((len(found) for found in cells.values()), default=1)
    rows = []
    for theme in themes:
        row = []
        for key in keys:
            found = cells.get((theme.id, key), [])
            row.append({"count": len(found), "level": _heat_level(len(found), most), "entries": found})
        rows.append({"id": theme.id, "label": theme.label, "cells": row})
    return rows, most


def _heat_level(count: int, most: int) -> int:
    """0 for none; otherwise 1..HEAT_LEVELS, the count itself while the largest count fits the scale."""
    if count == 0:
        return 0
    if most <= HEAT_LEVELS:
        return count
    return max(1, -(-count * HEAT_LEVELS // most))


def _organisations(forum: Any, people: dict[str, dict[str, Any]], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each organisation with the people affiliated to it and, apart from them, the contributions that mention it."""
    affiliated: dict[str, list[dict[str, str]]] = {}
    for person in forum.people:
        for affiliation in person.affiliations:
            affiliated.setdefault(affiliation.organisation, []).append(
                {"name": person.name, "slug": person.slug, "position": affiliation.position}
            )
    mentioned: dict[str, list[dict[str, str]]] = {}
    by_id = {item["id"]: item for item in items}
    for _kind, item, _panel in contributions(forum):
        for organisation in dict.fromkeys(item.organisations):
            mentioned.setdefault(organisation, []).append({"id": item.id, "label": contribution_label(by_id[item.id])})
    return [
        {
            "id": organisation.id,
            "name": organisation.name,
            "kind": organisation.kind.value.replace("-", " "),
            "note": _note(organisation.note),
            "affiliated": affiliated.get(organisation.id, []),
            "mentioned_in": mentioned.get(organisation.id, []),
        }
        for organisation in forum.organisations
    ]


# -- a congress of several forums ------------------------------------------------------------------------------------


def congress_report(congress: Congress, limit: int | None = None) -> dict[str, Any]:
    """A congress's page: its facts, its forums, the people linked across them, the forum × theme map, and each forum's
    report (``report``) with its id, file and the prefix of its ids and links (``at``: "FORUM/"), so ids stay unique."""
    groups = same_people(congress)
    by_key = {(exported.id, person.slug): person for exported in congress.forums for person in exported.forum.people}
    forum_names = {exported.id: exported.forum.forum.name for exported in congress.forums}

    def linked(key: tuple[str, str]) -> dict[str, str]:
        forum_id, slug = key
        return {"at": f"{forum_id}/", "slug": slug, "ref": f"{forum_id}/{slug}", "name": by_key[key].name, "forum": forum_names[forum_id]}

    also: dict[str, dict[str, list[dict[str, str]]]] = {}
    for group in groups:
        for forum_id, slug in group:
            also.setdefault(forum_id, {})[slug] = [linked(other) for other in group if other != (forum_id, slug)]
    forums = []
    for exported in congress.forums:
        forums.append(
            {**report(exported.forum, limit, also.get(exported.id)), "id": exported.id, "file": exported.file, "at": f"{exported.id}/"}
        )
    info = congress.info
    themes: dict[str, Any] = {}
    for exported in congress.forums:  # one id is one theme in every forum: the first forum's words for it, as `cbiic themes`
        for theme in exported.forum.themes:
            themes.setdefault(theme.id, theme)
    return {
        "congress": {
            "name": info.congress.name if info is not None else f"{len(forums):,} forums",
            "year": info.congress.year if info is not None else None,
            "city": info.congress.city if info is not None else None,
        },
        "notes": CONGRESS_NOTES,
        "forums": forums,
        "count": sum(forum["count"] for forum in forums),
        "same_people": [[linked(key) for key in group] for group in groups],
        "map": _forum_map(list(themes.values()), forums, limit),
    }


def _forum_map(themes: list[Any], forums: list[dict[str, Any]], limit: int | None) -> dict[str, Any]:
    """Themes x forums: each cell counts the forum's contributions touching the theme, and lists them; the first ``limit``
    themes and forums, as the forum's own map."""
    shown_themes, shown_forums = themes[:limit], forums[:limit]
    on = {theme.id for theme in shown_themes}
    cells: dict[tuple[str, str], list[dict[str, str]]] = {}
    for forum in shown_forums:
        for item in forum["items"]:
            for theme in item["theme_ids"]:
                if theme in on:
                    cells.setdefault((theme, forum["id"]), []).append({"id": item["id"], "label": contribution_label(item)})
    rows, most = _grid(shown_themes, [forum["id"] for forum in shown_forums], cells)
    left_out = caveats.left_out([caveats.first_of(limit, len(themes), "themes"), caveats.first_of(limit, len(forums), "forums in the map")])
    columns = [{"id": forum["id"], "at": forum["at"], "name": forum["forum"]["name"]} for forum in shown_forums]
    return {"columns": columns, "rows": rows, "levels": HEAT_LEVELS, "most": most, "left_out": left_out}
