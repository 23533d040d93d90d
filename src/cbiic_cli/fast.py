"""The console entry point: answer the common commands without importing Typer, hand everything else to it.

Importing Typer (and building its Click tree) costs more than a warm query does.
For a command line that the derived grammar (``grammar.py``) parses completely,
``cbiic speakers -f json`` or ``cbiic search pd1 --limit 3``, this module calls
the same command code Typer would (``commands.py``). Anything else, or anything
doubtful, goes to Typer untouched: help, completion, ``--version``, other
commands, an unknown or repeated option, ``--opt=`` on a flag, an option value
that looks like an option, a case-folded choice, a value a callback must judge
and a value the command refuses (then nothing has been printed yet).
``tests/test_fast_path.py`` runs every command, format and option both ways and
compares the bytes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

from . import commands, grammar, process
from .errors import CbiicError


def _a_path(value: str) -> bool:
    return value != ""  # the app's callback refuses an empty path with its own message


def _a_count(value: int) -> bool:
    return value >= 0  # the app's callback refuses anything smaller with its own message


# The values an option with a callback may take here; every other value, and any option with a callback
# not listed, is left to the app, whose callback judges it.
ACCEPTED: dict[str, Callable[[Any], bool]] = {"data": _a_path, "source": _a_path, "limit": _a_count}


class Call:
    """A command line the fast path answers: the command, its settings and its own parameters."""

    __slots__ = ("command", "parameters", "settings")

    def __init__(self, command: str, settings: commands.Settings, parameters: dict[str, Any]) -> None:
        self.command = command
        self.settings = settings
        self.parameters = parameters


def main() -> None:
    process.guarded(lambda: answer(sys.argv[1:]))


def answer(arguments: list[str]) -> None:
    """Answer the command line here if it parses completely; otherwise Typer answers it."""
    call = parse(arguments, os.environ)
    if call is not None:
        try:
            getattr(commands, call.command)(call.settings, **call.parameters)
            return
        except commands.UsageProblem:
            pass  # Typer reports it, with the usage line, as it would have
        except CbiicError as error:
            process.fail(str(error), error.exit_code)
    from .cli import run_app

    run_app(arguments)


def parse(arguments: list[str], environment: Mapping[str, str]) -> Call | None:
    """The call the command line makes, or None if any part of it is for Typer to parse."""
    if process.COMPLETION_VARIABLE in environment:
        return None
    root: dict[str, Any] = {}
    position = 0
    while position < len(arguments) and arguments[position].startswith("-"):
        after = _take_option(arguments, position, grammar.ROOT_OPTIONS, root)
        if after is None:
            return None
        position = after
    if position == len(arguments) or arguments[position] not in grammar.COMMANDS:
        return None
    name = arguments[position]
    command = grammar.COMMANDS[name]
    given: dict[str, Any] = {}
    positionals: list[str] = []
    position += 1
    while position < len(arguments):
        if arguments[position].startswith("-") and arguments[position] != "-":
            after = _take_option(arguments, position, command["options"], given)
            if after is None:
                return None
            position = after
        else:
            positionals.append(arguments[position])
            position += 1
    if not (_from_environment(grammar.ROOT_OPTIONS, root, environment) and _from_environment(command["options"], given, environment)):
        return None
    parameters = _arguments(command["arguments"], positionals)
    if parameters is None:
        return None
    for destination, _, _, _, default in command["options"].values():
        if destination not in commands.Settings.__slots__:
            parameters[destination] = given.get(destination, default)
    # A shared option after the command wins; before it, it is the default (as the app's _setting reads them:
    # None and False mean "not given", an empty text does not).
    shared: dict[str, Any] = {
        slot: given.get(slot) if given.get(slot) not in (None, False) else root.get(slot) for slot in commands.Settings.__slots__
    }
    if shared["data"] == "-":
        return None  # standard input can be read once: if the command then refused a value, Typer could not read it again
    if shared["fmt"] is not None:
        from .formats import OutputFormat

        shared["fmt"] = OutputFormat(shared["fmt"])
    return Call(name, commands.Settings(**shared), parameters)


def _take_option(arguments: list[str], position: int, options: dict[str, tuple[Any, ...]], given: dict[str, Any]) -> int | None:
    """Read the option at ``position`` into ``given``; the position after it, or None if Typer must read it."""
    token = arguments[position]
    name, equals, attached = token.partition("=")
    if not token.startswith("--"):
        name, equals = token, ""  # -f=json and -fjson are Click's to read
    if name not in options:
        return None
    destination, kind, _, checked, _ = options[name]
    if destination in given and kind != "texts":
        return None  # a repeated option: which one wins is Click's rule, not ours
    if kind == "flag":
        if equals:
            return None
        given[destination] = True
        return position + 1
    if equals:
        raw, after = attached, position + 1
    elif position + 1 < len(arguments):
        raw, after = arguments[position + 1], position + 2
    else:
        return None
    if raw.startswith("-") and raw != "-":
        return None
    value = _converted(raw, kind)
    if value is None or (checked and not (destination in ACCEPTED and ACCEPTED[destination](value))):
        return None
    if kind == "texts":  # repeatable: every value, in order
        given.setdefault(destination, []).append(value)
    else:
        given[destination] = value
    return after


def _converted(raw: str, kind: Any) -> Any:
    if kind in ("text", "texts"):
        return raw
    if kind == "int":
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    return raw if raw in kind else None  # a choice, exactly as listed (Click also folds case: its job)


def _from_environment(options: dict[str, tuple[Any, ...]], given: dict[str, Any], environment: Mapping[str, str]) -> bool:
    """Options with an environment variable take it when not given; False if a callback must judge the value."""
    for destination, kind, variable, checked, _ in options.values():
        if variable and environment.get(variable) == "":
            return False  # set but empty: the app's callbacks judge that, even when the option is given too
        if variable and destination not in given and variable in environment:
            value = _converted(environment[variable], kind)
            if value is None or value == "" or (checked and not (destination in ACCEPTED and ACCEPTED[destination](value))):
                return False
            given[destination] = [value] if kind == "texts" else value
    return True


def _arguments(wanted: tuple[tuple[str, int, bool], ...], positionals: list[str]) -> dict[str, Any] | None:
    found: dict[str, Any] = {}
    rest = list(positionals)
    for destination, count, required in wanted:
        if count == -1:
            found[destination], rest = rest, []
        else:
            found[destination], rest = (rest[0] if rest else None), rest[1:]
        if required and not found[destination]:
            return None
    return found if not rest else None
