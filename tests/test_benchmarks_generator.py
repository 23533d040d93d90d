"""benchmarks/make_forum.py writes forums cbiic accepts, the same bytes every time.

The benchmark's scale figures are only worth something if the synthetic forum
passes the loader's strict validation and can be regenerated exactly; these
tests check both on small files. They time nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cbiic_cli.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "make_forum.py"
TALKS = 50


def _generator():
    spec = importlib.util.spec_from_file_location("make_forum", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, name: str, *arguments: str) -> Path:
    out = tmp_path / name
    subprocess.run([sys.executable, str(SCRIPT), *arguments, "--out", str(out)], check=True, timeout=120)
    return out


def cbiic(*arguments: str):
    return CliRunner().invoke(app, list(arguments), catch_exceptions=False)


def test_generated_forum_validates(tmp_path):
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    result = cbiic("--data", str(path), "validate")
    assert result.exit_code == 0, result.stdout
    people = TALKS // 2
    assert re.search(rf": valid \({people} people, {TALKS} talks, \d+ panel remarks, \d+ themes\)$", result.stdout.strip()), result.stdout


def test_generated_forum_answers_queries(tmp_path):
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    data = ["--data", str(path)]
    for command in (["speakers"], ["agenda"], ["themes"], ["theme", "insurance"], ["summary"], ["search", "immune"]):
        result = cbiic(*data, *command, "--format", "json")
        assert result.exit_code == 0, (command, result.stdout)
        json.loads(result.stdout)
    talks = json.loads(cbiic(*data, "summary", "--limit", "0", "--format", "json").stdout)["talks"]
    assert len(talks) == TALKS
    assert all(3 <= len(row["key_points"]) <= 5 for row in talks)


def test_same_arguments_same_bytes(tmp_path):
    first = write(tmp_path, "first.yaml", "--talks", str(TALKS))
    second = write(tmp_path, "second.yaml", "--talks", str(TALKS))
    assert first.read_bytes() == second.read_bytes()
    # The script and the function the benchmark imports agree, with no hidden state between calls.
    generator = _generator()
    assert generator.make_forum(TALKS) == first.read_text(encoding="utf-8") == generator.make_forum(TALKS)


# The lone forum's bytes as the script wrote them before it learned congresses. Benchmark figures are compared across
# commits on these files, so a change to the shared generator must not move them; change a digest only on purpose.
LONE_FORUM_SHA256 = {
    (50, 2024): "f82651cad8b072cf0df7eec3aadc82bac16c4a8529df1d20b20bc5debddc28b5",
    (7, 2024): "cff38ff3713586dd7466bf30a59f6dd90763d30a11331d521c142a12943f9624",
    (100, 7): "9796312ffbbc8ef65d30d19b49a7d7241494236c562e51cc1ba85a62b3426080",
}


@pytest.mark.parametrize(("talks", "seed"), sorted(LONE_FORUM_SHA256))
def test_a_lone_forum_keeps_its_bytes(talks, seed):
    text = _generator().make_forum(talks, seed)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == LONE_FORUM_SHA256[talks, seed]


def test_seed_and_size_change_the_forum(tmp_path):
    generator = _generator()
    base = generator.make_forum(TALKS)
    assert generator.make_forum(TALKS, seed=7) != base
    bigger = write(tmp_path, "bigger.yaml", "--talks", str(TALKS * 2), "--seed", "7")
    result = cbiic("--data", str(bigger), "validate")
    assert result.exit_code == 0, result.stdout
    assert f"{TALKS} people, {TALKS * 2} talks" in result.stdout


@pytest.mark.parametrize("talks", [1, 2, 7])
def test_tiny_forums_are_valid_too(tmp_path, talks):
    path = tmp_path / "tiny.yaml"
    path.write_text(_generator().make_forum(talks), encoding="utf-8")
    result = cbiic("--data", str(path), "validate")
    assert result.exit_code == 0, result.stdout


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_compared_tool_is_reported_with_every_version_line_and_its_real_version(tmp_path):
    """yq prints more than one line for --version, and the line it prints first can be wrong ("yq 0.0.0")."""
    fake = tmp_path / "yq"
    fake.write_text(f"#!{sys.executable}\nprint('yq 0.0.0')\nprint('jq-1.6')\n")
    fake.chmod(0o755)
    described = _runner().tool_version(str(fake), "pytest")
    import pytest as real_pytest

    assert "--version says `yq 0.0.0 / jq-1.6`" in described
    assert f"Python distribution pytest {real_pytest.__version__}" in described


def test_pathological_files_are_the_size_asked_for(tmp_path):
    runner = _runner()
    for shape in ("flow", "block"):
        path = tmp_path / f"{shape}.yaml"
        runner.pathological_file(path, shape, 0.1)
        assert abs(path.stat().st_size - 100_000) < 200
        result = cbiic("--no-cache", "--data", str(path), "validate")
        assert result.exit_code == 1 and "more invalid values from here on are not listed" in result.stdout


def test_the_questions_put_to_yq_are_answered_on_a_generated_forum(tmp_path):
    """A jq filter that no longer fits the schema fails in the benchmark as an error cell, not here; so ask here."""
    if not (shutil.which("yq") and shutil.which("jq")):
        pytest.skip("yq and jq are not installed (pip install yq; apt-get install jq)")
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    answers = {}
    for name, jq_filter in _runner().YQ_QUERIES:
        result = subprocess.run(["yq", jq_filter, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (name, result.stderr)
        answers[name] = json.loads(result.stdout)
    assert answers["load (count the talks)"] == TALKS
    insurance = json.loads(cbiic("--data", str(path), "theme", "insurance", "--format", "json").stdout)
    assert answers["theme insurance"] == sum(row["kind"] == "talk" for row in insurance) > 0
