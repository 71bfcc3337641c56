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

A class decorated ``@<Registry>.register`` (a ``VersionedObjectRegistry`` subclass) is an
attribute of the package its ``registration_hook`` fills with ``setattr(objects, cls.obj_name(),
cls)``: ``objects.Instance`` is that class, though only the registry says so (nova's and cinder's
newest trees also say it to type checkers with ``from .instance import *``; Stein's, masakari's and
ironic's do not).
"""
from __future__ import annotations

from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.records import Edge
from tracer.link.values import ordered

REMOTABLE = ("remotable", "remotable_classmethod")
REGISTRY_BASE = "VersionedObjectRegistry"
REGISTER = "register"
REGISTER_IF = "register_if"  # ``register_if(False)`` keeps the class out of the namespace
ACTIONS = {"remotable": "object_action", "remotable_classmethod": "object_class_action_versions"}


class OsloVersionedObjects(Model):
    name = "oslo_versionedobjects"
    requires = ("oslo_messaging",)
    sees_calls = True

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._sent: dict[tuple[str, str], list[Edge]] = {}
        self._spaces: dict[str, dict[str, list[str]]] | None = None

    # -- the registry's namespace ------------------------------------------------
    def module_attribute(self, module: str, name: str) -> frozenset:
        classes = self.namespaces.get(module, {}).get(name, ())
        return frozenset(("cls", c) for c in classes)

    @property
    def namespaces(self) -> dict[str, dict[str, list[str]]]:
        """Module -> registered class name -> the classes registered under it (several versions may be)."""
        if self._spaces is None:
            self._spaces = {}  # asked again while it is read (a decorator's names): nothing yet
            spaces: dict[str, dict[str, list[str]]] = {}
            hooks: dict[str, str | None] = {}
            for fq in sorted(self.p.classes):
                for registry in self._registries(fq):
                    if registry not in hooks:
                        hooks[registry] = self._namespace_of(registry)
                    if hooks[registry] is not None:
                        spaces.setdefault(hooks[registry], {}).setdefault(fq.rsplit(".", 1)[-1], []).append(fq)
            self._spaces = spaces
        return self._spaces

    def _registries(self, fq: str) -> list[str]:
        """The classes ``fq`` is registered with by its decorators (``@base.NovaObjectRegistry.register``)."""
        out = []
        for d in self.p.classes[fq].facts.decorators:
            if d[0] == "c" and d[1][0] == "a" and d[1][2] == REGISTER_IF and d[2][:1] != (("n", "False"),):
                d = d[1]
            if d[0] == "a" and d[2] == REGISTER:
                out += [v[1] for v in self.r.eval(d[1], self.r.class_scope(fq)) if v[0] == "cls"]
        return out

    def _namespace_of(self, registry: str) -> str | None:
        """The module the registry's ``registration_hook`` ``setattr``s the classes on."""
        if not any(k.endswith(REGISTRY_BASE) for k in self.p.mro(registry)):
            return None
        hook = self.p.lookup_method(registry, "registration_hook")
        fn = self.p.functions.get(hook) if hook else None
        for site in fn.calls() if fn else ():
            if site.func == ("n", "setattr") and site.args:
                for v in ordered(self.r.eval(site.args[0], fn.fq)):
                    if v[0] == "mod":
                        return v[1]
        return None

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
            for v in ordered(self.r.eval(site.func, fn.fq)):
                if v[0] == "verb":
                    out += messaging.edges(fn.fq, fn.path, site, v, "exact")
        return out
