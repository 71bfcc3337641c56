"""link: resolve each call site of a function into evidence-carrying edges.

Stage: link.  Must not import libcst or render.

Edge kinds: ``call`` (in-process), ``rpc-cast`` / ``rpc-call`` (oslo.messaging,
keyed on the method *literal*, the client's topic and namespace),
``flow-task`` (an engine run reaches each task's ``execute`` in order),
``driver`` (a call on a driver loaded from configuration; ``confidence`` is
``configured`` for the configured class and ``candidate`` for other
implementations), ``rest`` (an HTTP request, sent directly or through a client
library, that a route of another indexed project answers: the edge goes to
that route's controller method).  A call is never linked by its method name alone: the
receiver must evaluate to something; otherwise the site is ``Unresolved``
with a reason.
"""
from __future__ import annotations

from tracer.link.drivers import candidates
from tracer.link.flows import Flows
from tracer.link.http import Requests
from tracer.link.program import Program
from tracer.link.records import Edge, Unresolved
from tracer.link.resolve import Resolver, last_name
from tracer.link.routes import Routes
from tracer.link.rpc import RpcBinder
from tracer.link.values import ENGINE_RUNNERS, ext_matches, strings


def render_expr(expr: tuple) -> str:
    tag = expr[0]
    if tag == "n":
        return expr[1]
    if tag == "a":
        return f"{render_expr(expr[1])}.{expr[2]}"
    if tag == "c":
        return f"{render_expr(expr[1])}(...)"
    if tag == "s":
        return repr(expr[1])
    if tag == "k":
        return f"{render_expr(expr[1])}[{render_expr(expr[2])}]"
    return "<expr>"


