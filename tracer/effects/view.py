"""effects: the few questions the effects analysis asks the linker, in one place.

Stage: effects, after link.  Must not import libcst, networkx or render.

The linker is being reworked (library models behind one interface); everything the effects read of it
goes through this class: the value of an expression in a function, the expressions bound to a name, the
call sites by callee name or keyword, a function's resolved edges, and the program's index (functions,
classes, modules, options, the class hierarchy).  Nothing here computes effects.
"""
from __future__ import annotations

from collections import defaultdict

from tracer.link.edges import Linker
from tracer.link.program import MODULE_BODY, Function, Program

_STATIC = frozenset({"staticmethod"})
_CLASS = frozenset({"classmethod", "remotable_classmethod"})


class LinkView:
    def __init__(self, linker: Linker) -> None:
        self.linker = linker
        self.p: Program = linker.p
        self.r = linker.r
        self._edges: dict[str, dict[tuple[int, str], list]] = {}
        self._module_assigns: dict[str, dict[str, list]] = {}

    # -- values ----------------------------------------------------------------
    def eval(self, expr: tuple, scope: str) -> frozenset:
        try:
            return self.r.eval(expr, scope)
        except RecursionError:
            self.r.reset_active()
            return frozenset()

    def bound(self, name: str, scope: str) -> list[tuple[tuple, str]]:
        """The expressions assigned to ``name`` where ``scope`` sees it, with the scope each is in."""
        return self.r.bound_exprs(name, scope)

    def is_parameter(self, name: str, scope: str) -> bool:
        return self.r.is_parameter(name, scope)

    def global_assigns(self, module: str, name: str) -> list[tuple[tuple, str]]:
        """``name = ...`` in the module body and in its functions (``global name`` in ``init()``)."""
        table = self._module_assigns.get(module)
        if table is None:
            table = self._module_assigns[module] = defaultdict(list)
            facts = self.p.modules.get(module)
            for f in facts.functions if facts else ():
                for a in f.assigns:
                    if a.target[0] == "n" and a.target[1].isupper():
                        table[a.target[1]].append((a.value, f"{module}.{f.qualname}"))
        return table.get(name, [])

    def off_by_default(self, site, fq: str) -> bool:
        """The call site is under a branch the options' defaults rule out (the linker's mark)."""
        return bool((site.guard or site.after) and self.linker.off_by_default(site, fq))

    def registered_objects(self) -> dict[str, dict[str, list[str]]]:
        """oslo.versionedobjects: module -> registered class name -> classes (``objects.Instance``)."""
        return self.r.models["oslo_versionedobjects"].namespaces

    # -- call sites --------------------------------------------------------------
    def sites_named(self, name: str):
        return self.r.sites_named(name)

    def sites_with_keyword(self, keyword: str):
        finder = getattr(self.p, "sites_with_keyword", None) or self.r.sites_with_keyword
        return finder(keyword)

    def targets(self, fq: str, line: int, name: str | None) -> list:
        """The resolved edges of ``fq`` made at ``line`` whose callee is named ``name`` (any, if None)."""
        table = self._edges.get(fq)
        if table is None:
            table = self._edges[fq] = defaultdict(list)
            for e in self.linker.edges(fq):
                table[(e.line, e.target.rsplit(".", 1)[-1])].append(e)
                table[(e.line, "")].append(e)
        return table.get((line, name or ""), [])

    # -- the program ---------------------------------------------------------------
    def function(self, fq: str) -> Function | None:
        return self.p.functions.get(fq)

    def decorator_scope(self, fn: Function) -> str:
        """Decorators are evaluated where the def is written: the enclosing function, else the module body."""
        return fn.parent or f"{fn.module}.{MODULE_BODY}"

    def class_scope(self, cls: str) -> str:
        return self.r.class_scope(cls)

    def method_offset(self, fn: Function) -> int:
        """Arguments a call through an instance does not pass: 1 for a method's ``self``/``cls``."""
        if fn.cls is None or not fn.facts.params:
            return 0
        names = {d[1] if d[0] == "n" else d[2] for d in fn.facts.decorators if d[0] in ("n", "a")}
        return 0 if names & _STATIC else 1

    def is_classmethod(self, fn: Function) -> bool:
        return any((d[1] if d[0] == "n" else d[2]) in _CLASS for d in fn.facts.decorators if d[0] in ("n", "a"))

    def closures(self, fq: str) -> list[str]:
        """The functions defined inside ``fq`` (at any depth), sorted."""
        fn = self.p.functions.get(fq)
        if fn is None:
            return []
        prefix = f"{fq}.<locals>."
        return sorted(f"{fn.module}.{d.qualname}" for d in self.p.modules[fn.module].functions
                      if f"{fn.module}.{d.qualname}".startswith(prefix))

    def self_assigns(self, cls: str, attr: str) -> list[tuple[tuple, str]]:
        """``self.attr = value`` in the methods of ``cls`` and its bases (the nearest class that has some)."""
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            found = []
            for method in klass.methods.values() if klass else ():
                fn = self.p.functions[method]
                me = ("n", fn.facts.params[0].name) if fn.facts.params else None
                found += [(a.value, method) for a in fn.assigns() if a.target == ("a", me, attr)]
            if found:
                return found
        return []
