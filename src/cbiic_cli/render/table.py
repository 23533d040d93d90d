"""The terminal layout of every command, built from plain rows.

Every string from the data enters as layout ``Text`` (never as Rich markup, so
``[bold]`` prints as those characters) after ``clean`` has turned control
characters into visible escapes. Below ``NARROW`` columns, or whenever a table's
ids would not fit, list views become one card per item, so an id is never
broken across lines.
"""

from __future__ import annotations

from typing import Any

from .. import caveats
from ..query import View
from . import RenderOptions, clean, selected_rows
from . import phrases as say
from .cells import cell_text
from .layout import Bar, Column, Group, Indent, Table, Text, Tree, plain

HEADER = "bold cyan"
DIM = "dim"
ID = "green"
TITLE = "bold magenta"
NARROW = 60  # columns below which list views become one card per item
# Item keys whose values are ids, slugs or theme names: never broken across lines.
ATOM_KEYS = frozenset(
    {
        "id",
        "slug",
        "kind",
        "part_of",
        "themes",
        "mention_ids",
        "organisation_ids",
        "contributions",
        "speakers",
        "rank",
        "count",
        "source_paragraphs",
    }
)

# What a terminal that cannot encode them gets instead of typographic characters.
_ASCII = str.maketrans(
    {"─": "-", "•": "*", "·": "-", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'", "—": "--", "–": "-", "●": "x", "¶": "P"}
)


def render(view: View, options: RenderOptions) -> str:
    view.materialise()  # a table is laid out as a whole
    layout = _Layout(options)
    if options.fields is not None:
        built = layout.fields_table(view, options.fields)
    else:
        built = getattr(layout, "_" + view.kind, layout.generic)(view)
    lines = built.lines(options.width)
    note = say.caveat(view) if options.fields is None else None
    if note:
        ends_blank = not lines or not "".join(text for text, _ in lines[-1]).strip()
        lines += ([] if ends_blank else [[("", "")]]) + layout.t(note, DIM).lines(options.width)
    if options.color:
        from .ansi import colour

        return colour(lines)
    return plain(lines)


class _Layout:
    """Builds each command's layout; every piece of text passes through ``s`` (clean, and ASCII if needed)."""

    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self.width = options.width
        self.ascii = options.ascii
        self.bullet = "*" if options.ascii else "•"
        self.dot = "-" if options.ascii else "·"
        self.rule = "-" if options.ascii else "─"

    # -- pieces ----------------------------------------------------------------

    def s(self, value: Any) -> str:
        text = clean(str(value)).replace("\t", " ") if value is not None else ""
        return text.translate(_ASCII) if self.ascii else text

    def t(self, value: Any, style: str = "", atom: bool = False) -> Text:
        return Text(self.s(value), style, atom)

    def table(self, columns: list[Column], gap: int = 3) -> Table:
        return Table(columns, gap=gap, rule=self.rule, header_style=HEADER)

    def blank(self) -> Text:
        return Text("")

    def who(self, row: dict[str, Any]) -> Text:
        """Name (slug), or the name as written and every candidate when the article does not say which."""
        if row.get("slug") is None and row.get("speaker_candidates"):
            who = self.t(row["name"], "bold")
            who.append(self.s(" (not identified: "), DIM)
            for number, candidate in enumerate(row["speaker_candidates"]):
                if number:
                    who.append(" or ", DIM)
                who.append(self.s(candidate["slug"]), ID, atom=True)
            who.append(")", DIM)
            return who
        who = self.t(row.get("name") or "", "bold")
        if row.get("slug"):
            who.append(" (")
            who.append(self.s(row["slug"]), ID, atom=True)
            who.append(")")
        return who

    def candidates(self, row: dict[str, Any]) -> list[Text]:
        """One line per candidate, with affiliations: how a reader tells the two Ma Juns apart."""
        out = []
        for candidate in row.get("speaker_candidates") or []:
            line = self.t(f"possibly {candidate['name']} (", "yellow")
            line.append(self.s(candidate["slug"]), ID, atom=True)
            line.append(")" + self.s(": " + "; ".join(say.affiliation_lines(candidate)) if candidate.get("positions") else ")"), "yellow")
            out.append(line)
        return out

    def speaker_cell(self, row: dict[str, Any], affiliations: bool = True) -> Text:
        """Who, and under the name their affiliations; for someone the article does not identify, every candidate and the note."""
        who = self.who(row)
        lines = say.affiliation_lines(row) if affiliations else []
        for candidate in row.get("speaker_candidates") or []:
            lines.append(f"possibly {say.candidate_text(candidate)}")
        if row.get("attribution_note"):
            lines.append(row["attribution_note"])
        if lines:
            who.append("\n" + self.s("\n".join(lines)), DIM)
        return who

    def affiliations(self, row: dict[str, Any]) -> Text:
        return self.t("\n".join(say.affiliation_lines(row)))

    def atoms(self, values: list[str], style: str = ID, separator: str = ", ") -> Text:
        text = Text("")
        for number, value in enumerate(values):
            if number:
                text.append(separator, DIM)
            text.append(self.s(value), style, atom=True)
        return text

    def roles(self, row: dict[str, Any]) -> Text:
        text = self.t(", ".join(row.get("roles") or []))
        if row.get("possible_roles"):
            text.append(self.s(("; " if row.get("roles") else "") + say.possible_roles_text(row["possible_roles"])), DIM)
        if not text.plain:
            text.append("none stated", DIM)
        return text

    def cited(self, lines: list[int], style: str = DIM) -> Text:
        return self.t(say.lines_cited(lines), style)

    def note(self, text: str | None, lines: list[int] | None = None) -> Text | None:
        if not text:
            return None
        note = self.t(text, "yellow")
        if lines:
            note.append(self.s(f" ({say.lines_cited(lines)})"), DIM)
        return note

    def cards(self, cards: list[tuple[Text, list[tuple[str, Text]]]]) -> Group:
        """One card per item: a head line, then 'label: value' lines indented under it."""
        parts: list[Any] = []
        for head, fields in cards:
            parts.append(head)
            # Labels in a column of their own, so a wrapped value hangs under its first line, not under the label.
            body = Table([Column("", "atom", style=DIM), Column("")], gap=1, show_header=False)
            stacked = []  # too narrow for two columns: each value after its label, wrapping under it
            for label, value in fields:
                if value.plain:
                    body.add_row(Text(self.s(label) + ":"), value)
                    stacked.append(Text(self.s(label) + ": ", DIM).append(value))
            parts.append(Indent(body if body.fits(self.width - 2) else Group(*stacked)))
            parts.append(self.blank())
        return Group(*parts)

    def table_or_cards(self, table: Table, cards: Any) -> Any:
        """The table if it fits without breaking an id, else a card per item."""
        if self.width >= NARROW and table.readable(self.width):
            return table
        return cards()

    def titled(self, title: str, *parts: Any) -> Group:
        return Group(self.t(title, HEADER), *parts)

    # -- list views ------------------------------------------------------------

    def generic(self, view: View) -> Group:
        return self.fields_table(view, view.keys)

    def fields_table(self, view: View, fields: list[str]) -> Group:
        """The rows with just the chosen fields: a column each, or a card each when that cannot fit."""
        keys, rows = selected_rows(view, fields)
        columns = [Column(key, "atom" if key in ATOM_KEYS else "text", style=ID if key in ATOM_KEYS else "") for key in keys]
        table = self.table(columns)
        for row in rows:
            table.add_row(*(self.t(cell_text(row.get(key)), atom=key in ATOM_KEYS) for key in keys))

        def cards() -> Group:
            return self.cards(
                [
                    (
                        self.t(cell_text(row.get(keys[0])), "bold", atom=keys[0] in ATOM_KEYS),
                        [(key, self.t(cell_text(row.get(key)), atom=key in ATOM_KEYS)) for key in keys[1:]],
                    )
                    for row in rows
                ]
            )

        return Group(self.table_or_cards(table, cards))

    def _speakers(self, view: View) -> Group:
        title = f"{say.people_shown(view)}, {say.PEOPLE_ORDER_SEVERAL if 'forum' in view.keys else say.PEOPLE_ORDER}"
        table = self.table(
            [
                Column("Name", "short", cap=20, style="bold"),
                Column("Slug", "atom", style=ID),
                Column("Roles", "short", cap=28),
                Column("Affiliation"),
            ]
        )
        for row in view.items:
            table.add_row(self.t(row["name"]), self.t(row["slug"], atom=True), self.roles(row), self.affiliations(row))

        def cards() -> Group:
            return self.cards(
                [(self.who(row), [("roles", self.roles(row)), ("affiliation", self.affiliations(row))]) for row in view.items]
            )

        return self.titled(title, self.table_or_cards(table, cards))

    def _theme(self, view: View) -> Group:
        theme = view.extra.get("theme", {})
        title = f"{theme.get('label', '')} ({theme.get('id', '')}): {say.shown_of(view, 'contribution')}"
        intro = [self.t(theme.get("description", "")), self.t("Each gist is the key point that carries the theme.", DIM), self.blank()]
        table = self.table([Column("Kind / id", "atom"), Column("Speaker", "short", cap=24), Column("Gist")])
        for row in view.items:
            kind = self.t(say.kind_label(row["kind"]), DIM)
            kind.append("\n")
            kind.append(self.s(row["id"]), ID, atom=True)
            table.add_row(kind, self.speaker_cell(row), self.t(row["gist"]))

        def cards() -> Group:
            return self.cards(
                [
                    (
                        self.t(row["id"], ID, atom=True),
                        [("kind", self.t(say.kind_label(row["kind"]))), ("speaker", self.speaker_cell(row)), ("gist", self.t(row["gist"]))],
                    )
                    for row in view.items
                ]
            )

        if any(row.get("quotes") for row in view.items):
            return self.titled(title, *intro, *(self.quoted(row, self.t(row["gist"])) for row in view.items))
        return self.titled(title, *intro, self.table_or_cards(table, cards))

    def _themes(self, view: View) -> Group:
        listing = self.table(
            [
                Column("Theme", "atom", style=ID),
                Column("Label", "short", cap=32),
                Column("Count", "atom", right=True),
                Column("Aliases", style=DIM),
            ]
        )
        for row in view.items:
            listing.add_row(
                self.t(row["id"], atom=True), self.t(row["label"]), self.t(row["count"], atom=True), self.t(", ".join(row["aliases"]))
            )
        who = view.extra["matrix"](view.items)  # the columns, each a person or a name the article leaves uncertain
        mark, nothing = ("x", ".") if self.ascii else ("●", "·")
        # Each speaker column takes at least its number and a space: past that width, cards without building the matrix.
        matrix_width = max((len(row["id"]) for row in view.items), default=0) + sum(len(str(n)) + 1 for n in range(1, len(who) + 1))
        matrix = legend = None
        if matrix_width <= self.width:
            matrix = self.table(
                [Column("Theme", "atom", style=ID)] + [Column(str(number), "atom") for number in range(1, len(who) + 1)], gap=1
            )
            for row in view.items:
                matrix.add_row(
                    self.t(row["id"], atom=True),
                    *(self.t(mark) if row["id"] in column["themes"] else self.t(nothing, DIM) for column in who),
                )
            legend = Group(*(self.t(f"{number:>2}  {say.matrix_column(column)}", DIM) for number, column in enumerate(who, 1)))

        def cards() -> Group:
            return self.cards(
                [
                    (
                        self.t(row["id"], ID, atom=True),
                        [
                            ("label", self.t(row["label"])),
                            ("aliases", self.t(", ".join(row["aliases"]))),
                            ("contributions", self.t(row["count"])),
                            ("speakers", self.atoms(row["speakers"])),
                            (
                                "not identified",
                                self.t("; ".join(f"{u['as_written']} ({' or '.join(u['candidates'])})" for u in row["uncertain_speakers"])),
                            ),
                        ],
                    )
                    for row in view.items
                ],
            )

        if self.width < NARROW or matrix is None or not listing.fits(self.width) or not matrix.fits(self.width):
            return self.titled("Themes", self.blank(), cards(), *self.left_out(view))
        what, meaning = say.matrix_caption(view)
        title = self.t(f"{what} ({mark} = {meaning})", HEADER)
        return Group(self.t("Themes", HEADER), listing, self.blank(), title, matrix, legend, *self.left_out(view))

    def _search(self, view: View) -> Group:
        title = say.shown_of(view, "hit")
        table = self.table(
            [
                Column("#", "atom", right=True, style=DIM),
                Column("Kind / id", "atom"),
                Column("Who", "short", cap=24),
                Column("Match", ratio=3),
            ]
        )
        for row in view.items:
            where = self.t(say.kind_label(row["kind"]), DIM)
            where.append("\n")
            where.append(self.s(row["id"]), ID, atom=True)
            table.add_row(self.t(row["rank"], atom=True), where, self.speaker_cell(row, affiliations=False), self.match(row))

        def cards() -> Group:
            return self.cards(
                [
                    (
                        self.t(f"{row['rank']}. ").append(self.s(row["id"]), ID, atom=True),
                        [
                            ("kind", self.t(say.kind_label(row["kind"]))),
                            ("who", self.speaker_cell(row, affiliations=False)),
                            ("match", self.match(row)),
                        ],
                    )
                    for row in view.items
                ]
            )

        if any(row.get("quotes") for row in view.items):
            return self.titled(title, *(self.quoted(row, self.match(row)) for row in view.items))
        return self.titled(title, self.table_or_cards(table, cards))

    def quoted(self, row: dict[str, Any], text: Text) -> Group:
        """One row with the article lines it cites under it (--source): paraphrase and original side by side."""
        head = self.t(say.kind_label(row["kind"]) + f" {self.dot} ", DIM).append(self.s(row["id"]), ID, atom=True)
        head.append(f" {self.dot} ", DIM).append(self.who(row))
        return Group(head, Indent(text), *self.quotes(row), self.blank())

    def match(self, row: dict[str, Any]) -> Text:
        text = self.t(f"{row['field']}: ", DIM)
        snippet, position = row["snippet"], 0
        for start, end in sorted(row.get("highlights") or []):
            text.append(self.s(snippet[position:start]))
            text.append(self.s(snippet[start:end]), "bold yellow")
            position = end
        text.append(self.s(snippet[position:]))
        return text

    def _orgs(self, view: View) -> Group:
        title = say.shown_of(view, "organisation")
        table = self.table([Column("Organisation", "short", cap=28), Column("People affiliated"), Column("Contributions")])
        for row in view.items:
            table.add_row(self.org_name(row), self.org_people(row), self.org_said(row))

        def cards() -> Group:
            return self.cards(
                [(self.org_name(row), [("people", self.org_people(row)), ("contributions", self.org_said(row))]) for row in view.items]
            )

        return self.titled(title, self.table_or_cards(table, cards))

    def org_name(self, row: dict[str, Any]) -> Text:
        name = self.t(row["name"], "bold")
        name.append("\n")
        name.append(self.s(row["id"]), ID, atom=True)
        name.append("\n")
        name.append(self.s(row["kind"]), DIM)
        return name

    def org_people(self, row: dict[str, Any]) -> Text:
        text = Text("")
        for number, (slug, name, position) in enumerate(zip(row["people"], row["people_names"], row["people_positions"])):
            if number:
                text.append("\n")
            text.append(self.s(name + " ("))
            text.append(self.s(slug), ID, atom=True)
            text.append(self.s("), " + position))
        if not row["people"]:
            text.append(say.NO_AFFILIATION, DIM)
        return text

    def org_said(self, row: dict[str, Any]) -> Text:
        text = Text("")
        lines = (
            [("by its people: ", item) for item in row["contributions"]]
            + [("possibly by its people: ", item) for item in row["possible_contributions"]]
            + [("mentioned in: ", item) for item in row["mentioned_in"]]
        )
        for number, (label, item_id) in enumerate(lines):
            if number:
                text.append("\n")
            text.append(label, DIM)
            text.append(self.s(item_id), ID, atom=True)
        note = self.note(row.get("note"), row.get("note_lines"))
        if note:
            if text.plain:
                text.append("\n")
            text.append(note)
        return text

    # -- documents -------------------------------------------------------------

    def contribution(self, row: dict[str, Any]) -> Group:
        parts: list[Any] = [self.t(say.heading(row), TITLE)]
        topic = say.topic_line(row)
        if topic:
            parts.append(self.t(topic, "magenta"))
        parts += [self.t(line) for line in say.detail_lines(row)]
        meta = self.t(say.kind_label(row["kind"]) + f" {self.dot} ", DIM)
        meta.append(self.who(row))
        meta.append(f" {self.dot} ", DIM)
        meta.append(self.s(row["id"]), ID, atom=True)
        if row.get("attribution") == "uncertain":
            meta.append(self.s(f" {self.dot} attribution uncertain"), "yellow")
        parts.append(meta)
        if row.get("positions"):
            parts.append(self.t("; ".join(say.affiliation_lines(row)), DIM))
        parts += self.candidates(row)
        parts.append(self.note(row.get("attribution_note"), row.get("attribution_note_lines")))
        parts += [self.blank(), self.t(row["summary"])]
        if row.get("key_points"):
            bullets = Table([Column("", "atom"), Column("")], gap=1, show_header=False)
            for point in row["key_points"]:
                bullets.add_row(self.t(self.bullet), self.t(point))
            parts.append(Indent(bullets, 1))
        footer = self.t("themes: ", DIM)
        footer.append(self.atoms(row.get("themes") or [], "cyan") if row.get("themes") else self.t("none", DIM))
        if row.get("mentions"):
            footer.append("  mentions: ", DIM)
            footer.append(self.s("; ".join(row["mentions"])))
        footer.append("  ")
        footer.append(self.cited(row["source_paragraphs"]))
        parts.append(footer)
        parts += self.quotes(row)
        parts.append(self.blank())
        return Group(*parts)

    def quotes(self, row: dict[str, Any]) -> list[Any]:
        out: list[Any] = []
        for quote in row.get("quotes") or []:
            out.append(self.t(say.lines_cited([quote["line"]]) + ", as the article has it:", DIM))
            text = quote["text"] if quote["text"] is not None else "(this line is not in the article you gave)"
            out.append(Indent(self.quote_block(text), 2))
        return out

    def quote_block(self, text: str) -> Any:
        return Bar(self.t(text, "italic"), "|" if self.ascii else "│", DIM)

    def _talk(self, view: View) -> Group:
        return Group(*(self.contribution(row) for row in view.items))

    def panel(self, panel: dict[str, Any]) -> list[Any]:
        parts: list[Any] = [
            self.t("Panel: “" + panel["title"] + "”", TITLE).append(f" {self.dot} ", DIM).append(self.s(panel["id"]), ID, atom=True)
        ]
        moderator = self.t("moderator: ", DIM).append(self.who(panel["moderator"]))
        parts.append(moderator)
        parts += [Indent(line) for line in self.candidates(panel["moderator"])]
        note = self.note(panel["moderator"].get("attribution_note"), panel["moderator"].get("attribution_note_lines"))
        if note:
            parts.append(Indent(note))
        parts.append(self.t("panelists:", DIM))
        for person in panel["panelists"]:
            line = self.who(person)
            if person.get("positions"):
                line.append(self.s(" — " + "; ".join(say.affiliation_lines(person))), DIM)
            parts.append(Indent(line))
        parts.append(self.cited(panel["source_paragraphs"]))
        parts.append(self.blank())
        parts.append(self.t(f"Remarks and closing words, {panel['order']}", DIM))
        for row in panel["remarks"] + ([panel["closing"]] if panel.get("closing") else []):
            parts.append(Indent(self.contribution(row)))
        return parts

    def _panel(self, view: View) -> Group:
        return Group(*self.panel(view.document or {}))

    def _speaker(self, view: View) -> Group:
        doc = view.document or {}
        title = self.t((doc["honorific"] + " " if doc.get("honorific") else "") + doc["name"], "bold")
        title.append("  ")
        title.append(self.s(doc["slug"]), ID, atom=True)
        parts: list[Any] = [title]
        parts += [Indent(self.t(line)) for line in say.affiliation_lines(doc)]
        parts.append(self.t("roles: ", DIM).append(self.roles(doc)))
        parts.append(self.note(doc.get("note"), doc.get("note_lines")))
        for moderated in doc["moderated"] + doc["possibly_moderated"]:
            what = moderated["name"] if moderated["kind"] == "session" else f"the panel “{moderated['name']}”"
            label = self.t("moderated: ", DIM) if moderated["attribution"] == "stated" else self.t("possibly moderated: ", "yellow")
            label.append(self.t(what)).append(f" {self.dot} ", DIM).append(self.s(moderated["id"]), ID, atom=True)
            parts.append(label)
            if moderated["attribution"] != "stated":
                note = self.t(moderated["attribution_note"], "yellow").append(" ").append(self.cited(moderated["attribution_note_lines"]))
                parts.append(Indent(note))
        parts.append(self.t("named in: ", DIM).append(self.cited(doc["source_paragraphs"])))
        parts.append(self.blank())
        if not doc["contributions"]:
            parts.append(self.t("No talk, speech or remark of theirs is reported.", DIM))
        elif len(doc["contributions"]) > 1:
            parts.append(self.t(f"Contributions, {doc['order']}", DIM))
        parts += [self.contribution(row) for row in doc["contributions"]]
        return Group(*parts)

    def _agenda(self, view: View) -> Group:
        doc = view.document or {}
        guides = ("|-- ", "|   ", "`-- ", "    ") if self.ascii else ("├── ", "│   ", "└── ", "    ")
        several = "forum" in view.keys  # a congress of several forums: a branch per forum
        root = Tree(self.t(("Each forum, " if several else "The forum, ") + doc.get("order", ""), "bold"), guides)
        forums: dict[str, Tree] = {}
        sections: dict[tuple[str, str], Tree] = {}
        forum = ""

        def section(key: str, label: str) -> Tree:
            if (forum, key) not in sections:
                if several and forum not in forums:
                    forums[forum] = root.add(self.t(f"Forum {forum}", HEADER))
                sections[(forum, key)] = (forums[forum] if several else root).add(self.t(label, "bold"))
            return sections[(forum, key)]

        unidentified: list[tuple[Tree, dict[str, Any]]] = []  # nodes of people the article does not identify
        for item in view.items:
            forum = item.get("forum", "")
            person = item["person"]
            kind = item["kind"]
            tag = Text(f" {self.dot} ", DIM).append(self.s(item["id"]), ID, atom=True)
            node: Tree | None = None
            if kind == "opening":
                node = section("opening", "Opening speech").add(self.who(person).append(tag))
            elif kind == "session":
                node = section("sessions", "Sessions").add(self.t(item["name"] + ", moderated by ").append(self.who(person)).append(tag))
            elif kind == "talk":
                if item.get("title"):
                    label = self.t("“" + item["title"] + "”", "magenta")
                else:
                    label = self.t("Topic: " + (item.get("topic") or ""), "magenta").append(self.s(" (our words; no title given)"), DIM)
                node = section("talks", f"Talks ({caveats.TALKS_MARK})").add(
                    label.append(self.s(" — ")).append(self.who(person)).append(tag)
                )
            elif kind == "panel":
                panel = section("panel", "Panel")
                panel.add(self.t("“" + item["title"] + "”", "magenta").append(tag))
                node = panel.add(self.t("moderator: ", DIM).append(self.who(person)))
            elif kind == "panelist":
                node = section("panel", "Panel").add(self.t("panelist: ", DIM).append(self.who(person)))
            elif kind in ("panel-remark", "panel-closing"):
                node = section("panel", "Panel").add(self.t(say.kind_label(kind) + ": ", DIM).append(self.who(person)).append(tag))
            if node is not None and person.get("speaker_candidates"):
                unidentified.append((node, person))
        for node, person in unidentified:
            for candidate in person.get("speaker_candidates") or []:
                node.add(self.t("possibly " + say.candidate_text(candidate), "yellow"))
            note = self.note(person.get("attribution_note"), person.get("attribution_note_lines"))
            if note is not None:  # an unidentified person always has one (model.UncertainPerson.note)
                node.add(note)
        for (_, key), branch in sections.items():
            if key == "sessions" and doc.get("session_note"):
                branch.add(self.t(doc["session_note"], DIM))
        return Group(root, *self.left_out(view))

    def _forums(self, view: View) -> Group:
        congress = view.extra.get("congress")
        title = say.shown_of(view, "forum") + (f" of {say.congress_line(congress)}" if congress else "")
        table = self.table(
            [
                Column("Forum", "atom", style=ID),
                Column("Name", "short", cap=32),
                Column("Date", "atom"),
                Column("People", "atom", right=True),
                Column("Contributions", "atom", right=True),
                Column("Source article"),
            ]
        )
        for row in view.items:
            table.add_row(
                self.t(row["id"], atom=True),
                self.t(row["name"]),
                self.t(row["date"], atom=True),
                self.t(row["people"], atom=True),
                self.t(row["contributions"], atom=True),
                self.article(row),
            )

        def cards() -> Group:
            return self.cards(
                [
                    (
                        self.t(row["id"], ID, atom=True),
                        [
                            ("name", self.t(row["name"])),
                            ("date", self.t(row["date"])),
                            ("people", self.t(row["people"])),
                            ("contributions", self.t(row["contributions"])),
                            ("article", self.article(row)),
                        ],
                    )
                    for row in view.items
                ]
            )

        return self.titled(title, self.table_or_cards(table, cards))

    def article(self, row: dict[str, Any]) -> Text:
        return self.t("“" + row["article_title"] + "”").append(self.s(f" ({row['article_published']}, {row['article_file']})"), DIM)

    def _congress_summary(self, view: View) -> Group:
        """The congress at a glance: its facts and size, its forums, then its first contributions forum by forum."""
        doc = view.document or {}
        counts = doc["counts"]
        parts: list[Any] = []
        if doc.get("congress"):
            parts.append(self.t(say.congress_line(doc["congress"]), "bold"))
        parts.append(
            self.t(
                f"{say.plural(counts['forums'], 'forum')} {self.dot} {say.plural(counts['people'], 'person', 'people')} "
                f"(a person linked across forums counts in each) {self.dot} {say.plural(counts['contributions'], 'contribution')}",
                DIM,
            )
        )
        parts += self.left_out(view)
        forums = View("forums", doc["forums"], [], extra={"total": counts["forums"]})
        parts += [self.blank(), self._forums(forums), self.blank()]
        parts.append(self.t(f"Contributions, forum by forum, each {doc['order']}", HEADER))
        parts += [Indent(self.digest(row)) for row in view.items]
        return Group(*parts)

    def left_out(self, view: View) -> list[Any]:
        """Said under a whole-forum view that shows only its first rows (a list's title says it instead)."""
        return [self.t("shown: " + view.extra["left_out"], DIM)] if view.extra.get("left_out") else []

    def _summary(self, view: View) -> Group:
        doc = view.document or {}
        parts: list[Any] = [self.t(doc["name"], "bold")]
        parts.append(self.t(say.conference_line(doc)))
        if doc.get("participants"):
            parts.append(self.t("participants: ", DIM).append(self.t(doc["participants"])))
        parts.append(self.t("organizers, as the article calls them: ", DIM).append(self.t("“" + doc["organisers"] + "”")))
        parts.append(self.note(doc.get("organisers_note"), doc.get("organisers_note_lines")))
        parts.append(self.t("Aims:", HEADER))
        parts += [Indent(self.t(f"{self.bullet} {aim}")) for aim in doc["aims"]]
        counts = doc["counts"]
        parts.append(
            self.t(
                f"{say.plural(counts['people'], 'person', 'people')} {self.dot} {say.plural(counts['talks'], 'talk')} ({caveats.TALKS_MARK}) {self.dot} "
                f"{say.plural(counts['panel_remarks'], 'panel remark')} {self.dot} {say.plural(counts['themes'], 'theme')}",
                DIM,
            )
        )
        parts += self.left_out(view)
        parts.append(self.blank())
        if doc["sessions"]:
            parts.append(self.t("Sessions", HEADER))
            for session in doc["sessions"]:
                line = self.t(session["name"] + ", moderated by ").append(self.who(session["moderator"]))
                parts.append(Indent(line.append(f" {self.dot} ", DIM).append(self.s(session["id"]), ID, atom=True)))
            if doc.get("session_note"):
                parts.append(Indent(self.t(doc["session_note"], DIM)))
            parts.append(self.blank())
        if doc.get("opening"):
            parts += [self.t("Opening speech", HEADER), Indent(self.digest(doc["opening"]))]
        if doc["talks"]:
            parts += [self.t(f"Talks ({caveats.TALKS_MARK}), " + doc["order"], HEADER)]
            parts += [Indent(self.digest(row)) for row in doc["talks"]]
        if doc.get("panel"):
            panel = doc["panel"]
            parts.append(
                self.t("Panel: “" + panel["title"] + "”", HEADER).append(f" {self.dot} ", DIM).append(self.s(panel["id"]), ID, atom=True)
            )
            parts.append(Indent(self.t("moderator: ", DIM).append(self.who(panel["moderator"]))))
            parts += [Indent(line, 4) for line in self.candidates(panel["moderator"])]
            note = self.note(panel["moderator"].get("attribution_note"), panel["moderator"].get("attribution_note_lines"))
            if note:
                parts.append(Indent(note, 4))
            parts.append(Indent(self.t("panelists: ", DIM).append(self.t(", ".join(p["name"] for p in panel["panelists"])))))
            parts.append(Indent(self.t(f"Remarks and closing words, {panel['order']}", DIM)))
            parts.append(self.blank())
            for row in panel["remarks"] + ([panel["closing"]] if panel.get("closing") else []):
                parts.append(Indent(self.digest(row)))
        parts.append(self.t("Themes", HEADER))
        themes = Text("")
        for number, theme in enumerate(doc["themes"]):
            if number:
                themes.append(", ", DIM)
            themes.append(self.s(theme["id"]), "cyan", atom=True)
            themes.append(f" ({theme['count']})", DIM)
        parts += [Indent(themes), self.blank()]
        source = doc["source"]
        parts.append(self.t(f"Source: “{source['title']}”, {source['published']}", DIM))
        return Group(*parts)

    def digest(self, row: dict[str, Any]) -> Group:
        """A contribution in two or three lines: who (with affiliation), what it is called, its gist."""
        who = self.who(row)
        if row.get("positions"):
            who.append(self.s(" — " + "; ".join(say.affiliation_lines(row))), DIM)
        heading = self.t(say.heading(row), "magenta").append(f" {self.dot} ", DIM).append(self.s(row["id"]), ID, atom=True)
        parts: list[Any] = [who, Indent(heading)]
        topic = say.topic_line(row)
        if topic:
            parts.append(Indent(self.t(topic, "magenta")))
        parts += [Indent(line) for line in self.candidates(row)]
        note = self.note(row.get("attribution_note"), row.get("attribution_note_lines"))
        if note:
            parts.append(Indent(note))
        # Without key points (the opening speech, whose content the article does not report) the summary is short and
        # says so itself: shown whole, so that the caveat is not cut off with the rest of the gist.
        parts += [Indent(self.t(row["gist"] if row.get("key_points") else row["summary"])), self.blank()]
        return Group(*parts)
