"""The query store can make cbiic faster, never wrong: a store is used only for the file it was built from,
and every way one can go bad falls back to the file."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from support import invoke, replace_once, reseal, shipped_text, write_forum

from cbiic_cli import store
from cbiic_cli.store import build as builder
from cbiic_cli.store import cache, location, schema


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    return home / "cbiic"


@pytest.fixture
def forum_file(tmp_path):
    return write_forum(tmp_path, shipped_text())


def names(forum_file) -> list[str]:
    result = invoke("--data", str(forum_file), "speakers", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return [person["name"] for person in json.loads(result.stdout)]


def stores(cache_dir) -> list[Path]:
    return sorted(cache_dir.glob("*.sqlite"))


@pytest.fixture
def no_parsing(monkeypatch):
    """Call it, and from then on an answer can only come from a store."""

    def parse(*args, **kwargs):
        pytest.fail("parsed the file again despite a store built from it")

    return lambda: monkeypatch.setattr("cbiic_cli.load.parse_forum", parse)


@pytest.fixture
def parses(monkeypatch):
    """How many times the file is parsed from here on."""
    from cbiic_cli import load

    count = []
    real = load.parse_forum

    def counting(*args, **kwargs):
        count.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(load, "parse_forum", counting)
    return count


def test_first_query_builds_the_store_and_later_ones_use_it(cache_home, forum_file, no_parsing):
    assert names(forum_file)[7] == "Luo Dan"
    (built,) = stores(cache_home)
    no_parsing()
    for args in (
        ["speakers", "-f", "json"],
        ["talk", "zheng-limin", "-f", "json"],
        ["theme", "insurance"],
        ["search", "immune"],
        ["summary"],
        ["orgs", "-f", "csv"],
    ):
        result = invoke("--data", str(forum_file), *args)
        assert result.exit_code == 0 and result.stdout, (args, result.stderr)
    assert stores(cache_home) == [built]


# -- a store is used only for the file it was built from --------------------------------


def test_an_edit_is_never_answered_from_the_old_store(cache_home, forum_file):
    assert "Luo Dan" in names(forum_file)
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dan Renamed"), encoding="utf-8")
    assert "Luo Dan Renamed" in names(forum_file)
    assert len(stores(cache_home)) == 2


def test_a_truncated_file_is_never_answered_from_the_old_store(cache_home, forum_file):
    names(forum_file)
    text = shipped_text()
    forum_file.write_text(text[: text.index("\ntalks:")] + "\n", encoding="utf-8")
    result = invoke("--data", str(forum_file), "talk", "zheng-limin")
    assert result.exit_code == 1 and "zheng-limin" in result.stderr and not result.stdout


def old(path: Path) -> None:
    """Make the file look last changed an hour ago (its change time follows the clock; its modification time is set)."""
    hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(hour_ago, hour_ago))


def test_a_same_size_rewrite_keeping_the_modification_time_is_seen(cache_home, forum_file):
    """mtime and size can be put back; the change time and the content cannot."""
    old(forum_file)
    names(forum_file)
    before = forum_file.stat()
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")
    os.utime(forum_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert forum_file.stat().st_size == before.st_size and forum_file.stat().st_mtime_ns == before.st_mtime_ns
    assert "Luo Dam" in names(forum_file)


def coarse(info: os.stat_result) -> list[int]:
    """A file system whose timestamps are whole seconds (FAT, some network file systems, old ext3)."""
    return [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns // 10**9 * 10**9, info.st_ctime_ns // 10**9 * 10**9]


def rewrite_within_the_second(forum_file: Path, cache_home: Path) -> list[str]:
    """Write, query (building the store), rewrite to the same size in the same second, query again."""
    for _ in range(50):  # start early in a second, so that both writes and the query fit in it
        if time.time() % 1 < 0.3:
            break
        time.sleep(0.02)
    forum_file.write_text(shipped_text(), encoding="utf-8")
    names(forum_file)
    written = forum_file.stat().st_mtime_ns
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")
    os.utime(forum_file, ns=(written, written))
    if coarse(forum_file.stat())[4] // 10**9 != written // 10**9:
        pytest.skip("the machine was too slow to rewrite the file within one second")
    return names(forum_file)


def test_a_same_size_rewrite_within_the_same_second_is_seen_on_a_coarse_file_system(cache_home, forum_file, monkeypatch):
    monkeypatch.setattr(location, "stat_fields", coarse)
    assert "Luo Dam" in rewrite_within_the_second(forum_file, cache_home)


def test_without_the_racy_check_that_rewrite_would_be_missed(cache_home, forum_file, monkeypatch):
    """The control for the test above: it fails if the store trusted stat for a file changed just before the build."""
    monkeypatch.setattr(location, "stat_fields", coarse)
    monkeypatch.setattr(builder, "RACY_SECONDS", -(10**9))
    assert "Luo Dan" in rewrite_within_the_second(forum_file, cache_home)


def test_another_file_with_the_same_content_has_its_own_store(cache_home, forum_file, tmp_path):
    names(forum_file)
    names(write_forum(tmp_path, shipped_text(), "copy.yaml"))
    assert len(stores(cache_home)) == 2


def test_a_file_replaced_by_rename_is_read_afresh(cache_home, forum_file, tmp_path):
    names(forum_file)
    replacement = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), "new.yaml")
    os.replace(replacement, forum_file)
    assert "Luo Dam" in names(forum_file)


def test_another_version_uses_another_store(cache_home, forum_file, monkeypatch):
    names(forum_file)
    (first,) = stores(cache_home)
    monkeypatch.setattr(location, "__version__", "999.0.0")
    location.code_fingerprint.cache_clear()  # worked out once per process
    try:
        assert names(forum_file)[0] == "Ma Jun"
    finally:
        monkeypatch.undo()
        location.code_fingerprint.cache_clear()
    assert len(stores(cache_home)) == 2 and first in stores(cache_home)


def test_a_file_now_over_the_size_limit_is_refused_as_without_a_store(cache_home, forum_file, monkeypatch):
    names(forum_file)
    monkeypatch.setenv("CBIIC_MAX_BYTES", "100")
    result = invoke("--data", str(forum_file), "speakers")
    assert result.exit_code == 1 and "CBIIC_MAX_BYTES" in result.stderr


# -- the store trusts nothing it reads --------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: blob[:-4096] + bytes(4096), id="zeroed-tail"),
        pytest.param(lambda blob: blob.replace(b"Luo Dan", b"Luo Dam"), id="edited-records"),
        pytest.param(lambda blob: blob[:100] + bytes(b ^ 0xFF for b in blob[100:200]) + blob[200:], id="flipped-header-bytes"),
        pytest.param(lambda blob: b"not a store at all", id="garbage"),
    ],
)
@pytest.mark.parametrize(
    "args", [["speakers", "-f", "json"], ["talk", "luo-dan", "-f", "json"], ["search", "Luo", "Dan", "-f", "json"]], ids=" ".join
)
def test_a_damaged_store_falls_back_to_the_file(damage, args, cache_home, forum_file):
    old(forum_file)
    expected = invoke("--data", str(forum_file), "--no-cache", *args).stdout
    names(forum_file)
    (built,) = stores(cache_home)
    built.write_bytes(damage(built.read_bytes()))
    result = invoke("--data", str(forum_file), *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")
    assert names(forum_file)[7] == "Luo Dan"


def test_an_export_database_in_the_stores_place_is_not_a_store(cache_home, forum_file, tmp_path):
    names(forum_file)
    (built,) = stores(cache_home)
    other = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Impostor"), "o.yaml")
    assert invoke("--data", str(other), "export", "sqlite", str(tmp_path / "o.db")).exit_code == 0
    built.write_bytes((tmp_path / "o.db").read_bytes())
    assert names(forum_file)[7] == "Luo Dan"


def test_a_store_of_another_file_in_its_place_is_not_used(cache_home, forum_file, tmp_path):
    names(forum_file)
    (built,) = stores(cache_home)
    other = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Impostor"), "o.yaml")
    names(other)
    (impostor,) = set(stores(cache_home)) - {built}
    os.replace(impostor, built)
    assert names(forum_file)[7] == "Luo Dan"


def test_a_store_behind_a_symlink_is_never_read(cache_home, forum_file, tmp_path, parses):
    names(forum_file)
    (built,) = stores(cache_home)
    elsewhere = tmp_path / "elsewhere.sqlite"
    os.replace(built, elsewhere)
    built.symlink_to(elsewhere)
    parses.clear()
    assert names(forum_file)[7] == "Luo Dan"
    assert parses, "a store behind a symlink was used"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_file_at_the_store_neither_hangs_nor_eats_memory(kind, run_cbiic, isolated_env, forum_file, checks):
    """A FIFO blocks an ordinary open() for ever; /dev/zero never ends. Real processes, with a hang guard."""
    env = {"XDG_CACHE_HOME": isolated_env["XDG_CACHE_HOME"]}
    home = Path(isolated_env["XDG_CACHE_HOME"]) / "cbiic"
    assert run_cbiic("--data", str(forum_file), "speakers", env=env).returncode == 0
    for _ in range(200):  # the store is built in the background, after the answer
        if stores(home):
            break
        time.sleep(0.05)
    (built,) = stores(home)
    built.unlink()
    if kind == "fifo":
        os.mkfifo(built)
    else:
        built.symlink_to("/dev/zero")
    result = run_cbiic("--data", str(forum_file), "speakers", "-f", "json", env=env, timeout=60)
    checks.sane(result, "json")
    assert result.returncode == 0 and json.loads(result.stdout)[7]["name"] == "Luo Dan"


def test_a_store_larger_than_its_forum_could_make_is_not_read(cache_home, forum_file, monkeypatch, parses):
    names(forum_file)
    monkeypatch.setattr(schema, "SIZE_FACTOR", 0)
    monkeypatch.setattr(schema, "SIZE_SLACK", 100)
    parses.clear()
    assert names(forum_file)[7] == "Luo Dan"
    assert parses, "a too-large store was used"


def forge(built: Path, key: str, change) -> None:
    """Rewrite one record of a store, with a checksum that matches: types right, references wrong."""
    import msgspec

    with sqlite3.connect(built) as connection:
        kind, body = connection.execute("SELECT kind, body FROM store_records WHERE key = ?", (key,)).fetchone()
        reseal(connection, kind, key, msgspec.msgpack.encode(change(msgspec.msgpack.decode(body))))


def _speaker_nobody(record):
    record[2]["speaker"] = "nobody"
    return record


def _theme_missing(record):
    record[2]["key_points"][0]["themes"] = ["no-such-theme"]
    return record


def _organisation_missing(record):
    record[0]["affiliations"][0]["organisation"] = "no-such-organisation"
    return record


def _tally_speaker_nobody(record):
    record[2] = [*record[2], "nobody"]
    return record


def _tally_a_count_short(record):
    record[1] = record[1][:-1]
    return record


@pytest.mark.parametrize(
    ("key", "change"),
    [
        pytest.param("zheng-limin-myeloid-cells", _speaker_nobody, id="speaker-nobody"),
        pytest.param("zheng-limin-myeloid-cells", _theme_missing, id="theme-missing"),
        pytest.param("luo-dan", _organisation_missing, id="organisation-missing"),
        pytest.param("insurance", _tally_speaker_nobody, id="tally-speaker-nobody"),
        pytest.param("insurance", _tally_a_count_short, id="tally-a-count-short"),
    ],
)
def test_a_forged_record_with_a_dangling_reference_is_dropped(key, change, cache_home, forum_file):
    """Checksum and types right, references wrong: the answer still comes from the file, with no traceback."""
    old(forum_file)
    for args in (
        ["speakers", "-f", "json"],
        ["talk", "zheng-limin-myeloid-cells", "-f", "json"],
        ["speaker", "luo-dan", "-f", "json"],
        ["themes", "-f", "json"],
        ["theme", "immunotherapy", "-f", "json"],
        ["agenda", "-f", "json"],
        ["search", "myeloid", "-f", "json"],
        ["summary", "-f", "json"],
    ):
        for earlier in stores(cache_home):  # a forged store an earlier command did not read is still there
            earlier.unlink()
        names(forum_file)
        (built,) = stores(cache_home)
        forge(built, key, change)
        expected = invoke("--data", str(forum_file), "--no-cache", *args)
        result = invoke("--data", str(forum_file), *args)
        assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, ""), args


# -- where the stores live, and how many ------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_read_only_cache_directory_is_silently_ignored(cache_home, forum_file):
    cache_home.mkdir(parents=True)
    cache_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert names(forum_file)[0] == "Ma Jun"
        assert stores(cache_home) == []
    finally:
        cache_home.chmod(stat.S_IRWXU)


def test_unusable_cache_location_is_silently_ignored(tmp_path, forum_file, monkeypatch):
    """Works for root too: the cache 'directory' is a regular file, so nothing can be created in it."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert names(forum_file)[0] == "Ma Jun"
    assert names(forum_file)[0] == "Ma Jun"


