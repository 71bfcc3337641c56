"""scan: turn libcst expression nodes into the tagged tuples of ``tracer.facts.model``.

Stage: scan.  Pure functions of one node; must not import networkx or later stages.
"""
from __future__ import annotations

import re
from ast import literal_eval

import libcst as cst

from tracer.facts.model import OPAQUE, Expr

_MAX_DEPTH = 12
_UNION = frozenset({"Optional", "Union"})
# generics whose values are their element type to the linker (containers are smashed); Generator[Y, S, R] yields Y
_ELEMENTS = frozenset({"List", "list", "Set", "set", "FrozenSet", "frozenset", "Sequence", "MutableSequence",
                       "Iterable", "Iterator", "Collection", "Generator", "AbstractSet", "Tuple", "tuple"})
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def to_expr(node: cst.CSTNode, depth: int = 0) -> Expr:
    """Record what an expression says, shallowly enough to stay small."""
    if depth > _MAX_DEPTH:
        return OPAQUE
    handler = _HANDLERS.get(type(node))
    return handler(node, depth + 1) if handler else OPAQUE


def call_args(node: cst.Call, depth: int = 0) -> tuple[tuple, tuple]:
    args: list[Expr] = []
    kwargs: list[tuple] = []
    for arg in node.args:
        value = to_expr(arg.value, depth)
        if arg.keyword is not None:
            kwargs.append((arg.keyword.value, value))
        elif arg.star == "**":
            kwargs.append((None, value))
        elif arg.star == "*":
            args.append(("*", value))
        else:
            args.append(value)
    return tuple(args), tuple(kwargs)


def _string(node: cst.BaseString, depth: int) -> Expr:
    try:
        value = _evaluated(node)
    except Exception:  # f-strings and odd escapes: not a literal we can use
        return OPAQUE
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return ("s", value) if isinstance(value, str) else OPAQUE


def _evaluated(node: cst.BaseString):
    """libcst's ``evaluated_value`` without compiling each literal (its ``ast.literal_eval`` was a tenth of
    the scan's own work): a string with no backslash, no carriage return and no prefix but ``u`` or ``r`` is
    the text between its quotes; any other goes to ``literal_eval``."""
    if isinstance(node, cst.SimpleString):
        text = node.value
        start = 0
        while text[start] not in "'\"":
            start += 1
        if start > 1 or (start and text[0] not in "uUrR") or "\\" in text or "\r" in text:
            return literal_eval(text)
        quotes = 3 if len(text) - start >= 6 and text[start:start + 3] in ('"""', "'''") else 1
        return text[start + quotes:len(text) - quotes]
    if isinstance(node, cst.ConcatenatedString):  # as libcst: None unless both sides are str, or both bytes
        if isinstance(node.left, cst.FormattedString) or isinstance(node.right, cst.FormattedString):
            return None
        left, right = _evaluated(node.left), _evaluated(node.right)
        if right is None or type(left) is not type(right) or not isinstance(left, (str, bytes)):
            return None
        return left + right
    return node.evaluated_value


def _call(node: cst.Call, depth: int) -> Expr:
    args, kwargs = call_args(node, depth)
    return ("c", to_expr(node.func, depth), args, kwargs)


def _binop(node: cst.BinaryOperation, depth: int) -> Expr:
    if isinstance(node.operator, cst.Add):
        return ("+", to_expr(node.left, depth), to_expr(node.right, depth))
    if isinstance(node.operator, cst.Modulo):  # "%s/x" % y: URL templates, import paths
        return ("%", to_expr(node.left, depth), to_expr(node.right, depth))
    return OPAQUE


def _fstring(node: cst.FormattedString, depth: int) -> Expr:
    """f"/volumes/{vid}/action": literal text and the expressions between it."""
    parts: list[Expr] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            parts.append(("s", part.value))
        elif isinstance(part, cst.FormattedStringExpression):
            parts.append(to_expr(part.expression, depth))
    return ("f", tuple(parts))


