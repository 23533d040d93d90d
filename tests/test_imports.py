"""Start-up discipline, checked by what gets imported (never by timing): heavy modules load only where used."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("yaml", "rich", "msgspec", "pydantic")

PROBE = """
import json, sys
from typer.testing import CliRunner
before = set(sys.modules)
from cbiic_cli.cli import app
args = json.loads(sys.argv[1])
if args is not None:
    CliRunner().invoke(app, args, catch_exceptions=False)
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def imported_by(args, tmp_path) -> set[str]:
    env = {"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    # Typer's test runner itself imports nothing heavy; the probe counts only what cbiic adds.
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, env=env, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_importing_the_cli_loads_nothing_heavy(tmp_path):
    assert imported_by(None, tmp_path) == set()


def test_version_and_help_load_nothing_heavy(tmp_path):
    assert imported_by(["--version"], tmp_path) == set()
    assert imported_by(["speakers", "--help"], tmp_path) == set()


def test_json_output_never_imports_rich(tmp_path):
    imported_by(["speakers", "--format", "json"], tmp_path)  # fill the cache
    assert imported_by(["speakers", "--format", "json"], tmp_path) == {"msgspec"}


def test_a_cached_query_does_not_import_yaml(tmp_path):
    imported_by(["theme", "insurance"], tmp_path)
    assert "yaml" not in imported_by(["theme", "insurance"], tmp_path)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_piped_output_never_imports_rich(fmt, tmp_path):
    assert "rich" not in imported_by(["talk", "zheng-limin", "--format", fmt], tmp_path)


COMPLETION_PROBE = """
import json, sys
before = set(sys.modules)
from cbiic_cli.cli import app
try:
    app(prog_name="cbiic")
except SystemExit:
    pass
print()
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def test_completion_loads_no_yaml_or_rich_once_cached(tmp_path):
    imported_by(["speakers", "--format", "json"], tmp_path)  # fill the cache
    env = {
        "XDG_CACHE_HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "_CBIIC_COMPLETE": "complete_bash",
        "COMP_WORDS": "cbiic talk zh",
        "COMP_CWORD": "2",
    }
    result = subprocess.run([sys.executable, "-c", COMPLETION_PROBE], capture_output=True, text=True, env=env, check=True)
    *answers, modules = result.stdout.strip().splitlines()
    assert "zheng-limin" in answers
    assert not set(json.loads(modules)) & {"yaml", "rich"}
