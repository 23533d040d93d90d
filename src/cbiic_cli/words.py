"""How words are compared: one folding for lookups, the loader's name checks and search.

Folding makes variants of a word meet: case and compatibility forms (NFKC, so an
NFD-typed name or a ligature matches), British and American spelling (tumour and
tumor, organisation and organization), and simple English plurals. It is
applied to both sides of every comparison, so a fold that merges two real words
can only widen a match, never hide one.
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """One word's comparable form: NFKC, case-folded, American spelling, singular."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    return american(stem(folded))
