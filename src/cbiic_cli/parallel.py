"""Work shared with child processes, one per spare core: a congress's first answer parses (and searches) its forums on
every core.

A child is a fork, so it needs nothing passed to it but a number; it sends its
results back as bytes through a pipe and leaves with ``os._exit``, running no
clean-up of the parent's. Whatever a child does not give back (it failed, was
killed, or said something that does not add up) the parent does itself, so an
error is always raised in the parent, as the serial path would raise it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# Below this much work a fork costs more than it saves.
WORTH_FORKING_BYTES = 2_000_000
# Processes at most, the parent among them: more would each hold too little.
MOST_WORKERS = 4


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def file_size(path: str) -> int:
    """How much work a forum file is: its size, or none if it cannot be read (then the parent reads it, and says why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def shares(sizes: list[int], workers: int) -> list[list[int]]:
    """The items (by number) each worker takes, the first share the parent's: consecutive runs of about equal size."""
    total = sum(sizes)
    found: list[list[int]] = [[] for _ in range(workers)]
    done = 0
    for number, size in enumerate(sizes):
        found[min(done * workers // max(total, 1), workers - 1)].append(number)
        done += size
    return found


def share_out(
    sizes: list[int], in_child: Callable[[int], bytes], received: Callable[[int, bytes], None], here: Callable[[int], None]
) -> None:
    """Each item ``n`` (``sizes``: how much work each is) done once: a share by each of up to ``MOST_WORKERS - 1``
    children, one per spare core (``in_child(n)``, its result sent back as bytes and taken by ``received(n, data)``),
    the first share here (``here(n)``), meanwhile. ``here(n)`` does every item a child did not give back, or gave
    back as something ``received`` could not take, in order (and every item, when the work is too small or the
    process cannot fork). No child outlives this call: stopped by an error or by SIGTERM or SIGHUP, the parent
    kills its children first (and then dies of the signal, as it would have)."""
    workers = min(cores(), MOST_WORKERS, len(sizes))
    plan = (
        shares(sizes, workers) if workers >= 2 and sum(sizes) >= WORTH_FORKING_BYTES and hasattr(os, "fork") else [list(range(len(sizes)))]
    )
    if len(plan) == 1:
        for number in plan[0]:
            here(number)
        return
    children: list[tuple[int, list[int], int]] = []
    parent = os.getpid()
    previous = _on_stop_signals()
    stopped_by: int | None = None
    try:
        for share in plan[1:]:
            if not share:  # one large item took more than its share
                continue
            try:
                reader, writer = os.pipe()
                child = os.fork()
            except OSError:  # no room for another process: the parent does this share
                break
            if child == 0:
                try:
                    os.close(reader)
                    _as_a_child(parent)
                    _serve(in_child, share, writer, parent)
                finally:
                    os._exit(1)  # a child never returns into the parent's code, whatever happened
            os.close(writer)
            children.append((child, share, reader))
        for number in plan[0]:
            here(number)
        results: dict[int, bytes] = {}
        while children:
            child, share, reader = children[0]
            results.update((number, result) for number, result in zip(share, _collect(child, reader, len(share))) if result is not None)
            children.pop(0)
        for number in range(len(plan[0]), len(sizes)):
            try:
                if number not in results:
                    raise LookupError(number)
                received(number, results[number])
            except Exception:  # a child's result that does not add up: the parent does it
                here(number)
    except _Stopped as stopped:
        stopped_by = stopped.signal
    finally:
        for child, _, reader in children:  # stopped on the way: the children are not waited for
            _stop(child, reader)
        _restore(previous)
    if stopped_by is not None:
        os.kill(os.getpid(), stopped_by)  # its own handler back in place: the process ends as the signal asked


def computed(sizes: list[int], compute: Callable[[int], T], encode: Callable[[T], bytes], decode: Callable[[int, bytes], T]) -> list[T]:
    """``compute(n)`` of each item, in order, shared out (``share_out``): a child sends ``encode(result)`` back, and the
    parent makes it ``decode(n, data)``; an item a child did not give back, or gave back undecodable, is computed here."""
    found: dict[int, T] = {}

    def here(number: int) -> None:
        found[number] = compute(number)

    def received(number: int, data: bytes) -> None:
        found[number] = decode(number, data)

    share_out(sizes, lambda number: encode(compute(number)), received, here)
    return [found[number] for number in range(len(sizes))]


class _Stopped(BaseException):
    """SIGTERM or SIGHUP while children work: raised where the parent is, so that it stops them before it goes."""

    def __init__(self, signal: int) -> None:
        self.signal = signal


def _raise_stopped(signal: int, frame: object) -> None:
    raise _Stopped(signal)


def _on_stop_signals() -> dict[int, object]:
    """SIGTERM and SIGHUP raise ``_Stopped`` from here on; their handlers before (none, off the main thread)."""
    import signal

    previous: dict[int, object] = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        try:
            previous[number] = signal.signal(number, _raise_stopped)
        except (ValueError, OSError):  # not the main thread: a signal is left as it was
            pass
    return previous


def _restore(previous: dict[int, object]) -> None:
    import signal

    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]  # what signal.signal gave back


def _as_a_child(parent: int) -> None:
    """A child holds none of the parent's streams (a reader of its output waits for no child), and dies with it: on
    Linux the kernel kills it when the parent goes; elsewhere it sees so between items (``_serve``)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(devnull, descriptor)
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, ImportError):  # not Linux
        pass
    if os.getppid() != parent:  # the parent went before the kernel was told
        os._exit(1)


def _stop(child: int, reader: int) -> None:
    import signal

    try:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    except OSError:
        pass
    try:
        os.close(reader)
    except OSError:  # closed already, by a read the stop interrupted
        pass


def _serve(work: Callable[[int], bytes], share: list[int], writer: int, parent: int) -> None:
    """The child: each result framed by its length (empty for one it could not do), written when all are done; it
    stops when its parent is gone."""
    try:
        frames = []
        for number in share:
            if os.getppid() != parent:
                os._exit(1)
            try:
                result = work(number)
            except BaseException:  # the parent does it again, and reports what goes wrong
                result = b""
            frames.append(len(result).to_bytes(8, "big") + result)
        with os.fdopen(writer, "wb") as stream:
            stream.write(b"".join(frames))
    finally:
        os._exit(0)


def _collect(child: int, reader: int, count: int) -> list[bytes | None]:
    """A child's ``count`` results, or None for each it did not give back whole."""
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    found: list[bytes | None] = []
    position = 0
    while position + 8 <= len(data) and len(found) < count:
        size = int.from_bytes(data[position : position + 8], "big")
        result = data[position + 8 : position + 8 + size]
        if len(result) != size:
            break
        found.append(result or None)
        position += 8 + size
    if status != 0 or position != len(data) or len(found) != count:
        return [None] * count
    return found
