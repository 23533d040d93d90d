"""The `cbiic` command line: thin Typer commands over ``answers`` and ``render``.

Only Typer is imported at module level. The loader, msgspec, Rich and the
renderers load inside the commands that need them, so `--help`, `--version`
and shell completion stay as fast as Typer itself.

Options every data command shares (output format, fields, the data file) are
declared once below and added to each command's signature by ``command``, so
`cbiic speakers --data x.yaml` works as well as `cbiic --data x.yaml speakers`.
"""

import enum
import functools
import inspect
import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from . import __version__, commands, process, vocabulary
from .commands import DEFAULT_LIMIT, UsageProblem
from .errors import CbiicError
from .formats import OutputFormat

DATA_VARIABLE = "CBIIC_DATA"
SOURCE_VARIABLE = "CBIIC_SOURCE"
# Characters of a completion description: beyond this Typer's help sanitiser would wrap it onto a second line.
COMPLETION_AT_MOST = 60


def _plain_metavar(make_metavar: Callable[..., str]) -> Callable[..., str]:
    """Typer writes a required argument as {SLUG} in usage lines; show the word, as Click and most CLIs do."""

    @functools.wraps(make_metavar)
    def plain(self: Any, *args: Any, **kwargs: Any) -> str:
        text = make_metavar(self, *args, **kwargs)
        return text[1:-1] if text.startswith("{") and text.endswith("}") else text.replace("{", "").replace("}", "")

    return plain


typer.core.TyperArgument.make_metavar = _plain_metavar(typer.core.TyperArgument.make_metavar)  # type: ignore[method-assign]


def _once_each(make_parser: Callable[..., Any]) -> Callable[..., Any]:
    """A parser that refuses an option given twice: Click would keep the last value silently (`--theme npc --theme
    nsclc` would answer for nsclc alone). Flags may repeat, as they cannot disagree. Before and after the command
    name are two parsers, so `cbiic --data a speakers --data b` is not a repetition: after wins."""

    @functools.wraps(make_parser)
    def parser_for(self: Any, ctx: Any) -> Any:
        parser = make_parser(self, ctx)
        parse_args = parser.parse_args

        def parse_once_each(args: list[str]) -> Any:
            opts, rest, order = parse_args(args)
            seen: set[int] = set()
            for parameter in order:
                if parameter.param_type_name != "option" or parameter.is_flag or parameter.multiple or parameter.count:
                    continue
                if id(parameter) in seen and not ctx.resilient_parsing:
                    names = "/".join(parameter.opts)
                    ctx.fail(f"{names} is given more than once; it takes one value, so give it once")
                seen.add(id(parameter))
            return opts, rest, order

        parser.parse_args = parse_once_each
        return parser

    return parser_for


class OnceEachCommand(typer.core.TyperCommand):
    make_parser = _once_each(typer.core.TyperCommand.make_parser)


class OnceEachGroup(typer.core.TyperGroup):
    make_parser = _once_each(typer.core.TyperGroup.make_parser)


app = typer.Typer(
    name="cbiic",
    help="Who said what at the Oncology Drugs Clinical Research Forum of the 2024 China BioMed Innovation and Investment Conference (CBIIC; Guangzhou, 30 November 2024).",
    epilog=(
        "\b\nExamples:\n  cbiic speakers\n  cbiic talk zheng-limin\n  cbiic theme insurance --format json\n\n"
        "Every data command takes --format table|json|jsonl|csv|tsv|markdown, --fields and --data; "
        "`cbiic COMMAND --help` shows its own examples."
    ),
    cls=OnceEachGroup,
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # Plain help wraps to any width; Rich's help panels cut text with "…" below ~60 columns.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# -- shared plumbing ---------------------------------------------------------

FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        metavar="FORMAT",
        help="table (for reading; the default), json, jsonl, csv, tsv, or markdown (md).",
    ),
]
FieldsOption = Annotated[
    str | None,
    typer.Option(
        "--fields",
        metavar="FIELDS",
        help="Comma-separated item fields to print, in this order, in any format, e.g. --fields slug,name. An unknown field lists the valid ones.",
    ),
]
NoHeadersOption = Annotated[bool, typer.Option("--no-headers", help="CSV and TSV: leave out the header row.")]
AllowFormulasOption = Annotated[
    bool,
    typer.Option(
        "--allow-formulas",
        help="CSV and TSV: keep cells that start with = + - @, a tab or a carriage return as they are. By default they get a leading ' so a spreadsheet cannot run them.",
    ),
]


def _refusing_an_empty_path(option: str, variable: str, what: str, fix: str) -> Callable[[typer.Context, str | None], str | None]:
    """A callback: an empty path is a script's unset variable, not a request for the default; say so instead of answering.

    Click treats an empty environment variable as unset, so the variable is checked here too.
    """

    def refuse(ctx: typer.Context, value: str | None) -> str | None:
        if not ctx.resilient_parsing and (value == "" or (value is None and os.environ.get(variable) == "")):
            process.fail(f"the {what} given by {option if value == '' else variable} is empty; {fix}", 1)
        return value

    return refuse


