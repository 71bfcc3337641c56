"""Linking many functions in forked processes gives the answers of linking them one by one, in any order."""
from __future__ import annotations

import os

import pytest

from tests.models.snippets import link
from tracer.link.edges import Linker
from tracer.link.parallel import resolve_all

FILES = {
    "app/a.py": """
        from app import b

        class Base:
            def run(self):
                self.step()
                b.helper(self.step)

            def step(self):
                pass

        class Sub(Base):
            def step(self):
                b.helper(None)
        """,
    "app/b.py": """
        def helper(cb):
            if cb:
                cb()
            return other()

        def other():
            return helper
        """,
}


def _answers(linker: Linker, order) -> dict:
    return {fq: linker.resolve(fq) for fq in order}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_forked_answers_are_the_serial_ones():
    parallel = link(FILES)
    functions = sorted(parallel.p.functions)
    resolve_all(parallel, functions, min_half=1)  # forks: the second half is answered in a child
    assert set(parallel._cache) >= set(functions)
    serial = link(FILES)
    assert _answers(serial, reversed(functions)) == _answers(parallel, functions)
    assert parallel.edges("app.a.Base.run")  # something was linked


def test_few_functions_are_resolved_here():
    lk = link(FILES)
    resolve_all(lk, ["app.b.helper", "not.a.function"])  # under 2 * MIN_HALF: no fork
    assert set(lk._cache) >= {"app.b.helper"} and "not.a.function" not in lk._cache
