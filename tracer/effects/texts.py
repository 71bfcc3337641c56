"""effects: the text an expression builds (an event type, a lock name, a command word), with the
arguments of the call that reached the function.

Stage: effects.  Must not import libcst, networkx or render.

``notify_about_volume_usage(context, volume, 'create.start')`` reaches ``'volume.%s' % event_suffix``:
evaluated alone, ``event_suffix`` is every caller's argument; evaluated with the arguments of the call
on the trace's way (an ``Env``), it is ``create.start``.  A part the code computes at run time stays
as ``{expression}`` (``nova-{instance.uuid}``).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from tracer.effects.view import LinkView

MAX_TEXTS = 4  # more values than this: the part is shown as its expression
MAX_DEPTH = 8
ENV_DEPTH = 6  # calls up the trace whose arguments still bind
WILD = "\x00"
_CONVERSION = re.compile(r"%(\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXaeEgGcou%]")


class Env(NamedTuple):
    """The arguments one call passed to function ``fq``: ``args`` maps a parameter to the expression
    passed for it, evaluated in ``scope`` (the caller) under ``parent`` (the caller's own call).
    ``this`` is the ``__init__`` call that built the object a method's ``self`` is, when known (a
    flow's task: ``NotifyVolumeActionTask(db, "create.start")``): ``self.event_suffix`` is read from it."""

    fq: str
    args: tuple  # ((parameter, expr), ...)
    scope: str
    parent: "Env | None"
    this: "Env | None" = None

    def get(self, name: str) -> tuple | None:
        for key, value in self.args:
            if key == name:
                return value
        return None


def bind(view: LinkView, callee: str, site, scope: str, env: Env | None, offset: int | None = None) -> Env | None:
    """The ``Env`` of a call ``site`` (made in ``scope`` under ``env``) to the function ``callee``.
    A call on the caller's own ``self`` (``self.m()``, ``super().m()``) keeps the object's ``this``."""
    fn = view.function(callee)
    if fn is None:
        return None
    this = env.this if env is not None and _on_self(site.func, view.function(scope)) else None
    params = fn.facts.params
    skip = view.method_offset(fn) if offset is None else offset
    args: list[tuple[str, tuple]] = []
    positional = [a for a in site.args]
    for i, param in enumerate(params[skip:]):
        if param.kind in ("*", "**"):
            continue
        given = next((v for k, v in site.kwargs if k == param.name), None)
        if given is None and i < len(positional) and not any(a[0] == "*" for a in positional[: i + 1]):
            given = positional[i]
        if given is not None:
            args.append((param.name, given))
    return Env(callee, tuple(args), scope, _cut(env), this) if args or this else None


def _on_self(func: tuple, caller) -> bool:
    if func[0] != "a" or caller is None or not caller.facts.params:
        return False
    recv = func[1]
    return recv == ("n", caller.facts.params[0].name) or (recv[0] == "c" and recv[1] == ("n", "super"))


def _cut(env: Env | None, depth: int = ENV_DEPTH) -> Env | None:
    if env is None or depth <= 1:
        return None
    return env._replace(parent=_cut(env.parent, depth - 1))


def render(expr: tuple) -> str:
    """Source-like text of a recorded expression (for a part known only at run time)."""
    tag = expr[0]
    if tag == "n":
        return expr[1]
    if tag == "a":
        return f"{render(expr[1])}.{expr[2]}"
    if tag == "c":
        return f"{render(expr[1])}(...)"
    if tag in ("s", "i"):
        return expr[1] if tag == "i" else repr(expr[1])
    if tag == "k":
        return f"{render(expr[1])}[{render(expr[2])}]"
    if tag == "*":
        return f"*{render(expr[1])}"
    return "..."


class Texts:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self._memo: dict[tuple, tuple[str, ...]] = {}

    def of(self, expr: tuple, scope: str, env: Env | None = None) -> tuple[str, ...]:
        """The texts ``expr`` can be (sorted, at most ``MAX_TEXTS``); unknown parts as ``{expression}``."""
        return self._known(expr, scope, env, 0)

    def one(self, expr: tuple, scope: str, env: Env | None = None) -> str:
        found = self.of(expr, scope, env)
        return found[0] if len(found) == 1 else "{" + render(expr) + "}"

    def _texts(self, expr: tuple, scope: str, env: Env | None, depth: int) -> tuple[str, ...]:
        key = (expr, scope, env)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = (WILD,)  # a cycle: unknown
            hit = self._memo[key] = self._compute(expr, scope, env, depth) if depth < MAX_DEPTH else (WILD,)
        return hit

    def _compute(self, expr: tuple, scope: str, env: Env | None, depth: int) -> tuple[str, ...]:
        tag = expr[0]
        if tag in ("s", "i"):
            return (expr[1],)
        if tag == "n" and expr[1] in ("None", "True", "False"):
            return (expr[1],)
        if tag == "n" and env is not None and env.fq == scope and env.get(expr[1]) is not None:
            return self._texts(env.get(expr[1]), env.scope, env.parent, depth + 1)
        if tag == "n" and self.v.is_parameter(expr[1], scope):
            return self._parameter(expr[1], scope, env, depth)
        if tag == "n":
            local = [e for e, w in self.v.bound(expr[1], scope) if w == scope]
            if local:
                found = sorted({t for e in local[:MAX_TEXTS] for t in self._known(e, scope, env, depth + 1)})
                return tuple(found) if len(found) <= MAX_TEXTS else (WILD,)
        if tag == "a" and env is not None and env.this is not None and env.fq == scope and _is_self(expr[1], self.v, scope):
            found = self._attribute(expr[2], env.this, depth)
            if found:
                return found
        if tag == "%":
            return self._percent(expr, scope, env, depth)
        if tag == "+":
            return _product(self._known(expr[1], scope, env, depth + 1), self._known(expr[2], scope, env, depth + 1))
        if tag == "f":
            parts = [self._part(p, scope, env, depth) for p in expr[1]]
            return ("".join(parts),)
        return self._values(expr, scope)

    def _attribute(self, attr: str, this: Env, depth: int) -> tuple[str, ...]:
        """``self.attr`` of the object ``this`` built: its ``self.attr = ...`` in ``__init__``, with the
        constructor's arguments (through ``super().__init__(...)`` calls)."""
        init = self.v.function(this.fq)
        if init is None or init.cls is None:
            return ()
        found: set[str] = set()
        for value, method in self.v.self_assigns(init.cls, attr)[:MAX_TEXTS]:
            env = self._init_env(this, method)
            found |= set(self._known(value, method, env, depth + 1))
        return tuple(sorted(found)) if 0 < len(found) <= MAX_TEXTS else ()

    def _init_env(self, this: Env, target: str) -> Env | None:
        """The ``Env`` of ``target`` (an ``__init__`` up the class chain) when ``this`` built the object."""
        current: Env | None = this
        for _ in range(4):
            if current is None or current.fq == target:
                return current
            fn = self.v.function(current.fq)
            site = next((s for s in fn.calls() if s.func[0] == "a" and s.func[2] == "__init__"), None) if fn else None
            edge = next(iter(self.v.targets(current.fq, site.line, "__init__")), None) if site else None
            if edge is None:
                return None
            current = bind(self.v, edge.target, site, current.fq, current)
        return None

    def _parameter(self, name: str, scope: str, env: Env | None, depth: int) -> tuple[str, ...]:
        """A parameter the call did not pass: its default, if it has one; else what every caller passes."""
        fn = self.v.function(scope)
        if env is not None and env.fq == scope and fn is not None:
            param = next((p for p in fn.facts.params if p.name == name), None)
            if param is not None and param.default is not None:
                return self._texts(param.default, scope, None, depth + 1)
        return self._values(("n", name), scope)

    def _values(self, expr: tuple, scope: str) -> tuple[str, ...]:
        found = sorted({v[1].replace(WILD, "{?}") for v in self.v.eval(expr, scope) if v[0] in ("str", "cfg")})
        return tuple(found) if 0 < len(found) <= MAX_TEXTS else (WILD,)

    def _known(self, expr: tuple, scope: str, env: Env | None, depth: int) -> tuple[str, ...]:
        """The texts, an unknown value written as its expression."""
        found = self._texts(expr, scope, env, depth)
        return tuple("{" + render(expr) + "}" if t == WILD else t for t in found)

    def _part(self, expr: tuple, scope: str, env: Env | None, depth: int) -> str:
        if expr[0] == "s":
            return expr[1]
        found = self._known(expr, scope, env, depth + 1)
        return found[0] if len(found) == 1 else "{" + render(expr) + "}"

    def _percent(self, expr: tuple, scope: str, env: Env | None, depth: int) -> tuple[str, ...]:
        right = expr[2]
        args = list(right[1]) if right[0] == "l" else [right]
        mapping = {k[1]: v for k, v in right[1] if k[0] == "s"} if right[0] == "d" else {}
        out: set[str] = set()
        for text in self._texts(expr[1], scope, env, depth + 1):
            if text == WILD:
                out.add(text)
                continue
            pieces, literal, queue = [], 0, list(args)
            for m in _CONVERSION.finditer(text):
                pieces.append(text[literal:m.start()])
                if m.group(0) == "%%":
                    pieces.append(("%",))
                else:
                    arg = mapping.get(m.group(1)[1:-1]) if m.group(1) else (queue.pop(0) if queue else None)
                    pieces.append(("{?}",) if arg is None else self._known(arg, scope, env, depth + 1))
                literal = m.end()
            pieces.append(text[literal:])
            out |= _expand(pieces)
        return tuple(sorted(out)) if len(out) <= MAX_TEXTS else (WILD,)


def _expand(pieces: list) -> set[str]:
    """Literal strings and tuples of choices -> every text they make (capped)."""
    texts = {""}
    for piece in pieces:
        options = (piece,) if isinstance(piece, str) else piece
        texts = {t + o for t in texts for o in options}
        if len(texts) > MAX_TEXTS:
            return {WILD}
    return texts


def _is_self(expr: tuple, view: LinkView, scope: str) -> bool:
    fn = view.function(scope)
    return bool(fn and fn.cls and fn.facts.params and expr == ("n", fn.facts.params[0].name))


def _product(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[str, ...]:
    out = sorted({a + b for a in left for b in right})
    return tuple(out) if len(out) <= MAX_TEXTS else (WILD,)
