"""What generates the examples in README.md and docs/*.md: real runs of cbiic, pasted by cog.

Regenerate with:
    PYTHONPATH=src python -m cogapp -I docs -p "from cog_readme import *" -r README.md docs/*.md
and tests/test_docs.py fails when an example goes stale. Runs use a private
cache, 100 columns, no colour, and the shipped forum.
"""

from __future__ import annotations

import shlex
import tempfile

import cog
from typer.testing import CliRunner

from cbiic_cli.cli import app

CACHE = tempfile.mkdtemp()
__all__ = [
    "show",
    "show_congress",
    "show_curators_path",
    "show_facets",
    "show_sql_examples",
    "show_sqlite_schema",
    "show_sqlite_tables",
    "show_validate_examples",
]


def show(*args: str, lines: int | None = None, columns: int = 100, last: int = 0) -> None:
    """The command and its output; with ``lines``, only the first ``lines`` and the ``last`` ones."""
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "XDG_CACHE_HOME": CACHE, "CBIIC_DATA": None, "CBIIC_SOURCE": None}
    result = CliRunner().invoke(app, list(args), env=env)
    body = (result.stdout + result.stderr).splitlines()
    if lines and len(body) > lines + last:
        body = body[:lines] + [f"... ({len(body) - lines - last} more lines)"] + body[len(body) - last :]
    cog.outl("```")
    cog.outl("$ cbiic " + " ".join(shlex.quote(a) for a in args))
    for line in body:
        cog.outl(line)
    if result.exit_code:
        cog.outl(f"[exit {result.exit_code}]")
    cog.outl("```")


def show_sql_examples() -> None:
    """Queries a reader of the SQLite export would run, against a fresh export of the shipped forum."""
    import os
    import sqlite3

    database = os.path.join(tempfile.mkdtemp(), "forum.db")
    CliRunner().invoke(app, ["export", "sqlite", database], env={"XDG_CACHE_HOME": CACHE, "CBIIC_DATA": None})
    queries = [
        "SELECT c.id, c.title, c.topic FROM contributions_fts f JOIN contributions c ON c.seq = f.rowid WHERE contributions_fts MATCH 'myeloid OR hospital' ORDER BY rank",
        "SELECT r.as_written, k.person_slug, p.name FROM contributions c JOIN uncertain_references r ON r.id = c.speaker_reference_id "
        "JOIN uncertain_reference_candidates k ON k.reference_id = r.id JOIN people p ON p.slug = k.person_slug WHERE c.id = 'panel-closing'",
        "SELECT t.label, count(*) FROM contribution_themes ct JOIN themes t ON t.id = ct.theme_id GROUP BY t.id ORDER BY count(*) DESC, t.seq LIMIT 3",
    ]
    connection = sqlite3.connect(database)
    for query in queries:
        cog.outl("```")
        cog.outl(f'$ sqlite3 forum.db "{query}"')
        for row in connection.execute(query).fetchall():
            cog.outl("|".join("" if value is None else str(value) for value in row))
        cog.outl("```")


def show_sqlite_schema(congress: bool = False) -> None:
    """The export's tables and views, their columns and foreign keys, from the DDL itself (a congress's, with ``congress``)."""
    import sqlite3

    from cbiic_cli.export import ddl

    schema = sqlite3.connect(":memory:")
    ddl.create_schema(schema, congress=congress)
    descriptions = ddl.CONGRESS_DESCRIPTIONS if congress else ddl.DESCRIPTIONS
    cog.outl("| table or view | columns (→ foreign key) | holds |")
    cog.outl("|---|---|---|")
    listing = "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'contributions_fts_%' ORDER BY rowid"
    for name, kind in schema.execute(listing):
        targets = {
            source: f"{table}.{target or 'rowid'}"
            for _, _, table, source, target, *_ in schema.execute(f"PRAGMA foreign_key_list('{name}')")
            # In a congress every key holds the row's own forum (`id` in `forums`): shown once, as its reference to `forums`.
            if not (congress and source == ("id" if name == "forums" else "forum") and table != "forums")
        }
        columns = [
            f"`{column}` → {targets[column]}" if column in targets else f"`{column}`"
            for (column,) in schema.execute(f"SELECT name FROM pragma_table_info('{name}')")
        ]
        label = f"`{name}`" + (" (view)" if kind == "view" else " (FTS5)" if name == "contributions_fts" else "")
        cog.outl(f"| {label} | {', '.join(columns)} | {descriptions[name]} |")


