"""link: resolve many functions at once, half of them in a process forked from the linked program.

Stage: link.  Must not import libcst or render.

Linking every function (``tracer index``, ``tracer export``) is independent per function once the program
index is built, apart from the memo: an answer that met a cycle is not memoised, but a few answers around a
cycle still depend on which queries came first (on Stein, 2 of ~30,000 functions differ in an ``Unresolved``
record between the sorted and the reverse order; no edge differs).  So the split is fixed, whatever the
machine: the functions sorted by name, in two halves.  The first half is resolved here, in order, as one
process would; the second in a child forked before either started (it inherits the index and what was
memoised, copy on write), its answers handed back pickled through a file.  The same input gives the same
answers on any number of cores.  A child that fails is not trusted: its half is resolved here.  Without
``os.fork``, or for fewer than ``2 * MIN_HALF`` functions, everything is resolved here, in order.
"""
from __future__ import annotations

import os
import pickle
import tempfile
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from tracer.link.edges import Linker

MIN_HALF = 2000  # fewer functions than this in each half are not worth a fork


def resolve_all(linker: Linker, fqs: Iterable[str], min_half: int = MIN_HALF) -> None:
    """Fill ``linker``'s answers for every function of ``fqs`` (of the program)."""
    todo = sorted(fq for fq in set(fqs) if fq in linker.p.functions and fq not in linker._cache)
    if len(todo) < 2 * max(1, min_half) or not hasattr(os, "fork"):
        for fq in todo:
            linker.resolve(fq)
        return
    first, second = todo[:len(todo) // 2], todo[len(todo) // 2:]
    with tempfile.TemporaryDirectory(prefix="tracer-link-") as tmp:
        path = os.path.join(tmp, "answers.pickle")
        pid = os.fork()
        if pid == 0:  # the child: answer the second half, hand the answers back, leave without cleanup
            code = 1
            try:
                _answer(linker, second, path)
                code = 0
            finally:
                os._exit(code)
        for fq in first:
            linker.resolve(fq)
        _, status = os.waitpid(pid, 0)
        got = _read(path) if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else None
    if got is None:  # the child failed: its half is resolved here
        for fq in second:
            linker.resolve(fq)
        return
    answers, external = got
    for fq, answer in answers.items():
        linker._cache.setdefault(fq, answer)
    linker.external_calls += external


def _answer(linker: Linker, run: list[str], path: str) -> None:
    external = linker.external_calls
    answers = {fq: linker.resolve(fq) for fq in run}
    with open(path, "wb") as fh:
        pickle.dump((answers, linker.external_calls - external), fh, protocol=pickle.HIGHEST_PROTOCOL)


def _read(path: str):
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None
