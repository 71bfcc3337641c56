"""render: the presentation model every diagram format is drawn from.

Stage: render.  Reads ``Trace``/``Hop`` records (and, duck-typed, a linked
program's definition sites); must not import libcst, networkx, the linker or
``tracer.api``.

A ``Model`` is the trace as a graph: one node per distinct function (the entry
and every callee, in the order execution first reaches them), one edge per
distinct (caller, callee, kind, label), one cluster per service in
first-seen order, and a note per fold of the view (what it left out, under the
node it was folded under).  Everything is ordered by execution step, so the
same trace always gives the same model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol

from tracer.graph.records import Hop, Trace, short_name
from tracer.render.folds import fold_detail, fold_line, folded_totals

KINDS = ("call", "rpc-cast", "rpc-call", "rest", "flow-task", "driver")
BRANCH_KINDS = frozenset({"if", "elif", "else", "except", "for", "while"})  # guards that decide whether it runs
# When a node is reached by several kinds, the most telling one decides how it is drawn.
_ROLE_RANK = {"call": 0, "rest": 1, "rpc-call": 2, "rpc-cast": 2, "flow-task": 3, "driver": 4}
_ROLE = {"call": "call", "rest": "rest", "rpc-call": "rpc", "rpc-cast": "rpc", "flow-task": "flow-task",
         "driver": "driver"}


@dataclass(frozen=True, slots=True)
class Node:
    id: str  # qualified name
    label: str  # "Class.method"
    site: str  # "path:line" of the definition, "" when unknown
    service: str
    role: str  # entry | call | rest | rpc | flow-task | driver
    orders: tuple[int, ...]  # flow task positions, when reached as a flow task
    step: int  # first step that reaches it (0: the entry)
    depth: int = 0  # tree level of that first step
    status: str = ""  # in a diff's union model: same | removed | added | changed (else "")
    effects: tuple = ()  # ``--effects``: what the function touches (every hop that reaches it), sorted


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str
    label: str  # "cast create_volume", "#3", "" ... (merged when several hops share the edge)
    sites: tuple[str, ...]  # call sites, in execution order
    confidence: str
    step: int  # first step
    repeat: bool = False  # every hop it stands for reaches a function expanded earlier
    labels: tuple[str, ...] = ()  # each hop's own label, distinct, in execution order
    guards: tuple[str, ...] = ()  # per site (pairwise with ``sites``): the branches the call runs under
    branch: str = ""  # the innermost branch every hop of the edge runs under (``elif create_type == 'snap'``)
    status: str = ""  # in a diff's union model: same | removed | added | changed (else "")


@dataclass(frozen=True, slots=True)
class Cluster:
    service: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FoldNote:
    """What a view left out under one node (``tracer.render.folds``): drawn as a faint note beside it."""

    id: str  # "fold:<step>:<reason>"
    anchor: str  # the node it was folded under (the callee of the hop numbered ``step``; the entry for 0)
    service: str  # the anchor's service: the note is drawn in its cluster
    reason: str
    hops: int
    text: str  # "⋯ 15 hops only under a branch: VolumeAPI.attachment_update"
    detail: str  # every folded name with its call site, for the tooltip
    step: int


@dataclass(frozen=True, slots=True)
class Model:
    title: str
    entry: str
    view: str
    sources: tuple[str, ...]  # "cinder 14.0.0"
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    index: Mapping[str, Node] = field(default_factory=dict, compare=False, repr=False)
    notes: tuple[FoldNote, ...] = ()  # what the view left out, by step (identical branches drawn once excepted)
    folded: str = ""  # the totals line of every fold (``folded 78 hops: ...``), empty when none

    def node(self, fq: str) -> Node:
        return self.index[fq] if self.index else next(n for n in self.nodes if n.id == fq)


class _Function(Protocol):
    path: str
    line: int


class ProgramLike(Protocol):
    """What ``definition_sites`` reads of ``tracer.link.program.Program``."""

    functions: Mapping[str, _Function]
    classes: Mapping
    modules: Mapping


def short_label(fq: str) -> str:
    """``pkg.mod.Class.method`` -> ``Class.method``; closures keep their enclosing function."""
    return short_name(fq)


def edge_label(h: Hop) -> str:
    meta = dict(h.meta)
    if h.kind == "rpc-cast":
        return f"cast {meta.get('method') or h.callee.rsplit('.', 1)[-1]}"
    if h.kind == "rpc-call":
        return f"call {meta.get('method') or h.callee.rsplit('.', 1)[-1]}"
    if h.kind == "flow-task":
        return _task_label(h, meta)
    if h.kind == "rest":
        return rest_label(h)
    if h.kind == "driver":
        return f"driver (+{meta['alternatives']})" if meta.get("alternatives") else "driver"
    return ""


def rest_label(h: Hop) -> str:
    """``PUT /v3/{project_id}/attachments/{id}`` (and the action key): the request as the linker saw it."""
    meta = dict(h.meta)
    http = str(meta.get("http") or (h.callee.split(" ", 1)[1] if " " in h.callee else "")) or "REST"
    return f"{http} {meta['action']}" if meta.get("action") else http


def guard_text(h: Hop, sep: str = " › ") -> str:
    """The branches a hop's call runs under, outermost first (a bare ``try`` says nothing)."""
    return sep.join(g.text for g in reversed(h.guards) if g.text != "try")


