"""Search ranks real queries from the article and forgives case, hyphens, plurals and Chinese text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbiic_cli.search import _Counter, _field_hits, parse_query
from support import invoke, replace_once, shipped_text, write_forum


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def hits(*args: str) -> list[dict]:
    result = invoke("search", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("query", "best"),
    [
        (["PD-1"], "zheng-limin-myeloid-cells"),
        (["DRG"], "wang-rundong-commercial-insurance"),
        (["EGFR"], "li-ziming-nsclc-testing"),
        (["Hillhouse"], "feng-chen-research-hospitals"),
        (["nasopharyngeal"], "ma-jun-youth-talent"),
        (["Roche"], "luo-dan-remark"),
    ],
)
def test_best_hit_first(query, best):
    assert hits(*query)[0]["id"] == best


@pytest.mark.parametrize(("query", "expected"), [("pd1", "PD-1"), ("pd-l1", "PD-L1"), ("ngs", "NGS"), ("Car-T", "CAR-T")])
def test_case_and_hyphen_insensitive(query, expected):
    (first, *_) = hits(query)
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].upper().startswith(expected)


def test_words_split_where_the_text_hyphenates():
    assert hits("non", "small", "cell")[0]["id"] == "li-ziming-nsclc-testing"
    assert hits("non-small")[0]["id"] == "li-ziming-nsclc-testing"


def test_plurals_match_singulars():
    assert "zheng-limin-myeloid-cells" in [h["id"] for h in hits("checkpoints")]
    assert "zheng-limin-myeloid-cells" in [h["id"] for h in hits("checkpoint")]


def test_all_words_must_match():
    ids = [h["id"] for h in hits("insurance", "investor")]
    assert ids == ["zhang-yong-remark"]


def test_quoted_phrase_means_that_phrase():
    phrase = [h["id"] for h in hits('"commercial insurance"')]
    loose = [h["id"] for h in hits("insurance", "commercial")]
    assert "luo-dan-remark" in phrase
    assert set(phrase) <= set(loose)
    assert hits('"insurance commercial"') == []


def test_title_match_outranks_passing_mention():
    ranked = [h["id"] for h in hits("talent")]
    assert ranked[0] == "ma-jun-youth-talent"
    assert hits("talent")[0]["field"] in ("title", "key_points")


def test_hit_shows_who_where_field_and_highlight():
    (first, *_) = hits("DRG")
    assert first["slug"] == "wang-rundong"
    assert first["affiliations"] == ["Senior President, MgX Health Technology"]
    assert first["kind"] == "talk"
    assert first["field"] in ("key_points", "summary")
    start, end = first["highlights"][0]
    assert first["snippet"][start:end] == "DRG"


def test_theme_filter_and_limit():
    on_theme = hits("China", "--theme", "insurance")
    assert on_theme and all("insurance" in h["themes"] for h in on_theme)
    assert len(hits("China", "--limit", "2")) == 2


def test_people_without_a_talk_are_findable():
    assert hits("Harbin")[0]["slug"] == "ma-jun-harbin"


def test_no_hits_is_calm_with_a_near_match():
    result = invoke("search", "immunotherapie")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "cbiic: no matches for 'immunotherapie'; did you mean immunotherapy?\n"
    assert json.loads(invoke("search", "zzzz", "--format", "json").stdout) == []


def test_chinese_text_matches_by_substring(tmp_path):
    text = replace_once(shipped_text(), "name: Zheng Limin", "name: 郑利民")
    path = write_forum(tmp_path, text)
    result = invoke("--data", str(path), "search", "利民", "--format", "json")
    found = json.loads(result.stdout)
    assert found and found[0]["slug"] == "zheng-limin"
    start, end = found[0]["highlights"][0]
    assert found[0]["snippet"][start:end] == "利民"


def test_search_table_highlights_on_a_terminal(monkeypatch):
    result = invoke("search", "DRG", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in result.stdout
    assert "DRG" in result.stdout


# The counting fast path must agree with the straightforward one it replaces.

_words = st.sampled_from(["PD-1", "pd1", "checkpoints", "checkpoint", "Non-small", "cell", "DRG", "R&D", "therapies", "therapy", "利民", "CAR-T", "ß", "İstanbul", "Σ"])
_texts = st.lists(_words | st.text(alphabet="abc -/.,'", max_size=6), max_size=30).map(" ".join)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(text=_texts, query=st.lists(_words, min_size=1, max_size=3), phrase=st.booleans())
def test_fast_counter_matches_the_plain_matcher(text, query, phrase):
    words = [f'"{" ".join(query)}"'] if phrase else query
    parsed = parse_query(words)
    counter = _Counter(parsed)
    expected_counts, expected_spans = _field_hits(text, parsed)
    assert counter.counts(text) == expected_counts
    assert counter.spans(" ".join(text.split())) == _field_hits(" ".join(text.split()), parsed)[1]
