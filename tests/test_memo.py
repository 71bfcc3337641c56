"""The memo's answers inside cycles: complete, and the same whatever order the queries come in."""
from __future__ import annotations

import itertools

from tracer.link.memo import Memo


def _solve(equations: dict, order: tuple[str, ...]) -> dict[str, frozenset]:
    """Ask every query of ``equations`` in ``order`` through one memo; each equation reads the others
    through ``ask``."""
    memo = Memo()

    def ask(name: str) -> frozenset:
        return memo((name,), lambda: frozenset(equations[name](ask)))

    return {name: ask(name) for name in order}


# E reads two open heads at once: C (inner) and A (outer).  A filters out what C adds, so A's answer
# stops changing while E's first answer, made when C was still "nothing", is missing C's value.
EQUATIONS = {
    "A": lambda ask: {x for x in ask("B") if x != "c"} | {"a"},
    "B": lambda ask: ask("C"),
    "C": lambda ask: ask("E") | {"c"},
    "E": lambda ask: ask("C") | ask("A"),
}
FIXPOINT = {"A": {"a"}, "B": {"a", "c"}, "C": {"a", "c"}, "E": {"a", "c"}}


def test_an_answer_that_read_an_inner_head_is_not_kept_when_that_head_changes():
    got = _solve(EQUATIONS, ("A", "E"))
    assert got["E"] == FIXPOINT["E"]  # E = C | A, and C holds "c"


def test_the_answers_do_not_depend_on_the_order_the_queries_are_asked_in():
    for order in itertools.permutations(EQUATIONS):
        assert _solve(EQUATIONS, order) == FIXPOINT, order


def test_a_finished_query_leaves_nothing_waiting():
    memo = Memo()

    def ask(name: str) -> frozenset:
        return memo((name,), lambda: frozenset(EQUATIONS[name](ask)))

    ask("A")
    assert not memo._pending and not memo._provisional and not memo._stack
    assert {k[0] for k in memo.done} == set(EQUATIONS)
