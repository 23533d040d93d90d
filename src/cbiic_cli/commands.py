"""What each query command does once its arguments are known: answer, then print in the format asked for.

Free of Typer, so the Typer app (``cli.py``) and the fast path (``fast.py``) run
the same code after parsing. A value only the command can judge (an unknown
role or field, an unsearchable query) is a ``UsageProblem``: ``cli.py`` turns it
into Click's usage error, and the fast path hands the whole command line to
Typer, which then reports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import congress as _congress
from . import process
from .errors import CbiicError, ForumDataError
from .formats import ROW_FORMATS, UTF8_FORMATS, OutputFormat

if TYPE_CHECKING:
    from .query import Index

# Every list (search's hits, people, contributions on a theme, organisations, agenda items, the summary's
# sessions and talks) and each dimension of a whole-forum view (themes, the theme matrix's speakers, each theme's
# contributions) shows this many unless told otherwise, as gh does: at 100,000 talks a whole list is
# megabytes no reader wants by default. Scripts ask for all of it with --limit 0; a notice says when rows were left out.
DEFAULT_LIMIT = 20


class UsageProblem(CbiicError):
    """A value the command line accepted but the command cannot use; shown with the usage, exit 2."""

    exit_code = 2

    def __init__(self, message: str, param_hint: str) -> None:
        super().__init__(message)
        self.param_hint = param_hint


class Settings:
    """The options every data command shares, wherever on the command line they were given."""

    __slots__ = ("allow_formulas", "data", "fields", "fmt", "forums", "no_cache", "no_headers")

    def __init__(
        self,
        fmt: OutputFormat | None = None,
        fields: str | None = None,
        no_headers: bool = False,
        allow_formulas: bool = False,
        data: str | None = None,
        no_cache: bool = False,
        forums: list[str] | None = None,
    ) -> None:
        self.fmt = fmt or OutputFormat.table
        self.fields = fields
        self.no_headers = no_headers
        self.allow_formulas = allow_formulas
        self.data = data
        self.no_cache = no_cache
        self.forums = forums or []  # --forum: only these forums of a congress


def data_location(settings: Settings) -> str:
    """What --data (or CBIIC_DATA) names: a forum file, a congress directory, or '-'; by default the shipped congress."""
    from .load import default_data_location

    return settings.data or str(default_data_location())


def forum_index(settings: Settings, use_store: bool = True) -> Index:
    """The one forum to answer from: the file --data names, or a congress's only forum."""
    location = data_location(settings)
    if _congress.is_congress(location):
        directory = _congress.Directory(location)
        if len(directory.files) > 1:
            raise UsageProblem(
                f"{location} holds {len(directory.files):,} forums and this command reads one; give one forum file with --data", "'--data'"
            )
        return index_at(settings, directory.forum_path(directory.files[0]), use_store, directory)
    return index_at(settings, location, use_store)


def index_at(settings: Settings, location: str, use_store: bool = True, directory: _congress.Directory | None = None) -> Index:
    """The forum file at ``location``: its query store if there is a trustworthy one, else the file, loaded (and a
    store built). A congress's forum may use the congress's themes, so its store depends on ``congress.yaml`` too."""
    from . import store

    context = directory.context() if directory is not None else b""
    use_store = use_store and _caching(settings)
    if use_store:
        found = store.open_index(location, context)
        if found is not None:
            return found
    identity = store.identity_of(location, context) if use_store else None  # taken before the read: a change during it voids the store
    data, index = _loaded(location, identity, directory)
    if identity is not None:
        store.build_after_answering(identity, data, index, len(directory.files) if directory is not None else 1)
    return index


def _caching(settings: Settings) -> bool:
    from . import store

    return not settings.no_cache and not store.cache.disabled_by_environment()


def _loaded(location: str, identity: Any, directory: _congress.Directory | None) -> tuple[bytes, Index]:
    """The forum file at ``location`` read and parsed (with the congress's themes, in a congress); through the path
    ``identity`` found, if it was taken: a symlink retargeted meanwhile would give another file by its name."""
    from .load import ForumSource, parse_forum, read_bytes
    from .query import ForumIndex

    source = ForumSource(location)
    data = read_bytes(ForumSource(identity.path) if identity is not None else source)
    shared = directory.shared_themes if directory is not None else None
    try:
        return data, ForumIndex(parse_forum(data, source.display_name, shared_themes=shared))
    except ForumDataError as error:
        if directory is not None:
            error.validate_target = directory.path
        raise