def test_no_cache_option_and_variable_bypass_it(cache_home, forum_file, monkeypatch):
    assert invoke("--no-cache", "--data", str(forum_file), "speakers").exit_code == 0
    assert stores(cache_home) == []
    monkeypatch.setenv("CBIIC_NO_CACHE", "1")
    assert names(forum_file)[0] == "Ma Jun"
    assert stores(cache_home) == []


def test_standard_input_has_no_store(cache_home):
    result = invoke("--data", "-", "speakers", "-f", "json", input=shipped_text())
    assert result.exit_code == 0 and stores(cache_home) == []


def test_invalid_file_is_never_stored(cache_home, tmp_path):
    bad = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: 42"), name="bad.yaml")
    for _ in range(2):
        result = invoke("--data", str(bad), "speakers")
        assert result.exit_code == 1
        assert "people[7].name" in result.stderr
    assert stores(cache_home) == []


def test_the_cache_stays_small(cache_home, tmp_path):
    for number in range(cache.KEEP_ENTRIES + 4):
        path = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", f"name: Luo Dan {number}"), name=f"f{number}.yaml")
        assert f"Luo Dan {number}" in names(path)
    assert len(stores(cache_home)) == cache.KEEP_ENTRIES


def test_pruning_removes_only_stores_it_wrote(cache_home, tmp_path):
    cache_home.mkdir(parents=True)
    keep = [
        cache_home / "notes.sqlite",
        cache_home / "README",
        cache_home / ("A" * 64 + ".sqlite"),
        cache_home / ("0" * 64 + ".sqlite.bak"),
    ]
    for path in keep:
        path.write_text("mine")
    outside = tmp_path / "precious.sqlite"
    outside.write_text("mine")
    link = cache_home / ("f" * 64 + ".sqlite")
    link.symlink_to(outside)
    os.utime(link, (0, 0), follow_symlinks=False)  # the oldest "store" of all: first in line to be pruned
    for number in range(cache.KEEP_ENTRIES + 2):
        path = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", f"name: Luo Dan {number}"), name=f"f{number}.yaml")
        names(path)
    assert all(path.read_text() == "mine" for path in keep)
    assert outside.read_text() == "mine" and link.is_symlink()
    ours = [p for p in stores(cache_home) if cache.ENTRY_NAME.fullmatch(p.name) and not p.is_symlink()]
    assert len(ours) == cache.KEEP_ENTRIES


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, forum_file, monkeypatch):
    """The XDG spec: a relative path in XDG_CACHE_HOME is invalid and must be ignored."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert names(forum_file)[0] == "Ma Jun"
    assert not (tmp_path / "relative-cache").exists()
    assert len(stores(tmp_path / "home" / ".cache" / "cbiic")) == 1


@pytest.mark.parametrize("home", ["", "relative-home"])
def test_no_usable_home_means_no_cache_not_one_at_the_root(home, tmp_path, forum_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", home)
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert cache.cache_dir() is None
    assert names(forum_file)[0] == "Ma Jun"
    assert not (tmp_path / "relative-home").exists()


def test_a_real_process_answers_first_and_builds_the_store_after(run_cbiic, isolated_env, forum_file):
    """The answer does not wait for the store; the store appears once the background build is done."""
    env = {"XDG_CACHE_HOME": isolated_env["XDG_CACHE_HOME"]}
    home = Path(isolated_env["XDG_CACHE_HOME"]) / "cbiic"
    result = run_cbiic("--data", str(forum_file), "speakers", "-f", "json", env=env)
    assert result.returncode == 0 and json.loads(result.stdout)[7]["name"] == "Luo Dan"
    for _ in range(400):
        if stores(home):
            break
        time.sleep(0.05)
    assert len(stores(home)) == 1
    again = run_cbiic("--data", str(forum_file), "speakers", "-f", "json", env=env)
    assert again.stdout == result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["talk", "Professor Ma Jun"],
        ["speaker", "professor ma jun"],
        ["talk", "nobody"],
        ["speaker", "Xue"],
        ["talk", "zheng"],
        ["speaker", "Li Ziming"],
        ["theme", "tumour"],
    ],
    ids=" ".join,
)
def test_a_name_a_prefix_or_a_miss_gets_the_same_answer_from_the_store(args, cache_home, forum_file, no_parsing):
    expected = invoke("--data", str(forum_file), "--no-cache", *args)
    names(forum_file)
    no_parsing()
    result = invoke("--data", str(forum_file), *args)
    assert (result.exit_code, result.stdout, result.stderr) == (expected.exit_code, expected.stdout, expected.stderr)


def test_the_cache_keeps_to_its_byte_budget_and_always_the_newest(cache_home, tmp_path, monkeypatch):
    paths = [
        write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", f"name: Luo Dan {n}"), name=f"b{n}.yaml") for n in range(3)
    ]
    names(paths[0])
    (first,) = stores(cache_home)
    monkeypatch.setattr(cache, "KEEP_BYTES", first.stat().st_size + first.stat().st_size // 2)  # room for one and a half
    os.utime(first, (time.time() - 60, time.time() - 60))
    names(paths[1])
    assert len(stores(cache_home)) == 1 and first not in stores(cache_home)
    monkeypatch.setattr(cache, "KEEP_BYTES", 1)  # smaller than any store: the newest still stays
    names(paths[2])
    assert len(stores(cache_home)) == 1


def _build_now(forum_file: Path, settle: bool) -> None:
    from cbiic_cli.load import ForumSource, read_bytes
    from cbiic_cli.query import ForumIndex

    identity = store.identity_of(str(forum_file))
    data = read_bytes(ForumSource(str(forum_file)))
    from cbiic_cli.load import parse_forum

    builder.build(identity, data, ForumIndex(parse_forum(data, "forum.yaml")), settle=settle)


def racy(built: Path) -> bool:
    """Whether the store compares its file's bytes on every use (it was built too soon after a change to trust stat)."""
    from cbiic_cli.store import shapes
    from cbiic_cli.store.index import read_only

    connection = sqlite3.connect(built)
    try:
        return read_only(connection, shapes.IDENTITY, shapes.Identity).racy
    finally:
        connection.close()


