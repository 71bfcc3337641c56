"""effects: oslo.versionedobjects, the way nova and cinder code reaches its database.

Stage: effects.  Must not import libcst, networkx or render.

A class registered with a ``VersionedObjectRegistry`` subclass (``@base.NovaObjectRegistry.register``)
becomes an attribute of the module its registry's ``registration_hook`` fills with ``setattr(objects,
cls.obj_name(), cls)``: ``objects.BlockDeviceMapping`` is that class, though no ``def`` or import says
so.  A classmethod of a registered class (``objects.Instance.get_by_uuid``) gives an instance of it.

The linker leaves ``instance.save()`` unresolved when ``instance`` is a parameter nobody typed (it
came over RPC); the effects type such a receiver, last, by the convention the projects keep: a
parameter named after a registered class (``instance``, ``volume``, ``block_device_mapping``) holds one.  Values typed that way are
``("objn", cls)`` so the effects they lead to say so (confidence ``by-name``).
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cached_property

from tracer.effects.view import LinkView

MAX_DEPTH = 5
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_INSTANCE_KINDS = ("inst", "objn", "drv")


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


class Objects:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self.p = view.p
        self._spaces: dict[str, dict[str, list[str]]] | None = None
        self._by_snake: dict[str, list[str]] = defaultdict(list)
        self._registered: set[str] = set()
        self._memo: dict[tuple, frozenset] = {}

    # -- the registry (the oslo.versionedobjects link model's) -----------------------
    @property
    def namespaces(self) -> dict[str, dict[str, list[str]]]:
        """Module -> registered class name -> classes (the registry's ``setattr`` target)."""
        if self._spaces is None:
            self._spaces = self.v.registered_objects()
            for names in self._spaces.values():
                for short, classes in sorted(names.items()):
                    self._by_snake[snake(short)].extend(classes)
                    self._registered.update(classes)
        return self._spaces

    def registered(self, cls: str) -> bool:
        return bool(self.namespaces) and cls in self._registered

    @cached_property
    def method_names(self) -> frozenset[str]:
        """Names of the methods registered classes have (what an untyped receiver may be worth typing for)."""
        names: set[str] = set()
        if self.namespaces:
            for cls in sorted(self._registered):
                for k in self.p.mro(cls):
                    klass = self.p.classes.get(k)
                    names |= set(klass.methods) if klass else set()
        return frozenset(names)

    # -- typing a receiver -----------------------------------------------------------
    def typed(self, expr: tuple, scope: str, depth: int = 0) -> frozenset:
        """The values of ``expr`` with registered classes and parameter names known."""
        key = (expr, scope)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = frozenset()  # a cycle: nothing yet
            hit = self._memo[key] = self._typed(expr, scope, depth) if depth < MAX_DEPTH else frozenset()
        return hit

    def _typed(self, expr: tuple, scope: str, depth: int) -> frozenset:
        tag = expr[0]
        if tag == "n":
            return self._name(expr[1], scope, depth)
        if tag == "a":
            return self._attribute(expr, scope, depth)
        if tag == "c":
            return self._call(expr, scope, depth)
        return self.v.eval(expr, scope)

    def _attribute(self, expr: tuple, scope: str, depth: int) -> frozenset:
        """``objects.Volume`` (a registered class) and the methods of a class or instance typed so."""
        out: set = set()
        for v in sorted(self.typed(expr[1], scope, depth + 1)):
            if v[0] == "mod":
                out |= {("cls", c) for c in self.namespaces.get(v[1], {}).get(expr[2], ())}
            elif v[0] in ("cls",) + _INSTANCE_KINDS and self.registered(v[1]):
                method = self.p.lookup_method(v[1], expr[2])
                if method:
                    out.add(("bound", method, v[1]))
        return frozenset(out) or self.v.eval(expr, scope)

    def _name(self, name: str, scope: str, depth: int) -> frozenset:
        values = self.v.eval(("n", name), scope)
        if any(v[0] in _INSTANCE_KINDS + ("cls", "mod") for v in values):
            return values
        if self.v.is_parameter(name, scope) and self.namespaces:
            return frozenset(("objn", c) for c in self._by_snake.get(name, ()))
        out: set = set()
        for expr, where in self.v.bound(name, scope)[:8]:
            out |= self.typed(expr, where, depth + 1)
        return frozenset(out) or values

    def _call(self, expr: tuple, scope: str, depth: int) -> frozenset:
        out: set = set()
        for v in sorted(self.typed(expr[1], scope, depth + 1)):
            if v[0] == "cls":
                out.add(("inst", v[1]))
            elif v[0] in ("fn", "bound"):
                out |= self._returned(v, depth)
        return frozenset(out) or self.v.eval(expr, scope)

    def _returned(self, v: tuple, depth: int) -> frozenset:
        """A classmethod of a registered class builds one of it; another function: what it returns."""
        fn = self.p.functions.get(v[1])
        if fn is None:
            return frozenset()
        owner = v[2] if v[0] == "bound" and len(v) > 2 else fn.cls
        if owner and self.v.is_classmethod(fn) and self.registered(owner):
            return frozenset({("inst", owner)})
        out: set = set()
        for d in fn.defs:
            for ret in d.returns[:4]:
                out |= {x for x in self.typed(ret, fn.fq, depth + 1) if x[0] in _INSTANCE_KINDS}
        return frozenset(out)
