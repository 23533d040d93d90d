"""The forum as frozen, strictly validated types.

The types double as the data file's schema: ``cbiic schema`` prints the JSON
Schema msgspec derives from them, so a constraint written here is enforced on
load and published to editors in one place.
"""

from __future__ import annotations

import datetime
import functools
import typing
from typing import Annotated, Literal, NamedTuple

import msgspec

# The vocabulary (kinds, roles, organisation kinds, their labels) is defined in vocabulary.py, which imports nothing
# heavy, so the command line can derive its help and completions from it at start-up; the model uses it from here.
from .vocabulary import (
    CONTRIBUTION_LABELS,
    ROLE_NOUNS,
    SPEAKER_ROLES,
    ContributionKind,
    OrganisationKind,
    Role,
    values,
)

__all__ = ["CONTRIBUTION_LABELS", "ROLE_NOUNS", "SPEAKER_ROLES", "ContributionKind", "OrganisationKind", "Role", "values"]

# `(?!\n)` after `$`: Python's `$` (msgspec uses re.search) also matches before a
# final newline, ECMA-262's (JSON Schema validators) does not. With the lookahead
# both engines refuse "zheng-limin\n", so the loader and the published schema agree.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$(?!\n)"
Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=SLUG_PATTERN,
        description="lower-case words joined by hyphens, e.g. zheng-limin",
    ),
]
# A reference to something in another forum of the congress: its forum's id, a slash, and its id there.
QualifiedSlug = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*/[a-z0-9]+(-[a-z0-9]+)*$(?!\n)",
        description="a forum's id, a slash and an id in that forum, e.g. other-forum/zheng-limin",
    ),
]
Text = Annotated[str, msgspec.Meta(min_length=1, description="non-empty text")]
Paragraphs = Annotated[
    list[Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]],
    msgspec.Meta(min_length=1, description="line numbers of the source article this came from"),
]


def detail(label: str, words: Literal["article", "ours"], description: str) -> msgspec.Meta:
    """Marks a contribution's field as a detail: every view shows it as "label: value", both exports carry it, search
    finds it and ``validate --source`` checks it, with nothing more to write (``rows.details`` finds them).

    ``words``: whose words the value is. "article": quoted exactly from the article, so it must be on a line the
    contribution cites; "ours": the curator's, so it must not copy the article at length.
    """
    return msgspec.Meta(description=description, extra={"detail": label, "words": words})


class _Strict(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True, gc=False):
    """Base: unknown keys are errors and loaded values never change (frozen, gc are inherited; kw_only is not).

    Each type still says frozen=True: type checkers read a struct's options from its own class line.

    gc=False: the forum is a tree of strings and lists with no reference cycles,
    so the cyclic garbage collector need not track (and rescan) every struct.
    """


class Source(_Strict, frozen=True, kw_only=True):
    title: Text
    published: Text
    file: Text
    paragraph_numbering: Text


class Note(_Strict, frozen=True, kw_only=True):
    """A curator's remark about the data, with the article lines it relies on."""

    text: Text
    source_paragraphs: Paragraphs


class Organisers(_Strict, frozen=True, kw_only=True):
    as_written: Text
    note: Note | None = None
    source_paragraphs: Paragraphs


class ForumInfo(_Strict, frozen=True, kw_only=True):
    name: Text
    conference: Text
    date: Annotated[datetime.date, msgspec.Meta(description="the date the article gives for the conference the forum was part of")]
    city: Annotated[str, msgspec.Meta(min_length=1, description="the city the article gives for the conference the forum was part of")]
    participants: str | None = None
    organisers: Organisers
    aims: Annotated[list[Text], msgspec.Meta(min_length=1)]
    source_paragraphs: Paragraphs


class Organisation(_Strict, frozen=True, kw_only=True):
    id: Slug
    name: Text
    kind: OrganisationKind
    note: Note | None = None
    source_paragraphs: Paragraphs


class Affiliation(_Strict, frozen=True, kw_only=True):
    position: Text
    organisation: Slug


class Person(_Strict, frozen=True, kw_only=True):
    slug: Slug
    name: Text
    honorific: str | None = None
    affiliations: list[Affiliation] = []
    # Never inferred from a shared name (two Ma Juns share one): the curator says so, and validation checks the other end.
    same_as: Annotated[
        list[QualifiedSlug],
        msgspec.Meta(description="the same person in other forums of the congress, as forum/slug; written by the curator, never inferred"),
    ] = []
    note: Note | None = None
    source_paragraphs: Paragraphs


class Theme(_Strict, frozen=True, kw_only=True):
    id: Slug
    label: Text
    aliases: list[Text] = []
    description: Text


class UncertainPerson(_Strict, frozen=True, kw_only=True):
    """A person the article names without saying which of several it means."""

    as_written: Text
    candidates: Annotated[
        list[Slug],
        msgspec.Meta(min_length=2, description="the people it may be, at least two; if the article says who, write that slug instead"),
    ]
    note: Note


PersonRef = Slug | UncertainPerson


