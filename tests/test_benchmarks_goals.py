"""The goals section's pure helpers in benchmarks/run.py: the growth exponent, filling in ids, waiting for a store.

They time nothing: the figures themselves are only printed by the benchmark.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run.py"


def _run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("benchmarks_run", module)
    spec.loader.exec_module(module)
    return module


run = _run_module()


def test_growth_exponent_through_two_points():
    assert run.growth_exponent(1.0, 10.0, 10_000, 100_000) == pytest.approx(1.0)
    assert run.growth_exponent(0.5, 0.5, 10_000, 100_000) == pytest.approx(0.0)
    assert run.growth_exponent(1.0, 100.0, 10_000, 100_000) == pytest.approx(2.0)
    assert run.growth_exponent(2.0, 4.0, 1_000, 3_000) == pytest.approx(math.log(2) / math.log(3))


@pytest.mark.parametrize("times", [(0.0, 1.0), (1.0, -1.0)])
def test_growth_exponent_refuses_what_has_no_exponent(times):
    with pytest.raises(ValueError):
        run.growth_exponent(*times, 10_000, 100_000)
    with pytest.raises(ValueError):
        run.growth_exponent(1.0, 2.0, 10_000, 10_000)


def test_fill_puts_ids_in_arguments_sql_and_filters():
    ids = {"talk": "a-talk", "person": "o'brien"}
    assert run.fill("{talk}", ids) == "a-talk"
    assert run.fill("SELECT * FROM people WHERE slug = '{person}'", ids) == "SELECT * FROM people WHERE slug = 'o''brien'"
    assert run.fill('.talks[] | select(.id == "{talk}")', ids) == '.talks[] | select(.id == "a-talk")'


def test_every_goal_command_has_a_sqlite_question():
    labels = [label for label, *_ in run.GOAL_COMMANDS]
    assert len(labels) == len(set(labels)) == 10
    assert set(run.GOAL_LOOKUPS) <= set(labels)
    assert all(sql for _, _, sql, _ in run.GOAL_COMMANDS)


def test_verdicts():
    assert run.verdict(True) == "met"
    assert run.verdict(False) == "**not met**"
    assert run.verdict(None) == "not measured"


def test_wait_for_store_sees_only_a_finished_store(tmp_path):
    directory = tmp_path / "cbiic"
    directory.mkdir()
    assert run.wait_for_store(tmp_path, timeout=0) is None
    building = directory / ".tmp-cbiic-abc123.sqlite"
    building.write_bytes(b"")
    (directory / ("0" * 64 + ".sqlite")).write_bytes(b"")
    assert run.wait_for_store(tmp_path, timeout=0) is None  # a build is still under way
    building.unlink()
    (directory / "notes.sqlite").write_bytes(b"")  # not a name cbiic gives a store
    assert run.wait_for_store(tmp_path, timeout=0) is not None
    assert [path.name for path in run.store_files(tmp_path)] == ["0" * 64 + ".sqlite"]
