"""How the human formats (table and Markdown) word things, so both say exactly the same.

Returns plain strings; each format escapes them for its own context.
"""

from __future__ import annotations

from typing import Any

from .. import caveats, model

KIND_LABEL = {
    **{kind.value: label for kind, label in model.CONTRIBUTION_LABELS.items()},
    "person": "person",
    "organisation": "organisation",
    "session": "session",
    "panel": "panel",
    "panelist": "panelist",
    "forum": "the forum",
}
TOPIC_MARK = "topic in our words; the article gives no title"
NO_AFFILIATION = caveats.NO_AFFILIATION
# A theme on a contribution means the contribution touches it, no more.
PEOPLE_ORDER = "in the order the article first names them"
PEOPLE_ORDER_SEVERAL = "forum by forum, each in the order its article first names them"
THEME_MATRIX_CAPTION = "Who touched which theme"
THEME_MATRIX_MARK = "a contribution of theirs touches the theme"
# A congress of several forums: forums are the matrix's columns.
FORUM_MATRIX_CAPTION = "Which forum touched which theme"
FORUM_MATRIX_MARK = "a contribution in the forum touches the theme"


def matrix_caption(view: Any) -> tuple[str, str]:
    """The theme matrix's caption and what its mark means: of people, or of forums in a congress of several."""
    return (FORUM_MATRIX_CAPTION, FORUM_MATRIX_MARK) if "forums" in view.keys else (THEME_MATRIX_CAPTION, THEME_MATRIX_MARK)


# Views whose rows carry the curator's summaries or key points; of them, those that take --source.
PARAPHRASED_VIEWS = frozenset({"speaker", "talk", "panel", "theme", "summary", "search"})
QUOTING_VIEWS = frozenset({"speaker", "talk", "panel", "theme", "search"})
# What the other views say of the curator's part in them.
VIEW_CAVEATS = {"speakers": caveats.ROLE_NOTE, "themes": caveats.THEME_NOTE, "orgs": caveats.ORGANISATION_KIND_NOTE}


def caveat(view: Any) -> str | None:
    """What a human-readable view says once, at its end, of the curator's own words in it; None for a view with
    nothing of the curator's, or with nothing in it."""
    if view.document is None and not view.items:
        return None
    if view.kind not in PARAPHRASED_VIEWS:
        return VIEW_CAVEATS.get(view.kind)
    if "quotes" in view.keys:
        return f"{caveats.PARAPHRASE}; {caveats.QUOTED_LINES}."
    return f"{caveats.PARAPHRASE}; {caveats.SEE_THE_LINES if view.kind in QUOTING_VIEWS else caveats.SEE_THE_LINES_ELSEWHERE}."


def kind_label(kind: str) -> str:
    return KIND_LABEL.get(kind, kind)


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def shown_of(view: Any, singular: str, many: str | None = None) -> str:
    """'10 people', or '20 of 50,000 people' when only the first rows of a longer answer are shown."""
    shown = len(view.items)
    total = view.extra.get("total", shown)
    return plural(total, singular, many) if shown == total else f"{shown:,} of {plural(total, singular, many)}"


def people_shown(view: Any) -> str:
    """'10 people', or with a role filter the stated and possible holders counted apart: '3 people: 1 stated, 2 possible'."""
    shown = shown_of(view, "person", "people")
    counts = view.extra.get("attribution")
    if not counts or not counts.get("possible"):
        return shown
    split = f"{counts['stated']:,} stated, {counts['possible']:,} possible"
    # The split is of the whole answer: with --limit, say so, as the rows shown may all be of one kind.
    return f"{shown} (in all: {split})" if len(view.items) < view.extra.get("total", len(view.items)) else f"{shown}: {split}"


def conference_line(doc: dict[str, Any]) -> str:
    """The date and city are the conference's, as the article gives them (line 3), not a separate date for the forum."""
    return f"At the {doc['conference']}, held in {doc['city']} on {doc['date']}"