def show_sqlite_tables() -> None:
    """The export's tables and views by name, in one sentence, from the DDL itself (the full table is in docs/exports.md)."""
    import sqlite3

    from cbiic_cli.export import ddl

    schema = sqlite3.connect(":memory:")
    ddl.create_schema(schema)
    listing = "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'contributions_fts_%' ORDER BY rowid"
    rows = schema.execute(listing).fetchall()
    tables = ", ".join(f"`{name}`" for name, kind in rows if kind == "table")
    views = ", ".join(f"`{name}`" for name, kind in rows if kind == "view")
    cog.outl(f"The database has these tables: {tables}; and these views: {views}.")


def show_facets(congress: bool = False) -> None:
    """The facets the datasette metadata declares, from the table that writes them (a congress's, with ``congress``)."""
    from cbiic_cli.export.sqlite import _CONGRESS_FACETS, _FACETS

    def facet(spec: object) -> str:
        return f"the `{spec['array']}` array" if isinstance(spec, dict) else f"`{spec}`"

    facets = _CONGRESS_FACETS if congress else _FACETS
    parts = [f"`{table}` by {' and '.join(facet(spec) for spec in specs)}" for table, specs in facets.items()]
    cog.outl("The metadata adds table descriptions and these facets: " + "; ".join(parts) + ".")


def show_validate_examples() -> None:
    """`validate` on a good file, a file broken five ways, and a YAML 1.1 number, in a scratch directory."""
    import os
    import pathlib

    from cbiic_cli.load import default_data_path

    shipped = default_data_path().read_text(encoding="utf-8")
    broken = (
        shipped.replace("name: Luo Dan", "name: 42")
        .replace("  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n")
        .replace("  date: 2024-11-30", "  date: 30 November")
        .replace("    kind: laboratory", "    kind: lab")
        .replace("  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]", "  panelists: [xue-junli, luo-dan, xu-junfang]")
    )
    here = os.getcwd()
    os.chdir(tempfile.mkdtemp())
    try:
        pathlib.Path("forum.yaml").write_text(shipped, encoding="utf-8")
        pathlib.Path("broken.yaml").write_text(broken, encoding="utf-8")
        pathlib.Path("numbers.yaml").write_text(
            shipped.replace("    source_paragraphs: [13]\n\n", "    source_paragraphs: [013]\n\n"), encoding="utf-8"
        )
        show("validate", "forum.yaml", "broken.yaml")
        show("validate", "numbers.yaml", "--format", "json")
    finally:
        os.chdir(here)


def show_curators_path(lines: int = 1, whole_draft: bool = False) -> None:
    """`draft`, `validate` and a query on a new forum's article: the made-up one the tests use, as article.txt in a
    scratch directory (the shipped article is not ours to show)."""
    import os
    import pathlib

    article = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "next_forum_article.txt"
    here = os.getcwd()
    os.chdir(tempfile.mkdtemp())
    try:
        pathlib.Path("article.txt").write_text(article.read_text(encoding="utf-8"), encoding="utf-8")
        if whole_draft:
            show("draft", "article.txt", lines=lines)
            return
        show("draft", "article.txt", "-o", "forum.yaml")
        show("validate", "forum.yaml", "--source", "article.txt", lines=lines, last=2)
        show("--data", "forum.yaml", "speakers")
    finally:
        os.chdir(here)


def show_congress(*commands: tuple[str, ...], listing: bool = True) -> None:
    """Queries of a congress of two forums, in a scratch directory: the shipped forum and a second made from it with
    its own id, one person renamed and linked by same_as (tests/support.make_congress, which the tests use too)."""
    import os
    import pathlib
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))
    from support import make_congress

    here = os.getcwd()
    os.chdir(tempfile.mkdtemp())
    try:
        make_congress(pathlib.Path("congress"))
        if listing:
            cog.outl("```")
            cog.outl("$ ls congress/")
            cog.outl("  ".join(sorted(os.listdir("congress"))))
            cog.outl("```")
        for arguments in commands:
            show("--data", "congress", *arguments)
    finally:
        os.chdir(here)
