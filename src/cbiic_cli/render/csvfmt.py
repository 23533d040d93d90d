"""CSV (RFC 4180) and TSV: a header row of the item keys, then one row per item.

A cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return) is neutralised with a leading apostrophe, as OWASP recommends
for CSV injection; ``--allow-formulas`` keeps cells exactly as they are.
"""

from __future__ import annotations

import csv
import io

from ..formats import OutputFormat
from ..query import View
from . import RenderOptions, selected_rows
from .cells import cell_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Invisible characters a spreadsheet skips before it looks for a formula (a byte-order mark, zero-width spaces).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def neutralise(cell: str) -> str:
    return "'" + cell if cell.lstrip(_INVISIBLE).startswith(FORMULA_STARTS) else cell


def render(view: View, options: RenderOptions) -> str:
    keys, rows = selected_rows(view, options.fields)
    buffer = io.StringIO()
    if options.fmt is OutputFormat.tsv:
        writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    else:
        writer = csv.writer(buffer, lineterminator="\r\n")
    guard = (lambda cell: cell) if options.formulas else neutralise
    if options.headers:
        writer.writerow(keys)
    for row in rows:
        writer.writerow([guard(cell_text(row.get(key))) for key in keys])
    return buffer.getvalue()
