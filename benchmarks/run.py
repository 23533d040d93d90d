#!/usr/bin/env python3
"""Measure cbiic: start-up against `python -c "import typer"`, and load/search/theme/speakers at scale.

    python benchmarks/run.py                       # everything: start-up, 1k/10k/50k talks, yq, memory, growth, goals
    python benchmarks/run.py --sizes 1000,10000 --out /tmp/bench.md
    python benchmarks/run.py --only startup        # start-up ratios only (about a minute)
    python benchmarks/run.py --only rss,growth     # peak memory per input MB, and each command's growth
    python benchmarks/run.py --only goals          # the query store's goals at 10k and 100k talks (10-20 minutes)

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

cbiic builds its query store (an indexed SQLite file in ``$XDG_CACHE_HOME/cbiic``)
in a background child after answering the first query against a file. Every
warm figure here is taken only once that store exists and no temporary
``.tmp-cbiic-*.sqlite`` remains (polled, with ``--store-timeout``), and the
report says how long after the answer the store appeared. Forums are left to
age a few seconds before their first query, so the store is not one built
"within a timestamp tick" of the file's change (which re-hashes the file's
bytes on every later query).

Two more sections: "Peak memory" runs ``cbiic --no-cache --data FILE validate``
on generated forums and on pathological files (one long flow list, one long
block list) of several sizes and reports each child's peak RSS, from
``resource.getrusage(RUSAGE_CHILDREN)`` in a wrapper process of its own, in MB
and per MB of input. "Growth" times every command at two sizes (10k and 50k
talks by default) and prints the ratio and the fitted exponent
log(t2/t1)/log(n2/n1): 1 is linear, 2 quadratic.

"Goals" (``--only goals``) checks the query store's targets at two sizes
(``--goal-sizes``, 10k and 100k talks by default): warm queries on the shipped
forum against ``import typer``, every command at both sizes warm (and against
the same command on the shipped forum; at the larger size in every output format,
table, Markdown, JSON, JSON Lines, CSV and TSV), peak memory, the first query from an
empty cache, the same questions put to the ``sqlite3`` CLI on the export and to
``yq`` on the YAML, and each command's growth exponent. It prints a table of
goals with a verdict each, and whatever it has measured if it is stopped early.

Budgets from the performance issue, marked in the tables: start-up at most
1.5x `import typer`; at 10,000 talks the first query at most 4 s and every
later one at most 1 s. Nothing here fails on a budget: it measures and reports.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_forum

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
    (
        'search "immune"',
        '[.talks[] | select(((.title // .topic) + " " + .summary + " " + (.key_points | map(.text) | join(" "))) | test("immune"; "i")) | .id] | length',
    ),
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
    """Wall seconds from starting ``command`` to reaping it, and its exit code (-9 when stopped after ``timeout`` seconds).

    The wait is a blocking one: ``subprocess.run(timeout=...)`` polls with sleeps of up to 50 ms,
    which would round every time up to the next poll. A timer thread kills the child instead.
    """
    start = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    timer = threading.Timer(timeout, child.kill) if timeout is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        code = child.wait()
    except BaseException:  # an interrupt: take the child down too
        child.kill()
        child.wait()
        raise
    finally:
        if timer is not None:
            timer.cancel()
    return time.perf_counter() - start, code


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


# -- the query store: forums old enough for a settled store, and waiting for the store to be built ----------

# The names cbiic's cache uses (cache.ENTRY_NAME, cache.TEMPORARY_PREFIX): a finished store, a build under way.
STORE_NAME = re.compile(r"[0-9a-f]{64}\.sqlite")
STORE_TEMPORARY_GLOB = ".tmp-cbiic-*.sqlite"
# store.RACY_SECONDS: a store built this soon after its file changed re-reads and hashes the whole file on every query.
RACY_SECONDS = 2.0

_FORUM_IDS: dict[Path, dict[str, str]] = {}


def forum_file(workdir: Path, talks: int, seed: int) -> tuple[Path, dict[str, str]]:
    """The forum ``make_forum`` writes for ``talks`` and ``seed``, generated once into the workdir and reused; its first talk and person."""
    path = workdir / f"forum-{talks}-seed{seed}.yaml"
    if path in _FORUM_IDS and path.exists():
        return path, _FORUM_IDS[path]
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        print(f"  generating a forum of {talks:,} talks ...", file=sys.stderr)
        text = make_forum.make_forum(talks, seed)
        partial = path.with_name(path.name + ".part")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    _FORUM_IDS[path] = {"talk": first_id(text), "person": first_id(text, "people", "slug")}
    return path, _FORUM_IDS[path]


def settle(path: Path) -> None:
    """Wait until ``path`` last changed more than RACY_SECONDS ago, so a store built from it now is a settled one."""
    info = path.stat()
    wait = max(info.st_mtime, info.st_ctime) + RACY_SECONDS + 1.0 - time.time()
    if wait > 0:
        time.sleep(wait)


def store_files(cache_home: Path) -> list[Path]:
    try:
        return sorted(item for item in (cache_home / "cbiic").iterdir() if STORE_NAME.fullmatch(item.name))
    except OSError:
        return []


def wait_for_store(cache_home: Path, timeout: float) -> float | None:
    """Seconds until a store exists in ``cache_home/cbiic`` and no build is under way there; None if not within ``timeout``."""
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if store_files(cache_home) and not any((cache_home / "cbiic").glob(STORE_TEMPORARY_GLOB)):
            return elapsed
        if elapsed > timeout:
            return None
        time.sleep(0.05 if elapsed < 5 else 0.25)


def store_is_racy(path: Path) -> bool | None:
    """Whether the store at ``path`` was built within RACY_SECONDS of its file's change (then every query re-hashes the file)."""
    import sqlite3
    from urllib.parse import quote

    from cbiic_cli.store import shapes
    from cbiic_cli.store.index import read_only
    from cbiic_cli.store.records import StoreDamaged

    try:
        with contextlib.closing(sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)) as connection:
            return read_only(connection, shapes.IDENTITY, shapes.Identity).racy
    except (sqlite3.Error, StoreDamaged):
        return None


