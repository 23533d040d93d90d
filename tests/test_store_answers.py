"""A store answers every command as the file does, on a generated forum large enough for ties, phrases and typos.

The golden files prove it byte for byte on the shipped forum; this test proves
it where search has hundreds of hits to rank (scores computed by SQLite must
equal those computed in Python to the last bit, or ties would reorder).
"""

from __future__ import annotations

import pytest
from support import generated_forum, invoke

QUERIES = [
    ["tumor"],
    ["immune"],
    ["pd1"],
    ["PD-1", "inhibitor"],
    ['"tumor microenvironment"'],
    ["anti-tumour"],
    ["clinical-trials"],
    ["artificial", "intelligence"],
    ["AI"],
    ["immunotheraphy"],
    ["hospital", "--theme", "immunotherapy"],
    ["cancer", "--limit", "0"],
    ["trial", "-n", "5"],
    ["professor"],
    ["nobody-writes-this"],
    ["肿瘤"],
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generated_forum(tmp_path_factory.mktemp("generated"), 300, 11)


def commands(path) -> list[list[str]]:
    import json

    talks = json.loads(invoke("--data", str(path), "--no-cache", "agenda", "-f", "json", "--limit", "0").stdout)["items"]
    people = json.loads(invoke("--data", str(path), "--no-cache", "speakers", "-f", "json", "--limit", "0").stdout)
    themes = json.loads(invoke("--data", str(path), "--no-cache", "themes", "-f", "json").stdout)
    found = [["search", *query, "-f", fmt] for query in QUERIES for fmt in ("json", "table")]
    found += [["talk", item["id"], "-f", "json"] for item in talks[::37] if item["kind"] == "talk"]
    found += [["speaker", person["slug"], "-f", "json"] for person in people[::29]]
    found += [["theme", theme["id"], "-f", "jsonl", "--limit", "0"] for theme in themes]
    found += [["theme", themes[1]["id"], *limit, "-f", fmt] for limit in LIMITS for fmt in ("json", "table")]
    found += [
        ["speakers", "-f", "csv", "--limit", "0"],
        ["speakers", "--theme", themes[0]["id"], "--limit", "0"],
        ["themes", "-f", "markdown", "--limit", "0"],
        ["themes", "-f", "json", "--limit", "0"],
    ]
    found += [
        ["agenda", "-f", "csv", "--limit", "0"],
        ["summary", "-f", "json", "--limit", "0"],
        ["orgs", "-f", "jsonl", "--limit", "0"],
        ["talk", "panel"],
        ["export", "json", "-"],
    ]
    # Each list's first rows (the default, a few, past the opening and into the panel) and its notices
    for command in (
        ["speakers"],
        ["speakers", "--role", "speaker"],
        ["speakers", "--org", "a"],
        ["themes"],
        ["agenda"],
        ["summary"],
        ["orgs"],
        ["orgs", "--kind", "hospital"],
    ):
        found += [[*command, *limit, "-f", fmt] for limit in LIMITS for fmt in ("json", "csv", "table")]
    return found


# The default, a few rows, most of a list, and the agenda up to its panel (1 opening, 15 sessions, 300 talks, then the panel).
LIMITS = [[], ["-n", "3"], ["--limit", "1"], ["--limit", "190"], ["--limit", "320"]]


@pytest.fixture(scope="module")
def store_cache(generated, tmp_path_factory):
    """A cache holding the generated forum's store, built once for the module."""
    home = tmp_path_factory.mktemp("store-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(home))
        patch.delenv("CBIIC_NO_CACHE", raising=False)
        assert invoke("--data", str(generated), "themes").exit_code == 0  # builds the store
    assert list((home / "cbiic").glob("*.sqlite"))
    return home


@pytest.fixture(scope="module")
def file_answers(generated):
    """The file's answer to a command line, asked once per module whichever test needs it."""
    answers: dict[tuple[str, ...], tuple[int, str, str]] = {}

    def answer(args: list[str]) -> tuple[int, str, str]:
        if tuple(args) not in answers:
            result = invoke("--data", str(generated), "--no-cache", *args)
            answers[tuple(args)] = (result.exit_code, result.stdout, result.stderr)
        return answers[tuple(args)]

    return answer


def assert_the_store_answers_as_the_file_does(lines, generated, store_cache, file_answers, monkeypatch):
    from cbiic_cli import load

    monkeypatch.setenv("XDG_CACHE_HOME", str(store_cache))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)

    def refuse(*args):
        pytest.fail("answered from the file, not the store")

    for args in lines:
        with monkeypatch.context() as patch:
            patch.setattr(load, "parse_forum", refuse)
            from_store = invoke("--data", str(generated), *args)
        assert (from_store.exit_code, from_store.stdout, from_store.stderr) == file_answers(args), args


def test_the_store_answers_a_sample_of_every_command_as_the_file_does(generated, store_cache, file_answers, monkeypatch):
    lines = commands(generated)
    assert_the_store_answers_as_the_file_does(lines[::4], generated, store_cache, file_answers, monkeypatch)


def test_the_store_ranks_every_search_as_the_file_does(generated, store_cache, file_answers, monkeypatch):
    lines = [args for args in commands(generated) if args[0] == "search" and "json" in args]
    assert_the_store_answers_as_the_file_does(lines, generated, store_cache, file_answers, monkeypatch)


@pytest.mark.slow
def test_the_store_answers_every_command_as_the_file_does(generated, store_cache, file_answers, monkeypatch):
    assert_the_store_answers_as_the_file_does(commands(generated), generated, store_cache, file_answers, monkeypatch)


def test_with_room_for_a_handful_of_records_every_list_answers_as_the_file_does(generated, tmp_path, monkeypatch):
    """The store keeps only so many records once read (memory stays flat however long a list): with room for seven,
    every record a list needs again is read again, and every list still answers from the store as the file does."""
    from cbiic_cli import load
    from cbiic_cli.store import records

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(generated), "themes").exit_code == 0  # builds the store
    monkeypatch.setattr(records, "RECORDS_KEPT", 7)
    lists = [["speakers"], ["speakers", "--role", "speaker"], ["agenda"], ["orgs"], ["summary"], ["theme", "ai"], ["search", "tumor"]]
    for args in lists:
        from_file = invoke("--data", str(generated), "--no-cache", *args, "--limit", "0", "-f", "jsonl")
        with monkeypatch.context() as patch:
            patch.setattr(load, "parse_forum", lambda *a: pytest.fail("answered from the file, not the store"))
            from_store = invoke("--data", str(generated), *args, "--limit", "0", "-f", "jsonl")
        assert (from_store.exit_code, from_store.stdout, from_store.stderr) == (from_file.exit_code, from_file.stdout, from_file.stderr), (
            args
        )
