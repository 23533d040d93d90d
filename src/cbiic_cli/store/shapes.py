"""What each kind of record's body holds: written by ``build.py``, read back by ``index.py`` and ``ranking.py``.

A body is msgpack of one of these types, decoded strictly (``decode``): the
model's own types inside, so a view shows exactly the values the loader
validated. Besides the forum's parts, a record carries the lookups the views
make (who said what, who works where, which contributions carry a theme), so
that every answer is read from checked records and nothing else.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from .. import model
from .records import StoreDamaged

T = TypeVar("T")

# Record kinds (the ``kind`` column): one per body type below, and the search index's.
IDENTITY = "identity"
CONTENTS = "contents"
FRAME = "frame"
STAGE = "stage"
PERSON = "person"
ORGANISATION = "organisation"
SESSION = "session"
CONTRIBUTION = "contribution"
TALLY = "tally"
# A congress's forum keeps every theme's tally in one record: the congress's views read every forum's.
TALLIES = "tallies"
TERM = "term"
THEME_DOCUMENTS = "theme-documents"
LENGTHS = "lengths"
# A congress's store: which forum files it holds, each forum's records under kinds of its own (``forum_kind``).
CATALOGUE = "catalogue"
# A congress's themes (congress.yaml's), which most forums' frames end with: kept once, not in every frame.
SHARED_THEMES = "shared-themes"
# congress.yaml as the loader validated it (or none), so a congress answered from its store never parses it.
CONGRESS = "congress"
# Each theme's tally in every forum that knows it, in one record a theme: the congress's ``themes`` reads a record a
# theme shown, not one a forum.
CONGRESS_TALLY = "congress-tally"
# The key of a kind that has one record.
ONLY = "only"


def forum_kind(number: int, kind: str) -> str:
    """The kind a congress's store files the ``number``th forum's records of ``kind`` under (from 0, the directory's order)."""
    return f"{number}/{kind}"


class Identity(msgspec.Struct, frozen=True, array_like=True):
    """Which file, in which version, by which code, the store was built from."""

    format: bytes
    file: bytes
    content: bytes
    # Built within a timestamp tick of the file's last change: then the file's bytes are compared on every use.
    racy: bool


class CongressIdentity(msgspec.Struct, frozen=True, array_like=True):
    """Which congress directory, with which forum files and ``congress.yaml`` in which versions, by which code."""

    format: bytes
    congress: bytes
    # The files that had changed within a timestamp tick of being read, each with a digest of the bytes read: these
    # are compared on every use (as ``Identity.racy`` does for a forum's own store).
    racy: list[tuple[bytes, bytes]]  # (path as the file system names it, digest)


class CatalogueEntry(msgspec.Struct, frozen=True, array_like=True):
    """One forum of a congress's store: its file, and the parts of its frame the congress reads of every forum
    (its id, its facts for the congress's order and its source for ``cbiic forums``), so a congress opens with one read."""

    file: bytes  # as the file system names it (a name need not be UTF-8)
    id: str | None
    forum: model.ForumInfo
    source: model.Source
    # The forum's themes are ``themes``, then the congress's it does not define itself (as the loader adds them);
    # False: ``themes`` are every one of its themes. Here, not in its frame, so the congress's catalogue of themes
    # (which every query about a theme reads) is made without reading any forum's frame.
    shares_themes: bool
    themes: list[model.Theme]


class Catalogue(msgspec.Struct, frozen=True, array_like=True):
    """A congress's forums, in the order of their files' names: the ``n``th is filed under ``forum_kind(n, ...)``."""

    forums: list[CatalogueEntry]


class CongressFile(msgspec.Struct, frozen=True, array_like=True):
    """congress.yaml, validated; None where the directory has none."""

    congress: model.Congress | None


class Contents(msgspec.Struct, frozen=True, array_like=True):
    """How many records of each kind there are, and each kind's first key: what proves a list or a lookup whole."""

    counts: dict[str, int]
    first: dict[str, str]
    # Search: the documents and their total length in words (BM25's average), as ``search.documents`` makes them.
    documents: int
    total_length: int
    # Every role the article gives someone without saying which of several namesakes it means, in its order.
    uncertain: list[tuple[model.UncertainPerson, str]]
    sessions_hold_talks: bool
    # (slug, same_as) of everyone linked to a person in another forum, in the file's order: a congress follows the
    # links of every forum, and reads no person's record for it.
    linked: list[tuple[str, list[str]]]
    # How many items its agenda lists (query.agenda_size): a congress's agenda counts every forum's without its panel.
    agenda_items: int


class Frame(model._Strict, frozen=True, kw_only=True):
    """The forum's small parts: its facts, themes and glossary (not its people, organisations, sessions and talks,
    which grow with it, nor its opening and panel, which most questions about a congress's forums never read)."""

    id: str | None = None
    source: model.Source
    forum: model.ForumInfo
    themes: list[model.Theme] = []
    glossary: list[model.GlossaryEntry] = []


class Stage(model._Strict, frozen=True, kw_only=True):
    """The forum's opening and panel."""

    opening: model.Speech | None = None
    panel: model.Panel | None = None


class Person(msgspec.Struct, frozen=True, array_like=True):
    person: model.Person
    roles: list[str]
    possible_roles: list[str]
    # Contributions whose speaker is this person or may be, in the article's order, and those of them it only may be.
    said: list[str]
    possible: list[str]
    # Sessions this person moderates, or may (the article leaves it uncertain), in the file's order.
    moderates: list[str]


class Organisation(msgspec.Struct, frozen=True, array_like=True):
    organisation: model.Organisation
    # (person, position) for each affiliation with it, in the file's order of people.
    affiliated: list[tuple[str, str]]
    # Contributions that mention it, in the article's order.
    mentioned_by: list[str]


class Contribution(msgspec.Struct, frozen=True, array_like=True):
    kind: str
    part_of: str | None
    # One of ``ITEM_TYPES`` by ``kind``: msgspec tells structs apart only by a tag, and the model's have none.
    item: msgspec.Raw


class Tally(msgspec.Struct, frozen=True, array_like=True):
    contributions: list[str]
    counts: list[int]
    speakers: list[str]
    uncertain: list[model.UncertainPerson]


class Tallies(msgspec.Struct, frozen=True, array_like=True):
    """Every theme's tally, in the frame's order of themes (a congress's forum: one record instead of one a theme)."""

    themes: list[str]
    tallies: list[Tally]


class CongressTally(msgspec.Struct, frozen=True, array_like=True):
    """One theme's tally in each forum that knows it: ``forums``, their numbers (the directory's order, ascending)."""

    forums: list[int]
    tallies: list[Tally]


class Postings(msgspec.Struct, frozen=True, array_like=True):
    """A search term's documents: ``array('I')`` bytes, ascending, with twice its weighted count in each (weights are
    halves), in people's words and in our classification (theme labels and aliases) separately."""

    documents: bytes
    words: bytes
    classified_documents: bytes
    classified: bytes


def with_shared(own: list[model.Theme], shared: list[model.Theme]) -> list[model.Theme]:
    """A congress's forum's themes: its own, then the congress's it does not define itself, as the loader adds them."""
    ids = {theme.id for theme in own}
    return own + [theme for theme in shared if theme.id not in ids]


def decode(body: bytes, kind: type[T]) -> T:
    try:
        return msgspec.msgpack.decode(body, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError, RecursionError) as error:
        raise StoreDamaged(f"a record does not decode: {error}") from None


ITEM_TYPES = {kind.value: item_type for kind, item_type in model.ITEM_TYPES.items()}
