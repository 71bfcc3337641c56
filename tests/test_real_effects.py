"""What the reference operations touch besides code, on the real trees (Stein and the newest release).

Marked ``real``: the session workspaces of ``tests/conftest.py`` (one per release set).
"""
from __future__ import annotations

import pytest

from tracer import api
from tracer.effects import report
from tracer.graph.records import TraceOptions

pytestmark = pytest.mark.real

REBOOT = "POST /servers/{id}/action reboot"
ATTACH = "POST /servers/{server_id}/os-volume_attachments"


def _all(t):
    return [(h, e) for h in t.hops for e in h.effects] + [(None, e) for e in t.entry_effects]


def _has(t, kind: str, name: str, action: str | None = None, service: str | None = None):
    found = [(h, e) for h, e in _all(t) if e.kind == kind and e.name == name
             and (action is None or e.action == action) and (service is None or e.service == service)]
    assert found, f"no {kind} {name} {action or ''} in {service or 'any service'}"
    return found


@pytest.fixture(scope="module")
def create_volume(stein):
    return api.trace(stein, "create_volume", effects=True)


def test_create_volume_manager_flow_writes_volumes(create_volume):
    found = _has(create_volume, "database", "volumes", "write", "cinder-volume")
    in_flow = [e for h, e in found if h and h.kind == "flow-task" and ".flows.manager." in h.callee]
    assert in_flow, "the manager flow's own DB calls (volume.save()) write the volumes table"
    assert any(e.get("api") == "sqlalchemy.api.volume_update" for e in in_flow)


def test_create_volume_notifications(create_volume):
    for event in ("volume.create.start", "volume.create.end"):
        [(hop, e), *_] = _has(create_volume, "notification", event, "legacy", "cinder-volume")
        assert e.site == "cinder/volume/utils.py:159" and e.get("priority") == "info"


def test_create_volume_driver_option_and_its_default(create_volume):
    [(hop, e)] = [(h, e) for h, e in _has(create_volume, "config", "backend_defaults.volume_driver", "driver",
                                          "cinder-volume") if h.kind == "driver"]  # also where a hop calls the driver
    assert hop.callee.startswith("cinder.volume.drivers.lvm.LVMVolumeDriver.")
    assert e.get("default") == "cinder.volume.drivers.lvm.LVMVolumeDriver"
    assert e.get("declared").startswith("cinder/volume/manager.py:") and e.get("type") == "StrOpt"
    assert ("<backend>.volume_group", "read") in {(x.name, x.action) for _, x in _all(create_volume)}


def test_create_volume_lvm_lvcreate(create_volume):
    found = _has(create_volume, "command", "lvcreate", "execute", "cinder-volume")
    hop, e = next((h, e) for h, e in found if h.callee.endswith("LVMVolumeDriver._create_volume"))
    assert e.site == "cinder/brick/local_dev/lvm.py:562" and e.via == ("LVM.create_volume",)
    assert e.get("run_as_root") is True and "lvcreate -T -V" in e.get("argv")


def test_create_volume_summary_reads_as_the_issue_asks(create_volume):
    s = report.summary([e for _, e in report.operation(create_volume)])
    assert "volumes" in s["database"]["write"] and "volume_attachment" in s["database"]["read"]
    assert s["config"]["options"] > s["config"]["change_the_path"] > 0
    assert report.headline(s)[0].startswith("tables written: ")


def test_reboot_instances_table_and_libvirt_options(stein):
    t = api.trace(stein, REBOOT, TraceOptions(drivers=("libvirt",)), effects=True)
    writes = _has(t, "database", "instances", "write", "nova-compute")
    assert any(h.callee == "nova.compute.manager.ComputeManager.reboot_instance" for h, _ in writes)
    libvirt = {e.name for h, e in _all(t) if e.kind == "config" and e.name.startswith("libvirt.")
               and h is not None and h.callee.startswith("nova.virt.libvirt.")}
    assert {"libvirt.virt_type", "libvirt.images_type", "libvirt.wait_soft_reboot_seconds"} <= libvirt
    soft = _has(t, "config", "libvirt.wait_soft_reboot_seconds")[0][1]
    assert soft.get("default") == "120" and soft.get("declared").startswith("nova/conf/libvirt.py:")
    _has(t, "notification", "instance.reboot.start", "versioned", "nova-compute")


def test_attach_instance_lock_and_block_device_mapping(stein):
    t = api.trace(stein, ATTACH, TraceOptions(drivers=("libvirt",)), effects=True)
    locks = _has(t, "lock", "nova-{instance.uuid}", "lockutils", "nova-compute")
    assert {h.callee.rsplit(".", 1)[-1] for h, _ in locks} >= {"do_attach_volume", "do_reserve"}
    _has(t, "database", "block_device_mapping", "write", "nova-compute")


