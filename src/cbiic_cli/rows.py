"""The rows the tool shows, one shape per thing, built in one place from any ``query.Index``.

Each shape is a msgspec struct: its fields are the keys a view's rows have (so
a CSV header, ``--fields`` and the JSON keys all come from here), and its
builder is the only code that reads those values off the model. The views get
plain dicts of them (``as_dict``), which every format prints.

A speaker the article leaves uncertain between namesakes is never resolved: its
row has no slug, its name as written, and every candidate.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import msgspec

from . import model
from .query import Contribution, gist

if TYPE_CHECKING:
    from .query import Index


class _Row(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Base: rows are values, made once and printed."""


class PersonRow(_Row, frozen=True, kw_only=True):
    slug: str
    name: str
    honorific: str | None
    positions: list[str]
    organisations: list[str]
    organisation_ids: list[str]
    roles: list[str]
    possible_roles: list[str]


class CandidateRow(_Row, frozen=True, kw_only=True):
    """Who an uncertain reference could be: enough to tell namesakes apart."""

    slug: str
    name: str
    positions: list[str]
    organisations: list[str]


class SpeakerFields(_Row, frozen=True, kw_only=True):
    """The person fields of a contribution row; for an uncertain speaker, the candidates instead of a guess."""

    slug: str | None
    name: str
    honorific: str | None
    positions: list[str]
    organisations: list[str]
    organisation_ids: list[str]
    speaker_candidates: list[dict[str, Any]]
    attribution_note: str | None
    attribution_note_lines: list[int]


def _fields(shape: type[_Row]) -> list[tuple[str, Any]]:
    return [(field.name, field.type) for field in msgspec.structs.fields(shape)]


@functools.cache
def contribution_shape() -> Any:
    """A contribution and who said it: the speaker's fields (SpeakerFields) in the middle, in their order, and the
    details after the title and topic."""
    return msgspec.defstruct(
        "ContributionRow",
        [
            ("id", str),
            ("kind", str),
            ("title", str | None),
            ("topic", str | None),
            *[(detail.field, str | None) for detail in model.details()],
            ("part_of", str | None),
            *_fields(SpeakerFields),
            ("gist", str),
            ("summary", str),
            ("key_points", list[str]),
            ("themes", list[str]),
            ("mentions", list[str]),
            ("mention_ids", list[str]),
            ("source_paragraphs", list[int]),
        ],
        bases=(_Row,),
        frozen=True,
        kw_only=True,
        module=__name__,
    )


def contribution_keys() -> list[str]:
    return keys(contribution_shape())


def keys(shape: Any) -> list[str]:
    """A row shape's keys, in order: what a view's CSV header and ``--fields`` know."""
    return list(shape.__struct_fields__)


PERSON_KEYS = keys(PersonRow)
SPEAKER_KEYS = keys(SpeakerFields)


def as_dict(row: Any) -> dict[str, Any]:
    return msgspec.structs.asdict(row)


def affiliation_lines(index: Index, person: model.Person) -> list[str]:
    """Each of a person's positions with its organisation, as one line: "Dean, Sun Yat-sen University"."""
    return [f"{a.position}, {index.organisations[a.organisation].name}" for a in person.affiliations]


def person_row(index: Index, slug: str) -> dict[str, Any]:
    return as_dict(_person(index, slug))


def _person(index: Index, slug: str) -> PersonRow:
    person = index.people[slug]
    roles, possible = index.roles[slug]
    return PersonRow(
        slug=person.slug,
        name=person.name,
        honorific=person.honorific,
        positions=[a.position for a in person.affiliations],
        organisations=[index.organisations[a.organisation].name for a in person.affiliations],
        organisation_ids=[a.organisation for a in person.affiliations],
        roles=roles,
        possible_roles=possible,
    )


def candidate_row(index: Index, slug: str) -> dict[str, Any]:
    person = index.people[slug]
    return as_dict(
        CandidateRow(
            slug=slug,
            name=person.name,
            positions=[a.position for a in person.affiliations],
            organisations=[index.organisations[a.organisation].name for a in person.affiliations],
        )
    )


def speaker_fields(index: Index, ref: model.PersonRef) -> dict[str, Any]:
    return as_dict(_speaker(index, ref))


def _speaker(index: Index, ref: model.PersonRef) -> SpeakerFields:
    if isinstance(ref, model.UncertainPerson):
        return SpeakerFields(
            slug=None,
            name=ref.as_written,
            honorific=None,
            positions=[],
            organisations=[],
            organisation_ids=[],
            speaker_candidates=[candidate_row(index, slug) for slug in ref.candidates],
            attribution_note=ref.note.text,
            attribution_note_lines=list(ref.note.source_paragraphs),
        )
    person = _person(index, ref)
    return SpeakerFields(
        slug=person.slug,
        name=person.name,
        honorific=person.honorific,
        positions=person.positions,
        organisations=person.organisations,
        organisation_ids=person.organisation_ids,
        speaker_candidates=[],
        attribution_note=None,
        attribution_note_lines=[],
    )


def contribution_row(index: Index, contribution: Contribution) -> dict[str, Any]:
    item = contribution.item
    speaker = _speaker(index, item.speaker)
    return as_dict(
        contribution_shape()(
            id=item.id,
            kind=contribution.kind,
            title=contribution.title,
            topic=contribution.topic,
            **{detail.field: getattr(item, detail.field, None) for detail in model.details()},
            part_of=contribution.part_of,
            **{name: getattr(speaker, name) for name in SPEAKER_KEYS},
            gist=gist(item.summary),
            summary=item.summary,
            key_points=[point.text for point in item.key_points],
            themes=contribution.themes,
            mentions=[index.organisations[o].name for o in item.organisations],
            mention_ids=list(item.organisations),
            source_paragraphs=list(item.source_paragraphs),
        )
    )


# The keys whose values are ids within one forum (a person's slug, a contribution's, session's or organisation's id,
# lists of them): in a congress of several forums each is written FORUM/ID, so every id a view prints resolves.
# A theme's id is the congress's, the same in every forum, and stays as it is.
FORUM_LOCAL_KEYS = frozenset(
    {
        "id",
        "slug",
        "part_of",
        "organisation_ids",
        "mention_ids",
        "person_slug",
        "person_candidates",
        "candidates",
        "contributions",
        "possible_contributions",
        "mentioned_in",
        "people",
        "speakers",
        "talks",
        "cited_by",
    }
)
# Lists of theme rows, whose ``id`` is a theme's.
THEME_ROW_KEYS = frozenset({"themes"})


def qualify(row: dict[str, Any], forum: str, theme_row: bool = False) -> dict[str, Any]:
    """``row`` with every id within ``forum`` written ``forum/id``, however deep (a speaker's candidates, a panel's
    remarks); values that are not ids (counts, texts, line numbers) as they are."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key in THEME_ROW_KEYS and isinstance(value, list):
            out[key] = [qualify(item, forum, theme_row=True) if isinstance(item, dict) else item for item in value]
        elif key in FORUM_LOCAL_KEYS and not (theme_row and key == "id"):
            out[key] = _qualified(value, forum)
        elif isinstance(value, dict):
            out[key] = qualify(value, forum)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [qualify(item, forum) if isinstance(item, dict) else item for item in value]
        else:
            out[key] = value
    return out


def _qualified(value: Any, forum: str) -> Any:
    if isinstance(value, str):
        return f"{forum}/{value}"
    if isinstance(value, list):
        return [
            _qualified(item, forum) if isinstance(item, str) else qualify(item, forum) if isinstance(item, dict) else item for item in value
        ]
    if isinstance(value, dict):
        return qualify(value, forum)
    return value
