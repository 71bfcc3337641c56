"""``tracer diff`` of every reference chain, Stein (nova 19.0.0 + cinder 14.0.0) against the newest releases
(nova 34.0.0 + cinder 29.0.0 + openstack-placement 16.0.0), asserted change by change.

Each asserted difference was read in both trees (``.tracer-cache/trees``): the attach goes through
nova-conductor first (``nova/compute/api.py`` ``attach_volume`` -> ``compute_task_api.attach_volume``), the
placement handlers left the nova tree (``nova/api/openstack/placement`` -> ``placement/handlers``), the
scheduler driver layer is gone (``SchedulerManager._select_destinations``), cinder's ``db.api`` no longer
proxies to ``IMPL`` (``cinder.db.sqlalchemy.api``), and cinder's v3 controllers stand alone (v2 removed).
Marked ``real``: the trees are fetched once with pip and their facts cached.
"""
from __future__ import annotations

import pytest

from tracer import compare
from tracer.diff.changes import swapped
from tracer.graph.records import TraceOptions

pytestmark = pytest.mark.real

REBOOT = "POST /servers/{server_id}/action reboot"
ATTACH = "nova.api.openstack.compute.volumes.VolumeAttachmentController.create"  # the Stein name: resolved per side
RESCHEDULE = "nova.compute.manager.ComputeManager._do_build_and_run_instance"
QOS = "cinder.api.contrib.volume_actions.VolumeActionsController._initialize_connection"
DRIVERS = ("libvirt", "rbd")


@pytest.fixture(scope="module")
def diffs(stein, newest_placement):
    """One diff per chain entry, made once (the gallery's options: error paths for the internal entry)."""
    made: dict = {}

    def get(entry: str, errors: bool = False, any_config: bool = False):
        if (entry, errors, any_config) not in made:
            made[(entry, errors, any_config)] = compare.diff(
                stein, newest_placement, entry, TraceOptions(drivers=DRIVERS, errors=errors, any_config=any_config))
        return made[(entry, errors, any_config)]
    return get


def changes(d, type_id: str, key: str | None = None) -> list:
    return [c for c in d.changes if c.type == type_id and (key is None or c.side.key == key)]


def one(d, type_id: str, key: str):
    found = changes(d, type_id, key)
    assert found, f"no {type_id} {key} in {sorted((c.type, c.side.key) for c in d.changes)}"
    return found[0]


def test_reboot_entry_was_renamed_and_resolved_per_side(diffs):
    d = diffs(REBOOT)
    assert d.old.entry == "nova.api.openstack.compute.servers.ServersController._action_reboot"
    assert d.new.entry == "nova.api.openstack.compute.servers.ServersController._reboot"
    moved = one(d, "hop-moved", "entry:ServersController._reboot")
    assert moved.old.callee == d.old.entry


def test_an_old_handler_name_finds_the_same_route_on_the_new_side(stein, newest_placement):
    """Stein's handler name is unknown in nova 34: the new side takes its plainest route (/servers/..., not
    the same action under /os-volumes_boot)."""
    d = compare.diff(stein, newest_placement, "nova.api.openstack.compute.servers.ServersController._action_reboot",
                     TraceOptions(drivers=DRIVERS, depth=2))
    assert d.new.entry == "nova.api.openstack.compute.servers.ServersController._reboot"
    assert d.old.label == d.new.label == "POST /servers/{id}/action reboot"


def test_reboot_reaches_the_same_driver_through_two_new_levels(diffs):
    d = diffs(REBOOT)
    added = {c.side.callee for c in changes(d, "hop-added")}
    assert {"nova.compute.manager.ComputeManager.reboot_instance.<locals>.do_reboot_instance",
            "nova.compute.manager.ComputeManager._reboot_instance"} <= added
    assert not [c for c in d.changes if c.side.key in ("driver:reboot", "rpc:compute/reboot_instance")]