def open_congress(settings: Settings, use_store: bool = True) -> _congress.Congress | None:
    """The congress --data names, each forum opened, narrowed to --forum; None when --data names one forum file.
    ``use_store`` False: every forum from its file (a store turned out damaged)."""
    location = data_location(settings)
    if not _congress.is_congress(location):
        if settings.forums:
            raise UsageProblem(
                f"--forum picks forums of a congress, and {location} is one forum's file; pass a congress directory with --data",
                "'--forum'",
            )
        return None
    directory = _congress.Directory(location)
    if len(directory.files) == 1:  # a congress of one forum answers as its file does, from the file's own store
        path = directory.forum_path(directory.files[0])
        indexes = [index_at(settings, path, use_store, directory)]
    else:
        indexes = _congress_indexes(directory, use_store and _caching(settings))
    members = [
        _congress.Member(file, directory.forum_path(file), index, index.frame.id or _congress.default_id(file))
        for file, index in zip(directory.files, indexes)
    ]
    _congress.refuse_repeated_ids(directory, members)
    return _congress.Congress(directory, _congress.order_members(members)).narrowed(settings.forums)


def _congress_indexes(directory: _congress.Directory, use_store: bool) -> list[Index]:
    """Each forum of a congress of several, in the order of ``directory.files``: from the congress's one store if there
    is a trustworthy one, else from the files (and the store built, once, after the answer)."""
    from . import store

    congress_file = directory.congress_path if directory.has_congress_file else None
    if not use_store:
        return [index for _, index in _every_forum_loaded(directory, None)]
    found = store.open_congress(directory.path, directory.files, congress_file)
    if found is not None:
        stored, directory.info = found  # congress.yaml as the store holds it, validated when it was built: not parsed again
        return list(stored)
    identity = store.congress_identity_of(directory.path, directory.files, congress_file)  # before anything is read
    data: list[bytes] = []
    data_of_congress: bytes | None = None
    if identity is not None and identity.congress is not None:
        from .load import ForumSource, read_bytes

        # congress.yaml's bytes, read before the forums are parsed with its themes (which reads it again): a change
        # between the two reads, unseen by stat, makes these bytes differ from the file's when the build looks again.
        try:
            data_of_congress = read_bytes(ForumSource(identity.congress.path))
        except Exception:  # unreadable: the loader says why when it reads it for the forums; no store
            identity, data_of_congress = None, None
    indexes: list[Index] = []
    for read, index in _every_forum_loaded(directory, identity):
        data.append(read)
        indexes.append(index)
    # A store only for a congress whose forums agree on their themes: then a query from the store need not check again.
    agree = _congress.theme_clash([(file, index.frame.themes) for file, index in zip(directory.files, indexes, strict=True)]) is None
    if identity is not None and agree:
        if identity.congress is not None and data_of_congress is not None:
            data.append(data_of_congress)
        store.build_congress_after_answering(identity, data, indexes, directory.info)
    return indexes


def _every_forum_loaded(directory: _congress.Directory, identity: Any) -> list[tuple[bytes, Index]]:
    """Each forum file of the congress read and parsed (``_loaded``), in the directory's order, on every core: a
    forked child sends back each forum it parsed, as msgpack; any it could not, the parent parses, and so raises
    the error the first bad file gives, as one process alone would."""
    import msgspec

    from . import model, parallel
    from .query import ForumIndex

    # Each file as the store's identity took it, before it was read: the store is built from what was read then.
    taken: list[Any] = [file for _, file in identity.forums] if identity is not None else [None] * len(directory.files)
    paths = [directory.forum_path(file) for file in directory.files]
    decode = msgspec.msgpack.Decoder(tuple[bytes, model.Forum]).decode

    def sent_back(_: int, data: bytes) -> tuple[bytes, Index]:
        read, forum = decode(data)
        return read, ForumIndex(forum)

    return parallel.computed(
        [parallel.file_size(path) for path in paths],
        lambda number: _loaded(paths[number], taken[number], directory),
        lambda loaded: msgspec.msgpack.encode((loaded[0], loaded[1].forum)),
        sent_back,
    )


def answer(settings: Settings, ask: Callable[[Any], Any], member: _congress.Member | None = None, directory: Any = None) -> Any:
    """``ask(index)``; if the store turns out damaged on the way, it is discarded and the file answers instead.
    ``member``: a congress's forum, whose index is open already.

    Rows a store makes as they are printed may find damage after some are out: those were checked, and the
    file's answer, which is the same, goes on from the next row."""
    if member is None:
        reopen: Callable[[bool], Any] = lambda use_store: forum_index(settings, use_store)  # noqa: E731
        index = forum_index(settings)
    else:
        reopen = lambda use_store: member.index if use_store else index_at(settings, member.path, False, directory)  # noqa: E731
        index = member.index
    try:
        view = ask(index)
    except Exception as error:
        return _answer_afresh(ask, index, error, reopen)
    if index.stored:
        for pick in view.streamed_parts():
            view.replace_part(pick, _resuming(view, pick(view), pick, ask, index, reopen))
    return view