def _source_option(help_text: str) -> Any:
    """--source/CBIIC_SOURCE: the article as plain text, refused when empty (a check asked for must not be skipped)."""
    return typer.Option(
        "--source",
        envvar=SOURCE_VARIABLE,
        metavar="ARTICLE",
        callback=_refusing_an_empty_path("--source", SOURCE_VARIABLE, "article path", "give the path of the article as plain text"),
        help=help_text,
    )


DataOption = Annotated[
    str | None,
    typer.Option(
        "--data",
        metavar="PATH",
        callback=_refusing_an_empty_path("--data", DATA_VARIABLE, "forum path", "give a file path, or '-' for standard input"),
        help="A forum YAML file, or a congress directory of them, to read instead of the shipped congress; '-' reads standard input. Also CBIIC_DATA.",
    ),
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Parse and validate the file afresh, bypassing the cache.")]
SourceOption = Annotated[
    str | None,
    _source_option("The source article as plain text, one paragraph per line: print the lines each contribution cites under it."),
]
SearchSourceOption = Annotated[
    str | None,
    _source_option(
        "The source article as plain text, one paragraph per line: search the lines each contribution cites too "
        "(a line several cite is one hit of its own, naming them) and print the cited lines under each hit."
    ),
]


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


OUTPUT_PARAMETERS = [
    _parameter("fmt", FormatOption, OutputFormat.table),
    _parameter("fields", FieldsOption, None),
    _parameter("no_headers", NoHeadersOption, False),
    _parameter("allow_formulas", AllowFormulasOption, False),
]
DATA_PARAMETERS = [_parameter("data", DataOption, None), _parameter("no_cache", NoCacheOption, False)]


def _complete_forum(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    try:
        congress = commands.open_congress(_settings(ctx))
        members = congress.every if congress is not None else []
        wanted = incomplete.casefold()
        return [(_completion_text(m.id), _completion_text(m.index.frame.forum.name)) for m in members if m.id.startswith(wanted)]
    except Exception:  # completion must never print a traceback into the shell
        return []


ForumOption = Annotated[
    list[str] | None,
    typer.Option(
        "--forum",
        metavar="ID",
        autocompletion=_complete_forum,
        help="Only this forum of a congress (`cbiic forums` lists them); repeat it for several.",
    ),
]
# The query commands answer across a congress's forums, or the ones --forum names.
QUERY_PARAMETERS = [_parameter("forums", ForumOption, None)]


def command(
    *,
    examples: list[str] | None = None,
    example: str | None = None,
    output: bool = True,
    data: bool = True,
    group: typer.Typer | None = None,
    **kwargs: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command (on ``group``, default the top level): shared options added to its signature, CbiicErrors turned into one stderr line and an exit code."""
    shown = examples or ([example] if example else [])

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(function)
        shared = (OUTPUT_PARAMETERS + QUERY_PARAMETERS if output else []) + (DATA_PARAMETERS if data else [])
        names = [parameter.name for parameter in shared]  # only these: a command may have its own --format

        @functools.wraps(function)
        def run(*args: Any, **given: Any) -> Any:
            ctx = given.get("ctx")  # every command names its context `ctx`; Typer passes it by name
            # A default after the command (--format's table) is no choice: one given before the command then holds.
            settings = {name: None if _defaulted(ctx, name) else given.pop(name) for name in names if name in given}
            for name in names:
                given.pop(name, None)
            if ctx is not None:
                ctx.meta["cbiic"] = settings
            try:
                if ctx is not None and not output:
                    _refuse_output_options_before(ctx)
                return function(*args, **given)
            except UsageProblem as problem:
                raise typer.BadParameter(str(problem), param_hint=problem.param_hint) from None
            except CbiicError as error:
                process.fail(str(error), error.exit_code)

        run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), *shared])  # type: ignore[attr-defined]
        summary_line = (function.__doc__ or "").strip().splitlines()[0]
        # \b keeps Click from re-wrapping the paragraph: one example a line, as typed.
        epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in shown) if shown else None
        # short_help: Click would otherwise cut the command list's descriptions at 45 characters.
        return (group or app).command(cls=OnceEachCommand, epilog=epilog, short_help=summary_line, **kwargs)(run)

    return register


def _defaulted(ctx: typer.Context | None, name: str) -> bool:
    source = ctx.get_parameter_source(name) if ctx is not None else None
    return source is not None and source.name == "DEFAULT"


def _refuse_output_options_before(ctx: typer.Context) -> None:
    """-f, --fields, --no-headers or --allow-formulas before a command that prints no data would be ignored: say so."""
    root = ctx.find_root().params
    for name, spelled in (
        ("fmt", "--format"),
        ("fields", "--fields"),
        ("no_headers", "--no-headers"),
        ("allow_formulas", "--allow-formulas"),
    ):
        if root.get(name) not in (None, False):
            command = ctx.command_path.removeprefix(ctx.find_root().info_name or "").strip()
            if name == "fmt" and "fmt" in ctx.params:
                fix = f"`{command}` has its own, given after its name: {ctx.command_path} --format json"
            else:
                fix = f"`{command}` prints none; leave it out, or give it after the name of a command that does"
            raise UsageProblem(f"before the command name it is for the commands that print data; {fix}", spelled)


def _a_count(value: int) -> int:
    # Not min=0: Click would print its range as "[x>=0]" in the help.
    if value < 0:
        raise typer.BadParameter(f"{value} is not a number of rows to show; give 1 or more, or 0 for all")
    return value


def _report_format_option(what: str) -> Any:
    """``--format`` of the commands that report on the data rather than answer from it (info, validate)."""
    return typer.Option("--format", "-f", case_sensitive=False, metavar="FORMAT", help=f"text ({what[0]}) or json ({what[1]}).")


def _limit_option(rows: str) -> Any:
    """``rows``: what N counts, as in "the first N people"."""
    return typer.Option(
        "--limit",
        "-n",
        metavar="N",
        callback=_a_count,
        help=f"Show {rows} (default {DEFAULT_LIMIT}); 0 shows them all.",
        show_default=False,
    )


def _setting(ctx: typer.Context, name: str) -> Any:
    """A shared option's value: given after the command, else before it (the global callback), else None."""
    # ctx.params while completing, before any callback ran (it holds defaults too: --format is table there).
    after = ctx.meta["cbiic"].get(name) if "cbiic" in ctx.meta else ctx.params.get(name)
    if after not in (None, False):
        return after
    before = ctx.find_root().params.get(name)
    # The root's params hold Click's values: a choice is its text, which Typer turns into the enum only for a callback.
    return OutputFormat(before) if name == "fmt" and isinstance(before, str) else before


def _settings(ctx: typer.Context) -> commands.Settings:
    return commands.Settings(**{name: _setting(ctx, name) for name in commands.Settings.__slots__})


def _forum_index(ctx: typer.Context) -> Any:
    return commands.forum_index(_settings(ctx))


# -- completion: cheap, and silent on any failure ------------------------------


def _completion_text(text: str) -> str:
    """A completion description free of every control sequence (CSI, OSC, C1, bidi) and on one line."""
    import re

    from .escape import CONTROL

    without_sequences = re.sub(
        r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]?", "", text
    )
    # Shells evaluate completion output: backslashes, $, backticks and quotes from the data are dropped,
    # whatever a shell's completion script escapes. And one short line, which no script re-wraps.
    plain = " ".join(re.sub(r"[\\$`'\"]", " ", CONTROL.sub("", without_sequences)).split())
    return plain if len(plain) <= COMPLETION_AT_MOST else plain[: COMPLETION_AT_MOST - 1] + "…"


def _complete(
    ctx: typer.Context, incomplete: str, pick: Callable[[Any], list[tuple[str, str]]], themes: bool = False
) -> list[tuple[str, str]]:
    """``pick(index)``'s values that start with what was typed; in a congress of several forums, each forum's,
    qualified ``FORUM/ID`` (a theme is the congress's, once)."""
    try:
        congress = commands.open_congress(_settings(ctx))
        if congress is None or not congress.several:
            found = pick(congress.members[0].index if congress is not None else _forum_index(ctx))
        elif themes:
            found = list(dict.fromkeys(value for member in congress.members for value in pick(member.index)))
        else:
            found = [(f"{member.id}/{value}", help_text) for member in congress.members for value, help_text in pick(member.index)]
        wanted = incomplete.casefold()
        return [(_completion_text(value), _completion_text(help_text)) for value, help_text in found if value.startswith(wanted)]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete_person(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete(ctx, incomplete, lambda index: [(p.slug, p.name) for p in index.forum.people])


def _complete_ref(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from .render.phrases import kind_label

    return _complete(
        ctx,
        incomplete,
        lambda index: (
            [(p.slug, p.name) for p in index.forum.people]
            + [(c.id, c.title or kind_label(c.kind)) for c in index.contributions]
            + ([(index.forum.panel.id, index.forum.panel.title)] if index.forum.panel else [])
        ),
    )


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete(ctx, incomplete, lambda index: [(t.id, t.label) for t in index.forum.themes], themes=True)


# -- global options ------------------------------------------------------------


def _missing(path: str) -> str:
    """What is wrong with a path given for a forum file or a congress directory, or nothing; the path as typed."""
    if os.path.isfile(path):
        return ""
    if os.path.isdir(path):
        from .congress import forum_files
        from .errors import ForumDataError

        try:
            forum_files(path)
        except ForumDataError:
            return "; not a congress: the directory holds no forum file (*.yaml)"
        return ""
    return "; not found: no such file or directory"


def _data_in_use(given: str | None) -> str:
    """Which forum file or congress a command reads, named so a user editing a checkout is never surprised."""
    from .load import default_data_location

    if given == "-":
        return "standard input"
    if given:
        path = os.path.abspath(given)
        return f"{path} (from --data or {DATA_VARIABLE})" + _missing(given)
    return f"{default_data_location()} (the congress shipped with cbiic; use --data or {DATA_VARIABLE} for another)"


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            envvar=DATA_VARIABLE,
            metavar="PATH",
            callback=_refusing_an_empty_path("--data", DATA_VARIABLE, "forum path", "give a file path, or '-' for standard input"),
            help="Forum YAML file to read instead of the shipped one; '-' reads standard input.",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse and validate the file afresh, bypassing the cache.")] = False,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            metavar="FORMAT",
            help="table (the default), json, jsonl, csv, tsv, or markdown (md); the same option after the command wins.",
        ),
    ] = None,
    fields: FieldsOption = None,
    no_headers: NoHeadersOption = False,
    allow_formulas: AllowFormulasOption = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and the data file in use, and exit.")] = False,
) -> None:
    """Who said what at the Oncology Drugs Clinical Research Forum of the 2024 China BioMed Innovation and Investment Conference (CBIIC; Guangzhou, 30 November 2024)."""
    if version and not ctx.resilient_parsing:
        process.write(f"cbiic {__version__}\n" + process.printable(f"data: {_data_in_use(data)}") + "\n")
        raise typer.Exit()
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        # Plain `cbiic` is a request for help, not a mistake: help on stdout, exit 0.
        process.write(ctx.get_help() + "\n")
        raise typer.Exit()


# -- commands ----------------------------------------------------------------


def _complete_role(incomplete: str) -> list[str]:
    return [role for role in vocabulary.ROLE_FILTERS if role.startswith(incomplete)]


def _complete_kind(incomplete: str) -> list[str]:
    return [kind for kind in vocabulary.values(vocabulary.OrganisationKind) if kind.startswith(incomplete)]


def _either(words: list[str] | tuple[str, ...]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1]


RoleOption = Annotated[
    str | None,
    typer.Option(
        "--role",
        metavar="ROLE",
        autocompletion=_complete_role,
        help=f"Only people the article states in this role (the role names are ours): {_either(list(vocabulary.ROLE_FILTERS))}.",
    ),
]


@command(
    examples=[
        "cbiic speakers",
        "cbiic speakers --org 'sun yat sen'",
        "cbiic speakers --role panelist --format csv",
        "cbiic speakers --theme insurance",
    ]
)
def speakers(
    ctx: typer.Context,
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            metavar="TEXT",
            help="Only people affiliated with an organisation whose name contains this text (any case or punctuation).",
        ),
    ] = None,
    role: RoleOption = None,
    theme_name: Annotated[
        str | None,
        typer.Option("--theme", metavar="THEME", help="Only people whose contributions touch this theme.", autocompletion=_complete_theme),
    ] = None,
    limit: Annotated[int, _limit_option("the first N people")] = DEFAULT_LIMIT,
    possible: Annotated[
        bool,
        typer.Option(
            "--possible",
            help="With --role: also the people the article may mean where it names a holder without saying which person "
            "(the two Ma Juns for the panel's moderator and closing words); their rows say attribution: possible.",
        ),
    ] = False,
) -> None:
    """Everyone named in the article, in the order it first names them, with roles and affiliations."""
    commands.speakers(_settings(ctx), org, role, theme_name, limit, possible)


