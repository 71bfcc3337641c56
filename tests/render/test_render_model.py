"""The presentation model, the class/module aggregation and the message sequence, on small traces."""
from __future__ import annotations

import pytest

from render_helpers import fixture_trace, rich_trace
from tracer.render.aggregate import aggregate, owner
from tracer.render.model import build_model, merge_labels, short_label
from tracer.render.sequence import build_sequence


def test_nodes_are_the_entry_and_each_callee_once_in_execution_order():
    t, where = fixture_trace()
    m = build_model(t, where)
    assert [n.id for n in m.nodes][:3] == [
        "proj.api.things.ThingController.create", "proj.worker.rpcapi.WorkerAPI.build_thing",
        "proj.worker.manager.WorkerManager.build_thing"]
    assert len(m.nodes) == len({h.callee for h in t.hops} | {t.entry})
    entry = m.node(t.entry)
    assert (entry.label, entry.role, entry.service, entry.step) == ("ThingController.create", "entry", "proj-api", 0)
    assert entry.site == where[t.entry]


def test_node_roles_orders_and_clusters():
    m = build_model(*fixture_trace())
    assert m.node("proj.worker.manager.WorkerManager.build_thing").role == "rpc"
    assert m.node("proj.drivers.fake.FakeDriver.make").role == "driver"
    prepare = m.node("proj.worker.flows.build.PrepareTask.execute")
    assert (prepare.role, prepare.orders) == ("flow-task", (1, 3))  # FinishTask inherits PrepareTask.execute
    assert [c.service for c in m.clusters] == ["proj-api", "proj-worker"]
    assert m.clusters[0].nodes == ("proj.api.things.ThingController.create", "proj.worker.rpcapi.WorkerAPI.build_thing")


def test_hops_sharing_caller_callee_and_kind_are_one_edge():
    m = build_model(*fixture_trace())
    tasks = [e for e in m.edges if e.target == "proj.worker.flows.build.PrepareTask.execute"]
    assert len(tasks) == 1
    assert tasks[0].label == "#1, #3 FinishTask"
    assert tasks[0].labels == ("#1", "#3 FinishTask")
    cast = next(e for e in m.edges if e.kind == "rpc-cast")
    assert cast.label == "cast build_thing"
    assert [e.step for e in m.edges] == sorted(e.step for e in m.edges)


def test_edge_labels_by_kind():
    m = build_model(rich_trace())
    labels = {e.kind: e.label for e in m.edges}
    assert labels["rpc-call"] == "call build"
    assert labels["rpc-cast"] == "cast notify"
    assert labels["rest"] == "POST /v3/volumes"
    assert labels["flow-task"] == "#1"
    assert labels["driver"] == "driver (+2)"
    assert m.node("other.api.volumes.VolumeController.create").service == "other-api"  # where the REST hop lands
    repeat = [e for e in m.edges if e.target == "svc.compute.api.API.create"]
    assert len(repeat) == 1 and not repeat[0].repeat  # the first visit counts


def test_short_labels():
    assert short_label("a.b.Class.method") == "Class.method"
    assert short_label("a.b.func") == "b.func"
    assert short_label("a.Mgr.create.<locals>._run") == "Mgr.create._run"


def test_merge_labels():
    assert merge_labels("rpc-cast", ("cast a", "cast b")) == "cast a, b"
    assert merge_labels("rpc-call", ("call a", "call b", "call c", "call d", "call e")) == "call a, b, c +2"
    assert merge_labels("driver", ("driver (+1)", "driver (+8)")) == "driver"
    assert merge_labels("call", ("",)) == ""


@pytest.mark.parametrize("level, expected", [
    ("class", "svc.compute.manager.Manager"), ("module", "svc.compute.manager")])
def test_owner(level, expected):
    assert owner("svc.compute.manager.Manager.build", level) == expected
    assert owner("svc.compute.flows.get_flow", level) == "svc.compute.flows"


def test_aggregate_keeps_a_tree_without_self_calls():
    t = aggregate(rich_trace(), "class")
    assert t.entry == "svc.api.things.Controller"
    assert all(h.caller != h.callee for h in t.hops)
    callee_at = {0: t.entry}
    for h in t.hops:  # a hop's caller is the callee of the nearest hop one level up
        assert callee_at[h.depth - 1] == h.caller
        callee_at[h.depth] = h.callee
    assert "svc.virt.fake.FakeDriver.spawn.<locals>._wait" not in {h.callee for h in t.hops}
    assert t.view == "skeleton, by class"
    assert build_model(t).node("svc.virt.fake.FakeDriver").role == "driver"


def test_aggregate_rejects_unknown_level():
    with pytest.raises(ValueError, match="class"):
        aggregate(rich_trace(), "package")


def test_sequence_messages_and_replies():
    seq = build_sequence(rich_trace())
    assert seq.participants == ("client", "svc-api", "svc-compute", "other-api")
    kinds = [(m.kind, m.source, m.target) for m in seq.messages]
    assert kinds == [
        ("request", "client", "svc-api"),
        ("rpc-call", "svc-api", "svc-compute"),
        ("rest", "svc-compute", "other-api"),
        ("response", "other-api", "svc-compute"),
        ("task", "svc-compute", "svc-compute"),
        ("driver", "svc-compute", "svc-compute"),
        ("reply", "svc-compute", "svc-api"),  # after the work under the call
        ("rpc-cast", "svc-api", "svc-compute"),
        ("response", "svc-api", "client"),
    ]
    assert seq.messages[1].text == "call build"
    assert seq.messages[4].text == "task 1: BuildTask"
    assert seq.messages[5].text == "driver FakeDriver.spawn"


def test_consecutive_notes_merge():
    seq = build_sequence(fixture_trace()[0])
    notes = [m.text for m in seq.messages if m.kind in ("task", "driver")]
    assert notes == ["task 1: PrepareTask\ntask 2: MakeTask", "driver FakeDriver.make", "task 3: FinishTask"]


def test_no_client_for_an_internal_entry():
    t = rich_trace()
    internal = type(t)(t.entry, t.entry, t.entry_service, t.hops, t.view, t.sources)
    assert build_sequence(internal).participants[0] == "svc-api"
