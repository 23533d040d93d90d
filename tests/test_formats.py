"""Every data command in every format, each read back by its real consumer.

CSV goes through Python's ``csv`` reader, TSV through a linear-TSV reader, JSON Lines line by line through
``json``, Markdown through a CommonMark parser (markdown-it-py); nothing here
checks a format by string matching alone.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from markdown_it import MarkdownIt
from support import ONE_OF_EACH_COMMAND, invoke, tsv_records, unescape

COMMANDS = {**ONE_OF_EACH_COMMAND, "speaker": ["speaker", "li-ziming"]}
# Commands whose JSON is one object, not an array of the rows CSV prints.
DOCUMENT_COMMANDS = {"speaker": "contributions", "panel": None, "agenda": "items", "summary": None}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def output(args: list[str], fmt: str, *extra: str) -> str:
    """Exactly what cbiic wrote (click's Result.stdout would turn CRLF into LF)."""
    result = invoke(*args, "--format", fmt, *extra)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")


def json_rows(args: list[str]) -> list[dict]:
    """The rows a command answers with, as JSON Lines gives them."""
    return [json.loads(line) for line in output(args, "jsonl").splitlines()]


def csv_rows(args: list[str], fmt: str = "csv", *extra: str) -> list[dict]:
    """CSV through Python's csv reader; TSV as linear TSV: a line a record, fields split on tabs and unescaped."""
    text = output(args, fmt, *extra)
    if fmt == "tsv":
        header, *records = tsv_records(text)
        return [dict(zip(header, map(unescape, record))) for record in records]
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("name", COMMANDS)
def test_json_parses(name):
    assert json.loads(output(COMMANDS[name], "json")) is not None


@pytest.mark.parametrize("name", COMMANDS)
def test_jsonl_is_one_object_per_line_and_matches_the_json_rows(name):
    lines = output(COMMANDS[name], "jsonl").splitlines()
    assert lines
    rows = [json.loads(line) for line in lines]
    assert all(isinstance(row, dict) for row in rows)
    document = json.loads(output(COMMANDS[name], "json"))
    if name not in DOCUMENT_COMMANDS:
        assert rows == document


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_csv_and_tsv_round_trip_every_field_and_list(name, fmt):
    """Split a list cell on newlines and you get exactly the JSON list back, items with '; ' included."""
    rows = json_rows(COMMANDS[name])
    back = csv_rows(COMMANDS[name], fmt, "--allow-formulas")
    assert len(back) == len(rows)
    for row, cells in zip(rows, back):
        assert list(cells) == list(row)
        for key, value in row.items():
            if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
                assert cells[key].split("\n") if value else cells[key] == "", key
                assert (cells[key].split("\n") if cells[key] else []) == [str(v) for v in value], key
            elif isinstance(value, str):
                assert cells[key] == value, key
            elif value is None:
                assert cells[key] == "", key


def test_key_points_with_semicolons_round_trip_as_five_items():
    (cells,) = csv_rows(["talk", "zheng-limin"])
    points = cells["key_points"].split("\n")
    assert len(points) == 5
    assert any("; " in point or ":" in point for point in points)


def test_csv_header_is_the_same_with_no_results():
    full = output(["speakers"], "csv").splitlines()[0]
    empty = output(["speakers", "--org", "no such organisation"], "csv")
    assert empty.strip() == full


def test_no_headers_leaves_out_the_header_row():
    assert output(["speakers"], "csv", "--no-headers").splitlines()[0].startswith("ma-jun-harbin,")
    assert output(["speakers"], "tsv", "--no-headers").splitlines()[0].startswith("ma-jun-harbin\t")


def test_csv_ends_lines_with_crlf_and_tsv_with_lf():
    assert output(["speakers"], "csv").count("\r\n") >= 11
    assert "\r" not in output(["speakers"], "tsv")


# -- --fields ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "markdown", "table"])
def test_fields_select_and_order_columns_in_every_format(fmt):
    text = output(["speakers"], fmt, "--fields", "name,slug")
    if fmt == "json":
        assert list(json.loads(text)[0]) == ["name", "slug"]
    elif fmt == "jsonl":
        assert list(json.loads(text.splitlines()[0])) == ["name", "slug"]
    elif fmt in ("csv", "tsv"):
        assert text.splitlines()[0].replace("\t", ",") == "name,slug"
    elif fmt == "markdown":
        assert text.splitlines()[0] == "| name | slug |"
    else:
        assert text.splitlines()[0].split() == ["name", "slug"]
    assert "ma-jun-harbin" in text and "Roche" not in text


def test_fields_on_a_document_command_select_from_its_rows():
    rows = json.loads(output(["speaker", "ma-jun-sysucc"], "json", "--fields", "id,attribution"))
    assert rows == [{"id": "ma-jun-youth-talent", "attribution": "stated"}, {"id": "panel-closing", "attribution": "uncertain"}]


def test_unknown_field_is_a_usage_error_listing_the_valid_ones():
    result = invoke("speakers", "--fields", "slug,email")
    assert result.exit_code == 2
    assert "'email'" in result.stderr
    assert "slug, name, honorific, positions, organisations" in result.stderr


# -- spreadsheet safety ----------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    " =1+1",
    "\u00a0=1",
    "\u3000=1",
    "＝1+1",
    "＋1",
    "＠SUM(1)",
    "\u00ad=1",
    "\u3164=1",
    "\u2800=1",
    "\U000e0020=1",
    "\u2212 1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_formula_cells_are_neutralised_by_default(formula, tmp_path, forum_doc, write_forum):
    forum_doc["people"][0]["name"] = formula
    path = write_forum(forum_doc)
    for fmt in ("csv", "tsv"):
        cells = csv_rows(["speakers", "--data", str(path)], fmt)[0]
        # Neutralised with a leading apostrophe, or (a carriage return) already shown as a visible escape.
        assert cells["name"].startswith(("'", "\\x0d")), (fmt, cells["name"])
        raw = csv_rows(["speakers", "--data", str(path)], fmt, "--allow-formulas")[0]
        assert not raw["name"].startswith("'")


def test_every_line_of_a_list_cell_is_neutralised(forum_doc, write_forum):
    forum_doc["people"][0]["affiliations"][1]["position"] = "=HYPERLINK(1)"
    path = write_forum(forum_doc)
    for fmt in ("csv", "tsv"):
        positions = csv_rows(["speakers", "--data", str(path)], fmt)[0]["positions"].split("\n")
        assert len(positions) == 2 and all(not p.startswith("=") for p in positions) and "'=HYPERLINK(1)" in positions


# -- Markdown, read by a CommonMark parser -------------------------------------------


def markdown_tokens(text: str) -> list:
    return MarkdownIt("commonmark").enable("table").parse(text)


def headings(text: str) -> list[tuple[str, str]]:
    tokens = markdown_tokens(text)
    return [(token.tag, tokens[i + 1].content) for i, token in enumerate(tokens) if token.type == "heading_open"]


@pytest.mark.parametrize("name", ["speakers", "theme", "themes", "search", "orgs"])
def test_markdown_lists_are_tables(name):
    types = {token.type for token in markdown_tokens(output(COMMANDS[name], "markdown"))}
    assert "table_open" in types
    assert not types & {"html_block", "html_inline"}


def test_md_is_an_alias_of_markdown():
    assert output(["speakers"], "md") == output(["speakers"], "markdown")


def test_summary_markdown_renders_as_a_report():
    text = output(["summary"], "markdown")
    found = headings(text)
    top = [content for tag, content in found if tag == "h2"]
    assert top[:5] == [
        "Aims",
        "Sessions",
        "Opening speech",
        "Talks",
        "Panel: “Coordinated Efforts of Medical Care, Medical Insurance, and Medicine to Enhance China’s Anti-tumor Drug Development”",
    ]
    # The panel's remarks and its closing words are nested under the panel, one level down.
    panel_at = [content for _, content in found].index(top[4])
    below_panel = [(tag, content) for tag, content in found[panel_at + 1 :]]
    remarks = [content for tag, content in below_panel if tag == "h3"]
    assert remarks == [
        "Panel remark by Xue Junli",
        "Panel remark by Luo Dan",
        "Panel remark by Xu Junfang",
        "Panel remark by Zhang Yong",
        "The panel's closing words, by Professor Ma Jun",
    ]
    # The opening speech has its own heading, not a place among the talks.
    talks_at = [content for _, content in found].index("Talks")
    assert not any("Opening" in content for _, content in found[talks_at:])


def test_summary_markdown_tells_the_two_ma_juns_apart_by_affiliation():
    text = output(["summary"], "markdown")
    tokens = markdown_tokens(text)
    inline = " ".join(token.content for token in tokens if token.type == "inline")
    assert "Ma Jun (`ma-jun-harbin`), Vice-Chairman" in inline
    assert "Ma Jun (`ma-jun-sysucc`), Academician, Chinese Academy of Sciences" in inline
    assert "the article does not say which" in inline


def test_summary_markdown_lists_each_panelist_once():
    tokens = markdown_tokens(output(["summary"], "markdown"))
    items = [tokens[i + 2].content for i, t in enumerate(tokens) if t.type == "list_item_open"]
    for name in ("Xue Junli", "Luo Dan", "Xu Junfang", "Zhang Yong"):
        assert sum(item.startswith(f"**{name}**") for item in items) == 1, name


def test_markdown_marks_a_topic_and_never_makes_it_a_heading():
    text = output(["talk", "feng-chen"], "markdown")
    assert headings(text) == [("h2", "Talk by Feng Chen (no title given; “talk” is our word)")]
    assert "Topic: The research hospital model" in text


def test_markdown_panel_shows_uncertainty_and_the_note():
    text = output(["talk", "panel"], "markdown")
    tokens = markdown_tokens(text)
    inline = " ".join(t.content for t in tokens if t.type == "inline")
    assert "the article does not say which; possibly one of:" in inline
    # The two candidates are two items of a list of their own, so the "or" between them is never lost.
    items = [t.content for t in tokens if t.type == "inline" and t.content.startswith("Ma Jun (`ma-jun-")]
    assert [item.split("`")[1] for item in items[:2]] == ["ma-jun-harbin", "ma-jun-sysucc"]
    assert "That does not settle which of them moderated the panel, and the article does not say." in inline


@pytest.mark.parametrize(
    "args", [["agenda"], ["summary"], ["talk", "panel"], ["theme", "china-focus"], ["speaker", "ma-jun-sysucc"]], ids=" ".join
)
def test_markdown_names_both_candidates_with_affiliations_and_the_note(args):
    text = " ".join(t.content for t in markdown_tokens(output(args, "markdown")) if t.type == "inline")
    assert "Ma Jun (`ma-jun-harbin`), Vice-Chairman" in text or "Ma Jun (ma-jun-harbin), Vice-Chairman" in text
    assert "Ma Jun (`ma-jun-sysucc`), Academician" in text or "Ma Jun (ma-jun-sysucc), Academician" in text
    assert "does not settle which of them" in text


def test_markdown_theme_matrix_names_the_candidates_of_an_unidentified_speaker():
    tokens = markdown_tokens(output(["themes"], "markdown"))
    headers = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "th_open"]
    assert "Professor Ma Jun (not identified: ma-jun-harbin or ma-jun-sysucc)" in headers


