"""scan: the attribute reads that may be configuration options (``CONF.libvirt.images_type``).

Stage: scan.  Pure; fed by the collector's traversal; must not import networkx or later stages.

oslo.config options are read as attributes, not called, so the call sites do not show them.  This
collector keeps the few attribute reads that can be one, in the shape an option read has: a chain of
names (``A.b`` or ``A.b.c``) rooted at a name the function does not bind itself (a module global or an
import; at most four links: ``cfg.CONF.libvirt.x``), or three links rooted at a parameter (``self.configuration.x``, ``conf.libvirt.x``); its last
link lower case and no dunder; not assigned to, not the callee (``CONF.x.lower()`` reads ``CONF.x``).
Each chain is kept once per function, at its first line, with ``test`` set when an occurrence is part
of a branch test (``if``/``elif``/``while``, a conditional expression): the value picks the path.
"""
from __future__ import annotations

import libcst as cst

from tracer.facts.model import Read, chain_expr
from tracer.scan.walk import code_fields

MAX_LINKS = 4  # cfg.CONF.libvirt.images_type
PARAM_LINKS = 3  # self.configuration.x


def dotted(node: cst.BaseExpression) -> list[str] | None:
    """``a.b.c`` -> ["a", "b", "c"]; None when the chain holds anything but names."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return parts[::-1]


def _attribute_ids(node: cst.CSTNode, out: set[int]) -> None:
    """The ids of the Attribute nodes in ``node``, through the fields that hold code (libcst's
    ``children`` builds every child list anew: it was a seventh of the scan of a branchy file)."""
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, cst.Attribute):
            out.add(id(n))
        for name in code_fields(type(n)):
            value = getattr(n, name)
            if isinstance(value, cst.CSTNode):
                todo.append(value)
            elif isinstance(value, (tuple, list)):
                todo.extend(v for v in value if isinstance(v, cst.CSTNode))


class ReadCollector:
    """Per function: the candidate reads met so far; filtered against the function's own names at its end."""

    def __init__(self) -> None:
        self._tests: set[int] = set()  # ids of Attribute nodes inside a branch test
        self._skip: set[int] = set()  # ids of Attribute nodes that are assigned to
        self._callees: set[int] = set()  # ids of Attribute nodes called
        self._stack: list[dict[tuple, list]] = [{}]
        self._bound: list[set[str]] = [set()]  # names bound without an assignment record (``except E as e``)

    # -- what the collector tells ---------------------------------------------
    def mark_test(self, test: cst.BaseExpression) -> None:
        _attribute_ids(test, self._tests)

    def mark_target(self, target: cst.BaseExpression) -> None:
        self._skip.add(id(target))

    def mark_callee(self, func: cst.BaseExpression) -> None:
        if isinstance(func, cst.Attribute):
            self._callees.add(id(func))

    def bind(self, name: str) -> None:
        self._bound[-1].add(name)

    def enter_function(self) -> None:
        self._stack.append({})
        self._bound.append(set())

    def on_chain(self, node: cst.Attribute, parts: list[str], line: int) -> None:
        """An outermost chain of names (the collector does not descend into it)."""
        if id(node) in self._skip:
            return
        test = id(node) in self._tests
        if id(node) in self._callees:
            parts = parts[:-1]
            test = test or id(node.value) in self._tests
        if not 2 <= len(parts) <= MAX_LINKS or not _option_like(parts[-1]):
            return
        seen = self._stack[-1].setdefault(tuple(parts), [line, False])
        seen[1] = seen[1] or test

    def leave_function(self, params: set[str], bound: set[str]) -> tuple:
        """The reads of the function that is ending, without those rooted at its own names."""
        found = self._stack.pop()
        bound = bound | self._bound.pop()
        out = []
        for parts, (line, test) in found.items():
            root = parts[0]
            if root in bound or (root in params and len(parts) != PARAM_LINKS):
                continue
            out.append(Read(chain_expr(list(parts)), line, test))
        return tuple(sorted(out, key=lambda r: (r.line, str(r.expr))))

    def module_reads(self) -> tuple:
        return self.leave_function(set(), set())


def _option_like(name: str) -> bool:
    return name.islower() and not name.startswith("__")
