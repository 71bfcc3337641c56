"""graph: views of a trace: the hops alone, the unconditional spine, a focus, hidden subtrees, folds.

Stage: graph.  Reads and returns ``Trace``/``Hop`` records (``tracer.graph.records``) and nothing else:
no linker, networkx, libcst or render, so the renderers and the diff can narrow a trace they loaded.

Every view transforms the hop tree (a hop's parent is the nearest hop before it with a smaller depth).
What a view leaves out is not lost: it is counted on the hop it hung under, as ``Fold`` records, so a
reader sees how much was folded and why.  The order is fixed: ``main``, ``hide`` and ``focus`` narrow
the call tree, then ``hops`` keeps the service-crossing hops, tasks and driver calls of what is left.
"""
from __future__ import annotations

import dataclasses
import fnmatch
from typing import Callable

from tracer.graph.hoptree import Decide, Node, flatten, narrow, tree, walk
from tracer.graph.records import Hop, Trace, TraceOptions, short_name

HOP_KINDS = frozenset({"rpc-cast", "rpc-call", "rest", "flow-task", "driver"})
CROSSING = frozenset({"rpc-cast", "rpc-call", "rest"})
HOPS_SHOWN = 30  # the hops view's length; the lowest-ranked hops past it are counted, not drawn
_GLOB = frozenset("*?[")


def apply(trace: Trace, opts: TraceOptions) -> Trace:
    """The view ``opts`` asks for (``main``, ``hide``, ``focus``, ``hops``); the trace itself when none."""
    steps: list[tuple[str, Callable[[Node], object]]] = []
    if opts.main:
        steps.append(("main", lambda root: narrow(root, fold_branches)))
    if opts.hide:
        steps.append((f"hide {' '.join(opts.hide)}", lambda root: narrow(root, hider(opts.hide))))
    if opts.focus:
        steps.append((f"focus {' '.join(opts.focus)}", lambda root: narrow(root, focuser(opts.focus))))
    if opts.hops:
        steps.append(("hops", hops_only))
    if not steps:
        return trace
    root = tree(trace)
    for _, step in steps:
        step(root)
    return flatten(root, trace, ", ".join([trace.view] + [name for name, _ in steps]))


def least_conditional(trace: Trace) -> Trace:
    """The trace with each function expanded where it is least conditional (every view starts from it)."""
    root = tree(trace)
    return flatten(root, trace, trace.view) if expand_where_least_conditional(root) else trace


def expand_where_least_conditional(root: Node) -> bool:
    """A function reached several times is expanded once: where the fewest branches that may not run (an
    ``if`` with no ``else``, an ``except``) stand between it and the entry, the first such place in
    execution order.  The hops view does not use it: there each hop stays where it first happens.  The trace expands it where it is first reached, which puts nova's whole attach under
    the shelved-offloaded branch that returns early; the other places become repeats.  Returns whether
    anything moved."""
    moved = False
    while True:
        cost, order = _conditional_costs(root)
        first: dict[str, Node] = {}
        for node in order:
            if not node.hop.repeat:
                first.setdefault(node.hop.callee, node)
        best: dict[str, Node] = {}
        for node in order:
            held = best.get(node.hop.callee)
            if held is None or cost[id(node)] < cost[id(held)]:
                best[node.hop.callee] = node
        move = next(((first[c], b) for c, b in best.items() if c in first and b is not first[c]
                     and cost[id(b)] < cost[id(first[c])] and not _inside(b, first[c])), None)
        if move is None:
            return moved
        old, new = move
        new.kids, old.kids = old.kids, new.kids
        new.folds, old.folds = old.folds, new.folds  # what the trace left out of the expansion goes with it
        new.hop = dataclasses.replace(new.hop, repeat=False)
        old.hop = dataclasses.replace(old.hop, repeat=True)
        moved = True


def _conditional_costs(root: Node) -> tuple[dict[int, int], list[Node]]:
    """For every node, the branches that may not run on the way from the entry (pre-order list too)."""
    cost: dict[int, int] = {}
    order: list[Node] = []

    def visit(node: Node, above: int) -> None:
        for kid in node.kids:
            mine = above + sum(1 for g in kid.hop.guard if g[2]) + (("on_error", True) in kid.hop.meta)
            cost[id(kid)] = mine
            order.append(kid)
            visit(kid, mine)

    visit(root, 0)
    return cost, order


