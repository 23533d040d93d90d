"""What the second attack run broke, one class a test: each failed on the code before the fix."""

from __future__ import annotations

import json
import os
import stat

import pytest
from markdown_it import MarkdownIt
from support import invoke, shipped_text


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def written(tmp_path, text: str, name: str = "forum.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line(result, *needles: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.stderr)
    assert result.stderr.count("\n") >= 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


# -- the loader ------------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["9" * 5000, "0x" + "f" * 5000, ":".join(["1"] * 20000)])
def test_an_enormous_number_is_a_located_problem_not_a_crash(tmp_path, number):
    text = shipped_text().replace("  source_paragraphs: [3]\n", f"  source_paragraphs: [{number}]\n", 1)
    result = invoke("validate", str(written(tmp_path, text)))
    assert result.exit_code == 1 and "forum.source_paragraphs[0]" in result.stdout
    assert "characters; numbers here have at most" in result.stdout


def test_an_anchor_is_refused_like_an_alias(tmp_path):
    text = shipped_text().replace("  city: Guangzhou", "  city: &here Guangzhou")
    result = invoke("validate", str(written(tmp_path, text)))
    assert result.exit_code == 1 and "YAML anchors (&name) and aliases are not allowed" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]",
            "  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong, luo-dan]",
            "panel.panelists[4]",
        ),
        ("        themes: [talent]", "        themes: [talent, talent]", "talks[0].key_points[3].themes[1]"),
        ("    source_paragraphs: [13]\n", "    source_paragraphs: [13, 13]\n", "source_paragraphs[1]"),
    ],
)
def test_a_value_listed_twice_is_refused_so_no_export_can_trip_on_it(tmp_path, old, new, path):
    text = shipped_text().replace(old, new, 1)
    forum = written(tmp_path, text)
    result = invoke("validate", str(forum))
    assert result.exit_code == 1 and path in result.stdout and "is listed twice" in result.stdout
    one_line(invoke("--data", str(forum), "export", "sqlite", str(tmp_path / "f.db")), "is listed twice")


def test_values_past_the_cap_are_one_error(tmp_path, monkeypatch):
    from cbiic_cli import yamltree

    monkeypatch.setattr(yamltree, "MAX_VALUES", 1000)
    result = invoke("--no-cache", "validate", str(written(tmp_path, "people: [" + "{}, " * 2000 + "]\n")))
    assert result.exit_code == 1 and "more than 1,000 values" in result.stdout


