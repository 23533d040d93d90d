"""`cbiic validate` and the loader's promises: plain words, every problem, bounded reports, honest numbers.

Through Typer's CliRunner (stdout and stderr apart) and, for what only a real
process shows (closed and full streams, exit codes), the installed `cbiic`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.usefixtures("isolated_env")


def run(runner, app, *args, input=None, env=None):
    return runner.invoke(app, ["--no-cache", *args], input=input, env=env)


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Replace each anchor once, failing loudly if it moved."""
    for old, new in pairs:
        assert text.count(old) == 1, f"anchor {old!r} found {text.count(old)} times"
        text = text.replace(old, new)
    return text


def problems(result) -> list[str]:
    """The problem lines of a failed `validate` (its verdict line dropped)."""
    assert result.exit_code == 1, result.stdout + result.stderr
    *lines, verdict = result.stdout.splitlines()
    assert ": invalid (" in verdict, verdict
    return lines


def validate(runner, app, write_forum, text: str, checks, *extra: str) -> list[str]:
    path = write_forum(text)
    result = run(runner, app, "validate", str(path), *extra)
    checks.sane(result, validate=True)
    return problems(result)


# The end of talks[3] (li-ziming), the one place its paragraphs can be edited.
TALK3_PARAGRAPHS = "    source_paragraphs: [13]\n\n  - id: wang-rundong"


def talk3_paragraphs(value: str) -> tuple[str, str]:
    return TALK3_PARAGRAPHS, TALK3_PARAGRAPHS.replace("[13]", f"[{value}]")


JARGON = re.compile(r"`(str|int|object|array|null)\b|RFC ?3339|Expected |NoneType|tag:yaml\.org")


# -- A: plain words ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "expected"),
    [
        ("    honorific: Dr.", "    honorific: 42", "people[8].honorific", "expected text or nothing (null), got the whole number 42"),
        ("  date: 2024-11-30", "  date: soon", "forum.date", "expected a date like 2024-11-30, got the text 'soon'"),
        ("  date: 2024-11-30", "  date: 2024-11-30 10:00:00", "forum.date", "write the date alone, like 2024-11-30"),
        ("  city: Guangzhou", "  city: yes", "forum.city", "put the text in quotes"),
        ("  city: Guangzhou", "  city: [Guangzhou]", "forum.city", "expected non-empty text, got a list of 1 item"),
        (*talk3_paragraphs("0"), "talks[3].source_paragraphs[0]", "expected a whole number from 1 to 1,000,000, got the whole number 0"),
        (*talk3_paragraphs("thirteen"), "talks[3].source_paragraphs[0]", "expected a whole number from 1 to 1,000,000"),
        (
            "  - slug: luo-dan",
            "  - slug: Luo Dan",
            "people[7].slug",
            "'Luo Dan' is not a valid id; expected lower-case words joined by hyphens, e.g. zheng-limin; did you mean 'luo-dan'?",
        ),
    ],
)
def test_messages_say_what_is_expected_in_words(old, new, field, expected, forum_text, runner, cli_app, write_forum, checks):
    lines = validate(runner, cli_app, write_forum, edit(forum_text, (old, new)), checks)
    mine = [line for line in lines if f" {field}: " in line]
    assert mine and expected in mine[0], lines
    assert not any(JARGON.search(line) for line in lines), lines


def test_every_unknown_key_is_reported_even_beside_other_errors(forum_text, runner, cli_app, write_forum, checks):
    text = edit(forum_text, ("    name: Luo Dan\n", "    name: 42\n    nickname: LD\n    favourite_drug: none\n"))
    lines = validate(runner, cli_app, write_forum, text, checks)
    assert any(
        "people[7].nickname: unknown field 'nickname'; expected one of: slug, name, honorific, affiliations, same_as, note, source_paragraphs"
        in line
        for line in lines
    ), lines
    assert any("people[7].favourite_drug: unknown field 'favourite_drug'" in line for line in lines), lines
    assert any("people[7].name: expected non-empty text" in line for line in lines), lines


