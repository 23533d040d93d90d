"""``cbiic export sqlite``: the whole forum as a normalised SQLite database, plus datasette metadata.

The schema lives in ``ddl``; this module only fills it. Rows are inserted with
``executemany`` in one transaction on a new file beside the target, which then
replaces the target in one rename.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import model
from . import ddl
from .common import (
    CONGRESS_FORMAT,
    FORMAT,
    Congress,
    Target,
    congress_notes,
    contributions,
    forum_notes,
    generator_version,
    starts_like,
    write_together,
)

METADATA_ABOUT = "cbiic export"


def write_database(forum: Any, path: str, *, metadata_path: str | None = None, force: bool = False) -> None:
    """Write ``forum`` (a ``model.Forum``, or a ``Congress`` of several) to a new SQLite database at ``path`` and, if
    asked, datasette's metadata beside it.

    Both are written together: a refused or failed metadata file leaves no new database behind.
    """
    targets = [Target(path, lambda temporary: _fill_or_fail(forum, temporary), _is_export, _DATABASE)]
    if metadata_path is not None:
        text = json.dumps(datasette_metadata(forum, database_name(path)), indent=2, ensure_ascii=False) + "\n"
        targets.append(Target(metadata_path, lambda temporary: temporary.write_text(text, encoding="utf-8"), _is_metadata, _METADATA))
    write_together(targets, force=force)


def database_name(path: str) -> str:
    """The name datasette gives the database at ``path`` (its file name's stem), as text: a name the file system
    allows need not be UTF-8, and what is not is shown as U+FFFD (JSON text holds no undecodable bytes)."""
    import os

    return os.fsencode(Path(path).stem).decode("utf-8", "replace")


def _fill_or_fail(forum: Any, path: Path) -> None:
    import sqlite3

    try:
        _fill(forum, path)
    except sqlite3.Error as error:  # "database or disk is full", "disk I/O error": the disk's failure, said as such
        raise OSError(errno.EIO, str(error)) from None


_DATABASE = "a SQLite database"
_METADATA = "a datasette metadata file"


def _is_export(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return ddl.is_cbiic_database(handle.read(100))
    except OSError:
        return False


def _is_metadata(path: Path) -> bool:
    return starts_like(path, re.compile(rb'\{\s*"about": "' + re.escape(METADATA_ABOUT.encode())))


def _fill(forum: Any, path: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        fill(connection, forum)
        connection.execute("ANALYZE")
    finally:
        connection.close()


def fill(connection: Any, forum: Any) -> None:
    """Create the export's schema on an empty database and load ``forum`` into it: a forum, or a ``Congress``."""
    # The file is private until the rename, so durability per statement buys nothing.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    # Foreign keys are checked once, over every table, after the bulk load (faster than row by row).
    connection.execute("PRAGMA foreign_keys = OFF")
    congress = isinstance(forum, Congress)
    ddl.create_schema(connection, congress=congress)  # executescript commits as it goes, so the schema comes first
    connection.execute("BEGIN")
    for table, rows in _congress_rows(forum) if congress else _rows(forum):
        _insert(connection, table, rows)
    connection.execute("INSERT INTO contributions_fts(contributions_fts) VALUES ('rebuild')")
    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
    if problems:  # the loader checks every reference, so this is a bug, not bad data
        raise RuntimeError(f"export broke a foreign key: {problems[:3]}")
    connection.execute("COMMIT")


def _insert(connection: Any, table: str, rows: Iterable[dict[str, Any]]) -> None:
    rows = list(rows)
    if not rows:
        return
    columns = list(rows[0])
    placeholders = ", ".join(f":{column}" for column in columns)
    # INSERT OR IGNORE: a line cited twice by one item is one citation.
    verb = "INSERT OR IGNORE" if table.endswith("_citations") else "INSERT"
    connection.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _header(format_name: str, notes: list[str]) -> list[dict[str, Any]]:
    """``cbiic_export``'s rows: which cbiic wrote the file, and the caveats, which travel with the file for a reader who
    opens it without its datasette metadata."""
    rows = [
        {"key": "format", "value": format_name},
        {"key": "schema_version", "value": str(ddl.SCHEMA_VERSION)},
        {"key": "generator", "value": generator_version()},
    ]
    return rows + [{"key": f"note-{number}", "value": text} for number, text in enumerate(notes, 1)]


def _rows(forum: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every table's rows, parents before children so foreign keys hold as rows arrive."""
    tables = {"cbiic_export": _header(FORMAT, forum_notes(forum)), **_forum_tables(forum)}
    return _in_order(tables)


def _in_order(tables: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    # Dependency order: a table's rows go in after the rows they reference.
    return sorted(tables.items(), key=lambda entry: _TABLE_ORDER.index(entry[0]))


def _congress_rows(congress: Congress) -> list[tuple[str, list[dict[str, Any]]]]:
    """A congress's rows: each forum's, with its id in ``forum``; its ``forum`` and ``source`` rows as its row of
    ``forums``; its contributions numbered on across the congress (``seq`` is the full-text index's rowid)."""
    tables: dict[str, list[dict[str, Any]]] = {"cbiic_export": _header(CONGRESS_FORMAT, congress_notes(congress)), "forums": []}
    numbered = 0
    for seq, exported in enumerate(congress.forums, 1):
        own = _forum_tables(exported.forum)
        (info,), (source,) = own.pop("forum"), own.pop("source")
        tables["forums"].append(
            {
                "id": exported.id,
                "seq": seq,
                "file": exported.file,
                **{key: value for key, value in info.items() if key != "id"},
                "article_title": source["title"],
                "article_published": source["published"],
                "article_file": source["file"],
                "article_line_numbering": source["line_numbering"],
            }
        )
        for row in own.get("contributions", []):
            numbered += 1
            row["seq"] = numbered
        for table, rows in own.items():
            tables.setdefault(table, []).extend({"forum": exported.id, **row} for row in rows)
    links = tables.setdefault("person_same_as", [])
    present = {(row["forum"], row["slug"]) for row in tables.get("people", [])}
    for exported in congress.forums:
        for person in exported.forum.people:
            # As the curator wrote them; one naming someone who is not in the congress links no one (cbiic speaker agrees).
            targets = [other.partition("/")[::2] for other in person.same_as]
            for number, (there, them) in enumerate((target for target in targets if target in present), 1):
                links.append({"forum": exported.id, "person_slug": person.slug, "seq": number, "same_forum": there, "same_slug": them})
    info = congress.info
    if info is not None:
        files = {exported.file: exported.id for exported in congress.forums}
        facts = info.congress
        tables["congress"] = [
            {"id": 1, "name": facts.name, "year": facts.year, "city": facts.city, "source_forum": files.get(facts.source_forum)}
        ]
        tables["congress_citations"] = [{"article_line": line} for line in dict.fromkeys(facts.source_paragraphs)]
    return _in_order({table: rows for table, rows in tables.items() if rows})


def _forum_tables(forum: Any) -> dict[str, list[dict[str, Any]]]:
    """A forum's rows of every table but ``cbiic_export``, by table."""
    from ..query import item_themes

    tables: dict[str, list[dict[str, Any]]] = {}

    def add(table: str, **row: Any) -> None:
        tables.setdefault(table, []).append(row)

    def note(value: Any) -> int | None:
        if value is None:
            return None
        note_id = len(tables.get("notes", ())) + 1
        add("notes", id=note_id, text=value.text)
        cite("note_citations", "note_id", note_id, value.source_paragraphs)
        return note_id

    def cite(table: str, key: str, value: Any, lines: Iterable[int]) -> None:
        for line in lines:
            add(table, **{key: value, "article_line": line})

    def person_ref(owner: str, field: str, ref: Any) -> tuple[str | None, str | None]:
        """(slug, None) for a person, (None, reference id) for an uncertain reference."""
        if isinstance(ref, str):
            return ref, None
        reference_id = f"{owner}/{field}"
        add("uncertain_references", id=reference_id, as_written=ref.as_written, note_id=note(ref.note))
        for seq, slug in enumerate(ref.candidates, 1):
            add("uncertain_reference_candidates", reference_id=reference_id, seq=seq, person_slug=slug)
        return None, reference_id

    source, info = forum.source, forum.forum
    add("source", id=1, title=source.title, published=source.published, file=source.file, line_numbering=source.paragraph_numbering)
    add(
        "forum",
        id=1,
        name=info.name,
        conference=info.conference,
        date=info.date.isoformat(),
        city=info.city,
        participants=info.participants,
        organisers_as_written=info.organisers.as_written,
        organisers_note_id=note(info.organisers.note),
    )
    for seq, aim in enumerate(info.aims, 1):
        add("forum_aims", seq=seq, text=aim)
    cite("forum_citations", "about", "forum", info.source_paragraphs)
    cite("forum_citations", "about", "organisers", info.organisers.source_paragraphs)

    for seq, organisation in enumerate(forum.organisations, 1):
        add(
            "organisations",
            id=organisation.id,
            seq=seq,
            name=organisation.name,
            kind=organisation.kind.value,
            note_id=note(organisation.note),
        )
        cite("organisation_citations", "organisation_id", organisation.id, organisation.source_paragraphs)
    for seq, person in enumerate(forum.people, 1):
        add("people", slug=person.slug, seq=seq, name=person.name, honorific=person.honorific, note_id=note(person.note))
        cite("person_citations", "person_slug", person.slug, person.source_paragraphs)
        for number, affiliation in enumerate(person.affiliations, 1):
            add(
                "affiliations", person_slug=person.slug, seq=number, organisation_id=affiliation.organisation, position=affiliation.position
            )
    for seq, theme in enumerate(forum.themes, 1):
        add("themes", id=theme.id, seq=seq, label=theme.label, description=theme.description)
        for number, alias in enumerate(theme.aliases, 1):
            add("theme_aliases", theme_id=theme.id, seq=number, alias=alias)
    for seq, entry in enumerate(forum.glossary, 1):
        add("glossary", seq=seq, term=entry.term, note=entry.note)
        for number, expansion in enumerate(entry.expansions, 1):
            add("glossary_expansions", glossary_seq=seq, seq=number, expansion=expansion)
        cite("glossary_citations", "glossary_seq", seq, entry.source_paragraphs)

    for seq, session in enumerate(forum.sessions, 1):
        slug, reference = person_ref(session.id, "moderator", session.moderator)
        add("sessions", id=session.id, seq=seq, name=session.name, moderator_slug=slug, moderator_reference_id=reference)
        cite("session_citations", "session_id", session.id, session.source_paragraphs)
    panel = forum.panel
    if panel is not None:
        slug, reference = person_ref(panel.id, "moderator", panel.moderator)
        add("panel", id=panel.id, title=panel.title, moderator_slug=slug, moderator_reference_id=reference)
        cite("panel_citations", "panel_id", panel.id, panel.source_paragraphs)
        for seq, person in enumerate(panel.panelists, 1):
            add("panelists", panel_id=panel.id, seq=seq, person_slug=person)

    for seq, (kind, item, panel_id) in enumerate(contributions(forum), 1):
        slug, reference = person_ref(item.id, "speaker", item.speaker)
        add(
            "contributions",
            seq=seq,
            id=item.id,
            kind=kind,
            panel_id=panel_id,
            title=getattr(item, "title", None),
            topic=getattr(item, "topic", None),
            speaker_slug=slug,
            speaker_reference_id=reference,
            summary=item.summary,
            key_points_text="\n".join(point.text for point in item.key_points),
            **{detail.field: getattr(item, detail.field, None) for detail in model.details()},
        )
        cite("contribution_citations", "contribution_id", item.id, item.source_paragraphs)
        for number, point in enumerate(item.key_points, 1):
            add("key_points", contribution_id=item.id, seq=number, text=point.text)
            for theme in dict.fromkeys(point.themes):
                add("key_point_themes", contribution_id=item.id, key_point_seq=number, theme_id=theme)
        for number, theme in enumerate(item_themes(item), 1):
            add("contribution_themes", contribution_id=item.id, theme_id=theme, seq=number)
        for number, organisation in enumerate(dict.fromkeys(item.organisations), 1):
            add("organisation_mentions", contribution_id=item.id, organisation_id=organisation, seq=number)
    for session in forum.sessions:
        for seq, talk in enumerate(session.talks, 1):
            add("session_talks", session_id=session.id, seq=seq, contribution_id=talk)

    return tables


_TABLE_ORDER = [
    "cbiic_export",
    "notes",
    "note_citations",
    "source",
    "forum",
    "forums",
    "congress",
    "congress_citations",
    "forum_aims",
    "forum_citations",
    "organisations",
    "organisation_citations",
    "people",
    "person_citations",
    "affiliations",
    "person_same_as",
    "uncertain_references",
    "uncertain_reference_candidates",
    "themes",
    "theme_aliases",
    "glossary",
    "glossary_expansions",
    "glossary_citations",
    "sessions",
    "session_citations",
    "panel",
    "panel_citations",
    "panelists",
    "contributions",
    "contribution_citations",
    "session_talks",
    "key_points",
    "key_point_themes",
    "contribution_themes",
    "organisation_mentions",
]


# -- datasette ----------------------------------------------------------------------

# Facets that answer the usual questions: by theme, kind, organisation and role.
_FACETS: dict[str, list[Any]] = {
    "contributions": ["kind", "speaker_slug"],
    "contributions_overview": ["kind", {"array": "themes"}, {"array": "organisations_mentioned"}],
    "contribution_themes": ["theme_id"],
    "key_point_themes": ["theme_id"],
    "affiliations": ["organisation_id"],
    "organisation_mentions": ["organisation_id"],
    "person_roles": ["role", "attribution"],
    "organisations": ["kind"],
    "citations": ["item_type", "article_line"],
}
_LABEL_COLUMNS = {
    "forums": "name",
    "people": "name",
    "organisations": "name",
    "themes": "label",
    "contributions": "id",
    "uncertain_references": "as_written",
}
_SORT = {"forums": "seq", "contributions": "seq", "people": "seq", "organisations": "seq", "themes": "seq", "sessions": "seq"}


def datasette_metadata(forum: Any, database_name: str) -> dict[str, Any]:
    """datasette's metadata: titles, the source article, table descriptions, facets and search."""
    if isinstance(forum, Congress):
        return _congress_metadata(forum, database_name)
    source, info = forum.source, forum.forum
    source_line = f'"{source.title}" (published {source.published}); the article text is not included'
    return {
        "about": f"{METADATA_ABOUT} (schema {ddl.SCHEMA_VERSION})",
        "title": f"{info.name}: who said what",
        "description": f"{info.conference}, {info.city}, {info.date.isoformat()}. Source: {source_line}.",
        "source": f"{source.title} ({source.published})",
        "databases": {
            database_name: {
                "title": info.name,
                "description": (
                    f"{info.name}, {info.conference}, {info.city}, {info.date.isoformat()}. "
                    f"Every fact comes from one article: {source_line}. "
                    "Citations are line numbers of that article. Search contributions with the search box on the contributions table."
                ),
                "source": f"{source.title} ({source.published})",
                "tables": _tables(ddl.DESCRIPTIONS, _FACETS),
            }
        },
    }


def _tables(descriptions: dict[str, str], facets: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {}
    for table, description in descriptions.items():
        entry: dict[str, Any] = {"description": description}
        if table in facets:
            entry["facets"] = facets[table]
        if table in _LABEL_COLUMNS:
            entry["label_column"] = _LABEL_COLUMNS[table]
        if table in _SORT:
            entry["sort"] = _SORT[table]
        tables[table] = entry
    return tables


# A congress's: every one of them by forum first, and the forums by conference and city.
_CONGRESS_FACETS = {"forums": ["conference", "city", "date"], **{table: ["forum", *facets] for table, facets in _FACETS.items()}}


def _congress_metadata(congress: Congress, database_name: str) -> dict[str, Any]:
    info = congress.info
    count = len(congress.forums)
    name = info.congress.name if info is not None else f"{count:,} forums"
    where = f", {info.congress.city}, {info.congress.year}" if info is not None else ""
    source = f"{count:,} articles, one for each forum (forums.article_title); their text is not included"
    return {
        "about": f"{METADATA_ABOUT} (schema {ddl.SCHEMA_VERSION})",
        "title": f"{name}: who said what",
        "description": f"{count:,} forums of {name}{where}. Source: {source}.",
        "source": source,
        "databases": {
            database_name: {
                "title": name,
                "description": (
                    f"{count:,} forums of {name}{where}, each curated from its own article; citations are line numbers of the "
                    "forum's own article. Ids are unique within a forum, so every table is keyed by forum and id. "
                    "Search contributions with the search box on the contributions table."
                ),
                "source": source,
                "tables": _tables(ddl.CONGRESS_DESCRIPTIONS, _CONGRESS_FACETS),
            }
        },
    }
