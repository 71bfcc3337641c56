"""The five training services (newest releases): their reference chains, hop by hop, as a ratchet.

``tests/data/chains_<service>.json`` (written and checked with ``scripts/verify_oracle.py``; the gap
analysis is ``docs/training.md``) hold 3 chains each.  Every hop not listed in ``GRAPH_GAPS`` must be an
edge of the graph, and every hop not in ``TRACE_GAPS`` must be in the default trace of the chain's entry
(its REST route, else its controller), with the chain's ``drivers`` when it names some.  A listed hop that starts to pass fails the test too: take it off
the list.  Nothing here names a project in the tool; these are the hops it does not find yet.
Marked ``real``: each release is fetched once with pip and cached.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracer import api
from tracer.graph.entry import EntryError
from tracer.graph.records import TraceOptions

pytestmark = pytest.mark.real

HERE = Path(__file__).parent
SERVICES = {"masakari": "masakari==22.0.0", "zun": "zun==18.0.0", "heat": "openstack-heat==27.0.1",
            "senlin": "senlin==16.0.0", "blazar": "blazar==18.0.0"}
CHAINS = {c["id"]: (name, c) for name in SERVICES
          for c in json.loads((HERE / "data" / f"chains_{name}.json").read_text())["chains"]}

# reference steps the graph does not have yet (the patterns behind them: docs/training.md); a chain not
# listed has none
GRAPH_GAPS: dict[str, list[int]] = {}
# reference steps the default trace of the entry does not show yet; a chain not listed shows them all
TRACE_GAPS: dict[str, list[int]] = {}


def test_the_gap_lists_name_reference_chains():
    assert set(GRAPH_GAPS) | set(TRACE_GAPS) <= set(CHAINS)


@pytest.fixture(scope="module")
def workspaces(real_cache):
    loaded: dict = {}

    def get(name: str) -> api.Workspace:
        if name not in loaded:
            loaded[name] = api.load([SERVICES[name]], cache_dir=real_cache)
        return loaded[name]

    return get


def _sites(hop: dict) -> set[str]:
    return {hop["site"], hop.get("site_expr_start", hop["site"])}


@pytest.mark.parametrize("chain_id", sorted(CHAINS))
def test_reference_hops_are_graph_edges(workspaces, chain_id):
    name, chain = CHAINS[chain_id]
    ws = workspaces(name)
    missing = []
    for hop in chain["hops"]:
        edges = ws.linker.edges(hop["caller"]) if hop["caller"] in ws.program.functions else ()
        if not any(e.target == hop["callee"] and e.kind == hop["kind"] and e.site in _sites(hop) for e in edges):
            missing.append(hop["step"])
    assert missing == GRAPH_GAPS.get(chain_id, [])


@pytest.mark.parametrize("chain_id", sorted(CHAINS))
def test_reference_hops_are_in_the_default_trace(workspaces, chain_id):
    name, chain = CHAINS[chain_id]
    ws = workspaces(name)
    e = chain["entry"]
    entry = f"{e['http_method']} {e['path']} {e.get('action', '')}".strip() if "http_method" in e else e["controller"]
    # a chain whose plugin is chosen by data (heat's template, senlin's profile) says it as a user would:
    # ``--driver nova``; the others trace with no option at all
    options = TraceOptions(drivers=tuple(chain.get("drivers", ())))
    try:
        t = api.trace(ws, entry, options)
    except EntryError:  # no route the tool learned answers the entry yet: from its controller
        t = api.trace(ws, e["controller"], options)
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    missing = [h["step"] for h in chain["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in got for s in _sites(h))]
    assert missing == TRACE_GAPS.get(chain_id, [])


def test_the_graph_is_the_same_whatever_the_hash_seed(real_cache, tmp_path):
    """Linked afresh under two hash seeds, heat's graph is the same bytes.  Heat has nested cycles (a
    parameter fed by callers whose own values go through the same functions) where the order in which
    the interpreter met a set's values once decided which answer a cycle kept."""
    import os
    import subprocess
    import sys

    runs = {}
    for seed in ("1", "7"):
        out = tmp_path / f"heat-{seed}.json"
        runs[seed] = (out, subprocess.Popen(
            [sys.executable, "-m", "tracer.cli", "export", "-s", SERVICES["heat"], "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=dict(os.environ, TRACER_CACHE_DIR=str(real_cache), TRACER_LINKED_CACHE="0", PYTHONHASHSEED=seed)))
    for out, proc in runs.values():
        assert proc.wait() == 0, proc.stderr.read().decode()[-2000:]
    first, second = (out.read_bytes() for out, _ in runs.values())
    assert first == second and b'"edges"' in first