@command(examples=["cbiic speaker xue-junli", "cbiic speaker ma-jun-sysucc", "cbiic speaker 'Li Ziming' --format json"])
def speaker(
    ctx: typer.Context,
    slug: Annotated[
        str,
        typer.Argument(metavar="SLUG", help="Person slug (a unique prefix or the full name also works).", autocompletion=_complete_person),
    ],
    source: SourceOption = None,
) -> None:
    """One person's profile: affiliations, roles, what they moderated and everything they said."""
    commands.speaker(_settings(ctx), slug, source)


@command(
    examples=["cbiic talk zheng-limin", "cbiic talk panel", "cbiic talk luo-dan --format json", "cbiic talk li-ziming --source article.txt"]
)
def talk(
    ctx: typer.Context,
    ref: Annotated[
        str,
        typer.Argument(
            metavar="REF", help="Talk or remark id, person slug, or `panel`; a unique prefix resolves.", autocompletion=_complete_ref
        ),
    ],
    source: SourceOption = None,
) -> None:
    """A talk in full, everything one person said, or the whole panel."""
    commands.talk(_settings(ctx), ref, source)


@command(examples=["cbiic theme insurance", "cbiic theme 'artificial intelligence'", "cbiic theme immunotherapy --format csv"])
def theme(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="THEME", help="Theme id, label or alias, any case.", autocompletion=_complete_theme)],
    source: SourceOption = None,
    limit: Annotated[int, _limit_option("the first N contributions")] = DEFAULT_LIMIT,
) -> None:
    """Every talk and panel remark on one theme, with speaker, affiliation and the key point that carries it."""
    commands.theme(_settings(ctx), name, source, limit)


