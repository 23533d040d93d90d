"""Whatever a store answers from, a check covers: damage of any kind is answered from the file, never silently.

Byte flips at many offsets, every kind of record deleted, moved under another
key or swapped with another, each compared with the file's answer to every
command. Then the store's neighbours: eight first queries at once build one
store, a cache directory someone else could write is never used, and an edit to
the installed code is never answered from a store the old code built.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import invoke, shipped_text, sql_damage, write_forum

from cbiic_cli.store import shapes

# Every question a command asks of a store, and a search that reaches the spelling correction.
QUESTIONS = [
    ["speakers", "--limit", "0", "-f", "json"],
    ["speaker", "luo-dan", "-f", "json"],
    ["speaker", "Ma Jun", "-f", "json"],
    ["talk", "panel", "-f", "json"],
    ["talk", "zheng-limin-myeloid-cells", "-f", "json"],
    ["theme", "immunotherapy", "-f", "json"],
    ["themes", "-f", "json"],
    ["agenda", "-f", "json"],
    ["summary", "-f", "json"],
    ["orgs", "--limit", "0", "-f", "json"],
    ["search", "tumor", "-f", "json"],
    ["search", "insurance", "--theme", "insurance", "-f", "json"],
    ["search", '"immune microenvironment"', "-f", "json"],
    ["search", "tumr", "-f", "json"],
]
# The quick suite asks each damaged store these, which between them read every kind of record; the slow set all.
QUICK_QUESTIONS = [
    args
    for args in QUESTIONS
    if args[0] in ("speakers", "agenda", "themes") or args[:2] in (["talk", "panel"], ["speaker", "luo-dan"], ["search", "tumr"])
]
KINDS = [
    shapes.IDENTITY,
    shapes.CONTENTS,
    shapes.FRAME,
    shapes.STAGE,
    shapes.PERSON,
    shapes.ORGANISATION,
    shapes.SESSION,
    shapes.CONTRIBUTION,
    shapes.TALLY,
    shapes.TERM,
    shapes.THEME_DOCUMENTS,
    shapes.LENGTHS,
]


@pytest.fixture(params=[pytest.param(QUICK_QUESTIONS, id="quick"), pytest.param(QUESTIONS, id="every-question", marks=pytest.mark.slow)])
def questions(request):
    return request.param


@pytest.fixture(scope="module")
def forum(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damage")
    path = write_forum(folder, shipped_text())
    stamp = time.time() - 60  # settled: its store trusts stat, so only the store's own checks stand between damage and an answer
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture(scope="module")
def answers(forum):
    """The file's answer to every question."""
    found = {}
    for args in QUESTIONS:
        result = invoke("--data", str(forum), "--no-cache", *args)
        assert result.exit_code in (0, 1), (args, result.stderr)  # 1: a name two people share is refused, and says so
        found[tuple(args)] = (result.exit_code, result.stdout, result.stderr)
    return found


@pytest.fixture(scope="module")
def pristine(forum, tmp_path_factory):
    """A store built from the forum, kept aside: each trial damages a copy of it."""
    home = tmp_path_factory.mktemp("pristine-cache")
    env = {**os.environ, "XDG_CACHE_HOME": str(home)}
    env.pop("CBIIC_NO_CACHE", None)
    from typer.testing import CliRunner

    from cbiic_cli.cli import app

    assert CliRunner().invoke(app, ["--data", str(forum), "themes"], env=env).exit_code == 0
    (built,) = (home / "cbiic").glob("*.sqlite")
    return built


def _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, damage, questions=QUESTIONS) -> None:
    """Each question against a fresh copy of the store with ``damage(path)`` done to it: the file's answer, exactly."""
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    monkeypatch.setattr("cbiic_cli.store.build.build", lambda *args, **kwargs: None)  # the damaged copy stays the store
    (home / "cbiic").mkdir(parents=True, exist_ok=True)
    target = home / "cbiic" / pristine.name
    for args in questions:
        shutil.copyfile(pristine, target)
        target.chmod(0o600)
        damage(target)
        result = invoke("--data", str(forum), *args)
        assert (result.exit_code, result.stdout, result.stderr) == answers[tuple(args)], args


def _flip(offsets: list[int]):
    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        for offset in offsets:
            data[offset % len(data)] ^= 0xFF
        path.write_bytes(bytes(data))

    return damage


