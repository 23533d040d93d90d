"""Who is one person across a congress's forums: ``same_as`` links, the curator's word, never a shared name.

A link may be written at either end, or at both, and is followed through: if A
is B and B is C, A is C. A link to someone who is not in the congress links no
one (``validate`` reports it): a typo must not make two people one. ``cbiic
speaker``, the exports and ``validate`` all group people here.
"""

from __future__ import annotations

from collections.abc import Iterable

# (forum id, slug): one person's record in one forum.
Record = tuple[str, str]
SEPARATOR = "/"  # between a forum's id and an id within it: FORUM/ID


def linked_to(same_as: Iterable[str]) -> list[Record]:
    """The records a person's ``same_as`` names (each ``FORUM/SLUG``)."""
    return [(there, slug) for there, _, slug in (other.partition(SEPARATOR) for other in same_as)]


def groups(records: Iterable[Record], links: Iterable[tuple[Record, Record]]) -> list[list[Record]]:
    """The records ``links`` make one person, each group in the order ``records`` lists them, groups in the order of
    their first record; a link to a record not in ``records`` is left out, and a record linked to no one is no group."""
    order: dict[Record, int] = {}
    for record in records:
        order.setdefault(record, len(order))
    parent = {record: record for record in order}

    def root(record: Record) -> Record:
        while parent[record] != record:
            parent[record] = parent[parent[record]]
            record = parent[record]
        return record

    for one, other in links:
        if one in order and other in order:
            first, second = sorted((root(one), root(other)), key=order.__getitem__)
            parent[second] = first
    found: dict[Record, list[Record]] = {}
    for record in order:
        found.setdefault(root(record), []).append(record)
    return [group for group in found.values() if len(group) > 1]