def test_a_store_built_in_the_background_settles_a_file_that_stays_put(cache_home, forum_file):
    """Built just after an edit, a background build waits out the timestamp tick and then trusts stat."""
    forum_file.write_text(shipped_text(), encoding="utf-8")
    _build_now(forum_file, settle=True)
    (built,) = stores(cache_home)
    assert racy(built) is False


def test_a_file_rewritten_while_its_store_settles_gets_no_store(cache_home, forum_file, monkeypatch):
    forum_file.write_text(shipped_text(), encoding="utf-8")
    written = forum_file.stat().st_mtime_ns
    real_sleep = time.sleep

    def rewrite_meanwhile(seconds):
        forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")
        os.utime(forum_file, ns=(written, written))
        real_sleep(seconds)

    monkeypatch.setattr(location, "stat_fields", coarse)
    monkeypatch.setattr(builder.time, "sleep", rewrite_meanwhile)
    _build_now(forum_file, settle=True)
    assert stores(cache_home) == []


def test_an_edit_in_the_same_tick_while_a_long_first_answer_runs_is_not_hidden(cache_home, forum_file, monkeypatch):
    """Read, then the file is rewritten to the same size in the same second, and the build starts only later
    (a long parse): the store must still not trust stat, because the file had just changed when it was read."""
    from cbiic_cli.load import ForumSource, parse_forum, read_bytes
    from cbiic_cli.query import ForumIndex

    monkeypatch.setattr(location, "stat_fields", coarse)
    for _ in range(50):
        if time.time() % 1 < 0.3:
            break
        time.sleep(0.02)
    forum_file.write_text(shipped_text(), encoding="utf-8")
    identity = store.identity_of(str(forum_file))
    data = read_bytes(ForumSource(str(forum_file)))
    written = forum_file.stat().st_mtime_ns
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")
    os.utime(forum_file, ns=(written, written))
    if not identity.same_as(store.identity_of(str(forum_file))):
        pytest.skip("the machine was too slow to rewrite the file within one second")
    time.sleep(builder.RACY_SECONDS + 0.2)  # the answer took a while; the build starts well after the change
    builder.build(identity, data, ForumIndex(parse_forum(data, "forum.yaml")))
    assert stores(cache_home)
    assert "Luo Dam" in names(forum_file)


