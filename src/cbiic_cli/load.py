"""Read a forum file into a validated ``Forum``, or explain every problem with it.

The file is only ever read. Validation has two layers: msgspec checks the
shape against ``model.Forum`` (types, required and unknown fields, value
constraints), then ``_check_references`` checks what a type cannot express
(unique ids, references to people, themes, organisations and talks).
"""

from __future__ import annotations

import os
import sys
import typing
from pathlib import Path
from typing import Any

from .errors import ForumDataError, Problem
from .names import normalise

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MAX_BYTES_VARIABLE = "CBIIC_MAX_BYTES"
STDIN = "-"


class ForumSource:
    """Where a forum comes from: a file path, or standard input as ``-``."""

    __slots__ = ("location",)

    def __init__(self, location: str) -> None:
        self.location = location

    @property
    def display_name(self) -> str:
        return "<stdin>" if self.location == STDIN else self.location


def default_data_path() -> Path:
    """The shipped forum: inside the installed package, or in the source tree when run from a checkout."""
    packaged = Path(__file__).parent / "data" / "forum.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / "forum.yaml"


def max_bytes() -> int:
    raw = os.environ.get(MAX_BYTES_VARIABLE)
    if raw is None:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value <= 0:
        raise ForumDataError(MAX_BYTES_VARIABLE, [Problem(f"must be a positive whole number of bytes, got {raw!r}")])
    return value


