"""Comparing the effects of two traces: what ``tracer diff`` says of them."""
from __future__ import annotations

from tracer.effects.compare import compare
from tracer.effects.records import Effect
from tracer.graph.records import Hop, Trace


def _trace(*effects: Effect) -> Trace:
    hop = Hop(1, 1, "m.a", "m.b", "call", "m.py:1", "svc", "exact", effects=tuple(effects))
    return Trace("m.a", "m.a", "svc", (hop,), "skeleton", with_effects=True)


def _e(kind, name, action, service="svc", **detail) -> Effect:
    return Effect(kind, name, action, "m.py:2", service, (), tuple(sorted(detail.items())))


def test_table_newly_written_and_option_on_the_path():
    old = _trace(_e("database", "volumes", "read"), _e("config", "host", "read", default="a"))
    new = _trace(_e("database", "volumes", "read"), _e("database", "volumes", "write"),
                 _e("config", "host", "read", default="a"), _e("config", "host", "path", default="a"))
    changes = [(c.type, c.name) for c in compare(old, new)]
    assert changes == [("table-newly-written", "volumes"), ("option-on-path", "host")]


def test_default_changed_moved_and_gone():
    old = _trace(_e("config", "retries", "read", default="3"), _e("lock", "x", "lockutils", "nova-api"),
                 _e("notification", "volume.create.start", "legacy"))
    new = _trace(_e("config", "retries", "read", default="5"), _e("lock", "x", "lockutils", "nova-compute"))
    changes = {(c.type, c.name): c for c in compare(old, new)}
    assert changes[("option-default-changed", "retries")].detail == "retries default '3' -> '5'"
    assert changes[("effect-moved", "x")].detail == "lockutils x: nova-api -> nova-compute"
    assert changes[("effect-removed", "volume.create.start")].detail == "legacy volume.create.start (svc)"
    assert changes[("effect-removed", "volume.create.start")].new is None
    assert compare(new, new) == []
