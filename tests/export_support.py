"""Helpers for the export tests: run the installed cbiic, probe what a command imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
CBIIC = Path(sys.executable).parent / "cbiic"


def run_cbiic(*args: str, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed `cbiic` as a user runs it, with its cache under the test's own directory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CBIIC_")}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run([str(CBIIC), *args], capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exit 1 and said why in one line on stderr, without a traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cbiic: "), result.stderr
    return lines[0]


# -- what a command imports ------------------------------------------------------

_PROBE = """
import json, sys
from typer.testing import CliRunner
before = set(sys.modules)
from cbiic_cli.cli import app
result = CliRunner().invoke(app, json.loads(sys.argv[1]), catch_exceptions=False)
assert result.exit_code == 0, result.output
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def imported_by(args: list[str], cache: Path, cwd: Path) -> set[str]:
    """Top-level modules that running `cbiic ARGS` in-process imports beyond the CLI's own start-up."""
    env = {"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], capture_output=True, text=True, env=env, cwd=cwd, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))
