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
