"""The cbiic process: its standard streams and terminal, its one-line messages, and the exit code of every failure.

Free of Typer, so the fast path (``fast.py``) and the Typer app (``cli.py``)
share one set of promises: stdout carries only data and is written whole or
the failure is exit 4, stderr gets one clean line per message, a reader that
leaves early is success, and an unexpected error is one line with exit 3.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from typing import Any

from . import output
from .errors import InputOutputError

DEBUG_VARIABLE = "CBIIC_DEBUG"
COMPLETION_VARIABLE = "_CBIIC_COMPLETE"
EXIT_INTERNAL_ERROR = 3
# Widths beyond these are someone's mistake (COLUMNS=1000000000 would lay out a billion-cell line).
NARROWEST, WIDEST = 20, 1000
# Characters the table layout draws; a terminal that cannot encode them gets ASCII instead.
TYPOGRAPHY = "─│├└•·…“”’—●"
MESSAGE_LINE_AT_MOST = 1000
# OS errors that say the environment failed (a full or failing device, a closed
# stream), as opposed to a bug in cbiic: they exit with InputOutputError's code.
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.ENXIO}


def say(message: str) -> None:
    """One line on stderr, as every cbiic message is."""
    sys.stderr.write(f"cbiic: {printable(message)}\n")


def fail(message: str, code: int) -> None:
    say(message)
    raise SystemExit(code)


def printable(text: str) -> str:
    """One line, safe for a terminal: control characters and line breaks from the data become visible escapes."""
    from .escape import clean

    return clean(text).replace("\r", "\\r").replace("\n", "\\n")


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def write(text: str, utf8: bool = False) -> None:
    """``text`` to stdout, whole; a reader that left is success (exit 0), any other failure exit 4."""
    try:
        output.write_text(text, utf8=utf8)
    except BrokenPipeError:
        # The reader (`head`, a pager) has all it wants: that is success, not an error.
        silence_stdout()
        raise SystemExit(0) from None
    except OSError as error:
        # A full disk, a closed stdout, a device error: the environment's failure, not a bug.
        silence_stdout()
        fail(f"cannot write the output: {reason(error)}", InputOutputError.exit_code)


def silence_stdout() -> None:
    """After stdout failed (a closed pipe, a full disk), point it at /dev/null so the final flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a closed stream has no descriptor, and nothing to flush
        pass


# -- the terminal ------------------------------------------------------------


def terminal() -> tuple[bool, int, bool]:
    """(colour?, width, ascii-only?) for table output: colour only on a terminal, NO_COLOR and FORCE_COLOR respected."""
    if os.environ.get("NO_COLOR"):
        color = False
    elif os.environ.get("FORCE_COLOR"):
        color = True
    else:
        color = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    width = 100
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isascii() and columns.isdigit() and int(columns[:7]) > 0:  # '²' is a digit to Python, not a width
        width = int(columns[:7]) if len(columns) <= 7 else WIDEST
    elif sys.stdout.isatty():
        import shutil

        width = shutil.get_terminal_size().columns
    return color, min(max(width, NARROWEST), WIDEST), plain_c_locale() or not can_encode(TYPOGRAPHY)


def plain_c_locale() -> bool:
    """LANG=C or LC_ALL=POSIX: the terminal promised ASCII, though Python's UTF-8 mode makes stdout encode anything."""
    if os.environ.get("PYTHONIOENCODING"):
        return False  # an explicit encoding is tested by encoding
    plain = ("C", "POSIX")
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(name)
        # Python itself sets LC_CTYPE=C.UTF-8 when the locale is C (PEP 538): that is not the user's choice.
        if name == "LC_CTYPE" and value == "C.UTF-8" and os.environ.get("LANG", "C") in plain:
            continue
        if value:
            return value in plain
    return False


def can_encode(text: str) -> bool:
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# -- the whole run -----------------------------------------------------------

# Work that can wait until the answer is out (building a query store): done in a child process after the
# command, so the user is not kept waiting; None while not running as cbiic's own process (tests), when it is done at once.
_deferred: list[Callable[[], None]] | None = None


def deferring() -> bool:
    """Whether work handed to ``after_answering`` waits for the answer (and runs where nobody waits for it)."""
    return _deferred is not None


def after_answering(work: Callable[[], None]) -> None:
    if _deferred is None:
        work()
    else:
        _deferred.append(work)


