"""link: resolve each call site of a function into evidence-carrying edges.

Stage: link.  Must not import libcst or render.

Edge kinds: ``call`` (in-process), ``rpc-cast`` / ``rpc-call`` (oslo.messaging,
keyed on the method *literal*, the client's topic and namespace),
``flow-task`` (an engine run reaches each task's ``execute`` in order),
``driver`` (a call on a driver loaded from configuration; ``confidence`` is
``configured`` for the configured class and ``candidate`` for other
implementations; a call of an abstract method makes ``candidate`` edges to the
overrides in the receiver's subclasses), ``rest`` (an HTTP request, sent directly or through a client
library, that a route of another indexed project answers: the edge goes to
that route's controller method).  A call is never linked by its method name alone: the
receiver must evaluate to something; otherwise the site is ``Unresolved``
with a reason.

The linker knows Python's calls (functions, bound methods, classes, callbacks);
every other edge is made by the library model that owns the callee's value
(``tracer.link.models``).
"""
from __future__ import annotations

from tracer.link.access import Properties
from tracer.link.drivers import implementations, is_abstract
from tracer.link.exprs import render
from tracer.link.models.base import Model
from tracer.link.models.all import MODELS
from tracer.link.program import Program, build_program
from tracer.link.records import Edge, Unresolved
from tracer.link.branches import Branches
from tracer.link.resolve import Resolver, last_name
from tracer.link.values import ext_matches
from tracer.link.routes import Routes

__all__ = ["Edge", "Linker", "Unresolved", "build_index"]

_EXTERNAL = ("ext", "exti", "str", "cfg")  # library code or data: not a call of the program
MAX_PASSED = 8  # functions a callable parameter may stand for before it is left unresolved


def build_index(modules, entry_points=None, client_projects=(), models=MODELS) -> Program:
    """The frozen program index of ``(project, ModuleFacts)`` pairs; bases are read by an interpreter
    over the symbols alone (``tracer.link.program`` says the order)."""
    keywords = {k for m in models for k in m.reads_keywords}
    return build_program(modules, entry_points, client_projects, lambda flat: Resolver(flat, models).read_bases(),
                         keywords)


