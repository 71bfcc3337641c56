"""diff: a flow diffed between two releases, hop by hop (``FlowDiff``).

Stage: diff.  Reads ``Trace`` records and the diff passes; must not import libcst, networkx, the linker,
render or ``tracer.api`` (``tracer.api.diff`` traces each side and hands the traces here).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tracer.diff.changes import TYPES, Change
from tracer.diff.classify import classify
from tracer.diff.match import Reach, Shape, match
from tracer.diff.steps import build_side
from tracer.diff.surface import flow_changes, route_changes, rpc_changes
from tracer.graph.records import Trace

DIFF_SCHEMA = "tracer-diff/1"
SURFACES = {"rpc": rpc_changes, "routes": route_changes, "flows": flow_changes}


@dataclass(frozen=True, slots=True)
class SideInfo:
    """What one side is: its sources and what the entry resolved to there."""

    sources: tuple  # (project, version, origin)
    entry: str = ""  # qualified name
    label: str = ""  # ``POST /v3/{project_id}/volumes``
    service: str = ""

    def as_dict(self) -> dict:
        out: dict = {"sources": [{"project": p, "version": v, "origin": o} for p, v, o in self.sources]}
        if self.entry:
            out["entry"] = {"id": self.entry, "label": self.label, "service": self.service}
        return out

    def release(self) -> str:
        """``nova 19.0.0, cinder 14.0.0`` (client libraries left out)."""
        main = [f"{p} {v}" for p, v, _ in self.sources if not p.startswith("python-")]
        return ", ".join(main or [f"{p} {v}" for p, v, _ in self.sources])


@dataclass(frozen=True, slots=True)
class FlowDiff:
    mode: str  # entry | rpc | routes | flows
    request: str  # what was asked for: the entry text, or the surface
    old: SideInfo
    new: SideInfo
    changes: tuple[Change, ...]
    sites: tuple[Change, ...] = ()  # with --sites: hops whose call site only moved
    options: tuple = ()  # (name, value): view, drivers, errors
    old_trace: Trace | None = field(default=None, compare=False)
    new_trace: Trace | None = field(default=None, compare=False)
    mapping: tuple[tuple[str, str], ...] = ()  # old function -> new function, for the union diagram
    effects: tuple = ()  # with --effects: tracer.effects.compare.EffectChange records, most telling first

    def by_type(self) -> dict[str, int]:
        counts = Counter(c.type for c in self.changes)
        return {t: counts[t] for t in sorted(counts, key=lambda t: (TYPES[t][0], t))}

    def by_service(self) -> dict[str, int]:
        """Changes per service, the service with most major changes first."""
        total = Counter(c.service for c in self.changes)
        major = Counter(c.service for c in self.changes if c.level == "major")
        return {s: total[s] for s in sorted(total, key=lambda s: (-major[s], -total[s], s))}

    def services(self) -> list[str]:
        """Services in the order the changes are listed: entry's first, then as the new trace runs."""
        order: list[str] = []
        for t in (self.new_trace, self.old_trace):
            if t is not None:
                order += t.services()
        seen = list(dict.fromkeys(order + sorted(c.service for c in self.changes)))
        return [s for s in seen if any(c.service == s for c in self.changes)]


def diff_traces(old: Trace, new: Trace, request: str = "", *, sites: bool = False, options: tuple = (),
                reach_old: Reach | None = None, reach_new: Reach | None = None,
                shape_old: Shape | None = None, shape_new: Shape | None = None) -> FlowDiff:
    """The hop-by-hop diff of one entry traced on two sides.

    ``reach_old``/``reach_new`` look a call up in that side's whole graph (``tracer.api`` makes them from the
    linker): a hop one trace lacks is only reported when that side's graph lacks it too; ``shape_old``/
    ``shape_new`` give a function's body shape there (what it calls, in order), to tell a moved function by.
    """
    m = match(build_side(old), build_side(new), reach_old, reach_new, shape_old, shape_new)
    changes, moved = classify(m, sites)
    mapping = {(m.old.steps[p.a].callee, m.new.steps[p.b].callee) for p in m.pairs}
    mapping |= {(m.old.steps[p.a].stub.callee, m.new.steps[p.b].stub.callee) for p in m.pairs  # type: ignore
                if m.old.steps[p.a].stub and m.new.steps[p.b].stub}
    for side, i, there in m.present:  # made on both sides, drawn by one: the same function
        mapping.add((m.old.steps[i].callee, there) if side == "old" else (there, m.new.steps[i].callee))
    return FlowDiff("entry", request or old.entry_label, _info(old), _info(new), tuple(changes), tuple(moved),
                    options, old, new, tuple(sorted(mapping)))


def _info(t: Trace) -> SideInfo:
    return SideInfo(tuple(t.sources), t.entry, t.entry_label, t.entry_service)


def diff_surface(what: str, old_rows: list[dict], new_rows: list[dict], old_sources: tuple,
                 new_sources: tuple) -> FlowDiff:
    """Every RPC method, route or flow of two sides compared (``what``: rpc, routes or flows)."""
    changes = sorted(SURFACES[what](old_rows, new_rows), key=Change.order)
    return FlowDiff(what, f"--{what}", SideInfo(tuple(old_sources)), SideInfo(tuple(new_sources)), tuple(changes))