def test_a_symlink_retargeted_while_a_query_reads_never_puts_one_files_content_in_the_others_store(cache_home, tmp_path, monkeypatch):
    first = write_forum(tmp_path, shipped_text(), "a.yaml")
    second = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), "b.yaml")
    old(first)
    old(second)
    link = tmp_path / "current.yaml"
    link.symlink_to(first.name)
    time.sleep(builder.RACY_SECONDS + 0.1)  # both files settled: the store will trust stat, so only the read can go wrong
    real_identity_of = store.identity_of
    looks = []

    def then_retarget(location, context=b""):
        found = real_identity_of(location, context)
        looks.append(location)
        if looks.count(str(link)) == 2:  # the deploy flips the link just after the look that keys the new store
            link.unlink()
            link.symlink_to(second.name)
        return found

    monkeypatch.setattr(store, "identity_of", then_retarget)
    invoke("--data", str(link), "speakers")
    monkeypatch.undo()
    assert looks.count(str(link)) >= 2 and link.resolve() == second
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home.parent))
    assert "Luo Dan" in names(first) and "Luo Dam" not in names(first)


def test_a_file_dated_in_the_future_is_not_waited_for(cache_home, forum_file, monkeypatch):
    tomorrow = time.time_ns() + 86400 * 10**9
    os.utime(forum_file, ns=(tomorrow, tomorrow))
    slept = []
    monkeypatch.setattr(builder.time, "sleep", slept.append)
    _build_now(forum_file, settle=True)
    assert all(seconds < builder.RACY_SECONDS + 2 for seconds in slept)
    (built,) = stores(cache_home)
    assert racy(built) is True  # kept as a store that compares the file's bytes on every use
    assert names(forum_file)[7] == "Luo Dan"


