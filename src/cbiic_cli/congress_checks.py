"""What only a congress's forum files together can show, for ``cbiic validate DIR``: forum ids used twice, ``same_as``
links whose other end is missing, one theme id defined two ways, ``congress.yaml`` disagreeing with the forum files,
and the congress's facts against the article that states them. Each problem is placed in the file it is in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .congress import CONGRESS_FILE, Directory, default_id
from .errors import CbiicError, Problem
from .links import SEPARATOR

if TYPE_CHECKING:
    from . import model


class Checked:
    """A forum file of the congress that validated: where it is, what it holds, and its text (to place problems)."""

    __slots__ = ("file", "forum", "id", "text")

    def __init__(self, file: str, forum: model.Forum, text: str) -> None:
        self.file = file
        self.forum = forum
        self.text = text
        self.id = forum.id or default_id(file)


def cross_checks(directory: Directory, forums: list[Checked], unchecked: list[str] | None = None) -> list[tuple[str, Problem]]:
    """What no one file can show: forum ids used twice or not usable in a reference, ``same_as`` links whose other
    end is missing or that make two people of one forum one, one theme id defined two ways or one theme name naming
    two themes, and ``congress.yaml`` disagreeing with the forum files. Each problem with the file it is in, placed
    (line, column) in that file. ``unchecked``: the forum ids of files that did not validate (``declared_id``): links
    to them are not judged, as those files' own problems come first."""
    from .load import locate_problems

    found: dict[str, list[Problem]] = {}

    def add(file: str, message: str, trail: tuple[Any, ...]) -> None:
        from .errors import format_path

        found.setdefault(file, []).append(Problem(message, format_path(trail), trail=trail))

    from .congress import usable_id

    unjudged = set(unchecked or [])
    by_id: dict[str, Checked] = {}
    for checked in forums:
        if not usable_id(checked.id):
            add(
                checked.file,
                f"the forum id {checked.id!r} (from the file's name) cannot be written in a reference FORUM/ID; give the file "
                "a top-level `id` (lower-case words joined by hyphens), or rename it",
                (),
            )
        if checked.id in by_id:
            add(
                checked.file,
                f"forum id {checked.id!r} is {by_id[checked.id].file}'s too, and FORUM/ID must name one forum; give one of them another `id`",
                ("id",) if checked.forum.id else (),
            )
        else:
            by_id[checked.id] = checked
    for checked in forums:
        for number, person in enumerate(checked.forum.people):
            for link, other in enumerate(person.same_as):
                there, _, slug = other.partition(SEPARATOR)
                trail = ("people", number, "same_as", link)
                if there == checked.id:
                    add(checked.file, f"{other!r} is in this forum; same_as links a person to the same person in another forum", trail)
                elif there in unjudged and there not in by_id:
                    continue  # its file is invalid: that is its problem, reported with it
                elif there not in by_id:
                    add(
                        checked.file, f"no forum {there!r} in this congress (forums: {', '.join(sorted(by_id))}); link to FORUM/SLUG", trail
                    )
                elif not any(p.slug == slug for p in by_id[there].forum.people):
                    add(
                        checked.file,
                        f"{by_id[there].file} has no person {slug!r}; link to a slug `cbiic --data {directory.path} speakers --forum {there}` lists",
                        trail,
                    )
    _one_person_per_forum(forums, add)
    _theme_names(directory, forums, add)
    shared = {theme["id"] for theme in directory.shared_themes}
    defined: dict[str, tuple[str, Any]] = {}
    for checked in forums:
        for number, theme in enumerate(checked.forum.themes):
            if theme.id in shared:
                continue
            first = defined.setdefault(theme.id, (checked.file, theme))
            if first[1] != theme:
                add(
                    checked.file,
                    f"theme {theme.id!r} is defined differently in {first[0]}, and one id is one theme in every forum; "
                    "define it once in congress.yaml, make the two the same, or give this one another id",
                    ("themes", number, "id"),
                )
    info = directory.info
    if info is not None:
        files = {checked.file: checked for checked in forums}
        listed: set[str] = set()
        for number, entry in enumerate(info.forums):
            if entry.file in listed:
                add(CONGRESS_FILE, f"lists {entry.file!r} a second time; list each forum file once", ("forums", number, "file"))
            listed.add(entry.file)
            counterpart = files.get(entry.file)
            if counterpart is not None:
                source = counterpart.forum.source
                for field in ("title", "published", "file"):
                    if getattr(entry.article, field) != getattr(source, field):
                        add(
                            CONGRESS_FILE,
                            f"says {getattr(entry.article, field)!r}, and {entry.file}'s source.{field} says {getattr(source, field)!r}; make them the same",
                            ("forums", number, "article", field),
                        )
        for file in directory.files:
            if file not in listed:
                add(CONGRESS_FILE, f"does not list the forum file {file!r}; add it with its article (title, published, file)", ("forums",))
        if info.congress.source_forum not in directory.files:
            add(CONGRESS_FILE, f"no forum file {info.congress.source_forum!r} in {directory.path}", ("congress", "source_forum"))
    placed: list[tuple[str, Problem]] = []
    texts = {checked.file: checked.text for checked in forums}
    for file, problems in found.items():
        text = texts.get(file) if file != CONGRESS_FILE else _text_of(directory.congress_path)
        if text is not None:
            locate_problems(text, problems)
        placed += [(directory.forum_path(file), problem) for problem in sorted(problems, key=lambda p: (p.line or 0, p.column or 0))]
    return placed


