"""link model: oslo.messaging.  RPC clients, their casts and calls, bound to the server methods that
receive them (the servers are found by ``tracer.link.models.rpc_services``).

Stage: link.  Must not import libcst or render.

    ("rpc",)                  an RPC client (``RPCClient``/``get_rpc_client``, or a prepared context)
    ("prep",)                 ``client.prepare`` / ``router.client`` bound
    ("verb", "cast"|"call")   an RPC send method

A send is keyed on its method *literal*, and on the topic and namespace of the
client's ``Target(topic=..., namespace=...)``, found in the sending class's own
or its bases' methods and class bodies, evaluated with ``self`` bound to the
concrete class (so ``topic=self.TOPIC`` reads the subclass constant).
"""
from __future__ import annotations

from functools import cached_property

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.models.rpc_services import Binding, RpcServices, Service
from tracer.link.records import Edge
from tracer.link.resolve import last_name
from tracer.link.values import Values, strings

RPC_CLIENT_FACTORIES = ("RPCClient", "get_rpc_client")


class OsloMessaging(Model):
    name = "oslo_messaging"
    requires = ("oslo_config",)
    kinds = ("rpc", "prep", "verb")
    settled = ("rpc",)
    calls = RPC_CLIENT_FACTORIES
    reads_sites = ("get_server", "get_rpc_server")
    reads_keywords = ("binary",)

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._targets: dict[str, tuple] = {}

    # -- values --------------------------------------------------------------
    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        return frozenset({("rpc",)})

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] != "rpc":
            return EMPTY
        if attr in ("cast", "call"):
            return frozenset({("verb", attr)})
        return frozenset({("prep",)}) if attr in ("prepare", "client") else EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        return frozenset({("rpc",)}) if v[0] == "prep" else EMPTY

    # -- servers -------------------------------------------------------------
    @cached_property
    def _servers(self) -> RpcServices:
        return RpcServices(self)

    @property
    def services(self) -> list[Service]:
        return self._servers.services

    def bind(self, topic: str, namespace: str | None, method: str) -> list[Binding]:
        return self._servers.bind(topic, namespace, method)

    def service_of_topic(self, topic: str) -> str | None:
        for svc in self.services:
            if svc.topic == topic:
                return svc.binary
        return None

    # -- edges ---------------------------------------------------------------
    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] != "verb":
            return []
        owner = self.r.owner_class(self.p.functions[fq])
        methods = self.method_literals(site, fq)
        out = []
        for topic, namespace in self.client_targets(owner) if owner else ():
            for method in methods:
                for b in self.bind(topic, namespace, method):
                    meta = (("method", method), ("namespace", namespace), ("service", b.service), ("topic", topic))
                    out.append(Edge(fq, b.method, f"rpc-{v[1]}", path, site.line, "exact", meta))
        return out

    def method_literals(self, site, fq: str) -> list[str]:
        expr = site.args[1] if len(site.args) > 1 else dict((k, v) for k, v in site.kwargs if k).get("method")
        if expr is None:
            return []
        return strings(self.r.eval(expr, fq))

    def unresolved(self, fq: str, site, values: Values) -> tuple[str, tuple] | None:
        verbs = sorted(v[1] for v in values if v[0] == "verb")
        if not verbs:
            return None
        methods = self.method_literals(site, fq)
        reason = "rpc-unbound" if methods else "rpc-method-not-literal"
        return reason, (("method", tuple(methods)), ("verb", tuple(verbs)))

    # -- client side -----------------------------------------------------------
    def client_targets(self, cls: str) -> tuple[tuple[str, str | None], ...]:
        """(topic, namespace) pairs the rpcapi class ``cls`` sends to."""
        if cls not in self._targets:
            self._targets[cls] = self._find_targets(cls)
        return self._targets[cls]

    def _find_targets(self, cls: str) -> tuple:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            if klass is None:
                continue
            found = self._targets_in_methods(cls, klass) or self._targets_in_body(cls, k)
            if found:
                return found
        return ()

    def _targets_in_methods(self, cls: str, klass) -> tuple:
        out = []
        for method in klass.methods.values():
            for site in self.p.functions[method].calls():
                if last_name(site.func) == "Target":
                    out += self._target_pairs(site.kwargs, method, cls)
        return tuple(sorted(set(out), key=str))

    def _targets_in_body(self, cls: str, k: str) -> tuple:
        out = []
        for exprs in self.p.classes[k].attrs.values():
            for expr in exprs:
                if expr[0] == "c" and last_name(expr[1]) == "Target":
                    out += self._target_pairs(expr[3], self.r.class_scope(k), cls)
        return tuple(sorted(set(out), key=str))

    def _target_pairs(self, kwargs: tuple, scope: str, cls: str) -> list:
        kw = dict((k, v) for k, v in kwargs if k)
        if "topic" not in kw:
            return []
        topics = self._strings(kw["topic"], scope, cls)
        namespaces = self._strings(kw["namespace"], scope, cls) if "namespace" in kw else [None]
        return [(t, n) for t in topics for n in (namespaces or [None])]

    def _strings(self, expr: tuple, scope: str, cls: str) -> list:
        if expr[0] == "a" and expr[1] == ("n", "self"):
            values = self.r.attribute(("inst", cls), expr[2])
        else:
            values = self.r.eval(expr, scope)
        return strings(values)
