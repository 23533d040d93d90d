"""Ranked full-text search over everything the views show (BM25 over weighted fields).

Matching is forgiving the way a search box should be, and the same on both sides:
every word, in the data and in the query, is case-folded, NFKC-normalised, put in
American spelling and made singular (``words.fold``), so ``tumour`` finds
"tumor" and ``checkpoints`` finds "checkpoint". A compound word counts whole and
by its parts, so ``anti-tumor``, ``antitumor`` and ``anti tumor`` meet, and
``pd1`` finds "PD-1". An abbreviation and its expansion, as the data's glossary
declares them, are one term (``"artificial intelligence"`` finds "AI"). Theme
labels and aliases count as text of the items that carry the theme (not for a
quoted phrase, which asks for someone's words). Chinese text,
which has no spaces, is matched as a substring. A quoted phrase must appear as
written, modulo the same folding.
"""

from __future__ import annotations

import functools
import math
import re
import shlex
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from . import model
from .errors import CbiicError
from .query import KIND_LABEL, Contribution, Index, one_line
from .rows import affiliation_lines, speaker_fields
from .words import fold, normalized

# Field weights: a hit in a title or a name says more than one in passing text.
FIELD_WEIGHTS = {
    "title": 3.0,
    "topic": 3.0,
    "name": 3.0,
    "conference": 3.0,  # the forum's conference: its name, not the forum's title
    "key_points": 2.0,
    "mentions": 2.0,
    "affiliations": 1.5,
    "people": 1.5,
    "summary": 1.0,
    "conference_city": 1.0,  # the forum's facts, each a field of its own so that a hit names the one it matched in
    "participants": 1.0,
    "aims": 1.0,
    "note": 1.0,
    "kind": 1.0,
    "role": 1.0,
    "honorific": 1.0,
    "themes": 0.5,
}
# Fields a hit shows as one when together they hold more of the query than either alone: the person's
# honorific and name, as the views print them ("honorific name: Professor Ma Jun").
SHOWN_TOGETHER = (("honorific", "name"),)
# Fields that hold our classification rather than anyone's words: a quoted phrase asks for words as written, so it skips them.
CLASSIFICATION_FIELDS = frozenset({"themes"})
K1 = 1.2
B = 0.75
SNIPPET_CHARS = 160
# Spans of one alternative kept per field, in text order: the snippet shows one line of SNIPPET_CHARS, so a field
# matched more often than this is still counted exactly, but its later matches are not kept for highlighting.
SPANS_KEPT = 1000
MOST_WORDS = 32  # distinct words and phrases in one query, and words in one phrase
# Words as typed (a word repeated in a row counts once): grouping them into glossary terms tries each against every expansion.
MOST_TYPED_WORDS = 8 * MOST_WORDS
# Query words a search tries to correct when nothing matches, and the nearby words it compares each with.
CORRECTED_AT_MOST = 5
COMPARED_AT_MOST = 2000
# A term longer than this is not corrected (no one mistypes a word that long and means a word of the forum), and the
# comparisons of one query together hold at most CORRECTION_WORK pairs of characters (a comparison of two words costs
# about the product of their lengths): a query that finds nothing costs a bounded time, whatever words the data holds.
CORRECTED_LONGEST = 30
CORRECTION_WORK = 1_000_000
STOP_WORDS = frozenset(
    "a an and are as at be by for from in into is it its of on or that the their this to was were with what who about how".split()
)

# A word: letters and digits with the combining marks that decorate them (an NFD "é" is e + U+0301,
# and U+0301 is not a word character to `re`), joined by hyphens, apostrophes, dots or ampersands.
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Possessive quantifiers throughout: no character class here overlaps the next, so a match never needs to give
# anything back, and saying so keeps the scan one pass over the text whatever runs of letters, marks or joiners it holds.
_WORD = re.compile(rf"(?:[^\W_][{_MARKS}]*+)++(?:[-'’.&](?:[^\W_][{_MARKS}]*+)++)*+")
_PARTS = re.compile(rf"(?:[^\W_][{_MARKS}]*+)++")
# Scripts written without spaces (CJK punctuation and ideographs, Hangul, compatibility
# ideographs): a query word holding any is matched as a substring.
_CJK_RANGES = ((0x3000, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))


class QueryProblem(CbiicError):
    """A query that cannot be searched: empty, or only common words. A usage error."""

    exit_code = 2


def _has_cjk(word: str) -> bool:
    return not word.isascii() and any(low <= ord(character) <= high for character in word for low, high in _CJK_RANGES)


@functools.lru_cache(maxsize=1 << 16)
def parts(word: str) -> tuple[str, ...]:
    """A written word's parts, folded: 'Anti-tumour' gives ('anti', 'tumor')."""
    return tuple(fold(part) for part in _PARTS.findall(word))


@functools.lru_cache(maxsize=1 << 16)
def joined(word: str) -> str:
    """A written word as one term: 'PD-1' gives 'pd1', 'anti-tumour' gives 'antitumor'."""
    return fold("".join(_PARTS.findall(word)))


@functools.lru_cache(maxsize=1 << 16)
def word_forms(word: str) -> frozenset[str]:
    """Every term a written word answers to: itself joined, and each of its parts."""
    return frozenset([joined(word), *parts(word)])


_VOWELS = "aeiouy"
# How far into a term the first filter looks: enough to be selective, short enough to stay cheap.
FILTER_PREFIX = 8
# What the folds may add, drop or swap (vowels, joiners inside a word, s for z) goes; what is left must appear in order.
_SKELETON = str.maketrans({**dict.fromkeys(_VOWELS + "-'’.&"), "z": "s"})