def _resuming(
    view: Any, rows: Any, pick: Callable[[Any], Any], ask: Callable[[Any], Any], index: Any, reopen: Callable[[bool], Any]
) -> Any:
    """``rows`` (``pick(view)``) as the store makes them; on damage, the same part of the file's answer from past the last row
    written (found again there, not counted: a store missing rows has printed fewer), and the rest of the view
    (a table's title, the order a layout asks for) from the file too."""
    from . import store

    made = 0
    last = None
    try:
        for row in rows:
            yield row
            made += 1
            last = row
    except Exception as error:
        if not store.is_damage(error):
            raise
        fresh = _from_the_file(ask, index, reopen)
        view.extra = fresh.extra
        yield from _past(pick(fresh), last, made, lambda: pick(ask(reopen(False))))


def _past(rows: Any, last: Any, made: int, again: Callable[[], Any]) -> Any:
    """The rows after ``last``; when it is not among them, the rows after the first ``made`` of them made ``again``."""
    from itertools import islice

    if last is not None:
        for row in rows:
            if row == last:
                break
        else:
            rows = islice(again(), made, None)
    yield from rows


def _answer_afresh(ask: Callable[[Any], Any], index: Any, error: Exception, reopen: Callable[[bool], Any]) -> Any:
    """The file's answer, when the store could not give one; any other error is the command's own."""
    from . import store

    if not index.stored:
        raise error
    if isinstance(error, UnicodeEncodeError):
        # Text that is not valid Unicode (a command-line argument with undecodable bytes) cannot be put to
        # SQLite; the file answers it, and the store, which is fine, stays.
        return ask(reopen(False))
    if not store.is_damage(error):
        raise error
    return _from_the_file(ask, index, reopen)


def _from_the_file(ask: Callable[[Any], Any], index: Any, reopen: Callable[[bool], Any]) -> Any:
    """The damaged store deleted, the answer from the file."""
    from . import store

    index.close()
    store.discard(index.path)
    return ask(reopen(False))


def quoter(source: str | None, index: Any = None) -> Any:
    """The article --source names, to quote; a directory of articles holds the forum's under the name its ``source``
    gives (as ``validate --source DIR`` finds it)."""
    from .answers import Quoter

    if not source:
        return Quoter(None)
    from .provenance import read_article

    if index is not None and os.path.isdir(source):
        return Quoter(read_article(os.path.join(source, index.frame.source.file), given="in the directory --source names"))
    return Quoter(read_article(source))


def emit(view: Any, settings: Settings) -> None:
    """Print a view in the format the user asked for; notices (nothing matched, a corrected query) go to stderr."""
    from .render import RenderOptions, render_chunks

    fields = selected_fields(settings.fields, view.keys)
    missing = [key for key in view.required_keys if key not in fields] if fields is not None else []
    if fields is not None and missing:
        fields += missing
        process.say(f"--fields: added {', '.join(missing)}, since some rows are only possibly what this answer asks for")
    fmt = settings.fmt
    rows_only = fmt in ROW_FORMATS or fields is not None
    for notice in view.notices + (view.row_notices if rows_only else []):
        process.say(notice)
    if view.notices and view.empty and fmt.canonical is OutputFormat.table:
        return
    color, width, ascii_only = process.terminal()
    options = RenderOptions(
        fmt,
        fields=fields,
        headers=not settings.no_headers,
        formulas=settings.allow_formulas,
        color=color,
        width=width,
        ascii=ascii_only,
    )
    # A file format is UTF-8 whatever the terminal's encoding: an escape inside a CSV cell would be data.
    for chunk in render_chunks(view, options):  # rows go out as they are rendered, not all at the end
        process.write(chunk, utf8=fmt.canonical in UTF8_FORMATS)


def selected_fields(raw: str | None, valid: list[str]) -> list[str] | None:
    if raw is None:
        return None
    chosen = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in valid]
    if not chosen or unknown:
        what = f"unknown field {', '.join(map(repr, unknown))}" if unknown else "no field named"
        raise UsageProblem(f"{what}; valid fields: {', '.join(valid)}", "'--fields'")
    return chosen


# -- the query commands, in the order `cbiic --help` lists them ----------------