@command(examples=["cbiic themes", "cbiic themes --format json", "cbiic themes --fields id,count"])
def themes(
    ctx: typer.Context,
    limit: Annotated[
        int, _limit_option("the first N themes and matrix speakers, and each theme's first N contributions and speakers")
    ] = DEFAULT_LIMIT,
) -> None:
    """Each theme with its count and aliases, and a theme-by-speaker matrix."""
    commands.themes(_settings(ctx), limit)


@command(examples=["cbiic agenda", "cbiic agenda --format markdown"])
def agenda(ctx: typer.Context, limit: Annotated[int, _limit_option("the first N items")] = DEFAULT_LIMIT) -> None:
    """Opening, sessions and their moderators, talks and the panel, in the order the article reports them."""
    commands.agenda(_settings(ctx), limit)


@command(examples=["cbiic summary", "cbiic summary --format markdown > forum.md"])
def summary(
    ctx: typer.Context,
    limit: Annotated[
        int, _limit_option("the first N sessions, talks and themes, and each theme's first N contributions and speakers")
    ] = DEFAULT_LIMIT,
) -> None:
    """A digest of the whole forum: the facts, sessions, every contribution in a line or two, the panel."""
    commands.summary(_settings(ctx), limit)


@command(
    examples=[
        "cbiic search immune",
        "cbiic search '\"immune checkpoint\"' --theme immunotherapy",
        "cbiic search drg --format json",
        "cbiic search nsclc -n 3",
    ]
)
def search(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(metavar="TEXT...", help='Words (all must match) and "quoted phrases".')],
    theme_name: Annotated[
        str | None,
        typer.Option("--theme", metavar="THEME", help="Only talks and remarks on this theme.", autocompletion=_complete_theme),
    ] = None,
    limit: Annotated[int, _limit_option("the best N hits")] = DEFAULT_LIMIT,
    source: SearchSourceOption = None,
) -> None:
    """Ranked full-text search over everything shown: people, organisations, sessions, the panel, talks and remarks."""
    commands.search(_settings(ctx), text, theme_name, limit, source)


