"""What every export does with its target file: replace an earlier export atomically, refuse anything else unless --force."""

from __future__ import annotations

import pytest
from export_support import one_line_error, run_cbiic

from cbiic_cli.export import ddl

# (format, file name, someone's own file already there, what the refusal calls it, how to recognise our export)
FORMATS = [
    ("sqlite", "forum.db", b"my own notes\n", "a SQLite database", lambda data: ddl.is_cbiic_database(data[:100])),
    ("json", "forum.json", b'{"name": "mine"}\n', "a JSON export", lambda data: data.startswith(b'{\n  "format": "cbiic-export"')),
    ("html", "forum.html", b"<p>my page</p>\n", "an HTML report", lambda data: b'<meta name="generator" content="cbiic' in data[:4096]),
]


@pytest.mark.parametrize(("fmt", "name", "_stranger", "_what", "is_export"), FORMATS, ids=[f[0] for f in FORMATS])
def test_rerunning_replaces_the_file_atomically(tmp_path, fmt, name, _stranger, _what, is_export):
    target = tmp_path / name
    assert run_cbiic("export", fmt, str(target), cache=tmp_path / "cache").returncode == 0
    first = target.stat().st_ino
    result = run_cbiic("export", fmt, str(target), cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert target.stat().st_ino != first, "a new file is renamed into place, not the old one rewritten"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", name], "no temporary file is left behind"
    assert is_export(target.read_bytes())


@pytest.mark.parametrize(("fmt", "name", "stranger", "what", "is_export"), FORMATS, ids=[f[0] for f in FORMATS])
def test_a_file_that_is_not_an_export_is_refused_unless_forced(tmp_path, fmt, name, stranger, what, is_export):
    target = tmp_path / name
    target.write_bytes(stranger)
    message = one_line_error(run_cbiic("export", fmt, str(target), cache=tmp_path / "cache"))
    assert f"is not {what} written by cbiic" in message and "--force" in message
    assert target.read_bytes() == stranger
    assert run_cbiic("export", fmt, str(target), "--force", cache=tmp_path / "cache").returncode == 0
    assert is_export(target.read_bytes())


@pytest.mark.parametrize("fmt", [f[0] for f in FORMATS])
@pytest.mark.parametrize("where", ["missing-directory/out", "a-file/out", "."])
def test_an_unwritable_path_is_one_line_and_exit_1(tmp_path, fmt, where):
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    assert "cannot write" in one_line_error(run_cbiic("export", fmt, str(tmp_path / where), cache=tmp_path / "cache"))


@pytest.mark.parametrize("metadata", ["missing-directory/metadata.json", "forum.db"])
def test_a_metadata_file_that_cannot_be_written_leaves_no_database_behind(tmp_path, metadata):
    message = one_line_error(
        run_cbiic("export", "sqlite", str(tmp_path / "forum.db"), "--metadata", str(tmp_path / metadata), cache=tmp_path / "cache")
    )
    assert "cannot write" in message or "two files" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


@pytest.mark.parametrize(("fmt", "name"), [(f[0], f[1]) for f in FORMATS])
def test_a_disk_that_fills_is_one_line_and_exit_1(tmp_path, fmt, name):
    import os
    import resource
    import subprocess

    from export_support import CBIIC

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    env = {key: value for key, value in os.environ.items() if not key.startswith("CBIIC_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    result = subprocess.run(
        [str(CBIIC), "--no-cache", "export", fmt, str(tmp_path / name)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        preexec_fn=small_files,
    )
    assert "cannot write" in one_line_error(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no temporary file is left behind"


@pytest.mark.parametrize(("fmt", "name"), [(f[0], f[1]) for f in FORMATS])
def test_a_name_that_is_not_utf8_is_written(tmp_path, fmt, name):
    """Any name the file system allows: bytes that are not UTF-8 are the file's name as they are, and where the
    name is put in text (datasette's metadata names the database by its file's stem) they read as U+FFFD."""
    import json
    import os

    directory = os.fsencode(tmp_path)
    target = os.fsdecode(directory + b"/\xff\xfe" + os.fsencode(os.path.splitext(name)[1]))  # \xff\xfe.db, .json, .html
    options = ["--metadata", os.fsdecode(directory + b"/\xfe.json")] if fmt == "sqlite" else []
    result = run_cbiic("export", fmt, target, *options, cache=tmp_path / "cache")
    assert (result.returncode, result.stderr) == (0, "")
    written = sorted(os.listdir(directory))
    assert os.fsencode(target)[len(directory) + 1 :] in written
    if fmt == "sqlite":
        assert b"\xfe.json" in written
        metadata = json.loads((tmp_path / os.fsdecode(b"\xfe.json")).read_text(encoding="utf-8"))
        assert list(metadata["databases"]) == ["\ufffd\ufffd"]
