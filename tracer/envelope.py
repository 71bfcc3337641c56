"""envelope: sealed cache entries, saying what they were made from, with a checksum of their content.

No stage of its own: every cache (the source trees' manifests, the per-file facts, and any later
cache such as a linked program) writes its entries through ``seal``/``write_sealed`` and reads them
through ``unseal``/``read_sealed``.  Imports nothing from tracer, so any stage may use it.

An entry is one header line and the payload::

    tracer-sealed/1 <kind>\\0<made from>\\0<payload size>\\0<sha256 of payload>\\n<payload>

Reading checks all four: an entry of another kind or made from something else (a foreign entry
copied over this one), shorter or longer than it says (truncated), or whose payload does not hash
to its checksum (tampered) is refused with the reason, and the caller treats it as a miss.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

MAGIC = b"tracer-sealed/1 "
_SEP = b"\0"


class Mismatch(Exception):
    """A sealed entry that must not be trusted; ``reason`` is one word, ``str()`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def digest(data: bytes) -> str:
    """The checksum every envelope and manifest uses (sha256, hex)."""
    return hashlib.sha256(data).hexdigest()


def seal(kind: str, made_from: str, payload: bytes) -> bytes:
    """The entry for ``payload``: ``kind`` names the cache, ``made_from`` the input it was made from."""
    fields = (kind.encode(), made_from.encode(), str(len(payload)).encode(), digest(payload).encode())
    if any(_SEP in f or b"\n" in f for f in fields):
        raise ValueError("kind and made_from must not hold NUL or newline")
    return MAGIC + _SEP.join(fields) + b"\n" + payload


def unseal(blob: bytes, kind: str, made_from: str) -> bytes:
    """The payload of ``blob`` if it is a sound ``kind`` entry made from ``made_from``; else ``Mismatch``."""
    head, newline, payload = blob.partition(b"\n")
    if not head.startswith(MAGIC) or not newline:
        raise Mismatch("format", "not a sealed entry")
    parts = head[len(MAGIC):].split(_SEP)
    if len(parts) != 4:
        raise Mismatch("format", "malformed header")
    their_kind, their_source, size, checksum = (p.decode("utf-8", "replace") for p in parts)
    if (their_kind, their_source) != (kind, made_from):
        raise Mismatch("foreign", f"made from {their_source!r} ({their_kind}), wanted {made_from!r}")
    if not size.isdigit() or int(size) != len(payload):
        raise Mismatch("truncated", f"{len(payload)} bytes, header says {size}")
    if digest(payload) != checksum:
        raise Mismatch("tampered", "content does not match its checksum")
    return payload


def write_sealed(path: Path, kind: str, made_from: str, payload: bytes) -> None:
    """Write the entry under a temporary name and rename it into place: readers never see half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(seal(kind, made_from, payload))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_sealed(path: Path, kind: str, made_from: str) -> bytes | None:
    """The payload at ``path``; ``None`` if there is no entry; ``Mismatch`` if there is a bad one."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    return unseal(blob, kind, made_from)
