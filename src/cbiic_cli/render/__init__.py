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
    """One value as one flat cell: lists joined with '; ', mappings as their values joined with ', '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return ", ".join(cell_text(v) for v in value.values() if v not in (None, "", []))
    if isinstance(value, (list, tuple)):
        return "; ".join(cell_text(v) for v in value)
    return clean(str(value))


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
