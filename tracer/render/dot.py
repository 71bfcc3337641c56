"""render: a trace as Graphviz DOT, one box per service and edge styles by kind.

Stage: render.  Reads the presentation model (``tracer.render.model``); must
not import libcst, networkx, pygraphviz, the linker or ``tracer.api``.

Node ids are the qualified names (so an SVG's ``<title>`` carries them), node
labels are ``Class.method`` over ``file:line``.  The text depends only on the
trace: the same trace gives byte-identical DOT.
"""
from __future__ import annotations

import re
from typing import Mapping

from tracer.graph.trace import Trace
from tracer.render.model import KINDS, Edge, Model, Node, build_model

FONT = "Helvetica"

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
    "flow-task": "flow task #order", "driver": "configured driver",
}
NODE_STYLE: dict[str, dict[str, str]] = {
    "entry": {"fillcolor": "lightyellow", "penwidth": "2", "style": "rounded,filled,bold"},
    "call": {},
    "rest": {"fillcolor": "#eeeeee"},
    "rpc": {"fillcolor": "#e8eaff", "color": "blue3"},
    "flow-task": {"fillcolor": "#e3f4dc", "color": "green4"},
    "driver": {"fillcolor": "#ffe9cc", "color": "darkorange2", "shape": "box3d", "style": "filled"},
}
NODE_MEANING = {"entry": "entry point", "rpc": "RPC endpoint (manager)", "flow-task": "flow task",
                "driver": "driver implementation"}


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped, newlines as ``\\n``)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{body}"'


def attrs(values: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={quote(v)}" for k, v in values.items())


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


def node_label(n: Node) -> str:
    orders = ",".join(f"#{o}" for o in n.orders)
    name = f"{orders} {n.label}" if orders else n.label
    return f"{name}\n{n.site}" if n.site else name


def node_attrs(n: Node) -> dict[str, str]:
    out = {"label": node_label(n), "tooltip": f"{n.id}\n{n.site or '?'}  [{n.service}]"}
    out.update(NODE_STYLE.get(n.role, {}))
    return out


def edge_attrs(e: Edge) -> dict[str, str]:
    out = dict(EDGE_STYLE.get(e.kind, EDGE_STYLE["call"]))
    if e.label:
        out["label"] = e.label
    out["tooltip"] = f"{e.kind} {e.source} -> {e.target}\nat {', '.join(e.sites)} ({e.confidence})"
    return out


def to_dot(trace: Trace | Model, where: Mapping[str, str] | None = None, rankdir: str = "LR",
           legend: bool = True) -> str:
    """Graphviz DOT for a trace (or an already built model); ``where`` gives definition sites."""
    model = trace if isinstance(trace, Model) else build_model(trace, where)
    lines = ["digraph trace {"] + [f"  {line}" for line in _header(model, rankdir)]
    names = cluster_names(model)
    for c in model.clusters:
        lines += [f"  subgraph {names[c.service]} {{", f"    {attrs(_cluster_style(c.service))};"]
        lines += [f"    {quote(fq)} [{attrs(node_attrs(model.node(fq)))}];" for fq in c.nodes]
        lines.append("  }")
    lines += [f"  {quote(e.source)} -> {quote(e.target)} [{attrs(edge_attrs(e))}];" for e in model.edges]
    if legend:
        lines += [f"  {line}" for line in _legend(model)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _header(model: Model, rankdir: str) -> list[str]:
    title = f"{model.title}  ({model.entry})" if model.title != model.entry else model.title
    sub = "; ".join(filter(None, [f"view: {model.view}", ", ".join(model.sources)]))
    graph = {"rankdir": rankdir, "newrank": "true", "compound": "true", "fontname": FONT, "fontsize": "16",
             "label": f"{title}\n{sub}", "labelloc": "t", "labeljust": "l", "nodesep": "0.25",
             "ranksep": "0.45", "tooltip": model.title, "bgcolor": "white"}
    node = {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "color": "grey40",
            "fontname": FONT, "fontsize": "10", "margin": "0.12,0.04", "height": "0.3"}
    edge = {"fontname": FONT, "fontsize": "9", "arrowsize": "0.7"}
    return [f"graph [{attrs(graph)}];", f"node [{attrs(node)}];", f"edge [{attrs(edge)}];"]


def _cluster_style(service: str) -> dict[str, str]:
    return {"label": service, "style": "rounded,filled", "fillcolor": "#f6f6f6", "color": "grey60",
            "fontname": f"{FONT}-Bold", "fontsize": "13", "labeljust": "l", "tooltip": service}


def _legend(model: Model) -> list[str]:
    """A ``cluster_legend`` box: one sample edge per kind used, one sample node per role used."""
    kinds = [k for k in KINDS if any(e.kind == k for e in model.edges)] or ["call"]
    roles = [r for r in NODE_MEANING if any(n.role == r for n in model.nodes)]
    out = ["subgraph cluster_legend {",
           f"  {attrs({'label': 'legend', 'style': 'rounded', 'color': 'grey70', 'fontsize': '11', 'fontname': FONT})};",
           f"  node [{attrs({'shape': 'plaintext', 'style': '', 'fontsize': '9', 'height': '0.2'})}];"]
    for k in kinds:
        style = dict(EDGE_STYLE[k])
        out.append(f"  {quote('legend:' + k)} [label=\"\", shape=point, width=\"0.06\"];")
        out.append(f"  {quote('legend:' + k + ':to')} [{attrs({'label': EDGE_MEANING[k]})}];")
        out.append(f"  {quote('legend:' + k)} -> {quote('legend:' + k + ':to')} [{attrs(style)}];")
    for r in roles:
        style = {"shape": "box", "style": "rounded,filled", "label": NODE_MEANING[r], "fontsize": "9"}
        style.update(NODE_STYLE[r])
        out.append(f"  {quote('legend:node:' + r)} [{attrs(style)}];")
    out.append("}")
    return out
