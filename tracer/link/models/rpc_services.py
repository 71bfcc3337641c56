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
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from tracer.link.program import MODULE_BODY
from tracer.link.resolve import last_name, sites_in_order
from tracer.link.values import STRING_KINDS, strings

SERVER_FACTORIES = ("get_server", "get_rpc_server")  # oslo.messaging (and the projects' rpc.py wrappers)


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


class RpcServices:
    def __init__(self, model) -> None:
        self.m = model
        self.r = model.r
        self.p = model.p
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
        return [Service(s.binary, s.topic, s.manager, tuple(dict.fromkeys(s.endpoints + common))) for s in services]

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
            if target is not None:
                out.append(Binding(target, binary, cls))
        return out
