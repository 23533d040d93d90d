#!/usr/bin/env python3
"""Measure cbiic: start-up against `python -c "import typer"`, and load/search/theme/speakers at scale.

    python benchmarks/run.py                       # everything: start-up, 1k/10k/50k talks, yq
    python benchmarks/run.py --sizes 1000,10000 --out /tmp/bench.md
    python benchmarks/run.py --skip-scale          # start-up ratios only (about a minute)
    python benchmarks/run.py --only rss,growth     # peak memory per input MB, and each command's growth

Every figure is a whole process timed from outside (wall clock from start to
exit, output sent to /dev/null), the median of several runs. Start-up runs
alternate cbiic and the yardstick (A B A B ...) and the ratio is taken pair by
pair, so a machine that speeds up or slows down during the run moves both.

Scale runs use forums written by ``make_forum.py`` into a temporary directory
(never the repository) and a private ``XDG_CACHE_HOME``: "first query" runs
against an empty cache (what a curator sees right after editing the file),
"later query" against the cache that run left. ``--no-cache`` is timed too.
The same questions are put to ``yq`` (the jq wrapper for YAML) where it is
installed. The result is a Markdown report on standard output (and in
``--out``), with the date and the machine.

Two more sections: "Peak memory" runs ``cbiic --no-cache --data FILE validate``
on generated forums and on pathological files (one long flow list, one long
block list) of several sizes and reports each child's peak RSS, from
``resource.getrusage(RUSAGE_CHILDREN)`` in a wrapper process of its own, in MB
and per MB of input. "Growth" times every command at two sizes (10k and 50k
talks by default) and prints the ratio and the fitted exponent
log(t2/t1)/log(n2/n1): 1 is linear, 2 quadratic.

Budgets from the performance issue, marked in the tables: start-up at most
1.5x `import typer`; at 10,000 talks the first query at most 4 s and every
later one at most 1 s. Nothing here fails on a budget: it measures and reports.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_forum  # noqa: E402  (the generator next to this script)

STARTUP_COMMANDS = [
    ["--version"],
    ["speakers"],
    ["talk", "zheng-limin"],
    ["theme", "insurance"],
    ["search", "immune"],
    ["speakers", "--format", "json"],
]
STARTUP_BUDGET = 1.5
BUDGET_TALKS = 10_000
COLD_BUDGET_S = 4.0
WARM_BUDGET_S = 1.0

# The later queries timed at every size: (column, arguments after --data FILE).
SCALE_QUERIES = [
    ("later query (warm)", ["talk", "{talk}", "--format", "json"]),
    ('search "immune"', ["search", "immune"]),
    ('search "immune" json', ["search", "immune", "--format", "json"]),
    ('search "pd1"', ["search", "pd1"]),
    ("theme insurance", ["theme", "insurance"]),
    ("speakers", ["speakers"]),
]
# The same questions for yq: parse the YAML, then a jq filter.
YQ_QUERIES = [
    ("load (count the talks)", ".talks | length"),
    ('search "immune"', '[.talks[] | select(((.title // .topic) + " " + .summary + " " + (.key_points | map(.text) | join(" "))) | test("immune"; "i")) | .id] | length'),
    ("theme insurance", '[.talks[] | select(any(.key_points[].themes[]; . == "insurance")) | .id] | length'),
    ("speakers", "[.people[] | .name]"),
]
SCRUBBED_VARIABLES = ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_DEBUG", "CBIIC_MAX_BYTES", "FORCE_COLOR", "NO_COLOR")


# -- running and timing ------------------------------------------------------------------------------


class Result:
    def __init__(self, seconds: list[float], codes: list[int], timed_out: bool = False) -> None:
        self.seconds = seconds
        self.codes = codes
        self.timed_out = timed_out

    @property
    def ok(self) -> bool:
        return bool(self.seconds) and not self.timed_out and all(code == 0 for code in self.codes)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def cell(self, budget: float | None = None) -> str:
        if self.timed_out:
            return f"> {max(self.seconds or [0]):.0f} s (timed out)"
        bad = [code for code in self.codes if code != 0]
        if bad:
            return f"error (exit {bad[0]})"
        text = f"{self.median:.2f}"
        if budget is not None:
            text += " ok" if self.median <= budget else f" **over {budget:g} s**"
        return text


def run_once(command: list[str], env: dict[str, str], timeout: float | None = None) -> tuple[float, int]:
    """Wall seconds from starting ``command`` to reaping it, and its exit code."""
    start = time.perf_counter()
    try:
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, -9
    return time.perf_counter() - start, completed.returncode


def timed(command: list[str], env: dict[str, str], runs: int, *, timeout: float | None = None, before=None) -> Result:
    seconds: list[float] = []
    codes: list[int] = []
    for _ in range(runs):
        if before is not None:
            before()
        elapsed, code = run_once(command, env, timeout)
        seconds.append(elapsed)
        codes.append(code)
        if code == -9:
            return Result(seconds, codes, timed_out=True)
    return Result(seconds, codes)


def paired(a: list[str], b: list[str], env: dict[str, str], runs: int, warmup: int) -> tuple[Result, Result, float]:
    """Run A and B in turn (A B A B ...) and return both and the median of the per-pair ratios A/B."""
    for _ in range(warmup):
        run_once(a, env)
        run_once(b, env)
    a_result, b_result, ratios = Result([], []), Result([], []), []
    for _ in range(runs):
        a_seconds, a_code = run_once(a, env)
        b_seconds, b_code = run_once(b, env)
        a_result.seconds.append(a_seconds)
        a_result.codes.append(a_code)
        b_result.seconds.append(b_seconds)
        b_result.codes.append(b_code)
        ratios.append(a_seconds / b_seconds)
    return a_result, b_result, statistics.median(ratios)


# -- describing the machine ---------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, {cores} CPUs{memory}"


def versions(python: str) -> str:
    probe = (
        "import importlib.metadata as m, platform, yaml\n"
        "names = ['cbiic', 'typer', 'msgspec', 'PyYAML', 'rich']\n"
        "found = []\n"
        "for n in names:\n"
        "    try: found.append(f'{n} {m.version(n)}')\n"
        "    except Exception: found.append(f'{n} (not installed)')\n"
        "print(f\"Python {platform.python_version()}; {', '.join(found)}; libyaml C loader: {'yes' if yaml.__with_libyaml__ else 'no'}\")\n"
    )
    try:
        return subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "versions unknown"


# -- the report ---------------------------------------------------------------------------------------


def first_id(text: str, section: str = "talks", key: str = "id") -> str:
    """The id of the first entry of a top-level section of a make_forum file (its first talk, its first person)."""
    match = re.search(rf"^{section}:\n  - {key}: (\S+)$", text, re.MULTILINE)
    if not match:
        raise SystemExit(f"make_forum output has no {section} section")
    return match.group(1)


def startup_section(args: argparse.Namespace, env: dict[str, str], workdir: Path, out: list[str]) -> None:
    env = {**env, "XDG_CACHE_HOME": str(workdir / "startup-cache")}
    yardstick = [args.python, "-c", "import typer"]
    out.append("## Start-up on the shipped forum")
    out.append("")
    out.append(f"Budget: at most {STARTUP_BUDGET}x `python -c \"import typer\"` (same interpreter). "
               f"Median of {args.runs} alternating pairs after {args.warmup} warm-up pair(s), which also fill the cache.")
    out.append("")
    out.append("| command | cbiic ms | import typer ms | ratio | budget |")
    out.append("|---|---:|---:|---:|---|")
    for arguments in STARTUP_COMMANDS:
        command = [args.cbiic, *arguments]
        a, b, ratio = paired(command, yardstick, env, args.runs, args.warmup)
        label = "`cbiic " + " ".join(arguments) + "`"
        if not a.ok:
            out.append(f"| {label} | {a.cell()} | {b.median * 1000:.0f} | - | - |")
            continue
        verdict = "ok" if ratio <= STARTUP_BUDGET else "**over**"
        out.append(f"| {label} | {a.median * 1000:.0f} | {b.median * 1000:.0f} | {ratio:.2f}x | {verdict} |")
        print(f"  start-up {label}: {ratio:.2f}x", file=sys.stderr)
    out.append("")


def scale_section(args: argparse.Namespace, env: dict[str, str], workdir: Path, out: list[str]) -> list[tuple[int, Path]]:
    files: list[tuple[int, Path]] = []
    header = ["talks", "file MB", "first query (empty cache)", "--no-cache", *[name for name, _ in SCALE_QUERIES]]
    out.append("## Scale: synthetic forums (seconds, whole process)")
    out.append("")
    out.append(f"Forums from `benchmarks/make_forum.py --talks N --seed {args.seed}`. Median of {args.scale_runs} runs each. "
               "First query and later query: `cbiic --data FILE talk <first talk> --format json`, the first against an "
               "empty XDG_CACHE_HOME. Searches and lists run with the cache warm and print to /dev/null (tables as piped). "
               f"Budget at {BUDGET_TALKS:,} talks: first query at most {COLD_BUDGET_S:g} s, every later one at most {WARM_BUDGET_S:g} s; "
               "other sizes are shown for the curve.")
    out.append("")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---:|" * len(header))
    for talks in args.sizes:
        path = workdir / f"forum-{talks}.yaml"
        text = make_forum.make_forum(talks, args.seed)
        path.write_text(text, encoding="utf-8")
        files.append((talks, path))
        talk = first_id(text)
        data = ["--data", str(path)]
        in_budget = talks == BUDGET_TALKS
        caches = workdir / f"cache-{talks}"
        fresh: list[Path] = []

        def empty_cache() -> None:
            directory = Path(tempfile.mkdtemp(dir=workdir, prefix=f"cold-{talks}-"))
            fresh.append(directory)
            env_cold["XDG_CACHE_HOME"] = str(directory)

        env_cold = dict(env)
        probe = [args.cbiic, *data, "talk", talk, "--format", "json"]
        print(f"  {talks:,} talks: first query ...", file=sys.stderr)
        cold = timed(probe, env_cold, args.scale_runs, before=empty_cache)
        for directory in fresh[:-1]:
            shutil.rmtree(directory, ignore_errors=True)
        warm_env = {**env, "XDG_CACHE_HOME": str(fresh[-1] if fresh else caches)}
        print(f"  {talks:,} talks: --no-cache ...", file=sys.stderr)
        no_cache = timed([args.cbiic, "--no-cache", *data, "talk", talk, "--format", "json"], warm_env, args.scale_runs)
        row = [f"{talks:,}", f"{path.stat().st_size / 1e6:.1f}", cold.cell(COLD_BUDGET_S if in_budget else None), no_cache.cell()]
        for name, arguments in SCALE_QUERIES:
            print(f"  {talks:,} talks: {name} ...", file=sys.stderr)
            command = [args.cbiic, *data, *[a.format(talk=talk) for a in arguments]]
            row.append(timed(command, warm_env, args.scale_runs).cell(WARM_BUDGET_S if in_budget else None))
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    return files


def tool_version(executable: str, package: str) -> str:
    """What ``executable --version`` prints (every line), and the version its package manager installed.

    yq's own --version is not to be trusted (the Debian build says "yq 0.0.0"),
    so the report also names the Python distribution behind a Python script and
    the Debian package that owns the file, where either is known.
    """
    said = "no --version"
    try:
        probe = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=60)
        lines = [line.strip() for line in (probe.stdout + probe.stderr).splitlines() if line.strip()]
        said = " / ".join(lines) or said
    except (OSError, subprocess.SubprocessError):
        pass
    facts = [f"--version says `{said}`"]
    try:
        first = Path(executable).read_bytes()[:200].split(b"\n", 1)[0].decode("utf-8", "replace")
    except OSError:
        first = ""
    if first.startswith("#!") and "python" in first:
        interpreter = first[2:].strip().split()[0]
        probe_code = f"import importlib.metadata as m; print(m.version({package!r}))"
        try:
            found = subprocess.run([interpreter, "-c", probe_code], capture_output=True, text=True, timeout=60).stdout.strip()
            if found:
                facts.append(f"Python distribution {package} {found}")
        except (OSError, subprocess.SubprocessError):
            pass
    if shutil.which("dpkg-query"):
        try:
            owner = subprocess.run(["dpkg-query", "-S", str(Path(executable).resolve())], capture_output=True, text=True, timeout=60).stdout
            name = owner.split(":", 1)[0].strip() if owner else ""
            if name:
                version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True, timeout=60).stdout.strip()
                facts.append(f"Debian package {name} {version}")
        except (OSError, subprocess.SubprocessError):
            pass
    return "; ".join(facts)


def yq_section(args: argparse.Namespace, files: list[tuple[int, Path]], out: list[str]) -> None:
    out.append("## yq on the same files (seconds)")
    out.append("")
    yq, jq = shutil.which("yq"), shutil.which("jq")
    ok = False
    if yq and jq:
        try:
            ok = subprocess.run([yq, ".", "/dev/null"], capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
    if not ok:
        out.append("yq not available (install it with `pip install yq`; it needs `jq`, e.g. `apt-get install jq`).")
        out.append("")
        print("  yq not available", file=sys.stderr)
        return
    out.append(f"yq: {tool_version(yq, 'yq')}. jq: {tool_version(jq, 'jq')}. yq parses the whole file on every call "
               f"(no cache), so there is no cold/warm split. Median of {args.yq_runs} run(s), each stopped after {args.yq_timeout:g} s.")
    out.append("")
    header = ["talks", *[name for name, _ in YQ_QUERIES]]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---:|" * len(header))
    for talks, path in files:
        row = [f"{talks:,}"]
        for name, jq_filter in YQ_QUERIES:
            print(f"  yq {talks:,} talks: {name} ...", file=sys.stderr)
            row.append(timed([yq, jq_filter, str(path)], dict(os.environ), args.yq_runs, timeout=args.yq_timeout).cell())
        out.append("| " + " | ".join(row) + " |")
    out.append("")


# -- peak memory -------------------------------------------------------------------------------------

PEAK_RSS_PROBE = """
import resource, subprocess, sys
completed = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(completed.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(command: list[str], env: dict[str, str], python: str) -> tuple[float, int]:
    """Peak resident memory of ``command`` in MB (Linux reports KiB), measured in a wrapper of its own."""
    probe = subprocess.run([python, "-c", PEAK_RSS_PROBE, *command], capture_output=True, text=True, env=env, check=True)
    code, kib = probe.stdout.split()
    return int(kib) / 1024, int(code)


def pathological_file(path: Path, shape: str, megabytes: float) -> None:
    """One long flow list (`[1, 1, ...]`) or block list (`- 1` lines) of about ``megabytes`` MB."""
    count = int(megabytes * 1e6 / (3 if shape == "flow" else 4))
    body = "people: [" + "1, " * count + "1]\n" if shape == "flow" else "people:\n" + "- 1\n" * count
    path.write_text(body, encoding="utf-8")


def rss_section(args: argparse.Namespace, env: dict[str, str], workdir: Path, out: list[str]) -> None:
    out.append("## Peak memory per input byte")
    out.append("")
    out.append("`cbiic --no-cache --data FILE validate`, one run each; peak RSS of that process from "
               "`getrusage(RUSAGE_CHILDREN)` in a wrapper process of its own. The baseline is `cbiic --version`.")
    out.append("")
    baseline, _ = peak_rss_mb([args.cbiic, "--version"], env, args.python)
    out.append(f"Baseline (`cbiic --version`): {baseline:.0f} MB.")
    out.append("")
    out.append("| file | input MB | exit | peak RSS MB | (peak - baseline) per input MB |")
    out.append("|---|---:|---:|---:|---:|")
    cases: list[tuple[str, Path]] = []
    for talks in args.rss_talks:
        path = workdir / f"rss-forum-{talks}.yaml"
        path.write_text(make_forum.make_forum(talks, args.seed), encoding="utf-8")
        cases.append((f"generated forum, {talks:,} talks", path))
    for shape in ("flow", "block"):
        for megabytes in args.rss_megabytes:
            path = workdir / f"rss-{shape}-{megabytes:g}.yaml"
            pathological_file(path, shape, megabytes)
            cases.append((f"one long {shape} list", path))
    for label, path in cases:
        print(f"  peak memory: {label} ({path.stat().st_size / 1e6:.1f} MB) ...", file=sys.stderr)
        peak, code = peak_rss_mb([args.cbiic, "--no-cache", "--data", str(path), "validate"], env, args.python)
        size = path.stat().st_size / 1e6
        out.append(f"| {label} | {size:.1f} | {code} | {peak:.0f} | {(peak - baseline) / size:.1f} |")
        path.unlink()
    out.append("")


# -- growth of every command ----------------------------------------------------------------------------

GROWTH_COMMANDS = [
    ("speakers", ["speakers"]),
    ("speaker X", ["speaker", "{person}"]),
    ("talk X", ["talk", "{talk}"]),
    ("theme X", ["theme", "insurance"]),
    ("themes", ["themes"]),
    ("agenda", ["agenda"]),
    ("summary", ["summary"]),
    ("search immune", ["search", "immune"]),
    ("orgs", ["orgs"]),
    ("validate", ["validate"]),
]


def growth_section(args: argparse.Namespace, env: dict[str, str], workdir: Path, out: list[str]) -> None:
    import math

    small, large = args.growth_sizes
    out.append(f"## Growth of every command from {small:,} to {large:,} talks")
    out.append("")
    out.append(f"Median of {args.scale_runs} runs, warm cache (validate has none), output to /dev/null. Exponent = "
               f"log(t{large // 1000}k / t{small // 1000}k) / log({large / small:g}): 1 is linear, 2 quadratic. "
               "Start-up is part of each time, so small commands show an exponent below 1.")
    out.append("")
    seconds: dict[int, dict[str, Result]] = {}
    for talks in (small, large):
        path = workdir / f"growth-{talks}.yaml"
        text = make_forum.make_forum(talks, args.seed)
        path.write_text(text, encoding="utf-8")
        names = {"person": first_id(text, "people", "slug"), "talk": first_id(text)}
        cache_env = {**env, "XDG_CACHE_HOME": str(workdir / f"growth-cache-{talks}")}
        run_once([args.cbiic, "--data", str(path), "speakers"], cache_env)  # fill the cache
        seconds[talks] = {}
        for label, arguments in GROWTH_COMMANDS:
            print(f"  growth {talks:,} talks: {label} ...", file=sys.stderr)
            command = [args.cbiic, "--data", str(path), *[a.format(**names) for a in arguments]]
            seconds[talks][label] = timed(command, cache_env, args.scale_runs, timeout=args.yq_timeout)
    out.append(f"| command | {small:,} talks s | {large:,} talks s | ratio | exponent |")
    out.append("|---|---:|---:|---:|---:|")
    for label, _ in GROWTH_COMMANDS:
        a, b = seconds[small][label], seconds[large][label]
        if not (a.ok and b.ok):
            out.append(f"| `{label}` | {a.cell()} | {b.cell()} | - | - |")
            continue
        ratio = b.median / a.median
        exponent = math.log(ratio) / math.log(large / small)
        flag = "" if exponent <= 1.2 else " **superlinear**"
        out.append(f"| `{label}` | {a.median:.2f} | {b.median:.2f} | {ratio:.1f}x | {exponent:.2f}{flag} |")
    out.append("")


def child_environment(args: argparse.Namespace, workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED_VARIABLES}
    if args.bytecode == "cached":
        # As after `pip install`: modules run from compiled bytecode. A private prefix
        # keeps the .pyc files out of the source tree; the warm-up runs fill it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="interpreter for the yardstick (default: this one)")
    parser.add_argument("--cbiic", help="cbiic executable (default: the one next to --python, else on PATH)")
    parser.add_argument("--sizes", default="1000,10000,50000", help="talk counts, comma-separated (default 1000,10000,50000)")
    parser.add_argument("--seed", type=int, default=2024, help="make_forum seed (default 2024)")
    parser.add_argument("--runs", type=int, default=11, help="start-up pairs per command (default 11)")
    parser.add_argument("--warmup", type=int, default=2, help="start-up warm-up pairs (default 2)")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per scale cell (default 3)")
    parser.add_argument("--yq-runs", type=int, default=1, help="runs per yq cell (default 1)")
    parser.add_argument("--yq-timeout", type=float, default=600, help="seconds before a yq run is stopped (default 600)")
    parser.add_argument("--bytecode", choices=("cached", "as-is"), default="cached",
                        help="cached: run from compiled bytecode, as an installed package does (default); "
                             "as-is: inherit PYTHONDONTWRITEBYTECODE and friends from this shell")
    parser.add_argument("--rss-talks", default="1000,5000,10000", help="generated forum sizes for peak memory (default 1000,5000,10000)")
    parser.add_argument("--rss-megabytes", default="1,4,10", help="pathological file sizes in MB for peak memory (default 1,4,10)")
    parser.add_argument("--growth-sizes", default="10000,50000", help="the two talk counts the growth section compares (default 10000,50000)")
    parser.add_argument("--only", help="run only these sections, comma-separated: startup, scale, yq, rss, growth")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-yq", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--workdir", help="where forums and caches go (default: a temporary directory, removed afterwards)")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    args.rss_talks = [int(size) for size in args.rss_talks.split(",") if size.strip()]
    args.rss_megabytes = [float(size) for size in args.rss_megabytes.split(",") if size.strip()]
    args.growth_sizes = [int(size) for size in args.growth_sizes.split(",") if size.strip()]
    if len(args.growth_sizes) != 2:
        parser.error("--growth-sizes takes two talk counts, e.g. 10000,50000")
    sections = {"startup", "scale", "yq", "rss", "growth"}
    if args.only:
        chosen = {name.strip() for name in args.only.split(",") if name.strip()}
        if chosen - sections:
            parser.error(f"--only: unknown section(s) {', '.join(sorted(chosen - sections))}; choose from {', '.join(sorted(sections))}")
        for name in sections - chosen:
            setattr(args, f"skip_{name}", True)
    find_cbiic(args, parser)
    return args