@pytest.mark.parametrize("trial", range(6))
def test_bytes_flipped_anywhere_never_change_an_answer(trial, forum, pristine, answers, tmp_path, monkeypatch, questions):
    size = pristine.stat().st_size
    offsets = random.Random(trial).sample(range(size), 3)
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, _flip(offsets), questions)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(6, 56))
def test_bytes_flipped_anywhere_never_change_an_answer_deep(trial, forum, pristine, answers, tmp_path, monkeypatch):
    size = pristine.stat().st_size
    offsets = random.Random(trial).sample(range(size), random.Random(-trial).randint(1, 8))
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, _flip(offsets))


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_of_any_kind_deleted_never_changes_an_answer(kind, forum, pristine, answers, tmp_path, monkeypatch, questions):
    """Every seventh record of the kind (at least one): a list shows the gap, a lookup its broken chain."""
    script = f"DELETE FROM store_records WHERE kind = '{kind}' AND (seq % 7 = 3 OR (SELECT count(*) FROM store_records WHERE kind = '{kind}') < 4)"
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, sql_damage(script), questions)


@pytest.mark.parametrize("kind", [shapes.PERSON, shapes.ORGANISATION, shapes.CONTRIBUTION, shapes.TERM])
def test_the_last_record_of_a_kind_deleted_never_changes_an_answer(kind, forum, pristine, answers, tmp_path, monkeypatch, questions):
    script = f"DELETE FROM store_records WHERE kind = '{kind}' AND key = (SELECT max(key) FROM store_records WHERE kind = '{kind}')"
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, sql_damage(script), questions)


@pytest.mark.parametrize("kind", [shapes.PERSON, shapes.ORGANISATION, shapes.CONTRIBUTION, shapes.TERM, shapes.TALLY])
def test_two_records_swapped_under_each_others_keys_never_change_an_answer(
    kind, forum, pristine, answers, tmp_path, monkeypatch, questions
):
    """A damaged index that points one key at another record: each record carries its own key under its checksum."""
    swap = f"""
        CREATE TEMP TABLE pair AS SELECT rowid AS id, key FROM store_records WHERE kind = '{kind}' ORDER BY seq LIMIT 2;
        UPDATE store_records SET key = '#' || key WHERE rowid IN (SELECT id FROM pair);
        UPDATE store_records SET key = (SELECT key FROM pair WHERE id != store_records.rowid)
            WHERE rowid IN (SELECT id FROM pair);"""
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, sql_damage(swap), questions)


@pytest.mark.parametrize("column", ["seq", "rank", "next", "body", "kind"])
def test_any_column_of_a_record_edited_never_changes_an_answer(column, forum, pristine, answers, tmp_path, monkeypatch, questions):
    value = {"seq": "seq + 1", "rank": "coalesce(rank, 0) + 1", "next": "'zzz'", "body": "body || x'00'", "kind": "'person'"}[column]
    script = f"UPDATE store_records SET {column} = {value} WHERE kind IN ('person', 'organisation') AND seq = 2"
    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, sql_damage(script), questions)


def test_a_schema_that_is_not_utf8_is_damage(forum, pristine, answers, tmp_path, monkeypatch, questions):
    """A flipped bit in SQLite's own list of tables: its text is no longer UTF-8 (an attack run found this crashed)."""

    def damage(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[data.index(b"(kind, seq)") + 1] = 0xE5
        path.write_bytes(bytes(data))

    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, damage, questions)


@pytest.fixture(scope="module")
def other_store(tmp_path_factory):
    """The store of a forum that differs from the shipped one in one position (so its records have the same keys
    and places as the shipped forum's, and a transplant needs no other change)."""
    from typer.testing import CliRunner

    from cbiic_cli.cli import app

    folder = tmp_path_factory.mktemp("other")
    path = write_forum(folder, shipped_text().replace("position: Vice President of National Market Access", "position: Vice President", 1))
    home = tmp_path_factory.mktemp("other-cache")
    assert CliRunner().invoke(app, ["--data", str(path), "themes"], env={"XDG_CACHE_HOME": str(home)}).exit_code == 0
    (built,) = (home / "cbiic").glob("*.sqlite")
    return built


@pytest.mark.parametrize(
    "kinds",
    [[shapes.PERSON], [shapes.CONTENTS], [kind for kind in KINDS if kind != shapes.IDENTITY]],
    ids=["person", "contents", "all-but-identity"],
)
def test_a_record_from_another_forums_store_is_damage(kinds, forum, pristine, other_store, answers, tmp_path, monkeypatch, questions):
    """Checksums intact, but sealed for another store: every record is tied to its own store's identity (the last
    case is the other forum's whole store, under this one's identity)."""
    marks = ", ".join("?" * len(kinds))

    def transplant(path: Path) -> None:
        with sqlite3.connect(other_store) as source:
            rows = source.execute(f"SELECT * FROM store_records WHERE kind IN ({marks})", kinds).fetchall()
        source.close()
        with sqlite3.connect(path) as connection:
            connection.execute(f"DELETE FROM store_records WHERE kind IN ({marks})", kinds)
            connection.executemany(f"INSERT INTO store_records VALUES ({', '.join('?' * len(rows[0]))})", rows)
        connection.close()

    _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, transplant, questions)


