"""What every view says of the curator's part in it, of what the article leaves out and of what the view itself
leaves out, written once.

The tables, Markdown, the HTML report and the JSON export all take these words
from here, so a reader hears the same caveat whichever way they read the forum.
"""

# The article lists what was said without a running order, and names sessions without their talks.
ORDER_NOTE = "in the order the article reports them; the article gives no full running order"
SESSION_NOTE = (
    "The article names each session's moderator but does not say which talks, nor whether the opening speech or the "
    "panel, belonged to which session."
)

# The article calls some contributions a "report" or a "speech" and reports others only as insights given or a
# subject discussed: "talk" is the curator's word for them all, never the article's.
TALK_MARK = "no title given; “talk” is our word"
TALKS_MARK = "“talk” is our word"

# Every human-readable view of summaries or key points says this once, at the end.
PARAPHRASE = "Summaries, key points, themes and the word “talk” are the curator's, not the article's"
SEE_THE_LINES = "add --source ARTICLE to see the article lines each one cites"
SEE_THE_LINES_ELSEWHERE = "cbiic talk ID --source ARTICLE shows the article lines each one cites"
QUOTED_LINES = "the quoted lines are the article's own words"
ROLE_NOTE = "Role names are the curator's, for what the article reports each person doing."
THEME_NOTE = "Themes, and which contributions touch them, are the curator's classification."
# An organisation no affiliation names (Roche, named in a remark): what the article does, not a claim about who works there.
NO_AFFILIATION = "not written as anyone's affiliation"
ORGANISATION_KIND_NOTE = "Organisation kinds are the curator's classification, not the article's words."

# The JSON export carries the same caveats as its first notes, for a reader who never sees a view.
CURATORS_WORDS = (
    "Summaries, key points, topics, notes, themes, role names, organisation kinds, session names, the participants' "
    "description, the aims as listed and the word “talk” are the curator's; "
    "titles, names, positions and organisation names are the article's, quoted exactly."
)


# What a whole-forum view or a list showing only its first rows or columns says, and how to see them all.
ALL_OF_THEM = "--limit 0 for all"


def first_of(limit: int | None, total: int, noun: str) -> str | None:
    """'20 of 50,000 people' when only the first ``limit`` of ``total`` are shown, else None."""
    return f"{limit:,} of {total:,} {noun}" if limit and limit < total else None


def left_out(parts: list[str | None]) -> str | None:
    """'20 of 5,000 sessions, 20 of 100,000 talks and 20 of 25 themes; --limit 0 for all', of the parts not None;
    None when there are none."""
    said = [part for part in parts if part]
    if not said:
        return None
    return (", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]) + f"; {ALL_OF_THEM}"


def export_notes(has_sessions: bool, sessions_hold_talks: bool) -> list[str]:
    """What an export says first, for a reader who never sees a view: the JSON's notes, the SQLite file's note rows."""
    notes = [CURATORS_WORDS, f"Contributions are listed {ORDER_NOTE}."]
    if has_sessions and not sessions_hold_talks:
        notes.append(SESSION_NOTE)
    return notes