def declared_id(path: str, file: str) -> str:
    """The forum id of a file that did not validate: its top-level `id` if one can be read, else its file's name."""
    import re

    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1 << 20)
    except OSError:
        return default_id(file)
    found = re.search(r"^id:[ \t]*[\"']?([a-z0-9-]+)[\"']?[ \t]*(#.*)?$", text, re.MULTILINE)
    return found.group(1) if found else default_id(file)


def _one_person_per_forum(forums: list[Checked], add: Any) -> None:
    """``same_as`` says two records are one person (``links.groups``): it must never make two people of one forum one
    (two Ma Juns of one article are two people, whatever a link elsewhere says)."""
    from . import links

    records = [(checked.id, person.slug) for checked in forums for person in checked.forum.people]
    located = [
        (((checked.id, person.slug), other), (checked.file, ("people", number, "same_as", link)))
        for checked in forums
        for number, person in enumerate(checked.forum.people)
        for link, other in enumerate(links.linked_to(person.same_as))
    ]
    for group in links.groups(records, [pair for pair, _ in located]):
        by_forum: dict[str, list[str]] = {}
        for forum_id, slug in sorted(group):
            by_forum.setdefault(forum_id, []).append(slug)
        merged = {forum_id: slugs for forum_id, slugs in by_forum.items() if len(slugs) > 1}
        if merged:
            forum_id, slugs = next(iter(merged.items()))
            held = set(group)
            file, trail = min(where for (one, other), where in located if one in held and other in held)
            add(
                file,
                f"these same_as links make {' and '.join(f'{forum_id}/{slug}' for slug in slugs)} one person, and they are two "
                "people of one forum; link each to the one person it is",
                trail,
            )


def _theme_names(directory: Directory, forums: list[Checked], add: Any) -> None:
    """A theme's id, label and aliases name it everywhere: one name that names two themes would make `cbiic theme NAME`
    a guess."""
    from .names import normalise

    named: dict[str, str] = {}
    for theme in directory.shared_themes:
        for name in (theme["id"], theme["label"], *theme.get("aliases", [])):
            named.setdefault(normalise(name), theme["id"])
    for checked in forums:
        for number, theme in enumerate(checked.forum.themes):
            for field, name in [("id", theme.id), ("label", theme.label), *(("aliases", alias) for alias in theme.aliases)]:
                first = named.setdefault(normalise(name), theme.id)
                if first != theme.id:
                    trail: tuple[Any, ...] = ("themes", number, field)
                    if field == "aliases":
                        trail += (theme.aliases.index(name),)
                    add(
                        checked.file,
                        f"{name!r} names the theme {first!r} in another forum of the congress, and a name must mean one "
                        "theme everywhere; choose another",
                        trail,
                    )


def _text_of(path: str) -> str | None:
    from .load import ForumSource, decode_text, read_bytes

    try:
        return decode_text(read_bytes(ForumSource(path)), path)
    except CbiicError:
        return None


def congress_against_article(directory: Directory, article: Any) -> list[Problem]:
    """The congress's facts, each on a line its source forum's article holds (name, city and year, verbatim)."""
    info = directory.info
    if info is None:
        return []
    facts = info.congress
    cited = " ".join(quote["text"] or "" for quote in article.quotes(list(facts.source_paragraphs)))
    problems = []
    for field, value in (("name", facts.name), ("city", facts.city), ("year", str(facts.year))):
        if value not in cited:
            trail = ("congress", field)
            problems.append(
                Problem(
                    f"{value!r} is not on the lines it cites ({', '.join(map(str, facts.source_paragraphs))}) of {article.name}",
                    "congress." + field,
                    trail=trail,
                )
            )
    text = _text_of(directory.congress_path)
    if text is not None and problems:
        from .load import locate_problems

        locate_problems(text, problems)
    return problems