def test_hard_reboot_renamed_domain_creation_and_soft_reboot_lost_it(diffs):
    d = diffs(REBOOT)
    moved = {(c.old.callee, c.new.callee) for c in changes(d, "hop-moved")}
    assert ("nova.virt.libvirt.driver.LibvirtDriver._create_domain_and_network",
            "nova.virt.libvirt.driver.LibvirtDriver._create_guest_with_network") in moved
    # nova 34's _soft_reboot restarts the guest with guest.launch(): no _create_domain any more
    removed = one(d, "hop-removed", "call:LibvirtDriver._create_domain")
    assert removed.old.caller == "nova.virt.libvirt.driver.LibvirtDriver._soft_reboot"


def test_attach_now_goes_through_nova_conductor_first(diffs):
    d = diffs(ATTACH)
    assert d.new.entry == "nova.api.openstack.compute.volume_attachments.VolumeAttachmentController.create"
    rpc = one(d, "hop-added", "rpc:conductor/compute_task/attach_volume")
    assert (rpc.new.sender, rpc.new.service) == ("nova-api", "nova-conductor")
    assert rpc.new.verbs == "cast if do_cast else call"
    for key in ("rpc:compute/reserve_block_device_name", "rpc:compute/attach_volume", "rest:POST /attachments"):
        c = one(d, "service-changed", key)
        assert (c.old.sender, c.new.sender) == ("nova-api", "nova-conductor"), key
    moved = {(c.old.callee, c.new.callee) for c in changes(d, "hop-moved")}
    assert ("nova.compute.api.API._create_volume_bdm",
            "nova.conductor.manager.ComputeTaskManager._create_volume_bdm") in moved
    assert ("nova.compute.api.API._check_attach_and_reserve_volume",
            "nova.compute.utils.check_attach_and_reserve_volume") in moved
    assert "nova.compute.api.API._attach_volume" in {c.side.callee for c in changes(d, "hop-removed")}


def test_legacy_attach_no_longer_reserves_the_volume(diffs):
    d = diffs(ATTACH)
    removed = one(d, "hop-removed", "rest:POST /volumes/{}/action os-reserve")
    assert removed.old.callee == "cinder.api.contrib.volume_actions.VolumeActionsController._reserve"


def test_v2_volume_api_gone_the_v3_controller_stands_alone(diffs):
    d = diffs(ATTACH)
    c = next(c for c in changes(d, "hop-moved", "rest:GET /volumes/{}"))
    assert (c.old.callee, c.new.callee) == ("cinder.api.v2.volumes.VolumeController.show",
                                            "cinder.api.v3.volumes.VolumeController.show")


def test_create_volume_flows_are_unchanged_and_the_impl_hop_gone(diffs):
    d = diffs("create_volume")
    assert not [c for c in d.changes if c.kind in ("task", "rpc") and c.level == "major" and c.type != "hop-added"]
    assert not changes(d, "task-added") + changes(d, "task-removed") + changes(d, "task-reordered")
    gone = one(d, "hop-removed", "call:api.volume_type_qos_specs_get")
    assert gone.old.callee == "cinder.db.sqlalchemy.api.volume_type_qos_specs_get"
    moved = {c.old.callee.rsplit(".", 1)[0] for c in changes(d, "hop-moved")}
    assert "cinder.volume.utils" in moved  # cinder.volume.utils became cinder.volume.volume_utils


@pytest.mark.parametrize("entry,errors", [("POST /servers", False), (RESCHEDULE, True)])
def test_boot_lost_the_scheduler_driver_and_placement_left_the_tree(diffs, entry, errors):
    d = diffs(entry, errors)
    removed, added = ("error-path-removed", "error-path-added") if errors else ("hop-removed", "hop-added")
    driver = one(d, removed, "driver:select_destinations")  # the reschedule runs in an except handler
    assert driver.old.callee == "nova.scheduler.filter_scheduler.FilterScheduler.select_destinations"
    assert "nova.scheduler.manager.SchedulerManager._select_destinations" in {
        c.side.callee for c in changes(d, added)}
    placement = one(d, "rest-external", "rest:GET /allocation_candidates")
    assert placement.old.callee == "nova.api.openstack.placement.handlers.allocation_candidate.list_allocation_candidates"
    assert placement.new.callee == "placement.handlers.allocation_candidate.list_allocation_candidates"
    assert (placement.old.service, placement.new.service) == ("nova-placement-api", "openstack-placement-api")