def cold_query(command: list[str], env: dict[str, str], cache_home: Path, timeout: float) -> tuple[float, int, float | None]:
    """Run ``command`` against the empty cache ``cache_home``; its seconds and exit code, and how long after it the store appeared."""
    shutil.rmtree(cache_home, ignore_errors=True)
    cache_home.mkdir(parents=True)
    seconds, code = run_once(command, {**env, "XDG_CACHE_HOME": str(cache_home)}, timeout)
    ready = wait_for_store(cache_home, timeout) if code == 0 else None
    return seconds, code, ready


def fill_store(command: list[str], env: dict[str, str], timeout: float) -> float | None:
    """Run one query so that a store gets built in env's XDG_CACHE_HOME, and wait for it; the seconds waited, or None."""
    run_once(command, env, timeout)
    return wait_for_store(Path(env["XDG_CACHE_HOME"]), timeout)


def stop_store_builders(workdir: Path) -> None:
    """Stop store builds this run left in the background (after an interrupt): processes whose XDG_CACHE_HOME is in the workdir."""
    proc = Path("/proc")
    if not proc.is_dir():
        return
    marker = f"XDG_CACHE_HOME={workdir}".encode()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(item == marker or item.startswith(marker + b"/") for item in environ):
            try:
                os.kill(int(entry.name), signal.SIGTERM)
            except OSError:
                pass


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
    ready = fill_store([args.cbiic, "speakers"], env, args.store_timeout)
    out.append(
        f'Budget: at most {STARTUP_BUDGET}x `python -c "import typer"` (same interpreter). '
        f"Median of {args.runs} alternating pairs after {args.warmup} warm-up pair(s), once the query store is built "
        f"({'ready ' + format(ready, '.1f') + ' s after the first query' if ready is not None else '**no store appeared**'})."
    )
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
    header = ["talks", "file MB", "first query (empty cache)", "store ready after", "--no-cache", *[name for name, _ in SCALE_QUERIES]]
    out.append("## Scale: synthetic forums (seconds, whole process)")
    out.append("")
    out.append(
        f"Forums from `benchmarks/make_forum.py --talks N --seed {args.seed}`. Median of {args.scale_runs} runs each. "
        "First query and later query: `cbiic --data FILE talk <first talk> --format json`, the first against an "
        "empty XDG_CACHE_HOME, after which the query store is built in the background: each run waits for it "
        '("store ready after": seconds from the answer until the store is in place, median). '
        "Searches and lists run once the store is built and print to /dev/null (tables as piped). "
        f"Budget at {BUDGET_TALKS:,} talks: first query at most {COLD_BUDGET_S:g} s, every later one at most {WARM_BUDGET_S:g} s; "
        "other sizes are shown for the curve."
    )
    out.append("")
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---:|" * len(header))
    for talks in args.sizes:
        path, ids = forum_file(workdir, talks, args.seed)
        files.append((talks, path))
        talk = ids["talk"]
        data = ["--data", str(path)]
        in_budget = talks == BUDGET_TALKS
        settle(path)
        probe = [args.cbiic, *data, "talk", talk, "--format", "json"]
        print(f"  {talks:,} talks: first query ...", file=sys.stderr)
        cold, readies = Result([], []), []
        cache_home = workdir / f"scale-cache-{talks}"
        for _ in range(args.scale_runs):
            seconds, code, ready = cold_query(probe, env, cache_home, args.store_timeout)
            cold.seconds.append(seconds)
            cold.codes.append(code)
            readies.append(ready)
        if readies and all(ready is not None for ready in readies):
            ready_cell = f"{statistics.median(readies):.1f}"  # type: ignore[type-var]
        else:
            ready_cell = "**no store**"
        warm_env = {**env, "XDG_CACHE_HOME": str(cache_home)}
        print(f"  {talks:,} talks: --no-cache ...", file=sys.stderr)
        no_cache = timed([args.cbiic, "--no-cache", *data, "talk", talk, "--format", "json"], warm_env, args.scale_runs)
        row = [
            f"{talks:,}",
            f"{path.stat().st_size / 1e6:.1f}",
            cold.cell(COLD_BUDGET_S if in_budget else None),
            ready_cell,
            no_cache.cell(),
        ]
        for name, arguments in SCALE_QUERIES:
            print(f"  {talks:,} talks: {name} ...", file=sys.stderr)
            command = [args.cbiic, *data, *[a.format(talk=talk) for a in arguments]]
            row.append(timed(command, warm_env, args.scale_runs).cell(WARM_BUDGET_S if in_budget else None))
        out.append("| " + " | ".join(row) + " |")
        shutil.rmtree(cache_home, ignore_errors=True)
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
                version = subprocess.run(
                    ["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True, timeout=60
                ).stdout.strip()
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
    out.append(
        f"yq: {tool_version(yq, 'yq')}. jq: {tool_version(jq, 'jq')}. yq parses the whole file on every call "
        f"(no cache), so there is no cold/warm split. Median of {args.yq_runs} run(s), each stopped after {args.yq_timeout:g} s."
    )
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
    out.append(
        "`cbiic --no-cache --data FILE validate`, one run each; peak RSS of that process from "
        "`getrusage(RUSAGE_CHILDREN)` in a wrapper process of its own. The baseline is `cbiic --version`."
    )
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
    small, large = args.growth_sizes
    out.append(f"## Growth of every command from {small:,} to {large:,} talks")
    out.append("")
    out.append(
        f"Median of {args.scale_runs} runs once the query store is built (validate uses none), output to /dev/null. Exponent = "
        f"log(t{large // 1000}k / t{small // 1000}k) / log({large / small:g}): 1 is linear, 2 quadratic. "
        "Start-up is part of each time, so small commands show an exponent below 1."
    )
    out.append("")
    seconds: dict[int, dict[str, Result]] = {}
    for talks in (small, large):
        path, names = forum_file(workdir, talks, args.seed)
        settle(path)
        cache_env = {**env, "XDG_CACHE_HOME": str(workdir / f"growth-cache-{talks}")}
        print(f"  growth {talks:,} talks: building the query store ...", file=sys.stderr)
        if fill_store([args.cbiic, "--data", str(path), "speakers"], cache_env, args.store_timeout) is None:
            out.append(f"(No query store appeared for {talks:,} talks within {args.store_timeout:g} s: these times are without one.)")
            out.append("")
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
        exponent = growth_exponent(a.median, b.median, small, large)
        flag = "" if exponent <= 1.2 else " **superlinear**"
        out.append(f"| `{label}` | {a.median:.2f} | {b.median:.2f} | {ratio:.1f}x | {exponent:.2f}{flag} |")
    out.append("")


# -- the query store's goals ------------------------------------------------------------------------------

GOAL_PIPED = [
    ["speakers", "-f", "json"],
    ["talk", "zheng-limin", "-f", "json"],
    ["theme", "insurance", "-f", "json"],
    ["search", "immune", "-f", "json"],
]
GOAL_PIPED_RATIO = 1.0
GOAL_TERMINAL = ["speakers"]
GOAL_TERMINAL_ENV = {"FORCE_COLOR": "1", "COLUMNS": "100"}
GOAL_TERMINAL_RATIO = 1.3
GOAL_SIZES = (10_000, 100_000)  # the sizes the goals below were set for
GOAL_SMALL_EXTRA_S = 0.1  # smaller size, warm: at most this far above the same command on the shipped forum
GOAL_LARGE_S = 0.5  # larger size, warm: every command with its default limit
GOAL_LOOKUP_S = 0.1  # larger size, warm: one talk, one person
GOAL_LOOKUPS = ("talk ID", "speaker ID")
GOAL_RSS_MIB = 100.0  # larger size, warm: the largest peak RSS of any command in any format
# Every format each command is timed in at the larger size (the goals hold in each; JSON alone at the other sizes).
GOAL_FORMATS = ("table", "markdown", "json", "jsonl", "csv", "tsv")
GOAL_COLD_S = (2.0, 20.0)  # the first query's answer from an empty cache, smaller and larger size
LINEAR_EXPONENT = 1.1  # "linear or better": t grows at most as N^1.1
ABOVE_SHIPPED_MIN_S = 0.02  # below this, the time above the shipped forum is noise, and no exponent is fitted to it

_FTS = (
    "SELECT c.id, c.kind, c.title, c.topic FROM contributions_fts JOIN contributions AS c ON c.seq = contributions_fts.rowid "
    "WHERE contributions_fts MATCH '{word}' ORDER BY rank LIMIT 20"
)
# Every command, asked at both sizes (and of the shipped forum) with -f json: (label, cbiic arguments, the nearest
# question for the sqlite3 CLI on the export database, the nearest for yq on the YAML or None). {talk} and {person} are the
# forum's first talk and person.
GOAL_COMMANDS: list[tuple[str, list[str], str, str | None]] = [
    ("speakers", ["speakers"], "SELECT * FROM people ORDER BY seq LIMIT 20", YQ_QUERIES[3][1]),
    (
        "speaker ID",
        ["speaker", "{person}"],
        "SELECT * FROM people WHERE slug = '{person}'; "
        "SELECT id, kind, title, topic, summary FROM contributions WHERE speaker_slug = '{person}' ORDER BY seq",
        None,
    ),
    ("talk ID", ["talk", "{talk}"], "SELECT * FROM contributions WHERE id = '{talk}'", '.talks[] | select(.id == "{talk}")'),
    (
        "theme T",
        ["theme", "insurance"],
        "SELECT c.* FROM contribution_themes AS t JOIN contributions AS c ON c.id = t.contribution_id "
        "WHERE t.theme_id = 'insurance' ORDER BY c.seq LIMIT 20",
        YQ_QUERIES[2][1],
    ),
    (
        "themes",
        ["themes"],
        "SELECT t.id, t.label, count(ct.contribution_id) FROM themes AS t LEFT JOIN contribution_themes AS ct ON ct.theme_id = t.id "
        "GROUP BY t.id ORDER BY t.seq",
        None,
    ),
    ("search immune", ["search", "immune"], _FTS.format(word="immune"), YQ_QUERIES[1][1]),
    ("search pd1", ["search", "pd1"], _FTS.format(word="pd1"), None),
    (
        "agenda",
        ["agenda"],
        "SELECT s.seq, s.name, s.moderator_slug, st.seq, c.id, c.title, c.topic, c.speaker_slug FROM sessions AS s "
        "JOIN session_talks AS st ON st.session_id = s.id JOIN contributions AS c ON c.id = st.contribution_id ORDER BY s.seq, st.seq LIMIT 20",
        None,
    ),
    (
        "orgs",
        ["orgs"],
        "SELECT o.id, o.name, a.person_slug, a.position FROM organisations AS o LEFT JOIN affiliations AS a "
        "ON a.organisation_id = o.id ORDER BY o.seq, a.person_slug LIMIT 20",
        None,
    ),
    ("summary", ["summary"], "SELECT id, kind, title, topic, summary FROM contributions ORDER BY seq LIMIT 20", None),
]
# Not goals: each whole list, streamed (--limit 0), at the larger size: how long it takes and how much memory it holds.
STREAMED_COMMANDS: list[tuple[str, list[str]]] = [
    ("speakers --limit 0", ["speakers", "--limit", "0"]),
    ("theme T --limit 0", ["theme", "insurance", "--limit", "0"]),
    ("agenda --limit 0", ["agenda", "--limit", "0"]),
    ("orgs --limit 0", ["orgs", "--limit", "0"]),
    ("summary --limit 0", ["summary", "--limit", "0"]),
]


def growth_exponent(t_small: float, t_large: float, n_small: float, n_large: float) -> float:
    """k in t ∝ N^k through two points: log(t_large / t_small) / log(n_large / n_small)."""
    if min(t_small, t_large) <= 0 or n_small <= 0 or n_large == n_small:
        raise ValueError("growth_exponent needs positive times and two different positive sizes")
    return math.log(t_large / t_small) / math.log(n_large / n_small)


def verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "**not met**")


