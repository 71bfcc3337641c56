"""link model: stevedore.  ``DriverManager(namespace, name)`` loads the entry point ``name`` of group
``namespace``, read from the indexed distributions' entry points.

Stage: link.  Must not import libcst or render.

    ("plugin", fq, kind)   a manager whose ``.driver`` is ``(kind, fq)``: a configured driver (``drv``)
                           when the name is an option's default, else a plain instance
    ("extmgr", group, names, kind)   an extension manager (Named/Enabled/Extension/Hook): the entry points
                           ``names`` of ``group`` (a sorted tuple; "*" for all; ``("param", fq, i)`` when
                           the names are what a helper's caller passes), loaded as ``kind`` ("inst" with
                           ``invoke_on_load``, else "cls").  Iterating it, or its ``extensions``, gives
                           its extensions; an extension's ``obj`` is the loaded object, ``plugin`` the class.
"""
from __future__ import annotations

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.values import Values, ext_matches, strings

PLUGIN_LOADERS = ("stevedore.driver.DriverManager", "stevedore.DriverManager")
EXTENSION_MANAGERS = ("NamedExtensionManager", "EnabledExtensionManager", "ExtensionManager", "HookManager",
                      "NameDispatchExtensionManager", "DispatchExtensionManager")
MAX_PLUGINS = 24


class Stevedore(Model):
    name = "stevedore"
    kinds = ("plugin", "extmgr")
    calls = PLUGIN_LOADERS + EXTENSION_MANAGERS
    specializes = ("extmgr",)

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if not dotted.startswith("stevedore"):
            return frozenset({("exti", dotted)})
        if not ext_matches(dotted, PLUGIN_LOADERS):
            return self._manager(dotted, expr, scope)
        return self._driver(expr, scope)

    def _manager(self, dotted: str, expr: tuple, scope: str) -> Values:
        args = dict(enumerate(expr[2]))
        kw = {k: v for k, v in expr[3] if k}
        group = kw.get("namespace", args.get(0))
        if group is None:
            return EMPTY
        invoke = kw.get("invoke_on_load")
        kind = "inst" if invoke is not None and invoke != ("n", "False") else "cls"
        named = dotted.rpartition(".")[2] in ("NamedExtensionManager", "HookManager")
        names_expr = kw.get("names", kw.get("name", args.get(1))) if named else None
        if names_expr is None:
            names: object = "*"
        else:
            names = self.r.parameter_ref(names_expr, scope) or tuple(strings(self.r.eval(names_expr, scope)))
        return frozenset(("extmgr", g, names, kind) for g in strings(self.r.eval(group, scope)))

    def specialize(self, v: tuple, callee: tuple, expr: tuple, scope: str) -> Values:
        ref = v[2]
        if not isinstance(ref, tuple) or not ref or ref[0] != "param" or ref[1] != callee[1]:
            return frozenset({v})
        param = self.p.functions[ref[1]].facts.params[ref[2]]
        arg = self.r.passed(callee, expr, param.name, ref[2])
        if arg is None:
            return EMPTY
        outer = self.r.parameter_ref(arg, scope)
        names = outer or tuple(strings(self.r.eval(arg, scope)))
        return self._expanded(("extmgr", v[1], names, v[3]) + v[4:])

    def _expanded(self, v: tuple) -> Values:
        """An extension's object or class, once its names are known."""
        if len(v) > 4 and not (isinstance(v[2], tuple) and v[2][:1] == ("param",)):
            return frozenset(self._loaded(v[1], v[2], "cls" if v[4] == "plugin" else v[3]))
        return frozenset({v})

    def _loaded(self, group: str, names, kind: str) -> set:
        table = self.p.entry_points.get(group, {})
        chosen = sorted(table) if names == "*" else [n for n in names if n in table]
        if len(chosen) > MAX_PLUGINS:
            return set()
        out = set()
        for name in chosen:
            cls = self.r.class_by_path(table[name].replace(":", "."))
            if cls:
                out.add((kind, cls))
        return out

    def _driver(self, expr: tuple, scope: str) -> Values:
        """``DriverManager(namespace, name)``: the entry point ``name`` of group ``namespace``."""
        args = dict(enumerate(expr[2]))
        kw = {k: v for k, v in expr[3] if k}
        namespace, name = kw.get("namespace", args.get(0)), kw.get("name", args.get(1))
        if namespace is None or name is None:
            return EMPTY
        out: set = set()
        names = self.r.eval(name, scope)
        for group in strings(self.r.eval(namespace, scope)):
            table = self.p.entry_points.get(group, {})
            for v in names:
                target = table.get(v[1]) if v[0] in ("str", "cfg") else None
                cls = self.r.class_by_path(target.replace(":", ".")) if target else None
                if cls:
                    out.add(("plugin", cls, "drv" if v[0] == "cfg" else "inst"))
        return frozenset(out)

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] == "plugin":
            return frozenset({(v[2], v[1])}) if attr == "driver" else EMPTY
        if len(v) > 4:
            return EMPTY
        if attr == "extensions":
            return frozenset({v})
        if attr in ("obj", "plugin"):
            return self._expanded(v + (attr,))
        return EMPTY
