"""Errors meant for the user: each one knows its message and its exit code."""

from __future__ import annotations

# How much of a value from the file a message may quote: a 70 KB string or key
# must not turn one located line into a wall of text.
QUOTE_LIMIT = 60
# How many problems of one kind are listed in full; the rest are counted. A file
# with a million bad values still gets a short report (and bounded memory).
LISTED_PER_KIND = 20


class CbiicError(Exception):
    """An error shown to the user as one line on stderr; never a traceback."""

    exit_code = 1


class ConfigurationError(CbiicError):
    """An environment variable cbiic reads holds a value it cannot use."""


class InputOutputError(CbiicError):
    """The environment failed us: a closed or full standard stream, a device that refused a write."""

    exit_code = 4


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of a value from the file, cut to ``limit`` characters with a count of what was left out."""
    text = repr(value)
    if len(text) <= limit:
        return text
    hidden = len(text) - limit
    return f"{text[:limit]}… ({hidden:,} more characters)"


def format_path(path: tuple) -> str:
    """("people", 7, "name") as people[7].name; a long key is cut short like any quoted value."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = part if len(part) <= 40 else quote(part, 40)
            out += f".{name}" if out else name
    return out


class Problem:
    """One thing wrong with a forum file, with where it is.

    ``kind`` is a plural noun phrase ("unknown references") used when problems of
    one kind are too many to list and are summed up in one line instead.
    """

    __slots__ = ("at_key", "column", "kind", "line", "message", "path", "trail")

    def __init__(
        self,
        message: str,
        path: str = "",
        line: int | None = None,
        column: int | None = None,
        at_key: bool = False,
        kind: str = "other problems",
        trail: tuple = (),
    ) -> None:
        self.message = message
        self.path = path  # for people: people[7].name
        self.line = line
        self.column = column
        self.at_key = at_key  # locate the mapping key itself (an unknown field), not its value
        self.kind = kind
        self.trail = trail  # for the locator: ("people", 7, "name")

    def __repr__(self) -> str:
        return f"Problem({self.message!r}, path={self.path!r}, line={self.line}, column={self.column})"

    def located(self, filename: str) -> str:
        where = filename
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        field_part = f" {self.path}:" if self.path else ""
        return f"{where}:{field_part} {self.message}"

    def as_record(self, filename: str) -> dict[str, object]:
        """The problem for machines (`cbiic validate --format json`)."""
        return {"file": filename, "line": self.line, "column": self.column, "path": self.path, "message": self.message}


class Problems:
    """Every problem found in one file: the first ``LISTED_PER_KIND`` of each kind kept, the rest counted.

    Counting instead of keeping keeps a report, and the memory behind it, small
    whatever the file holds, while the total stays exact.
    """

    def __init__(self, listed_per_kind: int = LISTED_PER_KIND) -> None:
        self.listed_per_kind = listed_per_kind
        self.listed: list[Problem] = []
        self.total = 0
        self._kept_per_kind: dict[str, int] = {}
        self._first_unlisted: dict[str, Problem] = {}
        self._unlisted: dict[str, int] = {}

    def add(self, problem: Problem) -> None:
        kept = self._kept_per_kind.get(problem.kind, 0)
        if kept < self.listed_per_kind:
            self.total += 1
            self._kept_per_kind[problem.kind] = kept + 1
            self.listed.append(problem)
        else:
            self.tally(problem.kind, problem.trail, problem.line, problem.column, problem.at_key)

    def tally(self, kind: str, trail: tuple, line: int | None = None, column: int | None = None, at_key: bool = False) -> None:
        """Count a problem that will not be listed, without the cost of its message; only the first is placed."""
        self.total += 1
        if kind not in self._first_unlisted:
            self._first_unlisted[kind] = Problem("", format_path(trail), line, column, at_key=at_key, kind=kind, trail=trail)
        self._unlisted[kind] = self._unlisted.get(kind, 0) + 1

    def room_for(self, kind: str) -> bool:
        """Whether a problem of this kind would still be listed (worth an expensive message)."""
        return self._kept_per_kind.get(kind, 0) < self.listed_per_kind

    def has(self, kind: str) -> bool:
        return kind in self._kept_per_kind

    def __bool__(self) -> bool:
        return self.total > 0

    def __len__(self) -> int:
        return self.total

    def summaries(self) -> list[Problem]:
        """One problem per kind that was cut short, placed where its first unlisted problem is."""
        out = []
        for kind, count in self._unlisted.items():
            first = self._first_unlisted[kind]
            message = f"{count:,} more {kind} from here on are not listed; fix the ones above and validate again"
            out.append(Problem(message, first.path, first.line, first.column, at_key=first.at_key, kind=kind, trail=first.trail))
        return out


class ForumDataError(CbiicError):
    """The forum file cannot be used; holds the problems found (the first one leading) and their exact total."""

    def __init__(self, filename: str, problems: list[Problem], total: int | None = None) -> None:
        super().__init__(filename, problems)
        self.filename = filename
        self.problems = problems
        self.total = len(problems) if total is None else total
        # What `cbiic validate` checks to list them all: the file, or the congress directory it is part of (its
        # congress.yaml is no forum file, and a forum file may use the congress's themes).
        self.validate_target = filename

    def __str__(self) -> str:
        first = self.problems[0].located(self.filename)
        more = self.total - 1
        if more:
            command = "cbiic --data - validate" if self.filename == "<stdin>" else f"cbiic validate {self.validate_target}"
            first += f" (and {more:,} more problem{'s' if more > 1 else ''}: run `{command}` to list them)"
        return first


class NotFound(CbiicError):
    """A talk, person, theme or organisation that the forum does not have."""


class Ambiguous(CbiicError):
    """A reference that matches several things equally well: ``candidates``, the ids it may mean."""

    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []
