"""The SQLite schema of a cbiic export, in one place.

``cbiic export sqlite`` creates these tables, and a later query store can reuse
them as they are: import ``SCHEMA`` (or call ``create_schema``) rather than
writing the DDL again. The design:

* Entity tables are keyed by the forum's own ids and slugs, so a query reads
  ``where person_slug = 'zheng-limin'``. ``contributions`` alone has an integer
  key, ``seq``: the order in which the article reports them (it gives no running
  order), which is also the rowid the full-text index points at.
* A speaker or moderator is either ``*_slug`` (a person) or
  ``*_reference_id`` (an uncertain reference with its candidates), never both:
  a CHECK constraint keeps an uncertain attribution from becoming a guess.
* A talk keeps the article's ``title`` apart from our ``topic``.
* Organisations are linked to people by ``affiliations`` and to contributions
  that merely name them by ``organisation_mentions``; the two never mix.
* Each kind of item has its own ``*_citations`` table of article line numbers,
  with a declared foreign key; the ``citations`` view unions them.
* Every foreign key column leads an index, so joins in either direction are
  index lookups.
* ``contributions_fts`` is an external-content FTS5 table over
  ``contributions`` (``content="contributions"``), which is how datasette and
  sqlite-utils recognise a table's full-text index.

``PRAGMA application_id`` marks the file as a cbiic export and
``PRAGMA user_version`` holds ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import re
from typing import Any

from .. import caveats, model

SCHEMA_VERSION = 1
# "cbic" in ASCII: SQLite stores it at byte offset 68 of the file header.
APPLICATION_ID = 0x63626963
SQLITE_HEADER = b"SQLite format 3\x00"

# The DDL, its vocabulary left as {placeholders}: ``schema()`` fills them in.
SCHEMA = """
CREATE TABLE cbiic_export (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE notes (
    id   INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);
CREATE TABLE note_citations (
    note_id      INTEGER NOT NULL REFERENCES notes(id),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (note_id, article_line)
);

CREATE TABLE source (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    title          TEXT NOT NULL,
    published      TEXT NOT NULL,
    file           TEXT NOT NULL,
    line_numbering TEXT NOT NULL
);

CREATE TABLE forum (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    name                 TEXT NOT NULL,
    conference           TEXT NOT NULL,
    date                 TEXT NOT NULL,
    city                 TEXT NOT NULL,
    participants         TEXT,
    organisers_as_written TEXT NOT NULL,
    organisers_note_id   INTEGER REFERENCES notes(id)
);
CREATE INDEX forum_organisers_note ON forum(organisers_note_id);
CREATE TABLE forum_aims (
    seq  INTEGER PRIMARY KEY,
    text TEXT NOT NULL
);
CREATE TABLE forum_citations (
    about        TEXT NOT NULL CHECK (about IN ('forum', 'organisers')),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (about, article_line)
);

CREATE TABLE organisations (
    id      TEXT PRIMARY KEY,
    seq     INTEGER NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ({organisation_kinds})),
    note_id INTEGER REFERENCES notes(id)
);
CREATE INDEX organisations_note ON organisations(note_id);
CREATE TABLE organisation_citations (
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    article_line    INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (organisation_id, article_line)
);

CREATE TABLE people (
    slug      TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    honorific TEXT,
    note_id   INTEGER REFERENCES notes(id)
);
CREATE INDEX people_note ON people(note_id);
CREATE TABLE person_citations (
    person_slug  TEXT NOT NULL REFERENCES people(slug),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (person_slug, article_line)
);
CREATE TABLE affiliations (
    person_slug     TEXT NOT NULL REFERENCES people(slug),
    seq             INTEGER NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    position        TEXT NOT NULL,
    PRIMARY KEY (person_slug, seq)
);
CREATE INDEX affiliations_organisation ON affiliations(organisation_id);

