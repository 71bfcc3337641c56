"""effects: code that runs around a function without being called by name: decorators' wrappers and the
``__enter__``/``__exit__`` of a ``with`` statement's object.

Stage: effects, after link.  Must not import libcst, networkx or render.

A decorator of the program (``@wrap_instance_fault``, ``@wrap_instance_event(prefix='compute')``) replaces
the function with a closure it defines: the *wrapper* is a function defined inside the decorator (at any
depth) that its enclosing function returns by name and that calls the enclosing function's parameter, or its
own (``decorator.decorator``'s ``_synchronized(f, *a, **k)``): that parameter is the decorated function.
What the wrapper does besides calling it is part of every call of the decorated function: nova's
``EventReporter`` around the call writes ``instance_actions_events``, the fault recorded in the ``except``
handler ``instance_faults``.  The wrapper hands its arguments on, so its first parameter holds what the
decorated methods' ``self`` does: an instance of the classes whose methods the decorator decorates
(``reverts_task_state``'s ``self._instance_update(...)``).  Nothing is known per decorator name.

``with Reporter(...):`` runs ``Reporter.__enter__`` and ``__exit__``: a construction of a program class that
has them, written as an item of a ``with`` the function holds (the guard its body's calls run under).
"""
from __future__ import annotations

from functools import cached_property

from tracer.effects.view import LinkView
from tracer.link.exprs import render

MAX_WRAPPERS = 4  # decorators followed per function


class Wrappers:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self.p = view.p
        self._wrapper: dict[str, tuple[str, str] | None] = {}

    def of(self, fn) -> list[tuple[tuple, str]]:
        """(the decorator's expression, the wrapper closure that runs instead of ``fn``), outermost first."""
        out: list[tuple[tuple, str]] = []
        scope = self.v.decorator_scope(fn)
        for func in _decorators(fn):
            for value in sorted(self.v.eval(func, scope)):
                found = self.wrapper(value[1]) if value[0] == "fn" else None
                if found is not None:
                    out.append((func, found[0]))
                    break
        return out[:MAX_WRAPPERS]

    def wrapper(self, decorator: str) -> tuple[str, str] | None:
        """(the wrapper closure of a decorator function, the parameter it calls as the decorated function)."""
        if decorator not in self._wrapper:
            self._wrapper[decorator] = self._find(decorator)
        return self._wrapper[decorator]

    def called(self, fq: str) -> str | None:
        """When ``fq`` is some decorator's wrapper: the name it calls the decorated function by."""
        found = self.owner(fq)
        return found[1] if found else None

    def owner(self, fq: str) -> tuple[str, str] | None:
        """When ``fq`` is some decorator's wrapper: (that decorator, the name it calls the decorated function by)."""
        fn = self.p.functions.get(fq)
        outer = fn.parent if fn else None
        found = None
        while outer is not None:
            mine = self.wrapper(outer)
            if mine is not None and mine[0] == fq:
                found = (outer, mine[1])  # the outermost decorator that returns it (a factory's helper too)
            parent = self.p.functions.get(outer)
            outer = parent.parent if parent else None
        return found

    def decorated_classes(self, decorator: str) -> list[str]:
        """The classes whose methods ``decorator`` decorates: what a wrapper's first parameter holds."""
        out: set[str] = set()
        for fq in self._decorated_by.get(decorator.rsplit(".", 1)[-1], ()):
            fn = self.p.functions[fq]
            if fn.cls and any(v == ("fn", decorator) for func in _decorators(fn)
                              for v in self.v.eval(func, self.v.decorator_scope(fn))):
                out.add(fn.cls)
        return sorted(out)

    @cached_property
    def _decorated_by(self) -> dict[str, list[str]]:
        """A decorator's name as written (its last part) -> the functions decorated so."""
        out: dict[str, list[str]] = {}
        for fq in sorted(self.p.functions):
            for func in _decorators(self.p.functions[fq]):
                name = func[1] if func[0] == "n" else func[2]
                out.setdefault(name, []).append(fq)
        return out

    def _find(self, decorator: str) -> tuple[str, str] | None:
        for closure in self.v.closures(decorator):
            fn = self.p.functions[closure]
            enclosing = self.p.functions.get(fn.parent) if fn.parent else None
            if enclosing is None or not _returns_name(enclosing, closure.rsplit(".", 1)[-1]):
                continue
            params = {p.name for p in enclosing.facts.params} | {p.name for p in fn.facts.params}
            called = next((s.func[1] for s in sorted(fn.calls(), key=lambda s: (s.line, s.col))
                           if s.func[0] == "n" and s.func[1] in params), None)
            if called is not None:
                return closure, called
        return None

    # -- with statements ----------------------------------------------------------------
    def entered(self, fq: str, site) -> list[str]:
        """The ``__enter__`` and ``__exit__`` a construction at ``site`` runs as an item of a ``with``."""
        fn = self.p.functions.get(fq)
        if fn is None or site.func[0] not in ("n", "a") or not self._with_item(fn, render(site.func)):
            return []
        out: list[str] = []
        for value in sorted(self.v.eval(site.func, fq)):
            if value[0] == "cls":
                out += [m for m in (self.p.lookup_method(value[1], "__enter__"),
                                    self.p.lookup_method(value[1], "__exit__")) if m and m in self.p.functions]
        return list(dict.fromkeys(out))

    @staticmethod
    def _with_item(fn, callee: str) -> bool:
        opening = f"{callee}("
        for site in fn.calls():
            for kind, text, _ in site.guard:
                if kind == "with" and (text.startswith(f"with {opening}") or f", {opening}" in text):
                    return True
        return False


def _decorators(fn) -> list[tuple]:
    """The decorators of ``fn`` that name something (the callee, for a call: ``@wrap(prefix='x')``)."""
    funcs = [d[1] if d[0] == "c" else d for d in fn.facts.decorators]
    return [f for f in funcs if f[0] in ("n", "a")]


def _returns_name(fn, name: str) -> bool:
    return any(r == ("n", name) for d in fn.defs for r in d.returns)
