"""Hold the tool's rpc/flows/routes tables beside the independent count of scripts/count_surface.py, site by site.

Run:  python scripts/surface_compare.py SPEC [SPEC...] [--markdown]   (SPEC: masakari==22.0.0)

For each service: RPC send sites the count found (direct ``.cast``/``.call`` and calls of wrappers) and
whether ``tracer rpc`` lists the same file:line bound, or why not; flow builders and whether the tool
found their tasks and a runner; routes the tool learned.  The count reads the unpacked tree with the
standard library's ast only (never imports it); the tool side is ``tracer.api``.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import count_surface  # noqa: E402

from tracer import api  # noqa: E402


def rpc_rows(ws) -> dict[str, list[dict]]:
    by_site: dict[str, list[dict]] = collections.defaultdict(list)
    for row in api.rpc_table(ws):
        by_site[row["site"]].append(row)
    return by_site


def compare_rpc(ws, mods) -> dict:
    counted = count_surface.rpc_sites(mods)
    sites = {f"{rel}:{line}": q for rel, line, q, *_ in counted["direct"] + counted["wrapper_sites"]}
    tool = rpc_rows(ws)
    out = {"counted": len(sites), "tool_sites": len(tool), "bound": 0, "reasons": collections.Counter(),
           "not_listed": [], "only_tool": []}
    for site in sorted(tool):
        rows = tool[site]
        if any(r.get("server") for r in rows):
            out["bound"] += 1
        else:
            out["reasons"][rows[0].get("unresolved")] += 1
    for site, q in sorted(sites.items()):
        if site not in tool:
            out["not_listed"].append(f"{site} {q}: {_why_not(ws, site, q)}")
    out["only_tool"] = [s for s in sorted(tool) if s not in sites]
    return out


def _why_not(ws, site: str, q: str) -> str:
    """What the linker says at a counted site it does not list as an RPC send."""
    path, line = site.rsplit(":", 1)
    fq = next((fq for fq, fn in ws.program.functions.items() if fn.path == path and fq.endswith("." + q)), None)
    if fq is None:
        return "not a function of the tree"
    edges, unresolved = ws.linker.resolve(fq)
    here = [e for e in edges if e.line == int(line)]
    missing = [u for u in unresolved if u.line == int(line)]
    if missing:
        return "; ".join(f"{u.reason} {u.expr}" for u in missing)
    for e in here:  # a wrapper that sends what this call hands it: the send is at the wrapper's own site
        relayed = [r for r in ws.linker.edges(e.target) if r.kind.startswith("rpc") and fq in dict(r.meta).get("passed_by", ())]
        if relayed:
            return f"sent at the wrapper's own site {relayed[0].site} ({relayed[0].kind} {dict(relayed[0].meta)['method']}, passed_by this caller)"
    if here:
        return "not an RPC send: " + ", ".join(sorted({f"{e.kind} {e.target}" for e in here}))[:200]
    return "no edge, nothing unresolved (a library call)"


def compare_flows(ws, mods) -> dict:
    counted = count_surface.flows(mods)
    table = api.flow_table(ws)
    runners = _runners(ws)
    return {"builders": len(counted["builders"]), "runners_counted": len(counted["runners"]),
            "flows": len(table), "with_tasks": sum(1 for f in table if f["tasks"]),
            "with_runner": sum(1 for f in table if runners.get(f["flow"])),
            "no_runner": [f["flow"] for f in table if not runners.get(f["flow"])]}


def _runners(ws) -> dict[str, set[str]]:
    out: dict[str, set[str]] = collections.defaultdict(set)
    for fq in ws.program.functions:
        for e in ws.linker.edges(fq):
            if e.kind == "flow-task":
                out[dict(e.meta)["flow"]].add(fq)
    return out


def compare_routes(ws, mods) -> dict:
    counted = count_surface.routes(mods)
    return {"counted": {k: len(v) for k, v in sorted(counted.items())}, "tool": len(api.route_table(ws))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("specs", nargs="+")
    opts = parser.parse_args()
    for spec in opts.specs:
        ws = api.load([spec])
        tree = next(t for t in ws.trees if t.project == spec.split("==")[0])
        package = spec.split("==")[0].removeprefix("openstack-")
        mods = count_surface.modules(tree.root, package)
        rpc, flows, routes = compare_rpc(ws, mods), compare_flows(ws, mods), compare_routes(ws, mods)
        print(f"== {spec}")
        print(f"rpc: counted {rpc['counted']} sites; tool lists {rpc['tool_sites']}, {rpc['bound']} bound, "
              f"unresolved {dict(rpc['reasons'])}")
        for line in rpc["not_listed"]:
            print(f"  counted, not listed: {line}")
        for line in rpc["only_tool"]:
            print(f"  listed, not counted: {line}")
        print(f"flows: counted {flows['builders']} builders, {flows['runners_counted']} runners; tool {flows['flows']} "
              f"flows, {flows['with_tasks']} with tasks, {flows['with_runner']} with a runner {flows['no_runner'] or ''}")
        print(f"routes: counted {routes['counted']}; tool {routes['tool']}")


if __name__ == "__main__":
    main()
