"""Search costs time in proportion to the text it reads, whatever that text holds.

Each test puts a pathological field into a key point (a run of one punctuation mark, a query
term repeated without spaces, one enormous token, mixed scripts, stacked combining marks) and
searches it by every path: the file, the query store, and with ``--source`` an article made of
the same text. The budget is relative, not a wall-clock figure: the search over a field four
times as long may cost at most GROWTH times as much (linear work gives 4; the backtracking and
re-tokenising this replaced gave 16 and far more), measured as the best of a few runs so one
slow run on a busy machine does not fail it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import invoke, shipped_text

GROWTH = 9.0
# Where a pathological field goes: before the first words of Ma Jun's first key point (a folded scalar, so one line).
ANCHOR = "          Ma Jun of Sun Yat-sen University"
QUERIES = ["tumor", "radioiodine", "queueing", "ai", "eye", '"tumor tumor"', "肿瘤"]


def _field(kind: str, size: int) -> str:
    """About ``size`` characters of one pathological kind."""
    if kind == "hyphens":
        return "t" + "-" * size
    if kind == "dots":  # "rad" and "q" each followed by a run of dots: a dozen optional groups side by side
        return "rad" + "." * (size // 2) + "q" + "." * (size // 2)
    if kind == "repeated":
        return "tumor-" * (size // 6)
    if kind == "glued":
        return "tumour" * (size // 6)
    if kind == "vowels":
        return "aiaeyo" * (size // 6)
    if kind == "token":
        return "x" * size
    if kind == "scripts":
        return "tumorопухоль肿瘤ورم" * (size // 17)
    if kind == "marks":
        return "tu\u0301\u0308mo\u0302r" * (size // 8)
    raise ValueError(kind)


KINDS = ["hyphens", "dots", "repeated", "glued", "vowels", "token", "scripts", "marks"]


def _forum(directory: Path, field: str) -> Path:
    text = shipped_text()
    assert ANCHOR in text
    path = directory / "forum.yaml"
    if field:
        text = text.replace(ANCHOR, f"          {field} {ANCHOR.strip()}", 1)
    path.write_text(text, encoding="utf-8")
    return path


def _paths(directory: Path, field: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[str], object]]:
    """One callable per search path, each answering a query over the forum that holds ``field``."""
    forum = _forum(directory, field)
    article = directory / "article.txt"
    article.write_text(f"{field}\n" * 20, encoding="utf-8")
    cache = directory / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(forum), "themes").exit_code == 0  # builds the query store
    assert list((cache / "cbiic").glob("*.sqlite")), "no query store was built"

    def run(before: tuple[str, ...], after: tuple[str, ...] = ()) -> Callable[[str], object]:
        def ask(query: str) -> object:
            # The cache named for every call, so the paths of several forums can be timed in turn.
            result = invoke(
                "--data", str(forum), *before, "search", "-f", "json", "--limit", "0", *after, query, env={"XDG_CACHE_HOME": str(cache)}
            )
            assert result.exit_code in (0, 1), result.stderr
            return result

        return ask

    # --source quotes the article's lines for each hit: the article holds the same field, on every line.
    return {"file": run(("--no-cache",)), "store": run(()), "source": run(("--no-cache",), ("--source", str(article)))}


def _cost(ask: Callable[[str], object], query: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        ask(query)
        best = min(best, time.process_time() - started)
    return best


def _growth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, query: str, size: int, runs: int = 5) -> dict[str, float]:
    """Per path, the cost of the extra text: (search over 4n) - (no field) against (search over n) - (no field).

    Each cost is the best of ``runs``, and the three forums are timed in turn, round by round, so that a busy
    moment (a parallel run, a collection) falls on one run of each rather than on every run of one."""
    asks: dict[str, dict[str, Callable[[str], object]]] = {}
    for label, field in (("none", ""), ("n", _field(kind, size)), ("4n", _field(kind, 4 * size))):
        directory = tmp_path / f"{kind}-{label}-{abs(hash(query))}"
        directory.mkdir()
        asks[label] = _paths(directory, field, monkeypatch)
    best: dict[tuple[str, str], float] = {}
    for _ in range(runs):
        for label, paths in asks.items():
            for path, ask in paths.items():
                started = time.process_time()
                ask(query)
                spent = time.process_time() - started
                best[label, path] = min(best.get((label, path), spent), spent)
    costs = {path: [best[label, path] for label in asks] for path in asks["none"]}
    ratios = {}
    for path, (none, small, large) in costs.items():
        # A floor of a tenth of the plain search: below it, the field costs next to nothing and the ratio would be noise.
        floor = max(none / 10, 0.002)
        extra_small, extra_large = max(small - none, floor), max(large - none, floor)
        ratios[path] = extra_large / extra_small
    return ratios


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_search_grows_linearly_with_a_pathological_field(tmp_path, monkeypatch, kind):
    ratios = {query: _growth(tmp_path, monkeypatch, kind, query, 20_000) for query in ("tumor", "radioiodine", "ai")}
    assert all(ratio < GROWTH for per_path in ratios.values() for ratio in per_path.values()), ratios


@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("t" + "-" * 6000, "tumor"),
        ("rad" + "." * 50 + "q" + "." * 40, "radioiodine"),
        ("rad" + "." * 50 + "q" + "." * 40, "queueing"),
        ("tumor-" * 20_000, "tumor"),
    ],
)
def test_the_issue_s_fields_are_searched_at_once(tmp_path, monkeypatch, field, query):
    """The fields from the issue: minutes, or no end, before; here one search must cost no more than a few of a plain one."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "hostile").mkdir()
    plain = _paths(tmp_path / "plain", "", monkeypatch)
    for path, ask in _paths(tmp_path / "hostile", field, monkeypatch).items():
        baseline = _cost(plain[path], query)
        assert _cost(ask, query, runs=1) < 10 * baseline + 0.5, path