@functools.lru_cache(maxsize=256)
def term_skeleton(term: str) -> str:
    """What a text must hold, once ``_SKELETON`` has dropped its vowels and joiners and its doubled letters are single,
    to hold a word answering to ``term``: empty for a term of vowels alone. The folds change vowels (tumour,
    haematology), s and z, doubled letters, endings and plurals, and a word may be written with joiners inside; so
    every written form that ``fold`` turns into a term holds the skeleton of the term's start."""
    letters = term[:FILTER_PREFIX].translate(_SKELETON)
    return "".join(letter for number, letter in enumerate(letters) if not number or letters[number - 1] != letter)


def _holds(thinned: str, needle: str) -> bool:
    """Whether text with ``_SKELETON`` applied holds ``needle`` (a ``term_skeleton``) once doubled letters are single.

    Only the needle's own letters are made single, each in one pass of a possessive run: what lies between
    the needle's letters in a match is never another letter, so no other run matters."""
    if needle in thinned:
        return True
    for letter in set(needle):
        if letter * 2 in thinned:
            thinned = _run_of(letter).sub(letter, thinned)  # a word character or a mark: never a backslash
    return needle in thinned


@functools.lru_cache(maxsize=256)
def _run_of(letter: str) -> re.Pattern[str]:
    return re.compile(f"{re.escape(letter)}{{2,}}+")


@functools.lru_cache(maxsize=256)
def _vowel_part(length: int) -> re.Pattern[str]:
    """A part of ``length`` or more vowels alone (and perhaps a plural s): where a term of vowels alone ("ai", "io")
    can come from, since ``fold`` only drops vowels and a final s from such a part. Its skeleton is empty, so it
    needs a test of its own. One attempt per position: a start inside a run fails at once on the look-behind,
    and the possessive run is read once from its start."""
    return re.compile(rf"(?<![^\W_])[aeiouy]{{{length},}}+s?+(?![^\W_])")


def may_hold(folded: str, thinned: Callable[[], str], term: str) -> bool:
    """Whether NFKC case-folded text could hold a word answering to ``term`` (``thinned()``: the text with
    ``_SKELETON`` applied). Never wrong when False."""
    if term and not term.strip(_VOWELS):
        return _vowel_part(len(term)).search(folded) is not None
    return _holds(thinned(), term_skeleton(term))


# -- the query -----------------------------------------------------------------


class Unit:
    """One thing every hit must contain: any of its alternatives.

    An alternative is ('term', t), ('phrase', (t1, t2, ...)) or ('cjk', text).
    """

    __slots__ = ("alternatives", "label", "quoted")

    def __init__(self, alternatives: list[tuple[str, Any]], label: str, quoted: bool = False) -> None:
        self.alternatives = alternatives
        self.label = label  # how the user wrote it, for messages
        self.quoted = quoted  # in double quotes: words as written, so never found in our theme labels

    def __repr__(self) -> str:
        return f"Unit({self.alternatives!r})"


def parse_query(words: list[str], glossary: list[tuple[str, list[tuple[str, ...]]]]) -> list[Unit]:
    """Units from the words the user typed: phrases in double quotes, glossary terms grouped, common words dropped."""
    raw = " ".join(words)
    if not raw.strip() or not _WORD.search(raw):
        what = "empty" if not raw.strip() else "only quotation marks or punctuation"
        raise QueryProblem(f'the search text is {what}; give a word or a "quoted phrase"')
    units: list[Unit] = []
    try:
        balanced = any('"' in w for w in words) and shlex.split(raw) is not None
    except ValueError:
        balanced = False
    if balanced:
        for phrase in re.findall(r'"([^"]+)"', raw):
            tokens = tuple(p for w in _WORD.findall(phrase) for p in parts(w))
            if len(tokens) > MOST_WORDS:  # each word of a phrase is a pass over every place its first word occurs
                shown = one_line(phrase) if len(phrase) <= 60 else one_line(phrase)[:60] + "…"
                raise QueryProblem(f"the quoted phrase {shown!r} has {len(tokens):,} words; quote at most {MOST_WORDS}")
            if tokens:
                units.append(Unit([("phrase", tokens)], f'"{phrase}"', quoted=True))
        raw = re.sub(r'"[^"]*"', " ", raw)
    plain: list[tuple[str, tuple[str, ...]]] = []  # (word as typed, its parts)
    for chunk in raw.split():
        if _has_cjk(chunk):
            units.append(Unit([("cjk", normalized(chunk).casefold())], chunk))
            continue
        for word in _WORD.findall(chunk):
            # A word typed twice in a row asks nothing more (and a run of it would only lengthen the grouping below).
            if not plain or parts(word) != plain[-1][1]:
                plain.append((word, parts(word)))
    if len(plain) > MOST_TYPED_WORDS:
        raise QueryProblem(f"the search text has {len(plain):,} words; type at most {MOST_TYPED_WORDS}")
    units += _with_glossary(plain, glossary)
    for unit in units:
        _add_glossary_alternatives(unit, glossary)
    meaningful = [u for u in units if not _common(u)]
    # The same word twice asks nothing more; each distinct word costs a pass over the documents.
    meaningful = list({tuple(u.alternatives): u for u in meaningful}.values())
    if len(meaningful) > MOST_WORDS:
        raise QueryProblem(f"the search text has {len(meaningful):,} different words and phrases; use at most {MOST_WORDS}")
    if not meaningful:
        common = ", ".join(repr(u.label) for u in units) or repr(raw.strip())
        raise QueryProblem(f"the search text holds only common words ({common}); add a word that says what you are looking for")
    return meaningful


def _common(unit: Unit) -> bool:
    """A stop word, or a single letter or digit typed alone: it says nothing and matches nearly every place."""
    if len(unit.alternatives) != 1 or unit.alternatives[0][0] != "term":
        return False
    term = unit.alternatives[0][1]
    return term in STOP_WORDS or len(term) == 1


