"""graph: resolve every function of the program and make its query answer, on two processes when it pays.

Stage: graph.  ``tracer index`` links every function once, to keep the answers for later queries.  That
is one long single-threaded pass, and the machine's second core sits idle while it runs.  With two cores
and a large program, a forked child links the second half of the functions (sorted by name, cut where
each half has about as many call sites) and hands back what it made; the parent links the first half
meanwhile.

The two halves start from the same linker state: the one left after the linker was built.  An answer
does not depend on the order in which the interpreter is asked (``tracer.link.memo``), so the halves
give what one pass would.  If the child fails or cannot be started, the parent links its half too.
Must not import libcst or render.
"""
from __future__ import annotations

import os
import pickle
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracer.graph.index import LiveIndex

MIN_FUNCTIONS = 4000  # below this, starting a process costs about what it saves


def answer_all(index: LiveIndex, functions) -> None:
    """Make ``index``'s answer (and the linker's resolution) of every function in ``functions``."""
    names = sorted(functions)
    if not _can_fork(len(names)):
        _answer(index, names)
        return
    half = _middle(index, names)
    mine, theirs = names[:half], names[half:]
    child = _start(index, theirs)
    _answer(index, mine)
    got = _collect(child)
    if got is None:
        _answer(index, theirs)
    else:
        index.adopt(got)


def _middle(index: LiveIndex, names: list[str]) -> int:
    """Where to cut ``names`` so that both halves have about as many call sites (the work is in them)."""
    functions = index.l.p.functions
    weights = [1 + sum(1 for _ in functions[fq].calls()) for fq in names]
    half, total = 0, sum(weights) / 2
    for i, weight in enumerate(weights):
        half += weight
        if half >= total:
            return i + 1
    return len(names)


def _answer(index: LiveIndex, names: list[str]) -> None:
    for fq in names:
        index.answer(fq)


def _can_fork(count: int) -> bool:
    if count < MIN_FUNCTIONS or not hasattr(os, "fork") or os.environ.get("TRACER_LINK_WORKERS") == "1":
        return False
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return len(cores) >= 2


def _start(index: LiveIndex, names: list[str]) -> tuple[int, int] | None:
    """Fork a child that answers ``names`` and writes what it made to a pipe: (pid, read end)."""
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid:
        os.close(write)
        return pid, read
    code = 1
    try:  # the child: never returns into the caller
        os.close(read)
        since = index.l.counts()
        _answer(index, names)
        made = index.handover(names, since)
        with os.fdopen(write, "wb") as out:
            pickle.dump(made, out, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _collect(child: tuple[int, int] | None) -> tuple | None:
    """What the child made, or None when it failed."""
    if child is None:
        return None
    pid, read = child
    try:
        with os.fdopen(read, "rb") as got:
            made = pickle.load(got)
    except (EOFError, OSError, pickle.UnpicklingError):
        made = None
    _, status = os.waitpid(pid, 0)
    return made if os.waitstatus_to_exitcode(status) == 0 else None
