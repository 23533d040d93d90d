"""Read a forum file into a validated ``Forum``, or explain every problem with it.

The file is only ever read. ``yamltree`` reads the YAML, ``references``
checks what a type cannot express (unique ids, references that resolve, the
agenda's rules), and msgspec checks the shape against ``model.Forum``, with
``shape`` explaining each mismatch in plain words when that check fails.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, ForumDataError, InputOutputError, Problem, Problems, quote

if TYPE_CHECKING:
    from . import yamltree

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
# CBIIC_MAX_BYTES may move the limit within this range. Above it, even a file
# the loader reads at its bounded cost per byte would need more memory than a
# workstation has; at its low end a limit still lets a tiny test file through.
MIN_MAX_BYTES = 1
MAX_MAX_BYTES = 1024 * 1024 * 1024
MAX_BYTES_VARIABLE = "CBIIC_MAX_BYTES"
STDIN = "-"


class ForumSource:
    """Where a forum comes from: a file path, or standard input as ``-``."""

    __slots__ = ("location",)

    def __init__(self, location: str) -> None:
        self.location = location

    @property
    def display_name(self) -> str:
        return "<stdin>" if self.location == STDIN else self.location


def default_data_path() -> Path:
    """The shipped forum: inside the installed package, or in the source tree when run from a checkout."""
    packaged = Path(__file__).parent / "data" / "forum.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "forum.yaml"


def default_data_location() -> Path:
    """The shipped congress: the directory holding the shipped forum (and ``congress.yaml``)."""
    return default_data_path().parent


def max_bytes() -> int:
    """The size limit from CBIIC_MAX_BYTES: plain decimal digits within a range the loader can afford."""
    raw = os.environ.get(MAX_BYTES_VARIABLE)
    if raw is None:
        return DEFAULT_MAX_BYTES
    digits = raw.lstrip("0")
    # Length first: int() refuses more than 4,300 digits, and no value that long is in range anyway.
    if (
        not (raw.isascii() and raw.isdigit())
        or len(digits) > len(str(MAX_MAX_BYTES))
        or not MIN_MAX_BYTES <= int(digits or "0") <= MAX_MAX_BYTES
    ):
        raise ConfigurationError(
            f"{MAX_BYTES_VARIABLE} must be a whole number of bytes from {MIN_MAX_BYTES:,} to {MAX_MAX_BYTES:,} "
            f"(written as plain digits, e.g. {DEFAULT_MAX_BYTES}), got {quote(raw)}"
        )
    return int(digits)


def read_bytes(source: ForumSource) -> bytes:
    """The raw file, with every way of failing to read it turned into one clear problem."""
    name = source.display_name
    limit = max_bytes()
    too_big = Problem(f"file is larger than the {limit:,}-byte limit; raise it with {MAX_BYTES_VARIABLE}=<bytes> if the file is trusted")
    if source.location == STDIN:
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise InputOutputError("cannot read the forum from standard input: it is closed")
        try:
            data = sys.stdin.buffer.read(limit + 1)
        except OSError as exc:
            raise InputOutputError(f"cannot read the forum from standard input: {exc.strerror or exc}") from None
        if len(data) > limit:
            raise ForumDataError(name, [too_big])
        return data
    if not source.location:  # Path("") is the current directory, which would be reported as "a directory"
        raise ForumDataError("(empty path)", [Problem("the path is empty; give a file path, or '-' for standard input")])
    location = source.location  # as given: pathlib would read "forum.yaml/." as "forum.yaml", the system does not
    try:
        if os.path.isdir(location):
            raise ForumDataError(name, [Problem("is a directory; pass the path of a forum YAML file")])
        if os.stat(location).st_size > limit:
            raise ForumDataError(name, [too_big])
        with open(location, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ForumDataError(name, [Problem("no such file; check the path")]) from None
    except PermissionError:
        raise ForumDataError(name, [Problem("permission denied; make the file readable or pass another with --data")]) from None
    except OSError as exc:
        raise ForumDataError(name, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    if len(data) > limit:
        raise ForumDataError(name, [too_big])
    return data


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ForumDataError(name, [Problem(f"looks binary (NUL byte at offset {offset}); expected a UTF-8 YAML text file")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        # Columns count characters, as YAML errors do, not bytes.
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise ForumDataError(name, [Problem("is not valid UTF-8; save the file as UTF-8", line=line, column=column)]) from None
    return text.removeprefix("\ufeff")


# Line breaks to YAML 1.1 (and so to PyYAML) but not to an editor. The YAML reader counts lines by
# them, so its positions are moved back to the lines an editor shows, and a syntax error names them.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "NEXT LINE (U+0085)", "\u2028": "LINE SEPARATOR (U+2028)", "\u2029": "PARAGRAPH SEPARATOR (U+2029)"}


def _as_an_editor_counts(text: str, problems: list[Problem]) -> None:
    """Positions counted over YAML's line breaks, recounted over newlines alone; a syntax error gets a hint."""
    first = _YAML_ONLY_BREAK.search(text)
    if first is None:
        return
    yaml_line_starts = [0] + [m.end() for m in _YAML_BREAK.finditer(text)]

    def editor_position(index: int) -> tuple[int, int]:
        return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1

    def from_yaml(line: int, column: int) -> tuple[int, int]:
        return editor_position(yaml_line_starts[min(line, len(yaml_line_starts)) - 1] + column - 1)

    for problem in problems:
        if problem.line is None:
            continue
        problem.line, problem.column = from_yaml(problem.line, problem.column or 1)
        if "YAML syntax error" in problem.message:
            problem.message = re.sub(
                r"started at line (\d+), column (\d+)",
                lambda m: "started at line {}, column {}".format(*from_yaml(int(m[1]), int(m[2]))),
                problem.message,
            )
            line, column = editor_position(first.start())
            problem.message += (
                f"; the file holds an invisible {_BREAK_NAMES[first.group()]} at line {line}, column {column}, "
                "which YAML reads as a line break: delete it, or write it as an escape inside double quotes"
            )