CREATE TABLE uncertain_references (
    id         TEXT PRIMARY KEY,
    as_written TEXT NOT NULL,
    note_id    INTEGER NOT NULL REFERENCES notes(id)
);
CREATE INDEX uncertain_references_note ON uncertain_references(note_id);
CREATE TABLE uncertain_reference_candidates (
    reference_id TEXT NOT NULL REFERENCES uncertain_references(id),
    seq          INTEGER NOT NULL,
    person_slug  TEXT NOT NULL REFERENCES people(slug),
    PRIMARY KEY (reference_id, person_slug)
);
CREATE INDEX uncertain_reference_candidates_person ON uncertain_reference_candidates(person_slug);

CREATE TABLE themes (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE theme_aliases (
    theme_id TEXT NOT NULL REFERENCES themes(id),
    seq      INTEGER NOT NULL,
    alias    TEXT NOT NULL,
    PRIMARY KEY (theme_id, seq)
);

CREATE TABLE glossary (
    seq  INTEGER PRIMARY KEY,
    term TEXT NOT NULL,
    note TEXT
);
CREATE TABLE glossary_expansions (
    glossary_seq INTEGER NOT NULL REFERENCES glossary(seq),
    seq          INTEGER NOT NULL,
    expansion    TEXT NOT NULL,
    PRIMARY KEY (glossary_seq, seq)
);
CREATE TABLE glossary_citations (
    glossary_seq INTEGER NOT NULL REFERENCES glossary(seq),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (glossary_seq, article_line)
);

CREATE TABLE sessions (
    id                     TEXT PRIMARY KEY,
    seq                    INTEGER NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    moderator_slug         TEXT REFERENCES people(slug),
    moderator_reference_id TEXT REFERENCES uncertain_references(id),
    CHECK ((moderator_slug IS NULL) <> (moderator_reference_id IS NULL))
);
CREATE INDEX sessions_moderator ON sessions(moderator_slug);
CREATE INDEX sessions_moderator_reference ON sessions(moderator_reference_id);
CREATE TABLE session_citations (
    session_id   TEXT NOT NULL REFERENCES sessions(id),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (session_id, article_line)
);

CREATE TABLE panel (
    id                     TEXT PRIMARY KEY,
    title                  TEXT NOT NULL,
    moderator_slug         TEXT REFERENCES people(slug),
    moderator_reference_id TEXT REFERENCES uncertain_references(id),
    CHECK ((moderator_slug IS NULL) <> (moderator_reference_id IS NULL))
);
CREATE INDEX panel_moderator ON panel(moderator_slug);
CREATE INDEX panel_moderator_reference ON panel(moderator_reference_id);
CREATE TABLE panel_citations (
    panel_id     TEXT NOT NULL REFERENCES panel(id),
    article_line INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (panel_id, article_line)
);
CREATE TABLE panelists (
    panel_id    TEXT NOT NULL REFERENCES panel(id),
    seq         INTEGER NOT NULL,
    person_slug TEXT NOT NULL REFERENCES people(slug),
    PRIMARY KEY (panel_id, person_slug)
);
CREATE INDEX panelists_person ON panelists(person_slug);

CREATE TABLE contributions (
    seq                  INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL CHECK (kind IN ({contribution_kinds})),
    panel_id             TEXT REFERENCES panel(id),
    title                TEXT,
    topic                TEXT,
    speaker_slug         TEXT REFERENCES people(slug),
    speaker_reference_id TEXT REFERENCES uncertain_references(id),
    summary              TEXT NOT NULL,
    key_points_text      TEXT NOT NULL,{details}
    CHECK ((speaker_slug IS NULL) <> (speaker_reference_id IS NULL)),
    CHECK ((kind IN ({panel_kinds})) = (panel_id IS NOT NULL)),
    CHECK (kind = 'talk' OR (title IS NULL AND topic IS NULL)),
    CHECK (kind <> 'talk' OR ((title IS NULL) <> (topic IS NULL)))
);
CREATE INDEX contributions_kind ON contributions(kind);
CREATE INDEX contributions_panel ON contributions(panel_id);
CREATE INDEX contributions_speaker ON contributions(speaker_slug);
CREATE INDEX contributions_speaker_reference ON contributions(speaker_reference_id);
CREATE TABLE contribution_citations (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    article_line    INTEGER NOT NULL CHECK (article_line >= 1),
    PRIMARY KEY (contribution_id, article_line)
);
CREATE TABLE session_talks (
    session_id      TEXT NOT NULL REFERENCES sessions(id),
    seq             INTEGER NOT NULL,
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    PRIMARY KEY (session_id, contribution_id)
);
CREATE INDEX session_talks_contribution ON session_talks(contribution_id);
CREATE TABLE key_points (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    seq             INTEGER NOT NULL,
    text            TEXT NOT NULL,
    PRIMARY KEY (contribution_id, seq)
);
CREATE TABLE key_point_themes (
    contribution_id TEXT NOT NULL,
    key_point_seq   INTEGER NOT NULL,
    theme_id        TEXT NOT NULL REFERENCES themes(id),
    PRIMARY KEY (contribution_id, key_point_seq, theme_id),
    FOREIGN KEY (contribution_id, key_point_seq) REFERENCES key_points(contribution_id, seq)
);
CREATE INDEX key_point_themes_theme ON key_point_themes(theme_id);
CREATE TABLE contribution_themes (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    theme_id        TEXT NOT NULL REFERENCES themes(id),
    seq             INTEGER NOT NULL,
    PRIMARY KEY (contribution_id, theme_id)
);
CREATE INDEX contribution_themes_theme ON contribution_themes(theme_id);
CREATE TABLE organisation_mentions (
    contribution_id TEXT NOT NULL REFERENCES contributions(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    seq             INTEGER NOT NULL,
    PRIMARY KEY (contribution_id, organisation_id)
);
CREATE INDEX organisation_mentions_organisation ON organisation_mentions(organisation_id);

CREATE VIRTUAL TABLE contributions_fts USING fts5(
    title, topic, summary, key_points_text,
    content="contributions", content_rowid="seq",
    tokenize="porter unicode61 remove_diacritics 2"
);

CREATE VIEW citations AS
    SELECT 'forum' AS item_type, about AS item_id, article_line FROM forum_citations
    UNION ALL SELECT 'organisation', organisation_id, article_line FROM organisation_citations
    UNION ALL SELECT 'person', person_slug, article_line FROM person_citations
    UNION ALL SELECT 'session', session_id, article_line FROM session_citations
    UNION ALL SELECT 'panel', panel_id, article_line FROM panel_citations
    UNION ALL SELECT 'contribution', contribution_id, article_line FROM contribution_citations
    UNION ALL SELECT 'note', CAST(note_id AS TEXT), article_line FROM note_citations
    UNION ALL SELECT 'glossary', CAST(glossary_seq AS TEXT), article_line FROM glossary_citations;

CREATE VIEW person_roles AS
    WITH named(person_slug, reference_id, role, item_id) AS (
        -- A panel remark's speaker is a panelist already (the loader checks it), so remarks add no role:
        -- one row per role and item, the same roles `cbiic speakers` gives.
        SELECT speaker_slug, speaker_reference_id,
               CASE kind {speaker_roles} END,
               id
          FROM contributions WHERE kind != '{panel_remark}'
        UNION ALL SELECT moderator_slug, moderator_reference_id, '{session_moderator}', id FROM sessions
        UNION ALL SELECT moderator_slug, moderator_reference_id, '{panel_moderator}', id FROM panel
        UNION ALL SELECT person_slug, NULL, '{panelist}', panel_id FROM panelists
    )
    SELECT person_slug, role, item_id, 'stated' AS attribution FROM named WHERE person_slug IS NOT NULL
    UNION
    SELECT candidates.person_slug, named.role, named.item_id, 'possible'
      FROM named JOIN uncertain_reference_candidates AS candidates ON candidates.reference_id = named.reference_id;

CREATE VIEW contributions_overview AS
    SELECT c.seq, c.id, c.kind, c.title, c.topic,
           COALESCE(p.name, r.as_written) AS speaker,
           c.speaker_slug,
           (SELECT json_group_array(person_slug) FROM
               (SELECT person_slug FROM uncertain_reference_candidates
                 WHERE reference_id = c.speaker_reference_id ORDER BY seq)) AS speaker_candidates,
           (SELECT json_group_array(theme_id) FROM
               (SELECT theme_id FROM contribution_themes WHERE contribution_id = c.id ORDER BY seq)) AS themes,
           (SELECT json_group_array(organisation_id) FROM
               (SELECT organisation_id FROM organisation_mentions WHERE contribution_id = c.id ORDER BY seq)) AS organisations_mentioned,
           (SELECT json_group_array(article_line) FROM
               (SELECT article_line FROM contribution_citations WHERE contribution_id = c.id ORDER BY article_line)) AS article_lines,
           c.summary
      FROM contributions AS c
      LEFT JOIN people AS p ON p.slug = c.speaker_slug
      LEFT JOIN uncertain_references AS r ON r.id = c.speaker_reference_id;
"""

# What each table and view holds, for `datasette --metadata` and the README.
DESCRIPTIONS = {
    "cbiic_export": (
        "Which cbiic wrote this file and its schema version, and as note-1, note-2… what a reader must know first: "
        "which words are the curator's, and what the article leaves out."
    ),
    "notes": "Curators' remarks about the data (for people, organisations, the organisers and uncertain attributions).",
    "note_citations": "Article lines each note relies on.",
    "source": "The one article every fact comes from. Its text is not included.",
    "forum": (
        "The forum: its name; the name, date and city the article gives for the conference it was part of; "
        "and the organisers as the article writes them."
    ),
    "forum_aims": "The forum's aims as the article states them, listed one by one by the curator.",
    "forum_citations": "Article lines for the forum's facts and for its organisers.",
    "organisations": "Every organisation the article names as an affiliation or mentions in a contribution.",
    "organisation_citations": "Article lines naming each organisation.",
    "people": "Everyone the article names. Two different people are named Ma Jun.",
    "person_citations": "Article lines naming each person.",
    "affiliations": "Who holds which position at which organisation (people affiliated, not organisations merely mentioned).",
    "uncertain_references": "A speaker or moderator the article names without saying which of several people it means.",
    "uncertain_reference_candidates": "The people an uncertain reference could be. None of them is a guess at the answer.",
    "themes": "Our classification of what was said; a contribution has a theme only through a key point that supports it.",
    "theme_aliases": "Other names for each theme.",
    "glossary": "Abbreviations and what they stand for.",
    "glossary_expansions": "The expansions of each abbreviation.",
    "glossary_citations": "Article lines where the article spells an abbreviation out.",
    "sessions": f"The forum's sessions and their moderators. {caveats.SESSION_NOTE}",
    "session_citations": "Article lines for each session.",
    "panel": "The panel discussion and its moderator.",
    "panel_citations": "Article lines for the panel.",
    "panelists": "Who sat on the panel.",
    "contributions": (
        "Every contribution the article reports: the opening speech, talks, panel remarks and the panel's closing words, "
        "in the order the article reports them (seq; the article gives no full running order). "
        "title is the article's exact words; topic is ours, for a talk the article gives no title. "
        "key_points_text repeats the key points, one a line, for the full-text index."
    ),
    "contribution_citations": "Article lines each contribution comes from.",
    "session_talks": "Which talks were in which session, only where the article says so.",
    "key_points": "Each contribution's key points, in our words.",
    "key_point_themes": "The themes each key point is evidence for.",
    "contribution_themes": "A contribution's themes: those of its key points, in order of first appearance.",
    "organisation_mentions": "Organisations a contribution names (no one from them need have spoken).",
    "contributions_fts": "Full-text index of contributions' titles, topics, summaries and key points.",
    "citations": "Every citation: item type, item id and article line.",
    "person_roles": "Each person's roles; 'possible' where the article does not say which of several people it means.",
    "contributions_overview": "Contributions with speaker, themes, organisations mentioned and article lines in one row.",
}


def _listed(members: list[Any]) -> str:
    return ", ".join(f"'{member.value}'" for member in members)


def _vocabulary() -> dict[str, str]:
    """What the DDL's {placeholders} stand for: the model's vocabulary, where it is defined."""
    kind, role = model.ContributionKind, model.Role
    return dict(
        organisation_kinds=_listed(list(model.OrganisationKind)),
        contribution_kinds=_listed(list(kind)),
        panel_kinds=_listed([kind.panel_remark, kind.panel_closing]),
        speaker_roles=" ".join(f"WHEN '{k.value}' THEN '{r.value}'" for k, r in model.SPEAKER_ROLES.items()),
        details="".join(f"\n    {detail.field} TEXT," for detail in model.details()),
        panel_remark=kind.panel_remark.value,
        session_moderator=role.session_moderator.value,
        panel_moderator=role.panel_moderator.value,
        panelist=role.panelist.value,
    )


def schema() -> str:
    """The DDL, with its vocabulary (CHECKs, the roles a view names) filled in from the model's, where it is defined."""
    return SCHEMA.format(**_vocabulary())


def create_schema(connection: Any, *, congress: bool = False) -> None:
    """Create every table, index and view of a cbiic export on an empty database: a forum's, or with ``congress``, a
    congress's (``congress_schema``)."""
    connection.executescript(congress_schema() if congress else schema())
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def is_cbiic_database(header: bytes) -> bool:
    """Whether a file's first 100 bytes are those of a SQLite database written by a cbiic export."""
    return len(header) >= 72 and header.startswith(SQLITE_HEADER) and int.from_bytes(header[68:72], "big") == APPLICATION_ID


# -- a congress of several forums ------------------------------------------------------------------------------------
#
# The same tables, each with a leading `forum` column, since ids are unique only within a forum: every key becomes
# (forum, key), every reference (forum, reference), every index (forum, column). `congress_schema` derives them from
# SCHEMA, so a table or column added there is in both. Each forum's `forum` and `source` rows become its row of
# `forums`; `contributions.seq` stays the one integer key the full-text index points at, numbered across the congress.
# The views are written again below, since a join must now match the forum too.

CONGRESS_TABLES = """
CREATE TABLE forums (
    id                     TEXT PRIMARY KEY,
    seq                    INTEGER NOT NULL UNIQUE,
    file                   TEXT NOT NULL,
    name                   TEXT NOT NULL,
    conference             TEXT NOT NULL,
    date                   TEXT NOT NULL,
    city                   TEXT NOT NULL,
    participants           TEXT,
    organisers_as_written  TEXT NOT NULL,
    organisers_note_id     INTEGER,
    article_title          TEXT NOT NULL,
    article_published      TEXT NOT NULL,
    article_file           TEXT NOT NULL,
    article_line_numbering TEXT NOT NULL,
    FOREIGN KEY (id, organisers_note_id) REFERENCES notes(forum, id)
);
CREATE INDEX forums_organisers_note ON forums(id, organisers_note_id);

CREATE TABLE congress (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    name         TEXT NOT NULL,
    year         INTEGER NOT NULL,
    city         TEXT NOT NULL,
    source_forum TEXT REFERENCES forums(id)
);
CREATE INDEX congress_source_forum ON congress(source_forum);
CREATE TABLE congress_citations (
    article_line INTEGER PRIMARY KEY CHECK (article_line >= 1)
)"""

PERSON_LINKS = """
CREATE TABLE person_same_as (
    forum       TEXT NOT NULL REFERENCES forums(id),
    person_slug TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    same_forum  TEXT NOT NULL,
    same_slug   TEXT NOT NULL,
    PRIMARY KEY (forum, person_slug, seq),
    FOREIGN KEY (forum, person_slug) REFERENCES people(forum, slug),
    FOREIGN KEY (same_forum, same_slug) REFERENCES people(forum, slug)
);
CREATE INDEX person_same_as_same ON person_same_as(same_forum, same_slug)"""

CONGRESS_VIEWS = """
CREATE VIEW citations AS
    SELECT forum, 'forum' AS item_type, about AS item_id, article_line FROM forum_citations
    UNION ALL SELECT forum, 'organisation', organisation_id, article_line FROM organisation_citations
    UNION ALL SELECT forum, 'person', person_slug, article_line FROM person_citations
    UNION ALL SELECT forum, 'session', session_id, article_line FROM session_citations
    UNION ALL SELECT forum, 'panel', panel_id, article_line FROM panel_citations
    UNION ALL SELECT forum, 'contribution', contribution_id, article_line FROM contribution_citations
    UNION ALL SELECT forum, 'note', CAST(note_id AS TEXT), article_line FROM note_citations
    UNION ALL SELECT forum, 'glossary', CAST(glossary_seq AS TEXT), article_line FROM glossary_citations;

CREATE VIEW person_roles AS
    WITH named(forum, person_slug, reference_id, role, item_id) AS (
        SELECT forum, speaker_slug, speaker_reference_id,
               CASE kind {speaker_roles} END,
               id
          FROM contributions WHERE kind != '{panel_remark}'
        UNION ALL SELECT forum, moderator_slug, moderator_reference_id, '{session_moderator}', id FROM sessions
        UNION ALL SELECT forum, moderator_slug, moderator_reference_id, '{panel_moderator}', id FROM panel
        UNION ALL SELECT forum, person_slug, NULL, '{panelist}', panel_id FROM panelists
    )
    SELECT forum, person_slug, role, item_id, 'stated' AS attribution FROM named WHERE person_slug IS NOT NULL
    UNION
    SELECT named.forum, candidates.person_slug, named.role, named.item_id, 'possible'
      FROM named JOIN uncertain_reference_candidates AS candidates
        ON candidates.forum = named.forum AND candidates.reference_id = named.reference_id;

CREATE VIEW contributions_overview AS
    SELECT c.seq, c.forum, c.id, c.kind, c.title, c.topic,
           COALESCE(p.name, r.as_written) AS speaker,
           c.speaker_slug,
           (SELECT json_group_array(person_slug) FROM
               (SELECT person_slug FROM uncertain_reference_candidates
                 WHERE forum = c.forum AND reference_id = c.speaker_reference_id ORDER BY seq)) AS speaker_candidates,
           (SELECT json_group_array(theme_id) FROM
               (SELECT theme_id FROM contribution_themes WHERE forum = c.forum AND contribution_id = c.id ORDER BY seq)) AS themes,
           (SELECT json_group_array(organisation_id) FROM
               (SELECT organisation_id FROM organisation_mentions
                 WHERE forum = c.forum AND contribution_id = c.id ORDER BY seq)) AS organisations_mentioned,
           (SELECT json_group_array(article_line) FROM
               (SELECT article_line FROM contribution_citations
                 WHERE forum = c.forum AND contribution_id = c.id ORDER BY article_line)) AS article_lines,
           c.summary
      FROM contributions AS c
      LEFT JOIN people AS p ON p.forum = c.forum AND p.slug = c.speaker_slug
      LEFT JOIN uncertain_references AS r ON r.forum = c.forum AND r.id = c.speaker_reference_id;

CREATE VIEW linked_people AS
    -- same_as as the curator writes it, at one end or both: read both ways, and followed through.
    WITH RECURSIVE link(forum, person_slug, same_forum, same_slug) AS (
        SELECT forum, person_slug, same_forum, same_slug FROM person_same_as
        UNION SELECT same_forum, same_slug, forum, person_slug FROM person_same_as
    ),
    reached(forum, person_slug, same_forum, same_slug) AS (
        SELECT * FROM link
        UNION SELECT reached.forum, reached.person_slug, link.same_forum, link.same_slug
          FROM reached JOIN link ON link.forum = reached.same_forum AND link.person_slug = reached.same_slug
    )
    SELECT forum, person_slug, same_forum, same_slug FROM reached
     WHERE NOT (forum = same_forum AND person_slug = same_slug);
"""

# The forum's tables that become one row of `forums` per forum, and the one key that stays a single integer.
_FOLDED_INTO_FORUMS = ("source", "forum")
_ROWID_KEYS = {("contributions", "seq")}
_PLAIN = ("cbiic_export",)  # about the file, not a forum: no forum column

# What each table and view of a congress holds: the forum's (each now of every forum), and the congress's own.
CONGRESS_DESCRIPTIONS = {
    **{name: text for name, text in DESCRIPTIONS.items() if name not in _FOLDED_INTO_FORUMS},
    "forums": (
        "Every forum of the congress, in the congress's order (seq: by date, then id): its file, its name, the conference, "
        "date and city its article gives, its organisers as the article writes them, and the article every fact of the forum "
        "comes from (its text is not included). Every other table says which forum a row is of in its forum column."
    ),
    "congress": "The congress's name, year and city, from congress.yaml, and the forum whose article states them.",
    "congress_citations": "Lines of the source_forum's article that state the congress's facts.",
    "person_same_as": (
        "The same person in another forum, as the curator writes it (same_as, at one end or both); never inferred from a shared name."
    ),
    "linked_people": "Each person and the same person in another forum: person_same_as read both ways and followed through.",
}


def congress_schema() -> str:
    """The DDL of a congress of several forums, derived from the forum's (see above)."""
    statements = []
    for statement in schema().split(";\n"):
        body = statement.lstrip("\n")
        gap = statement[: len(statement) - len(body)]  # the blank lines that group the statements, kept
        table = re.match(r"CREATE TABLE (\w+) \(", body)
        index = re.match(r"CREATE INDEX (\w+) ON (\w+)\((.*)\)$", body, re.S)
        of = table.group(1) if table else index.group(2) if index else None
        if of in _FOLDED_INTO_FORUMS:
            if table and of == _FOLDED_INTO_FORUMS[0]:
                statements.append(CONGRESS_TABLES)
        elif table and of not in _PLAIN:
            statements.append(gap + _with_forum(table.group(1), body))
        elif index:
            statements.append(f"{gap}CREATE INDEX {index.group(1)} ON {index.group(2)}(forum, {index.group(3)})")
            if index.group(1) == "affiliations_organisation":
                statements.append(PERSON_LINKS)
        elif not body.startswith("CREATE VIEW") and body.strip():
            statements.append(statement)
    return ";\n".join(statements) + ";\n" + CONGRESS_VIEWS.format(**_vocabulary())


def _with_forum(table: str, statement: str) -> str:
    """``CREATE TABLE`` with a leading ``forum`` column, each key, uniqueness and reference taken with the forum."""
    head, _, rest = statement.partition("(\n")
    lines = [line.rstrip(",") for line in rest.rsplit("\n)", 1)[0].split("\n")]
    # Aligned with the table's own columns, as the rest of the DDL is.
    width = max(len("forum") + 1, len(lines[0]) - len(lines[0][4:].split(None, 1)[1]) - 4)
    columns = [f"    {'forum'.ljust(width)}TEXT NOT NULL REFERENCES forums(id)"]
    constraints = []
    for line in lines:
        name = line.split()[0]
        if name in ("PRIMARY", "FOREIGN", "CHECK", "UNIQUE"):  # a table constraint
            line = re.sub(r"^(\s*(?:PRIMARY KEY|FOREIGN KEY|UNIQUE) \()", r"\1forum, ", line)
            constraints.append(re.sub(r"REFERENCES (\w+)\(", r"REFERENCES \1(forum, ", line))
            continue
        if (table, name) not in _ROWID_KEYS:
            if " PRIMARY KEY" in line:
                line = line.replace(" PRIMARY KEY", "" if " NOT NULL" in line else " NOT NULL")
                constraints.append(f"    PRIMARY KEY (forum, {name})")
            if " UNIQUE" in line:
                line = line.replace(" UNIQUE", "")
                constraints.append(f"    UNIQUE (forum, {name})")
        reference = re.search(r" REFERENCES (\w+)\((\w+)\)", line)
        if reference:
            line = line.replace(reference.group(0), "")
            constraints.append(f"    FOREIGN KEY (forum, {name}) REFERENCES {reference.group(1)}(forum, {reference.group(2)})")
        columns.append(line)
    return f"{head}(\n" + ",\n".join(columns + constraints) + "\n)"