OrgKindOption = Annotated[
    str | None,
    typer.Option(
        "--kind",
        metavar="KIND",
        autocompletion=_complete_kind,
        help=f"Only organisations of this kind: {_either(vocabulary.values(vocabulary.OrganisationKind))}.",
    ),
]


@command(examples=["cbiic orgs", "cbiic orgs capital", "cbiic orgs --kind hospital", "cbiic orgs roche --format json"])
def orgs(
    ctx: typer.Context,
    text: Annotated[
        str | None, typer.Argument(metavar="TEXT", help="Only organisations whose name contains this text (any case or punctuation).")
    ] = None,
    kind: OrgKindOption = None,
    limit: Annotated[int, _limit_option("the first N organisations")] = DEFAULT_LIMIT,
) -> None:
    """Every organisation the article names: who is affiliated with it, what they said, and where it is mentioned."""
    commands.orgs(_settings(ctx), text, kind, limit)


@command(examples=["cbiic forums", "cbiic --data congress/ forums --format csv"])
def forums(ctx: typer.Context, limit: Annotated[int, _limit_option("the first N forums")] = DEFAULT_LIMIT) -> None:
    """Each forum of the congress: its id, date, size (people, contributions) and source article."""
    commands.forums(_settings(ctx), limit)


class ReportFormat(str, enum.Enum):
    """How `cbiic validate` reports: lines for people, or one JSON array for editors and CI."""

    text = "text"
    json = "json"


@command(examples=["cbiic info", "cbiic info --data data/forum.yaml --source article.txt"], output=False)
def info(
    ctx: typer.Context,
    source: SourceOption = None,
    fmt: Annotated[
        ReportFormat, _report_format_option(("a line each", "one object: version, data, data_source, cache, article"))
    ] = ReportFormat.text,
) -> None:
    """Which data (forum file or congress), cache and article cbiic uses, and its version."""
    from .load import default_data_location
    from .store.cache import cache_dir, disabled_by_environment, refusal

    given = _setting(ctx, "data")
    data = "-" if given == "-" else os.path.abspath(given) if given else str(default_data_location())
    directory = cache_dir()
    refused = refusal(directory) if directory is not None else None
    if fmt is ReportFormat.json:
        import json

        record = {
            "version": __version__,
            "data": data,
            "data_source": "stdin" if given == "-" else "option or variable" if given else "shipped",
            "data_exists": given == "-" or os.path.isfile(data) or (os.path.isdir(data) and not _missing(data)),
            "cache": None if directory is None or refused or disabled_by_environment() or _setting(ctx, "no_cache") else str(directory),
            "article": os.path.abspath(source) if source else None,
            "article_exists": os.path.isfile(source) if source else False,
        }
        process.write(json.dumps(record, indent=2) + "\n")
        return
    if source:
        # A directory of articles is what --source takes for a congress of several forums.
        article = f"{os.path.abspath(source)}" + (
            "" if os.path.isfile(source) or os.path.isdir(source) else "; not found: no such file or directory"
        )
    else:
        article = f"not given (pass --source ARTICLE or set {SOURCE_VARIABLE})"
    if directory is None:
        cache = "none (no absolute XDG_CACHE_HOME or HOME to keep one in)"
    elif disabled_by_environment() or _setting(ctx, "no_cache"):
        cache = f"off (--no-cache or CBIIC_NO_CACHE); would be {directory}"
    elif refused:
        cache = f"off: {directory} cannot be trusted ({refused})"
    else:
        cache = str(directory)
    lines = [
        f"cbiic {__version__}",
        f"data: {_data_in_use(given)}",
        f"cache: {cache}",
        f"article: {article}",
    ]
    process.write("".join(process.printable(line) + "\n" for line in lines))


