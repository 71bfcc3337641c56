"""effects: locks, oslo.concurrency lockutils and tooz coordination, and the projects' wrappers of them.

Stage: effects.  Must not import libcst, networkx or render.

A lock is taken by calling (as a decorator, a context manager or plainly) ``lockutils.lock`` /
``synchronized`` / ``external_lock`` / ``internal_lock``, what ``lockutils.synchronized_with_prefix(p)``
or ``lock_with_prefix(p)`` returns (nova's and cinder's ``utils.synchronized``: the name gets ``p`` in
front), a tooz coordinator's ``get_lock``, or a function of the program that calls one of those with
its own first argument somewhere below it (cinder's ``coordination.synchronized(name)``, whose wrapper
asks ``COORDINATOR.get_lock(name.format(...))``).  The lock's name is that first argument as a template
(``nova-{instance.uuid}``, ``{volume.id}-{f_name}``), behind what each wrapper on the way puts in front of
the name it is given (``Coordinator.get_lock``'s ``self.prefix + name``, ``self.prefix`` being the
``prefix='cinder-'`` its instance was made with): ``cinder-{volume.id}-{f_name}``.
"""
from __future__ import annotations

from tracer.effects.summary import literal
from tracer.effects.texts import Env, Texts, _product, arguments
from tracer.effects.view import LinkView
from tracer.link.program import MODULE_BODY

LOCKUTILS = "oslo_concurrency.lockutils."
LOCK_CALLS = frozenset({"lock", "synchronized", "external_lock", "internal_lock"})
PREFIXED = frozenset({"synchronized_with_prefix", "lock_with_prefix"})
TOOZ = "tooz."
MAX_DEPTH = 3
MAX_CONSTRUCTIONS = 12
STR_METHODS = frozenset({"encode", "format", "lower", "upper", "strip"})  # leave the name's front as it is


