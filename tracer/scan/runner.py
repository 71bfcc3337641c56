"""scan: scan many files, reusing the fact cache and a process pool for misses.

Stage: scan.  Must not import networkx or later stages.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from tracer.facts.cache import FactCache, content_key
from tracer.facts.model import ModuleFacts, ScanFailure

Progress = Callable[[int, int], None]


@dataclass
class ScanReport:
    modules: list[ModuleFacts] = field(default_factory=list)
    failures: list[ScanFailure] = field(default_factory=list)
    scanned: int = 0
    cached: int = 0
    corrupt: int = 0

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(f.reason for f in self.failures).items()))


def _scan_one(job: tuple[str, bytes]) -> ModuleFacts | ScanFailure:
    from tracer.scan.collect import scan_source  # libcst loads only when a file must be parsed

    relpath, data = job
    try:
        return scan_source(relpath, data)
    except Exception as exc:  # one bad file never stops a run
        return ScanFailure(relpath, "internal", f"{type(exc).__name__}: {exc}"[:200])


def _init_worker() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))


def scan_files(
    files: Iterable[tuple[str, Path]],
    cache: FactCache,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Scan (relpath, path) pairs; results come back in the input order."""
    report = ScanReport()
    results: list[ModuleFacts | ScanFailure | None] = []
    misses: list[tuple[int, str, str, bytes]] = []
    for relpath, path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            results.append(ScanFailure(relpath, "io", str(exc)))
            continue
        key = content_key(relpath, data)
        hit = cache.get(key)
        if hit is not None:
            report.cached += 1
        else:
            misses.append((len(results), key, relpath, data))
        results.append(hit)
    report.corrupt = cache.corrupt
    total = len(misses)
    for done, (index, key, facts) in enumerate(_run(misses, workers), 1):
        cache.put(key, facts)
        results[index] = facts
        report.scanned += 1
        if progress:
            progress(done, total)
    for facts in results:
        if isinstance(facts, ScanFailure):
            report.failures.append(facts)
        elif facts is not None:
            report.modules.append(facts)
    return report


def _run(misses: list, workers: int | None):
    if not misses:
        return
    jobs = [(relpath, data) for _, _, relpath, data in misses]
    count = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if count <= 1 or len(jobs) < 8:
        _init_worker()
        for (index, key, _, _), job in zip(misses, jobs):
            yield index, key, _scan_one(job)
        return
    # Big files first so the pool does not end waiting on one straggler.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))
    with ProcessPoolExecutor(max_workers=count, initializer=_init_worker) as pool:
        for i, facts in zip(order, pool.map(_scan_one, [jobs[i] for i in order], chunksize=4)):
            yield misses[i][0], misses[i][1], facts