def test_boot_asks_placement_for_allocation_candidates_at_a_newer_microversion(diffs):
    """``get_allocation_candidates`` sends ``version=NESTED_AC_VERSION`` ('1.29') in nova 19 and
    ``version=SAME_SUBTREE_VERSION`` ('1.36') in nova 34 (``nova/scheduler/client/report.py``)."""
    c = one(diffs("POST /servers"), "rest-microversion-changed", "rest:GET /allocation_candidates")
    assert (c.old.get("microversion"), c.new.get("microversion")) == ("1.29", "1.36")
    assert c.old.site == "nova/scheduler/client/report.py:317" and c.new.site == "nova/scheduler/client/report.py:348"


def test_without_placement_its_hop_is_external(stein, newest):
    """The newest side without openstack-placement: the request no indexed route answers is external."""
    d = compare.diff(stein, newest, "POST /servers", TraceOptions(drivers=DRIVERS))
    c = one(d, "rest-external", "rest:GET /allocation_candidates")
    assert c.new.callee == "placement-api GET /allocation_candidates" and c.new.get("external") is True


def test_boot_lost_the_cells_v1_build_instances_branch(diffs):
    # Stein runs cells v1's branch only when ``[cells] enable`` is set (default False): the default trace
    # leaves it out, so does the diff; with --any-config both follow it and its removal is a change
    assert not changes(diffs("POST /servers"), "hop-removed", "rpc:conductor/compute_task/build_instances")
    d = diffs("POST /servers", any_config=True)
    gone = one(d, "hop-removed", "rpc:conductor/compute_task/build_instances")
    assert gone.old.caller == "nova.conductor.api.ComputeTaskAPI.build_instances"
    assert not changes(d, "hop-removed", "rpc:compute/build_and_run_instance")  # still cast, from the other branch


def test_qos_impl_hop_gone(diffs):
    d = diffs(QOS)
    assert [(c.type, c.old.callee) for c in d.changes if "qos" in c.side.callee] == [
        ("hop-removed", "cinder.db.sqlalchemy.api.volume_type_qos_specs_get")]
    assert not [c for c in d.changes if c.level == "major"]  # RPC, driver and the QoS parsing are as they were


def test_self_diff_is_empty(stein):
    assert compare.diff(stein, stein, "create_volume", TraceOptions(drivers=DRIVERS)).changes == ()


def test_swapping_the_sides_swaps_the_attach_diff(stein, newest_placement, diffs):
    forward = diffs(ATTACH)
    back = compare.diff(newest_placement, stein, ATTACH, TraceOptions(drivers=DRIVERS))
    there = {(c.type, c.side.callee if not (c.old and c.new) else (c.old.callee, c.new.callee)) for c in forward.changes}
    here = {(swapped(c.type), c.side.callee if not (c.old and c.new) else (c.new.callee, c.old.callee))
            for c in back.changes}
    assert here == there


def test_rpc_surface_get_backup_device_became_a_gated_cast(stein, newest_placement):
    d = compare.diff_surface(stein, newest_placement, "rpc")
    c = one(d, "rpc-call-to-cast", "rpc:cinder-volume/get_backup_device")
    assert c.new.verbs.startswith("cast if can_send_version('3.17') else call")
    assert "3.17" in c.new.get("gates")
    assert one(d, "hop-added", "rpc:conductor/compute_task/attach_volume")


def test_routes_surface_v2_volume_api_gone(stein, newest_placement):
    d = compare.diff_surface(stein, newest_placement, "routes")
    gone = [c for c in changes(d, "hop-removed") if c.old.callee == "cinder.api.v2.volumes.VolumeController.create"]
    assert gone and all(c.old.key.startswith("route:POST /v2/") for c in gone)
    assert not [c for c in changes(d, "hop-removed") if c.old.key.startswith("route:POST /v3/{project_id}/volumes ")]


