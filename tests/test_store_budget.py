"""Every query against the query store has a budget: a store whose tables became endless views answers from the file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import invoke, shipped_text, write_forum

from cbiic_cli.store import schema

# Far above what the budget allows a query (a fraction of a second here), far below "hangs until it is killed".
BOUND_SECONDS = 20

ENDLESS = "WITH RECURSIVE endless(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM endless)"
COLUMNS = "kind, key, seq, rank, next, body, body_digest, digest"
HOSTILE = {
    "records": f"""DROP TABLE store_records;
        CREATE VIEW store_records({COLUMNS}) AS
        {ENDLESS} SELECT 'person', 'p' || n, n, n, NULL, x'00', x'00', x'00' FROM endless;""",
    "kept records": f"""ALTER TABLE store_records RENAME TO kept;
        CREATE VIEW store_records({COLUMNS}) AS {ENDLESS} SELECT 'x', 'x' || n, n, n, NULL, x'', x'', x'' FROM endless WHERE n < 0
        UNION ALL SELECT {COLUMNS} FROM kept;""",
    "search": f"""ALTER TABLE store_records RENAME TO kept;
        CREATE VIEW store_records({COLUMNS}) AS {ENDLESS} SELECT {COLUMNS} FROM kept
        UNION ALL SELECT 'term', 'x' || n, n, NULL, NULL, x'', x'', x'' FROM endless;""",
}


def run_bounded(forum: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """cbiic in a process of its own, so that a store that hangs it fails the test instead of hanging the suite."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("cbiic")), "--data", str(forum), *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        check=False,
    )


@pytest.mark.parametrize("table", sorted(HOSTILE))
@pytest.mark.parametrize("args", [["speakers", "-f", "json"], ["search", "Luo", "Dan", "-f", "json"]], ids=" ".join)
def test_a_store_with_an_endless_view_answers_from_the_file(tmp_path, monkeypatch, table, args):
    forum = write_forum(tmp_path, shipped_text())
    os.utime(forum, (time.time() - 60, time.time() - 60))  # an old file: its store is trusted without re-reading it
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    expected = invoke("--data", str(forum), "--no-cache", *args)
    assert expected.exit_code == 0, expected.stderr
    assert invoke("--data", str(forum), "themes").exit_code == 0  # builds the store
    (built,) = (cache / "cbiic").glob("*.sqlite")
    with sqlite3.connect(built) as connection:
        connection.executescript(HOSTILE[table])
    connection.close()
    result = run_bounded(forum, args)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected.stdout, "")


# The adversary's stores (issue 21, re-run against 3ba720e): each table a search or view reads renamed, and a view in its
# place that keeps every row (the identity too, so the store is accepted) behind a condition costly to evaluate.
# A step budget never fires on the last two: one instruction of a built-in function does unbounded work.
SLOW = {
    "counting": "(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000) SELECT count(*) FROM c) > 0",
    "instr": "instr(printf('%.*c', 20000000, 'a'), printf('%.*c', 20000, 'a') || 'b') >= 0",
    "replace": "length(replace(replace(replace(printf('%.*c', 100000000, 'a'), 'a', 'aa'), 'a', 'aa'), 'a', 'aa')) > 0",
}
VIEWED = ["store_records"]


def _built_store(tmp_path, monkeypatch):
    forum = write_forum(tmp_path, shipped_text(), name="st.yaml")
    os.utime(forum, (time.time() - 60, time.time() - 60))  # an old file: its store is trusted without re-reading it
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(forum), "speakers").exit_code == 0  # builds the store
    (built,) = (cache / "cbiic").glob("*.sqlite")
    return forum, built


def _alter(built, script):
    with sqlite3.connect(built) as connection:
        connection.executescript(script)
    connection.close()


def _schema_names(path):
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    finally:
        connection.close()


@pytest.mark.parametrize("slow", sorted(SLOW))
@pytest.mark.parametrize("args", [["speakers"], ["search", "tumor"], ["talk", "zheng-limin"]], ids=" ".join)
def test_a_store_of_views_with_costly_conditions_answers_from_the_file_and_is_not_used_again(tmp_path, monkeypatch, slow, args):
    forum, built = _built_store(tmp_path, monkeypatch)
    expected = invoke("--data", str(forum), "--no-cache", *args)
    assert expected.exit_code == 0, expected.stderr
    _alter(
        built,
        "".join(
            f"ALTER TABLE {name} RENAME TO {name}_real; CREATE VIEW {name} AS SELECT * FROM {name}_real WHERE {SLOW[slow]};"
            for name in VIEWED
        ),
    )
    started = time.monotonic()
    result = run_bounded(forum, args)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected.stdout, "")
    assert time.monotonic() - started < BOUND_SECONDS / 2
    # Deleted; the store a later query finds (built afresh in the background, if that has finished) is a true one.
    assert not built.exists() or not any(name.endswith("_real") for name in _schema_names(built))