def test_effects_are_the_same_from_the_cache(stein, create_volume):
    again = api.trace(stein, "create_volume", effects=True)
    assert api.trace_json(again) == api.trace_json(create_volume)


# -- the newest release: the same effects where the code still has them ------------------------
def test_newest_create_volume(newest):
    t = api.trace(newest, "create_volume", effects=True)
    found = _has(t, "database", "volumes", "write", "cinder-volume")
    assert any(h and h.kind == "flow-task" and ".flows.manager." in h.callee for h, _ in found)
    for event in ("volume.create.start", "volume.create.end"):
        _has(t, "notification", event, "legacy", "cinder-volume")
    [(hop, e)] = [(h, e) for h, e in _has(t, "config", "backend_defaults.volume_driver", "driver", "cinder-volume")
                  if h.kind == "driver"]
    assert e.get("default") == "cinder.volume.drivers.lvm.LVMVolumeDriver"
    # the brick LVM class runs its commands through _run_lvm_command(cmd): a wrapper holding the words
    lvcreate = _has(t, "command", "lvcreate", "execute", "cinder-volume")
    assert any(e.get("runner") == "LVM._run_lvm_command" for _, e in lvcreate)


def test_newest_reboot_and_attach(newest):
    reboot = api.trace(newest, REBOOT, TraceOptions(drivers=("libvirt",)), effects=True)
    _has(reboot, "database", "instances", "write", "nova-compute")
    assert {"libvirt.virt_type", "libvirt.images_type"} <= {e.name for _, e in _all(reboot) if e.kind == "config"}
    attach = api.trace(newest, ATTACH, TraceOptions(drivers=("libvirt",)), effects=True)
    _has(attach, "lock", "nova-{instance.uuid}", "lockutils", "nova-compute")
    _has(attach, "database", "block_device_mapping", "write", "nova-compute")


def test_a_chosen_driver_runs_its_own_commands(stein):
    """--driver rbd: helpers below a hop follow the RBD driver, not the configured LVM one."""
    t = api.trace(stein, "create_volume", TraceOptions(drivers=("rbd",)), effects=True)
    commands = {e.name for _, e in _all(t) if e.kind == "command"}
    assert "lvcreate" not in commands and "rbd" in commands


def test_stein_and_newest_create_volume_effects_compared(stein, newest, create_volume):
    from tracer.effects.compare import compare

    changes = compare(create_volume, api.trace(newest, "create_volume", effects=True))
    by_type: dict[str, set[str]] = {}
    for c in changes:
        by_type.setdefault(c.type, set()).add(c.name)
    # both register volume_driver in backend_defaults (the newest also per backend, at run time): the same option
    assert "backend_defaults.volume_driver" not in by_type.get("driver-option-changed", set())
    # both load the quota driver cinder.quota.DbQuotaDriver from quota_driver: Stein had a second implementation
    # (NestedDbQuotaDriver) and so a driver hop, the newest a plain call; the option chooses it on both sides
    assert "quota_driver" not in by_type.get("driver-option-changed", set())
    assert "volumes" not in by_type.get("table-newly-written", set()) | by_type.get("table-no-longer-written", set())
    assert by_type["option-default-changed"] >= {"glance_num_retries"}  # 0 in Stein, 3 in the newest


def test_tracer_diff_compares_effects(stein, newest):
    from tracer import compare
    from tracer.render.diff_json import diff_json
    from tracer.render.diff_text import diff_text

    d = compare.diff(stein, newest, "create_volume", effects=True)
    types = {(c.type, c.name) for c in d.effects}
    assert ("option-default-changed", "glance_num_retries") in types
    assert any(t == "table-newly-written" for t, _ in types)
    assert diff_json(d)["effects"] and "effects (" in diff_text(d)
    assert "effects" not in diff_json(compare.diff(stein, newest, "create_volume", effects=False))


