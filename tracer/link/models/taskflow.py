"""link model: taskflow.  Flows built by ``linear_flow.Flow(...)`` and ``flow.add(Task(...), ...)``, engines
loaded over them, and the tasks an engine run executes in order.

Stage: link.  Must not import libcst or render.

    ("flow", fq)     a taskflow pattern built in function ``fq``
    ("flowadd", fq)  ``flow.add`` bound: it returns the flow (``Flow('x').add(A(), B())``)
    ("engine", fq)   a taskflow engine over the flow built in ``fq``; ``fq`` is ``("param", helper, i)``
                     when a helper loads the flow its caller passes (read again at each call of the helper),
                     ``("built", fq, i)`` when ``fq`` loads what its parameter ``i`` builds (``func(*args)``):
                     its run runs each caller's flow, followed only below that caller
    ("run", fq)      ``engine.run`` bound

Each ``<flow>.add(Task(...), ...)`` adds tasks in source order; whoever calls
``<engine>.run()`` (or ``taskflow.engines.run(flow)``) runs each task's
``execute``; when one fails, taskflow reverts those that ran, last first.  A flow
added to a flow (built in the same function, or returned by another: nested,
unordered and graph flows alike) brings its tasks in; one built in the same
function is the same value as its parent (flows are told apart by the function
that builds them), so its tasks count where its own ``add`` calls are: the
order is right when sub-flows are filled in the order they are nested.  Task
classes are the program's transitive subclasses of ``taskflow.task.Task``,
resolved through imports (several modules define classes with the same name).
"""
from __future__ import annotations

from typing import NamedTuple

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.records import Edge
from tracer.link.resolve import argument
from tracer.link.values import Values, ext_matches

FLOW_PATTERNS = ("linear_flow.Flow", "graph_flow.Flow", "unordered_flow.Flow")
ENGINE_LOADERS = ("taskflow.engines.load", "taskflow.engines.helpers.load")
ENGINE_RUNNERS = ("taskflow.engines.run", "taskflow.engines.helpers.run")
TASK_BASES = ("taskflow.task.Task",)


class FlowTask(NamedTuple):
    flow: str  # the function that builds the flow
    order: int
    task: str  # task class fq
    execute: str | None  # fq of the execute method (maybe inherited)
    added_at: int  # line of the flow.add(...) call
    revert: str | None = None  # fq of the revert method, when the program defines one


