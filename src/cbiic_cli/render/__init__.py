"""Turn a ``View`` into text. ``render_as`` is the only place that switches on the format."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..escape import clean
from ..formats import OutputFormat

if TYPE_CHECKING:  # the model is not needed to render, and importing it costs start-up time
    from ..query import View

__all__ = ["RenderOptions", "clean", "joined", "render_as", "render_chunks", "selected_rows"]


class RenderOptions:
    """How to render: the format, and the switches that only some formats use."""

    __slots__ = ("ascii", "color", "fields", "fmt", "formulas", "headers", "width")

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


def selected_rows(view: View, fields: list[str] | None) -> tuple[list[str], Iterable[dict[str, Any]]]:
    """The keys to print and the rows restricted to them, in the chosen order (made one by one as they are read)."""
    keys = fields or view.keys
    if fields is None:
        return keys, view.items
    return keys, ({key: item.get(key) for key in keys} for item in view.items)


# Rows per piece of streamed output: few enough to keep memory flat, enough to make each write worth it;
# and characters, for lists of long rows (a theme of the summary lists thousands of ids at scale).
ROWS_PER_CHUNK = 500
CHARACTERS_PER_CHUNK = 1 << 20


def render_chunks(view: View, options: RenderOptions) -> Iterator[str]:
    """The output in pieces, written as they are made: a row format, a list as a JSON array, or a long list inside
    a JSON document, row by row; anything laid out as a whole (a table, Markdown) in one piece."""
    fmt = options.fmt
    if fmt in (OutputFormat.json, OutputFormat.jsonl):
        from . import jsonfmt

        return jsonfmt.chunks(view, options)
    if fmt in (OutputFormat.csv, OutputFormat.tsv):
        from . import csvfmt

        return csvfmt.chunks(view, options)
    return iter([render_as(view, options)])


def joined(texts: Iterable[str], separator: str = "") -> Iterator[str]:
    """The texts (rendered rows), joined into pieces of at most ``ROWS_PER_CHUNK`` rows or about ``CHARACTERS_PER_CHUNK``."""
    batch: list[str] = []
    size = 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if len(batch) == ROWS_PER_CHUNK or size >= CHARACTERS_PER_CHUNK:
            yield separator.join(batch)
            batch = []
            size = 0
    if batch:
        yield separator.join(batch)


def render_as(view: View, options: RenderOptions) -> str:
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
