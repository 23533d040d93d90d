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

# Far above what the budget allows a query (a fraction of a second here), far below "hangs until it is killed".
BOUND_SECONDS = 20

ENDLESS = "WITH RECURSIVE endless(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM endless)"
HOSTILE = {
    "records": f"""DROP TABLE store_records;
        CREATE VIEW store_records(kind, key, seq, rank, body, digest) AS
        {ENDLESS} SELECT 'person', 'p' || n, n, n, x'00', x'00' FROM endless;""",
    "identity": f"""ALTER TABLE store_identity RENAME TO kept;
        CREATE VIEW store_identity(name, value) AS {ENDLESS} SELECT 'x' || n, n FROM endless WHERE n < 0
        UNION ALL SELECT name, value FROM kept;""",
    "search": f"""DROP TABLE store_search_terms;
        CREATE VIEW store_search_terms(term, document, words, classified) AS
        {ENDLESS} SELECT 'x', n, 1.0, 0.0 FROM endless;""",
}


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
    # A process of its own, so that a store that hangs it fails the test instead of hanging the suite.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("cbiic")), "--data", str(forum), *args],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, expected.stdout, "")