def read_bytes(source: ForumSource) -> bytes:
    """The raw file, with every way of failing to read it turned into one clear problem."""
    name = source.display_name
    limit = max_bytes()
    too_big = Problem(
        f"file is larger than the {limit:,}-byte limit; raise it with {MAX_BYTES_VARIABLE}=<bytes> if the file is trusted"
    )
    if source.location == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise ForumDataError(name, [too_big])
        return data
    path = Path(source.location)
    try:
        if path.is_dir():
            raise ForumDataError(name, [Problem("is a directory; pass the path of a forum YAML file")])
        if path.stat().st_size > limit:
            raise ForumDataError(name, [too_big])
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise ForumDataError(name, [Problem("no such file; check the path")]) from None
    except PermissionError:
        raise ForumDataError(name, [Problem("permission denied; make the file readable or pass another with --data")]) from None
    except OSError as exc:
        raise ForumDataError(name, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None
    if len(data) > limit:
        raise ForumDataError(name, [too_big])
    return data


def decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise ForumDataError(name, [Problem(f"looks binary (NUL byte at offset {offset}); expected a UTF-8 YAML text file")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        # Columns count characters, as YAML errors do, not bytes.
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise ForumDataError(name, [Problem("is not valid UTF-8; save the file as UTF-8", line=line, column=column)]) from None
    return text.removeprefix("\ufeff")


def parse_forum(data: bytes, name: str) -> Any:
    """Validate raw bytes into a ``model.Forum`` or raise ``ForumDataError`` listing every problem."""
    import msgspec

    from . import model, yamltree

    text = decode_text(data, name)
    try:
        raw, marks = yamltree.parse(text)
    except yamltree.YamlProblem as exc:
        raise ForumDataError(name, [exc.problem]) from None
    if not isinstance(raw, dict):
        kind = "a list" if isinstance(raw, list) else "empty (null)" if raw is None else f"a single {_KIND_OF_VALUE.get(type(raw), 'scalar')} value"
        raise ForumDataError(
            name, [Problem(f"the document is {kind}; expected a mapping with `source`, `forum` and `people`", line=1, column=1)]
        )
    problems = _check_references(raw)
    try:
        forum = msgspec.convert(raw, model.Forum, strict=True)
    except msgspec.ValidationError:
        _collect_shape_problems(raw, model.Forum, (), problems)
    if problems:
        raise ForumDataError(name, _in_file_order(problems, marks))
    return forum


def _in_file_order(problems: list[Problem], marks: dict) -> list[Problem]:
    located = [_locate(problem, marks) for problem in problems]
    return sorted(located, key=lambda p: (p.line or 0, p.column or 0))


_KIND_OF_VALUE = {str: "text", int: "number", float: "number", bool: "boolean"}


# -- shape problems --------------------------------------------------------

def _collect_shape_problems(value: Any, annotation: Any, path: tuple, out: list[Problem]) -> None:
    """Record every shape problem in ``value``, not just the first msgspec stops at.

    msgspec reports one error per conversion, so on failure we descend into the
    struct's fields and the list's items and convert each on its own.
    """
    import msgspec

    try:
        msgspec.convert(value, annotation, strict=True)
        return
    except msgspec.ValidationError as exc:
        first_error = str(exc)
    before = len(out)
    bare = _strip_annotated(annotation)
    if isinstance(value, dict) and isinstance(bare, type) and issubclass(bare, msgspec.Struct):
        fields = {field.encode_name: field for field in msgspec.structs.fields(bare)}
        for key in value:
            if key not in fields:
                out.append(Problem(f"unknown field {key!r}; expected one of: {', '.join(fields)}", path=_dotted(path + (key,)), at_key=True))
        for key, field in fields.items():
            if key in value:
                _collect_shape_problems(value[key], field.type, path + (key,), out)
            elif field.required:
                out.append(Problem(f"missing required field {key!r}", path=_dotted(path)))
    elif isinstance(value, list) and typing.get_origin(bare) is list:
        (item_type,) = typing.get_args(bare)
        for index, item in enumerate(value):
            _collect_shape_problems(item, item_type, path + (index,), out)
    if len(out) == before:
        out.append(_from_msgspec_message(first_error, path))


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _dotted(path: tuple) -> str:
    from .yamltree import format_path

    return format_path(path) or "(top level)"


_MSGSPEC_WORDS = {"`object`": "a mapping", "`array`": "a list", "`str`": "text", "`int`": "a whole number"}


def _from_msgspec_message(message: str, path: tuple) -> Problem:
    """Turn msgspec's "Expected `str`, got `int` - at `$.a[0]`" into a Problem at the full path."""
    from .yamltree import format_path

    text, _, where = message.partition(" - at `$")
    full = (format_path(path) + where.rstrip("`")).lstrip(".")
    for word, plain in _MSGSPEC_WORDS.items():
        text = text.replace(word, plain)
    text = text.replace("Expected ", "expected ").replace("Object missing required field", "missing required field")
    return Problem(text, path=full or "(top level)")


# -- references ------------------------------------------------------------

def _entries(container: Any, key: str) -> list[tuple[int, dict]]:
    """(index, mapping) for each mapping in ``container[key]``; anything malformed is the shape check's to report."""
    value = container.get(key) if isinstance(container, dict) else None
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(container: Any, key: str) -> list[tuple[int, str]]:
    value = container.get(key) if isinstance(container, dict) else None
    return [(i, item) for i, item in enumerate(value) if isinstance(item, str)] if isinstance(value, list) else []


def _check_references(raw: dict) -> list[Problem]:
    """Unique ids and resolvable references, checked on the raw document.

    Working on the raw mappings (skipping whatever is malformed) lets `cbiic validate`
    report reference problems in the same run as shape problems.
    """
    problems: list[Problem] = []

    def ids(section: list[tuple[str, dict]], key: str) -> list[tuple[str, str]]:
        return [(f"{path}.{key}", item[key]) for path, item in section if isinstance(item.get(key), str)]

    def listed(key: str, base: Any = raw, prefix: str = "") -> list[tuple[str, dict]]:
        return [(f"{prefix}{key}[{i}]", item) for i, item in _entries(base, key)]

    def mapping(value: Any) -> dict | None:
        return value if isinstance(value, dict) else None

    panel = mapping(raw.get("panel"))
    opening = [("opening", item)] if (item := mapping(raw.get("opening"))) else []
    closing = [("panel.closing", item)] if panel and (item := mapping(panel.get("closing"))) else []
    remarks = listed("remarks", panel, "panel.") if panel else []

    def unique(entries: list[tuple[str, str]]) -> None:
        """entries: (field path, id); the second use of an id is the problem."""
        seen: dict[str, str] = {}
        for here, value in entries:
            if value in seen:
                problems.append(Problem(f"{value!r} is already used at {seen[value]}; ids must be unique", path=here))
            else:
                seen[value] = here

    unique(ids(listed("organisations"), "id"))
    unique(ids(listed("themes"), "id"))
    # People and every agenda item share one namespace because `cbiic talk REF` accepts either.
    unique(
        ids(listed("people"), "slug")
        + ids(opening, "id")
        + ids(listed("sessions"), "id")
        + ids(listed("talks"), "id")
        + ids([("panel", panel)] if panel else [], "id")
        + ids(remarks, "id")
        + ids(closing, "id")
    )

    alias_owner: dict[str, str] = {}
    for path, theme in listed("themes"):
        theme_id = theme.get("id")
        names = [theme_id, theme.get("label"), *[a for _, a in _strings(theme, "aliases")]]
        for name in (n for n in names if isinstance(n, str)):
            key = normalise(name)
            if key in alias_owner and alias_owner[key] != theme_id:
                problems.append(Problem(f"name {name!r} also names theme {alias_owner[key]!r}; a theme name must point at one theme", path=path))
            alias_owner.setdefault(key, theme_id)

    people = {item["slug"] for _, item in listed("people") if isinstance(item.get("slug"), str)}
    themes = {item["id"] for _, item in listed("themes") if isinstance(item.get("id"), str)}
    organisations = {item["id"] for _, item in listed("organisations") if isinstance(item.get("id"), str)}
    talks = {item["id"] for _, item in listed("talks") if isinstance(item.get("id"), str)}

    def known(value: Any, pool: set[str], what: str, path: str) -> None:
        if isinstance(value, str) and value not in pool:
            problems.append(Problem(f"unknown {what} {value!r}{_closest(value, pool)}", path=path))

    def person_ref(ref: Any, path: str) -> None:
        if isinstance(ref, dict):
            for index, slug in _strings(ref, "candidates"):
                known(slug, people, "person", f"{path}.candidates[{index}]")
        else:
            known(ref, people, "person", path)

    def contribution(path: str, item: dict) -> None:
        person_ref(item.get("speaker"), f"{path}.speaker")
        for point_index, point in _entries(item, "key_points"):
            for index, theme in _strings(point, "themes"):
                known(theme, themes, "theme", f"{path}.key_points[{point_index}].themes[{index}]")
        for index, organisation in _strings(item, "organisations"):
            known(organisation, organisations, "organisation", f"{path}.organisations[{index}]")

    for path, person in listed("people"):
        for position, affiliation in _entries(person, "affiliations"):
            known(affiliation.get("organisation"), organisations, "organisation", f"{path}.affiliations[{position}].organisation")
    for path, session in listed("sessions"):
        person_ref(session.get("moderator"), f"{path}.moderator")
        for position, talk in _strings(session, "talks"):
            known(talk, talks, "talk", f"{path}.talks[{position}]")
    for path, item in opening + listed("talks") + remarks + closing:
        contribution(path, item)
    if panel:
        person_ref(panel.get("moderator"), "panel.moderator")
        for index, slug in _strings(panel, "panelists"):
            known(slug, people, "person", f"panel.panelists[{index}]")
    return problems


def _closest(value: str, pool: set[str]) -> str:
    import difflib

    match = difflib.get_close_matches(value, sorted(pool), n=1)
    return f"; did you mean {match[0]!r}?" if match else "; it must be defined in the file"


# -- locations -------------------------------------------------------------

def _locate(problem: Problem, marks: dict) -> Problem:
    """Attach the line and column of the deepest known node on the problem's path."""
    path = _parse_path(problem.path)
    if problem.at_key and path:
        lookup: tuple = path[:-1] + ("<key>", path[-1])
        if lookup in marks:
            problem.line, problem.column = marks[lookup]
    while problem.line is None:
        if path in marks:
            problem.line, problem.column = marks[path]
        elif not path:
            break
        path = path[:-1]
    return problem


def _parse_path(text: str) -> tuple:
    import re

    if text == "(top level)":
        return ()
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", text):
        parts.append(int(index) if index else name)
    return tuple(parts)


def load_forum(source: ForumSource, use_cache: bool = True) -> Any:
    """The validated forum from ``source``, from the cache when its bytes were seen before."""
    from . import cache

    data = read_bytes(source)
    if not use_cache or cache.disabled_by_environment():
        return parse_forum(data, source.display_name)
    entry = cache.entry_path(data)
    forum = cache.read(entry)
    if forum is None:
        forum = parse_forum(data, source.display_name)
        cache.write(entry, forum)
    return forum
