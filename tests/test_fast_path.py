"""The fast path answers exactly as the Typer app does, and leaves Typer everything it does not parse completely.

The grammar it parses is derived from the Typer app (``cbiic_cli.derive_grammar``);
here every fast command runs in every format with each of its options, both
ways, and the bytes of stdout, stderr and the exit code must match.
"""

from __future__ import annotations

import enum
import inspect
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from golden.make_golden import ENVIRONMENT
from support import ARTICLE, SECOND_FORUM, SHIPPED, make_congress
from typer.testing import CliRunner

from cbiic_cli import derive_grammar, fast, grammar
from cbiic_cli.cli import app

FORMATS = grammar.COMMANDS["speakers"]["options"]["--format"][1]
# A value for each option and argument the fast commands have; a new option without one fails test_every_option_has_a_sample.
OPTION_SAMPLES = {
    "org": ["sun yat sen", "capital"],
    "role": ["panelist", "closing", "Moderator"],
    "theme_name": ["insurance", "ai"],
    "limit": ["1", "0"],
    "kind": ["hospital", "company"],
    "fields": ["slug,name", "id,kind"],
    "source": [str(ARTICLE)] if ARTICLE else [],
    "data": [str(SHIPPED)],
    "forums": [SECOND_FORUM, "oncology-drugs"],
}
ARGUMENT_SAMPLES = {
    "speaker": [["xue-junli"], ["ma-jun-sysucc"], ["Li Ziming"], ["ma jun"]],
    "talk": [["zheng-limin"], ["panel"], ["luo-dan"], ["nobody"]],
    "theme": [["insurance"], ["artificial intelligence"], ["nsclc"], ["tumour"]],
    "search": [["immune"], ["pd1", "nsclc"], ['"immune checkpoint"'], ["the"], ["immunotheraphy"]],
    "orgs": [[], ["capital"], ["roche"]],
}


def run_typer(arguments: list[str], env: dict[str, str], input: str | None = None) -> tuple[int, bytes, bytes]:
    result = CliRunner().invoke(app, arguments, env=env, catch_exceptions=False, prog_name="cbiic", input=input)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def run_fast(arguments: list[str], env: dict[str, str], input: str | None = None) -> tuple[int, bytes, bytes]:
    runner = CliRunner()
    with runner.isolation(env=env, input=input) as (stdout, stderr, _):
        code = 0
        try:
            fast.answer(list(arguments))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 0 if exit.code is None else 1
        sys.stdout.flush()
        sys.stderr.flush()
        return code, stdout.getvalue(), stderr.getvalue()


def combinations() -> list[list[str]]:
    """Each fast command with its arguments, in every format, alone and with each of its own options."""
    found = []
    for name, command in grammar.COMMANDS.items():
        own = sorted({option[0]: spelled for spelled, option in command["options"].items() if spelled.startswith("--")}.items())
        for arguments in ARGUMENT_SAMPLES.get(name, [[]]):
            for fmt in FORMATS:
                base = [name, *arguments, "--format", fmt]
                found.append(base)
                for destination, spelled in own:
                    if destination == "fmt":
                        continue
                    kind = command["options"][spelled][1]
                    if kind == "flag":
                        found.append([*base, spelled])
                    else:
                        found += [[*base, spelled, value] for value in OPTION_SAMPLES[destination][: 1 if fmt != "table" else 2]]
    return found


CASES = combinations()
# Spellings the fast path leaves to Typer, which must still answer them as before.
TYPER_ONLY = [
    ["speakers", "--help"],
    ["speakers", "-h"],
    ["--version"],
    ["--help"],
    [],
    ["info"],
    ["schema"],
    ["speakers", "--format", "JSON"],
    ["speakers", "-fjson"],
    ["speakers", "-f=json"],
    ["speakers", "--format", "json", "--format", "csv"],
    ["speakers", "--bogus"],
    ["speakers", "--no-headers=1"],
    ["speakers", "--fields"],
    ["speakers", "--fields", ""],
    ["speakers", "--fields="],
    ["speakers", "--org", "--format"],
    ["search", "pd1", "--limit", "-1"],
    ["search", "pd1", "-n", "x"],
    ["search"],
    ["speaker"],
    ["speaker", "a", "b"],
    ["themes", "extra"],
    ["speakers", "--", "x"],
    ["speakers", "--data", ""],
    ["--data", "", "speakers"],
    ["speakers", "--role", "chair"],
    ["speakers", "--fields", "nope"],
    ["orgs", "--kind", "bank"],
    ["search", "the", "of"],
    ["--no-cache", "--version"],
]


