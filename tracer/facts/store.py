"""facts: a directory of checked blobs, for caches beside the per-file facts (the linked-program cache).

Stage: facts.  Must not import libcst, networkx or later stages.

Every blob is written whole under a temporary name and renamed into place, and
is sealed (``tracer.envelope``, as the fact entries and tree manifests are): it
names the key it was made for and carries the sha256 of its payload.  A blob
whose envelope does not check out (truncated, tampered, copied from another
entry) is a miss: counted in ``rejected`` and rebuilt by the caller, never
trusted.
"""
from __future__ import annotations

import hashlib
import marshal
from pathlib import Path

from tracer.envelope import Mismatch, unseal, write_sealed

KIND = "linked-blob"


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.rejected = 0  # blobs that did not check out
        self.unwritable: str | None = None  # why the last write failed, if it did

    def _path(self, name: str) -> Path:
        return self.root / name

    def get(self, name: str, key: str) -> bytes | None:
        try:
            raw = self._path(name).read_bytes()
        except OSError:
            return None
        try:
            return unseal(raw, KIND, key)
        except Mismatch:
            self.rejected += 1
            return None

    def put(self, name: str, key: str, payload: bytes) -> bool:
        """Write atomically; a full or read-only disk is noted, not fatal (the cache is an optimisation)."""
        path = self._path(name)
        try:
            write_sealed(path, KIND, key, payload)
        except OSError as exc:
            self.unwritable = f"{path.parent}: {exc.strerror or exc}"
            return False
        return True

    def put_new(self, prefix: str, key: str, entries: dict[str, bytes]) -> str | None:
        """A segment of encoded ``entries`` under a name made from them (``prefix`` + a digest of the sorted
        entries, not of marshal's bytes, which depend on object identity): two runs that save the same
        segment (the first runs after a change, side by side) write one file, not two that every later run
        reads.  The name written, or None when the disk refused."""
        ordered = dict(sorted(entries.items()))
        digest = hashlib.sha256()
        for name, blob in ordered.items():
            digest.update(name.encode() + b"\0" + len(blob).to_bytes(8, "big") + blob)
        name = f"{prefix}{digest.hexdigest()[:32]}"
        return name if self.put(name, key, marshal.dumps(ordered)) else None

    def get_entries(self, name: str, key: str) -> dict[str, bytes]:
        """The entries of a segment ``put_new`` wrote; none when it is missing or does not decode (counted)."""
        part = self.get(name, key)
        try:
            return marshal.loads(part) if part is not None else {}
        except (ValueError, TypeError, EOFError):
            self.rejected += 1
            return {}

    def list(self, prefix: str) -> list[str]:
        folder, _, start = prefix.rpartition("/")
        try:
            names = sorted(p.name for p in self._path(folder).iterdir() if p.name.startswith(start))
        except OSError:
            return []
        return [f"{folder}/{n}" if folder else n for n in names]

    def remove(self, name: str) -> None:
        try:
            self._path(name).unlink()
        except OSError:
            pass
