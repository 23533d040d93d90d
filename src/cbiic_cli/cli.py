"""The `cbiic` command line: thin Typer commands over ``answers`` and ``render``.

Only Typer is imported at module level. The loader, msgspec, Rich and the
renderers load inside the commands that need them, so `--help`, `--version`
and shell completion stay as fast as Typer itself.
"""

import enum
import errno
import functools
import io
import os
import sys
from typing import Annotated, Any, Callable, Optional

import typer

from . import __version__
from .errors import CbiicError, InputOutputError
from .formats import OutputFormat

DATA_VARIABLE = "CBIIC_DATA"
DEBUG_VARIABLE = "CBIIC_DEBUG"
EXIT_INTERNAL_ERROR = 3

app = typer.Typer(
    name="cbiic",
    help="Who said what at the Oncology Drugs Clinical Research Forum (CBIIC 2024, Guangzhou, 30 November 2024).",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    # Plain help wraps to any width; Rich's help panels cut text with "…" below ~60 columns.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


# -- shared plumbing ---------------------------------------------------------

def _say(message: str) -> None:
    """One line on stderr, as every cbiic message is."""
    sys.stderr.write(f"cbiic: {_printable(message)}\n")


def _fail(message: str, code: int) -> None:
    _say(message)
    raise typer.Exit(code)


def _printable(text: str) -> str:
    """One line, safe for a terminal: control characters and line breaks from the data become visible escapes."""
    from .render import clean

    return clean(text).replace("\r", "\\r").replace("\n", "\\n")


def command(*, example: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose CbiicErrors become one stderr line and their exit code."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any, **inner: Any) -> Any:
            try:
                return function(*args, **inner)
            except CbiicError as error:
                _fail(str(error), error.exit_code)

        summary_line = (function.__doc__ or "").strip().splitlines()[0]
        # short_help: Click would otherwise cut the command list's descriptions at 45 characters.
        return app.command(epilog=f"Example: {example}", short_help=summary_line, **kwargs)(run)

    return register


def _terminal() -> tuple[bool, Optional[int]]:
    """(colour?, width) for table output: colour only on a terminal, NO_COLOR and FORCE_COLOR respected."""
    if os.environ.get("NO_COLOR"):
        color = False
    elif os.environ.get("FORCE_COLOR"):
        color = True
    else:
        color = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    width: Optional[int] = None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size().columns
    return color, width


def _forum_index(ctx: typer.Context) -> Any:
    from .load import ForumSource, default_data_path, load_forum
    from .query import ForumIndex

    options = ctx.find_root().params
    location = options.get("data") or str(default_data_path())
    return ForumIndex(load_forum(ForumSource(location), use_cache=not options.get("no_cache")))


def _emit(view: Any, fmt: OutputFormat) -> None:
    from .render import render_as

    empty_notice = view.extra.get("empty_notice")
    if empty_notice and not view.items:
        _say(empty_notice)
        if fmt is OutputFormat.table:
            return
    color, width = _terminal()
    _write(render_as(fmt, view, color=color, width=width))


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`head`, a pager) has all it wants: that is success, not an error.
        _silence_stdout()
        raise typer.Exit(0) from None
    except OSError as error:
        # A full disk, a closed stdout, a device error: the environment's failure, not a bug.
        _silence_stdout()
        _fail(f"cannot write the output: {_reason(error)}", InputOutputError.exit_code)


FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="Output format: table (for reading), json, csv or markdown."),
]


# -- completion: cheap, and silent on any failure ------------------------------

def _complete(ctx: typer.Context, incomplete: str, pick: Callable[[Any], list[tuple[str, str]]]) -> list[tuple[str, str]]:
    try:
        index = _forum_index(ctx)
        return [(value, help_text) for value, help_text in pick(index) if value.startswith(incomplete.casefold())]
    except Exception:  # completion must never print a traceback into the shell
        return []


