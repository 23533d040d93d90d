"""Shared fixtures for the hostile-data, fuzz and terminal tests.

The whole session runs with HOME and XDG_CACHE_HOME in a temporary directory, so
no test, in this process, in an xdist worker or in a cbiic subprocess, can write
to the user's real ~/.cache; the session fails if the real cache changed anyway.
Tests that run cbiic also get an environment of their own (``isolated_env``): a
cache under the test's tmp_path, and no colour, width or cbiic variables from
the developer's shell.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "forum.yaml"

# Fuzzing depth: the README's command tries 20 examples per property; CI then runs the fuzz tests again under
# `--hypothesis-profile deep` (see .ci/run).
settings.register_profile("quick", max_examples=10)  # the quick suite's; CI runs them again with "deep"
settings.register_profile("deep", max_examples=200)
settings.load_profile("quick")  # Hypothesis' own plugin loads --hypothesis-profile after this, when it is given

# Set by the first process of a session (the xdist controller, or pytest alone): the user's own cache
# directory, which workers inherit and which the tests compare before and after.
REAL_CACHE_VARIABLE = "CBIIC_TESTS_REAL_CACHE"


def real_cache_directory() -> Path:
    """Where cbiic would keep its stores for the user who started the tests (as cache.cache_dir finds it)."""
    return Path(os.environ[REAL_CACHE_VARIABLE])


def snapshot(directory: Path) -> list[tuple[str, int, int]] | None:
    """The entries of a directory with their sizes and modification times, or None if it does not exist."""
    try:
        return sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns) for entry in os.scandir(directory))
    except FileNotFoundError:
        return None


def pytest_configure(config: pytest.Config) -> None:
    if REAL_CACHE_VARIABLE in os.environ:
        return  # an xdist worker: the controller has set the session's environment already
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    real = Path(base) / "cbiic"
    os.environ[REAL_CACHE_VARIABLE] = str(real)
    home = tempfile.mkdtemp(prefix="cbiic-tests-home-")
    os.environ["HOME"] = home
    os.environ["XDG_CACHE_HOME"] = os.path.join(home, ".cache")
    config.stash[_SESSION_HOME] = home
    config.stash[_REAL_CACHE_BEFORE] = snapshot(real)


_SESSION_HOME = pytest.StashKey[str]()
_REAL_CACHE_BEFORE = pytest.StashKey["list[tuple[str, int, int]] | None"]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if _REAL_CACHE_BEFORE not in config.stash:
        return
    real = real_cache_directory()
    if snapshot(real) != config.stash[_REAL_CACHE_BEFORE]:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        message = f"the tests changed the real cache directory {real}: a test ran cbiic without the session's XDG_CACHE_HOME"
        if reporter is not None:
            reporter.write_line(f"ERROR: {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SESSION_HOME in config.stash:
        shutil.rmtree(config.stash[_SESSION_HOME], ignore_errors=True)


# Variables that change what cbiic prints; tests set the ones they mean to.
LEAKY_VARIABLES = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "COLUMNS",
    "LINES",
    "TERMINAL_WIDTH",
    "CBIIC_DATA",
    "CBIIC_DEBUG",
    "CBIIC_MAX_BYTES",
    "CBIIC_NO_CACHE",
    "_CBIIC_COMPLETE",
    "COMP_WORDS",
    "COMP_CWORD",
    "_TYPER_COMPLETE_ARGS",
    "PYTHONIOENCODING",
)


@pytest.fixture(scope="session")
def forum_text() -> str:
    """The shipped forum YAML, as text."""
    return SHIPPED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def _forum_doc_pristine(forum_text: str) -> dict[str, Any]:
    return yaml.safe_load(forum_text)


@pytest.fixture
def forum_doc(_forum_doc_pristine: dict[str, Any]) -> dict[str, Any]:
    """The shipped forum as plain Python values, a fresh copy for each test to mutate."""
    return copy.deepcopy(_forum_doc_pristine)


@pytest.fixture(scope="session")
def cbiic_exe() -> Path:
    """The installed `cbiic` console script next to the running interpreter."""
    exe = Path(sys.executable).parent / "cbiic"
    if not exe.exists():
        pytest.skip(f"the cbiic console script is not installed at {exe}")
    return exe


@pytest.fixture
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point the cache at tmp_path and drop variables that would change output.

    Applies to this process (so CliRunner sees it) and returns a copy of the
    environment for subprocesses.
    """
    cache_home = tmp_path / "xdg-cache"
    cache_home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    for name in LEAKY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # An ordinary terminal type: Rich caps a TERM=dumb console at 80 columns whatever COLUMNS says.
    monkeypatch.setenv("TERM", "xterm-256color")
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


@pytest.fixture
def cli_app():
    from cbiic_cli.cli import app

    return app


def dump_forum(doc: Any) -> str:
    """YAML text for a forum given as plain values (dates stay dates)."""
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100_000)


