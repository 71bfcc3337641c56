"""The newest releases (nova 34.0.0 + cinder 29.0.0): the same chains, with no release-specific code.

``tests/data/chains_newest.json`` is the reference rewritten for these trees (checked line by line
with ``scripts/verify_oracle.py``).  Marked ``real``: fetched once with pip and cached.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracer import api

pytestmark = pytest.mark.real

HERE = Path(__file__).parent
CHAINS = {c["id"]: c for c in json.loads((HERE / "data" / "chains_newest.json").read_text())["chains"]}


@pytest.mark.parametrize("chain_id", sorted(CHAINS))
def test_chain_hops_are_graph_edges(newest, chain_id):
    missing = []
    for hop in CHAINS[chain_id]["hops"]:
        sites = {hop["site"], hop.get("site_expr_start", hop["site"])}
        edges = newest.linker.edges(hop["caller"]) if hop["caller"] in newest.program.functions else ()
        if not any(e.target == hop["callee"] and e.kind == hop["kind"] and e.site in sites for e in edges):
            missing.append(hop["step"])
    assert missing == []


def test_rpc_sites_all_bound_in_cinder(newest):
    rows = [r for r in api.rpc_table(newest) if r["client"].startswith("cinder.")]
    sites = {r["site"] for r in rows}
    assert len(sites) == 83  # the catalog's count for the newest cinder
    assert not [r for r in rows if r.get("unresolved")]


def test_rpc_sites_in_nova(newest):
    rows = [r for r in api.rpc_table(newest) if r["client"].startswith("nova.")]
    assert len({r["site"] for r in rows}) == 97  # the catalog's count for the newest nova
    assert not [r for r in rows if r.get("unresolved")]
    # BaseAPI's endpoint is the one Service.start() hands to get_server beside the manager
    assert {r["server"] for r in rows if r["client"] == "nova.baserpc.BaseAPI.ping"} == {"nova.baserpc.BaseRPCAPI.ping"}


def test_placement_left_the_tree_so_its_hop_is_external(newest):
    edges = newest.linker.edges("nova.scheduler.client.report.SchedulerReportClient.get_allocation_candidates")
    rest = [e for e in edges if e.kind == "rest"]
    assert [e.target for e in rest] == ["placement-api GET /allocation_candidates"]
    meta = dict(rest[0].meta)
    assert meta["external"] is True and meta["service"] == "placement-api"


def test_cinder_calls_nova_through_novaclient(newest):
    edges = newest.linker.edges("cinder.compute.nova.API._send_events")
    assert ("rest", "nova.api.openstack.compute.server_external_events.ServerExternalEventsController.create") in {
        (e.kind, e.target) for e in edges}


@pytest.mark.parametrize("chain_id", sorted(CHAINS))
def test_every_hop_is_in_the_default_trace(newest, chain_id):
    from tracer.graph.records import TraceOptions

    chain = CHAINS[chain_id]
    e = chain["entry"]
    entry = f"{e['http_method']} {e['path']} {e.get('action', '')}".strip() if "http_method" in e else e["controller"]
    errors = chain_id in ("nova-attach-volume-legacy", "nova-boot-reschedule-build-instances")  # error paths
    t = api.trace(newest, entry, TraceOptions(drivers=("libvirt", "rbd"), errors=errors))
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    missing = [h["step"] for h in chain["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in got
                          for s in {h["site"], h.get("site_expr_start", h["site"])})]
    assert missing == []


def test_live_migration_runs_the_conductor_task_subclass(newest):
    from tracer.graph.records import TraceOptions

    t = api.trace(newest, "POST /servers/{server_id}/action os-migrateLive", TraceOptions(drivers=("libvirt",)))
    got = {(h.kind, h.callee, h.site, h.service) for h in t.hops}
    task = "nova.conductor.tasks.live_migrate.LiveMigrationTask"
    for hop in [("call", f"{task}.execute", "nova/conductor/manager.py:534", "nova-conductor"),
                ("call", f"{task}._execute", "nova/conductor/tasks/base.py:40", "nova-conductor"),
                ("call", "nova.compute.rpcapi.ComputeAPI.live_migration", "nova/conductor/tasks/live_migrate.py:154",
                 "nova-conductor"),
                ("rpc-cast", "nova.compute.manager.ComputeManager.live_migration", "nova/compute/rpcapi.py:989",
                 "nova-compute"),
                ("driver", "nova.virt.libvirt.driver.LibvirtDriver.live_migration", "nova/compute/manager.py:9448",
                 "nova-compute")]:
        assert hop in got
