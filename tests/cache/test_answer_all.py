"""Linking every function on two processes gives what one process gives, and falls back when the child fails."""
from __future__ import annotations

import os

import pytest

from tests.conftest import FIXTURE
from tracer import api
from tracer.graph import everything

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _everything(tmp_path, monkeypatch, name: str, **patch) -> tuple[dict, dict]:
    monkeypatch.setattr(everything, "MIN_FUNCTIONS", 0)
    monkeypatch.setattr(everything, "_can_fork", patch.pop("can_fork", lambda count: True))
    for attr, value in patch.items():
        monkeypatch.setattr(everything, attr, value)
    ws = api.load([str(FIXTURE)], cache_dir=tmp_path / name, linked_cache=False)
    summary = api.summary(ws)
    summary.pop("elapsed_s")
    answers = {fq: ws.index.answer(fq) for fq in sorted(ws.program.functions)}
    return summary, answers


def test_two_processes_make_the_answers_one_makes(tmp_path, monkeypatch):
    one = _everything(tmp_path, monkeypatch, "one", can_fork=lambda count: False)
    handed = []
    collect = everything._collect
    two = _everything(tmp_path, monkeypatch, "two", _collect=lambda child: handed.append(collect(child)) or handed[-1])
    assert two == one
    assert handed and handed[0] is not None and handed[0][0]  # the child made the second half's answers
    assert sum(len(a.edges) for a in one[1].values()) > 10


def test_a_child_that_fails_leaves_its_half_to_the_parent(tmp_path, monkeypatch):
    one = _everything(tmp_path, monkeypatch, "one", can_fork=lambda count: False)

    def crash(index, names):  # the child dies before it writes anything
        pid = os.fork()
        if pid == 0:
            os._exit(3)
        read, write = os.pipe()
        os.close(write)
        return pid, read

    assert _everything(tmp_path, monkeypatch, "crash", _start=crash) == one