SCHEMA_CHANGES = {
    "trigger": "CREATE TRIGGER store_touched AFTER UPDATE ON store_records BEGIN SELECT 1; END;",
    "extra table": "CREATE TABLE store_extra (x);",
    "expression index": "CREATE INDEX store_records_length ON store_records(length(body));",
    "generated column": "ALTER TABLE store_records ADD COLUMN extra GENERATED ALWAYS AS (length(printf('%.*c', 1000, 'a'))) VIRTUAL;",
    "view in a table's place": "ALTER TABLE store_records RENAME TO kept; CREATE VIEW store_records AS SELECT * FROM kept;",
    "a table of another shape": """ALTER TABLE store_records RENAME TO kept;
        CREATE TABLE store_records (kind TEXT, key TEXT, seq INTEGER, rank INTEGER, next TEXT, body BLOB, body_digest BLOB, digest BLOB);
        INSERT INTO store_records SELECT * FROM kept; DROP TABLE kept;""",
    "an index dropped": "DROP INDEX store_records_rank;",
}


@pytest.mark.parametrize("change", sorted(SCHEMA_CHANGES))
def test_a_store_whose_schema_the_build_did_not_make_is_damage(tmp_path, monkeypatch, change):
    forum, built = _built_store(tmp_path, monkeypatch)
    expected = invoke("--data", str(forum), "--no-cache", "speakers", "-f", "json")
    _alter(built, SCHEMA_CHANGES[change])
    from cbiic_cli import store

    assert store.open_index(str(forum)) is None
    assert not built.exists(), "the store was kept"
    result = invoke("--data", str(forum), "speakers", "-f", "json")
    assert (result.exit_code, result.stdout) == (0, expected.stdout)


def test_a_built_store_has_the_schema_on_record(tmp_path, monkeypatch):
    """If this fails, the schema changed (store/schema.py's SCHEMA) or SQLite words it otherwise: set
    schema.SCHEMA_DIGEST to schema.built_schema_digest().hex(), or every use of a store makes the schema in memory."""
    _, built = _built_store(tmp_path, monkeypatch)
    connection = sqlite3.connect(built)
    try:
        found = schema.schema_digest(connection)
    finally:
        connection.close()
    assert found == schema.built_schema_digest()
    assert found == schema.SCHEMA_DIGEST, f"schema.SCHEMA_DIGEST is out of date: {found.hex()}"


def _budgeted(monkeypatch, seconds):
    monkeypatch.setattr(schema, "BUSY_SECONDS", seconds)
    monkeypatch.setattr(schema, "STATEMENT_STEPS", 10**15)  # only time can stop it
    connection = sqlite3.connect(":memory:")
    schema.budget(connection, 100_000)
    return connection


def test_a_statement_runs_out_of_seconds_before_it_runs_out_of_steps(monkeypatch):
    connection = _budgeted(monkeypatch, 0.3)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupt"):
        connection.execute("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c").fetchone()
    assert time.monotonic() - started < 5


def test_no_value_may_be_longer_than_the_store(monkeypatch):
    connection = _budgeted(monkeypatch, 3.0)  # a store of 100,000 bytes: values up to schema.LENGTH_FLOOR
    assert connection.execute("SELECT length(printf('%.*c', 20000000, 'a'))").fetchone() == (None,)  # printf gives up
    with pytest.raises(sqlite3.DataError):
        connection.execute("SELECT length(replace(printf('%.*c', 900000, 'a'), 'a', 'aa'))").fetchone()
    assert connection.execute("SELECT length(printf('%.*c', 100000, 'a'))").fetchone() == (100_000,)


def test_time_a_reader_takes_between_rows_is_not_the_stores(monkeypatch):
    connection = _budgeted(monkeypatch, 0.2)
    rows = connection.execute("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 20000) SELECT n FROM c")
    read = 0
    while batch := rows.fetchmany(2000):
        read += len(batch)
        time.sleep(0.06)  # a slow pipe: ten of these are well past the budget, none of it SQLite's
    assert read == 20_000