def lines_cited(lines: list[int]) -> str:
    """'article line 11' or 'article lines 4, 5': what a citation points at."""
    if not lines:
        return "no article line cited"
    numbers = ", ".join(str(line) for line in lines)
    return f"article line{'s' if len(lines) != 1 else ''} {numbers}"


def title_text(row: dict[str, Any]) -> str | None:
    """The article's own title in quotation marks, or None: a topic is never passed off as one."""
    return f"“{row['title']}”" if row.get("title") else None


def heading(row: dict[str, Any]) -> str:
    """What a contribution is called: its quoted title, or what it is and who said it."""
    quoted = title_text(row)
    if quoted:
        return quoted
    who = row.get("name") or "someone"
    kind = row["kind"]
    if kind == "talk":
        return f"Talk by {who} ({caveats.TALK_MARK})"
    if kind == "panel-remark":
        return f"Panel remark by {who}"
    if kind == "panel-closing":
        return f"The panel's closing words, by {who}"
    if kind == "opening":
        return f"Opening speech by {who}"
    return f"{kind_label(kind).capitalize()}: {who}"


def topic_line(row: dict[str, Any]) -> str | None:
    return f"Topic: {row['topic']} ({TOPIC_MARK})" if row.get("topic") else None


def detail_lines(row: dict[str, Any]) -> list[str]:
    """A contribution's details (``model.detail`` fields) that it has, each as "Label: value"."""
    return [f"{detail.label}: {row[detail.field]}" for detail in model.details() if row.get(detail.field)]


def affiliation_lines(row: dict[str, Any]) -> list[str]:
    return [f"{position}, {organisation}" for position, organisation in zip(row.get("positions") or [], row.get("organisations") or [])]


def candidate_text(candidate: dict[str, Any]) -> str:
    """'Ma Jun (ma-jun-harbin), Director, Harbin Institute...': enough to tell namesakes apart."""
    where = "; ".join(affiliation_lines(candidate))
    return f"{candidate['name']} ({candidate['slug']})" + (f", {where}" if where else "")


def uncertain_text(row: dict[str, Any]) -> str:
    """For a person the article does not identify: the name as written and who it could be."""
    candidates = " or ".join(f"{c['name']} ({c['slug']})" for c in row.get("speaker_candidates") or [])
    return f"{row['name']}: the article does not say which; possibly {candidates}"


def person_text(row: dict[str, Any]) -> str:
    """'Zheng Limin (zheng-limin)', or the uncertain form with every candidate."""
    if row.get("slug") is None and row.get("speaker_candidates"):
        return uncertain_text(row)
    if row.get("slug"):
        return f"{row['name']} ({row['slug']})"
    return str(row.get("name") or "")


def role_text(row: dict[str, Any]) -> str:
    text = ", ".join(row.get("roles") or [])
    possible = row.get("possible_roles") or []
    if possible:
        text += ("; " if text else "") + possible_roles_text(possible)
    return text or "none stated"


def possible_roles_text(possible: list[str]) -> str:
    """'possibly panel moderator, possibly panel closing': each role its own "possibly", so none reads as stated."""
    return ", ".join(f"possibly {role}" for role in possible)


def not_identified(uncertain: dict[str, Any]) -> str:
    """'Professor Ma Jun (not identified: ma-jun-harbin or ma-jun-sysucc)': a name the article uses without saying who."""
    return f"{uncertain['as_written']} (not identified: {' or '.join(uncertain['candidates'])})"


def congress_line(congress: dict[str, Any]) -> str:
    """'2024 China BioMed Innovation and Investment Conference (CBIIC), Guangzhou, 2024'."""
    return f"{congress['name']}, {congress['city']}, {congress['year']}"


def matrix_column(column: dict[str, Any]) -> str:
    """Who a column of the theme matrix is: a person's slug, or a name the article leaves unidentified."""
    return column["slug"] or not_identified(column)


def theme_list(row: dict[str, Any]) -> str:
    return ", ".join(row.get("themes") or []) or "none"
