"""facts: the on-disk per-file cache of scan results.

Stage: facts.  Must not import libcst, networkx or later stages.

One entry per file, keyed by sha256 of (schema version, relative path, bytes):
a file shared by two releases is scanned once.  Each entry is sealed
(``tracer.envelope``): it names the file and key it was made from and carries a
checksum of its content, both checked on every read.  A tampered, truncated or
foreign entry (another file's copied over it) is a miss: counted, rebuilt,
never used.  The content is a ``marshal`` blob of plain tuples (fast to load).
Writes go to a temporary name and are renamed into place, so concurrent runs
never see half an entry.  A cache that cannot be written (read-only, full) is
said once and the run goes on uncached.
"""
from __future__ import annotations

import hashlib
import marshal
import sys
from collections import Counter
from pathlib import Path

from tracer.envelope import Mismatch, read_sealed, write_sealed
from tracer.facts.codec import decode, encode
from tracer.facts.model import SCHEMA_VERSION, ModuleFacts, ScanFailure

ENTRY_FORMAT = 2  # 2: sealed entries, old-grammar parse fallback
_TAG = f"facts-v{SCHEMA_VERSION}-e{ENTRY_FORMAT}-py{sys.version_info[0]}{sys.version_info[1]}"
KIND = "facts"


def content_key(relpath: str, data: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(f"{_TAG}\0{relpath}\0".encode())
    digest.update(data)
    return digest.hexdigest()


class FactCache:
    def __init__(self, root: Path) -> None:
        self.dir = root / _TAG
        self.rejected: Counter[str] = Counter()  # entries refused on read, by reason
        self.write_error: str | None = None  # the first failed write; later writes are not tried

    @property
    def corrupt(self) -> int:
        return sum(self.rejected.values())

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / key

    def get(self, key: str, relpath: str) -> ModuleFacts | ScanFailure | None:
        """The facts made from ``relpath`` with content ``key``, or ``None`` (absent or refused)."""
        try:
            payload = read_sealed(self._path(key), KIND, _made_from(key, relpath))
            if payload is None:
                return None
            facts = decode(marshal.loads(payload))
        except Mismatch as exc:
            self.rejected[exc.reason] += 1
            return None
        except OSError:  # there, but not readable (permissions, a directory in its place)
            self.rejected["unreadable"] += 1
            return None
        except Exception:  # sound but undecodable (another codec): rebuild
            self.rejected["undecodable"] += 1
            return None
        if facts.path != relpath:
            self.rejected["foreign"] += 1
            return None
        return facts

    def put(self, key: str, relpath: str, facts: ModuleFacts | ScanFailure) -> None:
        if self.write_error is not None:
            return
        try:
            write_sealed(self._path(key), KIND, _made_from(key, relpath), marshal.dumps(encode(facts)))
        except OSError as exc:
            self.write_error = f"cannot write the fact cache in {self.dir} ({exc.strerror or exc})"


def _made_from(key: str, relpath: str) -> str:
    return f"{relpath} {key}"
