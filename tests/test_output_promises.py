"""Issue 19, part 3: outputs that keep their promise.

TSV is one record per line (linear TSV: tab, newline, carriage return and
backslash escaped inside a field), a table never breaks a word, a repeated
option is refused rather than silently replaced, and the shared output options
work before the command name as the README says.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import ONE_OF_EACH_COMMAND, invoke, json_strings, tsv_records, unescape

from cbiic_cli import fast

COMMANDS = ONE_OF_EACH_COMMAND
CBIIC = Path(sys.executable).parent / "cbiic"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def output(*args: str, env: dict[str, str] | None = None) -> str:
    result = invoke(*args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")


# -- TSV: one record per line ----------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("extra", [[], ["--no-headers"], ["--allow-formulas"], ["--fields", "FIRST2"]], ids=" ".join)
def test_every_tsv_line_is_one_record_with_the_same_number_of_fields(name, extra):
    rows = [json.loads(line) for line in output(*COMMANDS[name], "-f", "jsonl").splitlines()]
    if extra[:1] == ["--fields"]:
        extra = ["--fields", ",".join(list(rows[0])[:2])]
    records = tsv_records(output(*COMMANDS[name], "-f", "tsv", *extra))
    width = len(records[0])
    assert all(len(record) == width for record in records)
    assert len(records) == len(rows) + (0 if "--no-headers" in extra else 1)
    for record in records:
        for field in record:
            assert "\r" not in field
            assert re.fullmatch(r"(?:[^\\]|\\[tnr\\])*", field), field  # every backslash starts one of the four escapes


@pytest.mark.parametrize("name", COMMANDS)
def test_unescaping_tsv_gives_back_the_json_values(name):
    rows = [json.loads(line) for line in output(*COMMANDS[name], "-f", "jsonl").splitlines()]
    header, *records = tsv_records(output(*COMMANDS[name], "-f", "tsv", "--allow-formulas"))
    assert header == list(rows[0])
    assert len(records) == len(rows)
    for row, record in zip(rows, records):
        cells = dict(zip(header, map(unescape, record)))
        for key, value in row.items():
            if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
                assert (cells[key].split("\n") if cells[key] else []) == [str(v) for v in value], key
            elif isinstance(value, str):
                assert cells[key] == value, key
            elif value is None:
                assert cells[key] == "", key
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                assert cells[key] == str(value), key


def test_tsv_escapes_tabs_backslashes_and_newlines_in_a_field(forum_doc, write_forum):
    forum_doc["people"][0]["name"] = "Tab\there, back\\slash"
    forum_doc["people"][0]["affiliations"][1]["position"] = "=HYPERLINK(1)"
    path = write_forum(forum_doc)
    header, first, *_ = tsv_records(output("speakers", "--data", str(path), "-f", "tsv"))
    cells = dict(zip(header, first))
    assert cells["name"] == "Tab\\there, back\\\\slash"
    assert unescape(cells["name"]) == "Tab\there, back\\slash"
    positions = unescape(cells["positions"]).split("\n")
    assert len(positions) == 2 and "'=HYPERLINK(1)" in positions  # the formula guard holds on each item
    raw = dict(zip(header, tsv_records(output("speakers", "--data", str(path), "-f", "tsv", "--allow-formulas"))[1]))
    assert "=HYPERLINK(1)" in unescape(raw["positions"]).split("\n")


@pytest.mark.parametrize("name", ["speakers", "speaker", "panel", "theme", "search", "orgs"])
def test_cut_and_awk_see_one_record_per_line(name, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "CBIIC_DATA": ""}
    del env["CBIIC_DATA"]
    rows = [json.loads(line) for line in output(*COMMANDS[name], "-f", "jsonl").splitlines()]
    command = " ".join(COMMANDS[name])
    cut = subprocess.run(f"{CBIIC} {command} -f tsv | cut -f1,2", shell=True, capture_output=True, text=True, env=env, check=True)
    lines = cut.stdout.splitlines()
    assert len(lines) == len(rows) + 1
    first, second = list(rows[0])[:2]
    assert lines[0] == f"{first}\t{second}"
    assert [line.split("\t")[0] for line in lines[1:]] == [str(row[first]) for row in rows]
    awk = subprocess.run(
        f"{CBIIC} {command} -f tsv --no-headers | awk -F'\\t' '{{print NF}}'",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert awk.stdout.split() == [str(len(rows[0]))] * len(rows)


def test_csv_still_holds_list_items_on_lines_inside_quotes():
    import csv
    import io

    text = output("speakers", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows[0]["positions"] == "Vice-Chairman\nDirector"
    assert '"Vice-Chairman\r\nDirector"' not in text and '"Vice-Chairman\nDirector"' in text


# -- tables never break a word ------------------------------------------------------------

TABLE_COMMANDS = [*COMMANDS.values(), ["speaker", "zheng-limin"], ["talk", "luo-dan"], ["theme", "ai"], ["search", "immune"]]
WIDTHS = [40, 60, 80, 100, 140]
_EDGES = "()[]{}\"'“”‘’.,;:!?…—–*•·|─-"


def words(text: str) -> set[str]:
    return {word.strip(_EDGES) for word in text.split()} - {""}


def vocabulary(args: list[str]) -> set[str]:
    """Every word the answer may show: the data's own words, and the table's when nothing wraps."""
    found = words(output(*args, env={"COLUMNS": "1000"}))
    document = json.loads(output(*args, "-f", "json"))
    for text in json_strings(document):
        found |= words(text)
    return found


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=" ".join)
def test_no_word_is_broken_across_lines_at_any_width(args):
    known = vocabulary(args)
    for width in WIDTHS:
        text = output(*args, env={"COLUMNS": str(width)})
        labels = set(re.findall(r"^ *([a-z][a-z ]*):", text, re.M))  # a card's field names: 'roles:', 'not identified:'
        broken = sorted(word for word in words(text) - words(" ".join(labels)) if word not in known and not word.isdigit())
        assert not broken, (width, broken)


def test_themes_at_60_columns_keeps_artificial_and_insurance_whole():
    text = output("themes", env={"COLUMNS": "60"})
    assert "Artifici" not in text.replace("Artificial", "")
    assert "insuranc" not in text.replace("insurance", "")


def test_a_word_too_long_for_its_column_overflows_whole():
    from cbiic_cli.render.layout import Text

    lines = Text("a supercalifragilisticexpialidocious word").lines(10)
    assert ["".join(part for part, _ in line) for line in lines] == ["a", "supercalifragilisticexpialidocious", "word"]


# -- a repeated option is refused ---------------------------------------------------------

REPEATED = [
    ["speakers", "--theme", "npc", "--theme", "nsclc"],
    ["speakers", "--role", "panelist", "--role", "closing"],
    ["speakers", "--org", "roche", "--org", "capital"],
    ["search", "cancer", "--theme", "npc", "--theme", "nsclc"],
    ["orgs", "--kind", "hospital", "--kind", "company"],
    ["speakers", "-n", "1", "--limit", "2"],
    ["speakers", "-f", "json", "--format", "csv"],
    ["speakers", "--fields", "slug", "--fields", "name"],
    ["speakers", "--data", "x.yaml", "--data", "y.yaml"],
    ["--data", "x.yaml", "--data", "y.yaml", "speakers"],
    ["talk", "panel", "--source", "a.txt", "--source", "b.txt"],
    ["validate", "-f", "json", "-f", "text"],
]


@pytest.mark.parametrize("arguments", REPEATED, ids=" ".join)
def test_a_repeated_option_is_refused_with_exit_2(arguments):
    result = invoke(*arguments)
    assert result.exit_code == 2, result.stdout
    assert result.stdout == ""
    error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "more than once" in error[0], result.stderr
    assert any(option in error[0] for option in arguments if option.startswith("-"))  # it names the option


def test_a_repeated_option_goes_to_typer_from_the_fast_path():
    assert fast.parse(["speakers", "--theme", "npc", "--theme", "nsclc"], {}) is None


def test_a_repeated_flag_is_harmless():
    assert invoke("speakers", "-f", "tsv", "--no-headers", "--no-headers").exit_code == 0


# -- -f and --fields before the command --------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["-f", "json"], []),
        (["--format", "csv"], []),
        (["--fields", "slug,name"], ["-f", "csv"]),
        (["-f", "tsv", "--no-headers"], []),
        (["-f", "csv", "--allow-formulas"], []),
    ],
    ids=lambda a: " ".join(a) or "-",
)
def test_output_options_before_the_command_act_as_after_it(before, after):
    assert output(*before, "speakers", *after) == output("speakers", *after, *before)
    assert fast.parse([*before, "speakers", *after], {}) is not None


def test_a_format_after_the_command_wins_over_one_before_it():
    assert output("-f", "json", "speakers", "-f", "csv") == output("speakers", "-f", "csv")
    assert output("--fields", "name", "speakers", "--fields", "slug", "-f", "csv") == output("speakers", "--fields", "slug", "-f", "csv")


def test_the_readme_example_runs():
    assert json.loads(output("-f", "json", "speakers"))[0]["slug"] == "ma-jun-harbin"


@pytest.mark.parametrize("arguments", [["-f", "json", "info"], ["--fields", "x", "schema"], ["-f", "csv", "validate"]], ids=" ".join)
def test_output_options_before_a_command_that_does_not_print_data_are_refused(arguments):
    result = invoke(*arguments)
    assert result.exit_code == 2
    assert "after" in result.stderr.splitlines()[-1]
