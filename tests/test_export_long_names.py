"""An export goes to any name the file system allows: its temporary file beside the target must fit NAME_MAX too."""

from __future__ import annotations

import os

import pytest
from support import invoke

LONGEST = os.pathconf("/", "PC_NAME_MAX") if hasattr(os, "pathconf") else 255


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


@pytest.mark.parametrize("kind", ["json", "sqlite", "html"])
@pytest.mark.parametrize(
    "name", ["x" * 245 + ".json", "é" * 122 + ".json", "y" * (LONGEST - 5) + ".out"], ids=["ascii", "two-byte", "longest"]
)
def test_an_export_to_a_long_name_is_written(tmp_path, kind, name):
    target = tmp_path / name
    assert len(os.fsencode(target.name)) <= LONGEST
    result = invoke("export", kind, str(target))
    assert result.exit_code == 0, result.stderr
    assert target.is_file() and target.stat().st_size > 0
    assert sorted(path.name for path in tmp_path.iterdir() if path.name != "cache") == [name]  # no temporary left
