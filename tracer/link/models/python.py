"""link model: Python's own callables that the core needs told apart (``super``, ``functools.partial``,
``getattr`` with a literal or a pattern name, the built-ins that hand back their arguments).

Stage: link.  Must not import libcst or render.

    ("super", cls[, after])   ``super()`` inside ``cls`` (an inherited copy: the MRO of ``cls`` after ``after``)
    ("partial", fq, n)        ``functools.partial(f, a1..an)``: calling it calls ``fq`` with n arguments first
    ("strm", kind, text, name)   a method of a string written in the code (``action.lower``); calling it
                              gives the string it computes (``'CLUSTER_CREATE'.lower().replace('cluster', 'do')``)
    ("wref", value)           ``weakref.ref(x)`` of a program value: calling it gives ``x`` back
    ("hooks", cls, pattern)   ``getattr(self, 'handle_%s' % action)`` in a method of base class ``cls``:
                              the methods its subclasses define whose names fit the pattern (``self`` may
                              be any subclass: this is how a base runs its subclasses' hooks).  One value
                              for all of them (heat's ``Resource`` has hundreds); calling it makes a
                              ``candidate`` driver edge to each
"""
from __future__ import annotations

import itertools
import re

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.records import Edge
from tracer.link.values import BOUND_KINDS, WILD, Values, ext_matches, ordered, strings, templates

PARTIALS = ("functools.partial",)
# built-ins and functools that look at or decorate a function, never call it: no callback
INERT = (
    "builtins.hasattr", "builtins.getattr", "builtins.setattr", "builtins.delattr", "builtins.isinstance",
    "builtins.issubclass", "builtins.callable", "builtins.id", "builtins.repr", "builtins.type", "builtins.vars",
    "builtins.dir", "builtins.hash", "functools.wraps", "functools.update_wrapper", "inspect.signature",
    "inspect.getfullargspec", "inspect.getargspec", "inspect.isfunction", "inspect.ismethod",
    "inspect.getmodule", "inspect.unwrap",
)
WEAKREFS = ("weakref.ref",)  # ref(x)() is x
PROXIES = ("weakref.proxy",)  # proxy(x) stands for x
GETATTR = ("builtins.getattr",)
MAX_DISPATCH = 24  # methods a getattr(obj, 'do_' + x) may name
# built-ins that hand back (the elements of) their arguments: with smashed containers, their values
PASS_THROUGH = (
    "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.sorted", "builtins.reversed",
    "builtins.iter", "builtins.next", "itertools.chain", "copy.copy", "copy.deepcopy",
)


# str methods whose result is a string computed from the text and literal arguments
STR_METHODS = {
    "lower": str.lower, "upper": str.upper, "title": str.title, "capitalize": str.capitalize,
    "casefold": str.casefold, "strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip,
    "replace": str.replace, "removeprefix": str.removeprefix, "removesuffix": str.removesuffix,
}
SPLITS = ("split", "rsplit")  # their elements (a list is its elements)


