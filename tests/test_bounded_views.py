"""The whole-forum views (themes, summary, the HTML report's theme map) show at most the default limit's worth of rows
and columns of each dimension, say how many they leave out, and show them all with --limit 0, as the lists do.

At 100,000 talks the theme matrix had 50,000 columns (5 s and 335 MB as a table): these tests hold the shape, and
benchmarks/run.py the time and memory. A bounded view is checked against the whole one cut by hand, never against
itself.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import pytest
from support import generated_forum, invoke

from cbiic_cli.commands import DEFAULT_LIMIT

ALL = "--limit 0 for all"


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """A generated forum with more speakers than the limit (half as many people as talks), and themes each touched by
    more contributions than the limit."""
    return generated_forum(tmp_path_factory.mktemp("crowded"), 12 * DEFAULT_LIMIT, 3)


@pytest.fixture(autouse=True)
def from_the_file(monkeypatch):
    monkeypatch.setenv("CBIIC_NO_CACHE", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")


def run(path, *args: str):
    result = invoke("--data", str(path), *args)
    assert result.exit_code == 0, result.stderr
    return result


def whole_themes(path) -> list[dict]:
    return json.loads(run(path, "themes", "-f", "json", "--limit", "0").stdout)


def matrix(markdown: str) -> tuple[list[str], dict[str, list[bool]]]:
    """The Markdown theme matrix: its column headers, and for each theme which columns are marked."""
    table = markdown.split("**Who touched which theme**", 1)[1].split("\n\n")[1].splitlines()
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in table]
    assert cells[0][0] == "Theme" and set(cells[1]) == {"---"}
    return cells[0][1:], {row[0].strip("`"): [cell == "●" for cell in row[1:]] for row in cells[2:]}


def cut(whole: tuple[list[str], dict[str, list[bool]]], limit: int) -> tuple[list[str], dict[str, list[bool]]]:
    """The whole matrix as a bounded one must show it: its first ``limit`` themes, of the columns touching any of those
    (in the whole matrix's order) the first ``limit``."""
    headers, rows = whole
    themes = list(rows)[:limit]
    touching = [number for number in range(len(headers)) if any(rows[theme][number] for theme in themes)][:limit]
    return [headers[number] for number in touching], {theme: [rows[theme][number] for number in touching] for theme in themes}


def columns_in_all(rows: list[dict]) -> int:
    """How many columns the whole matrix has: every person, and every name the article leaves unidentified."""
    people = {slug for row in rows for slug in row["speakers"]}
    names = {(u["as_written"], *u["candidates"]) for row in rows for u in row["uncertain_speakers"]}
    return len(people) + len(names)


# -- themes ------------------------------------------------------------------------------------------------------


def test_the_matrix_shows_its_first_columns_and_says_how_many_it_leaves_out(crowded):
    every = columns_in_all(whole_themes(crowded))
    assert every > DEFAULT_LIMIT
    said = f"{DEFAULT_LIMIT} of {every:,} speakers in the matrix"
    for fmt in ("table", "markdown"):
        result = run(crowded, "themes", "-f", fmt)
        assert f"{said}; {ALL}" in result.stdout, fmt  # a report pasted elsewhere says it itself
        assert said in result.stderr and result.stderr.rstrip().endswith(ALL)
    table = run(crowded, "themes").stdout
    legend = re.findall(r"^ ?(\d+)  \S", table, re.MULTILINE)
    assert legend == [str(number) for number in range(1, DEFAULT_LIMIT + 1)]
    assert len(matrix(run(crowded, "themes", "-f", "markdown").stdout)[0]) == DEFAULT_LIMIT


def test_limit_0_shows_the_whole_matrix_and_says_nothing_is_left_out(crowded):
    every = columns_in_all(whole_themes(crowded))
    result = run(crowded, "themes", "-f", "markdown", "--limit", "0")
    assert len(matrix(result.stdout)[0]) == every
    assert ALL not in result.stdout + result.stderr


@pytest.mark.parametrize("limit", [1, 3, 7, DEFAULT_LIMIT])
def test_a_bounded_matrix_is_the_whole_matrix_cut_to_its_first_rows_and_columns(crowded, limit):
    whole = matrix(run(crowded, "themes", "-f", "markdown", "--limit", "0").stdout)
    assert matrix(run(crowded, "themes", "-f", "markdown", "--limit", str(limit)).stdout) == cut(whole, limit)


def test_themes_show_their_first_rows_and_say_so(crowded):
    result = run(crowded, "themes", "-n", "5")
    listing = result.stdout.split("Who touched which theme")[0]
    every = [theme["id"] for theme in whole_themes(crowded)]
    assert [line.split()[0] for line in listing.splitlines()[3:] if line and not line.startswith(" ")] == every[:5]
    said = f"5 of {len(every)} themes"
    assert said in result.stdout and said in result.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_each_themes_lists_are_its_first_rows_by_default_and_whole_with_limit_0(crowded, fmt):
    whole = {row["id"]: row for row in whole_themes(crowded)}
    assert max(row["count"] for row in whole.values()) > DEFAULT_LIMIT
    result = run(crowded, "themes", "-f", fmt)
    if fmt == "json":
        rows = json.loads(result.stdout)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in result.stdout.splitlines()]
    else:
        rows = [
            {**row, "count": int(row["count"]), "contributions": row["contributions"].split("\n"), "speakers": row["speakers"].split("\n")}
            for row in csv.DictReader(io.StringIO(result.stdout))
        ]
    assert [row["id"] for row in rows] == list(whole)
    for row in rows:
        assert row["count"] == whole[row["id"]]["count"]  # the count is the whole theme's
        assert row["contributions"] == whole[row["id"]]["contributions"][:DEFAULT_LIMIT]
        assert row["speakers"] == whole[row["id"]]["speakers"][:DEFAULT_LIMIT]
    assert f"each theme's first {DEFAULT_LIMIT} contributions and speakers; {ALL}" in result.stderr
    again = run(crowded, "themes", "-f", fmt, "--limit", "0")
    assert ALL not in again.stderr
    if fmt == "json":
        assert json.loads(again.stdout) == list(whole.values())


