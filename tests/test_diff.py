"""``tracer diff`` on a synthetic pair of trees: one of every change type, moves, exit codes, the JSON schema.

``tests/fixtures/diff/old/dproj`` and ``.../new/dproj`` are one small project at two releases.  Between them
``API._validate`` moved into a new conductor service (so the worker RPCs it makes are sent from there), a
helper moved module, ``check_widget`` became a version-gated cast, ``ping`` a call, ``notify`` was dropped,
the flow lost one task, gained one and swapped two, the driver default changed, an error path appeared,
and the REST service the old side indexes (``xproj/svc``) is not part of the new side: its hop is external.
The worker's ``Planner`` layer is gone (as nova's FilterScheduler went into the scheduler manager): its
``_schedule`` is ``WorkerManager._select_hosts`` now, told by its body's shape, and the ``notify`` cast its
``_claim`` made is one removal met in two places.
"""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracer import api, compare
from tracer.cli import app
from tracer.diff.changes import TYPES, swapped
from tracer.diff.flow import diff_traces
from tracer.graph.records import Hop, Trace, TraceOptions
from tracer.render.diff import DIFF_FORMATS, render_diff
from tracer.render.diff_graph import union_model
from tracer.render.diff_text import diff_text

HERE = Path(__file__).parent
DIFF = HERE / "fixtures" / "diff"
XPROJ = HERE / "fixtures" / "xproj"
OLD = [str(DIFF / "old" / "dproj"), str(XPROJ / "svc" / "svc"), str(XPROJ / "svcclient" / "svcclient")]
NEW = [str(DIFF / "new" / "dproj"), str(XPROJ / "svcclient" / "svcclient")]

EXPECTED = {  # (type, key) of every change on the synthetic pair, with --errors
    ("rest-external", "rest:POST /things"),
    ("service-changed", "call:ConductorManager._validate"),
    ("service-changed", "rpc:dproj-worker/audit"),
    ("service-changed", "rpc:dproj-worker/build_widget"),
    ("hop-added", "rpc:dproj-conductor/create_widget"),
    ("hop-moved", "call:ConductorManager._validate"),
    ("hop-moved", "call:stamping.stamp"),
    ("hop-moved", "call:WorkerManager._select_hosts"),  # Planner._schedule renamed, the same body
    ("hop-moved", "call:WorkerManager._claim"),
    ("hop-removed", "call:Planner.plan"),  # the layer itself: removed, and added in its place
    ("hop-added", "call:WorkerManager._choose"),
    ("rpc-call-to-cast", "rpc:dproj-worker/check_widget"),
    ("rpc-cast-to-call", "rpc:dproj-worker/ping"),
    ("driver-default-changed", "driver:make"),
    ("driver-default-changed", "driver:check"),
    ("hop-removed", "rpc:dproj-worker/notify"),
    ("task-added", "task:VerifyTask.execute"),
    ("task-removed", "task:NotifyTask.execute"),
    ("task-reordered", "task:FinishTask.execute"),
    ("task-reordered", "task:MakeTask.execute"),
    ("error-path-added", "rpc:dproj-worker/cleanup_widget"),
}
runner = CliRunner()


@pytest.fixture(scope="module")
def sides(tmp_path_factory) -> tuple[api.Workspace, api.Workspace]:
    cache = tmp_path_factory.mktemp("cache")
    return api.load(OLD, cache_dir=cache), api.load(NEW, cache_dir=cache)


@pytest.fixture(scope="module")
def d(sides):
    return compare.diff(*sides, "create_widget", TraceOptions(errors=True))


def found(diff) -> set[tuple[str, str]]:
    return {(c.type, c.side.key) for c in diff.changes}


def test_every_change_type_on_its_hop(d):
    assert found(d) == EXPECTED


