"""effects: the text an expression builds (an event type, a lock name, a command word), as a ``Text``
with holes for the parameters of the function being summarised.

Stage: effects, after link.  Must not import libcst, networkx or render.

``'volume.%s' % event_suffix`` in ``notify_about_volume_usage`` is ``volume.`` followed by a hole for
``event_suffix`` whose fallback is what every caller passes; the caller on the trace's way fills it
(``tracer.effects.compose``).  ``self.event_suffix`` in a method is a hole for that attribute.  Locals
are read through their assignments, everything else through the resolver's string values; a part the
code computes at run time stays ``{expression}``.

An ``Env`` evaluates an ``__init__`` with the arguments of one construction: a flow builder's
``NotifyVolumeActionTask(db, "create.start")`` gives that object ``event_suffix = 'create.start'``,
through ``super().__init__(...)`` calls too.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from tracer.effects.summary import MAX_TEXTS, is_unknown, literal, unknown
from tracer.effects.view import LinkView
from tracer.link.exprs import render

MAX_DEPTH = 8
_CONVERSION = re.compile(r"%(\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXaeEgGcou%]")
_LITERALS = ("None", "True", "False")
WILD = "\x00"  # the resolver's mark for an unknown part of a string


class Env(NamedTuple):
    """The arguments one call passed to function ``fq`` (expressions evaluated in ``scope``)."""

    fq: str
    args: tuple  # ((parameter, expr), ...)
    scope: str
    parent: "Env | None"

    def get(self, name: str) -> tuple | None:
        return next((v for k, v in self.args if k == name), None)


def arguments(view: LinkView, callee: str, site, offset: int | None = None) -> list[tuple[str, tuple]]:
    """(parameter of ``callee``, the expression ``site`` passes for it)."""
    fn = view.function(callee)
    if fn is None:
        return []
    skip = view.method_offset(fn) if offset is None else offset
    out = []
    for i, param in enumerate(fn.facts.params[skip:]):
        if param.kind in ("*", "**"):
            continue
        given = next((v for k, v in site.kwargs if k == param.name), None)
        if given is None and i < len(site.args) and not any(a[0] == "*" for a in site.args[: i + 1]):
            given = site.args[i]
        if given is not None:
            out.append((param.name, given))
    return out


class Texts:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self._memo: dict[tuple, tuple] = {}

    def of(self, expr: tuple, scope: str, holes: bool = True, fallbacks: bool = True, env: Env | None = None) -> tuple:
        """The ``Text`` of ``expr`` in ``scope``; ``holes``: the parameters (and ``self`` attributes) of
        ``scope`` are holes, with the callers' values as ``fallbacks`` (or none: the callee's own)."""
        return self._text(expr, scope, env, (scope if holes else None, fallbacks), 0)

    def strings(self, expr: tuple, scope: str) -> tuple[str, ...]:
        """The literal texts alone (no holes), for a name that must be concrete (a priority, a group)."""
        text = self.of(expr, scope, holes=False)
        return tuple(alt[0] for alt in text if len(alt) == 1 and isinstance(alt[0], str))

    def _text(self, expr: tuple, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple:
        key = (expr, scope, env, owner)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = unknown(render(expr))  # a cycle: unknown
            hit = self._compute(expr, scope, env, owner, depth) if depth < MAX_DEPTH else unknown(render(expr))
            self._memo[key] = hit
        return hit

    def _compute(self, expr: tuple, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple:
        tag = expr[0]
        if tag in ("s", "i") or (tag == "n" and expr[1] in _LITERALS):
            return literal(expr[1])
        if tag == "n":
            return self._name(expr, scope, env, owner, depth)
        if tag == "a" and _is_self(expr[1], self.v, scope):
            found = self._self_attribute(expr, scope, env, owner, depth)
            if found is not None:
                return found
        if tag == "%":
            return self._percent(expr, scope, env, owner, depth)
        if tag == "+":
            return _product(self._text(expr[1], scope, env, owner, depth + 1),
                            self._text(expr[2], scope, env, owner, depth + 1), expr)
        if tag == "f":
            text = literal("")
            for part in expr[1]:
                text = _product(text, self._text(part, scope, env, owner, depth + 1), expr)
            return text
        return self._values(expr, scope)

    def _name(self, expr: tuple, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple:
        name = expr[1]
        if env is not None and env.fq == scope and env.get(name) is not None:
            return self._text(env.get(name), env.scope, env.parent, owner, depth + 1)
        if self.v.is_parameter(name, scope):
            if owner[0] == scope and env is None:
                fallback = _concrete(self._values(expr, scope)) if owner[1] else ()
                return ((("p", name, fallback),),)
            return self._default(name, scope, env, owner, depth)
        local = [e for e, w in self.v.bound(name, scope) if w == scope]
        if local:
            out: tuple = ()
            for e in local[:MAX_TEXTS]:
                out = _union(out, self._text(e, scope, env, owner, depth + 1))
            return out if len(out) <= MAX_TEXTS else unknown(render(expr))
        return self._values(expr, scope)

    def _default(self, name: str, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple:
        """A parameter the call did not pass: its default, if it has one; else what every caller passes."""
        fn = self.v.function(scope)
        param = next((p for p in fn.facts.params if p.name == name), None) if fn else None
        if env is not None and env.fq == scope and param is not None and param.default is not None:
            return self._text(param.default, scope, None, owner, depth + 1)
        return self._values(("n", name), scope)

    def _self_attribute(self, expr: tuple, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple | None:
        """``self.attr``: in an ``Env`` of a construction, the value ``__init__`` gives it; in the function
        being summarised, a hole the trace fills from the object's construction."""
        if env is not None and env.fq == scope:
            return self.attribute(expr[2], env, owner, depth)
        if owner[0] == scope and env is None:
            fallback = _concrete(self._values(expr, scope)) if owner[1] else ()
            return ((("s", expr[2], fallback),),)
        return None

    def attribute(self, attr: str, this: Env, owner: tuple, depth: int = 0) -> tuple | None:
        """``self.attr`` of the object an ``__init__`` call ``this`` built (through ``super().__init__``)."""
        init = self.v.function(this.fq)
        if init is None or init.cls is None:
            return None
        out: tuple = ()
        for value, method in self.v.self_assigns(init.cls, attr)[:MAX_TEXTS]:
            env = self._init_env(this, method)
            if env is not None:
                out = _union(out, self._text(value, method, env, owner, depth + 1))
        return out if out and len(out) <= MAX_TEXTS and not is_unknown(out) else None

    def _init_env(self, this: Env, target: str) -> Env | None:
        current: Env | None = this
        for _ in range(4):
            if current is None or current.fq == target:
                return current
            fn = self.v.function(current.fq)
            site = next((s for s in fn.calls() if s.func[0] == "a" and s.func[2] == "__init__"), None) if fn else None
            edge = next(iter(self.v.targets(current.fq, site.line, "__init__")), None) if site else None
            if edge is None:
                return None
            current = Env(edge.target, tuple(arguments(self.v, edge.target, site)), current.fq, current)
        return None

    def _values(self, expr: tuple, scope: str) -> tuple:
        found = sorted({v[1] for v in self.v.eval(expr, scope) if v[0] in ("str", "cfg")})
        if not found or len(found) > MAX_TEXTS:
            return unknown(render(expr))
        return tuple(_split_wild(t, expr) for t in found)

    def _percent(self, expr: tuple, scope: str, env: Env | None, owner: tuple, depth: int) -> tuple:
        right = expr[2]
        args = list(right[1]) if right[0] == "l" else [right]
        mapping = {k[1]: v for k, v in right[1] if k[0] == "s"} if right[0] == "d" else {}
        out: tuple = ()
        for alt in self._text(expr[1], scope, env, owner, depth + 1):
            if len(alt) != 1 or not isinstance(alt[0], str):
                return unknown(render(expr))
            text, queue, built, last = alt[0], list(args), literal(""), 0
            for m in _CONVERSION.finditer(text):
                built = _product(built, literal(text[last:m.start()]), expr)
                if m.group(0) == "%%":
                    piece = literal("%")
                else:
                    arg = mapping.get(m.group(1)[1:-1]) if m.group(1) else (queue.pop(0) if queue else None)
                    piece = unknown("?") if arg is None else self._text(arg, scope, env, owner, depth + 1)
                built = _product(built, piece, expr)
                last = m.end()
            out = _union(out, _product(built, literal(text[last:]), expr))
        return out if len(out) <= MAX_TEXTS else unknown(render(expr))


