"""CommonMark with GitHub tables: documents with headings for people, talks, the panel and the summary; tables for lists.

Every value from the data is escaped for the context it lands in (inline text,
table cell, heading, code span), so no value can open a heading, a list, a link,
an image or raw HTML, whatever characters it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .. import caveats
from ..query import View
from . import RenderOptions, clean, selected_rows
from . import phrases as say
from .cells import item_text

# Every ASCII punctuation character CommonMark gives a meaning to inline.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# An ordered-list marker, which would start a block if the text began a line.
_ORDERED = re.compile(r"(\d+)([.)])")


def inline(value: Any) -> str:
    """Text on one line that shows the data literally, wherever the line starts."""
    flat = " ".join(item_text(value).split())
    escaped = _ENTITY.sub("&amp;", _SPECIAL.sub(r"\\\1", flat))
    # GitHub links bare URLs, www. addresses and e-mail addresses: an escape breaks each pattern, and shows the same.
    escaped = escaped.replace("://", ":\\/\\/").replace("www.", "www\\.").replace("@", "\\@")
    # A leading - + = would make a list item, a thematic break or a setext underline.
    if escaped[:1] in ("-", "+", "="):
        return "\\" + escaped
    return _ORDERED.sub(r"\1\\\2", escaped, count=1) if _ORDERED.match(escaped) else escaped


def code(value: Any, in_table: bool = False) -> str:
    """A code span that holds any text: a backtick fence longer than any run inside it."""
    flat = " ".join(clean(str(value)).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else flat
    text = f"{fence}{padded}{fence}"
    # In a GitHub table a pipe ends the cell even inside a code span unless escaped.
    return text.replace("|", "\\|") if in_table else text


def cell(value: Any) -> str:
    """A table cell: lists on one line, separated by semicolons."""
    if isinstance(value, (list, tuple)):
        return "; ".join(inline(item) for item in value)
    return inline(value)


def table(headers: list[str], rows: list[list[str]], markdown_headers: bool = False) -> str:
    """A GitHub table from cells that are already Markdown; headers are plain text unless ``markdown_headers``."""
    lines = ["| " + " | ".join(h if markdown_headers else inline(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def render(view: View, options: RenderOptions) -> str:
    view.materialise()  # a Markdown table is laid out as a whole
    if options.fields is not None:
        keys, rows = selected_rows(view, options.fields)
        return table(keys, [[cell(row.get(key)) for key in keys] for row in rows])
    builder = _BUILDERS.get(view.kind)
    text = builder(view) if builder else _generic(view)
    note = say.caveat(view)
    return text + f"\n*{inline(note)}*\n" if note else text  # after the layout's last line, a paragraph of its own


def _generic(view: View) -> str:
    return table(view.keys, [[cell(item.get(key)) for key in view.keys] for item in view.items])


# -- people ---------------------------------------------------------------------


def _person(row: dict[str, Any]) -> str:
    """A person by name and affiliation, or every candidate when the article does not say which.

    The candidates are a list of their own, one item each, so that the "or" between them is not lost among the
    semicolons of their affiliations; indented, it nests under a list item and starts a list after a paragraph line.
    """
    if row.get("slug") is None and row.get("speaker_candidates"):
        candidates = "".join(f"\n  - {_candidate(c)}" for c in row["speaker_candidates"])
        return f"**{inline(row['name'])}**: the article does not say which; possibly one of:{candidates}"
    where = say.affiliation_lines(row)
    text = f"**{inline(row['name'])}** ({code(row['slug'])})" if row.get("slug") else f"**{inline(row.get('name'))}**"
    return text + (" — " + "; ".join(inline(line) for line in where) if where else "")


def _candidate(candidate: dict[str, Any]) -> str:
    where = "; ".join(inline(line) for line in say.affiliation_lines(candidate))
    return f"{inline(candidate['name'])} ({code(candidate['slug'])}){', ' + where if where else ''}"


def _note(text: Any, lines: list[int]) -> list[str]:
    if not text:
        return []
    cited = f" ({inline(say.lines_cited(lines))})" if lines else ""
    return [f"> {inline(text)}{cited}", ""]


def _nested_note(row: dict[str, Any]) -> list[str]:
    """The curator's note on an unidentified person, as a quote inside the list item that names them."""
    note = _note(row.get("attribution_note"), row.get("attribution_note_lines") or [])
    return [f"  {line}" if line else "" for line in ["", *note]] if note else []