def test_moves_are_not_removed_and_added(d):
    moved = {(c.old.callee, c.new.callee) for c in d.changes if c.type == "hop-moved"}
    assert moved == {("dproj.compute.api.API._validate", "dproj.conductor.manager.ConductorManager._validate"),
                     ("dproj.worker.utils.stamp", "dproj.common.stamping.stamp"),
                     ("dproj.worker.planner.Planner._schedule", "dproj.worker.manager.WorkerManager._select_hosts"),
                     ("dproj.worker.planner.Planner._claim", "dproj.worker.manager.WorkerManager._claim")}
    assert not [c for c in d.changes if c.type in ("hop-added", "hop-removed") and "stamp" in c.side.callee]


def test_moves_inside_a_removed_and_an_added_layer_by_body_shape(d):
    """Planner.plan is gone and WorkerManager._choose new (a removed and an added subtree); inside them
    Planner._schedule is WorkerManager._select_hosts: another name, no skeleton callee in common with a like
    name, but the same sequence of calls.  Without the sides' graphs to say the shapes, it is removed + added."""
    removed = next(c for c in d.changes if c.type == "hop-removed" and c.side.key == "call:Planner.plan")
    assert "a level on the way to hops both sides make" in removed.detail and not removed.below
    blind = diff_traces(d.old_trace, d.new_trace)
    assert ("hop-removed", "call:Planner._schedule") in found(blind)
    assert ("hop-added", "call:WorkerManager._select_hosts") in found(blind)


def test_a_change_met_in_several_places_is_listed_once(d):
    """The notify cast is sent from the API and from the planner: one removal, listed where the trace first
    meets it, with both places; the driver's check, called from two functions, changed its default once."""
    [notify] = [c for c in d.changes if c.side.key == "rpc:dproj-worker/notify"]
    assert notify.type == "hop-removed" and notify.service == "dproj-worker" and notify.old.sender == "dproj-api"
    assert [(svc, sender) for svc, sender, _ in notify.places] == [("dproj-worker", "dproj-api"), ("dproj-worker", "dproj-worker")]
    assert notify.detail.endswith("met in 2 places (sent from dproj-api, dproj-worker)")
    [check] = [c for c in d.changes if c.side.key == "driver:check"]
    assert {via for _, _, via in check.places} == {"WorkerManager.check_widget", "WorkerManager._claim"}
    data = json.loads(render_diff(d, "json"))
    [row] = [c for c in data["changes"] if c["new"] is None and c["old"]["key"] == "rpc:dproj-worker/notify"]
    assert row["places"] == [{"service": "dproj-worker", "sender": "dproj-api", "via": "API.create_widget"},
                             {"service": "dproj-worker", "sender": "dproj-worker", "via": "Planner._claim"}]


def test_version_gated_cast_names_the_version(d):
    c = next(c for c in d.changes if c.type == "rpc-call-to-cast")
    assert c.old.verbs == "call"
    assert c.new.verbs == "cast if can_send_version('1.5') else call"
    assert c.new.get("gates") == ["1.5"]


def test_service_change_says_where_it_is_sent_from(d):
    c = next(c for c in d.changes if c.type == "service-changed" and c.side.key == "rpc:dproj-worker/build_widget")
    assert (c.old.sender, c.new.sender) == ("dproj-api", "dproj-conductor")
    assert c.old.service == c.new.service == "dproj-worker"


def test_task_positions(d):
    moves = {c.side.key: (c.old.get("order"), c.new.get("order")) for c in d.changes if c.type == "task-reordered"}
    assert moves == {"task:FinishTask.execute": (4, 2), "task:MakeTask.execute": (2, 3)}
    added = next(c for c in d.changes if c.type == "task-added")
    assert added.new.get("order") == 4 and added.old is None


def test_error_paths_only_with_errors(sides):
    plain = compare.diff(*sides, "create_widget", TraceOptions())
    assert found(plain) == {x for x in EXPECTED if x[0] != "error-path-added"}