@command(
    output=False,
    examples=[
        "cbiic validate",
        "cbiic validate my-forum.yaml other.yaml --format json",
        "cbiic --data data/forum.yaml validate --source article.txt",
    ],
)
def validate(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files to check ('-' reads standard input); default: --data, CBIIC_DATA or the shipped forum.", metavar="[PATH]..."
        ),
    ] = None,
    fmt: Annotated[
        ReportFormat,
        _report_format_option(
            ("a line per problem and a verdict per file", "one array of objects with file, line, column, path and message")
        ),
    ] = ReportFormat.text,
    source: Annotated[
        str | None,
        _source_option(
            "Also check each valid file against the article: cited lines exist, names are verbatim, every sentence is covered, nothing is copied."
        ),
    ] = None,
) -> None:
    """Check forum files or a congress (and, with --source, each forum against its article), listing every problem with its place."""
    from .congress import CONGRESS_FILE, is_congress

    locations = paths or [_setting(ctx, "data") or str(_default_data())]
    report = _Report()
    for location in locations:
        if is_congress(location):
            _validate_congress(report, location, source)
        elif os.path.basename(location) == CONGRESS_FILE and os.path.isfile(location):
            # congress.yaml is no forum file: it is checked as its congress is, with the forums it lists.
            _validate_congress(report, os.path.dirname(location) or ".", source)
        else:
            _validate_file(report, location, _article(source) if source else None)
    if fmt is ReportFormat.json:
        import json

        # ensure_ascii: control characters from the data (DEL, C1) leave as \u escapes, never raw.
        process.write(json.dumps(report.records, indent=2) + "\n")
    else:
        process.write("".join(process.printable(line) + "\n" for line in report.lines))
    if report.invalid:
        raise typer.Exit(1)


def _default_data() -> Any:
    from .load import default_data_location

    return default_data_location()


class _Report:
    """What validate says: a line per problem and a verdict per file, or a record per problem; and how many failed."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.records: list[dict[str, Any]] = []
        self.invalid = 0

    def problems(self, filename: str, problems: list[Any]) -> None:
        self.lines.extend(problem.located(filename) for problem in problems)
        self.records.extend(problem.as_record(filename) for problem in problems)


def _validate_file(report: _Report, location: str, article: Any, shared_themes: list[Any] | None = None) -> Any:
    """One forum file: its problems, its verdict, and with the article the four checks against it. The forum, or None."""
    from .errors import ForumDataError, Problem
    from .load import ForumSource, decode_text, parse_forum, read_bytes
    from .placeholders import verdict

    forum_source = ForumSource(location)
    to_write: list[Problem] = []  # a draft's placeholders, each listed
    try:
        data = read_bytes(forum_source)
        forum = parse_forum(data, forum_source.display_name, still_to_write=to_write, shared_themes=shared_themes)
    except ForumDataError as error:
        report.invalid += 1
        total = error.total + len(to_write)
        report.problems(error.filename, error.problems + to_write)
        report.lines.append(f"{error.filename}: invalid ({total:,} problem{'s' if total != 1 else ''})")
        return None
    remarks = len(forum.panel.remarks) if forum.panel else 0
    if to_write:
        report.invalid += 1
        report.problems(forum_source.display_name, to_write)
        report.lines.append(verdict(forum_source.display_name, len(to_write)))
    else:
        report.lines.append(
            f"{forum_source.display_name}: valid ({len(forum.people)} people, {len(forum.talks)} talks, {remarks} panel remarks, {len(forum.themes)} themes)"
        )
    if article is not None:
        found, count = _against_article(forum, data, forum_source.display_name, article, drafting=bool(to_write))
        report.lines += [line for line, _ in found]
        report.records += [record for _, record in found]
        if count:
            holds = f"{count:,} problem{'s' if count != 1 else ''}"
        elif to_write:  # summaries still to write cover no sentence yet
            holds = "the rest holds to it; whether every sentence is covered is checked once nothing is left to write"
        else:
            holds = "holds to it (all four checks pass)"
        report.lines.append(f"{forum_source.display_name} against {article.name}: {holds}")
        report.invalid += bool(count)
    return None if to_write else (forum, decode_text(data, forum_source.display_name))


def _validate_congress(report: _Report, location: str, source: str | None) -> None:
    """A congress directory: congress.yaml, each forum file (with the congress's themes, against its own article in
    the directory --source names), then what only the forums together can show."""
    from . import congress as congresses
    from . import congress_checks
    from .errors import ForumDataError

    try:
        directory = congresses.Directory(location)
    except ForumDataError as error:
        report.invalid += 1
        report.problems(error.filename, error.problems)
        report.lines.append(f"{error.filename}: invalid ({error.total:,} problem{'s' if error.total != 1 else ''})")
        return
    shared: list[Any] = []
    try:
        info = directory.info
        shared = directory.shared_themes
    except ForumDataError as error:
        info = None
        report.invalid += 1
        report.problems(error.filename, error.problems)
        report.lines.append(f"{error.filename}: invalid ({error.total:,} problem{'s' if error.total != 1 else ''})")
    if info is not None:
        listed, themes = len(info.forums), len(info.themes)
        report.lines.append(
            f"{directory.congress_path}: valid ({listed:,} forum{'s' if listed != 1 else ''} listed, {themes:,} shared theme{'s' if themes != 1 else ''})"
        )
    if source and not os.path.isdir(source) and len(directory.files) > 1:
        process.fail(
            f"{location} holds {len(directory.files):,} forums, each curated from its own article: give --source the directory that holds "
            "the articles (each found by the file name congress.yaml gives)",
            2,
        )
    checked: list[congress_checks.Checked] = []
    unchecked: list[str] = []
    for file in directory.files:
        path = directory.forum_path(file)
        article: Any = None
        if source:
            article_path = source
            if os.path.isdir(source):  # by congress.yaml's listing; without a usable one, by the file's own source
                declared = _declared_article(path)
                article_path = os.path.join(source, directory.article_file(file, declared) if info is not None else declared)
            article = _article_or_problem(report, path, article_path)
        valid = _validate_file(report, path, article or None, shared or None)
        if valid is not None:
            checked.append(congress_checks.Checked(file, valid[0], valid[1]))
        else:
            unchecked.append(file)
    if info is not None and source and os.path.isdir(source):
        facts_article = _article_or_problem(
            report, directory.congress_path, os.path.join(source, directory.article_file(info.congress.source_forum, ""))
        )
        if facts_article is not False:
            against = congress_checks.congress_against_article(directory, facts_article)
            report.problems(directory.congress_path, against)
            report.invalid += bool(against)
            holds = f"{len(against):,} problem{'s' if len(against) != 1 else ''}" if against else "its facts are on the lines it cites"
            report.lines.append(f"{directory.congress_path} against {facts_article.name}: {holds}")
    usable = info is not None or not directory.has_congress_file  # the checks across forums read congress.yaml
    unchecked_ids = [congress_checks.declared_id(directory.forum_path(file), file) for file in unchecked]
    across = congress_checks.cross_checks(directory, checked, unchecked_ids) if usable else []
    for filename, problem in across:
        report.problems(filename, [problem])
    report.invalid += bool(across)
    forums = len(directory.files)
    if not usable:
        verdict = "its forums are checked together once congress.yaml is valid"
    elif across:
        verdict = f"{len(across):,} problem{'s' if len(across) != 1 else ''} across its forums"
    else:
        verdict = "its forums hold together"
    if unchecked and not checked:
        verdict = "no forum file is valid, so none is checked against the others"
    elif unchecked and usable:
        verdict += f" (of the {len(checked):,} valid; {len(unchecked):,} forum file{'s are' if len(unchecked) != 1 else ' is'} invalid)"
    report.lines.append(f"{location}: congress of {forums:,} forum{'s' if forums != 1 else ''}; {verdict}")


def _article_or_problem(report: _Report, checking: str, path: str) -> Any:
    """The article at ``path``, or False when it cannot be read: then that is a problem of the file it was to check,
    listed with the rest, and the others are still checked (one missing article does not end the run)."""
    from .errors import Problem
    from .provenance import read_article

    try:
        return read_article(path, given="in the directory --source names (by the file name congress.yaml gives)")
    except CbiicError as error:
        report.invalid += 1
        report.problems(checking, [Problem(f"not checked against its article: {error}")])
        return False


def _declared_article(path: str) -> str:
    """The article file a forum file's ``source.file`` names, read without validating the rest (for --source DIR)."""
    import re

    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1 << 20)
    except OSError:
        return ""
    found = re.search(r"^source:\s*\n(?:[ \t]+.*\n)*?[ \t]+file:\s*[\"']?([^\"'\n]+?)[\"']?\s*$", text, re.MULTILINE)
    return found.group(1) if found else ""


