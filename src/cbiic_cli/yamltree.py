"""Parse YAML into plain Python values, and find where any value was written when a check needs it.

We build values from libyaml's event stream ourselves instead of calling
``yaml.safe_load`` because the loader must (a) reject duplicate keys, which
PyYAML silently overwrites, (b) refuse aliases, so a tiny "billion laughs"
file cannot expand without bound, (c) never construct anything but plain
scalars, lists and mappings, whatever tags the file carries, and (d) never
change a number silently (YAML 1.1 reads ``010`` as 8 and ``1:30`` as 90).

Positions cost memory, so ``parse`` keeps none: a valid file is read once, at
about the cost of its values. Only when checks have found problems does
``locate`` read the text a second time and note the line and column of the
few paths those problems name. Problems that leave the document's structure
intact (a refused tag, alias, key or number) are collected and the value is
replaced by ``REJECTED``, so one run reports them all; a syntax error ends
the parse.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .errors import Problem, Problems, format_path, quote

try:  # libyaml's C parser is several times faster on large files.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[Any, ...]
Marks = dict[Path, tuple[int, int]]

# A forum nests about six levels deep; anything far deeper is not a forum, and
# the limit keeps the builder's stack (and a later recursive check) small.
MAX_DEPTH = 100
# Values (scalars, lists, mappings) a file may hold. A generated 100,000-talk forum has about
# 3.5 million; the cap bounds memory whatever shape the file has (an empty mapping costs
# Python about 64 bytes for the 4 bytes `{}, ` it takes to write).
MAX_VALUES = 8_000_000
# The longest number any field needs: longer digit strings convert in quadratic time.
LONGEST_NUMBER = 30
YAML_KIND = "YAML problems"

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SCALAR_TAGS = {
    _STR,
    _INT,
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_STANDARD_TAGS = "tag:yaml.org,2002:"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
# The only way to write a whole number that every YAML version reads the same.
_PLAIN_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")

_EXPECT_KEY = object()  # a mapping waiting for its next key
_DROP = object()  # a mapping whose next value is read and thrown away (its key was refused)
_KEY_OPEN = object()  # a mapping reading a list or mapping used as a key (locate only)


class _Rejected:
    """Stands in for a value that was refused and reported; later checks skip it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REJECTED"


REJECTED = _Rejected()


class YamlProblem(Exception):
    """The YAML cannot be read any further (a syntax error, several documents, nesting too deep)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# What a file of ours holds, for a message about an empty one: a forum file's keys unless told otherwise.
FORUM_KEYS = "`source`, `forum` and `people`"


def parse(text: str, problems: Problems, expected: str = FORUM_KEYS) -> Any:
    """The document's value; problems that leave the structure intact go into ``problems``. ``expected``: the keys
    the document should have, as a message about an empty file names them.

    Raises YamlProblem when the text cannot be read on (its problem is not added to ``problems``).
    """
    loader = _Loader(text)
    builder = _Builder(loader, problems)
    try:
        return builder.run()
    except YamlProblem as empty:
        if empty.problem.message == _NO_DOCUMENT:
            empty.problem.message = f"{_NO_DOCUMENT}; expected a mapping with {expected}"
        raise
    except yaml.reader.ReaderError as exc:
        raise YamlProblem(_reader_problem(text, exc)) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem(_syntax_problem(exc)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(f"YAML error: {exc}", kind=YAML_KIND)) from None
    finally:
        loader.dispose()
        builder.name_first_keys(text)


def _reader_problem(text: str, exc: yaml.reader.ReaderError) -> Problem:
    position = exc.position
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character if isinstance(exc.character, int) else ord(exc.character)
    message = f"character U+{character:04X} is not allowed in YAML; delete it, or write it as an escape inside double quotes"
    return Problem(message, line=line, column=column, kind=YAML_KIND)


def _syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    """PyYAML's own words, with its hint about where the construct in trouble began."""
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context
    if exc.context and exc.problem:
        started = exc.context_mark
        where = (
            f" that started at line {started.line + 1}, column {started.column + 1}" if started is not None and started is not mark else ""
        )
        what = f"{exc.problem} ({exc.context}{where})"
    line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    return Problem(f"YAML syntax error: {what}; fix the YAML at that spot", line=line, column=column, kind=YAML_KIND)


