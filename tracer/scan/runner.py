"""scan: scan many files, reusing the fact cache and a process pool for misses.

Stage: scan.  Must not import networkx or later stages.

A file larger than ``MAX_FILE_BYTES`` is skipped (reason ``too-large``) before it
is read: libcst needs some 600 bytes of memory per source byte, so one generated
20 MB module would take the machine.  Pool workers die with the process that
started them (a parent-death signal, and a watchdog thread where there is none):
a killed run leaves no worker behind.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from tracer.facts.cache import FactCache, content_key
from tracer.facts.model import ModuleFacts, ScanFailure

Progress = Callable[[int, int], None]
MAX_FILE_BYTES = 2_000_000  # nova's largest file is 0.45 MB; TRACER_MAX_FILE_BYTES overrides
_PR_SET_PDEATHSIG = 1


@dataclass
class ScanReport:
    modules: list[ModuleFacts] = field(default_factory=list)
    failures: list[ScanFailure] = field(default_factory=list)
    scanned: int = 0
    cached: int = 0
    corrupt: int = 0
    corrupt_by_reason: dict[str, int] = field(default_factory=dict)  # tampered, truncated, foreign, format...
    cache_error: str | None = None  # the fact cache could not be written: this run was not cached

    def skipped_by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(f.reason for f in self.failures).items()))


def _scan_one(job: tuple[str, bytes]) -> ModuleFacts | ScanFailure:
    from tracer.scan.collect import scan_source  # libcst loads only when a file must be parsed

    relpath, data = job
    # The collector paused for the file, then run once on what it left: a parse makes hundreds of thousands
    # of young objects, and the automatic collections re-walking them cost a fifth of the scan; the few
    # cycles a file leaves are freed by that one collection.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return scan_source(relpath, data)
    except Exception as exc:  # one bad file never stops a run
        return ScanFailure(relpath, "internal", f"{type(exc).__name__}: {exc}"[:200])
    finally:
        gc.collect(0)
        if enabled:
            gc.enable()


def _init_worker() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))


def _init_pool_worker(parent: int) -> None:
    _init_worker()
    _die_with(parent)


def _die_with(parent: int) -> None:
    """End this worker when ``parent`` ends, however it ends (SIGKILL included)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def max_file_bytes() -> int:
    configured = os.environ.get("TRACER_MAX_FILE_BYTES", "")
    return int(configured) if configured.isdigit() else MAX_FILE_BYTES


def _read(relpath: str, path: Path, cap: int) -> bytes | ScanFailure:
    """The file's bytes, or why it is skipped (unreadable, a symlink loop, too large)."""
    try:
        size = path.stat().st_size
        if size > cap:
            return ScanFailure(relpath, "too-large", f"{size} bytes, over the {cap}-byte cap (TRACER_MAX_FILE_BYTES)")
        return path.read_bytes()
    except OSError as exc:
        return ScanFailure(relpath, "io", exc.strerror or str(exc))


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
    cap = max_file_bytes()
    for relpath, path in files:
        data = _read(relpath, path, cap)
        if isinstance(data, ScanFailure):
            results.append(data)
            continue
        key = content_key(relpath, data)
        hit = cache.get(key, relpath)
        if hit is not None:
            report.cached += 1
        else:
            misses.append((len(results), key, relpath, data))
        results.append(hit)
    report.corrupt = cache.corrupt
    report.corrupt_by_reason = dict(sorted(cache.rejected.items()))
    total = len(misses)
    for done, (index, key, facts) in enumerate(_run(misses, workers), 1):
        cache.put(key, facts.path, facts)
        results[index] = facts
        report.scanned += 1
        if progress:
            progress(done, total)
    report.cache_error = cache.write_error
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
        # In this process: the deeper limit parsing needs, for the parse only (the linker's answers
        # depend on the limit it runs under, so a run with a few misses must link like one with none).
        limit = sys.getrecursionlimit()
        _init_worker()
        try:
            for (index, key, _, _), job in zip(misses, jobs):
                yield index, key, _scan_one(job)
        finally:
            sys.setrecursionlimit(limit)
        return
    # Big files first so the pool does not end waiting on one straggler.
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))
    with ProcessPoolExecutor(max_workers=count, initializer=_init_pool_worker, initargs=(os.getpid(),)) as pool:
        for i, facts in zip(order, pool.map(_scan_one, [jobs[i] for i in order], chunksize=4)):
            yield misses[i][0], misses[i][1], facts
