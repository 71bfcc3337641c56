"""The real Stein trees (nova 19.0.0 + cinder 14.0.0, indexed together), asserted hop by hop.

Marked ``real``: the trees are fetched once with pip and their facts cached
(``TRACER_CACHE_DIR``, default ``.tracer-cache`` in the repository).
"""
from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tracer import api
from tracer.cli import app
from tracer.graph.records import TraceOptions, short_name

pytestmark = pytest.mark.real

CHAIN = "cinder-create-volume"


def _sites(hop: dict) -> set[str]:
    return {hop["site"], hop.get("site_expr_start", hop["site"])}


@pytest.fixture(scope="module")
def export(stein):
    return api.export(stein)


def test_stein_trees_parse_without_loss(stein):
    # the two trees, and the client library each uses to call the other, at the lowest version it allows
    trees = {(t.project, t.version) for t in stein.trees}
    assert trees >= {("nova", "19.0.0"), ("cinder", "14.0.0"), ("python-cinderclient", "3.3.0"),
                     ("python-novaclient", "9.1.0"), ("python-neutronclient", "6.7.0")}
    assert all(p in ("nova", "cinder") or (p.startswith("python-") and p.endswith("client")) for p, _ in trees)
    assert len(stein.report.modules) > 1500
    assert stein.report.failures == []


def test_services_learned_from_code(stein):
    topics = {s.binary: s.topic for s in stein.linker.rpc.services}
    assert topics["nova-compute"] == "compute"
    assert topics["cinder-volume"] == "cinder-volume"
    assert topics["cinder-scheduler"] == "cinder-scheduler"


@pytest.mark.parametrize("step", range(1, 28))
def test_create_volume_hop_is_an_export_edge(export, seed_chains, step):
    hop = seed_chains[CHAIN]["hops"][step - 1]
    assert hop["step"] == step
    found = {e["site"] for e in export["edges"]
             if (e["source"], e["target"], e["kind"]) == (hop["caller"], hop["callee"], hop["kind"])}
    assert found & _sites(hop), f"step {step}: {hop['caller']} -> {hop['callee']} ({hop['kind']}) at {hop['site']}; got {found}"


