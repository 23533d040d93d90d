"""A congress: a directory of forum files, each curated from its own article, and optionally ``congress.yaml``.

A forum's id is its file's name without ``.yaml``, unless the file names its own
``id``. Ids of people, talks and organisations are unique within a forum, not
across forums: ``FORUM/ID`` always means that forum's ``ID``, and a bare ``ID``
means the one forum that has it. A person is the same person in two forums only
where the curator says so (``same_as``); a shared name never merges anyone.

Each forum is answered from its own index (its query store, or its file), so a
congress of one forum answers exactly as that forum's file does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import Ambiguous, CbiicError, ForumDataError, NotFound, Problem
from .links import SEPARATOR

if TYPE_CHECKING:
    from . import model
    from .query import Index

CONGRESS_FILE = "congress.yaml"
FORUM_SUFFIX = ".yaml"


def is_congress(location: str) -> bool:
    return location != "-" and os.path.isdir(location)


def forum_files(directory: str) -> list[str]:
    """The forum files in a congress directory, by name: every ``*.yaml`` but ``congress.yaml`` and hidden files."""
    try:
        names = os.listdir(directory)
    except OSError as exc:
        raise ForumDataError(directory, [Problem(f"cannot list the congress directory: {exc.strerror or exc}")]) from None
    # Whatever each entry is: one that is no readable file (a directory, a dangling link) is then refused by its name,
    # never skipped, since a forum left out silently would answer for less than the congress.
    found = sorted(name for name in names if name.endswith(FORUM_SUFFIX) and name != CONGRESS_FILE and not name.startswith("."))
    if not found:
        raise ForumDataError(
            directory,
            [Problem("holds no forum file (*.yaml); put one forum file per forum there, or pass a forum file with --data")],
        )
    return found


def split(ref: str) -> tuple[str | None, str]:
    """``FORUM/ID`` as (forum, id); a bare id as (None, id)."""
    forum, slash, key = ref.strip().partition(SEPARATOR)
    return (forum.strip().casefold(), key.strip()) if slash else (None, ref)


def qualified(forum: str, key: str) -> str:
    return f"{forum}{SEPARATOR}{key}"


class Directory:
    """A congress directory as found on disk: its forum files and its ``congress.yaml``, read only when asked for."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.files = forum_files(path)
        self.congress_path = os.path.join(path, CONGRESS_FILE)
        self.has_congress_file = os.path.lexists(self.congress_path)  # if it is no readable file, reading it says so

    def forum_path(self, file: str) -> str:
        return os.path.join(self.path, file)

    def context(self) -> bytes:
        """What a forum's store depends on besides the forum file: ``congress.yaml``'s identity (its shared themes)."""
        if not self.has_congress_file:
            return b""
        try:
            info = os.stat(self.congress_path)
        except OSError:
            return b"unreadable"
        return repr(
            (os.path.realpath(self.congress_path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        ).encode("utf-8", "surrogateescape")

    @cached_property
    def info(self) -> model.Congress | None:
        """``congress.yaml``, validated, or None when there is none."""
        if not self.has_congress_file:
            return None
        from .load import ForumSource, parse_congress, read_bytes

        try:
            congress: model.Congress = parse_congress(read_bytes(ForumSource(self.congress_path)), self.congress_path, self.files)
        except ForumDataError as error:
            error.validate_target = self.path
            raise
        return congress

    @cached_property
    def shared_themes(self) -> list[Any]:
        """The congress's themes as plain values, which every forum file's key points may use."""
        if self.info is None or not self.info.themes:
            return []
        import msgspec

        return list(msgspec.to_builtins(self.info.themes))

    def article_file(self, file: str, fallback: str) -> str:
        """The file name of a forum's article: as ``congress.yaml`` lists it, else as the forum file's ``source`` gives it."""
        info = self.info
        for entry in info.forums if info is not None else []:
            if entry.file == file:
                return entry.article.file
        return fallback


def default_id(file: str) -> str:
    """A forum's id when its file names none: the file's name without ``.yaml``."""
    return file[: -len(FORUM_SUFFIX)].casefold() if file.endswith(FORUM_SUFFIX) else file.casefold()


class Member:
    """One forum of the congress, answered from its own index."""

    __slots__ = ("file", "id", "index", "path")

    def __init__(self, file: str, path: str, index: Index, forum_id: str) -> None:
        self.file = file
        self.path = path
        self.index = index
        self.id = forum_id


class Congress:
    """The forums a command answers from, in the congress's order: by date, then by id (the articles give no other)."""

    def __init__(self, directory: Directory | None, members: list[Member], every: list[Member] | None = None) -> None:
        self.directory = directory
        self.members = members
        self.every = every if every is not None else members  # before --forum narrowed them
        self.theme_catalogue: Any = None  # the congress's themes as one (congress_answers.ThemeCatalogue), made once

    @property
    def several(self) -> bool:
        """More than one forum in the congress: then rows say which forum they are from, and ids are qualified."""
        return len(self.every) > 1

    def member(self, forum_id: str) -> Member:
        for member in self.every:
            if member.id == forum_id:
                return member
        raise NotFound(f"no forum {forum_id!r} in this congress; run `cbiic forums` to list them ({', '.join(self.ids())})")

    def ids(self) -> list[str]:
        return [member.id for member in self.every]

    def narrowed(self, wanted: list[str]) -> Congress:
        """Only the forums named (``--forum``, repeatable: any of them)."""
        if not wanted:
            return self
        chosen = {self.member(forum_id.strip().casefold()).id for forum_id in wanted}
        return Congress(self.directory, [member for member in self.members if member.id in chosen], self.every)

    def within(self, text: str | None) -> tuple[Congress, str | None]:
        """A filter's text (``orgs TEXT``, ``--org TEXT``) written ``FORUM/TEXT``: that forum alone, and the rest of
        the text; any other text, every forum asked for, as it is. So a printed organisation id finds its organisation."""
        forum_id, rest = split(text) if text else (None, text)
        if forum_id is None or forum_id not in {member.id for member in self.members}:
            return self, text
        return Congress(self.directory, [member for member in self.members if member.id == forum_id], self.every), rest

    def resolve(self, ref: str, resolve_one: Callable[[Index, str], Any], people: bool = False) -> tuple[Member, Any]:
        """``FORUM/ID`` in that forum; a bare reference in the one forum where it resolves. When several forums resolve
        it, the qualified candidates are listed, as an ambiguous person is; unless ``people`` are resolved and the
        curator has linked them all as one person (``same_as``), whose view shows every forum anyway."""
        forum_id, key = split(ref)
        if forum_id is not None:
            member = self.member(forum_id)
            if member not in self.members:
                raise NotFound(
                    f"forum {forum_id!r} is not among the forums asked for (--forum {' --forum '.join(m.id for m in self.members)})"
                )
            try:
                return member, resolve_one(member.index, key)
            except Ambiguous as refusal:
                names = [qualified(member.id, candidate) for candidate in refusal.candidates]
                if not names:
                    raise Ambiguous(f"in forum {member.id}: {refusal}") from None
                raise _several(ref, names, 1) from None
            except NotFound as refusal:  # its suggestions are that forum's ids: say so
                raise NotFound(f"in forum {member.id}: {refusal}") from None
        found: list[tuple[Member, Any]] = []
        ambiguous: list[tuple[Member, CbiicError]] = []
        refusals: list[CbiicError] = []
        for member in self.members:
            try:
                found.append((member, resolve_one(member.index, ref)))
            except Ambiguous as refusal:
                ambiguous.append((member, refusal))
            except NotFound as refusal:
                refusals.append(refusal)
        if found and not ambiguous:
            if len(found) == 1:
                return found[0]
            if people:
                first, slug = found[0]
                one_person = {(member.id, key) for member, key in self.linked(first.id, slug)}
                if all((member.id, key) in one_person for member, key in found):
                    return found[0]
        if found or ambiguous:
            # Resolved in one forum but ambiguous in another is ambiguous: the congress's answer would be a guess. Every
            # candidate is listed qualified, as it must be written.
            names = [qualified(member.id, _key_of(answer)) for member, answer in found]
            names += [qualified(member.id, key) for member, refusal in ambiguous for key in getattr(refusal, "candidates", [])]
            if not names:  # an ambiguity without candidates to name: the forum's own words, and where
                where, why = ambiguous[0]
                raise Ambiguous(f"in forum {where.id}: {why} In a congress, write it as FORUM/ID, e.g. {where.id}/ID.")
            raise _several(ref, names, len({member.id for member, _ in found + ambiguous}))
        raise refusals[0]

    def linked(self, forum_id: str, slug: str) -> list[tuple[Member, str]]:
        """Everyone the curator says is this person (``links.groups``), in any forum asked for, this person first, then
        in the congress's order."""
        from . import links

        members = {member.id: member for member in self.every}
        pairs = [
            ((member.id, person), other)
            for member in self.every
            for person, same_as in member.index.linked_people()
            for other in links.linked_to(same_as)
        ]
        named = dict.fromkeys([(forum_id, slug), *(record for pair in pairs for record in pair)])
        records = [(there, them) for there, them in named if there in members and them in members[there].index.people]
        group = next((found for found in links.groups(records, pairs) if (forum_id, slug) in found), [(forum_id, slug)])
        order = {member.id: number for number, member in enumerate(self.members)}  # --forum keeps the others out
        others = sorted((key for key in group if key != (forum_id, slug) and key[0] in order), key=lambda key: (order[key[0]], key[1]))
        return [(members[forum_id], slug)] + [(members[there], them) for there, them in others]

    def close(self) -> None:
        for member in self.every:
            member.index.close()


def _several(ref: str, names: list[str], forums: int) -> Ambiguous:
    """A reference that may mean each of ``names`` (qualified), in ``forums`` forums: refused, listing them."""
    from .query import listed, quoted

    where = f"in {forums:,} forums" if forums > 1 else f"in forum {names[0].partition(SEPARATOR)[0]}"
    return Ambiguous(
        f"{quoted(ref.strip())} matches {len(names):,} entries {where}: {listed(names, ' or ')}. Give one in full, as FORUM/ID.", names
    )


def _key_of(answer: Any) -> str:
    """The id a resolver answered with: a slug, or (kind, key)."""
    return str(answer[1] if isinstance(answer, tuple) else answer)


def order_members(members: list[Member]) -> list[Member]:
    """By the forum's date, then its id: the articles give no other order between forums."""
    return sorted(members, key=lambda member: (member.index.frame.forum.date, member.id))


def refuse_repeated_ids(directory: Directory, members: list[Member]) -> None:
    """Two forum files with one id (a file naming the id another file's name gives) would make references mean two
    things; an id that is no slug (a file named "My Forum.yaml") could not be written in one."""
    seen: dict[str, str] = {}
    for member in members:
        if not usable_id(member.id):
            shown = member.file.encode("utf-8", "backslashreplace").decode("utf-8")  # a name that is not UTF-8, shown
            raise ForumDataError(
                member.path.encode("utf-8", "backslashreplace").decode("utf-8"),
                [
                    Problem(
                        f"its name {shown!r} gives no forum id a reference FORUM/ID can use; give the file a top-level "
                        "`id` (lower-case words joined by hyphens), or rename it"
                    )
                ],
            )
        if member.id in seen:
            raise ForumDataError(
                member.path,
                [
                    Problem(
                        f"its forum id {member.id!r} is {seen[member.id]}'s too, and a qualified reference must name one forum; "
                        "give one of them another `id`, or rename its file"
                    )
                ],
            )
        seen[member.id] = member.file


def usable_id(forum_id: str) -> bool:
    """Whether a forum id can be written in a reference, FORUM/ID: lower-case words joined by hyphens, as any id."""
    import re

    from .model import SLUG_PATTERN

    return re.search(SLUG_PATTERN, forum_id) is not None


def theme_clash(forums: list[tuple[str, list[Any]]]) -> tuple[str, str] | None:
    """The first theme id defined two ways, or theme name (id, label, alias) naming two themes, across ``forums``
    ((file, its themes), in the congress's order): the file it is met in and what is wrong; None if they agree. One id
    or name is one theme in every forum, or answering would pick one of them, which is a guess."""
    from .names import normalise

    found: dict[str, tuple[str, Any]] = {}
    named: dict[str, str] = {}
    for file, themes in forums:
        for theme in themes:
            first = found.setdefault(theme.id, (file, theme))
            if first[1] != theme:
                return (
                    file,
                    f"theme {theme.id!r} is defined differently in {os.path.basename(first[0])}; one id is one theme in every forum",
                )
            if first[0] != file:
                continue  # the same theme again: its names are counted once
            for name in (theme.id, theme.label, *theme.aliases):
                if named.setdefault(normalise(name), theme.id) != theme.id:
                    return (
                        file,
                        f"{name!r} names both the theme {named[normalise(name)]!r} and the theme {theme.id!r}; a name is one theme in every forum",
                    )
    return None
