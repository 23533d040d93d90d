"""Ranked full-text search over everything said at the forum (BM25 over weighted fields).

Matching is forgiving the way a search box should be: case-, punctuation- and
hyphen-insensitive (``pd1`` finds "PD-1"), plural-insensitive (``checkpoints``
finds "checkpoint"), and substring-based for Chinese text, which has no spaces.
A quoted phrase must appear as written, modulo case and punctuation.
"""

from __future__ import annotations

import functools
import math
import re
import shlex
from typing import Any

from .query import ForumIndex

# Field weights: a hit in a title or key point says more than one in passing text.
FIELD_WEIGHTS = {
    "title": 3.0,
    "topic": 3.0,
    "name": 3.0,
    "key_points": 2.0,
    "organisations": 2.0,
    "affiliations": 1.5,
    "summary": 1.0,
}
K1 = 1.2
B = 0.75
SNIPPET_CHARS = 160

_WORD = re.compile(r"[^\W_]+(?:[-'’.&][^\W_]+)*")
_PUNCT = re.compile(r"[\W_]+")
# Scripts written without spaces (CJK punctuation and ideographs, Hangul, compatibility
# ideographs): a query word holding any is matched as a substring. A range test, not
# a regex: compiling a character class this wide costs milliseconds at start-up.
_CJK_RANGES = ((0x3000, 0x9FFF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF))


def _has_cjk(word: str) -> bool:
    return not word.isascii() and any(low <= ord(character) <= high for character in word for low, high in _CJK_RANGES)


def stem(word: str) -> str:
    """Fold simple English plurals so 'checkpoints' meets 'checkpoint' and 'therapies' meets 'therapy'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def word_forms(word: str) -> set[str]:
    """A written word's searchable forms: 'PD-L1' gives pdl1, pd and l1; 'non-small' gives nonsmall, non and small."""
    folded = word.casefold()
    parts = [p for p in _PUNCT.split(folded) if p]
    forms = {stem("".join(parts))}
    if len(parts) > 1:
        forms.update(stem(p) for p in parts)
    return forms


def query_term(word: str) -> str:
    """A query word's one form: compounds are joined, so `PD-1` and `pd1` ask the same."""
    return stem("".join(p for p in _PUNCT.split(word.casefold()) if p))


def _squash(text: str) -> str:
    return _PUNCT.sub("", text.casefold())


def _spaced(text: str) -> str:
    return " ".join(p for p in _PUNCT.split(text.casefold()) if p)


class Query:
    """A parsed query (a plain class: ``dataclasses`` is a start-up cost the CLI does not need)."""

    __slots__ = ("terms", "cjk", "phrases")

    def __init__(self, terms: list[str] | None = None, cjk: list[str] | None = None, phrases: list[str] | None = None) -> None:
        self.terms: list[str] = terms if terms is not None else []  # single words, in their query_term form
        self.cjk: list[str] = cjk if cjk is not None else []  # Chinese (etc.) strings, matched as substrings
        self.phrases: list[str] = phrases if phrases is not None else []  # quoted phrases, in their _spaced form

    def __repr__(self) -> str:
        return f"Query(terms={self.terms!r}, cjk={self.cjk!r}, phrases={self.phrases!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Query):
            return NotImplemented
        return (self.terms, self.cjk, self.phrases) == (other.terms, other.cjk, other.phrases)

    @property
    def empty(self) -> bool:
        return not (self.terms or self.cjk or self.phrases)


def parse_query(words: list[str]) -> Query:
    """Words are all required; text in double quotes is a phrase."""
    try:
        pieces = shlex.split(" ".join(words), posix=True) if any('"' in w for w in words) else None
    except ValueError:
        pieces = None
    query = Query()
    raw = " ".join(words)
    if pieces is not None:
        for phrase in re.findall(r'"([^"]+)"', raw):
            if _spaced(phrase):
                query.phrases.append(_spaced(phrase))
        raw = re.sub(r'"[^"]*"', " ", raw)
    for word in raw.split():
        if _has_cjk(word):
            query.cjk.append(word.casefold())
            continue
        for piece in _WORD.findall(word) or []:
            term = query_term(piece)
            if term and term not in query.terms:
                query.terms.append(term)
    return query