def _subscript(node: cst.Subscript, depth: int) -> Expr:
    first = node.slice[0].slice if node.slice else None
    key = to_expr(first.value, depth) if isinstance(first, cst.Index) else OPAQUE
    return ("k", to_expr(node.value, depth), key)


def _elements(node: cst.List | cst.Tuple | cst.Set, depth: int) -> Expr:
    return ("l", tuple(to_expr(e.value, depth) for e in node.elements))


def _dict(node: cst.Dict, depth: int) -> Expr:
    pairs = tuple(
        (to_expr(e.key, depth), to_expr(e.value, depth))
        for e in node.elements
        if isinstance(e, cst.DictElement)
    )
    return ("d", pairs)


def _has_params(params: cst.Parameters) -> bool:
    return bool(params.params or params.posonly_params or params.kwonly_params
                or isinstance(params.star_arg, cst.Param) or params.star_kwarg)


_HANDLERS = {
    cst.Name: lambda n, d: ("n", n.value),
    cst.Attribute: lambda n, d: ("a", to_expr(n.value, d), n.attr.value),
    cst.Call: _call,
    cst.SimpleString: _string,
    cst.ConcatenatedString: _string,
    cst.FormattedString: _fstring,
    cst.Integer: lambda n, d: ("i", n.value),
    cst.Float: lambda n, d: ("i", n.value),
    cst.IfExp: lambda n, d: ("u", (to_expr(n.body, d), to_expr(n.orelse, d))),
    cst.BooleanOperation: lambda n, d: ("u", (to_expr(n.left, d), to_expr(n.right, d))),
    cst.List: _elements,
    cst.Tuple: _elements,
    cst.Set: _elements,
    cst.Dict: _dict,
    cst.Subscript: _subscript,
    cst.BinaryOperation: _binop,
    cst.Await: lambda n, d: to_expr(n.expression, d),
    # ``lambda: f(x)`` (no parameters: its body reads only names of the scope that writes it)
    cst.Lambda: lambda n, d: ("L", to_expr(n.body, d)) if not _has_params(n.params) else ("o",),
    # a comprehension is recorded as a one-element display; its loop variables as assignments
    cst.ListComp: lambda n, d: ("l", (to_expr(n.elt, d),)),
    cst.SetComp: lambda n, d: ("l", (to_expr(n.elt, d),)),
    cst.GeneratorExp: lambda n, d: ("l", (to_expr(n.elt, d),)),
}


def annotation_expr(node: cst.Annotation | None) -> Expr | None:
    """The classes an annotation names (see ``tracer.facts.model``), or None when it names none."""
    if node is None:
        return None
    found = _annotated(node.annotation, 0)
    if not found:
        return None
    return found[0] if len(found) == 1 else ("u", tuple(found))


def _annotated(node: cst.BaseExpression, depth: int) -> list[Expr]:
    if depth > 4:
        return []
    if isinstance(node, (cst.Name, cst.Attribute)):
        expr = to_expr(node)
        return [] if expr == ("n", "None") or expr[0] == "o" else [expr]
    if isinstance(node, cst.SimpleString):  # a forward reference: 'objects.Volume'
        text = _string(node, 0)
        if text[0] == "s" and _DOTTED.match(text[1]):
            parts = text[1].split(".")
            expr: Expr = ("n", parts[0])
            for part in parts[1:]:
                expr = ("a", expr, part)
            return [expr]
        return []
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):  # X | None
        return _annotated(node.left, depth + 1) + _annotated(node.right, depth + 1)
    if isinstance(node, cst.Subscript):
        head = to_expr(node.value)
        name = head[1] if head[0] == "n" else head[2] if head[0] == "a" else ""
        items = [e.slice.value for e in node.slice if isinstance(e.slice, cst.Index)]
        if name in _UNION:
            return [x for item in items for x in _annotated(item, depth + 1)]
        if name in _ELEMENTS and items:
            picked = items if name in ("Tuple", "tuple") else items[:1]
            return [x for item in picked for x in _annotated(item, depth + 1)]
    return []
