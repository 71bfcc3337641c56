"""What a view left out, in every diagram: a note where it was, the totals in the legend, as the text says it."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pygraphviz
import pytest

from render_helpers import FIXTURE, rich_trace
from tracer import api
from tracer.graph import views
from tracer.graph.records import Fold, Hop, Trace, TraceOptions
from tracer.render import aggregate, definition_sites, render
from tracer.render.dot import to_dot
from tracer.render.html import to_html
from tracer.render.mermaid import to_mermaid, to_sequence
from tracer.render.model import build_model
from tracer.render.sequence import build_sequence, sequence_svg
from tracer.render.text import trace_lines

SVG = "{http://www.w3.org/2000/svg}"
HIDDEN = "⋯ 2 hops hidden: FakeDriver.make"
SEEN = "⋯ 1 again, drawn above: PrepareTask.execute"
TOTALS = "folded 3 hops: 2 hidden (--hide), 1 drawn above"


@pytest.fixture()
def folded(proj: api.Workspace) -> tuple[Trace, dict[str, str]]:
    """The fixture project's create_thing, live, as hops with the driver hidden: two folds under two hops."""
    t = api.trace(proj, "create_thing", TraceOptions(hops=True, hide=("Driver",)))
    assert [(f.step, f.reason) for f in t.folded] == [(1, "seen"), (3, "hidden")]
    return t, definition_sites(proj.program, t)


def test_the_notes_say_what_the_text_says(folded):
    t, where = folded
    text = [line.plain.strip() for line in trace_lines(t)]
    assert any(line.endswith(f"└─ {HIDDEN}") for line in text) and f"└─ {SEEN}" in text and TOTALS in text
    model = build_model(t, where)
    assert [(n.anchor, n.service, n.text) for n in model.notes] == [
        ("proj.worker.manager.WorkerManager.build_thing", "proj-worker", SEEN),
        ("proj.worker.flows.build.MakeTask.execute", "proj-worker", HIDDEN)]
    assert model.folded == TOTALS
    assert "proj.drivers.fake.FakeDriver.make at proj/worker/flows/build.py:17" in model.notes[1].detail


def test_svg_note_sits_in_its_service_box_tied_to_its_hop(folded):
    t, where = folded
    graph = pygraphviz.AGraph(string=to_dot(t, where))
    worker = graph.get_subgraph("cluster_proj_worker")
    assert {"fold:1:seen", "fold:3:hidden"} <= set(worker.nodes())
    note = graph.get_node("fold:3:hidden")
    assert "dashed" in note.attr["style"] and note.attr["label"] == "⋯ 2 hops hidden:\\nFakeDriver.make"
    edge = graph.get_edge("proj.worker.flows.build.MakeTask.execute", "fold:3:hidden")
    assert edge.attr["style"] == "dotted" and edge.attr["arrowhead"] == "none"
    root = ET.fromstring(render(t, "svg", where))
    nodes = {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}
    assert " ".join(e.text for e in nodes["fold:3:hidden"].iter(f"{SVG}text")) == HIDDEN
    tips = [a.get("{http://www.w3.org/1999/xlink}title") for a in nodes["fold:3:hidden"].iter(f"{SVG}a")]
    assert any("proj.drivers.fake.FakeDriver.make at proj/worker/flows/build.py:17" in (tip or "") for tip in tips)
    assert f"⋯ {TOTALS}" in "".join(nodes["legend:folded"].itertext())


def test_html_carries_the_notes(folded):
    page = to_html(*folded)
    assert page.count("⋯ 2 hops hidden:") == 2  # the call graph's note and the sequence's
    assert TOTALS in page


def test_mermaid_note_in_the_subgraph_with_a_dotted_link(folded):
    t, where = folded
    lines = to_mermaid(t, where).splitlines()
    assert lines[1] == f"%% {TOTALS}"
    worker = lines[lines.index('  subgraph svc_proj_worker["proj-worker"]'):]
    assert '    fold_3_hidden["⋯ 2 hops hidden:<br/>FakeDriver.make"]' in worker[:worker.index("  end")]
    assert "  MakeTask_execute -.- fold_3_hidden" in lines
    assert "  class fold_1_seen,fold_3_hidden folded" in lines
    links = [line for line in lines if re.match(r"  \w+ (-->|-\.->|==>|-\.-)", line)]
    style = next(line for line in lines if "stroke-dasharray:2 3" in line)
    assert style.split()[1] == ",".join(str(i) for i, line in enumerate(links) if " -.- " in line)