def locate(text: str, wanted: set[Path]) -> Marks:
    """(line, column) of each wanted path, by a second read of ``text``; paths it cannot reach are left out.

    A path ``mapping_path + ("<key>", name)`` asks for the key itself rather than its value.
    Only the wanted paths and their prefixes are ever built, so this costs time, not memory.
    """
    prefixes: set[Path] = {()}
    for place in wanted:
        for end in range(len(place)):
            prefixes.add(place[:end])
    marks: Marks = {}
    loader = _Loader(text)
    # Each open collection: [its path, or None when nothing wanted lies below; is it a mapping; state], where
    # state is the next index of a list, or for a mapping _EXPECT_KEY, the pending key, _KEY_OPEN or _DROP.
    stack: list[list[Any]] = []
    try:
        while len(marks) < len(wanted):
            # Dispatched on its exact type (faster than isinstance), which the type checker cannot narrow on.
            event: Any = loader.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                if stack:
                    parent = stack[-1]
                    parent[2] = _DROP if parent[2] is _KEY_OPEN else _next_state(parent)
                continue
            opens = kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent
            if not opens and kind is not yaml.ScalarEvent and kind is not yaml.AliasEvent:
                continue
            top = stack[-1] if stack else None
            if top is not None and top[1] and top[2] is _EXPECT_KEY:
                if kind is yaml.ScalarEvent:
                    key_path = top[0] + ("<key>", event.value) if top[0] is not None else None
                    if key_path in wanted and key_path not in marks:
                        marks[key_path] = _mark(event)
                    top[2] = event.value
                elif opens:
                    top[2] = _KEY_OPEN
                    stack.append([None, kind is yaml.MappingStartEvent, _EXPECT_KEY if kind is yaml.MappingStartEvent else 0])
                else:
                    top[2] = _DROP
                continue
            path = _node_path(top)
            if path is not None and path in wanted and path not in marks:
                marks[path] = _mark(event)
            if opens:
                inner = path if path in prefixes else None
                stack.append([inner, kind is yaml.MappingStartEvent, _EXPECT_KEY if kind is yaml.MappingStartEvent else 0])
            elif top is not None:
                top[2] = _next_state(top)
    except yaml.YAMLError:
        pass  # the problem that stops the read is parse's to report; keep what was found before it
    finally:
        loader.dispose()
    return marks


def _node_path(top: list[Any] | None) -> Path | None:
    """Path of the node about to start under ``top`` (None when nothing wanted can lie there)."""
    if top is None:
        return ()
    if top[0] is None or (top[1] and not isinstance(top[2], str)):
        return None
    return top[0] + (top[2],)


def _next_state(top: list[Any]) -> Any:
    """A child of ``top`` is complete: a list moves to its next index, a mapping waits for a key."""
    return _EXPECT_KEY if top[1] else top[2] + 1


def _tag_as_written(tag: str) -> str:
    """tag:yaml.org,2002:python/name:os.system as the file most likely spelled it, !!python/name:os.system."""
    return quote("!!" + tag.removeprefix(_STANDARD_TAGS)) if tag.startswith(_STANDARD_TAGS) else quote(tag)


def _mark(event: Any) -> tuple[int, int]:  # a parser's event, which always has a start mark
    return event.start_mark.line + 1, event.start_mark.column + 1


_NO_DOCUMENT = "the file holds no YAML document"


