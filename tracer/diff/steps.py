"""diff: one side of a flow diff, the trace as a tree of *steps*.

Stage: diff.  Reads ``tracer.graph.records`` and the hop tree (``tracer.graph.hoptree``); must not import
libcst, networkx, the linker, render or ``tracer.api``.

A step is a hop as a reader means it, so the two releases compare on meaning:

- an RPC's client stub and its cast/call are one step (``ComputeAPI.reserve_block_device_name`` ->
  ``rpc-call ComputeManager.reserve_block_device_name``), and so are a REST wrapper and its request;
- the casts and calls one stub makes of one method (``cast if can_send_version('3.17') else call``) are one
  step with several verbs, and the endpoints one message reaches (a manager and its version proxy) too;
- a hop the trace marks as a repeat has no children of its own: its *body* is the children of the step that
  expanded the same function.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from tracer.graph.hoptree import Node, tree
from tracer.graph.records import Hop, HopKey, Trace, short_name

CROSSING = ("rpc", "rest")  # step kinds that land in another service
_VERSION_GATE = re.compile(r"(?:\w+\.)*can_send_version\(\s*['\"]([^'\"]+)['\"]\s*\)")


@dataclass(frozen=True, slots=True)
class Step:
    index: int  # preorder position on its side (0: the entry)
    key: HopKey
    hops: tuple[Hop, ...]  # the hops it stands for: the main one first (every verb of one RPC method)
    stub: Hop | None  # the client-side method an RPC or REST hop is made through
    children: tuple[int, ...]
    parent: int  # -1 for the entry

    @property
    def kind(self) -> str:
        return self.key.kind

    @property
    def main(self) -> Hop:
        return self.hops[0]

    @property
    def callee(self) -> str:
        return self.hops[0].callee

    @property
    def service(self) -> str:
        return self.hops[0].service

    @property
    def repeat(self) -> bool:
        return all(h.repeat for h in self.hops)

    @property
    def site(self) -> str:
        return (self.stub or self.hops[0]).site

    @property
    def step(self) -> int:
        return (self.stub or self.hops[0]).step

    @property
    def meta(self) -> dict:
        return dict(self.hops[0].meta)

    @property
    def on_error(self) -> bool:
        return any(dict(h.meta).get("on_error") for h in self.hops + ((self.stub,) if self.stub else ()))

    def verbs(self) -> tuple[str, ...]:
        """``("call", "cast")``: the RPC verbs this step sends its method with, sorted."""
        return tuple(sorted({h.kind[4:] for h in self.hops if h.kind.startswith("rpc-")}))

    def verb_text(self) -> str:
        """``cast``, or ``cast if can_send_version('3.17') else call`` when the verb depends on a branch."""
        if len(self.verbs()) < 2:
            return "/".join(self.verbs())
        arms = []
        for h in sorted(self.hops, key=_line):
            verb, cond = h.kind[4:], _condition(h)
            if arms and arms[-1][0] == verb:
                continue
            arms.append((verb, cond))
        gated = [f"{verb} if {cond}" for verb, cond in arms[:-1] if cond]
        return " else ".join(gated + [arms[-1][0]]) if gated else " or ".join(v for v, _ in arms)

    def gates(self) -> tuple[str, ...]:
        """RPC versions the verb is chosen by (``can_send_version('3.17')`` -> ``3.17``)."""
        found = [m.group(1) for h in self.hops for g in h.guard for m in [_VERSION_GATE.search(g[1])] if m]
        return tuple(sorted(set(found)))

    def endpoints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.callee for h in self.hops))


def _line(h: Hop) -> int:
    tail = h.site.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _condition(h: Hop) -> str:
    """The innermost ``if``/``elif`` the hop runs under, without the keyword: ``cctxt.can_send_version('3.17')``."""
    for kind, text, _ in h.guard:
        if kind in ("if", "elif"):
            text = text.split(" ", 1)[1] if " " in text else text
            return _VERSION_GATE.sub(lambda m: f"can_send_version('{m.group(1)}')", text).rstrip(":").strip()
        if kind == "else":
            return ""
    return ""


@dataclass(frozen=True, slots=True)
class Side:
    trace: Trace
    steps: tuple[Step, ...]
    expanded: dict  # callee -> index of the step that expands it (its body)

    def body(self, i: int) -> tuple[int, ...]:
        """The children of step ``i``, or of the step that expanded the same function when ``i`` is a repeat."""
        s = self.steps[i]
        if s.children or not s.repeat:
            return s.children
        j = self.expanded.get(s.callee)
        return self.steps[j].children if j is not None and j != i else ()

    def crossing(self, i: int, service: str) -> str:
        """The service step ``i`` runs in when its caller runs in ``service``."""
        s = self.steps[i]
        return s.service if s.kind in CROSSING or i == 0 else service


def build_side(trace: Trace) -> Side:
    """The trace's hops as a tree of steps, stubs folded and one RPC method's verbs merged."""
    entry = Hop(0, 0, "", trace.entry, "entry", "", trace.entry_service, "exact")
    steps: list = []
    _emit(_Proto([entry], None, tree(trace).kids), -1, HopKey("entry", short_name(trace.entry)), steps)
    expanded: dict[str, int] = {trace.entry: 0}
    for s in steps[1:]:
        if not s.repeat:
            expanded.setdefault(s.callee, s.index)
            if s.stub is not None:
                expanded.setdefault(s.stub.callee, s.index)
    return Side(trace, tuple(_fold_repeated_stubs(steps, expanded)), expanded)


@dataclass(slots=True)
class _Proto:
    hops: list  # list[Hop], the lead (expanded) one first
    stub: Hop | None
    children: list  # list[Node] of the hop tree


def _protos(raws: list[Node]) -> list[_Proto]:
    """Siblings as steps-to-be: stubs folded into their hop, one method's RPC hops merged, in order."""
    out: list[_Proto] = []
    by_rpc: dict[HopKey, _Proto] = {}
    for raw in raws:
        stub, hops = (raw.hop, [c.hop for c in raw.kids]) if _is_stub(raw) else (None, [raw.hop])
        lead_children = raw.kids
        if stub:  # the children of the expanded endpoint
            lead_children = min(raw.kids, key=lambda c: (c.hop.repeat, c.hop.step)).kids
        key = hops[0].key if hops[0].kind.startswith("rpc-") else None
        if key is not None and key in by_rpc and by_rpc[key].stub is None and stub is None:
            by_rpc[key].hops += hops
            by_rpc[key].children = by_rpc[key].children or lead_children
            continue
        proto = _Proto(hops, stub, lead_children)
        if key is not None:
            by_rpc.setdefault(key, proto)
        out.append(proto)
    for p in out:
        p.hops.sort(key=lambda h: (h.repeat, h.step))
    return out