def test_sequence_note_at_the_place_of_the_folded_step(folded):
    t, _ = folded
    lines = to_sequence(t).splitlines()
    assert lines[1] == f"%% {TOTALS}"
    notes = [line.strip() for line in lines if line.strip().startswith("Note over")]
    assert notes == ["Note over proj_worker: task 1: PrepareTask<br/>task 2: MakeTask",
                     "Note over proj_worker: ⋯ 2 hops hidden:<br/>FakeDriver.make",
                     "Note over proj_worker: ⋯ 1 again, drawn above:<br/>PrepareTask.execute"]
    root = ET.fromstring(sequence_svg(t))
    fold = [g for g in root.iter(f"{SVG}g") if g.get("class") == "note fold"]
    assert ["".join(g.find(f"{SVG}rect").get("stroke-dasharray") or "") for g in fold] == ["4,3", "4,3"]
    assert [" ".join(t.text for t in g.iter(f"{SVG}text")) for g in fold][0] == "⋯ 2 hops hidden: FakeDriver.make"
    assert any(TOTALS in (e.text or "") for e in root.iter(f"{SVG}text"))


def test_sequence_folds_stay_in_the_fragments_of_their_hop():
    """``--main`` on a hand-made trace: the driver under ``if image`` folds under its task, inside the
    ``else`` arm; the except handler under ``API.create`` on the entry's lifeline, after the RPC's reply."""
    t = views.apply(rich_trace(), TraceOptions(main=True))
    assert [(f.step, f.reason) for f in t.folded] == [(1, "branch"), (6, "branch")]
    lines = [line.strip() for line in to_sequence(t).splitlines()]
    task = lines.index("Note over svc_compute: task 1: BuildTask")
    assert lines[task - 1:task + 3] == [
        "else not volume_id is None", "Note over svc_compute: task 1: BuildTask",
        "Note over svc_compute: ⋯ 2 hops only under a branch:<br/>FakeDriver.spawn", "end"]
    assert lines[task + 3:task + 6] == [
        "svc_compute-->>svc_api: reply build", "Note over svc_api: ⋯ 2 hops only under a branch:<br/>ComputeAPI.notify",
        "svc_api-->>client: response"]


def test_a_trace_drawn_by_class_keeps_its_folds(folded):
    t, _ = folded
    by_class = aggregate(t, "class")
    assert sum(f.hops for f in by_class.folded) == sum(f.hops for f in t.folded)
    assert [(n.anchor, n.text) for n in build_model(by_class).notes] == [
        ("proj.worker.manager.WorkerManager", SEEN), ("proj.worker.flows.build.MakeTask", HIDDEN)]


def test_folds_meeting_in_one_class_add_up():
    """A call inside one class disappears by class; what was folded under it goes to the hop above, and
    adds up with what was folded there."""
    hops = (Hop(1, 1, "m.C.a", "m.C.b", "call", "m.py:2", "svc", "exact"),
            Hop(2, 2, "m.C.b", "m.D.c", "call", "m.py:3", "svc", "exact"))
    t = Trace("m.C.a", "GET /x", "svc", hops, "skeleton, main", folded=(
        Fold(0, "branch", 2, ("m.E.x",), ("m.py:9",)), Fold(1, "branch", 3, ("m.E.y",), ("m.py:4",)),
        Fold(2, "hidden", 1, ("m.F.z",), ("m.py:5",))))
    by_class = aggregate(t, "class")
    assert [h.callee for h in by_class.hops] == ["m.D"]
    assert by_class.folded == (Fold(0, "branch", 5, ("m.E.x", "m.E.y"), ("m.py:9", "m.py:4")),
                               Fold(1, "hidden", 1, ("m.F.z",), ("m.py:5",)))
    assert [n.text for n in build_model(by_class).notes] == ["⋯ 5 hops only under a branch: E.x, E.y",
                                                             "⋯ 1 hops hidden: F.z"]


def test_nothing_folded_draws_nothing_more():
    t = rich_trace()
    model = build_model(t)
    assert model.notes == () and model.folded == ""
    assert build_sequence(t).folded == ""
    for fmt in ("dot", "mermaid", "sequence"):
        out = render(t, fmt)
        assert "fold" not in out and "⋯" not in out, fmt


def test_folded_diagrams_are_byte_identical_whatever_the_hash_seed(tmp_path: Path):
    script = (
        "import json, sys; from pathlib import Path; from tracer import api; from tracer.graph.records import TraceOptions\n"
        "from tracer.render import FORMATS, render\n"
        f"ws = api.load([{str(FIXTURE)!r}], cache_dir=Path({str(tmp_path)!r}) / sys.argv[1])\n"
        "t = api.trace(ws, 'create_thing', TraceOptions(hops=True, hide=('Driver',)))\n"
        "drawn = {fmt: render(t, fmt) for fmt in FORMATS}\n"
        "print(json.dumps({fmt: d.decode() if isinstance(d, bytes) else d for fmt, d in drawn.items()}))\n"
    )
    runs = {seed: subprocess.run([sys.executable, "-c", script, seed], check=True, capture_output=True, text=True,
                                 env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout for seed in ("1", "2")}
    assert runs["1"] == runs["2"]
    drawn = json.loads(runs["1"])
    assert set(drawn) == {"dot", "svg", "mermaid", "sequence", "sequence-svg", "html"}
    assert all("⋯ 2 hops hidden:" in text for text in drawn.values())
