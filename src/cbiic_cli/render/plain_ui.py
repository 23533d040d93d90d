"""A small, Rich-compatible subset (Text, Table, Group, Tree) that lays out plain text.

Piped table output has no colour and no terminal to measure, so it does not need
Rich's machinery, and importing Rich would cost more than the rest of a query.
``table.py`` builds the same layout with either this module or ``rich_ui``.
Styles are accepted and ignored; widths respect East Asian wide characters.
"""

from __future__ import annotations

import unicodedata
from typing import Any

RULE = "─"


def cell_width(text: str) -> int:
    """Display width: CJK and other wide characters take two columns."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 0 if unicodedata.combining(char) else 1 for char in text)


def _fold(word: str, width: int) -> list[str]:
    """Split one over-long word into pieces that fit, never cutting anything off."""
    pieces, current, used = [], "", 0
    for char in word:
        size = cell_width(char)
        if used + size > width and current:
            pieces.append(current)
            current, used = "", 0
        current += char
        used += size
    pieces.append(current)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width; words longer than the width are folded."""
    width = max(width, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: str | None = None  # None until the first word, so leading spaces survive
        used = 0
        for word in paragraph.split(" "):
            size = cell_width(word)
            if line is not None and used + 1 + size <= width:
                line, used = f"{line} {word}", used + 1 + size
                continue
            if line is not None:
                lines.append(line)
            if size > width:
                *full, word = _fold(word, width)
                lines.extend(full)
                size = cell_width(word)
            line, used = word, size
        lines.append(line or "")
    return lines


class Text:
    def __init__(self, text: str = "", style: str = "") -> None:
        self.plain = text

    def append(self, text: "str | Text", style: str | None = None) -> "Text":
        self.plain += text.plain if isinstance(text, Text) else text
        return self

    def append_text(self, text: "Text") -> "Text":
        self.plain += text.plain
        return self

    def stylize(self, style: str, start: int = 0, end: int | None = None) -> None:
        """Styles mean nothing in plain text."""

    def lines(self, width: int) -> list[str]:
        return wrap(self.plain, width)


class _Column:
    def __init__(self, header: str, justify: str, ratio: int | None, width: int | None) -> None:
        self.header = header
        self.justify = justify
        self.ratio = ratio
        self.width = width


class Table:
    def __init__(
        self,
        *,
        title: str | None = None,
        caption: str | None = None,
        expand: bool = False,
        padding: tuple[int, int] = (0, 1),
        gap: int | None = None,
        show_header: bool = True,
        **_: Any,
    ) -> None:
        self.title = title
        self.caption = caption
        self.expand = expand
        # As in Rich: each cell's side padding, plus the one-character column separator.
        self.gap = gap if gap is not None else 2 * padding[1] + 1
        self.show_header = show_header
        self.columns: list[_Column] = []
        self.rows: list[list[Text]] = []

    @classmethod
    def grid(cls, padding: tuple[int, int] = (0, 1), **kwargs: Any) -> "Table":
        return cls(gap=padding[1], show_header=False, **kwargs)

    def add_column(self, header: str = "", *, justify: str = "left", ratio: int | None = None, width: int | None = None, **_: Any) -> None:
        self.columns.append(_Column(header, justify, ratio, width))

    def add_row(self, *cells: "str | Text") -> None:
        self.rows.append([cell if isinstance(cell, Text) else Text(str(cell)) for cell in cells])

    def _widths(self, width: int) -> list[int]:
        count = len(self.columns)
        natural = [cell_width(c.header) if self.show_header else 0 for c in self.columns]
        longest_word = [max((cell_width(w) for w in c.header.split()), default=0) if self.show_header else 0 for c in self.columns]
        for row in self.rows:
            for index, cell in enumerate(row[:count]):
                for line in cell.plain.split("\n"):
                    natural[index] = max(natural[index], cell_width(line))
                    longest_word[index] = max(longest_word[index], max((cell_width(w) for w in line.split(" ")), default=0))
        most = [c.width or n for c, n in zip(self.columns, natural)]
        least = [c.width or max(min(w, n), 1) for c, w, n in zip(self.columns, longest_word, natural)]
        available = max(width - self.gap * (count - 1), count)
        weight = [c.ratio or 1 for c in self.columns]
        if sum(most) <= available:
            widths = most
            spare = available - sum(widths)
            ratios = [i for i, c in enumerate(self.columns) if c.ratio]
            if self.expand and ratios:
                total = sum(weight[i] for i in ratios)
                for i in ratios:
                    widths[i] += spare * weight[i] // total
            return widths
        widths = list(least)
        # Fill each column towards its natural width, in proportion to its ratio, until the line is full.
        while sum(widths) < available:
            wanting = [i for i in range(count) if widths[i] < most[i]]
            if not wanting:
                break
            room = available - sum(widths)
            total = sum(weight[i] for i in wanting)
            grown = False
            for i in wanting:
                step = min(most[i] - widths[i], room * weight[i] // total)
                if step > 0:
                    widths[i] += step
                    grown = True
            if not grown:
                neediest = max(wanting, key=lambda i: (most[i] - widths[i]) * weight[i])
                widths[neediest] += 1
        # Still too wide even at the longest words: fold words in the widest column.
        while sum(widths) > available and max(widths) > 1:
            widths[widths.index(max(widths))] -= 1
        return widths

    def lines(self, width: int) -> list[str]:
        widths = self._widths(width)
        out: list[str] = []
        if self.title:
            out.extend(wrap(self.title, width))
        body: list[list[Text]] = []
        if self.show_header:
            body.append([Text(c.header) for c in self.columns])
        body.extend(self.rows)
        for number, row in enumerate(body):
            wrapped = [cell.lines(w) for cell, w in zip(row, widths)]
            height = max((len(cell) for cell in wrapped), default=1)
            for line_number in range(height):
                parts = []
                for column, cell, w in zip(self.columns, wrapped, widths):
                    text = cell[line_number] if line_number < len(cell) else ""
                    pad = " " * (w - cell_width(text))
                    parts.append(pad + text if column.justify == "right" else text + pad)
                out.append((" " * self.gap).join(parts).rstrip())
            if self.show_header and number == 0:
                out.append(RULE * min(width, sum(widths) + self.gap * (len(widths) - 1)))
        if self.caption:
            out.extend(wrap(self.caption, width))
        return out


class Group:
    def __init__(self, *renderables: Any) -> None:
        self.renderables = renderables

    def lines(self, width: int) -> list[str]:
        return [line for item in self.renderables for line in item.lines(width)]


class Tree:
    def __init__(self, label: Text) -> None:
        self.label = label
        self.children: list[Tree] = []

    def add(self, label: Text) -> "Tree":
        child = Tree(label)
        self.children.append(child)
        return child

    def lines(self, width: int) -> list[str]:
        out = self.label.lines(width)
        for index, child in enumerate(self.children):
            last = index == len(self.children) - 1
            first_prefix, rest_prefix = ("└── ", "    ") if last else ("├── ", "│   ")
            for number, line in enumerate(child.lines(width - 4)):
                out.append((first_prefix if number == 0 else rest_prefix) + line)
        return out


class _Box:
    SIMPLE_HEAD = None


box = _Box()


def to_string(renderable: Any, *, color: bool, width: int | None) -> str:
    return "".join(line.rstrip() + "\n" for line in renderable.lines(width or 100))


