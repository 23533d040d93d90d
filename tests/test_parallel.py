"""A congress's first answer parses its forums on every core (``parallel.share_out``): the same answer, and the same
error, as one process alone gives, whatever a child does."""

from __future__ import annotations

import os
import sys

import pytest
from support import REPO, invoke

from cbiic_cli import parallel

FORUMS = 6
QUESTIONS = [
    ["speakers", "--limit", "0", "-f", "json"],
    ["themes", "--limit", "0", "-f", "json"],
    # A search is ranked on every core too: a hit of each forum, the first few, a corrected query, one theme's hits.
    ["search", "immune", "-f", "json"],
    ["search", "immune", "--limit", "0", "-f", "csv"],
    ["search", "tumour", "therapy", "--limit", "3"],
    ["search", "immnue", "-f", "json"],
    ["search", "insurance", "--theme", "insurance", "-f", "jsonl"],
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_SOURCE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_forum

    directory = tmp_path_factory.mktemp("generated")
    for name, text in make_forum.make_congress(FORUMS, 180).items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def answers(directory, *extra):
    found = []
    for args in QUESTIONS:
        result = invoke("--data", str(directory), "--no-cache", *extra, *args)
        found.append((result.exit_code, result.stdout, result.stderr))
    return found


@pytest.fixture
def serial(generated, monkeypatch):
    """The answers of one process alone: the work is never worth a fork."""
    monkeypatch.setattr(parallel, "WORTH_FORKING_BYTES", float("inf"))
    found = answers(generated)
    monkeypatch.undo()
    return found


def forking(monkeypatch, workers: int = 3) -> list[list[int]]:
    """Every congress worth forking for, on ``workers`` cores; returns the shares each answer was split into."""
    monkeypatch.setattr(parallel, "WORTH_FORKING_BYTES", 0)
    monkeypatch.setattr(parallel, "cores", lambda: workers)
    planned: list[list[int]] = []
    real = parallel.shares

    def recording(sizes, count):
        planned.extend(found := real(sizes, count))
        return found

    monkeypatch.setattr(parallel, "shares", recording)
    return planned


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_forked_answers_are_one_process_answers(generated, serial, monkeypatch, workers):
    planned = forking(monkeypatch, workers)
    assert answers(generated) == serial
    assert len(planned) >= workers and all(planned)  # it did split, into shares of at least one forum each


def test_a_child_that_fails_leaves_its_share_to_the_parent(generated, serial, monkeypatch):
    forking(monkeypatch)
    monkeypatch.setattr(parallel, "_serve", lambda work, share, writer, parent: os._exit(1))
    assert answers(generated) == serial


def test_a_child_that_sends_too_little_leaves_its_share_to_the_parent(generated, serial, monkeypatch):
    forking(monkeypatch)
    real = parallel._serve

    def short(work, share, writer, parent):
        reader, inner = os.pipe()
        if os.fork() == 0:
            os.close(reader)
            real(work, share, inner, os.getppid())
        os.close(inner)
        with os.fdopen(reader, "rb") as stream:
            whole = stream.read()
        with os.fdopen(writer, "wb") as stream:
            stream.write(whole[:-1])
        os._exit(0)

    monkeypatch.setattr(parallel, "_serve", short)
    assert answers(generated) == serial


def test_a_result_the_parent_cannot_read_is_done_again_there(generated, serial, monkeypatch):
    forking(monkeypatch)
    real = parallel._serve
    monkeypatch.setattr(
        parallel, "_serve", lambda work, share, writer, parent: real(lambda number: work(number)[:-1], share, writer, parent)
    )
    assert answers(generated) == serial


def test_a_bad_forum_in_a_childs_share_gives_the_error_one_process_gives(generated, tmp_path, monkeypatch):
    directory = tmp_path / "broken"
    directory.mkdir()
    names = sorted(path.name for path in generated.iterdir())
    for name in names:
        (directory / name).write_bytes((generated / name).read_bytes())
    forums = [name for name in names if name != "congress.yaml"]
    for late in forums[-2:]:  # two bad files in the last share: the first of them is the one reported
        path = directory / late
        path.write_text(path.read_text(encoding="utf-8").replace("\npeople:\n", "\npeople: [\n", 1), encoding="utf-8")
    monkeypatch.setattr(parallel, "WORTH_FORKING_BYTES", float("inf"))
    alone = answers(directory)
    forking(monkeypatch)
    assert answers(directory) == alone
    assert all(code == 1 and forums[-2] in stderr and stderr.count("\n") == 1 for code, _, stderr in alone)


def test_the_shares_are_consecutive_runs_that_cover_every_item_once():
    sizes = [5, 1, 1, 1, 9, 2, 2, 2, 2, 3]
    for workers in range(1, 5):
        found = parallel.shares(sizes, workers)
        assert [number for share in found for number in share] == list(range(len(sizes)))
        assert len(found) == workers


@pytest.mark.parametrize("sizes", [[100, 1, 1], [1, 1, 1, 1, 1, 1, 1], [5], [3, 0, 0, 9]])
def test_every_item_is_done_once_and_the_parents_share_here(monkeypatch, sizes):
    """Shares of any shape, one left empty by a large item among them: each item comes back once, from a child or
    done here, and the parent does the first share itself."""
    monkeypatch.setattr(parallel, "WORTH_FORKING_BYTES", 0)
    monkeypatch.setattr(parallel, "cores", lambda: 3)
    done_here: list[int] = []
    received: dict[int, bytes] = {}
    parallel.share_out(sizes, lambda number: f"item {number} from {os.getpid()}".encode(), received.__setitem__, done_here.append)
    assert sorted(done_here + list(received)) == list(range(len(sizes)))
    assert done_here[:1] == [0] and all(str(os.getpid()) not in data.decode() for data in received.values())


def _in_session(session: int) -> list[int]:
    """The processes of a session (Linux's /proc), the one that leads it included."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session:  # after the name: state, ppid, pgrp, session
                found.append(int(entry))
    return found


def _children_of(parent: int) -> list[int]:
    return [
        pid for pid in _in_session(parent) if pid != parent and open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1] == str(parent)
    ]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc") or parallel.cores() < 2, reason="needs Linux's /proc and two cores")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_parent_stopped_while_its_children_parse_leaves_no_child(tmp_path, cbiic_exe, isolated_env, signal_name):
    """A real cold answer, forking (a congress of several MB): the signal goes to the parent alone, while its child
    parses; the parent dies of it, and takes its child with it."""
    import signal
    import subprocess
    import time

    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_forum

    directory = tmp_path / "big"
    directory.mkdir()
    for name, text in make_forum.make_congress(16, 8000).items():
        (directory / name).write_text(text, encoding="utf-8")
    assert sum(path.stat().st_size for path in directory.iterdir()) > 2 * parallel.WORTH_FORKING_BYTES
    time.sleep(2.5)  # settled
    process = subprocess.Popen(
        [str(cbiic_exe), "--data", str(directory), "forums"],
        env=isolated_env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not _children_of(process.pid) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    assert _children_of(process.pid), "it answered before a child was seen: make the congress larger"
    os.kill(process.pid, getattr(signal, signal_name))
    process.communicate(timeout=30)  # returns once nothing holds its output: no child does
    assert process.returncode == -getattr(signal, signal_name)
    time.sleep(0.2)
    assert _in_session(process.pid) == []