def test_an_invalid_enum_value_lists_the_allowed_ones(forum_text, runner, cli_app, write_forum, checks):
    lines = validate(runner, cli_app, write_forum, edit(forum_text, ("    kind: laboratory", "    kind: lab")), checks)
    (line,) = lines
    assert (
        "organisations[6].kind: 'lab' is not an allowed value; expected one of: committee, academy, university, university-school, hospital"
        in line
    )


def test_a_syntax_error_keeps_the_hint_where_the_construct_began(runner, cli_app, write_forum, checks):
    path = write_forum('source:\n  title: "unterminated\n  published: x\n')
    result = run(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    (line,) = problems(result)
    assert line.startswith(f"{path}:4:1: YAML syntax error: found unexpected end of stream")
    assert "while scanning a quoted scalar that started at line 2, column 10" in line


# -- A: semantic checks ------------------------------------------------------------------------------------

PANEL_MODERATOR = "  moderator:\n    as_written: Professor Ma Jun\n    candidates: [ma-jun-harbin, ma-jun-sysucc]\n"


@pytest.mark.parametrize(
    ("pairs", "field", "expected"),
    [
        pytest.param(
            [("  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]", "  panelists: [xue-junli, xu-junfang, zhang-yong]")],
            "panel.remarks[1].speaker",
            "'luo-dan' makes a panel remark but is not one of panel.panelists",
            id="remark-by-non-panelist",
        ),
        pytest.param(
            [(PANEL_MODERATOR, PANEL_MODERATOR.replace("[ma-jun-harbin, ma-jun-sysucc]", "[ma-jun-harbin]"))],
            "panel.moderator.candidates",
            "needs at least 2 items (the people it may be, at least two; if the article says who, write that slug instead), got 1 item",
            id="one-candidate",
        ),
        pytest.param(
            [(PANEL_MODERATOR, PANEL_MODERATOR.replace("[ma-jun-harbin, ma-jun-sysucc]", "[ma-jun-harbin, ma-jun-harbin]"))],
            "panel.moderator.candidates[1]",
            "'ma-jun-harbin' is already candidate 0",
            id="duplicate-candidates",
        ),
        pytest.param(
            [("    moderator: xue-junli\n", "    moderator: xue-junlee\n")],
            "sessions[1].moderator",
            "unknown person 'xue-junlee'; did you mean 'xue-junli'?",
            id="unknown-moderator",
        ),
        pytest.param(
            [("    speaker: zheng-limin\n", "    speaker: zheng-li-min\n")],
            "talks[1].speaker",
            "unknown person 'zheng-li-min'; did you mean 'zheng-limin'?",
            id="unknown-speaker",
        ),
        pytest.param(
            [
                (
                    "    moderator: ma-jun-harbin\n    source_paragraphs: [4]\n",
                    "    moderator: ma-jun-harbin\n    talks: [li-ziming-nsclc-testing]\n    source_paragraphs: [4]\n",
                ),
                (
                    "    moderator: xue-junli\n    source_paragraphs: [5]\n",
                    "    moderator: xue-junli\n    talks: [li-ziming-nsclc-testing]\n    source_paragraphs: [5]\n",
                ),
            ],
            "sessions[1].talks[0]",
            "talk 'li-ziming-nsclc-testing' is already listed at sessions[0].talks[0]; a talk belongs to one session",
            id="talk-in-two-sessions",
        ),
        pytest.param(
            [("themes: [talent]", "themes: [talents-x]")],
            "talks[0].key_points[3].themes[0]",
            "unknown theme 'talents-x'; did you mean 'talent'?",
            id="unknown-key-point-theme",
        ),
    ],
)
def test_semantic_checks(pairs, field, expected, forum_text, runner, cli_app, write_forum, checks):
    lines = validate(runner, cli_app, write_forum, edit(forum_text, *pairs), checks)
    assert any(f" {field}: {expected}" in line for line in lines), lines


def test_every_problem_inside_optional_and_union_parts_is_reported(forum_text, runner, cli_app, write_forum, checks):
    text = edit(
        forum_text,
        ("opening:\n  id: opening-speech\n", "opening:\n  id: opening-speech\n  mood: festive\n"),
        ("  source_paragraphs: [4]\n\n# The article names", "  source_paragraphs: [0]\n\n# The article names"),
        (PANEL_MODERATOR, PANEL_MODERATOR.replace("  moderator:\n", "  moderator:\n    known_as: Ma\n") + "    candidates_note: x\n"),
        ("  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong]", "  panelists: [xue-junli, luo-dan, xu-junfang, zhang-yong, 7]"),
        ("  closing:\n    id: panel-closing\n", "  closing:\n    id: Panel Closing\n"),
    )
    lines = validate(runner, cli_app, write_forum, text, checks)
    fields = sorted(line.split(": ")[1] for line in lines)
    assert fields == sorted(
        [
            "opening.mood",
            "opening.source_paragraphs[0]",
            "panel.moderator.known_as",
            "panel.moderator.candidates_note",
            "panel.panelists[4]",
            "panel.closing.id",
        ]
    ), lines


# -- A: formats, several files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--format", "-f"])
def test_json_format_is_one_object_per_problem(option, forum_text, runner, cli_app, write_forum, checks):
    text = edit(forum_text, ("    name: Luo Dan", "    name: 42"), ("  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n"))
    bad, good = write_forum(text), write_forum(forum_text)
    result = run(runner, cli_app, "validate", str(good), str(bad), option, "json")
    assert result.exit_code == 1 and result.stderr == ""
    records = json.loads(result.stdout)
    assert [sorted(record) for record in records] == [["column", "file", "line", "message", "path"]] * 2
    assert {(r["file"], r["path"]) for r in records} == {(str(bad), "forum.mayor"), (str(bad), "people[7].name")}
    mayor = next(r for r in records if r["path"] == "forum.mayor")
    assert (mayor["line"], mayor["column"]) == (text.splitlines().index("  mayor: nobody") + 1, 3)
    assert mayor["message"].startswith("unknown field 'mayor'")
    result = run(runner, cli_app, "validate", str(good), "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_several_files_get_a_verdict_each(forum_text, runner, cli_app, write_forum, tmp_path, checks):
    good = write_forum(forum_text)
    bad = write_forum(edit(forum_text, ("    name: Luo Dan", "    name: 42")))
    missing = tmp_path / "missing.yaml"
    result = run(runner, cli_app, "validate", str(good), str(bad), str(missing), str(good))
    assert result.exit_code == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    verdicts = [line for line in lines if re.search(r": (valid|invalid) \(", line)]
    assert verdicts == [
        f"{good}: valid (10 people, 5 talks, 4 panel remarks, 14 themes)",
        f"{bad}: invalid (1 problem)",
        f"{missing}: invalid (1 problem)",
        f"{good}: valid (10 people, 5 talks, 4 panel remarks, 14 themes)",
    ]
    result = run(runner, cli_app, "validate", str(good), str(good))
    assert result.exit_code == 0 and result.stdout.count(": valid (") == 2


# -- B: bounded messages and reports -----------------------------------------------------------------------------


def test_a_huge_value_or_key_is_quoted_short(forum_text, runner, cli_app, write_forum, checks):
    huge = "x" * 70_000
    text = edit(
        forum_text,
        ("  - slug: luo-dan\n", f"  - slug: Luo-{huge}\n    ? {huge}\n    : 1\n"),  # `? ` : libyaml caps plain keys at 1024 characters
        ("    kind: laboratory", f"    kind: {huge}"),
        ("    name: Zhang Yong", f"    name: [{huge}]"),
    )
    lines = validate(runner, cli_app, write_forum, text, checks)
    assert lines and all(len(line) < 600 for line in lines), [len(line) for line in lines]
    assert sum("more characters)" in line for line in lines) >= 3, lines


def test_thousands_of_dangling_references_are_counted_not_listed(runner, cli_app, write_forum, checks):
    from test_benchmarks_generator import _generator

    text = _generator().make_forum(600)
    text, count = re.subn(r"(?m)^    speaker: ([a-z0-9-]+)$", r"    speaker: \1-gone", text)
    assert count > 500
    path = write_forum(text)
    result = run(runner, cli_app, "validate", str(path))
    checks.sane(result, validate=True)
    lines = problems(result)
    listed = [line for line in lines if ": unknown person '" in line]
    assert 1 <= len(listed) <= 25 and all("did you mean" in line for line in listed), lines
    summary = [line for line in lines if "more unknown references from here on are not listed" in line]
    assert len(summary) == 1
    assert result.stdout.splitlines()[-1] == f"{path}: invalid ({count:,} problems)"


@pytest.mark.parametrize(
    "value", ["99999999999999999999", "１０００", " 1000", "+1000", "1_000", "-1", "0", "", "1e6", str(2**31), "9" * 5000, "0" * 5000]
)
def test_max_bytes_outside_the_sane_range_is_a_configuration_error(value, runner, cli_app, checks):
    line = checks.one_clear_error(
        run(runner, cli_app, "speakers", env={"CBIIC_MAX_BYTES": value}),
        "CBIIC_MAX_BYTES must be a whole number of bytes from 1 to 1,073,741,824",
    )
    assert len(line) < 300


def test_max_bytes_with_thousands_of_leading_zeros_is_the_number_it_spells(runner, cli_app):
    result = run(runner, cli_app, "speakers", env={"CBIIC_MAX_BYTES": "0" * 5000 + "5000000"})
    assert result.exit_code == 0, result.stderr


def test_max_bytes_at_the_top_of_the_range_is_accepted(runner, cli_app):
    result = run(runner, cli_app, "speakers", env={"CBIIC_MAX_BYTES": str(1024**3)})
    assert result.exit_code == 0, result.stderr


def test_nesting_deeper_than_the_limit_is_one_clear_error(runner, cli_app, write_forum, checks):
    path = write_forum("people: " + "[" * 150 + "]" * 150 + "\n")
    checks.one_clear_error(run(runner, cli_app, "--data", str(path), "speakers"), "nests more than 100 levels")


PEAK_RSS_PROBE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.parametrize(
    "shape", ["block-list", pytest.param("flow-list", marks=pytest.mark.slow), pytest.param("flow-mappings", marks=pytest.mark.slow)]
)
def test_memory_per_input_byte_is_bounded(shape, cbiic_exe, isolated_env, tmp_path):
    """A pathological file of 4 MB: peak RSS must stay near the file's size, not hundreds of times it."""
    count = 1_000_000
    body = {
        "flow-list": "people: [" + "1, " * count + "1]\n",
        "block-list": "people:\n" + "- 1\n" * count,
        "flow-mappings": "people: [" + "{}, " * count + "{}]\n",
    }[shape]
    path = tmp_path / "big.yaml"
    path.write_text(body)
    baseline = int(
        subprocess.run(
            [sys.executable, "-c", PEAK_RSS_PROBE, str(cbiic_exe), "--version"], capture_output=True, text=True, env=isolated_env
        ).stdout
    )
    peak = int(
        subprocess.run(
            [sys.executable, "-c", PEAK_RSS_PROBE, str(cbiic_exe), "--no-cache", "--data", str(path), "speakers"],
            capture_output=True,
            text=True,
            env=isolated_env,
            timeout=600,
        ).stdout
    )
    per_byte = (peak - baseline) * 1024 / path.stat().st_size
    assert per_byte < 40, f"{per_byte:.0f} bytes of RAM per input byte"


# -- C: validation promises ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("form, read_as", [("010", 8), ("1:30", 90), ("0x1F", 31), ("1_000", 1000), ("0b11", 3), ("+013", 11)])
def test_yaml_1_1_number_forms_are_rejected_not_reread(form, read_as, forum_text, runner, cli_app, write_forum, checks):
    lines = validate(runner, cli_app, write_forum, edit(forum_text, talk3_paragraphs(form)), checks)
    (line,) = lines
    assert (
        f"talks[3].source_paragraphs[0]: '{form}' is a YAML 1.1 number form that reads as {read_as}; write whole numbers in plain decimal digits"
        in line
    )


@pytest.mark.parametrize("values", ["010, 0x1F", "<<, =", "010, 010"])
def test_values_the_reader_refused_are_not_also_reported_as_repeats(values, forum_text, runner, cli_app, write_forum, checks):
    lines = validate(runner, cli_app, write_forum, edit(forum_text, talk3_paragraphs(values)), checks)
    assert len(lines) == 2 and not any("listed twice" in line for line in lines), lines


def test_an_octal_looking_text_in_a_number_field_says_how_to_write_numbers(forum_text, runner, cli_app, write_forum, checks):
    (line,) = validate(runner, cli_app, write_forum, edit(forum_text, talk3_paragraphs("0o17")), checks)
    assert "write whole numbers in plain decimal digits" in line


@pytest.mark.parametrize("text", ["<<", "="])
def test_a_plain_merge_or_value_sign_as_text_gets_a_quoting_message(text, forum_text, runner, cli_app, write_forum, checks):
    (line,) = validate(runner, cli_app, write_forum, edit(forum_text, ("  city: Guangzhou", f"  city: {text}")), checks)
    assert f"forum.city: '{text}' on its own means something special in YAML; put it in quotes" in line
    assert "tag" not in line


@pytest.mark.parametrize("value", ['"opening-speech\\n"', '"opening-speech\\n\\n"', '"opening-speech "', '"\\nopening-speech"'])
def test_an_id_with_a_newline_or_space_is_rejected(value, forum_text, runner, cli_app, write_forum, checks):
    """The opening's id is referenced nowhere, so only the id's own pattern can refuse it."""
    (line,) = validate(runner, cli_app, write_forum, edit(forum_text, ("  id: opening-speech\n", f"  id: {value}\n")), checks)
    assert "opening.id: " in line and "is not a valid id" in line, line


@pytest.mark.parametrize("how", ["option", "variable"])
def test_an_empty_data_path_is_an_error_not_the_shipped_forum(how, runner, cli_app, run_cbiic, checks):
    args, env = (["--data", ""], None) if how == "option" else ([], {"CBIIC_DATA": ""})
    line = checks.one_clear_error(runner.invoke(cli_app, [*args, "speakers"], env=env), "is empty")
    assert ("--data" if how == "option" else "CBIIC_DATA") in line
    checks.one_clear_error(run_cbiic(*args, "speakers", env=env), "is empty")
    checks.one_clear_error(run_cbiic(*args, "validate", env=env), "is empty")


# -- E: the environment's failures --------------------------------------------------------------------------------


def shell(cbiic_exe, redirect: str, *args: str, env=None):
    """Run cbiic under sh with a redirection Python's subprocess cannot express (a closed descriptor)."""
    return subprocess.run(
        ["sh", "-c", f'"$0" "$@" {redirect}', str(cbiic_exe), *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize(
    ("redirect", "args", "says"),
    [
        (">&-", ["speakers"], "cannot write the output: standard output is closed"),
        (">&-", ["--help"], "standard output is closed"),
        (">&-", ["validate"], "cannot write the output: standard output is closed"),
        ("<&-", ["--data", "-", "speakers"], "cannot read the forum from standard input: it is closed"),
        ("> /dev/full", ["speakers"], "cannot write the output: No space left on device"),
        ("> /dev/full", ["speakers", "-f", "json"], "No space left on device"),
        ("> /dev/full", ["--version"], "No space left on device"),
        ("> /dev/full", ["--help"], "No space left on device"),
    ],
)
def test_io_failures_are_one_line_and_exit_4(redirect, args, says, cbiic_exe, isolated_env):
    result = shell(cbiic_exe, redirect, *args, env=isolated_env)
    assert result.returncode == 4, result
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("cbiic: ") and says in result.stderr, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["speakers"], ["speakers", "-f", "json"], ["export", "json", "-"]], ids=" ".join)
def test_a_disk_that_fills_part_way_is_an_error_not_a_short_file(args, cbiic_exe, isolated_env, tmp_path):
    # ulimit -f 4 lets 2,048 bytes into the file: the first write is short, the next fails.
    out = tmp_path / "out"
    result = subprocess.run(
        ["sh", "-c", f'ulimit -f 4; "$0" "$@" > "{out}"', str(cbiic_exe), *args],
        capture_output=True,
        text=True,
        env=isolated_env,
        timeout=120,
    )
    assert out.stat().st_size == 2048
    assert result.returncode == 4, result
    assert result.stderr == "cbiic: cannot write the output: File too large\n"


@pytest.mark.parametrize(
    ("redirect", "args", "code"),
    [
        ("2> /dev/full", ["search", "zzzqqq"], 0),
        ("2> /dev/full", ["speaker"], 2),
        ("2> /dev/full", ["speaker", "nobody"], 1),
        ("> /dev/full 2> /dev/full", ["speakers"], 4),
    ],
)
def test_a_standard_error_that_cannot_be_written_keeps_the_exit_code(redirect, args, code, cbiic_exe, isolated_env):
    result = shell(cbiic_exe, redirect, *args, env=isolated_env)
    assert result.returncode == code, result


def test_a_reader_that_leaves_early_is_success(cbiic_exe, isolated_env):
    result = subprocess.run(
        ["sh", "-c", '"$0" summary --format markdown | head -1; exit "${PIPESTATUS:-0}"', str(cbiic_exe)],
        capture_output=True,
        text=True,
        env=isolated_env,
        timeout=120,
    )
    assert result.stdout.startswith("# ") and result.stderr == ""
    result = subprocess.run(
        ["bash", "-c", '"$0" speakers -f json | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"', str(cbiic_exe)],
        capture_output=True,
        text=True,
        env=isolated_env,
        timeout=120,
    )
    assert result.stdout.strip() == "0" and result.stderr == ""


@pytest.mark.parametrize("character", ["\u2028", "\u2029", "\x85"])
def test_a_raw_yaml_only_line_break_is_named_where_an_editor_shows_it(character, forum_text, runner, cli_app, write_forum, checks):
    text = forum_text.replace("  city: Guangzhou", f"  city: Guang{character}zhou", 1)
    (line,) = validate(runner, cli_app, write_forum, text, checks)
    number = forum_text[: forum_text.index("  city: Guangzhou")].count("\n") + 1
    assert "the file holds an invisible " in line and f"at line {number}, column 14, which YAML reads as a line break" in line


@pytest.mark.parametrize("character", ["\u2028", "\u2029", "\x85"])
def test_problems_after_a_quoted_yaml_only_break_are_on_the_lines_an_editor_shows(
    character, forum_text, runner, cli_app, write_forum, checks
):
    text = forum_text.replace("  city: Guangzhou", f'  city: "Guang{character}zhou"', 1)
    text, wrong = edit(text, talk3_paragraphs("soon")), edit(forum_text, talk3_paragraphs("soon"))
    (line,) = validate(runner, cli_app, write_forum, text, checks)
    number = wrong[: wrong.index("[soon]")].count("\n") + 1
    assert f":{number}:" in line.split(" ")[0] and "talks[3].source_paragraphs[0]" in line


def test_a_glossary_term_with_more_than_eight_expansions_is_refused_where_it_is(runner, cli_app, forum_text, write_forum, checks):
    """Each expansion of a term a query names is matched as a phrase of its own: 400 of them made a search quadratic."""
    text = forum_text.replace(
        "  - term: AI\n    expansions: [artificial intelligence]", "  - term: AI\n    expansions: [a1, a2, a3, a4, a5, a6, a7, a8, a9]", 1
    )
    assert text != forum_text
    path = write_forum(text)
    line = checks.one_clear_error(runner.invoke(cli_app, ["--data", str(path), "search", "AI"]), "glossary[0].expansions", "1 to 8 items")
    assert f"{path}:" in line
