"""Parse YAML into plain Python values while remembering where each value was written.

We compose the node graph ourselves instead of calling ``yaml.safe_load`` because
the loader must (a) name line and column for any value a later check rejects,
(b) reject duplicate keys, which PyYAML silently overwrites, (c) refuse
anchors and aliases, so a tiny "billion laughs" file cannot expand without
bound, and (d) never construct anything but plain scalars, lists and mappings,
whatever tags the file carries.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Problem

try:  # libyaml's C parser is several times faster on large files.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]
Marks = dict[Path, tuple[int, int]]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class YamlProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


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
        node = loader.get_single_node()
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
    if node is None:
        raise YamlProblem(Problem("the file holds no YAML document; expected a mapping with `source`, `forum` and `people`"))
    marks: Marks = {}
    constructor = yaml.constructor.SafeConstructor()
    try:
        value = _convert(node, (), marks, constructor, set())
    except _AliasUsed as used:
        raise YamlProblem(_alias_problem(text, used.path)) from None
    return value, marks


class _AliasUsed(Exception):
    def __init__(self, path: Path) -> None:
        self.path = path


def _alias_problem(text: str, path: Path) -> Problem:
    """Locate the first alias by scanning events: composed nodes only know where the anchor was."""
    line = column = None
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            line, column = event.start_mark.line + 1, event.start_mark.column + 1
            break
    return Problem("YAML anchors and aliases are not allowed; write the value out in full", path=format_path(path), line=line, column=column)


def _convert(node: yaml.Node, path: Path, marks: Marks, constructor: yaml.constructor.SafeConstructor, seen: set[int]) -> Any:
    if id(node) in seen:
        raise _AliasUsed(path)
    seen.add(id(node))
    marks[path] = _at(node)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP_TAG:
            raise YamlProblem(_problem(node, path, f"unsupported YAML tag {node.tag!r}; remove it"))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(_problem(key_node, path, "YAML merge keys (<<) are not allowed; write the keys out in full"))
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                raise YamlProblem(_problem(key_node, path, "mapping keys must be plain strings"))
            key = key_node.value
            if key in result:
                first_line = marks[path + ("<key>", key)][0]
                raise YamlProblem(_problem(key_node, path + (key,), f"duplicate key {key!r} (first given on line {first_line}); keep one of them"))
            marks[path + ("<key>", key)] = _at(key_node)
            result[key] = _convert(value_node, path + (key,), marks, constructor, seen)
        return result
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ_TAG:
            raise YamlProblem(_problem(node, path, f"unsupported YAML tag {node.tag!r}; remove it"))
        return [_convert(item, path + (index,), marks, constructor, seen) for index, item in enumerate(node.value)]
    if node.tag not in _SCALAR_TAGS:
        raise YamlProblem(_problem(node, path, f"unsupported YAML tag {node.tag!r}; only plain strings, numbers, booleans, dates and null are allowed"))
    try:
        return constructor.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise YamlProblem(_problem(node, path, f"cannot read value {node.value!r}: {exc}; quote it to keep it as text")) from None


def _problem(node: yaml.Node, path: Path, message: str) -> Problem:
    line, column = _at(node)
    return Problem(message, path=format_path(path), line=line, column=column)
