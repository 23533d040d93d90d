"""A congress of several forums is answered from one query store, which keys on every file of its directory.

The store holds every forum's records, each forum's under kinds of its own, a
catalogue of the forums and the congress's themes once; it is used only while the
directory holds the same forum files and congress.yaml in the same versions. So:
each command answers from it exactly as from the files; adding, removing,
renaming or editing any file (congress.yaml too) is seen at once; and damage of
any kind, in any forum's records or in the congress's own, is answered from the
files, never silently.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from support import RENAMED, REPO, SECOND_FORUM, invoke, make_congress, replace_once, sql_damage

from cbiic_cli.store import shapes

FIRST = "oncology-drugs"
THIRD = "third-forum"
# Every question a command asks of a congress: lists joined across forums, a reference qualified and bare (resolved
# in every forum, outside any one forum's answer), a person linked across forums, the congress's themes, and search.
QUESTIONS = [
    ["speakers", "--limit", "0", "-f", "json"],
    ["speaker", f"{SECOND_FORUM}/ma-jun-sysucc", "-f", "json"],
    ["speaker", RENAMED[1], "-f", "json"],
    ["talk", f"{FIRST}/zheng-limin-myeloid-cells", "-f", "json"],
    ["talk", f"{THIRD}/panel", "-f", "json"],
    ["talk", "luo-dan", "-f", "json"],
    ["theme", "immunotherapy", "-f", "json"],
    ["theme", "congress theme", "-f", "json"],
    ["themes", "--limit", "0", "-f", "json"],
    ["agenda", "-f", "json"],
    ["summary", "-f", "json"],
    ["orgs", "--limit", "0", "-f", "json"],
    ["forums", "-f", "json"],
    ["search", "tumor", "-f", "json"],
    ["search", "insurance", "--limit", "3", "-f", "json"],
    ["search", "tumr", "-f", "json"],
]
# The quick suite asks each damaged store these, which between them read every kind of record of every forum.
QUICK_QUESTIONS = [
    args
    for args in QUESTIONS
    if args[0] in ("speakers", "themes", "agenda", "forums")
    or args[:2] in (["search", "tumr"], ["speaker", RENAMED[1]], ["talk", "luo-dan"])
]
# Each forum's kinds of record (the second forum's, filed under "1/...") and the congress's own.
FORUM_KINDS = [
    shapes.CONTENTS,
    shapes.FRAME,
    shapes.STAGE,
    shapes.PERSON,
    shapes.ORGANISATION,
    shapes.SESSION,
    shapes.CONTRIBUTION,
    shapes.TALLIES,
    shapes.TERM,
    shapes.THEME_DOCUMENTS,
    shapes.LENGTHS,
]
CONGRESS_KINDS = [shapes.IDENTITY, shapes.CATALOGUE, shapes.SHARED_THEMES, shapes.CONGRESS, shapes.CONGRESS_TALLY]
THEME = "  - {id: congress-theme, label: Congress Theme One, aliases: [], description: A theme every forum shares.}\n"


def write_congress(directory: Path) -> Path:
    """Three forums (the shipped one, and two made from it with ids of their own) and congress.yaml with a theme of
    its own, every file dated a minute ago (settled: a store then trusts stat, and only its own checks stand between
    damage and an answer)."""
    make_congress(directory)
    second = (directory / "second.yaml").read_text(encoding="utf-8")
    third = replace_once(second, f"\nid: {SECOND_FORUM}\n", f"\nid: {THIRD}\n")
    (directory / "third.yaml").write_text(
        replace_once(third, "  name: Second Test Forum\n", "  name: Third Test Forum\n"), encoding="utf-8"
    )
    with (directory / "congress.yaml").open("a", encoding="utf-8") as congress:
        congress.write("\nthemes:\n" + THEME)
    settle(directory)
    return directory


def settle(directory: Path) -> None:
    stamp = time.time() - 60
    for path in directory.iterdir():
        os.utime(path, (stamp, stamp))


def ask(directory: Path, *args: str, cache: bool = True) -> tuple[int, str, str]:
    result = invoke("--data", str(directory), *([] if cache else ["--no-cache"]), *args)
    return result.exit_code, result.stdout, result.stderr


def stores(home: Path) -> list[Path]:
    return sorted(path for path in (home / "cbiic").glob("*.sqlite") if not path.name.startswith("."))


def counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every forum file parsed from now on, by name."""
    from cbiic_cli import load

    real = load.parse_forum
    parsed: list[str] = []

    def parse(data, name, *args, **kwargs):
        parsed.append(name)
        return real(data, name, *args, **kwargs)

    monkeypatch.setattr(load, "parse_forum", parse)
    return parsed


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture(scope="module")
def congress(tmp_path_factory):
    return write_congress(tmp_path_factory.mktemp("congress") / "congress")


