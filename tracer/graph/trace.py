"""graph: follow edges from an entry point and keep the skeleton a reader wants.

Stage: graph.  Reads the linker; returns frozen ``Trace``/``Hop`` records
(comparable between releases: no strings to re-parse).  Must not import
libcst or render.

The default view keeps the hops on the way from the entry to every RPC hop,
flow task and driver call (and to calls that build a flow), plus one level of
a driver's calls into its own class; everything else (logging, exceptions,
object plumbing) is folded.  ``full`` keeps every resolved call.
"""
from __future__ import annotations

import dataclasses
import re
from collections import deque
from dataclasses import dataclass

from tracer.graph.index import QueryIndex
from tracer.graph.records import Fold, Hop, HopKey, Trace, TraceOptions, hop_key
from tracer.link.models.python import MAX_DISPATCH  # the names one getattr dispatch may name
from tracer.link.records import Edge
from tracer.link.uses import RETURNED

__all__ = ["Hop", "HopKey", "Trace", "TraceOptions", "Tracer", "hop_key"]

SKELETON_KINDS = frozenset({"rpc-cast", "rpc-call", "flow-task", "driver", "rest"})
DB_REACH = 3  # calls from a kept function within which database access is shown
CARRIED_REACH = 3  # calls from a call whose result the path goes on with within which it reaches the database
ALONE_DB_REACH = 6  # an operation that stays in its service (a GET): calls from the entry to its database access
DRIVER_LEVELS = 2  # levels of a driver's own methods shown under a driver hop
MAX_NODES = 20000
_LITERAL = re.compile(r"'([^']*)'|\"([^\"]*)\"")


@dataclass
class _Reached:
    """The calls an exploration followed: successors in first-seen order, and every edge."""

    succ: dict[str, list[str]]
    edges: list[Edge]

    def add(self, e: Edge) -> None:
        self.edges.append(e)
        targets = self.succ.setdefault(e.source, [])
        if e.target not in targets:
            targets.append(e.target)
        self.succ.setdefault(e.target, [])

    def ancestors(self, nodes: set[str]) -> set[str]:
        pred: dict[str, set[str]] = {}
        for u, vs in self.succ.items():
            for v in vs:
                pred.setdefault(v, set()).add(u)
        out: set[str] = set()
        todo = list(nodes)
        while todo:
            for u in pred.get(todo.pop(), ()):
                if u not in out:
                    out.add(u)
                    todo.append(u)
        return out