def _with_glossary(plain: list[tuple[str, tuple[str, ...]]], glossary: list[tuple[str, list[tuple[str, ...]]]]) -> list[Unit]:
    """A run of typed words that spells out a glossary expansion becomes one unit: the expansion or the abbreviation."""
    units: list[Unit] = []
    # Tokens left from each word on: an expansion longer than that cannot start there, and is not tried.
    left = [0] * (len(plain) + 1)
    for position in range(len(plain) - 1, -1, -1):
        left[position] = left[position + 1] + len(plain[position][1])
    index = 0
    while index < len(plain):
        matched = None
        for term, expansions in glossary:
            for expansion in expansions:
                end = _spelled_out(plain, index, expansion) if len(expansion) <= left[index] else None
                if end is not None:
                    matched = (term, end)
                    break
            if matched:
                break
        if matched:
            term, end = matched
            label = " ".join(word for word, _ in plain[index:end])
            units.append(Unit([("term", term)], label))
            index = end
            continue
        word, word_parts = plain[index]
        alternatives: list[tuple[str, Any]] = [("term", joined(word))]
        if len(word_parts) > 1:  # 'clinical-trials' also finds "clinical trials", as 'anti tumor' finds "anti-tumor"
            alternatives.append(("phrase", tuple(word_parts)))
        units.append(Unit(alternatives, word))
        index += 1
    return units


def _spelled_out(plain: list[tuple[str, tuple[str, ...]]], index: int, expansion: tuple[str, ...]) -> int | None:
    """Where the typed words from ``index`` end if they spell out ``expansion`` exactly, word by word; None at the
    first word that differs (comparing as it goes, so a long expansion costs only as far as it matches)."""
    done, end = 0, index
    while done < len(expansion):
        word_parts = plain[end][1]
        if expansion[done : done + len(word_parts)] != tuple(word_parts):
            return None
        done += len(word_parts)
        end += 1
    return end if end > index else None


def _add_glossary_alternatives(unit: Unit, glossary: list[tuple[str, list[tuple[str, ...]]]]) -> None:
    for kind, value in list(unit.alternatives):
        for term, expansions in glossary:
            if (kind == "term" and value == term) or (kind == "phrase" and (value in expansions or value == (term,))):
                unit.alternatives += [("term", term)] + [("phrase", e) for e in expansions]
    unit.alternatives = list(dict.fromkeys(unit.alternatives))


def glossary_of(index: Index) -> list[tuple[str, list[tuple[str, ...]]]]:
    """(abbreviation as a term, expansions as token tuples) for each glossary entry."""
    found = []
    for entry in index.frame.glossary:
        expansions = [tuple(p for w in _WORD.findall(e) for p in parts(w)) for e in entry.expansions]
        expansions = [expansion for expansion in expansions if expansion]  # one with no words would match nothing, everywhere
        if joined(entry.term) and expansions:
            found.append((joined(entry.term), expansions))
    return found


# -- the documents ----------------------------------------------------------------


class Doc:
    """One searchable thing (its kind and id say which; ``hit_fields`` gives what a hit on it shows) and its weighted fields."""

    __slots__ = ("fields", "key", "kind", "themes")

    def __init__(self, kind: str, key: str, fields: list[tuple[str, str]], themes: list[str]) -> None:
        self.kind = kind
        self.key = key
        self.fields = [(name, text) for name, text in fields if text]
        self.themes = themes


def documents(index: Index) -> list[Doc]:
    """Every contribution, person, organisation and session, the panel and the forum's own facts: everything a view shows.

    In this order, which the query store numbers its documents by (``DOCUMENT_GROUPS``)."""
    theme_text = theme_texts(index)
    docs = [contribution_document(index, contribution, theme_text) for contribution in index.contributions]
    docs += [person_document(index, slug) for slug in index.article_order]
    docs += [organisation_document(index, organisation) for organisation in index.forum.organisations]
    docs += [session_document(index, session) for session in index.forum.sessions]
    docs.append(forum_document(index))
    if index.forum.panel:
        docs.append(panel_document(index, index.forum.panel))
    return docs


# The documents' groups, in the order ``documents`` lists them: a store finds document N by counting through them.
DOCUMENT_GROUPS = ("contribution", "person", "organisation", "session", "forum", "panel")


def theme_texts(index: Index) -> dict[str, str]:
    """Each theme as a document's ``themes`` field shows it: its label, and its aliases in brackets."""
    return {t.id: f"{t.label} ({', '.join(t.aliases)})" if t.aliases else t.label for t in index.frame.themes}


def contribution_document(index: Index, contribution: Contribution, theme_text: dict[str, str]) -> Doc:
    item = contribution.item
    speaker = item.speaker
    if isinstance(speaker, str):
        person = index.people[speaker]
        name, affiliations = person.name, "\n".join(affiliation_lines(index, person))
    else:
        name, affiliations = speaker.as_written, ""
    themes = contribution.themes
    fields = [
        ("title", contribution.title or ""),
        ("topic", contribution.topic or ""),
        *((detail.field, getattr(item, detail.field, None) or "") for detail in model.details()),
        ("name", name),
        ("key_points", "\n".join(one_line(p.text) for p in item.key_points)),
        ("mentions", "\n".join(index.organisations[o].name for o in item.organisations)),
        ("affiliations", affiliations),
        ("summary", one_line(item.summary)),
        ("role", KIND_LABEL[contribution.kind]),
        ("themes", "\n".join(theme_text[t] for t in themes)),
    ]
    return Doc(contribution.kind, item.id, fields, themes)


def person_document(index: Index, slug: str) -> Doc:
    person = index.people[slug]
    roles, possible = index.roles[slug]
    fields = [
        ("name", person.name),
        ("honorific", person.honorific or ""),  # as the views print it: "Professor", "Dr."
        ("affiliations", "\n".join(affiliation_lines(index, person))),
        ("role", "\n".join([*roles, *(f"possibly {r}" for r in possible)])),
    ]
    return Doc("person", slug, fields, [])


