"""link model: jsonschema.  A format checker's ``checkers`` table holds the functions registered with
``@FormatChecker.cls_checks('name', raises)`` or ``@<checker>.checks('name', raises)``, each as the row
``(func, raises)``; a subclass's own ``check`` reads it (``func, raises = self.checkers[format]``).

Stage: link.  Must not import libcst or render.
"""
from __future__ import annotations

from functools import cached_property

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.program import MODULE_BODY
from tracer.link.values import Values, ext_matches, ordered, strings

FORMAT_CHECKERS = ("jsonschema.FormatChecker", "jsonschema._format.FormatChecker")
REGISTER = ("cls_checks", "checks")
CHECKERS = "checkers"


class Jsonschema(Model):
    name = "jsonschema"
    tables = (CHECKERS,)

    def table(self, attr: str, keys: list[str], scope: str) -> Values:
        """``self.checkers[fmt]`` in a method of a ``FormatChecker`` subclass: the registered functions
        (under ``fmt`` when it is a literal)."""
        fn = self.p.functions.get(scope)
        owner = self.r.owner_class(fn) if fn is not None else None
        if attr != CHECKERS or owner is None or not self.r.is_subclass(owner, FORMAT_CHECKERS):
            return EMPTY
        return frozenset(("fn", fq) for name, fq in self._registered if not keys or name in keys)

    @cached_property
    def _registered(self) -> list[tuple[str, str]]:
        """(format name, function) of every function a format checker's decorator registers."""
        out = []
        for fq, fn in sorted(self.p.functions.items()):
            if fn.inherited_from is not None:
                continue
            scope = fn.parent or f"{fn.module}.{MODULE_BODY}"
            for d in fn.facts.decorators:
                if d[0] != "c" or d[1][0] != "a" or d[1][2] not in REGISTER or not d[2]:
                    continue
                if not self._is_checker(d[1][1], scope):
                    continue
                out += [(name, fq) for name in strings(self.r.eval(d[2][0], scope))]
        return out

    def _is_checker(self, expr: tuple, scope: str) -> bool:
        for v in ordered(self.r.eval(expr, scope)):
            if v[0] == "ext" and ext_matches(v[1], FORMAT_CHECKERS):
                return True
            if v[0] == "exti" and ext_matches(v[1], FORMAT_CHECKERS):  # a checker instance
                return True
            if v[0] in ("cls", "inst") and self.r.is_subclass(v[1], FORMAT_CHECKERS):
                return True
        return False
