"""Search's work counted, not timed (issue 21, third adversarial run): each test counts what the search does over a
pathological forum and fails if the count grows with the text (or with the hits) faster than the promise allows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import invoke, shipped_text, write_forum

import cbiic_cli.search as search_module


def _shared_lines_forum(tmp_path: Path, lines: int) -> tuple[Path, Path]:
    """The shipped forum with its first two talks citing article lines 1..``lines``, and that article."""
    text = shipped_text()
    head, tail = text.split("\ntalks:\n", 1)
    cited = "[" + ", ".join(map(str, range(1, lines + 1))) + "]"
    tail = re.sub(r"\n    source_paragraphs: \[[^\]]*\]", "\n    source_paragraphs: " + cited, tail, count=2)
    forum = write_forum(tmp_path, head + "\ntalks:\n" + tail)
    article = tmp_path / "article.txt"
    article.write_text("".join(f"line {number} zz\n" for number in range(1, lines + 1)), encoding="utf-8")
    return forum, article


def test_who_cites_a_shared_line_is_worked_out_once_per_search(tmp_path, monkeypatch):
    """Every hit on a line two contributions cite names them: the map of who cites what is built once, not per hit."""
    forum, article = _shared_lines_forum(tmp_path, 200)
    calls = []
    real = search_module.citing_contributions
    monkeypatch.setattr(search_module, "citing_contributions", lambda index: calls.append(1) or real(index))
    result = invoke("--data", str(forum), "--no-cache", "search", "zz", "--source", str(article), "--limit", "0", "-f", "json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 200 and all(len(hit["cited_by"]) >= 2 for hit in hits)
    assert len(calls) <= 2, len(calls)  # the article's lines given out, and the hits' cited_by


ANCHOR = "          Ma Jun of Sun Yat-sen University"


def _stored_forum(tmp_path: Path, monkeypatch, field: str) -> tuple[Path, dict[str, str]]:
    """The shipped forum with ``field`` before Ma Jun's first key point, and its query store built."""
    text = shipped_text()
    forum = write_forum(tmp_path, text.replace(ANCHOR, f"          {field} {ANCHOR.strip()}", 1))
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(forum), "themes").exit_code == 0
    assert list((cache / "cbiic").glob("*.sqlite")), "no query store was built"
    return forum, {"XDG_CACHE_HOME": str(cache)}


def _counting(monkeypatch, name: str, long_only: int = 0) -> list[int]:
    """Count calls of ``search.<name>`` (a class or function taking the text first) on texts longer than ``long_only``."""
    calls: list[int] = []
    real = getattr(search_module, name)

    def counted(text, *args, **kwargs):
        if len(text) > long_only:
            calls.append(len(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(search_module, name, counted)
    return calls


PHRASES = " ".join('"' + " ".join(["xx"] * size) + '"' for size in range(8, 0, -1))


@pytest.mark.parametrize("cache", [True, False], ids=["store", "file"])
def test_many_phrases_over_repeated_words_tokenise_each_field_once(tmp_path, monkeypatch, cache):
    """Eight phrases of repeated words over a field of them: the field is tokenised once for the whole query (the store
    made a new tokenisation per phrase, and again for the snippet), and every phrase is still counted exactly."""
    repeats = 3 * search_module.SPANS_KEPT
    forum, env = _stored_forum(tmp_path, monkeypatch, "xx " * repeats)
    tokenised = _counting(monkeypatch, "_Tokens", long_only=repeats)
    result = invoke("--data", str(forum), *([] if cache else ["--no-cache"]), "search", "-f", "json", "--limit", "0", PHRASES, env=env)
    assert result.exit_code == 0, result.output
    [hit] = json.loads(result.stdout)
    assert hit["field"] == "key_points"
    assert len(tokenised) == 1, tokenised


def test_a_phrase_is_counted_exactly_but_its_spans_kept_are_bounded():
    """Every occurrence of a phrase counts, overlapping ones too; only the first SPANS_KEPT are kept for the snippet."""
    repeats = 3 * search_module.SPANS_KEPT
    doc = search_module.Doc("talk", "t", [("summary", "xx " * repeats)], [])
    units = search_module.parse_query([PHRASES], [])
    found = search_module.match_units(doc, units)
    assert found is not None
    assert found.counts["summary"] == [repeats - size + 1 for size in range(8, 0, -1)]
    assert len(found.spans["summary"]) <= len(units) * search_module.SPANS_KEPT
    tumor = search_module.match_units(
        search_module.Doc("talk", "t", [("summary", "tumor tumor tumor x tumor tumor")], []),
        search_module.parse_query(['"tumor tumor"'], []),
    )
    assert tumor is not None and tumor.counts["summary"] == [3]


CJK_WORDS = [chr(0x4E2D) + chr(0x5F00 + number) for number in range(8)]


def test_chinese_words_fold_the_text_once_per_query_with_the_store(tmp_path, monkeypatch):
    """Eight Chinese words, all in one key point: with the store, only fields that hold a word are folded to map
    offsets back, once each (it folded every field of every document once per word)."""
    forum, env = _stored_forum(tmp_path, monkeypatch, " ".join(CJK_WORDS))
    folds = _counting(monkeypatch, "_fold_with_origin")
    result = invoke("--data", str(forum), "search", "-f", "json", "--limit", "0", *CJK_WORDS, env=env)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 1
    assert len(folds) <= 2, len(folds)


def test_a_query_of_too_many_typed_words_is_refused_before_it_is_grouped():
    from cbiic_cli.search import MOST_TYPED_WORDS

    result = invoke("search", *(["alpha", "beta"] * (MOST_TYPED_WORDS // 2 + 1)))
    assert result.exit_code == 2 and f"type at most {MOST_TYPED_WORDS}" in result.stderr
    assert invoke("search", *(["myeloid"] * (10 * MOST_TYPED_WORDS))).exit_code == 0  # a run of one word is one word


def test_grouping_typed_words_into_a_long_glossary_expansion_compares_each_word_once_per_try(monkeypatch):
    """A glossary expansion of 5,000 words and a query of the same word repeated: no try copies what it matched so far
    (each grew a tuple word by word: cubic), and an expansion longer than the words left is not tried."""
    from cbiic_cli import search

    compared = []
    real = search._spelled_out
    monkeypatch.setattr(search, "_spelled_out", lambda plain, index, expansion: compared.append(index) or real(plain, index, expansion))
    plain = [("alpha", ("alpha",))] * search.MOST_TYPED_WORDS
    units = search._with_glossary(plain, [("ZZQ", [("alpha",) * 5000, ("alpha",) * 3])])
    assert [unit.alternatives for unit in units] == [[("term", "ZZQ")]] * (search.MOST_TYPED_WORDS // 3) + [[("term", "alpha")]] * (
        search.MOST_TYPED_WORDS % 3
    )
    assert len(compared) <= search.MOST_TYPED_WORDS  # the 5,000-word expansion is never tried: fewer words are left
