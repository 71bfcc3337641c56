"""render: a trace as Graphviz DOT, one box per service and edge styles by kind.

Stage: render.  Reads the presentation model (``tracer.render.model``); must
not import libcst, networkx, pygraphviz, the linker or ``tracer.api``.

Node ids are the qualified names (so an SVG's ``<title>`` carries them), node
labels are ``Class.method`` over ``file:line``; what a view left out is a
dashed note node (``fold:<step>:<reason>``) tied to its hop by a dotted edge.
The text depends only on the trace: the same trace gives byte-identical DOT.
"""
from __future__ import annotations

import math
import re
from typing import Mapping

from tracer.effects.report import effect_badges, effect_tooltip
from tracer.graph.records import Trace
from tracer.render.folds import note_lines
from tracer.render.model import KINDS, Edge, FoldNote, Model, Node, build_model

FONT = "Helvetica"
RANK_W, NODE_H, RANK_H = 220.0, 45.0, 60.0  # points a level takes across, a node down (LR), a level down (TB)
SITE_COLOUR = "#555555"
BRANCH_ROOM = 40  # characters of a branch in an edge label

EDGE_STYLE: dict[str, dict[str, str]] = {
    "call": {"color": "grey55"},
    "rpc-cast": {"color": "magenta3", "fontcolor": "magenta4", "style": "bold,dashed", "penwidth": "2"},
    "rpc-call": {"color": "blue3", "fontcolor": "blue4", "style": "bold", "penwidth": "2", "dir": "both",
                 "arrowtail": "inv"},
    "rest": {"color": "black", "fontcolor": "black", "style": "bold,dotted", "penwidth": "2.5"},
    "flow-task": {"color": "green4", "fontcolor": "darkgreen", "penwidth": "1.5"},
    "driver": {"color": "darkorange2", "fontcolor": "darkorange3", "penwidth": "2"},
}
EDGE_MEANING = {
    "call": "call", "rpc-cast": "RPC cast (async)", "rpc-call": "RPC call (waits)", "rest": "REST request",
    "flow-task": "flow task #order", "driver": "driver (+N other implementations)",
}
NODE_STYLE: dict[str, dict[str, str]] = {
    "entry": {"fillcolor": "lightyellow", "penwidth": "2", "style": "rounded,filled,bold"},
    "call": {},
    "rest": {"fillcolor": "#eeeeee"},
    "rpc": {"fillcolor": "#e8eaff", "color": "blue3"},
    "flow-task": {"fillcolor": "#e3f4dc", "color": "green4"},
    "driver": {"fillcolor": "#ffe9cc", "color": "darkorange2", "shape": "box3d", "style": "filled",
               "margin": "0.2,0.05"},
}
NODE_MEANING = {"entry": "entry point", "rpc": "RPC endpoint (manager)", "flow-task": "flow task",
                "driver": "driver implementation"}
# A diff's union model: the status of a node or edge decides its colour, over its role and kind.
STATUS_NODE: dict[str, dict[str, str]] = {
    "same": {"fillcolor": "#f0f0f0", "color": "grey60", "fontcolor": "grey30"},
    "removed": {"fillcolor": "#ffd6d6", "color": "red3", "fontcolor": "red4", "penwidth": "2"},
    "added": {"fillcolor": "#d7f5d7", "color": "green4", "fontcolor": "darkgreen", "penwidth": "2"},
    "changed": {"fillcolor": "#ffe7a8", "color": "#c98a00", "fontcolor": "#6b4a00", "penwidth": "2"},
}
STATUS_EDGE: dict[str, dict[str, str]] = {
    "same": {"color": "grey65", "fontcolor": "grey40"},
    "removed": {"color": "red3", "fontcolor": "red4"},
    "added": {"color": "green4", "fontcolor": "darkgreen"},
    "changed": {"color": "#c98a00", "fontcolor": "#8a5f00"},
}
# What a view left out: a faint dashed note beside the node it was folded under, tied by a dotted line.
NOTE_STYLE = {"shape": "box", "style": "rounded,dashed", "color": "grey60", "fontcolor": "grey35",
              "fontsize": "9", "margin": "0.08,0.03"}