def test_create_volume_trace_has_every_hop(stein, seed_chains):
    chain = seed_chains[CHAIN]
    t = api.trace(stein, "create_volume", TraceOptions(drivers=("rbd",)))
    assert t.entry == chain["entry"]["controller"]
    assert t.entry_label == "POST /v3/{project_id}/volumes"
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    missing = [h["step"] for h in chain["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in got for s in _sites(h))]
    assert missing == []
    services = {h.callee: h.service for h in t.hops}
    assert t.entry_service == "cinder-api"
    assert services["cinder.scheduler.manager.SchedulerManager.create_volume"] == "cinder-scheduler"
    assert services["cinder.volume.manager.VolumeManager.create_volume"] == "cinder-volume"
    assert services["cinder.volume.drivers.rbd.RBDDriver.create_volume"] == "cinder-volume"
    order = [h.callee for h in t.hops if h.kind == "flow-task" and "flows.manager" in h.callee]
    assert [c.rsplit(".", 2)[-2] for c in order] == [
        "ExtractVolumeRefTask", "OnFailureRescheduleTask", "ExtractVolumeSpecTask",
        "NotifyVolumeActionTask", "CreateVolumeFromSpecTask", "CreateVolumeOnFinishTask",
    ]


def test_default_driver_is_the_configured_one(stein):
    t = api.trace(stein, "create_volume")
    drivers = {h.callee for h in t.hops if h.kind == "driver" and h.caller.endswith("_create_raw_volume")}
    assert drivers == {"cinder.volume.drivers.lvm.LVMVolumeDriver.create_volume"}


def test_cli_trace_output_names_every_hop(real_cache, seed_chains):
    """Each hop on a line of its own: its short name and call site; the hops into another service head
    their block (``⇢ cinder-volume  cast create_volume``), flow tasks say ``task N``, driver calls ``driver``."""
    result = CliRunner().invoke(
        app, ["trace", "create_volume", "-s", "nova==19.0.0", "-s", "cinder==14.0.0", "--driver", "rbd"],
        env={"TRACER_CACHE_DIR": str(real_cache), "COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    word = {"flow-task": "task ", "driver": "driver ", "call": "", "rpc-cast": ""}
    for hop in seed_chains[CHAIN]["hops"]:
        short = short_name(hop["callee"])
        line_no = ":" + hop["site"].rsplit(":", 1)[1]
        line = next((l for l in lines if re.search(rf"[ .]{re.escape(short)}\b", l) and line_no in l), None)
        assert line is not None, f"step {hop['step']} {hop['callee']} at {hop['site']}"
        assert word[hop["kind"]] in line
        if hop["kind"] == "rpc-cast":
            header = lines[lines.index(line) - 1]
            assert f"cast {hop['rpc']['method']}" in header and "⇢" in header


def test_export_is_byte_identical(stein, real_cache):
    again = api.load(["nova==19.0.0", "cinder==14.0.0"], cache_dir=real_cache)
    import json
    assert json.dumps(api.export(stein), sort_keys=True) == json.dumps(api.export(again), sort_keys=True)


def _http_entry(chain: dict) -> str:
    e = chain["entry"]
    return f"{e['http_method']} {e['path']} {e.get('action', '')}".strip()


def test_nova_route_table_and_actions(stein):
    actions = [r for r in stein.routes.routes if r.method == "POST" and r.path == "/servers/{id}/action"]
    assert len(actions) == 41  # the catalog's count of @wsgi.action keys on /servers/{id}/action
    assert {r.action: r.handler for r in actions}["reboot"] == "nova.api.openstack.compute.servers.ServersController._action_reboot"


@pytest.mark.parametrize("chain_id", [
    "nova-reboot-soft", "nova-reboot-hard", "nova-attach-volume-attachments-api", "nova-attach-volume-legacy",
    "cinder-create-volume", "nova-boot", "cinder-initialize-connection-qos",
])
def test_http_entry_reaches_the_reference_controller(stein, seed_chains, chain_id):
    chain = seed_chains[chain_id]
    assert api.resolve_entry(stein, _http_entry(chain)).fq == chain["entry"]["controller"]


ALL_CHAINS = [
    "nova-reboot-soft", "nova-reboot-hard", "nova-attach-volume-attachments-api", "nova-attach-volume-legacy",
    "cinder-create-volume", "nova-boot", "nova-boot-reschedule-build-instances", "cinder-initialize-connection-qos",
]


@pytest.mark.parametrize("chain_id", ALL_CHAINS)
def test_whole_chain_is_in_the_export(export, seed_chains, chain_id):
    edges = {(e["source"], e["target"], e["kind"], e["site"]) for e in export["edges"]}
    missing = [h["step"] for h in seed_chains[chain_id]["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in edges for s in _sites(h))]
    assert missing == []


def test_soft_reboot_trace_from_its_http_entry(stein, seed_chains):
    chain = seed_chains["nova-reboot-soft"]
    t = api.trace(stein, _http_entry(chain), TraceOptions(drivers=("libvirt",)))
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    assert [h["step"] for h in chain["hops"] if (h["caller"], h["callee"], h["kind"], h["site"]) not in got] == []
    assert {h.callee: h.service for h in t.hops}["nova.compute.manager.ComputeManager.reboot_instance"] == "nova-compute"
    # the skeleton (two levels of the driver's own steps, its package's helpers), not the whole call graph:
    # 130 -> 140 for the helpers (126 -> 131 hops, with the ways to hops below a driver method); 138 with the
    # loads whose result the path goes on with (cinder reading the volume and its attachment)
    assert len(t.hops) < 140


def _entry(chain: dict) -> str:
    """The chain's HTTP entry, or its controller when the chain starts inside a service (reschedule)."""
    return _http_entry(chain) if "http_method" in chain["entry"] else chain["entry"]["controller"]


@pytest.mark.parametrize("chain_id", ALL_CHAINS)
def test_every_hop_is_in_the_default_trace_of_the_chain_entry(stein, seed_chains, chain_id):
    chain = seed_chains[chain_id]
    # the legacy attach is the except-handler fallback of attachment_create, and the reschedule starts in
    # the handler of RescheduledException: error paths, which the skeleton shows only on request
    errors = chain_id in ("nova-attach-volume-legacy", "nova-boot-reschedule-build-instances")
    t = api.trace(stein, _entry(chain), TraceOptions(drivers=("libvirt", "rbd"), errors=errors))
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    missing = [h["step"] for h in chain["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in got for s in _sites(h))]
    assert missing == []
    # 480 -> 530: the reschedule's skeleton went 473 -> 518 hops with the abstract methods' candidates
    # (NetworkInfo.wait -> the async wrapper's, FirewallDriver -> libvirt's NWFilterFirewall, base_api's
    # impl._get_instance_nw_info -> one of the two network APIs)
    # 530 -> 600: 517 -> 579 once a base method reached through super() from an override runs with the
    # subclass's self (nova-network's FlatDHCPManager/VlanManager, cells v1 messages: branches that the
    # defaults use_neutron=True and cells v1 off would rule out, which the trace does not evaluate)
    # 600 -> 630: 584 -> 603 with the loads whose result the path goes on with
    assert t.view == "skeleton" and len(t.hops) < 630


def test_attach_crosses_into_cinder_api_and_cinder_volume(stein, seed_chains):
    chain = seed_chains["nova-attach-volume-attachments-api"]
    t = api.trace(stein, _entry(chain), TraceOptions(drivers=("libvirt", "rbd")))
    rest = [h for h in t.hops if h.kind == "rest"]
    assert {h.callee for h in rest} >= {
        "cinder.api.v3.attachments.AttachmentsController.create",
        "cinder.api.v3.attachments.AttachmentsController.update",
        "cinder.api.v3.attachments.AttachmentsController.complete",
    }
    assert {h.service for h in rest} == {"cinder-api"}
    meta = dict(next(h for h in rest if h.callee.endswith(".update")).meta)
    assert meta["http"] == "PUT /v3/{project_id}/attachments/{id}"
    assert meta["client"].startswith("cinderclient.")
    assert set(t.services()) >= {"nova-api", "nova-compute", "cinder-api", "cinder-volume"}


def test_placement_is_its_own_api_service_in_stein(export):
    rest = [e for e in export["edges"] if e["kind"] == "rest" and e["target"].startswith("nova.api.openstack.placement.")]
    assert rest and {e["service"] for e in rest} == {"nova-placement-api"}


def test_error_paths_are_left_out_of_the_skeleton_unless_asked(stein, seed_chains):
    chain = seed_chains["nova-attach-volume-legacy"]
    plain = api.trace(stein, _entry(chain), TraceOptions(drivers=("libvirt",)))
    # reserve_volume in the handler of CinderAPIVersionNotAvailable (another, normal branch calls it too)
    fallback = ("nova.compute.api.API._check_attach_and_reserve_volume", "nova.volume.cinder.API.reserve_volume",
                "nova/compute/api.py:4169")
    assert fallback not in {(h.caller, h.callee, h.site) for h in plain.hops}
    edge = next(e for e in stein.linker.edges(fallback[0]) if e.target == fallback[1] and e.site == fallback[2])
    assert dict(edge.meta)["on_error"] is True
    with_errors = api.trace(stein, _entry(chain), TraceOptions(drivers=("libvirt",), errors=True))
    assert fallback in {(h.caller, h.callee, h.site) for h in with_errors.hops}


def test_rpc_sites_bound_or_explained(stein):
    rows = api.rpc_table(stein)
    nova = [r for r in rows if r["client"].startswith("nova.")]
    cinder = [r for r in rows if r["client"].startswith("cinder.")]
    assert len({r["site"] for r in cinder}) == 73 and not [r for r in cinder if r.get("unresolved")]
    # the catalog counts 181; the 182nd is cells v1 stop_instance's `do_cast and cctxt.cast or cctxt.call`
    assert len({r["site"] for r in nova}) == 182
    assert {r["verb"] for r in nova if r["site"] == "nova/cells/rpcapi.py:489"} == {"cast", "call"}
    # only cells v1 stays open: a method name forwarded from the message, and the inter-cell transport
    open_rows = {(r["site"], r["verb"], r["method"], r["unresolved"]) for r in nova if r.get("unresolved")}
    assert open_rows == {("nova/cells/messaging.py:746", "call", None, "rpc-method-not-literal"),
                         ("nova/cells/messaging.py:748", "cast", None, "rpc-method-not-literal"),
                         ("nova/cells/rpc_driver.py:143", "cast", "process_message", "rpc-unbound")}


def test_flow_revert_edges_are_error_paths_in_reverse_order(stein, seed_chains):
    hops = [h for h in seed_chains["cinder-create-volume"]["hops"] if h["kind"] == "flow-task"]
    runner = hops[-1]["caller"]  # the manager flow's engine run
    reverts = [e for e in stein.linker.edges(runner) if e.kind == "flow-task" and dict(e.meta).get("phase") == "revert"]
    assert reverts and all(dict(e.meta)["on_error"] is True for e in reverts)
    orders = [dict(e.meta)["order"] for e in reverts]
    assert orders == sorted(orders, reverse=True)
    assert any(e.target.endswith("OnFailureRescheduleTask.revert") for e in reverts)


def test_live_migration_runs_the_conductor_task_subclass(stein):
    # not a reference chain: a template method (TaskBase.execute calls self._execute()) on the way
    from tracer.graph.records import TraceOptions

    t = api.trace(stein, "POST /servers/{server_id}/action os-migrateLive", TraceOptions(drivers=("libvirt",)))
    got = {(h.kind, h.caller.rsplit(".", 1)[-1], h.callee, h.site, h.service) for h in t.hops}
    task = "nova.conductor.tasks.live_migrate.LiveMigrationTask"
    for hop in [("call", "_live_migrate", f"{task}.execute", "nova/conductor/manager.py:432", "nova-conductor"),
                ("call", "execute", f"{task}._execute", "nova/conductor/tasks/base.py:42", "nova-conductor"),
                ("call", "_execute", "nova.compute.rpcapi.ComputeAPI.live_migration",
                 "nova/conductor/tasks/live_migrate.py:133", "nova-conductor"),
                ("rpc-cast", "live_migration", "nova.compute.manager.ComputeManager.live_migration",
                 "nova/compute/rpcapi.py:684", "nova-compute"),
                ("driver", "_do_live_migration", "nova.virt.libvirt.driver.LibvirtDriver.live_migration",
                 "nova/compute/manager.py:6534", "nova-compute")]:
        assert hop in got
    assert stein.program.functions[f"{task}.execute"].inherited_from == "nova.conductor.tasks.base.TaskBase.execute"


def test_named_driver_runs_what_it_inherits(stein):
    # --driver rbd names cinder.volume.drivers.rbd.RBDDriver, never drbdmanagedrv; validate_connector is inherited
    from tracer.graph.records import TraceOptions

    t = api.trace(stein, "POST /backups", TraceOptions(drivers=("rbd",)))
    drivers = {h.callee for h in t.hops if h.kind == "driver" and h.callee.startswith("cinder.volume.")}
    assert not [d for d in drivers if "drbd" in d]
    assert "cinder.volume.driver.BaseVD.validate_connector" in drivers
    assert "cinder.volume.drivers.rbd.RBDDriver.initialize_connection" in drivers


def test_operation_that_stays_in_its_service_shows_its_way_to_the_database(stein):
    # no RPC, REST, flow or driver hop: the skeleton is the way from the entry to the database
    t = api.trace(stein, "cinder.api.v2.types.VolumeTypesController.show")
    assert ("cinder.db.api.volume_type_get", "cinder.db.sqlalchemy.api.volume_type_get", "cinder/db/api.py:656") in {
        (h.caller, h.callee, h.site) for h in t.hops}
    assert {h.service for h in t.hops} == {"cinder-api"}


def _guard_texts(t, caller_suffix: str, callee_suffix: str) -> list[str]:
    return [[g.text for g in h.guards] for h in t.hops
            if h.caller.endswith(caller_suffix) and h.callee.endswith(callee_suffix)][0]


def test_guards_of_the_create_type_dispatch(stein):
    t = api.trace(stein, "create_volume")
    task = "CreateVolumeFromSpecTask.execute"
    assert _guard_texts(t, task, "._create_raw_volume") == ["if create_type == 'raw'"]
    assert _guard_texts(t, task, "._create_from_snapshot") == ["elif create_type == 'snap'"]
    assert _guard_texts(t, task, "._create_from_source_volume") == ["elif create_type == 'source_vol'"]
    assert _guard_texts(t, task, "._create_from_image") == ["elif create_type == 'image'"]
    hop = next(h for h in t.hops if h.callee.endswith("._create_from_snapshot"))
    assert hop.as_dict()["guard"] == [{"kind": "elif", "text": "elif create_type == 'snap'", "optional": False}]


def test_guards_of_the_reboot_branch(stein):
    t = api.trace(stein, "POST /servers/{server_id}/action reboot")
    assert _guard_texts(t, "compute.api.API.reboot", "._soft_reboot") == ["if reboot_type == 'SOFT'"]
    assert _guard_texts(t, "compute.api.API.reboot", "._hard_reboot") == ["else (not reboot_type == 'SOFT')"]


def test_guard_of_the_legacy_attach(stein):
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments", TraceOptions(errors=True))
    texts = _guard_texts(t, "_check_attach_and_reserve_volume", "API.reserve_volume")
    assert texts[0] == "except exception.CinderAPIVersionNotAvailable"
    assert next(h for h in t.hops if h.callee.endswith("cinder.API.reserve_volume")).conditional