def test_markdown_agenda_never_calls_itself_an_agenda():
    assert not any("agenda" in content.lower() for _, content in headings(output(["agenda"], "markdown")))


def test_agenda_csv_gives_a_script_each_persons_slug_or_the_candidates():
    rows = {row["kind"] + " " + row["id"]: row for row in csv_rows(["agenda"])}
    assert rows["session session-2"]["person_slug"] == "xue-junli" and rows["session session-2"]["person_candidates"] == ""
    assert rows["panel panel"]["person_slug"] == "" and rows["panel panel"]["person_candidates"].split("\n") == [
        "ma-jun-harbin",
        "ma-jun-sysucc",
    ]


@pytest.mark.parametrize("fmt", ["jsonl", "json", pytest.param("csv", marks=pytest.mark.slow), pytest.param("tsv", marks=pytest.mark.slow)])
def test_a_long_list_is_written_as_it_is_rendered_in_several_pieces(fmt, tmp_path, monkeypatch):
    """Rows go out a batch at a time, and the pieces add up to exactly what one write would have printed."""
    from support import generated_forum

    from cbiic_cli import process
    from cbiic_cli.render import ROWS_PER_CHUNK

    data = generated_forum(tmp_path, 4 * ROWS_PER_CHUNK + 200, 3)  # people: half the talks, so more than two batches
    monkeypatch.setenv("CBIIC_NO_CACHE", "1")
    whole = invoke("--data", str(data), "speakers", "--limit", "0", "-f", fmt).stdout_bytes
    pieces: list[str] = []
    real_write = process.write
    monkeypatch.setattr(process, "write", lambda text, utf8=False: (pieces.append(text), real_write(text, utf8))[1])
    streamed = invoke("--data", str(data), "speakers", "--limit", "0", "-f", fmt)
    assert len(pieces) >= 3
    assert streamed.stdout_bytes == whole == "".join(pieces).encode("utf-8")
    if fmt == "json":
        assert len(json.loads(whole)) > 2 * ROWS_PER_CHUNK


