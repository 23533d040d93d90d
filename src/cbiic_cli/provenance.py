"""The source article, supplied by the reader: quotes of the lines a contribution cites, and checks of the model against it.

The article is someone else's text and is not shipped with cbiic. A reader who
has it passes it with ``--source`` (or ``CBIIC_SOURCE``): as plain text, one
paragraph per line, so a citation ``source_paragraphs: [11]`` is line 11.

``check`` holds the data to the article in four ways:

- every cited line exists and is not blank;
- every title, person name, position and organisation name, and the forum's name,
  its conference's and its city, appears verbatim on a line its item cites;
- every sentence of the article is covered: some item that cites its line shares
  enough of its content words;
- no summary, key point, note or other text of ours copies a run of more than
  ``LONGEST_COPY`` consecutive words from the article (titles and text inside
  quotation marks excepted, since those are quoted on purpose).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .errors import CbiicError, Problem
from .placeholders import is_placeholder
from .words import fold

MAX_ARTICLE_BYTES = 16 * 1024 * 1024
LONGEST_COPY = 12
QUOTED_AT_MOST = 60  # characters of an uncovered sentence a message quotes
# A sentence counts as covered when an item citing its line shares this share of its content words.
COVERAGE = 0.5

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
# Where a sentence ends: . ! ? (and a closing quote), then space, unless the stop ends a title such as "Dr."
_SENTENCE_END = re.compile(r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bProf)(?<!\bNo)[.!?][”\"’']?\s+")
_STOP_WORDS = frozenset(
    "a an and are as at be been but by for from has have he her his in into is it its not of on or that the their them "
    "they this to was were which while who will with also such than through both only very more most".split()
)


class ArticleError(CbiicError):
    """The article given with --source cannot be read."""


class Article:
    """The article's lines, numbered from 1 as citations count them."""

    def __init__(self, name: str, lines: list[str]) -> None:
        self.name = name
        self.lines = lines

    def line(self, number: int) -> str | None:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else None

    def quotes(self, numbers: list[int]) -> list[dict[str, Any]]:
        """The cited lines as quotes; a line the article does not have is ``text: null``, never invented."""
        return [{"line": number, "text": self.line(number)} for number in numbers]


