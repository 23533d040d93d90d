"""Rich rendering for people at a terminal. The only module that imports Rich.

Every string from the data enters Rich as ``Text`` (never as markup), so a name
containing ``[bold]`` prints as those characters; ``clean`` has already turned
control characters into visible escapes.
"""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from . import cell_text, clean
from ..query import View

HEADER = "bold cyan"
DIM = "dim"
ID = "green"


def t(value: Any, style: str = "") -> Text:
    return Text(cell_text(value), style=style)


def render(view: View, *, color: bool, width: int | None) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or 100,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    builder = _BUILDERS.get(view.kind, _generic)
    console.print(builder(view))
    if color:
        return buffer.getvalue()
    # Rich pads every table line to the full width; plain output should not carry that.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _table(**kwargs: Any) -> Table:
    return Table(box=box.SIMPLE_HEAD, header_style=HEADER, show_edge=False, pad_edge=False, **kwargs)


def _generic(view: View) -> RenderableType:
    table = _table()
    for _, header in view.columns:
        table.add_column(header, overflow="fold")
    for item in view.items:
        table.add_row(*(t(item.get(key)) for key, _ in view.columns))
    return table


def _roles(row: dict[str, Any]) -> Text:
    text = Text(", ".join(row["roles"]))
    if row.get("possible_roles"):
        text.append(("; " if row["roles"] else "") + "possibly " + ", ".join(row["possible_roles"]), style=DIM)
    return text


def _lines(values: list[str]) -> Text:
    return Text("\n".join(clean(v) for v in values))


def _speakers(view: View) -> RenderableType:
    table = _table(title=f"{len(view.items)} people, in agenda order", title_justify="left", expand=True)
    table.add_column("Name", style="bold", overflow="fold")
    table.add_column("Slug", style=ID, overflow="fold")
    table.add_column("Roles", overflow="fold", ratio=2)
    table.add_column("Affiliation", overflow="fold", ratio=5)
    for row in view.items:
        table.add_row(t(row["name"]), t(row["slug"]), _roles(row), _lines(row["affiliations"]))
    return table


def _who(row: dict[str, Any]) -> Text:
    if row.get("slug") is None and row.get("speaker_candidates"):
        who = Text(clean(row["name"]), style="bold")
        who.append(" (not identified: " + " or ".join(clean(c) for c in row["speaker_candidates"]) + ")", style=DIM)
        return who
    who = Text(clean(row["name"]), style="bold")
    who.append(f" ({clean(row['slug'])})", style=ID)
    return who