@pytest.mark.parametrize("command", ["agenda", "summary"])
def test_a_json_document_streams_its_long_lists_in_the_bytes_it_would_print_whole(command, tmp_path):
    """The lists inside a document (the agenda's items, the summary's sessions and talks) go out as they are made,
    laid out exactly as msgspec lays out the whole document."""
    from support import generated_forum

    from cbiic_cli import answers, load, query
    from cbiic_cli.formats import OutputFormat
    from cbiic_cli.render import ROWS_PER_CHUNK, RenderOptions, render_chunks

    data = generated_forum(tmp_path, 2 * ROWS_PER_CHUNK + 200, 3)
    index = query.ForumIndex(load.parse_forum(data.read_bytes(), str(data)))
    options = RenderOptions(OutputFormat.json)
    streamed = list(render_chunks(getattr(answers, command)(index), options))
    whole_view = getattr(answers, command)(index)
    whole_view.materialise()
    whole = list(render_chunks(whole_view, options))
    assert len(whole) == 1 and len(streamed) >= 3
    assert "".join(streamed) == whole[0]
    json.loads(whole[0])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_whole_forum_view_showing_its_first_rows_says_so_itself(fmt, tmp_path, monkeypatch):
    """A report pasted elsewhere leaves stderr behind: the agenda and the summary say in their own text what they left out."""
    from support import generated_forum

    data = generated_forum(tmp_path, 60, 3)
    monkeypatch.setenv("CBIIC_NO_CACHE", "1")
    themes = len(json.loads(invoke("--data", str(data), "themes", "-f", "json", "--limit", "0").stdout))
    # Stderr says what the whole answer leaves out; the text, what it shows (the summary shows each theme's count alone).
    for args, shown, said in (
        (["agenda", "-n", "5"], "5 of 76 agenda items", "5 of 76 agenda items"),
        (
            ["summary", "-n", "3"],
            f"3 of 60 talks and 3 of {themes} themes",
            f"3 of 60 talks, 3 of {themes} themes and each theme's first 3 contributions and speakers",
        ),
    ):
        result = invoke("--data", str(data), *args, "-f", fmt)
        assert f"{shown}; --limit 0 for all" in result.stdout and f"{said}; --limit 0 for all" in result.stderr
        whole = invoke("--data", str(data), *args[:1], "--limit", "0", "-f", fmt)
        assert "--limit 0 for all" not in whole.stdout + whole.stderr


def test_markdown_agenda_puts_each_id_before_its_speaker():
    """A speaker the article does not identify ends in a list of candidates: an id after it reads as the last one's."""
    text = output(["agenda"], "markdown")
    assert "- The panel's closing words (`panel-closing`), by **Professor Ma Jun**" in text
    closing = text[text.index("(`panel-closing`)") :]
    assert "`panel-closing`" not in closing[len("(`panel-closing`)") :].split("\n\n")[0]
