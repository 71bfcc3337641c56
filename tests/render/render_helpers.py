"""Traces for the render tests: the fixture project's trace frozen as JSON, and a hand-made one with every kind."""
from __future__ import annotations

import json
import os
from pathlib import Path

from tracer.graph.records import Hop, Trace

HERE = Path(__file__).parent
SNAPSHOTS = HERE / "snapshots"
FIXTURE = HERE.parent / "fixtures" / "proj"


def load_trace(path: Path) -> tuple[Trace, dict[str, str]]:
    """A trace saved in the ``tracer-trace/1`` shape (plus ``where``), and its definition sites."""
    data = json.loads(path.read_text())
    hops = tuple(
        Hop(h["step"], h["depth"], h["caller"], h["callee"], h["kind"], h["site"], h["service"], h["confidence"],
            tuple(sorted(h["meta"].items())), h["repeat"],
            tuple((g["kind"], g["text"], g["optional"]) for g in h.get("guard", ())))
        for h in data["hops"]
    )
    sources = tuple((s["project"], s["version"], s["origin"]) for s in data["sources"])
    e = data["entry"]
    return Trace(e["id"], e["label"], e["service"], hops, data["view"], sources), data.get("where", {})


def fixture_trace() -> tuple[Trace, dict[str, str]]:
    """``create_thing`` on tests/fixtures/proj, as the tracer gave it when the snapshots were made."""
    return load_trace(SNAPSHOTS / "create_thing.trace.json")


def _hop(step: int, depth: int, caller: str, callee: str, kind: str, service: str, meta: dict | None = None,
         repeat: bool = False, guard: tuple = ()) -> Hop:
    return Hop(step, depth, caller, callee, kind, f"{caller.split('.')[0]}/x.py:{step * 10}", service, "exact",
               tuple(sorted((meta or {}).items())), repeat, guard)


def rich_trace() -> Trace:
    """Every hop kind, an RPC call with work under it, a REST hop (meta as the linker writes it), a closure,
    a repeat, a quote in the label, and branches: an if/else pair, an optional if, an except."""
    c, api_, rpc, mgr = ("svc.api.things.Controller.create", "svc.compute.api.API.create",
                         "svc.compute.rpcapi.ComputeAPI.build", "svc.compute.manager.Manager.build")
    rpc_meta = {"method": "build", "namespace": None, "service": "svc-compute", "topic": "compute"}
    task = {"added_at": "svc/compute/flows.py:9", "flow": "svc.compute.flows.get_flow", "order": 1,
            "task": "svc.compute.flows.BuildTask"}
    hops = [
        _hop(1, 1, c, api_, "call", "svc-api"),
        _hop(2, 2, api_, rpc, "call", "svc-api"),
        _hop(3, 3, rpc, mgr, "rpc-call", "svc-compute", rpc_meta),
        _hop(4, 4, mgr, "other.api.volumes.VolumeController.create", "rest", "svc-compute",
             {"action": None, "client": "otherclient.Manager._create", "http": "POST /v3/volumes", "service": "other-api"},
             guard=(("if", "if volume_id is None", False),)),
        _hop(5, 5, "other.api.volumes.VolumeController.create", "other.volume.api.API.create", "call", "other-api"),
        _hop(6, 4, mgr, "svc.compute.flows.BuildTask.execute", "flow-task", "svc-compute", task,
             guard=(("else", "else (not volume_id is None)", False),)),
        _hop(7, 5, "svc.compute.flows.BuildTask.execute", "svc.virt.fake.FakeDriver.spawn", "driver", "svc-compute",
             {"alternatives": 2, "configured": "svc.virt.fake.FakeDriver"},
             guard=(("if", "if image", True), ("for", "for node in nodes", False))),
        _hop(8, 6, "svc.virt.fake.FakeDriver.spawn", "svc.virt.fake.FakeDriver.spawn.<locals>._wait", "call",
             "svc-compute"),
        _hop(9, 2, api_, "svc.compute.rpcapi.ComputeAPI.notify", "call", "svc-api",
             guard=(("except", "except exception.Timeout", True), ("try", "try", False))),
        _hop(10, 3, "svc.compute.rpcapi.ComputeAPI.notify", "svc.compute.manager.Manager.notify", "rpc-cast",
             "svc-compute", dict(rpc_meta, method="notify")),
        _hop(11, 1, c, api_, "call", "svc-api", repeat=True),
    ]
    return Trace(c, 'POST /things "now"', "svc-api", tuple(hops), "skeleton", (("svc", "1.0", "here"),))


def check_snapshot(name: str, actual: str | bytes) -> None:
    """Compare with tests/render/snapshots/NAME exactly; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    path = SNAPSHOTS / name
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_bytes(data)
    assert path.exists(), f"no snapshot {path}; run with UPDATE_SNAPSHOTS=1 to write it"
    assert data == path.read_bytes(), f"{name} differs from its snapshot; UPDATE_SNAPSHOTS=1 rewrites it"
