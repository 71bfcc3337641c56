"""Views of the real reference chains (Stein and newest): the hops view, --main, --focus, --hide.

The hops view of every reference chain must hold each of the chain's REST, RPC, flow-task and driver
hops and be short: at most 3x that count, or 30.  Marked ``real``: the released trees are cached.
"""
from __future__ import annotations

import pytest

from tests.chains import HOP_KINDS, NEWEST, STEIN, entry_of, held, options_for
from tracer import api
from tracer.graph.records import TraceOptions, short_name

pytestmark = pytest.mark.real


def check_hops_view(ws: api.Workspace, chain: dict) -> None:
    skeleton = api.trace(ws, entry_of(chain), options_for(chain))
    view = api.trace(ws, entry_of(chain), options_for(chain, hops=True))
    found, missing = held(view, chain)
    assert [h["step"] for h in missing] == []
    assert len(view.hops) <= max(30, 3 * len(found)), (len(view.hops), len(found))
    assert {h.kind for h in view.hops} <= HOP_KINDS
    assert view.view == "skeleton, hops"
    # every hop of the view is a hop of the skeleton (a folded first expansion may move to a later call)
    assert {(h.caller, h.callee, h.site) for h in view.hops} <= {(h.caller, h.callee, h.site) for h in skeleton.hops}
    assert {f.reason for f in view.folded} <= {"receiver", "same", "seen", "later", "more", "config"}


@pytest.mark.parametrize("chain_id", sorted(STEIN))
def test_hops_view_of_each_stein_chain(stein, chain_id):
    check_hops_view(stein, STEIN[chain_id])


@pytest.mark.parametrize("chain_id", sorted(NEWEST))
def test_hops_view_of_each_newest_chain(newest, chain_id):
    check_hops_view(newest, NEWEST[chain_id])


def test_hops_view_keeps_the_common_receiver_and_folds_the_variants(stein):
    """nova's bdm.attach() may run five classes; four create a volume and then call the base one."""
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments", TraceOptions(drivers=("libvirt",), hops=True))
    receivers = [f for f in t.folded if f.reason == "receiver"]
    names = {short_name(n) for f in receivers for n in f.names}
    assert {"DriverVolImageBlockDevice.attach", "DriverVolSnapshotBlockDevice.attach",
            "DriverVolBlankBlockDevice.attach"} <= names
    assert "DriverVolumeBlockDevice.attach" not in names
    assert "cinder.api.v3.volumes.VolumeController.create" not in {h.callee for h in t.hops}  # the volume creation
    assert "nova.virt.libvirt.driver.LibvirtDriver.attach_volume" in {h.callee for h in t.hops}


def test_main_keeps_the_alternatives_of_an_if_chain_with_an_else(stein):
    t = api.trace(stein, "create_volume", TraceOptions(main=True))
    arms = {short_name(h.callee) for h in t.hops if h.caller.endswith("CreateVolumeFromSpecTask.execute")}
    assert {"CreateVolumeFromSpecTask._create_raw_volume", "CreateVolumeFromSpecTask._create_from_snapshot",
            "CreateVolumeFromSpecTask._create_from_source_volume", "CreateVolumeFromSpecTask._create_from_image"} <= arms
    assert not any(h.conditional for h in t.hops)
    branch = next(f for f in t.folded if f.reason == "branch")
    assert branch.hops > 0 and branch.names


def test_main_spine_of_the_attach(stein):
    """The unconditional attach: the cast to nova-compute and the attachments API; the legacy fallback
    (an except handler) and the volume creation of the image-backed classes are folded."""
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments",
                  TraceOptions(drivers=("libvirt",), errors=True, main=True))
    callees = {h.callee for h in t.hops}
    assert {"nova.compute.manager.ComputeManager.attach_volume", "cinder.api.v3.attachments.AttachmentsController.create",
            "cinder.api.v3.attachments.AttachmentsController.update"} <= callees
    at = {(h.callee, h.site) for h in t.hops}
    reserve = "nova.volume.cinder.API.reserve_volume"
    assert (reserve, "nova/compute/api.py:4169") not in at  # in except CinderAPIVersionNotAvailable: folded
    assert (reserve, "nova/compute/api.py:4173") in at  # the else of the version check: an alternative, kept
    assert "cinder.api.v3.volumes.VolumeController.create" not in callees
    reasons = {f.reason for f in t.folded}
    assert {"branch", "receiver"} <= reasons
    # the expansion of attachment_update, first met under the folded volume creation, moved to the PUT
    put = next(h for h in t.hops if h.callee.endswith("AttachmentsController.update"))
    under = t.hops[put.step:]
    assert any(h.callee == "cinder.volume.manager.VolumeManager.attachment_update" for h in under)


def test_focus_keeps_only_the_ways_to_the_match(stein):
    t = api.trace(stein, "create_volume", TraceOptions(drivers=("rbd",), focus=("RBDDriver",)))
    assert t.hops and t.view == "skeleton, focus RBDDriver"
    for i, h in enumerate(t.hops):  # every hop is a match or above one
        below = [b for b in t.hops[i:] if b.depth > h.depth or b is h]
        subtree = below[:next((j for j, b in enumerate(below[1:], 1) if b.depth <= h.depth), len(below))]
        assert any("RBDDriver" in b.callee for b in subtree), h.callee
    assert sum(f.hops for f in t.folded if f.reason == "focus") > 50


def test_hide_folds_the_matching_subtrees(stein):
    plain = api.trace(stein, "create_volume", TraceOptions())
    hidden = api.trace(stein, "create_volume", TraceOptions(hide=("cinder.db.",)))
    assert not any(h.callee.startswith("cinder.db.") for h in hidden.hops)
    folded = sum(f.hops for f in hidden.folded if f.reason == "hidden")
    assert len(hidden.hops) + folded == len(plain.hops)


def test_views_are_byte_identical_whatever_the_hash_seed(real_cache):
    """The receiver variants are found through a set: their folds must still come out in execution order."""
    import os
    import subprocess
    import sys

    args = [sys.executable, "-m", "tracer.cli", "trace", "POST /servers/{server_id}/os-volume_attachments",
            "-s", "nova==19.0.0", "-s", "cinder==14.0.0", "--driver", "libvirt", "--view", "hops",
            "-f", "json"]
    outs = {subprocess.run(args, capture_output=True, check=True,
                           env=dict(os.environ, TRACER_CACHE_DIR=str(real_cache), PYTHONHASHSEED=seed)).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1 and b'"reason": "receiver"' in outs.pop()


def test_attach_expands_on_the_main_path_not_under_the_early_return(stein):
    """nova 19 ``API.attach_volume`` returns early for a shelved-offloaded instance; both paths create the
    BDM, and the unconditional ``_attach_volume`` is where the expansion (the RPC to nova-compute) is drawn."""
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments", TraceOptions(drivers=("libvirt",)))
    bdm = [h for h in t.hops if h.callee.endswith("compute.api.API._create_volume_bdm")]
    assert [(h.caller.rsplit(".", 1)[1], h.repeat) for h in bdm] == [
        ("_attach_volume_shelved_offloaded", True), ("_attach_volume", False)]
    rpc = next(h for h in t.hops if h.callee.endswith("ComputeManager.reserve_block_device_name"))
    assert rpc.step > bdm[1].step
