"""How names, ids and refs are compared: one rule for the loader's uniqueness checks and for lookups."""

import re

from .words import fold

# Punctuation between words, so that "microenvironment:" or "(NSCLC)" is the word it holds.
_SEPARATORS = re.compile(r"[\s_.,;:!?'’‘\"“”()\[\]/-]+")

# Titles the article (and readers quoting it) put before a name: "Professor Zheng Limin", "Dr. Xu Junfang",
# "Prof. Zheng". A lookup drops them, so a name as printed finds the person.
HONORIFICS = frozenset(fold(word) for word in ("professor", "prof", "dr", "doctor", "academician", "mr", "mrs", "ms", "madam"))


def normalise(text: str) -> str:
    """Case-, space-, punctuation- and spelling-insensitive: 'Medical Insurance' and 'medical-insurance' meet.

    Ids and slugs are already lower-case words joined by hyphens, so they
    normalise to themselves except for the spelling and plural fold.
    """
    return "-".join(fold(word) for word in _SEPARATORS.split(text.strip()) if word)


def without_honorifics(normalised: str) -> str:
    """A normalised name without the titles in front of it ("professor-zheng-limin" -> "zheng-limin"); never empty."""
    words = normalised.split("-")
    while len(words) > 1 and words[0] in HONORIFICS:
        words = words[1:]
    return "-".join(words)


def same_person_name(normalised_name: str, wanted: str) -> bool:
    """Whether a wanted name, titles dropped, is the person's name in either order ("limin-zheng" is Zheng Limin)."""
    words = normalised_name.split("-")
    asked = without_honorifics(wanted).split("-")
    return asked == words or asked == words[::-1]