class Linker:
    def __init__(self, program: Program) -> None:
        self.p = program
        self.r = Resolver(program)
        self.rpc = RpcBinder(self.r)
        self.flows = Flows(self.r)
        self._cache: dict[str, tuple[tuple[Edge, ...], tuple[Unresolved, ...]]] = {}
        self.external_calls = 0
        self._routes: Routes | None = None
        self._requests: Requests | None = None

    @property
    def routes(self) -> Routes:
        if self._routes is None:
            self._routes = Routes(self.r)
        return self._routes

    @property
    def requests(self) -> Requests:
        if self._requests is None:
            self._requests = Requests(self.r, self.routes.routes)
        return self._requests

    def edges(self, fq: str) -> tuple[Edge, ...]:
        return self.resolve(fq)[0]

    def resolve(self, fq: str) -> tuple[tuple[Edge, ...], tuple[Unresolved, ...]]:
        hit = self._cache.get(fq)
        if hit is None and fq not in self.p.functions:  # an external REST target: nothing inside
            return (), ()
        if hit is None:
            hit = self._cache[fq] = self._resolve(fq)
        return hit

    def _resolve(self, fq: str) -> tuple[tuple[Edge, ...], tuple[Unresolved, ...]]:
        fn = self.p.functions[fq]
        edges: list[Edge] = []
        unresolved: list[Unresolved] = []
        for site in sorted(set(fn.calls()), key=lambda s: (s.line, s.col, str(s.func))):
            if site.func[0] == "n" and self.r.is_parameter(site.func[1], fq):
                # calling a function handed in as an argument: every caller's function would be
                # merged here; the passing sites carry these edges (kind call, confidence callback)
                unresolved.append(Unresolved(fq, fn.path, site.line, site.func[1], "callable-parameter"))
                continue
            try:
                values = self.r.eval(site.func, fq)
                made = self._edges_for(fq, fn.path, site, values)
                made = self._rest_edges(fq, fn, site, made)
                made += self._callbacks(fq, fn.path, site)
            except RecursionError:
                self.r.reset_active()
                unresolved.append(Unresolved(fq, fn.path, site.line, render_expr(site.func), "too-deep"))
                continue
            if made and site.on_error:  # an error path: the skeleton leaves it out unless asked
                made = [e._replace(meta=tuple(sorted(e.meta + (("on_error", True),)))) for e in made]
            if made:
                edges.extend(made)
            elif not any(v[0] in ("ext", "exti", "str", "cfg") for v in values):
                unresolved.append(Unresolved(fq, fn.path, site.line, render_expr(site.func),
                                             self._reason(site, fq, values), self._detail(site, fq, values)))
            else:
                self.external_calls += 1
        return tuple(dict.fromkeys(edges)), tuple(unresolved)

    def _edges_for(self, fq: str, path: str, site, values) -> list[Edge]:
        out: list[Edge] = []
        confidence = "exact" if len(values) == 1 else "possible"
        for v in sorted(values):
            kind = v[0]
            if kind in ("fn", "bound", "partial"):
                out.append(Edge(fq, v[1], "call", path, site.line, confidence, ()))
            elif kind == "cls":
                init = self.p.lookup_method(v[1], "__init__")
                if init:
                    out.append(Edge(fq, init, "call", path, site.line, confidence, ()))
            elif kind == "drvm":
                out.extend(self._driver_edges(fq, path, site, v))
            elif kind == "verb":
                out.extend(self._rpc_edges(fq, path, site, v[1]))
            elif kind == "run":
                out.extend(self._flow_edges(fq, path, site, v[1]))
            elif kind == "ext" and ext_matches(v[1], ENGINE_RUNNERS) and site.args:
                for flow in sorted(x for x in self.r.eval(site.args[0], fq) if x[0] == "flow"):
                    out.extend(self._flow_edges(fq, path, site, flow[1]))
        return out

    def _rest_edges(self, fq: str, fn, site, made: list[Edge]) -> list[Edge]:
        """A site that sends an HTTP request a route of the indexed trees answers: a ``rest`` edge to the controller.

        The calls into the client library at that site are its plumbing and are dropped;
        calls within the caller's own project stay.
        """
        if fn.project in self.p.client_projects:  # a client library's own plumbing is not a hop
            return made
        clients: dict = {}
        rest: list[Edge] = []
        for request in self.requests.at_site(fq, site):
            routes = self.requests.route_for(request)
            for route in routes:
                clients.setdefault(route, []).append(request.client)
            if not routes:
                rest.append(self._external(fq, fn, site, request))
        # several client versions may send the same request: keep one edge per target
        rest = list({e.target: e for e in sorted(rest, key=lambda e: dict(e.meta)["client"])}.values())
        for route, via in sorted(clients.items()):
            # several client versions (v2, v3) may send the same request: name the newest-sorting one
            meta = (("action", route.action), ("client", max(via)), ("http", f"{route.method} {route.path}"),
                    ("service", self.routes.service_of(route.handler)))
            rest.append(Edge(fq, route.handler, "rest", fn.path, site.line, "exact", meta))
        if not rest:
            return made
        own = [e for e in made if e.target in self.p.functions and self.p.functions[e.target].project == fn.project]
        return own + rest

    def _external(self, fq: str, fn, site, request) -> Edge:
        """A request no indexed route answers: an edge to ``"<service>-api METHOD /path"`` (not a function).

        The service is the client library's project (python-neutronclient -> neutron) or the
        service type written where the HTTP client was made (``get_sdk_adapter("placement")``).
        """
        project = self.p.functions[request.client].project
        service = request.service
        if project != fn.project:
            service = project.removeprefix("python-").removesuffix("client") or project
        service = f"{service}-api" if service else "external"
        label = f"{request.method} {request.path}"
        meta = (("action", request.action), ("client", request.client), ("external", True), ("http", label),
                ("service", service))
        return Edge(fq, f"{service} {label}", "rest", fn.path, site.line, "external", meta)

    def _callbacks(self, fq: str, path: str, site) -> list[Edge]:
        """A program function handed to another call (``spawn_n(f)``, ``Wrapper(self.m)``) will be called by it."""
        out = []
        args = list(site.args) + [v for _, v in site.kwargs]
        for i, arg in enumerate(args):
            if arg[0] not in ("n", "a") or (arg[0] == "n" and self.r.is_parameter(arg[1], fq)):
                continue  # a parameter passed on: its own callers carry the edge
            if last_name(arg) not in self.p.by_name or not self._names_code(arg, fq):
                continue  # cannot be a function of the program (and cheap to tell)
            line = site.arg_lines[i] if i < len(site.arg_lines) else site.line
            for v in sorted(self.r.eval(arg, fq)):
                if v[0] in ("fn", "bound") and v[1] in self.p.functions:
                    meta = (("via", render_expr(site.func)),)
                    out.append(Edge(fq, v[1], "call", path, line, "callback", meta))
        return out

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
                    return fn.cls is not None and fn.facts.params[:1] and fn.facts.params[0].name == name
                return bool(kinds & {"def", "import"})
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        return True  # a module-level name: a def, an import or a global

    def _driver_edges(self, fq: str, path: str, site, v) -> list[Edge]:
        method, cls = v[1], v[2]
        name = method.rsplit(".", 1)[1]
        others = [m for m in candidates(self.p, cls, name) if m != method]
        if not others:  # loaded by name but with nothing to choose from: a plain call
            return [Edge(fq, method, "call", path, site.line, "exact", (("loaded_from", cls),))]
        meta = (("configured", cls),)
        out = [Edge(fq, method, "driver", path, site.line, "configured", meta)]
        out += [Edge(fq, other, "driver", path, site.line, "candidate", meta) for other in others]
        return out

    def _rpc_edges(self, fq: str, path: str, site, verb: str) -> list[Edge]:
        owner = self.r.owner_class(self.p.functions[fq])
        methods = self._method_literals(site, fq)
        out = []
        for topic, namespace in self.rpc.client_targets(owner) if owner else ():
            for method in methods:
                for b in self.rpc.bind(topic, namespace, method):
                    meta = (("method", method), ("namespace", namespace), ("service", b.service), ("topic", topic))
                    out.append(Edge(fq, b.method, f"rpc-{verb}", path, site.line, "exact", meta))
        return out

    def _method_literals(self, site, fq: str) -> list[str]:
        expr = site.args[1] if len(site.args) > 1 else dict((k, v) for k, v in site.kwargs if k).get("method")
        if expr is None:
            return []
        return strings(self.r.eval(expr, fq))

    def _flow_edges(self, fq: str, path: str, site, flow_fn: str) -> list[Edge]:
        out = []
        fpath = self.p.functions[flow_fn].path
        tasks = self.flows.tasks(flow_fn)
        for t in tasks:
            if t.execute:
                meta = (("added_at", f"{fpath}:{t.added_at}"), ("flow", flow_fn), ("order", t.order), ("task", t.task))
                out.append(Edge(fq, t.execute, "flow-task", path, site.line, "exact", meta))
        # when a task fails, taskflow reverts the ones that ran, last first: an error path
        for t in reversed(tasks):
            if t.revert:
                meta = (("added_at", f"{fpath}:{t.added_at}"), ("flow", flow_fn), ("on_error", True),
                        ("order", t.order), ("phase", "revert"), ("task", t.task))
                out.append(Edge(fq, t.revert, "flow-task", path, site.line, "exact", meta))
        return out

    def _detail(self, site, fq: str, values) -> tuple:
        verbs = sorted(v[1] for v in values if v[0] == "verb")
        if not verbs:
            return ()
        return (("method", tuple(self._method_literals(site, fq))), ("verb", tuple(verbs)))

    def _reason(self, site, fq: str, values) -> str:
        if any(v[0] == "verb" for v in values):
            return "rpc-unbound" if self._method_literals(site, fq) else "rpc-method-not-literal"
        if values:
            return "unsupported-value"
        func = site.func
        if func[0] == "n":
            return "unknown-name"
        if func[0] == "a":
            base = self.r.eval(func[1], fq)
            if not base:
                return "untyped-receiver"
            if any(b[0] in ("inst", "drv", "cls") for b in base):
                return "attribute-not-found"
            return "untyped-receiver"
        return "dynamic-callee"
