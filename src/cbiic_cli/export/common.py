"""What every export shares: the contributions in report order, and safe file writing."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final, NamedTuple

from ..errors import CbiicError
from ..model import ContributionKind, values

# The four kinds of contribution (model.ContributionKind), as the exports write them.
OPENING = ContributionKind.opening.value
TALK = ContributionKind.talk.value
PANEL_REMARK = ContributionKind.panel_remark.value
PANEL_CLOSING = ContributionKind.panel_closing.value
KINDS = values(ContributionKind)

GENERATOR = "cbiic"
# What an export says it is, first thing: a forum's export, or a congress's (several forums; a congress of one forum
# is that forum's export). A reader of forum exports refuses a congress's by its format rather than misreading it.
FORMAT: Final = "cbiic-export"
CONGRESS_FORMAT: Final = "cbiic-congress-export"


class ExportError(CbiicError):
    """An export that cannot be written: one line for the user, exit code 1."""


class Contribution(NamedTuple):
    """Something someone said, with its kind and, for panel items, the panel it belongs to."""

    kind: str  # one of KINDS
    item: Any  # model.Speech | model.Talk | model.Remark
    panel_id: str | None


def contributions(forum: Any) -> Iterator[Contribution]:
    """Every contribution in the order the article reports them (the article gives no full running order): the
    index's own walk (``query.ForumIndex.contributions``), with the panel each panel item belongs to."""
    from ..query import ForumIndex

    panel_kinds = (PANEL_REMARK, PANEL_CLOSING)
    for contribution in ForumIndex(forum).contributions:
        yield Contribution(contribution.kind, contribution.item, contribution.part_of if contribution.kind in panel_kinds else None)


class ExportedForum(NamedTuple):
    """One forum of a congress as the exports write it: its id in the congress, its file's name, and its data."""

    id: str
    file: str
    forum: Any  # model.Forum


class Congress(NamedTuple):
    """A congress of several forums, for the exports: ``info`` is its ``congress.yaml`` (a ``model.Congress``, or None
    without one) and ``forums`` are in the congress's order. A congress of one forum is exported as that forum."""

    info: Any
    forums: list[ExportedForum]


# What an export of a congress says first, besides what each forum's own notes say.
CONGRESS_NOTES = [
    "Each forum comes from its own article, and a forum's citations are line numbers of that forum's article.",
    "Ids are unique within a forum, not across forums: FORUM/ID names one. A person is the same person in two forums "
    "only where the curator says so (same_as); a shared name never merges anyone.",
]


def forum_notes(forum: Any) -> list[str]:
    """What an export of ``forum`` says first (``caveats.export_notes``): the JSON's notes, the SQLite file's note rows."""
    from .. import caveats

    return caveats.export_notes(bool(forum.sessions), any(session.talks for session in forum.sessions))


def congress_notes(congress: Congress) -> list[str]:
    """The congress's notes, then its forums' (``forum_notes``): one every forum gives once, any other with its
    forum's id in front, as the congress's views say them."""
    parts = [(exported.id, forum_notes(exported.forum)) for exported in congress.forums]
    everyone = set.intersection(*(set(notes) for _, notes in parts))
    said = [note for note in dict.fromkeys(note for _, notes in parts for note in notes) if note in everyone]
    said += [f"{forum_id}: {note}" for forum_id, notes in parts for note in notes if note not in everyone]
    return CONGRESS_NOTES + said


def same_people(congress: Congress) -> list[list[tuple[str, str]]]:
    """Everyone the curator says is one person in several forums (``links.groups``), as groups of (forum id, slug) in
    the congress's order, as ``cbiic speaker`` links them."""
    from .. import links

    records = [(exported.id, person.slug) for exported in congress.forums for person in exported.forum.people]
    pairs = [
        ((exported.id, person.slug), other)
        for exported in congress.forums
        for person in exported.forum.people
        for other in links.linked_to(person.same_as)
    ]
    return links.groups(records, pairs)


def generator_version() -> str:
    from .. import __version__

    return f"{GENERATOR} {__version__}"


