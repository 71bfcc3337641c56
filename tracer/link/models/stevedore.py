"""link model: stevedore.  ``DriverManager(namespace, name)`` loads the entry point ``name`` of group
``namespace``, read from the indexed distributions' entry points.

Stage: link.  Must not import libcst or render.

    ("plugin", fq, kind)   a manager whose ``.driver`` is ``(kind, fq)``: a configured driver (``drv``)
                           when the name is an option's default, else a plain instance
"""
from __future__ import annotations

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.values import Values, strings

PLUGIN_LOADERS = ("stevedore.driver.DriverManager", "stevedore.DriverManager")


class Stevedore(Model):
    name = "stevedore"
    kinds = ("plugin",)
    calls = PLUGIN_LOADERS

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
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
        return frozenset({(v[2], v[1])}) if attr == "driver" else EMPTY
