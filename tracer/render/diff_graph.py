"""render: a flow diff as ONE union diagram (SVG, HTML, Mermaid), drawn from the presentation model.

Stage: render.  Reads ``FlowDiff`` and ``tracer.render.model``; must not import libcst, networkx, the linker
or ``tracer.api``.

The union is both sides' models merged on the diff's function mapping: a function both sides reach is one
node (grey: same, amber: changed), one only the old side reaches is red, one only the new side reaches is
green, and edges likewise; one cluster per service as in ``trace -f svg``.  Past ``CONTEXT_FROM`` functions
only the changed ones and the ways to them from the entry are drawn (Jaeger's "changes with context").
"""
from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Mapping

from tracer.diff.flow import FlowDiff
from tracer.render.diff_text import status
from tracer.render.model import Edge, Model, Node, build_model, clusters

COUNTS_STYLE = """
header h1 { flex: 0 1 auto; min-width: 0; }
header .counts { flex: 1 1 0; min-width: 0; color: #555; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
"""
CONTEXT_FROM = 80  # functions in the union past which unchanged branches are left out


def union_model(d: FlowDiff, where_old: Mapping[str, str] | None = None,
                where_new: Mapping[str, str] | None = None, context_from: int = CONTEXT_FROM) -> Model:
    if d.old_trace is None or d.new_trace is None:
        raise ValueError("a union diagram needs an entry diff (the --rpc/--routes/--flows diffs are lists)")
    old, new = build_model(d.old_trace, where_old), build_model(d.new_trace, where_new)
    forward: dict[str, str] = {}
    for a, b in d.mapping:
        forward.setdefault(a, b)
    changed_new = {c.new.callee for c in d.changes if c.new and status(c) in ("changed", "moved")}
    changed_new |= {b for a, b in d.mapping if a != b}  # moved or renamed (also those listed with their class)
    reached = set(forward.values())
    nodes = [replace(n, status="changed" if n.id in changed_new or n.role == "entry" and _entry_changed(d)
                     else "same" if n.id in reached else "added") for n in new.nodes]
    ids = {n.id for n in new.nodes}
    ident: dict[str, str] = {}
    for n in old.nodes:
        target = forward.get(n.id)
        if target in ids:
            ident[n.id] = target
            continue
        ident[n.id] = n.id if n.id not in ids else f"old:{n.id}"
        nodes.append(replace(n, id=ident[n.id], status="same" if target else "removed"))
    edges = _edges(old, new, ident)
    nodes, edges = _context(nodes, edges, d.new_trace.entry, context_from)
    title = f"{d.request}: {d.old.release()} -> {d.new.release()}"
    return Model(title, d.new.entry or d.new_trace.entry, new.view,
                 (f"old {d.old.release()}", f"new {d.new.release()}"), tuple(nodes), tuple(edges),
                 clusters(tuple(nodes)), {n.id: n for n in nodes})


def _entry_changed(d: FlowDiff) -> bool:
    return any(c.kind == "entry" for c in d.changes)


def _edges(old: Model, new: Model, ident: dict[str, str]) -> list[Edge]:
    """New edges (same, changed when the kind differs, added), then old edges no new one stands for."""
    mapped = {(ident[e.source], ident[e.target]): e for e in old.edges}
    kinds = {(ident[e.source], ident[e.target], e.kind) for e in old.edges}
    out = []
    for e in new.edges:
        if (e.source, e.target, e.kind) in kinds:
            out.append(replace(e, status="same"))
        elif (e.source, e.target) in mapped:
            out.append(replace(e, status="changed"))
        else:
            out.append(replace(e, status="added"))
    drawn = {(e.source, e.target) for e in new.edges}
    for e in old.edges:
        s, t = ident[e.source], ident[e.target]
        if (s, t) not in drawn:
            drawn.add((s, t))
            out.append(replace(e, source=s, target=t, status="removed"))
    return out


def _context(nodes: list[Node], edges: list[Edge], entry: str, limit: int) -> tuple[list[Node], list[Edge]]:
    """Past ``limit`` nodes: the changed nodes, the entry, and every node on a way from the entry to them."""
    if len(nodes) <= limit:
        return nodes, edges
    callers: dict[str, set[str]] = {}
    for e in edges:
        callers.setdefault(e.target, set()).add(e.source)
    keep = {n.id for n in nodes if n.status != "same"} | {entry}
    todo = list(keep)
    while todo:
        for c in callers.get(todo.pop(), ()):
            if c not in keep:
                keep.add(c)
                todo.append(c)
    return ([n for n in nodes if n.id in keep],
            [e for e in edges if e.source in keep and e.target in keep])


def diff_svg(d: FlowDiff, where_old=None, where_new=None) -> bytes:
    from tracer.render.svg import to_svg

    return to_svg(union_model(d, where_old, where_new))


def diff_mermaid(d: FlowDiff, where_old=None, where_new=None) -> str:
    from tracer.render.mermaid import to_mermaid

    return to_mermaid(union_model(d, where_old, where_new))


def diff_html(d: FlowDiff, where_old=None, where_new=None) -> str:
    """A standalone page: the union diagram with pan/zoom and search, the summary in its header."""
    from tracer.render.html import SCRIPT, STYLE, fill_svg

    graph = fill_svg(diff_svg(d, where_old, where_new))
    counts = ", ".join(f"{n} {t}" for t, n in d.by_type().items()) or "no differences"
    title = escape(f"diff {d.request}: {d.old.release()} -> {d.new.release()}")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">', f"<title>{title}</title>",
        f"<style>{STYLE}{COUNTS_STYLE}</style>", "</head>", "<body>", "<header>", f"<h1>{title}</h1>",
        f'<span class="counts" title="{escape(counts)}">{escape(counts)}</span>',
        '<input id="q" type="search" placeholder="search functions (Enter: next)" autocomplete="off">',
        '<span id="count"></span>', '<button id="fit" title="fit to window (0)">fit</button>',
        '<span class="hint">wheel: zoom, drag: pan</span>', "</header>",
        f'<div class="view" id="graph">{graph}</div>', f"<script>{SCRIPT}</script>", "</body>", "</html>", "",
    ])
