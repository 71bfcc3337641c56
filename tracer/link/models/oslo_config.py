"""link model: oslo.config.  ``CONF.x`` (or ``self.configuration.x``) is the declared default of option ``x``.

Stage: link.  Must not import libcst or render.

Options are the program index's ``cfg.XxxOpt('name', default=...)`` declarations.
A default that is a string comes back as a ``("cfg", text)`` value: a string the
deployment may change (an import path read from it names a configured driver).
A list default is its strings; a dict default is ``("cfgmap", module, option)``,
read by key (``CONF.x['pre']``: that entry's strings).  ``CONF.get(name)`` reads the option so named.
"""
from __future__ import annotations

import re

from tracer.link.models.base import Model
from tracer.link.program import MODULE_BODY
from tracer.link.values import WILD, Values, templates

MAX_FITTING = 6  # options a name with an unknown part may stand for


class OsloConfig(Model):
    name = "oslo_config"
    kinds = ("cfgmap",)
    calls = ("cfg.CONF.get",)

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        """``CONF.get(name)``: the option ``name``'s default; a name built around an unknown part
        (``'%s_manager' % subtopic``) is each option it fits, when few do."""
        if not expr[2]:
            return frozenset({("exti", dotted)})
        out: set = set()
        for text in templates(self.r.eval(expr[2][0], scope)):
            names = [text] if WILD not in text else self._fitting(text)
            for name in names:
                out |= self.fallback_attribute(name)
        return frozenset(out) or frozenset({("exti", dotted)})

    def _fitting(self, pattern: str) -> list[str]:
        regex = re.compile("[^.]*".join(re.escape(part) for part in pattern.split(WILD)) + "$")
        found = sorted(name for name in self.p.options if regex.match(name))
        return found if len(found) <= MAX_FITTING else []

    def fallback_attribute(self, attr: str) -> Values:
        out = {("cfg", text) for text in self.string_defaults(attr)}
        for module, o in self.p.options.get(attr, ()):
            if o.default and o.default[0] == "l":
                out |= self._texts(o.default, module)
            elif o.default and o.default[0] == "d":
                out.add(("cfgmap", module, attr))
        return frozenset(out)

    def subscript(self, v: tuple, keys: list[str]) -> Values:
        out: set = set()
        for module, o in self.p.options.get(v[2], ()):
            if module == v[1] and o.default and o.default[0] == "d":
                for key, value in o.default[1]:
                    if key[0] == "s" and (not keys or key[1] in keys):
                        out |= self._texts(value, module)
        return frozenset(out)

    def _texts(self, expr: tuple, module: str) -> set:
        """The strings of a default (a list's elements), as values the deployment may change."""
        values = self.r.eval(expr, f"{module}.{MODULE_BODY}")
        return {("cfg", v[1]) for v in values if v[0] in ("str", "cfg")}

    def string_defaults(self, option: str) -> list[str]:
        """The string defaults declared for the option ``option``, in declaration order."""
        return [o.default[1] for _, o in self.p.options.get(option, ()) if o.default and o.default[0] == "s"]