NOTE_EDGE = {"style": "dotted", "color": "grey60", "arrowhead": "none", "penwidth": "1.2"}
STATUS_MEANING = {"same": "same on both sides", "removed": "old side only (removed)",
                  "added": "new side only (added)", "changed": "changed (moved, verb, service...)"}


class Html(str):
    """A Graphviz HTML-like label, written as ``<...>`` instead of a quoted string."""


def html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped, newlines as ``\\n``)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def attrs(values: Mapping[str, str]) -> str:
    return ", ".join(f"{k}=<{v}>" if isinstance(v, Html) else f"{k}={quote(v)}" for k, v in values.items())


def cluster_names(model: Model) -> dict[str, str]:
    """``cluster_<service>`` with non-identifier characters as ``_`` (unique)."""
    names: dict[str, str] = {}
    for c in model.clusters:
        base = "cluster_" + re.sub(r"\W", "_", c.service)
        name, n = base, 2
        while name in names.values():
            name, n = f"{base}_{n}", n + 1
        names[c.service] = name
    return names


def node_label(n: Node) -> Html:
    """``Class.method`` over a smaller grey ``file:line``; flow tasks lead with their order; with
    ``--effects``, a row of badges below (the tooltip lists them all)."""
    orders = ",".join(f"#{o}" for o in n.orders)
    name = html_escape(f"{orders} {n.label}" if orders else n.label)
    site = f'<BR/><FONT POINT-SIZE="8" COLOR="{SITE_COLOUR}">{html_escape(n.site)}</FONT>' if n.site else ""
    badges = "&#160;".join(f'<FONT POINT-SIZE="7" COLOR="{colour}">{html_escape(text)}</FONT>'
                           for text, colour in effect_badges(n.effects))
    if not site and not badges:
        return Html(name)
    return Html(name + site + (f"<BR/>{badges}" if badges else ""))


def node_attrs(n: Node) -> dict[str, str]:
    state = f" ({n.status})" if n.status else ""
    tooltip = f"{n.id}\n{n.site or '?'}  [{n.service}]{state}"
    if n.effects:
        tooltip += "\n" + "\n".join(effect_tooltip(n.effects))
    out = {"label": node_label(n), "tooltip": tooltip}
    out.update(NODE_STYLE.get(n.role, {}))
    out.update(STATUS_NODE.get(n.status, {}))
    return out


def edge_text(label: str, rankdir: str) -> str:
    """An edge label laid out in lines: one name a line; top-down, the verb on its own line too.

    Labels sit beside top-down edges, so narrow blocks keep neighbours from
    reading as one sentence; left-right labels sit above the edge.
    """
    text = label.replace(", ", ",\n")
    if rankdir == "TB" and " " in text.split("\n", 1)[0] and not text.startswith("#"):
        text = text.replace(" ", "\n", 1)
    return f" {text} ".replace("\n", " \n ")


def edge_attrs(e: Edge, rankdir: str = "LR") -> dict[str, str]:
    """Style by kind; the label says the hop (and the branch it runs under), the tooltip says it all."""
    out = dict(EDGE_STYLE.get(e.kind, EDGE_STYLE["call"]))
    text = "\n".join(filter(None, [edge_text(e.label, rankdir) if e.label else "", branch_text(e.branch)]))
    if text:
        out["label"] = text
    detail = f"\n{'; '.join(e.labels)}" if len(e.labels) > 1 else ""
    under = "".join(f"\n{site}: {guard}" for site, guard in zip(e.sites, e.guards) if guard)
    out["tooltip"] = f"{e.kind} {e.source} -> {e.target}\nat {', '.join(e.sites)} ({e.confidence}){detail}{under}"
    out.update(STATUS_EDGE.get(e.status, {}))
    return out


def branch_text(branch: str, room: int = BRANCH_ROOM) -> str:
    """The branch an edge runs under, as its label's last line (the tooltip has it whole)."""
    if not branch:
        return ""
    return f" {branch if len(branch) <= room else branch[: room - 1] + '…'} "


