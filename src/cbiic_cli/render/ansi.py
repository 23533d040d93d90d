"""Colour for a terminal: each styled segment of the layout gets its escape codes from Rich's ``Style``.

The layout (line breaks, widths) is already final; only styles are added, so a
terminal shows exactly the lines a pipe gets. Rich's ``Style`` renders the
codes (``Style.render``, the same call Rich's console makes for every segment),
without the console itself: importing ``rich.console`` costs more than a warm
query does. ``tests/test_tables.py`` checks the bytes equal what Rich's
console prints for the same segments.
"""

from __future__ import annotations

from rich.color import ColorSystem
from rich.style import Style

from .layout import Line


def colour(lines: list[Line]) -> str:
    styles: dict[str, Style] = {}
    out: list[str] = []
    for line in lines:
        for part, style in _without_trailing_space(line):
            if not part:
                continue
            if not style:
                out.append(part)
                continue
            if style not in styles:
                styles[style] = Style.parse(style)
            out.append(styles[style].render(part, color_system=ColorSystem.STANDARD))
        out.append("\n")
    return "".join(out)


def _without_trailing_space(line: Line) -> list[tuple[str, str]]:
    """The line with white space at its end removed, whatever segments it ends in (as ``Text.rstrip`` does)."""
    parts = [(part, style or "") for part, style in line]
    while parts:
        part, style = parts[-1]
        stripped = part.rstrip()
        if stripped:
            parts[-1] = (stripped, style)
            break
        parts.pop()
    return parts