class Tracer:
    def __init__(self, index: QueryIndex) -> None:
        self.ix = index

    # -- exploring ---------------------------------------------------------
    def chosen_edges(self, fq: str, opts: TraceOptions) -> list[tuple[Edge, tuple]]:
        """The edges a trace follows out of ``fq``, each with the guard of its call site."""
        answer = self.ix.answer(fq)
        pairs = list(zip(answer.edges, answer.guards))
        if not (opts.full or opts.errors):
            pairs = [(e, g) for e, g in pairs if ("on_error", True) not in e.meta]
        if not (opts.full or opts.any_config):
            pairs = [(e, g) for e, g in pairs if not _off(e, opts)]
        out: list[tuple[Edge, tuple]] = []
        drivers: dict[tuple, list[Edge]] = {}
        guard_of: dict[tuple, tuple] = {}
        names: dict[tuple, set[str]] = {}
        for e, _ in pairs:
            if e.kind == "driver":
                names.setdefault((e.line, dict(e.meta).get("configured")), set()).add(e.target.rsplit(".", 1)[1])
        for e, g in pairs:
            if e.kind == "driver":
                # the implementations of one method at a site are alternatives; a getattr dispatch by name
                # over few names (heat's 19 handle_<action>) is one call per name, over many
                # (neutronclient's 75 list_<collection>) one call whose name the data gives
                site = (e.line, dict(e.meta).get("configured"))
                group = site + ((e.target.rsplit(".", 1)[1],) if len(names[site]) <= MAX_DISPATCH else ())
                drivers.setdefault(group, []).append(e)
                guard_of.setdefault(group, g)
            else:
                out.append((e, g))
        for group, edges in drivers.items():
            out.append((self._pick_driver(edges, opts.drivers), guard_of[group]))
        return sorted(out, key=lambda pair: _edge_order(pair[0]))

    def _pick_driver(self, group: list[Edge], wanted: tuple[str, ...]) -> Edge:
        """The implementation of the driver asked for, else the configured one (the others counted)."""
        first = group[0]
        configured = dict(first.meta).get("configured")
        name = first.target.rsplit(".", 1)[1]
        for needle in wanted:
            cls = self.ix.named_driver(configured, needle) if configured else None
            method = self.ix.lookup_method(cls, name) if cls else None
            if method is None:
                continue
            same = [e for e in group if e.target == method]
            if same:
                return same[0]
            # inherited by the named driver from a class between it and the interface
            return first._replace(target=method, confidence="candidate")
        return _matching_or_configured(group, wanted)

    def explore(self, entry: str, opts: TraceOptions) -> _Reached:
        g = _Reached({entry: []}, [])
        todo = [entry]
        seen = {entry}
        while todo and len(seen) < MAX_NODES:
            fq = todo.pop()
            for e, _ in self.chosen_edges(fq, opts):
                g.add(e)
                if e.target not in seen and self.ix.function(e.target) is not None:
                    seen.add(e.target)
                    todo.append(e.target)
        return g

    def _keep(self, g: _Reached, entry: str) -> set[str]:
        marks = set()
        for e in g.edges:
            if self._interesting(e):
                marks.add(e.source)
                marks.add(e.target)
        if not marks:  # no hop leaves the service (GET /volumes/{id}): its way to the database is the skeleton
            return self._database_paths(g, {entry}, ALONE_DB_REACH, own_only=False)
        keep = marks | g.ancestors(marks)
        return keep | self._database_paths(g, keep)

    def _carried(self, g: _Reached, keep: set[str]) -> set[tuple[str, int, str]]:
        """Calls whose result the path goes on with and that reach the database within ``CARRIED_REACH``:
        the data a hop carries (masakari's notification, read before the RPC call that is handed it), the
        test before one (``if not res: return``) and what a function an RPC call waits on hands back
        (senlin's action, written before the cast the engine picks it up after).  Each is that call site
        (caller, line, callee) alone: the same function read elsewhere on the path is not."""
        waited = {e.target for e in g.edges if e.kind == "rpc-call"}
        found: set[tuple[str, int, str]] = set()
        reaches: dict[str, bool] = {}
        for k in sorted(keep):
            answer = self.ix.answer(k)
            followed = set(g.succ.get(k, ()))
            onward = {e.line for e in answer.edges if e.target in keep and e.target in followed}
            if k in waited:
                onward.add(RETURNED)
            for e, uses in zip(answer.edges, answer.uses):
                if e.kind != "call" or e.target in keep or e.target not in followed or not onward.intersection(uses):
                    continue
                if e.target not in reaches:
                    reaches[e.target] = bool(self._database_paths(g, {e.target}, CARRIED_REACH, own_only=False))
                if reaches[e.target]:
                    found.add((e.source, e.line, e.target))
        return found

    def _database_paths(self, g: _Reached, keep: set[str], reach: int = DB_REACH,
                        own_only: bool = True) -> set[str]:
        """Database access a few calls under a kept function (``_parse_connection_options`` reading the
        QoS specs): the path to it is kept.  Farther away it would flood the skeleton.  The database is a
        module an oslo.db backend proxy stands for, or a function that opens an enginefacade transaction."""
        found: set[str] = set()
        for start in sorted(keep):
            parent = {start: None}
            level = [start]
            for _ in range(reach + 1):
                nxt = []
                for u in level:
                    for v in sorted(set(g.succ.get(u, ()))):
                        if v in parent:
                            continue
                        parent[v] = u
                        if self.ix.is_database(v):
                            while v is not None:
                                found.add(v)
                                v = parent[v]
                        elif not own_only or self._on_own_path(start, v):
                            nxt.append(v)
                level = nxt
        return found

    def _on_own_path(self, start: str, fq: str) -> bool:
        """The way to the database runs through the start's own class or plain functions, not through
        other objects (nova's versioned objects would bring every ``instance.save()`` along)."""
        fn = self.ix.function(fq)
        if fn is None:
            return False
        own = self.ix.function(start)
        return fn.cls is None or fn.cls == (own.cls if own else None)

    def _interesting(self, e: Edge) -> bool:
        if e.kind in SKELETON_KINDS:  # a remotable object's RPC is plumbing under the hop, not a hop of its own
            return not any(k == "remotable" for k, _ in e.meta)
        return self.ix.answer(e.target).engine

    # -- the tree ----------------------------------------------------------
    def trace(self, entry: str, opts: TraceOptions, label: str = "") -> Trace:
        g = self.explore(entry, opts)
        keep = set(g.succ) if opts.full else self._keep(g, entry)
        carried = set() if opts.full else self._carried(g, keep)
        entry_service = self.ix.service_of(entry)
        hops: list[Hop] = []
        expanded: set[str] = {entry}
        driver_level: dict[str, int] = {}  # driver method -> how far below the driver hop
        stack = [(entry, 0, entry_service, frozenset({entry}))]
        while stack:
            fq, depth, service, path = stack.pop()
            if opts.depth is not None and depth >= opts.depth:
                continue
            children = []
            from_driver = fq in driver_level
            for e, guard in self.chosen_edges(fq, opts):
                meta = dict(e.meta)
                if not (self._show(e, keep, from_driver, opts) or (e.source, e.line, e.target) in carried) \
                        or meta.get("in_service", service) != service:
                    continue  # (an edge that only happens in another service: a remotable object's RPC)
                if meta.get("passed_by") and path.isdisjoint(meta["passed_by"]):
                    continue  # a call through a parameter: only the function a caller on this path handed in
                crosses = e.kind.startswith("rpc") or e.kind == "rest"
                child_service = dict(e.meta).get("service", service) if crosses else service
                repeat = e.target in expanded
                hops.append(Hop(0, depth + 1, e.source, e.target, e.kind, e.site, child_service, e.confidence,
                                e.meta, repeat, guard))
                same_class = e.source.rsplit(".", 1)[0] == e.target.rsplit(".", 1)[0]
                if e.kind == "driver":
                    driver_level[e.target] = 0
                elif from_driver and same_class:
                    driver_level.setdefault(e.target, driver_level[fq] + 1)
                if not repeat:
                    expanded.add(e.target)
                    deep = from_driver and same_class and driver_level[e.target] >= DRIVER_LEVELS
                    if not deep or opts.full:  # a driver's own steps, DRIVER_LEVELS deep, then leaves
                        children.append((len(hops) - 1, e.target, depth + 1, child_service))
            # depth first, in execution order: insert children's subtrees after each hop
            for _, target, d, svc in reversed(children):
                stack.append((target, d, svc, path | {target}))
        ordered = _renumber(self._order(entry, hops))
        folded = self._off_by_default(entry, ordered, g, opts) if not (opts.full or opts.any_config) else ()
        return Trace(entry, label or entry, entry_service, tuple(ordered), "full" if opts.full else "skeleton",
                     folded=folded)

    def _off_by_default(self, entry: str, hops: list[Hop], narrow: _Reached,
                        opts: TraceOptions) -> tuple[Fold, ...]:
        """What the trace left out under branches the options' defaults rule out: the calls the trace with
        those branches on would show, each said under the nearest hop shown on its way from the entry.
        The first such call on any way is made by a function the trace reached (``narrow``): when none of
        them makes one, there is nothing to say and no wider exploration."""
        if not any(_off(e, opts) for fq in narrow.succ for e in self.ix.answer(fq).edges):
            return ()
        step_of = {entry: 0}
        for h in hops:
            if not h.repeat:
                step_of.setdefault(h.callee, h.step)
        g = self.explore(entry, dataclasses.replace(opts, any_config=True))
        off = [e for e in g.edges if _off(e, opts)]
        keep = self._keep(g, entry)
        parent: dict[str, str] = {}
        todo = deque([entry])
        while todo:  # the first way from the entry to each function, on the wider exploration
            u = todo.popleft()
            for v in g.succ.get(u, ()):
                if v not in parent and v != entry:
                    parent[v] = u
                    todo.append(v)
        left: dict[int, dict[tuple[str, str], None]] = {}
        for e in off:
            if e.source not in keep or not (e.target in keep or self._interesting(e)):
                continue
            u = e.source
            while u not in step_of and u in parent:
                u = parent[u]
            if u in step_of:
                left.setdefault(step_of[u], {})[(e.target, e.site)] = None
        return tuple(Fold(step, "config", len(calls), tuple(t for t, _ in calls), tuple(s for _, s in calls))
                     for step, calls in sorted(left.items()))

    def _show(self, e: Edge, keep: set[str], from_driver: bool, opts: TraceOptions) -> bool:
        if opts.full:
            return True
        if from_driver:  # the driver's own steps, its package's helpers, hops it makes and the way to hops below
            same_class = e.source.rsplit(".", 1)[0] == e.target.rsplit(".", 1)[0]
            return same_class or self._interesting(e) or self._makes_hop(e.target, opts) or e.target in keep \
                or self._package_helper(e)
        return e.target in keep or self._interesting(e)

    def _package_helper(self, e: Edge) -> bool:
        """A plain function of the driver's own package (zun's ``docker_utils.docker_client()``)."""
        fn, src = self.ix.function(e.target), self.ix.function(e.source)
        if fn is None or src is None or fn.cls is not None or src.cls is None:
            return False
        return fn.module.rsplit(".", 1)[0] == src.module.rsplit(".", 1)[0]

    def _makes_hop(self, fq: str, opts: TraceOptions) -> bool:
        return any(self._interesting(e) for e, _ in self.chosen_edges(fq, opts))

    def _order(self, entry: str, hops: list[Hop]) -> list[Hop]:
        """Depth-first, execution order: each hop followed by the subtree it expands."""
        by_caller: dict[str, list[Hop]] = {}
        for h in hops:
            by_caller.setdefault(h.caller, []).append(h)
        out: list[Hop] = []

        def walk(fq: str, seen: set[str]) -> None:
            for h in by_caller.get(fq, ()):
                out.append(h)
                if not h.repeat and h.callee not in seen:
                    walk(h.callee, seen | {h.callee})

        walk(entry, {entry})
        return out