class Taskflow(Model):
    name = "taskflow"
    requires = ("stevedore",)
    kinds = ("flow", "flowadd", "engine", "run")
    settled = ("flow", "engine")
    specializes = ("engine",)
    calls = FLOW_PATTERNS + ENGINE_LOADERS + ENGINE_RUNNERS

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._tasks: dict[str, tuple[FlowTask, ...]] = {}

    # -- values --------------------------------------------------------------
    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if ext_matches(dotted, ENGINE_LOADERS):
            return self._engine(expr, scope)
        if ext_matches(dotted, FLOW_PATTERNS):
            return frozenset({("flow", scope)})
        return frozenset({("exti", dotted)})

    def _engine(self, expr: tuple, scope: str) -> Values:
        flow = dict((k, v) for k, v in expr[3] if k).get("flow", expr[2][0] if expr[2] else None)
        if flow is None:
            return frozenset({("engine", scope)})
        ref = self.r.parameter_ref(flow, scope)
        if ref is not None:  # a helper loading what its caller built
            return frozenset({("engine", ref)})
        built = self._built_by_parameter(flow, scope)
        if built is not None:  # a helper loading what its caller's builder builds
            return frozenset({("engine", built)})
        flows = {v[1] for v in self.r.eval(flow, scope) if v[0] == "flow"}
        return frozenset(("engine", f) for f in flows) if flows else frozenset({("engine", scope)})

    def specialize(self, v: tuple, callee: tuple, expr: tuple, scope: str) -> Values:
        ref = v[1]
        if not isinstance(ref, tuple) or ref[1] != callee[1]:
            return frozenset({v})
        arg = self.r.passed_for(ref, callee, expr)
        if arg is None:
            return EMPTY
        outer = self.r.parameter_ref(arg, scope)
        if outer is not None:
            return frozenset({("engine", outer)})
        built = self._built_by_parameter(arg, scope)
        if built is not None:
            return frozenset({("engine", built)})
        flows = {x[1] for x in self.r.eval(arg, scope) if x[0] == "flow"}
        return frozenset(("engine", f) for f in flows)

    def _built_by_parameter(self, arg: tuple, scope: str) -> tuple | None:
        """``("built", fq, position)`` when ``arg`` calls a parameter of ``scope`` (``run_flow(func, *args)``
        loads ``func(*args)``): the flow is the one each caller's builder returns, never all of them at once."""
        if arg[0] != "c":
            return None
        ref = self.r.parameter_ref(arg[1], scope)
        return ("built", ref[1], ref[2]) if ref is not None else None

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] == "flow" and attr == "add":
            return frozenset({("flowadd", v[1])})
        if v[0] != "engine":
            return EMPTY
        return frozenset({("run", v[1]) if attr == "run" else ("exti", f"taskflow.engine.{attr}")})

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        return frozenset({("flow", v[1])}) if v[0] == "flowadd" else EMPTY

    # -- edges ---------------------------------------------------------------
    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] == "run":
            if isinstance(v[1], tuple):
                return self._passed_flow_edges(fq, path, site, v[1]) if v[1][0] == "built" and v[1][1] == fq else []
            return self._flow_edges(fq, path, site, v[1])
        out: list[Edge] = []
        if v[0] == "ext" and ext_matches(v[1], ENGINE_RUNNERS) and site.args:
            for flow in sorted(x for x in self.r.eval(site.args[0], fq) if x[0] == "flow"):
                out.extend(self._flow_edges(fq, path, site, flow[1]))
        return out

    def _flow_edges(self, fq: str, path: str, site, flow_fn: str) -> list[Edge]:
        out = []
        tasks = self.tasks(flow_fn)
        for t in tasks:
            if t.execute:
                added = f"{self.p.functions[t.flow].path}:{t.added_at}"
                meta = (("added_at", added), ("flow", flow_fn), ("order", t.order), ("task", t.task))
                out.append(Edge(fq, t.execute, "flow-task", path, site.line, "exact", meta))
        # when a task fails, taskflow reverts the ones that ran, last first: an error path
        for t in reversed(tasks):
            if t.revert:
                added = f"{self.p.functions[t.flow].path}:{t.added_at}"
                meta = (("added_at", added), ("flow", flow_fn), ("on_error", True),
                        ("order", t.order), ("phase", "revert"), ("task", t.task))
                out.append(Edge(fq, t.revert, "flow-task", path, site.line, "exact", meta))
        return out

    def _passed_flow_edges(self, fq: str, path: str, site, ref: tuple) -> list[Edge]:
        """The run of a flow whose builder is a parameter: each builder's tasks, followed only below the
        callers that pass it (``passed_by``)."""
        param = self.p.functions[fq].facts.params[ref[2]]
        by_flow: dict[str, set[str]] = {}
        for caller, call, offset in self.r.callers(fq):
            passed = argument(call, param.name, ref[2] - offset)
            for builder in sorted(v[1] for v in self.r.eval(passed, caller) if v[0] in ("fn", "bound")) if passed else ():
                for flow in self._outermost(v[1] for v in self.r.returns(builder) if v[0] == "flow"):
                    by_flow.setdefault(flow, set()).add(caller)
        out = []
        for flow, callers in sorted(by_flow.items()):
            extra = (("passed_by", tuple(sorted(callers))), ("via", f"parameter {param.name}"))
            out += [e._replace(meta=tuple(sorted(e.meta + extra))) for e in self._flow_edges(fq, path, site, flow)]
        return out

    def _outermost(self, flows) -> list[str]:
        """The flows a builder hands out, without those nested in another of them (their tasks run there)."""
        flows = set(flows)
        nested = {t.flow for f in flows for t in self.tasks(f) if t.flow != f}
        return sorted(flows - nested)

    # -- flows ---------------------------------------------------------------
    def tasks(self, flow_fn: str) -> tuple[FlowTask, ...]:
        if flow_fn not in self._tasks:
            self._tasks[flow_fn] = ()  # a flow that adds itself (through a cycle of factories) adds nothing more
            self._tasks[flow_fn] = self._collect(flow_fn)
        return self._tasks[flow_fn]

    def _collect(self, fq: str) -> tuple[FlowTask, ...]:
        fn = self.p.functions.get(fq)
        if fn is None:
            return ()
        out: list[FlowTask] = []
        sites = sorted(fn.calls(), key=lambda s: (s.line, s.col))
        for site in sites:
            f = site.func
            if f[0] != "a" or f[2] != "add" or ("flow", fq) not in self.r.eval(f[1], fq):
                continue
            for arg in site.args:
                values = self.r.eval_before(arg[1] if arg[0] == "*" else arg, fq, site.line)  # add(*sub_flows())
                if ("flow", fq) in values:
                    continue  # a sub-flow built here: its own add calls brought its tasks in, in order
                subs = sorted(v[1] for v in values if v[0] == "flow" and v[1] != fq)
                inner = {t.task for sub in subs for t in self.tasks(sub)}  # a sub-flow's value holds its tasks too
                for task in self._task_classes(values):
                    if task in inner:
                        continue
                    execute = self.p.lookup_method(task, "execute")
                    revert = self.p.lookup_method(task, "revert")
                    out.append(FlowTask(fq, len(out) + 1, task, execute, site.line, revert))
                for sub in subs:
                    out += [t._replace(order=len(out) + i) for i, t in enumerate(self.tasks(sub), 1)]
        return tuple(out)

    def _task_classes(self, values: Values) -> list[str]:
        found = sorted(v[1] for v in values if v[0] == "inst")
        return [c for c in found if self.r.is_subclass(c, TASK_BASES)]

    def all_flows(self) -> list[str]:
        """Every function that builds a flow with at least one task."""
        out = []
        for fq, fn in sorted(self.p.functions.items()):
            if any(s.func[0] == "a" and s.func[2] == "add" for s in fn.calls()) and self.tasks(fq):
                out.append(fq)
        return out

    def builds_flow(self, fq: str) -> bool:
        """A flow's builder (the skeleton keeps it): it hands out an engine, a flow, or the tasks a flow
        adds (masakari's generator of the configured task plugins)."""
        values = self.r.returns(fq)
        if any(v[0] in ("engine", "flow") for v in values) or self._task_classes(values):
            return True
        loaded = self.model("stevedore").any_loaded(values)  # plugins chosen by the caller: what the group holds
        return bool(self._task_classes(loaded))
