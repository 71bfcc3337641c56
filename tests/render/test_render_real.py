"""Diagrams of the real Stein cinder volume creation (nova 19.0.0 + cinder 14.0.0): structure, not pixels."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tracer import api
from tracer.graph.records import Trace, TraceOptions
from tracer.render import TooLargeError, aggregate, build_model, definition_sites, render

pytestmark = pytest.mark.real

SVG = "{http://www.w3.org/2000/svg}"
# Graphviz writes the DOT colour names as hex: grey55, magenta3, blue3, green4, darkorange2
STROKE = {"call": "#8c8c8c", "rpc-cast": "#cd00cd", "rpc-call": "#0000cd", "flow-task": "#008b00",
          "driver": "#ee7600"}


@pytest.fixture(scope="module")
def create_volume(stein: api.Workspace) -> Trace:
    return api.trace(stein, "create_volume", TraceOptions(drivers=("rbd",)))


@pytest.fixture(scope="module")
def svg_root(stein: api.Workspace, create_volume: Trace) -> ET.Element:
    return ET.fromstring(render(create_volume, "svg", definition_sites(stein.program, create_volume)))


def groups(root: ET.Element, cls: str) -> dict[str, ET.Element]:
    return {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == cls}


def test_one_cluster_per_service(svg_root, create_volume):
    clusters = groups(svg_root, "cluster")
    for service in ("cinder-api", "cinder-scheduler", "cinder-volume"):
        assert f"cluster_{service.replace('-', '_')}" in clusters
    assert len(clusters) == len(create_volume.services()) + 1  # and the legend


def test_nodes_carry_qualified_names_and_sites(svg_root, create_volume):
    nodes = groups(svg_root, "node")
    manager = nodes["cinder.volume.manager.VolumeManager.create_volume"]
    assert "VolumeManager.create_volume" in "".join(manager.itertext())
    assert "cinder/volume/manager.py:" in "".join(manager.itertext())
    assert "cinder.volume.drivers.rbd.RBDDriver.create_volume" in nodes
    assert set(build_model(create_volume).index) <= set(nodes)


def test_edge_styles_by_kind(svg_root, create_volume):
    edges = groups(svg_root, "edge")
    model = build_model(create_volume)
    kinds = {e.kind for e in model.edges}
    assert {"call", "rpc-cast", "flow-task", "driver"} <= kinds
    for kind in kinds & set(STROKE):
        e = next(e for e in model.edges if e.kind == kind)
        path = edges[f"{e.source}->{e.target}"].find(f".//{SVG}path")
        assert path.get("stroke") == STROKE[kind], kind
    cast = edges["cinder.scheduler.rpcapi.SchedulerAPI.create_volume->"
                 "cinder.scheduler.manager.SchedulerManager.create_volume"]
    assert cast.find(f".//{SVG}path").get("stroke-dasharray")
    assert "cast create_volume" in " ".join("".join(cast.itertext()).split())  # one line or two


def test_svg_is_byte_identical_across_renders(create_volume):
    assert render(create_volume, "svg") == render(create_volume, "svg")


def test_full_view_is_too_large_but_draws_by_class(stein):
    full = api.trace(stein, "create_volume", TraceOptions(full=True, drivers=("rbd",)))
    with pytest.raises(TooLargeError):
        render(full, "svg")
    by_class = aggregate(full, "class")
    root = ET.fromstring(render(by_class, "svg", definition_sites(stein.program, by_class)))
    assert "cinder.volume.manager.VolumeManager" in groups(root, "node")


def test_sequence_follows_the_services(create_volume):
    text = render(create_volume, "sequence")
    lines = text.splitlines()
    participants = [l.split()[1] for l in lines if l.startswith("  participant")]
    assert participants[:3] == ["cinder_api", "cinder_scheduler", "cinder_volume"]
    assert "  cinder_api-)cinder_scheduler: cast create_volume" in lines
    assert "  cinder_scheduler-)cinder_volume: cast create_volume" in lines
    assert lines.index("  cinder_api-)cinder_scheduler: cast create_volume") < lines.index(
        "  cinder_scheduler-)cinder_volume: cast create_volume")


# -- text of every reference chain, SVG labels, Graphviz routing, sequence fragments ---------------------

import io  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from tests.chains import NEWEST, STEIN, entry_of, options_for  # noqa: E402
from tracer.graph.records import short_name  # noqa: E402
from tracer.render.dot import to_dot  # noqa: E402
from tracer.render.terminal import make_console  # noqa: E402
from tracer.render.text import print_trace, trace_lines  # noqa: E402


def check_text(ws: api.Workspace, chain: dict, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    t = api.trace(ws, entry_of(chain), options_for(chain))
    out = io.StringIO()
    print_trace(t, make_console(out))
    lines = out.getvalue().splitlines()
    assert "\x1b[" not in out.getvalue()
    assert lines == [line.plain for line in trace_lines(t, width=80)]  # what the renderer made, whole
    assert max(map(len, lines)) > 80
    for hop in chain["hops"]:
        line_no = ":" + hop["site"].rsplit(":", 1)[1]
        external = " " in hop["callee"]  # "placement-api GET /allocation_candidates": its header says it
        name = hop["callee"].split(" ", 1)[1] if external else short_name(hop["callee"])
        named = [line for line in lines if name in line]
        assert any(line_no in line for line in named), (hop["step"], hop["callee"], hop["site"])


@pytest.mark.parametrize("chain_id", sorted(STEIN))
def test_text_of_each_stein_chain_is_whole_and_names_every_hop(stein, chain_id, monkeypatch):
    check_text(stein, STEIN[chain_id], monkeypatch)


@pytest.mark.parametrize("chain_id", sorted(NEWEST))
def test_text_of_each_newest_chain_is_whole_and_names_every_hop(newest, chain_id, monkeypatch):
    check_text(newest, NEWEST[chain_id], monkeypatch)


def test_rest_edges_say_the_request(stein):
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments", TraceOptions(drivers=("libvirt",)))
    root = ET.fromstring(render(t, "svg", api.definition_sites(stein, t)))
    edges = groups(root, "edge")
    put = next(g for title, g in edges.items() if title.endswith("->cinder.api.v3.attachments.AttachmentsController.update"))
    assert "PUT /v3/{project_id}/attachments/{id}" in " ".join("".join(put.itertext()).split())
    mermaid = render(t, "mermaid")
    assert '"POST /v3/{project_id}/attachments/{id}/action os-complete"' in mermaid
    assert "REST" not in {e.label for e in build_model(t).edges}


def test_svg_edges_carry_their_branch(svg_root):
    edges = groups(svg_root, "edge")
    snap = edges["cinder.volume.flows.manager.create_volume.CreateVolumeFromSpecTask.execute->"
                 "cinder.volume.flows.manager.create_volume.CreateVolumeFromSpecTask._create_from_snapshot"]
    assert "elif create_type == 'snap'" in "".join(snap.itertext())


def test_graphviz_routes_every_edge_of_create_volume(stein):
    """Stein create_volume (default LVM driver) made Graphviz print 'triangulation failed'."""
    t = api.trace(stein, "create_volume", TraceOptions())
    drawn = subprocess.run([sys.executable, "-c", "import sys, pygraphviz; "
                            "pygraphviz.AGraph(string=sys.stdin.read()).draw(format='svg', prog='dot')"],
                           input=to_dot(t), capture_output=True, text=True, check=True)
    assert "triangulation" not in drawn.stderr and "triangle path" not in drawn.stderr


def test_sequence_draws_the_create_type_dispatch_as_alternatives(create_volume):
    lines = [line.strip() for line in render(create_volume, "sequence").splitlines()]
    alt = lines.index("alt create_type == 'raw'")
    assert lines[alt + 2: alt + 5] == ["else create_type == 'snap'", "Note over cinder_volume: driver RBDDriver.create_volume_from_snapshot",
                                       "else create_type == 'source_vol'"]
    assert lines.count("end") == sum(line.split(" ", 1)[0] in ("alt", "opt", "loop", "break") for line in lines)
    svg = ET.fromstring(render(create_volume, "sequence-svg"))
    frames = [r for r in svg.iter(f"{SVG}rect") if (r.get("class") or "").startswith("fragment")]
    assert {"fragment alt", "fragment opt"} <= {r.get("class") for r in frames}
    tabs = ["".join(g.itertext()) for g in svg.iter(f"{SVG}g") if g.get("class") == "fragment-label"]
    assert "alt[create_type == 'raw']" in tabs


def test_main_sequence_of_the_attach_reads_like_novas_diagram(stein):
    t = api.trace(stein, "POST /servers/{server_id}/os-volume_attachments", TraceOptions(drivers=("libvirt",), main=True))
    text = render(t, "sequence")
    assert re.search(r"alt min_compute_version #gt;= CINDER_V3_ATTACH_MIN_COMPUTE_VERSION\n\s+nova_api->>cinder_api: "
                     r"POST /v3/\{project_id\}/attachments\n", text)
    assert re.search(r"\n\s+else not min_compute_version .*\n\s+nova_api->>cinder_api: POST /v3/\{project_id\}/volumes/"
                     r"\{id\}/action os-reserve\n", text)
    assert "nova_compute->>cinder_api: PUT /v3/{project_id}/attachments/{id}" in text
    assert "VolumeController.create" not in text and "POST /v3/{project_id}/volumes\n" not in text


# -- what a view left out, in every diagram ------------------------------------------------------------

ATTACH = "POST /servers/{server_id}/os-volume_attachments"


def test_attach_spine_diagrams_say_what_was_folded_as_the_json_does(stein):
    """nova's attach as ``--view hops --main``: every fold of the JSON is a note in the SVG, the Mermaid
    flowchart and both sequence diagrams, with its count, on the service of the hop it was folded under."""
    t = api.trace(stein, ATTACH, TraceOptions(hops=True, main=True))
    folded = [f for f in api.trace_json(t)["folded"] if f["reason"] != "same"]
    assert {f["reason"] for f in folded} == {"branch", "receiver"}
    counts = sorted(f["hops"] for f in folded)
    total = f"folded {sum(f['hops'] for f in api.trace_json(t)['folded'])} hops: "
    where = definition_sites(stein.program, t)

    svg = ET.fromstring(render(t, "svg", where))
    nodes = groups(svg, "node")
    notes = {title: " ".join(e.text for e in g.iter(f"{SVG}text")) for title, g in nodes.items()
             if title.startswith("fold:")}
    assert sorted(int(text.split()[1]) for text in notes.values()) == counts
    assert notes["fold:6:receiver"].startswith("⋯ 6 hops through other possible receivers: ")
    ties = [title for title in groups(svg, "edge") if "->fold:" in title]
    assert len(ties) == len(folded)
    assert total in " ".join(e.text or "" for e in nodes["legend:folded"].iter(f"{SVG}text"))

    flowchart = render(t, "mermaid", where)
    assert sorted(int(n) for n in re.findall(r'\["⋯ (\d+) ', flowchart)) == counts
    assert flowchart.count(" -.- fold_") == len(folded) and f"%% {total}" in flowchart

    for sequence in (render(t, "sequence"), render(t, "sequence-svg").decode()):
        assert sorted(int(n) for n in re.findall(r"⋯ (\d+) (?:hops|more|again)", sequence)) == counts
        assert total in sequence
    lines = render(t, "sequence").splitlines()
    assert "  Note over nova_compute: ⋯ 6 hops through other possible receivers:<br/>" \
           "DriverVolBlankBlockDevice.attach<br/>DriverVolImageBlockDevice.attach<br/>" \
           "DriverVolSnapshotBlockDevice.attach" in lines
    entry_fold = next(f for f in folded if f["step"] == 0)
    assert lines.index("  nova_api-->>client: response") - 1 == next(  # the entry's own fold, last
        i for i, line in enumerate(lines) if f"⋯ {entry_fold['hops']} hops only under a branch:" in line)
