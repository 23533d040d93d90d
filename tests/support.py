"""Helpers shared by the CLI tests: run cbiic in-process on the shipped or a modified forum."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cbiic_cli.cli import app
from cbiic_cli.load import default_data_path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = default_data_path()


# One command line of each kind on the shipped forum, for tests that go through every output of every command.
# The speaker is the Sun Yat-sen Ma Jun: his rows include one only possibly his.
ONE_OF_EACH_COMMAND = {
    "speakers": ["speakers"],
    "speaker": ["speaker", "ma-jun-sysucc"],
    "talk": ["talk", "zheng-limin"],
    "panel": ["talk", "panel"],
    "theme": ["theme", "insurance"],
    "themes": ["themes"],
    "agenda": ["agenda"],
    "summary": ["summary"],
    "search": ["search", "insurance"],
    "orgs": ["orgs"],
}


def shipped_text() -> str:
    return SHIPPED.read_text(encoding="utf-8")


def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):
    """Run cbiic in-process; stdout and stderr stay separate, as a script would see them."""
    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def write_forum(tmp_path: Path, text: str, name: str = "forum.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replace_once(text: str, old: str, new: str) -> str:
    """Edit the shipped forum in one place, failing loudly if the anchor text moved."""
    assert text.count(old) == 1, f"anchor {old!r} found {text.count(old)} times"
    return text.replace(old, new)


TSV_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def unescape(field: str) -> str:
    """Linear TSV back to the text: \\t, \\n, \\r and \\\\ are the only escapes."""
    return re.sub(r"\\(.)", lambda match: TSV_ESCAPES[match.group(1)], field)


def tsv_records(text: str) -> list[list[str]]:
    assert text.endswith("\n")
    return [line.split("\t") for line in text[:-1].split("\n")]


def json_strings(value: Any) -> list[str]:
    """Every string anywhere in a parsed JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in json_strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in json_strings(item)]
    return []


def find_article() -> Path | None:
    """The source article, which the project cites but never ships: CBIIC_ARTICLE, or ../shared/source beside the checkout."""
    import os

    candidates = [os.environ.get("CBIIC_ARTICLE", "")]
    candidates += [str(parent / "shared" / "source" / "000_129630b01c31d745.txt") for parent in REPO.parents]
    return next((Path(c) for c in candidates if c and Path(c).is_file()), None)


ARTICLE = find_article()
NO_ARTICLE = "the source article is not here (set CBIIC_ARTICLE to its path, or keep ../shared/source/ beside the checkout)"


def generated_forum(directory: Path, talks: int, seed: int) -> Path:
    """A forum from benchmarks/make_forum.py: many talks, so that search has more hits than it shows."""
    path = directory / "forum.yaml"
    path.write_text(_generated_text(talks, seed), encoding="utf-8")
    return path


@functools.cache
def _generated_text(talks: int, seed: int) -> str:
    """Made once per test process: several tests ask for the same generated forum."""
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_forum

    return make_forum.make_forum(talks, seed)


def reseal(connection, kind: str, key: str, body: bytes) -> None:
    """Rewrite one record of a query store with ``body`` and checksums that match it: what only a forger could do."""
    from cbiic_cli.store.records import seal, store_seal

    seq, rank, following = connection.execute(
        "SELECT seq, rank, next FROM store_records WHERE kind = ? AND key = ?", (kind, key)
    ).fetchone()
    (identity,) = connection.execute("SELECT body FROM store_records WHERE kind = 'identity'").fetchone()
    *_, body, body_digest, checksum = seal(kind, key, seq, rank, following, body, b"" if kind == "identity" else store_seal(identity))
    connection.execute(
        "UPDATE store_records SET body = ?, body_digest = ?, digest = ? WHERE kind = ? AND key = ?",
        (body, body_digest, checksum, kind, key),
    )


# The second forum of the test congress: made from the shipped one, with its own id, name and date, every id
# otherwise the same (so a bare id is in both forums), and one person renamed and linked to the first by same_as.
SECOND_FORUM = "second-forum"
RENAMED = ("zheng-limin", "zheng-l")


def make_congress(directory: Path) -> Path:
    """A congress of two forums, in ``directory``: the shipped forum and a second made from it, with congress.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    first = shipped_text()
    (directory / "forum.yaml").write_text(first, encoding="utf-8")
    second = replace_once(first, "\nid: oncology-drugs\n", f"\nid: {SECOND_FORUM}\n")
    second = replace_once(second, "  name: Oncology Drugs Clinical Research Forum\n", "  name: Second Test Forum\n")
    old, new = RENAMED
    second = second.replace(old, new)
    second = replace_once(second, f"  - slug: {new}\n", f"  - slug: {new}\n    same_as: [oncology-drugs/{old}]\n")
    (directory / "second.yaml").write_text(second, encoding="utf-8")
    congress = (REPO / "data" / "congress.yaml").read_text(encoding="utf-8")
    entry = congress[congress.index("  - file: forum.yaml") :]
    (directory / "congress.yaml").write_text(congress + entry.replace("file: forum.yaml", "file: second.yaml"), encoding="utf-8")
    return directory


def sql_damage(script: str):
    """A damage for the store at a path: ``script``'s SQL run on it (a record deleted, swapped, edited)."""
    import sqlite3

    def damage(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            connection.executescript(script)
        connection.close()

    return damage
