"""The data file as untrusted input, and data that must not control the terminal.

Through Typer's CliRunner (stdout and stderr apart), with a few real
subprocesses where the installed entry point matters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import unicodedata

import pytest
from support import json_strings

pytestmark = pytest.mark.usefixtures("isolated_env")

WIDE = {"COLUMNS": "1000"}


def invoke(runner, app, *args, input=None, env=None):
    return runner.invoke(app, ["--no-cache", *args], input=input, env=env)


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line containing needle."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def located(error_line: str, name: str) -> tuple[int, int, str]:
    """(line, column, rest) from `cbiic: NAME:LINE:COL: rest` (or a validate line without the prefix)."""
    match = re.match(rf"^(?:cbiic: )?{re.escape(name)}:(\d+):(\d+): (.*)$", error_line)
    assert match, f"no {name}:line:column in {error_line!r}"
    return int(match.group(1)), int(match.group(2)), match.group(3)


# -- safe YAML: tags are errors and nothing in them runs ------------------------------

PYTHON_TAG_DOCUMENTS = {
    "apply-top": '!!python/object/apply:os.system ["touch {marker}"]\n',
    "apply-value": 'source: !!python/object/apply:os.system ["touch {marker}"]\n',
    "apply-nested": 'forum:\n  name: !!python/object/apply:subprocess.call [["touch", "{marker}"]]\n',
    "new": 'people:\n  - !!python/object/new:os.system ["touch {marker}"]\n',
    "name": "source: !!python/name:os.system\n",
    "module": "source: !!python/module:os\n",
    "key": '? !!python/object/apply:os.system ["touch {marker}"]\n: 1\n',
    "tag-directive": '%TAG !p! tag:yaml.org,2002:python/\n---\nsource: !p!object/apply:os.system ["touch {marker}"]\n',
    "exec": "source: !!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]\n",
}


@pytest.mark.parametrize("case", sorted(PYTHON_TAG_DOCUMENTS))
def test_python_tags_are_errors_and_never_run(case, runner, cli_app, write_forum, tmp_path, checks):
    marker = tmp_path / "pwned"
    path = write_forum(PYTHON_TAG_DOCUMENTS[case].replace("{marker}", str(marker)))
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"))
    assert not marker.exists()
    assert "tag" in line or "mapping keys must be plain strings" in line, line
    located(line, str(path))
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1
    assert not marker.exists()


def test_python_tag_in_the_real_forum_names_field_and_line(forum_text, runner, cli_app, write_forum, tmp_path, checks):
    marker = tmp_path / "pwned"
    original = "  city: Guangzhou"
    text = forum_text.replace(original, f'  city: !!python/object/apply:os.system ["touch {marker}"]')
    path = write_forum(text)
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "summary"), "forum.city", "tag")
    number, _, _ = located(line, str(path))
    assert number == line_of(forum_text, original)
    assert not marker.exists()


def test_python_tag_never_runs_in_a_real_process(run_cbiic, write_forum, tmp_path, checks):
    marker = tmp_path / "pwned"
    path = write_forum(f'!!python/object/apply:os.system ["touch {marker}"]\n')
    for args in (["--no-cache", "--data", str(path), "speakers"], ["validate", str(path)]):
        checks.no_exception(run_cbiic(*args))
    checks.one_clear_error(run_cbiic("--data", str(path), "agenda"), "tag")
    assert not marker.exists()


@pytest.mark.parametrize(
    "document",
    [
        "source: !!binary aGVsbG8=\n",
        "source: !!set {a, b}\n",
        "source: !!omap [a: 1]\n",
        "source: !!pairs [a: 1]\n",
        "source: !custom thing\n",
        "source: !<tag:example.com,2024:x> thing\n",
    ],
)
def test_other_non_plain_tags_are_refused(document, runner, cli_app, write_forum, checks):
    path = write_forum(document)
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "tag")


@pytest.mark.parametrize(
    "value",
    ['!!timestamp "garbage"', '!!timestamp ""', '!!bool "maybe"', '!!int ""', '!!float ""', '!!int "abc"', "!!int 0x", "!!float 1:x"],
)
def test_explicitly_tagged_scalars_that_do_not_parse_are_a_clear_error(value, forum_text, runner, cli_app, write_forum, checks):
    original = "  city: Guangzhou"
    path = write_forum(forum_text.replace(original, f"  city: {value}"))
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "summary"), "forum.city")
    assert located(message, str(path))[0] == line_of(forum_text, original)
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1


# -- aliases -------------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_a_clear_error_in_a_real_process(run_cbiic, write_forum, checks):
    path = write_forum(billion_laughs())
    # The timeout only guards against a hang; no timing is asserted.
    result = run_cbiic("--no-cache", "--data", str(path), "speakers", timeout=120)
    line = checks.one_clear_error(result, "aliases")
    located(line, str(path))
    result = run_cbiic("validate", str(path), timeout=120)
    checks.sane(result, validate=True)
    assert result.returncode == 1 and "aliases" in result.stdout.decode()


def test_billion_laughs_from_stdin(runner, cli_app, checks):
    result = invoke(runner, cli_app, "--data", "-", "themes", input=billion_laughs().encode())
    checks.one_clear_error(result, "<stdin>:", "aliases")


def test_alias_inside_the_real_forum_is_refused(forum_text, runner, cli_app, write_forum, checks):
    text = forum_text.replace("  city: Guangzhou", "  city: &town Guangzhou", 1).replace(
        "  - slug: luo-dan\n    name: Luo Dan", "  - slug: luo-dan\n    name: *town", 1
    )
    assert "*town" in text
    path = write_forum(text)
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "aliases")
    # validate lists both: the anchor where it is set, and the alias where it is used.
    lines = invoke(runner, cli_app, "validate", str(path)).stdout.splitlines()
    anchor, alias = (located(line, str(path)) for line in lines[:2])
    assert anchor[2].startswith("forum.city:") and anchor[0] == line_of(text, "city: &town")
    assert alias[2].startswith("people[7].name:")
    assert alias[:2] == (line_of(text, "name: *town"), len("    name: ") + 1), "the error should point at the alias"


def test_merge_keys_are_refused(runner, cli_app, write_forum, checks):
    path = write_forum("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "merge")


# -- size cap ------------------------------------------------------------------------------


def test_size_cap_is_a_clear_error_and_the_variable_raises_it(forum_text, runner, cli_app, write_forum, checks):
    path = write_forum(forum_text)
    size = path.stat().st_size
    small = {"CBIIC_MAX_BYTES": str(size - 1)}
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers", env=small), "limit", "CBIIC_MAX_BYTES")
    enough = {"CBIIC_MAX_BYTES": str(size)}
    result = invoke(runner, cli_app, "--data", str(path), "speakers", "-f", "json", env=enough)
    checks.no_exception(result)
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 10


def test_size_cap_applies_to_stdin(forum_text, runner, cli_app, checks):
    data = forum_text.encode()
    checks.one_clear_error(
        invoke(runner, cli_app, "--data", "-", "speakers", input=data, env={"CBIIC_MAX_BYTES": "1000"}),
        "<stdin>",
        "CBIIC_MAX_BYTES",
    )
    result = invoke(runner, cli_app, "--data", "-", "speakers", input=data, env={"CBIIC_MAX_BYTES": str(len(data))})
    assert result.exit_code == 0, checks.describe(result)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "10MB"])
def test_nonsense_max_bytes_is_a_clear_error(value, runner, cli_app, checks):
    checks.one_clear_error(invoke(runner, cli_app, "speakers", env={"CBIIC_MAX_BYTES": value}), "CBIIC_MAX_BYTES")


# -- files that are not a forum -----------------------------------------------------------

NOT_A_FORUM = {
    "empty": (b"", "no YAML document"),
    "blank": (b"\n\n   \n", "no YAML document"),
    "comment-only": (b"# nothing here\n", "no YAML document"),
    "bare-scalar": (b"hello\n", "expected a mapping"),
    "bare-number": (b"42\n", "expected a mapping"),
    "bare-list": (b"- a\n- b\n", "expected a mapping"),
    "empty-mapping": (b"{}\n", "missing required field"),
    "binary": (bytes(range(256)) * 4, "binary"),
    "utf16": ("source: x\n".encode("utf-16"), "binary"),
    "invalid-utf8": (b"source:\n  title: caf\xe9\n", "UTF-8"),
    "lone-continuation": (b"\x80\x81\x82\n", "UTF-8"),
    "several-documents": (b"a: 1\n---\nb: 2\n", "YAML"),
}


@pytest.mark.parametrize("case", sorted(NOT_A_FORUM))
def test_not_a_forum_is_one_clear_line(case, runner, cli_app, write_forum, checks):
    content, expected = NOT_A_FORUM[case]
    path = write_forum(content)
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), expected)
    assert str(path) in line
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1


def test_invalid_utf8_names_line_and_column(runner, cli_app, write_forum, checks):
    path = write_forum(b"source:\n  title: caf\xe9\n")
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "UTF-8")
    assert located(line, str(path))[:2] == (2, 13)


def test_invalid_utf8_column_counts_characters_like_yaml_errors_do(runner, cli_app, write_forum, checks):
    """Columns elsewhere count characters (as editors do); 名字 are two characters, six bytes."""
    path = write_forum("source:\n  title: 名字\xff\n".encode().replace(b"\xc3\xbf", b"\xff"))
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "UTF-8")
    assert located(line, str(path))[:2] == (2, 12)


def test_more_problems_hint_names_the_file_to_validate(forum_text, runner, cli_app, write_forum, checks):
    """`cbiic validate` alone would check the shipped forum; the hint must point at the file that failed."""
    text = forum_text.replace("    name: Xue Junli", "    name: 123").replace("  city: Guangzhou", "  city: [Guangzhou]")
    path = write_forum(text)
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "1 more problem")
    assert re.search(rf"cbiic (--data \S+ )?validate {re.escape(str(path))}|cbiic --data {re.escape(str(path))} validate", line), line
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", "-", "speakers", input=text.encode()), "1 more problem")
    assert "validate -" in line or "--data - validate" in line, line


def test_bare_null_document_is_described_in_plain_words(runner, cli_app, write_forum, checks):
    """A document that is just `~` should not be called "a single NoneType value" (Python jargon)."""
    path = write_forum("~\n")
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "expected a mapping")
    assert "NoneType" not in line


def test_directory_is_one_clear_line(runner, cli_app, tmp_path, checks):
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(tmp_path), "speakers"), "directory")
    result = invoke(runner, cli_app, "validate", str(tmp_path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1 and "directory" in result.stdout


def test_missing_file_is_one_clear_line(runner, cli_app, tmp_path, checks):
    missing = tmp_path / "nope" / "forum.yaml"
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(missing), "speakers"), "no such file", str(missing))
    checks.one_clear_error(invoke(runner, cli_app, "speakers", env={"CBIIC_DATA": str(missing)}), "no such file")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file_is_one_clear_line(forum_text, runner, cli_app, write_forum, checks):
    path = write_forum(forum_text)
    path.chmod(0)
    try:
        checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "permission denied")
    finally:
        path.chmod(0o644)


def test_permission_error_is_one_clear_line(forum_text, runner, cli_app, write_forum, monkeypatch, checks):
    """The same as above, even when the tests run as root: opening the file is refused."""
    import builtins

    from cbiic_cli import load

    path = write_forum(forum_text)
    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(load, "open", refuse, raising=False)  # the loader's own look-up of open()
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "permission denied")


def test_a_path_with_escape_sequences_is_shown_escaped(runner, cli_app, tmp_path, checks):
    evil = tmp_path / "\x1b]0;owned\x07\x1b[31mred.yaml"
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(evil), "speakers"), "no such file")
    assert "\\x1b" in line and "\\x07" in line


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\ufffe"], ids=["SOH", "ESC", "DEL", "U+FFFE"])
def test_raw_control_character_in_the_file_is_one_located_line(char, forum_text, runner, cli_app, write_forum, checks):
    """YAML forbids raw control characters; saying so must still be one line with file:line:column."""
    original = "    name: Luo Dan"
    path = write_forum(forum_text.replace(original, f"    name: Luo{char}Dan"))
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"))
    number, column, _ = located(message, str(path))
    assert (number, column) == (line_of(forum_text, original), len("    name: Luo") + 1)
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)


@pytest.mark.parametrize("depth", [50, 400, 600, 990])
@pytest.mark.parametrize("shape", ["flow", "block"])
def test_deeply_nested_documents_are_a_clear_error(depth, shape, runner, cli_app, write_forum, checks):
    if shape == "flow":
        text = "people: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "people:\n" + "".join("  " * level + "- x:\n" for level in range(1, depth)) + "  " * depth + "- 1\n"
    path = write_forum(text)
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"))
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1


def test_deep_nesting_in_a_real_process_is_not_an_internal_error(run_cbiic, write_forum, checks):
    path = write_forum("a: " + "[" * 600 + "]" * 600 + "\n")
    checks.one_clear_error(run_cbiic("--no-cache", "--data", str(path), "speakers"))


@pytest.mark.parametrize("number", [2**63, 2**64, 10**30])
def test_huge_paragraph_numbers_give_output_or_one_clear_error(number, forum_text, runner, cli_app, write_forum, checks):
    """Run twice with the cache on: the first run writes the cache entry, the second reads it."""
    text = forum_text.replace("    source_paragraphs: [13]\n\n", f"    source_paragraphs: [{number}]\n\n", 1)
    assert str(number) in text
    path = write_forum(text)
    for _ in range(2):
        result = runner.invoke(cli_app, ["--data", str(path), "talk", "li-ziming", "-f", "json"])
        checks.sane(result, "json")
        if result.exit_code == 0:
            assert json.loads(result.stdout)[0]["source_paragraphs"] == [number]


def test_recursive_alias_is_a_clear_error(runner, cli_app, write_forum, checks):
    path = write_forum("people: &p [*p]\n")
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"))


# -- syntax errors name file:line:column -----------------------------------------------------

SYNTAX_ERRORS = [
    # (text, line, column) as a person editing the file would count them
    ('source:\n  title: "unterminated\n  published: x\n', 4, 1),
    ("a: 1\nb: [1, 2\nc: 3\n", 3, 2),
    ("a:\n  b: 1\n c: 2\n", 3, 2),
    ("a: 1\nb: x: y\n", 2, 5),
    ("a: 1\n\tb: 2\n", 2, 1),
]


@pytest.mark.parametrize(("text", "line", "column"), SYNTAX_ERRORS)
def test_syntax_errors_name_file_line_column(text, line, column, runner, cli_app, write_forum, checks):
    path = write_forum(text)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "YAML syntax error")
    assert located(message, str(path))[:2] == (line, column)


def test_syntax_error_deep_in_the_forum_names_its_line(forum_text, runner, cli_app, write_forum, checks):
    original = "    name: Zhang Yong"
    path = write_forum(forum_text.replace(original, "\tname: Zhang Yong"))
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "YAML syntax error")
    assert located(message, str(path))[0] == line_of(forum_text, original)


def test_syntax_error_from_stdin_is_located(runner, cli_app, checks):
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", "-", "speakers", input=b"a: [1, 2\n"), "YAML syntax error")
    located(message, "<stdin>")


# -- duplicate keys --------------------------------------------------------------------------


def test_duplicate_top_level_key_is_an_error(forum_text, runner, cli_app, write_forum, checks):
    text = forum_text + "\nsource:\n  title: again\n"
    path = write_forum(text)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "duplicate key 'source'")
    number, _, rest = located(message, str(path))
    assert number == len(forum_text.splitlines()) + 2
    assert f"first given on line {line_of(forum_text, 'source:')}" in rest


def test_duplicate_nested_key_quoted_or_not_is_an_error(forum_text, runner, cli_app, write_forum, checks):
    original = "    name: Luo Dan\n"
    text = forum_text.replace(original, original + '    "name": Luo Dan again\n')
    path = write_forum(text)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "duplicate key 'name'")
    number, _, rest = located(message, str(path))
    assert number == line_of(forum_text, original.strip()) + 1
    assert rest.startswith("people[7].name:")


# -- schema errors name the field path and line ----------------------------------------------

SCHEMA_ERRORS = [
    # (original line, replacement, field path in the message)
    ("    name: Xue Junli", "    name: 123", "people[1].name"),
    ("    name: Xue Junli", "    name: Xue Junli\n    nmae: typo", "people[1].nmae"),
    ("  - slug: luo-dan", "  - slug: Luo Dan", "people[7].slug"),
    ("    speaker: li-ziming", "    speaker: li-zimin", "talks[3].speaker"),
    ("    kind: laboratory", "    kind: lab", "organisations[6].kind"),
    ("  date: 2024-11-30", "  date: 2024-13-30", "forum.date"),
    ("  date: 2024-11-30", "  date: soon", "forum.date"),
    ("  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]", "  panelists: [xue-junli, luo-dan, nobody]", "panel.panelists[2]"),
]


@pytest.mark.parametrize(("original", "replacement", "field"), SCHEMA_ERRORS)
def test_schema_errors_name_field_path_and_line(original, replacement, field, forum_text, runner, cli_app, write_forum, checks):
    assert original in forum_text
    text = forum_text.replace(original, replacement, 1)
    path = write_forum(text)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"))
    number, _, rest = located(message, str(path))
    assert rest.startswith(field + ":"), message
    expected_line = line_of(text, replacement.splitlines()[-1])
    assert number == expected_line, message


def test_missing_required_field_names_the_item(forum_text, runner, cli_app, write_forum, checks):
    original = "    name: Xue Junli\n"
    text = forum_text.replace(original, "")
    path = write_forum(text)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "missing required field 'name'")
    number, _, rest = located(message, str(path))
    assert rest.startswith("people[1]")
    assert number == line_of(text, "  - slug: xue-junli")


# -- validate ----------------------------------------------------------------------------------


def test_validate_the_shipped_forum(runner, cli_app, checks):
    result = invoke(runner, cli_app, "validate")
    checks.sane(result, validate=True)
    assert result.exit_code == 0
    # congress.yaml, the forum file, and the congress's verdict.
    assert result.stdout.count("\n") == 3 and "forum.yaml: valid (10 people" in result.stdout and "congress.yaml: valid" in result.stdout


def test_validate_lists_every_shape_problem_with_location(forum_text, runner, cli_app, write_forum, checks):
    text = (
        forum_text.replace("    name: Xue Junli", "    name: 123")
        .replace("  - slug: luo-dan", "  - slug: Luo Dan")
        .replace("  city: Guangzhou", "  city: [Guangzhou]")
        .replace("    kind: laboratory", "    kind: lab")
    )
    path = write_forum(text)
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1
    *problems, verdict = result.stdout.splitlines()
    assert verdict == f"{path}: invalid (6 problems)"
    fields = sorted(located(line, str(path))[2].split(":")[0] for line in problems)
    # The renamed slug is a shape problem, and so the references to luo-dan no longer resolve.
    assert fields == sorted(
        ["forum.city", "organisations[6].kind", "people[1].name", "people[7].slug", "panel.panelists[1]", "panel.remarks[1].speaker"]
    )


def test_validate_reports_shape_and_reference_problems_in_one_run(forum_text, runner, cli_app, write_forum, checks):
    text = forum_text.replace("    speaker: zheng-limin", "    speaker: zheng-limn").replace("  city: Guangzhou", "  city: [Guangzhou]")
    path = write_forum(text)
    result = invoke(runner, cli_app, "validate", str(path))
    *problems, verdict = result.stdout.splitlines()
    assert verdict == f"{path}: invalid (2 problems)"
    assert any("forum.city" in line for line in problems)
    assert any("talks[1].speaker: unknown person 'zheng-limn'; did you mean 'zheng-limin'?" in line for line in problems)


def test_validate_lists_every_reference_problem_with_location(forum_text, runner, cli_app, write_forum, checks):
    replaced = [
        ("    speaker: li-ziming", "    speaker: li-zimin"),
        ("themes: [talent]", "themes: [talnt]"),
        ("themes: [ai, npc]", "themes: [ai, npcc]"),
    ]
    text = forum_text
    for old, new in replaced:
        assert text.count(old) == 1, old  # the anchor must still be in the shipped forum
        text = text.replace(old, new)
    path = write_forum(text)
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    *problems, verdict = result.stdout.splitlines()
    assert verdict.endswith("invalid (3 problems)")
    for line in problems:
        number, _, rest = located(line, str(path))
        assert number >= 1 and ":" in rest
    assert any("did you mean 'li-ziming'" in line for line in problems)


def test_validate_reads_stdin_and_data_option(forum_text, runner, cli_app, write_forum, checks):
    for args in (["validate", "-"], ["--data", "-", "validate"]):
        result = invoke(runner, cli_app, *args, input=forum_text.encode())
        checks.sane(result, validate=True)
        assert result.exit_code == 0 and result.stdout.startswith("<stdin>: valid (")
    bad = write_forum("a: [1\n")
    result = invoke(runner, cli_app, "--data", str(bad), "validate")
    checks.sane(result, validate=True)
    assert result.exit_code == 1


def test_validate_missing_file(runner, cli_app, tmp_path, checks):
    result = invoke(runner, cli_app, "validate", str(tmp_path / "missing.yaml"))
    checks.sane(result, validate=True)
    assert result.exit_code == 1 and "no such file" in result.stdout


# -- stdin ---------------------------------------------------------------------------------------


def test_data_dash_reads_the_forum_from_stdin(forum_doc, runner, cli_app, checks):
    forum_doc["people"][1]["name"] = "Xue From Stdin"
    text = checks.dump(forum_doc)
    result = invoke(runner, cli_app, "--data", "-", "speakers", "-f", "json", input=text.encode())
    checks.sane(result, "json")
    assert result.exit_code == 0
    assert [p["name"] for p in json.loads(result.stdout)][1] == "Xue From Stdin"
    result = invoke(runner, cli_app, "speakers", "-f", "csv", input=text.encode(), env={"CBIIC_DATA": "-"})
    assert result.exit_code == 0 and "Xue From Stdin" in result.stdout


def test_empty_stdin_is_one_clear_line(runner, cli_app, checks):
    checks.one_clear_error(invoke(runner, cli_app, "--data", "-", "speakers", input=b""), "<stdin>", "no YAML document")


# -- markup, escapes and control characters in data ---------------------------------------------

MARKUP = ["[bold]Bold[/bold]", "[/x]", "[link=https://evil.example]click[/link]", "[red", "\\[b]", ":thumbs_up: :cn:", "[/]"]


def hostile_forum(doc: dict, value: str) -> dict:
    """Put value into a text field shown by each command."""
    doc["people"][0]["name"] = f"Ma {value} Jun"
    doc["people"][0]["honorific"] = f"Prof {value}"
    doc["people"][0]["note"]["text"] = f"Note {value}"
    doc["people"][0]["affiliations"][0]["position"] = f"Chair {value}"
    doc["organisations"][0]["name"] = f"Committee {value}"
    doc["organisations"][9]["note"]["text"] = f"Backer {value}"
    doc["themes"][0]["label"] = f"AI {value}"
    doc["themes"][0]["aliases"] = [f"alias {value}"]
    doc["themes"][0]["description"] = f"About {value}"
    doc["talks"][0]["title"] = f"Youth {value}"
    doc["talks"][0]["summary"] = f"Summary {value} zebrafish."
    doc["talks"][0]["key_points"][0]["text"] = f"Point {value}"
    doc["sessions"][0]["name"] = f"Session {value}"
    doc["panel"]["title"] = f"Panel {value}"
    doc["panel"]["moderator"]["as_written"] = f"Moderator {value}"
    doc["forum"]["name"] = f"Forum {value}"
    doc["forum"]["city"] = f"City {value}"
    doc["source"]["title"] = f"Source {value}"
    return doc


COMMANDS = [
    (["speakers"], "Ma {v} Jun"),
    (["speaker", "ma-jun-harbin"], "Note {v}"),
    (["talk", "ma-jun-youth-talent"], "Point {v}"),
    (["theme", "ai"], "About {v}"),
    (["themes"], "AI {v}"),
    (["agenda"], "Session {v}"),
    (["summary"], "Source {v}"),
    (["search", "zebrafish"], "Summary {v} zebrafish."),
    (["orgs"], "Committee {v}"),
]


@pytest.mark.parametrize("value", MARKUP)
@pytest.mark.parametrize(("args", "expected"), COMMANDS, ids=[c[0][0] for c in COMMANDS])
def test_rich_markup_in_data_prints_literally(value, args, expected, forum_doc, runner, cli_app, write_forum, checks):
    path = write_forum(hostile_forum(forum_doc, value))
    for env in (WIDE, {**WIDE, "FORCE_COLOR": "1"}):
        result = invoke(runner, cli_app, "--data", str(path), *args, env=env)
        checks.sane(result, color="FORCE_COLOR" in env)
        assert result.exit_code == 0, checks.describe(result)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
        assert expected.format(v=value) in shown, checks.describe(result)


ESCAPES = [
    "\x1b[31mRED\x1b[0m",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\x1b]0;new title\x1b\\",
    "\x1bP+q\x1b\\",
    "\x9b2J\x9d0;t\x9c",
    "\x07\x08\x7f\x00\x1a\r\x0b\x0c",
    "\x85",
]


NOT_IN_CSV = {"speaker", "theme", "summary"}  # their CSV rows are contributions, without the field checked
NOT_IN_JSON = {"theme"}  # its JSON is the contribution rows; the description is in `themes --format json`


@pytest.mark.parametrize("value", ESCAPES, ids=[repr(v) for v in ESCAPES])
# The table is what reaches a terminal, JSON the escaping a file format does; CSV and Markdown in the slow set.
@pytest.mark.parametrize(
    "fmt", ["table", "json", pytest.param("csv", marks=pytest.mark.slow), pytest.param("markdown", marks=pytest.mark.slow)]
)
def test_control_characters_never_reach_the_terminal(value, fmt, forum_doc, runner, cli_app, write_forum, checks):
    from cbiic_cli.render import clean

    path = write_forum(hostile_forum(forum_doc, value))
    for args, expected in COMMANDS:
        env = {**WIDE, "FORCE_COLOR": "1"} if fmt == "table" else WIDE
        result = invoke(runner, cli_app, "--data", str(path), *args, "--format", fmt, env=env)
        checks.sane(result, fmt, color=fmt == "table")  # no raw control character in stdout or stderr
        assert result.exit_code == 0, checks.describe(result)
        literal = expected.format(v=value)
        if args[0] == "search":
            continue  # a snippet is a deliberate excerpt with whitespace folded; only its safety is checked
        if fmt == "table":
            assert clean(literal) in checks.sgr.sub("", result.stdout), checks.describe(result)
        elif fmt == "csv" and args[0] not in NOT_IN_CSV:
            cells = [cell for row in csv.reader(io.StringIO(result.stdout, newline="")) for cell in row]
            assert any(clean(literal) in cell for cell in cells), checks.describe(result)
        elif fmt == "json" and args[0] not in NOT_IN_JSON:
            assert any(literal in s for s in json_strings(json.loads(result.stdout))), f"{args}: {value!r} does not round-trip through JSON"


def test_visible_escapes_are_readable(forum_doc, runner, cli_app, write_forum, checks):
    path = write_forum(hostile_forum(forum_doc, "\x1b[31mRED"))
    result = invoke(runner, cli_app, "--data", str(path), "speakers", env=WIDE)
    assert "Ma \\x1b[31mRED Jun" in result.stdout
    result = invoke(runner, cli_app, "--data", str(path), "speakers", "-f", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout, newline="")))
    assert rows[1][1] == "Ma \\x1b[31mRED Jun"
    result = invoke(runner, cli_app, "--data", str(path), "speakers", "-f", "json")
    assert '"Ma \\u001b[31mRED Jun"' in result.stdout
    assert json.loads(result.stdout)[0]["name"] == "Ma \x1b[31mRED Jun"


def test_error_messages_quoting_data_stay_on_one_line(forum_doc, runner, cli_app, write_forum, checks):
    """`cbiic talk ma` is ambiguous; the message lists the people's names, one of which holds a newline."""
    forum_doc["people"][0]["name"] = "Ma\nJun\x1b[2J"
    path = write_forum(forum_doc)
    result = invoke(runner, cli_app, "--data", str(path), "talk", "ma")
    checks.one_clear_error(result, "matches")