def test_a_forum_within_the_limit_is_shown_whole_and_says_nothing(tmp_path):
    small = generated_forum(tmp_path, 4, 3)
    for fmt in ("table", "markdown", "json", "csv"):
        bounded, whole = run(small, "themes", "-f", fmt), run(small, "themes", "-f", fmt, "--limit", "0")
        assert (bounded.stdout, bounded.stderr) == (whole.stdout, whole.stderr)
        assert ALL not in bounded.stderr


# -- names the article leaves unidentified take columns of their own ----------------------------------------------


@pytest.fixture
def unidentified(forum_doc, write_forum):
    """The shipped forum with 30 more talks, each by a name the article would not identify (U00 to U29): U05 to U29
    touch immunotherapy only, then U00 to U04 touch ai and immunotherapy. So the first names met (in ai) come last
    among immunotherapy's, past the limit there."""
    template = forum_doc["talks"][0]
    candidates = ["ma-jun-harbin", "ma-jun-sysucc"]
    for number in [*range(5, 30), *range(5)]:
        talk = copy.deepcopy(template)
        talk["id"] = f"unidentified-{number:02d}"
        talk["speaker"] = {
            "as_written": f"Professor U{number:02d}",
            "candidates": list(candidates),
            "note": {"text": "A name the article does not resolve.", "source_paragraphs": [6]},
        }
        talk["title"] = f"Talk {number:02d}"
        themes = ["ai", "immunotherapy"] if number < 5 else ["immunotherapy"]
        talk["key_points"] = [{"text": f"Point {point} of U{number:02d}.", "themes": list(themes)} for point in range(3)]
        forum_doc["talks"].append(talk)
    return write_forum(forum_doc)