def read_article(path: str, given: str = "with --source ARTICLE") -> Article:
    """The article at ``path``; ``given`` says, in a message, how the user passes it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_ARTICLE_BYTES + 1)
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such file; pass the article as a plain-text file {given}") from None
    except IsADirectoryError:
        raise ArticleError(f"{path}: is a directory; pass the article's plain-text file {given}") from None
    except OSError as exc:
        raise ArticleError(f"{path}: cannot read the article: {exc.strerror or exc}") from None
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{path}: larger than {MAX_ARTICLE_BYTES:,} bytes; is this the article as plain text?")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleError(f"{path}:{line}: is not UTF-8 text; save the article as UTF-8 plain text, one paragraph per line") from None
    return Article(path, [line.rstrip("\r") for line in text.split("\n")])


# -- words ----------------------------------------------------------------------


def words(text: str) -> list[str]:
    return [word.replace("’", "'").casefold() for word in _WORD.findall(text)]


def content_words(text: str) -> set[str]:
    return {fold(word) for word in words(text) if word not in _STOP_WORDS and len(word) > 1}


def sentences(line: str) -> Iterator[tuple[int, str]]:
    """(column, sentence) for each sentence of one line of prose."""
    start = 0
    for match in _SENTENCE_END.finditer(line):
        yield start, line[start : match.end()].strip()
        start = match.end()
    if line[start:].strip():
        yield start, line[start:].strip()


def is_prose(line: str) -> bool:
    """A paragraph of sentences, not a headline, a dateline or a caption of bare names."""
    return bool(re.search(r"[.!?][”\"’']?\s*$", line.strip())) and len(words(line)) > 6


# -- the data as items with citations -------------------------------------------


class Item:
    """Something the data says, where it says it, what it cites and the texts it must hold to the article."""

    __slots__ = ("lines", "path", "prose", "texts", "verbatim")

    def __init__(self, path: str, lines: list[int]) -> None:
        self.path = path
        self.lines = lines
        self.verbatim: list[tuple[str, str, str]] = []  # (field path, what, text) that must appear on a cited line
        self.prose: list[tuple[str, str]] = []  # (field path, text) written in our words
        self.texts: list[str] = []  # everything the item says, for coverage


def items(forum: Any) -> list[Item]:
    from .model import details

    found: list[Item] = []

    def item(path: str, lines: Any) -> Item:
        entry = Item(path, list(lines))
        found.append(entry)
        return entry

    def note(path: str, value: Any) -> None:
        if value is not None:
            entry = item(f"{path}.note", value.source_paragraphs)
            entry.prose.append((f"{path}.note.text", value.text))
            entry.texts.append(value.text)

    def person_ref(entry: Item, path: str, ref: Any) -> None:
        if not isinstance(ref, str):
            entry.verbatim.append((f"{path}.as_written", "name as written", ref.as_written))
            note(path, ref.note)

    info = forum.forum
    entry = item("forum", info.source_paragraphs)
    entry.texts += [info.name, info.conference, info.city, *(info.aims), info.participants or ""]
    entry.verbatim += [
        ("forum.name", "forum name", info.name),
        ("forum.conference", "conference name", info.conference),
        ("forum.city", "city", info.city),
    ]
    entry.prose += [(f"forum.aims[{i}]", aim) for i, aim in enumerate(info.aims)]
    if info.participants:
        entry.prose.append(("forum.participants", info.participants))
    organisers = item("forum.organisers", info.organisers.source_paragraphs)
    organisers.verbatim.append(("forum.organisers.as_written", "name as written", info.organisers.as_written))
    organisers.texts.append(info.organisers.as_written)
    note("forum.organisers", info.organisers.note)

    organisation_names = {o.id: o.name for o in forum.organisations}
    for i, organisation in enumerate(forum.organisations):
        path = f"organisations[{i}]"
        entry = item(path, organisation.source_paragraphs)
        entry.verbatim.append((f"{path}.name", "organisation name", organisation.name))
        entry.texts.append(organisation.name)
        note(path, organisation.note)
    for i, person in enumerate(forum.people):
        path = f"people[{i}]"
        entry = item(path, person.source_paragraphs)
        entry.verbatim.append((f"{path}.name", "person name", person.name))
        entry.texts.append(person.name)
        for j, affiliation in enumerate(person.affiliations):
            entry.verbatim.append((f"{path}.affiliations[{j}].position", "position", affiliation.position))
            entry.texts += [affiliation.position, organisation_names.get(affiliation.organisation, "")]
        note(path, person.note)
    for i, glossary in enumerate(forum.glossary):
        if glossary.source_paragraphs:
            entry = item(f"glossary[{i}]", glossary.source_paragraphs)
            entry.texts += [glossary.term, *glossary.expansions]

    people = {p.slug: p for p in forum.people}

    def person_texts(person: Any) -> list[str]:
        """Who a contribution's speaker is, as every view shows them with it: name, positions, organisations."""
        return [
            person.name,
            *(a.position for a in person.affiliations),
            *(organisation_names.get(a.organisation, "") for a in person.affiliations),
        ]

    def contribution(path: str, value: Any) -> None:
        entry = item(path, value.source_paragraphs)
        if getattr(value, "title", None):
            entry.verbatim.append((f"{path}.title", "title", value.title))
            entry.texts.append(value.title)
        if getattr(value, "topic", None):
            entry.prose.append((f"{path}.topic", value.topic))
            entry.texts.append(value.topic)
        for detail in details():
            text = getattr(value, detail.field, None)
            if text:
                # A detail in the article's words is quoted exactly, so it must be on a cited line; ours must not copy.
                if detail.words == "article":
                    entry.verbatim.append((f"{path}.{detail.field}", detail.label.lower(), text))
                else:
                    entry.prose.append((f"{path}.{detail.field}", text))
                entry.texts.append(text)
        entry.prose.append((f"{path}.summary", value.summary))
        entry.texts.append(value.summary)
        for k, point in enumerate(value.key_points):
            entry.prose.append((f"{path}.key_points[{k}].text", point.text))
            entry.texts.append(point.text)
        speaker = value.speaker
        if isinstance(speaker, str) and speaker in people:
            entry.texts += person_texts(people[speaker])
        person_ref(entry, f"{path}.speaker", speaker)
        entry.texts += [organisation_names.get(o, "") for o in value.organisations]

    if forum.opening:
        contribution("opening", forum.opening)
    for i, session in enumerate(forum.sessions):
        entry = item(f"sessions[{i}]", session.source_paragraphs)
        entry.texts.append(session.name)
        if isinstance(session.moderator, str) and session.moderator in people:
            entry.texts.append(people[session.moderator].name)
        person_ref(entry, f"sessions[{i}].moderator", session.moderator)
    for i, talk in enumerate(forum.talks):
        contribution(f"talks[{i}]", talk)
    panel = forum.panel
    if panel:
        entry = item("panel", panel.source_paragraphs)
        entry.verbatim.append(("panel.title", "title", panel.title))
        entry.texts.append(panel.title)
        for slug in panel.panelists:
            if slug in people:
                entry.texts += person_texts(people[slug])
        if not isinstance(panel.moderator, str):
            entry.texts.append(panel.moderator.as_written)
        person_ref(entry, "panel.moderator", panel.moderator)
        for i, remark in enumerate(panel.remarks):
            contribution(f"panel.remarks[{i}]", remark)
        if panel.closing:
            contribution("panel.closing", panel.closing)
    return found