def branch_of(h: Hop) -> str:
    """The innermost guard that decides whether the call runs (``if``/``elif``/``else``/``except``/loops)."""
    return next((g.text for g in h.guards if g.kind in BRANCH_KINDS), "")


def _task_label(h: Hop, meta: dict) -> str:
    order = f"#{meta['order']}" if meta.get("order") is not None else "#?"
    task = str(meta.get("task") or "")
    task_class = task.rsplit(".", 1)[-1]
    shown = h.callee.split(".")[-2:]  # the callee's own name already says which class it is
    return f"{order} {task_class}" if task_class and task_class not in shown else order


def target_service(h: Hop) -> str:
    """The service a hop lands in (a REST hop may name the receiving service in its meta)."""
    return str(dict(h.meta).get("service") or h.service) if h.kind == "rest" else h.service


def build_model(trace: Trace, where: Mapping[str, str] | None = None) -> Model:
    """The trace as a graph; ``where`` maps qualified names to their definition ``path:line``."""
    where = where or {}
    first: dict[str, tuple[int, str, int]] = {trace.entry: (0, trace.entry_service, 0)}
    role: dict[str, str] = {trace.entry: "entry"}
    orders: dict[str, list[int]] = {}
    for h in trace.hops:
        first.setdefault(h.callee, (h.step, target_service(h), h.depth))
        _note_role(role, h)
        order = dict(h.meta).get("order") if h.kind == "flow-task" else None
        if isinstance(order, int) and order not in orders.setdefault(h.callee, []):
            orders[h.callee].append(order)
    touched = _effects(trace)
    nodes = tuple(
        Node(fq, short_label(fq), where.get(fq, ""), svc, _ROLE.get(role[fq], role[fq]),
             tuple(sorted(orders.get(fq, ()))), step, depth, effects=touched.get(fq, ()))
        for fq, (step, svc, depth) in first.items()
    )
    index = {n.id: n for n in nodes}
    return Model(trace.entry_label, trace.entry, trace.view, _sources(trace), nodes, _edges(trace),
                 clusters(nodes), index, fold_notes(trace, index), folded_totals(trace.folded))


def fold_notes(trace: Trace, index: Mapping[str, Node]) -> tuple[FoldNote, ...]:
    """A note per fold, under the node of its step's hop; identical branches drawn once need none."""
    anchors = {0: trace.entry} | {h.step: h.callee for h in trace.hops}
    out = []
    for f in trace.folded:
        anchor = anchors.get(f.step)
        if f.reason == "same" or anchor not in index:
            continue
        out.append(FoldNote(f"fold:{f.step}:{f.reason}", anchor, index[anchor].service, f.reason, f.hops,
                            fold_line(f), fold_detail(f), f.step))
    return tuple(out)


