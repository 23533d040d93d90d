"""How names, ids and refs are compared: one rule for the loader's uniqueness checks and for lookups."""

import re

_SEPARATORS = re.compile(r"[\s_.,'’/-]+")


def normalise(text: str) -> str:
    """Case-, space- and punctuation-insensitive form: 'Medical Insurance' and 'medical-insurance' meet."""
    return _SEPARATORS.sub("-", text.strip().casefold()).strip("-")
