"""link model: oslo.messaging's servers: which services run, on which topic, with which endpoints.

Stage: link.  Must not import libcst or render.  Part of the oslo.messaging model
(``tracer.link.models.oslo_messaging``), which owns it and hands it the site indexes it reads.

Learned from the code and its configuration defaults: every call passing
``binary='<service>'`` (``Service.create(...)``) names a service; its topic is
the ``topic=`` argument (else the binary); its manager is the ``manager=``
argument, else a module-level dict mapping binaries to class paths, else the
default of the ``<suffix>_manager`` option.  Endpoints are the manager plus
whatever its ``__init__`` appends to ``additional_endpoints``, each under its
class-level ``target``'s namespace, plus the non-manager endpoints the service
start hands to ``get_server`` (nova's ``BaseRPCAPI``).

Servers however else built: every call of oslo.messaging's own
``get_rpc_server(transport, target, endpoints)`` is a server of the target's
topic with those endpoints (a service may be its own endpoint: ``self``), read
per caller when the call sits in a wrapper that takes them as parameters.  Its
service is named by a ``binary=`` call that reaches it, else by the console
script whose ``main`` builds its class or reaches it, else by its topic.  A
topic one of the first kind serves is left to it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tracer.link.models.bound import Bound
from tracer.link.models.targets import target_pairs
from tracer.link.program import MODULE_BODY
from tracer.link.resolve import argument, last_name, sites_in_order
from tracer.link.values import BOUND_KINDS, STRING_KINDS, WILD, ordered, strings

SERVER_FACTORIES = ("get_server", "get_rpc_server")  # oslo.messaging (and the projects' rpc.py wrappers)
MAX_REACH = 4  # calls followed from a binary= site or a console script's main to a server
MAX_VISIT = 400


@dataclass(frozen=True, slots=True)
class Service:
    binary: str
    topic: str
    manager: str
    endpoints: tuple  # ((class fq, namespace or None), ...)


@dataclass(frozen=True, slots=True)
class Binding:
    method: str  # server method fq
    service: str  # binary
    endpoint: str  # endpoint class fq


def _items(expr: tuple, scope: str) -> tuple:
    return tuple((e, scope) for e in expr[1]) if expr[0] == "l" else ((expr, scope),)


class RpcServices:
    def __init__(self, model) -> None:
        self.m = model
        self.r = model.r
        self.p = model.p
        self._reached: dict[str, frozenset[str]] = {}
        self._classes_built: dict[str, frozenset[str]] = {}
        self.bound = Bound(self.r)
        self.services = self._discover_services()
        self._index: dict[tuple, list] = defaultdict(list)
        for svc in self.services:
            for cls, namespace in svc.endpoints:
                self._index[(svc.topic, namespace)].append((svc.binary, cls))

    # -- server side -------------------------------------------------------
    def _discover_services(self) -> list[Service]:
        found: dict[str, tuple[int, Service]] = {}
        for fq, site in self.m.sites_with_keyword("binary"):
            kw = dict((k, v) for k, v in site.kwargs if k)
            # the site that says most (explicit topic and manager) wins
            weight = ("topic" in kw) + ("manager" in kw)
            # a binary name is a constant: read it at module level, never through parameters
            module_scope = f"{self.p.functions[fq].module}.{MODULE_BODY}"
            for binary in self._plain_strings(kw["binary"], module_scope):
                if binary in found and found[binary][0] >= weight:
                    continue
                svc = self._service(binary, kw, module_scope)
                if svc:
                    found[binary] = (weight, svc)
        services = [found[b][1] for b in sorted(found)]
        common = self._server_endpoints({svc.manager for svc in services})
        services = [Service(s.binary, s.topic, s.manager, tuple(dict.fromkeys(s.endpoints + common))) for s in services]
        return services + self._served_elsewhere({s.topic for s in services})

    # -- servers made by get_rpc_server(transport, target, endpoints) -------------------------------------
    def _served_elsewhere(self, covered: set[str]) -> list[Service]:
        out: dict[tuple[str, str], Service] = {}
        for where, targets, endpoints in self._server_sites(covered):
            for topic, namespace in targets:
                if topic in covered or not endpoints:
                    continue
                binary = self._binary_for(where, endpoints) or topic
                listed = tuple((cls, self._namespace(cls) or self._instance_namespace(cls)) for cls in endpoints)
                key = (binary, topic)
                old = out.get(key)
                merged = tuple(dict.fromkeys((old.endpoints if old else ()) + listed))
                out[key] = Service(binary, topic, merged[0][0], merged)
        return [out[k] for k in sorted(out)]

    def _server_sites(self, covered: set[str]) -> list[tuple[str, tuple, tuple]]:
        """(function that makes the server, its (topic, namespace) pairs, its endpoint classes); the
        endpoints of a server whose topics are all served already are not read."""
        out = []
        for fq, site in sites_in_order(x for name in SERVER_FACTORIES for x in self.m.sites_named(name)):
            if not any(v[0] == "ext" and v[1].startswith("oslo_messaging.") for v in self.r.eval(site.func, fq)):
                continue  # a project's wrapper: its own call of the library is the server
            kw = dict((k, v) for k, v in site.kwargs if k)
            target = kw.get("target", site.args[1] if len(site.args) > 1 else None)
            endpoints = kw.get("endpoints", site.args[2] if len(site.args) > 2 else None)
            if target is None or endpoints is None:
                continue
            for where, t_items, e_items in self._per_caller(fq, ((target, fq),), _items(endpoints, fq), 2):
                targets = target_pairs(frozenset().union(*(self.r.eval(e, sc) for e, sc in t_items)))
                if all(t in covered for t, _ in targets):
                    continue
                found = frozenset().union(*(self.r.eval(e, sc) for e, sc in e_items))
                classes = self._concrete(tuple(sorted({v[1] for v in found if v[0] == "inst"})))
                split = self._per_class(where, t_items, classes, targets)
                out += split or [(where, targets, classes)]
        return out

    def _per_class(self, where: str, t_items: tuple, classes: tuple, targets: tuple) -> list:
        """A server a base class's method makes for ``self`` on ``Target(topic=self.x)``: each concrete
        service class serves on its own ``x`` (designate's ``RPCService.init_host`` starts central, producer
        and worker alike).  Read apart, per class; empty when the server is not made so."""
        fn = self.p.functions[where]
        if fn.cls is None or len(classes) < 2 or len(targets) < 2 or not fn.facts.params:
            return []
        me = ("n", fn.facts.params[0].name)
        if not all(c != fn.cls and self.r.is_subclass(c, (fn.cls,)) for c in classes):
            return []
        attrs = set()
        for expr, scope in t_items:
            if expr[0] == "c":
                calls = [expr]
            elif scope == where:  # ``target = messaging.Target(...)`` in the method itself
                calls = [a.value for a in fn.assigns() if a.target == expr and a.value[0] == "c"]
            else:
                calls = []
            for call in calls:
                topic = dict((k, v) for k, v in call[3] if k).get("topic")
                if topic is None or topic[0] != "a" or topic[1] != me:
                    return []
                attrs.add(topic[2])
        if len(attrs) != 1:
            return []
        attr = attrs.pop()
        namespaces = sorted({n for _, n in targets})
        out = []
        for cls in classes:
            topics = strings(self.r.instance_attr_values(cls, attr))
            if len(topics) != 1:
                return []
            out.append((where, tuple((topics[0], n) for n in namespaces), (cls,)))
        return out

    def _per_caller(self, fq: str, target: tuple, endpoints: tuple, depth: int) -> list:
        """The target and endpoints as each caller of ``fq`` passes them, when they are its parameters
        (a wrapper ``get_rpc_server(target, endpoint)`` serves what each caller gives it).  Each side is
        a tuple of (expression, scope) items: a list display is its elements."""
        fn = self.p.functions[fq]
        params = {p.name: i for i, p in enumerate(fn.facts.params) if p.kind not in ("*", "**")}
        first = fn.facts.params[0].name if fn.cls and fn.facts.params else None
        passed = [e for e, sc in target + endpoints if sc == fq and e[0] == "n" and e[1] in params and e[1] != first]
        if not passed or depth == 0:
            return [(fq, target, endpoints)]
        out = []
        for caller, site, offset in self.r.callers(fq):
            bound = []
            for items in (target, endpoints):
                side: tuple = ()
                for expr, scope in items:
                    name = expr[1] if scope == fq and expr[0] == "n" and expr[1] in params else None
                    arg = argument(site, name, params[name] - offset) if name and name != first else None
                    side += _items(arg, caller) if arg is not None else ((expr, scope),)
                bound.append(side)
            out += self._per_caller(caller, bound[0], bound[1], depth - 1)
        return out or [(fq, target, endpoints)]

    def _concrete(self, classes: tuple) -> tuple:
        """An endpoint that is ``self`` in a base class's method stands for the subclasses the program builds."""
        out = []
        for cls in classes:
            subs = [s for s in self.p.all_subclasses(cls) if self.r.constructed(s)]
            out += subs or [cls]
        return tuple(dict.fromkeys(out))

    def _instance_namespace(self, cls: str) -> str | None:
        """``self.target = target`` in the endpoint's ``__init__``: that target's namespace."""
        pairs = target_pairs(self.r.instance_attr_values(cls, "target"))
        names = sorted({n for _, n in pairs if n})
        return names[0] if names else None

    def _binary_for(self, where: str, endpoints: tuple = ()) -> str | None:
        """The service a server made in ``where`` runs in: a ``binary=`` site that reaches it, else the one
        console script whose ``main`` builds its endpoint (a base class's method that starts every service:
        designate's central, producer and worker), else the first whose ``main`` reaches it."""
        for fq, site in self.m.sites_with_keyword("binary"):
            kw = dict((k, v) for k, v in site.kwargs if k)
            module_scope = f"{self.p.functions[fq].module}.{MODULE_BODY}"
            names = self._plain_strings(kw["binary"], module_scope)
            if names and where in self._reach_from_site(fq, site):
                return names[0]
        mains = [(name, target.replace(":", ".")) for name, target in
                 sorted(self.p.entry_points.get("console_scripts", {}).items())]
        mains = [(name, main) for name, main in mains if main in self.p.functions]
        building = [name for name, main in mains if len(endpoints) == 1 and endpoints[0] in self._built_itself(main)]
        if len(building) == 1:
            return building[0]
        owner = self.p.functions[where].cls
        for name, main in mains:
            if where in self._reach(main) or owner in self._built(main):
                return name
        return None

    def _reach_from_site(self, fq: str, site) -> frozenset[str]:
        out: set[str] = set()
        for callee in self._callees(fq, site):
            out |= self._reach(callee)
        return frozenset(out)

    def _reach(self, start: str) -> frozenset[str]:
        """Functions reached from ``start`` within ``MAX_REACH`` calls; building a class reaches its methods
        (a service object is started by the framework)."""
        hit = self._reached.get(start)
        if hit is None:
            seen = {start}
            level = [start]
            for _ in range(MAX_REACH):
                nxt = []
                for fq in level:
                    for site in self.p.functions[fq].calls():
                        for callee in self._callees(fq, site):
                            if callee not in seen and len(seen) < MAX_VISIT:
                                seen.add(callee)
                                nxt.append(callee)
                level = nxt
            hit = self._reached[start] = frozenset(seen)
        return hit

    def _built(self, start: str) -> frozenset[str]:
        """Classes built by the functions ``start`` reaches, and their bases."""
        return frozenset(k for cls in self._built_itself(start) for k in self.p.mro(cls))

    def _built_itself(self, start: str) -> frozenset[str]:
        """Classes built by the functions ``start`` reaches (not their bases)."""
        hit = self._classes_built.get(start)
        if hit is None:
            out: set[str] = set()
            for fq in sorted(self._reach(start)):
                for site in self.p.functions[fq].calls():
                    out.update(v[1] for v in self.r.eval(site.func, fq) if v[0] == "cls")
            hit = self._classes_built[start] = frozenset(out)
        return hit

    def _callees(self, fq: str, site) -> list[str]:
        out = []
        for v in ordered(self.r.eval(site.func, fq)):
            if v[0] in ("fn", "bound", "drvm") and v[1] in self.p.functions:
                out.append(v[1])
            elif v[0] == "cls" and v[1] in self.p.classes:
                out += [m for k in self.p.mro(v[1]) if k in self.p.classes for m in self.p.classes[k].methods.values()]
        return out

    def _server_endpoints(self, managers: set[str]) -> tuple:
        """Endpoints a service's start adds beside its manager: ``get_server(target, [self.manager,
        BaseRPCAPI(...)])`` serves ``BaseRPCAPI`` (namespace ``baseapi``) in every service."""
        out = []
        for fq, site in sites_in_order(x for name in SERVER_FACTORIES for x in self.m.sites_named(name)):
            kw = dict((k, v) for k, v in site.kwargs if k)
            expr = kw.get("endpoints", site.args[1] if len(site.args) > 1 else None)
            for v in self._constructed(expr, fq) if expr else ():
                is_manager = any(m in self.p.mro(v[1]) or v[1] in self.p.mro(m) for m in managers) if v[0] == "inst" else True
                if not is_manager and self._namespace(v[1]) is not None:
                    out.append((v[1], self._namespace(v[1])))
        return tuple(dict.fromkeys(out))

    def _constructed(self, expr: tuple, scope: str) -> list:
        """The objects built in the endpoints list itself (``[self.manager, BaseRPCAPI(...)]``), read
        from the list display: the manager is known already and costly to re-derive."""
        displays = [expr] if expr[0] == "l" else [e for e, _ in self.r.bound_exprs(expr[1], scope)] if expr[0] == "n" else []
        found: set = set()
        for display in displays:
            for element in display[1] if display[0] == "l" else ():
                if element[0] == "c":
                    found |= self.r.eval(element, scope)
        return sorted(found)

    def _plain_strings(self, expr: tuple, scope: str) -> list[str]:
        return strings(self.r.eval(expr, scope))

    def _service(self, binary: str, kw: dict, scope: str) -> Service | None:
        topics = self._plain_strings(kw["topic"], scope) if "topic" in kw else []
        topic = topics[0] if topics else binary
        manager = self._manager(binary, kw, scope)
        if manager is None:
            return None
        return Service(binary, topic, manager, self._endpoints(manager))

    def _manager(self, binary: str, kw: dict, scope: str) -> str | None:
        if "manager" in kw:
            for v in sorted(self.r.eval(kw["manager"], scope)):
                cls = v[1] if v[0] == "cls" else self.r.class_by_path(v[1]) if v[0] in STRING_KINDS else None
                if cls:
                    return cls
        return self._manager_from_tables(binary) or self._manager_from_option(binary)

    def _manager_from_tables(self, binary: str) -> str | None:
        for module in sorted(self.p.modules):
            body = self.p.functions.get(f"{module}.{MODULE_BODY}")
            for a in body.assigns() if body else ():
                if a.value[0] != "d":
                    continue
                for key, value in a.value[1]:
                    if key == ("s", binary) and value[0] == "s":
                        cls = self.r.class_by_path(value[1])
                        if cls:
                            return cls
        return None

    def _manager_from_option(self, binary: str) -> str | None:
        suffix = binary.rpartition("-")[2]
        for default in self.m.model("oslo_config").string_defaults(f"{suffix}_manager"):
            cls = self.r.class_by_path(default)
            if cls:
                return cls
        return None

    def _endpoints(self, manager: str) -> tuple:
        out = [(manager, self._namespace(manager))]
        for k in self.p.mro(manager):
            klass = self.p.classes.get(k)
            for method in klass.methods.values() if klass else ():
                for site in self.p.functions[method].calls():
                    f = site.func
                    if f[0] == "a" and f[2] in ("append", "extend") and last_name(f[1]) == "additional_endpoints":
                        for v in sorted(self.r.eval(site.args[0], method) if site.args else ()):
                            if v[0] == "inst":
                                out.append((v[1], self._namespace(v[1])))
        return tuple(dict.fromkeys(out))

    def _namespace(self, cls: str) -> str | None:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            for expr in klass.attrs.get("target", ()) if klass else ():
                if expr[0] == "c":
                    kw = dict((a, b) for a, b in expr[3] if a)
                    if "namespace" in kw:
                        names = self._plain_strings(kw["namespace"], self.r.class_scope(k))
                        return names[0] if names else None
                    return None
        return None

    # -- binding -----------------------------------------------------------
    def bind(self, topic: str, namespace: str | None, method: str) -> list[Binding]:
        out = []
        for binary, cls in self._index.get((topic, namespace), ()):
            target = self.p.lookup_method(cls, method)
            if target is None:
                alias = [v for v in self.r.class_level(cls, method) if v[0] == "fn"]
                target = alias[0][1] if alias else None
            if target is None:  # an endpoint whose __getattr__ hands on to another object
                found = sorted(v[1] for v in self.r.instance_attr(("inst", cls), method) if v[0] == "bound")
                target = found[0] if found else None
            if target is None:  # ... or computes where from the name ('physical:host:create_computehost')
                found = sorted(v[1] for v in self._dispatched(("inst", cls), method, 0) if v[0] in BOUND_KINDS)
                target = found[0] if found else None
            if target is not None:
                out.append(Binding(target, binary, cls))
        return out

    def _dispatched(self, v: tuple, name: str, depth: int) -> set:
        """The method ``getattr(obj, part)`` gives in ``v``'s ``__getattr__(self, name)`` (or a closure it
        returns) read with ``name`` the literal sent: ``resource_type, method = name.rsplit(':', 1)``;
        ``getattr(self.plugins[resource_type], method)`` (the plugin stored under that key)."""
        hook = self.p.lookup_method(v[1], "__getattr__") if v[0] in ("inst", "drv") else None
        fn = self.p.functions.get(hook) if hook else None
        if fn is None or len(fn.facts.params) < 2 or depth > 2:
            return set()
        env = ((fn.facts.params[1].name, ((("s", name), fn.fq, ()),)),)
        out: set = set()
        for scope in [fn.fq] + self.r._closures(fn.fq):
            for site in self.p.functions[scope].calls():
                if site.func != ("n", "getattr") or len(site.args) < 2:
                    continue
                parts = sorted(t for t in self.bound.texts(site.args[1], scope, env) if WILD not in t)
                for inner in self._objects(site.args[0], scope, env):
                    for part in parts:
                        found = self.r.attribute(inner, part)
                        out |= set(found) if found else self._dispatched(inner, part, depth + 1)
        return out

    def _objects(self, expr: tuple, scope: str, env: tuple):
        """The object a dispatching getattr reads: ``self.plugins[key]`` is the item under that key."""
        if expr[0] == "k":
            keys = tuple(sorted(t for t in self.bound.texts(expr[2], scope, env) if WILD not in t))
            return sorted(self.r.items(expr[1], scope, keys)) if keys else []
        found = sorted(v for v in self.r.eval(expr, scope) if v[0] in ("inst", "drv"))
        # self handed in by a base class's method: the subclasses the program builds (the real endpoint)
        return [(v[0], c) for v in found for c in (self._concrete((v[1],)) if v[0] == "inst" else (v[1],))]
