"""Search over a store: each query term's postings read from its sealed record, ranked by the same BM25 as in memory.

The store numbers its documents as ``search.documents`` lists them (contributions,
people in the article's order, organisations, sessions, the forum, the panel)
and keeps, per term, the documents that hold it with their weighted counts. A
term no record holds is proven absent (``records.Table.locate``), so a lost
record is damage, never a silent miss. Phrases and Chinese text are counted
here in the documents that may hold them, and only the hits shown are read and
matched again, for their snippets.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from .. import search
from . import shapes
from .records import Row, StoreDamaged


def _postings(row: Row) -> tuple[array[int], array[int], array[int], array[int]]:
    stored = shapes.decode(row.body, shapes.Postings)
    parts = (stored.documents, stored.words, stored.classified_documents, stored.classified)
    arrays = []
    for part in parts:
        numbers = array("I")
        if len(part) % numbers.itemsize:
            raise StoreDamaged(f"the postings of {row.key!r} are cut short")
        numbers.frombytes(part)
        arrays.append(numbers)
    documents, words, classified_documents, classified = arrays
    if len(documents) != len(words) or len(classified_documents) != len(classified):
        raise StoreDamaged(f"the postings of {row.key!r} do not pair up")
    return documents, words, classified_documents, classified


def _numbers(row: Row) -> array[int]:
    numbers = array("I")
    body = shapes.decode(row.body, bytes)
    if len(body) % numbers.itemsize:
        raise StoreDamaged(f"the {row.key!r} record is cut short")
    numbers.frombytes(body)
    return numbers


class StoreEngine(search.SearchEngine):
    def __init__(self, index: Any) -> None:
        """``index``: the ``index.StoreIndex`` whose records it reads (not imported here, which imports this)."""
        self.index = index
        self.contents = index.contents
        self.terms = index.table(shapes.TERM, _postings)
        self.on_theme = index.table(shapes.THEME_DOCUMENTS, _numbers)
        # The documents one query has read, with their fields as ``Field``s: each is read, decoded, tokenised and
        # folded once per query, however many of its phrases and Chinese words look at it, and again for its snippet.
        self._read: dict[int, tuple[search.Doc, list[search.Field]]] = {}
        self._table: dict[str, str] = {}
        self._theme_text: dict[str, str] | None = None

    def run(self, units: list[search.Unit], theme: str | None, limit: int | None) -> search.Results:
        documents, total_length = self.contents.documents, self.contents.total_length
        self._read, self._table = {}, search.phrase_table(units)
        weights: list[dict[int, float]] = []
        for unit in units:
            weighted: dict[int, float] = {}
            for alternative in unit.alternatives:
                kind, value = alternative
                if kind == "term":
                    postings = self.terms.find(value)
                    if postings is not None:
                        _add(weighted, postings[0], postings[1])
                        if not unit.quoted:  # a quoted phrase searches people's words, not our classification
                            _add(weighted, postings[2], postings[3])
                else:
                    for document, count in self._counted_here(unit, alternative):
                        weighted[document] = weighted.get(document, 0.0) + count
            weights.append({document: value for document, value in weighted.items() if value > 0})
        smallest = min(weights, key=len) if weights else {}
        matched: set[int] = set(smallest)
        for found in weights:
            matched.intersection_update(found)
        if theme is not None and matched:
            held = self.on_theme.find(theme)
            matched.intersection_update(held if held is not None else ())
        if not matched:
            return search.Results([], 0)
        lengths = self._lengths()
        if max(matched) >= len(lengths):
            raise StoreDamaged("the search index names a document the store does not hold")
        average = total_length / max(documents, 1)
        idf = search.idf_of(documents, len(matched))
        scored = sorted(
            ((search.bm25(idf, [found[document] for found in weights], lengths[document], average), document) for document in matched),
            key=lambda entry: (-entry[0], entry[1]),
        )
        shown = scored if limit is None else scored[:limit]
        return search.Results(self._hits(shown, units), len(scored), scores=[search.shown_score(score) for score, _ in scored])

    def _lengths(self) -> array[int]:
        lengths: array[int] | None = self.index.table(shapes.LENGTHS, _numbers).find(shapes.ONLY)
        if lengths is None or len(lengths) != self.contents.documents:
            raise StoreDamaged("the store does not give every document's length")
        return lengths

    def _hits(self, shown: list[tuple[float, int]], units: list[search.Unit]) -> Iterator[dict[str, Any]]:
        """The hits, ranked, each read and matched for its snippet as it is printed (--limit 0 streams them)."""
        for rank, (score, document) in enumerate(shown, 1):
            doc, fields = self._fields(document)
            found = search.match_units(doc, units, fields, self._table)
            if found is None:
                raise StoreDamaged("the search index lists a document that does not match")
            yield search.hit_row(self.index, rank, score, found)

    def _counted_here(self, unit: search.Unit, alternative: tuple[str, Any]) -> list[tuple[int, float]]:
        """(document, weighted count) for a phrase or Chinese text, counted as ``match_units`` counts it."""
        counted = []
        for document in self._candidates(*alternative):
            doc, fields = self._fields(document)
            weighted = 0.0
            for (name, _), field in zip(doc.fields, fields):
                if unit.quoted and name in search.CLASSIFICATION_FIELDS:
                    continue
                weighted += search.FIELD_WEIGHTS.get(name, 1.0) * field.found(alternative, self._table)[0]
            if weighted:
                counted.append((document, weighted))
        return counted

    def _candidates(self, kind: str, value: Any) -> list[int]:
        if kind != "phrase":  # Chinese text: every document
            return list(range(self.contents.documents))
        holding: set[int] | None = None
        for word in dict.fromkeys(value):  # documents that hold every word of the phrase
            postings = self.terms.find(word)
            here = set(postings[0]).union(postings[2]) if postings is not None else set()
            holding = here if holding is None else holding & here
        return sorted(holding or ())

    def _fields(self, document: int) -> tuple[search.Doc, list[search.Field]]:
        """The document, read once per query, and its fields, each tokenised and folded at most once per query."""
        if document not in self._read:
            doc = self._document(document)
            self._read[document] = (doc, [search.Field(text) for _, text in doc.fields])
        return self._read[document]

    def _document(self, number: int) -> search.Doc:
        """Document ``number``, made from the records it numbers, as ``search.documents`` makes it from the forum."""
        index = self.index
        counts = self.contents.counts
        for group in search.DOCUMENT_GROUPS:
            size = {"forum": 1, "panel": 1 if index.frame.panel else 0}.get(group)
            if size is None:
                size = counts.get(group, 0)
            if number < size:
                return self._made(group, number)
            number -= size
        raise StoreDamaged("the search index names a document the store does not hold")

    def _made(self, group: str, number: int) -> search.Doc:
        index = self.index
        if group == "contribution":
            _, contribution = index.contribution_by_id.at(number)
            if self._theme_text is None:
                self._theme_text = search.theme_texts(index)
            return search.contribution_document(index, contribution, self._theme_text)
        if group == "person":
            slug, _ = index.people_table.at(number, "rank")
            return search.person_document(index, slug)
        if group == "organisation":
            _, record = index.organisations_table.at(number)
            return search.organisation_document(index, record.organisation)
        if group == "session":
            _, session = index.sessions_table.at(number)
            return search.session_document(index, session)
        if group == "forum":
            return search.forum_document(index)
        panel = index.frame.panel
        assert panel is not None
        return search.panel_document(index, panel)

    def knows(self, term: str) -> bool:
        return self.terms.locate(term) is not None

    def near(self, term: str) -> list[str]:
        first = term[:1]
        if not first:
            return []
        following = chr(ord(first) + 1) if ord(first) < 0x10FFFF else first + "\U0010ffff"
        found = []
        for word in self.terms.keys_from(first, following):
            if abs(len(word) - len(term)) <= 2:
                found.append(word)
                if len(found) == search.COMPARED_AT_MOST:
                    break
        return found


def _add(weighted: dict[int, float], documents: array[int], doubled: array[int]) -> None:
    for document, twice in zip(documents, doubled):
        weighted[document] = weighted.get(document, 0.0) + twice / 2
