"""effects: where summaries come from: the linked-program cache, else the live analysis.

Stage: effects.  The live analysis (and with it the linker and the facts) loads only when the cache
lacks a function's summary; what it computes is saved as a new segment beside the linked program's
answers (``linked-v1/<key>/effects-*``), under the same key (the tool's code, the fact schema, every
input file), so it is never read for other inputs or by another version of the tool.  Concurrent runs
each add their own segment; past ``MAX_SEGMENTS`` one run merges them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from tracer.effects.compose import Composer
from tracer.effects.summary import EMPTY, Summary, decode, encode

if TYPE_CHECKING:
    from tracer.effects.analysis import Analysis
    from tracer.facts.store import BlobStore
    from tracer.link.edges import Linker

MAX_SEGMENTS = 8
_DRIVER = "driver:"  # key prefix of the options that name a configured driver class


class Summaries:
    def __init__(self, linker: Callable[[], Linker], store: BlobStore | None, key: str,
                 known: Callable[[str], bool] | None = None) -> None:
        self._linker = linker
        self._store = store
        self._key = key
        self._known = known or (lambda fq: True)
        self._blobs: dict[str, bytes] = {}
        self._decoded: dict[str, object] = {}
        self._analysis: Analysis | None = None
        self.fresh: dict[str, bytes] = {}
        self._segments: list[str] = []
        if store is not None:
            self._load()

    def _load(self) -> None:
        self._segments = self._store.list(f"{self._key}/effects-")
        for name in self._segments:
            self._blobs.update(self._store.get_entries(name, self._key))

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            from tracer.effects.analysis import Analysis

            self._analysis = Analysis(self._linker())
        return self._analysis

    # -- answers -------------------------------------------------------------------
    def summary(self, fq: str) -> Summary:
        hit = self._decoded.get(fq)
        if hit is None:
            blob = self._blobs.get(fq)
            if blob is None:
                hit = self.analysis.summary(fq) if self._known(fq) else EMPTY
                self.fresh[fq] = self._blobs[fq] = encode(hit)
            else:
                hit = self._safe_decode(fq, blob)
            self._decoded[fq] = hit
        return hit

    def driver_option(self, cls: str) -> tuple:
        key = _DRIVER + cls
        hit = self._decoded.get(key)
        if hit is None:
            blob = self._blobs.get(key)
            if blob is not None:
                hit = self._safe_decode(key, blob).own
            else:
                hit = self.analysis.driver_option(cls)
                self.fresh[key] = self._blobs[key] = encode(Summary(hit, (), False))
            self._decoded[key] = hit
        return hit

    def _safe_decode(self, fq: str, blob: bytes) -> Summary:
        try:
            return decode(blob)
        except (ValueError, TypeError, EOFError):  # a bad entry is recomputed, never trusted
            if self._store is not None:
                self._store.rejected += 1
            fresh = self.analysis.summary(fq) if not fq.startswith(_DRIVER) else Summary(
                self.analysis.driver_option(fq[len(_DRIVER):]), (), False)
            self.fresh[fq] = encode(fresh)
            return fresh

    def view(self, errors: bool = False, pick=None, chosen=None, any_config: bool = False) -> Composer:
        return Composer(self.summary, self.driver_option, errors, pick, chosen, any_config)

    # -- saving ------------------------------------------------------------------------
    def save(self) -> None:
        if self._store is None or not self.fresh:
            return
        fresh = dict(sorted(self.fresh.items()))
        if len(self._segments) < MAX_SEGMENTS:
            self._store.put_new(f"{self._key}/effects-", self._key, fresh)
        else:
            merged = dict(sorted(self._blobs.items()))
            written = self._store.put_new(f"{self._key}/effects-", self._key, merged)
            for name in self._segments:  # another run may be reading them: a vanished segment is a miss
                if name != written:  # (the merged segment may be one already there, byte for byte)
                    self._store.remove(name)
        self._segments = self._store.list(f"{self._key}/effects-")
        self.fresh = {}
