"""link model helper: read texts and displays under one call's binding of a function's parameters.

Stage: link.  Must not import libcst or render.  Shared by the models that read what *one* call site
hands a helper (a client library's URL templates, a router's route dicts), where the interpreter's
flow-insensitive answer (every caller's values merged) would mix the calls up.

An environment binds parameter names to the expressions one call passed, each with its own scope and
environment: ``((name, ((expr, scope, env), ...)), ...)``.  A name is followed through the environment,
then through the local assignments; a loop variable over a list display is its elements, a subscript
of a dict display its entry; what cannot be followed is asked of the interpreter.
"""
from __future__ import annotations

import re

from tracer.link.exprs import argument, fill_percent
from tracer.link.values import WILD, templates

Env = tuple  # ((name, ((expr, scope, env), ...)), ...): a parameter bound to what one call passed
MAX_NAME_HOPS = 6
MAX_TEXT_DEPTH = 8  # nesting of %, f-string and + met while reading one text
MAX_ALTERNATIVES = 4  # texts a formatted part may have before it is unknown
_SPLITS = ("split", "rsplit")
_TEST = re.compile(r"^(?:if|else) \(?(not )?([A-Za-z_][A-Za-z0-9_]*)\)?$")


class Bound:
    def __init__(self, resolver) -> None:
        self.r = resolver
        self.p = resolver.p

    def bind(self, callee: str, site, scope: str, env: Env, offset: int) -> Env:
        """The environment of ``callee`` called at ``site`` (in ``scope``, itself under ``env``)."""
        fn = self.p.functions[callee]
        bound = []
        for i, param in enumerate(fn.facts.params):
            if param.kind in ("*", "**"):
                continue
            arg = argument(site, param.name, i - offset)
            if arg is not None:
                bound.append((param.name, ((arg, scope, env),)))
            elif param.default is not None:
                bound.append((param.name, ((param.default, callee, ()),)))
        return tuple(bound)

    def exprs(self, expr: tuple, scope: str, env: Env, hops: int = 0) -> list[tuple]:
        """The expressions ``expr`` stands for: this binding's arguments first, then local assignments;
        ``for r in rows`` over a display is its elements, ``row['url']`` of a dict display its entry."""
        if hops > MAX_NAME_HOPS:
            return [(expr, scope, env)]
        tag = expr[0]
        if tag == "it":
            return [t for e, s, en in self.exprs(expr[1], scope, env, hops + 1)
                    for t in (self._elements(e, s, en, hops) if e[0] == "l" else [(("it", e), s, en)])]
        if tag == "k":
            return self._entry(expr, scope, env, hops)
        if tag == "a":
            return self._member(expr, scope, env, hops)
        if tag == "t":
            return self._element(expr, scope, env, hops)
        if tag != "n":
            return [(expr, scope, env)]
        name = expr[1]
        for key, thunks in env:
            if key == name:
                return [t for e, s, en in thunks for t in self.exprs(e, s, en, hops + 1)]
        if self.r.is_parameter(name, scope):
            return []  # not passed on this walk: unknown here, never every caller's value
        found = self.r.bound_exprs(name, scope)
        if not found:
            return [(expr, scope, env)]
        return [t for e, where in found for t in self.exprs(e, where, env if where == scope else (), hops + 1)]

    def _element(self, expr: tuple, scope: str, env: Env, hops: int) -> list[tuple]:
        """``a, b = x`` (element ``index`` of ``x``): of a display, or of a known text split
        (``resource_type, method = name.rsplit(':', 1)``)."""
        out = []
        for e, s, en in self.exprs(expr[1], scope, env, hops + 1):
            if e[0] == "l" and len(e[1]) > expr[2]:
                out += self.exprs(e[1][expr[2]], s, en, hops + 1)
            elif e[0] == "c" and e[1][0] == "a" and e[1][2] in _SPLITS and not e[3]:
                args = [int(a[1]) if a[0] == "i" and a[1].isdigit() else self.one(a, s, en) for a in e[2]]
                if any(a == WILD for a in args) or len(args) > 2:
                    continue
                for text in self.texts(e[1][1], s, en):
                    parts = getattr(text, e[1][2])(*args)
                    if WILD not in text and len(parts) > expr[2]:
                        out.append((("s", parts[expr[2]]), s, en))
        return out or [(expr, scope, env)]

    def _member(self, expr: tuple, scope: str, env: Env, hops: int) -> list[tuple]:
        """``obj.attr`` where ``obj`` is bound to one construction (``("@obj", init)`` under the call's
        environment): what that ``__init__`` stores in ``self.attr``, read under the same binding."""
        objects = [(e, s, en) for e, s, en in self.exprs(expr[1], scope, env, hops + 1) if e[0] == "@obj"]
        if not objects:
            return [(expr, scope, env)]
        out = []
        for e, _, en in objects:
            init = self.p.functions[e[1]]
            me = ("n", init.facts.params[0].name) if init.facts.params else None
            for a in init.assigns():
                if a.target == ("a", me, expr[2]):
                    out += self.exprs(a.value, init.fq, en, hops + 1)
        return out

    def constructions(self, name: str, scope: str) -> list[Env]:
        """One environment per construction of the program class ``name`` holds an instance of (what
        each ``Cls(...)`` call hands ``__init__``, ``name`` bound to it): per-object reading."""
        out = []
        for v in sorted(self.r.eval(("n", name), scope)):
            init = self.p.lookup_method(v[1], "__init__") if v[0] == "inst" else None
            for caller, call, offset in self.r.callers(init) if init else ():
                env = self.bind(init, call, caller, (), offset)
                out.append(((name, ((("@obj", init), caller, env),)),))
        return out

    def _elements(self, display: tuple, scope: str, env: Env, hops: int) -> list[tuple]:
        return [t for e in display[1] for t in self.exprs(e, scope, env, hops + 1)]

    def _entry(self, expr: tuple, scope: str, env: Env, hops: int) -> list[tuple]:
        tables = [(e, s, en) for e, s, en in self.exprs(expr[1], scope, env, hops + 1) if e[0] == "d"]
        if not tables:
            return [(expr, scope, env)]
        keys = {t for t in self.texts(expr[2], scope, env) if WILD not in t}
        out = []
        for e, s, en in tables:
            for k, v in e[1]:
                if k[0] == "s" and (not keys or k[1] in keys):
                    out += self.exprs(v, s, en, hops + 1)
        return out

    def texts(self, expr: tuple, scope: str, env: Env, depth: int = 0) -> set[str]:
        """The string templates ``expr`` can be; ``x = '%s/y' % x`` refers to itself, hence the depth cap."""
        if depth > MAX_TEXT_DEPTH:
            return set()
        out: set[str] = set()
        for e, where, en in self.exprs(expr, scope, env):
            out |= self._texts_of(e, where, en, depth)
        return out

    def _texts_of(self, e: tuple, where: str, en: Env, depth: int) -> set[str]:
        tag = e[0]
        if tag == "s":
            return {e[1]}
        if tag == "%":
            parts = self._parts(e[2], where, en, depth + 1)
            return {fill_percent(t, part, lambda a: a[1]) for t in self.texts(e[1], where, en, depth + 1)
                    for part in parts}
        if tag == "f":
            return {"".join(p[1] if p[0] == "s" else self.one(p, where, en, depth + 1) for p in e[1])}
        if tag == "+":
            return {a + b for a in self.texts(e[1], where, en, depth + 1) for b in self.texts(e[2], where, en, depth + 1)}
        if tag == "c" and e[1][0] == "a" and e[1][2] == "join" and e[1][1][0] == "s" and len(e[2]) == 1:
            return self._joined(e, where, en, depth)  # ','.join(methods): each element (a list of verbs)
        if tag == "u":
            return set().union(*(self.texts(x, where, en, depth + 1) for x in e[1]))
        if tag in ("n", "a", "k", "it"):
            return set(templates(self.r.eval(e, where)))
        return set()

    def _joined(self, e: tuple, where: str, en: Env, depth: int) -> set[str]:
        out: set[str] = set()
        for x, s, xen in self.exprs(e[2][0], where, en):
            items = x[1] if x[0] == "l" else (x,)
            out |= set().union(*(self.texts(i, s, xen, depth + 1) for i in items)) if items else set()
        return out

    def _parts(self, right: tuple, scope: str, env: Env, depth: int) -> list[tuple]:
        """The right side of ``%`` as displays of known texts: one per combination of a part's few
        alternatives (``"/servers%s" % detail`` with ``detail`` "" or "/detail": both paths)."""
        items = list(right[1]) if right[0] == "l" else None
        pairs = list(right[1]) if right[0] == "d" else None
        values = [v for _, v in pairs] if pairs is not None else items if items is not None else [right]
        options = [self._alternatives(v, scope, env, depth) for v in values]
        combos: list[list[str]] = [[]]
        for opts in options:
            combos = [c + [o] for c in combos for o in opts][:MAX_ALTERNATIVES * 2]
        out = []
        for combo in combos:
            texts = [("s", t) for t in combo]
            if pairs is not None:
                out.append(("d", tuple((k, t) for (k, _), t in zip(pairs, texts))))
            else:
                out.append(("l", tuple(texts)) if items is not None else texts[0])
        return out

    def _alternatives(self, expr: tuple, scope: str, env: Env, depth: int) -> list[str]:
        found = self.texts(expr, scope, env, depth) if expr[0] in ("s", "n", "a", "+", "%", "f", "u", "k") else set()
        return sorted(found) if 0 < len(found) <= MAX_ALTERNATIVES else [WILD]

    def one(self, expr: tuple, scope: str, env: Env, depth: int = 0) -> str:
        found = self.texts(expr, scope, env, depth) if expr[0] in ("s", "n", "a", "+", "%", "f", "k") else set()
        return found.pop() if len(found) == 1 else WILD

    # -- branches this binding cannot take ------------------------------------------
    def ruled_out(self, site, env: Env) -> bool:
        """Whether ``site`` sits under an ``if name`` / ``else`` arm that this binding's literal for
        ``name`` cannot take (``_list(url)`` leaves ``body=None``: the ``if body: post(...)`` arm is out)."""
        for kind, text, _ in site.guard:
            m = _TEST.match(text)
            if kind not in ("if", "else") or m is None:
                continue
            negated, name = bool(m.group(1)), m.group(2)  # "else (not x)" says its own condition
            truth = self._literal_truth(name, env)
            if truth is not None and truth == negated:
                return True
        return False

    def _literal_truth(self, name: str, env: Env) -> bool | None:
        for key, thunks in env:
            if key != name:
                continue
            truths = {_truth(e) for e, _, _ in thunks}
            return truths.pop() if len(truths) == 1 else None
        return None


def _truth(expr: tuple) -> bool | None:
    """The truth of a literal (None, True, False, a number, a string or a display), else None."""
    tag = expr[0]
    if tag == "n":
        return {"None": False, "False": False, "True": True}.get(expr[1])
    if tag == "i":
        return expr[1] not in ("0", "0.0")
    if tag in ("s", "l", "d"):
        return bool(expr[1])
    return None
