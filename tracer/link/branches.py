"""link: which way a branch goes when the deployment keeps every option at its declared default.

Stage: link.  Must not import libcst or render.  Reads the guard texts the scanner records
(``tracer.scan.guards``), parsed with the standard ``ast`` module (parsing runs nothing).

A test is decided when every name it reads has known values: an option read (``CONF.cells.enable``,
answered by the oslo.config model from the option's declared default), a literal, a name bound to
one of those, or a call of a program function whose returns are decided in turn (``get_cell_type()``:
its ``return`` under ``if not CONF.cells.enable`` is taken, so it gives ``None``).  Anything else
(a parameter, an attribute of an object, an operator it does not know) leaves the test open, and an
open test rules nothing out.  The answer is a set of possible outcomes: a branch is off by default
only when its test can be nothing but false.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from tracer.link.exprs import NOT_LITERAL, literal_value
from tracer.link.program import MODULE_BODY
from tracer.link.values import ordered

if TYPE_CHECKING:
    from tracer.link.resolve import Resolver

BRANCHES = ("if", "elif", "else")
TAKEN = ("try", "with", "finally")  # a body that runs whenever the statement does
MAX_DEPTH = 4  # calls and names followed from one test
MAX_VALUES = 8  # known values a leaf may have before it counts as open
_MISSING = object()


class Branches:
    def __init__(self, core: Resolver) -> None:
        self.r = core
        self.p = core.p
        self._config = core.models["oslo_config"]
        self._tests: dict[str, ast.expr | None] = {}
        self._off: dict[tuple, str | None] = {}
        self._returns: dict[str, frozenset | None] = {}
        self._active: set[str] = set()
        self._cut = False  # the answer being computed met the depth limit or a cycle: not memoised

    def off(self, guard: tuple, after: tuple, scope: str) -> str | None:
        """Why a call site under ``guard`` (innermost first), after the early exits ``after``, does not run
        with the defaults: the text of the branch they rule out, or of the exit they take; else None."""
        key = (guard, after, scope)
        if key not in self._off:
            self._off[key] = self._why_off(guard, after, scope)
        return self._off[key]

    def _why_off(self, guard: tuple, after: tuple, scope: str) -> str | None:
        for g in guard:
            if g[0] in BRANCHES and self._truth(g, scope, 0) == frozenset({False}):
                return g[1]
        for test in after:
            if self._truth(("if", f"if {test}"), scope, 0) == frozenset({True}):
                return f"returned before: if {test}"
        return None

    # -- tests -------------------------------------------------------------------------
    def _truth(self, g: tuple, scope: str, depth: int) -> frozenset | None:
        test = self._parsed(g[0], g[1])
        return None if test is None else self.outcomes(test, scope, depth)

    def _parsed(self, kind: str, text: str) -> ast.expr | None:
        if text not in self._tests:
            self._tests[text] = _parse(kind, text)
        return self._tests[text]

    def outcomes(self, node: ast.expr, scope: str, depth: int = 0) -> frozenset | None:
        """The truth values ``node`` may have, or None when it is open."""
        if isinstance(node, ast.BoolOp):
            parts = [self.outcomes(v, scope, depth) for v in node.values]
            want = isinstance(node.op, ast.Or)
            if any(p == frozenset({want}) for p in parts if p is not None):
                return frozenset({want})  # one operand settles it, whatever the others are
            if any(p is None for p in parts):
                return None
            return frozenset({want, not want}) if any(len(p) > 1 for p in parts) else frozenset({not want})
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.outcomes(node.operand, scope, depth)
            return None if inner is None else frozenset(not b for b in inner)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            left = self.values(node.left, scope, depth)
            right = self.values(node.comparators[0], scope, depth)
            if left is None or right is None:
                return None
            out = set()
            for a in left:
                for b in right:
                    result = _compare(node.ops[0], a, b)
                    if result is None:
                        return None
                    out.add(result)
            return frozenset(out)
        values = self.values(node, scope, depth)
        return None if values is None else frozenset(bool(v) for v in values)

    # -- values ------------------------------------------------------------------------
    def values(self, node: ast.expr, scope: str, depth: int) -> frozenset | None:
        """The constants ``node`` may be, or None when it is open."""
        if isinstance(node, ast.Constant):
            return frozenset({node.value}) if _hashable(node.value) else None
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self.values(e, scope, depth) for e in node.elts]
            if any(i is None or len(i) != 1 for i in items):
                return None
            return frozenset({tuple(next(iter(i)) for i in items)})
        expr = _to_expr(node)
        return None if expr is None else self.expr_values(expr, scope, depth)

    def expr_values(self, expr: tuple, scope: str, depth: int) -> frozenset | None:
        """The same for an expression as the scanner records it (``tracer.facts.model``)."""
        if depth > MAX_DEPTH:
            self._cut = True
            return None
        tag = expr[0]
        if tag in ("s", "i", "n") and (value := literal_value(expr)) is not NOT_LITERAL:
            return frozenset({value})
        if tag == "i":
            return None
        if tag == "a":
            known, value = self._config.option_value(expr, scope)
            return frozenset({value}) if known else None
        if tag == "n":
            return self._name(expr[1], scope, depth)
        if tag == "c":
            return self._call(expr, scope, depth)
        return None

    def _name(self, name: str, scope: str, depth: int) -> frozenset | None:
        found = self._sources(name, scope)
        if found is None:
            return None
        sources, where = found
        if any(kind != "expr" for kind, _ in sources):
            return None  # a parameter, an import, a def, a rebinding elsewhere: not known here
        fn = self.p.functions.get(where)
        kept = [text for n, text in (fn.facts.conds if fn else ()) if n == name]
        if kept:  # a test kept in the name: its outcomes, when every assignment of the name is such a test
            tests = [self._parsed("if", f"if {text}") for text in kept]
            if len(kept) != len(sources) or any(t is None for t in tests):
                return None
            outcomes = [self.outcomes(t, where, depth + 1) for t in tests]
            return None if any(o is None for o in outcomes) else frozenset().union(*outcomes)
        out: set = set()
        for _, expr in sources:
            got = self.expr_values(expr, where, depth + 1)
            if got is None:
                return None
            out |= got
        return frozenset(out) if len(out) <= MAX_VALUES else None

    def _sources(self, name: str, scope: str) -> tuple[list, str] | None:
        """What binds ``name`` where ``scope`` sees it, and in which scope: its own, an enclosing def's or
        the module body's."""
        fn = self.p.functions.get(scope)
        if fn is None:
            return None
        body = f"{fn.module}.{MODULE_BODY}"
        while fn is not None:
            sources = self.r.locals_of(fn.fq).get(name)
            if sources:
                return sources, fn.fq
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        sources = self.r.locals_of(body).get(name) if body in self.p.functions else None
        return (sources, body) if sources else None

    def _call(self, expr: tuple, scope: str, depth: int) -> frozenset | None:
        callees = self.r.eval(expr[1], scope)
        if not callees or any(v[0] != "fn" for v in callees):
            return None
        out: set = set()
        for v in ordered(callees):
            got = self.returns(v[1], depth + 1)
            if got is None:
                return None
            out |= got
        return frozenset(out)

    def returns(self, fq: str, depth: int = 0) -> frozenset | None:
        """What a call of ``fq`` may give once its tests are decided: its ``return``s in order, up to the
        first that is sure to run; falling off the end gives None.  An answer that met the depth limit or a
        cycle depends on where it was asked from, so it is not kept (the same input, the same answers)."""
        hit = self._returns.get(fq, _MISSING)
        if hit is not _MISSING:
            return hit
        if fq in self._active:  # a cycle: open
            self._cut = True
            return None
        outer, self._cut = self._cut, False
        self._active.add(fq)
        try:
            got = self._compute_returns(fq, depth)
        finally:
            self._active.discard(fq)
        if not self._cut:
            self._returns[fq] = got
        self._cut = self._cut or outer
        return got

    def _compute_returns(self, fq: str, depth: int) -> frozenset | None:
        fn = self.p.functions.get(fq)
        if fn is None or fn.facts.is_generator:
            return None
        out: set = set()
        for value, guard, after in fn.facts.exits:
            way = self._way(guard, after, fq, depth)
            if way is False:
                continue
            got = self.expr_values(value, fq, depth)
            if got is None:
                return None
            out |= got
            if way is True:
                return frozenset(out)
        return frozenset(out | {None})

    def _way(self, guard: tuple, after: tuple, scope: str, depth: int) -> bool | None:
        """True when every branch of ``guard`` is sure to be taken (and no early exit before), False when
        one cannot be (or an exit before is sure to be taken), else None."""
        sure = True
        for test in after:
            truth = self._truth(("if", f"if {test}"), scope, depth)
            if truth == frozenset({True}):
                return False
            if truth != frozenset({False}):
                sure = False
        for g in guard:
            if g[0] in TAKEN:
                continue
            truth = self._truth(g, scope, depth) if g[0] in BRANCHES else None
            if truth == frozenset({False}):
                return False
            if truth != frozenset({True}):
                sure = False
        return True if sure else None


