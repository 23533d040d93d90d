"""Ranked full-text search over everything said at the forum (BM25 over weighted fields).

Matching is forgiving the way a search box should be: case-, punctuation- and
hyphen-insensitive (``pd1`` finds "PD-1"), plural-insensitive (``checkpoints``
finds "checkpoint"), and substring-based for Chinese text, which has no spaces.
A quoted phrase must appear as written, modulo case and punctuation.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterator

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
_CJK = re.compile(r"[\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff]")


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


@dataclass
class Query:
    terms: list[str] = field(default_factory=list)  # single words, in their query_term form
    cjk: list[str] = field(default_factory=list)  # Chinese (etc.) strings, matched as substrings
    phrases: list[str] = field(default_factory=list)  # quoted phrases, in their _spaced form

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
        if _CJK.search(word):
            query.cjk.append(word.casefold())
            continue
        for piece in _WORD.findall(word) or []:
            term = query_term(piece)
            if term and term not in query.terms:
                query.terms.append(term)
    return query


@dataclass
class _Doc:
    kind: str
    key: str
    fields: dict[str, str]
    row: dict[str, Any]


def _documents(index: ForumIndex) -> Iterator[_Doc]:
    """Each contribution, and each person with no contribution of their own (moderators, say)."""
    spoke: set[str] = set()
    for contribution in index.contributions:
        row = index.contribution_row(contribution)
        if row["slug"]:
            spoke.add(row["slug"])
        fields = {
            "title" if row["title"] else "topic": row["heading"],
            "name": row["name"],
            "key_points": "\n".join(row["key_points"]),
            "organisations": "\n".join(row["organisations"]),
            "affiliations": "\n".join(row["affiliations"]),
            "summary": row["summary"],
        }
        yield _Doc(contribution.kind, contribution.id, fields, row)
    for slug in index.agenda_order:
        if slug in spoke:
            continue
        person = index.person_row(slug)
        row = {**person, "id": slug, "kind": "person", "heading": person["name"], "speaker_candidates": []}
        yield _Doc("person", slug, {"name": person["name"], "affiliations": "\n".join(person["affiliations"])}, row)


def _field_hits(text: str, query: Query) -> tuple[dict[str, int], list[tuple[int, int]]]:
    """Occurrences per query term in one field, and the character spans to highlight."""
    counts: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    if query.terms:
        wanted = set(query.terms)
        for match in _WORD.finditer(text):
            forms = word_forms(match.group())
            hit = wanted & forms
            for term in hit:
                counts[term] = counts.get(term, 0) + 1
            if hit:
                spans.append(match.span())
    folded = text.casefold()
    for needle in query.cjk:
        start = folded.find(needle)
        while start != -1:
            counts[needle] = counts.get(needle, 0) + 1
            spans.append((start, start + len(needle)))
            start = folded.find(needle, start + len(needle))
    if query.phrases:
        spaced = _spaced(text)
        for phrase in query.phrases:
            found = spaced.count(phrase)
            if found:
                counts["\0" + phrase] = found
                spans.extend(_phrase_spans(text, phrase))
    return counts, spans


def _phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    words = phrase.split()
    pattern = r"[\W_]*".join(re.escape(w) for w in words)
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]


def _needles(query: Query) -> list[str]:
    """Substrings a document's squashed text must contain to possibly match: a cheap first filter."""
    needles = [term[:-1] if term.endswith("y") else term for term in query.terms]
    needles += [_squash(phrase) for phrase in query.phrases]
    return needles


def search(index: ForumIndex, words: list[str], theme: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    query = parse_query(words)
    if query.empty:
        return []
    needles = _needles(query)
    scored: list[tuple[float, int, _Doc, dict[str, tuple[dict[str, int], list]]]] = []
    lengths: list[int] = []  # every document's, for BM25's average length
    matched: list[tuple[_Doc, dict[str, tuple[dict[str, int], list]], int]] = []
    wanted_keys = query.terms + query.cjk + ["\0" + p for p in query.phrases]
    for doc in _documents(index):
        whole = "\n".join(doc.fields.values())
        length = len(whole.split())
        lengths.append(length)
        if theme and theme not in doc.row.get("themes", []):
            continue
        squashed = _squash(whole)
        if not all(n in squashed for n in needles) or not all(c in whole.casefold() for c in query.cjk):
            continue
        per_field = {name: _field_hits(text, query) for name, text in doc.fields.items() if text}
        found = {key for counts, _ in per_field.values() for key in counts}
        if all(key in found for key in wanted_keys):
            matched.append((doc, per_field, length))
    if not matched:
        return []
    total = len(lengths)
    average = sum(lengths) / total
    document_frequency = {key: sum(1 for _, per_field, _ in matched if any(key in c for c, _ in per_field.values())) for key in wanted_keys}
    for order, (doc, per_field, length) in enumerate(matched):
        score = 0.0
        for key in wanted_keys:
            weighted = sum(FIELD_WEIGHTS.get(name, 1.0) * counts.get(key, 0) for name, (counts, _) in per_field.items())
            idf = math.log(1 + (total - document_frequency[key] + 0.5) / (document_frequency[key] + 0.5))
            score += idf * weighted * (K1 + 1) / (weighted + K1 * (1 - B + B * length / average))
        scored.append((score, order, doc, per_field))
    scored.sort(key=lambda entry: (-entry[0], entry[1]))
    if limit is not None:
        scored = scored[:limit]
    return [_hit(rank, score, doc, per_field, query) for rank, (score, _, doc, per_field) in enumerate(scored, 1)]


def _hit(rank: int, score: float, doc: _Doc, per_field: dict[str, tuple[dict[str, int], list]], query: Query) -> dict[str, Any]:
    best_field = max(per_field, key=lambda name: FIELD_WEIGHTS.get(name, 1.0) * sum(per_field[name][0].values()))
    text = " ".join(doc.fields[best_field].split())
    _, spans = _field_hits(text, query)
    snippet, highlights = _snippet(text, spans)
    row = doc.row
    return {
        "rank": rank,
        "score": round(score, 3),
        "kind": doc.kind,
        "id": doc.key,
        "heading": row["heading"],
        "slug": row.get("slug"),
        "name": row["name"],
        "speaker_candidates": row.get("speaker_candidates", []),
        "affiliations": row.get("affiliations", []),
        "roles": row.get("roles", []),
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