@pytest.mark.parametrize("command", ["talk", "speaker", "theme", "search"])
def test_an_argument_that_is_not_valid_unicode_gets_the_files_answer(command, cache_home, forum_file):
    expected = invoke("--data", str(forum_file), "--no-cache", command, "x\udcff")
    names(forum_file)
    result = invoke("--data", str(forum_file), command, "x\udcff")
    assert (result.exit_code, result.stdout, result.stderr) == (expected.exit_code, expected.stdout, expected.stderr)
    assert stores(cache_home)  # the store was fine, and stays


# -- a list streamed from the store ------------------------------------------------------------


def _break_record(built: Path, kind: str, keys_in_order, position: int) -> None:
    """Make one record's checksum wrong: the one at ``position`` in the order a list streams them (``keys_in_order``:
    the query that lists their keys, or a function of the connection that does)."""
    with sqlite3.connect(built) as connection:
        if callable(keys_in_order):
            key = keys_in_order(connection)[position]
        else:
            (key,) = connection.execute(f"{keys_in_order} LIMIT 1 OFFSET ?", (position,)).fetchone()
        (digest,) = connection.execute("SELECT digest FROM store_records WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        connection.execute("UPDATE store_records SET digest = ? WHERE kind = ? AND key = ?", (bytes(b ^ 0xFF for b in digest), kind, key))


PEOPLE_IN_ORDER = "SELECT key FROM store_records WHERE kind = 'person' ORDER BY rank"


def _tallied(connection: sqlite3.Connection, theme: str) -> list[str]:
    """The contributions a theme's tally lists, in the article's order."""
    import msgspec

    (body,) = connection.execute("SELECT body FROM store_records WHERE kind = 'tally' AND key = ?", (theme,)).fetchone()
    return msgspec.msgpack.decode(body)[0]


DAMAGED_LISTS = [
    # Past the first batch of rows written (500) where the list is that long, and past the batches the store reads first.
    pytest.param(["speakers"], "person", PEOPLE_IN_ORDER, 520, id="speakers"),
    pytest.param(["agenda"], "contribution", "SELECT key FROM store_records WHERE kind = 'contribution' ORDER BY seq", 520, id="agenda"),
    pytest.param(["theme", "immunotherapy"], "contribution", lambda connection: _tallied(connection, "immunotherapy"), 150, id="theme"),
    pytest.param(["orgs"], "organisation", "SELECT key FROM store_records WHERE kind = 'organisation' ORDER BY seq", 100, id="orgs"),
]
# The quick suite breaks each list in one format, each format once; the slow set every list in every format.
QUICK_FORMAT = {"speakers": "jsonl", "agenda": "csv", "theme": "json", "orgs": "table"}


@pytest.mark.parametrize(
    ("args", "kind", "keys_in_order", "position", "fmt"),
    [
        pytest.param(*case.values, fmt, id=f"{case.id}-{fmt}", marks=() if QUICK_FORMAT[case.id] == fmt else pytest.mark.slow)
        for case in DAMAGED_LISTS
        for fmt in ("jsonl", "csv", "json", "table")
    ],
)
def test_damage_found_mid_stream_is_answered_on_from_the_file(args, kind, keys_in_order, position, fmt, cache_home, tmp_path):
    """Rows already written were checked; the file's answer, which is the same, goes on from the next one."""
    from support import generated_forum

    from cbiic_cli.render import ROWS_PER_CHUNK

    forum_file = generated_forum(tmp_path, 2 * ROWS_PER_CHUNK + 100, 5)
    old(forum_file)
    command = ["--data", str(forum_file), *args, "--limit", "0", "-f", fmt]
    expected = invoke("--no-cache", *command)
    assert invoke(*command).stdout == expected.stdout  # builds the store
    (built,) = stores(cache_home)
    _break_record(built, kind, keys_in_order, position)
    result = invoke(*command)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)
    assert not built.exists(), "the damaged store was kept"