def _uncertain_notes(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Under a table: for each row whose speaker the article does not identify, whose note it is and the note."""
    out: list[str] = []
    for row in rows:
        if row.get("slug") is None and row.get("attribution_note"):
            out += [f"{code(row['id'])}: who spoke is uncertain.", ""] + _note(
                row["attribution_note"], row.get("attribution_note_lines") or []
            )
    return out


def _speakers(view: View) -> str:
    rows = [
        [inline(r["name"]), code(r["slug"], in_table=True), inline(say.role_text(r)), cell(say.affiliation_lines(r))] for r in view.items
    ]
    intro = f"{inline(say.people_shown(view))}, {say.PEOPLE_ORDER_SEVERAL if 'forum' in view.keys else say.PEOPLE_ORDER}.\n\n"
    return intro + table(["Name", "Slug", "Roles", "Affiliation"], rows)


def _speaker(view: View) -> str:
    doc = view.document or {}
    name = f"{doc['honorific']} {doc['name']}" if doc.get("honorific") else doc["name"]
    out = [f"# {inline(name)}", "", code(doc["slug"]), ""]
    out += [f"- {inline(line)}" for line in say.affiliation_lines(doc)] + [""]
    out += [f"Roles: {inline(say.role_text(doc))}", ""]
    out += _note(doc.get("note"), doc.get("note_lines") or [])
    for moderated in doc["moderated"] + doc["possibly_moderated"]:
        what = inline(moderated["name"]) if moderated["kind"] == "session" else f"the panel {inline('“' + moderated['name'] + '”')}"
        if moderated["attribution"] == "stated":
            out += [f"Moderated {what}.", ""]
        else:
            cited = inline(say.lines_cited(moderated["attribution_note_lines"]))
            out += [f"Possibly moderated {what}: {inline(moderated['attribution_note'])} ({cited})", ""]
    out += [f"Source: {inline(say.lines_cited(doc['source_paragraphs']))}", ""]
    if not doc["contributions"]:
        out += ["No talk, speech or remark of theirs is reported.", ""]
    elif len(doc["contributions"]) > 1:
        out += [f"*Contributions, {inline(doc['order'])}.*", ""]
    for row in doc["contributions"]:
        out.append(_contribution(row, level=2))
    return "\n".join(out)


# -- contributions ---------------------------------------------------------------


def _contribution(row: dict[str, Any], level: int) -> str:
    out = [f"{'#' * level} {inline(say.heading(row))}", ""]
    topic = say.topic_line(row)
    if topic:
        out += [f"*{inline(topic)}*", ""]
    out += [line for detail in say.detail_lines(row) for line in (inline(detail), "")]
    out += [_person(row), ""]
    facts = [f"Kind: {inline(say.kind_label(row['kind']))}", f"Id: {code(row['id'])}"]
    if row.get("attribution") == "uncertain":
        facts.append("attribution uncertain")
    out += [" · ".join(facts), ""]
    out += _note(row.get("attribution_note"), row.get("attribution_note_lines") or [])
    out += [inline(row["summary"]), ""]
    if row.get("key_points"):
        out += [f"- {inline(point)}" for point in row["key_points"]] + [""]
    details = [f"Themes: {inline(say.theme_list(row))}"]
    if row.get("mentions"):
        details.append("Mentions: " + inline(", ".join(row["mentions"])))
    details.append(f"Source: {inline(say.lines_cited(row['source_paragraphs']))}")
    out += [" · ".join(details), ""]
    out += _quotes(row)
    return "\n".join(out)


def _quotes(row: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for quote in row.get("quotes") or []:
        text = quote["text"] if quote["text"] is not None else "(this line is not in the article you gave)"
        out += [f"> **{inline(say.lines_cited([quote['line']]))}:** {inline(text)}", ""]
    return out


def _talk(view: View) -> str:
    return "\n".join(_contribution(row, level=2) for row in view.items)


def _panel_section(panel: dict[str, Any], level: int) -> list[str]:
    out = [f"{'#' * level} Panel: {inline('“' + panel['title'] + '”')}", ""]
    out += [f"Moderator: {_person(panel['moderator'])}", ""]
    out += _note(panel["moderator"].get("attribution_note"), panel["moderator"].get("attribution_note_lines") or [])
    out += ["Panelists:", ""] + [f"- {_person(p)}" for p in panel["panelists"]] + [""]
    out += [f"*Remarks and closing words, {inline(panel['order'])}.*", ""]
    for remark in panel["remarks"]:
        out.append(_contribution(remark, level + 1))
    if panel.get("closing"):
        out.append(_contribution(panel["closing"], level + 1))
    return out


def _panel(view: View) -> str:
    return "\n".join(_panel_section(view.document or {}, level=1))


def _theme(view: View) -> str:
    theme = view.extra.get("theme", {})
    out = [f"# Theme: {inline(theme.get('label', ''))} ({code(theme.get('id', ''))})", "", inline(theme.get("description", "")), ""]
    out.append(f"{inline(say.shown_of(view, 'contribution'))}; each gist is the key point that carries the theme.")
    out.append("")
    rows = [
        [
            inline(say.kind_label(r["kind"])),
            code(r["id"], in_table=True),
            inline(say.person_text(r)),
            _affiliation_cell(r),
            inline(r["gist"]),
        ]
        for r in view.items
    ]
    notes = _uncertain_notes(view.items)
    return (
        "\n".join(out)
        + "\n"
        + table(["Kind", "Id", "Speaker", "Affiliation", "Gist"], rows)
        + ("\n" + "\n".join(notes) if notes else "")
        + _quotes_by_row(view.items)
    )


def _affiliation_cell(row: dict[str, Any]) -> str:
    """A person's affiliations, or every candidate's when the article does not say which person it was."""
    if row.get("slug") is None and row.get("speaker_candidates"):
        return cell([f"possibly {say.candidate_text(c)}" for c in row["speaker_candidates"]])
    return cell(say.affiliation_lines(row))


def _quotes_by_row(rows: Iterable[dict[str, Any]]) -> str:
    """With --source: under the table, each row's cited article lines, so paraphrase and original sit side by side."""
    out: list[str] = []
    for row in rows:
        if row.get("quotes"):
            out += ["", f"**{inline(say.kind_label(row['kind']))}** {code(row['id'])}, {_person(row)}", ""] + _quotes(row)
    return "\n".join(out) + ("\n" if out else "")


def _themes(view: View) -> str:
    rows = []
    for r in view.items:
        who = [code(s, in_table=True) for s in r["speakers"]]
        who += [inline(say.not_identified(u)) for u in r["uncertain_speakers"]]
        rows.append([code(r["id"], in_table=True), inline(r["label"]), str(r["count"]), cell(r["aliases"]), "; ".join(who)])
    out = table(["Theme", "Label", "Contributions", "Aliases", "Speakers"], rows)
    what, mark = say.matrix_caption(view)
    caption = f"\n**{inline(what)}** (● = {inline(mark)})\n\n"
    left_out = _left_out(view)
    return out + caption + _theme_matrix(view) + ("\n" + "\n".join(left_out) if left_out else "")


def _theme_matrix(view: View) -> str:
    """Themes down, people across; someone the article does not identify gets a column of their own, not a candidate's."""
    columns = view.extra["matrix"](view.items)
    headers = [code(column["slug"], in_table=True) if column["slug"] else inline(say.not_identified(column)) for column in columns]
    rows = [[code(r["id"], in_table=True)] + ["●" if r["id"] in column["themes"] else "" for column in columns] for r in view.items]
    return table([inline("Theme")] + headers, rows, markdown_headers=True)


def _agenda(view: View) -> str:
    doc = view.document or {}
    several = "forum" in view.keys  # a congress of several forums: a section per forum
    heading = "# Each forum: opening, sessions, talks and panel" if several else "# The forum: opening, sessions, talks and panel"
    out = [heading, "", f"*Listed {inline(doc['order'])}.*", ""] + _left_out(view)
    by_forum: dict[str, dict[str, list[str]]] = {}
    for item in view.items:
        sections = by_forum.setdefault(item.get("forum", ""), {"opening": [], "session": [], "talk": [], "panel": []})
        person = item["person"]
        if item["kind"] == "opening":
            sections["opening"].append(f"- Opening speech by {_person(person)}")
        elif item["kind"] == "session":
            sections["session"].append(f"- {inline(item['name'])}, moderated by {_person(person)}")
        elif item["kind"] == "talk":
            title = inline("“" + item["title"] + "”") if item.get("title") else f"*{inline(say.topic_line(item))}*"
            sections["talk"].append(f"- {title} ({code(item['id'])}) — {_person(person)}")
        elif item["kind"] == "panel":
            sections["panel"] += [
                f"Panel: {inline('“' + item['title'] + '”')}",
                "",
                f"- Moderator: {_person(person)}",
                *_nested_note(person),
            ]
        elif item["kind"] == "panelist":
            sections["panel"].append(f"- Panelist: {_person(person)}")
        elif item["kind"] == "panel-remark":
            sections["panel"].append(f"- Panel remark ({code(item['id'])}) by {_person(person)}")
        elif item["kind"] == "panel-closing":
            sections["panel"] += [f"- The panel's closing words ({code(item['id'])}), by {_person(person)}", *_nested_note(person)]
    # Ids come before the person: one the article does not identify ends in a list of candidates, and an id after
    # it would read as the last candidate's.
    level = "###" if several else "##"
    for forum, sections in by_forum.items():
        if several:
            out += [f"## Forum {code(forum)}", ""]
        for title, key in (("Opening", "opening"), ("Sessions", "session"), (f"Talks ({caveats.TALKS_MARK})", "talk"), ("Panel", "panel")):
            if sections[key]:
                out += [f"{level} {title}", ""] + sections[key] + [""]
                if key == "session" and doc.get("session_note"):
                    out += [f"*{inline(doc['session_note'])}*", ""]
    return "\n".join(out)


def _left_out(view: View) -> list[str]:
    """A report pasted elsewhere must say itself that it holds only the first rows (stderr is not pasted)."""
    return [f"*Shown: {inline(view.extra['left_out'])}.*", ""] if view.extra.get("left_out") else []


def _summary(view: View) -> str:
    doc = view.document or {}
    out = [f"# {inline(doc['name'])}", ""]
    out += [inline(say.conference_line(doc)), ""]
    if doc.get("participants"):
        out += [f"Participants: {inline(doc['participants'])}", ""]
    out += [f"Organizers, as the article calls them: {inline('“' + doc['organisers'] + '”')}", ""] + _note(
        doc.get("organisers_note"), doc.get("organisers_note_lines") or []
    )
    counts = doc["counts"]
    out += [
        inline(
            f"{say.plural(counts['people'], 'person', 'people')} · {say.plural(counts['talks'], 'talk')} ({caveats.TALKS_MARK}) · "
            f"{say.plural(counts['panel_remarks'], 'panel remark')} · {say.plural(counts['themes'], 'theme')}"
        ),
        "",
    ] + _left_out(view)
    out += ["## Aims", ""] + [f"- {inline(aim)}" for aim in doc["aims"]] + [""]
    if doc["sessions"]:
        out += ["## Sessions", ""] + [f"- {inline(s['name'])}, moderated by {_person(s['moderator'])}" for s in doc["sessions"]] + [""]
        if doc.get("session_note"):
            out += [f"*{inline(doc['session_note'])}*", ""]
    if doc.get("opening"):
        out += ["## Opening speech", "", _contribution(doc["opening"], level=3)]
    if doc["talks"]:
        out += ["## Talks", "", f"*Listed {inline(doc['order'])}.*", ""]
        out += [_contribution(row, level=3) for row in doc["talks"]]
    if doc.get("panel"):
        out += _panel_section(doc["panel"], level=2)
    out += ["## Themes", ""]
    rows = []
    for theme in doc["themes"]:
        more = theme["count"] - len(theme["contributions"])  # each theme's first contributions, with --limit
        rows.append([inline(theme["label"]), str(theme["count"]), cell(theme["contributions"] + ([f"and {more:,} more"] if more else []))])
    out.append(table(["Theme", "Contributions", "Where"], rows))
    source = doc["source"]
    out += [
        "## Source",
        "",
        f"{inline('“' + source['title'] + '”')}, published {inline(source['published'])}. "
        f"Citations are line numbers of the article as plain text ({code(source['file'])}).",
        "",
    ]
    return "\n".join(out)


def _search(view: View) -> str:
    intro = f"{inline(say.shown_of(view, 'hit'))}\n\n"
    rows = [
        [
            str(r["rank"]),
            inline(say.kind_label(r["kind"])),
            code(r["id"], in_table=True),
            inline(say.person_text(r)),
            inline(r["field"]),
            inline(r["snippet"]),
        ]
        for r in view.items
    ]
    return intro + table(["#", "Kind", "Id", "Who", "Field", "Match"], rows) + _quotes_by_row(view.items)


def _orgs(view: View) -> str:
    rows = []
    for r in view.items:
        people = [
            f"{inline(name)} ({code(slug, in_table=True)}), {inline(position)}"
            for slug, name, position in zip(r["people"], r["people_names"], r["people_positions"])
        ]
        said = [code(item, in_table=True) for item in r["contributions"]]
        said += [f"possibly {code(item, in_table=True)} (speaker not identified)" for item in r["possible_contributions"]]
        mentioned = [code(item, in_table=True) for item in r["mentioned_in"]]
        note = f"{inline(r['note'])} ({inline(say.lines_cited(r['note_lines']))})" if r.get("note") else ""
        rows.append(
            [
                f"{inline(r['name'])} ({code(r['id'], in_table=True)})",
                inline(r["kind"]),
                "; ".join(people) or f"*{inline(say.NO_AFFILIATION)}*",
                "; ".join(said),
                "; ".join(mentioned),
                note,
            ]
        )
    return table(["Organisation", "Kind", "People affiliated", "Contributions by its people", "Mentioned in", "Note"], rows)


def _forums(view: View) -> str:
    congress = view.extra.get("congress")
    out = [f"# Forums of {inline(say.congress_line(congress))}", ""] if congress else []
    rows = [
        [
            code(r["id"], in_table=True),
            inline(r["name"]),
            inline(r["date"]),
            str(r["people"]),
            str(r["contributions"]),
            f"{inline('“' + r['article_title'] + '”')}, {inline(r['article_published'])} ({code(r['article_file'], in_table=True)})",
        ]
        for r in view.items
    ]
    return "\n".join(out) + ("\n" if out else "") + table(["Forum", "Name", "Date", "People", "Contributions", "Source article"], rows)


def _congress_summary(view: View) -> str:
    """The congress at a glance: its facts and size, its forums, then its first contributions forum by forum."""
    doc = view.document or {}
    counts = doc["counts"]
    out = [f"# {inline(say.congress_line(doc['congress']))}", ""] if doc.get("congress") else ["# The congress", ""]
    out += [
        inline(
            f"{say.plural(counts['forums'], 'forum')} · {say.plural(counts['people'], 'person', 'people')} "
            f"(a person linked across forums counts in each) · {say.plural(counts['contributions'], 'contribution')}"
        ),
        "",
    ] + _left_out(view)
    out += ["## Forums", "", _forums(View("forums", doc["forums"], [])), "## Contributions", ""]
    out += [f"*Forum by forum, each {inline(doc['order'])}.*", ""]
    out += [_contribution(row, level=3) for row in view.items]
    return "\n".join(out)


_BUILDERS = {
    "speakers": _speakers,
    "speaker": _speaker,
    "talk": _talk,
    "panel": _panel,
    "theme": _theme,
    "themes": _themes,
    "agenda": _agenda,
    "summary": _summary,
    "search": _search,
    "orgs": _orgs,
    "forums": _forums,
    "congress_summary": _congress_summary,
}
