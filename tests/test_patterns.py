"""Snippet tests: one pattern each, on the small synthetic project in tests/fixtures/proj."""
from __future__ import annotations

from tracer import api
from tracer.graph.records import TraceOptions


def edges(ws: api.Workspace, fq: str) -> set[tuple[str, str]]:
    return {(e.kind, e.target) for e in ws.linker.edges(fq)}


def test_rpc_cast_binds_by_topic_and_literal(proj):
    found = edges(proj, "proj.worker.rpcapi.WorkerAPI.build_thing")
    assert ("rpc-cast", "proj.worker.manager.WorkerManager.build_thing") in found
    rpc = [e for e in proj.linker.edges("proj.worker.rpcapi.WorkerAPI.build_thing") if e.kind == "rpc-cast"][0]
    assert dict(rpc.meta)["topic"] == "proj-worker"
    assert dict(rpc.meta)["service"] == "proj-worker"


def test_verb_chosen_at_run_time_gives_cast_and_call_to_base_class_method(proj):
    found = edges(proj, "proj.worker.rpcapi.WorkerAPI.stop_thing")
    assert ("rpc-cast", "proj.worker.manager.Manager.stop_thing") in found
    assert ("rpc-call", "proj.worker.manager.Manager.stop_thing") in found


def test_method_name_held_in_a_variable_and_class_level_alias(proj):
    found = edges(proj, "proj.worker.rpcapi.WorkerAPI.failover")
    # both literals reach the same def: 'failover_host' through the alias failover_host = failover
    assert found == {("rpc-cast", "proj.worker.manager.WorkerManager.failover"), ("call", "proj.rpc.RPCAPI._get_cctxt")}


def test_flow_tasks_in_add_order_with_inherited_execute(proj):
    flow = [e for e in proj.linker.edges("proj.worker.manager.WorkerManager.build_thing") if e.kind == "flow-task"]
    assert [e.target for e in flow] == [
        "proj.worker.flows.build.PrepareTask.execute",
        "proj.worker.flows.build.MakeTask.execute",
        "proj.worker.flows.build.PrepareTask.execute",  # FinishTask inherits execute
    ]
    assert [dict(e.meta)["order"] for e in flow] == [1, 2, 3]


def test_driver_injected_through_flow_into_task(proj):
    found = [e for e in proj.linker.edges("proj.worker.flows.build.MakeTask.execute") if e.kind == "driver"]
    by_target = {e.target: e.confidence for e in found}
    assert by_target == {
        "proj.drivers.fake.FakeDriver.make": "configured",
        "proj.drivers.base.BaseDriver.make": "candidate",
        "proj.drivers.other.OtherDriver.make": "candidate",
        "proj.drivers.thirdparty_ext.ExtDriver.make": "candidate",
    }


def test_glance_style_call_wrapper_is_not_rpc(proj):
    found = edges(proj, "proj.image.API.get")
    assert found == {("call", "proj.image.GlanceClientWrapper.call")}


def test_logging_call_is_never_linked_by_method_name(proj):
    # LOG.info(...) must not land on BaseDriver.info just because the names match
    assert ("call", "proj.drivers.base.BaseDriver.info") not in edges(proj, "proj.worker.manager.Manager.stop_thing")
    assert not any(e.target.endswith(".info") for fq in proj.program.functions for e in proj.linker.edges(fq))


def test_route_and_operation_entry(proj):
    labels = {r.label: r.handler for r in proj.routes.routes}
    assert labels["POST /things"] == "proj.api.things.ThingController.create"
    t = api.trace(proj, "create_thing")
    assert t.entry == "proj.api.things.ThingController.create"
    kinds = [(h.kind, h.callee, h.service) for h in t.hops]
    assert ("rpc-cast", "proj.worker.manager.WorkerManager.build_thing", "proj-worker") in kinds
    assert ("flow-task", "proj.worker.flows.build.MakeTask.execute", "proj-worker") in kinds
    assert ("driver", "proj.drivers.fake.FakeDriver.make", "proj-worker") in kinds


def test_driver_choice(proj):
    t = api.trace(proj, "proj.worker.flows.build.MakeTask.execute", TraceOptions(drivers=("other",)))
    assert [h.callee for h in t.hops if h.kind == "driver"] == ["proj.drivers.other.OtherDriver.make"]


def test_driver_named_by_a_whole_word_runs_what_it_inherits(proj):
    # 'third' names proj.drivers.third.ThirdDriver (not thirdparty_ext); it inherits make() from the base
    t = api.trace(proj, "proj.worker.flows.build.MakeTask.execute", TraceOptions(drivers=("third",)))
    assert [h.callee for h in t.hops if h.kind == "driver"] == ["proj.drivers.base.BaseDriver.make"]


def test_python2_file_is_skipped_and_counted(proj):
    assert proj.report.skipped_by_reason() == {"syntax": 1}
    assert proj.report.failures[0].path == "proj/legacy.py"
    assert "proj.image.API.get" in proj.program.functions  # the rest of the run went on


def test_template_method_runs_the_subclass_step(proj):
    # LiveMigrationTask inherits execute(); its self._execute() is LiveMigrationTask's, not the abstract one
    assert edges(proj, "proj.conductor.tasks.live_migrate") == {
        ("call", "proj.conductor.tasks.TaskBase.__init__"),  # no self-dispatch in it: no copy
        ("call", "proj.conductor.tasks.LiveMigrationTask.execute"),
    }
    copy = proj.program.functions["proj.conductor.tasks.LiveMigrationTask.execute"]
    assert copy.inherited_from == "proj.conductor.tasks.TaskBase.execute" and copy.line == 13
    assert edges(proj, "proj.conductor.tasks.LiveMigrationTask.execute") == {
        ("call", "proj.conductor.tasks.LiveMigrationTask._execute")}
    assert edges(proj, "proj.conductor.tasks.MigrationTask.execute") == {
        ("call", "proj.conductor.tasks.MigrationTask._execute")}
    # the base's own node keeps the base's dispatch
    assert edges(proj, "proj.conductor.tasks.TaskBase.execute") == {("call", "proj.conductor.tasks.TaskBase._execute")}


def test_inherited_copy_keeps_super_after_the_defining_class(proj):
    # MigrationTask.rollback is TaskBase.rollback's body: super() there is Root, and _cleanup is MigrationTask's
    assert edges(proj, "proj.conductor.tasks.MigrationTask.rollback") == {
        ("call", "proj.conductor.tasks.MigrationTask._cleanup"), ("call", "proj.conductor.tasks.Root.rollback")}


def test_no_copy_where_dispatch_is_the_same(proj):
    # Unchanged overrides nothing TaskBase calls on self: it shares the base's nodes
    assert "proj.conductor.tasks.Unchanged.execute" not in proj.program.functions
    assert "proj.conductor.tasks.Unchanged.rollback" not in proj.program.functions
