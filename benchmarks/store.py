#!/usr/bin/env python3
"""The query store on synthetic forums: its size, how long it takes to build, and the queries around its build.

    python benchmarks/store.py                              # 10,000 and 100,000 talks
    python benchmarks/store.py --sizes 10000 --runs 3 --out /tmp/store.md

For each size, from an empty cache, whole processes as a user runs them:
the first query (parses the file, answers, then builds the store in the
background), a second query right after it (answered from the file while the
build runs at the lowest priority), how long after the first answer the store
was in place (its build time), and a third query once it is. Then the store's
size next to its YAML's. Goals (issue 20): a store at most 3x its YAML, built
in at most 30 s at 100,000 talks, and the second query no slower than the
first. The test suite makes no timing assertions: this script is the judge.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run

SIZE_GOAL = 3.0
BUILD_GOAL_S = 30.0
BUILD_GOAL_TALKS = 100_000


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter whose cbiic to time (default: this one)")
    parser.add_argument("--cbiic", help="cbiic executable (default: the one next to --python, else on PATH)")
    parser.add_argument("--sizes", default="10000,100000", help="talk counts, comma-separated (default 10000,100000)")
    parser.add_argument("--seed", type=int, default=2024, help="make_forum seed (default 2024)")
    parser.add_argument("--runs", type=int, default=3, help="rounds per size, each from an empty cache (default 3)")
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached", help="as for run.py (default: cached)")
    parser.add_argument("--store-timeout", type=float, default=900, help="seconds to wait for a store to be built (default 900)")
    parser.add_argument("--workdir", help="where forums and caches go (default: a temporary directory); forums there are reused")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    run.find_cbiic(args, parser)
    return args


def one_round(args: argparse.Namespace, env: dict[str, str], command: list[str], cache_home: Path) -> dict[str, float | None]:
    shutil.rmtree(cache_home, ignore_errors=True)
    cache_home.mkdir(parents=True)
    cached = {**env, "XDG_CACHE_HOME": str(cache_home)}
    first, code = run.run_once(command, cached, args.store_timeout)
    second, second_code = run.run_once(command, cached, args.store_timeout)
    ready = run.wait_for_store(cache_home, args.store_timeout)
    third, third_code = run.run_once(command, cached, args.store_timeout) if ready is not None else (None, 0)
    if {code, second_code, third_code} != {0}:
        raise SystemExit(f"cbiic failed: {' '.join(command)}")
    stores = run.store_files(cache_home)
    return {
        "first": first,
        "second": second,
        # From the first answer: the second query ran meanwhile.
        "ready": None if ready is None else second + ready,
        "third": third,
        "store": float(stores[0].stat().st_size) if stores else None,
    }


def median(rounds: list[dict[str, float | None]], key: str) -> float | None:
    values = [value for value in (found[key] for found in rounds) if value is not None]
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "talks",
        "YAML MB",
        "store MB",
        "store / YAML",
        "first query s",
        "second, right after s",
        "store built after s",
        "third, built s",
    ]
    out = [
        f"#### cbiic query store benchmark, {now}",
        "",
        f"- Machine: {run.machine()}",
        f"- Software: {run.versions(args.python)}",
        (
            f"- Forums: `benchmarks/make_forum.py --talks N --seed {args.seed}`, left unchanged for more than "
            f"{run.RACY_SECONDS:g} s first; command: `cbiic --data FILE talk FIRST-TALK -f json`, whole process, from an empty "
            f'cache each round, medians of {args.runs} rounds. "store built after": seconds from the first answer until the '
            "store was in place (the background build, at the lowest priority, while the second query ran)."
        ),
        f"- Goals: a store at most {SIZE_GOAL:g}x its YAML; built in at most {BUILD_GOAL_S:g} s at {BUILD_GOAL_TALKS:,} talks; the second query no slower than the first.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---:|" * len(header),
    ]
    with run.workdir_and_environment(args, "cbiic-store-") as (workdir, env):
        for talks in args.sizes:
            forum, ids = run.forum_file(workdir, talks, args.seed)
            run.settle(forum)
            command = [args.cbiic, "--data", str(forum), "talk", ids["talk"], "-f", "json"]
            rounds = []
            for number in range(args.runs):
                print(f"  {talks:,} talks: round {number + 1}/{args.runs} ...", file=sys.stderr)
                rounds.append(one_round(args, env, command, workdir / f"cache-{talks}"))
            yaml_bytes = forum.stat().st_size
            store_bytes = median(rounds, "store")
            first, second, ready = median(rounds, "first"), median(rounds, "second"), median(rounds, "ready")
            ratio = store_bytes / yaml_bytes if store_bytes else None
            row = [
                f"{talks:,}",
                f"{yaml_bytes / 1e6:.1f}",
                f"{store_bytes / 1e6:.1f}" if store_bytes else "-",
                f"{ratio:.2f}x {run.verdict(ratio <= SIZE_GOAL)}" if ratio else "-",
                f"{first:.2f}" if first is not None else "-",
                f"{second:.2f} {run.verdict(second <= first * 1.05)}" if first is not None and second is not None else "-",
                f"{ready:.1f}" + (f" {run.verdict(ready <= BUILD_GOAL_S)}" if talks == BUILD_GOAL_TALKS else "")
                if ready is not None
                else "-",
                f"{median(rounds, 'third'):.2f}" if median(rounds, "third") is not None else "-",
            ]
            out.append("| " + " | ".join(row) + " |")
    out += ["", "A second query within 5% of the first counts as no slower (the spread of repeated runs on this machine)."]
    run.publish(out, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
