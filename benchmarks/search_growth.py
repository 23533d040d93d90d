#!/usr/bin/env python3
"""Time `cbiic search` on pathological fields of n and 4n characters: the ratio must stay under 5 (linear gives 4).

    python benchmarks/search_growth.py [--size 25000] [--runs 3] [--python PYTHON]

Each kind of field (a run of one punctuation mark, a query term repeated without spaces, one
enormous token, mixed scripts, stacked combining marks, one long run of marks, vowels alone, and
words of a and b that a query of words like them makes search try to correct) goes before the first key
point of the shipped forum, in a temporary directory; each query is timed as a whole process with
`--no-cache` (the file) and again from the query store, the median of ``--runs``. The extra
cost of the field is the time minus that of the same search on the unchanged forum. Prints a
Markdown table; standard library only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent / "data" / "forum.yaml"
ANCHOR = "          Ma Jun of Sun Yat-sen University"


def ab_words(length: int, count: int, seed: int) -> list[str]:
    """``count`` distinct words of "q" and ``length`` - 1 letters a or b."""
    generator = random.Random(seed)
    found: set[str] = set()
    while len(found) < count:
        found.add("q" + "".join(generator.choice("ab") for _ in range(length - 1)))
    return sorted(found)


CJK_WORDS = [chr(0x4E2D) + chr(0x5F00 + number) for number in range(32)]

KINDS = {
    "hyphens": ("tumor", lambda n: "t" + "-" * n),
    "dots": ("radioiodine", lambda n: "rad" + "." * (n // 2) + "q" + "." * (n // 2)),
    "dots, queueing": ("queueing", lambda n: "rad" + "." * (n // 2) + "q" + "." * (n // 2)),
    "term repeated": ("tumor", lambda n: "tumor-" * (n // 6)),
    "term glued": ("tumor", lambda n: "tumour" * (n // 6)),
    "vowels": ("ai", lambda n: "aiaeyo" * (n // 6)),
    "one token": ("tumor", lambda n: "x" * n),
    "mixed scripts": ("tumor", lambda n: "tumorопухоль肿瘤ورم" * (n // 17)),
    "combining marks": ("tumor", lambda n: "tu\u0301\u0308mo\u0302r" * (n // 8)),
    # One letter and a run of marks whose combining classes alternate: NFKC's canonical ordering is an insertion sort.
    "one run of marks": ("tumor", lambda n: "a" + "\u0301\u0316" * (n // 2)),
    # Distinct words of a and b that the query's words are near but not among: nothing matches, so search tries a
    # spelling correction against them, and every quick test of difflib passes on such words.
    # Thirty-two quoted phrases of one repeated word (32 of it, 31, ... 1), all matching, over a field of that word
    # (issue 21): each phrase is found in one pass over the field's words, which is tokenised once.
    "phrases of one word": (" ".join('"' + " ".join(["xx"] * size) + '"' for size in range(32, 0, -1)), lambda n: "xx " * (n // 3)),
    # Thirty-two Chinese words, all in the field: it is folded once per query, whatever the number of words.
    "Chinese words": (" ".join(CJK_WORDS), lambda n: (" ".join(CJK_WORDS) + " ") * (n // (3 * len(CJK_WORDS)))),
    "a-b words, 30 letters": (" ".join(ab_words(30, 5, seed=1)), lambda n: " ".join(ab_words(30, n // 31, seed=2))),
    "a-b words, 101 letters": (" ".join(ab_words(101, 5, seed=1)), lambda n: " ".join(ab_words(101, n // 102, seed=2))),
}


def timed(command: list[str], environment: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(python: str, text: str, field: str, query: str, directory: Path, runs: int) -> tuple[float, float]:
    forum = directory / "forum.yaml"
    forum.write_text(text.replace(ANCHOR, f"          {field} {ANCHOR.strip()}", 1) if field else text, encoding="utf-8")
    old = time.time() - 60  # an old file: its store is trusted without re-reading it
    os.utime(forum, (old, old))
    environment = {**os.environ, "XDG_CACHE_HOME": str(directory / "cache")}
    environment.pop("CBIIC_NO_CACHE", None)
    base = [str(Path(python).with_name("cbiic")), "--data", str(forum)]
    cold = timed([*base, "--no-cache", "search", query, "-f", "json"], environment, runs)
    subprocess.run([*base, "themes"], env=environment, stdout=subprocess.DEVNULL, check=False)
    for _ in range(600):  # the store is built in the background after the first answer
        if list((directory / "cache" / "cbiic").glob("*.sqlite")) and not list((directory / "cache" / "cbiic").glob(".tmp-*")):
            break
        time.sleep(0.1)
    warm = timed([*base, "search", query, "-f", "json"], environment, runs)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000, help="n, in characters (the larger field has 4n)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the Python whose cbiic (the script beside it) is measured")
    options = parser.parse_args()
    text = SHIPPED.read_text(encoding="utf-8")
    rows = []
    with tempfile.TemporaryDirectory(prefix="cbiic-search-growth-") as scratch:
        counter = 0

        def at(field: str, query: str) -> tuple[float, float]:
            nonlocal counter
            counter += 1
            directory = Path(scratch) / str(counter)
            directory.mkdir()
            return measure(options.python, text, field, query, directory, options.runs)

        baselines: dict[str, tuple[float, float]] = {}
        for kind, (query, make) in KINDS.items():
            if query not in baselines:
                baselines[query] = at("", query)
            small, large = at(make(options.size), query), at(make(4 * options.size), query)
            for path, column in (("file", 0), ("store", 1)):
                base = baselines[query][column]
                extra_small, extra_large = max(small[column] - base, 0.005), max(large[column] - base, 0.005)
                rows.append((kind, query, path, small[column], large[column], large[column] / small[column], extra_large / extra_small))
    print(
        f"#### Search on pathological fields, n = {options.size:,} and 4n characters (seconds, whole process, median of {options.runs})\n"
    )
    print("| field | query | path | n | 4n | 4n / n (budget < 5) | ratio of the extra time |")
    print("|---|---|---|---:|---:|---:|---:|")
    for kind, query, path, small_time, large_time, ratio, extra in rows:
        shown = query if len(query) <= 20 else f"{query[:12]}… ({len(query.split())} words of {len(query.split()[0])})"
        print(f"| {kind} | `{shown}` | {path} | {small_time:.3f} | {large_time:.3f} | {ratio:.2f} | {extra:.2f} |")
    print("\nThe extra time is the search's time minus the same search on the unchanged forum (at least 5 ms); where the")
    print("field costs a few milliseconds at most, that ratio is noise, and the whole-process ratio is the one budgeted.")


if __name__ == "__main__":
    main()