@pytest.fixture
def write_forum(tmp_path: Path):
    """write_forum(doc_or_text_or_bytes, name="forum.yaml") -> Path of the written file."""
    counter = {"n": 0}

    def write(content: Any, name: str | None = None) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"forum-{counter['n']}.yaml")
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(dump_forum(content), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cbiic(cbiic_exe: Path, isolated_env: dict[str, str]):
    """run_cbiic(*args, input=None, env=None, **popen) -> CompletedProcess (bytes), with a hang guard."""

    def run(*args: str, input: bytes | None = None, env: dict[str, str | None] | None = None, timeout: float = 120, **kwargs: Any):
        full_env = dict(isolated_env)
        for key, value in (env or {}).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        if input is None and "stdin" not in kwargs:
            kwargs["stdin"] = subprocess.DEVNULL
        return subprocess.run(
            [str(cbiic_exe), *args],
            input=input,
            stdout=kwargs.pop("stdout", subprocess.PIPE),
            stderr=kwargs.pop("stderr", subprocess.PIPE),
            env=full_env,
            timeout=timeout,
            **kwargs,
        )

    return run


# -- outcome checks shared by the test modules ---------------------------------

# What must never reach a terminal from cbiic: C0 controls other than tab, newline
# and carriage return (CSV's line ends are \r\n), DEL and C1 controls.
RAW_CONTROL = __import__("re").compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _texts(result: Any) -> tuple[int, str, str, BaseException | None]:
    """(exit code, stdout, stderr, exception) of a CliRunner Result or a CompletedProcess."""
    if isinstance(result, subprocess.CompletedProcess):
        out = result.stdout.decode("utf-8") if isinstance(result.stdout, bytes) else (result.stdout or "")
        err = result.stderr.decode("utf-8") if isinstance(result.stderr, bytes) else (result.stderr or "")
        return result.returncode, out, err, None
    exception = result.exception
    if isinstance(exception, SystemExit):
        exception = None
    return result.exit_code, result.stdout, result.stderr, exception


def _describe(result: Any) -> str:
    code, out, err, exception = _texts(result)
    import traceback

    tb = "".join(traceback.format_exception(exception)) if exception else ""
    return f"exit={code}\n--- stdout ---\n{out[-3000:]}\n--- stderr ---\n{err[-3000:]}\n--- exception ---\n{tb}"


def assert_no_exception(result: Any) -> None:
    _, _, err, exception = _texts(result)
    assert exception is None, _describe(result)
    assert "Traceback" not in err and "Exception ignored" not in err, _describe(result)


def assert_one_clear_error(result: Any, *must_contain: str) -> str:
    """Exit 1, nothing on stdout, exactly one `cbiic: ...` line on stderr; returns that line."""
    assert_no_exception(result)
    code, out, err, _ = _texts(result)
    assert code == 1, _describe(result)
    assert out == "", _describe(result)
    assert err.startswith("cbiic: ") and err.endswith("\n") and err.count("\n") == 1, _describe(result)
    assert not RAW_CONTROL.search(err), _describe(result)
    for text in must_contain:
        assert text in err, f"{text!r} not in the error line\n" + _describe(result)
    return err.rstrip("\n")


SGR = __import__("re").compile(r"\x1b\[[0-9;]*m")
VERDICT = __import__("re").compile(r": invalid \(([\d,]+) problem(s?)\)$")
UNLISTED = __import__("re").compile(r": ([\d,]+) more [a-zA-Z ]+ from here on are not listed;")


def assert_sane_outcome(result: Any, fmt: str = "table", *, validate: bool = False, color: bool = False) -> None:
    """Valid output or one clear error; never a traceback, never a raw control character.

    With color=True, SGR colour sequences (cbiic's own styling) are allowed in stdout;
    callers check separately that the data's own sequences did not survive.
    """
    import csv
    import io
    import json

    assert_no_exception(result)
    code, out, err, _ = _texts(result)
    if color:
        out = SGR.sub("", out)
    assert not RAW_CONTROL.search(out), _describe(result)
    assert not RAW_CONTROL.search(err), _describe(result)
    if validate:
        assert code in (0, 1), _describe(result)
        assert err == "", _describe(result)
        lines = out.splitlines()
        assert lines, _describe(result)
        if code == 0:
            # A file: one verdict. A congress: congress.yaml's, each forum file's, and the congress's own.
            assert (len(lines) == 1 and ": valid (" in lines[0]) or all(": valid (" in line for line in lines[:-1]), _describe(result)
        else:
            verdict = VERDICT.search(lines[-1])
            assert verdict, _describe(result)
            total, listed = int(verdict.group(1).replace(",", "")), len(lines) - 1
            assert verdict.group(2) == ("" if total == 1 else "s"), _describe(result)
            # Every problem is a line, except that past a limit one line counts the rest of its kind.
            unlisted = [int(m.group(1).replace(",", "")) for line in lines if (m := UNLISTED.search(line))]
            assert total == listed - len(unlisted) + sum(unlisted), _describe(result)
        return
    assert code in (0, 1), _describe(result)
    if code == 1:
        assert_one_clear_error(result)
        return
    # Success: output, or an empty answer explained in one stderr line.
    assert err == "" or (err.startswith("cbiic: ") and err.count("\n") == 1), _describe(result)
    if fmt == "json":
        json.loads(out)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out, newline="")))
        assert rows and all(len(row) == len(rows[0]) for row in rows), _describe(result)
    elif fmt == "table":
        assert out or err, _describe(result)


@pytest.fixture(scope="session")
def checks():
    """The outcome checks, as a fixture so test modules need not import conftest."""
    import types

    return types.SimpleNamespace(
        no_exception=assert_no_exception,
        one_clear_error=assert_one_clear_error,
        sane=assert_sane_outcome,
        describe=_describe,
        raw_control=RAW_CONTROL,
        sgr=SGR,
        dump=dump_forum,
    )
