"""Effects in the outputs: a faint line per kind under the hop, badges and tooltips in the diagrams, a
note in the sequence, and what a view folds rolled up into the hop it hung under."""
from __future__ import annotations

import pytest

from tracer import api
from tracer.effects.report import effect_badges, hop_lines
from tracer.graph.records import TraceOptions
from tracer.render.dot import to_dot
from tracer.render.mermaid import to_sequence
from tracer.render.text import trace_lines
from tests.effects.test_compose import NOTIFY


@pytest.fixture()
def traced(snippet):
    ws = snippet({"proj/api.py": NOTIFY}).ws
    return api.trace(ws, "proj.api.create", TraceOptions(full=True), effects=True)


def test_one_faint_line_per_kind_under_the_hop(traced):
    text = "\n".join(line.plain for line in trace_lines(traced))
    assert "notifies: legacy volume.create.start" in text
    row = next(i for i, line in enumerate(text.splitlines()) if "notify" in line and "relay" not in line)
    assert "notifies:" in text.splitlines()[row + 1]


def test_badges_and_tooltip_in_the_graph(traced):
    dot = to_dot(traced)  # the box of notify: both of its hops' notifications
    assert 'COLOR="#6a3d9a">notify 2</FONT>' in dot
    assert "notification legacy volume.create.error\\nnotification legacy volume.create.start" in dot
    assert effect_badges(traced.entry_effects) == []


def test_sequence_note_for_the_block(traced):
    assert "Note over proj: notifies: legacy volume.create.start, volume.create.error" in to_sequence(traced)


def test_a_folded_hop_gives_its_effects_to_the_hop_above(snippet):
    ws = snippet({"proj/api.py": NOTIFY}).ws
    folded = api.trace(ws, "proj.api.create", TraceOptions(full=True, main=True), effects=True)
    assert all(h.callee != "proj.api.notify" or h.caller == "proj.api.relay" for h in folded.hops)
    assert "volume.create.error" in {e.name for e in folded.entry_effects}  # the except handler's call, folded


def test_hop_lines_name_an_option_once():
    from tracer.effects.records import Effect

    effects = [Effect("config", "host", "path", "a.py:1"), Effect("config", "host", "read", "a.py:2"),
               Effect("database", "volumes", "write", "b.py:3"), Effect("database", "volumes", "read", "b.py:4")]
    assert hop_lines(effects) == ["tables: read volumes; write volumes", "options: host (path)"]