def find_cbiic(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """--cbiic, else the cbiic beside --python, else the one on PATH."""
    if args.cbiic is None:
        beside = Path(args.python).parent / "cbiic"
        args.cbiic = str(beside) if beside.exists() else shutil.which("cbiic")
    if not args.cbiic:
        parser.error("no cbiic executable found; pass --cbiic")


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cbiic-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = child_environment(args, workdir)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"# cbiic benchmark, {now}",
        "",
        f"- Machine: {machine()}",
        f"- Software: {versions(args.python)}",
        f"- Bytecode: {'compiled once, then reused (PYTHONPYCACHEPREFIX in a temporary directory)' if args.bytecode == 'cached' else 'as the environment has it'}",
        "- Timer: wall clock around each whole process (start-up, import, load, output to /dev/null); medians.",
        "",
    ]
    try:
        if not args.skip_startup:
            startup_section(args, env, workdir, out)
        files: list[tuple[int, Path]] = []
        if not args.skip_scale:
            files = scale_section(args, env, workdir, out)
        if not args.skip_yq and files:
            yq_section(args, files, out)
        if not args.skip_rss:
            rss_section(args, env, workdir, out)
        if not args.skip_growth:
            growth_section(args, env, workdir, out)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report = "\n".join(out) + "\n"
    sys.stdout.write(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