class Python(Model):
    name = "python"
    kinds = ("super", "partial", "strm", "hooks", "wref")
    settled = ("partial", "strm", "hooks")
    external = ("strm",)
    attributes_of = ("str", "cfg")
    calls = ("super",) + PASS_THROUGH + PARTIALS + GETATTR + WEAKREFS + PROXIES
    inert = INERT

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._hooks: dict[tuple[str, str], list[str]] = {}  # (class, pattern) -> subclass methods

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if dotted == "super" or dotted.endswith(".super"):
            return self._super(scope)
        if ext_matches(dotted, GETATTR):
            return self._getattr(expr, scope) if len(expr[2]) >= 2 else frozenset({("exti", dotted)})
        if ext_matches(dotted, WEAKREFS + PROXIES):
            values = self.r.eval(expr[2][0], scope) if expr[2] and expr[2][0][0] != "*" else EMPTY
            if ext_matches(dotted, PROXIES):
                return values
            return frozenset(("wref", v) for v in values if v[0] in ("inst", "drv"))
        if ext_matches(dotted, PASS_THROUGH):
            return frozenset().union(*(self.r.eval(a[1] if a[0] == "*" else a, scope) for a in expr[2]))
        if expr[2]:
            return self._partial(expr, scope)
        return frozenset({("exti", dotted)})

    def _getattr(self, expr: tuple, scope: str) -> Values:
        """``getattr(obj, name)`` with a name written in the code, or built around a literal
        (``'do_' + action``, ``'handle_%s' % x``): the attributes it can name."""
        patterns = self._names(expr[2][1], scope) or self._members_tested(expr[2][1], scope)
        out: set = set()
        on_self = self._is_self(expr[2][0], scope)
        for v in ordered(self.r.eval(expr[2][0], scope)):
            for pattern in patterns:
                if WILD not in pattern:
                    out |= self.r.attribute(v, pattern)
                elif v[0] in ("inst", "cls"):
                    out |= self._matching(v, pattern)
                    if on_self and v[0] == "inst" and self._subclass_hooks(v[1], pattern):
                        out.add(("hooks", v[1], pattern))
        if len(expr[2]) > 2:
            out |= self.r.eval(expr[2][2], scope)
        return frozenset(out)

    def _names(self, expr: tuple, scope: str) -> list[str]:
        if expr[0] == "+":
            lefts, rights = self._names(expr[1], scope) or [WILD], self._names(expr[2], scope) or [WILD]
            return sorted({a + b for a in lefts for b in rights if (a + b).strip(WILD)})
        return templates(self.r.eval(expr, scope))

    def _members_tested(self, expr: tuple, scope: str) -> list[str]:
        """A name the function tests against a collection (``if ac not in self.ACTIONS: raise``): that
        collection's strings (the guards of its call sites say the test)."""
        fn = self.p.functions.get(scope)
        if expr[0] != "n" or fn is None:
            return []
        test = re.compile(rf"\b{re.escape(expr[1])} (?:not )?in ([A-Za-z_][A-Za-z0-9_.]*)\)?$")
        found: set[str] = set()
        for site in fn.calls():
            for _, text, _ in site.guard:
                m = test.search(text)
                if m:
                    found.add(m.group(1))
        out: set[str] = set()
        for dotted in sorted(found):
            parts = dotted.split(".")
            collection: tuple = ("n", parts[0])
            for part in parts[1:]:
                collection = ("a", collection, part)
            out |= set(strings(self.r.eval(collection, scope)))
        return sorted(out)

    def _matching(self, v: tuple, pattern: str) -> Values:
        regex = _name_regex(pattern)
        names = sorted({n for k in self.p.mro(v[1]) if k in self.p.classes
                        for n in self.p.classes[k].methods if regex.match(n)})
        if len(names) > MAX_DISPATCH:
            return EMPTY
        return frozenset().union(*(self.r.attribute(v, n) for n in names)) if names else EMPTY

    def _subclass_hooks(self, cls: str, pattern: str) -> list[str]:
        """The methods the subclasses of ``cls`` define themselves whose name fits ``pattern`` and that are
        not what ``cls`` has under that name (an inherited copy is not a definition), sorted."""
        key = (cls, pattern)
        hit = self._hooks.get(key)
        if hit is None:
            regex = _name_regex(pattern)
            found = set()
            for sub in self.p.all_subclasses(cls):
                klass = self.p.classes.get(sub)
                for name, method in klass.methods.items() if klass else ():
                    if regex.match(name) and not self.p.functions[method].inherited_from \
                            and method != self.p.lookup_method(cls, name):
                        found.add(method)
            hit = self._hooks[key] = sorted(found)
        return hit

    def _is_self(self, expr: tuple, scope: str) -> bool:
        """``self`` of a method's own def (an inherited copy's ``self`` is already the subclass)."""
        fn = self.p.functions.get(scope)
        return fn is not None and not fn.inherited_from and fn.is_self(expr)

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
        if v[0] in ("str", "cfg") and (attr in STR_METHODS or attr in SPLITS):
            return frozenset({("strm", v[0], v[1], attr)})
        return EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        if v[0] == "strm":
            return self._string_method(v, expr, scope)
        if v[0] == "wref":
            return frozenset({v[1]})
        return self.r.returns(v[1]) if v[0] == "partial" else EMPTY

    def _string_method(self, v: tuple, expr: tuple, scope: str) -> Values:
        """The strings ``text.name(*args)`` gives when its arguments are literals (or few known texts)."""
        kind, text, name = v[1], v[2], v[3]
        choices = [[int(a[1])] if a[0] == "i" and a[1].isdigit() else strings(self.r.eval(a, scope))
                   for a in expr[2]]
        if expr[3] or any(not c for c in choices) or any(a[0] == "*" for a in expr[2]):
            return EMPTY  # keyword or unknown arguments: not computed
        out: set = set()
        for args in itertools.islice(itertools.product(*choices), MAX_DISPATCH):
            try:
                if name in SPLITS:
                    out |= {(kind, part) for part in getattr(text, name)(*args)}
                else:
                    out.add((kind, STR_METHODS[name](text, *args)))
            except (TypeError, ValueError):
                continue
        return frozenset(out)

    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] == "hooks":
            meta = (("dispatch", v[2].replace(WILD, "*")),)
            return [Edge(fq, m, "driver", path, site.line, "candidate", meta) for m in self._subclass_hooks(v[1], v[2])]
        return [Edge(fq, v[1], "call", path, site.line, confidence, ())] if v[0] == "partial" else []


def _name_regex(pattern: str) -> re.Pattern:
    """A getattr name pattern (``WILD`` for the unknown parts) as a regex over whole names."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split(WILD)) + "$")
