"""Property tests: random documents, random mutations of the shipped forum, and random strings in text fields.

Every run must end in valid output or one clear error: never a traceback, never
an exception escaping the loader, never a raw control character on the terminal.
Any string placed in a text field must come back literally in table, JSON and
CSV output (control characters as visible escapes such as ``\\x1b``).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import json_strings
from typer.testing import CliRunner

from cbiic_cli.cli import app
from cbiic_cli.errors import ForumDataError
from cbiic_cli.load import parse_forum
from cbiic_cli.render import clean

pytestmark = [pytest.mark.usefixtures("isolated_env"), pytest.mark.fuzz]

# The env fixture is the same for every example (a private cache and no colour
# variables), so sharing it across examples is intended.
# How many examples each property tries comes from the Hypothesis profile: 20 by default (conftest.py),
# 200 under `--hypothesis-profile deep`, which CI runs after the README's command.
FUZZ = settings(
    deadline=None,
    database=None,
    # CI must be reproducible: a run on main replays the same examples; locally each run explores new ones.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

RUNNER = CliRunner()

COMMANDS = [
    ["speakers"],
    ["speakers", "--org", "hospital"],
    ["speaker", "ma-jun-harbin"],
    ["talk", "panel"],
    ["talk", "ma"],
    ["theme", "insurance"],
    ["themes"],
    ["agenda"],
    ["summary"],
    ["search", "insurance"],
    ["search", '"immune checkpoint"', "--theme", "immunotherapy"],
    ["orgs"],
]
FORMATS = ["table", "json", "csv", "markdown"]

FORUM_KEYS = [
    "source", "forum", "organisations", "people", "themes", "opening", "sessions", "talks", "panel",
    "title", "published", "file", "paragraph_numbering", "name", "conference", "date", "city", "participants",
    "organisers", "as_written", "note", "aims", "source_paragraphs", "id", "kind", "slug", "honorific",
    "affiliations", "position", "organisation", "label", "aliases", "description", "speaker", "summary",
    "key_points", "topic", "candidates", "moderator", "panelists", "remarks", "closing",
]  # fmt: skip

FRAGMENTS = [
    "&a ", "*a", "!!python/object/apply:os.system ['true']", "!!python/name:os.system", "[", "]", "{", "}",
    ": ", "- ", "? ", "<<: ", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2024:\n", "!!binary ", "!local ",
    "\t", "#", "|\n", ">-\n", '"', "'", "\\", "~", "null", "yes", "0x1F", "0o17", "1e400", "2024-13-45",
    "2024-11-30T10:00:00", ".nan", "-.inf", "@", "`", "\x00", "\x1b[31m", "\ufeff", "é", "名字", "\r\n", "\r",
    "\u2028", "9" * 30, "[bold]", "[/x]", "\x85", "\x9b", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ",
    "!!timestamp ", "!!map ", "!!seq ", '""', "''", "! ",
    "010", "1:30", "0b11", "1_000", "+013", "=", "<<", '"x\\n"', "x" * 2000,
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(st.characters(codec="utf-8"), max_size=20)
    | st.dates()
    | st.sampled_from(["ma-jun-harbin", "insurance", "talk", "hospital", "2024-11-30", "", " "])
)
keys = st.sampled_from(FORUM_KEYS) | st.text(st.characters(codec="utf-8"), max_size=8)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=30,
)


def run(args: list[str], data: bytes, *, cache: bool = False) -> Any:
    prefix = [] if cache else ["--no-cache"]
    return RUNNER.invoke(app, [*prefix, "--data", "-", *args], input=data)


def load_directly(data: bytes) -> Any:
    """The loader on its own: a Forum or ForumDataError, nothing else may escape."""
    try:
        return parse_forum(data, "fuzz.yaml")
    except ForumDataError as error:
        assert error.problems, "a ForumDataError must carry at least one problem"
        for problem in error.problems:
            line = problem.located(error.filename)
            assert line.startswith("fuzz.yaml") and problem.message
        str(error)
        return None


def exercise(data: bytes, command: list[str], fmt: str, checks: Any) -> Any:
    forum = load_directly(data)
    result = RUNNER.invoke(app, ["validate", "-"], input=data)
    checks.sane(result, validate=True)
    assert (result.exit_code == 0) == (forum is not None), checks.describe(result)
    result = run([*command, "--format", fmt], data)
    checks.sane(result, fmt)
    if forum is None:
        assert result.exit_code == 1
    return forum


# -- random documents --------------------------------------------------------------------------


@FUZZ
@given(doc=documents, command=st.sampled_from(COMMANDS), fmt=st.sampled_from(FORMATS))
def test_random_documents_give_output_or_one_clear_error(doc, command, fmt, checks):
    text = yaml.safe_dump(doc, allow_unicode=True)
    exercise(text.encode("utf-8"), command, fmt, checks)


@FUZZ
@given(
    raw=st.binary(max_size=300)
    | st.text(st.characters(codec="utf-8"), max_size=200).map(lambda t: t.encode("utf-8"))
    | st.lists(st.sampled_from(FRAGMENTS) | st.sampled_from(FORUM_KEYS), max_size=40).map(lambda parts: "".join(parts).encode("utf-8")),
    command=st.sampled_from(COMMANDS),
)
def test_random_bytes_give_one_clear_error(raw, command, checks):
    exercise(raw, command, "table", checks)


# -- random mutations of the shipped forum --------------------------------------------------------


@st.composite
def text_mutations(draw: Any, text: str) -> bytes:
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        op = draw(
            st.sampled_from(
                [
                    "delete_span",
                    "insert",
                    "replace_char",
                    "delete_line",
                    "duplicate_line",
                    "swap_lines",
                    "indent",
                    "truncate",
                    "replace_value",
                ]
            )
        )
        at = draw(st.integers(0, len(text)))
        line = draw(st.integers(0, len(lines) - 1))
        if op == "delete_span":
            text = text[:at] + text[at + draw(st.integers(1, 200)) :]
        elif op == "insert":
            text = text[:at] + draw(st.sampled_from(FRAGMENTS) | st.text(st.characters(codec="utf-8"), max_size=8)) + text[at:]
        elif op == "replace_char":
            text = text[:at] + draw(st.characters(codec="utf-8")) + text[at + 1 :]
        elif op == "delete_line":
            del lines[line]
            text = "\n".join(lines)
        elif op == "duplicate_line":
            lines.insert(line, lines[line])
            text = "\n".join(lines)
        elif op == "swap_lines":
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
            text = "\n".join(lines)
        elif op == "indent":
            shift = draw(st.sampled_from([-4, -2, -1, 1, 2, 4]))
            lines[line] = " " * shift + lines[line] if shift > 0 else lines[line][-shift:]
            text = "\n".join(lines)
        elif op == "truncate":
            text = text[:at]
        elif op == "replace_value":
            candidates = [i for i, item in enumerate(lines) if ": " in item]
            if not candidates:
                continue
            index = draw(st.sampled_from(candidates))
            key, _, _ = lines[index].partition(": ")
            lines[index] = key + ": " + draw(st.sampled_from(FRAGMENTS) | st.text(st.characters(codec="utf-8"), max_size=12))
            text = "\n".join(lines)
    data = text.encode("utf-8")
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:  # now and then, bytes that are not UTF-8
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


@FUZZ
@given(data=st.data(), command=st.sampled_from(COMMANDS), fmt=st.sampled_from(FORMATS))
def test_text_mutations_of_the_forum(data, command, fmt, forum_text, checks):
    mutated = data.draw(text_mutations(forum_text))
    exercise(mutated, command, fmt, checks)


def all_paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += all_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += all_paths(item, prefix + (index,))
    return found


def parent_of(doc: Any, path: tuple) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def structural_mutations(draw: Any, pristine: dict) -> dict:
    doc = copy.deepcopy(pristine)
    paths = all_paths(pristine)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(paths))
        try:
            parent = parent_of(doc, path)
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        action = draw(st.sampled_from(["set_text", "set_text", "set_value", "delete", "add_unknown", "duplicate", "empty"]))
        if action == "set_text":
            parent[path[-1]] = draw(st.text(st.characters(codec="utf-8"), max_size=30))
        elif action == "set_value":
            parent[path[-1]] = draw(documents)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add_unknown" and isinstance(parent, dict):
            parent[draw(keys)] = draw(scalars)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(path[-1], copy.deepcopy(parent[path[-1]]))
        elif action == "empty":
            parent[path[-1]] = draw(st.sampled_from(["", [], {}, None, 0]))
    return doc


@FUZZ
@given(data=st.data())
def test_structural_mutations_of_the_forum_through_every_command(data, forum_doc, checks):
    doc = data.draw(structural_mutations(forum_doc))
    text = checks.dump(doc).encode("utf-8")
    forum = exercise(text, ["speakers"], "table", checks)
    if forum is None:
        return
    # Still a valid forum: every command in every format must answer sanely (through the cache too).
    for command in COMMANDS:
        for fmt in FORMATS:
            checks.sane(run([*command, "--format", fmt], text, cache=True), fmt)


# -- any string in any text field round-trips literally ----------------------------------------------

printable = st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S")) | st.just(" ")
controls = st.sampled_from([chr(c) for c in range(0x20) if c not in (0x09, 0x0A)] + [chr(c) for c in range(0x7F, 0xA0)])
pieces = st.sampled_from(
    [
        "[bold]",
        "[/x]",
        "[/]",
        "[link=https://e.example]",
        "\x1b[31m",
        "\x1b]8;;https://e\x07",
        "\x1b\\",
        ":smile:",
        "名字",
        "👍🏽",
        "e\u0301",
        "\\",
        "%s",
        "{0}",
    ]
)
hostile_text = st.lists(printable | controls | pieces, min_size=1, max_size=25).map("".join)

ROUND_TRIP_FIELDS = [
    # (path, table command, json command, csv command or None where no CSV carries the field)
    (("people", 1, "name"), ["speakers"], ["speakers"], ["speakers"]),
    (("people", 0, "honorific"), ["speaker", "ma-jun-harbin"], ["speakers"], ["speakers"]),
    (("people", 0, "note", "text"), ["speaker", "ma-jun-harbin"], ["speaker", "ma-jun-harbin"], None),
    (("people", 1, "affiliations", 0, "position"), ["speakers"], ["speakers"], ["speakers"]),
    (("organisations", 0, "name"), ["orgs"], ["orgs"], ["orgs"]),
    (("organisations", 9, "note", "text"), ["orgs"], ["orgs"], ["orgs"]),
    (("themes", 0, "label"), ["themes"], ["themes"], ["themes"]),
    (("themes", 1, "aliases", 0), ["themes"], ["themes"], ["themes"]),
    (("themes", 0, "description"), ["theme", "ai"], ["themes"], ["themes"]),
    (("talks", 0, "title"), ["talk", "ma-jun-youth-talent"], ["talk", "ma-jun-youth-talent"], ["talk", "ma-jun-youth-talent"]),
    (
        ("talks", 2, "topic"),
        ["talk", "feng-chen-research-hospitals"],
        ["talk", "feng-chen-research-hospitals"],
        ["talk", "feng-chen-research-hospitals"],
    ),
    (("talks", 0, "summary"), ["talk", "ma-jun-youth-talent"], ["talk", "ma-jun-youth-talent"], ["talk", "ma-jun-youth-talent"]),
    (
        ("talks", 0, "key_points", 0, "text"),
        ["talk", "ma-jun-youth-talent"],
        ["talk", "ma-jun-youth-talent"],
        ["talk", "ma-jun-youth-talent"],
    ),
    (("opening", "summary"), ["talk", "opening-speech"], ["talk", "opening-speech"], ["talk", "opening-speech"]),
    (("panel", "remarks", 0, "summary"), ["talk", "xue-junli-remark"], ["talk", "xue-junli-remark"], ["talk", "xue-junli-remark"]),
    (("panel", "closing", "summary"), ["talk", "panel-closing"], ["talk", "panel-closing"], ["talk", "panel-closing"]),
    (("panel", "moderator", "as_written"), ["agenda"], ["agenda"], ["agenda"]),
    (("panel", "title"), ["agenda"], ["agenda"], ["agenda"]),
    (("sessions", 1, "name"), ["agenda"], ["agenda"], ["agenda"]),
    (("forum", "name"), ["summary"], ["summary"], None),
    (("forum", "city"), ["summary"], ["summary"], None),
    (("forum", "aims", 0), ["summary"], ["summary"], None),
    (("source", "title"), ["summary"], ["summary"], None),
]


@FUZZ
@given(field=st.sampled_from(ROUND_TRIP_FIELDS), value=hostile_text)
def test_any_string_in_any_text_field_round_trips(field, value, forum_doc, checks):
    path, table_args, json_args, csv_args = field
    marked = f"«{value}»"
    forum_doc = copy.deepcopy(forum_doc)  # the fixture's copy is shared by every example
    parent_of(forum_doc, path)[path[-1]] = marked
    text = checks.dump(forum_doc)
    assume(yaml.safe_load(text) == forum_doc)  # PyYAML itself must carry the string; that is not cbiic's concern
    data = text.encode("utf-8")
    shown = clean(marked)
    wide = {"COLUMNS": "3000"}

    for env in (wide, {**wide, "FORCE_COLOR": "1"}):
        result = RUNNER.invoke(app, ["--data", "-", *table_args], input=data, env=env)
        colour = "FORCE_COLOR" in env
        checks.sane(result, "table", color=colour)
        assert result.exit_code == 0, checks.describe(result)
        out = checks.sgr.sub("", result.stdout) if colour else result.stdout
        assert shown in out, f"{path}: {shown!r} not shown literally by {table_args} (colour={colour})\n" + checks.describe(result)

    result = RUNNER.invoke(app, ["--data", "-", *json_args, "-f", "json"], input=data)
    checks.sane(result, "json")
    assert result.exit_code == 0, checks.describe(result)
    assert any(marked in s for s in json_strings(json.loads(result.stdout))), f"{path}: {marked!r} lost in JSON"

    if csv_args:
        result = RUNNER.invoke(app, ["--data", "-", *csv_args, "-f", "csv"], input=data)
        checks.sane(result, "csv")
        assert result.exit_code == 0, checks.describe(result)
        cells = [cell for row in csv.reader(io.StringIO(result.stdout, newline="")) for cell in row]
        assert any(shown in cell for cell in cells), f"{path}: {shown!r} lost in CSV"

    result = RUNNER.invoke(app, ["--data", "-", *table_args, "-f", "markdown"], input=data)
    checks.sane(result, "markdown")
    assert result.exit_code == 0, checks.describe(result)


# -- the loader's promises, as properties -------------------------------------------------------------

PLAIN_DECIMAL = __import__("re").compile(r"[-+]?(?:0|[1-9][0-9]*)")
SLUG = __import__("re").compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TALK3_PARAGRAPHS = "    source_paragraphs: [13]\n\n  - id: wang"

number_forms = st.builds(
    lambda sign, prefix, digits, joiner, more: f"{sign}{prefix}{digits}{joiner}{more}",
    st.sampled_from(["", "+", "-"]),
    st.sampled_from(["", "0", "0x", "0b", "0o", "00"]),
    st.text("0123456789abcdefABCDEF", min_size=1, max_size=4),
    st.sampled_from(["", "_", ":", "__", "."]),
    st.text("0123456789", max_size=3),
)


@FUZZ
@given(form=number_forms)
def test_a_number_field_never_changes_a_number_silently(form, forum_text, checks):
    """Whatever is written in a whole-number field, the forum holds exactly that decimal, or the file is refused."""
    data = forum_text.replace(TALK3_PARAGRAPHS, TALK3_PARAGRAPHS.replace("[13]", f"[{form}]"), 1).encode()
    forum = load_directly(data)
    if forum is not None:
        assert PLAIN_DECIMAL.fullmatch(form), f"{form!r} was accepted"
        assert forum.talks[3].source_paragraphs == [int(form)]


special_plain_scalars = st.sampled_from(
    ["<<", "=", "yes", "No", "on", "~", "null", "1:30", "0x1F", "010", ".inf", ".NaN", "2024-11-30", "12:30:00", "1e3", "-", "?x", "!x"]
)


@FUZZ
@given(value=special_plain_scalars | st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")), min_size=1, max_size=12))
def test_a_text_field_holds_what_was_written_or_the_file_is_refused(value, forum_text, checks):
    data = forum_text.replace("  city: Guangzhou\n", f"  city: {value}\n", 1).encode()
    forum = load_directly(data)
    if forum is not None:
        assert forum.forum.city == value.strip() or forum.forum.city == yaml.safe_load(f"a: {value}")["a"]
        assert isinstance(forum.forum.city, str)


@FUZZ
@given(suffix=st.text(st.sampled_from(["\n", " ", "\t", "\r", "\u2028", "\x85", "-", "A", "é"]), min_size=1, max_size=3))
def test_an_id_is_only_ever_accepted_whole(suffix, forum_text, checks):
    quoted = json.dumps("opening-speech" + suffix)  # a YAML double-quoted scalar; the opening's id is referenced nowhere
    text = forum_text.replace("  id: opening-speech\n", f"  id: {quoted}\n", 1)
    forum = load_directly(text.encode())
    if forum is not None:
        assert SLUG.fullmatch(forum.opening.id), repr(forum.opening.id)


@FUZZ
@given(
    value=st.text(max_size=12)
    | st.integers(-10, 2**40).map(str)
    | st.sampled_from([" 1000000", "1000000 ", "1_000_000", "+1000000", "99999999999999999999", "１０００"])
)
def test_any_max_bytes_setting_is_used_or_refused_in_one_line(value, checks):
    assume("\x00" not in value)
    result = RUNNER.invoke(app, ["--no-cache", "speakers", "-f", "json"], env={"CBIIC_MAX_BYTES": value})
    checks.sane(result, "json")
    if result.exit_code == 0:
        assert value.isascii() and value.isdigit() and 1 <= int(value) <= 2**30


@FUZZ
@given(data=st.data())
def test_a_forged_store_record_never_breaks_an_answer(data, forum_doc, tmp_path_factory, checks):
    """Any reference in a person's or a contribution's record forged, with a right checksum: a sane answer, never a traceback."""
    import sqlite3

    import msgspec
    from support import reseal

    text = checks.dump(forum_doc)
    folder = tmp_path_factory.mktemp("forged")
    path = folder / "forum.yaml"
    path.write_text(text, encoding="utf-8")
    env = {"XDG_CACHE_HOME": str(folder / "cache")}
    assert RUNNER.invoke(app, ["--data", str(path), "themes"], env=env).exit_code == 0  # builds the store
    (built,) = (folder / "cache" / "cbiic").glob("*.sqlite")
    with sqlite3.connect(built) as connection:
        rows = connection.execute("SELECT kind, key, body FROM store_records WHERE kind IN ('person', 'contribution', 'frame')").fetchall()
        kind, key, body = data.draw(st.sampled_from(rows))
        record = msgspec.msgpack.decode(body)
        references = [
            p
            for p in all_paths(record)
            if isinstance(parent_of(record, p)[p[-1]], str)
            and (
                p[-1] in ("speaker", "organisation", "moderator")
                or (len(p) > 1 and p[-2] in ("themes", "candidates", "panelists", "talks", "organisations"))
            )
        ]
        assume(references)
        for _ in range(data.draw(st.integers(1, 3))):
            where = data.draw(st.sampled_from(references))
            parent_of(record, where)[where[-1]] = data.draw(st.sampled_from(["nobody", "ma-jun-harbin", "insurance", "panel", "roche"]))
        reseal(connection, kind, key, msgspec.msgpack.encode(record))
    for command in (["talk", "panel"], ["agenda"], ["themes"], ["speakers"], ["summary"], ["search", "nobody"]):
        checks.sane(RUNNER.invoke(app, ["--data", str(path), *command, "-f", "json"], env=env), "json")


@pytest.mark.parametrize("path", [entry[0] for entry in ROUND_TRIP_FIELDS], ids=lambda path: ".".join(map(str, path)))
def test_every_round_trip_field_is_in_the_shipped_forum(path, forum_doc):
    """A data edit that removes one (a theme losing its aliases) must fail here, not only when a deep run picks it."""
    node = forum_doc
    for key in path:
        node = node[key]
    assert isinstance(node, str)
