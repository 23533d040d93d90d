"""Errors meant for the user: each one knows its message and its exit code."""

from __future__ import annotations


class CbiicError(Exception):
    """An error shown to the user as one line on stderr; never a traceback."""

    exit_code = 1


class Problem:
    """One thing wrong with a forum file, with where it is."""

    __slots__ = ("message", "path", "line", "column", "at_key")

    def __init__(self, message: str, path: str = "", line: int | None = None, column: int | None = None, at_key: bool = False) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.at_key = at_key  # locate the mapping key itself (an unknown field), not its value

    def __repr__(self) -> str:
        return f"Problem({self.message!r}, path={self.path!r}, line={self.line}, column={self.column})"

    def located(self, filename: str) -> str:
        where = filename
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        field_part = f" {self.path}:" if self.path else ""
        return f"{where}:{field_part} {self.message}"


class ForumDataError(CbiicError):
    """The forum file cannot be used; holds every problem found, the first one leading."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        super().__init__(filename, problems)
        self.filename = filename
        self.problems = problems

    def __str__(self) -> str:
        first = self.problems[0].located(self.filename)
        more = len(self.problems) - 1
        if more:
            command = "cbiic --data - validate" if self.filename == "<stdin>" else f"cbiic validate {self.filename}"
            first += f" (and {more} more problem{'s' if more > 1 else ''}: run `{command}` to list them)"
        return first


class NotFound(CbiicError):
    """A talk, person, theme or organisation that the forum does not have."""


class Ambiguous(CbiicError):
    """A reference that matches several things equally well."""