def _is_stub(raw: Node) -> bool:
    """A call whose children are all RPC or REST hops of one key: the client side of that hop."""
    if raw.hop.kind != "call" or not raw.kids:
        return False
    hops = [c.hop for c in raw.kids]
    return all(h.kind.startswith("rpc-") or h.kind == "rest" for h in hops) and len({h.key for h in hops}) == 1


def _emit(proto: _Proto, parent: int, key: HopKey, out: list) -> int:
    """Append ``proto`` and its subtree to ``out`` in preorder; return its index."""
    index = len(out)
    out.append(None)  # filled once the children are known
    children = tuple(_emit(p, index, p.hops[0].key, out) for p in _protos(proto.children))
    out[index] = Step(index, key, tuple(proto.hops), proto.stub, children, parent)
    return index


def _fold_repeated_stubs(steps: list[Step], expanded: dict[str, int]) -> list[Step]:
    """A repeated call of a stub folded elsewhere is a repeat of that RPC or REST step."""
    out = []
    for s in steps:
        j = expanded.get(s.callee)
        target = steps[j] if j is not None else None
        if s.kind == "call" and s.repeat and target is not None and target.stub is not None \
                and target.stub.callee == s.callee:
            hops = tuple(dataclasses.replace(h, repeat=True) for h in target.hops)
            s = Step(s.index, target.key, hops, s.main, (), s.parent)
        out.append(s)
    return out