class KeyPoint(_Strict, frozen=True, kw_only=True):
    """One point, written to stand alone (it names its subject), and the themes it is evidence for.

    An item's themes are the union of its key points' themes: a theme is never
    attached to a talk without the sentence that supports it, and that sentence
    is the gist `cbiic theme` shows.
    """

    text: Text
    themes: list[Slug] = []


class _Contribution(_Strict, frozen=True, kw_only=True):
    id: Slug
    speaker: PersonRef
    summary: Text
    organisations: list[Slug] = []
    source_paragraphs: Paragraphs


class Speech(_Contribution, frozen=True, kw_only=True):
    """The opening speech, or the panel's closing words."""

    key_points: list[KeyPoint] = []


class Talk(_Contribution, frozen=True, kw_only=True):
    title: Text | None = None
    topic: Text | None = None
    key_points: Annotated[list[KeyPoint], msgspec.Meta(min_length=3, max_length=5)]

    def __post_init__(self) -> None:
        if (self.title is None) == (self.topic is None):
            raise ValueError("a talk needs exactly one of `title` (as the article gives it) or `topic` (your words)")


class Remark(_Contribution, frozen=True, kw_only=True):
    key_points: Annotated[list[KeyPoint], msgspec.Meta(min_length=1)]


class Session(_Strict, frozen=True, kw_only=True):
    id: Slug
    name: Text
    moderator: PersonRef
    talks: list[Slug] = []
    source_paragraphs: Paragraphs


class Panel(_Strict, frozen=True, kw_only=True):
    id: Slug
    title: Text
    moderator: PersonRef
    panelists: Annotated[list[Slug], msgspec.Meta(min_length=1)]
    remarks: list[Remark] = []
    closing: Speech | None = None
    source_paragraphs: Paragraphs


# The model type of each kind of contribution.
ITEM_TYPES: dict[ContributionKind, type[Speech | Talk | Remark]] = {
    ContributionKind.opening: Speech,
    ContributionKind.talk: Talk,
    ContributionKind.panel_remark: Remark,
    ContributionKind.panel_closing: Speech,
}


class Detail(NamedTuple):
    """A contribution's field marked with ``detail``: shown, exported, searched and checked like the rest."""

    field: str
    label: str
    words: str  # "article" or "ours"


@functools.cache
def details() -> tuple[Detail, ...]:
    """Every detail field of the model's contributions, in the order their types declare them (read once: it costs
    the model's annotations, which only views of contributions need)."""
    found: dict[str, Detail] = {}
    for item_type in dict.fromkeys(ITEM_TYPES.values()):
        for name, hint in typing.get_type_hints(item_type, include_extras=True).items():
            for meta in getattr(hint, "__metadata__", ()):
                extra = getattr(meta, "extra", None) or {}
                if "detail" in extra:
                    found.setdefault(name, Detail(name, extra["detail"], extra["words"]))
    return tuple(found.values())


class GlossaryEntry(_Strict, frozen=True, kw_only=True):
    """An abbreviation and what it stands for, so a search for either finds both.

    ``source_paragraphs`` cites the article where it spells the abbreviation out;
    an entry the article does not expand says so in ``note`` instead.
    """

    term: Text
    # At most 8: every expansion of a term a query names is matched as a phrase of its own, so a search's cost grows
    # with them (a term spelled out 400 ways made one search quadratic in the file); no abbreviation has more forms.
    expansions: Annotated[list[Text], msgspec.Meta(min_length=1, max_length=8)]
    source_paragraphs: list[Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]] = []
    note: str | None = None


class Forum(_Strict, frozen=True, kw_only=True):
    id: Annotated[Slug | None, msgspec.Meta(description="the forum's id in its congress; default: the file's name without .yaml")] = None
    source: Source
    forum: ForumInfo
    organisations: list[Organisation] = []
    people: Annotated[list[Person], msgspec.Meta(min_length=1)]
    themes: list[Theme] = []
    glossary: list[GlossaryEntry] = []
    opening: Speech | None = None
    sessions: list[Session] = []
    talks: list[Talk] = []
    panel: Panel | None = None


class ArticleRef(_Strict, frozen=True, kw_only=True):
    """A forum's source article, as the congress lists it: what ``validate --source DIR`` reads for that forum."""

    title: Text
    published: Text
    file: Text


class CongressForum(_Strict, frozen=True, kw_only=True):
    # Checked against the directory's files (congress_checks), which says what is wrong with one that is not there.
    file: Annotated[str, msgspec.Meta(min_length=1, description="the name of the forum's file in the congress directory")]
    article: ArticleRef


class CongressInfo(_Strict, frozen=True, kw_only=True):
    name: Text
    year: Annotated[int, msgspec.Meta(ge=1900, le=2999)]
    city: Text
    # Which forum's article states these facts, and on which lines.
    source_forum: Annotated[str, msgspec.Meta(min_length=1, description="the file of the forum whose article states the congress's facts")]
    source_paragraphs: Paragraphs


class Congress(_Strict, frozen=True, kw_only=True):
    """``congress.yaml``: the congress's facts, its forums' articles, and themes shared by every forum."""

    congress: CongressInfo
    forums: list[CongressForum] = []
    themes: list[Theme] = []
