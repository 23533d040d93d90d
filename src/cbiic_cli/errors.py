"""Errors meant for the user: each one knows its message and its exit code."""

from __future__ import annotations

from dataclasses import dataclass, field


class CbiicError(Exception):
    """An error shown to the user as one line on stderr; never a traceback."""

    exit_code = 1


@dataclass
class Problem:
    """One thing wrong with a forum file, with where it is."""

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def located(self, filename: str) -> str:
        where = filename
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        field_part = f" {self.path}:" if self.path else ""
        return f"{where}:{field_part} {self.message}"


@dataclass
class ForumDataError(CbiicError):
    """The forum file cannot be used; holds every problem found, the first one leading."""

    filename: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        first = self.problems[0].located(self.filename)
        more = len(self.problems) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}: run `cbiic validate` to list them)"
        return first


class NotFound(CbiicError):
    """A talk, person, theme or organisation that the forum does not have."""


class Ambiguous(CbiicError):
    """A reference that matches several things equally well."""
