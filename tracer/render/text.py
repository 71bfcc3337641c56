"""render: a trace as a tree for the terminal (rich).

Stage: render.  Reads ``Trace`` records only.
"""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from tracer.graph.records import Hop, Trace

_STYLE = {
    "call": "white", "rpc-cast": "bold magenta", "rpc-call": "bold cyan", "flow-task": "bold green",
    "driver": "bold yellow", "rest": "bold blue",
}


def hop_label(h: Hop) -> str:
    meta = dict(h.meta)
    extra = ""
    if h.kind.startswith("rpc"):
        extra = f" topic={meta.get('topic')}" + (f" ns={meta['namespace']}" if meta.get("namespace") else "")
    elif h.kind == "flow-task":
        extra = f" #{meta.get('order')} of {meta.get('flow', '').rsplit('.', 2)[-2]}.get_flow" if meta.get("flow") else ""
    elif h.kind == "driver" and meta.get("alternatives"):
        extra = f" (+{meta['alternatives']} other implementations; --driver NAME)"
    style = _STYLE.get(h.kind, "white")
    repeat = " [dim](see above)[/dim]" if h.repeat else ""
    return (
        f"[{style}]{h.kind:<9}[/{style}] {escape(h.callee)}  [dim]{escape(h.site)}[/dim]"
        f"  [italic]{escape(h.service)}[/italic]{escape(extra)}{repeat}"
    )


def render_tree(t: Trace) -> Tree:
    root = Tree(f"[bold]{escape(t.entry_label)}[/bold]  [dim]{escape(t.entry)}[/dim]  [italic]{escape(t.entry_service)}[/italic]")
    stack: list[tuple[int, Tree]] = [(0, root)]
    for h in t.hops:
        while stack and stack[-1][0] >= h.depth:
            stack.pop()
        node = stack[-1][1].add(hop_label(h))
        stack.append((h.depth, node))
    return root


def print_trace(t: Trace, console: Console) -> None:
    console.print(render_tree(t))
    kinds: dict[str, int] = {}
    for h in t.hops:
        kinds[h.kind] = kinds.get(h.kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    console.print(f"[dim]{len(t.hops)} hops ({summary}); services: {' -> '.join(t.services())}; view: {t.view}[/dim]")