def _article(source: str | None) -> Any:
    if not source:
        return None
    from .provenance import read_article

    try:
        return read_article(source)
    except CbiicError as error:
        process.fail(str(error), error.exit_code)


def _against_article(
    forum: Any, data: bytes, name: str, article: Any, drafting: bool = False
) -> tuple[list[tuple[str, dict[str, Any]]], int]:
    """The four provenance checks: (line to print, record) for the problems listed, in the data file's order, then the
    article's, and how many there are in all. As for a file's problems, at most LISTED_PER_KIND of each side are listed.
    A draft (``drafting``) is not yet checked for coverage: its summaries are still to write."""
    from .errors import LISTED_PER_KIND, Problem
    from .load import decode_text, locate_problems
    from .provenance import check

    problems, uncovered = check(forum, article)
    if drafting:
        uncovered = []
    locate_problems(decode_text(data, name), problems)
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))

    def listed(found: list[Any], what: str) -> list[Any]:
        if len(found) <= LISTED_PER_KIND:
            return found
        first = found[LISTED_PER_KIND]
        more = Problem(
            f"{len(found) - LISTED_PER_KIND:,} more {what} from here on are not listed; fix the ones above and validate again",
            first.path,
            first.line,
            first.column,
        )
        return found[:LISTED_PER_KIND] + [more]

    shown = [(p.located(name), p.as_record(name)) for p in listed(problems, "problems against the article")]
    shown += [(p.located(article.name), p.as_record(article.name)) for p in listed(uncovered, "uncovered sentences")]
    return shown, len(problems) + len(uncovered)


