"""Terminal citizenship, through real subprocesses of the installed `cbiic`.

Pipes, NO_COLOR and FORCE_COLOR, a pseudo-terminal (the `pty` module), narrow
widths, standard input, SIGINT, a closed pipe, the last-resort error line and
shell completion. Timeouts only guard against hangs; nothing here is timed.
"""

from __future__ import annotations

import fcntl
import json
import os
import platform
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from pathlib import Path

import pytest
from support import make_congress

pytestmark = pytest.mark.usefixtures("isolated_env")

SGR = re.compile(r"\x1b\[[0-9;]*m")

TABLE_COMMANDS = [
    ["speakers"],
    ["speaker", "xue-junli"],
    ["talk", "zheng-limin"],
    ["talk", "panel"],
    ["theme", "insurance"],
    ["themes"],
    ["agenda"],
    ["summary"],
    ["orgs"],
    ["search", "insurance"],
]
IDS = [" ".join(c) for c in TABLE_COMMANDS]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1 for ch in text)


def run_in_pty(cbiic_exe: Path, env: dict[str, str], *args: str, columns: int = 100, rows: int = 50) -> tuple[int, str, str]:
    """Run cbiic with stdout on a pseudo-terminal of the given size; (exit code, output, stderr)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    full_env = {**env, "TERM": "xterm-256color"}  # whatever terminal the tests themselves run in
    process = subprocess.Popen(
        [str(cbiic_exe), *args], stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=full_env, close_fds=True
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 120  # a hang guard, not a timing assertion
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, b"".join(chunks).decode("utf-8").replace("\r\n", "\n"), stderr.decode("utf-8")


# -- colour ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=IDS)
def test_piped_output_has_no_colour(args, run_cbiic, checks):
    result = run_cbiic(*args)
    checks.sane(result)
    assert result.returncode == 0 and result.stdout
    assert b"\x1b" not in result.stdout


def test_force_color_colours_a_pipe(run_cbiic):
    result = run_cbiic("speakers", env={"FORCE_COLOR": "1"})
    assert result.returncode == 0 and result.stderr == b""
    assert re.search(rb"\x1b\[[0-9;]*m", result.stdout)
    assert "ma-jun-harbin" in SGR.sub("", result.stdout.decode())


def test_no_color_wins_over_a_pipe_with_force_color_unset(run_cbiic):
    result = run_cbiic("speakers", env={"NO_COLOR": "1"})
    assert result.returncode == 0 and b"\x1b" not in result.stdout


@pytest.mark.parametrize("args", [["speakers"], ["themes"], ["talk", "panel"], ["agenda"]], ids=lambda a: " ".join(a))
def test_terminal_gets_colour(args, cbiic_exe, isolated_env):
    code, out, err = run_in_pty(cbiic_exe, isolated_env, *args)
    assert code == 0 and err == ""
    assert SGR.search(out), out[:500]
    # cbiic's own styling is the only escape sequence on the terminal
    assert "\x1b" not in SGR.sub("", out)


def test_no_color_on_a_terminal(cbiic_exe, isolated_env):
    code, out, err = run_in_pty(cbiic_exe, {**isolated_env, "NO_COLOR": "1"}, "speakers")
    assert code == 0 and err == ""
    assert "\x1b" not in out
    assert "ma-jun-harbin" in out


def test_empty_no_color_does_not_disable_colour(cbiic_exe, isolated_env):
    """no-color.org: NO_COLOR counts only when set to a non-empty string."""
    code, out, _ = run_in_pty(cbiic_exe, {**isolated_env, "NO_COLOR": ""}, "speakers")
    assert code == 0 and SGR.search(out)


def test_json_on_a_terminal_is_plain_json(cbiic_exe, isolated_env):
    code, out, err = run_in_pty(cbiic_exe, isolated_env, "speakers", "--format", "json")
    assert code == 0 and err == ""
    assert "\x1b" not in out
    assert len(json.loads(out)) == 10


def test_hostile_data_on_a_terminal_cannot_send_escapes(cbiic_exe, isolated_env, forum_doc, write_forum):
    forum_doc["people"][0]["name"] = "Ma \x1b]0;pwned\x07\x1b[2J\x9b31m Jun"
    forum_doc["talks"][0]["title"] = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
    path = write_forum(forum_doc)
    for args in (["speakers"], ["talk", "ma-jun-youth-talent"], ["agenda"], ["summary"]):
        code, out, err = run_in_pty(cbiic_exe, isolated_env, "--data", str(path), *args)
        assert code == 0 and err == ""
        visible = SGR.sub("", out)
        assert "\x1b" not in visible and "\x07" not in visible and "\x9b" not in visible, args
        assert "\\x1b" in visible


# -- width -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=IDS)
def test_narrow_pipe_wraps_within_the_width(args, run_cbiic, checks):
    result = run_cbiic(*args, env={"COLUMNS": "40"})
    checks.sane(result)
    assert result.returncode == 0
    out = result.stdout.decode()
    too_wide = [line for line in out.split("\n") if display_width(line) > 40 and not holds_a_long_id(line)]
    assert not too_wide, "lines wider than COLUMNS=40:\n" + "\n".join(too_wide)
    if args[0] != "search":  # search snippets are deliberate excerpts
        assert "…" not in out


@pytest.mark.parametrize("columns", ["1", "5", "12", "20", "0", "-3", "abc"])
def test_absurd_widths_never_crash(columns, runner, cli_app, checks):
    for args in TABLE_COMMANDS:
        for colour in ({}, {"FORCE_COLOR": "1"}):
            result = runner.invoke(cli_app, args, env={"COLUMNS": columns, **colour})
            checks.sane(result, color=bool(colour))
            assert result.exit_code == 0, (args, checks.describe(result))


@pytest.mark.parametrize("args", TABLE_COMMANDS, ids=IDS)
def test_narrow_terminal_wraps_without_truncating(args, cbiic_exe, isolated_env):
    code, out, err = run_in_pty(cbiic_exe, isolated_env, *args, columns=40)
    assert code == 0 and err == ""
    visible = SGR.sub("", out)
    assert max(display_width(line) for line in visible.split("\n") if not holds_a_long_id(line)) <= 40
    if args[0] != "search":
        assert "…" not in visible, visible


def holds_a_long_id(line: str) -> bool:
    """A line may pass the width only to keep an id whole: ids are never broken, whatever the width."""
    return any(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", word.strip("(),.·")) and len(word) > 20 for word in line.split())


def test_narrow_terminal_keeps_every_speaker_of_a_theme(cbiic_exe, isolated_env):
    code, out, _ = run_in_pty(cbiic_exe, isolated_env, "themes", columns=40)
    assert code == 0
    visible = SGR.sub("", out)
    card = visible[visible.index("insurance\n") :].split("\n\n")[0]
    # insurance has three stated speakers in the shipped forum: all three survive the squeeze
    for slug in ("wang-rundong", "luo-dan", "zhang-yong"):
        assert slug in card, card


def test_piped_output_is_never_truncated(forum_doc, write_forum, run_cbiic, checks):
    long_word = "Ж" * 150
    forum_doc["people"][1]["name"] = f"Xue {long_word}"
    forum_doc["talks"][0]["title"] = f"Title {long_word}"
    forum_doc["themes"][0]["label"] = f"Label {long_word}"
    forum_doc["organisations"][0]["name"] = f"Org {long_word}"
    forum_doc["sessions"][0]["name"] = f"Session {long_word}"
    path = write_forum(forum_doc)
    expected = {"speakers": 1, "talk": 1, "themes": 1, "orgs": 2, "agenda": 2, "summary": 2}
    for args in (["speakers"], ["talk", "ma-jun-youth-talent"], ["themes"], ["orgs"], ["agenda"], ["summary"]):
        for columns in (None, "40"):
            env = {"COLUMNS": columns} if columns else {}
            result = run_cbiic("--data", str(path), *args, env=env)
            checks.sane(result)
            out = result.stdout.decode()
            assert "…" not in out, (args, columns)
            assert out.count("Ж") >= 150 * expected[args[0]], (args, columns, out)


def test_help_is_not_truncated_in_a_narrow_pipe(run_cbiic):
    for args in (["--help"], ["speakers", "--help"], ["search", "--help"]):
        result = run_cbiic(*args, env={"COLUMNS": "40"})
        assert result.returncode == 0
        assert "…" not in result.stdout.decode(), result.stdout.decode()


# -- standard input --------------------------------------------------------------------------------------


def test_forum_from_standard_input(forum_text, run_cbiic, checks):
    result = run_cbiic("--data", "-", "speakers", "--format", "json", input=forum_text.encode())
    checks.sane(result, "json")
    assert [p["slug"] for p in json.loads(result.stdout)][:2] == ["ma-jun-harbin", "xue-junli"]
    result = run_cbiic("validate", "-", input=forum_text.encode())
    assert result.returncode == 0 and result.stdout.startswith(b"<stdin>: valid")
    result = run_cbiic("agenda", input=forum_text.encode(), env={"CBIIC_DATA": "-"})
    assert result.returncode == 0 and b"Opening speech" in result.stdout


@pytest.mark.parametrize("data", [b"", b"\x00\x01\x02", b"- just\n- a list\n", b"a: [1\n", b"\xff\xfe\xfd"])
def test_bad_standard_input_is_one_clear_line(data, run_cbiic, checks):
    checks.one_clear_error(run_cbiic("--data", "-", "speakers", input=data), "<stdin>")


# -- pipes and signals --------------------------------------------------------------------------------------


@pytest.fixture
def big_forum(forum_doc, write_forum) -> Path:
    """A forum whose answers are far larger than a pipe buffer."""
    for number in range(3000):
        forum_doc["people"].append({"slug": f"extra-{number}", "name": f"Extra Person {number}", "source_paragraphs": [1]})
    return write_forum(forum_doc)


def test_head_one_ends_quietly(big_forum, cbiic_exe, isolated_env):
    for args in (["speakers"], ["speakers", "-f", "csv"], ["speakers", "-f", "json"], ["summary"]):
        command = f"{cbiic_exe} --data {big_forum} {' '.join(args)} --limit 0 | head -1"
        result = subprocess.run(check=False, args=["bash", "-c", command], capture_output=True, env=isolated_env, timeout=120)
        assert result.stderr == b"", result.stderr.decode()
        assert result.stdout.count(b"\n") == 1


@pytest.mark.parametrize(
    "args", [["speakers"], ["summary", "-f", "json"], ["validate"], ["schema"], ["--help"], ["--version"]], ids=lambda a: " ".join(a)
)
def test_closed_pipe_ends_quietly(args, cbiic_exe, isolated_env):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before cbiic writes a byte
    try:
        result = subprocess.run(
            check=False,
            args=[str(cbiic_exe), *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=isolated_env,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert result.stderr == b"", result.stderr.decode()
    # A reader that stops early is not a failure; Click's own --help output still exits 1.
    assert result.returncode == (1 if args == ["--help"] else 0)


def test_unencodable_output_is_escaped_not_a_crash(run_cbiic, forum_doc, write_forum):
    forum_doc["people"][3]["name"] = "郑利民"
    path = write_forum(forum_doc)
    result = run_cbiic("--data", str(path), "speakers", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr.decode()
    assert b"\\u90d1\\u5229\\u6c11" in result.stdout


@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv", "markdown"])
def test_a_file_format_is_utf8_whatever_the_terminal_encodes(run_cbiic, fmt, encoding):
    result = run_cbiic("agenda", "-f", fmt, env={"PYTHONIOENCODING": encoding, "LC_ALL": "C"})
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert "China’s Anti-tumor Drug Development" in text and "\\u2019" not in text


@pytest.mark.parametrize(("locale", "ascii_only"), [("C", True), ("POSIX", True), ("C.UTF-8", False), ("en_US.UTF-8", False)])
def test_a_plain_c_locale_gets_ascii_tables(run_cbiic, locale, ascii_only):
    env = {"LC_ALL": locale, "LANG": locale, "PYTHONIOENCODING": None}
    result = run_cbiic("agenda", env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert ("├──" not in result.stdout.decode("utf-8")) is ascii_only
    assert ("|-- Opening speech" in result.stdout.decode("utf-8")) is ascii_only


@pytest.mark.parametrize("locale", ["C", "POSIX"])
def test_lang_c_alone_gets_ascii_though_python_coerces_lc_ctype(run_cbiic, locale):
    result = run_cbiic("agenda", env={"LANG": locale, "LC_ALL": None, "LC_CTYPE": None, "PYTHONIOENCODING": None})
    assert result.stdout.decode("utf-8").splitlines()[1].startswith("|-- ")


def test_bidi_overrides_in_data_are_shown_as_escapes(run_cbiic, forum_doc, write_forum):
    forum_doc["people"][3]["name"] = "Zheng \u202eLimin"
    path = write_forum(forum_doc)
    for fmt in ("table", "csv", "markdown"):
        result = run_cbiic("--data", str(path), "speakers", "-f", fmt)
        assert "\u202e".encode() not in result.stdout
        assert b"\\u202eLimin" in result.stdout.replace(b"\\\\", b"\\")


def _blocked_in(pid: int, syscall: int) -> bool:
    try:
        with open(f"/proc/{pid}/syscall") as handle:
            return handle.read().split()[0] == str(syscall)
    except (OSError, IndexError):
        return False


READ_SYSCALL = {"x86_64": 0, "aarch64": 63}.get(platform.machine())
WRITE_SYSCALL = {"x86_64": 1, "aarch64": 64}.get(platform.machine())


def _wait_until_blocked(process: subprocess.Popen, syscall: int) -> None:
    if not os.path.exists(f"/proc/{process.pid}/syscall"):
        process.kill()
        pytest.skip("needs /proc/PID/syscall to know the process is waiting")
    deadline = time.monotonic() + 60  # a hang guard, not a timing assertion
    while not _blocked_in(process.pid, syscall):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("cbiic never blocked where the test expected")
        time.sleep(0.02)


@pytest.mark.skipif(READ_SYSCALL is None, reason="syscall numbers known for x86_64 and aarch64 only")
def test_ctrl_c_while_reading_stdin_ends_quietly(cbiic_exe, isolated_env):
    process = subprocess.Popen(
        [str(cbiic_exe), "--data", "-", "speakers"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=isolated_env
    )
    _wait_until_blocked(process, READ_SYSCALL)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert err == b"", err.decode()
    assert process.returncode in (130, -signal.SIGINT)


@pytest.mark.skipif(WRITE_SYSCALL is None, reason="syscall numbers known for x86_64 and aarch64 only")
def test_ctrl_c_while_writing_ends_quietly(big_forum, cbiic_exe, isolated_env):
    read_end, write_end = os.pipe()
    process = subprocess.Popen(
        [str(cbiic_exe), "--data", str(big_forum), "speakers", "--limit", "0"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=isolated_env,
    )
    os.close(write_end)
    try:
        os.read(read_end, 100)  # cbiic has started writing; the pipe is full soon after
        _wait_until_blocked(process, WRITE_SYSCALL)
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail("cbiic did not end after SIGINT while its output was blocked")
    finally:
        os.close(read_end)
    assert err == b"", err.decode()
    assert process.returncode in (130, -signal.SIGINT)


# -- the last line of defence ------------------------------------------------------------------------------

BOOM = """
import sys
import cbiic_cli.answers as answers
def boom(*args, **kwargs):
    raise RuntimeError("kaboom \\x1b[31m")
