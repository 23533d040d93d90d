"""A search that matches nothing tries a spelling correction, and that costs no more than a search that matches.

Issue 21: in a generated forum "ai" matches nothing, so search fell through to correction, which ran the word
pattern over every field again to build the vocabulary; a cold ``search ai`` then took longer than ``search tumor``.
The vocabulary is now read from each field's distinct white-space-separated chunks, which hold the same words.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from support import generated_forum

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
