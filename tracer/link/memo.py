"""link: memoised queries that may depend on themselves (cycles), answered in any order.

Stage: link.  Pure bookkeeping over hashable keys; must not import libcst, render or other link modules.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable

EMPTY: frozenset = frozenset()
MAX_VALUES = 24
MAX_ROUNDS = 4  # recomputations of a cycle head whose answer keeps growing


class Memo:
    """Memoise answers, but only complete ones.

    A query met again while it is being computed (a cycle) gets the answer so far
    (at first "nothing").  The queries in between hold answers that depend on it:
    they wait, unmemoised, until that cycle head is done; the head is recomputed
    until its answer stops changing (at most ``MAX_ROUNDS`` times), and then it and
    everything that waited on it are memoised together.  So no answer depends on
    the order in which queries happened to be asked.

    Only the outermost head of a cycle goes round.  A head inside it (one that also
    read an outer query) is computed once per round of the outer head, which starts
    another round while that inner answer still changes: the answers read its value
    of the round before, and they hold only when no head of the cycle moved.  (A
    head going round on its own inside another would redo all of it each time: the
    cost grows with the power of the nesting.)

    An answer with more than ``MAX_VALUES`` values keeps the first ones (sorted) and
    the key is recorded in ``cut``: the caller says so instead of dropping them silently.
    """

    def __init__(self) -> None:
        self.done: dict[tuple, frozenset] = {}
        self.cut: set[tuple] = set()  # keys whose answer was cut to MAX_VALUES
        self._stack: list[tuple] = []  # the queries being computed, outermost first
        self._depth_of: dict[tuple, int] = {}
        self._low: list[int] = []  # per stack entry: the outermost unfinished query its answer used
        self._provisional: dict[tuple, frozenset] = {}  # a cycle head's answer so far
        self._heads_met: set[tuple] = set()
        self._pending: dict[tuple, tuple[frozenset, tuple]] = {}  # answer, the head it waits for
        self._waiting: dict[tuple, list[tuple]] = defaultdict(list)  # head -> keys pending on it
        self._moved: set[tuple] = set()  # outer heads with an inner head whose answer changed in this round

    def reset_active(self) -> None:
        """After an aborted query (recursion limit), forget the half-open keys."""
        for table in (self._stack, self._low):
            table.clear()
        for mapping in (self._depth_of, self._provisional, self._pending, self._waiting):
            mapping.clear()
        self._heads_met.clear()
        self._moved.clear()

    def __call__(self, key: tuple, compute: Callable[[], frozenset]) -> frozenset:
        # one function on purpose: it runs for every query of the interpreter (the common case, a query
        # that is no cycle head, computes once and goes straight to ``done``)
        hit = self.done.get(key)
        if hit is not None:
            return hit
        depth = self._depth_of.get(key)
        if depth is not None:  # a cycle: answer what we have, and make the asker depend on it
            self._low[-1] = min(self._low[-1], depth)
            self._heads_met.add(key)
            return self._provisional.get(key, EMPTY)
        if self._pending:
            waiting = self._pending.get(key)
            if waiting is not None:
                self._low[-1] = min(self._low[-1], self._depth_of[waiting[1]])
                return waiting[0]
        stack, lows = self._stack, self._low
        mine = len(stack)
        self._depth_of[key] = mine
        stack.append(key)
        lows.append(mine)
        try:
            result = compute()
        except BaseException:  # (a recursion limit: the caller resets the active queries)
            lows.pop()
            stack.pop()
            del self._depth_of[key]
            raise
        low = lows.pop()
        if len(result) > MAX_VALUES:
            result = frozenset(sorted(result)[:MAX_VALUES])
            self.cut.add(key)
        if key in self._heads_met:
            if low < mine:  # a head inside a larger cycle: the outer head goes round again if it moved
                self._heads_met.discard(key)
                if result != self._provisional.get(key, EMPTY):
                    self._provisional[key] = result
                    self._moved.add(stack[low])
            else:  # the outermost head of a cycle: recompute until no answer in it changes
                result, low = self._settle(key, compute, result, low, mine)
        stack.pop()
        del self._depth_of[key]
        if low < mine:
            if key in self._moved:  # (an outer query's answer moves with it)
                self._moved.discard(key)
                self._moved.add(stack[low])
            self._wait(key, result, low)
        else:
            self.done[key] = result
            if self._waiting:
                for k in self._waiting.pop(key, ()):
                    done = self._pending.pop(k, None)
                    if done is not None and done[0]:  # an empty answer may have read an inner head's first "nothing": asked again
                        self.done[k] = done[0]
            if not stack:  # the inner heads' answers of the last round
                self._provisional.clear()
                self._moved.clear()
        return result

    def _settle(self, key: tuple, compute: Callable[[], frozenset], result: frozenset, low: int,
                mine: int) -> tuple[frozenset, int]:
        """Recompute a cycle head until its answer stops changing (at most ``MAX_ROUNDS`` computations)."""
        rounds = 1
        try:
            while result != self._provisional.get(key, EMPTY) or key in self._moved:
                self._moved.discard(key)
                self._provisional[key] = result  # the cycle changed: redo what depended on it
                for k in self._waiting.pop(key, ()):
                    self._pending.pop(k, None)
                if rounds == MAX_ROUNDS:
                    break
                rounds += 1
                self._low.append(mine)
                try:
                    result = compute()
                except BaseException:
                    self._low.pop()
                    raise
                low = self._low.pop()
                if len(result) > MAX_VALUES:
                    result = frozenset(sorted(result)[:MAX_VALUES])
                    self.cut.add(key)
        except BaseException:
            self._stack.pop()
            del self._depth_of[key]
            raise
        self._provisional.pop(key, None)
        self._heads_met.discard(key)
        self._moved.discard(key)
        return result, low

    def _wait(self, key: tuple, result: frozenset, low: int) -> None:
        """Waits for an outer head; so do the keys that waited for this one."""
        head = self._stack[low]
        self._pending[key] = (result, head)
        self._waiting[head].append(key)
        for k in self._waiting.pop(key, ()):
            if k in self._pending:
                self._pending[k] = (self._pending[k][0], head)
                self._waiting[head].append(k)
        self._low[-1] = min(self._low[-1], low)
