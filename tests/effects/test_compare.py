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


def test_added_effects_are_one_line_per_kind_action_and_services_in_the_diff():
    import dataclasses

    from tracer.diff.flow import diff_traces
    from tracer.effects.compare import grouped
    from tracer.render.diff_markdown import to_markdown
    from tracer.render.diff_text import diff_text

    old = _trace(_e("config", "host", "read"))
    new = _trace(_e("config", "host", "read"), _e("config", "a", "read", "api"), _e("config", "a", "read", "vol"),
                 _e("config", "b", "read", "api"), _e("config", "b", "read", "vol"), _e("lock", "x", "tooz"))
    changes = compare(old, new)
    assert grouped(changes) == [("effect-added", "config", "read in api, vol: a, b"),
                                ("effect-added", "lock", "tooz in svc: x")]
    d = dataclasses.replace(diff_traces(old, new), effects=tuple(changes), options=(("effects", True),))
    assert "<details><summary>3 effects added or removed</summary>" in to_markdown(d)
    assert "3 effect changes: 3 effect-added" in diff_text(d)
