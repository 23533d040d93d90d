"""A cache of validated forums, so a query never pays twice for YAML parsing and validation.

Entries live in ``$XDG_CACHE_HOME/cbiic`` (default ``~/.cache/cbiic``), named by a
hash of the file's bytes, this package's version and the schema source. A hit
is trusted only if its own checksum matches; anything else (missing, truncated,
corrupt, written by another version, unreadable or unwritable directory) falls
back to a fresh load, silently. A cache can make cbiic faster, never wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from . import __version__

try:  # blake2b without loading OpenSSL: `import hashlib` alone costs a couple of milliseconds at start-up
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b as _blake2b

MAGIC = b"cbiic-cache-1\n"
DIGEST_BYTES = 32
KEEP_ENTRIES = 16
NO_CACHE_VARIABLE = "CBIIC_NO_CACHE"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cbiic"


def disabled_by_environment() -> bool:
    return os.environ.get(NO_CACHE_VARIABLE, "") not in ("", "0")


def _schema_fingerprint() -> bytes:
    """Changes whenever the types change, even without a version bump (a developer's checkout)."""
    model_source = Path(__file__).with_name("model.py")
    try:
        return model_source.read_bytes()
    except OSError:
        return b""


def entry_path(data: bytes) -> Path:
    import msgspec

    digest = _blake2b(digest_size=DIGEST_BYTES)
    for part in (__version__.encode(), msgspec.__version__.encode(), _schema_fingerprint(), data):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return cache_dir() / f"{digest.hexdigest()}.msgpack"


def read(path: Path) -> Any | None:
    """The cached Forum at ``path``, or None if there is no trustworthy entry."""
    import msgspec

    from .model import Forum

    try:
        blob = path.read_bytes()
    except OSError:
        return None
    header = len(MAGIC) + DIGEST_BYTES
    if len(blob) < header or not blob.startswith(MAGIC):
        return None
    payload = blob[header:]
    if _blake2b(payload, digest_size=DIGEST_BYTES).digest() != blob[len(MAGIC) : header]:
        return None
    try:
        return msgspec.msgpack.decode(payload, type=Forum)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError):
        return None


def write(path: Path, forum: Any) -> None:
    """Store ``forum`` atomically; any failure just means no cache this time."""
    import tempfile

    import msgspec

    payload = msgspec.msgpack.encode(forum)
    blob = MAGIC + _blake2b(payload, digest_size=DIGEST_BYTES).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".msgpack")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(path.parent)
    except OSError:
        pass


def _prune(directory: Path) -> None:
    """Keep the cache small: only the most recently written entries survive."""
    entries = sorted(directory.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_ENTRIES:]:
        try:
            old.unlink()
        except OSError:
            pass
