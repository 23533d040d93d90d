#!/usr/bin/env python3
"""A congress of many forums: every query command, warm and cold, from its one query store.

    python benchmarks/congress.py --python /tmp/benchvenv/bin/python                 # 200 forums, 10,000 contributions
    python benchmarks/congress.py --forums 50 --runs 5 --out /tmp/congress.md

The congress is ``make_forum.py --forums N`` (congress.yaml and one forum file
each), left unchanged for more than 2 s before its first query. Whole processes,
as a user runs them, output to /dev/null, every command with ``-f json``:

* warm: once the congress's store is built, each command and
  ``python -c "import typer"`` run in turn (A B A B ...); the goal is the
  command within 0.1 s of that start-up (the median of the pairs' differences),
  as the 10,000-talk forum's goals are within 0.1 s of the shipped forum's;
* cold: each command from an empty cache (it parses every forum file, answers,
  and leaves the store to build in the background, once), then the wait until
  the store is in place; the goal is the answer in at most 2 s, and one store
  for the whole congress.

The test suite makes no timing assertions: this script is the judge.
"""

from __future__ import annotations

import argparse
import datetime
import re
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_forum
import run

WARM_GOAL_S = 0.1  # above `import typer`
COLD_GOAL_S = 2.0
# Every query command, as a user asks it of the congress; {forum}, {person} and {talk}: the first forum's id, and its
# first person and talk, qualified (FORUM/ID), as every row of a congress prints them.
COMMANDS: list[tuple[str, list[str]]] = [
    ("speakers", ["speakers"]),
    ("speaker FORUM/ID", ["speaker", "{forum}/{person}"]),
    ("talk FORUM/ID", ["talk", "{forum}/{talk}"]),
    ("theme insurance", ["theme", "insurance"]),
    ("themes", ["themes"]),
    ("agenda", ["agenda"]),
    ("summary", ["summary"]),
    ("search immune", ["search", "immune"]),
    ("orgs", ["orgs"]),
    ("forums", ["forums"]),
]


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter whose cbiic to time, and the yardstick's (default: this one)")
    parser.add_argument("--cbiic", help="cbiic executable (default: the one next to --python, else on PATH)")
    parser.add_argument("--forums", type=int, default=200, help="forums in the congress (default 200)")
    parser.add_argument("--seed", type=int, default=2024, help="make_forum seed (default 2024)")
    parser.add_argument("--runs", type=int, default=11, help="warm pairs per command (default 11)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up pairs per command (default 2)")
    parser.add_argument("--cold-runs", type=int, default=1, help="runs from an empty cache per command (default 1)")
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached", help="as for run.py (default: cached)")
    parser.add_argument("--store-timeout", type=float, default=900, help="seconds to wait for the store to be built (default 900)")
    parser.add_argument("--workdir", help="where the congress and caches go (default: a temporary directory); a congress there is reused")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    run.find_cbiic(args, parser)
    return args


