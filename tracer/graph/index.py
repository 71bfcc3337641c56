"""graph: what a trace reads of the linked program, behind one small interface.

Stage: graph.  ``LiveIndex`` answers from a live linker (and records what it
answered, for the linked-program cache); ``tracer.graph.snapshot`` answers the
same questions from the cache.  The tracer reads only this interface, so a warm
query needs neither the facts nor the linker.  Must not import libcst or render.

Every answer is a function of the linked program alone, never of the query's
options: that is what makes it safe to keep between runs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple, Protocol

from tracer.link.drivers import named_driver
from tracer.link.models.oslo_db import opens_transaction
from tracer.link.records import Edge
from tracer.link.uses import result_uses

if TYPE_CHECKING:
    from tracer.link.edges import Linker


class FunctionInfo(NamedTuple):
    """A node of the program: where it is defined and what it belongs to."""

    project: str
    module: str
    path: str
    line: int
    cls: str | None
    inherited_from: str | None
    transaction: bool  # decorated ``@<enginefacade context>.reader`` / ``.writer``: opens a database transaction


class Answer(NamedTuple):
    """What the tracer needs to know of one function, resolved once."""

    edges: tuple  # tuple[Edge], as the linker made them
    guards: tuple  # the guard of each edge's call site, aligned with ``edges``
    engine: bool  # it builds a taskflow flow: returns its engine, the flow, or its tasks (the linker says)
    uses: tuple = ()  # per edge, the lines of the calls (0: the return) that go on with its call's result


class QueryIndex(Protocol):
    def answer(self, fq: str) -> Answer: ...
    def function(self, fq: str) -> FunctionInfo | None: ...
    def is_database(self, fq: str) -> bool: ...
    def lookup_method(self, cls: str, name: str) -> str | None: ...
    def named_driver(self, configured: str, needle: str) -> str | None: ...
    def service_of(self, fq: str) -> str: ...


NO_ANSWER = Answer((), (), False)


class LiveIndex:
    """The answers of a live linker, memoised; ``fresh`` holds those computed in this run."""

    def __init__(self, linker: Linker, service_of: Callable[[str], str]) -> None:
        self.l = linker
        self._service_of = service_of
        self._answers: dict[str, Answer] = {}
        self._named: dict[tuple[str, str], str | None] = {}
        self.fresh: dict[str, Answer] = {}

    def answer(self, fq: str) -> Answer:
        hit = self._answers.get(fq)
        if hit is None:
            hit = self._answers[fq] = self.fresh[fq] = self._compute(fq)
        return hit

    def _compute(self, fq: str) -> Answer:
        if fq not in self.l.p.functions:  # an external REST target: nothing inside
            return NO_ANSWER
        edges = self.l.edges(fq)
        uses = result_uses(self.l.p.functions[fq], {e.line for e in edges if e.kind == "call"}, {e.line for e in edges})
        return Answer(edges, self._guards(fq, edges), self._engine(fq), tuple(uses.get(e.line, ()) for e in edges))

    def handover(self, names: list[str], since: tuple[int, frozenset]) -> tuple:
        """The answers of ``names`` made here and the linker's part (``Linker.handover``), for ``adopt``."""
        return {fq: self._answers[fq] for fq in names if fq in self._answers}, self.l.handover(names, since)

    def adopt(self, made: tuple) -> None:
        """Take what another process's ``handover`` gave, as answers of this run (saved with the rest)."""
        answers, linked = made
        for fq, answer in answers.items():
            if fq not in self._answers:
                self._answers[fq] = self.fresh[fq] = answer
        self.l.adopt(linked)

    def function(self, fq: str) -> FunctionInfo | None:
        fn = self.l.p.functions.get(fq)
        if fn is None:
            return None
        transaction = opens_transaction(self.l.p, fq)
        return FunctionInfo(fn.project, fn.module, fn.path, fn.line, fn.cls, fn.inherited_from, transaction)

    def is_database(self, fq: str) -> bool:
        """A module an oslo.db backend proxy stands for (those seen so far), or an enginefacade function."""
        if fq.rsplit(".", 1)[0] in self.l.r.backend_modules:
            return True
        info = self.function(fq)
        return info is not None and info.transaction

    def lookup_method(self, cls: str, name: str) -> str | None:
        return self.l.p.lookup_method(cls, name)

    def named_driver(self, configured: str, needle: str) -> str | None:
        key = (configured, needle)
        if key not in self._named:
            self._named[key] = named_driver(self.l.p, configured, needle)
        return self._named[key]

    def service_of(self, fq: str) -> str:
        return self._service_of(fq)

    # -- how each answer is made -------------------------------------------
    def _guards(self, fq: str, edges: tuple[Edge, ...]) -> tuple[tuple, ...]:
        """The branches each edge's call site runs under (the site on that line that names the callee,
        else the first one there)."""
        fn = self.l.p.functions.get(fq)
        if fn is None or not edges:
            return tuple(() for _ in edges)
        by_line: dict[int, list] = {}
        for site in fn.calls():
            by_line.setdefault(site.line, []).append(site)
        return tuple(_guard(by_line.get(e.line, ()), e.target.rsplit(".", 1)[-1]) for e in edges)

    def _engine(self, fq: str) -> bool:
        return self.l.builds_flow(fq)


def _guard(sites, name: str) -> tuple:
    found = None
    for site in sites:
        func = site.func
        if (func[0] == "a" and func[2] == name) or (func[0] == "n" and func[1] == name):
            return site.guard
        found = site.guard if found is None else found
    return found or ()