def test_a_series_range_fetches_each_side_at_its_newest_point_release(real_cache):
    """``stein..hibiscus -p cinder``: cinder@stein is the newest Stein point release (14.3.1), fetched here,
    cinder@hibiscus is 29.0.0; the diff of create_volume names both and holds the IMPL hop's removal."""
    from typer.testing import CliRunner

    from tracer.cli import app

    result = CliRunner().invoke(app, ["diff", "create_volume", "stein..hibiscus", "-p", "cinder", "-f", "json"],
                                env={"TRACER_CACHE_DIR": str(real_cache)})
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout[result.stdout.index("{"):])
    versions = {side: [s["version"] for s in data[side]["sources"] if s["project"] == "cinder"] for side in ("old", "new")}
    assert versions == {"old": ["14.3.1"], "new": ["29.0.0"]}
    removed = {c["old"]["callee"] for c in data["changes"] if c["type"] == "hop-removed" and c.get("old")}
    assert "cinder.db.sqlalchemy.api.volume_type_get" in removed


@pytest.mark.parametrize("entry,errors", [("POST /servers", False), (RESCHEDULE, True)])
def test_the_scheduler_driver_layer_gone_its_insides_moved_into_the_manager(diffs, entry, errors):
    """Inside the removed FilterScheduler.select_destinations and the added SchedulerManager._select_destinations,
    FilterScheduler._schedule is SchedulerManager._schedule (nova 34 ``nova/scheduler/manager.py``: the same
    sequence of calls, one more): moved with its class's other functions, not removed + added."""
    d = diffs(entry, errors)
    grouped = [c for c in changes(d, "hop-moved")
               if c.detail.startswith("nova.scheduler.filter_scheduler.FilterScheduler -> nova.scheduler.manager.SchedulerManager:")]
    assert grouped and "_schedule" in grouped[0].detail and "_legacy_find_hosts" in grouped[0].detail
    lone = {c.side.callee for c in d.changes if c.type.startswith(("hop-", "error-path-")) and c.type != "hop-moved"}
    assert not lone & {"nova.scheduler.filter_scheduler.FilterScheduler._schedule",
                       "nova.scheduler.manager.SchedulerManager._schedule"}
    layer = [c for c in d.changes if c.side.key == "driver:select_destinations" and not c.new]
    assert layer and "a level on the way to hops both sides make" in layer[0].detail
    from tracer.render.diff_graph import union_model

    status = {n.id: n.status for n in union_model(d, context_from=10_000).nodes}
    assert status["nova.scheduler.manager.SchedulerManager._schedule"] == "changed"  # moved with its class: amber


def test_a_removal_met_in_two_services_is_listed_once(diffs):
    """Stein's nova.network.api.API.deallocate_for_instance (gone with nova-network) is called on the reschedule's
    error paths in nova-compute (_deallocate_network) and nova-conductor (_cleanup_allocated_networks): one
    removal, under the service the trace meets it in first."""
    d = diffs(RESCHEDULE, errors=True)
    [gone] = [c for c in changes(d, "error-path-removed") if c.old.callee == "nova.network.api.API.deallocate_for_instance"]
    assert gone.service == "nova-compute" and {svc for svc, _, _ in gone.places} == {"nova-compute", "nova-conductor"}
    assert gone.detail.endswith("met in 2 places (nova-compute, nova-conductor)")


def test_the_diff_compares_effects_by_default(diffs):
    """What create_volume touches, compared without asking (glance_num_retries: 0 in Stein, 3 in the newest),
    the counts with the hop counts."""
    from tracer.render.diff_text import diff_text

    d = diffs("create_volume")
    assert ("option-default-changed", "glance_num_retries") in {(c.type, c.name) for c in d.effects}
    head = diff_text(d).split("\n▶ ", 1)[0]
    assert f"{len(d.effects)} effect changes: " in head
