"""The command line: exit codes and messages for bad input, determinism, the cache."""
from __future__ import annotations

import json
import marshal

from typer.testing import CliRunner

from tests.conftest import FIXTURE
from tracer import api
from tracer.cli import app
from tracer import envelope
from tracer.facts.cache import FactCache

runner = CliRunner()


def run(*args: str, cache) -> object:
    return runner.invoke(app, list(args), env={"TRACER_CACHE_DIR": str(cache)})


def test_trace_text_names_every_hop(tmp_path):
    result = run("trace", "create_thing", "-s", str(FIXTURE), cache=tmp_path)
    assert result.exit_code == 0, result.output
    for name in ("ThingController.create", "WorkerAPI.build_thing", "WorkerManager.build_thing", "MakeTask.execute",
                 "FakeDriver.make", "proj-worker"):
        assert name in result.output


def test_ambiguous_entry_lists_candidates_and_fails(tmp_path):
    result = run("trace", "make", "-s", str(FIXTURE), cache=tmp_path)
    assert result.exit_code == 2
    assert "ambiguous" in result.output
    assert "proj.drivers.fake.FakeDriver.make" in result.output
    assert "proj.drivers.other.OtherDriver.make" in result.output


def test_unknown_entry(tmp_path):
    result = run("trace", "no_such_thing_at_all", "-s", str(FIXTURE), cache=tmp_path)
    assert result.exit_code == 2
    assert "no function, route or operation matches" in result.output


def test_missing_path_is_a_clear_error(tmp_path):
    result = run("trace", "x", "-s", str(tmp_path / "nowhere"), cache=tmp_path)
    assert result.exit_code == 2
    assert "nowhere" in result.output
    assert "Traceback" not in result.output


