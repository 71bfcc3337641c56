"""Report, chain by chain, which reference hops the graph reproduces (a development aid, not a test).

Run:  python scripts/check_chains.py [tests/data/seed_paths.json] [-s nova==19.0.0 -s cinder==14.0.0]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracer import api


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference", nargs="?", default=str(Path(__file__).parent.parent / "tests/data/seed_paths.json"))
    parser.add_argument("-s", "--source", action="append", default=None)
    opts = parser.parse_args()
    ws = api.load(opts.source or ["nova==19.0.0", "cinder==14.0.0"])
    chains = json.loads(Path(opts.reference).read_text())["chains"]
    total = ok = 0
    for chain in chains:
        missing = []
        for hop in chain["hops"]:
            sites = {hop["site"], hop.get("site_expr_start", hop["site"])}
            callers = ws.program.functions.get(hop["caller"])
            found = callers is not None and any(
                e.target == hop["callee"] and e.kind == hop["kind"] and e.site in sites for e in ws.linker.edges(hop["caller"])
            )
            if not found:
                kinds = sorted({e.kind for e in ws.linker.edges(hop["caller"]) if e.target == hop["callee"]}) if callers else "no caller"
                missing.append(f"  step {hop['step']:>2} {hop['kind']:<9} {hop['caller']} -> {hop['callee']} @ {hop['site']} (have: {kinds})")
        total += len(chain["hops"])
        ok += len(chain["hops"]) - len(missing)
        print(f"{chain['id']}: {len(chain['hops']) - len(missing)}/{len(chain['hops'])}")
        print("\n".join(missing))
    print(f"TOTAL {ok}/{total}")


if __name__ == "__main__":
    main()