def organisation_document(index: Index, organisation: model.Organisation) -> Doc:
    people = "\n".join(f"{p.name}, {position}" for p, position in index.affiliated_with(organisation.id))
    fields = [
        ("name", organisation.name),
        ("kind", organisation.kind.value),
        ("people", people),
        ("note", organisation.note.text if organisation.note else ""),
    ]
    return Doc("organisation", organisation.id, fields, [])


def session_document(index: Index, session: model.Session) -> Doc:
    moderator = session.moderator
    who = index.people[moderator].name if isinstance(moderator, str) else moderator.as_written
    return Doc("session", session.id, [("name", session.name), ("people", who), ("role", "session moderator")], [])


def forum_document(index: Index) -> Doc:
    info = index.frame.forum
    facts = [
        ("name", info.name),
        # The article gives the conference's name, city and date (line 3), not a title or a city of the forum's own.
        ("conference", info.conference),
        ("conference_city", info.city),
        ("participants", info.participants or ""),
        ("aims", "\n".join(info.aims)),
        # The curator's note on the organisers, which the summary prints: search covers what the views show.
        ("note", info.organisers.note.text if info.organisers.note else ""),
    ]
    return Doc("forum", "forum", facts, [])


def panel_document(index: Index, panel: model.Panel) -> Doc:
    moderator = panel.moderator
    panel_people = [index.people[moderator].name if isinstance(moderator, str) else moderator.as_written]
    panel_people += [index.people[slug].name for slug in panel.panelists]
    role = "panel moderator" if isinstance(moderator, str) else "panel moderator (not identified)"
    fields = [("title", panel.title), ("people", "\n".join(panel_people)), ("role", f"panel discussion\n{role}\npanelists")]
    return Doc("panel", panel.id, fields, [])


def with_article_lines(index: Index, docs: list[Doc], article: ArticleLines) -> None:
    """Give each contribution the article lines it alone cites, after its own fields: "article line 11", the line's words.

    A line several contributions cite (line 15 holds the whole panel: five people's remarks and the closing words)
    is no one contribution's words, so it is a document of its own, kind "article line", whose hit names the
    contributions that cite it; none of them holds it. Weighed as a summary is. A line the article does not have,
    or a blank one, adds nothing."""
    citing = citing_contributions(index)
    for doc in docs:
        if doc.kind in KIND_LABEL:
            for number in dict.fromkeys(index.contribution_by_id[doc.key].item.source_paragraphs):
                text = article.line(number)
                if text and text.strip() and len(citing[number]) == 1:
                    doc.fields.append((f"{ARTICLE_FIELD} {number}", text))
    for number, cited_by in citing.items():
        text = article.line(number)
        if text and text.strip() and len(cited_by) > 1:
            docs.append(Doc(ARTICLE_KIND, f"{ARTICLE_ID}{number}", [(f"{ARTICLE_FIELD} {number}", text)], []))


def citing_contributions(index: Index) -> dict[int, list[str]]:
    """Each article line a contribution cites, in line order, and the contributions citing it, in the article's order."""
    citing: dict[int, list[str]] = {}
    for contribution in index.contributions:
        for number in dict.fromkeys(contribution.item.source_paragraphs):
            citing.setdefault(number, []).append(contribution.id)
    return dict(sorted(citing.items()))


def _listed(ids: list[str]) -> str:
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def hit_fields(index: Index, kind: str, key: str, citing: dict[int, list[str]] | None = None) -> dict[str, Any]:
    """The person or contribution fields a hit on the document (kind, key) shows. ``citing``: what
    ``citing_contributions`` gives, worked out once for all the hits of a search rather than once per hit."""
    frame = index.frame
    if kind == ARTICLE_KIND:  # a line several contributions cite: the article's words, and who cites them
        number = int(key.removeprefix(ARTICLE_ID))
        cited_by = (citing if citing is not None else citing_contributions(index)).get(number, [])
        return {**_thing_fields(f"the article, cited by {_listed(cited_by)}", [number]), "cited_by": cited_by}
    if kind in KIND_LABEL:
        contribution = index.contribution_by_id[key]
        item = contribution.item
        return {
            **speaker_fields(index, item.speaker),
            "title": contribution.title,
            "topic": contribution.topic,
            "source_paragraphs": list(item.source_paragraphs),
        }
    if kind == "person":
        return {
            **speaker_fields(index, key),
            "title": None,
            "topic": None,
            "source_paragraphs": list(index.people[key].source_paragraphs),
        }
    if kind == "organisation":
        organisation = index.organisations[key]
        return _thing_fields(organisation.name, organisation.source_paragraphs)
    if kind == "session":
        session = index.session(key)
        return {
            **speaker_fields(index, session.moderator),
            # "First session" is the curator's name for what the article calls "the first session", never a title.
            "title": None,
            "topic": session.name,
            "source_paragraphs": list(session.source_paragraphs),
        }
    if kind == "forum":
        return _thing_fields(frame.forum.name, frame.forum.source_paragraphs)
    panel = frame.panel
    assert kind == "panel" and panel is not None
    return {
        **speaker_fields(index, panel.moderator),
        "title": panel.title,
        "topic": None,
        "source_paragraphs": list(panel.source_paragraphs),
    }


def _thing_fields(name: str, lines: Any) -> dict[str, Any]:
    return {
        "slug": None,
        "name": name,
        "honorific": None,
        "positions": [],
        "organisations": [],
        "organisation_ids": [],
        "speaker_candidates": [],
        "title": None,
        "topic": None,
        "source_paragraphs": list(lines),
    }


# -- matching ------------------------------------------------------------------


