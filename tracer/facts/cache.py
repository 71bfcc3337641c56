"""facts: the on-disk per-file cache of scan results.

Stage: facts.  Must not import libcst, networkx or later stages.

One entry per file, keyed by sha256 of (schema version, relative path, bytes):
a file shared by two releases is scanned once.  Entries are ``marshal`` blobs of
plain tuples (fast to load, native tuples); a corrupt or foreign entry is
treated as a miss and rewritten.  Writes go to a temporary name and are renamed
into place, so concurrent runs never see half an entry.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

from tracer.facts.model import SCHEMA_VERSION, ModuleFacts, ScanFailure
from tracer.facts.codec import decode, encode

_TAG = f"facts-v{SCHEMA_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}"


def content_key(relpath: str, data: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_TAG}\0{relpath}\0".encode())
    digest.update(data)
    return digest.hexdigest()


class FactCache:
    def __init__(self, root: Path) -> None:
        self.dir = root / _TAG
        self.corrupt = 0

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key

    def get(self, key: str) -> ModuleFacts | ScanFailure | None:
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        try:
            return decode(marshal.loads(blob))
        except Exception:  # truncated, tampered, or from another format: rebuild
            self.corrupt += 1
            return None

    def put(self, key: str, facts: ModuleFacts | ScanFailure) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(marshal.dumps(encode(facts)))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
