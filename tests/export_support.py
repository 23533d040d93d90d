"""Helpers for the export tests: run the installed cbiic, probe imports, drive headless Chromium, read PNGs."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CBIIC = Path(sys.executable).parent / "cbiic"


def run_cbiic(*args: str, cache: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The installed `cbiic` as a user runs it, with its cache under the test's own directory."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CBIIC_")}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run(
        [str(CBIIC), *args], check=False, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL
    )


def export_once(tmp_path_factory, fmt: str, filename: str, *options: str) -> Path:
    """`cbiic export FMT DIR/FILENAME OPTIONS...` on the shipped forum, into a fresh directory; it must succeed silently."""
    where = tmp_path_factory.mktemp(f"{fmt}-export")
    target = where / filename
    result = run_cbiic("export", fmt, str(target), *[option.format(dir=where) for option in options], cache=where / "cache")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    return target


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exit 1 and said why in one line on stderr, without a traceback."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cbiic: "), result.stderr
    return lines[0]


# -- what a command imports ------------------------------------------------------

_PROBE = """
import json, sys
from typer.testing import CliRunner
before = set(sys.modules)
from cbiic_cli.cli import app
result = CliRunner().invoke(app, json.loads(sys.argv[1]), catch_exceptions=False)
assert result.exit_code == 0, result.output
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def imported_by(args: list[str], cache: Path, cwd: Path) -> set[str]:
    """Top-level modules that running `cbiic ARGS` in-process imports beyond the CLI's own start-up."""
    env = {"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], capture_output=True, text=True, env=env, cwd=cwd, check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


# -- headless Chromium -------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium_or_skip() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        message = "needs Debian's Chromium for the browser tests: run `apt-get install -y chromium` (as root), as .ci/run does"
        if os.environ.get("CI"):
            pytest.fail(message)  # .ci/run installs it: in CI a skip would hide a broken install
        pytest.skip(message)
    return found


def chromium(args: list[str], url: str, *, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once on ``url`` with a fresh, throw-away profile."""
    browser = chromium_or_skip()
    with tempfile.TemporaryDirectory(prefix="cbiic-chromium-") as profile:
        return subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=True,
        )


def dump_dom(page: Path) -> str:
    """The DOM after the page's scripts ran, serialised by the browser."""
    return chromium(["--dump-dom"], page.resolve().as_uri()).stdout


def screenshot(page: Path, out: Path, *, width: int = 1280, height: int = 1800) -> Path:
    chromium([f"--window-size={width},{height}", f"--screenshot={out}"], page.resolve().as_uri())
    return out


# -- PNG, decoded with zlib alone ---------------------------------------------------


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of raw pixel bytes) of an 8-bit RGB or RGBA PNG, filters undone."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                nearest = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + nearest) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def distinct_colours(path: Path, *, step: int = 4) -> int:
    """How many different colours a sample of every ``step``-th pixel on every ``step``-th row holds."""
    width, _, rows = png_pixels(path)
    channels = len(rows[0]) // width
    seen = set()
    for row in rows[::step]:
        for x in range(0, width, step):
            seen.add(row[x * channels : x * channels + 3])
    return len(seen)