class _Tokens:
    """A field's words: spans in the original text, the terms each answers to, and its parts in order (for phrases)."""

    __slots__ = ("_forms", "_sequence", "spans", "words")

    def __init__(self, text: str) -> None:
        found = list(_WORD.finditer(text))
        self.spans: list[tuple[int, int]] = [match.span() for match in found]
        self.words: list[str] = [match.group() for match in found]
        self._forms: list[frozenset[str]] | None = None
        self._sequence: list[tuple[str, int]] | None = None

    @property
    def forms(self) -> list[frozenset[str]]:
        if self._forms is None:
            self._forms = list(map(word_forms, self.words))  # word_forms is cached: words repeat
        return self._forms

    @property
    def sequence(self) -> list[tuple[str, int]]:
        """(part, index of its word), for phrases only."""
        if self._sequence is None:
            self._sequence = [(part, number) for number, word in enumerate(self.words) for part in parts(word)]
        return self._sequence


def _matches(alternative: tuple[str, Any], text: str, tokens: _Tokens, folded: tuple[str, list[int]] | None) -> list[tuple[int, int]]:
    """Spans in ``text`` where one alternative occurs: every one (``Field.matches`` counts them all but keeps the first
    SPANS_KEPT; this is the plain definition it is tested against)."""
    kind, value = alternative
    if kind == "term":
        return [span for span, forms in zip(tokens.spans, tokens.forms) if value in forms]
    if kind == "phrase":
        found = []
        size = len(value)
        sequence = tokens.sequence
        for start in range(len(sequence) - size + 1):
            if all(sequence[start + offset][0] == value[offset] for offset in range(size)):
                first, last = sequence[start][1], sequence[start + size - 1][1]
                found.append((tokens.spans[first][0], tokens.spans[last][1]))
        return found
    assert folded is not None
    return _cjk_spans(value, *folded)[1]


def _cjk_spans(value: str, folded_text: str, origin: list[int]) -> tuple[int, list[tuple[int, int]]]:
    """How often Chinese text occurs in the folded text (without overlapping), and the first SPANS_KEPT spans."""
    found: list[tuple[int, int]] = []
    count = 0
    position = folded_text.find(value)
    while position != -1:
        end = position + len(value)
        count += 1
        if len(found) < SPANS_KEPT:
            found.append((origin[position], origin[end - 1] + 1))
        position = folded_text.find(value, end)
    return count, found


def phrase_table(units: list[Unit]) -> dict[str, str]:
    """One character for each word of the query's phrases (U+0001 on): a field's parts written one character each
    (any other word is U+0000) hold a phrase where they hold its characters, which ``str.find`` finds in one pass."""
    words = dict.fromkeys(part for unit in units for kind, value in unit.alternatives if kind == "phrase" for part in value)
    return {word: chr(number) for number, word in enumerate(words, 1)}


def _bordered(needle: str) -> bool:
    """Whether a proper prefix of ``needle`` is also its suffix: only then can two of its occurrences overlap."""
    return any(needle[:size] == needle[-size:] for size in range(1, len(needle)))


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """The case-folded text, and for each of its characters the index of the character it came from.

    Case folding can change length (ß becomes ss, ﬁ becomes fi), so offsets found in
    the folded text are mapped back before they are used to highlight the original.
    """
    out: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        piece = unicodedata.normalize("NFKC", character).casefold()
        out.append(piece)
        origin += [index] * len(piece)
    return "".join(out), origin


class _Match:
    __slots__ = ("counts", "doc", "length", "spans")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.counts: dict[str, list[int]] = {}  # field -> occurrences per unit
        self.spans: dict[str, list[tuple[int, int]]] = {}
        self.length = 0


def match_units(doc: Doc, units: list[Unit], fields: list[Field] | None = None, table: dict[str, str] | None = None) -> _Match | None:
    """What every unit matches in each field of the document, or None when a unit matches nowhere. ``fields``: the
    document's fields as ``Field``s already made for this query (so each is tokenised and folded once), ``table``:
    the query's ``phrase_table``."""
    found = _Match(doc)
    seen = [False] * len(units)
    if table is None:
        table = phrase_table(units)
    for position, (name, text) in enumerate(doc.fields):
        found.length += len(text.split())
        field = fields[position] if fields is not None else Field(text)
        counts = []
        spans: list[tuple[int, int]] = []
        classification = name in CLASSIFICATION_FIELDS
        for number, unit in enumerate(units):
            count = 0
            for alternative in unit.alternatives if not (unit.quoted and classification) else ():
                times, here = field.found(alternative, table)
                count += times
                spans += here
            counts.append(count)
            seen[number] = seen[number] or bool(count)
        found.counts[name] = counts
        found.spans[name] = spans
    return found if all(seen) else None


