"""Turn a ``View`` into text. ``render_as`` is the only place that switches on the format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..escape import clean
from ..formats import OutputFormat

if TYPE_CHECKING:  # the model is not needed to render, and importing it costs start-up time
    from ..query import View

__all__ = ["RenderOptions", "clean", "render_as", "selected_rows"]


class RenderOptions:
    """How to render: the format, and the switches that only some formats use."""

    __slots__ = ("fmt", "fields", "headers", "formulas", "color", "width", "ascii")

    def __init__(
        self,
        fmt: OutputFormat = OutputFormat.table,
        *,
        fields: list[str] | None = None,
        headers: bool = True,
        formulas: bool = False,
        color: bool = False,
        width: int = 100,
        ascii: bool = False,
    ) -> None:
        self.fmt = fmt.canonical
        self.fields = fields  # chosen and ordered item keys, or None for each format's default
        self.headers = headers  # CSV/TSV header row
        self.formulas = formulas  # leave spreadsheet formulas in CSV/TSV cells live
        self.color = color
        self.width = width
        self.ascii = ascii  # the terminal cannot encode box-drawing and typographic characters


def selected_rows(view: "View", fields: list[str] | None) -> tuple[list[str], list[dict[str, Any]]]:
    """The keys to print and the rows restricted to them, in the chosen order."""
    keys = fields or view.keys
    if fields is None:
        return keys, view.items
    return keys, [{key: item.get(key) for key in keys} for item in view.items]


def render_as(view: "View", options: RenderOptions) -> str:
    fmt = options.fmt
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        from . import jsonfmt

        return jsonfmt.render(view, options)
    if fmt in (OutputFormat.csv, OutputFormat.tsv):
        from . import csvfmt

        return csvfmt.render(view, options)
    if fmt is OutputFormat.markdown:
        from . import markdown

        return markdown.render(view, options)
    from . import table

    return table.render(view, options)
