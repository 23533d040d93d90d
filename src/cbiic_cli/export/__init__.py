"""Exports of the whole forum: a SQLite database, one JSON document, one HTML report.

Each format is a module of its own (``sqlite``, ``json``, ``html``); ``ddl`` holds
the database schema so that other code can create or read the same tables, and
``common`` what every format shares: the contributions in the order the article
reports them, and writing a file atomically without clobbering a stranger's.

Nothing here is imported by ``cbiic --help``: the CLI imports a format's module
inside its command, and each module imports sqlite3, jinja2 or msgspec inside
its functions or at its own top, never at the package's.
"""