class Linker:
    def __init__(self, program: Program, models: tuple[type[Model], ...] = MODELS) -> None:
        self.p = program
        self.r = Resolver(program, models)
        self.models = self.r.models
        self.rpc = self.models["oslo_messaging"]
        self.rpc.services  # the servers first: later answers are the same whatever the order, so is the cost
        self.flows = self.models["taskflow"]
        self._rewriters = [m for m in self.models if type(m).rewrite is not Model.rewrite]
        self._call_watchers = [m for m in self.models if m.sees_calls]
        self._cache: dict[str, tuple[tuple[Edge, ...], tuple[Unresolved, ...]]] = {}
        self.branches = Branches(self.r)
        self.external_calls = 0
        self._routes: Routes | None = None
        self.properties = Properties(self.r)

    @property
    def routes(self) -> Routes:
        if self._routes is None:
            self._routes = Routes(self.r)
        return self._routes

    def is_database(self, fq: str) -> bool:
        """Database access by some library's conventions (an oslo.db backend, an enginefacade transaction)."""
        return any(m.is_database(fq) for m in self.models)

    def builds_flow(self, fq: str) -> bool:
        return self.flows.builds_flow(fq)

    def edges(self, fq: str) -> tuple[Edge, ...]:
        return self.resolve(fq)[0]

    def resolve(self, fq: str) -> tuple[tuple[Edge, ...], tuple[Unresolved, ...]]:
        hit = self._cache.get(fq)
        if hit is None and fq not in self.p.functions:  # an external REST target: nothing inside
            return (), ()
        if hit is None:
            hit = self._cache[fq] = self._resolve(fq)
        return hit

    # -- work split with another process (tracer.graph.everything) ------------------------
    def counts(self) -> tuple[int, frozenset]:
        """What ``handover`` counts from: the external calls and the cut queries so far."""
        return self.external_calls, frozenset(self.r.cut)

    def handover(self, names: list[str], since: tuple[int, frozenset]) -> tuple:
        """The resolutions of ``names`` made here, and what was counted since ``since``, for ``adopt``."""
        calls, cut = since
        return ({fq: self._cache[fq] for fq in names if fq in self._cache}, self.external_calls - calls,
                sorted(self.r.cut - cut))

    def adopt(self, made: tuple) -> None:
        """Take what another process's ``handover`` gave (a resolution made here too stays as it is)."""
        resolved, calls, cut = made
        for fq, hit in resolved.items():
            self._cache.setdefault(fq, hit)
        self.external_calls += calls
        self.r.cut.update(cut)

    def _resolve(self, fq: str) -> tuple[tuple[Edge, ...], tuple[Unresolved, ...]]:
        fn = self.p.functions[fq]
        edges: list[Edge] = []
        unresolved: list[Unresolved] = []
        for site in _in_order(set(self.r.run_sites(fq))):
            if site.func[0] == "n" and self.r.is_parameter(site.func[1], fq):
                # calling a function handed in as an argument: the functions the callers hand in, when
                # they are few (the passing sites carry callback edges too); else unresolved, with why
                made, reason = self._through_parameter(fq, fn.path, site)
                if made:
                    edges.extend(made)
                    continue
                if reason:
                    unresolved.append(Unresolved(fq, fn.path, site.line, site.func[1], reason))
                    continue
                # a parameter holding something else than functions (cls(...) in a classmethod, a class
                # handed in): called as any value is
            try:
                values = self.r.eval(site.func, fq)
                made = self._edges_for(fq, fn.path, site, values)
                for model in self._rewriters:
                    made = model.rewrite(fq, fn, site, made)
                made += self._callbacks(fq, fn.path, site)
            except RecursionError:
                self.r.reset_active()
                unresolved.append(Unresolved(fq, fn.path, site.line, render(site.func), "too-deep"))
                continue
            for model in self._call_watchers:  # a send made through a wrapper that reached no server
                said = model.unresolved_beside(fq, site, values, made)
                if said:
                    unresolved.append(Unresolved(fq, fn.path, site.line, render(site.func), *said))
            if made and site.on_error:  # an error path: the skeleton leaves it out unless asked
                made = [e._replace(meta=tuple(sorted(e.meta + (("on_error", True),)))) for e in made]
            off = self.off_by_default(site, fq) if made and (site.guard or site.after) else None
            if off:  # a branch the options' defaults rule out: the trace leaves it out unless asked
                made = [e._replace(meta=tuple(sorted(e.meta + (("off_by_default", off),)))) for e in made]
            if self.r.was_cut(site.func, fq):  # more values than MAX_VALUES: the edges made are some of them
                unresolved.append(Unresolved(fq, fn.path, site.line, render(site.func), "too-many-values"))
            if made:
                edges.extend(made)
            elif not any(v[0] in _EXTERNAL or v[0] in self.models.external or self._library_init(v) for v in values):
                reason, detail = self._reason(site, fq, values)
                unresolved.append(Unresolved(fq, fn.path, site.line, render(site.func), reason, detail))
            else:
                self.external_calls += 1
        for site in self.r.decorator_sites(fq):
            # a function handed to a decorator (blazar's @check_exists(_api.get_lease)) is called by the
            # wrapper each time the decorated function is: a callback of the function, at the decorator
            try:
                edges[:0] = self._callbacks(fq, fn.path, site)
            except RecursionError:
                self.r.reset_active()
        try:
            reads = self.properties.edges(fq, self.r.run_sites(fq))
        except RecursionError:
            self.r.reset_active()
            reads = []
        if reads:  # a getter runs where its attribute is read: before the call on the same line
            edges = sorted(reads + edges, key=lambda e: (e.line, e.meta[:1] != (("access", "read"),)))
        return tuple(dict.fromkeys(edges)), tuple(unresolved)

    def off_by_default(self, site, fq: str) -> str | None:
        """The text of the branch the options' defaults rule out for a call site of ``fq``, else None."""
        try:
            return self.branches.off(site.guard, site.after, fq)
        except RecursionError:
            self.r.reset_active()
            return None

    def _edges_for(self, fq: str, path: str, site, values) -> list[Edge]:
        out: list[Edge] = []
        confidence = "exact" if len(values) == 1 else "possible"
        for v in sorted(values):
            kind = v[0]
            if kind in ("fn", "bound"):
                out.append(Edge(fq, v[1], "call", path, site.line, confidence, ()))
                if kind == "bound" and not self._dispatch_known(fq, site) and is_abstract(self.p, v[1]):
                    # the subclass the object really is runs its own override
                    out += [Edge(fq, m, "driver", path, site.line, "candidate", (("abstract", v[1]),))
                            for m in implementations(self.p, v[2], v[1])]
                for model in self._call_watchers:
                    out.extend(model.edges(fq, path, site, v, confidence))
            elif kind == "cls":
                init = self.p.lookup_method(v[1], "__init__")
                if init:
                    out.append(Edge(fq, init, "call", path, site.line, confidence, ()))
            else:
                model = self.models.for_call(v[1]) if kind == "ext" else self.models.by_kind.get(kind)
                if model is not None:
                    out.extend(model.edges(fq, path, site, v, confidence))
        return _configured_first(out)

    def _dispatch_known(self, fq: str, site) -> bool:
        """``super().m(...)`` runs the base's ``m`` itself; ``self.m(...)`` in a method is dispatched by the
        inherited copies (a subclass that overrides ``m`` has its own copy of the caller)."""
        if site.func[0] != "a":
            return False
        receiver = site.func[1]
        if receiver[0] == "c" and last_name(receiver[1]) == "super":
            return True
        return self.p.functions[fq].is_self(receiver)

    def _library_init(self, v: tuple) -> bool:
        """Building a program class whose constructor is a library's (a versioned object, an exception)."""
        return v[0] == "cls" and self.p.lookup_method(v[1], "__init__") is None

    def _through_parameter(self, fq: str, path: str, site) -> tuple[list[Edge], str]:
        try:
            values = self.r.eval(site.func, fq)
        except RecursionError:
            self.r.reset_active()
            return [], "too-deep"
        targets = sorted({v[1] for v in values if v[0] in ("fn", "bound") and v[1] in self.p.functions})
        if not targets:
            return [], "" if any(v[0] not in ("fn", "bound") for v in values) else "callable-parameter"
        if len(targets) > MAX_PASSED:
            return [], "too-many-values"
        passers = self.r.passers(site.func[1], fq)
        made = [Edge(fq, t, "call", path, site.line, "callback",
                     (("passed_by", tuple(sorted(passers.get(t, ())))), ("via", f"parameter {site.func[1]}")))
                for t in targets]
        if site.on_error:
            made = [e._replace(meta=tuple(sorted(e.meta + (("on_error", True),)))) for e in made]
        return made, ""

    def _callbacks(self, fq: str, path: str, site) -> list[Edge]:
        """A program function handed to another call (``spawn_n(f)``, ``Wrapper(self.m)``) will be called by it."""
        out = []
        args = list(site.args) + [v for _, v in site.kwargs]
        if self._inert(site, fq):
            return out
        for i, arg in enumerate(args):
            if arg[0] not in ("n", "a") or (arg[0] == "n" and self.r.is_parameter(arg[1], fq)):
                continue  # a parameter passed on: its own callers carry the edge
            if last_name(arg) not in self.p.by_name or not self._names_code(arg, fq):
                continue  # cannot be a function of the program (and cheap to tell)
            line = site.arg_lines[i] if i < len(site.arg_lines) else site.line
            for v in sorted(self.r.eval(arg, fq)):
                if v[0] in ("fn", "bound") and v[1] in self.p.functions:
                    meta = (("via", render(site.func)),)
                    out.append(Edge(fq, v[1], "call", path, line, "callback", meta))
        return out

    def _inert(self, site, fq: str) -> bool:
        """Whether the callee is library code that never calls what it is handed (``hasattr(f, 'x')``,
        ``functools.wraps(f)``): then handing a function to it is no callback."""
        models = self.r.models
        if last_name(site.func) not in models.inert_names:
            return False
        values = self.r.eval(site.func, fq)
        return bool(values) and all(v[0] == "ext" and ext_matches(v[1], models.inert) for v in values)

    def _names_code(self, arg: tuple, fq: str) -> bool:
        """``f`` bound by a def or an import, or ``self.m`` / ``module.f``: what a callback is written as."""
        name = arg[1] if arg[0] == "n" else arg[1][1] if arg[1][0] == "n" else None
        if name is None:
            return False
        fn = self.p.functions.get(fq)
        while fn is not None:
            sources = self.r.locals_of(fn.fq).get(name)
            if sources:
                kinds = {kind for kind, _ in sources}
                if arg[0] == "a" and kinds == {"param"}:  # self.m, cls.m: the first parameter of a method
                    return fn.is_self(("n", name))
                # f, module.f; or driver.m: a method of an object the function made (a loaded driver's)
                return bool(kinds & {"def", "import"}) or (arg[0] == "a" and "expr" in kinds)
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        return True  # a module-level name: a def, an import or a global

    def _reason(self, site, fq: str, values) -> tuple[str, tuple]:
        for model in sorted({self.models.by_kind[v[0]].name: self.models.by_kind[v[0]]
                             for v in values if v[0] in self.models.by_kind}.items()):
            said = model[1].unresolved(fq, site, values)
            if said:
                return said
        if values:
            return "unsupported-value", ()
        func = site.func
        if func[0] == "n":
            return "unknown-name", ()
        if func[0] == "a":
            base = self.r.eval(func[1], fq)
            if not base:
                return "untyped-receiver", ()
            if any(b[0] in ("inst", "drv", "cls") for b in base):
                return "attribute-not-found", ()
            return "untyped-receiver", ()
        return "dynamic-callee", ()


def _in_order(sites: set) -> list:
    """Call sites by line and column; sites at one place (rare) by their callee's text, so the order does not
    depend on the set's (rendering every callee as text cost a tenth of a second on Stein)."""
    out = sorted(sites, key=_place)
    if any(_place(a) == _place(b) for a, b in zip(out, out[1:])):
        out.sort(key=lambda s: (s.line, s.col, str(s.func)))
    return out


def _place(site) -> tuple[int, int]:
    return site.line, site.col


def _configured_first(edges: list[Edge]) -> list[Edge]:
    """A call whose receiver is also a configured driver (a loader annotated with the abstract base it
    returns) runs that driver: the abstract method's candidate implementations would be a second hop."""
    if not any(e.kind == "driver" and e.meta[:1] and e.meta[0][0] == "configured" for e in edges):
        return edges
    return [e for e in edges if not (e.kind == "driver" and e.meta[:1] and e.meta[0][0] == "abstract")]
