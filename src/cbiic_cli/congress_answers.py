"""The answers of a congress of several forums: each forum's answer (``answers.py``, asked of its own index), joined.

Each row says which forum it is from (``forum``), and every id in it is qualified
(``FORUM/ID``, ``rows.qualify``), so any id a view prints is a reference that
resolves. Lists keep each forum's order (the article's), forums in the
congress's order; search ranks every forum's hits together, by score. A notice
every forum gives is said once; one only some give names its forum.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from . import answers, caveats
from .answers import THEME_KEYS, _first, _say_left_out, _say_limited
from .congress import Congress, Member, qualified
from .errors import ForumDataError, NotFound, Problem
from .query import ThemeTally, View
from .rows import qualify

# A question of one forum: its index, and which forum of the congress it is.
Question = Callable[[Any, Member], View]
# Asks one forum's index a question (through ``commands.answer``, which falls back to the file if a store is damaged).
Ask = Callable[[Member, Question], View]
FORUM_KEY = "forum"


def _notices(parts: list[tuple[Member, list[str]]]) -> list[str]:
    """Each forum's notices, every id in them qualified (``qualify_notice``), then merged (``_merged``)."""
    return _merged([(member, [qualify_notice(member, notice) for notice in notices]) for member, notices in parts])


def _merged(parts: list[tuple[Member, list[str]]]) -> list[str]:
    """Notices already qualified: one every forum gives alike, once; any other (all of them, from one forum alone)
    with its forum's id in front."""
    everyone = [set(notices) for _, notices in parts]
    common = set.intersection(*everyone) if len(everyone) > 1 else set()
    said = [notice for notice in dict.fromkeys(n for _, notices in parts for n in notices) if notice in common]
    for member, notices in parts:
        said += [f"{member.id}: {notice}" for notice in dict.fromkeys(notices) if notice not in common]
    return said


# A word that may be an id (lower-case words joined by hyphens), and the command hints that name one.
_ID_LIKE = re.compile(r"(?<![\w/-])([a-z0-9]+(?:-[a-z0-9]+)+)(?![\w/-])")
_HINT = re.compile(r"`cbiic (talk|speaker) ([^`\s]+)`")


def qualify_notice(member: Member, notice: str) -> str:
    """A forum's notice with the ids it names written FORUM/ID, as every row's are: a person's slug or a contribution's
    id (words joined by hyphens that the forum has as such), and the reference in a `cbiic talk|speaker REF` hint."""
    index = member.index

    def known(key: str) -> bool:
        return key in index.people or key in index.contribution_by_id or (index.frame.panel is not None and key == index.frame.panel.id)

    hinted = _HINT.sub(lambda m: f"`cbiic {m[1]} {qualified(member.id, m[2])}`" if known(m[2]) else m[0], notice)
    return _ID_LIKE.sub(lambda m: qualified(member.id, m[1]) if known(m[1]) else m[1], hinted)


def joined(
    congress: Congress,
    ask: Ask,
    question: Question,
    limit: int | None,
    noun: str,
    document_items: str | None = None,
) -> View:
    """A list view: every forum's rows (each asked for all of them), qualified, the first ``limit`` of them."""
    views = [(member, ask(member, question)) for member in congress.members]
    total = sum(view.extra.get("total", len(view.items) if isinstance(view.items, list) else 0) for _, view in views)
    first = views[0][1]
    rows: Iterable[dict[str, Any]] = chain.from_iterable(_rows_of(member, view.items) for member, view in views)
    shown = _first(rows, limit)
    view = View(first.kind, shown, [FORUM_KEY] + first.keys, extra=dict(first.extra))
    if document_items is not None and first.document is not None:
        view.document = {**first.document, document_items: shown}
    # A forum that found nothing says so; when others did find something, that is no notice for the congress.
    heard = [(member, v.notices) for member, v in views if total == 0 or not v.empty]
    view.notices += _notices(heard)
    view.row_notices += _notices([(member, v.row_notices) for member, v in views])
    view.required_keys = list(dict.fromkeys(key for _, v in views for key in v.required_keys))
    if "attribution" in first.extra:
        view.extra["attribution"] = {
            kind: sum(v.extra.get("attribution", {}).get(kind, 0) for _, v in views) for kind in ("stated", "possible")
        }
    view.extra["forums"] = [member.id for member in congress.members]
    _say_limited(view, total, limit, noun)
    return view