def test_self_diff_is_empty(sides):
    old, _ = sides
    same = compare.diff(old, old, "create_widget", TraceOptions(errors=True))
    assert same.changes == () and same.effects == ()


def test_effects_are_compared_by_default_counted_first(sides, d):
    """The diff compares what the operation touches unless told not to; the text gives their counts with the
    hop counts, before any detail."""
    [c] = d.effects
    assert (c.type, c.name) == ("driver-option-changed", "widget_driver")
    lines = diff_text(d).splitlines()
    counts = next(i for i, line in enumerate(lines) if line.startswith("1 effect change: 1 driver-option-changed"))
    first_service = next(i for i, line in enumerate(lines) if line.startswith("▶ "))
    assert counts < first_service
    plain = compare.diff(*sides, "create_widget", TraceOptions(errors=True), effects=False)
    assert plain.effects == () and "effects" not in json.loads(render_diff(plain, "json"))
    assert "effect change" not in diff_text(plain) and found(plain) == found(d)


def test_swapping_the_sides_swaps_added_and_removed(sides, d):
    back = compare.diff(sides[1], sides[0], "create_widget", TraceOptions(errors=True))
    assert {(swapped(t), k) for t, k in found(back)} == {(t, _old_key(d, t, k)) for t, k in found(d)}


def _old_key(d, type_id: str, key: str) -> str:
    """The key a change shows from the other side (a hop on both sides is keyed by its new name)."""
    c = next(c for c in d.changes if (c.type, c.side.key) == (type_id, key))
    return c.old.key if c.old and c.new else key


def test_json_schema(d):
    data = json.loads(render_diff(d, "json"))
    assert data["schema"] == "tracer-diff/1" and data["mode"] == "entry"
    assert set(data) == {"schema", "mode", "request", "old", "new", "options", "summary", "types", "changes", "sites",
                         "effects"}
    assert data["options"]["effects"] is True and data["summary"]["effects"]["total"] == len(data["effects"])
    assert data["old"]["entry"]["id"] == "dproj.api.widgets.WidgetController.create"
    assert data["summary"]["total"] == len(EXPECTED) == len(data["changes"])
    assert sum(data["summary"]["by_type"].values()) == len(EXPECTED)
    for c in data["changes"]:
        assert c["type"] in TYPES and c["level"] in ("major", "minor")
        assert len(c["fingerprint"]) == 16 and int(c["fingerprint"], 16) >= 0
        assert set(c) >= {"type", "level", "kind", "service", "fingerprint", "detail", "via", "path", "old", "new"}
        assert c["old"] or c["new"]
    assert len({c["fingerprint"] for c in data["changes"]}) == len(data["changes"])


def test_fingerprints_ignore_line_numbers(d):
    """The same change met at other lines keeps its fingerprint (it keys allow-lists)."""
    c = d.changes[0]
    moved = type(c.old)(**{**{f: getattr(c.old, f) for f in c.old.__slots__}, "site": "x.py:999"}) if c.old else None
    assert type(c)(c.type, c.kind, c.service, moved, c.new, c.detail, c.via, c.path).fingerprint == c.fingerprint


def test_union_diagram_colours_each_side(d):
    model = union_model(d)
    status = {n.id: n.status for n in model.nodes}
    assert status["dproj.worker.manager.WorkerManager.notify"] == "removed"
    assert status["dproj.conductor.manager.ConductorManager.create_widget"] == "added"
    assert status["dproj.conductor.manager.ConductorManager._validate"] == "changed"
    assert status["dproj.worker.flows.build.PrepareTask.execute"] == "same"
    assert {c.service for c in model.clusters} >= {"dproj-api", "dproj-conductor", "dproj-worker"}
    svg = render_diff(d, "svg").decode()
    assert "old side only (removed)" in svg and "new side only (added)" in svg