def test_the_damage_trials_can_fail(forum, pristine, answers, tmp_path, monkeypatch):
    """The control: a store whose answers were changed and sealed again (what only a forger with write access to
    the cache could do) does change an answer, so the trials above would see a store trusted when it should not be."""
    import msgspec
    from support import reseal

    def forge(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            (body,) = connection.execute("SELECT body FROM store_records WHERE kind = 'person' AND key = 'luo-dan'").fetchone()
            record = msgspec.msgpack.decode(body)
            record[0]["name"] = "Luo Forged"
            reseal(connection, "person", "luo-dan", msgspec.msgpack.encode(record))
        connection.close()

    with pytest.raises(AssertionError):
        _every_answer_is_the_files(forum, pristine, answers, tmp_path, monkeypatch, forge)


# -- one build at a time, and only in a directory of one's own --------------------------------------------------


def _stores(folder: Path) -> list[Path]:
    """The stores in a cache directory (not the temporary file a build writes, which is hidden)."""
    return [path for path in folder.glob("*.sqlite") if not path.name.startswith(".")]


def _cbiic() -> str:
    return str(Path(sys.executable).with_name("cbiic"))


def test_eight_first_queries_at_once_build_one_store_and_leave_no_temporary_file(tmp_path, isolated_env):
    from support import generated_forum

    forum = generated_forum(tmp_path, 1500, 5)  # big enough that the builds overlap
    env = {**isolated_env, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    processes = [
        subprocess.Popen(
            [_cbiic(), "--data", str(forum), "speakers", "-f", "json"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(8)
    ]
    assert all(process.wait(timeout=120) == 0 for process in processes)
    folder = tmp_path / "cache" / "cbiic"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not _stores(folder) or list(folder.glob(".tmp-*"))):
        time.sleep(0.1)
    time.sleep(0.5)  # any build that stood aside has gone by now, and nothing else appears
    assert [path.name for path in folder.iterdir()] == [path.name for path in _stores(folder)] and len(_stores(folder)) == 1


def test_a_build_of_a_store_already_being_built_stands_aside(tmp_path, monkeypatch):
    """The lock itself: while one build holds it, a second of the same data writes nothing and leaves nothing."""
    from cbiic_cli.load import ForumSource, parse_forum, read_bytes
    from cbiic_cli.query import ForumIndex
    from cbiic_cli.store import build, location

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    forum = write_forum(tmp_path, shipped_text())
    identity = location.identity_of(str(forum))
    data = read_bytes(ForumSource(str(forum)))
    index = ForumIndex(parse_forum(data, "forum.yaml"))
    folder = tmp_path / "cache" / "cbiic"
    folder.mkdir(parents=True, mode=0o700)
    with build._locked(location.temporary_path(folder, identity)) as held:
        assert held
        build.build(identity, data, index)
        assert _stores(folder) == []
    build.build(identity, data, index)
    assert len(_stores(folder)) == 1 and list(folder.glob(".tmp-*")) == []
    build.build(identity, data, index)  # a build that comes after the store is in place: it only tried the lock
    assert [path.name for path in folder.iterdir()] == [path.name for path in _stores(folder)]


def test_a_killed_builds_temporary_file_is_removed_by_the_next_prune(tmp_path, monkeypatch):
    from cbiic_cli.store import build, cache

    folder = tmp_path / "cbiic"
    folder.mkdir(mode=0o700)
    left = folder / f"{cache.TEMPORARY_PREFIX}{'0' * 64}{cache.SUFFIX}"
    left.write_bytes(b"half a store")
    busy = folder / f"{cache.TEMPORARY_PREFIX}{'1' * 64}{cache.SUFFIX}"
    with build._locked(busy) as held:
        assert held
        cache.prune(folder, build.is_busy)
        assert busy.exists(), "a running build's file was removed"
    assert not left.exists(), "a killed build's file outlived it"


def _foreign(directory: Path, how: str) -> None:
    if how == "another user's":
        if os.geteuid() != 0:
            pytest.skip("only root can give a directory to another user")
        os.chown(directory, 12345, 12345)
    elif how == "writable by others":
        directory.chmod(0o777)
    elif how == "writable by its group":
        directory.chmod(0o770)
    else:  # inside a directory anybody may rename things in
        directory.parent.chmod(0o777)


@pytest.mark.parametrize("how", ["another user's", "writable by others", "writable by its group", "in a world-writable directory"])
def test_a_cache_directory_others_could_write_is_never_used(how, tmp_path, monkeypatch):
    """A store planted there (here: the user's own, then the directory made foreign) is not read; stderr says why, once."""
    from typer.testing import CliRunner

    from cbiic_cli.cli import app

    forum = write_forum(tmp_path, shipped_text())
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["--data", str(forum), "speakers"]).exit_code == 0
    (planted,) = (shared / "cbiic").glob("*.sqlite")
    _foreign(shared / "cbiic", how)
    monkeypatch.setattr("cbiic_cli.store._refusal_said", False)
    monkeypatch.setattr("cbiic_cli.load.parse_forum", _counting_parse(parsed := []))
    result = runner.invoke(app, ["--data", str(forum), "speakers", "-f", "json"])
    assert result.exit_code == 0 and '"Luo Dan"' in result.stdout
    assert parsed, "answered from the store in an untrusted directory"
    assert result.stderr.startswith("cbiic: not using the query cache") and result.stderr.count("not using") == 1, result.stderr
    assert result.stderr.count("\n") == 1 and "XDG_CACHE_HOME" in result.stderr, result.stderr
    assert list((shared / "cbiic").glob("*.sqlite")) == [planted]  # nor written to


def test_a_store_file_of_another_users_is_not_read_and_the_next_build_replaces_it(tmp_path, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    forum = write_forum(tmp_path, shipped_text())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(forum), "speakers").exit_code == 0
    (planted,) = _stores(tmp_path / "cache" / "cbiic")
    os.chown(planted, 12345, 12345)
    monkeypatch.setattr("cbiic_cli.load.parse_forum", _counting_parse(parsed := []))
    result = invoke("--data", str(forum), "speakers")
    assert result.exit_code == 0 and result.stderr == "" and parsed, "a store of another user's was read"
    assert planted.stat().st_uid == os.geteuid(), "the build left it in place"


def _counting_parse(parsed: list[int]):
    from cbiic_cli import load

    real = load.parse_forum

    def parse(*args, **kwargs):
        parsed.append(1)
        return real(*args, **kwargs)

    return parse


def test_a_private_cache_directory_in_a_sticky_shared_one_is_used(tmp_path, monkeypatch):
    """/tmp-like: world-writable with the sticky bit, so nobody else can replace the user's own directory in it."""
    shared = tmp_path / "tmp-like"
    shared.mkdir()
    shared.chmod(0o1777)
    forum = write_forum(tmp_path, shipped_text())
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    first = invoke("--data", str(forum), "speakers")
    assert first.exit_code == 0 and first.stderr == ""
    assert len(list((shared / "cbiic").glob("*.sqlite"))) == 1


# -- the freshness key covers every module ---------------------------------------------------------------------------


@pytest.mark.parametrize("same_size", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["appended", "same-size-time-put-back"])
def test_an_edit_to_an_installed_module_that_fills_the_store_is_never_answered_from_the_old_store(same_size, tmp_path, isolated_env):
    """A copy of the package, run as cbiic: after its store module is edited, the store the old code built is not used;
    also when the edit keeps the file's size and its modification time is put back (``touch -r``, ``rsync -t``)."""
    import cbiic_cli

    site = tmp_path / "site"
    shutil.copytree(Path(cbiic_cli.__file__).parent, site / "cbiic_cli", ignore=shutil.ignore_patterns("__pycache__"))
    forum = write_forum(tmp_path, shipped_text())
    env = {**isolated_env, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = [sys.executable, "-c", "from cbiic_cli.fast import main; main()", "--data", str(forum), "speakers", "-f", "json"]

    def stores() -> set[str]:
        return {path.name for path in (tmp_path / "cache" / "cbiic").glob("*.sqlite")}

    def query() -> subprocess.CompletedProcess[str]:
        result = subprocess.run(run, env=env, capture_output=True, text=True, timeout=60, check=False)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and list((tmp_path / "cache" / "cbiic").glob(".tmp-*")):
            time.sleep(0.05)
        return result

    first = query()
    assert first.returncode == 0, first.stderr
    for _ in range(100):
        if stores():
            break
        time.sleep(0.05)
    before = stores()
    assert len(before) == 1
    edited = site / "cbiic_cli" / "store" / "build.py"
    before_edit = edited.stat()
    text = edited.read_text(encoding="utf-8")
    if same_size:
        assert "RACY_SECONDS = 2.0" in text
        edited.write_text(text.replace("RACY_SECONDS = 2.0", "RACY_SECONDS = 3.0"), encoding="utf-8")
        os.utime(edited, ns=(before_edit.st_atime_ns, before_edit.st_mtime_ns))
        assert (edited.stat().st_size, edited.stat().st_mtime_ns) == (before_edit.st_size, before_edit.st_mtime_ns)
    else:
        edited.write_text(text + "\n# edited\n", encoding="utf-8")
    second = query()
    assert (second.returncode, second.stdout) == (0, first.stdout)
    for _ in range(100):
        if stores() - before:
            break
        time.sleep(0.05)
    assert stores() - before, "the edited code used the store the old code built"
