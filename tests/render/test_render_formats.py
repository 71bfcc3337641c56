"""DOT, Mermaid, SVG and HTML: exact snapshots on small traces, determinism, escaping, size limits."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pygraphviz
import pytest

from render_helpers import check_snapshot, fixture_trace, rich_trace
from tracer import api
from tracer.graph.records import Hop, Trace
from tracer.render import FORMATS, TooLargeError, aggregate, definition_sites, render
from tracer.render.dot import choose_rankdir, quote, to_dot
from tracer.render.html import to_html
from tracer.render.mermaid import make_ids, text, to_mermaid, to_sequence
from tracer.render.model import build_model
from tracer.render.sequence import sequence_svg
from tracer.render.svg import MAX_NODES, to_svg

SVG = "{http://www.w3.org/2000/svg}"


# -- snapshots -----------------------------------------------------------------

def test_dot_snapshot():
    check_snapshot("create_thing.dot", to_dot(*fixture_trace()))


def test_dot_snapshot_every_kind():
    check_snapshot("rich.dot", to_dot(rich_trace()))


def test_mermaid_snapshot():
    check_snapshot("create_thing.mmd", to_mermaid(*fixture_trace()))


def test_mermaid_snapshot_every_kind():
    check_snapshot("rich.mmd", to_mermaid(rich_trace()))


def test_sequence_snapshots():
    check_snapshot("create_thing.seq.mmd", to_sequence(fixture_trace()[0]))
    check_snapshot("rich.seq.mmd", to_sequence(rich_trace()))
    check_snapshot("rich.seq.svg", sequence_svg(rich_trace()))


# -- determinism -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_two_renders_are_byte_identical(fmt):
    t, where = fixture_trace()
    first = render(t, fmt, where)
    assert first == render(t, fmt, where)
    assert isinstance(first, bytes) == fmt.endswith("svg")


def test_unknown_format():
    with pytest.raises(ValueError, match="mermaid"):
        render(rich_trace(), "png")


# -- DOT -------------------------------------------------------------------------

def test_dot_parses_and_keeps_quotes():
    dot = to_dot(rich_trace())
    graph = pygraphviz.AGraph(string=dot)
    assert 'POST /things \\"now\\"' in dot
    assert "svc.virt.fake.FakeDriver.spawn.<locals>._wait" in graph.nodes()
    assert {s.name for s in graph.subgraphs()} == {"cluster_svc_api", "cluster_svc_compute", "cluster_other_api",
                                                   "cluster_legend"}
    graph.close()


def test_quote_escapes_backslashes_quotes_and_newlines():
    assert quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_dot_edge_styles_by_kind():
    dot = to_dot(rich_trace(), rankdir="LR")
    line = {kind: next(l for l in dot.splitlines() if l.startswith('  "') and "->" in l and f"tooltip=\"{kind} " in l)
            for kind in ("call", "rpc-cast", "rpc-call", "rest", "flow-task", "driver")}
    assert 'style="bold,dashed"' in line["rpc-cast"] and "magenta" in line["rpc-cast"]
    assert 'dir="both"' in line["rpc-call"] and "blue" in line["rpc-call"]
    assert 'style="bold,dotted"' in line["rest"]
    assert "green" in line["flow-task"] and 'label=" #1 ' in line["flow-task"]
    assert 'label=" POST /v3/volumes ' in line["rest"]  # the request the linker saw, not just "REST"
    assert "else (not volume_id is None)" in line["flow-task"]  # the branch it runs under
    assert "orange" in line["driver"]
    assert "grey" in line["call"] and "style" not in line["call"]


def test_driver_nodes_are_marked_and_labels_carry_the_site():
    t, where = fixture_trace()
    dot = to_dot(t, where)
    driver = next(l for l in dot.splitlines() if l.strip().startswith('"proj.drivers.fake.FakeDriver.make"'))
    assert 'shape="box3d"' in driver and "orange" in driver
    assert "FakeDriver.make<BR/>" in driver and "proj/drivers/fake.py:5" in driver
    assert 'tooltip="proj.drivers.fake.FakeDriver.make' in driver


def test_rankdir_follows_the_shape():
    deep = Trace("m.A.f0", "m.A.f0", "s", tuple(
        Hop(i, i, f"m.A.f{i - 1}", f"m.A.f{i}", "call", "m.py:1", "s", "exact") for i in range(1, 15)), "skeleton")
    wide = Trace("m.A.f0", "m.A.f0", "s", tuple(
        Hop(i, 1, "m.A.f0", f"m.A.g{i}", "call", "m.py:1", "s", "exact") for i in range(1, 30)), "skeleton")
    assert choose_rankdir(build_model(deep)) == "TB"
    assert choose_rankdir(build_model(wide)) == "LR"


# -- Mermaid ---------------------------------------------------------------------

def test_mermaid_ids_are_safe_and_unique():
    ids = make_ids(["A.b", "A-b", "end", "1x", "svc cinder-api"])
    assert ids == {"A.b": "A_b", "A-b": "A_b_2", "end": "n_end", "1x": "n_1x", "svc cinder-api": "svc_cinder_api"}
    assert text('say "hi"; <b>') == "say #quot;hi#quot;#59; #lt;b#gt;"


def test_mermaid_links_by_kind():
    out = to_mermaid(rich_trace())
    assert out.splitlines()[1] == "flowchart LR"
    assert 'ComputeAPI_build ==>|"call build"| Manager_build' in out
    assert 'ComputeAPI_notify -.->|"cast notify"| Manager_notify' in out
    assert '-->|"#1<br/>else (not volume_id is None)"| BuildTask_execute' in out
    assert re.search(r'subgraph svc_svc_compute\["svc-compute"\]', out)
    assert "linkStyle" in out and "classDef driver" in out


def test_sequence_arrows():
    out = to_sequence(rich_trace())
    assert "svc_api->>svc_compute: call build" in out
    assert "svc_api-)svc_compute: cast notify" in out
    assert "svc_compute-->>svc_api: reply build" in out
    assert "Note over svc_compute: task 1: BuildTask" in out
    assert 'client->>svc_api: POST /things #quot;now#quot;' in out


# -- SVG, size, HTML -------------------------------------------------------------------

def test_svg_is_well_formed_with_clusters_and_no_version_comment():
    svg = to_svg(rich_trace())
    root = ET.fromstring(svg)
    clusters = {g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "cluster"}
    assert {"cluster_svc_api", "cluster_svc_compute", "cluster_other_api", "cluster_legend"} == clusters
    assert b"Generated by graphviz" not in svg


def test_sequence_svg_is_well_formed():
    root = ET.fromstring(sequence_svg(rich_trace()))
    groups = [g.get("class") for g in root.iter(f"{SVG}g")]
    assert groups.count("participant") == 8  # four services, top and bottom
    assert "message rpc-call" in groups and "note driver" in groups


def big_trace(n: int) -> Trace:
    hops = tuple(Hop(i, 1, "big.mod.Entry.run", f"big.mod{i % 7}.Worker{i}.step", "call", "big/mod.py:1", "big",
                     "exact") for i in range(1, n + 1))
    return Trace("big.mod.Entry.run", "big.mod.Entry.run", "big", hops, "full")


def test_too_large_trace_is_refused_with_advice_and_aggregates():
    with pytest.raises(TooLargeError, match="aggregate"):
        to_svg(big_trace(MAX_NODES + 1))
    by_module = aggregate(big_trace(MAX_NODES + 1), "module")
    assert len(build_model(by_module).nodes) == 8
    ET.fromstring(to_svg(by_module))
    assert b"<svg" in to_svg(big_trace(MAX_NODES - 1), rankdir="LR")


def test_html_is_offline_and_searchable():
    page = to_html(*fixture_trace())
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2 and '<input id="q"' in page
    assert not re.search(r"""(src|href)=["']https?:""", page)
    assert "addEventListener('wheel'" in page
    assert "<?xml" not in page


def test_live_fixture_trace_renders(proj: api.Workspace):
    t = api.trace(proj, "create_thing")
    where = definition_sites(proj.program, t)
    dot = to_dot(t, where)
    for name in ("ThingController.create", "WorkerManager.build_thing", "FakeDriver.make", "cluster_proj_worker"):
        assert name in dot
    assert where["proj.worker.manager.WorkerManager.build_thing"].startswith("proj/worker/manager.py:")
    assert replace(t, sources=()).entry == t.entry
