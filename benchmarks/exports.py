#!/usr/bin/env python3
"""Time `cbiic export sqlite|json|html` on synthetic forums and print a Markdown table.

    python benchmarks/exports.py                      # 1,000 and 10,000 talks, 3 runs each
    python benchmarks/exports.py --sizes 10000 --runs 5 --out /tmp/exports.md

Forums come from make_forum.py (same seed, same bytes as run.py's). Each export
runs as a whole process, the way a user runs it, writing into a temporary
directory. "warm" runs reuse the query store that a first run built (waited
for, since it is built in the background); the last column is the SQLite export
against an empty cache, which also parses and validates the YAML. The test suite makes no timing assertions: this script is the judge.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_forum
import run

# Each format: the file it writes, and the command's arguments after `export FORMAT PATH`.
FORMATS = [("sqlite", "forum.db", ["--metadata", "{out}/metadata.json"]), ("json", "forum.json", []), ("html", "forum.html", [])]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter whose cbiic to time (default: this one)")
    parser.add_argument("--cbiic", help="cbiic executable (default: the one next to --python, else on PATH)")
    parser.add_argument("--sizes", default="1000,10000", help="talk counts, comma-separated (default 1000,10000)")
    parser.add_argument("--seed", type=int, default=2024, help="make_forum seed (default 2024)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per cell (default 3)")
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached", help="as for run.py (default: cached)")
    parser.add_argument(
        "--store-timeout", type=float, default=900, help="seconds to wait for a query store built in the background (default 900)"
    )
    parser.add_argument("--workdir", help="where forums, caches and exports go (default: a temporary directory, removed afterwards)")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    run.find_cbiic(args, parser)
    return args


def megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f}" if path.exists() else "-"


def size_row(args: argparse.Namespace, env: dict[str, str], workdir: Path, talks: int) -> list[str]:
    forum = workdir / f"forum-{talks}.yaml"
    forum.write_text(make_forum.make_forum(talks, args.seed), encoding="utf-8")
    run.settle(forum)  # a store built right after the file changed would re-hash it on every use
    out = workdir / f"out-{talks}"
    out.mkdir()
    warm = {**env, "XDG_CACHE_HOME": str(workdir / f"cache-{talks}")}
    row = [f"{talks:,}", megabytes(forum)]
    for name, filename, extra in FORMATS:
        command = [args.cbiic, "--data", str(forum), "export", name, str(out / filename), *[e.format(out=out) for e in extra]]
        print(f"  {talks:,} talks: export {name} ...", file=sys.stderr)
        # Fills the cache (and compiles the bytecode) once, and waits for the store the background builds.
        run.fill_store(command, warm, args.store_timeout)
        row += [run.timed(command, warm, args.runs).cell(), megabytes(out / filename)]
    empty: list[Path] = []

    def empty_cache() -> None:
        if empty:  # the previous run's store, built in the background, must not compete with this run
            run.wait_for_store(empty[-1], args.store_timeout)
        empty.append(Path(tempfile.mkdtemp(dir=workdir, prefix="cold-")))
        cold["XDG_CACHE_HOME"] = str(empty[-1])

    cold = dict(env)
    sqlite_command = [args.cbiic, "--data", str(forum), "export", "sqlite", str(out / "forum.db")]
    print(f"  {talks:,} talks: export sqlite, empty cache ...", file=sys.stderr)
    row.append(run.timed(sqlite_command, cold, args.runs, before=empty_cache).cell())
    return row


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = ["talks", "YAML MB", "sqlite s", "db MB", "json s", "json MB", "html s", "html MB", "sqlite s, empty cache"]
    out = [
        f"#### cbiic export benchmark, {now}",
        "",
        f"- Machine: {run.machine()}",
        f"- Software: {run.versions(args.python)}; Jinja2 {importlib.metadata.version('jinja2')}; SQLite {sqlite3.sqlite_version}",
        (
            f"- Forums: `benchmarks/make_forum.py --talks N --seed {args.seed}`; command: `cbiic --data FILE export FORMAT PATH` "
            f"(sqlite with `--metadata`), whole process, median of {args.runs} runs with the cache warm; the last column starts "
            "from an empty cache, so it includes parsing and validating the YAML."
        ),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---:|" * len(header),
    ]
    with run.workdir_and_environment(args, "cbiic-exports-") as (workdir, env):
        out += ["| " + " | ".join(size_row(args, env, workdir, talks)) + " |" for talks in args.sizes]
    run.publish(out, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
