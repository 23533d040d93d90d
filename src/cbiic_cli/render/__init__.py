"""Turn a ``View`` into text. ``render_as`` is the only place that switches on the format."""

from __future__ import annotations

import re
from typing import Any

from ..formats import OutputFormat
from ..query import View

# C0 controls other than tab and newline, DEL and C1 controls: any of them could
# drive the terminal (ESC starts ANSI/OSC sequences, 0x9b is a one-byte CSI).
# Bidi embeddings, overrides and isolates could make text display out of order.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Show control characters from the data as visible escapes (``\\x1b``), never raw."""
    return _CONTROL.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def cell_text(value: Any) -> str:
    """One value as one flat cell: lists joined with '; ', records as 'Name (id)', [start, end] pairs as 'start-end'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return _record_text(value)
    if isinstance(value, (list, tuple)):
        return "; ".join("-".join(map(cell_text, v)) if isinstance(v, (list, tuple)) else cell_text(v) for v in value)
    return clean(str(value))


def _record_text(record: dict[str, Any]) -> str:
    """A nested record in one cell: 'Name (slug): position', so '; '-joined lists stay splittable."""
    label = record.get("name") or record.get("heading")
    key = record.get("id") or record.get("slug")
    text = f"{cell_text(label)} ({cell_text(key)})" if label and key else cell_text(label or key)
    if record.get("position"):
        text += f": {cell_text(record['position'])}"
    return text


def render_as(fmt: OutputFormat, view: View, *, color: bool = False, width: int | None = None) -> str:
    if fmt is OutputFormat.json:
        from . import jsonfmt

        return jsonfmt.render(view)
    if fmt is OutputFormat.csv:
        from . import csvfmt

        return csvfmt.render(view)
    if fmt is OutputFormat.markdown:
        from . import markdown

        return markdown.render(view)
    from . import table

    return table.render(view, color=color, width=width)