def _rows_of(member: Member, rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield {FORUM_KEY: member.id, **qualify(row, member.id)}


# -- one thing, found in the forum that has it -----------------------------------------------------------------


def one(congress: Congress, ask: Ask, member: Member, question: Question) -> View:
    """A view of one thing (a person, a talk, the panel, a forum's summary): its rows and document qualified, with
    their forum."""
    view = ask(member, question)
    items = view.materialise()
    rows = [{FORUM_KEY: member.id, **qualify(row, member.id)} for row in items]
    if view.document is not None:
        holding_rows = [key for key, value in view.document.items() if value is items]
        document = {FORUM_KEY: member.id, **qualify(view.document, member.id)}
        document.update(dict.fromkeys(holding_rows, rows))
        view.document = document
    view.items = rows
    view.keys = [FORUM_KEY] + view.keys
    view.notices = [qualify_notice(member, notice) for notice in view.notices]
    view.row_notices = [qualify_notice(member, notice) for notice in view.row_notices]
    view.extra["forums"] = [member.id]
    return view


def speaker(congress: Congress, ask: Ask, member: Member, slug: str, question: Callable[[Any, str, Member], View]) -> View:
    """A person, and what they said in every forum the curator links them to (``same_as``)."""
    view = one(congress, ask, member, lambda index, owner: question(index, slug, owner))
    linked = congress.linked(member.id, slug)
    if len(linked) == 1:
        return view
    rows = list(view.items)
    notices = [(member, view.row_notices)]
    for other, other_slug in linked[1:]:
        theirs = ask(other, _asking_for(question, other_slug))
        rows += list(_rows_of(other, theirs.items))
        notices.append((other, theirs.row_notices))
        assert view.document is not None
        view.document["moderated"] += [qualify(m, other.id) for m in theirs.document["moderated"]] if theirs.document else []
        view.document["possibly_moderated"] += (
            [qualify(m, other.id) for m in theirs.document["possibly_moderated"]] if theirs.document else []
        )
    view.replace_items(rows)
    view.row_notices = _merged(notices)
    assert view.document is not None
    view.document["contributions"] = rows
    view.document["same_as"] = [qualified(other.id, other_slug) for other, other_slug in linked[1:]]
    view.document["forums"] = list(dict.fromkeys(other.id for other, _ in linked))
    view.extra["forums"] = view.document["forums"]
    return view


def _asking_for(question: Callable[[Any, str, Member], View], slug: str) -> Question:
    return lambda index, owner: question(index, slug, owner)


# -- themes: the congress's ------------------------------------------------------------------------------------


class ThemeCatalogue:
    """Every forum's themes as one list, in the congress's order: what ``query.resolve_theme`` reads, so that a name
    resolves the same whichever forum is asked (a prefix unique in one forum may not be in the congress). Made once
    per congress (``of``): one theme id defined two ways, or one name naming two themes, refuses every query."""

    def __init__(self, congress: Congress) -> None:
        from types import SimpleNamespace

        from .congress import theme_clash
        from .names import normalise

        every = [(member.path, member.index.frame.themes) for member in congress.every]
        clash = theme_clash(every)
        if clash is not None:
            where = congress.directory.path if congress.directory else "."
            raise ForumDataError(clash[0], [Problem(f"{clash[1]} (`cbiic --data {where} validate` lists every such problem)")])
        found: dict[str, Any] = {}
        for _, themes in every:
            for each in themes:
                found.setdefault(each.id, each)
        self.themes: dict[str, Any] = found
        self.frame = SimpleNamespace(themes=list(found.values()))
        self.theme_names: dict[str, str] = {}
        for each in found.values():
            for name in (each.id, each.label, *each.aliases):
                self.theme_names.setdefault(normalise(name), each.id)

    @classmethod
    def of(cls, congress: Congress) -> ThemeCatalogue:
        if congress.theme_catalogue is None:
            congress.theme_catalogue = cls(congress)
        made: ThemeCatalogue = congress.theme_catalogue
        return made

    def resolve(self, name: str) -> str:
        from .query import resolve_theme

        return resolve_theme(self, name)  # type: ignore[arg-type]  # reads only the themes

    def having(self, congress: Congress, theme_id: str) -> Congress:
        """The forums asked for whose contributions may carry the theme (those that know it); none is refused, naming
        the forums that do (the theme is the congress's, and --forum left them out)."""
        members = [member for member in congress.members if theme_id in member.index.themes]
        if not members:
            from .query import listed, quoted

            knowing = [member.id for member in congress.every if theme_id in member.index.themes]
            raise NotFound(
                f"no forum asked for has the theme {quoted(theme_id)}: {listed(knowing, conjunction='and ')} "
                f"{'does' if len(knowing) == 1 else 'do'}; add --forum {knowing[0]}, or leave --forum out"
            )
        return Congress(congress.directory, members, congress.every)


def theme(congress: Congress, ask: Ask, name: str, question: Callable[[Any, Member, str], View], limit: int | None) -> View:
    """A theme's contributions in every forum that has the theme."""
    from .names import normalise
    from .query import quoted

    catalogue = ThemeCatalogue.of(congress)
    theme_id = catalogue.resolve(name)
    view = joined(catalogue.having(congress, theme_id), ask, lambda index, owner: question(index, owner, theme_id), limit, "contributions")
    if normalise(name) not in catalogue.theme_names:
        view.notices.insert(0, f"taking {quoted(name)} as the theme {theme_id} ({catalogue.themes[theme_id].label})")
    return view


def on_theme(
    congress: Congress, ask: Ask, name: str | None, question: Callable[[Any, Member, str | None], View], answer: Callable[..., View]
) -> View:
    """``answer(congress, ask, question)`` with a theme filter resolved once for the congress, then asked of the forums
    that know it, by id (a forum that does not know it has nothing on it); with no theme, of every forum."""
    if name is None:
        return answer(congress, ask, lambda index, owner: question(index, owner, None))
    catalogue = ThemeCatalogue.of(congress)
    theme_id = catalogue.resolve(name)
    return answer(catalogue.having(congress, theme_id), ask, lambda index, owner: question(index, owner, theme_id))


def themes(congress: Congress, limit: int | None) -> View:
    """Each theme of the congress with what it carries in every forum, and the forum-by-theme matrix, from each
    forum's tally of each theme shown (``theme_tallies``)."""
    catalogue = ThemeCatalogue.of(congress)
    known = [set(member.index.themes) for member in congress.members]
    every = [the_theme for the_theme in catalogue.themes.values() if any(the_theme.id in ids for ids in known)]
    tallies_of = theme_tallies(congress)
    rows = []
    for the_theme in _first(every, limit):
        tallies = tallies_of(the_theme.id)
        counts = [answers.theme_counts(tally) for _, tally in tallies]
        row = {
            "id": the_theme.id,
            "label": the_theme.label,
            "aliases": list(the_theme.aliases),
            "description": the_theme.description,
            **{key: sum(part[key] for part in counts) for key in answers.theme_counts(ThemeTally())},
            **_first_lists(tallies, limit),
            "forums": [member.id for (member, _), part in zip(tallies, counts) if part["count"]],
        }
        rows.append(row)
    view = View("themes", rows, THEME_KEYS + ["forums"])
    view.extra["total"] = len(every)
    forums = [member.id for member in congress.members]
    columns = [{"slug": forum_id, "themes": [row["id"] for row in rows if forum_id in row["forums"]]} for forum_id in forums]
    view.extra["matrix"] = lambda shown_rows: list(_first(columns, limit))
    view.extra["forums"] = forums
    cut = bool(limit) and any(row["count"] > (limit or 0) for row in rows)
    _say_left_out(
        view,
        [caveats.first_of(limit, len(every), "themes"), caveats.first_of(limit, len(forums), "forums in the matrix")],
        [f"each theme's first {limit:,} contributions and speakers" if cut and limit else None],
    )
    return view


def theme_tallies(congress: Congress) -> Callable[[str], list[tuple[Member, Any]]]:
    """``tallies(theme_id)``: the theme's tally (``query.ThemeTally``) in each forum asked that knows it, in the
    congress's order; from a store, every forum's in one read (``store.index.Shared``)."""
    shared = getattr(congress.every[0].index, "shared", None)
    if shared is None:
        return lambda theme_id: [
            (member, member.index.theme_tally(theme_id)) for member in congress.members if theme_id in member.index.themes
        ]
    by_index = {id(member.index): member for member in congress.members}
    place = {id(member.index): number for number, member in enumerate(congress.members)}

    def stored(theme_id: str) -> list[tuple[Member, Any]]:
        found = [(index, tally) for index, tally in shared.theme_tallies(theme_id) if id(index) in by_index]
        return [(by_index[id(index)], tally) for index, tally in sorted(found, key=lambda pair: place[id(pair[0])])]

    return stored


def _first_lists(tallies: list[tuple[Member, Any]], limit: int | None) -> dict[str, list[Any]]:
    """The first ``limit`` of each of a theme's lists (``answers.THEME_LISTS``) in every forum, forum after forum, each
    id written FORUM/ID, read of only the forums it takes; each forum then proves the people it shows are its own (a
    store's tally of many forums at once is checked for what it shows, not for every forum's every speaker)."""
    found: dict[str, list[Any]] = {}
    shown: dict[int, list[str]] = {}
    for key, listed_in in answers.THEME_LISTS.items():
        kept = found[key] = []
        for number, (member, tally) in enumerate(tallies):
            if limit is not None and len(kept) >= limit:
                break
            for value in _first(listed_in(tally), None if limit is None else limit - len(kept)):
                kept.append(qualified(member.id, value) if isinstance(value, str) else qualify(value, member.id))
                if key != "contributions":
                    shown.setdefault(number, []).extend([value] if isinstance(value, str) else value["candidates"])
    for number, slugs in shown.items():
        prove = getattr(tallies[number][0].index, "prove_people", None)
        if prove is not None:
            prove(slugs)
    return found


# -- search: every forum's hits, ranked together ---------------------------------------------------------------


def search(congress: Congress, ask: Ask, question: Question, limit: int | None) -> View:
    """Every forum's hits, ranked together by score (each forum's BM25, over its own documents). A forum whose hits
    are for a corrected query counts only when no forum matched the query as asked."""
    views = _ranked_on_every_core(congress, ask, question)
    exact = [(member, view) for member, view in views if not view.extra.get("corrected")]
    if any(view.extra.get("total") for _, view in exact):
        views = exact
    # Ranked by the scores of every hit (stable: equal scores keep the congress's order of forums, and each forum's
    # own), only the hits shown are made: each forum's first so many, its rows being in its order of scores.
    ranked = sorted((-score, number) for number, (_, view) in enumerate(views) for score in view.extra["scores"])
    total = len(ranked)
    taken = Counter(number for _, number in _first(ranked, limit))
    hits = [(member, hit) for number, (member, view) in enumerate(views) for hit in islice(view.items, taken[number])]
    hits.sort(key=lambda pair: -float(pair[1].get("score") or 0))
    rows = []
    for rank, (member, hit) in enumerate(_first(hits, limit), 1):
        row = {FORUM_KEY: member.id, **qualify(hit, member.id)}
        if hit.get("kind") == "forum":
            row["id"] = member.id
        row["rank"] = rank
        rows.append(row)
    first = views[0][1]
    view = View("search", rows, [FORUM_KEY] + first.keys, extra={key: value for key, value in first.extra.items() if key != "scores"})
    view.notices += _notices([(member, v.notices) for member, v in views if v.extra.get("total") or not total])
    view.extra["forums"] = [member.id for member in congress.members]
    _say_limited(view, total, limit, "hits")
    return view


def _ranked_on_every_core(congress: Congress, ask: Ask, question: Question) -> list[tuple[Member, View]]:
    """Each forum's search. A congress read from its files (its first answer, before its store is built) matches
    every document of every forum: a forked child per spare core (``parallel.share_out``) searches a share of the
    forums and sends back each answer but its rows (its scores, counts and notices); a forum whose hits are shown
    is asked again here for its rows, and only then. From a store (whose connection a child must not share), here."""
    members = congress.members
    if any(member.index.stored for member in members):
        return [(member, ask(member, question)) for member in members]
    import msgspec

    from . import parallel

    def sent_back(number: int, data: bytes) -> View:
        kind, keys, extra, notices, row_notices, required = msgspec.msgpack.decode(data)
        view = View(kind, _rows_asked_here(members[number], ask, question), keys, extra=extra)
        view.notices, view.row_notices, view.required_keys = notices, row_notices, required
        return view

    views = parallel.computed(
        [parallel.file_size(member.path) for member in members],
        lambda number: ask(members[number], question),
        # A view's rows are made as they are taken: none are in a child; a forum whose hits are shown is asked here.
        lambda view: msgspec.msgpack.encode([view.kind, view.keys, view.extra, view.notices, view.row_notices, view.required_keys]),
        sent_back,
    )
    return list(zip(members, views, strict=True))


def _rows_asked_here(member: Member, ask: Ask, question: Question) -> Iterator[dict[str, Any]]:
    """The rows of a forum's search ranked in a child, made here when the first is taken (only a forum whose hits
    are shown is asked again)."""
    yield from ask(member, question).items


# -- the congress as a whole -----------------------------------------------------------------------------------

FORUM_KEYS = ["id", "name", "date", "city", "people", "contributions", "file", "article_title", "article_published", "article_file"]


def forum_row(member: Member) -> dict[str, Any]:
    """A forum: what the store's catalogue and contents say of it, with nothing of its people or contributions read."""
    index = member.index
    frame = index.frame
    return {
        "id": member.id,
        "name": frame.forum.name,
        "date": frame.forum.date.isoformat(),
        "city": frame.forum.city,
        "people": index.count("people"),
        "contributions": index.count("contributions"),
        "file": member.file,
        "article_title": frame.source.title,
        "article_published": frame.source.published,
        "article_file": frame.source.file,
    }


def forums(congress: Congress, limit: int | None) -> View:
    """Each forum: its date, its size and its source article."""
    rows = (forum_row(member) for member in _first(congress.members, limit))
    view = View("forums", rows, FORUM_KEYS)
    info = congress.directory.info if congress.directory is not None else None
    if info is not None:
        view.extra["congress"] = {"name": info.congress.name, "year": info.congress.year, "city": info.congress.city}
    _say_limited(view, len(congress.members), limit, "forums")
    return view


def summary(congress: Congress, ask: Ask, question: Question, contributions: Question, limit: int | None) -> View:
    """The congress at a glance: its facts and size, its first ``limit`` forums (as ``forums`` lists them), and its
    first ``limit`` contributions, forum by forum, each forum's in its article's order. One forum asked for (``--forum``)
    is that forum's own whole summary (``question``), its rows qualified."""
    if len(congress.members) == 1:
        return one(congress, ask, congress.members[0], question)
    info = congress.directory.info if congress.directory is not None else None
    listed = joined(congress, ask, contributions, limit, "contributions")
    total = {
        "forums": len(congress.members),
        "people": sum(member.index.count("people") for member in congress.members),
        "contributions": listed.extra["total"],
    }
    document = {
        "congress": None
        if info is None
        else {
            "name": info.congress.name,
            "year": info.congress.year,
            "city": info.congress.city,
            "source_forum": info.congress.source_forum,
            "source_paragraphs": list(info.congress.source_paragraphs),
        },
        "counts": total,
        "forums": [forum_row(member) for member in _first(congress.members, limit)],
        "order": caveats.ORDER_NOTE,
        "contributions": listed.items,
    }
    view = View("congress_summary", listed.items, listed.keys, document=document)
    view.extra["total"] = total["contributions"]
    view.notices = [notice for notice in listed.notices if caveats.ALL_OF_THEM not in notice]
    view.row_notices += [f"Contributions are listed forum by forum, each {caveats.ORDER_NOTE}."]
    _say_left_out(
        view,
        [caveats.first_of(limit, len(congress.members), "forums"), caveats.first_of(limit, total["contributions"], "contributions")],
    )
    return view
