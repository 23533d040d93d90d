"""Colour for a terminal: Rich turns the layout's styled segments into escape codes.

The layout (line breaks, widths) is already final; Rich only styles it, with
wrapping and cropping off, so a terminal shows exactly the lines a pipe gets.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text

from .layout import Line


def colour(lines: list[Line]) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=10**4, highlight=False, emoji=False, markup=False, legacy_windows=False)
    for line in lines:
        text = Text(no_wrap=True)
        for part, style in line:
            text.append(part, style=style or None)
        text.rstrip()
        console.print(text, soft_wrap=True)
    return buffer.getvalue()
