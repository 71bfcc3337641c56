"""The reference chains (tests/data) as the real-tree tests trace them: entry, options, reference hops."""
from __future__ import annotations

import json
from pathlib import Path

from tracer.graph.records import Trace, TraceOptions

DATA = Path(__file__).parent / "data"
# the legacy attach runs in the except handler of attachment_create, the reschedule in the handler of
# RescheduledException: error paths, traced with --errors (as scripts/check_chains.py does)
ERROR_PATHS = frozenset({"nova-attach-volume-legacy", "nova-boot-reschedule-build-instances"})
HOP_KINDS = frozenset({"rpc-cast", "rpc-call", "rest", "flow-task", "driver"})


def chains(name: str) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads((DATA / name).read_text())["chains"]}


STEIN = chains("seed_paths.json")
NEWEST = chains("chains_newest.json")


def entry_of(chain: dict) -> str:
    """The chain's REST entry as typed on the command line, or its controller for an internal entry."""
    e = chain["entry"]
    if "http_method" not in e:
        return e["controller"]
    return f"{e['http_method']} {e['path']} {e.get('action', '')}".strip()


def options_for(chain: dict, **more) -> TraceOptions:
    return TraceOptions(drivers=("libvirt", "rbd"), errors=chain["id"] in ERROR_PATHS, **more)


def sites(hop: dict) -> set[str]:
    return {hop["site"], hop.get("site_expr_start", hop["site"])}


def held(t: Trace, chain: dict, kinds: frozenset[str] = HOP_KINDS) -> tuple[list[dict], list[dict]]:
    """The chain's reference hops of ``kinds`` the trace holds, and those it misses.

    A hop is held when the trace has it (callee and call site; the site names the caller), or when a
    view drew it on the line of an identical sibling or of hops drawn earlier (``same``/``seen`` folds).
    """
    got = {(h.callee, h.site) for h in t.hops}
    for f in t.folded:
        if f.reason == "seen":
            got |= set(zip(f.names, f.sites))
        if f.reason == "same":
            got |= {(t.hops[f.step - 1].callee, s) for s in f.sites}
    wanted = [h for h in chain["hops"] if h["kind"] in kinds]
    found = [h for h in wanted if any((h["callee"], s) in got for s in sites(h))]
    return found, [h for h in wanted if h not in found]
