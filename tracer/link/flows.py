"""link: taskflow flows, from ``get_flow`` builders to ordered ``Task.execute``.

Stage: link.  Must not import libcst or render.

A function that calls ``linear_flow.Flow(...)`` builds a flow; each
``<flow>.add(Task(...), ...)`` adds tasks in source order; the function that
returns ``taskflow.engines.load(flow)`` hands out an engine, and whoever calls
``<engine>.run()`` runs the tasks.  Task classes are the program's transitive
subclasses of ``taskflow.task.Task``, resolved through imports (several
modules define classes with the same name).
"""
from __future__ import annotations

from dataclasses import dataclass

from tracer.link.resolve import Resolver
from tracer.link.values import TASK_BASES


@dataclass(frozen=True, slots=True)
class FlowTask:
    flow: str  # the function that builds the flow
    order: int
    task: str  # task class fq
    execute: str | None  # fq of the execute method (maybe inherited)
    added_at: int  # line of the flow.add(...) call
    revert: str | None = None  # fq of the revert method, when the program defines one


class Flows:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self._tasks: dict[str, tuple[FlowTask, ...]] = {}

    def tasks(self, flow_fn: str) -> tuple[FlowTask, ...]:
        if flow_fn not in self._tasks:
            self._tasks[flow_fn] = self._collect(flow_fn)
        return self._tasks[flow_fn]

    def _collect(self, fq: str) -> tuple[FlowTask, ...]:
        fn = self.r.p.functions.get(fq)
        if fn is None:
            return ()
        out: list[FlowTask] = []
        sites = sorted(fn.calls(), key=lambda s: (s.line, s.col))
        for site in sites:
            f = site.func
            if f[0] != "a" or f[2] != "add" or ("flow", fq) not in self.r.eval(f[1], fq):
                continue
            for arg in site.args:
                for task in self._task_classes(arg, fq):
                    execute = self.r.p.lookup_method(task, "execute")
                    revert = self.r.p.lookup_method(task, "revert")
                    out.append(FlowTask(fq, len(out) + 1, task, execute, site.line, revert))
        return tuple(out)

    def _task_classes(self, arg: tuple, scope: str) -> list[str]:
        found = sorted(v[1] for v in self.r.eval(arg, scope) if v[0] == "inst")
        return [c for c in found if self.r.is_subclass(c, TASK_BASES)]

    def all_flows(self) -> list[str]:
        """Every function that builds a flow with at least one task."""
        out = []
        for fq, fn in sorted(self.r.p.functions.items()):
            if any(s.func[0] == "a" and s.func[2] == "add" for s in fn.calls()) and self.tasks(fq):
                out.append(fq)
        return out
