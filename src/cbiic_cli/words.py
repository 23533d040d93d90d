"""How words are compared: one folding for lookups, the loader's name checks and search.

Folding makes variants of a word meet: case and compatibility forms (NFKC, so an
NFD-typed name or a ligature matches), British and American spelling (tumour and
tumor, organisation and organization), and simple English plurals. It is
applied to both sides of every comparison, so a fold that merges two real words
can only widen a match, never hide one.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

# Spelling endings, longest first; each applies only to words long enough that
# the ending is a suffix and not the whole word (four, hour, tour stay apart).
_ENDINGS = (
    ("isations", "izations", 9),
    ("isation", "ization", 8),
    ("ising", "izing", 7),
    ("ised", "ized", 6),
    ("ises", "izes", 6),
    ("iser", "izer", 7),
    ("ise", "ize", 6),
    ("ysing", "yzing", 7),
    ("ysed", "yzed", 6),
    ("yse", "yze", 6),
    ("ogue", "og", 6),
    ("lling", "ling", 7),
    ("lled", "led", 6),
    ("our", "or", 6),
    ("tre", "ter", 6),
    ("mme", "m", 8),
)


def stem(word: str) -> str:
    """Fold simple English plurals so 'checkpoints' meets 'checkpoint' and 'therapies' meets 'therapy'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def american(word: str) -> str:
    """The American spelling of a case-folded word: tumour -> tumor, haematology -> hematology."""
    for ending, replacement, shortest in _ENDINGS:
        if len(word) >= shortest and word.endswith(ending):
            word = word[: -len(ending)] + replacement
            break
    if len(word) > 4:
        if word.startswith("oe"):
            word = "e" + word[2:]
        head, tail = word[:1], word[1:]
        if "ae" in tail:  # haem-, anaem-, paed-: not at the start, so 'aerial' stays
            word = head + tail.replace("ae", "e")
    return word


# Where a long run of combining marks can be: a run of characters that are neither letters, digits, white space nor
# ASCII (no character of a non-zero combining class is any of those), or the two half-width kana sound marks, which
# are letters to ``re`` but decompose into marks. ``test_search_normalising`` checks this against the running Python.
_MARK_HOSTS = r"[^\w\s\x00-\x7f]|[\uff9e\uff9f]"
# Shorter runs are left to CPython, whose canonical ordering (an insertion sort) costs at most this squared per run.
LONG_RUN = 32
_LONG_RUN = re.compile(rf"(?:{_MARK_HOSTS}){{{LONG_RUN},}}+")
_NFKD = functools.partial(unicodedata.normalize, "NFKD")


def _in_canonical_order(run: str) -> str:
    """``run`` decomposed (NFKD) with each stretch of combining marks in canonical order: what NFKD makes of it, but
    sorted in O(n log n) by a stable sort on the combining class rather than CPython's insertion sort, which is
    quadratic in a stretch whose classes alternate ("a" followed by U+0301 U+0316 ten thousand times)."""
    decomposed = "".join(map(_NFKD, run))  # character by character: one character's decomposition is short
    out: list[str] = []
    for marks, stretch in itertools.groupby(decomposed, key=lambda character: unicodedata.combining(character) != 0):
        characters = list(stretch)
        out += sorted(characters, key=unicodedata.combining) if marks else characters  # sorted() is stable
    return "".join(out)


def normalized(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, exactly, in time linear in the text whatever it holds.

    A long run of characters that may be combining marks is first replaced by its decomposition in canonical order,
    which is canonically equivalent and so has the same NFKC; CPython then finds nothing to reorder. Text without
    such a run (all real text) goes to CPython as it is."""
    if text.isascii():
        return text
    if _LONG_RUN.search(text) is not None:
        text = _LONG_RUN.sub(lambda run: _in_canonical_order(run.group()), text)
    return unicodedata.normalize("NFKC", text)


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """One word's comparable form: NFKC, case-folded, American spelling, singular."""
    folded = normalized(word).casefold()
    return american(stem(folded))
