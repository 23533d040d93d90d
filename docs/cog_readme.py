"""What generates the examples in README.md: real runs of cbiic, pasted by cog.

Regenerate with:
    PYTHONPATH=src python -m cogapp -I docs -p "from cog_readme import show" -r README.md
and tests/test_docs.py fails when an example goes stale. Runs use a private
cache, 100 columns, no colour, and the shipped forum.
"""

from __future__ import annotations

import shlex
import tempfile

import cog
from typer.testing import CliRunner

from cbiic_cli.cli import app

CACHE = tempfile.mkdtemp()


def show(*args: str, lines: int | None = None, columns: int = 100) -> None:
    env = {"COLUMNS": str(columns), "NO_COLOR": "1", "XDG_CACHE_HOME": CACHE, "CBIIC_DATA": None, "CBIIC_SOURCE": None}
    result = CliRunner().invoke(app, list(args), env=env)
    body = (result.stdout + result.stderr).splitlines()
    if lines and len(body) > lines:
        body = body[:lines] + [f"... ({len(body) - lines} more lines)"]
    cog.outl("```")
    cog.outl("$ cbiic " + " ".join(shlex.quote(a) for a in args))
    for line in body:
        cog.outl(line)
    if result.exit_code:
        cog.outl(f"[exit {result.exit_code}]")
    cog.outl("```")