# -- what the first reading against the code found missing ------------------------------------
def test_reboot_carries_what_its_decorators_wrappers_do(stein, newest):
    """nova's @wrap_instance_event enters an EventReporter around the call (instance_actions_events written);
    @wrap_instance_fault records the fault and @reverts_task_state saves the instance, both in their except
    handlers: only with --errors, and conditional."""
    manager = "nova.compute.manager.ComputeManager.reboot_instance"
    t = api.trace(stein, REBOOT, TraceOptions(drivers=("libvirt",)), effects=True)
    events = [(h, e) for h, e in _has(t, "database", "instance_actions_events", "write", "nova-compute")
              if h and h.callee == manager]
    assert events and events[0][1].via[:2] == ("@wrap_instance_event", "EventReporter.__enter__")
    assert not [e for h, e in _all(t) if e.name == "instance_faults"]
    errors = api.trace(stein, REBOOT, TraceOptions(drivers=("libvirt",), errors=True), effects=True)
    [fault] = [e for h, e in _has(errors, "database", "instance_faults", "write", "nova-compute") if h and h.callee == manager]
    assert fault.via[0] == "@wrap_instance_fault" and fault.get("conditional") is True
    assert "except Exception" in fault.get("guard")
    # the hop's own instance.save() writes instances plainly (one effect per meaning); the wrapper does it too
    summaries = stein._effects
    [revert] = [s for s in summaries.summary(manager).sites if s.how == "decorator" and s.short == "@reverts_task_state"]
    writes = {(e.name, e.action) for e in summaries.view(errors=True).effects(revert.target) if e.get("conditional")}
    assert ("instances", "write") in writes
    newest_events = _has(api.trace(newest, REBOOT, TraceOptions(drivers=("libvirt",)), effects=True),
                         "database", "instance_actions_events", "write", "nova-compute")
    assert any(h and h.callee == manager for h, _ in newest_events)


def test_qos_specs_read_through_the_volume_types_relationship(stein):
    """``volume_type_qos_specs_get`` queries VolumeType with ``joinedload('qos_specs')``: the backref of
    ``QualityOfServiceSpecs.vol_types`` reads quality_of_service_specs."""
    t = api.trace(stein, "POST /v3/{project_id}/volumes/{volume_id}/action os-initialize_connection",
                  TraceOptions(drivers=("rbd",)), effects=True)
    [(_, e), *_] = _has(t, "database", "quality_of_service_specs", "read", "cinder-volume")
    assert e.get("api") == "sqlalchemy.api.volume_type_qos_specs_get" and e.get("model") == "QualityOfServiceSpecs"


def test_tooz_locks_carry_the_coordinator_prefix(create_volume, newest):
    """cinder's Coordinator.get_lock puts ``self.prefix`` (``COORDINATOR = Coordinator(prefix='cinder-')``) in
    front of every name: the lock delete_volume takes is cinder-{volume.id}-{f_name} (the newest writes the
    function name into the template itself)."""
    names = {e.name for _, e in _all(create_volume) if e.kind == "lock" and e.action == "tooz"}
    assert "cinder-{volume.id}-{f_name}" in names and all(n.startswith("cinder-") for n in names)
    newest_names = {e.name for _, e in _all(api.trace(newest, "create_volume", effects=True)) if e.kind == "lock"}
    assert "cinder-{volume.id}-delete_volume" in newest_names


def test_effects_through_a_guarded_call_say_their_branch(create_volume):
    """The image cache's hit and miss notifications are the two arms of ``if cache_entry``."""
    hit = _has(create_volume, "notification", "image_volume_cache.hit")[0][1]
    miss = _has(create_volume, "notification", "image_volume_cache.miss")[0][1]
    assert hit.get("guard")[-1] == "if cache_entry" and miss.get("guard")[-1] == "else (not cache_entry)"
    assert not hit.get("conditional") and not miss.get("conditional")


def test_the_driver_option_says_which_driver_the_trace_follows(stein):
    t = api.trace(stein, "create_volume", TraceOptions(drivers=("rbd",)), effects=True)
    found = _has(t, "config", "backend_defaults.volume_driver", "driver", "cinder-volume")
    assert {e.get("follows") for _, e in found} == {"cinder.volume.drivers.rbd.RBDDriver"}  # wherever it is met
    [(hop, e)] = [(h, e) for h, e in found if h.kind == "driver"]
    assert e.get("default") == "cinder.volume.drivers.lvm.LVMVolumeDriver"
    assert e.get("follows") == "cinder.volume.drivers.rbd.RBDDriver"
    assert "(default LVMVolumeDriver; traced: RBDDriver)" in report.headline(report.summary([e]))[1]


def test_effects_under_branches_off_by_default_count_only_with_any_config(stein):
    """Stein's instance.save() in nova-api sends its update notification only when
    ``[notifications] notify_on_state_change`` is set (no default): its bandwidth-usage read, and cells v1's
    ``[cells] call_timeout``, are there only with --any-config, as the calls are in the trace."""
    t = api.trace(stein, REBOOT, TraceOptions(drivers=("libvirt",)), effects=True)
    assert not [e for _, e in _all(t) if e.name in ("bw_usage_cache", "cells.call_timeout")]
    wide = api.trace(stein, REBOOT, TraceOptions(drivers=("libvirt",), any_config=True), effects=True)
    _has(wide, "database", "bw_usage_cache", "read", "nova-api")
    _has(wide, "config", "cells.call_timeout", "read", "nova-cells")