class Field:
    """One field's text, tokenised only when a query may find something in it.

    A term is looked for only in a field that ``may_hold`` it (a few passes over
    the text, none of them backtracking); such a field is tokenised once, in one
    pass, and every query alternative then reads its words.
    """

    __slots__ = ("_coded", "_folded", "_origin", "_thinned", "_tokens", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._folded: str | None = None
        self._thinned: str | None = None
        self._tokens: _Tokens | None = None
        self._origin: tuple[str, list[int]] | None = None
        self._coded: tuple[dict[str, str], str] | None = None  # (the query's phrase table, the parts written with it)

    @property
    def tokens(self) -> _Tokens:
        if self._tokens is None:
            self._tokens = _Tokens(self.text)
        return self._tokens

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = normalized(self.text).casefold()
        return self._folded

    @property
    def thinned(self) -> str:
        if self._thinned is None:
            self._thinned = self.folded.translate(_SKELETON)
        return self._thinned

    def matches(self, alternative: tuple[str, Any], table: dict[str, str] | None = None) -> list[tuple[int, int]]:
        """Where the alternative occurs, as ``_matches`` finds it (the first SPANS_KEPT spans)."""
        return self.found(alternative, table)[1]

    def found(self, alternative: tuple[str, Any], table: dict[str, str] | None = None) -> tuple[int, list[tuple[int, int]]]:
        """How often the alternative occurs here, and its first SPANS_KEPT spans. ``table``: the query's
        ``phrase_table`` (one made for this phrase alone when not given). In time linear in the field, whatever it holds."""
        kind, value = alternative
        if kind == "cjk":
            if value not in self.folded:  # the same folding as the query's: nothing to map back
                return 0, []
            if self._origin is None:
                self._origin = _fold_with_origin(self.text)
            return _cjk_spans(value, *self._origin)
        if not may_hold(self.folded, lambda: self.thinned, value if kind == "term" else value[0]):
            return 0, []
        tokens = self.tokens
        if kind == "term":
            every = [span for span, forms in zip(tokens.spans, tokens.forms) if value in forms]
            return len(every), every[:SPANS_KEPT]
        if table is None or any(part not in table for part in value):
            table = {part: chr(number) for number, part in enumerate(dict.fromkeys(value), 1)}
        if self._coded is None or self._coded[0] is not table:
            self._coded = (table, "".join([table.get(part, "\0") for part, _ in tokens.sequence]))
        coded = self._coded[1]
        needle = "".join(table[part] for part in value)
        if not _bordered(needle):  # occurrences cannot overlap: counted in C
            count = coded.count(needle)
            if not count:
                return 0, []
        else:
            count = -1
        spans: list[tuple[int, int]] = []
        found = 0
        position = coded.find(needle)
        while position != -1 and (count == -1 or len(spans) < SPANS_KEPT):
            found += 1
            if len(spans) < SPANS_KEPT:
                first, last = tokens.sequence[position][1], tokens.sequence[position + len(value) - 1][1]
                spans.append((tokens.spans[first][0], tokens.spans[last][1]))
            position = coded.find(needle, position + 1)  # a phrase may overlap itself ("tumor tumor" in three)
        return (found if count == -1 else count), spans


def _needles(units: list[Unit]) -> list[list[tuple[str, ...]]]:
    """For each unit, one test per alternative, any of which a matching document must pass: a cheap first filter."""
    # Every distinct word of a phrase must be there; a term must be there itself; Chinese text as written.
    return [[tuple(dict.fromkeys(value)) if kind == "phrase" else (value,) for kind, value in unit.alternatives] for unit in units]


def could_match(doc: Doc, units: list[Unit], needles: list[list[tuple[str, ...]]]) -> bool:
    """The cheap first filter: False only when ``_match`` would certainly find nothing. Each distinct word is looked
    for once, however many phrases hold it."""
    folded = normalized("\n".join(text for _, text in doc.fields)).casefold()
    thinned = functools.cache(lambda: folded.translate(_SKELETON))
    held: dict[str, bool] = {}

    def holds(word: str) -> bool:
        if word not in held:
            held[word] = may_hold(folded, thinned, word)
        return held[word]

    for unit, options in zip(units, needles):
        for (kind, _), needle in zip(unit.alternatives, options):
            if (needle[0] in folded) if kind == "cjk" else all(holds(word) for word in needle):
                break
        else:
            return False
    return True


# -- search ------------------------------------------------------------------------

HIT_KEYS = [
    "rank",
    "score",
    "kind",
    "id",
    "title",
    "topic",
    "slug",
    "name",
    "honorific",
    "positions",
    "organisations",
    "speaker_candidates",
    "field",
    "snippet",
    "highlights",
    "themes",
    "source_paragraphs",
]


class Results:
    __slots__ = ("corrected", "hits", "scores", "total")

    def __init__(self, hits: Iterable[dict[str, Any]], total: int, corrected: str | None = None, scores: list[float] | None = None) -> None:
        self.hits = hits
        self.total = total
        self.corrected = corrected  # the query actually run, when a typo was corrected
        # Every hit's score as its row gives it, in rank order, shown or not: a congress ranks every forum's hits
        # together by these, and makes the rows of only those it shows.
        self.scores = scores if scores is not None else []


def shown_score(score: float) -> float:
    """A hit's score as its row gives it."""
    return round(score, 3)


class ArticleLines(Protocol):
    """The source article (``provenance.Article``): its lines, numbered from 1 as citations count them."""

    def line(self, number: int) -> str | None: ...


ARTICLE_FIELD = "article line"  # a hit in the article's own words: its field is "article line 11"
ARTICLE_KIND = "article line"  # a hit on a line several contributions cite: its kind, and its id is "article-line-15"
ARTICLE_ID = "article-line-"
SOURCE_HIT_KEYS = [*HIT_KEYS, "cited_by"]  # with --source: the contributions citing a shared line ([] on any other hit)


def hit_keys(article: ArticleLines | None) -> list[str]:
    """The keys of a hit: with the article, also ``cited_by``."""
    return SOURCE_HIT_KEYS if article is not None else HIT_KEYS


def search(
    index: Index, words: list[str], theme: str | None = None, limit: int | None = None, article: ArticleLines | None = None
) -> Results:
    """Hits for the query, ranked. With the article, each contribution also holds the lines it cites, as fields of
    their own ("article line 11"), matched and ranked like every other field; the query store does not hold the
    article, so the documents are then matched here, in the same single pass."""
    glossary = glossary_of(index)
    units = parse_query(words, glossary)
    # A store ranks its own documents; with the article, or without a store, every document is matched here.
    engine = index.search_engine() if article is None else None
    if engine is None:
        engine = _MemoryEngine(index, article)
    results = engine.run(units, theme, limit)
    if results.total or not any(kind == "term" for unit in units for kind, _ in unit.alternatives):
        return results
    corrected = _corrections(engine, units)
    if corrected is None:
        return results
    better, label = corrected
    retry = engine.run(better, theme, limit)
    retry.corrected = label if retry.total else None
    return retry if retry.total else results


class SearchEngine:
    """Where the documents are: matches, ranks and knows the vocabulary (in memory here, or a store's, ``store/ranking.py``)."""

    def run(self, units: list[Unit], theme: str | None, limit: int | None) -> Results:
        raise NotImplementedError

    def knows(self, term: str) -> bool:
        raise NotImplementedError

    def near(self, term: str) -> list[str]:
        """The first COMPARED_AT_MOST words, in order, that start with the term's letter and are within two of its length."""
        raise NotImplementedError


class _MemoryEngine(SearchEngine):
    """A loaded forum: every document is matched and scored here."""

    def __init__(self, index: Index, article: ArticleLines | None = None) -> None:
        self.index = index
        self.docs = documents(index)
        self.article = article is not None  # hits then also say which contributions cite a shared line
        if article is not None:
            with_article_lines(index, self.docs, article)
        self._vocabulary: set[str] | None = None

    def run(self, units: list[Unit], theme: str | None, limit: int | None) -> Results:
        return _run(self.index, self.docs, units, theme, limit, cited=self.article)

    @property
    def vocabulary(self) -> set[str]:
        if self._vocabulary is None:
            # A word never holds white space, so the words of a text are those of its white-space-separated chunks:
            # split (in C) and tokenise each distinct chunk once, rather than running the word pattern over all the text
            # again. This is what a search that matched nothing (and so tries a correction) pays for.
            chunks: set[str] = set()
            for doc in self.docs:
                for _, text in doc.fields:
                    chunks.update(text.split())
            written = {word for chunk in chunks for word in _WORD.findall(chunk)}
            self._vocabulary = {term for word in written for term in word_forms(word)}
        return self._vocabulary

    def knows(self, term: str) -> bool:
        return term in self.vocabulary

    def near(self, term: str) -> list[str]:
        return sorted(w for w in self.vocabulary if abs(len(w) - len(term)) <= 2 and w[:1] == term[:1])[:COMPARED_AT_MOST]


def doubled_weights(doc: Doc, forms: dict[str, frozenset[str]]) -> dict[str, list[int]]:
    """term -> [twice its weighted count in people's words, in our classification]: what the query store indexes.

    Twice, because every field weight is a whole or a half: the counts stay whole numbers, stored exactly.
    ``forms`` keeps each word's terms once worked out, across documents (a build indexes thousands)."""
    from collections import Counter

    found: dict[str, list[int]] = {}
    for name, text in doc.fields:
        weight = _doubled_weight(name)
        slot = 1 if name in CLASSIFICATION_FIELDS else 0
        for word, times in Counter(_WORD.findall(text)).items():  # a word's forms are the same wherever it occurs
            terms = forms.get(word)
            if terms is None:
                terms = forms[word] = word_forms(word)
            added = weight * times
            for term in terms:
                entry = found.get(term)
                if entry is None:
                    entry = found[term] = [0, 0]
                entry[slot] += added
    return found


@functools.cache
def _doubled_weight(field: str) -> int:
    doubled = FIELD_WEIGHTS.get(field, 1.0) * 2
    if doubled != int(doubled):
        raise ValueError(f"the weight of {field!r} is not a whole number or a half")
    return int(doubled)


def document_length(doc: Doc) -> int:
    """The document's length for BM25: its words, split at white space, in every field."""
    return sum(len(text.split()) for _, text in doc.fields)


def idf_of(documents: int, matched: int) -> float:
    """BM25's inverse document frequency: every matched document holds every unit, so each unit's is the same."""
    return math.log(1 + (documents - matched + 0.5) / (matched + 0.5))


def bm25(idf: float, weights: list[float], length: int, average: float) -> float:
    """A document's score: ``weights`` is each unit's weighted count in it, ``length`` its words, ``average`` the mean."""
    score = 0.0
    for weighted in weights:
        score += idf * weighted * (K1 + 1) / (weighted + K1 * (1 - B + B * max(length, 1) / max(average, 1)))
    return score


def _run(index: Index, docs: list[Doc], units: list[Unit], theme: str | None, limit: int | None, cited: bool = False) -> Results:
    needles = _needles(units)
    table = phrase_table(units)
    matched: list[_Match] = []
    total_length = 0
    for doc in docs:
        total_length += sum(len(text.split()) for _, text in doc.fields)
        if theme and theme not in doc.themes:
            continue
        if not could_match(doc, units, needles):
            continue
        found = match_units(doc, units, table=table)
        if found is not None:
            matched.append(found)
    if not matched:
        return Results([], 0)
    average = total_length / max(len(docs), 1)
    # Every matched document holds every unit, so each unit's document frequency is the number matched.
    idf = idf_of(len(docs), len(matched))
    scored = []
    for order, found in enumerate(matched):
        weights = [
            sum(FIELD_WEIGHTS.get(name, 1.0) * counts[number] for name, counts in found.counts.items()) for number in range(len(units))
        ]
        scored.append((bm25(idf, weights, found.length, average), order, found))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    shown = scored if limit is None else scored[:limit]
    citing = citing_contributions(index) if cited else None  # once for the search, not once per hit
    # Each row made as it is used: a congress makes those of the hits it shows, of every forum's.
    rows = (hit_row(index, rank, score, found, cited, citing) for rank, (score, _, found) in enumerate(shown, 1))
    return Results(rows, len(scored), scores=[shown_score(score) for score, _, _ in scored])


def _corrections(engine: SearchEngine, units: list[Unit]) -> tuple[list[Unit], str] | None:
    """The query with each term no document holds replaced by the nearest word the documents do hold."""
    changed = False
    better: list[Unit] = []
    labels: list[str] = []
    tried = 0
    work = [CORRECTION_WORK]
    for unit in units:
        kind, value = unit.alternatives[0]
        if (
            len(unit.alternatives) == 1
            and kind == "term"
            and len(value) <= CORRECTED_LONGEST
            and tried < CORRECTED_AT_MOST
            and not engine.knows(value)
        ):
            tried += 1
            close = _closest(value, engine.near(value), work)
            if close is not None:
                better.append(Unit([("term", close)], close))
                labels.append(close)
                changed = True
                continue
        better.append(unit)
        labels.append(unit.label)
    return (better, " ".join(labels)) if changed else None


def _closest(term: str, candidates: list[str], work: list[int], cutoff: float = 0.75) -> str | None:
    """``difflib.get_close_matches(term, candidates, n=1, cutoff=cutoff)``, the same word, while ``work[0]`` (pairs
    of characters compared, spent here) lasts: a candidate that would overspend it ends the search."""
    import difflib

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(term)
    best: tuple[float, str] | None = None
    for word in candidates:
        matcher.set_seq1(word)
        if matcher.real_quick_ratio() < cutoff or matcher.quick_ratio() < cutoff:
            continue
        work[0] -= len(term) * len(word)
        if work[0] < 0:
            break
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, word) > best):  # get_close_matches keeps the largest pair
            best = (score, word)
    return None if best is None else best[1]