_CONTRIBUTION_FIELDS = ("title", "name", "key_points", "organisations", "affiliations", "summary")
_TOPIC_FIELDS = ("topic",) + _CONTRIBUTION_FIELDS[1:]
_PERSON_FIELDS = ("name", "affiliations")


class _Doc:
    """One searchable thing: its weighted fields' text, and what to build its display row from."""

    __slots__ = ("kind", "key", "names", "texts", "themes", "source")

    def __init__(self, kind: str, key: str, names: tuple[str, ...], texts: tuple[str, ...], themes: Any, source: Any) -> None:
        self.kind = kind
        self.key = key
        self.names = names  # field names, in the order their weights are summed
        self.texts = texts
        self.themes = themes
        self.source = source  # the Contribution, or None for a person

    def row(self, index: ForumIndex) -> dict[str, Any]:
        """What a hit shows about its speaker and item: the keys of ``contribution_row`` or ``person_row`` it needs."""
        if self.source is None:
            person = index.person_row(self.key)
            return {**person, "id": self.key, "kind": "person", "heading": person["name"], "speaker_candidates": []}
        item = self.source.item
        return {**index.speaker_fields(item.speaker), "heading": self.source.heading, "themes": self.source.themes}


def _documents(index: ForumIndex) -> list[_Doc]:
    """Each contribution, and each person with no contribution of their own (moderators, say).

    The fields hold what ``ForumIndex.contribution_row`` and ``person_row`` would
    give, built directly: a search reads every document's text but shows only
    its hits, so rows are made only for those.
    """
    spoke: set[str] = set()
    speakers: dict[str, tuple[str, str]] = {}
    organisations = index.organisations
    people = index.people
    documents: list[_Doc] = []
    append = documents.append
    for contribution in index.contributions:
        item = contribution.item
        speaker = item.speaker
        if speaker.__class__ is str:
            spoke.add(speaker)
            person_fields = speakers.get(speaker)
            if person_fields is None:
                person = people[speaker]
                person_fields = speakers[speaker] = (person.name, "\n".join(index.affiliation_lines(person)))
            name, affiliations = person_fields
        else:  # uncertain between namesakes: the name as written, no affiliation
            name, affiliations = speaker.as_written, ""
        texts = (
            contribution.heading,
            name,
            "\n".join([point.text for point in item.key_points]),
            "\n".join([organisations[o].name for o in item.organisations]) if item.organisations else "",
            affiliations,
            item.summary,
        )
        names = _CONTRIBUTION_FIELDS if getattr(item, "title", None) else _TOPIC_FIELDS
        append(_Doc(contribution.kind, item.id, names, texts, contribution.themes, contribution))
    for slug in index.agenda_order:
        if slug in spoke:
            continue
        person = people[slug]
        append(_Doc("person", slug, _PERSON_FIELDS, (person.name, "\n".join(index.affiliation_lines(person))), (), None))
    return documents


@functools.lru_cache(maxsize=1 << 16)
def _forms(word: str) -> frozenset[str]:
    return frozenset(word_forms(word))


def _field_hits(text: str, query: Query) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Occurrences per query term in one field, and the character spans to highlight."""
    counts: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    if query.terms:
        wanted = set(query.terms)
        for match in _WORD.finditer(text):
            hit = wanted & _forms(match.group())
            for term in hit:
                counts[term] = counts.get(term, 0) + 1
            if hit:
                spans.append(match.span())
    folded = text.casefold()
    counts.update(_substring_counts(text, folded, query))
    spans.extend(_substring_spans(text, folded, query))
    return counts, spans


def _substring_counts(text: str, folded: str, query: Query) -> dict[str, int]:
    """Counts of the Chinese-text needles and quoted phrases, the query keys matched as substrings."""
    counts: dict[str, int] = {}
    for needle in query.cjk:
        if found := folded.count(needle):  # non-overlapping, as a search that steps past each match
            counts[needle] = found
    if query.phrases:
        spaced = _spaced(text)
        for phrase in query.phrases:
            if found := spaced.count(phrase):
                counts["\0" + phrase] = found
    return counts


def _substring_spans(text: str, folded: str, query: Query) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in query.cjk:
        start = folded.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    if query.phrases:
        spaced = _spaced(text)
        for phrase in query.phrases:
            if phrase in spaced:
                spans.extend(_phrase_spans(text, phrase))
    return spans


def _phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    words = phrase.split()
    pattern = r"[\W_]*".join(re.escape(w) for w in words)
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def _needles(query: Query) -> list[str]:
    """Substrings a document's squashed text must contain to possibly match: a cheap first filter."""
    return [_term_needle(term) for term in query.terms] + [_squash(phrase) for phrase in query.phrases]


