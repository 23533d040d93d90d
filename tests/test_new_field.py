"""A new field on a talk is one edit: declared in the model as a detail, it reaches every format, both exports, search,
the schema and ``validate --source`` with nothing else written.

The test makes that edit to a copy of the installed package (a ``venue`` on Talk, in the article's words) and
runs the copy as cbiic on the shipped forum with a venue given to one talk.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import ARTICLE, NO_ARTICLE, shipped_text

TALK = "zheng-limin-myeloid-cells"
# The one edit: a field on Talk, marked as a detail (model.detail).
FIELD = '    venue: Annotated[Text | None, detail("Venue", "article", "where the talk was given, as the article names it")] = None\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    import cbiic_cli

    root = tmp_path_factory.mktemp("new-field")
    shutil.copytree(Path(cbiic_cli.__file__).parent, root / "cbiic_cli", ignore=shutil.ignore_patterns("__pycache__"))
    model = root / "cbiic_cli" / "model.py"
    text = model.read_text(encoding="utf-8")
    anchor = "class Talk(_Contribution, frozen=True, kw_only=True):\n"
    assert text.count(anchor) == 1
    model.write_text(text.replace(anchor, anchor + FIELD), encoding="utf-8")
    return root


def venue_on_its_line() -> str:
    """Words that are on the talk's cited line, so the venue holds to the article (a test value, never shipped data)."""
    if ARTICLE is None:
        return "Guangzhou"
    lines = ARTICLE.read_text(encoding="utf-8").splitlines()
    return " ".join(lines[11 - 1].split()[:4])


@pytest.fixture(scope="module")
def forum(site) -> Path:
    text = shipped_text()
    anchor = f"  - id: {TALK}\n"
    assert text.count(anchor) == 1
    path = site / "forum.yaml"
    path.write_text(text.replace(anchor, anchor + f"    venue: {json.dumps(venue_on_its_line())}\n"), encoding="utf-8")
    return path


def cbiic(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(site), "CBIIC_NO_CACHE": "1", "NO_COLOR": "1", "COLUMNS": "100", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-c", "from cbiic_cli.fast import main; main()", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (args, result.stderr)
    return result


def test_every_format_shows_it(site, forum):
    venue = venue_on_its_line()
    data = ["--data", str(forum)]
    assert f"Venue: {venue}" in cbiic(site, *data, "talk", TALK).stdout
    assert f"Venue: {venue}" in cbiic(site, *data, "talk", TALK, "-f", "markdown").stdout
    assert json.loads(cbiic(site, *data, "talk", TALK, "-f", "json").stdout)[0]["venue"] == venue
    (row,) = csv.DictReader(io.StringIO(cbiic(site, *data, "talk", TALK, "-f", "csv").stdout))
    assert row["venue"] == venue
    others = json.loads(cbiic(site, *data, "speaker", "luo-dan", "-f", "json").stdout)["contributions"]
    assert others and all(item["venue"] is None for item in others)


def test_both_exports_and_the_report_carry_it(site, forum, tmp_path):
    venue = venue_on_its_line()
    data = ["--data", str(forum)]
    document = json.loads(cbiic(site, *data, "export", "json", "-").stdout)
    assert {item["id"]: item["venue"] for item in document["contributions"]}[TALK] == venue
    cbiic(site, *data, "export", "sqlite", str(tmp_path / "forum.db"))
    with sqlite3.connect(tmp_path / "forum.db") as connection:
        assert connection.execute("SELECT venue FROM contributions WHERE id = ?", (TALK,)).fetchone() == (venue,)
    connection.close()
    cbiic(site, *data, "export", "html", str(tmp_path / "forum.html"))
    assert "Venue:</span> " + venue in (tmp_path / "forum.html").read_text(encoding="utf-8")


def test_search_finds_it_and_the_schemas_describe_it(site, forum):
    venue = venue_on_its_line()
    word = max(venue.split(), key=len).strip(",.")
    hits = json.loads(cbiic(site, "--data", str(forum), "search", word, "--limit", "0", "-f", "json").stdout)
    assert any(hit["id"] == TALK and hit["field"] == "venue" for hit in hits), hits
    schema = json.loads(cbiic(site, "schema").stdout)
    assert "venue" in schema["$defs"]["Talk"]["properties"]


def test_validate_holds_it_to_the_article(site, forum, tmp_path):
    if ARTICLE is None:
        pytest.skip(NO_ARTICLE)
    article = str(ARTICLE)
    assert cbiic(site, "--data", str(forum), "validate", "--source", article).returncode == 0
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(forum.read_text(encoding="utf-8").replace(json.dumps(venue_on_its_line()), '"Hall Nowhere"'), encoding="utf-8")
    env = {"PYTHONPATH": str(site), "CBIIC_NO_CACHE": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-c", "from cbiic_cli.fast import main; main()", "--data", str(wrong), "validate", "--source", article]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0 and "venue" in result.stderr + result.stdout