def test_grammar_is_derived_from_the_typer_app() -> None:
    # If this fails, run: python -m cbiic_cli.derive_grammar > src/cbiic_cli/grammar.py
    assert Path(grammar.__file__).read_text(encoding="utf-8") == derive_grammar.source()


def test_every_option_has_a_sample() -> None:
    destinations = {option[0] for command in grammar.COMMANDS.values() for option in command["options"].values()}
    untested = destinations - set(OPTION_SAMPLES) - {"fmt", "no_headers", "allow_formulas", "no_cache", "possible"}
    assert not untested


def test_every_checked_option_has_a_rule_here() -> None:
    # An option with a callback and no rule in fast.ACCEPTED would always go to Typer: correct, but never fast.
    checked = {
        option[0]
        for options in [grammar.ROOT_OPTIONS, *(c["options"] for c in grammar.COMMANDS.values())]
        for option in options.values()
        if option[3]
    }
    assert checked <= set(fast.ACCEPTED)


def test_the_installed_entry_point_is_the_fast_path() -> None:
    (entry,) = [e for e in metadata.entry_points(group="console_scripts") if e.name == "cbiic"]
    assert entry.value == "cbiic_cli.fast:main"


def typer_call(arguments: list[str], env: dict[str, str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The command Typer's app would call for this line, with its settings and parameters, without running it."""
    import typer.testing

    from cbiic_cli import commands

    made: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    name = next(argument for argument in arguments if argument in grammar.COMMANDS)
    original = getattr(commands, name)

    def record(settings: commands.Settings, *args: Any, **kwargs: Any) -> None:
        bound = inspect.signature(original).bind(settings, *args, **kwargs)
        bound.apply_defaults()
        parameters = {key: value for key, value in bound.arguments.items() if key != "settings"}
        made.append((name, settings_of(settings), parameters))

    patched = pytest.MonkeyPatch()
    patched.setattr(commands, name, record)
    try:
        result = typer.testing.CliRunner().invoke(app, arguments, env=env, catch_exceptions=False, prog_name="cbiic")
    finally:
        patched.undo()
    assert result.exit_code == 0 and len(made) == 1, result.stderr
    return made[0]


def settings_of(settings: Any) -> dict[str, Any]:
    # None and False both mean "not given" for a shared setting (cli._setting reads them so).
    return {slot: None if getattr(settings, slot) is False else getattr(settings, slot) for slot in settings.__slots__}


def plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


# The quick suite parses every command with every option in a reading format and a file format; the slow set, in all.
QUICK_PARSE_FORMATS = ("table", "json")


@pytest.mark.parametrize(
    "arguments",
    [pytest.param(case, marks=() if case[case.index("--format") + 1] in QUICK_PARSE_FORMATS else pytest.mark.slow) for case in CASES],
    ids=lambda case: " ".join(case) if isinstance(case, list) else None,
)
def test_fast_path_parses_every_line_into_the_call_typer_makes(arguments: list[str]) -> None:
    env = dict(ENVIRONMENT)
    call = fast.parse(arguments, {**os.environ, **env})
    assert call is not None, "the fast path should answer this line itself"
    name, settings, parameters = typer_call(arguments, env)
    assert call.command == name
    assert {k: plain(v) for k, v in settings_of(call.settings).items()} == {k: plain(v) for k, v in settings.items()}
    assert {k: plain(v) for k, v in call.parameters.items()} == {k: plain(v) for k, v in parameters.items()}


# The whole output both ways, for every command in every format with its first sample (the parse test above covers
# every option); the slow set compares every line's bytes.
WHOLE_OUTPUT = [[name, *ARGUMENT_SAMPLES.get(name, [[]])[0], "--format", fmt] for name in grammar.COMMANDS for fmt in FORMATS]


@pytest.mark.parametrize("arguments", WHOLE_OUTPUT, ids=" ".join)
def test_fast_path_answers_byte_for_byte_as_typer(arguments: list[str]) -> None:
    env = dict(ENVIRONMENT)
    assert fast.parse(arguments, {**os.environ, **env}) is not None, "the fast path should answer this line itself"
    assert run_fast(arguments, env) == run_typer(arguments, env)


@pytest.mark.slow
@pytest.mark.parametrize("arguments", [case for case in CASES if case not in WHOLE_OUTPUT], ids=" ".join)
def test_fast_path_answers_every_line_byte_for_byte_as_typer(arguments: list[str]) -> None:
    test_fast_path_answers_byte_for_byte_as_typer(arguments)


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("name", grammar.COMMANDS)
def test_a_congress_answers_byte_for_byte_as_typer(name: str, fmt: str, tmp_path: Path) -> None:
    """A congress of two forums: each command with its first sample (a bare id both forums have is refused, both
    ways alike), then narrowed to one forum."""
    congress = str(make_congress(tmp_path / "congress"))
    env = {**ENVIRONMENT, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for narrowing in ([], ["--forum", SECOND_FORUM]):
        arguments = ["--data", congress, name, *ARGUMENT_SAMPLES.get(name, [[]])[0], "--format", fmt, *narrowing]
        assert fast.parse(arguments, {**os.environ, **env}) is not None, "the fast path should answer this line itself"
        assert run_fast(arguments, env) == run_typer(arguments, env)


@pytest.mark.parametrize("arguments", TYPER_ONLY, ids=lambda a: " ".join(a) or "(nothing)")
def test_what_the_fast_path_does_not_parse_goes_to_typer(arguments: list[str]) -> None:
    env = dict(ENVIRONMENT)
    assert run_fast(arguments, env) == run_typer(arguments, env)


@pytest.mark.parametrize("arguments", [a for a in TYPER_ONLY if not {"--role", "nope", "bank", "the", "", "--fields="} & set(a)])
def test_doubtful_lines_are_not_parsed_here(arguments: list[str]) -> None:
    assert fast.parse(arguments, {}) is None


def test_options_before_the_command_and_in_the_environment() -> None:
    env = dict(ENVIRONMENT)
    for arguments, environment in [
        (["--data", str(SHIPPED), "--no-cache", "speakers", "-f", "csv"], {}),
        (["--data=" + str(SHIPPED), "talk", "zheng-limin", "--no-cache", "-f", "json"], {}),
        (["themes", "-f", "jsonl"], {"CBIIC_DATA": str(SHIPPED)}),
        # Issue 19: the output options before the command too, and after it they win.
        (["-f", "json", "--fields", "slug,name", "speakers"], {}),
        (["-f", "tsv", "--no-headers", "--allow-formulas", "talk", "panel"], {}),
        (["-f", "json", "--fields", "slug", "speakers", "-f", "csv", "--fields", "name"], {}),
    ]:
        env_here = {**env, **environment}
        assert fast.parse(arguments, {**os.environ, **env_here}) is not None
        assert run_fast(arguments, env_here) == run_typer(arguments, env_here)
    assert fast.parse(["speakers"], {"CBIIC_DATA": ""}) is None
    # An empty variable is refused by the app's callback even when --data is given before the command.
    arguments = ["--data", str(SHIPPED), "speakers"]
    assert fast.parse(arguments, {"CBIIC_DATA": ""}) is None
    assert run_fast(arguments, {**env, "CBIIC_DATA": ""}) == run_typer(arguments, {**env, "CBIIC_DATA": ""})
    assert fast.parse(["speakers"], {"_CBIIC_COMPLETE": "bash_complete"}) is None


@pytest.mark.parametrize(
    "arguments",
    [["--data", "-", "speakers", "--fields", "bogus"], ["speakers", "--data", "-", "-f", "json"], ["search", "the", "--data", "-"]],
    ids=" ".join,
)
def test_standard_input_is_left_to_typer_which_reads_it_once(arguments: list[str]) -> None:
    """Read by the fast path, standard input would be gone when a refused value sent the line on to Typer."""
    text = SHIPPED.read_text(encoding="utf-8")
    assert fast.parse(arguments, {}) is None
    assert run_fast(arguments, dict(ENVIRONMENT), input=text) == run_typer(arguments, dict(ENVIRONMENT), input=text)


def test_a_choice_value_equal_to_an_option_name_is_a_value() -> None:
    # `--org -f` : a value that looks like an option is Click's call, never guessed here.
    assert fast.parse(["speakers", "--org", "-f"], {}) is None
    assert fast.parse(["orgs", "-"], {}) is not None


def test_the_fast_path_does_not_import_typer(tmp_path: Path) -> None:
    code = (
        "import sys; sys.argv = ['cbiic', 'speakers', '-f', 'json']\n"
        "from cbiic_cli import fast\n"
        "try:\n    fast.main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('typer' if 'typer' in sys.modules else 'no typer')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    )
    assert result.stdout.startswith("[")
    assert result.stderr.endswith("no typer")


def test_defaults_are_the_apps_where_they_show(tmp_path) -> None:
    """Search's default limit only shows with more than 20 hits, which the shipped forum never has."""
    from support import generated_forum

    data = generated_forum(tmp_path, 200, 1)
    env = {**ENVIRONMENT, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for arguments in (["search", "tumor", "-f", "jsonl"], ["search", "tumor"], ["search", "tumor", "-n", "0", "-f", "csv"]):
        arguments = ["--data", str(data), *arguments]
        assert fast.parse(arguments, {**os.environ, **env}) is not None
        assert run_fast(arguments, env) == run_typer(arguments, env)
