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


def create_schema(connection: Any) -> None:
    """Create every table, index and view of a cbiic export on an empty database."""
    connection.executescript(schema())
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def is_cbiic_database(header: bytes) -> bool:
    """Whether a file's first 100 bytes are those of a SQLite database written by a cbiic export."""
    return len(header) >= 72 and header.startswith(SQLITE_HEADER) and int.from_bytes(header[68:72], "big") == APPLICATION_ID