def _do_deferred_work() -> None:
    """Run the deferred work in a child of its own, which outlives this process; without fork, here and now."""
    work = _deferred or []
    if not work:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        child = os.fork()
    except (AttributeError, OSError):  # no fork (Windows) or no room for a process: do it in the foreground
        for item in work:
            item()
        return
    if child:
        return
    try:  # the child: holds no terminal or pipe a reader is waiting on, and never returns into the command line
        os.setsid()
        try:  # the lowest priority: a query started meanwhile must not wait behind the build for a core
            os.nice(19)
        except OSError:
            pass
        devnull = os.open(os.devnull, os.O_RDWR)
        for descriptor in (0, 1, 2):
            os.dup2(devnull, descriptor)
        for item in work:
            item()
    finally:
        os._exit(0)


def guarded(run: Callable[[], Any]) -> None:
    """Run the command line: an unexpected error is one line, never a traceback (unless CBIIC_DEBUG=1)."""
    global _deferred
    _deferred = []
    try:
        _guarded(run)
    finally:
        _do_deferred_work()


def _guarded(run: Callable[[], Any]) -> None:
    import gc

    # A short-lived process over an acyclic model: the cyclic collector would only
    # rescan a large forum over and over (a third of a query's time at 50k talks).
    gc.disable()
    _stand_in_for_closed_streams()
    # A terminal or pipe that cannot encode some character gets an escape, not a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    sys.stderr = _MessageLines(sys.stderr)
    try:
        run()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # Click's own output (help, usage) to a reader that left
        silence_stdout()
        sys.exit(0)
    except OSError as error:
        if error.errno not in ENVIRONMENT_ERRNOS or os.environ.get(DEBUG_VARIABLE):
            raise
        silence_stdout()
        say(f"input or output error: {reason(error)}")
        sys.exit(InputOutputError.exit_code)
    except MemoryError:
        say("ran out of memory; the input is too large for this machine (lower CBIIC_MAX_BYTES, or check the file)")
        sys.exit(1)
    except Exception as error:  # the last line of defence: users never see a traceback
        if os.environ.get(DEBUG_VARIABLE):
            raise
        if os.environ.get(COMPLETION_VARIABLE):
            sys.exit(1)  # a shell asking for completions gets nothing, never a message in the middle of its prompt
        say(f"internal error: {type(error).__name__}: {error} (rerun with {DEBUG_VARIABLE}=1 for the full traceback, and please report it)")
        sys.exit(EXIT_INTERNAL_ERROR)


class _ClosedStream(io.TextIOBase):
    """Stands in for a standard stream the process was started without (`>&-`): any write is an EBADF error."""

    def __init__(self, name: str) -> None:
        self.stream_name = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, f"standard {self.stream_name} is closed")

    def fileno(self) -> int:
        raise io.UnsupportedOperation(f"standard {self.stream_name} is closed")

    def isatty(self) -> bool:
        return False


def _stand_in_for_closed_streams() -> None:
    """Python sets sys.stdout or sys.stderr to None when started with it closed; make writing to it a clear error.

    stdout gets a stream whose writes fail with EBADF, which ``write`` and ``guarded``
    report as an output error (exit 4); a closed stderr silently drops messages,
    since there is nowhere to say anything, and the exit code still tells.
    """
    if sys.stdout is None:
        sys.stdout = _ClosedStream("output")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")


class _MessageLines(io.TextIOBase):
    """Standard error as cbiic promises it: no control character reaches the terminal and no line is unbounded.

    cbiic's own messages are already clean and short; this also holds for what Click
    writes (a usage error quoting a 70 KB option value, or a line separator, say).
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from .escape import clean

        lines = []
        for line in text.split("\n"):
            line = clean(line).replace("\r", "\\r")
            if len(line) > MESSAGE_LINE_AT_MOST:
                line = line[:MESSAGE_LINE_AT_MOST] + f"… ({len(line) - MESSAGE_LINE_AT_MOST:,} more characters)"
            lines.append(line)
        try:
            self.stream.write("\n".join(lines))
        except OSError:
            self._give_up()
        return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError:
            self._give_up()

    def _give_up(self) -> None:
        # A standard error that cannot be written (2>/dev/full): the message is lost, but the exit
        # code must still be the one the run earned, not an error about the error.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())
        except (OSError, ValueError):
            pass
        self.stream = open(os.devnull, "w", encoding="utf-8")

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()
