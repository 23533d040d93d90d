"""No test touches the user's home or cache: conftest.py moves both for the whole session.

This runs cbiic the way a careless test would, with the environment the session
inherited (no ``isolated_env``), and checks that the store it builds lands in the
session's temporary cache and that the user's real cache directory is unchanged.
Without the session-wide XDG_CACHE_HOME and HOME it fails.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import real_cache_directory, snapshot


def test_the_session_cache_is_not_the_users(tmp_path: Path) -> None:
    session_cache = Path(os.environ["XDG_CACHE_HOME"])
    assert Path(os.environ["HOME"]) in session_cache.parents
    assert real_cache_directory() != session_cache / "cbiic"
    assert not str(session_cache / "cbiic").startswith(str(real_cache_directory()))


def test_a_cbiic_run_without_an_environment_of_its_own_writes_only_to_the_session_cache(cbiic_exe: Path, tmp_path: Path) -> None:
    real = real_cache_directory()
    before = snapshot(real)
    forum = tmp_path / "forum.yaml"  # a file of its own, so that this run builds a store of its own
    forum.write_text((Path(__file__).resolve().parents[1] / "data" / "forum.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    session_cache = Path(os.environ["XDG_CACHE_HOME"]) / "cbiic"
    stores_before = set(session_cache.glob("*.sqlite"))
    result = subprocess.run([str(cbiic_exe), "--data", str(forum), "speakers", "-f", "json"], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    # The store is built in the background once the answer is out: wait for it.
    deadline = time.monotonic() + 30
    while not set(session_cache.glob("*.sqlite")) - stores_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(session_cache.glob("*.sqlite")) - stores_before, "no store was built in the session's cache"
    assert snapshot(real) == before, f"cbiic wrote to the real cache directory {real}"
