"""Report, chain by chain, which reference hops the graph reproduces (a development aid, not a test).

Run:  python scripts/check_chains.py [tests/data/seed_paths.json] [-s nova==19.0.0 -s cinder==14.0.0] [--trace]

With ``--trace`` it also traces each chain from its entry (the HTTP route, or the
controller for an internal entry) with the chain's ``drivers`` (default ``--driver libvirt --driver rbd``) and
reports which hops the default (skeleton) trace holds.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tracer import api
from tracer.graph.entry import EntryError
from tracer.graph.records import TraceOptions


ERROR_PATHS = {"nova-attach-volume-legacy", "nova-boot-reschedule-build-instances"}


def entry_of(chain: dict) -> str:
    """The chain's REST entry as typed on the command line, or its controller for an internal entry."""
    e = chain["entry"]
    if "http_method" not in e:
        return e["controller"]
    return f"{e['http_method']} {e['path']} {e.get('action', '')}".strip()


def trace_report(ws, chain: dict) -> tuple[int, list[str], int]:
    # the legacy attach runs in the except handler of attachment_create (CinderAPIVersionNotAvailable);
    # the reschedule starts in the handler of RescheduledException: both are error paths
    errors = chain["id"] in ERROR_PATHS
    options = TraceOptions(drivers=tuple(chain.get("drivers", ("libvirt", "rbd"))), errors=errors)
    try:
        t = api.trace(ws, entry_of(chain), options)
    except EntryError as exc:  # no indexed route answers the entry: say so, trace from the controller
        print(f"  entry {entry_of(chain)!r}: {exc}; traced from {chain['entry']['controller']}")
        t = api.trace(ws, chain["entry"]["controller"], options)
    got = {(h.caller, h.callee, h.kind, h.site) for h in t.hops}
    missing = [f"  step {h['step']:>2} {h['kind']:<9} {h['caller']} -> {h['callee']} @ {h['site']}"
               for h in chain["hops"]
               if not any((h["caller"], h["callee"], h["kind"], s) in got
                          for s in {h["site"], h.get("site_expr_start", h["site"])})]
    return len(chain["hops"]) - len(missing), missing, len(t.hops)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference", nargs="?", default=str(Path(__file__).parent.parent / "tests/data/seed_paths.json"))
    parser.add_argument("-s", "--source", action="append", default=None)
    parser.add_argument("--trace", action="store_true", help="also check each chain's trace from its entry")
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
    if opts.trace:
        in_trace = 0
        for chain in chains:
            found, missing, size = trace_report(ws, chain)
            in_trace += found
            print(f"trace {chain['id']}: {found}/{len(chain['hops'])} hops in a {size}-hop skeleton")
            print("\n".join(missing))
        print(f"TRACE TOTAL {in_trace}/{total}")


if __name__ == "__main__":
    main()
