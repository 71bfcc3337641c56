"""scan: a light pre-order walk over a libcst tree, and line numbers taken from ``ast``.

Stage: scan.  Must not import networkx or later stages.

libcst's visitor machinery rebuilds every node while visiting, and its
PositionProvider re-generates the whole file's code: together five times the
cost of parsing.  This walk only reads the fields that can hold code (never
whitespace or punctuation), in source order, and calls ``visit_X``/``leave_X``
methods of the collector.  Line numbers come from CPython's ``ast`` parse of
the same bytes: the k-th ``Call`` (or def/class) met in source order is the
k-th one ``ast`` finds sorted by position, outer before inner.  When the counts
disagree the caller falls back to libcst's PositionProvider for that file.
"""
from __future__ import annotations

import ast
import dataclasses

import libcst as cst

_SKIP = frozenset({
    "lpar", "rpar", "lbrace", "rbrace", "lbracket", "rbracket", "comma", "colon", "first_colon", "second_colon",
    "semicolon", "equal", "dot", "star", "leading_lines", "lines_after_decorators", "header", "footer", "newline",
    "trailing_whitespace", "comment", "empty_lines", "operator", "relative", "asynchronous", "default_indent",
    "default_newline", "encoding", "has_trailing_newline", "indent", "separator", "trailing_comma", "posonly_ind",
    "conversion", "first_line", "last_line", "whitespace",
})
# Where the dataclass field order is not the source order.
_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.Arg: ("keyword", "value"),
}
_FIELDS: dict[type, tuple[str, ...]] = dict(_ORDER)


def code_fields(t: type) -> tuple[str, ...]:
    """The fields of a libcst node type that can hold code, in source order."""
    hit = _FIELDS.get(t)
    if hit is None:
        hit = _FIELDS[t] = tuple(
            f.name for f in dataclasses.fields(t) if f.name not in _SKIP and not f.name.startswith("whitespace")
        )
    return hit


def walk(node: cst.CSTNode, collector: object) -> None:
    handlers: dict[type, tuple] = {}
    _walk(node, collector, handlers)


def _walk(node: cst.CSTNode, collector: object, handlers: dict) -> None:
    t = type(node)
    entry = handlers.get(t)
    if entry is None:
        entry = handlers[t] = (getattr(collector, f"visit_{t.__name__}", None),
                               getattr(collector, f"leave_{t.__name__}", None), code_fields(t))
    enter, leave, fields = entry
    if enter is None or enter(node) is not False:
        for name in fields:
            value = getattr(node, name)
            kind = type(value)
            if kind is tuple or kind is list:
                for item in value:
                    if _is_node(type(item)):
                        _walk(item, collector, handlers)
            elif _is_node(kind):
                _walk(value, collector, handlers)
    if leave is not None:
        leave(node)


_NODE_TYPES: dict[type, bool] = {}


def _is_node(t: type) -> bool:
    """``isinstance(x, cst.CSTNode)`` by type, without the ABC check each time."""
    hit = _NODE_TYPES.get(t)
    if hit is None:
        hit = _NODE_TYPES[t] = issubclass(t, cst.CSTNode)
    return hit


class AstLines:
    """Line (and column) of the k-th call and the k-th def/class, in libcst's visiting order."""

    def __init__(self, source: bytes) -> None:
        calls, defs, attributes = [], [], []
        inner: set[int] = set()
        for n in _nodes(ast.parse(source)):
            t = type(n)
            if t is ast.Call:
                calls.append(n)
            elif t in _DEFS:
                defs.append(n)
            elif t is ast.Attribute:
                attributes.append(n)
                inner.add(id(n.value))
        self.chains = _chain_lines(attributes, inner)
        calls.sort(key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset))
        defs.sort(key=lambda n: (n.lineno, n.col_offset))
        self.calls = [_token(n.func) + (_arg_lines(n),) for n in calls]
        self.defs = [(n.lineno, n.end_lineno or n.lineno) for n in defs]
        self.next_call = 0
        self.next_def = 0

    def call(self) -> tuple[int, int, tuple]:
        k = self.next_call
        self.next_call += 1
        return self.calls[k] if k < len(self.calls) else (0, 0, ())

    def definition(self) -> tuple[int, int]:
        k = self.next_def
        self.next_def += 1
        return self.defs[k] if k < len(self.defs) else (0, 0)

    def chain(self, text: str) -> int:
        """Line of the next outermost chain of names spelled ``text`` (``CONF.libvirt.images_type``); 0 if none."""
        lines = self.chains.get(text)
        return lines.pop() if lines else 0

    def consistent(self) -> bool:
        return self.next_call == len(self.calls) and self.next_def == len(self.defs)


_DEFS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_AST_FIELDS: dict[type, tuple[str, ...]] = {}


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` in no particular order (the callers sort).  ``ast.walk`` goes through two
    generators per node and visits every shared ``Load``/``Store``; this reads only the fields that hold nodes."""
    out = []
    todo = [tree]
    while todo:
        n = todo.pop()
        out.append(n)
        t = type(n)
        names = _AST_FIELDS.get(t)
        if names is None:
            names = _AST_FIELDS[t] = tuple(f for f in t._fields if f != "ctx")
        for name in names:
            v = getattr(n, name, None)
            if type(v) is list:
                todo += [x for x in v if isinstance(x, ast.AST)]
            elif isinstance(v, ast.AST):
                todo.append(v)
    return out


def _chain_lines(attributes: list, inner: set[int]) -> dict[str, list[int]]:
    """Outermost chains of names by their text, each list in reverse source order (popped from the end)."""
    found: dict[str, list[tuple[int, int]]] = {}
    for n in attributes:
        if id(n) in inner:
            continue
        parts = []
        node = n
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            found.setdefault(".".join(reversed(parts)), []).append((n.lineno, n.col_offset))
    return {text: [line for line, _ in sorted(places, reverse=True)] for text, places in found.items()}


def _arg_lines(call: ast.Call) -> tuple:
    return tuple(a.lineno for a in call.args) + tuple(k.value.lineno for k in call.keywords)


def _token(func: ast.expr) -> tuple[int, int]:
    """Where the callee's name token is: the attribute name ends the expression."""
    if isinstance(func, ast.Attribute):
        return (func.end_lineno or func.lineno, max((func.end_col_offset or 0) - len(func.attr), 0))
    return (func.lineno, func.col_offset)
