"""Lay out tables, trees and text as lines of styled segments, at a given width.

One layout serves both outputs: piped text drops the styles, a terminal gets
them as colours (``ansi.py``). So what a pipe shows and what a terminal shows
are the same lines at the same width, by construction.

Widths are display cells: wide East Asian characters take two, combining marks,
zero-width characters and the joined parts of emoji sequences take none, as a
terminal draws them (and as Rich measures them).

Text wraps at spaces and never breaks a word: a word wider than its line
overflows it. Ids, slugs and theme names are *atoms*: a table sizes their column
to hold them whole, so a reader can always copy them into the next command. A
table whose atoms or words cannot fit the width reports that it does not fit,
and the caller shows cards instead.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections.abc import Iterator
from typing import Any

Segment = tuple[str, str]  # (text, style)
Line = list[Segment]

_ZWJ = "\u200d"
_ZERO_WIDTH_CATEGORIES = ("Mn", "Me", "Cf")
_DRAWN_FORMAT = frozenset({0xAD, 0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6DD, 0x70F, 0x8E2, 0x110BD, 0x110CD})


def _is_emoji_modifier(code: int) -> bool:
    return 0x1F3FB <= code <= 0x1F3FF


def cell_width(text: str) -> int:
    """Columns a terminal uses for ``text``."""
    if text.isascii():
        return len(text)
    width = 0
    previous = 0  # width of the last visible character
    joined = False
    for character in text:
        code = ord(character)
        if character == _ZWJ:
            joined = True
            continue
        if code == 0xFE0F:  # emoji presentation: the character before it is drawn two wide
            if previous == 1:
                width += 1
                previous = 2
            continue
        # A soft hyphen and the prepended marks (U+0600-0605...) are format characters that terminals (and Rich) draw.
        if (unicodedata.category(character) in _ZERO_WIDTH_CATEGORIES and code not in _DRAWN_FORMAT) or 0xFE00 <= code <= 0xFE0E:
            continue
        if 0x1160 <= code <= 0x11FF or 0xD7B0 <= code <= 0xD7FF:  # Hangul medial vowels and finals join the syllable before
            continue
        if joined or (_is_emoji_modifier(code) and previous == 2):
            joined = False  # part of the glyph before it
            continue
        previous = 2 if unicodedata.east_asian_width(character) in "WF" else 1
        width += previous
    return width


class Text:
    """A string with styled spans and atom spans (ids that must never be broken)."""

    __slots__ = ("atoms", "plain", "spans")

    def __init__(self, text: str = "", style: str = "", atom: bool = False) -> None:
        self.plain = ""
        self.spans: list[tuple[int, int, str]] = []
        self.atoms: list[tuple[int, int]] = []
        if text:
            self.append(text, style, atom)

    def append(self, text: str | Text, style: str = "", atom: bool = False) -> Text:
        start = len(self.plain)
        if isinstance(text, Text):
            self.plain += text.plain
            self.spans += [(start + a, start + b, s) for a, b, s in text.spans]
            self.atoms += [(start + a, start + b) for a, b in text.atoms]
            return self
        self.plain += text
        if style and text:
            self.spans.append((start, len(self.plain), style))
        if atom and text:
            self.atoms.append((start, len(self.plain)))
        return self

    def longest_atom(self) -> int:
        """The widest word holding an atom: '(zheng-limin)' needs its parentheses beside it on the line."""
        plain = self.plain
        widest = 0
        for start, end in self.atoms:
            while start > 0 and plain[start - 1] not in " \n":
                start -= 1
            while end < len(plain) and plain[end] not in " \n":
                end += 1
            widest = max(widest, cell_width(plain[start:end]))
        return widest

    def measure(self) -> tuple[int, int]:
        """(widest line, widest word): what a column needs to show this text unwrapped, and at the least."""
        if self.plain.isascii():  # the common case, in C
            return max(map(len, self.plain.split("\n"))), max(map(len, self.plain.replace("\n", " ").split(" ")))
        lines = self.plain.split("\n")
        return max(map(cell_width, lines)), max(cell_width(word) for line in lines for word in line.split(" "))

    def natural(self) -> int:
        return self.measure()[0]

    def lines(self, width: int) -> list[Line]:
        breaks = list(self._breaks(max(width, 1)))
        # Each span goes to the lines it touches, so a long list of styled ids costs spans + lines, not their product.
        starts = [start for start, _ in breaks]
        touching: list[list[tuple[int, int, str]]] = [[] for _ in breaks]
        for span in self.spans:
            index = max(bisect.bisect_right(starts, span[0]) - 1, 0)
            while index < len(breaks) and breaks[index][0] < span[1]:
                if span[0] < breaks[index][1]:
                    touching[index].append(span)
                index += 1
        return [self._styled(start, end, spans) for (start, end), spans in zip(breaks, touching)]

    def _breaks(self, width: int) -> Iterator[tuple[int, int]]:
        """(start, end) of each output line: greedy word wrap at spaces. A word is never broken: one wider than
        ``width`` gets a line of its own and overflows it (tables size their columns so that this is rare)."""
        position = 0
        for paragraph in self.plain.split("\n"):
            base = position
            position += len(paragraph) + 1
            words: list[tuple[int, int]] = []
            offset = 0
            for word in paragraph.split(" "):
                words.append((base + offset, base + offset + len(word)))
                offset += len(word) + 1
            line_start: int | None = None
            line_end = base
            used = 0
            for start, end in words:
                size = cell_width(self.plain[start:end])
                if line_start is not None and used + 1 + size <= width:
                    line_end, used = end, used + 1 + size
                    continue
                if line_start is not None:
                    yield line_start, line_end
                line_start, line_end, used = start, end, size
            yield (line_start if line_start is not None else base), line_end

    def _styled(self, start: int, end: int, spans: list[tuple[int, int, str]]) -> Line:
        """The segments of plain[start:end], each with the innermost (last added) style over it."""
        cuts = {start, end}
        for a, b, _ in spans:
            cuts.update((max(a, start), min(b, end)))
        points = sorted(cuts)
        line: Line = []
        for a, b in itertools.pairwise(points):
            style = ""
            for span_start, span_end, span_style in spans:
                if span_start <= a and b <= span_end:
                    style = span_style
            line.append((self.plain[a:b], style))
        return line or [("", "")]


def _pad(line: Line, width: int, right: bool = False) -> Line:
    gap = width - sum(cell_width(text) for text, _ in line)
    if gap <= 0:
        return line
    return [(" " * gap, "")] + line if right else line + [(" " * gap, "")]


class Column:
    """``kind``: 'atom' (as wide as its widest value, never wrapped), 'short' (fitted to its
    content up to ``cap`` columns, then wrapped), or 'text' (shares the rest by ``ratio``)."""

    __slots__ = ("cap", "header", "kind", "ratio", "right", "style")

    def __init__(self, header: str, kind: str = "text", *, cap: int = 24, ratio: int = 1, right: bool = False, style: str = "") -> None:
        self.header = header
        self.kind = kind
        self.cap = cap
        self.ratio = ratio
        self.right = right
        self.style = style


TEXT_MINIMUM = 16
# Below this a text column reads as a ribbon of one or two words a line.
READABLE_TEXT = 25
# A text column is at least as wide as its longest word, up to this, so ordinary words are not folded.
LONGEST_WORD_KEPT = 20


class Table:
    def __init__(
        self, columns: list[Column], *, gap: int = 3, rule: str = "─", header_style: str = "bold cyan", show_header: bool = True
    ) -> None:
        self.columns = columns
        self.gap = gap
        self.rule = rule
        self.header_style = header_style
        self.show_header = show_header
        self.rows: list[list[Text]] = []
        self._widths: dict[int, list[int] | None] = {}  # fits() and lines() ask for the same width
        self._overflowing: set[int] = set()  # widths at which some word is wider than its column

    def add_row(self, *cells: Text | str) -> None:
        self.rows.append([cell if isinstance(cell, Text) else Text(str(cell)) for cell in cells])

    def widths(self, width: int) -> list[int] | None:
        """Each column's width at ``width``, or None if the table cannot fit without breaking an atom."""
        if width not in self._widths:
            self._widths[width] = self._fit(width)
        return self._widths[width]

    def _fit(self, width: int) -> list[int] | None:
        count = len(self.columns)
        natural = [cell_width(c.header) if self.show_header else 0 for c in self.columns]
        atom = [0] * count
        word = [0] * count
        for row in self.rows:
            for index, cell in enumerate(row):
                longest_line, longest_word = cell.measure()
                natural[index] = max(natural[index], longest_line)
                word[index] = max(word[index], min(longest_word, LONGEST_WORD_KEPT))
                if cell.atoms:
                    atom[index] = max(atom[index], cell.longest_atom())
        least, most = [], []
        for column, wanted, unbreakable, longest in zip(self.columns, natural, atom, word):
            header = max((cell_width(word) for word in column.header.split()), default=0) if self.show_header else 0
            if column.kind == "atom":
                floor = ceiling = max(wanted, 1)
            elif column.kind == "short":
                ceiling = max(min(wanted, column.cap), unbreakable, header, 1)
                floor = max(min(ceiling, 8), unbreakable, header, min(longest, ceiling), 1)
            else:
                ceiling = max(wanted, unbreakable, header, 1)
                floor = max(min(ceiling, TEXT_MINIMUM), unbreakable, header, longest)
            least.append(floor)
            most.append(ceiling)
        available = width - self.gap * (count - 1)
        if sum(least) > available:
            # Very narrow: let long words overflow their column (never broken), keeping ids (atoms) within theirs;
            # the table no longer fits, so a caller with another layout (cards) uses it.
            self._overflowing.add(width)
            least = [
                max(unbreakable, 1) if column.kind != "atom" else floor for column, unbreakable, floor in zip(self.columns, atom, least)
            ]
            if sum(least) > available:
                return None
        unwrapped = [max(wanted, unbreakable, 1) for wanted, unbreakable in zip(natural, atom)]
        if sum(unwrapped) <= available:
            return unwrapped  # room for everything on one line: caps only matter when text must wrap
        widths = list(least)
        # Narrow columns first get what their content asks for (up to their cap) ...
        for index, column in enumerate(self.columns):
            if column.kind != "text":
                grow = min(most[index] - widths[index], available - sum(widths))
                widths[index] += max(grow, 0)
        # ... and the text columns share what is left, by ratio, up to their content.
        while sum(widths) < available:
            wanting = [i for i, c in enumerate(self.columns) if c.kind == "text" and widths[i] < most[i]]
            if not wanting:
                break
            room = available - sum(widths)
            total = sum(self.columns[i].ratio for i in wanting)
            grown = False
            for i in wanting:
                step = min(most[i] - widths[i], room * self.columns[i].ratio // total)
                if step > 0:
                    widths[i] += step
                    grown = True
            if not grown:
                neediest = max(wanting, key=lambda i: (most[i] - widths[i]) * self.columns[i].ratio)
                widths[neediest] += 1
        return widths

    def fits(self, width: int) -> bool:
        """Every id within its column and every word too (up to ``LONGEST_WORD_KEPT``): nothing overflows."""
        return self.widths(width) is not None and width not in self._overflowing

    def readable(self, width: int) -> bool:
        """Fits, and every text column gets room for a phrase (or all it needs): else cards read better."""
        widths = self.widths(width)
        if widths is None or not self.fits(width):
            return False
        for index, column in enumerate(self.columns):
            if column.kind == "text":
                needed = max((cell.measure()[0] for row in self.rows for cell in row[index : index + 1]), default=0)
                if widths[index] < min(READABLE_TEXT, needed):
                    return False
        return True

    def lines(self, width: int) -> list[Line]:
        widths = self.widths(width)
        if widths is None:  # the caller should have chosen cards; lay out at the atoms' width rather than break one
            widths = self.widths(10**6) or [1] * len(self.columns)
        out: list[Line] = []
        body: list[list[Text]] = []
        if self.show_header:
            body.append([Text(c.header, self.header_style) for c in self.columns])
        body.extend(self.rows)
        separator = (" " * self.gap, "")
        for number, row in enumerate(body):
            wrapped = [cell.lines(w) for cell, w in zip(row, widths)]
            height = max((len(cell) for cell in wrapped), default=1)
            for line_number in range(height):
                line: Line = []
                for index, (column, cell, w) in enumerate(zip(self.columns, wrapped, widths)):
                    part = cell[line_number] if line_number < len(cell) else [("", "")]
                    if column.style and (number > 0 or not self.show_header):
                        part = [(text, style or column.style) for text, style in part]
                    if index:
                        line.append(separator)
                    line.extend(_pad(part, w, column.right))
                out.append(line)
            if self.show_header and number == 0:
                out.append([(self.rule * (sum(widths) + self.gap * (len(widths) - 1)), "")])
        return out


class Group:
    def __init__(self, *parts: Any) -> None:
        self.parts = [part for part in parts if part is not None]

    def lines(self, width: int) -> list[Line]:
        return [line for part in self.parts for line in part.lines(width)]


class Indent:
    """A block drawn ``by`` columns in from the left."""

    def __init__(self, part: Any, by: int = 2) -> None:
        self.part = part
        self.by = by

    def lines(self, width: int) -> list[Line]:
        return [[(" " * self.by, "")] + line for line in self.part.lines(max(width - self.by, 1))]


class Bar:
    """A block with a bar down its left edge on every line, as a quotation is set."""

    def __init__(self, part: Any, bar: str = "│", style: str = "dim") -> None:
        self.part = part
        self.bar = bar + " "
        self.style = style

    def lines(self, width: int) -> list[Line]:
        return [[(self.bar, self.style)] + line for line in self.part.lines(max(width - len(self.bar), 1))]


class Tree:
    def __init__(self, label: Text, guides: tuple[str, str, str, str] = ("├── ", "│   ", "└── ", "    "), style: str = "dim") -> None:
        self.label = label
        self.guides = guides
        self.style = style
        self.children: list[Tree] = []

    def add(self, label: Text) -> Tree:
        child = Tree(label, self.guides, self.style)
        self.children.append(child)
        return child

    def lines(self, width: int) -> list[Line]:
        out = self.label.lines(width)
        branch, stem, last_branch, space = self.guides
        for index, child in enumerate(self.children):
            last = index == len(self.children) - 1
            first_prefix, rest_prefix = (last_branch, space) if last else (branch, stem)
            for number, line in enumerate(child.lines(width - len(branch))):
                out.append([((first_prefix if number == 0 else rest_prefix), self.style)] + line)
        return out


def plain(lines: list[Line]) -> str:
    return "".join("".join(text for text, _ in line).rstrip() + "\n" for line in lines)