def parse_forum(data: bytes, name: str, still_to_write: list[Problem] | None = None, shared_themes: list[Any] | None = None) -> Any:
    """Validate raw bytes into a ``model.Forum`` or raise ``ForumDataError`` listing every problem.

    Three layers, each reporting all it finds: the YAML reader (syntax, tags,
    aliases, duplicate keys, ambiguous numbers), the reference checks, and the
    shape. A valid file pays for one msgspec pass; the plain-words shape walk
    runs only once that pass has failed.

    A draft's placeholders (``placeholders.MARKER``) are problems, so a query never
    answers from one. ``cbiic validate`` passes ``still_to_write``: they are put
    there instead, located, and the forum is built with stand-ins for them.

    ``shared_themes``: a congress's themes (``congress.yaml``, as plain values), which the forum's key points may use
    as if the file defined them; a theme the file defines too must be the same, or it is a problem.
    """
    import msgspec

    from . import model, placeholders, references, shape, yamltree

    text, problems, document = _read_mapping(data, name, yamltree.FORUM_KEYS)
    to_write = placeholders.take(document) if placeholders.MARKER.encode() in data else []
    if still_to_write is None:
        for problem in to_write:
            problems.add(problem)
    else:
        still_to_write += to_write
        locate_problems(text, to_write)
        _as_an_editor_counts(text, to_write)
    if shared_themes:
        _share_themes(document, shared_themes, problems)
    references.check(document, problems)
    try:
        forum = msgspec.convert(document, model.Forum, strict=True)
    except msgspec.ValidationError as exc:
        found = problems.total
        shape.collect(document, problems)
        if problems.total == found and not problems.has(yamltree.YAML_KIND):
            # The walk follows msgspec's rules; should it ever miss one, msgspec's own word stands.
            problems.add(Problem(f"does not fit the forum schema: {exc}", "(top level)"))
    if problems:
        raise _invalid(name, text, problems)
    return forum


def _read_mapping(data: bytes, name: str, keys: str) -> tuple[str, Problems, dict[str, Any]]:
    """The text, its problems so far, and the YAML document, which must be a mapping (of ``keys``, as a message says)."""
    from . import yamltree

    text = decode_text(data, name)
    problems = Problems()
    try:
        document = yamltree.parse(text, problems, keys)
    except yamltree.YamlProblem as exc:
        problems.add(exc.problem)
        raise _invalid(name, text, problems) from None
    if not isinstance(document, dict):
        if document is not yamltree.REJECTED:
            kind = (
                "a list"
                if isinstance(document, list)
                else "empty (null)"
                if document is None
                else f"a single {_KIND_OF_VALUE.get(type(document), 'scalar')} value"
            )
            problems.add(Problem(f"the document is {kind}; expected a mapping with {keys}", line=1, column=1))
        raise _invalid(name, text, problems)
    return text, problems, document