@pytest.mark.parametrize("key", ["bad\nkey", "bad\rkey", "tab\tkey", "esc\x1b[2Jkey"], ids=["LF", "CR", "TAB", "ESC"])
def test_unknown_key_with_line_breaks_is_reported_on_one_line(key, forum_doc, runner, cli_app, write_forum, checks):
    """The field path in a problem names the key; a key holding a newline must not split the line."""
    forum_doc["people"][0][key] = "x"
    path = write_forum(forum_doc)
    message = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), "unknown field")
    located(message, str(path))
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.stdout.splitlines()[-1].endswith("invalid (1 problem)")


def test_not_found_message_quoting_a_name_stays_on_one_line(forum_doc, runner, cli_app, write_forum, checks):
    luo = forum_doc["people"][7]
    assert luo["slug"] == "luo-dan"
    luo["name"] = "Luo\r\nDan"
    forum_doc["panel"]["remarks"] = [r for r in forum_doc["panel"]["remarks"] if r["speaker"] != "luo-dan"]
    path = write_forum(forum_doc)
    checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "talk", "luo-dan"), "has no talk")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_line_separators_in_data_do_not_break_table_rows(separator, forum_doc, runner, cli_app, write_forum, checks):
    """U+2028/U+2029 are line breaks to str.splitlines; a name holding one must stay on its row."""
    forum_doc["people"][0]["name"] = f"Ma{separator}Jun"
    path = write_forum(forum_doc)
    result = invoke(runner, cli_app, "--data", str(path), "speakers", env=WIDE)
    checks.sane(result)
    row = next(line for line in result.stdout.split("\n") if "ma-jun-harbin" in line)
    assert row.startswith("Ma") and "Jun" in row, checks.describe(result)
    # and on a terminal, where Rich lays the table out
    result = invoke(runner, cli_app, "--data", str(path), "speakers", env={**WIDE, "FORCE_COLOR": "1"})
    checks.sane(result, color=True)
    row = next(line for line in checks.sgr.sub("", result.stdout).split("\n") if "ma-jun-harbin" in line)
    assert row.startswith("Ma") and "Jun" in row, checks.describe(result)