# -- the four checks ------------------------------------------------------------


def check(forum: Any, article: Article) -> tuple[list[Problem], list[Problem]]:
    """Problems in the data (with field paths, to be located in the YAML) and sentences of the article no item covers (located in the article)."""
    entries = items(forum)
    problems: list[Problem] = []
    for entry in entries:
        problems += _cited_lines_exist(entry, article)
        problems += _verbatim(entry, article)
    problems += _copies(entries, article)
    problems += _source_named(forum, article)
    for problem in problems:
        problem.trail = trail_of(problem.path)
    return problems, _uncovered(entries, article)


def trail_of(path: str) -> tuple:
    """('talks', 3, 'key_points', 0, 'text') for 'talks[3].key_points[0].text': where the YAML locator looks."""
    return tuple(int(index) if index else name for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path))


def _cited_lines_exist(entry: Item, article: Article) -> list[Problem]:
    found = []
    for number in entry.lines:
        line = article.line(number)
        if line is None:
            found.append(
                Problem(
                    f"cites article line {number}, but the article has {len(article.lines)} lines; cite a line that holds the fact",
                    path=f"{entry.path}.source_paragraphs",
                )
            )
        elif not line.strip():
            found.append(
                Problem(
                    f"cites article line {number}, which is blank; cite a line that holds the fact", path=f"{entry.path}.source_paragraphs"
                )
            )
    return found


def _verbatim(entry: Item, article: Article) -> list[Problem]:
    cited = [article.line(number) or "" for number in entry.lines]
    found = []
    for path, what, text in entry.verbatim:
        if is_placeholder(text):  # still to write, and reported as such
            continue
        appears = _whole_position_on if what == "position" else _text_on
        if not any(appears(text, line) for line in cited):
            where = ", ".join(str(n) for n in entry.lines)
            found.append(
                Problem(
                    f"the {what} {text!r} does not appear verbatim on the article line(s) this item cites ({where}); quote it exactly, or cite the line that has it",
                    path=path,
                )
            )
    return found


def _text_on(text: str, line: str) -> bool:
    return text in line


