"""CSV (RFC 4180): a header row of the item keys, then one row per item, lists joined with '; '."""

from __future__ import annotations

import csv
import io

from ..query import View
from . import cell_text


def render(view: View) -> str:
    buffer = io.StringIO()
    keys = list(view.items[0]) if view.items else view.extra.get("keys") or [key for key, _ in view.columns]
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(keys)
    for item in view.items:
        writer.writerow([cell_text(item.get(key)) for key in keys])
    return buffer.getvalue()