def test_a_stream_that_meets_damage_had_written_rows_before_it(cache_home, tmp_path, monkeypatch):
    """The control for the test above: the damage is found after rows went out, not before the first."""
    from support import generated_forum

    from cbiic_cli import process
    from cbiic_cli.render import ROWS_PER_CHUNK

    forum_file = generated_forum(tmp_path, 2 * ROWS_PER_CHUNK + 100, 5)
    old(forum_file)
    command = ["--data", str(forum_file), "speakers", "--limit", "0", "-f", "jsonl"]
    invoke(*command)
    (built,) = stores(cache_home)
    _break_record(built, "person", PEOPLE_IN_ORDER, ROWS_PER_CHUNK + 20)
    written: list[str] = []
    discarded: list[int] = []
    real_write, real_discard = process.write, store.discard
    monkeypatch.setattr(process, "write", lambda text, utf8=False: (written.append(text), real_write(text, utf8))[1])
    monkeypatch.setattr(store, "discard", lambda path: (discarded.append(len(written)), real_discard(path))[1])
    assert invoke(*command).exit_code == 0
    assert discarded and discarded[0] >= 1, "the store was found damaged before any row was written"


@pytest.mark.parametrize(
    "args",
    [["search", "immune"], ["speakers"], ["agenda", "-f", "json"], ["summary"], ["theme", "ai"], ["orgs", "-f", "csv"]],
    ids=" ".join,
)
def test_a_limit_past_any_length_shows_everything_from_the_store(args, cache_home, forum_file, no_parsing):
    """10**30 is past Python's slice bounds and SQLite's integers: it means all, as 0 does, and the store answers it."""
    expected = invoke("--data", str(forum_file), "--no-cache", *args, "--limit", "0")
    names(forum_file)
    no_parsing()
    result = invoke("--data", str(forum_file), *args, "--limit", str(10**30))
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)


