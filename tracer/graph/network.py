"""graph: the whole cross-service graph as a networkx ``MultiDiGraph``, and its GraphML.

Stage: graph.  Reads the ``tracer-graph/1`` data ``tracer.api.export`` makes (nodes and edges, sorted);
networkx is imported here only, when a caller asks for the graph, so the trace path never loads it.

Nodes are keyed by their id (``module.__qualname__``, ``route:METHOD /path``) and carry the export's node
fields; every edge carries its kind, site, confidence and meta.  GraphML takes only scalar attributes, so
a missing value (``None``) is written as an empty string.
"""
from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx


def build(data: dict) -> nx.MultiDiGraph:
    import networkx as nx

    g = nx.MultiDiGraph(schema=data["schema"], sources=", ".join(
        f"{s['project']} {s['version']}" for s in data["sources"]))
    for node in data["nodes"]:
        g.add_node(node["id"], **{k: v for k, v in node.items() if k != "id"})
    for edge in data["edges"]:
        attrs = {k: v for k, v in edge.items() if k not in ("source", "target")}
        g.add_edge(edge["source"], edge["target"], **attrs)
    return g


def graphml(data: dict) -> bytes:
    """The graph as GraphML (for Gephi, yEd, Cytoscape), byte-identical for the same data."""
    import networkx as nx

    g = build(data)
    for _, attrs in g.nodes(data=True):
        _scalars(attrs)
    for _, _, attrs in g.edges(data=True):
        _scalars(attrs)
    out = io.BytesIO()
    nx.write_graphml(g, out, encoding="utf-8", prettyprint=True)
    return out.getvalue()


def _scalars(attrs: dict) -> None:
    for key, value in list(attrs.items()):
        if value is None:
            attrs[key] = ""
        elif not isinstance(value, (str, int, float, bool)):
            attrs[key] = str(value)