answers.speakers = boom
from cbiic_cli.cli import main
sys.argv = ["cbiic", "speakers"]
main()
"""


def test_unexpected_error_is_one_line_with_a_debug_hint(isolated_env):
    result = subprocess.run(check=False, args=[sys.executable, "-c", BOOM], capture_output=True, env=isolated_env, timeout=120)
    err = result.stderr.decode()
    assert result.returncode not in (0, 1)
    assert err.count("\n") == 1 and err.startswith("cbiic: "), err
    assert "CBIIC_DEBUG=1" in err and "kaboom" in err
    assert "Traceback" not in err and "\x1b" not in err


def test_debug_variable_shows_the_traceback(isolated_env):
    result = subprocess.run(
        check=False, args=[sys.executable, "-c", BOOM], capture_output=True, env={**isolated_env, "CBIIC_DEBUG": "1"}, timeout=120
    )
    assert result.returncode != 0
    assert b"Traceback" in result.stderr and b"RuntimeError" in result.stderr


# -- shell completion ----------------------------------------------------------------------------------------


def complete(run_cbiic, words: str, env: dict[str, str] | None = None) -> list[str]:
    parts = words.split(" ")
    result = run_cbiic(env={"_CBIIC_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1), **(env or {})})
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()
    return result.stdout.decode().split()


def test_completes_talk_refs_and_people(run_cbiic):
    found = complete(run_cbiic, "cbiic talk zh")
    assert {"zheng-limin", "zheng-limin-myeloid-cells", "zhang-yong", "zhang-yong-remark"} <= set(found)
    assert all(value.startswith("zh") for value in found)
    assert "feng-chen-research-hospitals" in complete(run_cbiic, "cbiic talk feng-chen-")
    assert {"opening-speech"} <= set(complete(run_cbiic, "cbiic talk op"))


def test_completes_the_panel_ref(run_cbiic):
    """`cbiic talk panel` is a valid ref (the whole panel), so completion should offer it."""
    assert {"panel", "panel-closing"} <= set(complete(run_cbiic, "cbiic talk pan"))


def test_completes_person_slugs_only_for_speaker(run_cbiic):
    assert complete(run_cbiic, "cbiic speaker ma") == ["ma-jun-harbin", "ma-jun-sysucc"]
    assert len(complete(run_cbiic, "cbiic speaker ")) == 10


def test_completes_theme_names(run_cbiic):
    assert set(complete(run_cbiic, "cbiic theme i")) == {"immunotherapy", "insurance", "investment"}
    assert set(complete(run_cbiic, "cbiic theme in")) == {"insurance", "investment"}
    assert set(complete(run_cbiic, "cbiic search --theme c")) == {"clinical-trials", "cell-gene-therapy", "china-focus"}
    assert len(complete(run_cbiic, "cbiic theme ")) == 14


def test_completion_reads_the_data_option_and_variable(forum_doc, write_forum, run_cbiic):
    forum_doc["people"].append({"slug": "zz-newcomer", "name": "New Comer", "source_paragraphs": [1]})
    forum_doc["themes"].append({"id": "zz-theme", "label": "Zed", "description": "A theme only this file has."})
    path = write_forum(forum_doc)
    assert complete(run_cbiic, f"cbiic --data {path} speaker zz") == ["zz-newcomer"]
    assert complete(run_cbiic, "cbiic theme zz", env={"CBIIC_DATA": str(path)}) == ["zz-theme"]


@pytest.mark.parametrize("content", [b"", b"\x00garbage", b"a: [1\n", b"!!python/object/apply:os.system ['true']\n"])
def test_completion_on_a_broken_forum_is_silent(content, write_forum, run_cbiic):
    path = write_forum(content)
    assert complete(run_cbiic, f"cbiic --data {path} talk ") == []
    assert complete(run_cbiic, f"cbiic --data {path}-missing speaker ") == []


def test_completion_reads_the_data_option_after_the_command(forum_doc, write_forum, run_cbiic):
    forum_doc["people"].append({"slug": "zz-newcomer", "name": "New Comer", "source_paragraphs": [1]})
    path = write_forum(forum_doc)
    assert complete(run_cbiic, f"cbiic speaker --data {path} zz") == ["zz-newcomer"]


@pytest.mark.parametrize(
    ("shell", "markers"),
    [
        ("bash", [b"_cbiic_completion()", b"complete -o default -F _cbiic_completion cbiic"]),
        ("zsh", [b"#compdef cbiic", b"compdef _cbiic_completion cbiic"]),
        ("fish", [b"complete --command cbiic", b"_CBIIC_COMPLETE=complete_fish"]),
    ],
)
def test_show_completion_emits_the_named_shells_script(shell, markers, run_cbiic):
    for args in (["--show-completion", shell], [f"--show-completion={shell}"]):
        result = run_cbiic(*args, env={"SHELL": "/bin/bash"})
        assert result.returncode == 0, result.stderr
        for marker in markers:
            assert marker in result.stdout, (shell, result.stdout[:200])


@pytest.mark.parametrize(
    ("shell", "path"), [("zsh", ".zfunc/_cbiic"), ("fish", ".config/fish/completions/cbiic.fish"), ("bash", ".bash_completions/cbiic.sh")]
)
def test_install_completion_for_a_named_shell(shell, path, run_cbiic, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = run_cbiic("--install-completion", shell, env={"HOME": str(home), "SHELL": "/bin/sh"})
    assert result.returncode == 0, result.stderr
    assert (home / path).is_file()


def test_completion_descriptions_carry_no_control_sequences(forum_doc, write_forum, run_cbiic):
    """OSC, CSI, C1 and bidi controls in names must not reach the shell's completion menu."""
    forum_doc["people"][0]["name"] = "Ma\x1b]8;;https://evil.example\x07 Jun\x1b[31m \x9b2J\u202eevil\u2066 \x85x"
    path = write_forum(forum_doc)
    result = run_cbiic(env={"_CBIIC_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"cbiic --data {path} speaker ma-jun-h"})
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "ma-jun-harbin" in out
    for control in ("\x1b", "\x07", "\x9b", "\x85", "\u202e", "\u2066"):
        assert control not in out


# -- a congress of several forums ------------------------------------------------------------------------------


def test_completion_in_a_congress_offers_qualified_ids_and_the_forums(tmp_path, run_cbiic):
    congress = make_congress(tmp_path / "congress")
    assert complete(run_cbiic, f"cbiic --data {congress} speaker second-forum/ma") == [
        "second-forum/ma-jun-harbin",
        "second-forum/ma-jun-sysucc",
    ]
    assert set(complete(run_cbiic, f"cbiic --data {congress} talk pan")) == set()  # a bare id is not a congress's reference
    assert set(complete(run_cbiic, f"cbiic --data {congress} theme in")) == {"insurance", "investment"}  # the congress's themes, once
    assert complete(run_cbiic, f"cbiic --data {congress} speakers --forum s") == ["second-forum"]


def test_a_congress_refusal_is_one_line_and_exit_1_and_a_closed_pipe_is_quiet(tmp_path, run_cbiic, cbiic_exe, isolated_env):
    congress = make_congress(tmp_path / "congress")
    refused = run_cbiic("--data", str(congress), "talk", "panel")
    assert refused.returncode == 1 and refused.stdout == b""
    assert refused.stderr.decode().count("\n") == 1 and "oncology-drugs/panel or second-forum/panel" in refused.stderr.decode()
    command = f"{cbiic_exe} --data {congress} speakers -n 0 | head -1"
    piped = subprocess.run(check=False, args=["bash", "-c", command], capture_output=True, env=isolated_env, timeout=120)
    assert piped.returncode == 0 and piped.stderr == b"" and piped.stdout.count(b"\n") == 1
