"""Text from the data made safe to show: control characters become visible escapes.

Kept apart from the renderers so that messages (`cbiic: ...` on stderr) can use
it without loading a renderer or the model.
"""

import re

# C0 controls other than tab and newline, DEL and C1 controls: any of them could
# drive the terminal (ESC starts ANSI/OSC sequences, 0x9b is a one-byte CSI).
# Bidi embeddings, overrides, isolates and marks could make text display out of
# order; the line and paragraph separators would break a one-line message.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Show control characters from the data as visible escapes (``\\x1b``), never raw."""
    return CONTROL.sub(_visible_escape, text)


def _visible_escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# Characters JSON may carry raw but a reader should not meet raw: C1 controls (some terminals
# obey them), bidi controls (they reorder what a reader sees) and U+2028/U+2029 (line ends in
# JavaScript). Written as \u escapes, which every JSON reader decodes back to the same text.
JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_safe(text: str) -> str:
    """Encoded JSON with every JSON_UNSAFE character written as a \\u escape."""
    if text.isascii() and "\x7f" not in text:  # two scans in C: most JSON (ids, counts, English) has none to escape
        return text
    return JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
