"""Parse YAML into plain Python values while remembering where each value was written.

We build values from libyaml's event stream ourselves instead of calling
``yaml.safe_load`` because the loader must (a) name line and column for any
value a later check rejects, (b) reject duplicate keys, which PyYAML silently
overwrites, (c) refuse aliases, so a tiny "billion laughs" file cannot expand
without bound, and (d) never construct anything but plain scalars, lists and
mappings, whatever tags the file carries. Working from events rather than
composed nodes is also about four times faster on a congress-sized file,
because no node or mark objects are kept.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Problem

try:  # libyaml's C parser is several times faster on large files.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[Any, ...]
Marks = dict[Path, tuple[int, int]]

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_EXPECT_KEY = object()


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse(text: str) -> tuple[Any, Marks]:
    """Return the document's value and a map from each value's path to its (line, column).

    Key marks are stored under the path of their mapping plus ``("<key>", name)``.
    Raises YamlProblem for syntax errors, several documents, tags, aliases or duplicate keys.
    """
    loader = _Loader(text)
    try:
        return _Builder(loader).run()
    except yaml.reader.ReaderError as exc:
        position = exc.position
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"character U+{character:04X} is not allowed in YAML; delete it, or write it as an escape inside double quotes"
        raise YamlProblem(Problem(message, line=line, column=column)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            message = f"YAML syntax error: {exc.problem} ({exc.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise YamlProblem(Problem(message + "; fix the YAML at that spot", line=line, column=column)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(f"YAML error: {exc}")) from None
    finally:
        loader.dispose()


def _at(event: yaml.Event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


class _Builder:
    """Turns the event stream of one document into dicts, lists and scalars, recording marks."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.marks: Marks = {}
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolver = yaml.resolver.Resolver()
        self.first_chars = set(self.resolver.yaml_implicit_resolvers)

    def fail(self, event: yaml.Event, path: Path, message: str) -> None:
        line, column = _at(event)
        raise YamlProblem(Problem(message, path=format_path(path), line=line, column=column))

    def run(self) -> tuple[Any, Marks]:
        get_event = self.loader.get_event
        # Each open collection: [container, its path, pending key (or _EXPECT_KEY for mappings, None for lists)]
        stack: list[list[Any]] = []
        root: Any = None
        documents = 0
        marks = self.marks
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                break
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.fail(event, (), "the file holds several YAML documents (---); keep one")
                continue
            if kind in (yaml.StreamStartEvent, yaml.DocumentEndEvent):
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
                if not stack:
                    root = value
                else:
                    self._place(stack[-1], value, event)
                continue
            if kind is yaml.AliasEvent:
                self.fail(event, self._child_path(stack), "YAML anchors and aliases are not allowed; write the value out in full")
            # A node starts: a scalar, a mapping or a sequence.
            top = stack[-1] if stack else None
            is_key = top is not None and top[2] is _EXPECT_KEY
            path = self._child_path(stack)
            if kind is yaml.ScalarEvent:
                tag = self._scalar_tag(event)
                if is_key:
                    if tag == _MERGE_TAG:
                        self.fail(event, top[1], "YAML merge keys (<<) are not allowed; write the keys out in full")
                    if tag != _STR:
                        self.fail(event, top[1], f"mapping keys must be plain strings, got {event.value!r}")
                    key = event.value
                    mapping, map_path = top[0], top[1]
                    if key in mapping:
                        first_line = marks[map_path + ("<key>", key)][0]
                        self.fail(event, map_path + (key,), f"duplicate key {key!r} (first given on line {first_line}); keep one of them")
                    marks[map_path + ("<key>", key)] = _at(event)
                    top[2] = key
                    continue
                marks[path] = _at(event)
                value = event.value if tag == _STR else self._construct(event, tag, path)
                if top is None:
                    root = value
                else:
                    self._place(top, value, event)
                continue
            if is_key:
                self.fail(event, top[1], "mapping keys must be plain strings")
            marks[path] = _at(event)
            explicit = event.tag if event.tag not in (None, "!") else None
            if kind is yaml.MappingStartEvent:
                if explicit and explicit != _MAP_TAG:
                    self.fail(event, path, f"unsupported YAML tag {explicit!r}; remove it")
                stack.append([{}, path, _EXPECT_KEY])
            else:
                if explicit and explicit != _SEQ_TAG:
                    self.fail(event, path, f"unsupported YAML tag {explicit!r}; remove it")
                stack.append([[], path, None])
        if documents == 0:
            raise YamlProblem(Problem("the file holds no YAML document; expected a mapping with `source`, `forum` and `people`"))
        return root, marks

    @staticmethod
    def _child_path(stack: list[list[Any]]) -> Path:
        if not stack:
            return ()
        container, path, key = stack[-1]
        if isinstance(container, list):
            return path + (len(container),)
        return path if key is _EXPECT_KEY else path + (key,)

    @staticmethod
    def _place(top: list[Any], value: Any, event: yaml.Event) -> None:
        container = top[0]
        if isinstance(container, list):
            container.append(value)
        else:
            container[top[2]] = value
            top[2] = _EXPECT_KEY

    def _scalar_tag(self, event: yaml.ScalarEvent) -> str:
        if event.tag not in (None, "!"):
            return event.tag
        if event.implicit[0] and event.value[:1] in self.first_chars:
            return self.resolver.resolve(yaml.ScalarNode, event.value, (True, False))
        return _STR

    def _construct(self, event: yaml.ScalarEvent, tag: str, path: Path) -> Any:
        if tag not in _SCALAR_TAGS:
            self.fail(event, path, f"unsupported YAML tag {tag!r}; only plain strings, numbers, booleans, dates and null are allowed")
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.constructor.construct_object(node)
        except Exception as exc:  # PyYAML's constructors raise anything (AttributeError for `!!timestamp x`)
            reason = f": {exc}" if isinstance(exc, (ValueError, OverflowError)) else ""
            self.fail(event, path, f"cannot read {event.value!r} as {tag.rsplit(':', 1)[-1]}{reason}; quote it to keep it as text")