def _effects(trace: Trace) -> dict[str, tuple]:
    """Function -> the effects of every hop that reaches it (and the entry's own), one per meaning."""
    found: dict[str, dict] = {trace.entry: {(e.key, e.service): e for e in trace.entry_effects}}
    for h in trace.hops:
        mine = found.setdefault(h.callee, {})
        for e in h.effects:
            mine.setdefault((e.key, e.service), e)
    return {fq: tuple(v.values()) for fq, v in found.items() if v}


def _note_role(role: dict[str, str], h: Hop) -> None:
    current = role.get(h.callee)
    if current == "entry":
        return
    if current is None or _ROLE_RANK.get(h.kind, 0) > _ROLE_RANK.get(current, 0):
        role[h.callee] = h.kind


def _edges(trace: Trace) -> tuple[Edge, ...]:
    """One edge per (parent, callee, kind); hops that share one merge their sites, labels and guards.

    The parent is the hop above in the tree: the caller itself, except in a view that left the calls
    between out (``--view hops``), where it is the nearest hop shown.
    """
    found: dict[tuple[str, str, str], Edge] = {}
    stack: list[tuple[int, str]] = [(0, trace.entry)]
    for h in trace.hops:
        while stack[-1][0] >= h.depth:
            stack.pop()
        parent = stack[-1][1]
        stack.append((h.depth, h.callee))
        key, label, guard, branch = (parent, h.callee, h.kind), edge_label(h), guard_text(h), branch_of(h)
        old = found.get(key)
        if old is None:
            found[key] = Edge(parent, h.callee, h.kind, label, (h.site,), h.confidence, h.step, h.repeat, (label,),
                              (guard,), branch)
            continue
        new_site = h.site not in old.sites
        sites = old.sites + (h.site,) if new_site else old.sites
        guards = old.guards + (guard,) if new_site else old.guards
        labels = old.labels if label in old.labels else old.labels + (label,)
        found[key] = Edge(old.source, old.target, old.kind, merge_labels(old.kind, labels), sites, old.confidence,
                          old.step, old.repeat and h.repeat, labels, guards, old.branch if old.branch == branch else "")
    return tuple(sorted(found.values(), key=lambda e: (e.step, e.source, e.target, e.kind)))


def merge_labels(kind: str, labels: tuple[str, ...], shown: int = 3) -> str:
    """``cast a``, ``cast b`` -> ``cast a, b``; past ``shown`` names, ``+N``; drivers just ``driver``."""
    labels = tuple(label for label in labels if label)
    if len(labels) <= 1:
        return labels[0] if labels else ""
    if kind == "driver":
        return "driver"
    prefix = labels[0].split(" ", 1)[0] + " " if kind.startswith("rpc") else ""
    names = [label[len(prefix):] if prefix and label.startswith(prefix) else label for label in labels]
    more = f" +{len(names) - shown}" if len(names) > shown else ""
    return prefix + ", ".join(names[:shown]) + more


def clusters(nodes: tuple[Node, ...]) -> tuple[Cluster, ...]:
    """One cluster per service, in the nodes' order."""
    members: dict[str, list[str]] = {}
    for n in nodes:
        members.setdefault(n.service, []).append(n.id)
    return tuple(Cluster(svc, tuple(ids)) for svc, ids in members.items())


def _sources(trace: Trace) -> tuple[str, ...]:
    return tuple(f"{s[0]} {s[1]}" for s in trace.sources if len(s) >= 2)


def definition_sites(program: ProgramLike, trace: Trace) -> dict[str, str]:
    """``path:line`` of every function, class or module named in the trace (for node labels)."""
    names = [trace.entry] + [h.callee for h in trace.hops]
    out: dict[str, str] = {}
    for fq in names:
        site = _site(program, fq)
        if site:
            out[fq] = site
    return out


def _site(program: ProgramLike, fq: str) -> str:
    fn = program.functions.get(fq)
    if fn is not None:
        return f"{fn.path}:{fn.line}"
    cls = program.classes.get(fq)
    if cls is not None:
        return f"{cls.path}:{cls.facts.line}"
    mod = program.modules.get(fq)
    return f"{mod.path}:1" if mod is not None else ""
