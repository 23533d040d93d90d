"""Table output for people: the layout of every command, built from plain rows.

Every string from the data enters as ``Text`` (never as markup), so a name
containing ``[bold]`` prints as those characters; ``clean`` has already turned
control characters into visible escapes. The same layout is built with one of
two toolkits: ``rich_ui`` (Rich, for a terminal: colour and exact widths) or
``plain_ui`` (no Rich import, for pipes, where start-up time is what matters).
"""

from __future__ import annotations

from typing import Any

from ..query import View
from . import cell_text, clean

HEADER = "bold cyan"
DIM = "dim"
ID = "green"
NARROW = 60  # columns below which wide tables become one card per item


def render(view: View, *, color: bool, width: int | None) -> str:
    if color:
        from . import rich_ui as ui
    else:
        from . import plain_ui as ui  # type: ignore[no-redef]
    layout = _Layout(ui, width or 100)
    builder = getattr(layout, _BUILDERS.get(view.kind, "_generic"))
    return ui.to_string(builder(view), color=color, width=width)


class _Layout:
    """Builds each command's layout with the toolkit it is given."""

    def __init__(self, ui: Any, width: int) -> None:
        self.ui = ui
        self.width = width

    def t(self, value: Any, style: str = "") -> Any:
        return self.ui.Text(cell_text(value), style=style)

    def _table(self, **kwargs: Any) -> Any:
        return self.ui.Table(box=self.ui.box.SIMPLE_HEAD, header_style=HEADER, show_edge=False, pad_edge=False, **kwargs)

    def _generic(self, view: View) -> Any:
        table = self._table()
        for _, header in view.columns:
            table.add_column(header, overflow="fold")
        for item in view.items:
            table.add_row(*(self.t(item.get(key)) for key, _ in view.columns))
        return table

    def _roles(self, row: dict[str, Any]) -> Any:
        text = self.ui.Text(", ".join(row["roles"]))
        if row.get("possible_roles"):
            text.append(("; " if row["roles"] else "") + "possibly " + ", ".join(row["possible_roles"]), style=DIM)
        return text

    def _lines(self, values: list[str]) -> Any:
        return self.ui.Text("\n".join(clean(v) for v in values))

    def _speakers(self, view: View) -> Any:
        if self.width < NARROW:
            return self._speaker_cards(view)
        table = self._table(title=f"{len(view.items)} people, in agenda order", title_justify="left", expand=True)
        table.add_column("Name", style="bold", overflow="fold")
        table.add_column("Slug", style=ID, overflow="fold")
        table.add_column("Roles", overflow="fold", ratio=2)
        table.add_column("Affiliation", overflow="fold", ratio=5)
        for row in view.items:
            table.add_row(self.t(row["name"]), self.t(row["slug"]), self._roles(row), self._lines(row["affiliations"]))
        return table

    def _speaker_cards(self, view: View) -> Any:
        """Below NARROW columns a four-column table breaks slugs mid-word; one card per person keeps them whole."""
        parts: list[Any] = [self.ui.Text(f"{len(view.items)} people, in agenda order", style=HEADER), self.ui.Text("")]
        for row in view.items:
            card = self.ui.Table.grid(padding=(0, 0))
            card.add_column(width=2)
            card.add_column(overflow="fold")
            card.add_row("", self._roles(row))
            for line in row["affiliations"]:
                card.add_row("", self.ui.Text(clean(line), style=DIM))
            parts += [self._who(row), card, self.ui.Text("")]
        return self.ui.Group(*parts)

    def _who(self, row: dict[str, Any]) -> Any:
        if row.get("slug") is None and row.get("speaker_candidates"):
            who = self.ui.Text(clean(row["name"]), style="bold")
            who.append(" (not identified: " + " or ".join(clean(c) for c in row["speaker_candidates"]) + ")", style=DIM)
            return who
        who = self.ui.Text(clean(row["name"]), style="bold")
        who.append(f" ({clean(row['slug'])})", style=ID)
        return who

    def _contribution(self, row: dict[str, Any]) -> Any:
        parts: list[Any] = []
        heading = self.ui.Text(clean(row["heading"]), style="bold magenta")
        if not row.get("title"):
            heading.append("  (topic, no title given)" if row["kind"] == "talk" else "", style=DIM)
        parts.append(heading)
        meta = self.ui.Text(f"{row['kind'].replace('remark', 'panel remark')} · ", style=DIM)
        meta.append_text(self._who(row))
        meta.append(f" · {clean(row['id'])}", style=DIM)
        if row.get("attribution") == "uncertain":
            meta.append(" · attribution uncertain", style="yellow")
        parts.append(meta)
        if row.get("affiliations"):
            parts.append(self.ui.Text("; ".join(clean(a) for a in row["affiliations"]), style=DIM))
        if row.get("attribution_note"):
            parts.append(self.ui.Text(clean(row["attribution_note"]), style="yellow"))
        parts.append(self.ui.Text(""))
        parts.append(self.ui.Text(clean(row["summary"])))
        if row.get("key_points"):
            bullets = self.ui.Table.grid(padding=(0, 1))
            bullets.add_column(width=3, justify="right", overflow="fold")
            bullets.add_column(overflow="fold")
            for point in row["key_points"]:
                bullets.add_row("•", self.ui.Text(clean(point)))
            parts.append(bullets)
        footer = self.ui.Text("")
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
        parts.append(self.ui.Text(""))
        return self.ui.Group(*parts)

    def _talk(self, view: View) -> Any:
        parts = [self._contribution(row) for row in view.items]
        panel = view.extra.get("panel")
        if panel:
            title = self.ui.Text(clean(panel["title"]), style="bold")
            moderator = self.ui.Text("moderator: ", style=DIM).append_text(self._who(panel["moderator"]))
            panelists = self.ui.Text("panelists: ", style=DIM)
            panelists.append(", ".join(f"{clean(p['name'])} ({clean(p['slug'])})" for p in panel["panelists"]))
            parts[:0] = [title, moderator, panelists, self.ui.Text("")]
        return self.ui.Group(*parts)

    def _speaker(self, view: View) -> Any:
        doc = view.document or {}
        parts: list[Any] = []
        title = self.ui.Text(clean(doc["name"]), style="bold")
        if doc.get("honorific"):
            title = self.ui.Text(clean(doc["honorific"]) + " ", style="bold").append_text(title)
        title.append(f"  {clean(doc['slug'])}", style=ID)
        parts.append(title)
        for line in doc["affiliations"]:
            parts.append(self.ui.Text("  " + clean(line)))
        roles = self.ui.Text("roles: ", style=DIM)
        roles.append_text(self._roles(doc))
        parts.append(roles)
        if doc.get("note"):
            parts.append(self.ui.Text(clean(doc["note"]), style="yellow"))
        for moderated in doc["moderated"]:
            line = self.ui.Text("moderated: ", style=DIM)
            line.append(clean(moderated["name"]))
            if moderated["attribution"] == "uncertain":
                line.append(" (attribution uncertain)", style="yellow")
            parts.append(line)
        parts.append(self.ui.Text(""))
        if not doc["contributions"]:
            parts.append(self.ui.Text("No talk, speech or remark of theirs is reported.", style=DIM))
        parts.extend(self._contribution(row) for row in doc["contributions"])
        return self.ui.Group(*parts)

    def _theme(self, view: View) -> Any:
        theme = view.extra.get("theme", {})
        title = f"{theme.get('label', '')}: {len(view.items)} contribution{'s' if len(view.items) != 1 else ''}"
        table = self._table(title=clean(title), caption=clean(theme.get("description", "")), title_justify="left", caption_justify="left")
        table.add_column("Kind", style=DIM, overflow="fold")
        table.add_column("Speaker", overflow="fold")
        table.add_column("Affiliation", overflow="fold", ratio=2)
        table.add_column("Gist", overflow="fold", ratio=4)
        for row in view.items:
            kind = self.ui.Text(row["kind"].replace("remark", "panel remark"))
            kind.append("\n" + clean(row["id"]), style=ID)
            table.add_row(kind, self._who(row), self._lines(row["affiliations"]), self.t(row["gist"]))
        return table

    def _themes(self, view: View) -> Any:
        listing = self._table(title="Themes", title_justify="left")
        listing.add_column("Theme", style=ID, overflow="fold")
        listing.add_column("Label", overflow="fold")
        listing.add_column("Count", justify="right", overflow="fold")
        listing.add_column("Aliases", style=DIM, overflow="fold")
        for row in view.items:
            listing.add_row(self.t(row["id"]), self.t(row["label"]), self.t(row["count"]), self.t(", ".join(row["aliases"])))
        order = view.extra.get("speaker_order", [])
        speakers = sorted({slug for row in view.items for slug in row["speakers"]}, key=lambda s: (order.index(s) if s in order else len(order), s))
        names = view.extra.get("speaker_names", {})
        # One space between the narrow columns, so the matrix fits a narrow terminal.
        matrix = self._table(title="Who spoke on what (● = talk or remark on the theme)", title_justify="left", padding=(0, 0), collapse_padding=True)
        matrix.add_column("Theme", style=ID, overflow="fold")
        for number, _ in enumerate(speakers, 1):
            matrix.add_column(str(number), justify="center")
        for row in view.items:
            matrix.add_row(self.t(row["id"]), *(self.ui.Text("●" if slug in row["speakers"] else "·", style="" if slug in row["speakers"] else DIM) for slug in speakers))
        legend = self.ui.Text(
            "\n".join(f"{number:>2}  {clean(names.get(slug, ''))} ({clean(slug.replace('|', ' or '))})" for number, slug in enumerate(speakers, 1)),
            style=DIM,
        )
        return self.ui.Group(listing, self.ui.Text(""), matrix, legend)

    def _agenda(self, view: View) -> Any:
        root = self.ui.Tree(self.ui.Text("Agenda", style="bold"))
        nodes: dict[str, Any] = {}
        for row in view.items:
            label = self.ui.Text(row["kind"] + ": ", style=DIM)
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
        if view.extra.get("note"):
            return self.ui.Group(root, self.ui.Text(clean(view.extra["note"]), style=DIM))
        return root

    def _summary(self, view: View) -> Any:
        doc = view.document or {}
        parts: list[Any] = [self.ui.Text(clean(doc["name"]), style="bold")]
        parts.append(self.ui.Text(f"{clean(doc['conference'])} · {clean(doc['city'])} · {doc['date']}"))
        if doc.get("participants"):
            parts.append(self.ui.Text(clean(doc["participants"]), style=DIM))
        parts.append(self.ui.Text("Aims:", style=HEADER))
        parts.extend(self.ui.Text("  • " + clean(aim)) for aim in doc["aims"])
        counts = doc["counts"]
        parts.append(self.ui.Text(f"{counts['people']} people · {counts['talks']} talks · {counts['panel_remarks']} panel remarks · {counts['themes']} themes", style=DIM))
        parts.append(self.ui.Text(""))
        digest = self.ui.Table.grid(padding=(0, 2))
        digest.add_column(style=DIM, overflow="fold")
        digest.add_column(overflow="fold")
        for row in view.items:
            line = self._who(row)
            line.append("\n")
            line.append(clean(row["heading"]), style="magenta")
            line.append("\n" + clean(row["gist"]))
            digest.add_row(row["kind"].replace("remark", "panel remark"), line)
            digest.add_row("", "")
        parts.append(digest)
        source = doc["source"]
        parts.append(self.ui.Text(f"\nSource: “{clean(source['title'])}”, {clean(source['published'])}", style=DIM))
        return self.ui.Group(*parts)

    def _search(self, view: View) -> Any:
        table = self._table(title=f"{len(view.items)} hit{'s' if len(view.items) != 1 else ''}", title_justify="left")
        table.add_column("#", justify="right", style=DIM, overflow="fold")
        table.add_column("Who", overflow="fold")
        table.add_column("Where", overflow="fold")
        table.add_column("Match", overflow="fold", ratio=3)
        for row in view.items:
            where = self.ui.Text(clean(row["heading"]))
            where.append(f"\n{row['kind'].replace('remark', 'panel remark')} · {clean(row['id'])}", style=DIM)
            snippet = self._highlighted(row["snippet"], row.get("highlights", []))
            match = self.ui.Text(f"{row['field']}: ", style=DIM).append_text(snippet)
            table.add_row(str(row["rank"]), self._who(row), where, match)
        return table

    def _highlighted(self, text: str, spans: list[list[int]]) -> Any:
        """Clean each piece on its own, so escaping a control character cannot shift a highlight."""
        out = self.ui.Text("")
        position = 0
        for start, end in sorted(spans):
            out.append(clean(text[position:start]))
            out.append(clean(text[start:end]), style="bold yellow")
            position = end
        out.append(clean(text[position:]))
        return out

    def _orgs(self, view: View) -> Any:
        count = len(view.items)
        table = self._table(title=f"{count} organisation{'s' if count != 1 else ''}", title_justify="left")
        table.add_column("Organisation", style="bold", overflow="fold")
        table.add_column("Kind", style=DIM, overflow="fold")
        table.add_column("People", overflow="fold")
        table.add_column("What they contributed", overflow="fold")
        for row in view.items:
            people = "\n".join(f"{clean(p['name'])} ({clean(p['slug'])}), {clean(p['position'])}" for p in row["people"])
            said = "\n".join(f"{c['kind']}: {clean(c['heading'] if c['kind'] == 'talk' else c['gist'])}" for c in row["contributions"])
            if row.get("note"):
                said = (said + "\n" if said else "") + "note: " + clean(row["note"])
            table.add_row(self.t(row["name"]), self.t(row["kind"]), self.ui.Text(people), self.ui.Text(said))
        return table


# Each view kind and the _Layout method that draws it.
_BUILDERS = {
    "speakers": "_speakers",
    "speaker": "_speaker",
    "talk": "_talk",
    "theme": "_theme",
    "themes": "_themes",
    "agenda": "_agenda",
    "summary": "_summary",
    "search": "_search",
    "orgs": "_orgs",
}
