"""Writing to standard output so that every byte is out or the failure is an error.

Python's buffered writer can drop the rest of a short write (a disk that fills
part-way through) and still exit 0; writing to the descriptor until every byte
is out turns a full disk into an OSError the caller reports.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any


def descriptor(stream: Any) -> int | None:
    """The file descriptor behind a real standard stream; None in-process (tests) or for a stand-in."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both an OSError and a ValueError
        return None


def write_all(target: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(target, view)
        if written <= 0:
            raise OSError(errno.EIO, "nothing could be written")
        view = view[written:]


def write_text(text: str, utf8: bool = False) -> None:
    """``text`` to standard output, whole, or an OSError: as UTF-8 for a file format, else in the stream's encoding.

    In-process (tests, a stand-in for a closed stream) there is no descriptor, and the stream writes it itself.
    """
    if descriptor(sys.stdout) is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    encoding = "utf-8" if utf8 else getattr(sys.stdout, "encoding", None) or "utf-8"
    write_bytes(text.encode(encoding, errors="backslashreplace"))


def write_bytes(data: bytes) -> None:
    """``data`` to standard output, whole, or an OSError (AttributeError for a stream without bytes)."""
    target = descriptor(sys.stdout)
    sys.stdout.flush()
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_all(target, data)