def _parse(kind: str, text: str) -> ast.expr | None:
    """The test of a guard text: ``if x``, ``elif x``, ``else (not a, not b)`` (every one must hold)."""
    if text.endswith("..."):
        return None  # cut at the scanner's length
    body = text[len(kind):].strip()
    if kind == "else":
        if not (body.startswith("(") and body.endswith(")")):
            return None
        body = body[1:-1]
    try:
        node = ast.parse(body, mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if kind == "else" and isinstance(node, ast.Tuple):
        return ast.BoolOp(op=ast.And(), values=node.elts)
    return node


def _to_expr(node: ast.expr) -> tuple | None:
    """A name, an attribute chain or a call of one, as the scanner writes expressions."""
    if isinstance(node, ast.Name):
        return ("n", node.id)
    if isinstance(node, ast.Attribute):
        base = _to_expr(node.value)
        return None if base is None else ("a", base, node.attr)
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        func = _to_expr(node.func)
        return None if func is None else ("c", func, (), ())
    return None


def _compare(op: ast.cmpop, a, b) -> bool | None:
    if isinstance(op, ast.Eq):
        return a == b
    if isinstance(op, ast.NotEq):
        return a != b
    if isinstance(op, ast.Is):
        return a is b if a is None or b is None or isinstance(a, bool) else a == b
    if isinstance(op, ast.IsNot):
        return a is not b if a is None or b is None or isinstance(a, bool) else a != b
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(b, (tuple, str)):
        if isinstance(b, str) and not isinstance(a, str):
            return None
        found = a in b
        return found if isinstance(op, ast.In) else not found
    return None


def _hashable(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), bytes))