def test_a_record_let_go_while_its_batch_streams_is_read_again(cache_home, forum_file):
    """A record kept when its batch was read, and let go before its turn (a view looked up many others), is read
    again alone: never taken for one the store does not hold."""
    old(forum_file)
    names(forum_file)
    index = store.open_index(str(forum_file))
    assert index is not None
    people = index.people_table
    everyone = [slug for slug, _ in people.stream()]
    people.seen.clear()
    for slug in everyone[:5]:
        people[slug]  # kept: the batch will not read these again
    streamed = []
    for slug in people.each(everyone):
        people.seen.clear()  # as a view that looked up thousands of others would
        streamed.append(slug.person.slug)
    assert streamed == everyone
    index.close()


# -- damage an adversarial run found (each test fails on the code before its fix) ---------------------------------


def _store_edited(forum_file: Path, cache_home: Path, script: str) -> Path:
    old(forum_file)
    names(forum_file)
    (built,) = stores(cache_home)
    with sqlite3.connect(built) as connection:
        connection.executescript(script)
    return built


@pytest.mark.parametrize("limit", [[], ["--limit", "0"]], ids=["bounded", "whole"])
@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_a_damaged_tally_leaves_the_themes_layout_to_the_file(fmt, limit, cache_home, forum_file):
    """The matrix asks for the article's order after the rows: from the file's answer, not the closed store. Bounded,
    every tally is read before the first row; whole, each as its row is printed, so damage is found mid-stream."""
    expected = invoke("--data", str(forum_file), "--no-cache", "themes", *limit, "-f", fmt)
    built = _store_edited(
        forum_file, cache_home, "UPDATE store_records SET digest = zeroblob(16) WHERE kind = 'tally' AND key = 'insurance'"
    )
    result = invoke("--data", str(forum_file), "themes", *limit, "-f", fmt)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)
    assert not built.exists()