def test_export_shape_and_byte_identical(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run("export", "-s", str(FIXTURE), "-o", str(a), cache=tmp_path / "c1").exit_code == 0
    assert run("export", "-s", str(FIXTURE), "-o", str(b), cache=tmp_path / "c2").exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    data = json.loads(a.read_text())
    assert data["schema"] == "tracer-graph/1"
    assert data["sources"][0]["project"] == "proj"
    node = next(n for n in data["nodes"] if n["id"] == "proj.worker.manager.WorkerManager.build_thing")
    assert node == {"id": node["id"], "kind": "method", "project": "proj", "file": "proj/worker/manager.py",
                    "line": node["line"]}
    kinds = {e["kind"] for e in data["edges"]}
    assert {"call", "rpc-cast", "rpc-call", "flow-task", "driver"} <= kinds
    assert all({"source", "target", "kind", "site", "confidence"} <= set(e) for e in data["edges"])


def test_trace_json_is_byte_identical(tmp_path):
    first = run("trace", "create_thing", "-s", str(FIXTURE), "-f", "json", cache=tmp_path)
    second = run("trace", "create_thing", "-s", str(FIXTURE), "-f", "json", cache=tmp_path)
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["schema"] == "tracer-trace/1"


def test_index_summary_reports_skips(tmp_path):
    result = run("index", "-s", str(FIXTURE), cache=tmp_path)
    assert result.exit_code == 0, result.output
    assert "skipped 1" in result.output and "syntax" in result.output
    assert "proj/legacy.py" in result.output


def _entry_for(cache_dir, module_path: str):
    fc = FactCache(cache_dir)
    for entry in fc.dir.rglob("*"):
        if entry.is_file() and f"{module_path} ".encode() in entry.read_bytes().partition(b"\n")[0]:
            return entry
    raise AssertionError(module_path)


def test_second_run_reads_the_cache(tmp_path):
    first = api.load([str(FIXTURE)], cache_dir=tmp_path)
    assert first.report.scanned > 0
    # tamper: rename a function inside the cached facts; a cache hit must show the change
    # (re-sealed as the cache itself would write it: an entry that fails its checksum is never used)
    entry = _entry_for(tmp_path, "proj/image.py")
    made_from = entry.read_bytes().partition(b"\n")[0].split(b"\0")[1].decode()
    blob = marshal.loads(envelope.unseal(entry.read_bytes(), "facts", made_from))
    text = repr(blob).replace("'API.get'", "'API.fetched_from_cache'")
    envelope.write_sealed(entry, "facts", made_from, marshal.dumps(eval(text)))  # noqa: S307 - our own test data
    second = api.load([str(FIXTURE)], cache_dir=tmp_path)
    assert second.report.scanned == 0
    assert "proj.image.API.fetched_from_cache" in second.program.functions


def test_corrupt_cache_entry_is_rebuilt(tmp_path):
    api.load([str(FIXTURE)], cache_dir=tmp_path)
    entry = _entry_for(tmp_path, "proj/image.py")
    entry.write_bytes(b"\x00garbage")
    again = api.load([str(FIXTURE)], cache_dir=tmp_path)
    assert again.report.scanned == 1 and again.report.corrupt == 1
    assert "proj.image.API.get" in again.program.functions


def test_listings(tmp_path):
    rpc = run("rpc", "-s", str(FIXTURE), "-f", "json", cache=tmp_path)
    assert rpc.exit_code == 0, rpc.output
    rows = json.loads(rpc.stdout)
    bound = {(r["client"].rsplit(".", 1)[-1], r["verb"], r["method"], r["server"]) for r in rows}
    assert ("build_thing", "cast", "build_thing", "proj.worker.manager.WorkerManager.build_thing") in bound
    assert ("failover", "cast", "failover_host", "proj.worker.manager.WorkerManager.failover") in bound
    flows = json.loads(run("flows", "-s", str(FIXTURE), "-f", "json", cache=tmp_path).stdout)
    assert [t["task"].rsplit(".", 1)[-1] for t in flows[0]["tasks"]] == ["PrepareTask", "MakeTask", "FinishTask"]
    routes = run("routes", "-s", str(FIXTURE), cache=tmp_path)
    assert "POST  /things  -  proj.api.things.ThingController.create" in routes.stdout


def test_trace_diagram_formats(tmp_path):
    import xml.etree.ElementTree as ET

    svg = tmp_path / "t.svg"
    result = run("trace", "create_thing", "-s", str(FIXTURE), "-f", "svg", "-o", str(svg), cache=tmp_path)
    assert result.exit_code == 0, result.output
    root = ET.fromstring(svg.read_bytes())
    assert root.tag.endswith("svg")
    assert "proj-worker" in "".join(root.itertext())  # one box per service
    mermaid = run("trace", "create_thing", "-s", str(FIXTURE), "-f", "mermaid", cache=tmp_path)
    assert mermaid.stdout.splitlines()[1].startswith("flowchart")
    again = run("trace", "create_thing", "-s", str(FIXTURE), "-f", "mermaid", cache=tmp_path)
    assert mermaid.stdout == again.stdout


def test_export_graphml_is_the_json_graph_through_networkx(tmp_path):
    import networkx as nx

    out_json, out_xml = tmp_path / "g.json", tmp_path / "g.graphml"
    assert run("export", "-s", str(FIXTURE), "-o", str(out_json), cache=tmp_path / "c").exit_code == 0
    result = run("export", "-s", str(FIXTURE), "-f", "graphml", "-o", str(out_xml), cache=tmp_path / "c")
    assert result.exit_code == 0, result.output
    data = json.loads(out_json.read_text())
    g = nx.read_graphml(out_xml, force_multigraph=True)
    assert set(g.nodes) == {n["id"] for n in data["nodes"]}
    assert g.number_of_edges() == len(data["edges"])
    rpc = [e for e in data["edges"] if e["kind"].startswith("rpc-")][0]
    assert any(a["kind"] == rpc["kind"] and a["topic"] == rpc["topic"]
               for a in g.get_edge_data(rpc["source"], rpc["target"]).values())
    again = tmp_path / "again.graphml"
    run("export", "-s", str(FIXTURE), "-f", "graphml", "-o", str(again), cache=tmp_path / "c")
    assert again.read_bytes() == out_xml.read_bytes()


def test_api_graph_is_a_networkx_multidigraph(proj):
    g = api.graph(proj)
    assert g.is_multigraph() and g.is_directed()
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert {"call", "rpc-cast", "flow-task", "driver", "route"} <= kinds