def test_search_highlight_is_on_the_match_even_after_control_characters(forum_doc, runner, cli_app, write_forum, checks):
    forum_doc["talks"][4]["summary"] = "\x07\x07\x07\x07 Zebrafish are discussed."
    path = write_forum(forum_doc)
    result = invoke(runner, cli_app, "--data", str(path), "search", "zebrafish", env={**WIDE, "FORCE_COLOR": "1"})
    checks.sane(result, color=True)
    highlighted = "".join(text for codes, text in re.findall(r"\x1b\[([0-9;]*)m([^\x1b]*)", result.stdout) if "33" in codes.split(";"))
    assert highlighted == "Zebrafish", checks.describe(result)


# -- wide characters ---------------------------------------------------------------------------------


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


CHINESE_NAMES = ["马军", "薛俊丽", "马骏院士", "郑利民", "冯晨", "李子明", "王润东", "罗丹", "徐俊芳", "张勇"]


def test_chinese_names_line_up_in_tables(forum_doc, runner, cli_app, write_forum, checks):
    for person, name in zip(forum_doc["people"], CHINESE_NAMES):
        person["name"] = name
    forum_doc["organisations"][0]["name"] = "中国医药创新促进会抗肿瘤药物临床研究专业委员会"
    path = write_forum(forum_doc)
    for env in ({"COLUMNS": "200"}, {"COLUMNS": "200", "FORCE_COLOR": "1"}):
        result = invoke(runner, cli_app, "--data", str(path), "speakers", env=env)
        checks.sane(result, color="FORCE_COLOR" in env)
        assert_slug_column_lines_up(checks.sgr.sub("", result.stdout), [p["slug"] for p in forum_doc["people"]])


