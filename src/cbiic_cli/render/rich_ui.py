"""Rich's building blocks for table output on a terminal: colour, styles, exact widths."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

__all__ = ["Group", "Table", "Text", "Tree", "box", "to_string"]


def to_string(renderable: Any, *, color: bool, width: int | None) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or 100,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    console.print(renderable)
    if color:
        return buffer.getvalue()
    # Rich pads every table line to the full width; plain output should not carry that.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
