#!/usr/bin/env python3
"""Regenerate docs/report.png, the README's picture of `cbiic export html`, with headless Chromium.

    python docs/make_screenshot.py            # needs the installed cbiic and Debian's chromium

It exports the shipped forum to a temporary HTML file and photographs its top
(the forum at a glance and the theme map) with the same browser and flags the
tests use (tests/export_support.py).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from export_support import CBIIC, screenshot

OUT = HERE / "report.png"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="cbiic-screenshot-") as work:
        report = Path(work) / "report.html"
        subprocess.run([str(CBIIC), "export", "html", str(report)], check=True, env={"XDG_CACHE_HOME": work, "PATH": "/usr/bin:/bin"})
        screenshot(report, OUT, width=1280, height=1100)
    print(f"wrote {OUT.relative_to(HERE.parent)} ({OUT.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