def _is_self(expr: tuple, view: LinkView, scope: str) -> bool:
    fn = view.function(scope)
    return fn is not None and fn.is_self(expr)


def _concrete(text: tuple) -> tuple[str, ...]:
    """A fallback: the text's alternatives that are plain strings."""
    return tuple(alt[0] for alt in text if len(alt) == 1 and isinstance(alt[0], str))


def _split_wild(text: str, expr: tuple) -> tuple:
    if WILD not in text:
        return (text,)
    parts: list = []
    for i, piece in enumerate(text.split(WILD)):
        if i:
            parts.append(("u", "?"))
        if piece:
            parts.append(piece)
    return tuple(parts)


def _union(a: tuple, b: tuple) -> tuple:
    return tuple(sorted(set(a) | set(b), key=repr))


def _product(a: tuple, b: tuple, expr: tuple) -> tuple:
    out = {_join(x, y) for x in a for y in b}
    if len(out) > MAX_TEXTS:
        return unknown(render(expr))
    return tuple(sorted(out, key=repr))


def _join(x: tuple, y: tuple) -> tuple:
    if x and y and isinstance(x[-1], str) and isinstance(y[0], str):
        return x[:-1] + (x[-1] + y[0],) + y[1:]
    return tuple(p for p in x + y if p != "")