def test_every_format_is_byte_identical_whatever_the_hash_seed(tmp_path):
    """Two processes with different PYTHONHASHSEED write the same bytes in every format."""
    script = (
        "import sys; from pathlib import Path; from tracer import api, compare; from tracer.graph.records import TraceOptions\n"
        "from tracer.render.diff import DIFF_FORMATS, render_diff\n"
        f"old = api.load({OLD!r}, cache_dir=Path(sys.argv[1]) / 'c'); new = api.load({NEW!r}, cache_dir=Path(sys.argv[1]) / 'c')\n"
        "d = compare.diff(old, new, 'create_widget', TraceOptions(errors=True), sites=True)\n"
        "for fmt in DIFF_FORMATS:\n"
        "    data = render_diff(d, fmt); data = data if isinstance(data, bytes) else data.encode()\n"
        "    (Path(sys.argv[1]) / fmt).write_bytes(data)\n"
    )
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env={"PYTHONHASHSEED": seed,
                       "PATH": "/usr/bin:/bin"}, cwd=HERE.parent)
        outs.append({fmt: (out / fmt).read_bytes() for fmt in DIFF_FORMATS})
    assert outs[0] == outs[1]
    assert all(outs[0].values())


def test_rest_path_change_on_records():
    """The same REST hop (same key) sent to another API version is a path change."""
    def trace(path: str) -> Trace:
        hop = Hop(1, 1, "a.mod.f", "b.api.v3.Ctl.show", "rest", "a/mod.py:3", "b-api", "exact",
                  (("action", None), ("http", f"GET {path}"), ("service", "b-api")))
        return Trace("a.mod.f", "f", "a", (hop,), "skeleton", (("a", "1", "x"),))

    d = diff_traces(trace("/v2/{project_id}/things/{id}"), trace("/v3/{project_id}/things/{thing_id}"))
    assert [(c.type, c.side.key) for c in d.changes] == [("rest-path-changed", "rest:GET /things/{}")]
    same = diff_traces(trace("/v3/{project_id}/things/{id}"), trace("/v3/things/{thing_id}"))
    assert same.changes == ()  # placeholder names and the project segment make no other path


def _stated(t: Trace, version) -> Trace:
    """The trace with its REST hops stating ``version`` as their microversion (the linker's meta key)."""
    hops = tuple(dataclasses.replace(h, meta=tuple(sorted(h.meta + (("microversion", version),))))
                 if h.kind == "rest" else h for h in t.hops)
    return dataclasses.replace(t, hops=hops)


def test_a_matched_rest_hop_sent_with_another_microversion(d):
    """The same REST hop (POST /things) stating 2.1 on one side and 2.7 on the other; a side whose code states
    none literally (no meta key) is not compared; swapped, it is the same type the other way."""
    changed = diff_traces(_stated(d.old_trace, "2.1"), _stated(d.new_trace, "2.7"))
    [c] = [c for c in changed.changes if c.type == "rest-microversion-changed"]
    assert c.side.key == "rest:POST /things" and c.detail == "POST /things: microversion 2.1 -> 2.7"
    assert (c.old.get("microversion"), c.new.get("microversion")) == ("2.1", "2.7") and c.level == "major"
    back = diff_traces(_stated(d.new_trace, "2.7"), _stated(d.old_trace, "2.1"))
    assert [c.detail for c in back.changes if c.type == "rest-microversion-changed"] == ["POST /things: microversion 2.7 -> 2.1"]
    for old, new in ((_stated(d.old_trace, "2.7"), _stated(d.new_trace, "2.7")), (d.old_trace, _stated(d.new_trace, "2.7"))):
        assert not [c for c in diff_traces(old, new).changes if c.type == "rest-microversion-changed"]
    assert "rest-microversion-changed" in TYPES and swapped("rest-microversion-changed") == "rest-microversion-changed"


def run(*args: str, cache) -> object:
    return runner.invoke(app, list(args), env={"TRACER_CACHE_DIR": str(cache)})