def _inside(node: Node, ancestor: Node) -> bool:
    return any(n is node for n in walk(ancestor))


def fold_repeats(trace: Trace) -> Trace:
    """Identical sibling branches (same call, same subtree) drawn once: what the text output shows."""
    root = tree(trace)
    return flatten(root, trace, trace.view) if fold_same(root) else trace


def hops_only(root: Node, shown: int = HOPS_SHOWN) -> None:
    """The hops view: the REST, RPC, flow-task and driver hops, nested by who makes them.

    A call with several possible receivers keeps the one all of them reach; identical siblings are
    drawn once; hops whose callee is drawn earlier are listed on one line; past ``shown`` hops, the
    lowest ranked are counted (see ``rank``).
    """
    narrow(root, fold_variants)
    _measure(root, 0, False)
    keep_kinds(root, HOP_KINDS)
    fold_same(root)
    fold_seen(root)
    limit(root, shown)


# -- folding the call tree -----------------------------------------------------------------------------

def fold_branches(node: Node) -> list[Node]:
    """``--main``: fold hops that may not run (an ``if`` with no ``else`` on the way, an ``except``) and
    those reached only through one of several possible receivers of one call."""
    variants = receiver_variants(node.kids)
    kept = []
    for kid in node.kids:
        if kid in variants:
            node.fold_kid("receiver", kid)
        elif kid.hop.conditional:
            node.fold_kid("branch", kid)
        else:
            kept.append(kid)
    node.kids = kept
    return kept


def fold_variants(node: Node) -> list[Node]:
    """Of a call with several possible receivers, only the common one stays (see ``receiver_variants``)."""
    variants = receiver_variants(node.kids)
    for kid in node.kids:  # in execution order (a set's order would change from run to run)
        if kid in variants:
            node.fold_kid("receiver", kid)
    node.kids = [k for k in node.kids if k not in variants]
    return node.kids


def receiver_variants(kids: list[Node]) -> set[Node]:
    """Of the hops one call site makes to several possible receivers, the ones not every other reaches.

    nova's ``bdm.attach()`` may run five classes' ``attach``; four of them create a volume first and then
    call the base class's: the base one is on every way through and stays, the four are variants.
    """
    sites: dict[tuple[str, str], list[Node]] = {}
    for kid in kids:
        if kid.hop.confidence == "possible":
            sites.setdefault((kid.hop.caller, kid.hop.site), []).append(kid)
    out: set[Node] = set()
    for group in sites.values():
        if len({k.hop.callee for k in group}) < 2:
            continue
        reached = [{n.hop.callee for n in walk(k)} for k in group]
        for i, kid in enumerate(group):
            if not all(kid.hop.callee in r for j, r in enumerate(reached) if j != i):
                out.add(kid)
    return out


def matches(h: Hop, pattern: str) -> bool:
    """A part of the hop's qualified name or key (``RBDDriver``, ``rpc:compute/``), or a glob of either."""
    names = (h.callee, short_name(h.callee), str(h.key))
    if _GLOB & set(pattern):
        return any(fnmatch.fnmatchcase(n, pattern) for n in names)
    return any(pattern in n for n in names)


def hider(patterns: tuple[str, ...]) -> Decide:
    """``--hide``: hops matching a pattern are folded with their subtrees."""
    def decide(node: Node) -> list[Node]:
        kept = []
        for kid in node.kids:
            if any(matches(kid.hop, p) for p in patterns):
                node.fold_kid("hidden", kid)
            else:
                kept.append(kid)
        node.kids = kept
        return kept
    return decide


def focuser(patterns: tuple[str, ...]) -> Decide:
    """``--focus``: only the ways from the entry to hops matching a pattern (and what matches under them)."""
    def leads(node: Node) -> bool:
        return any(matches(n.hop, p) for n in walk(node) for p in patterns)

    def decide(node: Node) -> list[Node]:
        kept = []
        for kid in node.kids:
            if leads(kid):
                kept.append(kid)
            else:
                node.fold("focus", kid.size())
        node.kids = kept
        return kept
    return decide