def congress_directory(workdir: Path, forums: int, seed: int) -> tuple[Path, dict[str, str]]:
    """The congress make_forum writes for ``forums`` and ``seed``, written once into the workdir; its first forum's id,
    person and talk."""
    directory = workdir / f"congress-{forums}-seed{seed}"
    if not (directory / "congress.yaml").exists():
        print(f"  generating a congress of {forums:,} forums ...", file=sys.stderr)
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in make_forum.make_congress(forums, seed=seed).items():
            (directory / name).write_text(text, encoding="utf-8")
    first = sorted(path for path in directory.glob("*.yaml") if path.name != "congress.yaml")[0]
    text = first.read_text(encoding="utf-8")
    found = re.search(r"^id: (\S+)$", text, re.MULTILINE)
    ids = {
        "forum": found.group(1) if found else first.stem,
        "talk": run.first_id(text),
        "person": run.first_id(text, "people", "slug"),
    }
    for path in directory.iterdir():
        run.settle(path)
    return directory, ids


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with run.workdir_and_environment(args, "cbiic-congress-") as (workdir, env):
        directory, ids = congress_directory(workdir, args.forums, args.seed)
        yaml_bytes = sum(path.stat().st_size for path in directory.iterdir())
        commands = [
            (label, [args.cbiic, "--data", str(directory), *[run.fill(part, ids) for part in arguments], "-f", "json"])
            for label, arguments in COMMANDS
        ]
        yardstick = [args.python, "-c", "import typer"]

        cold: dict[str, list[tuple[float, int, float | None, int]]] = {}
        for label, command in commands:
            cold[label] = []
            for number in range(args.cold_runs):
                print(f"  cold: {label} ({number + 1}/{args.cold_runs}), then the store ...", file=sys.stderr)
                cache_home = workdir / "cold-cache"
                seconds, code, ready = run.cold_query(command, env, cache_home, args.store_timeout)
                cold[label].append((seconds, code, ready, len(run.store_files(cache_home))))

        warm_home = workdir / "warm-cache"
        shutil.rmtree(warm_home, ignore_errors=True)  # a store another version left in a reused workdir
        warm_env = {**env, "XDG_CACHE_HOME": str(warm_home)}
        ready = run.fill_store(commands[0][1], warm_env, args.store_timeout)
        stores = run.store_files(warm_home)
        store_bytes = stores[0].stat().st_size if stores else None
        warm: dict[str, tuple[run.Result, run.Result, float]] = {}
        for label, command in commands:
            print(f"  warm: {label} vs import typer ...", file=sys.stderr)
            a, b, _ = run.paired(command, yardstick, warm_env, args.runs, args.warmup)
            warm[label] = (a, b, statistics.median(x - y for x, y in zip(a.seconds, b.seconds)))
        after = run.store_files(warm_home)

    out = [
        f"#### cbiic congress benchmark, {now}",
        "",
        f"- Machine: {run.machine()}",
        f"- Software: {run.versions(args.python)}",
        (
            f"- Congress: `benchmarks/make_forum.py --forums {args.forums} --seed {args.seed}` ({args.forums:,} forum files and "
            f"congress.yaml, {yaml_bytes / 1e6:.1f} MB), left unchanged for more than {run.RACY_SECONDS:g} s first; every command "
            f"`cbiic --data DIR COMMAND -f json`, whole process, output to /dev/null; a person and a talk as `FORUM/ID`."
        ),
        (
            f'- Warm: once the store is built, the command and `python -c "import typer"` in turn, {args.runs} pairs after '
            f"{args.warmup} warm-up pair(s); medians, and the median of the pairs' differences. "
            f"Goal: within {WARM_GOAL_S:g} s of `import typer`."
        ),
        (
            f"- Cold: the command from an empty cache, {args.cold_runs} run(s) each (median), then the wait until its store is in "
            f'place ("store built after": seconds from the answer). Goal: at most {COLD_GOAL_S:g} s, and one store for the congress.'
        ),
        (
            f"- Store: {store_bytes / 1e6:.1f} MB ({store_bytes / yaml_bytes:.2f}x the YAML), one file"
            if store_bytes
            else "- Store: none appeared"
        )
        + (f", in place {ready:.1f} s after the first warm query's answer" if ready is not None else "")
        + (
            f"; {len(after)} store(s) after every warm run (none built again)"
            if after == stores
            else "; **the warm runs built another store**"
        )
        + ".",
        "",
        "| command | warm s | import typer s | warm − typer s | within 0.1 s | cold s | cold ≤ 2 s | store built after s | stores |",
        "|---|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    met = judged = 0
    for label, _ in COMMANDS:
        a, b, extra = warm[label]
        runs = cold[label]
        cold_s = statistics.median(seconds for seconds, _, _, _ in runs)
        codes = {code for _, code, _, _ in runs} | set(a.codes)
        built = [ready for _, _, ready, _ in runs if ready is not None]
        count = max(found for _, _, _, found in runs)
        warm_ok, cold_ok = extra <= WARM_GOAL_S and codes == {0}, cold_s <= COLD_GOAL_S and codes == {0} and count == 1
        met += warm_ok + cold_ok
        judged += 2
        out.append(
            f"| `{label}` | {a.median:.3f} | {b.median:.3f} | {extra:+.3f} | {run.verdict(warm_ok)} | {cold_s:.2f} | "
            f"{run.verdict(cold_ok)} | {statistics.median(built):.1f} | {count} |"
            if built
            else f"| `{label}` | {a.median:.3f} | {b.median:.3f} | {extra:+.3f} | {run.verdict(warm_ok)} | {cold_s:.2f} | "
            f"{run.verdict(cold_ok)} | - | {count} |"
        )
    out += ["", f"{met} of {judged} goals met."]
    run.publish(out, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
