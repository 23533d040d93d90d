"""A search that matches nothing tries a spelling correction, and that costs no more than a search that matches.

Issue 21: in a generated forum "ai" matches nothing, so search fell through to correction, which ran the word
pattern over every field again to build the vocabulary; a cold ``search ai`` then took longer than ``search tumor``.
The vocabulary is now read from each field's distinct white-space-separated chunks, which hold the same words.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import generated_forum, invoke, shipped_text

from cbiic_cli import search as full_text
from cbiic_cli.load import parse_forum
from cbiic_cli.query import ForumIndex

# Every character str.split() separates at, and the characters a word is made of or joined by.
_WHITE = [chr(code) for code in range(0x110000) if chr(code).isspace()]
_TEXT = st.text(alphabet=st.sampled_from([*_WHITE, *"ab1-'’.&_ é", "\u0301", "\u0308", "肿", "ﬁ", "Ä"]), max_size=40)


def _engine(fields: list[str]) -> full_text._MemoryEngine:
    engine = object.__new__(full_text._MemoryEngine)
    engine.docs = [full_text.Doc("talk", f"t{number}", [("summary", text)], []) for number, text in enumerate(fields)]
    engine._vocabulary = None
    return engine


@settings(max_examples=300, deadline=None, derandomize=True)
@given(fields=st.lists(_TEXT, max_size=6))
def test_the_vocabulary_is_every_term_the_words_answer_to(fields):
    written = {word for text in fields for word in full_text._WORD.findall(text)}
    expected = {term for word in written for term in full_text.word_forms(word)}
    assert _engine(fields).vocabulary == expected


class _Counting:
    """The word pattern, counting the characters it is run over."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.read = 0

    def findall(self, text: str) -> list[str]:
        self.read += len(text)
        return self.pattern.findall(text)


def test_the_vocabulary_reads_each_distinct_chunk_once(tmp_path, monkeypatch):
    index = ForumIndex(parse_forum(generated_forum(tmp_path, 500, 2024).read_bytes(), "forum.yaml"))
    engine = full_text._MemoryEngine(index)
    counting = _Counting(full_text._WORD)
    monkeypatch.setattr(full_text, "_WORD", counting)
    assert engine.knows("tumor") and not engine.knows("ai")
    everything = sum(len(text) for doc in engine.docs for _, text in doc.fields)
    assert counting.read < everything / 4  # the generated talks repeat their words, as real ones do


def _words_of(generator, length: int, count: int) -> list[str]:
    """``count`` distinct words of "q" and ``length`` - 1 letters a or b: every quick test of difflib passes on them."""
    found: set[str] = set()
    while len(found) < count:
        found.add("q" + "".join(generator.choice("ab") for _ in range(length - 1)))
    return sorted(found)


@pytest.mark.parametrize(("length", "asked"), [(101, 5), (101, 1), (30, 5)])
def test_a_correction_compares_a_bounded_number_of_characters(tmp_path, monkeypatch, length, asked):
    """Issue 21 re-run: 2,000 distinct words of a and b in a key point, and a query of words like them that the forum
    does not hold. Each query word was compared in full with up to 2,000 of them (13 s for five words of 101 letters,
    by the file and by the store); now a query's comparisons hold at most CORRECTION_WORK pairs of characters."""
    import difflib
    import random

    words = _words_of(random.Random(length), length, 2000 + asked)
    anchor = "          Ma Jun of Sun Yat-sen University"
    forum = tmp_path / "forum.yaml"
    forum.write_text(shipped_text().replace(anchor, f"          {' '.join(words[:2000])} {anchor.strip()}", 1), encoding="utf-8")
    compared = [0]
    ratio = difflib.SequenceMatcher.ratio

    def counting(matcher: difflib.SequenceMatcher) -> float:
        compared[0] += len(matcher.a) * len(matcher.b)
        return ratio(matcher)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counting)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(forum), "themes").exit_code == 0  # builds the query store
    for before in (("--no-cache",), ()):  # the file, then the store
        compared[0] = 0
        result = invoke("--data", str(forum), *before, "search", "-f", "json", *words[2000:])
        assert result.exit_code in (0, 1), result.stderr
        assert compared[0] <= full_text.CORRECTION_WORK, (before, compared[0])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(term=st.text(alphabet="abcde", min_size=1, max_size=12), candidates=st.lists(st.text(alphabet="abcde", max_size=14), max_size=30))
def test_the_closest_word_is_difflib_s(term, candidates):
    """Within its budget, _closest picks the word difflib.get_close_matches would."""
    import difflib

    expected = difflib.get_close_matches(term, candidates, n=1, cutoff=0.75)
    assert full_text._closest(term, candidates, [full_text.CORRECTION_WORK]) == (expected[0] if expected else None)


def test_real_typos_are_still_corrected():
    for typed, meant in (("immunotheraphy", "immunotherapy"), ("radiotherpy", "radiotherapy")):
        result = invoke("--no-cache", "search", "-f", "json", typed)
        assert result.exit_code == 0, result.stderr
        assert meant in result.stderr or meant in result.stdout, (typed, result.stderr)
