"""How names, ids and refs are compared: one rule for the loader's uniqueness checks and for lookups."""

import re

from .words import fold

_SEPARATORS = re.compile(r"[\s_.,'’/-]+")


def normalise(text: str) -> str:
    """Case-, space-, punctuation- and spelling-insensitive: 'Medical Insurance' and 'medical-insurance' meet.

    Ids and slugs are already lower-case words joined by hyphens, so they
    normalise to themselves except for the spelling and plural fold.
    """
    return "-".join(fold(word) for word in _SEPARATORS.split(text.strip()) if word)
