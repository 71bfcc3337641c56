"""scan: the branch each statement runs under (``if``/``else``, loops, ``try``/``except``, ``with``).

Stage: scan.  Pure; fed by the collector's traversal; must not import networkx or later stages.

A compound statement announces the guard of each of its bodies when it is
visited; the body block pushes that guard when the walk enters it and pops it
on leaving.  The stack restarts in every ``def`` (a nested function runs
when it is called, not where it is written).  The current chain is one shared
tuple per block, so the call sites of a block share it in the cache too.
"""
from __future__ import annotations

import re
from typing import Callable

import libcst as cst

from tracer.facts.model import Guard

MAX_TEXT = 80  # characters of a guard's text; longer tests end in "..."
MAX_DEPTH = 6  # guards kept per site, innermost first
_CONTINUATION = re.compile(r"\\\s*\n")


class GuardStack:
    def __init__(self, code_for: Callable[[cst.CSTNode], str]) -> None:
        self._code_for = code_for
        self._stack: list[Guard] = []
        self._current: tuple = ()
        self._saved: list[tuple[list[Guard], tuple]] = []
        self._pending: dict[int, Guard] = {}
        self._elif: dict[int, tuple[str, ...]] = {}  # an elif -> the negated tests of the arms before it
        self._pushed: list[bool] = []
        self._exits: list[list[str]] = [[]]  # per block: the tests of ``if t: return`` (or raise) met so far
        self._after: tuple = ()
        self._exit_text: dict[int, str] = {}  # an early-exit ``if`` -> its test (set when it is entered)

    @property
    def after(self) -> tuple:
        """The tests of the early exits (``if t: return``, no ``else``) before this point in its blocks:
        what runs here runs only when each of them was false."""
        return self._after

    @property
    def current(self) -> tuple:
        """Innermost first, as plain tuples (what the fact cache stores)."""
        return self._current

    # -- scopes ------------------------------------------------------------
    def enter_function(self) -> None:
        self._saved.append((self._stack, self._current, self._exits, self._after))
        self._stack, self._current, self._exits, self._after = [], (), [[]], ()

    def leave_function(self) -> None:
        self._stack, self._current, self._exits, self._after = self._saved.pop()

    def after_if(self, node: cst.If) -> None:
        """An ``if`` with no ``else`` whose body ends in ``return`` or ``raise``: an early exit."""
        text = self._exit_text.pop(id(node), None)
        if text is not None:
            self._exits[-1].append(text)
            self._after = tuple(t for block in self._exits for t in block)

    # -- compound statements announce the guards of their bodies -------------
    def on_if(self, node: cst.If) -> None:
        before = self._elif.pop(id(node), None)
        kind = "if" if before is None else "elif"
        test = self._text(node.test)
        if node.orelse is None and _exits(node.body):  # an early exit: after_if takes its text
            self._exit_text[id(node)] = self._cap(test)
        tests = (before or ()) + (_negated(node.test, test),)
        tail = node
        while isinstance(tail.orelse, cst.If):
            tail = tail.orelse
        optional = not isinstance(tail.orelse, cst.Else)
        self._announce(node.body, Guard(kind, f"{kind} {test}", optional))
        if isinstance(node.orelse, cst.If):
            self._elif[id(node.orelse)] = tests
        elif isinstance(node.orelse, cst.Else):
            self._announce(node.orelse.body, Guard("else", f"else ({', '.join(tests)})", False))

    def on_loop(self, node: cst.For | cst.While) -> None:
        if isinstance(node, cst.For):
            text = f"for {self._text(node.target)} in {self._text(node.iter)}"
        else:
            text = f"while {self._text(node.test)}"
        kind = text.split(" ", 1)[0]
        self._announce(node.body, Guard(kind, text, False))
        if isinstance(node.orelse, cst.Else):
            self._announce(node.orelse.body, Guard("else", f"else of {kind} (no break)", True))

    def on_try(self, node: cst.Try) -> None:
        self._announce(node.body, Guard("try", "try", False))
        for handler in node.handlers:
            caught = f"except {self._text(handler.type)}" if handler.type is not None else "except"
            self._announce(handler.body, Guard("except", caught, True))
        if isinstance(node.orelse, cst.Else):
            self._announce(node.orelse.body, Guard("else", "else of try (no exception)", False))
        if node.finalbody is not None:
            self._announce(node.finalbody.body, Guard("finally", "finally", False))

    def on_with(self, node: cst.With) -> None:
        items = ", ".join(self._text(item.item) for item in node.items)
        self._announce(node.body, Guard("with", f"with {items}", False))

    # -- bodies push what was announced for them ----------------------------
    def enter_block(self, node: cst.BaseSuite) -> None:
        guard = self._pending.pop(id(node), None)
        self._exits.append([])
        self._pushed.append(guard is not None)
        if guard is not None:
            self._stack.append(guard)
            self._current = tuple(tuple(g) for g in reversed(self._stack[-MAX_DEPTH:]))

    def leave_block(self, node: cst.BaseSuite) -> None:
        if self._exits.pop():
            self._after = tuple(t for block in self._exits for t in block)
        if self._pushed.pop():
            self._stack.pop()
            self._current = tuple(tuple(g) for g in reversed(self._stack[-MAX_DEPTH:]))

    def text(self, node: cst.CSTNode) -> str:
        """An expression's source text as a guard writes it (whitespace folded, capped)."""
        return self._cap(self._text(node))

    # -- helpers -------------------------------------------------------------
    def _announce(self, body: cst.BaseSuite, guard: Guard) -> None:
        self._pending[id(body)] = guard._replace(text=self._cap(guard.text))

    def _text(self, node: cst.CSTNode) -> str:
        return " ".join(_CONTINUATION.sub(" ", self._code_for(node)).split())

    @staticmethod
    def _cap(text: str) -> str:
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3].rstrip() + "..."


def _negated(test: cst.BaseExpression, text: str) -> str:
    """``not x`` for ``x``, and ``x`` for ``not x`` (``text``: the test's text, made once)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return text[3:].lstrip()  # what follows the keyword (its parentheses belong to the operand)
    return f"not {text}"


def _exits(body: cst.BaseSuite) -> bool:
    """The block's last statement is a ``return`` or a ``raise``."""
    if isinstance(body, cst.SimpleStatementSuite):
        small = body.body
    else:
        last = body.body[-1] if body.body else None
        small = last.body if isinstance(last, cst.SimpleStatementLine) else ()
    return bool(small) and isinstance(small[-1], (cst.Return, cst.Raise))
