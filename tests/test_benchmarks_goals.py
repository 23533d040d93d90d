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


def _a_run_at_the_larger_size(seconds_by_format: dict[str, float], peak_by_format: dict[str, float]):
    """A goals run that 'measured' one command (themes) at the larger size, in the formats given, and nothing else."""
    args = run.parse_arguments(["--cbiic", "cbiic", "--only", "goals"])
    goals = run.GoalRun(args)
    large = goals.large
    goals.warm[large], goals.rss[large] = {}, {}
    goals.other_formats["themes"], goals.other_formats_rss["themes"] = {}, {}
    for fmt, seconds in seconds_by_format.items():
        result = run.Result([seconds], [0])
        if fmt == "json":
            goals.warm[large]["themes"], goals.rss[large]["themes"] = result, (peak_by_format[fmt], 0)
        else:
            goals.other_formats["themes"][fmt], goals.other_formats_rss["themes"][fmt] = result, (peak_by_format[fmt], 0)
    return goals, {measure: row for measure, *row in goals.goal_rows()}


def test_a_goal_at_the_larger_size_is_judged_by_its_slowest_format():
    everything = dict.fromkeys(run.GOAL_FORMATS, 0.2)
    _, rows = _a_run_at_the_larger_size({**everything, "table": 0.7}, dict.fromkeys(run.GOAL_FORMATS, 30))
    goal, measured, _, met = rows["100k talks, warm, default limit, every format: `themes`"]
    assert (goal, measured, met) == ("≤ 0.5 s", "0.700 s (slowest: table)", False)  # JSON alone would have met it
    _, rows = _a_run_at_the_larger_size(everything, dict.fromkeys(run.GOAL_FORMATS, 30))
    assert rows["100k talks, warm, default limit, every format: `themes`"] == ["≤ 0.5 s", "0.200 s (slowest: table)", "-", True]
    # Formats not all measured yet: no verdict unless one is already over.
    _, rows = _a_run_at_the_larger_size({"json": 0.2}, {"json": 30})
    assert rows["100k talks, warm, default limit, every format: `themes`"][-1] is None


def test_the_memory_goal_is_the_largest_peak_of_any_format(capsys):
    goals, rows = _a_run_at_the_larger_size(dict.fromkeys(run.GOAL_FORMATS, 0.2), {**dict.fromkeys(run.GOAL_FORMATS, 30), "markdown": 140})
    goal, measured, _, met = rows["100k talks, warm: peak RSS, largest of every command in every format"]
    assert goal == "≤ 100 MiB" and measured.startswith("140 MiB (`themes` -f `markdown`)") and met is False
    out: list[str] = []
    goals.report_formats(out)
    assert "| `themes` | 0.200 s, 30 MiB | 0.200 s, 140 MiB | 0.200 s, 30 MiB |" in "\n".join(out)
