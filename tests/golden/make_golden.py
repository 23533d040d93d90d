#!/usr/bin/env python3
"""Record what every query command prints for the shipped forum, in every format, as golden files.

    .venv/bin/python tests/golden/make_golden.py        # rewrite tests/golden/outputs.json

The file was written before the indexed store and the fast start-up path
(issue 12) changed how answers are found, so that ``tests/test_golden.py`` can
prove those changes print the same bytes. Rewrite it only for a change that is
meant to alter output, and say so in the commit.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "markdown")
# Fixed so a table is laid out the same on every machine: width, no colour, a UTF-8 terminal.
ENVIRONMENT = {"COLUMNS": "100", "NO_COLOR": "1", "LC_ALL": "C.UTF-8", "FORCE_COLOR": "", "PYTHONIOENCODING": ""}
SEARCHES = (
    ["immune"],
    ["pd1"],
    ["tumour", "microenvironment"],
    ['"immune checkpoint"'],
    ["artificial", "intelligence"],
    ["insurance", "--theme", "insurance"],
    ["nsclc", "-n", "3"],
    ["cancer"],
    ["closing"],
    ["immunotheraphy"],
    ["clinical-trials"],
)


def cases() -> list[list[str]]:
    """Every command the fast path may answer, over every person, contribution and theme, in every format."""
    from cbiic_cli.load import ForumSource, default_data_path, load_forum
    from cbiic_cli.query import ForumIndex

    index = ForumIndex(load_forum(ForumSource(str(default_data_path()))))
    base: list[list[str]] = [
        ["speakers"],
        ["speakers", "--org", "sun yat sen"],
        ["speakers", "--theme", "insurance"],
        *(["speakers", "--role", role] for role in ("opening", "moderator", "speaker", "panelist", "closing")),
        ["themes"],
        ["agenda"],
        ["summary"],
        ["orgs"],
        ["orgs", "capital"],
        ["orgs", "--kind", "hospital"],
        *(["speaker", slug] for slug in index.people),
        *(["talk", key] for key in index.contribution_by_id),
        ["talk", "panel"],
        *(["theme", theme_id] for theme_id in index.themes),
        *(["search", *words] for words in SEARCHES),
    ]
    found = [[*argv, "--format", fmt] for argv in base for fmt in FORMATS]
    found += [
        ["speakers", "--fields", "slug,name,roles"],
        ["speakers", "--format", "csv", "--no-headers"],
        ["speakers", "--format", "tsv", "--no-headers", "--allow-formulas"],
        ["talk", "zheng-limin", "--fields", "id,title,key_points", "--format", "json"],
        ["themes", "--fields", "id,count", "--format", "csv"],
        ["search", "immune", "--fields", "rank,id,snippet", "--format", "tsv"],
        ["speaker", "Li Ziming"],
        ["speaker", "ma jun"],
        ["talk", "zheng"],
        ["theme", "artificial intelligence"],
        ["theme", "tumour"],
        ["talk", "nobody-at-all"],
        ["theme", "nothing-like-it"],
        ["speakers", "--fields", "nope"],
        ["--format", "json", "speakers"],
        ["-f", "csv", "agenda"],
        ["orgs", "--kind", "HOSPITAL", "-f", "md"],
        ["search"],
        ["search", "the"],
    ]
    # The whole-forum views bounded (issue 20): the shipped forum fits the default limit, so a smaller one shows the shape.
    found += [[*argv, "--format", fmt] for argv in (["themes", "--limit", "4"], ["summary", "--limit", "3"]) for fmt in FORMATS]
    return found


def run(argv: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    from typer.testing import CliRunner

    from cbiic_cli.cli import app

    result = CliRunner().invoke(app, argv, env={**ENVIRONMENT, **(env or {})}, catch_exceptions=False)
    return {"argv": argv, "exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr}


def main() -> int:
    records = [run(argv) for argv in cases()]
    out = HERE / "outputs.json"
    out.write_text(json.dumps(records, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(records)} outputs, {out.stat().st_size:,} bytes in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
