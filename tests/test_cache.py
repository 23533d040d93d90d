"""The cache can make cbiic faster, never wrong: every way an entry can go bad falls back to a fresh load."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cbiic_cli import cache
from support import invoke, replace_once, shipped_text, write_forum


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


def entries(cache_dir) -> list:
    return sorted(cache_dir.glob("*.msgpack"))


def read_entry(entry):
    return cache.read(entry, cache.size_limit(len(shipped_text().encode())))


def forge(entry, forum) -> None:
    """Write ``forum`` at ``entry`` as a well-formed entry: right magic, right checksum."""
    import msgspec

    payload = msgspec.msgpack.encode(forum)
    entry.write_bytes(cache.MAGIC + cache._blake2b(payload, digest_size=cache.DIGEST_BYTES).digest() + payload)


def test_first_query_fills_the_cache_and_later_ones_use_it(cache_home, forum_file, monkeypatch):
    assert names(forum_file)[7] == "Luo Dan"
    (entry,) = entries(cache_home)
    # Prove the second answer came from the cache: make a fresh parse impossible.
    monkeypatch.setattr("cbiic_cli.load.parse_forum", lambda *a: pytest.fail("parsed again despite a valid cache entry"))
    assert names(forum_file)[7] == "Luo Dan"
    assert entries(cache_home) == [entry]


def test_a_changed_file_is_never_answered_from_the_old_entry(cache_home, forum_file):
    assert "Luo Dan" in names(forum_file)
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dan Renamed"), encoding="utf-8")
    assert "Luo Dan Renamed" in names(forum_file)
    assert len(entries(cache_home)) == 2


def test_same_size_same_mtime_edit_is_still_seen(cache_home, forum_file):
    """Keyed by content, not by path, size and mtime."""
    names(forum_file)
    before = forum_file.stat()
    forum_file.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dam"), encoding="utf-8")
    os.utime(forum_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert forum_file.stat().st_size == before.st_size
    assert "Luo Dam" in names(forum_file)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda blob: blob[: len(blob) // 2], id="truncated"),
        pytest.param(lambda blob: b"", id="empty"),
        pytest.param(lambda blob: blob[:-40] + bytes(40), id="zeroed-tail"),
        pytest.param(lambda blob: blob[:20] + bytes([blob[20] ^ 0xFF]) + blob[21:], id="flipped-checksum-byte"),
        pytest.param(lambda blob: blob[:-1] + bytes([blob[-1] ^ 0x01]), id="flipped-payload-bit"),
        pytest.param(lambda blob: b"not a cache entry at all", id="garbage"),
    ],
)
def test_a_damaged_entry_falls_back_to_a_fresh_load(damage, cache_home, forum_file):
    expected = names(forum_file)
    (entry,) = entries(cache_home)
    entry.write_bytes(damage(entry.read_bytes()))
    assert names(forum_file) == expected
    assert read_entry(entry) is not None  # and the entry was rewritten whole


def test_a_well_formed_entry_of_another_shape_is_rejected(cache_home, forum_file):
    """An entry whose checksum is right but whose payload is not a Forum (another version's layout)."""
    import msgspec

    names(forum_file)
    (entry,) = entries(cache_home)
    payload = msgspec.msgpack.encode({"people": "not what this version expects"})
    entry.write_bytes(cache.MAGIC + cache._blake2b(payload, digest_size=cache.DIGEST_BYTES).digest() + payload)
    assert read_entry(entry) is None
    assert names(forum_file)[0] == "Ma Jun"


def test_another_version_uses_another_entry(cache_home, forum_file, monkeypatch):
    names(forum_file)
    (old,) = entries(cache_home)
    monkeypatch.setattr(cache, "__version__", "999.0.0")
    assert names(forum_file)[0] == "Ma Jun"
    assert len(entries(cache_home)) == 2 and old in entries(cache_home)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_read_only_cache_directory_is_silently_ignored(cache_home, forum_file):
    cache_home.mkdir(parents=True)
    cache_home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert names(forum_file)[0] == "Ma Jun"
        assert entries(cache_home) == []
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
    assert entries(cache_home) == []
    monkeypatch.setenv("CBIIC_NO_CACHE", "1")
    assert names(forum_file)[0] == "Ma Jun"
    assert entries(cache_home) == []


def test_invalid_file_is_never_cached(cache_home, tmp_path):
    bad = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: 42"), name="bad.yaml")
    for _ in range(2):
        result = invoke("--data", str(bad), "speakers")
        assert result.exit_code == 1
        assert "people[7].name" in result.stderr
    assert entries(cache_home) == []


def test_cache_stays_small(cache_home, tmp_path):
    for number in range(cache.KEEP_ENTRIES + 4):
        path = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", f"name: Luo Dan {number}"), name=f"f{number}.yaml")
        assert f"Luo Dan {number}" in names(path)
    assert len(entries(cache_home)) == cache.KEEP_ENTRIES


# -- the cache trusts nothing it reads -----------------------------------------------------------


def test_pruning_removes_only_entries_it_wrote(cache_home, tmp_path):
    cache_home.mkdir(parents=True)
    keep = [cache_home / "notes.msgpack", cache_home / "README", cache_home / ("A" * 64 + ".msgpack"), cache_home / ("0" * 64 + ".msgpack.bak")]
    for path in keep:
        path.write_text("mine")
    outside = tmp_path / "precious.msgpack"
    outside.write_text("mine")
    link = cache_home / ("f" * 64 + ".msgpack")
    link.symlink_to(outside)
    os.utime(link, (0, 0), follow_symlinks=False)  # the oldest "entry" of all: first in line to be pruned
    for number in range(cache.KEEP_ENTRIES + 2):
        path = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", f"name: Luo Dan {number}"), name=f"f{number}.yaml")
        names(path)
    assert all(path.read_text() == "mine" for path in keep)
    assert outside.read_text() == "mine" and link.is_symlink()
    ours = [p for p in entries(cache_home) if cache.ENTRY_NAME.fullmatch(p.name) and not p.is_symlink()]
    assert len(ours) == cache.KEEP_ENTRIES


def test_an_entry_behind_a_symlink_is_never_read(cache_home, forum_file, tmp_path):
    """A symlink at the entry's name, to a well-formed entry of another forum, must not change the answer."""
    from cbiic_cli.load import ForumSource, load_forum

    assert names(forum_file)[7] == "Luo Dan"
    (entry,) = entries(cache_home)
    other = load_forum(ForumSource(str(write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Impostor"), "o.yaml"))))
    elsewhere = tmp_path / "elsewhere.msgpack"
    forge(elsewhere, other)
    entry.unlink()
    entry.symlink_to(elsewhere)
    assert names(forum_file)[7] == "Luo Dan"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_special_file_at_the_entry_neither_hangs_nor_eats_memory(kind, run_cbiic, isolated_env, forum_file, checks):
    """A FIFO blocks an ordinary open() for ever; /dev/zero never ends. Real processes, with a hang guard."""
    env = {"XDG_CACHE_HOME": isolated_env["XDG_CACHE_HOME"]}
    assert run_cbiic("--data", str(forum_file), "speakers", env=env).returncode == 0
    (entry,) = entries(Path(isolated_env["XDG_CACHE_HOME"]) / "cbiic")
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    result = run_cbiic("--data", str(forum_file), "speakers", "-f", "json", env=env, timeout=60)
    checks.sane(result, "json")
    assert result.returncode == 0 and json.loads(result.stdout)[7]["name"] == "Luo Dan"


def test_an_entry_larger_than_its_forum_could_make_is_not_read(cache_home, forum_file, monkeypatch):
    names(forum_file)
    monkeypatch.setattr(cache, "ENTRY_SIZE_FACTOR", 0)
    monkeypatch.setattr(cache, "ENTRY_SIZE_SLACK", 100)
    parsed = []
    real_parse = __import__("cbiic_cli.load", fromlist=["parse_forum"]).parse_forum

    def counting_parse(*args):
        parsed.append(1)
        return real_parse(*args)

    monkeypatch.setattr("cbiic_cli.load.parse_forum", counting_parse)
    assert names(forum_file)[7] == "Luo Dan"
    assert parsed, "a too-large entry was used"


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param(("talks", 1, "speaker", "nobody"), id="speaker-nobody"),
        pytest.param(("panel", "panelists", 0, "ghost"), id="panelist-ghost"),
        pytest.param(("talks", 0, "key_points", 0, "themes", 0, "no-such-theme"), id="theme-missing"),
        pytest.param(("people", 1, "slug", "ma-jun-harbin"), id="duplicate-slug"),
    ],
)
def test_a_forged_entry_with_dangling_references_is_dropped(forgery, cache_home, forum_file):
    """Checksum and types right, references wrong: the answer still comes from the file, with no traceback."""
    import msgspec

    from cbiic_cli.load import ForumSource, load_forum
    from cbiic_cli.model import Forum

    expected = names(forum_file)
    (entry,) = entries(cache_home)
    document = msgspec.to_builtins(load_forum(ForumSource(str(forum_file))))
    *path, key, value = forgery
    target = document
    for part in path:
        target = target[part]
    target[key] = value
    forge(entry, msgspec.convert(document, Forum))
    for args in (["speakers", "-f", "json"], ["talk", "panel", "-f", "json"], ["talk", "ma-jun-youth-talent", "-f", "json"], ["themes", "-f", "json"], ["agenda", "-f", "json"]):
        result = invoke("--data", str(forum_file), *args)
        assert result.exit_code == 0, result.stderr
        assert "nobody" not in result.stdout and "ghost" not in result.stdout and "no-such-theme" not in result.stdout
    assert names(forum_file) == expected


def test_a_relative_xdg_cache_home_is_ignored(tmp_path, forum_file, monkeypatch):
    """The XDG spec: a relative path in XDG_CACHE_HOME is invalid and must be ignored."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert names(forum_file)[0] == "Ma Jun"
    assert not (tmp_path / "relative-cache").exists()
    assert len(entries(tmp_path / "home" / ".cache" / "cbiic")) == 1


@pytest.mark.parametrize("home", ["", "relative-home"])
def test_no_usable_home_means_no_cache_not_one_at_the_root(home, tmp_path, forum_file, monkeypatch):
    from cbiic_cli import cache

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", home)
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert cache.cache_dir() is None
    assert names(forum_file)[0] == "Ma Jun"
    assert not (tmp_path / "relative-home").exists()
