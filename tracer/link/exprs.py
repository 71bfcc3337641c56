"""link: small readers of recorded expressions and call sites, shared by the interpreter and the models.

Stage: link.  Plain functions over ``tracer.facts`` tuples; must not import other link modules.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from tracer.link.values import WILD

_CONVERSION = re.compile(r"%(\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXaeEgGcou%]")


def render(expr: tuple) -> str:
    """Source-like text of a recorded expression, for messages (``x.y(...)[k]``; ``...`` for the rest)."""
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


def last_name(expr: tuple) -> str | None:
    if expr[0] == "n":
        return expr[1]
    if expr[0] == "a":
        return expr[2]
    return None


def site_order(item: tuple) -> tuple:
    return item[0], item[1].line, item[1].col


def sites_in_order(items) -> list:
    """Call sites sorted by function, then by place in the source (what a walk over sorted functions gives)."""
    return sorted(items, key=site_order)


def fill_percent(text: str, right: tuple, one) -> str:
    """``text % right``: each conversion takes ``one(arg)`` (a text, or ``WILD`` when unknown).

    ``right`` is the recorded right-hand side: a tuple display, a dict display (for
    ``%(name)s``), or one value.
    """
    args = list(right[1]) if right[0] == "l" else [right]
    mapping = {k[1]: v for k, v in right[1] if k[0] == "s"} if right[0] == "d" else {}
    pieces = iter(args)

    def fill(m: re.Match) -> str:
        if m.group(0) == "%%":
            return "%"
        if m.group(1):  # %(name)s takes a mapping
            arg = mapping.get(m.group(1)[1:-1])
            return WILD if arg is None else one(arg)
        arg = next(pieces, None)
        return WILD if arg is None else one(arg)

    return _CONVERSION.sub(fill, text)


class _Handed(NamedTuple):
    """The call a spawn-like API makes of the function handed to it: the arguments after it."""

    args: tuple
    kwargs: tuple
    line: int
    col: int
    func: tuple


class _CallExpr:
    """A recorded call expression ``("c", func, args, kwargs)`` read like a call site."""

    __slots__ = ("args", "kwargs")

    def __init__(self, expr: tuple) -> None:
        self.args, self.kwargs = expr[2], expr[3]


def argument(site, name: str, position: int):
    for key, value in site.kwargs:
        if key == name:
            return value
    if 0 <= position < len(site.args) and not any(a[0] == "*" for a in site.args[: position + 1]):
        return site.args[position]
    return None


def accepts(params: tuple, site, offset: int) -> bool:
    """Whether a call with ``site``'s arguments binds to ``params`` (the first ``offset`` bound already, a
    method's ``self``) the way Python would: no positional argument too many, no unknown keyword, no
    required parameter left without a value.  A starred argument could be anything: accepted."""
    args, kwargs = site.args, site.kwargs
    if any(a[0] == "*" for a in args) or any(k is None for k, _ in kwargs):
        return True
    params = params[offset:]
    positional = [p for p in params if p.kind == "p"]
    if len(args) > len(positional) and not any(p.kind == "*" for p in params):
        return False
    given = {p.name for p in positional[:len(args)]}
    if kwargs:
        names = {p.name for p in params if p.kind in ("p", "k")}
        free = any(p.kind == "**" for p in params)
        for key, _ in kwargs:
            if key not in names and not free:
                return False
            given.add(key)
    return all(p.default is not None or p.name in given for p in params if p.kind in ("p", "k"))


NOT_LITERAL = object()
_NAMED = {"True": True, "False": False, "None": None}


def literal_value(expr: tuple):
    """The Python value a recorded literal writes (a string, a number, ``True``/``False``/``None``), else
    ``NOT_LITERAL``."""
    if expr[0] == "s":
        return expr[1]
    if expr[0] == "n":
        return _NAMED.get(expr[1], NOT_LITERAL)
    if expr[0] == "i":
        for kind in (lambda t: int(t, 0), float):
            try:
                return kind(expr[1])
            except ValueError:
                pass
    return NOT_LITERAL