def _contribution(row: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = []
    heading = Text(clean(row["heading"]), style="bold magenta")
    if not row.get("title"):
        heading.append("  (topic, no title given)" if row["kind"] == "talk" else "", style=DIM)
    parts.append(heading)
    meta = Text(f"{row['kind'].replace('remark', 'panel remark')} · ", style=DIM)
    meta.append_text(_who(row))
    meta.append(f" · {clean(row['id'])}", style=DIM)
    if row.get("attribution") == "uncertain":
        meta.append(" · attribution uncertain", style="yellow")
    parts.append(meta)
    if row.get("affiliations"):
        parts.append(Text("; ".join(clean(a) for a in row["affiliations"]), style=DIM))
    if row.get("attribution_note"):
        parts.append(Text(clean(row["attribution_note"]), style="yellow"))
    parts.append(Text(""))
    parts.append(Text(clean(row["summary"])))
    if row.get("key_points"):
        bullets = Table.grid(padding=(0, 1))
        bullets.add_column(width=3, justify="right", overflow="fold")
        bullets.add_column(overflow="fold")
        for point in row["key_points"]:
            bullets.add_row("•", Text(clean(point)))
        parts.append(bullets)
    footer = Text("")
    if row.get("themes"):
        footer.append("themes: ", style=DIM)
        footer.append(", ".join(clean(x) for x in row["themes"]), style="cyan")
        footer.append("  ")
    if row.get("organisations"):
        footer.append("organisations: ", style=DIM)
        footer.append("; ".join(clean(x) for x in row["organisations"]))
        footer.append("  ")
    footer.append("source ¶ " + ", ".join(str(p) for p in row["source_paragraphs"]), style=DIM)
    parts.append(footer)
    parts.append(Text(""))
    return Group(*parts)


def _talk(view: View) -> RenderableType:
    return Group(*(_contribution(row) for row in view.items))


def _speaker(view: View) -> RenderableType:
    doc = view.document or {}
    parts: list[RenderableType] = []
    title = Text(clean(doc["name"]), style="bold")
    if doc.get("honorific"):
        title = Text(clean(doc["honorific"]) + " ", style="bold").append_text(title)
    title.append(f"  {clean(doc['slug'])}", style=ID)
    parts.append(title)
    for line in doc["affiliations"]:
        parts.append(Text("  " + clean(line)))
    roles = Text("roles: ", style=DIM)
    roles.append_text(_roles(doc))
    parts.append(roles)
    if doc.get("note"):
        parts.append(Text(clean(doc["note"]), style="yellow"))
    for moderated in doc["moderated"]:
        line = Text("moderated: ", style=DIM)
        line.append(clean(moderated["name"]))
        if moderated["attribution"] == "uncertain":
            line.append(" (attribution uncertain)", style="yellow")
        parts.append(line)
    parts.append(Text(""))
    if not doc["contributions"]:
        parts.append(Text("No talk, speech or remark of theirs is reported.", style=DIM))
    parts.extend(_contribution(row) for row in doc["contributions"])
    return Group(*parts)


def _theme(view: View) -> RenderableType:
    theme = view.extra.get("theme", {})
    title = f"{theme.get('label', '')}: {len(view.items)} contribution{'s' if len(view.items) != 1 else ''}"
    table = _table(title=clean(title), caption=clean(theme.get("description", "")), title_justify="left", caption_justify="left")
    table.add_column("Kind", style=DIM, overflow="fold")
    table.add_column("Speaker", overflow="fold")
    table.add_column("Affiliation", overflow="fold", ratio=2)
    table.add_column("Gist", overflow="fold", ratio=4)
    for row in view.items:
        kind = Text(row["kind"].replace("remark", "panel remark"))
        kind.append("\n" + clean(row["id"]), style=ID)
        table.add_row(kind, _who(row), _lines(row["affiliations"]), t(row["gist"]))
    return table


def _themes(view: View) -> RenderableType:
    listing = _table(title="Themes", title_justify="left")
    listing.add_column("Theme", style=ID, overflow="fold")
    listing.add_column("Label", overflow="fold")
    listing.add_column("Count", justify="right", overflow="fold")
    listing.add_column("Aliases", style=DIM, overflow="fold")
    for row in view.items:
        listing.add_row(t(row["id"]), t(row["label"]), t(row["count"]), t(", ".join(row["aliases"])))
    order = view.extra.get("speaker_order", [])
    speakers = sorted({slug for row in view.items for slug in row["speakers"]}, key=lambda s: (order.index(s) if s in order else len(order), s))
    names = view.extra.get("speaker_names", {})
    matrix = _table(title="Who spoke on what (● = talk or remark on the theme)", title_justify="left")
    matrix.add_column("Theme", style=ID, overflow="fold")
    for number, _ in enumerate(speakers, 1):
        matrix.add_column(str(number), justify="center")
    for row in view.items:
        matrix.add_row(t(row["id"]), *(Text("●" if slug in row["speakers"] else "·", style="" if slug in row["speakers"] else DIM) for slug in speakers))
    legend = Text(
        "\n".join(f"{number:>2}  {clean(names.get(slug, ''))} ({clean(slug.replace('|', ' or '))})" for number, slug in enumerate(speakers, 1)),
        style=DIM,
    )
    return Group(listing, Text(""), matrix, legend)


def _agenda(view: View) -> RenderableType:
    from rich.tree import Tree

    root = Tree(Text("Agenda", style="bold"))
    nodes: dict[str, Tree] = {}
    for row in view.items:
        label = Text(row["kind"] + ": ", style=DIM)
        label.append(clean(row["label"]), style="bold" if row["kind"] in ("session", "panel") else "")
        if row.get("name"):
            label.append(" — ")
            label.append(clean(row["name"]))
            if row.get("speaker_candidates"):
                label.append(" (" + " or ".join(clean(c) for c in row["speaker_candidates"]) + ")", style=DIM)
            elif row.get("slug") and row["kind"] != "panelist":
                label.append(f" ({clean(row['slug'])})", style=ID)
        parent = nodes.get(row["parent"] or "", root)
        nodes[row["id"]] = parent.add(label)
    return root


def _summary(view: View) -> RenderableType:
    doc = view.document or {}
    parts: list[RenderableType] = [Text(clean(doc["name"]), style="bold")]
    parts.append(Text(f"{clean(doc['conference'])} · {clean(doc['city'])} · {doc['date']}"))
    if doc.get("participants"):
        parts.append(Text(clean(doc["participants"]), style=DIM))
    parts.append(Text("Aims:", style=HEADER))
    parts.extend(Text("  • " + clean(aim)) for aim in doc["aims"])
    counts = doc["counts"]
    parts.append(Text(f"{counts['people']} people · {counts['talks']} talks · {counts['panel_remarks']} panel remarks · {counts['themes']} themes", style=DIM))
    parts.append(Text(""))
    digest = Table.grid(padding=(0, 2))
    digest.add_column(style=DIM, overflow="fold")
    digest.add_column(overflow="fold")
    for row in view.items:
        line = _who(row)
        line.append("\n")
        line.append(clean(row["heading"]), style="magenta")
        line.append("\n" + clean(row["gist"]))
        digest.add_row(row["kind"].replace("remark", "panel remark"), line)
        digest.add_row("", "")
    parts.append(digest)
    source = doc["source"]
    parts.append(Text(f"\nSource: “{clean(source['title'])}”, {clean(source['published'])}", style=DIM))
    return Group(*parts)


def _search(view: View) -> RenderableType:
    table = _table(title=f"{len(view.items)} hit{'s' if len(view.items) != 1 else ''}", title_justify="left")
    table.add_column("#", justify="right", style=DIM, overflow="fold")
    table.add_column("Who", overflow="fold")
    table.add_column("Where", overflow="fold")
    table.add_column("Match", overflow="fold", ratio=3)
    for row in view.items:
        where = Text(clean(row["heading"]))
        where.append(f"\n{row['kind'].replace('remark', 'panel remark')} · {clean(row['id'])}", style=DIM)
        snippet = Text(clean(row["snippet"]))
        for start, end in row.get("highlights", []):
            snippet.stylize("bold yellow", start, end)
        match = Text(f"{row['field']}: ", style=DIM).append_text(snippet)
        table.add_row(str(row["rank"]), _who(row), where, match)
    return table


def _orgs(view: View) -> RenderableType:
    table = _table(title=f"{len(view.items)} organisations", title_justify="left")
    table.add_column("Organisation", style="bold", overflow="fold")
    table.add_column("Kind", style=DIM, overflow="fold")
    table.add_column("People", overflow="fold")
    table.add_column("What they contributed", overflow="fold")
    for row in view.items:
        people = "\n".join(f"{clean(p['name'])} ({clean(p['slug'])}), {clean(p['position'])}" for p in row["people"])
        said = "\n".join(f"{c['kind']}: {clean(c['heading'] if c['kind'] == 'talk' else c['gist'])}" for c in row["contributions"])
        if row.get("note"):
            said = (said + "\n" if said else "") + clean(row["note"])
        table.add_row(t(row["name"]), t(row["kind"]), Text(people), Text(said))
    return table


_BUILDERS = {
    "speakers": _speakers,
    "speaker": _speaker,
    "talk": _talk,
    "theme": _theme,
    "themes": _themes,
    "agenda": _agenda,
    "summary": _summary,
    "search": _search,
    "orgs": _orgs,
}