def hit_row(
    index: Index, rank: int, score: float, found: _Match, cited: bool = False, citing: dict[int, list[str]] | None = None
) -> dict[str, Any]:
    """One hit's row; ``cited`` (with the article) adds ``cited_by``: who cites a shared line, [] for any other hit."""
    doc = found.doc
    best, text, spans = _shown_field(found)
    snippet, highlights = _snippet(text, spans)
    row = hit_fields(index, doc.kind, doc.key, citing)
    return {
        "rank": rank,
        "score": shown_score(score),
        "kind": doc.kind,
        "id": doc.key,
        "title": row.get("title"),
        "topic": row.get("topic"),
        "slug": row.get("slug"),
        "name": row.get("name"),
        "honorific": row.get("honorific"),
        "positions": row.get("positions", []),
        "organisations": row.get("organisations", []),
        "speaker_candidates": row.get("speaker_candidates", []),
        "field": best,
        "snippet": snippet,
        "highlights": highlights,
        "themes": list(doc.themes),
        "source_paragraphs": row.get("source_paragraphs", []),
        **({"cited_by": row.get("cited_by", [])} if cited else {}),
    }


def _shown_field(found: _Match) -> tuple[str, str, list[tuple[int, int]]]:
    """The field a hit names, its text and its matches: the one that holds the most distinct query units, then the
    most weighted matches, then the first in the document's order. Fields in ``SHOWN_TOGETHER`` are also a candidate
    as one ("honorific name": "Professor Ma Jun") when together they hold more units than each alone.

    Read from what the match counted and where: no field is matched again."""
    texts = dict(found.doc.fields)
    # (distinct units, weighted matches, -position) -> the field's name, text and spans; max keeps the first of equals.
    candidates: list[tuple[tuple[int, float, int], str, str, list[tuple[int, int]]]] = []
    for position, (name, counts) in enumerate(found.counts.items()):
        rank = (sum(1 for count in counts if count), FIELD_WEIGHTS.get(name, 1.0) * sum(counts), -position)
        candidates.append((rank, name, texts[name], found.spans[name]))
    by_name = {candidate[1]: candidate for candidate in candidates}
    for group in SHOWN_TOGETHER:
        if not all(name in by_name for name in group):
            continue
        members = [by_name[name] for name in group]
        held = sum(1 for counts in zip(*(found.counts[name] for name in group)) if any(counts))
        if held <= max(rank[0] for rank, *_ in members):
            continue
        text, spans = "", []
        for _, _, member_text, member_spans in members:
            shift = len(text) + 1 if text else 0
            text = f"{text} {member_text}" if text else member_text
            spans += [(start + shift, end + shift) for start, end in member_spans]
        rank = (held, sum(rank[1] for rank, *_ in members), max(rank[2] for rank, *_ in members))
        candidates.append((rank, " ".join(group), text, spans))
    _, name, text, spans = max(candidates, key=lambda candidate: candidate[0])
    return name, text, spans