# -- the exports' targets ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "html", "sqlite"])
def test_an_export_onto_a_fifo_is_refused_at_once(tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line(invoke("export", fmt, str(fifo)), "not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.parametrize("fmt", ["json", "html", "sqlite"])
def test_an_export_to_a_name_too_long_is_one_bounded_line(tmp_path, fmt):
    result = invoke("export", fmt, str(tmp_path / ("x" * 300)))
    one_line(result, "File name too long")
    assert len(result.stderr) < 400


@pytest.mark.parametrize(
    ("fmt", "lookalike"),
    [
        ("json", '# "format": "cbiic-export" in a comment of my own file\n'),
        ("html", '<!-- <meta name="generator" content="cbiic 0.1.0"> -->\n<p>my notes</p>\n'),
    ],
)
def test_a_file_that_only_mentions_the_export_marker_is_never_overwritten(tmp_path, fmt, lookalike):
    mine = written(tmp_path, lookalike, f"mine.{fmt}")
    one_line(invoke("export", fmt, str(mine)), "pass --force")
    assert mine.read_text(encoding="utf-8") == lookalike


def test_the_json_export_escapes_bidi_controls_and_separators(tmp_path):
    text = shipped_text().replace("name: Luo Dan", 'name: "Luo\\u202e Dan\\u2028"')
    result = invoke("--data", str(written(tmp_path, text)), "export", "json", "-")
    assert "\u202e" not in result.stdout and "\u2028" not in result.stdout
    assert "\\u202e" in result.stdout
    assert any(p["name"] == "Luo\u202e Dan\u2028" for p in json.loads(result.stdout)["people"])


# -- messages, terminal, spreadsheet, Markdown, completion, search ----------------------------------


def test_a_usage_error_quoting_a_huge_value_is_bounded_and_clean(run_cbiic):
    result = run_cbiic("speakers", "--fields", "x" * 70_000 + "\u2028\u202e")
    assert result.returncode == 2
    for line in result.stderr.decode().splitlines():
        assert len(line) < 1100
    assert "\u2028" not in result.stderr.decode() and "\u202e" not in result.stderr.decode()


@pytest.mark.parametrize("columns", ["²", "⑧", "9" * 5000])
def test_odd_widths_are_never_a_crash(columns):
    result = invoke("speakers", env={"COLUMNS": columns})
    assert result.exit_code == 0 and "ma-jun-harbin" in result.stdout


def test_a_formula_behind_a_byte_order_mark_is_neutralised(tmp_path):
    text = shipped_text().replace("name: Ma Jun\n    honorific: Professor", 'name: "\\ufeff=2+5"\n    honorific: Professor', 1)
    result = invoke("--data", str(written(tmp_path, text)), "speakers", "-f", "csv", "--no-headers", "--fields", "name")
    assert result.stdout.startswith("'\ufeff=2+5")


def test_a_tab_in_the_data_does_not_break_the_columns(tmp_path):
    text = shipped_text().replace("name: Luo Dan", 'name: "Luo\\tDan"')
    out = invoke("--data", str(written(tmp_path, text)), "speakers", env={"COLUMNS": "150"}).stdout
    assert "\t" not in out
    header = next(line for line in out.splitlines() if line.startswith("Name"))
    row = next(line for line in out.splitlines() if line.startswith("Luo Dan"))
    assert row.index("luo-dan") == header.index("Slug")


@pytest.mark.parametrize("text", ["https://evil.example/x", "www.evil.example", "someone@evil.example"])
def test_no_bare_address_becomes_a_link_in_githubs_markdown(tmp_path, text):
    forum = written(tmp_path, shipped_text().replace("name: Luo Dan", f"name: {text}"))
    markdown = invoke("--data", str(forum), "speakers", "-f", "md").stdout
    tokens = MarkdownIt("gfm-like").parse(markdown)  # with GitHub's autolinks (linkify)
    links = [child for token in tokens for child in (token.children or []) if child.type == "link_open"]
    assert links == []
    assert text in MarkdownIt("commonmark").render(markdown).replace("&#64;", "@")


def test_completion_descriptions_hold_no_shell_metacharacters(tmp_path, run_cbiic):
    forum = written(
        tmp_path,
        shipped_text().replace("name: Ma Jun\n    honorific: Professor", "name: 'x\\$(touch pwned)`id`\"'\n    honorific: Professor", 1),
    )
    result = run_cbiic(env={"_CBIIC_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"cbiic --data {forum} speaker ma-jun-h"})
    out = result.stdout.decode()
    assert "ma-jun-harbin" in out
    description = out.split("ma-jun-harbin", 1)[1]
    assert not any(character in description.split("\n")[0] for character in "$`")


def test_completion_without_its_variables_is_silent(run_cbiic):
    result = run_cbiic(env={"_CBIIC_COMPLETE": "complete_bash"})
    assert result.stderr == b"" and b"internal error" not in result.stdout


@pytest.mark.parametrize(("data_form", "query_form"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_search_meets_a_name_in_either_normal_form(tmp_path, data_form, query_form):
    import unicodedata

    name = unicodedata.normalize(data_form, "Zhèng Lìmín")
    forum = written(tmp_path, shipped_text().replace("name: Zheng Limin", f"name: {name}"))
    found = json.loads(invoke("--data", str(forum), "search", unicodedata.normalize(query_form, "Lìmín"), "-f", "json").stdout)
    assert "zheng-limin" in [hit["id"] for hit in found]


@pytest.mark.parametrize("expansion", ["'…'", "'(①#)'", "'  '", "'-'"])
@pytest.mark.parametrize("term", ["'‮'", "'…'", "NGS"])  # noqa: PLE2502 - a right-to-left override is the attack
def test_a_glossary_entry_without_words_never_hangs_a_search(tmp_path, run_cbiic, term, expansion):
    text = shipped_text().replace(
        "  - term: NGS\n    expansions: [next-generation sequencing]", f"  - term: {term}\n    expansions: [{expansion}]"
    )
    forum = written(tmp_path, text)
    for query in (["zebra"], ["a"], ["next-generation", "sequencing"]):
        result = run_cbiic("--data", str(forum), "search", *query, "-f", "json", timeout=30)
        assert result.returncode in (0, 2), result.stderr


def test_a_word_repeated_counts_once_and_too_many_words_is_a_usage_error():
    once = json.loads(invoke("search", "myeloid", "-f", "json").stdout)
    assert json.loads(invoke("search", *(["myeloid"] * 500), "-f", "json").stdout) == once
    result = invoke("search", *[f"word{number}" for number in range(40)])
    assert result.exit_code == 2 and "use at most 32" in result.stderr