def fill(template: str, ids: dict[str, str]) -> str:
    """A command argument, SQL or jq filter with {talk} and {person} filled in (the ids are slugs; quotes doubled for SQL)."""
    for key, value in ids.items():
        template = template.replace("{" + key + "}", value.replace("'", "''"))
    return template


def size_of(path: Path) -> int | None:
    """The file's size, or None if it is gone (a report printed after a stop must not fail on that)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def short(size: int) -> str:
    return f"{size // 1000:,}k" if size % 1000 == 0 and size >= 1000 else f"{size:,}"


def seconds(result: Result | None, digits: int = 3) -> str:
    if result is None:
        return "-"
    if not result.ok:
        return result.cell()
    return f"{result.median:.{digits}f}"


def yq_available() -> tuple[str | None, str | None]:
    """yq and jq, if yq runs; else (None, None)."""
    yq, jq = shutil.which("yq"), shutil.which("jq")
    if not (yq and jq):
        return None, None
    try:
        if subprocess.run([yq, ".", "/dev/null"], capture_output=True, timeout=60).returncode == 0:
            return yq, jq
    except (OSError, subprocess.SubprocessError):
        pass
    return None, None


class GoalRun:
    """What the goals section has measured so far; ``report`` prints it, complete or not."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.small, self.large = args.goal_sizes
        self.when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        self.stopped = False
        self.tools: list[str] = []
        self.shipped_ready: float | None = None
        self.piped: list[tuple[str, Result, Result, float]] = []  # label, cbiic, import typer, median ratio
        self.terminal: tuple[str, Result, Result, float] | None = None
        self.shipped: dict[str, Result] = {}
        self.files: dict[int, tuple[Path, dict[str, str]]] = {}
        self.cold: dict[int, list[tuple[float, int, float | None]]] = {}  # seconds, exit code, store ready after
        self.store: dict[int, tuple[Path | None, bool | None]] = {}  # the store queried warm, racy?
        self.warm: dict[int, dict[str, Result]] = {}
        self.rss: dict[int, dict[str, tuple[float, int]]] = {}
        # At the larger size, each goal command in each format other than JSON (JSON is in warm and rss): label -> format -> ...
        self.other_formats: dict[str, dict[str, Result]] = {}
        self.other_formats_rss: dict[str, dict[str, tuple[float, int]]] = {}
        self.sqlite: dict[int, dict[str, tuple[Result, int | None]]] = {}  # result, rows printed
        self.yq: dict[int, dict[str, Result]] = {}
        self.baseline_rss: float | None = None
        self.notes: list[str] = []

    # -- measuring ------------------------------------------------------------------------------------------

    def measure(self, env: dict[str, str], workdir: Path) -> None:
        args = self.args
        self.describe_tools()
        self.measure_shipped(env, workdir)
        for talks in (self.small, self.large):
            self.measure_size(talks, env, workdir)
        yq, _ = yq_available()
        if yq is None:
            self.notes.append("yq not available (install it with `pip install yq`; it needs `jq`), so there is no yq column.")
            return
        for talks in (self.small, self.large):
            path, ids = self.files[talks]
            self.yq[talks] = {}
            for label, _, _, jq_filter in GOAL_COMMANDS:
                if jq_filter is None:
                    continue
                print(f"  goals {talks:,} talks: yq {label} ...", file=sys.stderr)
                self.yq[talks][label] = timed(
                    [yq, fill(jq_filter, ids), str(path)], dict(os.environ), args.yq_runs, timeout=args.yq_timeout
                )

    def describe_tools(self) -> None:
        args = self.args
        probe = (
            "import importlib.metadata as m, platform, sqlite3, sys\n"
            "print(f'Python {platform.python_version()} ({sys.executable}); typer {m.version(\"typer\")}; '\n"
            "      f'cbiic {m.version(\"cbiic\")}; SQLite library {sqlite3.sqlite_version}')"
        )
        try:
            found = subprocess.run([args.python, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        self.tools.append((found or "Python, typer, cbiic: versions unknown") + f"; cbiic executable `{args.cbiic}`")
        if args.sqlite3:
            try:
                said = subprocess.run([args.sqlite3, "--version"], capture_output=True, text=True, timeout=60).stdout.split()
                self.tools.append(f"sqlite3 CLI {said[0] if said else '(version unknown)'} (`{args.sqlite3}`)")
            except (OSError, subprocess.SubprocessError):
                args.sqlite3 = None
        if not args.sqlite3:
            self.tools.append("sqlite3 CLI not available (no sqlite3 column)")
        yq, jq = yq_available()
        if yq and jq:
            self.tools.append(f"yq: {tool_version(yq, 'yq')}; jq: {tool_version(jq, 'jq')}")

    def measure_shipped(self, env: dict[str, str], workdir: Path) -> None:
        args = self.args
        env = {**env, "XDG_CACHE_HOME": str(workdir / "goals-shipped-cache")}
        print("  goals: the shipped forum's query store ...", file=sys.stderr)
        self.shipped_ready = fill_store([args.cbiic, "speakers", "-f", "json"], env, args.store_timeout)
        yardstick = [args.python, "-c", "import typer"]
        for arguments in GOAL_PIPED:
            label = "cbiic " + " ".join(arguments)
            print(f"  goals: {label} vs import typer ...", file=sys.stderr)
            self.piped.append((label, *paired([args.cbiic, *arguments], yardstick, env, args.runs, args.warmup)))
        label = "cbiic " + " ".join(GOAL_TERMINAL)
        print(f"  goals: {label} (colour, 100 columns) vs import typer ...", file=sys.stderr)
        self.terminal = (label, *paired([args.cbiic, *GOAL_TERMINAL], yardstick, {**env, **GOAL_TERMINAL_ENV}, args.runs, args.warmup))
        shipped_path = subprocess.run(
            [args.python, "-c", "from cbiic_cli.load import default_data_path; print(default_data_path())"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        ).stdout.strip()
        text = Path(shipped_path).read_text(encoding="utf-8")
        ids = {"talk": first_id(text), "person": first_id(text, "people", "slug")}
        for label, arguments, _, _ in GOAL_COMMANDS:
            print(f"  goals shipped forum: {label} ...", file=sys.stderr)
            command = [args.cbiic, *[fill(a, ids) for a in arguments], "-f", "json"]
            self.shipped[label] = timed(command, env, args.runs, timeout=args.store_timeout)

    def measure_size(self, talks: int, env: dict[str, str], workdir: Path) -> None:
        args = self.args
        path, ids = forum_file(workdir, talks, args.seed)
        self.files[talks] = (path, ids)
        data = ["--data", str(path)]
        settle(path)
        cache_home = workdir / f"goals-cache-{talks}"
        self.cold[talks] = []
        for run in range(args.goal_cold_runs):
            print(
                f"  goals {talks:,} talks: first query from an empty cache ({run + 1}/{args.goal_cold_runs}), then the store ...",
                file=sys.stderr,
            )
            self.cold[talks].append(cold_query([args.cbiic, *data, "talk", ids["talk"], "-f", "json"], env, cache_home, args.store_timeout))
        if not any(ready is not None for _, _, ready in self.cold[talks]):
            fill_store([args.cbiic, *data, "speakers", "-f", "json"], {**env, "XDG_CACHE_HOME": str(cache_home)}, args.store_timeout)
        stores = store_files(cache_home)
        store = stores[0] if stores else None
        self.store[talks] = (store, store_is_racy(store) if store else None)
        if store is None:
            self.notes.append(
                f"No query store appeared for {talks:,} talks within {args.store_timeout:g} s: its warm figures are without one."
            )
        warm_env = {**env, "XDG_CACHE_HOME": str(cache_home)}
        self.warm[talks], self.rss[talks], self.sqlite[talks] = {}, {}, {}
        commands = [
            (label, [args.cbiic, *data, *[fill(a, ids) for a in arguments], "-f", "json"], sql)
            for label, arguments, sql, _ in GOAL_COMMANDS
        ]
        for label, command, _ in commands:
            print(f"  goals {talks:,} talks: {label} ...", file=sys.stderr)
            self.warm[talks][label] = timed(command, warm_env, args.goal_runs, timeout=args.store_timeout)
        if self.baseline_rss is None:
            self.baseline_rss = peak_rss_mb([args.cbiic, "--version"], env, args.python)[0]
        for label, command, _ in commands:
            print(f"  goals {talks:,} talks: peak memory of {label} ...", file=sys.stderr)
            try:
                self.rss[talks][label] = peak_rss_mb(command, warm_env, args.python)
            except (subprocess.SubprocessError, ValueError):
                pass
        if talks == self.large:
            self.measure_formats(data, ids, warm_env)
            for label, arguments in STREAMED_COMMANDS:
                print(f"  goals {talks:,} talks: {label}, time and peak memory ...", file=sys.stderr)
                command = [args.cbiic, *data, *arguments, "-f", "json"]
                self.warm[talks][label] = timed(command, warm_env, 1, timeout=args.store_timeout)
                try:
                    self.rss[talks][label] = peak_rss_mb(command, warm_env, args.python)
                except (subprocess.SubprocessError, ValueError):
                    pass
        exported = workdir / f"goals-export-{talks}.sqlite"
        if args.sqlite3 and not exported.exists():
            subprocess.run(
                [args.cbiic, *data, "export", "sqlite", str(exported)],
                env=env,
                capture_output=True,
                timeout=args.store_timeout,
                check=False,
            )
        if args.sqlite3 and exported.exists():
            for label, _, sql in commands:
                query = [args.sqlite3, "-readonly", str(exported), fill(sql, ids)]
                result = timed(query, env, args.goal_runs, timeout=args.store_timeout)
                try:
                    rows = subprocess.run(query, capture_output=True, text=True, timeout=args.store_timeout).stdout.count("\n")
                except (OSError, subprocess.SubprocessError):
                    rows = None
                self.sqlite[talks][label] = (result, rows)

    def measure_formats(self, data: list[str], ids: dict[str, str], warm_env: dict[str, str]) -> None:
        """Each goal command in every format but JSON (measured with the rest), time and peak memory; tables as piped."""
        args = self.args
        for label, arguments, _, _ in GOAL_COMMANDS:
            self.other_formats[label], self.other_formats_rss[label] = {}, {}
            for fmt in GOAL_FORMATS:
                if fmt == "json":
                    continue
                print(f"  goals {self.large:,} talks: {label} -f {fmt}, time and peak memory ...", file=sys.stderr)
                command = [args.cbiic, *data, *[fill(a, ids) for a in arguments], "-f", fmt]
                self.other_formats[label][fmt] = timed(command, warm_env, args.goal_runs, timeout=args.store_timeout)
                try:
                    self.other_formats_rss[label][fmt] = peak_rss_mb(command, warm_env, args.python)
                except (subprocess.SubprocessError, ValueError):
                    pass

    def in_every_format(self, label: str) -> tuple[dict[str, Result], dict[str, tuple[float, int]]]:
        """The larger size's times and peak memory of one goal command, by format, as far as measured."""
        times = dict(self.other_formats.get(label, {}))
        memory = dict(self.other_formats_rss.get(label, {}))
        if label in self.warm.get(self.large, {}):
            times["json"] = self.warm[self.large][label]
        if label in self.rss.get(self.large, {}):
            memory["json"] = self.rss[self.large][label]
        order = {fmt: number for number, fmt in enumerate(GOAL_FORMATS)}
        return dict(sorted(times.items(), key=lambda item: order[item[0]])), dict(sorted(memory.items(), key=lambda item: order[item[0]]))

    # -- reporting ------------------------------------------------------------------------------------------

    def goal_rows(self) -> list[tuple[str, str, str, str, bool | None]]:
        """(measure, goal, measured, yardstick, met?) for every goal; met is None when not measured."""
        small, large = self.small, self.large
        rows: list[tuple[str, str, str, str, bool | None]] = []
        measured_piped = {label: (a, b, ratio) for label, a, b, ratio in self.piped}
        for arguments in GOAL_PIPED:
            label = "cbiic " + " ".join(arguments)
            rows.append(self.ratio_row(f"warm piped query, shipped forum: `{label}`", GOAL_PIPED_RATIO, measured_piped.get(label)))
        if self.terminal is not None:
            rows.append(
                self.ratio_row(
                    f"terminal: `{self.terminal[0]}` as a coloured table (FORCE_COLOR=1, COLUMNS=100)",
                    GOAL_TERMINAL_RATIO,
                    self.terminal[1:],
                )
            )
        else:
            rows.append(
                (
                    "terminal: `cbiic speakers` as a coloured table (FORCE_COLOR=1, COLUMNS=100)",
                    f"≤ {GOAL_TERMINAL_RATIO:.1f}× `import typer`",
                    "-",
                    "-",
                    None,
                )
            )
        for label, _arguments, _, _ in GOAL_COMMANDS:
            measure = f"{short(small)} talks, warm: `{label}`"
            goal = f"≤ {GOAL_SMALL_EXTRA_S:g} s above the shipped forum"
            a, b = self.warm.get(small, {}).get(label), self.shipped.get(label)
            if a is None or b is None:
                rows.append((measure, goal, "-", seconds(b, 3) if b else "-", None))
            elif not (a.ok and b.ok):
                rows.append((measure, goal, seconds(a), f"shipped forum {seconds(b)} s", False))
            else:
                extra = a.median - b.median
                rows.append(
                    (measure, goal, f"{a.median:.3f} s ({extra:+.3f} s)", f"shipped forum {b.median:.3f} s", extra <= GOAL_SMALL_EXTRA_S)
                )
        for limit, labels, what in (
            (GOAL_LARGE_S, [label for label, *_ in GOAL_COMMANDS], "warm, default limit, every format"),
            (GOAL_LOOKUP_S, list(GOAL_LOOKUPS), "warm, one item, every format"),
        ):
            for label in labels:
                measure = f"{short(large)} talks, {what}: `{label}`"
                times, _ = self.in_every_format(label)
                if not times:
                    rows.append((measure, f"≤ {limit:g} s", "-", self.yardsticks(large, label), None))
                    continue
                failed = [(fmt, result) for fmt, result in times.items() if not result.ok]
                fmt, slowest = failed[0] if failed else max(times.items(), key=lambda item: item[1].median)
                measured = seconds(slowest) + ("" if failed else " s") + f" (slowest: {fmt}"
                measured += ")" if len(times) == len(GOAL_FORMATS) else f"; {len(times)} of {len(GOAL_FORMATS)} formats)"
                verdict_ok = not failed and slowest.median <= limit
                rows.append(
                    (
                        measure,
                        f"≤ {limit:g} s",
                        measured,
                        self.yardsticks(large, label),
                        verdict_ok if (len(times) == len(GOAL_FORMATS) or not verdict_ok) else None,
                    )
                )
        peaks = {(label, fmt): peak for label, *_ in GOAL_COMMANDS for fmt, peak in self.in_every_format(label)[1].items()}
        measure = f"{short(large)} talks, warm: peak RSS, largest of every command in every format"
        if peaks:
            (label, fmt), (peak, _) = max(peaks.items(), key=lambda item: item[1][0])
            label = f"{label}` -f `{fmt}"
            complete = len(peaks) == len(GOAL_COMMANDS) * len(GOAL_FORMATS)
            path = self.files.get(large, (None,))[0]
            yardstick = f"`cbiic --version` {self.baseline_rss:.0f} MiB" if self.baseline_rss else ""
            if path is not None and size_of(path) is not None:
                yardstick += f"; the YAML is {size_of(path) / 2**20:.0f} MiB"  # type: ignore[operator]
            rows.append(
                (
                    measure,
                    f"≤ {GOAL_RSS_MIB:g} MiB",
                    f"{peak:.0f} MiB (`{label}`)"
                    + ("" if complete else f", {len(peaks)} of {len(GOAL_COMMANDS) * len(GOAL_FORMATS)} command lines"),
                    yardstick,
                    peak <= GOAL_RSS_MIB if (complete or peak > GOAL_RSS_MIB) else None,
                )
            )
        else:
            rows.append((measure, f"≤ {GOAL_RSS_MIB:g} MiB", "-", "-", None))
        for talks, limit in zip((small, large), GOAL_COLD_S):
            measure = f"{short(talks)} talks, cold (empty cache): `talk ID`, the first query's answer"
            runs = self.cold.get(talks, [])
            if not runs:
                rows.append((measure, f"≤ {limit:g} s", "-", "-", None))
                continue
            answer = Result([s for s, _, _ in runs], [c for _, c, _ in runs])
            readies = [r for _, _, r in runs if r is not None]
            ready = f"store ready {statistics.median(readies):.1f} s after the answer" if readies else "**no store appeared**"
            spread = ", ".join(f"{s:.2f}" for s, _, _ in runs)
            measured = f"{answer.median:.2f} s (median of {len(runs)}: {spread}); {ready}" if answer.ok else answer.cell()
            yq = self.yq.get(talks, {}).get("talk ID")
            yardstick = f"yq `talk ID` {seconds(yq, 1)} s" if yq else "-"
            rows.append((measure, f"≤ {limit:g} s", measured, yardstick, answer.ok and answer.median <= limit))
        return rows

    def ratio_row(self, measure: str, limit: float, found: tuple[Result, Result, float] | None) -> tuple[str, str, str, str, bool | None]:
        goal = f"≤ {limit:.1f}× `import typer`"
        if found is None:
            return measure, goal, "-", "-", None
        a, b, ratio = found
        yardstick = f"`import typer` {b.median * 1000:.0f} ms; cbiic {a.median * 1000:.0f} ms (medians of {len(a.seconds)} pairs)"
        if not a.ok:
            return measure, goal, a.cell(), yardstick, False
        return measure, goal, f"{ratio:.2f}×", yardstick, ratio <= limit

    def yardsticks(self, talks: int, label: str) -> str:
        found = []
        sqlite = self.sqlite.get(talks, {}).get(label)
        if sqlite:
            found.append(f"sqlite3 {seconds(sqlite[0])} s")
        yq = self.yq.get(talks, {}).get(label)
        if yq:
            found.append(f"yq {seconds(yq, 1)} s")
        return "; ".join(found) or "-"

    def report(self, out: list[str]) -> None:
        args, small, large = self.args, self.small, self.large
        out.append(f"## Goals of the query store at {small:,} and {large:,} talks")
        out.append("")
        if self.stopped:
            out.append('**Stopped early: only what was measured before the stop is shown; the rest says "not measured".**')
            out.append("")
        out.append(f"- Measured: {self.when}, on {machine()}")
        for tool in self.tools:
            out.append(f"- {tool}")
        out.append(
            f"- Forums: `benchmarks/make_forum.py --talks N --seed {args.seed}`, generated once into the work directory, "
            f"each left unchanged for more than {RACY_SECONDS:g} s before its first query (so its store is checked by `stat`, "
            "not by re-hashing the file on every query)."
        )
        out.append(
            f"- Warm: after one query, the run waits until the query store (built by a background child after the answer) is in "
            f"`$XDG_CACHE_HOME/cbiic` and no `.tmp-cbiic-*.sqlite` remains (at most {args.store_timeout:g} s). "
            f"Medians of {args.goal_runs} runs at {small:,} and {large:,} talks, of {args.runs} on the shipped forum; "
            f"every command with `-f json`, and at {large:,} talks in every format ({', '.join(GOAL_FORMATS)}; tables as piped), "
            f"output to /dev/null. Ratios to `import typer`: {args.runs} alternating pairs "
            f"after {args.warmup} warm-up pair(s), median of the per-pair ratios"
            + (
                f"; the shipped forum's store was ready {self.shipped_ready:.1f} s after its first query."
                if self.shipped_ready is not None
                else "."
            )
        )
        out.append(
            f"- Cold: the first `talk ID -f json` against an empty cache, {args.goal_cold_runs} run(s), each followed by the wait "
            'for its store ("store ready after": seconds from the answer until the store is in place).'
        )
        out.append(
            "- Peak RSS: one run per command, `getrusage(RUSAGE_CHILDREN)` in a wrapper process of its own (the store builder, a "
            "grandchild, is not counted; warm runs build nothing)."
        )
        if (small, large) != GOAL_SIZES:
            out.append(
                f"- The goals were set for {GOAL_SIZES[0]:,} and {GOAL_SIZES[1]:,} talks; at the sizes of this run the verdicts are only indicative."
            )
        for note in self.notes:
            out.append(f"- {note}")
        out.append("")
        rows = self.goal_rows()
        met = sum(1 for *_, ok in rows if ok)
        judged = sum(1 for *_, ok in rows if ok is not None)
        out.append(f"{met} of {judged} goals met" + (f"; {len(rows) - judged} of {len(rows)} not measured." if judged < len(rows) else "."))
        out.append("")
        out.append("| measure | goal | measured | yardstick(s) | verdict |")
        out.append("|---|---|---|---|---|")
        for measure, goal, measured, yardstick, ok in rows:
            out.append(f"| {measure} | {goal} | {measured} | {yardstick} | {verdict(ok)} |")
        out.append("")
        self.report_per_command(out)
        self.report_growth(out)

    def report_per_command(self, out: list[str]) -> None:
        out.append("### Every command, warm (seconds, whole process)")
        out.append("")
        out.append(
            "cbiic answers the full question (folded search terms, ranking, snippets, roles, affiliations, rendered as JSON). "
            "The `sqlite3` CLI column asks the forum's `cbiic export sqlite` database a **simpler** question with the nearest plain SQL (no folding, no "
            "snippets, no rendering: a search is the export's `contributions_fts MATCH 'word' ORDER BY rank LIMIT 20`, so "
            '`pd1` finds nothing where the text says PD-1); "lines" is how many lines it printed. yq parses the whole YAML on '
            f"every call and runs the yq section's filters (the talk by id, the talks on a theme, the people's names, a "
            f"case-insensitive regex over the talks); {self.args.yq_runs} run(s), each stopped after {self.args.yq_timeout:g} s."
        )
        out.append("")
        for talks in (self.small, self.large):
            if talks not in self.files:
                continue
            path, _ = self.files[talks]
            store, racy = self.store.get(talks, (None, None))
            facts = [f"YAML {size_of(path) / 1e6:.0f} MB" if size_of(path) is not None else "YAML gone"]  # type: ignore[operator]
            if store is not None and size_of(store) is not None:
                facts.append(
                    f"store {size_of(store) / 1e6:.0f} MB"
                    + (" (**built within the racy window: every query re-hashes the file**)" if racy else "")
                )  # type: ignore[operator]
            out.append(f"**{talks:,} talks** ({', '.join(facts)})")
            out.append("")
            out.append("| command | shipped forum | cbiic | sqlite3 CLI (simpler) | lines | yq | cbiic peak RSS MiB |")
            out.append("|---|---:|---:|---:|---:|---:|---:|")
            for label, _, _, _ in GOAL_COMMANDS:
                sqlite = self.sqlite.get(talks, {}).get(label)
                rss = self.rss.get(talks, {}).get(label)
                cells = [
                    f"`{label}`",
                    seconds(self.shipped.get(label)),
                    seconds(self.warm.get(talks, {}).get(label)),
                    seconds(sqlite[0]) if sqlite else "-",
                    str(sqlite[1]) if sqlite and sqlite[1] is not None else "-",
                    seconds(self.yq.get(talks, {}).get(label), 1),
                    f"{rss[0]:.0f}" + ("" if rss[1] == 0 else f" (exit {rss[1]})") if rss else "-",
                ]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")

        self.report_formats(out)
        if any(label in self.warm.get(self.large, {}) for label, _ in STREAMED_COMMANDS):
            out.append(
                f"**Whole lists at {self.large:,} talks**, `--limit 0 -f json`, warm: not goals, the cost of asking for everything. "
                "Rows are read and written as they are made, so memory stays flat however long the list (one run each)."
            )
            out.append("")
            out.append("| command | seconds | peak RSS MiB |")
            out.append("|---|---:|---:|")
            for label, _ in STREAMED_COMMANDS:
                rss = self.rss.get(self.large, {}).get(label)
                out.append(f"| `{label}` | {seconds(self.warm.get(self.large, {}).get(label))} | {f'{rss[0]:.0f}' if rss else '-'} |")
            out.append("")

    def report_formats(self, out: list[str]) -> None:
        if not self.other_formats:
            return
        out.append(
            f"**Every command in every format at {self.large:,} talks**, default limit, warm: seconds (median of "
            f"{self.args.goal_runs}) and peak RSS in MiB (one run), output to /dev/null (a table as piped: 100 columns, no colour). "
            f"The goal for each: ≤ {GOAL_LARGE_S:g} s and ≤ {GOAL_RSS_MIB:g} MiB."
        )
        out.append("")
        out.append("| command | " + " | ".join(GOAL_FORMATS) + " |")
        out.append("|---|" + "---:|" * len(GOAL_FORMATS))
        for label, *_ in GOAL_COMMANDS:
            times, memory = self.in_every_format(label)
            cells = []
            for fmt in GOAL_FORMATS:
                result, peak = times.get(fmt), memory.get(fmt)
                cell = seconds(result) + (" s" if result and result.ok else "")
                if peak:
                    cell += f", {peak[0]:.0f} MiB" + ("" if peak[1] == 0 else f" (exit {peak[1]})")
                cells.append(cell)
            out.append(f"| `{label}` | " + " | ".join(cells) + " |")
        out.append("")

    def report_growth(self, out: list[str]) -> None:
        small, large = self.small, self.large
        out.append(f"### Growth from {small:,} to {large:,} talks")
        out.append("")
        out.append(
            f"k in t ∝ N^k from the two sizes: k = log(t{short(large)} / t{short(small)}) / log({large / small:g}). "
            f'"Linear or better" means k ≤ {LINEAR_EXPONENT:g}. Start-up is part of both times, which pulls k down for quick '
            'commands; the last column fits the time above the same command on the shipped forum instead (context only; "-" where '
            f"that is under {ABOVE_SHIPPED_MIN_S * 1000:.0f} ms at either size)."
        )
        out.append("")
        out.append(f"| command | {short(small)} s | {short(large)} s | k | linear or better | k of the time above the shipped forum |")
        out.append("|---|---:|---:|---:|---|---:|")
        for label, _, _, _ in GOAL_COMMANDS:
            a, b = self.warm.get(small, {}).get(label), self.warm.get(large, {}).get(label)
            if not (a and b and a.ok and b.ok):
                out.append(f"| `{label}` | {seconds(a)} | {seconds(b)} | - | not measured | - |")
                continue
            k = growth_exponent(a.median, b.median, small, large)
            base = self.shipped.get(label)
            above = "-"
            if base and base.ok and min(a.median, b.median) - base.median >= ABOVE_SHIPPED_MIN_S:
                above = f"{growth_exponent(a.median - base.median, b.median - base.median, small, large):.2f}"
            out.append(
                f"| `{label}` | {a.median:.3f} | {b.median:.3f} | {k:.2f} | {'yes' if k <= LINEAR_EXPONENT else '**no**'} | {above} |"
            )
        out.append("")


def goals_section(args: argparse.Namespace, env: dict[str, str], workdir: Path, out: list[str]) -> None:
    run = GoalRun(args)
    try:
        run.measure(env, workdir)
    except BaseException:
        run.stopped = True
        raise
    finally:
        run.report(out)


@contextlib.contextmanager
def workdir_and_environment(args: argparse.Namespace, prefix: str) -> Iterator[tuple[Path, dict[str, str]]]:
    """``--workdir`` (kept), or a temporary directory (removed afterwards), and the environment to run cbiic in there."""
    kept = Path(args.workdir) if args.workdir else None
    with contextlib.nullcontext(str(kept)) if kept else tempfile.TemporaryDirectory(prefix=prefix) as where:
        workdir = Path(where)
        workdir.mkdir(parents=True, exist_ok=True)
        yield workdir, child_environment(args, workdir)


def publish(out: list[str], args: argparse.Namespace) -> None:
    """Print the report, and write it to ``--out`` if given."""
    print("\n".join(out))
    if args.out:
        Path(args.out).write_text("\n".join(out) + "\n", encoding="utf-8")


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
    parser.add_argument(
        "--bytecode",
        choices=("cached", "as-is"),
        default="cached",
        help="cached: run from compiled bytecode, as an installed package does (default); "
        "as-is: inherit PYTHONDONTWRITEBYTECODE and friends from this shell",
    )
    parser.add_argument("--rss-talks", default="1000,5000,10000", help="generated forum sizes for peak memory (default 1000,5000,10000)")
    parser.add_argument("--rss-megabytes", default="1,4,10", help="pathological file sizes in MB for peak memory (default 1,4,10)")
    parser.add_argument(
        "--growth-sizes", default="10000,50000", help="the two talk counts the growth section compares (default 10000,50000)"
    )
    parser.add_argument(
        "--goal-sizes",
        default="10000,100000",
        help="the two talk counts the goals section measures, smaller first (default 10000,100000: the sizes the goals were set for)",
    )
    parser.add_argument("--goal-runs", type=int, default=5, help="runs per warm cell in the goals section (default 5)")
    parser.add_argument(
        "--goal-cold-runs",
        type=int,
        default=3,
        help="first queries from an empty cache per size in the goals section, each followed by the wait for its store (default 3)",
    )
    parser.add_argument(
        "--store-timeout",
        type=float,
        default=900,
        help="seconds to wait for a query store to be built, and for one cbiic run in the goals section (default 900)",
    )
    parser.add_argument(
        "--sqlite3", default=shutil.which("sqlite3"), help="the sqlite3 CLI the goals section compares with (default: the one on PATH)"
    )
    parser.add_argument("--only", help="run only these sections, comma-separated: startup, scale, yq, rss, growth, goals")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-yq", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--skip-goals", action="store_true")
    parser.add_argument("--workdir", help="where forums and caches go (default: a temporary directory, removed afterwards)")
    parser.add_argument("--out", help="also write the Markdown report to this file")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    args.rss_talks = [int(size) for size in args.rss_talks.split(",") if size.strip()]
    args.rss_megabytes = [float(size) for size in args.rss_megabytes.split(",") if size.strip()]
    args.growth_sizes = [int(size) for size in args.growth_sizes.split(",") if size.strip()]
    if len(args.growth_sizes) != 2:
        parser.error("--growth-sizes takes two talk counts, e.g. 10000,50000")
    try:
        args.goal_sizes = [int(size) for size in args.goal_sizes.split(",") if size.strip()]
    except ValueError:
        parser.error("--goal-sizes takes two talk counts, e.g. 10000,100000")
    if len(args.goal_sizes) != 2 or not 0 < args.goal_sizes[0] < args.goal_sizes[1]:
        parser.error("--goal-sizes takes two talk counts, smaller first, e.g. 10000,100000")
    for name in ("runs", "scale_runs", "yq_runs", "goal_runs", "goal_cold_runs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    sections = {"startup", "scale", "yq", "rss", "growth", "goals"}
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


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="cbiic-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir = workdir.resolve()
    env = child_environment(args, workdir)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"# cbiic benchmark, {now}",
        "",
        f"- Machine: {machine()}",
        f"- Software: {versions(args.python)}",
        f"- Bytecode: {'compiled once, then reused (PYTHONPYCACHEPREFIX in a temporary directory)' if args.bytecode == 'cached' else 'as the environment has it'}",
        "- Timer: wall clock around each whole process (start-up, import, load, output to /dev/null); medians.",
        "",
    ]
    signal.signal(signal.SIGTERM, _stop)  # a stop (kill, a CI timeout) prints what was measured, as Ctrl-C does
    code = 0
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
        if not args.skip_goals:
            goals_section(args, env, workdir, out)
    except KeyboardInterrupt:
        out.append("**Stopped early**: the report ends with what was measured before the stop.")
        out.append("")
        print("  stopped early", file=sys.stderr)
        code = 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        stop_store_builders(workdir)  # none after a full run: every section waits for its stores
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    report = "\n".join(out) + "\n"
    sys.stdout.write(report)
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
