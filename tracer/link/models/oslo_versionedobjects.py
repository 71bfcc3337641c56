"""link model: oslo.versionedobjects.  A remotable method, called in a service whose objects have an
indirection API, runs in the service that API sends to: nova-compute's ``instance.save()`` is an RPC
call to nova-conductor's ``object_action`` (nova's own sequence diagrams draw it so).

Stage: link.  Must not import libcst or render.

A method is remotable when decorated ``@remotable`` / ``@remotable_classmethod``
(``base.remotable``, oslo.versionedobjects' names).  A service sets the API with
``<ObjectBase>.indirection_api = <RPC client>()`` in the ``main`` of its console
script; then the object's ``remotable`` wrapper calls the client's
``object_action`` (an instance method) or ``object_class_action_versions`` (a
classmethod), whose RPC send is bound by the oslo.messaging model.  The edge is
an ``rpc-call`` from the calling site with ``in_service`` set to that service's
binary: a trace follows it only while it runs in that service.
"""
from __future__ import annotations

from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.records import Edge

REMOTABLE = ("remotable", "remotable_classmethod")
ACTIONS = {"remotable": "object_action", "remotable_classmethod": "object_class_action_versions"}


class OsloVersionedObjects(Model):
    name = "oslo_versionedobjects"
    requires = ("oslo_messaging",)
    sees_calls = True

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._sent: dict[tuple[str, str], list[Edge]] = {}

    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] not in ("fn", "bound") or not self._indirections:
            return []
        method = self.p.functions.get(v[1])
        kind = self._remotable(method) if method is not None else None
        if kind is None or method.cls is None:
            return []
        out = []
        for base, binary, client in self._indirections:
            if base in self.p.mro(method.cls):
                for e in self._sends(client, ACTIONS[kind]):
                    meta = tuple(sorted(e.meta + (("in_service", binary), ("remotable", method.fq))))
                    out.append(Edge(fq, e.target, e.kind, path, site.line, "exact", meta))
        return out

    def _remotable(self, fn) -> str | None:
        names = self.r.decorator_names(fn)
        return next((n for n in REMOTABLE if n in names), None)

    @cached_property
    def _indirections(self) -> tuple[tuple[str, str, str], ...]:
        """(object base class, service binary, RPC client class) for each ``X.indirection_api = Client()``
        made in a console script's main."""
        mains = {t.replace(":", "."): name for name, t in self.p.entry_points.get("console_scripts", {}).items()}
        out = set()
        for main, binary in sorted(mains.items()):
            fn = self.p.functions.get(main)
            for a in fn.assigns() if fn else ():
                if a.target[0] != "a" or a.target[2] != "indirection_api":
                    continue
                bases = [v[1] for v in self.r.eval(a.target[1], main) if v[0] == "cls"]
                clients = [v[1] for v in self.r.eval(a.value, main) if v[0] == "inst"]
                out |= {(b, binary, c) for b in bases for c in clients}
        return tuple(sorted(out))

    def _sends(self, client: str, action: str) -> list[Edge]:
        """The RPC edges the client's ``action`` method makes (bound by the oslo.messaging model)."""
        key = (client, action)
        if key not in self._sent:
            self._sent[key] = self._find_sends(client, action)
        return self._sent[key]

    def _find_sends(self, client: str, action: str) -> list[Edge]:
        method = self.p.lookup_method(client, action)
        fn = self.p.functions.get(method) if method else None
        out: list[Edge] = []
        messaging = self.model("oslo_messaging")
        for site in fn.calls() if fn else ():
            for v in self.r.eval(site.func, fn.fq):
                if v[0] == "verb":
                    out += messaging.edges(fn.fq, fn.path, site, v, "exact")
        return out