# -- the hops view -------------------------------------------------------------------------------------

def _measure(node: Node, calls: int, handler: bool) -> None:
    """Note, for every hop, how many calls and whether an ``except`` lie between its service's entry and it."""
    for kid in node.kids:
        kid.calls = calls + 1
        kid.handler = handler or any(g[0] == "except" for g in kid.hop.guard)
        crossing = kid.hop.kind in CROSSING
        _measure(kid, 0 if crossing else kid.calls, False if crossing else kid.handler)


def keep_kinds(node: Node, kinds: frozenset[str]) -> None:
    """Only hops of ``kinds`` stay; the rest give their children (and folds) to the nearest kept hop.

    A lifted hop takes the branches of the calls left out above it (after its own, innermost first),
    so it still says what it runs under: ``elif create_type == 'snap'`` for the driver call two calls
    below the dispatch.
    """
    kept: list[Node] = []
    for kid in node.kids:
        keep_kinds(kid, kinds)
        if kid.hop.kind in kinds:
            kept.append(kid)
            continue
        for grandkid in kid.kids:
            grandkid.hop = dataclasses.replace(grandkid.hop, guard=grandkid.hop.guard + kid.hop.guard)
        kept += kid.kids
        node.take(kid)
    node.kids = kept


def fold_same(node: Node) -> bool:
    """Siblings that make the same call with the same subtree become one (the first), with a count."""
    changed = False
    for kid in node.kids:
        changed |= fold_same(kid)
    first: dict[tuple, Node] = {}
    kept: list[Node] = []
    for kid in node.kids:
        twin = first.setdefault(_signature(kid), kid)
        if twin is kid:
            kept.append(kid)
            continue
        twin.copies.append(kid.hop.site)
        twin.copied += kid.size() - 1
        changed = True
    node.kids = kept
    return changed


def _signature(node: Node) -> tuple:
    h = node.hop
    return (h.kind, h.caller, h.callee, h.repeat, tuple(_signature(k) for k in node.kids),
            tuple(sorted((r, f[0]) for r, f in node.folds.items())))


def fold_seen(node: Node, drawn: dict[str, int] | None = None) -> None:
    """Hops to a callee drawn elsewhere, with nothing under them, go on one line under the hop making them
    (``seen`` when it is drawn above, ``later`` when below)."""
    if drawn is None:
        drawn = {n.hop.callee: n.hop.step for n in walk(node) if n.hop is not None and not n.hop.repeat}
    kept = []
    for kid in node.kids:
        if kid.hop.repeat and not kid.kids and not kid.folds:
            reason = "later" if drawn.get(kid.hop.callee, 0) > kid.hop.step else "seen"
            node.fold(reason, 1 + len(kid.copies) + kid.copied, [kid.hop.callee], [kid.hop.site])
        else:
            kept.append(kid)
            fold_seen(kid, drawn)
    node.kids = kept


def rank(node: Node) -> tuple:
    """What a short hops view keeps first: RPC hops and flow tasks (the story between services), then
    the hops nearest their service's entry, the normal path before except handlers, in execution order."""
    h = node.hop
    story = h.kind.startswith("rpc") or h.kind == "flow-task"
    return (not story, node.handler, node.calls, h.step)


def limit(root: Node, shown: int) -> None:
    """At most ``shown`` hops: the best ranked, each with the hops above it; the rest counted as ``more``."""
    parent = {id(k): n for n in walk(root) for k in n.kids}
    kept: set[int] = {id(root)}
    for node in sorted((n for n in walk(root) if n.hop is not None), key=rank):
        line = []
        while id(node) not in kept:
            line.append(node)
            node = parent[id(node)]
        if len(kept) - 1 + len(line) <= shown:
            kept.update(id(n) for n in line)
    for node in list(walk(root)):
        if id(node) not in kept:
            continue
        for kid in node.kids:
            if id(kid) not in kept:
                node.fold_kid("more", kid)
        node.kids = [k for k in node.kids if id(k) in kept]