@pytest.fixture(scope="module")
def answers(congress):
    """The files' answer to every question."""
    found = {}
    for args in QUESTIONS:
        said = ask(congress, *args, cache=False)
        assert said[0] in (0, 1), (args, said[2])  # 1: a bare id several forums hold is refused, and says so
        found[tuple(args)] = said
    assert found[("talk", "luo-dan", "-f", "json")][0] == 1  # the refusal that lists each forum's, qualified
    return found


def test_a_congress_is_one_store_and_answers_from_it_as_from_its_files(congress, answers, private_cache, monkeypatch):
    assert ask(congress, "speakers")[0] == 0  # answered from the files; the store is built after the answer
    (store,) = stores(private_cache)  # one, for the whole congress: no store per forum
    parsed = counting_parses(monkeypatch)
    for args in QUESTIONS:
        assert ask(congress, *args) == answers[tuple(args)], args
    assert parsed == [], "a forum was parsed although the congress's store was there"
    assert stores(private_cache) == [store]


def test_a_generated_congress_answers_from_its_store_as_from_its_files(tmp_path, private_cache, monkeypatch):
    """make_forum's congress: most forums share every theme with congress.yaml, some have themes of their own, ids
    recur across forums and same_as links some people; each forum's records are filed apart."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_forum

    directory = tmp_path / "generated"
    directory.mkdir()
    for name, text in make_forum.make_congress(4, 120).items():
        (directory / name).write_text(text, encoding="utf-8")
    settle(directory)
    first_talk = re.search(r"^talks:\n  - id: (\S+)$", (directory / "forum-2.yaml").read_text(encoding="utf-8"), re.MULTILINE)
    assert first_talk is not None
    questions = [
        ["speakers", "--limit", "0", "-f", "json"],
        ["themes", "--limit", "0", "-f", "json"],
        ["theme", "insurance", "--limit", "0", "-f", "json"],
        ["summary", "--limit", "0", "-f", "json"],
        ["agenda", "--limit", "0", "-f", "json"],
        ["search", "immune", "--limit", "0", "-f", "json"],
        ["search", "immune", "-f", "json"],
        ["talk", f"forum-2/{first_talk.group(1)}", "-f", "json"],
    ]
    expected = [ask(directory, *args, cache=False) for args in questions]
    assert ask(directory, "forums")[0] == 0
    assert len(stores(private_cache)) == 1
    parsed = counting_parses(monkeypatch)
    assert [ask(directory, *args) for args in questions] == expected
    assert parsed == []


# -- every change to the directory is seen ------------------------------------------------------------------------


def _add_forum(directory: Path) -> None:
    text = (directory / "third.yaml").read_text(encoding="utf-8")
    text = replace_once(text, f"\nid: {THIRD}\n", "\nid: fourth-forum\n")
    (directory / "fourth.yaml").write_text(
        replace_once(text, "  name: Third Test Forum\n", "  name: Fourth Test Forum\n"), encoding="utf-8"
    )


def _edit_forum(directory: Path) -> None:
    """The same size, so only the file's identity can tell."""
    path = directory / "third.yaml"
    path.write_text(replace_once(path.read_text(encoding="utf-8"), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")


def _edit_congress(directory: Path) -> None:
    """congress.yaml's theme, which every forum's records carry, renamed to a label of the same size."""
    path = directory / "congress.yaml"
    path.write_text(replace_once(path.read_text(encoding="utf-8"), "Congress Theme One", "Congress Theme Two"), encoding="utf-8")


def _rename_forum(directory: Path) -> None:
    """The forum keeps its id (its file names one): only the file's name, which the forums list shows, changes."""
    (directory / "third.yaml").rename(directory / "another.yaml")


CHANGES = {
    "a forum added": _add_forum,
    "a forum removed": lambda directory: (directory / "third.yaml").unlink(),
    "a forum edited": _edit_forum,
    "congress.yaml edited": _edit_congress,
    "a forum's file renamed": _rename_forum,
}
# What shows each change: the forums and their sizes, everyone's names, and the themes.
SHOWING = [["forums", "--limit", "0", "-f", "json"], ["speakers", "--limit", "0", "-f", "json"], ["themes", "--limit", "0", "-f", "json"]]


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_the_directory_is_seen_at_once(change, tmp_path, private_cache, monkeypatch):
    directory = write_congress(tmp_path / "congress")
    assert ask(directory, "speakers")[0] == 0
    assert len(stores(private_cache)) == 1
    before = [ask(directory, *args) for args in SHOWING]
    CHANGES[change](directory)
    after = [ask(directory, *args, cache=False) for args in SHOWING]
    assert after != before, "the change does not show in the answers, so this test could not see a stale store"
    assert [ask(directory, *args) for args in SHOWING] == after, "an answer from the store built before the change"
    # The store built after that first answer answers as the changed files do.
    parsed = counting_parses(monkeypatch)
    assert [ask(directory, *args) for args in SHOWING] == after
    assert parsed == []


def test_a_congress_of_one_forum_keeps_that_forums_own_store(tmp_path, private_cache, monkeypatch):
    """The shipped congress (one forum) answers exactly as its forum file does: from the file's own store, the same
    store a --data FILE query builds and uses."""
    directory = tmp_path / "one"
    directory.mkdir()
    shutil.copyfile(REPO / "data" / "forum.yaml", directory / "forum.yaml")
    shutil.copyfile(REPO / "data" / "congress.yaml", directory / "congress.yaml")
    settle(directory)
    assert ask(directory, "speakers")[0] == 0
    (store,) = stores(private_cache)
    with sqlite3.connect(store) as connection:
        kinds = {kind for (kind,) in connection.execute("SELECT DISTINCT kind FROM store_records")}
    connection.close()
    assert shapes.CATALOGUE not in kinds and shapes.PERSON in kinds


# -- damage of any kind is answered from the files ----------------------------------------------------------------


@pytest.fixture(params=[pytest.param(QUICK_QUESTIONS, id="quick"), pytest.param(QUESTIONS, id="every-question", marks=pytest.mark.slow)])
def questions(request):
    return request.param


@pytest.fixture(scope="module")
def pristine(congress, tmp_path_factory):
    """The congress's store, kept aside: each trial damages a copy of it."""
    home = tmp_path_factory.mktemp("pristine-cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    try:
        assert ask(congress, "themes")[0] == 0
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    (built,) = stores(home)
    return built


def _every_answer_is_the_files(congress, pristine, answers, home, monkeypatch, damage, questions) -> None:
    """Each question against a fresh copy of the store with ``damage(path)`` done to it: the files' answer, exactly."""
    monkeypatch.setattr("cbiic_cli.store.build.build_congress", lambda *args, **kwargs: None)  # the damaged copy stays
    (home / "cbiic").mkdir(parents=True, exist_ok=True)
    target = home / "cbiic" / pristine.name
    for args in questions:
        shutil.copyfile(pristine, target)
        target.chmod(0o600)
        damage(target)
        assert ask(congress, *args) == answers[tuple(args)], args


@pytest.mark.parametrize("trial", range(4))
def test_bytes_flipped_anywhere_never_change_an_answer(trial, congress, pristine, answers, private_cache, monkeypatch, questions):
    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        for offset in random.Random(trial).sample(range(len(data)), 3):
            data[offset] ^= 0xFF
        path.write_bytes(bytes(data))

    _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, flip, questions)


@pytest.mark.parametrize("kind", [shapes.forum_kind(1, kind) for kind in FORUM_KINDS] + CONGRESS_KINDS)
def test_a_record_of_any_kind_deleted_never_changes_an_answer(kind, congress, pristine, answers, private_cache, monkeypatch, questions):
    """Every seventh record of the kind (at least one), of the second forum or of the congress itself."""
    script = f"DELETE FROM store_records WHERE kind = '{kind}' AND (seq % 7 = 3 OR (SELECT count(*) FROM store_records WHERE kind = '{kind}') < 4)"
    _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, sql_damage(script), questions)


@pytest.mark.parametrize("kind", [shapes.CONTENTS, shapes.PERSON, shapes.TALLIES, shapes.STAGE, shapes.TERM])
def test_a_record_moved_to_another_forum_never_changes_an_answer(kind, congress, pristine, answers, private_cache, monkeypatch, questions):
    """The third forum's records put in the place of the second's (the forums are alike, so the records have the same
    keys and places): each record is sealed under its forum's kind, so a record read as another forum's is damage."""
    move = f"""
        DELETE FROM store_records WHERE kind = '{shapes.forum_kind(1, kind)}';
        UPDATE store_records SET kind = '{shapes.forum_kind(1, kind)}' WHERE kind = '{shapes.forum_kind(2, kind)}';"""
    _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, sql_damage(move), questions)