def choose_rankdir(model: Model, aspect: float = 1.6) -> str:
    """``LR`` or ``TB``, whichever gives a picture closer to ``aspect`` (width/height).

    Deep, narrow traces read better top-down; broad ones left to right.  The
    estimate counts tree levels and the most functions on one level.
    """
    levels: dict[int, int] = {}
    for n in model.nodes:
        levels[n.depth] = levels.get(n.depth, 0) + 1
    depth, breadth = len(levels), max(levels.values())
    lr = (depth * RANK_W) / (breadth * NODE_H)
    tb = (breadth * RANK_W) / (depth * RANK_H)
    return "LR" if abs(math.log(lr / aspect)) <= abs(math.log(tb / aspect)) else "TB"


def to_dot(trace: Trace | Model, where: Mapping[str, str] | None = None, rankdir: str = "auto",
           legend: bool = True) -> str:
    """Graphviz DOT for a trace (or an already built model); ``where`` gives definition sites.

    ``rankdir`` is ``LR``, ``TB`` or ``auto`` (see ``choose_rankdir``).
    """
    model = trace if isinstance(trace, Model) else build_model(trace, where)
    rankdir = choose_rankdir(model) if rankdir == "auto" else rankdir
    lines = ["digraph trace {"] + [f"  {line}" for line in _header(model, rankdir)]
    names = cluster_names(model)
    for c in model.clusters:
        lines += [f"  subgraph {names[c.service]} {{", f"    graph [{attrs(_cluster_style(c.service))}];"]
        members = [f"{quote(fq)} [{attrs(node_attrs(model.node(fq)))}];" for fq in c.nodes]
        members += [f"{quote(n.id)} [{attrs(note_attrs(n))}];" for n in model.notes if n.service == c.service]
        lines += [f"    {line}" for line in (members[::-1] if rankdir == "LR" else members)]  # see _layout_order
        lines.append("  }")
    lines += [f"  {line}" for line in _layout_order(model, rankdir)]
    if legend:
        lines += [f"  {line}" for line in _legend(model, rankdir)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _layout_order(model: Model, rankdir: str) -> list[str]:
    """The edge lines: tree edges first (``ordering=out`` follows them), then the fold notes' (a node's
    notes come after its calls, as in the text), back references last.

    Graphviz stacks an LR graph's ranks bottom-up in input order, so for LR the
    tree edges (and each cluster's nodes) are listed backwards: the first call
    then sits on top.
    """
    tree = [_edge_line(model, e, rankdir) for e in model.edges if not e.repeat]
    tree += [f"{quote(n.anchor)} -> {quote(n.id)} [{attrs(NOTE_EDGE | {'tooltip': n.detail})}];" for n in model.notes]
    back = [_edge_line(model, e, rankdir) for e in model.edges if e.repeat]
    return (tree[::-1] if rankdir == "LR" else tree) + back


def _edge_line(model: Model, e: Edge, rankdir: str) -> str:
    return f"{quote(e.source)} -> {quote(e.target)} [{attrs(_layout_attrs(model, e) | edge_attrs(e, rankdir))}];"


def note_attrs(n: FoldNote) -> dict[str, str]:
    """A fold note: its line (the names under the words), every folded name and site in the tooltip."""
    return NOTE_STYLE | {"label": "\n".join(note_lines(n.text)), "tooltip": n.detail}


def _layout_attrs(model: Model, e: Edge) -> dict[str, str]:
    """A forward reference to a function drawn earlier must not pull the layout (``weight=0``).

    It keeps its rank constraint, which its deeper target meets anyway: an
    unconstrained edge (``constraint=false``) is routed outside the rank
    structure, and between clusters Graphviz then fails to route it
    ("triangulation failed", the edge drawn badly or dropped; Stein
    create_volume).  Backward references keep their weight too: Graphviz turns
    them round and routes them as ordinary edges.
    """
    if e.repeat and model.node(e.target).depth > model.node(e.source).depth:
        return {"weight": "0"}
    return {}


def _header(model: Model, rankdir: str) -> list[str]:
    graph = {"rankdir": rankdir, "newrank": "true", "ordering": "out", "fontname": FONT, "fontsize": "16",
             "label": _title(model), "labelloc": "t", "labeljust": "l", "nodesep": "0.2", "ranksep": "0.4",
             "tooltip": model.title, "bgcolor": "white"}
    node = {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": "grey40",
            "fontname": FONT, "fontsize": "10", "margin": "0.12,0.04", "height": "0.3"}
    edge = {"fontname": FONT, "fontsize": "9", "arrowsize": "0.7"}
    return [f"graph [{attrs(graph)}];", f"node [{attrs(node)}];", f"edge [{attrs(edge)}];"]


def _title(model: Model) -> Html:
    """The operation in bold, then the entry's qualified name, the view and the sources, left-aligned."""
    sub = "; ".join(filter(None, [f"view: {model.view}", ", ".join(model.sources)]))
    lines = [f"<B>{html_escape(model.title)}</B>"]
    if model.title != model.entry:
        lines.append(html_escape(model.entry))
    lines.append(f'<FONT POINT-SIZE="11" COLOR="{SITE_COLOUR}">{html_escape(sub)}</FONT>')
    return Html("".join(f'{line}<BR ALIGN="LEFT"/>' for line in lines))


def _cluster_style(service: str) -> dict[str, str]:
    return {"label": service, "style": "rounded,filled", "fillcolor": "#f6f6f6", "color": "grey60",
            "fontname": f"{FONT}-Bold", "fontsize": "13", "labeljust": "l", "tooltip": service}


def _legend(model: Model, rankdir: str) -> list[str]:
    """A ``cluster_legend`` box: rows of a sample edge per kind used, then a sample node per role used
    (in a diff's union model: a sample node per status, edges in grey)."""
    kinds = [k for k in KINDS if any(e.kind == k for e in model.edges)] or ["call"]
    roles = [r for r in NODE_MEANING if any(n.role == r for n in model.nodes)]
    statuses = [s for s in STATUS_MEANING if any(n.status == s for n in model.nodes)]
    out = ["subgraph cluster_legend {",
           f"  graph [{attrs({'label': 'legend', 'style': 'rounded', 'color': 'grey70', 'fontsize': '11'})}];",
           f"  node [{attrs({'shape': 'plaintext', 'style': '', 'fontsize': '9', 'height': '0.3'})}];"]
    rows = range(max(len(kinds), len(statuses) if statuses else len(roles)))
    for i in reversed(rows) if rankdir == "LR" else rows:  # see _layout_order
        kind = kinds[i] if i < len(kinds) else None
        start, text, sample = f"legend:{i}", f"legend:{i}:text", f"legend:{i}:node"
        out.append(f"  {quote(start)} [label=\"\", width=\"0.1\"];")
        out.append(f"  {quote(text)} [{attrs({'label': EDGE_MEANING[kind] if kind else ''})}];")
        style = dict(EDGE_STYLE[kind]) if kind else {"style": "invis"}
        if kind and statuses:
            style.update(STATUS_EDGE["same"])
        out.append(f"  {quote(start)} -> {quote(text)} [{attrs(style)}];")
        node = _legend_node(statuses, roles, i)
        if node:
            out.append(f"  {quote(sample)} [{attrs(node)}];")
            out.append(f"  {quote(text)} -> {quote(sample)} [style=\"invis\"];")
    samples = len(statuses) if statuses else len(roles)
    out += _legend_folded(model, f"legend:{samples - 1}:node" if samples else f"legend:{len(rows) - 1}:text")
    out.append("}")
    return out


def _legend_folded(model: Model, above: str) -> list[str]:
    """What the view left out, as the text's footer says it: a note after the legend's samples."""
    if not model.folded:
        return []
    return [f"  {quote('legend:folded')} [{attrs(NOTE_STYLE | {'label': f'⋯ {model.folded}'})}];",
            f"  {quote(above)} -> {quote('legend:folded')} [style=\"invis\"];"]


def _legend_node(statuses: list[str], roles: list[str], i: int) -> dict[str, str] | None:
    if statuses:
        if i >= len(statuses):
            return None
        node = {"shape": "box", "style": "rounded,filled", "label": STATUS_MEANING[statuses[i]]}
        node.update(STATUS_NODE[statuses[i]])
        return node
    if i >= len(roles):
        return None
    node = {"shape": "box", "style": "rounded,filled", "label": NODE_MEANING[roles[i]]}
    node.update(NODE_STYLE[roles[i]])
    return node