def _share_themes(document: dict[str, Any], shared: list[Any], problems: Problems) -> None:
    """The congress's themes after the file's own (so the file's keep their places, and their problems' lines); one the
    file defines too must be defined the same, since the same id means the same theme everywhere."""
    own = document.get("themes")
    own = own if isinstance(own, list) else []
    own_ids = {theme.get("id"): (number, theme) for number, theme in enumerate(own) if isinstance(theme, dict)}
    added = []
    for theme in shared:
        mine = own_ids.get(theme["id"])
        if mine is None:
            added.append(theme)
        elif {key: value for key, value in mine[1].items() if value != []} != {k: v for k, v in theme.items() if v != []}:
            problems.add(
                Problem(
                    f"theme {quote(theme['id'])} is defined differently in congress.yaml, and one id is one theme in every forum; "
                    "remove it here to use the congress's, or give this one another id",
                    f"themes[{mine[0]}].id",
                    trail=("themes", mine[0], "id"),
                    kind="theme clashes",
                )
            )
    if added:
        document["themes"] = own + added


def parse_congress(data: bytes, name: str, files: list[str]) -> Any:
    """Validate ``congress.yaml``'s bytes into a ``model.Congress``, or raise ``ForumDataError`` listing every problem.
    ``files``: the forum files of its directory, the only ones it may list."""
    import msgspec

    from . import model, shape

    text, problems, document = _read_mapping(data, name, "`congress`, and optionally `forums` and `themes`")
    try:
        congress = msgspec.convert(document, model.Congress, strict=True)
    except msgspec.ValidationError as exc:
        shape.collect(document, problems, model.Congress)
        if not problems:
            problems.add(Problem(f"does not fit the congress schema: {exc}", "(top level)"))
    else:
        for number, entry in enumerate(congress.forums):
            if entry.file not in files:
                trail = ("forums", number, "file")
                there = ", ".join(files[:5]) + (f" and {len(files) - 5:,} more" if len(files) > 5 else "")
                problems.add(
                    Problem(
                        f"no forum file {quote(entry.file)} in its directory; list a file that is there ({there})",
                        f"forums[{number}].file",
                        trail=trail,
                    )
                )
    if problems:
        raise _invalid(name, text, problems)
    return congress


def _invalid(name: str, text: str, problems: Problems) -> ForumDataError:
    """The error for a file: problems located, in file order, each kind past its limit summed up in one line."""
    from .yamltree import YAML_KIND

    listed = problems.listed + problems.summaries()
    locate_problems(text, listed)
    _as_an_editor_counts(text, listed)
    # What the YAML reader refused leads (a refused value often explains a shape problem); the rest in file order.
    listed.sort(key=lambda p: (p.kind != YAML_KIND, p.line or 0, p.column or 0))
    return ForumDataError(name, listed, problems.total)


def locate_problems(text: str, problems: list[Problem]) -> None:
    """Give each problem without a line the line and column of its place in the YAML ``text``, read once more."""
    from .yamltree import locate

    unplaced = [problem for problem in problems if problem.line is None]
    if unplaced:
        wanted: set[yamltree.Path] = set()
        for problem in unplaced:
            trail = problem.trail
            wanted.update(trail[:end] for end in range(len(trail) + 1))
            if problem.at_key:
                wanted.add(trail[:-1] + ("<key>", trail[-1]))
        marks = locate(text, wanted)
        for problem in unplaced:
            _place(problem, marks)


def _place(problem: Problem, marks: yamltree.Marks) -> None:
    """The line and column of the key (for an unknown field) or of the deepest node on the problem's trail."""
    trail = problem.trail
    if problem.at_key and (trail[:-1] + ("<key>", trail[-1])) in marks:
        problem.line, problem.column = marks[trail[:-1] + ("<key>", trail[-1])]
        return
    for end in range(len(trail), -1, -1):
        if trail[:end] in marks:
            problem.line, problem.column = marks[trail[:end]]
            return


_KIND_OF_VALUE = {str: "text", int: "number", float: "number", bool: "boolean"}


def load_forum(source: ForumSource) -> Any:
    """The validated forum from ``source``, read and parsed afresh (the query store, ``store/``, is what saves work)."""
    return parse_forum(read_bytes(source), source.display_name)