def _off(e: Edge, opts: TraceOptions) -> bool:
    """The call runs only under a branch the defaults rule out, and no ``--driver`` asked for it by a
    string the test compares with (``--driver rbd`` turns on ``if CONF.libvirt.images_type == 'rbd'``;
    ``--driver libvirt`` does not turn on every test of a ``[libvirt]`` option)."""
    text = dict(e.meta).get("off_by_default")
    if not text or not opts.drivers:
        return bool(text)
    literals = [a or b for a, b in _LITERAL.findall(text.lower())]
    return not any(w.lower() in lit for w in opts.drivers for lit in literals)


def _edge_order(e: Edge) -> tuple:
    meta = dict(e.meta)  # several flows run at one site (a flow chosen by data): each flow's tasks together
    return (e.line, meta.get("flow", ""), meta.get("order", 0), e.kind, e.target)


def _matching_or_configured(group: list[Edge], wanted: tuple[str, ...]) -> Edge:
    for needle in (w.lower() for w in wanted):  # no class is named by it: a part of the path will do
        matches = [e for e in group if needle in e.target.rsplit(".", 1)[0].lower()]
        if matches:
            return sorted(matches, key=lambda e: (e.confidence != "configured", len(e.target), e.target))[0]
    configured = [e for e in group if e.confidence == "configured"]
    chosen = (configured or group)[0]
    extra = (("alternatives", len(group) - 1),) if len(group) > 1 else ()
    return chosen._replace(meta=tuple(sorted(chosen.meta + extra)))


def _renumber(hops: list[Hop]) -> list[Hop]:
    return [dataclasses.replace(h, step=i) for i, h in enumerate(hops, 1)]