def _complete_person(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete(ctx, incomplete, lambda index: [(p.slug, p.name) for p in index.forum.people])


def _complete_ref(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete(
        ctx,
        incomplete,
        lambda index: [(p.slug, p.name) for p in index.forum.people]
        + [(c.id, c.heading) for c in index.contributions]
        + ([(index.forum.panel.id, index.forum.panel.title)] if index.forum.panel else []),
    )


def _complete_theme(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _complete(ctx, incomplete, lambda index: [(t.id, t.label) for t in index.forum.themes])


# -- global options ------------------------------------------------------------

def _show_version(value: bool) -> None:
    if value:
        _write(f"cbiic {__version__}\n")
        raise typer.Exit()


def _refuse_empty_data_path(ctx: typer.Context, value: Optional[str]) -> Optional[str]:
    """An empty path is a script's unset variable, not a request for the shipped forum: say so instead of answering.

    Click treats an empty CBIIC_DATA as unset, so the variable is checked here too.
    """
    if not ctx.resilient_parsing and (value == "" or (value is None and os.environ.get(DATA_VARIABLE) == "")):
        source = "--data" if value == "" else DATA_VARIABLE
        _fail(f"the forum path given by {source} is empty; give a file path, or '-' for standard input", 1)
    return value


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Annotated[
        Optional[str],
        typer.Option(
            "--data",
            envvar=DATA_VARIABLE,
            metavar="PATH",
            callback=_refuse_empty_data_path,
            help="Forum YAML file to read instead of the shipped one; '-' reads standard input.",
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse and validate the file afresh, bypassing the cache.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Who said what at the Oncology Drugs Clinical Research Forum (CBIIC 2024, Guangzhou, 30 November 2024)."""
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        # Plain `cbiic` is a request for help, not a mistake: help on stdout, exit 0.
        _write(ctx.get_help() + "\n")
        raise typer.Exit()


# -- commands ----------------------------------------------------------------

@command(example="cbiic speakers --org hospital --format csv")
def speakers(
    ctx: typer.Context,
    org: Annotated[Optional[str], typer.Option("--org", help="Only people affiliated with an organisation whose name contains this text.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Everyone named at the forum, in agenda order, with roles and affiliations."""
    from . import answers

    _emit(answers.speakers(_forum_index(ctx), org), fmt)


@command(example="cbiic speaker xue-junli")
def speaker(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Person slug (a unique prefix or the full name also works).", autocompletion=_complete_person)],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One person's profile: affiliations, roles and everything they contributed."""
    from . import answers

    _emit(answers.speaker(_forum_index(ctx), slug), fmt)


@command(example="cbiic talk zheng-limin")
def talk(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Talk id or person slug; a unique prefix resolves.", autocompletion=_complete_ref)],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """A talk in full, or everything one person said (talk, speech, panel remarks)."""
    from . import answers

    _emit(answers.talk(_forum_index(ctx), ref), fmt)


@command(example='cbiic theme "medical insurance"')
def theme(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Theme id, label or alias, any case.", autocompletion=_complete_theme)],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every talk and panel remark on one theme, with speaker, affiliation and gist."""
    from . import answers

    _emit(answers.theme(_forum_index(ctx), name), fmt)


@command(example="cbiic themes --format json")
def themes(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Each theme with its count and aliases, and a theme-by-speaker matrix."""
    from . import answers

    _emit(answers.themes(_forum_index(ctx)), fmt)


@command(example="cbiic agenda")
def agenda(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """The forum as a tree: opening, sessions and moderators, talks, panel."""
    from . import answers

    _emit(answers.agenda(_forum_index(ctx)), fmt)


@command(example="cbiic summary --format markdown > forum.md")
def summary(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """A digest of the whole forum: the facts, then every contribution in a line or two."""
    from . import answers

    _emit(answers.summary(_forum_index(ctx)), fmt)


@command(example='cbiic search "immune checkpoint" --theme immunotherapy')
def search(
    ctx: typer.Context,
    text: Annotated[list[str], typer.Argument(help='Words (all must match) and "quoted phrases".')],
    theme_name: Annotated[Optional[str], typer.Option("--theme", help="Only talks and remarks on this theme.", autocompletion=_complete_theme)] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Show at most this many hits.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Ranked full-text search over names, affiliations, titles, summaries, key points and remarks."""
    from . import answers

    _emit(answers.search(_forum_index(ctx), text, theme_name, limit), fmt)


@command(example="cbiic orgs capital")
def orgs(
    ctx: typer.Context,
    text: Annotated[Optional[str], typer.Argument(help="Only organisations whose name contains this text.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Every organisation named at the forum, with its people and what they contributed."""
    from . import answers

    _emit(answers.orgs(_forum_index(ctx), text), fmt)


class ReportFormat(str, enum.Enum):
    """How `cbiic validate` reports: lines for people, or one JSON array for editors and CI."""

    text = "text"
    json = "json"


@command(example="cbiic validate my-forum.yaml other.yaml --format json")
def validate(
    ctx: typer.Context,
    paths: Annotated[
        Optional[list[str]],
        typer.Argument(help="Files to check ('-' reads standard input); default: --data, CBIIC_DATA or the shipped forum.", metavar="[PATH]..."),
    ] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="text: a line per problem and a verdict per file; json: one array of {file, line, column, path, message}."),
    ] = ReportFormat.text,
) -> None:
    """Check forum files and list every problem with its line, column and field path."""
    from .errors import ForumDataError
    from .load import ForumSource, default_data_path, parse_forum, read_bytes

    locations = paths or [ctx.find_root().params.get("data") or str(default_data_path())]
    lines: list[str] = []
    records: list[dict[str, Any]] = []
    invalid = 0
    for location in locations:
        source = ForumSource(location)
        try:
            forum = parse_forum(read_bytes(source), source.display_name)
        except ForumDataError as error:
            invalid += 1
            lines.extend(problem.located(error.filename) for problem in error.problems)
            lines.append(f"{error.filename}: invalid ({error.total:,} problem{'s' if error.total != 1 else ''})")
            records.extend(problem.as_record(error.filename) for problem in error.problems)
            continue
        remarks = len(forum.panel.remarks) if forum.panel else 0
        lines.append(
            f"{source.display_name}: valid ({len(forum.people)} people, {len(forum.talks)} talks, {remarks} panel remarks, {len(forum.themes)} themes)"
        )
    if fmt is ReportFormat.json:
        import json

        # ensure_ascii: control characters from the data (DEL, C1) leave as \u escapes, never raw.
        _write(json.dumps(records, indent=2) + "\n")
    else:
        _write("".join(_printable(line) + "\n" for line in lines))
    if invalid:
        raise typer.Exit(1)


@command(example="cbiic schema > forum.schema.json")
def schema() -> None:
    """Print the JSON Schema of the forum file (for editors and validators)."""
    from .schema import schema_text

    _write(schema_text())


def main() -> None:
    """Console entry point: an unexpected error is one line, never a traceback (unless CBIIC_DEBUG=1)."""
    import gc

    # A short-lived process over an acyclic model: the cyclic collector would only
    # rescan a large forum over and over (a third of a query's time at 50k talks).
    gc.disable()
    _stand_in_for_closed_streams()
    # A terminal or pipe that cannot encode some character gets an escape, not a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app(prog_name="cbiic")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # Click's own output (help, usage) to a reader that left
        _silence_stdout()
        sys.exit(0)
    except OSError as error:
        if error.errno not in _ENVIRONMENT_ERRNOS or os.environ.get(DEBUG_VARIABLE):
            raise
        _silence_stdout()
        _say(f"input or output error: {_reason(error)}")
        sys.exit(InputOutputError.exit_code)
    except Exception as error:  # the last line of defence: users never see a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        _say(
            f"internal error: {type(error).__name__}: {error} "
            f"(rerun with {DEBUG_VARIABLE}=1 for the full traceback, and please report it)"
        )
        sys.exit(EXIT_INTERNAL_ERROR)


# OS errors that say the environment failed (a full or failing device, a closed
# stream), as opposed to a bug in cbiic: they exit with InputOutputError's code.
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.ENXIO}


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


class _ClosedStream(io.TextIOBase):
    """Stands in for a standard stream the process was started without (`>&-`): any write is an EBADF error."""

    def __init__(self, name: str) -> None:
        self.stream_name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, f"standard {self.stream_name} is closed")

    def fileno(self) -> int:
        raise io.UnsupportedOperation(f"standard {self.stream_name} is closed")

    def isatty(self) -> bool:
        return False


def _stand_in_for_closed_streams() -> None:
    """Python sets sys.stdout or sys.stderr to None when started with it closed; make writing to it a clear error.

    stdout gets a stream whose writes fail with EBADF, which _write and main report
    as an output error (exit 4); a closed stderr silently drops messages, since
    there is nowhere to say anything, and the exit code still tells.
    """
    if sys.stdout is None:
        sys.stdout = _ClosedStream("output")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


def _silence_stdout() -> None:
    """After stdout failed (a closed pipe, a full disk), point it at /dev/null so the final flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a closed stream has no descriptor, and nothing to flush
        pass