_pathological = st.builds(
    lambda unit, times, tail: unit * times + tail,
    st.sampled_from(["-", ".", "'", "&", "tumor", "tumor-", "a", "ai", "e\u0301", "\u0301", "肿瘤", "оп", "radq", "x", "ـ"]),
    st.integers(min_value=1, max_value=3000),
    st.text(alphabet="aeiouyqrdtm-.'& \u0301", max_size=8),
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(unit=st.sampled_from(["-", ".", "tumor", "tumor-", "ai", "e\u0301", "肿瘤", "x"]), query=st.sampled_from(QUERIES))
def test_every_path_grows_linearly_for_generated_fields(tmp_path_factory, monkeypatch, unit, query):
    tmp_path = tmp_path_factory.mktemp("growth")
    costs = []
    for times in (4000 // len(unit), 16000 // len(unit)):
        directory = tmp_path / str(times)
        directory.mkdir()
        paths = _paths(directory, unit * times, monkeypatch)
        costs.append({path: _cost(ask, query) for path, ask in paths.items()})
    for path in costs[0]:
        assert costs[1][path] < GROWTH * max(costs[0][path], 0.01), (path, costs)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(field=_pathological, query=st.sampled_from(["tumor", "radioiodine", "queueing", "ai", "eye", "io", "肿瘤"]))
def test_matching_a_generated_field_stays_within_a_linear_budget(field, query):
    """The matcher alone (what both the file and the store run for snippets), on fields hypothesis builds:
    its cost per character stays within a fixed multiple of a plain field's."""
    from cbiic_cli.search import Doc, _match, _needles, could_match, parse_query, terms_of

    units = parse_query([query], [])
    plain = Doc("talk", "x", [("key_points", "plain words about radiotherapy " * (len(field) // 30 + 1))], [])
    hostile = Doc("talk", "x", [("key_points", field)], [])

    def cost(doc: Doc) -> float:
        started = time.process_time()
        could_match(doc, units, _needles(units))
        _match(doc, units)
        terms_of(doc)
        return time.process_time() - started

    assert cost(hostile) < 20 * cost(plain) + 0.05, len(field)
