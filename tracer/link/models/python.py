"""link model: Python's own callables that the core needs told apart (``super``, ``functools.partial``,
the built-ins that hand back their arguments).

Stage: link.  Must not import libcst or render.

    ("super", cls[, after])   ``super()`` inside ``cls`` (an inherited copy: the MRO of ``cls`` after ``after``)
    ("partial", fq, n)        ``functools.partial(f, a1..an)``: calling it calls ``fq`` with n arguments first
"""
from __future__ import annotations

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.records import Edge
from tracer.link.values import BOUND_KINDS, Values, ext_matches

PARTIALS = ("functools.partial",)
# built-ins that hand back (the elements of) their arguments: with smashed containers, their values
PASS_THROUGH = (
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.sorted", "builtins.reversed",
    "builtins.iter", "builtins.next", "itertools.chain", "copy.copy", "copy.deepcopy",
)


class Python(Model):
    name = "python"
    kinds = ("super", "partial")
    settled = ("partial",)
    calls = ("super",) + PASS_THROUGH + PARTIALS

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if dotted == "super" or dotted.endswith(".super"):
            return self._super(scope)
        if ext_matches(dotted, PASS_THROUGH):
            return frozenset().union(*(self.r.eval(a[1] if a[0] == "*" else a, scope) for a in expr[2]))
        if expr[2]:
            return self._partial(expr, scope)
        return frozenset({("exti", dotted)})

    def _super(self, scope: str) -> Values:
        fn = self.p.functions.get(scope)
        owner = self.r.owner_class(fn)
        if fn is not None and fn.inherited_from:  # an inherited copy: the MRO after the defining class
            return frozenset({("super", owner, self.p.functions[fn.inherited_from].cls)})
        return frozenset({("super", owner)}) if owner else EMPTY

    def _partial(self, expr: tuple, scope: str) -> Values:
        bound = len(expr[2]) - 1
        out: set = set()
        for v in self.r.eval(expr[2][0], scope):
            if v[0] == "fn":
                out.add(("partial", v[1], bound))
            elif v[0] in BOUND_KINDS:
                out.add(("partial", v[1], bound + 1))
        return frozenset(out)

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] == "super":
            return self.r.super_attr(v[1], attr, v[2] if len(v) > 2 else v[1])
        return EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        return self.r.returns(v[1]) if v[0] == "partial" else EMPTY

    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        return [Edge(fq, v[1], "call", path, site.line, confidence, ())] if v[0] == "partial" else []