def test_the_catalogue_listing_the_forums_in_another_order_is_damage(congress, pristine, answers, private_cache, monkeypatch, questions):
    """The catalogue's own checksum is kept; its forums are those of another directory listing."""
    from support import reseal

    def reorder(path: Path) -> None:
        import msgspec

        with sqlite3.connect(path) as connection:
            (body,) = connection.execute("SELECT body FROM store_records WHERE kind = 'catalogue'").fetchone()
            catalogue = msgspec.msgpack.decode(body)
            catalogue[0].reverse()
            reseal(connection, "catalogue", "only", msgspec.msgpack.encode(catalogue))
        connection.close()

    _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, reorder, questions)


@pytest.mark.parametrize("forgery", ["a speaker no forum holds", "a forum that does not know the theme"])
def test_a_congress_tally_naming_what_is_not_there_is_damage(forgery, congress, pristine, answers, private_cache, monkeypatch):
    """A theme's tally across forums is checked where the seal cannot help (a forger's record, sealed again): the
    people it shows must be in their forum, and it must list just the forums that know the theme."""
    import msgspec
    from support import reseal

    def forge(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            key, body = connection.execute(
                f"SELECT key, body FROM store_records WHERE kind = '{shapes.CONGRESS_TALLY}' ORDER BY key LIMIT 1"
            ).fetchone()
            forums, tallies = msgspec.msgpack.decode(body)
            if forgery == "a speaker no forum holds":
                speakers = next(tally[2] for tally in tallies if tally[2])
                speakers[0] = "nobody-here"
            else:
                forums, tallies = forums[:-1], tallies[:-1]
            reseal(connection, shapes.CONGRESS_TALLY, key, msgspec.msgpack.encode([forums, tallies]))
        connection.close()

    _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, forge, [["themes", "--limit", "0", "-f", "json"]])


def test_the_damage_trials_can_fail(congress, pristine, answers, private_cache, monkeypatch):
    """The control: a record changed and sealed again (what only a forger with write access to the cache could do)
    does change an answer, so the trials above would see a store trusted when it should not be."""
    import msgspec
    from support import reseal

    def forge(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            kind = shapes.forum_kind(1, shapes.PERSON)
            (body,) = connection.execute(f"SELECT body FROM store_records WHERE kind = '{kind}' AND key = 'luo-dan'").fetchone()
            record = msgspec.msgpack.decode(body)
            record[0]["name"] = "Luo Forged"
            reseal(connection, kind, "luo-dan", msgspec.msgpack.encode(record))
        connection.close()

    with pytest.raises(AssertionError):
        _every_answer_is_the_files(congress, pristine, answers, private_cache, monkeypatch, forge, [QUESTIONS[0]])