class Locks:
    def __init__(self, view: LinkView, texts: Texts) -> None:
        self.v = view
        self.p = view.p
        self.t = texts
        self._wrappers: dict[str, str | None] = {}
        self._prefixes: dict[str, str] = {}

    def lock(self, func: tuple, args: tuple, kwargs: tuple, scope: str, holes: bool = True) -> tuple[tuple, str, tuple] | None:
        """(the lock name's Text, primitive, detail) when calling ``func(*args, **kwargs)`` takes a lock."""
        primitive, prefix = self.primitive(func, scope)
        if primitive is None:
            return None
        name_expr = args[0] if args else next((v for k, v in kwargs if k in ("name", "lock_name")), None)
        name = self.t.of(name_expr, scope, holes) if name_expr is not None else (("{?}",),)
        name = tuple(alt for alt in name if alt != ("None",)) or name
        external = any(k == "external" and v == ("n", "True") for k, v in kwargs)
        detail = (("external", True),) if external else ()
        return _product(literal(prefix), name, ("s", prefix)), primitive, detail

    def primitive(self, func: tuple, scope: str) -> tuple[str | None, str]:
        """(``lockutils`` | ``tooz`` | None, the prefix a ``*_with_prefix`` factory gave)."""
        if func[0] not in ("n", "a"):
            return None, ""
        for v in sorted(self.v.eval(func, scope)):
            if len(v) < 2:
                continue
            kind, dotted = v[0], v[1]
            if kind in ("ext", "exti") and dotted.startswith(LOCKUTILS):
                last = dotted.rsplit(".", 1)[-1]
                if last in LOCK_CALLS and kind == "ext":
                    return "lockutils", ""
                if last in PREFIXED and kind == "exti":
                    return "lockutils", self._prefix(func, scope)
            if kind in ("ext", "exti") and dotted.startswith(TOOZ) and dotted.endswith(".get_lock"):
                return "tooz", ""
            if kind in ("fn", "bound") and self.wraps_lock(v[1], 0):
                return self._wrappers[v[1]], self._prefixes.get(v[1], "")
        return None, ""

    def _prefix(self, func: tuple, scope: str) -> str:
        """``synchronized = lockutils.synchronized_with_prefix('nova-')``: ``nova-``."""
        found = self._defining_call(func, scope)
        if found and found[0][2]:
            texts = self.t.strings(found[0][2][0], found[1])
            return texts[0] if len(texts) == 1 else ""
        return ""

    def _defining_call(self, expr: tuple, scope: str) -> tuple[tuple, str] | None:
        if expr[0] == "n":
            bound = self.v.bound(expr[1], scope)
        elif expr[0] == "a":
            bound = []
            for v in self.v.eval(expr[1], scope):
                if v[0] == "mod":
                    bound += self.v.bound(expr[2], f"{v[1]}.{MODULE_BODY}")
        else:
            return None
        return next(((e, w) for e, w in bound if e[0] == "c"), None)

    def wraps_lock(self, fq: str, depth: int) -> bool:
        """A program function that takes a lock named by its first argument (itself or in a closure)."""
        if fq not in self._wrappers:
            self._wrappers[fq] = None
            self._wrappers[fq] = self._find_wrapped(fq, depth) if depth < MAX_DEPTH else None
        return self._wrappers[fq] is not None

    def _find_wrapped(self, fq: str, depth: int) -> str | None:
        fn = self.p.functions.get(fq)
        params = [p.name for p in fn.facts.params] if fn else []
        if fn is None or not params:
            return None
        first = params[1] if self.v.method_offset(fn) and len(params) > 1 else params[0]
        for scope in [fq] + self.v.closures(fq):
            for site in sorted(self.p.functions[scope].calls(), key=lambda s: (s.line, s.col)):
                if site.args and self._built_from(site.args[0], first, scope):
                    primitive, inner = self.primitive(site.func, scope) if site.func[0] in ("n", "a") else (None, "")
                    if primitive is not None:
                        self._prefixes[fq] = inner + self._put_before(site.args[0], first, scope)
                        return primitive
        return None

    def _put_before(self, expr: tuple, name: str, scope: str, depth: int = 0) -> str:
        """The literal a wrapper puts in front of the name it was given: ``(self.prefix + name).encode()``,
        also through a local (``lock_name = ...; get_lock(lock_name)``)."""
        while expr[0] == "c" and expr[1][0] == "a" and expr[1][2] in STR_METHODS:
            expr = expr[1][1]
        if expr[0] == "+" and _mentions(expr[2], name) and not _mentions(expr[1], name):
            texts = self._constructed(expr[1], scope) or self.t.strings(expr[1], scope)
            return texts[0] if len(texts) == 1 and "{" not in texts[0] else ""
        if expr[0] == "n" and expr[1] != name and depth < MAX_DEPTH and not self.v.is_parameter(expr[1], scope):
            local = [e for e, w in self.v.bound(expr[1], scope) if w == scope]
            found = {self._put_before(e, name, scope, depth + 1) for e in local[:4]}
            return found.pop() if len(found) == 1 else ""
        return ""

    def _constructed(self, expr: tuple, scope: str) -> tuple[str, ...]:
        """``self.prefix`` in a method: the strings the constructions of its class give it (the parameter's
        default counts only where a construction leaves it out)."""
        fn = self.p.functions.get(scope)
        if expr[0] != "a" or fn is None or not fn.is_self(expr[1]):
            return ()
        init = self.p.lookup_method(fn.cls, "__init__")
        if init is None or init not in self.p.functions:
            return ()
        found: set[str] = set()
        for caller, site in self.v.sites_named(fn.cls.rsplit(".", 1)[-1])[:MAX_CONSTRUCTIONS]:
            if site.func[0] in ("n", "a") and ("cls", fn.cls) in self.v.eval(site.func, caller):
                text = self.t.attribute(expr[2], Env(init, tuple(arguments(self.v, init, site)), caller, None), (caller, False))
                found |= {alt[0] for alt in text or () if len(alt) == 1 and isinstance(alt[0], str) and alt[0] != "None"}
        return tuple(sorted(found))

    def _built_from(self, expr: tuple, name: str, scope: str, depth: int = 0) -> bool:
        """The value is made from parameter ``name``, directly or through locals (``names = sorted(n.format()
        for n in lock_names)``, then ``get_lock(name) for name in names``)."""
        if _mentions(expr, name):
            return True
        while expr[0] in ("it", "k", "a", "c"):
            expr = expr[1]
        if expr[0] != "n" or self.v.is_parameter(expr[1], scope) or depth > 3:
            return False
        return any(self._built_from(e, name, scope, depth + 1) for e, w in self.v.bound(expr[1], scope)[:4]
                   if w == scope)


def _mentions(expr: tuple, name: str, depth: int = 0) -> bool:
    """``name``, ``name.format(...)``, ``(prefix + name).encode()``: the value is built from ``name``."""
    if expr == ("n", name):
        return True
    tag = expr[0]
    if depth > 6 or tag in ("s", "i", "n", "o"):
        return False
    if tag in ("a", "it", "k", "*"):
        return _mentions(expr[1], name, depth + 1)
    if tag == "c":
        parts = [expr[1], *expr[2], *(v for _, v in expr[3])]
    elif tag in ("+", "%"):
        parts = [expr[1], expr[2]]
    elif tag in ("l", "u", "f"):
        parts = list(expr[1])
    else:
        return False
    return any(_mentions(p, name, depth + 1) for p in parts)
