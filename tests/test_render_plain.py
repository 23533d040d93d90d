"""The plain-text layout used for piped tables: wraps, folds, aligns wide characters, never truncates."""

from __future__ import annotations

from cbiic_cli.render.plain_ui import Table, Text, Tree, cell_width, to_string, wrap


def test_wrap_keeps_every_character():
    text = "Vice President of National Market Access, Roche Pharmaceuticals China"
    lines = wrap(text, 12)
    assert all(cell_width(line) <= 12 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_long_words_fold_rather_than_truncate():
    assert wrap("wang-rundong-commercial-insurance", 10) == ["wang-rundo", "ng-commerc", "ial-insura", "nce"]


def test_wide_characters_count_double_and_line_up():
    table = Table()
    table.add_column("Name")
    table.add_column("Slug")
    table.add_row(Text("郑利民"), Text("zheng-limin"))
    table.add_row(Text("Li Ziming"), Text("li-ziming"))
    header, rule, first, second = to_string(table, color=False, width=80).splitlines()
    assert cell_width(first[: first.index("zheng")]) == cell_width(second[: second.index("li-ziming")])


def test_table_fits_the_width_and_keeps_all_text():
    table = Table(title="People")
    table.add_column("Name")
    table.add_column("Affiliation", ratio=3)
    affiliation = "Director of Oncology Department, Shanghai Chest Hospital"
    table.add_row(Text("Li Ziming"), Text(affiliation))
    out = to_string(table, color=False, width=30)
    assert all(cell_width(line) <= 30 for line in out.splitlines())
    assert "…" not in out
    assert " ".join(out.split()).count("Shanghai Chest") == 1


def test_right_justified_column():
    table = Table()
    table.add_column("Theme")
    table.add_column("Count", justify="right")
    table.add_row(Text("ai"), Text("2"))
    table.add_row(Text("insurance"), Text("12"))
    lines = to_string(table, color=False, width=40).splitlines()
    assert lines[2].endswith("    2") and lines[3].endswith("   12")


def test_tree_prefixes_and_wrapped_continuations():
    root = Tree(Text("Agenda"))
    root.add(Text("opening: Opening speech"))
    panel = root.add(Text("panel: Coordinated Efforts of Medical Care, Medical Insurance, and Medicine"))
    panel.add(Text("remark: Panel remark"))
    lines = to_string(root, color=False, width=40).splitlines()
    assert lines[0] == "Agenda"
    assert lines[1].startswith("├── opening")
    assert lines[2].startswith("└── panel:")
    assert lines[-1].startswith("    └── remark")
    assert all(cell_width(line) <= 40 for line in lines)
