"""For every reference hop the graph misses, what the linker says at its site (a development aid).

Run:  python scripts/chain_gaps.py tests/data/chains_zun.json -s zun==18.0.0

Prints, per missing hop, the edges the caller does make at that line (other targets or kinds) and
the unresolved calls recorded there with their reason (untyped-receiver, rpc-unbound, ...).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracer import api


def at_site(ws, hop: dict) -> list[str]:
    fq = hop["caller"]
    if fq not in ws.program.functions:
        return ["caller is not a node of the graph"]
    lines = {int(s.rpartition(":")[2]) for s in (hop["site"], hop.get("site_expr_start", hop["site"]))}
    edges, unresolved = ws.linker.resolve(fq)
    out = [f"edge {e.kind} -> {e.target}" for e in edges if e.line in lines]
    out += [f"unresolved {u.reason}: {u.expr}" + (f" {dict(u.detail)}" if u.detail else "") for u in unresolved if u.line in lines]
    return out or ["nothing recorded at this line"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("-s", "--source", action="append", required=True)
    opts = parser.parse_args()
    ws = api.load(opts.source)
    for chain in json.loads(Path(opts.reference).read_text())["chains"]:
        for hop in chain["hops"]:
            sites = {hop["site"], hop.get("site_expr_start", hop["site"])}
            if any(e.target == hop["callee"] and e.kind == hop["kind"] and e.site in sites for e in ws.linker.edges(hop["caller"])):
                continue
            print(f"{chain['id']} step {hop['step']} {hop['kind']} {hop['caller']} -> {hop['callee']} @ {hop['site']}")
            for line in at_site(ws, hop):
                print(f"    {line}")


if __name__ == "__main__":
    main()