def sides_args(old: list[str], new: list[str]) -> list[str]:
    return [a for s in old for a in ("--from", s)] + [a for s in new for a in ("--to", s)]


def test_cli_exit_code(tmp_path):
    changed = run("diff", "create_widget", *sides_args(OLD, NEW), "--exit-code", cache=tmp_path)
    assert changed.exit_code == 1, changed.output
    assert "rpc-cast-to-call" in changed.output and "dproj-worker/ping" in changed.output
    same = run("diff", "create_widget", *sides_args(OLD, OLD), "--exit-code", cache=tmp_path)
    assert same.exit_code == 0 and "no differences" in same.output
    assert run("diff", "create_widget", *sides_args(OLD, NEW), cache=tmp_path).exit_code == 0
    quiet = run("diff", "create_widget", *sides_args(OLD, NEW), "--no-effects", cache=tmp_path)
    assert quiet.exit_code == 0 and "effect change" not in quiet.output and "effect change" in changed.output


def test_cli_writes_each_format(tmp_path):
    for fmt, suffix in DIFF_FORMATS.items():
        out = tmp_path / f"d{suffix}"
        result = run("diff", "create_widget", *sides_args(OLD, NEW), "-f", fmt, "-o", str(out), cache=tmp_path)
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert (tmp_path / "d.diff.md").read_text().startswith("## Diff of `create_widget`")
    assert "flowchart" in (tmp_path / "d.diff.mmd").read_text()


def test_cli_bad_input_is_one_line(tmp_path):
    missing = run("diff", "create_widget", "--from", OLD[0], cache=tmp_path)
    assert missing.exit_code == 2 and "--to" in missing.output and "Traceback" not in missing.output
    both = run("diff", "create_widget", "stein..train", "--from", OLD[0], "--to", NEW[0], cache=tmp_path)
    assert both.exit_code == 2 and "not both" in both.output
    unknown = run("diff", "no_such_operation", *sides_args(OLD, NEW), cache=tmp_path)
    assert unknown.exit_code == 2 and "on the old side" in unknown.output
    nothing = run("diff", "--rpc", "--flows", *sides_args(OLD, NEW), cache=tmp_path)
    assert nothing.exit_code == 2 and "one of --rpc" in nothing.output


def test_series_range_sides():
    assert compare.diff_sides("stein..hibiscus", None, None, None) == (
        ["nova@stein", "cinder@stein"], ["nova@hibiscus", "cinder@hibiscus"])
    assert compare.diff_sides("2023.1..2026.2", ["cinder"], None, None) == (["cinder@2023.1"], ["cinder@2026.2"])
    assert compare.is_series_range("stein..hibiscus") and not compare.is_series_range("cinder.volume.api.API.create")
    with pytest.raises(ValueError):
        compare.diff_sides("stein", None, None, None)


def test_surface_diffs(sides):
    rpc = {(c.type, c.side.key) for c in compare.diff_surface(*sides, "rpc").changes}
    assert rpc >= {("rpc-cast-to-call", "rpc:dproj-worker/ping"), ("rpc-call-to-cast", "rpc:dproj-worker/check_widget"),
                   ("hop-removed", "rpc:dproj-worker/notify"), ("hop-added", "rpc:dproj-worker/cleanup_widget"),
                   ("hop-added", "rpc:dproj-conductor/create_widget")}
    flows = {(c.type, c.side.key) for c in compare.diff_surface(*sides, "flows").changes}
    assert flows == {("task-added", "task:VerifyTask.execute"), ("task-removed", "task:NotifyTask.execute"),
                     ("task-reordered", "task:FinishTask.execute"), ("task-reordered", "task:MakeTask.execute")}
    routes = compare.diff_surface(*sides, "routes").changes
    assert {(c.type, c.side.callee) for c in routes} == {("hop-removed", "svc.api.things.ThingController.create"),
                                                          ("hop-removed", "svc.api.things.ThingController._reserve")}