@command(
    output=False,
    data=False,  # it reads an article, not a forum file
    examples=[
        "cbiic draft article.txt -o my-forum.yaml",
        "cbiic validate my-forum.yaml --source article.txt",
        "cbiic draft article.txt | less",
    ],
)
def draft(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(metavar="ARTICLE", help="The article as plain text, one paragraph per line.")],
    output_path: Annotated[
        str | None, typer.Option("--output", "-o", metavar="PATH", help="Write the draft to this file instead of standard output.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Draft a forum file from an article: people, organisations, talks and the panel, each cited; summaries left to write."""
    from .draft import as_yaml, done, draft_document, write_new
    from .provenance import read_article

    document = draft_document(read_article(article, given="to cbiic draft"))
    text = as_yaml(document, article)
    if output_path in (None, "-"):
        process.write(text, utf8=True)
    else:
        write_new(output_path, text, force=force, article=article)
    process.say(done(document, output_path, article))


@command(output=False, examples=["cbiic schema > forum.schema.json"])
def schema(ctx: typer.Context) -> None:
    """Print the JSON Schema of the forum file (for editors and validators)."""
    from .schema import schema_text

    process.write(schema_text())


# == exports ====================================================================
# `cbiic export sqlite|json|html`: the whole forum (or congress) written to one file. The work is
# in cbiic_cli.export (a module per format, imported inside each command so that
# start-up never pays for sqlite3, jinja2 or msgspec); here only the options.

export_app = typer.Typer(
    name="export",
    cls=OnceEachGroup,
    epilog="\b\nExamples:\n  cbiic export sqlite forum.db --metadata metadata.json\n  cbiic export json forum.json\n  cbiic export html forum.html",
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# short_help: Click would otherwise cut the group's description at 45 characters in `cbiic --help`.
app.add_typer(
    export_app,
    name="export",
    short_help="Write the whole forum, or congress, to a file: a SQLite database, one JSON document, or an HTML report.",
)


def _exported(ctx: typer.Context) -> Any:
    """What an export writes: one forum (its ``model.Forum``), or a congress of several (``export.common.Congress``). A
    congress of one forum is that forum, written exactly as its file is."""
    from .export.common import Congress, ExportedForum

    settings = _settings(ctx)
    congress = commands.open_congress(settings)
    if congress is None:
        return commands.forum_index(settings).forum
    if not congress.several:
        return congress.members[0].index.forum
    info = congress.directory.info if congress.directory is not None else None
    return Congress(info, [ExportedForum(member.id, member.file, member.index.forum) for member in congress.members])


@export_app.callback()
def export_group(ctx: typer.Context) -> None:
    """Write the whole forum, or every forum of a congress, to a file: a SQLite database, one JSON document, or an HTML report."""
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        # As for plain `cbiic`: a bare `cbiic export` asks which formats there are.
        process.write(ctx.get_help() + "\n")


ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite PATH even if it is not a file an earlier cbiic export wrote.")]


@command(
    group=export_app,
    name="sqlite",
    output=False,
    examples=["cbiic export sqlite forum.db --metadata metadata.json", "datasette forum.db --metadata metadata.json"],
)
def export_sqlite(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="PATH", help="Database file to write; an earlier export there is replaced atomically.")],
    metadata: Annotated[
        str | None,
        typer.Option("--metadata", metavar="PATH", help="Also write datasette metadata (descriptions, facets, source) to this JSON file."),
    ] = None,
    force: ForceOption = False,
) -> None:
    """The whole forum (a congress: every forum, each row with its forum) as a normalised SQLite database with a full-text index, ready for datasette."""
    from .export import sqlite as exporter

    exporter.write_database(_exported(ctx), path, metadata_path=metadata, force=force)


@command(
    group=export_app,
    name="json",
    output=False,
    examples=["cbiic export json forum.json", "cbiic export json - | jq '.contributions | length'"],
)
def export_json(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(metavar="PATH|-", help="File to write, or '-' for standard output.")],
    force: ForceOption = False,
) -> None:
    """The whole forum (or congress) as one JSON document, valid against data/export.schema.json."""
    from .export import json as exporter

    try:
        exporter.write_json(_exported(ctx), path, force=force)
    except BrokenPipeError:
        process.silence_stdout()


@command(group=export_app, name="html", output=False, examples=["cbiic export html forum.html"])
def export_html(
    ctx: typer.Context,
    path: Annotated[
        str, typer.Argument(metavar="PATH", help="HTML file to write: one self-contained page, fit to read offline or send by e-mail.")
    ],
    force: ForceOption = False,
    limit: Annotated[int, _limit_option("the theme map's first N themes and N people")] = DEFAULT_LIMIT,
) -> None:
    """A one-file HTML report: the forum at a glance, a theme map and every contribution (a congress: a forum-by-theme map and a section per forum)."""
    from .export import html as exporter

    exporter.write_html(_exported(ctx), path, force=force, limit=limit or None)


# == end of exports ================================================================


def main() -> None:
    """Console entry point for everything the fast path (``fast.py``) leaves to Typer."""
    process.guarded(lambda: run_app(sys.argv[1:]))


def run_app(arguments: list[str]) -> None:
    _let_completion_take_a_shell_name(arguments)
    app(args=arguments, prog_name="cbiic")


SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def _let_completion_take_a_shell_name(arguments: list[str]) -> None:
    """`--show-completion zsh` emits zsh, whatever shell cbiic was started from.

    Typer's completion options are flags that detect the shell, unless this
    variable is set, in which case they take the shell's name. It is set only
    when a shell is named, so plain `--show-completion` still detects it.
    """
    for index, argument in enumerate(arguments):
        name, _, value = argument.partition("=")
        if name in ("--show-completion", "--install-completion"):
            named = value or (arguments[index + 1] if index + 1 < len(arguments) else "")
            if named in SHELLS:
                os.environ["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"
