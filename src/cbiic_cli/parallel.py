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
    process cannot fork)."""
    workers = min(cores(), MOST_WORKERS, len(sizes))
    plan = (
        shares(sizes, workers) if workers >= 2 and sum(sizes) >= WORTH_FORKING_BYTES and hasattr(os, "fork") else [list(range(len(sizes)))]
    )
    children: list[tuple[int, list[int], int]] = []
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
                    _serve(in_child, share, writer)
                finally:
                    os._exit(1)  # a child never returns into the parent's code, whatever happened
            os.close(writer)
            children.append((child, share, reader))
        for number in plan[0]:
            here(number)
        results: dict[int, bytes] = {}
        while children:
            child, share, reader = children.pop(0)
            results.update((number, result) for number, result in zip(share, _collect(child, reader, len(share))) if result is not None)
        for number in range(len(plan[0]), len(sizes)):
            try:
                if number not in results:
                    raise LookupError(number)
                received(number, results[number])
            except Exception:  # a child's result that does not add up: the parent does it
                here(number)
    finally:
        for child, _, reader in children:  # an error here: the children are not waited for
            _stop(child, reader)


def _stop(child: int, reader: int) -> None:
    import signal

    try:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    except OSError:
        pass
    os.close(reader)


def _serve(work: Callable[[int], bytes], share: list[int], writer: int) -> None:
    """The child: each result framed by its length (empty for one it could not do), written when all are done."""
    try:
        frames = []
        for number in share:
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
