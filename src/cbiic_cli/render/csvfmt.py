"""CSV (RFC 4180) and linear TSV: a header row of the item keys, then one row per item.

CSV quotes a cell that holds a comma, quote or newline, so a list cell keeps one
item per line inside its quotes. TSV is one record per line: inside a field a tab,
newline, carriage return and backslash are written ``\\t``, ``\\n``, ``\\r`` and
``\\\\``, so a list cell's items are joined by a literal ``\\n``.

A cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return, also after spaces or invisible characters, or with a fullwidth
＝ ＋ － ＠) is neutralised with a leading apostrophe, as OWASP recommends for
CSV injection, and so is each line of a list cell; ``--allow-formulas`` keeps
cells exactly as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from ..formats import OutputFormat
from ..query import View
from . import CHARACTERS_PER_CHUNK, ROWS_PER_CHUNK, RenderOptions, selected_rows
from .cells import cell_text

# The signs that start a formula, and the same signs in fullwidth and small forms (and the minus sign),
# which some spreadsheets read as the ASCII ones. A tab or carriage return first counts too (see below).
FORMULA_SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b", "\u2212")
# What a spreadsheet may skip before it looks for a formula: spaces of any kind, and every default-ignorable
# (invisible) character Unicode lists: soft hyphen, joiners, fillers, variation selectors, tags.
_LEADING = re.compile(
    "[\\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]*"
)


def neutralise(cell: str) -> str:
    """Each line on its own: a list cell is split on newlines by scripts, and every item must stay inert."""
    return "\n".join("'" + line if _runs_as_formula(line) else line for line in cell.split("\n"))


def _runs_as_formula(line: str) -> bool:
    if line.startswith(("\t", "\r")):
        return True
    leading = _LEADING.match(line)  # always a match, perhaps an empty one
    return line[leading.end() if leading else 0 :].startswith(FORMULA_SIGNS)


def render(view: View, options: RenderOptions) -> str:
    return "".join(chunks(view, options))


# Linear TSV, as PostgreSQL's and MySQL's text formats write it: inside a field these four are backslash escapes,
# so every line is one record and `cut -f` and `awk -F'\t'` see fields, never a quoted cell running on.
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _LinearTsvWriter:
    """A writer with csv.writer's writerow: fields escaped, joined by tabs, one line each."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    def writerow(self, row: list[str]) -> None:
        self.buffer.write("\t".join(field.translate(_TSV_ESCAPES) for field in row) + "\n")


def chunks(view: View, options: RenderOptions) -> Iterator[str]:
    """The header, then the rows a batch at a time."""
    keys, rows = selected_rows(view, options.fields)
    buffer = io.StringIO()
    writer: Any
    if options.fmt is OutputFormat.tsv:
        writer = _LinearTsvWriter(buffer)
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
    guard = (lambda cell: cell) if options.formulas else neutralise
    if options.headers:
        writer.writerow(keys)
    written = 0
    for row in rows:
        writer.writerow([guard(cell_text(row.get(key))) for key in keys])
        written += 1
        if written == ROWS_PER_CHUNK or buffer.tell() >= CHARACTERS_PER_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            written = 0
    if buffer.tell():  # the last rows, or with no rows the header alone
        yield buffer.getvalue()