# -- writing files ---------------------------------------------------------------


class Target(NamedTuple):
    """A file an export writes: where, how (``write(temporary_path)``), and how to recognise an earlier one."""

    path: str
    write: Callable[[Path], object]
    is_ours: Callable[[Path], bool]
    what: str


def write_atomically(path: str, write: Callable[[Path], object], *, is_ours: Callable[[Path], bool], force: bool, what: str) -> None:
    """Write ``path`` through ``write(temporary_path)``, then rename it into place in one step.

    Readers see the old file or the new one, never half of either. An existing
    file that ``is_ours`` does not recognise is refused unless ``force``: an
    export must not overwrite someone's document because of a typo.
    """
    write_together([Target(path, write, is_ours, what)], force=force)


def write_together(targets: list[Target], *, force: bool) -> None:
    """Write several files all or none: every target is checked and every file written beside it before any is renamed."""
    for target in targets:
        check_target(target.path, is_ours=target.is_ours, force=force, what=target.what)
    places = [os.path.realpath(target.path) for target in targets]
    if len(set(places)) != len(places):
        raise ExportError(f"{_shown(targets[-1].path)} is named for two files of one export; give each its own name")
    temporaries: list[Path] = []
    current = targets[0]
    try:
        for current in targets:
            temporaries.append(_create_beside(Path(current.path)))
        for current, temporary in zip(targets, temporaries):
            current.write(temporary)
        for current, temporary in zip(targets, temporaries):
            os.replace(temporary, current.path)
    except OSError as error:
        raise ExportError(f"cannot write {_shown(current.path)}: {error.strerror or error}") from None
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def check_target(path: str, *, is_ours: Callable[[Path], bool], force: bool, what: str) -> None:
    """Refuse a directory or a special file (a FIFO would hang us), and an existing file that is not ours unless ``force``."""
    import stat

    target = Path(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as error:  # a name too long, a loop of links, a directory we may not search
        raise ExportError(f"cannot write {_shown(path)}: {error.strerror or error}") from None
    if stat.S_ISDIR(mode):
        raise ExportError(f"cannot write {_shown(path)}: it is a directory; give a file name")
    if not stat.S_ISREG(mode):
        raise ExportError(f"cannot write {_shown(path)}: it is not a regular file (a pipe or a device); give a file name")
    if not force and not is_ours(target):
        raise ExportError(f"{_shown(path)} exists and is not {what} written by cbiic; pass --force to overwrite it")


def _shown(path: str) -> str:
    """A path for a message: cut short if it is long, so a message stays one readable line."""
    return path if len(path) <= 200 else f"{path[:200]}… ({len(path):,} characters)"


TEMPORARY_NAME_BYTES = 64


def _create_beside(target: Path) -> Path:
    """An empty, new file in the target's directory (so the final rename stays on one file system)."""
    # The target's name says whose temporary this is, cut so that the whole name fits NAME_MAX (255 bytes on
    # most file systems) whatever the target's length: its own name may already use all of it.
    shown = os.fsencode(target.name)[:TEMPORARY_NAME_BYTES].decode("utf-8", "ignore") or "export"
    temporary = target.with_name(f".{shown}.{secrets.token_hex(6)}.tmp")
    try:
        # Mode 0o666 less the umask, as the finished file should be; O_EXCL: never reuse someone's file.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileNotFoundError:
        raise ExportError(f"cannot write {_shown(str(target))}: no such directory {_shown(str(target.parent))}") from None
    except OSError as error:
        raise ExportError(f"cannot write {_shown(str(target))}: {error.strerror or error}") from None
    return temporary


def starts_like(path: Path, pattern: re.Pattern[bytes], *, within: int = 4096) -> bool:
    """Whether the file begins the way our export begins (``pattern`` matched at its very start; unreadable: no).

    A match at the start, not a marker anywhere in the head, so a document that merely
    mentions the marker (in a comment, say) is never taken for an export and overwritten.
    """
    try:
        with path.open("rb") as handle:
            return pattern.match(handle.read(within)) is not None
    except OSError:
        return False