def _term_needle(term: str) -> str:
    """What any word that ``stem``s to ``term`` must contain: 'therapy' is met by 'therapies'."""
    return term[:-1] if term.endswith("y") else term


def _squashed_pattern(needle: str) -> re.Pattern[str]:
    """Finds ``needle`` in case-folded text exactly when ``_squash`` of that text contains it.

    Searching the folded text with punctuation allowed between the needle's
    characters answers the same question as squashing it first, without
    building a squashed copy of every document.
    """
    return re.compile(r"[\W_]*".join(re.escape(character) for character in needle))


class _Counter:
    """Counts query keys per field exactly as ``_field_hits`` does, minus the spans, and faster.

    A term can only hit a word whose squashed text holds the term's needle, so a
    field without any needle is skipped without tokenising it; words are
    tokenised in C and each distinct word's hits are worked out once per search.
    """

    def __init__(self, query: Query) -> None:
        self.query = query
        self.wanted = set(query.terms)
        term_needles = [_term_needle(term) for term in query.terms]
        self.term_patterns = [_squashed_pattern(needle) for needle in term_needles]
        self.any_term = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in self.term_patterns)) if all(term_needles) else None
        self.memo: dict[str, tuple[str, ...]] = {}

    def _resolve(self, words: list[str]) -> None:
        memo, wanted = self.memo, self.wanted
        for word in set(words).difference(memo):
            memo[word] = tuple(wanted & _forms(word))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The spans ``_field_hits`` gives for ``text``, which must be whitespace-normalised (single spaces).

        Words never contain spaces and tokenising restarts at each one, so only
        the space-delimited chunks around a needle are tokenised; any text whose
        case folding changes its length takes the plain path.
        """
        query = self.query
        folded = text.casefold()
        if not query.terms or self.any_term is None or len(folded) != len(text):
            return _field_hits(text, query)[1]
        spans: list[tuple[int, int]] = []
        ranges: list[list[int]] = []
        for match in self.any_term.finditer(folded):
            low = text.rfind(" ", 0, match.start()) + 1
            high = text.find(" ", match.end())
            high = len(text) if high == -1 else high
            if ranges and low <= ranges[-1][1]:
                ranges[-1][1] = max(ranges[-1][1], high)
            else:
                ranges.append([low, high])
        memo = self.memo
        for low, high in ranges:
            for match in _WORD.finditer(text, low, high):
                word = match.group()
                hit = memo.get(word)
                if hit is None:
                    hit = memo[word] = tuple(self.wanted & _forms(word))
                if hit:
                    spans.append(match.span())
        return spans + _substring_spans(text, folded, query)

    def counts(self, text: str) -> dict[str, int]:
        query = self.query
        counts: dict[str, int] = {}
        folded = text.casefold()
        if self.term_patterns and any(pattern.search(folded) for pattern in self.term_patterns):
            words = _WORD.findall(text)
            self._resolve(words)
            for hit in map(self.memo.__getitem__, words):
                for term in hit:
                    counts[term] = counts.get(term, 0) + 1
        counts.update(_substring_counts(text, folded, query))
        return counts


def search(index: ForumIndex, words: list[str], theme: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    query = parse_query(words)
    if query.empty:
        return []
    documents = _documents(index)
    wholes = ["\n".join(doc.texts) for doc in documents]
    total = len(documents)
    average = sum(map(len, map(str.split, wholes))) / total  # BM25's average length, over every document
    patterns = [_squashed_pattern(needle) for needle in _needles(query)]
    counter = _Counter(query)
    wanted_keys = query.terms + query.cjk + ["\0" + p for p in query.phrases]
    matched: list[tuple[_Doc, dict[str, dict[str, int]], int]] = []
    for doc, whole in zip(documents, wholes):
        if theme and theme not in doc.themes:
            continue
        folded = whole.casefold()
        if not all(pattern.search(folded) for pattern in patterns) or not all(c in folded for c in query.cjk):
            continue
        per_field = {name: counter.counts(text) for name, text in zip(doc.names, doc.texts) if text}
        found = {key for counts in per_field.values() for key in counts}
        if all(key in found for key in wanted_keys):
            matched.append((doc, per_field, len(whole.split())))
    if not matched:
        return []
    # Every matched document holds every key, so each key's document frequency is the number matched.
    document_frequency = len(matched)
    idf = math.log(1 + (total - document_frequency + 0.5) / (document_frequency + 0.5))
    scored: list[tuple[float, int, _Doc, dict[str, dict[str, int]]]] = []
    for order, (doc, per_field, length) in enumerate(matched):
        score = 0.0
        for key in wanted_keys:
            weighted = sum(FIELD_WEIGHTS.get(name, 1.0) * counts.get(key, 0) for name, counts in per_field.items())
            score += idf * weighted * (K1 + 1) / (weighted + K1 * (1 - B + B * length / average))
        scored.append((score, order, doc, per_field))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    if limit is not None:
        scored = scored[:limit]
    return [_hit(rank, score, doc, per_field, counter, index) for rank, (score, _, doc, per_field) in enumerate(scored, 1)]


# The keys of every hit, in order: a CSV of no hits still has the usual header.
HIT_KEYS = [
    "rank", "score", "kind", "id", "heading", "slug", "name", "honorific", "affiliations", "roles",
    "possible_roles", "speaker_candidates", "field", "snippet", "highlights", "themes",
]


def _hit(rank: int, score: float, doc: _Doc, per_field: dict[str, dict[str, int]], counter: _Counter, index: ForumIndex) -> dict[str, Any]:
    best_field = max(per_field, key=lambda name: FIELD_WEIGHTS.get(name, 1.0) * sum(per_field[name].values()))
    text = " ".join(doc.texts[doc.names.index(best_field)].split())
    spans = counter.spans(text)
    snippet, highlights = _snippet(text, spans)
    row = doc.row(index)
    return {
        "rank": rank,
        "score": round(score, 3),
        "kind": doc.kind,
        "id": doc.key,
        "heading": row["heading"],
        "slug": row.get("slug"),
        "name": row["name"],
        "honorific": row.get("honorific"),
        "affiliations": row.get("affiliations", []),
        "roles": row.get("roles", []),
        "possible_roles": row.get("possible_roles", []),
        "speaker_candidates": row.get("speaker_candidates", []),
        "field": best_field,
        "snippet": snippet,
        "highlights": highlights,
        "themes": row.get("themes", []),
    }


def _snippet(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[list[int]]]:
    """A window of the field around its first match, with highlight offsets into the window."""
    spans = sorted(spans)
    if len(text) <= SNIPPET_CHARS or not spans:
        window_start, window_end = 0, min(len(text), SNIPPET_CHARS)
    else:
        first = spans[0][0]
        window_start = max(0, min(first - SNIPPET_CHARS // 3, len(text) - SNIPPET_CHARS))
        if window_start:  # start on a word, not inside one
            window_start = min(first, text.find(" ", window_start) + 1 or first)
        window_end = min(len(text), window_start + SNIPPET_CHARS)
    prefix = "…" if window_start > 0 else ""
    suffix = "…" if window_end < len(text) else ""
    snippet = prefix + text[window_start:window_end] + suffix
    shift = len(prefix) - window_start
    highlights = [[start + shift, end + shift] for start, end in spans if start >= window_start and end <= window_end]
    return snippet, highlights
