"""What every export shares: the contributions in report order, and safe file writing."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import CbiicError

# The four kinds of contribution. The panel's closing words belong to the panel:
# they are never a peer of the opening speech.
OPENING = "opening"
TALK = "talk"
PANEL_REMARK = "panel-remark"
PANEL_CLOSING = "panel-closing"
KINDS = (OPENING, TALK, PANEL_REMARK, PANEL_CLOSING)

GENERATOR = "cbiic"


class ExportError(CbiicError):
    """An export that cannot be written: one line for the user, exit code 1."""


class Contribution(NamedTuple):
    """Something someone said, with its kind and, for panel items, the panel it belongs to."""

    kind: str
    item: Any  # model.Speech | model.Talk | model.Remark
    panel_id: str | None


def contributions(forum: Any) -> Iterator[Contribution]:
    """Every contribution in the order the article reports them (the article gives no running order)."""
    if forum.opening is not None:
        yield Contribution(OPENING, forum.opening, None)
    for talk in forum.talks:
        yield Contribution(TALK, talk, None)
    panel = forum.panel
    if panel is not None:
        for remark in panel.remarks:
            yield Contribution(PANEL_REMARK, remark, panel.id)
        if panel.closing is not None:
            yield Contribution(PANEL_CLOSING, panel.closing, panel.id)


def generator_version() -> str:
    from .. import __version__

    return f"{GENERATOR} {__version__}"


# -- writing files ---------------------------------------------------------------

def write_atomically(path: str, write: Callable[[Path], None], *, is_ours: Callable[[Path], bool], force: bool, what: str) -> None:
    """Write ``path`` through ``write(temporary_path)``, then rename it into place in one step.

    Readers see the old file or the new one, never half of either. An existing
    file that ``is_ours`` does not recognise is refused unless ``force``: an
    export must not overwrite someone's document because of a typo.
    """
    check_target(path, is_ours=is_ours, force=force, what=what)
    target = Path(path)
    temporary = _create_beside(target)
    try:
        write(temporary)
        os.replace(temporary, target)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        temporary.unlink(missing_ok=True)


def check_target(path: str, *, is_ours: Callable[[Path], bool], force: bool, what: str) -> None:
    """Refuse a directory, and an existing file that is not ours unless ``force``."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"cannot write {target}: it is a directory; give a file name")
    if target.exists() and not force and not is_ours(target):
        raise ExportError(f"{target} exists and is not {what} written by cbiic; pass --force to overwrite it")


def _create_beside(target: Path) -> Path:
    """An empty, new file in the target's directory (so the final rename stays on one file system)."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        # Mode 0o666 less the umask, as the finished file should be; O_EXCL: never reuse someone's file.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileNotFoundError:
        raise ExportError(f"cannot write {target}: no such directory {target.parent}") from None
    except OSError as error:
        raise ExportError(f"cannot write {target}: {error.strerror or error}") from None
    return temporary


def head_contains(path: Path, marker: bytes, *, within: int = 4096) -> bool:
    """Whether the file's first ``within`` bytes contain ``marker`` (unreadable files: no)."""
    try:
        with path.open("rb") as handle:
            return marker in handle.read(within)
    except OSError:
        return False