def answered(settings: Settings, ask: Callable[[Any], Any], across: Callable[[Any, Any], Any]) -> Any:
    """``ask`` of the forum --data names, or of a congress's only forum; of a congress of several, ``across(congress,
    ask_one)``, which asks each forum it needs (``ask_one(member, question)``) and joins their answers."""
    congress = open_congress(settings)
    if congress is None:
        return answer(settings, ask)
    if not congress.several:
        return answer(settings, ask, congress.members[0], congress.directory)
    from . import congress_answers

    def joined(congress: _congress.Congress) -> Any:
        if not congress.every[0].index.stored:  # a store is built only for a congress whose themes agree
            congress_answers.ThemeCatalogue.of(congress)  # one theme id or name meaning two themes refuses every query

        def ask_one(member: _congress.Member, question: Callable[[Any, _congress.Member], Any]) -> Any:
            return answer(settings, lambda index: question(index, member), member, congress.directory)

        return across(congress, ask_one)

    return _across_congress(settings, congress, joined)


def _across_congress(settings: Settings, congress: _congress.Congress, work: Callable[[_congress.Congress], Any]) -> Any:
    """``work(congress)``; if the congress's store turns out damaged where no one forum's answer could fall back to its
    file (a reference resolved in every forum, the congress's themes), the store is deleted and the work done again
    from the files. A view's rows made as they are printed fall back forum by forum (``answer``)."""
    from . import store

    try:
        return work(congress)
    except Exception as error:
        stored: list[Any] = [member.index for member in congress.every if member.index.stored]
        if not stored:
            raise
        if not isinstance(error, UnicodeEncodeError):  # text SQLite cannot take: the files answer, and the store stays
            if not store.is_damage(error):
                raise
            for index in stored:
                index.close()
            store.discard(stored[0].path)
    return work(_congress_from_the_files(settings))


def _congress_from_the_files(settings: Settings) -> _congress.Congress:
    congress = open_congress(settings, use_store=False)
    assert congress is not None  # it was a congress a moment ago
    return congress


def speakers(
    settings: Settings,
    org: str | None = None,
    role: str | None = None,
    theme_name: str | None = None,
    limit: int = DEFAULT_LIMIT,
    possible: bool = False,
) -> None:
    """``limit`` 0 shows everyone (so for every command below)."""
    from . import answers
    from . import congress_answers as across

    if role is not None and role.casefold() not in answers.ROLE_FILTERS:
        raise UsageProblem(f"{role!r} is not a role; choose one of: {', '.join(answers.ROLE_FILTERS)}", "'--role'")
    if possible and role is None:
        raise UsageProblem("--possible widens a --role filter; give --role too", "'--possible'")
    role_name = role.casefold() if role else None

    def several(congress: Any, ask_one: Any) -> Any:
        narrowed, wanted = congress.within(org)  # --org FORUM/ID: that forum's organisation
        return across.on_theme(
            narrowed,
            ask_one,
            theme_name,
            lambda index, _, theme_id: answers.speakers(index, wanted, role_name, theme_id, None, possible),
            lambda forums, asking, question: across.joined(forums, asking, question, limit or None, "people"),
        )

    emit(answered(settings, lambda index: answers.speakers(index, org, role_name, theme_name, limit or None, possible), several), settings)


def speaker(settings: Settings, slug: str, source: str | None = None) -> None:
    from . import answers
    from . import congress_answers as across
    from .query import resolve_person

    def several(congress: Any, ask_one: Any) -> Any:
        member, found = congress.resolve(slug, resolve_person, people=True)
        return across.speaker(
            congress, ask_one, member, found, lambda index, key, owner: answers.speaker(index, key, member_quoter(source, congress, owner))
        )

    emit(answered(settings, lambda index: answers.speaker(index, slug, quoter(source, index)), several), settings)


def talk(settings: Settings, ref: str, source: str | None = None) -> None:
    from . import answers
    from . import congress_answers as across
    from .query import resolve_ref

    def several(congress: Any, ask_one: Any) -> Any:
        member, (_, key) = congress.resolve(ref, resolve_ref)
        return across.one(congress, ask_one, member, lambda index, owner: answers.talk(index, key, member_quoter(source, congress, owner)))

    emit(answered(settings, lambda index: answers.talk(index, ref, quoter(source, index)), several), settings)


def theme(settings: Settings, name: str, source: str | None = None, limit: int = DEFAULT_LIMIT) -> None:
    from . import answers
    from . import congress_answers as across

    def several(congress: Any, ask_one: Any) -> Any:
        def question(index: Any, owner: _congress.Member, theme_id: str) -> Any:
            return answers.theme(index, theme_id, member_quoter(source, congress, owner), None)

        return across.theme(congress, ask_one, name, question, limit or None)

    emit(answered(settings, lambda index: answers.theme(index, name, quoter(source, index), limit or None), several), settings)


