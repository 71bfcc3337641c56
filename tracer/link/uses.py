"""link: where a function goes on with what a call handed back.

Stage: link.  Reads the recorded facts only; must not import libcst or render.

``x = f(...)`` binds ``f``'s result to ``x``, and ``y = g(x)`` or ``d['k'] = x`` hand it on to ``y`` and
``d``.  A later call that passes ``x``, an early exit before a later call whose test reads ``x`` (``if not
res: return``), and a ``return`` that hands ``x`` back all go on with it (calling a method of ``x`` does not:
a client a getter hands back is not data the path carries).  ``result_uses`` maps the line of each such call ``f`` to the lines of the
calls that go on with its result, ``RETURNED`` standing for the function's own return.  It is read by name,
flow-insensitively: a name bound twice is each binding's.
"""
from __future__ import annotations

import re
from functools import lru_cache

RETURNED = 0  # a line no call site has: the result goes back to the function's caller


def result_uses(fn, lines: set[int] | None = None, onward: set[int] | None = None) -> dict[int, tuple[int, ...]]:
    """For a program function: call line -> the lines (and ``RETURNED``) that go on with its result; with
    ``lines``, only for the calls on those lines, and with ``onward`` only through calls on those (the lines
    where the function made an edge)."""
    out: dict[int, set[int]] = {}
    if lines is not None and not lines:
        return {}
    for d in fn.defs:
        bound = _bound(d, lines)
        if not bound:
            continue
        for a in d.assigns:  # result = x.to_dict(); result['action'] = action_id
            base = a.target[1] if a.target[0] == "k" else a.target
            if base[0] == "n":
                handed = {line for name in _names_of(a.value) & bound.keys() for line in bound[name] if line <= a.line}
                if handed:
                    bound[base[1]] = sorted(set(bound.get(base[1], ())) | handed)
        first = min(line for found in bound.values() for line in found)
        for s in d.calls:
            if s.line <= first or (onward is not None and s.line not in onward):
                continue
            used = set().union(*map(_names_of, s.args), *(_names_of(v) for _, v in s.kwargs))
            if s.after:
                used |= {n for n in bound if any(_mentions(t, n) for t in s.after)}
            for name in used & bound.keys():
                for line in bound[name]:
                    if line < s.line:
                        out.setdefault(line, set()).add(s.line)
        for expr, _guard, _after in d.exits:
            for name in _names_of(expr) & bound.keys() if expr is not None else ():
                for line in bound[name]:
                    out.setdefault(line, set()).add(RETURNED)
    return {line: tuple(sorted(found)) for line, found in out.items()}


def _bound(d, lines) -> dict[str, list[int]]:
    """Name -> lines of the calls whose result it holds (``x = f(...)``, ``a, b = f()``, ``with f() as x``).

    An assignment's recorded line may be an earlier statement's (the scan keeps libcst's positions off): its
    call is the next one of that callee that no earlier assignment took."""
    bound: dict[str, list[int]] = {}
    sites = None
    claimed: set[int] = set()
    last: dict[tuple, int] = {}
    for a in d.assigns:
        value = a.value
        while value[0] in ("t", "w"):
            value = value[1]
        if value[0] != "c" or a.target[0] != "n":
            continue
        if sites is None:
            sites = sorted(d.calls, key=lambda s: (s.line, s.col))
        unpacked = a.value[0] == "t" and a.value[2] != 0  # b of a, b = f(): the call a's binding found
        i = last.get(value) if unpacked else next(
            (i for i, s in enumerate(sites) if s.func == value[1] and s.line >= a.line and i not in claimed), None)
        if i is None:
            continue
        claimed.add(i)
        last[value] = i
        if lines is None or sites[i].line in lines:
            bound.setdefault(a.target[1], []).append(sites[i].line)
    return bound


@lru_cache(maxsize=1 << 16)
def _names_of(expr: tuple) -> frozenset[str]:
    """``_names`` of one argument (the same few are passed everywhere: ``context``, ``self.x``)."""
    return frozenset(_names((expr,)))


def _names(exprs) -> set[str]:
    """The plain names an expression (or a sequence of them) reads."""
    out: set[str] = set()
    todo = list(exprs)
    pop, extend, add = todo.pop, todo.extend, out.add
    while todo:
        e = pop()
        if not e:
            continue
        head = e[0]
        if head == "n":
            add(e[1])
        elif head.__class__ is str:
            if head not in _LEAVES:
                extend(x for x in e[1:] if x.__class__ is tuple)
        else:  # a tuple of expressions, or of (keyword, expression) pairs
            extend(x for x in e if x.__class__ is tuple)
    return out


_LEAVES = frozenset({"s", "i", "o"})


def _mentions(test: str, name: str) -> bool:
    return name in test and re.search(rf"(?<![\w.]){re.escape(name)}\b", test) is not None