# A position is a whole title as the article lists it: after the name's comma or an "and" that joins two posts
# ("Xue Junli, Secretary-General of … and Vice Director of …"), and ending at a word's end. Otherwise a demoted
# title ("Director of Phase I clinical trial center", out of "Vice Director of …") would pass as a substring.
_POSITION_STARTS = (", ", " and ")
_LONGEST_START = max(map(len, _POSITION_STARTS))


def _whole_position_on(position: str, line: str) -> bool:
    start = line.find(position)
    while start != -1:
        end = start + len(position)
        # Only the few characters before it, never the whole prefix: a line holding the position thousands of times
        # must cost a pass over the line, not a copy of it per occurrence.
        starts_whole = start == 0 or line.endswith(_POSITION_STARTS, max(0, start - _LONGEST_START), start)
        ends_whole = end == len(line) or not (line[end].isalnum() or line[end] in "-‐")
        if starts_whole and ends_whole:
            return True
        start = line.find(position, start + 1)
    return False


def _source_named(forum: Any, article: Article) -> list[Problem]:
    text = "\n".join(article.lines)
    found = []
    for path, value in (("source.title", forum.source.title), ("source.published", forum.source.published)):
        if value not in text and not is_placeholder(value):
            found.append(Problem(f"{value!r} is not in the article; is this the article the data was curated from?", path=path))
    return found


def _copies(entries: list[Item], article: Article) -> list[Problem]:
    """Runs of more than LONGEST_COPY words that our own prose shares with the article."""
    size = LONGEST_COPY + 1
    grams: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(article.lines, 1):
        tokens = words(line)  # a copy does not end at a full stop: runs cross sentences
        for start in range(len(tokens) - size + 1):
            grams.setdefault(tuple(tokens[start : start + size]), number)
    found = []
    for entry in entries:
        for path, text in entry.prose:
            if is_placeholder(text):
                continue
            longest = _longest_copy(text, grams, size)
            if longest:
                run, number = longest
                found.append(
                    Problem(
                        f'copies {len(run)} consecutive words from article line {number} ("{" ".join(run)}"); '
                        f"keep a run to {LONGEST_COPY} words or fewer by putting it in your own words, or mark a quotation with “ ”",
                        path=path,
                    )
                )
    return found


def _longest_copy(text: str, grams: dict[tuple[str, ...], int], size: int) -> tuple[list[str], int] | None:
    best: tuple[list[str], int] | None = None
    for piece in _QUOTED.split(text):  # a quotation is quoted on purpose: runs stop at it
        tokens = words(piece)
        start = 0
        while start + size <= len(tokens):
            number = grams.get(tuple(tokens[start : start + size]))
            if number is None:
                start += 1
                continue
            end = start + size
            while end < len(tokens) and tuple(tokens[end - size + 1 : end + 1]) in grams:
                end += 1
            if best is None or end - start > len(best[0]):
                best = (tokens[start:end], number)
            start = end
    return best


def _uncovered(entries: list[Item], article: Article) -> list[Problem]:
    citing: dict[int, list[set[str]]] = {}
    for entry in entries:
        vocabulary = set().union(*(content_words(text) for text in entry.texts)) if entry.texts else set()
        for number in entry.lines:
            citing.setdefault(number, []).append(vocabulary)
    found = []
    for number, line in enumerate(article.lines, 1):
        if not is_prose(line):
            continue
        for column, sentence in sentences(line):
            wanted = content_words(sentence)
            if not wanted:
                continue
            best = max((len(wanted & vocabulary) / len(wanted) for vocabulary in citing.get(number, [])), default=0.0)
            if best < COVERAGE:
                why = (
                    "no item cites this line"
                    if number not in citing
                    else f"the items citing line {number} share only {best:.0%} of its content words"
                )
                shown = sentence if len(sentence) <= QUOTED_AT_MOST else sentence[:QUOTED_AT_MOST] + f"… ({len(sentence):,} characters)"
                found.append(
                    Problem(
                        f"sentence not covered ({why}): {shown!r}; cover it in an item that cites line {number}",
                        line=number,
                        column=column + 1,
                    )
                )
    return found
