"""link: where a function goes on with what a call handed back.

Stage: link.  Reads the recorded facts only; must not import libcst or render.

``x = f(...)`` binds ``f``'s result to ``x``, and ``y = g(x)`` or ``d['k'] = x`` hand it on to ``y`` and
``d``.  A later call that passes ``x`` (or calls a method of it), an
early exit before a later call whose test reads ``x`` (``if not res: return``), and a ``return`` that hands
``x`` back all go on with it.  ``result_uses`` maps the line of each such call ``f`` to the lines of the
calls that go on with its result, ``RETURNED`` standing for the function's own return.  It is read by name,
flow-insensitively: a name bound twice is each binding's.
"""
from __future__ import annotations

import re

RETURNED = 0  # a line no call site has: the result goes back to the function's caller


def result_uses(fn) -> dict[int, tuple[int, ...]]:
    """For a program function: call line -> the lines (and ``RETURNED``) that go on with its result."""
    out: dict[int, set[int]] = {}
    for d in fn.defs:
        sites = sorted(d.calls, key=lambda s: (s.line, s.col))
        bound: dict[str, list[int]] = {}  # name -> lines of the calls whose result it holds
        # an assignment's recorded line may be an earlier statement's (the scan keeps libcst's positions
        # off): its call is the next one of that callee that no earlier assignment took
        claimed: set[int] = set()
        last: dict[tuple, int] = {}
        for a in d.assigns:
            value = a.value
            while value[0] in ("t", "w"):  # a, b = f(); with f() as x
                value = value[1]
            if value[0] != "c" or a.target[0] != "n":
                continue
            unpacked = a.value[0] == "t" and a.value[2] != 0  # b of a, b = f(): the call a's binding found
            i = last.get(value) if unpacked else next(
                (i for i, s in enumerate(sites) if s.func == value[1] and s.line >= a.line and i not in claimed), None)
            if i is not None:
                claimed.add(i)
                last[value] = i
                bound.setdefault(a.target[1], []).append(sites[i].line)
        if not bound:
            continue
        for a in sorted(d.assigns, key=lambda a: a.line):  # result = x.to_dict(); result['action'] = action_id
            base = a.target[1] if a.target[0] == "k" else a.target
            if base[0] == "n":
                handed = {line for name in _names((a.value,)) & bound.keys() for line in bound[name] if line <= a.line}
                if handed:
                    bound[base[1]] = sorted(set(bound.get(base[1], ())) | handed)
        for s in sites:
            used = _names(s.args) | _names(tuple(v for _, v in s.kwargs))
            used |= {n for n in bound if any(_mentions(t, n) for t in s.after)}
            for name in used & bound.keys():
                for line in bound[name]:
                    if line < s.line:
                        out.setdefault(line, set()).add(s.line)
        for expr, _guard, _after in d.exits:
            for name in _names((expr,)) & bound.keys() if expr is not None else ():
                for line in bound[name]:
                    out.setdefault(line, set()).add(RETURNED)
    return {line: tuple(sorted(lines)) for line, lines in out.items()}


def _receiver(func: tuple) -> tuple:
    """``x`` of a call ``x.m(...)`` (calling a method of the result goes on with it)."""
    return (func[1],) if func[0] == "a" else ()


def _names(exprs) -> set[str]:
    out: set[str] = set()
    todo = list(exprs)
    while todo:
        e = todo.pop()
        if not isinstance(e, tuple) or not e:
            continue
        if e[0] == "n" and len(e) == 2 and isinstance(e[1], str):
            out.add(e[1])
            continue
        todo.extend(x for x in (e[1:] if isinstance(e[0], str) else e) if isinstance(x, tuple))  # (e1, e2): parts
    return out


def _mentions(test: str, name: str) -> bool:
    return name in test and re.search(rf"(?<![\w.]){re.escape(name)}\b", test) is not None