def _snippet(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[list[int]]]:
    """A window around the first match, within its line (one key point, one theme), with highlight offsets into it.

    The line is the one that holds the most matches, the first of those. It is found from the matches' offsets,
    carried from the match: each match's line ends at the nearest line breaks either side of it, so the field is
    never re-read from its start, and nothing outside the window is copied."""
    spans = sorted(set(spans))
    line_start, line_end = 0, len(text)
    if spans:
        best = (0, 0, 0, 0, 0)  # (matches, line start, line end, first and one past the last of its spans)
        start_here, end_here, first, count = 0, -1, 0, 0
        for number, (start, _) in enumerate(spans):
            if start > end_here:  # a match on a later line: the line before is complete
                if count > best[0]:
                    best = (count, start_here, end_here, first, number)
                start_here = text.rfind("\n", max(end_here, 0), start) + 1
                end_here = text.find("\n", start)
                end_here = len(text) if end_here == -1 else end_here
                first, count = number, 0
            count += 1
        if count > best[0]:
            best = (count, start_here, end_here, first, len(spans))
        _, line_start, line_end, first, last = best
        spans = [(start - line_start, end - line_start) for start, end in spans[first:last] if end <= line_end]
    length = line_end - line_start
    if length <= SNIPPET_CHARS or not spans:
        window_start, window_end = 0, min(length, SNIPPET_CHARS)
    else:
        first = spans[0][0]
        window_start = max(0, min(first - SNIPPET_CHARS // 3, length - SNIPPET_CHARS))
        if window_start:  # start on a word, not inside one
            space = text.find(" ", line_start + window_start, line_start + first)
            window_start = space - line_start + 1 if space != -1 else first
        window_end = min(length, window_start + SNIPPET_CHARS)
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < length else ""
    snippet = prefix + text[line_start + window_start : line_start + window_end].replace("\n", " ") + suffix
    shift = len(prefix) - window_start
    highlights = [[start + shift, end + shift] for start, end in spans if start >= window_start and end <= window_end]
    return snippet, highlights