@pytest.mark.parametrize("limit", [2, 12, 13])
def test_names_left_unidentified_are_columns_after_the_people_and_keep_every_mark(unidentified, limit):
    whole = matrix(run(unidentified, "themes", "-f", "markdown", "--limit", "0").stdout)
    assert "Professor U00 (not identified: ma-jun-harbin or ma-jun-sysucc)" in whole[0]
    bounded = matrix(run(unidentified, "themes", "-f", "markdown", "--limit", str(limit)).stdout)
    assert bounded == cut(whole, limit)
    if limit > 10:  # past the people: the first name met, marked on immunotherapy too, where it is the 26th
        headers, rows = bounded
        column = headers.index("Professor U00 (not identified: ma-jun-harbin or ma-jun-sysucc)")
        assert rows["ai"][column] and rows["immunotherapy"][column]


# -- the summary ----------------------------------------------------------------------------------------------------


def test_the_summary_shows_its_first_themes_each_with_its_first_contributions(crowded):
    whole = {row["id"]: row for row in whole_themes(crowded)}
    document = json.loads(run(crowded, "summary", "-f", "json", "-n", "5").stdout)
    assert [theme["id"] for theme in document["themes"]] == list(whole)[:5]
    for theme in document["themes"]:
        assert theme["contributions"] == whole[theme["id"]]["contributions"][:5]
        assert theme["count"] == whole[theme["id"]]["count"]
    for fmt in ("table", "markdown"):
        result = run(crowded, "summary", "-f", fmt, "-n", "5")
        assert f"5 of {len(whole)} themes" in result.stdout and f"5 of {len(whole)} themes" in result.stderr
        assert f"each theme's first 5 contributions and speakers; {ALL}" in result.stderr
    markdown = run(crowded, "summary", "-f", "markdown", "-n", "5").stdout
    first = next(iter(whole.values()))
    assert f"; and {first['count'] - 5:,} more |" in markdown
    whole_summary = json.loads(run(crowded, "summary", "-f", "json", "--limit", "0").stdout)
    assert whole_summary["themes"] == list(whole.values())


def test_the_summarys_rows_do_not_read_the_themes_they_do_not_print(crowded, monkeypatch):
    from cbiic_cli.query import ForumIndex

    printed = run(crowded, "summary", "-f", "csv").stderr
    monkeypatch.setattr(ForumIndex, "theme_tally", lambda *args: pytest.fail("read a theme's tally for rows that hold none"))
    result = run(crowded, "summary", "-f", "csv")
    assert result.stderr == printed and "each theme's first" in printed


# -- the HTML report's theme map ----------------------------------------------------------------------------------


def theme_map(path) -> tuple[int, int, str]:
    """Columns (people and unidentified names) and rows (themes) of the report's theme map, and what follows it."""
    html = path.read_text(encoding="utf-8")
    section = html[html.index('<section id="theme-map"') : html.index("</section>", html.index('<section id="theme-map"'))]
    head, body = section.split("<tbody>")
    return head.count('<th scope="col">') - 1, body.count('<th scope="row">'), section.split("</table>")[1]


def test_the_html_theme_map_shows_its_first_columns_and_says_how_to_see_them_all(crowded, tmp_path):
    people = len(json.loads(run(crowded, "speakers", "-f", "json", "--limit", "0").stdout))
    run(crowded, "export", "html", str(tmp_path / "whole.html"), "--limit", "0")
    themes = len(whole_themes(crowded))
    every, rows, after = theme_map(tmp_path / "whole.html")
    assert every > people > DEFAULT_LIMIT and rows == themes and ALL not in after  # every person, and names left unidentified
    run(crowded, "export", "html", str(tmp_path / "bounded.html"))
    columns, rows, after = theme_map(tmp_path / "bounded.html")
    assert (columns, rows) == (DEFAULT_LIMIT, min(themes, DEFAULT_LIMIT))
    assert f"Shown: {DEFAULT_LIMIT} of {every:,} people in the map; {ALL} (<code>cbiic export html --limit 0 PATH</code>)." in after
    run(crowded, "export", "html", str(tmp_path / "few.html"), "-n", "3")
    columns, rows, after = theme_map(tmp_path / "few.html")
    assert (columns, rows) == (3, 3) and f"3 of {themes} themes and 3 of {every:,} people in the map; {ALL}" in after
