"""GitHub-flavoured Markdown: a table for list answers, a document with headings for talk, speaker and summary."""

from __future__ import annotations

import re
from typing import Any

from ..query import View
from . import cell_text, clean

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def text(value: Any) -> str:
    """Inline Markdown that shows the data literally: special characters escaped, one line."""
    flat = cell_text(value).replace("\r", " ").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", flat)


def table(columns: list[tuple[str, str]], items: list[dict[str, Any]]) -> str:
    """A table of items, every cell escaped as data."""
    return _gfm([text(header) for _, header in columns], [[text(item.get(key)) for key, _ in columns] for item in items])


def _gfm(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub table from cells that are already Markdown."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def render(view: View) -> str:
    if view.kind == "summary":
        return _summary(view.document or {}, view)
    if view.kind == "speaker":
        return _speaker(view.document or {})
    if view.kind == "talk":
        panel = view.extra.get("panel")
        header = ""
        if panel:
            panelists = ", ".join(_name(p) for p in panel["panelists"])
            header = f"# {text(panel['title'])}\n\nModerator: {_name(panel['moderator'])}\n\nPanelists: {panelists}\n\n"
        return header + "\n".join(_contribution(row, level=2) for row in view.items)
    return table(view.columns, view.items)


def _name(row: dict[str, Any]) -> str:
    """A person's name with the slug that tells namesakes apart (there are two Ma Juns)."""
    if row.get("slug") is None and row.get("speaker_candidates"):
        return f"{text(row['name'])} (not identified: {text(' or '.join(row['speaker_candidates']))})"
    return f"{text(row['name'])} ({text(row['slug'])})" if row.get("slug") else text(row.get("name"))


def _who(row: dict[str, Any]) -> str:
    line = _name(row)
    if row.get("affiliations"):
        line += " — " + text(row["affiliations"])
    return line


def _contribution(row: dict[str, Any], level: int) -> str:
    hashes = "#" * level
    out = [f"{hashes} {text(row['heading'])}", ""]
    kind = row["kind"].replace("remark", "panel remark")
    out.append(f"*{text(kind)}* · **{_who(row)}** · `{clean(row['id'])}`")
    out.append("")
    if row.get("attribution_note"):
        out += [f"> {text(row['attribution_note'])}", ""]
    out += [text(row["summary"]), ""]
    if row.get("key_points"):
        out += [f"- {text(point)}" for point in row["key_points"]] + [""]
    details = []
    if row.get("themes"):
        details.append("Themes: " + text(", ".join(row["themes"])))
    if row.get("organisations"):
        details.append("Organisations: " + text(row["organisations"]))
    details.append("Source paragraphs: " + text(", ".join(str(p) for p in row["source_paragraphs"])))
    out += [" · ".join(details), ""]
    return "\n".join(out)


def _speaker(document: dict[str, Any]) -> str:
    out = [f"# {text(document['name'])}", "", f"`{clean(document['slug'])}`", ""]
    out += [f"- {text(line)}" for line in document["affiliations"]] + [""]
    roles = ", ".join(document["roles"]) or "none stated"
    out.append(f"Roles: {text(roles)}")
    if document["possible_roles"]:
        out.append(f" · possibly also: {text(', '.join(document['possible_roles']))}")
    out.append("")
    if document.get("note"):
        out += [f"> {text(document['note'])}", ""]
    for moderated in document["moderated"]:
        maybe = "" if moderated["attribution"] == "stated" else " (attribution uncertain)"
        out += [f"Moderated: {text(moderated['name'])}{maybe}", ""]
    for row in document["contributions"]:
        out.append(_contribution(row, level=2))
    return "\n".join(out)


def _summary(document: dict[str, Any], view: View) -> str:
    source = document["source"]
    out = [f"# {text(document['name'])}", ""]
    out.append(f"{text(document['conference'])} · {text(document['city'])} · {text(document['date'])}")
    out.append("")
    if document.get("participants"):
        out += [text(document["participants"]), ""]
    out += ["## Aims", ""] + [f"- {text(aim)}" for aim in document["aims"]] + [""]
    out += ["## Agenda", ""]
    for item in document["sessions"]:
        indent = "  " if item["parent"] else ""
        who = f" — {_name(item)}" if item.get("name") else ""
        out.append(f"{indent}{item['position']}. {text(item['kind'])}: {text(item['label'])}{who}")
    if document.get("agenda_note"):
        out += ["", f"*{text(document['agenda_note'])}*"]
    out += ["", "## Talks", ""]
    for row in view.items:
        if row["kind"] in ("opening", "talk"):
            out.append(_contribution(row, level=3))
    if document.get("panel"):
        panel = document["panel"]
        out += ["## Panel discussion", "", f"**{text(panel['title'])}**", "", f"Moderator: {_who(panel['moderator'])}", ""]
        for row in view.items:
            if row["kind"] in ("remark", "closing"):
                label = f"Closing words, {_name(row)}" if row["kind"] == "closing" else _name(row)
                out.append(f"- **{label}**: {text(row['summary'])}")
        out.append("")
    out += ["## Themes", ""]
    out.append(_gfm(["Theme", "Count", "Where"], _theme_index(document, view)))
    out += ["## Source", "", f"“{text(source['title'])}”, published {text(source['published'])} (`{clean(source['file'])}`)", ""]
    return "\n".join(out)


def _theme_index(document: dict[str, Any], view: View) -> list[list[str]]:
    """One row per theme: its label, count and who spoke on it where (cells already Markdown)."""
    rows = []
    for theme in document["themes"]:
        where = [f"{_name(row)}: {text(row['id'])}" for row in view.items if theme["id"] in row["themes"]]
        rows.append([text(theme["label"]), str(theme["count"]), "; ".join(where)])
    return rows