def assert_slug_column_lines_up(output: str, slugs: list[str]) -> None:
    starts = {}
    for line in output.split("\n"):
        for slug in slugs:
            if re.search(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", line):
                starts[slug] = display_width(line[: line.index(slug)])
    assert set(starts) == set(slugs), output
    assert len(set(starts.values())) == 1, f"slug column starts at display columns {starts}\n{output}"
    header = next(line for line in output.split("\n") if line.startswith("Name"))
    assert display_width(header[: header.index("Slug")]) == next(iter(starts.values()))


def test_chinese_names_line_up_in_the_orgs_table(forum_doc, runner, cli_app, write_forum, checks):
    for organisation, name in zip(
        forum_doc["organisations"], ["委员会", "哈尔滨血液病肿瘤研究所", "同济大学附属东方医院", "中国科学院", "中山大学肿瘤防治中心"]
    ):
        organisation["name"] = name
    path = write_forum(forum_doc)
    for env in ({"COLUMNS": "250"}, {"COLUMNS": "250", "FORCE_COLOR": "1"}):
        result = invoke(runner, cli_app, "--data", str(path), "orgs", env=env)
        checks.sane(result, color="FORCE_COLOR" in env)
        assert_people_column_lines_up(checks.sgr.sub("", result.stdout), {p["name"] for p in forum_doc["people"]})


def assert_people_column_lines_up(output: str, names: set[str]) -> None:
    """The column after a wide-character name starts where it does after a narrow one."""
    columns = set()
    for line in output.split("\n"):
        match = re.search(r"\s(" + "|".join(re.escape(n) for n in names) + r") \(", line)
        if match and line.strip() and any(n in line for n in ["委员会", "研究所", "医院", "科学院", "中心"]):
            columns.add(display_width(line[: match.start(1)]))
    assert len(columns) == 1, output


# -- the loader's newer promises, each as one located line for a query --------------------------

NEW_CLASSES = {
    # case: (original, replacement, field in the message, words in the message)
    "yaml-1.1-octal": (
        "    source_paragraphs: [13]\n\n  - id: wang",
        "    source_paragraphs: [010]\n\n  - id: wang",
        "talks[3].source_paragraphs[0]",
        "YAML 1.1 number form",
    ),
    "sexagesimal": (
        "    source_paragraphs: [13]\n\n  - id: wang",
        "    source_paragraphs: [1:30]\n\n  - id: wang",
        "talks[3].source_paragraphs[0]",
        "reads as 90",
    ),
    "plain-equals": ("  city: Guangzhou", "  city: =", "forum.city", "put it in quotes"),
    "plain-merge": ("  city: Guangzhou", "  city: <<", "forum.city", "put it in quotes"),
    "id-newline": ("  - slug: luo-dan\n", '  - slug: "luo-dan\\n"\n', "people[7].slug", "not a valid id"),
    "huge-value": ("  - slug: luo-dan\n", f"  - slug: {'X' * 70_000}\n", "people[7].slug", "more characters)"),
    "remark-non-panelist": (
        "  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]",
        "  panelists: [xue-junli, luo-dan, xu-junfang]",
        "panel.remarks[3].speaker",
        "not one of panel.panelists",
    ),
    "one-candidate": (
        "    candidates: [ma-jun-harbin, ma-jun-sysucc]\n    note:\n      text: >-\n        The article says only",
        "    candidates: [ma-jun-harbin]\n    note:\n      text: >-\n        The article says only",
        "panel.moderator.candidates",
        "at least 2 items",
    ),
}


@pytest.mark.parametrize("case", sorted(NEW_CLASSES))
def test_newer_classes_of_bad_data_are_one_located_line(case, forum_text, runner, cli_app, write_forum, checks):
    original, replacement, field, words = NEW_CLASSES[case]
    assert forum_text.count(original) == 1
    path = write_forum(forum_text.replace(original, replacement))
    line = checks.one_clear_error(invoke(runner, cli_app, "--data", str(path), "speakers"), words)
    _, _, rest = located(line, str(path))
    assert rest.startswith(field + ":") and len(line) < 1000, line
    result = invoke(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    assert result.exit_code == 1
