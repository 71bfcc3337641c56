"""graph: the hop tree of a trace, to transform and to flatten back into records.

Stage: graph.  Reads and writes ``Trace``/``Hop``/``Fold`` records (``tracer.graph.records``) only; no
linker, networkx, libcst or render.  A hop's parent is the nearest hop before it with a smaller depth; a
``Node`` holds a hop, its children and what was folded under it (counted, with the folded hops' names
and sites), so a view can drop hops and still say where they were.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from tracer.graph.records import Fold, Hop, Trace


@dataclass(eq=False)
class Node:
    hop: Hop | None  # None: the entry
    kids: list[Node] = field(default_factory=list)
    folds: dict[str, list] = field(default_factory=dict)  # reason -> [hops, [names], [sites]]
    copies: list[str] = field(default_factory=list)  # sites of identical siblings drawn as this one
    copied: int = 0  # hops under those siblings
    calls: int = 0  # calls between its service's entry and it (set by ``_measure``)
    handler: bool = False  # it runs in an except handler on the way from its service's entry

    def size(self) -> int:
        """Hops in this subtree, this one included, and everything already folded under it."""
        own = 0 if self.hop is None else 1 + len(self.copies) + self.copied
        return own + sum(k.size() for k in self.kids) + sum(f[0] for f in self.folds.values())

    def fold(self, reason: str, hops: int, names: Iterable[str] = (), sites: Iterable[str] = ()) -> None:
        entry = self.folds.setdefault(reason, [0, [], []])
        entry[0] += hops
        for name, site in zip(names, sites):
            if (name, site) not in zip(entry[1], entry[2]):
                entry[1].append(name)
                entry[2].append(site)

    def fold_kid(self, reason: str, kid: Node) -> None:
        self.fold(reason, kid.size(), [kid.hop.callee], [kid.hop.site])

    def take(self, other: Node) -> None:
        """The folds of ``other`` (a node that goes away) become this node's."""
        for reason, (count, names, sites) in other.folds.items():
            self.fold(reason, count, names, sites)


Decide = Callable[[Node], list[Node]]  # folds some of a node's children, returns those to go on with


def tree(trace: Trace) -> Node:
    root = Node(None)
    stack = [(0, root)]
    by_step = {0: root}
    for h in trace.hops:
        while stack[-1][0] >= h.depth:
            stack.pop()
        node = Node(h)
        stack[-1][1].kids.append(node)
        stack.append((h.depth, node))
        by_step[h.step] = node
    for f in trace.folded:  # a trace narrowed before keeps what it folded
        node = by_step[f.step]
        if f.reason == "same":
            node.copies += list(f.sites)
            node.copied += f.hops - len(f.sites)
        else:
            node.fold(f.reason, f.hops, f.names, f.sites)
    return root


def flatten(root: Node, trace: Trace, view: str) -> Trace:
    """The tree back as records: steps renumbered in order, depths from the tree, folds by step."""
    hops: list[Hop] = []
    folds: list[Fold] = []

    def walk(node: Node, depth: int, step: int) -> None:
        for reason, (count, names, sites) in sorted(node.folds.items()):
            folds.append(Fold(step, reason, count, tuple(names), tuple(sites)))
        for kid in node.kids:
            hops.append(dataclasses.replace(kid.hop, step=len(hops) + 1, depth=depth + 1))
            mine = len(hops)
            if kid.copies:
                folds.append(Fold(mine, "same", len(kid.copies) + kid.copied,
                                  (kid.hop.callee,) * len(kid.copies), tuple(kid.copies)))
            walk(kid, depth + 1, mine)

    walk(root, 0, 0)
    return dataclasses.replace(trace, hops=tuple(hops), view=view,
                               folded=tuple(sorted(folds, key=lambda f: (f.step, f.reason))))


def walk(node: Node) -> Iterator[Node]:
    yield node
    for kid in node.kids:
        yield from walk(kid)


def narrow(root: Node, decide: Decide) -> None:
    """Apply ``decide`` from the entry down.

    The trace expands a function once, where it is first reached; a later call of it is a repeat with
    nothing under it.  When the first place is folded, the first repeat still shown takes the expansion.
    """
    expansions = {n.hop.callee: n for n in walk(root) if n.hop is not None and not n.hop.repeat}

    def visit(node: Node) -> None:
        for kid in decide(node):
            visit(kid)

    visit(root)
    while True:
        alive = set(walk(root))
        orphan = next((n for n in walk(root) if n.hop is not None and n.hop.repeat
                       and expansions.get(n.hop.callee) not in alive | {None}), None)
        if orphan is None:
            return
        source = expansions[orphan.hop.callee]
        orphan.kids, source.kids = source.kids, []
        orphan.hop = dataclasses.replace(orphan.hop, repeat=False)
        expansions[orphan.hop.callee] = orphan
        visit(orphan)