@pytest.mark.parametrize(
    ("kind", "key", "args"),
    [("person", "luo-dan", ["speakers"]), ("contribution", "zheng-limin-myeloid-cells", ["agenda"]), ("tally", "ai", ["themes"])],
)
def test_a_record_body_of_another_type_is_damage(kind, key, args, cache_home, forum_file):
    """SQLite keeps a number where bytes belong: damage (the file answers, the store goes), not a crash that stays."""
    expected = invoke("--data", str(forum_file), "--no-cache", *args, "-f", "json")
    built = _store_edited(forum_file, cache_home, f"UPDATE store_records SET body = 42 WHERE kind = '{kind}' AND key = '{key}'")
    result = invoke("--data", str(forum_file), *args, "-f", "json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)
    assert not built.exists()


def test_a_contribution_listed_on_a_theme_it_does_not_carry_is_damage(cache_home, forum_file):
    expected = invoke("--data", str(forum_file), "--no-cache", "theme", "ai", "-f", "jsonl")
    old(forum_file)
    names(forum_file)
    (built,) = stores(cache_home)
    forge(built, "ai", lambda tally: [[*tally[0], "luo-dan-remark"], *tally[1:]])
    result = invoke("--data", str(forum_file), "theme", "ai", "-f", "jsonl")
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected.stdout, expected.stderr)
    assert not built.exists()


def test_a_record_gone_from_the_store_does_not_take_a_talk_away(cache_home, forum_file):
    """A list proves it is whole (its records are numbered without a gap up to the count): a deleted talk is damage."""
    expected = [
        invoke("--data", str(forum_file), "--no-cache", *args).stdout for args in (["agenda", "-f", "csv"], ["summary", "-f", "json"])
    ]
    _store_edited(forum_file, cache_home, "DELETE FROM store_records WHERE kind = 'contribution' AND key = 'zheng-limin-myeloid-cells'")
    assert [invoke("--data", str(forum_file), *args).stdout for args in (["agenda", "-f", "csv"], ["summary", "-f", "json"])] == expected


def test_a_stream_resumed_from_the_file_goes_on_past_the_last_row_it_wrote(cache_home, forum_file):
    """A store missing a row and another damaged further on: the gap is found where it is, and no row is missed
    or printed twice."""
    expected = invoke("--data", str(forum_file), "--no-cache", "agenda", "-f", "csv", "--fields", "kind,id").stdout.splitlines()
    script = (
        "DELETE FROM store_records WHERE kind = 'session' AND key = 'session-2';"
        "UPDATE store_records SET digest = zeroblob(16) WHERE kind = 'contribution' AND key = 'zheng-limin-myeloid-cells'"
    )
    _store_edited(forum_file, cache_home, script)
    result = invoke("--data", str(forum_file), "agenda", "-f", "csv", "--fields", "kind,id")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == expected