def themes(settings: Settings, limit: int = DEFAULT_LIMIT) -> None:
    from . import answers
    from . import congress_answers as across

    emit(
        answered(
            settings,
            lambda index: answers.themes(index, limit or None),
            lambda congress, _: across.themes(congress, limit or None),
        ),
        settings,
    )


def agenda(settings: Settings, limit: int = DEFAULT_LIMIT) -> None:
    from . import answers
    from . import congress_answers as across

    emit(
        answered(
            settings,
            lambda index: answers.agenda(index, limit or None),
            lambda congress, ask_one: across.joined(
                congress, ask_one, lambda index, _: answers.agenda(index, None), limit or None, "agenda items", "items"
            ),
        ),
        settings,
    )


def summary(settings: Settings, limit: int = DEFAULT_LIMIT) -> None:
    from . import answers
    from . import congress_answers as across

    emit(
        answered(
            settings,
            lambda index: answers.summary(index, limit or None),
            lambda congress, ask_one: across.summary(
                congress,
                ask_one,
                lambda index, _: answers.summary(index, limit or None),
                lambda index, _: answers.contributions(index, None),
                limit or None,
            ),
        ),
        settings,
    )


def search(
    settings: Settings, text: list[str], theme_name: str | None = None, limit: int = DEFAULT_LIMIT, source: str | None = None
) -> None:
    from . import answers
    from . import congress_answers as across
    from .search import QueryProblem

    def several(congress: Any, ask_one: Any) -> Any:
        def question(index: Any, owner: _congress.Member, theme_id: str | None) -> Any:
            return answers.search(index, text, theme_id, None, member_quoter(source, congress, owner))

        return across.on_theme(
            congress, ask_one, theme_name, question, lambda narrowed, asking, asked: across.search(narrowed, asking, asked, limit or None)
        )

    try:
        view = answered(settings, lambda index: answers.search(index, text, theme_name, limit or None, quoter(source, index)), several)
    except QueryProblem as problem:
        raise UsageProblem(str(problem), "'TEXT'") from None
    emit(view, settings)


def orgs(settings: Settings, text: str | None = None, kind: str | None = None, limit: int = DEFAULT_LIMIT) -> None:
    from . import answers
    from .model import OrganisationKind

    kinds = [k.value for k in OrganisationKind]
    if kind is not None and kind.casefold() not in kinds:
        raise UsageProblem(f"{kind!r} is not a kind of organisation; choose one of: {', '.join(kinds)}", "'--kind'")
    kind_name = kind.casefold() if kind else None
    emit(
        answered(
            settings,
            lambda index: answers.orgs(index, text, kind_name, limit or None),
            lambda congress, ask_one: _orgs_across(congress, ask_one, text, kind_name, limit),
        ),
        settings,
    )


def _orgs_across(congress: Any, ask_one: Any, text: str | None, kind: str | None, limit: int) -> Any:
    from . import answers
    from . import congress_answers as across

    narrowed, wanted = congress.within(text)
    return across.joined(narrowed, ask_one, lambda index, _: answers.orgs(index, wanted, kind, None), limit or None, "organisations")


def forums(settings: Settings, limit: int = DEFAULT_LIMIT) -> None:
    """Each forum of the congress (or the one forum --data names): its date, size and source article."""
    from . import congress_answers as across

    congress = open_congress(settings)
    if congress is None:
        index = forum_index(settings)
        from .load import ForumSource

        location = data_location(settings)
        name = "<stdin>.yaml" if location == "-" else os.path.basename(ForumSource(location).display_name)
        member = _congress.Member(name, location, index, index.frame.id or _congress.default_id(name))
        emit(across.forums(_congress.Congress(None, [member]), limit or None), settings)
        return

    def listed(congress: _congress.Congress) -> Any:
        view = across.forums(congress, limit or None)
        view.materialise()  # each row read here, where a damaged store can still give way to the files
        return view

    emit(_across_congress(settings, congress, listed), settings)


def member_quoter(source: str | None, congress: Any, member: _congress.Member) -> Any:
    """Each forum's own article: ``--source`` names the directory of articles, each found by the file name
    ``congress.yaml`` gives (else the forum's own ``source.file``)."""
    if not source:
        return quoter(None)
    if not os.path.isdir(source):
        raise UsageProblem(
            f"{source!r} is one article, and in a congress of several forums each forum has its own: give --source (or "
            "CBIIC_SOURCE) the directory that holds them",
            "'--source'",
        )
    return quoter(os.path.join(source, congress.directory.article_file(member.file, member.index.frame.source.file)))