class _Builder:
    """Turns the event stream of one document into dicts, lists and scalars, collecting what it refuses."""

    def __init__(self, loader: Any, problems: Problems) -> None:
        self.loader = loader
        self.problems = problems
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.first_chars = set(self.resolver.yaml_implicit_resolvers)
        self.resolved: dict[str, str] = {}  # plain scalar -> the tag YAML resolves it to
        # Duplicate keys whose message still needs the line of the first one: (problem, path of that key).
        self.duplicates: list[tuple[Problem, Path]] = []
        # Each open collection: [container, pending key (_EXPECT_KEY, _DROP or a key) or None for lists, rejected?]
        self.stack: list[list[Any]] = []
        self.values = 0

    # -- reporting -------------------------------------------------------------

    def path(self, *, upto_parent: bool = False) -> Path:
        """Path of the node being read (or, for a key, of its mapping)."""
        parts: list[Any] = []
        frames = self.stack[:-1] if upto_parent else self.stack
        for container, pending, _ in frames:
            if isinstance(container, list):
                parts.append(len(container))
            elif isinstance(pending, str):
                parts.append(pending)
            else:
                break
        return tuple(parts)

    def report(self, event: yaml.Event, message: str, path: Path) -> Problem | None:
        """Record a problem the reader refused; returns it when it will be listed."""
        line, column = _mark(event)
        if not self.problems.room_for(YAML_KIND):
            self.problems.tally(YAML_KIND, path, line, column)
            return None
        problem = Problem(message, path=format_path(path), line=line, column=column, kind=YAML_KIND)
        self.problems.add(problem)
        return problem

    def fail(self, event: yaml.Event, message: str) -> None:
        line, column = _mark(event)
        raise YamlProblem(Problem(message, path=format_path(self.path()), line=line, column=column, kind=YAML_KIND))

    def name_first_keys(self, text: str) -> None:
        """Say on which line each duplicated key was first given (a second, targeted read)."""
        if not self.duplicates:
            return
        marks = locate(text, {first for _, first in self.duplicates})
        for problem, first in self.duplicates:
            if first in marks:
                problem.message = problem.message.replace("(first given earlier)", f"(first given on line {marks[first][0]})")

    # -- reading ----------------------------------------------------------------

    def run(self) -> Any:
        get_event = self.loader.get_event
        stack = self.stack
        root: Any = None
        documents = 0
        while True:
            event = get_event()
            kind = type(event)
            if getattr(event, "anchor", None) is not None:
                self.report(
                    event,
                    "YAML anchors (&name) and aliases are not allowed; remove the anchor and write each value out in full",
                    self.path(),
                )
            if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self.values += 1
                if self.values > MAX_VALUES:
                    self.fail(
                        event,
                        f"the file holds more than {MAX_VALUES:,} values (a 100,000-talk forum has about 3.5 million); split it, or check it was generated right",
                    )
            if kind is yaml.ScalarEvent:
                top = stack[-1] if stack else None
                if top is not None and top[1] is _EXPECT_KEY:
                    self._key(top, event)
                    continue
                value = self._scalar(event)
                if top is None:
                    root = value
                else:
                    _place(top, value)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._open(event, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container, _, rejected = stack.pop()
                value = REJECTED if rejected else container
                if not stack:
                    root = value
                elif stack[-1][1] is _EXPECT_KEY:
                    stack[-1][1] = _DROP  # that collection was a key, already reported; skip its value
                else:
                    _place(stack[-1], value)
            elif kind is yaml.AliasEvent:
                top = stack[-1] if stack else None
                as_key = top is not None and top[1] is _EXPECT_KEY
                path = self.path(upto_parent=False)
                self.report(event, "YAML anchors and aliases are not allowed; write the value out in full", path)
                if top is None:
                    root = REJECTED
                elif as_key:
                    top[1] = _DROP
                else:
                    _place(top, REJECTED)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.fail(event, "the file holds several YAML documents (---); keep one")
            elif kind is yaml.StreamEndEvent:
                break
        if documents == 0:
            raise YamlProblem(Problem(_NO_DOCUMENT, kind=YAML_KIND))  # parse() says what it should hold
        return root

    def _open(self, event: yaml.CollectionStartEvent, is_mapping: bool) -> None:
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            self.fail(event, f"the YAML nests more than {MAX_DEPTH} levels deep; a forum file needs fewer than ten")
        top = stack[-1] if stack else None
        rejected = False
        if top is not None and top[1] is _EXPECT_KEY:
            self.report(event, "mapping keys must be plain text, not a list or mapping", self.path())
            rejected = True
        explicit = event.tag if event.tag not in (None, "!") else None
        if explicit and explicit != (_MAP_TAG if is_mapping else _SEQ_TAG):
            self.report(event, f"unsupported YAML tag {_tag_as_written(explicit)}; remove it", self.path())
            rejected = True
        stack.append([{}, _EXPECT_KEY, rejected] if is_mapping else [[], None, rejected])

    def _key(self, top: list[Any], event: yaml.ScalarEvent) -> None:
        tag = self._scalar_tag(event)
        if tag != _STR:
            if tag == _MERGE_TAG:
                message = "YAML merge keys (<<) are not allowed; write the keys out in full"
            elif tag == _VALUE_TAG or event.implicit[0]:
                message = f"mapping keys must be field names, got {quote(event.value)}; put a key in quotes if it is meant as text"
            else:
                message = f"mapping keys must be plain text, got the tag {_tag_as_written(tag)}; remove it"
            self.report(event, message, self.path())
            top[1] = _DROP
            return
        key = event.value
        if key in top[0]:
            map_path = self.path()
            problem = self.report(event, f"duplicate key {quote(key)} (first given earlier); keep one of them", map_path + (key,))
            if problem is not None:
                self.duplicates.append((problem, map_path + ("<key>", key)))
            top[1] = _DROP
            return
        top[1] = key

    def _scalar_tag(self, event: yaml.ScalarEvent) -> str:
        if event.tag not in (None, "!"):
            return event.tag
        value = event.value
        if event.implicit[0] and value[:1] in self.first_chars:
            tag = self.resolved.get(value)
            if tag is None:
                tag = self.resolver.resolve(yaml.ScalarNode, value, (True, False))
                if len(value) <= 32 and len(self.resolved) < 4096:  # short values repeat (true, 1, null); keep it small
                    self.resolved[value] = tag
            return tag
        return _STR

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = self._scalar_tag(event)
        if tag == _STR:
            return event.value
        if tag not in _SCALAR_TAGS:
            if tag in (_MERGE_TAG, _VALUE_TAG) and event.implicit[0]:
                message = (
                    f"{event.value!r} on its own means something special in YAML; put it in quotes ({event.value!r}) to use it as text"
                )
            else:
                message = f"unsupported YAML tag {_tag_as_written(tag)}; only plain text, numbers, booleans, dates and null are allowed"
            self.report(event, message, self.path())
            return REJECTED
        if tag in (_INT, _FLOAT) and len(event.value) > LONGEST_NUMBER:
            # Long digit strings convert in quadratic time (and past 4,300 digits not at all); no field needs one.
            self.report(
                event,
                f"{quote(event.value)} is a number of {len(event.value):,} characters; numbers here have at most {LONGEST_NUMBER} (put it in quotes if it is text)",
                self.path(),
            )
            return REJECTED
        if tag == _INT and _PLAIN_DECIMAL.fullmatch(event.value):
            return int(event.value)  # the common case, without building a node
        # types-PyYAML gives a node only the Python parser's marks; libyaml's (CSafeLoader) serve the same.
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)  # type: ignore[arg-type]
        try:
            # The tag's own constructor, not construct_object, which keeps every node it ever built in a dict.
            value = self.constructor.yaml_constructors[tag](self.constructor, node)
        except Exception as exc:  # PyYAML's constructors raise anything (AttributeError for `!!timestamp x`)
            reason = f": {exc}" if isinstance(exc, (ValueError, OverflowError)) else ""
            what = {"int": "a whole number", "float": "a number", "bool": "a boolean", "null": "null", "timestamp": "a date"}.get(
                tag.rsplit(":", 1)[-1], tag
            )
            self.report(event, f"cannot read {quote(event.value)} as {what}{reason}; quote it to keep it as text", self.path())
            return REJECTED
        if tag == _INT and not _PLAIN_DECIMAL.fullmatch(event.value):
            # 010 is 8, 0x1F is 31, 1:30 is 90 and 1_000 is 1000 to YAML 1.1, and something else to YAML 1.2 or a person.
            self.report(
                event,
                f"{quote(event.value)} is a YAML 1.1 number form that reads as {value}; write whole numbers in plain "
                "decimal digits (no leading zero, 0x, _ or :), or put it in quotes if it is text",
                self.path(),
            )
            return REJECTED
        return value


def _place(top: list[Any], value: Any) -> None:
    container = top[0]
    if top[1] is None:
        container.append(value)
        return
    if top[1] is not _DROP:
        container[top[1]] = value
    top[1] = _EXPECT_KEY
