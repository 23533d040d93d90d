"""The cache can make cbiic faster, never wrong: every way an entry can go bad falls back to a fresh load."""

from __future__ import annotations

import json
import os
import stat

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
    assert cache.read(entry) is not None  # and the entry was rewritten whole


def test_a_well_formed_entry_of_another_shape_is_rejected(cache_home, forum_file):
    """An entry whose checksum is right but whose payload is not a Forum (another version's layout)."""
    import msgspec

    names(forum_file)
    (entry,) = entries(cache_home)
    payload = msgspec.msgpack.encode({"people": "not what this version expects"})
    entry.write_bytes(cache.MAGIC + cache._blake2b(payload, digest_size=cache.DIGEST_BYTES).digest() + payload)
    assert cache.read(entry) is None
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
