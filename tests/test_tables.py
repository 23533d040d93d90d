"""Tables a person reads: ids never broken, the width given to the text, cards when narrow, pipe and terminal alike."""

from __future__ import annotations

import json
import re

import pytest
from support import invoke

from cbiic_cli.render.layout import Column, Table, Text, cell_width

LIST_VIEWS = [
    ["speakers"],
    ["theme", "immunotherapy"],
    ["themes"],
    ["search", "insurance"],
    ["orgs"],
    ["agenda"],
    ["talk", "panel"],
    ["summary"],
    ["speaker", "ma-jun-sysucc"],
]
WIDTHS = [40, 60, 100, 200]
ID_KEYS = ("id", "slug")  # what a reader copies from a table into the next command


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def ids_in(value) -> set[str]:
    """Every id and slug anywhere in a JSON answer."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ID_KEYS:
                found.update(v for v in (inner if isinstance(inner, list) else [inner]) if isinstance(v, str))
            found |= ids_in(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= ids_in(inner)
    return found


def piped(args: list[str], width: int, **env: str) -> str:
    result = invoke(*args, env={"COLUMNS": str(width), **env})
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", LIST_VIEWS, ids=" ".join)
def test_every_id_is_whole_on_one_line_at_every_width(args, width):
    wanted = ids_in(json.loads(invoke(*args, "--format", "json").stdout))
    assert wanted
    words = {word.strip("(),.;:·") for line in piped(args, width).splitlines() for word in line.split()}
    broken = {identifier for identifier in wanted if identifier not in words}
    assert not broken, f"broken or missing at {width} columns: {sorted(broken)}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("args", LIST_VIEWS, ids=" ".join)
def test_lines_fit_the_width(args, width):
    longest_id = max(len(i) for i in ids_in(json.loads(invoke(*args, "--format", "json").stdout)))
    for line in piped(args, width).splitlines():
        # Only an id longer than the width itself may stick out; nothing else does.
        assert cell_width(line) <= max(width, longest_id + 8), line


@pytest.mark.parametrize("args", [["speakers"], ["theme", "insurance"], ["search", "insurance"], ["orgs"], ["themes"]], ids=" ".join)
def test_below_sixty_columns_list_views_become_cards(args):
    wide = piped(args, 140)
    narrow = piped(args, 50)
    assert "───" in wide
    assert "───" not in narrow  # no table rule: one card per item


def test_the_text_gets_the_width():
    """At 100 columns the gist column is the widest; narrow columns are fitted to their content."""
    out = piped(["theme", "insurance"], 100)
    header = next(line for line in out.splitlines() if line.startswith("Kind / id"))
    gist_at = header.index("Gist")
    assert 100 - gist_at >= 30
    assert header.index("Speaker") <= len("wang-rundong-commercial-insurance") + 4


def test_a_very_long_name_cannot_collapse_the_table(tmp_path, forum_doc, write_forum):
    forum_doc["people"][3]["name"] = "Zheng " + "Limin" * 14  # one 70-character word
    path = write_forum(forum_doc)
    out = piped(["--data", str(path), "speakers"], 100)
    assert len(out.splitlines()) < 60
    assert "ma-jun-harbin" in out and "zheng-limin" in out


def test_terminal_and_pipe_lay_out_the_same_lines():
    for args in LIST_VIEWS:
        plain = piped(args, 90)
        coloured = invoke(*args, env={"COLUMNS": "90", "FORCE_COLOR": "1"}).stdout
        assert "\x1b[" in coloured
        assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain, args


@pytest.mark.parametrize("args", [["agenda"], ["talk", "panel"], ["themes"], ["speakers"], ["summary"]], ids=" ".join)
def test_ascii_terminal_gets_ascii_drawing(args, run_cbiic):
    result = run_cbiic(*args, env={"PYTHONIOENCODING": "ascii", "COLUMNS": "100"})
    assert result.returncode == 0
    text = result.stdout.decode("ascii")
    assert "\\u25" not in text and "\\u2022" not in text and "\\u2500" not in text


def test_plain_width_agrees_with_rich():
    from rich.cells import cell_len

    for sample in ["abc", "中文", "👨\u200d👩\u200d👧", "e\u0301", "a\u200bb", "🇨🇳", "✔\ufe0f", "👍🏽", "Zheng 郑利民", "ﬁ", "\u00ad"]:
        assert cell_width(sample) == cell_len(sample), sample


def test_neither_atoms_nor_words_are_folded():
    """Issue 19: a word too wide for the line overflows it whole, as an id always did."""
    text = Text("see ").append("wang-rundong-commercial-insurance", atom=True).append(" and " + "x" * 30)
    lines = ["".join(part for part, _ in line) for line in text.lines(12)]
    assert lines == ["see", "wang-rundong-commercial-insurance", "and", "x" * 30]


def test_a_table_that_cannot_fit_its_atoms_says_so():
    table = Table([Column("Id", "atom"), Column("Text")])
    table.add_row(Text("x" * 50, atom=True), Text("words"))
    assert table.widths(40) is None
    assert table.widths(100) is not None


@pytest.mark.parametrize("args", [["theme", "insurance"], ["search", "insurance"], ["orgs"], ["speakers"]], ids=" ".join)
@pytest.mark.parametrize("width", [60, 70, 80, 90, 100, 120])
def test_a_table_is_chosen_only_when_its_text_is_readable(args, width):
    """The wide text column never shrinks to a ribbon of a word or two a line: cards instead."""
    out = piped(args, width)
    if "───" not in out:
        return  # cards
    header = next(line for line in out.splitlines() if line.startswith(("Kind", "#", "Organisation", "Name")))
    last = header.split()[-1]
    assert width - header.index(last) >= 25, (width, header)


def _rich_console_colour(lines) -> str:
    """What Rich's own console prints for the layout's styled segments: the reference for render/ansi.py."""
    import io

    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=True,
        color_system="standard",
        width=10**4,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for line in lines:
        text = Text(no_wrap=True)
        for part, style in line:
            text.append(part, style=style or None)
        text.rstrip()
        console.print(text, soft_wrap=True)
    return buffer.getvalue()


@pytest.mark.parametrize("width", [40, 60, 100, 200])
@pytest.mark.parametrize(
    "ask",
    [
        ["speakers"],
        ["themes"],
        ["agenda"],
        ["summary"],
        ["orgs"],
        ["theme", "insurance"],
        ["talk", "panel"],
        ["speaker", "ma-jun-harbin"],
        ["search", "immune"],
    ],
    ids=" ".join,
)
def test_colour_is_the_escape_codes_rich_would_print(ask, width, monkeypatch):
    from cbiic_cli import answers, commands
    from cbiic_cli.formats import OutputFormat
    from cbiic_cli.render import RenderOptions, ansi, table

    index = commands.forum_index(commands.Settings(no_cache=True))
    name, *arguments = ask
    view = getattr(answers, name)(index, [*arguments] if name == "search" else arguments[0]) if arguments else getattr(answers, name)(index)
    options = RenderOptions(OutputFormat.table, color=True, width=width)
    ours = table.render(view, options)
    monkeypatch.setattr(ansi, "colour", _rich_console_colour)
    assert "\x1b[" in ours and ours == table.render(view, options)
